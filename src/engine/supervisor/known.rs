//! Each company's row as this host last announced it, findable by id and
//! by slug (the leases name companies by slug; a lease change must not
//! scan every company).

use std::collections::HashMap;

use crate::engine::SessionRow;

#[derive(Default)]
pub(super) struct Known {
    rows: HashMap<i64, SessionRow>,
    ids: HashMap<String, i64>,
}

impl Known {
    pub fn new(rows: &[SessionRow]) -> Self {
        let mut known = Self::default();
        for r in rows {
            known.insert(r.clone());
        }
        known
    }

    pub fn get(&self, company: i64) -> Option<&SessionRow> {
        self.rows.get(&company)
    }

    /// To change what is shown; a slug never changes.
    pub fn get_mut(&mut self, company: i64) -> Option<&mut SessionRow> {
        self.rows.get_mut(&company)
    }

    pub fn id(&self, slug: &str) -> Option<i64> {
        self.ids.get(slug).copied()
    }

    pub fn insert(&mut self, row: SessionRow) {
        self.ids.insert(row.slug.clone(), row.company);
        self.rows.insert(row.company, row);
    }

    pub fn remove(&mut self, company: i64) {
        if let Some(row) = self.rows.remove(&company) {
            self.ids.remove(&row.slug);
        }
    }

    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.rows.keys().copied()
    }

    pub fn rows(&self) -> impl Iterator<Item = &SessionRow> {
        self.rows.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(company: i64, slug: &str) -> SessionRow {
        SessionRow::blank(company, slug)
    }

    #[test]
    fn a_company_is_found_by_slug_until_it_goes() {
        let mut known = Known::new(&[row(1, "acme"), row(2, "beta")]);
        assert_eq!(known.id("beta"), Some(2));
        known.remove(2);
        assert_eq!(known.id("beta"), None);
        assert!(known.get(2).is_none());
        known.insert(row(3, "beta"));
        assert_eq!(known.id("beta"), Some(3));
        assert_eq!(known.id("acme"), Some(1));
    }
}
