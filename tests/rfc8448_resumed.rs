//! RFC 8448 §4 (resumed 0-RTT handshake) replayed through the real client
//! and server state machines, byte for byte, like §3 in
//! `rfc8448_replay.rs`.
//!
//! The session is the one §3 established: the PSK is derived by the
//! engine's key schedule from §3's resumption_master_secret and its
//! NewSessionTicket nonce, and must equal both §3's "resumption" output
//! and §4's early-secret input. The client gets it through its session
//! store (ticket, age_add, lifetime, max_early_data of §3's ticket); the
//! server through a stateful ticket store mapping §3's opaque ticket to
//! that state. Clocks are set so that the ticket age is the trace's
//! (obfuscated_ticket_age − ticket_age_add = 6 ms).
//!
//! Each side gets the trace's randomness in the documented draw order, is
//! fed the peer's records as the trace gives them (whole, then one byte at
//! a time), must emit exactly the trace's records (the 0-RTT record
//! "ABCDEF" and EndOfEarlyData included) and log the trace's secrets.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{ScriptedRandom, rfc8448_server_rsa_pkcs1_der};
use serde_json::Value;
use tls13::config::{ClientConfig, ServerConfig, TimeSource};
use tls13::crypto::OsRandom;
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::sign;
use tls13::resumption::{
    ClientSession, ClientSessionCache, ClientSessionStore, InMemoryTicketStore, ServerSession,
    SessionKey,
};
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::{self, KeyLog};
use tls13::unstable::msgs::enums::{CipherSuite, ExtensionType, NamedGroup, SignatureScheme};
use tls13::unstable::msgs::extensions::TicketExtension;
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, NewSessionTicket, ServerExtension,
};
use tls13::{ClientConnection, CloseKind, Connection, Event, PinnedCertVerifier, ServerConnection};
use zeroize::Zeroizing;

const SIMPLE: &str = "Simple 1-RTT Handshake";
const RESUMED: &str = "Resumed 0-RTT Handshake";

struct Entry {
    actor: String,
    step: String,
    label: String,
    bytes: Vec<u8>,
}

struct Trace {
    entries: Vec<Entry>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Handshake,
    ApplicationData,
    Alert,
}

struct TraceRecord {
    from_client: bool,
    kind: Kind,
    payload: Vec<u8>,
    record: Vec<u8>,
}

impl Trace {
    fn load(section: &str) -> Self {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/vectors/rfc8448/rfc8448-vectors.json"
        ))
        .unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let entries = json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["section"] == section)
            .map(|e| Entry {
                actor: e["actor"].as_str().unwrap().to_owned(),
                step: e["step"].as_str().unwrap().to_owned(),
                label: e["label"].as_str().unwrap().to_owned(),
                bytes: hex::decode(e["hex"].as_str().unwrap_or("")).unwrap(),
            })
            .collect::<Vec<_>>();
        assert!(!entries.is_empty());
        Self { entries }
    }

    fn value(&self, actor: &str, step: &str, label: &str) -> Vec<u8> {
        let found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.actor == actor && e.step == step && e.label == label)
            .collect();
        assert_eq!(found.len(), 1, "{actor} {step} {label}");
        found[0].bytes.clone()
    }

    /// `derive secret "tls13 <label>"` expanded, by whichever side the
    /// trace shows deriving it (both agree where both do).
    fn secret(&self, label: &str) -> Vec<u8> {
        let step = format!("derive secret \"tls13 {label}\"");
        let found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.step == step && e.label == "expanded")
            .collect();
        assert!(!found.is_empty(), "{label}");
        assert!(found.iter().all(|e| e.bytes == found[0].bytes));
        found[0].bytes.clone()
    }

    fn message(&self, name: &str) -> Vec<u8> {
        self.entries
            .iter()
            .find(|e| {
                e.step.starts_with("construct a")
                    && e.step.ends_with("handshake message")
                    && e.label == name
            })
            .unwrap_or_else(|| panic!("{name}"))
            .bytes
            .clone()
    }

    fn records(&self) -> Vec<TraceRecord> {
        let mut out = Vec::new();
        let mut payload: Option<&Entry> = None;
        for e in &self.entries {
            let Some(what) = e
                .step
                .strip_prefix("send ")
                .and_then(|s| s.strip_suffix(" record"))
            else {
                continue;
            };
            match e.label.as_str() {
                "payload" => payload = Some(e),
                "complete record" => {
                    let p = payload.take().unwrap();
                    let kind = match what {
                        "handshake" => Kind::Handshake,
                        "application_data" => Kind::ApplicationData,
                        "alert" => Kind::Alert,
                        other => panic!("record type {other}"),
                    };
                    out.push(TraceRecord {
                        from_client: e.actor == "{client}",
                        kind,
                        payload: p.bytes.clone(),
                        record: e.bytes.clone(),
                    });
                }
                other => panic!("{other}"),
            }
        }
        out
    }

    /// The ClientHello as sent (the trace's "construct" entry of §4 stops
    /// before the binders; the record has the whole message).
    fn client_hello(&self) -> ClientHello {
        let first = self.records().into_iter().next().unwrap();
        assert!(first.from_client && first.kind == Kind::Handshake);
        match parse(&first.payload) {
            HandshakeMessage::ClientHello(ch) => ch,
            other => panic!("{other:?}"),
        }
    }

    fn server_certificate(&self) -> Vec<u8> {
        match parse(&self.message("Certificate")) {
            HandshakeMessage::Certificate(c) => c.entries[0].data.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn new_session_ticket(&self) -> NewSessionTicket {
        match parse(&self.message("NewSessionTicket")) {
            HandshakeMessage::NewSessionTicket(t) => t,
            other => panic!("{other:?}"),
        }
    }
}

fn parse(bytes: &[u8]) -> HandshakeMessage {
    HandshakeMessage::read_exact(bytes, "trace message").unwrap()
}

/// A clock at a fixed millisecond.
struct AtMs(u64);
impl TimeSource for AtMs {
    fn now_unix(&self) -> u64 {
        self.0 / 1000
    }
    fn now_unix_millis(&self) -> u64 {
        self.0
    }
}

/// When §3's ticket was received/issued on our clocks.
const ISSUED_MS: u64 = 1_500_000_000_000;

/// §3's session: the ticket and the PSK for it, checked against the trace.
struct Section3 {
    ticket: NewSessionTicket,
    psk: Vec<u8>,
    server_certificate: Vec<u8>,
}

fn section3() -> Section3 {
    let t3 = Trace::load(SIMPLE);
    let t4 = Trace::load(RESUMED);
    let ticket = t3.new_session_ticket();
    let rms = t3.value("{client}", "derive secret \"tls13 res master\"", "expanded");
    let psk = key_schedule::resumption_psk(
        HashAlgorithm::Sha256.with_default_provider(),
        &rms,
        &ticket.nonce,
    );
    assert_eq!(
        psk.as_ref(),
        t3.value(
            "{server}",
            "generate resumption secret \"tls13 resumption\"",
            "expanded"
        )
    );
    assert_eq!(
        psk.as_ref(),
        t4.value("{client}", "extract secret \"early\"", "IKM")
    );
    Section3 {
        ticket,
        psk: psk.as_ref().to_vec(),
        server_certificate: t3.server_certificate(),
    }
}

/// The trace's ticket age in milliseconds.
fn ticket_age_ms(t4: &Trace, s3: &Section3) -> u64 {
    let ch = t4.client_hello();
    let offered = ch
        .extensions
        .iter()
        .find_map(|e| match e {
            ClientExtension::PreSharedKey(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(offered.identities[0].identity, s3.ticket.ticket);
    u64::from(
        offered.identities[0]
            .obfuscated_ticket_age
            .wrapping_sub(s3.ticket.age_add),
    )
}

#[derive(Default)]
struct CaptureKeyLog(Mutex<BTreeMap<String, Vec<u8>>>);

impl KeyLog for CaptureKeyLog {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        let dup = self
            .0
            .lock()
            .unwrap()
            .insert(label.to_owned(), secret.to_vec());
        assert!(dup.is_none(), "{label} logged twice");
    }
}

impl CaptureKeyLog {
    fn check(&self, t4: &Trace, side: &str) {
        let expected: BTreeMap<String, Vec<u8>> = [
            ("CLIENT_EARLY_TRAFFIC_SECRET", "c e traffic"),
            ("EARLY_EXPORTER_SECRET", "e exp master"),
            ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "c hs traffic"),
            ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "s hs traffic"),
            ("CLIENT_TRAFFIC_SECRET_0", "c ap traffic"),
            ("SERVER_TRAFFIC_SECRET_0", "s ap traffic"),
            ("EXPORTER_SECRET", "exp master"),
        ]
        .into_iter()
        .map(|(l, t)| (l.to_owned(), t4.secret(t)))
        .collect();
        let got = self.0.lock().unwrap();
        for (label, secret) in &expected {
            assert_eq!(
                got.get(label).map(hex::encode),
                Some(hex::encode(secret)),
                "{side} {label}"
            );
        }
        assert_eq!(got.len(), expected.len(), "{side}: {:?}", got.keys());
    }
}

#[derive(Clone, Copy)]
enum Feeding {
    Records,
    Bytes,
}

fn feed(conn: &mut Connection, bytes: &[u8], feeding: Feeding) {
    match feeding {
        Feeding::Records => conn.receive(bytes).unwrap(),
        Feeding::Bytes => {
            for b in bytes {
                conn.receive(std::slice::from_ref(b)).unwrap();
            }
        }
    }
}

/// The side being driven.
enum Side<'a> {
    Client(&'a mut ClientConnection),
    Server(&'a mut ServerConnection),
}

impl Side<'_> {
    fn conn(&mut self) -> &mut Connection {
        match self {
            Side::Client(c) => c,
            Side::Server(s) => s,
        }
    }
}

/// Drives one side through the trace; its output must equal its trace
/// records, compared whenever the trace turns to the peer. Returns the
/// events. A client application_data record before the handshake
/// completes is sent as 0-RTT data.
fn drive(t4: &Trace, mut side: Side<'_>, feeding: Feeding) -> Vec<Event> {
    let we_are_client = matches!(side, Side::Client(_));
    let mut events = Vec::new();
    let mut expected = Vec::new();
    let mut emitted = Vec::new();
    let take = |conn: &mut Connection, emitted: &mut Vec<u8>| {
        let out = conn.pending_output().to_vec();
        conn.consume_output(out.len());
        emitted.extend(out);
    };
    let compare = |expected: &mut Vec<u8>, emitted: &mut Vec<u8>| {
        let n = expected.len().min(emitted.len());
        assert_eq!(
            hex::encode(&emitted[..n]),
            hex::encode(&expected[..]),
            "{} records",
            if we_are_client { "client" } else { "server" }
        );
        emitted.drain(..expected.len());
        expected.clear();
    };
    for r in t4.records() {
        if r.from_client == we_are_client {
            match (&mut side, r.kind) {
                (Side::Client(c), Kind::ApplicationData) if c.is_handshaking() => {
                    assert_eq!(c.send_early_data(&r.payload).unwrap(), r.payload.len());
                }
                (s, Kind::ApplicationData) => {
                    assert_eq!(s.conn().send(&r.payload).unwrap(), r.payload.len())
                }
                (s, Kind::Alert) => s.conn().close(),
                (_, Kind::Handshake) => {}
            }
            take(side.conn(), &mut emitted);
            expected.extend_from_slice(&r.record);
        } else {
            take(side.conn(), &mut emitted);
            compare(&mut expected, &mut emitted);
            let c = side.conn();
            feed(c, &r.record, feeding);
            while let Some(e) = c.next_event() {
                events.push(e);
            }
            if r.kind == Kind::ApplicationData {
                // 0-RTT data is an event; application data is read from
                // the connection, where it was decrypted.
                let data = c.received_data().to_vec();
                c.consume_received_data(data.len());
                if data.is_empty() {
                    match events.last() {
                        Some(Event::EarlyData(d)) => assert_eq!(d, &r.payload),
                        other => panic!("expected the peer's data, got {other:?}"),
                    }
                } else {
                    assert_eq!(data, r.payload);
                }
            }
        }
    }
    take(side.conn(), &mut emitted);
    compare(&mut expected, &mut emitted);
    assert!(emitted.is_empty(), "extra output {}", hex::encode(&emitted));
    events
}

/// Extensions the engine writes itself; the hook keeps the engine's.
const ENGINE_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::SERVER_NAME,
    ExtensionType::SUPPORTED_VERSIONS,
    ExtensionType::KEY_SHARE,
    ExtensionType::PSK_KEY_EXCHANGE_MODES,
    ExtensionType::RECORD_SIZE_LIMIT,
    ExtensionType::EARLY_DATA,
    ExtensionType::PRE_SHARED_KEY,
];

fn client_replay(feeding: Feeding) {
    let t4 = Trace::load(RESUMED);
    let s3 = section3();
    let ch = t4.client_hello();
    let age = ticket_age_ms(&t4, &s3);
    assert_eq!(age, 6);

    let mut draws = ch.random.to_vec();
    draws.extend(t4.value(
        "{client}",
        "create an ephemeral x25519 key pair",
        "private key",
    ));
    let rng = Arc::new(ScriptedRandom::new(draws));

    // §3's ticket in the client's session store.
    let max_early_data = s3
        .ticket
        .extensions
        .iter()
        .find_map(|e| match e {
            TicketExtension::EarlyData(n) => Some(*n),
            _ => None,
        })
        .unwrap();
    let cache = Arc::new(ClientSessionCache::default());
    let session = ClientSession {
        suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        psk: Zeroizing::new(s3.psk.clone()),
        ticket: s3.ticket.ticket.clone(),
        age_add: s3.ticket.age_add,
        lifetime: s3.ticket.lifetime,
        received_ms: ISSUED_MS,
        max_early_data,
        alpn: None,
        peer_certificates: vec![s3.server_certificate.clone()],
        peer_raw_public_key: false,
        client_authenticated: false,
        // §3's full handshake, at the ticket's issue.
        authenticated_ms: ISSUED_MS,
        // As if imported: the client's verifier accepts the chain again.
        origin: None,
        quic_transport_parameters: None,
    };

    let wanted = ch.clone();
    let engine_hello: Arc<Mutex<Option<ClientHello>>> = Arc::default();
    let seen = engine_hello.clone();
    let calls = AtomicUsize::new(0);
    let hook = Arc::new(move |c: &mut ClientHello| {
        assert_eq!(calls.fetch_add(1, Ordering::SeqCst), 0);
        *seen.lock().unwrap() = Some(c.clone());
        c.extensions = wanted
            .extensions
            .iter()
            .map(|e| {
                if ENGINE_EXTENSIONS.contains(&e.typ()) {
                    c.extensions
                        .iter()
                        .find(|o| o.typ() == e.typ())
                        .unwrap_or_else(|| panic!("engine did not send {:?}", e.typ()))
                        .clone()
                } else {
                    e.clone()
                }
            })
            .collect();
    });
    let groups: Vec<NamedGroup> = ch
        .extensions
        .iter()
        .find_map(|e| match e {
            ClientExtension::SupportedGroups(g) => Some(g.clone()),
            _ => None,
        })
        .unwrap()
        .into_iter()
        .filter(|g| tls13::crypto::kx::is_supported(*g))
        .collect();
    let schemes: Vec<SignatureScheme> = ch
        .extensions
        .iter()
        .find_map(|e| match e {
            ClientExtension::SignatureAlgorithms(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap()
        .into_iter()
        .filter(|s| sign::SUPPORTED_SCHEMES.contains(s))
        .collect();
    let key_log = Arc::new(CaptureKeyLog::default());
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(
        s3.server_certificate.clone(),
    )))
    .suites(&ch.cipher_suites)
    .groups(&groups)
    .signature_schemes(&schemes)
    .record_size_limit(Some(0x4001))
    .middlebox_compat(false)
    .rng(rng.clone())
    // The client reports a whole-millisecond lower bound of the age
    // (ClientSession::obfuscated_age): its clock reads one more.
    .time(Arc::new(AtMs(ISSUED_MS + age + 1)))
    .key_log(key_log.clone())
    .client_hello_hook(hook)
    .session_store(Some(cache.clone()))
    .enable_early_data(true)
    // Byte-exact replay: RustCrypto signs with the scripted salt.
    .provider(tls13::crypto::rustcrypto::provider())
    .build()
    .unwrap();
    let key = SessionKey::for_config(&config, "server").unwrap();
    cache.put(&key, session);

    let mut client = ClientConnection::new(Arc::new(config), "server").unwrap();
    let events = drive(&t4, Side::Client(&mut client), feeding);

    let ours = engine_hello.lock().unwrap().clone().unwrap();
    assert_eq!(ours.random, ch.random);
    assert_eq!(rng.remaining(), 0, "every scripted byte drawn");
    key_log.check(&t4, "client");
    let n = client.negotiated();
    assert!(n.resumed && n.early_data_accepted);
    assert_eq!(n.peer_certificates, vec![s3.server_certificate.clone()]);
    // The early exporter works on the client as soon as 0-RTT was offered.
    let mut out = [0u8; 8];
    client
        .export_early_keying_material(b"x", b"", &mut out)
        .unwrap();

    let mut it = events.iter();
    assert!(
        matches!(it.next(), Some(Event::EarlyDataAccepted)),
        "{events:?}"
    );
    assert!(
        matches!(it.next(), Some(Event::HandshakeComplete)),
        "{events:?}"
    );
    assert!(matches!(
        it.next(),
        Some(Event::Closed(CloseKind::CloseNotify))
    ));
    assert!(it.next().is_none(), "{events:?}");
    // Single use: the ticket left the store.
    assert!(cache.take(&key).is_none());
}

fn server_replay(feeding: Feeding) {
    let t4 = Trace::load(RESUMED);
    let s3 = section3();
    let age = ticket_age_ms(&t4, &s3);
    let sh = match parse(&t4.message("ServerHello")) {
        HandshakeMessage::ServerHello(sh) => sh,
        other => panic!("{other:?}"),
    };
    let mut draws = sh.random.to_vec();
    draws.extend(t4.value(
        "{server}",
        "create an ephemeral x25519 key pair",
        "private key",
    ));
    let rng = Arc::new(ScriptedRandom::new(draws));

    // §3's opaque ticket mapped to §3's state.
    let store = Arc::new(InMemoryTicketStore::new(Arc::new(OsRandom), 4));
    store.insert(
        s3.ticket.ticket.clone(),
        ServerSession {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            psk: Zeroizing::new(s3.psk.clone()),
            age_add: s3.ticket.age_add,
            issued_ms: ISSUED_MS,
            lifetime: s3.ticket.lifetime,
            max_early_data: 1024,
            alpn: None,
            server_name: Some("server".into()),
            peer_certificates: Vec::new(),
            peer_raw_public_key: false,
            psk_identity: None,
            authenticated_ms: ISSUED_MS,
            psk_fingerprint: None,
            quic_early_data_context: None,
        },
    );
    let ee = match parse(&t4.message("EncryptedExtensions")) {
        HandshakeMessage::EncryptedExtensions(ee) => ee,
        other => panic!("{other:?}"),
    };
    let nss_groups = ee
        .iter()
        .find_map(|e| match e {
            ServerExtension::SupportedGroups(g) => Some(g.clone()),
            _ => None,
        })
        .unwrap();
    let key = tls13::crypto::rustcrypto::provider()
        .load_private_key(&rfc8448_server_rsa_pkcs1_der())
        .unwrap();
    let key_log = Arc::new(CaptureKeyLog::default());
    let config = ServerConfig::builder_with_single_cert(vec![s3.server_certificate.clone()], key)
        .rng(rng.clone())
        .time(Arc::new(AtMs(ISSUED_MS + age)))
        .key_log(key_log.clone())
        // §4 sends no new ticket: the store only redeems.
        .tickets(store.clone(), 0, 30)
        .max_early_data_size(1024)
        .encrypted_extensions_hook(Arc::new(move |exts: &mut Vec<ServerExtension>| {
            exts.insert(0, ServerExtension::SupportedGroups(nss_groups.clone()))
        }))
        // Byte-exact replay: RustCrypto signs with the scripted salt.
        .provider(tls13::crypto::rustcrypto::provider())
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(config)).unwrap();
    let events = drive(&t4, Side::Server(&mut server), feeding);
    assert_eq!(rng.remaining(), 0, "every scripted byte drawn");
    key_log.check(&t4, "server");
    let n = server.negotiated();
    assert!(n.resumed && n.early_data_accepted && !n.external_psk);
    assert!(store.is_empty(), "the ticket was redeemed once");

    let mut it = events.iter();
    match it.next() {
        Some(Event::EarlyData(d)) => assert_eq!(d, b"ABCDEF"),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(it.next(), Some(Event::HandshakeComplete)),
        "{events:?}"
    );
    assert!(matches!(
        it.next(),
        Some(Event::Closed(CloseKind::CloseNotify))
    ));
    assert!(it.next().is_none(), "{events:?}");
}

#[test]
fn section4_resumed_0rtt_client() {
    client_replay(Feeding::Records);
}

#[test]
fn section4_resumed_0rtt_client_one_byte_at_a_time() {
    client_replay(Feeding::Bytes);
}

#[test]
fn section4_resumed_0rtt_server() {
    server_replay(Feeding::Records);
}

#[test]
fn section4_resumed_0rtt_server_one_byte_at_a_time() {
    server_replay(Feeding::Bytes);
}
