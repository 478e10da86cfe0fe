//! Client facts → the reason a person reads. Pure; the raw text of each
//! fact goes to the event log beside it.

use std::time::Duration;

use super::translate::ClientFact;
use crate::domain::{FailureReason, UnixTime};

/// What the classifier needs to know besides the fact itself.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub now: UnixTime,
    /// A link attempt is under way on this session.
    pub linking: bool,
    /// Cooldown to assume when WhatsApp throttles without saying how long.
    pub cooldown: Duration,
}

/// `None`: not a failure (or a transient one the client retries itself).
pub fn classify(fact: &ClientFact, cx: Context) -> Option<FailureReason> {
    let after = |d: Duration| cx.now + d.as_secs() as i64;
    Some(match fact {
        ClientFact::PairCodeRefused {
            throttled: true,
            backoff,
            ..
        } => FailureReason::RateLimited {
            until: after(backoff.unwrap_or(cx.cooldown)),
        },
        ClientFact::PairCodeRefused { .. } | ClientFact::PairFailed { .. } => {
            FailureReason::PairRejected
        }
        ClientFact::PairCodeExpired => FailureReason::CodeExpired,
        ClientFact::QrExhausted => FailureReason::QrExhausted,
        ClientFact::PasskeyRequired => FailureReason::PasskeyRequired,
        // The old system's "Connection Closed" while linking was WhatsApp
        // throttling the number; treat it so, or the next try earns hours.
        ClientFact::Disconnected { .. } if cx.linking => FailureReason::RateLimited {
            until: after(cx.cooldown),
        },
        ClientFact::LoggedOut { .. } => FailureReason::LoggedOut,
        ClientFact::Replaced => FailureReason::Replaced,
        ClientFact::TemporaryBan { expire, .. } => FailureReason::TemporaryBan {
            until: after(*expire),
        },
        ClientFact::ClientOutdated => FailureReason::ClientOutdated,
        ClientFact::ConnectFailure { status, .. } => match status {
            401 | 403 | 406 => FailureReason::LoggedOut,
            402 => FailureReason::TemporaryBan { until: cx.now },
            405 => FailureReason::ClientOutdated,
            _ => FailureReason::ServiceUnavailable,
        },
        ClientFact::QrCode { .. }
        | ClientFact::PairCode { .. }
        | ClientFact::PairSuccess { .. }
        | ClientFact::Connected
        | ClientFact::Disconnected { .. }
        | ClientFact::StreamError { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_000_000;
    const TWO_H: Duration = Duration::from_secs(7200);

    fn cx(linking: bool) -> Context {
        Context {
            now: NOW,
            linking,
            cooldown: TWO_H,
        }
    }

    fn refused(status: Option<i32>, throttled: bool, backoff: Option<u64>) -> ClientFact {
        ClientFact::PairCodeRefused {
            status,
            throttled,
            backoff: backoff.map(Duration::from_secs),
            raw: "server said no".into(),
        }
    }

    #[test]
    fn table() {
        use FailureReason as R;
        let cases: Vec<(ClientFact, bool, Option<R>)> = vec![
            (
                refused(Some(429), true, None),
                true,
                Some(R::RateLimited { until: NOW + 7200 }),
            ),
            (
                refused(Some(400), true, Some(600)),
                true,
                Some(R::RateLimited { until: NOW + 600 }),
            ),
            (refused(Some(403), false, None), true, Some(R::PairRejected)),
            (refused(None, false, None), true, Some(R::PairRejected)),
            (
                ClientFact::PairFailed {
                    raw: "hmac-mismatch".into(),
                },
                true,
                Some(R::PairRejected),
            ),
            (ClientFact::PairCodeExpired, true, Some(R::CodeExpired)),
            (ClientFact::QrExhausted, true, Some(R::QrExhausted)),
            (ClientFact::PasskeyRequired, true, Some(R::PasskeyRequired)),
            (
                ClientFact::Disconnected {
                    raw: "Connection Closed".into(),
                },
                true,
                Some(R::RateLimited { until: NOW + 7200 }),
            ),
            (
                ClientFact::Disconnected {
                    raw: "server close frame (code 1000)".into(),
                },
                false,
                None,
            ),
            (
                ClientFact::LoggedOut {
                    on_connect: false,
                    status: 401,
                },
                false,
                Some(R::LoggedOut),
            ),
            (ClientFact::Replaced, false, Some(R::Replaced)),
            (
                ClientFact::TemporaryBan {
                    code: 101,
                    expire: Duration::from_secs(3600),
                },
                false,
                Some(R::TemporaryBan { until: NOW + 3600 }),
            ),
            (ClientFact::ClientOutdated, false, Some(R::ClientOutdated)),
            (
                ClientFact::ConnectFailure {
                    status: 503,
                    raw: String::new(),
                },
                false,
                Some(R::ServiceUnavailable),
            ),
            (
                ClientFact::ConnectFailure {
                    status: 405,
                    raw: String::new(),
                },
                false,
                Some(R::ClientOutdated),
            ),
            (
                ClientFact::ConnectFailure {
                    status: 401,
                    raw: String::new(),
                },
                false,
                Some(R::LoggedOut),
            ),
            (ClientFact::StreamError { code: "515".into() }, false, None),
            (ClientFact::Connected, true, None),
        ];
        for (fact, linking, want) in cases {
            assert_eq!(
                classify(&fact, cx(linking)),
                want,
                "{fact:?} linking={linking}"
            );
        }
    }
}
