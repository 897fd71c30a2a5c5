//! extendedKeyUsage chaining through cross-certificates and bridges, on
//! meshes built with `certgen`: a CA certificate whose extKeyUsage lists
//! purposes but not the one being validated (serverAuth for a server,
//! clientAuth for a client) is not on an accepted path, and path building
//! goes on to the other candidates, so a mesh with a restricted branch and
//! a clean one validates through the clean one. The same rule holds in
//! `x509::Validator`, behind `WebPkiServerVerifier` and
//! `WebPkiClientVerifier` in real handshakes, and under name-and-key
//! anchors (the form of `TrustAnchor::mozilla()`).
//!
//! The mesh: roots A and B; the intermediate CA "Mesh X" (one key) certified
//! by A and by B (a cross-sign), in restricted or clean forms; a leaf for
//! `localhost` issued by Mesh X; and bridges, where A certifies B's name and
//! key.

mod pair;

use std::sync::Arc;

use pair::*;
use tls13::certgen::{self, Ca, ExtKeyUsage, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, Error};
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::verify::ClientCertVerifier;
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{ExpectedName, Policy, Position, TrustAnchor, Validator};
use tls13::{ClientAuth, ClientConfig, ServerConfig};
use zeroize::Zeroizing;

const NOW: u64 = NOT_BEFORE + 86_400;
const NAME: ExpectedName<'static> = ExpectedName::Dns("localhost");

fn key() -> Zeroizing<Vec<u8>> {
    certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap()
}

struct Mesh {
    a: Ca,
    a_key: Zeroizing<Vec<u8>>,
    b: Ca,
    b_key: Zeroizing<Vec<u8>>,
    x_key: Zeroizing<Vec<u8>>,
    leaf_key: Zeroizing<Vec<u8>>,
}

impl Mesh {
    fn new() -> Self {
        let (a_key, b_key) = (key(), key());
        Self {
            a: Ca::new("Mesh Root A", &a_key, NOT_BEFORE, NOT_AFTER, &OsRandom).unwrap(),
            a_key,
            b: Ca::new("Mesh Root B", &b_key, NOT_BEFORE, NOT_AFTER, &OsRandom).unwrap(),
            b_key,
            x_key: key(),
            leaf_key: key(),
        }
    }

    /// "Mesh X" (always the same name and key) certified by `by`.
    fn x(&self, by: &Ca, eku: &[ExtKeyUsage]) -> Ca {
        by.issue_intermediate_with_eku(
            "Mesh X",
            &self.x_key,
            None,
            eku,
            NOT_BEFORE,
            NOT_AFTER,
            &OsRandom,
        )
        .unwrap()
    }

    /// A bridge: A certifies root B's name and key.
    fn bridge(&self, eku: &[ExtKeyUsage]) -> Ca {
        self.a
            .issue_intermediate_with_eku(
                "Mesh Root B",
                &self.b_key,
                None,
                eku,
                NOT_BEFORE,
                NOT_AFTER,
                &OsRandom,
            )
            .unwrap()
    }

    /// The leaf for `localhost` (serverAuth and clientAuth) under Mesh X;
    /// any certificate of Mesh X serves as its issuer.
    fn leaf(&self, x: &Ca) -> Vec<u8> {
        x.issue(
            &[SubjectAltName::Dns("localhost".into())],
            &self.leaf_key,
            NOT_BEFORE,
            NOT_AFTER,
            &OsRandom,
        )
        .unwrap()
    }

    fn leaf_signer(&self) -> SigningKey {
        SigningKey::from_der(&self.leaf_key).unwrap()
    }
}

fn anchor(ca: &Ca) -> TrustAnchor {
    TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap()
}

fn validator(anchors: &[&Ca]) -> Validator {
    Validator::new(
        anchors.iter().map(|c| anchor(c)).collect(),
        Policy::default(),
    )
}

fn der(cas: &[&Ca]) -> Vec<Vec<u8>> {
    cas.iter().map(|c| c.cert_der().to_vec()).collect()
}

/// The error is the EKU refusal of `subject` at `position`, for `required`,
/// and its text names the certificate and its purposes.
fn assert_purpose_refused(
    e: &CertificateError,
    required: &str,
    presented: &[&str],
    position: Position,
    subject: &str,
) {
    let CertificateError::InvalidPurpose {
        required: r,
        presented: p,
        finding,
    } = e
    else {
        panic!("not an EKU refusal: {e:?}");
    };
    assert_eq!(*r, required, "{e}");
    assert_eq!(p, presented, "{e}");
    assert_eq!(finding.position, Some(position), "{e}");
    assert_eq!(finding.subject, subject, "{e}");
    assert_eq!(e.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);
    let text = e.to_string();
    assert!(text.contains(subject), "{text}");
    assert!(text.contains(required), "{text}");
    for p in presented {
        assert!(text.contains(p), "{text}");
    }
}

#[test]
fn eku_of_intermediate_must_permit_server_auth() {
    let m = Mesh::new();
    let x_client_only = m.x(&m.a, &[ExtKeyUsage::ClientAuth]);
    let leaf = m.leaf(&x_client_only);
    let v = validator(&[&m.a]);
    let inter = der(&[&x_client_only]);
    let e = v.validate_server(&leaf, &inter, NAME, NOW).unwrap_err();
    assert_purpose_refused(
        &e,
        "serverAuth",
        &["clientAuth"],
        Position::Peer(1),
        "CN=Mesh X",
    );
    // The restriction is to clientAuth, which it allows.
    v.validate_client(&leaf, &inter, NOW).unwrap();
    // A restricted CA given as the trust anchor itself restricts as well.
    let e = validator(&[&x_client_only])
        .validate_server(&leaf, &[] as &[Vec<u8>], NAME, NOW)
        .unwrap_err();
    assert_purpose_refused(
        &e,
        "serverAuth",
        &["clientAuth"],
        Position::Anchor(0),
        "CN=Mesh X",
    );
}

#[test]
fn eku_of_intermediate_must_permit_client_auth() {
    let m = Mesh::new();
    let x_server_only = m.x(&m.a, &[ExtKeyUsage::ServerAuth]);
    let leaf = m.leaf(&x_server_only);
    let v = validator(&[&m.a]);
    let inter = der(&[&x_server_only]);
    let e = v.validate_client(&leaf, &inter, NOW).unwrap_err();
    assert_purpose_refused(
        &e,
        "clientAuth",
        &["serverAuth"],
        Position::Peer(1),
        "CN=Mesh X",
    );
    v.validate_server(&leaf, &inter, NAME, NOW).unwrap();
    // Purposes other than the TLS ones restrict too.
    let x_code = m.x(&m.a, &[ExtKeyUsage::CodeSigning]);
    let e = v.validate_client(&leaf, &der(&[&x_code]), NOW).unwrap_err();
    assert_purpose_refused(
        &e,
        "clientAuth",
        &["codeSigning"],
        Position::Peer(1),
        "CN=Mesh X",
    );
}

#[test]
fn restricted_cross_sign_is_passed_over_for_a_clean_one() {
    let m = Mesh::new();
    let x_by_a = m.x(&m.a, &[ExtKeyUsage::ClientAuth]);
    let x_by_b = m.x(&m.b, &[]);
    let leaf = m.leaf(&x_by_a);
    let v = validator(&[&m.a, &m.b]);
    // The restricted branch comes first in both the chain and the anchors.
    for inter in [der(&[&x_by_a, &x_by_b]), der(&[&x_by_b, &x_by_a])] {
        let path = v.validate_server(&leaf, &inter, NAME, NOW).unwrap();
        assert_eq!(
            path.chain[1],
            x_by_b.cert_der(),
            "through the clean cross-sign"
        );
        assert_eq!(path.anchor, 1, "to root B");
        // For a client both branches are open; either is a valid path.
        v.validate_client(&leaf, &inter, NOW).unwrap();
    }
    // Only the restricted branch: refused, and the error says why.
    let e = v
        .validate_server(&leaf, &der(&[&x_by_a]), NAME, NOW)
        .unwrap_err();
    assert_purpose_refused(
        &e,
        "serverAuth",
        &["clientAuth"],
        Position::Peer(1),
        "CN=Mesh X",
    );
    // With the clean branch offered but its root not trusted, the
    // restricted one does not become acceptable. (The error reported is the
    // one of the branch that got furthest: here the clean one, stopped at
    // its untrusted root.)
    let e = validator(&[&m.a])
        .validate_server(&leaf, &der(&[&x_by_b, &x_by_a]), NAME, NOW)
        .unwrap_err();
    assert!(
        matches!(
            e,
            CertificateError::UnknownIssuer { .. } | CertificateError::InvalidPurpose { .. }
        ),
        "{e}"
    );
}

#[test]
fn restricted_bridge_blocks_only_the_purposes_it_lacks() {
    let m = Mesh::new();
    let x_by_b = m.x(&m.b, &[]);
    let leaf = m.leaf(&x_by_b);
    let v = validator(&[&m.a]);
    let restricted = m.bridge(&[ExtKeyUsage::ClientAuth]);
    let inter = der(&[&x_by_b, &restricted]);
    // leaf <- Mesh X (by B, clean) <- Mesh Root B (by A, clientAuth only)
    // <- A: the restriction binds the whole path below the bridge.
    let e = v.validate_server(&leaf, &inter, NAME, NOW).unwrap_err();
    assert_purpose_refused(
        &e,
        "serverAuth",
        &["clientAuth"],
        Position::Peer(2),
        "CN=Mesh Root B",
    );
    let path = v.validate_client(&leaf, &inter, NOW).unwrap();
    assert_eq!(path.chain.len(), 4);
    assert_eq!(path.chain[2], restricted.cert_der());
    // A second, unrestricted bridge opens the server path.
    let clean = m.bridge(&[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth]);
    let inter = der(&[&x_by_b, &restricted, &clean]);
    let path = v.validate_server(&leaf, &inter, NAME, NOW).unwrap();
    assert_eq!(path.chain[2], clean.cert_der(), "through the clean bridge");
}

/// anyExtendedKeyUsage in a CA is the unrestricted cross-certificate form
/// (CABF BR 7.1.2.2.6): it allows both purposes. In an end entity it is
/// refused (CABF BR 7.1.2.7.10).
#[test]
fn any_extended_key_usage_in_a_ca_allows_every_purpose() {
    let m = Mesh::new();
    let x_any = m.x(&m.a, &[ExtKeyUsage::Any]);
    let leaf = m.leaf(&x_any);
    let v = validator(&[&m.a]);
    let inter = der(&[&x_any]);
    v.validate_server(&leaf, &inter, NAME, NOW).unwrap();
    v.validate_client(&leaf, &inter, NOW).unwrap();
    // With a restricted purpose beside it, it still allows every purpose.
    let x_mixed = m.x(&m.a, &[ExtKeyUsage::CodeSigning, ExtKeyUsage::Any]);
    v.validate_server(&leaf, &der(&[&x_mixed]), NAME, NOW)
        .unwrap();
    // An end entity with anyExtendedKeyUsage is refused.
    let spki = m.leaf_signer().public_key_spki();
    let any_leaf = x_any
        .issue_with_eku(
            &[SubjectAltName::Dns("localhost".into())],
            &spki,
            &[ExtKeyUsage::ServerAuth, ExtKeyUsage::Any],
            NOT_BEFORE,
            NOT_AFTER,
            &OsRandom,
        )
        .unwrap();
    let e = v.validate_server(&any_leaf, &inter, NAME, NOW).unwrap_err();
    let CertificateError::InvalidPurpose {
        required,
        presented,
        finding,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*required, "serverAuth");
    assert_eq!(presented, &["serverAuth", "anyExtendedKeyUsage"]);
    assert_eq!(finding.position, Some(Position::Peer(0)));
    assert!(e.to_string().contains("anyExtendedKeyUsage"), "{e}");
}

/// `TrustAnchor::mozilla()` holds name-and-key anchors: the rule applies
/// to the intermediates under them the same way.
#[test]
fn name_and_key_anchor_does_not_lift_an_intermediate_restriction() {
    let m = Mesh::new();
    let x_client_only = m.x(&m.a, &[ExtKeyUsage::ClientAuth]);
    let x_clean = m.x(&m.a, &[]);
    let leaf = m.leaf(&x_clean);
    let subject = WebPkiClientVerifier::new(vec![anchor(&m.a)], Policy::default())
        .certificate_authorities()
        .remove(0);
    let spki = SigningKey::from_der(&m.a_key).unwrap().public_key_spki();
    let root = TrustAnchor::from_subject_spki(&subject, &spki, None).unwrap();
    assert!(root.is_name_and_key());
    let v = Validator::new(vec![root], Policy::default());
    v.validate_server(&leaf, &der(&[&x_clean]), NAME, NOW)
        .unwrap();
    let e = v
        .validate_server(&leaf, &der(&[&x_client_only]), NAME, NOW)
        .unwrap_err();
    assert_purpose_refused(
        &e,
        "serverAuth",
        &["clientAuth"],
        Position::Peer(1),
        "CN=Mesh X",
    );
    let path = v
        .validate_server(&leaf, &der(&[&x_client_only, &x_clean]), NAME, NOW)
        .unwrap();
    assert_eq!(path.chain[1], x_clean.cert_der());
}

/// The client's `WebPkiServerVerifier` in a handshake: the restricted
/// intermediate is refused with `unsupported_certificate`; with the clean
/// cross-sign beside it the handshake completes.
#[test]
fn webpki_server_verifier_applies_eku_chaining() {
    let m = Mesh::new();
    let x_by_a = m.x(&m.a, &[ExtKeyUsage::ClientAuth]);
    let x_by_b = m.x(&m.b, &[]);
    let leaf = m.leaf(&x_by_a);
    let run = |chain: Vec<Vec<u8>>| {
        let verifier =
            WebPkiServerVerifier::new(vec![anchor(&m.a), anchor(&m.b)], Policy::default());
        let client = ClientConfig::builder(Arc::new(verifier)).build().unwrap();
        let server = ServerConfig::builder_with_single_cert(chain, m.leaf_signer())
            .build()
            .unwrap();
        let mut p = Pair::new(client, server, Feed::Whole);
        p.run()
    };
    let (client_side, e) = run(vec![leaf.clone(), x_by_a.cert_der().to_vec()]).unwrap_err();
    assert!(client_side, "{e}");
    let Error::InvalidCertificate(ce) = &e else {
        panic!("{e:?}")
    };
    assert_purpose_refused(
        ce,
        "serverAuth",
        &["clientAuth"],
        Position::Peer(1),
        "CN=Mesh X",
    );
    assert_eq!(e.alert(), Some(AlertDescription::UNSUPPORTED_CERTIFICATE));
    run(vec![
        leaf,
        x_by_a.cert_der().to_vec(),
        x_by_b.cert_der().to_vec(),
    ])
    .unwrap();
}

/// The server's `WebPkiClientVerifier` in a handshake: a client chain
/// through an intermediate restricted to serverAuth is refused; with the
/// clean cross-sign beside it the client is accepted.
#[test]
fn webpki_client_verifier_applies_eku_chaining() {
    let m = Mesh::new();
    let x_by_a = m.x(&m.a, &[ExtKeyUsage::ServerAuth]);
    let x_by_b = m.x(&m.b, &[]);
    let leaf = m.leaf(&x_by_a);
    let run = |chain: Vec<Vec<u8>>| {
        let verifier =
            WebPkiClientVerifier::new(vec![anchor(&m.a), anchor(&m.b)], Policy::default());
        let server = server_builder(KeyType::EcdsaP256)
            .client_auth(ClientAuth::Required(Arc::new(verifier)))
            .build()
            .unwrap();
        let client = client_builder(KeyType::EcdsaP256)
            .client_auth_cert(chain, m.leaf_signer())
            .build()
            .unwrap();
        let mut p = Pair::new(client, server, Feed::Whole);
        let r = p.run();
        (r, p)
    };
    let (r, p) = run(vec![leaf.clone(), x_by_a.cert_der().to_vec()]);
    let (client_side, e) = r.unwrap_err();
    assert!(!client_side, "the server refuses: {e}");
    let Error::InvalidCertificate(ce) = &e else {
        panic!("{e:?}")
    };
    assert_purpose_refused(
        ce,
        "clientAuth",
        &["serverAuth"],
        Position::Peer(1),
        "CN=Mesh X",
    );
    assert!(!p.server.pending_output().is_empty(), "an alert is sent");
    let (r, p) = run(vec![
        leaf.clone(),
        x_by_a.cert_der().to_vec(),
        x_by_b.cert_der().to_vec(),
    ]);
    r.unwrap();
    assert!(has_complete(&p.server_events));
    assert_eq!(p.server.negotiated().peer_certificates[0], leaf);
    // The verifier advertises both roots.
    let v = WebPkiClientVerifier::new(vec![anchor(&m.a), anchor(&m.b)], Policy::default());
    assert_eq!(v.certificate_authorities().len(), 2);
}
