//! The only input `App::update` accepts (`Msg`), what the user meant
//! (`Action`), and what the loop must do afterwards (`Effect`).

use tui_input::InputRequest;

use crate::domain::{DisplayName, PairCode, Slug};
use crate::engine::command::Command;
use crate::engine::update::Update;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// The keymap decided what a key meant.
    Action(Action),
    /// A session task reported something.
    Engine(Update),
    /// 1 s clock; dirties the screen only when something visible moved.
    Tick,
    /// The terminal changed size.
    Resize,
    /// An invitation was made (its URL) or could not be (why).
    Invitation {
        company: i64,
        made: Result<String, String>,
    },
    /// A company's messages, read for the overlay (or why not).
    Messages {
        company: i64,
        loaded: Result<super::messages::Loaded, String>,
        testing: bool,
    },
    /// A company's settings, read for the settings form (or why not).
    Settings {
        company: i64,
        loaded: Result<crate::domain::SettingsView, String>,
    },
    /// A test message was queued (or why not).
    TestSent {
        company: i64,
        sent: Result<crate::domain::Message, String>,
    },
    Quit(QuitCause),
}

/// Why the dashboard is closing; the loop turns it into an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitCause {
    /// `q` on the table.
    Key,
    /// Ctrl-C pressed while the terminal is in raw mode.
    CtrlC,
    Interrupt,
    Terminate,
    /// The SSH connection dropped.
    Hangup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SelectNext,
    SelectPrev,
    SelectFirst,
    SelectLast,
    PageDown,
    PageUp,
    OpenPairing,
    /// Esc / `q` below the top level: close what is on top.
    Back,
    ShowHelp,
    StartFilter,
    EditFilter(InputRequest),
    ToggleNotConnected,
    EditPhone(InputRequest),
    /// Tab: pairing code ⇄ QR.
    SwitchMethod,
    SubmitLink,
    /// Link despite walink's own guard (after it refused).
    ConfirmForce,
    /// A new attempt after the QR refs ran out or a code expired; on the
    /// table, reconnect the selected session.
    RestartLink,
    CancelLink,
    CopyCode,
    ToggleLog,
    AddCompany,
    EditAddField(InputRequest),
    NextAddField,
    SubmitAdd,
    RemoveCompany,
    LogoutCompany,
    /// `y` / Enter in a question; Enter also leaves the filter field.
    Confirm,
    /// `n` / Esc in a question.
    Deny,
    /// `i`: invite the selected company to link its own phone.
    Invite,
    /// Sandbox: let the simulated phone enter the code or scan the QR.
    PlayPhone,
    /// Sandbox: arm the next simulator fault on the selected session.
    InjectFault,
    /// `m`: the selected company's recent messages.
    OpenMessages,
    /// `t`: a test message from the selected company's number.
    TestMessage,
    /// `v` in the messages: show or hide their text.
    ToggleText,
    EditTestNumber(InputRequest),
    SubmitTest,
    /// `e`: the selected company's settings.
    EditSettings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Handed to `EngineHandle::send`.
    Engine(Command),
    /// OSC 52, written by the loop, not by `App`.
    CopyToClipboard(String),
    /// Registry write; the engine reports the new row with a Snapshot.
    AddCompany {
        slug: Slug,
        name: DisplayName,
    },
    RemoveCompany {
        company: i64,
    },
    /// Sandbox only.
    PlayPhone {
        company: i64,
        play: PhonePlay,
    },
    /// Sandbox only.
    InjectFault {
        company: i64,
        phone: Option<String>,
        fault: SandboxFault,
    },
    /// Make an invitation (a token only the loop may draw) for the company.
    Invite {
        company: i64,
    },
    /// Read a company's messages and traffic from the registry.
    LoadMessages {
        company: i64,
        testing: bool,
    },
    /// Read a company's settings from the registry.
    LoadSettings {
        company: i64,
    },
    /// Queue a test message from the company's number to `to`.
    SendTest {
        company: i64,
        to: String,
    },
    /// Start the shutdown order (DESIGN: Command::Shutdown, wait, restore).
    Exit,
}

impl Effect {
    /// Carried out by the sessions' owner (`walink serve` when attached),
    /// not by this terminal.
    pub fn needs_server(&self) -> bool {
        !matches!(
            self,
            Self::CopyToClipboard(_)
                | Self::Exit
                | Self::LoadMessages { .. }
                | Self::LoadSettings { .. }
        )
    }
}

/// What the simulated phone does; the loop maps it onto the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhonePlay {
    EnterCode { phone: String, code: PairCode },
    ScanQr { payload: String },
}

/// Faults `f` cycles through, named here so `App` does not depend on the
/// feature-gated simulator types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxFault {
    /// 429 rate-overlimit on the next pair-code request.
    RateLimit,
    /// WebSocket close: the session reconnects with backoff.
    CloseConnection,
    /// `<conflict type="replaced">`.
    Replaced,
    /// `<failure reason=401>` at the next login.
    LoggedOut,
}

impl SandboxFault {
    pub const ALL: [SandboxFault; 4] = [
        Self::RateLimit,
        Self::CloseConnection,
        Self::Replaced,
        Self::LoggedOut,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::RateLimit => "rate limit (429)",
            Self::CloseConnection => "connection closed",
            Self::Replaced => "stream replaced",
            Self::LoggedOut => "logged out (401)",
        }
    }
}
