//! QR-code linking: the phone scans `ref,noise,identity,adv,type` (SIMULATOR.md §6).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use wacore::companion_reg::NATIVE_CAMERA_DEEP_LINK_PREFIX;
use wacore::pair::PairUtils;

use super::error::SimError;
use super::events::ConnId;
use super::hub::Hub;
use super::pair_success;

/// The client shows the first ref for 60 s and each later one for 20 s.
const FIRST_REF_TTL: Duration = Duration::from_secs(60);
const LATER_REF_TTL: Duration = Duration::from_secs(20);

/// What the simulator can tell about the QR a registering companion shows.
///
/// The full QR string also carries the companion's ADV secret, which never
/// leaves the client, so the server cannot rebuild it; take the string from
/// the client's `PairingQrCode` event and hand it to `Phone::scan_qr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrHint {
    pub conn: ConnId,
    pub refs: Vec<String>,
    /// The ref the client should be displaying now, by its rotation schedule.
    pub current_ref: Option<String>,
    pub noise_pub_b64: Option<String>,
    pub identity_pub_b64: Option<String>,
}

impl QrHint {
    /// `ref,noise,identity`: the first three QR fields, for matching.
    pub fn prefix(&self) -> Option<String> {
        Some(format!(
            "{},{},{}",
            self.current_ref.as_deref()?,
            self.noise_pub_b64.as_deref()?,
            self.identity_pub_b64.as_deref()?
        ))
    }
}

pub(crate) fn hints(hub: &Hub) -> Vec<QrHint> {
    let st = hub.state();
    let mut hints: Vec<QrHint> = st
        .conns
        .iter()
        .filter(|(_, c)| !c.refs.is_empty())
        .map(|(conn, c)| QrHint {
            conn: *conn,
            refs: c.refs.clone(),
            current_ref: c.refs_sent_at.and_then(|at| current_ref(&c.refs, at)),
            noise_pub_b64: c.client_static.map(|k| B64.encode(k)),
            identity_pub_b64: c.identity_pub.map(|k| B64.encode(k)),
        })
        .collect();
    hints.sort_by_key(|h| h.conn);
    hints
}

fn current_ref(refs: &[String], sent_at: Instant) -> Option<String> {
    let elapsed = sent_at.elapsed();
    let idx = if elapsed < FIRST_REF_TTL {
        0
    } else {
        1 + ((elapsed - FIRST_REF_TTL).as_secs() / LATER_REF_TTL.as_secs()) as usize
    };
    refs.get(idx).cloned()
}

/// Parsed QR fields the phone needs.
struct Scanned {
    pairing_ref: String,
    noise_pub: [u8; 32],
    identity_pub: [u8; 32],
    adv_secret: [u8; 32],
}

fn parse(qr: &str) -> Result<Scanned, SimError> {
    let (pairing_ref, noise_pub, identity_pub) =
        PairUtils::parse_qr_code(qr).map_err(|e| SimError::BadQr(e.to_string()))?;
    // parse_qr_code does not return field 4, the ADV secret.
    let body = qr
        .strip_prefix(NATIVE_CAMERA_DEEP_LINK_PREFIX)
        .unwrap_or(qr);
    let adv_b64 = body
        .split(',')
        .nth(3)
        .ok_or_else(|| SimError::BadQr("no ADV secret".into()))?;
    let adv = B64
        .decode(adv_b64)
        .map_err(|e| SimError::BadQr(e.to_string()))?;
    let adv_secret = adv
        .try_into()
        .map_err(|_| SimError::BadQr("ADV secret is not 32 bytes".into()))?;
    Ok(Scanned {
        pairing_ref,
        noise_pub,
        identity_pub,
        adv_secret,
    })
}

pub(crate) async fn scan(hub: &Arc<Hub>, number: &str, qr: &str) -> Result<String, SimError> {
    let scanned = parse(qr)?;
    let conn = {
        let mut st = hub.state();
        let conn = *st
            .refs
            .get(&scanned.pairing_ref)
            .ok_or(SimError::UnknownRef)?;
        let noise = st.conns.get(&conn).and_then(|c| c.client_static);
        // The QR must come from the companion that holds the ref.
        if noise != Some(scanned.noise_pub) {
            return Err(SimError::BadQr(
                "noise key does not match the ref's connection".into(),
            ));
        }
        // One scan pairs a companion: its refs go now, so a second scan
        // (of a ref it showed later) finds none, as on WhatsApp, instead
        // of pairing it twice.
        st.forget_refs(conn);
        conn
    };
    pair_success::complete(hub, conn, number, scanned.identity_pub, scanned.adv_secret).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_rotation_schedule() {
        let refs: Vec<String> = (0..3).map(|i| i.to_string()).collect();
        let now = Instant::now();
        assert_eq!(current_ref(&refs, now).as_deref(), Some("0"));
        if let Some(t) = now.checked_sub(Duration::from_secs(70)) {
            assert_eq!(current_ref(&refs, t).as_deref(), Some("1"));
        }
        if let Some(t) = now.checked_sub(Duration::from_secs(200)) {
            assert_eq!(current_ref(&refs, t), None);
        }
    }

    #[test]
    fn parses_adv_secret() {
        let k = B64.encode([7u8; 32]);
        let qr = format!("2@abc,{k},{k},{k},9");
        let s = parse(&qr).expect("valid qr");
        assert_eq!(s.adv_secret, [7u8; 32]);
        assert_eq!(s.pairing_ref, "2@abc");
    }
}
