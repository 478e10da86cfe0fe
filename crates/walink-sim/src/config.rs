//! Simulator settings.

use std::time::Duration;

/// Fixed, public test key for the simulator's Noise static identity. It is not
/// a secret: keeping it stable across simulator restarts lets clients that
/// cached the certificate chain keep using IK (SIMULATOR.md §3.3).
pub const DEFAULT_SERVER_STATIC_KEY: [u8; 32] = [
    0x28, 0x5e, 0x41, 0x9c, 0x07, 0xd3, 0x6a, 0x11, 0xb2, 0x4f, 0x90, 0x3e, 0x5d, 0xc8, 0x17, 0x62,
    0xa4, 0x0b, 0xe9, 0x73, 0x2c, 0x8d, 0x56, 0xf1, 0x1a, 0x69, 0xc0, 0x34, 0x9b, 0x47, 0xde, 0x58,
];

/// How a [`Simulator`](super::Simulator) listens and behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How many `<ref>`s go into each `<pair-device>` (the real server sends 6).
    pub qr_ref_count: usize,
    /// Private half of the server's Noise static key pair.
    pub server_static_key: [u8; 32],
    /// Added before every IQ reply, to model a slow server.
    pub reply_delay: Duration,
    /// How long the phone waits for the companion's answer to a pairing step.
    pub phone_timeout: Duration,
    /// Accept logins from devices the simulator does not know (for example
    /// after a simulator restart) and register them on the fly.
    pub auto_register_logins: bool,
    /// Keep every node sent (marshalled, before encryption) for tests that
    /// read the wire as a strict client would.
    pub record_wire: bool,
    /// One-way delay on every frame sent, as a real network adds (default:
    /// `WALINK_SIM_LATENCY_MS`, so a whole test run can take it).
    pub latency: Duration,
    /// Where accounts and devices are kept across restarts (`None`: in
    /// memory only, as most tests want).
    pub state_file: Option<std::path::PathBuf>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            qr_ref_count: 6,
            server_static_key: DEFAULT_SERVER_STATIC_KEY,
            reply_delay: Duration::ZERO,
            phone_timeout: Duration::from_secs(30),
            auto_register_logins: false,
            record_wire: false,
            latency: std::env::var("WALINK_SIM_LATENCY_MS")
                .ok()
                .and_then(|ms| ms.parse().ok())
                .map(Duration::from_millis)
                .unwrap_or_default(),
            state_file: None,
        }
    }
}

impl SimConfig {
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    pub fn with_qr_ref_count(mut self, count: usize) -> Self {
        // The client needs at least one ref to show anything.
        self.qr_ref_count = count.max(1);
        self
    }

    pub fn with_server_static_key(mut self, key: [u8; 32]) -> Self {
        self.server_static_key = key;
        self
    }

    pub fn with_reply_delay(mut self, delay: Duration) -> Self {
        self.reply_delay = delay;
        self
    }

    pub fn with_phone_timeout(mut self, timeout: Duration) -> Self {
        self.phone_timeout = timeout;
        self
    }

    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    pub fn with_record_wire(mut self, on: bool) -> Self {
        self.record_wire = on;
        self
    }

    pub fn with_state_file(mut self, path: std::path::PathBuf) -> Self {
        self.state_file = Some(path);
        self
    }

    pub fn with_auto_register_logins(mut self, on: bool) -> Self {
        self.auto_register_logins = on;
        self
    }
}
