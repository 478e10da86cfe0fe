//! `walink serve`: the sessions without a terminal, until SIGTERM/SIGINT.
//! Dashboards and commands attach through the control socket.

use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use super::{CliError, Context, GlobalOpts, engine_run};
use crate::engine::{Command, Engine};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Also serve the HTTP API on this address, e.g. 127.0.0.1:8080
    /// (loopback unless --behind-proxy)
    #[arg(long, value_name = "ADDR")]
    http: Option<std::net::SocketAddr>,
    /// A TLS proxy is in front: let --http listen beyond loopback
    #[arg(long, requires = "http")]
    behind_proxy: bool,
    /// Let a web page from this origin call the API (repeatable; exactly
    /// these origins, with preflight) [default: none]
    #[arg(long, value_name = "URL", requires = "http")]
    cors_origin: Vec<String>,
    /// Serve the API over HTTPS with this PEM certificate (chain)
    #[arg(long, value_name = "PEM", requires_all = ["http", "tls_key"])]
    tls_cert: Option<std::path::PathBuf>,
    /// … and this PEM private key
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// The base URL companies' browsers reach this API at, for invitation
    /// links (e.g. https://walink.example.com behind your proxy)
    /// [default: the --http address]
    #[arg(long, env = "WALINK_PUBLIC_URL", value_name = "URL", requires = "http")]
    public_url: Option<String>,
    /// Open connections one client address may hold, event streams
    /// included (off with --behind-proxy: every connection is the proxy's)
    #[arg(long, value_name = "N", default_value_t = crate::http::PER_ADDRESS, requires = "http")]
    connections_per_address: usize,
    /// The send guard: messages one number may send in any minute
    #[arg(long, value_name = "N", default_value_t = crate::domain::send_guard::SendLimits::default().per_minute,
          value_parser = clap::value_parser!(u32).range(1..))]
    send_per_minute: u32,
    /// … and chats it may start in any 24 h with people who never wrote back
    #[arg(long, value_name = "N", default_value_t = crate::domain::send_guard::SendLimits::default().new_chats_per_day,
          value_parser = clap::value_parser!(u32).range(1..))]
    new_chats_per_day: u32,
    /// How long messages are kept, then forgotten: 12h, 7d, 30d
    #[arg(long, value_name = "DURATION", default_value = "7d",
          value_parser = |raw: &str| crate::engine::sending::duration_secs(raw))]
    keep_messages: i64,
    /// The proxy every company's session leaves through unless it has its
    /// own (`walink company set SLUG --proxy`): socks5://[user:pass@]host:port,
    /// socks5h://…, http://[user:pass@]host:port
    #[arg(long, env = "WALINK_PROXY", value_name = "URL",
          value_parser = |raw: &str| crate::domain::ProxyUrl::parse(raw).map_err(|e| e.to_string()))]
    proxy: Option<crate::domain::ProxyUrl>,
    /// Share the companies with other hosts over this PostgreSQL database,
    /// postgres://user[:password]@host[:port]/dbname: the registry and the
    /// keys live there, and each host runs the companies whose lease it
    /// holds. The data directory remembers it for later starts and commands
    #[arg(long, env = "WALINK_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// This host's name among them [default: the machine's hostname]
    #[arg(long, value_name = "NAME", requires = "database")]
    host_id: Option<String>,
    /// Sessions this host runs at most, with a database
    #[arg(long, value_name = "N", default_value_t = 1000)]
    capacity: u32,
}

pub fn run(mut ctx: Context, global: &GlobalOpts, args: ServeArgs) -> Result<(), CliError> {
    if let Some(addr) = args.http {
        crate::http::check_addr(addr, args.behind_proxy, args.tls_cert.is_some())
            .map_err(CliError::usage)?;
    }
    // Only an explicit one: see `Api::country`.
    let country = global
        .country
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(crate::domain::country::parse_country)
        .transpose()
        .map_err(|e| CliError::usage(format!("--country: {e}")))?;
    let origins = args
        .cors_origin
        .iter()
        .map(|o| crate::http::parse_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::usage(format!("--cors-origin: {e}")))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(crate::http::tls::config(cert, key).map_err(CliError::usage)?)
        }
        _ => None,
    };
    let public_url = args
        .public_url
        .as_deref()
        .map(crate::invite::check_public_url)
        .transpose()
        .map_err(|e| CliError::usage(format!("--public-url: {e}")))?;
    let mut config = engine_run::config(&ctx, global, true)?;
    config.keep_messages = std::time::Duration::from_secs(args.keep_messages as u64);
    let shared = match args.database {
        Some(url) => Some(crate::store::SharedDatabase {
            url,
            host: host_id(args.host_id, &ctx)?,
        }),
        None => crate::store::remembered(&ctx.data).map_err(CliError::other)?,
    };
    if let Some(shared) = shared {
        config.hosts = Some(ctx.rt.block_on(hosts(&shared, args.capacity))?);
        // From now on this directory's registry is the database's.
        crate::store::remember(&ctx.data, &shared).map_err(CliError::other)?;
        ctx.store = crate::store::open(&ctx.data).map_err(CliError::other)?;
        if let Some(h) = &config.hosts {
            super::bring::bring_along(&mut ctx, &h.leases, h.capacity);
        }
    }
    // Every client's sends (the API's, `walink send`'s) read them here.
    let limits = crate::domain::send_guard::SendLimits {
        per_minute: args.send_per_minute,
        new_chats_per_day: args.new_chats_per_day,
    };
    crate::engine::sending::set_limits(ctx.store.as_ref(), limits).map_err(CliError::other)?;
    ctx.store
        .set_serve_proxy(args.proxy.as_ref())
        .map_err(CliError::other)?;
    if let Some(p) = &args.proxy {
        tracing::info!(proxy = %p, "companies without a proxy of their own leave through this one");
    }
    config.proxy = args.proxy;
    let socket = ctx.data.socket_path();
    // One handle for the engine, webhooks and the API (see `registry`).
    let db = registry(&ctx, config.hosts.is_some())?;
    // Event ids go on from the last one kept, so readers resume across restarts.
    let first_event = db
        .blocking(|s| s.last_api_event())
        .map_err(CliError::other)? as u64
        + 1;
    let outcome = ctx.rt.block_on(async {
        let mut term = signal(SignalKind::terminate()).map_err(CliError::other)?;
        let mut int = signal(SignalKind::interrupt()).map_err(CliError::other)?;
        let relay = config.hosts.as_ref().map(|h| crate::service::relay::Relay {
            db: h.leases.database().clone(),
            host: h.leases.host().to_owned(),
        });
        let (engine, updates) = Engine::start(db.clone(), config);
        let mut serving =
            crate::service::start_at(socket.clone(), engine.clone(), updates, first_event).map_err(|e| {
                CliError::other(format!(
                    "cannot open the control socket {}: {e}",
                    socket.display()
                ))
            })?;
        let http_stop = tokio_util::sync::CancellationToken::new();
        crate::webhook::start(
            db.clone(),
            &serving.view,
            serving.publisher.clone(),
            http_stop.clone(),
        );
        if let Some(relay) = relay {
            crate::service::relay::start(relay, &serving.view, serving.publisher.clone(), http_stop.clone());
        }
        if let Some(addr) = args.http {
            // The API answers from the server's view: not before it holds
            // every company, or a request right after start gets a 404.
            first_snapshot(&serving.view).await;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| CliError::other(format!("cannot listen on {addr} for the HTTP API: {e}")))?;
            let bound = listener.local_addr().map_err(CliError::other)?;
            let mut api = crate::http::Api::new(
                engine.clone(),
                serving.view.clone(),
                db.clone(),
                http_stop.clone(),
            );
            api.behind_proxy = args.behind_proxy;
            api.per_address = args.connections_per_address;
            api.country = country.clone();
            let scheme = match tls {
                Some(config) => {
                    let listener =
                        crate::http::tls::TlsListener::new(listener, config).map_err(CliError::other)?;
                    tokio::spawn(crate::http::serve(listener, api, origins, http_stop.clone()));
                    "https"
                }
                None => {
                    tokio::spawn(crate::http::serve(listener, api, origins, http_stop.clone()));
                    "http"
                }
            };
            // Where `walink invite` points companies, unless it is told.
            let base = public_url.clone().unwrap_or_else(|| format!("{scheme}://{bound}"));
            if let Err(e) = ctx.store.set_setting(crate::invite::PUBLIC_URL, &base) {
                tracing::error!("cannot record the public URL: {e}");
            }
            tracing::info!(%bound, scheme, "HTTP API listening");
            eprintln!("walink serve: HTTP API on {scheme}://{bound}");
        }
        tracing::info!(pid = std::process::id(), socket = %socket.display(), "walink serve started");
        eprintln!(
            "walink serve: pid {}, sessions of {}; dashboards and commands attach to {}",
            std::process::id(),
            ctx.data.root().display(),
            socket.display()
        );
        let why = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
            _ = &mut serving.hub => {
                serving.close();
                return Err(CliError::other("the session engine stopped unexpectedly; see the log"));
            }
        };
        http_stop.cancel();
        tracing::info!("stopping every session ({why})");
        eprintln!("walink serve: stopping every session ({why})…");
        let _ = engine.send(Command::Shutdown).await;
        let stopped = tokio::time::timeout(crate::engine::STOP_WAIT, &mut serving.hub).await;
        serving.close();
        match stopped {
            Ok(_) => {
                tracing::info!("every session stopped");
                Ok(())
            }
            Err(_) => Err(CliError::other(
                "some sessions did not stop within the deadline; see the log",
            )),
        }
    });
    ctx.close();
    outcome
}

/// The registry's connections for the engine, webhooks and the API: one
/// SQLite connection, so their writes queue on its lock instead of in
/// SQLite's busy handler (which sleeps up to 100 ms a try); or a few to the
/// hosts' database, which takes writes side by side (a restore of many
/// sessions would wait on one).
fn registry(ctx: &Context, shared: bool) -> Result<crate::store::Db, CliError> {
    let n = if shared { REGISTRY_CONNECTIONS } else { 1 };
    let all = (0..n)
        .map(|_| crate::store::open(&ctx.data))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::other)?;
    Ok(crate::store::Db::many(all))
}

/// Connections to the shared registry a host keeps.
const REGISTRY_CONNECTIONS: usize = 4;

/// Until the engine's first update (its snapshot of every company) is in
/// the view; at most 30 s, then the API starts anyway and says so.
async fn first_snapshot(view: &crate::service::hub::View) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while view.read(|m| m.version()) == 0 {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(
                "the sessions' first snapshot took over 30 s; the API starts without it"
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// This host's part among the hosts sharing the database.
async fn hosts(
    shared: &crate::store::SharedDatabase,
    capacity: u32,
) -> Result<crate::engine::HostsConfig, CliError> {
    let db = walink_hosts::Database::connect(&shared.url)
        .await
        .map_err(|e| CliError::other(format!("--database: {e}")))?;
    let host = shared.host.clone();
    tracing::info!(
        host,
        capacity,
        "sharing the companies with the hosts of the database"
    );
    let leases = walink_hosts::Leases::new(db, host, walink_hosts::LEASE);
    Ok(crate::engine::HostsConfig { leases, capacity })
}

/// `--host-id`, else the name this directory's host had, else the hostname.
fn host_id(given: Option<String>, ctx: &Context) -> Result<String, CliError> {
    if let Some(id) = given.filter(|id| !id.trim().is_empty()) {
        return Ok(id);
    }
    if let Ok(Some(shared)) = crate::store::remembered(&ctx.data) {
        return Ok(shared.host);
    }
    hostname().ok_or_else(|| {
        CliError::usage("this machine has no hostname to name the host by: give --host-id")
    })
}

fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length, which is passed.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0)?;
    (rc == 0 && end > 0).then(|| String::from_utf8_lossy(&buf[..end]).into_owned())
}
