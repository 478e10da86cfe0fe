//! What the loop holds beside `App`: the registry's path (invitations need
//! the public URL) and, in the sandbox, the simulator whose phone and
//! faults the keys reach.

/// What the loop's effects reach besides the engine.
#[derive(Clone, Default)]
pub struct Extras {
    /// The registry, for what invitations need (the public URL).
    pub registry: Option<std::path::PathBuf>,
    #[cfg(feature = "sandbox")]
    pub sim: Option<std::sync::Arc<crate::sim::Simulator>>,
}
