//! `walink sim --state FILE`: the accounts, devices and pre-key counts the
//! server keeps, written after every change and read back at start. The real
//! server never forgets a device because it restarted;
//! neither may the simulator, or every session is logged out after it.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use wacore::libsignal::protocol::{KeyPair, PrivateKey};

use super::error::SimError;
use super::hub::{DeviceRecord, ShownAs, State};
use super::phone::PhoneAccount;

/// Bumped when the file's shape changes; an unknown one is refused.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    version: u32,
    phones: Vec<SavedPhone>,
    devices: Vec<SavedDevice>,
}

#[derive(Serialize, Deserialize)]
struct SavedPhone {
    number: String,
    lid: String,
    /// Hex of the private half; the public half follows from it.
    identity: String,
    next_device: u16,
    next_key_index: u32,
    push_name: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SavedDevice {
    phone: String,
    device: u16,
    jid: String,
    lid: String,
    client_static: String,
    shown_as: Option<(String, String)>,
    /// Pre-keys this device uploaded and the server still holds.
    prekeys: usize,
}

/// The file's text for `st`.
pub(crate) fn snapshot(st: &State) -> String {
    let phones = st
        .phones
        .iter()
        .map(|(number, p)| SavedPhone {
            number: number.clone(),
            lid: p.lid.clone(),
            identity: hex::encode(p.identity.private_key.serialize()),
            next_device: p.next_device,
            next_key_index: p.next_key_index,
            push_name: p.push_name.clone(),
        })
        .collect();
    let devices = st
        .devices
        .iter()
        .map(|d| SavedDevice {
            phone: d.phone.clone(),
            device: d.device,
            jid: d.jid.clone(),
            lid: d.lid.clone(),
            client_static: hex::encode(d.client_static),
            shown_as: d
                .shown_as
                .as_ref()
                .map(|s| (s.os.clone(), s.platform.clone())),
            prekeys: st.prekeys.get(&d.client_static).copied().unwrap_or(0),
        })
        .collect();
    let saved = Saved {
        version: VERSION,
        phones,
        devices,
    };
    serde_json::to_string_pretty(&saved).expect("plain data serializes")
}

/// Write atomically (a temp file renamed over), private to this user.
pub(crate) fn write(path: &Path, text: &str) -> Result<(), SimError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The state kept in `path`; an empty state when there is no file yet.
pub(crate) fn load(path: &Path) -> Result<State, SimError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(e.into()),
    };
    let bad = |why: String| SimError::State(format!("{}: {why}", path.display()));
    let saved: Saved = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if saved.version != VERSION {
        return Err(bad(format!(
            "written as version {}, this simulator reads {VERSION}",
            saved.version
        )));
    }
    let mut st = State::default();
    for p in saved.phones {
        let key = hex::decode(&p.identity).map_err(|e| bad(e.to_string()))?;
        let private = PrivateKey::deserialize(&key).map_err(|e| bad(e.to_string()))?;
        let identity = KeyPair::try_from(private).map_err(|e| bad(e.to_string()))?;
        let account = PhoneAccount {
            lid: p.lid,
            identity,
            next_device: p.next_device,
            next_key_index: p.next_key_index,
            push_name: p.push_name,
        };
        st.phones.insert(p.number, account);
    }
    let mut prekeys = HashMap::new();
    for d in saved.devices {
        let key = hex::decode(&d.client_static).map_err(|e| bad(e.to_string()))?;
        let client_static: [u8; 32] = key
            .try_into()
            .map_err(|_| bad("a device key is not 32 bytes".into()))?;
        prekeys.insert(client_static, d.prekeys);
        st.devices.push(DeviceRecord {
            phone: d.phone,
            device: d.device,
            jid: d.jid,
            lid: d.lid,
            client_static,
            presences: Vec::new(),
            shown_as: d.shown_as.map(|(os, platform)| ShownAs { os, platform }),
        });
    }
    st.prekeys = prekeys;
    Ok(st)
}
