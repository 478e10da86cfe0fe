//! Running the engine for one headless command, and stopping it cleanly.

use tokio::sync::mpsc;

use super::{CliError, Context, GlobalOpts};
use crate::engine::server::ServerTarget;
use crate::engine::{Command, Engine, EngineConfig, EngineHandle, Update};
use crate::service::attach::{self, OnLoss, ServerInfo};

/// A started engine, or a server attached to, and its updates.
pub struct Running {
    pub engine: EngineHandle,
    pub updates: mpsc::Receiver<Update>,
    pub server: Option<ServerInfo>,
}

/// Check `--server` and `--wa-version` before anything starts.
/// Attached, the server's own settings apply and these are not read.
pub fn config(ctx: &Context, global: &GlobalOpts, restore: bool) -> Result<EngineConfig, CliError> {
    if ctx.server.is_some() {
        return Ok(EngineConfig::new(ctx.data.clone(), ServerTarget::unused()));
    }
    let server = ServerTarget::parse(global.server.as_deref()).map_err(CliError::usage)?;
    let mut config = EngineConfig::new(ctx.data.clone(), server);
    config.restore = restore;
    config.fd_limit = ctx.fd_limit;
    if let Some(v) = &global.wa_version {
        config.wa_version = Some(parse_version(v).map_err(CliError::usage)?);
    }
    Ok(config)
}

pub fn parse_version(raw: &str) -> Result<(u32, u32, u32), String> {
    let parts: Vec<u32> = raw
        .split('.')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    match parts[..] {
        [a, b, c] if raw.split('.').count() == 3 => Ok((a, b, c)),
        _ => Err(format!(
            "--wa-version takes three numbers like 2.3000.1023456789, not {raw:?}"
        )),
    }
}

/// The server's sessions when attached (`config` is then the server's
/// business), else an engine of our own on a fresh registry connection.
pub fn start(
    ctx: &mut Context,
    config: EngineConfig,
    on_loss: OnLoss,
) -> Result<Running, CliError> {
    let _rt = ctx.rt.enter();
    if let Some(conn) = ctx.conn.take() {
        let server = Some(conn.info);
        let (engine, updates) =
            attach::bridge(conn, ctx.data.socket_path(), ctx.client.clone(), on_loss);
        return Ok(Running {
            engine,
            updates,
            server,
        });
    }
    let store = crate::store::open(&ctx.data).map_err(CliError::other)?;
    let (engine, updates) = Engine::start(store, config);
    Ok(Running {
        engine,
        updates,
        server: None,
    })
}

impl Running {
    /// The next update, or `None` when the engine is gone. Notices go to
    /// stderr here, so every command shows them.
    pub async fn next(&mut self) -> Option<Update> {
        loop {
            match self.updates.recv().await? {
                Update::Notice(text) => eprintln!("walink: {text}"),
                Update::Server(_) => {}
                other => return Some(other),
            }
        }
    }

    /// Why updates stopped before the command's answer came.
    pub fn gone(&self) -> CliError {
        CliError::other(match self.server {
            Some(_) => {
                "walink serve went away before answering; see its log, start it again and retry"
            }
            None => "the session engine stopped unexpectedly; see the log",
        })
    }

    /// Stop every session (flushing keys) within a deadline.
    pub async fn stop(mut self) {
        if self.engine.send(Command::Shutdown).await.is_err() {
            return;
        }
        let _ = tokio::time::timeout(crate::engine::STOP_WAIT, async {
            while let Some(u) = self.updates.recv().await {
                if u == Update::Stopped {
                    break;
                }
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert_eq!(
            super::parse_version("2.3000.1042742319"),
            Ok((2, 3000, 1_042_742_319))
        );
        assert!(super::parse_version("2.3000").is_err());
        assert!(super::parse_version("2.x.1").is_err());
        assert!(super::parse_version("1.2.3.4").is_err());
    }
}
