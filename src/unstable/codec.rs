//! Byte-level reading and writing of TLS presentation-language values
//! (RFC 9846 §3): big-endian integers and length-prefixed vectors.
//!
//! This layer knows nothing about TLS semantics. Every read is bounds
//! checked and returns [`InvalidMessage`] instead of panicking; sub-readers
//! for a length-prefixed body must be consumed exactly.

use alloc::vec::Vec;

use crate::error::InvalidMessage;

/// A cursor over a borrowed byte slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over the whole of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        rest
    }

    /// Whether unread bytes remain.
    pub fn any_left(&self) -> bool {
        self.pos < self.buf.len()
    }

    /// Number of unread bytes.
    pub fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// How many bytes have been read so far.
    pub fn used(&self) -> usize {
        self.pos
    }

    /// Fails with `TrailingData(what)` when unread bytes remain.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), InvalidMessage> {
        if self.any_left() {
            Err(InvalidMessage::TrailingData(what))
        } else {
            Ok(())
        }
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// Takes exactly `n` bytes, or fails with `MissingData(what)`.
    pub fn take_or(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], InvalidMessage> {
        self.take(n).ok_or(InvalidMessage::MissingData(what))
    }

    /// Reads a `u8`.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, InvalidMessage> {
        let b = self.take_or(1, what)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    /// Reads a big-endian `u16`.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, InvalidMessage> {
        match self.take_or(2, what)? {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(InvalidMessage::MissingData(what)),
        }
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self, what: &'static str) -> Result<u32, InvalidMessage> {
        match self.take_or(3, what)? {
            [a, b, c] => Ok(u32::from_be_bytes([0, *a, *b, *c])),
            _ => Err(InvalidMessage::MissingData(what)),
        }
    }

    /// Reads a big-endian `u32`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, InvalidMessage> {
        match self.take_or(4, what)? {
            [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => Err(InvalidMessage::MissingData(what)),
        }
    }

    /// Reads a vector body with a length prefix of `prefix` and returns a
    /// sub-reader over exactly that body.
    pub fn sub(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<Reader<'a>, InvalidMessage> {
        let body = self.vec_bytes(prefix, what)?;
        Ok(Reader::new(body))
    }

    /// Reads the bytes of a length-prefixed opaque vector.
    pub fn vec_bytes(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<&'a [u8], InvalidMessage> {
        let len = match prefix {
            LengthPrefix::U8 => usize::from(self.u8(what)?),
            LengthPrefix::U16 => usize::from(self.u16(what)?),
            LengthPrefix::U24 => self.u24(what)? as usize,
        };
        self.take_or(len, what)
    }

    /// Like [`Reader::vec_bytes`] but rejects an empty vector, for fields
    /// whose presentation-language floor is at least one byte.
    pub fn nonempty_vec_bytes(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<&'a [u8], InvalidMessage> {
        let body = self.vec_bytes(prefix, what)?;
        if body.is_empty() {
            return Err(InvalidMessage::EmptyVector(what));
        }
        Ok(body)
    }

    /// Reads a length-prefixed list, decoding items until its body is used up.
    pub fn list<T: Codec<'a>>(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<Vec<T>, InvalidMessage> {
        let mut sub = self.sub(prefix, what)?;
        // Fixed-size items: exactly as many as the body holds (a body
        // that is not a multiple fails below, having sized at most it).
        let mut out = Vec::with_capacity(
            T::ENCODED_LEN
                .and_then(|n| sub.left().checked_div(n))
                .unwrap_or(0),
        );
        while sub.any_left() {
            out.push(T::read(&mut sub)?);
        }
        Ok(out)
    }

    /// Like [`Reader::list`] but rejects an empty list.
    pub fn nonempty_list<T: Codec<'a>>(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<Vec<T>, InvalidMessage> {
        let out = self.list(prefix, what)?;
        if out.is_empty() {
            return Err(InvalidMessage::EmptyVector(what));
        }
        Ok(out)
    }
}

/// The width of a vector's length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// `<0..2^8-1>`
    U8,
    /// `<0..2^16-1>`
    U16,
    /// `<0..2^24-1>`
    U24,
}

impl LengthPrefix {
    fn width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }
}

/// A wire value that can be decoded from and encoded to bytes.
///
/// Decoding then encoding gives back the input exactly for every value in
/// canonical form.
pub trait Codec<'a>: Sized {
    /// The length of every encoding, for fixed-size values (integers,
    /// code points); lets a list be sized before it is read.
    const ENCODED_LEN: Option<usize> = None;
    /// Appends the encoding of `self`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Decodes one value, advancing the reader past it.
    fn read(r: &mut Reader<'a>) -> Result<Self, InvalidMessage>;

    /// The encoding as a fresh vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// Decodes a value that must occupy the whole of `buf`.
    fn read_exact(buf: &'a [u8], what: &'static str) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(buf);
        let v = Self::read(&mut r)?;
        r.expect_empty(what)?;
        Ok(v)
    }
}

impl Codec<'_> for u8 {
    const ENCODED_LEN: Option<usize> = Some(1);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u8("u8")
    }
}

impl Codec<'_> for u16 {
    const ENCODED_LEN: Option<usize> = Some(2);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u16("u16")
    }
}

/// Appends a big-endian 24-bit integer; values above 2^24-1 are truncated,
/// so callers bound lengths first (see [`LengthPrefixed`]).
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    let [_, a, b, c] = v.to_be_bytes();
    out.extend_from_slice(&[a, b, c]);
}

/// Writes a length prefix, lets the caller append the body, then patches
/// the prefix with the body's length.
///
/// ```ignore
/// let mut lp = LengthPrefixed::start(out, LengthPrefix::U16);
/// lp.out().extend_from_slice(b"body");
/// lp.finish();
/// ```
pub struct LengthPrefixed<'o> {
    out: &'o mut Vec<u8>,
    prefix: LengthPrefix,
    at: usize,
}

impl<'o> LengthPrefixed<'o> {
    /// Reserves the prefix in `out`.
    pub fn start(out: &'o mut Vec<u8>, prefix: LengthPrefix) -> Self {
        let at = out.len();
        out.resize(at.saturating_add(prefix.width()), 0);
        Self { out, prefix, at }
    }

    /// The buffer to append the body to.
    pub fn out(&mut self) -> &mut Vec<u8> {
        self.out
    }

    /// Patches the prefix. Our own encoders never build bodies longer than
    /// the prefix can express; a longer body is clamped rather than wrapped.
    pub fn finish(self) {
        let body_len = self
            .out
            .len()
            .saturating_sub(self.at)
            .saturating_sub(self.prefix.width());
        let bytes = (body_len.min(match self.prefix {
            LengthPrefix::U8 => 0xff,
            LengthPrefix::U16 => 0xffff,
            LengthPrefix::U24 => 0xff_ffff,
        }) as u32)
            .to_be_bytes();
        let w = self.prefix.width();
        if let (Some(dst), Some(src)) = (
            self.out.get_mut(self.at..self.at.saturating_add(w)),
            bytes.get(4usize.saturating_sub(w)..),
        ) {
            dst.copy_from_slice(src);
        }
    }
}

/// Bytes assembled on the stack, at most `N`; reads as its bytes. For
/// short values of bounded length (signed content, Finished messages,
/// shared secrets): no allocation per handshake.
pub struct StackBytes<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackBytes<N> {
    /// `len` bytes (at most `N`) of `byte`.
    pub fn filled_with(byte: u8, len: usize) -> Self {
        Self {
            buf: [byte; N],
            len: len.min(N),
        }
    }

    /// Appends `part`. Callers size `N` for their longest content; a part
    /// that would not fit is left out rather than cut.
    pub fn push(&mut self, part: &[u8]) {
        let end = self.len.saturating_add(part.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(part);
            self.len = end;
        }
    }
}

impl<const N: usize> zeroize::Zeroize for StackBytes<N> {
    fn zeroize(&mut self) {
        self.buf.zeroize();
        self.len = 0;
    }
}

impl<const N: usize> core::ops::Deref for StackBytes<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// Bytes held inline when they fit in `N`, on the heap otherwise: for
/// values that are nearly always short but have no small bound (a key
/// share is 32 to 97 bytes with the elliptic curves, over a kilobyte with
/// ML-KEM). Reads as its bytes.
pub enum SmallBytes<const N: usize> {
    /// At most `N` bytes.
    Inline(StackBytes<N>),
    /// More.
    Heap(Vec<u8>),
}

impl<const N: usize> From<&[u8]> for SmallBytes<N> {
    fn from(bytes: &[u8]) -> Self {
        if bytes.len() <= N {
            let mut inline = StackBytes::filled_with(0, 0);
            inline.push(bytes);
            Self::Inline(inline)
        } else {
            Self::Heap(bytes.to_vec())
        }
    }
}

impl<const N: usize> core::ops::Deref for SmallBytes<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Inline(b) => b,
            Self::Heap(v) => v,
        }
    }
}

/// A set for duplicate checks over lists that are nearly always short
/// (extension types, OIDs): the first `N` values live on the stack, only
/// a longer (typically hostile) list spills into a `BTreeSet`, which keeps
/// the check O(log n) per item.
pub(crate) struct SeenSet<T: Copy + Ord, const N: usize> {
    inline: [Option<T>; N],
    len: usize,
    spill: alloc::collections::BTreeSet<T>,
}

impl<T: Copy + Ord, const N: usize> SeenSet<T, N> {
    pub(crate) fn new() -> Self {
        Self {
            inline: [None; N],
            len: 0,
            spill: alloc::collections::BTreeSet::new(),
        }
    }

    /// Adds `v`; `false` when it was already there.
    pub(crate) fn insert(&mut self, v: T) -> bool {
        let inline = self.inline.get(..self.len).unwrap_or_default();
        if inline.contains(&Some(v)) || self.spill.contains(&v) {
            return false;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = Some(v);
                self.len = self.len.saturating_add(1);
            }
            None => {
                self.spill.insert(v);
            }
        }
        true
    }
}

/// Encodes `body` as an opaque vector with the given prefix.
pub fn put_vec(out: &mut Vec<u8>, prefix: LengthPrefix, body: &[u8]) {
    let mut lp = LengthPrefixed::start(out, prefix);
    lp.out().extend_from_slice(body);
    lp.finish();
}

/// Encodes `items` as a length-prefixed list.
pub fn put_list<'a, T: Codec<'a>>(out: &mut Vec<u8>, prefix: LengthPrefix, items: &[T]) {
    let mut lp = LengthPrefixed::start(out, prefix);
    for item in items {
        item.encode(lp.out());
    }
    lp.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_reader_must_fit() {
        let mut r = Reader::new(&[0x00, 0x03, 1, 2]);
        assert_eq!(
            r.sub(LengthPrefix::U16, "x").unwrap_err(),
            InvalidMessage::MissingData("x")
        );
    }

    #[test]
    fn prefix_round_trip() {
        let mut out = Vec::new();
        put_vec(&mut out, LengthPrefix::U24, b"abc");
        assert_eq!(out, [0, 0, 3, b'a', b'b', b'c']);
        let mut r = Reader::new(&out);
        assert_eq!(r.vec_bytes(LengthPrefix::U24, "v").unwrap(), b"abc");
        assert!(!r.any_left());
    }

    #[test]
    fn stack_bytes_keeps_whole_parts_that_fit() {
        use zeroize::Zeroize;
        let mut b = StackBytes::<4>::filled_with(1, 2);
        b.push(&[2]);
        b.push(&[3, 3]);
        assert_eq!(&*b, &[1, 1, 2]);
        b.push(&[4]);
        assert_eq!(&*b, &[1, 1, 2, 4]);
        b.zeroize();
        assert!(b.is_empty());
    }

    #[test]
    fn seen_set_spills_past_inline() {
        let mut s = SeenSet::<u16, 2>::new();
        for v in 0..10u16 {
            assert!(s.insert(v));
        }
        for v in 0..10u16 {
            assert!(!s.insert(v));
        }
        assert!(s.insert(10));
    }

    #[test]
    fn lists() {
        let mut out = Vec::new();
        put_list(&mut out, LengthPrefix::U8, &[1u16, 2, 3]);
        assert_eq!(out, [6, 0, 1, 0, 2, 0, 3]);
        let mut r = Reader::new(&out);
        assert_eq!(r.list::<u16>(LengthPrefix::U8, "l").unwrap(), [1, 2, 3]);
        let mut r = Reader::new(&[3, 0, 1, 0]);
        assert!(r.list::<u16>(LengthPrefix::U8, "l").is_err());
    }
}
