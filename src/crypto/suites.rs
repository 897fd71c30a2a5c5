//! The TLS 1.3 cipher suites: a code point with its provider's hash and
//! AEAD.
//!
//! The three of the default ([`tls13_suites`]) are those every TLS 1.3
//! peer has. The two AES-CCM suites ([`ccm_suites`]; RFC 9846 §B.4,
//! RFC 6655's AEADs) are implemented but off by default: a config offers
//! or accepts them only when its `suites` name them. They serve
//! constrained devices (IoT, CoAP stacks with AES but no GHASH); on
//! anything else AES-GCM or ChaCha20-Poly1305 is the better choice.
//! TLS_AES_128_CCM_8_SHA256 has an 8-byte tag: a forgery succeeds with
//! probability 2^-64 per attempt, not 2^-128, and QUIC does not allow
//! it (RFC 9001 §5.3).

use super::aead::Aead;
use super::hash::Hash;
use crate::msgs::enums::CipherSuite;

/// A cipher suite's parameters, as one provider implements it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteParams {
    /// The code point.
    pub suite: CipherSuite,
    /// The HKDF / transcript hash.
    pub hash: Hash,
    /// The record AEAD.
    pub aead: Aead,
}

/// The three TLS 1.3 suites in our default preference order, from a
/// provider's hashes and AEADs (every provider's `suites` table).
pub const fn tls13_suites(
    sha256: Hash,
    sha384: Hash,
    aes_128_gcm: Aead,
    aes_256_gcm: Aead,
    chacha20_poly1305: Aead,
) -> [SuiteParams; 3] {
    [
        SuiteParams {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            hash: sha256,
            aead: aes_128_gcm,
        },
        SuiteParams {
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            hash: sha384,
            aead: aes_256_gcm,
        },
        SuiteParams {
            suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            hash: sha256,
            aead: chacha20_poly1305,
        },
    ]
}

/// The two AES-CCM suites, off by default (see the module
/// documentation), from a provider's SHA-256 and AEADs (every provider's
/// `optional_suites` table).
pub const fn ccm_suites(sha256: Hash, aes_128_ccm: Aead, aes_128_ccm_8: Aead) -> [SuiteParams; 2] {
    [
        SuiteParams {
            suite: CipherSuite::TLS_AES_128_CCM_SHA256,
            hash: sha256,
            aead: aes_128_ccm,
        },
        SuiteParams {
            suite: CipherSuite::TLS_AES_128_CCM_8_SHA256,
            hash: sha256,
            aead: aes_128_ccm_8,
        },
    ]
}

/// The RustCrypto provider's suites, by name.
pub use super::rustcrypto::{
    TLS_AES_128_CCM_8_SHA256, TLS_AES_128_CCM_SHA256, TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,
};

/// Every suite of the RustCrypto provider: the default ones in our
/// preference order, then the two AES-CCM ones.
pub const ALL_SUITES: &[SuiteParams] = super::rustcrypto::ALL_SUITES;

/// The parameters of a suite the default provider implements
/// ([`crate::crypto::default_provider`]), off by default or not.
pub fn lookup(suite: CipherSuite) -> Option<SuiteParams> {
    super::default_provider().suite(suite)
}
