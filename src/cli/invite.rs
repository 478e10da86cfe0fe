//! `walink invite SLUG | list | revoke`: one-time links a company opens to
//! link its own phone (served by `walink serve --http`).

use clap::{Args, Subcommand};
use serde::Serialize;

use super::token::rfc3339;
use super::{CliError, Context, company::through_engine};
use crate::domain::{InviteMethod, Phone, mask_digits};
use crate::engine::{Command, Update};
use crate::invite;
use crate::store::{Invitation, now_unix};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct InviteArgs {
    #[command(subcommand)]
    cmd: Option<InviteCommand>,
    /// The company that links its phone from the page
    #[arg(required = true)]
    slug: Option<String>,
    /// Only this number may be linked (the page shows it, locked)
    #[arg(long, value_name = "NUMBER")]
    phone: Option<String>,
    /// Valid this long, e.g. 30m, 2h, 1d (at most 7d)
    #[arg(long, default_value = "30m", value_name = "DURATION")]
    expires: String,
    /// What the page offers: code, qr or any
    #[arg(long, default_value = "any", value_name = "METHOD")]
    method: String,
    /// Base URL the company's browser reaches walink serve --http at
    /// [default: what walink serve --http was given or listens on]
    #[arg(long, env = "WALINK_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum InviteCommand {
    /// List invitations (never their links: only hashes are kept)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a live invitation by its id (from invite list)
    Revoke { id: i64 },
}

pub fn run(ctx: &mut Context, args: InviteArgs, country: Option<&str>) -> Result<(), CliError> {
    match args.cmd {
        Some(InviteCommand::List { json }) => list(ctx, json),
        Some(InviteCommand::Revoke { id }) => revoke(ctx, id),
        None => create(ctx, &args, country),
    }
}

fn create(ctx: &mut Context, args: &InviteArgs, country: Option<&str>) -> Result<(), CliError> {
    let slug = args.slug.as_deref().unwrap_or_default();
    let company = ctx.store.company(slug).map_err(CliError::other)?;
    let ttl = invite::ttl(&args.expires).map_err(|e| CliError::usage(format!("--expires: {e}")))?;
    let method =
        InviteMethod::parse(&args.method).map_err(|e| CliError::usage(format!("--method: {e}")))?;
    let own = ctx
        .store
        .company_settings(company.id)
        .map_err(CliError::other)?
        .country;
    let country = own.as_deref().or(country);
    let phone = args
        .phone
        .as_deref()
        .map(|raw| Phone::parse(raw, country))
        .transpose()
        .map_err(|e| CliError::usage(format!("--phone: {e}")))?;
    if phone.is_some() && method == InviteMethod::Qr {
        return Err(CliError::usage(
            "--phone names the number a code goes to: use --method code or any",
        ));
    }
    let base = public_url(ctx, args.public_url.as_deref())?;
    let expires_at = now_unix() + ttl;
    let by = format!("walink invite (pid {})", std::process::id());
    let (token, cmd) =
        invite::make(company.id, phone, method, expires_at, &by).map_err(CliError::other)?;
    let Command::Invite(made) = &cmd else {
        return Err(CliError::other("not an invitation"));
    };
    let hash = made.hash.clone();
    let id = through_engine(ctx, cmd, |u| match u {
        Update::Invited { id, hash: h, .. } if *h == hash => Some(*id),
        _ => None,
    })?;
    let until = chrono::DateTime::from_timestamp(expires_at, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    eprintln!(
        "Invitation #{id} for {} ({}): one link, valid until {until}. Send this link to the company:",
        company.slug, company.name
    );
    println!("{}", invite::url(&base, &token));
    if ctx.server.is_none() {
        eprintln!("(no walink serve runs here: the page opens once walink serve --http runs)");
    }
    Ok(())
}

/// `--public-url`, else the one `walink serve --http` recorded.
fn public_url(ctx: &Context, given: Option<&str>) -> Result<String, CliError> {
    if let Some(raw) = given {
        return invite::check_public_url(raw)
            .map_err(|e| CliError::usage(format!("--public-url: {e}")));
    }
    ctx.store
        .setting(invite::PUBLIC_URL)
        .map_err(CliError::other)?
        .ok_or_else(|| {
            CliError::usage(
                "no public URL yet: give --public-url https://… (what the company's browser reaches), \
                 or start walink serve --http ADDR [--public-url URL] first",
            )
        })
}

#[derive(Serialize)]
struct Line {
    id: i64,
    company: String,
    status: &'static str,
    method: String,
    /// Masked: only the last digits are shown.
    phone: Option<String>,
    created_by: String,
    created_at: String,
    expires_at: String,
}

fn line(i: &Invitation, now: i64) -> Line {
    Line {
        id: i.id,
        company: i.company_slug.clone(),
        status: i.status(now).as_str(),
        method: i.method.clone(),
        phone: i.phone.as_deref().map(mask_digits),
        created_by: i.created_by.clone(),
        created_at: rfc3339(i.created_at),
        expires_at: rfc3339(i.expires_at),
    }
}

fn list(ctx: &mut Context, json: bool) -> Result<(), CliError> {
    let now = now_unix();
    let lines: Vec<Line> = ctx
        .store
        .invitations()
        .map_err(CliError::other)?
        .iter()
        .map(|i| line(i, now))
        .collect();
    let columns = super::list::Columns(&[
        ("ID", 4),
        ("COMPANY", 16),
        ("STATUS", 8),
        ("METHOD", 6),
        ("PHONE", 20),
        ("EXPIRES", 0),
    ]);
    super::list::print(
        &lines,
        json,
        "No invitations. Make one: walink invite SLUG",
        &columns,
        |l| {
            vec![
                l.id.to_string(),
                l.company.clone(),
                l.status.to_string(),
                l.method.clone(),
                l.phone.clone().unwrap_or_else(|| "—".into()),
                l.expires_at.clone(),
            ]
        },
    )
}

fn revoke(ctx: &mut Context, id: i64) -> Result<(), CliError> {
    let now = now_unix();
    let found = ctx
        .store
        .invitations()
        .map_err(CliError::other)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| CliError::usage(format!("no invitation #{id} (see walink invite list)")))?;
    let status = found.status(now);
    if status != crate::domain::InviteStatus::Live {
        println!(
            "Invitation #{id} is already {}: nothing to revoke.",
            status.as_str()
        );
        return Ok(());
    }
    through_engine(ctx, Command::RevokeInvitation { id }, |u| match u {
        Update::InvitationEnded { id: i, .. } if *i == id => Some(()),
        _ => None,
    })?;
    println!(
        "Revoked invitation #{id} for {}: its link no longer opens.",
        found.company_slug
    );
    Ok(())
}
