//! What whatsapp-rust is given as its `Backend` for one company: its device
//! in `keys.db`, every call passed to whatsapp-rust's own per-device store,
//! taken from the shelf (opened on use, closed when idle). No query of
//! walink's own touches these tables while a session runs.

use std::sync::Arc;

use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::prelude::SqliteStore;
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::store::Device;
use whatsapp_rust::wacore::store::error::{Result, StoreError};
use whatsapp_rust::wacore::store::traits::{
    AppStateSyncKey, AppSyncStore, DeviceListRecord, DeviceStore, LidPnMappingEntry,
    MsgSecretEntry, MsgSecretStore, PendingInboundKey, PendingInboundRow, ProtocolStore,
    SignalStore, TcTokenEntry,
};

use super::peek::Sweep;
use super::shelf::Shelf;

pub struct DeviceKeys {
    shelf: Arc<Shelf>,
    device: i32,
}

impl DeviceKeys {
    pub(super) fn new(shelf: Arc<Shelf>, device: i32) -> Self {
        Self { shelf, device }
    }

    async fn store(&self) -> Result<Arc<SqliteStore>> {
        self.shelf.store(self.device).await
    }

    /// Open the device's store now (the schema is made on the first open).
    pub async fn open(&self) -> Result<()> {
        self.store().await.map(drop)
    }

    /// True when the device's store is closed and `sweep` would delete
    /// none of its rows: the sweep need not open it.
    async fn nothing_to_sweep(&self, sweep: Sweep, cutoff: i64) -> Result<bool> {
        if self.shelf.is_open(self.device) {
            return Ok(false);
        }
        let (shelf, device) = (Arc::clone(&self.shelf), self.device);
        tokio::task::spawn_blocking(move || {
            shelf
                .peek()
                .would_delete(device, sweep, cutoff)
                .map(|would| !would)
        })
        .await
        .map_err(|e| StoreError::Database(Box::new(e)))?
    }
}

/// Each method of `$trait` as the same method of the device's store.
/// A method marked `#[sweep(KIND, cutoff)]` is a periodic delete, answered
/// "0 deleted" without opening a closed store when it has nothing to do.
macro_rules! pass_to_store {
    ($trait:ident { $($(#[sweep($sweep:ident, $cutoff:ident)])?
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)* }) => {
        #[whatsapp_rust::async_trait]
        impl $trait for DeviceKeys {
            $(async fn $name(&self $(, $arg: $ty)*) -> $ret {
                super::tally::count(stringify!($name));
                $(if self.nothing_to_sweep(Sweep::$sweep, $cutoff).await? {
                    return Ok(0);
                })?
                let store = self.store().await?;
                <SqliteStore as $trait>::$name(&store $(, $arg)*).await
            })*
        }
    };
}

pass_to_store!(SignalStore {
    fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()>;
    fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> Result<()>;
    fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>>;
    fn delete_identity(&self, address: &str) -> Result<()>;
    fn get_session(&self, address: &str) -> Result<Option<Bytes>>;
    fn put_session(&self, address: &str, session: &[u8]) -> Result<()>;
    fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()>;
    fn delete_session(&self, address: &str) -> Result<()>;
    fn has_session(&self, address: &str) -> Result<bool>;
    fn has_signal_state_for_user(&self, user: &str) -> Result<bool>;
    fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()>;
    fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()>;
    fn load_prekey(&self, id: u32) -> Result<Option<Bytes>>;
    fn load_prekeys_batch(&self, ids: &[u32]) -> Result<Vec<(u32, Bytes)>>;
    fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()>;
    fn remove_prekey(&self, id: u32) -> Result<()>;
    fn get_max_prekey_id(&self) -> Result<u32>;
    fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()>;
    fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>>;
    fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>>;
    fn remove_signed_prekey(&self, id: u32) -> Result<()>;
    fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()>;
    fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()>;
    fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>>;
    fn delete_sender_key(&self, address: &str) -> Result<()>;
});

pass_to_store!(AppSyncStore {
    fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>>;
    fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()>;
    fn get_version(&self, name: &str) -> Result<HashState>;
    fn set_version(&self, name: &str, state: HashState) -> Result<()>;
    fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC]
    ) -> Result<()>;
    fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>>;
    fn get_mutation_macs(
        &self,
        name: &str,
        index_macs: &[[u8; 32]]
    ) -> Result<std::collections::HashMap<[u8; 32], Vec<u8>>>;
    fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()>;
    fn clear_mutation_macs(&self, name: &str) -> Result<()>;
    fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>>;
});

pass_to_store!(ProtocolStore {
    fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>>;
    fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()>;
    fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()>;
    fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()>;
    fn clear_all_sender_key_devices(&self) -> Result<()>;
    fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>>;
    fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>>;
    fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()>;
    fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> Result<()>;
    fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>>;
    fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()>;
    fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8]
    ) -> Result<bool>;
    fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()>;
    fn update_device_list(&self, record: DeviceListRecord) -> Result<()>;
    fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> Result<()>;
    fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>>;
    fn delete_devices(&self, user: &str) -> Result<()>;
    fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>>;
    fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()>;
    fn delete_group_metadata(&self, group_jid: &str) -> Result<()>;
    fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>>;
    fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()>;
    fn delete_tc_token(&self, jid: &str) -> Result<()>;
    fn get_all_tc_token_jids(&self) -> Result<Vec<String>>;
    fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32>;
    fn touch_tc_token_sender_timestamp(&self, jid: &str, sender_timestamp: i64) -> Result<()>;
    fn store_received_tc_token(
        &self,
        jid: &str,
        token: &[u8],
        token_timestamp: i64
    ) -> Result<()>;
    fn store_sent_message(&self, chat_jid: &str, message_id: &str, payload: &[u8]) -> Result<()>;
    fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>>;
    #[sweep(SentMessages, cutoff_timestamp)]
    fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32>;
    fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8]
    ) -> Result<()>;
    fn get_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<Option<Vec<u8>>>;
    fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()>;
    #[sweep(PendingInbound, cutoff_timestamp)]
    fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32>;
    fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> Result<()>;
    fn delete_pending_inbound_batch(&self, keys: &[PendingInboundKey<'_>]) -> Result<()>;
});

pass_to_store!(MsgSecretStore {
    fn put_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
        secret: &[u8; whatsapp_rust::wacore::reporting_token::MESSAGE_SECRET_SIZE]
    ) -> Result<()>;
    fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize>;
    fn get_msg_secret(&self, chat: &str, sender: &str, msg_id: &str) -> Result<Option<Vec<u8>>>;
    fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str
    ) -> Result<Option<(Vec<u8>, i64)>>;
    #[sweep(MsgSecrets, cutoff_timestamp)]
    fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32>;
});

// `resource_report` stays the trait's empty default: walink never asks.
pass_to_store!(DeviceStore {
    fn save(&self, device: &Device) -> Result<()>;
    fn load(&self) -> Result<Option<Device>>;
    fn exists(&self) -> Result<bool>;
    fn create(&self) -> Result<i32>;
    fn snapshot_db(&self, name: &str, extra_content: Option<&[u8]>) -> Result<()>;
});
