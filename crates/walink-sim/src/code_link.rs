//! Phone-number linking with an 8-character code (SIMULATOR.md §7).
//!
//! The code itself never reaches the server: the companion only sends its
//! ephemeral key wrapped with a PBKDF2 key derived from it. Tests get the code
//! from the client's `PairingCode` event (or choose it with `custom_code`).

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::oneshot;
use wacore::libsignal::crypto::aes_256_gcm_decrypt;
use wacore::libsignal::protocol::{KeyPair, PublicKey};
use wacore::pair_code::PairCodeUtils;
use wacore_binary::Node;

use super::error::SimError;
use super::events::{ConnId, SimEvent};
use super::fault::{Fault, FaultKind};
use super::hub::{ConnCmd, Hub};
use super::phone::digits;
use super::{pair_success, stanza};

const WRAPPED_EPHEMERAL_LEN: usize = 80;
/// salt(32) ‖ iv(12) ‖ AES-GCM(96-byte bundle) ‖ tag(16)
const WRAPPED_BUNDLE_LEN: usize = 156;
const BUNDLE_INFO: &[u8] = b"link_code_pairing_key_bundle_encryption_key";

/// A companion_hello waiting for the phone to type the code.
pub(crate) struct CodeSession {
    pub(crate) conn: ConnId,
    pairing_ref: Vec<u8>,
    wrapped_companion_ephemeral: Vec<u8>,
    requested_at: Instant,
    /// Set while the phone waits for companion_finish.
    finish_tx: Option<oneshot::Sender<Finish>>,
}

/// What companion_finish carries.
struct Finish {
    wrapped_bundle: Vec<u8>,
    companion_identity: [u8; 32],
}

/// A pair-code request seen by the server, for tests to wait on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRequest {
    pub conn: ConnId,
    pub phone: String,
    pub requested_at: Instant,
}

pub(crate) fn pending_request(hub: &Hub, number: &str) -> Option<CodeRequest> {
    let number = digits(number);
    let st = hub.state();
    st.codes.get(&number).map(|s| CodeRequest {
        conn: s.conn,
        phone: number.clone(),
        requested_at: s.requested_at,
    })
}

fn registration(iq: &Node) -> Option<&Node> {
    iq.get_optional_child("link_code_companion_reg")
}

/// Stage 1: answer with a pairing ref, or with an injected refusal.
pub(crate) fn on_companion_hello(hub: &Hub, conn: ConnId, iq: &Node) -> Node {
    let id = stanza::attr(iq, "id").unwrap_or_default();
    let reg = registration(iq);
    let phone = reg
        .and_then(|r| stanza::attr(r, "jid"))
        .map(|jid| digits(&jid));
    let wrapped = reg
        .and_then(|r| stanza::child_bytes(r, "link_code_pairing_wrapped_companion_ephemeral_pub"))
        .filter(|w| w.len() == WRAPPED_EPHEMERAL_LEN);
    let (Some(phone), Some(wrapped)) = (phone, wrapped) else {
        return stanza::iq_error(&id, 400, "bad-request", None);
    };
    if let Some(fault) = hub.take_fault(Some(phone.as_str()), FaultKind::PairCode)
        && let Fault::PairCodeError {
            code,
            text,
            backoff,
        } = &fault
    {
        let refusal = stanza::iq_error(&id, *code, text, *backoff);
        hub.emit(SimEvent::FaultFired {
            conn: Some(conn),
            fault,
        });
        return refusal;
    }
    let pairing_ref = hub.new_ref(conn).into_bytes();
    let session = CodeSession {
        conn,
        pairing_ref: pairing_ref.clone(),
        wrapped_companion_ephemeral: wrapped.to_vec(),
        requested_at: Instant::now(),
        finish_tx: None,
    };
    // A new request replaces an older one for the same number, as a re-requested code would.
    hub.state().codes.insert(phone.clone(), session);
    hub.emit(SimEvent::CodeRequested { conn, phone });
    stanza::companion_hello_ok(&id, &pairing_ref)
}

/// Stage 2: hand the key bundle to the waiting phone; any result is accepted.
pub(crate) fn on_companion_finish(hub: &Hub, iq: &Node) -> Node {
    let id = stanza::attr(iq, "id").unwrap_or_default();
    let reg = registration(iq);
    let bundle = reg.and_then(|r| stanza::child_bytes(r, "link_code_pairing_wrapped_key_bundle"));
    let identity = reg
        .and_then(|r| stanza::child_bytes(r, "companion_identity_public"))
        .and_then(|b| <[u8; 32]>::try_from(b).ok());
    let pairing_ref = reg.and_then(|r| stanza::child_bytes(r, "link_code_pairing_ref"));
    let (Some(bundle), Some(companion_identity), Some(pairing_ref)) =
        (bundle, identity, pairing_ref)
    else {
        return stanza::iq_error(&id, 400, "bad-request", None);
    };
    let waiter = hub
        .state()
        .codes
        .values_mut()
        .find(|s| s.pairing_ref == pairing_ref)
        .and_then(|s| s.finish_tx.take());
    match waiter {
        Some(tx) => {
            let _ = tx.send(Finish {
                wrapped_bundle: bundle.to_vec(),
                companion_identity,
            });
        }
        None => tracing::warn!("companion_finish for a ref no phone is waiting on"),
    }
    stanza::iq_result(&id).build()
}

/// The phone types `code`: primary_hello, wait for companion_finish, open the
/// bundle, derive the ADV secret and send pair-success.
pub(crate) async fn enter_code(
    hub: &Arc<Hub>,
    number: &str,
    code: &str,
) -> Result<String, SimError> {
    let code = code.trim().to_ascii_uppercase();
    let (conn, pairing_ref, wrapped) = {
        let st = hub.state();
        let s = st
            .codes
            .get(number)
            .ok_or_else(|| SimError::NoPendingCode(number.to_owned()))?;
        (
            s.conn,
            s.pairing_ref.clone(),
            s.wrapped_companion_ephemeral.clone(),
        )
    };
    let identity = hub.state().phones.get(number).map(|p| p.identity.clone());
    let identity = identity.ok_or_else(|| SimError::UnknownPhone(number.to_owned()))?;

    // 2 × 131 072 PBKDF2 rounds: keep them off the async workers.
    let (companion_ephemeral, phone_ephemeral, wrapped_primary) =
        tokio::task::spawn_blocking(move || wrap_for_code(&wrapped, &code))
            .await
            .map_err(SimError::crypto)??;

    let (tx, rx) = oneshot::channel();
    {
        let mut st = hub.state();
        let s = st
            .codes
            .get_mut(number)
            .ok_or_else(|| SimError::NoPendingCode(number.to_owned()))?;
        s.finish_tx = Some(tx);
    }
    let hello = stanza::primary_hello(
        &hub.stanza_id(),
        &wrapped_primary,
        identity.public_key.public_key_bytes(),
        &pairing_ref,
    );
    hub.send(conn, ConnCmd::Send(hello))?;
    hub.emit(SimEvent::PrimaryHelloSent {
        conn,
        phone: number.to_owned(),
    });

    let finish = tokio::time::timeout(hub.config.phone_timeout, rx)
        .await
        .map_err(|_| SimError::Timeout("companion_finish"))?
        .map_err(|_| SimError::ConnectionGone(conn))?;
    hub.state().codes.remove(number);
    let adv_secret = open_bundle(&phone_ephemeral, &companion_ephemeral, &identity, &finish)?;
    pair_success::complete(hub, conn, number, finish.companion_identity, adv_secret).await
}

/// Unwraps the companion's ephemeral key and wraps a fresh phone ephemeral,
/// both with the typed code. A wrong code is only noticed at `open_bundle`.
fn wrap_for_code(
    wrapped_companion: &[u8],
    code: &str,
) -> Result<([u8; 32], KeyPair, [u8; 80]), SimError> {
    let companion_ephemeral = PairCodeUtils::decrypt_primary_ephemeral_pub(wrapped_companion, code)
        .map_err(SimError::crypto)?;
    let phone_ephemeral = wacore::crypto::generate_curve_key_pair();
    let phone_pub: [u8; 32] = phone_ephemeral
        .public_key
        .public_key_bytes()
        .try_into()
        .map_err(|_| SimError::crypto("ephemeral public key is not 32 bytes"))?;
    let wrapped_primary = PairCodeUtils::encrypt_ephemeral_pub(&phone_pub, code);
    Ok((companion_ephemeral, phone_ephemeral, wrapped_primary))
}

/// Mirror of the companion's `prepare_key_bundle`; returns the ADV secret.
fn open_bundle(
    phone_ephemeral: &KeyPair,
    companion_ephemeral: &[u8; 32],
    phone_identity: &KeyPair,
    finish: &Finish,
) -> Result<[u8; 32], SimError> {
    let bundle = &finish.wrapped_bundle;
    if bundle.len() != WRAPPED_BUNDLE_LEN {
        return Err(SimError::protocol(format!(
            "key bundle is {} bytes",
            bundle.len()
        )));
    }
    let (salt, rest) = bundle.split_at(32);
    let (iv, sealed) = rest.split_at(12);
    let iv: [u8; 12] = iv.try_into().map_err(|_| SimError::protocol("bundle iv"))?;

    let companion_eph =
        PublicKey::from_djb_public_key_bytes(companion_ephemeral).map_err(SimError::crypto)?;
    let ephemeral_shared = phone_ephemeral
        .private_key
        .calculate_agreement(&companion_eph)
        .map_err(SimError::crypto)?;
    let mut key = [0u8; 32];
    wacore::crypto::hkdf_sha256_into(&ephemeral_shared, Some(salt), BUNDLE_INFO, &mut key)
        .map_err(SimError::crypto)?;
    let mut plain = Vec::with_capacity(96);
    // Authentication fails exactly when the phone typed a different code.
    aes_256_gcm_decrypt(&key, &iv, b"", sealed, &mut plain).map_err(|_| SimError::WrongCode)?;
    if plain.len() != 96 {
        return Err(SimError::protocol("key bundle plaintext is not 96 bytes"));
    }

    let companion_identity = PublicKey::from_djb_public_key_bytes(&finish.companion_identity)
        .map_err(SimError::crypto)?;
    let identity_shared = phone_identity
        .private_key
        .calculate_agreement(&companion_identity)
        .map_err(SimError::crypto)?;
    let ikm = [&ephemeral_shared[..], &identity_shared[..], &plain[64..96]].concat();
    let mut adv_secret = [0u8; 32];
    wacore::crypto::hkdf_sha256_into(&ikm, None, b"adv_secret", &mut adv_secret)
        .map_err(SimError::crypto)?;
    Ok(adv_secret)
}
