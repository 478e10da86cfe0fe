//! Leases against a real PostgreSQL started by the test.

use std::time::Duration;

use walink_hosts::test_server::TestServer;
use walink_hosts::{Database, Error, Lease, Leases};

const TTL: Duration = Duration::from_secs(3);

async fn database(server: &TestServer, companies: usize) -> Database {
    let db = Database::connect(&server.url()).await.expect("connect");
    for i in 0..companies {
        db.add_company(&format!("co{i:02}")).await.expect("add");
    }
    db
}

async fn host(db: &Database, id: &str, capacity: u32) -> Leases {
    let leases = Leases::new(db.clone(), id, TTL);
    leases.join(capacity).await.expect("join");
    leases
}

fn names(leases: &[Lease]) -> Vec<&str> {
    leases.iter().map(|l| l.company.as_str()).collect()
}

#[tokio::test]
async fn hosts_share_the_companies_and_one_takes_over_what_a_dead_host_held() {
    let server = TestServer::start();
    let db = database(&server, 6).await;
    let a = host(&db, "a", 100).await;
    let b = host(&db, "b", 100).await;

    let of_a = a.acquire(100, 0).await.unwrap();
    let of_b = b.acquire(100, 0).await.unwrap();
    assert_eq!(names(&of_a), ["co00", "co01", "co02"], "a's fair half");
    assert_eq!(names(&of_b), ["co03", "co04", "co05"], "b takes the rest");
    assert!(of_a.iter().chain(&of_b).all(|l| l.epoch == 1));
    // Nothing is free any more, for either.
    assert!(a.acquire(100, 3).await.unwrap().is_empty());
    assert!(b.acquire(100, 3).await.unwrap().is_empty());

    // a stops renewing: until its leases expire b cannot have them.
    tokio::time::sleep(TTL / 2).await;
    assert_eq!(b.renew().await.unwrap().len(), 3);
    assert!(b.acquire(100, 3).await.unwrap().is_empty());
    for _ in 0..2 {
        tokio::time::sleep(TTL / 2).await;
        assert_eq!(b.renew().await.unwrap().len(), 3, "b renews its own");
    }
    let taken = b.acquire(100, 3).await.unwrap();
    assert_eq!(names(&taken), ["co00", "co01", "co02"]);
    assert!(taken.iter().all(|l| l.epoch == 2), "a new epoch: {taken:?}");
    assert!(a.renew().await.unwrap().is_empty(), "a renews nothing now");

    let hosts = db.hosts(TTL.as_secs_f64()).await.unwrap();
    let b_row = hosts.iter().find(|h| h.id == "b").unwrap();
    let a_row = hosts.iter().find(|h| h.id == "a").unwrap();
    assert!(b_row.live && b_row.leases == 6, "{hosts:?}");
    // a is back (it just renewed) but holds nothing.
    assert!(a_row.live && a_row.leases == 0, "{hosts:?}");

    // b leaves in order: its companies are free at once, and it is no
    // longer a host of the database (no share is kept for it).
    b.leave().await.unwrap();
    let hosts = db.hosts(TTL.as_secs_f64()).await.unwrap();
    assert!(hosts.iter().all(|h| h.id != "b"), "{hosts:?}");
    assert_eq!(a.acquire(100, 0).await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_host_takes_no_more_than_its_capacity_and_new_companies_go_to_the_least_loaded() {
    let server = TestServer::start();
    let db = database(&server, 6).await;
    let a = host(&db, "a", 2).await;
    let b = host(&db, "b", 100).await;
    assert_eq!(a.acquire(2, 0).await.unwrap().len(), 2, "capacity 2");
    assert_eq!(b.acquire(100, 0).await.unwrap().len(), 4);

    let big = host(&db, "big", 100).await;
    // Three live hosts, six companies: big's share is two, but none is free.
    assert!(big.acquire(100, 0).await.unwrap().is_empty());
    db.add_company("new").await.unwrap();
    // b is over its share of 7 / 3; a is full; big, the least loaded, gets it.
    assert!(b.acquire(100, 4).await.unwrap().is_empty());
    assert!(a.acquire(2, 2).await.unwrap().is_empty());
    assert_eq!(names(&big.acquire(100, 0).await.unwrap()), ["new"]);
}

#[tokio::test]
async fn a_host_that_lost_its_lease_cannot_write_the_company_state() {
    let server = TestServer::start();
    let db = database(&server, 1).await;
    let a = host(&db, "a", 10).await;
    let b = host(&db, "b", 10).await;
    let client_sql = "CREATE TABLE state (company TEXT PRIMARY KEY, value TEXT NOT NULL);
                      INSERT INTO state VALUES ('co00', 'first')";
    let raw = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(raw.1);
    raw.0.batch_execute(client_sql).await.unwrap();
    let write = "UPDATE state SET value = $1 WHERE company = 'co00'";

    let old = a.acquire(10, 0).await.unwrap().remove(0);
    assert_eq!(a.fenced(&old, write, &[&"from a"]).await.unwrap(), 1);

    tokio::time::sleep(TTL + Duration::from_millis(300)).await;
    let new = b.acquire(10, 0).await.unwrap().remove(0);
    assert_eq!(new.epoch, old.epoch + 1);
    assert_eq!(b.fenced(&new, write, &[&"from b"]).await.unwrap(), 1);

    // a wakes from its pause and writes with the lease it had.
    let refused = a.fenced(&old, write, &[&"late a"]).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Fenced { company, epoch } if company == "co00" && *epoch == old.epoch),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("another host runs it"),
        "{refused}"
    );
    // b cannot write under a's epoch either, nor a under b's.
    assert!(matches!(
        b.fenced(&old, write, &[&"x"]).await,
        Err(Error::Fenced { .. })
    ));
    assert!(matches!(
        a.fenced(&new, write, &[&"x"]).await,
        Err(Error::Fenced { .. })
    ));
    let value: String = raw
        .0
        .query_one("SELECT value FROM state", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(value, "from b");
}

#[tokio::test]
async fn a_bad_address_and_an_unreachable_database_are_sentences() {
    let e = Database::connect("mysql://nowhere").await.unwrap_err();
    assert!(matches!(e, Error::Address(_)), "{e:?}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = Database::connect(&format!("postgres://walink@127.0.0.1:{port}/postgres"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unreachable(_)), "{e:?}");
    assert!(
        e.to_string().starts_with("cannot reach the database"),
        "{e}"
    );
}

#[tokio::test]
async fn two_hosts_migrating_one_new_database_at_once_both_start() {
    let server = TestServer::start();
    let url = server.url();
    let (one, two) = tokio::join!(Database::connect(&url), Database::connect(&url));
    one.unwrap();
    two.unwrap();
}
