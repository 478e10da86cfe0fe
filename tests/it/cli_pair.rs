//! The headless commands through the built binary against `walink sim`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{TempDataDir, stderr, stdout, walink};
use crate::sim_process::SimProcess;
use crate::wa::PHONE;

/// A running `walink pair` whose stdout arrives line by line.
pub struct Pairing {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Pairing {
    pub fn start(data: &std::path::Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_walink"))
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env_remove("WALINK_COUNTRY")
            .env_remove("LC_ALL")
            .env_remove("LC_TELEPHONE")
            .env_remove("LANG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start walink pair");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line that `want` accepts, within 60 s.
    pub fn line(&mut self, want: impl Fn(&str) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(e) => panic!("no such line ({e}); saw {:#?}", self.seen),
            }
        }
    }

    /// Wait (≤ 60 s) for the exit code; the rest of stdout and stderr.
    pub fn finish(mut self) -> (i32, String, String) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(line);
                }
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                return (status.code().unwrap_or(-1), self.seen.join("\n"), err);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "walink pair did not exit; saw {:#?}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Pairing {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Pairing {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn company(dir: &TempDataDir) {
    assert!(
        walink(&dir.path, &["company", "add", "acme", "--name", "Acme LLC"])
            .status
            .success()
    );
}

fn status_json(dir: &TempDataDir, server: &str) -> serde_json::Value {
    let out = walink(&dir.path, &["status", "--json", "--server", server]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("status --json")
}

#[test]
fn pair_with_a_code_read_off_stdout() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    company(&dir);
    let mut pair = Pairing::start(
        &dir.path,
        &[
            "pair",
            "acme",
            "--phone",
            "+7 900 123-45-67",
            "--server",
            &sim.ws,
            "--log-level",
            "debug",
        ],
    );
    let line = pair.line(|l| l.starts_with("Pairing code: "));
    let code = line["Pairing code: ".len()..]
        .split_whitespace()
        .next()
        .expect("code")
        .to_owned();
    assert_eq!(code.len(), 9, "{line}");
    pair.line(|l| l.contains("Link with phone number instead"));
    let (status, body) = sim.call(
        "POST",
        "/phone/code",
        &format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let (status, out, err) = pair.finish();
    assert_eq!(status, 0, "{out}\n{err}");
    assert!(out.contains(&format!("Linked as {PHONE}")), "{out}");
    assert!(out.contains("Connected."), "{out}");

    assert_log_keeps(&dir, &[code.as_str(), &code.replace('-', ""), PHONE]);

    let rows = status_json(&dir, &sim.ws);
    assert_eq!(rows[0]["state"], "connected");
    assert_eq!(rows[0]["phone"], "+7900•••4567");
    let full = walink(&dir.path, &["status", "--full"]);
    assert!(stdout(&full).contains(&format!("+{PHONE}")));

    // --check really connects: the simulator sees the login again.
    let out = walink(
        &dir.path,
        &["status", "--check", "--json", "--server", &sim.ws],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(checked[0]["state"], "connected");
    sim.call(
        "POST",
        "/fault",
        r#"{"fault":"failure","code":401,"target":"79001234567"}"#,
    );
    let out = walink(
        &dir.path,
        &["status", "--check", "--json", "--server", &sim.ws],
    );
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        checked[0]["state"], "logged_out",
        "a session the server refuses is reported as such"
    );

    assert_eq!(status_json(&dir, &sim.ws)[0]["state"], "logged_out");
}

#[test]
fn logout_unlinks_the_device_from_the_phone() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    company(&dir);
    let mut pair = Pairing::start(
        &dir.path,
        &["pair", "acme", "--phone", PHONE, "--server", &sim.ws],
    );
    let line = pair.line(|l| l.starts_with("Pairing code: "));
    let code = line["Pairing code: ".len()..]
        .split_whitespace()
        .next()
        .expect("code")
        .to_owned();
    sim.call(
        "POST",
        "/phone/code",
        &format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#),
    );
    assert_eq!(pair.finish().0, 0);

    let out = walink(&dir.path, &["logout", "acme", "--server", &sim.ws]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no terminal to confirm on: {}",
        stderr(&out)
    );
    let out = walink(&dir.path, &["logout", "acme", "--yes", "--server", &sim.ws]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(sim.call("GET", "/devices", "").1, serde_json::json!([]));
    assert_eq!(status_json(&dir, &sim.ws)[0]["state"], "logged_out");
    let keys = walink::keystore::KeyStore::new(dir.path.join("keys.db"));
    assert_eq!(
        keys.devices().expect("key store"),
        Vec::<i64>::new(),
        "the dead keys are deleted"
    );
}

#[test]
fn pair_with_a_printed_qr() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    company(&dir);
    let mut pair = Pairing::start(&dir.path, &["pair", "acme", "--qr", "--server", &sim.ws]);
    let mut block = vec![pair.line(|l| l.starts_with('█'))];
    loop {
        let line = pair.line(|_| true);
        if line.starts_with("Scan with WhatsApp") {
            assert!(line.contains("This QR lasts"), "{line}");
            break;
        }
        block.push(line);
    }
    let payload = decode(&block);
    let (status, body) = sim.call("POST", "/phone/scan", &payload);
    assert_eq!(status, 200, "{body}");
    let (code, out, err) = pair.finish();
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Connected."), "{out}");
    let qr_ref = payload.split(',').next().expect("ref");
    assert_log_keeps(&dir, &[payload.as_str(), qr_ref, PHONE]);
}

/// The log files in the data directory hold none of `secrets`, and do hold
/// the session's story (so the check is not passing on an empty log).
fn assert_log_keeps(dir: &TempDataDir, secrets: &[&str]) {
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir.path).expect("data dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("walink.") && name.ends_with(".log") {
            text += &std::fs::read_to_string(entry.path()).expect("log");
        }
    }
    assert!(
        text.contains("whatsapp_rust"),
        "the client's lines are logged: {text}"
    );
    for secret in secrets {
        let leak = text.lines().find(|l| l.contains(secret));
        assert!(leak.is_none(), "the log holds {secret:?}: {leak:?}");
    }
}

/// Decode half-block lines as a phone camera would.
pub fn decode(lines: &[String]) -> String {
    // Two modules per character; true = dark, as the camera sees it.
    let mut modules: Vec<Vec<bool>> = Vec::new();
    for line in lines {
        let cells: Vec<(bool, bool)> = line
            .chars()
            .map(|c| walink::qr::cell_light(c.encode_utf8(&mut [0; 4])))
            .collect();
        modules.push(cells.iter().map(|(top, _)| !top).collect());
        modules.push(cells.iter().map(|(_, bottom)| !bottom).collect());
    }
    let scale = 4;
    let (h, w) = (modules.len(), modules[0].len());
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(w * scale, h * scale, |x, y| {
        modules[y / scale][x / scale]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR on screen");
    grids[0].decode().expect("QR decodes").1
}

#[test]
fn a_throttled_number_fails_then_the_guard_refuses() {
    let sim = SimProcess::start();
    let (status, _) = sim.call(
        "POST",
        "/fault",
        r#"{"fault":"rate_limit","target":"79001234567"}"#,
    );
    assert_eq!(status, 200);
    let dir = TempDataDir::new();
    company(&dir);
    let (code, out, err) = Pairing::start(
        &dir.path,
        &["pair", "acme", "--phone", PHONE, "--server", &sim.ws],
    )
    .finish();
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        err.contains(
            "WhatsApp is refusing new links for this number for now (rate limit). Try again after"
        ),
        "{err}"
    );

    let (code, _, err) = Pairing::start(
        &dir.path,
        &["pair", "acme", "--phone", PHONE, "--server", &sim.ws],
    )
    .finish();
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("walink held this attempt back"), "{err}");
    assert!(err.contains("or force it"), "{err}");
}
