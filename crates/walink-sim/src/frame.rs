//! WebSocket messages <-> WA frames (`u24 length ‖ payload`).
//!
//! The client's first message starts with the connection header (optionally
//! preceded by an edge-routing pre-intro); after that, inbound binary messages
//! are one byte stream that may hold several frames or part of one.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_websockets::{CloseCode, Message, WebSocketStream};
use wacore_binary::consts::WA_CONN_HEADER;
use wacore_noise::framing::{FrameDecoder, encode_frame};

use super::error::SimError;

/// `"ED\0\1" ‖ u24 len ‖ routing bytes`, sent before the header by clients
/// that hold edge-routing info (SIMULATOR.md §2.3).
const EDGE_ROUTING_MAGIC: &[u8] = b"ED";
const EDGE_ROUTING_FIXED: usize = 4 + 3;

/// A bounded wait for the client's answer to our close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

pub(crate) struct Wire {
    ws: WebSocketStream<TcpStream>,
    decoder: FrameDecoder,
    /// Bytes received before the connection header was complete; `None` once
    /// it has been consumed.
    intro: Option<Vec<u8>>,
    /// The header the client sent: the Noise prologue on both sides.
    header: [u8; 4],
    /// Added before each frame sent (`SimConfig::latency`).
    latency: Duration,
}

impl Wire {
    pub(crate) fn new(ws: WebSocketStream<TcpStream>, latency: Duration) -> Self {
        Self {
            ws,
            decoder: FrameDecoder::new(),
            intro: Some(Vec::new()),
            header: WA_CONN_HEADER,
            latency,
        }
    }

    /// The connection header the client announced (valid once the first
    /// frame has arrived).
    pub(crate) fn header(&self) -> [u8; 4] {
        self.header
    }

    /// Next complete frame payload; `None` when the client closed.
    /// Cancel-safe: bytes are only moved out of the socket into our buffer.
    pub(crate) async fn next_frame(&mut self) -> Result<Option<Vec<u8>>, SimError> {
        loop {
            if self.intro.is_none()
                && let Some(frame) = self.decoder.decode_frame()
            {
                return Ok(Some(frame.to_vec()));
            }
            let Some(msg) = self.ws.next().await else {
                return Ok(None);
            };
            let msg = msg?;
            if msg.is_close() {
                return Ok(None);
            }
            // The client ignores text/ping/pong and so do we.
            if msg.is_binary() {
                let payload = msg.into_payload();
                self.absorb(&payload)?;
            }
        }
    }

    fn absorb(&mut self, data: &[u8]) -> Result<(), SimError> {
        let Some(mut buf) = self.intro.take() else {
            self.decoder.feed(data);
            return Ok(());
        };
        buf.extend_from_slice(data);
        match intro_len(&buf)? {
            Some((n, header)) => {
                self.header = header;
                self.decoder.feed(&buf[n..]);
            }
            None => self.intro = Some(buf),
        }
        Ok(())
    }

    /// Sends one frame as one binary message (server frames never carry the header).
    pub(crate) async fn send_frame(&mut self, payload: &[u8]) -> Result<(), SimError> {
        let framed = encode_frame(payload, None).map_err(|e| SimError::protocol(e.to_string()))?;
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        self.ws.send(Message::binary(framed)).await?;
        Ok(())
    }

    /// Close frame (code 1000) and shutdown; errors are irrelevant at this point.
    pub(crate) async fn close(&mut self) {
        let _ = tokio::time::timeout(CLOSE_GRACE, self.ws.close()).await;
    }

    /// A close frame that says why (a header the simulator cannot speak).
    pub(crate) async fn refuse(&mut self, reason: &str) {
        let close = Message::close(Some(CloseCode::PROTOCOL_ERROR), reason);
        let _ = tokio::time::timeout(CLOSE_GRACE, self.ws.send(close)).await;
    }
}

/// Length of pre-intro + connection header once both are buffered, and the
/// header. `WA 06 x` announces the token dictionary version x: 3
/// (whatsapp-rust, whatsmeow's `token.DictVersion`, Baileys 7) or 2
/// (Baileys 6's `DICT_VERSION`); see `dict.rs`.
fn intro_len(buf: &[u8]) -> Result<Option<(usize, [u8; 4])>, SimError> {
    let mut at = 0;
    if buf.starts_with(EDGE_ROUTING_MAGIC) {
        if buf.len() < EDGE_ROUTING_FIXED {
            return Ok(None);
        }
        let len = u24(&buf[4..7]);
        at = EDGE_ROUTING_FIXED + len;
    }
    let end = at + WA_CONN_HEADER.len();
    if buf.len() < end {
        return Ok(None);
    }
    let header: [u8; 4] = buf[at..end].try_into().expect("four bytes");
    if header[..3] != WA_CONN_HEADER[..3] {
        return Err(SimError::protocol("missing WA connection header"));
    }
    if super::dict::Dict::from_header(header[3]).is_none() {
        return Err(SimError::UnsupportedDictionary(header[3]));
    }
    Ok(Some((end, header)))
}

fn u24(b: &[u8]) -> usize {
    (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_only() {
        assert_eq!(
            intro_len(b"WA\x06\x03\x00").unwrap(),
            Some((4, *b"WA\x06\x03"))
        );
        assert_eq!(intro_len(b"WA").unwrap(), None);
    }

    #[test]
    fn edge_routing_preintro_is_skipped() {
        let buf = b"ED\x00\x01\x00\x00\x02xyWA\x06\x03";
        assert_eq!(intro_len(buf).unwrap().map(|(n, _)| n), Some(buf.len()));
    }

    #[test]
    fn wrong_header_is_rejected() {
        assert!(intro_len(b"XX\x06\x03").is_err());
    }

    #[test]
    fn versions_2_and_3_are_spoken_and_another_is_named() {
        for v in [2, 3] {
            let header = [b'W', b'A', 6, v];
            assert_eq!(intro_len(&header).unwrap(), Some((4, header)));
        }
        assert!(matches!(
            intro_len(b"WA\x06\x04"),
            Err(SimError::UnsupportedDictionary(4))
        ));
    }
}
