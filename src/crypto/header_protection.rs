//! QUIC header protection (RFC 9001 §5.4): the 5-byte mask that hides a
//! packet's number and the low bits of its first byte, computed from a
//! 16-byte sample of the packet's ciphertext. The identifiers and the
//! provider trait; `crate::quic` applies the mask to packets.
//!
//! A key is set up once per encryption level (the header protection key
//! outlives key updates, §5.4) and then asked for one mask per packet,
//! so a provider hands out a keyed object, as it does for AEADs.

use alloc::boxed::Box;

use crate::crypto::aead::AeadAlgorithm;
use crate::error::Error;

/// A header protection algorithm: the one RFC 9001 pairs with each TLS
/// 1.3 AEAD (§5.4.3, §5.4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderProtectionAlgorithm {
    /// AES-128 on one block (ECB), for AEAD_AES_128_GCM and
    /// AEAD_AES_128_CCM (§5.4.3).
    Aes128,
    /// AES-256 on one block (ECB), for AEAD_AES_256_GCM (§5.4.3).
    Aes256,
    /// Raw ChaCha20 (RFC 8439 §2.4), for AEAD_CHACHA20_POLY1305 (§5.4.4).
    ChaCha20,
}

/// Bytes of ciphertext every algorithm here samples (§5.4.2: "16-byte
/// header protection samples").
pub const SAMPLE_LEN: usize = 16;

/// Bytes of mask: one for the first byte, up to four for the packet
/// number (§5.4.1).
pub const MASK_LEN: usize = 5;

impl HeaderProtectionAlgorithm {
    /// The algorithm that goes with packets protected by `aead`. RFC 9001
    /// defines none for AEAD_AES_128_CCM_8, whose suite QUIC must not use
    /// (§5.3): AES-128 is answered for it, but `crate::quic` refuses the
    /// suite before it gets here.
    pub fn for_aead(aead: AeadAlgorithm) -> Self {
        match aead {
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes128Ccm | AeadAlgorithm::Aes128Ccm8 => {
                Self::Aes128
            }
            AeadAlgorithm::Aes256Gcm => Self::Aes256,
            AeadAlgorithm::ChaCha20Poly1305 => Self::ChaCha20,
        }
    }

    /// Key length in bytes: the "quic hp" key is as long as the AEAD's
    /// key (§5.1).
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes256 | Self::ChaCha20 => 32,
        }
    }
}

/// A header protection algorithm as a provider implements it (the
/// provider seam; see [`crate::crypto::CryptoProvider`]).
pub trait HeaderProtectionFactory: Send + Sync {
    /// Which algorithm this is.
    fn algorithm(&self) -> HeaderProtectionAlgorithm;
    /// The algorithm keyed with `key` (exactly `algorithm().key_len()`
    /// bytes; another length is an error), usually
    /// [`KeyedHeaderProtection::boxed`]. Implementations wipe the key
    /// when it is dropped.
    fn key(&self, key: &[u8]) -> Result<KeyedHeaderProtection, Error>;
}

/// A keyed header protection algorithm of a provider.
pub trait HeaderProtectionCipher: Send + Sync {
    /// The first [`MASK_LEN`] bytes of the algorithm's output for
    /// `sample`: AES-ECB(key, sample) (§5.4.3), or ChaCha20 with the
    /// sample's first 4 bytes (little-endian) as the block counter and
    /// the other 12 as the nonce, over zeros (§5.4.4).
    fn mask(&self, sample: &[u8; SAMPLE_LEN]) -> [u8; MASK_LEN];
}

/// A keyed algorithm as a provider hands it over: the RustCrypto one is
/// held inline (a key change allocates nothing), an embedder's is boxed.
pub struct KeyedHeaderProtection(Keyed);

// Large on purpose: inline, a key change allocates nothing.
#[allow(clippy::large_enum_variant)]
enum Keyed {
    RustCrypto(super::rustcrypto::header_protection::Keyed),
    Boxed(Box<dyn HeaderProtectionCipher>),
}

impl KeyedHeaderProtection {
    /// An embedder's keyed algorithm.
    pub fn boxed(cipher: Box<dyn HeaderProtectionCipher>) -> Self {
        Self(Keyed::Boxed(cipher))
    }

    pub(crate) fn rustcrypto(cipher: super::rustcrypto::header_protection::Keyed) -> Self {
        Self(Keyed::RustCrypto(cipher))
    }
}

/// A header protection algorithm of a provider: a copyable handle that
/// compares and prints as its [`HeaderProtectionAlgorithm`].
#[derive(Clone, Copy)]
pub struct HeaderProtection(&'static dyn HeaderProtectionFactory);

impl HeaderProtection {
    /// The handle of a provider's implementation.
    pub const fn new(factory: &'static dyn HeaderProtectionFactory) -> Self {
        Self(factory)
    }

    /// Which algorithm this is.
    pub fn algorithm(self) -> HeaderProtectionAlgorithm {
        self.0.algorithm()
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        self.algorithm().key_len()
    }

    /// Keys it; `key` must be `key_len()` bytes.
    pub fn key(self, key: &[u8]) -> Result<HeaderProtectionKey, Error> {
        if key.len() != self.key_len() {
            return Err(Error::Internal("header protection key of the wrong length"));
        }
        Ok(HeaderProtectionKey {
            alg: self.algorithm(),
            cipher: self.0.key(key)?,
        })
    }
}

impl PartialEq for HeaderProtection {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm() == other.algorithm()
    }
}

impl Eq for HeaderProtection {}

impl core::fmt::Debug for HeaderProtection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.algorithm(), f)
    }
}

/// A keyed header protection algorithm.
pub struct HeaderProtectionKey {
    alg: HeaderProtectionAlgorithm,
    cipher: KeyedHeaderProtection,
}

impl HeaderProtectionKey {
    /// The algorithm.
    pub fn algorithm(&self) -> HeaderProtectionAlgorithm {
        self.alg
    }

    /// The mask for `sample` (see [`HeaderProtectionCipher::mask`]).
    pub fn mask(&self, sample: &[u8; SAMPLE_LEN]) -> [u8; MASK_LEN] {
        match &self.cipher.0 {
            Keyed::RustCrypto(c) => c.mask(sample),
            Keyed::Boxed(c) => c.mask(sample),
        }
    }
}

impl core::fmt::Debug for HeaderProtectionKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HeaderProtectionKey({:?})", self.alg)
    }
}
