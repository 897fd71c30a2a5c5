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
pub(crate) mod id_hash;
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

/// Random bytes drawn ahead in one call to a source, for draws whose
/// order and lengths are known (one handshake flight's: the client's
/// random, legacy_session_id and key shares; the server's random and
/// key share). Each `fill` is served from them, in order, and past them
/// from the source itself: a source that gives a stream (the operating
/// system's, a replay's script) sees the same bytes go to the same
/// draws as with one call per draw, and is called once — for
/// [`OsRandom`] one system call instead of three.
pub(crate) struct Prefetched<'a> {
    source: &'a dyn SecureRandom,
    bytes: zeroize::Zeroizing<[u8; MAX_PREFETCH]>,
    len: usize,
    /// How many of `bytes` were handed out.
    used: core::sync::atomic::AtomicUsize,
}

/// Enough for the largest flight of the built-in groups: random,
/// session id, X25519MLKEM768 and X25519 shares (32 + 32 + 96 + 32).
const MAX_PREFETCH: usize = 256;

impl<'a> Prefetched<'a> {
    /// Draws, in one call to `source`, the bytes of the leading `draws`
    /// whose lengths are known (up to the first `None`, and as many as
    /// fit [`MAX_PREFETCH`]).
    pub(crate) fn new(
        source: &'a dyn SecureRandom,
        draws: &[Option<usize>],
    ) -> Result<Self, Error> {
        let mut len = 0usize;
        for draw in draws {
            match draw.map(|n| len.saturating_add(n)) {
                Some(total) if total <= MAX_PREFETCH => len = total,
                _ => break,
            }
        }
        let mut bytes = zeroize::Zeroizing::new([0u8; MAX_PREFETCH]);
        if let Some(ahead) = bytes.get_mut(..len).filter(|a| !a.is_empty()) {
            source.fill(ahead)?;
        }
        Ok(Self {
            source,
            bytes,
            len,
            used: core::sync::atomic::AtomicUsize::new(0),
        })
    }
}

impl SecureRandom for Prefetched<'_> {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        use core::sync::atomic::Ordering::Relaxed;
        let claim = |used: usize| Some(used.saturating_add(dest.len()).min(self.len));
        let start = self
            .used
            .fetch_update(Relaxed, Relaxed, claim)
            .unwrap_or(self.len);
        let ahead = self.bytes.get(start..self.len).unwrap_or_default();
        let (served, rest) = dest.split_at_mut(dest.len().min(ahead.len()));
        served.copy_from_slice(ahead.get(..served.len()).unwrap_or_default());
        if rest.is_empty() {
            Ok(())
        } else {
            self.source.fill(rest)
        }
    }
}

/// Draws `N` bytes from `rng` into a buffer that is zeroized on drop.
pub(crate) fn random_array<const N: usize>(
    rng: &dyn SecureRandom,
) -> Result<zeroize::Zeroizing<[u8; N]>, Error> {
    let mut out = zeroize::Zeroizing::new([0u8; N]);
    rng.fill(out.as_mut())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicU8, Ordering};

    use super::*;

    /// A stream of counting bytes; records the length of every call.
    #[derive(Default)]
    struct Counter {
        next: AtomicU8,
        calls: std::sync::Mutex<Vec<usize>>,
    }

    impl SecureRandom for Counter {
        fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
            self.calls.lock().unwrap().push(dest.len());
            for b in dest {
                *b = self.next.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }
    }

    fn draws(rng: &dyn SecureRandom, lens: &[usize]) -> Vec<Vec<u8>> {
        lens.iter()
            .map(|&n| {
                let mut v = alloc::vec![0u8; n];
                rng.fill(&mut v).unwrap();
                v
            })
            .collect()
    }

    #[test]
    fn prefetched_draws_get_the_bytes_of_one_call_per_draw() {
        let lens = [32, 0, 32, 7, 32];
        let want = draws(&Counter::default(), &lens);
        for ahead in [
            &[Some(32), Some(0), Some(32), Some(7)][..],
            &[Some(32), None, Some(32)],
            // Claims that overlap a draw: served partly, then the source.
            &[Some(40)],
            &[],
        ] {
            let source = Counter::default();
            let got = draws(&Prefetched::new(&source, ahead).unwrap(), &lens);
            assert_eq!(got, want, "{ahead:?}");
        }
        // One call for everything known, up to the first unknown length.
        let source = Counter::default();
        let rng = Prefetched::new(&source, &[Some(32), Some(32), None, Some(9)]).unwrap();
        draws(&rng, &[32, 32, 5, 9]);
        assert_eq!(*source.calls.lock().unwrap(), [64, 5, 9]);
        // Never more than the buffer holds: the rest comes from the source.
        let source = Counter::default();
        let rng = Prefetched::new(&source, &[Some(200), Some(100)]).unwrap();
        draws(&rng, &[200, 100]);
        assert_eq!(*source.calls.lock().unwrap(), [200, 100]);
    }

    #[test]
    fn prefetch_failure_is_the_source_failure() {
        struct Failing;
        impl SecureRandom for Failing {
            fn fill(&self, _: &mut [u8]) -> Result<(), Error> {
                Err(Error::RandomFailed)
            }
        }
        assert!(Prefetched::new(&Failing, &[Some(32)]).is_err());
        // Nothing known ahead: nothing drawn yet.
        assert!(Prefetched::new(&Failing, &[None, Some(32)]).is_ok());
    }
}
