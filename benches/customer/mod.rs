//! A customer: a real whatsapp-rust client linked to a simulated phone of
//! its own, to write to companies' numbers and read their replies.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use walink::engine::client::{self, ClientOptions};
use walink::engine::server::SANDBOX_WA_VERSION;
use walink::engine::translate::ClientFact;
use walink::sim::Simulator;
use whatsapp_rust::Client;
use whatsapp_rust::bot::BotHandle;
use whatsapp_rust::prelude::{ChannelEventHandler, Event, Subscription};

pub struct Customer {
    pub client: Arc<Client>,
    /// Every event the client dispatched.
    pub raw: async_channel::Receiver<Arc<Event>>,
    _handle: BotHandle,
    _subscriptions: [Subscription; 2],
}

impl Customer {
    /// A fresh client, linked by QR to `phone`'s account and connected.
    pub async fn link(sim: &Simulator, store: &Path, phone: &str) -> Self {
        let options = ClientOptions {
            server: Some(sim.url()),
            version: Some(SANDBOX_WA_VERSION),
            offline: true,
            push_name: Some("Customer".into()),
            pair_code_phone: None,
            ..ClientOptions::default()
        };
        let keys = walink::engine::KeySource::File(store.to_path_buf());
        let built = client::build(&keys, &options, None)
            .await
            .expect("client builds");
        let client = built.bot.client();
        let (tap, raw) = ChannelEventHandler::new();
        let raw_subscription = client.subscribe_handler(tap);
        let handle = built.bot.spawn();
        let mut scanned = false;
        loop {
            let fact = tokio::time::timeout(Duration::from_secs(60), built.events.next_fact())
                .await
                .expect("the customer links within a minute")
                .expect("client events");
            match fact {
                ClientFact::QrCode { payload, .. } if !scanned => {
                    sim.phone(phone).scan_qr(&payload).await.expect("scan");
                    scanned = true;
                }
                ClientFact::Connected => break,
                _ => {}
            }
        }
        Self {
            client,
            raw,
            _handle: handle,
            _subscriptions: [built.subscription, raw_subscription],
        }
    }
}
