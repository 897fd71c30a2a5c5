//! The keys of one direction at one encryption level, and the Initial
//! keys of both directions (RFC 9001 §5.1, §5.2).

use super::header::HeaderKey;
use super::packet::PacketKey;
use super::secrets::InitialSecrets;
use super::{Suite, Version};
use crate::crypto::CryptoProvider;
use crate::error::Error;

/// What protects the packets one endpoint sends at one encryption level:
/// the payload key and the header key, both from that level's secret.
#[derive(Debug)]
pub struct DirectionalKeys {
    /// Payload protection (§5.3); replaced at each 1-RTT key update.
    pub packet: PacketKey,
    /// Header protection (§5.4); kept across key updates.
    pub header: HeaderKey,
}

impl DirectionalKeys {
    /// The keys of `secret` (a TLS traffic secret, or an Initial secret)
    /// for `suite` (§5.1).
    pub fn new(suite: Suite, version: Version, secret: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            packet: PacketKey::new(suite, version, secret)?,
            header: HeaderKey::new(suite, version, secret)?,
        })
    }
}

/// The keys of Initial packets in both directions, from the Destination
/// Connection ID of the client's first Initial packet (§5.2), with
/// AES-128-GCM and AES-128 header protection whatever TLS will
/// negotiate. Both endpoints derive the same pair.
#[derive(Debug)]
pub struct InitialKeys {
    /// Protects the client's Initial packets.
    pub client: DirectionalKeys,
    /// Protects the server's Initial packets.
    pub server: DirectionalKeys,
}

impl InitialKeys {
    /// The keys for `client_dcid` (at most 20 bytes, see
    /// [`initial_secret`](super::initial_secret)) with `provider`'s
    /// SHA-256, AES-128-GCM and AES-128 header protection.
    pub fn new(
        provider: &CryptoProvider,
        version: Version,
        client_dcid: &[u8],
    ) -> Result<Self, Error> {
        let suite = Suite::initial(provider)?;
        let secrets = InitialSecrets::new(provider, version, client_dcid)?;
        Ok(Self {
            client: DirectionalKeys::new(suite, version, secrets.client.as_ref())?,
            server: DirectionalKeys::new(suite, version, secrets.server.as_ref())?,
        })
    }
}
