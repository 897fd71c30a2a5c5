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
