//! `walink serve`: the sessions without a terminal, until SIGTERM/SIGINT.
//! Dashboards and commands attach through the control socket.

use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use super::{CliError, Context, GlobalOpts, engine_run};
use crate::engine::{Command, Engine};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ServeArgs {}

pub fn run(ctx: Context, global: &GlobalOpts, _args: ServeArgs) -> Result<(), CliError> {
    let config = engine_run::config(&ctx, global, true)?;
    let socket = ctx.data.socket_path();
    let store = Store::open(&ctx.data.registry_path()).map_err(CliError::other)?;
    let outcome = ctx.rt.block_on(async {
        let mut term = signal(SignalKind::terminate()).map_err(CliError::other)?;
        let mut int = signal(SignalKind::interrupt()).map_err(CliError::other)?;
        let (engine, updates) = Engine::start(store, config);
        let mut serving =
            crate::service::start(socket.clone(), engine.clone(), updates).map_err(|e| {
                CliError::other(format!(
                    "cannot open the control socket {}: {e}",
                    socket.display()
                ))
            })?;
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
