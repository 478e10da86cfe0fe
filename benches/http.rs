//! The HTTP API's figures on this machine, printed (not asserted):
//! `GET /api/v1/sessions` (a page of 100, then all) with 10,000 companies
//! under 50 concurrent clients, the old endpoint from request to code
//! against the simulator, one state change to 100 SSE clients, and webhook
//! deliveries a second.
//!
//! `cargo bench --bench http`. Server, clients, receiver and simulator
//! share this machine's two cores: the figures are a floor.

mod common;
use common::figures;
mod linked;
use linked::{registry, start};

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use walink::auth;
use walink::domain::{DisplayName, Slug};
use walink::engine::Command;
use walink::sim::{SimConfig, Simulator};
use walink::store::{NewToken, Store, now_unix};

const COMPANIES: usize = 10_000;
const CLIENTS: usize = 50;
const SECONDS: u64 = 10;
const SSE_CLIENTS: usize = 100;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// 50 clients asking for the sessions (`query`: all, or a page) for 10 s,
/// each on a keep-alive connection of its own. They run as tasks of one
/// thread (as load generators such as wrk do): 50 client threads took
/// the server's cores from it and measured the scheduler.
fn list_load(base: &str, token: &str, query: &str) {
    let addr = base.trim_start_matches("http://").to_owned();
    let request = format!(
        "GET /api/v1/sessions{query} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let lat: Vec<Duration> = rt.block_on(async {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(client(addr.clone(), request.clone(), until)))
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.extend(c.await.expect("client"));
        }
        all
    });
    println!(
        "GET /api/v1/sessions{query}, {COMPANIES} companies, {CLIENTS} clients: {:.0} requests/s; {}",
        lat.len() as f64 / SECONDS as f64,
        figures(lat)
    );
}

/// One client: `request` again and again until `until`; each latency.
async fn client(addr: String, request: String, until: Instant) -> Vec<Duration> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let _ = stream.set_nodelay(true);
    let mut conn = tokio::io::BufReader::new(stream);
    let mut lat = Vec::new();
    let mut line = String::new();
    let mut body = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        conn.get_mut()
            .write_all(request.as_bytes())
            .await
            .expect("send");
        let mut length = 0;
        let mut status = 0;
        loop {
            line.clear();
            conn.read_line(&mut line).await.expect("answer");
            if status == 0 {
                status = line
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        assert_eq!(status, 200, "{line}");
        body.resize(length, 0);
        conn.read_exact(&mut body).await.expect("body");
        lat.push(t.elapsed());
    }
    lat
}

/// The old endpoint on 20 companies, each with its own number.
fn old_endpoint(base: &str, token: &str) {
    let agent = agent();
    let mut lat = Vec::new();
    for i in 0..20 {
        let body = format!(r#"{{"phoneNumber":"+7 901 {:03} {:04}"}}"#, i, i);
        let t = Instant::now();
        let mut r = agent
            .post(format!("{base}/api/whatsapp/sessions/c{i}/pairing-code"))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.as_str())
            .expect("answer");
        assert_eq!(
            r.status().as_u16(),
            200,
            "{:?}",
            r.body_mut().read_to_string()
        );
        lat.push(t.elapsed());
        let _ = agent
            .delete(format!("{base}/api/v1/sessions/c{i}/link"))
            .header("Authorization", &format!("Bearer {token}"))
            .call();
    }
    println!(
        "old endpoint, request to code (simulator): {}",
        figures(lat)
    );
}

/// 100 event streams; a QR link on one company; when each stream saw it.
fn sse_fanout(base: &str, token: &str) {
    let (tx, rx) = std::sync::mpsc::channel::<Instant>();
    for _ in 0..SSE_CLIENTS {
        let (url, auth, tx) = (
            format!("{base}/api/v1/events"),
            format!("Bearer {token}"),
            tx.clone(),
        );
        std::thread::spawn(move || {
            let resp = agent()
                .get(&url)
                .header("Authorization", &auth)
                .call()
                .expect("stream");
            let reader = BufReader::new(resp.into_body().into_reader());
            for line in reader.lines().map_while(Result::ok) {
                if line.starts_with("event: session.status") && tx.send(Instant::now()).is_err() {
                    break;
                }
            }
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    let agent = agent();
    let mut lat = Vec::new();
    for i in 100..110 {
        while rx.try_recv().is_ok() {}
        let sent = Instant::now();
        let _ = agent
            .post(format!("{base}/api/v1/sessions/c{i}/link"))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(r#"{"method":"qr"}"#);
        // The first state change reaches every stream.
        for _ in 0..SSE_CLIENTS {
            let at = rx.recv_timeout(Duration::from_secs(30)).expect("event");
            lat.push(at.saturating_duration_since(sent));
        }
        let _ = agent
            .delete(format!("{base}/api/v1/sessions/c{i}/link"))
            .header("Authorization", &format!("Bearer {token}"))
            .call();
        std::thread::sleep(Duration::from_millis(300));
    }
    println!(
        "link request → its first session.status on {SSE_CLIENTS} SSE clients (includes waiting for the QR): {}",
        figures(lat)
    );
}

/// A receiver that answers 200 and counts.
fn receiver() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = Arc::new(AtomicUsize::new(0));
    let count = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            count.fetch_add(1, Ordering::Relaxed);
        }
    });
    (url, got)
}

async fn bench() {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let (_tmp, data, _) = registry(COMPANIES, 0);
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
    let (hook_url, delivered) = receiver();
    store
        .add_webhook(
            &hook_url,
            None,
            "company.added",
            "secret",
            false,
            now_unix(),
        )
        .expect("webhook");

    let (engine, updates) = start(&sim, &data, false);
    let serving =
        walink::service::start(data.socket_path(), engine.clone(), updates).expect("serve");
    let stop = tokio_util::sync::CancellationToken::new();
    walink::webhook::start(
        Store::open(&data.registry_path()).expect("registry"),
        &serving.view,
        serving.publisher.clone(),
        stop.clone(),
    );
    let mut api = walink::http::Api::new(engine.clone(), serving.view.clone(), store, stop.clone());
    // Every client of the bench is this machine's.
    api.per_address = usize::MAX;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(walink::http::serve(listener, api, Vec::new(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(1)).await;

    let (b, t) = (base.clone(), token.clone());
    tokio::task::spawn_blocking(move || {
        list_load(&b, &t, "?limit=100");
        list_load(&b, &t, "");
        old_endpoint(&b, &t);
        sse_fanout(&b, &t);
    })
    .await
    .expect("load");

    let n = 500;
    let began = Instant::now();
    for i in 0..n {
        let slug = Slug::parse(&format!("hook{i}")).expect("slug");
        let name = DisplayName::parse("Hook").expect("name");
        engine
            .send(Command::AddCompany { slug, name })
            .await
            .expect("engine");
    }
    while delivered.load(Ordering::Relaxed) < n {
        assert!(
            began.elapsed() < Duration::from_secs(300),
            "deliveries stalled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "webhooks: {n} deliveries to a local receiver in {:.1} s ({:.0} a second)",
        began.elapsed().as_secs_f64(),
        n as f64 / began.elapsed().as_secs_f64()
    );
    println!("process RSS at the end: {:.0} MiB", common::rss_mib());
    stop.cancel();
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench());
}
