//! The provider seam: one value that says how every cryptographic
//! operation the protocol needs is done.

use super::aead::{Aead, AeadAlgorithm};
use super::hash::{Hash, HashAlgorithm};
use super::header_protection::{HeaderProtection, HeaderProtectionAlgorithm};
use super::kx::KxGroup;
use super::sign::{KeyLoader, SignatureVerifier, SigningKey};
use super::suites::SuiteParams;
use crate::error::Error;
use crate::msgs::enums::{CipherSuite, NamedGroup};

/// Everything the protocol asks of cryptography: hashes (and HMAC, on
/// which HKDF is built once for all providers), AEADs, QUIC header
/// protection, key exchange groups, signature verification, and private
/// keys. A config holds one (`ClientConfig::builder(..).provider(..)`,
/// the same on the server); keys are loaded with
/// [`load_private_key`](Self::load_private_key).
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
/// [`AeadFactory`](super::aead::AeadFactory),
/// [`HeaderProtectionFactory`](super::header_protection::HeaderProtectionFactory),
/// [`KxGroup`], [`SignatureVerifier`], [`KeyLoader`]), usually taking
/// most fields from a built-in provider:
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
    /// Suites implemented but not in a config's default: offered and
    /// accepted only by a config whose `suites` name them (the two
    /// AES-CCM suites in the built-in providers; see
    /// [`crate::crypto::suites`]).
    pub optional_suites: &'static [SuiteParams],
    /// The key exchange groups, in the client's preference order (a
    /// config's default).
    pub groups: &'static [&'static dyn KxGroup],
    /// SHA-256 and SHA-384 (for PSKs and tickets outside any suite).
    pub hashes: &'static [Hash],
    /// The AEADs (for session tickets outside any suite).
    pub aeads: &'static [Aead],
    /// QUIC header protection (RFC 9001 §5.4), one per AEAD a QUIC
    /// connection may use ([`crate::quic`]).
    pub header_protections: &'static [HeaderProtection],
    /// Signature verification (CertificateVerify and X.509).
    pub signatures: &'static dyn SignatureVerifier,
    /// Private key loading.
    pub keys: &'static dyn KeyLoader,
}

impl CryptoProvider {
    /// The suite with code point `suite`, if implemented (in `suites`
    /// or `optional_suites`).
    pub fn suite(&self, suite: CipherSuite) -> Option<SuiteParams> {
        self.suites
            .iter()
            .chain(self.optional_suites)
            .copied()
            .find(|s| s.suite == suite)
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

    /// Known answers for every hash function the provider hands out (its
    /// suites' and its `hashes`): digest, incremental digest and HMAC of
    /// FIPS 180-4's and RFC 4231 (test case 2)'s examples. HKDF and the key
    /// schedule take each output's length on trust, so an embedder's hash
    /// that returns the wrong length or the wrong bytes is refused when a
    /// config is built instead of failing every handshake obscurely.
    pub(crate) fn check_hashes(&self) -> Result<(), Error> {
        let suite_hashes = self
            .suites
            .iter()
            .chain(self.optional_suites)
            .map(|s| s.hash);
        for hash in self.hashes.iter().copied().chain(suite_hashes) {
            let (digest, mac) = match hash.algorithm() {
                HashAlgorithm::Sha256 => (SHA256_ABC, HMAC_SHA256_JEFE),
                HashAlgorithm::Sha384 => (SHA384_ABC, HMAC_SHA384_JEFE),
            };
            let mut running = hash.start();
            running.update(b"ab");
            running.update(b"c");
            let ok = hash.hash(b"abc").as_ref() == digest
                && running.current().as_ref() == digest
                && hash
                    .hmac(b"Jefe", &[b"what do ya want ", b"for nothing?"])
                    .as_ref()
                    == mac;
            if !ok {
                return Err(Error::BadConfig(alloc::format!(
                    "crypto provider {:?}: its {:?} gives wrong answers for the FIPS 180-4 / \
                     RFC 4231 examples (check the output length and the HMAC construction)",
                    self.name,
                    hash.algorithm()
                )));
            }
        }
        Ok(())
    }

    /// The AEAD `alg`, if implemented.
    pub fn aead(&self, alg: AeadAlgorithm) -> Option<Aead> {
        self.aeads.iter().copied().find(|a| a.algorithm() == alg)
    }

    /// The QUIC header protection algorithm `alg`, if implemented.
    pub fn header_protection(&self, alg: HeaderProtectionAlgorithm) -> Option<HeaderProtection> {
        self.header_protections
            .iter()
            .copied()
            .find(|h| h.algorithm() == alg)
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

// FIPS 180-4 examples (SHA-256 and SHA-384 of "abc") and RFC 4231 §4.3
// (test case 2: key "Jefe", data "what do ya want for nothing?").
const SHA256_ABC: &[u8] = &[
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
];
const SHA384_ABC: &[u8] = &[
    0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b, 0xb5, 0xa0, 0x3d, 0x69, 0x9a, 0xc6, 0x50, 0x07,
    0x27, 0x2c, 0x32, 0xab, 0x0e, 0xde, 0xd1, 0x63, 0x1a, 0x8b, 0x60, 0x5a, 0x43, 0xff, 0x5b, 0xed,
    0x80, 0x86, 0x07, 0x2b, 0xa1, 0xe7, 0xcc, 0x23, 0x58, 0xba, 0xec, 0xa1, 0x34, 0xc8, 0x25, 0xa7,
];
const HMAC_SHA256_JEFE: &[u8] = &[
    0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
    0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
];
const HMAC_SHA384_JEFE: &[u8] = &[
    0xaf, 0x45, 0xd2, 0xe3, 0x76, 0x48, 0x40, 0x31, 0x61, 0x7f, 0x78, 0xd2, 0xb5, 0x8a, 0x6b, 0x1b,
    0x9c, 0x7e, 0xf4, 0x64, 0xf5, 0xa0, 0x1b, 0x47, 0xe4, 0x2e, 0xc3, 0x73, 0x63, 0x22, 0x44, 0x5e,
    0x8e, 0x22, 0x40, 0xca, 0x5e, 0x69, 0xe2, 0xc7, 0x8b, 0x32, 0x39, 0xec, 0xfa, 0xb2, 0x16, 0x49,
];
