//! Plain data: what walink knows about companies and numbers. No I/O.

mod company;
pub mod country;
mod failure;
mod failure_page;
mod invitation;
pub(crate) mod lang;
mod message;
mod phone;
mod phone_page;
pub mod proxy;
pub mod send_guard;
mod session;
pub mod settings;
pub mod traffic;

pub use company::{Company, DisplayName, NameError, Slug, SlugError};
pub use failure::{FailureReason, GuardWhy, ProxyWhy, UnixTime, clock};
pub use invitation::{InviteMethod, InviteStatus};
pub use lang::Lang;
pub use message::{Direction, Message, MessageKind, MessageStatus};
pub use phone::{Phone, PhoneError, PhoneWarning, mask_digits, mask_jid};
pub use proxy::{ProxyChoice, ProxyUrl};
pub use session::{AttemptId, LinkMethod, PairCode, SessionState};
pub use settings::{CompanySettings, RawChange, SettingsChange, SettingsError, SettingsView};
pub use traffic::Traffic;
