//! At start: a company whose keys on disk belong to a linked device but
//! whose registry row does not say so (the disk filled up, or the process
//! died, between WhatsApp's pair-success and the registry's write) is
//! recovered as linked, never shown as "not linked" over working keys.

use super::snapshot::state_from_row;
use crate::config::DataDir;
use crate::domain::{SessionState, mask_digits};
use crate::keystore::KeyStore;
use crate::store::{Registry, StoreError, now_unix};

/// Recover every such company; returns how many. Each is said in its log.
pub fn recover_links(
    store: &dyn Registry,
    data: &DataDir,
    keys: &KeyStore,
) -> Result<usize, StoreError> {
    let mut recovered = 0;
    let paired = keys.paired().unwrap_or_else(|e| {
        tracing::warn!("cannot read the key store's devices: {e}");
        Default::default()
    });
    for o in store.overview()? {
        let Some(row) = o.session else { continue };
        // A key file still in use speaks for its company; else keys.db.
        let jid =
            match super::keys::KeySource::of(data, keys, o.company.id, o.company.slug.as_str()) {
                file @ super::keys::KeySource::File(_) => file.device_jid(),
                _ => paired.get(&o.company.id).cloned(),
            };
        let Some(jid) = jid else {
            continue;
        };
        let state = state_from_row(&row.state, row.state_detail.as_deref(), now_unix(), false);
        let known = row.jid.as_deref() == Some(jid.as_str());
        if known && state != SessionState::NotLinked {
            continue;
        }
        let digits = jid.split([':', '@']).next().unwrap_or_default().to_owned();
        let id = o.company.id;
        store.set_session_link(id, Some(&digits), Some(&jid), row.push_name.as_deref())?;
        store.set_session_state(id, "connecting", None)?;
        let detail = format!(
            "recovered: the keys on disk belong to the linked device of {}, but the \
             registry did not say so (a full disk or a crash after pairing); connecting with them",
            mask_digits(&digits)
        );
        store.log_event(Some(id), "link", &detail)?;
        tracing::warn!(company = id, "{detail}");
        // The page's attempt linked before the stop: its invitation is used.
        if let Some(invitation) = store.last_attempt_invitation(id)? {
            store.end_invitation_logged(invitation, true, now_unix())?;
        }
        recovered += 1;
    }
    Ok(recovered)
}
