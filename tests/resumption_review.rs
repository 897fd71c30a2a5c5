//! Resumption, PSK and 0-RTT rules found missing in the review of issues
//! 11 and 12: what authenticated a session travels with its ticket (an
//! external PSK, the time of the last full authentication), a ticket's
//! client identity is checked only for the PSK whose binder proved it,
//! accepted 0-RTT is held to what the ticket promised, and a named session
//! scope never reads as a configuration's own.
//!
//! Every test uses only APIs of the code before these rules (sessions are
//! edited through their public fields, never built), so each one fails
//! there for the behaviour it names.

mod pair;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pair::{Feed, Pair, client_builder, identity, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ClientAuth, ServerConfig, TicketInfo, TicketProducer, TimeSource};
use tls13::crypto::OsRandom;
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, PeerIncompatible, PeerMisbehaved};
use tls13::resumption::{
    AntiReplay, ClientSessionCache, ClientSessionStore, ExternalPsk, ServerSession, SessionKey,
    StatelessTicketer,
};
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::unstable::msgs::handshake::{ClientExtension, ClientHello};
use tls13::{
    ClientCertVerifier, ClientConfig, ClientConnection, Decision, Error, Event,
    PinnedClientCertVerifier, ServerConnection,
};

/// A clock the test moves (milliseconds).
struct Clock(AtomicU64);
impl Clock {
    fn at(ms: u64) -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(ms)))
    }
    fn advance_ms(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}
impl TimeSource for Clock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst) / 1000
    }
    fn now_unix_millis(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

const START_MS: u64 = 1_800_000_000_000;
const DAY_MS: u64 = 86_400_000;

/// What a ticket stands for, as the server issued it.
#[derive(Clone)]
struct Issued {
    ticket: Vec<u8>,
    psk: Vec<u8>,
    age_add: u32,
    lifetime: u32,
}

/// Forwards to a shared producer and records the tickets it issues (a
/// stand-in for a client that keeps tickets our own client would not).
struct Recording {
    inner: Arc<dyn TicketProducer>,
    issued: Mutex<Vec<Issued>>,
}

impl Recording {
    fn new(inner: Arc<dyn TicketProducer>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            issued: Mutex::new(Vec::new()),
        })
    }
    fn last(&self) -> Issued {
        self.issued
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a ticket")
    }
}

impl TicketProducer for Recording {
    fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
        let ticket = self.inner.produce(info)?;
        self.issued.lock().unwrap().push(Issued {
            ticket: ticket.clone(),
            psk: info.psk.to_vec(),
            age_add: info.age_add,
            lifetime: info.lifetime,
        });
        Some(ticket)
    }
    fn redeem(&self, ticket: &[u8]) -> Option<ServerSession> {
        self.inner.redeem(ticket)
    }
    fn anti_replay(&self) -> AntiReplay<'_> {
        self.inner.anti_replay()
    }
}

/// One clock, one ticketer shared by every server configuration of a test
/// (a reload, per-port or per-name configurations), one client cache.
struct World {
    clock: Arc<Clock>,
    cache: Arc<ClientSessionCache>,
    tickets: Arc<dyn TicketProducer>,
}

impl World {
    fn new() -> Self {
        let clock = Clock::at(START_MS);
        // Ticket keys outlive every ticket of these tests.
        let tickets = Arc::new(StatelessTicketer::new(
            Arc::new(OsRandom),
            clock.clone(),
            30 * 86_400,
        ));
        Self {
            clock,
            cache: Arc::new(ClientSessionCache::default()),
            tickets,
        }
    }

    fn client(&self) -> tls13::config::ClientConfigBuilder {
        client_builder(KeyType::EcdsaP256)
            .time(self.clock.clone())
            .session_store(Some(self.cache.clone()))
    }

    fn server(&self) -> tls13::config::ServerConfigBuilder {
        server_builder(KeyType::EcdsaP256)
            .time(self.clock.clone())
            .tickets(self.tickets.clone(), 1, 604_800)
    }
}

fn pair(c: &Arc<ClientConfig>, s: ServerConfig) -> Pair {
    Pair::from_connections(
        ClientConnection::new(c.clone(), "localhost").unwrap(),
        ServerConnection::new(Arc::new(s)).unwrap(),
        Feed::Whole,
    )
}

fn connect(c: &Arc<ClientConfig>, s: ServerConfig) -> Pair {
    let mut p = pair(c, s);
    p.run().expect("handshake");
    assert!(pair::has_complete(&p.client_events));
    assert!(pair::has_complete(&p.server_events));
    p
}

fn psk(identity: &str, byte: u8) -> ExternalPsk {
    ExternalPsk::new(identity.as_bytes(), &[byte; 32], HashAlgorithm::Sha256).unwrap()
}

// ---------- tickets and the external PSK that authenticated them ----------

/// A PSK-only gateway (devices connect by address, no SNI to tell the
/// services apart) shares its ticket keys with a certificate server on
/// another port. A client of the certificate server, which holds no
/// external PSK, must not get into the gateway with that server's ticket.
#[test]
fn psk_only_server_refuses_a_ticket_no_external_psk_authenticated() {
    let w = World::new();
    let client = Arc::new(w.client().build().unwrap());
    connect(&client, w.server().build().unwrap());
    assert_eq!(w.cache.count_for_name("localhost"), 1);

    let gateway = ServerConfig::builder_psk_only([psk("sensor-1", 1)])
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 604_800)
        .build()
        .unwrap();
    let mut p = pair(&client, gateway);
    let r = p.run();
    assert!(
        !p.server.negotiated().resumed,
        "a PSK-only server resumed a session no PSK authenticated"
    );
    assert_eq!(
        r.err().map(|(_, e)| e),
        Some(Error::PeerIncompatible(
            PeerIncompatible::UnknownPskIdentity
        ))
    );
}

/// The gateway's `sensor-1` ticket, held by a client of ours under
/// `localhost` (as a client that keeps tickets after an external-PSK
/// handshake would), `authenticating` or not; the gateway's ticketer is
/// shared by `w`.
fn client_holding_a_device_ticket(w: &World, authenticating: bool) -> Arc<ClientConfig> {
    let recording = Recording::new(w.tickets.clone());
    let gateway = ServerConfig::builder_psk_only([psk("sensor-1", 1)])
        .time(w.clock.clone())
        .tickets(recording.clone(), 1, 604_800)
        .build()
        .unwrap();
    let device = Arc::new(
        ClientConfig::builder_psk_only(psk("sensor-1", 1))
            .time(w.clock.clone())
            .build()
            .unwrap(),
    );
    let p = connect(&device, gateway);
    assert_eq!(
        p.server.negotiated().psk_identity.as_deref(),
        Some(&b"sensor-1"[..])
    );
    let issued = recording.last();

    // A client session of ours to carry it: from a certificate server.
    let mut builder = w.client();
    if authenticating {
        let id = identity(KeyType::EcdsaP384);
        builder = builder.client_auth_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        );
    }
    let client = Arc::new(builder.build().unwrap());
    connect(&client, w.server().build().unwrap());
    let key = SessionKey::for_config(&client, "localhost").unwrap();
    let mut s = w.cache.take(&key).expect("a session");
    s.ticket = issued.ticket;
    s.psk = zeroize::Zeroizing::new(issued.psk);
    s.age_add = issued.age_add;
    s.lifetime = issued.lifetime;
    s.max_early_data = 0;
    s.peer_certificates = Vec::new();
    s.client_authenticated = false;
    w.cache.put(&key, s);
    client
}

#[test]
fn ticket_of_a_removed_external_psk_no_longer_resumes() {
    let w = World::new();
    let client = client_holding_a_device_ticket(&w, false);
    // The gateway is reloaded without sensor-1 (revoked), same ticket keys.
    let reloaded = ServerConfig::builder_psk_only([psk("sensor-2", 2)])
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 604_800)
        .build()
        .unwrap();
    let mut p = pair(&client, reloaded);
    let r = p.run();
    assert!(
        !p.server.negotiated().resumed,
        "a revoked external PSK still resumes through its ticket"
    );
    assert_eq!(
        r.err().map(|(_, e)| e),
        Some(Error::PeerIncompatible(
            PeerIncompatible::UnknownPskIdentity
        ))
    );
}

/// An operator re-keys a device's PSK (the old secret leaked, say): the
/// identity stays, the secret changes. Sessions the old secret
/// authenticated are that secret's, not the identity's: whoever held the
/// old secret (the leak) got tickets with it, and must not go on resuming
/// for up to 7 days after the re-key. Re-keying revokes them as removing
/// the PSK does.
#[test]
fn ticket_of_a_rekeyed_external_psk_no_longer_resumes() {
    let w = World::new();
    let client = client_holding_a_device_ticket(&w, false);
    // The gateway is reloaded with a new secret for sensor-1, same ticket
    // keys.
    let rekeyed = ServerConfig::builder_psk_only([psk("sensor-1", 0x77)])
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 604_800)
        .build()
        .unwrap();
    let mut p = pair(&client, rekeyed);
    let r = p.run();
    assert!(
        !p.server.negotiated().resumed,
        "a ticket of the old secret resumes after the PSK was re-keyed"
    );
    assert_eq!(
        r.err().map(|(_, e)| e),
        Some(Error::PeerIncompatible(
            PeerIncompatible::UnknownPskIdentity
        ))
    );
}

#[test]
fn resumed_external_psk_session_keeps_its_identity() {
    let w = World::new();
    let client = client_holding_a_device_ticket(&w, false);
    let gateway = ServerConfig::builder_psk_only([psk("sensor-1", 1), psk("sensor-2", 2)])
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 604_800)
        .build()
        .unwrap();
    let p = connect(&client, gateway);
    let n = p.server.negotiated();
    assert!(n.resumed && !n.external_psk, "{n:?}");
    // The gateway still knows which device this is.
    assert_eq!(n.psk_identity.as_deref(), Some(&b"sensor-1"[..]), "{n:?}");
}

/// RFC 9846 §4.4.2 and Appendix F.1: no certificate-based client
/// authentication on top of an external PSK, and a ticket from an
/// external-PSK connection is still that PSK's.
#[test]
fn no_post_handshake_auth_on_a_session_an_external_psk_authenticated() {
    let w = World::new();
    let client = client_holding_a_device_ticket(&w, true);
    let verifier = Arc::new(PinnedClientCertVerifier::new(vec![
        identity(KeyType::EcdsaP384).leaf.clone(),
    ]));
    let gateway = ServerConfig::builder_psk_only([psk("sensor-1", 1)])
        .time(w.clock.clone())
        .tickets(w.tickets.clone(), 1, 604_800)
        .post_handshake_client_verifier(verifier)
        .build()
        .unwrap();
    let mut p = connect(&client, gateway);
    assert!(p.server.negotiated().resumed);
    assert!(
        p.server.request_client_certificate().is_err(),
        "post-handshake certificate request on an external-PSK session"
    );
}

// ---------- a resumed client identity: verified once, after the binder ----------

/// Accepts the pinned certificate while `accept` is set; counts calls.
struct Counting {
    inner: PinnedClientCertVerifier,
    accept: AtomicBool,
    calls: AtomicUsize,
}

impl ClientCertVerifier for Counting {
    fn verify_client_cert(
        &self,
        ee: &[u8],
        rest: &[Vec<u8>],
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.accept.load(Ordering::SeqCst) {
            return Decision::Ready(Err(CertificateError::Other {
                reason: "revoked".into(),
                alert: AlertDescription::CERTIFICATE_REVOKED,
            }));
        }
        self.inner.verify_client_cert(ee, rest, now)
    }
}

/// A server configuration verifying client certificates with the
/// returned verifier, and a client holding a session with its certificate
/// in it; with `eight_times`, the client offers its ticket eight times (up
/// to the server's tries), as someone who saw it on the wire may.
fn authenticated_session(
    w: &World,
    eight_times: bool,
) -> (
    Arc<Counting>,
    Arc<ClientConfig>,
    impl Fn() -> Arc<ServerConfig>,
) {
    let id = identity(KeyType::EcdsaP384);
    let verifier = Arc::new(Counting {
        inner: PinnedClientCertVerifier::new(vec![id.leaf.clone()]),
        accept: AtomicBool::new(true),
        calls: AtomicUsize::new(0),
    });
    let mut builder = w.client().client_auth_cert(
        vec![id.leaf.clone()],
        SigningKey::from_der(&id.key).unwrap(),
    );
    if eight_times {
        builder = builder.client_hello_hook(Arc::new(|ch: &mut ClientHello| {
            if let Some(ClientExtension::PreSharedKey(o)) = ch.extensions.last_mut() {
                let (id, binder) = (o.identities[0].clone(), o.binders[0].clone());
                o.identities = vec![id; 8];
                o.binders = vec![binder; 8];
            }
        }));
    }
    let client = Arc::new(builder.build().unwrap());
    let server = {
        let (v, clock, tickets) = (verifier.clone(), w.clock.clone(), w.tickets.clone());
        move || {
            Arc::new(
                server_builder(KeyType::EcdsaP256)
                    .time(clock.clone())
                    .tickets(tickets.clone(), 1, 604_800)
                    .client_auth(ClientAuth::Optional(v.clone()))
                    .build()
                    .unwrap(),
            )
        }
    };
    let mut p = Pair::from_connections(
        ClientConnection::new(client.clone(), "localhost").unwrap(),
        ServerConnection::new(server()).unwrap(),
        Feed::Whole,
    );
    p.run().expect("handshake");
    assert!(!p.server.negotiated().peer_certificates.is_empty());
    verifier.calls.store(0, Ordering::SeqCst);
    (verifier, client, server)
}

/// RFC 9846 §4.3.11: the server selects one PSK and validates its binder
/// alone. The client identity in a ticket is checked for that PSK only:
/// one ClientHello costs at most one chain verification, however often it
/// repeats tickets whose identity no longer passes.
#[test]
fn one_client_hello_verifies_at_most_one_resumed_identity() {
    let w = World::new();
    let (verifier, client, server) = authenticated_session(&w, true);
    verifier.accept.store(false, Ordering::SeqCst);
    let c = ClientConnection::new(client, "localhost").unwrap();
    let mut s = ServerConnection::new(server()).unwrap();
    // The identity is refused: a full handshake (Optional asks again).
    s.receive(c.pending_output()).unwrap();
    assert!(!s.negotiated().resumed);
    let calls = verifier.calls.load(Ordering::SeqCst);
    assert!(
        calls <= 1,
        "one ClientHello made the server verify {calls} chains"
    );
}

/// ... and only after its binder proved the PSK: someone who copied a
/// ticket off the wire, without its PSK, must not make the server verify
/// (or ask a remote verifier about) the certificate inside.
#[test]
fn resumed_identity_is_verified_only_after_its_binder() {
    let w = World::new();
    let (verifier, client, server) = authenticated_session(&w, false);
    let c = ClientConnection::new(client, "localhost").unwrap();
    // The binder ends the ClientHello: flip its last byte.
    let mut forged = c.pending_output().to_vec();
    *forged.last_mut().unwrap() ^= 1;
    let mut s = ServerConnection::new(server()).unwrap();
    assert_eq!(
        s.receive(&forged),
        Err(Error::PeerMisbehaved(PeerMisbehaved::BadBinder))
    );
    assert_eq!(verifier.calls.load(Ordering::SeqCst), 0);
}

// ---------- the lifetime of what a full handshake authenticated ----------

/// RFC 9846 §4.7.1: tickets issued on resumed connections could extend the
/// keying material of one full handshake, and the trust in the
/// certificate checked then, forever; the total is limited to the 7 days
/// a single ticket may live (as BoringSSL's auth_timeout). After that, a
/// full handshake checks the server's certificate (and its
/// CertificateVerify) again.
#[test]
fn chained_resumption_ends_seven_days_after_the_full_handshake() {
    let w = World::new();
    let client = Arc::new(w.client().build().unwrap());
    assert!(
        !connect(&client, w.server().build().unwrap())
            .client
            .negotiated()
            .resumed
    );
    for _ in 0..2 {
        w.clock.advance_ms(3 * DAY_MS);
        let p = connect(&client, w.server().build().unwrap());
        assert!(p.client.negotiated().resumed);
    }
    // Day 7 and an hour: the last ticket is a day old, the authentication
    // it carries a week.
    w.clock.advance_ms(DAY_MS + 3_600_000);
    let p = connect(&client, w.server().build().unwrap());
    assert!(
        !p.client.negotiated().resumed,
        "resumed a week after the server was last authenticated"
    );
    assert!(p.client.negotiated().signature_scheme.is_some());
}

/// The server keeps the same limit, whatever the client's clock says.
#[test]
fn server_refuses_tickets_chained_past_seven_days_of_the_full_handshake() {
    let w = World::new();
    let client_clock = Clock::at(START_MS);
    let client = Arc::new(
        client_builder(KeyType::EcdsaP256)
            .time(client_clock.clone())
            .session_store(Some(w.cache.clone()))
            .build()
            .unwrap(),
    );
    connect(&client, w.server().build().unwrap());
    for _ in 0..2 {
        w.clock.advance_ms(3 * DAY_MS);
        client_clock.advance_ms(3 * DAY_MS);
        assert!(
            connect(&client, w.server().build().unwrap())
                .server
                .negotiated()
                .resumed
        );
    }
    // The client's clock lags a day behind the server's.
    w.clock.advance_ms(DAY_MS + 3_600_000);
    client_clock.advance_ms(3_600_000);
    let p = connect(&client, w.server().build().unwrap());
    assert!(
        !p.server.negotiated().resumed,
        "the server resumed a week after the full handshake"
    );
}

/// ... and does not promise more: a ticket issued on a resumed connection
/// lives no longer than the authentication it carries.
#[test]
fn tickets_of_a_resumed_connection_end_with_the_full_handshakes_week() {
    let w = World::new();
    let client = Arc::new(w.client().build().unwrap());
    connect(&client, w.server().build().unwrap());
    w.clock.advance_ms(6 * DAY_MS);
    let p = connect(&client, w.server().build().unwrap());
    assert!(p.client.negotiated().resumed);
    let lifetimes: Vec<u32> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::NewSessionTicket(t) => Some(t.lifetime),
            _ => None,
        })
        .collect();
    assert!(!lifetimes.is_empty());
    assert!(
        lifetimes.iter().all(|&l| l <= 86_400),
        "tickets of {lifetimes:?} s, one day of authentication left"
    );
}

// ---------- accepted 0-RTT and the ticket's promise ----------

/// RFC 9846 §4.7.1: max_early_data_size is what the ticket told the
/// client it may send. A server whose configuration now allows less (a
/// reload, another worker sharing the ticket keys) refuses 0-RTT under
/// such a ticket (and skips the data, up to the promise) rather than
/// accept it and fail an honest client for sending what it was allowed.
#[test]
fn accepted_zero_rtt_is_held_to_the_tickets_promise() {
    let w = World::new();
    let client = Arc::new(w.client().enable_early_data(true).build().unwrap());
    connect(
        &client,
        w.server().max_early_data_size(16_384).build().unwrap(),
    );
    let mut p = pair(
        &client,
        w.server().max_early_data_size(1000).build().unwrap(),
    );
    assert_eq!(p.client.send_early_data(&[7; 5000]).unwrap(), 5000);
    p.run()
        .expect("an honest client's 0-RTT fails the handshake");
    assert!(p.server.negotiated().resumed);
    assert!(!p.server.negotiated().early_data_accepted);
    assert!(pair::has_complete(&p.server_events));
}

// ---------- session keys as strings ----------

/// A session key's string form (for an external store) of a named scope
/// never equals a configuration's default scope: an embedder's scope
/// named `#config-N` must not share sessions with configuration N.
#[test]
fn named_scope_never_displays_as_a_configurations_own() {
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let own = SessionKey::for_config(&client, "localhost")
        .unwrap()
        .to_string();
    let (_, scope) = own.split_once(' ').unwrap();
    let named = SessionKey::named("localhost", scope).unwrap().to_string();
    assert_ne!(own, named);
}
