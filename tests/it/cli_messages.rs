//! `walink send` and `walink messages` against a number linked through
//! `walink serve`: the customer's real client gets the text with the id the
//! command printed, and the history shows both directions.

use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;

use crate::common::{stderr, stdout, walink};
use crate::crash::link_by_qr;
use crate::http::{setup, token};
use crate::serve::Serve;
use crate::wa::{TestClient, linked_client_at, secs};

const ACME: &str = "79001000003";
const CUSTOMER: &str = "79990000003";

/// The next text the customer's client gets, with its id.
async fn next_text(customer: &mut TestClient) -> (String, String) {
    customer
        .wait_raw(secs(30), |e| match e {
            Event::Messages(batch) => batch.messages.iter().find_map(|m| {
                let text = m.message.conversation.clone()?;
                Some((text, m.info.id.to_string()))
            }),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_waits_for_delivery_and_messages_shows_both_directions() {
    let (sim, dir, serve, http) = tokio::task::block_in_place(setup);
    let admin = token(&dir.path, &["--scope", "link"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));
    let store = tempfile::tempdir().expect("tmp");
    let mut customer =
        linked_client_at(&sim.ws, &sim, &store.path().join("customer.db"), CUSTOMER).await;
    customer
        .client
        .send_text(Jid::pn(ACME), "Hello")
        .await
        .expect("sent");

    let to = format!("+{CUSTOMER}");
    let run = |args: &[&str]| tokio::task::block_in_place(|| walink(&dir.path, args));
    let bad = run(&["send", "acme", "--to", "hello", "--text", "Hi"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("--to: a phone number"),
        "says what was wrong: {}",
        stderr(&bad)
    );

    let sent = run(&[
        "send",
        "acme",
        "--to",
        &to,
        "--text",
        "Hi from walink",
        "--wait",
        "delivered",
    ]);
    assert!(sent.status.success(), "{}", stderr(&sent));
    let id = stdout(&sent).trim().to_owned();
    assert!(id.starts_with("3EB0"), "the id on stdout: {id:?}");
    assert!(stderr(&sent).contains("delivered"), "{}", stderr(&sent));
    assert_eq!(
        next_text(&mut customer).await,
        ("Hi from walink".to_owned(), id.clone())
    );

    let listed = run(&["messages", "acme", "--json", "--full"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let lines: Vec<serde_json::Value> = stdout(&listed)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        (lines[0]["direction"].as_str(), lines[0]["text"].as_str()),
        (Some("in"), Some("Hello"))
    );
    assert_eq!(lines[0]["from_phone"], to.as_str());
    assert_eq!(lines[1]["id"], id.as_str());
    assert_eq!(lines[1]["status"], "delivered");
    let table = stdout(&run(&["messages", "acme"]));
    assert!(!table.contains(CUSTOMER), "numbers are masked: {table}");
    assert!(table.contains("Hello") && table.contains(&id), "{table}");

    // Without walink serve the text waits in the registry, and goes out
    // when it runs again.
    assert_eq!(tokio::task::block_in_place(|| serve.terminate()), 0);
    let later = run(&["send", "acme", "--to", &to, "--text", "Sent while down"]);
    assert!(later.status.success(), "{}", stderr(&later));
    assert!(
        stderr(&later).contains("when walink serve"),
        "{}",
        stderr(&later)
    );
    let later_id = stdout(&later).trim().to_owned();
    let _serve = tokio::task::block_in_place(|| Serve::start(&dir.path, &sim));
    assert_eq!(
        next_text(&mut customer).await,
        ("Sent while down".to_owned(), later_id)
    );

    // --follow, attached to walink serve, prints each new message as it
    // comes.
    let mut follow = std::process::Command::new(env!("CARGO_BIN_EXE_walink"))
        .arg("--data-dir")
        .arg(&dir.path)
        .args(["messages", "acme", "--follow", "--json", "--full"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("walink messages --follow");
    let (tx, lines) = std::sync::mpsc::channel::<serde_json::Value>();
    let out = follow.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).expect("a JSON line"));
        }
    });
    // The history first: three messages so far.
    for _ in 0..3 {
        lines.recv_timeout(secs(30)).expect("the history");
    }
    customer
        .client
        .send_text(Jid::pn(ACME), "Are you open on Sunday?")
        .await
        .expect("sent");
    // (A late status of the reply may come first.)
    let followed = tokio::task::block_in_place(|| {
        loop {
            let l = lines
                .recv_timeout(secs(30))
                .expect("the new message is printed");
            if l["direction"] == "in" {
                return l;
            }
        }
    });
    assert_eq!(followed["text"], "Are you open on Sunday?", "{followed}");
    let _ = follow.kill();
    let _ = follow.wait();
    customer.shutdown().await;
}
