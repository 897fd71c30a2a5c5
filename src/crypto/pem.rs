//! A small PEM (RFC 7468) reader for certificates and keys.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Error;

/// Every PEM block in `text`, as (label, DER bytes), in order. Text
/// outside blocks is ignored (RFC 7468 §2 explanatory text).
///
/// Within a block, whitespace is ignored and the body must be valid
/// padded base64; an END line whose label differs from BEGIN, or a
/// missing END line, is an error. A PEM file is our own configuration,
/// so errors are [`Error::BadConfig`].
pub fn parse(text: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = boundary(line.trim(), "BEGIN") else {
            continue;
        };
        // A private key's base64 may pass through here: gathered in one
        // buffer sized by a first look at the block's lines (so it never
        // grows, leaving no copy behind, and a file of many blocks stays
        // linear), wiped on drop, error paths included.
        let size = lines
            .clone()
            .map(str::trim)
            .take_while(|l| boundary(l, "END").is_none())
            .fold(0usize, |n, l| n.saturating_add(l.len()));
        let mut body = zeroize::Zeroizing::new(String::with_capacity(size));
        let mut ended = false;
        for inner in lines.by_ref() {
            let inner = inner.trim();
            if let Some(end) = boundary(inner, "END") {
                if end != label {
                    return Err(bad(alloc::format!("BEGIN {label} closed by END {end}")));
                }
                ended = true;
                break;
            }
            body.push_str(inner);
        }
        if !ended {
            return Err(bad(alloc::format!("no END line for {label}")));
        }
        let der =
            decode_base64(&body).ok_or_else(|| bad(alloc::format!("invalid base64 in {label}")))?;
        out.push((String::from(label), der));
    }
    Ok(out)
}

/// Encodes `der` as one PEM block with 64-character lines (RFC 7468 §2).
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = encode_base64(der);
    let mut out = alloc::format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so any byte split is a char boundary.
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&alloc::format!("-----END {label}-----\n"));
    out
}

fn bad(what: String) -> Error {
    Error::BadConfig(alloc::format!("PEM: {what}"))
}

/// The label of an encapsulation boundary `-----{kind} LABEL-----`.
fn boundary<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    let rest = line.strip_prefix("-----")?.strip_prefix(kind)?;
    let label = rest.strip_suffix("-----")?;
    if label.is_empty() {
        return Some(label);
    }
    let label = label.strip_prefix(' ')?;
    // RFC 7468 §3: labels are printable ASCII without '-' at either end.
    if label.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !label.starts_with('-')
        && !label.ends_with('-')
    {
        Some(label)
    } else {
        None
    }
}

/// The value of the base64 character `c` (RFC 4648 §4), `None` when it is
/// not one. Private keys pass through here (PEM, ECH key files), so the
/// value is computed without a branch or a lookup that depends on `c`:
/// each range of the alphabet adds its offset under a mask that is all
/// ones when `c` lies in it (the sign of `(lo - 1 - c) & (c - hi - 1)`).
/// Only whether `c` is valid at all decides anything.
fn sextet(c: u8) -> Option<u32> {
    let c = i32::from(c);
    let in_range = |lo: i32, hi: i32| {
        (lo.wrapping_sub(1).wrapping_sub(c) & c.wrapping_sub(hi).wrapping_sub(1)) >> 8
    };
    // One more than the value, so that 0 stands for "no range matched":
    // 'A' (65) → 1, 'a' (97) → 27, '0' (48) → 53, '+' → 63, '/' → 64.
    let mut v = 0i32;
    v |= in_range(0x41, 0x5a) & c.wrapping_sub(64);
    v |= in_range(0x61, 0x7a) & c.wrapping_sub(70);
    v |= in_range(0x30, 0x39) & c.wrapping_add(5);
    v |= in_range(0x2b, 0x2b) & 63;
    v |= in_range(0x2f, 0x2f) & 64;
    u32::try_from(v.wrapping_sub(1)).ok()
}

/// The base64 character of the sextet `v` (0..=63), without a branch or a
/// lookup that depends on it (see [`sextet`]): `v + 'A'`, moved on by a
/// masked step at each boundary of the alphabet (each mask is all ones
/// when `v` is past the boundary).
fn base64_char(v: u32) -> u8 {
    let v = (v & 63) as i32;
    let past = |last: i32| last.wrapping_sub(v) >> 8;
    let mut c = v.wrapping_add(0x41); // 'A'
    c = c.wrapping_add(past(25) & 6); // 26..=51 → 'a'..='z'
    c = c.wrapping_add(past(51) & -75); // 52..=61 → '0'..='9'
    c = c.wrapping_add(past(61) & -15); // 62 → '+'
    c = c.wrapping_add(past(62) & 3); // 63 → '/'
    c as u8
}

/// Strict padded base64 (RFC 4648 §4) after removing whitespace:
/// the length must be a multiple of 4, `=` only at the end, and the
/// unused bits of the last group must be zero (canonical encoding).
///
/// The working copy of the text is wiped, and the output is allocated
/// once at its final size: a private key's base64 leaves no copy behind
/// in freed memory (the caller wipes the output and its own text).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut chars = zeroize::Zeroizing::new(Vec::with_capacity(text.len()));
    chars.extend(text.bytes().filter(|b| !b.is_ascii_whitespace()));
    if !chars.len().is_multiple_of(4) {
        return None;
    }
    let groups = chars.len() / 4;
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(groups.saturating_mul(3)));
    for (i, group) in chars.chunks_exact(4).enumerate() {
        let last = i.saturating_add(1) == groups;
        let pad = group.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        // 4 sextets make 24 bits: [0, b1, b2, b3] as a big-endian u32,
        // padding counting as zero bits.
        let mut acc = 0u32;
        for (k, c) in group.iter().enumerate() {
            let v = if k < 4usize.saturating_sub(pad) {
                sextet(*c)?
            } else {
                0
            };
            acc = (acc << 6) | v;
        }
        let [_, b1, b2, b3] = acc.to_be_bytes();
        // pad <= 2 here; the bytes the padding stands for must be zero.
        let (keep, unused): (&[u8], &[u8]) = match pad {
            0 => (&[b1, b2, b3], &[]),
            1 => (&[b1, b2], &[b3]),
            _ => (&[b1], &[b2, b3]),
        };
        if unused.iter().any(|b| *b != 0) {
            return None;
        }
        out.extend_from_slice(keep);
    }
    Some(core::mem::take(&mut *out))
}

pub(crate) fn encode_base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3).saturating_mul(4));
    for chunk in data.chunks(3) {
        let (b0, b1, b2) = match *chunk {
            [a] => (a, 0, 0),
            [a, b] => (a, b, 0),
            [a, b, c, ..] => (a, b, c),
            [] => continue,
        };
        let n = u32::from_be_bytes([0, b0, b1, b2]);
        // A chunk of k bytes gives k + 1 characters, then `=` padding.
        for (k, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(char::from(base64_char(n >> shift)));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The DER bodies of every `CERTIFICATE` block, in order (leaf first in
/// a chain file).
pub fn certificates(text: &str) -> Result<Vec<Vec<u8>>, Error> {
    Ok(parse(text)?
        .into_iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| der)
        .collect())
}

#[cfg(test)]
mod tests {

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    #[test]
    fn branch_free_alphabet_matches_rfc_4648_table_1() {
        for c in 0..=255u8 {
            let expected = ALPHABET.iter().position(|a| *a == c).map(|p| p as u32);
            assert_eq!(super::sextet(c), expected, "character {c}");
        }
        for (v, c) in ALPHABET.iter().enumerate() {
            assert_eq!(super::base64_char(v as u32), *c, "sextet {v}");
        }
    }
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        // RFC 4648 §10.
        let cases: [(&str, &str); 7] = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, b64) in cases {
            assert_eq!(encode_base64(plain.as_bytes()), b64);
            assert_eq!(decode_base64(b64).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64_rejects_malformed() {
        for bad in ["Zg=", "Zg=a", "Z===", "Zh==", "Zm9=Zm9v", "Zm9v!A==", "Zm8"] {
            assert!(decode_base64(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn parse_blocks_and_ignore_text() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nZm9v\nYmFy\n-----END CERTIFICATE-----\n\
                    between\n-----BEGIN PRIVATE KEY-----\r\nZg==\r\n-----END PRIVATE KEY-----\r\n";
        let blocks = parse(text).unwrap();
        assert_eq!(
            blocks,
            [
                ("CERTIFICATE".into(), b"foobar".to_vec()),
                ("PRIVATE KEY".into(), b"f".to_vec())
            ]
        );
        assert_eq!(certificates(text).unwrap(), [b"foobar".to_vec()]);
    }

    #[test]
    fn parse_rejects_mismatched_or_unterminated() {
        assert!(parse("-----BEGIN A-----\nZg==\n-----END B-----\n").is_err());
        assert!(parse("-----BEGIN A-----\nZg==\n").is_err());
        assert!(parse("-----BEGIN A-----\nZg=\n-----END A-----\n").is_err());
    }

    #[test]
    fn encode_round_trips() {
        let data: Vec<u8> = (0..=255u8).collect();
        let pem = encode("CERTIFICATE", &data);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(certificates(&pem).unwrap(), [data]);
    }
}
