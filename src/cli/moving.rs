//! `walink company export SLUG FILE` and `walink company import FILE`:
//! one company moved to another data directory or host on its keys.

use std::path::{Path, PathBuf};

use super::company::through;
use super::{CliError, Context, GlobalOpts, engine_run};
use crate::domain::SessionState;
use crate::engine::{Command, Update};
use crate::store::now_unix;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    slug: String,
    /// Where to write it (a new file, readable only by you)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Do not ask for confirmation
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A file made by walink company export
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn export(ctx: &mut Context, global: &GlobalOpts, args: ExportArgs) -> Result<(), CliError> {
    let company = ctx.store.company(&args.slug).map_err(CliError::other)?;
    // The server may run elsewhere: it is told where, not relative to what.
    let to = absolute(&args.file)?;
    if to.exists() {
        return Err(CliError::usage(format!(
            "{} exists: name a new file",
            to.display()
        )));
    }
    let question = format!(
        "Stop {} ({}) here and write it to {}? It will not connect here again.",
        company.slug,
        company.name,
        to.display()
    );
    if !args.yes && !super::confirm::confirm(&question)? {
        println!("Kept {}.", company.slug);
        return Ok(());
    }
    let config = engine_run::config(ctx, global, false)?;
    let cmd = Command::ExportCompany {
        company: company.id,
        to: to.clone(),
    };
    through(ctx, config, cmd, |u| match u {
        Update::MoveDone { file, outcome } if *file == to => Some(outcome.clone()),
        _ => None,
    })?
    .map_err(CliError::other)?;
    tracing::info!(slug = %company.slug, "company exported");
    println!(
        "Exported {} to {}. It will not connect here again: on the host where it should run, \
         walink company import FILE. Its history, API tokens and webhooks stay here.",
        company.slug,
        to.display()
    );
    Ok(())
}

pub fn import(ctx: &mut Context, global: &GlobalOpts, args: ImportArgs) -> Result<(), CliError> {
    let from = absolute(&args.file)?;
    if !from.is_file() {
        return Err(CliError::usage(format!(
            "{} is not a file: name one made by walink company export",
            from.display()
        )));
    }
    let config = engine_run::config(ctx, global, false)?;
    let tz = *chrono::Local::now().offset();
    let mut came: Option<i64> = None;
    let cmd = Command::ImportCompany { from: from.clone() };
    // Taken in, then connected on its keys (or why not).
    let outcome = through(ctx, config, cmd, |u| match (u, came) {
        (Update::MoveDone { file, outcome }, _) if *file == from => match outcome {
            Ok(id) => {
                came = Some(*id);
                None
            }
            Err(why) => Some(Err(why.clone())),
        },
        (
            Update::StateChanged {
                company,
                state: SessionState::Connected,
                ..
            },
            Some(id),
        ) if *company == id => Some(Ok(id)),
        (
            Update::Failed {
                company, reason, ..
            },
            Some(id),
        ) if *company == id => Some(Err(format!(
            "imported, but it did not connect: {}",
            reason.sentence(now_unix(), tz)
        ))),
        _ => None,
    })?;
    let id = outcome.map_err(CliError::other)?;
    let slug = ctx
        .store
        .company_by_id(id)
        .map_err(CliError::other)?
        .map(|c| c.slug.to_string())
        .unwrap_or_default();
    tracing::info!(slug, "company imported");
    println!("Imported {slug}: connected on its own keys, without a new link.");
    Ok(())
}

fn absolute(file: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(file).map_err(|e| CliError::usage(format!("{}: {e}", file.display())))
}
