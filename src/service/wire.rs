//! The control socket's language: JSON lines of the engine's `Command`s
//! and `Update`s. Times travel as wall-clock milliseconds or as what is
//! left of a deadline, never as `Instant`s (they mean nothing in another
//! process).

use serde::{Deserialize, Serialize};

use crate::domain::{FailureReason, Phone, UnixTime};
use crate::engine::update::Claim;

/// Bumped whenever a line changes shape; both sides name theirs first.
pub const PROTOCOL: u32 = 4;

/// A client's first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub pid: u32,
    /// What attaches: "dashboard", "status", "pair"… (for the log).
    pub client: String,
}

/// The server's first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Greeting {
    Welcome {
        protocol: u32,
        pid: u32,
        /// When `walink serve` started, Unix seconds.
        started_at: UnixTime,
    },
    Refused {
        protocol: u32,
        sentence: String,
    },
}

pub fn mismatch_sentence(ours: u32, server: u32) -> String {
    format!("this walink speaks protocol {ours}, the server {server}: run the same walink version")
}

/// A session state with its deadlines as what is left of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WireState {
    NotLinked,
    Connecting,
    LinkingCode { expires_in_ms: u64 },
    LinkingQr { expires_in_ms: u64 },
    FinishingSync,
    Connected,
    Disconnected { retry_in_ms: Option<u64> },
    LoggedOut,
    Replaced,
    Banned { until: UnixTime },
    Cooldown { until: UnixTime },
    PasskeyRequired,
    Failed { reason: FailureReason },
    Moved,
    Elsewhere,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRow {
    pub company: i64,
    pub slug: String,
    pub name: String,
    pub phone: Option<String>,
    pub jid: Option<String>,
    pub push_name: Option<String>,
    pub state: WireState,
    pub since_ms: i64,
    pub last_event: Option<String>,
    // Absent from older servers' lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linking: Option<Claim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WireCommand {
    Link {
        company: i64,
        attempt: u64,
        phone: Option<Phone>,
        force: bool,
    },
    CancelLink {
        company: i64,
    },
    Reconnect {
        company: i64,
    },
    Logout {
        company: i64,
    },
    SendQueued {
        company: i64,
    },
    AddCompany {
        slug: String,
        name: String,
    },
    RemoveCompany {
        company: i64,
    },
    ChangeCompany {
        company: i64,
        change: crate::domain::RawChange,
        reconnect: bool,
    },
    ExportCompany {
        company: i64,
        to: std::path::PathBuf,
    },
    ImportCompany {
        from: std::path::PathBuf,
    },
    Invite {
        company: i64,
        hash: String,
        phone: Option<Phone>,
        method: crate::domain::InviteMethod,
        expires_at: i64,
    },
    RevokeInvitation {
        id: i64,
    },
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum WireUpdate {
    Snapshot {
        rows: Vec<WireRow>,
    },
    StateChanged {
        company: i64,
        state: WireState,
        since_ms: i64,
    },
    CodeIssued {
        company: i64,
        attempt: u64,
        code: String,
        expires_in_ms: u64,
    },
    QrIssued {
        company: i64,
        attempt: u64,
        payload: String,
        expires_in_ms: u64,
    },
    QrExhausted {
        company: i64,
        attempt: u64,
    },
    Linked {
        company: i64,
        attempt: u64,
        jid: String,
        phone: String,
        push_name: Option<String>,
    },
    Failed {
        company: i64,
        attempt: Option<u64>,
        reason: FailureReason,
    },
    Logged {
        company: i64,
        at_ms: i64,
        kind: String,
        detail: String,
        // Absent from older servers' lines.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raw: Option<String>,
    },
    CompanyAdded {
        row: WireRow,
    },
    CompanyChanged {
        row: WireRow,
    },
    CompanyNotChanged {
        company: i64,
        sentence: String,
    },
    CompanyNotAdded {
        slug: String,
        sentence: String,
    },
    CompanyRemoved {
        company: i64,
    },
    MoveDone {
        file: std::path::PathBuf,
        outcome: Result<i64, String>,
    },
    Notice {
        text: String,
    },
    Invited {
        company: i64,
        id: i64,
        hash: String,
        until_ms: i64,
    },
    InvitationEnded {
        company: i64,
        id: i64,
    },
    AttemptStarted {
        company: i64,
        claim: Claim,
    },
    MessageReceived {
        company: i64,
        message: Box<crate::domain::Message>,
    },
    MessageUpdated {
        company: i64,
        message: Box<crate::domain::Message>,
    },
}
