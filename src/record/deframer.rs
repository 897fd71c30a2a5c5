//! Splits the incoming byte stream into records, across arbitrary input
//! splits (one byte at a time included), with bounded buffering.

use alloc::vec::Vec;

use super::{HEADER_LEN, MAX_CIPHERTEXT};
use crate::codec::{Codec, Reader};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// A record as it arrived: protected or not, its payload unparsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueRecord {
    /// The outer content type.
    pub typ: ContentType,
    /// legacy_record_version, ignored except as the AEAD's additional data.
    pub version: ProtocolVersion,
    /// The fragment.
    pub payload: Vec<u8>,
}

impl OpaqueRecord {
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

/// Incremental record framing.
///
/// Received bytes live in one buffer with a read offset: returning a record
/// only advances the offset, and the consumed prefix is dropped when it is
/// at least as large as what remains, so the copying stays linear in the
/// input however it is split into records and pushes.
#[derive(Default)]
pub struct Deframer {
    buf: Vec<u8>,
    /// Start of the first byte not yet returned in a record.
    start: usize,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        let pending = self.buffered();
        if self.start > 0 && self.start >= pending {
            // Amortised: the bytes moved are no more than those consumed since the last move.
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// How many received bytes are buffered and not yet returned as records.
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
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
    pub fn next_record(&mut self) -> Result<Option<OpaqueRecord>, Error> {
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
        let Some(body) = r.take(len) else {
            return Ok(None);
        };
        let record = OpaqueRecord {
            typ,
            version,
            payload: body.to_vec(),
        };
        self.start = self.start.saturating_add(HEADER_LEN + len);
        if self.start >= self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(record))
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

    /// A stream mixing every content type, an empty fragment and a
    /// maximum-size fragment, with the records it must produce.
    fn stream() -> (Vec<u8>, Vec<OpaqueRecord>) {
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
            records.push(OpaqueRecord {
                typ: ContentType(typ),
                version: ProtocolVersion::TLS1_2,
                payload: payload.to_vec(),
            });
        }
        (bytes, records)
    }

    fn feed_in_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<OpaqueRecord> {
        let mut d = Deframer::new();
        let mut out = Vec::new();
        let mut last = 0;
        for &cut in cuts.iter().chain(core::iter::once(&bytes.len())) {
            d.push(&bytes[last..cut]);
            last = cut;
            while let Some(r) = d.next_record().unwrap() {
                out.push(r);
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
        assert_eq!(d.next_record().unwrap().unwrap().payload, b"abc");
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
            assert_eq!(r.payload, [count as u8]);
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
}
