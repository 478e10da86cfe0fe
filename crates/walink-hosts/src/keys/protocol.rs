//! WhatsApp's protocol state: which group devices hold our sender key, LID
//! and phone number pairs, base keys, device lists, group metadata; the
//! tokens, sent messages and pending inbound messages are in `tokens`.

use async_trait::async_trait;
use tokio_postgres::Row;
use wacore::store::error::{Result, StoreError};
use wacore::store::traits::{
    DeviceListRecord, LidPnMappingEntry, PendingInboundKey, PendingInboundRow, ProtocolStore,
    TcTokenEntry,
};

use super::{Keys, Param};

const PUT_LID: &str = "INSERT INTO key_lid_pn \
     (company, lid, phone_number, created_at, learning_source, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company, lid) DO UPDATE SET \
     phone_number = EXCLUDED.phone_number, learning_source = EXCLUDED.learning_source, \
     updated_at = EXCLUDED.updated_at";
const LID_COLUMNS: &str = "SELECT lid, phone_number, created_at, learning_source, updated_at \
     FROM key_lid_pn WHERE company = $1";
const PUT_DEVICES: &str = "INSERT INTO key_device_lists \
     (company, user_id, devices, timestamp, phash, raw_id) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (company, user_id) DO UPDATE SET devices = EXCLUDED.devices, \
     timestamp = EXCLUDED.timestamp, phash = EXCLUDED.phash, raw_id = EXCLUDED.raw_id";

fn lid_entry(r: &Row) -> LidPnMappingEntry {
    LidPnMappingEntry {
        lid: r.get(0),
        phone_number: r.get(1),
        created_at: r.get(2),
        learning_source: r.get(3),
        updated_at: r.get(4),
    }
}

/// A device list's columns: its devices as serde JSON, the raw id widened.
struct DeviceRow<'a> {
    record: &'a DeviceListRecord,
    devices: String,
    raw_id: Option<i64>,
}

impl<'a> DeviceRow<'a> {
    fn of(record: &'a DeviceListRecord) -> Result<Self> {
        Ok(Self {
            record,
            devices: serde_json::to_string(&record.devices)
                .map_err(|e| StoreError::Serialization(Box::new(e)))?,
            raw_id: record.raw_id.map(i64::from),
        })
    }

    fn params(&self) -> Vec<Param<'_>> {
        let r = self.record;
        vec![&r.user, &self.devices, &r.timestamp, &r.phash, &self.raw_id]
    }
}

#[async_trait]
impl ProtocolStore for Keys {
    async fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>> {
        let sql = "SELECT device_jid, has_key FROM key_sender_key_devices \
                   WHERE company = $1 AND group_jid = $2";
        let rows = self.rows(sql, &[&group_jid]).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()> {
        let sql = "INSERT INTO key_sender_key_devices (company, group_jid, device_jid, has_key) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (company, group_jid, device_jid) \
                   DO UPDATE SET has_key = EXCLUDED.has_key";
        let rows = entries
            .iter()
            .map(|(device, has)| {
                let p: Vec<Param> = vec![&group_jid, device, has];
                p
            })
            .collect();
        self.write_each(sql, rows).await.map(drop)
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()> {
        let sql = "DELETE FROM key_sender_key_devices WHERE company = $1 AND group_jid = $2";
        self.write(sql, &[&group_jid]).await.map(drop)
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        // In every group.
        let sql = "DELETE FROM key_sender_key_devices WHERE company = $1 AND device_jid = ANY($2)";
        self.write(sql, &[&device_jids]).await.map(drop)
    }

    async fn clear_all_sender_key_devices(&self) -> Result<()> {
        let sql = "DELETE FROM key_sender_key_devices WHERE company = $1";
        self.write(sql, &[]).await.map(drop)
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        let sql = format!("{LID_COLUMNS} AND lid = $2");
        Ok(self.row(&sql, &[&lid]).await?.as_ref().map(lid_entry))
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        // The LID learnt last for the number.
        let sql = format!("{LID_COLUMNS} AND phone_number = $2 ORDER BY updated_at DESC LIMIT 1");
        Ok(self.row(&sql, &[&phone]).await?.as_ref().map(lid_entry))
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.put_lid_mappings(std::slice::from_ref(entry)).await
    }

    async fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> Result<()> {
        // When it was first learnt stays.
        let rows = entries
            .iter()
            .map(|e| {
                let p: Vec<Param> = vec![
                    &e.lid,
                    &e.phone_number,
                    &e.created_at,
                    &e.learning_source,
                    &e.updated_at,
                ];
                p
            })
            .collect();
        self.write_each(PUT_LID, rows).await.map(drop)
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        Ok(self
            .rows(LID_COLUMNS, &[])
            .await?
            .iter()
            .map(lid_entry)
            .collect())
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        let sql = "INSERT INTO key_base_keys (company, address, message_id, base_key) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (company, address, message_id) \
                   DO UPDATE SET base_key = EXCLUDED.base_key";
        self.write(sql, &[&address, &message_id, &base_key])
            .await
            .map(drop)
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        let sql = "SELECT base_key FROM key_base_keys \
                   WHERE company = $1 AND address = $2 AND message_id = $3";
        let row = self.row(sql, &[&address, &message_id]).await?;
        Ok(row.is_some_and(|r| r.get::<_, &[u8]>(0) == current_base_key))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        let sql =
            "DELETE FROM key_base_keys WHERE company = $1 AND address = $2 AND message_id = $3";
        self.write(sql, &[&address, &message_id]).await.map(drop)
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.update_device_lists(vec![record]).await
    }

    async fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> Result<()> {
        let rows = records
            .iter()
            .map(DeviceRow::of)
            .collect::<Result<Vec<_>>>()?;
        let params = rows.iter().map(DeviceRow::params).collect();
        self.write_each(PUT_DEVICES, params).await.map(drop)
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        let sql = "SELECT devices, timestamp, phash, raw_id FROM key_device_lists \
                   WHERE company = $1 AND user_id = $2";
        let Some(r) = self.row(sql, &[&user]).await? else {
            return Ok(None);
        };
        let devices =
            serde_json::from_str(r.get(0)).map_err(|e| StoreError::Serialization(Box::new(e)))?;
        Ok(Some(DeviceListRecord {
            user: user.to_owned(),
            devices,
            timestamp: r.get(1),
            phash: r.get(2),
            raw_id: r.get::<_, Option<i64>>(3).map(|id| id as u32),
        }))
    }

    async fn delete_devices(&self, user: &str) -> Result<()> {
        let sql = "DELETE FROM key_device_lists WHERE company = $1 AND user_id = $2";
        self.write(sql, &[&user]).await.map(drop)
    }

    async fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT info FROM key_group_metadata WHERE company = $1 AND group_jid = $2";
        Ok(self.row(sql, &[&group_jid]).await?.map(|r| r.get(0)))
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()> {
        let sql = "INSERT INTO key_group_metadata (company, group_jid, info) VALUES ($1, $2, $3) \
                   ON CONFLICT (company, group_jid) DO UPDATE SET info = EXCLUDED.info";
        self.write(sql, &[&group_jid, &blob]).await.map(drop)
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> Result<()> {
        let sql = "DELETE FROM key_group_metadata WHERE company = $1 AND group_jid = $2";
        self.write(sql, &[&group_jid]).await.map(drop)
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        self.tc_token(jid).await
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.set_tc_token(jid, entry).await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        let sql = "DELETE FROM key_tc_tokens WHERE company = $1 AND jid = $2";
        self.write(sql, &[&jid]).await.map(drop)
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        let sql = "SELECT jid FROM key_tc_tokens WHERE company = $1";
        Ok(self
            .rows(sql, &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32> {
        self.expire_tc_tokens(token_cutoff, sender_cutoff).await
    }

    async fn touch_tc_token_sender_timestamp(
        &self,
        jid: &str,
        sender_timestamp: i64,
    ) -> Result<()> {
        self.touch_tc_token(jid, sender_timestamp).await
    }

    async fn store_received_tc_token(&self, jid: &str, token: &[u8], token_ts: i64) -> Result<()> {
        self.receive_tc_token(jid, token, token_ts).await
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        self.keep_sent(chat_jid, message_id, payload).await
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        self.take_sent(chat_jid, message_id).await
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        let sql = "DELETE FROM key_sent_messages WHERE company = $1 AND created_at < $2";
        Ok(self.write(sql, &[&cutoff_timestamp]).await? as u32)
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> Result<()> {
        let row = PendingInboundRow {
            chat,
            sender,
            id,
            message,
        };
        self.keep_pending(&[row]).await
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        self.pending(chat, sender, id).await
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()> {
        self.drop_pending(&[PendingInboundKey { chat, sender, id }])
            .await
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32> {
        let sql = "DELETE FROM key_pending_inbound WHERE company = $1 AND inserted_at < $2";
        Ok(self.write(sql, &[&cutoff_timestamp]).await? as u32)
    }

    async fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        self.keep_pending(rows).await
    }

    async fn delete_pending_inbound_batch(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        self.drop_pending(keys).await
    }
}
