//! The key directory (`<iq xmlns="encrypt">`): what each device uploaded,
//! counted and handed out as WhatsApp's server does (SIMULATOR.md §8.3).
//!
//! Facts (whatsmeow `prekeys.go`, wacore `prekeys.rs`): an upload is
//! `registration` (4 bytes), `type` (5 = Curve25519), `identity`, a `list`
//! of `key{id(3 bytes), value}` and one `skey{id, value, signature}`; a
//! fetch is `<key><user jid/></key>` answered by `<list><user jid>` with the
//! same children and at most one `key`, which the server consumes.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Node, NodeContent};

use super::stanza;

/// One device's published keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bundle {
    pub(crate) registration: u32,
    pub(crate) identity: [u8; 32],
    pub(crate) signed: SignedKey,
    /// One-time pre-keys not yet handed out, oldest first.
    pub(crate) one_time: Vec<(u32, [u8; 32])>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedKey {
    pub(crate) id: u32,
    pub(crate) public: [u8; 32],
    pub(crate) signature: Vec<u8>,
}

/// What an upload `<iq type="set">` carries; `None` when a part is missing
/// or malformed (the server answers 400).
pub(crate) fn parse_upload(iq: &Node) -> Option<Bundle> {
    let registration = u32::from_be_bytes(
        bytes(iq.get_optional_child("registration")?)?
            .try_into()
            .ok()?,
    );
    let identity = key32(iq.get_optional_child("identity")?)?;
    let skey = iq.get_optional_child("skey")?;
    let signed = SignedKey {
        id: key_id(skey.get_optional_child("id")?)?,
        public: key32(skey.get_optional_child("value")?)?,
        signature: bytes(skey.get_optional_child("signature")?)?.to_vec(),
    };
    let one_time = iq
        .get_optional_child("list")
        .map(|list| {
            list.get_children_by_tag("key")
                .filter_map(|k| {
                    Some((
                        key_id(k.get_optional_child("id")?)?,
                        key32(k.get_optional_child("value")?)?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Bundle {
        registration,
        identity,
        signed,
        one_time,
    })
}

impl Bundle {
    /// Takes a later upload in: a new identity replaces everything, the same
    /// one adds its keys and the newest signed key.
    pub(crate) fn merge(&mut self, upload: Bundle) {
        if upload.identity != self.identity || upload.registration != self.registration {
            *self = upload;
            return;
        }
        self.signed = upload.signed;
        for key in upload.one_time {
            if !self.one_time.iter().any(|(id, _)| *id == key.0) {
                self.one_time.push(key);
            }
        }
    }

    /// The `<user>` of a fetch answer for `jid`, consuming one one-time key.
    pub(crate) fn hand_out(&mut self, jid: &str) -> Node {
        let one_time = (!self.one_time.is_empty()).then(|| self.one_time.remove(0));
        let mut children = vec![
            NodeBuilder::new("registration")
                .bytes(self.registration.to_be_bytes().to_vec())
                .build(),
            NodeBuilder::new("type").bytes(vec![5u8]).build(),
            NodeBuilder::new("identity")
                .bytes(self.identity.to_vec())
                .build(),
            NodeBuilder::new("skey")
                .children([
                    id_node(self.signed.id),
                    NodeBuilder::new("value")
                        .bytes(self.signed.public.to_vec())
                        .build(),
                    NodeBuilder::new("signature")
                        .bytes(self.signed.signature.clone())
                        .build(),
                ])
                .build(),
        ];
        if let Some((id, public)) = one_time {
            children.push(
                NodeBuilder::new("key")
                    .children([
                        id_node(id),
                        NodeBuilder::new("value").bytes(public.to_vec()).build(),
                    ])
                    .build(),
            );
        }
        NodeBuilder::new("user")
            .attr("jid", jid)
            .children(children)
            .build()
    }
}

/// A fetch's requested JIDs (`<key><user jid/>…</key>`).
pub(crate) fn fetch_targets(iq: &Node) -> Option<Vec<String>> {
    let key = iq.get_optional_child("key")?;
    Some(
        key.get_children_by_tag("user")
            .filter_map(|u| stanza::attr(u, "jid"))
            .collect(),
    )
}

/// `<user jid><error code="404" text="item-not-found"/></user>`: a device
/// that published no keys.
pub(crate) fn unknown_user(jid: &str) -> Node {
    let error = NodeBuilder::new("error")
        .attr("code", "404")
        .attr("text", "item-not-found")
        .build();
    NodeBuilder::new("user")
        .attr("jid", jid)
        .children([error])
        .build()
}

fn id_node(id: u32) -> Node {
    NodeBuilder::new("id")
        .bytes(id.to_be_bytes()[1..].to_vec())
        .build()
}

fn bytes(node: &Node) -> Option<&[u8]> {
    match &node.content {
        Some(NodeContent::Bytes(b)) => Some(b.as_slice()),
        _ => None,
    }
}

fn key32(node: &Node) -> Option<[u8; 32]> {
    bytes(node)?.try_into().ok()
}

/// Key ids travel as 3 big-endian bytes.
fn key_id(node: &Node) -> Option<u32> {
    let b = bytes(node)?;
    (b.len() <= 4 && !b.is_empty())
        .then(|| b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use wacore::prekeys::PreKeyUtils;
    use wacore_binary::Jid;

    use super::*;

    fn upload(keys: &[(u32, [u8; 32])]) -> Node {
        let pairs: Vec<(u32, &[u8])> = keys.iter().map(|(id, k)| (*id, k.as_slice())).collect();
        let children =
            PreKeyUtils::build_upload_prekeys_request(7, &[1; 32], 3, &[2; 32], &[9; 64], pairs);
        NodeBuilder::new("iq")
            .attr("xmlns", "encrypt")
            .attr("type", "set")
            .children(children)
            .build()
    }

    #[test]
    fn an_upload_built_by_the_client_is_read_whole() {
        let bundle = parse_upload(&upload(&[(1, [4; 32]), (70_000, [5; 32])])).expect("bundle");
        assert_eq!(bundle.registration, 7);
        assert_eq!(bundle.identity, [1; 32]);
        assert_eq!(bundle.signed.id, 3);
        assert_eq!(bundle.signed.signature, vec![9; 64]);
        assert_eq!(bundle.one_time, vec![(1, [4; 32]), (70_000, [5; 32])]);
    }

    #[test]
    fn a_fetch_answer_parses_in_the_client_and_spends_one_key() {
        let mut bundle = parse_upload(&upload(&[(1, [4; 32]), (2, [6; 32])])).expect("bundle");
        let jid = "15550001111:2@s.whatsapp.net";
        let user = bundle.hand_out(jid);
        let answer = NodeBuilder::new("iq")
            .attr("type", "result")
            .children([NodeBuilder::new("list").children([user]).build()])
            .build();
        let wire = wacore_binary::marshal::marshal(&answer).expect("marshal");
        let parsed = wacore_binary::marshal::unmarshal_ref(&wire[1..]).expect("unmarshal");
        let outcome = PreKeyUtils::parse_prekeys_response(&parsed, &HashMap::new())
            .expect("the client parses it");
        let jid: Jid = jid.parse().expect("jid");
        let got = outcome.bundles.get(&jid).expect("the device's bundle");
        assert_eq!(got.pre_key_id().expect("id"), Some(1.into()));
        assert_eq!(got.registration_id().expect("reg"), 7);
        assert_eq!(
            bundle.one_time,
            vec![(2, [6; 32])],
            "the handed-out key is gone"
        );
    }

    #[test]
    fn a_new_identity_replaces_and_the_same_one_adds() {
        let mut bundle = parse_upload(&upload(&[(1, [4; 32])])).expect("bundle");
        bundle.merge(parse_upload(&upload(&[(1, [4; 32]), (2, [6; 32])])).expect("bundle"));
        assert_eq!(bundle.one_time.len(), 2);
        let mut other = parse_upload(&upload(&[(9, [4; 32])])).expect("bundle");
        other.identity = [8; 32];
        bundle.merge(other.clone());
        assert_eq!(bundle, other);
    }

    #[test]
    fn an_upload_without_a_signed_key_is_refused() {
        let iq = NodeBuilder::new("iq").attr("xmlns", "encrypt").build();
        assert_eq!(parse_upload(&iq), None);
    }
}
