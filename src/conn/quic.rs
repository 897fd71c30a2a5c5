//! The QUIC mode of a connection's core (RFC 9001 §4): handshake bytes
//! in and out by encryption level instead of records, keys handed out
//! instead of installed, alerts kept as error codes instead of sent.
//! The public side is [`crate::quic::Connection`].

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::crypto::CryptoProvider;
use crate::crypto::hash::{Hash, Output};
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::AlertDescription;
use crate::quic::{Direction, KeyChange, Level, Suite, Version};

/// What a connection in QUIC mode keeps besides the handshake state.
pub struct QuicCore {
    pub version: Version,
    provider: &'static CryptoProvider,
    /// Our quic_transport_parameters, sent as they are (RFC 9001 §8.2).
    pub local_params: Vec<u8>,
    /// The peer's, once its ClientHello or EncryptedExtensions arrived
    /// (a client offering 0-RTT has the session's in `early_peer_params`).
    pub peer_params: Option<Vec<u8>>,
    /// Client offering 0-RTT: the server's parameters remembered with the
    /// session (RFC 9000 §7.4.1).
    pub early_peer_params: Option<Vec<u8>>,
    /// Server: what besides its transport parameters 0-RTT under its
    /// tickets assumes (RFC 9001 §4.6.3).
    pub early_data_context: Vec<u8>,
    /// Where our handshake bytes go now (never 0-RTT).
    write_level: Level,
    /// Where the peer's handshake bytes must come from now (never 0-RTT).
    read_level: Level,
    /// Handshake bytes to send, oldest first, each run with its level.
    out: VecDeque<(Level, Vec<u8>)>,
    /// Keys made available and not yet taken.
    keys: VecDeque<KeyChange>,
    /// The alert a failure would have sent (RFC 9001 §4.8: it becomes
    /// the CONNECTION_CLOSE error code instead).
    pub alert: Option<AlertDescription>,
}

impl QuicCore {
    pub fn new(provider: &'static CryptoProvider, version: Version, local_params: Vec<u8>) -> Self {
        Self {
            version,
            provider,
            local_params,
            peer_params: None,
            early_peer_params: None,
            early_data_context: Vec::new(),
            write_level: Level::Initial,
            read_level: Level::Initial,
            out: VecDeque::new(),
            keys: VecDeque::new(),
            alert: None,
        }
    }

    /// What 0-RTT under a ticket of ours assumes, as kept in the ticket
    /// (RFC 9001 §4.6.3, RFC 9000 §7.4.1): a SHA-256 digest of the
    /// transport parameters a client remembers for 0-RTT (see
    /// `remembered_parameters`) and the early data context, each with
    /// its length. Tickets stay small (§4.3), and accepting 0-RTT needs
    /// only equality.
    pub fn early_context_digest(&self, sha256: Hash) -> Output {
        let mut h = sha256.start();
        h.update(b"tls13 quic 0-rtt context");
        let part = |h: &mut crate::crypto::hash::HashContext, part: &[u8]| {
            h.update(&(part.len() as u64).to_be_bytes());
            h.update(part);
        };
        match remembered_parameters(&self.local_params) {
            Some(params) => {
                h.update(&[1]);
                for (id, value) in params {
                    h.update(&id.to_be_bytes());
                    part(&mut h, value);
                }
            }
            // Not the encoding of RFC 9000 §18 (the parameters are opaque
            // here): all of it counts.
            None => {
                h.update(&[0]);
                part(&mut h, &self.local_params);
            }
        }
        part(&mut h, &self.early_data_context);
        h.current()
    }

    /// Appends handshake bytes at the current write level.
    pub fn queue(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let level = self.write_level;
        match self.out.back_mut() {
            Some((l, bytes)) if *l == level => bytes.extend_from_slice(data),
            _ => self.out.push_back((level, data.to_vec())),
        }
    }

    /// The oldest handshake bytes waiting, all of one level.
    pub fn take_output(&mut self) -> Option<(Level, Vec<u8>)> {
        self.out.pop_front()
    }

    /// Forgets the handshake bytes and keys not yet taken (the connection
    /// failed): keys for bytes that will never be sent would have QUIC
    /// close the connection at a level the peer may not have reached.
    pub fn clear_pending(&mut self) {
        self.out.clear();
        self.keys.clear();
    }

    /// The next keys made available.
    pub fn take_keys(&mut self) -> Option<KeyChange> {
        self.keys.pop_front()
    }

    /// A new secret for `level` in `direction`: its keys are queued for
    /// the caller, and the handshake moves to that level (0-RTT keys
    /// move nothing: no handshake bytes travel at 0-RTT, §4.1.3).
    pub fn install(
        &mut self,
        level: Level,
        direction: Direction,
        suite: SuiteParams,
        secret: &Output,
    ) -> Result<(), Error> {
        let suite = Suite::from_tls(self.provider, suite)?;
        self.keys.push_back(KeyChange::new(
            level,
            direction,
            suite,
            self.version,
            secret,
        )?);
        if level != Level::ZeroRtt {
            match direction {
                Direction::Read => self.read_level = level,
                Direction::Write => self.write_level = level,
            }
        }
        Ok(())
    }

    /// The level whose CRYPTO data the handshake reads now.
    pub fn read_level(&self) -> Level {
        self.read_level
    }

    /// RFC 9001 §4.1.3: CRYPTO data reaches TLS at the level it reads
    /// now. Data of a level it has left extends past what was received
    /// there (QUIC passes only new data), 0-RTT carries none (§8.3), and
    /// data of a later level is QUIC's to hold until TLS has its keys.
    pub fn check_level(&self, level: Level) -> Result<(), Error> {
        if level == Level::ZeroRtt {
            return Err(
                PeerMisbehaved::QuicProtocolViolation("CRYPTO data in a 0-RTT packet").into(),
            );
        }
        if level != self.read_level {
            return Err(PeerMisbehaved::QuicProtocolViolation(
                "CRYPTO data at an encryption level the handshake is not reading",
            )
            .into());
        }
        Ok(())
    }
}

/// The server transport parameters that 0-RTT relies on, sorted by
/// identifier, from their RFC 9000 §18 encoding (a sequence of
/// identifier, length, value; `None` when `params` is not one).
///
/// RFC 9000 §7.4.1: "A client MUST NOT use remembered values for the
/// following parameters: ack_delay_exponent, max_ack_delay,
/// initial_source_connection_id, original_destination_connection_id,
/// preferred_address, retry_source_connection_id, and
/// stateless_reset_token." The connection IDs and the reset token differ
/// on every connection by construction, so a digest over them would
/// never let a real QUIC stack accept 0-RTT; they are left out, as are
/// reserved (greasing) parameters, `31 * N + 27` (§18.1), whose values
/// are random, and the order, which stacks randomize. Everything else
/// counts, unknown parameters included: a change to any of them refuses
/// 0-RTT, never more than §7.4.1 asks for.
fn remembered_parameters(params: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    const NOT_REMEMBERED: [u64; 7] = [
        0x00, // original_destination_connection_id
        0x02, // stateless_reset_token
        0x0a, // ack_delay_exponent
        0x0b, // max_ack_delay
        0x0d, // preferred_address
        0x0f, // initial_source_connection_id
        0x10, // retry_source_connection_id
    ];
    let mut rest = params;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let id = read_varint(&mut rest)?;
        let len = usize::try_from(read_varint(&mut rest)?).ok()?;
        let value = rest.get(..len)?;
        rest = rest.get(len..)?;
        if !NOT_REMEMBERED.contains(&id) && id.checked_rem(31) != Some(27) {
            out.push((id, value));
        }
    }
    out.sort_unstable();
    Some(out)
}

/// A QUIC variable-length integer (RFC 9000 §16): the first byte's two
/// high bits give the length, the rest is the value, big-endian.
fn read_varint(r: &mut &[u8]) -> Option<u64> {
    let first = *r.first()?;
    let len = match first & 0xc0 {
        0x00 => 1,
        0x40 => 2,
        0x80 => 4,
        _ => 8,
    };
    let bytes = r.get(..len)?;
    *r = r.get(len..)?;
    let mut buf = [0u8; 8];
    let start = buf.len().checked_sub(len)?;
    buf.get_mut(start..)?.copy_from_slice(bytes);
    *buf.get_mut(start)? &= 0x3f;
    Some(u64::from_be_bytes(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn varints_of_rfc9000_appendix_a1() {
        for (bytes, value) in [
            (
                &[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c][..],
                151_288_809_941_952_652,
            ),
            (&[0x9d, 0x7f, 0x3e, 0x7d][..], 494_878_333),
            (&[0x7b, 0xbd][..], 15_293),
            (&[0x25][..], 37),
            (&[0x40, 0x25][..], 37),
        ] {
            let mut r = bytes;
            assert_eq!(read_varint(&mut r), Some(value));
            assert!(r.is_empty());
            assert_eq!(read_varint(&mut &bytes[..bytes.len() - 1]), None);
        }
    }

    #[test]
    fn remembered_parameters_leave_out_what_changes_per_connection() {
        // original_destination_connection_id, initial_max_data, a
        // greasing parameter (31 * 2 + 27 = 89 = 0x4059), then
        // initial_source_connection_id.
        let params = [
            0x00, 2, 0xaa, 0xbb, 0x04, 2, 0x44, 0x00, 0x40, 0x59, 1, 7, 0x0f, 1, 0xcc,
        ];
        assert_eq!(
            remembered_parameters(&params),
            Some(vec![(0x04, &[0x44, 0x00][..])])
        );
        // Sorted by identifier whatever the order.
        let params = [0x09, 1, 3, 0x04, 1, 5];
        assert_eq!(
            remembered_parameters(&params),
            Some(vec![(0x04, &[5][..]), (0x09, &[3][..])])
        );
        // Truncated value, truncated varint: not the encoding.
        assert_eq!(remembered_parameters(&[0x04, 2, 1]), None);
        assert_eq!(remembered_parameters(&[0x40]), None);
        assert_eq!(remembered_parameters(&[]), Some(vec![]));
    }

    #[test]
    fn the_digest_tells_opaque_from_encoded_parameters() {
        let provider = crate::crypto::rustcrypto::provider();
        let sha256 = provider.hash(crate::crypto::hash::HashAlgorithm::Sha256);
        let digest = |params: &[u8], ctx: &[u8]| {
            let mut q = QuicCore::new(provider, Version::V1, params.to_vec());
            q.early_data_context = ctx.to_vec();
            q.early_context_digest(sha256).as_ref().to_vec()
        };
        // Connection IDs apart, the same.
        assert_eq!(
            digest(&[0x00, 1, 1, 0x04, 1, 5], b""),
            digest(&[0x04, 1, 5, 0x00, 1, 2], b"")
        );
        assert_ne!(digest(&[0x04, 1, 5], b""), digest(&[0x04, 1, 6], b""));
        assert_ne!(digest(&[0x04, 1, 5], b""), digest(&[0x04, 1, 5], b"h3"));
        // Opaque bytes count whole.
        assert_ne!(digest(b"\x04\x09", b""), digest(b"\x04\x08", b""));
    }
}
