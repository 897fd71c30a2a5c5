//! The secrets QUIC derives itself: the Initial secrets from the
//! client's Destination Connection ID (RFC 9001 §5.2) and the next
//! secret of a key update (§6.1). Every other secret comes from the TLS
//! key schedule.

use super::{Suite, Version};
use crate::crypto::CryptoProvider;
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::error::{Error, InvalidMessage};
use crate::key_schedule::hkdf_expand_label_hash_len;

/// The longest connection ID QUIC version 1 allows (RFC 9000 §17.2:
/// "In QUIC version 1, this value MUST NOT exceed 20 bytes").
pub const MAX_CONNECTION_ID_LEN: usize = 20;

/// initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
/// with SHA-256 (§5.2): the secret both Initial secrets come from.
///
/// A connection ID longer than [`MAX_CONNECTION_ID_LEN`] is refused
/// (`InvalidMessage::InvalidValue`): on a server it comes from the peer,
/// and no version 1 packet carries one.
pub fn initial_secret(
    provider: &CryptoProvider,
    version: Version,
    client_dcid: &[u8],
) -> Result<Output, Error> {
    if client_dcid.len() > MAX_CONNECTION_ID_LEN {
        return Err(InvalidMessage::InvalidValue(
            "QUIC Destination Connection ID longer than 20 bytes",
        )
        .into());
    }
    let sha256 = provider.hash(HashAlgorithm::Sha256);
    Ok(sha256.hkdf_extract(version.initial_salt(), client_dcid))
}

/// The client's and the server's Initial secrets (§5.2), each the
/// secret of one direction's Initial packets. Zeroized on drop, like
/// every [`Output`], although anyone who sees the client's first packet
/// can derive them (§5: Initial packets have no confidentiality).
pub struct InitialSecrets {
    /// client_initial_secret: protects the client's Initial packets.
    pub client: Output,
    /// server_initial_secret: protects the server's Initial packets.
    pub server: Output,
}

impl InitialSecrets {
    /// HKDF-Expand-Label(initial_secret, "client in" / "server in", "",
    /// 32) over [`initial_secret`] (§5.2).
    pub fn new(
        provider: &CryptoProvider,
        version: Version,
        client_dcid: &[u8],
    ) -> Result<Self, Error> {
        let initial = initial_secret(provider, version, client_dcid)?;
        let sha256 = provider.hash(HashAlgorithm::Sha256);
        let labels = version.labels();
        Ok(Self {
            client: hkdf_expand_label_hash_len(
                sha256,
                initial.as_ref(),
                labels.client_initial,
                &[],
            ),
            server: hkdf_expand_label_hash_len(
                sha256,
                initial.as_ref(),
                labels.server_initial,
                &[],
            ),
        })
    }
}

impl core::fmt::Debug for InitialSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("InitialSecrets(..)")
    }
}

/// The secret after a key update: `secret_<n+1> =
/// HKDF-Expand-Label(secret_<n>, "quic ku", "", Hash.length)` (§6.1).
/// Only the packet key and IV follow it; the header protection key stays
/// the one of the first 1-RTT secret (§5.4, §6.1).
pub fn next_secret(suite: Suite, version: Version, secret: &[u8]) -> Output {
    hkdf_expand_label_hash_len(suite.hash, secret, version.labels().ku, &[])
}
