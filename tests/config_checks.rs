//! What a new user meets first: mistakes in the configuration are caught
//! when it is built, with a message naming the mistake, not at the first
//! handshake (issue 12).

use std::sync::Arc;

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tls13::{ClientConfig, Error, PinnedCertVerifier, ServerConfig};

const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

/// A CA, a leaf for `localhost` with its key, and an unrelated key.
struct Files {
    ca: Vec<u8>,
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn files(kind: KeyType) -> Files {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("Checks CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let key = certgen::generate_key(kind, &rng).unwrap();
    let names = [SubjectAltName::Dns("localhost".into())];
    let leaf = ca.issue(&names, &key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    Files {
        ca: ca.cert_der().to_vec(),
        leaf,
        key: key.to_vec(),
    }
}

fn other_key(kind: KeyType) -> SigningKey {
    SigningKey::from_der(&certgen::generate_key(kind, &OsRandom).unwrap()).unwrap()
}

fn bad_config(r: Result<impl Sized, Error>) -> String {
    match r {
        Err(Error::BadConfig(m)) => m,
        Err(e) => panic!("expected a configuration error, got {e:?}"),
        Ok(_) => panic!("expected a configuration error, the configuration was built"),
    }
}

fn verifier(f: &Files) -> Arc<PinnedCertVerifier> {
    Arc::new(PinnedCertVerifier::new(f.leaf.clone()))
}

#[test]
fn server_key_must_match_the_leaf_certificate() {
    for (leaf_kind, key_kind) in [
        (KeyType::EcdsaP256, KeyType::EcdsaP256),
        (KeyType::Ed25519, KeyType::EcdsaP256),
        (KeyType::Rsa2048, KeyType::Rsa2048),
    ] {
        let f = files(leaf_kind);
        let msg = bad_config(
            ServerConfig::builder_with_single_cert(
                vec![f.leaf.clone(), f.ca.clone()],
                other_key(key_kind),
            )
            .build(),
        );
        assert!(
            msg.contains("the private key does not match the certificate's public key")
                && msg.contains("(leaf CN=localhost)")
                && msg.starts_with("server certificate"),
            "{msg}"
        );
        // The right key builds.
        let key = SigningKey::from_der(&f.key).unwrap();
        ServerConfig::builder_with_single_cert(vec![f.leaf.clone(), f.ca.clone()], key)
            .build()
            .unwrap();
    }
}

#[test]
fn server_chain_must_start_with_the_leaf() {
    let f = files(KeyType::EcdsaP256);
    let key = SigningKey::from_der(&f.key).unwrap();
    // The CA first: its key is not the server's key.
    let msg = bad_config(
        ServerConfig::builder_with_single_cert(vec![f.ca.clone(), f.leaf.clone()], key).build(),
    );
    assert!(
        msg.contains("does not match") && msg.contains("(leaf CN=Checks CA)"),
        "{msg}"
    );
}

#[test]
fn server_certificate_chain_must_not_be_empty() {
    let f = files(KeyType::EcdsaP256);
    let key = SigningKey::from_der(&f.key).unwrap();
    let msg = bad_config(ServerConfig::builder_with_single_cert(Vec::new(), key).build());
    assert!(
        msg.contains("server certificate: the certificate chain is empty"),
        "{msg}"
    );
}

#[test]
fn server_certificate_must_be_der() {
    let f = files(KeyType::EcdsaP256);
    let key = SigningKey::from_der(&f.key).unwrap();
    let pem = certgen::to_pem("CERTIFICATE", &f.leaf).into_bytes();
    let msg = bad_config(ServerConfig::builder_with_single_cert(vec![pem], key).build());
    assert!(msg.contains("is not a DER X.509 certificate"), "{msg}");
}

/// The ecosystem-typed builder goes through the same check.
#[test]
fn server_key_must_match_the_leaf_certificate_with_pki_types() {
    let f = files(KeyType::EcdsaP256);
    let other = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(other.to_vec()));
    let chain = vec![CertificateDer::from(f.leaf.clone())];
    let msg = bad_config(
        ServerConfig::builder_with_cert_der(chain, &key)
            .unwrap()
            .build(),
    );
    assert!(msg.contains("does not match"), "{msg}");
}

#[test]
fn client_auth_key_must_match_its_certificate() {
    let server = files(KeyType::EcdsaP256);
    let client = files(KeyType::EcdsaP384);
    let msg = bad_config(
        ClientConfig::builder(verifier(&server))
            .client_auth_cert(vec![client.leaf.clone()], other_key(KeyType::EcdsaP384))
            .build(),
    );
    assert!(
        msg.starts_with("client certificate: the private key does not match")
            && msg.contains("(leaf CN=localhost)"),
        "{msg}"
    );
    let msg = bad_config(
        ClientConfig::builder(verifier(&server))
            .client_auth_cert(Vec::new(), other_key(KeyType::EcdsaP384))
            .build(),
    );
    assert!(
        msg.contains("client certificate: the certificate chain is empty"),
        "{msg}"
    );
    ClientConfig::builder(verifier(&server))
        .client_auth_cert(
            vec![client.leaf.clone()],
            SigningKey::from_der(&client.key).unwrap(),
        )
        .build()
        .unwrap();
}
