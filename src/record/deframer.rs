//! Splits the incoming byte stream into records, across arbitrary input
//! splits (one byte at a time included), with bounded buffering.

use alloc::vec::Vec;

use crate::error::Error;
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
        todo!()
    }
}

/// Incremental record framing.
#[derive(Default)]
pub struct Deframer {
    _todo: (),
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, _data: &[u8]) {
        todo!()
    }

    /// How many received bytes are buffered and not yet returned as records.
    pub fn buffered(&self) -> usize {
        todo!()
    }

    /// The next complete record, `Ok(None)` when more bytes are needed.
    /// A fragment longer than 2^14+256 is `Error::RecordOverflow`; an
    /// unknown outer content type is `unexpected_message` (§5).
    pub fn next_record(&mut self) -> Result<Option<OpaqueRecord>, Error> {
        todo!()
    }
}
