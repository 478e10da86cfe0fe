//! The loop's side of the messages overlay: the registry read when it
//! opens, and the test message queued through the one send operation (the
//! API's and `walink send`'s).

use super::extras::Extras;
use super::messages::{Loaded, SHOWN};
use crate::domain::Message;
use crate::engine::EngineHandle;
use crate::engine::sending::{SendText, queue_text};
use crate::store::{Db, Registry, now_unix};

fn registry(extras: &Extras) -> Result<Box<dyn Registry>, String> {
    let data = extras
        .registry
        .as_ref()
        .ok_or_else(|| "This dashboard has no registry to read messages from.".to_owned())?;
    crate::store::open(data).map_err(|e| format!("Cannot read the registry: {e}"))
}

/// The company's newest messages and its traffic of the last day.
pub async fn load(company: i64, extras: &Extras) -> Result<Loaded, String> {
    let extras = extras.clone();
    // A registry read: on the blocking pool, never in the draw loop.
    tokio::task::spawn_blocking(move || {
        let store = registry(&extras)?;
        let read = |e| format!("Cannot read the messages: {e}");
        Ok(Loaded {
            rows: store.messages(company, None, None, SHOWN).map_err(read)?,
            traffic: store.traffic(company, now_unix()).map_err(read)?,
        })
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Queue a test message to `to`; the engine (or walink serve) sends it.
pub async fn send_test(
    company: i64,
    to: String,
    engine: &EngineHandle,
    extras: &Extras,
) -> Result<Message, String> {
    let extras = extras.clone();
    let store = tokio::task::spawn_blocking(move || registry(&extras))
        .await
        .map_err(|e| e.to_string())??;
    let at = chrono::Local::now().format("%H:%M");
    let req = SendText {
        to,
        text: format!("walink test message ({at}): this number is linked and sending."),
        ..SendText::default()
    };
    queue_text(&Db::new(store), engine, company, req)
        .await
        .map(|(m, _)| m)
        .map_err(|e| e.to_string())
}

/// A company's settings for the settings form (the password as •••).
pub async fn settings(
    company: i64,
    extras: &Extras,
) -> Result<crate::domain::SettingsView, String> {
    let extras = extras.clone();
    tokio::task::spawn_blocking(move || {
        let store = registry(&extras)?;
        let read = |e: crate::store::StoreError| format!("Cannot read the settings: {e}");
        let slug = store
            .company_by_id(company)
            .map_err(read)?
            .ok_or("The company is gone.")?;
        store.settings_view(slug.slug.as_str()).map_err(read)
    })
    .await
    .map_err(|e| e.to_string())?
}
