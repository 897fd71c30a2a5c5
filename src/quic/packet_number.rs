//! Packet numbers on the wire: the length the first byte announces and
//! the full number recovered from the truncated field (RFC 9000 §17.1,
//! Appendix A.3). Both run without branches on the values, because the
//! length and the number are what header protection hides (RFC 9001
//! §9.5: header protection removal and packet number recovery "MUST be
//! applied together without timing and other side channels").

use subtle::{ConditionallySelectable, ConstantTimeGreater, ConstantTimeLess};

/// The largest packet number: they are integers in 0..=2^62-1 (RFC 9000
/// §12.3), and the nonce takes their 62 bits (RFC 9001 §5.3).
pub const MAX_PACKET_NUMBER: u64 = (1 << 62) - 1;

/// The length in bytes (1 to 4) of the Packet Number field, from the
/// first byte once its header protection is removed: its two least
/// significant bits plus one, in long and short headers alike (RFC 9001
/// §5.4.1, RFC 9000 §17.2 and §17.3).
pub fn packet_number_len(first_byte: u8) -> usize {
    usize::from(first_byte & 0x03).wrapping_add(1)
}

/// A Packet Number field as read off an unprotected header: the value of
/// its 1 to 4 bytes, and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TruncatedPacketNumber {
    value: u32,
    len: usize,
}

impl TruncatedPacketNumber {
    /// The field's `len` bytes from the start of `field`, big-endian.
    /// `field` holds four bytes, whatever `len` is (a packet always has
    /// them: the header protection sample starts four bytes after the
    /// field, RFC 9001 §5.4.2), so reading takes the same time for every
    /// length. `len` is 1 to 4 (see [`packet_number_len`]).
    pub(crate) fn read(field: [u8; 4], len: usize) -> Self {
        // Shift out the bytes past the field: 8 * (4 - len) bits, 0..=24.
        let unused_bits = 4usize.wrapping_sub(len).wrapping_mul(8) & 31;
        Self {
            value: u32::from_be_bytes(field) >> unused_bits,
            len,
        }
    }

    /// The field's length in bytes: the header's length is the packet
    /// number's offset plus this.
    // A length is never empty; `is_empty` would say nothing.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        self.len
    }

    /// The value of the field's bytes (not the packet number).
    pub fn truncated(self) -> u32 {
        self.value
    }

    /// The packet number closest to the one after `largest_pn` whose low
    /// bits are the field: DecodePacketNumber of RFC 9000 Appendix A.3.
    /// `largest_pn` is the largest packet number successfully processed
    /// in this packet number space, `None` before the first. The result is
    /// at most [`MAX_PACKET_NUMBER`] unless `largest_pn` is that number
    /// already (the space is then used up and the connection must close,
    /// RFC 9000 §12.3; [`PacketKey`](super::PacketKey) refuses larger
    /// numbers).
    pub fn decode(self, largest_pn: Option<u64>) -> u64 {
        let expected = largest_pn.map_or(0, |pn| pn.saturating_add(1));
        let bits = self.len.wrapping_mul(8) & 63;
        let win: u64 = 1 << bits;
        let hwin = win >> 1;
        let candidate = (expected & !(win.wrapping_sub(1))) | u64::from(self.value);
        // "if candidate_pn <= expected_pn - pn_hwin and
        //     candidate_pn < (1 << 62) - pn_win: return candidate_pn + pn_win"
        // (written candidate + hwin <= expected, which cannot underflow;
        // candidate < 2^62 and hwin <= 2^31, so nothing overflows).
        let up = !candidate.wrapping_add(hwin).ct_gt(&expected)
            & candidate.ct_lt(&(1u64 << 62).wrapping_sub(win));
        // "if candidate_pn > expected_pn + pn_hwin and
        //     candidate_pn >= pn_win: return candidate_pn - pn_win"
        let down = candidate.ct_gt(&expected.saturating_add(hwin)) & !candidate.ct_lt(&win);
        let result = u64::conditional_select(&candidate, &candidate.wrapping_add(win), up);
        u64::conditional_select(&result, &candidate.wrapping_sub(win), down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC pseudocode as written, with signed arithmetic.
    fn reference(largest: Option<u64>, truncated: u64, len: usize) -> u64 {
        let expected = largest.map_or(0, |l| l + 1) as i128;
        let win = 1i128 << (len * 8);
        let hwin = win / 2;
        let candidate = (expected & !(win - 1)) | truncated as i128;
        if candidate <= expected - hwin && candidate < (1i128 << 62) - win {
            return (candidate + win) as u64;
        }
        if candidate > expected + hwin && candidate >= win {
            return (candidate - win) as u64;
        }
        candidate as u64
    }

    #[test]
    fn rfc9000_appendix_a3_example() {
        // "if the highest successfully authenticated packet had a packet
        // number of 0xa82f30ea, then a packet containing a 16-bit value of
        // 0x9b32 will be decoded as 0xa82f9b32".
        let field = TruncatedPacketNumber::read([0x9b, 0x32, 0xff, 0xff], 2);
        assert_eq!(field.truncated(), 0x9b32);
        assert_eq!(field.decode(Some(0xa82f_30ea)), 0xa82f_9b32);
    }

    #[test]
    fn decode_matches_the_pseudocode_at_the_edges() {
        let largest = [
            None,
            Some(0),
            Some(1),
            Some(126),
            Some(127),
            Some(128),
            Some(255),
            Some(256),
            Some(0x7fff),
            Some(0xa82f_30ea),
            Some(MAX_PACKET_NUMBER - 1 - (1 << 31)),
            Some(MAX_PACKET_NUMBER - 300),
            Some(MAX_PACKET_NUMBER - 1),
            Some(MAX_PACKET_NUMBER),
        ];
        for len in 1..=4usize {
            let max = (1u64 << (len * 8)) - 1;
            let truncs = [0, 1, 2, max / 2 - 1, max / 2, max / 2 + 1, max - 1, max];
            for l in largest {
                for t in truncs {
                    let field = TruncatedPacketNumber {
                        value: t as u32,
                        len,
                    };
                    let got = field.decode(l);
                    assert_eq!(got, reference(l, t, len), "{l:?} {t:#x} {len}");
                    if l != Some(MAX_PACKET_NUMBER) {
                        assert!(got <= MAX_PACKET_NUMBER, "{l:?} {t:#x} {len}");
                    }
                }
            }
        }
    }

    #[test]
    fn read_takes_the_leading_bytes() {
        let f = [0x12, 0x34, 0x56, 0x78];
        let values: [u32; 4] = [0x12, 0x1234, 0x12_3456, 0x1234_5678];
        for (len, want) in (1..=4).zip(values) {
            let field = TruncatedPacketNumber::read(f, len);
            assert_eq!((field.len(), field.truncated()), (len, want));
        }
    }

    #[test]
    fn length_from_the_two_low_bits() {
        for b in 0..=255u8 {
            assert_eq!(packet_number_len(b), usize::from(b % 4) + 1);
        }
    }
}
