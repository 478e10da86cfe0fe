//! walink: link WhatsApp numbers to companies from a terminal.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod auth;
pub mod backup;
pub mod cli;
pub mod company_file;
pub mod config;
pub mod domain;
pub mod engine;
pub mod events;
pub mod fdlimit;
pub mod http;
pub mod invite;
pub mod keystore;
pub mod lockfile;
pub mod logging;
pub mod qr;
pub mod service;
pub mod sqlite;
/// The loopback simulator, a crate of its own (`crates/walink-sim`).
#[cfg(feature = "sandbox")]
pub use walink_sim as sim;
pub mod store;
pub mod tui;
pub mod webhook;
