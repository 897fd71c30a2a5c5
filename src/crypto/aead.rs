//! The three TLS 1.3 AEADs, sealing and opening in place.

use alloc::vec::Vec;

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
    /// (RFC 8446 §5.5 and the AEAD limits draft: 2^24.5 full-size records
    /// for AES-GCM; ChaCha20-Poly1305 has no practical limit below 2^64).
    pub fn confidentiality_limit(self) -> u64 {
        todo!()
    }

    /// How many forgery attempts one key may see before the connection
    /// must end (AES-GCM 2^36, ChaCha20-Poly1305 2^36).
    pub fn integrity_limit(self) -> u64 {
        todo!()
    }
}

/// A keyed AEAD instance. The key schedule is zeroized by the ciphers'
/// own `zeroize` support on drop.
pub struct AeadKey {
    _todo: (),
}

impl AeadKey {
    /// Keys `alg`; `key` must be `alg.key_len()` bytes.
    pub fn new(_alg: AeadAlgorithm, _key: &[u8]) -> Result<Self, Error> {
        todo!()
    }

    /// Encrypts `buf` in place and appends the tag.
    pub fn seal_in_place(
        &self,
        _nonce: &[u8; NONCE_LEN],
        _aad: &[u8],
        _buf: &mut Vec<u8>,
    ) -> Result<(), Error> {
        todo!()
    }

    /// Decrypts `buf` (ciphertext followed by tag) in place and returns the
    /// plaintext length; `Err(Error::DecryptFailed)` when it does not
    /// authenticate (then the content of `buf` is unspecified).
    pub fn open_in_place(
        &self,
        _nonce: &[u8; NONCE_LEN],
        _aad: &[u8],
        _buf: &mut [u8],
    ) -> Result<usize, Error> {
        todo!()
    }
}
