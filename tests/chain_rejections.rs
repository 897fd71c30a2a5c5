//! The chain validator behind a real handshake: each rejection reaches the
//! application as a clear message and the server as the alert RFC 8446
//! §6.2 names for it.

mod pair;

use std::sync::Arc;

use pair::*;
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::config::FixedTime;
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, Error};
use tls13::msgs::enums::AlertDescription;
use tls13::verify_webpki::WebPkiServerVerifier;
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
        Error::InvalidCertificate(CertificateError::Other { reason, .. }) => reason.clone(),
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
