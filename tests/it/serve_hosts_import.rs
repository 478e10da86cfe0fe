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
use crate::wa::{TestClient, linked_client_at};

const ACME: &str = "79001000002";
const CUSTOMER: &str = "79990000002";

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_of_a_single_host_moves_into_the_database_on_its_keys() {
    let (sim, dir, serve, http) = tokio::task::block_in_place(setup);
    let admin = token(&dir.path, &["--scope", "admin"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));
    let store = tempfile::tempdir().expect("tmp");
    let customer: TestClient =
        linked_client_at(&sim.ws, &sim, &store.path().join("customer.db"), CUSTOMER).await;
    customer
        .client
        .send_text(Jid::pn(ACME), "before the move")
        .await
        .expect("the customer sends");
    tokio::task::block_in_place(|| history_has(&http, &admin, "acme", "before the move"));
    let paired = devices(&sim).as_array().map(Vec::len);

    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("acme.walink");
    let file_arg = file.to_string_lossy().into_owned();
    let made = walink(
        &dir.path,
        &["company", "export", "acme", &file_arg, "--yes"],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    drop(serve);

    let pg = TestServer::start();
    let url = pg.url();
    let host = TempDataDir::new();
    let args = [
        "--http",
        "127.0.0.1:0",
        "--database",
        &url,
        "--host-id",
        "a",
    ];
    let a = tokio::task::block_in_place(|| Serve::start_with(&host.path, &sim, &args));
    let on_a = Http::new(a.http());
    let taken = walink(&host.path, &["company", "import", &file_arg]);
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(
        stdout(&taken).contains("Imported acme"),
        "{}",
        stdout(&taken)
    );
    let admin_a = token(&host.path, &["--scope", "admin"]);
    let row =
        tokio::task::block_in_place(|| state_becomes(&on_a, &admin_a, "acme", "connected", 30));
    assert_eq!(row["host"], "a", "{row}");
    assert_eq!(
        devices(&sim).as_array().map(Vec::len),
        paired,
        "no new pairing"
    );

    // The customer's session with acme came along: a message in it decrypts.
    customer
        .client
        .send_text(Jid::pn(ACME), "after the move")
        .await
        .expect("the customer sends");
    let texts =
        tokio::task::block_in_place(|| history_has(&on_a, &admin_a, "acme", "after the move"));
    assert_eq!(texts, ["after the move"], "history stays where it was");

    let twice = walink(&host.path, &["company", "import", &file_arg]);
    assert!(!twice.status.success());
    assert!(
        stderr(&twice).contains("in the database already"),
        "{}",
        stderr(&twice)
    );
    drop(a);
}
