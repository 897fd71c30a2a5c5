//! The provider seam: one value that says how every cryptographic
//! operation the protocol needs is done.

use super::aead::{Aead, AeadAlgorithm};
use super::hash::{Hash, HashAlgorithm};
use super::kx::KxGroup;
use super::sign::{KeyLoader, SignatureVerifier, SigningKey};
use super::suites::SuiteParams;
use crate::error::Error;
use crate::msgs::enums::{CipherSuite, NamedGroup};

/// Everything the protocol asks of cryptography: hashes (and HMAC, on
/// which HKDF is built once for all providers), AEADs, key exchange
/// groups, signature verification, and private keys. A config holds one
/// (`ClientConfig::builder(..).provider(..)`, the same on the server);
/// keys are loaded with [`load_private_key`](Self::load_private_key).
///
/// Randomness is not part of it: every random byte comes from the
/// config's [`SecureRandom`](super::SecureRandom), so that a handshake
/// replays under a scripted source whatever the provider (graviola's
/// ECDSA nonces are the documented exception, see [`crate::crypto`]).
///
/// The built-in ones are [`super::rustcrypto::provider`] (the default)
/// and, with the `graviola` feature, `super::graviola::provider`. An
/// embedder builds its own as a `static` from its implementations of
/// the traits ([`HashFunction`](super::hash::HashFunction),
/// [`AeadFactory`](super::aead::AeadFactory), [`KxGroup`],
/// [`SignatureVerifier`], [`KeyLoader`]), usually taking most fields from
/// a built-in provider:
///
/// ```
/// use tls13::crypto::{self, CryptoProvider};
///
/// // Only the groups differ: X25519 and P-256, no hybrid.
/// static MINE: CryptoProvider = CryptoProvider {
///     name: "mine",
///     groups: &[],
///     ..crypto::rustcrypto::PROVIDER
/// };
/// assert!(MINE.group(tls13::NamedGroup::X25519).is_none());
/// ```
///
/// `examples/provider.rs` shows a provider whose private keys live
/// outside the process (an HSM stand-in).
#[derive(Clone, Copy)]
pub struct CryptoProvider {
    /// A name for logs and diagnostics.
    pub name: &'static str,
    /// The cipher suites, in preference order (a config's default).
    pub suites: &'static [SuiteParams],
    /// The key exchange groups, in the client's preference order (a
    /// config's default).
    pub groups: &'static [&'static dyn KxGroup],
    /// SHA-256 and SHA-384 (for PSKs and tickets outside any suite).
    pub hashes: &'static [Hash],
    /// The AEADs (for session tickets outside any suite).
    pub aeads: &'static [Aead],
    /// Signature verification (CertificateVerify and X.509).
    pub signatures: &'static dyn SignatureVerifier,
    /// Private key loading.
    pub keys: &'static dyn KeyLoader,
}

impl CryptoProvider {
    /// The suite with code point `suite`, if implemented.
    pub fn suite(&self, suite: CipherSuite) -> Option<SuiteParams> {
        self.suites.iter().copied().find(|s| s.suite == suite)
    }

    /// The group `group`, if implemented.
    pub fn group(&self, group: NamedGroup) -> Option<&'static dyn KxGroup> {
        self.groups.iter().copied().find(|g| g.group() == group)
    }

    /// The hash function `alg`. Every provider has SHA-256 and SHA-384;
    /// one that lacks `alg` falls back to the RustCrypto provider's.
    pub fn hash(&self, alg: HashAlgorithm) -> Hash {
        self.hashes
            .iter()
            .copied()
            .find(|h| h.algorithm() == alg)
            .unwrap_or_else(|| super::rustcrypto::hash_of(alg))
    }

    /// The AEAD `alg`, if implemented.
    pub fn aead(&self, alg: AeadAlgorithm) -> Option<Aead> {
        self.aeads.iter().copied().find(|a| a.algorithm() == alg)
    }

    /// Loads a DER private key (PKCS#8, SEC1 or PKCS#1) with this
    /// provider's [`KeyLoader`].
    pub fn load_private_key(&self, der: &[u8]) -> Result<SigningKey, Error> {
        Ok(SigningKey::from_signer(self.keys.load(der)?))
    }

    /// [`load_private_key`](Self::load_private_key) of the first private
    /// key in PEM text.
    pub fn load_private_key_pem(&self, pem: &str) -> Result<SigningKey, Error> {
        self.load_private_key(&super::sign::private_key_der_from_pem(pem)?)
    }
}

impl core::fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CryptoProvider")
            .field("name", &self.name)
            .field("suites", &self.suites)
            .finish_non_exhaustive()
    }
}

/// The provider configs use unless told otherwise: graviola when built
/// with the `graviola` feature and the CPU has what it needs (checked
/// once; otherwise the fallback is logged), else RustCrypto.
pub fn default_provider() -> &'static CryptoProvider {
    #[cfg(feature = "graviola")]
    if let Some(p) = super::graviola::provider() {
        return p;
    }
    super::rustcrypto::provider()
}
