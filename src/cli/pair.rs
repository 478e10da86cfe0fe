//! `walink pair SLUG --phone N | --qr`: link from a plain terminal.

use std::io::Write;
use std::time::Instant;

use clap::Args;

use super::engine_run::{self, Running};
use super::{CliError, Context, ExitCode, GlobalOpts};
use crate::domain::{AttemptId, FailureReason, LinkMethod, Phone, SessionState};
use crate::engine::{Command, Update};
use crate::service::attach::OnLoss;
use crate::store::now_unix;

pub const PHONE_PATH: &str =
    "WhatsApp › Settings › Linked devices › Link a device › Link with phone number instead";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("method").required(true).args(["phone", "qr"])))]
pub struct PairArgs {
    slug: String,
    /// The number to link, with its country code: +7 900 123 45 67
    #[arg(long, value_name = "NUMBER")]
    phone: Option<String>,
    /// Link by scanning a QR code instead of typing a pairing code
    #[arg(long)]
    qr: bool,
    /// Try even though the link-attempt guard says wait (WhatsApp may
    /// answer with hours of cooldown)
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &mut Context, global: &GlobalOpts, args: PairArgs) -> Result<(), CliError> {
    let company = ctx.store.company(&args.slug).map_err(CliError::other)?;
    let method = match &args.phone {
        Some(raw) => {
            let own = ctx
                .store
                .company_settings(company.id)
                .map_err(CliError::other)?
                .country;
            let country = own.or(global.default_country()?);
            let phone = Phone::parse(raw, country.as_deref()).map_err(CliError::usage)?;
            if let Some(w) = phone.warning {
                eprintln!("walink: note: {w}");
            }
            LinkMethod::Code { phone }
        }
        None => LinkMethod::Qr,
    };
    let config = engine_run::config(ctx, global, false)?;
    let mut running = engine_run::start(ctx, config, OnLoss::End)?;
    let attempt = crate::service::first_attempt();
    let company = company.id;
    ctx.rt.block_on(async move {
        let link = Command::Link {
            company,
            attempt,
            method,
            force: args.force,
            // A server names this client itself; this is for an engine of our own.
            by: format!("walink pair (pid {})", std::process::id()),
            invitation: None,
        };
        running.engine.send(link).await.map_err(CliError::other)?;
        let outcome = tokio::select! {
            r = follow(&mut running, company, attempt) => r,
            _ = tokio::signal::ctrl_c() => {
                // A server keeps sessions after we leave: stop ours there.
                let _ = running.engine.send(Command::CancelLink { company }).await;
                Err(CliError::other("cancelled; the attempt was stopped"))
            }
        };
        running.stop().await;
        outcome
    })
}

/// Print codes and QRs as they come; end on Connected or a failure.
async fn follow(running: &mut Running, company: i64, attempt: AttemptId) -> Result<(), CliError> {
    let mut out = std::io::stdout();
    let tz = *chrono::Local::now().offset();
    let mut linked = false;
    while let Some(update) = running.next().await {
        match update {
            // Other companies' news, and other clients' attempts, are not ours.
            Update::CodeIssued {
                company: c,
                attempt: a,
                ..
            }
            | Update::QrIssued {
                company: c,
                attempt: a,
                ..
            }
            | Update::Linked {
                company: c,
                attempt: a,
                ..
            } if (c, a) != (company, attempt) => {}
            // walink cannot save the link: say so. The wait goes on, since
            // the link is kept and written once there is room (leaving
            // would stop a session this command runs, and lose it).
            Update::Failed {
                company: c,
                attempt: None,
                reason: reason @ FailureReason::DiskFull,
            } if c == company => {
                eprintln!("walink: {}", reason.sentence(now_unix(), tz));
            }
            Update::Failed {
                company: c,
                attempt: a,
                ..
            } if (c, a) != (company, Some(attempt)) => {}
            Update::CodeIssued {
                code, expires_at, ..
            } => {
                let secs = expires_at
                    .saturating_duration_since(Instant::now())
                    .as_secs();
                let _ = writeln!(out, "Pairing code: {code}  (valid {secs} s)");
                let _ = writeln!(out, "On the phone: {PHONE_PATH}, then type the code.");
            }
            Update::QrIssued {
                payload,
                expires_at,
                ..
            } => {
                let secs = expires_at
                    .saturating_duration_since(Instant::now())
                    .as_secs();
                let qr = crate::qr::qr_rows(&payload).map_err(CliError::other)?;
                for line in qr.rows() {
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(
                    out,
                    "Scan with WhatsApp › Settings › Linked devices › Link a device. This QR lasts {secs} s; a new one follows."
                );
            }
            Update::Linked { jid, push_name, .. } => {
                linked = true;
                let name = push_name.map(|n| format!(" ({n})")).unwrap_or_default();
                let _ = writeln!(out, "Linked as {jid}{name}. Finishing sync…");
            }
            Update::StateChanged {
                state: SessionState::Connected,
                company: c,
                ..
            } if c == company && linked => {
                let _ = writeln!(out, "Connected.");
                return Ok(());
            }
            Update::Failed { reason, .. } => {
                let code = match reason {
                    FailureReason::GuardRefused { .. } => ExitCode::Refused,
                    _ => ExitCode::LinkFailed,
                };
                return Err(CliError {
                    code,
                    message: reason.sentence(now_unix(), tz),
                });
            }
            _ => {}
        }
        let _ = out.flush();
    }
    Err(running.gone())
}
