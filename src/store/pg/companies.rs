//! Companies in PostgreSQL: add, list, find, remove, and their own settings.

use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::PgRegistry;
use crate::domain::{
    Company, CompanySettings, DisplayName, ProxyChoice, ProxyUrl, SettingsChange, SettingsView,
    Slug,
};
use crate::store::companies::{RawCompany, SERVE_PROXY, company_from};
use crate::store::{StoreError, now_unix};

/// The company columns from column `at` (`id, slug, name, created_at`).
pub(in crate::store) fn raw_company_at(r: &Row, at: usize) -> Result<RawCompany, StoreError> {
    Ok((
        r.try_get(at)?,
        r.try_get(at + 1)?,
        r.try_get(at + 2)?,
        r.try_get(at + 3)?,
    ))
}

/// A limit as the domain keeps it; one out of range was written by hand.
fn limit(id: i64, what: &str, value: Option<i64>) -> Result<Option<u32>, StoreError> {
    value
        .map(|v| {
            u32::try_from(v)
                .map_err(|_| StoreError::Corrupt(format!("company {id}: {what} {v} out of range")))
        })
        .transpose()
}

impl PgRegistry {
    /// Add a company with an empty (not linked) session row.
    pub(in crate::store) fn add_company(
        &mut self,
        slug: &Slug,
        name: &DisplayName,
    ) -> Result<Company, StoreError> {
        self.insert_company(None, slug, name)
    }

    /// Add a company under the id its keys already carry.
    pub(in crate::store) fn add_company_as(
        &mut self,
        id: i64,
        slug: &Slug,
        name: &DisplayName,
    ) -> Result<Company, StoreError> {
        self.insert_company(Some(id), slug, name)
    }

    /// The company, its session row and its lease row (so that the hosts
    /// share it), in one transaction.
    fn insert_company(
        &self,
        given: Option<i64>,
        slug: &Slug,
        name: &DisplayName,
    ) -> Result<Company, StoreError> {
        let now = now_unix();
        let id = self.in_tx(|s| {
            let inserted = s.row(
                "INSERT INTO companies (id, slug, name, created_at) VALUES (
                    COALESCE($4, nextval(pg_get_serial_sequence('companies', 'id'))),
                    $1, $2, $3)
                 RETURNING id",
                &[&slug.as_str(), &name.as_str(), &now, &given],
            );
            let row = match inserted {
                Err(StoreError::Postgres(e)) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    return Err(StoreError::DuplicateSlug(slug.to_string()));
                }
                other => other?,
            };
            let id: i64 = row
                .ok_or_else(|| StoreError::Corrupt(format!("company {slug} was given no id")))?
                .try_get(0)?;
            if given.is_some() {
                // Past every id given, and never back: a removed company's
                // id is not given again (its events were keyed by it).
                s.exec(
                    "SELECT setval(pg_get_serial_sequence('companies', 'id'), GREATEST(
                        (SELECT max(id) FROM companies),
                        pg_sequence_last_value(pg_get_serial_sequence('companies', 'id')::regclass)))",
                    &[],
                )?;
            }
            s.exec(
                "INSERT INTO sessions (company_id, since, session_file) VALUES ($1, $2, $3)",
                &[&id, &now, &format!("sessions/{slug}.db")],
            )?;
            s.exec(
                "INSERT INTO leases (company) VALUES ($1) ON CONFLICT (company) DO NOTHING",
                &[&slug.as_str()],
            )?;
            Ok(id)
        })?;
        Ok(Company {
            id,
            slug: slug.clone(),
            name: name.clone(),
            created_at: now,
        })
    }

    pub(in crate::store) fn companies(&self) -> Result<Vec<Company>, StoreError> {
        // Byte order, as SQLite sorts: the database's collation may not be.
        self.rows(
            "SELECT id, slug, name, created_at FROM companies ORDER BY slug COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(|r| company_from(raw_company_at(r, 0)?))
        .collect()
    }

    pub(in crate::store) fn company(&self, slug: &str) -> Result<Company, StoreError> {
        match self.row(
            "SELECT id, slug, name, created_at FROM companies WHERE slug = $1",
            &[&slug],
        )? {
            Some(r) => company_from(raw_company_at(&r, 0)?),
            None => Err(StoreError::NoSuchCompany(slug.to_owned())),
        }
    }

    pub(in crate::store) fn company_by_id(&self, id: i64) -> Result<Option<Company>, StoreError> {
        self.row(
            "SELECT id, slug, name, created_at FROM companies WHERE id = $1",
            &[&id],
        )?
        .map(|r| company_from(raw_company_at(&r, 0)?))
        .transpose()
    }

    /// Remove the company and, by cascade, its session, attempts and events;
    /// its API events; and its lease, whose keys go with it on every host.
    pub(in crate::store) fn remove_company(&mut self, slug: &str) -> Result<Company, StoreError> {
        self.in_tx(|s| {
            let company = s.company(slug)?;
            s.exec("DELETE FROM companies WHERE id = $1", &[&company.id])?;
            s.exec(
                "DELETE FROM api_events WHERE company_id = $1",
                &[&company.id],
            )?;
            s.exec("DELETE FROM leases WHERE company = $1", &[&slug])?;
            Ok(company)
        })
    }

    /// What the company has set (`None` where serve's apply).
    pub(in crate::store) fn company_settings(
        &self,
        id: i64,
    ) -> Result<CompanySettings, StoreError> {
        let Some(row) = self.row(
            "SELECT proxy, country, note, send_per_minute, new_chats_per_day
             FROM companies WHERE id = $1",
            &[&id],
        )?
        else {
            return Err(StoreError::NoSuchCompany(id.to_string()));
        };
        let proxy = match row.try_get::<_, Option<String>>(0)? {
            None => ProxyChoice::Default,
            Some(p) => ProxyChoice::parse(&p)
                .map_err(|e| StoreError::Corrupt(format!("company {id}: proxy: {e}")))?,
        };
        Ok(CompanySettings {
            proxy,
            country: row.try_get(1)?,
            note: row.try_get(2)?,
            send_per_minute: limit(id, "send_per_minute", row.try_get(3)?)?,
            new_chats_per_day: limit(id, "new_chats_per_day", row.try_get(4)?)?,
        })
    }

    /// Set what `change` gives, in one transaction; the company and its
    /// settings as they are now.
    pub(in crate::store) fn change_company(
        &mut self,
        id: i64,
        change: &SettingsChange,
    ) -> Result<(Company, CompanySettings), StoreError> {
        self.in_tx(|s| {
            // Column names are this function's own, never input.
            let set = |col: &str, value: &(dyn ToSql + Sync)| {
                s.exec(
                    &format!("UPDATE companies SET {col} = $2 WHERE id = $1"),
                    &[&id, value],
                )
            };
            if let Some(name) = &change.name {
                set("name", &name.as_str())?;
            }
            if let Some(p) = &change.proxy {
                set("proxy", &p.stored())?;
            }
            if let Some(c) = &change.country {
                set("country", c)?;
            }
            if let Some(n) = &change.note {
                set("note", n)?;
            }
            if let Some(l) = change.send_per_minute {
                set("send_per_minute", &l.map(i64::from))?;
            }
            if let Some(l) = change.new_chats_per_day {
                set("new_chats_per_day", &l.map(i64::from))?;
            }
            Ok(())
        })?;
        let company = self
            .company_by_id(id)?
            .ok_or_else(|| StoreError::NoSuchCompany(id.to_string()))?;
        Ok((company, self.company_settings(id)?))
    }

    pub(in crate::store) fn serve_proxy(&self) -> Result<Option<ProxyUrl>, StoreError> {
        Ok(self
            .setting(SERVE_PROXY)?
            .filter(|p| !p.is_empty())
            .and_then(|p| ProxyUrl::parse(&p).ok()))
    }

    pub(in crate::store) fn set_serve_proxy(
        &self,
        proxy: Option<&ProxyUrl>,
    ) -> Result<(), StoreError> {
        let value = proxy.map(ProxyUrl::secret_form).unwrap_or_default();
        self.set_setting(SERVE_PROXY, &value)
    }

    /// A company's settings as they are shown (no password in full).
    pub(in crate::store) fn settings_view(&self, slug: &str) -> Result<SettingsView, StoreError> {
        let company = self.company(slug)?;
        let settings = self.company_settings(company.id)?;
        Ok(SettingsView::new(
            &company,
            &settings,
            self.serve_proxy()?.as_ref(),
        ))
    }
}
