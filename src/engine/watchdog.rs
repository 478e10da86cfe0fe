//! A session's connect watchdog: no socket within the timeout says the
//! network is unreachable, with the cause, instead of a silent wait.

use std::time::{Duration, Instant};

use super::translate::ClientFact;

/// Fires once when no socket comes up in time (or at once on a certificate
/// failure), with the cause; re-armed by an explicit reconnect.
pub struct Watchdog {
    timeout: Duration,
    armed_at: Option<tokio::time::Instant>,
}

impl Watchdog {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            armed_at: Some(tokio::time::Instant::now()),
        }
    }

    pub fn rearm(&mut self) {
        self.armed_at = Some(tokio::time::Instant::now());
    }

    pub async fn fire(
        &mut self,
        client: &whatsapp_rust::Client,
        server: Option<&str>,
        route: &super::route::Route,
        since: Instant,
    ) -> ClientFact {
        let Some(armed_at) = self.armed_at else {
            return std::future::pending().await;
        };
        let deadline = armed_at + self.timeout;
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            if client.is_connected() {
                // A socket came up: whatever follows, the client reports.
                self.armed_at = None;
                return std::future::pending().await;
            }
            let cert = super::reach::unverified_since(since);
            if cert.is_some() || tokio::time::Instant::now() >= deadline {
                self.armed_at = None;
                let cause = match cert {
                    Some(c) => c,
                    None => super::reach::diagnose(server, route.current().as_ref(), since).await,
                };
                return ClientFact::NoSocket { cause };
            }
        }
    }
}
