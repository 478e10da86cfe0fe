//! `walink hosts` against a real PostgreSQL the test starts, with hosts
//! keeping leases on it as `walink serve --database` will.

use std::time::Duration;

use walink_hosts::test_server::TestServer;
use walink_hosts::{Change, Database, Keeper, Leases};

use crate::common::{TempDataDir, stderr, stdout, walink};

#[test]
fn hosts_lists_each_host_its_load_and_who_runs_which_company() {
    let server = TestServer::start();
    let data = TempDataDir::new();
    let url = server.url();
    let empty = walink(&data.path, &["hosts", "--database", &url]);
    assert!(empty.status.success(), "{}", stderr(&empty));
    assert!(
        stdout(&empty).contains("No host has joined this database yet"),
        "{}",
        stdout(&empty)
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_a, _b) = rt.block_on(async {
        let db = Database::connect(&url).await.unwrap();
        for c in ["acme", "bolt", "core"] {
            db.add_company(c).await.unwrap();
        }
        let ttl = Duration::from_secs(15);
        // a first, so it takes its capacity before b is there.
        let mut a = Keeper::spawn(Leases::new(db.clone(), "host-a", ttl), 2);
        assert!(matches!(a.changes.recv().await, Some(Change::Start(_))));
        let mut b = Keeper::spawn(Leases::new(db.clone(), "host-b", ttl), 10);
        assert!(matches!(b.changes.recv().await, Some(Change::Start(_))));
        // Both have taken their share once each has had a round.
        tokio::time::sleep(Duration::from_millis(500)).await;
        (a, b)
    });

    let out = walink(&data.path, &["hosts", "--database", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("HOST"), "{text}");
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("host-a")[1..5], ["live", "2", "of", "2"]);
    assert_eq!(row("host-b")[1..5], ["live", "1", "of", "10"]);

    let out = walink(
        &data.path,
        &["hosts", "--database", &url, "--leases", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let leases: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let held: Vec<(&str, &str)> = leases
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["company"].as_str().unwrap(), l["host"].as_str().unwrap()))
        .collect();
    assert_eq!(
        held,
        [("acme", "host-a"), ("bolt", "host-a"), ("core", "host-b")]
    );
}

#[test]
fn hosts_says_when_the_database_cannot_be_reached_or_its_address_is_wrong() {
    let data = TempDataDir::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://walink@127.0.0.1:{port}/postgres");
    let out = walink(&data.path, &["hosts", "--database", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot reach the database"),
        "{}",
        stderr(&out)
    );
    let out = walink(&data.path, &["hosts", "--database", "http://example"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the database address is not one walink can use"),
        "{}",
        stderr(&out)
    );
}
