//! The command line: clap definitions and dispatch. Errors leave here as
//! one sentence and an exit code.

mod backup;
mod bring;
mod company;
mod company_settings;
mod confirm;
mod context;
mod dashboard;
mod engine_run;
mod error;
mod hosts;
mod invite;
mod list;
mod logout;
mod messages;
mod moving;
mod pair;
mod recover;
mod send;
mod serve;
#[cfg(feature = "sandbox")]
mod sim;
mod status;
mod token;
mod webhook;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use context::Context;
pub use error::{CliError, ExitCode};

use crate::config::DataDir;

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

    /// Let pairing codes, whole phone numbers and full stanzas into the log
    /// file (they are kept out otherwise); only to debug a failing link
    #[arg(long, global = true)]
    pub log_secrets: bool,

    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every session-running command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalOpts {
    /// WhatsApp Web endpoint [default: WhatsApp's own; `sandbox` runs its
    /// own simulator, `sim` is one]; sandbox builds take only a loopback
    /// simulator, e.g. ws://127.0.0.1:8765/ws/chat
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,

    /// WhatsApp Web version X.Y.Z to announce [default: fetched from
    /// WhatsApp; `sandbox` uses its simulator's]
    #[arg(long, global = true, value_name = "X.Y.Z")]
    pub wa_version: Option<String>,

    /// Country of numbers typed without + (ISO, e.g. RU, GB)
    /// [default: from the locale: LC_ALL, LC_TELEPHONE, LANG]
    #[arg(long, global = true, env = "WALINK_COUNTRY", value_name = "CC")]
    pub country: Option<String>,
}

impl GlobalOpts {
    /// `--country`, `WALINK_COUNTRY`, else the locale's; a bad code is a
    /// usage error.
    pub fn default_country(&self) -> Result<Option<String>, CliError> {
        crate::domain::country::default_country(self.country.as_deref(), |var| {
            std::env::var(var).ok()
        })
        .map_err(|e| CliError::usage(format!("--country: {e}")))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, remove, export or import companies
    #[command(subcommand)]
    Company(company::CompanyCommand),
    /// Link a company's WhatsApp number with a pairing code or a QR
    Pair(pair::PairArgs),
    /// Show every company session (state, number, since, last event)
    Status(status::StatusArgs),
    /// Unlink a company's device from its phone
    Logout(logout::LogoutArgs),
    /// Send a text from a company's number (the id on stdout; --wait
    /// follows it to sent, delivered or read)
    Send(send::SendArgs),
    /// What a company's number received and sent (--follow for new ones)
    Messages(messages::MessagesArgs),
    /// Make, list or revoke tokens for the HTTP API (walink serve --http)
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Invite a company to link its own phone from a one-time web page
    /// (walink invite SLUG, walink invite list, walink invite revoke ID)
    Invite(invite::InviteArgs),
    /// Add, list or remove webhooks (walink serve posts events to them)
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Keep every session running without a terminal; dashboards and
    /// commands attach to it (for systemd, a container or tmux)
    Serve(serve::ServeArgs),
    /// Rebuild a lost (missing or empty) registry from the keys (keys.db
    /// and any old key files): a company per device, linked ones linked again
    Recover,
    /// Copy the registry and every session's keys into one file (safe
    /// while walink serve runs)
    Backup(backup::BackupArgs),
    /// Fill an empty data directory from a walink backup file
    Restore(backup::RestoreArgs),
    /// List the hosts that share one PostgreSQL database, their load, and
    /// (--leases) which host runs which company
    Hosts(hosts::HostsArgs),
    /// Run the loopback WhatsApp simulator with its HTTP control API
    #[cfg(feature = "sandbox")]
    Sim(sim::SimArgs),
    /// Try walink without a phone: the dashboard on a built-in simulator
    /// with three demo companies (a temporary data directory unless
    /// --data-dir is given)
    #[cfg(feature = "sandbox")]
    Sandbox(dashboard::sandbox::SandboxArgs),
    /// Only in sandbox builds: named here so a default build can say how
    /// to get one instead of clap's "unrecognized subcommand".
    #[cfg(not(feature = "sandbox"))]
    #[command(hide = true)]
    Sandbox,
    #[cfg(not(feature = "sandbox"))]
    #[command(hide = true)]
    Sim,
}

/// What a default build answers `walink sandbox` and `walink sim` with.
#[cfg(not(feature = "sandbox"))]
/// What a default build says to `walink sandbox` or `walink sim`.
pub fn not_a_sandbox_build(command: &str) -> String {
    format!(
        "this walink was built without the simulator (it keeps WhatsApp's certificate check); \
         build one with it: cargo run --release --features sandbox -- {command}"
    )
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    let command = match cli.command {
        // The simulator keeps nothing on disk: no data directory, no lock.
        #[cfg(feature = "sandbox")]
        Some(Command::Sim(args)) => return sim::run(args, cli.log_level.as_deref()),
        #[cfg(feature = "sandbox")]
        Some(Command::Sandbox(_)) => {
            let country = cli.global.default_country()?;
            return dashboard::sandbox::run(
                cli.data_dir,
                cli.log_level.as_deref(),
                cli.log_secrets,
                country,
            );
        }
        #[cfg(not(feature = "sandbox"))]
        Some(Command::Sandbox) => return Err(CliError::usage(not_a_sandbox_build("sandbox"))),
        #[cfg(not(feature = "sandbox"))]
        Some(Command::Sim) => return Err(CliError::usage(not_a_sandbox_build("sim"))),
        other => other,
    };
    let data = DataDir::resolve(cli.data_dir).map_err(CliError::other)?;
    if let Some(owner) = data.foreign_owner() {
        return Err(CliError::other(format!(
            "{} belongs to the user {owner}: files walink made here as you would be yours, \
             and {owner}'s walink serve could lose its log or keys to them. \
             Run it as {owner}: sudo -u {owner} walink …",
            data.root().display()
        )));
    }
    data.ensure().map_err(CliError::other)?;
    let serving = matches!(command, Some(Command::Serve(_)));
    // Under systemd stderr is journald; on a terminal it is the admin's.
    let stderr = match (
        serving,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    ) {
        (false, _) => crate::logging::Stderr::Never,
        (true, true) => crate::logging::Stderr::IfNoFile,
        (true, false) => crate::logging::Stderr::Also,
    };
    let _log = crate::logging::init(
        data.root(),
        cli.log_level.as_deref(),
        cli.log_secrets,
        stderr,
    );
    let global = cli.global;
    let Some(command) = command else {
        return dashboard::run(Context::open(data, "dashboard")?, &global);
    };
    match command {
        Command::Company(cmd) => company::run(&mut Context::open(data, "company")?, &global, cmd),
        Command::Pair(args) => pair::run(&mut Context::open(data, "pair")?, &global, args),
        Command::Status(args) => status::run(&mut Context::open(data, "status")?, &global, args),
        Command::Logout(args) => logout::run(&mut Context::open(data, "logout")?, &global, args),
        Command::Send(args) => send::run(&mut Context::open(data, "send")?, &global, args),
        Command::Messages(args) => {
            messages::run(&mut Context::open(data, "messages")?, &global, args)
        }
        Command::Token(cmd) => token::run(&mut Context::open(data, "token")?, cmd),
        Command::Invite(args) => {
            let country = global.default_country()?;
            invite::run(
                &mut Context::open(data, "invite")?,
                args,
                country.as_deref(),
            )
        }
        Command::Webhook(cmd) => webhook::run(&mut Context::open(data, "webhook")?, cmd),
        Command::Serve(args) => serve::run(Context::own(data)?, &global, args),
        Command::Recover => recover::run(data),
        Command::Backup(args) => backup::backup(data, args),
        Command::Restore(args) => backup::restore(data, args),
        Command::Hosts(args) => hosts::run(args),
        #[cfg(feature = "sandbox")]
        Command::Sim(_) | Command::Sandbox(_) => Ok(()),
        #[cfg(not(feature = "sandbox"))]
        Command::Sim | Command::Sandbox => Ok(()),
    }
}
