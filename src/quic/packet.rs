//! Payload protection (RFC 9001 §5.3): the suite's AEAD keyed with "quic
//! key", the nonce the "quic iv" xor the packet number, the header as
//! associated data.

use zeroize::Zeroizing;

use super::packet_number::MAX_PACKET_NUMBER;
use super::{Suite, Version};
use crate::crypto::aead::{AeadAlgorithm, AeadKey, NONCE_LEN, TAG_LEN};
use crate::error::Error;
use crate::key_schedule::hkdf_expand_label;

/// Longest AEAD key of any suite (AES-256-GCM, ChaCha20-Poly1305).
const MAX_KEY_LEN: usize = 32;

/// RFC 9001 §6.6 / Appendix B.2: both limits of AEAD_AES_128_CCM for
/// packets of unrestricted size, 2^21.5.
const CCM_PACKET_LIMIT: u64 = 2_965_820;

/// One direction's payload protection at one encryption level (or one
/// key phase of 1-RTT).
pub struct PacketKey {
    key: AeadKey,
    iv: Zeroizing<[u8; NONCE_LEN]>,
}

impl PacketKey {
    /// key = HKDF-Expand-Label(secret, "quic key", "", key length) and
    /// iv = HKDF-Expand-Label(secret, "quic iv", "", 12) over the suite's
    /// hash (§5.1; 12 is the nonce length of every TLS 1.3 AEAD, and
    /// more than 8). An error when the provider refuses the key, and for
    /// AES-128-CCM-8, which QUIC does not allow (§5.3; its 8-byte tag
    /// would break every 16-byte tag and sample offset of a packet).
    pub fn new(suite: Suite, version: Version, secret: &[u8]) -> Result<Self, Error> {
        if suite.aead.algorithm() == AeadAlgorithm::Aes128Ccm8 {
            return Err(Error::BadConfig(
                "AES-128-CCM-8 must not protect QUIC packets (RFC 9001 §5.3)".into(),
            ));
        }
        let labels = version.labels();
        let mut key_buf = Zeroizing::new([0u8; MAX_KEY_LEN]);
        let key = key_buf
            .get_mut(..suite.aead.key_len())
            .ok_or(Error::Internal("AEAD key longer than 32 bytes"))?;
        hkdf_expand_label(suite.hash, secret, labels.key, &[], key);
        let mut iv = Zeroizing::new([0u8; NONCE_LEN]);
        hkdf_expand_label(suite.hash, secret, labels.iv, &[], iv.as_mut());
        Ok(Self {
            key: suite.aead.key(key)?,
            iv,
        })
    }

    /// The AEAD.
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.key.algorithm()
    }

    /// Bytes the AEAD adds to a payload: 16 for every suite QUIC uses
    /// (§5.3; TLS_AES_128_CCM_8_SHA256, the one suite with a shorter tag,
    /// is refused by [`Suite::from_tls`]).
    pub fn tag_len(&self) -> usize {
        self.key.tag_len()
    }

    /// The nonce of packet number `packet_number`: the number in network
    /// byte order, left-padded with zeros to the IV's length, xor the IV
    /// (§5.3).
    pub fn nonce(&self, packet_number: u64) -> [u8; NONCE_LEN] {
        let mut nonce = *self.iv;
        let pn = packet_number.to_be_bytes();
        for (n, p) in nonce.iter_mut().rev().zip(pn.iter().rev()) {
            *n ^= *p;
        }
        nonce
    }

    /// Encrypts `payload` in place as packet `packet_number` whose header
    /// (first byte to packet number, unprotected) is `header`, and returns
    /// the tag to append. Header protection comes after (§5.4.1). A
    /// number beyond [`MAX_PACKET_NUMBER`] is refused.
    pub fn seal_in_place(
        &self,
        packet_number: u64,
        header: &[u8],
        payload: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        let nonce = self.checked_nonce(packet_number)?;
        self.key.seal_detached(&nonce, header, payload)
    }

    /// Decrypts `payload` (ciphertext then tag) in place for packet
    /// `packet_number` with the unprotected `header`, and returns the
    /// plaintext, the front of `payload`. A payload that does not
    /// authenticate (or is shorter than a tag) is
    /// [`Error::DecryptFailed`]: discard the packet (§5.5); `payload` is
    /// then unspecified. A number beyond [`MAX_PACKET_NUMBER`] is refused.
    pub fn open_in_place<'a>(
        &self,
        packet_number: u64,
        header: &[u8],
        payload: &'a mut [u8],
    ) -> Result<&'a mut [u8], Error> {
        let nonce = self.checked_nonce(packet_number)?;
        let len = self.key.open_in_place(&nonce, header, payload)?;
        payload.get_mut(..len).ok_or(Error::DecryptFailed)
    }

    /// How many packets this key may protect before a key update (§6.6):
    /// 2^23 for AEAD_AES_128_GCM and AEAD_AES_256_GCM; no limit below
    /// the 2^62 packet numbers for AEAD_CHACHA20_POLY1305; 2^21.5 for
    /// AEAD_AES_128_CCM (packets of any size, Appendix B.2).
    pub fn confidentiality_limit(&self) -> u64 {
        match self.algorithm() {
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => 1 << 23,
            AeadAlgorithm::ChaCha20Poly1305 => u64::MAX,
            // 2^21.5 = 2_965_820.7, rounded down. (CCM_8 never gets a
            // packet key: `Suite::from_tls` refuses it.)
            AeadAlgorithm::Aes128Ccm | AeadAlgorithm::Aes128Ccm8 => CCM_PACKET_LIMIT,
        }
    }

    /// How many received packets may fail authentication in a connection,
    /// across all keys, before it must close with AEAD_LIMIT_REACHED
    /// (§6.6): 2^52 for AES-GCM, 2^36 for ChaCha20-Poly1305, 2^21.5 for
    /// AES-128-CCM.
    pub fn integrity_limit(&self) -> u64 {
        match self.algorithm() {
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => 1 << 52,
            AeadAlgorithm::ChaCha20Poly1305 => 1 << 36,
            AeadAlgorithm::Aes128Ccm | AeadAlgorithm::Aes128Ccm8 => CCM_PACKET_LIMIT,
        }
    }

    fn checked_nonce(&self, packet_number: u64) -> Result<[u8; NONCE_LEN], Error> {
        if packet_number > MAX_PACKET_NUMBER {
            return Err(Error::Internal("QUIC packet number above 2^62 - 1"));
        }
        Ok(self.nonce(packet_number))
    }
}

impl core::fmt::Debug for PacketKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PacketKey({:?})", self.algorithm())
    }
}
