//! Accept loop on 127.0.0.1.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::hub::Hub;
use super::session;

/// Back-off after a failed accept (e.g. out of file descriptors) so the loop
/// does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

pub(crate) async fn accept_loop(listener: TcpListener, hub: Arc<Hub>, cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    debug!(%peer, "accepted");
                    // Latency matters more than throughput for a test server.
                    let _ = tcp.set_nodelay(true);
                    tokio::spawn(session::serve(hub.clone(), tcp, cancel.child_token()));
                }
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            },
        }
    }
}
