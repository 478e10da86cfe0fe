//! The token dictionary a connection speaks. A client announces it in its
//! connection header (`WA 06 x`): 3 for whatsapp-rust, whatsmeow and
//! Baileys 7, 2 for Baileys 6 (npm `latest`, 6.17), and WhatsApp's server
//! speaks each connection's own. wacore-binary knows only version 3, so a
//! version-2 node is rewritten token by token on the way in and out: the
//! binary layout (lists, attributes, JIDs, packed and raw strings) is the
//! same in both, only the string tables differ (Baileys
//! `src/WABinary/constants.ts` v6.7.16 against wacore-binary `tokens.json`).

use std::collections::HashMap;
use std::sync::OnceLock;

use wacore_binary::token::{self, TokenKind};

use super::dict_v2;
use super::error::SimError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dict {
    V2,
    V3,
}

impl Dict {
    /// The dictionary a connection header's last byte names.
    pub(crate) fn from_header(version: u8) -> Option<Self> {
        match version {
            2 => Some(Self::V2),
            3 => Some(Self::V3),
            _ => None,
        }
    }

    fn single(self, i: u8) -> Option<&'static str> {
        match self {
            Self::V2 => dict_v2::SINGLE_BYTE.get(usize::from(i)).copied(),
            Self::V3 => token::get_single_token(i),
        }
    }

    fn double(self, d: u8, i: u8) -> Option<&'static str> {
        match self {
            Self::V2 => dict_v2::DOUBLE_BYTE
                .get(usize::from(d))
                .map(|t| t[usize::from(i)]),
            Self::V3 => token::get_double_token(d, i),
        }
    }

    fn index(self, s: &str) -> Option<TokenKind> {
        match self {
            Self::V2 => v2_index().get(s).copied(),
            Self::V3 => token::index_of_token(s),
        }
    }
}

fn v2_index() -> &'static HashMap<&'static str, TokenKind> {
    static INDEX: OnceLock<HashMap<&'static str, TokenKind>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let single = (1u8..).zip(&dict_v2::SINGLE_BYTE[1..]);
        let mut index: HashMap<_, _> = single.map(|(i, s)| (*s, TokenKind::Single(i))).collect();
        for (d, table) in (0u8..).zip(&dict_v2::DOUBLE_BYTE) {
            for (i, s) in (0u8..=255).zip(table) {
                index.insert(*s, TokenKind::Double(d, i));
            }
        }
        index
    })
}

/// A node's binary form (after the flags byte) in `from`'s tokens, written
/// in `to`'s: a string `to` has no token for goes as raw bytes.
pub(crate) fn transcode(node: &[u8], from: Dict, to: Dict) -> Result<Vec<u8>, SimError> {
    let mut t = Transcoder {
        input: node,
        at: 0,
        out: Vec::with_capacity(node.len() + 16),
        from,
        to,
    };
    t.node(0)?;
    Ok(t.out)
}

struct Transcoder<'a> {
    input: &'a [u8],
    at: usize,
    out: Vec<u8>,
    from: Dict,
    to: Dict,
}

fn bad(what: &str) -> SimError {
    SimError::protocol(format!("a binary node the dictionary cannot read: {what}"))
}

impl Transcoder<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SimError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.input.len());
        let end = end.ok_or_else(|| bad("it ends early"))?;
        let bytes = &self.input[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    fn byte(&mut self) -> Result<u8, SimError> {
        Ok(self.take(1)?[0])
    }

    /// Copy `n` bytes through unchanged.
    fn copy(&mut self, n: usize) -> Result<(), SimError> {
        let start = self.at;
        self.take(n)?;
        self.out.extend_from_slice(&self.input[start..self.at]);
        Ok(())
    }

    /// A big-endian length of `n` bytes, copied through.
    fn length(&mut self, n: usize) -> Result<usize, SimError> {
        let start = self.at;
        self.copy(n)?;
        Ok(self.input[start..self.at]
            .iter()
            .fold(0, |acc, b| (acc << 8) | usize::from(*b)))
    }

    fn list_size(&mut self, tag: u8) -> Result<usize, SimError> {
        self.out.push(tag);
        match tag {
            token::LIST_EMPTY => Ok(0),
            token::LIST_8 => self.length(1),
            token::LIST_16 => self.length(2),
            other => Err(bad(&format!("list tag {other}"))),
        }
    }

    fn node(&mut self, depth: usize) -> Result<(), SimError> {
        if depth > 64 {
            return Err(bad("nested too deep"));
        }
        let tag = self.byte()?;
        let size = self.list_size(tag)?;
        if size == 0 {
            return Err(bad("an empty node"));
        }
        // The tag, then key and value of each attribute.
        for _ in 0..(size - 1) / 2 * 2 + 1 {
            let t = self.byte()?;
            self.string(t)?;
        }
        if size % 2 == 0 {
            let t = self.byte()?;
            match t {
                token::LIST_8 | token::LIST_16 => {
                    for _ in 0..self.list_size(t)? {
                        self.node(depth + 1)?;
                    }
                }
                _ => self.string(t)?,
            }
        }
        Ok(())
    }

    /// One string (or raw bytes) whose tag byte `tag` was read.
    fn string(&mut self, tag: u8) -> Result<(), SimError> {
        match tag {
            token::LIST_EMPTY => self.out.push(tag),
            token::BINARY_8 | token::BINARY_20 | token::BINARY_32 => {
                self.out.push(tag);
                let n = match tag {
                    token::BINARY_8 => self.length(1)?,
                    token::BINARY_20 => self.length(3)?,
                    _ => self.length(4)?,
                };
                self.copy(n)?;
            }
            token::HEX_8 | token::NIBBLE_8 => {
                self.out.push(tag);
                let packed = self.byte()?;
                self.out.push(packed);
                self.copy(usize::from(packed & 0x7f))?;
            }
            token::JID_PAIR => {
                self.out.push(tag);
                for _ in 0..2 {
                    let t = self.byte()?;
                    self.string(t)?;
                }
            }
            token::AD_JID => {
                self.out.push(tag);
                self.copy(2)?;
                let t = self.byte()?;
                self.string(t)?;
            }
            token::INTEROP_JID | token::FB_JID => {
                self.out.push(tag);
                let t = self.byte()?;
                self.string(t)?;
                self.copy(if tag == token::INTEROP_JID { 4 } else { 2 })?;
                let t = self.byte()?;
                self.string(t)?;
            }
            token::DICTIONARY_0..=token::DICTIONARY_3 => {
                let i = self.byte()?;
                let s = self.from.double(tag - token::DICTIONARY_0, i);
                self.token(s.ok_or_else(|| bad(&format!("token {tag}.{i}")))?);
            }
            _ => {
                let s = self.from.single(tag);
                self.token(s.ok_or_else(|| bad(&format!("token {tag}")))?);
            }
        }
        Ok(())
    }

    fn token(&mut self, s: &str) {
        match self.to.index(s) {
            Some(TokenKind::Single(i)) => self.out.push(i),
            Some(TokenKind::Double(d, i)) => self.out.extend([token::DICTIONARY_0 + d, i]),
            None => {
                let n = s.len();
                if n < 256 {
                    self.out.extend([token::BINARY_8, n as u8]);
                } else {
                    self.out.push(token::BINARY_20);
                    self.out.extend(&(n as u32).to_be_bytes()[1..]);
                }
                self.out.extend_from_slice(s.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;
    use wacore_binary::marshal::{marshal, unmarshal_ref};

    fn sample() -> wacore_binary::Node {
        let item = NodeBuilder::new("item")
            .attr("id", "3EB0AA")
            .attr("jid", "79001234567:1@s.whatsapp.net")
            .build();
        NodeBuilder::new("iq")
            .attr("id", "1a2b")
            .attr("xmlns", "encrypt")
            .attr("type", "get")
            .attr("to", "s.whatsapp.net")
            .attr("note", "not a token at all")
            .children([
                item,
                NodeBuilder::new("count").build(),
                NodeBuilder::new("enc").bytes(vec![0u8, 1, 2, 250]).build(),
                NodeBuilder::new("media.fmex10-4.fna.whatsapp.net").build(),
            ])
            .build()
    }

    #[test]
    fn a_node_survives_the_way_to_version_2_and_back() {
        let v3 = marshal(&sample()).expect("marshal");
        let v2 = transcode(&v3[1..], Dict::V3, Dict::V2).expect("to v2");
        assert_ne!(v2, v3[1..], "the tables differ, so the bytes do");
        let back = transcode(&v2, Dict::V2, Dict::V3).expect("to v3");
        let node = unmarshal_ref(&back).expect("unmarshal").to_owned();
        // Compared as the bytes a v3 client would get (a JID attribute
        // reads back as a JID, not the string it was built from).
        assert_eq!(marshal(&node).expect("marshal"), v3);
    }

    #[test]
    fn version_2_tokens_are_baileys_6() {
        // <iq type="get"/> as Baileys 6 writes it: a list of three, then
        // the tokens "iq" and "type" and "get" by their version-2 indexes.
        let index = |s: &str| match v2_index()[s] {
            TokenKind::Single(i) => i,
            TokenKind::Double(..) => panic!("{s} is a single-byte token in v2"),
        };
        let v2 = [token::LIST_8, 3, index("iq"), index("type"), index("get")];
        let v3 = transcode(&v2, Dict::V2, Dict::V3).expect("to v3");
        let node = unmarshal_ref(&v3).expect("unmarshal").to_owned();
        assert_eq!(node, NodeBuilder::new("iq").attr("type", "get").build());
        assert_eq!(dict_v2::SINGLE_BYTE[usize::from(index("iq"))], "iq");
    }

    #[test]
    fn a_truncated_node_is_refused_not_read_past_its_end() {
        let v3 = marshal(&sample()).expect("marshal");
        for cut in [1, 5, v3.len() / 2, v3.len() - 2] {
            assert!(
                transcode(&v3[1..cut], Dict::V3, Dict::V2).is_err(),
                "cut at {cut}"
            );
        }
    }
}
