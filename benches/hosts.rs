//! Several hosts over one PostgreSQL, measured with `walink serve`
//! processes against the simulator (in this process): the restore of N
//! sessions from their keys in PostgreSQL (the scale bench gives the same
//! from `keys.db`), the registry in the database too, what one host costs
//! the database at rest (connections,
//! transactions a second) and itself (CPU), and the failover of N sessions
//! when their host is killed: kill -9 → all connected on the other host.
//!
//! `cargo bench --bench hosts` (N = 1,000; `WALINK_BENCH_N` to change).
//! PostgreSQL is Debian's, started by the bench in a temporary directory.

mod common;
mod linked;
use linked::{all_connected_asking, shared_phone};
mod serve_proc;
use serve_proc::Serve;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use walink::config::DataDir;
use walink::domain::SessionState;
use walink::domain::{DisplayName, Slug};
use walink::engine::server::ServerTarget;
use walink::engine::update::fold_rows;
use walink::engine::{Engine, EngineConfig, HostsConfig};
use walink::service::attach::{self, OnLoss};
use walink::sim::{SimConfig, Simulator};
use walink::store::{Db, SharedDatabase};
use walink_hosts::test_server::TestServer;
use walink_hosts::{Database, LEASE, Leases};

/// Link every company through an engine that holds their leases (host
/// `link`), then stop it: it lets the leases go.
async fn link_hosted(sim: &Simulator, data: &DataDir, ids: &HashSet<i64>, db: &Database) {
    let mut config = EngineConfig::new(
        data.clone(),
        ServerTarget::parse(Some(&sim.url())).expect("server"),
    );
    config.restore = false;
    config.hosts = Some(HostsConfig {
        leases: Leases::new(db.clone(), "link", LEASE),
        capacity: ids.len() as u32,
    });
    let store = Db::new(walink::store::open(data).expect("registry"));
    let (engine, mut updates) = Engine::start(store, config);
    // The engine links a company only once it holds the lease (a link
    // asked before it took the lease in is asked again).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let leases = db.leases().await.expect("leases");
        let held = leases.iter().filter(|l| l.host.as_deref() == Some("link"));
        if held.count() == ids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the linking engine holds no leases"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let linking = Instant::now();
    linked::ask_links(&engine, ids).await;
    all_connected_asking(&mut updates, ids, sim, &shared_phone(0), Some(&engine)).await;
    println!(
        "N = {}: linked through the engine, keys in PostgreSQL, in {:.1} s",
        ids.len(),
        linking.elapsed().as_secs_f64()
    );
    linked::stop(&engine, &mut updates).await;
}

/// Until `n` companies are connected on the serve at `socket` and run by
/// it (`host`), as a client attached to it sees them: every host lists
/// every company, the others' as their hosts last wrote them.
async fn connected(socket: &Path, host: &str, n: usize, within: Duration) {
    let conn = loop {
        match attach::connect(socket, "bench").await {
            Ok(c) => break c,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let (_engine, mut updates) = attach::bridge(conn, socket.into(), "bench".into(), OnLoss::End);
    let mut rows = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let up = |rows: &[walink::engine::SessionRow]| {
        let here = rows.iter().filter(|r| r.host.as_deref() == Some(host));
        here.filter(|r| r.state == SessionState::Connected).count()
    };
    while up(&rows) < n {
        match tokio::time::timeout_at(deadline, updates.recv()).await {
            Ok(Some(update)) => {
                fold_rows(&mut rows, &update);
            }
            other => panic!("{} of {n} connected ({other:?})", up(&rows)),
        }
    }
}

async fn database_load(stats: &tokio_postgres::Client) -> (i64, i64) {
    let row = stats
        .query_one(
            "SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'walink%'), \
                    (SELECT sum(xact_commit)::bigint FROM pg_stat_database)",
            &[],
        )
        .await
        .expect("stats");
    (row.get(0), row.get(1))
}

/// `n` companies in `data`'s registry (the shared one, once remembered),
/// slugs `{prefix}{i}`, by id.
fn add_companies(data: &DataDir, n: usize, prefix: &str) -> HashSet<i64> {
    let mut registry = walink::store::open(data).expect("registry");
    (0..n)
        .map(|i| {
            let slug = Slug::parse(&format!("{prefix}{i}")).expect("slug");
            let name = DisplayName::parse(&format!("Company {i}")).expect("name");
            registry.add_company(&slug, &name).expect("add").id
        })
        .collect()
}

fn main() {
    let n: usize = std::env::var("WALINK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    walink::fdlimit::raise().expect("the open-file limit");
    let pg = TestServer::start();
    let url = pg.url();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt
        .block_on(Simulator::start(SimConfig::default()))
        .expect("simulator");
    let db = rt.block_on(Database::connect(&url)).expect("database");
    let stats = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(
            &format!("{url}?application_name=bench"),
            tokio_postgres::NoTls,
        )
        .await
        .expect("stats connection");
        tokio::spawn(conn);
        client
    });
    // One registry in the database, N companies; a data directory a host.
    let tmp = tempfile::tempdir().expect("tmp");
    let [data_link, data_a, data_b] = ["link", "a", "b"].map(|host| {
        let data = DataDir::resolve(Some(tmp.path().join(host))).expect("data");
        data.ensure().expect("ensure");
        let shared = SharedDatabase {
            url: url.clone(),
            host: host.into(),
        };
        walink::store::remember(&data, &shared).expect("remember");
        data
    });
    let ids = add_companies(&data_link, n, "c");
    rt.block_on(link_hosted(&sim, &data_link, &ids, &db));
    let (base_conns, _) = rt.block_on(database_load(&stats));

    let cap = n.to_string();
    let host = |id: &'static str| ["--database", &url, "--host-id", id, "--capacity", &cap];
    let began = Instant::now();
    let a = Serve::start_with(&data_a, &sim, &host("a"));
    rt.block_on(connected(
        &data_a.socket_path(),
        "a",
        n,
        Duration::from_secs(900),
    ));
    let restore = began.elapsed();
    let cpu = a.cpu_secs();
    println!(
        "N = {n}: one walink serve restored them from PostgreSQL in {:.1} s from its start \
         ({:.1} ms of CPU a session)",
        restore.as_secs_f64(),
        cpu * 1000.0 / n as f64
    );

    // At rest: what one host holding N leases costs.
    std::thread::sleep(Duration::from_secs(20));
    let (conns0, xacts0) = rt.block_on(database_load(&stats));
    let cpu0 = a.cpu_secs();
    std::thread::sleep(Duration::from_secs(60));
    let (conns, xacts) = rt.block_on(database_load(&stats));
    let cpu = a.cpu_secs() - cpu0;
    println!(
        "N = {n}: at rest, one host holds {} PostgreSQL connections ({} at most over the minute) \
         and the database commits {:.1} transactions a second (lease renewals, the look at the \
         registry, key writes); \
         the host's CPU {:.1} % of one core",
        conns - base_conns,
        conns0.max(conns) - base_conns,
        (xacts - xacts0) as f64 / 60.0,
        cpu / 60.0 * 100.0
    );

    // Failover: b waits beside a, a is killed.
    let b = Serve::start_with(&data_b, &sim, &host("b"));
    std::thread::sleep(LEASE / 2);
    drop(a); // SIGKILL
    let killed = Instant::now();
    rt.block_on(connected(
        &data_b.socket_path(),
        "b",
        n,
        Duration::from_secs(900),
    ));
    println!(
        "N = {n}: failover: host killed (kill -9) → all {n} connected on the other host in \
         {:.1} s (the lease is {} s)",
        killed.elapsed().as_secs_f64(),
        LEASE.as_secs()
    );

    // A walink of its own with N linked companies joins: its first serve
    // with the database brings them, keys and all, into it.
    let data_own = DataDir::resolve(Some(tmp.path().join("own"))).expect("data");
    data_own.ensure().expect("ensure");
    let own = add_companies(&data_own, n, "own");
    rt.block_on(linked::link_all_from(&sim, &data_own, &own, 8 * n as i64));
    let began = Instant::now();
    let c = Serve::start_with(&data_own, &sim, &host("c"));
    while !c.stderr().contains("walink serve: brought") {
        assert!(began.elapsed() < Duration::from_secs(900), "{}", c.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    let brought = began.elapsed();
    rt.block_on(connected(
        &data_own.socket_path(),
        "c",
        n,
        Duration::from_secs(900),
    ));
    println!(
        "N = {n}: a walink of its own joined: serve --database brought its {n} linked companies \
         and their keys into PostgreSQL in {:.1} s, all connected on them {:.1} s from its start",
        brought.as_secs_f64(),
        began.elapsed().as_secs_f64()
    );
    c.stop();
    b.stop();
}
