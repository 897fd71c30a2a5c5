//! Resumption under the policy in force (issue 11): a ticket resumes only
//! what the resuming configuration would grant in a full handshake (client
//! identity, its type, its verifier), 0-RTT anti-replay shared by every
//! server that redeems the same tickets, early-data skipping bounded and
//! ended by the second ClientHello, PSK hellos without the certificate
//! extensions, psk_ke only when allowed, oversized tickets ignored, and
//! the early exporter gone with refused 0-RTT.
//!
//! Every test here uses only APIs that predate these rules, so each one
//! fails on the code before them for the behaviour it names.

mod canned;
mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use canned::Verdict;
use pair::{Clock, Feed, Pair, World, client_builder, identity, pinned_client, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ClientAuth, ServerConfig, TicketInfo, TicketProducer};
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, PeerMisbehaved};
use tls13::resumption::ServerSession;
use tls13::unstable::msgs::enums::{AlertDescription, NamedGroup, PskKeyExchangeMode};
use tls13::unstable::msgs::handshake::{ClientExtension, ClientHello};
use tls13::{ClientConfig, ClientConnection, Error, Event, ServerConnection};

fn pair(c: &Arc<ClientConfig>, s: ServerConfig, feed: Feed) -> Pair {
    Pair::from_connections(
        ClientConnection::new(c.clone(), "localhost").unwrap(),
        ServerConnection::new(Arc::new(s)).unwrap(),
        feed,
    )
}

fn connect(c: &Arc<ClientConfig>, s: ServerConfig) -> Pair {
    let mut p = pair(c, s, Feed::Whole);
    p.run().expect("handshake");
    assert!(pair::has_complete(&p.client_events));
    assert!(pair::has_complete(&p.server_events));
    p
}

/// The client certificates of these tests: leaves of the engine test CA.
fn client_cert(kind: KeyType) -> (Vec<u8>, SigningKey) {
    let id = identity(kind);
    (id.leaf.clone(), SigningKey::from_der(&id.key).unwrap())
}

/// A client that presents `kind`'s certificate when asked.
fn authenticating_client(w: &World, kind: KeyType) -> Arc<ClientConfig> {
    let (leaf, key) = client_cert(kind);
    Arc::new(
        w.client()
            .client_auth_cert(vec![leaf], key)
            .build()
            .unwrap(),
    )
}

// ---------- the server: client identity ----------

#[test]
fn session_without_client_identity_never_resumes_under_required_auth() {
    let w = World::new();
    let client = authenticating_client(&w, KeyType::EcdsaP384);
    // Issued by a configuration that asks for no client certificate.
    let p = connect(&client, w.server().build().unwrap());
    assert!(p.server.negotiated().peer_certificates.is_empty());
    // The same tickets, now under a configuration that requires one: a
    // full handshake (not an error), in which the client authenticates.
    let required = || {
        w.server()
            .client_auth(ClientAuth::Required(pinned_client(KeyType::EcdsaP384)))
            .build()
            .unwrap()
    };
    let p = connect(&client, required());
    assert!(!p.server.negotiated().resumed, "resumed without a client");
    assert_eq!(
        p.server.negotiated().peer_certificates,
        vec![client_cert(KeyType::EcdsaP384).0]
    );
    // That session carries the identity and resumes under the same rule.
    let p = connect(&client, required());
    assert!(p.server.negotiated().resumed);
    assert_eq!(
        p.server.negotiated().peer_certificates,
        vec![client_cert(KeyType::EcdsaP384).0]
    );
}

#[test]
fn session_without_client_identity_still_resumes_under_optional_auth() {
    let w = World::new();
    let client = Arc::new(w.client().build().unwrap());
    connect(&client, w.server().build().unwrap());
    let s = w
        .server()
        .client_auth(ClientAuth::Optional(pinned_client(KeyType::EcdsaP384)))
        .build()
        .unwrap();
    let p = connect(&client, s);
    assert!(p.server.negotiated().resumed);
    assert!(p.server.negotiated().peer_certificates.is_empty());
}

#[test]
fn resumed_client_identity_must_pass_the_resuming_configs_verifier() {
    let w = World::new();
    let client = authenticating_client(&w, KeyType::EcdsaP384);
    // Verifier A accepts the client's certificate and the session carries it.
    let a = w
        .server()
        .client_auth(ClientAuth::Required(pinned_client(KeyType::EcdsaP384)))
        .build()
        .unwrap();
    connect(&client, a);
    // Verifier B (another virtual host, or a reload that dropped this
    // client) shares the ticket key but accepts only another certificate.
    for auth in [
        ClientAuth::Required(pinned_client(KeyType::Ed25519)),
        ClientAuth::Optional(pinned_client(KeyType::Ed25519)),
    ] {
        let b = w.server().client_auth(auth).build().unwrap();
        let mut p = pair(&client, b, Feed::Whole);
        let (_, err) = p.run().expect_err("verifier B must see the certificate");
        assert!(!p.server.negotiated().resumed, "resumed past verifier B");
        assert!(
            matches!(err, Error::InvalidCertificate(_)),
            "the full handshake refuses the client's certificate: {err:?}"
        );
        // The refused ticket was spent on the client; get a new one.
        connect(
            &client,
            w.server()
                .client_auth(ClientAuth::Required(pinned_client(KeyType::EcdsaP384)))
                .build()
                .unwrap(),
        );
    }
}

#[test]
fn resumed_client_identity_of_a_type_no_longer_accepted_is_a_full_handshake() {
    let w = World::new();
    let client = authenticating_client(&w, KeyType::EcdsaP384);
    let verifier = pinned_client(KeyType::EcdsaP384);
    connect(
        &client,
        w.server()
            .client_auth(ClientAuth::Optional(verifier.clone()))
            .build()
            .unwrap(),
    );
    // Now only raw public keys are accepted from clients: no resumption
    // of an X.509 identity (and our X.509-only client goes without
    // certificate request, as Optional allows).
    let s = w
        .server()
        .client_auth(ClientAuth::Optional(verifier))
        .client_certificate_types(&[tls13::unstable::msgs::enums::CertificateType::RAW_PUBLIC_KEY])
        .build()
        .unwrap();
    let p = connect(&client, s);
    assert!(!p.server.negotiated().resumed);
    assert!(p.server.negotiated().peer_certificates.is_empty());
}

#[test]
fn config_without_client_auth_resumes_without_claiming_the_identity() {
    let w = World::new();
    let client = authenticating_client(&w, KeyType::EcdsaP384);
    connect(
        &client,
        w.server()
            .client_auth(ClientAuth::Required(pinned_client(KeyType::EcdsaP384)))
            .build()
            .unwrap(),
    );
    // This configuration checks no client certificates: it resumes, but
    // vouches for no identity.
    let p = connect(&client, w.server().build().unwrap());
    assert!(p.server.negotiated().resumed);
    assert!(p.server.negotiated().peer_certificates.is_empty());
    assert!(!p.server.negotiated().peer_raw_public_key);
}

#[test]
fn deferred_verifier_checks_the_resumed_identity_again() {
    let w = World::new();
    let client = authenticating_client(&w, KeyType::EcdsaP384);
    let server = || {
        w.server()
            .client_auth(ClientAuth::Required(Arc::new(Verdict::Defer)))
            .build()
            .unwrap()
    };
    // The full handshake: the verifier is asked about the Certificate.
    let mut p = pair(&client, server(), Feed::Whole);
    p.run().unwrap();
    let asked = p
        .server_events
        .iter()
        .filter(|e| matches!(e, Event::VerifyClientCert(_)))
        .count();
    assert_eq!(asked, 1);
    p.server.answer_verify(Ok(())).unwrap();
    p.run().unwrap();
    assert!(pair::has_complete(&p.client_events));

    for accept in [true, false] {
        // Resuming: the verifier is asked about the ticket's identity
        // while the ClientHello waits.
        let mut p = pair(&client, server(), Feed::Whole);
        p.run().unwrap();
        let chain = p.server_events.iter().find_map(|e| match e {
            Event::VerifyClientCert(r) => Some(r.chain.clone()),
            _ => None,
        });
        assert_eq!(chain, Some(vec![client_cert(KeyType::EcdsaP384).0]));
        let refusal = CertificateError::Other {
            reason: "revoked".into(),
            alert: AlertDescription::CERTIFICATE_REVOKED,
        };
        p.server
            .answer_verify(if accept { Ok(()) } else { Err(refusal) })
            .unwrap();
        p.run().unwrap();
        if accept {
            assert!(p.server.negotiated().resumed);
            assert!(pair::has_complete(&p.server_events));
        } else {
            // A full handshake, which asks again about the Certificate.
            assert!(!p.server.negotiated().resumed);
            p.server.answer_verify(Ok(())).unwrap();
            p.run().unwrap();
            assert!(pair::has_complete(&p.server_events));
        }
    }
}

// ---------- the client: sessions stay with their configuration ----------

#[test]
fn default_session_scope_does_not_mix_configurations() {
    let w = World::new();
    let first = Arc::new(w.client().build().unwrap());
    connect(&first, w.server().build().unwrap());
    // Another configuration with the same store: its own scope.
    let other = Arc::new(w.client().build().unwrap());
    let p = connect(&other, w.server().build().unwrap());
    assert!(!p.client.negotiated().resumed);
    // The first configuration still resumes its own.
    let p = connect(&first, w.server().build().unwrap());
    assert!(p.client.negotiated().resumed);
}

// ---------- 0-RTT anti-replay ----------

/// A World whose servers accept 0-RTT, with one session stored.
fn early_world() -> (World, Arc<ClientConfig>) {
    let w = World::new();
    let c = Arc::new(w.client().enable_early_data(true).build().unwrap());
    connect(&c, w.server().max_early_data_size(1000).build().unwrap());
    (w, c)
}

fn early_accepted(server: &mut ServerConnection) -> bool {
    let mut got = false;
    while let Some(e) = server.next_event() {
        got |= matches!(e, Event::EarlyData(_));
    }
    assert_eq!(got, server.negotiated().early_data_accepted);
    got
}

#[test]
fn zero_rtt_replay_to_another_config_sharing_the_tickets_is_refused() {
    let (w, c) = early_world();
    let mut client = ClientConnection::new(c, "localhost").unwrap();
    client.send_early_data(b"transfer 10").unwrap();
    let flight = client.pending_output().to_vec();
    // Two configurations (a reload, another worker) with the same tickets.
    let a = Arc::new(w.server().max_early_data_size(1000).build().unwrap());
    let b = Arc::new(w.server().max_early_data_size(1000).build().unwrap());
    let mut first = ServerConnection::new(a).unwrap();
    first.receive(&flight).unwrap();
    assert!(early_accepted(&mut first));
    let mut replay = ServerConnection::new(b).unwrap();
    replay.receive(&flight).unwrap();
    assert!(replay.negotiated().resumed);
    assert!(!early_accepted(&mut replay), "replayed 0-RTT delivered");
}

#[test]
fn zero_rtt_replay_is_refused_while_the_clients_age_ran_ahead() {
    let w = World::new();
    let (c, client_clock) = w.client_on_own_clock();
    let c = Arc::new(c.enable_early_data(true).build().unwrap());
    let s = || Arc::new(w.server().max_early_data_size(1000).build().unwrap());
    connect(&c, w.server().max_early_data_size(1000).build().unwrap());
    // The client's clock then runs 9 s ahead of the server's: its ticket
    // age is 9 s more than the server's view, within the 10 s window.
    client_clock.advance_ms(9_000);
    let s = s();
    let mut client = ClientConnection::new(c, "localhost").unwrap();
    client.send_early_data(b"once").unwrap();
    let flight = client.pending_output().to_vec();
    let mut first = ServerConnection::new(s.clone()).unwrap();
    first.receive(&flight).unwrap();
    assert!(early_accepted(&mut first));
    // 15 s later the server's age has caught up: 15 s against the
    // client's 9 s is within the window, so the record must still be there.
    w.clock.advance_ms(15_000);
    let mut replay = ServerConnection::new(s).unwrap();
    replay.receive(&flight).unwrap();
    assert!(replay.negotiated().resumed);
    assert!(!early_accepted(&mut replay), "replayed 0-RTT delivered");
}

/// A ticket producer that forwards to another but says nothing about
/// anti-replay.
struct Wrapped(Arc<dyn TicketProducer>);
impl TicketProducer for Wrapped {
    fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
        self.0.produce(info)
    }
    fn redeem(&self, ticket: &[u8]) -> Option<ServerSession> {
        self.0.redeem(ticket)
    }
}

#[test]
fn producer_without_anti_replay_gets_no_zero_rtt() {
    let w = World::new();
    let wrapped: Arc<dyn TicketProducer> = Arc::new(Wrapped(w.tickets.clone()));
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .time(w.clock.clone())
            .tickets(wrapped.clone(), 1, 7200)
            .max_early_data_size(1000)
            .build()
            .unwrap()
    };
    let c = Arc::new(w.client().enable_early_data(true).build().unwrap());
    connect(&c, server());
    let mut p = pair(&c, server(), Feed::Whole);
    assert_eq!(p.client.send_early_data(b"early").unwrap(), 5);
    p.run().unwrap();
    assert!(p.server.negotiated().resumed);
    assert!(!p.server.negotiated().early_data_accepted);
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if d == b"early"))
    );
}

// ---------- refused early data: what is skipped ----------

/// Servers that take only P-256 and accept 0-RTT.
fn p256_server(w: &World) -> ServerConfig {
    w.server()
        .max_early_data_size(1000)
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap()
}

/// A client that offers 0-RTT with an X25519 share to [`p256_server`]s:
/// a HelloRetryRequest follows. It holds a session from one handshake.
fn hrr_setup() -> (World, Arc<ClientConfig>) {
    let w = World::new();
    let c = w
        .client()
        .enable_early_data(true)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1]);
    let c = Arc::new(c.build().unwrap());
    let p = connect(&c, p256_server(&w));
    assert!(p.client.negotiated().hello_retry);
    (w, c)
}

/// An application_data record of `len` bytes that opens under no key.
fn garbage_record(len: usize) -> Vec<u8> {
    let mut r = vec![23, 3, 3, (len >> 8) as u8, len as u8];
    r.extend((0..len).map(|i| (i * 7 + 3) as u8));
    r
}

#[test]
fn nothing_after_the_second_client_hello_is_skipped_as_early_data() {
    let (w, c) = hrr_setup();
    let mut client = ClientConnection::new(c, "localhost").unwrap();
    assert_eq!(client.send_early_data(b"early").unwrap(), 5);
    let mut server = ServerConnection::new(Arc::new(p256_server(&w))).unwrap();
    // First ClientHello and its 0-RTT: skipped after the retry request.
    let flight = client.pending_output().to_vec();
    client.consume_output(flight.len());
    server.receive(&flight).unwrap();
    assert!(server.negotiated().hello_retry);
    let hrr = server.pending_output().to_vec();
    server.consume_output(hrr.len());
    client.receive(&hrr).unwrap();
    // The second ClientHello, then a record that opens under no key.
    let mut second = client.pending_output().to_vec();
    second.extend(garbage_record(100));
    let err = server
        .receive(&second)
        .expect_err("garbage after the second ClientHello was skipped");
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
}

#[test]
fn early_data_in_the_second_client_hello_is_illegal_parameter() {
    let w = World::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let hook = Arc::new(move |h: &mut ClientHello| {
        if seen.fetch_add(1, Ordering::SeqCst) == 1 {
            // The second hello: early_data again (pre_shared_key stays last).
            let at = match h.extensions.last() {
                Some(ClientExtension::PreSharedKey(_)) => h.extensions.len() - 1,
                _ => h.extensions.len(),
            };
            h.extensions.insert(at, ClientExtension::EarlyData);
        }
    });
    let c = w
        .client()
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .client_hello_hook(hook)
        .build()
        .unwrap();
    let mut p = pair(&Arc::new(c), p256_server(&w), Feed::Whole);
    let (at_client, err) = p.run().expect_err("early_data in the second hello");
    assert!(!at_client);
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn refused_early_data_is_skipped_only_up_to_max_early_data_size() {
    // The client's ticket (from another server) allows 4000 bytes; this
    // server's limit is 1000 and it cannot read the ticket.
    let other = World::new();
    let c = Arc::new(other.client().enable_early_data(true).build().unwrap());
    connect(
        &c,
        other.server().max_early_data_size(4000).build().unwrap(),
    );
    let w = World::new();
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .time(other.clock.clone())
            .tickets(w.tickets.clone(), 1, 7200)
            .max_early_data_size(1000)
            .build()
            .unwrap()
    };
    // Within the limit: skipped, a full handshake.
    let mut p = pair(&c, server(), Feed::Whole);
    assert_eq!(p.client.send_early_data(&[1; 900]).unwrap(), 900);
    p.run().unwrap();
    assert!(!p.server.negotiated().resumed);
    assert!(pair::has_complete(&p.server_events));
    // Past it: the record is not the client's early data.
    connect(
        &c,
        other.server().max_early_data_size(4000).build().unwrap(),
    );
    let mut p = pair(&c, server(), Feed::Whole);
    assert_eq!(p.client.send_early_data(&[1; 3000]).unwrap(), 3000);
    let (at_client, err) = p.run().expect_err("3000 bytes skipped");
    assert!(!at_client);
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
}

#[test]
fn early_exporter_is_unavailable_when_zero_rtt_is_refused() {
    let (w, c) = early_world();
    // Refused: this server takes no 0-RTT.
    let mut p = pair(&c, w.server().build().unwrap(), Feed::Whole);
    assert_eq!(p.client.send_early_data(b"early").unwrap(), 5);
    let mut out = [0u8; 16];
    // Offered: usable until the server answers.
    p.client
        .export_early_keying_material(b"label", b"", &mut out)
        .unwrap();
    p.run().unwrap();
    assert!(p.server.negotiated().resumed);
    assert!(!p.client.negotiated().early_data_accepted);
    assert!(
        p.client
            .export_early_keying_material(b"label", b"", &mut out)
            .is_err(),
        "client: early exporter after refused 0-RTT"
    );
    assert!(
        p.server
            .export_early_keying_material(b"label", b"", &mut out)
            .is_err()
    );
    // After a HelloRetryRequest too.
    let (_w, c) = hrr_setup();
    let mut p = pair(&c, p256_server(&_w), Feed::Whole);
    assert_eq!(p.client.send_early_data(b"early").unwrap(), 5);
    p.run().unwrap();
    assert!(p.client.negotiated().hello_retry);
    assert!(
        p.client
            .export_early_keying_material(b"label", b"", &mut out)
            .is_err(),
        "client: early exporter after a HelloRetryRequest"
    );
}

// ---------- NewSessionTicket that cannot fit a ClientHello ----------

/// Tickets of the largest size a NewSessionTicket can carry.
struct Huge;
impl TicketProducer for Huge {
    fn produce(&self, _: &TicketInfo<'_>) -> Option<Vec<u8>> {
        Some(vec![0x5a; 0xffff])
    }
}

#[test]
fn ticket_too_large_for_a_client_hello_is_ignored() {
    let clock = Clock::new();
    let c = Arc::new(
        client_builder(KeyType::EcdsaP256)
            .time(clock.clone())
            .build()
            .unwrap(),
    );
    let server = || {
        server_builder(KeyType::EcdsaP256)
            .time(clock.clone())
            .tickets(Arc::new(Huge), 1, 7200)
            .build()
            .unwrap()
    };
    let mut p = connect(&c, server());
    p.client.send(b"ping").unwrap();
    p.run().unwrap();
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::NewSessionTicket(_)))
    );
    // The next connection does not choke on it.
    let p = connect(&c, server());
    assert!(!p.client.negotiated().resumed);
}

// ---------- PSK hellos and modes ----------

/// Removes `signature_algorithms` from hellos that offer a PSK, and
/// counts them.
fn strip_signature_algorithms(count: Arc<AtomicUsize>) -> tls13::config::ClientHelloHook {
    Arc::new(move |h: &mut ClientHello| {
        if matches!(h.extensions.last(), Some(ClientExtension::PreSharedKey(_))) {
            h.extensions
                .retain(|e| !matches!(e, ClientExtension::SignatureAlgorithms(_)));
            count.fetch_add(1, Ordering::SeqCst);
        }
    })
}

#[test]
fn psk_hello_needs_no_signature_algorithms() {
    // RFC 9846 §9.2 asks for signature_algorithms only without a PSK.
    let w = World::new();
    let stripped = Arc::new(AtomicUsize::new(0));
    let c = Arc::new(
        w.client()
            .client_hello_hook(strip_signature_algorithms(stripped.clone()))
            .build()
            .unwrap(),
    );
    connect(&c, w.server().build().unwrap());
    assert_eq!(stripped.load(Ordering::SeqCst), 0);
    let p = connect(&c, w.server().build().unwrap());
    assert_eq!(stripped.load(Ordering::SeqCst), 1);
    assert!(p.server.negotiated().resumed);
    // A ticket the server cannot use leaves a hello that cannot do a
    // certificate handshake: missing_extension.
    let other = World::new();
    connect(&c, w.server().build().unwrap());
    let s = server_builder(KeyType::EcdsaP256)
        .time(w.clock.clone())
        .tickets(other.tickets.clone(), 1, 7200)
        .build()
        .unwrap();
    let mut p = pair(&c, s, Feed::Whole);
    let (_, err) = p
        .run()
        .expect_err("no signature_algorithms for a full handshake");
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::MissingExtension("signature_algorithms"))
    );
    assert_eq!(err.alert(), Some(AlertDescription::MISSING_EXTENSION));
}

#[test]
fn psk_ke_is_refused_unless_the_server_allows_it() {
    let w = World::new();
    let c = Arc::new(
        w.client()
            .psk_modes(&[PskKeyExchangeMode::PSK_KE])
            .build()
            .unwrap(),
    );
    connect(&c, w.server().build().unwrap());
    // Only psk_ke offered, the default server: a full handshake, with
    // (EC)DHE.
    let p = connect(&c, w.server().build().unwrap());
    assert!(!p.server.negotiated().resumed);
    assert!(p.server.negotiated().group.is_some());
}
