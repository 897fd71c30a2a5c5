//! An in-memory client↔server driver (the quinn `Pair` idea): shuttles
//! bytes between two sans-IO connections with a chosen feeding pattern.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::config::{SystemTimeSource, TicketProducer, TimeSource};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::resumption::{ClientSessionCache, StatelessTicketer};
use tls13::{
    ClientConfig, ClientConnection, Connection, Error, Event, PinnedCertVerifier,
    PinnedClientCertVerifier,
};
use tls13::{ServerConfig, ServerConnection};

pub const NOT_BEFORE: u64 = 1_700_000_000;
pub const NOT_AFTER: u64 = 2_600_000_000;

/// A test identity: CA, leaf (DER) and the leaf's PKCS#8 key.
pub struct Identity {
    pub ca: Vec<u8>,
    pub leaf: Vec<u8>,
    pub key: Vec<u8>,
}

pub fn identity(kind: KeyType) -> &'static Identity {
    static IDS: OnceLock<Vec<(KeyType, Identity)>> = OnceLock::new();
    let ids = IDS.get_or_init(|| {
        let rng = OsRandom;
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("engine test CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
        [
            KeyType::EcdsaP256,
            KeyType::EcdsaP384,
            KeyType::Ed25519,
            KeyType::Rsa2048,
        ]
        .into_iter()
        .map(|k| {
            let key = certgen::generate_key(k, &rng).unwrap();
            let leaf = ca
                .issue(
                    &[SubjectAltName::Dns("localhost".into())],
                    &key,
                    NOT_BEFORE,
                    NOT_AFTER,
                    &rng,
                )
                .unwrap();
            (
                k,
                Identity {
                    ca: ca.cert_der().to_vec(),
                    leaf,
                    key: key.to_vec(),
                },
            )
        })
        .collect()
    });
    &ids.iter().find(|(k, _)| *k == kind).unwrap().1
}

pub fn client_builder(kind: KeyType) -> tls13::config::ClientConfigBuilder {
    ClientConfig::builder(Arc::new(PinnedCertVerifier::new(
        identity(kind).leaf.clone(),
    )))
}

pub fn server_builder(kind: KeyType) -> tls13::config::ServerConfigBuilder {
    let id = identity(kind);
    ServerConfig::builder_with_single_cert(
        vec![id.leaf.clone(), id.ca.clone()],
        SigningKey::from_der(&id.key).unwrap(),
    )
}

/// [`server_builder`] with the key loaded by `provider`, which the
/// config uses too.
#[allow(dead_code)]
pub fn server_builder_with(
    provider: &'static tls13::crypto::CryptoProvider,
    kind: KeyType,
) -> tls13::config::ServerConfigBuilder {
    let id = identity(kind);
    ServerConfig::builder_with_single_cert(
        vec![id.leaf.clone(), id.ca.clone()],
        provider.load_private_key(&id.key).unwrap(),
    )
    .provider(provider)
}

/// A clock the test moves (milliseconds).
pub struct Clock(pub AtomicU64);

impl Clock {
    /// At 1_800_000_000 s (January 2027): inside the test certificates'
    /// validity.
    pub fn new() -> Arc<Self> {
        Self::at(1_800_000_000_000)
    }
    pub fn at(ms: u64) -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(ms)))
    }
    pub fn advance_ms(&self, ms: u64) {
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

/// What lets the connections of one test resume each other: one client
/// session cache and one server ticket key (a stateless ticketer, its key
/// rotating hourly) shared by every configuration the test builds (reload,
/// per-name configurations, workers), all on `clock`: a [`Clock`] the
/// test moves ([`World::new`]) or the system's ([`World::system`]).
pub struct World<T = Clock> {
    pub clock: Arc<T>,
    pub cache: Arc<ClientSessionCache>,
    pub tickets: Arc<dyn TicketProducer>,
    /// How many tickets [`World::server`]'s configurations send after a
    /// handshake.
    pub tickets_per_handshake: usize,
}

impl World {
    /// On a [`Clock::new`].
    pub fn new() -> Self {
        Self::on(Clock::new())
    }

    /// A client configuration as [`World::client`]'s, but on a clock of
    /// its own set to the world's time (returned): the test moves either
    /// clock alone.
    pub fn client_on_own_clock(&self) -> (tls13::config::ClientConfigBuilder, Arc<Clock>) {
        let clock = Clock::at(self.clock.now_unix_millis());
        (self.client_on(clock.clone()), clock)
    }
}

impl World<SystemTimeSource> {
    /// On the system's clock.
    pub fn system() -> Self {
        Self::on(Arc::new(SystemTimeSource))
    }
}

impl<T: TimeSource + 'static> World<T> {
    pub fn on(clock: Arc<T>) -> Self {
        let tickets = Arc::new(StatelessTicketer::new(
            Arc::new(OsRandom),
            clock.clone(),
            3600,
        ));
        Self {
            clock,
            cache: Arc::new(ClientSessionCache::default()),
            tickets,
            tickets_per_handshake: 1,
        }
    }

    /// A client configuration (the P-256 identity pinned) on the clock,
    /// sharing the cache; build it once and reuse the `Arc` for every
    /// connection of one client.
    pub fn client(&self) -> tls13::config::ClientConfigBuilder {
        self.client_on(self.clock.clone())
    }

    fn client_on(&self, clock: Arc<dyn TimeSource>) -> tls13::config::ClientConfigBuilder {
        client_builder(KeyType::EcdsaP256)
            .time(clock)
            .session_store(Some(self.cache.clone()))
    }

    /// A server configuration (the P-256 identity) on the clock, issuing
    /// `tickets_per_handshake` tickets of 2 hours under the shared key.
    pub fn server(&self) -> tls13::config::ServerConfigBuilder {
        server_builder(KeyType::EcdsaP256)
            .time(self.clock.clone())
            .tickets(self.tickets.clone(), self.tickets_per_handshake, 7200)
    }
}

/// A client verifier that accepts `kind`'s test leaf and nothing else.
pub fn pinned_client(kind: KeyType) -> Arc<PinnedClientCertVerifier> {
    Arc::new(PinnedClientCertVerifier::new(vec![
        identity(kind).leaf.clone(),
    ]))
}

/// How bytes are handed over.
#[derive(Clone, Copy, Debug)]
pub enum Feed {
    Whole,
    OneByte,
    Random(u64),
}

/// A small deterministic PRNG for split points.
pub struct XorShift(pub u64);
impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

pub struct Pair {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub feed: Feed,
    rng: XorShift,
    /// Every byte the client sent / the server sent, for wire inspection.
    pub client_wire: Vec<u8>,
    pub server_wire: Vec<u8>,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig, feed: Feed) -> Self {
        Self::with_server_name(client, server, feed, "localhost")
    }

    /// As [`Pair::new`], the client asking for `server_name`.
    pub fn with_server_name(
        client: ClientConfig,
        server: ServerConfig,
        feed: Feed,
        server_name: &str,
    ) -> Self {
        let client = ClientConnection::new(Arc::new(client), server_name).unwrap();
        let server = ServerConnection::new(Arc::new(server)).unwrap();
        Self::from_connections(client, server, feed)
    }

    /// A pair of connections made by the caller.
    pub fn from_connections(
        client: ClientConnection,
        server: ServerConnection,
        feed: Feed,
    ) -> Self {
        let seed = match feed {
            Feed::Random(s) => s | 1,
            _ => 1,
        };
        Self {
            client,
            server,
            client_events: Vec::new(),
            server_events: Vec::new(),
            feed,
            rng: XorShift(seed),
            client_wire: Vec::new(),
            server_wire: Vec::new(),
        }
    }

    fn transfer(
        from: &mut Connection,
        to: &mut Connection,
        feed: Feed,
        rng: &mut XorShift,
        wire: &mut Vec<u8>,
    ) -> Result<bool, Error> {
        let data = from.pending_output().to_vec();
        if data.is_empty() {
            return Ok(false);
        }
        from.consume_output(data.len());
        wire.extend_from_slice(&data);
        let mut rest = &data[..];
        while !rest.is_empty() {
            let n = match feed {
                Feed::Whole => rest.len(),
                Feed::OneByte => 1,
                Feed::Random(_) => 1 + (rng.next() as usize % rest.len().min(300)),
            };
            let (chunk, tail) = rest.split_at(n);
            to.receive(chunk)?;
            rest = tail;
        }
        Ok(true)
    }

    /// Moves bytes both ways until neither side has output. Errors are
    /// returned with the side: Err((is_client_receiving, error)).
    pub fn run(&mut self) -> Result<(), (bool, Error)> {
        loop {
            let a = Self::transfer(
                &mut self.client,
                &mut self.server,
                self.feed,
                &mut self.rng,
                &mut self.client_wire,
            )
            .map_err(|e| (false, e))?;
            self.drain();
            let b = Self::transfer(
                &mut self.server,
                &mut self.client,
                self.feed,
                &mut self.rng,
                &mut self.server_wire,
            )
            .map_err(|e| (true, e))?;
            self.drain();
            if !a && !b {
                return Ok(());
            }
        }
    }

    pub fn drain(&mut self) {
        while let Some(e) = self.client.next_event() {
            self.client_events.push(e);
        }
        while let Some(e) = self.server.next_event() {
            self.server_events.push(e);
        }
    }

    /// Takes the application data the client has received so far.
    pub fn client_data(&mut self) -> Vec<u8> {
        take_data(&mut self.client)
    }

    /// Takes the application data the server has received so far.
    pub fn server_data(&mut self) -> Vec<u8> {
        take_data(&mut self.server)
    }
}

/// Takes the application data `conn` has received so far.
pub fn take_data(conn: &mut Connection) -> Vec<u8> {
    let out = conn.received_data().to_vec();
    conn.consume_received_data(out.len());
    out
}

pub fn has_complete(events: &[Event]) -> bool {
    events.iter().any(|e| matches!(e, Event::HandshakeComplete))
}

/// Splits a byte stream into TLS records (header, payload).
pub fn records(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = wire;
    while rest.len() >= 5 {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        out.push((rest[0], rest[5..5 + len].to_vec()));
        rest = &rest[5 + len..];
    }
    out
}
