//! What 0-RTT under a server's tickets depends on.
//!
//! tls13 keeps a digest of it in each ticket and accepts 0-RTT only when
//! the server's current one is equal (RFC 9001 §4.6.3). Two parts:
//!
//! - The server's transport parameters as a client remembers them (RFC
//!   9000 §7.4.1): every parameter but those a client must not remember
//!   (the connection IDs, stateless_reset_token, preferred_address,
//!   ack_delay_exponent, max_ack_delay) and quinn's grease parameter,
//!   sorted by ID, since quinn also shuffles their order per connection.
//!   Any change to the limits of quinn's `TransportConfig` (streams,
//!   flow control, idle timeout, datagrams, ...) changes it, so 0-RTT is
//!   refused rather than let a client exceed a lowered limit (§7.4.1: a
//!   server that accepts 0-RTT must not reduce them). Equality is
//!   stricter than the RFC (raising a limit would be safe too) and
//!   never wrong.
//! - The early data context: this crate's tag, then whatever the
//!   application adds ([`QuicServerConfig::with_early_data_context`](crate::QuicServerConfig::with_early_data_context)),
//!   e.g. its HTTP/3 SETTINGS.

/// Prefixes the application's early data context, so that contexts of
/// this crate never equal another stack's on the same tickets.
pub(crate) const CONTEXT_TAG: &[u8] = b"tls13-quinn 0-RTT context v1\0";

/// Transport parameters a client must not remember (RFC 9000 §7.4.1),
/// which also change with every connection or are not limits 0-RTT
/// relies on: original_destination_connection_id (0x00),
/// stateless_reset_token (0x02), ack_delay_exponent (0x0a),
/// max_ack_delay (0x0b), preferred_address (0x0d),
/// initial_source_connection_id (0x0f), retry_source_connection_id (0x10).
const NOT_REMEMBERED: [u64; 7] = [0x00, 0x02, 0x0a, 0x0b, 0x0d, 0x0f, 0x10];

/// The remembered part of encoded transport parameters (RFC 9000 §18):
/// each kept parameter as it was encoded, in ID order. `None` when they
/// do not parse (then the caller keeps the whole encoding, with which
/// 0-RTT is merely never accepted).
pub(crate) fn remembered_parameters(encoded: &[u8]) -> Option<Vec<u8>> {
    let mut kept = Vec::new();
    let mut rest = encoded;
    while !rest.is_empty() {
        let start = rest;
        let id = read_varint(&mut rest)?;
        let len = usize::try_from(read_varint(&mut rest)?).ok()?;
        let value = rest.get(..len)?;
        rest = rest.get(len..)?;
        let whole = start.get(..start.len().checked_sub(rest.len())?)?;
        // Reserved IDs 31 * N + 27 are grease (RFC 9000 §18.1).
        if !NOT_REMEMBERED.contains(&id) && id % 31 != 27 {
            kept.push((id, whole, value));
        }
    }
    kept.sort_by_key(|(id, _, _)| *id);
    Some(
        kept.into_iter()
            .flat_map(|(_, whole, _)| whole)
            .copied()
            .collect(),
    )
}

/// A QUIC variable-length integer (RFC 9000 §16): the two top bits of
/// the first byte give its length, 1, 2, 4 or 8 bytes.
fn read_varint(input: &mut &[u8]) -> Option<u64> {
    let (&first, _) = input.split_first()?;
    let len = match first >> 6 {
        0 => 1,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let bytes = input.get(..len)?;
    *input = input.get(len..)?;
    let mut value = u64::from(first & 0x3f);
    for &b in bytes.get(1..)? {
        // At most 62 bits in all: nothing is shifted out.
        value = value.checked_shl(8)? | u64::from(b);
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_limits_drops_connection_values_and_grease_sorts() {
        let params = [
            // initial_max_data (0x04) = 0x4000 (2-byte varint)
            &[0x04, 0x02, 0x40 | 0x40, 0x00][..],
            // initial_source_connection_id (0x0f), 4 bytes
            &[0x0f, 0x04, 1, 2, 3, 4],
            // grease 31 * 1 + 27 = 58 (0x3a), 2 bytes
            &[0x3a, 0x02, 9, 9],
            // stateless_reset_token (0x02), 16 bytes
            &[0x02, 0x10, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7],
            // initial_max_streams_bidi (0x08) = 100
            &[0x08, 0x02, 0x40, 100],
            // max_idle_timeout (0x01) = 30000 (4-byte varint)
            &[0x01, 0x04, 0x80, 0x00, 0x75, 0x30],
            // max_ack_delay (0x0b)
            &[0x0b, 0x01, 25],
        ]
        .concat();
        let kept = remembered_parameters(&params).unwrap();
        assert_eq!(
            kept,
            [
                &[0x01, 0x04, 0x80, 0x00, 0x75, 0x30][..],
                &[0x04, 0x02, 0x40 | 0x40, 0x00],
                &[0x08, 0x02, 0x40, 100],
            ]
            .concat()
        );
        // Another order and other connection IDs: the same.
        let shuffled = [
            &[0x08, 0x02, 0x40, 100][..],
            &[0x0f, 0x04, 5, 6, 7, 8],
            &[0x01, 0x04, 0x80, 0x00, 0x75, 0x30],
            &[0x04, 0x02, 0x40 | 0x40, 0x00],
        ]
        .concat();
        assert_eq!(remembered_parameters(&shuffled).unwrap(), kept);
        // A lowered limit: different.
        let lowered = [
            &[0x08, 0x02, 0x40, 99][..],
            &[0x01, 0x04, 0x80, 0x00, 0x75, 0x30],
            &[0x04, 0x02, 0x40 | 0x40, 0x00],
        ]
        .concat();
        assert_ne!(remembered_parameters(&lowered).unwrap(), kept);
    }

    #[test]
    fn malformed_parameters_are_none() {
        assert_eq!(remembered_parameters(&[]), Some(vec![]));
        // A length past the end.
        assert_eq!(remembered_parameters(&[0x04, 0x05, 1]), None);
        // A varint cut short.
        assert_eq!(remembered_parameters(&[0x04, 0x40]), None);
        assert_eq!(remembered_parameters(&[0xc0, 0, 0]), None);
        // An 8-byte varint length that does not fit.
        assert_eq!(
            remembered_parameters(&[0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            None
        );
    }
}
