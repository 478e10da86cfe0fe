//! A company's outbound proxy: the address an admin types, checked once,
//! and the only form of it anyone sees (the password as •••).

use std::fmt;

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use thiserror::Error;

/// How the proxy is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5; walink resolves the target's name itself.
    Socks5,
    /// SOCKS5 with the name resolved by the proxy (remote DNS).
    Socks5h,
    /// An HTTP proxy, through CONNECT.
    Http,
}

impl ProxyKind {
    pub fn scheme(self) -> &'static str {
        match self {
            Self::Socks5 => "socks5",
            Self::Socks5h => "socks5h",
            Self::Http => "http",
        }
    }
}

/// A checked proxy address. `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProxyError {
    #[error(
        "a proxy is written socks5://[user:pass@]host:port, socks5h://… (the proxy resolves names) or http://[user:pass@]host:port"
    )]
    NotAUrl,
    #[error("walink speaks socks5, socks5h and http (CONNECT) proxies, not {0}://")]
    Scheme(String),
    #[error("the proxy address names no host")]
    NoHost,
    #[error("the proxy address needs its port, e.g. {0}:1080")]
    NoPort(String),
    #[error("a proxy address is only scheme://[user:pass@]host:port; remove {0:?}")]
    Extra(String),
}

impl ProxyUrl {
    pub fn parse(raw: &str) -> Result<Self, ProxyError> {
        let raw = raw.trim();
        let url = url::Url::parse(raw).map_err(|_| ProxyError::NotAUrl)?;
        let kind = match url.scheme() {
            "socks5" => ProxyKind::Socks5,
            "socks5h" => ProxyKind::Socks5h,
            "http" => ProxyKind::Http,
            other => return Err(ProxyError::Scheme(other.to_owned())),
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(ProxyError::NoHost),
        };
        // `Url` drops a port equal to the scheme's default (80 for http):
        // only a port written out is taken, so nothing is guessed.
        let port = url
            .port()
            .or_else(|| has_written_port(raw).then(|| url.port_or_known_default())?)
            .ok_or_else(|| ProxyError::NoPort(format!("{}://{host}", kind.scheme())))?;
        let rest = format!(
            "{}{}{}",
            url.path().trim_start_matches('/'),
            url.query().map(|q| format!("?{q}")).unwrap_or_default(),
            url.fragment().map(|f| format!("#{f}")).unwrap_or_default()
        );
        if !rest.is_empty() {
            return Err(ProxyError::Extra(rest));
        }
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = Some(url.username()).filter(|u| !u.is_empty()).map(decode);
        let password = url.password().map(decode);
        Ok(Self {
            kind,
            host,
            port,
            user,
            password,
        })
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// `host:port`, as a person names the proxy (IPv6 in brackets).
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The full address, password included: for the registry only.
    pub fn secret_form(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let auth = match (&self.user, &self.password) {
            (Some(u), Some(p)) => format!("{}:{}@", enc(u), enc(p)),
            (Some(u), None) => format!("{}@", enc(u)),
            (None, Some(p)) => format!(":{}@", enc(p)),
            (None, None) => String::new(),
        };
        format!("{}://{auth}{}", self.kind.scheme(), self.host_port())
    }
}

/// `host:80` written out is kept even though `Url` forgets default ports.
fn has_written_port(raw: &str) -> bool {
    let after_scheme = raw.split_once("://").map_or(raw, |(_, r)| r);
    let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
    let host_part = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let port = match host_part.rsplit_once(']') {
        Some((_, tail)) => tail.strip_prefix(':'),
        None => host_part.rsplit_once(':').map(|(_, p)| p),
    };
    port.is_some_and(|p| !p.is_empty())
}

impl fmt::Display for ProxyUrl {
    /// `socks5://user:•••@host:1080`: what logs, screens and answers show.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match (&self.user, &self.password) {
            (Some(u), Some(_)) => format!("{u}:•••@"),
            (Some(u), None) => format!("{u}@"),
            (None, Some(_)) => ":•••@".to_owned(),
            (None, None) => String::new(),
        };
        write!(f, "{}://{auth}{}", self.kind.scheme(), self.host_port())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// A company's choice: serve's default proxy, none at all, or its own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxyChoice {
    /// `walink serve --proxy`, if it has one; else direct.
    #[default]
    Default,
    /// Direct, even when serve has a default proxy.
    Off,
    Via(ProxyUrl),
}

impl ProxyChoice {
    /// What the admin types: `default`, `none`, or an address.
    pub fn parse(raw: &str) -> Result<Self, ProxyError> {
        match raw.trim() {
            "default" | "" => Ok(Self::Default),
            "none" | "off" | "direct" => Ok(Self::Off),
            url => ProxyUrl::parse(url).map(Self::Via),
        }
    }

    /// The proxy a session of this company dials through.
    pub fn effective(&self, global: Option<&ProxyUrl>) -> Option<ProxyUrl> {
        match self {
            Self::Default => global.cloned(),
            Self::Off => None,
            Self::Via(p) => Some(p.clone()),
        }
    }

    /// The registry's form: NULL for the default, `none`, or the address.
    pub fn stored(&self) -> Option<String> {
        match self {
            Self::Default => None,
            Self::Off => Some("none".to_owned()),
            Self::Via(p) => Some(p.secret_form()),
        }
    }
}

impl fmt::Display for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Off => f.write_str("none"),
            Self::Via(p) => p.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_show_no_password() {
        let table = [
            ("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080"),
            (
                "socks5h://alice:s3cret@proxy.example.com:9050",
                "socks5h://alice:•••@proxy.example.com:9050",
            ),
            (
                "http://bob:p%40ss@10.0.0.2:3128",
                "http://bob:•••@10.0.0.2:3128",
            ),
            ("http://proxy.example:80", "http://proxy.example:80"),
            ("  socks5://[::1]:1080 ", "socks5://[::1]:1080"),
            ("socks5://carol@h.example:1", "socks5://carol@h.example:1"),
        ];
        for (raw, shown) in table {
            let p = ProxyUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(p.to_string(), shown, "{raw}");
            assert_eq!(format!("{p:?}"), format!("ProxyUrl({shown})"));
        }
        let p = ProxyUrl::parse("http://bob:p%40ss@10.0.0.2:3128").expect("parse");
        assert_eq!(p.user.as_deref(), Some("bob"));
        assert_eq!(p.password(), Some("p@ss"));
    }

    #[test]
    fn the_stored_form_round_trips() {
        for raw in [
            "socks5h://alice:s3cret@proxy.example.com:9050",
            "http://a%20b:p%40ss%3Aword@10.0.0.2:3128",
            "socks5://[::1]:1080",
        ] {
            let p = ProxyUrl::parse(raw).expect(raw);
            let again = ProxyUrl::parse(&p.secret_form()).expect("stored form");
            assert_eq!(again, p, "{raw}");
            assert_eq!(again.password(), p.password());
        }
    }

    #[test]
    fn bad_addresses_say_what_to_write() {
        let table = [
            ("proxy:1080", ProxyError::Scheme("proxy".into())),
            ("https://h:443", ProxyError::Scheme("https".into())),
            ("socks4://h:1080", ProxyError::Scheme("socks4".into())),
            ("socks5://h", ProxyError::NoPort("socks5://h".into())),
            ("http://h", ProxyError::NoPort("http://h".into())),
            ("socks5://h:1080/path", ProxyError::Extra("path".into())),
            ("not a url", ProxyError::NotAUrl),
        ];
        for (raw, want) in table {
            assert_eq!(ProxyUrl::parse(raw), Err(want), "{raw}");
        }
    }

    #[test]
    fn a_choice_falls_back_to_serve_s_default_only_when_it_has_none_of_its_own() {
        let global = ProxyUrl::parse("socks5://10.0.0.1:1080").expect("global");
        let own = ProxyUrl::parse("http://10.0.0.2:3128").expect("own");
        let table = [
            ("default", Some(&global), Some(global.clone())),
            ("default", None, None),
            ("none", Some(&global), None),
            ("http://10.0.0.2:3128", Some(&global), Some(own.clone())),
            ("http://10.0.0.2:3128", None, Some(own.clone())),
        ];
        for (raw, g, want) in table {
            let choice = ProxyChoice::parse(raw).expect(raw);
            assert_eq!(choice.effective(g), want, "{raw}");
            let back = match choice.stored() {
                None => ProxyChoice::Default,
                Some(s) => ProxyChoice::parse(&s).expect("stored"),
            };
            assert_eq!(back, choice, "{raw}");
        }
    }
}
