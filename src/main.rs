use clap::Parser;
use walink::cli::{self, Cli};

fn main() -> std::process::ExitCode {
    // Session files hold keys: nothing walink (or whatsapp-rust) creates
    // should be readable by others, whatever the caller's umask.
    // SAFETY: umask only swaps the process mask; it cannot fail.
    unsafe { libc::umask(0o077) };
    walink::sqlite::tune();
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("walink: {}", e.message);
            }
            std::process::ExitCode::from(e.code.code())
        }
    }
}
