//! `walink messages SLUG`: what a company's number received and sent
//! (oldest first), and with `--follow` each new message and status as it
//! happens. `--json` prints one API message object a line.

use clap::Args;

use super::engine_run;
use super::{CliError, Context, GlobalOpts};
use crate::domain::{Message, mask_jid};
use crate::engine::Update;
use crate::service::attach::OnLoss;

#[derive(Debug, Args)]
pub struct MessagesArgs {
    slug: String,
    /// Only this chat (a JID, as the messages show it)
    #[arg(long)]
    chat: Option<String>,
    /// How many of the newest to show
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Keep printing new messages and status changes (Ctrl-C ends)
    #[arg(long)]
    follow: bool,
    /// One JSON object a line, as GET /api/v1/sessions/{slug}/messages
    /// gives them
    #[arg(long)]
    json: bool,
    /// Show whole addresses (masked by default)
    #[arg(long)]
    full: bool,
}

pub fn run(ctx: &mut Context, global: &GlobalOpts, args: MessagesArgs) -> Result<(), CliError> {
    let company = ctx.store.company(&args.slug).map_err(CliError::other)?.id;
    // Following alone runs the sessions here, so messages can arrive.
    let running = if args.follow {
        let config = engine_run::config(ctx, global, true)?;
        Some(engine_run::start(ctx, config, OnLoss::End)?)
    } else {
        None
    };
    let mut kept = ctx
        .store
        .messages(company, args.chat.as_deref(), None, args.limit)
        .map_err(CliError::other)?;
    kept.reverse();
    for m in &kept {
        println!("{}", line(&args, m));
    }
    let Some(mut running) = running else {
        return Ok(());
    };
    ctx.rt.block_on(async {
        while let Some(update) = running.next().await {
            let m = match update {
                Update::MessageReceived {
                    company: c,
                    message,
                }
                | Update::MessageUpdated {
                    company: c,
                    message,
                } if c == company => message,
                _ => continue,
            };
            if args.chat.as_ref().is_none_or(|chat| *chat == m.chat) {
                println!("{}", line(&args, &m));
            }
        }
        Err(running.gone())
    })
}

/// One message as a line of the table, or of JSON.
fn line(args: &MessagesArgs, m: &Message) -> String {
    let mask = |jid: &str| {
        if args.full {
            jid.to_owned()
        } else {
            mask_jid(jid)
        }
    };
    if args.json {
        let mut data = crate::events::message_data(&args.slug, m);
        if !args.full {
            for key in ["chat", "from", "from_alt"] {
                if let Some(jid) = data[key].as_str() {
                    data[key] = mask(jid).into();
                }
            }
            if let Some(p) = m.sender_phone.as_deref() {
                data["from_phone"] = crate::domain::mask_digits(p).into();
            }
        }
        return data.to_string();
    }
    let at = chrono::DateTime::from_timestamp(m.at, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    format!(
        "{at}  {:<3}  {:<32}  {:<8}  {:<9}  {}  {}",
        m.direction.key(),
        mask(&m.chat),
        m.kind.key(),
        m.status.key(),
        m.id,
        m.text.as_deref().unwrap_or("").replace('\n', " ")
    )
}
