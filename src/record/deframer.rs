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
