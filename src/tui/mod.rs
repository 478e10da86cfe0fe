//! The dashboard. This draft holds only the pure parts: `App` and its
//! reducer, the keymap, the QR rows and the views. The run loop
//! (terminal guard, engine start, select!, shutdown order) comes later.

pub mod add_form;
pub mod app;
pub mod confirm;
pub mod keymap;
mod link_flow;
pub mod msg;
pub mod pairing;
pub mod qr;
mod reduce;
mod sandbox;
pub mod table_state;
pub mod view;

#[cfg(test)]
mod app_tests;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod test_support;

pub use app::{App, Focus, Now};
pub use msg::{Action, Effect, Msg, QuitCause};
pub use qr::{QrError, QrRows, qr_rows};
pub use view::render;
