//! What a reader may see of an event: the one rule for the live stream,
//! its replay from the journal and webhook bodies. A pairing code or a QR
//! payload links a phone as the company, so it needs the `link` scope (as
//! GET …/qr does); whole numbers, in `phone` or a JID, are for admins.

use serde_json::Value;

use crate::auth::{Principal, Scope};
use crate::domain::{mask_digits, mask_jid};

/// How much of an event's data a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    /// Pairing codes and QR payloads.
    pub secrets: bool,
    /// Whole phone numbers and JIDs.
    pub whole_numbers: bool,
}

impl Sight {
    pub fn of(who: &Principal) -> Self {
        Self {
            secrets: who.may(Scope::Link),
            whole_numbers: who.may(Scope::Admin),
        }
    }
}

/// Take out of `data` (shaped as an admin sees it) what `sight` may not
/// see. A reader without secrets still learns that a code or QR exists
/// and when it expires.
pub fn redact(name: &str, data: &mut Value, sight: Sight) {
    let Some(fields) = data.as_object_mut() else {
        return;
    };
    if !sight.secrets {
        match name {
            "link.code" => fields.remove("code"),
            "link.qr" => fields.remove("qr"),
            _ => None,
        };
    }
    if !sight.whole_numbers {
        // A raw cause is the library's own text: numbers may be in it.
        fields.remove("raw");
        if let Some(p) = fields.get("phone").and_then(Value::as_str) {
            let masked = mask_digits(p);
            fields.insert("phone".into(), masked.into());
        }
        if let Some(j) = fields.get("jid").and_then(Value::as_str) {
            let masked = mask_jid(j);
            fields.insert("jid".into(), masked.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALL: Sight = Sight {
        secrets: true,
        whole_numbers: true,
    };
    const READ: Sight = Sight {
        secrets: false,
        whole_numbers: false,
    };
    const LINK: Sight = Sight {
        secrets: true,
        whole_numbers: false,
    };

    #[test]
    fn each_sight_sees_what_its_scope_allows() {
        let linked =
            json!({"company": 1, "phone": "+79167654321", "jid": "79167654321:1@s.whatsapp.net"});
        let code = json!({"company": 1, "code": "ABCD-EFGH", "expires_at": "t"});
        let qr = json!({"company": 1, "qr": "2@xyz", "expires_at": "t"});
        for (name, data, sight, want) in [
            ("link.linked", &linked, ALL, linked.clone()),
            (
                "link.linked",
                &linked,
                READ,
                json!({"company": 1, "phone": "+7916•••4321", "jid": "7916•••4321:1@s.whatsapp.net"}),
            ),
            ("link.code", &code, LINK, code.clone()),
            (
                "link.code",
                &code,
                READ,
                json!({"company": 1, "expires_at": "t"}),
            ),
            ("link.qr", &qr, LINK, qr.clone()),
            (
                "link.qr",
                &qr,
                READ,
                json!({"company": 1, "expires_at": "t"}),
            ),
            // A field of that name in another event is not a secret.
            ("log", &json!({"code": "x"}), READ, json!({"code": "x"})),
        ] {
            let mut got = data.clone();
            redact(name, &mut got, sight);
            assert_eq!(got, want, "{name} {sight:?}");
        }
    }

    #[test]
    fn scopes_map_to_sights() {
        let who = |scope| Principal {
            token_id: 1,
            scope,
            company: None,
        };
        assert_eq!(Sight::of(&who(Scope::Read)), READ);
        assert_eq!(Sight::of(&who(Scope::Link)), LINK);
        assert_eq!(Sight::of(&who(Scope::Admin)), ALL);
    }
}
