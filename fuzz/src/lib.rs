//! The fuzz harnesses, one function per target, shared by the libFuzzer
//! binaries in `fuzz_targets/`, by the seed generator and by the crash
//! regression tests (`tests/fuzz_seeds.rs`, `tests/fuzz_regressions.rs`
//! include this file with `#[path]`), so that a crash replays through
//! exactly the code the fuzzer ran.
//!
//! Every harness is deterministic: connections draw from [`DetRng`] and
//! read a [`FixedTime`], so a recorded peer flight (a seed) replays byte
//! for byte and reaches the encrypted states. The fuzz crate builds
//! `tls13` with its insecure `fuzzing` crypto mode (identity AEAD with a
//! zero tag, any signature verifies; see `tls13::crypto`), so mutated
//! encrypted records still open and the fuzzer reaches EncryptedExtensions,
//! Certificate, CertificateVerify, Finished and post-handshake messages.
//! Included from `tests/` the same code runs with real crypto
//! ([`tls13::crypto::FUZZING`] tells which).
//!
//! Besides "no panic", the harnesses assert properties: decode, encode
//! and decode again agree; the deframer gives the same records however
//! the input is split; errors are sticky; application data is never
//! delivered before the handshake completed; a transport EOF is a clean
//! close only after close_notify; the ECH harnesses (`ech_server`,
//! `ech_client`) add RFC 9849's (see [`ech_server_stream`] and
//! [`ech_client_stream`]). The QUIC harnesses (CRYPTO data by
//! encryption level, RFC 9001) also check that data is taken only at the
//! level the handshake reads, that keys come out once each and in a
//! legal order, that errors carry a QUIC error code, and that what a
//! connection buffers stays under the configured message limit.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::config::{
    ClientConfigBuilder, FixedTime, Limits, ServerConfigBuilder, TicketInfo, TicketProducer,
};
use tls13::crypto::sign::{self, SigningKey};
use tls13::crypto::{SecureRandom, pem};
use tls13::ech::{
    EchClientHello, EchConfig, EchConfigBuilder, EchConfigList, EchEncryptedExtensions,
    EchHelloRetryRequest, EchKeyPair, EchMode, decode_client_hello_inner,
    encode_client_hello_inner,
};
use tls13::error::Error;
use tls13::quic::{self, Direction, KeyChange, Level};
use tls13::unstable::codec::{Codec, Reader};
use tls13::unstable::msgs::alert::AlertMessage;
use tls13::unstable::msgs::enums::{ExtensionType, NamedGroup};
use tls13::unstable::msgs::extensions::ServerExtension;
use tls13::unstable::msgs::handshake::{
    CertReqExtension, ClientExtension, HandshakeMessage, KeyShareEntry, OfferedPsks, PskIdentity,
    TicketExtension,
};
use tls13::unstable::record::deframer::Deframer;
use tls13::unstable::record::{HEADER_LEN, MAX_CIPHERTEXT};
use tls13::x509::{ExpectedName, Policy, TrustAnchor, Validator};
use tls13::{
    ClientConfig, ClientConnection, CloseKind, Connection, EchStatus, Event, PinnedCertVerifier,
    ServerConfig, ServerConnection,
};

/// The clock every harness connection reads (inside the certificates'
/// validity).
pub const NOW: u64 = 1_800_000_000;
const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

/// A deterministic, **insecure** random source: splitmix64 over a counter.
/// Each connection gets a fresh one, so a fuzz input replays exactly.
pub struct DetRng(Mutex<u64>);

impl DetRng {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(seed))
    }
}

impl SecureRandom for DetRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut state = self.0.lock().map_err(|_| Error::RandomFailed)?;
        for chunk in dest.chunks_mut(8) {
            *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let bytes = z.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// The server identity: an Ed25519 leaf for `localhost` under an Ed25519
/// CA, generated once per process from a fixed seed (so it is the same in
/// every process, and recorded seeds stay valid).
pub struct Identity {
    pub leaf: Vec<u8>,
    pub ca: Vec<u8>,
    pub key: Vec<u8>,
}

pub fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let rng = DetRng::new(0x5eed);
        let ca_key = certgen::generate_key(KeyType::Ed25519, &rng).expect("CA key");
        let ca = Ca::new("fuzz CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).expect("CA");
        let key = certgen::generate_key(KeyType::Ed25519, &rng).expect("leaf key");
        let leaf = ca
            .issue(
                &[SubjectAltName::Dns("localhost".into())],
                &key,
                NOT_BEFORE,
                NOT_AFTER,
                &rng,
            )
            .expect("leaf");
        Identity {
            leaf,
            ca: ca.cert_der().to_vec(),
            key: key.to_vec(),
        }
    })
}

/// A ticket that is just the nonce (tickets are only issued, not used).
struct NonceTicket;

impl TicketProducer for NonceTicket {
    fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
        Some(info.nonce.to_vec())
    }
}

/// The client every client-side harness uses: default configuration,
/// pinned to [`identity`]'s leaf, ALPN offered, deterministic rng.
pub fn client_config() -> ClientConfig {
    client_builder().build().expect("client config")
}

fn client_builder() -> ClientConfigBuilder {
    ClientConfig::builder(Arc::new(PinnedCertVerifier::new(identity().leaf.clone())))
        .alpn_protocols(&[b"h2", b"http/1.1"])
        .rng(Arc::new(DetRng::new(1)))
        .time(Arc::new(FixedTime(NOW)))
}

/// The server every server-side harness uses: default configuration with
/// [`identity`], ALPN, two tickets, deterministic rng.
pub fn server_config() -> ServerConfig {
    server_builder().build().expect("server config")
}

fn server_builder() -> ServerConfigBuilder {
    let id = identity();
    ServerConfig::builder_with_single_cert(
        vec![id.leaf.clone(), id.ca.clone()],
        SigningKey::from_der(&id.key).expect("leaf key"),
    )
    .alpn_protocols(&[b"http/1.1"])
    .tickets(Arc::new(NonceTicket), 2, 3600)
    .rng(Arc::new(DetRng::new(2)))
    .time(Arc::new(FixedTime(NOW)))
}

pub fn client() -> ClientConnection {
    ClientConnection::new(Arc::new(client_config()), "localhost").expect("client")
}

pub fn server() -> ServerConnection {
    ServerConnection::new(Arc::new(server_config())).expect("server")
}

/// Splits `data` into chunks chosen by `seed`: 0 = whole, 1 = one byte at
/// a time, otherwise pseudo-random lengths of 1..=512 (or 1..=8 when the
/// seed is odd, to stress the header-straddling paths).
pub fn chunks(seed: u8, data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut x = u64::from(seed) | 0x100;
    while !rest.is_empty() {
        let n = match seed {
            0 => rest.len(),
            1 => 1,
            _ => {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let max = if seed & 1 == 1 { 8 } else { 512 };
                1 + (x % max) as usize
            }
        };
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        out.push(chunk);
        rest = tail;
    }
    out
}

/// Input layout of the stream harnesses: one byte choosing the split
/// ([`chunks`]), then the byte stream.
fn split_input(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, &[]),
    }
}

// ---------------------------------------------------------------- deframer

/// A deframed record, copied out of the deframer's buffer.
type OwnedRecord = (u8, u16, Vec<u8>);

fn deframe_all(d: &mut Deframer, out: &mut Vec<OwnedRecord>) -> Result<(), Error> {
    while let Some(rec) = d.next_record()? {
        assert!(
            rec.payload.len() <= MAX_CIPHERTEXT,
            "oversized record returned"
        );
        out.push((rec.typ.0, rec.version.0, rec.payload.to_vec()));
    }
    // Bounded buffering: a partial record never exceeds one full record.
    assert!(
        d.buffered() < HEADER_LEN + MAX_CIPHERTEXT,
        "deframer buffers {} bytes",
        d.buffered()
    );
    Ok(())
}

/// Target `deframer`: the stream fed in chunks gives the same records and
/// the same error as the stream fed whole; errors are sticky.
pub fn deframer(data: &[u8]) {
    let (seed, stream) = split_input(data);

    let mut whole = Deframer::new();
    whole.push(stream);
    let mut want = Vec::new();
    let want_err = deframe_all(&mut whole, &mut want).err();

    let mut split = Deframer::new();
    let mut got = Vec::new();
    let mut got_err = None;
    for chunk in chunks(seed, stream) {
        split.push(chunk);
        if let Err(e) = deframe_all(&mut split, &mut got) {
            got_err = Some(e);
            break;
        }
    }
    assert_eq!(got, want, "records depend on the input split");
    assert_eq!(got_err, want_err, "error depends on the input split");
    if let Some(e) = got_err {
        assert_eq!(
            split.next_record().err(),
            Some(e),
            "deframer error not sticky"
        );
    }
    // Re-framing the records gives back the consumed prefix of the input.
    let mut framed = Vec::new();
    for (typ, version, payload) in &want {
        framed.push(*typ);
        framed.extend_from_slice(&version.to_be_bytes());
        framed.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        framed.extend_from_slice(payload);
    }
    assert_eq!(stream.get(..framed.len()), Some(&framed[..]));
}

// ---------------------------------------------------------------- messages

/// Decodes one `T` from the front of `data`; if that works, its encoding
/// must be exactly the bytes consumed (every message type we parse has a
/// single encoding: lengths are explicit and no field has a default), and
/// decoding that encoding must give the same value.
fn round_trip<T>(data: &[u8])
where
    T: for<'a> Codec<'a> + PartialEq + std::fmt::Debug,
{
    let mut r = Reader::new(data);
    let Ok(value) = T::read(&mut r) else {
        return;
    };
    let consumed = r.used();
    let encoded = value.to_bytes();
    assert_eq!(
        encoded,
        data[..consumed],
        "encoding differs from the input for {value:?}"
    );
    let mut r2 = Reader::new(&encoded);
    let again = T::read(&mut r2).expect("re-decoding our own encoding");
    assert!(!r2.any_left());
    assert_eq!(again, value);
}

/// Target `handshake_msg`: every handshake message and the extension and
/// sub-structure codecs, with the round-trip property.
pub fn handshake_msg(data: &[u8]) {
    round_trip::<HandshakeMessage>(data);
    round_trip::<ClientExtension>(data);
    round_trip::<CertReqExtension>(data);
    round_trip::<TicketExtension>(data);
    round_trip::<KeyShareEntry>(data);
    round_trip::<OfferedPsks>(data);
    round_trip::<PskIdentity>(data);
    round_trip::<AlertMessage>(data);
}

// ------------------------------------------------------------------ ECH

/// Target `ech_config`: the ECH codecs of RFC 9849 §4 and §5 (config
/// lists, configs, the `encrypted_client_hello` bodies), with the
/// round-trip property; a list that parses also goes through the
/// client's selection and, as base64, back to itself.
pub fn ech_config(data: &[u8]) {
    round_trip::<EchConfigList>(data);
    round_trip::<EchConfig>(data);
    round_trip::<EchClientHello>(data);
    round_trip::<EchEncryptedExtensions>(data);
    round_trip::<EchHelloRetryRequest>(data);
    if let Ok(list) = EchConfigList::from_bytes(data) {
        let provider = tls13::crypto::rustcrypto::provider();
        if let Some(chosen) = list.select(provider) {
            // §6.1: the chosen suite is one of the config's own pairs.
            assert!(
                chosen
                    .contents
                    .key_config
                    .cipher_suites
                    .iter()
                    .any(|cs| { cs.kdf_id == chosen.suite.kdf && cs.aead_id == chosen.suite.aead })
            );
            assert_eq!(chosen.contents.unusable(), None);
        }
        assert_eq!(
            EchConfigList::from_base64(&list.to_base64()).as_ref(),
            Ok(&list)
        );
    }
}

/// The input of `ech_inner`: a u16 length, that many bytes of
/// EncodedClientHelloInner, then the ClientHelloOuter body.
pub fn ech_inner_input(encoded: &[u8], outer_body: &[u8]) -> Vec<u8> {
    let mut v = (encoded.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(encoded);
    v.extend_from_slice(outer_body);
    v
}

/// Target `ech_inner`: the server's decoding of an EncodedClientHelloInner
/// against a ClientHelloOuter (RFC 9849 §5.1). Properties: the output is
/// one framed ClientHello no longer than its two inputs together (each
/// outer extension copied at most once, §10.12.4); and when it parses,
/// encoding it again (uncompressed) and decoding that against the same
/// outer gives the same message. Returns whether the input decoded to a
/// ClientHello that parses (the seeds must).
pub fn ech_inner(data: &[u8]) -> bool {
    let (len, rest) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), rest),
        _ => return false,
    };
    let (encoded, outer) = rest.split_at(len.min(rest.len()));
    let Ok(message) = decode_client_hello_inner(encoded, outer) else {
        return false;
    };
    assert!(message.len() <= 4 + encoded.len() + outer.len());
    assert_eq!(message[0], 1, "not a ClientHello");
    let body_len = u32::from_be_bytes([0, message[1], message[2], message[3]]) as usize;
    assert_eq!(body_len + 4, message.len());
    let Ok(HandshakeMessage::ClientHello(ch)) = HandshakeMessage::read_exact(&message, "CH") else {
        return false;
    };
    let again = encode_client_hello_inner(&ch, &[]).expect("no compression asked");
    assert_eq!(
        decode_client_hello_inner(&again, outer).as_ref(),
        Ok(&message),
        "decode, encode, decode disagree"
    );
    true
}

// ------------------------------------------------------- state machines

/// What a stream harness saw.
#[derive(Debug)]
pub struct Outcome {
    /// The handshake completed.
    pub complete: bool,
    /// The peer's close_notify arrived.
    pub clean_close: bool,
    /// The first error `receive` returned.
    pub error: Option<Error>,
    /// `Negotiated::ech` at the end.
    pub ech: EchStatus,
    /// `Negotiated::hello_retry` at the end.
    pub hello_retry: bool,
}

/// Feeds `stream` in chunks to `conn` as its peer's bytes, throwing away
/// its output, then ends the transport; checks the invariants.
fn drive(
    conn: &mut Connection,
    seed: u8,
    stream: &[u8],
    after_handshake: impl Fn(&mut Connection),
) -> Outcome {
    drive_watching(conn, seed, stream, after_handshake, |_, _| {})
}

/// [`drive`], showing `watch` the connection and what it wrote after
/// each chunk.
fn drive_watching(
    conn: &mut Connection,
    seed: u8,
    stream: &[u8],
    after_handshake: impl Fn(&mut Connection),
    mut watch: impl FnMut(&Connection, &[u8]),
) -> Outcome {
    let mut events = Vec::new();
    let mut failed: Option<Error> = None;
    let mut poked = false;
    for chunk in chunks(seed, stream) {
        let r = conn.receive(chunk);
        let out = conn.pending_output();
        watch(conn, out);
        let out = out.len();
        conn.consume_output(out);
        take_events(conn, &mut events);
        if let Err(e) = r {
            failed = Some(e);
            break;
        }
        if !poked && !conn.is_handshaking() {
            poked = true;
            after_handshake(conn);
        }
    }
    finish(conn, &events, failed)
}

/// Moves `conn`'s events into `events` and takes its application data,
/// which must only ever come after the handshake completed.
fn take_events(conn: &mut Connection, events: &mut Vec<Event>) {
    events.extend(std::iter::from_fn(|| conn.next_event()));
    let n = conn.received_data().len();
    if n > 0 {
        assert!(
            events.iter().any(|e| matches!(e, Event::HandshakeComplete)),
            "data before HandshakeComplete: {events:?}"
        );
        conn.consume_received_data(n);
    }
}

/// The end-of-stream checks shared by the stream harnesses: errors are
/// sticky, no data before HandshakeComplete, a transport EOF is clean only
/// after close_notify and is otherwise reported as truncation.
fn finish(conn: &mut Connection, events: &[Event], failed: Option<Error>) -> Outcome {
    if let Some(e) = &failed {
        // Errors are sticky (conn::Connection::receive).
        assert_eq!(conn.receive(b"x").as_ref().err(), Some(e));
        assert!(conn.send(b"x").is_err());
    }
    let clean = events
        .iter()
        .any(|e| matches!(e, Event::Closed(CloseKind::CloseNotify)));
    let eof = conn.receive_eof();
    if clean {
        assert!(eof.is_ok(), "EOF after close_notify reported as {eof:?}");
    } else {
        assert!(eof.is_err(), "EOF without close_notify reported as clean");
        if failed.is_none() {
            assert_eq!(eof, Err(Error::UnexpectedEof));
            let truncated = std::iter::from_fn(|| conn.next_event())
                .any(|e| matches!(e, Event::Closed(CloseKind::Truncated)));
            assert!(truncated, "truncation not reported");
        }
    }
    Outcome {
        complete: events.iter().any(|e| matches!(e, Event::HandshakeComplete)),
        clean_close: clean,
        error: failed,
        ech: conn.negotiated().ech,
        hello_retry: conn.negotiated().hello_retry,
    }
}

/// Target `client`: a client fed arbitrary "server" bytes.
pub fn client_stream(data: &[u8]) -> Outcome {
    let (seed, stream) = split_input(data);
    let mut c = client();
    let out = c.pending_output().len();
    c.consume_output(out);
    drive(&mut c, seed, stream, |conn| {
        let _ = conn.send(b"GET / HTTP/1.1\r\n\r\n");
        let _ = conn.update_keys(true);
    })
}

/// Target `server`: a server fed arbitrary "client" bytes.
pub fn server_stream(data: &[u8]) -> Outcome {
    let (seed, stream) = split_input(data);
    let mut s = server();
    drive(&mut s, seed, stream, |conn| {
        let _ = conn.send(b"HTTP/1.1 200 OK\r\n\r\n");
    })
}

// ------------------------------------------------------- ECH handshakes

/// The public_name of the harness ECH configs (RFC 9849 §4): the name the
/// outer hello carries; the inner one carries `localhost`.
pub const ECH_PUBLIC_NAME: &str = "public.example";

/// The harness ECH key: X25519, config_id 0x2a, generated from a fixed
/// seed, so it is the same in every process (recorded seeds stay valid).
pub fn ech_key() -> EchKeyPair {
    ech_key_from(0xec4, 0x2a)
}

/// [`ech_key`]'s ECHConfigList, generated once per process (it is the
/// same in every one): a fuzz run need not draw the key again for it.
pub fn ech_config_list() -> &'static EchConfigList {
    static LIST: OnceLock<EchConfigList> = OnceLock::new();
    LIST.get_or_init(|| ech_key().config_list())
}

/// Another key with the same public_name and another config_id: what a
/// server that rotated its key holds when a client offers the old config
/// ([`ech_key`]'s), or what a client with a stale config offers.
pub fn ech_stale_key() -> EchKeyPair {
    ech_key_from(0x57a1e, 0x2b)
}

fn ech_key_from(seed: u64, config_id: u8) -> EchKeyPair {
    EchConfigBuilder::new(ECH_PUBLIC_NAME)
        .config_id(config_id)
        .maximum_name_length(32)
        .generate(tls13::crypto::default_provider(), &DetRng::new(seed))
        .expect("ECH key")
}

/// [`server_builder`] with ECH `keys`. No P-384, so that a client can
/// provoke a HelloRetryRequest with a P-384 key share (the default
/// client's shares are for X25519MLKEM768 and X25519).
fn ech_server_builder(keys: Vec<EchKeyPair>) -> ServerConfigBuilder {
    server_builder()
        .groups(&[
            NamedGroup::X25519MLKEM768,
            NamedGroup::X25519,
            NamedGroup::SECP256R1,
        ])
        .ech_keys(keys)
}

/// The server of the `ech_server` target: [`server`] with [`ech_key`].
pub fn ech_server() -> ServerConnection {
    let config = ech_server_builder(vec![ech_key()])
        .build()
        .expect("ECH server config");
    ServerConnection::new(Arc::new(config)).expect("ECH server")
}

/// [`client_builder`] offering `key`'s config list, or GREASE.
fn ech_client_builder(key: Option<&EchKeyPair>) -> ClientConfigBuilder {
    client_builder().ech(match key {
        Some(k) => EchMode::Offer(k.config_list()),
        None => EchMode::Grease,
    })
}

/// The client of the `ech_client` target: [`client`] offering
/// [`ech_key`]'s config (`grease`: sending GREASE instead).
pub fn ech_client(grease: bool) -> ClientConnection {
    let mode = if grease {
        EchMode::Grease
    } else {
        EchMode::Offer(ech_config_list().clone())
    };
    let config = client_builder()
        .ech(mode)
        .build()
        .expect("ECH client config");
    ClientConnection::new(Arc::new(config), "localhost").expect("ECH client")
}

/// What the ECH harnesses watch besides [`Outcome`]: `Negotiated::ech`
/// after every chunk, and the bytes the connection wrote.
struct EchWatch {
    /// `Some(grease)` for a client, `None` for the server.
    client: Option<bool>,
    status: EchStatus,
    /// Everything the connection wrote.
    wire: Vec<u8>,
}

impl EchWatch {
    fn new(client: Option<bool>) -> Self {
        let status = if client == Some(true) {
            EchStatus::Grease
        } else {
            EchStatus::NotOffered
        };
        Self {
            client,
            status,
            wire: Vec::new(),
        }
    }

    /// ECH is decided once: an offering client and the server report
    /// NotOffered until the server's first hello (client) or the first
    /// ClientHello (server; RFC 9849 §7.1.1: the second one's outcome is
    /// the first's), then Accepted or Rejected for good; a GREASE client
    /// reports Grease throughout.
    fn step(&mut self, conn: &Connection, out: &[u8]) {
        let now = conn.negotiated().ech;
        if now != self.status {
            assert!(
                self.client != Some(true)
                    && self.status == EchStatus::NotOffered
                    && matches!(now, EchStatus::Accepted | EchStatus::Rejected),
                "Negotiated::ech went from {:?} to {now:?}",
                self.status
            );
            self.status = now;
        }
        self.wire.extend_from_slice(out);
    }
}

/// The handshake messages a connection wrote: those of its plaintext
/// records and, in fuzzing mode (where protection is the identity with a
/// zero tag), of its protected ones, in order. Stops at what does not
/// parse (a message cut by the end of the output).
fn wire_handshake_messages(wire: &[u8]) -> Vec<HandshakeMessage> {
    let mut d = Deframer::new();
    d.push(wire);
    let mut stream = Vec::new();
    while let Ok(Some(rec)) = d.next_record() {
        match rec.typ.0 {
            22 => stream.extend_from_slice(rec.payload),
            23 if tls13::crypto::FUZZING => {
                let Some(inner) = rec.payload.len().checked_sub(16) else {
                    continue;
                };
                let inner = &rec.payload[..inner];
                if let Some(end) = inner.iter().rposition(|b| *b != 0)
                    && inner[end] == 22
                {
                    stream.extend_from_slice(&inner[..end]);
                }
            }
            _ => {}
        }
    }
    let mut r = Reader::new(&stream);
    std::iter::from_fn(|| HandshakeMessage::read(&mut r).ok()).collect()
}

fn server_ech_extension(exts: &[ServerExtension]) -> Option<&[u8]> {
    exts.iter().find_map(|e| match e {
        ServerExtension::Unknown(u) if u.typ == ExtensionType::ENCRYPTED_CLIENT_HELLO => {
            Some(&u.body[..])
        }
        _ => None,
    })
}

/// Target `ech_server`: [`ech_server`] fed arbitrary "client" bytes
/// (input as for `server`). Besides the stream properties: ECH is decided
/// once ([`EchWatch::step`]); a HelloRetryRequest carries an 8-byte
/// `encrypted_client_hello` exactly when ECH was offered (accepted: the
/// confirmation, §7.2.1; rejected: random bytes, §7.1); and, where the
/// encrypted flight can be read (fuzzing mode), EncryptedExtensions
/// carries `retry_configs` — our config list — exactly when ECH was
/// rejected, never when accepted (§7.1).
pub fn ech_server_stream(data: &[u8]) -> Outcome {
    let (seed, stream) = split_input(data);
    let mut s = ech_server();
    let mut watch = EchWatch::new(None);
    let outcome = drive_watching(
        &mut s,
        seed,
        stream,
        |conn| {
            let _ = conn.send(b"HTTP/1.1 200 OK\r\n\r\n");
        },
        |conn, out| watch.step(conn, out),
    );
    let status = watch.status;
    assert_eq!(s.negotiated().ech, status);
    for m in wire_handshake_messages(&watch.wire) {
        match m {
            HandshakeMessage::ServerHello(sh) if sh.is_retry_request() => {
                let ech = server_ech_extension(&sh.extensions);
                assert_eq!(
                    ech.map(<[u8]>::len),
                    (status != EchStatus::NotOffered).then_some(8),
                    "HelloRetryRequest's encrypted_client_hello with ECH {status:?}"
                );
            }
            HandshakeMessage::EncryptedExtensions(exts) => {
                let ech = server_ech_extension(&exts).map(|body| {
                    EchEncryptedExtensions::from_body(body).expect("our retry_configs parse")
                });
                match status {
                    EchStatus::Rejected => {
                        assert_eq!(
                            ech.map(|e| e.retry_configs).as_ref(),
                            Some(ech_config_list()),
                            "retry_configs of a rejection"
                        );
                    }
                    _ => assert!(ech.is_none(), "retry_configs with ECH {status:?}"),
                }
            }
            _ => {}
        }
    }
    outcome
}

/// Target `ech_client`: [`ech_client`] fed arbitrary "server" bytes. Input:
/// a mode byte (odd: the client sends GREASE instead of offering), then
/// as for `client`. Besides the stream properties: ECH is decided once
/// ([`EchWatch::step`]); an offering client completes only when ECH was
/// accepted, and fails with `EchRejected` only when it was rejected
/// (§6.1.6: a rejected client never connects); a GREASE client never
/// reports ECH accepted or rejected; and every ClientHello on the wire is
/// an outer one (§6.1): the public name in server_name (the real one for
/// GREASE), an outer `encrypted_client_hello`, and no ALPN (which only
/// ClientHelloInner carries; GREASE sends it as without ECH).
pub fn ech_client_stream(data: &[u8]) -> Outcome {
    let (mode, data) = split_input(data);
    let grease = mode & 1 == 1;
    let (seed, stream) = split_input(data);
    let mut c = ech_client(grease);
    let mut watch = EchWatch::new(Some(grease));
    watch.step(&c, c.pending_output());
    let out = c.pending_output().len();
    c.consume_output(out);
    let outcome = drive_watching(
        &mut c,
        seed,
        stream,
        |conn| {
            let _ = conn.send(b"GET / HTTP/1.1\r\n\r\n");
            let _ = conn.update_keys(true);
        },
        |conn, out| watch.step(conn, out),
    );
    let status = watch.status;
    assert_eq!(c.negotiated().ech, status);
    if outcome.complete {
        let want = if grease {
            EchStatus::Grease
        } else {
            EchStatus::Accepted
        };
        assert_eq!(status, want, "complete with ECH {status:?}");
    }
    if let Some(Error::EchRejected { .. }) = outcome.error {
        assert!(
            !grease && status == EchStatus::Rejected,
            "EchRejected with ECH {status:?}"
        );
    }
    let mut hellos = 0;
    for m in wire_handshake_messages(&watch.wire) {
        let HandshakeMessage::ClientHello(ch) = m else {
            // Finished and Certificate travel protected (fuzzing mode).
            continue;
        };
        hellos += 1;
        let sni = ch.extensions.iter().find_map(|e| match e {
            ClientExtension::ServerName(names) => names.first().map(|(_, n)| n.clone()),
            _ => None,
        });
        let name = if grease { "localhost" } else { ECH_PUBLIC_NAME };
        assert_eq!(sni.as_deref(), Some(name.as_bytes()), "server_name");
        let ech = ch
            .find(ExtensionType::ENCRYPTED_CLIENT_HELLO)
            .map(|e| EchClientHello::from_body(&e.to_bytes()[4..]));
        assert!(
            matches!(ech, Some(Ok(EchClientHello::Outer(_)))),
            "a ClientHello without an outer encrypted_client_hello: {ech:?}"
        );
        assert_eq!(
            ch.find(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
                .is_some(),
            grease,
            "ALPN in an outer hello"
        );
    }
    assert!((1..=2).contains(&hellos), "{hellos} ClientHellos");
    outcome
}

// ------------------------------------------------------------- session

/// Script opcodes of the `session` target (the low three bits of a byte).
pub mod op {
    /// Plaintext record: content type (1 byte), length (u16), payload.
    pub const PLAIN: u8 = 0;
    /// Protected record as the fuzzing-mode AEAD seals it: inner content
    /// type (1 byte), length (u16), payload; the harness appends the inner
    /// type and the all-zero tag and frames it as application_data.
    pub const PROTECTED: u8 = 1;
    /// Raw transport bytes: length (u16), bytes.
    pub const RAW: u8 = 2;
    /// The real side sends application data: length (1 byte).
    pub const SEND: u8 = 3;
    /// The real side sends a KeyUpdate (bit 3 of the opcode byte:
    /// update_requested).
    pub const KEY_UPDATE: u8 = 4;
    /// The real side sends close_notify.
    pub const CLOSE: u8 = 5;
    /// The script ends here (transport EOF).
    pub const EOF: u8 = 6;
}

fn take<'a>(script: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (a, b) = script.split_at(n.min(script.len()));
    *script = b;
    a
}

fn take_u8(script: &mut &[u8]) -> u8 {
    take(script, 1).first().copied().unwrap_or(0)
}

fn take_u16(script: &mut &[u8]) -> usize {
    let b = take(script, 2);
    usize::from(u16::from_be_bytes([
        b.first().copied().unwrap_or(0),
        b.get(1).copied().unwrap_or(0),
    ]))
}

/// Frames `payload` as one record of type `typ`.
pub fn frame(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![typ, 3, 3];
    v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// The application data inside the protected records of `wire`, as the
/// fuzzing-mode AEAD left it (identity, zero tag).
fn wire_app_data(wire: &[u8]) -> Vec<u8> {
    let mut d = Deframer::new();
    d.push(wire);
    let mut out = Vec::new();
    while let Some(rec) = d.next_record().expect("our own output deframes") {
        if rec.typ.0 != 23 {
            continue;
        }
        let inner = rec
            .payload
            .len()
            .checked_sub(16)
            .map(|n| &rec.payload[..n])
            .expect("protected record shorter than a tag");
        assert!(
            rec.payload[inner.len()..].iter().all(|b| *b == 0),
            "fuzzing-mode tag not zero"
        );
        let Some(end) = inner.iter().rposition(|b| *b != 0) else {
            panic!("protected record without inner content type");
        };
        if inner[end] == 23 {
            out.extend_from_slice(&inner[..end]);
        }
    }
    out
}

/// Target `session`: the fuzzer plays one peer for a whole session. The
/// first byte picks the real side (even: a real client, the fuzzer is the
/// server; odd: a real server), then a script of [`op`]s is played:
/// records to the real side, interleaved with the real side's own sends,
/// KeyUpdates and close. Checks those of the client/server targets, and,
/// in fuzzing mode (where the real side's records can be read), that the
/// application data on the wire is exactly a prefix of what `send`
/// accepted, all of it once the handshake completed without error.
pub fn session(data: &[u8]) -> Outcome {
    let (side, mut script) = split_input(data);
    let mut conn: Box<dyn std::ops::DerefMut<Target = Connection>> = if side & 1 == 0 {
        Box::new(client())
    } else {
        Box::new(server())
    };
    let conn = &mut **conn;
    let mut wire = Vec::new();
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut failed: Option<Error> = None;
    let mut counter = 0u8;
    let mut drain = |conn: &mut Connection, events: &mut Vec<Event>| {
        let out = conn.pending_output();
        wire.extend_from_slice(out);
        let n = out.len();
        conn.consume_output(n);
        take_events(conn, events);
    };
    drain(conn, &mut events);
    while !script.is_empty() && failed.is_none() {
        let code = take_u8(&mut script);
        let bytes = match code & 7 {
            op::PLAIN => {
                let typ = take_u8(&mut script);
                let n = take_u16(&mut script);
                frame(typ, take(&mut script, n))
            }
            op::PROTECTED => {
                let typ = take_u8(&mut script);
                let n = take_u16(&mut script);
                let mut inner = take(&mut script, n).to_vec();
                inner.push(typ);
                inner.extend_from_slice(&[0; 16]);
                frame(23, &inner)
            }
            op::RAW => {
                let n = take_u16(&mut script);
                take(&mut script, n).to_vec()
            }
            op::SEND => {
                let n = usize::from(take_u8(&mut script));
                let msg: Vec<u8> = (0..n)
                    .map(|_| {
                        counter = counter.wrapping_add(1);
                        counter
                    })
                    .collect();
                if let Ok(k) = conn.send(&msg) {
                    assert_eq!(k, msg.len(), "send took part of the data");
                    sent.extend_from_slice(&msg);
                }
                Vec::new()
            }
            op::KEY_UPDATE => {
                let _ = conn.update_keys(code & 8 != 0);
                Vec::new()
            }
            op::CLOSE => {
                conn.close();
                Vec::new()
            }
            op::EOF => break,
            _ => Vec::new(),
        };
        if !bytes.is_empty()
            && let Err(e) = conn.receive(&bytes)
        {
            failed = Some(e);
        }
        drain(conn, &mut events);
    }
    let outcome = finish(conn, &events, failed);
    drain(conn, &mut Vec::new());
    if tls13::crypto::FUZZING {
        let on_wire = wire_app_data(&wire);
        assert!(
            sent.starts_with(&on_wire),
            "the wire carries application data that was not sent"
        );
        if outcome.complete && outcome.error.is_none() {
            assert_eq!(
                on_wire.len(),
                sent.len(),
                "sent data never reached the wire"
            );
        }
    }
    outcome
}

/// Records a session between [`client`] and [`server`] as a `session`
/// script in which the fuzzer plays the server (`fuzzer_is_server`) or the
/// client: the peer's records become record ops, the real side's actions
/// become SEND/KEY_UPDATE/CLOSE ops. Only meaningful in fuzzing mode
/// (protected records are written as their plaintext).
pub fn record_session(fuzzer_is_server: bool) -> Vec<u8> {
    let mut c = client();
    let mut s = server();
    let mut script = vec![u8::from(!fuzzer_is_server)];
    let mut step = 0;
    loop {
        let a = session_pass(&mut c, &mut s, !fuzzer_is_server, &mut script);
        let b = session_pass(&mut s, &mut c, fuzzer_is_server, &mut script);
        while c.next_event().is_some() {}
        while s.next_event().is_some() {}
        if a || b {
            continue;
        }
        step += 1;
        let (real, peer): (&mut Connection, &mut Connection) = if fuzzer_is_server {
            (&mut c, &mut s)
        } else {
            (&mut s, &mut c)
        };
        match step {
            1 => {
                assert!(!real.is_handshaking() && !peer.is_handshaking());
                let msg: Vec<u8> = (1..=40).collect();
                real.send(&msg).expect("real send");
                script.extend_from_slice(&[op::SEND, 40]);
                peer.send(b"hello from the peer").expect("peer send");
            }
            2 => {
                real.update_keys(true).expect("real key update");
                script.push(op::KEY_UPDATE | 8);
            }
            3 => {
                peer.update_keys(false).expect("peer key update");
                let msg: Vec<u8> = (41..=50).collect();
                real.send(&msg).expect("real send");
                script.extend_from_slice(&[op::SEND, 10]);
            }
            4 => {
                real.close();
                script.push(op::CLOSE);
                peer.close();
            }
            _ => {
                script.push(op::EOF);
                return script;
            }
        }
    }
}

/// Moves `from`'s output to `to`; when `from` is the fuzzer's peer, its
/// records go into the script.
fn session_pass(
    from: &mut Connection,
    to: &mut Connection,
    scripted: bool,
    script: &mut Vec<u8>,
) -> bool {
    let data = from.pending_output().to_vec();
    from.consume_output(data.len());
    if data.is_empty() {
        return false;
    }
    if scripted {
        let mut d = Deframer::new();
        d.push(&data);
        while let Ok(Some(rec)) = d.next_record() {
            let p = &rec.payload;
            let inner = p.len().checked_sub(16).map(|n| &p[..n]);
            let end = inner.and_then(|i| i.iter().rposition(|b| *b != 0));
            match (rec.typ.0, inner, end) {
                (23, Some(inner), Some(end)) if tls13::crypto::FUZZING => {
                    script.push(op::PROTECTED);
                    script.push(inner[end]);
                    script.extend_from_slice(&(end as u16).to_be_bytes());
                    script.extend_from_slice(&inner[..end]);
                }
                _ => {
                    script.push(op::PLAIN);
                    script.push(rec.typ.0);
                    script.extend_from_slice(&(p.len() as u16).to_be_bytes());
                    script.extend_from_slice(p);
                }
            }
        }
    }
    to.receive(&data).expect("recorded session");
    true
}

// ------------------------------------------------------------------ QUIC

/// The transport parameters of the QUIC harness connections (opaque to
/// TLS: any bytes do, RFC 9001 §8.2).
pub const QUIC_CLIENT_PARAMS: &[u8] = b"fuzz client transport parameters";
pub const QUIC_SERVER_PARAMS: &[u8] = b"fuzz server transport parameters";

/// The largest handshake message the QUIC harness connections take
/// (`Limits::max_handshake_message`, header included). Low, so that a
/// fuzz input (4 KiB by default) can cross it and the cap is exercised;
/// the largest message of the recorded handshake (the Certificate) fits.
pub const QUIC_MAX_MESSAGE: usize = 2048;

/// The NewSessionTicket a client reads whatever the limit (the joiner's
/// `MAX_NEW_SESSION_TICKET`: a ticket of 65535 bytes is legal, RFC 9846
/// §4.7.1).
const QUIC_MAX_TICKET: usize = 4 + 4 + 4 + (1 + 255) + (2 + 0xffff) + (2 + 1024);

/// The level of a script byte (mod 4), and back.
const QUIC_LEVELS: [Level; 4] = [
    Level::Initial,
    Level::ZeroRtt,
    Level::Handshake,
    Level::OneRtt,
];

fn quic_limits() -> Limits {
    Limits {
        max_handshake_message: QUIC_MAX_MESSAGE,
        ..Limits::default()
    }
}

/// [`client`] over QUIC (its configuration offers ALPN, which QUIC
/// requires, RFC 9001 §8.1), with the low message limit.
pub fn quic_client() -> quic::ClientConnection {
    let config = client_builder()
        .limits(quic_limits())
        .build()
        .expect("QUIC client config");
    quic::ClientConnection::new(
        Arc::new(config),
        "localhost",
        quic::Version::V1,
        QUIC_CLIENT_PARAMS.to_vec(),
    )
    .expect("QUIC client")
}

/// [`server`] over QUIC, with the low message limit.
pub fn quic_server() -> quic::ServerConnection {
    let config = server_builder()
        .limits(quic_limits())
        .build()
        .expect("QUIC server config");
    quic::ServerConnection::new(
        Arc::new(config),
        quic::Version::V1,
        QUIC_SERVER_PARAMS.to_vec(),
    )
    .expect("QUIC server")
}

/// What a QUIC harness saw.
#[derive(Debug)]
pub struct QuicOutcome {
    /// The handshake completed.
    pub complete: bool,
    /// NewSessionTickets received (client).
    pub tickets: usize,
    /// The first error `read_handshake` returned.
    pub error: Option<Error>,
}

/// What a QUIC harness knows of its connection from what the connection
/// handed out, against which every step is checked.
struct QuicWatch {
    is_client: bool,
    /// Keys handed out, in order.
    keys: Vec<(Level, Direction)>,
    /// The level of the latest read key (Initial before any): the only
    /// level at which CRYPTO data may be taken (RFC 9001 §4.1.3).
    read_level: Level,
    /// The level of the latest handshake bytes written.
    write_level: Level,
    /// The bytes taken after the last whole message, which the connection
    /// must be holding: with the harness configurations no decision is
    /// ever deferred, so every whole message is handled before
    /// `read_handshake` returns.
    partial: Vec<u8>,
    complete: bool,
    tickets: usize,
    /// The first error and its error code.
    failed: Option<(Error, u64)>,
}

impl QuicWatch {
    fn new(is_client: bool) -> Self {
        Self {
            is_client,
            keys: Vec::new(),
            read_level: Level::Initial,
            write_level: Level::Initial,
            partial: Vec::new(),
            complete: false,
            tickets: 0,
            failed: None,
        }
    }

    fn has(&self, level: Level, direction: Direction) -> bool {
        self.keys.contains(&(level, direction))
    }

    /// Hands `data` to the connection as CRYPTO data received at `level`,
    /// then takes what it made available.
    fn feed(&mut self, conn: &mut quic::Connection, level: Level, data: &[u8]) {
        let r = conn.read_handshake(level, data);
        if let Some((e, code)) = &self.failed {
            // Errors are sticky, and a failed connection hands out
            // nothing more.
            assert_eq!(r.as_ref().err(), Some(e), "error not sticky");
            assert_eq!(conn.error(), Some(e));
            assert_eq!(conn.error_code(), Some(*code), "error code changed");
            assert!(conn.next_key_change().is_none(), "keys after a failure");
            assert!(conn.next_event().is_none(), "event after a failure");
            assert!(conn.write_handshake().is_none(), "output after a failure");
            return;
        }
        match r {
            Ok(()) => {
                // RFC 9001 §4.1.3: data is taken only at the level TLS
                // reads, which follows the read keys it handed out (0-RTT
                // carries none, §8.3). Nothing extends nothing: empty
                // input is taken at any other level.
                assert!(
                    level == self.read_level || (data.is_empty() && level != Level::ZeroRtt),
                    "CRYPTO data taken at {level:?} while reading at {:?}",
                    self.read_level
                );
                assert_eq!(conn.error_code(), None);
                self.partial.extend_from_slice(data);
            }
            Err(e) => self.fail(conn, e),
        }
        self.drain(conn);
        if self.failed.is_none() {
            self.check_buffered();
        }
    }

    /// The first error: it must be the connection's, from peer input
    /// (never internal), with a QUIC error code (RFC 9001 §4.8).
    fn fail(&mut self, conn: &mut quic::Connection, e: Error) {
        assert!(
            !matches!(e, Error::Internal(_)),
            "peer input caused an internal error: {e:?}"
        );
        assert_eq!(conn.error(), Some(&e));
        let code = conn.error_code().expect("a failure without an error code");
        let alert = conn.alert().expect("a failure without an alert");
        assert!(
            code == quic::PROTOCOL_VIOLATION || code == quic::CRYPTO_ERROR + u64::from(alert.0),
            "{e:?}: error code {code:#x}, alert {alert:?}"
        );
        assert!(code == 0x0a || (0x100..=0x1ff).contains(&code));
        // The connection closes with the code: handshake bytes queued
        // before the failure are not sent, and no keys come for them.
        assert!(conn.write_handshake().is_none(), "output after a failure");
        assert!(conn.next_key_change().is_none(), "keys after a failure");
        self.failed = Some((e, code));
    }

    /// Takes the keys, events and handshake bytes the connection made
    /// available, checking each.
    fn drain(&mut self, conn: &mut quic::Connection) {
        while let Some(k) = conn.next_key_change() {
            self.key(conn, &k);
        }
        while let Some(e) = conn.next_event() {
            self.event(conn, e);
        }
        while let Some((level, bytes)) = conn.write_handshake() {
            self.output(level, &bytes);
        }
    }

    /// Keys come once per level and direction, Handshake before 1-RTT,
    /// and 1-RTT read keys only with a complete handshake.
    fn key(&mut self, conn: &quic::Connection, k: &KeyChange) {
        let (level, direction) = (k.level, k.direction);
        assert!(
            !self.has(level, direction),
            "{level:?} {direction:?} keys handed out twice"
        );
        // Initial keys come from the connection ID, not from TLS; no 0-RTT
        // keys: the harness client resumes nothing and the harness server
        // accepts no early data.
        assert!(
            matches!(level, Level::Handshake | Level::OneRtt),
            "{level:?} {direction:?} keys handed out"
        );
        assert_eq!(k.updates.is_some(), level == Level::OneRtt);
        if let Some(u) = &k.updates {
            assert_eq!(u.generation(), 0);
        }
        if level == Level::OneRtt {
            assert!(
                self.has(Level::Handshake, Direction::Read)
                    && self.has(Level::Handshake, Direction::Write),
                "1-RTT {direction:?} keys before the Handshake keys: {:?}",
                self.keys
            );
            // RFC 9001 §5.7: a server processes 1-RTT packets only once
            // the handshake is complete (its 1-RTT write key comes earlier,
            // for 0.5-RTT data); a client has both 1-RTT keys from the
            // server's Finished, which completes its handshake.
            if (self.is_client || direction == Direction::Read) && self.failed.is_none() {
                assert!(
                    !conn.is_handshaking(),
                    "1-RTT {direction:?} key before the handshake is complete"
                );
            }
        }
        if direction == Direction::Read {
            self.read_level = level;
        }
        self.keys.push((level, direction));
    }

    /// Over QUIC only HandshakeComplete (once, with everything RFC 9001
    /// requires of a complete handshake) and, on a client after it,
    /// NewSessionTicket: no alerts, no close, no early data here.
    fn event(&mut self, conn: &quic::Connection, event: Event) {
        match event {
            Event::HandshakeComplete => {
                assert!(!self.complete, "HandshakeComplete twice");
                self.complete = true;
                assert!(
                    self.has(Level::OneRtt, Direction::Read)
                        && self.has(Level::OneRtt, Direction::Write),
                    "complete without the 1-RTT keys: {:?}",
                    self.keys
                );
                if self.failed.is_some() {
                    return;
                }
                assert!(!conn.is_handshaking());
                // RFC 9001 §8.1: ALPN is always negotiated, and only a
                // protocol the client offered (the server's is in it).
                let alpn = conn.negotiated().alpn.as_deref();
                assert!(
                    matches!(alpn, Some(b"h2" | b"http/1.1")),
                    "negotiated ALPN {alpn:?}"
                );
                // §8.2: the peer's transport parameters are required.
                assert!(conn.peer_transport_parameters().is_some());
                let mut out = [0; 16];
                conn.export_keying_material(b"fuzz", b"", &mut out)
                    .expect("exporter after the handshake");
            }
            Event::NewSessionTicket(_) => {
                assert!(
                    self.is_client && self.complete,
                    "NewSessionTicket before HandshakeComplete or to a server"
                );
                self.tickets += 1;
            }
            other => panic!("unexpected event over QUIC: {other:?}"),
        }
    }

    /// Handshake bytes go out never at 0-RTT, at levels that only move
    /// forward, each under a write key already handed out.
    fn output(&mut self, level: Level, bytes: &[u8]) {
        assert!(!bytes.is_empty(), "empty handshake bytes at {level:?}");
        assert_ne!(level, Level::ZeroRtt, "handshake bytes at 0-RTT");
        assert!(
            level >= self.write_level,
            "handshake bytes at {level:?} after {:?}",
            self.write_level
        );
        assert!(
            level == Level::Initial || self.has(level, Direction::Write),
            "handshake bytes at {level:?} before its write key"
        );
        self.write_level = level;
    }

    /// Bounded buffering: every message header the connection accepted
    /// announces at most the limit (a larger message is refused from its
    /// header, before its body is buffered), so what it holds of an
    /// incomplete message stays under it.
    fn check_buffered(&mut self) {
        let mut start = 0;
        while let Some(&[typ, a, b, c]) = self.partial.get(start..start + 4) {
            let total = 4 + (usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c));
            let max = if self.is_client && self.complete && typ == 4 {
                QUIC_MAX_MESSAGE.max(QUIC_MAX_TICKET)
            } else {
                QUIC_MAX_MESSAGE
            };
            assert!(
                total <= max,
                "a {total}-byte message taken (limit {max}); {} bytes held",
                self.partial.len() - start
            );
            if self.partial.len() - start < total {
                break;
            }
            start += total;
        }
        self.partial.drain(..start);
    }
}

/// Input layout of the QUIC harnesses: CRYPTO chunks, each a level byte
/// (mod 4: Initial, 0-RTT, Handshake, 1-RTT), a u16 length and the bytes
/// (a short last one takes what is left). Every chunk goes to
/// `read_handshake` at its level, and the connection is drained after
/// each.
fn quic_drive(conn: &mut quic::Connection, is_client: bool, mut script: &[u8]) -> QuicOutcome {
    let mut watch = QuicWatch::new(is_client);
    // A client's ClientHello, at Initial, without keys.
    watch.drain(conn);
    while !script.is_empty() {
        let level = QUIC_LEVELS[usize::from(take_u8(&mut script) & 3)];
        let n = take_u16(&mut script);
        let data = take(&mut script, n);
        watch.feed(conn, level, data);
    }
    if let Some((e, _)) = &watch.failed {
        // Sticky at every level, even without data.
        for level in QUIC_LEVELS {
            assert_eq!(conn.read_handshake(level, &[]).as_ref().err(), Some(e));
        }
    }
    QuicOutcome {
        complete: watch.complete,
        tickets: watch.tickets,
        error: watch.failed.map(|(e, _)| e),
    }
}

/// Target `quic_client`: a QUIC client fed arbitrary "server" CRYPTO data.
pub fn quic_client_crypto(data: &[u8]) -> QuicOutcome {
    quic_drive(&mut quic_client(), true, data)
}

/// Target `quic_server`: a QUIC server fed arbitrary "client" CRYPTO data.
pub fn quic_server_crypto(data: &[u8]) -> QuicOutcome {
    quic_drive(&mut quic_server(), false, data)
}

/// CRYPTO data as a QUIC connection wrote it: runs of one level each,
/// oldest first.
pub type CryptoRuns = Vec<(Level, Vec<u8>)>;

/// Writes CRYPTO runs as a QUIC harness script, each run cut by
/// [`chunks`] with `split`.
pub fn quic_script(runs: &[(Level, Vec<u8>)], split: u8) -> Vec<u8> {
    let mut v = Vec::new();
    for (level, bytes) in runs {
        let code = QUIC_LEVELS.iter().position(|l| l == level).expect("level") as u8;
        for chunk in chunks(split, bytes) {
            v.push(code);
            v.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            v.extend_from_slice(chunk);
        }
    }
    v
}

// ------------------------------------------------------- certificates

/// Target `cert_pem`: the certificate SPKI extraction, the RSA key size
/// probe, private key loading and PEM parsing, with PEM's round trip.
pub fn cert_pem(data: &[u8]) {
    if let Ok(spki) = sign::certificate_spki(data) {
        // The SPKI is borrowed from inside the certificate.
        assert!(spki.len() < data.len());
        let _ = sign::spki_rsa_bits(spki);
    }
    let _ = sign::spki_rsa_bits(data);
    let _ = SigningKey::from_der(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(blocks) = pem::parse(text) {
            let mut again = String::new();
            for (label, der) in &blocks {
                again.push_str(&pem::encode(label, der));
            }
            assert_eq!(pem::parse(&again).ok().as_ref(), Some(&blocks));
        }
        let _ = pem::certificates(text);
        let _ = SigningKey::from_pem(text);
    }
}

/// Input layout of the `x509` harness: one flag byte, then certificates,
/// each with a u16 length (a short last one takes what is left).
pub fn x509_input(flags: u8, certs: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![flags];
    for c in certs {
        v.extend_from_slice(&u16::try_from(c.len()).expect("short cert").to_be_bytes());
        v.extend_from_slice(c);
    }
    v
}

fn x509_split(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let [a, b, rest @ ..] = data {
        let n = usize::from(u16::from_be_bytes([*a, *b])).min(rest.len());
        let (c, tail) = rest.split_at(n);
        out.push(c);
        data = tail;
    }
    out
}

/// Target `x509`: the certificate parser (through `TrustAnchor::from_der`)
/// on the input and on each certificate, then path building and
/// validation of the certificates as a server chain for `localhost` and
/// as a client chain, against [`identity`]'s CA and, when the flag byte is
/// odd, the chain's last certificate as a second anchor.
pub fn x509(data: &[u8]) -> Option<bool> {
    let (flags, rest) = split_input(data);
    let _ = TrustAnchor::from_der(rest.to_vec());
    let certs = x509_split(rest);
    let mut anchors = vec![TrustAnchor::from_der(identity().ca.clone()).expect("CA parses")];
    for c in &certs {
        let parsed = TrustAnchor::from_der(c.to_vec());
        if let Ok(a) = &parsed {
            let _ = a.subject();
        }
    }
    if flags & 1 == 1
        && let Some(Ok(a)) = certs.last().map(|c| TrustAnchor::from_der(c.to_vec()))
    {
        anchors.push(a);
    }
    let (ee, intermediates) = certs.split_first()?;
    let v = Validator::new(anchors, Policy::default());
    let server = v.validate_server(ee, intermediates, ExpectedName::Dns("localhost"), NOW);
    if let Err(e) = &server {
        let _ = e.to_string();
    }
    let _ = v.validate_client(ee, intermediates, NOW);
    Some(server.is_ok())
}

/// The OCSP fixtures (`vectors/ocsp/`, made by `openssl ocsp`): the
/// leaf the `ocsp` target's responses are about, and its CA.
const OCSP_LEAF: &str = include_str!("../../vectors/ocsp/leaf.pem");
const OCSP_CA: &str = include_str!("../../vectors/ocsp/ca.pem");
const OCSP_GOOD: &[u8] = include_bytes!("../../vectors/ocsp/good.der");

/// Target `ocsp`: the OCSP response parser ([`OcspResponseInfo::parse`])
/// and the WebPKI verifier's checks of the input as the response stapled
/// to the fixture leaf (`vectors/ocsp/leaf.pem`, status requested), at an
/// hour after the fixtures' responses were made. Returns whether the
/// verifier accepted it. Property: an accepted response parses and says
/// `good` for the leaf's serial (in the fuzzing build any signature
/// verifies, so the fuzzer reaches the certID, time and status checks).
pub fn ocsp(data: &[u8]) -> bool {
    use tls13::verify::{CertificateStatus, Decision, ServerCertVerifier, ServerName};
    use tls13::verify_webpki::WebPkiServerVerifier;
    use tls13::x509::{OcspCertStatus, OcspResponseInfo};
    struct Fixture {
        leaf: Vec<u8>,
        verifier: WebPkiServerVerifier,
        now: u64,
    }
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    let f = FIXTURE.get_or_init(|| {
        let good = OcspResponseInfo::parse(OCSP_GOOD).expect("good.der parses");
        Fixture {
            leaf: pem::certificates(OCSP_LEAF).expect("leaf").remove(0),
            verifier: WebPkiServerVerifier::from_pem(OCSP_CA).expect("CA"),
            now: u64::try_from(good.responses[0].this_update + 3600).expect("time"),
        }
    });
    let info = OcspResponseInfo::parse(data);
    if let Err(e) = &info {
        let _ = e.to_string();
    }
    let status = CertificateStatus {
        ocsp_requested: true,
        ocsp_response: Some(data),
        scts: &[],
    };
    let name = ServerName::try_from("ocsp.test").expect("name");
    let verdict =
        match f
            .verifier
            .verify_server_cert_with_status(&f.leaf, &[], &name, &status, f.now)
        {
            Decision::Ready(r) => r,
            Decision::Deferred => panic!("the WebPKI verifier answers at once"),
        };
    match &verdict {
        Ok(()) => {
            let info = info.expect("an accepted response parses");
            assert!(
                info.responses
                    .iter()
                    .any(|r| r.serial == [0x10, 0x01] && r.status == OcspCertStatus::Good),
                "accepted without a good entry for the leaf: {info:?}"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    verdict.is_ok()
}

// ------------------------------------------------------- seed recording

/// Runs a full handshake between [`client`] and [`server`] (data both
/// ways, a KeyUpdate, close_notify both ways) and returns what each side
/// sent: (client bytes, server bytes). These are the seeds of the
/// `server` and `client` targets.
pub fn record_handshake() -> (Vec<u8>, Vec<u8>) {
    let (c_wire, s_wire, failed) = record_wire(&mut client(), &mut server());
    assert!(!failed, "recorded handshake failed");
    (c_wire, s_wire)
}

/// The session of [`record_handshake`] between any two connections:
/// (client bytes, server bytes, whether either side failed). A failure
/// (e.g. a rejected ECH offer, §6.1.6) ends the session once the bytes
/// already written have been delivered.
fn record_wire(c: &mut Connection, s: &mut Connection) -> (Vec<u8>, Vec<u8>, bool) {
    let mut c_wire = Vec::new();
    let mut s_wire = Vec::new();
    let mut failed = false;
    let mut step = 0;
    loop {
        let a = pass(c, s, &mut c_wire, &mut failed);
        let b = pass(s, c, &mut s_wire, &mut failed);
        while c.next_event().is_some() {}
        while s.next_event().is_some() {}
        if a || b {
            continue;
        }
        if failed {
            return (c_wire, s_wire, true);
        }
        step += 1;
        match step {
            1 => {
                assert!(!c.is_handshaking() && !s.is_handshaking());
                c.send(b"GET / HTTP/1.1\r\n\r\n").expect("client send");
                s.send(b"HTTP/1.1 200 OK\r\n\r\nhello")
                    .expect("server send");
            }
            2 => {
                s.update_keys(true).expect("key update");
            }
            3 => {
                s.close();
                c.close();
            }
            _ => return (c_wire, s_wire, false),
        }
    }
}

fn pass(from: &mut Connection, to: &mut Connection, wire: &mut Vec<u8>, failed: &mut bool) -> bool {
    let data = from.pending_output().to_vec();
    from.consume_output(data.len());
    if data.is_empty() {
        return false;
    }
    wire.extend_from_slice(&data);
    if to.receive(&data).is_err() {
        *failed = true;
    }
    true
}

/// The ECH handshakes recorded as seeds of `ech_server` and `ech_client`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EchSeed {
    /// [`ech_client`] and [`ech_server`]: accepted (§6.1.4, §7.1).
    Accepted,
    /// Accepted through a HelloRetryRequest (§6.1.5, §7.1.1): for
    /// `ech_server`, an offering client whose only key share is P-384;
    /// for `ech_client`, an ECH server that has only P-256.
    HelloRetry,
    /// Rejected (§6.1.6, §7.1): for `ech_server`, a client offering
    /// [`ech_stale_key`]'s config; for `ech_client`, a server holding only
    /// [`ech_stale_key`]. The client authenticates the public name, sends
    /// its Finished, then `ech_required`, and fails with `EchRejected`.
    Stale,
    /// A GREASE client (§6.2.1) and [`ech_server`], which rejects what it
    /// cannot open and sends retry_configs, which the client ignores.
    Grease,
}

/// Records `seed`'s handshake: (the client's bytes, a seed of
/// `ech_server`'s server; the server's bytes, a seed of `ech_client`'s
/// client), and whether it ended in a failure (only [`EchSeed::Stale`]).
/// The side that is not the target's is the varied one, so each stream
/// replays byte for byte through its harness.
pub fn record_ech(seed: EchSeed) -> (Vec<u8>, Vec<u8>, bool) {
    let for_ech_server = |mut c: ClientConnection| record_wire(&mut c, &mut ech_server());
    let for_ech_client = |config: ServerConfigBuilder| {
        let config = config.build().expect("ECH server config");
        let mut s = ServerConnection::new(Arc::new(config)).expect("ECH server");
        record_wire(&mut ech_client(false), &mut s)
    };
    let client_with = |b: ClientConfigBuilder| {
        let config = b.build().expect("ECH client config");
        ClientConnection::new(Arc::new(config), "localhost").expect("ECH client")
    };
    match seed {
        EchSeed::Accepted => for_ech_server(ech_client(false)),
        EchSeed::Grease => for_ech_server(ech_client(true)),
        EchSeed::HelloRetry => {
            let key = ech_key();
            let (c_wire, _, c_failed) = for_ech_server(client_with(
                ech_client_builder(Some(&key))
                    .groups(&[NamedGroup::SECP384R1, NamedGroup::SECP256R1]),
            ));
            let (_, s_wire, s_failed) = for_ech_client(
                ech_server_builder(vec![ech_key()]).groups(&[NamedGroup::SECP256R1]),
            );
            (c_wire, s_wire, c_failed || s_failed)
        }
        EchSeed::Stale => {
            let stale = ech_stale_key();
            let (c_wire, _, c_failed) =
                for_ech_server(client_with(ech_client_builder(Some(&stale))));
            let (_, s_wire, s_failed) = for_ech_client(ech_server_builder(vec![stale]));
            assert_eq!(c_failed, s_failed);
            (c_wire, s_wire, c_failed)
        }
    }
}

/// An `ech_client` input: the mode byte (1: GREASE), the split byte, the
/// server's bytes.
pub fn ech_client_input(grease: bool, split: u8, stream: &[u8]) -> Vec<u8> {
    let mut v = vec![u8::from(grease), split];
    v.extend_from_slice(stream);
    v
}

/// Runs a QUIC handshake between [`quic_client`] and [`quic_server`] and
/// returns the CRYPTO data each side wrote, by level: (client's,
/// server's). These are the seeds of the `quic_server` and `quic_client`
/// targets. No record protection over QUIC, so they are the same in both
/// crypto modes.
pub fn record_quic_handshake() -> (CryptoRuns, CryptoRuns) {
    record_quic(quic_server())
}

/// The server's CRYPTO data of a QUIC handshake with a HelloRetryRequest:
/// [`quic_client`] against a server that has only P-256, which the
/// client's first key shares are not for. A `quic_client` seed (the
/// harness client answers it byte for byte as recorded).
pub fn record_quic_hello_retry() -> CryptoRuns {
    let config = server_builder()
        .groups(&[NamedGroup::SECP256R1])
        .limits(quic_limits())
        .build()
        .expect("QUIC P-256 server config");
    let server = quic::ServerConnection::new(
        Arc::new(config),
        quic::Version::V1,
        QUIC_SERVER_PARAMS.to_vec(),
    )
    .expect("QUIC server");
    record_quic(server).1
}

fn record_quic(mut s: quic::ServerConnection) -> (CryptoRuns, CryptoRuns) {
    let mut c = quic_client();
    let mut c_out = Vec::new();
    let mut s_out = Vec::new();
    loop {
        let a = quic_pass(&mut c, &mut s, &mut c_out);
        let b = quic_pass(&mut s, &mut c, &mut s_out);
        if !a && !b {
            break;
        }
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c_out, s_out)
}

fn quic_pass(
    from: &mut quic::Connection,
    to: &mut quic::Connection,
    out: &mut Vec<(Level, Vec<u8>)>,
) -> bool {
    while from.next_key_change().is_some() {}
    while from.next_event().is_some() {}
    let mut moved = false;
    while let Some((level, bytes)) = from.write_handshake() {
        to.read_handshake(level, &bytes)
            .expect("recorded QUIC handshake");
        out.push((level, bytes));
        moved = true;
    }
    moved
}

// ------------------------------------------------- compressed certificates

/// Input of [`compressed_cert`]: a flag byte (bit 0: offer zlib, bit 1:
/// brotli, bit 2: zstd; bit 3: a 4 KiB limit instead of 64 KiB), then the
/// body of a CompressedCertificate (RFC 8879 §4), whose handshake header
/// the harness adds.
pub fn compressed_cert_input(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![flags];
    v.extend_from_slice(body);
    v
}

/// Target `compressed_cert`: a CompressedCertificate through
/// `compress::decompress_certificate` with the algorithms and limit the
/// flag byte picks, each algorithm's decoder reached with arbitrary data.
/// Properties: a result is a Certificate message of exactly the declared
/// length, within the limit, with an offered algorithm; it then parses
/// (or not) as a Certificate with the connection's limits, without a
/// panic. Returns whether it decompressed.
pub fn compressed_cert(data: &[u8]) -> bool {
    use tls13::compress::{self, CertificateCompressionAlgorithm as A};
    let (flags, body) = split_input(data);
    let offered: Vec<A> = [(1, A::ZLIB), (2, A::BROTLI), (4, A::ZSTD)]
        .into_iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, a)| a)
        .collect();
    let limit = if flags & 8 != 0 { 4096 } else { 1 << 16 };
    let Ok(len) = u32::try_from(body.len()) else {
        return false;
    };
    if len > 0xff_ffff {
        return false;
    }
    let mut raw = vec![25];
    raw.extend_from_slice(&len.to_be_bytes()[1..]);
    raw.extend_from_slice(body);
    match compress::decompress_certificate(&raw, &offered, limit) {
        Ok((alg, cert)) => {
            assert!(offered.contains(&alg));
            assert!(cert.len() <= limit);
            let declared = u32::from_be_bytes([0, body[2], body[3], body[4]]) as usize;
            assert_eq!(cert.len(), declared + 4);
            assert_eq!(cert[0], 11);
            let lim = tls13::config::Limits::default().list_limits();
            let _ = tls13::unstable::msgs::borrowed::HandshakeMessageRef::read_limited(
                &mut Reader::new(&cert),
                &lim,
            );
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}
