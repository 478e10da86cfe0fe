//! `walink hosts`: the hosts that share one PostgreSQL database, the load
//! each carries, and, with `--leases`, which host runs which company.

use clap::Args;
use walink_hosts::Database;

use super::CliError;
use super::list::{Columns, print};

#[derive(Debug, Args)]
pub struct HostsArgs {
    /// The shared database, postgres://user[:password]@host[:port]/dbname
    #[arg(long, env = "WALINK_DATABASE", value_name = "URL")]
    database: String,
    /// List every company's lease instead: its host, epoch and expiry
    #[arg(long)]
    leases: bool,
    /// Print JSON: [{id, capacity, live, leases, seen_secs_ago}], or with
    /// --leases [{company, host, epoch, expires_in_secs, moving_to}]
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    slug: String,
    /// The host to run it from now on (`walink hosts` lists them)
    #[arg(long, value_name = "HOST")]
    to: String,
    /// The shared database, postgres://user[:password]@host[:port]/dbname
    #[arg(long, env = "WALINK_DATABASE", value_name = "URL")]
    database: String,
}

/// How long `company move` waits for the new host to hold the company.
const MOVE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::other)
}

pub fn run(args: HostsArgs) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let db = Database::connect(&args.database)
            .await
            .map_err(CliError::other)?;
        if args.leases {
            leases(&db, args.json).await
        } else {
            hosts(&db, args.json).await
        }
    })
}

async fn hosts(db: &Database, json: bool) -> Result<(), CliError> {
    let lines = db
        .hosts(walink_hosts::LEASE.as_secs_f64())
        .await
        .map_err(CliError::other)?;
    let columns = Columns(&[("HOST", 20), ("STATE", 6), ("LOAD", 12), ("SEEN", 0)]);
    print(
        &lines,
        json,
        "No host has joined this database yet.",
        &columns,
        |h| {
            vec![
                h.id.clone(),
                if h.live { "live" } else { "gone" }.to_owned(),
                format!("{} of {}", h.leases, h.capacity),
                format!("{:.0} s ago", h.seen_secs_ago),
            ]
        },
    )
}

async fn leases(db: &Database, json: bool) -> Result<(), CliError> {
    let lines = db.leases().await.map_err(CliError::other)?;
    let columns = Columns(&[("COMPANY", 20), ("HOST", 20), ("EPOCH", 6), ("EXPIRES", 0)]);
    print(
        &lines,
        json,
        "No company is shared out in this database yet.",
        &columns,
        |l| {
            let expires = match (&l.expires_in_secs, &l.moving_to) {
                (Some(s), Some(to)) => format!("in {s:.0} s, moving to {to}"),
                (Some(s), None) => format!("in {s:.0} s"),
                (None, _) => "free".to_owned(),
            };
            vec![
                l.company.clone(),
                l.host.clone().unwrap_or_else(|| "-".to_owned()),
                l.epoch.to_string(),
                expires,
            ]
        },
    )
}

/// Ask the company's host to hand it over, then wait until `to` holds it,
/// saying where it stands.
pub fn move_company(args: MoveArgs) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let db = Database::connect(&args.database)
            .await
            .map_err(CliError::other)?;
        let (slug, to) = (args.slug.as_str(), args.to.as_str());
        let from = lease_of(&db, slug).await?.host;
        if from.as_deref() == Some(to) {
            println!("{to} runs {slug} already.");
            return Ok(());
        }
        db.hand_over(slug, to).await.map_err(CliError::other)?;
        let from = from.unwrap_or_else(|| "no host".to_owned());
        println!("Asked {from} to hand {slug} over to {to}; waiting for {to} to run it…");
        let deadline = tokio::time::Instant::now() + MOVE_WAIT;
        loop {
            let lease = lease_of(&db, slug).await?;
            if lease.host.as_deref() == Some(to) {
                println!("{to} runs {slug} now (lease epoch {}).", lease.epoch);
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(CliError::other(format!(
                    "{to} does not run {slug} after {} s: is walink serve running there \
                     (walink hosts)? The move stays asked for and happens once it runs",
                    MOVE_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    })
}

async fn lease_of(db: &Database, slug: &str) -> Result<walink_hosts::LeaseRow, CliError> {
    db.lease(slug)
        .await
        .map_err(CliError::other)?
        .ok_or_else(|| CliError::other(format!("no company {slug} is shared in this database")))
}
