//! The TLS 1.3 cipher suites: a code point with its provider's hash and
//! AEAD.

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

/// The RustCrypto provider's suites, by name.
pub use super::rustcrypto::{
    TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,
};

/// Every suite of the RustCrypto provider, in our default preference
/// order.
pub const ALL_SUITES: &[SuiteParams] = super::rustcrypto::SUITES;

/// The parameters of a suite the default provider implements
/// ([`crate::crypto::default_provider`]).
pub fn lookup(suite: CipherSuite) -> Option<SuiteParams> {
    super::default_provider().suite(suite)
}
