//! Joins handshake messages fragmented over records and splits records
//! that carry several messages (RFC 8446 §5.1).

use alloc::vec::Vec;

use crate::error::{Error, PeerMisbehaved};

/// Buffered handshake bytes not yet returned as whole messages.
pub struct Joiner {
    buf: Vec<u8>,
    /// Largest message accepted, header included
    /// ([`Limits::max_handshake_message`](crate::config::Limits)).
    max: usize,
}

impl Default for Joiner {
    fn default() -> Self {
        Self {
            buf: Vec::new(),
            max: crate::config::Limits::default().max_handshake_message,
        }
    }
}

impl Joiner {
    /// Sets the largest message accepted (header included).
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

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
        // Judged from the header, so an oversized message is refused
        // before its body is buffered.
        let total = len.saturating_add(4);
        if total > self.max {
            return Err(PeerMisbehaved::MessageTooLarge {
                len: total,
                limit: self.max,
            }
            .into());
        }
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
