//! whatsapp-rust's own store on real files: a device imported, forgotten
//! and exported reads back through the library as it was written.

use super::*;
use whatsapp_rust::prelude::SqliteStore;
use whatsapp_rust::wacore::store::traits::{DeviceStore, SignalStore};

/// A key file of the old layout: one store, its one device, some keys.
async fn old_file(path: &Path, session: &[u8]) {
    let store = SqliteStore::new(&path.to_string_lossy())
        .await
        .expect("store");
    store.create().await.expect("device");
    store.put_session("peer.0", session).await.expect("session");
    store
        .put_identity("peer.0", [7; 32])
        .await
        .expect("identity");
}

async fn session_of(store: &KeyStore, device: i32) -> Option<Vec<u8>> {
    let view = SqliteStore::new_for_device(&store.url(), device)
        .await
        .expect("view");
    view.get_session("peer.0")
        .await
        .expect("read")
        .map(|b| b.to_vec())
}

#[tokio::test]
async fn a_key_file_comes_in_whole_and_goes_without_touching_its_neighbour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = KeyStore::new(dir.path().join("keys.db"));
    keys.prepare().await.expect("prepare");
    for (name, device, record) in [("a.db", 5, b"alpha".as_slice()), ("b.db", 9, b"beta")] {
        let file = dir.path().join(name);
        old_file(&file, record).await;
        let rows = keys.import(&file, device, name).expect("import");
        assert!(rows >= 3, "device, session and identity rows: {rows}");
    }
    assert_eq!(keys.devices().expect("devices"), vec![5, 9]);
    assert_eq!(session_of(&keys, 5).await.as_deref(), Some(&b"alpha"[..]));
    assert_eq!(session_of(&keys, 9).await.as_deref(), Some(&b"beta"[..]));

    // Importing again replaces, never doubles.
    let again = keys
        .import(&dir.path().join("a.db"), 5, "a")
        .expect("again");
    assert!(again >= 3);
    assert_eq!(session_of(&keys, 5).await.as_deref(), Some(&b"alpha"[..]));

    assert!(keys.forget(5).expect("forget") >= 3);
    assert!(!keys.holds(5).expect("holds"));
    assert_eq!(session_of(&keys, 5).await, None);
    assert_eq!(session_of(&keys, 9).await.as_deref(), Some(&b"beta"[..]));

    let out = dir.path().join("out.db");
    assert!(keys.export(9, &out).await.expect("export") >= 3);
    let alone = SqliteStore::new(&out.to_string_lossy())
        .await
        .expect("open");
    let got = alone.get_session("peer.0").await.expect("read");
    assert_eq!(got.as_deref(), Some(&b"beta"[..]));
    assert_eq!(
        alone.load_identity("peer.0").await.expect("identity"),
        Some([7; 32])
    );
}

#[tokio::test]
async fn a_file_never_linked_has_nothing_to_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = KeyStore::new(dir.path().join("keys.db"));
    keys.prepare().await.expect("prepare");
    let file = dir.path().join("empty.db");
    drop(
        SqliteStore::new(&file.to_string_lossy())
            .await
            .expect("store"),
    );
    assert!(matches!(
        keys.import(&file, 3, "empty"),
        Err(ImportError::NoDevice)
    ));
    assert!(keys.devices().expect("devices").is_empty());
}

#[tokio::test]
async fn every_per_device_query_finds_its_rows_by_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = KeyStore::new(dir.path().join("keys.db"));
    keys.prepare().await.expect("prepare");
    let conn = keys.conn().expect("conn");
    // What SQLite would do for whatsapp-rust's `WHERE device_id = ?` on each
    // of its tables: never a scan of every device's rows.
    for t in tables::device_tables(&conn, "main").expect("tables") {
        let plan: Vec<String> = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT * FROM {} WHERE {} = 1",
                tables::quoted(&t.name),
                t.key()
            ))
            .expect("plan")
            .query_map([], |r| r.get(3))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("plan rows");
        assert!(
            plan.iter().all(|step| !step.starts_with("SCAN")),
            "{}: {plan:?}",
            t.name
        );
    }
    // Once made, a second start makes none.
    assert!(tables::index_by_device(&conn).expect("again").is_empty());
}
