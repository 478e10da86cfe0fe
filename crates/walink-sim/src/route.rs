//! Message routing, as WhatsApp's server does it without reading a word:
//! split a `<message>` per device, ack the sender, deliver each device its
//! `<enc>`, keep it queued until that device answers, relay receipts back
//! (impl block on [`Conn`]).
//!
//! Facts (wacore `send/dm.rs` prepare_dm_stanza, `messages.rs`
//! parse_message_info; whatsmeow `message.go`, `receipt.go`):
//! - a send is `<message to=chat id type>` with `<participants><to jid>`
//!   holding one `<enc>` per device (the sender's other devices too) and
//!   one `<device-identity>` when any is a pkmsg; a retry resend carries a
//!   bare `<enc>` for the one device `to` names;
//! - the sender gets `<ack class="message" id from=chat t>`;
//! - a device gets `<message from=<sender device> id t type notify>` with
//!   its own `<enc>`; a copy to the sender's own device adds
//!   `recipient=<chat>`, a copy to anyone else the sender's other
//!   address (`sender_lid` for a PN sender, `sender_pn` for a LID one:
//!   wacore `messages.rs`, whatsmeow `parseMessageSource`); a queued one
//!   delivered at login has `offline`;
//! - a device answers with `<receipt to=<sender device> id [type]>`
//!   (a read receipt names the sender's user: every companion gets it)
//!   (`<list><item id>` for more ids), relayed as `<receipt from=<device>
//!   id t [type] [recipient]>`, which its receiver acks with `<ack
//!   class="receipt" id>`.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node, NodeContent};

use super::conn::Conn;
use super::error::SimError;
use super::events::Routed;
use super::fault::FaultKind;
use super::hub::{ConnCmd, Hub, Queued, State};
use super::{stanza, usync};

/// Where a device JID leads.
enum Device {
    /// The account's phone: it takes the message in and never answers.
    Phone,
    Companion([u8; 32]),
}

fn resolve(st: &State, jid: &Jid) -> Option<Device> {
    let number = usync::account_of(st, &jid.to_non_ad().to_string())?;
    if jid.device == 0 {
        return Some(Device::Phone);
    }
    st.devices
        .find(&number, jid.device)
        .map(|d| Device::Companion(d.client_static))
}

/// Who is sending on this connection, in the namespace `like` is in.
struct Sender {
    number: String,
    pn: Jid,
    lid: Jid,
    name: String,
}

impl Sender {
    fn as_seen_by(&self, like: &Jid) -> &Jid {
        if like.is_lid() { &self.lid } else { &self.pn }
    }
}

impl Conn<'_> {
    fn sender(&self) -> Option<Sender> {
        let st = self.hub.state();
        let d = st.devices.by_key(&self.client_static)?;
        let name = st.phones.get(&d.phone).map(|p| p.name(&d.phone))?;
        Some(Sender {
            number: d.phone.clone(),
            pn: Jid::pn_device(d.phone.as_str(), d.device),
            lid: Jid::lid_device(d.lid.as_str(), d.device),
            name,
        })
    }

    pub(super) async fn on_message(&mut self, node: &Node) -> Result<(), SimError> {
        let (Some(id), Some(chat), Some(sender)) = (
            stanza::attr(node, "id"),
            stanza::attr(node, "to").and_then(|t| t.parse::<Jid>().ok()),
            self.sender(),
        ) else {
            return Ok(());
        };
        let kind = stanza::attr(node, "type").unwrap_or_else(|| "text".to_owned());
        let identity = node.get_optional_child("device-identity").cloned();
        let entries: Vec<(Jid, Node)> = match node.get_optional_child("participants") {
            Some(list) => list
                .get_children_by_tag("to")
                .filter_map(|to| {
                    let jid = stanza::attr(to, "jid")?.parse().ok()?;
                    Some((jid, to.get_optional_child("enc")?.clone()))
                })
                .collect(),
            None => node
                .get_optional_child("enc")
                .map(|enc| vec![(chat.clone(), enc.clone())])
                .unwrap_or_default(),
        };
        let now = stanza::now_secs();
        for (device, enc) in entries {
            let own = usync::account_of(&self.hub.state(), &device.to_non_ad().to_string())
                .is_some_and(|n| n == sender.number);
            let enc_type = stanza::attr(&enc, "type").unwrap_or_default();
            let from = sender.as_seen_by(&device).to_string();
            let to_number = usync::account_of(&self.hub.state(), &device.to_non_ad().to_string());
            // The simulated phone decrypts nothing: a companion gets it.
            let enc = if !own
                && device.device != 0
                && self
                    .hub
                    .take_fault(to_number.as_deref(), FaultKind::Garble)
                    .is_some()
            {
                garbled(enc)
            } else {
                enc
            };
            let mut children = vec![enc];
            if enc_type == "pkmsg"
                && let Some(identity) = &identity
            {
                children.push(identity.clone());
            }
            let mut out = NodeBuilder::new("message")
                .attr("from", from.as_str())
                .attr("id", id.as_str())
                .attr("t", now.to_string())
                .attr("type", kind.as_str())
                .attr("notify", sender.name.as_str());
            if own {
                out = out.attr("recipient", chat.to_non_ad().to_string());
            } else {
                // The sender's other address, as the server adds it.
                let (key, alt) = if device.is_lid() {
                    ("sender_pn", &sender.pn)
                } else {
                    ("sender_lid", &sender.lid)
                };
                out = out.attr(key, alt.to_non_ad().to_string());
            }
            self.hub.emit(super::events::SimEvent::Routed(Routed {
                id: id.clone(),
                from,
                to: device.to_string(),
                enc: enc_type,
            }));
            deliver(
                &self.hub,
                &device,
                &id,
                "message",
                out.children(children).build(),
            );
        }
        if self
            .hub
            .take_fault(Some(&sender.number), FaultKind::LostAck)
            .is_some()
        {
            return Ok(());
        }
        let ack = NodeBuilder::new("ack")
            .attr("class", "message")
            .attr("id", id)
            .attr("from", chat.to_non_ad().to_string())
            .attr("t", now.to_string())
            .build();
        self.send(&ack).await
    }

    /// A receipt ends the queueing of the messages it names here, and goes
    /// on to the device that sent them.
    pub(super) fn on_receipt(&mut self, node: &Node) {
        let Some(id) = stanza::attr(node, "id") else {
            return;
        };
        let mut ids = vec![id.clone()];
        if let Some(list) = node.get_optional_child("list") {
            ids.extend(
                list.get_children_by_tag("item")
                    .filter_map(|i| stanza::attr(i, "id")),
            );
        }
        self.hub.settle(&self.client_static, "message", &ids);
        let (Some(to), Some(sender)) = (
            stanza::attr(node, "to").and_then(|t| t.parse::<Jid>().ok()),
            self.sender(),
        ) else {
            return;
        };
        let mut out = NodeBuilder::new("receipt")
            .attr("from", sender.as_seen_by(&to).to_string())
            .attr("id", id.as_str())
            .attr("t", stanza::now_secs().to_string());
        for key in ["type", "recipient", "participant"] {
            if let Some(v) = stanza::attr(node, key) {
                out = out.attr(key, v);
            }
        }
        let children: Vec<Node> = node.children().map(<[Node]>::to_vec).unwrap_or_default();
        let out = out.children(children).build();
        // Collected first: `deliver` takes the state's lock again.
        let targets = receipt_targets(&self.hub.state(), &to, &sender.number);
        tracing::info!(
            "receipt {id} ({}) to {to} relayed to {} devices",
            stanza::attr(node, "type").unwrap_or_default(),
            targets.len()
        );
        for device in targets {
            deliver(&self.hub, &device, &id, "receipt", out.clone());
        }
    }

    /// `<ack class id>` from a device: that stanza reached it.
    pub(super) fn on_ack(&mut self, node: &Node) {
        if let (Some(class), Some(id)) = (stanza::attr(node, "class"), stanza::attr(node, "id")) {
            self.hub.settle(&self.client_static, &class, &[id]);
        }
    }

    /// Answer to the passive IQ at login: the queue, marked `offline`, then
    /// the marker with its count (the client waits for both).
    pub(super) async fn flush_queue(&mut self, id: &str) -> Result<(), SimError> {
        let conn = self.id;
        let queued: Vec<Node> = self
            .hub
            .state()
            .queue
            .get_mut(&self.client_static)
            .map(|q| {
                q.iter_mut()
                    .filter(|e| e.sent_on != Some(conn))
                    .map(|e| {
                        e.sent_on = Some(conn);
                        e.node.clone()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let count = queued.len();
        let mut out = vec![stanza::iq_result(id).build()];
        out.extend(queued.into_iter().map(|mut node| {
            node.attrs.insert("offline", "1");
            node
        }));
        out.push(stanza::offline_marker(count));
        self.reply(&out).await
    }
}

/// The `<enc>` with its last byte flipped: a Signal message ends in its
/// MAC, which then no longer matches (the envelope still parses).
fn garbled(mut enc: Node) -> Node {
    if let Some(NodeContent::Bytes(b)) = &mut enc.content
        && let Some(last) = b.last_mut()
    {
        *last = !*last;
    }
    enc
}

/// Where a receipt goes: the device it names, or, addressed to another
/// user (a read receipt names the chat: whatsapp-rust `receipt.rs`,
/// whatsmeow `MarkRead`), each of that account's companions. One to the
/// sender's own account (a `peer_msg` receipt) is the phone's alone.
fn receipt_targets(st: &State, to: &Jid, from_number: &str) -> Vec<Jid> {
    if to.device != 0 {
        return vec![to.clone()];
    }
    let Some(number) = usync::account_of(st, &to.to_non_ad().to_string()) else {
        return Vec::new();
    };
    if number == from_number {
        return Vec::new();
    }
    st.devices
        .of_phone(&number)
        .map(|d| Jid::pn_device(number.as_str(), d.device))
        .collect()
}

/// Queue for `device` until it answers; send at once if it is connected.
pub(super) fn deliver(hub: &Hub, device: &Jid, id: &str, class: &'static str, node: Node) {
    let live = {
        let mut st = hub.state();
        let Some(Device::Companion(key)) = resolve(&st, device) else {
            return;
        };
        let live = st
            .devices
            .by_key(&key)
            .and_then(|d| st.live.get(&d.jid))
            .copied();
        st.queue.entry(key).or_default().push(Queued {
            id: id.to_owned(),
            class,
            node: node.clone(),
            sent_on: live,
        });
        live
    };
    if let Some(conn) = live {
        let _ = hub.send(conn, ConnCmd::Send(node));
    }
}

impl Hub {
    /// Drops what `device` answered for from its queue.
    pub(crate) fn settle(&self, device: &[u8; 32], class: &str, ids: &[String]) {
        if let Some(q) = self.state().queue.get_mut(device) {
            q.retain(|e| !(e.class == class && ids.contains(&e.id)));
        }
    }
}
