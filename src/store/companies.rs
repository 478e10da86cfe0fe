//! Companies: add, list, find, remove, and their own settings.

use rusqlite::{ErrorCode, params};

use super::{Store, StoreError, now_unix};
use crate::domain::{
    Company, CompanySettings, DisplayName, ProxyChoice, ProxyUrl, SettingsChange, SettingsView,
    Slug,
};

impl Store {
    /// Add a company with an empty (not linked) session row.
    pub fn add_company(&mut self, slug: &Slug, name: &DisplayName) -> Result<Company, StoreError> {
        self.insert_company(None, slug, name)
    }

    /// Add a company under the id its keys already carry (a registry
    /// rebuilt from `keys.db`).
    pub fn add_company_as(
        &mut self,
        id: i64,
        slug: &Slug,
        name: &DisplayName,
    ) -> Result<Company, StoreError> {
        self.insert_company(Some(id), slug, name)
    }

    fn insert_company(
        &mut self,
        id: Option<i64>,
        slug: &Slug,
        name: &DisplayName,
    ) -> Result<Company, StoreError> {
        let now = now_unix();
        let tx = self.conn.transaction()?;
        let inserted = tx.execute(
            "INSERT INTO companies (id, slug, name, created_at) VALUES (
                COALESCE(?4, (SELECT MAX(COALESCE((SELECT MAX(id) FROM companies), 0), floor) + 1 FROM company_ids)),
                ?1, ?2, ?3)",
            params![slug.as_str(), name.as_str(), now, id],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::DuplicateSlug(slug.to_string()));
            }
            other => {
                other?;
            }
        }
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO sessions (company_id, since, session_file) VALUES (?1, ?2, ?3)",
            params![id, now, format!("sessions/{slug}.db")],
        )?;
        tx.commit()?;
        Ok(Company {
            id,
            slug: slug.clone(),
            name: name.clone(),
            created_at: now,
        })
    }

    pub fn companies(&self) -> Result<Vec<Company>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, slug, name, created_at FROM companies ORDER BY slug")?;
        let rows = stmt.query_map([], raw_company)?;
        rows.map(|r| company_from(r?)).collect()
    }

    pub fn company(&self, slug: &str) -> Result<Company, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, slug, name, created_at FROM companies WHERE slug = ?1")?;
        let mut rows = stmt.query_map([slug], raw_company)?;
        match rows.next() {
            Some(row) => company_from(row?),
            None => Err(StoreError::NoSuchCompany(slug.to_owned())),
        }
    }

    pub fn company_by_id(&self, id: i64) -> Result<Option<Company>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, slug, name, created_at FROM companies WHERE id = ?1")?;
        let mut rows = stmt.query_map([id], raw_company)?;
        rows.next().map(|row| company_from(row?)).transpose()
    }

    /// Remove the company and, by cascade, its session, attempts and events.
    pub fn remove_company(&mut self, slug: &str) -> Result<Company, StoreError> {
        let company = self.company(slug)?;
        self.conn
            .execute("DELETE FROM companies WHERE id = ?1", [company.id])?;
        Ok(company)
    }
}

pub(super) type RawCompany = (i64, String, String, i64);

fn raw_company(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawCompany> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

/// Rows were validated on the way in; one that no longer parses means the
/// file was edited by hand, which we report rather than hide.
pub(super) fn company_from(
    (id, slug, name, created_at): RawCompany,
) -> Result<Company, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("company {id}: {what}"));
    Ok(Company {
        id,
        slug: Slug::parse(&slug).map_err(|e| corrupt(format!("slug {slug:?}: {e}")))?,
        name: DisplayName::parse(&name).map_err(|e| corrupt(format!("name {name:?}: {e}")))?,
        created_at,
    })
}

impl Store {
    /// What the company has set (`None` where serve's apply).
    pub fn company_settings(&self, id: i64) -> Result<CompanySettings, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT proxy, country, note, send_per_minute, new_chats_per_day
             FROM companies WHERE id = ?1",
        )?;
        let mut rows = stmt.query([id])?;
        let Some(row) = rows.next()? else {
            return Err(StoreError::NoSuchCompany(id.to_string()));
        };
        let proxy: Option<String> = row.get(0)?;
        let proxy = match proxy {
            None => ProxyChoice::Default,
            Some(p) => ProxyChoice::parse(&p)
                .map_err(|e| StoreError::Corrupt(format!("company {id}: proxy: {e}")))?,
        };
        Ok(CompanySettings {
            proxy,
            country: row.get(1)?,
            note: row.get(2)?,
            send_per_minute: row.get(3)?,
            new_chats_per_day: row.get(4)?,
        })
    }

    /// Set what `change` gives, in one transaction; the company and its
    /// settings as they are now.
    pub fn change_company(
        &mut self,
        id: i64,
        change: &SettingsChange,
    ) -> Result<(Company, CompanySettings), StoreError> {
        let tx = self.conn.transaction()?;
        // Column names are this function's own, never input.
        let set = |col: &str, value: &dyn rusqlite::ToSql| {
            tx.execute(
                &format!("UPDATE companies SET {col} = ?2 WHERE id = ?1"),
                params![id, value],
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
        if let Some(l) = &change.send_per_minute {
            set("send_per_minute", l)?;
        }
        if let Some(l) = &change.new_chats_per_day {
            set("new_chats_per_day", l)?;
        }
        tx.commit()?;
        let company = self
            .company_by_id(id)?
            .ok_or_else(|| StoreError::NoSuchCompany(id.to_string()))?;
        Ok((company, self.company_settings(id)?))
    }
}

/// The settings key `walink serve` keeps its `--proxy` under, so commands
/// and the API can say what a company on "default" dials through.
pub(super) const SERVE_PROXY: &str = "serve_proxy";

impl Store {
    pub fn serve_proxy(&self) -> Result<Option<ProxyUrl>, StoreError> {
        Ok(self
            .setting(SERVE_PROXY)?
            .filter(|p| !p.is_empty())
            .and_then(|p| ProxyUrl::parse(&p).ok()))
    }

    pub fn set_serve_proxy(&self, proxy: Option<&ProxyUrl>) -> Result<(), StoreError> {
        let value = proxy.map(ProxyUrl::secret_form).unwrap_or_default();
        self.set_setting(SERVE_PROXY, &value)
    }

    /// A company's settings as they are shown (no password in full).
    pub fn settings_view(&self, slug: &str) -> Result<SettingsView, StoreError> {
        let company = self.company(slug)?;
        let settings = self.company_settings(company.id)?;
        Ok(SettingsView::new(
            &company,
            &settings,
            self.serve_proxy()?.as_ref(),
        ))
    }
}
