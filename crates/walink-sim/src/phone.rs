//! The simulated primary phone: an account with its identity key.

use std::sync::Arc;

use wacore::libsignal::protocol::KeyPair;

use super::app_state::SyncKey;
use super::error::SimError;
use super::events::DeviceInfo;
use super::hub::Hub;
use super::{code_link, qr_link};

/// WhatsApp lets a phone link at most four companions.
pub const MAX_COMPANIONS: usize = 4;

/// Server-side record of a phone account.
pub(crate) struct PhoneAccount {
    pub(crate) lid: String,
    /// Signs every ADV device identity this phone issues.
    pub(crate) identity: KeyPair,
    pub(crate) next_device: u16,
    pub(crate) next_key_index: u32,
    /// Sent as `<biz name>` in pair-success when set.
    pub(crate) push_name: Option<String>,
    /// Seals the account's app state; the phone shares it with companions.
    pub(crate) sync_key: SyncKey,
}

impl PhoneAccount {
    pub(crate) fn new(number: &str, lid: Option<&str>) -> Self {
        Self {
            // Any distinct digit string works as a LID user for the client.
            lid: lid.map_or_else(|| format!("9{number}"), digits),
            identity: wacore::crypto::generate_curve_key_pair(),
            next_device: 1,
            next_key_index: 1,
            push_name: None,
            sync_key: SyncKey::generate(),
        }
    }

    /// The account's own name, as its companions sync it: every WhatsApp
    /// account has one, so a phone given none is named after its number's
    /// last digits.
    pub(crate) fn name(&self, number: &str) -> String {
        self.push_name.clone().unwrap_or_else(|| {
            let tail = number.len().saturating_sub(4);
            format!("Phone {}", &number[tail..])
        })
    }
}

/// The account's ADV raw id, which every device identity and key-index
/// list it signs carries: fixed for the account's identity, so a new one
/// means the account was registered again (WA Web's handleKeyIndexResult;
/// whatsapp-rust's usync resets its device record when it differs). Taken
/// from the identity key, so it needs no state of its own.
pub(crate) fn adv_raw_id(identity: &KeyPair) -> u32 {
    let key = identity.public_key.public_key_bytes();
    u32::from_be_bytes([key[0], key[1], key[2], key[3]])
}

/// Keeps only the digits of a phone number or of a JID's user part.
pub(crate) fn digits(s: &str) -> String {
    let user = s.split_once('@').map_or(s, |(user, _)| user);
    let user = user.split_once(':').map_or(user, |(user, _)| user);
    user.chars().filter(char::is_ascii_digit).collect()
}

/// Handle to one phone account; cheap to clone.
#[derive(Clone)]
pub struct Phone {
    hub: Arc<Hub>,
    number: String,
}

impl Phone {
    pub(crate) fn new(hub: Arc<Hub>, number: String) -> Self {
        Self { hub, number }
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn lid(&self) -> Option<String> {
        self.hub
            .state()
            .phones
            .get(&self.number)
            .map(|p| p.lid.clone())
    }

    /// The account's name: synced to companions, and sent as `<biz name>`
    /// in later pair-successes, as for a business account (`None` omits it).
    pub fn set_push_name(&self, name: Option<&str>) {
        if let Some(account) = self.hub.state().phones.get_mut(&self.number) {
            account.push_name = name.map(str::to_owned);
        }
        self.hub.persist();
    }

    /// Links the companion showing `qr` and returns its device JID
    /// (`<number>:<device>@s.whatsapp.net`).
    pub async fn scan_qr(&self, qr: &str) -> Result<String, SimError> {
        qr_link::scan(&self.hub, &self.number, qr).await
    }

    /// Types `code` (as displayed, `ABCD-EFGH`; the dash and case do not
    /// matter, as on a phone) and completes the link.
    pub async fn enter_code(&self, code: &str) -> Result<String, SimError> {
        let typed: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        code_link::enter_code(&self.hub, &self.number, &typed.to_ascii_uppercase()).await
    }

    /// Removes a linked device; its live connection gets `conflict device_removed`.
    pub fn unlink(&self, device: u16) -> Result<String, SimError> {
        self.hub.unlink(&self.number, device)
    }

    pub fn devices(&self) -> Vec<DeviceInfo> {
        let mut all = self.hub.registered_devices();
        all.retain(|d| d.phone == self.number);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::digits;

    #[test]
    fn digits_strips_jid_parts() {
        assert_eq!(digits("+1 (555) 123-4567"), "15551234567");
        assert_eq!(digits("15551234567@s.whatsapp.net"), "15551234567");
        assert_eq!(digits("15551234567:3@s.whatsapp.net"), "15551234567");
    }
}
