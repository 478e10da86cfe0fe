//! A host that joins takes its share from the others. Once, as it joins:
//! while it holds fewer leases than its fair share and no free lease is
//! left, it asks hosts above their share to hand it some (the graceful
//! move of `company move`: each one short disconnect, no relink), a few a
//! round. Then it stops asking, so a company an admin moved stays moved.

use crate::{Error, Leases};

/// Leases one round asks for at most: each one is a session stopped on
/// one host and started on another, and WhatsApp sees them reconnect.
pub const STEP: usize = 20;

impl Leases {
    /// With `held` leases of at most `capacity`, ask the hosts above their
    /// share for the rest of this host's (`STEP` at most). True while it
    /// is still settling in: it asked now, or waits for what it asked.
    pub async fn settle(&self, capacity: u32, held: usize) -> Result<bool, Error> {
        let share = self.fair_share().await?.min(capacity as usize);
        let client = self.db.client().await?;
        let pending: i64 = client
            .query_one(
                "SELECT count(*) FROM leases WHERE wanted = $1 AND host IS DISTINCT FROM $1",
                &[&self.host],
            )
            .await?
            .get(0);
        let pending = pending as usize;
        let want = share.saturating_sub(held + pending).min(STEP);
        if want == 0 {
            return Ok(pending > 0);
        }
        // Each live host's leases that are not on their way elsewhere.
        let loads = client
            .query(
                "SELECT host, count(*) FROM leases
                 WHERE host IS NOT NULL AND host <> $1 AND expires > now() AND wanted IS NULL
                 GROUP BY host ORDER BY count(*) DESC, host",
                &[&self.host],
            )
            .await?;
        let mut asked = 0;
        for row in loads {
            let (host, load): (String, i64) = (row.get(0), row.get(1));
            let spare = (load as usize).saturating_sub(share).min(want - asked);
            if spare == 0 {
                continue;
            }
            asked += client
                .execute(
                    "UPDATE leases SET wanted = $1 WHERE company IN (
                         SELECT company FROM leases
                         WHERE host = $2 AND wanted IS NULL AND expires > now()
                         ORDER BY company LIMIT $3 FOR UPDATE SKIP LOCKED)",
                    &[&self.host, &host, &(spare as i64)],
                )
                .await? as usize;
            if asked >= want {
                break;
            }
        }
        if asked > 0 {
            tracing::info!(
                host = self.host,
                asked,
                share,
                held,
                "asked the hosts above their share to hand some companies over"
            );
        }
        Ok(asked > 0 || pending > 0)
    }
}
