//! What `walink hosts` shows: the hosts, their load, and every lease.

use crate::{Database, Error};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HostRow {
    pub id: String,
    pub capacity: i32,
    /// Renewed within a lease's time to live.
    pub live: bool,
    /// Leases it holds now.
    pub leases: i64,
    pub seen_secs_ago: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LeaseRow {
    pub company: String,
    /// Holding it now (unexpired).
    pub host: Option<String>,
    pub epoch: i64,
    pub expires_in_secs: Option<f64>,
    /// A move asked for it to go to this host.
    pub moving_to: Option<String>,
}

impl Database {
    /// Every host, live ones first, with the leases each holds; `live_secs`
    /// is the lease time to live (a host not seen for longer is gone).
    pub async fn hosts(&self, live_secs: f64) -> Result<Vec<HostRow>, Error> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT h.id, h.capacity,
                        h.seen > now() - make_interval(secs => $1) AS live,
                        count(l.company) AS leases,
                        extract(epoch FROM now() - h.seen)::float8 AS ago
                 FROM hosts h
                 LEFT JOIN leases l ON l.host = h.id AND l.expires > now()
                 GROUP BY h.id
                 ORDER BY live DESC, h.id",
                &[&live_secs],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| HostRow {
                id: r.get("id"),
                capacity: r.get("capacity"),
                live: r.get("live"),
                leases: r.get("leases"),
                seen_secs_ago: r.get("ago"),
            })
            .collect())
    }

    /// Every company's lease, by company.
    pub async fn leases(&self) -> Result<Vec<LeaseRow>, Error> {
        self.lease_rows("ORDER BY company", &[]).await
    }

    /// One company's lease, if the company is shared here.
    pub async fn lease(&self, company: &str) -> Result<Option<LeaseRow>, Error> {
        let rows = self.lease_rows("WHERE company = $1", &[&company]).await?;
        Ok(rows.into_iter().next())
    }

    async fn lease_rows(
        &self,
        tail: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<LeaseRow>, Error> {
        let sql = format!(
            "SELECT company, epoch, wanted,
                    CASE WHEN expires > now() THEN host END AS host,
                    CASE WHEN expires > now()
                         THEN extract(epoch FROM expires - now())::float8 END AS remaining
             FROM leases {tail}"
        );
        let rows = self.client().await?.query(&sql, params).await?;
        Ok(rows
            .iter()
            .map(|r| LeaseRow {
                company: r.get("company"),
                host: r.get("host"),
                epoch: r.get("epoch"),
                expires_in_secs: r.get("remaining"),
                moving_to: r.get("wanted"),
            })
            .collect())
    }
}
