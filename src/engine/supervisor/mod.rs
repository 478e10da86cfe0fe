//! The one task that owns every session task: routes commands, applies the
//! guard, restores linked sessions at start, and reports tasks that end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::{Id, JoinSet};
use tokio_util::sync::CancellationToken;

use super::command::Command;
use super::ctx::Ctx;
use super::session;
use super::snapshot;
use super::task::{Mode, SessionCmd, Shared};
use super::update::Update;
use crate::domain::{FailureReason, SessionState};
use crate::store::Db;
use crate::store::now_unix;

mod companies;
mod forward;
mod hosting;
mod invitations;
mod keys;
mod known;
mod link;
mod logout;
mod moving;
mod moving_shared;
mod others;
mod settings;

/// How long shutdown waits for sessions (stopping in parallel, each within
/// its own deadline) before aborting them.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(session::STOP_DEADLINE.as_secs() + 2);

struct Running {
    tx: mpsc::Sender<SessionCmd>,
    cancel: CancellationToken,
    linking: Option<Linking>,
    task: Id,
}

/// A link attempt's claim on its company: whose, and since when (for the
/// sentence a second asker gets). It lives exactly as long as the attempt:
/// `live` dies with the session's `LinkInfo`, however the attempt ends.
#[derive(Debug, Clone)]
pub(super) struct Linking {
    pub by: String,
    pub since: crate::domain::UnixTime,
    pub live: std::sync::Weak<()>,
}

impl Running {
    /// The live attempt's claim, if an attempt is still running.
    fn claim(&self) -> Option<&Linking> {
        self.linking.as_ref().filter(|l| l.live.strong_count() > 0)
    }
}

pub struct Supervisor {
    pub db: Db,
    pub shared: Arc<Shared>,
    pub updates: mpsc::Sender<Update>,
    pub restore_gate: Arc<Semaphore>,
    sessions: HashMap<i64, Running>,
    /// Each ends true when a reconnect was asked as it ended.
    tasks: JoinSet<bool>,
    owners: HashMap<Id, i64>,
    root: CancellationToken,
    pub fd_limit: Option<crate::fdlimit::FdLimit>,
    pub progress_from: usize,
    /// The start-up restore's progress, while its sessions are spawned.
    startup: Option<Arc<super::restore::Progress>>,
    /// Several hosts: this host's leases and its look at the others.
    hosting: Option<hosting::Hosting>,
}

impl Supervisor {
    pub fn new(
        db: Db,
        shared: Arc<Shared>,
        updates: mpsc::Sender<Update>,
        restore_concurrency: usize,
    ) -> Self {
        Self {
            db,
            shared,
            updates,
            restore_gate: Arc::new(Semaphore::new(restore_concurrency.max(1))),
            sessions: HashMap::new(),
            tasks: JoinSet::new(),
            owners: HashMap::new(),
            root: CancellationToken::new(),
            fd_limit: None,
            progress_from: usize::MAX,
            startup: None,
            hosting: None,
        }
    }

    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>, restore: bool) {
        self.prepare_keys().await;
        let rows = self
            .db
            .run(move |s| snapshot::rows(s, now_unix(), restore))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the registry: {e}");
                Vec::new()
            });
        let held = self.held_devices().await;
        let linked: Vec<_> = rows
            .iter()
            .filter(|r| {
                r.state.is_linked()
                    && self.shared.may_run(&r.slug)
                    && (held.contains(&r.company)
                        || self.shared.data.session_file(&r.slug).exists())
            })
            .map(|r| (r.company, r.slug.clone()))
            .collect();
        if restore {
            let progress = super::restore::Progress::new(linked.len());
            if linked.len() >= self.progress_from {
                let every = Duration::from_secs(2);
                tokio::spawn(super::restore::announce(
                    progress.clone(),
                    self.updates.clone(),
                    every,
                ));
            }
            self.startup = Some(progress);
            for (company, slug) in &linked {
                self.spawn(*company, slug.clone(), Mode::Restore, None);
            }
            self.startup = None;
        }
        let rows = self.elsewhere_until_held(rows);
        self.start_keeper(&rows);
        let _ = self.updates.send(Update::Snapshot(rows)).await;
        let keep = self.shared.keep_messages;
        super::expiry::start(self.db.clone(), self.updates.downgrade(), keep);
        self.announce_invitations().await;
        let over_budget = self
            .fd_limit
            .and_then(|l| l.budget_sentence(linked.len() as u64));
        if let Some(sentence) = over_budget {
            tracing::warn!("{sentence}");
            let _ = self.updates.send(Update::Notice(sentence)).await;
        }
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None | Some(Command::Shutdown) => break,
                    Some(cmd) => self.on_command(cmd).await,
                },
                Some(ended) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.on_ended(ended).await;
                }
                tick = hosting::next(&mut self.hosting) => match tick {
                    hosting::Tick::Lease(change) => self.on_lease(change).await,
                    hosting::Tick::Look => self.look_at_others().await,
                    hosting::Tick::Heard(heard) => self.heard(heard).await,
                },
            }
        }
        self.shutdown().await;
    }

    async fn on_command(&mut self, cmd: Command) {
        if !self.forwarded(&cmd).await {
            self.execute(cmd).await;
        }
    }

    async fn execute(&mut self, cmd: Command) {
        match cmd {
            Command::Link {
                company,
                attempt,
                method,
                force,
                by,
                invitation,
            } => {
                let ask = link::Ask {
                    attempt,
                    method,
                    force,
                    by,
                    invitation,
                };
                self.link(company, ask).await
            }
            Command::CancelLink { company } => {
                if let Some(r) = self.sessions.get(&company).filter(|r| r.claim().is_some()) {
                    r.cancel.cancel();
                }
            }
            Command::ClientGone { by } => {
                for r in self.sessions.values() {
                    if r.claim().is_some_and(|c| c.by == by) {
                        r.cancel.cancel();
                    }
                }
            }
            Command::SendQueued { company } => self.send_queued(company).await,
            Command::Reconnect { company } => {
                if let Some(running) = self.sessions.get(&company) {
                    // Stuck in the client's backoff: try now. A session that
                    // has just ended no longer reads: wait for it, start anew.
                    let ended = running.claim().is_none()
                        && running.tx.send(SessionCmd::Reconnect).await.is_err();
                    if !ended {
                        return;
                    }
                    self.stop(company).await;
                }
                self.restore(company).await;
            }
            Command::Logout { company } => self.logout(company).await,
            Command::AddCompany { slug, name } => self.add_company(slug, name).await,
            Command::RemoveCompany { company } => self.remove_company(company).await,
            Command::ChangeCompany {
                company,
                change,
                reconnect,
            } => self.change_company(company, change, reconnect).await,
            Command::ExportCompany { company, to } => self.export_company(company, to).await,
            Command::ImportCompany { from } => self.import_company(from).await,
            Command::Invite(new) => self.invite(new).await,
            Command::Note {
                company,
                kind,
                detail,
            } => self.note(company, kind, detail).await,
            Command::RevokeInvitation { id } => self.end_invitation(id, false).await,
            Command::Shutdown => {}
        }
    }

    fn ctx(&self, company: i64, slug: String) -> Ctx {
        Ctx {
            company,
            slug,
            db: self.db.clone(),
            shared: self.shared.clone(),
            updates: self.updates.clone(),
        }
    }

    fn spawn(&mut self, company: i64, slug: String, mode: Mode, linking: Option<Linking>) {
        let (tx, rx) = mpsc::channel(8);
        let cancel = self.root.child_token();
        let ctx = self.ctx(company, slug);
        let gate = matches!(mode, Mode::Restore).then(|| self.restore_gate.clone());
        let progress = self.startup.clone();
        let token = cancel.clone();
        // Past the open-file budget a session would take the descriptors
        // the control socket, the API and the registry need: it ends named
        // before it opens anything.
        let budget = self.fd_limit.map(|l| l.sessions());
        let handle = if budget.is_some_and(|fit| self.sessions.len() as u64 >= fit) {
            let why = format!(
                "{} sessions run, as many as the open-file limit allows",
                self.sessions.len()
            );
            let ticket = matches!(mode, Mode::Restore)
                .then(|| super::restore::Ticket::without_slot(progress));
            self.tasks.spawn(async move {
                session::out_of_files(ctx, mode, why, ticket).await;
                false
            })
        } else {
            self.tasks.spawn(async move {
                let permit = match gate {
                    Some(g) => g
                        .acquire_owned()
                        .await
                        .ok()
                        .map(|p| super::restore::Ticket::new(p, progress)),
                    None => None,
                };
                session::run(ctx, mode, rx, token, permit).await
            })
        };
        self.owners.insert(handle.id(), company);
        self.sessions.insert(
            company,
            Running {
                tx,
                cancel,
                linking,
                task: handle.id(),
            },
        );
    }

    /// Cancel one session and wait until its client has let go of the store.
    async fn stop(&mut self, company: i64) {
        let Some(running) = self.sessions.get(&company) else {
            return;
        };
        running.cancel.cancel();
        let task = running.task;
        while let Some(ended) = self.tasks.join_next_with_id().await {
            let id = match &ended {
                Ok((id, _)) => *id,
                Err(e) => e.id(),
            };
            self.on_ended(ended).await;
            if id == task {
                break;
            }
        }
    }

    async fn on_ended(&mut self, ended: Result<(Id, bool), tokio::task::JoinError>) {
        let (id, again, panic) = match ended {
            Ok((id, again)) => (id, again, None),
            Err(e) => (e.id(), false, Some(e.to_string())),
        };
        let Some(company) = self.owners.remove(&id) else {
            return;
        };
        // Stopped on purpose (a relink, a removal, shutdown): whoever
        // stopped it decides what runs next.
        let mut stopped = true;
        if let Some(r) = self.sessions.get(&company).filter(|r| r.task == id) {
            stopped = r.cancel.is_cancelled();
            self.sessions.remove(&company);
        }
        if again && !stopped {
            self.restore(company).await;
            return;
        }
        if let Some(raw) = panic {
            let ctx = self.ctx(company, String::new());
            ctx.fail(
                None,
                FailureReason::Internal,
                &format!("session task ended: {raw}"),
            )
            .await;
            ctx.set_state(SessionState::Failed {
                reason: FailureReason::Internal,
            })
            .await;
        }
    }

    /// Start a session on the company's stored keys, if it has any (and,
    /// with several hosts, this one holds its lease).
    async fn restore(&mut self, company: i64) {
        if let Some(slug) = self.slug(company).await {
            self.restore_as(company, slug).await;
        }
    }

    /// `restore` of a company whose slug is known.
    async fn restore_as(&mut self, company: i64, slug: String) {
        if self.shared.may_run(&slug) && self.has_keys(company, &slug).await {
            self.spawn(company, slug, Mode::Restore, None);
        }
    }

    async fn slug(&self, company: i64) -> Option<String> {
        let found = self
            .db
            .run(move |s| s.company_by_id(company))
            .await
            .ok()
            .flatten();
        found.map(|c| c.slug.to_string())
    }

    async fn shutdown(mut self) {
        self.root.cancel();
        let deadline = tokio::time::Instant::now() + SHUTDOWN_DEADLINE;
        while !self.tasks.is_empty() {
            match tokio::time::timeout_at(deadline, self.tasks.join_next_with_id()).await {
                Ok(Some(ended)) => self.on_ended(ended).await,
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        left = self.tasks.len(),
                        "sessions did not stop in time; aborting them"
                    );
                    self.tasks.shutdown().await;
                    break;
                }
            }
        }
        self.release_leases().await;
        let _ = self.updates.send(Update::Stopped).await;
    }
}
