//! Joins handshake messages fragmented over records and splits records
//! that carry several messages (RFC 9846 §5.1).

use alloc::vec::Vec;

use crate::error::{Error, PeerMisbehaved};

/// Largest empty buffer kept between records: enough for a typical
/// flight, so the next one (or a post-handshake message) needs no
/// allocation.
const KEEP_CAPACITY: usize = 4096;

/// Buffered handshake bytes not yet returned as whole messages.
pub struct Joiner {
    buf: Vec<u8>,
    /// Largest message accepted, header included
    /// ([`Limits::max_handshake_message`](crate::config::Limits)).
    max: usize,
    /// Bytes still unhandled in a batch lent out by [`Joiner::lend`]: they
    /// count as buffered (a key change must not split them, §5.1).
    lent: usize,
    /// A NewSessionTicket may be longer than `max` (see
    /// [`Joiner::allow_large_tickets`]).
    large_tickets: bool,
}

impl Default for Joiner {
    fn default() -> Self {
        Self {
            buf: Vec::new(),
            max: crate::config::Limits::default().max_handshake_message,
            lent: 0,
            large_tickets: false,
        }
    }
}

/// The NewSessionTicket handshake type.
const NEW_SESSION_TICKET: u8 = 4;

/// The largest NewSessionTicket always accepted: header, lifetime,
/// age_add, the longest nonce and ticket, and 1 KiB of extensions.
const MAX_NEW_SESSION_TICKET: usize = 4 + 4 + 4 + (1 + 255) + (2 + 0xffff) + (2 + 1024);

/// The whole-message length (4-byte header included) at the start of
/// `buf`: `None` while incomplete, an error when the header announces more
/// than `max` (judged from the header, so an oversized message is refused
/// before its body is buffered); with `large_tickets`, a NewSessionTicket
/// may announce up to [`MAX_NEW_SESSION_TICKET`].
fn whole_message(buf: &[u8], max: usize, large_tickets: bool) -> Result<Option<usize>, Error> {
    let len = match buf.get(1..4) {
        Some([a, b, c]) => u32::from_be_bytes([0, *a, *b, *c]) as usize,
        _ => return Ok(None),
    };
    let total = len.saturating_add(4);
    // A NewSessionTicket may legally carry a ticket of 65535 bytes (RFC
    // 9846 §4.7.1), more than the default limit leaves room for; a client
    // reads it (and ignores a ticket no ClientHello could carry) rather
    // than fail the connection.
    let max = if large_tickets && buf.first() == Some(&NEW_SESSION_TICKET) {
        max.max(MAX_NEW_SESSION_TICKET)
    } else {
        max
    };
    if total > max {
        return Err(PeerMisbehaved::MessageTooLarge {
            len: total,
            limit: max,
        }
        .into());
    }
    Ok((buf.len() >= total).then_some(total))
}

/// Whole messages handed out in place: the buffer is lent, not copied
/// (see [`Joiner::lend`]).
pub struct Batch {
    buf: Vec<u8>,
    pos: usize,
    max: usize,
    large_tickets: bool,
}

impl Batch {
    /// The next whole message and how many bytes of the batch follow it.
    pub fn next_message(&mut self) -> Result<Option<(&[u8], usize)>, Error> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(total) = whole_message(rest, self.max, self.large_tickets)? else {
            return Ok(None);
        };
        let start = self.pos;
        self.pos = start.saturating_add(total);
        let after = self.buf.len().saturating_sub(self.pos);
        Ok(self.buf.get(start..self.pos).map(|m| (m, after)))
    }
}

impl Joiner {
    /// Sets the largest message accepted (header included).
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

    /// From now on a NewSessionTicket may exceed the limit (a ticket of
    /// 65535 bytes is legal, RFC 9846 §4.7.1): for a client whose
    /// handshake is complete, the only one that may receive one. Anywhere
    /// else the message is refused from its header like any other, so the
    /// exception never makes a server (or a handshake) buffer past the
    /// configured limit.
    pub fn allow_large_tickets(&mut self) {
        self.large_tickets = true;
    }

    /// Appends the content of one handshake record.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Frees the buffer when it holds nothing (an idle connection).
    pub fn release(&mut self) {
        if self.is_empty() {
            self.buf = Vec::new();
        }
    }

    /// How many bytes are buffered (those of a lent batch included).
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_add(self.lent)
    }

    /// Whether no bytes are buffered (so a key change is allowed, §5.1).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.lent == 0
    }

    /// Records how many bytes of a lent batch are still unhandled.
    pub fn set_lent(&mut self, n: usize) {
        self.lent = n;
    }

    /// Lends the buffered bytes when they start with a whole message, so
    /// that messages are handled where they lie instead of each being
    /// copied out; give the batch back with [`Joiner::restore`].
    pub fn lend(&mut self) -> Result<Option<Batch>, Error> {
        if whole_message(&self.buf, self.max, self.large_tickets)?.is_none() {
            return Ok(None);
        }
        Ok(Some(Batch {
            buf: core::mem::take(&mut self.buf),
            pos: 0,
            max: self.max,
            large_tickets: self.large_tickets,
        }))
    }

    /// Takes back a lent batch: its unhandled bytes go in front of any
    /// pushed since, and its allocation is kept for the next records
    /// unless it is large and now empty (a big certificate flight is not
    /// held for the life of the connection).
    pub fn restore(&mut self, batch: Batch) {
        let Batch { mut buf, pos, .. } = batch;
        buf.drain(..pos.min(buf.len()));
        buf.extend_from_slice(&self.buf);
        if buf.is_empty() && buf.capacity() > KEEP_CAPACITY {
            buf = Vec::new();
        }
        self.buf = buf;
        self.lent = 0;
    }

    /// The next whole message (4-byte header included), if buffered.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let Some(total) = whole_message(&self.buf, self.max, self.large_tickets)? else {
            return Ok(None);
        };
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
    fn lent_batches_hand_out_messages_in_place() {
        let mut j = Joiner::default();
        j.push(&[20, 0, 0, 1, 0xaa, 24, 0, 0]);
        let mut b = j.lend().unwrap().unwrap();
        assert_eq!(
            b.next_message().unwrap(),
            Some((&[20, 0, 0, 1, 0xaa][..], 3))
        );
        assert_eq!(b.next_message().unwrap(), None);
        j.restore(b);
        assert!(!j.is_empty());
        assert!(j.lend().unwrap().is_none());
        j.push(&[0]);
        assert_eq!(j.next_message().unwrap().unwrap(), [24, 0, 0, 0]);
        assert!(j.is_empty());
        j.set_lent(1);
        assert!(!j.is_empty());
    }

    #[test]
    fn rejects_huge_length() {
        let mut j = Joiner::default();
        j.push(&[11, 0xff, 0xff, 0xff]);
        assert!(j.next_message().is_err());
    }
}
