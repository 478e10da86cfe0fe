//! Real proxies on loopback for the proxy tests: microsocks (SOCKS5) and
//! tinyproxy (HTTP CONNECT), each on a free port with its own config and
//! log, stopped when dropped. `script/setup` installs both.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Socks,
    Http,
}

pub struct Proxy {
    kind: Kind,
    pub port: u16,
    auth: Option<(String, String)>,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

pub const USER: &str = "alice";
pub const PASSWORD: &str = "s3cret-Pa55";

impl Proxy {
    /// A SOCKS5 proxy; with `auth`, it asks for user `alice` and `PASSWORD`.
    pub fn socks(auth: bool) -> Self {
        Self::start(Kind::Socks, auth)
    }

    /// An HTTP CONNECT proxy; with `auth`, Basic for `alice` and `PASSWORD`.
    pub fn http(auth: bool) -> Self {
        Self::start(Kind::Http, auth)
    }

    fn start(kind: Kind, auth: bool) -> Self {
        let mut p = Self {
            kind,
            port: free_port(),
            auth: auth.then(|| (USER.to_owned(), PASSWORD.to_owned())),
            child: None,
            dir: tempfile::tempdir().expect("proxy dir"),
        };
        p.resume();
        p
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("proxy.log")
    }

    /// Start it again on the same port (after `stop`).
    pub fn resume(&mut self) {
        let port = self.port.to_string();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("proxy log");
        let child = match self.kind {
            Kind::Socks => {
                let mut cmd = Command::new("microsocks");
                cmd.args(["-i", "127.0.0.1", "-p", &port]);
                if let Some((u, p)) = &self.auth {
                    cmd.args(["-u", u, "-P", p]);
                }
                cmd.stdout(log.try_clone().expect("log")).stderr(log).spawn()
            }
            Kind::Http => {
                let conf = self.dir.path().join("tinyproxy.conf");
                let mut text = format!(
                    "Port {port}\nListen 127.0.0.1\nTimeout 600\nMaxClients 200\nLogLevel Connect\nLogFile \"{}\"\n",
                    self.log_path().display()
                );
                if let Some((u, p)) = &self.auth {
                    text.push_str(&format!("BasicAuth {u} {p}\n"));
                }
                std::fs::write(&conf, text).expect("tinyproxy config");
                Command::new("tinyproxy")
                    .arg("-d")
                    .arg("-c")
                    .arg(&conf)
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()
            }
        }
        .expect("start the proxy (script/setup installs microsocks and tinyproxy)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "the proxy did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kill it: every connection through it ends.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Its address, with `user:password` when given.
    pub fn url(&self, credentials: Option<(&str, &str)>) -> String {
        let scheme = match self.kind {
            Kind::Socks => "socks5",
            Kind::Http => "http",
        };
        let auth = credentials
            .map(|(u, p)| format!("{u}:{p}@"))
            .unwrap_or_default();
        format!("{scheme}://{auth}127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Lines of its log that name `127.0.0.1:port`.
    pub fn mentions(&self, port: u16) -> usize {
        self.log().matches(&format!("127.0.0.1:{port}")).count()
    }

    /// Tunnels it opened to `port` (one per connection through it).
    pub fn tunnels_to(&self, port: u16) -> usize {
        let want = match self.kind {
            Kind::Socks => format!("connected to 127.0.0.1:{port}"),
            Kind::Http => format!("CONNECT 127.0.0.1:{port} "),
        };
        self.log().matches(&want).count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Wait until `check` holds (≤ `secs`), else fail with `what`.
pub fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
