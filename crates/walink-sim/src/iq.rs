//! Minimal answers to the IQs a logged-in client sends (SIMULATOR.md §8.2).

use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;

use super::stanza;

/// What a new WhatsApp account's privacy settings are.
const DEFAULT_PRIVACY: &[(&str, &str)] = &[
    ("last", "all"),
    ("online", "all"),
    ("profile", "all"),
    ("status", "contacts"),
    ("groupadd", "all"),
    ("readreceipts", "all"),
    ("calladd", "all"),
];

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
        // A get reads the account's settings, one `<category name value>`
        // each (whatsmeow `GetPrivacySettings`, Baileys
        // `fetchPrivacySettings`). A new account's defaults: read receipts
        // on, which Baileys needs to send `read` rather than `read-self`
        // (`readMessages`). A set (whatsapp-rust's tc tokens) is acked.
        Some("privacy") if stanza::attr(iq, "type").as_deref() == Some("get") => vec![
            reply
                .children([NodeBuilder::new("privacy")
                    .children(DEFAULT_PRIVACY.iter().map(|(name, value)| {
                        NodeBuilder::new("category")
                            .attr("name", *name)
                            .attr("value", *value)
                            .build()
                    }))
                    .build()])
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
    fn privacy_get_says_read_receipts_are_on() {
        let out = answer(&iq("privacy", vec![NodeBuilder::new("privacy").build()]));
        let privacy = out[0].get_optional_child("privacy").expect("privacy");
        let read = privacy
            .children()
            .into_iter()
            .flatten()
            .find(|c| stanza::attr(c, "name").as_deref() == Some("readreceipts"))
            .expect("readreceipts");
        assert_eq!(stanza::attr(read, "value").as_deref(), Some("all"));
    }

    #[test]
    fn abt_answers_its_props() {
        let out = answer(&iq("abt", vec![]));
        assert!(out[0].get_optional_child("props").is_some());
    }
}
