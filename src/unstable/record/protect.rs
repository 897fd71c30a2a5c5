//! Record protection (§5.2–§5.5): sealing outgoing and opening incoming
//! records under one traffic secret each, with per-record nonces and
//! usage limits.

use alloc::vec::Vec;

use zeroize::Zeroize;

use super::{HEADER_LEN, MAX_INNER_PLAINTEXT};
use crate::crypto::aead::{AeadKey, NONCE_LEN, TAG_LEN};
use crate::crypto::hash::Output;
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

/// The AEAD key and static IV of one traffic secret, and the nonce rule.
///
/// Set up at the first record, not when the secret is installed: a key
/// that no record uses costs nothing. Several do in an ordinary
/// connection — the application keys of a side that sends nothing (a
/// handshake-only probe, a server without tickets whose client only
/// listens), the early key of a 0-RTT offer with no early data, a key
/// installed and replaced (KeyUpdate) or dropped (close) before a record
/// went out — and a key costs two HKDF-Expand-Labels plus the AEAD's own
/// setup (AES round keys, the GHASH key powers or tables).
// Large on purpose: the key inline, so that setting it up allocates nothing.
#[allow(clippy::large_enum_variant)]
enum Protection {
    /// Not used yet: the traffic secret (§7.3) to derive it from.
    Pending {
        suite: SuiteParams,
        secret: Output,
    },
    Ready {
        key: AeadKey,
        iv: [u8; NONCE_LEN],
    },
}

impl Protection {
    /// An error only for a secret longer than any hash output (the
    /// caller's bug: traffic secrets are `Hash.length` bytes).
    fn new(suite: SuiteParams, secret: &[u8]) -> Result<Self, Error> {
        if secret.len() > MAX_SECRET_LEN {
            return Err(Error::Internal("traffic secret longer than any hash"));
        }
        Ok(Self::Pending {
            suite,
            secret: Output::new(secret),
        })
    }

    /// The key and IV, derived and set up now if this is the first
    /// record. Fails only when the provider cannot key its AEAD (the
    /// length is right: `traffic_key_iv` derives `suite.aead.key_len()`
    /// bytes).
    fn ready(&mut self) -> Result<(&AeadKey, &[u8; NONCE_LEN]), Error> {
        if let Self::Pending { suite, secret } = self {
            let (key, iv) = traffic_key_iv(*suite, secret.as_ref());
            *self = Self::Ready {
                key: suite.aead.key(&key)?,
                iv,
            };
        }
        match self {
            Self::Ready { key, iv } => Ok((key, iv)),
            Self::Pending { .. } => Err(Error::Internal("record key not set up")),
        }
    }
}

/// The length of a TLSInnerPlaintext of `content_len` bytes of content
/// and `padding` zeros (§5.2): at most 2^14 + 1, or `Error::Internal`.
fn inner_len(content_len: usize, padding: usize) -> Result<usize, Error> {
    content_len
        .checked_add(1)
        .and_then(|n| n.checked_add(padding))
        .filter(|n| *n <= MAX_INNER_PLAINTEXT)
        .ok_or(Error::Internal(
            "record inner plaintext over 2^14 + 1 bytes",
        ))
}

/// The longest traffic secret: a SHA-384 output.
const MAX_SECRET_LEN: usize = 48;

/// §5.3: the 64-bit sequence number in network byte order, left-padded
/// with zeros to iv_length, XORed with the static IV.
fn nonce(iv: &[u8; NONCE_LEN], seq: u64) -> [u8; NONCE_LEN] {
    let mut nonce = *iv;
    let seq = seq.to_be_bytes();
    for (n, s) in nonce
        .iter_mut()
        .skip(NONCE_LEN.saturating_sub(seq.len()))
        .zip(seq)
    {
        *n ^= s;
    }
    nonce
}

impl Drop for Protection {
    fn drop(&mut self) {
        // The AEAD key schedules wipe themselves (the ciphers' `zeroize`
        // feature), as does a pending secret (`Output`); the IV is ours.
        if let Self::Ready { iv, .. } = self {
            iv.zeroize();
        }
    }
}

/// Seals records under one write traffic secret.
pub struct RecordSealer {
    prot: Protection,
    seq: u64,
    limit: u64,
}

impl RecordSealer {
    /// A sealer for a traffic secret (§7.3); sequence number 0. The key
    /// is set up at the first record (see `Protection`): an error here
    /// only for a secret longer than any hash output, and when the
    /// provider cannot key its AEAD, from that first [`seal`](Self::seal).
    pub fn new(suite: SuiteParams, secret: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            prot: Protection::new(suite, secret)?,
            seq: 0,
            limit: suite.aead.confidentiality_limit(),
        })
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
    /// therefore never wrap (§5.3). Also, at the first record, the
    /// provider's failure to key its AEAD. `out` is then as it was.
    pub fn seal(
        &mut self,
        typ: ContentType,
        content: &[u8],
        padding: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        // Refused before anything is copied.
        let inner_len = inner_len(content.len(), padding)?;
        let start = out.len();
        out.reserve(inner_len.saturating_add(HEADER_LEN + TAG_LEN));
        out.extend_from_slice(&[0; HEADER_LEN]);
        out.extend_from_slice(content);
        self.seal_appended(typ, padding, out, start)
    }

    /// Seals, where it lies, the record that `out[start..]` begins: a
    /// `HEADER_LEN`-byte gap for the header, then the content, written
    /// there by the caller (application data written straight into the
    /// output buffer, without the copy [`seal`](Self::seal) makes).
    /// Appends the content type, `padding` zero bytes and the tag, and
    /// writes the header. On error (those of `seal`, or `start` past the
    /// end) everything from `start` on is wiped and removed: plaintext is
    /// never left queued for the wire.
    pub fn seal_appended(
        &mut self,
        typ: ContentType,
        padding: usize,
        out: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), Error> {
        let r = self.seal_appended_inner(typ, padding, out, start);
        if r.is_err() {
            if let Some(tail) = out.get_mut(start..) {
                tail.zeroize();
            }
            out.truncate(start);
        }
        r
    }

    fn seal_appended_inner(
        &mut self,
        typ: ContentType,
        padding: usize,
        out: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), Error> {
        // §5.5: a key update (or close) "prior to reaching these limits",
        // for AES-GCM "up to 2^24.5 full-size records"; u64::MAX for
        // ChaCha20 is the point where the sequence number would wrap (§5.3).
        if self.seq >= self.limit || self.seq == u64::MAX {
            return Err(Error::Internal(
                "record key exhausted: a KeyUpdate was due before this record",
            ));
        }
        let body_start = start
            .checked_add(HEADER_LEN)
            .filter(|b| *b <= out.len())
            .ok_or(Error::Internal("record sealed past the end of the buffer"))?;
        let inner_len = inner_len(out.len().saturating_sub(body_start), padding)?;
        let (key, iv) = self.prot.ready()?;
        // The suite's tag: 16 bytes, 8 with AES-128-CCM-8.
        let tag_len = key.tag_len();
        // At most 2^14 + 1 + 16, so it fits in the u16 length field.
        let ct_len = u16::try_from(inner_len.saturating_add(tag_len))
            .map_err(|_| Error::Internal("record too long"))?;
        let header = outer_header(ct_len);
        let nonce = nonce(iv, self.seq);

        // Sealed in place at the end of `out`: header, then
        // struct { opaque content[length]; ContentType type; uint8 zeros[length_of_padding]; } TLSInnerPlaintext,
        // then the tag. No intermediate buffer per record.
        // inner_len <= 2^14 + 1 (checked above): the sum does not overflow.
        out.reserve(padding.saturating_add(1 + TAG_LEN));
        out.push(typ.0);
        out.resize(body_start.saturating_add(inner_len), 0);
        if let Some(gap) = out.get_mut(start..body_start) {
            gap.copy_from_slice(&header);
        }
        let body = out.get_mut(body_start..).unwrap_or_default();
        let tag = key.seal_detached(&nonce, &header, body)?;
        out.extend_from_slice(tag.get(..tag_len).unwrap_or(&tag));
        self.seq = self.seq.saturating_add(1); // < u64::MAX checked above
        Ok(())
    }

    /// Records sealed with this key so far.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// Whether this key is close enough to its confidentiality limit that
    /// the connection should send a KeyUpdate now (§5.5).
    ///
    /// True once 15/16 of the limit is used: for AES-GCM that leaves about
    /// 1.5 million records for the KeyUpdate to get out first.
    pub fn wants_key_update(&self) -> bool {
        self.seq >= self.limit.saturating_sub(self.limit / 16)
    }
}

/// Opens records under one read traffic secret.
pub struct RecordOpener {
    prot: Protection,
    seq: u64,
    /// The suite's tag length, known before the key is set up.
    tag_len: usize,
}

impl RecordOpener {
    /// An opener for a traffic secret; sequence number 0. Keyed at the
    /// first record, as [`RecordSealer::new`].
    pub fn new(suite: SuiteParams, secret: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            prot: Protection::new(suite, secret)?,
            seq: 0,
            tag_len: suite.aead.algorithm().tag_len(),
        })
    }

    /// The bytes of tag that follow the TLSInnerPlaintext of each record:
    /// 16, or 8 with AES-128-CCM-8.
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// Decrypts an application_data-typed record in place and returns the
    /// inner content type and the content's length: the content is then
    /// `payload[..len]` (the inner type byte, zero padding and tag follow
    /// it).
    ///
    /// Errors: authentication failure `Error::DecryptFailed`
    /// (`bad_record_mac`); a TLSInnerPlaintext over `max_inner` bytes
    /// `Error::RecordOverflow`; all-zero plaintext (no content type)
    /// `unexpected_message` (§5.4); a sequence number that would wrap.
    ///
    /// The inner type is returned as found: whether it is allowed here
    /// (e.g. never change_cipher_spec) is for the layer above. The sequence
    /// number advances only when a record opens, so a failed record can be
    /// reported but not skipped.
    pub fn open(
        &mut self,
        header: &[u8; 5],
        payload: &mut [u8],
        max_inner: usize,
    ) -> Result<(ContentType, usize), Error> {
        // §5.2: opaque_type "is always set to the value 23 (application_data)".
        if header[0] != ContentType::APPLICATION_DATA.0 {
            return Err(PeerMisbehaved::UnexpectedMessage {
                got: "unprotected record",
                expected: "application_data (protected) record",
            }
            .into());
        }
        // RFC 9846 §5.5: "Receiving implementations SHOULD NOT enforce
        // these limits, as future analyses may result in updated values."
        // (Nor would an integrity limit protect anything here: a record
        // that fails to open ends the connection, so a key sees one
        // forgery attempt, or a few inside refused 0-RTT.) Only a wrap of
        // the sequence number is refused: the peer had to rekey first (§5.3).
        if self.seq == u64::MAX {
            return Err(PeerMisbehaved::TooMany(
                "records under one key (the sequence number would wrap)",
            )
            .into());
        }
        let inner_len = payload
            .len()
            .checked_sub(self.tag_len)
            .ok_or(Error::DecryptFailed)?;
        // §5.4 / RFC 8449: the plaintext length is known before decrypting.
        if inner_len > max_inner {
            return Err(Error::RecordOverflow);
        }

        let (key, iv) = self.prot.ready()?;
        let nonce = nonce(iv, self.seq);
        let len = key.open_in_place(&nonce, header, payload)?;
        self.seq = self.seq.saturating_add(1); // < u64::MAX checked above

        // §5.4: the content type is the last non-zero byte; "If a receiving
        // implementation does not find a non-zero octet in the cleartext,
        // it MUST terminate the connection with an unexpected_message alert."
        let inner = payload.get(..len).unwrap_or_default();
        let Some(type_at) = inner.iter().rposition(|b| *b != 0) else {
            return Err(PeerMisbehaved::UnexpectedMessage {
                got: "protected record without a content type (all zeros)",
                expected: "TLSInnerPlaintext with a non-zero content type",
            }
            .into());
        };
        let typ = ContentType(inner.get(type_at).copied().unwrap_or_default());
        Ok((typ, type_at))
    }

    /// Records opened with this key so far.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = seq;
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;
    use crate::crypto::aead::AeadAlgorithm;
    use crate::crypto::suites::{ALL_SUITES, TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256};

    const SECRET: [u8; 48] = [0x42; 48];

    fn secret(suite: SuiteParams) -> &'static [u8] {
        &SECRET[..suite.hash.output_len()]
    }

    fn split(record: &[u8]) -> ([u8; 5], Vec<u8>) {
        (record[..5].try_into().unwrap(), record[5..].to_vec())
    }

    fn is_unexpected_message(e: &Error) -> bool {
        matches!(
            e,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
        )
    }

    #[test]
    fn roundtrip_with_padding_every_suite() {
        for &suite in ALL_SUITES {
            let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
            let mut opener = RecordOpener::new(suite, secret(suite)).unwrap();
            let cases: [(ContentType, &[u8], usize); 4] = [
                (ContentType::HANDSHAKE, b"hello", 10),
                (ContentType::APPLICATION_DATA, b"", 0),
                (ContentType::ALERT, b"\x01\x00", 300),
                (ContentType::APPLICATION_DATA, &[0u8; 64], 7),
            ];
            for (i, (typ, content, padding)) in cases.into_iter().enumerate() {
                let mut rec = Vec::new();
                sealer.seal(typ, content, padding, &mut rec).unwrap();
                let ct_len = content.len() + 1 + padding + suite.aead.algorithm().tag_len();
                assert_eq!(rec.len(), HEADER_LEN + ct_len);
                assert_eq!(&rec[..3], &[23, 3, 3]);
                assert_eq!(usize::from(u16::from_be_bytes([rec[3], rec[4]])), ct_len);
                let (header, mut body) = split(&rec);
                let (got, len) = opener
                    .open(&header, &mut body, MAX_INNER_PLAINTEXT)
                    .unwrap();
                assert_eq!((got, &body[..len]), (typ, content), "{suite:?} case {i}");
            }
            assert_eq!((sealer.sequence(), opener.sequence()), (4, 4));
        }
    }

    #[test]
    fn tampered_byte_is_decrypt_failed() {
        let suite = TLS_AES_128_GCM_SHA256;
        let mut rec = Vec::new();
        RecordSealer::new(suite, secret(suite))
            .unwrap()
            .seal(
                ContentType::APPLICATION_DATA,
                b"attack at dawn",
                3,
                &mut rec,
            )
            .unwrap();
        // Every byte after the content type: version and length are
        // additional data, the rest ciphertext and tag.
        for i in 1..rec.len() {
            let mut bad = rec.clone();
            bad[i] ^= 0x01;
            let (header, mut body) = split(&bad);
            let mut opener = RecordOpener::new(suite, secret(suite)).unwrap();
            assert_eq!(
                opener.open(&header, &mut body, MAX_INNER_PLAINTEXT),
                Err(Error::DecryptFailed),
                "byte {i}"
            );
            assert_eq!(opener.sequence(), 0);
        }
    }

    #[test]
    fn wrong_sequence_is_decrypt_failed() {
        let suite = TLS_CHACHA20_POLY1305_SHA256;
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        let (mut first, mut second) = (Vec::new(), Vec::new());
        sealer
            .seal(ContentType::HANDSHAKE, b"one", 0, &mut first)
            .unwrap();
        sealer
            .seal(ContentType::HANDSHAKE, b"two", 0, &mut second)
            .unwrap();
        let mut opener = RecordOpener::new(suite, secret(suite)).unwrap();
        let (header, mut body) = split(&second);
        assert_eq!(
            opener.open(&header, &mut body, MAX_INNER_PLAINTEXT),
            Err(Error::DecryptFailed)
        );
        // Nothing was skipped: the first record still opens.
        let (header, mut body) = split(&first);
        assert!(opener.open(&header, &mut body, MAX_INNER_PLAINTEXT).is_ok());
    }

    /// Builds a record by hand (not through the sealer) around `inner`.
    fn raw_record(suite: SuiteParams, seq: u64, inner: &[u8]) -> Vec<u8> {
        let (key, iv) = traffic_key_iv(suite, secret(suite));
        let key = suite.aead.key(&key).unwrap();
        let mut nonce = iv;
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        let header = outer_header(u16::try_from(inner.len() + TAG_LEN).unwrap());
        let mut body = inner.to_vec();
        key.seal_in_place(&nonce, &header, &mut body).unwrap();
        let mut rec = header.to_vec();
        rec.extend_from_slice(&body);
        rec
    }

    #[test]
    fn hand_built_record_matches_sealer() {
        // Nonce = IV xor padded sequence, AAD = header (§5.2, §5.3),
        // computed independently of `Protection::nonce`. ChaCha20, whose
        // limit allows a sequence number with every nonce byte in play.
        let suite = TLS_CHACHA20_POLY1305_SHA256;
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        sealer.set_sequence(0x0102_0304_0506_0708);
        let mut rec = Vec::new();
        sealer
            .seal(ContentType::HANDSHAKE, b"abc", 2, &mut rec)
            .unwrap();
        assert_eq!(
            rec,
            raw_record(suite, 0x0102_0304_0506_0708, b"abc\x16\0\0")
        );
    }

    #[test]
    fn all_zero_inner_plaintext_is_unexpected_message() {
        let suite = TLS_AES_128_GCM_SHA256;
        for inner in [&[][..], &[0u8; 1][..], &[0u8; 40][..]] {
            let (header, mut body) = split(&raw_record(suite, 0, inner));
            let err = RecordOpener::new(suite, secret(suite))
                .unwrap()
                .open(&header, &mut body, MAX_INNER_PLAINTEXT)
                .unwrap_err();
            assert!(
                is_unexpected_message(&err),
                "{} zeros: {err:?}",
                inner.len()
            );
        }
    }

    #[test]
    fn padding_is_stripped_from_the_end() {
        // Content ending in zero bytes keeps them: only bytes after the
        // last non-zero one are padding (§5.4).
        let suite = TLS_AES_128_GCM_SHA256;
        let (header, mut body) = split(&raw_record(suite, 0, b"a\0\0\x17\0\0\0"));
        let (typ, len) = RecordOpener::new(suite, secret(suite))
            .unwrap()
            .open(&header, &mut body, MAX_INNER_PLAINTEXT)
            .unwrap();
        assert_eq!(
            (typ, &body[..len]),
            (ContentType::APPLICATION_DATA, &b"a\0\0"[..])
        );
    }

    #[test]
    fn oversized_inner_plaintext_is_record_overflow() {
        let suite = TLS_AES_128_GCM_SHA256;
        let mut rec = Vec::new();
        RecordSealer::new(suite, secret(suite))
            .unwrap()
            .seal(ContentType::APPLICATION_DATA, &[7u8; 100], 0, &mut rec)
            .unwrap();
        let (header, body) = split(&rec);
        // 101 bytes of TLSInnerPlaintext: fine at 101, overflow at 100.
        let mut ok = body.clone();
        assert!(
            RecordOpener::new(suite, secret(suite))
                .unwrap()
                .open(&header, &mut ok, 101)
                .is_ok()
        );
        let mut too_big = body;
        assert_eq!(
            RecordOpener::new(suite, secret(suite))
                .unwrap()
                .open(&header, &mut too_big, 100),
            Err(Error::RecordOverflow)
        );
    }

    /// AES-128-CCM-8 records carry 8 bytes of tag, not 16: the length
    /// field counts 8, the size limit is measured past 8 (a 16 would let
    /// 8 bytes more through), and a changed byte anywhere, or a tag cut
    /// or grown, does not open.
    #[test]
    fn ccm_8_records_have_an_8_byte_tag() {
        let suite = crate::crypto::suites::TLS_AES_128_CCM_8_SHA256;
        let mut rec = Vec::new();
        RecordSealer::new(suite, secret(suite))
            .unwrap()
            .seal(ContentType::APPLICATION_DATA, &[7u8; 100], 0, &mut rec)
            .unwrap();
        assert_eq!(rec.len(), HEADER_LEN + 101 + 8);
        assert_eq!(u16::from_be_bytes([rec[3], rec[4]]), 101 + 8);
        let (header, body) = split(&rec);
        let open = |body: &mut Vec<u8>, max: usize| {
            RecordOpener::new(suite, secret(suite))
                .unwrap()
                .open(&header, body, max)
        };
        assert_eq!(open(&mut body.clone(), 101).unwrap().1, 100);
        assert_eq!(open(&mut body.clone(), 100), Err(Error::RecordOverflow));
        for i in 0..body.len() {
            let mut bad = body.clone();
            bad[i] ^= 0x80;
            assert_eq!(open(&mut bad, 101), Err(Error::DecryptFailed), "byte {i}");
        }
        let mut cut = body[..body.len() - 1].to_vec();
        assert_eq!(open(&mut cut, 101), Err(Error::DecryptFailed));
        let mut grown = body.clone();
        grown.extend_from_slice(&[0; 8]);
        assert!(open(&mut grown, 200).is_err());
        for len in [0usize, 1, 7] {
            assert_eq!(open(&mut vec![0u8; len], 200), Err(Error::DecryptFailed));
        }
    }

    #[test]
    fn shorter_than_tag_is_decrypt_failed() {
        let suite = TLS_AES_128_GCM_SHA256;
        for len in [0usize, 1, TAG_LEN - 1] {
            let header = outer_header(u16::try_from(len).unwrap());
            let mut body = vec![0u8; len];
            assert_eq!(
                RecordOpener::new(suite, secret(suite)).unwrap().open(
                    &header,
                    &mut body,
                    MAX_INNER_PLAINTEXT
                ),
                Err(Error::DecryptFailed)
            );
        }
    }

    #[test]
    fn unprotected_outer_type_is_unexpected_message() {
        let suite = TLS_AES_128_GCM_SHA256;
        let mut rec = Vec::new();
        RecordSealer::new(suite, secret(suite))
            .unwrap()
            .seal(ContentType::HANDSHAKE, b"x", 0, &mut rec)
            .unwrap();
        rec[0] = ContentType::HANDSHAKE.0;
        let (header, mut body) = split(&rec);
        let err = RecordOpener::new(suite, secret(suite))
            .unwrap()
            .open(&header, &mut body, MAX_INNER_PLAINTEXT)
            .unwrap_err();
        assert!(is_unexpected_message(&err));
    }

    #[test]
    fn sealer_refuses_oversized_inner_plaintext() {
        let suite = TLS_AES_128_GCM_SHA256;
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        let mut out = Vec::new();
        // 2^14 content + type byte is the maximum; one padding byte more is not.
        assert!(
            sealer
                .seal(ContentType::APPLICATION_DATA, &[1; 1 << 14], 0, &mut out)
                .is_ok()
        );
        assert!(matches!(
            sealer.seal(ContentType::APPLICATION_DATA, &[1; 1 << 14], 1, &mut out),
            Err(Error::Internal(_))
        ));
        assert!(matches!(
            sealer.seal(ContentType::APPLICATION_DATA, &[], usize::MAX, &mut out),
            Err(Error::Internal(_))
        ));
        assert_eq!(sealer.sequence(), 1);
    }

    #[test]
    fn key_update_wanted_before_confidentiality_limit() {
        let suite = TLS_AES_128_GCM_SHA256;
        let limit = AeadAlgorithm::Aes128Gcm.confidentiality_limit();
        // 2^24.5 rounded down (RFC 9846 §5.5).
        assert_eq!(limit, 23_726_566);
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        assert!(!sealer.wants_key_update());
        sealer.set_sequence(limit - limit / 16 - 1);
        assert!(!sealer.wants_key_update());
        sealer.set_sequence(limit - limit / 16);
        assert!(sealer.wants_key_update());
        sealer.set_sequence(limit - 1);
        let mut out = Vec::new();
        assert!(
            sealer
                .seal(ContentType::APPLICATION_DATA, b"last", 0, &mut out)
                .is_ok()
        );
        // The limit is a hard stop, not only advice.
        assert!(matches!(
            sealer.seal(ContentType::APPLICATION_DATA, b"one too many", 0, &mut out),
            Err(Error::Internal(_))
        ));
        assert_eq!(sealer.sequence(), limit);
    }

    #[test]
    fn sequence_numbers_never_wrap() {
        let suite = TLS_CHACHA20_POLY1305_SHA256;
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        sealer.set_sequence(u64::MAX - 1);
        let mut rec = Vec::new();
        sealer
            .seal(ContentType::APPLICATION_DATA, b"x", 0, &mut rec)
            .unwrap();
        assert_eq!(sealer.sequence(), u64::MAX);
        assert!(sealer.wants_key_update());
        assert!(
            sealer
                .seal(ContentType::APPLICATION_DATA, b"x", 0, &mut Vec::new())
                .is_err()
        );
        assert_eq!(sealer.sequence(), u64::MAX);

        // The opener refuses the record that would wrap its sequence number.
        let mut opener = RecordOpener::new(suite, secret(suite)).unwrap();
        opener.set_sequence(u64::MAX);
        let (header, mut body) = split(&raw_record(suite, u64::MAX, b"x\x17"));
        let err = opener
            .open(&header, &mut body, MAX_INNER_PLAINTEXT)
            .unwrap_err();
        assert!(
            matches!(err, Error::PeerMisbehaved(PeerMisbehaved::TooMany(_))),
            "{err:?}"
        );
        // The one before it still opens.
        opener.set_sequence(u64::MAX - 1);
        let (header, mut body) = split(&raw_record(suite, u64::MAX - 1, b"x\x17"));
        assert!(opener.open(&header, &mut body, MAX_INNER_PLAINTEXT).is_ok());
    }

    #[test]
    fn seal_appended_matches_seal() {
        for &suite in ALL_SUITES {
            let mut a = RecordSealer::new(suite, secret(suite)).unwrap();
            let mut b = RecordSealer::new(suite, secret(suite)).unwrap();
            for (content, padding) in [(&b"hello"[..], 3), (&[][..], 0), (&[9u8; 1000][..], 0)] {
                let (mut want, mut got) = (b"queued".to_vec(), b"queued".to_vec());
                a.seal(ContentType::APPLICATION_DATA, content, padding, &mut want)
                    .unwrap();
                let start = got.len();
                got.extend_from_slice(&[0xee; HEADER_LEN]);
                got.extend_from_slice(content);
                b.seal_appended(ContentType::APPLICATION_DATA, padding, &mut got, start)
                    .unwrap();
                assert_eq!(got, want, "{suite:?}");
            }
        }
    }

    #[test]
    fn seal_appended_refusals_leave_nothing_behind() {
        let suite = TLS_AES_128_GCM_SHA256;
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        // Content over 2^14 bytes: wiped and removed, the queue kept.
        let mut out = b"queued".to_vec();
        out.extend_from_slice(&[0; HEADER_LEN]);
        out.extend_from_slice(&[1; (1 << 14) + 1]);
        assert!(matches!(
            sealer.seal_appended(ContentType::APPLICATION_DATA, 0, &mut out, 6),
            Err(Error::Internal(_))
        ));
        assert_eq!(out, b"queued");
        // No room for the header: what follows `start` goes all the same.
        assert!(
            sealer
                .seal_appended(ContentType::APPLICATION_DATA, 0, &mut out, 4)
                .is_err()
        );
        assert_eq!(out, b"queu");
        assert!(
            sealer
                .seal_appended(ContentType::APPLICATION_DATA, 0, &mut out, 9)
                .is_err()
        );
        assert_eq!((out.as_slice(), sealer.sequence()), (&b"queu"[..], 0));
    }

    /// An AEAD that cannot be keyed: a provider's failure.
    struct Unkeyable;

    impl crate::crypto::aead::AeadFactory for Unkeyable {
        fn algorithm(&self) -> AeadAlgorithm {
            AeadAlgorithm::Aes128Gcm
        }
        fn key(&self, _: &[u8]) -> Result<crate::crypto::aead::KeyedCipher, Error> {
            Err(Error::Internal("no key for you"))
        }
    }

    #[test]
    fn keys_are_set_up_at_the_first_record() {
        // A key that is never used is never set up: installing it cannot
        // fail, the first record does, and leaves nothing queued.
        let suite = SuiteParams {
            aead: crate::crypto::aead::Aead::new(&Unkeyable),
            ..TLS_AES_128_GCM_SHA256
        };
        let mut sealer = RecordSealer::new(suite, secret(suite)).unwrap();
        let mut opener = RecordOpener::new(suite, secret(suite)).unwrap();
        let mut out = b"queued".to_vec();
        assert_eq!(
            sealer.seal(ContentType::APPLICATION_DATA, b"secret", 0, &mut out),
            Err(Error::Internal("no key for you"))
        );
        assert_eq!((out.as_slice(), sealer.sequence()), (&b"queued"[..], 0));
        let (header, mut body) = split(&raw_record(TLS_AES_128_GCM_SHA256, 0, b"x\x17"));
        assert_eq!(
            opener.open(&header, &mut body, MAX_INNER_PLAINTEXT),
            Err(Error::Internal("no key for you"))
        );
        // Secrets are hash outputs: a longer one is the caller's bug.
        assert!(RecordSealer::new(TLS_AES_128_GCM_SHA256, &[0; 49]).is_err());
        assert!(RecordOpener::new(TLS_AES_128_GCM_SHA256, &[0; 48]).is_ok());
    }

    /// RFC 9846 §5.5: "Receiving implementations SHOULD NOT enforce these
    /// limits": records past any AEAD usage limit (AES-GCM's confidentiality
    /// limit, the 2^36 integrity bound) still open.
    #[test]
    fn receiver_does_not_enforce_key_usage_limits() {
        for suite in [TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256] {
            let conf = suite.aead.confidentiality_limit();
            for seq in [conf, conf.saturating_add(1), 1 << 36, (1 << 36) + 1] {
                if seq == u64::MAX {
                    continue;
                }
                let mut opener = RecordOpener::new(suite, secret(suite)).unwrap();
                opener.set_sequence(seq);
                let (header, mut body) = split(&raw_record(suite, seq, b"x\x17"));
                let opened = opener.open(&header, &mut body, MAX_INNER_PLAINTEXT);
                assert!(opened.is_ok(), "{suite:?} at {seq}: {opened:?}");
            }
        }
    }
}
