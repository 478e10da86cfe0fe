//! Pages of `GET /api/v1/sessions` (`limit`, `after`: rows in slug order)
//! and the bodies made from one version of the server's view, kept until
//! the view moves on: 10,000 companies are 2.5 MB of JSON to rebuild.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use serde::Deserialize;

/// The most rows one page holds.
pub const MAX_LIMIT: usize = 1000;
/// Bodies kept for one version (tokens × pages); past it, they are made anew.
const KEPT: usize = 256;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// At most this many sessions (1–1000); without it, all of them.
    pub limit: Option<usize>,
    /// Only sessions whose slug sorts after this one: the last slug of the
    /// previous page (its `Link: <…>; rel="next"` header gives the URL).
    pub after: Option<String>,
}

impl Page {
    /// The limit, if it is one a page can have.
    pub fn limit(&self) -> Result<Option<usize>, String> {
        match self.limit {
            Some(n) if n == 0 || n > MAX_LIMIT => Err(format!(
                "limit must be between 1 and {MAX_LIMIT}; it was {n}"
            )),
            other => Ok(other),
        }
    }
}

/// One body: who it was made for (the companies it may see, whole
/// numbers or masked), which page, and the minute its sentences were
/// worded in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub company: Option<i64>,
    pub whole_numbers: bool,
    pub limit: Option<usize>,
    pub after: Option<String>,
    pub minute: i64,
}

/// A made body and the slug its next page starts after.
#[derive(Debug, Clone)]
pub struct Made {
    pub body: Bytes,
    pub next: Option<String>,
}

#[derive(Debug, Default)]
pub struct Cache {
    kept: Mutex<(u64, HashMap<Key, Made>)>,
}

impl Cache {
    /// The body for `key` at `version` of the view, made by `make` only
    /// when no body of that version is kept.
    pub fn get(&self, version: u64, key: Key, make: impl FnOnce() -> Made) -> Made {
        {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if kept.0 == version
                && let Some(made) = kept.1.get(&key)
            {
                return made.clone();
            }
        }
        let made = make();
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.0 != version || kept.1.len() >= KEPT {
            *kept = (version, HashMap::new());
        }
        kept.1.insert(key, made.clone());
        made
    }
}

/// The rows of one page out of `slugs` (sorted): their range, and the
/// slug the next page starts after when more follow.
pub fn window(slugs: &[&str], limit: Option<usize>, after: Option<&str>) -> (usize, usize, bool) {
    let start = after.map_or(0, |a| slugs.partition_point(|s| *s <= a));
    let end = limit.map_or(slugs.len(), |n| (start + n).min(slugs.len()));
    (start, end, end < slugs.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_row_once_in_order() {
        let slugs = ["a", "b", "c", "d", "e"];
        type Case<'a> = (Option<usize>, Option<&'a str>, (usize, usize, bool));
        let cases: &[Case] = &[
            (None, None, (0, 5, false)),
            (Some(2), None, (0, 2, true)),
            (Some(2), Some("b"), (2, 4, true)),
            (Some(2), Some("d"), (4, 5, false)),
            (Some(2), Some("e"), (5, 5, false)),
            // A slug removed since the last page: the next one after it.
            (Some(2), Some("bb"), (2, 4, true)),
            (None, Some("c"), (3, 5, false)),
        ];
        for (limit, after, want) in cases {
            assert_eq!(window(&slugs, *limit, *after), *want, "{limit:?} {after:?}");
        }
    }

    #[test]
    fn a_limit_outside_one_to_a_thousand_is_refused() {
        for (limit, ok) in [
            (Some(0), false),
            (Some(1), true),
            (Some(1000), true),
            (Some(1001), false),
            (None, true),
        ] {
            let page = Page { limit, after: None };
            assert_eq!(page.limit().is_ok(), ok, "{limit:?}");
        }
    }

    #[test]
    fn a_kept_body_serves_its_version_only() {
        let cache = Cache::default();
        let key = Key {
            company: None,
            whole_numbers: true,
            limit: None,
            after: None,
            minute: 1,
        };
        let made = |s: &'static str| Made {
            body: Bytes::from_static(s.as_bytes()),
            next: None,
        };
        assert_eq!(cache.get(1, key.clone(), || made("one")).body, "one");
        assert_eq!(cache.get(1, key.clone(), || made("two")).body, "one");
        assert_eq!(cache.get(2, key, || made("three")).body, "three");
    }
}
