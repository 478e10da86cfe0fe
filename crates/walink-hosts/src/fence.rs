//! Writes of a session's state that the database refuses once this host no
//! longer holds the company's lease: a host that lost it (a pause, a cut
//! network) cannot overwrite what the new holder writes.

use futures_util::future::try_join_all;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::{Error, Lease, Leases};

/// One statement of a fenced write and its parameters.
pub type Step<'a> = (&'a str, Vec<&'a (dyn ToSql + Sync)>);

impl Leases {
    /// Run `sql` with `params` in one transaction that commits only while
    /// this host holds `lease` in its epoch; the rows it changed.
    pub async fn fenced(
        &self,
        lease: &Lease,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Error> {
        self.fenced_steps(lease, &[(sql, params.to_vec())]).await
    }

    /// Every step, in order, in one fenced transaction (sent together, so
    /// a batch costs one round trip); the rows they changed.
    pub async fn fenced_steps(&self, lease: &Lease, steps: &[Step<'_>]) -> Result<u64, Error> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        self.pass_fence(&tx, lease).await?;
        let mut statements = Vec::with_capacity(steps.len());
        for (sql, _) in steps {
            statements.push(tx.prepare_cached(sql).await?);
        }
        let changed = try_join_all(
            steps
                .iter()
                .zip(&statements)
                .map(|((_, params), statement)| tx.execute(statement, params)),
        )
        .await?;
        tx.commit().await?;
        Ok(changed.iter().sum())
    }

    /// `sql` (one that returns rows, such as `DELETE … RETURNING`) in one
    /// fenced transaction; its rows.
    pub async fn fenced_query(
        &self,
        lease: &Lease,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        self.pass_fence(&tx, lease).await?;
        let statement = tx.prepare_cached(sql).await?;
        let rows = tx.query(&statement, params).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn pass_fence(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        lease: &Lease,
    ) -> Result<(), Error> {
        let fence = tx.prepare_cached("SELECT walink_fence($1, $2, $3)").await?;
        tx.execute(&fence, &[&lease.company, &self.host, &lease.epoch])
            .await
            .map_err(|e| {
                if Error::is_fence(&e) {
                    Error::Fenced {
                        company: lease.company.clone(),
                        epoch: lease.epoch,
                    }
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }
}
