use std::fmt::Display;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    Ok = 0,
    Other = 1,
    Usage = 2,
    /// A link attempt failed (the sentence says why).
    LinkFailed = 3,
    /// The link-attempt guard refused (the sentence says until when).
    Refused = 4,
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
