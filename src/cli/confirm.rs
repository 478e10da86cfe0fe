//! Yes/no questions, refused when nobody is at a terminal to answer.

use std::io::{self, BufRead, IsTerminal, Write};

use super::CliError;

/// Ask on the terminal; refuse when there is none to ask on.
pub fn confirm(question: &str) -> Result<bool, CliError> {
    if !io::stdin().is_terminal() {
        return Err(CliError::usage(
            "there is no terminal to confirm on; add --yes",
        ));
    }
    print!("{question} [y/N] ");
    io::stdout().flush().map_err(CliError::other)?;
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(CliError::other)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
