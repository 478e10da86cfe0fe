//! `walink status`: every company session, from the registry or, with
//! `--check`, from a live connection.

use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::engine_run::{self, Running};
use super::{CliError, Context, GlobalOpts};
use crate::domain::{SessionState, mask_digits};
use crate::engine::{SessionRow, Update, snapshot};
use crate::service::attach::OnLoss;
use crate::store::now_unix;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON: [{slug, name, state, phone, jid, since, last_event}]
    #[arg(long)]
    json: bool,
    /// Show whole phone numbers (masked by default)
    #[arg(long)]
    full: bool,
    /// Connect every linked session once and report who is really online
    #[arg(long)]
    check: bool,
}

#[derive(Serialize)]
struct Line {
    slug: String,
    name: String,
    state: &'static str,
    phone: Option<String>,
    jid: Option<String>,
    since: String,
    last_event: Option<String>,
    /// With several hosts: the one that runs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<String>,
}

pub fn run(ctx: &mut Context, global: &GlobalOpts, args: StatusArgs) -> Result<(), CliError> {
    let rows = rows(ctx, global, args.check)?;
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|r| Line {
            state: r.state.key(),
            phone: r.phone.map(|p| {
                if args.full {
                    format!("+{p}")
                } else {
                    mask_digits(&p)
                }
            }),
            since: chrono::DateTime::<chrono::Utc>::from(r.since)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            slug: r.slug,
            name: r.name,
            jid: r.jid,
            last_event: r.last_event,
            host: r.host,
        })
        .collect();
    let columns = super::list::Columns(&[
        ("COMPANY", 16),
        ("STATE", 16),
        ("NUMBER", 16),
        ("JID", 34),
        ("SINCE", 20),
        ("LAST EVENT", 0),
    ]);
    let empty = "No companies yet. Add one: walink company add SLUG --name NAME";
    super::list::print(&lines, args.json, empty, &columns, |l| {
        vec![
            l.slug.clone(),
            match &l.host {
                Some(host) => format!("{} on {host}", l.state.replace('_', " ")),
                None => l.state.replace('_', " "),
            },
            l.phone.clone().unwrap_or_else(|| "-".into()),
            l.jid.clone().unwrap_or_else(|| "-".into()),
            l.since.clone(),
            l.last_event.clone().unwrap_or_default(),
        ]
    })
}

/// The registry's rows when nothing runs; a server's live ones when
/// attached. `check`: wait (≤ 30 s) until each linked session connects or
/// fails (an engine of our own restores them first), so the rows carry
/// what really happened.
fn rows(ctx: &mut Context, global: &GlobalOpts, check: bool) -> Result<Vec<SessionRow>, CliError> {
    if ctx.server.is_none() && !check {
        return snapshot::rows(ctx.store.as_ref(), now_unix(), false).map_err(CliError::other);
    }
    let config = engine_run::config(ctx, global, true)?;
    let mut running = engine_run::start(ctx, config, OnLoss::End)?;
    ctx.rt.block_on(async {
        // An engine and a server both begin with their snapshot.
        let Some(Update::Snapshot(mut rows)) = running.next().await else {
            return Err(running.gone());
        };
        if check {
            settle(&mut running, &mut rows).await;
        }
        running.stop().await;
        Ok(rows)
    })
}

async fn settle(running: &mut Running, rows: &mut [SessionRow]) {
    let mut waiting: Vec<i64> = rows
        .iter()
        .filter(|r| r.state.is_linked() && !matches!(r.state, SessionState::Connected))
        .map(|r| r.company)
        .collect();
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while !waiting.is_empty() {
            let Some(update) = running.next().await else {
                break;
            };
            if let Update::StateChanged {
                company,
                state,
                since,
            } = update
            {
                if let Some(row) = rows.iter_mut().find(|r| r.company == company) {
                    row.state = state.clone();
                    row.since = since;
                }
                let settled = !matches!(
                    state,
                    SessionState::Connecting | SessionState::FinishingSync
                );
                if settled {
                    waiting.retain(|c| *c != company);
                }
            }
        }
    })
    .await;
}
