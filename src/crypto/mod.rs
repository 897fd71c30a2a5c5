//! The provider seam: hashes, HMAC/HKDF, AEADs, QUIC header protection,
//! key exchange groups, signatures, key loading, and the injected
//! randomness. Nothing here knows about TLS messages.
//!
//! A [`CryptoProvider`] says how each operation is done; a config holds
//! one. The built-in providers:
//!
//! - [`rustcrypto`] (the default): the RustCrypto crates, `no_std` +
//!   `alloc`, every random byte from the config's [`SecureRandom`], so a
//!   handshake replays exactly under a scripted source.
//! - `graviola` (feature `graviola`): formally verified assembly through
//!   Rust's `asm!` (no C compiler), several times faster. It needs x86_64
//!   with AES-NI, PCLMULQDQ, BMI1, ADX, AVX and AVX2, or aarch64 with the
//!   NEON, AES, PMULL and SHA-2 extensions; on another CPU
//!   [`default_provider`] falls back to RustCrypto and logs it. What
//!   differs: ECDSA signing uses hedged nonces (RFC 6979 with added
//!   randomness) and RSA-PSS salts drawn from the operating system
//!   rather than from the config's source, so those CertificateVerify
//!   signatures are not replayable; it needs `std`. Key exchange draws
//!   the same bytes as RustCrypto's.
//!
//! # The `fuzzing` feature: NO SECURITY
//!
//! With the test-only feature `fuzzing` (enabled by the fuzz crate in
//! `fuzz/` and nowhere else; never in default builds), this module
//! deliberately breaks itself so that a fuzzer can play a peer through a
//! whole session:
//!
//! - every AEAD ([`aead::AeadKey`]) is the identity on the plaintext with
//!   an all-zero 16-byte tag, still checked on open, so records can be
//!   forged (and a record with any other tag is still `bad_record_mac`);
//! - [`sign::verify`] accepts any signature once the key and scheme pass
//!   their checks.
//!
//! Key exchange, HKDF, Finished and binder MACs and QUIC header
//! protection stay real; with the injected deterministic
//! [`SecureRandom`] of the fuzz harnesses the keys are the same on every
//! run, so recorded flights replay. [`FUZZING`] tells whether the mode
//! is on. A library built with `fuzzing` must never talk to a real peer. The feature compiles only together with the
//! `fuzzing` cfg that cargo-fuzz sets (`RUSTFLAGS="--cfg fuzzing"`), so
//! another crate of a build cannot switch it on by enabling the feature.

pub mod aead;
#[cfg(feature = "graviola")]
pub mod graviola;
pub mod hash;
pub mod header_protection;
pub mod kx;
pub mod pem;
mod provider;
pub mod rustcrypto;
pub mod sign;
pub mod suites;

pub use provider::{CryptoProvider, default_provider};

use crate::error::Error;

/// `true` when built with the insecure test-only `fuzzing` feature (see
/// the module documentation): record protection and signatures are then
/// fake.
pub const FUZZING: bool = cfg!(feature = "fuzzing");

/// A source of cryptographically secure random bytes, injected through
/// the configuration so that a connection is replayable (same inputs,
/// same bytes). Everything the library draws comes from here.
pub trait SecureRandom: Send + Sync {
    /// Fills `dest` entirely.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error>;
}

/// The operating system's random source (feature `std`).
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

#[cfg(feature = "std")]
impl SecureRandom for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(dest).map_err(|_| Error::RandomFailed)
    }
}

/// Lets crates that want a `rand_core` RNG draw from our injected
/// [`SecureRandom`], so that every random byte still comes from the one
/// source a test can script. Used only where a crate draws randomness
/// itself (RSA key generation in `certgen`).
pub(crate) struct RngAdapter<'a>(pub(crate) &'a dyn SecureRandom);

impl rsa::rand_core::TryRng for RngAdapter<'_> {
    type Error = Error;

    fn try_next_u32(&mut self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Error> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        self.0.fill(dst)
    }
}

impl rsa::rand_core::TryCryptoRng for RngAdapter<'_> {}

/// Draws `N` bytes from `rng` into a buffer that is zeroized on drop.
pub(crate) fn random_array<const N: usize>(
    rng: &dyn SecureRandom,
) -> Result<zeroize::Zeroizing<[u8; N]>, Error> {
    let mut out = zeroize::Zeroizing::new([0u8; N]);
    rng.fill(out.as_mut())?;
    Ok(out)
}
