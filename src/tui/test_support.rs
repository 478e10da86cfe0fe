//! Fixtures shared by the App and render tests: a fixed Now, rows, and
//! key helpers.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::FixedOffset;
use tui_input::InputRequest;

use crate::domain::{AttemptId, PairCode, SessionState};
use crate::engine::update::{SessionRow, Update};

use super::app::{App, Now};
use super::msg::{Action, Effect, Msg};
use super::view::theme::Theme;

/// 2026-11-18 09:46:40 UTC, 12:46:40 in the viewer's +03:00.
pub const UNIX: i64 = 1_795_000_000;

pub fn now() -> Now {
    Now {
        instant: Instant::now(),
        unix: UNIX,
        tz: FixedOffset::east_opt(3 * 3600).expect("offset"),
    }
}

pub fn later(now: Now, secs: u64) -> Now {
    Now {
        instant: now.instant + Duration::from_secs(secs),
        unix: now.unix + i64::try_from(secs).expect("secs"),
        tz: now.tz,
    }
}

pub fn at_unix(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).expect("after 1970"))
}

pub fn row(
    company: i64,
    slug: &str,
    name: &str,
    phone: Option<&str>,
    state: SessionState,
) -> SessionRow {
    SessionRow {
        company,
        slug: slug.into(),
        name: name.into(),
        phone: phone.map(Into::into),
        jid: None,
        push_name: None,
        state,
        since: at_unix(UNIX - 300),
        last_event: None,
        linking: None,
        host: None,
    }
}

/// acme, connected on +7 900 123-45-67, and beta, not linked.
pub fn acme_and_beta() -> Vec<SessionRow> {
    vec![
        row(
            1,
            "acme",
            "Acme Ltd",
            Some("79001234567"),
            SessionState::Connected,
        ),
        row(2, "beta", "Beta LLC", None, SessionState::NotLinked),
    ]
}

/// An App that received `rows` as its start-up snapshot.
pub fn app_with(rows: Vec<SessionRow>, now: Now) -> App {
    let mut app = App::new(Theme::colored(), false, None);
    app.update(Msg::Engine(Update::Snapshot(rows)), now);
    app
}

pub fn act(app: &mut App, action: Action, now: Now) -> Vec<Effect> {
    app.update(Msg::Action(action), now)
}

pub fn engine(app: &mut App, update: Update, now: Now) -> Vec<Effect> {
    app.update(Msg::Engine(update), now)
}

pub fn type_phone(app: &mut App, text: &str, now: Now) {
    act(app, Action::EditPhone(InputRequest::DeleteLine), now);
    for c in text.chars() {
        act(app, Action::EditPhone(InputRequest::InsertChar(c)), now);
    }
}

pub fn type_filter(app: &mut App, text: &str, now: Now) {
    for c in text.chars() {
        act(app, Action::EditFilter(InputRequest::InsertChar(c)), now);
    }
}

pub fn type_add(app: &mut App, text: &str, now: Now) {
    act(app, Action::EditAddField(InputRequest::DeleteLine), now);
    for c in text.chars() {
        act(app, Action::EditAddField(InputRequest::InsertChar(c)), now);
    }
}

pub fn code_issued(company: i64, attempt: u64, now: Now, secs: u64) -> Update {
    Update::CodeIssued {
        company,
        attempt: AttemptId(attempt),
        code: PairCode::new("ABCDEFGH"),
        expires_at: now.instant + Duration::from_secs(secs),
    }
}

/// Shaped like WhatsApp's: ref, noise key, identity key, adv secret.
pub fn pairing_payload() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let chunk = |len: usize, seed: usize| -> String {
        (0..len)
            .map(|i| char::from(B64[(i * 7 + seed * 13 + i / 5) % 64]))
            .collect()
    };
    let key = |seed: usize| format!("{}=", chunk(43, seed));
    format!("2@{},{},{},{},1", chunk(100, 1), key(2), key(3), key(4))
}

pub fn qr_issued(company: i64, attempt: u64, now: Now, secs: u64) -> Update {
    Update::QrIssued {
        company,
        attempt: AttemptId(attempt),
        payload: pairing_payload(),
        expires_at: now.instant + Duration::from_secs(secs),
    }
}
