//! Which WhatsApp Web endpoint sessions talk to. A sandbox build (no
//! certificate check) refuses anything that is not on this machine.

use thiserror::Error;

/// What a fixed WhatsApp Web version is for: the sandbox makes no HTTP at
/// all, so it cannot fetch the current one.
pub const SANDBOX_WA_VERSION: (u32, u32, u32) = (2, 3000, 1_042_742_319);

/// True in builds that skip WhatsApp's certificate-chain check.
pub const SANDBOX: bool = cfg!(feature = "sandbox");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ServerError {
    #[error("{0:?} is not a WebSocket address like ws://127.0.0.1:8080/ws/chat")]
    NotAUrl(String),
    #[error("the server address must start with ws:// or wss:// (got {0})")]
    Scheme(String),
    #[error(
        "this is a sandbox build: it only talks to a simulator on this machine (127.0.0.1 or ::1), not {0}"
    )]
    NotLoopback(String),
    #[error("a sandbox build needs --server ws://127.0.0.1:PORT/ws/chat (a running `walink sim`)")]
    SandboxNeedsServer,
}

/// A checked endpoint; `None` means WhatsApp's own (real builds only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    url: Option<String>,
}

impl ServerTarget {
    pub fn parse(raw: Option<&str>) -> Result<Self, ServerError> {
        let Some(raw) = raw else {
            return if SANDBOX {
                Err(ServerError::SandboxNeedsServer)
            } else {
                Ok(Self { url: None })
            };
        };
        let url = url::Url::parse(raw.trim()).map_err(|_| ServerError::NotAUrl(raw.to_owned()))?;
        if !matches!(url.scheme(), "ws" | "wss") {
            return Err(ServerError::Scheme(url.scheme().to_owned()));
        }
        if SANDBOX && !is_loopback(&url) {
            return Err(ServerError::NotLoopback(
                url.host_str().unwrap_or("").to_owned(),
            ));
        }
        Ok(Self {
            url: Some(url.to_string()),
        })
    }

    /// For an engine that never connects a session (it only adds or
    /// removes companies): no endpoint, whatever the build.
    pub fn unused() -> Self {
        Self { url: None }
    }

    /// A simulator's address, already known to be loopback.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // Names can resolve anywhere; only the one that cannot is allowed.
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(all(test, feature = "sandbox"))]
mod tests {
    use super::*;

    #[test]
    fn sandbox_accepts_only_loopback() {
        let ok = [
            "ws://127.0.0.1:9000/ws/chat",
            "ws://[::1]:9000/ws/chat",
            "ws://localhost:1/x",
            "ws://127.8.9.10:5/",
        ];
        for raw in ok {
            assert!(ServerTarget::parse(Some(raw)).is_ok(), "{raw}");
        }
        let refused = [
            (
                "wss://web.whatsapp.com/ws/chat",
                "this is a sandbox build: it only talks to a simulator on this machine (127.0.0.1 or ::1), not web.whatsapp.com",
            ),
            (
                "ws://10.0.0.1:80/ws",
                "this is a sandbox build: it only talks to a simulator on this machine (127.0.0.1 or ::1), not 10.0.0.1",
            ),
            (
                "http://127.0.0.1/",
                "the server address must start with ws:// or wss:// (got http)",
            ),
            (
                "nonsense",
                "\"nonsense\" is not a WebSocket address like ws://127.0.0.1:8080/ws/chat",
            ),
        ];
        for (raw, want) in refused {
            assert_eq!(
                ServerTarget::parse(Some(raw)).unwrap_err().to_string(),
                want
            );
        }
        assert_eq!(
            ServerTarget::parse(None),
            Err(ServerError::SandboxNeedsServer)
        );
    }
}
