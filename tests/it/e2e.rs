//! Journeys in a real terminal (tmux) against the simulator.

use crate::common::TempDataDir;
use crate::sim_process::SimProcess;
use crate::tmux::Tmux;
use crate::wa::PHONE;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_walink")
}

#[test]
fn start_then_quit_restores_the_terminal() {
    let dir = TempDataDir::new();
    let mut t = Tmux::start(&format!(
        "{} sandbox --data-dir {}",
        bin(),
        dir.path.display()
    ));
    let screen = t.wait_text("3 companies");
    assert!(screen.contains("SANDBOX"), "{screen}");
    assert!(screen.contains("Not linked"), "{screen}");
    assert!(t.alternate_on());
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    assert!(!t.alternate_on(), "the alternate screen was left");
}

#[test]
fn add_a_company_and_link_it_with_a_code_read_off_the_screen() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let mut t = Tmux::start(&format!(
        "{} --data-dir {} --server {}",
        bin(),
        dir.path.display(),
        sim.ws
    ));
    t.wait_text("0 companies");

    // Add a company from the dashboard.
    t.keys(&["a"]);
    t.type_text("Acme");
    t.wait_text("lowercase letters");
    t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    t.type_text("acme");
    t.keys(&["Tab"]);
    t.type_text("Acme LLC");
    t.keys(&["Enter"]);
    t.wait_text("Acme LLC");

    // The pairing pane: a bad number, its sentence, then a good one.
    t.keys(&["Enter"]);
    t.type_text("+7 900");
    t.wait_text("this is not a valid number for Russia");
    t.type_text(" 123 45 67");
    t.wait_text("+79001234567");
    t.keys(&["Enter"]);
    let screen = phone_types_the_code(&mut t, &sim);
    assert!(
        screen.contains("Link with phone number instead")
            || screen.contains("Link with phone number"),
        "{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    assert!(!t.alternate_on());
}

/// The simulated phone types the code on screen; back on the table once
/// the row is Connected. The screen that showed the code.
pub fn phone_types_the_code(t: &mut Tmux, sim: &SimProcess) -> String {
    let screen = t.wait_for("a pairing code", |s| code_on(s).is_some());
    let code = code_on(&screen).expect("code");
    let (status, body) = sim.call(
        "POST",
        "/phone/code",
        &format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let linked = t.wait_text("Linked to");
    // The masked number, as the table shows it, never the raw JID.
    assert!(
        !linked.contains("@s.whatsapp.net") && linked.contains("•••"),
        "{linked}"
    );
    t.keys(&["Escape"]);
    t.wait_for("the row to turn Connected", |s| s.contains("● Connected"));
    screen
}

/// The plain `ABCD-EFGH` line under the big glyphs.
pub fn code_on(screen: &str) -> Option<String> {
    const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";
    screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .find_map(|l| {
            let ok = l.len() == 9
                && l.as_bytes()[4] == b'-'
                && l.chars()
                    .filter(|c| *c != '-')
                    .all(|c| ALPHABET.contains(c));
            ok.then(|| l.to_owned())
        })
}

#[test]
fn link_by_qr_with_the_sandbox_phone_key() {
    let dir = TempDataDir::new();
    let mut t = Tmux::start(&format!(
        "{} sandbox --data-dir {}",
        bin(),
        dir.path.display()
    ));
    t.wait_text("3 companies");
    t.keys(&["Enter"]);
    t.wait_text("Pairing code");
    t.keys(&["Tab"]);
    t.keys(&["Enter"]);
    t.wait_for("a QR", |s| s.contains("▀") && s.contains("▄"));
    t.keys(&["p"]);
    t.wait_text("Linked to");
    t.keys(&["Escape"]);
    t.wait_for("the row to turn Connected", |s| s.contains("● Connected"));
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// Start pairing in the sandbox, then end walink as `how` does.
fn interrupted_while_pairing(how: impl FnOnce(&Tmux)) -> (i32, bool) {
    let dir = TempDataDir::new();
    let mut t = Tmux::start(&format!(
        "{} sandbox --data-dir {}",
        bin(),
        dir.path.display()
    ));
    t.wait_text("3 companies");
    t.keys(&["Enter"]);
    t.type_text("+7 900 123 45 67");
    t.keys(&["Enter"]);
    t.wait_text("left");
    how(&t);
    (t.exit_status(), t.alternate_on())
}

pub fn kill(t: &Tmux, signal: &str) {
    let pid = t.pid();
    assert!(
        std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill")
            .success()
    );
}

#[test]
fn sigterm_while_pairing_restores_the_terminal() {
    assert_eq!(
        interrupted_while_pairing(|t| kill(t, "-TERM")),
        (143, false)
    );
}

#[test]
fn a_dropped_ssh_connection_sighup_restores_the_terminal() {
    assert_eq!(interrupted_while_pairing(|t| kill(t, "-HUP")), (129, false));
}

#[test]
fn ctrl_c_quits_cleanly_from_the_pairing_pane() {
    assert_eq!(interrupted_while_pairing(|t| t.keys(&["C-c"])), (0, false));
}
