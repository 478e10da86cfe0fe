//! A company's own settings, and a change to them, checked at the edge.

use thiserror::Error;

use super::proxy::{ProxyChoice, ProxyError};
use super::send_guard::SendLimits;
use super::{DisplayName, NameError};

const NOTE_MAX: usize = 500;

/// What a company has set; `None` means "as `walink serve` says".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompanySettings {
    pub proxy: ProxyChoice,
    /// Two letters, for numbers typed without `+`.
    pub country: Option<String>,
    /// For the admins; never sent anywhere.
    pub note: String,
    pub send_per_minute: Option<u32>,
    pub new_chats_per_day: Option<u32>,
}

impl CompanySettings {
    /// The send guard's limits for this company, over serve's.
    pub fn limits(&self, serve: SendLimits) -> SendLimits {
        SendLimits {
            per_minute: self.send_per_minute.unwrap_or(serve.per_minute),
            new_chats_per_day: self.new_chats_per_day.unwrap_or(serve.new_chats_per_day),
        }
    }
}

/// A change: each field given is set, the others stay. `Some(None)` puts
/// an optional one back to serve's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsChange {
    pub name: Option<DisplayName>,
    pub proxy: Option<ProxyChoice>,
    pub country: Option<Option<String>>,
    pub note: Option<String>,
    pub send_per_minute: Option<Option<u32>>,
    pub new_chats_per_day: Option<Option<u32>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    #[error("name: {0}")]
    Name(#[from] NameError),
    #[error("proxy: {0}")]
    Proxy(#[from] ProxyError),
    #[error("country: {0}")]
    Country(#[from] super::country::UnknownCountry),
    #[error("note: at most {NOTE_MAX} characters (this one has {0})")]
    NoteTooLong(usize),
    #[error("{0}: a limit is a whole number from 1, or \"default\"")]
    Limit(&'static str),
    #[error("nothing to change: give at least one setting")]
    Empty,
}

impl SettingsChange {
    /// From the words a person types (the CLI and the API share it).
    pub fn parse(raw: &RawChange) -> Result<Self, SettingsError> {
        let optional = |v: &Option<String>| -> Option<Option<String>> {
            v.as_ref().map(|s| {
                let s = s.trim();
                (!s.is_empty() && s != "default").then(|| s.to_owned())
            })
        };
        let limit = |what: &'static str, v: &Option<String>| {
            optional(v)
                .map(|v| {
                    v.map(|n| match n.parse::<u32>() {
                        Ok(n) if n > 0 => Ok(n),
                        _ => Err(SettingsError::Limit(what)),
                    })
                    .transpose()
                })
                .transpose()
        };
        let change = Self {
            name: raw.name.as_deref().map(DisplayName::parse).transpose()?,
            proxy: raw.proxy.as_deref().map(ProxyChoice::parse).transpose()?,
            country: optional(&raw.country)
                .map(|c| c.map(|c| super::country::parse_country(&c)).transpose())
                .transpose()?,
            note: match &raw.note {
                Some(n) if n.chars().count() > NOTE_MAX => {
                    return Err(SettingsError::NoteTooLong(n.chars().count()));
                }
                other => other.as_ref().map(|n| n.trim().to_owned()),
            },
            send_per_minute: limit("send per minute", &raw.send_per_minute)?,
            new_chats_per_day: limit("new chats per day", &raw.new_chats_per_day)?,
        };
        if change == Self::default() {
            return Err(SettingsError::Empty);
        }
        Ok(change)
    }

    /// The words that parse back to this change: how it crosses the
    /// control socket, where it is checked again.
    pub fn to_raw(&self) -> RawChange {
        let or_default = |v: Option<String>| v.unwrap_or_else(|| "default".to_owned());
        let limit = |l: Option<Option<u32>>| l.map(|n| or_default(n.map(|n| n.to_string())));
        RawChange {
            name: self.name.as_ref().map(|n| n.to_string()),
            proxy: self.proxy.as_ref().map(|p| or_default(p.stored())),
            country: self.country.clone().map(or_default),
            note: self.note.clone(),
            send_per_minute: limit(self.send_per_minute),
            new_chats_per_day: limit(self.new_chats_per_day),
        }
    }

    pub fn apply(&self, to: &mut CompanySettings) {
        if let Some(p) = &self.proxy {
            to.proxy = p.clone();
        }
        if let Some(c) = &self.country {
            to.country = c.clone();
        }
        if let Some(n) = &self.note {
            to.note = n.clone();
        }
        if let Some(l) = self.send_per_minute {
            to.send_per_minute = l;
        }
        if let Some(l) = self.new_chats_per_day {
            to.new_chats_per_day = l;
        }
    }
}

/// A company's settings as the CLI's `--json` and the API show them: the
/// proxy's password never in full.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    pub slug: String,
    pub name: String,
    /// `default` (walink serve's --proxy), `none`, or its own address with
    /// the password as •••.
    pub proxy: String,
    /// What its session dials through now (password as •••); null: direct.
    pub proxy_in_use: Option<String>,
    /// null: walink serve's --country.
    pub country: Option<String>,
    pub note: String,
    /// null: walink serve's send limits.
    pub send_per_minute: Option<u32>,
    pub new_chats_per_day: Option<u32>,
}

impl SettingsView {
    pub fn new(
        company: &super::Company,
        s: &CompanySettings,
        serve_proxy: Option<&super::ProxyUrl>,
    ) -> Self {
        Self {
            slug: company.slug.to_string(),
            name: company.name.to_string(),
            proxy: s.proxy.to_string(),
            proxy_in_use: s.proxy.effective(serve_proxy).map(|p| p.to_string()),
            country: s.country.clone(),
            note: s.note.clone(),
            send_per_minute: s.send_per_minute,
            new_chats_per_day: s.new_chats_per_day,
        }
    }
}

/// A change as typed: each field absent, or its text (`default` resets).
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    pub name: Option<String>,
    /// socks5://[user:pass@]host:port, socks5h://…, http://…; `none`;
    /// `default` (walink serve's --proxy)
    pub proxy: Option<String>,
    /// Two letters, or `default`
    pub country: Option<String>,
    pub note: Option<String>,
    /// A number from 1, or `default`
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = Option<String>)]
    pub send_per_minute: Option<String>,
    /// A number from 1, or `default`
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = Option<String>)]
    pub new_chats_per_day: Option<String>,
}

impl std::fmt::Debug for RawChange {
    /// The proxy as it would be shown: its password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proxy = self.proxy.as_deref().map(|p| match ProxyChoice::parse(p) {
            Ok(choice) => choice.to_string(),
            Err(_) => "(not a proxy address)".to_owned(),
        });
        f.debug_struct("RawChange")
            .field("name", &self.name)
            .field("proxy", &proxy)
            .field("country", &self.country)
            .field("note", &self.note)
            .field("send_per_minute", &self.send_per_minute)
            .field("new_chats_per_day", &self.new_chats_per_day)
            .finish()
    }
}

/// A limit may come as `5` or `"5"` (or `"default"`).
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Number(i64),
    }
    let given: Option<Given> = serde::Deserialize::deserialize(d)?;
    Ok(given.map(|g| match g {
        Given::Text(t) => t,
        Given::Number(n) => n.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProxyUrl;

    fn raw(f: impl FnOnce(&mut RawChange)) -> RawChange {
        let mut r = RawChange::default();
        f(&mut r);
        r
    }

    #[test]
    fn changes_parse_from_what_people_type() {
        let c = SettingsChange::parse(&raw(|r| {
            r.proxy = Some("socks5://u:p@127.0.0.1:1080".into());
            r.country = Some("de".into());
            r.send_per_minute = Some("5".into());
        }))
        .expect("parse");
        assert_eq!(
            c.proxy,
            Some(ProxyChoice::Via(
                ProxyUrl::parse("socks5://u:p@127.0.0.1:1080").expect("url")
            ))
        );
        assert_eq!(c.country, Some(Some("DE".into())));
        assert_eq!(c.send_per_minute, Some(Some(5)));
        assert_eq!(c.note, None);

        let reset = SettingsChange::parse(&raw(|r| {
            r.country = Some("default".into());
            r.send_per_minute = Some("".into());
            r.proxy = Some("none".into());
        }))
        .expect("reset");
        assert_eq!(reset.country, Some(None));
        assert_eq!(reset.send_per_minute, Some(None));
        assert_eq!(reset.proxy, Some(ProxyChoice::Off));
    }

    #[test]
    fn a_change_crosses_the_socket_as_words_and_back() {
        let change = SettingsChange::parse(&raw(|r| {
            r.name = Some("Acme".into());
            r.proxy = Some("http://u:p%40ss@h.example:3128".into());
            r.country = Some("default".into());
            r.note = Some("".into());
            r.new_chats_per_day = Some("7".into());
        }))
        .expect("parse");
        assert_eq!(SettingsChange::parse(&change.to_raw()), Ok(change.clone()));
        let shown = format!("{:?}", change.to_raw());
        assert!(
            shown.contains("u:•••@h.example") && !shown.contains("p%40ss"),
            "{shown}"
        );
    }

    #[test]
    fn bad_changes_name_the_setting() {
        let table: [(RawChange, &str); 5] = [
            (
                raw(|r| r.proxy = Some("ftp://h:1".into())),
                "proxy: walink speaks socks5, socks5h and http (CONNECT) proxies, not ftp://",
            ),
            (
                raw(|r| r.country = Some("XX".into())),
                "country: \"XX\" is not a country code; use two letters (ISO 3166), e.g. RU, DE, GB",
            ),
            (
                raw(|r| r.send_per_minute = Some("0".into())),
                "send per minute: a limit is a whole number from 1, or \"default\"",
            ),
            (
                raw(|r| r.note = Some("x".repeat(501))),
                "note: at most 500 characters (this one has 501)",
            ),
            (
                RawChange::default(),
                "nothing to change: give at least one setting",
            ),
        ];
        for (r, want) in table {
            assert_eq!(
                SettingsChange::parse(&r).unwrap_err().to_string(),
                want,
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_company_s_limits_override_serve_s_one_by_one() {
        let serve = SendLimits {
            per_minute: 20,
            new_chats_per_day: 30,
        };
        let mut s = CompanySettings::default();
        assert_eq!(s.limits(serve), serve);
        s.send_per_minute = Some(3);
        assert_eq!(
            s.limits(serve),
            SendLimits {
                per_minute: 3,
                new_chats_per_day: 30
            }
        );
    }
}
