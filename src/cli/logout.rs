//! `walink logout SLUG`: unlink this device from the phone.

use std::time::Duration;

use clap::Args;

use super::confirm::confirm;
use super::engine_run;
use super::{CliError, Context, GlobalOpts};
use crate::domain::SessionState;
use crate::engine::{Command, Update};
use crate::service::attach::OnLoss;
use crate::store::now_unix;

#[derive(Debug, Args)]
pub struct LogoutArgs {
    slug: String,
    /// Do not ask for confirmation
    #[arg(long)]
    yes: bool,
}

pub fn run(ctx: &mut Context, global: &GlobalOpts, args: LogoutArgs) -> Result<(), CliError> {
    let company = ctx.store.company(&args.slug).map_err(CliError::other)?;
    if !args.yes
        && !confirm(&format!(
            "Unlink {} ({}) from its phone?",
            company.slug, company.name
        ))?
    {
        println!("Kept {}.", company.slug);
        return Ok(());
    }
    let config = engine_run::config(ctx, global, false)?;
    let mut running = engine_run::start(ctx, config, OnLoss::End)?;
    let tz = *chrono::Local::now().offset();
    let company = company.id;
    let slug = args.slug;
    ctx.rt.block_on(async {
        running
            .engine
            .send(Command::Logout { company })
            .await
            .map_err(CliError::other)?;
        let outcome = tokio::time::timeout(Duration::from_secs(40), async {
            while let Some(update) = running.next().await {
                match update {
                    Update::StateChanged {
                        company: c,
                        state: SessionState::LoggedOut,
                        ..
                    } if c == company => return Ok(()),
                    Update::Failed {
                        company: c, reason, ..
                    } if c == company && reason != crate::domain::FailureReason::LoggedOut => {
                        return Err(CliError::other(reason.sentence(now_unix(), tz)));
                    }
                    _ => {}
                }
            }
            Err(running.gone())
        })
        .await
        .unwrap_or_else(|_| {
            Err(CliError::other(
                "WhatsApp did not confirm the logout within 40 s; try again",
            ))
        });
        running.stop().await;
        outcome?;
        println!("Logged out {slug}; its keys were moved aside.");
        Ok(())
    })
}
