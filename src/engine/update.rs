//! Facts the engine reports (engine → App or CLI). Past tense; every one
//! names its company, link updates carry their attempt.

use std::time::{Instant, SystemTime};

use crate::domain::{AttemptId, FailureReason, PairCode, SessionState};

/// A company session as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub company: i64,
    pub slug: String,
    pub name: String,
    /// E.164 digits, when known.
    pub phone: Option<String>,
    pub jid: Option<String>,
    pub push_name: Option<String>,
    pub state: SessionState,
    pub since: SystemTime,
    pub last_event: Option<String>,
}

/// One line of a company's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: SystemTime,
    pub kind: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// Once at start: every company and its state.
    Snapshot(Vec<SessionRow>),
    StateChanged {
        company: i64,
        state: SessionState,
        since: SystemTime,
    },
    CodeIssued {
        company: i64,
        attempt: AttemptId,
        code: PairCode,
        expires_at: Instant,
    },
    QrIssued {
        company: i64,
        attempt: AttemptId,
        payload: String,
        expires_at: Instant,
    },
    QrExhausted {
        company: i64,
        attempt: AttemptId,
    },
    Linked {
        company: i64,
        attempt: AttemptId,
        jid: String,
        /// E.164 digits of the linked number.
        phone: String,
        push_name: Option<String>,
    },
    Failed {
        company: i64,
        attempt: Option<AttemptId>,
        reason: FailureReason,
    },
    Logged {
        company: i64,
        entry: LogEntry,
    },
    CompanyAdded(SessionRow),
    /// Adding failed; the sentence says why (e.g. the slug is taken).
    CompanyNotAdded {
        slug: String,
        sentence: String,
    },
    CompanyRemoved {
        company: i64,
    },
    /// Something the admin should know about the whole engine (e.g. the
    /// open-file limit is too low for the linked sessions).
    Notice(String),
    /// The supervisor finished shutting every session down.
    Stopped,
}
