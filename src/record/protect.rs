//! Record protection (§5.2–§5.5): sealing outgoing and opening incoming
//! records under one traffic secret each, with per-record nonces and
//! usage limits.

use alloc::vec::Vec;

use crate::crypto::suites::SuiteParams;
use crate::error::Error;
use crate::msgs::enums::ContentType;

/// Seals records under one write traffic secret.
pub struct RecordSealer {
    _todo: (),
}

impl RecordSealer {
    /// Keys a sealer from a traffic secret (§7.3); sequence number 0.
    pub fn new(_suite: SuiteParams, _secret: &[u8]) -> Self {
        todo!()
    }

    /// Appends one whole TLSCiphertext record (header included) carrying
    /// `content` of type `typ` followed by `padding` zero bytes. `content`
    /// plus type byte plus padding must fit the peer's limit; the caller
    /// fragments.
    pub fn seal(
        &mut self,
        _typ: ContentType,
        _content: &[u8],
        _padding: usize,
        _out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        todo!()
    }

    /// Records sealed with this key so far.
    pub fn sequence(&self) -> u64 {
        todo!()
    }

    /// Whether this key is close enough to its confidentiality limit that
    /// the connection should send a KeyUpdate now (§5.5).
    pub fn wants_key_update(&self) -> bool {
        todo!()
    }
}

/// Opens records under one read traffic secret.
pub struct RecordOpener {
    _todo: (),
}

impl RecordOpener {
    /// Keys an opener from a traffic secret; sequence number 0.
    pub fn new(_suite: SuiteParams, _secret: &[u8]) -> Self {
        todo!()
    }

    /// Decrypts an application_data-typed record in place: `payload`
    /// becomes the content (inner type byte and zero padding removed) and
    /// the inner content type is returned.
    ///
    /// Errors: authentication failure `Error::DecryptFailed`
    /// (`bad_record_mac`); a TLSInnerPlaintext over `max_inner` bytes
    /// `Error::RecordOverflow`; all-zero plaintext (no content type)
    /// `unexpected_message` (§5.4); integrity limit reached.
    pub fn open(
        &mut self,
        _header: &[u8; 5],
        _payload: &mut Vec<u8>,
        _max_inner: usize,
    ) -> Result<ContentType, Error> {
        todo!()
    }

    /// Records opened with this key so far.
    pub fn sequence(&self) -> u64 {
        todo!()
    }
}
