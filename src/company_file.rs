//! One company in one file, to move it to another data directory or host
//! without relinking: what the registry knows of it (JSON) and its keys as
//! a key file of its own (the layout `KeyStore::import` reads), in a tar
//! archive readable only by its owner.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backup::{BackupError, io_at, private_file};

const CARD: &str = "company.json";
const KEYS: &str = "keys.db";
/// Bumped when the card changes shape; an unknown one is refused.
const FORMAT: u32 = 1;

/// The registry's facts that travel with a company. Its history, API
/// tokens and webhooks stay where they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub format: u32,
    pub slug: String,
    pub name: String,
    pub phone: Option<String>,
    pub jid: Option<String>,
    pub push_name: Option<String>,
}

impl Card {
    pub fn new(slug: String, name: String) -> Self {
        Self {
            format: FORMAT,
            slug,
            name,
            phone: None,
            jid: None,
            push_name: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Io(#[from] BackupError),
    #[error("{file} is not a company file made by walink company export: {why}")]
    Foreign { file: String, why: String },
}

fn foreign(file: &Path, why: impl std::fmt::Display) -> FileError {
    FileError::Foreign {
        file: file.display().to_string(),
        why: why.to_string(),
    }
}

/// Write `card` and the key file `keys` to `to` (0600), whole or not at all.
pub fn write(to: &Path, card: &Card, keys: &Path) -> Result<(), FileError> {
    let partial = PathBuf::from(format!("{}.partial", to.display()));
    let result = (|| {
        let json = serde_json::to_vec_pretty(card).map_err(|e| foreign(to, e))?;
        let mut tar = tar::Builder::new(private_file(&partial)?);
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, CARD, json.as_slice())
            .map_err(io_at(&partial))?;
        tar.append_path_with_name(keys, KEYS).map_err(io_at(keys))?;
        tar.into_inner()
            .and_then(|f| f.sync_all())
            .map_err(io_at(&partial))?;
        std::fs::rename(&partial, to).map_err(io_at(to))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Read the card of `from` and unpack its keys into `keys_to` (0600).
pub fn read(from: &Path, keys_to: &Path) -> Result<Card, FileError> {
    let file = File::open(from).map_err(io_at(from))?;
    let mut archive = tar::Archive::new(file);
    let mut card = None;
    let mut keys = false;
    for entry in archive.entries().map_err(|e| foreign(from, e))? {
        let mut entry = entry.map_err(|e| foreign(from, e))?;
        let name = entry
            .path()
            .map_err(|e| foreign(from, e))?
            .to_string_lossy()
            .into_owned();
        if name == CARD {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| foreign(from, e))?;
            card = Some(serde_json::from_str::<Card>(&text).map_err(|e| foreign(from, e))?);
        } else if name == KEYS {
            let mut out = private_file(keys_to)?;
            io::copy(&mut entry, &mut out).map_err(io_at(keys_to))?;
            out.sync_all().map_err(io_at(keys_to))?;
            keys = true;
        }
    }
    let card = card.ok_or_else(|| foreign(from, format!("it has no {CARD}")))?;
    if card.format != FORMAT {
        return Err(foreign(
            from,
            format!(
                "it is format {} and this walink reads {FORMAT}: use the walink that made it",
                card.format
            ),
        ));
    }
    if !keys {
        return Err(foreign(from, format!("it has no {KEYS}")));
    }
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_and_its_keys_come_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("k.db");
        std::fs::write(&keys, b"key bytes").unwrap();
        let mut card = Card::new("acme".into(), "Acme".into());
        card.jid = Some("79001234567:3@s.whatsapp.net".into());
        let file = dir.path().join("acme.walink");
        write(&file, &card, &keys).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let back = dir.path().join("back.db");
        assert_eq!(read(&file, &back).unwrap(), card);
        assert_eq!(std::fs::read(&back).unwrap(), b"key bytes");
    }

    #[test]
    fn a_file_that_is_not_an_export_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("junk");
        std::fs::write(&file, b"not a tar at all, just text").unwrap();
        let err = read(&file, &dir.path().join("k.db")).unwrap_err();
        assert!(err.to_string().contains("is not a company file"), "{err}");
    }
}
