//! The Retry Integrity Tag (RFC 9001 §5.8): AEAD_AES_128_GCM with a key
//! and nonce fixed by the version, over the Retry pseudo-packet, with an
//! empty plaintext. It proves that the sender saw the client's Initial
//! packet, nothing more: anyone can compute it.

use alloc::vec::Vec;

use subtle::ConstantTimeEq;

use super::secrets::MAX_CONNECTION_ID_LEN;
use super::{Version, aes_128_gcm};
use crate::crypto::CryptoProvider;
use crate::crypto::aead::TAG_LEN;
use crate::error::{Error, InvalidMessage};

/// Length of the Retry Integrity Tag: 128 bits (§5.8).
pub const RETRY_INTEGRITY_TAG_LEN: usize = TAG_LEN;

/// The tag that ends a Retry packet: `retry_without_tag` is the packet
/// from its first byte to the Retry Token inclusive, `original_dcid` the
/// Destination Connection ID of the client's Initial packet this Retry
/// answers. An `original_dcid` longer than 20 bytes is refused
/// (`InvalidMessage::InvalidValue`; RFC 9000 §17.2).
pub fn retry_integrity_tag(
    provider: &CryptoProvider,
    version: Version,
    original_dcid: &[u8],
    retry_without_tag: &[u8],
) -> Result<[u8; RETRY_INTEGRITY_TAG_LEN], Error> {
    let pseudo_packet = pseudo_packet(original_dcid, retry_without_tag)?;
    let key = aes_128_gcm(provider)?.key(version.retry_integrity_key())?;
    // P is empty: the tag is all the output there is.
    key.seal_detached(version.retry_integrity_nonce(), &pseudo_packet, &mut [])
}

/// Checks the tag at the end of a received Retry packet against the
/// Destination Connection ID the client sent (`original_dcid`). The tags
/// are compared in constant time. A tag that does not match is
/// [`Error::DecryptFailed`], a packet shorter than a tag
/// `InvalidMessage::MissingData`: the client discards the packet either
/// way (RFC 9000 §17.2.5.2).
pub fn verify_retry_integrity(
    provider: &CryptoProvider,
    version: Version,
    original_dcid: &[u8],
    retry_packet: &[u8],
) -> Result<(), Error> {
    let Some(split) = retry_packet.len().checked_sub(RETRY_INTEGRITY_TAG_LEN) else {
        return Err(InvalidMessage::MissingData("QUIC Retry Integrity Tag").into());
    };
    let (packet, received) = retry_packet.split_at(split);
    let expected = retry_integrity_tag(provider, version, original_dcid, packet)?;
    if bool::from(expected.ct_eq(received)) {
        Ok(())
    } else {
        Err(Error::DecryptFailed)
    }
}

/// The Retry Pseudo-Packet (§5.8, Figure 8): ODCID Length (8 bits), the
/// Original Destination Connection ID, then the Retry packet without its
/// tag.
fn pseudo_packet(original_dcid: &[u8], retry_without_tag: &[u8]) -> Result<Vec<u8>, Error> {
    let odcid_len = u8::try_from(original_dcid.len())
        .ok()
        .filter(|len| usize::from(*len) <= MAX_CONNECTION_ID_LEN)
        .ok_or(InvalidMessage::InvalidValue(
            "QUIC Original Destination Connection ID longer than 20 bytes",
        ))?;
    let mut pseudo = Vec::with_capacity(
        original_dcid
            .len()
            .saturating_add(retry_without_tag.len())
            .saturating_add(1),
    );
    pseudo.push(odcid_len);
    pseudo.extend_from_slice(original_dcid);
    pseudo.extend_from_slice(retry_without_tag);
    Ok(pseudo)
}
