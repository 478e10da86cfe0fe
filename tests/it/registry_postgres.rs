//! The registry in PostgreSQL that several hosts share: what one host
//! writes the others read, a session's state is written only by the host
//! that holds its lease, a message is kept and queued once, a webhook
//! delivery goes to one host, each host's event stream is its own, and a
//! company removed on one host is gone everywhere with its keys.

use std::time::Duration;

use walink::config::DataDir;
use walink::domain::{Direction, DisplayName, Message, MessageKind, MessageStatus, Slug};
use walink::store::{Registry, SharedDatabase, StoreError};
use walink_hosts::test_server::TestServer;
use walink_hosts::{Database, Leases};

use crate::common::TempDataDir;

/// Host `host`'s registry: a data directory that shares `url`.
fn registry(dir: &TempDataDir, url: &str, host: &str) -> Box<dyn Registry> {
    let data = DataDir::resolve(Some(dir.path.clone())).expect("data dir");
    data.ensure().expect("ensure");
    let shared = SharedDatabase {
        url: url.into(),
        host: host.into(),
    };
    walink::store::remember(&data, &shared).expect("remember");
    walink::store::open(&data).expect("open the shared registry")
}

fn inbound(id: &str, text: &str, at: i64) -> Message {
    Message {
        id: id.into(),
        direction: Direction::In,
        chat: "79990000001@s.whatsapp.net".into(),
        sender: Some("79990000001@s.whatsapp.net".into()),
        sender_alt: None,
        sender_phone: Some("79990000001".into()),
        push_name: Some("Customer".into()),
        at,
        kind: MessageKind::Text,
        text: Some(text.into()),
        quoted: None,
        status: MessageStatus::Received,
        reason: None,
    }
}

#[test]
fn hosts_share_one_registry_and_only_the_lease_holder_writes_a_sessions_state() {
    let pg = TestServer::start();
    let url = pg.url();
    let (da, db) = (TempDataDir::new(), TempDataDir::new());
    let mut a = registry(&da, &url, "a");
    let mut b = registry(&db, &url, "b");
    assert_eq!(a.schema_version().unwrap(), 3);

    // Added on a, b has it; the slug is taken for b too.
    let slug = |s: &str| Slug::parse(s).unwrap();
    let name = |s: &str| DisplayName::parse(s).unwrap();
    let acme = a.add_company(&slug("acme"), &name("Acme")).unwrap();
    let beta = b.add_company(&slug("beta"), &name("Beta")).unwrap();
    assert_ne!(acme.id, beta.id);
    let on_b: Vec<String> = b
        .companies()
        .unwrap()
        .iter()
        .map(|c| c.slug.to_string())
        .collect();
    assert_eq!(on_b, ["acme", "beta"]);
    assert!(matches!(
        b.add_company(&slug("acme"), &name("Again")),
        Err(StoreError::DuplicateSlug(_))
    ));

    // Each company has its lease row; a takes acme's.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let leases = rt.block_on(async {
        let db = Database::connect(&url).await.unwrap();
        let rows = db.leases().await.unwrap();
        assert_eq!(rows.len(), 2, "one lease row a company");
        let leases = Leases::new(db, "a", Duration::from_secs(30));
        leases.join(10).await.unwrap();
        let took = leases.acquire(10, 0).await.unwrap();
        assert_eq!(took.len(), 2);
        leases
    });

    // a links acme; b, which does not hold the lease, cannot overwrite it.
    a.set_session_link(
        acme.id,
        Some("79000000001"),
        Some("79000000001:1@s.whatsapp.net"),
        None,
    )
    .unwrap();
    a.set_session_state(acme.id, "connected", None).unwrap();
    b.set_session_state(acme.id, "elsewhere", None).unwrap();
    b.set_session_link(acme.id, None, None, None).unwrap();
    let seen = b.session(acme.id).unwrap().expect("session row");
    assert_eq!(seen.state, "connected");
    assert_eq!(seen.phone.as_deref(), Some("79000000001"));

    // A delivery replayed is kept once, whichever host keeps it.
    let hello = inbound("A1", "Hello", 100);
    assert_eq!(
        a.keep_inbound(acme.id, std::slice::from_ref(&hello), 100)
            .unwrap()
            .len(),
        1
    );
    assert!(
        b.keep_inbound(acme.id, std::slice::from_ref(&hello), 101)
            .unwrap()
            .is_empty()
    );
    assert_eq!(b.unannounced(0).unwrap().len(), 1);
    let queue = |s: &dyn Registry| s.log_event(Some(acme.id), "announced", "A1");
    assert!(a.announce(acme.id, &hello, queue).unwrap().is_some());
    assert!(
        b.announce(acme.id, &hello, queue).unwrap().is_none(),
        "announced once"
    );
    assert!(b.unannounced(0).unwrap().is_empty());

    // A reply under one key is queued once, asked on either host.
    let reply = Message {
        direction: Direction::Out,
        sender: None,
        sender_phone: None,
        push_name: None,
        status: MessageStatus::Queued,
        ..inbound("3EB0AA", "Hi", 200)
    };
    let (first, fresh) = a.queue_outbound(acme.id, Some("k1"), &reply, None).unwrap();
    assert!(fresh);
    let again = Message {
        id: "3EB0BB".into(),
        ..reply.clone()
    };
    let (second, fresh) = b.queue_outbound(acme.id, Some("k1"), &again, None).unwrap();
    assert!(!fresh);
    assert_eq!(second, first);
    assert_eq!(a.queued_outbound(acme.id).unwrap().len(), 1);
    let sent = b
        .set_message_status(acme.id, "3EB0AA", MessageStatus::Sent, None, 201)
        .unwrap();
    assert_eq!(sent.map(|m| m.status), Some(MessageStatus::Sent));
    assert!(a.queued_outbound(acme.id).unwrap().is_empty());

    // A step is whole: both events or none.
    a.in_one_step(|s| {
        s.log_event(Some(beta.id), "one", "")?;
        s.log_event(Some(beta.id), "two", "")
    })
    .unwrap()
    .unwrap();
    assert_eq!(b.events(beta.id, 10).unwrap().len(), 2);

    // A due delivery goes to one host: the first to ask claims it.
    let hook = a
        .add_webhook("http://127.0.0.1:9/hook", None, "", "secret", false, 300)
        .unwrap();
    a.enqueue_delivery(hook, Some(acme.id), "message.received", "{}", 300)
        .unwrap();
    let claimed = b.due_deliveries(300, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        a.due_deliveries(300, 10).unwrap().is_empty(),
        "claimed by b"
    );
    b.record_delivery(claimed[0].id, 301, Ok("200")).unwrap();
    assert_eq!(a.delivery_counts().unwrap(), [("200".to_owned(), 1)]);

    // Each host numbers its own event stream.
    a.keep_api_event(1, acme.id, "session.status", "{}", 400)
        .unwrap();
    a.keep_api_event(2, acme.id, "session.status", "{}", 400)
        .unwrap();
    b.keep_api_event(1, beta.id, "company.added", "{}", 400)
        .unwrap();
    assert_eq!(a.last_api_event().unwrap(), 2);
    assert_eq!(b.last_api_event().unwrap(), 1);
    assert_eq!(b.api_events_after(0, 10).unwrap().len(), 1);

    // A token made on one host opens the other.
    let t = walink::store::NewToken {
        hash: "h1",
        scope: "admin",
        company_id: None,
        note: "",
        created_at: 500,
        expires_at: None,
    };
    a.add_token(&t).unwrap();
    assert!(b.token_by_hash("h1").unwrap().is_some());

    // Removed on b: gone on a, with its lease row.
    b.remove_company("acme").unwrap();
    assert!(matches!(
        a.company("acme"),
        Err(StoreError::NoSuchCompany(_))
    ));
    let left = rt.block_on(async {
        let rows = leases.database().leases().await.unwrap();
        rows.into_iter().map(|r| r.company).collect::<Vec<_>>()
    });
    assert_eq!(left, ["beta"]);
}

#[test]
fn a_host_starting_leaves_another_hosts_link_in_flight_alone() {
    let pg = TestServer::start();
    let url = pg.url();
    let (da, db) = (TempDataDir::new(), TempDataDir::new());
    let mut a = registry(&da, &url, "a");
    let mut b = registry(&db, &url, "b");
    let acme = a
        .add_company(
            &Slug::parse("acme").unwrap(),
            &DisplayName::parse("Acme").unwrap(),
        )
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let leases = Leases::new(
            Database::connect(&url).await.unwrap(),
            "a",
            Duration::from_secs(30),
        );
        leases.join(10).await.unwrap();
        leases.acquire(10, 0).await.unwrap();
    });
    a.record_attempt(acme.id, None, "qr", 100, false).unwrap();
    // b starts: a's attempt is a's, still pending.
    assert!(b.interrupt_pending_attempts(200).unwrap().is_empty());
    // a restarts: its own attempt was cut short.
    assert_eq!(a.interrupt_pending_attempts(200).unwrap(), [acme.id]);
}

#[test]
fn a_step_that_panics_is_rolled_back_and_the_next_writes_are_seen() {
    let pg = TestServer::start();
    let url = pg.url();
    let (da, db) = (TempDataDir::new(), TempDataDir::new());
    let mut a = registry(&da, &url, "a");
    let b = registry(&db, &url, "b");
    let acme = a
        .add_company(
            &Slug::parse("acme").unwrap(),
            &DisplayName::parse("Acme").unwrap(),
        )
        .unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = a.in_one_step(|s| {
            s.log_event(Some(acme.id), "half", "").unwrap();
            panic!("a bug inside a step");
        });
    }));
    assert!(panicked.is_err());
    a.log_event(Some(acme.id), "after", "").unwrap();
    let kinds: Vec<String> = b
        .events(acme.id, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["after"],
        "the half step is gone, the next write is committed"
    );
}
