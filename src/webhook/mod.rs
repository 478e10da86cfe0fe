//! Webhooks: each event a webhook wants becomes a JSON envelope in the
//! registry's outbox, signed with HMAC-SHA256 when sent, and retried with
//! exponential backoff and jitter for up to 24 hours, across restarts.
//! A receiver that answers 410 unsubscribes itself.

mod lanes;
mod run;

pub use run::start;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header with the signature: `t=UNIX,v1=HEX` where HEX is
/// HMAC-SHA256(secret, "UNIX.BODY"). Receivers should refuse a `t` more
/// than 5 minutes away from their clock (a replay).
pub const SIGNATURE_HEADER: &str = "X-Walink-Signature";
/// After this long a delivery is given up.
pub const GIVE_UP_AFTER: i64 = 24 * 3600;

pub fn sign(secret: &str, t: i64, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Seconds before try `attempt + 1`: 1, 2, 4, … an hour at most, each
/// within ±20 % (`jitter` in 0..1 picks where).
pub fn backoff(attempts: i64, jitter: f64) -> i64 {
    let base = 1i64 << attempts.clamp(0, 12);
    let base = base.min(3600) as f64;
    (base * (0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
        .round()
        .max(1.0) as i64
}

/// The body a receiver gets.
pub fn envelope(
    id: &str,
    event: &str,
    company: &str,
    at: &str,
    data: &serde_json::Value,
) -> String {
    serde_json::json!({"id": id, "event": event, "company": company, "at": at, "data": data})
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_an_hour() {
        for (attempts, jitter, want) in [
            (0, 0.5, 1),
            (1, 0.5, 2),
            (3, 0.5, 8),
            (3, 0.0, 6),
            (3, 1.0, 10),
            (20, 0.5, 3600),
            (20, 1.0, 4320),
        ] {
            assert_eq!(backoff(attempts, jitter), want, "{attempts} {jitter}");
        }
    }

    #[test]
    fn the_signature_covers_time_and_body() {
        let a = sign("s3cret", 1_795_000_000, "{}");
        assert!(a.starts_with("t=1795000000,v1="), "{a}");
        assert_eq!(a.len(), "t=1795000000,v1=".len() + 64);
        assert_ne!(a, sign("s3cret", 1_795_000_001, "{}"));
        assert_ne!(a, sign("s3cret", 1_795_000_000, "{ }"));
        assert_ne!(a, sign("other", 1_795_000_000, "{}"));
    }
}
