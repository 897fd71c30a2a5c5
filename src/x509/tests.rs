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
    assert_eq!(e.check, Check::Name);
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE);
    assert_eq!(
        alloc::format!("{e}"),
        "certificate 0 (CN=api.example.com) is not valid for www.example.com: its subjectAltName lists api.example.com, 192.0.2.7"
    );

    let late = T0 + 86_400 * 52;
    let e = v
        .validate_server(&leaf, none, ExpectedName::Dns("api.example.com"), late)
        .unwrap_err();
    assert_eq!(e.check, Check::Expired);
    assert_eq!(
        alloc::format!("{e}"),
        "certificate 0 (CN=api.example.com) expired at 2023-12-14T22:13:20Z, 22 days before the validation time 2024-01-05T22:13:20Z"
    );
    let ce: CertificateError = e.into();
    assert_eq!(ce.alert(), AlertDescription::CERTIFICATE_EXPIRED);

    // Another CA with the same name: the signature does not verify.
    let (other, _) = setup(KeyType::EcdsaP384);
    let e = other
        .validate_server(&leaf, none, ExpectedName::Dns("api.example.com"), T0 + 10)
        .unwrap_err();
    assert!(
        matches!(e.check, Check::Signature | Check::UnknownIssuer),
        "{e}"
    );
    // No anchors at all: unknown issuer.
    let empty = Validator::new(Vec::new(), Policy::default());
    let e = empty
        .validate_server(&leaf, none, ExpectedName::Dns("api.example.com"), T0 + 10)
        .unwrap_err();
    assert_eq!(e.check, Check::UnknownIssuer);
    assert_eq!(e.alert(), AlertDescription::UNKNOWN_CA);
    assert!(alloc::format!("{e}").contains("issued by CN=Test CA"));

    // Truncated or trailing bytes: an encoding error, not a panic.
    for cut in [0, 1, 10, leaf.len() / 2, leaf.len() - 1] {
        let e = v
            .validate_server(&leaf[..cut], none, ExpectedName::Dns("api.example.com"), T0)
            .unwrap_err();
        assert_eq!(e.check, Check::Encoding);
    }
}
