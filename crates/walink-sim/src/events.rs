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
    /// A message went to one device (metadata only: never its content).
    Routed(Routed),
    /// The phone sent a new companion the account's app-state sync key.
    AppStateKeyShared {
        device_jid: String,
    },
    Unlinked {
        phone: String,
        device_jid: String,
    },
    Disconnected {
        conn: ConnId,
    },
    /// `conn` was closed because its device logged in on another
    /// connection: two places ran one device's keys.
    Replaced {
        conn: ConnId,
        device_jid: String,
    },
    /// The client did not close the socket itself after a 515 restart; the
    /// simulator closed it after its grace period.
    ClosedAfterRestart {
        conn: ConnId,
    },
}

impl SimEvent {
    /// One log line: what happened, never keys or refs.
    pub fn summary(&self) -> String {
        match self {
            Self::Connected { conn } => format!("{conn}: connected"),
            Self::Handshake { conn, pattern } => format!("{conn}: handshake {pattern:?}"),
            Self::PairDeviceSent { conn, refs } => {
                format!("{conn}: pair-device with {} refs", refs.len())
            }
            Self::CodeRequested { conn, phone } => {
                format!("{conn}: pairing code requested for {phone}")
            }
            Self::PrimaryHelloSent { conn, phone } => {
                format!("{conn}: phone {phone} typed the code (primary_hello)")
            }
            Self::Paired { phone, device_jid } => format!("paired {device_jid} to {phone}"),
            Self::PairFailed { phone, reason } => format!("pairing for {phone} failed: {reason}"),
            Self::LoggedIn { conn, device_jid } => format!("{conn}: logged in as {device_jid}"),
            Self::LoginRejected { conn } => format!("{conn}: login refused (unknown device)"),
            Self::FaultFired { conn, fault } => match conn {
                Some(c) => format!("{c}: fault fired: {fault:?}"),
                None => format!("fault fired: {fault:?}"),
            },
            Self::Replaced { conn, device_jid } => {
                format!("{conn}: replaced, {device_jid} logged in on another connection")
            }
            Self::LogoutReceived { device_jid } => format!("{device_jid} logged out"),
            Self::Routed(r) => format!("message {} routed to {} ({})", r.id, r.to, r.enc),
            Self::AppStateKeyShared { device_jid } => {
                format!("the phone shared its app-state key with {device_jid}")
            }
            Self::Unlinked { phone, device_jid } => {
                format!("phone {phone} unlinked {device_jid}")
            }
            Self::Disconnected { conn } => format!("{conn}: disconnected"),
            Self::ClosedAfterRestart { conn } => {
                format!("{conn}: client kept the socket after a 515; closed it")
            }
        }
    }
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
    /// How the phone lists it (from its registration's device props).
    pub shown_as: Option<super::hub::ShownAs>,
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

/// What the server routed: which message to which device, and its kind of
/// ciphertext (`pkmsg`, `msg`, `skmsg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub id: String,
    pub from: String,
    pub to: String,
    pub enc: String,
}
