//! Raw public keys (RFC 7250) in memory (tests/pair): the server's key,
//! the client's key, both, the negotiation of `server_certificate_type`
//! and `client_certificate_type` (preference, fallback to X.509, no type
//! in common), pinned-key mismatches on each side, CertificateVerify
//! checked against the bare SubjectPublicKeyInfo, and a deferred
//! raw-key verification.

mod pair;

use std::sync::Arc;

use pair::*;
use tls13::certgen::KeyType;
use tls13::config::ClientAuth;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, PeerMisbehaved};
use tls13::unstable::msgs::enums::{AlertDescription, CertificateType};
use tls13::unstable::msgs::handshake::ServerExtension;
use tls13::verify::{PinnedRawPublicKey, PinnedRawPublicKeys, SingleCertResolver};
use tls13::{
    CertifiedKey, ClientConfig, Decision, Error, Event, PinnedCertVerifier, ServerCertVerifier,
    ServerConfig, ServerName,
};

const RPK: CertificateType = CertificateType::RAW_PUBLIC_KEY;
const X509: CertificateType = CertificateType::X509;
const KEYS: [KeyType; 4] = [
    KeyType::EcdsaP256,
    KeyType::EcdsaP384,
    KeyType::Ed25519,
    KeyType::Rsa2048,
];

fn key(kind: KeyType) -> SigningKey {
    SigningKey::from_der(&identity(kind).key).unwrap()
}

fn spki(kind: KeyType) -> Vec<u8> {
    key(kind).public_key_spki()
}

/// A client that accepts only the server's pinned raw key.
fn rpk_client(server_kind: KeyType) -> tls13::config::ClientConfigBuilder {
    ClientConfig::builder(Arc::new(PinnedRawPublicKey::new(spki(server_kind))))
        .server_certificate_types(&[RPK])
}

fn rpk_server(kind: KeyType) -> tls13::config::ServerConfigBuilder {
    ServerConfig::builder_with_raw_public_key(key(kind))
}

fn round_trip(p: &mut Pair, what: &str) {
    p.run().unwrap_or_else(|e| panic!("{what}: {e:?}"));
    assert!(has_complete(&p.client_events), "{what}");
    assert!(has_complete(&p.server_events), "{what}");
    p.client.send(b"ping").unwrap();
    p.server.send(b"pong").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"ping", "{what}");
    assert_eq!(p.client_data(), b"pong", "{what}");
}

/// Runs until one side fails, then hands its alert to the other; returns
/// (error of the side that detected it, error of the other side).
fn fails(p: &mut Pair, detected_by_client: bool) -> (Error, Error) {
    let (client_side, err) = p.run().expect_err("the handshake must fail");
    assert_eq!(
        client_side, detected_by_client,
        "which side detects it: {err:?}"
    );
    let other = if client_side {
        let alert = p.client.pending_output().to_vec();
        assert!(!alert.is_empty(), "an alert is sent");
        p.server.receive(&alert)
    } else {
        let alert = p.server.pending_output().to_vec();
        assert!(!alert.is_empty(), "an alert is sent");
        p.client.receive(&alert)
    }
    .expect_err("the peer sees the alert");
    (err, other)
}

fn assert_alert(detected: &Error, other: &Error, alert: AlertDescription) {
    assert_eq!(detected.alert(), Some(alert), "{detected}");
    assert_eq!(*other, Error::AlertReceived(alert));
}

#[test]
fn server_raw_public_key_for_every_key_type() {
    for kind in KEYS {
        let what = format!("{kind:?}");
        let client = rpk_client(kind).build().unwrap();
        let server = rpk_server(kind).build().unwrap();
        let mut p = Pair::new(client, server, Feed::Random(kind as u64 + 1));
        round_trip(&mut p, &what);
        let n = p.client.negotiated();
        assert!(n.peer_raw_public_key, "{what}");
        assert_eq!(
            n.peer_certificates,
            vec![spki(kind)],
            "{what}: the bare SPKI"
        );
        assert!(n.signature_scheme.is_some(), "{what}");
        assert!(!p.server.negotiated().peer_raw_public_key, "{what}");
    }
}

#[test]
fn client_raw_public_key_for_every_key_type() {
    for kind in KEYS {
        let what = format!("{kind:?}");
        let client = client_builder(KeyType::EcdsaP256)
            .client_auth_raw_public_key(key(kind))
            .build()
            .unwrap();
        let server = server_builder(KeyType::EcdsaP256)
            .client_auth(ClientAuth::Required(Arc::new(PinnedRawPublicKeys::new(
                vec![spki(KeyType::Ed25519), spki(kind)],
            ))))
            .client_certificate_types(&[RPK])
            .build()
            .unwrap();
        let mut p = Pair::new(client, server, Feed::Whole);
        round_trip(&mut p, &what);
        let n = p.server.negotiated();
        assert!(n.peer_raw_public_key, "{what}");
        assert_eq!(n.peer_certificates, vec![spki(kind)], "{what}");
        assert!(n.client_signature_scheme.is_some(), "{what}");
        // The server itself authenticated with X.509.
        let c = p.client.negotiated();
        assert!(!c.peer_raw_public_key, "{what}");
        assert_eq!(c.peer_certificates[0], identity(KeyType::EcdsaP256).leaf);
    }
}

#[test]
fn both_sides_raw_public_keys() {
    let client = rpk_client(KeyType::Ed25519)
        .client_auth_raw_public_key(key(KeyType::EcdsaP384))
        .build()
        .unwrap();
    let server = rpk_server(KeyType::Ed25519)
        .client_auth(ClientAuth::Required(Arc::new(PinnedRawPublicKeys::new(
            vec![spki(KeyType::EcdsaP384)],
        ))))
        .client_certificate_types(&[RPK])
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::OneByte);
    round_trip(&mut p, "both");
    assert_eq!(
        p.client.negotiated().peer_certificates,
        vec![spki(KeyType::Ed25519)]
    );
    assert_eq!(
        p.server.negotiated().peer_certificates,
        vec![spki(KeyType::EcdsaP384)]
    );
}

#[test]
fn server_preference_decides_between_x509_and_raw_keys() {
    // One certificate chain serves both: for a raw key the handshake sends
    // the leaf's SubjectPublicKeyInfo.
    let kind = KeyType::EcdsaP256;
    let server = || {
        server_builder(kind)
            .server_certificate_types(&[X509, RPK])
            .build()
            .unwrap()
    };
    // The client offers raw keys only: it gets the leaf's key.
    let mut p = Pair::new(rpk_client(kind).build().unwrap(), server(), Feed::Whole);
    round_trip(&mut p, "rpk only");
    assert!(p.client.negotiated().peer_raw_public_key);
    assert_eq!(p.client.negotiated().peer_certificates, vec![spki(kind)]);

    // A client offering both gets the server's first choice, X.509.
    struct Both;
    impl ServerCertVerifier for Both {
        fn verify_server_cert(
            &self,
            ee: &[u8],
            _: &[Vec<u8>],
            _: &ServerName,
            _: u64,
        ) -> Decision<Result<(), CertificateError>> {
            PinnedCertVerifier::new(identity(KeyType::EcdsaP256).leaf.clone()).verify_server_cert(
                ee,
                &[],
                &ServerName::try_from("localhost").unwrap(),
                0,
            )
        }
        fn verify_server_raw_public_key(
            &self,
            _: &[u8],
            _: &ServerName,
            _: u64,
        ) -> Decision<Result<(), CertificateError>> {
            panic!("X.509 was preferred")
        }
    }
    let client = ClientConfig::builder(Arc::new(Both))
        .server_certificate_types(&[RPK, X509])
        .build()
        .unwrap();
    let mut p = Pair::new(client, server(), Feed::Whole);
    round_trip(&mut p, "both offered");
    assert!(!p.client.negotiated().peer_raw_public_key);
    assert_eq!(p.client.negotiated().peer_certificates.len(), 2);

    // A client that sends no extension gets X.509.
    let mut p = Pair::new(client_builder(kind).build().unwrap(), server(), Feed::Whole);
    round_trip(&mut p, "no extension");
    assert!(!p.client.negotiated().peer_raw_public_key);
}

#[test]
fn no_common_server_certificate_type_is_unsupported_certificate() {
    // RFC 7250 §4.2 outcome 2: the server aborts with unsupported_certificate.
    // A client that wants raw keys against an X.509-only server...
    let mut p = Pair::new(
        rpk_client(KeyType::EcdsaP256).build().unwrap(),
        server_builder(KeyType::EcdsaP256).build().unwrap(),
        Feed::Whole,
    );
    let (s, c) = fails(&mut p, false);
    assert_alert(&s, &c, AlertDescription::UNSUPPORTED_CERTIFICATE);
    assert!(
        s.to_string()
            .contains("no server certificate type in common"),
        "{s}"
    );

    // ...and a raw-key-only server against a client that offers nothing
    // (X.509 implied).
    let mut p = Pair::new(
        client_builder(KeyType::EcdsaP256).build().unwrap(),
        rpk_server(KeyType::EcdsaP256).build().unwrap(),
        Feed::Whole,
    );
    let (s, c) = fails(&mut p, false);
    assert_alert(&s, &c, AlertDescription::UNSUPPORTED_CERTIFICATE);
}

#[test]
fn no_common_client_certificate_type() {
    let rpk_only = || server_builder(KeyType::EcdsaP256).client_certificate_types(&[RPK]);
    let verifier = || Arc::new(PinnedRawPublicKeys::new(vec![spki(KeyType::Ed25519)]));
    let x509_client = || {
        client_builder(KeyType::EcdsaP256)
            .client_auth_cert(
                vec![identity(KeyType::Ed25519).leaf.clone()],
                key(KeyType::Ed25519),
            )
            .build()
            .unwrap()
    };
    // Required: the server cannot accept anything the client can send.
    let server = rpk_only()
        .client_auth(ClientAuth::Required(verifier()))
        .build()
        .unwrap();
    let mut p = Pair::new(x509_client(), server, Feed::Whole);
    let (s, c) = fails(&mut p, false);
    assert_alert(&s, &c, AlertDescription::UNSUPPORTED_CERTIFICATE);
    assert!(
        s.to_string()
            .contains("no client certificate type in common"),
        "{s}"
    );

    // Optional: no CertificateRequest, the client stays anonymous.
    let server = rpk_only()
        .client_auth(ClientAuth::Optional(verifier()))
        .build()
        .unwrap();
    let mut p = Pair::new(x509_client(), server, Feed::Whole);
    round_trip(&mut p, "optional");
    assert!(p.server.negotiated().peer_certificates.is_empty());
    assert_eq!(p.client.negotiated().client_signature_scheme, None);
}

#[test]
fn client_with_only_a_raw_key_sends_an_empty_certificate_when_x509_is_implied() {
    // A server that does not echo client_certificate_type implies X.509
    // (RFC 7250 §4.2); the client has only a raw key, so it sends an
    // empty Certificate (RFC 9846 §4.5.1.3) and the server decides.
    let drop_echo: tls13::config::EncryptedExtensionsHook =
        Arc::new(|ee| ee.retain(|e| !matches!(e, ServerExtension::ClientCertificateType(_))));
    let client = client_builder(KeyType::EcdsaP256)
        .client_auth_raw_public_key(key(KeyType::Ed25519))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Required(Arc::new(PinnedRawPublicKeys::new(
            vec![spki(KeyType::Ed25519)],
        ))))
        .client_certificate_types(&[RPK])
        .encrypted_extensions_hook(drop_echo)
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let (s, c) = fails(&mut p, false);
    assert_alert(&s, &c, AlertDescription::CERTIFICATE_REQUIRED);
}

#[test]
fn server_selecting_an_unoffered_type_is_illegal_parameter() {
    // The client offered raw keys only; a server answering X.509 in
    // server_certificate_type breaks RFC 7250 §4.2.
    let wrong: tls13::config::EncryptedExtensionsHook = Arc::new(|ee| {
        for e in ee.iter_mut() {
            if let ServerExtension::ServerCertificateType(t) = e {
                *t = X509;
            }
        }
    });
    let server = rpk_server(KeyType::EcdsaP256)
        .encrypted_extensions_hook(wrong)
        .build()
        .unwrap();
    let mut p = Pair::new(
        rpk_client(KeyType::EcdsaP256).build().unwrap(),
        server,
        Feed::Whole,
    );
    let (c, s) = fails(&mut p, true);
    assert_alert(&c, &s, AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn server_key_not_pinned_is_bad_certificate() {
    let client = rpk_client(KeyType::EcdsaP384).build().unwrap();
    let server = rpk_server(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let (c, s) = fails(&mut p, true);
    assert_alert(&c, &s, AlertDescription::BAD_CERTIFICATE);
    assert!(c.to_string().contains("not one of the pinned keys"), "{c}");
}

#[test]
fn client_key_not_pinned_is_bad_certificate() {
    let client = client_builder(KeyType::EcdsaP256)
        .client_auth_raw_public_key(key(KeyType::EcdsaP384))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Required(Arc::new(PinnedRawPublicKeys::new(
            vec![spki(KeyType::EcdsaP256), spki(KeyType::Ed25519)],
        ))))
        .client_certificate_types(&[RPK])
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let (s, c) = fails(&mut p, false);
    assert_alert(&s, &c, AlertDescription::BAD_CERTIFICATE);
    assert!(p.server.negotiated().peer_certificates.is_empty());
}

#[test]
fn raw_key_verifier_refuses_x509_certificates() {
    // The client would take a raw key or X.509, but only pins a raw key;
    // the X.509-only server sends its chain, which the pin refuses.
    let client = ClientConfig::builder(Arc::new(PinnedRawPublicKey::new(spki(KeyType::EcdsaP256))))
        .server_certificate_types(&[RPK, X509])
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let (c, s) = fails(&mut p, true);
    assert_alert(&c, &s, AlertDescription::UNSUPPORTED_CERTIFICATE);
}

#[test]
fn certificate_verify_is_checked_against_the_raw_key() {
    // The server presents the pinned key but signs with another one.
    let pinned = KeyType::EcdsaP256;
    let ck = CertifiedKey::new(vec![spki(pinned)], Arc::new(key(KeyType::EcdsaP256)));
    let honest = ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
        .server_certificate_types(&[RPK])
        .build()
        .unwrap();
    let mut p = Pair::new(rpk_client(pinned).build().unwrap(), honest, Feed::Whole);
    round_trip(&mut p, "honest");

    let other = SigningKey::from_der(
        &tls13::certgen::generate_key(KeyType::EcdsaP256, &tls13::crypto::OsRandom).unwrap(),
    )
    .unwrap();
    let ck = CertifiedKey::new(vec![spki(pinned)], Arc::new(other));
    let impostor = ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
        .server_certificate_types(&[RPK])
        .build()
        .unwrap();
    let mut p = Pair::new(rpk_client(pinned).build().unwrap(), impostor, Feed::Whole);
    let (c, s) = fails(&mut p, true);
    assert_eq!(c, PeerMisbehaved::BadSignature.into());
    assert_alert(&c, &s, AlertDescription::DECRYPT_ERROR);
}

/// Defers every raw-key decision.
struct Deferring;
impl ServerCertVerifier for Deferring {
    fn verify_server_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: &ServerName,
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(Err(CertificateError::NotPinned))
    }
    fn verify_server_raw_public_key(
        &self,
        _: &[u8],
        _: &ServerName,
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Deferred
    }
}

#[test]
fn deferred_raw_key_verification() {
    let client = ClientConfig::builder(Arc::new(Deferring))
        .server_certificate_types(&[RPK])
        .build()
        .unwrap();
    let server = rpk_server(KeyType::Ed25519).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    let req = p
        .client_events
        .iter()
        .find_map(|e| match e {
            Event::VerifyServerCert(r) => Some(r.clone()),
            _ => None,
        })
        .expect("VerifyServerCert event");
    assert_eq!(req.certificate_type, RPK);
    assert_eq!(req.chain, vec![spki(KeyType::Ed25519)]);
    p.client.answer_verify(Ok(())).unwrap();
    round_trip(&mut p, "deferred");
}

#[test]
fn config_refuses_unknown_or_empty_certificate_types() {
    for bad in [&[][..], &[CertificateType(9)][..], &[RPK, RPK][..]] {
        let e = client_builder(KeyType::EcdsaP256)
            .server_certificate_types(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::BadConfig(_)), "{e:?}");
        let e = server_builder(KeyType::EcdsaP256)
            .client_certificate_types(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::BadConfig(_)), "{e:?}");
    }
}

#[test]
fn a_bare_key_is_never_sent_as_an_x509_certificate() {
    // The server's resolver holds only a raw key, but X.509 is negotiated.
    let server = rpk_server(KeyType::EcdsaP256)
        .server_certificate_types(&[X509, RPK])
        .build()
        .unwrap();
    let mut p = Pair::new(
        client_builder(KeyType::EcdsaP256).build().unwrap(),
        server,
        Feed::Whole,
    );
    let (client_side, e) = p.run().unwrap_err();
    assert!(!client_side);
    assert!(matches!(e, Error::BadConfig(_)), "{e:?}");

    // A client resolver holding only a raw key answers an X.509 request
    // with an empty Certificate.
    let client = client_builder(KeyType::EcdsaP256)
        .client_auth_raw_public_key(key(KeyType::Ed25519))
        .client_certificate_types(&[X509, RPK])
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Optional(pinned_client(KeyType::Ed25519)))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    round_trip(&mut p, "empty certificate");
    assert!(p.server.negotiated().peer_certificates.is_empty());
}

/// Both sides with raw public keys, the server issuing stateless tickets;
/// the client configuration is shared by its connections (one session
/// store, one scope).
fn resuming_rpk_pair() -> (Arc<ClientConfig>, impl Fn() -> ServerConfig) {
    let tickets: Arc<dyn tls13::config::TicketProducer> =
        Arc::new(tls13::resumption::StatelessTicketer::new(
            Arc::new(tls13::crypto::OsRandom),
            Arc::new(tls13::config::SystemTimeSource),
            3600,
        ));
    let client = Arc::new(
        rpk_client(KeyType::Ed25519)
            .client_auth_raw_public_key(key(KeyType::EcdsaP384))
            .build()
            .unwrap(),
    );
    let server = move || {
        rpk_server(KeyType::Ed25519)
            .client_auth(ClientAuth::Required(Arc::new(PinnedRawPublicKeys::new(
                vec![spki(KeyType::EcdsaP384)],
            ))))
            .client_certificate_types(&[RPK])
            .tickets(tickets.clone(), 1, 3600)
            .build()
            .unwrap()
    };
    (client, server)
}

fn resuming_connect(client: &Arc<ClientConfig>, server: ServerConfig) -> Pair {
    let mut p = Pair::from_connections(
        tls13::ClientConnection::new(client.clone(), "localhost").unwrap(),
        tls13::ServerConnection::new(Arc::new(server)).unwrap(),
        Feed::Whole,
    );
    round_trip(&mut p, "resuming");
    p
}

#[test]
fn raw_public_key_flag_survives_resumption_on_both_sides() {
    let (client, server) = resuming_rpk_pair();
    let p = resuming_connect(&client, server());
    assert!(!p.client.negotiated().resumed);
    let p = resuming_connect(&client, server());
    assert!(p.client.negotiated().resumed && p.server.negotiated().resumed);
    // The client's view of the server: still a bare key, never X.509.
    let c = p.client.negotiated();
    assert!(c.peer_raw_public_key, "client lost the raw-key flag");
    assert_eq!(c.peer_certificates, vec![spki(KeyType::Ed25519)]);
    // The server's view of the client.
    let s = p.server.negotiated();
    assert!(s.peer_raw_public_key, "server lost the raw-key flag");
    assert_eq!(s.peer_certificates, vec![spki(KeyType::EcdsaP384)]);
    // And on the next resumption, from a ticket issued while resumed.
    let p = resuming_connect(&client, server());
    assert!(p.server.negotiated().resumed);
    assert!(p.client.negotiated().peer_raw_public_key);
    assert!(p.server.negotiated().peer_raw_public_key);
}

#[test]
fn raw_key_session_is_not_resumed_where_raw_keys_are_no_longer_accepted() {
    let (client, server) = resuming_rpk_pair();
    resuming_connect(&client, server());
    // The server now takes only X.509 client certificates, optionally (a
    // reload): the raw-key identity in the ticket does not resume; the
    // full handshake asks for no certificate our raw-key-only client
    // could give, and goes on without one.
    let tickets = server().ticket_producer().cloned().unwrap();
    let x509_only = rpk_server(KeyType::Ed25519)
        .client_auth(ClientAuth::Optional(Arc::new(PinnedRawPublicKeys::new(
            vec![spki(KeyType::EcdsaP384)],
        ))))
        .client_certificate_types(&[X509])
        .tickets(tickets, 1, 3600)
        .build()
        .unwrap();
    let p = resuming_connect(&client, x509_only);
    assert!(!p.server.negotiated().resumed);
    assert!(p.server.negotiated().peer_certificates.is_empty());
    assert!(!p.server.negotiated().peer_raw_public_key);
}

#[test]
fn client_raw_public_key_flag_survives_resumption_on_the_server() {
    // An X.509 server, a client authenticating with a raw key.
    let tickets: Arc<dyn tls13::config::TicketProducer> =
        Arc::new(tls13::resumption::StatelessTicketer::new(
            Arc::new(tls13::crypto::OsRandom),
            Arc::new(tls13::config::SystemTimeSource),
            3600,
        ));
    let client = Arc::new(
        client_builder(KeyType::EcdsaP256)
            .client_auth_raw_public_key(key(KeyType::EcdsaP384))
            .build()
            .unwrap(),
    );
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .client_auth(ClientAuth::Required(Arc::new(PinnedRawPublicKeys::new(
                vec![spki(KeyType::EcdsaP384)],
            ))))
            .client_certificate_types(&[RPK])
            .tickets(tickets.clone(), 1, 3600)
            .build()
            .unwrap()
    };
    resuming_connect(&client, server());
    let p = resuming_connect(&client, server());
    let s = p.server.negotiated();
    assert!(s.resumed);
    assert_eq!(s.peer_certificates, vec![spki(KeyType::EcdsaP384)]);
    assert!(
        s.peer_raw_public_key,
        "a bare key reported as an X.509 chain"
    );
}
