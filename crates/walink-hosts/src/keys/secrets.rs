//! Message secrets (for reactions, polls and edits of messages we hold).

use async_trait::async_trait;
use wacore::store::error::Result;
use wacore::store::traits::{MsgSecretEntry, MsgSecretStore};

use super::{Keys, Param};

#[async_trait]
impl MsgSecretStore for Keys {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize> {
        // A deadline of 0 is "never" and wins; otherwise the later one.
        // The message's time only grows.
        let sql = "INSERT INTO key_msg_secrets \
                   (company, chat, sender, msg_id, secret, expires_at, message_ts) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) \
                   ON CONFLICT (company, chat, sender, msg_id) DO UPDATE SET \
                   secret = EXCLUDED.secret, \
                   expires_at = CASE WHEN key_msg_secrets.expires_at = 0 OR EXCLUDED.expires_at = 0 \
                       THEN 0 ELSE GREATEST(key_msg_secrets.expires_at, EXCLUDED.expires_at) END, \
                   message_ts = GREATEST(key_msg_secrets.message_ts, EXCLUDED.message_ts)";
        let rows: Vec<(&str, &str, &str, &[u8])> = entries
            .iter()
            .map(|e| (&*e.chat, &*e.sender, &*e.msg_id, &e.secret[..]))
            .collect();
        let params = rows
            .iter()
            .zip(&entries)
            .map(|((chat, sender, id, secret), e)| {
                let p: Vec<Param> = vec![chat, sender, id, secret, &e.expires_at, &e.message_ts];
                p
            })
            .collect();
        self.write_each(sql, params).await?;
        Ok(entries.len())
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(secret, _)| secret))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<(Vec<u8>, i64)>> {
        let sql = "SELECT secret, message_ts FROM key_msg_secrets \
                   WHERE company = $1 AND chat = $2 AND sender = $3 AND msg_id = $4";
        let row = self.row(sql, &[&chat, &sender, &msg_id]).await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32> {
        // This cutoff is inclusive, unlike the others.
        let sql = "DELETE FROM key_msg_secrets \
                   WHERE company = $1 AND expires_at <> 0 AND expires_at <= $2";
        Ok(self.write(sql, &[&cutoff_timestamp]).await? as u32)
    }
}
