//! `walink token create | list | revoke`: API tokens for the HTTP API.
//! The registry keeps only their hash; a token is printed once.

use clap::Subcommand;
use serde::Serialize;

use super::{CliError, Context};
use crate::auth::{self, Scope};
use crate::store::{NewToken, now_unix};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it (once: only its hash is kept)
    Create {
        /// Bind it to one company: every other company is invisible to it
        #[arg(long, value_name = "SLUG")]
        company: Option<String>,
        /// read: read; link: also link, cancel, reconnect; admin: also log out
        #[arg(long, default_value = "read", value_name = "SCOPE")]
        scope: String,
        /// Valid this long, e.g. 30d, 12h [default: until revoked]
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
        /// What it is for (shown by token list)
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List tokens (never the tokens themselves)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (from token list)
    Revoke { id: i64 },
}

#[derive(Serialize)]
struct Line {
    id: i64,
    scope: String,
    company: Option<String>,
    note: String,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: Option<String>,
    revoked: bool,
}

pub(super) fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

pub fn run(ctx: &mut Context, cmd: TokenCommand) -> Result<(), CliError> {
    match cmd {
        TokenCommand::Create {
            company,
            scope,
            expires,
            note,
        } => {
            let scope =
                Scope::parse(&scope).map_err(|e| CliError::usage(format!("--scope: {e}")))?;
            let now = now_unix();
            let expires_at = expires
                .map(|d| auth::parse_duration(&d).map(|s| now + s))
                .transpose()
                .map_err(|e| CliError::usage(format!("--expires: {e}")))?;
            let company_id = company
                .map(|slug| ctx.store.company(&slug).map(|c| c.id))
                .transpose()
                .map_err(CliError::other)?;
            let token = auth::new_token().map_err(CliError::other)?;
            let hash = auth::hash(&token);
            let id = ctx
                .store
                .add_token(&NewToken {
                    hash: &hash,
                    scope: scope.as_str(),
                    company_id,
                    note: &note,
                    created_at: now,
                    expires_at,
                })
                .map_err(CliError::other)?;
            tracing::info!(id, scope = scope.as_str(), "token created");
            println!("{token}");
            eprintln!(
                "Token #{id} ({}). It is shown only now: keep it somewhere safe.",
                scope.as_str()
            );
            Ok(())
        }
        TokenCommand::List { json } => {
            let lines: Vec<Line> = ctx
                .store
                .tokens()
                .map_err(CliError::other)?
                .into_iter()
                .map(|t| Line {
                    id: t.id,
                    scope: t.scope,
                    company: t.company_slug,
                    note: t.note,
                    created_at: rfc3339(t.created_at),
                    last_used_at: t.last_used_at.map(rfc3339),
                    expires_at: t.expires_at.map(rfc3339),
                    revoked: t.revoked_at.is_some(),
                })
                .collect();
            let columns = super::list::Columns(&[
                ("ID", 4),
                ("SCOPE", 6),
                ("COMPANY", 16),
                ("CREATED", 20),
                ("LAST USED", 20),
                ("EXPIRES", 20),
                ("NOTE", 0),
            ]);
            let empty = "No tokens yet. Make one: walink token create --scope read";
            super::list::print(&lines, json, empty, &columns, |l| {
                let expires = if l.revoked {
                    "revoked".to_owned()
                } else {
                    l.expires_at.clone().unwrap_or_else(|| "never".into())
                };
                vec![
                    l.id.to_string(),
                    l.scope.to_string(),
                    l.company.clone().unwrap_or_else(|| "(all)".into()),
                    l.created_at.clone(),
                    l.last_used_at.clone().unwrap_or_else(|| "never".into()),
                    expires,
                    l.note.clone(),
                ]
            })
        }
        TokenCommand::Revoke { id } => {
            if !ctx
                .store
                .revoke_token(id, now_unix())
                .map_err(CliError::other)?
            {
                return Err(CliError::other(format!(
                    "there is no live token #{id}; walink token list shows them"
                )));
            }
            tracing::info!(id, "token revoked");
            println!("Revoked token #{id}.");
            Ok(())
        }
    }
}
