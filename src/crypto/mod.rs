//! The seam to the RustCrypto crates: hashes, HMAC/HKDF, AEADs, key
//! exchange groups, signatures, key loading, and the injected randomness.
//! Nothing here knows about TLS messages.

pub mod aead;
pub mod hash;
pub mod kx;
pub mod pem;
pub mod sign;
pub mod suites;

use crate::error::Error;

/// A source of cryptographically secure random bytes, injected through
/// the configuration so that a connection is replayable (DESIGN.md
/// property 1). Everything the library draws comes from here.
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
