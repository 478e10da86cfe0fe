//! Sessions on the real whatsapp-rust client.

pub mod classify;
pub mod client;
pub mod guard;
pub mod server;
pub mod translate;
