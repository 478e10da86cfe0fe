//! SQLite's process-wide settings, made before its first use.

use rusqlite::ffi;

/// Turn off SQLite's memory statistics; true when they are off. With them
/// on (its default) every allocation SQLite makes takes one global mutex
/// to count itself, and a serve opening thousands of key stores at once
/// (each parses the whole schema) makes its threads queue on it. walink
/// never reads them. SQLite refuses once a database was opened: main calls
/// this first.
pub fn tune() -> bool {
    // SAFETY: the option takes one int; SQLite checks it is not yet
    // initialised and answers SQLITE_MISUSE if it is.
    let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
    rc == ffi::SQLITE_OK
}

#[cfg(test)]
mod tests {
    use super::ffi;

    fn memory_used() -> i64 {
        let (mut current, mut high) = (0, 0);
        // SAFETY: reads one counter into the two locals.
        let rc = unsafe {
            ffi::sqlite3_status64(ffi::SQLITE_STATUS_MEMORY_USED, &mut current, &mut high, 0)
        };
        assert_eq!(rc, ffi::SQLITE_OK);
        current
    }

    #[test]
    fn sqlite_counts_its_memory_only_when_tune_could_not_stop_it() {
        // Other tests of this process may have opened a database first:
        // then tune is refused and SQLite must still be counting.
        let off = super::tune();
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("use");
        assert_eq!(
            memory_used() == 0,
            off,
            "counting must be off exactly when tune said so"
        );
        drop(conn);
    }
}
