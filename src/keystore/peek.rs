//! Whether whatsapp-rust's periodic retention sweep of a device would
//! delete anything, asked on one connection shared by every device. Each
//! connected session sweeps about every five minutes (its twelfth keepalive
//! tick); on a device whose store the shelf has closed, passing the sweep on
//! would open that store (a connection, its schema, its pragmas and
//! migrations check) only to delete nothing: 37 opens a second at 10,000
//! idle sessions. Asked here first, a sweep with nothing to delete is
//! answered "0 deleted" and the store stays closed.
//!
//! Each question is the sweep's own filter as whatsapp-rust's schema states
//! it, on the indexes that schema keeps for it; a row written after the
//! question is not yet expired, so nothing a sweep would delete is missed.

use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};
use whatsapp_rust::wacore::store::error::StoreError;

/// One of whatsapp-rust's periodic deletes.
#[derive(Debug, Clone, Copy)]
pub enum Sweep {
    /// `delete_expired_sent_messages(cutoff)`.
    SentMessages,
    /// `delete_expired_pending_inbound(cutoff)`.
    PendingInbound,
    /// `delete_expired_msg_secrets(now)`: rows whose deadline passed;
    /// 0 is "never".
    MsgSecrets,
}

impl Sweep {
    /// Whether the device (`?1`) has a row the sweep (cutoff `?2`) deletes.
    fn query(self) -> &'static str {
        match self {
            Self::SentMessages => {
                "SELECT EXISTS (SELECT 1 FROM sent_messages \
                 WHERE created_at < ?2 AND device_id = ?1)"
            }
            Self::PendingInbound => {
                "SELECT EXISTS (SELECT 1 FROM pending_inbound_messages \
                 WHERE device_id = ?1 AND inserted_at < ?2)"
            }
            Self::MsgSecrets => {
                "SELECT EXISTS (SELECT 1 FROM msg_secrets \
                 WHERE device_id = ?1 AND expires_at <> 0 AND expires_at <= ?2)"
            }
        }
    }
}

/// The shared reading connection, opened on the first question.
#[derive(Debug)]
pub struct Peek {
    path: String,
    conn: Mutex<Option<Connection>>,
}

impl Peek {
    pub fn new(path: String) -> Self {
        Self {
            path,
            conn: Mutex::new(None),
        }
    }

    /// Whether `sweep` with `cutoff` would delete one of `device`'s rows.
    /// Blocking.
    pub fn would_delete(&self, device: i32, sweep: Sweep, cutoff: i64) -> Result<bool, StoreError> {
        let db = |e: rusqlite::Error| StoreError::Database(Box::new(e));
        // A panic while holding it left at worst a connection to reopen.
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if conn.is_none() {
            let opened = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(db)?;
            // Sessions write beside it: wait for them, do not fail.
            opened
                .busy_timeout(std::time::Duration::from_secs(30))
                .map_err(db)?;
            *conn = Some(opened);
        }
        let conn = conn.as_ref().expect("opened above");
        let mut stmt = conn.prepare_cached(sweep.query()).map_err(db)?;
        stmt.query_row((device, cutoff), |r| r.get(0)).map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::{Peek, Sweep};
    use crate::keystore::KeyStore;
    use whatsapp_rust::wacore::store::traits::{DeviceStore, MsgSecretStore, ProtocolStore};

    #[tokio::test]
    async fn a_sweep_is_answered_without_the_store_until_it_has_rows_to_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::with_open_limit(dir.path().join("keys.db"), 4);
        keys.prepare().await.expect("prepare");
        let (one, two) = (keys.device_keys(1), keys.device_keys(2));
        one.create().await.expect("device");
        two.create().await.expect("device");
        one.store_sent_message("peer@s.whatsapp.net", "3A01", b"reply")
            .await
            .expect("sent");
        one.store_pending_inbound("peer@s.whatsapp.net", "peer@s.whatsapp.net", "3A02", b"in")
            .await
            .expect("pending");
        keys.shelf.close_idle(std::time::Duration::ZERO);
        assert_eq!(keys.open_stores(), 0);

        let peek = Peek::new(keys.url());
        let later = i64::MAX;
        for sweep in [Sweep::SentMessages, Sweep::PendingInbound] {
            assert!(
                peek.would_delete(1, sweep, later).expect("peek"),
                "{sweep:?}"
            );
            assert!(
                !peek.would_delete(1, sweep, 0).expect("peek"),
                "{sweep:?}: not expired"
            );
            assert!(
                !peek.would_delete(2, sweep, later).expect("peek"),
                "{sweep:?}: not 2's"
            );
        }
        assert!(
            !peek
                .would_delete(1, Sweep::MsgSecrets, later)
                .expect("peek")
        );

        // Through the device's view: nothing to delete opens nothing.
        assert_eq!(
            two.delete_expired_sent_messages(later)
                .await
                .expect("sweep"),
            0
        );
        assert_eq!(
            two.delete_expired_pending_inbound(later)
                .await
                .expect("sweep"),
            0
        );
        assert_eq!(
            two.delete_expired_msg_secrets(later).await.expect("sweep"),
            0
        );
        assert_eq!(keys.open_stores(), 0, "device 2's store stays closed");
        // Something to delete goes to the store, which deletes it.
        assert_eq!(
            one.delete_expired_sent_messages(later)
                .await
                .expect("sweep"),
            1
        );
        assert_eq!(
            one.delete_expired_pending_inbound(later)
                .await
                .expect("sweep"),
            1
        );
        assert!(
            !peek
                .would_delete(1, Sweep::SentMessages, later)
                .expect("peek")
        );
    }
}
