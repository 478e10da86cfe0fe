//! Noise transport ciphers around binary nodes (SIMULATOR.md §4).

use wacore_binary::Node;
use wacore_binary::marshal::{marshal, unmarshal_ref};
use wacore_binary::util::unpack;
use wacore_noise::NoiseCipher;

use super::dict::{Dict, transcode};
use super::error::SimError;

/// Post-handshake channel; each direction counts its own nonces from 0.
pub(crate) struct SecureChannel {
    read: NoiseCipher,
    write: NoiseCipher,
    read_counter: u32,
    write_counter: u32,
    /// The token dictionary the client announced.
    dict: Dict,
}

impl SecureChannel {
    pub(crate) fn new(read: NoiseCipher, write: NoiseCipher, dict: Dict) -> Self {
        Self {
            read,
            write,
            read_counter: 0,
            write_counter: 0,
            dict,
        }
    }

    pub(crate) fn open(&mut self, frame: Vec<u8>) -> Result<Node, SimError> {
        let mut buf = frame;
        self.read
            .decrypt_in_place_with_counter(self.read_counter, &mut buf)?;
        self.read_counter = self.read_counter.wrapping_add(1);
        // First byte is the flags byte; unpack inflates when bit 0x02 is set.
        let plain = unpack(&buf)?;
        if self.dict == Dict::V3 {
            return Ok(unmarshal_ref(&plain)?.to_owned());
        }
        let plain = transcode(&plain, self.dict, Dict::V3)?;
        Ok(unmarshal_ref(&plain)?.to_owned())
    }

    pub(crate) fn seal(&mut self, node: &Node) -> Result<Vec<u8>, SimError> {
        // marshal already emits the leading 0 flags byte.
        let mut plain = marshal(node)?;
        if self.dict != Dict::V3 {
            let body = transcode(&plain[1..], Dict::V3, self.dict)?;
            plain.truncate(1);
            plain.extend(body);
        }
        let sealed = self
            .write
            .encrypt_with_counter(self.write_counter, &plain)?;
        self.write_counter = self.write_counter.wrapping_add(1);
        Ok(sealed)
    }
}
