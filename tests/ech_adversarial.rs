//! ECH (RFC 9849) under an adversarial peer, both sides: what a client
//! or server must refuse, and with which alert. Each test is named after
//! the rule it holds the library to; the ones marked "regression" failed
//! before the fix that came with them (session 23 review).
//!
//! Real client and server connections are used wherever the library can
//! produce the message in question; messages no honest peer of this
//! library sends are forged from real ones byte by byte.

mod pair;

use std::sync::{Arc, OnceLock};

use pair::{Clock, Feed, Pair};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::config::CookieGenerator;
use tls13::crypto::sign::SigningKey;
use tls13::crypto::{CryptoProvider, OsRandom, SecureRandom};
use tls13::ech::{
    EchClientHello, EchConfigBuilder, EchEncryptedExtensions, EchKeyPair, EchMode, EchOutcome,
    EchOuter, EchSealer, HpkeSymmetricCipherSuite, TrialPolicy, encode_client_hello_inner,
    trial_decrypt,
};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{AlertDescription, ExtensionType, HandshakeType, NamedGroup};
use tls13::unstable::msgs::extensions::ServerExtension;
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, UnknownExtension,
};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::{Policy, TrustAnchor};
use tls13::{ClientConfig, ClientConnection, EchStatus, Error, ServerConfig, ServerConnection};

const PUBLIC: &str = "public.example";
const SECRET: &str = "secret.example";

fn provider() -> &'static CryptoProvider {
    tls13::crypto::default_provider()
}

struct Pki {
    ca: Vec<u8>,
    /// A leaf valid for both names (the shared-mode server).
    both: (Vec<u8>, Vec<u8>),
    /// A leaf valid for the origin only.
    secret: (Vec<u8>, Vec<u8>),
    verifier: Arc<WebPkiServerVerifier>,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let rng = OsRandom;
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new(
            "ECH adversary CA",
            &ca_key,
            pair::NOT_BEFORE,
            pair::NOT_AFTER,
            &rng,
        )
        .unwrap();
        let leaf = |names: &[&str]| {
            let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
            let sans: Vec<SubjectAltName> = names
                .iter()
                .map(|n| SubjectAltName::Dns((*n).into()))
                .collect();
            let cert = ca
                .issue(&sans, &key, pair::NOT_BEFORE, pair::NOT_AFTER, &rng)
                .unwrap();
            (cert, key.to_vec())
        };
        let anchor = TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap();
        Pki {
            ca: ca.cert_der().to_vec(),
            both: leaf(&[PUBLIC, SECRET]),
            secret: leaf(&[SECRET]),
            verifier: Arc::new(WebPkiServerVerifier::new(vec![anchor], Policy::default())),
        }
    })
}

fn ech_key() -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .generate(provider(), &OsRandom)
        .unwrap()
}

fn client(clock: &Arc<Clock>) -> tls13::config::ClientConfigBuilder {
    ClientConfig::builder(pki().verifier.clone()).time(clock.clone())
}

fn server(clock: &Arc<Clock>) -> tls13::config::ServerConfigBuilder {
    server_with(clock, &pki().both)
}

fn server_with(
    clock: &Arc<Clock>,
    (cert, key): &(Vec<u8>, Vec<u8>),
) -> tls13::config::ServerConfigBuilder {
    ServerConfig::builder_with_single_cert(
        vec![cert.clone(), pki().ca.clone()],
        SigningKey::from_der(key).unwrap(),
    )
    .time(clock.clone())
}

fn pair(client: Arc<ClientConfig>, server: ServerConfig) -> Pair {
    Pair::from_connections(
        ClientConnection::new(client, SECRET).unwrap(),
        ServerConnection::new(Arc::new(server)).unwrap(),
        Feed::Whole,
    )
}

/// The handshake messages of the plaintext handshake records in `wire`
/// (the hellos), whole.
fn plaintext_handshake(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut stream = Vec::new();
    for (typ, payload) in pair::records(wire) {
        if typ == 22 {
            stream.extend_from_slice(&payload);
        }
        if typ == 23 {
            break;
        }
    }
    let mut out = Vec::new();
    let mut rest = &stream[..];
    while rest.len() >= 4 {
        let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
        out.push(rest[..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    out
}

fn first_client_hello(wire: &[u8]) -> Vec<u8> {
    plaintext_handshake(wire)
        .into_iter()
        .find(|m| m[0] == HandshakeType::CLIENT_HELLO.0)
        .expect("a ClientHello")
}

/// A cookie of a fixed length, to make the second ClientHello as long as
/// a test needs.
struct LongCookie(usize);

impl CookieGenerator for LongCookie {
    fn cookie(&self, rng: &dyn SecureRandom) -> Result<Vec<u8>, Error> {
        let mut c = vec![0u8; self.0];
        rng.fill(&mut c)?;
        Ok(c)
    }
}

/// Client X25519 first (its only share), server P-256 only: the server
/// answers the first hello with a HelloRetryRequest for P-256, whose
/// share is 33 bytes longer than X25519's.
const SHARE_GROWTH: usize = 65 - 32;
/// The cookie extension around a cookie: type, length, cookie length.
const COOKIE_EXT: usize = 2 + 2 + 2;

fn assert_illegal_retry(r: Result<(), (bool, Error)>) {
    match r {
        Err((true, e)) => {
            assert_eq!(
                e.alert(),
                Some(AlertDescription::ILLEGAL_PARAMETER),
                "the server's HelloRetryRequest is to blame, not our configuration: {e:?}"
            );
        }
        other => panic!("the client did not refuse the HelloRetryRequest: {other:?}"),
    }
}

/// Regression. RFC 9846 §4.1.4: a HelloRetryRequest whose cookie leaves
/// no room for the second ClientHello is the server's fault
/// (`illegal_parameter`), as it is without ECH. With a GREASE
/// `encrypted_client_hello` (which makes the hello longer) the client
/// failed with `Error::BadConfig` and sent no alert.
#[test]
fn grease_hello_overflowed_by_a_retry_cookie_is_illegal_parameter() {
    let clock = Clock::new();
    let key = ech_key();
    let c = client(&clock)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .ech(EchMode::Grease)
        .build()
        .map(Arc::new)
        .unwrap();
    // The first hello's length, measured on a connection of its own.
    let probe = ClientConnection::new(c.clone(), SECRET).unwrap();
    let first = first_client_hello(probe.pending_output()).len();
    // The second hello is exactly one byte over our message limit
    // (65536, the default); without the GREASE extension it would fit.
    let cookie = (1 << 16) + 1 - first - SHARE_GROWTH - COOKIE_EXT;
    let s = server(&clock)
        .groups(&[NamedGroup::SECP256R1])
        .ech_keys(vec![key])
        .cookie_generator(Arc::new(LongCookie(cookie)))
        .build()
        .unwrap();
    assert_illegal_retry(pair(c, s).run());
}

/// Regression. The same for a HelloRetryRequest that accepted ECH
/// (§6.1.5): the second ClientHelloInner fits, the second
/// ClientHelloOuter (the same cookie, plus the sealed inner hello) does
/// not. The client failed with `Error::BadConfig`, no alert.
#[test]
fn accepted_retry_whose_cookie_overflows_the_outer_hello_is_illegal_parameter() {
    let clock = Clock::new();
    let key = ech_key();
    let c = client(&clock)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .ech(EchMode::Offer(key.config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let probe = ClientConnection::new(c.clone(), SECRET).unwrap();
    let outer = first_client_hello(probe.pending_output());
    let inner = match trial_decrypt(
        provider(),
        std::slice::from_ref(&key),
        &outer[4..],
        &TrialPolicy::default(),
    )
    .unwrap()
    {
        EchOutcome::Accepted(a) => a.inner,
        other => panic!("{other:?}"),
    };
    // The second inner hello fills our message limit exactly; the outer
    // one is longer by far more than the 32 bytes of `enc` it drops.
    assert!(outer.len() > inner.len() + 64);
    let cookie = (1 << 16) - inner.len() - SHARE_GROWTH - COOKIE_EXT;
    let s = server(&clock)
        .groups(&[NamedGroup::SECP256R1])
        .ech_keys(vec![key])
        .cookie_generator(Arc::new(LongCookie(cookie)))
        .build()
        .unwrap();
    let mut p = pair(c, s);
    let r = p.run();
    // The HelloRetryRequest did confirm ECH (else the client would have
    // gone on with the outer hello).
    assert_eq!(p.server.negotiated().ech, EchStatus::Accepted);
    assert_illegal_retry(r);
}

// ------------------------------------- encrypted_client_hello in EE

/// Adds an `encrypted_client_hello` of `body` to the server's
/// EncryptedExtensions.
fn ee_ech(body: Vec<u8>) -> tls13::config::EncryptedExtensionsHook {
    Arc::new(move |exts: &mut Vec<ServerExtension>| {
        exts.push(ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: body.clone(),
        }));
    })
}

fn client_alert(r: Result<(), (bool, Error)>) -> Option<AlertDescription> {
    match r {
        Err((true, e)) => e.alert(),
        other => panic!("the client did not fail: {other:?}"),
    }
}

/// Regression. §7.1 has a server send `retry_configs` only when it
/// rejected ECH, so an accepted connection's EncryptedExtensions with
/// them is a server that does not know which hello it answered (or
/// configs injected into a session the client believes is the origin's):
/// refused with `unsupported_extension`, as BoringSSL does. The client
/// ignored them and connected.
#[test]
fn accepted_connection_refuses_retry_configs() {
    let clock = Clock::new();
    let key = ech_key();
    let retry = EchEncryptedExtensions {
        retry_configs: ech_key().config_list(),
    }
    .to_bytes();
    let c = client(&clock)
        .ech(EchMode::Offer(key.config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let s = server(&clock)
        .ech_keys(vec![key])
        .encrypted_extensions_hook(ee_ech(retry))
        .build()
        .unwrap();
    let mut p = pair(c, s);
    let r = p.run();
    assert_eq!(p.server.negotiated().ech, EchStatus::Accepted);
    assert_eq!(
        client_alert(r),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
    assert!(!pair::has_complete(&p.client_events));
}

/// RFC 9846 §4.2: an `encrypted_client_hello` in EncryptedExtensions to a
/// client that sent none is `unsupported_extension`.
#[test]
fn encrypted_extensions_ech_without_an_offer_is_unsupported_extension() {
    let clock = Clock::new();
    let retry = EchEncryptedExtensions {
        retry_configs: ech_key().config_list(),
    }
    .to_bytes();
    let c = client(&clock).build().map(Arc::new).unwrap();
    let s = server(&clock)
        .encrypted_extensions_hook(ee_ech(retry))
        .build()
        .unwrap();
    assert_eq!(
        client_alert(pair(c, s).run()),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
}

/// §6.1.6, §6.2.1: a rejected or GREASE client checks the extension's
/// syntax (`decode_error`); well-formed, GREASE ignores it and connects.
#[test]
fn encrypted_extensions_ech_must_parse_for_rejected_and_grease_clients() {
    let clock = Clock::new();
    let key = ech_key();
    for mode in [EchMode::Offer(key.config_list()), EchMode::Grease] {
        for body in [vec![], vec![0, 1, 2], vec![0, 4, 0xfe, 0x0d, 0, 9]] {
            let c = client(&clock)
                .ech(mode.clone())
                .build()
                .map(Arc::new)
                .unwrap();
            let s = server(&clock)
                .encrypted_extensions_hook(ee_ech(body.clone()))
                .build()
                .unwrap();
            assert_eq!(
                client_alert(pair(c, s).run()),
                Some(AlertDescription::DECODE_ERROR),
                "{mode:?} {body:?}"
            );
        }
    }
    let retry = EchEncryptedExtensions {
        retry_configs: ech_key().config_list(),
    }
    .to_bytes();
    let c = client(&clock)
        .ech(EchMode::Grease)
        .build()
        .map(Arc::new)
        .unwrap();
    let s = server(&clock)
        .encrypted_extensions_hook(ee_ech(retry))
        .build()
        .unwrap();
    let mut p = pair(c, s);
    p.run().unwrap();
    assert!(pair::has_complete(&p.client_events));
    assert_eq!(p.client.negotiated().ech, EchStatus::Grease);
}

// ------------------------------------- encrypted_client_hello in HRR

/// `hello` (a whole ServerHello / HelloRetryRequest) with `ext` (type,
/// body) appended to its extensions.
fn with_extension(hello: &[u8], typ: u16, body: &[u8]) -> Vec<u8> {
    let sid = hello[38] as usize;
    let ext_at = 39 + sid + 3;
    let mut exts = hello[ext_at + 2..].to_vec();
    exts.extend_from_slice(&typ.to_be_bytes());
    exts.extend_from_slice(&(body.len() as u16).to_be_bytes());
    exts.extend_from_slice(body);
    let mut out = hello[..ext_at].to_vec();
    out.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    out.extend_from_slice(&exts);
    let len = (out.len() - 4) as u32;
    out[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
    out
}

/// The body of the `encrypted_client_hello` of a HelloRetryRequest.
fn hrr_ech_body(hrr: &[u8]) -> Option<Vec<u8>> {
    let sid = hrr[38] as usize;
    let mut rest = &hrr[39 + sid + 3 + 2..];
    while rest.len() >= 4 {
        let typ = u16::from_be_bytes([rest[0], rest[1]]);
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if typ == ExtensionType::ENCRYPTED_CLIENT_HELLO.0 {
            return Some(rest[4..4 + len].to_vec());
        }
        rest = &rest[4 + len..];
    }
    None
}

/// The client's first flight goes to a server that answers with a
/// HelloRetryRequest (P-256 only); `edit` rewrites the HRR, which the
/// client then receives: its error.
fn client_on_edited_retry(
    mode: Option<EchMode>,
    server_keys: Vec<EchKeyPair>,
    edit: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<(), Error> {
    let clock = Clock::new();
    let mut c = client(&clock).groups(&[NamedGroup::X25519, NamedGroup::SECP256R1]);
    if let Some(mode) = mode {
        c = c.ech(mode);
    }
    let mut client = ClientConnection::new(Arc::new(c.build().unwrap()), SECRET).unwrap();
    let s = server(&clock)
        .groups(&[NamedGroup::SECP256R1])
        .ech_keys(server_keys)
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(s)).unwrap();
    let flight = client.pending_output().to_vec();
    client.consume_output(flight.len());
    server.receive(&flight).unwrap();
    let out = server.pending_output().to_vec();
    let recs = pair::records(&out);
    assert_eq!(recs[0].0, 22);
    let hrr = recs[0].1.clone();
    assert_eq!(hrr[0], HandshakeType::SERVER_HELLO.0);
    let edited = edit(&hrr);
    let mut wire = vec![22, 3, 3];
    wire.extend_from_slice(&(edited.len() as u16).to_be_bytes());
    wire.extend_from_slice(&edited);
    client.receive(&wire)
}

/// RFC 9846 §4.2: an extension twice in one message is refused; here
/// the HelloRetryRequest's `encrypted_client_hello`, which a client that
/// sent one (GREASE) otherwise accepts.
#[test]
fn retry_request_with_two_ech_extensions_is_refused() {
    let e = client_on_edited_retry(Some(EchMode::Grease), vec![ech_key()], |hrr| {
        let body = hrr_ech_body(hrr).expect("an ECH server answers GREASE with 8 bytes");
        with_extension(hrr, ExtensionType::ENCRYPTED_CLIENT_HELLO.0, &body)
    })
    .unwrap_err();
    assert!(
        matches!(
            e.alert(),
            Some(AlertDescription::ILLEGAL_PARAMETER | AlertDescription::DECODE_ERROR)
        ),
        "{e:?}"
    );
}

/// §6.1.4, §6.2.1: a HelloRetryRequest's `encrypted_client_hello` to a
/// client that sent none is `unsupported_extension`; to one that did, a
/// body other than 8 bytes is `decode_error`.
#[test]
fn retry_request_ech_extension_unsolicited_or_not_eight_bytes_is_refused() {
    let e = client_on_edited_retry(None, vec![], |hrr| {
        with_extension(hrr, ExtensionType::ENCRYPTED_CLIENT_HELLO.0, &[0; 8])
    })
    .unwrap_err();
    assert_eq!(
        e.alert(),
        Some(AlertDescription::UNSUPPORTED_EXTENSION),
        "{e:?}"
    );
    let key = ech_key();
    for mode in [EchMode::Grease, EchMode::Offer(key.config_list())] {
        for len in [0, 7, 9, 32] {
            let e = client_on_edited_retry(Some(mode.clone()), vec![], |hrr| {
                with_extension(hrr, ExtensionType::ENCRYPTED_CLIENT_HELLO.0, &vec![0; len])
            })
            .unwrap_err();
            assert_eq!(
                e.alert(),
                Some(AlertDescription::DECODE_ERROR),
                "{mode:?} {len}"
            );
        }
    }
}

// ------------------------------------- rejection

/// §6.1.6, §6.1.7: retry_configs count only once the handshake
/// authenticated the public name. A client-facing server with other keys
/// whose certificate is not valid for the public name (here: only for
/// the origin) sends retry_configs; the client fails on the certificate
/// and hands back no configs, stores no session, never connects.
#[test]
fn retry_configs_from_an_unauthenticated_public_name_are_never_surfaced() {
    let clock = Clock::new();
    let stale = ech_key();
    let c = client(&clock)
        .ech(EchMode::Offer(stale.config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let s = server_with(&clock, &pki().secret)
        .ech_keys(vec![ech_key()])
        .build()
        .unwrap();
    let mut p = pair(c, s);
    match p.run() {
        Err((true, Error::InvalidCertificate(_))) => {}
        other => panic!("expected the public name's certificate refused: {other:?}"),
    }
    assert_eq!(p.server.negotiated().ech, EchStatus::Rejected);
    assert!(!pair::has_complete(&p.client_events));
}

/// §6.1.6 with the retry configs the server sent, after its certificate
/// for the public name and its Finished verified: EchRejected carries
/// exactly the server's list, the alert is ech_required, and the session
/// the server issued is not stored (§6.1.7: "MUST ignore all session
/// tickets").
#[test]
fn rejection_surfaces_the_authenticated_retry_configs_and_stores_nothing() {
    let clock = Clock::new();
    let stale = ech_key();
    let current = ech_key();
    let published = current.config_list();
    let cache = Arc::new(tls13::resumption::ClientSessionCache::default());
    let c = client(&clock)
        .session_store(Some(cache.clone()))
        .ech(EchMode::Offer(stale.config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let tickets = Arc::new(tls13::resumption::StatelessTicketer::new(
        Arc::new(OsRandom),
        clock.clone(),
        3600,
    ));
    let s = server(&clock)
        .ech_keys(vec![current])
        .tickets(tickets, 2, 7200)
        .build()
        .unwrap();
    let mut p = pair(c, s);
    match p.run() {
        Err((true, e @ Error::EchRejected { .. })) => {
            assert_eq!(e.alert(), Some(AlertDescription::ECH_REQUIRED));
            let Error::EchRejected { retry_configs } = e else {
                unreachable!()
            };
            assert_eq!(retry_configs, Some(published));
        }
        other => panic!("expected EchRejected: {other:?}"),
    }
    // The client's Finished and alert reach the server, which completes
    // and issues its tickets before it reads the alert; the client, failed,
    // takes none of them.
    let rest = p.client.pending_output().to_vec();
    p.client.consume_output(rest.len());
    assert!(p.server.receive(&rest).is_err());
    p.drain();
    assert!(pair::has_complete(&p.server_events));
    let tickets = p.server.pending_output().to_vec();
    assert!(!tickets.is_empty(), "the server sent its tickets");
    assert!(p.client.receive(&tickets).is_err());
    p.drain();
    assert!(cache.export_all().is_empty());
    assert!(!pair::has_complete(&p.client_events));
}

// ------------------------------------- attacker-sealed inner hellos

/// Anyone holding the published config can seal any bytes as
/// EncodedClientHelloInner: the inner decoder and the handshake behind it
/// are peer input like any ClientHello. `outer` (a real client's
/// ClientHelloOuter, whole) is resealed around `encoded` with a fresh
/// context; the server's answer: Ok, or an error whose alert is the
/// peer's fault, never internal_error (and no panic).
fn server_on_sealed_inner(
    key: &EchKeyPair,
    outer: &ClientHello,
    encoded: &[u8],
) -> Result<(), Error> {
    let list = key.config_list();
    let chosen = list.select(provider()).unwrap();
    let mut sealer = EchSealer::new(provider(), &chosen, &OsRandom).unwrap();
    let mut hello = outer.clone();
    for e in &mut hello.extensions {
        if let ClientExtension::Unknown(u) = e
            && u.typ == ExtensionType::ENCRYPTED_CLIENT_HELLO
        {
            u.body = sealer.placeholder(encoded.len()).to_bytes();
        }
    }
    let msg = HandshakeMessage::ClientHello(hello).to_bytes();
    let mut body = msg[4..].to_vec();
    sealer.seal_client_hello(encoded, &mut body).unwrap();
    let msg = [&msg[..4], &body[..]].concat();
    let clock = Clock::new();
    let s = server(&clock)
        .ech_keys(vec![key_copy(key)])
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(s)).unwrap();
    let mut wire = Vec::new();
    for chunk in msg.chunks(16384) {
        wire.extend_from_slice(&[22, 3, 1]);
        wire.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        wire.extend_from_slice(chunk);
    }
    server.receive(&wire)
}

/// The same key pair again (`EchKeyPair` is not `Clone`).
fn key_copy(key: &EchKeyPair) -> EchKeyPair {
    EchKeyPair::from_parts(
        provider(),
        key.config().clone(),
        &key.private_key().to_bytes(),
    )
    .unwrap()
}

/// Every truncation and a byte flip at every offset of a real
/// EncodedClientHelloInner (uncompressed, and with key_share and
/// supported_versions compressed): each is refused with a peer alert or
/// handled, none is an internal_error.
#[test]
fn attacker_sealed_inner_hellos_never_cause_an_internal_error() {
    let clock = Clock::new();
    let key = ech_key();
    let c = client(&clock)
        .ech(EchMode::Offer(key.config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let probe = ClientConnection::new(c, SECRET).unwrap();
    let outer_raw = first_client_hello(probe.pending_output());
    let inner_raw = match trial_decrypt(
        provider(),
        std::slice::from_ref(&key),
        &outer_raw[4..],
        &TrialPolicy::default(),
    )
    .unwrap()
    {
        EchOutcome::Accepted(a) => a.inner,
        other => panic!("{other:?}"),
    };
    let parse = |raw: &[u8]| match HandshakeMessage::read_exact(raw, "ClientHello").unwrap() {
        HandshakeMessage::ClientHello(h) => h,
        other => panic!("{other:?}"),
    };
    let outer = parse(&outer_raw);
    let inner = parse(&inner_raw);
    let compress = [ExtensionType::SUPPORTED_VERSIONS, ExtensionType::KEY_SHARE];
    let mut tried = 0;
    let mut accepted = 0;
    for compressed in [&[][..], &compress[..]] {
        let encoded = encode_client_hello_inner(&inner, compressed).unwrap();
        // The unmodified one is a valid ECH hello.
        server_on_sealed_inner(&key, &outer, &encoded).unwrap();
        let mut variants: Vec<Vec<u8>> =
            (0..encoded.len()).map(|n| encoded[..n].to_vec()).collect();
        for i in 0..encoded.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut v = encoded.clone();
                v[i] ^= flip;
                variants.push(v);
            }
        }
        // Trailing bytes: zeros are padding, anything else is not.
        variants.push([&encoded[..], &[0; 300][..]].concat());
        variants.push([&encoded[..], &[0, 0, 1][..]].concat());
        for v in variants {
            tried += 1;
            match server_on_sealed_inner(&key, &outer, &v) {
                Ok(()) => accepted += 1,
                Err(e) => assert_ne!(
                    e.alert(),
                    Some(AlertDescription::INTERNAL_ERROR),
                    "{e:?} for {v:02x?}"
                ),
            }
        }
    }
    assert!(tried > 1000 && accepted < tried, "{accepted} of {tried}");
}

/// `outer` with its `encrypted_client_hello` body replaced by `body`,
/// handed to a server holding `key`: its answer and what it settled.
fn server_on_outer_ech(
    key: &EchKeyPair,
    outer: &ClientHello,
    body: Vec<u8>,
) -> (Result<(), Error>, EchStatus) {
    let mut hello = outer.clone();
    for e in &mut hello.extensions {
        if let ClientExtension::Unknown(u) = e
            && u.typ == ExtensionType::ENCRYPTED_CLIENT_HELLO
        {
            u.body = body.clone();
        }
    }
    let msg = HandshakeMessage::ClientHello(hello).to_bytes();
    let clock = Clock::new();
    let s = server(&clock)
        .ech_keys(vec![key_copy(key)])
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(s)).unwrap();
    let mut wire = Vec::new();
    for chunk in msg.chunks(16384) {
        wire.extend_from_slice(&[22, 3, 1]);
        wire.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        wire.extend_from_slice(chunk);
    }
    let r = server.receive(&wire);
    (r, server.negotiated().ech)
}

/// §5, §7.1: an outer ECHClientHello whose payload is empty is
/// `decode_error` (payload<1..>); a maximal one (the hello at 64 KiB), or
/// one with an empty `enc` in the first hello, does not open and the
/// handshake goes on with the outer hello, rejected; a config_id no key
/// has costs nothing and is rejected the same way.
#[test]
fn minimal_and_maximal_outer_payloads() {
    let clock = Clock::new();
    let key = ech_key();
    let id = key.config().contents().unwrap().key_config.config_id;
    let c = client(&clock)
        .ech(EchMode::Offer(key.config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let probe = ClientConnection::new(c, SECRET).unwrap();
    let outer_raw = first_client_hello(probe.pending_output());
    let outer = match HandshakeMessage::read_exact(&outer_raw, "ClientHello").unwrap() {
        HandshakeMessage::ClientHello(h) => h,
        other => panic!("{other:?}"),
    };
    let ech = |config_id: u8, enc: Vec<u8>, payload: Vec<u8>| {
        EchClientHello::Outer(EchOuter {
            cipher_suite: HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM,
            config_id,
            enc,
            payload,
        })
        .to_bytes()
    };
    // Empty payload: the body does not parse.
    let mut empty = ech(id, vec![9; 32], vec![1]);
    empty.truncate(empty.len() - 3);
    empty.extend_from_slice(&[0, 0]);
    let (r, _) = server_on_outer_ech(&key, &outer, empty);
    assert_eq!(r.unwrap_err().alert(), Some(AlertDescription::DECODE_ERROR));
    // The largest payload that keeps the hello within 65536 bytes.
    let room = (1 << 16) - outer_raw.len()
        + EchClientHello::from_body(&{
            let u = outer.extensions.iter().find_map(|e| match e {
                ClientExtension::Unknown(u) if u.typ == ExtensionType::ENCRYPTED_CLIENT_HELLO => {
                    Some(u.body.clone())
                }
                _ => None,
            });
            u.unwrap()
        })
        .map(|e| match e {
            EchClientHello::Outer(o) => o.payload.len(),
            EchClientHello::Inner => 0,
        })
        .unwrap();
    for (config_id, enc, payload) in [
        (id, vec![9; 32], vec![0xa5; room]),
        (id, vec![], vec![0xa5; 200]),
        (id.wrapping_add(1), vec![9; 32], vec![0xa5; 200]),
    ] {
        let (r, status) = server_on_outer_ech(&key, &outer, ech(config_id, enc, payload));
        r.unwrap();
        assert_eq!(status, EchStatus::Rejected);
    }
}

/// §6.1.7 with client authentication required by the (shared-mode)
/// server: rejected, the client answers the CertificateRequest with an
/// empty Certificate (its identity never goes to the client-facing
/// server) and still fails with EchRejected and the retry configs — the
/// server's certificate_required comes after the client's decision.
#[test]
fn rejected_under_required_client_auth_keeps_the_identity_and_the_retry_configs() {
    let clock = Clock::new();
    let id = pair::identity(KeyType::EcdsaP256);
    let current = ech_key();
    let published = current.config_list();
    let c = client(&clock)
        .client_auth_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .ech(EchMode::Offer(ech_key().config_list()))
        .build()
        .map(Arc::new)
        .unwrap();
    let s = server(&clock)
        .client_auth(tls13::ClientAuth::Required(pair::pinned_client(
            KeyType::EcdsaP256,
        )))
        .ech_keys(vec![current])
        .build()
        .unwrap();
    let mut p = pair(c, s);
    match p.run() {
        Err((true, Error::EchRejected { retry_configs })) => {
            assert_eq!(retry_configs, Some(published))
        }
        other => panic!("expected EchRejected: {other:?}"),
    }
    let rest = p.client.pending_output().to_vec();
    p.client.consume_output(rest.len());
    // The server read an empty Certificate: had the client sent its
    // identity, the server (which trusts it) would have completed.
    let e = p.server.receive(&rest).unwrap_err();
    assert_eq!(
        e.alert(),
        Some(AlertDescription::CERTIFICATE_REQUIRED),
        "{e:?}"
    );
    assert!(p.server.negotiated().peer_certificates.is_empty());
}

/// Regression. A peer's ECH that broke RFC 9849 (`Error::Ech`) is bad
/// peer data to a stream user, as every other peer error is
/// (`InvalidData`); it read as `Other`.
#[test]
fn peer_ech_errors_are_invalid_data_on_streams() {
    let e = Error::from(tls13::ech::EchError::NonZeroPadding);
    assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    assert_eq!(
        tls13::stream::to_io_error(e).kind(),
        std::io::ErrorKind::InvalidData
    );
}

// ------------------------------------- the second ClientHello, rejected

/// `raw` (a whole ClientHello) with its `encrypted_client_hello` body
/// replaced by `body`.
fn replace_ech_body(raw: &[u8], body: &[u8]) -> Vec<u8> {
    let HandshakeMessage::ClientHello(mut hello) =
        HandshakeMessage::read_exact(raw, "ClientHello").unwrap()
    else {
        panic!("not a ClientHello");
    };
    let mut found = false;
    for e in &mut hello.extensions {
        if let ClientExtension::Unknown(u) = e
            && u.typ == ExtensionType::ENCRYPTED_CLIENT_HELLO
        {
            u.body = body.to_vec();
            found = true;
        }
    }
    assert!(found, "no encrypted_client_hello");
    HandshakeMessage::ClientHello(hello).to_bytes()
}

/// Regression. §7: "A shared mode server which receives a ClientHello
/// with ECHClientHello.type of inner MUST abort with an
/// "illegal_parameter" alert", and so for a type that is none; that
/// holds for the second ClientHello too, which after a rejection the
/// server does not decrypt (§7.1.1). A GREASE client's second hello with
/// its extension turned into type inner, or type 2, or a truncated outer
/// body, went through as the outer hello it was.
#[test]
fn second_hello_after_rejection_with_ech_of_type_inner_or_unknown_is_refused() {
    for (body, alert) in [
        (vec![1], AlertDescription::ILLEGAL_PARAMETER),
        (vec![2, 0, 0], AlertDescription::ILLEGAL_PARAMETER),
        (vec![0, 0, 1, 0, 1], AlertDescription::DECODE_ERROR),
    ] {
        let clock = Clock::new();
        let c = client(&clock)
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .ech(EchMode::Grease)
            .build()
            .unwrap();
        let mut client = ClientConnection::new(Arc::new(c), SECRET).unwrap();
        let s = server(&clock)
            .groups(&[NamedGroup::SECP256R1])
            .ech_keys(vec![ech_key()])
            .build()
            .unwrap();
        let mut server = ServerConnection::new(Arc::new(s)).unwrap();
        let ch1 = client.pending_output().to_vec();
        client.consume_output(ch1.len());
        server.receive(&ch1).unwrap();
        assert_eq!(server.negotiated().ech, EchStatus::Rejected);
        let hrr = server.pending_output().to_vec();
        server.consume_output(hrr.len());
        client.receive(&hrr).unwrap();
        let flight = client.pending_output().to_vec();
        // The second hello, in its own handshake record (a CCS may
        // precede it), with the extension edited.
        let mut wire = Vec::new();
        for (typ, payload) in pair::records(&flight) {
            let payload = if typ == 22 {
                replace_ech_body(&payload, &body)
            } else {
                payload
            };
            wire.extend_from_slice(&[typ, 3, 3]);
            wire.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            wire.extend_from_slice(&payload);
        }
        let e = server.receive(&wire).unwrap_err();
        assert_eq!(e.alert(), Some(alert), "{body:?}: {e:?}");
    }
}
