//! Loopback WhatsApp Web simulator for tests (SIMULATOR.md).
//!
//! A crate of its own so it holds only what the protocol says: it cannot
//! reach into walink, and walink reaches it only through the `sandbox`
//! feature (as `walink::sim`).
//!
//! One local server plays both the WA server (WebSocket, Noise, binary nodes,
//! pairing refs, login, IQ answers, stream errors) and the primary phone (QR
//! scan, pair-code entry, unlink). Clients must be built with
//! `danger-skip-cert-chain-verify`, which the `sandbox` feature enables.
//!
//! ```text
//! let sim = Simulator::start(SimConfig::default()).await?;
//! // client: TokioWebSocketTransportFactory::new().with_url(sim.url()), with_version(..)
//! let phone = sim.phone("15551234567");
//! phone.set_push_name(Some("Bot")); // fast reconnects after pairing
//! let jid = phone.scan_qr(&qr_from_pairing_qr_code_event).await?;
//! sim.inject(Target::Phone("15551234567".into()), Fault::StreamError(515), false);
//! ```

mod app_state;
mod code_link;
mod config;
mod conn;
pub mod control;
mod devices;
mod dict;
mod dict_v2;
mod directory;
mod error;
mod events;
mod fault;
mod frame;
mod handshake;
mod hub;
mod iq;
mod login;
mod pair_success;
mod persist;
mod phone;
mod phone_signal;
mod prekeys;
mod qr_link;
mod registry;
mod route;
mod secure;
mod server;
mod session;
mod stanza;
mod usync;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use code_link::CodeRequest;
pub use config::{DEFAULT_SERVER_STATIC_KEY, SimConfig};
pub use error::SimError;
pub use events::{ConnId, DeviceInfo, HandshakePattern, PresenceSeen, Routed, SimEvent};
pub use fault::{ConflictKind, FailureReason, Fault, Target};
pub use hub::ShownAs;
pub use phone::{MAX_COMPANIONS, Phone};
pub use qr_link::QrHint;

use hub::{ConnCmd, Hub};

/// A running simulator; dropping it stops the server too.
pub struct Simulator {
    hub: Arc<Hub>,
    addr: SocketAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds 127.0.0.1:`config.port` and starts serving `ws://…/ws/chat`.
    pub async fn start(config: SimConfig) -> io::Result<Simulator> {
        let port = config.port;
        let hub = Arc::new(Hub::new(config).map_err(|e| io::Error::other(e.to_string()))?);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let task = tokio::spawn(server::accept_loop(listener, hub.clone(), cancel.clone()));
        tracing::info!(%addr, "simulator listening");
        Ok(Simulator {
            hub,
            addr,
            cancel,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// URL for `TokioWebSocketTransportFactory::with_url`.
    pub fn url(&self) -> String {
        format!("ws://{}/ws/chat", self.addr)
    }

    /// Stops accepting, closes every connection and waits for the accept loop.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Events from now on; slow receivers may see `RecvError::Lagged`.
    pub fn events(&self) -> broadcast::Receiver<SimEvent> {
        self.hub.subscribe()
    }

    /// The phone account for `number` (digits only are kept), created on first use.
    pub fn phone(&self, number: &str) -> Phone {
        self.phone_with_lid(number, None)
    }

    /// Like [`phone`](Self::phone) but with a chosen LID user for a new account.
    pub fn phone_with_lid(&self, number: &str, lid: Option<&str>) -> Phone {
        let number = phone::digits(number);
        registry::ensure_phone(&mut self.hub.state(), &number, lid);
        self.hub.persist();
        Phone::new(self.hub.clone(), number)
    }

    /// Shortcut for `phone(number).enter_code(code)`.
    pub async fn enter_code(&self, number: &str, code: &str) -> Result<String, SimError> {
        self.phone(number).enter_code(code).await
    }

    /// Shortcut for `phone(number).unlink(device)`.
    pub fn unlink(&self, number: &str, device: u16) -> Result<String, SimError> {
        self.hub.unlink(&phone::digits(number), device)
    }

    /// How many connections were closed because their device logged in on
    /// another one (each time two places ran one device's keys).
    pub fn replaced(&self) -> usize {
        self.hub.replaced().0
    }

    /// Of `replaced`, those closed by a login that finished later on an
    /// older connection: the server read that socket's login after a newer
    /// socket of the same client had logged in.
    pub fn replaced_by_older(&self) -> usize {
        self.hub.replaced().1
    }

    pub fn registered_devices(&self) -> Vec<DeviceInfo> {
        self.hub.registered_devices()
    }

    /// What the server routed lately (up to 10,000), oldest first.
    pub fn routed(&self) -> Vec<Routed> {
        self.hub.routed()
    }

    /// The outstanding pair-code request for `number`, if a companion asked.
    pub fn pending_code_request(&self, number: &str) -> Option<CodeRequest> {
        code_link::pending_request(&self.hub, number)
    }

    /// QR refs and keys of every connection waiting to be paired.
    pub fn qr_hints(&self) -> Vec<QrHint> {
        qr_link::hints(&self.hub)
    }

    /// Arms `fault` for `target`. Stream faults, `CloseConnection` and `DeadServer` also hit
    /// matching logged-in connections at once; a one-shot fault that fired
    /// that way is not armed any further.
    pub fn inject(&self, target: Target, fault: Fault, sticky: bool) {
        let target = target.normalized();
        let now = match (&fault, fault.kind()) {
            // A drop can hit a companion in the middle of linking too.
            (Fault::CloseConnection, _) => self.hub.conns_for(&target),
            (_, fault::FaultKind::Stream | fault::FaultKind::Dead) => {
                self.hub.logged_in_conns(&target)
            }
            _ => Vec::new(),
        };
        for conn in &now {
            let cmd = match (&fault, stanza::stream_fault(&fault)) {
                (_, Some(node)) => ConnCmd::SendThenClose(node),
                (Fault::DeadServer, None) => ConnCmd::GoDead,
                (_, None) => ConnCmd::Close,
            };
            if self.hub.send(*conn, cmd).is_ok() {
                self.hub.emit(SimEvent::FaultFired {
                    conn: Some(*conn),
                    fault: fault.clone(),
                });
            }
        }
        if now.is_empty() || sticky {
            self.hub.state().faults.arm(target, fault, sticky);
        }
    }

    /// Every node sent so far as marshalled bytes (flags byte first), when
    /// started with `SimConfig::with_record_wire(true)`.
    pub fn sent_wire(&self) -> Vec<Vec<u8>> {
        self.hub.state().wire.clone()
    }

    /// Pre-keys the companions uploaded that were not handed out, over all
    /// devices: what a `<count/>` query is answered with.
    pub fn prekeys_on_server(&self) -> usize {
        self.hub
            .state()
            .bundles
            .values()
            .map(|b| b.one_time.len())
            .sum()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.hub.state().faults.clear();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
