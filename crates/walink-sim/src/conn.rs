//! Post-handshake connection state machine (SIMULATOR.md §5).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, trace};
use wacore_binary::Node;
use waproto::whatsapp as wa;

use super::error::SimError;
use super::events::{ConnId, PresenceSeen, SimEvent};
use super::fault::{Fault, FaultKind};
use super::frame::Wire;
use super::hub::{ConnCmd, Hub};
use super::secure::SecureChannel;
use super::{code_link, iq, stanza};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Close,
}

pub(crate) struct Conn<'w> {
    pub(super) hub: Arc<Hub>,
    pub(super) id: ConnId,
    wire: &'w mut Wire,
    channel: SecureChannel,
    rx: mpsc::UnboundedReceiver<ConnCmd>,
    pub(super) client_static: [u8; 32],
    /// Account once logged in; faults are targeted by it.
    pub(super) phone: Option<String>,
    /// API-side requests waiting for the client's `<iq>` answer, by id.
    pending: HashMap<String, oneshot::Sender<Node>>,
    /// DeadServer: read everything, answer nothing.
    dead: bool,
    /// After a restart request: when to close if the client has not.
    close_by: Option<tokio::time::Instant>,
}

/// How long the client gets to close the socket itself after a 515 (the
/// real clients do at once; public logs show them reconnect within a second).
const RESTART_GRACE: Duration = Duration::from_secs(3);

impl<'w> Conn<'w> {
    pub(crate) fn new(
        hub: Arc<Hub>,
        id: ConnId,
        wire: &'w mut Wire,
        channel: SecureChannel,
        rx: mpsc::UnboundedReceiver<ConnCmd>,
        client_static: [u8; 32],
    ) -> Self {
        Self {
            hub,
            id,
            wire,
            channel,
            rx,
            client_static,
            phone: None,
            pending: HashMap::new(),
            dead: false,
            close_by: None,
        }
    }

    /// Registration payloads get QR refs, login payloads `<success>`/`<failure>`;
    /// then nodes and API commands are served until either side closes.
    pub(crate) async fn run(mut self, payload: &wa::ClientPayload) -> Result<(), SimError> {
        let registering = payload.username.is_none() || payload.device_pairing_data.is_set();
        let flow = if registering {
            self.offer_refs().await?
        } else {
            self.login(payload).await?
        };
        if flow == Flow::Close {
            return Ok(());
        }
        loop {
            let flow = tokio::select! {
                frame = self.wire.next_frame() => match frame? {
                    Some(frame) => {
                        let node = self.channel.open(frame)?;
                        self.on_node(node).await?
                    }
                    None => Flow::Close,
                },
                cmd = self.rx.recv() => match cmd {
                    Some(cmd) => self.on_cmd(cmd).await?,
                    None => Flow::Close,
                },
                () = sleep_until_some(self.close_by) => {
                    self.hub.emit(SimEvent::ClosedAfterRestart { conn: self.id });
                    Flow::Close
                }
            };
            if flow == Flow::Close {
                return Ok(());
            }
        }
    }

    async fn on_node(&mut self, node: Node) -> Result<Flow, SimError> {
        debug!(conn = %self.id, "<- {}", summary(&node));
        if self.dead {
            return Ok(Flow::Continue);
        }
        if let Some(fault) = self.hub.take_fault(self.phone.as_deref(), FaultKind::Dead) {
            self.go_dead(Some(fault));
            return Ok(Flow::Continue);
        }
        match node.tag.as_ref() {
            "iq" => return self.on_iq(node).await,
            "message" => {
                self.on_message(&node).await?;
                return Ok(Flow::Continue);
            }
            "receipt" => {
                self.on_receipt(&node);
                return Ok(Flow::Continue);
            }
            "ack" => {
                self.on_ack(&node);
                return Ok(Flow::Continue);
            }
            _ => {}
        }
        if node.tag == "presence" {
            self.hub.record_presence(
                self.id,
                PresenceSeen {
                    kind: stanza::attr(&node, "type"),
                    name: stanza::attr(&node, "name"),
                },
            );
            return Ok(Flow::Continue);
        }
        // ib, presence, acks, receipts: nothing to answer.
        trace!(conn = %self.id, tag = %node.tag, "ignored node");
        Ok(Flow::Continue)
    }

    async fn on_iq(&mut self, iq: Node) -> Result<Flow, SimError> {
        let id = stanza::attr(&iq, "id").unwrap_or_default();
        if matches!(
            stanza::attr(&iq, "type").as_deref(),
            Some("result" | "error")
        ) {
            // Answers to our own stanzas; unclaimed ones (pair-device ack, ping
            // results) need nothing.
            if let Some(waiter) = self.pending.remove(&id) {
                let _ = waiter.send(iq);
            }
            return Ok(Flow::Continue);
        }
        let replies = if iq.get_optional_child("remove-companion-device").is_some() {
            self.on_logout();
            vec![stanza::iq_result(&id).build()]
        } else if let Some(reg) = iq.get_optional_child("link_code_companion_reg") {
            match stanza::attr(reg, "stage").as_deref() {
                Some("companion_hello") => {
                    vec![code_link::on_companion_hello(&self.hub, self.id, &iq)]
                }
                Some("companion_finish") => vec![code_link::on_companion_finish(&self.hub, &iq)],
                _ => vec![stanza::iq_error(&id, 400, "bad-request", None)],
            }
        } else if stanza::attr(&iq, "xmlns").as_deref() == Some("encrypt") {
            let replies = self.on_encrypt(&iq);
            self.reply(&replies).await?;
            // The phone seals its key share with what was just published.
            self.share_app_state_key().await?;
            return Ok(Flow::Continue);
        } else if stanza::attr(&iq, "xmlns").as_deref() == Some("w:sync:app:state") {
            vec![self.on_app_state(&iq)]
        } else if stanza::attr(&iq, "xmlns").as_deref() == Some("usync") {
            let usync = super::usync::answer(&iq, &self.hub.state());
            vec![stanza::iq_result(&id).children([usync]).build()]
        } else if stanza::attr(&iq, "xmlns").as_deref() == Some("passive") {
            // Connected waits for the passive result and the offline marker.
            self.flush_queue(&id).await?;
            return Ok(Flow::Continue);
        } else {
            iq::answer(&iq)
        };
        self.reply(&replies).await?;
        Ok(Flow::Continue)
    }

    /// Companion-initiated logout: forget the registration; the client
    /// disconnects by itself.
    fn on_logout(&mut self) {
        if let Some(device_jid) = self.hub.forget_device(&self.client_static) {
            info!(conn = %self.id, "companion logged out");
            self.hub.emit(SimEvent::LogoutReceived { device_jid });
        }
        self.hub.state().log_off(self.id);
    }

    async fn on_cmd(&mut self, cmd: ConnCmd) -> Result<Flow, SimError> {
        match cmd {
            ConnCmd::Send(node) => self.send(&node).await?,
            ConnCmd::Request { node, reply } => {
                if let Some(id) = stanza::attr(&node, "id") {
                    self.pending.insert(id, reply);
                }
                self.send(&node).await?;
            }
            ConnCmd::SendThenClose(node) => {
                self.send(&node).await?;
                return Ok(Flow::Close);
            }
            ConnCmd::SendThenAwaitClose(node) => {
                self.send(&node).await?;
                self.close_by = Some(tokio::time::Instant::now() + RESTART_GRACE);
            }
            ConnCmd::Close => return Ok(Flow::Close),
            ConnCmd::GoDead => self.go_dead(None),
        }
        Ok(Flow::Continue)
    }

    fn go_dead(&mut self, fault: Option<Fault>) {
        self.dead = true;
        debug!(conn = %self.id, "connection stops answering");
        if let Some(fault) = fault {
            self.hub.emit(SimEvent::FaultFired {
                conn: Some(self.id),
                fault,
            });
        }
    }

    /// IQ answers, after the configured and injected delays.
    pub(super) async fn reply(&mut self, nodes: &[Node]) -> Result<(), SimError> {
        let mut delay = self.hub.config.reply_delay;
        if let Some(fault) = self.hub.take_fault(self.phone.as_deref(), FaultKind::Slow) {
            if let Fault::Slow(ms) = &fault {
                delay += Duration::from_millis(*ms);
            }
            self.hub.emit(SimEvent::FaultFired {
                conn: Some(self.id),
                fault,
            });
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        for node in nodes {
            self.send(node).await?;
        }
        Ok(())
    }

    pub(super) async fn send(&mut self, node: &Node) -> Result<(), SimError> {
        if self.dead {
            return Ok(());
        }
        debug!(conn = %self.id, "-> {}", summary(node));
        if self.hub.config.record_wire {
            let plain = wacore_binary::marshal::marshal(node)?;
            self.hub.state().wire.push(plain);
        }
        let sealed = self.channel.seal(node)?;
        self.wire.send_frame(&sealed).await
    }
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// `tag id type xmlns` and the first child's tag: enough to follow a
/// client, never a key or a ref.
fn summary(node: &Node) -> String {
    let mut out = node.tag.to_string();
    for key in ["id", "type", "xmlns", "code"] {
        if let Some(v) = stanza::attr(node, key) {
            out += &format!(" {key}={v}");
        }
    }
    if let Some(child) = node.children().and_then(|c| c.first()) {
        out += &format!(" <{}>", child.tag);
    }
    out
}
