//! `walink send SLUG --to N --text T`: queue a text for a company's number
//! (the API's operation), print its id, and with `--wait` follow it until
//! it is sent, delivered or read.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::engine_run::{self, Running};
use super::error::ExitCode;
use super::{CliError, Context, GlobalOpts};
use crate::domain::MessageStatus;
use crate::engine::Update;
use crate::engine::sending::{SendError, SendText, queue_text};
use crate::service::attach::OnLoss;
use crate::store::Db;

#[derive(Debug, Args)]
pub struct SendArgs {
    slug: String,
    /// A phone number (+7 900 123 45 67) or a chat JID
    #[arg(long)]
    to: String,
    /// The text to send
    #[arg(long)]
    text: String,
    /// The id of the message this one answers
    #[arg(long)]
    reply_to: Option<String>,
    /// How long it may wait for a connection: 30s, 10m, 2h, 1d
    #[arg(long)]
    ttl: Option<String>,
    /// An idempotency key: the same key again sends once
    #[arg(long)]
    key: Option<String>,
    /// Wait until the message is this far (exit 0), or fails (exit 1)
    #[arg(long, value_enum)]
    wait: Option<Reach>,
    /// Seconds --wait waits
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Reach {
    Sent,
    Delivered,
    Read,
}

impl Reach {
    fn status(self) -> MessageStatus {
        match self {
            Self::Sent => MessageStatus::Sent,
            Self::Delivered => MessageStatus::Delivered,
            Self::Read => MessageStatus::Read,
        }
    }
}

pub fn run(ctx: &mut Context, global: &GlobalOpts, args: SendArgs) -> Result<(), CliError> {
    let slug = args.slug;
    let company = ctx.store.company(&slug).map_err(CliError::other)?.id;
    let attached = ctx.server.is_some();
    // Alone, sessions run here only to wait for the send; else the
    // registry keeps it for the next walink serve.
    let mut running = if attached || args.wait.is_some() {
        let config = engine_run::config(ctx, global, true)?;
        Some(engine_run::start(ctx, config, OnLoss::End)?)
    } else {
        None
    };
    let nobody = crate::engine::EngineHandle::channel().0;
    let db = Db::new(crate::store::open(&ctx.data).map_err(CliError::other)?);
    let req = SendText {
        to: args.to,
        text: args.text,
        reply_to: args.reply_to,
        ttl: args.ttl,
        key: args.key,
    };
    let (wait, timeout) = (args.wait, args.timeout);
    ctx.rt.block_on(async {
        let engine = running.as_ref().map_or(&nobody, |r| &r.engine);
        let queued = queue_text(&db, engine, company, req).await;
        let outcome = match queued {
            Err(e) => Err(refused(e)),
            Ok((m, _)) => {
                println!("{}", m.id);
                match wait {
                    Some(want) if !reaches(m.status, want) => {
                        let limit = Duration::from_secs(timeout);
                        let running = running.as_mut().expect("started to wait");
                        follow(running, company, &m.id, want, limit)
                            .await
                            .unwrap_or_else(|last| {
                                Err(CliError::other(format!(
                                    "the message is {} and not yet {} after {timeout} s; walink \
                                     keeps trying (walink messages {slug} shows where it is)",
                                    last.key(),
                                    want.status().key(),
                                )))
                            })
                    }
                    Some(_) => Ok(()),
                    None if !attached => {
                        eprintln!(
                            "walink: queued; it goes out when walink serve (or the dashboard) \
                             next runs"
                        );
                        Ok(())
                    }
                    None => Ok(()),
                }
            }
        };
        if let Some(running) = running {
            running.stop().await;
        }
        outcome
    })
}

fn refused(e: SendError) -> CliError {
    match e {
        SendError::Invalid(code, why) => {
            let flag = match code {
                "bad_recipient" => "--to",
                "bad_ttl" => "--ttl",
                _ => "--text",
            };
            CliError::usage(format!("{flag}: {why}"))
        }
        SendError::Refused(_) => CliError {
            code: ExitCode::Refused,
            message: e.to_string(),
        },
        SendError::Store(_) => CliError::other(e),
    }
}

fn reaches(now: MessageStatus, want: Reach) -> bool {
    matches!(
        now,
        MessageStatus::Sent | MessageStatus::Delivered | MessageStatus::Read
    ) && now >= want.status()
}

/// Each status the message reaches, on stderr, until `want`; the last
/// one seen when `limit` runs out first.
async fn follow(
    running: &mut Running,
    company: i64,
    id: &str,
    want: Reach,
    limit: Duration,
) -> Result<Result<(), CliError>, MessageStatus> {
    let mut last = MessageStatus::Queued;
    let waited = tokio::time::timeout(limit, async {
        while let Some(update) = running.next().await {
            let Update::MessageUpdated {
                company: c,
                message,
            } = update
            else {
                continue;
            };
            if c != company || message.id != id {
                continue;
            }
            last = message.status;
            eprintln!("walink: {}", message.status.key());
            if reaches(message.status, want) {
                return Ok(());
            }
            if message.status.is_final() {
                let why = message
                    .reason
                    .unwrap_or_else(|| message.status.key().into());
                return Err(CliError::other(why));
            }
        }
        Err(running.gone())
    })
    .await;
    waited.map_err(|_| last)
}
