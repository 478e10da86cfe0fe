//! A real terminal for journeys: tmux on a private socket, never a user's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Tmux {
    socket: String,
    _conf_dir: tempfile::TempDir,
    conf: PathBuf,
    last: String,
}

impl Tmux {
    /// Start `command` in a 100×40 pane under a shell that prints its exit
    /// status when it ends (tmux 3.3 does not always keep
    /// `pane_dead_status`); the pane stays so terminal modes can be read.
    pub fn start(command: &str) -> Self {
        Self::start_sized(command, 100, 40)
    }

    /// The same in a `width`×`height` pane.
    pub fn start_sized(command: &str, width: u16, height: u16) -> Self {
        let conf_dir = tempfile::tempdir().expect("tmp");
        let conf = conf_dir.path().join("tmux.conf");
        std::fs::write(&conf, "set -g remain-on-exit on\nset -g status off\n").expect("conf");
        let socket = format!(
            "walink-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let t = Self {
            socket,
            _conf_dir: conf_dir,
            conf,
            last: String::new(),
        };
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &format!("sh -c '{command}; echo walink-exit=$?'"),
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.conf)
            .args(args)
            .output()
            .expect("tmux runs (install it: apt-get install tmux)")
    }

    pub fn screen(&mut self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", "app"]);
        self.last = String::from_utf8_lossy(&out.stdout).into_owned();
        self.last.clone()
    }

    /// Poll the screen until `want` holds (15 s), never a bare sleep.
    pub fn wait_for(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if want(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                self.dump();
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_text(&mut self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "app"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    pub fn type_text(&self, text: &str) {
        assert!(
            self.tmux(&["send-keys", "-t", "app", "-l", text])
                .status
                .success()
        );
    }

    fn display(&self, format: &str) -> String {
        let out = self.tmux(&["display", "-p", "-t", "app", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// walink's own pid: the child of the pane's shell.
    pub fn pid(&self) -> String {
        let shell = self.display("#{pane_pid}");
        std::fs::read_dir("/proc")
            .expect("/proc")
            .filter_map(|e| e.ok())
            .find_map(|e| {
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                let ppid = stat.rsplit(')').next()?.split_whitespace().nth(1)?;
                (ppid == shell).then(|| e.file_name().to_string_lossy().into_owned())
            })
            .expect("walink runs under the pane's shell")
    }

    /// Wait for the program to exit; its exit status. The shell's line can
    /// land above the visible screen, so the scroll-back is read too.
    pub fn exit_status(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let out = self.tmux(&["capture-pane", "-p", "-S", "-", "-t", "app"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if let Some(tail) = text.split("walink-exit=").nth(1) {
                return tail
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .parse()
                    .expect("exit status");
            }
            if Instant::now() > deadline {
                self.last = text;
                self.dump();
                panic!("walink did not exit; screen:\n{}", self.last);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The alternate screen was left (the terminal was restored).
    pub fn alternate_on(&self) -> bool {
        self.display("#{alternate_on}") == "1"
    }

    fn dump(&self) {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{}.txt", self.socket)), &self.last);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
