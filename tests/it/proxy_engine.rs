//! A company's proxy at the engine, through real proxies on loopback: the
//! session links through it, and each way a proxy fails is its own
//! reason, naming the proxy and never its password, and costs no slot of
//! the link guard.

use walink::domain::{
    FailureReason, LinkMethod, ProxyChoice, ProxyWhy, SessionState, SettingsChange,
};
use walink::store::AttemptOutcome;

use crate::engine_fixture::{Fixture, link_by_qr};
use crate::proxies::{PASSWORD, Proxy, USER, free_port};
use crate::wa::{secs, sim};

fn set_proxy(f: &Fixture, url: &str) {
    let change = SettingsChange {
        proxy: Some(ProxyChoice::parse(url).expect("proxy")),
        ..SettingsChange::default()
    };
    f.store()
        .change_company(f.company, &change)
        .expect("set the proxy");
}

fn port_of(url: &str) -> u16 {
    url::Url::parse(url).expect("url").port().expect("port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_links_and_reconnects_through_its_socks_proxy() {
    let sim = sim().await;
    let proxy = Proxy::socks(true);
    let mut f = Fixture::new(&sim).await;
    // A host name, and the proxy resolving the server's name (socks5h).
    let url = proxy
        .url(Some((USER, PASSWORD)))
        .replace("socks5://", "socks5h://")
        .replace("@127.0.0.1:", "@localhost:");
    set_proxy(&f, &url);
    link_by_qr(&sim, &mut f).await;
    let through = proxy.tunnels_to(port_of(&sim.url()));
    assert!(through >= 1, "no tunnel to the simulator: {}", proxy.log());
    // A restart restores the session through the proxy too.
    f.restart_at(&sim.url(), |_| {}).await;
    f.state(secs(30), |s| *s == SessionState::Connected).await;
    assert!(
        proxy.tunnels_to(port_of(&sim.url())) > through,
        "{}",
        proxy.log()
    );
    f.shutdown().await;
}

/// A listener that takes connections and never says a word.
fn silent_listener() -> (std::net::TcpListener, u16) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_way_a_proxy_fails_is_named_and_costs_no_guard_slot() {
    let sim = sim().await;
    let socks = Proxy::socks(true);
    let http = Proxy::http(true);
    let open = Proxy::socks(false);
    let (_silent, silent_port) = silent_listener();
    let wrong = "Wr0ng-Secret";
    let closed = free_port();
    let cases = [
        (format!("socks5://127.0.0.1:{closed}"), ProxyWhy::Refused),
        (format!("http://127.0.0.1:{silent_port}"), ProxyWhy::Silent),
        (socks.url(None), ProxyWhy::AuthRequired),
        (socks.url(Some((USER, wrong))), ProxyWhy::AuthRefused),
        (http.url(None), ProxyWhy::AuthRequired),
        (http.url(Some((USER, wrong))), ProxyWhy::AuthRefused),
    ];
    let mut f = Fixture::at(&sim.url(), |c| c.connect_timeout = secs(2)).await;
    for (n, (url, why)) in cases.iter().enumerate() {
        set_proxy(&f, url);
        f.link(n as u64 + 1, LinkMethod::Qr, false).await;
        let want = FailureReason::ProxyFailed {
            proxy: format!("127.0.0.1:{}", port_of(url)),
            why: *why,
        };
        assert_eq!(f.failure(secs(30)).await, want, "{url}");
        f.state(secs(5), |s| *s == SessionState::NotLinked).await;
    }
    // More attempts than the guard allows an hour: none reached WhatsApp.
    let attempts = f.store().attempts_since(f.company, None, 0).expect("q");
    assert_eq!(attempts.len(), cases.len());
    assert!(
        attempts
            .iter()
            .all(|a| a.outcome == AttemptOutcome::Unreached),
        "{attempts:?}"
    );
    let log = f.store().events(f.company, 100).expect("events");
    assert!(
        log.iter()
            .any(|e| e.reason.as_deref() == Some("proxy_failed")
                && e.detail.contains("refused the user name or password")
                && e.raw.is_some()),
        "the sentence and the raw cause are kept: {log:?}"
    );
    let text = format!("{log:?}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
    f.shutdown().await;

    // The proxy works, but WhatsApp is not reachable from it.
    let gone = format!("ws://127.0.0.1:{}/ws/chat", free_port());
    let mut f = Fixture::at(&gone, |c| c.connect_timeout = secs(2)).await;
    set_proxy(&f, &open.url(None));
    f.link(1, LinkMethod::Qr, false).await;
    assert_eq!(
        f.failure(secs(30)).await,
        FailureReason::ProxyFailed {
            proxy: format!("127.0.0.1:{}", open.port),
            why: ProxyWhy::TargetUnreachable
        }
    );
    f.shutdown().await;
}

/// A loopback HTTP server answering `ok` to every request, and how many
/// it answered.
fn ok_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_rust_s_http_leaves_by_the_session_s_route() {
    use walink::engine::route::{Route, RoutedHttp};
    use whatsapp_rust::http::{HttpClient, HttpRequest};
    let (port, served) = ok_server();
    let target = format!("http://127.0.0.1:{port}/v");
    let http = Proxy::http(true);
    let socks = Proxy::socks(true);
    let proxy =
        |p: &Proxy| walink::domain::ProxyUrl::parse(&p.url(Some((USER, PASSWORD)))).expect("proxy");
    let route = Route::new(Some(proxy(&http)));
    let client = RoutedHttp::new(route.clone());
    let got = client
        .execute(HttpRequest::get(&target))
        .await
        .expect("through the HTTP proxy");
    assert_eq!((got.status_code, got.body.as_slice()), (200, &b"ok"[..]));
    assert_eq!(http.mentions(port), 1, "{}", http.log());
    // The route changes: the next request takes the new one.
    route.set(Some(proxy(&socks)));
    client
        .execute(HttpRequest::get(&target))
        .await
        .expect("through the SOCKS proxy");
    assert_eq!(socks.mentions(port), 1, "{}", socks.log());
    route.set(None);
    client
        .execute(HttpRequest::get(&target))
        .await
        .expect("direct");
    assert_eq!((http.mentions(port), socks.mentions(port)), (1, 1));
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 3);
}
