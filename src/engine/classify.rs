//! Client facts → the reason a person reads. Pure; the raw text of each
//! fact goes to the event log beside it.

use std::time::Duration;

use super::reach::NoSocket;
use super::translate::ClientFact;
use crate::domain::{FailureReason, UnixTime};

/// What the classifier needs to know besides the fact itself.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub now: UnixTime,
    /// A pairing-code attempt is under way: its code dies with the socket.
    pub code_attempt: bool,
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
        // No answer from WhatsApp at all (the socket never came up): the
        // request never reached it, so it is not a refusal.
        ClientFact::PairCodeRefused { status: None, .. } => FailureReason::NetworkUnreachable,
        ClientFact::PairCodeRefused { .. } | ClientFact::PairFailed { .. } => {
            FailureReason::PairRejected
        }
        ClientFact::PairCodeExpired => FailureReason::CodeExpired,
        ClientFact::QrExhausted { disconnected: true } => FailureReason::QrExhausted,
        ClientFact::PasskeyRequired => FailureReason::PasskeyRequired,
        // A code lives only as long as its socket; a drop is not a refusal
        // (WhatsApp refuses with an answer, classified above).
        ClientFact::Disconnected { .. } if cx.code_attempt => FailureReason::LinkInterrupted,
        ClientFact::LoggedOut { .. } => FailureReason::LoggedOut,
        ClientFact::Replaced => FailureReason::Replaced,
        ClientFact::TemporaryBan { expire, .. } => FailureReason::TemporaryBan {
            until: after(*expire),
        },
        ClientFact::ClientOutdated => FailureReason::ClientOutdated,
        ClientFact::ConnectFailure {
            status, reconnects, ..
        } => match status {
            401 | 403 | 406 => FailureReason::LoggedOut,
            402 => FailureReason::TemporaryBan { until: cx.now },
            405 => FailureReason::ClientOutdated,
            _ if *reconnects => FailureReason::ServiceUnavailable,
            code => FailureReason::ServerGaveUp { code: *code },
        },
        ClientFact::NoSocket {
            cause: NoSocket::Unverified(_),
        } => FailureReason::ServerUnverified,
        // Out of descriptors: retrying would only fail the same way.
        ClientFact::NoSocket {
            cause: NoSocket::Unreachable(text),
        } if crate::fdlimit::is_out_of_files(text) => FailureReason::OutOfFiles,
        ClientFact::NoSocket {
            cause: NoSocket::Unreachable(_),
        } => FailureReason::NetworkUnreachable,
        ClientFact::NoSocket {
            cause: NoSocket::Proxy { proxy, why, .. },
        } => FailureReason::ProxyFailed {
            proxy: proxy.clone(),
            why: *why,
        },
        ClientFact::QrCode { .. }
        | ClientFact::PairCode { .. }
        | ClientFact::PairSuccess { .. }
        | ClientFact::QrExhausted {
            disconnected: false,
        }
        | ClientFact::Connected
        | ClientFact::LoggedIn
        | ClientFact::Disconnected { .. }
        | ClientFact::SelfPushName { .. }
        | ClientFact::Receipt { .. }
        | ClientFact::Undecryptable { .. }
        | ClientFact::StreamError { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_000_000;
    const TWO_H: Duration = Duration::from_secs(7200);

    fn cx(code_attempt: bool) -> Context {
        Context {
            now: NOW,
            code_attempt,
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

    fn failure(status: i32, reconnects: bool) -> ClientFact {
        ClientFact::ConnectFailure {
            status,
            reconnects,
            raw: String::new(),
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
            (
                refused(None, false, None),
                true,
                Some(R::NetworkUnreachable),
            ),
            (refused(Some(500), false, None), true, Some(R::PairRejected)),
            (
                ClientFact::PairFailed {
                    raw: "hmac-mismatch".into(),
                },
                true,
                Some(R::PairRejected),
            ),
            (ClientFact::PairCodeExpired, true, Some(R::CodeExpired)),
            (
                ClientFact::QrExhausted { disconnected: true },
                false,
                Some(R::QrExhausted),
            ),
            (
                ClientFact::QrExhausted {
                    disconnected: false,
                },
                true,
                None,
            ),
            (ClientFact::PasskeyRequired, true, Some(R::PasskeyRequired)),
            (
                ClientFact::Disconnected {
                    raw: "Connection Closed".into(),
                },
                true,
                Some(R::LinkInterrupted),
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
                    reconnects: true,
                    raw: String::new(),
                },
                false,
                Some(R::ServiceUnavailable),
            ),
            (
                ClientFact::ConnectFailure {
                    status: 405,
                    reconnects: false,
                    raw: String::new(),
                },
                false,
                Some(R::ClientOutdated),
            ),
            (
                ClientFact::ConnectFailure {
                    status: 401,
                    reconnects: false,
                    raw: String::new(),
                },
                false,
                Some(R::LoggedOut),
            ),
            (
                failure(400, false),
                false,
                Some(R::ServerGaveUp { code: 400 }),
            ),
            (
                failure(409, false),
                false,
                Some(R::ServerGaveUp { code: 409 }),
            ),
            (
                failure(418, false),
                false,
                Some(R::ServerGaveUp { code: 418 }),
            ),
            (
                failure(777, false),
                false,
                Some(R::ServerGaveUp { code: 777 }),
            ),
            (failure(500, true), false, Some(R::ServiceUnavailable)),
            (
                ClientFact::SelfPushName {
                    name: "Acme".into(),
                },
                false,
                None,
            ),
            (ClientFact::StreamError { code: "515".into() }, false, None),
            (ClientFact::Connected, true, None),
            (
                ClientFact::NoSocket {
                    cause: NoSocket::Unreachable("refused".into()),
                },
                false,
                Some(R::NetworkUnreachable),
            ),
            (
                ClientFact::NoSocket {
                    cause: NoSocket::Unreachable(
                        "connecting to x failed: Too many open files (os error 24)".into(),
                    ),
                },
                false,
                Some(R::OutOfFiles),
            ),
            (
                ClientFact::NoSocket {
                    cause: NoSocket::Unverified("bad chain".into()),
                },
                false,
                Some(R::ServerUnverified),
            ),
        ];
        for (fact, linking, want) in cases {
            assert_eq!(
                classify(&fact, cx(linking)),
                want,
                "{fact:?} code_attempt={linking}"
            );
        }
    }
}
