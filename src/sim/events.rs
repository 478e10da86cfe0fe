//! What the simulator reports to tests.

use std::fmt;

use super::fault::Fault;

/// Identifies one accepted WebSocket connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

/// Which Noise pattern a connection completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakePattern {
    Xx,
    Ik,
    /// IK could not be opened (unknown cached server key), answered with XXfallback.
    XxFallback,
}

/// One thing that happened inside the simulator.
#[derive(Debug, Clone, PartialEq)]
pub enum SimEvent {
    Connected {
        conn: ConnId,
    },
    Handshake {
        conn: ConnId,
        pattern: HandshakePattern,
    },
    /// A registering companion was offered QR refs.
    PairDeviceSent {
        conn: ConnId,
        refs: Vec<String>,
    },
    /// A companion asked for a pair code for `phone`. The code itself never
    /// reaches the server (it only travels PBKDF2-wrapped), so it is not here.
    CodeRequested {
        conn: ConnId,
        phone: String,
    },
    /// The phone sent `primary_hello` after "typing" a code.
    PrimaryHelloSent {
        conn: ConnId,
        phone: String,
    },
    Paired {
        phone: String,
        device_jid: String,
    },
    PairFailed {
        phone: String,
        reason: String,
    },
    LoggedIn {
        conn: ConnId,
        device_jid: String,
    },
    /// Login refused because the device is unknown (`<failure reason="401">`).
    LoginRejected {
        conn: ConnId,
    },
    FaultFired {
        conn: Option<ConnId>,
        fault: Fault,
    },
    LogoutReceived {
        device_jid: String,
    },
    Unlinked {
        phone: String,
        device_jid: String,
    },
    Disconnected {
        conn: ConnId,
    },
}

/// A companion device registered with the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub phone: String,
    pub jid: String,
    pub device: u16,
    /// A connection is currently logged in as this device.
    pub connected: bool,
    /// Every `<presence>` it sent, oldest first.
    pub presences: Vec<PresenceSeen>,
}

/// One `<presence>` stanza as the server saw it: WhatsApp takes its `name`
/// as the account's push name, and an `available` companion keeps the
/// phone from notifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceSeen {
    /// `available`, `unavailable`, or `None` for a name-only update.
    pub kind: Option<String>,
    pub name: Option<String>,
}
