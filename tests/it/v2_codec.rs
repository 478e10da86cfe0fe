//! Nodes in token dictionary version 2, as Baileys 6 writes and reads them,
//! for the raw client of `sim_dict_v2`.

use whatsapp_rust::wacore_binary::Node;
use whatsapp_rust::wacore_binary::marshal::unmarshal_ref;
use whatsapp_rust::wacore_binary::token::{self, TokenKind};

// The version-2 string tables, taken from the simulator's source rather
// than copied (its `dict` module is private to its crate).
#[path = "../../crates/walink-sim/src/dict_v2.rs"]
mod dict_v2;

/// A node in version-2 tokens, read through the v2 tables: rewritten into
/// version 3, then decoded by wacore-binary itself.
pub(crate) fn read_v2(v2: &[u8]) -> Node {
    let v3 = V2ToV3::rewrite(v2);
    unmarshal_ref(&v3)
        .expect("the rewritten node reads as version 3")
        .to_owned()
}

pub(crate) fn attr(node: &Node, key: &str) -> Option<String> {
    node.attrs.get(key).map(|v| v.as_str().into_owned())
}

/// `<tag attrs…>children</tag>` as Baileys 6 writes it: each string as its
/// version-2 token where there is one, as raw bytes otherwise.
pub(crate) fn v2_node(tag: &str, attrs: &[(&str, &str)], children: &[Vec<u8>]) -> Vec<u8> {
    let size = 1 + 2 * attrs.len() + usize::from(!children.is_empty());
    let mut out = vec![token::LIST_8, u8::try_from(size).expect("a small node")];
    v2_string(tag, &mut out);
    for (key, value) in attrs {
        v2_string(key, &mut out);
        v2_string(value, &mut out);
    }
    if !children.is_empty() {
        let count = u8::try_from(children.len()).expect("a few children");
        out.extend([token::LIST_8, count]);
        for child in children {
            out.extend_from_slice(child);
        }
    }
    out
}

pub(crate) fn v2_string(s: &str, out: &mut Vec<u8>) {
    // Index 0 is the empty string, which is never written as a token.
    let single = (1u8..)
        .zip(&dict_v2::SINGLE_BYTE[1..])
        .find(|(_, t)| **t == s)
        .map(|(i, _)| i);
    let double = (0u8..).zip(&dict_v2::DOUBLE_BYTE).find_map(|(d, table)| {
        (0u8..=255)
            .zip(table)
            .find(|(_, t)| **t == s)
            .map(|(i, _)| (d, i))
    });
    match (single, double) {
        (Some(i), _) => out.push(i),
        (None, Some((d, i))) => out.extend([token::DICTIONARY_0 + d, i]),
        (None, None) => raw(s, out),
    }
}

/// A string spelled out (BINARY_8), which every dictionary version reads.
pub(crate) fn raw(s: &str, out: &mut Vec<u8>) {
    let len = u8::try_from(s.len()).expect("a string under 256 bytes");
    out.extend([token::BINARY_8, len]);
    out.extend_from_slice(s.as_bytes());
}

/// Walks one binary node in version-2 tokens and writes it in version 3:
/// the layout is the same in both, so only string tokens change; lists, raw
/// and packed strings and JIDs are copied through.
pub(crate) struct V2ToV3<'a> {
    rest: &'a [u8],
    out: Vec<u8>,
}

impl<'a> V2ToV3<'a> {
    fn rewrite(v2: &'a [u8]) -> Vec<u8> {
        let mut walk = Self {
            rest: v2,
            out: Vec::with_capacity(v2.len()),
        };
        walk.node();
        assert!(walk.rest.is_empty(), "bytes left after the node");
        walk.out
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let rest: &'a [u8] = self.rest;
        let (head, tail) = rest.split_at_checked(n).expect("the node ends early");
        self.rest = tail;
        head
    }

    fn byte(&mut self) -> u8 {
        self.take(1)[0]
    }

    /// Copies `n` bytes through unchanged.
    fn copy(&mut self, n: usize) -> &'a [u8] {
        let bytes = self.take(n);
        self.out.extend_from_slice(bytes);
        bytes
    }

    /// Copies a big-endian length of `n` bytes through, and returns it.
    fn length(&mut self, n: usize) -> usize {
        self.copy(n)
            .iter()
            .fold(0, |len, b| (len << 8) | usize::from(*b))
    }

    /// A list header whose tag byte was read; returns its item count.
    fn list(&mut self, tag: u8) -> usize {
        self.out.push(tag);
        match tag {
            token::LIST_EMPTY => 0,
            token::LIST_8 => self.length(1),
            token::LIST_16 => self.length(2),
            other => panic!("{other} is not a list tag"),
        }
    }

    /// A list of: the tag, a key and a value per attribute, and the content
    /// when the count is even.
    fn node(&mut self) {
        let tag = self.byte();
        let size = self.list(tag);
        assert!(size > 0, "an empty node");
        for _ in 0..1 + 2 * ((size - 1) / 2) {
            self.string();
        }
        if size.is_multiple_of(2) {
            match self.byte() {
                t @ (token::LIST_8 | token::LIST_16) => {
                    for _ in 0..self.list(t) {
                        self.node();
                    }
                }
                t => self.string_from(t),
            }
        }
    }

    fn string(&mut self) {
        let tag = self.byte();
        self.string_from(tag);
    }

    /// One string (or raw bytes) whose tag byte `tag` was read.
    fn string_from(&mut self, tag: u8) {
        match tag {
            token::LIST_EMPTY => self.out.push(tag),
            token::BINARY_8 | token::BINARY_20 | token::BINARY_32 => {
                self.out.push(tag);
                let width = match tag {
                    token::BINARY_8 => 1,
                    token::BINARY_20 => 3,
                    _ => 4,
                };
                let n = self.length(width);
                self.copy(n);
            }
            token::HEX_8 | token::NIBBLE_8 => {
                self.out.push(tag);
                // Top bit: odd length; the rest: how many packed bytes follow.
                let packed = self.copy(1)[0] & 0x7f;
                self.copy(usize::from(packed));
            }
            token::JID_PAIR => {
                // User (or LIST_EMPTY), then server.
                self.out.push(tag);
                self.string();
                self.string();
            }
            token::AD_JID => {
                // Domain type and device bytes, then the user.
                self.out.push(tag);
                self.copy(2);
                self.string();
            }
            token::DICTIONARY_0..=token::DICTIONARY_3 => {
                let i = self.byte();
                let d = usize::from(tag - token::DICTIONARY_0);
                self.token(dict_v2::DOUBLE_BYTE[d][usize::from(i)]);
            }
            _ => {
                let s = dict_v2::SINGLE_BYTE.get(usize::from(tag)).copied();
                self.token(s.unwrap_or_else(|| panic!("{tag} is no version-2 token")));
            }
        }
    }

    /// A string as its version-3 token where there is one, spelled out otherwise.
    fn token(&mut self, s: &str) {
        match token::index_of_token(s) {
            Some(TokenKind::Single(i)) => self.out.push(i),
            Some(TokenKind::Double(d, i)) => self.out.extend([token::DICTIONARY_0 + d, i]),
            None => raw(s, &mut self.out),
        }
    }
}
