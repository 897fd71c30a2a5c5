//! Trust anchors known by name and key (RFC 5280 §6.1.1 (d)) — the form
//! of Mozilla's root set in `webpki-roots` — validate real chains (root →
//! intermediate → leaf, the intermediate's authorityKeyIdentifier
//! pointing at a key identifier the anchor does not carry), honour their
//! name constraints, and refuse chains their key did not sign. With the
//! features on: every Mozilla root converts, and the OS store loads.
//!
//! Run the feature parts with
//! `cargo test --features webpki-roots,native-roots --test trust_roots`.

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::verify::ClientCertVerifier;
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{ExpectedName, Policy, TrustAnchor, Validator};

const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_000_000_000;
const NOW: u64 = 1_800_000_000;

struct Pki {
    root: Ca,
    root_spki: Vec<u8>,
    ica: Vec<u8>,
    leaf: Vec<u8>,
}

fn pki(leaf_name: &str) -> Pki {
    let rng = OsRandom;
    let root_key = certgen::generate_key(KeyType::EcdsaP384, &rng).unwrap();
    let root = Ca::new("name-and-key root", &root_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let ica_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ica = root
        .issue_intermediate("intermediate", &ica_key, None, NOT_BEFORE, NOT_AFTER, &rng)
        .unwrap();
    let leaf_key = certgen::generate_key(KeyType::Ed25519, &rng).unwrap();
    let leaf = ica
        .issue(
            &[SubjectAltName::Dns(leaf_name.into())],
            &leaf_key,
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    Pki {
        root_spki: SigningKey::from_der(&root_key).unwrap().public_key_spki(),
        root,
        ica: ica.cert_der().to_vec(),
        leaf,
    }
}

/// The DER `Name` of a CA's subject (what `certificate_authorities` carries).
fn subject_of(cert: &[u8]) -> Vec<u8> {
    let anchor = TrustAnchor::from_der(cert.to_vec()).unwrap();
    WebPkiClientVerifier::new(vec![anchor], Policy::default())
        .certificate_authorities()
        .remove(0)
}

/// NameConstraints permitting one DNS subtree (RFC 5280 §4.2.1.10).
fn permit_dns(name: &str) -> Vec<u8> {
    let dns = [&[0x82, name.len() as u8][..], name.as_bytes()].concat();
    let subtree = [&[0x30, dns.len() as u8][..], &dns].concat();
    let permitted = [&[0xa0, subtree.len() as u8][..], &subtree].concat();
    [&[0x30, permitted.len() as u8][..], &permitted].concat()
}

#[test]
fn name_and_key_anchor_validates_a_chain_through_an_intermediate() {
    let p = pki("device.example.com");
    let anchor =
        TrustAnchor::from_subject_spki(&subject_of(p.root.cert_der()), &p.root_spki, None).unwrap();
    assert!(anchor.is_name_and_key());
    assert_eq!(anchor.subject(), "CN=name-and-key root");
    let v = Validator::new(vec![anchor], Policy::default());
    let path = v
        .validate_server(
            &p.leaf,
            std::slice::from_ref(&p.ica),
            ExpectedName::Dns("device.example.com"),
            NOW,
        )
        .unwrap();
    assert_eq!(path.chain.len(), 3);
    v.validate_client(&p.leaf, std::slice::from_ref(&p.ica), NOW)
        .unwrap();
    // Still bound by the chain's own validity.
    let e = v
        .validate_client(&p.leaf, std::slice::from_ref(&p.ica), NOT_AFTER + 1)
        .unwrap_err();
    assert!(matches!(e, CertificateError::Expired { .. }), "{e}");
}

#[test]
fn name_and_key_anchor_refuses_what_its_key_did_not_sign() {
    let p = pki("device.example.com");
    let other = pki("device.example.com");
    // Same name, another key.
    let anchor =
        TrustAnchor::from_subject_spki(&subject_of(p.root.cert_der()), &other.root_spki, None)
            .unwrap();
    let v = Validator::new(vec![anchor], Policy::default());
    let e = v
        .validate_client(&p.leaf, std::slice::from_ref(&p.ica), NOW)
        .unwrap_err();
    assert!(matches!(e, CertificateError::BadSignature { .. }), "{e}");
}

#[test]
fn name_and_key_anchor_applies_its_name_constraints() {
    let p = pki("device.example.com");
    let subject = subject_of(p.root.cert_der());
    let ok =
        TrustAnchor::from_subject_spki(&subject, &p.root_spki, Some(&permit_dns("example.com")))
            .unwrap();
    Validator::new(vec![ok], Policy::default())
        .validate_server(
            &p.leaf,
            std::slice::from_ref(&p.ica),
            ExpectedName::Dns("device.example.com"),
            NOW,
        )
        .unwrap();
    let narrow =
        TrustAnchor::from_subject_spki(&subject, &p.root_spki, Some(&permit_dns("example.org")))
            .unwrap();
    let e = Validator::new(vec![narrow], Policy::default())
        .validate_server(
            &p.leaf,
            std::slice::from_ref(&p.ica),
            ExpectedName::Dns("device.example.com"),
            NOW,
        )
        .unwrap_err();
    assert!(matches!(e, CertificateError::NameConstraints { .. }), "{e}");
}

#[test]
fn malformed_name_and_key_parts_are_refused() {
    let p = pki("a.example");
    let subject = subject_of(p.root.cert_der());
    // Two TLVs where one is expected, or a truncated key.
    let doubled = [subject.clone(), subject.clone()].concat();
    assert!(TrustAnchor::from_subject_spki(&doubled, &p.root_spki, None).is_err());
    let cut = &p.root_spki[..p.root_spki.len() - 1];
    assert!(TrustAnchor::from_subject_spki(&subject, cut, None).is_err());
    assert!(TrustAnchor::from_subject_spki(&[], &p.root_spki, None).is_err());
}

/// A DER TLV with a short or long definite length.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    if value.len() < 0x80 {
        out.push(value.len() as u8);
    } else {
        out.push(0x82);
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// A Name with one RDN holding one commonName of string type `tag`.
fn cn_name(tag: u8, cn: &str) -> Vec<u8> {
    let atv = tlv(
        0x30,
        &[
            &[0x06, 0x03, 0x55, 0x04, 0x03][..],
            &tlv(tag, cn.as_bytes()),
        ]
        .concat(),
    );
    tlv(0x30, &tlv(0x31, &atv))
}

/// NameConstraints with one directoryName subtree, permitted ([0]) or
/// excluded ([1]).
fn dn_constraint(excluded: bool, name: &[u8]) -> Vec<u8> {
    let subtree = tlv(0x30, &tlv(0xa4, name));
    tlv(0x30, &tlv(if excluded { 0xa1 } else { 0xa0 }, &subtree))
}

const UTF8: u8 = 0x0c;
const PRINTABLE: u8 = 0x13;

/// A root (as a name-and-key anchor, with `constraints`) issuing a leaf
/// for device.example.com directly; the leaf's subject is
/// `CN=device.example.com` as a UTF8String (certgen's encoding).
fn constrained(constraints: &[u8]) -> (Validator, Vec<u8>) {
    let rng = OsRandom;
    let root_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let root = Ca::new("constraining root", &root_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let leaf_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = root
        .issue(
            &[SubjectAltName::Dns("device.example.com".into())],
            &leaf_key,
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    let spki = SigningKey::from_der(&root_key).unwrap().public_key_spki();
    let anchor =
        TrustAnchor::from_subject_spki(&subject_of(root.cert_der()), &spki, Some(constraints))
            .unwrap();
    (Validator::new(vec![anchor], Policy::default()), leaf)
}

/// Issue 11 #8: excluded directoryName subtrees compare names per RFC
/// 5280 §7.1 (RFC 4518 preparation), so a subject re-encoded
/// (UTF8String for PrintableString), re-cased or re-spaced does not escape
/// them.
#[test]
fn excluded_directory_name_matches_reencoded_and_recased_names() {
    let none: &[Vec<u8>] = &[];
    let name = ExpectedName::Dns("device.example.com");
    for excluded in [
        cn_name(UTF8, "device.example.com"),
        cn_name(PRINTABLE, "device.example.com"),
        cn_name(PRINTABLE, "DEVICE.Example.COM"),
        cn_name(UTF8, "  Device.Example.Com "),
    ] {
        let (v, leaf) = constrained(&dn_constraint(true, &excluded));
        let e = v.validate_server(&leaf, none, name, NOW).unwrap_err();
        assert!(e.to_string().contains("inside the excluded subtree"), "{e}");
    }
    // A different name is not excluded.
    let (v, leaf) = constrained(&dn_constraint(
        true,
        &cn_name(PRINTABLE, "other.example.com"),
    ));
    v.validate_server(&leaf, none, name, NOW).unwrap();
}

/// Permitted directoryName subtrees use the same comparison, and stay
/// fail-closed: a name outside them, or one we cannot compare exactly, is
/// refused.
#[test]
fn permitted_directory_name_compares_per_rfc4518_and_fails_closed() {
    let none: &[Vec<u8>] = &[];
    let name = ExpectedName::Dns("device.example.com");
    let (v, leaf) = constrained(&dn_constraint(
        false,
        &cn_name(PRINTABLE, "Device.Example.COM"),
    ));
    v.validate_server(&leaf, none, name, NOW).unwrap();
    for outside in [
        cn_name(PRINTABLE, "other.example.com"),
        // Fullwidth letters: equal only after NFKC, which we do not carry.
        cn_name(UTF8, "\u{ff24}evice.example.com"),
    ] {
        let (v, leaf) = constrained(&dn_constraint(false, &outside));
        let e = v.validate_server(&leaf, none, name, NOW).unwrap_err();
        assert!(matches!(e, CertificateError::NameConstraints { .. }), "{e}");
    }
}

/// Issue 12: PEM text without a certificate (a key file, an empty string)
/// must not give a verifier that trusts nothing.
#[test]
fn verifier_from_pem_without_a_certificate_is_an_error() {
    let key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let key_pem = certgen::to_pem("PRIVATE KEY", &key);
    for (text, says) in [
        (key_pem.as_str(), "found a PRIVATE KEY block"),
        ("", "no PEM block"),
        ("just some text\n", "no PEM block"),
    ] {
        for e in [
            WebPkiServerVerifier::from_pem(text)
                .map(|_| ())
                .unwrap_err(),
            WebPkiClientVerifier::from_pem(text)
                .map(|_| ())
                .unwrap_err(),
            TrustAnchor::from_pem(text).map(|_| ()).unwrap_err(),
        ] {
            let msg = e.to_string();
            assert!(msg.contains("no CERTIFICATE block"), "{msg}");
            assert!(msg.contains(says), "{msg}");
        }
    }
    // From the ecosystem's types: an empty list of roots.
    assert!(WebPkiServerVerifier::from_roots(&[]).is_err());
    assert!(WebPkiClientVerifier::from_roots(&[]).is_err());
}

#[cfg(feature = "webpki-roots")]
#[test]
fn every_mozilla_root_converts() {
    let roots = TrustAnchor::mozilla();
    assert_eq!(roots.len(), webpki_roots::TLS_SERVER_ROOTS.len());
    assert!(roots.len() > 100, "{}", roots.len());
    assert!(roots.iter().all(TrustAnchor::is_name_and_key));
    let subjects: Vec<String> = roots.iter().map(TrustAnchor::subject).collect();
    assert!(
        subjects.iter().any(|s| s.contains("ISRG Root X1")),
        "Let's Encrypt's root is there"
    );
    // Roots with name constraints keep them.
    let constrained = webpki_roots::TLS_SERVER_ROOTS
        .iter()
        .filter(|r| r.name_constraints.is_some())
        .count();
    assert!(constrained > 0);
}

#[cfg(feature = "native-roots")]
#[test]
fn the_os_store_loads() {
    match TrustAnchor::native() {
        Ok(roots) => {
            assert!(!roots.is_empty());
            assert!(roots.iter().all(|r| !r.is_name_and_key()));
        }
        // A machine without a CA bundle: the error says so.
        Err(e) => {
            eprintln!("!!!!!!!! no OS root store here: {e} !!!!!!!!");
            assert!(e.to_string().contains("no usable root certificate"), "{e}");
        }
    }
}
