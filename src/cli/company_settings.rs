//! `walink company set | show`: a company's name and settings (proxy,
//! country, note, send limits). The proxy's password is never printed.

use std::io::Write;

use clap::Args;

use super::company::through_engine;
use super::{CliError, Context};
use crate::domain::{RawChange, SettingsChange, SettingsView};
use crate::engine::{Command, Update};

#[derive(Debug, Args)]
pub struct SetArgs {
    slug: String,
    /// Display name
    #[arg(long)]
    name: Option<String>,
    /// socks5://[user:pass@]host:port, socks5h://… (the proxy resolves
    /// names), http://[user:pass@]host:port (CONNECT); `none` for direct;
    /// `default` for walink serve's --proxy
    #[arg(long, value_name = "URL|none|default")]
    proxy: Option<String>,
    /// Country of numbers typed without + (two letters), or `default`
    #[arg(long, value_name = "CC|default")]
    country: Option<String>,
    /// A note for the admins
    #[arg(long)]
    note: Option<String>,
    /// Messages this number may send in any minute, or `default`
    #[arg(long, value_name = "N|default")]
    send_per_minute: Option<String>,
    /// Chats it may start in any 24 h with people who never wrote back, or `default`
    #[arg(long, value_name = "N|default")]
    new_chats_per_day: Option<String>,
    /// Reconnect its session now so a new proxy applies at once (else at
    /// its next connect)
    #[arg(long)]
    reconnect: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    slug: String,
    /// Print JSON: {slug, name, proxy, proxy_in_use, country, note,
    /// send_per_minute, new_chats_per_day}
    #[arg(long)]
    json: bool,
}

pub fn set(ctx: &mut Context, args: SetArgs) -> Result<(), CliError> {
    let raw = RawChange {
        name: args.name,
        proxy: args.proxy,
        country: args.country,
        note: args.note,
        send_per_minute: args.send_per_minute,
        new_chats_per_day: args.new_chats_per_day,
    };
    let change = SettingsChange::parse(&raw).map_err(CliError::usage)?;
    let id = ctx.store.company(&args.slug).map_err(CliError::other)?.id;
    let cmd = Command::ChangeCompany {
        company: id,
        change,
        reconnect: args.reconnect,
    };
    through_engine(ctx, cmd, |u| match u {
        Update::CompanyChanged(row) if row.company == id => Some(Ok(())),
        Update::CompanyNotChanged { company, sentence } if *company == id => {
            Some(Err(CliError::other(sentence.clone())))
        }
        _ => None,
    })??;
    let view = ctx
        .store
        .settings_view(&args.slug)
        .map_err(CliError::other)?;
    let when = if args.reconnect {
        "its session reconnects now if it runs"
    } else {
        "a new proxy applies at its next connect (--reconnect: now)"
    };
    println!("Changed {}; {when}.", args.slug);
    print_view(&view)
}

pub fn show(ctx: &mut Context, args: ShowArgs) -> Result<(), CliError> {
    let view = ctx
        .store
        .settings_view(&args.slug)
        .map_err(CliError::other)?;
    if args.json {
        let text = serde_json::to_string_pretty(&view).map_err(CliError::other)?;
        println!("{text}");
        return Ok(());
    }
    print_view(&view)
}

fn print_view(v: &SettingsView) -> Result<(), CliError> {
    let serve = |x: Option<String>| x.unwrap_or_else(|| "default (walink serve's)".into());
    let proxy = match (v.proxy.as_str(), &v.proxy_in_use) {
        ("default", Some(p)) => format!("default (walink serve's: {p})"),
        ("default", None) => "default (walink serve has none: direct)".into(),
        ("none", _) => "none (direct)".into(),
        (own, _) => own.to_owned(),
    };
    let mut out = std::io::stdout().lock();
    let lines = [
        ("slug", v.slug.clone()),
        ("name", v.name.clone()),
        ("proxy", proxy),
        ("country", serve(v.country.clone())),
        ("sends/min", serve(v.send_per_minute.map(|n| n.to_string()))),
        (
            "new chats/day",
            serve(v.new_chats_per_day.map(|n| n.to_string())),
        ),
        ("note", v.note.clone()),
    ];
    for (k, val) in lines {
        writeln!(out, "{k:14} {val}").map_err(CliError::other)?;
    }
    Ok(())
}
