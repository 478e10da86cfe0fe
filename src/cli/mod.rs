//! The command line: clap definitions and dispatch. Errors leave here as
//! one sentence and an exit code.

mod company;
mod error;
#[cfg(feature = "sandbox")]
mod sim;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use error::{CliError, ExitCode};

use crate::config::DataDir;
use crate::lockfile::DirLock;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "walink",
    version,
    about = "Link WhatsApp numbers to companies and watch their connections",
    long_about = "walink links WhatsApp numbers to many companies and watches their connections.\n\
                  Run it with no command to open the dashboard."
)]
pub struct Cli {
    /// Where walink keeps its registry, session keys and logs
    /// [default: ~/.local/share/walink]
    #[arg(long, global = true, env = "WALINK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log level or filter for the log file (error, warn, info, debug, trace)
    /// [default: $WALINK_LOG, else info]
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list or remove companies
    #[command(subcommand)]
    Company(company::CompanyCommand),
    /// Run the loopback WhatsApp simulator with its HTTP control API
    #[cfg(feature = "sandbox")]
    Sim(sim::SimArgs),
}

/// Everything a command needs: the data directory, its lock and the registry.
pub struct Context {
    pub data: DataDir,
    pub store: Store,
    _lock: DirLock,
}

impl Context {
    fn open(data: DataDir) -> Result<Self, CliError> {
        data.ensure().map_err(CliError::other)?;
        let lock = DirLock::acquire(&data.lock_path()).map_err(CliError::other)?;
        let store = Store::open(&data.registry_path()).map_err(CliError::other)?;
        Ok(Self {
            data,
            store,
            _lock: lock,
        })
    }
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    let command = match cli.command {
        // The simulator keeps nothing on disk: no data directory, no lock.
        #[cfg(feature = "sandbox")]
        Some(Command::Sim(args)) => return sim::run(args),
        Some(Command::Company(cmd)) => cmd,
        None => {
            println!(
                "The dashboard is not here yet. For now:\n  \
                 walink company add SLUG --name NAME\n  \
                 walink company list\n  \
                 walink company rm SLUG\n\
                 See walink --help."
            );
            return Ok(());
        }
    };
    let data = DataDir::resolve(cli.data_dir).map_err(CliError::other)?;
    data.ensure().map_err(CliError::other)?;
    let _log = crate::logging::init(data.root(), cli.log_level.as_deref());
    let mut ctx = Context::open(data)?;
    company::run(&mut ctx, command)
}
