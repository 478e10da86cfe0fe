//! Webhooks from `walink serve` to a receiver on loopback: signed, retried
//! (across a restart), and unsubscribed by a 410.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use walink::engine::Update;
use walink::service::attach::OnLoss;

use crate::cli_pair::Pairing;
use crate::common::{TempDataDir, stdout, walink};
use crate::serve::{Attached, Serve};
use crate::sim_process::SimProcess;
use crate::wa::PHONE;

/// One request as the receiver saw it.
#[derive(Debug)]
pub struct Got {
    signature: String,
    pub body: String,
    pub answered: u16,
}

/// An HTTP receiver answering with `next` statuses (then 200).
pub struct Receiver {
    pub url: String,
    got: mpsc::Receiver<Got>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    pub fn start(answers: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let answers = Arc::new(Mutex::new(
            answers.iter().rev().copied().collect::<Vec<_>>(),
        ));
        let (tx, got) = mpsc::channel();
        let queue = answers.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let (mut length, mut signature) = (0, String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("x-walink-signature:") {
                        signature = line["x-walink-signature:".len()..].trim().to_owned();
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let status = queue.lock().expect("lock").pop().unwrap_or(200);
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let body = String::from_utf8_lossy(&body).into_owned();
                let _ = tx.send(Got {
                    signature,
                    body,
                    answered: status,
                });
            }
        });
        Self { url, got, answers }
    }

    /// A delivery within `limit`, if any comes.
    pub fn got_within(&self, limit: Duration) -> Option<Got> {
        self.got.recv_timeout(limit).ok()
    }

    pub fn next(&self, secs: u64) -> Got {
        self.got
            .recv_timeout(Duration::from_secs(secs))
            .expect("a delivery")
    }

    fn answer_next(&self, statuses: &[u16]) {
        *self.answers.lock().expect("lock") = statuses.iter().rev().copied().collect();
    }
}

pub fn signed_by(secret: &str, got: &Got) -> bool {
    let Some((t, v1)) = got
        .signature
        .strip_prefix("t=")
        .and_then(|s| s.split_once(",v1="))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{}", got.body).as_bytes());
    hex::encode(mac.finalize().into_bytes()) == v1
}

pub fn body(got: &Got) -> Value {
    serde_json::from_str(&got.body).expect("a JSON envelope")
}

/// `walink webhook add URL --company SLUG --events EVENTS EXTRA…`, which
/// must succeed.
pub fn subscribe(data: &std::path::Path, url: &str, company: &str, events: &str, extra: &[&str]) {
    let mut args = vec![
        "webhook",
        "add",
        url,
        "--company",
        company,
        "--events",
        events,
    ];
    args.extend_from_slice(extra);
    let added = walink(data, &args);
    assert!(added.status.success(), "{}", crate::common::stderr(&added));
}

#[test]
fn a_receiver_gets_connected_signed_after_two_failures() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let receiver = Receiver::start(&[500, 500]);
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let added = walink(
        &dir.path,
        &[
            "webhook",
            "add",
            &receiver.url,
            "--events",
            "session.status",
            "--secret",
            "s3cret",
        ],
    );
    assert!(added.status.success());
    // Two bots of link.linked: masked numbers unless one asked for whole.
    let masked = Receiver::start(&[]);
    let whole = Receiver::start(&[]);
    for (url, extra) in [(&masked.url, None), (&whole.url, Some("--whole-numbers"))] {
        let mut args = vec!["webhook", "add", url.as_str(), "--events", "link.linked"];
        args.extend(extra);
        assert!(walink(&dir.path, &args).status.success());
    }
    let _serve = Serve::start(&dir.path, &sim);

    let mut pair = Pairing::start(
        &dir.path,
        &["pair", "acme", "--phone", &format!("+{PHONE}")],
    );
    let printed = pair.line(|l| l.starts_with("Pairing code:"));
    let code = printed.split_whitespace().nth(2).expect("code").to_owned();
    let typed = format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#);
    assert_eq!(sim.call("POST", "/phone/code", &typed).0, 200);

    // Everything refused at first is tried again until it arrives.
    let mut refused = Vec::new();
    let mut delivered = Vec::new();
    let mut saw_connected = false;
    loop {
        let got = receiver.next(40);
        assert!(signed_by("s3cret", &got), "bad signature: {got:?}");
        let b = body(&got);
        assert_eq!(b["event"], "session.status");
        assert_eq!(b["company"], "acme");
        if got.answered == 500 {
            refused.push(b["id"].clone());
            continue;
        }
        delivered.push(b["id"].clone());
        // A retry may arrive after "connected": wait for both.
        saw_connected |= b["data"]["state"] == "connected";
        if saw_connected && refused.iter().all(|id| delivered.contains(id)) {
            break;
        }
    }
    assert_eq!(refused.len(), 2, "{refused:?}");
    let log = stdout(&walink(&dir.path, &["status", "--json"]));
    assert!(log.contains("connected"), "{log}");

    let m = body(&masked.next(10))["data"].clone();
    assert!(
        m["jid"]
            .as_str()
            .is_some_and(|j| j.contains('•') && !j.contains(PHONE)),
        "{m}"
    );
    assert!(
        m["phone"].as_str().is_some_and(|p| !p.contains(PHONE)),
        "{m}"
    );
    let w = body(&whole.next(10))["data"].clone();
    assert!(
        w["jid"].as_str().is_some_and(|j| j.starts_with(PHONE)),
        "{w}"
    );
    assert_eq!(w["phone"], format!("+{PHONE}"));
}

#[test]
fn deliveries_survive_a_restart_and_410_unsubscribes() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let receiver = Receiver::start(&[500, 500, 500, 500, 500, 500]);
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let added = walink(
        &dir.path,
        &["webhook", "add", &receiver.url, "--events", "company.added"],
    );
    assert!(added.status.success());
    let serve = Serve::start(&dir.path, &sim);
    assert!(
        walink(&dir.path, &["company", "add", "gamma"])
            .status
            .success()
    );
    let first = receiver.next(10);
    assert_eq!(first.answered, 500);
    let id = body(&first)["id"].clone();
    assert_eq!(serve.terminate(), 0);

    // A new server sends what the old one could not.
    receiver.answer_next(&[]);
    let _serve = Serve::start(&dir.path, &sim);
    let again = loop {
        let got = receiver.next(20);
        if got.answered == 200 {
            break got;
        }
    };
    assert_eq!(body(&again)["id"], id);
    assert_eq!(body(&again)["data"]["slug"], "gamma");

    // 410: the receiver is gone; nothing more is sent to it.
    receiver.answer_next(&[410]);
    assert!(
        walink(&dir.path, &["company", "add", "delta"])
            .status
            .success()
    );
    assert_eq!(receiver.next(10).answered, 410);
    assert!(
        walink(&dir.path, &["company", "add", "epsilon"])
            .status
            .success()
    );
    assert!(receiver.got.recv_timeout(Duration::from_secs(3)).is_err());
    let list = stdout(&walink(&dir.path, &["webhook", "list"]));
    assert!(
        list.contains("stopped: the receiver answered 410"),
        "{list}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_is_shown_to_attached_dashboards() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    // An address where nobody listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let added = walink(
        &dir.path,
        &["webhook", "add", &url, "--events", "company.added"],
    );
    assert!(added.status.success());
    let serve = Serve::start(&dir.path, &sim);
    let mut watcher = Attached::to(&serve.socket, OnLoss::End).await;
    let data = dir.path.clone();
    tokio::task::spawn_blocking(move || {
        assert!(walink(&data, &["company", "add", "gamma"]).status.success());
    })
    .await
    .expect("company add");
    let notice = watcher
        .until(15, |u| match u {
            Update::Notice(text) if text.contains("webhook") => Some(text.clone()),
            _ => None,
        })
        .await;
    assert!(
        notice.starts_with(&format!("webhook {url} failing since ")),
        "{notice}"
    );
    assert!(notice.contains("could not be reached"), "{notice}");
}
