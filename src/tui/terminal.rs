//! The terminal: entered once, restored on every way out (normal exit, an
//! early `?`, a panic through ratatui's hook, a signal on the quit path).

use std::io::{self, Write};

use ratatui::DefaultTerminal;

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Raw mode and the alternate screen; ratatui's panic hook restores
    /// before the panic message prints.
    pub fn enter() -> io::Result<Self> {
        Ok(Self {
            terminal: ratatui::try_init()?,
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Copy to the admin's own clipboard through the terminal (works over SSH
/// where the terminal supports OSC 52).
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    let mut out = io::stdout();
    crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )?;
    out.flush()
}
