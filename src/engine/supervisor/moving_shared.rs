//! A company file taken in by a host sharing a PostgreSQL database: its
//! keys go from the file's SQLite store into the database, with the
//! company's lease for this host, in one transaction; then the registry
//! has it. This host's next renewal finds the lease held and starts the
//! session on those keys, so it connects without a new link.

use std::path::Path;

use super::Supervisor;
use crate::company_file::Card;
use crate::domain::{DisplayName, Slug};
use crate::engine::hosted::Hosted;

impl Supervisor {
    pub(super) async fn take_in_shared(
        &mut self,
        hosted: &Hosted,
        keys: &Path,
        card: &Card,
        slug: Slug,
        name: DisplayName,
    ) -> Result<i64, String> {
        let bundle = crate::keystore::bundle::read(keys, None)
            .await
            .map_err(|e| format!("cannot read its keys: {e}"))?;
        let leases = &hosted.config.leases;
        leases
            .import_keys(slug.as_str(), &bundle)
            .await
            .map_err(|e| format!("cannot take in its keys: {e}"))?;
        tracing::info!(
            slug = %slug,
            rows = bundle.rows(),
            "keys taken into the database"
        );
        match self.register(slug.clone(), name, card.jid.clone()).await {
            Ok((company, _)) => Ok(company),
            Err(why) => {
                if let Err(e) = leases.withdraw_import(slug.as_str()).await {
                    tracing::error!(slug = %slug, "cannot take the refused import's keys back out: {e}");
                }
                Err(why)
            }
        }
    }
}
