//! whatsapp-rust's storage traits on PostgreSQL: what a session writes reads
//! back as whatsapp-rust's own SQLite store would give it, one company never
//! sees another's keys, and a host that lost the lease writes nothing.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use wacore::appstate::processor::AppStateMutationMAC;
use wacore::store::error::StoreError;
use wacore::store::traits::{
    AppStateSyncKey, AppSyncStore, DeviceInfo, DeviceListRecord, DeviceStore, LidPnMappingEntry,
    MsgSecretEntry, MsgSecretStore, ProtocolStore, SignalStore,
};
use walink_hosts::keys::Keys;
use walink_hosts::test_server::TestServer;
use walink_hosts::{Database, Error, Leases};

const TTL: Duration = Duration::from_secs(3);

/// Host `host` holding the lease of each company, and their keys.
async fn keys_of(db: &Database, host: &str, companies: &[&str]) -> Vec<Keys> {
    for c in companies {
        db.add_company(c).await.unwrap();
    }
    let leases = Leases::new(db.clone(), host, TTL);
    leases.join(100).await.unwrap();
    let mut held = leases.acquire(100, 0).await.unwrap();
    held.sort_by(|a, b| a.company.cmp(&b.company));
    held.into_iter()
        .map(|l| Keys::new(leases.clone(), l))
        .collect()
}

#[tokio::test]
async fn the_device_and_signal_state_read_back_as_written() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    let k = keys_of(&db, "a", &["acme"]).await.remove(0);

    assert!(!k.exists().await.unwrap());
    assert!(k.load().await.unwrap().is_none());
    k.create().await.unwrap();
    assert!(k.exists().await.unwrap());
    assert!(k.create().await.is_err(), "a second device is refused");
    let mut device = k.load().await.unwrap().expect("created");
    device.push_name = "Acme".into();
    device.login_counter = 3;
    k.save(&device).await.unwrap();
    let back = k.load().await.unwrap().unwrap();
    assert_eq!(back.push_name, "Acme");
    assert_eq!(back.login_counter, 3);
    assert_eq!(back.registration_id, device.registration_id);
    assert_eq!(
        back.identity_key.public_key.public_key_bytes(),
        device.identity_key.public_key.public_key_bytes()
    );
    assert_eq!(back.adv_secret_key, device.adv_secret_key);

    k.put_identity("551199@s.whatsapp.net", [7; 32])
        .await
        .unwrap();
    assert_eq!(
        k.load_identity("551199@s.whatsapp.net").await.unwrap(),
        Some([7; 32])
    );
    assert!(k.has_signal_state_for_user("551199").await.unwrap());
    assert!(!k.has_signal_state_for_user("5511").await.unwrap());
    // Later rows of one batch win, as one at a time.
    let addr: Arc<str> = "551199:3@s.whatsapp.net".into();
    k.put_sessions_batch(&[
        (addr.clone(), Bytes::from_static(b"one")),
        (addr.clone(), Bytes::from_static(b"two")),
    ])
    .await
    .unwrap();
    assert_eq!(k.get_session(&addr).await.unwrap().unwrap(), &b"two"[..]);
    assert!(k.has_session(&addr).await.unwrap());
    k.delete_session(&addr).await.unwrap();
    assert!(!k.has_session(&addr).await.unwrap());

    assert_eq!(k.get_max_prekey_id().await.unwrap(), 0, "none yet");
    let prekeys: Vec<(u32, Bytes)> = (1..=5).map(|i| (i, Bytes::from(vec![i as u8]))).collect();
    k.store_prekeys_batch(&prekeys, false).await.unwrap();
    k.remove_prekey(2).await.unwrap();
    k.mark_prekeys_uploaded(&[1, 2, 3]).await.unwrap();
    assert_eq!(k.get_max_prekey_id().await.unwrap(), 5);
    assert!(
        k.load_prekey(2).await.unwrap().is_none(),
        "a used prekey stays gone"
    );
    let mut some = k.load_prekeys_batch(&[1, 2, 3, 9]).await.unwrap();
    some.sort();
    assert_eq!(some, [(1, Bytes::from(vec![1])), (3, Bytes::from(vec![3]))]);

    k.store_signed_prekey(1, b"spk").await.unwrap();
    assert_eq!(
        k.load_all_signed_prekeys().await.unwrap(),
        [(1, b"spk".to_vec())]
    );
    k.put_sender_key("g1::me", b"sk").await.unwrap();
    assert_eq!(k.get_sender_key("g1::me").await.unwrap().unwrap(), b"sk");
}

#[tokio::test]
async fn app_state_and_protocol_state_keep_whatsapp_rusts_rules() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    let k = keys_of(&db, "a", &["acme"]).await.remove(0);

    // Sync keys: the latest id whose key is usable.
    let key = |b: u8| AppStateSyncKey {
        key_data: vec![b; 32],
        fingerprint: vec![],
        timestamp: 1,
    };
    k.set_sync_key(&[0, 1], key(1)).await.unwrap();
    k.set_sync_key(
        &[0, 9],
        AppStateSyncKey {
            key_data: vec![1; 5],
            ..key(9)
        },
    )
    .await
    .unwrap();
    assert_eq!(k.get_latest_sync_key_id().await.unwrap(), Some(vec![0, 1]));
    assert!(k.get_sync_key(&[0, 9]).await.unwrap().is_none(), "unusable");
    assert_eq!(
        k.get_sync_key(&[0, 1]).await.unwrap().unwrap().key_data,
        [1; 32]
    );
    assert_eq!(
        k.get_version("regular").await.unwrap().version,
        0,
        "none yet"
    );
    let mut state = k.get_version("regular").await.unwrap();
    state.version = 4;
    k.set_version("regular", state).await.unwrap();
    assert_eq!(k.get_version("regular").await.unwrap().version, 4);

    let mac = |i: u8, v: u8| AppStateMutationMAC {
        index_mac: vec![i; 32],
        value_mac: vec![v],
    };
    k.put_mutation_macs("regular", 4, &[mac(1, 1), mac(1, 2), mac(3, 3)])
        .await
        .unwrap();
    let macs = k
        .get_mutation_macs("regular", &[[1; 32], [2; 32]])
        .await
        .unwrap();
    assert_eq!(macs.len(), 1);
    assert_eq!(macs[&[1; 32]], [2], "the later of one batch");
    k.delete_mutation_macs("regular", &[vec![1; 32]])
        .await
        .unwrap();
    assert!(
        k.get_mutation_mac("regular", &[1; 32])
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        k.get_mutation_mac("regular", &[3; 32])
            .await
            .unwrap()
            .is_some()
    );

    // LID pairs: the first time learnt stays, the latest LID of a number wins.
    let lid = |lid: &str, at: i64| LidPnMappingEntry {
        lid: lid.into(),
        phone_number: "5511".into(),
        created_at: at,
        updated_at: at,
        learning_source: "usync".into(),
    };
    k.put_lid_mappings(&[lid("100", 10), lid("200", 20), lid("100", 30)])
        .await
        .unwrap();
    let first = k.get_lid_mapping("100").await.unwrap().unwrap();
    assert_eq!((first.created_at, first.updated_at), (10, 30));
    assert_eq!(k.get_pn_mapping("5511").await.unwrap().unwrap().lid, "100");
    assert_eq!(k.get_all_lid_mappings().await.unwrap().len(), 2);

    let list = DeviceListRecord {
        user: "5511".into(),
        devices: vec![DeviceInfo::new(0, None), DeviceInfo::new(3, Some(2))],
        timestamp: 99,
        phash: Some("2:abc".into()),
        raw_id: Some(u32::MAX),
    };
    k.update_device_list(list).await.unwrap();
    let back = k.get_devices("5511").await.unwrap().unwrap();
    assert_eq!(back.devices.len(), 2);
    assert_eq!((back.timestamp, back.raw_id), (99, Some(u32::MAX)));
    assert!(
        !k.has_same_base_key("a", "m", b"x").await.unwrap(),
        "none yet"
    );
    k.save_base_key("a", "m", b"x").await.unwrap();
    assert!(k.has_same_base_key("a", "m", b"x").await.unwrap());

    // Tokens: an older one never replaces a newer; a placeholder gives way;
    // the sender time only moves forward.
    k.touch_tc_token_sender_timestamp("j", 50).await.unwrap();
    k.store_received_tc_token("j", b"t1", 10).await.unwrap();
    k.store_received_tc_token("j", b"t0", 5).await.unwrap();
    k.touch_tc_token_sender_timestamp("j", 40).await.unwrap();
    let t = k.get_tc_token("j").await.unwrap().unwrap();
    assert_eq!(
        (t.token, t.token_timestamp, t.sender_timestamp),
        (b"t1".to_vec(), 10, Some(50))
    );
    assert_eq!(
        k.delete_expired_tc_tokens(10, 100).await.unwrap(),
        0,
        "strict cutoff"
    );
    assert_eq!(k.delete_expired_tc_tokens(11, 100).await.unwrap(), 1);

    // A sent message is taken once.
    k.store_sent_message("c", "m1", b"p").await.unwrap();
    assert_eq!(
        k.take_sent_message("c", "m1").await.unwrap(),
        Some(b"p".to_vec())
    );
    assert_eq!(k.take_sent_message("c", "m1").await.unwrap(), None);
    k.store_pending_inbound("c", "s", "m2", b"hello")
        .await
        .unwrap();
    assert_eq!(
        k.get_pending_inbound("c", "s", "m2").await.unwrap(),
        Some(b"hello".to_vec())
    );
    k.delete_pending_inbound("c", "s", "m2").await.unwrap();
    assert_eq!(k.get_pending_inbound("c", "s", "m2").await.unwrap(), None);

    // Secrets: a deadline of 0 is never and wins; the message time grows.
    let secret = |expires: i64, ts: i64| MsgSecretEntry {
        chat: "c".into(),
        sender: "s".into(),
        msg_id: "m".into(),
        secret: [1; 32],
        expires_at: expires,
        message_ts: ts,
    };
    k.put_msg_secrets(vec![secret(100, 7), secret(200, 0)])
        .await
        .unwrap();
    assert_eq!(
        k.get_msg_secret_with_ts("c", "s", "m")
            .await
            .unwrap()
            .unwrap()
            .1,
        7
    );
    assert_eq!(k.delete_expired_msg_secrets(199).await.unwrap(), 0);
    assert_eq!(
        k.delete_expired_msg_secrets(200).await.unwrap(),
        1,
        "inclusive"
    );
    k.put_msg_secrets(vec![secret(100, 1), secret(0, 1)])
        .await
        .unwrap();
    assert_eq!(
        k.delete_expired_msg_secrets(i64::MAX).await.unwrap(),
        0,
        "never"
    );
}

#[tokio::test]
async fn one_company_never_sees_anothers_keys_and_forgetting_or_removing_one_leaves_the_other() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    let both = keys_of(&db, "a", &["acme", "bolt"]).await;
    let (acme, bolt) = (&both[0], &both[1]);
    acme.create().await.unwrap();
    acme.put_identity("x@s.whatsapp.net", [1; 32])
        .await
        .unwrap();
    acme.store_prekey(1, b"p", true).await.unwrap();
    assert!(!bolt.exists().await.unwrap());
    assert_eq!(bolt.load_identity("x@s.whatsapp.net").await.unwrap(), None);
    assert_eq!(bolt.get_max_prekey_id().await.unwrap(), 0);
    bolt.create().await.unwrap();
    assert_ne!(
        acme.load().await.unwrap().unwrap().registration_id,
        bolt.load().await.unwrap().unwrap().registration_id
    );

    // A logout: acme's keys are dead and go, bolt's stay.
    acme.forget().await.unwrap();
    assert!(!acme.exists().await.unwrap());
    assert_eq!(acme.load_identity("x@s.whatsapp.net").await.unwrap(), None);
    bolt.put_identity("x@s.whatsapp.net", [2; 32])
        .await
        .unwrap();
    acme.put_identity("x@s.whatsapp.net", [1; 32])
        .await
        .unwrap();

    // A company removed takes its rows with it.
    let raw = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(raw.1);
    raw.0
        .execute("DELETE FROM leases WHERE company = 'acme'", &[])
        .await
        .unwrap();
    let left: i64 = raw
        .0
        .query_one(
            "SELECT (SELECT count(*) FROM key_device) + (SELECT count(*) FROM key_identities) \
             + (SELECT count(*) FROM key_prekeys)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 2, "only bolt's device and identity are left");
    assert!(bolt.exists().await.unwrap());
}

#[tokio::test]
async fn a_host_that_lost_the_lease_writes_no_key() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    let old = keys_of(&db, "a", &["acme"]).await.remove(0);
    old.create().await.unwrap();
    old.put_session("x@s.whatsapp.net", b"a's").await.unwrap();

    // a pauses past its lease; b takes the company and runs it.
    tokio::time::sleep(TTL + Duration::from_millis(300)).await;
    let new = keys_of(&db, "b", &[]).await.remove(0);
    new.put_session("x@s.whatsapp.net", b"b's").await.unwrap();

    let refused = old
        .put_session("x@s.whatsapp.net", b"late a")
        .await
        .unwrap_err();
    let StoreError::Database(cause) = &refused else {
        panic!("{refused:?}");
    };
    assert!(
        matches!(cause.downcast_ref::<Error>(), Some(Error::Fenced { company, .. }) if company == "acme"),
        "{cause:?}"
    );
    assert!(old.store_prekey(1, b"p", false).await.is_err());
    assert!(old.take_sent_message("c", "m").await.is_err());
    assert_eq!(
        new.get_session("x@s.whatsapp.net").await.unwrap().unwrap(),
        &b"b's"[..],
        "b's state stands"
    );
}
