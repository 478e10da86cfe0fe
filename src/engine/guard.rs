//! The link-attempt guard: WhatsApp punishes repeated link attempts with
//! hours of cooldown, so walink counts them and says no first.

use std::time::Duration;

use crate::domain::{FailureReason, GuardWhy, UnixTime};
use crate::store::{Attempt, AttemptOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub codes_per_hour: usize,
    pub qr_per_hour: usize,
    /// Cooldown after WhatsApp throttles without naming a delay.
    pub cooldown: Duration,
    /// How long a pairing code stays live.
    pub code_ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            codes_per_hour: 3,
            qr_per_hour: 5,
            cooldown: Duration::from_secs(2 * 3600),
            code_ttl: Duration::from_secs(180),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Code,
    Qr,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Qr => "qr",
        }
    }
}

const HOUR: i64 = 3600;

/// May a new attempt start now? `history` holds the recent attempts of this
/// company and of this number (`Store::attempts_since`).
pub fn decide(
    history: &[Attempt],
    company_id: i64,
    phone: Option<&str>,
    method: Method,
    now: UnixTime,
    limits: &Limits,
) -> Result<(), FailureReason> {
    let refuse = |until: UnixTime, why| Err(FailureReason::GuardRefused { until, why });
    let same_number = |a: &&Attempt| phone.is_some() && a.phone.as_deref() == phone;
    let ours = |a: &&Attempt| a.company_id == company_id || same_number(a);

    if let Some(until) = history
        .iter()
        .filter(ours)
        .filter_map(|a| a.cooldown_until)
        .filter(|&t| t > now)
        .max()
    {
        return refuse(until, GuardWhy::Cooldown);
    }
    // WhatsApp throttles pairing codes per number, so they are counted per
    // number (in any company); a QR names no number: per company.
    let recent = |m: Method| {
        let counted = |a: &&Attempt| match m {
            Method::Code => same_number(a),
            Method::Qr => a.company_id == company_id,
        };
        let mut starts: Vec<UnixTime> = history
            .iter()
            .filter(counted)
            .filter(|a| a.method == m.as_str() && a.started_at > now - HOUR)
            .filter(|a| a.outcome != AttemptOutcome::Unreached)
            .map(|a| a.started_at)
            .collect();
        starts.sort_unstable();
        starts
    };
    match method {
        Method::Code => {
            let ttl = limits.code_ttl.as_secs() as i64;
            // One live code per number across all companies.
            if let Some(a) = history.iter().filter(same_number).find(|a| {
                a.method == "code"
                    && a.outcome == AttemptOutcome::Pending
                    && a.started_at + ttl > now
            }) {
                return refuse(a.started_at + ttl, GuardWhy::CodeOutstanding);
            }
            let starts = recent(Method::Code);
            if starts.len() >= limits.codes_per_hour {
                return refuse(
                    starts[starts.len() - limits.codes_per_hour] + HOUR,
                    GuardWhy::TooManyCodes,
                );
            }
        }
        Method::Qr => {
            let starts = recent(Method::Qr);
            if starts.len() >= limits.qr_per_hour {
                return refuse(
                    starts[starts.len() - limits.qr_per_hour] + HOUR,
                    GuardWhy::TooManyQr,
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 10_000_000;
    const PHONE: &str = "79001234567";

    fn attempt(
        company_id: i64,
        phone: &str,
        method: Method,
        ago: i64,
        outcome: AttemptOutcome,
    ) -> Attempt {
        Attempt {
            id: 0,
            company_id,
            phone: Some(phone.into()),
            method: method.as_str().into(),
            started_at: NOW - ago,
            outcome,
            cooldown_until: None,
            forced: false,
        }
    }

    fn decide_code(history: &[Attempt]) -> Result<(), FailureReason> {
        decide(
            history,
            1,
            Some(PHONE),
            Method::Code,
            NOW,
            &Limits::default(),
        )
    }

    #[test]
    fn table() {
        use AttemptOutcome::*;
        let throttled = Attempt {
            cooldown_until: Some(NOW + 5000),
            ..attempt(1, PHONE, Method::Code, 600, Throttled)
        };
        let old_cooldown = Attempt {
            cooldown_until: Some(NOW - 1),
            ..attempt(1, PHONE, Method::Code, 9000, Throttled)
        };
        let cases: Vec<(&str, Vec<Attempt>, Result<(), FailureReason>)> = vec![
            ("nothing before", vec![], Ok(())),
            (
                "three codes that never reached WhatsApp",
                vec![
                    attempt(1, PHONE, Method::Code, 900, Unreached),
                    attempt(1, PHONE, Method::Code, 600, Unreached),
                    attempt(1, PHONE, Method::Code, 300, Unreached),
                ],
                Ok(()),
            ),
            (
                "a cooldown in force",
                vec![throttled.clone()],
                Err(FailureReason::GuardRefused {
                    until: NOW + 5000,
                    why: GuardWhy::Cooldown,
                }),
            ),
            (
                "a cooldown on the same number in another company",
                vec![Attempt {
                    company_id: 2,
                    ..throttled
                }],
                Err(FailureReason::GuardRefused {
                    until: NOW + 5000,
                    why: GuardWhy::Cooldown,
                }),
            ),
            ("a cooldown that ended", vec![old_cooldown], Ok(())),
            (
                "two codes this hour",
                vec![
                    attempt(1, PHONE, Method::Code, 1000, Failed),
                    attempt(1, PHONE, Method::Code, 500, Expired),
                ],
                Ok(()),
            ),
            (
                "three codes this hour",
                vec![
                    attempt(1, PHONE, Method::Code, 3000, Failed),
                    attempt(1, PHONE, Method::Code, 1000, Failed),
                    attempt(1, PHONE, Method::Code, 500, Expired),
                ],
                Err(FailureReason::GuardRefused {
                    until: NOW - 3000 + 3600,
                    why: GuardWhy::TooManyCodes,
                }),
            ),
            (
                "three codes, one over an hour ago",
                vec![
                    attempt(1, PHONE, Method::Code, 4000, Failed),
                    attempt(1, PHONE, Method::Code, 1000, Failed),
                    attempt(1, PHONE, Method::Code, 500, Expired),
                ],
                Ok(()),
            ),
            (
                "a live code for this number elsewhere",
                vec![attempt(2, PHONE, Method::Code, 60, Pending)],
                Err(FailureReason::GuardRefused {
                    until: NOW + 120,
                    why: GuardWhy::CodeOutstanding,
                }),
            ),
            (
                "a stale pending code",
                vec![attempt(2, PHONE, Method::Code, 400, Pending)],
                Ok(()),
            ),
            (
                "three codes of this company, each for another number",
                vec![
                    attempt(1, "447400123456", Method::Code, 3000, Failed),
                    attempt(1, "447400123457", Method::Code, 1000, Failed),
                    attempt(1, "447400123458", Method::Code, 500, Expired),
                ],
                Ok(()),
            ),
            (
                "three codes for this number in other companies",
                vec![
                    attempt(2, PHONE, Method::Code, 3000, Failed),
                    attempt(3, PHONE, Method::Code, 1000, Failed),
                    attempt(2, PHONE, Method::Code, 500, Expired),
                ],
                Err(FailureReason::GuardRefused {
                    until: NOW - 3000 + 3600,
                    why: GuardWhy::TooManyCodes,
                }),
            ),
            (
                "other numbers do not count",
                vec![
                    attempt(2, "447400123456", Method::Code, 60, Pending),
                    attempt(3, "447400123456", Method::Code, 30, Failed),
                    attempt(3, "447400123456", Method::Code, 20, Failed),
                ],
                Ok(()),
            ),
        ];
        for (name, history, want) in cases {
            assert_eq!(decide_code(&history), want, "{name}");
        }
    }

    #[test]
    fn qr_sessions_are_limited_per_company() {
        let five: Vec<Attempt> = (1..=5)
            .map(|i| Attempt {
                phone: None,
                ..attempt(1, "", Method::Qr, i * 100, AttemptOutcome::Expired)
            })
            .collect();
        let got = decide(&five, 1, None, Method::Qr, NOW, &Limits::default());
        assert_eq!(
            got,
            Err(FailureReason::GuardRefused {
                until: NOW - 500 + 3600,
                why: GuardWhy::TooManyQr
            })
        );
        assert_eq!(
            decide(&five[..4], 1, None, Method::Qr, NOW, &Limits::default()),
            Ok(())
        );
        assert_eq!(
            decide(&five, 2, None, Method::Qr, NOW, &Limits::default()),
            Ok(())
        );
    }
}
