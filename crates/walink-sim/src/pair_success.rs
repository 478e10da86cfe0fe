//! The phone's `<pair-success>` and the companion's `<pair-device-sign>`
//! (SIMULATOR.md §6.5–6.7), shared by QR and pair-code linking.

use std::sync::Arc;

use wacore::libsignal::crypto::hmac_sha256;
use wacore::libsignal::protocol::{KeyPair, PublicKey};
use wacore_binary::{Jid, Node};
use waproto::buffa::Message as _;
use waproto::whatsapp as wa;

use super::error::SimError;
use super::events::{ConnId, SimEvent};
use super::fault::{Fault, FaultKind};
use super::hub::{ConnCmd, DeviceRecord, Hub};
use super::stanza;

/// XEdDSA message prefixes (account signs, device signs).
const ADV_ACCOUNT_SIGNATURE_PREFIX: [u8; 2] = [6, 0];
const ADV_DEVICE_SIGNATURE_PREFIX: [u8; 2] = [6, 1];

/// Sends pair-success on `conn`, waits for pair-device-sign, registers the
/// device and restarts the stream with 515. Returns the device JID.
pub(crate) async fn complete(
    hub: &Arc<Hub>,
    conn: ConnId,
    number: &str,
    companion_identity: [u8; 32],
    adv_secret: [u8; 32],
) -> Result<String, SimError> {
    let grant = hub.reserve_device(number, conn)?;
    let bad_hmac = hub.take_fault(Some(number), FaultKind::BadHmac).is_some();
    if bad_hmac {
        hub.emit(SimEvent::FaultFired {
            conn: Some(conn),
            fault: Fault::BadHmac,
        });
    }
    let container = signed_identity(
        &grant.identity,
        &companion_identity,
        &adv_secret,
        grant.key_index,
        bad_hmac,
    )?;
    let jid = Jid::pn_device(number, grant.device);
    let lid = Jid::lid_device(grant.lid.as_str(), grant.device);
    let node = stanza::pair_success(
        &hub.stanza_id(),
        container,
        &jid,
        &lid,
        grant.push_name.as_deref(),
    );

    let answer = hub.request(conn, node, hub.config.phone_timeout).await?;
    if let Err(e) = check_answer(&answer, &grant.identity, &companion_identity) {
        hub.emit(SimEvent::PairFailed {
            phone: number.to_owned(),
            reason: e.to_string(),
        });
        return Err(e);
    }

    let device_jid = jid.to_string();
    // Its own statement: the state lock must be released before
    // `record_device` takes it again.
    let shown_as = hub
        .state()
        .conns
        .get(&conn)
        .and_then(|c| c.shown_as.clone());
    hub.record_device(DeviceRecord {
        phone: number.to_owned(),
        device: grant.device,
        jid: device_jid.clone(),
        lid: grant.lid,
        client_static: grant.client_static,
        key_index: grant.key_index,
        presences: Vec::new(),
        shown_as,
    });
    // The companion stops rotating QR codes once paired.
    hub.forget_refs(conn);
    hub.emit(SimEvent::Paired {
        phone: number.to_owned(),
        device_jid: device_jid.clone(),
    });
    tracing::info!(%conn, device = grant.device, "companion paired");
    // 515 makes the client reconnect at once and log in (SIMULATOR.md §6.7).
    if let Err(e) = hub.send(
        conn,
        ConnCmd::SendThenAwaitClose(stanza::stream_error_code(515)),
    ) {
        tracing::debug!(%conn, error = %e, "companion left before the 515 restart");
    }
    Ok(device_jid)
}

/// `ADVSignedDeviceIdentityHMAC{ ADVSignedDeviceIdentity{ details, key, sig }, hmac }`.
fn signed_identity(
    phone_identity: &KeyPair,
    companion_identity: &[u8; 32],
    adv_secret: &[u8; 32],
    key_index: u32,
    corrupt_hmac: bool,
) -> Result<Vec<u8>, SimError> {
    let details = wa::ADVDeviceIdentity {
        raw_id: Some(super::phone::adv_raw_id(phone_identity)),
        timestamp: Some(stanza::now_secs()),
        key_index: Some(key_index),
        ..Default::default()
    }
    .encode_to_vec();
    let parts: [&[u8]; 3] = [&ADV_ACCOUNT_SIGNATURE_PREFIX, &details, companion_identity];
    let message = parts.concat();
    let account_signature =
        wacore::crypto::calculate_curve_signature(&phone_identity.private_key, &message)
            .map_err(SimError::crypto)?;
    let signed = wa::ADVSignedDeviceIdentity {
        details: Some(details),
        account_signature_key: Some(phone_identity.public_key.public_key_bytes().to_vec()),
        account_signature: Some(account_signature.to_vec()),
        device_signature: None,
    };
    let signed_bytes = waproto::codec::adv_signed_device_identity_to_vec(&signed);
    let mut hmac = hmac_sha256(adv_secret, &signed_bytes);
    if corrupt_hmac {
        hmac[0] ^= 0xff;
    }
    Ok(wa::ADVSignedDeviceIdentityHMAC {
        details: Some(signed_bytes),
        hmac: Some(hmac.to_vec()),
        ..Default::default()
    }
    .encode_to_vec())
}

/// Accepts a `<pair-device-sign>` whose device signature verifies; maps the
/// client's `<iq type=error>` (e.g. 401 hmac-mismatch) to `PairRejected`.
fn check_answer(
    answer: &Node,
    phone_identity: &KeyPair,
    companion_identity: &[u8; 32],
) -> Result<(), SimError> {
    if stanza::attr(answer, "type").as_deref() == Some("error") {
        let error = answer.get_optional_child("error");
        let code = error
            .and_then(|e| stanza::attr(e, "code"))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let text = error
            .and_then(|e| stanza::attr(e, "text"))
            .unwrap_or_default();
        return Err(SimError::PairRejected { code, text });
    }
    let identity = answer
        .get_optional_child("pair-device-sign")
        .and_then(|sign| stanza::child_bytes(sign, "device-identity"))
        .ok_or_else(|| SimError::protocol("pair-device-sign without device-identity"))?;
    let signed = waproto::codec::adv_signed_device_identity_decode(identity)?;
    let details = signed.details.as_deref().unwrap_or_default();
    let signature = signed.device_signature.as_deref().unwrap_or_default();
    let parts: [&[u8]; 4] = [
        &ADV_DEVICE_SIGNATURE_PREFIX,
        details,
        companion_identity,
        phone_identity.public_key.public_key_bytes(),
    ];
    let message = parts.concat();
    let companion_key =
        PublicKey::from_djb_public_key_bytes(companion_identity).map_err(SimError::crypto)?;
    if !companion_key.verify_signature(&message, signature) {
        return Err(SimError::protocol("device signature does not verify"));
    }
    Ok(())
}
