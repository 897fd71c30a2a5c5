//! Hand-built certificates for the hostile cases `certgen` cannot make
//! (arbitrary names, name constraints, extension lists): a minimal DER
//! writer and a signer over P-256 keys.

use alloc::vec::Vec;

use super::super::der;
use crate::crypto::sign::SigningKey;

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = alloc::vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else if n < 0x1_0000 {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    } else {
        out.extend([0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

pub const CN: &[u8] = &[0x55, 0x04, 0x03];
pub const O: &[u8] = &[0x55, 0x04, 0x0a];

/// One AttributeTypeAndValue.
pub fn atv(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
    tlv(
        der::SEQUENCE,
        &[tlv(der::OID, oid), tlv(tag, value)].concat(),
    )
}

/// A Name (whole TLV) of single-valued RDNs, UTF8String values.
pub fn name(rdns: &[(&[u8], &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (oid, v) in rdns {
        body.extend(tlv(der::SET, &atv(oid, der::UTF8_STRING, v.as_bytes())));
    }
    tlv(der::SEQUENCE, &body)
}

/// A Name (whole TLV) from RDN contents (each a concatenation of ATVs).
pub fn name_of_rdns(rdns: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for r in rdns {
        body.extend(tlv(der::SET, r));
    }
    tlv(der::SEQUENCE, &body)
}

pub fn ext(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut body = tlv(der::OID, oid);
    if critical {
        body.extend([0x01, 0x01, 0xff]);
    }
    body.extend(tlv(der::OCTET_STRING, value));
    tlv(der::SEQUENCE, &body)
}

pub const OID_BC: &[u8] = &[0x55, 0x1d, 0x13];
pub const OID_KU: &[u8] = &[0x55, 0x1d, 0x0f];
pub const OID_SKI: &[u8] = &[0x55, 0x1d, 0x0e];
pub const OID_AKI: &[u8] = &[0x55, 0x1d, 0x23];
pub const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
pub const OID_NC: &[u8] = &[0x55, 0x1d, 0x1e];
pub const OID_EKU: &[u8] = &[0x55, 0x1d, 0x25];

pub fn ca_exts(key: &SigningKey, issuer: &SigningKey) -> Vec<Vec<u8>> {
    alloc::vec![
        ext(OID_BC, true, &tlv(der::SEQUENCE, &[0x01, 0x01, 0xff])),
        ext(OID_KU, true, &[0x03, 0x02, 0x01, 0x06]),
        ski(key),
        aki(issuer),
    ]
}

pub fn leaf_exts(key: &SigningKey, issuer: &SigningKey) -> Vec<Vec<u8>> {
    alloc::vec![
        ext(OID_BC, true, &tlv(der::SEQUENCE, &[])),
        ext(OID_KU, true, &[0x03, 0x02, 0x07, 0x80]),
        ski(key),
        aki(issuer),
    ]
}

pub fn key_id(key: &SigningKey) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(key.public_key_spki())[..20].to_vec()
}

pub fn ski(key: &SigningKey) -> Vec<u8> {
    ext(OID_SKI, false, &tlv(der::OCTET_STRING, &key_id(key)))
}

pub fn aki(issuer: &SigningKey) -> Vec<u8> {
    ext(
        OID_AKI,
        false,
        &tlv(der::SEQUENCE, &tlv(0x80, &key_id(issuer))),
    )
}

/// subjectAltName with dNSNames.
pub fn san_dns(names: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    for n in names {
        body.extend(tlv(0x82, n.as_bytes()));
    }
    ext(OID_SAN, false, &tlv(der::SEQUENCE, &body))
}

/// nameConstraints from whole GeneralName TLVs.
pub fn name_constraints(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let subtrees = |names: &[Vec<u8>]| {
        let mut body = Vec::new();
        for n in names {
            body.extend(tlv(der::SEQUENCE, n));
        }
        body
    };
    let mut body = Vec::new();
    if !permitted.is_empty() {
        body.extend(tlv(0xa0, &subtrees(permitted)));
    }
    if !excluded.is_empty() {
        body.extend(tlv(0xa1, &subtrees(excluded)));
    }
    ext(OID_NC, true, &tlv(der::SEQUENCE, &body))
}

/// A directoryName GeneralName for a Name TLV.
pub fn directory_name(name: &[u8]) -> Vec<u8> {
    tlv(0xa4, name)
}

const ECDSA_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];

fn utc(t: u64) -> Vec<u8> {
    let digits: Vec<u8> = super::super::time::format(t as i64)
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip(2)
        .collect();
    let mut v = digits;
    v.push(b'Z');
    tlv(der::UTC_TIME, &v)
}

/// A v3 certificate signed by `signer` (a P-256 key).
#[allow(clippy::too_many_arguments)]
pub fn cert(
    signer: &SigningKey,
    serial: u8,
    issuer: &[u8],
    subject: &[u8],
    spki: &[u8],
    not_before: u64,
    not_after: u64,
    exts: &[Vec<u8>],
) -> Vec<u8> {
    let mut tbs = tlv(0xa0, &tlv(der::INTEGER, &[2]));
    tbs.extend(tlv(der::INTEGER, &[0x01, serial]));
    tbs.extend_from_slice(ECDSA_SHA256);
    tbs.extend_from_slice(issuer);
    tbs.extend(tlv(
        der::SEQUENCE,
        &[utc(not_before), utc(not_after)].concat(),
    ));
    tbs.extend_from_slice(subject);
    tbs.extend_from_slice(spki);
    tbs.extend(tlv(0xa3, &tlv(der::SEQUENCE, &exts.concat())));
    let tbs = tlv(der::SEQUENCE, &tbs);
    let sig = signer.sign_x509(&tbs).unwrap();
    let mut bits = alloc::vec![0];
    bits.extend(sig);
    tlv(
        der::SEQUENCE,
        &[tbs, ECDSA_SHA256.to_vec(), tlv(der::BIT_STRING, &bits)].concat(),
    )
}
