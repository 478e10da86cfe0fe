//! The pairing pane's state: the phone field checked as it is typed, the
//! method switch, and the one link attempt it may be running.

use std::time::Instant;

use tui_input::{Input, InputRequest};

use crate::domain::{AttemptId, FailureReason, LinkMethod, PairCode, Phone, PhoneError};

use crate::qr::{QrError, QrRows, qr_rows};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Code,
    Qr,
}

impl Method {
    pub fn other(self) -> Self {
        match self {
            Self::Code => Self::Qr,
            Self::Qr => Self::Code,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PairingForm {
    pub company: i64,
    pub phone: Input,
    pub method: Method,
    /// The field's value checked on every edit.
    pub checked: Result<Phone, PhoneError>,
    pub attempt: Option<Attempt>,
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: AttemptId,
    pub method: Method,
    /// The number a code was asked for (None for QR).
    pub phone: Option<Phone>,
    pub stage: Stage,
}

impl Attempt {
    /// The same method again, for a restart or a forced retry.
    pub fn method(&self) -> LinkMethod {
        match &self.phone {
            Some(phone) => LinkMethod::Code {
                phone: phone.clone(),
            },
            None => LinkMethod::Qr,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Stage {
    /// Sent to the engine; nothing back yet.
    Requested,
    Code {
        code: PairCode,
        issued_at: Instant,
        expires_at: Instant,
    },
    Qr(QrShown),
    QrExhausted,
    /// walink's guard held it back; `F` forces.
    Refused {
        reason: FailureReason,
    },
    Failed {
        reason: FailureReason,
    },
    Linked {
        jid: String,
        push_name: Option<String>,
    },
    /// walink serve went away while the attempt was live: it ended with
    /// the server (or with this client's connection to it).
    Lost,
}

/// One QR ref on screen; its rows are drawn once per payload, here, not
/// at every frame.
#[derive(Debug, Clone)]
pub struct QrShown {
    pub payload: String,
    pub rows: Result<QrRows, QrError>,
    /// 1 for the first ref, then 2..=6.
    pub number: u32,
    pub issued_at: Instant,
    pub expires_at: Instant,
}

impl QrShown {
    pub fn new(payload: String, number: u32, issued_at: Instant, expires_at: Instant) -> Self {
        let rows = qr_rows(&payload);
        Self {
            payload,
            rows,
            number,
            issued_at,
            expires_at,
        }
    }
}

impl Stage {
    /// The engine still works on it: leaving should cancel it.
    pub fn is_live(&self) -> bool {
        matches!(self, Self::Requested | Self::Code { .. } | Self::Qr(_))
    }

    pub fn has_countdown(&self) -> bool {
        matches!(self, Self::Code { .. } | Self::Qr(_))
    }

    pub fn qr_number(&self) -> u32 {
        match self {
            Self::Qr(shown) => shown.number,
            _ => 0,
        }
    }
}

impl PairingForm {
    /// `known` is the row's E.164 digits, offered again for a relink.
    pub fn new(company: i64, known: Option<&str>, country: Option<&str>) -> Self {
        let phone = Input::new(known.map(|d| format!("+{d}")).unwrap_or_default());
        let checked = Phone::parse(phone.value(), country);
        Self {
            company,
            phone,
            method: Method::Code,
            checked,
            attempt: None,
        }
    }

    pub fn edit(&mut self, req: InputRequest, country: Option<&str>) {
        if self.phone.handle(req).is_some_and(|changed| changed.value) {
            self.checked = Phone::parse(self.phone.value(), country);
        }
    }

    /// What to ask the engine for, or None while the number is not usable.
    pub fn link_method(&self) -> Option<(LinkMethod, Option<Phone>)> {
        match self.method {
            Method::Qr => Some((LinkMethod::Qr, None)),
            Method::Code => {
                let phone = self.checked.as_ref().ok()?.clone();
                Some((
                    LinkMethod::Code {
                        phone: phone.clone(),
                    },
                    Some(phone),
                ))
            }
        }
    }

    /// Records a new attempt as requested.
    pub fn begin(&mut self, id: AttemptId, method: Method, phone: Option<Phone>) {
        self.attempt = Some(Attempt {
            id,
            method,
            phone,
            stage: Stage::Requested,
        });
    }

    /// The attempt an update belongs to, if it is this pane's current one;
    /// updates of older attempts get None and are dropped.
    pub fn current(&mut self, company: i64, attempt: AttemptId) -> Option<&mut Attempt> {
        if self.company != company {
            return None;
        }
        self.attempt.as_mut().filter(|a| a.id == attempt)
    }

    pub fn is_live(&self) -> bool {
        self.attempt.as_ref().is_some_and(|a| a.stage.is_live())
    }

    /// Another client's attempt on this company (several dashboards on one
    /// server): shown here too, unless this pane runs one of its own.
    pub fn adopt(
        &mut self,
        company: i64,
        attempt: AttemptId,
        method: Method,
    ) -> Option<&mut Attempt> {
        if self.company != company {
            return None;
        }
        let known = self.attempt.as_ref().is_some_and(|a| a.id == attempt);
        if !known {
            if self.is_live() {
                return None;
            }
            let phone = match method {
                Method::Code => self.checked.clone().ok(),
                Method::Qr => None,
            };
            self.method = method;
            self.attempt = Some(Attempt {
                id: attempt,
                method,
                phone,
                stage: Stage::Requested,
            });
        }
        self.attempt.as_mut()
    }
}
