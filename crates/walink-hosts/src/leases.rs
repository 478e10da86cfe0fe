//! One host's side of the leases: join, renew what it holds, take free or
//! expired ones up to its share, let go, hand over. Every expiry is set and
//! compared on the database's clock, so hosts' clocks never meet.

use std::time::Duration;

use tokio_postgres::Row;

use crate::{Database, Error};

/// A lease this host holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub company: String,
    /// The take it belongs to: a fenced write names it.
    pub epoch: i64,
    /// A graceful move asked for it to go to this host.
    pub wanted: Option<String>,
}

impl Lease {
    pub(crate) fn from_row(row: &Row) -> Self {
        Self {
            company: row.get("company"),
            epoch: row.get("epoch"),
            wanted: row.get("wanted"),
        }
    }

    /// Asked to go to another host.
    pub fn handing_to(&self, host: &str) -> Option<&str> {
        self.wanted.as_deref().filter(|w| *w != host)
    }
}

/// This host's leases on `db`.
#[derive(Debug, Clone)]
pub struct Leases {
    pub(crate) db: Database,
    pub(crate) host: String,
    /// How long a renewal holds a lease.
    pub ttl: Duration,
}

impl Leases {
    pub fn new(db: Database, host: impl Into<String>, ttl: Duration) -> Self {
        Self {
            db,
            host: host.into(),
            ttl,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn ttl_secs(&self) -> f64 {
        self.ttl.as_secs_f64()
    }

    /// Say this host is here and how many sessions it takes at most.
    pub async fn join(&self, capacity: u32) -> Result<(), Error> {
        let capacity = i32::try_from(capacity).unwrap_or(i32::MAX);
        self.db
            .client()
            .await?
            .execute(
                "INSERT INTO hosts (id, capacity, seen) VALUES ($1, $2, now())
                 ON CONFLICT (id) DO UPDATE SET capacity = EXCLUDED.capacity, seen = now()",
                &[&self.host, &capacity],
            )
            .await?;
        Ok(())
    }

    /// Extend every lease this host still holds; what it returns is all it
    /// holds now (a lease missing from it was lost).
    pub async fn renew(&self) -> Result<Vec<Lease>, Error> {
        let client = self.db.client().await?;
        client
            .execute("UPDATE hosts SET seen = now() WHERE id = $1", &[&self.host])
            .await?;
        let rows = client
            .query(
                "UPDATE leases SET expires = now() + make_interval(secs => $2)
                 WHERE host = $1 AND expires > now()
                 RETURNING company, epoch, wanted",
                &[&self.host, &self.ttl_secs()],
            )
            .await?;
        Ok(rows.iter().map(Lease::from_row).collect())
    }

    /// Take free or expired leases: first those handed to this host, then,
    /// while it holds `held` of at most `capacity`, up to its fair share of
    /// all companies among the live hosts, so new companies go to the least
    /// loaded host.
    pub async fn acquire(&self, capacity: u32, held: usize) -> Result<Vec<Lease>, Error> {
        let room = (capacity as usize).saturating_sub(held);
        if room == 0 {
            return Ok(Vec::new());
        }
        let mut taken = self.take(room, true).await?;
        let held = held + taken.len();
        let share = self.fair_share().await?.min(capacity as usize);
        let more = share.saturating_sub(held);
        if more > 0 {
            taken.extend(self.take(more, false).await?);
        }
        Ok(taken)
    }

    /// This host's share: the level that spreads every company over the
    /// live hosts when none takes more than its capacity.
    pub(crate) async fn fair_share(&self) -> Result<usize, Error> {
        let client = self.db.client().await?;
        let total: i64 = client
            .query_one("SELECT count(*) FROM leases", &[])
            .await?
            .get(0);
        let capacities: Vec<i32> = client
            .query(
                "SELECT capacity FROM hosts WHERE seen > now() - make_interval(secs => $1)",
                &[&self.ttl_secs()],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(level(total as usize, capacities))
    }

    /// Take up to `n` free leases (only those handed to this host when
    /// `handed`). A lease handed to a host that is gone is anyone's.
    async fn take(&self, n: usize, handed: bool) -> Result<Vec<Lease>, Error> {
        let rows = self
            .db
            .client()
            .await?
            .query(
                "UPDATE leases SET host = $1, epoch = epoch + 1, wanted = NULL,
                        expires = now() + make_interval(secs => $2)
                 WHERE company IN (
                     SELECT company FROM leases
                     WHERE (host IS NULL OR expires IS NULL OR expires <= now())
                       AND CASE WHEN $4 THEN wanted = $1
                           ELSE wanted IS NULL OR wanted = $1 OR wanted NOT IN (
                               SELECT id FROM hosts
                               WHERE seen > now() - make_interval(secs => $2))
                           END
                     ORDER BY company
                     LIMIT $3
                     FOR UPDATE SKIP LOCKED)
                 RETURNING company, epoch, wanted",
                &[&self.host, &self.ttl_secs(), &(n as i64), &handed],
            )
            .await?;
        Ok(rows.iter().map(Lease::from_row).collect())
    }

    /// Give a lease up (its session is stopped): any host may take it now.
    pub async fn release(&self, company: &str) -> Result<(), Error> {
        self.db
            .client()
            .await?
            .execute(
                "UPDATE leases SET host = NULL, expires = NULL WHERE company = $1 AND host = $2",
                &[&company, &self.host],
            )
            .await?;
        Ok(())
    }

    /// Give every lease up and leave the hosts (this host is shutting
    /// down in order): the others take its companies at once, and no
    /// longer count it in their fair share.
    pub async fn leave(&self) -> Result<(), Error> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE leases SET host = NULL, expires = NULL WHERE host = $1",
            &[&self.host],
        )
        .await?;
        tx.execute("DELETE FROM hosts WHERE id = $1", &[&self.host])
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Database {
    /// Ask for `company` to move to host `to`: its holder lets it go at its
    /// next renewal and `to` takes it.
    pub async fn hand_over(&self, company: &str, to: &str) -> Result<(), Error> {
        let client = self.client().await?;
        let known = client
            .query_opt("SELECT 1 FROM hosts WHERE id = $1", &[&to])
            .await?;
        if known.is_none() {
            return Err(Error::NoHost(to.to_owned()));
        }
        let changed = client
            .execute(
                "UPDATE leases SET wanted = $2 WHERE company = $1",
                &[&company, &to],
            )
            .await?;
        if changed == 0 {
            return Err(Error::NoCompany(company.to_owned()));
        }
        Ok(())
    }
}

/// The smallest load `l` at which hosts of these capacities, each taking
/// `min(capacity, l)`, hold all `total` companies; `total` when they cannot
/// (each then takes its capacity).
fn level(total: usize, mut capacities: Vec<i32>) -> usize {
    capacities.sort_unstable();
    let mut left = total;
    let mut hosts = capacities.len();
    for cap in capacities {
        let cap = cap.max(0) as usize;
        if cap * hosts >= left {
            return left.div_ceil(hosts);
        }
        left -= cap;
        hosts -= 1;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::level;

    #[test]
    fn the_level_fills_small_hosts_and_shares_the_rest() {
        for (total, caps, want) in [
            (6, vec![100, 100], 3),
            (7, vec![100, 100], 4),
            (6, vec![2, 100], 4),
            (7, vec![2, 100, 100], 3),
            (0, vec![10, 10], 0),
            (5, vec![100], 5),
            (1, vec![], 1),
            (10, vec![2, 3], 10),
        ] {
            assert_eq!(level(total, caps.clone()), want, "{total} over {caps:?}");
        }
    }
}
