//! The device: its identity, noise and signed prekey pairs, account and
//! settings, as whatsapp-rust's own serde form of `Device`.

use std::sync::Arc;

use async_trait::async_trait;
use wacore::client_profile::ClientProfile;
use wacore::store::Device;
use wacore::store::device::DEVICE_PROPS;
use wacore::store::error::{Result, StoreError};
use wacore::store::traits::DeviceStore;

use super::{Keys, encode};

const INSERT: &str = "INSERT INTO key_device (company, device) VALUES ($1, $2)";

#[async_trait]
impl DeviceStore for Keys {
    async fn save(&self, device: &Device) -> Result<()> {
        let blob = encode(device)?;
        let sql = format!("{INSERT} ON CONFLICT (company) DO UPDATE SET device = EXCLUDED.device");
        self.write(&sql, &[&blob]).await.map(drop)
    }

    async fn load(&self) -> Result<Option<Device>> {
        let sql = "SELECT device FROM key_device WHERE company = $1";
        let Some(row) = self.row(sql, &[]).await? else {
            return Ok(None);
        };
        let mut device: Device = serde_json::from_slice(row.get(0))
            .map_err(|e| StoreError::Serialization(Box::new(e)))?;
        // What is not stored is set as whatsapp-rust sets it on a load.
        device.device_props = Arc::new(DEVICE_PROPS.clone());
        device.client_profile = ClientProfile::web();
        device.nct_salt_sync_seen = false;
        Ok(Some(device))
    }

    async fn exists(&self) -> Result<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM key_device WHERE company = $1)";
        Ok(self.rows(sql, &[]).await?[0].get(0))
    }

    /// New keys, stored: refused if the company has a device already.
    async fn create(&self) -> Result<i32> {
        let blob = encode(&Device::new())?;
        self.write(INSERT, &[&blob]).await?;
        // One device a company: its id is only ever logged.
        Ok(1)
    }
}
