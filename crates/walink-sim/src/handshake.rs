//! Noise responder: XX, IK and XXfallback (SIMULATOR.md §3).

use std::time::Duration;

use wacore::libsignal::protocol::{KeyPair, PrivateKey};
use wacore_binary::consts::{NOISE_PATTERN_IK, NOISE_PATTERN_XX, NOISE_PATTERN_XXFALLBACK};
use wacore_noise::NoiseHandshake;
use wacore_noise::test_util::build_cert_chain_bytes;
use waproto::buffa::Message as _;
use waproto::whatsapp::{self as wa, handshake_message::ServerHello};

use super::error::SimError;
use super::events::HandshakePattern;
use super::frame::Wire;
use super::secure::SecureChannel;

/// The client gives up after 20 s per handshake frame; we wait as long.
pub(crate) const HANDSHAKE_WAIT: Duration = Duration::from_secs(20);

/// The server's long-lived Noise identity and the certificate chain naming it.
pub(crate) struct ServerKey {
    pair: KeyPair,
    public: [u8; 32],
    cert_chain: Vec<u8>,
}

impl ServerKey {
    pub(crate) fn new(private: &[u8; 32]) -> Result<Self, SimError> {
        let private = PrivateKey::deserialize(private).map_err(SimError::crypto)?;
        let pair = KeyPair::try_from(private).map_err(SimError::crypto)?;
        let public = key32(pair.public_key.public_key_bytes(), "server static key")?;
        // Signatures in this chain are dummies: clients under test are built
        // with `danger-skip-cert-chain-verify` (SIMULATOR.md §3.5).
        let cert_chain = build_cert_chain_bytes(&public);
        Ok(Self {
            pair,
            public,
            cert_chain,
        })
    }
}

/// The first client message, told apart by the presence of `static` and `payload`.
pub(crate) enum ClientHello {
    Xx {
        ephemeral: [u8; 32],
    },
    Ik {
        ephemeral: [u8; 32],
        sealed_static: Vec<u8>,
        sealed_payload: Vec<u8>,
    },
}

/// A finished handshake.
pub(crate) struct Established {
    pub(crate) pattern: HandshakePattern,
    pub(crate) channel: SecureChannel,
    /// The client's Noise static key: its stable identity.
    pub(crate) client_static: [u8; 32],
    pub(crate) payload: wa::ClientPayload,
}

/// IK message 1 opened by the server, before it answers.
pub(crate) struct IkOpened {
    noise: NoiseHandshake,
    ephemeral: [u8; 32],
    client_static: [u8; 32],
    pub(crate) payload: wa::ClientPayload,
}

pub(crate) fn parse_client_hello(frame: &[u8]) -> Result<ClientHello, SimError> {
    let msg = waproto::codec::handshake_message_decode(frame)?;
    let hello = msg
        .client_hello
        .into_option()
        .ok_or_else(|| SimError::protocol("first frame has no client_hello"))?;
    let ephemeral = key32(
        hello.ephemeral.as_deref().unwrap_or_default(),
        "client ephemeral",
    )?;
    Ok(match (hello.r#static, hello.payload) {
        (Some(sealed_static), Some(sealed_payload)) => ClientHello::Ik {
            ephemeral,
            sealed_static,
            sealed_payload,
        },
        _ => ClientHello::Xx { ephemeral },
    })
}

/// IK `-> e, es, s, ss, payload`. Fails when the client encrypted to a server
/// key we do not hold; the caller then answers with XXfallback.
pub(crate) fn ik_open(
    prologue: &[u8; 4],
    key: &ServerKey,
    ephemeral: &[u8; 32],
    sealed_static: &[u8],
    sealed_payload: &[u8],
) -> Result<IkOpened, SimError> {
    let mut noise = NoiseHandshake::new(NOISE_PATTERN_IK, prologue)?;
    noise.authenticate(&key.public);
    noise.authenticate(ephemeral);
    noise.mix_shared_secret(key.pair.private_key.serialize(), ephemeral)?;
    let client_static = key32(&noise.decrypt(sealed_static)?, "client static")?;
    noise.mix_shared_secret(key.pair.private_key.serialize(), &client_static)?;
    let payload = decode_payload(&noise.decrypt(sealed_payload)?)?;
    Ok(IkOpened {
        noise,
        ephemeral: *ephemeral,
        client_static,
        payload,
    })
}

/// IK `<- e, ee, se, payload`; `static` stays absent, its presence would mean fallback.
pub(crate) async fn ik_accept(
    wire: &mut Wire,
    key: &ServerKey,
    opened: IkOpened,
) -> Result<Established, SimError> {
    let IkOpened {
        mut noise,
        ephemeral,
        client_static,
        payload,
    } = opened;
    let server_eph = wacore::crypto::generate_curve_key_pair();
    noise.authenticate(server_eph.public_key.public_key_bytes());
    noise.mix_shared_secret(server_eph.private_key.serialize(), &ephemeral)?;
    noise.mix_shared_secret(server_eph.private_key.serialize(), &client_static)?;
    let sealed_cert = noise.encrypt(&key.cert_chain)?;
    send_server_hello(wire, &server_eph, None, sealed_cert).await?;
    Ok(Established {
        pattern: HandshakePattern::Ik,
        channel: split(noise, wire.header())?,
        client_static,
        payload,
    })
}

/// XX (or XXfallback, which only differs in the protocol name) from the
/// ServerHello to the ClientFinish.
pub(crate) async fn xx_accept(
    wire: &mut Wire,
    key: &ServerKey,
    ephemeral: &[u8; 32],
    fallback: bool,
) -> Result<Established, SimError> {
    let (name, pattern) = if fallback {
        (NOISE_PATTERN_XXFALLBACK, HandshakePattern::XxFallback)
    } else {
        (NOISE_PATTERN_XX, HandshakePattern::Xx)
    };
    // The header the client sent is the prologue, as on the real server.
    let mut noise = NoiseHandshake::new(name, &wire.header())?;
    noise.authenticate(ephemeral);
    let server_eph = wacore::crypto::generate_curve_key_pair();
    noise.authenticate(server_eph.public_key.public_key_bytes());
    noise.mix_shared_secret(server_eph.private_key.serialize(), ephemeral)?;
    let sealed_static = noise.encrypt(&key.public)?;
    noise.mix_shared_secret(key.pair.private_key.serialize(), ephemeral)?;
    let sealed_cert = noise.encrypt(&key.cert_chain)?;
    send_server_hello(wire, &server_eph, Some(sealed_static), sealed_cert).await?;

    let frame = tokio::time::timeout(HANDSHAKE_WAIT, wire.next_frame())
        .await
        .map_err(|_| SimError::Timeout("client finish"))??
        .ok_or_else(|| SimError::protocol("closed before client finish"))?;
    let finish = waproto::codec::handshake_message_decode(&frame)?
        .client_finish
        .into_option()
        .ok_or_else(|| SimError::protocol("expected client_finish"))?;
    let sealed_client_static = finish
        .r#static
        .ok_or_else(|| SimError::protocol("client_finish without static"))?;
    let client_static = key32(&noise.decrypt(&sealed_client_static)?, "client static")?;
    noise.mix_shared_secret(server_eph.private_key.serialize(), &client_static)?;
    let sealed_payload = finish
        .payload
        .ok_or_else(|| SimError::protocol("client_finish without payload"))?;
    let payload = decode_payload(&noise.decrypt(&sealed_payload)?)?;
    Ok(Established {
        pattern,
        channel: split(noise, wire.header())?,
        client_static,
        payload,
    })
}

async fn send_server_hello(
    wire: &mut Wire,
    server_eph: &KeyPair,
    sealed_static: Option<Vec<u8>>,
    sealed_cert: Vec<u8>,
) -> Result<(), SimError> {
    let msg = wa::HandshakeMessage {
        server_hello: waproto::buffa::MessageField::some(ServerHello {
            ephemeral: Some(server_eph.public_key.public_key_bytes().to_vec()),
            r#static: sealed_static,
            payload: Some(sealed_cert),
            ..Default::default()
        }),
        ..Default::default()
    };
    wire.send_frame(&waproto::codec::handshake_message_to_vec(&msg))
        .await
}

/// Split yields (initiator write, initiator read): the responder reads with
/// the first and writes with the second.
fn split(noise: NoiseHandshake, header: [u8; 4]) -> Result<SecureChannel, SimError> {
    let (initiator_write, initiator_read) = noise.finish()?;
    let dict = super::dict::Dict::from_header(header[3]).unwrap_or(super::dict::Dict::V3);
    Ok(SecureChannel::new(initiator_write, initiator_read, dict))
}

fn decode_payload(bytes: &[u8]) -> Result<wa::ClientPayload, SimError> {
    Ok(wa::ClientPayload::decode_from_slice(bytes)?)
}

fn key32(bytes: &[u8], what: &str) -> Result<[u8; 32], SimError> {
    bytes
        .try_into()
        .map_err(|_| SimError::protocol(format!("{what}: expected 32 bytes, got {}", bytes.len())))
}
