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
    EchConfigBuilder, EchEncryptedExtensions, EchKeyPair, EchMode, EchOutcome, TrialPolicy,
    trial_decrypt,
};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{AlertDescription, ExtensionType, HandshakeType, NamedGroup};
use tls13::unstable::msgs::extensions::ServerExtension;
use tls13::unstable::msgs::handshake::UnknownExtension;
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
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let sans = vec![
            SubjectAltName::Dns(PUBLIC.into()),
            SubjectAltName::Dns(SECRET.into()),
        ];
        let cert = ca
            .issue(&sans, &key, pair::NOT_BEFORE, pair::NOT_AFTER, &rng)
            .unwrap();
        let anchor = TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap();
        Pki {
            ca: ca.cert_der().to_vec(),
            both: (cert, key.to_vec()),
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
    let (cert, key) = &pki().both;
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
