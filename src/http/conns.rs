//! The API's own accept loop (axum's `serve` has no header-read timeout):
//! a client that does not finish its request headers within 10 s is cut
//! off, and one client address holds a bounded number of connections.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::Peer;

/// Request headers must arrive within this (a slowloris holds nothing).
pub const HEADER_WAIT: Duration = Duration::from_secs(10);
/// Open connections one client address may hold by default (event
/// streams included).
pub const PER_ADDRESS: usize = 64;
/// How long open connections (event streams) may take to end at shutdown.
const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// Connections open per client address.
#[derive(Default)]
struct Counts(Mutex<HashMap<IpAddr, usize>>);

/// One connection's place in the count, given back when it ends.
struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Counts {
    fn take(self: &Arc<Self>, ip: IpAddr, limit: Option<usize>) -> Option<Slot> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(ip).or_default();
        if limit.is_some_and(|l| *n >= l) {
            return None;
        }
        *n += 1;
        Some(Slot {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.counts.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serve `app` on `listener` until `stop`, at most `limit` connections per
/// client address (none behind a proxy: every connection is the proxy's).
pub async fn run<L>(
    mut listener: L,
    app: Router,
    limit: Option<usize>,
    stop: CancellationToken,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let counts = Arc::new(Counts::default());
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_WAIT);
    loop {
        let (io, addr) = tokio::select! {
            c = listener.accept() => c,
            () = stop.cancelled() => break,
        };
        let Some(slot) = counts.take(addr.ip(), limit) else {
            tracing::warn!(
                "refused a connection from {}: it already holds {}",
                addr.ip(),
                limit.unwrap_or_default()
            );
            continue;
        };
        let service = app
            .clone()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(Peer(addr)));
                req
            });
        let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("an HTTP connection ended: {e}");
            }
            drop(slot);
        });
    }
    if tokio::time::timeout(DRAIN_WAIT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("HTTP connections still open at shutdown were cut");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_limit_and_gets_its_slots_back() {
        let counts = Arc::new(Counts::default());
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "127.0.0.2".parse().expect("ip");
        let held: Vec<Slot> = (0..3).filter_map(|_| counts.take(a, Some(3))).collect();
        assert_eq!(held.len(), 3);
        assert!(counts.take(a, Some(3)).is_none());
        assert!(
            counts.take(b, Some(3)).is_some(),
            "another address is apart"
        );
        drop(held);
        assert!(counts.take(a, Some(3)).is_some());
        assert!(counts.take(a, None).is_some(), "no limit behind a proxy");
    }
}
