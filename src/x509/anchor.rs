//! Trust anchors given as a name and a key rather than a certificate
//! (RFC 5280 §6.1.1 (d): "the trusted issuer name, the trusted public key
//! algorithm, the trusted public key, and optionally the trusted public
//! key parameters"; RFC 5914 §2), as Mozilla's root set is distributed
//! (`webpki-roots`), and the optional root stores behind features.
//!
//! The validator works on certificates, so such an anchor becomes a
//! stand-in certificate: self-issued, v3, `basicConstraints` critical
//! `cA:TRUE`, the anchor's name constraints when it has any, validity
//! 1970-01-01 to 9999-12-31 (RFC 5280 §4.1.2.5: "no well-defined
//! expiration date"), and an empty signature that nothing checks (an
//! anchor's own signature never is). It carries no subjectKeyIdentifier,
//! so it matches children whatever their authorityKeyIdentifier says; the
//! path builder exempts such anchors from the CA-needs-SKI rule.

use alloc::vec::Vec;

use super::der::{BIT_STRING, BOOLEAN, INTEGER, OCTET_STRING, OID, SEQUENCE, ctx_cons};

/// ecdsa-with-SHA256, only as a placeholder algorithm of the stand-in's
/// (never checked) signature.
const PLACEHOLDER_ALG_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// id-ce-basicConstraints (2.5.29.19).
const BASIC_CONSTRAINTS_OID: &[u8] = &[0x55, 0x1d, 0x13];
/// id-ce-nameConstraints (2.5.29.30).
const NAME_CONSTRAINTS_OID: &[u8] = &[0x55, 0x1d, 0x1e];

/// DER tag-length-value with a definite minimal length.
fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = alloc::vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

fn extension(oid: &[u8], value: &[u8]) -> Vec<u8> {
    // Both extensions are critical (RFC 5280 §4.2.1.9, §4.2.1.10).
    tlv(
        SEQUENCE,
        &[
            &tlv(OID, &[oid]),
            &tlv(BOOLEAN, &[&[0xff]]),
            &tlv(OCTET_STRING, &[value]),
        ],
    )
}

/// The stand-in certificate of a name-and-key anchor. `subject`, `spki`
/// and `name_constraints` are whole DER TLVs (a `Name`, a
/// `SubjectPublicKeyInfo`, a `NameConstraints`).
pub fn synthesize(subject: &[u8], spki: &[u8], name_constraints: Option<&[u8]>) -> Vec<u8> {
    let alg = tlv(SEQUENCE, &[&tlv(OID, &[PLACEHOLDER_ALG_OID])]);
    let validity = tlv(
        SEQUENCE,
        &[
            &tlv(super::der::UTC_TIME, &[b"700101000000Z"]),
            &tlv(super::der::GENERALIZED_TIME, &[b"99991231235959Z"]),
        ],
    );
    let mut exts = alloc::vec![extension(
        BASIC_CONSTRAINTS_OID,
        &tlv(SEQUENCE, &[&tlv(BOOLEAN, &[&[0xff]])]),
    )];
    if let Some(nc) = name_constraints {
        exts.push(extension(NAME_CONSTRAINTS_OID, nc));
    }
    let ext_refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    let tbs = tlv(
        SEQUENCE,
        &[
            &tlv(ctx_cons(0), &[&tlv(INTEGER, &[&[2]])]),
            &tlv(INTEGER, &[&[1]]),
            &alg,
            subject,
            &validity,
            subject,
            spki,
            &tlv(ctx_cons(3), &[&tlv(SEQUENCE, &ext_refs)]),
        ],
    );
    tlv(SEQUENCE, &[&tbs, &alg, &tlv(BIT_STRING, &[&[0]])])
}

/// Wraps the contents of a DER SEQUENCE (as rustls-pki-types stores a
/// trust anchor's subject, SPKI and name constraints) back into one.
#[cfg(feature = "webpki-roots")]
pub fn sequence(contents: &[u8]) -> Vec<u8> {
    tlv(SEQUENCE, &[contents])
}
