//! Joins handshake messages fragmented over records and splits records
//! that carry several messages (RFC 8446 §5.1).

use alloc::vec::Vec;

use crate::error::{Error, InvalidMessage};

/// Largest handshake message we accept. Certificate chains are the only
/// big messages; 2^18 bytes is far beyond any sane chain while bounding
/// what a peer can make us buffer.
pub const MAX_HANDSHAKE_MESSAGE: usize = 1 << 18;

/// Buffered handshake bytes not yet returned as whole messages.
#[derive(Default)]
pub struct Joiner {
    buf: Vec<u8>,
}

impl Joiner {
    /// Appends the content of one handshake record.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Whether no bytes are buffered (so a key change is allowed, §5.1).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next whole message (4-byte header included), if buffered.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let len = match self.buf.get(1..4) {
            Some([a, b, c]) => u32::from_be_bytes([0, *a, *b, *c]) as usize,
            _ => return Ok(None),
        };
        if len > MAX_HANDSHAKE_MESSAGE {
            return Err(
                InvalidMessage::InvalidValue("handshake message length (too large)").into(),
            );
        }
        let total = len + 4;
        if self.buf.len() < total {
            return Ok(None);
        }
        let rest = self.buf.split_off(total);
        let msg = core::mem::replace(&mut self.buf, rest);
        Ok(Some(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_fragments_and_splits_coalesced() {
        let mut j = Joiner::default();
        j.push(&[20, 0, 0]);
        assert_eq!(j.next_message().unwrap(), None);
        j.push(&[2, 0xaa]);
        assert_eq!(j.next_message().unwrap(), None);
        j.push(&[0xbb, 24, 0, 0, 1, 0]);
        assert_eq!(
            j.next_message().unwrap().unwrap(),
            [20, 0, 0, 2, 0xaa, 0xbb]
        );
        assert!(!j.is_empty());
        assert_eq!(j.next_message().unwrap().unwrap(), [24, 0, 0, 1, 0]);
        assert!(j.is_empty());
        assert_eq!(j.next_message().unwrap(), None);
    }

    #[test]
    fn rejects_huge_length() {
        let mut j = Joiner::default();
        j.push(&[11, 0xff, 0xff, 0xff]);
        assert!(j.next_message().is_err());
    }
}
