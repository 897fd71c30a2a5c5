//! OCSP responses (RFC 6960) as a TLS server staples them (RFC 9846
//! §4.5.1.1, RFC 6066 §8): a strict DER parser for `OCSPResponse` with a
//! `BasicOCSPResponse` inside, and the checks that let it vouch for the
//! end-entity certificate of a validated path:
//!
//! * the response is `successful` and of the basic type (§4.2.1);
//! * one of its SingleResponses names the certificate (CertID: hash
//!   algorithm SHA-1/256/384/512, issuerNameHash, issuerKeyHash, serial;
//!   §4.1.1), at most [`MAX_SINGLE_RESPONSES`] examined;
//! * it is signed by the issuer itself, or by a delegated responder
//!   certificate included in the response that the issuer signed directly
//!   and that carries id-kp-OCSPSigning (§4.2.2.2), valid now; the
//!   responder is found by name or by key hash (§4.2.1);
//! * it is current: producedAt and thisUpdate at most [`CLOCK_SKEW`]
//!   ahead of our clock, and nextUpdate not passed (§4.2.2.1), nor
//!   [`MAX_AGE`] since thisUpdate, whatever nextUpdate says (an old
//!   `good` is what a server whose key was since revoked would replay).
//!   A response without nextUpdate is refused: nothing would bound how
//!   long a replayed one stays acceptable (the CRL code refuses a CRL
//!   without nextUpdate for the same reason);
//! * it is not signed with the certificate's own key (as its own
//!   delegated responder, or as an anchor that is its own issuer): that
//!   key's compromise is what revocation reports;
//! * its status is `good`; `revoked` fails with
//!   [`CertificateError::Revoked`] (time and reason), `unknown` with
//!   [`CertificateError::BadOcspResponse`]. Every SingleResponse naming
//!   the certificate is checked, and any `revoked` among them wins.
//!
//! A critical extension we do not process, in the response or in the
//! SingleResponse, refuses the response (RFC 5280 §4.2 applied to §4.4).
//! Every loop is over a capped count of items; nothing is allocated per
//! byte of input beyond the lists of slices.

use alloc::string::String;
use alloc::vec::Vec;

use super::cert::{self, Certificate};
use super::der::{self, Der, bad, ctx_cons};
use super::error::{CertificateError, Finding, Position};
use super::{Policy, name, sig, time};
use crate::crypto::id_hash::IdHash;

/// How far ahead of our clock a response's thisUpdate may be: responders
/// sign with thisUpdate = now, and a client's clock a little behind would
/// otherwise refuse a fresh response. Five minutes, as for Kerberos.
pub const CLOCK_SKEW: i64 = 300;

/// The longest a response is accepted after its thisUpdate, whatever
/// its nextUpdate: ten days, the most the CA/Browser Forum Baseline
/// Requirements (§4.9.10) allow a responder to give and the cap Mozilla
/// applies. A responder refreshes well within it, and a server fetches
/// the fresh response.
pub const MAX_AGE: i64 = 10 * 86_400;

/// The most SingleResponses examined in one response (a stapled response
/// normally has one; a responder batching a whole chain, a few).
pub const MAX_SINGLE_RESPONSES: usize = 16;

/// The most certificates a response may carry (a delegated responder and
/// perhaps its chain).
pub const MAX_RESPONSE_CERTS: usize = 8;

/// The most extensions in one extension list.
const MAX_EXTENSIONS: usize = 16;

const ENUMERATED: u8 = 0x0a;

/// id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1.
const OID_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];

/// How the response names its signer (§4.2.1 ResponderID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Responder<'a> {
    /// byName: the contents of the Name SEQUENCE.
    ByName(&'a [u8]),
    /// byKey: SHA-1 of the responder's subjectPublicKey bits.
    ByKey(&'a [u8]),
}

/// A certificate's status as an OCSP SingleResponse gives it (RFC 6960
/// §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OcspCertStatus {
    /// Not revoked, as far as the responder knows.
    Good,
    /// Revoked.
    Revoked {
        /// revocationTime (seconds since the UNIX epoch).
        revoked_at: i64,
        /// revocationReason, a CRLReason code (RFC 5280 §5.3.1), if given.
        reason: Option<u8>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// One SingleResponse of [`OcspResponseInfo`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OcspSingleInfo {
    /// The serial number of the certificate it is about (the INTEGER's
    /// DER contents, big-endian).
    pub serial: Vec<u8>,
    /// Its status.
    pub status: OcspCertStatus,
    /// thisUpdate (seconds since the UNIX epoch).
    pub this_update: i64,
    /// nextUpdate, if the responder set one.
    pub next_update: Option<i64>,
}

/// A DER OCSP response read but **not verified** (no signature, issuer or
/// time is checked): for showing what a server stapled
/// (`Negotiated::peer_ocsp_response`) or checking a response file before
/// serving it. [`WebPkiServerVerifier`](crate::verify_webpki::WebPkiServerVerifier)
/// does the verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OcspResponseInfo {
    /// producedAt (seconds since the UNIX epoch).
    pub produced_at: i64,
    /// The SingleResponses, in order.
    pub responses: Vec<OcspSingleInfo>,
}

impl OcspResponseInfo {
    /// Parses a DER `OCSPResponse` strictly (RFC 6960 §4.2.1): a
    /// `successful` basic response; any other status is an error naming
    /// it.
    pub fn parse(der: &[u8]) -> Result<Self, CertificateError> {
        let r = Response::parse(der)?;
        Ok(Self {
            produced_at: r.produced_at,
            responses: r
                .singles
                .iter()
                .map(|s| OcspSingleInfo {
                    serial: s.serial.to_vec(),
                    status: s.status,
                    this_update: s.this_update,
                    next_update: s.next_update,
                })
                .collect(),
        })
    }
}

/// One SingleResponse (§4.2.1).
#[derive(Clone, Debug)]
pub struct Single<'a> {
    /// The CertID's hash algorithm; `None` for one we do not support
    /// (such an entry never matches).
    pub hash: Option<IdHash>,
    pub name_hash: &'a [u8],
    pub key_hash: &'a [u8],
    /// The serial number's INTEGER contents.
    pub serial: &'a [u8],
    pub status: OcspCertStatus,
    pub this_update: i64,
    pub next_update: Option<i64>,
}

/// A parsed `successful` basic OCSP response, borrowing from its DER.
#[derive(Clone, Debug)]
pub struct Response<'a> {
    /// The whole tbsResponseData TLV: the signed bytes.
    pub tbs: &'a [u8],
    pub sig_alg: &'a [u8],
    pub signature: &'a [u8],
    pub responder: Responder<'a>,
    pub produced_at: i64,
    pub singles: Vec<Single<'a>>,
    /// The `certs` field's certificates (whole TLVs), unparsed.
    pub certs: Vec<&'a [u8]>,
}

/// An error about the stapled response (blamed on the end entity by the caller).
fn bad_ocsp(detail: impl Into<String>) -> CertificateError {
    CertificateError::BadOcspResponse {
        finding: Finding::new(alloc::format!(
            "has a stapled OCSP response that {}",
            detail.into()
        )),
    }
}

/// A syntax error of the response, as a [`CertificateError::BadOcspResponse`].
fn syntax(e: CertificateError) -> CertificateError {
    match e {
        CertificateError::BadOcspResponse { .. } => e,
        other => bad_ocsp(alloc::format!("{other} (RFC 6960 §4.2.1)")),
    }
}

/// The responseStatus names (§4.2.1).
fn status_name(n: u8) -> &'static str {
    match n {
        0 => "successful",
        1 => "malformedRequest",
        2 => "internalError",
        3 => "tryLater",
        5 => "sigRequired",
        6 => "unauthorized",
        _ => "an undefined status",
    }
}

/// CRLReason names (RFC 5280 §5.3.1).
pub fn reason_name(r: u8) -> &'static str {
    match r {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "an undefined reason",
    }
}

impl<'a> Response<'a> {
    /// Parses a DER `OCSPResponse` (§4.2.1). Anything but a `successful`
    /// basic response is an error naming what was found.
    pub fn parse(der: &'a [u8]) -> Result<Self, CertificateError> {
        Self::parse_inner(der).map_err(syntax)
    }

    fn parse_inner(der: &'a [u8]) -> Result<Self, CertificateError> {
        let body = der::single(der, der::SEQUENCE, "OCSPResponse")?;
        let mut d = Der::new(body, "OCSPResponse")?;
        let status = d.expect(ENUMERATED)?.value;
        let bytes = d.optional(ctx_cons(0))?;
        d.finish()?;
        match status {
            [0] => {}
            // ENUMERATED is an INTEGER encoding: one octet for 0..=127.
            [n] if *n < 0x80 => {
                return Err(bad_ocsp(alloc::format!(
                    "is not a response: the responder answered {} ({n}) (RFC 6960 §2.3)",
                    status_name(*n)
                )));
            }
            _ => return Err(bad("OCSP responseStatus")),
        }
        let rb = bytes.ok_or_else(|| bad("successful OCSPResponse without responseBytes"))?;
        let mut r = Der::new(
            der::single(rb.value, der::SEQUENCE, "ResponseBytes")?,
            "ResponseBytes",
        )?;
        let typ = r.expect(der::OID)?.value;
        let inner = r.expect(der::OCTET_STRING)?.value;
        r.finish()?;
        if typ != OID_BASIC {
            return Err(bad_ocsp(alloc::format!(
                "has the response type {}, where only id-pkix-ocsp-basic is defined (RFC 6960 §4.2.1)",
                der::OidText(typ).to_string_lossy()
            )));
        }
        Self::basic(inner)
    }

    /// `BasicOCSPResponse` (§4.2.1).
    fn basic(v: &'a [u8]) -> Result<Self, CertificateError> {
        let body = der::single(v, der::SEQUENCE, "BasicOCSPResponse")?;
        let mut b = Der::new(body, "BasicOCSPResponse")?;
        let tbs = b.expect(der::SEQUENCE)?;
        let sig_alg = b.expect(der::SEQUENCE)?.raw;
        let sig = b.expect(der::BIT_STRING)?.value;
        let certs_field = b.optional(ctx_cons(0))?;
        b.finish()?;
        let signature = der::bit_string_octets(sig, "OCSP signature")?;
        let mut certs = Vec::new();
        if let Some(c) = certs_field {
            let mut l = Der::new(der::single(c.value, der::SEQUENCE, "certs")?, "certs")?;
            while !l.is_empty() {
                if certs.len() >= MAX_RESPONSE_CERTS {
                    return Err(bad_ocsp(alloc::format!(
                        "carries more than {MAX_RESPONSE_CERTS} certificates"
                    )));
                }
                certs.push(l.expect(der::SEQUENCE)?.raw);
            }
        }

        let mut t = Der::new(tbs.value, "ResponseData")?;
        if let Some(v) = t.optional(ctx_cons(0))? {
            let n = der::small_uint(der::single(v.value, der::INTEGER, "version")?, "version")?;
            // DER: the DEFAULT v1 is omitted, and v1 is the only version.
            return Err(if n == 0 {
                bad("OCSP ResponseData with an explicit default version")
            } else {
                bad_ocsp(alloc::format!(
                    "has version {}, where only v1 is defined (RFC 6960 §4.2.1)",
                    n.saturating_add(1)
                ))
            });
        }
        let rid = t.next()?;
        let responder = match rid.tag {
            0xa1 => Responder::ByName(der::single(rid.value, der::SEQUENCE, "responderID")?),
            0xa2 => {
                let k = der::single(rid.value, der::OCTET_STRING, "responderID")?;
                // §4.2.1: KeyHash is a SHA-1 hash.
                if k.len() != 20 {
                    return Err(bad("OCSP responderID byKey that is not a SHA-1 hash"));
                }
                Responder::ByKey(k)
            }
            _ => return Err(bad("OCSP responderID")),
        };
        let produced_at = generalized_time(t.expect(der::GENERALIZED_TIME)?.value)?;
        let mut list = Der::new(t.expect(der::SEQUENCE)?.value, "responses")?;
        let mut singles = Vec::new();
        while !list.is_empty() {
            if singles.len() >= MAX_SINGLE_RESPONSES {
                return Err(bad_ocsp(alloc::format!(
                    "holds more than {MAX_SINGLE_RESPONSES} SingleResponses"
                )));
            }
            singles.push(single(list.expect(der::SEQUENCE)?.value)?);
        }
        if let Some(e) = t.optional(ctx_cons(1))? {
            extensions(e.value, "response")?;
        }
        t.finish()?;
        Ok(Self {
            tbs: tbs.raw,
            sig_alg,
            signature,
            responder,
            produced_at,
            singles,
            certs,
        })
    }
}

fn generalized_time(v: &[u8]) -> Result<i64, CertificateError> {
    time::parse_generalized_time(v)
        .ok_or_else(|| bad("OCSP time not a DER GeneralizedTime (RFC 5280 §4.1.2.5.2)"))
}

fn single(v: &[u8]) -> Result<Single<'_>, CertificateError> {
    let mut s = Der::new(v, "SingleResponse")?;
    let mut id = Der::new(s.expect(der::SEQUENCE)?.value, "CertID")?;
    let hash = id_hash(id.expect(der::SEQUENCE)?.value)?;
    let name_hash = id.expect(der::OCTET_STRING)?.value;
    let key_hash = id.expect(der::OCTET_STRING)?.value;
    let serial = der::integer(id.expect(der::INTEGER)?.value, "CertID serialNumber")?;
    id.finish()?;
    let st = s.next()?;
    let status = match st.tag {
        // good [0] IMPLICIT NULL, unknown [2] IMPLICIT UnknownInfo (NULL).
        0x80 if st.value.is_empty() => OcspCertStatus::Good,
        0x82 if st.value.is_empty() => OcspCertStatus::Unknown,
        0xa1 => {
            let mut r = Der::new(st.value, "RevokedInfo")?;
            let at = generalized_time(r.expect(der::GENERALIZED_TIME)?.value)?;
            let reason = match r.optional(ctx_cons(0))? {
                Some(x) => match der::single(x.value, ENUMERATED, "revocationReason")? {
                    [n] if *n < 0x80 => Some(*n),
                    _ => return Err(bad("OCSP revocationReason")),
                },
                None => None,
            };
            r.finish()?;
            OcspCertStatus::Revoked {
                revoked_at: at,
                reason,
            }
        }
        _ => return Err(bad("OCSP certStatus")),
    };
    let this_update = generalized_time(s.expect(der::GENERALIZED_TIME)?.value)?;
    let next_update = match s.optional(ctx_cons(0))? {
        Some(n) => Some(generalized_time(der::single(
            n.value,
            der::GENERALIZED_TIME,
            "nextUpdate",
        )?)?),
        None => None,
    };
    if let Some(e) = s.optional(ctx_cons(1))? {
        extensions(e.value, "SingleResponse")?;
    }
    s.finish()?;
    Ok(Single {
        hash,
        name_hash,
        key_hash,
        serial,
        status,
        this_update,
        next_update,
    })
}

/// The CertID hashAlgorithm (an AlgorithmIdentifier's contents): `None`
/// for a hash we do not compute, whose entry then matches nothing.
fn id_hash(v: &[u8]) -> Result<Option<IdHash>, CertificateError> {
    let mut a = Der::new(v, "CertID hashAlgorithm")?;
    let oid = a.expect(der::OID)?.value;
    // RFC 5754 §2 / RFC 3279 §2.1: NULL parameters, or none.
    if let Some(p) = a.optional(der::NULL)?
        && !p.value.is_empty()
    {
        return Err(bad("CertID hashAlgorithm parameters"));
    }
    a.finish()?;
    Ok(match oid {
        OID_SHA1 => Some(IdHash::Sha1),
        OID_SHA256 => Some(IdHash::Sha256),
        OID_SHA384 => Some(IdHash::Sha384),
        OID_SHA512 => Some(IdHash::Sha512),
        _ => None,
    })
}

/// An `[1] EXPLICIT Extensions` field's contents: each extension well
/// formed, no OID twice, none critical (we process none of §4.4's).
fn extensions(v: &[u8], what: &str) -> Result<(), CertificateError> {
    let mut d = Der::new(
        der::single(v, der::SEQUENCE, "OCSP extensions")?,
        "OCSP extensions",
    )?;
    let mut seen: Vec<&[u8]> = Vec::new();
    while !d.is_empty() {
        if seen.len() >= MAX_EXTENSIONS {
            return Err(bad_ocsp(alloc::format!(
                "has more than {MAX_EXTENSIONS} {what} extensions"
            )));
        }
        let mut e = Der::new(d.expect(der::SEQUENCE)?.value, "OCSP extension")?;
        let oid = e.expect(der::OID)?.value;
        let critical = match e.optional(der::BOOLEAN)? {
            Some(b) if der::boolean(b.value, "critical")? => true,
            Some(_) => return Err(bad("OCSP extension with an explicit critical FALSE")),
            None => false,
        };
        e.expect(der::OCTET_STRING)?;
        e.finish()?;
        if seen.contains(&oid) {
            return Err(bad("OCSP extensions with a duplicate"));
        }
        seen.push(oid);
        if critical {
            return Err(bad_ocsp(alloc::format!(
                "has a critical {what} extension {} that we do not process (RFC 6960 §4.4)",
                der::OidText(oid).to_string_lossy()
            )));
        }
    }
    Ok(())
}

/// The subjectPublicKey bits of a SubjectPublicKeyInfo TLV (what CertID's
/// issuerKeyHash and ResponderID's byKey hash, §4.1.1, §4.2.1).
fn key_bits(spki: &[u8]) -> Result<&[u8], CertificateError> {
    let mut d = Der::new(
        der::single(spki, der::SEQUENCE, "SubjectPublicKeyInfo")?,
        "SubjectPublicKeyInfo",
    )?;
    d.expect(der::SEQUENCE)?;
    let bits = d.expect(der::BIT_STRING)?.value;
    d.finish()?;
    der::bit_string_octets(bits, "subjectPublicKey")
}

/// The DER of a Name whose SEQUENCE contents are `contents` (what
/// issuerNameHash hashes: the whole encoding, §4.1.1).
fn name_der(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len.saturating_add(6));
    out.push(der::SEQUENCE);
    if len < 0x80 {
        // Fits the short form: len < 128.
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = (len as u64).to_be_bytes();
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
        let significant = bytes.get(first..).unwrap_or_default();
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

/// The issuer's identifiers, hashed once per algorithm asked for.
struct IssuerIds<'c> {
    name: Vec<u8>,
    key: &'c [u8],
    cache: [Option<(Vec<u8>, Vec<u8>)>; 4],
}

impl<'c> IssuerIds<'c> {
    fn hashes(&mut self, h: IdHash) -> (&[u8], &[u8]) {
        let slot = match h {
            IdHash::Sha1 => 0,
            IdHash::Sha256 => 1,
            IdHash::Sha384 => 2,
            IdHash::Sha512 => 3,
        };
        match self.cache.get_mut(slot) {
            Some(entry) => {
                let (n, k) =
                    entry.get_or_insert_with(|| (h.digest(&self.name), h.digest(self.key)));
                (n.as_slice(), k.as_slice())
            }
            None => (&[], &[]),
        }
    }
}

fn serial_text(serial: &[u8]) -> String {
    let mut s = String::with_capacity(serial.len().saturating_mul(2));
    for b in serial.iter().take(32) {
        s.push_str(&alloc::format!("{b:02x}"));
    }
    s
}

/// Checks that `response` vouches for `leaf`, issued by `issuer` (the next
/// certificate of the validated path), at `now`. Errors are blamed on the
/// end entity.
pub fn check(
    der: &[u8],
    leaf: &Certificate<'_>,
    issuer: &Certificate<'_>,
    now: i64,
    policy: &Policy,
) -> Result<(), CertificateError> {
    check_inner(der, leaf, issuer, now, policy)
        .map_err(|e| e.at(Position::Peer(0), || name::display(leaf.subject)))
}

fn check_inner(
    der: &[u8],
    leaf: &Certificate<'_>,
    issuer: &Certificate<'_>,
    now: i64,
    policy: &Policy,
) -> Result<(), CertificateError> {
    let r = Response::parse(der)?;
    let issuer_name = name::display(issuer.subject);
    let mut ids = IssuerIds {
        name: name_der(issuer.subject),
        key: key_bits(issuer.spki).map_err(syntax)?,
        cache: Default::default(),
    };
    // §4.1.1 / §3.2 (1): the response names this certificate. Every
    // entry that does is checked: a "good" must not outvote a "revoked"
    // (or a stale or `unknown` entry) about the same certificate.
    let mut found: Vec<&Single<'_>> = Vec::new();
    for s in &r.singles {
        let Some(h) = s.hash else { continue };
        if s.serial != leaf.serial {
            continue;
        }
        let (n, k) = ids.hashes(h);
        if s.name_hash == n && s.key_hash == k {
            found.push(s);
        }
    }
    if found.is_empty() {
        let same_serial = r.singles.iter().any(|s| s.serial == leaf.serial);
        return Err(bad_ocsp(alloc::format!(
            "is about another certificate: none of its {} responses names serial {} issued by {issuer_name} (RFC 6960 §4.1.1 CertID){}",
            r.singles.len(),
            serial_text(leaf.serial),
            if same_serial {
                "; one has this serial but another issuer's name or key hash, or a hash algorithm other than SHA-1/256/384/512"
            } else {
                ""
            }
        )));
    }

    // §4.2.2.2 / §3.2 (2), (3): signed by the issuer or its delegate.
    let signer_spki = signer(&r, issuer, &mut ids, now, policy)?;
    // Not by the key it is about: a delegated responder that is the
    // certificate itself (or shares its key), or an anchored end entity
    // taken as its own issuer, would let that key vouch for itself.
    if matches!((key_bits(signer_spki), key_bits(leaf.spki)), (Ok(a), Ok(b)) if a == b) {
        return Err(bad_ocsp(
            "is signed with the certificate's own key, which cannot vouch for itself: revocation exists to report that key's compromise (RFC 6960 §4.2.2.2)",
        ));
    }
    sig::verify_signed_data(
        policy.provider.signatures,
        signer_spki,
        r.sig_alg,
        r.tbs,
        r.signature,
        policy.min_rsa_bits,
    )
    .map_err(|e| match e {
        sig::SigError::BadSignature | sig::SigError::KeyMismatch => {
            bad_ocsp(alloc::format!("has a signature that does not verify: {e}"))
        }
        _ => bad_ocsp(alloc::format!(
            "has a signature that cannot be checked: {e}"
        )),
    })?;

    // §2.2: a revocation the signer states is final, whatever else the
    // response says about the certificate.
    for s in &found {
        if let OcspCertStatus::Revoked {
            revoked_at: at,
            reason,
        } = s.status
        {
            return Err(CertificateError::Revoked {
                revoked_at: at,
                finding: Finding::new(alloc::format!(
                    "was revoked at {}{} according to the OCSP response the server stapled (signed {})",
                    time::format(at),
                    reason
                        .map(|r| alloc::format!(" (reason: {})", reason_name(r)))
                        .unwrap_or_default(),
                    if signer_spki == issuer.spki {
                        alloc::format!("by its issuer {issuer_name}")
                    } else {
                        alloc::format!("by a responder of {issuer_name}")
                    }
                )),
            });
        }
    }

    // producedAt is when the responder signed (§4.2.1): not later than now.
    if r.produced_at > now.saturating_add(CLOCK_SKEW) {
        return Err(bad_ocsp(alloc::format!(
            "is not yet valid: its producedAt {} is {} after the validation time {} (more than the {} minutes of clock skew allowed)",
            time::format(r.produced_at),
            time::span(r.produced_at.saturating_sub(now)),
            time::format(now),
            CLOCK_SKEW / 60
        )));
    }
    for s in found {
        current(s, now)?;
        if s.status == OcspCertStatus::Unknown {
            return Err(bad_ocsp(alloc::format!(
                "says its status is unknown: the responder of {issuer_name} does not know this certificate (RFC 6960 §2.2)"
            )));
        }
    }
    Ok(())
}

/// §4.2.2.1 / §3.2 (4), (5): the entry is current at `now`.
fn current(s: &Single<'_>, now: i64) -> Result<(), CertificateError> {
    if s.this_update > now.saturating_add(CLOCK_SKEW) {
        return Err(bad_ocsp(alloc::format!(
            "is not yet valid: its thisUpdate {} is {} after the validation time {} (more than the {} minutes of clock skew allowed)",
            time::format(s.this_update),
            time::span(s.this_update.saturating_sub(now)),
            time::format(now),
            CLOCK_SKEW / 60
        )));
    }
    let Some(next) = s.next_update else {
        return Err(bad_ocsp(
            "has no nextUpdate, so nothing bounds how long it may be replayed; have the responder set one (e.g. `openssl ocsp -ndays`) (RFC 6960 §4.2.2.1)",
        ));
    };
    if now > next {
        return Err(bad_ocsp(alloc::format!(
            "is stale: its nextUpdate {} is {} before the validation time {}; the server must fetch a fresh one",
            time::format(next),
            time::span(now.saturating_sub(next)),
            time::format(now)
        )));
    }
    let oldest = now.saturating_sub(MAX_AGE);
    if s.this_update < oldest {
        return Err(bad_ocsp(alloc::format!(
            "is stale: its thisUpdate {} is {} before the validation time {}, more than the {} days a response is accepted whatever its nextUpdate ({}) says; the server must fetch a fresh one",
            time::format(s.this_update),
            time::span(now.saturating_sub(s.this_update)),
            time::format(now),
            MAX_AGE / 86_400,
            time::format(next)
        )));
    }
    Ok(())
}

/// For a server about to staple `der` to `chain` (end entity first): an
/// error unless one of its SingleResponses names the end entity: its
/// serial and issuer name hash, and the issuer key hash when the chain
/// holds a certificate of the issuer's name. Neither the signature nor
/// the times are checked (the client does that, at its own time).
pub(crate) fn check_about(der: &[u8], chain: &[Vec<u8>]) -> Result<(), String> {
    let r = Response::parse(der).map_err(|e| alloc::format!("{e}"))?;
    let leaf = chain
        .first()
        .and_then(|c| Certificate::parse(c).ok())
        .ok_or_else(|| {
            String::from("the end entity is not an X.509 certificate to staple it to")
        })?;
    let issuers: Vec<Certificate<'_>> = chain
        .iter()
        .skip(1)
        .filter_map(|c| Certificate::parse(c).ok())
        .filter(|c| c.subject == leaf.issuer)
        .collect();
    let name = name_der(leaf.issuer);
    let names_leaf = |s: &Single<'_>| {
        let Some(h) = s.hash else { return false };
        s.serial == leaf.serial
            && s.name_hash == h.digest(&name).as_slice()
            && (issuers.is_empty()
                || issuers
                    .iter()
                    .any(|i| key_bits(i.spki).is_ok_and(|k| s.key_hash == h.digest(k).as_slice())))
    };
    if r.singles.iter().any(names_leaf) {
        Ok(())
    } else {
        Err(alloc::format!(
            "it is about another certificate: none of its {} responses names serial {} issued by {} (RFC 6960 §4.1.1 CertID)",
            r.singles.len(),
            serial_text(leaf.serial),
            name::display(leaf.issuer)
        ))
    }
}

/// Whether a responder ID names the certificate with this subject and key.
fn names(responder: Responder<'_>, subject: &[u8], key_sha1: impl FnOnce() -> Vec<u8>) -> bool {
    match responder {
        Responder::ByName(n) => n == subject,
        Responder::ByKey(k) => k == key_sha1().as_slice(),
    }
}

/// The key that must have signed the response: the issuer's when the
/// responder ID names it, else a delegated responder's from `certs`.
fn signer<'r>(
    r: &Response<'r>,
    issuer: &Certificate<'r>,
    ids: &mut IssuerIds<'_>,
    now: i64,
    policy: &Policy,
) -> Result<&'r [u8], CertificateError> {
    if names(r.responder, issuer.subject, || {
        ids.hashes(IdHash::Sha1).1.to_vec()
    }) {
        return Ok(issuer.spki);
    }
    let mut first_error = None;
    for der in &r.certs {
        let Ok(c) = Certificate::parse(der) else {
            continue;
        };
        let named = names(r.responder, c.subject, || {
            key_bits(c.spki)
                .map(|k| IdHash::Sha1.digest(k))
                .unwrap_or_default()
        });
        if !named {
            continue;
        }
        match delegated(&c, issuer, now, policy) {
            Ok(()) => return Ok(c.spki),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        bad_ocsp(alloc::format!(
            "is signed by {}, which is neither the issuer ({}) nor a responder certificate included in the response (RFC 6960 §4.2.2.2)",
            match r.responder {
                Responder::ByName(n) => alloc::format!("responder {}", name::display(n)),
                Responder::ByKey(k) => alloc::format!("the responder with key hash {}", serial_text(k)),
            },
            name::display(issuer.subject)
        ))
    }))
}

/// §4.2.2.2: a delegated responder's certificate is issued directly by
/// the CA that issued the certificate in question, and carries
/// id-kp-OCSPSigning; it must also be valid now and allowed to sign.
fn delegated(
    c: &Certificate<'_>,
    issuer: &Certificate<'_>,
    now: i64,
    policy: &Policy,
) -> Result<(), CertificateError> {
    let who = name::display(c.subject);
    let issuer_name = name::display(issuer.subject);
    if c.issuer != issuer.subject {
        return Err(bad_ocsp(alloc::format!(
            "is signed by responder {who}, which was issued by {}, not by the certificate's issuer {issuer_name} (RFC 6960 §4.2.2.2)",
            name::display(c.issuer)
        )));
    }
    sig::verify_signed_data(
        policy.provider.signatures,
        issuer.spki,
        c.sig_alg,
        c.tbs,
        c.signature,
        policy.min_rsa_bits,
    )
    .map_err(|e| {
        bad_ocsp(alloc::format!(
            "is signed by responder {who}, whose certificate's signature does not verify with {issuer_name}'s key: {e} (RFC 6960 §4.2.2.2)"
        ))
    })?;
    let purposes = c.ext.eku.as_ref().map(|(p, _)| p);
    if !purposes.is_some_and(|p| p.contains(cert::OID_OCSP_SIGNING)) {
        return Err(bad_ocsp(alloc::format!(
            "is signed by responder {who}, whose certificate lacks id-kp-OCSPSigning in its extendedKeyUsage ({}), so {issuer_name} did not authorise it to sign OCSP responses (RFC 6960 §4.2.2.2)",
            purposes.map_or_else(|| String::from("absent"), |p| p.names().join(", "))
        )));
    }
    if c.ext
        .key_usage
        .is_some_and(|k| k & cert::KU_DIGITAL_SIGNATURE == 0)
    {
        return Err(bad_ocsp(alloc::format!(
            "is signed by responder {who}, whose keyUsage lacks digitalSignature (RFC 5280 §4.2.1.3)"
        )));
    }
    if let Some(oid) = c.ext.unknown_critical {
        return Err(bad_ocsp(alloc::format!(
            "is signed by responder {who}, whose certificate has critical extension {} that we do not process (RFC 5280 §4.2)",
            der::OidText(oid).to_string_lossy()
        )));
    }
    if now < c.not_before || now > c.not_after {
        return Err(bad_ocsp(alloc::format!(
            "is signed by responder {who}, whose certificate is valid only from {} to {}, not at the validation time {}",
            time::format(c.not_before),
            time::format(c.not_after),
            time::format(now)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &[u8] = include_bytes!("../../vectors/ocsp/good.der");
    const LEAF: &str = include_str!("../../vectors/ocsp/leaf.pem");
    const CA: &str = include_str!("../../vectors/ocsp/ca.pem");

    fn der(pem: &str) -> alloc::vec::Vec<u8> {
        crate::crypto::pem::certificates(pem).unwrap().remove(0)
    }

    /// thisUpdate may be up to CLOCK_SKEW ahead of our clock, no more
    /// (the chain's own dates are the validator's business, so the
    /// response is checked here directly).
    #[test]
    fn this_update_in_the_future_is_allowed_only_within_the_skew() {
        let (leaf, ca) = (der(LEAF), der(CA));
        let (leaf, ca) = (
            Certificate::parse(&leaf).unwrap(),
            Certificate::parse(&ca).unwrap(),
        );
        let this_update = Response::parse(GOOD).unwrap().singles[0].this_update;
        let policy = Policy::default();
        check(GOOD, &leaf, &ca, this_update - CLOCK_SKEW, &policy).unwrap();
        let e = check(GOOD, &leaf, &ca, this_update - CLOCK_SKEW - 1, &policy).unwrap_err();
        assert!(matches!(e, CertificateError::BadOcspResponse { .. }), "{e}");
        assert!(alloc::format!("{e}").contains("is not yet valid"), "{e}");
    }

    /// Every single-byte change of a good response either still parses
    /// or is refused with an error; none panics.
    #[test]
    fn byte_flips_never_panic() {
        let mut r = GOOD.to_vec();
        for i in 0..r.len() {
            for bit in [0x01, 0x80] {
                r[i] ^= bit;
                let _ = Response::parse(&r);
                r[i] ^= bit;
            }
        }
    }

    #[test]
    fn name_der_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let contents = alloc::vec![7u8; len];
            let der = name_der(&contents);
            assert_eq!(
                der::single(&der, der::SEQUENCE, "Name").unwrap(),
                &contents[..]
            );
        }
    }
}
