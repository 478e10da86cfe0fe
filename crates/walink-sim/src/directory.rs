//! The encrypt and app-state IQs of a logged-in companion, and the phone's
//! key share that follows its first upload (impl block on [`Conn`]).

use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{debug, warn};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};

use super::conn::Conn;
use super::error::SimError;
use super::events::SimEvent;
use super::phone_signal::PhoneSignal;
use super::{app_state, prekeys, stanza};
use wacore::libsignal::protocol::KeyPair;

impl Conn<'_> {
    /// Upload (`set` with keys), count (`<count/>`) and fetch (`<key>`).
    pub(super) fn on_encrypt(&mut self, iq: &Node) -> Vec<Node> {
        let id = stanza::attr(iq, "id").unwrap_or_default();
        let reply = stanza::iq_result(&id);
        if let Some(targets) = prekeys::fetch_targets(iq) {
            let users = self.hand_out(&targets);
            self.hub.persist();
            let list = NodeBuilder::new("list").children(users).build();
            return vec![reply.children([list]).build()];
        }
        if stanza::attr(iq, "type").as_deref() == Some("set") {
            let Some(upload) = prekeys::parse_upload(iq) else {
                return vec![stanza::iq_error(&id, 400, "bad-request", None)];
            };
            {
                let mut st = self.hub.state();
                match st.bundles.get_mut(&self.client_static) {
                    Some(held) => held.merge(upload),
                    None => {
                        st.bundles.insert(self.client_static, upload);
                    }
                }
            }
            self.hub.persist();
            return vec![reply.build()];
        }
        if iq.get_optional_child("count").is_some() {
            let held = self
                .hub
                .state()
                .bundles
                .get(&self.client_static)
                .map_or(0, |b| b.one_time.len());
            let count = NodeBuilder::new("count").attr("value", held).build();
            return vec![reply.children([count]).build()];
        }
        // Digest and anything else: an empty result is enough.
        vec![reply.build()]
    }

    /// One `<user>` per requested device: its bundle, or 404.
    fn hand_out(&self, targets: &[String]) -> Vec<Node> {
        let mut guard = self.hub.state();
        let st = &mut *guard;
        targets
            .iter()
            .map(|jid| {
                let owner = st
                    .devices
                    .iter()
                    .find(|d| {
                        d.jid == *jid
                            || Jid::lid_device(d.lid.as_str(), d.device).to_string() == *jid
                    })
                    .map(|d| d.client_static);
                if let Some(bundle) = owner.and_then(|k| st.bundles.get_mut(&k)) {
                    return bundle.hand_out(jid);
                }
                match phone_of(st, jid) {
                    Some(number) => {
                        let identity = st.phones.get(&number).map(|a| a.identity.clone());
                        let bundle = st.phone_bundles.entry(number).or_insert_with(|| {
                            phone_bundle(identity.as_ref().expect("the account exists"))
                        });
                        bundle.hand_out(jid)
                    }
                    None => prekeys::unknown_user(jid),
                }
            })
            .collect()
    }

    pub(super) fn on_app_state(&mut self, iq: &Node) -> Node {
        let id = stanza::attr(iq, "id").unwrap_or_default();
        let account = {
            let st = self.hub.state();
            let shared = st.key_shared.contains(&self.client_static);
            self.phone
                .as_ref()
                .and_then(|n| st.phones.get(n).map(|p| (p.sync_key.clone(), p.name(n))))
                // The phone answers no key requests, so a companion it never
                // gave the key is served the collections empty.
                .filter(|_| shared)
        };
        let sync = match &account {
            Some((key, name)) => app_state::answer(iq, key, Some(name), unix_now()),
            None => app_state::answer(iq, &app_state::SyncKey::generate(), None, 0),
        };
        stanza::iq_result(&id).children([sync]).build()
    }

    /// Once per companion, after it published its keys: the phone sends it
    /// the account's app-state sync key, as a real phone does after linking.
    pub(super) async fn share_app_state_key(&mut self) -> Result<(), SimError> {
        let job = {
            let mut guard = self.hub.state();
            let st = &mut *guard;
            let Some(number) = self.phone.clone() else {
                return Ok(());
            };
            if st.key_shared.contains(&self.client_static) {
                return Ok(());
            }
            let device = st.devices.by_key(&self.client_static);
            let account = st.phones.get(&number);
            match (device, account, st.bundles.get_mut(&self.client_static)) {
                (Some(d), Some(account), Some(held)) => {
                    // The phone fetches the bundle as anyone would: one
                    // one-time key is spent on it.
                    let mut fetched = held.clone();
                    fetched.one_time = if held.one_time.is_empty() {
                        Vec::new()
                    } else {
                        vec![held.one_time.remove(0)]
                    };
                    Some((
                        number,
                        d.jid.clone(),
                        fetched,
                        account.sync_key.clone(),
                        account.identity.clone(),
                    ))
                }
                _ => None,
            }
        };
        let Some((number, device_jid, bundle, key, identity)) = job else {
            return Ok(());
        };
        let Ok(device) = device_jid.parse::<Jid>() else {
            return Ok(());
        };
        let phone_jid = Jid::pn(number.as_str());
        let id = format!(
            "3A{:08X}{:08X}",
            super::hub::random_u32(),
            super::hub::random_u32()
        );
        let sealed = {
            let mut signals = self.hub.signals.lock().await;
            let signal = signals
                .entry(number.clone())
                .or_insert_with(|| PhoneSignal::new(&identity));
            signal
                .key_share(&phone_jid, &device, &bundle, &key, &id, unix_now())
                .await
        };
        match sealed {
            Ok(node) => {
                self.hub.state().key_shared.insert(self.client_static);
                self.hub.persist();
                debug!(conn = %self.id, "the phone shares its app-state key");
                // Queued as any message is: a share sent on the pairing
                // socket as it closes for the 515 restart arrives at the
                // next login instead of never.
                super::route::deliver(&self.hub, &device, &id, "message", node);
                self.hub.emit(SimEvent::AppStateKeyShared { device_jid });
            }
            Err(e) => warn!(conn = %self.id, "the phone cannot seal its key share: {e}"),
        }
        Ok(())
    }
}

/// The account a device-0 JID names, if the simulator has it.
fn phone_of(st: &super::hub::State, jid: &str) -> Option<String> {
    let parsed: Jid = jid.parse().ok()?;
    (parsed.device == 0)
        .then(|| super::usync::account_of(st, jid))
        .flatten()
}

/// The phone's own published keys: a signed pre-key signed by its account
/// key, and one-time keys. It never decrypts, so the private halves go.
fn phone_bundle(identity: &KeyPair) -> prekeys::Bundle {
    let signed = wacore::crypto::generate_curve_key_pair();
    let public = key32(signed.public_key.public_key_bytes());
    let signature = wacore::crypto::calculate_curve_signature(
        &identity.private_key,
        &signed.public_key.serialize(),
    )
    .map(|s| s.to_vec())
    .unwrap_or_default();
    let one_time = (1..=PHONE_ONE_TIME_KEYS)
        .map(|id| {
            let k = wacore::crypto::generate_curve_key_pair();
            (id, key32(k.public_key.public_key_bytes()))
        })
        .collect();
    prekeys::Bundle {
        registration: (super::hub::random_u32() & 0x3fff).max(1),
        identity: key32(identity.public_key.public_key_bytes()),
        signed: prekeys::SignedKey {
            id: 1,
            public,
            signature,
        },
        one_time,
    }
}

fn key32(bytes: &[u8]) -> [u8; 32] {
    bytes
        .try_into()
        .expect("a Curve25519 public key is 32 bytes")
}

/// Enough for the tests' conversations; a bundle without one-time keys
/// still opens sessions.
const PHONE_ONE_TIME_KEYS: u32 = 20;

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
