//! RFC 8448 §3 (simple 1-RTT), §5 (HelloRetryRequest) and §7
//! (compatibility mode) replayed through the real client and server state
//! machines, byte for byte.
//!
//! Each side gets the trace's randomness through [`ScriptedRandom`] in the
//! engine's documented draw order (`tls13::config` module docs) and is fed
//! the other side's records exactly as the trace gives them (whole, then
//! one byte at a time). Every record it emits must equal the trace's
//! "complete record", every secret it logs must equal the trace's, and the
//! scripted randomness must be used up exactly.
//!
//! The RFC 8448 client was NSS, which offered things this library does not
//! implement (ffdhe groups, legacy signature schemes, renegotiation_info,
//! session_ticket); the client's `client_hello_hook` puts the trace's
//! extension list back, but takes every extension the engine builds itself
//! (server_name, supported_versions, key_share, cookie,
//! psk_key_exchange_modes, record_size_limit) from the engine's own
//! ClientHello, so the comparison still tests what the state machine wrote.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{ScriptedRandom, recover_pss_salt, rfc8448_server_rsa_pkcs1_der};
use serde_json::Value;
use sha2::Digest;
use tls13::config::{
    ClientConfig, CookieGenerator, FixedTime, ServerConfig, TicketInfo, TicketProducer,
};
use tls13::crypto::SecureRandom;
use tls13::crypto::sign;
use tls13::crypto::suites::TLS_AES_128_GCM_SHA256;
use tls13::error::Error;
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::KeyLog;
use tls13::unstable::msgs::enums::{ExtensionType, NamedGroup, SignatureScheme};
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, NewSessionTicket, ServerExtension,
};
use tls13::unstable::trace::{Actor, RecordPrinter};
use tls13::{ClientConnection, CloseKind, Connection, Event, PinnedCertVerifier, ServerConnection};

const SIMPLE: &str = "Simple 1-RTT Handshake";
const HRR: &str = "HelloRetryRequest";
const COMPAT: &str = "Compatibility Mode";

// ---------------------------------------------------------------- trace --

struct Entry {
    actor: String,
    step: String,
    label: String,
    bytes: Vec<u8>,
}

/// One section of the trace, in the RFC's order.
struct Trace {
    section: &'static str,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Handshake,
    ChangeCipherSpec,
    ApplicationData,
    Alert,
}

/// A record the trace says one side sent.
struct TraceRecord {
    from_client: bool,
    kind: Kind,
    payload: Vec<u8>,
    record: Vec<u8>,
}

impl Trace {
    fn load(section: &'static str) -> Self {
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
        assert!(!entries.is_empty(), "section {section:?}");
        Self { section, entries }
    }

    /// The single value (actor, step, label).
    fn value(&self, actor: &str, step: &str, label: &str) -> Vec<u8> {
        let found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.actor == actor && e.step == step && e.label == label)
            .collect();
        assert_eq!(found.len(), 1, "{}: {actor} {step} {label}", self.section);
        found[0].bytes.clone()
    }

    /// The "expanded" output of `derive secret "<label>"`.
    fn secret(&self, label: &str) -> Vec<u8> {
        self.value(
            "{server}",
            &format!("derive secret \"tls13 {label}\""),
            "expanded",
        )
    }

    /// Every handshake message the trace constructs, in order, with its name.
    fn messages(&self) -> Vec<(&str, &[u8])> {
        self.entries
            .iter()
            .filter(|e| e.step.starts_with("construct a") && e.step.ends_with("handshake message"))
            .map(|e| (e.label.as_str(), e.bytes.as_slice()))
            .collect()
    }

    /// The `n`th constructed message called `name`.
    fn message(&self, name: &str, n: usize) -> Vec<u8> {
        self.messages()
            .into_iter()
            .filter(|(l, _)| *l == name)
            .nth(n)
            .unwrap_or_else(|| panic!("{}: {name} #{n}", self.section))
            .1
            .to_vec()
    }

    /// Every record sent, in order.
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
                    let p = payload.take().expect("payload before complete record");
                    assert_eq!((&p.actor, &p.step), (&e.actor, &e.step));
                    let kind = match what {
                        "handshake" => Kind::Handshake,
                        "change_cipher_spec" => Kind::ChangeCipherSpec,
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
                other => panic!("record label {other}"),
            }
        }
        out
    }

    fn client_hello(&self, n: usize) -> ClientHello {
        match parse(&self.message("ClientHello", n)) {
            HandshakeMessage::ClientHello(ch) => ch,
            other => panic!("not a ClientHello: {other:?}"),
        }
    }

    /// The end-entity certificate of the server's Certificate message.
    fn server_certificate(&self) -> Vec<u8> {
        match parse(&self.message("Certificate", 0)) {
            HandshakeMessage::Certificate(c) => {
                assert_eq!(c.entries.len(), 1);
                c.entries[0].data.clone()
            }
            other => panic!("not a Certificate: {other:?}"),
        }
    }

    /// ServerHello.random of the (real, not retry) ServerHello.
    fn server_random(&self) -> Vec<u8> {
        let n = usize::from(self.section == HRR);
        match parse(&self.message("ServerHello", n)) {
            HandshakeMessage::ServerHello(sh) => {
                assert!(!sh.is_retry_request());
                sh.random.to_vec()
            }
            other => panic!("not a ServerHello: {other:?}"),
        }
    }

    /// The RSA-PSS salt of the server's CertificateVerify, recovered with
    /// the certificate's public key over the trace's own transcript
    /// (RFC 9846 §4.5.2; after a HelloRetryRequest the first ClientHello
    /// is replaced by message_hash, §4.1).
    fn pss_salt(&self) -> Vec<u8> {
        let mut transcript = sha2::Sha256::new();
        let messages = self.messages();
        let retry = self.section == HRR;
        for (i, (name, bytes)) in messages.iter().enumerate() {
            if retry && i == 0 {
                assert_eq!(*name, "ClientHello");
                let mut mh = vec![254, 0, 0, 32];
                mh.extend_from_slice(&sha2::Sha256::digest(bytes));
                transcript.update(&mh);
            } else {
                transcript.update(bytes);
            }
            if *name == "Certificate" {
                break;
            }
        }
        let mut content = vec![0x20u8; 64];
        content.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
        content.extend_from_slice(&transcript.finalize());
        let cv = match parse(&self.message("CertificateVerify", 0)) {
            HandshakeMessage::CertificateVerify(cv) => cv,
            other => panic!("not a CertificateVerify: {other:?}"),
        };
        assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
        let cert = self.server_certificate();
        let spki = sign::certificate_spki(&cert).unwrap();
        recover_pss_salt(spki, cv.scheme, &content, &cv.signature)
    }

    fn new_session_ticket(&self) -> NewSessionTicket {
        match parse(&self.message("NewSessionTicket", 0)) {
            HandshakeMessage::NewSessionTicket(t) => t,
            other => panic!("not a NewSessionTicket: {other:?}"),
        }
    }

    /// The key log lines both sides must produce (label → secret).
    fn expected_key_log(&self) -> BTreeMap<String, Vec<u8>> {
        [
            ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "c hs traffic"),
            ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "s hs traffic"),
            ("CLIENT_TRAFFIC_SECRET_0", "c ap traffic"),
            ("SERVER_TRAFFIC_SECRET_0", "s ap traffic"),
            ("EXPORTER_SECRET", "exp master"),
        ]
        .into_iter()
        .map(|(log, trace)| (log.to_owned(), self.secret(trace)))
        .collect()
    }
}

/// The "send ... record" blocks of a text in the RFC 8448 layout, each
/// without trailing blank lines; a block ends at the next `{actor}` step or
/// section heading.
fn record_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let step = line.starts_with("   {");
        let heading = !line.is_empty() && !line.starts_with(' ');
        if step || heading {
            blocks.extend(current.take());
            if step && line.contains("}  send ") && line.ends_with(" record:") {
                current = Some(String::new());
            }
        }
        if let Some(b) = &mut current {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks.extend(current);
    blocks
        .into_iter()
        .map(|b| b.trim_end().to_owned())
        .collect()
}

/// The RFC's own text of `actor`'s record blocks in this section.
fn rfc_record_blocks(trace: &Trace, actor: Actor) -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/rfc8448/rfc8448-rendered-from-xml.txt"
    ))
    .unwrap();
    let (heading, next) = match trace.section {
        SIMPLE => ("\n3.  Simple 1-RTT Handshake\n", "\n4.  "),
        HRR => ("\n5.  HelloRetryRequest\n", "\n6.  "),
        COMPAT => ("\n7.  Compatibility Mode\n", "\n8.  "),
        other => panic!("{other}"),
    };
    let start = text.find(heading).unwrap();
    let end = start + text[start..].find(next).unwrap();
    let tag = match actor {
        Actor::Client => "   {client}",
        Actor::Server => "   {server}",
    };
    record_blocks(&text[start..end])
        .into_iter()
        .filter(|b| b.starts_with(tag))
        .collect()
}

/// What one side sent, printed by `tls13::unstable::trace` with that side's write
/// secrets from its key log, equals the RFC's text of those records.
fn check_printed(trace: &Trace, actor: Actor, key_log: &CaptureKeyLog, sent: &[u8]) {
    let labels = match actor {
        Actor::Client => ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"],
        Actor::Server => ["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"],
    };
    let lines = key_log.0.lock().unwrap();
    let secrets: Vec<&[u8]> = labels
        .iter()
        .map(|l| lines.iter().find(|(x, _, _)| x == l).unwrap().2.as_slice())
        .collect();
    let mut printer =
        RecordPrinter::new(actor).with_write_secrets(TLS_AES_128_GCM_SHA256, &secrets);
    let mut text = String::new();
    // Split anywhere: the printer buffers partial records.
    let (a, b) = sent.split_at(sent.len() / 2);
    printer.push(&mut text, a).unwrap();
    printer.push(&mut text, b).unwrap();
    let ours = record_blocks(&text);
    let rfc = rfc_record_blocks(trace, actor);
    assert!(!rfc.is_empty());
    assert_eq!(
        ours.len(),
        rfc.len(),
        "{}: {actor:?} record count",
        trace.section
    );
    for (o, r) in ours.iter().zip(&rfc) {
        assert_eq!(o, r, "{}: {actor:?}", trace.section);
    }
}

fn parse(bytes: &[u8]) -> HandshakeMessage {
    HandshakeMessage::read_exact(bytes, "trace message").unwrap()
}

// ------------------------------------------------------------- plumbing --

/// (label, client_random, secret).
type KeyLogLine = (String, [u8; 32], Vec<u8>);

/// Captures every key log line.
#[derive(Default)]
struct CaptureKeyLog(Mutex<Vec<KeyLogLine>>);

impl KeyLog for CaptureKeyLog {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), *client_random, secret.to_vec()));
    }
}

impl CaptureKeyLog {
    fn check(&self, trace: &Trace, side: &str) {
        let lines = self.0.lock().unwrap();
        let client_random = trace.client_hello(0).random;
        let mut got = BTreeMap::new();
        for (label, random, secret) in lines.iter() {
            assert_eq!(random, &client_random, "{side}: key log client_random");
            assert!(
                got.insert(label.clone(), secret.clone()).is_none(),
                "{side}: {label} logged twice"
            );
        }
        let expected = trace.expected_key_log();
        for (label, secret) in &expected {
            assert_eq!(
                got.get(label).map(hex::encode),
                Some(hex::encode(secret)),
                "{}: {side} {label}",
                trace.section
            );
        }
        assert_eq!(
            got.len(),
            expected.len(),
            "{side}: unexpected key log lines"
        );
    }
}

/// The trace's HelloRetryRequest cookie; draws nothing.
struct FixedCookie(Vec<u8>);

impl CookieGenerator for FixedCookie {
    fn cookie(&self, _rng: &dyn SecureRandom) -> Result<Vec<u8>, Error> {
        Ok(self.0.clone())
    }
}

/// The trace's ticket bytes.
struct FixedTicket(Vec<u8>);

impl TicketProducer for FixedTicket {
    fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
        assert_eq!(info.lifetime, 30);
        Some(self.0.clone())
    }
}

#[derive(Clone, Copy, Debug)]
enum Feeding {
    /// Each record as the trace gives it.
    Records,
    /// One byte per `receive` call.
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

fn take_output(conn: &mut Connection) -> Vec<u8> {
    let out = conn.pending_output().to_vec();
    conn.consume_output(out.len());
    out
}

/// Drives one side through the trace. `act` performs the side's own
/// application actions (send data, close) when the trace shows it sending
/// such a record. The side's output since the last comparison must equal
/// the concatenation of its consecutive trace records, compared whenever
/// the trace turns to the peer and at the end (so a record emitted early,
/// like the client's compatibility CCS right after the ServerHello, is
/// still checked in order). Returns the events, in order.
fn drive(
    trace: &Trace,
    conn: &mut Connection,
    we_are_client: bool,
    feeding: Feeding,
) -> (Vec<Event>, Vec<u8>) {
    let mut events = Vec::new();
    let mut all_output = Vec::new();
    let mut expected: Vec<u8> = Vec::new();
    let mut emitted: Vec<u8> = Vec::new();
    let mut ours_seen = 0usize;
    let compare = |expected: &mut Vec<u8>, emitted: &mut Vec<u8>, at: usize| {
        if expected.is_empty() {
            return;
        }
        let n = expected.len().min(emitted.len());
        assert_eq!(
            hex::encode(&emitted[..n]),
            hex::encode(&expected[..]),
            "{}: {} records up to #{at}",
            trace.section,
            if we_are_client { "client" } else { "server" },
        );
        emitted.drain(..expected.len());
        expected.clear();
    };
    for r in trace.records() {
        if r.from_client == we_are_client {
            match r.kind {
                Kind::ApplicationData => {
                    assert_eq!(conn.send(&r.payload).unwrap(), r.payload.len());
                }
                Kind::Alert => {
                    assert_eq!(r.payload, [1, 0], "the trace closes with close_notify");
                    conn.close();
                }
                Kind::Handshake | Kind::ChangeCipherSpec => {}
            }
            let out = take_output(conn);
            all_output.extend_from_slice(&out);
            emitted.extend(out);
            expected.extend_from_slice(&r.record);
            ours_seen += 1;
        } else {
            let out = take_output(conn);
            all_output.extend_from_slice(&out);
            emitted.extend(out);
            compare(&mut expected, &mut emitted, ours_seen);
            feed(conn, &r.record, feeding);
            while let Some(e) = conn.next_event() {
                events.push(e);
            }
            if r.kind == Kind::ApplicationData {
                // Read where the record was decrypted, as soon as it arrived.
                assert_eq!(conn.received_data(), r.payload, "{}", trace.section);
                let n = conn.received_data().len();
                conn.consume_received_data(n);
            }
        }
    }
    let out = take_output(conn);
    all_output.extend_from_slice(&out);
    emitted.extend(out);
    compare(&mut expected, &mut emitted, ours_seen);
    assert!(
        emitted.is_empty(),
        "{}: extra output {}",
        trace.section,
        hex::encode(&emitted)
    );
    (events, all_output)
}

// --------------------------------------------------------------- client --

/// Extensions the engine writes itself; the hook keeps the engine's.
const ENGINE_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::SERVER_NAME,
    ExtensionType::SUPPORTED_VERSIONS,
    ExtensionType::KEY_SHARE,
    ExtensionType::COOKIE,
    ExtensionType::PSK_KEY_EXCHANGE_MODES,
    ExtensionType::RECORD_SIZE_LIMIT,
];

fn client_replay(section: &'static str, feeding: Feeding) {
    let trace = Trace::load(section);
    let compat = section == COMPAT;
    let retry = section == HRR;
    let ch1 = trace.client_hello(0);
    let trace_hellos: Vec<ClientHello> = (0..1 + usize::from(retry))
        .map(|n| trace.client_hello(n))
        .collect();

    // Draws: random, [legacy_session_id], x25519 key, [P-256 key after HRR].
    let x25519_private = trace.value(
        "{client}",
        "create an ephemeral x25519 key pair",
        "private key",
    );
    let mut draws = ch1.random.to_vec();
    if compat {
        assert_eq!(ch1.legacy_session_id.len(), 32);
        draws.extend_from_slice(&ch1.legacy_session_id);
    } else {
        assert!(ch1.legacy_session_id.is_empty());
    }
    draws.extend_from_slice(&x25519_private);
    let mut public_keys = vec![(
        NamedGroup::X25519,
        trace.value(
            "{client}",
            "create an ephemeral x25519 key pair",
            "public key",
        ),
    )];
    if retry {
        draws.extend(trace.value(
            "{client}",
            "create an ephemeral P-256 key pair",
            "private key",
        ));
        public_keys.push((
            NamedGroup::SECP256R1,
            trace.value(
                "{client}",
                "create an ephemeral P-256 key pair",
                "public key",
            ),
        ));
    }
    let rng = Arc::new(ScriptedRandom::new(draws));

    // The hook: the trace's extension list and order, with the engine's own
    // extensions; the engine's hellos are kept to check what it drew.
    let engine_hellos: Arc<Mutex<Vec<ClientHello>>> = Arc::default();
    let calls = AtomicUsize::new(0);
    let seen = engine_hellos.clone();
    let wanted = trace_hellos.clone();
    let hook = Arc::new(move |ch: &mut ClientHello| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let want = &wanted[n];
        seen.lock().unwrap().push(ch.clone());
        let mut exts = Vec::new();
        for e in &want.extensions {
            if ENGINE_EXTENSIONS.contains(&e.typ()) {
                let ours = ch
                    .extensions
                    .iter()
                    .find(|o| o.typ() == e.typ())
                    .unwrap_or_else(|| panic!("engine did not send {:?}", e.typ()));
                exts.push(ours.clone());
            } else {
                exts.push(e.clone());
            }
        }
        ch.extensions = exts;
    });

    let offered_groups: Vec<NamedGroup> = ch1
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
    let offered_schemes: Vec<SignatureScheme> = ch1
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
        trace.server_certificate(),
    )))
    .suites(&ch1.cipher_suites)
    .groups(&offered_groups)
    .signature_schemes(&offered_schemes)
    .record_size_limit(Some(0x4001))
    .middlebox_compat(compat)
    .min_rsa_bits(1024)
    .rng(rng.clone())
    .time(Arc::new(FixedTime(1_500_000_000)))
    .key_log(key_log.clone())
    .client_hello_hook(hook)
    // Byte-exact replay: RustCrypto signs with the scripted salt.
    .provider(tls13::crypto::rustcrypto::provider())
    .build()
    .unwrap();
    assert_eq!(config.suites().len(), ch1.cipher_suites.len());

    let mut client = ClientConnection::new(Arc::new(config), "server").unwrap();
    let (events, sent) = drive(&trace, &mut client, true, feeding);

    // The random, session id and key shares came from the state machine's
    // own draws.
    let hellos = engine_hellos.lock().unwrap();
    assert_eq!(hellos.len(), trace_hellos.len());
    for (n, ours) in hellos.iter().enumerate() {
        assert_eq!(ours.random, ch1.random, "hello #{n}: random");
        assert_eq!(ours.legacy_session_id, ch1.legacy_session_id);
        assert_eq!(ours.cipher_suites, trace_hellos[n].cipher_suites);
        let share = ours
            .extensions
            .iter()
            .find_map(|e| match e {
                ClientExtension::KeyShare(k) => Some(k.clone()),
                _ => None,
            })
            .unwrap();
        // The lists the hook replaced were the implemented part of NSS's.
        for e in &ours.extensions {
            match e {
                ClientExtension::SupportedGroups(g) => assert_eq!(g, &offered_groups),
                ClientExtension::SignatureAlgorithms(s) => assert_eq!(s, &offered_schemes),
                _ => {}
            }
        }
        assert_eq!(share.len(), 1);
        assert_eq!(share[0].group, public_keys[n].0);
        assert_eq!(
            hex::encode(&share[0].payload),
            hex::encode(&public_keys[n].1)
        );
    }
    assert_eq!(rng.remaining(), 0, "every scripted byte drawn");

    key_log.check(&trace, "client");
    check_printed(&trace, Actor::Client, &key_log, &sent);
    let neg = client.negotiated();
    assert_eq!(neg.hello_retry, retry);
    assert_eq!(
        neg.group,
        Some(if retry {
            NamedGroup::SECP256R1
        } else {
            NamedGroup::X25519
        })
    );

    // Events: complete, [ticket], closed cleanly (the data was checked as
    // it arrived).
    let mut it = events.iter();
    assert!(
        matches!(it.next(), Some(Event::HandshakeComplete)),
        "{events:?}"
    );
    if section == SIMPLE {
        match it.next() {
            Some(Event::NewSessionTicket(t)) => assert_eq!(t, &trace.new_session_ticket()),
            other => panic!("expected the ticket, got {other:?}"),
        }
    }
    assert!(
        matches!(it.next(), Some(Event::Closed(CloseKind::CloseNotify))),
        "{events:?}"
    );
    assert!(it.next().is_none(), "{events:?}");
}

// --------------------------------------------------------------- server --

fn server_replay(section: &'static str, feeding: Feeding) {
    let trace = Trace::load(section);
    let retry = section == HRR;
    let simple = section == SIMPLE;

    // Draws: ServerHello.random, the key exchange, the PSS salt,
    // [ticket_age_add].
    let kx_step = if retry {
        "create an ephemeral P-256 key pair"
    } else {
        "create an ephemeral x25519 key pair"
    };
    let mut draws = trace.server_random();
    draws.extend(trace.value("{server}", kx_step, "private key"));
    draws.extend(trace.pss_salt());
    if simple {
        draws.extend(trace.new_session_ticket().age_add.to_be_bytes());
    }
    let rng = Arc::new(ScriptedRandom::new(draws));

    // EncryptedExtensions: NSS's supported_groups first, as in the trace.
    let ee = match parse(&trace.message("EncryptedExtensions", 0)) {
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
    let mut builder = ServerConfig::builder_with_single_cert(vec![trace.server_certificate()], key)
        .rng(rng.clone())
        .time(Arc::new(FixedTime(1_500_000_000)))
        .key_log(key_log.clone())
        .encrypted_extensions_hook(Arc::new(move |exts: &mut Vec<ServerExtension>| {
            exts.insert(0, ServerExtension::SupportedGroups(nss_groups.clone()))
        }));
    if retry {
        let hrr = match parse(&trace.message("ServerHello", 0)) {
            HandshakeMessage::ServerHello(sh) => sh,
            other => panic!("{other:?}"),
        };
        assert!(hrr.is_retry_request());
        let cookie = hrr
            .extensions
            .iter()
            .find_map(|e| match e {
                ServerExtension::Cookie(c) => Some(c.clone()),
                _ => None,
            })
            .unwrap();
        builder = builder
            .groups(&[
                NamedGroup::SECP256R1,
                NamedGroup::SECP384R1,
                NamedGroup::X25519,
            ])
            .strict_group_preference(true)
            .cookie_generator(Arc::new(FixedCookie(cookie)));
    }
    if simple {
        let t = trace.new_session_ticket();
        assert_eq!(t.lifetime, 30);
        builder = builder
            .tickets(Arc::new(FixedTicket(t.ticket.clone())), 1, 30)
            .max_early_data_size(1024)
            // NSS numbered its tickets in two bytes (`00 00`); the width is
            // a free choice (§4.7.1 only asks for uniqueness).
            .ticket_nonce_width(2);
    }
    let mut server = ServerConnection::new(Arc::new(
        builder
            .provider(tls13::crypto::rustcrypto::provider())
            .build()
            .unwrap(),
    ))
    .unwrap();
    let (events, sent) = drive(&trace, &mut server, false, feeding);
    assert_eq!(rng.remaining(), 0, "every scripted byte drawn");
    key_log.check(&trace, "server");
    check_printed(&trace, Actor::Server, &key_log, &sent);
    assert_eq!(server.negotiated().hello_retry, retry);

    let mut it = events.iter();
    assert!(
        matches!(it.next(), Some(Event::HandshakeComplete)),
        "{events:?}"
    );
    assert!(
        matches!(it.next(), Some(Event::Closed(CloseKind::CloseNotify))),
        "{events:?}"
    );
    assert!(it.next().is_none(), "{events:?}");
}

// ---------------------------------------------------------------- tests --

#[test]
fn section3_simple_client() {
    client_replay(SIMPLE, Feeding::Records);
}

#[test]
fn section3_simple_client_one_byte_at_a_time() {
    client_replay(SIMPLE, Feeding::Bytes);
}

#[test]
fn section3_simple_server() {
    server_replay(SIMPLE, Feeding::Records);
}

#[test]
fn section3_simple_server_one_byte_at_a_time() {
    server_replay(SIMPLE, Feeding::Bytes);
}

#[test]
fn section5_hello_retry_request_client() {
    client_replay(HRR, Feeding::Records);
}

#[test]
fn section5_hello_retry_request_client_one_byte_at_a_time() {
    client_replay(HRR, Feeding::Bytes);
}

#[test]
fn section5_hello_retry_request_server() {
    server_replay(HRR, Feeding::Records);
}

#[test]
fn section5_hello_retry_request_server_one_byte_at_a_time() {
    server_replay(HRR, Feeding::Bytes);
}

#[test]
fn section7_compatibility_mode_client() {
    client_replay(COMPAT, Feeding::Records);
}

#[test]
fn section7_compatibility_mode_client_one_byte_at_a_time() {
    client_replay(COMPAT, Feeding::Bytes);
}

#[test]
fn section7_compatibility_mode_server() {
    server_replay(COMPAT, Feeding::Records);
}

#[test]
fn section7_compatibility_mode_server_one_byte_at_a_time() {
    server_replay(COMPAT, Feeding::Bytes);
}
