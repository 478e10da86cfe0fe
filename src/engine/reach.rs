//! Why a session has no socket. whatsapp-rust retries a failed connect
//! without an event and only logs the reason, so walink keeps the last
//! logged connect failure (a tracing layer) and probes the server itself.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing_log::NormalizeEvent;
use tracing_subscriber::layer::{Context, Layer};

/// WhatsApp's own endpoint, when no `--server` is given.
const WHATSAPP_URL: &str = "wss://web.whatsapp.com/ws/chat";
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The last "Failed to connect" whatsapp-rust logged, and when.
static LAST_FAILURE: Mutex<Option<(Instant, String)>> = Mutex::new(None);

/// What stopped a session from getting a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoSocket {
    /// WhatsApp's Noise certificate did not verify (interception).
    Unverified(String),
    /// DNS, refused, timed out, version lookup: the cause in words.
    Unreachable(String),
    /// The company's proxy failed (`proxy` is its `host:port`).
    Proxy {
        proxy: String,
        why: crate::domain::ProxyWhy,
        raw: String,
    },
}

/// The last connect failure logged since `since`, if it was a certificate
/// failure: that one is final and is reported at once.
pub fn unverified_since(since: Instant) -> Option<NoSocket> {
    let last = LAST_FAILURE.lock().unwrap_or_else(|p| p.into_inner());
    match &*last {
        Some((at, text)) if *at >= since && is_cert_failure(text) => {
            Some(NoSocket::Unverified(text.clone()))
        }
        _ => None,
    }
}

fn is_cert_failure(text: &str) -> bool {
    text.to_ascii_lowercase()
        .contains("certificate verification failed")
}

/// Probe the server (`None`: WhatsApp's own) the way the session goes
/// (through `proxy`, if any) and say why no socket came up.
pub async fn diagnose(
    server: Option<&str>,
    proxy: Option<&crate::domain::ProxyUrl>,
    since: Instant,
) -> NoSocket {
    if let Some(cert) = unverified_since(since) {
        return cert;
    }
    let logged = {
        let last = LAST_FAILURE.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|(at, _)| *at >= since)
            .map(|(_, t)| t.clone())
    };
    let url = server.unwrap_or(WHATSAPP_URL);
    let probe = match proxy {
        None => probe(url).await,
        Some(proxy) => match through(url, proxy).await {
            Ok(text) => text,
            Err(super::dial::DialError::Proxy { proxy, why, raw }) => {
                return NoSocket::Proxy { proxy, why, raw };
            }
            Err(other) => other.to_string(),
        },
    };
    NoSocket::Unreachable(match logged {
        Some(text) => format!("{probe}; the client said: {text}"),
        None => probe,
    })
}

/// DNS, then TCP, each bounded: the first step that fails, in words.
async fn probe(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return format!("{url} is not a URL");
    };
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(
        PROBE_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    );
    let addrs: Vec<_> = match lookup.await {
        Err(_) => return format!("DNS lookup of {host} timed out"),
        Ok(Err(e)) => return format!("DNS lookup of {host} failed: {e}"),
        Ok(Ok(addrs)) => addrs.collect(),
    };
    let Some(addr) = addrs.first() else {
        return format!("DNS lookup of {host} found no address");
    };
    match tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
        Err(_) => format!("connecting to {host} ({addr}) timed out"),
        Ok(Err(e)) => format!("connecting to {host} ({addr}) failed: {e}"),
        Ok(Ok(_)) => format!(
            "{host} ({addr}) accepts connections, but no WhatsApp session came up (TLS, proxy or WhatsApp's handshake)"
        ),
    }
}

/// The server reached through the proxy: the proxy is not the problem.
async fn through(
    url: &str,
    proxy: &crate::domain::ProxyUrl,
) -> Result<String, super::dial::DialError> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(format!("{url} is not a URL"));
    };
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    super::dial::tcp(Some(proxy), &host, port).await?;
    Ok(format!(
        "{host}:{port} is reachable through the proxy {proxy}, but no WhatsApp session came up (TLS or WhatsApp's handshake)"
    ))
}

/// Keeps whatsapp-rust's connect failures for [`diagnose`]; installed by
/// `logging::init` whatever the log level.
pub struct ConnectFailures;

impl ConnectFailures {
    /// Only warnings and errors reach it: it must not make every debug
    /// line of the client cost something.
    pub fn layer<S>() -> impl Layer<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        ConnectFailures.with_filter(tracing_subscriber::filter::LevelFilter::WARN)
    }
}

impl<S: tracing::Subscriber> Layer<S> for ConnectFailures {
    fn on_event(&self, event: &tracing::Event<'_>, _cx: Context<'_, S>) {
        let target = match event.normalized_metadata() {
            Some(meta) => meta.target().to_owned(),
            None => event.metadata().target().to_owned(),
        };
        if !target.starts_with("whatsapp_rust") {
            return;
        }
        let mut msg = Message(String::new());
        event.record(&mut msg);
        if msg.0.contains("Failed to connect") {
            *LAST_FAILURE.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), msg.0));
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_failures_are_told_apart() {
        assert!(is_cert_failure(
            "Failed to connect: Core handshake error: Server certificate verification failed: bad sig. Will retry..."
        ));
        assert!(!is_cert_failure(
            "Failed to connect: failed to open transport. Will retry..."
        ));
    }

    #[tokio::test]
    async fn a_closed_port_is_named() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let text = probe(&format!("ws://127.0.0.1:{port}/ws/chat")).await;
        assert!(
            text.starts_with(&format!(
                "connecting to 127.0.0.1 (127.0.0.1:{port}) failed"
            )),
            "{text}"
        );
    }
}
