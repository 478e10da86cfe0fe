//! Every session's keys in one `keys.db`: a company linked in the layout
//! before it (a key file of its own) is moved in at start and connects
//! without a new link; removing one company leaves the others' keys and
//! connections alone.

use walink::domain::{AttemptId, LinkMethod, SessionState};
use walink::engine::{Command, Update};
use walink::keystore::KeyStore;

use crate::engine_fixture::{Fixture, link_by_qr, old_layout_keys};
use crate::wa::{secs, sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_the_old_layout_move_in_and_connect_without_a_new_link() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    // The layout before keys.db: this company's own whatsapp-rust store,
    // linked through the code path that used it.
    old_layout_keys(&f.data, "acme").await;
    let jid = link_by_qr(&sim, &mut f).await;
    let file = f.data.session_file("acme");
    let keys = KeyStore::new(f.data.keys_path());
    assert!(
        !keys.holds(f.company).expect("key store"),
        "linked in its own file"
    );
    let paired = sim.registered_devices();

    f.restart_at(&sim.url(), |_| {}).await;
    f.state(secs(40), |s| *s == SessionState::Connected).await;

    let log = f.store().events(f.company, 50).expect("log");
    assert!(!file.exists(), "the old file left sessions/: {log:?}");
    assert!(
        f.data.migrated_dir().join("acme.db").exists(),
        "kept in migrated/"
    );
    let device = keys.device_jid(f.company).expect("key store");
    assert_eq!(device.as_deref(), Some(jid.as_str()), "the same device");
    let now = sim.registered_devices();
    assert_eq!(now.len(), paired.len(), "no new pairing: {now:?}");
    assert!(
        now.iter().any(|d| d.jid == jid && d.connected),
        "connected as the device it was: {now:?}"
    );
    assert!(
        log.iter().any(|e| e.detail.contains("keys moved into")),
        "{log:?}"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_company_leaves_the_others_keys_and_connection() {
    const BETA_PHONE: &str = "15550107777";
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    let acme = f.company;
    let beta = f
        .store()
        .add_company(
            &walink::domain::Slug::parse("beta").expect("slug"),
            &walink::domain::DisplayName::parse("Beta").expect("name"),
        )
        .expect("add")
        .id;
    f.restart_at(&sim.url(), |_| {}).await;
    f.engine
        .send(Command::Link {
            company: beta,
            attempt: AttemptId(2),
            method: LinkMethod::Qr,
            force: false,
            by: "test".into(),
            invitation: None,
        })
        .await
        .expect("engine");
    let qr = f
        .wait(secs(20), |u| match u {
            Update::QrIssued {
                company, payload, ..
            } if *company == beta => Some(payload.clone()),
            _ => None,
        })
        .await;
    sim.phone(BETA_PHONE).scan_qr(&qr).await.expect("scan");
    f.wait(secs(40), |u| match u {
        Update::StateChanged {
            company,
            state: SessionState::Connected,
            ..
        } if *company == beta => Some(()),
        _ => None,
    })
    .await;

    f.engine
        .send(Command::RemoveCompany { company: acme })
        .await
        .expect("engine");
    f.wait(secs(20), |u| match u {
        Update::CompanyRemoved { company } if *company == acme => Some(()),
        _ => None,
    })
    .await;
    let keys = KeyStore::new(f.data.keys_path());
    assert!(
        !keys.holds(acme).expect("key store"),
        "acme's keys are gone"
    );
    assert!(
        keys.device_jid(beta).expect("key store").is_some(),
        "beta's keys stay"
    );
    let devices = sim.registered_devices();
    assert!(
        devices.iter().any(|d| d.phone == BETA_PHONE && d.connected),
        "beta is still connected: {devices:?}"
    );
    f.shutdown().await;
}
