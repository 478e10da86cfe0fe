//! The dashboard: `App` and its reducer, the keymap, the QR rows and the
//! pure views, plus the run loop that ties them to the terminal and the
//! engine.

pub mod add_form;
pub mod app;
pub mod confirm;
mod extras;
pub mod invite;
pub mod keymap;
mod link_flow;
pub mod messages;
mod messages_io;
pub mod msg;
pub mod pace;
pub mod pairing;
mod reduce;
pub mod run;
mod sandbox;
mod sandbox_play;
pub mod settings_form;
pub mod table_state;
mod terminal;
mod update;
pub mod view;

#[cfg(test)]
mod app_tests;
#[cfg(test)]
mod away_tests;
#[cfg(test)]
mod hints_tests;
#[cfg(test)]
mod hosts_tests;
#[cfg(test)]
mod invite_tests;
#[cfg(test)]
mod linked_tests;
#[cfg(test)]
mod messages_tests;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod shared_tests;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod test_support;

pub use crate::qr::{QrError, QrRows, qr_rows};
pub use app::{App, Focus, Now};
pub use msg::{Action, Effect, Msg, QuitCause};
pub use view::render;
