//! The ECH client (RFC 9849 §6) wired into the handshake: what goes on
//! the wire (the outer hello hides the inner name, ALPN and ticket, and
//! its length does not depend on the name), the rejected path against a
//! server without ECH keys (§6.1.6, §6.1.7), and GREASE (§6.2.1).
//!
//! The outer hellos are opened with `tls13::ech::trial_decrypt` and the
//! config's key pair, as a client-facing server would.

mod pair;

use std::sync::{Arc, OnceLock};

use pair::{Clock, Feed, Pair};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::sign::SigningKey;
use tls13::crypto::{CryptoProvider, OsRandom};
use tls13::ech::{
    EchClientHello, EchConfigBuilder, EchEncryptedExtensions, EchKeyPair, EchMode, EchOutcome,
    HpkeSymmetricCipherSuite, TrialPolicy, trial_decrypt,
};
use tls13::hpke::{HpkeAeadId, HpkeKdfId, HpkeKemId, Suite};
use tls13::resumption::ClientSessionCache;
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{AlertDescription, ExtensionType, HandshakeType, NamedGroup};
use tls13::unstable::msgs::extensions::ServerExtension;
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, UnknownExtension,
};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::{Policy, TrustAnchor};
use tls13::{
    ClientAuth, ClientConfig, ClientConnection, EchStatus, Error, Event, ServerConfig,
    ServerConnection,
};

/// The client-facing server's name (the configs' public_name).
const PUBLIC: &str = "public.example";
/// The origin the client wants, which must never appear in clear.
const SECRET: &str = "secret.example";
/// An ALPN protocol only the inner hello may name.
const ALPN: &[u8] = b"secret-protocol";
/// The session scope the connections to SECRET share.
const SCOPE: &str = "secret.example:443";

fn provider() -> &'static CryptoProvider {
    tls13::crypto::default_provider()
}

// ------------------------------------------------------------ identities

/// A CA and three leaves: for the public name, for the secret name, for
/// both.
struct Pki {
    ca: Vec<u8>,
    public: (Vec<u8>, Vec<u8>),
    secret: (Vec<u8>, Vec<u8>),
    both: (Vec<u8>, Vec<u8>),
    verifier: Arc<WebPkiServerVerifier>,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let rng = OsRandom;
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new(
            "ECH test CA",
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
            public: leaf(&[PUBLIC]),
            secret: leaf(&[SECRET]),
            both: leaf(&[PUBLIC, SECRET]),
            verifier: Arc::new(WebPkiServerVerifier::new(vec![anchor], Policy::default())),
        }
    })
}

/// One test's shared state: the clock, the client's session cache, the
/// server's ticket key.
struct World {
    clock: Arc<Clock>,
    cache: Arc<ClientSessionCache>,
    tickets: Arc<tls13::resumption::StatelessTicketer>,
}

impl World {
    fn new() -> Self {
        let clock = Clock::new();
        Self {
            tickets: Arc::new(tls13::resumption::StatelessTicketer::new(
                Arc::new(OsRandom),
                clock.clone(),
                3600,
            )),
            clock,
            cache: Arc::new(ClientSessionCache::default()),
        }
    }

    /// A client trusting the test CA (the name is checked), on the
    /// clock, sharing the cache.
    fn client(&self) -> tls13::config::ClientConfigBuilder {
        ClientConfig::builder(pki().verifier.clone())
            .time(self.clock.clone())
            .session_store(Some(self.cache.clone()))
            .alpn_protocols(&[ALPN])
    }

    /// A server without ECH keys presenting `leaf`, issuing tickets.
    fn server(&self, leaf: &(Vec<u8>, Vec<u8>)) -> tls13::config::ServerConfigBuilder {
        ServerConfig::builder_with_single_cert(
            vec![leaf.0.clone(), pki().ca.clone()],
            SigningKey::from_der(&leaf.1).unwrap(),
        )
        .time(self.clock.clone())
        .tickets(self.tickets.clone(), 1, 7200)
    }

    /// How many sessions the client holds.
    fn sessions(&self) -> usize {
        self.cache.export_all().len()
    }
}

/// An ECH key pair for PUBLIC.
fn ech_key(max_name: u8) -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .maximum_name_length(max_name)
        .generate(provider(), &OsRandom)
        .unwrap()
}

fn offer(key: &EchKeyPair) -> EchMode {
    EchMode::Offer(key.config_list())
}

/// A pair whose client connects to SECRET in [`SCOPE`].
fn pair(client: ClientConfig, server: ServerConfig) -> Pair {
    Pair::from_connections(
        ClientConnection::with_session_scope(Arc::new(client), SECRET, SCOPE).unwrap(),
        ServerConnection::new(Arc::new(server)).unwrap(),
        Feed::Whole,
    )
}

/// A plain (no ECH) handshake to SECRET that leaves a session in the
/// cache; returns the ticket the client stored.
fn plain_session(w: &World, early: bool) -> Vec<u8> {
    let client = w.client().enable_early_data(early).build().unwrap();
    let server = w
        .server(&pki().secret)
        .alpn_protocols(&[ALPN])
        .max_early_data_size(if early { 1000 } else { 0 })
        .build()
        .unwrap();
    let mut p = pair(client, server);
    p.run().unwrap();
    assert!(pair::has_complete(&p.client_events));
    assert_eq!(w.sessions(), 1);
    p.client_events
        .iter()
        .find_map(|e| match e {
            Event::NewSessionTicket(t) => Some(t.ticket.clone()),
            _ => None,
        })
        .expect("a ticket")
}

// ------------------------------------------------------------ wire helpers

/// The handshake messages in `wire`'s plaintext handshake records (the
/// hellos), whole.
fn plaintext_handshake(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut stream = Vec::new();
    for (typ, payload) in pair::records(wire) {
        if typ == 22 {
            stream.extend_from_slice(&payload);
        }
        // Past the first encrypted record nothing is plaintext.
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

fn client_hello(raw: &[u8]) -> ClientHello {
    match HandshakeMessage::read_exact(raw, "ClientHello").unwrap() {
        HandshakeMessage::ClientHello(h) => h,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// The client's ClientHellos in `wire`.
fn client_hellos(wire: &[u8]) -> Vec<Vec<u8>> {
    plaintext_handshake(wire)
        .into_iter()
        .filter(|m| m[0] == HandshakeType::CLIENT_HELLO.0)
        .collect()
}

fn sni(h: &ClientHello) -> Option<String> {
    h.extensions.iter().find_map(|e| match e {
        ClientExtension::ServerName(names) => names
            .first()
            .map(|(_, n)| String::from_utf8(n.to_vec()).unwrap()),
        _ => None,
    })
}

fn ech_extension(h: &ClientHello) -> Option<EchClientHello> {
    h.extensions.iter().find_map(|e| match e {
        ClientExtension::Unknown(UnknownExtension { typ, body })
            if *typ == ExtensionType::ENCRYPTED_CLIENT_HELLO =>
        {
            Some(EchClientHello::from_body(body).unwrap())
        }
        _ => None,
    })
}

fn extension_body(h: &ClientHello, typ: ExtensionType) -> Option<Vec<u8>> {
    h.find(typ).map(|e| {
        let mut out = Vec::new();
        e.encode(&mut out);
        out[4..].to_vec()
    })
}

/// The PSK identity a hello offers.
fn psk_identity(h: &ClientHello) -> Option<Vec<u8>> {
    h.extensions.iter().find_map(|e| match e {
        ClientExtension::PreSharedKey(offer) => {
            offer.identities.first().map(|i| i.identity.clone())
        }
        _ => None,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Opens an outer hello (whole message) with `key`: the inner hello.
fn open(key: &EchKeyPair, outer: &[u8]) -> Vec<u8> {
    match trial_decrypt(
        provider(),
        std::slice::from_ref(key),
        &outer[4..],
        &TrialPolicy::default(),
    )
    .unwrap()
    {
        EchOutcome::Accepted(a) => a.inner,
        _ => panic!("the outer hello does not open with the config's key"),
    }
}

// ------------------------------------------------------------ (a) the offer

/// §6.1, §6.1.2, §10.5: with a ticket for the origin, the wire carries
/// neither the origin's name, nor the ALPN protocol, nor the ticket; the
/// outer hello names the public name, offers a GREASE PSK of the same
/// length and copies psk_key_exchange_modes, key_share, supported_groups;
/// the sealed inner hello has all of the real values.
#[test]
fn outer_hello_hides_the_inner_name_alpn_and_ticket() {
    let w = World::new();
    let ticket = plain_session(&w, false);
    let key = ech_key(0);
    let client = w.client().ech(offer(&key)).build().unwrap();
    let conn = ClientConnection::with_session_scope(Arc::new(client), SECRET, SCOPE).unwrap();
    let wire = conn.pending_output().to_vec();

    for secret in [SECRET.as_bytes(), ALPN, &ticket[..]] {
        assert!(
            !contains(&wire, secret),
            "{:?} in clear",
            String::from_utf8_lossy(secret)
        );
    }
    let hellos = client_hellos(&wire);
    assert_eq!(hellos.len(), 1);
    let outer = client_hello(&hellos[0]);
    assert_eq!(sni(&outer).as_deref(), Some(PUBLIC));
    assert!(
        outer
            .find(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
            .is_none()
    );
    let Some(EchClientHello::Outer(ech)) = ech_extension(&outer) else {
        panic!("no outer encrypted_client_hello");
    };
    assert_eq!(
        ech.config_id,
        key.config().contents().unwrap().key_config.config_id
    );
    assert!(!ech.enc.is_empty());
    // §6.1.2: GREASE identity of the ticket's length, not the ticket.
    let grease = psk_identity(&outer).expect("a GREASE pre_shared_key");
    assert_eq!(grease.len(), ticket.len());
    assert_ne!(grease, ticket);
    assert!(outer.find(ExtensionType::PSK_KEY_EXCHANGE_MODES).is_some());
    // pre_shared_key last, the encrypted_client_hello just before it.
    let types: Vec<ExtensionType> = outer.extensions.iter().map(|e| e.typ()).collect();
    assert_eq!(types.last(), Some(&ExtensionType::PRE_SHARED_KEY));
    assert_eq!(
        types[types.len() - 2],
        ExtensionType::ENCRYPTED_CLIENT_HELLO
    );

    let inner = client_hello(&open(&key, &hellos[0]));
    assert_eq!(sni(&inner).as_deref(), Some(SECRET));
    assert_eq!(
        extension_body(
            &inner,
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION
        )
        .unwrap()[3..],
        *ALPN
    );
    assert_eq!(ech_extension(&inner), Some(EchClientHello::Inner));
    assert_eq!(psk_identity(&inner), Some(ticket));
    // §6.1 rule 3, 4: the session id copied, a fresh random.
    assert_eq!(inner.legacy_session_id, outer.legacy_session_id);
    assert_ne!(inner.random, outer.random);
    // The compressed extensions came back from the outer hello as sent.
    for typ in [
        ExtensionType::SUPPORTED_GROUPS,
        ExtensionType::SIGNATURE_ALGORITHMS,
        ExtensionType::SUPPORTED_VERSIONS,
        ExtensionType::KEY_SHARE,
        ExtensionType::PSK_KEY_EXCHANGE_MODES,
    ] {
        assert_eq!(
            extension_body(&inner, typ),
            extension_body(&outer, typ),
            "{typ:?}"
        );
    }
}

/// §6.1.3: two origin names of different lengths, both within the
/// config's maximum_name_length, give outer hellos of one length.
#[test]
fn outer_length_does_not_depend_on_the_inner_name() {
    let key = ech_key(40);
    let w = World::new();
    let client = Arc::new(w.client().ech(offer(&key)).build().unwrap());
    let len = |name: &str| {
        let conn = ClientConnection::new(client.clone(), name).unwrap();
        let hellos = client_hellos(conn.pending_output());
        assert_eq!(
            sni(&client_hello(&open(&key, &hellos[0]))).as_deref(),
            Some(name)
        );
        hellos[0].len()
    };
    let short = len("a.example");
    let long = len("a-much-longer-name-for-the-origin.example");
    assert_eq!(short, long);
    // Without the padding the two would differ by the names' lengths:
    // the same names under a config with no maximum differ.
    let key0 = ech_key(0);
    let client0 = Arc::new(w.client().ech(offer(&key0)).build().unwrap());
    let len0 = |name: &str| {
        let conn = ClientConnection::new(client0.clone(), name).unwrap();
        client_hellos(conn.pending_output())[0].len()
    };
    assert_ne!(
        len0("a.example"),
        len0("a-much-longer-name-for-the-origin.example")
    );
}

/// §6.1.3: an origin reached by IP address sends no server_name inside;
/// the inner hello is padded as if it had one of maximum_name_length
/// (M + 9 bytes), and the outer hello still names the public name.
#[test]
fn origin_by_ip_address_is_padded_like_a_name() {
    let key = ech_key(40);
    let w = World::new();
    let client = Arc::new(w.client().ech(offer(&key)).build().unwrap());
    let hello = |name: &str| {
        let conn = ClientConnection::new(client.clone(), name).unwrap();
        client_hellos(conn.pending_output()).remove(0)
    };
    let by_ip = hello("192.0.2.7");
    let outer = client_hello(&by_ip);
    assert_eq!(sni(&outer).as_deref(), Some(PUBLIC));
    assert_eq!(sni(&client_hello(&open(&key, &by_ip))), None);
    assert_eq!(by_ip.len(), hello("a.example").len());
}

/// The hook edits one hello and ECH sends two: refused at build. Over
/// QUIC, refused at connection start.
#[test]
fn offer_with_a_hook_or_over_quic_is_refused() {
    let key = ech_key(0);
    let w = World::new();
    let e = w
        .client()
        .ech(offer(&key))
        .client_hello_hook(Arc::new(|_: &mut ClientHello| {}))
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::BadConfig(ref m) if m.contains("hook")),
        "{e:?}"
    );
    for mode in [offer(&key), EchMode::Grease] {
        let client = w.client().ech(mode).build().unwrap();
        let e = tls13::quic::ClientConnection::new(
            Arc::new(client),
            SECRET,
            tls13::quic::Version::V1,
            vec![],
        )
        .err()
        .unwrap();
        assert!(
            matches!(e, Error::BadConfig(ref m) if m.contains("QUIC")),
            "{e:?}"
        );
    }
}

// ------------------------------------------------- (b) rejected (§6.1.6)

/// Runs `p` to the client's failure and hands its last flight to the
/// server; returns the client's error and the server's.
fn run_to_rejection(p: &mut Pair) -> (Error, Option<Error>) {
    let e = match p.run() {
        Err((true, e)) => e,
        other => panic!("the client did not fail: {other:?}"),
    };
    let rest = p.client.pending_output().to_vec();
    p.client.consume_output(rest.len());
    p.client_wire.extend_from_slice(&rest);
    let server = p.server.receive(&rest).err();
    p.drain();
    (e, server)
}

/// A server without ECH keys ignores the extension: the handshake runs on
/// the outer hello, authenticated for the public name; the client then
/// fails with EchRejected (no retry configs: ECH securely off), having
/// sent its Finished and ech_required, never its application data, and
/// stored no ticket.
#[test]
fn rejected_by_a_server_without_ech() {
    let w = World::new();
    let key = ech_key(0);
    let client = w.client().ech(offer(&key)).build().unwrap();
    let server = w.server(&pki().public).build().unwrap();
    let mut p = pair(client, server);
    // Queued before the handshake: must never be sent.
    p.client.send(b"secret request").unwrap();
    let (e, server_err) = run_to_rejection(&mut p);
    assert!(
        matches!(
            e,
            Error::EchRejected {
                retry_configs: None
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.alert(), Some(AlertDescription::ECH_REQUIRED));
    // The server read our Finished (its handshake completed), then the
    // alert: both under the keys it expects.
    assert!(pair::has_complete(&p.server_events));
    assert!(
        matches!(
            server_err,
            Some(Error::AlertReceived(AlertDescription::ECH_REQUIRED))
        ),
        "{server_err:?}"
    );
    assert!(pair::take_data(&mut p.server).is_empty());
    assert!(!pair::has_complete(&p.client_events));
    assert_eq!(p.client.negotiated().ech, EchStatus::Rejected);
    assert_eq!(w.sessions(), 0);
    assert!(!contains(&p.client_wire, SECRET.as_bytes()));
    // The connection stays failed.
    assert!(p.client.send(b"more").is_err());
}

/// §6.1.7: rejected, the certificate must be valid for the public name;
/// one valid only for the origin is refused.
#[test]
fn rejected_needs_a_certificate_for_the_public_name() {
    let w = World::new();
    let key = ech_key(0);
    let client = w.client().ech(offer(&key)).build().unwrap();
    let server = w.server(&pki().secret).build().unwrap();
    let mut p = pair(client, server);
    match p.run() {
        Err((true, Error::InvalidCertificate(_))) => {}
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert_eq!(w.sessions(), 0);
}

/// §6.1.7: a CertificateRequest after a rejection gets an empty
/// Certificate, although the client has an identity.
#[test]
fn rejected_answers_a_certificate_request_with_an_empty_certificate() {
    let w = World::new();
    let key = ech_key(0);
    let id = pair::identity(KeyType::EcdsaP256);
    let client = w
        .client()
        .client_auth_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .ech(offer(&key))
        .build()
        .unwrap();
    let server = w
        .server(&pki().public)
        .client_auth(ClientAuth::Optional(pair::pinned_client(
            KeyType::EcdsaP256,
        )))
        .build()
        .unwrap();
    let mut p = pair(client, server);
    let (e, _) = run_to_rejection(&mut p);
    assert!(matches!(e, Error::EchRejected { .. }), "{e:?}");
    assert!(pair::has_complete(&p.server_events));
    assert!(p.server.negotiated().peer_certificates.is_empty());
    assert!(!contains(&p.client_wire, &id.leaf));
}

/// Rejected, 0-RTT written for the origin is refused (the outer hello's
/// early_data, rule 7) and handed back.
#[test]
fn rejected_hands_back_early_data() {
    let w = World::new();
    plain_session(&w, true);
    let key = ech_key(0);
    let client = w
        .client()
        .enable_early_data(true)
        .ech(offer(&key))
        .build()
        .unwrap();
    let server = w
        .server(&pki().both)
        .max_early_data_size(1000)
        .build()
        .unwrap();
    let mut p = pair(client, server);
    assert_eq!(p.client.send_early_data(b"early secret").unwrap(), 12);
    let outer = client_hello(&client_hellos(p.client.pending_output())[0]);
    assert!(outer.find(ExtensionType::EARLY_DATA).is_some());
    let (e, _) = run_to_rejection(&mut p);
    assert!(matches!(e, Error::EchRejected { .. }), "{e:?}");
    let back: Vec<Vec<u8>> = p
        .client_events
        .iter()
        .filter_map(|ev| match ev {
            Event::EarlyDataRejected(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(back, vec![b"early secret".to_vec()]);
    assert!(
        !p.server_events
            .iter()
            .any(|ev| matches!(ev, Event::EarlyData(_)))
    );
    assert!(!p.server.negotiated().resumed);
    // The ticket was taken for the offer and no new one stored.
    assert_eq!(w.sessions(), 0);
}

/// A server hook that puts an `encrypted_client_hello` of `body` into
/// EncryptedExtensions.
fn ee_ech(body: Vec<u8>) -> tls13::config::EncryptedExtensionsHook {
    Arc::new(move |ee: &mut Vec<ServerExtension>| {
        ee.push(ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: body.clone(),
        }));
    })
}

/// §6.1.6: the retry configs of a rejecting server's EncryptedExtensions
/// come back in the error, as sent.
#[test]
fn rejected_reports_the_retry_configs() {
    let w = World::new();
    let key = ech_key(0);
    let fresh = ech_key(0).config_list();
    let client = w.client().ech(offer(&key)).build().unwrap();
    let server = w
        .server(&pki().public)
        .encrypted_extensions_hook(ee_ech(
            EchEncryptedExtensions {
                retry_configs: fresh.clone(),
            }
            .to_bytes(),
        ))
        .build()
        .unwrap();
    let mut p = pair(client, server);
    let (e, _) = run_to_rejection(&mut p);
    match e {
        Error::EchRejected {
            retry_configs: Some(list),
        } => assert_eq!(list, fresh),
        other => panic!("{other:?}"),
    }
}

/// §6.1.6, §6.2.1: an EncryptedExtensions ECH that does not parse is
/// decode_error, offered (rejected) or GREASE.
#[test]
fn malformed_retry_configs_are_decode_error() {
    let key = ech_key(0);
    for (mode, leaf) in [
        (offer(&key), &pki().public),
        (EchMode::Grease, &pki().secret),
    ] {
        let w = World::new();
        let client = w.client().ech(mode).build().unwrap();
        let server = w
            .server(leaf)
            .encrypted_extensions_hook(ee_ech(vec![0, 3, 1, 2, 3]))
            .build()
            .unwrap();
        let mut p = pair(client, server);
        match p.run() {
            Err((true, e)) => assert_eq!(e.alert(), Some(AlertDescription::DECODE_ERROR), "{e:?}"),
            other => panic!("{other:?}"),
        }
    }
}

/// Splices an extension (type, body) into the first ServerHello or
/// HelloRetryRequest of a server flight (a plaintext record), fixing the
/// lengths.
fn splice_into_server_hello(flight: &[u8], typ: u16, body: &[u8]) -> Vec<u8> {
    assert_eq!(flight[0], 22);
    let rec_len = u16::from_be_bytes([flight[3], flight[4]]) as usize;
    let record = &flight[5..5 + rec_len];
    let msg_len = u32::from_be_bytes([0, record[1], record[2], record[3]]) as usize;
    let mut msg = record[..4 + msg_len].to_vec();
    let after_msg = &record[4 + msg_len..];
    // header 4, version 2, random 32, session id, suite 2, compression 1.
    let sid = msg[38] as usize;
    let ext_at = 4 + 2 + 32 + 1 + sid + 3;
    let ext_len = u16::from_be_bytes([msg[ext_at], msg[ext_at + 1]]) as usize;
    let mut ext = typ.to_be_bytes().to_vec();
    ext.extend_from_slice(&(body.len() as u16).to_be_bytes());
    ext.extend_from_slice(body);
    msg.extend_from_slice(&ext);
    let new_ext = (ext_len + ext.len()) as u16;
    msg[ext_at..ext_at + 2].copy_from_slice(&new_ext.to_be_bytes());
    let new_msg = (msg.len() - 4) as u32;
    msg[1..4].copy_from_slice(&new_msg.to_be_bytes()[1..]);
    let mut payload = msg;
    payload.extend_from_slice(after_msg);
    let mut out = vec![22, flight[1], flight[2]];
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&flight[5 + rec_len..]);
    out
}

/// §6.1.2: a ServerHello that rejects ECH (no confirmation) and selects a
/// PSK — only the GREASE one was offered outside — is illegal_parameter.
#[test]
fn rejecting_server_hello_with_a_psk_is_illegal_parameter() {
    let w = World::new();
    plain_session(&w, false);
    let key = ech_key(0);
    let client = w.client().ech(offer(&key)).build().unwrap();
    let server = w.server(&pki().public).build().unwrap();
    let mut p = pair(client, server);
    let ch = p.client.pending_output().to_vec();
    p.client.consume_output(ch.len());
    p.server.receive(&ch).unwrap();
    let flight = p.server.pending_output().to_vec();
    let forged = splice_into_server_hello(&flight, 0x0029, &[0, 0]);
    let e = p.client.receive(&forged).unwrap_err();
    assert_eq!(
        e.alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{e:?}"
    );
}

/// A client whose first share the server does not take: it asks for
/// secp256r1 in a HelloRetryRequest.
fn hrr_groups(b: tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder {
    b.groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
}

/// §6.1.4: a HelloRetryRequest without ECH rejects it; the second hello
/// is the first ClientHelloOuter updated as RFC 9846 §4.1.2 allows (the
/// public name, the same random, its GREASE PSK identity with a new
/// binder) with its `encrypted_client_hello` unchanged, which a server
/// that does not know ECH holds it to; the handshake runs on to the
/// rejection.
#[test]
fn hello_retry_without_ech_rejects_and_the_second_hello_is_outer() {
    let w = World::new();
    let ticket = plain_session(&w, false);
    let key = ech_key(0);
    let client = hrr_groups(w.client()).ech(offer(&key)).build().unwrap();
    let server = w
        .server(&pki().public)
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = pair(client, server);
    let (e, server_err) = run_to_rejection(&mut p);
    assert!(matches!(e, Error::EchRejected { .. }), "{e:?}");
    assert!(p.client.negotiated().hello_retry);
    assert!(matches!(
        server_err,
        Some(Error::AlertReceived(AlertDescription::ECH_REQUIRED))
    ));
    let hellos = client_hellos(&p.client_wire);
    assert_eq!(hellos.len(), 2);
    let (first, second) = (client_hello(&hellos[0]), client_hello(&hellos[1]));
    assert_eq!(sni(&second).as_deref(), Some(PUBLIC));
    assert_eq!(first.random, second.random);
    assert!(matches!(
        ech_extension(&second),
        Some(EchClientHello::Outer(_))
    ));
    assert_eq!(
        extension_body(&first, ExtensionType::ENCRYPTED_CLIENT_HELLO),
        extension_body(&second, ExtensionType::ENCRYPTED_CLIENT_HELLO)
    );
    let grease = psk_identity(&second).expect("the GREASE PSK again");
    assert_eq!(psk_identity(&first), Some(grease.clone()));
    assert_ne!(grease, ticket);
    assert_ne!(
        extension_body(&first, ExtensionType::PRE_SHARED_KEY),
        extension_body(&second, ExtensionType::PRE_SHARED_KEY)
    );
    assert!(!contains(&p.client_wire, SECRET.as_bytes()));
    assert!(!contains(&p.client_wire, &ticket));
}

/// §6.1.4: an `encrypted_client_hello` in a HelloRetryRequest that is not
/// 8 bytes is decode_error.
#[test]
fn hello_retry_ech_of_another_length_is_decode_error() {
    for len in [7usize, 9] {
        let w = World::new();
        let key = ech_key(0);
        let client = hrr_groups(w.client()).ech(offer(&key)).build().unwrap();
        let server = w
            .server(&pki().public)
            .groups(&[NamedGroup::SECP256R1])
            .build()
            .unwrap();
        let mut p = pair(client, server);
        let ch = p.client.pending_output().to_vec();
        p.client.consume_output(ch.len());
        p.server.receive(&ch).unwrap();
        let flight = p.server.pending_output().to_vec();
        let forged = splice_into_server_hello(&flight, 0xfe0d, &vec![0; len]);
        let e = p.client.receive(&forged).unwrap_err();
        assert_eq!(
            e.alert(),
            Some(AlertDescription::DECODE_ERROR),
            "{len}: {e:?}"
        );
    }
}

// ------------------------------------------------------------ (c) GREASE

/// §6.2.1: GREASE against a server without ECH: the handshake completes
/// with the real name; the extension is an outer one with a valid X25519
/// `enc` and a payload as long as a padded inner hello plus the tag.
#[test]
fn grease_against_a_plain_server() {
    let w = World::new();
    let client = w.client().ech(EchMode::Grease).build().unwrap();
    let server = w
        .server(&pki().secret)
        .alpn_protocols(&[ALPN])
        .build()
        .unwrap();
    let mut p = pair(client, server);
    p.run().unwrap();
    assert!(pair::has_complete(&p.client_events));
    assert_eq!(p.client.negotiated().ech, EchStatus::Grease);
    assert_eq!(p.server.negotiated().ech, EchStatus::NotOffered);
    assert_eq!(p.client.negotiated().alpn.as_deref(), Some(ALPN));
    // A GREASE connection stores its tickets as any other.
    assert_eq!(w.sessions(), 1);
    let hello = client_hello(&client_hellos(&p.client_wire)[0]);
    assert_eq!(sni(&hello).as_deref(), Some(SECRET));
    let Some(EchClientHello::Outer(ech)) = ech_extension(&hello) else {
        panic!("no GREASE encrypted_client_hello");
    };
    assert_eq!(ech.enc.len(), 32);
    assert_eq!(ech.payload.len() % 32, 16);
    assert!(ech.payload.len() >= 128, "{}", ech.payload.len());
}

/// §6.2.1: after a HelloRetryRequest the GREASE extension is copied
/// unchanged; a HelloRetryRequest ECH of 8 bytes is ignored; a
/// EncryptedExtensions retry_configs is ignored too.
#[test]
fn grease_after_hello_retry_copies_the_extension() {
    let w = World::new();
    let client = hrr_groups(w.client()).ech(EchMode::Grease).build().unwrap();
    let server = w
        .server(&pki().secret)
        .groups(&[NamedGroup::SECP256R1])
        .encrypted_extensions_hook(ee_ech(
            EchEncryptedExtensions {
                retry_configs: ech_key(0).config_list(),
            }
            .to_bytes(),
        ))
        .build()
        .unwrap();
    let mut p = pair(client, server);
    p.run().unwrap();
    assert!(pair::has_complete(&p.client_events));
    assert!(p.client.negotiated().hello_retry);
    assert_eq!(p.client.negotiated().ech, EchStatus::Grease);
    let hellos = client_hellos(&p.client_wire);
    assert_eq!(hellos.len(), 2);
    let (a, b) = (client_hello(&hellos[0]), client_hello(&hellos[1]));
    assert_eq!(
        extension_body(&a, ExtensionType::ENCRYPTED_CLIENT_HELLO),
        extension_body(&b, ExtensionType::ENCRYPTED_CLIENT_HELLO)
    );
}

/// GREASE with a HelloRetryRequest carrying 8 bytes of ECH (as a GREASE
/// server would, §6.2.2's counterpart): syntax checked, ignored.
#[test]
fn grease_ignores_a_hello_retry_ech() {
    let w = World::new();
    let client = hrr_groups(w.client()).ech(EchMode::Grease).build().unwrap();
    let server = w
        .server(&pki().secret)
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = pair(client, server);
    let ch = p.client.pending_output().to_vec();
    p.client.consume_output(ch.len());
    p.server.receive(&ch).unwrap();
    let flight = p.server.pending_output().to_vec();
    // Accepted by the client; the server's transcript then differs, which
    // the handshake would catch later: only the client's reading matters.
    let forged = splice_into_server_hello(&flight, 0xfe0d, &[7; 8]);
    p.client.receive(&forged).unwrap();
    assert_eq!(client_hellos(p.client.pending_output()).len(), 1);
}

// ------------------------------------ against the ECH server (§6.1.5, §7)

/// The same key pair again (a server config takes its keys by value).
fn copy(key: &EchKeyPair) -> EchKeyPair {
    EchKeyPair::from_parts(
        provider(),
        key.config().clone(),
        &key.private_key().to_bytes(),
    )
    .unwrap()
}

/// A server with `keys` presenting the leaf for both names.
fn ech_server(w: &World, keys: Vec<EchKeyPair>) -> tls13::config::ServerConfigBuilder {
    w.server(&pki().both).alpn_protocols(&[ALPN]).ech_keys(keys)
}

/// Application data both ways.
fn echo(p: &mut Pair) {
    p.client.send(b"ping").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"ping");
    p.server.send(b"pong").unwrap();
    p.run().unwrap();
    assert_eq!(p.client_data(), b"pong");
}

/// The HPKE suites the provider runs, as configs may list them.
fn all_suites() -> Vec<(HpkeKemId, HpkeSymmetricCipherSuite)> {
    let mut out = Vec::new();
    for kem in [
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        HpkeKemId::DHKEM_P256_HKDF_SHA256,
    ] {
        for kdf_id in [
            HpkeKdfId::HKDF_SHA256,
            HpkeKdfId::HKDF_SHA384,
            HpkeKdfId::HKDF_SHA512,
        ] {
            for aead_id in [
                HpkeAeadId::AES_128_GCM,
                HpkeAeadId::AES_256_GCM,
                HpkeAeadId::CHACHA20_POLY1305,
            ] {
                if Suite::new(kem, kdf_id, aead_id).is_supported(provider()) {
                    out.push((kem, HpkeSymmetricCipherSuite { kdf_id, aead_id }));
                }
            }
        }
    }
    out
}

fn key_for(kem: HpkeKemId, suite: HpkeSymmetricCipherSuite) -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .kem(kem)
        .cipher_suites(&[suite])
        .maximum_name_length(32)
        .generate(provider(), &OsRandom)
        .unwrap()
}

/// Accepted (§6.1.5): with each KEM and (KDF, AEAD) the provider has,
/// with and without a HelloRetryRequest, both sides report Accepted, the
/// server saw the origin's name and ALPN, data flows, and the origin's
/// name never appears on the wire.
#[test]
fn accepted_with_every_suite_with_and_without_hello_retry() {
    let suites = all_suites();
    assert!(suites.len() >= 6, "{suites:?}");
    for (kem, suite) in suites {
        for retry in [false, true] {
            let w = World::new();
            let key = key_for(kem, suite);
            let mut client = w.client();
            let mut server = ech_server(&w, vec![copy(&key)]);
            if retry {
                client = hrr_groups(client);
                server = server.groups(&[NamedGroup::SECP256R1]);
            }
            let client = client.ech(offer(&key)).build().unwrap();
            let mut p = pair(client, server.build().unwrap());
            p.run()
                .unwrap_or_else(|e| panic!("{kem:?} {suite:?} retry {retry}: {e:?}"));
            let what = format!("{kem:?} {suite:?} retry {retry}");
            assert!(pair::has_complete(&p.client_events), "{what}");
            assert_eq!(p.client.negotiated().ech, EchStatus::Accepted, "{what}");
            assert_eq!(p.server.negotiated().ech, EchStatus::Accepted, "{what}");
            assert_eq!(p.client.negotiated().hello_retry, retry, "{what}");
            assert_eq!(p.server.negotiated().server_name.as_deref(), Some(SECRET));
            assert_eq!(p.server.negotiated().alpn.as_deref(), Some(ALPN));
            assert_eq!(p.client.negotiated().alpn.as_deref(), Some(ALPN));
            echo(&mut p);
            assert!(!contains(&p.client_wire, SECRET.as_bytes()), "{what}");
            assert!(!contains(&p.client_wire, ALPN), "{what}");
            // The client stored the server's ticket under the origin.
            assert_eq!(w.sessions(), 1, "{what}");
        }
    }
}

/// §6.1.6: a server whose keys changed rejects, authenticates for the
/// public name and sends its current configs, which the client reports
/// as the server publishes them — with and without a HelloRetryRequest
/// (whose 8 random bytes must not read as a confirmation).
#[test]
fn stale_config_is_rejected_with_the_servers_retry_configs() {
    for retry in [false, true] {
        let w = World::new();
        let stale = ech_key(0);
        let mut client = w.client();
        let mut server = ech_server(&w, vec![ech_key(0)]);
        if retry {
            client = hrr_groups(client);
            server = server.groups(&[NamedGroup::SECP256R1]);
        }
        let server = server.build().unwrap();
        let published = server.ech_config_list().unwrap();
        let client = client.ech(offer(&stale)).build().unwrap();
        let mut p = pair(client, server);
        let (e, server_err) = run_to_rejection(&mut p);
        match e {
            Error::EchRejected {
                retry_configs: Some(list),
            } => assert_eq!(list, published, "retry {retry}"),
            other => panic!("retry {retry}: {other:?}"),
        }
        assert!(matches!(
            server_err,
            Some(Error::AlertReceived(AlertDescription::ECH_REQUIRED))
        ));
        assert_eq!(p.server.negotiated().ech, EchStatus::Rejected);
        assert_eq!(p.server.negotiated().server_name.as_deref(), Some(PUBLIC));
        assert_eq!(w.sessions(), 0);
        assert!(!contains(&p.client_wire, SECRET.as_bytes()));
    }
}

/// Resumption and 0-RTT inside ECH: the session of an accepted
/// connection is filed under the origin; the next connection offers it
/// only inside (the outer PSK is GREASE), resumes, and its early data is
/// accepted.
#[test]
fn resumption_and_early_data_inside_ech() {
    let w = World::new();
    let key = ech_key(0);
    let server = || {
        ech_server(&w, vec![copy(&key)])
            .max_early_data_size(1000)
            .build()
            .unwrap()
    };
    let client = || {
        w.client()
            .enable_early_data(true)
            .ech(offer(&key))
            .build()
            .unwrap()
    };
    let mut p = pair(client(), server());
    p.run().unwrap();
    assert_eq!(p.client.negotiated().ech, EchStatus::Accepted);
    let ticket = p
        .client_events
        .iter()
        .find_map(|e| match e {
            Event::NewSessionTicket(t) => Some(t.ticket.clone()),
            _ => None,
        })
        .expect("a ticket");
    let key_secret = tls13::resumption::SessionKey::named(SECRET, SCOPE).unwrap();
    assert_eq!(w.cache.count(&key_secret), 1);

    w.clock.advance_ms(200);
    let mut p = pair(client(), server());
    assert_eq!(p.client.send_early_data(b"GET /early").unwrap(), 10);
    let outer = client_hello(&client_hellos(p.client.pending_output())[0]);
    let grease = psk_identity(&outer).expect("a GREASE PSK outside");
    assert_ne!(grease, ticket);
    p.run().unwrap();
    assert_eq!(p.client.negotiated().ech, EchStatus::Accepted);
    assert_eq!(p.server.negotiated().ech, EchStatus::Accepted);
    assert!(p.client.negotiated().resumed);
    assert!(p.server.negotiated().resumed);
    assert!(p.client.negotiated().early_data_accepted);
    let early: Vec<u8> = p
        .server_events
        .iter()
        .filter_map(|e| match e {
            Event::EarlyData(d) => Some(d.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(early, b"GET /early");
    assert!(!contains(&p.client_wire, &ticket));
    echo(&mut p);
}

/// Client authentication inside an accepted ECH handshake: the client's
/// certificate goes to the backend (encrypted) and is verified.
#[test]
fn client_auth_inside_accepted_ech() {
    let w = World::new();
    let key = ech_key(0);
    let id = pair::identity(KeyType::EcdsaP256);
    let client = w
        .client()
        .client_auth_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .ech(offer(&key))
        .build()
        .unwrap();
    let server = ech_server(&w, vec![copy(&key)])
        .client_auth(ClientAuth::Required(pair::pinned_client(
            KeyType::EcdsaP256,
        )))
        .build()
        .unwrap();
    let mut p = pair(client, server);
    p.run().unwrap();
    assert_eq!(p.client.negotiated().ech, EchStatus::Accepted);
    assert_eq!(
        p.server.negotiated().peer_certificates,
        vec![id.leaf.clone()]
    );
    echo(&mut p);
}

/// Rejected by a server with ECH keys that asks for a client
/// certificate: the empty Certificate (§6.1.7) — the server, which makes
/// authentication optional, sees none.
#[test]
fn rejected_by_an_ech_server_answers_its_certificate_request_empty() {
    let w = World::new();
    let id = pair::identity(KeyType::EcdsaP256);
    let client = w
        .client()
        .client_auth_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .ech(offer(&ech_key(0)))
        .build()
        .unwrap();
    let server = ech_server(&w, vec![ech_key(0)])
        .client_auth(ClientAuth::Optional(pair::pinned_client(
            KeyType::EcdsaP256,
        )))
        .build()
        .unwrap();
    let mut p = pair(client, server);
    let (e, _) = run_to_rejection(&mut p);
    assert!(
        matches!(
            e,
            Error::EchRejected {
                retry_configs: Some(_)
            }
        ),
        "{e:?}"
    );
    assert!(pair::has_complete(&p.server_events));
    assert!(p.server.negotiated().peer_certificates.is_empty());
}

/// GREASE against a server with ECH keys: it rejects the extension
/// (retry_configs in EE, which GREASE must not save), and the handshake
/// completes with the real name.
#[test]
fn grease_against_an_ech_server() {
    let w = World::new();
    let client = w.client().ech(EchMode::Grease).build().unwrap();
    let mut p = pair(client, ech_server(&w, vec![ech_key(0)]).build().unwrap());
    p.run().unwrap();
    assert_eq!(p.client.negotiated().ech, EchStatus::Grease);
    assert_eq!(p.server.negotiated().ech, EchStatus::Rejected);
    echo(&mut p);
}

/// Flips the last byte of the ServerHello.random in a server flight that
/// starts with the ServerHello's record (the confirmation's place, §7.2).
fn flip_confirmation(flight: &mut [u8]) {
    assert_eq!(flight[0], 22);
    assert_eq!(flight[5], HandshakeType::SERVER_HELLO.0);
    // Record header 5, message header 4, legacy_version 2, random 32.
    flight[5 + 4 + 2 + 31] ^= 1;
}

/// §6.1.5: after a HelloRetryRequest that confirmed acceptance, a
/// ServerHello without the confirmation is illegal_parameter.
#[test]
fn server_hello_must_confirm_after_an_accepting_hello_retry() {
    let w = World::new();
    let key = ech_key(0);
    let client = hrr_groups(w.client()).ech(offer(&key)).build().unwrap();
    let server = ech_server(&w, vec![copy(&key)])
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = pair(client, server);
    // ClientHello 1 → HelloRetryRequest → ClientHello 2 → server flight.
    let ch1 = p.client.pending_output().to_vec();
    p.client.consume_output(ch1.len());
    p.server.receive(&ch1).unwrap();
    let hrr = p.server.pending_output().to_vec();
    p.server.consume_output(hrr.len());
    p.client.receive(&hrr).unwrap();
    let ch2 = p.client.pending_output().to_vec();
    p.client.consume_output(ch2.len());
    p.server.receive(&ch2).unwrap();
    assert!(p.server.negotiated().hello_retry);
    let mut flight = p.server.pending_output().to_vec();
    flip_confirmation(&mut flight);
    let e = p.client.receive(&flight).unwrap_err();
    assert_eq!(
        e.alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{e:?}"
    );
}

/// §6.1.4: a ServerHello whose confirmation was altered is no acceptance:
/// the client goes on with the outer transcript, which the server did not
/// use, and the handshake fails instead of running on the inner hello.
#[test]
fn altered_confirmation_is_not_acceptance() {
    let w = World::new();
    let key = ech_key(0);
    let client = w.client().ech(offer(&key)).build().unwrap();
    let server = ech_server(&w, vec![copy(&key)]).build().unwrap();
    let mut p = pair(client, server);
    let ch = p.client.pending_output().to_vec();
    p.client.consume_output(ch.len());
    p.server.receive(&ch).unwrap();
    let mut flight = p.server.pending_output().to_vec();
    flip_confirmation(&mut flight);
    let e = p.client.receive(&flight).unwrap_err();
    assert!(!pair::has_complete(&p.client_events));
    assert_eq!(p.client.negotiated().ech, EchStatus::Rejected, "{e:?}");
    assert_eq!(e.alert(), Some(AlertDescription::BAD_RECORD_MAC), "{e:?}");
}
