//! The keeper loop against a real PostgreSQL: starts and stops as leases
//! come and go, and what it does when the database is gone.

use std::time::Duration;

use tokio::time::{Instant, timeout};
use walink_hosts::test_server::TestServer;
use walink_hosts::{Change, Database, Keeper, Leases, Why};

const TTL: Duration = Duration::from_secs(3);

async fn next(keeper: &mut Keeper, within: Duration) -> Change {
    timeout(within, keeper.changes.recv())
        .await
        .expect("a change in time")
        .expect("keeper running")
}

async fn starts(keeper: &mut Keeper, n: usize, within: Duration) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < n {
        match next(keeper, within).await {
            Change::Start(lease) => got.push(lease.company),
            other => panic!("expected starts, got {other:?}"),
        }
    }
    got.sort();
    got
}

#[tokio::test]
async fn when_a_host_dies_another_starts_its_companies_after_the_leases_expire() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    for c in ["acme", "bolt", "core", "dusk"] {
        db.add_company(c).await.unwrap();
    }
    let mut a = Keeper::spawn(Leases::new(db.clone(), "a", TTL), 2);
    assert_eq!(starts(&mut a, 2, TTL).await, ["acme", "bolt"]);
    let mut b = Keeper::spawn(Leases::new(db.clone(), "b", TTL), 10);
    assert_eq!(starts(&mut b, 2, TTL).await, ["core", "dusk"]);

    let died = Instant::now();
    a.abort();
    assert_eq!(starts(&mut b, 2, TTL * 3).await, ["acme", "bolt"]);
    let took = died.elapsed();
    assert!(
        took >= TTL / 3,
        "not before a's leases could expire: {took:?}"
    );
    let leases = db.leases().await.unwrap();
    assert!(
        leases.iter().all(|l| l.host.as_deref() == Some("b")),
        "{leases:?}"
    );
}

#[tokio::test]
async fn a_move_stops_the_session_on_one_host_and_starts_it_on_the_other() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    db.add_company("acme").await.unwrap();
    let a_leases = Leases::new(db.clone(), "a", TTL);
    let mut a = Keeper::spawn(a_leases.clone(), 10);
    assert_eq!(starts(&mut a, 1, TTL).await, ["acme"]);
    let mut b = Keeper::spawn(Leases::new(db.clone(), "b", TTL), 10);
    // b has joined once it has had a round.
    tokio::time::sleep(TTL / 2).await;

    db.hand_over("acme", "b").await.unwrap();
    let stop = next(&mut a, TTL).await;
    assert_eq!(
        stop,
        Change::Stop {
            company: "acme".into(),
            why: Why::Moved { to: "b".into() }
        }
    );
    // Before a releases it, b cannot have it.
    tokio::time::sleep(TTL / 2).await;
    assert!(b.changes.try_recv().is_err());
    a_leases.release("acme").await.unwrap();
    assert_eq!(starts(&mut b, 1, TTL).await, ["acme"]);

    assert!(matches!(
        db.hand_over("acme", "nobody").await,
        Err(walink_hosts::Error::NoHost(_))
    ));
    assert!(matches!(
        db.hand_over("nothing", "a").await,
        Err(walink_hosts::Error::NoCompany(_))
    ));
}

#[tokio::test]
async fn without_the_database_a_host_stops_its_sessions_before_its_leases_run_out() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.unwrap();
    db.add_company("acme").await.unwrap();
    let mut a = Keeper::spawn(Leases::new(db.clone(), "a", TTL), 10);
    assert_eq!(starts(&mut a, 1, TTL).await, ["acme"]);
    // Just after a renewal, so the lease is as long as it gets.
    tokio::time::sleep(TTL / 3).await;

    let lease = &db.leases().await.unwrap()[0];
    let runs_out = Instant::now() + Duration::from_secs_f64(lease.expires_in_secs.unwrap());
    server.stop();
    match next(&mut a, TTL * 2).await {
        Change::Stop {
            company,
            why: Why::Unreachable { cause },
        } => {
            assert_eq!(company, "acme");
            assert!(!cause.is_empty());
        }
        other => panic!("expected a stop, got {other:?}"),
    }
    let stopped = Instant::now();
    assert!(
        stopped + Duration::from_millis(500) < runs_out,
        "stopped {:?} before the lease ran out",
        runs_out - stopped
    );

    // The database is back: a runs its company again; in the same epoch
    // if its lease had not run out yet, else in the next.
    server.resume();
    match next(&mut a, TTL * 3).await {
        Change::Start(lease) => {
            assert_eq!(lease.company, "acme");
            assert!((1..=2).contains(&lease.epoch), "{lease:?}");
        }
        other => panic!("expected a start, got {other:?}"),
    }
}
