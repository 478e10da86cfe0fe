//! App state (`<iq xmlns="w:sync:app:state">`): the server keeps each
//! account's collections as encrypted patches it cannot read; the phone
//! wrote them with the account's sync key, which it shares with each new
//! companion (see `phone_signal`).
//!
//! Facts (whatsmeow `appstate/encode.go`, wacore-appstate `processor.rs`):
//! a collection is answered as `<collection name version>` with
//! `<patches><patch>SyncdPatch</patch></patches>` for every version after
//! the one asked for; a patch carries its `version`, `keyId`, the LTHash's
//! `snapshotMac` and a `patchMac`. The account's own name is the
//! `setting_pushName` mutation of `critical_block` (WA Web `WAWebPushNameSync`),
//! which a companion waits for before it reports itself connected.

use wacore::appstate::hash::{HashState, generate_patch_mac};
use wacore::appstate::{encode_record, expand_app_state_keys};
use wacore_binary::Node;
use wacore_binary::builder::NodeBuilder;
use waproto::buffa::MessageField;
use waproto::whatsapp as wa;

use super::stanza;

const CRITICAL_BLOCK: &str = "critical_block";

/// The account's app-state sync key, as the phone shares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncKey {
    pub(crate) id: [u8; 6],
    pub(crate) data: [u8; 32],
    pub(crate) raw_id: u32,
}

impl SyncKey {
    pub(crate) fn generate() -> Self {
        let mut id = [0u8; 6];
        let mut data = [0u8; 32];
        fill(&mut id);
        fill(&mut data);
        Self {
            id,
            data,
            raw_id: super::hub::random_u32(),
        }
    }
}

fn fill(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(4) {
        let r = super::hub::random_u32().to_be_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
}

/// The `<sync>` answer for one account: `critical_block` at version 1
/// holding its name when a companion asks from before it, every other
/// collection (and an account without a name) empty at version 0.
pub(crate) fn answer(iq: &Node, key: &SyncKey, push_name: Option<&str>, now: i64) -> Node {
    let collections: Vec<Node> = iq
        .get_optional_child("sync")
        .map(|sync| {
            sync.get_children_by_tag("collection")
                .filter_map(|c| {
                    let name = stanza::attr(c, "name")?;
                    let asked: u64 = stanza::attr(c, "version")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    Some(collection(&name, asked, key, push_name, now))
                })
                .collect()
        })
        .unwrap_or_default();
    NodeBuilder::new("sync").children(collections).build()
}

fn collection(name: &str, asked: u64, key: &SyncKey, push_name: Option<&str>, now: i64) -> Node {
    let node = NodeBuilder::new("collection").attr("name", name);
    match push_name {
        Some(push_name) if name == CRITICAL_BLOCK => {
            let node = node.attr("version", "1");
            if asked >= 1 {
                return node.build();
            }
            let patch = push_name_patch(key, push_name, now);
            let patch = NodeBuilder::new("patch").bytes(patch).build();
            node.children([NodeBuilder::new("patches").children([patch]).build()])
                .build()
        }
        _ => node.attr("version", "0").build(),
    }
}

/// Version 1 of `critical_block`: one SET of `setting_pushName`, sealed
/// with the account's key as the phone would have written it.
pub(crate) fn push_name_patch(key: &SyncKey, push_name: &str, now: i64) -> Vec<u8> {
    let keys = expand_app_state_keys(&key.data);
    let value = wa::SyncActionValue {
        push_name_setting: MessageField::some(wa::sync_action_value::PushNameSetting {
            name: Some(push_name.to_owned()),
        }),
        timestamp: Some(now * 1000),
        ..Default::default()
    };
    let mut iv = [0u8; 16];
    fill(&mut iv);
    let (mutation, _) = encode_record(
        wa::syncd_mutation::SyncdOperation::SET,
        br#"["setting_pushName"]"#,
        &value,
        &keys,
        &key.id,
        &iv,
        1,
    );
    let mut state = HashState::default();
    let mutations = vec![mutation];
    let (_, hashed) = state.update_hash(&mutations, |_, _| Ok(None));
    hashed.expect("a first SET has no previous value to look up");
    state.version = 1;
    let mut patch = wa::SyncdPatch {
        version: MessageField::some(wa::SyncdVersion { version: Some(1) }),
        snapshot_mac: Some(state.generate_snapshot_mac(CRITICAL_BLOCK, &keys.snapshot_mac)),
        key_id: MessageField::some(wa::KeyId {
            id: Some(key.id.to_vec()),
        }),
        mutations,
        ..Default::default()
    };
    patch.patch_mac = Some(generate_patch_mac(
        &patch,
        CRITICAL_BLOCK,
        &keys.patch_mac,
        1,
    ));
    waproto::codec::syncd_patch_to_vec(&patch)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wacore::appstate::processor::process_patch;

    use super::*;

    fn ask(version: &str) -> Node {
        let c = NodeBuilder::new("collection")
            .attr("name", CRITICAL_BLOCK)
            .attr("version", version)
            .build();
        NodeBuilder::new("iq")
            .children([NodeBuilder::new("sync").children([c]).build()])
            .build()
    }

    fn patch_of(sync: &Node) -> Option<Vec<u8>> {
        let patch = sync.get_optional_child_by_tag(&["collection", "patches", "patch"])?;
        match &patch.content {
            Some(wacore_binary::NodeContent::Bytes(b)) => Some(b.clone()),
            _ => None,
        }
    }

    #[test]
    fn the_client_verifies_and_reads_the_push_name_patch() {
        let key = SyncKey::generate();
        let bytes =
            patch_of(&answer(&ask("0"), &key, Some("Shop"), 1_700_000_000)).expect("a patch");
        let patch = waproto::codec::syncd_patch_decode(&bytes).expect("decodes");
        let keys = Arc::new(expand_app_state_keys(&key.data));
        let mut state = HashState::default();
        let out = process_patch(
            &patch,
            &mut state,
            |_| Ok(keys.clone()),
            |_| Ok(None),
            true,
            CRITICAL_BLOCK,
        )
        .expect("MACs check out");
        let name = out.mutations[0]
            .action_value
            .as_ref()
            .and_then(|v| v.push_name_setting.as_option())
            .and_then(|p| p.name.clone());
        assert_eq!(out.mutations[0].index, vec!["setting_pushName"]);
        assert_eq!(name.as_deref(), Some("Shop"));
        assert_eq!(out.state.version, 1);
    }

    #[test]
    fn a_companion_up_to_date_gets_no_patch_again() {
        let key = SyncKey::generate();
        let sync = answer(&ask("1"), &key, Some("Shop"), 0);
        assert_eq!(patch_of(&sync), None);
        let c = sync.get_optional_child("collection").expect("collection");
        assert_eq!(stanza::attr(c, "version").as_deref(), Some("1"));
    }

    #[test]
    fn without_a_name_every_collection_is_empty() {
        let sync = answer(&ask("0"), &SyncKey::generate(), None, 0);
        assert_eq!(patch_of(&sync), None);
    }
}
