//! The control socket's rules, on a real socket: who may speak which
//! protocol, and that a client who stops reading never holds the others.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant, SystemTime};

use walink::domain::SessionState;
use walink::engine::{EngineHandle, LogEntry, Update};
use walink::service::attach::OnLoss;
use walink::service::wire::{Greeting, PROTOCOL};

use crate::common::{TempDataDir, stderr, walink};
use crate::serve::Attached;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_another_protocol_is_told_in_one_sentence() {
    let dir = TempDataDir::new();
    std::fs::create_dir_all(&dir.path).expect("dir");
    let socket = dir.path.join("walink.sock");
    let (engine, _commands) = EngineHandle::channel();
    let (_updates_tx, updates) = tokio::sync::mpsc::channel(16);
    let serving = walink::service::start(socket.clone(), engine, updates).expect("listen");

    let answer = tokio::task::spawn_blocking(move || {
        let mut s = UnixStream::connect(&socket).expect("connect");
        s.write_all(b"{\"protocol\":999,\"pid\":1,\"client\":\"future\"}\n")
            .expect("hello");
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).expect("answer");
        line
    })
    .await
    .expect("client");
    let greeting: Greeting = serde_json::from_str(&answer).expect("a greeting");
    assert_eq!(
        greeting,
        Greeting::Refused {
            protocol: PROTOCOL,
            sentence: format!(
                "this walink speaks protocol 999, the server {PROTOCOL}: run the same walink version"
            ),
        }
    );
    serving.close();
}

#[test]
fn a_command_facing_a_server_of_another_protocol_exits_1() {
    let dir = TempDataDir::new();
    std::fs::create_dir_all(&dir.path).expect("dir");
    // A server from a newer walink: it welcomes with its own version.
    let listener = UnixListener::bind(dir.path.join("walink.sock")).expect("bind");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut hello = String::new();
        BufReader::new(s.try_clone().expect("clone"))
            .read_line(&mut hello)
            .expect("hello");
        let welcome = format!(
            "{{\"welcome\":{{\"protocol\":{},\"pid\":1,\"started_at\":0}}}}\n",
            PROTOCOL + 1
        );
        s.write_all(welcome.as_bytes()).expect("welcome");
        hello
    });
    let out = walink(&dir.path, &["status"]);
    let hello = server.join().expect("fake server");
    assert!(
        hello.contains(&format!("\"protocol\":{PROTOCOL}")),
        "{hello}"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "walink: this walink speaks protocol {PROTOCOL}, the server {}: run the same walink version",
            PROTOCOL + 1
        )
    );
}

/// Whole milliseconds: what the wire carries.
fn at() -> SystemTime {
    walink::service::convert::from_ms(1_795_000_000_000)
}

fn busy(company: i64, n: usize) -> Update {
    // A log line of some size, so a stalled socket fills quickly.
    Update::Logged {
        company,
        entry: LogEntry {
            at: at(),
            kind: "state".into(),
            detail: format!("update {n} {}", "x".repeat(900)),
            reason: None,
            raw: None,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_dropped_and_never_slows_the_others() {
    let dir = TempDataDir::new();
    std::fs::create_dir_all(&dir.path).expect("dir");
    let socket = dir.path.join("walink.sock");
    let (engine, _commands) = EngineHandle::channel();
    let (updates_tx, updates) = tokio::sync::mpsc::channel(1024);
    let serving = walink::service::start(socket.clone(), engine, updates).expect("listen");
    updates_tx
        .send(Update::Snapshot(Vec::new()))
        .await
        .expect("snapshot");

    // A frozen SSH session: it says hello and never reads again.
    let frozen_socket = socket.clone();
    let mut frozen = tokio::task::spawn_blocking(move || {
        let mut s = UnixStream::connect(&frozen_socket).expect("connect");
        s.write_all(b"{\"protocol\":1,\"pid\":2,\"client\":\"frozen\"}\n")
            .expect("hello");
        s
    })
    .await
    .expect("frozen client");
    let mut reader = Attached::to(&socket, OnLoss::End).await;
    reader
        .until(5, |u| matches!(u, Update::Snapshot(_)).then_some(()))
        .await;

    // 200 sessions changing state, again and again.
    let total = 20_000;
    let mut worst = Duration::ZERO;
    for n in 0..total {
        let company = (n % 200) as i64;
        let u = if n % 2 == 0 {
            busy(company, n)
        } else {
            Update::StateChanged {
                company,
                state: SessionState::Connecting,
                since: at(),
            }
        };
        let sent = Instant::now();
        updates_tx.send(u.clone()).await.expect("hub runs");
        if n % 1000 == 0 {
            reader.until(5, |x| (*x == u).then_some(())).await;
            worst = worst.max(sent.elapsed());
        }
    }
    assert!(
        worst < Duration::from_secs(1),
        "an update took {worst:?} to reach a reading client"
    );

    // The frozen one was cut off: what it can still read ends in EOF.
    let drained = tokio::task::spawn_blocking(move || {
        frozen
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        std::io::copy(&mut frozen, &mut std::io::sink())
    })
    .await
    .expect("drain");
    let bytes = drained.expect("the server closed the stalled client");
    assert!(
        bytes < (total as u64) * 900,
        "the stalled client was not dropped: it got {bytes} bytes"
    );
    // The reading client stayed attached.
    let last = Update::Notice("still here".into());
    updates_tx.send(last.clone()).await.expect("hub runs");
    reader.until(5, |x| (*x == last).then_some(())).await;
    serving.close();
}
