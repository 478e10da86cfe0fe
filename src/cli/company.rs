//! `walink company add | list | set | show | rm | export | import`.

use std::io::{self, Write};
use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;

use super::{CliError, Context, GlobalOpts, engine_run};
use crate::domain::{DisplayName, Slug, mask_digits};
use crate::engine::server::ServerTarget;
use crate::engine::{Command, EngineConfig, Update};
use crate::service::attach::OnLoss;

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Add a company (its WhatsApp number is linked later)
    Add {
        /// Short id: lowercase letters, digits and '-', 2-32 characters
        slug: String,
        /// Display name [default: the slug]
        #[arg(long)]
        name: Option<String>,
    },
    /// List companies and their session state
    List {
        /// Print JSON: [{slug, name, created_at, state, since, phone, jid}]
        #[arg(long)]
        json: bool,
    },
    /// Change a company's name or settings: proxy, country, note, send limits
    Set(super::company_settings::SetArgs),
    /// Show a company's settings (the proxy's password as •••)
    Show(super::company_settings::ShowArgs),
    /// Remove a company, its history and its session keys
    Rm {
        slug: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Move a company out: stop its session, write it and its keys to
    /// FILE, and never connect it here again (import FILE elsewhere)
    Export(super::moving::ExportArgs),
    /// Bring up a company from a file made by `company export`, on its
    /// keys: no new link
    Import(super::moving::ImportArgs),
    /// Hand a company over to another host sharing the database: its host
    /// stops it, the other starts it on the same keys (no new link)
    Move(super::hosts::MoveArgs),
}

pub fn run(ctx: &mut Context, global: &GlobalOpts, cmd: CompanyCommand) -> Result<(), CliError> {
    match cmd {
        CompanyCommand::Add { slug, name } => add(ctx, &slug, name.as_deref()),
        CompanyCommand::List { json } => list(ctx, json),
        CompanyCommand::Set(args) => super::company_settings::set(ctx, args),
        CompanyCommand::Show(args) => super::company_settings::show(ctx, args),
        CompanyCommand::Rm { slug, yes } => rm(ctx, &slug, yes),
        CompanyCommand::Export(args) => super::moving::export(ctx, global, args),
        CompanyCommand::Import(args) => super::moving::import(ctx, global, args),
        CompanyCommand::Move(args) => super::hosts::move_company(args),
    }
}

fn add(ctx: &mut Context, slug: &str, name: Option<&str>) -> Result<(), CliError> {
    let slug = Slug::parse(slug).map_err(CliError::usage)?;
    let name = DisplayName::parse(name.unwrap_or(slug.as_str())).map_err(CliError::usage)?;
    let text = slug.to_string();
    let shown = name.to_string();
    let added = through_engine(ctx, Command::AddCompany { slug, name }, |u| match u {
        Update::CompanyAdded(row) if row.slug == text => Some(Ok(())),
        Update::CompanyNotAdded { slug, sentence } if *slug == text => {
            Some(Err(CliError::other(sentence.clone())))
        }
        _ => None,
    })?;
    added?;
    tracing::info!(slug = %text, "company added");
    println!(
        "Added {text} ({shown}). Link its number: walink pair {text} --phone NUMBER, or open the dashboard (walink) and press Enter on its row."
    );
    Ok(())
}

/// Send one order to the sessions' owner (a server, or an engine of our
/// own that restores nothing) and wait for the update `answer` picks.
pub(super) fn through_engine<T>(
    ctx: &mut Context,
    cmd: Command,
    answer: impl FnMut(&Update) -> Option<T>,
) -> Result<T, CliError> {
    let config = EngineConfig::new(ctx.data.clone(), ServerTarget::unused());
    let config = EngineConfig {
        restore: false,
        ..config
    };
    through(ctx, config, cmd, answer)
}

/// As [`through_engine`], on an engine configured by `config` (one that
/// connects sessions, when the order starts one).
pub(super) fn through<T>(
    ctx: &mut Context,
    config: EngineConfig,
    cmd: Command,
    mut answer: impl FnMut(&Update) -> Option<T>,
) -> Result<T, CliError> {
    let mut running = engine_run::start(ctx, config, OnLoss::End)?;
    ctx.rt.block_on(async {
        running.engine.send(cmd).await.map_err(CliError::other)?;
        let got = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(u) = running.next().await {
                if let Some(t) = answer(&u) {
                    return Some(t);
                }
            }
            None
        })
        .await;
        let got = match got {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(running.gone()),
            Err(_) => Err(CliError::other("no answer within 30 s; see the log")),
        };
        running.stop().await;
        got
    })
}

/// One line of `company list --json`; the field names are documented.
#[derive(Serialize)]
struct ListEntry {
    slug: String,
    name: String,
    /// RFC 3339, UTC.
    created_at: String,
    state: String,
    since: String,
    /// Masked: `+7900•••4567`.
    phone: Option<String>,
    jid: Option<String>,
}

fn list(ctx: &mut Context, json: bool) -> Result<(), CliError> {
    let mut entries = Vec::new();
    for c in ctx.store.companies().map_err(CliError::other)? {
        let session = ctx.store.session(c.id).map_err(CliError::other)?;
        let (state, since, phone, jid) = match session {
            Some(s) => (s.state, s.since, s.phone.map(|p| mask_digits(&p)), s.jid),
            None => ("not_linked".to_owned(), c.created_at, None, None),
        };
        entries.push(ListEntry {
            slug: c.slug.to_string(),
            name: c.name.to_string(),
            created_at: rfc3339(c.created_at),
            state,
            since: rfc3339(since),
            phone,
            jid,
        });
    }
    let mut out = io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(&entries).map_err(CliError::other)?;
        writeln!(out, "{text}").map_err(CliError::other)?;
        return Ok(());
    }
    if entries.is_empty() {
        writeln!(
            out,
            "No companies yet. Add one: walink company add SLUG --name NAME"
        )
        .map_err(CliError::other)?;
        return Ok(());
    }
    let slug_w = entries
        .iter()
        .map(|e| e.slug.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let name_w = entries
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:slug_w$}  {:name_w$}  {:12}  NUMBER",
        "SLUG", "NAME", "STATE"
    )
    .map_err(CliError::other)?;
    for e in &entries {
        writeln!(
            out,
            "{:slug_w$}  {:name_w$}  {:12}  {}",
            e.slug,
            e.name,
            e.state.replace('_', " "),
            e.phone.as_deref().unwrap_or("-")
        )
        .map_err(CliError::other)?;
    }
    Ok(())
}

fn rm(ctx: &mut Context, slug: &str, yes: bool) -> Result<(), CliError> {
    let company = ctx.store.company(slug).map_err(CliError::other)?;
    let question = format!(
        "Remove {} ({}), its history and its WhatsApp session keys?",
        company.slug, company.name
    );
    if !yes && !super::confirm::confirm(&question)? {
        println!("Kept {slug}.");
        return Ok(());
    }
    let id = company.id;
    through_engine(ctx, Command::RemoveCompany { company: id }, |u| {
        matches!(u, Update::CompanyRemoved { company } if *company == id).then_some(())
    })?;
    tracing::info!(slug, "company removed");
    println!("Removed {slug}.");
    Ok(())
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
