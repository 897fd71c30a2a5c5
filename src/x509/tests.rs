//! Certificates from `certgen` validated end to end, and the error texts.

use alloc::vec::Vec;

use super::*;
use crate::certgen::{self, Ca, KeyType, SubjectAltName};
use crate::error::CertificateError;
use crate::msgs::enums::AlertDescription;

struct Counter(core::sync::atomic::AtomicU8);

impl crate::crypto::SecureRandom for Counter {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            *b = self.0.fetch_add(29, core::sync::atomic::Ordering::Relaxed) | 1;
        }
        Ok(())
    }
}

const T0: u64 = 1_700_000_000;
const T1: u64 = 1_800_000_000;

fn setup(kind: KeyType) -> (Validator, Vec<u8>) {
    let rng = Counter(core::sync::atomic::AtomicU8::new(3));
    let ca_key = certgen::generate_key(kind, &rng).unwrap();
    let ca = Ca::new("Test CA", &ca_key, T0, T1, &rng).unwrap();
    let leaf_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let names = [
        SubjectAltName::Dns("api.example.com".into()),
        SubjectAltName::Ip("192.0.2.7".parse().unwrap()),
    ];
    let leaf = ca
        .issue(&names, &leaf_key, T0, T0 + 86_400 * 30, &rng)
        .unwrap();
    let anchors = alloc::vec![TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap()];
    (Validator::new(anchors, Policy::default()), leaf)
}

#[test]
fn certgen_chains_validate() {
    for kind in [KeyType::EcdsaP256, KeyType::Ed25519, KeyType::Rsa2048] {
        let (v, leaf) = setup(kind);
        let none: &[&[u8]] = &[];
        let p = v
            .validate_server(&leaf, none, ExpectedName::Dns("API.example.com."), T0 + 10)
            .unwrap();
        assert_eq!(p.chain.len(), 2);
        assert_eq!(p.subject, "CN=api.example.com");
        v.validate_server(
            &leaf,
            none,
            ExpectedName::Ip("192.0.2.7".parse().unwrap()),
            T0 + 10,
        )
        .unwrap();
        v.validate_client(&leaf, none, T0 + 10).unwrap();
    }
}

#[test]
fn errors_name_the_certificate_and_the_check() {
    let (v, leaf) = setup(KeyType::EcdsaP256);
    let none: &[&[u8]] = &[];
    let e = v
        .validate_server(&leaf, none, ExpectedName::Dns("www.example.com"), T0 + 10)
        .unwrap_err();
    assert!(matches!(e, CertificateError::NotValidForName { .. }), "{e}");
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE);
    assert_eq!(
        alloc::format!("{e}"),
        "certificate 0 (CN=api.example.com) is not valid for www.example.com: its subjectAltName lists api.example.com, 192.0.2.7"
    );

    let late = T0 + 86_400 * 52;
    let e = v
        .validate_server(&leaf, none, ExpectedName::Dns("api.example.com"), late)
        .unwrap_err();
    assert!(matches!(e, CertificateError::Expired { .. }), "{e}");
    assert_eq!(
        alloc::format!("{e}"),
        "certificate 0 (CN=api.example.com) expired at 2023-12-14T22:13:20Z, 22 days before the validation time 2024-01-05T22:13:20Z"
    );
    assert_eq!(e.alert(), AlertDescription::CERTIFICATE_EXPIRED);

    // Another CA with the same name: the signature does not verify.
    let (other, _) = setup(KeyType::EcdsaP384);
    let e = other
        .validate_server(&leaf, none, ExpectedName::Dns("api.example.com"), T0 + 10)
        .unwrap_err();
    assert!(
        matches!(
            e,
            CertificateError::BadSignature { .. } | CertificateError::UnknownIssuer { .. }
        ),
        "{e}"
    );
    // No anchors at all: unknown issuer.
    let empty = Validator::new(Vec::new(), Policy::default());
    let e = empty
        .validate_server(&leaf, none, ExpectedName::Dns("api.example.com"), T0 + 10)
        .unwrap_err();
    assert!(matches!(e, CertificateError::UnknownIssuer { .. }), "{e}");
    assert_eq!(e.alert(), AlertDescription::UNKNOWN_CA);
    assert!(alloc::format!("{e}").contains("issued by CN=Test CA"));

    // Truncated or trailing bytes: an encoding error, not a panic.
    for cut in [0, 1, 10, leaf.len() / 2, leaf.len() - 1] {
        let e = v
            .validate_server(&leaf[..cut], none, ExpectedName::Dns("api.example.com"), T0)
            .unwrap_err();
        assert!(matches!(e, CertificateError::Malformed { .. }), "{e}");
    }
}

/// An end entity that is itself a trust anchor is a path of one
/// certificate, after its own checks: a self-signed server certificate,
/// and a self-signed CA certificate used as a client's (without the
/// digitalSignature rule, which such a CA lacks).
#[test]
fn end_entity_that_is_an_anchor_is_its_own_path() {
    let rng = Counter(core::sync::atomic::AtomicU8::new(7));
    let none: &[&[u8]] = &[];
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let names = [SubjectAltName::Dns("api.example.com".into())];
    let cert = certgen::self_signed(&names, &key, T0, T0 + 1000, &rng).unwrap();
    let other = TrustAnchor::from_der(setup(KeyType::EcdsaP256).0.anchors()[0].der().to_vec());
    let v = Validator::new(
        alloc::vec![other.unwrap(), TrustAnchor::from_der(cert.clone()).unwrap()],
        Policy::default(),
    );
    let path = v
        .validate_server(&cert, none, ExpectedName::Dns("api.example.com"), T0 + 10)
        .unwrap();
    assert_eq!(path.chain, alloc::vec![cert.clone()]);
    assert_eq!(path.anchor, 1);
    assert_eq!(path.subject, "CN=api.example.com");
    // Its own checks still apply.
    let e = v
        .validate_server(&cert, none, ExpectedName::Dns("api.example.com"), T0 + 2000)
        .unwrap_err();
    assert!(matches!(e, CertificateError::Expired { .. }), "{e}");

    let ca = Ca::new("Self CA", &key, T0, T0 + 1000, &rng).unwrap();
    let policy = Policy {
        require_digital_signature: false,
        ..Policy::default()
    };
    let v = Validator::new(
        alloc::vec![TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap()],
        policy,
    );
    let path = v.validate_client(ca.cert_der(), none, T0 + 10).unwrap();
    assert_eq!(path.chain.len(), 1);
}

/// Hand-built CRLs (RFC 5280 §5.1) signed by the `setup` CA's key.
mod crl {
    use alloc::vec::Vec;

    use super::*;
    use crate::crypto::sign::SigningKey;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = alloc::vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else if n < 0x100 {
            out.extend([0x81, n as u8]);
        } else {
            out.extend([0x82, (n >> 8) as u8, n as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    fn gtime(t: u64) -> Vec<u8> {
        let mut digits: Vec<u8> = super::time::format(t as i64)
            .bytes()
            .filter(u8::is_ascii_digit)
            .collect();
        digits.push(b'Z');
        tlv(0x18, &digits)
    }

    fn ext(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
        let mut body = tlv(0x06, oid);
        if critical {
            body.extend([0x01, 0x01, 0xff]);
        }
        body.extend(tlv(0x04, value));
        tlv(0x30, &body)
    }

    /// ecdsa-with-SHA256 (RFC 5758 §3.2), the P-256 CA's algorithm.
    const ECDSA_SHA256: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    const CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];

    struct Spec<'a> {
        version: u8,
        this: u64,
        next: u64,
        revoked: &'a [&'a [u8]],
        key_id: Option<&'a [u8]>,
        extra: Vec<Vec<u8>>,
    }

    /// A CA, its key, and a leaf it issued (the setup of `super::setup`,
    /// with the key kept to sign CRLs).
    fn ca() -> (Validator, Vec<u8>, SigningKey, Vec<u8>) {
        let rng = Counter(core::sync::atomic::AtomicU8::new(3));
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("Test CA", &ca_key, T0, T1, &rng).unwrap();
        let leaf_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let leaf = ca
            .issue(
                &[SubjectAltName::Dns("api.example.com".into())],
                &leaf_key,
                T0,
                T0 + 86_400 * 30,
                &rng,
            )
            .unwrap();
        let anchors = alloc::vec![TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap()];
        let v = Validator::new(anchors, Policy::default());
        (
            v,
            leaf,
            crate::crypto::rustcrypto::provider()
                .load_private_key(&ca_key)
                .unwrap(),
            ca.cert_der().to_vec(),
        )
    }

    fn make(key: &SigningKey, ca_der: &[u8], s: &Spec<'_>) -> Vec<u8> {
        let ca = cert::Certificate::parse(ca_der).unwrap();
        let mut tbs = tlv(0x02, &[s.version]);
        tbs.extend_from_slice(ECDSA_SHA256);
        tbs.extend(tlv(0x30, ca.subject));
        tbs.extend(gtime(s.this));
        tbs.extend(gtime(s.next));
        if !s.revoked.is_empty() {
            let mut list = Vec::new();
            for serial in s.revoked {
                let mut e = tlv(0x02, serial);
                e.extend(gtime(T0 + 5));
                list.extend(tlv(0x30, &e));
            }
            tbs.extend(tlv(0x30, &list));
        }
        let key_id = s.key_id.unwrap_or_else(|| ca.ext.ski.unwrap());
        let mut exts = ext(cert::OID_AKI, false, &tlv(0x30, &tlv(0x80, key_id)));
        exts.extend(ext(CRL_NUMBER, false, &tlv(0x02, &[0x07])));
        for e in &s.extra {
            exts.extend_from_slice(e);
        }
        tbs.extend(tlv(0xa0, &tlv(0x30, &exts)));
        let tbs = tlv(0x30, &tbs);
        let sig = key.sign_x509(&tbs).unwrap();
        let mut body = tbs;
        body.extend_from_slice(ECDSA_SHA256);
        let mut bits = alloc::vec![0];
        bits.extend(sig);
        body.extend(tlv(0x03, &bits));
        tlv(0x30, &body)
    }

    fn spec<'a>(revoked: &'a [&'a [u8]]) -> Spec<'a> {
        Spec {
            version: 1,
            this: T0,
            next: T0 + 86_400 * 7,
            revoked,
            key_id: None,
            extra: Vec::new(),
        }
    }

    fn check(v: &Validator, leaf: &[u8], crl: Vec<u8>, now: u64) -> Result<(), CertificateError> {
        let none: &[&[u8]] = &[];
        v.clone()
            .with_crls(alloc::vec![crl])
            .validate_server(leaf, none, ExpectedName::Dns("api.example.com"), now)
            .map(|_| ())
    }

    #[test]
    fn listed_serial_is_revoked_with_date_and_alert() {
        let (v, leaf, key, ca_der) = ca();
        let serial = cert::Certificate::parse(&leaf).unwrap().serial.to_vec();
        let other: &[u8] = &[0x01, 0x02, 0x03];
        assert_eq!(
            check(&v, &leaf, make(&key, &ca_der, &spec(&[other])), T0 + 10),
            Ok(())
        );
        let e = check(
            &v,
            &leaf,
            make(&key, &ca_der, &spec(&[other, &serial])),
            T0 + 10,
        )
        .unwrap_err();
        assert!(matches!(e, CertificateError::Revoked { .. }), "{e}");
        assert_eq!(e.alert(), AlertDescription::CERTIFICATE_REVOKED);
        assert_eq!(
            alloc::format!("{e}"),
            "certificate 0 (CN=api.example.com) revoked at 2023-11-14T22:13:25Z by the CRL of CN=Test CA (CRL 0)"
        );
        // A CRL for another key of the same CA name does not apply.
        let listed = [serial.as_slice()];
        let mut s = spec(&listed);
        s.key_id = Some(&[0xaa; 20]);
        assert_eq!(check(&v, &leaf, make(&key, &ca_der, &s), T0 + 10), Ok(()));
    }

    #[test]
    fn stale_or_future_crl_leaves_status_unknown() {
        let (v, leaf, key, ca_der) = ca();
        let e = check(&v, &leaf, make(&key, &ca_der, &spec(&[])), T0 + 86_400 * 8).unwrap_err();
        assert!(
            matches!(e, CertificateError::RevocationUnknown { .. }),
            "{e}"
        );
        assert_eq!(e.alert(), AlertDescription::CERTIFICATE_UNKNOWN);
        assert_eq!(
            e.finding().and_then(|f| f.position.clone()),
            Some(Position::Crl(0))
        );
        assert_eq!(
            alloc::format!("{e}"),
            "CRL 0 (issuer CN=Test CA) is stale: its nextUpdate 2023-11-21T22:13:20Z is 24 hours before the validation time 2023-11-22T22:13:20Z"
        );
        let mut s = spec(&[]);
        s.this = T0 + 100;
        let e = check(&v, &leaf, make(&key, &ca_der, &s), T0 + 10).unwrap_err();
        assert!(
            matches!(e, CertificateError::RevocationUnknown { .. }),
            "{e}"
        );
    }

    #[test]
    fn bad_signature_and_malformed_crls_fail() {
        let (v, leaf, key, ca_der) = ca();
        let mut crl = make(&key, &ca_der, &spec(&[]));
        // The last octet is in the ECDSA signature's s.
        *crl.last_mut().unwrap() ^= 1;
        let e = check(&v, &leaf, crl.clone(), T0 + 10).unwrap_err();
        assert!(matches!(e, CertificateError::BadSignature { .. }), "{e}");
        assert_eq!(
            e.finding().and_then(|f| f.position.clone()),
            Some(Position::Crl(0))
        );
        for cut in [0, 1, crl.len() / 2, crl.len() - 1] {
            let e = check(&v, &leaf, crl[..cut].to_vec(), T0 + 10).unwrap_err();
            assert!(matches!(e, CertificateError::Malformed { .. }), "{e}");
            assert_eq!(
                e.finding().and_then(|f| f.position.clone()),
                Some(Position::Crl(0))
            );
        }
        let mut s = spec(&[]);
        s.version = 0;
        let e = check(&v, &leaf, make(&key, &ca_der, &s), T0 + 10).unwrap_err();
        assert!(alloc::format!("{e}").contains("v2 is required"), "{e}");
        // An unknown critical extension, and a delta CRL.
        let mut s = spec(&[]);
        s.extra = alloc::vec![ext(&[0x2a, 0x03, 0x04], true, &[0x05, 0x00])];
        let e = check(&v, &leaf, make(&key, &ca_der, &s), T0 + 10).unwrap_err();
        assert!(
            matches!(e, CertificateError::UnhandledCriticalExtension { .. }),
            "{e}"
        );
        let mut s = spec(&[]);
        s.extra = alloc::vec![ext(&[0x55, 0x1d, 0x1b], true, &[0x02, 0x01, 0x01])];
        let e = check(&v, &leaf, make(&key, &ca_der, &s), T0 + 10).unwrap_err();
        assert!(
            matches!(e, CertificateError::UnsupportedAlgorithm { .. }),
            "{e}"
        );
    }
}

mod forged;
mod review;
