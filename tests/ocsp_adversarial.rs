//! OCSP stapling under attack: responses and certificates built here, DER
//! by hand and signed with the fixture CA's (or the leaf's) key from
//! `vectors/ocsp/`, for the cases `openssl ocsp` will not make: several
//! SingleResponses for one certificate, a leaf that signs its own
//! status, a response that claims a long life, one produced in the
//! future; and a server configured with a staple that cannot be sent or
//! that is about another certificate.
//!
//! The validation time is the one tests/ocsp.rs uses (good.der's
//! thisUpdate plus an hour), so the fixture certificates are valid.

mod pair;

use std::sync::Arc;

use pair::{Feed, Pair};
use tls13::config::FixedTime;
use tls13::crypto::OsRandom;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::unstable::msgs::enums::{AlertDescription, SignatureScheme};
use tls13::verify::SingleCertResolver;
use tls13::verify::{CertificateStatus, CertifiedKey, Decision, ServerCertVerifier, ServerName};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::OcspResponseInfo;
use tls13::{ClientConfig, Error, ServerConfig};

// ------------------------------------------------------------------ DER

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
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

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// One TLV from the front of `d`: (tag, contents, whole TLV, the rest).
fn read(d: &[u8]) -> (u8, &[u8], &[u8], &[u8]) {
    let tag = d[0];
    let (len, hdr) = match d[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (d[2] as usize, 3),
        0x82 => (((d[2] as usize) << 8) | d[3] as usize, 4),
        0x83 => (
            ((d[2] as usize) << 16) | ((d[3] as usize) << 8) | d[4] as usize,
            5,
        ),
        _ => panic!("length form"),
    };
    (tag, &d[hdr..hdr + len], &d[..hdr + len], &d[hdr + len..])
}

/// The children of a constructed TLV's contents.
fn children(mut d: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let (_, _, whole, rest) = read(d);
        out.push(whole);
        d = rest;
    }
    out
}

fn contents(d: &[u8]) -> &[u8] {
    read(d).1
}

/// `YYYYMMDDHHMMSSZ` (GeneralizedTime) or `YYMMDDHHMMSSZ` (UTCTime).
fn time_text(t: i64, utc: bool) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if utc {
        format!("{:02}{m:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100)
    } else {
        format!("{y:04}{m:02}{d:02}{h:02}{mi:02}{s:02}Z")
    }
}

fn gtime(t: i64) -> Vec<u8> {
    tlv(0x18, time_text(t, false).as_bytes())
}

/// ecdsa-with-SHA256 (RFC 5758 §3.2): no parameters.
const ECDSA_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
const OID_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
const OID_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_OCSP_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09];

// ------------------------------------------------------------- fixtures

fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/vectors/ocsp/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(name: &str) -> Vec<u8> {
    let text = String::from_utf8(file(&format!("{name}.pem"))).unwrap();
    pem::certificates(&text).unwrap().remove(0)
}

fn key(name: &str) -> SigningKey {
    SigningKey::from_pem(&String::from_utf8(file(&format!("{name}.key"))).unwrap()).unwrap()
}

fn now() -> i64 {
    let info = OcspResponseInfo::parse(&file("good.der")).unwrap();
    info.responses[0].this_update + 3600
}

/// The tbsCertificate fields of a DER certificate (version first).
fn tbs_fields(cert: &[u8]) -> Vec<&[u8]> {
    let outer = children(contents(cert));
    children(contents(outer[0]))
}

/// A certificate's subject Name TLV.
fn subject(cert: &[u8]) -> Vec<u8> {
    tbs_fields(cert)[5].to_vec()
}

/// A certificate's serialNumber TLV.
fn serial(cert: &[u8]) -> Vec<u8> {
    tbs_fields(cert)[1].to_vec()
}

/// good.der's CertID hashAlgorithm, issuerNameHash and issuerKeyHash
/// TLVs: SHA-1 hashes of the fixture CA's name and key, as OpenSSL
/// computed them.
fn ca_hashes() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let resp = file("good.der");
    let rb = children(contents(&resp))[1];
    let basic = contents(children(contents(contents(rb)))[1]);
    let tbs = children(contents(basic))[0];
    let fields = children(contents(tbs));
    // responderID, producedAt, responses.
    let responses = fields[fields.len() - 1 - usize::from(fields.len() > 3)];
    let single = children(contents(responses))[0];
    let certid = children(contents(single))[0];
    let id = children(contents(certid));
    (id[0].to_vec(), id[1].to_vec(), id[2].to_vec())
}

fn sign(signer: &SigningKey, tbs: &[u8]) -> Vec<u8> {
    signer
        .sign(SignatureScheme::ECDSA_SECP256R1_SHA256, tbs, &OsRandom)
        .unwrap()
}

/// A v3 certificate with `extensions` (whole Extension TLVs), issued by
/// the fixture CA (name and key) for `spki`.
fn issue(serial: u32, cn: &str, spki: &[u8], extensions: &[&[u8]]) -> Vec<u8> {
    let valid = (now() - 86_400, now() + 86_400 * 365);
    issue_valid(serial, cn, spki, extensions, valid)
}

/// [`issue`] valid from `valid.0` to `valid.1`.
fn issue_valid(
    serial: u32,
    cn: &str,
    spki: &[u8],
    extensions: &[&[u8]],
    valid: (i64, i64),
) -> Vec<u8> {
    let ca = cert("ca");
    let name = seq(&[&tlv(
        0x31,
        &seq(&[&tlv(0x06, &[0x55, 0x04, 0x03]), &tlv(0x0c, cn.as_bytes())]),
    )]);
    let validity = seq(&[
        &tlv(0x17, time_text(valid.0, true).as_bytes()),
        &tlv(0x17, time_text(valid.1, true).as_bytes()),
    ]);
    let tbs = seq(&[
        &tlv(0xa0, &tlv(0x02, &[2])),
        &tlv(0x02, &minimal(&serial.to_be_bytes())),
        ECDSA_SHA256,
        &subject(&ca),
        &validity,
        &name,
        spki,
        &tlv(0xa3, &seq(extensions)),
    ]);
    let sig = sign(&key("ca"), &tbs);
    seq(&[&tbs, ECDSA_SHA256, &tlv(0x03, &[&[0u8][..], &sig].concat())])
}

/// The DER INTEGER contents of a big-endian unsigned number.
fn minimal(mut b: &[u8]) -> Vec<u8> {
    while b.len() > 1 && b[0] == 0 && b[1] < 0x80 {
        b = &b[1..];
    }
    if b[0] >= 0x80 {
        return [&[0u8][..], b].concat();
    }
    b.to_vec()
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let crit = if critical {
        tlv(0x01, &[0xff])
    } else {
        Vec::new()
    };
    seq(&[&tlv(0x06, oid), &crit, &tlv(0x04, value)])
}

/// The fixture CA's subjectKeyIdentifier (the contents of the inner
/// OCTET STRING).
fn ca_key_id() -> Vec<u8> {
    let ca = cert("ca");
    let exts = contents(contents(tbs_fields(&ca)[7]));
    for e in children(exts) {
        let parts = children(contents(e));
        if contents(parts[0]) == [0x55, 0x1d, 0x0e] {
            return contents(contents(parts[parts.len() - 1])).to_vec();
        }
    }
    panic!("the CA has no subjectKeyIdentifier");
}

/// basicConstraints CA:FALSE, keyUsage digitalSignature, extKeyUsage
/// `purposes`, subjectAltName DNS:ocsp.test, authorityKeyIdentifier.
fn leaf_extensions(purposes: &[&[u8]]) -> Vec<Vec<u8>> {
    let eku: Vec<Vec<u8>> = purposes.iter().map(|p| tlv(0x06, p)).collect();
    let eku: Vec<&[u8]> = eku.iter().map(Vec::as_slice).collect();
    vec![
        extension(&[0x55, 0x1d, 0x13], true, &seq(&[])),
        extension(&[0x55, 0x1d, 0x0f], true, &tlv(0x03, &[0x07, 0x80])),
        extension(&[0x55, 0x1d, 0x25], false, &seq(&eku)),
        extension(
            &[0x55, 0x1d, 0x11],
            false,
            &seq(&[&tlv(0x82, b"ocsp.test")]),
        ),
        extension(
            &[0x55, 0x1d, 0x23],
            false,
            &seq(&[&tlv(0x80, &ca_key_id())]),
        ),
    ]
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

// ------------------------------------------------------------ responses

#[derive(Clone, Copy)]
enum Status {
    Good,
    Revoked,
    Unknown,
}

struct Single {
    /// The serialNumber TLV.
    serial: Vec<u8>,
    status: Status,
    this_update: i64,
    next_update: i64,
}

fn single(serial: Vec<u8>, status: Status) -> Single {
    Single {
        serial,
        status,
        this_update: now() - 3600,
        next_update: now() + 86_400,
    }
}

struct Resp {
    /// The responderID TLV.
    responder: Vec<u8>,
    produced_at: i64,
    singles: Vec<Single>,
    certs: Vec<Vec<u8>>,
    /// responseExtensions (whole Extension TLVs).
    extensions: Vec<Vec<u8>>,
    /// The signatureAlgorithm TLV.
    sig_alg: Vec<u8>,
}

/// A response by name from the fixture CA.
fn by_ca(singles: Vec<Single>) -> Resp {
    Resp {
        responder: tlv(0xa1, &subject(&cert("ca"))),
        produced_at: now() - 3600,
        singles,
        certs: Vec::new(),
        extensions: Vec::new(),
        sig_alg: ECDSA_SHA256.to_vec(),
    }
}

impl Resp {
    fn signed_by(&self, signer: &SigningKey) -> Vec<u8> {
        let (alg, name_hash, key_hash) = ca_hashes();
        let singles: Vec<Vec<u8>> = self
            .singles
            .iter()
            .map(|s| {
                let status = match s.status {
                    Status::Good => vec![0x80, 0x00],
                    Status::Unknown => vec![0x82, 0x00],
                    // keyCompromise, a day ago.
                    Status::Revoked => tlv(
                        0xa1,
                        &[gtime(now() - 86_400), tlv(0xa0, &tlv(0x0a, &[1]))].concat(),
                    ),
                };
                seq(&[
                    &seq(&[&alg, &name_hash, &key_hash, &s.serial]),
                    &status,
                    &gtime(s.this_update),
                    &tlv(0xa0, &gtime(s.next_update)),
                ])
            })
            .collect();
        let exts = if self.extensions.is_empty() {
            Vec::new()
        } else {
            tlv(0xa1, &seq(&refs(&self.extensions)))
        };
        let tbs = seq(&[
            &self.responder,
            &gtime(self.produced_at),
            &seq(&refs(&singles)),
            &exts,
        ]);
        let sig = sign(signer, &tbs);
        let certs = if self.certs.is_empty() {
            Vec::new()
        } else {
            tlv(0xa0, &seq(&refs(&self.certs)))
        };
        let basic = seq(&[
            &tbs,
            &self.sig_alg,
            &tlv(0x03, &[&[0u8][..], &sig].concat()),
            &certs,
        ]);
        seq(&[
            &tlv(0x0a, &[0]),
            &tlv(0xa0, &seq(&[&tlv(0x06, OID_BASIC), &tlv(0x04, &basic)])),
        ])
    }
}

fn verifier() -> WebPkiServerVerifier {
    WebPkiServerVerifier::from_pem(std::str::from_utf8(&file("ca.pem")).unwrap()).unwrap()
}

fn check_leaf(leaf: &[u8], response: &[u8]) -> Result<(), CertificateError> {
    let status = CertificateStatus {
        ocsp_requested: true,
        ocsp_response: Some(response),
        scts: &[],
    };
    let name = ServerName::try_from("ocsp.test").unwrap();
    match verifier().verify_server_cert_with_status(leaf, &[], &name, &status, now() as u64) {
        Decision::Ready(r) => r,
        Decision::Deferred => panic!("the WebPKI verifier answers at once"),
    }
}

fn refused(r: Result<(), CertificateError>, says: &str) -> CertificateError {
    let e = r.expect_err("the staple must be refused");
    let text = e.to_string();
    assert!(text.contains(says), "{text:?} should say {says:?}");
    e
}

fn bad_ocsp(r: Result<(), CertificateError>, says: &str) {
    let e = refused(r, says);
    assert!(
        matches!(e, CertificateError::BadOcspResponse { .. }),
        "{e:?}"
    );
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE);
}

/// The builder itself: a response it makes from the CA for the fixture
/// leaf is accepted, so each refusal below is for the one thing changed.
#[test]
fn a_crafted_response_from_the_issuer_is_accepted() {
    let leaf = cert("leaf");
    let r = by_ca(vec![single(serial(&leaf), Status::Good)]).signed_by(&key("ca"));
    check_leaf(&leaf, &r).unwrap();
}

// ------------------------------------------------- several SingleResponses

/// RFC 6960 §2.2 / §3.2: a response that says "revoked" about the
/// certificate must not be outvoted by a "good" about the same CertID
/// before it: a responder (or whoever made the response) contradicting
/// itself is not vouching for the certificate.
#[test]
fn a_revoked_entry_for_the_certificate_wins_over_a_good_one_in_any_order() {
    let leaf = cert("leaf");
    for order in [
        [Status::Good, Status::Revoked],
        [Status::Revoked, Status::Good],
    ] {
        let r =
            by_ca(order.iter().map(|s| single(serial(&leaf), *s)).collect()).signed_by(&key("ca"));
        let e = check_leaf(&leaf, &r).expect_err("a revoked entry must fail the check");
        assert!(matches!(e, CertificateError::Revoked { .. }), "{e:?}");
        assert_eq!(e.alert(), AlertDescription::CERTIFICATE_REVOKED);
    }
}

/// Every entry about the certificate must be good and current: an
/// `unknown` or a stale one beside a good one is refused.
#[test]
fn every_entry_for_the_certificate_must_be_good_and_current() {
    let leaf = cert("leaf");
    let r = by_ca(vec![
        single(serial(&leaf), Status::Good),
        single(serial(&leaf), Status::Unknown),
    ])
    .signed_by(&key("ca"));
    bad_ocsp(check_leaf(&leaf, &r), "status is unknown");

    let mut stale = single(serial(&leaf), Status::Good);
    stale.this_update = now() - 3 * 86_400;
    stale.next_update = now() - 86_400;
    let r = by_ca(vec![single(serial(&leaf), Status::Good), stale]).signed_by(&key("ca"));
    bad_ocsp(check_leaf(&leaf, &r), "is stale");

    // An entry about another certificate is not ours to judge.
    let r = by_ca(vec![
        single(tlv(0x02, &[0x10, 0x02]), Status::Revoked),
        single(serial(&leaf), Status::Good),
    ])
    .signed_by(&key("ca"));
    check_leaf(&leaf, &r).unwrap();
}

// ------------------------------------------------ who may sign a response

/// A leaf that the CA gave id-kp-OCSPSigning besides serverAuth
/// (CABF BR 7.1.2.7.10 forbids it, but a private CA may do it) is a
/// delegated responder by RFC 6960 §4.2.2.2's letter; yet a response
/// that the certificate's own key signed vouches for nothing: the key
/// whose compromise revocation exists to report would sign its own
/// "good".
#[test]
fn a_leaf_cannot_sign_its_own_status() {
    let leaf_key = key("leaf");
    let spki = leaf_key.public_key_spki();
    let exts = leaf_extensions(&[OID_SERVER_AUTH, OID_OCSP_SIGNING]);
    let leaf = issue(0x5001, "ocsp.test", &spki, &refs(&exts));
    // The certificate itself is acceptable without a staple.
    let name = ServerName::try_from("ocsp.test").unwrap();
    match verifier().verify_server_cert(&leaf, &[], &name, now() as u64) {
        Decision::Ready(r) => r.unwrap(),
        Decision::Deferred => unreachable!(),
    }
    // Its own response, naming itself (by name and by key) and including itself.
    let mut r = by_ca(vec![single(serial(&leaf), Status::Good)]);
    r.responder = tlv(0xa1, &subject(&leaf));
    r.certs = vec![leaf.clone()];
    bad_ocsp(
        check_leaf(&leaf, &r.signed_by(&leaf_key)),
        "the certificate's own key",
    );

    // A delegated responder of another key (must_staple.key's) is a fair
    // delegate for the fixture leaf...
    let other_key = key("must_staple");
    let other_spki = other_key.public_key_spki();
    let resp_exts = leaf_extensions(&[OID_OCSP_SIGNING]);
    let responder = issue(0x5002, "Sneaky Responder", &other_spki, &refs(&resp_exts));
    let fixture = cert("leaf");
    let mut r = by_ca(vec![single(serial(&fixture), Status::Good)]);
    r.responder = tlv(0xa1, &subject(&responder));
    r.certs = vec![responder.clone()];
    check_leaf(&fixture, &r.signed_by(&other_key)).unwrap();
    // ... but not for a certificate of that same key.
    let own = issue(
        0x5003,
        "ocsp.test",
        &other_spki,
        &refs(&leaf_extensions(&[OID_SERVER_AUTH])),
    );
    let mut r = by_ca(vec![single(serial(&own), Status::Good)]);
    r.responder = tlv(0xa1, &subject(&responder));
    r.certs = vec![responder];
    bad_ocsp(
        check_leaf(&own, &r.signed_by(&other_key)),
        "the certificate's own key",
    );
}

/// RFC 6960 §4.2.2.2: a delegated responder's certificate must be
/// issued directly by the CA, carry id-kp-OCSPSigning itself (not
/// anyExtendedKeyUsage), be valid now, allow digitalSignature when it
/// has keyUsage, have no critical extension we do not process, and be
/// in the response. Each certificate breaks one rule.
#[test]
fn a_delegated_responder_must_be_current_authorised_and_included() {
    let other_key = key("must_staple");
    let spki = other_key.public_key_spki();
    let leaf = cert("leaf");
    let day = 86_400;
    let ocsp_only = leaf_extensions(&[OID_OCSP_SIGNING]);
    let any_eku = leaf_extensions(&[&[0x55, 0x1d, 0x25, 0x00]]);
    let mut cert_sign_only = leaf_extensions(&[OID_OCSP_SIGNING]);
    // keyUsage keyCertSign (bit 5) only.
    cert_sign_only[1] = extension(&[0x55, 0x1d, 0x0f], true, &tlv(0x03, &[0x02, 0x04]));
    let mut unknown_critical = leaf_extensions(&[OID_OCSP_SIGNING]);
    unknown_critical.push(extension(&[0x2a, 0x03, 0x05], true, &tlv(0x05, &[])));
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "expired",
            issue_valid(
                0x6001,
                "R",
                &spki,
                &refs(&ocsp_only),
                (now() - 30 * day, now() - day),
            ),
            "valid only from",
        ),
        (
            "not yet valid",
            issue_valid(
                0x6002,
                "R",
                &spki,
                &refs(&ocsp_only),
                (now() + day, now() + 30 * day),
            ),
            "valid only from",
        ),
        (
            "anyExtendedKeyUsage",
            issue(0x6003, "R", &spki, &refs(&any_eku)),
            "lacks id-kp-OCSPSigning",
        ),
        (
            "keyCertSign only",
            issue(0x6004, "R", &spki, &refs(&cert_sign_only)),
            "keyUsage lacks digitalSignature",
        ),
        (
            "unknown critical extension",
            issue(0x6005, "R", &spki, &refs(&unknown_critical)),
            "critical extension",
        ),
    ];
    for (what, responder, says) in cases {
        let mut r = by_ca(vec![single(serial(&leaf), Status::Good)]);
        r.responder = tlv(0xa1, &subject(&responder));
        r.certs = vec![responder];
        let e = check_leaf(&leaf, &r.signed_by(&other_key)).expect_err(what);
        assert!(e.to_string().contains(says), "{what}: {e}");
    }
    // A good responder that the response names but does not include.
    let responder = issue(0x6006, "R", &spki, &refs(&ocsp_only));
    let mut r = by_ca(vec![single(serial(&leaf), Status::Good)]);
    r.responder = tlv(0xa1, &subject(&responder));
    bad_ocsp(
        check_leaf(&leaf, &r.signed_by(&other_key)),
        "neither the issuer",
    );
    // Included, it is accepted: each refusal above is for its one rule.
    r.certs = vec![responder];
    check_leaf(&leaf, &r.signed_by(&other_key)).unwrap();
}

/// The response's signatureAlgorithm is held to the certificate rules:
/// ecdsa-with-SHA256 with (NULL) parameters, which RFC 5758 §3.2 forbids,
/// is refused even though the signature itself verifies.
#[test]
fn a_signature_algorithm_with_parameters_it_must_not_have_is_refused() {
    let leaf = cert("leaf");
    let mut r = by_ca(vec![single(serial(&leaf), Status::Good)]);
    r.sig_alg = seq(&[contents(ECDSA_SHA256), &tlv(0x05, &[])]);
    bad_ocsp(
        check_leaf(&leaf, &r.signed_by(&key("ca"))),
        "has a signature that cannot be checked: unsupported signature algorithm 1.2.840.10045.4.3.2",
    );
}

// ------------------------------------------------------------ must-staple

/// RFC 7633 §4.2.3.1: the TLS feature extension (id-pe-tlsfeature,
/// `SEQUENCE OF INTEGER`) makes a certificate must-staple when it lists
/// status_request (5), whatever else it lists and whether or not it is
/// critical; status_request_v2 (17) alone does not (TLS 1.3 has no v2,
/// RFC 9846 §4.5.1.1). A feature that is no extension code point, or
/// the extension twice, makes the certificate malformed.
#[test]
fn must_staple_is_read_from_the_tls_feature_whatever_else_it_lists() {
    const OID_TLS_FEATURE: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18];
    let spki = key("leaf").public_key_spki();
    let features = |critical: bool, values: &[&[u8]]| {
        let ints: Vec<Vec<u8>> = values.iter().map(|v| tlv(0x02, v)).collect();
        extension(OID_TLS_FEATURE, critical, &seq(&refs(&ints)))
    };
    let with = |extra: Vec<Vec<u8>>| {
        let mut exts = leaf_extensions(&[OID_SERVER_AUTH]);
        exts.extend(extra);
        issue(0x7001, "ocsp.test", &spki, &refs(&exts))
    };
    let no_staple = |leaf: &[u8]| {
        let status = CertificateStatus {
            ocsp_requested: true,
            ocsp_response: None,
            scts: &[],
        };
        let name = ServerName::try_from("ocsp.test").unwrap();
        match verifier().verify_server_cert_with_status(leaf, &[], &name, &status, now() as u64) {
            Decision::Ready(r) => r,
            Decision::Deferred => unreachable!(),
        }
    };
    for (critical, values) in [
        (false, &[&[5u8][..]][..]),
        (true, &[&[5u8][..]][..]),
        (false, &[&[17u8][..], &[5u8][..], &[0x01, 0x00][..]][..]),
    ] {
        let e = no_staple(&with(vec![features(critical, values)])).unwrap_err();
        assert!(
            matches!(
                e,
                CertificateError::MissingOcspResponse {
                    must_staple: true,
                    ..
                }
            ),
            "{critical} {values:?}: {e:?}"
        );
    }
    no_staple(&with(vec![features(false, &[&[17u8]])])).unwrap();
    no_staple(&with(vec![features(false, &[])])).unwrap();
    // 70000 is no extension code point; the extension twice is a duplicate.
    let e = no_staple(&with(vec![features(false, &[&[0x01, 0x11, 0x70]])])).unwrap_err();
    assert!(e.to_string().contains("TLS feature"), "{e}");
    let e = no_staple(&with(vec![
        features(false, &[&[5]]),
        features(false, &[&[5]]),
    ]))
    .unwrap_err();
    assert!(e.to_string().contains("duplicate"), "{e}");
}

// ----------------------------------------------------------------- times

/// A response that claims a year of life from a thisUpdate weeks ago is
/// an old "good" that a server whose key was since revoked could keep
/// replaying: its life is capped at ten days from thisUpdate (CABF BR
/// 4.9.10's most; Mozilla's cap too), whatever nextUpdate says.
#[test]
fn a_long_lived_response_expires_ten_days_after_its_this_update() {
    let leaf = cert("leaf");
    let mut s = single(serial(&leaf), Status::Good);
    s.this_update = now() - 9 * 86_400;
    s.next_update = now() + 365 * 86_400;
    check_leaf(&leaf, &by_ca(vec![s]).signed_by(&key("ca"))).unwrap();

    let mut s = single(serial(&leaf), Status::Good);
    s.this_update = now() - 11 * 86_400;
    s.next_update = now() + 365 * 86_400;
    bad_ocsp(
        check_leaf(&leaf, &by_ca(vec![s]).signed_by(&key("ca"))),
        "is stale",
    );
}

/// producedAt is when the responder signed: one in the future (past the
/// clock skew thisUpdate is allowed) is not a response of now.
#[test]
fn a_response_produced_in_the_future_is_refused() {
    let leaf = cert("leaf");
    let mut r = by_ca(vec![single(serial(&leaf), Status::Good)]);
    r.produced_at = now() + 86_400;
    bad_ocsp(
        check_leaf(&leaf, &r.signed_by(&key("ca"))),
        "is not yet valid",
    );
    r.produced_at = now() + 60;
    check_leaf(&leaf, &r.signed_by(&key("ca"))).unwrap();
}

// ------------------------------------------------------ server configuration

fn ck(leaf: &str) -> CertifiedKey {
    CertifiedKey::new(vec![cert(leaf)], Arc::new(key(leaf)))
}

/// A good response from the CA padded to exactly `len` bytes with a
/// non-critical response extension (which the client ignores).
fn padded_response(len: usize) -> Vec<u8> {
    let leaf = cert("leaf");
    let mut r = by_ca(vec![single(serial(&leaf), Status::Good)]);
    let mut pad = 0i64;
    for _ in 0..64 {
        r.extensions = vec![extension(
            &[0x2a, 0x03, 0x04],
            false,
            &vec![0u8; pad as usize],
        )];
        let der = r.signed_by(&key("ca"));
        let off = len as i64 - der.len() as i64;
        if off == 0 {
            return der;
        }
        // Header lengths and the ECDSA signature's vary by a byte or two:
        // step towards the target.
        pad = (pad + off).max(0);
    }
    panic!("cannot pad a response to {len} bytes");
}

fn server_with(ck: CertifiedKey) -> ServerConfig {
    ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
        .time(Arc::new(FixedTime(now() as u64)))
        .build()
        .unwrap()
}

fn client() -> ClientConfig {
    ClientConfig::builder(Arc::new(verifier()))
        .time(Arc::new(FixedTime(now() as u64)))
        .request_ocsp(true)
        .request_scts(true)
        .build()
        .unwrap()
}

fn handshake(server: ServerConfig) -> (Pair, Result<(), (bool, Error)>) {
    let mut p = Pair::with_server_name(client(), server, Feed::Whole, "ocsp.test");
    let r = p.run();
    (p, r)
}

/// Whatever staple the configuration accepts reaches a client with the
/// default limits byte for byte: it fits the end entity's
/// CertificateEntry (extensions<0..2^16-1>, RFC 9846 §4.5.1) and keeps
/// the Certificate message within the 64 KiB a client accepts by
/// default. A response too long for that is refused when configured,
/// not sent as a malformed or oversized Certificate.
#[test]
fn a_staple_the_configuration_accepts_reaches_the_client_intact() {
    // The status_request extension is 4 + 1 + 3 + len bytes.
    for len in [60_000, 65_000, 65_527, 65_528, 65_531] {
        let der = padded_response(len);
        match ck("leaf").with_ocsp_response(der.clone()) {
            Ok(ck) => {
                let (p, r) = handshake(server_with(ck));
                r.unwrap_or_else(|e| panic!("{len}: {e:?}"));
                assert_eq!(p.client.negotiated().peer_ocsp_response, Some(der));
            }
            Err(e) => {
                assert!(len > 65_000, "{len}: {e}");
                assert!(e.to_string().contains("too long"), "{e}");
            }
        }
    }
}

/// The OCSP response and the SCTs share the entry's extension block:
/// together they must fit it too, in either order of configuring.
#[test]
fn a_staple_and_scts_that_do_not_fit_together_are_refused() {
    let der = padded_response(40_000);
    let scts = vec![vec![0u8; 30_000]];
    let e = ck("leaf")
        .with_ocsp_response(der.clone())
        .unwrap()
        .with_scts(scts.clone())
        .unwrap_err();
    assert!(e.to_string().contains("too long"), "{e}");
    let e = ck("leaf")
        .with_scts(scts)
        .unwrap()
        .with_ocsp_response(der.clone())
        .unwrap_err();
    assert!(e.to_string().contains("too long"), "{e}");
    // Smaller SCTs fit beside it, and both arrive.
    let scts = vec![vec![0u8; 20_000], vec![1u8; 5_000]];
    let ck = ck("leaf")
        .with_ocsp_response(der.clone())
        .unwrap()
        .with_scts(scts.clone())
        .unwrap();
    let (p, r) = handshake(server_with(ck));
    r.unwrap();
    assert_eq!(p.client.negotiated().peer_ocsp_response, Some(der));
    assert_eq!(p.client.negotiated().peer_scts, scts);
}

/// `CertifiedKey`'s fields are public, so a resolver can set a staple
/// that never went through `with_ocsp_response`: one that cannot be
/// encoded fails the handshake on the server (a configuration error)
/// instead of going out as a Certificate the client cannot decode.
#[test]
fn a_staple_set_directly_that_cannot_be_sent_fails_on_the_server() {
    let mut empty = ck("leaf");
    empty.ocsp_response = Some(Vec::new());
    let mut long = ck("leaf");
    long.ocsp_response = Some(padded_response(65_531));
    let mut empty_sct = ck("leaf");
    empty_sct.scts = vec![Vec::new()];
    for (what, ck) in [("empty", empty), ("long", long), ("empty sct", empty_sct)] {
        let (_, r) = handshake(server_with(ck));
        let (at_client, e) = r.expect_err(what);
        assert!(!at_client, "{what}: the client saw it first: {e:?}");
        assert!(matches!(e, Error::BadConfig(_)), "{what}: {e:?}");
    }
}

/// A staple about another certificate (here: the fixture revoked.pem's,
/// serial 0x1002, for leaf.pem, serial 0x1001) would fail every client
/// that asks for it: refused when configured.
#[test]
fn a_staple_for_another_certificate_is_refused_when_configured() {
    let e = ck("leaf")
        .with_ocsp_response(file("revoked.der"))
        .unwrap_err();
    assert!(e.to_string().contains("another certificate"), "{e}");
    // Same serial, another issuer (ca2): the CertID's hashes tell them
    // apart when the chain holds the issuer.
    let e = CertifiedKey::new(vec![cert("leaf"), cert("ca")], Arc::new(key("leaf")))
        .with_ocsp_response(file("other_issuer.der"))
        .unwrap_err();
    assert!(e.to_string().contains("another certificate"), "{e}");
    // Through the builder too.
    let e = ServerConfig::builder_with_stapled_cert(
        vec![cert("leaf")],
        key("leaf"),
        Some(file("revoked.der")),
        Vec::new(),
    )
    .build()
    .unwrap_err();
    assert!(e.to_string().contains("another certificate"), "{e}");
    // The right one is accepted, with or without the issuer in the chain.
    ck("leaf").with_ocsp_response(file("good.der")).unwrap();
    CertifiedKey::new(vec![cert("leaf"), cert("ca")], Arc::new(key("leaf")))
        .with_ocsp_response(file("good_sha256.der"))
        .unwrap();
}
