use std::fmt::Display;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Ok,
    Other,
    Usage,
    /// A link attempt failed (the sentence says why).
    LinkFailed,
    /// The link-attempt guard refused (the sentence says until when).
    Refused,
    /// Ended by a signal: 128 + its number (SIGTERM 143, SIGHUP 129, SIGINT 130).
    Signal(u8),
}

impl ExitCode {
    pub fn code(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Other => 1,
            Self::Usage => 2,
            Self::LinkFailed => 3,
            Self::Refused => 4,
            Self::Signal(n) => n,
        }
    }
}

/// One sentence for the person at the terminal, and the code to exit with.
#[derive(Debug)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Display) -> Self {
        Self {
            code: ExitCode::Usage,
            message: message.to_string(),
        }
    }

    pub fn other(message: impl Display) -> Self {
        Self {
            code: ExitCode::Other,
            message: message.to_string(),
        }
    }
}
