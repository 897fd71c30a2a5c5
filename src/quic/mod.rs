//! TLS for QUIC (RFC 9001): the handshake by encryption level, and the
//! packet protection a QUIC stack needs with the keys it hands out.
//!
//! # The handshake (§4, §8)
//!
//! [`ClientConnection`] and [`ServerConnection`] run the same state
//! machines as TLS over TCP, without the record layer: CRYPTO frame data
//! goes in by [`Level`] ([`Connection::read_handshake`]), handshake bytes
//! come out by level ([`Connection::write_handshake`]), and keys come out
//! one direction and level at a time ([`Connection::next_key_change`],
//! as [`KeyChange`]: [`DirectionalKeys`], and at 1-RTT the
//! [`KeyUpdates`] chain of §6). The quic_transport_parameters extension
//! is carried opaquely both ways; alerts are never sent but become the
//! connection's QUIC error code ([`Connection::error_code`], §4.8). The
//! QUIC-specific rules of §8 (no middlebox compatibility mode, no
//! EndOfEarlyData, no KeyUpdate, ALPN required, the 0-RTT ticket
//! sentinel) are listed on the constructors.
//!
//! # Packet protection (§5, §6)
//!
//! - Initial secrets from the client's first Destination Connection ID
//!   ([`InitialSecrets`], [`InitialKeys`]; §5.2).
//! - Packet keys from a traffic secret: "quic key", "quic iv" and "quic
//!   hp" through TLS 1.3's HKDF-Expand-Label ([`PacketKey`],
//!   [`HeaderKey`], [`DirectionalKeys`]; §5.1), and the next secret of a
//!   key update, "quic ku" ([`next_secret`]; §6.1).
//! - Payload protection: the suite's AEAD with nonce = IV xor packet
//!   number and the header as associated data ([`PacketKey`]; §5.3).
//! - Header protection: the mask from a ciphertext sample, applied to
//!   the first byte and the packet number ([`HeaderKey`]; §5.4), and the
//!   packet number read back ([`TruncatedPacketNumber`]; RFC 9000 §17.1,
//!   Appendix A.3).
//! - The Retry integrity tag ([`retry_integrity_tag`],
//!   [`verify_retry_integrity`]; §5.8).
//!
//! Everything goes through a [`CryptoProvider`]: its hashes (HKDF is the
//! key schedule's own), its AEADs and its header protection. Only QUIC
//! version 1 is implemented ([`Version`]).
//!
//! # Errors on received packets
//!
//! A packet that fails here is discarded, not answered with an alert
//! (RFC 9001 §5.5, RFC 9000 §12.2): one that does not authenticate is
//! [`Error::DecryptFailed`], one too short to hold a header protection
//! sample (§5.4.2) is [`Error::InvalidMessage`]. Neither panics, and each
//! costs at most one sample's and one payload's worth of work.
//!
//! # Example: the client's first Initial packet
//!
//! ```
//! use tls13::crypto::rustcrypto;
//! use tls13::quic::{InitialKeys, Version};
//!
//! # fn main() -> Result<(), tls13::Error> {
//! let provider = rustcrypto::provider();
//! let dcid = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];
//! // Both ends derive the same keys from the client's DCID; packets
//! // from the client use `keys.client`, the server's `keys.server`.
//! let keys = InitialKeys::new(provider, Version::V1, &dcid)?;
//!
//! // Long header (Initial) with a 2-byte packet number, then the payload.
//! let mut packet = vec![0xc1, 0, 0, 0, 1, 8];
//! packet.extend_from_slice(&dcid);
//! packet.extend_from_slice(&[0, 0, 0x40, 0x17]); // SCID, token, Length
//! let pn_offset = packet.len();
//! packet.extend_from_slice(&[0x00, 0x07]); // packet number 7
//! let header_len = packet.len();
//! packet.extend_from_slice(&[0x01; 5]); // PING frames
//!
//! // Sender: payload first, then the header (§5.3, §5.4.1).
//! let (header, payload) = packet.split_at_mut(header_len);
//! let tag = keys.client.packet.seal_in_place(7, header, payload)?;
//! packet.extend_from_slice(&tag);
//! keys.client.header.protect(&mut packet, pn_offset)?;
//!
//! // Receiver: header first, then the payload.
//! let pn = keys.client.header.unprotect(&mut packet, pn_offset)?;
//! let header_len = pn_offset + pn.len();
//! let number = pn.decode(None); // nothing received before
//! let (header, payload) = packet.split_at_mut(header_len);
//! let frames = keys.client.packet.open_in_place(number, header, payload)?;
//! assert_eq!((number, &frames[..]), (7, &[0x01; 5][..]));
//! # Ok(())
//! # }
//! ```

mod connection;
mod header;
mod key_change;
mod keys;
mod level;
mod packet;
mod packet_number;
mod retry;
mod secrets;

use alloc::format;

pub use connection::{
    CRYPTO_ERROR, ClientConnection, Connection, PROTOCOL_VIOLATION, ServerConnection,
};
pub use header::HeaderKey;
pub use key_change::{KeyChange, KeyUpdates};
pub use keys::{DirectionalKeys, InitialKeys};
pub use level::{Direction, Level};
pub use packet::PacketKey;
pub use packet_number::{MAX_PACKET_NUMBER, TruncatedPacketNumber, packet_number_len};
pub use retry::{RETRY_INTEGRITY_TAG_LEN, retry_integrity_tag, verify_retry_integrity};
pub use secrets::{InitialSecrets, MAX_CONNECTION_ID_LEN, initial_secret, next_secret};

use crate::crypto::CryptoProvider;
use crate::crypto::aead::{Aead, AeadAlgorithm};
use crate::crypto::hash::{Hash, HashAlgorithm};
use crate::crypto::header_protection::{HeaderProtection, HeaderProtectionAlgorithm};
use crate::crypto::suites::SuiteParams;
use crate::error::Error;

/// A QUIC version: which salt, labels and Retry key its packet
/// protection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// QUIC version 1 (RFC 9000, RFC 9001), version number 0x00000001.
    V1,
}

/// The HKDF-Expand-Label labels of a version, without TLS's "tls13 "
/// prefix (which `hkdf_expand_label` adds).
pub(crate) struct Labels {
    pub(crate) client_initial: &'static [u8],
    pub(crate) server_initial: &'static [u8],
    pub(crate) key: &'static [u8],
    pub(crate) iv: &'static [u8],
    pub(crate) hp: &'static [u8],
    pub(crate) ku: &'static [u8],
}

// RFC 9001 §5.1, §5.2 and §6.1.
const V1_LABELS: Labels = Labels {
    client_initial: b"client in",
    server_initial: b"server in",
    key: b"quic key",
    iv: b"quic iv",
    hp: b"quic hp",
    ku: b"quic ku",
};

impl Version {
    /// The version number in the long header.
    pub fn number(self) -> u32 {
        match self {
            Self::V1 => 0x0000_0001,
        }
    }

    /// The salt of the Initial secret (RFC 9001 §5.2).
    pub fn initial_salt(self) -> &'static [u8; 20] {
        match self {
            Self::V1 => &[
                0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
                0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
            ],
        }
    }

    /// The fixed AES-128-GCM key of the Retry integrity tag (RFC 9001
    /// §5.8), "quic key" of the secret printed there.
    pub fn retry_integrity_key(self) -> &'static [u8; 16] {
        match self {
            Self::V1 => &[
                0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68,
                0xc8, 0x4e,
            ],
        }
    }

    /// The fixed nonce of the Retry integrity tag (RFC 9001 §5.8), "quic
    /// iv" of the secret printed there.
    pub fn retry_integrity_nonce(self) -> &'static [u8; 12] {
        match self {
            Self::V1 => &[
                0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb,
            ],
        }
    }

    pub(crate) fn labels(self) -> &'static Labels {
        match self {
            Self::V1 => &V1_LABELS,
        }
    }
}

/// What protects packets at one encryption level: the TLS suite's hash
/// (for HKDF-Expand-Label) and AEAD, and the header protection RFC 9001
/// pairs with that AEAD (§5.3, §5.4), all from one provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// The hash of HKDF-Expand-Label.
    pub hash: Hash,
    /// The payload AEAD.
    pub aead: Aead,
    /// The header protection algorithm.
    pub header_protection: HeaderProtection,
}

impl Suite {
    /// The negotiated TLS suite `params` with `provider`'s header
    /// protection for its AEAD. A provider without one is a
    /// [`Error::BadConfig`]: a suite without header protection must not be
    /// used with QUIC (§5.3). So is TLS_AES_128_CCM_8_SHA256, which QUIC
    /// excludes (§5.3: no header protection is defined for it, and its
    /// tag is 8 bytes): a QUIC connection whose config names it is
    /// refused when it is made, so it can never be negotiated.
    pub fn from_tls(provider: &CryptoProvider, params: SuiteParams) -> Result<Self, Error> {
        if params.aead.algorithm() == AeadAlgorithm::Aes128Ccm8 {
            return Err(Error::BadConfig(
                "TLS_AES_128_CCM_8_SHA256 must not be used with QUIC (RFC 9001 §5.3): \
                 leave it out of the QUIC connection's suites"
                    .into(),
            ));
        }
        Ok(Self {
            hash: params.hash,
            aead: params.aead,
            header_protection: header_protection(provider, params.aead.algorithm())?,
        })
    }

    /// The suite of Initial packets, whatever TLS negotiates: SHA-256,
    /// AEAD_AES_128_GCM and AES-128 header protection (§5, §5.2,
    /// §5.4.1), from `provider`.
    pub fn initial(provider: &CryptoProvider) -> Result<Self, Error> {
        Ok(Self {
            hash: provider.hash(HashAlgorithm::Sha256),
            aead: aes_128_gcm(provider)?,
            header_protection: header_protection(provider, AeadAlgorithm::Aes128Gcm)?,
        })
    }
}

/// `provider`'s AES-128-GCM, which QUIC needs for Initial packets and
/// Retry tags whatever TLS negotiates.
fn aes_128_gcm(provider: &CryptoProvider) -> Result<Aead, Error> {
    provider.aead(AeadAlgorithm::Aes128Gcm).ok_or_else(|| {
        Error::BadConfig(format!(
            "crypto provider {:?} has no AES-128-GCM, which QUIC needs for Initial and Retry \
             packets (RFC 9001 §5)",
            provider.name
        ))
    })
}

fn header_protection(
    provider: &CryptoProvider,
    aead: AeadAlgorithm,
) -> Result<HeaderProtection, Error> {
    let alg = HeaderProtectionAlgorithm::for_aead(aead);
    provider.header_protection(alg).ok_or_else(|| {
        Error::BadConfig(format!(
            "crypto provider {:?} has no {alg:?} header protection, which QUIC needs with \
             {aead:?} (RFC 9001 §5.4)",
            provider.name
        ))
    })
}
