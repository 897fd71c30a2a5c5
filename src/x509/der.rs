//! A strict DER TLV reader on the `der` crate: definite minimal lengths
//! (checked by `der::Header`), single-byte tags, and values borrowed from
//! the input.

use der::{Decode, Header, Reader, SliceReader};

use super::error::{CertificateError, malformed};

pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTF8_STRING: u8 = 0x0c;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const T61_STRING: u8 = 0x14;
pub const IA5_STRING: u8 = 0x16;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const BMP_STRING: u8 = 0x1e;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// `[n]` constructed / primitive context-specific tags.
pub const fn ctx_cons(n: u8) -> u8 {
    0xa0 | n
}
pub const fn ctx_prim(n: u8) -> u8 {
    0x80 | n
}

pub fn bad(what: &str) -> CertificateError {
    malformed(alloc::format!("is malformed: {what}"))
}

/// One TLV: tag octet, value, and the whole encoding.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

pub struct Der<'a> {
    r: SliceReader<'a>,
    what: &'static str,
}

impl<'a> Der<'a> {
    /// Reads the contents of a structure named `what` (for error messages).
    pub fn new(bytes: &'a [u8], what: &'static str) -> Result<Self, CertificateError> {
        Ok(Self {
            r: SliceReader::new(bytes).map_err(|_| bad(what))?,
            what,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.r.is_finished()
    }

    pub fn peek(&self) -> Option<u8> {
        self.r.peek_byte()
    }

    pub fn next(&mut self) -> Result<Tlv<'a>, CertificateError> {
        let what = self.what;
        let tag = self.r.peek_byte().ok_or_else(|| bad(what))?;
        // Tag numbers >= 31 (multi-octet tags) never appear in RFC 5280.
        if tag & 0x1f == 0x1f {
            return Err(bad(what));
        }
        let raw = self.r.tlv_bytes().map_err(|_| bad(what))?;
        let mut inner = SliceReader::new(raw).map_err(|_| bad(what))?;
        let header = Header::decode(&mut inner).map_err(|_| bad(what))?;
        let value = inner.read_slice(header.length()).map_err(|_| bad(what))?;
        Ok(Tlv { tag, value, raw })
    }

    /// The next TLV, which must carry `tag`.
    pub fn expect(&mut self, tag: u8) -> Result<Tlv<'a>, CertificateError> {
        let t = self.next()?;
        if t.tag != tag {
            return Err(bad(self.what));
        }
        Ok(t)
    }

    /// The next TLV if it carries `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, CertificateError> {
        if self.peek() == Some(tag) {
            self.next().map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn finish(&self) -> Result<(), CertificateError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(bad(self.what))
        }
    }
}

/// Parses `bytes` as exactly one TLV with `tag` and returns its value.
pub fn single<'a>(
    bytes: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<&'a [u8], CertificateError> {
    let mut d = Der::new(bytes, what)?;
    let t = d.expect(tag)?;
    d.finish()?;
    Ok(t.value)
}

/// A DER BOOLEAN value (X.690 §11.1: TRUE is 0xFF).
pub fn boolean(v: &[u8], what: &'static str) -> Result<bool, CertificateError> {
    match v {
        [0xff] => Ok(true),
        [0x00] => Ok(false),
        _ => Err(bad(what)),
    }
}

/// Checks a DER INTEGER value is minimally encoded; returns it.
pub fn integer<'a>(v: &'a [u8], what: &'static str) -> Result<&'a [u8], CertificateError> {
    match v {
        [] => Err(bad(what)),
        [0x00, b, ..] if *b < 0x80 => Err(bad(what)),
        [0xff, b, ..] if *b >= 0x80 => Err(bad(what)),
        _ => Ok(v),
    }
}

/// A small non-negative INTEGER (pathLenConstraint, CRL version...).
pub fn small_uint(v: &[u8], what: &'static str) -> Result<u64, CertificateError> {
    let v = integer(v, what)?;
    if v.first().is_some_and(|b| *b >= 0x80) || v.len() > 8 {
        return Err(bad(what));
    }
    Ok(v.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// The contents of a DER BIT STRING with no unused bits (signatures, keys).
pub fn bit_string_octets<'a>(
    v: &'a [u8],
    what: &'static str,
) -> Result<&'a [u8], CertificateError> {
    match v {
        [0, rest @ ..] => Ok(rest),
        _ => Err(bad(what)),
    }
}

/// Dotted-decimal text of OID contents, for messages.
pub struct OidText<'a>(pub &'a [u8]);

impl OidText<'_> {
    pub fn to_string_lossy(&self) -> alloc::string::String {
        use core::fmt::Write;
        let mut out = alloc::string::String::new();
        let mut acc: u64 = 0;
        let mut first = true;
        for b in self.0 {
            acc = (acc << 7) | u64::from(b & 0x7f);
            if b & 0x80 != 0 {
                if acc > u64::MAX >> 8 {
                    return alloc::string::String::from("(invalid OID)");
                }
                continue;
            }
            if first {
                let (a, b) = if acc < 80 {
                    (acc / 40, acc % 40)
                } else {
                    (2, acc.saturating_sub(80))
                };
                let _ = write!(out, "{a}.{b}");
                first = false;
            } else {
                let _ = write!(out, ".{acc}");
            }
            acc = 0;
        }
        out
    }
}
