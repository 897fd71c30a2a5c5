//! What can go wrong in HPKE: RFC 9180 §8.2's errors, plus what a
//! provider may lack.

use core::fmt;

use crate::error::Error;

/// An HPKE failure (RFC 9180 §8.2 lists the kinds). None of them leaves
/// a context unusable: a failed `open` does not advance the sequence
/// number, so the next message can still be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HpkeError {
    /// The provider lacks part of the suite (its key exchange group keeps
    /// no static keys, or it has no such AEAD), or the code point is not
    /// one this module implements (named here).
    Unsupported(&'static str),
    /// A public key — the recipient's `pkR`, the sender's `pkS`, or `enc`
    /// — of the wrong length, not an uncompressed point on the curve, or
    /// giving an all-zero X25519 output (§7.1.4: DeserializeError or
    /// ValidationError).
    InvalidPublicKey,
    /// A private key of the wrong length, zero or not below the group
    /// order (§7.1.2: DeserializeError).
    InvalidPrivateKey,
    /// A private key made for another KEM than the suite's.
    KemMismatch,
    /// DeriveKeyPair found no valid P-256 scalar in 256 candidates
    /// (§7.1.3: DeriveKeyPairError; about 2^-8192 likely).
    DeriveKeyPairFailed,
    /// The PSK inputs break §5.1's VerifyPSKInputs (a PSK or its id
    /// empty), or the PSK is shorter than the 32 bytes of entropy §5.1.2
    /// requires.
    InvalidPsk,
    /// A ciphertext did not authenticate under this context's key, nonce
    /// and `aad` (§5.2: OpenError). The sequence number did not move.
    OpenFailed,
    /// The sequence number is exhausted (§5.2: MessageLimitReachedError):
    /// this context seals or opens no more.
    MessageLimitReached,
    /// The suite's AEAD is export-only (0xFFFF, §5.3): it neither seals
    /// nor opens.
    ExportOnly,
    /// An export longer than 255 * Nh bytes (§5.3).
    ExportTooLong,
    /// The random source failed.
    RandomFailed,
    /// The provider failed otherwise.
    Crypto(Error),
    /// A bug on our side.
    Internal(&'static str),
}

impl HpkeError {
    /// A failure of the provider's Diffie-Hellman with a peer's key: an
    /// invalid share is an invalid public key; anything else the
    /// provider's own failure.
    pub(crate) fn from_agree(e: Error) -> Self {
        match e {
            Error::PeerMisbehaved(crate::error::PeerMisbehaved::InvalidKeyShare) => {
                Self::InvalidPublicKey
            }
            Error::RandomFailed => Self::RandomFailed,
            other => Self::Crypto(other),
        }
    }
}

impl fmt::Display for HpkeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(what) => write!(f, "HPKE: not supported: {what}"),
            Self::InvalidPublicKey => f.write_str(
                "HPKE: invalid public key (wrong length, not on the curve, or a low-order X25519 key)",
            ),
            Self::InvalidPrivateKey => f.write_str(
                "HPKE: invalid private key (wrong length, zero or not below the group order)",
            ),
            Self::KemMismatch => f.write_str("HPKE: the private key is for another KEM"),
            Self::DeriveKeyPairFailed => f.write_str("HPKE: DeriveKeyPair found no valid key"),
            Self::InvalidPsk => f.write_str(
                "HPKE: PSK and PSK id must both be non-empty, and the PSK at least 32 bytes",
            ),
            Self::OpenFailed => f.write_str("HPKE: the ciphertext did not authenticate"),
            Self::MessageLimitReached => {
                f.write_str("HPKE: the context's sequence number is exhausted")
            }
            Self::ExportOnly => f.write_str("HPKE: an export-only context neither seals nor opens"),
            Self::ExportTooLong => f.write_str("HPKE: export longer than 255 * Nh bytes"),
            Self::RandomFailed => f.write_str("HPKE: the random source failed"),
            Self::Crypto(e) => write!(f, "HPKE: the crypto provider failed: {e}"),
            Self::Internal(what) => write!(f, "HPKE: internal error: {what}"),
        }
    }
}

impl core::error::Error for HpkeError {}
