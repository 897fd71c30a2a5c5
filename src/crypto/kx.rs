//! Key exchange groups (RFC 9846 §4.3.7, §7.4): X25519, secp256r1,
//! secp384r1, secp521r1 and the hybrid X25519MLKEM768
//! (draft-ietf-tls-ecdhe-mlkem).
//!
//! Every secret is drawn from the injected [`SecureRandom`], so a replay
//! that scripts the random bytes reproduces the same key shares.

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::SecureRandom;
use crate::codec::StackBytes;
use crate::error::Error;
use crate::msgs::enums::NamedGroup;

/// The groups the built-in providers implement, in the client's default
/// preference order (the hybrid first, as current browsers do).
///
/// secp521r1 comes last: a client lists it in `supported_groups` but
/// sends its one default key share for the first group, so it is used
/// only with a peer that has nothing better (a server that asks for it
/// with a HelloRetryRequest, a client that sends only a P-521 share); a
/// server accepts it. OpenSSL, GnuTLS and Go do the same by default.
pub const SUPPORTED_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP521R1,
];

/// Whether the default provider implements `group`.
pub fn is_supported(group: NamedGroup) -> bool {
    super::default_provider().group(group).is_some()
}

/// A key share held inline up to 133 bytes, the longest elliptic-curve
/// share (an uncompressed secp521r1 point); an ML-KEM share (over a
/// kilobyte) goes on the heap.
pub(crate) type ShareBytes = crate::codec::SmallBytes<133>;

/// Longest shared secret: secp521r1's x-coordinate (66 bytes; the
/// hybrid's ML-KEM and X25519 secrets are 64).
pub const MAX_SHARED_LEN: usize = 66;

/// A shared secret from a completed exchange, held inline (no heap
/// allocation per handshake); zeroized on drop. Reads as its bytes.
pub struct SharedSecret {
    bytes: Zeroizing<StackBytes<MAX_SHARED_LEN>>,
}

impl SharedSecret {
    /// The concatenation of `parts`: 1 to [`MAX_SHARED_LEN`] bytes in
    /// all (every built-in group's secret fits). Anything else is an
    /// error, never a shorter secret: a key schedule without the
    /// exchange's secret would let anyone derive the traffic keys.
    pub fn from_parts(parts: &[&[u8]]) -> Result<Self, Error> {
        let total = parts
            .iter()
            .map(|p| p.len())
            .fold(0usize, usize::saturating_add);
        if total == 0 || total > MAX_SHARED_LEN {
            return Err(Error::Internal(
                "key exchange secret empty or longer than MAX_SHARED_LEN",
            ));
        }
        let mut bytes = Zeroizing::new(StackBytes::filled_with(0, 0));
        for part in parts {
            bytes.push(part);
        }
        Ok(Self { bytes })
    }
}

impl core::ops::Deref for SharedSecret {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl AsRef<[u8]> for SharedSecret {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// A key exchange group as a provider implements it (the provider seam;
/// see [`crate::crypto::CryptoProvider`]). Every secret is drawn from the
/// `rng` given, so that a replay that scripts the random bytes
/// reproduces the same shares.
pub trait KxGroup: Send + Sync {
    /// Which group this is.
    fn group(&self) -> NamedGroup;

    /// The client's half: a fresh key pair, usually
    /// [`KeyExchange::boxed`].
    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error>;

    /// The server's half: given the client's share, the server's share
    /// and the shared secret in one step (for a KEM the server
    /// encapsulates). A share of the wrong length or form must be refused
    /// with `PeerMisbehaved::InvalidKeyShare`, before drawing randomness
    /// where the check needs no private key.
    fn server_exchange(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error>;

    /// How many random bytes [`start`](Self::start) draws, if always the
    /// same (retries after an out-of-range draw aside). The client then
    /// draws them together with the rest of its ClientHello randomness,
    /// in one call to the source, and hands them over in the same order
    /// (see [`crate::config`]). `None`, the default, when unknown: then
    /// `start` draws from the source itself. A count that is not exact
    /// would shift the bytes of later draws.
    fn start_random_len(&self) -> Option<usize> {
        None
    }

    /// The same for [`server_exchange`](Self::server_exchange) with a
    /// valid client share: the server draws them with its
    /// ServerHello.random.
    fn exchange_random_len(&self) -> Option<usize> {
        None
    }

    /// A private key of this group kept for many exchanges, from its
    /// encoding: X25519, the 32 bytes of RFC 7748 §5 (clamped when
    /// used); a NIST curve, the big-endian scalar of exactly the field
    /// length, in [1, n-1] (SEC 1 §2.3.7). An encoding of another length,
    /// zero or not below the order is an error.
    ///
    /// TLS key exchange never needs this: each handshake's key is fresh
    /// and used once ([`start`](Self::start)). HPKE's DHKEM (RFC 9180
    /// §4.1) does: the recipient's key decapsulates every message sent to
    /// it (the ECH server's key, once per ClientHello), and its keys are
    /// derived deterministically from input keying material (§7.1.3), so
    /// they must be loaded from bytes rather than drawn.
    ///
    /// `None`, the default, when the group keeps no static keys (the
    /// hybrid, an embedder's group that does not implement it): HPKE then
    /// reports the KEM as unsupported by the provider.
    fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
        let _ = secret;
        None
    }
}

/// A private key of a [`KxGroup`] kept for many exchanges (see
/// [`KxGroup::static_key`]); implementations wipe it on drop.
pub trait StaticKey: Send + Sync {
    /// The encoded public key, as a key share is encoded (X25519: 32
    /// bytes; NIST curves: the uncompressed point).
    fn public_key(&self) -> &[u8];

    /// Diffie-Hellman with a peer's encoded public key, checked as
    /// [`ActiveKeyExchange::complete`] checks a share: the wrong length,
    /// a NIST point not uncompressed or not on the curve, or an all-zero
    /// X25519 output (RFC 7748 §6.1) is `PeerMisbehaved::InvalidKeyShare`.
    /// The key stays usable.
    fn agree(&self, peer: &[u8]) -> Result<SharedSecret, Error>;
}

/// A client key pair waiting for the server's share.
pub trait ActiveKeyExchange: Send + Sync {
    /// The encoded public share for the ClientHello `key_share`.
    fn public_key(&self) -> &[u8];

    /// Completes the exchange with the server's share. An invalid share
    /// (wrong length, not on the curve, an all-zero X25519 output) is
    /// `PeerMisbehaved::InvalidKeyShare` (`illegal_parameter`).
    fn complete(self: Box<Self>, server_share: &[u8]) -> Result<SharedSecret, Error>;
}

/// The client's half of a key exchange: a private key and the public
/// share sent in the ClientHello `key_share`. The built-in providers'
/// key pairs are held inline; an embedder's is boxed.
pub struct KeyExchange {
    group: NamedGroup,
    active: Active,
}

// Large on purpose: the built-in key pairs inline (a P-521 share is 133
// bytes), so that a handshake allocates nothing for them.
#[allow(clippy::large_enum_variant)]
enum Active {
    RustCrypto(super::rustcrypto::kx::Active),
    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    Graviola(super::graviola::kx::Active),
    Boxed(Box<dyn ActiveKeyExchange>),
}

impl KeyExchange {
    /// Generates a key pair for `group` with the default provider
    /// ([`crate::crypto::default_provider`]).
    pub fn start(group: NamedGroup, rng: &dyn SecureRandom) -> Result<Self, Error> {
        let kx = super::default_provider()
            .group(group)
            .ok_or(Error::Internal("key exchange group not implemented"))?;
        Self::start_with(kx, rng)
    }

    /// Generates a key pair with a provider's group.
    pub fn start_with(kx: &'static dyn KxGroup, rng: &dyn SecureRandom) -> Result<Self, Error> {
        kx.start(rng)
    }

    /// An embedder's key pair for `group`.
    pub fn boxed(group: NamedGroup, active: Box<dyn ActiveKeyExchange>) -> Self {
        Self {
            group,
            active: Active::Boxed(active),
        }
    }

    pub(crate) fn rustcrypto(group: NamedGroup, active: super::rustcrypto::kx::Active) -> Self {
        Self {
            group,
            active: Active::RustCrypto(active),
        }
    }

    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    pub(crate) fn graviola(group: NamedGroup, active: super::graviola::kx::Active) -> Self {
        Self {
            group,
            active: Active::Graviola(active),
        }
    }

    /// The group.
    pub fn group(&self) -> NamedGroup {
        self.group
    }

    /// The encoded public share (X25519: 32 bytes; NIST curves: the
    /// uncompressed point; hybrid: ML-KEM-768 encapsulation key || X25519).
    pub fn public_key(&self) -> &[u8] {
        match &self.active {
            Active::RustCrypto(a) => a.public_key(),
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            Active::Graviola(a) => a.public_key(),
            Active::Boxed(a) => a.public_key(),
        }
    }

    /// Completes the exchange with the server's share (see
    /// [`ActiveKeyExchange::complete`]).
    pub fn complete(self, server_share: &[u8]) -> Result<SharedSecret, Error> {
        match self.active {
            Active::RustCrypto(a) => a.complete(server_share),
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            Active::Graviola(a) => a.complete(server_share),
            Active::Boxed(a) => a.complete(server_share),
        }
    }
}

impl core::fmt::Debug for KeyExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeyExchange({:?})", self.group)
    }
}

/// The server's half with the default provider (see
/// [`KxGroup::server_exchange`]).
pub fn server_exchange(
    group: NamedGroup,
    client_share: &[u8],
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, SharedSecret), Error> {
    super::default_provider()
        .group(group)
        .ok_or(Error::Internal("key exchange group not implemented"))?
        .server_exchange(client_share, rng)
}
