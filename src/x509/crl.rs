//! Caller-supplied certificate revocation lists (RFC 5280 §5), checked
//! against a built path as RFC 5280 §6.3 describes and the Web PKI uses
//! it: a CRL speaks for the CA whose name is its issuer and whose key
//! signed it; a serial it lists is revoked. A CRL we cannot trust fully
//! (bad syntax, bad signature, issuer without cRLSign, stale) fails the
//! validation instead of being ignored, because ignoring it would turn a
//! revocation the caller asked for into an acceptance.
//!
//! Not supported, and refused when present: delta CRLs, indirect CRLs
//! and CRLs scoped to attribute certificates or to some reasons only.

use alloc::string::String;
use alloc::vec::Vec;

use super::cert::{self, Certificate};
use super::der::{self, Der, bad, ctx_cons, ctx_prim};
use super::error::{
    CertificateError, Finding, bad_signature, key_usage, profile, revocation_unknown, unsupported,
};
use super::{name, sig, time};

const OID_CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
const OID_DELTA_CRL_INDICATOR: &[u8] = &[0x55, 0x1d, 0x1b];
const OID_ISSUING_DP: &[u8] = &[0x55, 0x1d, 0x1c];
const OID_FRESHEST_CRL: &[u8] = &[0x55, 0x1d, 0x2e];
const OID_AUTHORITY_INFO_ACCESS: &[u8] = cert::OID_AIA;
const OID_REASON_CODE: &[u8] = &[0x55, 0x1d, 0x15];
const OID_INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];
const OID_CERTIFICATE_ISSUER: &[u8] = &[0x55, 0x1d, 0x1d];

/// keyUsage cRLSign (RFC 5280 §4.2.1.3, bit 6).
const KU_CRL_SIGN: u16 = 1 << 6;

/// One revoked certificate.
#[derive(Clone, Copy, Debug)]
pub struct Revoked<'a> {
    /// The serial number's INTEGER contents (DER, so equal bytes mean
    /// equal numbers).
    pub serial: &'a [u8],
    /// revocationDate, UNIX seconds.
    pub date: i64,
}

/// Which certificates the CRL covers (issuingDistributionPoint, §5.2.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every certificate of the issuer.
    #[default]
    All,
    /// End-entity certificates only (onlyContainsUserCerts).
    EndEntities,
    /// CA certificates only (onlyContainsCACerts).
    Cas,
}

/// A parsed CertificateList (RFC 5280 §5.1), borrowing from its DER.
#[derive(Clone, Debug)]
pub struct Crl<'a> {
    pub tbs: &'a [u8],
    pub sig_alg: &'a [u8],
    pub signature: &'a [u8],
    /// The issuer Name's contents, like `Certificate::issuer`.
    pub issuer: &'a [u8],
    pub this_update: i64,
    pub next_update: i64,
    pub revoked: Vec<Revoked<'a>>,
    pub aki_key_id: &'a [u8],
    pub scope: Scope,
}

impl<'a> Crl<'a> {
    /// Parses a DER CRL strictly: v2, matching signature algorithms,
    /// nextUpdate, a non-critical CRL number, an AKI keyIdentifier, and no
    /// critical extension we do not process.
    pub fn parse(der: &'a [u8]) -> Result<Self, CertificateError> {
        let body = der::single(der, der::SEQUENCE, "CertificateList")?;
        let mut c = Der::new(body, "CertificateList")?;
        let tbs_tlv = c.expect(der::SEQUENCE)?;
        let sig_alg = c.expect(der::SEQUENCE)?.raw;
        let sig = c.expect(der::BIT_STRING)?.value;
        c.finish()?;
        let signature = der::bit_string_octets(sig, "CRL signatureValue")?;

        let mut t = Der::new(tbs_tlv.value, "tbsCertList")?;
        // §5.1.2.1: v2 (1) whenever extensions are present, and a CRL
        // number is required (§5.2.3), so v1 CRLs cannot conform.
        let version = der::small_uint(t.expect(der::INTEGER)?.value, "CRL version")?;
        if version != 1 {
            return Err(profile(alloc::format!(
                "has version {} where v2 is required (RFC 5280 §5.1.2.1)",
                version.saturating_add(1)
            )));
        }
        if t.expect(der::SEQUENCE)?.raw != sig_alg {
            return Err(profile(
                "has different inner and outer signature algorithms (RFC 5280 §5.1.1.2)",
            ));
        }
        let issuer = t.expect(der::SEQUENCE)?.value;
        if issuer.is_empty() {
            return Err(profile("has an empty issuer name (RFC 5280 §5.1.2.3)"));
        }
        let this_update = parse_time(t.next()?)?;
        // §5.1.2.5: conforming CRL issuers MUST include nextUpdate.
        let next_update = match t.peek() {
            Some(der::UTC_TIME | der::GENERALIZED_TIME) => parse_time(t.next()?)?,
            _ => {
                return Err(profile("has no nextUpdate (RFC 5280 §5.1.2.5)"));
            }
        };
        let mut revoked = Vec::new();
        if let Some(list) = t.optional(der::SEQUENCE)? {
            let mut l = Der::new(list.value, "revokedCertificates")?;
            // §5.1.2.6: absent, not empty, when nothing is revoked.
            if l.is_empty() {
                return Err(bad("empty revokedCertificates"));
            }
            while !l.is_empty() {
                revoked.push(entry(l.expect(der::SEQUENCE)?.value)?);
            }
        }
        let exts = t
            .optional(ctx_cons(0))?
            .ok_or_else(|| profile("has no extensions, so no CRL number (RFC 5280 §5.2.3)"))?;
        t.finish()?;
        let (aki_key_id, scope) =
            crl_extensions(der::single(exts.value, der::SEQUENCE, "crlExtensions")?)?;
        Ok(Self {
            tbs: tbs_tlv.raw,
            sig_alg,
            signature,
            issuer,
            this_update,
            next_update,
            revoked,
            aki_key_id,
            scope,
        })
    }

    /// Whether this CRL is the one `issuer` would publish about `subject`:
    /// the same issuer name, and the issuer's key identifier when it has one.
    pub fn is_for(&self, subject: &Certificate<'_>, issuer: &Certificate<'_>) -> bool {
        self.issuer == subject.issuer
            && issuer.subject == self.issuer
            && issuer.ext.ski.is_none_or(|ski| ski == self.aki_key_id)
            && match self.scope {
                Scope::All => true,
                Scope::EndEntities => !subject.is_ca(),
                Scope::Cas => subject.is_ca(),
            }
    }

    /// §6.3.3 (f), (g), (a): the issuer may sign CRLs, its key signed this
    /// one, and the CRL is current at `now`.
    pub fn check(
        &self,
        issuer: &Certificate<'_>,
        now: i64,
        min_rsa_bits: usize,
        verifier: &dyn crate::crypto::sign::SignatureVerifier,
    ) -> Result<(), CertificateError> {
        if issuer.ext.key_usage.is_some_and(|k| k & KU_CRL_SIGN == 0) {
            return Err(key_usage(
                "cRLSign",
                "is signed by a CA whose keyUsage lacks cRLSign (RFC 5280 §4.2.1.3, §6.3.3 (f))",
            ));
        }
        sig::verify_signed_data(
            verifier,
            issuer.spki,
            self.sig_alg,
            self.tbs,
            self.signature,
            min_rsa_bits,
        )
        .map_err(|e| {
            let detail =
                alloc::format!("has a signature that does not verify with its issuer's key: {e}");
            match e {
                sig::SigError::BadSignature | sig::SigError::KeyMismatch => bad_signature(detail),
                _ => unsupported(detail),
            }
        })?;
        if now < self.this_update {
            return Err(revocation_unknown(alloc::format!(
                "is not valid before its thisUpdate {}, {} after the validation time",
                time::format(self.this_update),
                time::span(self.this_update.saturating_sub(now)),
            )));
        }
        // §6.3.3 (a)(2): past nextUpdate the status is unknown until a
        // newer CRL is supplied; accepting would trust stale data.
        if now > self.next_update {
            return Err(revocation_unknown(alloc::format!(
                "is stale: its nextUpdate {} is {} before the validation time {}",
                time::format(self.next_update),
                time::span(now.saturating_sub(self.next_update)),
                time::format(now)
            )));
        }
        Ok(())
    }

    /// The entry for `serial`, if listed.
    pub fn find(&self, serial: &[u8]) -> Option<&Revoked<'a>> {
        self.revoked.iter().find(|r| r.serial == serial)
    }

    /// The issuer, as text.
    pub fn issuer_text(&self) -> String {
        name::display(self.issuer)
    }
}

fn parse_time(t: der::Tlv<'_>) -> Result<i64, CertificateError> {
    let parsed = match t.tag {
        der::UTC_TIME => time::parse_utc_time(t.value),
        der::GENERALIZED_TIME => time::parse_generalized_time(t.value),
        _ => None,
    };
    parsed.ok_or_else(|| bad("CRL time not in the RFC 5280 §5.1.2.4 form"))
}

/// Walks an Extensions SEQUENCE body: each (oid, critical, value), with
/// DER's default critical FALSE omitted and no OID twice (§4.2).
fn extensions<'a>(
    v: &'a [u8],
    mut each: impl FnMut(&'a [u8], bool, &'a [u8]) -> Result<(), CertificateError>,
) -> Result<(), CertificateError> {
    let mut d = Der::new(v, "CRL extensions")?;
    if d.is_empty() {
        return Err(bad("empty CRL extensions"));
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    while !d.is_empty() {
        let mut e = Der::new(d.expect(der::SEQUENCE)?.value, "CRL extension")?;
        let oid = e.expect(der::OID)?.value;
        let critical = match e.optional(der::BOOLEAN)? {
            Some(b) if der::boolean(b.value, "critical")? => true,
            Some(_) => return Err(bad("explicit critical FALSE")),
            None => false,
        };
        let value = e.expect(der::OCTET_STRING)?.value;
        e.finish()?;
        if seen.contains(&oid) {
            return Err(profile("has a duplicate extension (RFC 5280 §5.2)"));
        }
        seen.push(oid);
        each(oid, critical, value)?;
    }
    Ok(())
}

fn unknown_critical(oid: &[u8], what: &str) -> CertificateError {
    let oid = der::OidText(oid).to_string_lossy();
    CertificateError::UnhandledCriticalExtension {
        finding: Finding::new(alloc::format!(
            "has critical {what} extension {oid} that we do not process (RFC 5280 §5.2)"
        )),
        oid,
    }
}

fn crl_extensions(v: &[u8]) -> Result<(&[u8], Scope), CertificateError> {
    let mut number = false;
    let mut aki = None;
    let mut scope = Scope::All;
    extensions(v, |oid, critical, value| {
        match oid {
            OID_CRL_NUMBER => {
                // §5.2.3: non-critical, a non-negative INTEGER of at most
                // 20 octets.
                if critical {
                    return Err(profile("marks the CRL number critical (RFC 5280 §5.2.3)"));
                }
                let n = der::integer(der::single(value, der::INTEGER, "cRLNumber")?, "cRLNumber")?;
                if n.first().is_some_and(|b| *b >= 0x80)
                    || n.len() > 21
                    || (n.len() == 21 && n.first() != Some(&0))
                {
                    return Err(profile(
                        "has a CRL number that is negative or longer than 20 octets (RFC 5280 §5.2.3)",
                    ));
                }
                number = true;
            }
            cert::OID_AKI => {
                if critical {
                    return Err(profile(
                        "marks authorityKeyIdentifier critical (RFC 5280 §4.2.1.1)",
                    ));
                }
                aki = Some(authority_key_id(value)?);
            }
            OID_ISSUING_DP => scope = issuing_dp(value)?,
            OID_DELTA_CRL_INDICATOR => {
                return Err(unsupported(
                    "is a delta CRL, which we do not support (RFC 5280 §5.2.4)",
                ));
            }
            OID_FRESHEST_CRL | OID_AUTHORITY_INFO_ACCESS if !critical => {
                der::single(value, der::SEQUENCE, "CRL extension")?;
            }
            _ if critical => return Err(unknown_critical(oid, "CRL")),
            _ => {}
        }
        Ok(())
    })?;
    if !number {
        return Err(profile("has no CRL number (RFC 5280 §5.2.3)"));
    }
    // §5.2.1: conforming CRL issuers MUST include the AKI keyIdentifier;
    // it picks the key when a CA name has several.
    let key_id = aki
        .flatten()
        .ok_or_else(|| profile("has no authorityKeyIdentifier keyIdentifier (RFC 5280 §5.2.1)"))?;
    Ok((key_id, scope))
}

fn authority_key_id(v: &[u8]) -> Result<Option<&[u8]>, CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "authorityKeyIdentifier")?,
        "authorityKeyIdentifier",
    )?;
    let key_id = d.optional(ctx_prim(0))?.map(|t| t.value);
    let issuer = d.optional(ctx_cons(1))?;
    if let Some(i) = issuer {
        cert::GeneralNames::parse(i.value)?;
    }
    let serial = d.optional(ctx_prim(2))?;
    d.finish()?;
    if issuer.is_some() != serial.is_some() {
        return Err(bad(
            "authorityKeyIdentifier with only one of issuer and serial",
        ));
    }
    Ok(key_id)
}

/// issuingDistributionPoint (§5.2.5). The distribution point name only
/// says where the CRL was published; a serial it lists is revoked either
/// way, so it does not narrow the scope here.
fn issuing_dp(v: &[u8]) -> Result<Scope, CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "issuingDistributionPoint")?,
        "issuingDistributionPoint",
    )?;
    d.optional(ctx_cons(0))?; // distributionPoint
    fn flag(d: &mut Der<'_>, n: u8) -> Result<bool, CertificateError> {
        match d.optional(ctx_prim(n))? {
            Some(t) if der::boolean(t.value, "issuingDistributionPoint flag")? => Ok(true),
            // DER omits a FALSE that is the default.
            Some(_) => Err(bad("issuingDistributionPoint with an explicit FALSE")),
            None => Ok(false),
        }
    }
    let users = flag(&mut d, 1)?;
    let cas = flag(&mut d, 2)?;
    let reasons = d.optional(ctx_prim(3))?.is_some();
    let indirect = flag(&mut d, 4)?;
    let attributes = flag(&mut d, 5)?;
    d.finish()?;
    if reasons || indirect || attributes {
        return Err(unsupported(
            "is an indirect, reason-partitioned or attribute-certificate CRL, which we do not support (RFC 5280 §5.2.5)",
        ));
    }
    match (users, cas) {
        (true, true) => Err(profile(
            "sets both onlyContainsUserCerts and onlyContainsCACerts (RFC 5280 §5.2.5)",
        )),
        (true, false) => Ok(Scope::EndEntities),
        (false, true) => Ok(Scope::Cas),
        (false, false) => Ok(Scope::All),
    }
}

fn entry(v: &[u8]) -> Result<Revoked<'_>, CertificateError> {
    let mut e = Der::new(v, "revokedCertificate")?;
    let serial = der::integer(e.expect(der::INTEGER)?.value, "userCertificate")?;
    let date = parse_time(e.next()?)?;
    if let Some(exts) = e.optional(der::SEQUENCE)? {
        extensions(exts.value, |oid, critical, value| {
            match oid {
                OID_REASON_CODE if !critical => {
                    der::single(value, 0x0a, "reasonCode")?;
                }
                OID_INVALIDITY_DATE if !critical => {
                    der::single(value, der::GENERALIZED_TIME, "invalidityDate")?;
                }
                // §5.3.3: only in indirect CRLs, which we refuse.
                OID_CERTIFICATE_ISSUER => {
                    return Err(unsupported(
                        "has a certificateIssuer entry (an indirect CRL), which we do not support (RFC 5280 §5.3.3)",
                    ));
                }
                _ if critical => return Err(unknown_critical(oid, "CRL entry")),
                _ => {}
            }
            Ok(())
        })?;
    }
    e.finish()?;
    Ok(Revoked { serial, date })
}
