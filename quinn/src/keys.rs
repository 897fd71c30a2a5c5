//! quinn-proto's packet and header key traits over `tls13::quic`'s keys
//! (RFC 9001 §5.3, §5.4).
//!
//! Every key sits in a slot that may still be empty: the server hands
//! quinn its 1-RTT read keys when it sends its flight, as quinn expects,
//! but tls13 derives them only once the client's Finished is verified
//! (RFC 9001 §5.7: no 1-RTT packet is processed before). Until the
//! session fills the slot, the key opens nothing, so an early 1-RTT
//! packet is dropped like any that fails authentication (quinn would
//! drop it anyway while the handshake is on). A key that could not be
//! derived at all stays empty the same way: quinn's traits cannot
//! return an error there, and a key that works on nothing is the safe
//! failure.

use std::sync::{Arc, OnceLock};

use bytes::BytesMut;
use quinn_proto::crypto::{self, CryptoError};
use tls13::crypto::aead::TAG_LEN;
use tls13::crypto::header_protection::SAMPLE_LEN;
use tls13::quic;

/// A slot for a key that may come later (see the module docs).
pub(crate) type Slot<K> = Arc<OnceLock<K>>;

/// A slot holding `key` already.
pub(crate) fn filled<K>(key: K) -> Slot<K> {
    let slot = OnceLock::new();
    // A fresh cell is empty: the set cannot fail.
    let _ = slot.set(key);
    Arc::new(slot)
}

/// Payload protection of one direction at one level (or key phase).
pub(crate) struct PacketKey {
    key: Slot<quic::PacketKey>,
    /// Packets this key may seal; below the AEAD's limit when the
    /// configuration asks for earlier key updates.
    confidentiality_limit: u64,
    integrity_limit: u64,
}

impl PacketKey {
    /// `key`, with its AEAD's limits (RFC 9001 §6.6) and the
    /// confidentiality limit lowered to `max_packets` when that is lower.
    pub(crate) fn new(key: Slot<quic::PacketKey>, limits: Limits) -> Self {
        Self {
            key,
            confidentiality_limit: limits.confidentiality,
            integrity_limit: limits.integrity,
        }
    }
}

/// The usage limits of a packet key (RFC 9001 §6.6).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) confidentiality: u64,
    pub(crate) integrity: u64,
}

impl Limits {
    /// The limits of `key`'s AEAD, the confidentiality limit capped at
    /// `max_packets` (never raised).
    pub(crate) fn of(key: &quic::PacketKey, max_packets: Option<u64>) -> Self {
        let aead = key.confidentiality_limit();
        Self {
            confidentiality: max_packets.map_or(aead, |m| m.min(aead)),
            integrity: key.integrity_limit(),
        }
    }

    /// For a key that could not be derived: nothing can be sealed or
    /// opened with it anyway.
    pub(crate) const NONE: Self = Self {
        confidentiality: 0,
        integrity: 0,
    };
}

impl crypto::PacketKey for PacketKey {
    /// `buf` is the header (`header_len` bytes), the payload, then room
    /// for the tag. quinn cannot take an error here; if sealing fails
    /// (no key yet, a provider that refuses, a buffer shorter than a
    /// tag) the payload and tag are zeroed instead, so that no plaintext
    /// leaves and the peer drops the packet.
    fn encrypt(&self, packet: u64, buf: &mut [u8], header_len: usize) {
        if seal(self.key.get(), packet, buf, header_len).is_err()
            && let Some(body) = buf.get_mut(header_len..)
        {
            body.fill(0);
        }
    }

    fn decrypt(
        &self,
        packet: u64,
        header: &[u8],
        payload: &mut BytesMut,
    ) -> Result<(), CryptoError> {
        let key = self.key.get().ok_or(CryptoError)?;
        let len = key
            .open_in_place(packet, header, payload)
            .map_err(|_| CryptoError)?
            .len();
        payload.truncate(len);
        Ok(())
    }

    fn tag_len(&self) -> usize {
        TAG_LEN
    }

    fn confidentiality_limit(&self) -> u64 {
        self.confidentiality_limit
    }

    fn integrity_limit(&self) -> u64 {
        self.integrity_limit
    }
}

fn seal(
    key: Option<&quic::PacketKey>,
    packet: u64,
    buf: &mut [u8],
    header_len: usize,
) -> Result<(), ()> {
    let key = key.ok_or(())?;
    let tag_start = buf.len().checked_sub(TAG_LEN).ok_or(())?;
    let (header, rest) = buf.split_at_mut_checked(header_len).ok_or(())?;
    let payload_len = tag_start.checked_sub(header_len).ok_or(())?;
    let (payload, tag_room) = rest.split_at_mut(payload_len);
    let tag = key.seal_in_place(packet, header, payload).map_err(|_| ())?;
    tag_room.copy_from_slice(&tag);
    Ok(())
}

/// Header protection of one direction at one level.
pub(crate) struct HeaderKey {
    key: Slot<quic::HeaderKey>,
}

impl HeaderKey {
    pub(crate) fn new(key: Slot<quic::HeaderKey>) -> Self {
        Self { key }
    }
}

impl crypto::HeaderKey for HeaderKey {
    /// quinn checked that the packet holds a whole sample (RFC 9001
    /// §5.4.2) before calling; without a key the header stays masked and
    /// the payload then fails to open.
    fn decrypt(&self, pn_offset: usize, packet: &mut [u8]) {
        if let Some(key) = self.key.get() {
            let _ = key.unprotect(packet, pn_offset);
        }
    }

    /// quinn pads packets to hold a sample before calling (§5.4.2).
    fn encrypt(&self, pn_offset: usize, packet: &mut [u8]) {
        if let Some(key) = self.key.get() {
            let _ = key.protect(packet, pn_offset);
        }
    }

    fn sample_size(&self) -> usize {
        SAMPLE_LEN
    }
}

/// The keys of one level for quinn, both directions.
pub(crate) fn key_pair(
    local: quic::DirectionalKeys,
    remote: quic::DirectionalKeys,
    max_packets: Option<u64>,
) -> crypto::Keys {
    let (local_limits, remote_limits) = (
        Limits::of(&local.packet, max_packets),
        Limits::of(&remote.packet, None),
    );
    crypto::Keys {
        header: crypto::KeyPair {
            local: Box::new(HeaderKey::new(filled(local.header))),
            remote: Box::new(HeaderKey::new(filled(remote.header))),
        },
        packet: crypto::KeyPair {
            local: Box::new(PacketKey::new(filled(local.packet), local_limits)),
            remote: Box::new(PacketKey::new(filled(remote.packet), remote_limits)),
        },
    }
}

/// Keys that protect nothing (a derivation that failed; see the module
/// docs): packets sealed with them carry zeros, none opens.
pub(crate) fn dead_keys() -> crypto::Keys {
    let packet = || -> Box<dyn crypto::PacketKey> {
        Box::new(PacketKey::new(Arc::new(OnceLock::new()), Limits::NONE))
    };
    let header =
        || -> Box<dyn crypto::HeaderKey> { Box::new(HeaderKey::new(Arc::new(OnceLock::new()))) };
    crypto::Keys {
        header: crypto::KeyPair {
            local: header(),
            remote: header(),
        },
        packet: crypto::KeyPair {
            local: packet(),
            remote: packet(),
        },
    }
}
