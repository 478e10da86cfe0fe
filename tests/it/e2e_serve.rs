//! Journeys in a real terminal with `walink serve` behind the dashboard.

use crate::common::{TempDataDir, walink};
use crate::e2e::{bin, kill, phone_types_the_code};
use crate::serve::Serve;
use crate::sim_process::SimProcess;
use crate::tmux::Tmux;

fn dashboard(dir: &TempDataDir) -> Tmux {
    Tmux::start(&format!("{} --data-dir {}", bin(), dir.path.display()))
}

/// A simulator and a data directory with one company, acme.
fn acme() -> (SimProcess, TempDataDir) {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme", "--name", "Acme LLC"])
            .status
            .success()
    );
    (sim, dir)
}

/// Enter on acme's row, its number, Enter: a code is asked for.
fn ask_for_a_code(t: &Tmux) {
    t.keys(&["Enter"]);
    t.type_text("+7 900 123 45 67");
    t.keys(&["Enter"]);
}

/// `a`, the slug, Enter (to the name), the name, Enter: add it.
fn add_beta(t: &mut Tmux) {
    t.keys(&["a"]);
    t.wait_text("Add a company");
    t.type_text("beta");
    t.keys(&["Enter"]);
    t.type_text("Beta Co");
    t.keys(&["Enter"]);
}

fn device_connected(sim: &SimProcess) -> bool {
    let (_, devices) = sim.call("GET", "/devices", "");
    devices[0]["connected"] == true
}

#[test]
fn link_through_an_attached_dashboard_quit_reopen_still_connected() {
    let (sim, dir) = acme();
    let serve = Serve::start(&dir.path, &sim);

    let mut t = dashboard(&dir);
    t.wait_text(&format!("walink serve · pid {}", serve.pid()));
    ask_for_a_code(&t);
    phone_types_the_code(&mut t, &sim);
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    assert!(
        device_connected(&sim),
        "quitting the dashboard left the session up"
    );

    // Reopened: still Connected, at once. A hang-up (a dropped SSH
    // connection) ends the dashboard, never the session.
    let mut t = dashboard(&dir);
    t.wait_for("the row, Connected", |s| s.contains("● Connected"));
    kill(&t, "-HUP");
    assert_eq!(t.exit_status(), 129);
    assert!(
        device_connected(&sim),
        "SIGHUP to a dashboard left the session up"
    );
    let out = walink(&dir.path, &["status", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows[0]["state"], "connected", "{rows}");

    // kill -9 of the server under an open dashboard: it says so, then shows
    // the restored session once a new server runs, with no keypress.
    let mut t = dashboard(&dir);
    t.wait_for("the row, Connected", |s| s.contains("● Connected"));
    let mut serve = serve;
    serve.kill_9();
    t.wait_text("walink serve went away; reconnecting…");
    let serve = Serve::start(&dir.path, &sim);
    t.wait_text(&format!("walink serve · pid {}", serve.pid()));
    t.wait_for("the restored row, Connected", |s| s.contains("● Connected"));
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// `walink serve` dies under a dashboard at 80×24 showing a code: the
/// header, the pane and the rows say so, an added company is refused with a
/// sentence (its dialog kept), and all is live again once serve is back.
#[test]
fn a_dashboard_whose_serve_died_says_so_everywhere_and_sends_nothing() {
    let (sim, dir) = acme();
    let mut serve = Serve::start(&dir.path, &sim);
    let mut t = Tmux::start_sized(
        &format!("{} --data-dir {}", bin(), dir.path.display()),
        80,
        24,
    );
    t.wait_text("walink serve");
    ask_for_a_code(&t);
    t.wait_for("a pairing code", |s| crate::e2e::code_on(s).is_some());

    serve.kill_9();
    let screen = t.wait_text("walink serve went away; reconnecting…");
    assert!(
        screen.contains("and this attempt with it: the code shown") && !screen.contains(" left"),
        "the dead code still counts down:\n{screen}"
    );
    t.keys(&["Escape"]);
    t.wait_text("? was linking");

    add_beta(&mut t);
    let screen = t.wait_text("nothing was sent");
    assert!(
        screen.contains("Add a company"),
        "the dialog closed:\n{screen}"
    );
    t.keys(&["Escape"]);

    let serve = Serve::start(&dir.path, &sim);
    t.wait_text(&format!("walink serve · pid {}", serve.pid()));
    t.wait_for("the row, live again", |s| {
        s.contains("○ Not linked") && !s.contains("? was")
    });
    add_beta(&mut t);
    t.wait_for("beta in the table", |s| {
        s.contains("beta") && !s.contains("Add a company")
    });
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// A second dashboard opened while the first links: its pane says whose
/// attempt it is and follows it, and clears once the link is made.
#[test]
fn a_second_dashboard_names_the_first_ones_attempt_and_follows_it() {
    let (sim, dir) = acme();
    let serve = Serve::start(&dir.path, &sim);
    let mut first = dashboard(&dir);
    first.wait_text(&format!("walink serve · pid {}", serve.pid()));
    ask_for_a_code(&first);
    let screen = first.wait_for("a pairing code", |s| crate::e2e::code_on(s).is_some());
    let code = crate::e2e::code_on(&screen).expect("code");

    let mut second = dashboard(&dir);
    second.wait_text(&format!("walink serve · pid {}", serve.pid()));
    second.keys(&["Enter"]);
    let whose = format!(
        "dashboard (pid {}) has been linking this company",
        first.pid()
    );
    let screen = second.wait_text(&whose);
    assert!(screen.contains("its code is live for"), "{screen}");

    let (status, body) = sim.call(
        "POST",
        "/phone/code",
        &format!(r#"{{"phone":"{}","code":"{code}"}}"#, crate::wa::PHONE),
    );
    assert_eq!(status, 200, "{body}");
    first.wait_text("Linked to");
    second.wait_for("the note gone", |s| !s.contains("has been linking"));
    for t in [&mut first, &mut second] {
        t.keys(&["Escape"]);
        // A q sent on the heels of Escape reads as Alt+q.
        t.wait_for("the table again", |s| !s.contains("Esc back"));
        t.keys(&["q"]);
        assert_eq!(t.exit_status(), 0);
    }
}

/// `i` on a dashboard attached to `walink serve --http`: the link on the
/// screen opens the page; the row says the company is invited; what the
/// company does there shows in the dashboard's log as it happens.
#[test]
fn i_invites_the_company_and_the_dashboard_follows_its_page() {
    let (sim, dir) = acme();
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let mut t = dashboard(&dir);
    t.wait_text(&format!("walink serve · pid {}", serve.pid()));
    t.keys(&["i"]);
    let screen = t.wait_text("Send this link to the company");
    let start = screen.find("http://").expect("the link on screen");
    let url: String = screen[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '│')
        .collect();
    assert!(
        url.starts_with(&serve.http()) && url.contains("/link/"),
        "{url}\n{screen}"
    );
    t.keys(&["Escape"]);
    t.wait_text("invited · 30 min left");

    let (status, _, page) = crate::invite::get(&url, None);
    assert_eq!(status, 200, "{page}");
    t.keys(&["l"]);
    t.wait_text("opened from 127.0.0.1");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}
