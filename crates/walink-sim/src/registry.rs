//! Which companions are linked to which phone (impl block on [`Hub`]).

use wacore::libsignal::protocol::KeyPair;
use wacore_binary::Jid;

use super::error::SimError;
use super::events::{ConnId, DeviceInfo, PresenceSeen, SimEvent};
use super::hub::{ConnCmd, DeviceRecord, Hub, State};
use super::phone::{MAX_COMPANIONS, PhoneAccount};
use super::stanza;

/// What a phone needs to issue one pair-success.
pub(crate) struct Grant {
    pub(crate) device: u16,
    pub(crate) key_index: u32,
    pub(crate) lid: String,
    pub(crate) identity: KeyPair,
    pub(crate) push_name: Option<String>,
    pub(crate) client_static: [u8; 32],
}

pub(crate) fn ensure_phone<'a>(
    st: &'a mut State,
    number: &str,
    lid: Option<&str>,
) -> &'a mut PhoneAccount {
    st.phones
        .entry(number.to_owned())
        .or_insert_with(|| PhoneAccount::new(number, lid))
}

impl Hub {
    /// Registration for a login payload, if the device may log in.
    pub(crate) fn lookup_login(
        &self,
        client_static: &[u8; 32],
        username: Option<u64>,
        device: Option<u32>,
    ) -> Option<DeviceRecord> {
        let mut guard = self.state();
        let st = &mut *guard;
        if let Some(rec) = st.devices.by_key(client_static) {
            // The payload must name the same account the key was linked to.
            let same = username.map(|u| u.to_string()).as_deref() == Some(rec.phone.as_str())
                && device == Some(u32::from(rec.device));
            return same.then(|| rec.clone());
        }
        if !self.config.auto_register_logins {
            return None;
        }
        let phone = username?.to_string();
        let device = u16::try_from(device?).ok()?;
        let lid = ensure_phone(st, &phone, None).lid.clone();
        let rec = DeviceRecord {
            jid: Jid::pn_device(phone.as_str(), device).to_string(),
            phone,
            device,
            lid,
            client_static: *client_static,
            key_index: u32::from(device),
            presences: Vec::new(),
            shown_as: None,
        };
        st.devices.put(rec.clone());
        drop(guard);
        self.persist();
        Some(rec)
    }

    /// Allocates the next device id of `number` for the companion on `conn`.
    pub(crate) fn reserve_device(&self, number: &str, conn: ConnId) -> Result<Grant, SimError> {
        let mut guard = self.state();
        let st = &mut *guard;
        let client_static = st
            .conns
            .get(&conn)
            .and_then(|c| c.client_static)
            .ok_or(SimError::ConnectionGone(conn))?;
        let linked = st
            .devices
            .of_phone(number)
            .filter(|d| d.client_static != client_static)
            .count();
        if linked >= MAX_COMPANIONS {
            return Err(SimError::TooManyCompanions(number.to_owned()));
        }
        let account = st
            .phones
            .get_mut(number)
            .ok_or_else(|| SimError::UnknownPhone(number.to_owned()))?;
        let device = account.next_device;
        account.next_device = account.next_device.wrapping_add(1).max(1);
        let key_index = account.next_key_index;
        account.next_key_index += 1;
        let grant = Grant {
            device,
            key_index,
            lid: account.lid.clone(),
            identity: account.identity.clone(),
            push_name: account.push_name.clone(),
            client_static,
        };
        drop(guard);
        self.persist();
        Ok(grant)
    }

    /// A companion re-pairing with the same key replaces its old record.
    pub(crate) fn record_device(&self, rec: DeviceRecord) {
        {
            let mut st = self.state();
            st.devices.put(rec);
        }
        self.persist();
    }

    /// Logout: forget the device behind this Noise key.
    pub(crate) fn forget_device(&self, client_static: &[u8; 32]) -> Option<String> {
        let jid = {
            let mut st = self.state();
            st.devices
                .remove_where(|d| &d.client_static == client_static)?
                .jid
        };
        self.persist();
        Some(jid)
    }

    /// Phone-side unlink: forget the device and kick its live connections.
    pub(crate) fn unlink(&self, number: &str, device: u16) -> Result<String, SimError> {
        let (jid, live) = {
            let mut st = self.state();
            let jid = st
                .devices
                .remove_where(|d| d.phone == number && d.device == device)
                .ok_or_else(|| SimError::UnknownDevice {
                    phone: number.to_owned(),
                    device,
                })?
                .jid;
            let live = st.live.get(&jid).and_then(|c| st.conns.get(c));
            (jid, live.map(|c| c.tx.clone()))
        };
        self.persist();
        if let Some(tx) = live {
            // A connection closing meanwhile needs no kick.
            let _ = tx.send(ConnCmd::SendThenClose(stanza::stream_conflict(
                "device_removed",
            )));
        }
        self.emit(SimEvent::Unlinked {
            phone: number.to_owned(),
            device_jid: jid.clone(),
        });
        Ok(jid)
    }

    pub(crate) fn registered_devices(&self) -> Vec<DeviceInfo> {
        let st = self.state();
        st.devices
            .iter()
            .map(|d| DeviceInfo {
                phone: d.phone.clone(),
                jid: d.jid.clone(),
                device: d.device,
                presences: d.presences.clone(),
                shown_as: d.shown_as.clone(),
                connected: st.live.contains_key(&d.jid),
            })
            .collect()
    }

    /// A `<presence>` from the device logged in on `conn`.
    pub(crate) fn record_presence(&self, conn: ConnId, seen: PresenceSeen) {
        let mut guard = self.state();
        let st = &mut *guard;
        let Some(jid) = st.conns.get(&conn).and_then(|c| c.device_jid.clone()) else {
            return;
        };
        if let Some(d) = st.devices.by_jid_mut(&jid) {
            d.presences.push(seen);
        }
    }

    /// `conn` is now the device's connection. One device has one stream at
    /// a time: any other of the same device gets `<conflict
    /// type="replaced"/>` and is closed, as WhatsApp does (whatsmeow's
    /// `StreamReplaced`, Baileys' `connectionReplaced`).
    pub(crate) fn mark_logged_in(&self, conn: ConnId, rec: &DeviceRecord) {
        let older = {
            let mut st = self.state();
            let older = st.log_in(conn, &rec.phone, &rec.jid);
            older.and_then(|old| {
                st.replaced += 1;
                if old.0 > conn.0 {
                    st.replaced_by_older += 1;
                    tracing::warn!(
                        "{old} replaced by a login that finished later on the older {conn}"
                    );
                }
                st.conns.get(&old).map(|c| (old, c.tx.clone()))
            })
        };
        if let Some((old, tx)) = older {
            let _ = tx.send(ConnCmd::SendThenClose(stanza::stream_conflict("replaced")));
            self.emit(SimEvent::Replaced {
                conn: old,
                device_jid: rec.jid.clone(),
            });
        }
    }

    pub(crate) fn replaced(&self) -> (usize, usize) {
        let st = self.state();
        (st.replaced, st.replaced_by_older)
    }
}
