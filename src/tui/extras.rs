//! What the loop holds beside `App`: the data directory whose registry it
//! reads (invitations need the public URL) and, in the sandbox, the
//! simulator whose phone and faults the keys reach.

/// What the loop's effects reach besides the engine.
#[derive(Clone, Default)]
pub struct Extras {
    /// Whose registry to read: the public URL, messages, settings.
    pub registry: Option<crate::config::DataDir>,
    #[cfg(feature = "sandbox")]
    pub sim: Option<std::sync::Arc<crate::sim::Simulator>>,
}
