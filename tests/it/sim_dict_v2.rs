//! A Baileys 6 client (connection header `WA 06 02`, token dictionary
//! version 2) against the simulator over a real WebSocket. whatsapp-rust's
//! `Client` speaks only version 3, so this is a raw client: it runs the Noise
//! handshake itself and reads and writes nodes with the version-2 tables.

use std::sync::Arc;

use walink::sim::SimEvent;
use whatsapp_rust::NodeBuilder;
use whatsapp_rust::async_channel::Receiver;
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::transport::{
    DisconnectReason, TokioWebSocketTransportFactory, Transport, TransportEvent, TransportFactory,
};
use whatsapp_rust::wacore::framing::{FrameDecoder, encode_frame};
use whatsapp_rust::wacore::handshake::{NoiseCipher, XxHandshakeState};
use whatsapp_rust::wacore::store::Device;
use whatsapp_rust::wacore_binary::marshal::unmarshal_ref;

use whatsapp_rust::wacore_binary::util::unpack;
use whatsapp_rust::waproto::codec::client_payload_to_vec;

use crate::v2_codec::{attr, read_v2, v2_node};
use crate::wa::{secs, sim, sim_event};

/// `WA`, magic 6, dictionary version 2: what Baileys 6 sends first.
const HEADER_V2: [u8; 4] = [b'W', b'A', 6, 2];

/// Our keepalive's id: no token and not packable, so it travels as is.
const PING_ID: &str = "ping-v2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_2_client_is_offered_refs_and_answered_in_version_2_tokens() {
    let sim = sim().await;
    let mut events = sim.events();
    let mut channel = handshake(&sim.url(), HEADER_V2).await;

    // A registering companion is first sent <iq><pair-device><ref/>…</…></iq>.
    let wire = channel.recv().await;
    // "iq" is token 30 in version 2, and 30 is "urn:xmpp:whatsapp:push" in
    // version 3: read as v3, these bytes must not give the stanza.
    let as_v3 = unmarshal_ref(&wire)
        .is_ok_and(|n| n.tag == "iq" && n.get_optional_child("pair-device").is_some());
    assert!(
        !as_v3,
        "the first node reads as version 3: it was not rewritten"
    );

    let iq = read_v2(&wire);
    assert_eq!(iq.tag, "iq");
    let refs: Vec<String> = iq
        .get_optional_child("pair-device")
        .expect("the iq holds a <pair-device>")
        .get_children_by_tag("ref")
        .filter_map(|r| r.content_as_string().map(|s| s.to_string()))
        .collect();
    assert!(!refs.is_empty(), "<pair-device> holds no <ref>");
    let offered = sim_event(&mut events, secs(5), |e| match e {
        SimEvent::PairDeviceSent { refs: sent, .. } => Some(sent.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        refs, offered,
        "the refs read through the v2 tables are those offered"
    );

    // Acknowledge it as a client does, in v2 tokens; no answer is due…
    let id = attr(&iq, "id").expect("the iq has an id");
    let ack = v2_node(
        "iq",
        &[
            ("id", id.as_str()),
            ("type", "result"),
            ("to", "s.whatsapp.net"),
        ],
        &[],
    );
    channel.send(&ack).await;
    // …then a keepalive ping: its answer shows the simulator read both nodes
    // (misread as v3, this would be an unknown tag and go unanswered).
    let ping = v2_node(
        "iq",
        &[
            ("id", PING_ID),
            ("type", "get"),
            ("xmlns", "w:p"),
            ("to", "s.whatsapp.net"),
        ],
        &[v2_node("ping", &[], &[])],
    );
    channel.send(&ping).await;
    let answer = read_v2(&channel.recv().await);
    assert_eq!(answer.tag, "iq");
    assert_eq!(attr(&answer, "type").as_deref(), Some("result"));
    assert_eq!(attr(&answer, "id").as_deref(), Some(PING_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_announcing_version_4_is_told_which_versions_are_spoken() {
    let sim = sim().await;
    let (mut socket, _noise) = hello(&sim.url(), [b'W', b'A', 6, 4]).await;
    let closed = socket
        .next()
        .await
        .expect_err("the simulator refuses instead of answering");
    match closed {
        DisconnectReason::ServerClose { code, reason } => {
            assert_eq!(code, Some(1002), "a protocol error");
            assert!(
                reason.contains("version 4") && reason.contains("versions 2 and 3"),
                "the close reason names no versions: {reason:?}"
            );
        }
        other => panic!("expected a close frame, got {other}"),
    }
}

#[test]
fn the_tests_own_v2_writer_and_reader_agree() {
    let v2 = v2_node(
        "iq",
        &[("id", PING_ID), ("type", "get"), ("xmlns", "w:p")],
        &[v2_node("ping", &[], &[])],
    );
    let expected = NodeBuilder::new("iq")
        .attr("id", PING_ID)
        .attr("type", "get")
        .attr("xmlns", "w:p")
        .children([NodeBuilder::new("ping").build()])
        .build();
    assert_eq!(read_v2(&v2), expected);
}

/// A WebSocket to the simulator, cut into WA frames (`u24 length ‖ payload`),
/// over whatsapp-rust's own tokio transport.
struct Socket {
    transport: Arc<dyn Transport>,
    events: Receiver<TransportEvent>,
    frames: FrameDecoder,
}

impl Socket {
    async fn open(url: &str) -> Self {
        let (transport, events) = TokioWebSocketTransportFactory::new()
            .with_url(url)
            .create_transport()
            .await
            .expect("the simulator accepts the WebSocket");
        Self {
            transport,
            events,
            frames: FrameDecoder::new(),
        }
    }

    /// One frame; `header` goes in front of the very first one only.
    async fn send(&self, payload: &[u8], header: Option<&[u8]>) {
        let framed = encode_frame(payload, header).expect("a frame under 16 MiB");
        self.transport
            .send(Bytes::from(framed))
            .await
            .expect("the frame is sent");
    }

    /// The next frame's payload, or why the simulator closed the socket.
    async fn next(&mut self) -> Result<Vec<u8>, DisconnectReason> {
        loop {
            if let Some(frame) = self.frames.decode_frame() {
                return Ok(frame.to_vec());
            }
            let event = tokio::time::timeout(secs(10), self.events.recv())
                .await
                .expect("the simulator answers within 10 s")
                .expect("the transport reports until it disconnects");
            match event {
                TransportEvent::DataReceived(data) => self.frames.feed(&data),
                TransportEvent::Connected => {}
                TransportEvent::Disconnected(reason) => return Err(reason),
            }
        }
    }
}

/// Opens a socket and sends Noise XX's first message behind `header` (also
/// the prologue), as whatsapp-rust's `run_xx_handshake` does, for a fresh
/// companion: its payload will be a registration one, with no username.
async fn hello(url: &str, header: [u8; 4]) -> (Socket, XxHandshakeState) {
    let device = Device::new();
    let payload = device.get_client_payload();
    assert!(payload.username.is_none(), "an unpaired device registers");
    let noise = XxHandshakeState::new(
        device.noise_key.clone(),
        client_payload_to_vec(&payload),
        &header,
    )
    .expect("the Noise state starts");
    let socket = Socket::open(url).await;
    let client_hello = noise.build_client_hello().expect("a ClientHello");
    socket.send(&client_hello, Some(&header[..])).await;
    (socket, noise)
}

/// XX to the end: the ServerHello (the `sandbox` feature builds wacore-noise
/// without the certificate signature check), then the ClientFinish.
async fn handshake(url: &str, header: [u8; 4]) -> Channel {
    let (mut socket, mut noise) = hello(url, header).await;
    let server_hello = socket.next().await.expect("a ServerHello, not a close");
    let finish = noise
        .read_server_hello_and_build_client_finish(&server_hello)
        .expect("the ServerHello opens");
    socket.send(&finish, None).await;
    let keys = noise.finish().expect("the handshake yields transport keys");
    Channel {
        socket,
        write: keys.write_cipher,
        read: keys.read_cipher,
        sent: 0,
        received: 0,
    }
}

/// The Noise transport after the handshake; each direction counts its
/// nonces from 0.
struct Channel {
    socket: Socket,
    write: NoiseCipher,
    read: NoiseCipher,
    sent: u32,
    received: u32,
}

impl Channel {
    /// Seals a node already in v2 tokens behind flags byte 0 (uncompressed).
    async fn send(&mut self, node: &[u8]) {
        let mut plain = vec![0];
        plain.extend_from_slice(node);
        let sealed = self
            .write
            .encrypt_with_counter(self.sent, &plain)
            .expect("the node seals");
        self.sent += 1;
        self.socket.send(&sealed, None).await;
    }

    /// The next node as the simulator wrote it, flags byte stripped.
    async fn recv(&mut self) -> Vec<u8> {
        let mut frame = self.socket.next().await.expect("a node, not a close");
        self.read
            .decrypt_in_place_with_counter(self.received, &mut frame)
            .expect("the frame opens");
        self.received += 1;
        unpack(&frame).expect("a flags byte").into_owned()
    }
}
