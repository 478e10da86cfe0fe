//! Every companion device the simulator has registered, in the order they
//! came, found by Noise key, by JID or by account without a scan: a
//! stanza's sender, a login and a device list each look one up, and with
//! 10,000 devices a scan per stanza made the simulator's CPU grow with the
//! square of the sessions it serves.

use std::collections::HashMap;

use super::hub::DeviceRecord;

#[derive(Default)]
pub(crate) struct Devices {
    list: Vec<DeviceRecord>,
    by_key: HashMap<[u8; 32], usize>,
    by_jid: HashMap<String, usize>,
    by_phone: HashMap<String, Vec<usize>>,
}

impl Devices {
    /// Registers `rec`; one with the same Noise key is replaced (a
    /// companion pairing again with its key).
    pub(crate) fn put(&mut self, rec: DeviceRecord) {
        if self.by_key.contains_key(&rec.client_static) {
            self.remove_where(|d| d.client_static == rec.client_static);
        }
        let at = self.list.len();
        self.index(at, &rec);
        self.list.push(rec);
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, DeviceRecord> {
        self.list.iter()
    }

    pub(crate) fn by_key(&self, key: &[u8; 32]) -> Option<&DeviceRecord> {
        self.by_key.get(key).map(|&i| &self.list[i])
    }

    pub(crate) fn by_jid_mut(&mut self, jid: &str) -> Option<&mut DeviceRecord> {
        self.by_jid.get(jid).map(|&i| &mut self.list[i])
    }

    /// The account's companions, in the order they came.
    pub(crate) fn of_phone<'a>(&'a self, phone: &str) -> impl Iterator<Item = &'a DeviceRecord> {
        self.by_phone
            .get(phone)
            .into_iter()
            .flatten()
            .map(|&i| &self.list[i])
    }

    pub(crate) fn find(&self, phone: &str, device: u16) -> Option<&DeviceRecord> {
        self.of_phone(phone).find(|d| d.device == device)
    }

    /// Forgets the first device `pred` picks (rare: a logout or an unlink,
    /// so the indexes are simply rebuilt).
    pub(crate) fn remove_where(
        &mut self,
        pred: impl Fn(&DeviceRecord) -> bool,
    ) -> Option<DeviceRecord> {
        let at = self.list.iter().position(pred)?;
        let gone = self.list.remove(at);
        self.by_key.clear();
        self.by_jid.clear();
        self.by_phone.clear();
        let list = std::mem::take(&mut self.list);
        for (i, rec) in list.iter().enumerate() {
            self.index(i, rec);
        }
        self.list = list;
        Some(gone)
    }

    fn index(&mut self, at: usize, rec: &DeviceRecord) {
        self.by_key.insert(rec.client_static, at);
        self.by_jid.insert(rec.jid.clone(), at);
        self.by_phone.entry(rec.phone.clone()).or_default().push(at);
    }
}

#[cfg(test)]
mod tests {
    use super::Devices;
    use crate::hub::DeviceRecord;

    fn rec(phone: &str, device: u16, key: u8) -> DeviceRecord {
        DeviceRecord {
            phone: phone.into(),
            device,
            jid: format!("{phone}:{device}@s.whatsapp.net"),
            lid: format!("9{phone}"),
            client_static: [key; 32],
            key_index: u32::from(device),
            presences: Vec::new(),
            shown_as: None,
        }
    }

    #[test]
    fn found_by_key_jid_and_account_after_puts_and_removals() {
        let mut all = Devices::default();
        all.put(rec("1555", 1, 1));
        all.put(rec("1555", 2, 2));
        all.put(rec("1666", 1, 3));
        assert_eq!(all.by_key(&[2; 32]).map(|d| d.device), Some(2));
        assert_eq!(
            all.of_phone("1555").map(|d| d.device).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(all.by_jid_mut("1666:1@s.whatsapp.net").is_some());

        // The same key pairing again replaces its record, last in order.
        all.put(rec("1555", 4, 1));
        let order: Vec<_> = all.iter().map(|d| (d.phone.as_str(), d.device)).collect();
        assert_eq!(order, [("1555", 2), ("1666", 1), ("1555", 4)]);
        assert!(all.find("1555", 1).is_none());
        assert!(all.by_jid_mut("1555:1@s.whatsapp.net").is_none());

        let gone = all.remove_where(|d| d.phone == "1555" && d.device == 2);
        assert_eq!(gone.map(|d| d.device), Some(2));
        assert!(all.by_key(&[2; 32]).is_none());
        assert_eq!(all.find("1555", 4).map(|d| d.client_static), Some([1; 32]));
        assert_eq!(all.by_key(&[3; 32]).map(|d| d.phone.as_str()), Some("1666"));
        assert!(all.remove_where(|d| d.device == 9).is_none());
    }
}
