//! Splits the incoming byte stream into records, across arbitrary input
//! splits (one byte at a time included), with bounded buffering; keeps the
//! application data of opened records in place until it is taken.

use alloc::vec::Vec;

use super::{HEADER_LEN, MAX_CIPHERTEXT};
use crate::codec::{Codec, Reader};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// A record as it arrived, protected or not, its payload unparsed and
/// still inside the deframer's buffer: protected records are opened where
/// they lie.
#[derive(Debug, PartialEq, Eq)]
pub struct OpaqueRecord<'a> {
    /// The outer content type.
    pub typ: ContentType,
    /// legacy_record_version, ignored except as the AEAD's additional data.
    pub version: ProtocolVersion,
    /// The fragment.
    pub payload: &'a mut [u8],
    /// Where the fragment starts in the deframer's buffer, for
    /// [`Deframer::keep_plaintext`].
    pub offset: usize,
}

impl OpaqueRecord<'_> {
    /// The 5-byte header, as the AEAD's additional data (§5.2).
    pub fn header(&self) -> [u8; 5] {
        // Deframed records are at most MAX_CIPHERTEXT long; a hand-built
        // oversized one saturates rather than wrapping.
        let len = u16::try_from(self.payload.len()).unwrap_or(u16::MAX);
        let [v0, v1] = self.version.0.to_be_bytes();
        let [l0, l1] = len.to_be_bytes();
        [self.typ.0, v0, v1, l0, l1]
    }
}

/// Incremental record framing over one buffer, which also holds the
/// application data of opened records until the application takes it.
///
/// The buffer holds, in order: taken or discarded bytes, the received
/// plaintext not yet taken (`plain_start..plain_end`), the remains of
/// processed records (headers, tags, padding), and the received bytes not
/// yet returned as records (`start..`). Records are decrypted where they
/// lie; their content joins the plaintext without a copy when nothing is
/// waiting before it, and with one move inside the buffer otherwise.
/// Dead bytes are squeezed out when they are at least as many as the live
/// ones, so the copying stays linear in the input however it is split.
#[derive(Default)]
pub struct Deframer {
    buf: Vec<u8>,
    plain_start: usize,
    plain_end: usize,
    /// Start of the first byte not yet returned in a record.
    start: usize,
    /// Bytes at the end of `buf` lent by [`space`](Self::space) and not
    /// yet committed: not received data.
    lent: usize,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.end_loan();
        self.compact();
        self.buf.extend_from_slice(data);
    }

    /// Lends `len` bytes of (zeroed) space at the end of the buffer, so
    /// that a transport can read straight into it; [`commit`](Self::commit)
    /// then says how many of them were filled. Until then they are not
    /// received data, and any other call forgets the loan.
    pub fn space(&mut self, len: usize) -> &mut [u8] {
        self.end_loan();
        self.compact();
        let at = self.buf.len();
        self.buf.resize(at.saturating_add(len), 0);
        self.lent = len;
        self.buf.get_mut(at..).unwrap_or_default()
    }

    /// The first `n` bytes of the last [`space`](Self::space) were filled
    /// with received bytes (at most the space lent).
    pub fn commit(&mut self, n: usize) {
        let unused = self.lent.saturating_sub(n);
        self.buf.truncate(self.buf.len().saturating_sub(unused));
        self.lent = 0;
    }

    fn end_loan(&mut self) {
        self.commit(0);
    }

    /// Moves the live bytes to the front when the dead ones are at least
    /// as many (amortised: the bytes moved are no more than those that
    /// died since the last move).
    fn compact(&mut self) {
        let plain = self.plain_end.saturating_sub(self.plain_start);
        let pending = self.buffered();
        let dead = self.buf.len().saturating_sub(plain.saturating_add(pending));
        if dead == 0 || dead < plain.saturating_add(pending) {
            return;
        }
        self.buf.copy_within(self.plain_start..self.plain_end, 0);
        self.buf.copy_within(self.start.., plain);
        self.buf.truncate(plain.saturating_add(pending));
        self.plain_start = 0;
        self.plain_end = plain;
        self.start = plain;
    }

    /// How many received bytes are buffered and not yet returned as records.
    pub fn buffered(&self) -> usize {
        self.buf
            .len()
            .saturating_sub(self.lent)
            .saturating_sub(self.start)
    }

    /// The application data kept so far and not yet taken.
    pub fn plaintext(&self) -> &[u8] {
        self.buf
            .get(self.plain_start..self.plain_end)
            .unwrap_or_default()
    }

    /// Marks the first `n` bytes of [`plaintext`](Self::plaintext) taken.
    pub fn consume_plaintext(&mut self, n: usize) {
        let n = n.min(self.plain_end.saturating_sub(self.plain_start));
        self.plain_start = self.plain_start.saturating_add(n);
        self.reset_if_empty();
    }

    /// Appends `len` bytes at `offset` (inside the fragment of the record
    /// last returned) to the plaintext. Bytes outside the processed part of
    /// the buffer are ignored.
    pub fn keep_plaintext(&mut self, offset: usize, len: usize) {
        let Some(end) = offset.checked_add(len).filter(|end| *end <= self.start) else {
            return;
        };
        if offset < self.plain_end {
            return;
        }
        if self.plain_start == self.plain_end {
            // Nothing waits before it: the content stays where it was opened.
            self.plain_start = offset;
            self.plain_end = end;
        } else {
            // plain_end <= offset: the move goes down, within the buffer.
            self.buf.copy_within(offset..end, self.plain_end);
            self.plain_end = self.plain_end.saturating_add(len);
        }
    }

    /// Drops the received bytes not yet returned as records (input to be
    /// ignored); the kept plaintext stays.
    pub fn discard_input(&mut self) {
        self.end_loan();
        self.buf.truncate(self.start);
        self.reset_if_empty();
    }

    /// Frees the buffer when it holds nothing (an idle connection).
    pub fn release(&mut self) {
        self.end_loan();
        if self.buf.is_empty() {
            self.buf = Vec::new();
        }
    }

    fn reset_if_empty(&mut self) {
        if self.plain_start == self.plain_end && self.start >= self.buf.len() {
            self.buf.clear();
            self.plain_start = 0;
            self.plain_end = 0;
            self.start = 0;
        }
    }

    /// The next complete record, `Ok(None)` when more bytes are needed.
    /// A fragment longer than 2^14+256 is `Error::RecordOverflow`; an
    /// unknown outer content type is `unexpected_message` (§5).
    ///
    /// Both are reported as soon as the header byte(s) that show them have
    /// arrived, so a hostile length never makes us buffer a large body.
    /// Zero-length fragments are returned; whether they are allowed
    /// depends on the content type, which the layer above judges (§5.1).
    /// After an error the deframer is unusable (the stream cannot be
    /// resynchronised); further calls return the same error.
    pub fn next_record(&mut self) -> Result<Option<OpaqueRecord<'_>>, Error> {
        self.end_loan();
        self.reset_if_empty();
        let pending = self.buf.get(self.start..).unwrap_or_default();
        let mut r = Reader::new(pending);

        let Ok(typ) = ContentType::read(&mut r) else {
            return Ok(None);
        };
        // §5: "If a TLS implementation receives an unexpected record type,
        // it MUST terminate the connection with an unexpected_message alert."
        if !matches!(
            typ,
            ContentType::CHANGE_CIPHER_SPEC
                | ContentType::ALERT
                | ContentType::HANDSHAKE
                | ContentType::APPLICATION_DATA
        ) {
            return Err(PeerMisbehaved::UnexpectedMessage {
                got: "record of unknown content type",
                expected: "handshake, alert, change_cipher_spec or application_data record",
            }
            .into());
        }
        // legacy_record_version "MUST be ignored for all purposes" (§5.1);
        // it is kept only because protected records authenticate it.
        let (Ok(version), Ok(len)) = (ProtocolVersion::read(&mut r), r.u16("record length")) else {
            return Ok(None);
        };
        let len = usize::from(len);
        // §5.2: "The length MUST NOT exceed 2^14 + 256 bytes. An endpoint
        // that receives a record that exceeds this length MUST terminate
        // the connection with a "record_overflow" alert."
        if len > MAX_CIPHERTEXT {
            return Err(Error::RecordOverflow);
        }
        if r.take(len).is_none() {
            return Ok(None);
        }
        // Both sums are bounded by the buffer's length (checked just above).
        let offset = self.start.saturating_add(HEADER_LEN);
        let end = offset.saturating_add(len);
        self.start = end;
        let payload = self.buf.get_mut(offset..end).unwrap_or_default();
        Ok(Some(OpaqueRecord {
            typ,
            version,
            payload,
            offset,
        }))
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    fn record(typ: u8, payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(payload.len()).unwrap().to_be_bytes();
        let mut out = vec![typ, 3, 3, len[0], len[1]];
        out.extend_from_slice(payload);
        out
    }

    type Owned = (ContentType, ProtocolVersion, Vec<u8>);

    fn owned(r: OpaqueRecord<'_>) -> Owned {
        (r.typ, r.version, r.payload.to_vec())
    }

    /// A stream mixing every content type, an empty fragment and a
    /// maximum-size fragment, with the records it must produce.
    fn stream() -> (Vec<u8>, Vec<Owned>) {
        let big: Vec<u8> = (0..MAX_CIPHERTEXT).map(|i| i as u8).collect();
        let parts: [(u8, &[u8]); 6] = [
            (22, b"\x01\x00\x00\x01\x00"),
            (20, b"\x01"),
            (23, b""),
            (23, &big),
            (21, b"\x02\x28"),
            (22, b"x"),
        ];
        let mut bytes = Vec::new();
        let mut records = Vec::new();
        for (typ, payload) in parts {
            bytes.extend_from_slice(&record(typ, payload));
            records.push((ContentType(typ), ProtocolVersion::TLS1_2, payload.to_vec()));
        }
        (bytes, records)
    }

    fn feed_in_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Owned> {
        let mut d = Deframer::new();
        let mut out = Vec::new();
        let mut last = 0;
        for &cut in cuts.iter().chain(core::iter::once(&bytes.len())) {
            d.push(&bytes[last..cut]);
            last = cut;
            while let Some(r) = d.next_record().unwrap() {
                out.push(owned(r));
            }
        }
        assert_eq!(d.buffered(), 0);
        out
    }

    #[test]
    fn one_byte_at_a_time() {
        let (bytes, want) = stream();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(feed_in_chunks(&bytes, &cuts), want);
    }

    #[test]
    fn all_at_once() {
        let (bytes, want) = stream();
        assert_eq!(feed_in_chunks(&bytes, &[]), want);
    }

    proptest::proptest! {
        #[test]
        fn random_split_points(mut cuts in proptest::collection::vec(0usize..16_700, 0..40)) {
            let (bytes, want) = stream();
            for c in &mut cuts {
                *c %= bytes.len() + 1;
            }
            cuts.sort_unstable();
            proptest::prop_assert_eq!(feed_in_chunks(&bytes, &cuts), want);
        }
    }

    #[test]
    fn buffered_counts_partial_record() {
        let mut d = Deframer::new();
        d.push(&record(22, b"abc")[..6]);
        assert_eq!(d.next_record(), Ok(None));
        assert_eq!(d.buffered(), 6);
        d.push(b"bc");
        assert_eq!(*d.next_record().unwrap().unwrap().payload, *b"abc");
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn oversized_length_rejected_after_header() {
        let len = u16::try_from(MAX_CIPHERTEXT + 1).unwrap().to_be_bytes();
        let header = [23, 3, 3, len[0], len[1]];
        let mut d = Deframer::new();
        for b in &header[..4] {
            d.push(&[*b]);
            assert_eq!(d.next_record(), Ok(None));
        }
        d.push(&header[4..]);
        // No body byte has arrived: the length alone decides.
        assert_eq!(d.next_record(), Err(Error::RecordOverflow));
        assert_eq!(d.next_record(), Err(Error::RecordOverflow));

        // The limit itself is allowed: it waits for the body.
        let len = u16::try_from(MAX_CIPHERTEXT).unwrap().to_be_bytes();
        let mut d = Deframer::new();
        d.push(&[23, 3, 3, len[0], len[1]]);
        assert_eq!(d.next_record(), Ok(None));
    }

    #[test]
    fn unknown_content_type_is_unexpected_message() {
        for typ in [0u8, 19, 24, 255] {
            let mut d = Deframer::new();
            d.push(&[typ]);
            let err = d.next_record().unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
                ),
                "type {typ}: {err:?}"
            );
            assert_eq!(
                err.alert(),
                Some(crate::msgs::enums::AlertDescription::UNEXPECTED_MESSAGE)
            );
        }
    }

    #[test]
    fn zero_length_records_are_returned() {
        let mut d = Deframer::new();
        d.push(&record(23, b""));
        d.push(&record(22, b""));
        let r = d.next_record().unwrap().unwrap();
        assert_eq!((r.typ, r.payload.len()), (ContentType::APPLICATION_DATA, 0));
        let r = d.next_record().unwrap().unwrap();
        assert_eq!((r.typ, r.payload.len()), (ContentType::HANDSHAKE, 0));
        assert_eq!(d.next_record(), Ok(None));
    }

    #[test]
    fn many_small_records_in_one_push() {
        // 200k records (1 MB): quadratic copying would take minutes.
        let n = 200_000;
        let mut bytes = Vec::with_capacity(n * 6);
        for i in 0..n {
            bytes.extend_from_slice(&record(23, &[i as u8]));
        }
        let mut d = Deframer::new();
        d.push(&bytes);
        let mut count = 0;
        while let Some(r) = d.next_record().unwrap() {
            assert_eq!(*r.payload, [count as u8]);
            count += 1;
            if count % 1000 == 0 {
                // Interleaved tiny pushes must not cause a full move each time.
                d.push(&[]);
            }
        }
        assert_eq!(count, n);
    }

    #[test]
    fn header_roundtrips() {
        let bytes = record(21, b"\x01\x00");
        let mut d = Deframer::new();
        d.push(&bytes);
        let r = d.next_record().unwrap().unwrap();
        assert_eq!(r.header(), bytes[..5]);
    }

    /// Feeds `records` (each an application_data record whose whole
    /// payload is kept as plaintext) split at `cuts`, taking `takes[i]`
    /// bytes of plaintext after each push; everything taken, in order,
    /// must be the concatenated payloads.
    fn keep_and_take(records: &[Vec<u8>], cuts: &[usize], takes: &[usize]) -> Vec<u8> {
        let bytes: Vec<u8> = records.iter().flat_map(|p| record(23, p)).collect();
        let mut d = Deframer::new();
        let mut taken = Vec::new();
        let mut last = 0;
        let ends = cuts.iter().copied().chain(core::iter::once(bytes.len()));
        for (i, cut) in ends.enumerate() {
            d.push(&bytes[last..cut]);
            last = cut;
            while let Some(r) = d.next_record().unwrap() {
                let (offset, len) = (r.offset, r.payload.len());
                d.keep_plaintext(offset, len);
            }
            let n = takes.get(i).copied().unwrap_or(0).min(d.plaintext().len());
            taken.extend_from_slice(&d.plaintext()[..n]);
            d.consume_plaintext(n);
        }
        taken.extend_from_slice(d.plaintext());
        let n = d.plaintext().len();
        d.consume_plaintext(n);
        assert_eq!(d.buffered(), 0);
        assert!(d.plaintext().is_empty());
        taken
    }

    #[test]
    fn space_lent_then_committed_is_received_data() {
        let rec = record(23, b"hello");
        let mut d = Deframer::new();
        d.push(&rec[..2]);
        let space = d.space(100);
        assert_eq!(space.len(), 100);
        space[..rec.len() - 2].copy_from_slice(&rec[2..]);
        assert_eq!(d.buffered(), 2, "lent space is not received data");
        d.commit(rec.len() - 2);
        assert_eq!(d.buffered(), rec.len());
        assert_eq!(*d.next_record().unwrap().unwrap().payload, *b"hello");

        // A loan that is never committed leaves nothing behind.
        let mut d = Deframer::new();
        d.push(&rec[..3]);
        d.space(50).fill(0x17);
        assert_eq!(d.next_record(), Ok(None));
        assert_eq!(d.buffered(), 3);
        d.push(&rec[3..]);
        assert_eq!(*d.next_record().unwrap().unwrap().payload, *b"hello");
        // Committing more than was lent counts only what was lent.
        let mut d = Deframer::new();
        d.space(2).copy_from_slice(&rec[..2]);
        d.commit(10);
        assert_eq!(d.buffered(), 2);
    }

    #[test]
    fn plaintext_stays_in_place_when_nothing_waits() {
        let mut d = Deframer::new();
        d.push(&record(23, b"hello"));
        let r = d.next_record().unwrap().unwrap();
        assert_eq!(r.offset, HEADER_LEN);
        d.keep_plaintext(HEADER_LEN, 5);
        assert_eq!(d.plaintext(), b"hello");
        d.consume_plaintext(2);
        assert_eq!(d.plaintext(), b"llo");
        d.consume_plaintext(3);
        assert!(d.plaintext().is_empty());
        // Fully drained: the buffer is empty and can be released.
        d.release();
        assert_eq!(d.buf.capacity(), 0);
    }

    #[test]
    fn plaintext_of_several_records_is_contiguous() {
        let records = [b"one".to_vec(), Vec::new(), b"two".to_vec(), vec![9; 1000]];
        let want: Vec<u8> = records.concat();
        assert_eq!(keep_and_take(&records, &[], &[]), want);
        assert_eq!(keep_and_take(&records, &[1, 7, 9, 20], &[1, 0, 2, 5]), want);
    }

    #[test]
    fn keep_ignores_ranges_outside_processed_records() {
        let mut d = Deframer::new();
        d.push(&record(23, b"abc"));
        d.push(&[23, 3, 3]);
        let r = d.next_record().unwrap().unwrap();
        let offset = r.offset;
        // Past the processed part: ignored.
        d.keep_plaintext(offset, 5);
        assert!(d.plaintext().is_empty());
        d.keep_plaintext(offset, 3);
        assert_eq!(d.plaintext(), b"abc");
        // Before the kept plaintext: ignored.
        d.keep_plaintext(0, 1);
        assert_eq!(d.plaintext(), b"abc");
    }

    proptest::proptest! {
        #[test]
        fn plaintext_survives_any_split_and_take_pattern(
            sizes in proptest::collection::vec(0usize..3000, 1..12),
            mut cuts in proptest::collection::vec(0usize..40_000, 0..30),
            takes in proptest::collection::vec(0usize..5000, 0..30),
        ) {
            let records: Vec<Vec<u8>> = sizes
                .iter()
                .enumerate()
                .map(|(i, n)| (0..*n).map(|j| (i * 31 + j) as u8).collect())
                .collect();
            let total: usize = records.iter().map(|r| r.len() + HEADER_LEN).sum();
            for c in &mut cuts {
                *c %= total + 1;
            }
            cuts.sort_unstable();
            proptest::prop_assert_eq!(keep_and_take(&records, &cuts, &takes), records.concat());
        }
    }
}
