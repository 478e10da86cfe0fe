//! Sessions on the real whatsapp-rust client.

pub mod client;
pub mod server;
pub mod translate;
