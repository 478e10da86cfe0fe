//! The one event model every client outside the process reads: the names
//! of events, an update's shape as JSON (`shape`), what each reader may see
//! of it (`fence`), and the subscription check. The API's stream, its
//! journal, webhooks and metrics all take it from here.

pub mod fence;
mod shape;

use std::time::{Instant, SystemTime};

pub use fence::{Sight, redact};
pub use shape::{message_data, message_name, shape};

/// Every event name `shape` gives, in the order the README lists them.
pub const NAMES: &[&str] = &[
    "session.status",
    "session.failure",
    "link.code",
    "link.qr",
    "link.qr_exhausted",
    "link.linked",
    "log",
    "company.added",
    "company.changed",
    "company.removed",
    "message.received",
    "message.sent",
    "message.status",
    "message.undecryptable",
];

/// A webhook's event list: every name known, else the sentence that says
/// which is not. Empty means all.
pub fn check_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
    match names
        .into_iter()
        .find(|e| !e.is_empty() && !NAMES.contains(e))
    {
        Some(bad) => Err(format!(
            "{bad:?} is not an event; they are {}",
            NAMES.join(", ")
        )),
        None => Ok(()),
    }
}

/// A webhook's URL: http or https only.
pub fn check_url(raw: &str) -> Result<url::Url, String> {
    url::Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| format!("{raw:?} is not an http:// or https:// URL"))
}

/// RFC 3339 in UTC, as every JSON time is written.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A monotonic deadline as wall-clock time.
pub fn wall(deadline: Instant) -> String {
    rfc3339(SystemTime::now() + deadline.saturating_duration_since(Instant::now()))
}

/// Sentences in JSON give times in UTC.
pub fn utc() -> chrono::FixedOffset {
    chrono::Offset::fix(&chrono::Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls_are_checked_once_for_every_client() {
        assert_eq!(check_names(["link.code", "log", ""]), Ok(()));
        let bad = check_names(["link.code", "link.sms"]).unwrap_err();
        assert!(
            bad.starts_with("\"link.sms\" is not an event; they are session.status"),
            "{bad}"
        );
        assert!(check_url("https://bot.example.com/hook").is_ok());
        assert_eq!(
            check_url("ftp://x").unwrap_err(),
            "\"ftp://x\" is not an http:// or https:// URL"
        );
    }
}
