//! `walink sim --state FILE`: the accounts, devices and published keys the
//! server keeps, written after every change and read back at start. The real
//! server never forgets a device because it restarted;
//! neither may the simulator, or every session is logged out after it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use wacore::libsignal::protocol::{KeyPair, PrivateKey};

use super::app_state::SyncKey;
use super::error::SimError;
use super::hub::{DeviceRecord, ShownAs, State};
use super::phone::PhoneAccount;
use super::prekeys::{Bundle, SignedKey};

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
    /// Hex of the key id, the key and its raw id; a file from before has
    /// none, and a new key is made.
    #[serde(default)]
    sync_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SavedDevice {
    phone: String,
    device: u16,
    jid: String,
    lid: String,
    client_static: String,
    shown_as: Option<(String, String)>,
    #[serde(default)]
    key_index: u32,
    /// The keys this device published and the server still holds.
    #[serde(default)]
    bundle: Option<SavedBundle>,
    #[serde(default)]
    key_shared: bool,
}

#[derive(Serialize, Deserialize)]
struct SavedBundle {
    registration: u32,
    identity: String,
    signed_id: u32,
    signed: String,
    signature: String,
    one_time: Vec<(u32, String)>,
}

impl SavedBundle {
    fn of(b: &Bundle) -> Self {
        Self {
            registration: b.registration,
            identity: hex::encode(b.identity),
            signed_id: b.signed.id,
            signed: hex::encode(b.signed.public),
            signature: hex::encode(&b.signed.signature),
            one_time: b
                .one_time
                .iter()
                .map(|(id, k)| (*id, hex::encode(k)))
                .collect(),
        }
    }

    fn read(self) -> Result<Bundle, String> {
        let key = |h: &str| -> Result<[u8; 32], String> {
            hex::decode(h)
                .map_err(|e| e.to_string())?
                .try_into()
                .map_err(|_| "a key is not 32 bytes".to_owned())
        };
        Ok(Bundle {
            registration: self.registration,
            identity: key(&self.identity)?,
            signed: SignedKey {
                id: self.signed_id,
                public: key(&self.signed)?,
                signature: hex::decode(&self.signature).map_err(|e| e.to_string())?,
            },
            one_time: self
                .one_time
                .iter()
                .map(|(id, k)| Ok((*id, key(k)?)))
                .collect::<Result<_, String>>()?,
        })
    }
}

fn sync_key_hex(k: &SyncKey) -> String {
    let mut raw = k.id.to_vec();
    raw.extend_from_slice(&k.data);
    raw.extend_from_slice(&k.raw_id.to_be_bytes());
    hex::encode(raw)
}

fn read_sync_key(h: &str) -> Result<SyncKey, String> {
    let raw = hex::decode(h).map_err(|e| e.to_string())?;
    if raw.len() != 42 {
        return Err("a sync key is not 42 bytes".to_owned());
    }
    Ok(SyncKey {
        id: raw[..6].try_into().expect("6 bytes"),
        data: raw[6..38].try_into().expect("32 bytes"),
        raw_id: u32::from_be_bytes(raw[38..].try_into().expect("4 bytes")),
    })
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
            sync_key: Some(sync_key_hex(&p.sync_key)),
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
            key_index: d.key_index,
            shown_as: d
                .shown_as
                .as_ref()
                .map(|s| (s.os.clone(), s.platform.clone())),
            bundle: st.bundles.get(&d.client_static).map(SavedBundle::of),
            key_shared: st.key_shared.contains(&d.client_static),
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
            sync_key: match p.sync_key {
                Some(h) => read_sync_key(&h).map_err(bad)?,
                None => SyncKey::generate(),
            },
        };
        st.phones.insert(p.number, account);
    }
    for d in saved.devices {
        let key = hex::decode(&d.client_static).map_err(|e| bad(e.to_string()))?;
        let client_static: [u8; 32] = key
            .try_into()
            .map_err(|_| bad("a device key is not 32 bytes".into()))?;
        if let Some(b) = d.bundle {
            st.bundles.insert(client_static, b.read().map_err(bad)?);
        }
        if d.key_shared {
            st.key_shared.insert(client_static);
        }
        st.devices.put(DeviceRecord {
            phone: d.phone,
            device: d.device,
            jid: d.jid,
            lid: d.lid,
            client_static,
            key_index: d.key_index,
            presences: Vec::new(),
            shown_as: d.shown_as.map(|(os, platform)| ShownAs { os, platform }),
        });
    }
    Ok(st)
}
