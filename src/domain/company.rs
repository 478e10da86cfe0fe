//! Company slug and display name, validated once at the edge.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

const SLUG_MIN: usize = 2;
const SLUG_MAX: usize = 32;
const NAME_MAX: usize = 80;

/// The short id an admin types: `acme`, `north-star-2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlugError {
    #[error("a company slug needs at least {SLUG_MIN} characters, e.g. acme")]
    TooShort,
    #[error("a company slug has at most {SLUG_MAX} characters")]
    TooLong,
    #[error("a company slug uses only lowercase letters a-z, digits and '-' (found {0:?})")]
    BadChar(char),
    #[error("a company slug cannot start or end with '-'")]
    EdgeDash,
}

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, SlugError> {
        let raw = raw.trim();
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(SlugError::BadChar(bad));
        }
        // Only ASCII is left, so bytes are characters.
        match raw.len() {
            n if n < SLUG_MIN => return Err(SlugError::TooShort),
            n if n > SLUG_MAX => return Err(SlugError::TooLong),
            _ => {}
        }
        if raw.starts_with('-') || raw.ends_with('-') {
            return Err(SlugError::EdgeDash);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What people call the company; any script, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("a company name cannot be empty")]
    Empty,
    #[error("a company name has at most {NAME_MAX} characters (this one has {0})")]
    TooLong(usize),
    #[error("a company name cannot contain control characters")]
    Control,
}

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err(NameError::Empty);
        }
        if chars > NAME_MAX {
            return Err(NameError::TooLong(chars));
        }
        if name.chars().any(char::is_control) {
            return Err(NameError::Control);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A company as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Company {
    pub id: i64,
    pub slug: Slug,
    pub name: DisplayName,
    /// Unix seconds.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        let long = "a".repeat(200);
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("acme", Ok("acme")),
            ("north-star-2", Ok("north-star-2")),
            ("  ab ", Ok("ab")),
            (
                "a",
                Err("a company slug needs at least 2 characters, e.g. acme"),
            ),
            (
                "",
                Err("a company slug needs at least 2 characters, e.g. acme"),
            ),
            (
                "Acme",
                Err("a company slug uses only lowercase letters a-z, digits and '-' (found 'A')"),
            ),
            (
                "acme llc",
                Err("a company slug uses only lowercase letters a-z, digits and '-' (found ' ')"),
            ),
            (&long, Err("a company slug has at most 32 characters")),
            (
                "acme🚀",
                Err("a company slug uses only lowercase letters a-z, digits and '-' (found '🚀')"),
            ),
            ("-acme", Err("a company slug cannot start or end with '-'")),
            ("acme-", Err("a company slug cannot start or end with '-'")),
        ];
        for (input, want) in cases {
            let got = Slug::parse(input).map(|s| s.as_str().to_owned());
            match want {
                Ok(s) => assert_eq!(got.as_deref(), Ok(*s), "input {input:?}"),
                Err(msg) => assert_eq!(got.unwrap_err().to_string(), *msg, "input {input:?}"),
            }
        }
    }

    #[test]
    fn names() {
        let long = "я".repeat(81);
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("Acme LLC", Ok("Acme LLC")),
            ("  ООО Ромашка  ", Ok("ООО Ромашка")),
            ("Pizza 🍕 Bar", Ok("Pizza 🍕 Bar")),
            (&long[..160], Ok(&long[..160])),
            ("", Err("a company name cannot be empty")),
            ("   \t ", Err("a company name cannot be empty")),
            (
                &long,
                Err("a company name has at most 80 characters (this one has 81)"),
            ),
            (
                "a\u{7}b",
                Err("a company name cannot contain control characters"),
            ),
        ];
        for (input, want) in cases {
            let got = DisplayName::parse(input).map(|s| s.as_str().to_owned());
            match want {
                Ok(s) => assert_eq!(got.as_deref(), Ok(*s), "input {input:?}"),
                Err(msg) => assert_eq!(got.unwrap_err().to_string(), *msg, "input {input:?}"),
            }
        }
    }
}
