//! `walink sim`: the loopback WhatsApp simulator as its own process, with
//! its HTTP control API (sandbox builds only).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;
use tokio::net::TcpListener;

use super::CliError;
use crate::sim::{SimConfig, Simulator, control};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address for the WhatsApp Web side (ws://ADDR/ws/chat); loopback only
    #[arg(long, default_value = "127.0.0.1:8765", value_name = "ADDR")]
    listen: SocketAddr,
    /// Address for the HTTP control API [default: the next port after --listen]
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,
    /// QR refs offered to each linking client (WhatsApp gives 6)
    #[arg(long, default_value_t = 6)]
    qr_refs: usize,
    /// Delay every frame the simulator sends by this many milliseconds
    /// (one-way latency, as a real network adds) [default: 0]
    #[arg(long, env = "WALINK_SIM_LATENCY_MS", value_name = "N")]
    latency_ms: Option<u64>,
    /// Keep accounts, devices and pre-keys in FILE across restarts, as the
    /// real server does (without it the simulator forgets every device
    /// when it stops, and walink rightly logs them all out)
    #[arg(long, value_name = "FILE")]
    state: Option<std::path::PathBuf>,
}

/// `log_level`: the global `--log-level` (default info: connections,
/// handshakes, faults, closes; debug adds a line per stanza). To stderr.
pub fn run(args: SimArgs, log_level: Option<&str>) -> Result<(), CliError> {
    let filter = tracing_subscriber::EnvFilter::try_new(format!(
        "walink_sim={}",
        log_level.unwrap_or("info")
    ))
    .map_err(|e| CliError::usage(format!("--log-level: {e}")))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    control::check_loopback(&args.listen).map_err(CliError::usage)?;
    // One descriptor per client: thousands of clients need the hard limit.
    match crate::fdlimit::raise() {
        Ok(l) => tracing::info!(soft = l.soft, hard = l.hard, "open-file limit"),
        Err(e) => tracing::warn!("cannot read the open-file limit: {e}"),
    }
    let control_addr = args.control.unwrap_or_else(|| {
        let port = if args.listen.port() == 0 {
            0
        } else {
            args.listen.port().wrapping_add(1)
        };
        SocketAddr::new(args.listen.ip(), port)
    });
    control::check_loopback(&control_addr).map_err(CliError::usage)?;
    let runtime = tokio::runtime::Runtime::new().map_err(CliError::other)?;
    runtime.block_on(serve(args, control_addr))
}

async fn serve(args: SimArgs, control_addr: SocketAddr) -> Result<(), CliError> {
    let mut config = SimConfig::default()
        .with_port(args.listen.port())
        .with_qr_ref_count(args.qr_refs);
    if let Some(ms) = args.latency_ms {
        config = config.with_latency(std::time::Duration::from_millis(ms));
    }
    if let Some(path) = &args.state {
        config = config.with_state_file(path.clone());
    }
    let sim = Simulator::start(config).await.map_err(|e| {
        CliError::other(format!(
            "cannot start the simulator on {}: {e}",
            args.listen
        ))
    })?;
    let listener = TcpListener::bind(control_addr).await.map_err(|e| {
        CliError::other(format!(
            "cannot listen on {control_addr} for the control API: {e}"
        ))
    })?;
    let control_url = format!("http://{}", listener.local_addr().map_err(CliError::other)?);
    // A closed stdout (a script that stopped reading) must not stop the simulator.
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "walink simulator (sandbox): nothing here reaches WhatsApp"
    );
    let _ = writeln!(out, "whatsapp web: {}", sim.url());
    let _ = writeln!(out, "control api: {control_url}");
    let _ = writeln!(
        out,
        "Point walink at it with --server {}. Ctrl-C stops it.",
        sim.url()
    );
    let _ = out.flush();
    let sim = Arc::new(sim);
    tokio::select! {
        served = control::serve(listener, sim.clone()) => {
            served.map_err(|e| CliError::other(format!("the control API stopped: {e}")))?;
        }
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
