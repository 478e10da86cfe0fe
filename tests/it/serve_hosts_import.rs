//! A company that ran on a walink of its own, exported and imported by a
//! host sharing a PostgreSQL database: its keys move from SQLite into the
//! database, it connects there with no new pairing, and a customer who
//! wrote to it before writes on in the same Signal session.

use std::time::{Duration, Instant};

use walink_hosts::test_server::TestServer;
use whatsapp_rust::Jid;

use crate::common::{TempDataDir, stderr, stdout, walink};
use crate::crash::{link_by_qr, state_becomes};
use crate::http::{Http, setup, token};
use crate::serve::Serve;
use crate::serve_hosts::devices;
use crate::serve_hosts_outage::on_database;
use crate::sim_process::SimProcess;
use crate::wa::{TestClient, linked_client_at};

const ACME: &str = "79001000002";
const CUSTOMER: &str = "79990000002";
const ACME_TOO: &str = "79001000003";
const CUSTOMER_TOO: &str = "79990000003";

/// The texts of `slug`'s history, waiting up to 30 s for `want` to be one.
fn history_has(http: &Http, token: &str, slug: &str, want: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let path = format!("/api/v1/sessions/{slug}/messages");
        let got = http.call("GET", &path, Some(token), None);
        let texts: Vec<String> = got
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["text"].as_str().map(str::to_owned))
            .collect();
        if texts.iter().any(|t| t == want) {
            return texts;
        }
        assert!(
            Instant::now() < deadline,
            "{want:?} never reached {slug}: {}",
            got.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A walink of its own (no database) running acme, linked as `number`,
/// and a customer who wrote `text` to it.
struct Before {
    sim: SimProcess,
    dir: TempDataDir,
    /// Running the directory without a database.
    serve: Option<Serve>,
    customer: TestClient,
    _customer_keys: tempfile::TempDir,
    /// Devices the simulator paired so far.
    paired: Option<usize>,
}

async fn before(number: &str, customer: &str, text: &str) -> Before {
    let (sim, dir, serve, http) = tokio::task::block_in_place(setup);
    let admin = token(&dir.path, &["--scope", "admin"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", number));
    let keys = tempfile::tempdir().expect("tmp");
    let client = linked_client_at(&sim.ws, &sim, &keys.path().join("c.db"), customer).await;
    write(&client, number, text).await;
    tokio::task::block_in_place(|| history_has(&http, &admin, "acme", text));
    Before {
        paired: devices(&sim).as_array().map(Vec::len),
        sim,
        dir,
        serve: Some(serve),
        customer: client,
        _customer_keys: keys,
    }
}

async fn write(customer: &TestClient, to: &str, text: &str) {
    customer
        .client
        .send_text(Jid::pn(to), text)
        .await
        .expect("the customer sends");
}

/// acme connected on host a, the simulator pairing nothing new, and the
/// customer's next message read there.
async fn goes_on(b: &Before, on_a: &Http, admin: &str, number: &str, text: &str) -> Vec<String> {
    let row = tokio::task::block_in_place(|| state_becomes(on_a, admin, "acme", "connected", 30));
    assert_eq!(row["host"], "a", "{row}");
    let now = devices(&b.sim).as_array().map(Vec::len);
    assert_eq!(now, b.paired, "no new pairing");
    // The customer's Signal session came along: a message in it decrypts.
    write(&b.customer, number, text).await;
    tokio::task::block_in_place(|| history_has(on_a, admin, "acme", text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_of_a_single_host_moves_into_the_database_on_its_keys() {
    let mut b = before(ACME, CUSTOMER, "before the move").await;
    let out = tempfile::tempdir().expect("tempdir");
    let file = out
        .path()
        .join("acme.walink")
        .to_string_lossy()
        .into_owned();
    let made = walink(&b.dir.path, &["company", "export", "acme", &file, "--yes"]);
    assert!(made.status.success(), "{}", stderr(&made));
    drop(b.serve.take());

    let pg = TestServer::start();
    let host = TempDataDir::new();
    let (a, on_a) = tokio::task::block_in_place(|| on_database(&host.path, &b.sim, &pg.url(), "a"));
    let taken = walink(&host.path, &["company", "import", &file]);
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(
        stdout(&taken).contains("Imported acme"),
        "{}",
        stdout(&taken)
    );
    let admin = token(&host.path, &["--scope", "admin"]);
    let texts = goes_on(&b, &on_a, &admin, ACME, "after the move").await;
    assert_eq!(texts, ["after the move"], "history stays where it was");

    let twice = walink(&host.path, &["company", "import", &file]);
    assert!(!twice.status.success());
    assert!(
        stderr(&twice).contains("in the database already"),
        "{}",
        stderr(&twice)
    );
    drop(a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_hosts_directory_brings_its_companies_and_keys_into_the_database() {
    let mut b = before(ACME_TOO, CUSTOMER_TOO, "before the database").await;
    let set = walink(
        &b.dir.path,
        &["company", "set", "beta", "--note", "night shift"],
    );
    assert!(set.status.success(), "{}", stderr(&set));
    let acme = walink::store::Store::open(&b.dir.path.join("walink.db"))
        .expect("registry")
        .company("acme")
        .expect("acme")
        .id;
    let own = b.serve.take().expect("serving");
    assert_eq!(tokio::task::block_in_place(|| own.terminate()), 0);

    // The same directory, now with a database: its companies come along.
    let pg = TestServer::start();
    let url = pg.url();
    let (a, on_a) = tokio::task::block_in_place(|| on_database(&b.dir.path, &b.sim, &url, "a"));
    assert!(
        a.log().contains("brought 2 companies"),
        "it says what it brought: {}",
        a.log()
    );
    // Tokens stay with the directory's own registry: a new one here.
    let admin = token(&b.dir.path, &["--scope", "admin"]);
    goes_on(&b, &on_a, &admin, ACME_TOO, "after the database").await;
    let beta = on_a.call("GET", "/api/v1/companies/beta", Some(&admin), None);
    assert_eq!(beta.status, 200, "{}", beta.body);
    assert_eq!(beta.body["note"], "night shift", "{}", beta.body);

    // Its keys are in one place only: the database.
    let own = walink::store::Store::open(&b.dir.path.join("walink.db")).expect("registry");
    let here = own.session(acme).expect("session").expect("row");
    assert_eq!(here.state, "moved");
    let keys = walink::keystore::KeyStore::new(b.dir.path.join("keys.db"));
    assert!(!keys.holds(acme).expect("keys.db"), "its keys left keys.db");

    // A restart brings nothing twice and leaves nothing behind.
    assert_eq!(tokio::task::block_in_place(|| a.terminate()), 0);
    let (a, on_a) = tokio::task::block_in_place(|| on_database(&b.dir.path, &b.sim, &url, "a"));
    tokio::task::block_in_place(|| state_becomes(&on_a, &admin, "acme", "connected", 30));
    assert!(!a.log().contains("brought"), "{}", a.log());
    let now = devices(&b.sim).as_array().map(Vec::len);
    assert_eq!(now, b.paired, "no new pairing");
    drop(a);
}
