//! The TLS 1.3 AEADs, sealing and opening in place: the identifiers,
//! their limits, and the provider trait. AES-GCM and ChaCha20-Poly1305
//! make the default suites; AES-128-CCM and AES-128-CCM-8 (RFC 6655's
//! AEADs, RFC 9846 §B.4) are there for suites a config names.

use alloc::boxed::Box;
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
    /// AES-128-CCM with a 16-byte tag (AEAD_AES_128_CCM, RFC 5116 §5.3).
    Aes128Ccm,
    /// AES-128-CCM with an 8-byte tag (AEAD_AES_128_CCM_8, RFC 6655
    /// §3): half the tag of every other AEAD here, so a forgery is
    /// guessed with probability 2^-64 per attempt rather than 2^-128.
    /// Meant for constrained devices; not allowed in QUIC (RFC 9001 §5.3).
    Aes128Ccm8,
}

/// The longest tag of a TLS 1.3 AEAD, and the tag length of all but
/// AES-128-CCM-8 (8 bytes): see [`AeadAlgorithm::tag_len`].
pub const TAG_LEN: usize = 16;
/// Nonce length of every TLS 1.3 AEAD.
pub const NONCE_LEN: usize = 12;

impl AeadAlgorithm {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes128Ccm | Self::Aes128Ccm8 => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// Tag length in bytes: what the AEAD adds to a plaintext. 16
    /// ([`TAG_LEN`]) for all but AES-128-CCM-8, whose tag is 8.
    pub fn tag_len(self) -> usize {
        match self {
            Self::Aes128Ccm8 => 8,
            Self::Aes128Gcm | Self::Aes256Gcm | Self::ChaCha20Poly1305 | Self::Aes128Ccm => TAG_LEN,
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
            // RFC 9846 gives no figure for CCM. RFC 9001 Appendix B.2's
            // analysis (after Jonsson's CCM bounds) allows
            // v + q <= 2^34.5 / l for an advantage of 2^-57, l being the
            // blocks per message: a full TLS record is about 2^10 blocks, and
            // with forgeries counted as encryptions (q = v, as there)
            // that is 2^23.5 = 11_863_283.2 records, rounded down. The
            // tag length does not enter it.
            Self::Aes128Ccm | Self::Aes128Ccm8 => 11_863_283,
        }
    }

    /// How many forgery attempts one key may see before the connection
    /// must end (AES-GCM 2^36, ChaCha20-Poly1305 2^36, AES-128-CCM
    /// 2^23.5, AES-128-CCM-8 2^7).
    pub fn integrity_limit(self) -> u64 {
        match self {
            // draft-irtf-cfrg-aead-limits §5.1.1 (AES-GCM, 2^36 for
            // full-size TLS records) and §5.2.1 (ChaCha20-Poly1305, 2^36).
            Self::Aes128Gcm | Self::Aes256Gcm | Self::ChaCha20Poly1305 => 1 << 36,
            // RFC 9001 Appendix B.2 with full TLS records, as the
            // confidentiality limit.
            Self::Aes128Ccm => 11_863_283,
            // The same bound's first term, v / 2^t, no longer vanishes
            // with an 8-byte tag: v / 2^64 <= 2^-57 leaves 2^7 attempts.
            // A TLS receiver ends the connection at the first record
            // that fails, with one exception: a server skipping refused
            // 0-RTT (RFC 9846 §4.3.10) tries each skipped record under its
            // handshake key, up to max_early_data_size records, and is
            // bound by that rule to skip them, not to stop at 2^7. A
            // record forged there opens to bytes no one chose (nothing
            // has been sealed under that key yet) and ends the handshake.
            // The figure is for embedders that count.
            Self::Aes128Ccm8 => 1 << 7,
        }
    }
}

/// An AEAD as a provider implements it (the provider seam; see
/// [`crate::crypto::CryptoProvider`]).
pub trait AeadFactory: Send + Sync {
    /// Which AEAD this is.
    fn algorithm(&self) -> AeadAlgorithm;
    /// A cipher keyed with `key` (exactly `algorithm().key_len()` bytes;
    /// another length is an error), usually
    /// [`KeyedCipher::boxed`]. Implementations wipe the key schedule when
    /// the cipher is dropped.
    fn key(&self, key: &[u8]) -> Result<KeyedCipher, Error>;
}

/// A keyed AEAD of a provider: the one dynamic call per record.
///
/// Tags travel as `[u8; TAG_LEN]`: for an AEAD with a shorter tag
/// (AES-128-CCM-8, [`AeadAlgorithm::tag_len`] 8) the tag is the first
/// `tag_len` bytes and the rest are zero, both ways.
pub trait AeadCipher: Send + Sync {
    /// Encrypts `buf` in place and returns the tag (in its first
    /// `tag_len` bytes, the rest zero).
    fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error>;

    /// Decrypts `buf` in place if `tag` (its first `tag_len` bytes; the
    /// rest are zero and to be ignored) authenticates it; otherwise
    /// `Err(Error::DecryptFailed)` (then `buf` is unspecified). The tag is
    /// compared in constant time.
    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Error>;
}

/// A keyed cipher as a provider hands it over: the built-in providers'
/// are held inline, so that a key change allocates nothing and a record
/// costs no dynamic call; an embedder's is boxed.
// The fuzzing build seals with a null cipher and never reads the key.
#[cfg_attr(feature = "fuzzing", allow(dead_code))]
pub struct KeyedCipher(Keyed);

// Large on purpose: inline, a key change allocates nothing.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "fuzzing", allow(dead_code))]
enum Keyed {
    RustCrypto(super::rustcrypto::aead::Keyed),
    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    Graviola(super::graviola::aead::Keyed),
    Boxed(Box<dyn AeadCipher>),
}

impl KeyedCipher {
    /// An embedder's cipher.
    pub fn boxed(cipher: Box<dyn AeadCipher>) -> Self {
        Self(Keyed::Boxed(cipher))
    }

    pub(crate) fn rustcrypto(cipher: super::rustcrypto::aead::Keyed) -> Self {
        Self(Keyed::RustCrypto(cipher))
    }

    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    pub(crate) fn graviola(cipher: super::graviola::aead::Keyed) -> Self {
        Self(Keyed::Graviola(cipher))
    }
}

/// An AEAD of a provider: a copyable handle that compares and prints as
/// its [`AeadAlgorithm`].
#[derive(Clone, Copy)]
pub struct Aead(&'static dyn AeadFactory);

impl Aead {
    /// The handle of a provider's implementation.
    pub const fn new(factory: &'static dyn AeadFactory) -> Self {
        Self(factory)
    }

    /// Which AEAD this is.
    pub fn algorithm(self) -> AeadAlgorithm {
        self.0.algorithm()
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        self.algorithm().key_len()
    }

    /// See [`AeadAlgorithm::confidentiality_limit`].
    pub fn confidentiality_limit(self) -> u64 {
        self.algorithm().confidentiality_limit()
    }

    /// See [`AeadAlgorithm::integrity_limit`].
    pub fn integrity_limit(self) -> u64 {
        self.algorithm().integrity_limit()
    }

    /// Keys it; `key` must be `algorithm().key_len()` bytes.
    pub fn key(self, key: &[u8]) -> Result<AeadKey, Error> {
        if key.len() != self.algorithm().key_len() {
            return Err(Error::Internal("AEAD key of the wrong length"));
        }
        Ok(AeadKey {
            alg: self.algorithm(),
            cipher: self.0.key(key)?,
        })
    }
}

impl PartialEq for Aead {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm() == other.algorithm()
    }
}

impl Eq for Aead {}

impl core::fmt::Debug for Aead {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.algorithm(), f)
    }
}

/// A keyed AEAD instance.
#[cfg_attr(feature = "fuzzing", allow(dead_code))]
pub struct AeadKey {
    alg: AeadAlgorithm,
    cipher: KeyedCipher,
}

impl AeadKey {
    /// Keys `alg` as the default provider implements it
    /// ([`crate::crypto::default_provider`]); `key` must be
    /// `alg.key_len()` bytes.
    pub fn new(alg: AeadAlgorithm, key: &[u8]) -> Result<Self, Error> {
        super::default_provider()
            .aead(alg)
            .ok_or(Error::Internal("AEAD missing from the default provider"))?
            .key(key)
    }

    /// The algorithm.
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.alg
    }

    /// The tag length, [`AeadAlgorithm::tag_len`].
    pub fn tag_len(&self) -> usize {
        self.alg.tag_len()
    }

    /// Encrypts `buf` in place and appends the tag ([`tag_len`](Self::tag_len) bytes).
    pub fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let tag = self.seal_detached(nonce, aad, buf)?;
        buf.extend_from_slice(tag.get(..self.tag_len()).unwrap_or(&tag));
        Ok(())
    }

    /// Encrypts `buf` in place and returns the tag, so that a caller can
    /// seal a record inside a larger output buffer without a copy. The
    /// tag is the first [`tag_len`](Self::tag_len) bytes (all 16 but with
    /// AES-128-CCM-8, whose 8 are followed by zeros that are not sent).
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
        match &self.cipher.0 {
            Keyed::RustCrypto(c) => c.seal(nonce, aad, buf),
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            Keyed::Graviola(c) => c.seal(nonce, aad, buf),
            Keyed::Boxed(c) => c.seal(nonce, aad, buf),
        }
    }

    /// Decrypts `buf` (ciphertext followed by a
    /// [`tag_len`](Self::tag_len)-byte tag) in place and returns the
    /// plaintext length; `Err(Error::DecryptFailed)` when it does not
    /// authenticate (then the content of `buf` is unspecified).
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        let ct_len = buf
            .len()
            .checked_sub(self.tag_len())
            .ok_or(Error::DecryptFailed)?;
        let (ct, received) = buf.split_at_mut(ct_len);
        // A shorter tag goes to the cipher zero-padded (see `AeadCipher`).
        let mut padded = [0u8; TAG_LEN];
        padded
            .get_mut(..received.len())
            .ok_or(Error::DecryptFailed)?
            .copy_from_slice(received);
        let tag = &padded;
        // INSECURE fuzzing mode (crypto module docs): the identity with an
        // all-zero tag, which is still checked so that the bad_record_mac
        // paths stay reachable.
        #[cfg(feature = "fuzzing")]
        {
            let _ = (nonce, aad, &ct);
            if tag.iter().any(|b| *b != 0) {
                return Err(Error::DecryptFailed);
            }
        }
        #[cfg(not(feature = "fuzzing"))]
        match &self.cipher.0 {
            Keyed::RustCrypto(c) => c.open(nonce, aad, ct, tag)?,
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            Keyed::Graviola(c) => c.open(nonce, aad, ct, tag)?,
            Keyed::Boxed(c) => c.open(nonce, aad, ct, tag)?,
        }
        Ok(ct_len)
    }
}

impl core::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AeadKey({:?})", self.alg)
    }
}
