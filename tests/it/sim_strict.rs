//! Every node the simulator sends, read back from the wire as a strict
//! client reads the real server's (whatsmeow's attribute parser, for one):
//! JID-valued attributes are JIDs, answers carry what clients read.

use whatsapp_rust::wacore_binary::NodeRef;
use whatsapp_rust::wacore_binary::marshal::unmarshal_ref;
use whatsapp_rust::wacore_binary::node::ValueRef;
use whatsapp_rust::wacore_binary::util::unpack;

use walink::engine::translate::ClientFact;
use walink::sim::{SimConfig, SimEvent, Simulator};
use whatsapp_rust::wacore::iq::prekeys::PreKeyCountSpec;

use crate::wa::{Opts, PHONE, TestClient, secs, sim_with, store_in};

/// Attributes the real server only ever sends as JIDs.
const JID_ATTRS: &[&str] = &["from", "to", "participant", "jid", "lid", "recipient"];

/// What is wrong with one node and its children, as sentences.
fn strict_problems(node: &NodeRef<'_>, out: &mut Vec<String>) {
    let tag = node.tag.to_string();
    for (key, value) in node.attrs_iter() {
        let key = key.to_string();
        if JID_ATTRS.contains(&key.as_str()) && !matches!(value, ValueRef::Jid(_)) {
            out.push(format!("<{tag} {key}=…> is a string, not a JID"));
        }
    }
    let has = |k: &str| node.get_attr(k).is_some();
    let type_ = node.get_attr("type").map(|v| v.to_string());
    match tag.as_str() {
        "iq" => {
            if !has("id") || !has("from") {
                out.push(format!("<iq type={type_:?}> without id or from"));
            }
            let pairing = ["pair-device", "pair-success"]
                .iter()
                .any(|t| node.get_optional_child(t).is_some());
            if pairing && node.children().map_or(0, <[_]>::len) != 1 {
                out.push("a pairing <iq> must have exactly one child".into());
            }
        }
        "success" => match node.get_attr("lid") {
            Some(ValueRef::Jid(j)) if j.device > 0 => {}
            other => out.push(format!("<success lid> is not a device LID: {other:?}")),
        },
        "count" if !has("value") => out.push("<count> without value".into()),
        _ => {}
    }
    for child in node.children().unwrap_or_default() {
        strict_problems(child, out);
    }
}

fn problems(sim: &Simulator) -> Vec<String> {
    let mut out = Vec::new();
    let wire = sim.sent_wire();
    assert!(!wire.is_empty(), "the simulator recorded nothing");
    for bytes in &wire {
        let plain = unpack(bytes).expect("unpack");
        let node = unmarshal_ref(&plain).expect("a node decodes");
        strict_problems(&node, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

async fn recording_sim() -> Simulator {
    sim_with(SimConfig::default().with_record_wire(true)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_link_and_a_relogin_read_strictly() {
    let sim = recording_sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir, "a");
    let mut events = sim.events();
    let mut c = TestClient::start(&sim, &store, Opts::default()).await;
    let qr = c.qr().await;
    sim.phone(PHONE).scan_qr(&qr).await.expect("scan");
    c.connected(secs(40)).await;
    // The pre-key count a client decides its uploads by.
    let client = c.handle.as_ref().expect("running").client();
    let count = client
        .execute(PreKeyCountSpec::new())
        .await
        .expect("count answered");
    assert!(count.count > 0, "the client uploaded pre-keys at login");
    assert_eq!(count.count, sim.prekeys_on_server());
    c.shutdown().await;
    // After the 515 the client closed and reconnected by itself.
    let mut closed_by_sim = false;
    while let Ok(ev) = events.try_recv() {
        closed_by_sim |= matches!(ev, SimEvent::ClosedAfterRestart { .. });
    }
    assert!(!closed_by_sim, "the simulator had to close after the 515");
    // A relogin from the stored keys.
    let mut again = TestClient::start(&sim, &store, Opts::default()).await;
    again.connected(secs(40)).await;
    again.shutdown().await;
    assert_eq!(problems(&sim), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_link_reads_strictly() {
    let sim = recording_sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let opts = Opts {
        pair_phone: Some(PHONE),
        ..Opts::default()
    };
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), opts).await;
    let code = c
        .wait_for(secs(30), |f| match f {
            ClientFact::PairCode { code, .. } => Some(code.clone()),
            _ => None,
        })
        .await;
    sim.enter_code(PHONE, &code).await.expect("code accepted");
    c.connected(secs(40)).await;
    c.shutdown().await;
    assert_eq!(problems(&sim), Vec::<String>::new());
}
