//! Every failure a person can meet, as the sentence they read and what to
//! do. All user-facing failure text lives here, in one place.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// Unix seconds.
pub type UnixTime = i64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailureReason {
    /// WhatsApp is refusing link attempts for the number (429, 400 reused as
    /// a throttle, "Connection Closed" while linking).
    RateLimited {
        until: UnixTime,
    },
    /// walink's own guard held the attempt back.
    GuardRefused {
        until: UnixTime,
        why: GuardWhy,
    },
    LoggedOut,
    Replaced,
    TemporaryBan {
        until: UnixTime,
    },
    ClientOutdated,
    NetworkUnreachable,
    /// The company's proxy failed before WhatsApp was reached. `proxy` is
    /// its `host:port`, never its password.
    ProxyFailed {
        proxy: String,
        why: ProxyWhy,
    },
    /// WhatsApp's Noise certificate did not verify: something intercepts.
    ServerUnverified,
    ServiceUnavailable,
    /// WhatsApp refused the session with a code after which whatsapp-rust
    /// stops reconnecting (400, 409, 418, unknown ones).
    ServerGaveUp {
        code: i32,
    },
    /// The connection dropped while a link attempt was live.
    LinkInterrupted,
    /// Another client of the same server is linking this company.
    LinkInProgress {
        by: String,
        since: UnixTime,
    },
    /// Logout could not reach WhatsApp; the keys and the device stay.
    LogoutUnreached,
    /// The process (or the system) has no open files left for this session.
    OutOfFiles,
    QrExhausted,
    CodeExpired,
    PairRejected,
    PasskeyRequired,
    TooManyDevices,
    AlreadyLinked,
    /// The company's key store is not a database; walink put it aside.
    KeysDamaged,
    /// A write failed for lack of space; walink keeps what it could not
    /// store and writes it when there is room.
    DiskFull,
    /// The number is linked to another company of this walink: a number
    /// belongs to one company at a time. Which one is not said (the asker
    /// may not see it).
    NumberTaken,
    /// Several hosts share the companies, and another one holds this
    /// company's lease: only that host may run or link it.
    Elsewhere,
    NotLinked,
    Internal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardWhy {
    Cooldown,
    TooManyCodes,
    TooManyQr,
    CodeOutstanding,
}

/// What the proxy did wrong, each with its own advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyWhy {
    /// Nothing listens at its address.
    Refused,
    /// It did not answer in time.
    Silent,
    /// It wants a user name and password and none was given.
    AuthRequired,
    /// It refused the user name or password.
    AuthRefused,
    /// It works but could not reach WhatsApp from where it is.
    TargetUnreachable,
}

impl FailureReason {
    /// The sentence, with times in the viewer's offset. `now` decides whether
    /// a time needs its date.
    pub fn sentence(&self, now: UnixTime, tz: FixedOffset) -> String {
        let at = |t: UnixTime| clock(t, now, tz);
        match self {
            Self::RateLimited { until } => format!(
                "WhatsApp is refusing new links for this number for now (rate limit). Try again after {}.",
                at(*until)
            ),
            Self::GuardRefused { until, why } => {
                let what = match why {
                    GuardWhy::Cooldown => "this number is cooling down after WhatsApp's rate limit",
                    GuardWhy::TooManyCodes => "three pairing codes were asked for this number in the last hour",
                    GuardWhy::TooManyQr => "five QR sessions were started for this company in the last hour",
                    GuardWhy::CodeOutstanding => "another pairing code for this number is still live",
                };
                format!(
                    "walink held this attempt back: {what}, and more attempts earn hours of cooldown. Try again after {}, or force it.",
                    at(*until)
                )
            }
            Self::LoggedOut => "This device was unlinked from the phone. Link again.".into(),
            Self::Replaced => "Another program is using this session. Close it (another walink, or the old system) before reconnecting.".into(),
            Self::TemporaryBan { until } => format!(
                "WhatsApp has temporarily banned this number until {}. Wait; linking again will not help.",
                at(*until)
            ),
            Self::ClientOutdated => "WhatsApp says this client version is too old. Update walink, or pass --wa-version with the current version.".into(),
            Self::NetworkUnreachable => "Cannot reach WhatsApp's servers. Check this machine's network, DNS and proxy (or pass --wa-version if only the version lookup fails).".into(),
            Self::ProxyFailed { proxy, why } => proxy_sentence(proxy, *why),
            Self::ServerUnverified => "WhatsApp's server could not be verified: something between this machine and WhatsApp is intercepting the connection (a TLS-inspecting proxy?); walink will not connect through it.".into(),
            Self::ServerGaveUp { code: 0 } => "WhatsApp closed this session and the client stopped retrying. Reconnect to try once more; if it repeats, log out and link again.".into(),
            Self::ServerGaveUp { code } => format!(
                "WhatsApp refused this session (code {code}) and walink stopped retrying. Reconnect to try once more; if it repeats, log out and link again."
            ),
            Self::LinkInterrupted => "The connection to WhatsApp dropped while linking; the code or QR shown no longer works. Start again.".into(),
            Self::LinkInProgress { by, since } => format!(
                "{by} has been linking this company since {}. Wait for it to finish, or {}.",
                at(*since),
                how_to_stop(by)
            ),
            Self::OutOfFiles => "walink ran out of open files (the open-file limit), so this session stopped. Raise LimitNOFILE or ulimit -n, then reconnect.".into(),
            Self::LogoutUnreached => "Could not reach WhatsApp; the device is still linked. Try again, or unlink it on the phone (Settings › Linked devices).".into(),
            Self::ServiceUnavailable => "WhatsApp's servers are unavailable right now; walink keeps retrying.".into(),
            Self::QrExhausted => "The QR codes ran out before a phone scanned one. Start again for new ones.".into(),
            Self::CodeExpired => "The pairing code expired before it was entered on the phone. Ask for a new one.".into(),
            Self::PairRejected => "The phone's link could not be completed. Try again; if it repeats, link with the QR instead.".into(),
            Self::PasskeyRequired => "This account must confirm the link with a passkey: finish linking in a browser at web.whatsapp.com, or use the QR.".into(),
            Self::TooManyDevices => "The phone already has 4 linked devices. Unlink one on the phone (Settings › Linked devices), then try again.".into(),
            Self::AlreadyLinked => "This company is already linked. Log it out first to link another number.".into(),
            Self::DiskFull => "The disk is full: walink cannot save this company's link or state. Free space on the disk of walink's data directory; walink keeps what it could not save and writes it once there is room.".into(),
            Self::KeysDamaged => "This company's keys are damaged (the file is not a database); walink put it aside in the sessions folder. Restore the keys from a backup, or link again.".into(),
            Self::NumberTaken => "This number is already linked to another company in walink, and a number belongs to one company at a time. Unlink it there first, or ask the administrator.".into(),
            Self::Elsewhere => "Another walink host runs this company now (the hosts share the companies over one database). Link or reconnect it on that host: walink hosts --leases says which.".into(),
            Self::NotLinked => "This company is not linked to a WhatsApp number yet. Link it first.".into(),
            Self::Internal => "walink hit an internal error in this session; the log has the details. Reconnect to try again.".into(),
        }
    }

    /// The stable name of the reason (`rate_limited`, …), as the API and
    /// the event log give it.
    pub fn key(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }

    /// True when reconnecting on our own would make things worse.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::LoggedOut
                | Self::Replaced
                | Self::TemporaryBan { .. }
                | Self::ClientOutdated
                | Self::ServerUnverified
                | Self::ServerGaveUp { .. }
                | Self::KeysDamaged
        )
    }
}

fn proxy_sentence(proxy: &str, why: ProxyWhy) -> String {
    match why {
        ProxyWhy::Refused => format!(
            "The proxy {proxy} refused the connection: nothing listens there. Start the proxy, or correct this company's proxy (walink company set SLUG --proxy …); walink keeps retrying."
        ),
        ProxyWhy::Silent => format!(
            "The proxy {proxy} did not answer. Check that it runs and that this machine may reach it; walink keeps retrying."
        ),
        ProxyWhy::AuthRequired => format!(
            "The proxy {proxy} asks for a user name and password, and none is set. Add them to this company's proxy (socks5://USER:PASS@HOST:PORT)."
        ),
        ProxyWhy::AuthRefused => format!(
            "The proxy {proxy} refused the user name or password. Correct them in this company's proxy; walink keeps retrying."
        ),
        ProxyWhy::TargetUnreachable => format!(
            "The proxy {proxy} answers, but could not reach WhatsApp's servers from where it is. Check the proxy's own network; walink keeps retrying."
        ),
    }
}

/// How the admin stops somebody else's attempt, by who holds it.
fn how_to_stop(by: &str) -> &'static str {
    if by.starts_with("dashboard") {
        "cancel it on that dashboard (x on its pane)"
    } else if by.starts_with("walink ") {
        "stop that command (Ctrl-C where it runs)"
    } else if by.starts_with("the invitation page") {
        // The page has no cancel, and revoking leaves a shown code live.
        "let its code or QR run out (a few minutes)"
    } else if by.starts_with("HTTP token") {
        "cancel it through the API (DELETE /api/v1/sessions/SLUG/link)"
    } else {
        "cancel that attempt first"
    }
}

/// "14:32" within 20 hours of now, else "Nov 27 14:32": how every
/// sentence and screen writes a time.
pub fn clock(t: UnixTime, now: UnixTime, tz: FixedOffset) -> String {
    let Some(when) = DateTime::<Utc>::from_timestamp(t, 0) else {
        return "later".into();
    };
    let local = when.with_timezone(&tz);
    if (t - now).abs() < 20 * 3600 {
        local.format("%H:%M").to_string()
    } else {
        local.format("%b %-d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_795_000_000; // 2026-11-18 11:06:40 UTC

    #[test]
    fn times_are_local_and_dated_when_far() {
        let utc = FixedOffset::east_opt(0).expect("offset");
        let msk = FixedOffset::east_opt(3 * 3600).expect("offset");
        let r = FailureReason::RateLimited {
            until: NOW + 2 * 3600,
        };
        assert_eq!(
            r.sentence(NOW, utc),
            "WhatsApp is refusing new links for this number for now (rate limit). Try again after 13:06."
        );
        assert!(r.sentence(NOW, msk).ends_with("after 16:06."));
        let ban = FailureReason::TemporaryBan {
            until: NOW + 3 * 86400,
        };
        assert_eq!(
            ban.sentence(NOW, utc),
            "WhatsApp has temporarily banned this number until Nov 21 11:06. Wait; linking again will not help."
        );
    }

    #[test]
    fn a_second_asker_is_told_who_links_and_since_when() {
        let utc = FixedOffset::east_opt(0).expect("offset");
        let busy = FailureReason::LinkInProgress {
            by: "dashboard (pid 812)".into(),
            since: NOW - 120,
        };
        assert_eq!(
            busy.sentence(NOW, utc),
            "dashboard (pid 812) has been linking this company since 11:04. Wait for it to finish, or cancel it on that dashboard (x on its pane)."
        );
        assert!(!busy.is_final());
        // What the admin can do depends on who holds it.
        let table = [
            (
                "walink pair (pid 12)",
                "stop that command (Ctrl-C where it runs).",
            ),
            (
                "the invitation page (#3)",
                "let its code or QR run out (a few minutes).",
            ),
            (
                "HTTP token #4",
                "cancel it through the API (DELETE /api/v1/sessions/SLUG/link).",
            ),
        ];
        for (by, how) in table {
            let busy = FailureReason::LinkInProgress {
                by: by.into(),
                since: NOW - 120,
            };
            let s = busy.sentence(NOW, utc);
            assert!(s.starts_with(by) && s.ends_with(how), "{s}");
        }
    }

    #[test]
    fn final_reasons_stop_reconnects() {
        assert!(FailureReason::LoggedOut.is_final());
        assert!(FailureReason::Replaced.is_final());
        assert!(!FailureReason::ServiceUnavailable.is_final());
        assert!(!FailureReason::NetworkUnreachable.is_final());
    }
}
