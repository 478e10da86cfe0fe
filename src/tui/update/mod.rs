//! `App`'s transitions, one file for each overlay and the table: they
//! sit apart from the state types they act on, so the types never import
//! `App` and `App` imports only types.

mod add;
mod confirm;
mod invite;
mod messages;
mod settings;
mod table;
