//! Distinguished-name matching for directoryName name constraints (RFC
//! 5280 §7.1): attribute values compared after the LDAP string
//! preparation of RFC 4518 — transcoding (any string type), mapping
//! (controls dropped, white space to SPACE), case folding, and
//! insignificant-space handling — not as raw DER, so a name re-encoded
//! (UTF8String for PrintableString), re-cased or re-spaced is the same
//! name.
//!
//! Full preparation also needs Unicode normalization (NFKC) and the RFC
//! 3454 case-folding table, which we do not carry. Instead a comparison
//! is *certain* only when every character is one that NFKC leaves alone
//! and whose case folding `char::to_lowercase` gives exactly (ASCII,
//! Latin-1 letters, basic Greek and Cyrillic, kana, CJK ideographs,
//! Hangul syllables); otherwise two values that differ come out
//! [`Match::Unknown`], and the caller fails closed: an excluded subtree
//! then counts as matched, a permitted one as not matched.
//!
//! Every comparison is charged to the caller's budget in proportion to the
//! bytes it reads, so hostile names cost no more than the budget allows.

use super::der::{self, Der, Tlv};
use super::error::{CertificateError, limit_exceeded};

/// How two names (or RDNs, or attribute values) compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// Equal under RFC 5280 §7.1.
    Yes,
    /// Different under RFC 5280 §7.1.
    No,
    /// Possibly equal: preparation we do not carry could make them so.
    Unknown,
}

impl Match {
    /// Every part must match: a certain mismatch decides, then any doubt.
    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::No, _) | (_, Self::No) => Self::No,
            (Self::Unknown, _) | (_, Self::Unknown) => Self::Unknown,
            _ => Self::Yes,
        }
    }

    /// Some part must match: a certain match decides, then any doubt.
    pub fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::Yes, _) | (_, Self::Yes) => Self::Yes,
            (Self::Unknown, _) | (_, Self::Unknown) => Self::Unknown,
            _ => Self::No,
        }
    }
}

/// Bytes one budget unit pays for.
const BYTES_PER_UNIT: usize = 64;

fn charge(budget: &mut usize, bytes: usize) -> Result<(), CertificateError> {
    let units = (bytes / BYTES_PER_UNIT).saturating_add(1);
    *budget = budget
        .checked_sub(units)
        .ok_or_else(|| limit_exceeded("needs too many name-constraint comparisons"))?;
    Ok(())
}

/// RFC 5280 §7.1: is the DN `name` within the subtree of the DN `base`
/// (both the contents of a Name SEQUENCE)? `name` must have at least as
/// many RDNs as `base`, and its leading RDNs must match those of `base`
/// in order. A name that does not parse is [`Match::Unknown`].
pub fn within(name: &[u8], base: &[u8], budget: &mut usize) -> Result<Match, CertificateError> {
    let (Ok(mut n), Ok(mut b)) = (Der::new(name, "Name"), Der::new(base, "Name")) else {
        return Ok(Match::Unknown);
    };
    let mut result = Match::Yes;
    while !b.is_empty() {
        if n.is_empty() {
            return Ok(Match::No);
        }
        let (Ok(nr), Ok(br)) = (n.expect(der::SET), b.expect(der::SET)) else {
            return Ok(Match::Unknown);
        };
        result = result.and(rdn(nr.value, br.value, budget)?);
        if result == Match::No {
            break;
        }
    }
    Ok(result)
}

/// The (type OID, value) pairs of an RDN (contents of its SET), read one
/// at a time.
fn attributes(rdn: &[u8]) -> impl Iterator<Item = Option<(&[u8], Tlv<'_>)>> {
    let mut d = Der::new(rdn, "RelativeDistinguishedName").ok();
    core::iter::from_fn(move || {
        let set = d.as_mut()?;
        if set.is_empty() {
            return None;
        }
        let item = attribute(set);
        if item.is_none() {
            // Stop after a malformed attribute; the caller sees the None.
            d = None;
        }
        Some(item)
    })
}

fn attribute<'a>(set: &mut Der<'a>) -> Option<(&'a [u8], Tlv<'a>)> {
    let mut atv = Der::new(
        set.expect(der::SEQUENCE).ok()?.value,
        "AttributeTypeAndValue",
    )
    .ok()?;
    let oid = atv.expect(der::OID).ok()?.value;
    let value = atv.next().ok()?;
    atv.finish().ok()?;
    Some((oid, value))
}

/// Two RDNs match when they have as many attributes and each attribute
/// of `base` matches one of `name` (same type, matching values).
fn rdn(name: &[u8], base: &[u8], budget: &mut usize) -> Result<Match, CertificateError> {
    // Counting reads the attributes one by one, each paid for (a count
    // mismatch used to be free however wide the RDNs), and the name's only
    // until they outnumber the base's: more cannot match.
    let mut bc = 0usize;
    for a in attributes(base) {
        if a.is_none() {
            return Ok(Match::Unknown);
        }
        charge(budget, 0)?;
        bc = bc.saturating_add(1);
    }
    let mut nc = 0usize;
    for a in attributes(name) {
        if a.is_none() {
            return Ok(Match::Unknown);
        }
        charge(budget, 0)?;
        nc = nc.saturating_add(1);
        if nc > bc {
            return Ok(Match::No);
        }
    }
    if nc != bc {
        return Ok(Match::No);
    }
    let mut result = Match::Yes;
    for b in attributes(base) {
        let Some((b_oid, b_value)) = b else {
            return Ok(Match::Unknown);
        };
        let mut found = Match::No;
        for n in attributes(name) {
            let Some((n_oid, n_value)) = n else {
                return Ok(Match::Unknown);
            };
            // Every pair visited is paid for, so a hostile RDN with many
            // attributes cannot make this quadratic loop cost more than
            // the budget.
            if n_oid != b_oid {
                charge(budget, 0)?;
                continue;
            }
            charge(budget, n_value.raw.len().saturating_add(b_value.raw.len()))?;
            found = found.or(value(&n_value, &b_value));
            if found == Match::Yes {
                break;
            }
        }
        result = result.and(found);
        if result == Match::No {
            break;
        }
    }
    Ok(result)
}

const NUMERIC_STRING: u8 = 0x12;
const VISIBLE_STRING: u8 = 0x1a;
const UNIVERSAL_STRING: u8 = 0x1c;

fn is_string(tag: u8) -> bool {
    matches!(
        tag,
        der::UTF8_STRING
            | der::PRINTABLE_STRING
            | der::IA5_STRING
            | der::T61_STRING
            | der::BMP_STRING
            | NUMERIC_STRING
            | VISIBLE_STRING
            | UNIVERSAL_STRING
    )
}

/// VideotexString, GraphicString, GeneralString (X.680 §41): strings, but
/// not ones we can read (X.690 character-set escapes).
fn unread_string(tag: u8) -> bool {
    matches!(tag, 0x15 | 0x19 | 0x1b)
}

/// Two attribute values (RFC 5280 §7.1: "an exact match after processing
/// with the string preparation algorithm").
pub fn value(a: &Tlv<'_>, b: &Tlv<'_>) -> Match {
    if a.raw == b.raw {
        return Match::Yes;
    }
    // String types we do not transcode (their character sets need escape
    // sequences or registrations we do not interpret) may spell one value
    // in different bytes: never certainly different.
    if [a.tag, b.tag].iter().any(|t| unread_string(*t)) {
        return Match::Unknown;
    }
    match (is_string(a.tag), is_string(b.tag)) {
        // Values of other syntaxes are compared as their DER.
        (false, false) => return Match::No,
        (true, true) => {}
        // One value as a string and one not: not a syntax we can compare.
        _ => return Match::Unknown,
    }
    let (Some(x), Some(y)) = (Prepared::new(a), Prepared::new(b)) else {
        return Match::Unknown;
    };
    compare(x, y)
}

fn compare(mut x: Prepared<'_>, mut y: Prepared<'_>) -> Match {
    let equal = loop {
        match (x.next(), y.next()) {
            (None, None) => break true,
            (a, b) if a == b => {}
            _ => break false,
        }
    };
    // Read both to the end, so that `certain` covers every character.
    while x.next().is_some() {}
    while y.next().is_some() {}
    if x.failed || y.failed {
        return Match::Unknown;
    }
    match (equal, x.certain && y.certain) {
        (true, true) => Match::Yes,
        (false, true) => Match::No,
        _ => Match::Unknown,
    }
}

/// The characters of a string value (RFC 4518 §2.1, Transcode).
enum Units<'a> {
    Utf8(core::str::Chars<'a>),
    /// PrintableString, IA5String, NumericString, VisibleString, and
    /// TeletexString limited to its ASCII part (its other bytes depend on
    /// escape sequences we do not interpret: they make the value
    /// unreadable, hence [`Match::Unknown`]).
    Ascii(core::slice::Iter<'a, u8>),
    Bmp(core::slice::ChunksExact<'a, u8>),
    Universal(core::slice::ChunksExact<'a, u8>),
}

impl Units<'_> {
    /// The next character; `Some(None)` for one that cannot be decoded.
    fn next(&mut self) -> Option<Option<char>> {
        match self {
            Self::Utf8(c) => c.next().map(Some),
            Self::Ascii(b) => b.next().map(|b| b.is_ascii().then_some(char::from(*b))),
            // Surrogates are refused rather than paired: names use the
            // basic plane in BMPString.
            Self::Bmp(c) => c.next().map(|u| match u {
                [h, l] => char::from_u32(u32::from(u16::from_be_bytes([*h, *l]))),
                _ => None,
            }),
            Self::Universal(c) => c.next().map(|u| match u {
                [a, b, c, d] => char::from_u32(u32::from_be_bytes([*a, *b, *c, *d])),
                _ => None,
            }),
        }
    }
}

/// A value's characters after RFC 4518 §2.2 (Map, with case folding),
/// and §2.6.1 (insignificant spaces: none at either end, runs of spaces as
/// one), produced one at a time so nothing is allocated.
struct Prepared<'a> {
    units: Units<'a>,
    /// The rest of a character's lower-case form.
    folding: Option<core::char::ToLowercase>,
    /// A character held back while the space before it is produced.
    held: Option<char>,
    /// Spaces were read after a character and before the next one.
    space: bool,
    /// A character other than a space has been produced.
    started: bool,
    /// Every character so far is one our preparation handles exactly.
    certain: bool,
    /// A character could not be decoded.
    failed: bool,
}

impl<'a> Prepared<'a> {
    fn new(t: &Tlv<'a>) -> Option<Self> {
        let units = match t.tag {
            der::UTF8_STRING => Units::Utf8(core::str::from_utf8(t.value).ok()?.chars()),
            der::BMP_STRING if t.value.len().is_multiple_of(2) => {
                Units::Bmp(t.value.chunks_exact(2))
            }
            UNIVERSAL_STRING if t.value.len().is_multiple_of(4) => {
                Units::Universal(t.value.chunks_exact(4))
            }
            der::BMP_STRING | UNIVERSAL_STRING => return None,
            _ => Units::Ascii(t.value.iter()),
        };
        Some(Self {
            units,
            folding: None,
            held: None,
            space: false,
            started: false,
            certain: true,
            failed: false,
        })
    }

    /// The next character after mapping and case folding, spaces included.
    fn mapped(&mut self) -> Option<char> {
        loop {
            if let Some(c) = self.folding.as_mut().and_then(Iterator::next) {
                return Some(c);
            }
            self.folding = None;
            let c = match self.units.next()? {
                Some(c) => c,
                None => {
                    self.failed = true;
                    continue;
                }
            };
            match map(c) {
                Mapped::Nothing => continue,
                Mapped::Space => return Some(' '),
                Mapped::Char => {
                    if !exact(c) {
                        self.certain = false;
                    }
                    self.folding = Some(c.to_lowercase());
                }
            }
        }
    }
}

impl Iterator for Prepared<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if let Some(c) = self.held.take() {
            return Some(c);
        }
        loop {
            // At the end, pending spaces are trailing ones: dropped.
            let c = self.mapped()?;
            if c == ' ' {
                // Leading spaces are dropped; inner runs become one.
                self.space = self.started;
                continue;
            }
            self.started = true;
            if core::mem::take(&mut self.space) {
                self.held = Some(c);
                return Some(' ');
            }
            return Some(c);
        }
    }
}

enum Mapped {
    Nothing,
    Space,
    Char,
}

/// RFC 4518 §2.2: characters mapped to nothing (soft hyphens, joiners,
/// variation selectors, controls and format characters) and to SPACE
/// (white space and separators).
fn map(c: char) -> Mapped {
    match u32::from(c) {
        0x09..=0x0d | 0x85 => Mapped::Space,
        0x20 | 0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000 => {
            Mapped::Space
        }
        0x00..=0x08
        | 0x0e..=0x1f
        | 0x7f..=0x84
        | 0x86..=0x9f
        | 0xad
        | 0x034f
        | 0x061c
        | 0x1806
        | 0x180b..=0x180e
        | 0x200b..=0x200f
        | 0x202a..=0x202e
        | 0x2060..=0x2064
        | 0x2066..=0x206f
        | 0xfe00..=0xfe0f
        | 0xfeff
        | 0xfff9..=0xfffc => Mapped::Nothing,
        _ => Mapped::Char,
    }
}

/// Characters that NFKC leaves as they are, that never combine with a
/// neighbour, and whose RFC 3454 B.2 case folding is what
/// `char::to_lowercase` gives: for these our preparation is RFC 4518's.
/// (ß folds to "ss" and final sigma to σ under B.2, so they are not here.)
fn exact(c: char) -> bool {
    matches!(
        u32::from(c),
        0x20..=0x7e
            | 0xc0..=0xde
            | 0xe0..=0xff
            | 0x0391..=0x03a1
            | 0x03a3..=0x03a9
            | 0x03b1..=0x03c1
            | 0x03c3..=0x03c9
            | 0x0410..=0x044f
            | 0x3041..=0x3096
            | 0x30a1..=0x30fa
            | 0x3400..=0x4dbf
            | 0x4e00..=0x9fff
            | 0xac00..=0xd7a3
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, value: &[u8]) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec![tag];
        if value.len() < 0x80 {
            v.push(value.len() as u8);
        } else {
            v.push(0x82);
            v.extend_from_slice(&(value.len() as u16).to_be_bytes());
        }
        v.extend_from_slice(value);
        v
    }

    /// A Name of one RDN holding `n` attributes of distinct types, in
    /// order or reversed.
    fn wide_rdn(n: usize, reversed: bool) -> alloc::vec::Vec<u8> {
        let mut atvs = alloc::vec::Vec::new();
        for k in 0..n {
            let i = if reversed { n - 1 - k } else { k };
            let oid = tlv(der::OID, &[0x2a, 0x03, (i % 100) as u8, (i / 100) as u8]);
            atvs.extend(tlv(0x30, &[oid, tlv(der::UTF8_STRING, b"a")].concat()));
        }
        tlv(der::SET, &atvs)
    }

    /// A multi-valued RDN is compared attribute against attribute (each
    /// of one may match any of the other): with many attributes that work
    /// is bounded by the budget.
    #[test]
    fn wide_rdns_exhaust_the_budget() {
        // Each attribute of one matches the last unvisited one of the
        // other: about n²/2 pairs.
        let (name, base) = (wide_rdn(2000, false), wide_rdn(2000, true));
        let mut budget = 1usize << 16;
        let e = within(&name, &base, &mut budget).unwrap_err();
        assert!(matches!(e, CertificateError::LimitExceeded { .. }), "{e}");
        // Small ones are compared in full, in any order.
        let mut budget = 1usize << 16;
        let (name, base) = (wide_rdn(3, false), wide_rdn(3, true));
        assert_eq!(within(&name, &base, &mut budget).unwrap(), Match::Yes);
        assert_eq!(
            within(&name, &wide_rdn(4, false), &mut budget).unwrap(),
            Match::No
        );
    }

    fn cmp(a: &[u8], b: &[u8]) -> Match {
        let ta = Der::new(a, "t").unwrap().next().unwrap();
        let tb = Der::new(b, "t").unwrap().next().unwrap();
        value(&ta, &tb)
    }

    #[test]
    fn rfc4518_preparation() {
        let utf8 = |s: &str| tlv(der::UTF8_STRING, s.as_bytes());
        let printable = |s: &str| tlv(der::PRINTABLE_STRING, s.as_bytes());
        let bmp = |s: &str| {
            let units: alloc::vec::Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
            tlv(der::BMP_STRING, &units)
        };
        // Re-encoded, re-cased, re-spaced: the same value.
        assert_eq!(
            cmp(&utf8("Example Corp"), &printable("Example Corp")),
            Match::Yes
        );
        assert_eq!(
            cmp(&utf8("EXAMPLE corp"), &printable("example CORP")),
            Match::Yes
        );
        assert_eq!(
            cmp(&utf8("  Example \t  Corp "), &utf8("example corp")),
            Match::Yes
        );
        assert_eq!(cmp(&bmp("Example Corp"), &utf8("example corp")), Match::Yes);
        assert_eq!(
            cmp(&utf8("Soci\u{e9}t\u{e9}"), &bmp("SOCI\u{c9}T\u{c9}")),
            Match::Yes
        );
        assert_eq!(cmp(&utf8("Ex\u{ad}ample"), &utf8("Example")), Match::Yes);
        // Different values, certainly.
        assert_eq!(
            cmp(&utf8("Example Corp"), &utf8("Example Corp2")),
            Match::No
        );
        assert_eq!(cmp(&utf8("Example Corp"), &utf8("ExampleCorp")), Match::No);
        assert_eq!(cmp(&utf8("M\u{fc}ller"), &utf8("Muller")), Match::No);
        // Outside what we prepare exactly: NFKC or B.2 might equate them.
        assert_eq!(cmp(&utf8("Stra\u{df}e"), &utf8("STRASSE")), Match::Unknown);
        assert_eq!(
            cmp(&utf8("\u{ff25}xample"), &utf8("Example")),
            Match::Unknown
        );
        assert_eq!(
            cmp(&utf8("Mu\u{308}ller"), &utf8("M\u{fc}ller")),
            Match::Unknown
        );
        // Unreadable strings, and a string against another syntax.
        assert_eq!(
            cmp(&tlv(der::T61_STRING, b"\xc8a"), &utf8("a")),
            Match::Unknown
        );
        assert_eq!(
            cmp(&tlv(der::BMP_STRING, b"\x00"), &utf8("a")),
            Match::Unknown
        );
        assert_eq!(
            cmp(&tlv(der::OCTET_STRING, b"a"), &utf8("a")),
            Match::Unknown
        );
        assert_eq!(
            cmp(&tlv(der::OCTET_STRING, b"a"), &tlv(der::OCTET_STRING, b"b")),
            Match::No
        );
    }
}
