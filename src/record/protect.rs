//! Record protection (§5.2–§5.5): sealing outgoing and opening incoming
//! records under one traffic secret each, with per-record nonces and
//! usage limits.

use alloc::vec::Vec;

use zeroize::Zeroize;

use super::{HEADER_LEN, MAX_INNER_PLAINTEXT};
use crate::crypto::aead::{AeadKey, NONCE_LEN, TAG_LEN};
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::traffic_key_iv;
use crate::msgs::enums::{ContentType, ProtocolVersion};

/// The outer header of a protected record (§5.2): opaque_type is always
/// application_data and legacy_record_version always 0x0303.
fn outer_header(ciphertext_len: u16) -> [u8; HEADER_LEN] {
    let [v0, v1] = ProtocolVersion::TLS1_2.0.to_be_bytes();
    let [l0, l1] = ciphertext_len.to_be_bytes();
    [ContentType::APPLICATION_DATA.0, v0, v1, l0, l1]
}

/// The write key and static IV of one traffic secret, and the nonce rule.
struct Protection {
    key: AeadKey,
    iv: [u8; NONCE_LEN],
}

impl Protection {
    fn new(suite: SuiteParams, secret: &[u8]) -> Self {
        let (key, iv) = traffic_key_iv(suite, secret);
        let key = match AeadKey::new(suite.aead, &key) {
            Ok(key) => key,
            // traffic_key_iv derives exactly `suite.aead.key_len()` bytes,
            // the only length AeadKey::new checks.
            Err(_) => unreachable!("traffic key has the AEAD's key length"),
        };
        Self { key, iv }
    }

    /// §5.3: the 64-bit sequence number in network byte order, left-padded
    /// with zeros to iv_length, XORed with the static IV.
    fn nonce(&self, seq: u64) -> [u8; NONCE_LEN] {
        let mut nonce = self.iv;
        let seq = seq.to_be_bytes();
        for (n, s) in nonce.iter_mut().skip(NONCE_LEN - seq.len()).zip(seq) {
            *n ^= s;
        }
        nonce
    }
}

impl Drop for Protection {
    fn drop(&mut self) {
        // The AEAD key schedules wipe themselves (the ciphers' `zeroize`
        // feature); the IV is ours.
        self.iv.zeroize();
    }
}

/// Seals records under one write traffic secret.
pub struct RecordSealer {
    prot: Protection,
    seq: u64,
    limit: u64,
}

impl RecordSealer {
    /// Keys a sealer from a traffic secret (§7.3); sequence number 0.
    pub fn new(suite: SuiteParams, secret: &[u8]) -> Self {
        Self {
            prot: Protection::new(suite, secret),
            seq: 0,
            limit: suite.aead.confidentiality_limit(),
        }
    }

    /// Appends one whole TLSCiphertext record (header included) carrying
    /// `content` of type `typ` followed by `padding` zero bytes. `content`
    /// plus type byte plus padding must fit the peer's limit; the caller
    /// fragments.
    ///
    /// Errors (`Error::Internal`, all our own fault): the inner plaintext
    /// would exceed 2^14 + 1 bytes (§5.4), or this key has sealed as many
    /// records as its AEAD's confidentiality limit allows (§5.5) — the
    /// connection should have sent a KeyUpdate when
    /// [`RecordSealer::wants_key_update`] said so. The sequence number can
    /// therefore never wrap (§5.3).
    pub fn seal(
        &mut self,
        typ: ContentType,
        content: &[u8],
        padding: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        // §5.5: "implementations MUST NOT attempt to encrypt more than
        // 2^24.5 full-size records" (AES-GCM); u64::MAX for ChaCha20 is the
        // point where the sequence number would wrap (§5.3).
        if self.seq >= self.limit || self.seq == u64::MAX {
            return Err(Error::Internal(
                "record key exhausted: a KeyUpdate was due before this record",
            ));
        }
        let inner_len = content
            .len()
            .checked_add(1)
            .and_then(|n| n.checked_add(padding))
            .filter(|n| *n <= MAX_INNER_PLAINTEXT)
            .ok_or(Error::Internal(
                "record inner plaintext over 2^14 + 1 bytes",
            ))?;
        // At most 2^14 + 1 + 16, so it fits in the u16 length field.
        let ct_len =
            u16::try_from(inner_len + TAG_LEN).map_err(|_| Error::Internal("record too long"))?;
        let header = outer_header(ct_len);

        // struct { opaque content[length]; ContentType type; uint8 zeros[length_of_padding]; } TLSInnerPlaintext;
        let mut body = Vec::with_capacity(inner_len + TAG_LEN);
        body.extend_from_slice(content);
        body.push(typ.0);
        body.resize(inner_len, 0);

        let nonce = self.prot.nonce(self.seq);
        if let Err(e) = self.prot.key.seal_in_place(&nonce, &header, &mut body) {
            body.zeroize();
            return Err(e);
        }
        out.extend_from_slice(&header);
        out.extend_from_slice(&body);
        self.seq += 1; // < u64::MAX checked above
        Ok(())
    }

    /// Records sealed with this key so far.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    /// Whether this key is close enough to its confidentiality limit that
    /// the connection should send a KeyUpdate now (§5.5).
    ///
    /// True once 15/16 of the limit is used: for AES-GCM that leaves about
    /// 1.5 million records for the KeyUpdate to get out first.
    pub fn wants_key_update(&self) -> bool {
        self.seq >= self.limit - self.limit / 16
    }
}

/// Opens records under one read traffic secret.
pub struct RecordOpener {
    prot: Protection,
    seq: u64,
    limit: u64,
}

impl RecordOpener {
    /// Keys an opener from a traffic secret; sequence number 0.
    pub fn new(suite: SuiteParams, secret: &[u8]) -> Self {
        Self {
            prot: Protection::new(suite, secret),
            seq: 0,
            limit: suite.aead.integrity_limit(),
        }
    }

    /// Decrypts an application_data-typed record in place: `payload`
    /// becomes the content (inner type byte and zero padding removed) and
    /// the inner content type is returned.
    ///
    /// Errors: authentication failure `Error::DecryptFailed`
    /// (`bad_record_mac`); a TLSInnerPlaintext over `max_inner` bytes
    /// `Error::RecordOverflow`; all-zero plaintext (no content type)
    /// `unexpected_message` (§5.4); integrity limit reached.
    ///
    /// The inner type is returned as found: whether it is allowed here
    /// (e.g. never change_cipher_spec) is for the layer above. The sequence
    /// number advances only when a record opens, so a failed record can be
    /// reported but not skipped.
    pub fn open(
        &mut self,
        header: &[u8; 5],
        payload: &mut Vec<u8>,
        max_inner: usize,
    ) -> Result<ContentType, Error> {
        // §5.2: opaque_type "is always set to the value 23 (application_data)".
        if header[0] != ContentType::APPLICATION_DATA.0 {
            return Err(PeerMisbehaved::UnexpectedMessage {
                got: "unprotected record",
                expected: "application_data (protected) record",
            }
            .into());
        }
        // Every record is a potential forgery attempt; a peer that stays
        // within its own confidentiality limit never gets near this
        // (draft-irtf-cfrg-aead-limits). It also keeps `seq` from wrapping.
        if self.seq >= self.limit || self.seq == u64::MAX {
            return Err(
                PeerMisbehaved::TooMany("records under one key (AEAD integrity limit)").into(),
            );
        }
        let inner_len = payload
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::DecryptFailed)?;
        // §5.4 / RFC 8449: the plaintext length is known before decrypting.
        if inner_len > max_inner {
            return Err(Error::RecordOverflow);
        }

        let nonce = self.prot.nonce(self.seq);
        let len = self.prot.key.open_in_place(&nonce, header, payload)?;
        payload.truncate(len);
        self.seq += 1; // < u64::MAX checked above

        // §5.4: the content type is the last non-zero byte; "If a receiving
        // implementation does not find a non-zero octet in the cleartext,
        // it MUST terminate the connection with an unexpected_message alert."
        let Some(type_at) = payload.iter().rposition(|b| *b != 0) else {
            return Err(PeerMisbehaved::UnexpectedMessage {
                got: "protected record without a content type (all zeros)",
                expected: "TLSInnerPlaintext with a non-zero content type",
            }
            .into());
        };
        let typ = ContentType(payload.get(type_at).copied().unwrap_or_default());
        payload.truncate(type_at);
        Ok(typ)
    }

    /// Records opened with this key so far.
    pub fn sequence(&self) -> u64 {
        self.seq
    }
}
