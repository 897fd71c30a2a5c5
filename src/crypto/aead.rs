//! The three TLS 1.3 AEADs, sealing and opening in place.

use alloc::vec::Vec;

use aes_gcm::aead::array::Array;
use aes_gcm::{AeadInOut, Aes128Gcm, Aes256Gcm, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;

use crate::error::Error;

/// An AEAD algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128-GCM
    Aes128Gcm,
    /// AES-256-GCM
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439)
    ChaCha20Poly1305,
}

/// Tag length of every TLS 1.3 AEAD.
pub const TAG_LEN: usize = 16;
/// Nonce length of every TLS 1.3 AEAD.
pub const NONCE_LEN: usize = 12;

impl AeadAlgorithm {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// How many records one key may seal before it must be replaced
    /// (RFC 9846 §5.5 and the AEAD limits draft: 2^24.5 full-size records
    /// for AES-GCM; ChaCha20-Poly1305 has no practical limit below 2^64).
    pub fn confidentiality_limit(self) -> u64 {
        match self {
            // 2^24.5 = 23_726_566.4: rounded down, as RFC 9846 §5.5 says
            // "up to 2^24.5" and erring low is the safe side.
            Self::Aes128Gcm | Self::Aes256Gcm => 23_726_566,
            // draft-irtf-cfrg-aead-limits §5.2.1: the bound exceeds the
            // 2^64 sequence number space, so the sequence limit governs.
            Self::ChaCha20Poly1305 => u64::MAX,
        }
    }

    /// How many forgery attempts one key may see before the connection
    /// must end (AES-GCM 2^36, ChaCha20-Poly1305 2^36).
    pub fn integrity_limit(self) -> u64 {
        match self {
            // draft-irtf-cfrg-aead-limits §5.1.1 (AES-GCM, 2^36 for
            // full-size TLS records) and §5.2.1 (ChaCha20-Poly1305, 2^36).
            Self::Aes128Gcm | Self::Aes256Gcm | Self::ChaCha20Poly1305 => 1 << 36,
        }
    }
}

enum Keyed {
    Aes128Gcm(Aes128Gcm),
    Aes256Gcm(Aes256Gcm),
    ChaCha20Poly1305(ChaCha20Poly1305),
}

/// A keyed AEAD instance. The key schedule is zeroized by the ciphers'
/// own `zeroize` support on drop.
pub struct AeadKey {
    alg: AeadAlgorithm,
    keyed: Keyed,
}

impl AeadKey {
    /// Keys `alg`; `key` must be `alg.key_len()` bytes.
    pub fn new(alg: AeadAlgorithm, key: &[u8]) -> Result<Self, Error> {
        let bad_len = |_| Error::Internal("AEAD key of the wrong length");
        let keyed = match alg {
            AeadAlgorithm::Aes128Gcm => {
                Keyed::Aes128Gcm(Aes128Gcm::new_from_slice(key).map_err(bad_len)?)
            }
            AeadAlgorithm::Aes256Gcm => {
                Keyed::Aes256Gcm(Aes256Gcm::new_from_slice(key).map_err(bad_len)?)
            }
            AeadAlgorithm::ChaCha20Poly1305 => {
                Keyed::ChaCha20Poly1305(ChaCha20Poly1305::new_from_slice(key).map_err(bad_len)?)
            }
        };
        Ok(Self { alg, keyed })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.alg
    }

    /// Encrypts `buf` in place and appends the tag.
    pub fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let tag = self.seal_detached(nonce, aad, buf)?;
        buf.extend_from_slice(&tag);
        Ok(())
    }

    /// Encrypts `buf` in place and returns the tag, so that a caller can
    /// seal a record inside a larger output buffer without a copy.
    pub fn seal_detached(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        // INSECURE fuzzing mode (crypto module docs): plaintext stays as
        // it is, the tag is all zeros.
        #[cfg(feature = "fuzzing")]
        {
            let _ = (nonce, aad, buf);
            Ok([0; TAG_LEN])
        }
        #[cfg(not(feature = "fuzzing"))]
        self.seal_real(nonce, aad, buf)
    }

    // Unused in fuzzing mode, kept compiled so that both modes type-check.
    #[cfg_attr(feature = "fuzzing", allow(dead_code))]
    fn seal_real(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        let nonce = Array::from(*nonce);
        let msg = buf.into();
        // The ciphers only fail for inputs beyond 2^36 bytes, far above any record.
        let too_long = |_| Error::Internal("AEAD input too long");
        let tag = match &self.keyed {
            Keyed::Aes128Gcm(c) => c
                .encrypt_inout_detached(&nonce, aad, msg)
                .map_err(too_long)?,
            Keyed::Aes256Gcm(c) => c
                .encrypt_inout_detached(&nonce, aad, msg)
                .map_err(too_long)?,
            Keyed::ChaCha20Poly1305(c) => c
                .encrypt_inout_detached(&nonce, aad, msg)
                .map_err(too_long)?,
        };
        Ok(tag.into())
    }

    /// Decrypts `buf` (ciphertext followed by tag) in place and returns the
    /// plaintext length; `Err(Error::DecryptFailed)` when it does not
    /// authenticate (then the content of `buf` is unspecified).
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        let ct_len = buf.len().checked_sub(TAG_LEN).ok_or(Error::DecryptFailed)?;
        let (ct, tag) = buf.split_at_mut(ct_len);
        // INSECURE fuzzing mode (crypto module docs): the identity with an
        // all-zero tag, which is still checked so that the bad_record_mac
        // paths stay reachable.
        #[cfg(feature = "fuzzing")]
        {
            let _ = (nonce, aad, ct);
            if tag.iter().any(|b| *b != 0) {
                return Err(Error::DecryptFailed);
            }
        }
        #[cfg(not(feature = "fuzzing"))]
        self.open_real(nonce, aad, ct, tag)?;
        Ok(ct_len)
    }

    #[cfg_attr(feature = "fuzzing", allow(dead_code))]
    fn open_real(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ct: &mut [u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        let tag = Array::try_from(tag).map_err(|_| Error::DecryptFailed)?;
        let nonce = Array::from(*nonce);
        let ct = ct.into();
        // The crates compare tags in constant time.
        let ok = match &self.keyed {
            Keyed::Aes128Gcm(c) => c.decrypt_inout_detached(&nonce, aad, ct, &tag),
            Keyed::Aes256Gcm(c) => c.decrypt_inout_detached(&nonce, aad, ct, &tag),
            Keyed::ChaCha20Poly1305(c) => c.decrypt_inout_detached(&nonce, aad, ct, &tag),
        };
        ok.map_err(|_| Error::DecryptFailed)
    }
}

impl core::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AeadKey({:?})", self.alg)
    }
}
