//! Writes of a session's state that the database refuses once this host no
//! longer holds the company's lease: a host that lost it (a pause, a cut
//! network) cannot overwrite what the new holder writes.

use tokio_postgres::types::ToSql;

use crate::{Error, Lease, Leases};

impl Leases {
    /// Run `sql` with `params` in one transaction that commits only while
    /// this host holds `lease` in its epoch; the rows it changed.
    pub async fn fenced(
        &self,
        lease: &Lease,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Error> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        let fence = tx
            .execute(
                "SELECT walink_fence($1, $2, $3)",
                &[&lease.company, &self.host, &lease.epoch],
            )
            .await;
        if let Err(e) = fence {
            return Err(if Error::is_fence(&e) {
                Error::Fenced {
                    company: lease.company.clone(),
                    epoch: lease.epoch,
                }
            } else {
                e.into()
            });
        }
        let changed = tx.execute(sql, params).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
