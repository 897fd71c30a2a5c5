//! Key exchange groups (RFC 8446 §4.2.7, §7.4): X25519, secp256r1,
//! secp384r1 and the hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem).
//!
//! Every secret is drawn from the injected [`SecureRandom`], so a replay
//! that scripts the random bytes reproduces the same key shares.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::SecureRandom;
use crate::error::Error;
use crate::msgs::enums::NamedGroup;

/// The groups we implement, in the client's default preference order
/// (the hybrid first, as current browsers do).
pub const SUPPORTED_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// Whether `group` is implemented.
pub fn is_supported(group: NamedGroup) -> bool {
    SUPPORTED_GROUPS.contains(&group)
}

/// A shared secret from a completed exchange; zeroized on drop.
pub type SharedSecret = Zeroizing<Vec<u8>>;

/// The client's half of a key exchange: a private key and the public
/// share sent in the ClientHello `key_share`.
///
/// Random draws, in order: X25519: 32 bytes (the private scalar, clamped
/// by X25519 itself); P-256/P-384: 32/48 bytes per attempt, redrawn while
/// not a valid scalar; X25519MLKEM768: 64 bytes (ML-KEM d || z seed) then
/// 32 bytes (X25519).
pub struct KeyExchange {
    _todo: (),
}

impl KeyExchange {
    /// Generates a key pair for `group`.
    pub fn start(_group: NamedGroup, _rng: &dyn SecureRandom) -> Result<Self, Error> {
        todo!()
    }

    /// The group.
    pub fn group(&self) -> NamedGroup {
        todo!()
    }

    /// The encoded public share (X25519: 32 bytes; NIST curves: the
    /// uncompressed point; hybrid: ML-KEM-768 encapsulation key || X25519).
    pub fn public_key(&self) -> &[u8] {
        todo!()
    }

    /// Completes the exchange with the server's share. An invalid share
    /// (wrong length, not on the curve, all-zero X25519 output) is
    /// `PeerMisbehaved::InvalidKeyShare` (`illegal_parameter`).
    pub fn complete(self, _server_share: &[u8]) -> Result<SharedSecret, Error> {
        todo!()
    }
}

/// The server's half: given the client's share, produces the server's
/// share and the shared secret in one step (for ML-KEM the server
/// encapsulates). Random draws: X25519 32 bytes; NIST curves as above;
/// hybrid: 32 bytes (ML-KEM message m) then 32 bytes (X25519).
pub fn server_exchange(
    _group: NamedGroup,
    _client_share: &[u8],
    _rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, SharedSecret), Error> {
    todo!()
}
