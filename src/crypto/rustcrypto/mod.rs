//! The default provider: the RustCrypto crates (`sha2`, `hmac`,
//! `aes-gcm`, `chacha20poly1305`, `ccm`, `aes` and `chacha20` for QUIC
//! header protection, `x25519-dalek`, `p256`, `p384`, `p521`, `ml-kem`,
//! `ed25519-dalek`, `rsa`). `no_std` + `alloc`; every random byte comes from the injected
//! source, so handshakes replay exactly (the RFC 8448 traces run on it).

pub(crate) mod aead;
pub(crate) mod hash;
pub(crate) mod header_protection;
pub(crate) mod kx;
pub(crate) mod sign;

use super::CryptoProvider;
use super::aead::Aead;
use super::hash::Hash;
use super::header_protection::HeaderProtection;
use super::kx::KxGroup;
use super::suites::{SuiteParams, ccm_suites, tls13_suites};

/// SHA-256.
pub const SHA256: Hash = Hash::rustcrypto(&hash::RcSha256);
/// SHA-384.
pub const SHA384: Hash = Hash::rustcrypto(&hash::RcSha384);
const AES_128_GCM: Aead = Aead::new(&aead::RcAes128Gcm);
const AES_256_GCM: Aead = Aead::new(&aead::RcAes256Gcm);
const CHACHA20_POLY1305: Aead = Aead::new(&aead::RcChaCha20Poly1305);
/// secp521r1 (also the graviola provider's, which has no P-521).
pub(crate) const SECP521R1: &dyn KxGroup = &kx::RcSecp521r1;
/// AES-128-CCM (also the graviola provider's, which has no CCM).
pub(crate) const AES_128_CCM: Aead = Aead::new(&aead::RcAes128Ccm);
/// AES-128-CCM-8 (likewise).
pub(crate) const AES_128_CCM_8: Aead = Aead::new(&aead::RcAes128Ccm8);

/// QUIC header protection: AES-128, AES-256 and ChaCha20 (RFC 9001 §5.4).
/// Also the graviola provider's, whose public API has neither a single
/// AES block nor raw ChaCha20.
pub(crate) const HEADER_PROTECTIONS: &[HeaderProtection] = &[
    HeaderProtection::new(&header_protection::RcAes128),
    HeaderProtection::new(&header_protection::RcAes256),
    HeaderProtection::new(&header_protection::RcChaCha20),
];

const SUITE_TABLE: [SuiteParams; 3] =
    tls13_suites(SHA256, SHA384, AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305);
const CCM_TABLE: [SuiteParams; 2] = ccm_suites(SHA256, AES_128_CCM, AES_128_CCM_8);
const ALL_TABLE: [SuiteParams; 5] = [
    SUITE_TABLE[0],
    SUITE_TABLE[1],
    SUITE_TABLE[2],
    CCM_TABLE[0],
    CCM_TABLE[1],
];

/// TLS_AES_128_GCM_SHA256.
pub const TLS_AES_128_GCM_SHA256: SuiteParams = SUITE_TABLE[0];
/// TLS_AES_256_GCM_SHA384.
pub const TLS_AES_256_GCM_SHA384: SuiteParams = SUITE_TABLE[1];
/// TLS_CHACHA20_POLY1305_SHA256.
pub const TLS_CHACHA20_POLY1305_SHA256: SuiteParams = SUITE_TABLE[2];
/// TLS_AES_128_CCM_SHA256 (off by default, see [`crate::crypto::suites`]).
pub const TLS_AES_128_CCM_SHA256: SuiteParams = CCM_TABLE[0];
/// TLS_AES_128_CCM_8_SHA256 (off by default; an 8-byte tag, see
/// [`crate::crypto::suites`]).
pub const TLS_AES_128_CCM_8_SHA256: SuiteParams = CCM_TABLE[1];

/// The cipher suites, in our default preference order.
pub const SUITES: &[SuiteParams] = &SUITE_TABLE;

/// The suites implemented but off by default: the two AES-CCM ones.
pub const OPTIONAL_SUITES: &[SuiteParams] = &CCM_TABLE;

/// [`SUITES`] then [`OPTIONAL_SUITES`].
pub const ALL_SUITES: &[SuiteParams] = &ALL_TABLE;

const GROUPS: &[&dyn KxGroup] = &[
    &kx::RcX25519MlKem768,
    &kx::RcX25519,
    &kx::RcSecp256r1,
    &kx::RcSecp384r1,
    SECP521R1,
];

/// The RustCrypto provider.
pub const PROVIDER: CryptoProvider = CryptoProvider {
    name: "rustcrypto",
    suites: SUITES,
    optional_suites: OPTIONAL_SUITES,
    groups: GROUPS,
    hashes: &[SHA256, SHA384],
    aeads: &[
        AES_128_GCM,
        AES_256_GCM,
        CHACHA20_POLY1305,
        AES_128_CCM,
        AES_128_CCM_8,
    ],
    header_protections: HEADER_PROTECTIONS,
    signatures: &sign::RcVerifier,
    keys: &sign::RcKeyLoader,
};

/// The RustCrypto provider ([`PROVIDER`]).
pub fn provider() -> &'static CryptoProvider {
    &PROVIDER
}

/// The RustCrypto implementation of a hash function, the fallback of a
/// provider that lacks it.
pub(crate) fn hash_of(alg: super::hash::HashAlgorithm) -> Hash {
    match alg {
        super::hash::HashAlgorithm::Sha256 => SHA256,
        super::hash::HashAlgorithm::Sha384 => SHA384,
    }
}
