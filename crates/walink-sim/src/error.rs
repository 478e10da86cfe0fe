//! Errors returned by the simulator.

use super::events::ConnId;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_websockets::Error),
    #[error("noise handshake: {0}")]
    Handshake(#[from] wacore_noise::HandshakeError),
    #[error("noise transport: {0}")]
    Noise(#[from] wacore_noise::NoiseError),
    #[error("protobuf: {0}")]
    Decode(#[from] waproto::buffa::DecodeError),
    #[error("binary node: {0}")]
    Binary(#[from] wacore_binary::BinaryError),
    #[error("crypto: {0}")]
    Crypto(String),
    #[error("protocol: {0}")]
    Protocol(String),
    #[error(
        "the client announced token dictionary version {0}; this simulator speaks versions 2 and 3"
    )]
    UnsupportedDictionary(u8),
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    #[error("connection {0} is gone")]
    ConnectionGone(ConnId),
    #[error("no phone account for {0}")]
    UnknownPhone(String),
    #[error("invalid QR code: {0}")]
    BadQr(String),
    #[error("the QR code's ref is not live on any connection")]
    UnknownRef,
    #[error("no pair-code request is pending for {0}")]
    NoPendingCode(String),
    #[error("the pair code does not open the companion's key bundle")]
    WrongCode,
    #[error("phone {0} already has the maximum number of companions")]
    TooManyCompanions(String),
    #[error("phone {phone} has no linked device {device}")]
    UnknownDevice { phone: String, device: u16 },
    #[error("client rejected pair-success: {code} {text}")]
    PairRejected { code: u16, text: String },
    #[error("the simulator's state file {0}")]
    State(String),
}

impl SimError {
    /// For errors of crates whose error types we only need as text.
    pub(crate) fn crypto(e: impl std::fmt::Display) -> Self {
        Self::Crypto(e.to_string())
    }

    pub(crate) fn protocol(what: impl Into<String>) -> Self {
        Self::Protocol(what.into())
    }
}
