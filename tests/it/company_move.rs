//! `walink company export` on a serving data directory, `walink company
//! import` into another: the company connects there on its keys, with no
//! new pairing, and never again where it came from.

use std::time::{Duration, Instant};

use crate::common::{TempDataDir, stderr, stdout, walink};
use crate::crash::{link_by_qr, state_becomes};
use crate::http::{Http, setup, token};
use crate::serve::Serve;

#[test]
fn an_exported_company_connects_where_it_is_imported_and_not_where_it_was() {
    let (sim, dir, serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    link_by_qr(&sim, &http, &t, "acme", "79001234567");
    let paired = sim.call("GET", "/devices", "").1;

    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("acme.walink");
    let file_arg = file.to_string_lossy().into_owned();
    let not_linked = walink(
        &dir.path,
        &["company", "export", "beta", "b.walink", "--yes"],
    );
    assert!(!not_linked.status.success());
    assert!(
        stderr(&not_linked).contains("not linked here"),
        "{}",
        stderr(&not_linked)
    );
    let made = walink(
        &dir.path,
        &["company", "export", "acme", &file_arg, "--yes"],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stdout(&made).contains("Exported acme"), "{}", stdout(&made));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&file).expect("export").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    state_becomes(&http, &t, "acme", "moved", 10);
    let acme = walink::store::Store::open(&dir.path.join("walink.db"))
        .expect("registry")
        .company("acme")
        .expect("acme")
        .id;
    let keys = walink::keystore::KeyStore::new(dir.path.join("keys.db"));
    assert!(!keys.holds(acme).expect("keys.db"), "its keys left with it");

    let there = TempDataDir::new();
    let taken = walink(
        &there.path,
        &["--server", &sim.ws, "company", "import", &file_arg],
    );
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(
        stdout(&taken).contains("Imported acme"),
        "{}",
        stdout(&taken)
    );
    let twice = walink(
        &there.path,
        &["--server", &sim.ws, "company", "import", &file_arg],
    );
    assert!(!twice.status.success());
    assert!(
        stderr(&twice).contains("already here"),
        "{}",
        stderr(&twice)
    );
    let junk = out.path().join("junk");
    std::fs::write(&junk, "not an export").expect("write");
    let foreign = walink(
        &there.path,
        &[
            "--server",
            &sim.ws,
            "company",
            "import",
            &junk.to_string_lossy(),
        ],
    );
    assert!(!foreign.status.success());
    assert!(
        stderr(&foreign).contains("not a company file"),
        "{}",
        stderr(&foreign)
    );

    let serve_there = Serve::start_with(&there.path, &sim, &["--http", "127.0.0.1:0"]);
    let http_there = Http::new(serve_there.http());
    let t_there = token(&there.path, &["--scope", "link"]);
    state_becomes(&http_there, &t_there, "acme", "connected", 40);

    // Where it came from, a restart does not bring it back.
    assert_eq!(serve.terminate(), 0);
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let here = http.call("GET", "/api/v1/sessions/acme", Some(&t), None);
        assert_eq!(here.body["state"], "moved", "{}", here.body);
        let there = http_there.call("GET", "/api/v1/sessions/acme", Some(&t_there), None);
        assert_eq!(there.body["state"], "connected", "{}", there.body);
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        sim.call("GET", "/devices", "").1.as_array().map(Vec::len),
        paired.as_array().map(Vec::len),
        "no new pairing"
    );
    drop(serve);
    drop(serve_there);
}
