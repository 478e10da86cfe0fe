//! One update as in-process adapters see it: what the hub publishes and
//! the mirror keeps for readers that resume.

use crate::engine::Update;

/// Numbered so a reader can resume after the last one it saw.
#[derive(Debug)]
pub struct Event {
    pub id: u64,
    pub update: Update,
    /// The slug of the company the update is about, as it was when
    /// published (a removed company's too): what the API names it by.
    pub slug: Option<String>,
    /// Another host's change (`Update::Echo`): streamed, not delivered to
    /// webhooks.
    pub echo: bool,
}
