//! The simulated phone's own Signal side. WhatsApp's server never encrypts;
//! the phone does, as the primary device it is: right after a companion
//! links, the phone sends it the account's app-state sync key as a peer
//! message (whatsmeow `appstate/keys.go`, whatsapp-rust `handle_app_state_sync_key_share`:
//! honoured only from the account's own devices).

use std::collections::HashMap;

use wacore::libsignal::protocol::{
    Direction, IdentityChange, IdentityKey, IdentityKeyPair, IdentityKeyStore, KeyPair,
    PreKeyBundle, ProtocolAddress, PublicKey, SessionRecord, SessionStore, SignalProtocolError,
    UsePQRatchet, process_prekey_bundle,
};
use wacore::types::jid::JidExt as _;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node};
use waproto::buffa::MessageField;
use waproto::whatsapp as wa;

use super::app_state::SyncKey;
use super::prekeys::Bundle;

type SignalResult<T> = Result<T, SignalProtocolError>;

/// The phone's identity and the sessions it opened, in memory: a session
/// lives as long as the simulator, and a new one is simply started after.
pub(crate) struct PhoneSignal {
    identity: IdentityKeyPair,
    registration: u32,
    sessions: HashMap<ProtocolAddress, SessionRecord>,
    known: HashMap<ProtocolAddress, IdentityKey>,
}

impl PhoneSignal {
    /// The phone's Signal identity is its account key, the one that signs
    /// every companion's ADV identity.
    pub(crate) fn new(account: &KeyPair) -> Self {
        Self {
            identity: IdentityKeyPair::from(account.clone()),
            registration: (super::hub::random_u32() & 0x3fff).max(1),
            sessions: HashMap::new(),
            known: HashMap::new(),
        }
    }

    /// `<message category="peer">` as the server delivers it to `device`:
    /// the app-state key share, sealed for that device with its published
    /// `bundle` (a pkmsg: the first message of a new session).
    pub(crate) async fn key_share(
        &mut self,
        phone_jid: &Jid,
        device: &Jid,
        bundle: &Bundle,
        key: &SyncKey,
        id: &str,
        now: i64,
    ) -> Result<Node, String> {
        let address = device.to_protocol_address();
        let signal_bundle = signal_bundle(device, bundle).map_err(|e| e.to_string())?;
        let mut sessions = std::mem::take(&mut self.sessions);
        let mut rng = rand::make_rng::<rand::rngs::StdRng>();
        let opened = process_prekey_bundle(
            &address,
            &mut Sessions(&mut sessions),
            self,
            &signal_bundle,
            &mut rng,
            UsePQRatchet::No,
        )
        .await;
        let message = share_message(key, now);
        let stanza = match opened {
            Ok(_) => {
                wacore::send::prepare_peer_stanza(
                    &mut Sessions(&mut sessions),
                    self,
                    device.clone(),
                    &address,
                    &message,
                    id,
                    Some(&primary_identity()),
                )
                .await
            }
            Err(e) => Err(e.into()),
        };
        self.sessions = sessions;
        let sent = stanza.map_err(|e| e.to_string())?;
        Ok(as_delivered(sent, phone_jid, now))
    }
}

/// The primary has no ADV identity of its own; the field is only checked
/// for companions, so an empty one is what a pkmsg from it carries.
fn primary_identity() -> wa::ADVSignedDeviceIdentity {
    wa::ADVSignedDeviceIdentity::default()
}

fn signal_bundle(device: &Jid, bundle: &Bundle) -> SignalResult<PreKeyBundle> {
    let one_time = match bundle.one_time.first() {
        Some((id, key)) => Some(((*id).into(), PublicKey::from_djb_public_key_bytes(key)?)),
        None => None,
    };
    PreKeyBundle::new(
        bundle.registration,
        u32::from(device.device).into(),
        one_time,
        bundle.signed.id.into(),
        PublicKey::from_djb_public_key_bytes(&bundle.signed.public)?,
        bundle.signed.signature.clone(),
        IdentityKey::new(PublicKey::from_djb_public_key_bytes(&bundle.identity)?),
    )
}

fn share_message(key: &SyncKey, now: i64) -> wa::Message {
    let share = wa::message::AppStateSyncKeyShare {
        keys: vec![wa::message::AppStateSyncKey {
            key_id: MessageField::some(wa::message::AppStateSyncKeyId {
                key_id: Some(key.id.to_vec()),
            }),
            key_data: MessageField::some(wa::message::AppStateSyncKeyData {
                key_data: Some(key.data.to_vec()),
                fingerprint: MessageField::some(wa::message::AppStateSyncKeyFingerprint {
                    raw_id: Some(key.raw_id),
                    current_index: Some(0),
                    device_indexes: vec![0],
                }),
                timestamp: Some(now * 1000),
            }),
        }],
    };
    wa::Message {
        protocol_message: MessageField::some(wa::message::ProtocolMessage {
            r#type: Some(wa::message::protocol_message::Type::AppStateSyncKeyShare),
            app_state_sync_key_share: MessageField::some(share),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The server turns a sender's `to` into the recipient's `from` and stamps
/// the time (whatsmeow `message.go` parseMessageSource: `from`, `t`, `id`,
/// `type`, `category="peer"` for own-device messages).
fn as_delivered(sent: Node, from: &Jid, now: i64) -> Node {
    let attr = |k: &str| super::stanza::attr(&sent, k).unwrap_or_default();
    let children: Vec<Node> = sent
        .children()
        .map(|c| {
            c.iter()
                .filter(|c| c.tag != "meta" && c.tag != "device-identity")
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    NodeBuilder::new("message")
        .attr("from", from.to_string())
        .attr("id", attr("id"))
        .attr("type", attr("type"))
        .attr("category", "peer")
        .attr("t", now.to_string())
        .children(children)
        .build()
}

struct Sessions<'a>(&'a mut HashMap<ProtocolAddress, SessionRecord>);

#[async_trait::async_trait]
impl SessionStore for Sessions<'_> {
    async fn load_session(&self, address: &ProtocolAddress) -> SignalResult<Option<SessionRecord>> {
        Ok(self.0.get(address).cloned())
    }

    async fn has_session(&self, address: &ProtocolAddress) -> SignalResult<bool> {
        Ok(self.0.contains_key(address))
    }

    async fn store_session(
        &mut self,
        address: &ProtocolAddress,
        record: SessionRecord,
    ) -> SignalResult<()> {
        self.0.insert(address.clone(), record);
        Ok(())
    }
}

#[async_trait::async_trait]
impl IdentityKeyStore for PhoneSignal {
    async fn get_identity_key_pair(&self) -> SignalResult<IdentityKeyPair> {
        Ok(self.identity.clone())
    }

    async fn get_local_registration_id(&self) -> SignalResult<u32> {
        Ok(self.registration)
    }

    async fn save_identity(
        &mut self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> SignalResult<IdentityChange> {
        let changed = self
            .known
            .insert(address.clone(), *identity)
            .is_some_and(|k| k != *identity);
        Ok(IdentityChange::from_changed(changed))
    }

    /// A phone trusts the companions it just linked itself.
    async fn is_trusted_identity(
        &self,
        _: &ProtocolAddress,
        _: &IdentityKey,
        _: Direction,
    ) -> SignalResult<bool> {
        Ok(true)
    }

    async fn get_identity(&self, address: &ProtocolAddress) -> SignalResult<Option<IdentityKey>> {
        Ok(self.known.get(address).copied())
    }
}
