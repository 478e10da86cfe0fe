//! `walink sim` as its own process, driven through its HTTP control API
//! while the real client links against it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use walink::engine::translate::ClientFact;

use crate::wa::{Opts, PHONE, TestClient, secs, store_in};

pub struct SimProcess {
    child: Child,
    pub ws: String,
    pub control: String,
    /// Its stderr: the simulator's log.
    log: tempfile::NamedTempFile,
}

impl SimProcess {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_walink"))
            .args(["sim", "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("start walink sim");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let (mut ws, mut control) = (None, None);
        while ws.is_none() || control.is_none() {
            let line = lines
                .next()
                .expect("walink sim prints its addresses")
                .expect("read");
            if let Some(url) = line.strip_prefix("whatsapp web: ") {
                ws = Some(url.to_owned());
            }
            if let Some(url) = line.strip_prefix("control api: ") {
                control = Some(url.to_owned());
            }
        }
        Self {
            child,
            ws: ws.expect("ws"),
            control: control.expect("control"),
            log,
        }
    }

    /// SIGSTOP (`false`) or SIGCONT (`true`): a server that freezes with
    /// its sockets open, and comes back.
    pub fn run(&self, on: bool) {
        let sig = if on { libc::SIGCONT } else { libc::SIGSTOP };
        // SAFETY: a signal to our own child, which is alive until dropped.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "signal the simulator");
    }

    /// What the simulator logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).expect("log")
    }

    /// (status, parsed JSON body) of one control request.
    pub fn call(&self, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{path}", self.control);
        let mut resp = match method {
            "GET" => agent.get(&url).call(),
            _ => agent.post(&url).send(body),
        }
        .expect("control API answers");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON body ({e}): {text}")),
        )
    }

    /// The blocking HTTP calls stay off the async workers.
    async fn call_async(
        &self,
        method: &'static str,
        path: &'static str,
        body: String,
    ) -> (u16, serde_json::Value) {
        tokio::task::block_in_place(|| self.call(method, path, &body))
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        self.run(true);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_links_lists_and_injects() {
    let sim = SimProcess::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start_at(&sim.ws, &store_in(&dir, "a"), Opts::default()).await;
    let qr = c.qr().await;

    let (status, body) = sim.call_async("POST", "/phone/scan", qr.clone()).await;
    assert_eq!(status, 200, "{body}");
    let jid = body["jid"].as_str().expect("jid").to_owned();
    assert!(jid.starts_with(PHONE), "{jid}");
    c.connected(secs(40)).await;

    let (status, devices) = sim.call_async("GET", "/devices", String::new()).await;
    assert_eq!(status, 200);
    assert_eq!(devices[0]["jid"], jid.as_str());
    assert_eq!(devices[0]["phone"], PHONE);
    assert_eq!(devices[0]["connected"], true);

    // Its log (stderr) follows the connection, never the QR's ref or keys.
    let log = sim.log();
    assert!(log.contains("handshake Xx"), "{log}");
    assert!(log.contains("pair-device with 6 refs"), "{log}");
    assert!(log.contains("logged in as"), "{log}");
    let qr_ref = qr.split(',').next().expect("ref");
    assert!(!log.contains(qr_ref), "the log holds a QR ref: {log}");

    let fault = format!(r#"{{"fault":"replaced","target":"{PHONE}","sticky":false}}"#);
    let (status, _) = sim.call_async("POST", "/fault", fault).await;
    assert_eq!(status, 200);
    c.wait_for(secs(10), |f| (*f == ClientFact::Replaced).then_some(()))
        .await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_unlinks_and_the_client_is_logged_out() {
    let sim = SimProcess::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start_at(&sim.ws, &store_in(&dir, "a"), Opts::default()).await;
    let qr = c.qr().await;
    assert_eq!(sim.call_async("POST", "/phone/scan", qr).await.0, 200);
    c.connected(secs(40)).await;
    let (status, body) = sim
        .call_async("POST", "/phone/unlink", format!(r#"{{"phone":"{PHONE}"}}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    c.wait_for(secs(10), |f| {
        matches!(f, ClientFact::LoggedOut { .. }).then_some(())
    })
    .await;
    let (_, devices) = sim.call_async("GET", "/devices", String::new()).await;
    assert_eq!(devices, serde_json::json!([]));
    c.shutdown().await;
}

#[test]
fn bad_requests_get_400_and_a_sentence() {
    let sim = SimProcess::start();
    let cases = [
        (
            "/fault",
            r#"{"fault":"nope"}"#,
            "there is no fault \"nope\"",
        ),
        (
            "/fault",
            r#"{"fault":"stream_error"}"#,
            "stream_error needs a code",
        ),
        (
            "/fault",
            r#"{"fault":"close","target":"somebody"}"#,
            "target must be \"all\" or a phone number",
        ),
        ("/phone/code", "not json", "the body must be JSON like"),
        (
            "/phone/code",
            r#"{"phone":"79001234567","code":"ABC"}"#,
            "a pairing code has 8 characters",
        ),
        (
            "/phone/code",
            r#"{"phone":"79001234567","code":"ABCD-EFGH"}"#,
            "the phone refused the code",
        ),
        ("/phone/scan", "", "the body must be the QR text"),
        (
            "/phone/unlink",
            r#"{"phone":"79001234567"}"#,
            "has no linked devices",
        ),
    ];
    for (path, body, want) in cases {
        let (status, json) = sim.call("POST", path, body);
        assert_eq!(status, 400, "{path} {body}");
        let sentence = json["error"].as_str().unwrap_or_default();
        assert!(sentence.contains(want), "{path} {body}: {sentence}");
    }
}

#[test]
fn refuses_to_listen_beyond_loopback() {
    for addr in ["0.0.0.0:0", "192.0.2.1:0", "[::]:0"] {
        let out = Command::new(env!("CARGO_BIN_EXE_walink"))
            .args(["sim", "--listen", addr])
            .output()
            .expect("run walink sim");
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("the simulator only listens on 127.0.0.1"),
            "{err}"
        );
    }
}
