//! Running the engine for one headless command, and stopping it cleanly.

use tokio::sync::mpsc;

use super::{CliError, Context, GlobalOpts};
use crate::engine::server::ServerTarget;
use crate::engine::{Command, Engine, EngineConfig, EngineHandle, Update};

/// A started engine and its updates.
pub struct Running {
    pub engine: EngineHandle,
    pub updates: mpsc::Receiver<Update>,
}

/// Check `--server` and `--wa-version` before anything starts.
pub fn config(ctx: &Context, global: &GlobalOpts, restore: bool) -> Result<EngineConfig, CliError> {
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

/// Start the engine on a fresh registry connection (the context keeps its own).
pub fn start(ctx: &Context, config: EngineConfig) -> Result<Running, CliError> {
    let store = crate::store::Store::open(&ctx.data.registry_path()).map_err(CliError::other)?;
    let (engine, updates) = Engine::start(store, config);
    Ok(Running { engine, updates })
}

impl Running {
    /// The next update, or `None` when the engine is gone. Notices go to
    /// stderr here, so every command shows them.
    pub async fn next(&mut self) -> Option<Update> {
        loop {
            match self.updates.recv().await? {
                Update::Notice(text) => eprintln!("walink: {text}"),
                other => return Some(other),
            }
        }
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

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CliError::other(format!("cannot start the async runtime: {e}")))
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
