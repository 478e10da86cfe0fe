//! `walink webhook add | list | rm`: where `walink serve` posts events.

use clap::Subcommand;

use super::{CliError, Context};
use crate::store::now_unix;

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Post events to URL (walink serve does, retrying for up to 24 h)
    Add {
        url: String,
        /// Only this company's events
        #[arg(long, value_name = "SLUG")]
        company: Option<String>,
        /// Only these events, comma-separated, e.g. session.status,link.code
        /// [default: all]
        #[arg(long, value_name = "LIST")]
        events: Option<String>,
        /// The HMAC-SHA256 key of the X-Walink-Signature header
        /// [default: a new one, printed once]
        #[arg(long)]
        secret: Option<String>,
        /// Carry whole phone numbers and JIDs (a company's own bot that
        /// answers them) [default: masked, as a read token sees them]
        #[arg(long)]
        whole_numbers: bool,
    },
    /// List webhooks and whether they still receive
    List,
    /// Remove a webhook by its id (from webhook list)
    Rm { id: i64 },
}

pub fn run(ctx: &mut Context, cmd: WebhookCommand) -> Result<(), CliError> {
    match cmd {
        WebhookCommand::Add {
            url,
            company,
            events,
            secret,
            whole_numbers,
        } => {
            let parsed = crate::events::check_url(&url).map_err(CliError::usage)?;
            let events = events.unwrap_or_default();
            crate::events::check_names(events.split(','))
                .map_err(|e| CliError::usage(format!("--events: {e}")))?;
            let company_id = company
                .map(|slug| ctx.store.company(&slug).map(|c| c.id))
                .transpose()
                .map_err(CliError::other)?;
            let (secret, made) = match secret {
                Some(s) => (s, false),
                None => (crate::auth::new_token().map_err(CliError::other)?, true),
            };
            let id = ctx
                .store
                .add_webhook(
                    parsed.as_str(),
                    company_id,
                    &events,
                    &secret,
                    whole_numbers,
                    now_unix(),
                )
                .map_err(CliError::other)?;
            println!("Webhook #{id} posts to {parsed}.");
            if made {
                println!("Its signing secret (shown only now): {secret}");
            }
            Ok(())
        }
        WebhookCommand::List => {
            let hooks = ctx.store.webhooks().map_err(CliError::other)?;
            if hooks.is_empty() {
                println!("No webhooks yet. Add one: walink webhook add https://example.com/hook");
                return Ok(());
            }
            for h in hooks {
                let state = match (&h.disabled_at, &h.disabled_why) {
                    (Some(_), Some(why)) => format!("stopped: {why}"),
                    (Some(_), None) => "stopped".into(),
                    _ => "active".into(),
                };
                let events = if h.events.is_empty() {
                    "all events"
                } else {
                    h.events.as_str()
                };
                println!(
                    "#{} {} ({}, {}) {}",
                    h.id,
                    h.url,
                    h.company_slug.as_deref().unwrap_or("every company"),
                    events,
                    state
                );
            }
            Ok(())
        }
        WebhookCommand::Rm { id } => {
            if !ctx.store.remove_webhook(id).map_err(CliError::other)? {
                return Err(CliError::other(format!(
                    "there is no webhook #{id}; walink webhook list shows them"
                )));
            }
            println!("Removed webhook #{id}.");
            Ok(())
        }
    }
}
