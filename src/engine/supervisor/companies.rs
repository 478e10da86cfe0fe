//! Adding and removing companies: the supervisor owns the registry and the
//! sessions, so it is the one place that can do both in order.

use super::Supervisor;
use crate::domain::{DisplayName, Slug};
use crate::engine::snapshot;
use crate::engine::update::Update;
use crate::store::now_unix;

impl Supervisor {
    pub(super) async fn add_company(&mut self, slug: Slug, name: DisplayName) {
        let text = slug.to_string();
        let added = self
            .db
            .run(move |s| {
                let c = s.add_company(&slug, &name)?;
                s.log_event(Some(c.id), "company_added", name.as_str())?;
                snapshot::rows(s, now_unix(), false)
                    .map(|rows| rows.into_iter().find(|r| r.company == c.id))
            })
            .await;
        let update = match added {
            Ok(Some(row)) => {
                self.known_here(row.company, Some(&row));
                Update::CompanyAdded(Box::new(row))
            }
            Ok(None) => return,
            Err(e) => Update::CompanyNotAdded {
                slug: text,
                sentence: e.to_string(),
            },
        };
        let _ = self.updates.send(update).await;
    }

    pub(super) async fn remove_company(&mut self, company: i64) {
        self.stop(company).await;
        let Some(slug) = self.slug(company).await else {
            return;
        };
        let s2 = slug.clone();
        if let Err(e) = self
            .db
            .run(move |s| s.remove_company(&s2).map(|_| ()))
            .await
        {
            tracing::error!(company, "cannot remove the company: {e}");
            return;
        }
        let (keys, file) = (
            self.shared.keys.clone(),
            self.shared.data.session_file(&slug),
        );
        let forgot = tokio::task::spawn_blocking(move || {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            keys.forget(company)
        })
        .await;
        if let Ok(Err(e)) = forgot {
            tracing::error!(company, "cannot delete the company's keys: {e}");
        }
        self.known_here(company, None);
        let _ = self.updates.send(Update::CompanyRemoved { company }).await;
    }
}
