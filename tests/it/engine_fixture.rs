//! The engine on a temp data directory against a simulator, and waiting for
//! its updates with timeouts.

use std::time::Duration;

use walink::config::DataDir;
use walink::domain::{
    AttemptId, DisplayName, FailureReason, LinkMethod, Phone, SessionState, Slug,
};
use walink::engine::server::ServerTarget;
use walink::engine::{Command, Engine, EngineConfig, EngineHandle, Update};
use walink::sim::Simulator;
use walink::store::Store;

use crate::common::TempDataDir;
use crate::wa::{PHONE, secs};

pub struct Fixture {
    /// Kept so the data directory lives as long as the fixture.
    pub _dir: TempDataDir,
    pub data: DataDir,
    pub company: i64,
    pub engine: EngineHandle,
    pub updates: tokio::sync::mpsc::Receiver<Update>,
    pub seen: Vec<Update>,
}

pub fn data_with_company(dir: &TempDataDir) -> (DataDir, i64) {
    let data = DataDir::resolve(Some(dir.path.clone())).expect("data dir");
    data.ensure().expect("ensure");
    let mut store = Store::open(&data.registry_path()).expect("registry");
    let slug = Slug::parse("acme").expect("slug");
    let id = match store.company("acme") {
        Ok(c) => c.id,
        Err(_) => {
            store
                .add_company(&slug, &DisplayName::parse("Acme LLC").expect("name"))
                .expect("add")
                .id
        }
    };
    (data, id)
}

/// A company's keys in the layout before `keys.db` (a whatsapp-rust store
/// of its own, one unpaired device): the engine imports it at start.
pub async fn old_layout_keys(data: &DataDir, slug: &str) {
    use whatsapp_rust::wacore::store::traits::DeviceStore;
    std::fs::create_dir_all(data.sessions_dir()).expect("sessions dir");
    let path = data.session_file(slug);
    let store = whatsapp_rust::prelude::SqliteStore::new(&path.to_string_lossy())
        .await
        .expect("key file");
    store.create().await.expect("device");
}

pub fn start_engine(
    sim: &Simulator,
    data: &DataDir,
) -> (EngineHandle, tokio::sync::mpsc::Receiver<Update>) {
    start_engine_at(&sim.url(), data, |_| {})
}

/// An engine at any loopback URL (a closed port too), with its settings
/// adjusted by `tune`.
pub fn start_engine_at(
    url: &str,
    data: &DataDir,
    tune: impl FnOnce(&mut EngineConfig),
) -> (EngineHandle, tokio::sync::mpsc::Receiver<Update>) {
    let store = Store::open(&data.registry_path()).expect("registry");
    let server = ServerTarget::parse(Some(url)).expect("loopback server");
    let mut config = EngineConfig::new(data.clone(), server);
    tune(&mut config);
    Engine::start(store, config)
}

/// What a phone's account is called; WhatsApp sends it at pairing.
pub const ACCOUNT_NAME: &str = "Acme Salon";

impl Fixture {
    pub async fn new(sim: &Simulator) -> Self {
        Self::at(&sim.url(), |_| {}).await
    }

    /// A fixture whose engine talks to `url` with tuned settings.
    pub async fn at(url: &str, tune: impl FnOnce(&mut EngineConfig)) -> Self {
        let dir = TempDataDir::new();
        let (data, company) = data_with_company(&dir);
        let (engine, updates) = start_engine_at(url, &data, tune);
        Self::attach(dir, data, company, engine, updates).await
    }

    /// A fixture over an engine already started on `data` (which `dir`, or
    /// the test, keeps).
    pub async fn attach(
        dir: TempDataDir,
        data: DataDir,
        company: i64,
        engine: EngineHandle,
        updates: tokio::sync::mpsc::Receiver<Update>,
    ) -> Self {
        let mut f = Self {
            _dir: dir,
            data,
            company,
            engine,
            updates,
            seen: Vec::new(),
        };
        f.wait(secs(5), |u| matches!(u, Update::Snapshot(_)).then_some(()))
            .await;
        f
    }

    /// Wait for the first update `want` accepts (within `limit`).
    pub async fn wait<T>(
        &mut self,
        limit: Duration,
        mut want: impl FnMut(&Update) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.updates.recv()).await {
                Ok(Some(u)) => {
                    let got = want(&u);
                    self.seen.push(u);
                    if let Some(t) = got {
                        return t;
                    }
                }
                Ok(None) => panic!("engine updates ended; saw {:#?}", self.states()),
                Err(_) => panic!(
                    "timed out after {limit:?}; states so far {:?}",
                    self.states()
                ),
            }
        }
    }

    pub async fn state(
        &mut self,
        limit: Duration,
        want: fn(&SessionState) -> bool,
    ) -> SessionState {
        self.wait(limit, |u| match u {
            Update::StateChanged { state, .. } if want(state) => Some(state.clone()),
            _ => None,
        })
        .await
    }

    /// The session states reported so far, in order.
    pub fn states(&self) -> Vec<&'static str> {
        self.seen
            .iter()
            .filter_map(|u| match u {
                Update::StateChanged { state, .. } => Some(state.key()),
                _ => None,
            })
            .collect()
    }

    pub async fn link(&self, attempt: u64, method: LinkMethod, force: bool) {
        self.link_through(attempt, method, force, None).await;
    }

    /// `link`, as the invitation page asks: through invitation `invitation`.
    pub async fn link_through(
        &self,
        attempt: u64,
        method: LinkMethod,
        force: bool,
        invitation: Option<i64>,
    ) {
        let cmd = Command::Link {
            company: self.company,
            attempt: AttemptId(attempt),
            method,
            force,
            by: "test".into(),
            invitation,
        };
        self.engine.send(cmd).await.expect("engine running");
    }

    pub async fn shutdown(&mut self) {
        self.engine
            .send(Command::Shutdown)
            .await
            .expect("engine running");
        self.wait(secs(10), |u| matches!(u, Update::Stopped).then_some(()))
            .await;
    }

    /// Restart the engine on the same data directory (at `url`).
    pub async fn restart_at(&mut self, url: &str, tune: impl FnOnce(&mut EngineConfig)) {
        self.shutdown().await;
        self.start_again(url, tune);
    }

    /// A new engine on this data directory, after `shutdown`.
    pub fn start_again(&mut self, url: &str, tune: impl FnOnce(&mut EngineConfig)) {
        let (engine, updates) = start_engine_at(url, &self.data, tune);
        self.engine = engine;
        self.updates = updates;
        self.seen.clear();
    }

    /// The next pairing code the engine shows, as the admin reads it.
    pub async fn code_issued(&mut self, limit: Duration) -> String {
        self.wait(limit, |u| match u {
            Update::CodeIssued { code, .. } => Some(code.as_str().to_owned()),
            _ => None,
        })
        .await
    }

    /// The next QR code the engine shows, as the phone would scan it.
    pub async fn qr_issued(&mut self, limit: Duration) -> String {
        self.wait(limit, |u| match u {
            Update::QrIssued { payload, .. } => Some(payload.clone()),
            _ => None,
        })
        .await
    }

    pub async fn failure(&mut self, limit: Duration) -> FailureReason {
        self.wait(limit, |u| match u {
            Update::Failed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await
    }

    pub fn store(&self) -> Store {
        Store::open(&self.data.registry_path()).expect("registry")
    }
}

pub fn code_method() -> LinkMethod {
    LinkMethod::Code {
        phone: Phone::parse(PHONE, None).expect("phone"),
    }
}

/// Link by QR through the engine and wait for Connected.
pub async fn link_by_qr(sim: &Simulator, f: &mut Fixture) -> String {
    link_by_qr_through(sim, f, None).await
}

/// `link_by_qr`, through an invitation when one is given.
pub async fn link_by_qr_through(
    sim: &Simulator,
    f: &mut Fixture,
    invitation: Option<i64>,
) -> String {
    f.link_through(1, LinkMethod::Qr, false, invitation).await;
    let qr = f.qr_issued(secs(20)).await;
    let phone = sim.phone(PHONE);
    phone.set_push_name(Some(ACCOUNT_NAME));
    phone.scan_qr(&qr).await.expect("scan");
    let jid = f
        .wait(secs(10), |u| match u {
            Update::Linked { jid, .. } => Some(jid.clone()),
            _ => None,
        })
        .await;
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    jid
}
