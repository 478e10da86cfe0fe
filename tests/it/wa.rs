//! The real whatsapp-rust client against a simulator: build, run, and wait
//! for its events with timeouts (never bare sleeps).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use walink::engine::client::{self, ClientOptions};
use walink::engine::server::SANDBOX_WA_VERSION;
use walink::engine::translate::{ClientFact, WaEvents};
use walink::sim::{SimConfig, Simulator};
use whatsapp_rust::Client;
use whatsapp_rust::bot::BotHandle;
use whatsapp_rust::prelude::{ChannelEventHandler, Event, Subscription};

pub const PHONE: &str = "79001234567";

pub async fn sim() -> Simulator {
    sim_with(SimConfig::default()).await
}

pub async fn sim_with(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// One running client with its own key store.
pub struct TestClient {
    pub handle: Option<BotHandle>,
    pub events: WaEvents,
    /// The client itself, to send with, and every event it dispatched.
    pub client: Arc<Client>,
    pub raw: async_channel::Receiver<Arc<Event>>,
    _subscription: Subscription,
    _raw_subscription: Subscription,
    seen: Vec<ClientFact>,
}

pub struct Opts<'a> {
    pub pair_phone: Option<&'a str>,
    pub push_name: Option<&'a str>,
}

impl Default for Opts<'_> {
    fn default() -> Self {
        Self {
            pair_phone: None,
            push_name: Some("Walink Test"),
        }
    }
}

impl TestClient {
    pub async fn start(sim: &Simulator, store: &Path, opts: Opts<'_>) -> Self {
        Self::start_at(&sim.url(), store, opts).await
    }

    /// A client of a simulator at `url` (e.g. a `walink sim` process).
    pub async fn start_at(url: &str, store: &Path, opts: Opts<'_>) -> Self {
        let keys = walink::engine::KeySource::File(store.to_path_buf());
        Self::start_on(url, &keys, opts).await
    }

    /// A client of the simulator at `url` on `keys`, wherever they are.
    pub async fn start_on(url: &str, keys: &walink::engine::KeySource, opts: Opts<'_>) -> Self {
        let options = ClientOptions {
            server: Some(url.to_owned()),
            version: Some(SANDBOX_WA_VERSION),
            offline: true,
            push_name: opts.push_name.map(str::to_owned),
            pair_code_phone: opts.pair_phone.map(str::to_owned),
            ..ClientOptions::default()
        };
        let built = client::build(keys, &options, None)
            .await
            .expect("client builds");
        let client = built.bot.client();
        let (tap, raw) = ChannelEventHandler::new();
        let raw_subscription = client.subscribe_handler(tap);
        let handle = built.bot.spawn();
        Self {
            handle: Some(handle),
            events: built.events,
            client,
            raw,
            _subscription: built.subscription,
            _raw_subscription: raw_subscription,
            seen: Vec::new(),
        }
    }

    /// Wait for the first fact that `want` accepts, within `limit`.
    pub async fn wait_for<T>(
        &mut self,
        limit: Duration,
        mut want: impl FnMut(&ClientFact) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let next = tokio::time::timeout_at(deadline, self.events.next_fact()).await;
            match next {
                Ok(Some(fact)) => {
                    if let Some(t) = want(&fact) {
                        self.seen.push(fact);
                        return t;
                    }
                    self.seen.push(fact);
                }
                Ok(None) => panic!("client event feed ended; saw {:?}", self.seen),
                Err(_) => panic!("timed out after {limit:?}; saw {:?}", self.seen),
            }
        }
    }

    pub async fn qr(&mut self) -> String {
        self.wait_for(secs(20), |f| match f {
            ClientFact::QrCode { payload, .. } => Some(payload.clone()),
            _ => None,
        })
        .await
    }

    pub async fn connected(&mut self, limit: Duration) {
        self.wait_for(limit, |f| (*f == ClientFact::Connected).then_some(()))
            .await
    }

    /// The first raw event `want` accepts, within `limit`.
    pub async fn wait_raw<T>(
        &mut self,
        limit: Duration,
        mut want: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.raw.recv()).await {
                Ok(Ok(event)) => {
                    if let Some(t) = want(&event) {
                        return t;
                    }
                }
                Ok(Err(_)) => panic!("client event feed ended"),
                Err(_) => panic!("timed out after {limit:?} waiting for a client event"),
            }
        }
    }

    /// Everything seen so far, in order.
    pub fn seen(&self) -> &[ClientFact] {
        &self.seen
    }

    pub async fn shutdown(&mut self) {
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(secs(10), h.shutdown())
                .await
                .expect("client shuts down");
        }
    }
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub fn store_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(format!("{name}.db"))
}

/// Link a fresh client by QR and wait until it is connected.
pub async fn linked_client(sim: &Simulator, store: &Path) -> TestClient {
    linked_client_of(sim, store, PHONE).await
}

/// Link a fresh client to `phone`'s account by QR, connected.
pub async fn linked_client_of(sim: &Simulator, store: &Path, phone: &str) -> TestClient {
    let mut c = TestClient::start(sim, store, Opts::default()).await;
    let qr = c.qr().await;
    sim.phone(phone)
        .scan_qr(&qr)
        .await
        .expect("phone scans the QR");
    c.connected(secs(40)).await;
    c
}

/// `linked_client_of` against a `walink sim` process at `url`.
pub async fn linked_client_at(
    url: &str,
    sim: &crate::sim_process::SimProcess,
    store: &Path,
    phone: &str,
) -> TestClient {
    let mut c = TestClient::start_at(url, store, Opts::default()).await;
    let qr = c.qr().await;
    let scanned = tokio::task::block_in_place(|| {
        sim.call("POST", &format!("/phone/scan?phone={phone}"), &qr)
    });
    assert_eq!(scanned.0, 200, "{:?}", scanned.1);
    c.connected(secs(40)).await;
    c
}

/// Wait for a simulator event that `want` accepts.
pub async fn sim_event<T>(
    rx: &mut tokio::sync::broadcast::Receiver<walink::sim::SimEvent>,
    limit: Duration,
    mut want: impl FnMut(&walink::sim::SimEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(ev)) => {
                if let Some(t) = want(&ev) {
                    return t;
                }
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("simulator event feed ended: {e}"),
            Err(_) => panic!("timed out after {limit:?} waiting for a simulator event"),
        }
    }
}
