//! Dashboard figures, printed (not asserted): time to draw a frame with
//! 10,000 companies, and with the QR pane open; time from an opened
//! registry of 10,000 companies to the first frame.
//!
//! `cargo bench --bench render`

use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use walink::domain::{AttemptId, DisplayName, SessionState, Slug};
use walink::engine::{SessionRow, Update, snapshot};
use walink::store::{Store, now_unix};
use walink::tui::view::theme::Theme;
use walink::tui::{Action, App, Msg, Now, render};

const COMPANIES: usize = 10_000;
const FRAMES: usize = 300;

fn now() -> Now {
    Now {
        instant: Instant::now(),
        unix: now_unix(),
        tz: *chrono::Local::now().offset(),
    }
}

fn rows() -> Vec<SessionRow> {
    (0..COMPANIES)
        .map(|i| SessionRow {
            company: i as i64 + 1,
            slug: format!("company-{i:05}"),
            name: format!("Company number {i}"),
            phone: Some(format!("7900{:07}", i)),
            jid: None,
            push_name: None,
            state: if i % 3 == 0 {
                SessionState::Connected
            } else {
                SessionState::NotLinked
            },
            since: SystemTime::now(),
            last_event: Some("state: connected".into()),
            linking: None,
            host: None,
        })
        .collect()
}

/// Draw `FRAMES` frames (each a full redraw: the cell diff is not what is
/// measured) and print median and p99.
fn frames(label: &str, app: &mut App) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut took = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let t = now();
        terminal.clear().expect("clear");
        let start = Instant::now();
        terminal.draw(|f| render(app, t, f)).expect("draw");
        took.push(start.elapsed());
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label}: frame median {:.3} ms, p99 {:.3} ms ({FRAMES} frames at 120x40)",
        ms(took[FRAMES / 2]),
        ms(took[FRAMES * 99 / 100])
    );
}

fn main() {
    let mut app = App::new(Theme::colored(), false, None);
    app.update(Msg::Engine(Update::Snapshot(rows())), now());
    frames("table, 10,000 companies", &mut app);

    app.update(Msg::Action(Action::OpenPairing), now());
    app.update(Msg::Action(Action::SwitchMethod), now());
    app.update(Msg::Action(Action::SubmitLink), now());
    let payload = format!(
        "2@{},{},{},{},1",
        "A".repeat(100),
        "B".repeat(44),
        "C".repeat(44),
        "D".repeat(44)
    );
    let attempt = app
        .pairing()
        .and_then(|p| p.attempt.as_ref().map(|a| a.id))
        .unwrap_or(AttemptId(1));
    let qr = Update::QrIssued {
        company: 1,
        attempt,
        payload,
        expires_at: Instant::now() + Duration::from_secs(60),
    };
    app.update(Msg::Engine(qr), now());
    frames("QR pane open, 10,000 companies", &mut app);

    // Start to first frame: open a registry of 10,000 companies, read the
    // rows, build the App, draw once.
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("walink.db");
    {
        let mut store = Store::open(&path).expect("registry");
        for i in 0..COMPANIES {
            let slug = Slug::parse(&format!("company-{i:05}")).expect("slug");
            store
                .add_company(
                    &slug,
                    &DisplayName::parse(&format!("Company {i}")).expect("name"),
                )
                .expect("add");
        }
    }
    let start = Instant::now();
    let store = Store::open(&path).expect("registry");
    let rows = snapshot::rows(&store, now_unix(), true).expect("rows");
    let mut app = App::new(Theme::colored(), false, None);
    app.update(Msg::Engine(Update::Snapshot(rows)), now());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let t = now();
    terminal.draw(|f| render(&app, t, f)).expect("draw");
    println!(
        "start to first frame, 10,000 companies in the registry: {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}
