//! Building one real whatsapp-rust client for one company session.

use thiserror::Error;
use whatsapp_rust::bot::Bot;
use whatsapp_rust::http::{HttpClient, HttpRequest, HttpResponse};
use whatsapp_rust::pair_code::PairCodeOptions;
use whatsapp_rust::prelude::{ChannelEventHandler, SqliteStore, Subscription};
use whatsapp_rust::wacore::store::DevicePropsOverride;
use whatsapp_rust::wacore::store::traits::Backend;
use whatsapp_rust::waproto::whatsapp::device_props::PlatformType;

use super::keys::KeySource;
use super::server::{SANDBOX_WA_VERSION, ServerTarget};
use super::translate::WaEvents;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("cannot open the session file {path}: {cause}")]
    Store { path: String, cause: String },
    #[error("the WhatsApp client could not start: {0}")]
    Build(String),
    /// The file is there but is not an SQLite database: opening it would
    /// only retry for 30 s.
    #[error("the session file {path} is not a database (its first bytes are not SQLite's)")]
    Damaged { path: String },
}

/// How to build a client; everything else is whatsapp-rust's default.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub server: Option<String>,
    /// `None`: let whatsapp-rust fetch the current version (real builds), or
    /// the fixed sandbox one.
    pub version: Option<(u32, u32, u32)>,
    /// No HTTP at all: the sandbox, and every test.
    pub offline: bool,
    pub push_name: Option<String>,
    /// E.164 digits: ask for a pairing code once the socket is up.
    pub pair_code_phone: Option<String>,
    /// This client may pair a new device (a link), not only log one in.
    pub pairing: bool,
    /// The session's way out: its proxy, read at every connect.
    pub route: super::route::Route,
}

impl ClientOptions {
    pub fn for_target(target: &ServerTarget) -> Self {
        let sandbox = super::server::SANDBOX;
        Self {
            server: target.url().map(str::to_owned),
            version: sandbox.then_some(SANDBOX_WA_VERSION),
            offline: sandbox,
            ..Self::default()
        }
    }
}

/// A built, not yet running, client plus the feed of its events.
pub struct BuiltClient {
    pub bot: Bot,
    pub events: WaEvents,
    /// Dropping it unsubscribes the feed.
    pub subscription: Subscription,
}

/// `keeper`, when given, keeps each inbound message before it is acked.
pub async fn build(
    keys: &KeySource,
    opts: &ClientOptions,
    keeper: Option<super::inbound::Keeper>,
) -> Result<BuiltClient, ClientError> {
    let backend = backend(keys).await?;
    let transport = super::route::RoutedSocket::new(opts.server.as_deref(), opts.route.clone());
    let mut builder = Bot::builder()
        .with_backend_arc(backend)
        .with_transport_factory(transport)
        .with_runtime(super::runtime::Coalesced)
        .skip_history_sync();
    if let Some(v) = opts.version {
        builder = builder.with_version(v);
    }
    // Tests only: a real session takes the account's own name from WhatsApp
    // (a set name is sent as the account's push name on every reconnect).
    if let Some(name) = &opts.push_name {
        builder = builder.with_push_name(name.clone());
    }
    // What the phone's Linked devices list shows for this companion. The
    // props go only into a pairing's registration and are not stored with
    // the keys; set on a restore they only cost the device's row a write.
    if opts.pairing {
        builder = builder.with_device_props(
            DevicePropsOverride::new()
                .with_os("walink")
                .with_platform_type(PlatformType::DESKTOP),
        );
    }
    if let Some(keeper) = keeper {
        builder = builder.with_inbound_durability_hook(keeper);
    }
    if let Some(phone) = &opts.pair_code_phone {
        builder = builder.with_pair_code(PairCodeOptions {
            phone_number: phone.clone(),
            ..PairCodeOptions::default()
        });
    }
    let bot = if opts.offline {
        builder.with_http_client(OfflineHttp).build().await
    } else {
        builder
            .with_http_client(super::route::RoutedHttp::new(opts.route.clone()))
            .build()
            .await
    }
    .map_err(|e| ClientError::Build(e.to_string()))?;

    let (handler, events) = ChannelEventHandler::new();
    let subscription = bot.client().subscribe_handler(handler);
    Ok(BuiltClient {
        bot,
        events: WaEvents::new(events),
        subscription,
    })
}

/// The keys as whatsapp-rust's store: a file's checked and made private
/// first, a device in `keys.db` opened now (so one that cannot be opened
/// fails here with its path, not inside whatsapp-rust's start).
async fn backend(keys: &KeySource) -> Result<std::sync::Arc<dyn Backend>, ClientError> {
    let file = match keys {
        KeySource::File(path) => path.as_path(),
        KeySource::Shared { store, .. } => store.path(),
        KeySource::Postgres(keys) => return Ok(std::sync::Arc::new(keys.clone())),
    };
    let path = file.to_string_lossy().into_owned();
    if crate::keystore::is_damaged(file) {
        return Err(ClientError::Damaged { path });
    }
    let cause = |e: String| ClientError::Store {
        path: path.clone(),
        cause: e,
    };
    let backend: std::sync::Arc<dyn Backend> = match keys {
        KeySource::Shared { store, device } => {
            let device = i32::try_from(*device).map_err(|e| cause(e.to_string()))?;
            let keys = store.device_keys(device);
            keys.open().await.map_err(|e| cause(e.to_string()))?;
            std::sync::Arc::new(keys)
        }
        _ => std::sync::Arc::new(
            SqliteStore::new(&path)
                .await
                .map_err(|e| cause(e.to_string()))?,
        ),
    };
    crate::config::make_private_file(file).map_err(|e| cause(e.to_string()))?;
    Ok(backend)
}

/// Refuses every request: proves a sandbox session never leaves the machine.
#[derive(Debug, Clone, Copy)]
pub struct OfflineHttp;

#[whatsapp_rust::async_trait]
impl HttpClient for OfflineHttp {
    async fn execute(&self, request: HttpRequest) -> whatsapp_rust::anyhow::Result<HttpResponse> {
        tracing::warn!(url = %request.url, "refused an HTTP request in offline mode");
        Err(whatsapp_rust::anyhow::anyhow!(
            "walink is offline (sandbox): no HTTP to {}",
            request.url
        ))
    }
}
