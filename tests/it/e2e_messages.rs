//! "Is this number really working?" in a real terminal: the dashboard
//! attached to `walink serve` shows a customer's message under `m`, and `t`
//! sends a test message the customer's real client receives, followed to
//! delivered and read on screen.

use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;

use crate::crash::link_by_qr;
use crate::e2e::bin;
use crate::http::{setup, token};
use crate::tmux::Tmux;
use crate::wa::{linked_client_at, secs};

const ACME: &str = "79001000004";
const CUSTOMER: &str = "79990000004";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m_shows_the_traffic_and_t_sends_a_test_message_followed_to_read() {
    let (sim, dir, _serve, http) = tokio::task::block_in_place(setup);
    let admin = token(&dir.path, &["--scope", "link"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));
    let store = tempfile::tempdir().expect("tmp");
    let mut customer =
        linked_client_at(&sim.ws, &sim, &store.path().join("customer.db"), CUSTOMER).await;
    customer
        .client
        .send_text(Jid::pn(ACME), "Do you deliver today?")
        .await
        .expect("sent");

    let mut t = Tmux::start(&format!("{} --data-dir {}", bin(), dir.path.display()));
    tokio::task::block_in_place(|| {
        t.wait_for("acme connected", |s| s.contains("● Connected"));
        t.keys(&["m"]);
        let screen = t.wait_for("the customer's message", |s| {
            s.contains("Messages · acme") && s.contains("received")
        });
        assert!(screen.contains("1 in 24 h"), "{screen}");
        assert!(!screen.contains("Do you deliver"), "text hidden: {screen}");
        assert!(!screen.contains(CUSTOMER), "number masked: {screen}");
        t.keys(&["v"]);
        t.wait_text("Do you deliver today?");
        t.keys(&["t"]);
        t.wait_text("Send a test message to:");
        t.type_text(&format!("+{CUSTOMER}"));
        t.keys(&["Enter"]);
        t.wait_for("the test message delivered", |s| {
            s.contains("[test]") && s.contains("delivered")
        });
    });
    let (text, id) = customer
        .wait_raw(secs(30), |e| match e {
            Event::Messages(batch) => batch.messages.iter().find_map(|m| {
                let text = m.message.conversation.clone()?;
                Some((text, m.info.id.to_string()))
            }),
            _ => None,
        })
        .await;
    assert!(text.starts_with("walink test message"), "{text}");
    customer
        .client
        .mark_as_read(&Jid::pn(ACME), None, &[id.as_str()])
        .await
        .expect("read");
    tokio::task::block_in_place(|| {
        t.wait_for("the test message read", |s| {
            s.lines()
                .any(|l| l.contains("[test]") && l.contains("read"))
        });
        t.keys(&["Escape"]);
        t.wait_for("the table again", |s| !s.contains("Messages · acme"));
        t.keys(&["q"]);
        assert_eq!(t.exit_status(), 0);
    });
    customer.shutdown().await;
}
