//! `App`: the dashboard as plain data, and the one function that changes it.
//! No I/O and no clock reads: time comes in as `Now`, work goes out as
//! `Effect`s.

use std::collections::VecDeque;
use std::time::Instant;

use chrono::FixedOffset;

use crate::domain::FailureReason;
use crate::engine::update::{LogEntry, SessionRow};

use super::add_form::AddForm;
use super::confirm::Confirm;
use super::msg::{Action, Effect, Msg};
use super::pairing::PairingForm;
use super::table_state::TableSel;
use super::view::theme::{Theme, Tone};

pub use crate::engine::update::LOG_CAP;
/// What an action that needs the server gets while it is away.
pub const AWAY: &str =
    "walink serve is away, so nothing was sent. Try again once the header says it is back.";
/// How long a toast stays in the status line.
const TOAST_SECS: u64 = 4;

/// The time, read once per loop turn by the loop and passed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// For countdowns (`expires_at - instant`).
    pub instant: Instant,
    /// Wall clock, Unix seconds, for "since" and "until 14:32".
    pub unix: i64,
    /// The viewer's offset for wall times.
    pub tz: FixedOffset,
}

/// Which keymap applies; derived from the state, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Table,
    Filter,
    /// Pairing pane, phone field and method switch.
    Form,
    /// Pairing pane while an attempt exists (code, QR, result).
    Attempt,
    AddForm,
    /// A company's settings (`e`).
    SettingsForm,
    Confirm,
    Help,
    /// The invitation just made: its URL and QR.
    Invite,
    /// A company's recent messages.
    Messages,
    /// The number for a test message, typed in the messages.
    TestNumber,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Table,
    Pairing(Box<PairingForm>),
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    Confirm(Confirm),
    Add(AddForm),
    Invite(super::invite::Shown),
    Messages(Box<super::messages::Pane>),
    Settings(Box<super::settings_form::SettingsForm>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub tone: Tone,
    pub until: Instant,
}

/// The last thing that went wrong, kept as a reason so the sentence is
/// written with the time it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub company: i64,
    pub reason: FailureReason,
    /// Until then the status line says it about a company not in view.
    pub until: Instant,
}

/// How long another company's failure stays in the status line (its own
/// row and the event log keep it).
pub const FAILURE_SECS: u64 = 30;

#[derive(Debug, Clone)]
pub struct App {
    pub rows: Vec<SessionRow>,
    /// Each company's place in `rows`, kept by `fold_rows_at`.
    pub rows_at: std::collections::HashMap<i64, usize>,
    pub table: TableSel,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub show_log: bool,
    /// Newest first: (company, entry).
    pub log: VecDeque<(i64, LogEntry)>,
    pub toast: Option<Toast>,
    pub last_failure: Option<Failure>,
    /// Region for numbers typed without their country code (alpha-2).
    pub country: Option<String>,
    pub sandbox: bool,
    pub theme: Theme,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// Seeded by the loop (e.g. from the registry) so ids never repeat.
    pub next_attempt: u64,
    pub first_attempt: u64,
    /// Which `SandboxFault` `f` arms next.
    pub next_fault: usize,
    /// Quit was asked; the loop is stopping sessions.
    pub stopping: bool,
    /// The engine's standing warning (e.g. the open-file budget).
    pub notice: Option<String>,
    /// The engine reported that every session stopped.
    pub stopped: bool,
    /// `None`: the sessions run in this process; else `walink serve`'s.
    pub server: Option<crate::engine::ServerLink>,
    /// Minute of the last draw, so "since" columns refresh once a minute.
    pub last_minute: i64,
    /// Live invitations: id → whose, until when, its token's hash.
    pub invited: std::collections::BTreeMap<i64, LiveInvite>,
    /// The links this dashboard made (the registry keeps only hashes):
    /// token hash → URL, so `i` shows a live one again.
    pub made: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveInvite {
    pub company: i64,
    pub until: std::time::SystemTime,
    pub hash: String,
}

impl App {
    pub fn new(theme: Theme, sandbox: bool, country: Option<String>) -> Self {
        Self {
            rows: Vec::new(),
            rows_at: std::collections::HashMap::new(),
            table: TableSel::default(),
            screen: Screen::Table,
            overlay: None,
            show_log: false,
            log: VecDeque::new(),
            toast: None,
            last_failure: None,
            country,
            sandbox,
            theme,
            dirty: true,
            next_attempt: 1,
            first_attempt: 1,
            next_fault: 0,
            stopping: false,
            stopped: false,
            notice: None,
            server: None,
            last_minute: 0,
            invited: Default::default(),
            made: Default::default(),
        }
    }

    pub fn focus(&self) -> Focus {
        match &self.overlay {
            Some(Overlay::Help) => Focus::Help,
            Some(Overlay::Confirm(_)) => Focus::Confirm,
            Some(Overlay::Add(_)) => Focus::AddForm,
            Some(Overlay::Settings(_)) => Focus::SettingsForm,
            Some(Overlay::Invite(_)) => Focus::Invite,
            Some(Overlay::Messages(pane)) if pane.test.is_some() => Focus::TestNumber,
            Some(Overlay::Messages(_)) => Focus::Messages,
            None => self.focus_below_overlay(),
        }
    }

    /// The view under any overlay; help lists this one's keys.
    pub fn focus_below_overlay(&self) -> Focus {
        match &self.screen {
            Screen::Pairing(form) if form.attempt.is_some() => Focus::Attempt,
            Screen::Pairing(_) => Focus::Form,
            Screen::Table if self.table.filtering => Focus::Filter,
            Screen::Table => Focus::Table,
        }
    }

    pub fn pairing(&self) -> Option<&PairingForm> {
        match &self.screen {
            Screen::Pairing(form) => Some(form),
            Screen::Table => None,
        }
    }

    pub fn pairing_mut(&mut self) -> Option<&mut PairingForm> {
        match &mut self.screen {
            Screen::Pairing(form) => Some(form),
            Screen::Table => None,
        }
    }

    /// When the company's live invitation (the longest one) runs out.
    pub fn invited_until(
        &self,
        company: i64,
        now: std::time::SystemTime,
    ) -> Option<std::time::SystemTime> {
        self.invited
            .values()
            .filter(|i| i.company == company && i.until > now)
            .map(|i| i.until)
            .max()
    }

    pub fn row(&self, company: i64) -> Option<&SessionRow> {
        self.rows.get(*self.rows_at.get(&company)?)
    }

    /// The company the keys act on: the open pane's, else the selected row.
    pub fn current_company(&self) -> Option<i64> {
        match &self.screen {
            Screen::Pairing(form) => Some(form.company),
            Screen::Table => self.table.selected,
        }
    }

    /// Attached to a `walink serve` that went away: what the screen shows
    /// is the last it knew, and nothing can be sent.
    pub fn away(&self) -> bool {
        matches!(self.server, Some(crate::engine::ServerLink::Lost))
    }

    pub fn update(&mut self, msg: Msg, now: Now) -> Vec<Effect> {
        match msg {
            Msg::Action(action) => {
                self.dirty = true;
                if !self.away() {
                    return self.act(action, now);
                }
                // An action the server would carry out is refused whole:
                // its dialog stays open, and nothing is dropped unseen.
                let before = self.clone();
                let effects = self.act(action, now);
                if !effects.iter().any(Effect::needs_server) {
                    return effects;
                }
                *self = before;
                self.toast(AWAY, Tone::Warn, now);
                Vec::new()
            }
            Msg::Engine(update) => {
                let changed = self.fold(update, now);
                self.dirty |= changed;
                Vec::new()
            }
            Msg::Tick => {
                self.tick(now);
                Vec::new()
            }
            Msg::Resize => {
                self.dirty = true;
                Vec::new()
            }
            Msg::Invitation { company, made } => {
                self.dirty = true;
                self.invitation_made(company, made, now);
                Vec::new()
            }
            Msg::Messages {
                company,
                loaded,
                testing,
            } => {
                self.dirty = true;
                self.messages_loaded(company, loaded, testing, now);
                Vec::new()
            }
            Msg::Settings { company, loaded } => {
                self.dirty = true;
                self.settings_loaded(company, loaded, now);
                Vec::new()
            }
            Msg::TestSent { company, sent } => {
                self.dirty = true;
                self.test_sent(company, sent);
                Vec::new()
            }
            Msg::Quit(_) => {
                self.stopping = true;
                self.dirty = true;
                vec![Effect::Exit]
            }
        }
    }

    /// Overlays take keys first; then the screen underneath.
    fn act(&mut self, action: Action, now: Now) -> Vec<Effect> {
        match self.overlay {
            Some(Overlay::Help) => {
                if matches!(action, Action::Back | Action::ShowHelp) {
                    self.overlay = None;
                }
                Vec::new()
            }
            Some(Overlay::Confirm(_)) => self.on_confirm(action, now),
            Some(Overlay::Add(_)) => self.on_add_form(action),
            Some(Overlay::Settings(_)) => self.on_settings_form(action, now),
            Some(Overlay::Invite(_)) => self.on_invite(action),
            Some(Overlay::Messages(_)) => self.on_messages(action),
            None => match self.screen {
                Screen::Table => self.on_table(action, now),
                Screen::Pairing(_) => self.on_pairing(action, now),
            },
        }
    }

    fn tick(&mut self, now: Now) {
        if self.toast.as_ref().is_some_and(|t| t.until <= now.instant) {
            self.toast = None;
            self.dirty = true;
        }
        if self
            .last_failure
            .as_ref()
            .is_some_and(|f| f.until <= now.instant)
        {
            self.last_failure = None;
            self.dirty = true;
        }
        if self.countdown_visible() {
            self.dirty = true;
        }
        // The header counts a young server's uptime in seconds.
        if let Some(crate::engine::ServerLink::Attached { started_at, .. }) = &self.server
            && now.unix - started_at < 60
        {
            self.dirty = true;
        }
        let minute = now.unix.div_euclid(60);
        if minute != self.last_minute {
            self.last_minute = minute;
            self.dirty = true;
        }
    }

    /// True when some second-by-second countdown is on screen.
    fn countdown_visible(&self) -> bool {
        use crate::domain::SessionState as S;
        match &self.screen {
            Screen::Pairing(form) => form
                .attempt
                .as_ref()
                .is_some_and(|a| a.stage.has_countdown()),
            Screen::Table => self.rows.iter().any(|r| {
                matches!(
                    r.state,
                    S::LinkingCode { .. }
                        | S::LinkingQr { .. }
                        | S::Disconnected { retry_at: Some(_) }
                )
            }),
        }
    }

    pub(crate) fn toast(&mut self, text: impl Into<String>, tone: Tone, now: Now) {
        self.toast = Some(Toast {
            text: text.into(),
            tone,
            until: now.instant + std::time::Duration::from_secs(TOAST_SECS),
        });
    }

    /// Number this dashboard's attempts from `first` (unique per process,
    /// so clients of one server never share an id).
    pub fn seed_attempts(&mut self, first: u64) {
        self.first_attempt = first;
        self.next_attempt = first;
    }

    /// An attempt this dashboard started (else another client's).
    pub(crate) fn is_own_attempt(&self, id: crate::domain::AttemptId) -> bool {
        (self.first_attempt..self.next_attempt).contains(&id.0)
    }

    pub(crate) fn take_attempt_id(&mut self) -> crate::domain::AttemptId {
        let id = crate::domain::AttemptId(self.next_attempt);
        self.next_attempt += 1;
        id
    }
}
