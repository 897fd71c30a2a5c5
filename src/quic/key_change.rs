//! Keys handed to QUIC as the handshake makes them available (RFC 9001
//! §4.1.4), and the 1-RTT key update chain (§6).

use core::fmt;

use super::keys::DirectionalKeys;
use super::level::{Direction, Level};
use super::packet::PacketKey;
use super::secrets::next_secret;
use super::{Suite, Version};
use crate::crypto::hash::Output;
use crate::error::Error;

/// New packet protection keys for one direction at one encryption level,
/// from the connection ([`Connection::next_key_change`](super::Connection::next_key_change)).
pub struct KeyChange {
    /// The level the keys protect.
    pub level: Level,
    /// Whether they protect packets from the peer or ours.
    pub direction: Direction,
    /// The payload and header protection keys (§5.1).
    pub keys: DirectionalKeys,
    /// For 1-RTT keys: the secret chain of this direction's key updates
    /// (§6). `None` at other levels, which have no key updates.
    pub updates: Option<KeyUpdates>,
}

impl fmt::Debug for KeyChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyChange")
            .field("level", &self.level)
            .field("direction", &self.direction)
            .finish_non_exhaustive()
    }
}

impl KeyChange {
    /// The keys of `secret` (a TLS traffic secret) for `suite`; with the
    /// key update chain at 1-RTT.
    pub(crate) fn new(
        level: Level,
        direction: Direction,
        suite: Suite,
        version: Version,
        secret: &Output,
    ) -> Result<Self, Error> {
        let keys = DirectionalKeys::new(suite, version, secret.as_ref())?;
        let updates = (level == Level::OneRtt).then(|| KeyUpdates {
            suite,
            version,
            secret: secret.clone(),
            generation: 0,
        });
        Ok(Self {
            level,
            direction,
            keys,
            updates,
        })
    }
}

/// The 1-RTT secrets of one direction after each key update (§6.1):
/// `secret_<n+1> = HKDF-Expand-Label(secret_<n>, "quic ku", "",
/// Hash.length)`. Only the current secret is held (zeroized when
/// replaced and on drop). The header protection key does not change
/// (§6.1), so each update yields a [`PacketKey`] only.
pub struct KeyUpdates {
    suite: Suite,
    version: Version,
    secret: Output,
    generation: u64,
}

impl fmt::Debug for KeyUpdates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyUpdates")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl KeyUpdates {
    /// Moves to the next secret and returns its packet key (the key of
    /// the next key phase). The secret it replaces is erased.
    pub fn next_packet_key(&mut self) -> Result<PacketKey, Error> {
        let next = next_secret(self.suite, self.version, self.secret.as_ref());
        let key = PacketKey::new(self.suite, self.version, next.as_ref())?;
        self.secret = next;
        self.generation = self.generation.saturating_add(1);
        Ok(key)
    }

    /// How many updates were taken: 0 for the first 1-RTT key.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}
