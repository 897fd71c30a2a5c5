//! Names: presenting distinguished names, matching the reference identity
//! against subjectAltName (RFC 6125 §6.4, RFC 9525), and name constraints
//! (RFC 5280 §4.2.1.10).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::cert::{Certificate, GeneralName, NameConstraints};
use super::der::{self, Der};
use super::dn::{self, Match};
use super::error::{CertificateError, Finding, limit_exceeded, name_constraints, profile};

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
/// PKCS #9 emailAddress (1.2.840.113549.1.9.1).
const OID_EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

/// The identity the caller expects the end-entity certificate to carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedName<'a> {
    /// A DNS name (A-labels; case does not matter; a trailing dot is ignored).
    Dns(&'a str),
    /// An IP address.
    Ip(IpAddr),
}

impl core::fmt::Display for ExpectedName<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Dns(d) => f.write_str(d),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// (attribute OID, value TLV) pairs of a Name, in order.
fn attributes(name: &[u8]) -> Result<Vec<(&[u8], der::Tlv<'_>)>, CertificateError> {
    let mut out = Vec::new();
    for_each_attribute(name, |oid, value| {
        out.push((oid, value));
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` with each (attribute OID, value TLV) pair of a Name, in
/// order, without collecting them.
fn for_each_attribute<'a>(
    name: &'a [u8],
    mut f: impl FnMut(&'a [u8], der::Tlv<'a>) -> Result<(), CertificateError>,
) -> Result<(), CertificateError> {
    let mut d = Der::new(name, "Name")?;
    while !d.is_empty() {
        let mut set = Der::new(d.expect(der::SET)?.value, "RelativeDistinguishedName")?;
        while !set.is_empty() {
            let mut atv = Der::new(set.expect(der::SEQUENCE)?.value, "AttributeTypeAndValue")?;
            let oid = atv.expect(der::OID)?.value;
            let value = atv.next()?;
            atv.finish()?;
            f(oid, value)?;
        }
    }
    Ok(())
}

/// The text of a string value; borrowed when the bytes already are UTF-8.
fn string_value<'a>(t: &der::Tlv<'a>) -> Option<Cow<'a, str>> {
    match t.tag {
        der::UTF8_STRING | der::PRINTABLE_STRING | der::IA5_STRING => {
            core::str::from_utf8(t.value).ok().map(Cow::Borrowed)
        }
        der::T61_STRING => Some(Cow::Owned(t.value.iter().map(|b| char::from(*b)).collect())),
        der::BMP_STRING => {
            let units = t.value.chunks_exact(2).map(|c| match c {
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0xfffd,
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
                .map(Cow::Owned)
        }
        _ => None,
    }
}

/// `CN=api.example.com, O=Example` (RFC 4514 order is reversed; we print
/// in certificate order, which reads naturally for most names).
pub fn display(name: &[u8]) -> String {
    let Ok(attrs) = attributes(name) else {
        return String::from("(malformed name)");
    };
    let mut out = String::new();
    for (oid, value) in attrs.iter().rev() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let key = match *oid {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x06] => "C",
            [0x55, 0x04, 0x07] => "L",
            [0x55, 0x04, 0x08] => "ST",
            [0x55, 0x04, 0x0a] => "O",
            [0x55, 0x04, 0x0b] => "OU",
            [0x55, 0x04, 0x05] => "serialNumber",
            [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
            _ => "",
        };
        if key.is_empty() {
            out.push_str(&der::OidText(oid).to_string_lossy());
        } else {
            out.push_str(key);
        }
        out.push('=');
        out.push_str(&string_value(value).unwrap_or(Cow::Borrowed("#…")));
    }
    out
}

/// A DNS name in the preferred name syntax (RFC 5280 §4.2.1.6, RFC 1034
/// §3.5 with digits allowed first): LDH labels of 1..=63 octets, 253 at
/// most, no trailing dot. `wildcard` allows a whole `*` left-most label
/// followed by at least two labels (RFC 9525 §6.3; `*` and `*.com` are
/// refused). A name whose last label is all digits is an IP address
/// written as a DNS name (RFC 5280 §4.2.1.6) and is refused.
pub fn valid_dns(name: &[u8], wildcard: bool) -> bool {
    let (rest, wild) = match name.strip_prefix(b"*.") {
        Some(r) if wildcard => (r, true),
        _ => (name, false),
    };
    if rest.is_empty() || rest.len() > 253 {
        return false;
    }
    let labels = || rest.split(|b| *b == b'.');
    if wild && labels().nth(1).is_none() {
        return false;
    }
    let ldh = labels().all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && l.first() != Some(&b'-')
            && l.last() != Some(&b'-')
    });
    ldh && !labels()
        .next_back()
        .is_some_and(|l| l.iter().all(u8::is_ascii_digit))
}

/// Does the SAN dNSName `pattern` match the reference `name`?
/// Case-insensitive; a wildcard stands for exactly one whole left-most
/// label (RFC 6125 §6.4.3, RFC 9525 §6.3).
pub fn dns_matches(pattern: &[u8], name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).as_bytes();
    if !valid_dns(pattern, true) {
        return false;
    }
    match pattern.strip_prefix(b"*.") {
        Some(suffix) => match name.iter().position(|b| *b == b'.') {
            Some(dot) => {
                dot > 0
                    && name
                        .get(dot.saturating_add(1)..)
                        .is_some_and(|rest| rest.eq_ignore_ascii_case(suffix))
            }
            None => false,
        },
        None => pattern.eq_ignore_ascii_case(name),
    }
}

fn ip_octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn ip_text(octets: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(octets) {
        Some(alloc::format!("{}", core::net::Ipv4Addr::from(v4)))
    } else if let Ok(v6) = <[u8; 16]>::try_from(octets) {
        Some(alloc::format!("{}", core::net::Ipv6Addr::from(v6)))
    } else {
        None
    }
}

/// Checks that the end entity carries `expected` in its subjectAltName
/// (never the common name: RFC 9525 §6.1), and that every common name is
/// a character-for-character copy of a SAN entry (CABF BR 7.1.4.3).
pub fn check_identity(
    cert: &Certificate<'_>,
    expected: ExpectedName<'_>,
) -> Result<(), CertificateError> {
    let names = || cert.ext.san.iter().flat_map(|(n, _)| n.iter());
    let found = names().any(|n| match (n, expected) {
        (GeneralName::Dns(p), ExpectedName::Dns(d)) => dns_matches(p, d),
        (GeneralName::Ip(a), ExpectedName::Ip(ip)) => a == ip_octets(ip).as_slice(),
        _ => false,
    });
    if !found {
        let listed: Vec<String> = names()
            .filter_map(|n| match n {
                GeneralName::Dns(d) => Some(String::from_utf8_lossy(d).into_owned()),
                GeneralName::Ip(a) => ip_text(a),
                _ => None,
            })
            .take(8)
            .collect();
        let detail = if listed.is_empty() {
            alloc::format!(
                "has no DNS or IP subjectAltName, so it cannot be valid for {expected} (the common name is not used, RFC 9525 §6.1)"
            )
        } else {
            alloc::format!(
                "is not valid for {expected}: its subjectAltName lists {}",
                listed.join(", ")
            )
        };
        return Err(CertificateError::NotValidForName {
            expected: alloc::format!("{expected}"),
            presented: listed,
            finding: Finding::new(detail),
        });
    }
    // CABF BR 7.1.4.3: a common name is a character-for-character copy
    // of a SAN entry. We never read the CN for identity, so we only refuse
    // the case that can mislead a reader: a CN that is another spelling
    // (letter case, IP address text) of one of the SAN entries.
    // The whole subject is read first, so a malformed name is reported
    // as such whatever its common names hold.
    for_each_attribute(cert.subject, |_, _| Ok(()))?;
    // This runs before any signature is checked, so on what anyone can
    // send: with many common names and entries, the entries are sorted
    // once and each common name looked up (n·log n) rather than compared
    // with every entry. The usual few pairs are compared directly, without
    // allocating.
    let mut cns = 0usize;
    for_each_attribute(cert.subject, |oid, _| {
        if oid == OID_CN {
            cns = cns.saturating_add(1);
        }
        Ok(())
    })?;
    if cns == 0 {
        return Ok(());
    }
    let few = cns.saturating_mul(names().count()) <= FEW_PAIRS;
    let has_ip = names().any(|n| matches!(n, GeneralName::Ip(_)));
    let (mut dns, mut ips): (Vec<&[u8]>, Vec<&[u8]>) = (Vec::new(), Vec::new());
    if !few {
        for n in names() {
            match n {
                GeneralName::Dns(d) => dns.push(d),
                GeneralName::Ip(a) => ips.push(a),
                _ => {}
            }
        }
        dns.sort_unstable_by(|a, b| cmp_ignore_case(a, b).then_with(|| a.cmp(b)));
        dns.dedup();
        ips.sort_unstable();
        ips.dedup();
    }
    for_each_attribute(cert.subject, |oid, value| {
        if oid != OID_CN {
            return Ok(());
        }
        let Some(cn) = string_value(&value) else {
            return Ok(());
        };
        let cn_bytes = cn.as_bytes();
        // Read as an address only when there is an address to compare.
        let cn_ip = if has_ip {
            lenient_ip(&cn).map(ip_octets)
        } else {
            None
        };
        // An IP entry spelt otherwise in the common name.
        let ip_respelt =
            |a: &[u8]| cn_ip.as_deref() == Some(a) && ip_text(a).as_deref() != Some(&*cn);
        let variant = if few {
            names().any(|n| match n {
                GeneralName::Dns(d) => d.eq_ignore_ascii_case(cn_bytes) && d != cn_bytes,
                GeneralName::Ip(a) => ip_respelt(a),
                _ => false,
            })
        } else {
            // The entries equal to the CN but for case form one run of
            // distinct spellings: if its first is the CN, a second differs.
            let from = dns.partition_point(|d| cmp_ignore_case(d, cn_bytes).is_lt());
            dns.get(from..)
                .unwrap_or_default()
                .iter()
                .take(2)
                .take_while(|d| d.eq_ignore_ascii_case(cn_bytes))
                .any(|d| *d != cn_bytes)
                || cn_ip
                    .as_deref()
                    .is_some_and(|octets| ips.binary_search(&octets).is_ok() && ip_respelt(octets))
        };
        if variant {
            return Err(profile(alloc::format!(
                "has common name {cn:?}, which is not a character-for-character copy of its subjectAltName entry (CABF BR 7.1.4.3)"
            )));
        }
        Ok(())
    })
}

/// Common-name × subjectAltName pairs compared directly, at most.
const FEW_PAIRS: usize = 64;

/// Byte strings ordered as their ASCII lower-case forms.
fn cmp_ignore_case(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// An IP address in any common spelling: canonical, upper-case or
/// uncompressed IPv6, IPv4 with leading zeros, or `0x` hexadecimal IPv4.
fn lenient_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16)
            .ok()
            .map(|v| IpAddr::V4(v.into()));
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() == 4 {
        let mut o = [0u8; 4];
        for (slot, p) in o.iter_mut().zip(&parts) {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = p.parse().ok()?;
        }
        return Some(IpAddr::V4(o.into()));
    }
    None
}

/// Every dNSName, iPAddress and rfc822Name in a SAN must be well formed
/// (RFC 5280 §4.2.1.6); called for the end entity.
pub fn check_san_syntax(cert: &Certificate<'_>) -> Result<(), CertificateError> {
    let Some((names, _)) = &cert.ext.san else {
        return Ok(());
    };
    for n in names.iter() {
        let ok = match n {
            GeneralName::Dns(d) => valid_dns(d, true),
            GeneralName::Ip(a) => a.len() == 4 || a.len() == 16,
            GeneralName::Email(e) => valid_email(e),
            _ => true,
        };
        if !ok {
            return Err(profile(alloc::format!(
                "has a malformed subjectAltName entry {:?}",
                name_text(&n)
            )));
        }
    }
    Ok(())
}

fn name_text(n: &GeneralName<'_>) -> String {
    match n {
        GeneralName::Dns(v) | GeneralName::Email(v) | GeneralName::Uri(v) => {
            String::from_utf8_lossy(v).into_owned()
        }
        GeneralName::Ip(a) => ip_text(a).unwrap_or_else(|| alloc::format!("{} octets", a.len())),
        GeneralName::Directory(d) => display(d),
        GeneralName::Other(t) => alloc::format!("[tag {t:#x}]"),
    }
}

fn valid_email(e: &[u8]) -> bool {
    let mut parts = e.split(|b| *b == b'@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(host), None) => {
            !local.is_empty()
                && local.iter().all(|b| b.is_ascii_graphic())
                && valid_dns(host, false)
        }
        _ => false,
    }
}

/// `name` equals `base` or is a subdomain of it (case-insensitive).
fn dns_within(name: &[u8], base: &[u8]) -> bool {
    if base.is_empty() {
        return true;
    }
    if name.len() == base.len() {
        return name.eq_ignore_ascii_case(base);
    }
    name.len() > base.len()
        && name
            .len()
            .checked_sub(base.len())
            .and_then(|n| n.checked_sub(1))
            .and_then(|start| name.get(start..))
            .is_some_and(|t| {
                t.first() == Some(&b'.') && t.get(1..).is_some_and(|t| t.eq_ignore_ascii_case(base))
            })
}

fn constraint_valid(c: &GeneralName<'_>) -> bool {
    match c {
        // §4.2.1.10: a DNS constraint is a name, possibly empty; no
        // wildcard and no leading period (that form belongs to URIs).
        GeneralName::Dns(d) => d.is_empty() || valid_dns(d, false),
        GeneralName::Ip(a) => {
            let half = a.len() / 2;
            (a.len() == 8 || a.len() == 32)
                && a.get(half..).is_some_and(|mask| {
                    // The mask must be contiguous ones then zeros (CIDR).
                    let bits = mask
                        .iter()
                        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
                    // Left-align the mask (at most 16 octets, so the shift is < 128).
                    let shift = 128usize.saturating_sub(mask.len().saturating_mul(8));
                    let aligned = bits
                        .checked_shl(u32::try_from(shift).unwrap_or(128))
                        .unwrap_or(0);
                    aligned.count_ones() == aligned.leading_ones()
                })
        }
        GeneralName::Email(e) => {
            if e.contains(&b'@') {
                valid_email(e)
            } else {
                let host = e.strip_prefix(b".").unwrap_or(e);
                valid_dns(host, false)
            }
        }
        _ => true,
    }
}

/// Whether `name` falls in the subtree `c`; `None` when the types differ.
/// Directory names are compared per RFC 5280 §7.1 (`dn.rs`), where the
/// answer may be [`Match::Unknown`]; the other kinds always have one.
fn subtree(
    name: &GeneralName<'_>,
    c: &GeneralName<'_>,
    excluded: bool,
    budget: &mut usize,
) -> Result<Option<Match>, CertificateError> {
    if let (GeneralName::Directory(n), GeneralName::Directory(base)) = (name, c) {
        return dn::within(n, base, budget).map(Some);
    }
    Ok(in_subtree(name, c, excluded).map(|m| if m { Match::Yes } else { Match::No }))
}

/// Whether `name` falls in the subtree `c` (any kind but directoryName);
/// `None` when the types differ. `excluded` makes wildcard SANs match
/// when any name they stand for would.
fn in_subtree(name: &GeneralName<'_>, c: &GeneralName<'_>, excluded: bool) -> Option<bool> {
    Some(match (name, c) {
        (GeneralName::Dns(n), GeneralName::Dns(base)) => match n.strip_prefix(b"*.") {
            Some(parent) => {
                dns_within(parent, base)
                    || (excluded
                        && base.len() > parent.len()
                        && base.iter().position(|b| *b == b'.').is_some_and(|dot| {
                            base.get(dot.saturating_add(1)..)
                                .is_some_and(|r| r.eq_ignore_ascii_case(parent))
                        }))
            }
            None => dns_within(n, base),
        },
        (GeneralName::Ip(a), GeneralName::Ip(net)) => {
            let (base, mask) = net.split_at(net.len() / 2);
            a.len() == base.len()
                && a.iter()
                    .zip(base)
                    .zip(mask)
                    .all(|((x, y), m)| x & m == y & m)
        }
        (GeneralName::Email(e), GeneralName::Email(c)) => {
            let (local, host) = match e.iter().position(|b| *b == b'@') {
                Some(at) => (e.get(..at)?, e.get(at.checked_add(1)?..)?),
                None => return Some(false),
            };
            if let Some(at) = c.iter().position(|b| *b == b'@') {
                // A mailbox: local part exact (it may be case-sensitive), host any case.
                local == c.get(..at)? && host.eq_ignore_ascii_case(c.get(at.checked_add(1)?..)?)
            } else if let Some(domain) = c.strip_prefix(b".") {
                dns_within(host, domain) && host.len() > domain.len()
            } else {
                host.eq_ignore_ascii_case(c)
            }
        }
        (GeneralName::Uri(_), GeneralName::Uri(_)) => return Some(false),
        (GeneralName::Other(a), GeneralName::Other(b)) if a == b => return Some(excluded),
        _ => return None,
    })
}

/// Applies the constraints `nc` to the names of `cert` (RFC 5280 §6.1.3
/// (b), (c)): the subject and every SAN entry. Names of a type we cannot
/// evaluate (URIs, otherName...) fail when a constraint of that type
/// exists (§4.2.1.10 requires rejecting what cannot be processed).
/// `budget` bounds the comparisons (limbo's nc-dos cases).
pub fn check_constraints(
    nc: &NameConstraints<'_>,
    cert: &Certificate<'_>,
    budget: &mut usize,
) -> Result<(), CertificateError> {
    for c in nc.permitted.iter().chain(&nc.excluded) {
        if !constraint_valid(c) {
            return Err(name_constraints(alloc::format!(
                "has a malformed name constraint {:?}",
                name_text(c)
            )));
        }
    }
    let mut names: Vec<GeneralName<'_>> = Vec::new();
    if !cert.subject.is_empty() {
        names.push(GeneralName::Directory(cert.subject));
    }
    if let Some((san, _)) = &cert.ext.san {
        names.extend(san.iter());
    } else if nc
        .permitted
        .iter()
        .chain(&nc.excluded)
        .any(|c| matches!(c, GeneralName::Email(_)))
    {
        // §4.2.1.10: "When constraints are imposed on the rfc822Name name
        // form, but the certificate does not include a subject alternative
        // name, the rfc822Name constraint MUST be applied to the attribute
        // of type emailAddress in the subject distinguished name." One we
        // cannot read as a mailbox cannot be shown to comply: refused.
        for_each_attribute(cert.subject, |oid, value| {
            if oid != OID_EMAIL_ADDRESS {
                return Ok(());
            }
            if value.tag != der::IA5_STRING || !valid_email(value.value) {
                return Err(name_constraints(alloc::format!(
                    "has an emailAddress {:?} in its subject that is not a mailbox we can check against the issuer's rfc822Name constraints",
                    String::from_utf8_lossy(value.value)
                )));
            }
            names.push(GeneralName::Email(value.value));
            Ok(())
        })?;
    }
    for name in &names {
        let mut permitted_of_type = false;
        let mut permitted = Match::No;
        for c in &nc.permitted {
            *budget = budget.checked_sub(1).ok_or_else(too_much)?;
            if let Some(m) = subtree(name, c, false, budget)? {
                permitted_of_type = true;
                permitted = permitted.or(m);
            }
        }
        // Fail closed: a name only possibly in a permitted subtree is not in it.
        if permitted_of_type && permitted != Match::Yes {
            return Err(name_constraints(alloc::format!(
                "has name {:?}, outside the issuer's permitted subtrees{}",
                name_text(name),
                if permitted == Match::Unknown {
                    " (as far as we can compare: RFC 4518 preparation of its characters may need Unicode tables we do not carry)"
                } else {
                    ""
                }
            )));
        }
        for c in &nc.excluded {
            *budget = budget.checked_sub(1).ok_or_else(too_much)?;
            // Fail closed: a name possibly in an excluded subtree is refused.
            match subtree(name, c, true, budget)? {
                Some(Match::Yes) => {
                    return Err(name_constraints(alloc::format!(
                        "has name {:?}, inside the excluded subtree {:?}",
                        name_text(name),
                        name_text(c)
                    )));
                }
                Some(Match::Unknown) => {
                    return Err(name_constraints(alloc::format!(
                        "has name {:?}, which we cannot tell apart from the excluded subtree {:?} (RFC 4518 preparation of its characters may need Unicode tables we do not carry)",
                        name_text(name),
                        name_text(c)
                    )));
                }
                Some(Match::No) | None => {}
            }
        }
        // Names of a kind we do not evaluate under a constraint of that kind.
        let unevaluable = matches!(name, GeneralName::Uri(_) | GeneralName::Other(_));
        if unevaluable
            && nc
                .permitted
                .iter()
                .chain(&nc.excluded)
                .any(|c| core::mem::discriminant(c) == core::mem::discriminant(name))
        {
            return Err(name_constraints(alloc::format!(
                "has name {:?} of a kind whose constraints we do not process",
                name_text(name)
            )));
        }
    }
    Ok(())
}

fn too_much() -> CertificateError {
    limit_exceeded("needs too many name-constraint comparisons")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_matching_rules() {
        assert!(dns_matches(b"example.com", "example.com"));
        assert!(dns_matches(b"Example.COM", "example.com"));
        assert!(dns_matches(b"example.com", "EXAMPLE.com."));
        assert!(!dns_matches(b"example.com", "example2.com"));
        assert!(!dns_matches(b"example.com", "abc.example.com"));
        assert!(!dns_matches(b"abc.example.com", "example.com"));
        assert!(dns_matches(b"*.example.com", "foo.example.com"));
        assert!(dns_matches(b"*.EXAMPLE.com", "FOO.example.com"));
        assert!(!dns_matches(b"*.example.com", "example.com"));
        assert!(!dns_matches(b"*.example.com", "foo.bar.example.com"));
        assert!(!dns_matches(b"*.example.com", ".example.com"));
        assert!(!dns_matches(b"ba*.example.com", "baz.example.com"));
        assert!(!dns_matches(b"foo.*.example.com", "foo.bar.example.com"));
        assert!(!dns_matches(
            b"xn--*-1b3c148a.example.com",
            "xn--bliss-1b3c148a.example.com"
        ));
        assert!(!dns_matches(b"*", "com"));
        assert!(!dns_matches(b"*.com", "example.com"));
        assert!(!dns_matches(b"exa_mple.com", "exa_mple.com"));
        assert!(!dns_matches(b"127.0.0.1", "127.0.0.1"));
        assert!(!dns_matches(
            "😜.example.com".as_bytes(),
            "xn--628h.example.com"
        ));
    }

    #[test]
    fn dns_constraints() {
        let c = |n: &str, base: &str, ex: bool| {
            in_subtree(
                &GeneralName::Dns(n.as_bytes()),
                &GeneralName::Dns(base.as_bytes()),
                ex,
            )
        };
        assert_eq!(c("example.com", "example.com", false), Some(true));
        assert_eq!(c("foo.bar.example.com", "example.com", false), Some(true));
        assert_eq!(c("notexample.com", "example.com", false), Some(false));
        assert_eq!(c("anything.test", "", false), Some(true));
        assert_eq!(c("*.foo.com", "foo.com", false), Some(true));
        assert_eq!(c("*.example.com", "foo.example.com", false), Some(false));
        assert_eq!(c("*.example.com", "bar.example.com", true), Some(true));
        assert_eq!(c("*.example.com", "a.b.example.com", true), Some(false));
        assert!(!constraint_valid(&GeneralName::Dns(b".example.com")));
        assert!(!constraint_valid(&GeneralName::Dns(b"*.example.com")));
        assert!(constraint_valid(&GeneralName::Ip(&[
            192, 0, 2, 0, 255, 255, 255, 0
        ])));
        assert!(!constraint_valid(&GeneralName::Ip(&[
            192, 0, 2, 0, 255, 0, 255, 0
        ])));
        assert!(!constraint_valid(&GeneralName::Ip(&[192, 0, 2, 0])));
    }

    #[test]
    fn ip_and_email_constraints() {
        let net = GeneralName::Ip(&[192, 0, 2, 0, 255, 255, 255, 0]);
        assert_eq!(
            in_subtree(&GeneralName::Ip(&[192, 0, 2, 7]), &net, false),
            Some(true)
        );
        assert_eq!(
            in_subtree(&GeneralName::Ip(&[192, 0, 3, 7]), &net, false),
            Some(false)
        );
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(in_subtree(&GeneralName::Ip(&v6), &net, false), Some(false));
        let e = |n: &str, c: &str| {
            in_subtree(
                &GeneralName::Email(n.as_bytes()),
                &GeneralName::Email(c.as_bytes()),
                false,
            )
        };
        assert_eq!(e("foo@example.com", "foo@example.com"), Some(true));
        assert_eq!(e("foo@EXAMPLE.com", "example.com"), Some(true));
        assert_eq!(e("user@example.com", "*@example.com"), Some(false));
        assert_eq!(e("*@sub.example.com", "*@example.com"), Some(false));
        assert_eq!(e("a@sub.example.com", ".example.com"), Some(true));
        assert_eq!(e("a@example.com", ".example.com"), Some(false));
        assert!(!constraint_valid(&GeneralName::Email(
            b"invalid@invalid@example.com"
        )));
    }
}
