//! Small text helpers shared by the views: fitting, countdowns, times.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::text::Span;

/// Cut to `max` columns with an ellipsis, by display width.
pub fn fit(text: &str, max: usize) -> String {
    if Span::raw(text).width() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let w = Span::raw(&*c.encode_utf8(&mut buf)).width();
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// Seconds left until `deadline`, 0 once it passed.
pub fn left(deadline: Instant, now: Instant) -> Duration {
    deadline.saturating_duration_since(now)
}

/// Whole seconds, rounded up, so nothing shows 0 while it still runs.
pub fn secs_up(left: Duration) -> u64 {
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

/// `2:41`.
pub fn countdown(left: Duration) -> String {
    let secs = secs_up(left);
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// Fraction of a life still left, for gauges.
pub fn ratio_left(issued: Instant, deadline: Instant, now: Instant) -> f64 {
    let total = deadline.saturating_duration_since(issued).as_secs_f64();
    if total <= 0.0 {
        return 0.0;
    }
    (left(deadline, now).as_secs_f64() / total).clamp(0.0, 1.0)
}

pub use crate::domain::clock;

/// "14:32:05" for event-log lines.
pub fn clock_secs(at: SystemTime, tz: FixedOffset) -> String {
    let unix = unix_of(at);
    match DateTime::<Utc>::from_timestamp(unix, 0) {
        Some(t) => t.with_timezone(&tz).format("%H:%M:%S").to_string(),
        None => "--:--:--".into(),
    }
}

pub fn unix_of(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Compact age: "now", "5 min", "3 h", "2 d". Minutes at least, so the
/// table needs redrawing once a minute, not every second.
pub fn ago(since: SystemTime, now_unix: i64) -> String {
    let secs = (now_unix - unix_of(since)).max(0);
    match secs {
        0..60 => "now".into(),
        60..3600 => format!("{} min", secs / 60),
        3600..86400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_width() {
        assert_eq!(fit("Acme", 10), "Acme");
        assert_eq!(fit("Acme Corporation", 6), "Acme …");
        assert_eq!(fit("Пицца-бар", 5), "Пицц…");
    }

    #[test]
    fn countdowns_round_up() {
        assert_eq!(countdown(Duration::from_millis(41_200)), "0:42");
        assert_eq!(countdown(Duration::from_secs(161)), "2:41");
        assert_eq!(countdown(Duration::ZERO), "0:00");
    }

    #[test]
    fn ages() {
        let t = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(ago(t, 1_000_030), "now");
        assert_eq!(ago(t, 1_000_000 + 300), "5 min");
        assert_eq!(ago(t, 1_000_000 + 3 * 3600), "3 h");
    }
}
