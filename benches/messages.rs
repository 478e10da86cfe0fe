//! Messages' figures on this machine, printed (not asserted): a customer's
//! message → the company's webhook (p50/p99), an API send → the customer's
//! client has it (p50/p99), and N companies each receiving 10 messages a
//! second: whether the webhook outbox keeps up, `walink serve`'s CPU per
//! message, the registry's growth per 100,000 messages.
//!
//! `cargo bench --bench messages` (N = 100 companies for 60 s);
//! `WALINK_BENCH_N=20 WALINK_BENCH_SECS=10 cargo bench --bench messages`.
//! `walink serve` runs as its own process (its CPU is its own); the
//! simulator, the customers' clients and the receiver share this one, and
//! all share both cores: the figures are a floor.

mod common;
mod customer;
mod linked;
mod serve_proc;
use common::figures;
use customer::Customer;
use linked::{link_with, own_phone, registry};
use serve_proc::Serve;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use walink::auth;
use walink::config::DataDir;
use walink::sim::{SimConfig, Simulator};
use walink::store::{NewToken, Store, now_unix};
use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;

/// Each customer writes to every CUSTOMERS-th company.
const CUSTOMERS: usize = 10;
/// Messages a second to each company under load.
const RATE: u64 = 10;
const SAMPLES: usize = 200;

type Times = Arc<Mutex<HashMap<String, Instant>>>;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the bot's receiver saw: when each `message.received` arrived, by
/// message id, and how many.
#[derive(Clone, Default)]
struct Hooks {
    received: Times,
    count: Arc<AtomicUsize>,
}

/// A webhook receiver answering 200 on kept-alive connections.
fn receiver() -> (String, Hooks) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let hooks = Hooks::default();
    let seen = hooks.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            let seen = seen.clone();
            std::thread::spawn(move || serve_hooks(conn, &seen));
        }
    });
    (url, hooks)
}

fn serve_hooks(mut conn: std::net::TcpStream, seen: &Hooks) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        let b: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if b["event"] == "message.received"
            && let Some(id) = b["data"]["id"].as_str()
        {
            seen.received
                .lock()
                .expect("lock")
                .insert(id.to_owned(), at);
            seen.count.fetch_add(1, Ordering::Relaxed);
        }
        if conn
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// Every text message a customer's client receives, by id, when.
fn record_arrivals(customer: &Customer, arrived: Times) {
    let raw = customer.raw.clone();
    tokio::spawn(async move {
        while let Ok(e) = raw.recv().await {
            if let Event::Messages(batch) = &*e {
                let at = Instant::now();
                let mut arrived = arrived.lock().expect("lock");
                for m in batch
                    .messages
                    .iter()
                    .filter(|m| m.message.conversation.is_some())
                {
                    arrived.insert(m.info.id.to_string(), at);
                }
            }
        }
    });
}

/// Latencies of the ids in `sent` that reached `got`, waiting up to 60 s
/// for all of them.
async fn matched(sent: &Times, got: &Times) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lat: Vec<Duration> = {
            let (sent, got) = (sent.lock().expect("lock"), got.lock().expect("lock"));
            sent.iter()
                .filter_map(|(id, t)| got.get(id).map(|g| g.saturating_duration_since(*t)))
                .collect()
        };
        let want = sent.lock().expect("lock").len();
        if lat.len() == want || Instant::now() > deadline {
            if lat.len() < want {
                println!("  {} of {want} never arrived within 60 s", want - lat.len());
            }
            return lat;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Until the API says every one of `n` sessions is connected.
fn all_connected(base: &str, token: &str, n: usize) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let connected = agent
            .get(format!("{base}/api/v1/sessions"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
            .and_then(|v| {
                let list = v.as_array()?.clone();
                Some(list.iter().filter(|s| s["state"] == "connected").count())
            })
            .unwrap_or(0);
        if connected == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{connected} of {n} connected after 300 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn registry_bytes(data: &DataDir) -> u64 {
    let db = data.registry_path();
    let wal = db.with_extension("db-wal");
    [db, wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn outbox_pending(data: &DataDir) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        data.registry_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("registry");
    conn.query_row(
        "SELECT count(*) FROM webhook_outbox WHERE done_at IS NULL",
        [],
        |r| r.get(0),
    )
    .unwrap_or(-1)
}

struct Bench {
    companies: Vec<(String, String)>,
    customers: Vec<(Arc<Customer>, String)>,
    base: String,
    token: String,
    hooks: Hooks,
}

/// One customer message every 50 ms, round the companies.
async fn receive_latency(b: &Bench) {
    let sent: Times = Arc::default();
    for s in 0..SAMPLES {
        let (_, phone) = &b.companies[s % b.companies.len()];
        let (customer, _) = &b.customers[s % b.customers.len()];
        let t = Instant::now();
        let r = customer
            .client
            .send_text(Jid::pn(phone), "Hello, is this the shop?")
            .await
            .expect("the customer sends");
        sent.lock()
            .expect("lock")
            .insert(r.message_id.to_string(), t);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lat = matched(&sent, &b.hooks.received).await;
    println!(
        "customer's send → message.received at the bot's webhook: {}",
        figures(lat)
    );
}

/// One API send every 50 ms, round the companies and customers.
async fn send_latency(b: &Bench, arrived: &Times) {
    let sent: Times = Arc::default();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for s in 0..SAMPLES {
        let (slug, _) = &b.companies[s % b.companies.len()];
        let (_, to) = &b.customers[s % b.customers.len()];
        let (agent, url, auth, sent) = (
            agent.clone(),
            format!("{}/api/v1/sessions/{slug}/messages", b.base),
            format!("Bearer {}", b.token),
            sent.clone(),
        );
        let body = format!(r#"{{"to": "+{to}", "text": "Yes, how can we help?"}}"#);
        tokio::task::spawn_blocking(move || {
            let t = Instant::now();
            let mut r = agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", &format!("bench-{s}"))
                .send(body.as_str())
                .expect("the API answers");
            let answer: serde_json::Value =
                serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default())
                    .unwrap_or_default();
            assert_eq!(r.status().as_u16(), 202, "{answer}");
            let id = answer["id"].as_str().expect("an id").to_owned();
            sent.lock().expect("lock").insert(id, t);
        })
        .await
        .expect("send");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lat = matched(&sent, arrived).await;
    println!("API send → the customer's client has it: {}", figures(lat));
}

/// Every company gets RATE messages a second for `secs` seconds.
async fn load(b: &Bench, data: &DataDir, serve: &Serve, secs: u64) {
    let sent: Times = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let (bytes0, cpu0, hooks0) = (
        registry_bytes(data),
        serve.cpu_secs(),
        b.hooks.count.load(Ordering::Relaxed),
    );
    let began = Instant::now();
    let until = began + Duration::from_secs(secs);
    let mut senders = Vec::new();
    for (i, (customer, _)) in b.customers.iter().enumerate() {
        let phones: Vec<String> = b
            .companies
            .iter()
            .skip(i)
            .step_by(b.customers.len())
            .map(|(_, p)| p.clone())
            .collect();
        let (customer, sent, count) = (customer.clone(), sent.clone(), count.clone());
        senders.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / RATE));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while Instant::now() < until {
                tick.tick().await;
                for phone in &phones {
                    let t = Instant::now();
                    if let Ok(r) = customer
                        .client
                        .send_text(Jid::pn(phone), "Do you deliver on Sundays?")
                        .await
                    {
                        sent.lock()
                            .expect("lock")
                            .insert(r.message_id.to_string(), t);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let mut last = (Instant::now(), serve.cpu_secs());
    while Instant::now() < until {
        tokio::time::sleep(
            Duration::from_secs(10).min(until.saturating_duration_since(Instant::now())),
        )
        .await;
        let (now, cpu) = (Instant::now(), serve.cpu_secs());
        let out = count.load(Ordering::Relaxed);
        let hooked = b.hooks.count.load(Ordering::Relaxed) - hooks0;
        println!(
            "  {:>3.0} s: {out} sent, {hooked} at the webhook, {} behind; outbox pending {}; serve CPU {:.0} % of a core",
            began.elapsed().as_secs_f64(),
            out.saturating_sub(hooked),
            outbox_pending(data),
            (cpu - last.1) / now.duration_since(last.0).as_secs_f64() * 100.0
        );
        last = (now, cpu);
    }
    for s in senders {
        s.await.expect("sender");
    }
    let total = count.load(Ordering::Relaxed);
    let lat = matched(&sent, &b.hooks.received).await;
    let drained = began.elapsed().as_secs_f64();
    let cpu = serve.cpu_secs() - cpu0;
    let grown = registry_bytes(data).saturating_sub(bytes0) as f64;
    println!(
        "{} companies × {RATE}/s for {secs} s: {total} sent ({:.0} a second of {} asked); {} at the webhook {drained:.1} s after the start; outbox pending then {}",
        b.companies.len(),
        total as f64 / secs as f64,
        b.companies.len() as u64 * RATE,
        lat.len(),
        outbox_pending(data)
    );
    println!("  message.received under load: {}", figures(lat));
    println!(
        "  walink serve: {:.2} ms CPU a message ({cpu:.1} s in all), RSS {:.0} MiB, {} descriptors",
        cpu * 1e3 / total.max(1) as f64,
        serve.rss_mib(),
        serve.fds()
    );
    println!(
        "  registry growth: {:.1} MiB per 100,000 messages (registry.db and its WAL, {:.1} MiB over {total})",
        grown / total.max(1) as f64 * 1e5 / (1 << 20) as f64,
        grown / (1 << 20) as f64
    );
}

async fn bench() {
    let n = env_or("WALINK_BENCH_N", 100) as usize;
    let secs = env_or("WALINK_BENCH_SECS", 60);
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let (tmp, data, ids) = registry(n, n);
    link_with(&sim, &data, &ids, &own_phone).await;

    let store = Store::open(&data.registry_path()).expect("registry");
    let token = auth::new_token().expect("token");
    store
        .add_token(&NewToken {
            hash: &auth::hash(&token),
            scope: "admin",
            company_id: None,
            note: "bench",
            created_at: now_unix(),
            expires_at: None,
        })
        .expect("token");
    let (hook_url, hooks) = receiver();
    store
        .add_webhook(
            &hook_url,
            None,
            "message.received",
            "secret",
            false,
            now_unix(),
        )
        .expect("webhook");
    let companies: Vec<(String, String)> = store
        .companies()
        .expect("companies")
        .into_iter()
        .map(|c| (c.slug.to_string(), own_phone(c.id)))
        .collect();
    drop(store);

    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let serve = Serve::start_with(
        &data,
        &sim,
        &[
            "--http",
            &addr.to_string(),
            "--send-per-minute",
            "1000000",
            "--new-chats-per-day",
            "1000000",
        ],
    );
    let base = format!("http://{addr}");
    let began = Instant::now();
    let b = base.clone();
    let t = token.clone();
    tokio::task::spawn_blocking(move || all_connected(&b, &t, n))
        .await
        .expect("restore");
    println!(
        "walink serve restored {n} sessions in {:.1} s",
        began.elapsed().as_secs_f64()
    );

    let arrived: Times = Arc::default();
    let mut customers = Vec::new();
    for i in 0..CUSTOMERS.min(n) {
        let phone = format!("7999{i:07}");
        let c = Customer::link(&sim, &tmp.path().join(format!("customer{i}.db")), &phone).await;
        record_arrivals(&c, arrived.clone());
        customers.push((Arc::new(c), phone));
    }
    let b = Bench {
        companies,
        customers,
        base,
        token,
        hooks,
    };
    receive_latency(&b).await;
    send_latency(&b, &arrived).await;
    load(&b, &data, &serve, secs).await;
    serve.stop();
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench());
}
