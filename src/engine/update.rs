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
    /// The live link attempt's claim: whose it is, since when.
    pub linking: Option<Claim>,
    /// With several hosts: the one that runs it, if one does.
    pub host: Option<String>,
}

#[cfg(test)]
impl SessionRow {
    /// A company never linked, for tests.
    pub(crate) fn blank(company: i64, slug: &str) -> Self {
        Self {
            company,
            slug: slug.into(),
            name: slug.into(),
            phone: None,
            jid: None,
            push_name: None,
            state: SessionState::NotLinked,
            since: std::time::UNIX_EPOCH,
            last_event: None,
            linking: None,
            host: None,
        }
    }
}

/// Who holds a company's live link attempt: "dashboard (pid 9)",
/// "walink pair (pid 12)", an API token, "the invitation page (#3)".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claim {
    pub attempt: u64,
    pub by: String,
    pub since: crate::domain::UnixTime,
    /// The invitation a page asked through, if it did.
    #[serde(default)]
    pub invitation: Option<i64>,
}

/// How many lines of the live event log a client keeps (the dashboard
/// shows them; the server keeps as many for a client that attaches).
pub const LOG_CAP: usize = 500;

/// One line of a company's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: SystemTime,
    pub kind: String,
    /// What a person reads.
    pub detail: String,
    /// A failure's reason key and raw cause, kept beside the sentence.
    pub reason: Option<String>,
    pub raw: Option<String>,
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
    /// A link attempt went (the guard let it): every client learns whose.
    AttemptStarted {
        company: i64,
        claim: Claim,
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
    CompanyAdded(Box<SessionRow>),
    /// Adding failed; the sentence says why (e.g. the slug is taken).
    CompanyNotAdded {
        slug: String,
        sentence: String,
    },
    CompanyRemoved {
        company: i64,
    },
    /// Its name or settings changed: its row as it is now.
    CompanyChanged(Box<SessionRow>),
    /// A change could not be kept; the sentence says why.
    CompanyNotChanged {
        company: i64,
        sentence: String,
    },
    /// The answer to an export or an import, named by its file: the
    /// company that went or came, or the sentence why not.
    MoveDone {
        file: std::path::PathBuf,
        outcome: Result<i64, String>,
    },
    /// A live invitation for this company (at start, once for each live
    /// one, after the snapshot). `hash` lets its maker find it.
    Invited {
        company: i64,
        id: i64,
        hash: String,
        until: SystemTime,
    },
    /// The invitation was used or revoked.
    InvitationEnded {
        company: i64,
        id: i64,
    },
    /// A message the number received, kept in the registry before WhatsApp
    /// was told it arrived (once per id: a replay makes none).
    MessageReceived {
        company: i64,
        message: Box<crate::domain::Message>,
    },
    /// An outbound message moved: queued, sent, delivered, read, failed or
    /// expired (with the reason).
    MessageUpdated {
        company: i64,
        message: Box<crate::domain::Message>,
    },
    /// What another host changed in the shared registry, told here for
    /// this host's clients as the inner update; that host told the
    /// webhooks already, so they are not told again.
    Echo(Box<Update>),
    /// Something the admin should know about the whole engine (e.g. the
    /// open-file limit is too low for the linked sessions).
    Notice(String),
    /// The supervisor finished shutting every session down.
    Stopped,
    /// Only on a client of `walink serve`: the socket's side, never the
    /// engine's.
    Server(ServerLink),
}

/// Where the sessions of an attached client live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerLink {
    Attached {
        pid: u32,
        /// When the server started, Unix seconds.
        started_at: crate::domain::UnixTime,
    },
    /// The socket closed; the client is trying to reattach.
    Lost,
}

impl Update {
    /// The company this update is about, if it is about one.
    pub fn company(&self) -> Option<i64> {
        Some(match self {
            Update::StateChanged { company, .. }
            | Update::CodeIssued { company, .. }
            | Update::QrIssued { company, .. }
            | Update::QrExhausted { company, .. }
            | Update::AttemptStarted { company, .. }
            | Update::Linked { company, .. }
            | Update::Failed { company, .. }
            | Update::Logged { company, .. }
            | Update::MessageReceived { company, .. }
            | Update::MessageUpdated { company, .. }
            | Update::CompanyNotChanged { company, .. }
            | Update::CompanyRemoved { company } => *company,
            Update::CompanyAdded(row) | Update::CompanyChanged(row) => row.company,
            Update::Echo(inner) => return inner.company(),
            _ => return None,
        })
    }
}

/// Folds an update into a table of rows (sorted by slug): what the
/// dashboard and the server's mirror both keep. Returns whether a row
/// changed.
pub fn fold_rows(rows: &mut Vec<SessionRow>, update: &Update) -> bool {
    match update {
        Update::Echo(inner) => return fold_rows(rows, inner),
        Update::Snapshot(all) => *rows = all.clone(),
        Update::CompanyAdded(added) | Update::CompanyChanged(added) => {
            rows.retain(|r| r.company != added.company);
            let at = rows.partition_point(|r| r.slug < added.slug);
            rows.insert(at, (**added).clone());
        }
        Update::CompanyRemoved { company } => rows.retain(|r| r.company != *company),
        _ => {
            let company = update.company();
            let Some(row) = rows.iter_mut().find(|r| Some(r.company) == company) else {
                return false;
            };
            return fold_row(row, update);
        }
    }
    true
}

/// `fold_rows` with each company's place in `rows` kept in `at`: an
/// update for one company finds its row without a scan. A restore of
/// 10,000 sends tens of thousands of them, and a scan each made it
/// quadratic.
pub fn fold_rows_at(
    rows: &mut Vec<SessionRow>,
    at: &mut std::collections::HashMap<i64, usize>,
    update: &Update,
) -> bool {
    match update {
        Update::Echo(inner) => fold_rows_at(rows, at, inner),
        Update::Snapshot(_)
        | Update::CompanyAdded(_)
        | Update::CompanyChanged(_)
        | Update::CompanyRemoved { .. } => {
            let changed = fold_rows(rows, update);
            *at = places(rows);
            changed
        }
        _ => {
            let row = update
                .company()
                .and_then(|c| at.get(&c))
                .and_then(|&i| rows.get_mut(i));
            row.is_some_and(|row| fold_row(row, update))
        }
    }
}

/// Each company's place in `rows`.
fn places(rows: &[SessionRow]) -> std::collections::HashMap<i64, usize> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| (r.company, i))
        .collect()
}

/// One company's update into its row.
fn fold_row(row: &mut SessionRow, update: &Update) -> bool {
    // A claim lives as long as its attempt.
    let ends_claim = |row: &mut SessionRow, attempt: &AttemptId| {
        if row.linking.as_ref().is_some_and(|c| c.attempt == attempt.0) {
            row.linking = None;
            return true;
        }
        false
    };
    match update {
        Update::StateChanged { state, since, .. } => {
            row.state = state.clone();
            row.since = *since;
            // Neither linking nor on its way to it: no attempt is live.
            use crate::domain::SessionState as S;
            if !matches!(
                state,
                S::Connecting | S::LinkingCode { .. } | S::LinkingQr { .. }
            ) {
                row.linking = None;
            }
        }
        Update::AttemptStarted { claim, .. } => row.linking = Some(claim.clone()),
        Update::QrExhausted { attempt, .. }
        | Update::Failed {
            attempt: Some(attempt),
            ..
        } => return ends_claim(row, attempt),
        Update::Linked {
            attempt,
            jid,
            phone,
            push_name,
            ..
        } => {
            ends_claim(row, attempt);
            row.jid = Some(jid.clone());
            row.phone = Some(phone.clone());
            row.push_name = push_name.clone();
        }
        Update::Logged { entry, .. } => {
            let text = if entry.detail.is_empty() {
                &entry.kind
            } else {
                &entry.detail
            };
            row.last_event = Some(text.clone());
        }
        _ => return false,
    }
    true
}
