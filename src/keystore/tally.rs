//! How many calls whatsapp-rust makes into the key store, reads and writes
//! apart, and how many device stores they opened, for the whole process:
//! `/metrics` shows them, and a restore's load on `keys.db` is their rate.

use std::sync::LazyLock;

use prometheus_client::metrics::counter::Counter;

pub static READS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static WRITES: LazyLock<Counter> = LazyLock::new(Counter::default);
/// A device's store opened (a connection, its schema, pragmas and
/// migrations check): the dearest thing a key-store call can cost.
pub static OPENS: LazyLock<Counter> = LazyLock::new(Counter::default);

/// Count one call of the store's method `name`.
pub(super) fn count(name: &str) {
    if is_write(name) { &WRITES } else { &READS }.inc();
}

/// The store's methods that change it are named for it (whatsapp-rust's
/// store traits): `take_` reads and deletes, a snapshot writes a file.
fn is_write(name: &str) -> bool {
    const WRITING: &[&str] = &[
        "put_",
        "store_",
        "set_",
        "save",
        "delete_",
        "remove_",
        "mark_",
        "update_",
        "clear_",
        "touch_",
        "create",
        "take_",
        "snapshot_",
    ];
    WRITING.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::is_write;

    #[test]
    fn writes_are_told_from_reads_by_name() {
        for (name, write) in [
            ("put_session", true),
            ("store_prekeys_batch", true),
            ("save", true),
            ("take_sent_message", true),
            ("delete_expired_msg_secrets", true),
            ("load_prekey", false),
            ("get_session", false),
            ("has_session", false),
            ("exists", false),
            ("get_all_lid_mappings", false),
        ] {
            assert_eq!(is_write(name), write, "{name}");
        }
    }
}
