//! The graviola provider (feature `graviola`): SHA-2, HMAC, AES-GCM,
//! ChaCha20-Poly1305, X25519, P-256, P-384, ML-KEM-768, ECDSA, Ed25519
//! and RSA from [graviola](https://docs.rs/graviola): formally verified
//! assembly (s2n-bignum, and its own) through Rust's `asm!`, no C
//! compiler. With the feature, [`crate::crypto::default_provider`] is
//! this one wherever [`provider`] returns it.
//!
//! # Requirements
//!
//! - `std` (the feature enables it): graviola draws ECDSA nonce hedging,
//!   RSA-PSS salts and RSA blinding from the operating system.
//! - A CPU it supports, checked at run time by [`provider`]: x86_64 with
//!   AES-NI, PCLMULQDQ, BMI1, ADX, AVX and AVX2 (roughly 2013 on), or
//!   aarch64 with NEON, AES, PMULL and SHA-2. On another x86_64 or
//!   aarch64 CPU [`provider`] is `None` and the default provider is
//!   RustCrypto, which is logged once (with the `log` feature). On
//!   another architecture graviola does not build: the dependency and
//!   this implementation are left out and [`provider`] is always `None`.
//!
//! # What differs from the RustCrypto provider
//!
//! - Signing does not replay under a scripted
//!   [`SecureRandom`](super::SecureRandom): graviola draws the ECDSA
//!   nonce hedge (RFC 6979 with added randomness, §3.6) and the RSA-PSS
//!   salt from the operating system, not from the config's source. Tests
//!   and tools that compare signatures byte for byte across runs (the RFC
//!   8448 replays) use [`super::rustcrypto::provider`]. Ed25519 is
//!   deterministic in both.
//! - Key exchange is the same: every secret comes from the injected
//!   source in the same order and sizes (see `kx`), so both providers
//!   make identical shares and secrets from the same bytes.
//! - Keys graviola does not load (RSA outside 2048..=8192 bits, such as
//!   the RFC 8448 traces' 1024-bit key, or encodings its parser refuses)
//!   are loaded and used with RustCrypto instead of being refused; RSA
//!   public keys it does not take are verified with RustCrypto too, so
//!   the two providers accept the same keys and signatures.
//! - RSA private keys whose first prime is the smaller one are handed to
//!   graviola with their primes swapped (the same key): graviola 0.4.4's
//!   CRT step assumes the larger first and then refuses some signatures.
//! - QUIC header protection (RFC 9001 §5.4) is RustCrypto's: graviola's
//!   public API has no single AES block and no raw ChaCha20.
//! - The AES-CCM suites (off by default) and secp521r1 / ECDSA P-521 are
//!   RustCrypto's: graviola has neither.
//! - Certificates are not signed by graviola keys
//!   ([`KeySigner::sign_x509`](super::sign::KeySigner::sign_x509) is
//!   unsupported); `certgen` always uses RustCrypto.
//!
//! # What it checks
//!
//! The same as RustCrypto, vector for vector (the Wycheproof tests run
//! both and compare): key shares of the wrong length, NIST points not in
//! the uncompressed form or not on the curve, an all-zero X25519 output
//! and ML-KEM encapsulation keys failing the FIPS 203 §7.2 modulus check
//! are `PeerMisbehaved::InvalidKeyShare`; ECDSA r and s must be in
//! [1, n-1] (DER), Ed25519 is verified as strictly as `ed25519-dalek`'s
//! `verify_strict` (canonical S and key, small-order key or R refused),
//! RSA-PSS with a salt as long as the hash. AEAD tags are compared in
//! constant time and a record that does not authenticate is cleared.

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) mod aead;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) mod hash;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) mod kx;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) mod sign;

use super::CryptoProvider;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod consts {
    use super::{aead, hash, kx, sign};
    use crate::crypto::CryptoProvider;
    use crate::crypto::aead::Aead;
    use crate::crypto::hash::Hash;
    use crate::crypto::kx::KxGroup;
    use crate::crypto::suites::{SuiteParams, ccm_suites, tls13_suites};

    const SHA256: Hash = Hash::graviola(&hash::GvSha256);
    const SHA384: Hash = Hash::graviola(&hash::GvSha384);
    const AES_128_GCM: Aead = Aead::new(&aead::GvAes128Gcm);
    const AES_256_GCM: Aead = Aead::new(&aead::GvAes256Gcm);
    const CHACHA20_POLY1305: Aead = Aead::new(&aead::GvChaCha20Poly1305);

    const SUITES: [SuiteParams; 3] =
        tls13_suites(SHA256, SHA384, AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305);
    // graviola has no CCM: RustCrypto's AES-CCM under graviola's SHA-256,
    // as QUIC header protection is RustCrypto's (off by default anyway).
    const CCM_SUITES: [SuiteParams; 2] = ccm_suites(
        SHA256,
        crate::crypto::rustcrypto::AES_128_CCM,
        crate::crypto::rustcrypto::AES_128_CCM_8,
    );

    const GROUPS: &[&dyn KxGroup] = &[
        &kx::GvX25519MlKem768,
        &kx::GvX25519,
        &kx::GvSecp256r1,
        &kx::GvSecp384r1,
        // graviola has no P-521.
        crate::crypto::rustcrypto::SECP521R1,
    ];

    /// The graviola provider. Reached only through [`super::provider`]:
    /// on a CPU graviola does not support, its operations fault, so it is
    /// not public (an embedder composing a provider from it starts from
    /// `*provider()?`).
    pub(crate) const PROVIDER: CryptoProvider = CryptoProvider {
        name: "graviola",
        suites: &SUITES,
        optional_suites: &CCM_SUITES,
        groups: GROUPS,
        hashes: &[SHA256, SHA384],
        aeads: &[
            AES_128_GCM,
            AES_256_GCM,
            CHACHA20_POLY1305,
            crate::crypto::rustcrypto::AES_128_CCM,
            crate::crypto::rustcrypto::AES_128_CCM_8,
        ],
        // graviola 0.4's public API offers AES only inside AES-GCM and
        // ChaCha20 only inside the two AEADs, neither of which can
        // produce AES-ECB of an arbitrary block or ChaCha20 keystream at
        // an arbitrary counter (RFC 9001 §5.4.3, §5.4.4): QUIC header
        // protection is RustCrypto's (one block per packet, no bulk data).
        header_protections: crate::crypto::rustcrypto::HEADER_PROTECTIONS,
        signatures: &sign::GvVerifier,
        keys: &sign::GvKeyLoader,
    };
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) use consts::PROVIDER;

/// The graviola provider if this CPU supports it
/// (`graviola::util::is_cpu_supported`, checked once). Otherwise `None`,
/// and the first call logs (feature `log`, `warn`) that the default
/// provider falls back to RustCrypto.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub fn provider() -> Option<&'static CryptoProvider> {
    static SUPPORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let supported = *SUPPORTED.get_or_init(|| {
        let supported = graviola::util::is_cpu_supported();
        if !supported {
            crate::log::warning!(
                "crypto: this CPU lacks what graviola needs (x86_64: AES-NI, PCLMULQDQ, BMI1, ADX, AVX, AVX2; aarch64: NEON, AES, PMULL, SHA-2); the default provider falls back to RustCrypto"
            );
        }
        supported
    });
    supported.then_some(&PROVIDER)
}

/// Always `None`: graviola supports only x86_64 and aarch64; the first
/// call logs (feature `log`, `warn`) that the default provider is
/// RustCrypto.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub fn provider() -> Option<&'static CryptoProvider> {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| {
        crate::log::warning!(
            "crypto: graviola supports only x86_64 and aarch64; the default provider is RustCrypto"
        );
    });
    None
}

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
mod tests;
