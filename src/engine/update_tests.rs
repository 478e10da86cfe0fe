//! `fold_rows_at` against the plain scan it replaces.

use std::collections::HashMap;
use std::time::SystemTime;

use super::update::{SessionRow, Update, fold_rows, fold_rows_at};
use crate::domain::SessionState;

fn state(company: i64, state: SessionState) -> Update {
    Update::StateChanged {
        company,
        state,
        since: SystemTime::UNIX_EPOCH,
    }
}

#[test]
fn the_indexed_fold_keeps_the_rows_the_scan_keeps() {
    let renamed = SessionRow {
        slug: "aa".into(),
        ..SessionRow::blank(3, "cc")
    };
    let steps = [
        Update::Snapshot(vec![
            SessionRow::blank(1, "a"),
            SessionRow::blank(2, "b"),
            SessionRow::blank(3, "c"),
        ]),
        state(2, SessionState::Connecting),
        Update::Echo(Box::new(state(3, SessionState::Connected))),
        // A new company lands among the others by slug: places move.
        Update::CompanyAdded(Box::new(SessionRow::blank(4, "ab"))),
        state(2, SessionState::Connected),
        // A new slug moves a row.
        Update::CompanyChanged(Box::new(renamed)),
        state(3, SessionState::Connecting),
        Update::CompanyRemoved { company: 1 },
        state(4, SessionState::Connected),
        // Nobody's row: nothing changes.
        state(99, SessionState::Connected),
    ];
    let (mut plain, mut rows, mut at) = (Vec::new(), Vec::new(), HashMap::new());
    for update in &steps {
        let said = fold_rows(&mut plain, update);
        assert_eq!(fold_rows_at(&mut rows, &mut at, update), said, "{update:?}");
        assert_eq!(rows, plain, "after {update:?}");
        let places: HashMap<i64, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.company, i))
            .collect();
        assert_eq!(at, places, "after {update:?}");
    }
    let slugs: Vec<&str> = rows.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(slugs, ["aa", "ab", "b"]);
    assert_eq!(rows[0].state, SessionState::Connecting);
}
