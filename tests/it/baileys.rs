//! A customer on Baileys 6 (the npm `latest`, 6.17.16: token dictionary
//! version 2, its own Signal code in JavaScript) talks with a company's bot
//! through the simulator: the crypto on each side is a different client's,
//! and the simulator only routes. `tests/baileys/customer.js` is the
//! customer; `script/setup` installs its packages (`npm ci`).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{TempDataDir, walink};
use crate::crash::link_by_qr;
use crate::http::{Http, token};
use crate::messages_api::status_of;
use crate::serve::Serve;
use crate::sim_process::SimProcess;
use crate::webhooks::{Receiver, body, subscribe};

const ACME: &str = "79001000011";
const CUSTOMER: &str = "79990000011";

/// The Baileys customer as a child process speaking JSON lines.
struct Baileys {
    child: Child,
    stdin: ChildStdin,
    events: mpsc::Receiver<Value>,
    /// Its stderr: Baileys' own warnings, for a failure's message.
    log: tempfile::NamedTempFile,
    _auth: tempfile::TempDir,
}

impl Baileys {
    fn start(sim: &SimProcess, phone: &str) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/baileys");
        assert!(
            dir.join("node_modules/baileys").is_dir(),
            "Baileys is not installed: run script/setup (npm ci in {})",
            dir.display()
        );
        let auth = tempfile::tempdir().expect("auth dir");
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new("node")
            .arg(dir.join("customer.js"))
            .args([&sim.ws, &sim.control])
            .arg(auth.path())
            .arg(phone)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log file"))
            .env("BAILEYS_LOG", "warn")
            .spawn()
            .expect("node runs (script/setup installs it)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            stdin,
            events,
            log,
            _auth: auth,
        }
    }

    /// The first event `want` accepts, failing on an `error` or `closed`.
    fn wait(&self, secs: u64, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        self.try_wait(secs, what, want)
            .unwrap_or_else(|why| panic!("{why}"))
    }

    /// The first event `want` accepts, or why not, with Baileys' own log.
    fn try_wait(
        &self,
        secs: u64,
        what: &str,
        want: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(e) = self.events.recv_timeout(left) else {
                return Err(format!(
                    "the Baileys customer: no {what} within {secs} s; it logged:\n{}",
                    self.log()
                ));
            };
            if e["event"] == "error" || e["event"] == "closed" {
                return Err(format!(
                    "the Baileys customer, waiting for {what}: {e}; it logged:\n{}",
                    self.log()
                ));
            }
            if want(&e) {
                return Ok(e);
            }
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    fn command(&mut self, cmd: Value) {
        writeln!(self.stdin, "{cmd}").expect("write to the customer");
    }
}

impl Drop for Baileys {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_baileys_customer_and_the_bot_talk_through_walink() {
    // Baileys 6.17 switches to its transport keys only after its
    // ClientFinish is written (`validateConnection`): a `<success>` sooner
    // than a network round trip is lost. The real server is never that
    // quick; 30 ms each way stands in for the network.
    let sim = SimProcess::start_with(&["--latency-ms", "30"]);
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let hook = Receiver::start(&[]);
    let events = "message.received,message.status";
    subscribe(&dir.path, &hook.url, "acme", events, &[]);
    let admin = token(&dir.path, &["--scope", "link"]);
    link_by_qr(&sim, &http, &admin, "acme", ACME);

    let mut customer = Baileys::start(&sim, CUSTOMER);
    customer.wait(60, "open", |e| e["event"] == "open");
    customer.command(
        json!({"send": {"to": format!("{ACME}@s.whatsapp.net"), "text": "Hello from Baileys"}}),
    );
    let sent = customer.wait(30, "sent", |e| e["event"] == "sent");

    let got = loop {
        let b = body(&hook.next(30));
        if b["event"] == "message.received" {
            break b;
        }
    };
    let data = &got["data"];
    assert_eq!(data["id"], sent["id"], "{got}");
    assert_eq!(data["text"], "Hello from Baileys", "{got}");
    assert_eq!(data["from_phone"], format!("+{CUSTOMER}"), "{got}");

    // The bot answers; Baileys decrypts what whatsapp-rust encrypted.
    let bot = token(&dir.path, &["--company", "acme", "--scope", "link"]);
    let reply = format!(r#"{{"to": "+{CUSTOMER}", "text": "Hi from the bot"}}"#);
    let answer = http.post_keyed("/api/v1/sessions/acme/messages", &bot, "b1", &reply);
    assert_eq!(answer.status, 202, "{}", answer.body);
    let id = answer.body["id"].as_str().expect("an id").to_owned();
    let at_customer = customer
        .try_wait(30, "the bot's reply", |e| e["event"] == "message")
        .unwrap_or_else(|why| {
            panic!(
                "{why}\nwalink logged:\n{}\nthe simulator logged:\n{}",
                serve.all_logs(&dir.path),
                sim.log()
            )
        });
    assert_eq!(at_customer["id"], id.as_str(), "{at_customer}");
    assert_eq!(at_customer["text"], "Hi from the bot", "{at_customer}");
    assert_eq!(at_customer["from"], format!("{ACME}@s.whatsapp.net"));

    // Baileys acknowledges delivery by itself; reading is the customer's act.
    status_of(&hook, &id, "delivered");
    customer.command(json!({"read": {"id": id, "from": format!("{ACME}@s.whatsapp.net")}}));
    status_of(&hook, &id, "read");
}
