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

/// After a pairing, the first login on the new keys. whatsapp-rust logs in
/// again by itself and says nothing while that login does not finish: the
/// row would read "Linked · syncing" for ever (seen once in 50,000 links
/// of the scale bench). Past the wait the admin is told and the session
/// reconnects, again each time the wait runs out.
pub struct FirstLogin {
    wait: Duration,
    due: Option<tokio::time::Instant>,
}

impl FirstLogin {
    pub fn new(wait: Duration) -> Self {
        Self { wait, due: None }
    }

    /// Paired (or reconnected for it): the login is due within the wait.
    pub fn arm(&mut self) {
        self.due = Some(tokio::time::Instant::now() + self.wait);
    }

    /// Logged in.
    pub fn disarm(&mut self) {
        self.due = None;
    }

    /// Once the wait has run out; never while disarmed.
    pub async fn late(&self) {
        match self.due {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    pub fn sentence(&self) -> String {
        format!(
            "linked, but WhatsApp has not finished the first login on the new keys after {} s: \
             reconnecting (the keys are kept; nothing to do unless this repeats)",
            self.wait.as_secs()
        )
    }
}
