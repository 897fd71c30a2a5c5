//! Interoperability with rustls (aws-lc-rs provider), in process: our
//! sans-IO connection and a rustls connection joined by memory, no
//! sockets. Both directions (our client against a rustls server, a rustls
//! client against our server) over suites × groups (X25519MLKEM768
//! included), HelloRetryRequest, client authentication, KeyUpdate
//! mid-stream, ALPN, record_size_limit (which rustls does not implement:
//! our offer must be ignored cleanly), a 64 MiB transfer each way with
//! every byte checked, and resumption with and without 0-RTT. Every exchange is bounded: a pump that stops moving
//! bytes ends the wait.

// Shared with the interop tests of the library itself.
#[path = "../../tests/peers/mod.rs"]
mod peers;

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;

use peers::{Pki, TempDir, pattern_fill, pattern_matches, pki};
use rustls::crypto::{CryptoProvider, SupportedKxGroup, aws_lc_rs};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{HandshakeKind, RootCertStore, SupportedCipherSuite};
use tls13::certgen::KeyType;
use tls13::config::ClientAuth;
use tls13::unstable::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use tls13::{
    ClientConfig, ClientConnection, CloseKind, Connection, Event, Negotiated, PinnedCertVerifier,
    PinnedClientCertVerifier, ServerConfig, ServerConnection,
};

const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
];

/// In the order both libraries prefer by default (the hybrid first).
const GROUPS: [NamedGroup; 4] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

fn rustls_suite(s: CipherSuite) -> SupportedCipherSuite {
    use aws_lc_rs::cipher_suite as cs;
    match s {
        CipherSuite::TLS_AES_128_GCM_SHA256 => cs::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_256_GCM_SHA384 => cs::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => cs::TLS13_CHACHA20_POLY1305_SHA256,
        _ => unreachable!("{s:?}"),
    }
}

fn rustls_group(g: NamedGroup) -> &'static dyn SupportedKxGroup {
    use aws_lc_rs::kx_group as kx;
    match g {
        NamedGroup::X25519 => kx::X25519,
        NamedGroup::SECP256R1 => kx::SECP256R1,
        NamedGroup::SECP384R1 => kx::SECP384R1,
        NamedGroup::X25519MLKEM768 => kx::X25519MLKEM768,
        _ => unreachable!("{g:?}"),
    }
}

/// The aws-lc-rs provider restricted to these suites and groups (in this
/// order of preference).
fn provider(suites: &[CipherSuite], groups: &[NamedGroup]) -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        cipher_suites: suites.iter().map(|s| rustls_suite(*s)).collect(),
        kx_groups: groups.iter().map(|g| rustls_group(*g)).collect(),
        ..aws_lc_rs::default_provider()
    })
}

/// One case; `Default` is a plain handshake with every suite and group
/// allowed on both sides.
#[derive(Clone)]
struct Case {
    our_suites: Vec<CipherSuite>,
    our_groups: Vec<NamedGroup>,
    their_suites: Vec<CipherSuite>,
    their_groups: Vec<NamedGroup>,
    our_alpn: Vec<&'static [u8]>,
    their_alpn: Vec<&'static [u8]>,
    our_record_size: Option<u16>,
    /// The client authenticates and the server requires it.
    client_auth: bool,
    /// The server issues tickets (rustls always does; ours when asked).
    tickets: bool,
    /// The server accepts 0-RTT and the client offers it when resuming.
    early_data: bool,
    /// Our crypto provider.
    our_provider: &'static tls13::crypto::CryptoProvider,
}

impl Default for Case {
    fn default() -> Self {
        Self {
            our_suites: SUITES.to_vec(),
            our_groups: GROUPS.to_vec(),
            their_suites: SUITES.to_vec(),
            their_groups: GROUPS.to_vec(),
            our_alpn: Vec::new(),
            their_alpn: Vec::new(),
            our_record_size: None,
            client_auth: false,
            tickets: false,
            early_data: false,
            our_provider: tls13::crypto::default_provider(),
        }
    }
}

/// Certificates for one test: a server chain for `localhost` and a
/// client chain, each under its own CA.
struct Certs {
    _dir: TempDir,
    server: Pki,
    client: Pki,
}

fn certs() -> Certs {
    let dir = TempDir::new("rustls");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let client = pki(&dir, "client", "client.example", KeyType::Ed25519);
    Certs {
        _dir: dir,
        server,
        client,
    }
}

fn der_key(p: &Pki) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.key.clone()))
}

fn roots(ca: &[u8]) -> RootCertStore {
    let mut r = RootCertStore::empty();
    r.add(CertificateDer::from(ca.to_vec())).unwrap();
    r
}

// ---------- the two sides joined by memory ----------

/// Collects what one side received: kept whole, or (for the large
/// transfers) checked against the pattern as it arrives.
#[derive(Default)]
struct Sink {
    data: Vec<u8>,
    /// Check against `pattern()` instead of keeping.
    streaming: bool,
    len: usize,
}

impl Sink {
    fn push(&mut self, d: &[u8]) {
        if self.streaming {
            assert!(
                pattern_matches(self.len, d),
                "received bytes differ from those sent, at offset {}",
                self.len
            );
        } else {
            self.data.extend_from_slice(d);
        }
        self.len += d.len();
    }

    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.data)
    }
}

enum Ours {
    Client(ClientConnection),
    Server(ServerConnection),
}

struct Pair {
    ours: Ours,
    theirs: rustls::Connection,
    ours_rx: Sink,
    theirs_rx: Sink,
    ours_closed: Option<CloseKind>,
    theirs_closed: bool,
    ours_complete: bool,
    /// 0-RTT data each side received as such.
    ours_early: Vec<u8>,
    theirs_early: Vec<u8>,
    /// Our client's view of its 0-RTT offer: accepted, or the bytes
    /// handed back when refused.
    ours_early_accepted: bool,
    ours_early_rejected: Option<Vec<u8>>,
    ours_tickets: usize,
}

impl Pair {
    fn new(ours: Ours, mut theirs: rustls::Connection) -> Self {
        // What rustls is given to send is moved out by every pump; its
        // default cap (64 KiB) would only make writes partial.
        theirs.set_buffer_limit(None);
        Self {
            ours,
            theirs,
            ours_rx: Sink::default(),
            theirs_rx: Sink::default(),
            ours_closed: None,
            theirs_closed: false,
            ours_complete: false,
            ours_early: Vec::new(),
            theirs_early: Vec::new(),
            ours_early_accepted: false,
            ours_early_rejected: None,
            ours_tickets: 0,
        }
    }

    fn ours(&mut self) -> &mut Connection {
        match &mut self.ours {
            Ours::Client(c) => c,
            Ours::Server(s) => s,
        }
    }

    fn negotiated(&mut self) -> Negotiated {
        self.ours().negotiated().clone()
    }

    /// Hands our pending output to rustls; returns whether there was any.
    fn ours_to_theirs(&mut self) -> Result<bool, String> {
        let out = self.ours().pending_output().to_vec();
        self.ours().consume_output(out.len());
        let mut rd = &out[..];
        while !rd.is_empty() {
            self.theirs
                .read_tls(&mut rd)
                .map_err(|e| format!("rustls read_tls: {e}"))?;
            self.theirs
                .process_new_packets()
                .map_err(|e| format!("rustls: {e}"))?;
            self.drain_theirs()?;
        }
        Ok(!out.is_empty())
    }

    /// Hands rustls's pending output to us; returns whether there was any.
    fn theirs_to_ours(&mut self) -> Result<bool, String> {
        let mut moved = false;
        while self.theirs.wants_write() {
            let mut buf = Vec::new();
            self.theirs
                .write_tls(&mut buf)
                .map_err(|e| format!("rustls write_tls: {e}"))?;
            moved = true;
            let r = self.ours().receive(&buf);
            self.drain_ours();
            r.map_err(|e| format!("ours: {e}"))?;
        }
        Ok(moved)
    }

    fn drain_theirs(&mut self) -> Result<(), String> {
        if let rustls::Connection::Server(s) = &mut self.theirs
            && let Some(mut early) = s.early_data()
        {
            early
                .read_to_end(&mut self.theirs_early)
                .map_err(|e| format!("rustls early data: {e}"))?;
        }
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match self.theirs.reader().read(&mut buf) {
                Ok(0) => {
                    self.theirs_closed = true;
                    return Ok(());
                }
                Ok(n) => self.theirs_rx.push(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(format!("rustls reader: {e}")),
            }
        }
    }

    fn drain_ours(&mut self) {
        let conn = match &mut self.ours {
            Ours::Client(c) => &mut **c,
            Ours::Server(s) => &mut **s,
        };
        let data = conn.received_data();
        self.ours_rx.push(data);
        let n = data.len();
        conn.consume_received_data(n);
        while let Some(e) = self.ours().next_event() {
            match e {
                Event::HandshakeComplete => self.ours_complete = true,
                Event::Closed(k) => self.ours_closed = Some(k),
                Event::NewSessionTicket(_) => self.ours_tickets += 1,
                Event::EarlyData(d) => self.ours_early.extend_from_slice(&d),
                Event::EarlyDataAccepted => self.ours_early_accepted = true,
                Event::EarlyDataRejected(d) => self.ours_early_rejected = Some(d),
                other => panic!("unexpected event with synchronous answerers: {other:?}"),
            }
        }
    }

    /// Moves bytes both ways until neither side has anything to send (so
    /// every wait is bounded by what the two sides produce).
    fn pump(&mut self) -> Result<(), String> {
        loop {
            let a = self.ours_to_theirs()?;
            let b = self.theirs_to_ours()?;
            if !a && !b {
                return Ok(());
            }
        }
    }

    fn handshake(&mut self) -> Result<(), String> {
        self.pump()?;
        if !self.ours_complete || self.theirs.is_handshaking() {
            return Err("the handshake stalled".into());
        }
        Ok(())
    }

    /// Sends `a` from us and `b` from rustls, and checks each arrived.
    fn exchange(&mut self, a: &[u8], b: &[u8]) -> Result<(), String> {
        self.ours().send(a).map_err(|e| format!("send: {e}"))?;
        self.theirs.writer().write_all(b).unwrap();
        self.pump()?;
        let (got_a, got_b) = (self.theirs_rx.take(), self.ours_rx.take());
        if got_a != a {
            return Err(format!("rustls received {} bytes, not ours", got_a.len()));
        }
        if got_b != b {
            return Err(format!("we received {} bytes, not rustls's", got_b.len()));
        }
        Ok(())
    }

    /// close_notify both ways; each side must see a clean close.
    fn close(&mut self) -> Result<(), String> {
        self.ours().close();
        self.theirs.send_close_notify();
        self.pump()?;
        if self.ours_closed != Some(CloseKind::CloseNotify) {
            return Err(format!("we saw {:?}, not close_notify", self.ours_closed));
        }
        if !self.theirs_closed {
            return Err("rustls did not see our close_notify".into());
        }
        Ok(())
    }
}

/// Our client against a rustls server configured from `case`.
fn our_client(case: &Case, c: &Certs) -> Pair {
    let (theirs, ours) = our_client_configs(case, c);
    connect_our_client(&theirs, &ours)
}

fn connect_our_client(theirs: &Arc<rustls::ServerConfig>, ours: &Arc<ClientConfig>) -> Pair {
    let theirs = rustls::ServerConnection::new(theirs.clone()).unwrap();
    let ours = ClientConnection::new(ours.clone(), "localhost").unwrap();
    Pair::new(Ours::Client(ours), theirs.into())
}

/// The rustls server's and our client's configs for `case`.
fn our_client_configs(case: &Case, c: &Certs) -> (Arc<rustls::ServerConfig>, Arc<ClientConfig>) {
    let p = provider(&case.their_suites, &case.their_groups);
    let b = rustls::ServerConfig::builder_with_provider(p.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap();
    let b = if case.client_auth {
        let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots(&c.client.ca)), p)
            .build()
            .unwrap();
        b.with_client_cert_verifier(v)
    } else {
        b.with_no_client_auth()
    };
    let mut sc = b
        .with_single_cert(
            vec![CertificateDer::from(c.server.leaf.clone())],
            der_key(&c.server),
        )
        .unwrap();
    sc.alpn_protocols = case.their_alpn.iter().map(|a| a.to_vec()).collect();
    if case.early_data {
        sc.max_early_data_size = 16384;
    }

    let mut b = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(c.server.leaf.clone())))
        .provider(case.our_provider)
        .suites(&case.our_suites)
        .groups(&case.our_groups)
        .alpn_protocols(&case.our_alpn)
        .record_size_limit(case.our_record_size)
        .enable_early_data(case.early_data);
    if case.client_auth {
        b = b.client_auth_cert(
            vec![c.client.leaf.clone()],
            case.our_provider.load_private_key(&c.client.key).unwrap(),
        );
    }
    (Arc::new(sc), Arc::new(b.build().unwrap()))
}

/// A rustls client configured from `case` against our server.
fn our_server(case: &Case, c: &Certs) -> Pair {
    let (theirs, ours) = our_server_configs(case, c);
    connect_our_server(&theirs, &ours)
}

fn connect_our_server(theirs: &Arc<rustls::ClientConfig>, ours: &Arc<ServerConfig>) -> Pair {
    let name = ServerName::try_from("localhost").unwrap();
    let theirs = rustls::ClientConnection::new(theirs.clone(), name).unwrap();
    let ours = ServerConnection::new(ours.clone()).unwrap();
    Pair::new(Ours::Server(ours), theirs.into())
}

/// The rustls client's and our server's configs for `case`.
fn our_server_configs(case: &Case, c: &Certs) -> (Arc<rustls::ClientConfig>, Arc<ServerConfig>) {
    let p = provider(&case.their_suites, &case.their_groups);
    let b = rustls::ClientConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots(&c.server.ca));
    let mut cc = if case.client_auth {
        b.with_client_auth_cert(
            vec![CertificateDer::from(c.client.leaf.clone())],
            der_key(&c.client),
        )
        .unwrap()
    } else {
        b.with_no_client_auth()
    };
    cc.alpn_protocols = case.their_alpn.iter().map(|a| a.to_vec()).collect();
    cc.enable_early_data = case.early_data;

    let mut b = ServerConfig::builder_with_single_cert(
        vec![c.server.leaf.clone()],
        case.our_provider.load_private_key(&c.server.key).unwrap(),
    )
    .provider(case.our_provider)
    .suites(&case.our_suites)
    .groups(&case.our_groups)
    .alpn_protocols(&case.our_alpn)
    .record_size_limit(case.our_record_size);
    if case.client_auth {
        b = b.client_auth(ClientAuth::Required(Arc::new(
            PinnedClientCertVerifier::new(vec![c.client.leaf.clone()]),
        )));
    }
    if case.tickets || case.early_data {
        b = b.session_tickets(2);
    }
    if case.early_data {
        b = b.max_early_data_size(16384);
    }
    (Arc::new(cc), Arc::new(b.build().unwrap()))
}

/// Both sides agree on the version, the suite and the group (and whether a
/// HelloRetryRequest happened).
fn check_agreement(
    pair: &mut Pair,
    suite: CipherSuite,
    group: NamedGroup,
    hrr: bool,
) -> Result<(), String> {
    let n = pair.negotiated();
    let t = &pair.theirs;
    let their_suite = t.negotiated_cipher_suite().map(|s| u16::from(s.suite()));
    let their_group = t
        .negotiated_key_exchange_group()
        .map(|g| u16::from(g.name()));
    let their_kind = t.handshake_kind();
    let want_kind = if hrr {
        HandshakeKind::FullWithHelloRetryRequest
    } else {
        HandshakeKind::Full
    };
    if n.version != Some(ProtocolVersion::TLS1_3)
        || n.suite != Some(suite)
        || their_suite != Some(suite.0)
        || n.group != Some(group)
        || their_group != Some(group.0)
        || n.hello_retry != hrr
        || their_kind != Some(want_kind)
    {
        return Err(format!(
            "expected {suite:?}/{group:?}/hrr={hrr}; we have {:?}/{:?}/hrr={}, rustls \
             {their_suite:x?}/{their_group:x?}/{their_kind:?}",
            n.suite, n.group, n.hello_retry
        ));
    }
    Ok(())
}

// ---------- suites × groups ----------

/// Every suite with every group, each a handshake pinned to that pair, a
/// round trip and a clean close, with each of our crypto providers.
fn matrix(make: fn(&Case, &Certs) -> Pair) {
    let c = certs();
    let mut failures = Vec::new();
    let mut providers = vec![tls13::crypto::rustcrypto::provider()];
    match tls13::crypto::graviola::provider() {
        Some(p) => providers.push(p),
        None => println!("SKIPPED: graviola provider (this CPU lacks what it needs)"),
    }
    for (our_provider, suite, group) in providers
        .iter()
        .flat_map(|p| SUITES.map(|s| (*p, s)))
        .flat_map(|(p, s)| GROUPS.map(|g| (p, s, g)))
    {
        {
            let case = Case {
                our_provider,
                our_suites: vec![suite],
                our_groups: vec![group],
                their_suites: vec![suite],
                their_groups: vec![group],
                ..Case::default()
            };
            let mut pair = make(&case, &c);
            let r = pair
                .handshake()
                .and_then(|()| check_agreement(&mut pair, suite, group, false))
                .and_then(|()| pair.exchange(b"ping from tls13", b"pong from rustls"))
                .and_then(|()| pair.close());
            if let Err(e) = r {
                failures.push(format!("{} {suite:?} × {group:?}: {e}", our_provider.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}

#[test]
fn client_suites_by_groups() {
    matrix(our_client);
}

#[test]
fn server_suites_by_groups() {
    matrix(our_server);
}

/// With everything allowed, in each library's default order, both sides
/// pick the hybrid without a retry: each prefers X25519MLKEM768 and our
/// client sends a share for it (plus one for X25519).
#[test]
fn defaults_agree_on_x25519mlkem768() {
    let c = certs();
    for make in [our_client, our_server] {
        let mut pair = make(&Case::default(), &c);
        pair.handshake().unwrap();
        let n = pair.negotiated();
        assert_eq!(n.group, Some(NamedGroup::X25519MLKEM768));
        assert!(!n.hello_retry);
        pair.exchange(b"a", b"b").unwrap();
        pair.close().unwrap();
    }
}

// ---------- HelloRetryRequest ----------

fn hrr_case(client_groups: &[NamedGroup], server_group: NamedGroup, ours_is_client: bool) {
    let c = certs();
    let (ours, theirs) = if ours_is_client {
        (client_groups.to_vec(), vec![server_group])
    } else {
        (vec![server_group], client_groups.to_vec())
    };
    let case = Case {
        our_groups: ours,
        their_groups: theirs,
        our_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
        ..Case::default()
    };
    let mut pair = if ours_is_client {
        our_client(&case, &c)
    } else {
        our_server(&case, &c)
    };
    pair.handshake().unwrap();
    check_agreement(
        &mut pair,
        CipherSuite::TLS_AES_128_GCM_SHA256,
        server_group,
        true,
    )
    .unwrap();
    pair.exchange(b"after the retry", b"indeed").unwrap();
    pair.close().unwrap();
}

/// Our client shares X25519 only; the rustls server takes only P-384.
#[test]
fn client_hello_retry_request() {
    hrr_case(
        &[NamedGroup::X25519, NamedGroup::SECP384R1],
        NamedGroup::SECP384R1,
        true,
    );
}

/// Our client shares X25519 only; the rustls server takes only the
/// hybrid, so the retried ClientHello carries an ML-KEM share.
#[test]
fn client_hello_retry_request_to_x25519mlkem768() {
    hrr_case(
        &[NamedGroup::X25519, NamedGroup::X25519MLKEM768],
        NamedGroup::X25519MLKEM768,
        true,
    );
}

/// The rustls client shares its first group (P-256) only; our server
/// takes only P-384.
#[test]
fn server_hello_retry_request() {
    hrr_case(
        &[NamedGroup::SECP256R1, NamedGroup::SECP384R1],
        NamedGroup::SECP384R1,
        false,
    );
}

/// The rustls client prefers X25519 (one share); our server takes only
/// the hybrid.
#[test]
fn server_hello_retry_request_to_x25519mlkem768() {
    hrr_case(
        &[NamedGroup::X25519, NamedGroup::X25519MLKEM768],
        NamedGroup::X25519MLKEM768,
        false,
    );
}

// ---------- client authentication ----------

/// Our client presents an Ed25519 certificate to a rustls server that
/// requires one and verifies it with webpki against the client CA.
#[test]
fn client_auth_to_rustls_server() {
    let c = certs();
    let case = Case {
        client_auth: true,
        ..Case::default()
    };
    let mut pair = our_client(&case, &c);
    pair.handshake().unwrap();
    let theirs = pair
        .theirs
        .peer_certificates()
        .expect("rustls saw no client cert");
    assert_eq!(theirs.first().map(|c| c.as_ref()), Some(&c.client.leaf[..]));
    assert!(pair.negotiated().client_signature_scheme.is_some());
    pair.exchange(b"authenticated", b"welcome").unwrap();
    pair.close().unwrap();
}

/// A rustls client presents its certificate to our server, which requires
/// one.
#[test]
fn server_requires_rustls_client_cert() {
    let c = certs();
    let case = Case {
        client_auth: true,
        ..Case::default()
    };
    let mut pair = our_server(&case, &c);
    pair.handshake().unwrap();
    let n = pair.negotiated();
    assert_eq!(n.peer_certificates.first(), Some(&c.client.leaf));
    assert!(n.client_signature_scheme.is_some());
    pair.exchange(b"welcome", b"authenticated").unwrap();
    pair.close().unwrap();
}

/// Our server requires a certificate; a rustls client without one is
/// refused, and rustls learns why (certificate_required).
#[test]
fn server_refuses_rustls_client_without_cert() {
    let c = certs();
    let mut pair = our_server(&Case::default(), &c);
    // Swap in a server that requires client auth; the rustls client has
    // no certificate.
    let case = Case {
        client_auth: true,
        ..Case::default()
    };
    let Pair { ours, .. } = our_server(&case, &c);
    pair.ours = ours;
    let e = pair.handshake().expect_err("the handshake must fail");
    assert!(e.contains("ours:"), "we did not fail: {e}");
    // rustls processes our alert on the next pump.
    let _ = pair.ours_to_theirs();
    let r = pair.theirs.process_new_packets();
    assert!(
        format!("{r:?}").contains("CertificateRequired"),
        "rustls saw {r:?}"
    );
}

// ---------- KeyUpdate mid-stream ----------

fn key_update(make: fn(&Case, &Certs) -> Pair) {
    let c = certs();
    let mut pair = make(&Case::default(), &c);
    pair.handshake().unwrap();
    pair.exchange(b"before", b"before").unwrap();

    // rustls updates its keys and asks for ours: we must answer with a
    // KeyUpdate of our own even though we have no data to send.
    pair.theirs.refresh_traffic_keys().unwrap();
    let mut buf = Vec::new();
    pair.theirs.write_tls(&mut buf).unwrap();
    assert!(!buf.is_empty(), "rustls sent no KeyUpdate");
    pair.ours().receive(&buf).unwrap();
    pair.drain_ours();
    assert!(
        !pair.ours().pending_output().is_empty(),
        "we did not answer rustls's KeyUpdate request"
    );
    pair.pump().unwrap();
    pair.exchange(b"after their update", b"after their update")
        .unwrap();

    // Now we update and ask for rustls's. rustls answers just before its
    // next application data (as RFC 9846 §4.7.3 allows): its next output
    // is two records, a KeyUpdate (4 + 1 bytes of message, the content
    // type and a 16-byte tag: 22) and the data, which we can only read
    // under its next key.
    pair.ours().update_keys(true).unwrap();
    pair.ours_to_theirs().unwrap();
    pair.theirs.writer().write_all(b"after our update").unwrap();
    let mut buf = Vec::new();
    pair.theirs.write_tls(&mut buf).unwrap();
    let lens = record_lengths(&buf);
    assert_eq!(
        lens,
        [22, 16 + 1 + 16],
        "rustls did not send a KeyUpdate before its data"
    );
    pair.ours().receive(&buf).unwrap();
    pair.drain_ours();
    assert_eq!(pair.ours_rx.take(), b"after our update");
    pair.exchange(b"after our update", b"").unwrap();

    // And several in a row, with data in between, both ways.
    for i in 0..5u8 {
        pair.ours().update_keys(i % 2 == 0).unwrap();
        pair.theirs.refresh_traffic_keys().unwrap();
        pair.exchange(&[i; 1000], &[i; 3000]).unwrap();
    }
    pair.close().unwrap();
}

/// The lengths of the TLS records in `wire` (whole records only).
fn record_lengths(mut wire: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    while wire.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([wire[3], wire[4]]));
        v.push(len);
        wire = &wire[(5 + len).min(wire.len())..];
    }
    v
}

#[test]
fn client_key_update_mid_stream() {
    key_update(our_client);
}

#[test]
fn server_key_update_mid_stream() {
    key_update(our_server);
}

// ---------- ALPN ----------

fn alpn(make: fn(&Case, &Certs) -> Pair, ours_is_client: bool) {
    let c = certs();
    let (client, server): (Vec<&[u8]>, Vec<&[u8]>) =
        (vec![b"h2", b"http/1.1"], vec![b"http/1.1", b"acme-tls/1"]);
    let case = if ours_is_client {
        Case {
            our_alpn: client,
            their_alpn: server,
            ..Case::default()
        }
    } else {
        Case {
            our_alpn: server,
            their_alpn: client,
            ..Case::default()
        }
    };
    let mut pair = make(&case, &c);
    pair.handshake().unwrap();
    assert_eq!(pair.negotiated().alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(pair.theirs.alpn_protocol(), Some(&b"http/1.1"[..]));
    pair.exchange(
        b"GET / HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    )
    .unwrap();
    pair.close().unwrap();
}

#[test]
fn client_alpn() {
    alpn(our_client, true);
}

#[test]
fn server_alpn() {
    alpn(our_server, false);
}

/// No protocol in common: rustls as a server refuses with
/// no_application_protocol (RFC 7301 §3.2), and our client says so.
#[test]
fn client_alpn_mismatch_is_refused_by_rustls() {
    let c = certs();
    let case = Case {
        our_alpn: vec![b"h2"],
        their_alpn: vec![b"http/1.1"],
        ..Case::default()
    };
    let mut pair = our_client(&case, &c);
    let e = pair.handshake().expect_err("no common protocol");
    assert!(e.starts_with("rustls:"), "rustls did not refuse: {e}");
    // Its alert reaches us as the reason.
    let e = pair
        .theirs_to_ours()
        .expect_err("we must fail on the alert");
    assert!(e.to_lowercase().contains("no_application_protocol"), "{e}");
}

// ---------- record_size_limit (rustls does not implement RFC 8449) ----------

/// Our client offers record_size_limit 1024; rustls does not know the
/// extension and must ignore it, so no limit applies: full 16 KiB records
/// from rustls are accepted, and ours are not cut down either.
#[test]
fn client_record_size_limit_is_ignored_by_rustls() {
    let c = certs();
    let case = Case {
        our_record_size: Some(1024),
        ..Case::default()
    };
    let mut pair = our_client(&case, &c);
    pair.handshake().unwrap();
    assert_eq!(pair.negotiated().peer_record_size_limit, None);
    let big = vec![0x5a; 100_000];
    pair.exchange(&big, &big).unwrap();
    pair.close().unwrap();
}

/// Our server is configured with a limit, but a rustls client never offers
/// the extension, so the server must not send it (rustls would abort on an
/// unsolicited extension) and sends full-size records.
#[test]
fn server_record_size_limit_not_sent_unsolicited() {
    let c = certs();
    let case = Case {
        our_record_size: Some(1024),
        ..Case::default()
    };
    let mut pair = our_server(&case, &c);
    pair.handshake().unwrap();
    assert_eq!(pair.negotiated().peer_record_size_limit, None);
    pair.ours().send(&[7u8; 16384]).unwrap();
    let out = pair.ours().pending_output().to_vec();
    // One record carries it all: 5-byte header, 16384 + content type + tag.
    assert_eq!(
        out.len(),
        5 + 16384 + 1 + 16,
        "we did not send one full-size record"
    );
    pair.pump().unwrap();
    assert_eq!(pair.theirs_rx.take(), vec![7u8; 16384]);
    pair.close().unwrap();
}

// ---------- 64 MiB each way ----------

const BIG: usize = 64 << 20;

/// 64 MiB from us and 64 MiB from rustls at the same time, in 256 KiB
/// writes, every byte checked on arrival.
fn big_transfer(make: fn(&Case, &Certs) -> Pair) {
    let c = certs();
    let mut pair = make(&Case::default(), &c);
    pair.handshake().unwrap();
    pair.ours_rx.streaming = true;
    pair.theirs_rx.streaming = true;
    let start = std::time::Instant::now();
    let mut chunk = vec![0u8; 256 * 1024];
    let (mut ours_sent, mut theirs_sent) = (0, 0);
    while ours_sent < BIG || theirs_sent < BIG {
        if ours_sent < BIG {
            let n = chunk.len().min(BIG - ours_sent);
            pattern_fill(ours_sent, &mut chunk[..n]);
            pair.ours().send(&chunk[..n]).unwrap();
            ours_sent += n;
        }
        if theirs_sent < BIG {
            let n = chunk.len().min(BIG - theirs_sent);
            pattern_fill(theirs_sent, &mut chunk[..n]);
            pair.theirs.writer().write_all(&chunk[..n]).unwrap();
            theirs_sent += n;
        }
        pair.pump().unwrap();
    }
    pair.pump().unwrap();
    assert_eq!(
        pair.theirs_rx.len, BIG,
        "rustls received a different amount"
    );
    assert_eq!(pair.ours_rx.len, BIG, "we received a different amount");
    pair.close().unwrap();
    eprintln!("64 MiB each way with rustls took {:.2?}", start.elapsed());
}

#[test]
fn client_64_mib_each_way() {
    big_transfer(our_client);
}

#[test]
fn server_64_mib_each_way() {
    big_transfer(our_server);
}

// ---------- resumption and 0-RTT ----------

const EARLY: &[u8] = b"GET /idempotent HTTP/1.1\r\n\r\n";

/// A full handshake that leaves a ticket with the client, then a second
/// connection from the same client config that resumes with it (both
/// sides agree: PSK handshake, no certificate), with 0-RTT data when
/// `early` (accepted by the server and delivered as early data).
fn resume(ours_is_client: bool, early: bool) {
    let c = certs();
    let case = Case {
        tickets: true,
        early_data: early,
        ..Case::default()
    };
    let connect: Box<dyn Fn() -> Pair> = if ours_is_client {
        let (t, o) = our_client_configs(&case, &c);
        Box::new(move || connect_our_client(&t, &o))
    } else {
        let (t, o) = our_server_configs(&case, &c);
        Box::new(move || connect_our_server(&t, &o))
    };

    let mut first = connect();
    first.handshake().unwrap();
    first.exchange(b"first", b"first").unwrap();
    assert!(!first.negotiated().resumed);
    assert_eq!(first.theirs.handshake_kind(), Some(HandshakeKind::Full));
    if ours_is_client {
        assert!(first.ours_tickets > 0, "rustls issued no ticket to us");
    }
    first.close().unwrap();

    let mut second = connect();
    if early {
        if ours_is_client {
            let Ours::Client(client) = &mut second.ours else {
                unreachable!()
            };
            assert_eq!(
                client.send_early_data(EARLY).unwrap(),
                EARLY.len(),
                "our client did not offer 0-RTT with rustls's ticket"
            );
        } else {
            let rustls::Connection::Client(client) = &mut second.theirs else {
                unreachable!()
            };
            client
                .early_data()
                .expect("rustls did not offer 0-RTT with our ticket")
                .write_all(EARLY)
                .unwrap();
        }
    }
    second.handshake().unwrap();
    let n = second.negotiated();
    assert!(n.resumed, "we did not resume");
    assert!(!n.external_psk);
    assert_eq!(
        second.theirs.handshake_kind(),
        Some(HandshakeKind::Resumed),
        "rustls did not resume"
    );
    if early {
        assert!(n.early_data_accepted, "0-RTT not accepted on our side");
        if ours_is_client {
            assert!(second.ours_early_accepted && second.ours_early_rejected.is_none());
            assert_eq!(second.theirs_early, EARLY, "rustls got other early data");
        } else {
            let rustls::Connection::Client(client) = &second.theirs else {
                unreachable!()
            };
            assert!(client.is_early_data_accepted(), "rustls saw 0-RTT refused");
            assert_eq!(second.ours_early, EARLY, "we got other early data");
        }
    }
    second.exchange(b"second", b"second").unwrap();
    second.close().unwrap();
}

#[test]
fn client_resumes_with_rustls_ticket() {
    resume(true, false);
}

#[test]
fn server_resumes_rustls_client() {
    resume(false, false);
}

#[test]
fn client_early_data_to_rustls() {
    resume(true, true);
}

#[test]
fn server_accepts_rustls_early_data() {
    resume(false, true);
}
