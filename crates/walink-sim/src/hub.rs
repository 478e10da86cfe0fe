//! State shared by the accept loop, every connection and the test-facing API.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, oneshot};
use wacore_binary::Node;

use super::code_link::CodeSession;
use super::config::SimConfig;
use super::error::SimError;
use super::events::{ConnId, SimEvent};
use super::fault::{Fault, FaultKind, FaultSet, Target};
use super::handshake::ServerKey;
use super::phone::PhoneAccount;

const EVENT_CAPACITY: usize = 1024;

/// Orders from the API side to a connection task.
pub(crate) enum ConnCmd {
    Send(Node),
    /// Send and hand the client's `<iq>` answer (matched by `id`) back.
    Request {
        node: Node,
        reply: oneshot::Sender<Node>,
    },
    SendThenClose(Node),
    /// Send, then leave the close to the client (as WhatsApp does after a
    /// 515): close only if it has not within the grace period.
    SendThenAwaitClose(Node),
    Close,
    /// Stop writing anything, keep reading.
    GoDead,
}

/// What the hub knows about a live connection.
pub(crate) struct ConnEntry {
    pub(crate) tx: mpsc::UnboundedSender<ConnCmd>,
    pub(crate) client_static: Option<[u8; 32]>,
    /// Companion identity key from a registration payload (for QR hints).
    pub(crate) identity_pub: Option<[u8; 32]>,
    /// What the registration payload's device props said it is: the
    /// phone's Linked devices list shows it.
    pub(crate) shown_as: Option<ShownAs>,
    pub(crate) refs: Vec<String>,
    pub(crate) refs_sent_at: Option<Instant>,
    /// Account of a logged-in connection, for fault targeting.
    pub(crate) phone: Option<String>,
    pub(crate) device_jid: Option<String>,
}

impl ConnEntry {
    pub(crate) fn new(tx: mpsc::UnboundedSender<ConnCmd>) -> Self {
        Self {
            tx,
            client_static: None,
            identity_pub: None,
            shown_as: None,
            refs: Vec::new(),
            refs_sent_at: None,
            phone: None,
            device_jid: None,
        }
    }
}

/// A companion registered with a phone.
#[derive(Debug, Clone)]
pub(crate) struct DeviceRecord {
    pub(crate) phone: String,
    pub(crate) device: u16,
    pub(crate) jid: String,
    pub(crate) lid: String,
    /// Keyed by the companion's Noise static key, its stable identity.
    pub(crate) client_static: [u8; 32],
    /// The ADV key index its pair-success named; device lists carry it.
    pub(crate) key_index: u32,
    /// Every `<presence>` this device sent, oldest first.
    pub(crate) presences: Vec<super::events::PresenceSeen>,
    pub(crate) shown_as: Option<ShownAs>,
}

/// A companion's `DeviceProps`: its OS name and platform type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownAs {
    pub os: String,
    /// The platform type's name, e.g. `DESKTOP`.
    pub platform: String,
}

/// One stanza waiting for its device's receipt or ack.
pub(crate) struct Queued {
    pub(crate) id: String,
    /// `message` (settled by a receipt) or `receipt` (by an ack).
    pub(crate) class: &'static str,
    pub(crate) node: Node,
    /// The connection it went out on: the login's flush skips it there
    /// (the server sends a stanza once a connection; a new one gets it again).
    pub(crate) sent_on: Option<ConnId>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) conns: HashMap<ConnId, ConnEntry>,
    /// Device JID -> the connection it is logged in on (at most one: a
    /// login replaces the one before). Kept by `log_in` and `log_off`.
    pub(crate) live: HashMap<String, ConnId>,
    pub(crate) phones: HashMap<String, PhoneAccount>,
    pub(crate) devices: super::devices::Devices,
    /// QR ref -> connection it was issued to.
    pub(crate) refs: HashMap<String, ConnId>,
    /// Phone number -> outstanding pair-code flow.
    pub(crate) codes: HashMap<String, CodeSession>,
    pub(crate) faults: FaultSet,
    /// The keys each companion (by Noise key) published: the key directory.
    pub(crate) bundles: HashMap<[u8; 32], super::prekeys::Bundle>,
    /// What each device has not answered for yet: delivered again, marked
    /// offline, at its next login.
    pub(crate) queue: HashMap<[u8; 32], Vec<Queued>>,
    /// Connections closed because their device logged in elsewhere.
    pub(crate) replaced: usize,
    /// Of those, connections newer than the one whose login closed them:
    /// a socket whose login the server read only after a later one had
    /// logged in (its client had already given it up).
    pub(crate) replaced_by_older: usize,
    /// Each phone's published keys (device 0), by number.
    pub(crate) phone_bundles: HashMap<String, super::prekeys::Bundle>,
    /// Companions the phone has sent the app-state sync key to.
    pub(crate) key_shared: HashSet<[u8; 32]>,
    /// Every node sent, as marshalled bytes, when `SimConfig::record_wire`.
    pub(crate) wire: Vec<Vec<u8>>,
}

impl State {
    /// `conn` is now `jid`'s connection; the one it replaces, if any, is no
    /// longer the device's (its close must not count as it) and is returned.
    pub(crate) fn log_in(&mut self, conn: ConnId, phone: &str, jid: &str) -> Option<ConnId> {
        let entry = self.conns.get_mut(&conn)?;
        entry.phone = Some(phone.to_owned());
        entry.device_jid = Some(jid.to_owned());
        let older = self
            .live
            .insert(jid.to_owned(), conn)
            .filter(|old| *old != conn)?;
        if let Some(old) = self.conns.get_mut(&older) {
            old.device_jid = None;
        }
        Some(older)
    }

    /// `conn` is no longer its device's connection (logged out, or closed).
    pub(crate) fn log_off(&mut self, conn: ConnId) {
        let Some(jid) = self.conns.get_mut(&conn).and_then(|c| c.device_jid.take()) else {
            return;
        };
        if self.live.get(&jid) == Some(&conn) {
            self.live.remove(&jid);
        }
    }

    /// The companion's QR refs are no longer live (it paired, or left).
    pub(crate) fn forget_refs(&mut self, conn: ConnId) {
        self.refs.retain(|_, c| *c != conn);
        if let Some(entry) = self.conns.get_mut(&conn) {
            entry.refs.clear();
            entry.refs_sent_at = None;
        }
    }
}

/// Routed messages remembered for the control API.
const ROUTED_KEPT: usize = 10_000;

pub(crate) struct Hub {
    pub(crate) config: SimConfig,
    pub(crate) server_key: ServerKey,
    events: broadcast::Sender<SimEvent>,
    state: Mutex<State>,
    /// One writer of the state file at a time.
    writing: Mutex<()>,
    counter: AtomicU64,
    /// What was routed lately, newest last (metadata only: the server
    /// never reads a message).
    routed: Mutex<std::collections::VecDeque<super::events::Routed>>,
    /// Each phone's Signal side, by number: async, so not in `state`.
    pub(crate) signals: tokio::sync::Mutex<HashMap<String, super::phone_signal::PhoneSignal>>,
}

impl Hub {
    pub(crate) fn new(config: SimConfig) -> Result<Self, SimError> {
        let server_key = ServerKey::new(&config.server_static_key)?;
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let state = match &config.state_file {
            Some(path) => super::persist::load(path)?,
            None => State::default(),
        };
        Ok(Self {
            config,
            server_key,
            events,
            state: Mutex::new(state),
            writing: Mutex::new(()),
            counter: AtomicU64::new(1),
            routed: Mutex::default(),
            signals: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    /// Never held across an await. A panic elsewhere must not wedge the
    /// simulator, so a poisoned lock is simply taken over.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// After a change to accounts, devices or pre-keys: write the state
    /// file, if there is one. Never called with the state locked.
    pub(crate) fn persist(&self) {
        let Some(path) = &self.config.state_file else {
            return;
        };
        let _one = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let text = super::persist::snapshot(&self.state());
        if let Err(e) = super::persist::write(path, &text) {
            tracing::error!("cannot write the state file {}: {e}", path.display());
        }
    }

    pub(crate) fn emit(&self, event: SimEvent) {
        tracing::info!("{}", event.summary());
        if let SimEvent::Routed(r) = &event {
            let mut routed = self.routed.lock().unwrap_or_else(|p| p.into_inner());
            if routed.len() == ROUTED_KEPT {
                routed.pop_front();
            }
            routed.push_back(r.clone());
        }
        // No subscribers is fine.
        let _ = self.events.send(event);
    }

    /// What was routed lately, oldest first.
    pub(crate) fn routed(&self) -> Vec<super::events::Routed> {
        let routed = self.routed.lock().unwrap_or_else(|p| p.into_inner());
        routed.iter().cloned().collect()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<SimEvent> {
        self.events.subscribe()
    }

    fn next_number(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn next_conn_id(&self) -> ConnId {
        ConnId(self.next_number())
    }

    /// Ids of server-originated stanzas; only uniqueness matters.
    pub(crate) fn stanza_id(&self) -> String {
        format!("sim.{}", self.next_number())
    }

    /// A fresh ref string (no commas: the QR string is comma-separated).
    pub(crate) fn new_ref(&self, conn: ConnId) -> String {
        format!(
            "2@sim{}r{}x{:08x}",
            conn.0,
            self.next_number(),
            random_u32()
        )
    }

    pub(crate) fn take_fault(&self, phone: Option<&str>, kind: FaultKind) -> Option<Fault> {
        self.state().faults.take(phone, kind)
    }

    pub(crate) fn send(&self, conn: ConnId, cmd: ConnCmd) -> Result<(), SimError> {
        let st = self.state();
        let entry = st.conns.get(&conn).ok_or(SimError::ConnectionGone(conn))?;
        entry
            .tx
            .send(cmd)
            .map_err(|_| SimError::ConnectionGone(conn))
    }

    /// Sends `node` on `conn` and waits for the client's answer to it.
    pub(crate) async fn request(
        &self,
        conn: ConnId,
        node: Node,
        wait: Duration,
    ) -> Result<Node, SimError> {
        let (reply, rx) = oneshot::channel();
        self.send(conn, ConnCmd::Request { node, reply })?;
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(SimError::ConnectionGone(conn)),
            Err(_) => Err(SimError::Timeout("the companion's answer")),
        }
    }

    /// Live connections a fault for `target` should hit right away.
    pub(crate) fn logged_in_conns(&self, target: &Target) -> Vec<ConnId> {
        self.state()
            .conns
            .iter()
            .filter(|(_, c)| c.device_jid.is_some() && target.matches(c.phone.as_deref()))
            .map(|(id, _)| *id)
            .collect()
    }

    /// Every connection `target` reaches, companions still linking included
    /// (only `All` reaches those: their account is not known yet).
    pub(crate) fn conns_for(&self, target: &Target) -> Vec<ConnId> {
        self.state()
            .conns
            .iter()
            .filter(|(_, c)| target.matches(c.phone.as_deref()))
            .map(|(id, _)| *id)
            .collect()
    }

    /// QR refs of `conn` stop being scannable (paired, or gone).
    pub(crate) fn forget_refs(&self, conn: ConnId) {
        self.state().forget_refs(conn);
    }

    /// Forgets everything tied to a closed connection; dropping its code
    /// session also wakes a phone waiting on it.
    pub(crate) fn drop_conn(&self, conn: ConnId) {
        self.forget_refs(conn);
        let mut st = self.state();
        st.log_off(conn);
        st.conns.remove(&conn);
        st.codes.retain(|_, s| s.conn != conn);
    }
}

/// Non-cryptographic randomness for ids; std's per-instance SipHash keys are
/// random, which is all a simulator needs here.
pub(crate) fn random_u32() -> u32 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    hasher.finish() as u32
}
