//! Builders and readers for the nodes the simulator exchanges.

use std::time::{SystemTime, UNIX_EPOCH};

use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node, NodeContent, Server};

use super::fault::{FailureReason, Fault};

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `@s.whatsapp.net` as a JID: the real server sends every JID-valued
/// attribute as one (whatsmeow's pair and success handlers read `from`
/// with `AttrUtility.JID` and drop the stanza otherwise).
pub(crate) fn server_jid() -> Jid {
    Jid::new("", Server::Pn)
}

pub(crate) fn attr(node: &Node, key: &str) -> Option<String> {
    node.attrs.get(key).map(|v| v.as_str().into_owned())
}

/// Byte content of a direct child. Keys, refs and identities always travel as
/// bytes; string content would be invisible to the client's `content_bytes()`.
pub(crate) fn child_bytes<'a>(node: &'a Node, tag: &str) -> Option<&'a [u8]> {
    match &node.get_optional_child(tag)?.content {
        Some(NodeContent::Bytes(b)) => Some(b.as_slice()),
        _ => None,
    }
}

/// `<iq from=server type=result id t>`; add children before building.
pub(crate) fn iq_result(id: &str) -> NodeBuilder {
    NodeBuilder::new("iq")
        .attr("from", server_jid())
        .attr("type", "result")
        .attr("id", id)
        .attr("t", now_secs())
}

pub(crate) fn iq_error(id: &str, code: u16, text: &str, backoff: Option<u32>) -> Node {
    let mut error = NodeBuilder::new("error")
        .attr("code", code)
        .attr("text", text);
    if let Some(secs) = backoff {
        error = error.attr("backoff", secs);
    }
    NodeBuilder::new("iq")
        .attr("from", server_jid())
        .attr("type", "error")
        .attr("id", id)
        .children([error.build()])
        .build()
}

/// Server-originated `<iq type=set xmlns=md>`; the client only trusts these
/// when `from` is exactly the server JID.
fn md_set(id: &str, child: Node) -> Node {
    NodeBuilder::new("iq")
        .attr("from", server_jid())
        .attr("type", "set")
        .attr("id", id)
        .attr("xmlns", "md")
        .attr("t", now_secs())
        .children([child])
        .build()
}

fn bytes_child(tag: &'static str, bytes: &[u8]) -> Node {
    NodeBuilder::new(tag).bytes(bytes.to_vec()).build()
}

pub(crate) fn pair_device(id: &str, refs: &[String]) -> Node {
    let refs = refs.iter().map(|r| bytes_child("ref", r.as_bytes()));
    md_set(id, NodeBuilder::new("pair-device").children(refs).build())
}

pub(crate) fn pair_success(
    id: &str,
    container: Vec<u8>,
    jid: &Jid,
    lid: &Jid,
    biz_name: Option<&str>,
) -> Node {
    let mut children = vec![
        NodeBuilder::new("device-identity").bytes(container).build(),
        NodeBuilder::new("device")
            .attr("jid", jid)
            .attr("lid", lid)
            .build(),
        NodeBuilder::new("platform").attr("name", "android").build(),
    ];
    // A biz name becomes the companion's push name, which makes its later
    // reconnects skip the 10 s key-share wait (SIMULATOR.md §8.4).
    if let Some(name) = biz_name {
        children.push(NodeBuilder::new("biz").attr("name", name).build());
    }
    md_set(
        id,
        NodeBuilder::new("pair-success").children(children).build(),
    )
}

pub(crate) fn companion_hello_ok(id: &str, pairing_ref: &[u8]) -> Node {
    let reg = NodeBuilder::new("link_code_companion_reg")
        .attr("stage", "companion_hello")
        .children([bytes_child("link_code_pairing_ref", pairing_ref)])
        .build();
    iq_result(id).children([reg]).build()
}

pub(crate) fn primary_hello(
    id: &str,
    wrapped_primary_ephemeral: &[u8],
    primary_identity: &[u8],
    pairing_ref: &[u8],
) -> Node {
    let reg = NodeBuilder::new("link_code_companion_reg")
        .attr("stage", "primary_hello")
        .children([
            bytes_child(
                "link_code_pairing_wrapped_primary_ephemeral_pub",
                wrapped_primary_ephemeral,
            ),
            bytes_child("primary_identity_pub", primary_identity),
            bytes_child("link_code_pairing_ref", pairing_ref),
        ])
        .build();
    NodeBuilder::new("notification")
        .attr("from", server_jid())
        .attr("type", "link_code_companion_reg")
        .attr("id", id)
        .attr("t", now_secs())
        .children([reg])
        .build()
}

/// End of the (empty) offline queue; `Connected` waits up to 60 s for it.
pub(crate) fn offline_marker(count: usize) -> Node {
    NodeBuilder::new("ib")
        .attr("from", server_jid())
        .children([NodeBuilder::new("offline")
            .attr("count", count.to_string())
            .build()])
        .build()
}

/// `lid` is the device LID, as pair-success gave it (whatsmeow compares the
/// two and warns on a mismatch).
pub(crate) fn success(lid_user: &str, device: u16) -> Node {
    NodeBuilder::new("success")
        .attr("t", now_secs())
        .attr("lid", Jid::lid_device(lid_user, device))
        .attr("location", "sim")
        .build()
}

pub(crate) fn failure(reason: &FailureReason) -> Node {
    let mut node = NodeBuilder::new("failure")
        .attr("reason", reason.code())
        .attr("location", "sim");
    if let FailureReason::TempBanned { code, expire_secs } = reason {
        node = node.attr("code", *code).attr("expire", *expire_secs);
    }
    node.build()
}

pub(crate) fn stream_error_code(code: u16) -> Node {
    NodeBuilder::new("stream:error").attr("code", code).build()
}

pub(crate) fn stream_conflict(kind: &str) -> Node {
    NodeBuilder::new("stream:error")
        .children([NodeBuilder::new("conflict").attr("type", kind).build()])
        .build()
}

/// The stanza a stream-level fault sends, if it is one.
pub(crate) fn stream_fault(fault: &Fault) -> Option<Node> {
    match fault {
        Fault::StreamError(code) => Some(stream_error_code(*code)),
        Fault::Conflict(kind) => Some(stream_conflict(kind.as_str())),
        _ => None,
    }
}
