//! Minimal answers to the IQs a logged-in client sends (SIMULATOR.md §8.2).

use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;

use super::stanza;

/// Replies (in order) to a client `<iq type=get|set>` that needs no server state.
pub(crate) fn answer(iq: &Node) -> Vec<Node> {
    let id = stanza::attr(iq, "id").unwrap_or_default();
    let reply = stanza::iq_result(&id);
    match stanza::attr(iq, "xmlns").as_deref() {
        // Connected waits for both the passive result and the offline marker.
        Some("passive") => vec![reply.build(), stanza::offline_marker()],
        Some("abt") => vec![
            reply
                .children([NodeBuilder::new("props").attr("protocol", "1").build()])
                .build(),
        ],
        Some("privacy") => vec![
            reply
                .children([NodeBuilder::new("privacy").build()])
                .build(),
        ],
        Some("usync") => vec![reply.children([usync_devices(iq)]).build()],
        Some("w:sync:app:state") => vec![reply.children([empty_collections(iq)]).build()],
        // Keepalive (w:p), pre-key upload and digest (encrypt), blocklist and
        // anything unknown: an empty result is enough.
        _ => vec![reply.build()],
    }
}

/// Every requested user has exactly the primary device (id 0).
fn usync_devices(iq: &Node) -> Node {
    let users: Vec<Node> = iq
        .get_optional_child_by_tag(&["usync", "list"])
        .map(|list| {
            list.get_children_by_tag("user")
                .filter_map(|user| user.attrs.get("jid").cloned())
                .map(|jid| {
                    let device = NodeBuilder::new("device").attr("id", "0").build();
                    let device_list = NodeBuilder::new("device-list").children([device]).build();
                    let devices = NodeBuilder::new("devices").children([device_list]).build();
                    NodeBuilder::new("user")
                        .attr("jid", jid)
                        .children([devices])
                        .build()
                })
                .collect()
        })
        .unwrap_or_default();
    NodeBuilder::new("usync")
        .children([NodeBuilder::new("list").children(users).build()])
        .build()
}

/// `version="0"` with no snapshot or patches counts as synced; anything
/// richer would need app-state crypto or an HTTP download.
fn empty_collections(iq: &Node) -> Node {
    let collections: Vec<Node> = iq
        .get_optional_child("sync")
        .map(|sync| {
            sync.get_children_by_tag("collection")
                .filter_map(|c| stanza::attr(c, "name"))
                .map(|name| {
                    NodeBuilder::new("collection")
                        .attr("name", name)
                        .attr("version", "0")
                        .build()
                })
                .collect()
        })
        .unwrap_or_default();
    NodeBuilder::new("sync").children(collections).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iq(xmlns: &'static str, children: Vec<Node>) -> Node {
        NodeBuilder::new("iq")
            .attr("id", "1.2-3")
            .attr("type", "get")
            .attr("xmlns", xmlns)
            .children(children)
            .build()
    }

    #[test]
    fn passive_is_followed_by_offline_marker() {
        let out = answer(&iq("passive", vec![]));
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].tag, "ib");
    }

    #[test]
    fn app_state_echoes_collections() {
        let sync = NodeBuilder::new("sync")
            .children([NodeBuilder::new("collection")
                .attr("name", "critical_block")
                .build()])
            .build();
        let out = answer(&iq("w:sync:app:state", vec![sync]));
        let coll = out[0]
            .get_optional_child_by_tag(&["sync", "collection"])
            .expect("collection");
        assert_eq!(stanza::attr(coll, "version").as_deref(), Some("0"));
    }
}
