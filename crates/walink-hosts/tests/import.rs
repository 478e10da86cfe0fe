//! A company's keys brought in from elsewhere: whole, readable through
//! whatsapp-rust's traits under the lease the import took, refused over a
//! company the database has, and taken back out when the registry refuses.

use std::time::Duration;

use wacore::store::Device;
use wacore::store::traits::{AppStateSyncKey, AppSyncStore, DeviceStore, SignalStore};
use walink_hosts::keys::{Bundle, ImportError, Keys, Rows, Value};
use walink_hosts::test_server::TestServer;
use walink_hosts::{Database, Leases};

const TTL: Duration = Duration::from_secs(30);

fn bundle(push_name: &str) -> Bundle {
    let mut device = Device::new();
    device.push_name = push_name.into();
    let key = AppStateSyncKey {
        key_data: vec![9; 32],
        fingerprint: vec![1, 2],
        timestamp: 42,
    };
    Bundle {
        device,
        sync_keys: vec![(b"key-1".to_vec(), key)],
        versions: Vec::new(),
        tables: vec![
            Rows {
                table: "key_identities",
                columns: vec!["address", "key"],
                rows: vec![vec![
                    Value::Text("79990000001.0".into()),
                    Value::Bytes(vec![7; 32]),
                ]],
            },
            Rows {
                table: "key_prekeys",
                columns: vec!["id", "key", "uploaded"],
                rows: vec![vec![
                    Value::Int(5),
                    Value::Bytes(vec![3; 40]),
                    Value::Int(1),
                ]],
            },
        ],
    }
}

async fn raw(server: &TestServer) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

#[tokio::test]
async fn imported_keys_read_back_under_the_lease_the_import_took() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    let leases = Leases::new(db.clone(), "a", TTL);
    leases.join(10).await.unwrap();

    let lease = leases.import_keys("acme", &bundle("Acme")).await.unwrap();
    assert_eq!(lease.company, "acme");
    let keys = Keys::new(leases.clone(), lease.clone());
    let device = keys.load().await.unwrap().expect("the device came");
    assert_eq!(device.push_name, "Acme");
    assert_eq!(
        keys.load_identity("79990000001.0").await.unwrap(),
        Some([7; 32])
    );
    assert_eq!(
        keys.load_prekey(5).await.unwrap().as_deref(),
        Some(&[3u8; 40][..])
    );
    let sync = keys
        .get_sync_key(b"key-1")
        .await
        .unwrap()
        .expect("sync key");
    assert_eq!((sync.key_data, sync.timestamp), (vec![9; 32], 42));
    // Written under it as a session would: the fence lets this host pass.
    device_saved(&keys).await;
    // The next renewal finds it held: the keeper starts its session.
    let renewed = leases.renew().await.unwrap();
    assert_eq!(renewed, vec![lease]);
}

async fn device_saved(keys: &Keys) {
    let mut device = keys.load().await.unwrap().unwrap();
    device.login_counter = 2;
    keys.save(&device).await.unwrap();
    assert_eq!(keys.load().await.unwrap().unwrap().login_counter, 2);
}

#[tokio::test]
async fn a_company_the_registry_has_is_refused_and_a_stopped_import_is_redone() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    let leases = Leases::new(db.clone(), "a", TTL);
    leases.join(10).await.unwrap();
    let sql = raw(&server).await;
    sql.execute(
        "INSERT INTO companies (slug, name, created_at) VALUES ('beta', 'Beta', 0)",
        &[],
    )
    .await
    .unwrap();
    db.add_company("beta").await.unwrap();
    let err = leases.import_keys("beta", &bundle("B")).await.unwrap_err();
    assert!(
        matches!(err, ImportError::Exists(ref c) if c == "beta"),
        "{err}"
    );
    let devices: i64 = sql
        .query_one("SELECT count(*) FROM key_device", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(devices, 0, "nothing written");

    // An import that stopped before the registry had it: done again, whole.
    leases.import_keys("acme", &bundle("first")).await.unwrap();
    let lease = leases.import_keys("acme", &bundle("again")).await.unwrap();
    let keys = Keys::new(leases.clone(), lease);
    assert_eq!(keys.load().await.unwrap().unwrap().push_name, "again");

    // A table walink does not know: refused before anything is written.
    let mut odd = bundle("odd");
    odd.tables[0].table = "leases";
    let err = leases.import_keys("gamma", &odd).await.unwrap_err();
    assert!(matches!(err, ImportError::UnknownTable(_)), "{err}");

    // Withdrawn: its keys and its lease go.
    leases.withdraw_import("acme").await.unwrap();
    let left: i64 = sql
        .query_one(
            "SELECT (SELECT count(*) FROM key_device WHERE company = 'acme')
                  + (SELECT count(*) FROM leases WHERE company = 'acme')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}
