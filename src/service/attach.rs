//! The control socket's client side: an `EngineHandle` and an update
//! receiver, as `Engine::start` gives, whose other end is `walink serve`.
//! A client's Shutdown never reaches the server: it is answered here.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use super::wire::{Greeting, Hello, PROTOCOL, WireCommand, WireUpdate, mismatch_sentence};
use crate::domain::UnixTime;
use crate::engine::{Command, EngineHandle, ServerLink, Update};

const GREETING_WAIT: Duration = Duration::from_secs(5);
const REATTACH_EVERY: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerInfo {
    pub pid: u32,
    pub started_at: UnixTime,
}

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// Nobody listens: no socket, or a stale one from a killed server.
    #[error("walink serve is not running")]
    NoServer,
    #[error("{0}")]
    Refused(String),
    #[error("cannot talk to walink serve at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One attached connection, greeted.
pub struct Conn {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
    pub info: ServerInfo,
}

pub async fn connect(socket: &Path, client: &str) -> Result<Conn, AttachError> {
    let io = |source| AttachError::Io {
        path: socket.to_path_buf(),
        source,
    };
    let stream = match UnixStream::connect(socket).await {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(AttachError::NoServer);
        }
        Err(e) => return Err(io(e)),
    };
    let (read, mut write) = stream.into_split();
    let hello = Hello {
        protocol: PROTOCOL,
        pid: std::process::id(),
        client: client.to_owned(),
    };
    let text = serde_json::to_string(&hello).unwrap_or_default();
    write_line(&mut write, &text).await.map_err(io)?;
    let mut lines = BufReader::new(read).lines();
    let first = tokio::time::timeout(GREETING_WAIT, lines.next_line())
        .await
        .map_err(|_| {
            io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no greeting within 5 s",
            ))
        })?
        .map_err(io)?;
    let Some(first) = first else {
        return Err(AttachError::NoServer);
    };
    match serde_json::from_str::<Greeting>(&first) {
        Ok(Greeting::Welcome {
            protocol,
            pid,
            started_at,
        }) if protocol == PROTOCOL => Ok(Conn {
            lines,
            write,
            info: ServerInfo { pid, started_at },
        }),
        Ok(Greeting::Welcome { protocol, .. }) => {
            Err(AttachError::Refused(mismatch_sentence(PROTOCOL, protocol)))
        }
        Ok(Greeting::Refused { sentence, .. }) => Err(AttachError::Refused(sentence)),
        // A greeting this walink cannot read comes from another version.
        Err(_) => Err(AttachError::Refused(format!(
            "this walink speaks protocol {PROTOCOL}, the server another: run the same walink version"
        ))),
    }
}

async fn write_line(w: &mut OwnedWriteHalf, line: &str) -> std::io::Result<()> {
    w.write_all(line.as_bytes()).await?;
    w.write_all(b"\n").await?;
    w.flush().await
}

/// What a client does when the server goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnLoss {
    /// The dashboard: say so, and reattach when the server is back.
    Reattach,
    /// A command: the update channel closes.
    End,
}

/// Serve `conn` as an engine handle. The first update is
/// `Update::Server(Attached)`, then the server's snapshot.
pub fn bridge(
    conn: Conn,
    socket: PathBuf,
    client: String,
    on_loss: OnLoss,
) -> (EngineHandle, mpsc::Receiver<Update>) {
    let (handle, commands) = EngineHandle::channel();
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(run(conn, socket, client, on_loss, commands, tx));
    (handle, rx)
}

enum Ended {
    /// The client is done (Shutdown, or it dropped its handle).
    Client,
    Lost,
}

async fn run(
    mut conn: Conn,
    socket: PathBuf,
    client: String,
    on_loss: OnLoss,
    mut commands: mpsc::UnboundedReceiver<Command>,
    tx: mpsc::Sender<Update>,
) {
    loop {
        let attached = ServerLink::Attached {
            pid: conn.info.pid,
            started_at: conn.info.started_at,
        };
        if tx.send(Update::Server(attached)).await.is_err() {
            return;
        }
        if let Ended::Client = serve(&mut conn, &mut commands, &tx).await {
            return;
        }
        tracing::warn!("walink serve went away");
        if on_loss == OnLoss::End {
            return;
        }
        if tx.send(Update::Server(ServerLink::Lost)).await.is_err() {
            return;
        }
        match reattach(&socket, &client, &mut commands, &tx).await {
            Some(c) => conn = c,
            None => return,
        }
    }
}

/// Carry commands out and updates in until one side ends.
async fn serve(
    conn: &mut Conn,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    tx: &mpsc::Sender<Update>,
) -> Ended {
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                None => return Ended::Client,
                Some(Command::Shutdown) => {
                    let _ = tx.send(Update::Stopped).await;
                    return Ended::Client;
                }
                Some(cmd) => {
                    let Some(wire) = WireCommand::from_command(&cmd) else { continue };
                    let text = serde_json::to_string(&wire).unwrap_or_default();
                    if write_line(&mut conn.write, &text).await.is_err() {
                        return Ended::Lost;
                    }
                }
            },
            line = conn.lines.next_line() => match line {
                Ok(Some(line)) => match serde_json::from_str::<WireUpdate>(&line) {
                    Ok(wire) => {
                        if tx.send(wire.into_update(Instant::now())).await.is_err() {
                            return Ended::Client;
                        }
                    }
                    Err(e) => tracing::warn!("ignored a line from walink serve: {e}"),
                },
                Ok(None) | Err(_) => return Ended::Lost,
            },
        }
    }
}

/// Try again until the server is back; commands meanwhile are dropped
/// (the header says the server is away). `None`: the client is done.
async fn reattach(
    socket: &Path,
    client: &str,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    tx: &mpsc::Sender<Update>,
) -> Option<Conn> {
    let mut said = None::<String>;
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                None => return None,
                Some(Command::Shutdown) => {
                    let _ = tx.send(Update::Stopped).await;
                    return None;
                }
                // Not the command itself: a link names a whole number.
                Some(_) => tracing::warn!("a command was not sent: walink serve is away"),
            },
            _ = tokio::time::sleep(REATTACH_EVERY) => match connect(socket, client).await {
                Ok(conn) => return Some(conn),
                Err(AttachError::NoServer) => {}
                Err(e) => {
                    let text = e.to_string();
                    if said.as_deref() != Some(&text) {
                        let _ = tx.send(Update::Notice(text.clone())).await;
                        said = Some(text);
                    }
                }
            },
        }
    }
}
