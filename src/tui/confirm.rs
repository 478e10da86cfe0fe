//! Yes/no questions asked before something hard to undo.

use crate::domain::{LinkMethod, Phone};
use crate::engine::update::SessionRow;

use super::pairing::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Esc while a code or QR is live.
    CancelAttempt {
        company: i64,
        method: Method,
    },
    /// A code for a number that already has a working session.
    NumberInUse {
        company: i64,
        method: LinkMethod,
        number: String,
        other: String,
    },
    Remove {
        company: i64,
        label: String,
    },
    Logout {
        company: i64,
        label: String,
    },
}

impl Confirm {
    pub fn remove(row: &SessionRow) -> Self {
        Self::Remove {
            company: row.company,
            label: label(row),
        }
    }

    pub fn logout(row: &SessionRow) -> Self {
        Self::Logout {
            company: row.company,
            label: label(row),
        }
    }

    pub fn number_in_use(company: i64, method: LinkMethod, phone: &Phone, other: &str) -> Self {
        Self::NumberInUse {
            company,
            method,
            number: phone.e164(),
            other: other.to_owned(),
        }
    }

    /// The question, as the overlay shows it.
    pub fn question(&self) -> String {
        match self {
            Self::CancelAttempt {
                method: Method::Code,
                ..
            } => "Cancel this link attempt? The code stops working on the phone.".into(),
            Self::CancelAttempt {
                method: Method::Qr, ..
            } => "Cancel this link attempt? The QR stops working.".into(),
            Self::NumberInUse { number, other, .. } => format!(
                "{number} already has a working session ({other}). Asking for a code for it \
                 often unlinks that device within a minute. Ask anyway?"
            ),
            Self::Remove { label, .. } => format!(
                "Remove {label} from walink? Its session stops and its keys are deleted; \
                 the phone still lists the device until you unlink it there."
            ),
            Self::Logout { label, .. } => format!(
                "Log {label} out? walink unlinks itself from the phone; linking again needs the phone."
            ),
        }
    }
}

fn label(row: &SessionRow) -> String {
    format!("{} ({})", row.slug, row.name)
}
