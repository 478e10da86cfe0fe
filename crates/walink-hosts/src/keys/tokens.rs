//! Trusted-contact tokens, sent messages kept for retries, and inbound
//! messages kept until the bot has them. Each read-modify-write of
//! whatsapp-rust's SQLite store is one statement here.

use wacore::store::error::Result;
use wacore::store::traits::{PendingInboundKey, PendingInboundRow, TcTokenEntry};

use super::{Keys, Param, now_secs};

impl Keys {
    pub(super) async fn tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        let sql = "SELECT token, token_timestamp, sender_timestamp FROM key_tc_tokens \
                   WHERE company = $1 AND jid = $2";
        Ok(self.row(sql, &[&jid]).await?.map(|r| TcTokenEntry {
            token: r.get(0),
            token_timestamp: r.get(1),
            sender_timestamp: r.get(2),
        }))
    }

    pub(super) async fn set_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        let sql = "INSERT INTO key_tc_tokens \
                   (company, jid, token, token_timestamp, sender_timestamp) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company, jid) DO UPDATE SET \
                   token = EXCLUDED.token, token_timestamp = EXCLUDED.token_timestamp, \
                   sender_timestamp = EXCLUDED.sender_timestamp";
        let params: [Param; 4] = [
            &jid,
            &entry.token,
            &entry.token_timestamp,
            &entry.sender_timestamp,
        ];
        self.write(sql, &params).await.map(drop)
    }

    /// Both cutoffs strict; an empty token (a placeholder) has no age.
    pub(super) async fn expire_tc_tokens(
        &self,
        token_cutoff: i64,
        sender_cutoff: i64,
    ) -> Result<u32> {
        let sql = "DELETE FROM key_tc_tokens WHERE company = $1 \
                   AND (token = ''::bytea OR token_timestamp < $2) \
                   AND (sender_timestamp IS NULL OR sender_timestamp < $3)";
        Ok(self.write(sql, &[&token_cutoff, &sender_cutoff]).await? as u32)
    }

    /// The sender time only moves forward; a missing row becomes a
    /// placeholder (empty token) carrying it.
    pub(super) async fn touch_tc_token(&self, jid: &str, at: i64) -> Result<()> {
        let sql = "INSERT INTO key_tc_tokens \
                   (company, jid, token, token_timestamp, sender_timestamp) \
                   VALUES ($1, $2, ''::bytea, $3, $3) ON CONFLICT (company, jid) DO UPDATE SET \
                   sender_timestamp = GREATEST(coalesce(key_tc_tokens.sender_timestamp, $3), $3)";
        self.write(sql, &[&jid, &at]).await.map(drop)
    }

    /// A token as new as the one kept (or any, over a placeholder) replaces
    /// it; the sender time stays.
    pub(super) async fn receive_tc_token(&self, jid: &str, token: &[u8], at: i64) -> Result<()> {
        let sql = "INSERT INTO key_tc_tokens \
                   (company, jid, token, token_timestamp, sender_timestamp) \
                   VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (company, jid) DO UPDATE SET \
                   token = EXCLUDED.token, token_timestamp = EXCLUDED.token_timestamp \
                   WHERE key_tc_tokens.token = ''::bytea \
                      OR EXCLUDED.token_timestamp >= key_tc_tokens.token_timestamp";
        self.write(sql, &[&jid, &token, &at]).await.map(drop)
    }

    /// Storing again restarts its age.
    pub(super) async fn keep_sent(&self, chat: &str, id: &str, payload: &[u8]) -> Result<()> {
        let sql = "INSERT INTO key_sent_messages (company, chat_jid, message_id, payload, created_at) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company, chat_jid, message_id) \
                   DO UPDATE SET payload = EXCLUDED.payload, created_at = EXCLUDED.created_at";
        self.write(sql, &[&chat, &id, &payload, &now_secs()])
            .await
            .map(drop)
    }

    pub(super) async fn take_sent(&self, chat: &str, id: &str) -> Result<Option<Vec<u8>>> {
        let sql = "DELETE FROM key_sent_messages \
                   WHERE company = $1 AND chat_jid = $2 AND message_id = $3 RETURNING payload";
        let rows = self.take(sql, &[&chat, &id]).await?;
        Ok(rows.into_iter().next().map(|r| r.get(0)))
    }

    /// Storing again replaces the message and restarts its age.
    pub(super) async fn keep_pending(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        let sql = "INSERT INTO key_pending_inbound (company, chat, sender, id, message, inserted_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company, chat, sender, id) \
                   DO UPDATE SET message = EXCLUDED.message, inserted_at = EXCLUDED.inserted_at";
        let now = now_secs();
        let params = rows
            .iter()
            .map(|r| {
                let p: Vec<Param> = vec![&r.chat, &r.sender, &r.id, &r.message, &now];
                p
            })
            .collect();
        self.write_each(sql, params).await.map(drop)
    }

    pub(super) async fn pending(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT message FROM key_pending_inbound \
                   WHERE company = $1 AND chat = $2 AND sender = $3 AND id = $4";
        Ok(self
            .row(sql, &[&chat, &sender, &id])
            .await?
            .map(|r| r.get(0)))
    }

    pub(super) async fn drop_pending(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        let sql = "DELETE FROM key_pending_inbound \
                   WHERE company = $1 AND chat = $2 AND sender = $3 AND id = $4";
        let params = keys
            .iter()
            .map(|k| {
                let p: Vec<Param> = vec![&k.chat, &k.sender, &k.id];
                p
            })
            .collect();
        self.write_each(sql, params).await.map(drop)
    }
}
