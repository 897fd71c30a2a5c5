//! Header protection (RFC 9001 §5.4): a mask from a sample of the
//! packet's ciphertext hides the low bits of the first byte and the
//! packet number.

use zeroize::Zeroizing;

use super::packet_number::{TruncatedPacketNumber, packet_number_len};
use super::{Suite, Version};
use crate::crypto::header_protection::{
    HeaderProtectionAlgorithm, HeaderProtectionKey, MASK_LEN, SAMPLE_LEN,
};
use crate::error::{Error, InvalidMessage};
use crate::key_schedule::hkdf_expand_label;

/// Longest header protection key (AES-256, ChaCha20).
const MAX_KEY_LEN: usize = 32;

/// Bytes from the start of the Packet Number field to the sample: the
/// field's longest encoding, since a receiver does not know its length
/// before removing protection (§5.4.2).
const SAMPLE_OFFSET: usize = 4;

/// One direction's header protection at one encryption level. The same
/// key serves every 1-RTT key phase: a key update leaves it alone (§5.4,
/// §6.1).
pub struct HeaderKey {
    key: HeaderProtectionKey,
}

impl HeaderKey {
    /// hp = HKDF-Expand-Label(secret, "quic hp", "", key length) over the
    /// suite's hash, keying the suite's header protection (§5.1). An
    /// error only when the provider refuses the key.
    pub fn new(suite: Suite, version: Version, secret: &[u8]) -> Result<Self, Error> {
        let mut key_buf = Zeroizing::new([0u8; MAX_KEY_LEN]);
        let key = key_buf
            .get_mut(..suite.header_protection.key_len())
            .ok_or(Error::Internal(
                "header protection key longer than 32 bytes",
            ))?;
        hkdf_expand_label(suite.hash, secret, version.labels().hp, &[], key);
        Ok(Self {
            key: suite.header_protection.key(key)?,
        })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> HeaderProtectionAlgorithm {
        self.key.algorithm()
    }

    /// Bytes of ciphertext sampled: 16 for every algorithm (§5.4.2).
    pub fn sample_len(&self) -> usize {
        SAMPLE_LEN
    }

    /// The mask for `sample`, which must be exactly [`SAMPLE_LEN`] bytes
    /// (`InvalidMessage::MissingData` when shorter, `TrailingData` when
    /// longer): AES-ECB of the sample, or ChaCha20 keyed by it (§5.4.3,
    /// §5.4.4), cut to [`MASK_LEN`] bytes.
    pub fn mask(&self, sample: &[u8]) -> Result<[u8; MASK_LEN], Error> {
        match <&[u8; SAMPLE_LEN]>::try_from(sample) {
            Ok(sample) => Ok(self.key.mask(sample)),
            Err(_) if sample.len() < SAMPLE_LEN => {
                Err(InvalidMessage::MissingData("QUIC header protection sample").into())
            }
            Err(_) => Err(InvalidMessage::TrailingData("QUIC header protection sample").into()),
        }
    }

    /// Applies header protection to `packet`, whose payload is already
    /// sealed ([`PacketKey::seal_in_place`](super::PacketKey::seal_in_place))
    /// and whose Packet Number field starts at `pn_offset` (§5.4.1). Its
    /// length is read from the first byte before that byte is masked.
    ///
    /// A packet that ends before the sample does (`pn_offset` + 4 + 16
    /// bytes) is refused: the sender must pad it (§5.4.2).
    pub fn protect(&self, packet: &mut [u8], pn_offset: usize) -> Result<(), Error> {
        let Some(mask) = self.packet_mask(packet, pn_offset) else {
            return Err(Error::Internal(
                "QUIC packet too short to sample for header protection: pad the payload \
                 (RFC 9001 §5.4.2)",
            ));
        };
        let pn_len = packet_number_len(first_byte(packet));
        mask_first_byte(packet, mask);
        mask_packet_number(packet, pn_offset, mask, pn_len);
        Ok(())
    }

    /// Removes header protection from a received `packet` whose Packet
    /// Number field starts at `pn_offset`, and returns that field: its
    /// length gives the header's (`pn_offset + len`), its value the packet
    /// number ([`TruncatedPacketNumber::decode`]). The first byte is
    /// unmasked first, since it holds the field's length (§5.4.1).
    ///
    /// A packet that ends before the sample does (`pn_offset` + 4 + 16
    /// bytes) is `InvalidMessage::MissingData`: discard it (§5.4.2, "An
    /// endpoint MUST discard packets that are not long enough to contain
    /// a complete sample"). The work is the same whatever the field's
    /// length (§9.5).
    pub fn unprotect(
        &self,
        packet: &mut [u8],
        pn_offset: usize,
    ) -> Result<TruncatedPacketNumber, Error> {
        let Some(mask) = self.packet_mask(packet, pn_offset) else {
            return Err(InvalidMessage::MissingData(
                "QUIC packet: header protection sample (RFC 9001 §5.4.2)",
            )
            .into());
        };
        mask_first_byte(packet, mask);
        let pn_len = packet_number_len(first_byte(packet));
        mask_packet_number(packet, pn_offset, mask, pn_len);
        Ok(TruncatedPacketNumber::read(
            packet_number_window(packet, pn_offset),
            pn_len,
        ))
    }

    /// The mask for the sample of `packet` with the Packet Number field
    /// at `pn_offset`, or `None` when the packet ends before the sample
    /// does. The first byte comes before the field, so `pn_offset` is at
    /// least 1; the four bytes from `pn_offset` are then in the packet too.
    fn packet_mask(&self, packet: &[u8], pn_offset: usize) -> Option<[u8; MASK_LEN]> {
        if pn_offset == 0 {
            return None;
        }
        let start = pn_offset.checked_add(SAMPLE_OFFSET)?;
        let end = start.checked_add(SAMPLE_LEN)?;
        let sample: &[u8; SAMPLE_LEN] = packet.get(start..end)?.try_into().ok()?;
        Some(self.key.mask(sample))
    }
}

impl core::fmt::Debug for HeaderKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HeaderKey({:?})", self.algorithm())
    }
}

// The helpers below run on packets `packet_mask` accepted: at least
// `pn_offset + 4 + 16` bytes with `pn_offset >= 1`, so every position they
// touch exists (and a packet that somehow lacked one would be left alone,
// never indexed out of bounds).

fn first_byte(packet: &[u8]) -> u8 {
    packet.first().copied().unwrap_or_default()
}

/// packet[0] ^= mask[0] & 0x0f for a long header (Header Form bit set),
/// & 0x1f for a short one (§5.4.1). The Header Form bit itself is never
/// protected, so the choice reveals nothing.
fn mask_first_byte(packet: &mut [u8], mask: [u8; MASK_LEN]) {
    if let Some(first) = packet.first_mut() {
        let protected_bits = if *first & 0x80 != 0 { 0x0f } else { 0x1f };
        *first ^= mask[0] & protected_bits;
    }
}

/// packet[pn_offset..pn_offset + pn_len] ^= mask[1..1 + pn_len]
/// (§5.4.1), touching all four bytes of the window with a mask of zeros
/// past `pn_len`, so that the time does not depend on the length (§9.5).
fn mask_packet_number(packet: &mut [u8], pn_offset: usize, mask: [u8; MASK_LEN], pn_len: usize) {
    let end = pn_offset.saturating_add(4);
    let Some(window) = packet.get_mut(pn_offset..end) else {
        return;
    };
    // pn_len is 1..=4 and i is 0..=3, so i - pn_len wraps to 0xfd..=0xff
    // (top bit set) exactly when i < pn_len.
    let pn_len = (pn_len & 0x07) as u8;
    for (i, (byte, m)) in window.iter_mut().zip(mask.iter().skip(1)).enumerate() {
        let inside = 0u8.wrapping_sub((i as u8).wrapping_sub(pn_len) >> 7);
        *byte ^= *m & inside;
    }
}

/// The four bytes from `pn_offset` (the longest Packet Number field).
fn packet_number_window(packet: &[u8], pn_offset: usize) -> [u8; 4] {
    let end = pn_offset.saturating_add(4);
    packet
        .get(pn_offset..end)
        .and_then(|w| w.try_into().ok())
        .unwrap_or_default()
}
