//! Minimal answers to the IQs a logged-in client sends (SIMULATOR.md §8.2).

use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;

use super::stanza;

/// Replies (in order) to a client `<iq type=get|set>` that needs no server state.
pub(crate) fn answer(iq: &Node) -> Vec<Node> {
    let id = stanza::attr(iq, "id").unwrap_or_default();
    let reply = stanza::iq_result(&id);
    match stanza::attr(iq, "xmlns").as_deref() {
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
        // Keepalive (w:p), pre-key upload and digest (encrypt), blocklist and
        // anything unknown: an empty result is enough.
        _ => vec![reply.build()],
    }
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
    fn abt_answers_its_props() {
        let out = answer(&iq("abt", vec![]));
        assert!(out[0].get_optional_child("props").is_some());
    }
}
