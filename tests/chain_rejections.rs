//! The chain validator behind a real handshake: each rejection reaches the
//! application as a clear message and the server as the alert RFC 9846
//! §6.2 names for it.

mod pair;

use std::sync::Arc;

use pair::*;
use tls13::certgen::{self, Ca, ExtKeyUsage, KeyType, SubjectAltName};
use tls13::config::FixedTime;
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, Error};
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::Position;
use tls13::{ClientConfig, ServerConfig};

const DAY: u64 = 86_400;
/// 2026-11-23T00:00:00Z, the validation time of these tests.
const NOW: u64 = 1_795_392_000;

struct Pki {
    ca_pem: String,
    leaf: Vec<u8>,
    ca: Vec<u8>,
    key: Vec<u8>,
}

fn pki(name: &str, not_before: u64, not_after: u64) -> Pki {
    pki_under("rejection test CA", name, not_before, not_after)
}

fn pki_under(ca_name: &str, name: &str, not_before: u64, not_after: u64) -> Pki {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new(ca_name, &ca_key, NOW - 400 * DAY, NOW + 400 * DAY, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns(name.into())],
            &key,
            not_before,
            not_after,
            &rng,
        )
        .unwrap();
    Pki {
        ca_pem: certgen::to_pem("CERTIFICATE", ca.cert_der()),
        leaf,
        ca: ca.cert_der().to_vec(),
        key: key.to_vec(),
    }
}

/// Runs a handshake where the client trusts `trusted_ca_pem` and connects
/// to `server_name`; returns the client's error and the alert the server
/// received.
fn reject(server: &Pki, trusted_ca_pem: &str, server_name: &str) -> (Error, Error) {
    let verifier = Arc::new(WebPkiServerVerifier::from_pem(trusted_ca_pem).unwrap());
    let client = ClientConfig::builder(verifier)
        .time(Arc::new(FixedTime(NOW)))
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone(), server.ca.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .build()
    .unwrap();
    let mut p = Pair::with_server_name(client, server, Feed::Whole, server_name);
    let (client_side, client_err) = p.run().expect_err("the client must refuse the chain");
    assert!(client_side, "the client fails: {client_err}");
    let (server_side, server_err) = p.run().expect_err("the server receives the alert");
    assert!(!server_side);
    (client_err, server_err)
}

fn reason(e: &Error) -> String {
    match e {
        Error::InvalidCertificate(e) => e.to_string(),
        other => panic!("not a certificate error: {other:?}"),
    }
}

fn certificate_error(e: Error) -> CertificateError {
    match e {
        Error::InvalidCertificate(e) => e,
        other => panic!("not a certificate error: {other:?}"),
    }
}

#[test]
fn wrong_server_name_is_bad_certificate() {
    let server = pki("api.example.com", NOW - DAY, NOW + 90 * DAY);
    let (client_err, server_err) = reject(&server, &server.ca_pem, "www.example.org");
    assert_eq!(client_err.alert(), Some(AlertDescription::BAD_CERTIFICATE));
    assert_eq!(
        server_err,
        Error::AlertReceived(AlertDescription::BAD_CERTIFICATE)
    );
    let msg = reason(&client_err);
    assert!(msg.contains("www.example.org"), "{msg}");
    assert!(msg.contains("certificate 0"), "{msg}");
}

#[test]
fn expired_leaf_is_certificate_expired() {
    let server = pki("localhost", NOW - 100 * DAY, NOW - 22 * DAY);
    let (client_err, server_err) = reject(&server, &server.ca_pem, "localhost");
    assert_eq!(
        client_err.alert(),
        Some(AlertDescription::CERTIFICATE_EXPIRED)
    );
    assert_eq!(
        server_err,
        Error::AlertReceived(AlertDescription::CERTIFICATE_EXPIRED)
    );
    let msg = reason(&client_err);
    assert!(msg.contains("expired"), "{msg}");
    assert!(msg.contains("22 days"), "{msg}");
}

#[test]
fn untrusted_root_is_unknown_ca() {
    let server = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let other = pki_under("some other CA", "localhost", NOW - DAY, NOW + 90 * DAY);
    let (client_err, server_err) = reject(&server, &other.ca_pem, "localhost");
    assert_eq!(client_err.alert(), Some(AlertDescription::UNKNOWN_CA));
    assert_eq!(
        server_err,
        Error::AlertReceived(AlertDescription::UNKNOWN_CA)
    );
    let msg = reason(&client_err);
    assert!(msg.contains("rejection test CA"), "{msg}");
}

/// A CA certificate that copies a trusted CA's name but not its key must
/// not pass for it: the signature check fails.
#[test]
fn impostor_ca_with_trusted_name_is_rejected() {
    let server = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let trusted = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let (client_err, server_err) = reject(&server, &trusted.ca_pem, "localhost");
    assert!(client_err.alert().is_some());
    assert!(matches!(server_err, Error::AlertReceived(_)));
    assert!(!reason(&client_err).is_empty());
}

#[test]
fn valid_chain_is_accepted() {
    let server = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let verifier = Arc::new(WebPkiServerVerifier::from_pem(&server.ca_pem).unwrap());
    let client = ClientConfig::builder(verifier)
        .time(Arc::new(FixedTime(NOW)))
        .build()
        .unwrap();
    let server_config = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone(), server.ca.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .build()
    .unwrap();
    let mut p = Pair::with_server_name(client, server_config, Feed::Whole, "localhost");
    p.run().unwrap();
    assert!(has_complete(&p.client_events));
}

/// Each failure class reaches the application as its own variant, with
/// the data a program acts on (times, names, issuer, purposes), the
/// sentence a person reads as `Display`, and its alert from one mapping.
#[test]
fn certificate_errors_match_on_their_kind() {
    // Expired, with the times.
    let server = pki("localhost", NOW - 100 * DAY, NOW - 22 * DAY);
    let (e, _) = reject(&server, &server.ca_pem, "localhost");
    match certificate_error(e) {
        CertificateError::Expired {
            not_after,
            now,
            finding,
        } => {
            assert_eq!(not_after, (NOW - 22 * DAY) as i64);
            assert_eq!(now, NOW as i64);
            assert_eq!(finding.position, Some(Position::Peer(0)));
            assert_eq!(finding.subject, "CN=localhost");
        }
        other => panic!("{other:?}"),
    }
    // Not yet valid, with the times.
    let server = pki("localhost", NOW + 3 * DAY, NOW + 90 * DAY);
    let e = certificate_error(reject(&server, &server.ca_pem, "localhost").0);
    let CertificateError::NotYetValid {
        not_before, now, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*not_before, (NOW + 3 * DAY) as i64);
    assert_eq!(*now, NOW as i64);
    assert_eq!(e.alert(), AlertDescription::CERTIFICATE_EXPIRED);
    // Not valid for the name, with the names.
    let server = pki("api.example.com", NOW - DAY, NOW + 90 * DAY);
    let e = certificate_error(reject(&server, &server.ca_pem, "www.example.org").0);
    let CertificateError::NotValidForName {
        expected,
        presented,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(expected, "www.example.org");
    assert_eq!(presented, &["api.example.com"]);
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE);
    assert_eq!(
        e.to_string(),
        "certificate 0 (CN=api.example.com) is not valid for www.example.org: its subjectAltName lists api.example.com"
    );
    // Unknown issuer, with the issuer's name.
    let server = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let other = pki_under("some other CA", "localhost", NOW - DAY, NOW + 90 * DAY);
    let e = certificate_error(reject(&server, &other.ca_pem, "localhost").0);
    let CertificateError::UnknownIssuer { issuer, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(issuer, "CN=rejection test CA");
    assert_eq!(e.alert(), AlertDescription::UNKNOWN_CA);
    // A bad signature: a CA with the trusted name but another key.
    let trusted = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let e = certificate_error(reject(&server, &trusted.ca_pem, "localhost").0);
    assert!(matches!(e, CertificateError::BadSignature { .. }), "{e:?}");
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE);
    // A purpose not allowed: a client-only certificate on a server.
    let server = pki_with_eku("localhost", &[ExtKeyUsage::ClientAuth]);
    let (e, server_err) = reject(&server, &server.ca_pem, "localhost");
    let e = certificate_error(e);
    let CertificateError::InvalidPurpose {
        required,
        presented,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*required, "serverAuth");
    assert_eq!(presented, &["clientAuth"]);
    assert_eq!(e.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);
    assert_eq!(
        server_err,
        Error::AlertReceived(AlertDescription::UNSUPPORTED_CERTIFICATE)
    );
}

fn pki_with_eku(name: &str, eku: &[ExtKeyUsage]) -> Pki {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new(
        "rejection test CA",
        &ca_key,
        NOW - 400 * DAY,
        NOW + 400 * DAY,
        &rng,
    )
    .unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let spki = SigningKey::from_der(&key).unwrap().public_key_spki();
    let leaf = ca
        .issue_with_eku(
            &[SubjectAltName::Dns(name.into())],
            &spki,
            eku,
            NOW - DAY,
            NOW + 90 * DAY,
            &rng,
        )
        .unwrap();
    Pki {
        ca_pem: certgen::to_pem("CERTIFICATE", ca.cert_der()),
        leaf,
        ca: ca.cert_der().to_vec(),
        key: key.to_vec(),
    }
}

// ---------- A certificate that is itself the trust anchor ----------

/// A self-signed server certificate for `name`, valid `not_before` to
/// `not_after`, as a Pki whose "CA" is the certificate itself.
fn self_signed(name: &str, key: &[u8], not_before: u64, not_after: u64) -> Pki {
    let cert = certgen::self_signed(
        &[SubjectAltName::Dns(name.into())],
        key,
        not_before,
        not_after,
        &OsRandom,
    )
    .unwrap();
    Pki {
        ca_pem: certgen::to_pem("CERTIFICATE", &cert),
        ca: cert.clone(),
        leaf: cert,
        key: key.to_vec(),
    }
}

fn handshake(server: &Pki, trusted_pem: &str, server_name: &str) -> Result<(), (bool, Error)> {
    let verifier = Arc::new(WebPkiServerVerifier::from_pem(trusted_pem).unwrap());
    let client = ClientConfig::builder(verifier)
        .time(Arc::new(FixedTime(NOW)))
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .build()
    .unwrap();
    Pair::with_server_name(client, server, Feed::Whole, server_name).run()
}

/// Issue 12: a self-signed server certificate given to the client as its
/// trust anchor is accepted (rustls does the same), after the end
/// entity's own name, date and purpose checks.
#[test]
fn self_signed_server_certificate_trusted_as_its_own_anchor_is_accepted() {
    let key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let server = self_signed("localhost", &key, NOW - DAY, NOW + 90 * DAY);
    handshake(&server, &server.ca_pem, "localhost").unwrap();
    // The same certificate renewed with the same key: the anchor's key
    // verifies it, so it is that anchor's certificate too.
    let renewed = self_signed("localhost", &key, NOW - DAY, NOW + 180 * DAY);
    assert_ne!(renewed.leaf, server.leaf);
    handshake(&renewed, &server.ca_pem, "localhost").unwrap();
}

/// When the anchor is the certificate itself, what is still refused says
/// the real reason, never "issued by CN=localhost, which is neither a
/// trust anchor nor among the intermediates supplied".
#[test]
fn self_signed_anchor_refusals_say_the_real_reason() {
    // The client's refusal, which never blames a missing issuer.
    let refusal = |server: &Pki, trusted_pem: &str, name: &str| {
        let (client_side, e) = handshake(server, trusted_pem, name).unwrap_err();
        assert!(client_side, "{e}");
        let e = certificate_error(e);
        let msg = e.to_string();
        assert!(
            !msg.contains("neither a trust anchor nor among the intermediates"),
            "{msg}"
        );
        e
    };
    let key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    // The name, checked as for any end entity.
    let server = self_signed("localhost", &key, NOW - DAY, NOW + 90 * DAY);
    let e = refusal(&server, &server.ca_pem, "other.example");
    assert!(matches!(e, CertificateError::NotValidForName { .. }), "{e}");
    // The dates.
    let old = self_signed("localhost", &key, NOW - 100 * DAY, NOW - DAY);
    let e = refusal(&old, &old.ca_pem, "localhost");
    assert!(matches!(e, CertificateError::Expired { .. }), "{e}");
    // Another self-signed certificate with the same name and another key.
    let other_key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let impostor = self_signed("localhost", &other_key, NOW - DAY, NOW + 90 * DAY);
    let e = refusal(&impostor, &server.ca_pem, "localhost");
    assert!(matches!(e, CertificateError::UnknownIssuer { .. }), "{e}");
    assert!(e.to_string().contains("another key"), "{e}");
    // A self-signed certificate whose name no anchor has.
    let ca = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let e = refusal(&server, &ca.ca_pem, "localhost");
    assert!(matches!(e, CertificateError::UnknownIssuer { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("is self-issued (CN=localhost) and is not one of the trust anchors"),
        "{e}"
    );
}

/// A CA-issued end-entity certificate configured as the trust anchor (a
/// pin): the same certificate is accepted without its issuer.
#[test]
fn end_entity_certificate_configured_as_anchor_is_accepted() {
    let server = pki("localhost", NOW - DAY, NOW + 90 * DAY);
    let pinned = certgen::to_pem("CERTIFICATE", &server.leaf);
    handshake(&server, &pinned, "localhost").unwrap();
    let (_, e) = handshake(&server, &pinned, "other.example").unwrap_err();
    assert!(matches!(
        certificate_error(e),
        CertificateError::NotValidForName { .. }
    ));
}
