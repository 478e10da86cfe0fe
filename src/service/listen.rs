//! The control socket's server side: who may attach (the same uid, or
//! root), the greeting, and one reader and one writer task per client.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::hub::{CLIENT_QUEUE, ClientTx, HubMsg, Line, encode};
use super::wire::{Greeting, Hello, PROTOCOL, WireCommand, mismatch_sentence};
use crate::engine::{Command, EngineHandle};

/// A command line longer than this is not from walink.
const MAX_COMMAND_LINE: usize = 64 * 1024;
const HELLO_WAIT: Duration = Duration::from_secs(5);

/// Bind `path` (replacing a stale socket: the caller holds the data
/// directory's lock, so no live server owns it) with mode 0600.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(path)?;
    crate::config::make_private_file(path)?;
    Ok(listener)
}

/// What every accepted client shares.
#[derive(Clone)]
pub struct Accept {
    pub engine: EngineHandle,
    pub hub: mpsc::UnboundedSender<HubMsg>,
    pub welcome: Greeting,
    pub stop: CancellationToken,
}

/// Accept clients until `stop`.
pub async fn accept_loop(listener: UnixListener, accept: Accept) {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    loop {
        tokio::select! {
            _ = accept.stop.cancelled() => break,
            conn = listener.accept() => match conn {
                Ok((stream, _)) => {
                    let id = NEXT.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(client(stream, id, accept.clone()));
                }
                Err(e) => {
                    // EMFILE and friends: wait instead of spinning.
                    tracing::warn!("cannot accept a client on the control socket: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            },
        }
    }
}

/// Who may attach: the server's own user, and root.
fn peer_refusal(stream: &UnixStream) -> Option<String> {
    // SAFETY: getuid has no preconditions and cannot fail.
    let own = unsafe { libc::getuid() };
    match stream.peer_cred() {
        Ok(cred) if cred.uid() == own || cred.uid() == 0 => None,
        Ok(cred) => Some(format!(
            "walink serve runs as uid {own}; uid {} may not attach (run walink as that user, or as root)",
            cred.uid()
        )),
        Err(e) => Some(format!("cannot tell who is attaching: {e}")),
    }
}

async fn send_line(w: &mut (impl AsyncWriteExt + Unpin), line: &str) -> std::io::Result<()> {
    w.write_all(line.as_bytes()).await?;
    w.write_all(b"\n").await?;
    w.flush().await
}

fn greeting_line(g: &Greeting) -> String {
    serde_json::to_string(g).unwrap_or_default()
}

/// Tell a client why not, and leave it.
async fn refuse(write: &mut (impl AsyncWriteExt + Unpin), id: u64, sentence: String) {
    tracing::warn!(client = id, "refused a client: {sentence}");
    let refused = Greeting::Refused {
        protocol: PROTOCOL,
        sentence,
    };
    let _ = send_line(write, &greeting_line(&refused)).await;
}

async fn client(stream: UnixStream, id: u64, accept: Accept) {
    let refusal = peer_refusal(&stream);
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read.take(MAX_COMMAND_LINE as u64)).lines();
    if let Some(sentence) = refusal {
        return refuse(&mut write, id, sentence).await;
    }
    let hello = match tokio::time::timeout(HELLO_WAIT, lines.next_line()).await {
        Ok(Ok(Some(line))) => serde_json::from_str::<Hello>(&line).ok(),
        _ => None,
    };
    let Some(hello) = hello else {
        tracing::warn!(client = id, "a client did not say hello; closed");
        return;
    };
    if hello.protocol != PROTOCOL {
        return refuse(&mut write, id, mismatch_sentence(hello.protocol, PROTOCOL)).await;
    }
    if send_line(&mut write, &greeting_line(&accept.welcome))
        .await
        .is_err()
    {
        return;
    }
    // The hello's byte budget covered the hello only; keep what is buffered.
    let mut reader = lines.into_inner();
    reader.get_mut().set_limit(u64::MAX);
    let mut lines = reader.lines();
    let (tx, mut rx) = mpsc::channel::<Line>(CLIENT_QUEUE);
    let kick = accept.stop.child_token();
    // How other clients read whose attempt this is: "dashboard (pid 9)",
    // "walink pair (pid 12)".
    let label = match hello.client.as_str() {
        "dashboard" => format!("dashboard (pid {})", hello.pid),
        other => format!("walink {other} (pid {})", hello.pid),
    };
    let registered = accept.hub.send(HubMsg::Attach(ClientTx {
        id,
        label: label.clone(),
        lines: tx.clone(),
        kick: kick.clone(),
    }));
    if registered.is_err() {
        return;
    }
    let writer_kick = kick.clone();
    let writer = tokio::spawn(async move {
        loop {
            let line = tokio::select! {
                _ = writer_kick.cancelled() => break,
                line = rx.recv() => match line { Some(l) => l, None => break },
            };
            if send_line(&mut write, &line).await.is_err() {
                break;
            }
        }
        writer_kick.cancel();
    });
    loop {
        let line = tokio::select! {
            _ = kick.cancelled() => break,
            line = lines.next_line() => match line {
                Ok(Some(line)) if line.len() <= MAX_COMMAND_LINE => line,
                _ => break,
            },
        };
        match serde_json::from_str::<WireCommand>(&line) {
            Ok(cmd) => match cmd.into_command(&label) {
                Ok(cmd) => {
                    if accept.engine.send(cmd).await.is_err() {
                        break;
                    }
                }
                // Only this client asked: only this client hears why not.
                Err(answer) => {
                    if let Some(line) = encode(&answer, std::time::Instant::now()) {
                        let _ = tx.try_send(line);
                    }
                }
            },
            Err(e) => tracing::warn!(client = id, "ignored a line a client sent: {e}"),
        }
    }
    kick.cancel();
    let _ = writer.await;
    // Its attempts' codes were on its screen only.
    let _ = accept
        .engine
        .send(Command::ClientGone { by: label.clone() })
        .await;
    tracing::info!(client = id, what = %label, "detached");
}
