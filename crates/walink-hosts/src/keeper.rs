//! The loop that keeps one host's leases: renew every `ttl / 3`, take free
//! ones, and tell the host which sessions to start and stop. The choice
//! when the database cannot be reached is safety: each renewal's deadline
//! counts from before its query was sent, one third of the lease short of
//! its end, and when it passes without a renewal every session is stopped,
//! while the database will not let another host take those leases until
//! they expire on its own clock, later. Never two hosts on one device.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::{Error, Lease, Leases};

/// What the host is told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// This host holds the lease now: run the company's session, writing
    /// under `lease.epoch`.
    Start(Lease),
    /// Stop the company's session now.
    Stop { company: String, why: Why },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Another host holds the lease now (this one missed renewals).
    Lost,
    /// `walink company move` hands it to host `to`: once the session has
    /// stopped, release the lease (`Leases::release`) for `to` to take.
    Moved { to: String },
    /// The database could not be reached in time to renew.
    Unreachable { cause: String },
}

/// The leases held and until when, on this host's clock.
#[derive(Debug)]
pub struct Held {
    leases: BTreeMap<String, Lease>,
    deadline: Option<Instant>,
    /// Still taking its share from the others (`balance`).
    joining: bool,
}

impl Default for Held {
    fn default() -> Self {
        Self {
            leases: BTreeMap::new(),
            deadline: None,
            joining: true,
        }
    }
}

impl Held {
    pub fn len(&self) -> usize {
        self.leases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.leases.is_empty()
    }

    pub fn get(&self, company: &str) -> Option<&Lease> {
        self.leases.get(company)
    }

    /// When every session must have stopped unless renewed (none while
    /// nothing is held).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline.filter(|_| !self.leases.is_empty())
    }

    /// A renewal sent at `sent` came back with `now_held`: every lease
    /// missing from it is lost, every one asked to go elsewhere stops.
    pub fn renewed(
        &mut self,
        host: &str,
        sent: Instant,
        ttl: Duration,
        now_held: Vec<Lease>,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut kept = BTreeMap::new();
        for lease in now_held {
            match lease.handing_to(host) {
                Some(to) => changes.push(Change::Stop {
                    company: lease.company.clone(),
                    why: Why::Moved { to: to.to_owned() },
                }),
                None => {
                    // Taken by a round whose answer was lost.
                    if !self.leases.contains_key(&lease.company) {
                        changes.push(Change::Start(lease.clone()));
                    }
                    kept.insert(lease.company.clone(), lease);
                }
            }
        }
        for company in self.leases.keys() {
            if !kept.contains_key(company) && !changes.iter().any(|c| stops(c, company)) {
                changes.push(Change::Stop {
                    company: company.clone(),
                    why: Why::Lost,
                });
            }
        }
        self.leases = kept;
        self.deadline = Some(sent + ttl - ttl / 3);
        changes
    }

    /// Leases taken by a query sent at `sent`.
    pub fn taken(&mut self, sent: Instant, ttl: Duration, leases: Vec<Lease>) -> Vec<Change> {
        if self.leases.is_empty() {
            self.deadline = Some(sent + ttl - ttl / 3);
        }
        leases
            .into_iter()
            .map(|lease| {
                self.leases.insert(lease.company.clone(), lease.clone());
                Change::Start(lease)
            })
            .collect()
    }

    /// At `now`, with the last renewal failing for `cause`: past the
    /// deadline every session stops.
    pub fn expiring(&mut self, now: Instant, cause: &str) -> Vec<Change> {
        match self.deadline {
            Some(deadline) if now >= deadline && !self.leases.is_empty() => {
                self.deadline = None;
                std::mem::take(&mut self.leases)
                    .into_keys()
                    .map(|company| Change::Stop {
                        company,
                        why: Why::Unreachable {
                            cause: cause.to_owned(),
                        },
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

fn stops(change: &Change, company: &str) -> bool {
    matches!(change, Change::Stop { company: c, .. } if c == company)
}

/// The running loop of one host's leases.
pub struct Keeper {
    /// In order; a `Stop` for a moved lease repeats until it is released.
    pub changes: mpsc::Receiver<Change>,
    task: tokio::task::JoinHandle<()>,
}

impl Keeper {
    /// Keep `leases` for a host of `capacity` sessions. Dropping `changes`
    /// (once every session has stopped) releases every lease and leaves
    /// the hosts.
    pub fn spawn(leases: Leases, capacity: u32) -> Self {
        let (tx, changes) = mpsc::channel(64);
        let task = tokio::spawn(run(leases, capacity, tx));
        Self { changes, task }
    }

    /// Stop at once, releasing nothing, as a host that died would.
    pub fn abort(&self) {
        self.task.abort();
    }
}

async fn run(leases: Leases, capacity: u32, tx: mpsc::Sender<Change>) {
    let every = leases.ttl / 3;
    let mut held = Held::default();
    let mut cause = String::from("no renewal yet");
    let mut next_round = Instant::now();
    'keep: loop {
        let mut changes = Vec::new();
        if Instant::now() >= next_round {
            let sent = Instant::now();
            next_round = sent + every;
            let result = match tokio::time::timeout(
                every,
                round(&leases, capacity, &mut held, sent),
            )
            .await
            {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err(format!("no answer within {} s", every.as_secs_f32())),
            };
            match result {
                Ok(renewed) => changes = renewed,
                Err(e) => {
                    tracing::warn!(host = leases.host(), "cannot renew leases: {e}");
                    cause = e;
                }
            }
        }
        changes.extend(held.expiring(Instant::now(), &cause));
        for change in changes {
            if tx.send(change).await.is_err() {
                break 'keep;
            }
        }
        // The next round, or the deadline if it comes first.
        let wake = held.deadline().map_or(next_round, |d| d.min(next_round));
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            _ = tx.closed() => break 'keep,
        }
    }
    let _ = leases.leave().await;
}

/// One round: join, renew, take more.
async fn round(
    leases: &Leases,
    capacity: u32,
    held: &mut Held,
    sent: Instant,
) -> Result<Vec<Change>, Error> {
    leases.join(capacity).await?;
    let now_held = leases.renew().await?;
    let mut changes = held.renewed(leases.host(), sent, leases.ttl, now_held);
    let taken = leases.acquire(capacity, held.len()).await?;
    changes.extend(held.taken(sent, leases.ttl, taken));
    if held.joining {
        held.joining = leases.settle(capacity, held.len()).await?;
    }
    Ok(changes)
}
