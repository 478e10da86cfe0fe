//! A real headless Chromium, driven over WebDriver (chromedriver on
//! loopback), for the invitation page. Blocking methods: the tests around
//! it are plain threads and processes.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

pub struct Browser {
    driver: Child,
    client: Option<fantoccini::Client>,
    rt: tokio::runtime::Runtime,
}

/// chromedriver's log endpoint (not in the W3C protocol, so not in
/// fantoccini): the browser's network events.
#[derive(Debug)]
struct PerformanceLog;

impl WebDriverCompatibleCommand for PerformanceLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"performance"}"#.into()))
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn which(names: &[&str]) -> String {
    for name in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let path = format!("{dir}/{name}");
            if std::path::Path::new(&path).exists() {
                return path;
            }
        }
    }
    panic!("{names:?} not found: install chromium and chromium-driver (script/test does)")
}

impl Browser {
    /// A browser as wide as a laptop's window.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// `width`: emulate a phone's screen this many CSS pixels wide.
    pub fn start_with(width: Option<u32>) -> Self {
        let chromium = which(&["chromium", "chromium-browser", "google-chrome"]);
        let chromedriver = which(&["chromedriver"]);
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let mut options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--window-size=1280,900",
            ],
        });
        if let Some(w) = width {
            options["mobileEmulation"] = json!({"deviceMetrics": {"width": w, "height": 640, "pixelRatio": 1.0, "touch": true}});
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        caps.insert("goog:loggingPrefs".into(), json!({"performance": "ALL"}));
        let url = format!("http://127.0.0.1:{port}");
        let client = rt.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                let attempt = fantoccini::ClientBuilder::new(connector)
                    .capabilities(caps.clone())
                    .connect(&url)
                    .await;
                match attempt {
                    Ok(c) => return c,
                    Err(e) if Instant::now() > deadline => panic!("chromedriver: {e}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        Self {
            driver,
            client: Some(client),
            rt,
        }
    }

    fn c(&self) -> &fantoccini::Client {
        self.client.as_ref().expect("open")
    }

    pub fn goto(&self, url: &str) {
        self.rt.block_on(self.c().goto(url)).expect("goto");
    }

    /// Run `script` (a function body; `arguments` as WebDriver gives them).
    pub fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.rt
            .block_on(self.c().execute(script, args))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Until `script` returns something truthy (≤ `within`); that value.
    pub fn wait(&self, within: Duration, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let v = self.js(script, vec![]);
            let truthy = !matches!(&v, Value::Null | Value::Bool(false))
                && v != Value::String(String::new());
            if truthy {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {within:?}; the page says: {}",
                self.text("main")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The visible text of the first element matching `selector`.
    pub fn text(&self, selector: &str) -> String {
        let v = self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
            vec![json!(selector)],
        );
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Whether the element is shown (exists and not hidden).
    pub fn visible(&self, selector: &str) -> bool {
        self.js(
            "const e = document.querySelector(arguments[0]); return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0;",
            vec![json!(selector)],
        ) == Value::Bool(true)
    }

    /// Type into an input (replacing what is there), as keystrokes.
    pub fn type_into(&self, selector: &str, text: &str) {
        self.rt.block_on(async {
            let e = self
                .c()
                .find(fantoccini::Locator::Css(selector))
                .await
                .expect("the field");
            e.clear().await.expect("clear");
            e.send_keys(text).await.expect("type");
        });
    }

    pub fn click(&self, selector: &str) {
        self.rt.block_on(async {
            let e = self
                .c()
                .find(fantoccini::Locator::Css(selector))
                .await
                .unwrap_or_else(|e| panic!("{selector}: {e}"));
            e.click().await.expect("click");
        });
    }

    pub fn screenshot(&self) -> Vec<u8> {
        self.rt.block_on(self.c().screenshot()).expect("screenshot")
    }

    /// Every URL the page asked the network for since the last call.
    pub fn requests(&self) -> Vec<String> {
        let log = self
            .rt
            .block_on(self.c().issue_cmd(PerformanceLog))
            .expect("performance log");
        let mut urls = Vec::new();
        for entry in log.as_array().into_iter().flatten() {
            let Some(message) = entry["message"].as_str() else {
                continue;
            };
            let m: Value = serde_json::from_str(message).unwrap_or_default();
            if m["message"]["method"] == "Network.requestWillBeSent"
                && let Some(u) = m["message"]["params"]["request"]["url"].as_str()
            {
                urls.push(u.to_owned());
            }
        }
        urls
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
