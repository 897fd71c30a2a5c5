//! The graviola provider (feature `graviola`). Placeholder: filled in by
//! the graviola work.

use super::CryptoProvider;

/// The graviola provider, when the CPU supports it.
pub fn provider() -> Option<&'static CryptoProvider> {
    None
}
