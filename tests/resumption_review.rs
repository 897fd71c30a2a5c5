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

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pair::{Feed, Pair, client_builder, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ServerConfig, TicketProducer, TimeSource};
use tls13::crypto::OsRandom;
use tls13::resumption::{ClientSessionCache, SessionKey, StatelessTicketer};
use tls13::{ClientConfig, ClientConnection, ServerConnection};

/// A clock the test moves (milliseconds).
struct Clock(AtomicU64);
impl Clock {
    fn at(ms: u64) -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(ms)))
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
