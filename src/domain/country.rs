//! The country a number typed without `+` belongs to: `--country` or
//! `WALINK_COUNTRY`, else the locale (`ru_RU.UTF-8` → RU).

use std::str::FromStr;

use phonenumber::country::Id as CountryId;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not a country code; use two letters (ISO 3166), e.g. RU, DE, GB")]
pub struct UnknownCountry(pub String);

/// A known two-letter code, upper-cased.
pub fn parse_country(raw: &str) -> Result<String, UnknownCountry> {
    let code = raw.trim().to_ascii_uppercase();
    CountryId::from_str(&code)
        .map(|_| code)
        .map_err(|_| UnknownCountry(raw.to_owned()))
}

/// The default country: the explicit setting (flag or environment, already
/// merged by clap) wins; else the first locale variable that names one.
pub fn default_country(
    explicit: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, UnknownCountry> {
    if let Some(raw) = explicit.filter(|s| !s.trim().is_empty()) {
        return parse_country(raw).map(Some);
    }
    Ok(["LC_ALL", "LC_TELEPHONE", "LANG"]
        .iter()
        .filter_map(|var| env(var))
        .find(|v| !v.is_empty())
        .and_then(|locale| from_locale(&locale)))
}

/// `ru_RU.UTF-8` → RU; `C`, `POSIX` and `en` (no territory) → none.
fn from_locale(locale: &str) -> Option<String> {
    let territory = locale.split(['.', '@']).next()?.split('_').nth(1)?;
    parse_country(territory).ok()
}

/// "Russia", for the pane's "numbers without +" line.
pub fn country_label(code: &str) -> String {
    CountryId::from_str(code)
        .map(super::phone::country_name)
        .unwrap_or_else(|_| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phone;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn where_the_default_comes_from() {
        // (--country or WALINK_COUNTRY, locale variables, default)
        type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: &[Case] = &[
            (Some("ru"), &[("LANG", "de_DE.UTF-8")], Some("RU")),
            (None, &[("LANG", "ru_RU.UTF-8")], Some("RU")),
            (
                None,
                &[("LC_ALL", "en_GB.UTF-8"), ("LANG", "ru_RU.UTF-8")],
                Some("GB"),
            ),
            (
                None,
                &[("LC_TELEPHONE", "pt_BR.UTF-8"), ("LANG", "C.UTF-8")],
                Some("BR"),
            ),
            (None, &[("LC_ALL", ""), ("LANG", "de_DE@euro")], Some("DE")),
            (None, &[("LANG", "C.UTF-8")], None),
            (None, &[("LANG", "POSIX")], None),
            (None, &[], None),
        ];
        for (explicit, vars, want) in cases {
            assert_eq!(
                default_country(*explicit, env(vars)).expect("known"),
                want.map(str::to_owned),
                "{explicit:?} {vars:?}"
            );
        }
        assert_eq!(
            default_country(Some("XX"), env(&[]))
                .unwrap_err()
                .to_string(),
            "\"XX\" is not a country code; use two letters (ISO 3166), e.g. RU, DE, GB"
        );
    }

    /// How people write their own numbers, with and without a default.
    #[test]
    fn national_formats() {
        let cases: &[(&str, Option<&str>, Result<&str, &str>)] = &[
            ("8 968 648-44-88", Some("RU"), Ok("79686484488")),
            ("8 (968) 648-44-88", Some("RU"), Ok("79686484488")),
            ("968 648-44-88", Some("RU"), Ok("79686484488")),
            (
                "8 (968) 648-44-88",
                None,
                Err("add the country code, e.g. +7 968 648 44 88"),
            ),
            ("0151 23456789", Some("DE"), Ok("4915123456789")),
            (
                "0151 23456789",
                None,
                Err("add the country code, e.g. +7 900 123 45 67"),
            ),
            ("07911 123456", Some("GB"), Ok("447911123456")),
            (
                "07911 123456",
                None,
                Err("add the country code, e.g. +7 900 123 45 67"),
            ),
            ("098765 43210", Some("IN"), Ok("919876543210")),
            ("98765 43210", Some("IN"), Ok("919876543210")),
            (
                "098765 43210",
                None,
                Err("add the country code, e.g. +7 900 123 45 67"),
            ),
            ("(11) 91234-5678", Some("BR"), Ok("5511912345678")),
            (
                "(11) 91234-5678",
                None,
                Err("add the country code, e.g. +7 900 123 45 67"),
            ),
            // A default never overrides a number written with its code.
            ("+49 151 23456789", Some("RU"), Ok("4915123456789")),
            ("79686484488", None, Ok("79686484488")),
        ];
        for (typed, country, want) in cases {
            let got = Phone::parse(typed, *country)
                .map(|p| p.digits)
                .map_err(|e| e.to_string());
            assert_eq!(
                got,
                want.map(str::to_owned).map_err(str::to_owned),
                "{typed:?} with {country:?}"
            );
        }
    }

    #[test]
    fn labels() {
        assert_eq!(country_label("RU"), "Russia");
        assert_eq!(country_label("DE"), "Germany");
    }
}
