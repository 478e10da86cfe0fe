//! The invitation page's figures, printed (not asserted): from opening an
//! invitation to the first QR on the page, in a real headless Chromium
//! against the simulator; the page's weight; requests that left loopback.
//!
//! `cargo bench --bench invite` (needs chromium and chromium-driver).
//! Browser, server and simulator share this machine's two cores.

mod common;
use common::figures;
mod linked;
use linked::{registry, start};
#[path = "../tests/it/browser.rs"]
#[allow(dead_code)] // the bench uses a few of the helpers
mod browser;

use std::time::Duration;

use walink::domain::InviteMethod;
use walink::sim::{SimConfig, Simulator};
use walink::store::{Store, now_unix};

const OPENINGS: usize = 20;

fn bytes(url: &str) -> usize {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().expect("answer");
    r.body_mut().read_to_vec().expect("body").len()
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (_tmp, data, _) = registry(OPENINGS, 0);
    let store = Store::open(&data.registry_path()).expect("registry");
    let companies: Vec<i64> = store
        .companies()
        .expect("companies")
        .iter()
        .map(|c| c.id)
        .collect();
    let (base, engine, _sim) = rt.block_on(async {
        let sim = Simulator::start(SimConfig::default()).await.expect("sim");
        let (engine, updates) = start(&sim, &data, false);
        let serving =
            walink::service::start(data.socket_path(), engine.clone(), updates).expect("serve");
        let stop = tokio_util::sync::CancellationToken::new();
        let api = walink::http::Api::new(engine.clone(), serving.view.clone(), store, stop.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(walink::http::serve(listener, api, Vec::new(), stop));
        // The hub runs as long as the bench: never closed.
        std::mem::forget(serving);
        (base, engine, sim)
    });

    let b = browser::Browser::start();
    let mut load = Vec::new();
    let mut click_to_qr = Vec::new();
    let mut opened_to_qr = Vec::new();
    let mut first_url = String::new();
    let mut svg_bytes = 0;
    for &company in companies.iter().take(OPENINGS) {
        let (token, cmd) =
            walink::invite::make(company, None, InviteMethod::Qr, now_unix() + 1800, "bench")
                .expect("token");
        rt.block_on(engine.send(cmd)).expect("engine");
        std::thread::sleep(Duration::from_millis(50));
        let url = walink::invite::url(&base, &token);
        if first_url.is_empty() {
            first_url.clone_from(&url);
        }
        b.goto(&url);
        let got = b.js(
            "return new Promise(done => {
               const t0 = performance.now();
               new MutationObserver((m, o) => {
                 if (document.querySelector('#qr-img svg')) {
                   o.disconnect();
                   const nav = performance.getEntriesByType('navigation')[0];
                   done([nav.loadEventEnd, performance.now() - t0,
                         document.querySelector('#qr-img').innerHTML.length]);
                 }
               }).observe(document.body, {subtree: true, childList: true});
               document.getElementById('go').click();
             });",
            vec![],
        );
        let ms = |i: usize| Duration::from_secs_f64(got[i].as_f64().expect("ms") / 1e3);
        load.push(ms(0));
        click_to_qr.push(ms(1));
        opened_to_qr.push(ms(0) + ms(1));
        svg_bytes = got[2].as_u64().unwrap_or(0);
    }
    let outside: Vec<String> = b
        .requests()
        .into_iter()
        .filter(|u| !u.starts_with(&base))
        .collect();
    println!("invitation opened → page loaded: {}", figures(load));
    println!("\"Show the QR\" → QR on the page: {}", figures(click_to_qr));
    println!(
        "invitation opened → first QR (target ≤ 500 ms): {}",
        figures(opened_to_qr)
    );
    let html = bytes(&first_url);
    let js = bytes(&format!("{base}/link/_/page.js"));
    let css = bytes(&format!("{base}/link/_/page.css"));
    println!(
        "page weight: HTML {html} B, script {js} B, style {css} B; \
         total {:.1} KiB (target ≤ 50 KiB); each QR adds {:.1} KiB of SVG",
        (html + js + css) as f64 / 1024.0,
        svg_bytes as f64 / 1024.0
    );
    println!(
        "requests that left this server: {} {outside:?}",
        outside.len()
    );
}
