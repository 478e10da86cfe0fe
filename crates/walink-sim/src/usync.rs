//! Device lists (`<iq xmlns="usync">` with `<devices/>`): each account's
//! phone (device 0) and its linked companions, as WhatsApp's server keeps them.
//!
//! Facts (wacore `iq/usync/query.rs` parse_devices, `adv.rs`
//! decode_key_index_list): a `<user jid>` holds `<devices><device-list>`
//! of `<device id [key-index]>` and, when it has companions, a
//! `<key-index-list ts>` of `ADVSignedKeyIndexList` bytes; a user with
//! companions but no such bytes is skipped whole, and a companion whose
//! key index is neither valid nor newer than `currentIndex` is dropped.
//! No `<lid>` is sent: LID information moves clients to LID addressing.

use wacore::libsignal::protocol::KeyPair;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Jid, Node, NodeContent};
use waproto::buffa::Message as _;
use waproto::whatsapp as wa;

use super::hub::State;
use super::phone::digits;
use super::stanza;

/// XEdDSA prefix of an account's signature over its key index list.
const KEY_INDEX_LIST_PREFIX: [u8; 2] = [6, 2];

/// The `<usync>` answer: every requested user with its devices and, when
/// asked, whether it is on WhatsApp at all.
///
/// Facts (wacore `iq/usync.rs` is_on_whatsapp_query and its parser,
/// whatsmeow `IsOnWhatsApp`): an existence query names a user by phone as
/// `<user><contact>+NUMBER</contact></user>`; the answer names it by
/// `jid` and holds `<contact type="in"/>` for a registered number,
/// `type="out"` for one that is not.
pub(crate) fn answer(iq: &Node, st: &State) -> Node {
    let wants = |tag| {
        iq.get_optional_child_by_tag(&["usync", "query", tag])
            .is_some()
    };
    let (wants_devices, wants_contact) = (wants("devices"), wants("contact"));
    let users: Vec<Node> = iq
        .get_optional_child_by_tag(&["usync", "list"])
        .map(|list| {
            list.get_children_by_tag("user")
                .filter_map(|user| stanza::attr(user, "jid").or_else(|| by_phone(user)))
                .map(|jid| {
                    let mut children = Vec::new();
                    if wants_devices {
                        children.push(devices(st, &jid));
                    }
                    if wants_contact {
                        let known = account_of(st, &jid).is_some();
                        let kind = if known { "in" } else { "out" };
                        children.push(NodeBuilder::new("contact").attr("type", kind).build());
                    }
                    NodeBuilder::new("user")
                        .attr("jid", jid.as_str())
                        .children(children)
                        .build()
                })
                .collect()
        })
        .unwrap_or_default();
    NodeBuilder::new("usync")
        .children([NodeBuilder::new("list").children(users).build()])
        .build()
}

/// The JID of a user asked for by phone (`<contact>+NUMBER</contact>`).
fn by_phone(user: &Node) -> Option<String> {
    let phone = match &user.get_optional_child("contact")?.content {
        Some(NodeContent::String(s)) => s.to_string(),
        Some(NodeContent::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => return None,
    };
    let number = digits(&phone);
    (!number.is_empty()).then(|| format!("{number}@s.whatsapp.net"))
}

/// The phone number a user JID (PN or LID) names, if the account is known.
pub(crate) fn account_of(st: &State, jid: &str) -> Option<String> {
    let parsed: Jid = jid.parse().ok()?;
    let user = digits(parsed.user.as_str());
    if parsed.is_lid() {
        return st
            .phones
            .iter()
            .find(|(_, p)| p.lid == user)
            .map(|(n, _)| n.clone());
    }
    st.phones.contains_key(&user).then_some(user)
}

fn devices(st: &State, jid: &str) -> Node {
    let Some((number, account)) =
        account_of(st, jid).and_then(|n| st.phones.get(&n).map(|a| (n, a)))
    else {
        // An account the simulator never saw: just its phone.
        return device_list(vec![device(0, None)], None);
    };
    let companions: Vec<(u16, u32)> = st
        .devices
        .of_phone(&number)
        .map(|d| (d.device, d.key_index))
        .collect();
    let mut list = vec![device(0, None)];
    list.extend(companions.iter().map(|(id, ki)| device(*id, Some(*ki))));
    let indexes: Vec<u32> = companions.iter().map(|(_, ki)| *ki).collect();
    let signed = (!indexes.is_empty()).then(|| key_index_list(&account.identity, &indexes));
    device_list(list, signed)
}

fn device(id: u16, key_index: Option<u32>) -> Node {
    let node = NodeBuilder::new("device").attr("id", id.to_string());
    match key_index {
        Some(ki) => node.attr("key-index", ki.to_string()).build(),
        None => node.build(),
    }
}

fn device_list(devices: Vec<Node>, signed: Option<Vec<u8>>) -> Node {
    let mut children = vec![NodeBuilder::new("device-list").children(devices).build()];
    if let Some(bytes) = signed {
        children.push(
            NodeBuilder::new("key-index-list")
                .attr("ts", stanza::now_secs().to_string())
                .bytes(bytes)
                .build(),
        );
    }
    NodeBuilder::new("devices").children(children).build()
}

/// `ADVSignedKeyIndexList` over the companions' current indexes.
fn key_index_list(account: &KeyPair, indexes: &[u32]) -> Vec<u8> {
    let details = wa::ADVKeyIndexList {
        raw_id: Some(super::phone::adv_raw_id(account)),
        timestamp: Some(stanza::now_secs()),
        current_index: indexes.iter().copied().max(),
        valid_indexes: indexes.to_vec(),
        ..Default::default()
    }
    .encode_to_vec();
    let message = [KEY_INDEX_LIST_PREFIX.as_slice(), &details].concat();
    // Only whatsapp-rust's own errors could fail it; a list without a
    // signature is what the client then gets (it defers the check).
    let signature = wacore::crypto::calculate_curve_signature(&account.private_key, &message)
        .map(|s| s.to_vec())
        .ok();
    let signed = wa::ADVSignedKeyIndexList {
        details: Some(details),
        account_signature: signature,
        account_signature_key: Some(account.public_key.public_key_bytes().to_vec()),
    };
    signed.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::DeviceRecord;
    use crate::phone::PhoneAccount;

    fn query(jid: &str) -> Node {
        let user = NodeBuilder::new("user").attr("jid", jid).build();
        let q = NodeBuilder::new("query")
            .children([NodeBuilder::new("devices").attr("version", "2").build()])
            .build();
        let usync = NodeBuilder::new("usync")
            .children([q, NodeBuilder::new("list").children([user]).build()])
            .build();
        NodeBuilder::new("iq")
            .attr("xmlns", "usync")
            .children([usync])
            .build()
    }

    fn state_with_companion() -> State {
        let mut st = State::default();
        st.phones
            .insert("15550001111".into(), PhoneAccount::new("15550001111", None));
        st.devices.put(DeviceRecord {
            phone: "15550001111".into(),
            device: 3,
            jid: "15550001111:3@s.whatsapp.net".into(),
            lid: "915550001111".into(),
            client_static: [1; 32],
            key_index: 2,
            presences: Vec::new(),
            shown_as: None,
        });
        st
    }

    fn ids(answer: &Node) -> Vec<String> {
        answer
            .get_optional_child_by_tag(&["list", "user", "devices", "device-list"])
            .map(|l| {
                l.get_children_by_tag("device")
                    .filter_map(|d| stanza::attr(d, "id"))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_linked_account_lists_its_phone_and_companion_with_a_valid_key_index() {
        let st = state_with_companion();
        let out = answer(&query("15550001111@s.whatsapp.net"), &st);
        assert_eq!(ids(&out), vec!["0", "3"]);
        let list = out
            .get_optional_child_by_tag(&["list", "user", "devices", "key-index-list"])
            .expect("a key index list");
        let Some(wacore_binary::NodeContent::Bytes(bytes)) = &list.content else {
            panic!("bytes");
        };
        let decoded = wacore::adv::decode_key_index_list(bytes).expect("the client decodes it");
        assert_eq!(decoded.valid_indexes, vec![2]);
        assert_eq!(decoded.current_index, 2);
    }

    /// A raw id that changed would tell the client the account was
    /// registered again, and it would drop every session it has with it.
    #[test]
    fn every_answer_carries_the_account_raw_id() {
        let st = state_with_companion();
        let raw_id = || {
            let out = answer(&query("15550001111@s.whatsapp.net"), &st);
            let list = out
                .get_optional_child_by_tag(&["list", "user", "devices", "key-index-list"])
                .expect("a key index list");
            let Some(wacore_binary::NodeContent::Bytes(bytes)) = &list.content else {
                panic!("bytes");
            };
            wacore::adv::decode_key_index_list(bytes)
                .expect("decodes")
                .raw_id
        };
        let first = raw_id();
        assert_eq!(first, raw_id());
        let account = &st.phones["15550001111"];
        assert_eq!(first, crate::phone::adv_raw_id(&account.identity));
    }

    #[test]
    fn the_account_is_found_by_its_lid_too() {
        let st = state_with_companion();
        let out = answer(&query("915550001111@lid"), &st);
        assert_eq!(ids(&out), vec!["0", "3"]);
    }

    #[test]
    fn an_existence_query_by_phone_says_in_or_out() {
        let user = |phone: &str| {
            NodeBuilder::new("user")
                .children([NodeBuilder::new("contact").string_content(phone).build()])
                .build()
        };
        let q = NodeBuilder::new("query")
            .children([NodeBuilder::new("contact").build()])
            .build();
        let usync = NodeBuilder::new("usync")
            .children([
                q,
                NodeBuilder::new("list")
                    .children([user("+15550001111"), user("+15559999999")])
                    .build(),
            ])
            .build();
        let iq = NodeBuilder::new("iq").children([usync]).build();
        let out = answer(&iq, &state_with_companion());
        let said: Vec<(String, String)> = out
            .get_optional_child("list")
            .expect("list")
            .get_children_by_tag("user")
            .map(|u| {
                let contact = u.get_optional_child("contact").expect("contact");
                (
                    stanza::attr(u, "jid").unwrap_or_default(),
                    stanza::attr(contact, "type").unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            said,
            [
                ("15550001111@s.whatsapp.net".to_owned(), "in".to_owned()),
                ("15559999999@s.whatsapp.net".to_owned(), "out".to_owned())
            ]
        );
    }

    #[test]
    fn an_unknown_account_has_only_its_phone() {
        let out = answer(&query("15559999999@s.whatsapp.net"), &State::default());
        assert_eq!(ids(&out), vec!["0"]);
        assert!(
            out.get_optional_child_by_tag(&["list", "user", "devices", "key-index-list"])
                .is_none()
        );
    }
}
