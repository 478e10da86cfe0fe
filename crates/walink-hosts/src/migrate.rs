//! The schema, one numbered SQL file at a time from `migrations/`, each
//! applied once. Hosts that start together take turns on an advisory lock.

use tokio_postgres::Client;

use crate::Error;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_leases.sql"),
    include_str!("../migrations/0002_keys.sql"),
    include_str!("../migrations/0003_registry.sql"),
];

/// An arbitrary key of walink's own for `pg_advisory_xact_lock`.
const LOCK: i64 = 0x7761_6c69_6e6b;

/// Bring the schema of the database `client` is connected to up to date.
pub async fn run(client: &mut Client) -> Result<(), Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS walink_schema (version INTEGER PRIMARY KEY)")
        .await?;
    let done: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM walink_schema", &[])
        .await?
        .get(0);
    if done as usize > MIGRATIONS.len() {
        return Err(Error::Newer {
            found: done,
            known: MIGRATIONS.len(),
        });
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip(done as usize) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO walink_schema (version) VALUES ($1)",
            &[&version],
        )
        .await?;
        tracing::info!(version, "database schema migrated");
    }
    tx.commit().await?;
    Ok(())
}
