//! Post-handshake client authentication (RFC 9846 §4.7.2) in memory: the
//! client offers post_handshake_auth when it has a resolver; the server
//! asks after the handshake; the client answers through its resolver
//! (granted or refused); the server verifies and reports the chain.

mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pair::{Feed, Pair, client_builder, identity, pinned_client, server_builder};
use tls13::certgen::KeyType;
use tls13::config::ClientAuth;
use tls13::crypto::sign::SigningKey;
use tls13::error::PeerIncompatible;
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::{
    CertificateRequestInfo, CertifiedKey, Error, Event, PinnedClientCertVerifier,
    ResolvesClientCert,
};

/// Presents the Ed25519 test identity, or nothing; counts the requests.
struct Resolver {
    grant: bool,
    calls: AtomicUsize,
}

impl ResolvesClientCert for Resolver {
    fn resolve(&self, request: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
        assert!(!request.signature_schemes.is_empty());
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.grant {
            return None;
        }
        let id = identity(KeyType::Ed25519);
        Some(Arc::new(CertifiedKey::new(
            vec![id.leaf.clone()],
            Arc::new(SigningKey::from_der(&id.key).unwrap()),
        )))
    }
}

fn pair(grant: bool, required: bool) -> (Pair, Arc<Resolver>) {
    let resolver = Arc::new(Resolver {
        grant,
        calls: AtomicUsize::new(0),
    });
    let client = client_builder(KeyType::EcdsaP256)
        .client_cert_resolver(resolver.clone())
        .build()
        .unwrap();
    let verifier = pinned_client(KeyType::Ed25519);
    let server = if required {
        // Required in the handshake too: the client must grant both times.
        server_builder(KeyType::EcdsaP256)
            .client_auth(ClientAuth::Required(verifier))
            .build()
            .unwrap()
    } else {
        server_builder(KeyType::EcdsaP256)
            .post_handshake_client_verifier(verifier)
            .build()
            .unwrap()
    };
    let mut p = Pair::new(client, server, Feed::Random(3));
    p.run().unwrap();
    assert!(pair::has_complete(&p.server_events));
    (p, resolver)
}

fn pha_events(p: &Pair) -> Vec<Vec<Vec<u8>>> {
    p.server_events
        .iter()
        .filter_map(|e| match e {
            Event::PostHandshakeAuth(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn granted() {
    let (mut p, resolver) = pair(true, false);
    // No CertificateRequest during the handshake.
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 0);
    assert!(p.server.negotiated().peer_certificates.is_empty());
    p.server.request_client_certificate().unwrap();
    // Data keeps flowing in both directions meanwhile.
    p.client.send(b"during").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"during");
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
    let leaf = identity(KeyType::Ed25519).leaf.clone();
    assert_eq!(pha_events(&p), vec![vec![leaf.clone()]]);
    assert_eq!(p.server.negotiated().peer_certificates, vec![leaf.clone()]);
    assert!(p.server.negotiated().client_signature_scheme.is_some());

    // A second request works too (fresh context).
    p.server.request_client_certificate().unwrap();
    p.run().unwrap();
    assert_eq!(pha_events(&p).len(), 2);
    p.client.send(b"after").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"after");
}

#[test]
fn refused() {
    let (mut p, resolver) = pair(false, false);
    p.server.request_client_certificate().unwrap();
    p.run().unwrap();
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
    assert_eq!(pha_events(&p), vec![Vec::<Vec<u8>>::new()]);
    assert!(p.server.negotiated().peer_certificates.is_empty());
    p.client.send(b"still here").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"still here");
}

#[test]
fn again_after_authenticating_in_the_handshake() {
    // ClientAuth::Required: authenticated in the handshake, and again
    // after it.
    let (mut p, resolver) = pair(true, true);
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
    assert!(!p.server.negotiated().peer_certificates.is_empty());
    p.server.request_client_certificate().unwrap();
    p.run().unwrap();
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 2);
    assert_eq!(pha_events(&p).len(), 1);
    assert!(!pha_events(&p)[0].is_empty());
}

#[test]
fn required_mode_refusal_after_handshake_fails() {
    // A client that authenticated in the handshake but refuses later.
    struct Once(AtomicUsize);
    impl ResolvesClientCert for Once {
        fn resolve(&self, _: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
            if self.0.fetch_add(1, Ordering::SeqCst) > 0 {
                return None;
            }
            let id = identity(KeyType::Ed25519);
            Some(Arc::new(CertifiedKey::new(
                vec![id.leaf.clone()],
                Arc::new(SigningKey::from_der(&id.key).unwrap()),
            )))
        }
    }
    let client = client_builder(KeyType::EcdsaP256)
        .client_cert_resolver(Arc::new(Once(AtomicUsize::new(0))))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Required(pinned_client(KeyType::Ed25519)))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    p.server.request_client_certificate().unwrap();
    let (at_client, err) = p.run().unwrap_err();
    assert!(!at_client);
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::CertificateRequired)
    );
    assert_eq!(err.alert(), Some(AlertDescription::CERTIFICATE_REQUIRED));
}

#[test]
fn wrong_certificate_is_rejected() {
    struct Other;
    impl ResolvesClientCert for Other {
        fn resolve(&self, _: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
            let id = identity(KeyType::EcdsaP384);
            Some(Arc::new(CertifiedKey::new(
                vec![id.leaf.clone()],
                Arc::new(SigningKey::from_der(&id.key).unwrap()),
            )))
        }
    }
    let client = client_builder(KeyType::EcdsaP256)
        .client_cert_resolver(Arc::new(Other))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .post_handshake_client_verifier(pinned_client(KeyType::Ed25519))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    p.server.request_client_certificate().unwrap();
    let (at_client, err) = p.run().unwrap_err();
    assert!(!at_client);
    assert!(matches!(err, Error::InvalidCertificate(_)), "{err:?}");
}

#[test]
fn not_offered_or_not_configured_is_a_usage_error() {
    // A client without a resolver does not offer post_handshake_auth.
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .post_handshake_client_verifier(Arc::new(PinnedClientCertVerifier::new(vec![])))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    assert!(matches!(
        p.server.request_client_certificate(),
        Err(Error::HandshakeNotComplete)
    ));
    p.run().unwrap();
    assert!(matches!(
        p.server.request_client_certificate(),
        Err(Error::BadConfig(_))
    ));
    // The connection is still fine.
    p.client.send(b"ok").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"ok");

    // A server without a verifier cannot ask.
    let client = client_builder(KeyType::EcdsaP256)
        .client_cert_resolver(Arc::new(Resolver {
            grant: true,
            calls: AtomicUsize::new(0),
        }))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(matches!(
        p.server.request_client_certificate(),
        Err(Error::BadConfig(_))
    ));
    // One request at a time.
    let (mut p, _) = pair(true, false);
    p.server.request_client_certificate().unwrap();
    assert!(matches!(
        p.server.request_client_certificate(),
        Err(Error::BadConfig(_))
    ));
    p.run().unwrap();
    assert_eq!(pha_events(&p).len(), 1);
}

#[test]
fn raw_public_key_again_after_the_handshake() {
    // RFC 7250: the handshake settled raw public keys for the client; the
    // post-handshake Certificate carries the bare key too.
    let key = || SigningKey::from_der(&identity(KeyType::Ed25519).key).unwrap();
    let spki = key().public_key_spki();
    let client = client_builder(KeyType::EcdsaP256)
        .client_auth_raw_public_key(key())
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Required(Arc::new(
            tls13::verify::PinnedRawPublicKeys::new(vec![spki.clone()]),
        )))
        .client_certificate_types(&[tls13::unstable::msgs::enums::CertificateType::RAW_PUBLIC_KEY])
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(p.server.negotiated().peer_raw_public_key);
    p.server.request_client_certificate().unwrap();
    p.run().unwrap();
    assert_eq!(pha_events(&p), vec![vec![spki]]);
    assert!(p.server.negotiated().peer_raw_public_key);
}

/// RFC 9846 §4.7.2, §4.7.3: the client's answer (Certificate,
/// CertificateVerify, Finished) is built under its current application
/// traffic secret; when the same input also carries a KeyUpdate asking
/// for ours, the answer must leave under that key, before our KeyUpdate.
/// Sealed after the switch, the server reads our KeyUpdate first and then
/// finds a Finished made with the previous secret (BadFinished).
#[test]
fn pha_answer_is_sealed_under_the_key_it_was_built_for() {
    let (mut p, resolver) = pair(true, false);
    // CertificateRequest and KeyUpdate reach the client in one receive.
    p.feed = Feed::Whole;
    p.server.request_client_certificate().unwrap();
    p.server.update_keys(true).unwrap();
    p.run().unwrap();
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
    let leaf = identity(KeyType::Ed25519).leaf.clone();
    assert_eq!(pha_events(&p), vec![vec![leaf]]);
    // Both directions still work under the new keys.
    p.client.send(b"after").unwrap();
    p.server.send(b"back").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"after");
    assert_eq!(p.client_data(), b"back");
}
