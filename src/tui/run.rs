//! The main loop: terminal input, engine updates, a 1 s tick and signals go
//! into `App::update`; effects come out; the screen is drawn only when
//! something changed. Shutdown: engine first, then the terminal.

pub use super::extras::Extras;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::MissedTickBehavior;

use super::terminal::{TerminalGuard, copy_to_clipboard};
use super::{App, Effect, Msg, Now, QuitCause, keymap, view};
use crate::engine::{Command, EngineHandle, Update};
use crate::store::now_unix;

pub fn now() -> Now {
    Now {
        instant: Instant::now(),
        unix: now_unix(),
        tz: *chrono::Local::now().offset(),
    }
}

/// Run the dashboard until the user quits or a signal arrives. Returns the
/// process exit code.
pub async fn run(
    mut app: App,
    engine: EngineHandle,
    mut updates: tokio::sync::mpsc::Receiver<Update>,
    extras: Extras,
) -> std::io::Result<u8> {
    let mut guard = TerminalGuard::enter()?;
    let mut input = crossterm::event::EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut batch = Vec::with_capacity(64);
    let mut stop_by: Option<tokio::time::Instant> = None;
    let mut exit_code = 0u8;
    let mut pace = super::pace::Pace::default();
    let mut draw_at: Option<tokio::time::Instant> = None;
    app.dirty = true;
    loop {
        let deadline =
            stop_by.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        let mut key = false;
        let msgs: Vec<Msg> = tokio::select! {
            event = input.next() => match event {
                Some(Ok(crossterm::event::Event::Key(k))) => {
                    key = true;
                    keymap::to_msg(app.focus(), &k).into_iter().collect()
                }
                Some(Ok(crossterm::event::Event::Resize(_, _))) => { key = true; vec![Msg::Resize] }
                Some(Ok(_)) => Vec::new(),
                // The terminal is gone: same path as a hang-up.
                Some(Err(_)) | None => vec![Msg::Quit(QuitCause::Hangup)],
            },
            n = updates.recv_many(&mut batch, 64) => {
                if n == 0 {
                    break;
                }
                batch.drain(..).map(Msg::Engine).collect()
            }
            _ = tick.tick() => vec![Msg::Tick],
            _ = term.recv() => { exit_code = 143; vec![Msg::Quit(QuitCause::Terminate)] }
            _ = hup.recv() => { exit_code = 129; vec![Msg::Quit(QuitCause::Hangup)] }
            _ = int.recv() => { exit_code = 130; vec![Msg::Quit(QuitCause::Interrupt)] }
            _ = tokio::time::sleep_until(deadline), if stop_by.is_some() => break,
            // A frame held back for pace is due.
            _ = tokio::time::sleep_until(draw_at.unwrap_or(deadline)), if draw_at.is_some() => Vec::new(),
        };
        let now = now();
        let mut queue = std::collections::VecDeque::from(msgs);
        while let Some(msg) = queue.pop_front() {
            for effect in app.update(msg, now) {
                let mut back = Vec::new();
                if perform(effect, &engine, &extras, &mut back).await && stop_by.is_none() {
                    stop_by = Some(tokio::time::Instant::now() + crate::engine::STOP_WAIT);
                    app.dirty = true;
                }
                queue.extend(back);
            }
        }
        if app.stopped {
            break;
        }
        if app.dirty {
            draw_at = pace.hold(now.instant, key);
            if draw_at.is_none() {
                guard
                    .terminal
                    .draw(|frame| view::render(&app, now, frame))?;
                app.dirty = false;
            }
        }
    }
    drop(guard);
    Ok(exit_code)
}

/// Carry out one effect; true when it starts the shutdown. What the App
/// must hear back goes in `back`.
async fn perform(
    effect: Effect,
    engine: &EngineHandle,
    extras: &Extras,
    back: &mut Vec<Msg>,
) -> bool {
    let send = |cmd| async move {
        if engine.send(cmd).await.is_err() {
            tracing::error!("the engine has stopped");
        }
    };
    match effect {
        Effect::Engine(cmd) => send(cmd).await,
        Effect::CopyToClipboard(text) => {
            if let Err(e) = copy_to_clipboard(&text) {
                tracing::warn!("clipboard copy failed: {e}");
            }
        }
        Effect::AddCompany { slug, name } => send(Command::AddCompany { slug, name }).await,
        Effect::RemoveCompany { company } => send(Command::RemoveCompany { company }).await,
        Effect::PlayPhone { play, .. } => super::sandbox_play::play_phone(extras, play),
        Effect::InjectFault { phone, fault, .. } => {
            super::sandbox_play::inject(extras, phone, fault)
        }
        Effect::Invite { company } => {
            let made = invite(company, engine, extras).await;
            back.push(Msg::Invitation { company, made });
        }
        Effect::LoadMessages { company, testing } => {
            let loaded = super::messages_io::load(company, extras).await;
            back.push(Msg::Messages {
                company,
                loaded,
                testing,
            });
        }
        Effect::LoadSettings { company } => {
            let loaded = super::messages_io::settings(company, extras).await;
            back.push(Msg::Settings { company, loaded });
        }
        Effect::SendTest { company, to } => {
            let sent = super::messages_io::send_test(company, to, engine, extras).await;
            back.push(Msg::TestSent { company, sent });
        }
        Effect::Exit => {
            send(Command::Shutdown).await;
            return true;
        }
    }
    false
}

/// Draw a token, record its hash through the engine, and give the URL.
async fn invite(company: i64, engine: &EngineHandle, extras: &Extras) -> Result<String, String> {
    use crate::invite;
    // A registry read: on the blocking pool, never in the draw loop.
    let registry = extras.registry.clone();
    let base = tokio::task::spawn_blocking(move || {
        let store = crate::store::open(registry.as_ref()?).ok()?;
        store.setting(invite::PUBLIC_URL).ok().flatten()
    })
    .await
    .ok()
    .flatten()
    .ok_or_else(|| {
        "No public URL for invitations yet: run walink serve --http ADDR [--public-url URL]."
            .to_owned()
    })?;
    let expires_at = now_unix() + invite::DEFAULT_TTL;
    let by = format!("dashboard (pid {})", std::process::id());
    let (token, cmd) = invite::make(
        company,
        None,
        crate::domain::InviteMethod::Any,
        expires_at,
        &by,
    )?;
    engine
        .send(cmd)
        .await
        .map_err(|_| "The session engine has stopped.".to_owned())?;
    Ok(invite::url(&base, &token))
}
