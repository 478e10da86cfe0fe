//! The restore at start says how far it got, and how it ended.

use std::time::Duration;

use walink::engine::Update;

use crate::common::TempDataDir;
use crate::engine_fixture::{data_with_company, start_engine_at};

/// A loopback port where nobody listens.
fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    format!("ws://127.0.0.1:{port}/ws/chat")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restore_at_start_says_how_far_it_got_and_how_it_ended() {
    let dir = TempDataDir::new();
    let (data, acme) = data_with_company(&dir);
    let mut store = walink::store::Store::open(&data.registry_path()).expect("registry");
    let mut linked = vec![(acme, "acme".to_owned())];
    for slug in ["beta", "gamma"] {
        let id = store
            .add_company(
                &walink::domain::Slug::parse(slug).expect("slug"),
                &walink::domain::DisplayName::parse(slug).expect("name"),
            )
            .expect("add")
            .id;
        linked.push((id, slug.to_owned()));
    }
    std::fs::create_dir_all(data.session_file("acme").parent().expect("dir")).expect("dir");
    for (id, slug) in &linked {
        store
            .set_session_state(*id, "connected", None)
            .expect("state");
        crate::engine_fixture::old_layout_keys(&data, slug).await;
    }
    // WhatsApp cannot be reached: every restore gives up quickly.
    let (_engine, mut updates) = start_engine_at(&closed_port_url(), &data, |c| {
        c.restore_progress_from = 3;
        c.connect_timeout = Duration::from_secs(2);
    });
    let mut notices = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(u) = updates.recv().await {
            if let Update::Notice(text) = u {
                let done = text.starts_with("restored");
                notices.push(text);
                if done {
                    return;
                }
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "no end of the restore: {notices:?}");
    assert!(
        notices[0].starts_with("restoring linked sessions: ") && notices[0].ends_with(" / 3…"),
        "{notices:?}"
    );
    let last = notices.last().expect("notice");
    assert!(last.starts_with("restored 3 linked sessions in "), "{last}");
    assert!(
        last.ends_with(": 0 connected, 3 not (their rows say why)"),
        "{last}"
    );
}
