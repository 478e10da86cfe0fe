//! The HTTP API of `walink serve --http` on loopback, against `walink sim`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{TempDataDir, stdout, walink};
use crate::serve::Serve;
use crate::sim_process::SimProcess;
use crate::wa::PHONE;

pub struct Http {
    pub base: String,
    agent: ureq::Agent,
}

/// (status, headers we look at, JSON body or Null).
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// `Link` (the next page of a list).
    pub link: Option<String>,
    pub body: Value,
}

impl Http {
    pub fn new(base: String) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Self { base, agent }
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut resp = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            ("DELETE", _) => {
                let mut r = self.agent.delete(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (_, body) => {
                let r = match method {
                    "PATCH" => self.agent.patch(&url),
                    _ => self.agent.post(&url),
                };
                let mut r = r.header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(body.unwrap_or(""))
            }
        }
        .expect("the API answers");
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (retry_after, link) = (header("retry-after"), header("link"));
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            retry_after,
            link,
            body,
        }
    }

    /// A POST of JSON `body` with an `Idempotency-Key`.
    pub fn post_keyed(&self, path: &str, token: &str, key: &str, body: &str) -> Answer {
        let mut resp = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .send(body)
            .expect("the API answers");
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status: resp.status().as_u16(),
            retry_after,
            link: None,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// (status, content type, body bytes) of a GET.
    pub fn bytes(&self, path: &str, token: &str) -> (u16, String, Vec<u8>) {
        let mut resp = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("the API answers");
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = resp.body_mut().read_to_vec().unwrap_or_default();
        (resp.status().as_u16(), kind, bytes)
    }

    /// Server-Sent Events as (id, event, data), line by line off a thread.
    pub fn events(
        &self,
        token: &str,
        last_id: Option<&str>,
    ) -> mpsc::Receiver<(String, String, Value)> {
        let mut r = self
            .agent
            .get(format!("{}/api/v1/events", self.base))
            .header("Authorization", &format!("Bearer {token}"));
        if let Some(id) = last_id {
            r = r.header("Last-Event-ID", id);
        }
        let resp = r.call().expect("events");
        assert_eq!(resp.status().as_u16(), 200);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let reader = BufReader::new(resp.into_body().into_reader());
            let (mut id, mut event) = (String::new(), String::new());
            for line in reader.lines().map_while(Result::ok) {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    let data = serde_json::from_str(v.trim()).unwrap_or(Value::Null);
                    if tx.send((id.clone(), event.clone(), data)).is_err() {
                        break;
                    }
                }
            }
        });
        rx
    }
}

pub fn token(data: &Path, args: &[&str]) -> String {
    let mut all = vec!["token", "create"];
    all.extend_from_slice(args);
    let out = walink(data, &all);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    stdout(&out).trim().to_owned()
}

/// Two companies, a server with the API, and its address.
pub fn setup() -> (SimProcess, TempDataDir, Serve, Http) {
    setup_with(&[])
}

/// A simulator and a data directory with the companies acme and beta.
pub fn two_companies() -> (SimProcess, TempDataDir) {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    for slug in ["acme", "beta"] {
        assert!(
            walink(&dir.path, &["company", "add", slug])
                .status
                .success()
        );
    }
    (sim, dir)
}

pub fn setup_with(extra: &[&str]) -> (SimProcess, TempDataDir, Serve, Http) {
    let (sim, dir) = two_companies();
    let mut args = vec!["--http", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let serve = Serve::start_with(&dir.path, &sim, &args);
    let http = Http::new(serve.http());
    (sim, dir, serve, http)
}

fn state_of(http: &Http, token: &str, slug: &str) -> String {
    let a = http.call(
        "GET",
        &format!("/api/v1/sessions/{slug}"),
        Some(token),
        None,
    );
    a.body["state"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn the_old_endpoint_gives_a_code_the_phone_accepts_and_the_guard_answers_429() {
    let (sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    let body = format!(r#"{{"phoneNumber":"{PHONE}"}}"#);
    let a = http.call(
        "POST",
        "/api/whatsapp/sessions/acme/pairing-code",
        Some(&t),
        Some(&body),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["success"], true);
    assert_eq!(a.body["phoneNumber"], "+7 900 123-45-67");
    let code = a.body["code"].as_str().expect("code").to_owned();
    assert!(
        a.body["expiresAt"]
            .as_str()
            .expect("expiresAt")
            .ends_with('Z')
    );

    let typed = format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#);
    assert_eq!(sim.call("POST", "/phone/code", &typed).0, 200);
    let deadline = Instant::now() + Duration::from_secs(40);
    while state_of(&http, &t, "acme") != "connected" {
        assert!(Instant::now() < deadline, "acme never connected");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Another number on beta: one code is live; asking again is held back.
    let body = r#"{"phoneNumber":"+7 912 345 67 89"}"#;
    let first = http.call(
        "POST",
        "/api/whatsapp/sessions/beta/pairing-code",
        Some(&t),
        Some(body),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    let again = http.call(
        "POST",
        "/api/whatsapp/sessions/beta/pairing-code",
        Some(&t),
        Some(body),
    );
    assert_eq!(again.status, 429, "{}", again.body);
    assert_eq!(again.body["error"]["code"], "guard_refused");
    let wait: i64 = again
        .retry_after
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=180).contains(&wait), "{wait}");
    assert!(
        again.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("another pairing code for this number is still live")),
        "{}",
        again.body
    );
}

/// An event stream: (id, event, data).
pub type Events = mpsc::Receiver<(String, String, Value)>;

/// Events until `stop` picks one (which is included), at most 40 s.
pub fn until(events: &Events, stop: impl Fn(&str, &Value) -> bool) -> Vec<(String, Value)> {
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (_, name, data) = events
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no end event; saw {seen:?}"));
        let end = stop(&name, &data);
        seen.push((name, data));
        if end {
            return seen;
        }
    }
}
