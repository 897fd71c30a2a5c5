//! X.509 v3 certificates (RFC 5280 §4.1), parsed strictly and borrowing
//! from the DER input.

use alloc::vec::Vec;

use super::der::{self, Der, bad, ctx_cons, ctx_prim};
use super::error::{CertificateError, profile};
use super::time;

pub const OID_SKI: &[u8] = &[0x55, 0x1d, 0x0e];
pub const OID_KU: &[u8] = &[0x55, 0x1d, 0x0f];
pub const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
pub const OID_BC: &[u8] = &[0x55, 0x1d, 0x13];
pub const OID_NC: &[u8] = &[0x55, 0x1d, 0x1e];
pub const OID_CRL_DP: &[u8] = &[0x55, 0x1d, 0x1f];
pub const OID_CERT_POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
pub const OID_AKI: &[u8] = &[0x55, 0x1d, 0x23];
pub const OID_POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
pub const OID_EKU: &[u8] = &[0x55, 0x1d, 0x25];
pub const OID_AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
/// id-pe-tlsfeature (RFC 7633 §6), 1.3.6.1.5.5.7.1.24.
pub const OID_TLS_FEATURE: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18];
/// id-kp-OCSPSigning (RFC 6960 §4.2.2.2), 1.3.6.1.5.5.7.3.9.
pub const OID_OCSP_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09];
pub const OID_ANY_EKU: &[u8] = &[0x55, 0x1d, 0x25, 0x00];
pub const OID_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
pub const OID_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// keyUsage bits (RFC 5280 §4.2.1.3), as bit positions in [`Extensions::key_usage`].
pub const KU_DIGITAL_SIGNATURE: u16 = 1 << 0;
pub const KU_KEY_CERT_SIGN: u16 = 1 << 5;

/// One GeneralName (RFC 5280 §4.2.1.6); values borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneralName<'a> {
    /// rfc822Name (IA5String).
    Email(&'a [u8]),
    /// dNSName (IA5String).
    Dns(&'a [u8]),
    /// directoryName: the contents of the Name SEQUENCE.
    Directory(&'a [u8]),
    /// uniformResourceIdentifier.
    Uri(&'a [u8]),
    /// iPAddress octets (4 or 16 in a SAN; 8 or 32 in a constraint).
    Ip(&'a [u8]),
    /// otherName, x400Address, ediPartyName, registeredID: by tag.
    Other(u8),
}

pub fn general_name(t: der::Tlv<'_>) -> Result<GeneralName<'_>, CertificateError> {
    Ok(match t.tag {
        0x81 => GeneralName::Email(t.value),
        0x82 => GeneralName::Dns(t.value),
        0xa4 => GeneralName::Directory(der::single(t.value, der::SEQUENCE, "directoryName")?),
        0x86 => GeneralName::Uri(t.value),
        0x87 => GeneralName::Ip(t.value),
        0xa0 | 0xa3 | 0xa5 | 0x88 => GeneralName::Other(t.tag),
        _ => return Err(bad("GeneralName with an unknown tag")),
    })
}

/// `SEQUENCE SIZE (1..MAX) OF GeneralName` contents, checked once when
/// parsed and then read on demand (no list is built per certificate).
#[derive(Clone, Copy, Debug)]
pub struct GeneralNames<'a>(&'a [u8]);

impl<'a> GeneralNames<'a> {
    pub fn parse(v: &'a [u8]) -> Result<Self, CertificateError> {
        let mut d = Der::new(v, "GeneralNames")?;
        if d.is_empty() {
            return Err(bad("empty GeneralNames"));
        }
        while !d.is_empty() {
            general_name(d.next()?)?;
        }
        Ok(Self(v))
    }

    /// The names, in order. Every one parsed in [`parse`](Self::parse),
    /// so none is skipped here.
    pub fn iter(&self) -> impl Iterator<Item = GeneralName<'a>> + 'a {
        let mut d = Der::new(self.0, "GeneralNames").ok();
        core::iter::from_fn(move || {
            let d = d.as_mut().filter(|d| !d.is_empty())?;
            d.next().ok().and_then(|t| general_name(t).ok())
        })
    }
}

/// The KeyPurposeId OIDs of an extKeyUsage, checked once when parsed and
/// then read on demand.
#[derive(Clone, Copy, Debug)]
pub struct KeyPurposes<'a>(&'a [u8]);

impl<'a> KeyPurposes<'a> {
    fn parse(v: &'a [u8]) -> Result<Self, CertificateError> {
        let mut d = Der::new(v, "extKeyUsage")?;
        if d.is_empty() {
            return Err(bad("empty extKeyUsage (RFC 5280 §4.2.1.12)"));
        }
        while !d.is_empty() {
            d.expect(der::OID)?;
        }
        Ok(Self(v))
    }

    /// Whether `oid` (contents) is one of the purposes.
    pub fn contains(&self, oid: &[u8]) -> bool {
        let Ok(mut d) = Der::new(self.0, "extKeyUsage") else {
            return false;
        };
        while !d.is_empty() {
            match d.expect(der::OID) {
                Ok(t) if t.value == oid => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// The purposes as names (dotted OIDs for those without one), at
    /// most 16, for error messages.
    pub fn names(&self) -> Vec<alloc::string::String> {
        let mut out = Vec::new();
        let Ok(mut d) = Der::new(self.0, "extKeyUsage") else {
            return out;
        };
        while !d.is_empty() && out.len() < 16 {
            let Ok(t) = d.expect(der::OID) else { break };
            out.push(match t.value {
                OID_SERVER_AUTH => "serverAuth".into(),
                OID_CLIENT_AUTH => "clientAuth".into(),
                OID_ANY_EKU => "anyExtendedKeyUsage".into(),
                [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03] => "codeSigning".into(),
                [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04] => "emailProtection".into(),
                [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08] => "timeStamping".into(),
                [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09] => "OCSPSigning".into(),
                oid => der::OidText(oid).to_string_lossy(),
            });
        }
        out
    }
}

#[derive(Clone, Debug, Default)]
pub struct NameConstraints<'a> {
    pub permitted: Vec<GeneralName<'a>>,
    pub excluded: Vec<GeneralName<'a>>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct AuthorityKeyId<'a> {
    pub key_id: Option<&'a [u8]>,
    pub has_issuer_and_serial: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Extensions<'a> {
    /// (cA, pathLenConstraint, critical)
    pub basic_constraints: Option<(bool, Option<u64>, bool)>,
    pub key_usage: Option<u16>,
    /// (KeyPurposeId OIDs, critical)
    pub eku: Option<(KeyPurposes<'a>, bool)>,
    /// (names, critical)
    pub san: Option<(GeneralNames<'a>, bool)>,
    pub name_constraints: Option<NameConstraints<'a>>,
    pub ski: Option<&'a [u8]>,
    pub aki: Option<AuthorityKeyId<'a>>,
    pub crl_dp: Option<&'a [u8]>,
    pub policy_constraints_critical: Option<bool>,
    /// The TLS feature extension lists status_request (RFC 7633:
    /// "must-staple").
    pub must_staple: bool,
    /// The first critical extension we do not process (its OID contents).
    pub unknown_critical: Option<&'a [u8]>,
}

/// A parsed certificate. Every slice points into the input.
#[derive(Clone, Debug)]
pub struct Certificate<'a> {
    pub der: &'a [u8],
    /// The whole tbsCertificate TLV: the signed bytes.
    pub tbs: &'a [u8],
    /// The outer signatureAlgorithm TLV (equal to the inner one).
    pub sig_alg: &'a [u8],
    pub signature: &'a [u8],
    pub version: u64,
    pub serial: &'a [u8],
    /// Contents of the issuer Name SEQUENCE.
    pub issuer: &'a [u8],
    /// Contents of the subject Name SEQUENCE.
    pub subject: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
    /// The whole SubjectPublicKeyInfo TLV.
    pub spki: &'a [u8],
    pub ext: Extensions<'a>,
    /// The extensions as encoded (the `[3]` field's contents; empty
    /// without extensions), to tell a re-issue from a new certificate.
    pub extensions: &'a [u8],
}

impl<'a> Certificate<'a> {
    /// Parses `der` (RFC 5280 §4.1). Only v3 certificates are accepted
    /// (CABF 7.1.1); the inner and outer signature algorithms must be
    /// byte-identical (§4.1.1.2).
    pub fn parse(der: &'a [u8]) -> Result<Self, CertificateError> {
        let body = der::single(der, der::SEQUENCE, "Certificate")?;
        let mut c = Der::new(body, "Certificate")?;
        let tbs_tlv = c.expect(der::SEQUENCE)?;
        let sig_alg = c.expect(der::SEQUENCE)?.raw;
        let sig = c.expect(der::BIT_STRING)?.value;
        c.finish()?;
        let signature = der::bit_string_octets(sig, "signatureValue")?;

        let mut t = Der::new(tbs_tlv.value, "tbsCertificate")?;
        let version = match t.optional(ctx_cons(0))? {
            Some(v) => {
                let n = der::small_uint(der::single(v.value, der::INTEGER, "version")?, "version")?;
                // DER: DEFAULT v1 must be omitted.
                if n == 0 {
                    return Err(bad("explicit default version v1"));
                }
                n
            }
            None => 0,
        };
        // Version and serial-number rules are checked by the path
        // validator, which can exempt trust anchors (real roots include
        // v1 certificates and a zero serial number).
        let serial = der::integer(t.expect(der::INTEGER)?.value, "serialNumber")?;
        let inner_alg = t.expect(der::SEQUENCE)?.raw;
        if inner_alg != sig_alg {
            return Err(profile(
                "has different inner and outer signature algorithms (RFC 5280 §4.1.1.2)",
            ));
        }
        let issuer = t.expect(der::SEQUENCE)?.value;
        if issuer.is_empty() {
            return Err(profile("has an empty issuer name (RFC 5280 §4.1.2.4)"));
        }
        let validity = t.expect(der::SEQUENCE)?.value;
        let mut v = Der::new(validity, "validity")?;
        let not_before = parse_time(v.next()?)?;
        let not_after = parse_time(v.next()?)?;
        v.finish()?;
        let subject = t.expect(der::SEQUENCE)?.value;
        let spki = t.expect(der::SEQUENCE)?.raw;
        t.optional(ctx_prim(1))?; // issuerUniqueID
        t.optional(ctx_prim(2))?; // subjectUniqueID
        let (ext, extensions) = match t.optional(ctx_cons(3))? {
            Some(e) => (
                parse_extensions(der::single(e.value, der::SEQUENCE, "extensions")?)?,
                e.value,
            ),
            None => (Extensions::default(), &[][..]),
        };
        t.finish()?;
        Ok(Self {
            der,
            tbs: tbs_tlv.raw,
            sig_alg,
            signature,
            version,
            serial,
            issuer,
            subject,
            not_before,
            not_after,
            spki,
            ext,
            extensions,
        })
    }

    /// Issuer and subject are the same name (RFC 5280 §3.4 "self-issued").
    pub fn is_self_issued(&self) -> bool {
        self.issuer == self.subject
    }

    /// basicConstraints cA is TRUE.
    pub fn is_ca(&self) -> bool {
        matches!(self.ext.basic_constraints, Some((true, _, _)))
    }
}

fn parse_time(t: der::Tlv<'_>) -> Result<i64, CertificateError> {
    let parsed = match t.tag {
        der::UTC_TIME => time::parse_utc_time(t.value),
        der::GENERALIZED_TIME => time::parse_generalized_time(t.value),
        _ => None,
    };
    parsed.ok_or_else(|| bad("validity time not in the RFC 5280 §4.1.2.5 form"))
}

fn parse_extensions(v: &[u8]) -> Result<Extensions<'_>, CertificateError> {
    let mut d = Der::new(v, "extensions")?;
    let mut ext = Extensions::default();
    let mut seen = crate::codec::SeenSet::<&[u8], 16>::new();
    if d.is_empty() {
        return Err(bad("empty extensions"));
    }
    while !d.is_empty() {
        let mut e = Der::new(d.expect(der::SEQUENCE)?.value, "extension")?;
        let oid = e.expect(der::OID)?.value;
        let critical = match e.optional(der::BOOLEAN)? {
            // DER: DEFAULT FALSE must be omitted.
            Some(b) if der::boolean(b.value, "critical")? => true,
            Some(_) => return Err(bad("explicit critical FALSE")),
            None => false,
        };
        let value = e.expect(der::OCTET_STRING)?.value;
        e.finish()?;
        // RFC 5280 §4.2: at most one instance of a given extension.
        if !seen.insert(oid) {
            return Err(profile("has a duplicate extension (RFC 5280 §4.2)"));
        }
        let noncritical = |name: &str| {
            if critical {
                Err(profile(alloc::format!(
                    "marks {name} critical, which RFC 5280 forbids"
                )))
            } else {
                Ok(())
            }
        };
        match oid {
            OID_BC => ext.basic_constraints = Some(basic_constraints(value, critical)?),
            OID_KU => ext.key_usage = Some(key_usage(value)?),
            OID_EKU => {
                let purposes =
                    KeyPurposes::parse(der::single(value, der::SEQUENCE, "extKeyUsage")?)?;
                ext.eku = Some((purposes, critical));
            }
            OID_SAN => {
                let names =
                    GeneralNames::parse(der::single(value, der::SEQUENCE, "subjectAltName")?)?;
                ext.san = Some((names, critical));
            }
            OID_NC => ext.name_constraints = Some(name_constraints(value)?),
            OID_SKI => {
                noncritical("subjectKeyIdentifier")?;
                ext.ski = Some(der::single(
                    value,
                    der::OCTET_STRING,
                    "subjectKeyIdentifier",
                )?);
            }
            OID_AKI => {
                noncritical("authorityKeyIdentifier")?;
                ext.aki = Some(authority_key_id(value)?);
            }
            OID_CRL_DP => {
                ext.crl_dp = Some(der::single(value, der::SEQUENCE, "cRLDistributionPoints")?);
            }
            OID_AIA => {
                noncritical("authorityInfoAccess")?;
                authority_info_access(value)?;
            }
            OID_POLICY_CONSTRAINTS => {
                der::single(value, der::SEQUENCE, "policyConstraints")?;
                ext.policy_constraints_critical = Some(critical);
            }
            OID_TLS_FEATURE => ext.must_staple = tls_features(value)?,
            // certificatePolicies: we apply no policy, which RFC 5280 §6.1
            // allows (user-initial-policy-set = anyPolicy); the syntax
            // must still be sound.
            OID_CERT_POLICIES => {
                der::single(value, der::SEQUENCE, "certificatePolicies")?;
            }
            _ => {
                if critical && ext.unknown_critical.is_none() {
                    ext.unknown_critical = Some(oid);
                }
            }
        }
    }
    Ok(ext)
}

/// RFC 7633 §6: `Features ::= SEQUENCE OF INTEGER`, TLS extension code
/// points; whether status_request (5, RFC 6066 §8) is among them.
fn tls_features(v: &[u8]) -> Result<bool, CertificateError> {
    let mut d = Der::new(der::single(v, der::SEQUENCE, "TLS feature")?, "TLS feature")?;
    let mut status_request = false;
    while !d.is_empty() {
        let n = der::small_uint(d.expect(der::INTEGER)?.value, "TLS feature")?;
        if n > u64::from(u16::MAX) {
            return Err(bad(
                "TLS feature that is not an extension code point (RFC 7633 §6)",
            ));
        }
        status_request |= n == 5;
    }
    Ok(status_request)
}

fn basic_constraints(
    v: &[u8],
    critical: bool,
) -> Result<(bool, Option<u64>, bool), CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "basicConstraints")?,
        "basicConstraints",
    )?;
    let ca = match d.optional(der::BOOLEAN)? {
        Some(b) if der::boolean(b.value, "cA")? => true,
        Some(_) => return Err(bad("explicit cA FALSE")),
        None => false,
    };
    let path_len = match d.optional(der::INTEGER)? {
        Some(i) => Some(der::small_uint(i.value, "pathLenConstraint")?),
        None => None,
    };
    d.finish()?;
    Ok((ca, path_len, critical))
}

fn key_usage(v: &[u8]) -> Result<u16, CertificateError> {
    let bits = der::single(v, der::BIT_STRING, "keyUsage")?;
    let (unused, bytes) = bits.split_first().ok_or_else(|| bad("keyUsage"))?;
    // DER (X.690 §11.2.2): no trailing zero bits; unused bits are zero.
    let last = bytes.last().copied().unwrap_or(0);
    if *unused > 7
        || bytes.is_empty()
        || bytes.len() > 2
        || last == 0
        || last.trailing_zeros() < u32::from(*unused)
    {
        return Err(bad("keyUsage bits"));
    }
    let mut out = 0u16;
    for (i, byte) in bytes.iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                // bytes.len() <= 2 (checked above), so the bit index is < 16.
                let at = i.saturating_mul(8).saturating_add(bit);
                out |= 1u16
                    .checked_shl(u32::try_from(at).unwrap_or(u32::MAX))
                    .unwrap_or(0);
            }
        }
    }
    Ok(out)
}

fn subtrees(v: &[u8]) -> Result<Vec<GeneralName<'_>>, CertificateError> {
    let mut d = Der::new(v, "GeneralSubtrees")?;
    let mut out = Vec::new();
    while !d.is_empty() {
        let mut s = Der::new(d.expect(der::SEQUENCE)?.value, "GeneralSubtree")?;
        out.push(general_name(s.next()?)?);
        // §4.2.1.10: minimum MUST be zero (so absent in DER), maximum absent.
        s.finish()
            .map_err(|_| bad("GeneralSubtree with minimum or maximum"))?;
    }
    if out.is_empty() {
        return Err(bad("empty GeneralSubtrees (RFC 5280 §4.2.1.10)"));
    }
    Ok(out)
}

/// CABF BR 7.1.2.5.2 allows a non-critical nameConstraints (an explicit
/// exception to RFC 5280 §4.2.1.10), so criticality is not checked.
fn name_constraints(v: &[u8]) -> Result<NameConstraints<'_>, CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "nameConstraints")?,
        "nameConstraints",
    )?;
    let mut nc = NameConstraints::default();
    if let Some(p) = d.optional(ctx_cons(0))? {
        nc.permitted = subtrees(p.value)?;
    }
    if let Some(e) = d.optional(ctx_cons(1))? {
        nc.excluded = subtrees(e.value)?;
    }
    d.finish()?;
    // §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name
    // constraints is an empty sequence."
    if nc.permitted.is_empty() && nc.excluded.is_empty() {
        return Err(bad("empty nameConstraints"));
    }
    Ok(nc)
}

fn authority_key_id(v: &[u8]) -> Result<AuthorityKeyId<'_>, CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "authorityKeyIdentifier")?,
        "authorityKeyIdentifier",
    )?;
    let key_id = d.optional(ctx_prim(0))?.map(|t| t.value);
    let issuer = d.optional(ctx_cons(1))?;
    if let Some(i) = issuer {
        GeneralNames::parse(i.value)?;
    }
    let serial = d.optional(ctx_prim(2))?;
    d.finish()?;
    // §4.2.1.1: both authorityCertIssuer and serial, or neither.
    if issuer.is_some() != serial.is_some() {
        return Err(bad(
            "authorityKeyIdentifier with only one of issuer and serial",
        ));
    }
    Ok(AuthorityKeyId {
        key_id,
        has_issuer_and_serial: issuer.is_some(),
    })
}

fn authority_info_access(v: &[u8]) -> Result<(), CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "authorityInfoAccess")?,
        "authorityInfoAccess",
    )?;
    if d.is_empty() {
        return Err(bad("empty authorityInfoAccess"));
    }
    while !d.is_empty() {
        let mut a = Der::new(d.expect(der::SEQUENCE)?.value, "AccessDescription")?;
        a.expect(der::OID)?;
        general_name(a.next()?)?;
        a.finish()?;
    }
    Ok(())
}
