//! Resumption, PSKs and 0-RTT in memory (issue 4): tickets (stateless and
//! stateful), key rotation, foreign and expired tickets, binder
//! tampering, HelloRetryRequest then PSK, suites sharing a hash, early
//! data accepted / rejected / replayed / over the limit, external PSKs
//! with and without certificates, session export/import and a KeyUpdate
//! storm.

mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pair::{Clock, Feed, Pair, World, client_builder, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ServerConfig, TicketProducer};
use tls13::crypto::OsRandom;
use tls13::crypto::hash::HashAlgorithm;
use tls13::error::PeerMisbehaved;
use tls13::resumption::{
    ClientSessionCache, ClientSessionStore, ExternalPsk, InMemoryTicketStore, SessionKey,
    StatelessTicketer, StrikeRegister,
};
use tls13::unstable::msgs::enums::{AlertDescription, CipherSuite, NamedGroup, PskKeyExchangeMode};
use tls13::{ClientConnection, Decision, Error, Event, ServerConnection};

/// A [`World`] whose servers send two tickets a handshake: these tests
/// count them.
fn world() -> World {
    World {
        tickets_per_handshake: 2,
        ..World::new()
    }
}

/// The resumption scope of these tests' connections: one service, whose
/// client configurations are built anew for each connection.
const SCOPE: &str = "localhost:443";

fn key() -> SessionKey {
    SessionKey::named("localhost", SCOPE).unwrap()
}

/// A client connection to "localhost" in [`SCOPE`].
fn client_conn(c: tls13::ClientConfig) -> ClientConnection {
    ClientConnection::with_session_scope(Arc::new(c), "localhost", SCOPE).unwrap()
}

/// A pair whose client connects in [`SCOPE`].
fn scoped(c: tls13::ClientConfig, s: ServerConfig, feed: Feed) -> Pair {
    Pair::from_connections(
        client_conn(c),
        ServerConnection::new(Arc::new(s)).unwrap(),
        feed,
    )
}

fn connect(c: tls13::ClientConfig, s: ServerConfig) -> Pair {
    let mut p = scoped(c, s, Feed::Whole);
    p.run().expect("handshake");
    assert!(pair::has_complete(&p.client_events));
    assert!(pair::has_complete(&p.server_events));
    p
}

fn tickets_received(p: &Pair) -> usize {
    p.client_events
        .iter()
        .filter(|e| matches!(e, Event::NewSessionTicket(_)))
        .count()
}

fn echo(p: &mut Pair) {
    p.client.send(b"ping").unwrap();
    p.server.send(b"pong").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"ping");
    assert_eq!(p.client_data(), b"pong");
}

/// Counts the server certificates the client was asked to verify.
struct Counting(Arc<dyn tls13::ServerCertVerifier>, AtomicU64);
impl tls13::ServerCertVerifier for Counting {
    fn verify_server_cert(
        &self,
        ee: &[u8],
        rest: &[Vec<u8>],
        name: &tls13::ServerName,
        now: u64,
    ) -> Decision<Result<(), tls13::error::CertificateError>> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.verify_server_cert(ee, rest, name, now)
    }
}

/// A client config of `w` whose verifier counts, and the counter. (A
/// built config cannot be changed, so the counting verifier goes into the
/// builder.)
fn counted(w: &World) -> (tls13::ClientConfig, Arc<Counting>) {
    let pinned = tls13::PinnedCertVerifier::new(pair::identity(KeyType::EcdsaP256).leaf.clone());
    let counting = Arc::new(Counting(Arc::new(pinned), AtomicU64::new(0)));
    let c = tls13::ClientConfig::builder(counting.clone())
        .time(w.clock.clone())
        .session_store(Some(w.cache.clone()))
        .build()
        .unwrap();
    (c, counting)
}

#[test]
fn stateless_ticket_resumes() {
    let w = world();
    let (c, count) = counted(&w);
    let p1 = connect(c, w.server().build().unwrap());
    assert!(!p1.client.negotiated().resumed);
    assert_eq!(tickets_received(&p1), 2);
    assert_eq!(w.cache.count(&key()), 2);
    assert_eq!(count.1.load(Ordering::SeqCst), 1);

    let (c, count) = counted(&w);
    let mut p2 = connect(c, w.server().build().unwrap());
    assert!(p2.client.negotiated().resumed);
    assert!(p2.server.negotiated().resumed);
    // No server Certificate when resuming: the only verification is this
    // (new) verifier accepting the session's chain again before offering
    // the ticket.
    assert_eq!(count.1.load(Ordering::SeqCst), 1);
    // The chain of the original connection is still known.
    assert_eq!(
        p2.client.negotiated().peer_certificates,
        p1.client.negotiated().peer_certificates
    );
    echo(&mut p2);
    // Single use: one ticket spent, two new ones arrived.
    assert_eq!(w.cache.count(&key()), 3);
}

#[test]
fn stateful_store_resumes_once_per_ticket() {
    let w = world();
    let store = Arc::new(InMemoryTicketStore::new(Arc::new(OsRandom), 16));
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .time(w.clock.clone())
            .tickets(store.clone(), 1, 7200)
            .build()
            .unwrap()
    };
    connect(w.client().build().unwrap(), server());
    assert_eq!(store.len(), 1);
    // Export the session and import it twice: the store honours it once.
    let exported = w.cache.export_all();
    assert_eq!(exported.len(), 1);
    let p2 = connect(w.client().build().unwrap(), server());
    assert!(p2.server.negotiated().resumed);
    let other = Arc::new(ClientSessionCache::default());
    other.import(&key(), &exported[0].1).unwrap();
    let c = client_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .session_store(Some(other.clone()))
        .build()
        .unwrap();
    let p3 = connect(c, server());
    assert!(!p3.server.negotiated().resumed, "ticket already redeemed");
}

#[test]
fn resumption_across_suites_with_the_same_hash() {
    let w = world();
    let c = w
        .client()
        .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256])
        .build()
        .unwrap();
    connect(c, w.server().build().unwrap());
    let c = w
        .client()
        .suites(&[CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
        .build()
        .unwrap();
    let mut p = connect(c, w.server().build().unwrap());
    assert!(p.client.negotiated().resumed);
    assert_eq!(
        p.client.negotiated().suite,
        Some(CipherSuite::TLS_CHACHA20_POLY1305_SHA256)
    );
    echo(&mut p);

    // A SHA-384 suite cannot use a SHA-256 ticket: the client does not
    // even offer it, and a full handshake follows.
    let c = w
        .client()
        .suites(&[CipherSuite::TLS_AES_256_GCM_SHA384])
        .build()
        .unwrap();
    let p = connect(c, w.server().build().unwrap());
    assert!(!p.client.negotiated().resumed);
}

#[test]
fn server_picks_a_suite_with_the_ticket_hash() {
    let w = world();
    let c = w
        .client()
        .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256])
        .build()
        .unwrap();
    connect(c, w.server().build().unwrap());
    // The server prefers SHA-384, the client offers both: resumption needs
    // the SHA-256 suite.
    let c = w
        .client()
        .suites(&[
            CipherSuite::TLS_AES_256_GCM_SHA384,
            CipherSuite::TLS_AES_128_GCM_SHA256,
        ])
        .build()
        .unwrap();
    let s = w
        .server()
        .suites(&[
            CipherSuite::TLS_AES_256_GCM_SHA384,
            CipherSuite::TLS_AES_128_GCM_SHA256,
        ])
        .build()
        .unwrap();
    let p = connect(c, s);
    assert!(p.server.negotiated().resumed);
    assert_eq!(
        p.server.negotiated().suite,
        Some(CipherSuite::TLS_AES_128_GCM_SHA256)
    );
}

#[test]
fn ticket_key_rotation_keeps_previous_key_for_one_period() {
    let w = world();
    let rotating: Arc<dyn TicketProducer> = Arc::new(StatelessTicketer::new(
        Arc::new(OsRandom),
        w.clock.clone(),
        100,
    ));
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .time(w.clock.clone())
            .tickets(rotating.clone(), 1, 7200)
            .build()
            .unwrap()
    };
    connect(w.client().build().unwrap(), server());
    // One rotation later the ticket (under the previous key) still works.
    w.clock.advance_ms(150_000);
    let p = connect(w.client().build().unwrap(), server());
    assert!(p.server.negotiated().resumed);
    // That connection's ticket is under the new key; two more periods
    // retire it.
    w.clock.advance_ms(250_000);
    let p = connect(w.client().build().unwrap(), server());
    assert!(
        !p.server.negotiated().resumed,
        "retired key: full handshake"
    );
    assert!(p.server.negotiated().peer_record_size_limit.is_some());
}

#[test]
fn ticket_from_another_server_falls_back_to_full_handshake() {
    let w = world();
    connect(w.client().build().unwrap(), w.server().build().unwrap());
    let other = world();
    let s = server_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .tickets(other.tickets.clone(), 1, 7200)
        .build()
        .unwrap();
    let mut p = connect(w.client().build().unwrap(), s);
    assert!(!p.client.negotiated().resumed);
    assert!(!p.server.negotiated().resumed);
    echo(&mut p);
}

#[test]
fn expired_ticket_falls_back_to_full_handshake() {
    let w = world();
    let s = || {
        server_builder(KeyType::EcdsaP256)
            .time(w.clock.clone())
            .tickets(w.tickets.clone(), 1, 100)
            .build()
            .unwrap()
    };
    connect(w.client().build().unwrap(), s());
    // The client's own clock says it is fresh; the server's says it is too
    // old (lifetime 100 s).
    let (c, _client_clock) = w.client_on_own_clock();
    w.clock.advance_ms(101_000);
    let c = c.build().unwrap();
    let p = connect(c, s());
    assert!(!p.server.negotiated().resumed);
    // And a client does not offer a ticket it knows to be expired.
    let before = w.cache.count(&key());
    w.clock.advance_ms(101_000);
    let p = connect(w.client().build().unwrap(), s());
    assert!(!p.server.negotiated().resumed);
    assert!(w.cache.count(&key()) <= before);
}

#[test]
fn tampered_binder_is_decrypt_error() {
    let w = world();
    connect(w.client().build().unwrap(), w.server().build().unwrap());
    let client = client_conn(w.client().build().unwrap());
    let mut flight = client.pending_output().to_vec();
    let len = u16::from_be_bytes([flight[3], flight[4]]) as usize;
    // pre_shared_key is the last extension and the binder its last bytes.
    flight[5 + len - 1] ^= 1;
    let mut server = ServerConnection::new(Arc::new(w.server().build().unwrap())).unwrap();
    let err = server.receive(&flight).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadBinder));
    assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR));
}

#[test]
fn hello_retry_then_psk() {
    let w = world();
    // The server only takes P-256; the client sends an X25519 share first.
    let c = || {
        w.client()
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .build()
            .unwrap()
    };
    let s = || w.server().groups(&[NamedGroup::SECP256R1]).build().unwrap();
    let p = connect(c(), s());
    assert!(p.client.negotiated().hello_retry);
    let mut p = connect(c(), s());
    assert!(p.client.negotiated().hello_retry);
    assert!(p.client.negotiated().resumed);
    assert!(p.server.negotiated().resumed);
    echo(&mut p);
}

#[test]
fn psk_ke_mode_has_no_key_exchange() {
    let w = world();
    connect(w.client().build().unwrap(), w.server().build().unwrap());
    let c = w
        .client()
        .psk_modes(&[PskKeyExchangeMode::PSK_KE])
        .build()
        .unwrap();
    let mut p = connect(c, w.server().allow_psk_ke(true).build().unwrap());
    assert!(p.server.negotiated().resumed);
    assert_eq!(p.server.negotiated().group, None);
    assert_eq!(p.client.negotiated().group, None);
    echo(&mut p);
}

fn early_world(max: u32) -> (World, impl Fn(u32) -> ServerConfig) {
    let w = world();
    let clock = w.clock.clone();
    let tickets = w.tickets.clone();
    let server = move |m: u32| {
        server_builder(KeyType::EcdsaP256)
            .time(clock.clone())
            .tickets(tickets.clone(), 1, 7200)
            .max_early_data_size(m)
            .build()
            .unwrap()
    };
    connect(
        w.client().enable_early_data(true).build().unwrap(),
        server(max),
    );
    (w, server)
}

#[test]
fn early_data_accepted() {
    let (w, server) = early_world(1000);
    w.clock.advance_ms(500);
    let c = w.client().enable_early_data(true).build().unwrap();
    let mut p = scoped(c, server(1000), Feed::Whole);
    assert_eq!(p.client.send_early_data(b"GET /early").unwrap(), 10);
    let mut exported = [0u8; 16];
    p.client
        .export_early_keying_material(b"test", b"", &mut exported)
        .unwrap();
    p.run().unwrap();
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataAccepted))
    );
    let early: Vec<u8> = p
        .server_events
        .iter()
        .filter_map(|e| match e {
            Event::EarlyData(d) => Some(d.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(early, b"GET /early");
    assert!(p.server.negotiated().early_data_accepted);
    assert!(p.client.negotiated().early_data_accepted);
    let mut server_exported = [0u8; 16];
    p.server
        .export_early_keying_material(b"test", b"", &mut server_exported)
        .unwrap();
    assert_eq!(exported, server_exported);
    echo(&mut p);
}

#[test]
fn early_data_rejected_is_handed_back() {
    let (w, server) = early_world(1000);
    let c = w.client().enable_early_data(true).build().unwrap();
    // This server does not take 0-RTT (but resumes).
    let mut p = scoped(c, server(0), Feed::Random(7));
    assert_eq!(p.client.send_early_data(b"hello early").unwrap(), 11);
    p.run().unwrap();
    let back: Vec<Vec<u8>> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::EarlyDataRejected(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(back, vec![b"hello early".to_vec()]);
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::EarlyData(_)))
    );
    assert!(p.server.negotiated().resumed);
    echo(&mut p);
}

#[test]
fn early_data_limited_by_ticket_on_the_client() {
    let (w, server) = early_world(16);
    let c = w.client().enable_early_data(true).build().unwrap();
    let mut p = scoped(c, server(16), Feed::Whole);
    assert_eq!(p.client.send_early_data(&[7u8; 40]).unwrap(), 16);
    assert_eq!(p.client.send_early_data(&[7u8; 40]).unwrap(), 0);
    p.run().unwrap();
    assert!(p.server.negotiated().early_data_accepted);
}

#[test]
fn early_data_over_the_servers_limit_is_unexpected_message() {
    // The ticket says 16 (and so does the server), but this client's copy
    // of the session claims 1000: it sends more than it was allowed.
    let (w, server) = early_world(16);
    let mut s = w.cache.take(&key()).unwrap();
    s.max_early_data = 1000;
    w.cache.put(&key(), s);
    let c = w.client().enable_early_data(true).build().unwrap();
    let mut p = scoped(c, server(16), Feed::Whole);
    assert_eq!(p.client.send_early_data(&[1u8; 100]).unwrap(), 100);
    let (at_client, err) = p.run().unwrap_err();
    assert!(!at_client);
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
}

#[test]
fn replayed_zero_rtt_is_refused() {
    let (w, server) = early_world(1000);
    let config = Arc::new(server(1000));
    let c = w.client().enable_early_data(true).build().unwrap();
    let mut client = client_conn(c);
    client.send_early_data(b"transfer 10").unwrap();
    let flight = client.pending_output().to_vec();

    let mut first = ServerConnection::new(config.clone()).unwrap();
    first.receive(&flight).unwrap();
    let mut got = Vec::new();
    while let Some(e) = first.next_event() {
        got.push(e);
    }
    assert!(
        got.iter()
            .any(|e| matches!(e, Event::EarlyData(d) if d == b"transfer 10"))
    );

    // The attacker replays the same flight to the same server.
    let mut second = ServerConnection::new(config).unwrap();
    second.receive(&flight).unwrap();
    assert!(!second.pending_output().is_empty(), "the handshake goes on");
    while let Some(e) = second.next_event() {
        assert!(
            !matches!(e, Event::EarlyData(_)),
            "replayed early data delivered"
        );
    }
    assert!(!second.negotiated().early_data_accepted);
}

#[test]
fn early_data_outside_the_freshness_window_is_refused() {
    let (w, server) = early_world(1000);
    // The client's clock lags 60 s behind: its ticket age is off.
    let (lagging, _) = w.client_on_own_clock();
    w.clock.advance_ms(60_000);
    let c = lagging.enable_early_data(true).build().unwrap();
    let mut p = scoped(c, server(1000), Feed::Whole);
    p.client.send_early_data(b"late").unwrap();
    p.run().unwrap();
    assert!(p.server.negotiated().resumed);
    assert!(!p.server.negotiated().early_data_accepted);
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if d == b"late"))
    );
}

#[test]
fn early_data_then_hello_retry_is_handed_back() {
    let (w, _server) = early_world(1000);
    let c = w
        .client()
        .enable_early_data(true)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let s = server_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 7200)
        .max_early_data_size(1000)
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = scoped(c, s, Feed::Whole);
    p.client.send_early_data(b"early").unwrap();
    p.run().unwrap();
    assert!(p.client.negotiated().hello_retry);
    assert!(p.client.negotiated().resumed);
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if d == b"early"))
    );
    echo(&mut p);
}

/// A server reloaded with 0-RTT off (max_early_data_size 0) still meets
/// clients whose tickets promised early data. Refusing it, it skips what
/// the ticket allowed (RFC 9846 §4.3.10) — also when it first asks for
/// another key share: the early data then follows a ClientHello whose
/// ticket it has not looked at yet, and the handshake must go on.
#[test]
fn early_data_a_ticket_promised_is_skipped_after_a_hello_retry() {
    let (w, _server) = early_world(1000);
    let c = w
        .client()
        .enable_early_data(true)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let s = server_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 7200)
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = scoped(c, s, Feed::Whole);
    assert_eq!(p.client.send_early_data(&[7u8; 600]).unwrap(), 600);
    p.run().unwrap();
    assert!(p.client.negotiated().hello_retry);
    assert!(p.client.negotiated().resumed);
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if d.len() == 600))
    );
    echo(&mut p);
}

/// The other side of the rule above: after a HelloRetryRequest, early
/// data past what the selected ticket allowed is still unexpected_message
/// once the second ClientHello shows the ticket.
#[test]
fn early_data_past_the_tickets_promise_after_a_hello_retry_is_unexpected_message() {
    let (w, _server) = early_world(16);
    // This client's copy of the session claims 1000.
    let mut session = w.cache.take(&key()).unwrap();
    session.max_early_data = 1000;
    w.cache.put(&key(), session);
    let c = w
        .client()
        .enable_early_data(true)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let s = server_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 7200)
        .max_early_data_size(16)
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = scoped(c, s, Feed::Whole);
    assert_eq!(p.client.send_early_data(&[1u8; 600]).unwrap(), 600);
    let (at_client, err) = p.run().unwrap_err();
    assert!(!at_client);
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
}

struct NoCertificate;
impl tls13::ResolvesServerCert for NoCertificate {
    fn resolve(
        &self,
        _hello: &tls13::ClientHelloInfo,
    ) -> Decision<Result<Arc<tls13::CertifiedKey>, Error>> {
        Decision::Ready(Err(Error::BadConfig("no certificate here".into())))
    }
}

fn psk() -> ExternalPsk {
    ExternalPsk::new(b"client-1", &[0x42; 32], HashAlgorithm::Sha256).unwrap()
}

#[test]
fn external_psk_without_certificates() {
    for modes in [
        &[PskKeyExchangeMode::PSK_DHE_KE][..],
        &[PskKeyExchangeMode::PSK_KE][..],
    ] {
        let c = client_builder(KeyType::EcdsaP256)
            .external_psk(psk())
            .psk_modes(modes)
            .build()
            .unwrap();
        let s = ServerConfig::builder(Arc::new(NoCertificate))
            .external_psk(psk())
            .allow_psk_ke(true)
            .build()
            .unwrap();
        let mut p = connect(c, s);
        assert!(p.client.negotiated().resumed);
        assert!(p.server.negotiated().external_psk);
        assert!(p.client.negotiated().peer_certificates.is_empty());
        echo(&mut p);
    }
    // A wrong secret under the right identity: the binder fails.
    let c = client_builder(KeyType::EcdsaP256)
        .external_psk(ExternalPsk::new(b"client-1", &[0x43; 32], HashAlgorithm::Sha256).unwrap())
        .build()
        .unwrap();
    let s = ServerConfig::builder(Arc::new(NoCertificate))
        .external_psk(psk())
        .build()
        .unwrap();
    let mut p = scoped(c, s, Feed::Whole);
    let (_, err) = p.run().unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadBinder));
}

#[test]
fn external_psk_next_to_certificates() {
    let s = || {
        server_builder(KeyType::EcdsaP256)
            .external_psk(psk())
            .build()
            .unwrap()
    };
    // With the PSK: a PSK handshake.
    let c = client_builder(KeyType::EcdsaP256)
        .external_psk(psk())
        .build()
        .unwrap();
    let p = connect(c, s());
    assert!(p.server.negotiated().resumed && p.server.negotiated().external_psk);
    // Without: the certificate handshake.
    let p = connect(client_builder(KeyType::EcdsaP256).build().unwrap(), s());
    assert!(!p.server.negotiated().resumed);
    assert!(!p.client.negotiated().peer_certificates.is_empty());
    // An unknown identity: the certificate handshake too.
    let c = client_builder(KeyType::EcdsaP256)
        .external_psk(ExternalPsk::new(b"who", &[1; 32], HashAlgorithm::Sha256).unwrap())
        .build()
        .unwrap();
    let p = connect(c, s());
    assert!(!p.server.negotiated().resumed);
}

#[test]
fn key_update_storm_is_bounded() {
    let c = client_builder(KeyType::EcdsaP256).build().unwrap();
    let s = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = connect(c, s);
    for _ in 0..20 {
        p.client.update_keys(true).unwrap();
    }
    p.run().unwrap();
    echo(&mut p);
    // Without application data in between, the server gives up.
    for _ in 0..40 {
        p.client.update_keys(false).unwrap();
    }
    let (at_client, err) = p.run().unwrap_err();
    assert!(!at_client);
    assert!(matches!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::TooMany(_))
    ));
}

#[test]
fn session_store_none_disables_resumption() {
    let w = world();
    let c = || {
        client_builder(KeyType::EcdsaP256)
            .session_store(None)
            .build()
            .unwrap()
    };
    connect(c(), w.server().build().unwrap());
    let p = connect(c(), w.server().build().unwrap());
    assert!(!p.client.negotiated().resumed);
    let _ = w.cache.take(&key());
}

#[test]
fn early_data_under_a_foreign_ticket_is_skipped_and_handed_back() {
    let (w, _server) = early_world(1000);
    let other = world();
    // Another server (other ticket keys): a full handshake; the server
    // skips the 0-RTT records it cannot decrypt (§4.3.10).
    let s = server_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .tickets(other.tickets.clone(), 1, 7200)
        .max_early_data_size(1000)
        .build()
        .unwrap();
    let c = w.client().enable_early_data(true).build().unwrap();
    let mut p = scoped(c, s, Feed::OneByte);
    assert_eq!(p.client.send_early_data(&[9u8; 600]).unwrap(), 600);
    p.run().unwrap();
    assert!(!p.server.negotiated().resumed);
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::EarlyData(_)))
    );
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if d.len() == 600))
    );
    echo(&mut p);
}

#[test]
fn strike_register_window_travels_with_the_ticketer() {
    // A 60 s window: the ticketer's register remembers that long, and the
    // servers using the ticketer ask for no more.
    let clock = Clock::new();
    let tickets: Arc<dyn TicketProducer> = Arc::new(
        StatelessTicketer::new(Arc::new(OsRandom), clock.clone(), 3600)
            .with_replay_filter(Arc::new(StrikeRegister::new(1 << 10, 60_000))),
    );
    let w = World {
        clock,
        cache: Arc::new(ClientSessionCache::default()),
        tickets,
        tickets_per_handshake: 2,
    };
    let s = Arc::new(
        w.server()
            .max_early_data_size(1000)
            .early_data_window_ms(60_000)
            .build()
            .unwrap(),
    );
    connect(
        w.client().enable_early_data(true).build().unwrap(),
        w.server().max_early_data_size(1000).build().unwrap(),
    );
    // The client's clock lags 30 s: outside the default 10 s window,
    // inside this one.
    let (lagging, _) = w.client_on_own_clock();
    w.clock.advance_ms(30_000);
    let c = lagging.enable_early_data(true).build().unwrap();
    let mut client = client_conn(c);
    client.send_early_data(b"once").unwrap();
    let flight = client.pending_output().to_vec();
    let mut first = ServerConnection::new(s.clone()).unwrap();
    first.receive(&flight).unwrap();
    assert!(first.negotiated().early_data_accepted);
    // 20 s later the replay is still fresh (its age is off by 30 + 20 =
    // 50 s, within 60 s) and must find its record.
    w.clock.advance_ms(20_000);
    let mut second = ServerConnection::new(s).unwrap();
    second.receive(&flight).unwrap();
    assert!(second.negotiated().resumed);
    assert!(!second.negotiated().early_data_accepted);
}

/// Defers every lookup; the test answers from the inner ticketer.
struct Remote(Arc<dyn TicketProducer>);
impl TicketProducer for Remote {
    fn produce(&self, info: &tls13::config::TicketInfo<'_>) -> Option<Vec<u8>> {
        self.0.produce(info)
    }
    fn redeem_or_defer(
        &self,
        _ticket: &[u8],
    ) -> Decision<Option<tls13::resumption::ServerSession>> {
        Decision::Deferred
    }
}

#[test]
fn deferred_ticket_lookup() {
    let w = world();
    let remote: Arc<dyn TicketProducer> = Arc::new(Remote(w.tickets.clone()));
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .time(w.clock.clone())
            .tickets(remote.clone(), 1, 7200)
            .build()
            .unwrap()
    };
    connect(w.client().build().unwrap(), server());
    for answer in [true, false] {
        let mut client = client_conn(w.client().build().unwrap());
        let mut server = ServerConnection::new(Arc::new(server())).unwrap();
        let hello = client.pending_output().to_vec();
        client.consume_output(hello.len());
        server.receive(&hello).unwrap();
        assert!(server.pending_output().is_empty(), "waits for the lookup");
        let ticket = match server.next_event() {
            Some(Event::RedeemTicket(t)) => t,
            other => panic!("{other:?}"),
        };
        let session = if answer {
            w.tickets.redeem(&ticket)
        } else {
            None
        };
        assert!(!answer || session.is_some());
        server.answer_ticket(session).unwrap();
        // Finish the handshake by hand.
        let (mut c_events, mut s_events) = (Vec::new(), Vec::new());
        loop {
            let a = client.pending_output().to_vec();
            client.consume_output(a.len());
            if !a.is_empty() {
                server.receive(&a).unwrap();
            }
            let b = server.pending_output().to_vec();
            server.consume_output(b.len());
            if !b.is_empty() {
                client.receive(&b).unwrap();
            }
            while let Some(e) = client.next_event() {
                c_events.push(e);
            }
            while let Some(e) = server.next_event() {
                s_events.push(e);
            }
            if a.is_empty() && b.is_empty() {
                break;
            }
        }
        assert!(pair::has_complete(&c_events) && pair::has_complete(&s_events));
        assert_eq!(server.negotiated().resumed, answer);
        assert_eq!(client.negotiated().resumed, answer);
        // Each connection left a fresh ticket for the next round.
    }
}
