//! The invitation page across a restart of `walink serve` mid-attempt: the
//! engine keeps the attempt's invitation, so the invitation stays usable,
//! and the link made through it afterwards uses it up.

use std::time::{Duration, Instant};

use crate::http::setup;
use crate::invite::{get, invite};
use crate::serve::Serve;
use crate::wa::PHONE;

/// Ask the page for a code for `PHONE`: the code.
pub fn start(url: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut answer = agent
        .post(format!("{url}/start"))
        .header("Content-Type", "application/json")
        .send(format!(r#"{{"method":"code","phone":"{PHONE}"}}"#))
        .expect("the page answers");
    let body = answer.body_mut().read_to_string().expect("body");
    assert_eq!(answer.status().as_u16(), 200, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {body}"))
        .to_owned()
}

#[test]
fn an_invitation_survives_a_restart_of_serve_mid_attempt() {
    let (sim, dir, mut serve, _http) = setup();
    let made = invite(&dir.path, &["acme", "--method", "code"]);
    let token = made.rsplit('/').next().expect("token").to_owned();
    let url = format!("{}/link/{token}", serve.http());
    start(&url);
    // The attempt is live when walink serve dies.
    serve.kill_9();

    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let url = format!("{}/link/{token}", serve.http());
    let (status, _, page) = get(&url, None);
    assert_eq!(status, 200);
    assert!(
        page.contains("data-method"),
        "the invitation is usable: {page}"
    );
    let code = start(&url);
    let typed = format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#);
    assert_eq!(sim.call("POST", "/phone/code", &typed).0, 200);

    // Linked: the invitation is used up, and its holder's reload says so.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (_, _, page) = get(&url, None);
        if page.contains("This number is linked") {
            break;
        }
        assert!(Instant::now() < deadline, "never used up: {page}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let db = rusqlite::Connection::open(dir.path.join("walink.db")).expect("registry");
    let lines: Vec<String> = db
        .prepare("SELECT detail FROM events ORDER BY id")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("events");
    let said = |part: &str| lines.iter().any(|l| l.contains(part));
    assert!(said("ended as interrupted"), "{lines:#?}");
    assert!(said("invitation #1 used"), "{lines:#?}");
    drop(serve);
}
