//! The TLS 1.3 cipher suites this library implements.

use super::aead::AeadAlgorithm;
use super::hash::HashAlgorithm;
use crate::msgs::enums::CipherSuite;

/// A cipher suite's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteParams {
    /// The code point.
    pub suite: CipherSuite,
    /// The HKDF / transcript hash.
    pub hash: HashAlgorithm,
    /// The record AEAD.
    pub aead: AeadAlgorithm,
}

/// TLS_AES_128_GCM_SHA256
pub const TLS_AES_128_GCM_SHA256: SuiteParams = SuiteParams {
    suite: CipherSuite::TLS_AES_128_GCM_SHA256,
    hash: HashAlgorithm::Sha256,
    aead: AeadAlgorithm::Aes128Gcm,
};
/// TLS_AES_256_GCM_SHA384
pub const TLS_AES_256_GCM_SHA384: SuiteParams = SuiteParams {
    suite: CipherSuite::TLS_AES_256_GCM_SHA384,
    hash: HashAlgorithm::Sha384,
    aead: AeadAlgorithm::Aes256Gcm,
};
/// TLS_CHACHA20_POLY1305_SHA256
pub const TLS_CHACHA20_POLY1305_SHA256: SuiteParams = SuiteParams {
    suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    hash: HashAlgorithm::Sha256,
    aead: AeadAlgorithm::ChaCha20Poly1305,
};

/// Every suite, in our default preference order.
pub const ALL_SUITES: &[SuiteParams] = &[
    TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384,
    TLS_CHACHA20_POLY1305_SHA256,
];

/// The parameters of a suite we implement.
pub fn lookup(suite: CipherSuite) -> Option<SuiteParams> {
    ALL_SUITES.iter().copied().find(|s| s.suite == suite)
}
