//! The registry on temp files: migrations, persistence, the lock, modes.

use std::os::unix::fs::PermissionsExt;

use walink::config::DataDir;
use walink::domain::{DisplayName, Slug};
use walink::lockfile::DirLock;
use walink::store::{AttemptOutcome, Store};

use crate::common::TempDataDir;

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("valid slug")
}
fn name(s: &str) -> DisplayName {
    DisplayName::parse(s).expect("valid name")
}
/// A data directory made as walink makes it, on a temp dir.
fn data_dir() -> (TempDataDir, DataDir) {
    let dir = TempDataDir::new();
    let data = DataDir::resolve(Some(dir.path.clone())).expect("resolve");
    data.ensure().expect("ensure");
    (dir, data)
}

#[test]
fn migrations_run_once_and_survive_reopen() {
    let (_dir, data) = data_dir();
    let path = data.registry_path();
    let v1 = Store::open(&path)
        .expect("open")
        .schema_version()
        .expect("version");
    assert!(v1 >= 1);
    {
        let mut store = Store::open(&path).expect("reopen");
        assert_eq!(store.schema_version().expect("version"), v1);
        store
            .add_company(&slug("acme"), &name("Acme LLC"))
            .expect("add");
    }
    let store = Store::open(&path).expect("third open");
    assert_eq!(store.schema_version().expect("version"), v1);
    let companies = store.companies().expect("list");
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0].name.as_str(), "Acme LLC");
}

#[test]
fn rows_survive_reopen_and_cascade_on_remove() {
    let dir = TempDataDir::new();
    std::fs::create_dir_all(&dir.path).expect("mkdir");
    let path = dir.path.join("walink.db");
    let id = {
        let mut store = Store::open(&path).expect("open");
        let c = store
            .add_company(&slug("acme"), &name("Acme"))
            .expect("add");
        store
            .log_event(Some(c.id), "state", "connecting")
            .expect("event");
        store
            .set_session_state(c.id, "connected", None)
            .expect("state");
        store
            .set_session_link(
                c.id,
                Some("79001234567"),
                Some("79001234567:3@s.whatsapp.net"),
                Some("Acme"),
            )
            .expect("link");
        let a = store
            .record_attempt(c.id, Some("79001234567"), "code", 100, false)
            .expect("attempt");
        store
            .finish_attempt(a, AttemptOutcome::Throttled, Some(7300))
            .expect("finish");
        c.id
    };
    let mut store = Store::open(&path).expect("reopen");
    let s = store.session(id).expect("query").expect("a session row");
    assert_eq!(s.state, "connected");
    assert_eq!(s.jid.as_deref(), Some("79001234567:3@s.whatsapp.net"));
    assert_eq!(s.session_file, "sessions/acme.db");
    let events = store.events(id, 10).expect("events");
    assert_eq!(events[0].detail, "connecting");
    let attempts = store
        .attempts_since(id, Some("79001234567"), 0)
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, AttemptOutcome::Throttled);
    assert_eq!(attempts[0].cooldown_until, Some(7300));

    store.remove_company("acme").expect("remove");
    assert!(store.session(id).expect("query").is_none());
    assert!(store.events(id, 10).expect("events").is_empty());
    assert!(
        store
            .attempts_since(id, Some("79001234567"), 0)
            .expect("attempts")
            .is_empty()
    );
}

#[test]
fn duplicate_slug_is_a_typed_error() {
    let dir = TempDataDir::new();
    std::fs::create_dir_all(&dir.path).expect("mkdir");
    let mut store = Store::open(&dir.path.join("walink.db")).expect("open");
    store
        .add_company(&slug("acme"), &name("Acme"))
        .expect("add");
    let err = store
        .add_company(&slug("acme"), &name("Acme 2"))
        .expect_err("duplicate");
    assert!(matches!(err, walink::store::StoreError::DuplicateSlug(ref s) if s == "acme"));
}

#[test]
fn second_opener_is_refused_and_told_the_holder() {
    let (dir, data) = data_dir();
    let held = DirLock::acquire(&data.lock_path()).expect("first lock");
    let err = DirLock::acquire(&data.lock_path()).expect_err("second lock refused");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains(&dir.path.display().to_string()), "{msg}");
    drop(held);
    DirLock::acquire(&data.lock_path()).expect("free again after the holder lets go");
}

#[test]
fn second_process_is_refused_with_one_sentence() {
    let (dir, data) = data_dir();
    let _held = DirLock::acquire(&data.lock_path()).expect("lock");
    let out = crate::common::walink(&dir.path, &["company", "add", "acme"]);
    assert_eq!(out.status.code(), Some(1));
    let err = crate::common::stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("another walink (pid {})", std::process::id())),
        "{err}"
    );
}

#[test]
fn files_are_0600_and_dirs_0700() {
    let (_dir, data) = data_dir();
    let _store = Store::open(&data.registry_path()).expect("open");
    let _lock = DirLock::acquire(&data.lock_path()).expect("lock");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(data.root()), 0o700);
    assert_eq!(mode(&data.sessions_dir()), 0o700);
    assert_eq!(mode(&data.registry_path()), 0o600);
    assert_eq!(mode(&data.lock_path()), 0o600);
}

#[test]
fn an_existing_loose_data_dir_is_tightened() {
    let dir = TempDataDir::new();
    std::fs::create_dir_all(&dir.path).expect("mkdir");
    std::fs::set_permissions(&dir.path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    DataDir::resolve(Some(dir.path.clone()))
        .expect("resolve")
        .ensure()
        .expect("ensure");
    let mode = std::fs::metadata(&dir.path)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn the_outbox_tells_when_its_next_try_falls_due() {
    let (_dir, data) = data_dir();
    let store = Store::open(&data.registry_path()).expect("open");
    assert_eq!(store.next_delivery_at().expect("read"), None, "empty");

    let a = store
        .add_webhook("http://127.0.0.1:9/a", None, "*", "s", false, 100)
        .expect("a");
    let b = store
        .add_webhook("http://127.0.0.1:9/b", None, "*", "s", false, 100)
        .expect("b");
    store
        .enqueue_delivery(a, None, "state", "{}", 100)
        .expect("queue a");
    assert_eq!(store.next_delivery_at().expect("read"), Some(100));

    let first = store.due_deliveries(100, 10).expect("due");
    assert_eq!(first.len(), 1);
    store
        .record_delivery(first[0].id, 100, Err(130))
        .expect("failed try");
    assert_eq!(store.next_delivery_at().expect("read"), Some(130));

    store
        .enqueue_delivery(b, None, "state", "{}", 120)
        .expect("queue b");
    assert_eq!(store.next_delivery_at().expect("read"), Some(120));
    store.disable_webhook(b, 121, "410 Gone").expect("disable");
    assert_eq!(
        store.next_delivery_at().expect("read"),
        Some(130),
        "a disabled webhook's deliveries wait for nothing"
    );

    store
        .record_delivery(first[0].id, 130, Ok("200"))
        .expect("delivered");
    assert_eq!(store.next_delivery_at().expect("read"), None, "all done");

    // Done deliveries go with the retention, each when its end is older.
    assert_eq!(store.prune_deliveries(121).expect("prune"), 0);
    assert_eq!(
        store.prune_deliveries(122).expect("prune"),
        1,
        "b's, at 121"
    );
    let left = store.delivery_counts().expect("counts");
    assert_eq!(left, [("200".to_owned(), 1)], "a's, done at 130, stays");
    assert_eq!(store.prune_deliveries(131).expect("prune"), 1);
    assert!(store.delivery_counts().expect("counts").is_empty());
}

#[test]
fn a_company_id_is_never_given_again_and_its_api_events_go_with_it() {
    let (_dir, data) = data_dir();
    let path = data.registry_path();
    let mut store = Store::open(&path).expect("open");
    let a = store.add_company(&slug("alpha"), &name("A")).expect("add");
    let b = store.add_company(&slug("bravo"), &name("B")).expect("add");
    store
        .keep_api_event(1, b.id, "company.added", "{}", 100)
        .expect("keep");
    store
        .keep_api_event(2, a.id, "company.added", "{}", 100)
        .expect("keep");
    // The newest company goes: SQLite alone would give its id again.
    store.remove_company("bravo").expect("remove");
    let kept = store.api_events_after(0, 10).expect("events");
    assert_eq!(kept.iter().map(|e| e.1).collect::<Vec<_>>(), [a.id]);
    drop(store);
    let mut store = Store::open(&path).expect("reopen");
    let c = store
        .add_company(&slug("charlie"), &name("C"))
        .expect("add");
    assert!(c.id > b.id, "{} reused after {}", c.id, b.id);
}

#[test]
fn a_token_is_alive_until_revoked_or_expired() {
    let (_dir, data) = data_dir();
    let store = Store::open(&data.registry_path()).expect("open");
    let token = |hash: &str, expires_at| {
        store
            .add_token(&walink::store::NewToken {
                hash,
                scope: "read",
                company_id: None,
                note: "",
                created_at: 100,
                expires_at,
            })
            .expect("add")
    };
    let forever = token("h1", None);
    let brief = token("h2", Some(200));
    assert!(store.token_alive(forever, 1_000).expect("read"));
    assert!(store.token_alive(brief, 199).expect("read"));
    assert!(!store.token_alive(brief, 200).expect("read"), "expired");
    store.revoke_token(forever, 300).expect("revoke");
    assert!(!store.token_alive(forever, 300).expect("read"), "revoked");
    assert!(!store.token_alive(999, 300).expect("read"), "unknown");
}
