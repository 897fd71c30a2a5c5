//! Client session scopes and compatibility (issue 11), through the APIs
//! that came with them: `ClientConnection::with_session_scope`,
//! `SessionKey`, `ServerConfigBuilder::allow_psk_ke`. Sessions of one
//! host's different services do not mix; a session crosses
//! configurations only within a named scope, and only to a configuration
//! whose verifier accepts the server's chain and whose client credentials
//! are the ones the session used.

mod canned;
mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use canned::Verdict;
use pair::{Feed, Pair, client_builder, identity, pinned_client, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ClientAuth, ServerConfig, SystemTimeSource, TicketInfo, TicketProducer};
use tls13::crypto::sign::SigningKey;
use tls13::resumption::{ClientSessionCache, SessionKey};
use tls13::unstable::msgs::enums::PskKeyExchangeMode;
use tls13::unstable::msgs::handshake::{ClientExtension, ClientHello};
use tls13::{ClientConfig, ClientConnection, Error, PinnedCertVerifier, ServerConnection};

/// The client's session cache and the server's ticket key, shared by the
/// connections of one test, on the system's clock.
type World = pair::World<SystemTimeSource>;

/// A connection in `scope`, and the error that ended it, if one did.
fn run(c: &Arc<ClientConfig>, scope: &str, s: ServerConfig) -> (Pair, Option<Error>) {
    let mut p = Pair::from_connections(
        ClientConnection::with_session_scope(c.clone(), "localhost", scope).unwrap(),
        ServerConnection::new(Arc::new(s)).unwrap(),
        Feed::Whole,
    );
    let err = p.run().err().map(|(_, e)| e);
    (p, err)
}

fn connect(c: &Arc<ClientConfig>, scope: &str, s: ServerConfig) -> Pair {
    let (p, err) = run(c, scope, s);
    assert_eq!(err, None, "handshake");
    assert!(pair::has_complete(&p.client_events));
    p
}

#[test]
fn sessions_of_different_scopes_do_not_mix() {
    let w = World::system();
    let c = Arc::new(w.client().build().unwrap());
    connect(&c, "localhost:443", w.server().build().unwrap());
    // Same host, same configuration, another service: no session.
    let p = connect(&c, "localhost:8443", w.server().build().unwrap());
    assert!(!p.client.negotiated().resumed);
    let key = |scope| SessionKey::named("localhost", scope).unwrap();
    assert_eq!(w.cache.count(&key("localhost:443")), 1);
    assert_eq!(w.cache.count(&key("localhost:8443")), 1);
    // Each scope resumes its own.
    for scope in ["localhost:443", "localhost:8443"] {
        let p = connect(&c, scope, w.server().build().unwrap());
        assert!(p.client.negotiated().resumed, "{scope}");
    }
    // The default scope (the configuration's) is a third one.
    let key = SessionKey::for_config(&c, "localhost").unwrap();
    assert_eq!(w.cache.count(&key), 0);
    assert_eq!(key.scope(), None);
}

#[test]
fn named_scope_is_shared_across_configurations_that_accept_the_session() {
    let w = World::system();
    let a = Arc::new(w.client().build().unwrap());
    connect(&a, "svc", w.server().build().unwrap());
    // Another configuration (its own verifier object, pinning the same
    // certificate) in the same scope: its verifier accepts the session's
    // chain, so it resumes.
    let b = Arc::new(w.client().build().unwrap());
    let p = connect(&b, "svc", w.server().build().unwrap());
    assert!(p.client.negotiated().resumed);
}

#[test]
fn strict_configuration_does_not_resume_what_a_permissive_one_accepted() {
    let w = World::system();
    let permissive = Arc::new(
        ClientConfig::builder(Arc::new(Verdict::Accept))
            .session_store(Some(w.cache.clone()))
            .build()
            .unwrap(),
    );
    connect(&permissive, "svc", w.server().build().unwrap());
    // The strict configuration pins another certificate: it must not
    // offer the session its verifier would refuse, so the full handshake
    // shows it the server's certificate, which it refuses.
    let strict = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(
            identity(KeyType::Ed25519).leaf.clone(),
        )))
        .session_store(Some(w.cache.clone()))
        .build()
        .unwrap(),
    );
    let (p, err) = run(&strict, "svc", w.server().build().unwrap());
    let err = err.expect("the strict configuration resumed the permissive one's session");
    assert!(!p.server.negotiated().resumed);
    assert!(matches!(err, Error::InvalidCertificate(_)), "{err:?}");
}

/// A client configuration presenting `kind`'s certificate.
fn with_cert(w: &World, kind: KeyType) -> tls13::config::ClientConfigBuilder {
    let id = identity(kind);
    w.client().client_auth_cert(
        vec![id.leaf.clone()],
        SigningKey::from_der(&id.key).unwrap(),
    )
}

fn optional_auth(w: &World) -> ServerConfig {
    w.server()
        .client_auth(ClientAuth::Optional(pinned_client(KeyType::EcdsaP384)))
        .build()
        .unwrap()
}

#[test]
fn a_session_we_authenticated_in_needs_the_same_credentials() {
    let w = World::system();
    let tenant_a = Arc::new(with_cert(&w, KeyType::EcdsaP384).build().unwrap());
    let p = connect(&tenant_a, "svc", optional_auth(&w));
    assert!(!p.server.negotiated().peer_certificates.is_empty());
    // Tenant B, without credentials, shares the scope and the store: it
    // must not resume as tenant A.
    let tenant_b = Arc::new(w.client().build().unwrap());
    let p = connect(&tenant_b, "svc", optional_auth(&w));
    assert!(!p.server.negotiated().resumed, "resumed as another tenant");
    assert!(p.server.negotiated().peer_certificates.is_empty());
    // A configuration with tenant A's very resolver resumes.
    connect(&tenant_a, "svc", optional_auth(&w));
    let resolver = tenant_a.client_cert_resolver().cloned().unwrap();
    let same = Arc::new(w.client().client_cert_resolver(resolver).build().unwrap());
    let p = connect(&same, "svc", optional_auth(&w));
    assert!(p.server.negotiated().resumed);
    assert_eq!(
        p.server.negotiated().peer_certificates,
        vec![identity(KeyType::EcdsaP384).leaf.clone()]
    );
}

#[test]
fn imported_sessions_are_checked_and_never_carry_our_identity() {
    let w = World::system();
    let key = SessionKey::named("localhost", "svc").unwrap();
    // An anonymous session, exported and imported into another store: the
    // importing configuration's verifier accepts its chain, so it resumes.
    let plain = Arc::new(w.client().build().unwrap());
    connect(&plain, "svc", w.server().build().unwrap());
    let exported = w.cache.export_all();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].0, key);
    let other = Arc::new(ClientSessionCache::default());
    other.import(&key, &exported[0].1).unwrap();
    let c = Arc::new(
        client_builder(KeyType::EcdsaP256)
            .session_store(Some(other.clone()))
            .build()
            .unwrap(),
    );
    let p = connect(&c, "svc", w.server().build().unwrap());
    assert!(p.client.negotiated().resumed);

    // A session we authenticated in: once exported, no configuration can
    // be shown to own that identity, so none offers it.
    let w = World::system();
    let a = Arc::new(with_cert(&w, KeyType::EcdsaP384).build().unwrap());
    connect(&a, "svc", optional_auth(&w));
    let exported = w.cache.export_all();
    let configs = [
        (
            "with the same certificate",
            with_cert(&w, KeyType::EcdsaP384),
        ),
        ("without a certificate", client_builder(KeyType::EcdsaP256)),
    ];
    for (what, builder) in configs {
        let store = Arc::new(ClientSessionCache::default());
        store.import(&key, &exported[0].1).unwrap();
        let c = Arc::new(builder.session_store(Some(store)).build().unwrap());
        let p = connect(&c, "svc", optional_auth(&w));
        assert!(!p.server.negotiated().resumed, "{what}");
    }
}

/// Removes the (EC)DHE and certificate extensions from hellos that offer a
/// PSK, and counts them.
fn strip_for_psk_ke(count: Arc<AtomicUsize>) -> tls13::config::ClientHelloHook {
    Arc::new(move |h: &mut ClientHello| {
        if matches!(h.extensions.last(), Some(ClientExtension::PreSharedKey(_))) {
            h.extensions.retain(|e| {
                !matches!(
                    e,
                    ClientExtension::SignatureAlgorithms(_)
                        | ClientExtension::SupportedGroups(_)
                        | ClientExtension::KeyShare(_)
                )
            });
            count.fetch_add(1, Ordering::SeqCst);
        }
    })
}

#[test]
fn psk_ke_hello_without_groups_key_share_or_signature_algorithms_resumes_when_allowed() {
    let w = World::system();
    let stripped = Arc::new(AtomicUsize::new(0));
    let c = Arc::new(
        w.client()
            .psk_modes(&[PskKeyExchangeMode::PSK_KE])
            .client_hello_hook(strip_for_psk_ke(stripped.clone()))
            .build()
            .unwrap(),
    );
    // The ticket: a server that does not allow psk_ke sends none to a
    // client offering only psk_ke (RFC 9846 §4.7.1: "suitable" modes).
    connect(&c, "svc", w.server().allow_psk_ke(true).build().unwrap());
    assert_eq!(stripped.load(Ordering::SeqCst), 0);
    let mut p = connect(&c, "svc", w.server().allow_psk_ke(true).build().unwrap());
    assert_eq!(stripped.load(Ordering::SeqCst), 1);
    assert!(p.server.negotiated().resumed);
    assert_eq!(p.server.negotiated().group, None);
    p.client.send(b"ping").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"ping");
    // Not allowed: the hello can do nothing else (no groups).
    let (_, err) = run(&c, "svc", w.server().build().unwrap());
    let err = err.expect("psk_ke refused, and no (EC)DHE possible");
    assert_eq!(
        err.alert(),
        Some(tls13::unstable::msgs::enums::AlertDescription::MISSING_EXTENSION)
    );
}

/// Tickets of the largest size a NewSessionTicket can carry.
struct Huge;
impl TicketProducer for Huge {
    fn produce(&self, _: &TicketInfo<'_>) -> Option<Vec<u8>> {
        Some(vec![0x5a; 0xffff])
    }
}

#[test]
fn ticket_too_large_for_a_client_hello_is_not_stored() {
    let w = World::system();
    let c = Arc::new(w.client().build().unwrap());
    let s = server_builder(KeyType::EcdsaP256)
        .tickets(Arc::new(Huge), 1, 7200)
        .build()
        .unwrap();
    let mut p = connect(&c, "svc", s);
    p.client.send(b"ping").unwrap();
    p.run().unwrap();
    assert_eq!(w.cache.count_for_name("localhost"), 0);
}
