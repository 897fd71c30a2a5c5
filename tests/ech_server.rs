//! ECH (RFC 9849) in the server handshake, shared mode (§7, §7.1, §7.1.1,
//! §7.2, §7.2.1), driven without an ECH client: an ordinary
//! `ClientConnection` whose `client_hello_hook` adds the inner
//! `encrypted_client_hello` (type inner) writes ClientHelloInner; the test
//! builds ClientHelloOuter around it with the `tls13::ech` pieces
//! (`encode_client_hello_inner_padded`, `EchSealer`) and hands the outer
//! hello to a `ServerConnection` with ECH keys, passing everything else
//! through. Client and server both put the inner hello in their
//! transcripts, so the plain client completes the handshake exactly when
//! the server ran it on ClientHelloInner.
//!
//! The acceptance signals are computed here independently of
//! `src/handshake/ech.rs`: HKDF-Extract with an explicit all-zero salt
//! and `unstable::key_schedule::hkdf_expand_label` over SHA-256 of the
//! transcript the test assembles from the bytes on the wire.
//!
//! For rejection the hook puts an outer `encrypted_client_hello` (GREASE
//! shaped, or under the right config_id but undecryptable) in the plain
//! client's own hello and the bytes pass unchanged: the server goes on
//! with that very hello, and the client tolerates the `retry_configs` in
//! EncryptedExtensions because it "offered" the extension. What the
//! server sent in EncryptedExtensions is read by decrypting its flight
//! with the logged handshake secret.
//!
//! Server-side HPKE decapsulations are counted by a provider whose groups
//! wrap the built-in ones (as tests/ech_seal.rs does), so "no second
//! trial decryption" is observed at the Diffie-Hellman.

mod forge;
mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use forge::{
    C_HS, S_AP, S_HS, Secrets, alert_on_wire, open, record, records, seal, split_messages,
};
use pair::{World, client_builder, server_builder, server_builder_with};
use tls13::config::{ClientConfigBuilder, ClientHelloHook, ServerConfigBuilder, TicketProducer};
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::kx::{KeyExchange, KxGroup, SharedSecret, StaticKey};
use tls13::crypto::{CryptoProvider, OsRandom, SecureRandom, rustcrypto};
use tls13::ech::{
    EchClientHello, EchConfigBuilder, EchConfigExtension, EchConfigList, EchEncryptedExtensions,
    EchKeyPair, EchOuter, EchSealer, HpkeSymmetricCipherSuite, TrialPolicy,
    encode_client_hello_inner_padded,
};
use tls13::resumption::ServerSession;
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::{finished_verify_data, hkdf_expand_label};
use tls13::unstable::msgs::enums::{
    AlertDescription, CipherSuite, ContentType, ExtensionType, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode, ServerNameType,
};
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, KeyShareEntry, OfferedPsks, PskIdentity,
    UnknownExtension,
};
use tls13::verify::Decision;
use tls13::{
    ClientConnection, EchStatus, Error, Event, Negotiated, ServerConfig, ServerConnection,
};

const KEY: tls13::certgen::KeyType = forge::KEY;
const SUITE: CipherSuite = forge::SUITE;
const PUBLIC: &str = "public.example";
const SECRET: &str = "secret.example";
const CONFIG_ID: u8 = 0x42;
const ECH: ExtensionType = ExtensionType::ENCRYPTED_CLIENT_HELLO;
const AES128: HpkeSymmetricCipherSuite = HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM;
/// ClientHelloOuter.random (the server never compares it).
const OUTER_RANDOM: [u8; 32] = [0x0e; 32];

// ------------------------------------------------ a counting provider

/// A group whose static keys count their Diffie-Hellmans in `count`.
struct CountingGroup {
    inner: &'static dyn KxGroup,
    count: &'static AtomicUsize,
}

struct CountingKey {
    inner: Box<dyn StaticKey>,
    count: &'static AtomicUsize,
}

impl StaticKey for CountingKey {
    fn public_key(&self) -> &[u8] {
        self.inner.public_key()
    }
    fn agree(&self, peer: &[u8]) -> Result<SharedSecret, Error> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.agree(peer)
    }
}

impl KxGroup for CountingGroup {
    fn group(&self) -> NamedGroup {
        self.inner.group()
    }
    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        self.inner.start(rng)
    }
    fn server_exchange(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        self.inner.server_exchange(client_share, rng)
    }
    fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
        let count = self.count;
        Some(
            self.inner
                .static_key(secret)?
                .map(|inner| Box::new(CountingKey { inner, count }) as Box<dyn StaticKey>),
        )
    }
}

/// The built-in provider with every group's static keys counting into
/// the returned counter (one per test: tests run in parallel). The TLS
/// key exchange (`server_exchange`) is not counted: only ECH's HPKE
/// decapsulations use static keys on a server.
fn counting() -> (&'static CryptoProvider, &'static AtomicUsize) {
    let count: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
    let groups: Vec<&'static dyn KxGroup> = rustcrypto::PROVIDER
        .groups
        .iter()
        .map(|g| &*Box::leak(Box::new(CountingGroup { inner: *g, count })) as &'static dyn KxGroup)
        .collect();
    let p = Box::leak(Box::new(CryptoProvider {
        groups: Box::leak(groups.into_boxed_slice()),
        ..rustcrypto::PROVIDER
    }));
    (p, count)
}

/// A source that fills everything with one byte: the server's draws
/// become visible on the wire.
struct Fixed(u8);

impl SecureRandom for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(self.0);
        Ok(())
    }
}

// ------------------------------------------------ configs

fn ech_key(p: &CryptoProvider, id: u8) -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .config_id(id)
        .maximum_name_length(32)
        .generate(p, &OsRandom)
        .unwrap()
}

fn sealer_for(list: &EchConfigList) -> EchSealer {
    let chosen = list.select(rustcrypto::provider()).unwrap();
    EchSealer::new(rustcrypto::provider(), &chosen, &OsRandom).unwrap()
}

/// Inserts `ext` before pre_shared_key (which stays last), or at the end.
fn insert_before_psk(ch: &mut ClientHello, ext: ClientExtension) {
    let at = ch
        .extensions
        .iter()
        .position(|e| matches!(e, ClientExtension::PreSharedKey(_)))
        .unwrap_or(ch.extensions.len());
    ch.extensions.insert(at, ext);
}

fn ech_ext(body: Vec<u8>) -> ClientExtension {
    ClientExtension::Unknown(UnknownExtension { typ: ECH, body })
}

/// The plain client writes ClientHelloInner: `encrypted_client_hello` of
/// type inner (§5).
fn inner_marker() -> ClientHelloHook {
    Arc::new(|ch: &mut ClientHello| insert_before_psk(ch, ech_ext(vec![1])))
}

/// An outer `encrypted_client_hello` that no key opens: config_id
/// `config_id`, the server's suite, a random `enc` (a valid X25519 public
/// value) and a random payload, as a GREASE client sends (§6.2.1).
fn grease_body(config_id: u8) -> Vec<u8> {
    let mut enc = vec![0u8; 32];
    let mut payload = vec![0u8; 239];
    OsRandom.fill(&mut enc).unwrap();
    OsRandom.fill(&mut payload).unwrap();
    EchClientHello::Outer(EchOuter {
        cipher_suite: AES128,
        config_id,
        enc,
        payload,
    })
    .to_bytes()
}

fn client_config(c: ClientConfigBuilder, secrets: &Arc<Secrets>) -> ClientConfigBuilder {
    c.suites(&[SUITE]).key_log(secrets.clone())
}

fn server_config(s: ServerConfigBuilder, secrets: &Arc<Secrets>) -> ServerConfigBuilder {
    s.suites(&[SUITE]).key_log(secrets.clone())
}

// ------------------------------------------------ wire helpers

fn take_client(c: &mut ClientConnection) -> Vec<u8> {
    let out = c.pending_output().to_vec();
    c.consume_output(out.len());
    out
}

fn take_server(s: &mut ServerConnection) -> Vec<u8> {
    let out = s.pending_output().to_vec();
    s.consume_output(out.len());
    out
}

/// A client flight holding one ClientHello: the records before it (a
/// CCS, Appendix E.4) as they were, and the ClientHello message.
fn split_client_hello(flight: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut pre = Vec::new();
    let mut hello = Vec::new();
    for (typ, payload) in records(flight) {
        if typ == 22 {
            hello.extend(payload);
        } else {
            assert!(hello.is_empty(), "a record after the ClientHello");
            pre.extend(record(typ, &payload));
        }
    }
    (pre, hello)
}

fn parse_hello(msg: &[u8]) -> ClientHello {
    match HandshakeMessage::read_exact(msg, "ClientHello").unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// The (type, body) of each extension in an extension block (with its
/// u16 length), read by hand.
fn extension_block(mut b: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let len = u16::from_be_bytes([b[0], b[1]]) as usize;
    b = &b[2..];
    assert_eq!(b.len(), len, "extension block length");
    let mut out = Vec::new();
    while !b.is_empty() {
        let typ = u16::from_be_bytes([b[0], b[1]]);
        let n = u16::from_be_bytes([b[2], b[3]]) as usize;
        out.push((typ, b[4..4 + n].to_vec()));
        b = &b[4 + n..];
    }
    out
}

/// The extensions of a whole ServerHello / HelloRetryRequest message.
fn server_hello_extensions(sh: &[u8]) -> Vec<(u16, Vec<u8>)> {
    assert_eq!(sh[0], 2, "not a ServerHello");
    let sid = sh[38] as usize;
    // session id, cipher_suite (2), compression (1).
    extension_block(&sh[39 + sid + 3..])
}

/// The extensions of a whole EncryptedExtensions message.
fn ee_extensions(ee: &[u8]) -> Vec<(u16, Vec<u8>)> {
    assert_eq!(ee[0], 8, "not EncryptedExtensions");
    extension_block(&ee[4..])
}

fn ech_in(exts: &[(u16, Vec<u8>)]) -> Option<Vec<u8>> {
    exts.iter()
        .find(|(t, _)| *t == ECH.0)
        .map(|(_, b)| b.clone())
}

/// The first handshake message of a server flight (ServerHello or
/// HelloRetryRequest), from its first record.
fn first_server_message(flight: &[u8]) -> Vec<u8> {
    let (typ, payload) = records(flight).remove(0);
    assert_eq!(typ, 22);
    split_messages(&payload).remove(0)
}

/// The handshake messages a server flight carries under `s_hs`.
fn protected_messages(flight: &[u8], s_hs: &[u8]) -> Vec<Vec<u8>> {
    let mut hs = Vec::new();
    for (typ, content) in open(s_hs, 0, flight) {
        assert_eq!(typ, ContentType::HANDSHAKE);
        hs.extend(content);
    }
    split_messages(&hs)
}

/// Bytes shuttled both ways until both sides are quiet; the client's
/// events are drained. Returns everything the server sent.
fn shuttle(client: &mut ClientConnection, server: &mut ServerConnection) -> Vec<u8> {
    let mut from_server = Vec::new();
    loop {
        let a = take_client(client);
        if !a.is_empty() {
            server.receive(&a).unwrap();
        }
        let b = take_server(server);
        if !b.is_empty() {
            client.receive(&b).unwrap();
        }
        from_server.extend_from_slice(&b);
        if a.is_empty() && b.is_empty() {
            break;
        }
    }
    while client.next_event().is_some() {}
    from_server
}

// ------------------------------------------------ ClientHelloOuter

/// ClientHelloOuter for `inner`: public_name in server_name, no ALPN, a
/// fresh random, the same session id, suites, versions, groups,
/// signature algorithms and key shares, and `ech` last.
fn outer_hello(inner: &ClientHello, ech: Option<Vec<u8>>) -> ClientHello {
    let mut extensions = vec![ClientExtension::ServerName(vec![(
        ServerNameType::HOST_NAME,
        PUBLIC.as_bytes().to_vec(),
    )])];
    for t in [
        ExtensionType::SUPPORTED_VERSIONS,
        ExtensionType::SUPPORTED_GROUPS,
        ExtensionType::SIGNATURE_ALGORITHMS,
        ExtensionType::KEY_SHARE,
        ExtensionType::PSK_KEY_EXCHANGE_MODES,
    ] {
        if let Some(e) = inner.find(t) {
            extensions.push(e.clone());
        }
    }
    extensions.extend(ech.map(ech_ext));
    ClientHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: OUTER_RANDOM,
        legacy_session_id: inner.legacy_session_id.clone(),
        cipher_suites: inner.cipher_suites.clone(),
        legacy_compression_methods: vec![0],
        extensions,
    }
}

/// key_share is compressed (§5.1): the outer hello carries the inner's.
const COMPRESS: [ExtensionType; 1] = [ExtensionType::KEY_SHARE];

/// `inner` sealed into a ClientHelloOuter (whole message) by `sealer`
/// (§6.1.1; the second time, the HelloRetryRequest case of §6.1.5 step
/// 4: same context, empty enc).
fn seal_outer(sealer: &mut EchSealer, inner: &ClientHello) -> Vec<u8> {
    let encoded = encode_client_hello_inner_padded(inner, &COMPRESS, 32).unwrap();
    let placeholder = sealer.placeholder(encoded.len()).to_bytes();
    let msg = HandshakeMessage::ClientHello(outer_hello(inner, Some(placeholder))).to_bytes();
    let mut body = msg[4..].to_vec();
    sealer.seal_client_hello(&encoded, &mut body).unwrap();
    [&msg[..4], &body[..]].concat()
}

/// `outer` (a whole ClientHelloOuter) with its ECHClientHello edited.
fn edit_outer_ech(outer: &[u8], edit: impl FnOnce(&mut EchOuter)) -> Vec<u8> {
    let mut hello = parse_hello(outer);
    let u = hello
        .extensions
        .iter_mut()
        .find_map(|e| match e {
            ClientExtension::Unknown(u) if u.typ == ECH => Some(u),
            _ => None,
        })
        .expect("an outer hello with ECH");
    let EchClientHello::Outer(mut o) = EchClientHello::from_body(&u.body).unwrap() else {
        panic!("not an outer ECH");
    };
    edit(&mut o);
    u.body = EchClientHello::Outer(o).to_bytes();
    HandshakeMessage::ClientHello(hello).to_bytes()
}

// ------------------------------------------------ the signals

fn sha256() -> tls13::crypto::hash::Hash {
    HashAlgorithm::Sha256.with_default_provider()
}

/// RFC 9849 §7.2 / §7.2.1 over SHA-256: HKDF-Expand-Label(HKDF-Extract(0,
/// inner_random), label, Hash(transcript), 8), "0" being 32 zero bytes.
fn signal(label: &[u8], transcript: &[&[u8]], inner_random: &[u8; 32]) -> [u8; 8] {
    let hash = sha256();
    let th = hash.hash(&transcript.concat());
    let prk = hash.hkdf_extract(&[0u8; 32], inner_random);
    let mut out = [0u8; 8];
    hkdf_expand_label(hash, prk.as_ref(), label, th.as_ref(), &mut out);
    out
}

/// RFC 9846 §4.4.1: message_hash standing for ClientHello1.
fn message_hash(ch1: &[u8]) -> Vec<u8> {
    let mut m = vec![254, 0, 0, 32];
    m.extend_from_slice(sha256().hash(ch1).as_ref());
    m
}

/// The ServerHello with the last 8 bytes of its random zeroed.
fn sh_zeroed(sh: &[u8]) -> Vec<u8> {
    let mut z = sh.to_vec();
    z[30..38].fill(0);
    z
}

/// The HelloRetryRequest with its `encrypted_client_hello` body zeroed
/// (found by hand: the last 8 bytes of that extension).
fn hrr_zeroed(hrr: &[u8]) -> Vec<u8> {
    let body = ech_in(&server_hello_extensions(hrr)).expect("HRR without ECH");
    assert_eq!(body.len(), 8);
    let at = hrr
        .windows(12)
        .position(|w| w[..4] == [0xfe, 0x0d, 0, 8] && w[4..] == body[..])
        .unwrap();
    let mut z = hrr.to_vec();
    z[at + 4..at + 12].fill(0);
    z
}

/// The server's flight after a HelloRetryRequest, with the HRR's
/// `encrypted_client_hello` taken out: what the plain client (which
/// refuses extensions it does not implement in a HelloRetryRequest, as
/// RFC 9846 §4.2.4 lets it) accepts, to write its second hello. Its
/// transcript then differs from the server's, so from there the test
/// plays the client's part itself (`client_finished`).
fn strip_hrr_ech(flight: &[u8]) -> Vec<u8> {
    let mut recs = records(flight);
    let hrr = split_messages(&recs[0].1).remove(0);
    assert_eq!(recs[0].1.len(), hrr.len(), "the HRR alone in its record");
    let sid = hrr[38] as usize;
    let head = 39 + sid + 3;
    let mut exts = Vec::new();
    for (typ, body) in extension_block(&hrr[head..]) {
        if typ != ECH.0 {
            exts.extend_from_slice(&typ.to_be_bytes());
            exts.extend_from_slice(&(body.len() as u16).to_be_bytes());
            exts.extend_from_slice(&body);
        }
    }
    let mut body = hrr[4..head].to_vec();
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut msg = vec![2];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend_from_slice(&body);
    recs[0].1 = msg;
    recs.iter().flat_map(|(t, p)| record(*t, p)).collect()
}

/// The client's Finished (RFC 9846 §4.4.4) over `transcript`, sealed
/// under the client handshake secret the server logged.
fn client_finished(secrets: &Secrets, transcript: &[&[u8]]) -> Vec<u8> {
    let hash = sha256();
    let th = hash.hash(&transcript.concat());
    let c_hs = secrets.get(C_HS);
    let vd = finished_verify_data(hash, &c_hs, th.as_ref());
    let mut fin = vec![20, 0, 0, vd.as_ref().len() as u8];
    fin.extend_from_slice(vd.as_ref());
    seal(&c_hs, 0, ContentType::HANDSHAKE, &fin, 0)
}

fn random_of(hello: &[u8]) -> [u8; 32] {
    hello[6..38].try_into().unwrap()
}

fn check_accepted(n: &Negotiated) {
    assert_eq!(n.ech, EchStatus::Accepted);
    assert_eq!(n.server_name.as_deref(), Some(SECRET));
}

// ------------------------------------------------ accepted

/// A server with one ECH key and a plain client writing the inner hello.
struct Setup {
    client: ClientConnection,
    server: ServerConnection,
    secrets: Arc<Secrets>,
    sealer: EchSealer,
    count: &'static AtomicUsize,
    config: Arc<ServerConfig>,
}

fn setup(
    c: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder,
    s: impl FnOnce(ServerConfigBuilder) -> ServerConfigBuilder,
) -> Setup {
    setup_with(SECRET, inner_marker(), c, s)
}

/// A server with one ECH key (config_id `CONFIG_ID`, decapsulations
/// counted) and a plain client for `name` whose hello `hook` edits.
fn setup_with(
    name: &str,
    hook: ClientHelloHook,
    c: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder,
    s: impl FnOnce(ServerConfigBuilder) -> ServerConfigBuilder,
) -> Setup {
    let (p, count) = counting();
    let key = ech_key(p, CONFIG_ID);
    let sealer = sealer_for(&key.config_list());
    let secrets = Arc::new(Secrets::default());
    let config = Arc::new(
        s(server_config(server_builder_with(p, KEY), &secrets).ech_keys(vec![key]))
            .build()
            .unwrap(),
    );
    let client_cfg = c(client_config(client_builder(KEY), &secrets))
        .client_hello_hook(hook)
        .build()
        .unwrap();
    Setup {
        client: ClientConnection::new(Arc::new(client_cfg), name).unwrap(),
        server: ServerConnection::new(config.clone()).unwrap(),
        secrets,
        sealer,
        count,
        config,
    }
}

#[test]
fn accepted_handshake_runs_on_the_inner_hello_and_confirms_it() {
    let mut t = setup(
        |c| c.alpn_protocols(&[b"h2"]),
        |s| s.alpn_protocols(&[b"h2"]),
    );
    let (pre, inner) = split_client_hello(&take_client(&mut t.client));
    assert!(pre.is_empty());
    let inner_ch = parse_hello(&inner);
    let outer = seal_outer(&mut t.sealer, &inner_ch);
    // The outer hello names the public name and no ALPN: what the server
    // negotiates below can only have come from the inner one.
    assert!(
        parse_hello(&outer)
            .find(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
            .is_none()
    );

    t.server.receive(&record(22, &outer)).unwrap();
    assert_eq!(t.count.load(Ordering::SeqCst), 1, "one trial decryption");
    let flight = take_server(&mut t.server);
    let sh = first_server_message(&flight);
    // §7.2: the last 8 bytes of ServerHello.random.
    let expected = signal(
        b"ech accept confirmation",
        &[&inner, &sh_zeroed(&sh)],
        &inner_ch.random,
    );
    assert_eq!(sh[30..38], expected);
    // Accepted: no retry_configs (§7.1 sends them only on rejection).
    let msgs = protected_messages(&flight, &t.secrets.get(S_HS));
    assert_eq!(ech_in(&ee_extensions(&msgs[0])), None);

    t.client.receive(&flight).unwrap();
    shuttle(&mut t.client, &mut t.server);
    assert!(!t.client.is_handshaking() && !t.server.is_handshaking());
    check_accepted(t.server.negotiated());
    assert_eq!(t.server.negotiated().alpn.as_deref(), Some(&b"h2"[..]));
    assert!(!t.server.negotiated().hello_retry);
    assert_eq!(t.count.load(Ordering::SeqCst), 1);
    // Application data flows both ways on the inner handshake's keys.
    t.client.send(b"ping").unwrap();
    let ping = take_client(&mut t.client);
    t.server.receive(&ping).unwrap();
    assert_eq!(t.server.received_data(), b"ping");
}

#[test]
fn accepted_after_hello_retry_request_confirms_both_messages() {
    // The client's only share is X25519's; the server takes P-256 alone.
    let mut t = setup(
        |c| c.groups(&[NamedGroup::X25519, NamedGroup::SECP256R1]),
        |s| s.groups(&[NamedGroup::SECP256R1]),
    );
    let (_, inner1) = split_client_hello(&take_client(&mut t.client));
    let inner1_ch = parse_hello(&inner1);
    let outer1 = seal_outer(&mut t.sealer, &inner1_ch);
    t.server.receive(&record(22, &outer1)).unwrap();
    let flight = take_server(&mut t.server);
    let hrr = first_server_message(&flight);
    // §7.2.1: the HRR's encrypted_client_hello holds
    // hrr_accept_confirmation over message_hash(ClientHelloInner1) and
    // the HRR with those 8 bytes zeroed.
    let hrr_ech = ech_in(&server_hello_extensions(&hrr)).expect("HRR carries ECH");
    let expected = signal(
        b"hrr ech accept confirmation",
        &[&message_hash(&inner1), &hrr_zeroed(&hrr)],
        &inner1_ch.random,
    );
    assert_eq!(hrr_ech, expected);

    // The plain client writes ClientHelloInner2 (see `strip_hrr_ech`).
    t.client.receive(&strip_hrr_ech(&flight)).unwrap();
    let (pre, inner2) = split_client_hello(&take_client(&mut t.client));
    let inner2_ch = parse_hello(&inner2);
    assert_eq!(inner2_ch.random, inner1_ch.random);
    // The same sealer: sequence number 1, empty enc (§6.1.5).
    let outer2 = seal_outer(&mut t.sealer, &inner2_ch);
    assert!(matches!(
        EchClientHello::from_body(&ech_in_hello(&outer2)).unwrap(),
        EchClientHello::Outer(ref o) if o.enc.is_empty()
    ));
    let mut wire = pre;
    wire.extend(record(22, &outer2));
    t.server.receive(&wire).unwrap();
    let flight = take_server(&mut t.server);
    let sh = first_server_message(&flight);
    let expected = signal(
        b"ech accept confirmation",
        &[&message_hash(&inner1), &hrr, &inner2, &sh_zeroed(&sh)],
        &inner1_ch.random,
    );
    assert_eq!(sh[30..38], expected);
    // The rest of the flight is under keys from the inner transcript;
    // the client's Finished over that transcript completes the server.
    let msgs = protected_messages(&flight, &t.secrets.get(S_HS));
    assert_eq!(ech_in(&ee_extensions(&msgs[0])), None);
    let mh = message_hash(&inner1);
    let mut transcript: Vec<&[u8]> = vec![&mh, &hrr, &inner2, &sh];
    transcript.extend(msgs.iter().map(|m| &m[..]));
    t.server
        .receive(&client_finished(&t.secrets, &transcript))
        .unwrap();
    assert!(!t.server.is_handshaking());
    check_accepted(t.server.negotiated());
    assert!(t.server.negotiated().hello_retry);
    assert_eq!(t.server.negotiated().group, Some(NamedGroup::SECP256R1));
    // §7.1.1: the second hello opened with the first context, no new
    // trial: one decapsulation in all.
    assert_eq!(t.count.load(Ordering::SeqCst), 1);
}

fn ech_in_hello(hello: &[u8]) -> Vec<u8> {
    match parse_hello(hello).find(ECH) {
        Some(ClientExtension::Unknown(u)) => u.body.clone(),
        other => panic!("no ECH: {other:?}"),
    }
}

/// An accepted first hello answered by a HelloRetryRequest: the server
/// waits for the second ClientHelloOuter, which the test builds from
/// the client's second inner hello.
fn accepted_then_retry() -> (Setup, ClientHello) {
    let mut t = setup(
        |c| c.groups(&[NamedGroup::X25519, NamedGroup::SECP256R1]),
        |s| s.groups(&[NamedGroup::SECP256R1]),
    );
    let (_, inner1) = split_client_hello(&take_client(&mut t.client));
    let outer1 = seal_outer(&mut t.sealer, &parse_hello(&inner1));
    t.server.receive(&record(22, &outer1)).unwrap();
    let flight = take_server(&mut t.server);
    t.client.receive(&strip_hrr_ech(&flight)).unwrap();
    let (_, inner2) = split_client_hello(&take_client(&mut t.client));
    (t, parse_hello(&inner2))
}

/// The second hello `outer2` is refused with `alert` on the wire (in
/// the clear: no handshake key yet) and `Error::Ech` or, for rules
/// outside ECH, another error with the same alert.
fn refused_second(mut t: Setup, outer2: &[u8], alert: AlertDescription) -> Error {
    let err = t.server.receive(&record(22, outer2)).unwrap_err();
    assert_eq!(err.alert(), Some(alert), "{err}");
    assert_eq!(alert_on_wire(&take_server(&mut t.server), None, 0), alert);
    err
}

#[test]
fn second_outer_without_the_extension_is_missing_extension() {
    let (t, inner2) = accepted_then_retry();
    let outer2 = HandshakeMessage::ClientHello(outer_hello(&inner2, None)).to_bytes();
    let err = refused_second(t, &outer2, AlertDescription::MISSING_EXTENSION);
    assert!(matches!(err, Error::Ech(_)), "{err:?}");
}

#[test]
fn second_outer_with_another_config_id_is_illegal_parameter() {
    let (mut t, inner2) = accepted_then_retry();
    let outer2 = seal_outer(&mut t.sealer, &inner2);
    let outer2 = edit_outer_ech(&outer2, |o| o.config_id ^= 1);
    let err = refused_second(t, &outer2, AlertDescription::ILLEGAL_PARAMETER);
    assert!(matches!(err, Error::Ech(_)), "{err:?}");
}

#[test]
fn second_outer_with_an_enc_is_illegal_parameter() {
    let (mut t, inner2) = accepted_then_retry();
    let outer2 = seal_outer(&mut t.sealer, &inner2);
    let outer2 = edit_outer_ech(&outer2, |o| o.enc = vec![9; 32]);
    let err = refused_second(t, &outer2, AlertDescription::ILLEGAL_PARAMETER);
    assert!(matches!(err, Error::Ech(_)), "{err:?}");
}

#[test]
fn second_outer_that_does_not_decrypt_is_decrypt_error() {
    let (mut t, inner2) = accepted_then_retry();
    let outer2 = seal_outer(&mut t.sealer, &inner2);
    let outer2 = edit_outer_ech(&outer2, |o| o.payload[0] ^= 1);
    let err = refused_second(t, &outer2, AlertDescription::DECRYPT_ERROR);
    assert!(matches!(err, Error::Ech(_)), "{err:?}");
}

#[test]
fn second_inner_hello_must_repeat_the_first() {
    // RFC 9846 §4.2.2 on the inner hellos: the second ClientHelloInner
    // decrypts but names another server.
    let (mut t, mut inner2) = accepted_then_retry();
    for e in &mut inner2.extensions {
        if let ClientExtension::ServerName(names) = e {
            names[0].1 = b"other.example".to_vec();
        }
    }
    let outer2 = seal_outer(&mut t.sealer, &inner2);
    let err = refused_second(t, &outer2, AlertDescription::ILLEGAL_PARAMETER);
    assert!(!matches!(err, Error::Ech(_)), "{err:?}");
}

#[test]
fn inner_type_from_the_network_is_illegal_parameter_with_keys_and_ignored_without() {
    // With keys the server plays both roles: a ClientHello carrying the
    // inner type "should never be received directly from the network"
    // (§7).
    let mut t = setup(|c| c, |s| s);
    let hello = take_client(&mut t.client);
    let err = t.server.receive(&hello).unwrap_err();
    assert!(matches!(err, Error::Ech(_)), "{err:?}");
    assert_eq!(
        alert_on_wire(&take_server(&mut t.server), None, 0),
        AlertDescription::ILLEGAL_PARAMETER
    );
    assert_eq!(t.count.load(Ordering::SeqCst), 0);

    // Without keys the server implements no ECH: an unknown extension,
    // ignored (RFC 9846 §4.2).
    let secrets = Arc::new(Secrets::default());
    let mut client = ClientConnection::new(
        Arc::new(
            client_config(client_builder(KEY), &secrets)
                .client_hello_hook(inner_marker())
                .build()
                .unwrap(),
        ),
        SECRET,
    )
    .unwrap();
    let mut server = ServerConnection::new(Arc::new(
        server_config(server_builder(KEY), &secrets)
            .build()
            .unwrap(),
    ))
    .unwrap();
    shuttle(&mut client, &mut server);
    assert!(!server.is_handshaking());
    assert_eq!(server.negotiated().ech, EchStatus::NotOffered);
}

#[test]
fn no_extension_with_keys_is_not_offered_and_owes_nothing() {
    let (p, count) = counting();
    let secrets = Arc::new(Secrets::default());
    let mut server = ServerConnection::new(Arc::new(
        server_config(server_builder_with(p, KEY), &secrets)
            .ech_keys(vec![ech_key(p, CONFIG_ID)])
            .build()
            .unwrap(),
    ))
    .unwrap();
    let mut client = ClientConnection::new(
        Arc::new(
            client_config(client_builder(KEY), &secrets)
                .build()
                .unwrap(),
        ),
        SECRET,
    )
    .unwrap();
    let hello = take_client(&mut client);
    server.receive(&hello).unwrap();
    let flight = take_server(&mut server);
    let msgs = protected_messages(&flight, &secrets.get(S_HS));
    assert_eq!(ech_in(&ee_extensions(&msgs[0])), None);
    client.receive(&flight).unwrap();
    shuttle(&mut client, &mut server);
    assert!(!server.is_handshaking());
    assert_eq!(server.negotiated().ech, EchStatus::NotOffered);
    assert_eq!(server.negotiated().server_name.as_deref(), Some(SECRET));
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

// ------------------------------------------------ suspended lookups

/// Defers every lookup; the test answers from the inner ticketer.
struct Remote(Arc<dyn TicketProducer>);

impl TicketProducer for Remote {
    fn produce(&self, info: &tls13::config::TicketInfo<'_>) -> Option<Vec<u8>> {
        self.0.produce(info)
    }
    fn redeem_or_defer(&self, _ticket: &[u8]) -> Decision<Option<ServerSession>> {
        Decision::Deferred
    }
}

#[test]
fn deferred_ticket_lookup_resumes_on_the_inner_hello_without_a_second_trial() {
    let w = World::new();
    let (p, count) = counting();
    let key = ech_key(p, CONFIG_ID);
    let list = key.config_list();
    let secrets = Arc::new(Secrets::default());
    let remote: Arc<dyn TicketProducer> = Arc::new(Remote(w.tickets.clone()));
    let server_cfg = Arc::new(
        server_config(server_builder_with(p, KEY), &secrets)
            .time(w.clock.clone())
            .tickets(remote, 1, 7200)
            .ech_keys(vec![key])
            .build()
            .unwrap(),
    );
    let client_cfg = Arc::new(
        client_config(w.client(), &secrets)
            .client_hello_hook(inner_marker())
            .build()
            .unwrap(),
    );

    // A first, full handshake over ECH leaves a ticket for SECRET.
    let mut client = ClientConnection::new(client_cfg.clone(), SECRET).unwrap();
    let mut server = ServerConnection::new(server_cfg.clone()).unwrap();
    let mut sealer = sealer_for(&list);
    let (_, inner) = split_client_hello(&take_client(&mut client));
    server
        .receive(&record(22, &seal_outer(&mut sealer, &parse_hello(&inner))))
        .unwrap();
    shuttle(&mut client, &mut server);
    check_accepted(server.negotiated());
    assert!(!server.negotiated().resumed);
    assert_eq!(count.load(Ordering::SeqCst), 1);

    // The second offers it inside ClientHelloInner.
    let mut client = ClientConnection::new(client_cfg, SECRET).unwrap();
    let mut server = ServerConnection::new(server_cfg).unwrap();
    let mut sealer = sealer_for(&list);
    let (_, inner) = split_client_hello(&take_client(&mut client));
    let inner_ch = parse_hello(&inner);
    assert!(inner_ch.find(ExtensionType::PRE_SHARED_KEY).is_some());
    let outer = seal_outer(&mut sealer, &inner_ch);
    // The ticket travels encrypted only.
    assert!(
        parse_hello(&outer)
            .find(ExtensionType::PRE_SHARED_KEY)
            .is_none()
    );
    server.receive(&record(22, &outer)).unwrap();
    assert!(server.pending_output().is_empty(), "waits for the lookup");
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let ticket = match server.next_event() {
        Some(Event::RedeemTicket(t)) => t,
        other => panic!("{other:?}"),
    };
    let session = w.tickets.redeem(&ticket);
    assert!(session.is_some());
    server.answer_ticket(session).unwrap();
    // Resumed on the inner hello kept by the suspension: no second trial
    // decryption of the outer hello.
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let flight = take_server(&mut server);
    let sh = first_server_message(&flight);
    let expected = signal(
        b"ech accept confirmation",
        &[&inner, &sh_zeroed(&sh)],
        &inner_ch.random,
    );
    assert_eq!(sh[30..38], expected);
    client.receive(&flight).unwrap();
    shuttle(&mut client, &mut server);
    assert!(!client.is_handshaking() && !server.is_handshaking());
    check_accepted(server.negotiated());
    assert!(server.negotiated().resumed && client.negotiated().resumed);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn early_data_under_the_inner_hello_is_accepted() {
    // 0-RTT is keyed by the ClientHello in the transcript: the inner one.
    let w = World::new();
    let (p, _) = counting();
    let key = ech_key(p, CONFIG_ID);
    let list = key.config_list();
    let secrets = Arc::new(Secrets::default());
    let server_cfg = Arc::new(
        server_config(server_builder_with(p, KEY), &secrets)
            .time(w.clock.clone())
            .tickets(w.tickets.clone(), 1, 7200)
            .max_early_data_size(1000)
            .ech_keys(vec![key])
            .build()
            .unwrap(),
    );
    let client_cfg = Arc::new(
        client_config(w.client(), &secrets)
            .enable_early_data(true)
            .client_hello_hook(inner_marker())
            .build()
            .unwrap(),
    );
    let mut client = ClientConnection::new(client_cfg.clone(), SECRET).unwrap();
    let mut server = ServerConnection::new(server_cfg.clone()).unwrap();
    let (_, inner) = split_client_hello(&take_client(&mut client));
    let outer = seal_outer(&mut sealer_for(&list), &parse_hello(&inner));
    server.receive(&record(22, &outer)).unwrap();
    shuttle(&mut client, &mut server);
    check_accepted(server.negotiated());

    let mut client = ClientConnection::new(client_cfg, SECRET).unwrap();
    let mut server = ServerConnection::new(server_cfg).unwrap();
    assert_eq!(client.send_early_data(b"early").unwrap(), 5);
    // The ClientHello record replaced by the outer hello; the CCS and the
    // 0-RTT records after it pass unchanged.
    let mut wire = Vec::new();
    let mut inner = None;
    for (typ, payload) in records(&take_client(&mut client)) {
        if typ == 22 && inner.is_none() {
            let ch = parse_hello(&payload);
            assert!(ch.find(ExtensionType::EARLY_DATA).is_some());
            wire.extend(record(22, &seal_outer(&mut sealer_for(&list), &ch)));
            inner = Some(payload);
        } else {
            wire.extend(record(typ, &payload));
        }
    }
    server.receive(&wire).unwrap();
    assert!(server.negotiated().early_data_accepted);
    let mut early = Vec::new();
    while let Some(e) = server.next_event() {
        if let Event::EarlyData(d) = e {
            early.extend(d);
        }
    }
    assert_eq!(early, b"early");
    shuttle(&mut client, &mut server);
    assert!(!client.is_handshaking() && !server.is_handshaking());
    check_accepted(server.negotiated());
    assert!(server.negotiated().resumed && client.negotiated().early_data_accepted);
}

// ------------------------------------------------ rejected

/// The plain client's own hello carries an outer ECH `body(config_id)`
/// (and, with `grease_psk`, a pre_shared_key no server knows, with
/// early_data, as an ECH client's outer hello does, §6.1.2); the server
/// gets it unchanged.
fn rejected_setup(
    config_id: u8,
    grease_psk: bool,
    c: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder,
    s: impl FnOnce(ServerConfigBuilder) -> ServerConfigBuilder,
) -> Setup {
    let hook: ClientHelloHook = Arc::new(move |ch: &mut ClientHello| {
        insert_before_psk(ch, ech_ext(grease_body(config_id)));
        if grease_psk && ch.find(ExtensionType::PRE_SHARED_KEY).is_none() {
            if ch.find(ExtensionType::PSK_KEY_EXCHANGE_MODES).is_none() {
                ch.extensions
                    .push(ClientExtension::PskKeyExchangeModes(vec![
                        PskKeyExchangeMode::PSK_DHE_KE,
                    ]));
            }
            ch.extensions.push(ClientExtension::EarlyData);
            let mut identity = vec![0u8; 120];
            let mut binder = vec![0u8; 32];
            OsRandom.fill(&mut identity).unwrap();
            OsRandom.fill(&mut binder).unwrap();
            ch.extensions
                .push(ClientExtension::PreSharedKey(OfferedPsks {
                    identities: vec![PskIdentity {
                        identity,
                        obfuscated_ticket_age: 0x1234_5678,
                    }],
                    binders: vec![binder],
                }));
        }
    });
    // The outer hello names the public name; here it is the client's
    // only hello.
    setup_with(PUBLIC, hook, c, s)
}

/// What the server's first flight carried as ECH in EncryptedExtensions.
fn retry_configs_sent(flight: &[u8], secrets: &Secrets) -> Option<Vec<u8>> {
    let msgs = protected_messages(flight, &secrets.get(S_HS));
    ech_in(&ee_extensions(&msgs[0]))
}

fn check_rejected(t: &Setup, ee_ech: Option<Vec<u8>>) {
    let published = t.config.ech_config_list().unwrap();
    let body = ee_ech.expect("EncryptedExtensions carries encrypted_client_hello");
    // §5: ECHEncryptedExtensions, retry_configs = the keys' configs.
    assert_eq!(body, published.to_bytes());
    assert_eq!(
        EchEncryptedExtensions::from_body(&body)
            .unwrap()
            .retry_configs,
        published
    );
    let n = t.server.negotiated();
    assert_eq!(n.ech, EchStatus::Rejected);
    assert_eq!(n.server_name.as_deref(), Some(PUBLIC));
}

#[test]
fn rejected_grease_goes_on_with_the_outer_hello_and_sends_retry_configs() {
    // A GREASE-shaped extension under a config_id the server has no key
    // for: no trial at all (§7.1 method 1).
    let mut t = rejected_setup(CONFIG_ID ^ 0x80, false, |c| c, |s| s);
    let hello = take_client(&mut t.client);
    t.server.receive(&hello).unwrap();
    assert_eq!(t.count.load(Ordering::SeqCst), 0);
    let flight = take_server(&mut t.server);
    // No accept_confirmation: the random is the server's draw.
    let sh = first_server_message(&flight);
    let hello_msg = split_client_hello(&hello).1;
    assert_ne!(
        sh[30..38],
        signal(
            b"ech accept confirmation",
            &[&hello_msg, &sh_zeroed(&sh)],
            &random_of(&hello_msg)
        )
    );
    let ee_ech = retry_configs_sent(&flight, &t.secrets);
    t.client.receive(&flight).unwrap();
    shuttle(&mut t.client, &mut t.server);
    assert!(!t.client.is_handshaking() && !t.server.is_handshaking());
    check_rejected(&t, ee_ech);
}

#[test]
fn rejected_undecryptable_payload_costs_one_trial_and_sends_retry_configs() {
    // The right config_id and suite, but nothing the key opens.
    let mut t = rejected_setup(CONFIG_ID, false, |c| c, |s| s);
    let hello = take_client(&mut t.client);
    t.server.receive(&hello).unwrap();
    assert_eq!(t.count.load(Ordering::SeqCst), 1);
    let flight = take_server(&mut t.server);
    let ee_ech = retry_configs_sent(&flight, &t.secrets);
    t.client.receive(&flight).unwrap();
    shuttle(&mut t.client, &mut t.server);
    assert!(!t.client.is_handshaking() && !t.server.is_handshaking());
    check_rejected(&t, ee_ech);
}

#[test]
fn rejected_outer_grease_psk_fails_lookup_early_data_is_skipped_and_tickets_issued() {
    // §6.1.2 / §10.12.3: an ECH client's outer hello may carry a GREASE
    // pre_shared_key (and early_data). Rejected, the server runs on that
    // hello: the identity is simply unknown (a full handshake), the 0-RTT
    // that follows is skipped as refused, and the connection gets tickets
    // like any other (a GREASE client is an ordinary client).
    let w = World::new();
    let mut t = rejected_setup(
        CONFIG_ID ^ 0x80,
        true,
        |c| c,
        // The server that issued the client's 0-RTT ticket allows early
        // data: what is skipped is bounded by that.
        |s| {
            s.time(w.clock.clone())
                .tickets(w.tickets.clone(), 2, 7200)
                .max_early_data_size(16_384)
        },
    );
    let hello = take_client(&mut t.client);
    let ch = parse_hello(&split_client_hello(&hello).1);
    assert!(ch.find(ExtensionType::PRE_SHARED_KEY).is_some());
    assert!(ch.find(ExtensionType::EARLY_DATA).is_some());
    // 0-RTT the server cannot read, right after the hello.
    let mut wire = hello;
    let mut junk = vec![0u8; 300];
    OsRandom.fill(&mut junk).unwrap();
    wire.extend(forge::record(23, &junk));
    t.server.receive(&wire).unwrap();
    let flight = take_server(&mut t.server);
    let ee_ech = retry_configs_sent(&flight, &t.secrets);
    t.client.receive(&flight).unwrap();
    let rest = shuttle(&mut t.client, &mut t.server);
    assert!(!t.client.is_handshaking() && !t.server.is_handshaking());
    check_rejected(&t, ee_ech);
    let n = t.server.negotiated();
    assert!(!n.resumed && !n.early_data_accepted);
    // Two NewSessionTickets under the server's application key.
    let tickets: Vec<_> = open(&t.secrets.get(S_AP), 0, &rest)
        .into_iter()
        .flat_map(|(typ, content)| {
            assert_eq!(typ, ContentType::HANDSHAKE);
            split_messages(&content)
        })
        .collect();
    assert_eq!(tickets.len(), 2);
    assert!(tickets.iter().all(|m| m[0] == 4), "NewSessionTicket");
}

/// A rejected first hello answered by a HelloRetryRequest (the client's
/// only share is P-256's, the server takes X25519 alone), with the
/// server's randomness fixed at 0x5a.
fn rejected_retry() -> (Setup, ClientHello, Vec<u8>) {
    let mut t = rejected_setup(
        CONFIG_ID,
        false,
        |c| c.groups(&[NamedGroup::SECP256R1, NamedGroup::X25519]),
        |s| s.groups(&[NamedGroup::X25519]).rng(Arc::new(Fixed(0x5a))),
    );
    let hello = take_client(&mut t.client);
    let ch1 = parse_hello(&split_client_hello(&hello).1);
    t.server.receive(&hello).unwrap();
    let flight = take_server(&mut t.server);
    let hrr = first_server_message(&flight);
    (t, ch1, hrr)
}

/// The second ClientHello by hand (the plain client refuses a
/// HelloRetryRequest carrying an extension it does not implement; the
/// ECH client will not): the first with an X25519 share, the cookie
/// and `ech` as its encrypted_client_hello (removed with `None`).
fn second_hello(ch1: &ClientHello, hrr: &[u8], ech: Option<Vec<u8>>) -> Vec<u8> {
    let exts = server_hello_extensions(hrr);
    let cookie = exts.iter().find(|(t, _)| *t == 44).unwrap().1.clone();
    let mut ch2 = ch1.clone();
    let mut share = vec![0u8; 32];
    OsRandom.fill(&mut share).unwrap();
    ch2.extensions.retain(|e| e.typ() != ECH);
    for e in &mut ch2.extensions {
        if let ClientExtension::KeyShare(shares) = e {
            *shares = vec![KeyShareEntry {
                group: NamedGroup::X25519,
                payload: share.clone(),
            }];
        }
    }
    // cookie<1..2^16-1> inside the extension.
    ch2.extensions
        .push(ClientExtension::Cookie(cookie[2..].to_vec()));
    ch2.extensions.extend(ech.map(ech_ext));
    HandshakeMessage::ClientHello(ch2).to_bytes()
}

#[test]
fn rejected_hello_retry_request_carries_random_bytes_and_retry_configs_follow() {
    let (mut t, ch1, hrr) = rejected_retry();
    assert_eq!(t.count.load(Ordering::SeqCst), 1);
    // §7.1: "8 random bytes", from the config's source (fixed here).
    assert_eq!(ech_in(&server_hello_extensions(&hrr)), Some(vec![0x5a; 8]));
    // The second hello re-seals (a new payload, §6.1.5): the body of the
    // extension may change. The server does not decrypt it (§7.1.1).
    let ch2 = second_hello(&ch1, &hrr, Some(grease_body(CONFIG_ID)));
    t.server.receive(&record(22, &ch2)).unwrap();
    assert_eq!(
        t.count.load(Ordering::SeqCst),
        1,
        "no trial on the second hello"
    );
    let flight = take_server(&mut t.server);
    // §7.1.1: retry_configs after a HelloRetryRequest too.
    let ee_ech = retry_configs_sent(&flight, &t.secrets);
    assert!(t.server.negotiated().hello_retry);
    check_rejected(&t, ee_ech);
}

#[test]
fn rejected_second_hello_without_the_extension_differs_from_the_first() {
    // RFC 9846 §4.2.2: only the body of encrypted_client_hello may
    // change; dropping the extension is another hello.
    let (mut t, ch1, hrr) = rejected_retry();
    let ch2 = second_hello(&ch1, &hrr, None);
    let err = t.server.receive(&record(22, &ch2)).unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    assert_eq!(
        alert_on_wire(&take_server(&mut t.server), None, 0),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

// ------------------------------------------------ build()

#[test]
fn build_refuses_unusable_ech_settings() {
    let p = rustcrypto::provider();
    let refused = |s: ServerConfigBuilder| match s.build() {
        Err(Error::BadConfig(why)) => why,
        Err(other) => panic!("not BadConfig: {other:?}"),
        Ok(_) => panic!("built"),
    };
    // A policy that would never open anything.
    let why = refused(
        server_builder(KEY)
            .ech_keys(vec![ech_key(p, 1)])
            .ech_trial_policy(TrialPolicy {
                max_opens: 0,
                ..TrialPolicy::default()
            }),
    );
    assert!(why.contains("at least one open"), "{why}");

    // A key whose config is `grow` bytes longer than a plain one.
    let big = |id: u8, grow: usize| {
        EchConfigBuilder::new(PUBLIC)
            .config_id(id)
            .extension(EchConfigExtension {
                typ: 0x0a0a,
                data: vec![0; grow],
            })
            .generate(p, &OsRandom)
            .unwrap()
    };
    // Two configs that do not fit one ECHConfigList<4..2^16-1>.
    let why = refused(server_builder(KEY).ech_keys(vec![big(1, 40_000), big(2, 40_000)]));
    assert!(why.contains("ECHConfigList"), "{why}");

    // retry_configs is an extension body: the list with its own 2-byte
    // length must fit 65535 bytes. A list body of 65533 bytes does; of
    // 65534, which ECHConfigList itself allows, does not.
    let base = big(1, 0).config().to_bytes().len();
    let fitting = 0xfffd - base;
    let k = big(1, fitting);
    assert_eq!(k.config_list().to_bytes().len(), 0xffff);
    server_builder(KEY).ech_keys(vec![k]).build().unwrap();
    let why = refused(server_builder(KEY).ech_keys(vec![big(1, fitting + 1)]));
    assert!(why.contains("retry_configs"), "{why}");
}
