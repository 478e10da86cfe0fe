//! `i` on the table: invite the selected company to link its own phone.
//! The token is drawn by the loop (App stays pure); App shows the URL, its
//! QR for a second screen, and copies the URL with OSC 52.

/// The invitation on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub company: i64,
    pub url: String,
    /// The URL as QR rows, drawn once.
    pub qr: Result<crate::qr::QrRows, String>,
    /// A live link shown again (`n` makes a new one).
    pub again: bool,
}

impl Shown {
    pub(super) fn new(company: i64, url: String, again: bool) -> Self {
        let qr = crate::qr::qr_rows(&url).map_err(|e| e.to_string());
        Self {
            company,
            url,
            qr,
            again,
        }
    }
}

/// The hash the registry keeps of a link's token (its last segment).
pub(super) fn token_hash(url: &str) -> String {
    crate::auth::hash(url.rsplit('/').next().unwrap_or_default())
}
