//! Encrypted Client Hello (RFC 9849) between rustls's ECH client
//! (aws-lc-rs HPKE) and our server, in process, joined by memory.
//!
//! - accepted, for each HPKE suite of ours that rustls also runs
//!   (DHKEM(X25519) and DHKEM(P-256) with HKDF-SHA256 × AES-128-GCM,
//!   AES-256-GCM, ChaCha20-Poly1305), with each of our crypto providers:
//!   rustls reports `Accepted`, our server `EchStatus::Accepted` and the
//!   inner name and ALPN;
//! - accepted through a HelloRetryRequest (rustls's first key share is a
//!   group our server does not take), so the HRR's ECH confirmation
//!   (§7.2.1) and the second ClientHelloInner (§7.1.1) are exercised;
//! - rejected: rustls holding a config whose key the server no longer
//!   has fails with the server's `retry_configs`, which equal
//!   `ServerConfig::ech_config_list()` byte for byte, and a second
//!   connection with them is accepted (also when the rejection comes
//!   after a HelloRetryRequest);
//! - GREASE: rustls's GREASE extension does not decrypt; the handshake
//!   completes on the one hello, our server reporting `Rejected`;
//! - resumption with 0-RTT inside ECH: the ticket of an accepted
//!   connection resumes one (the PSK and early_data in the inner hello).
//!
//! On the wire: the inner server name never appears in what rustls sent,
//! the public name does. The ALPN is not checked there: rustls 0.23
//! keeps its ALPN extension in the outer hello as well (its bytes are in
//! clear on the wire; RFC 9849 lets a client do so), so the ALPN is
//! checked only as negotiated, from the inner hello.
//!
//! Every exchange is bounded: a pump stops when no side has bytes to move.

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;

use rustls::client::{
    EchConfig, EchGreaseConfig, EchMode as RustlsEchMode, EchStatus as RustlsEch,
};
use rustls::crypto::aws_lc_rs::hpke as rustls_hpke;
use rustls::crypto::{CryptoProvider as RustlsProvider, SupportedKxGroup, aws_lc_rs};
use rustls::internal::msgs::codec::Codec as _;
use rustls::pki_types::{CertificateDer, EchConfigListBytes, ServerName};
use rustls::{HandshakeKind, PeerIncompatible, RootCertStore};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::{CryptoProvider, OsRandom};
use tls13::ech::{EchConfigBuilder, EchKeyPair, HpkeSymmetricCipherSuite};
use tls13::hpke::{HpkeAeadId, HpkeKdfId, HpkeKemId, Suite};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{AlertDescription, NamedGroup};
use tls13::{EchStatus, Event, ServerConfig, ServerConnection};

/// The name the client wants, sent only inside the encrypted hello.
const INNER: &str = "secret.example";
/// The configs' public_name: the outer hello's SNI.
const PUBLIC: &str = "public.example";
/// The ALPN the client offers (rustls sends it in its outer hello as
/// well as in the inner one).
const ALPN: &[u8] = b"ech-interop/1";

const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

/// A CA and a leaf valid for both [`INNER`] and [`PUBLIC`] (a rejected
/// client checks the certificate against the public name, §6.1.7).
struct Certs {
    ca: Vec<u8>,
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn certs() -> Certs {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("ech interop CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[
                SubjectAltName::Dns(INNER.into()),
                SubjectAltName::Dns(PUBLIC.into()),
            ],
            &key,
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    Certs {
        ca: ca.cert_der().to_vec(),
        leaf,
        key: key.to_vec(),
    }
}

/// Our HPKE suites rustls (aws-lc-rs) also implements: its suites pair
/// each KEM with its own KDF, HKDF-SHA256 for both of ours.
const KEMS: [HpkeKemId; 2] = [
    HpkeKemId::DHKEM_X25519_HKDF_SHA256,
    HpkeKemId::DHKEM_P256_HKDF_SHA256,
];
const AEADS: [HpkeAeadId; 3] = [
    HpkeAeadId::AES_128_GCM,
    HpkeAeadId::AES_256_GCM,
    HpkeAeadId::CHACHA20_POLY1305,
];

fn ech_key(provider: &'static CryptoProvider, kem: HpkeKemId, aead: HpkeAeadId) -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .kem(kem)
        .cipher_suites(&[HpkeSymmetricCipherSuite {
            kdf_id: HpkeKdfId::HKDF_SHA256,
            aead_id: aead,
        }])
        .generate(provider, &OsRandom)
        .unwrap()
}

fn default_key() -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .generate(tls13::crypto::default_provider(), &OsRandom)
        .unwrap()
}

// ------------------------------------------------------------ configs

struct Ours {
    provider: &'static CryptoProvider,
    groups: Option<Vec<NamedGroup>>,
    keys: Vec<EchKeyPair>,
}

impl Ours {
    /// The default provider and groups, with `keys`.
    fn with(keys: Vec<EchKeyPair>) -> Self {
        Self {
            provider: tls13::crypto::default_provider(),
            groups: None,
            keys,
        }
    }
}

fn our_server(c: &Certs, o: Ours) -> Arc<ServerConfig> {
    Arc::new(our_server_builder(c, o).build().unwrap())
}

fn our_server_builder(c: &Certs, o: Ours) -> tls13::config::ServerConfigBuilder {
    let mut b = ServerConfig::builder_with_single_cert(
        vec![c.leaf.clone()],
        o.provider.load_private_key(&c.key).unwrap(),
    )
    .provider(o.provider)
    .alpn_protocols(&[ALPN])
    .ech_keys(o.keys);
    if let Some(g) = &o.groups {
        b = b.groups(g);
    }
    b
}

fn rustls_client(
    c: &Certs,
    mode: RustlsEchMode,
    groups: &[&'static dyn SupportedKxGroup],
) -> Arc<rustls::ClientConfig> {
    Arc::new(rustls_client_config(c, mode, groups))
}

fn rustls_client_config(
    c: &Certs,
    mode: RustlsEchMode,
    groups: &[&'static dyn SupportedKxGroup],
) -> rustls::ClientConfig {
    let provider = Arc::new(RustlsProvider {
        kx_groups: groups.to_vec(),
        ..aws_lc_rs::default_provider()
    });
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(c.ca.clone())).unwrap();
    let mut cc = rustls::ClientConfig::builder_with_provider(provider)
        .with_ech(mode)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cc.alpn_protocols = vec![ALPN.to_vec()];
    cc
}

/// rustls's ECH mode for an ECHConfigList (as bytes).
fn offer(list: &[u8]) -> RustlsEchMode {
    RustlsEchMode::Enable(
        EchConfig::new(
            EchConfigListBytes::from(list.to_vec()),
            rustls_hpke::ALL_SUPPORTED_SUITES,
        )
        .unwrap(),
    )
}

fn default_groups() -> Vec<&'static dyn SupportedKxGroup> {
    aws_lc_rs::default_provider().kx_groups
}

// ------------------------------------------------------------ the pair

/// rustls's client and our server joined by memory.
struct Pair {
    client: rustls::ClientConnection,
    server: ServerConnection,
    /// Every byte rustls sent, in order.
    client_wire: Vec<u8>,
    client_err: Option<rustls::Error>,
    server_err: Option<tls13::Error>,
    server_complete: bool,
    server_rx: Vec<u8>,
    /// 0-RTT data our server received as such.
    server_early: Vec<u8>,
    client_rx: Vec<u8>,
}

impl Pair {
    fn new(client: &Arc<rustls::ClientConfig>, server: &Arc<ServerConfig>) -> Self {
        let name = ServerName::try_from(INNER).unwrap();
        Self {
            client: rustls::ClientConnection::new(client.clone(), name).unwrap(),
            server: ServerConnection::new(server.clone()).unwrap(),
            client_wire: Vec::new(),
            client_err: None,
            server_err: None,
            server_complete: false,
            server_rx: Vec::new(),
            server_early: Vec::new(),
            client_rx: Vec::new(),
        }
    }

    /// Moves bytes both ways until neither side has any to send; an
    /// error on either side is recorded (its alert still delivered).
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while self.client.wants_write() {
                let mut buf = Vec::new();
                self.client.write_tls(&mut buf).unwrap();
                if buf.is_empty() {
                    break;
                }
                moved = true;
                self.client_wire.extend_from_slice(&buf);
                if self.server_err.is_none()
                    && let Err(e) = self.server.receive(&buf)
                {
                    self.server_err = Some(e);
                }
                self.drain_server();
            }
            let out = self.server.pending_output().to_vec();
            self.server.consume_output(out.len());
            if !out.is_empty() {
                moved = true;
                if self.client_err.is_none() {
                    let mut rd = &out[..];
                    while !rd.is_empty() && self.client_err.is_none() {
                        self.client.read_tls(&mut rd).unwrap();
                        if let Err(e) = self.client.process_new_packets() {
                            self.client_err = Some(e);
                        }
                    }
                    self.drain_client();
                }
            }
            if !moved {
                return;
            }
        }
    }

    fn drain_server(&mut self) {
        let data = self.server.received_data();
        self.server_rx.extend_from_slice(data);
        let n = data.len();
        self.server.consume_received_data(n);
        while let Some(e) = self.server.next_event() {
            match e {
                Event::HandshakeComplete => self.server_complete = true,
                Event::EarlyData(d) => self.server_early.extend_from_slice(&d),
                Event::Closed(_) | Event::NewSessionTicket(_) => {}
                other => panic!("unexpected event with synchronous answerers: {other:?}"),
            }
        }
    }

    fn drain_client(&mut self) {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match self.client.reader().read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.client_rx.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => panic!("rustls reader: {e}"),
            }
        }
    }

    /// The handshake, which must complete on both sides.
    fn handshake(&mut self) -> Result<(), String> {
        self.pump();
        if let Some(e) = &self.client_err {
            return Err(format!("rustls: {e}"));
        }
        if let Some(e) = &self.server_err {
            return Err(format!("ours: {e}"));
        }
        if !self.server_complete || self.client.is_handshaking() {
            return Err("the handshake stalled".into());
        }
        Ok(())
    }

    /// Data both ways, each arriving intact.
    fn exchange(&mut self) -> Result<(), String> {
        let (a, b) = (
            b"from rustls, inside ECH".to_vec(),
            b"from our server".to_vec(),
        );
        self.client.writer().write_all(&a).unwrap();
        self.server.send(&b).map_err(|e| format!("send: {e}"))?;
        self.pump();
        if self.server_rx != a || self.client_rx != b {
            return Err(format!(
                "data: we got {:?}, rustls got {:?}",
                String::from_utf8_lossy(&self.server_rx),
                String::from_utf8_lossy(&self.client_rx)
            ));
        }
        Ok(())
    }

    /// The privacy property on the wire: rustls's bytes never hold the
    /// inner server name; they hold the public name (the outer SNI).
    fn check_wire(&self) -> Result<(), String> {
        let has = |needle: &[u8]| self.client_wire.windows(needle.len()).any(|w| w == needle);
        if has(INNER.as_bytes()) {
            return Err(format!("{INNER} crossed the wire in clear"));
        }
        if !has(PUBLIC.as_bytes()) {
            return Err(format!("the outer hello does not name {PUBLIC}"));
        }
        Ok(())
    }

    /// Both sides agree ECH was accepted, on the inner name and the ALPN.
    fn check_accepted(&self) -> Result<(), String> {
        let n = self.server.negotiated();
        if self.client.ech_status() != RustlsEch::Accepted {
            return Err(format!("rustls: ECH {:?}", self.client.ech_status()));
        }
        if n.ech != EchStatus::Accepted {
            return Err(format!("ours: ECH {:?}", n.ech));
        }
        if n.server_name.as_deref() != Some(INNER) {
            return Err(format!("ours: server name {:?}", n.server_name));
        }
        if n.alpn.as_deref() != Some(ALPN) || self.client.alpn_protocol() != Some(ALPN) {
            return Err(format!(
                "ALPN: ours {:?}, rustls {:?}",
                n.alpn,
                self.client.alpn_protocol()
            ));
        }
        Ok(())
    }
}

/// One accepted connection; everything checked.
fn accepted(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<ServerConfig>,
    hrr: bool,
) -> Result<(), String> {
    let mut p = Pair::new(client, server);
    p.handshake()?;
    p.check_accepted()?;
    let want = if hrr {
        HandshakeKind::FullWithHelloRetryRequest
    } else {
        HandshakeKind::Full
    };
    let n = p.server.negotiated();
    if p.client.handshake_kind() != Some(want) || n.hello_retry != hrr {
        return Err(format!(
            "HelloRetryRequest: rustls {:?}, ours {}",
            p.client.handshake_kind(),
            n.hello_retry
        ));
    }
    p.exchange()?;
    p.check_wire()
}

/// The connection fails at rustls with the server's retry_configs (as
/// encoded bytes); our server saw the ech_required alert.
fn rejected(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<ServerConfig>,
) -> Result<Vec<u8>, String> {
    let mut p = Pair::new(client, server);
    p.pump();
    p.check_wire()?;
    let retry = match &p.client_err {
        Some(rustls::Error::PeerIncompatible(
            PeerIncompatible::ServerRejectedEncryptedClientHello(Some(configs)),
        )) => {
            let mut bytes = Vec::new();
            configs.encode(&mut bytes);
            bytes
        }
        other => {
            return Err(format!(
                "rustls: expected a rejection with retry configs, got {other:?}"
            ));
        }
    };
    match &p.server_err {
        Some(tls13::Error::AlertReceived(a)) if *a == AlertDescription::ECH_REQUIRED => {}
        other => {
            return Err(format!(
                "ours: expected the ech_required alert, got {other:?}"
            ));
        }
    }
    if p.server.negotiated().ech != EchStatus::Rejected {
        return Err(format!("ours: ECH {:?}", p.server.negotiated().ech));
    }
    if !p.server_rx.is_empty() {
        return Err("application data over a rejected connection".into());
    }
    Ok(retry)
}

fn our_providers() -> Vec<&'static CryptoProvider> {
    let mut v = vec![tls13::crypto::rustcrypto::provider()];
    match tls13::crypto::graviola::provider() {
        Some(p) => v.push(p),
        None => println!("SKIPPED: graviola provider (this CPU lacks what it needs)"),
    }
    v
}

// ------------------------------------------------------------ tests

#[test]
fn accepted_for_each_hpke_suite_rustls_supports() {
    let c = certs();
    let mut failures = Vec::new();
    let mut ran = 0;
    for provider in our_providers() {
        for kem in KEMS {
            for aead in AEADS {
                let suite = Suite::new(kem, HpkeKdfId::HKDF_SHA256, aead);
                assert!(
                    suite.is_supported(provider),
                    "{suite:?} unsupported by our provider"
                );
                let key = ech_key(provider, kem, aead);
                let list = key.config_list().to_bytes();
                let server = our_server(
                    &c,
                    Ours {
                        provider,
                        groups: None,
                        keys: vec![key],
                    },
                );
                let client = rustls_client(&c, offer(&list), &default_groups());
                ran += 1;
                if let Err(e) = accepted(&client, &server, false) {
                    failures.push(format!("{kem:?}/{aead:?} ({}): {e}", provider.name));
                }
            }
        }
    }
    assert!(ran >= 6);
    assert!(
        failures.is_empty(),
        "{} of {ran} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn accepted_through_a_hello_retry_request() {
    let c = certs();
    let mut failures = Vec::new();
    for kem in KEMS {
        let key = ech_key(
            tls13::crypto::default_provider(),
            kem,
            HpkeAeadId::AES_128_GCM,
        );
        let list = key.config_list().to_bytes();
        // rustls shares X25519 first; our server takes only secp384r1.
        let server = our_server(
            &c,
            Ours {
                provider: tls13::crypto::default_provider(),
                groups: Some(vec![NamedGroup::SECP384R1]),
                keys: vec![key],
            },
        );
        let client = rustls_client(
            &c,
            offer(&list),
            &[aws_lc_rs::kx_group::X25519, aws_lc_rs::kx_group::SECP384R1],
        );
        if let Err(e) = accepted(&client, &server, true) {
            failures.push(format!("{kem:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// rustls holds a config the server dropped; the server has rotated to
/// two keys (the newer first). The retry configs are exactly what the
/// server publishes, and they work.
fn stale_then_retry(groups: Option<Vec<NamedGroup>>, hrr: bool) {
    let c = certs();
    let stale = default_key();
    let (newer, older) = (
        default_key(),
        ech_key(
            tls13::crypto::default_provider(),
            HpkeKemId::DHKEM_P256_HKDF_SHA256,
            HpkeAeadId::CHACHA20_POLY1305,
        ),
    );
    let server = our_server(
        &c,
        Ours {
            provider: tls13::crypto::default_provider(),
            groups,
            keys: vec![newer, older],
        },
    );
    let published = server.ech_config_list().unwrap().to_bytes();
    let rustls_groups = [aws_lc_rs::kx_group::X25519, aws_lc_rs::kx_group::SECP384R1];
    let client = rustls_client(&c, offer(&stale.config_list().to_bytes()), &rustls_groups);
    let retry = rejected(&client, &server).unwrap();
    assert_eq!(
        retry, published,
        "retry_configs differ from ech_config_list()"
    );
    let client = rustls_client(&c, offer(&retry), &rustls_groups);
    accepted(&client, &server, hrr).unwrap();
}

#[test]
fn stale_config_is_rejected_with_retry_configs_that_then_work() {
    stale_then_retry(None, false);
}

#[test]
fn stale_config_after_a_hello_retry_request_gets_retry_configs_too() {
    // §7.1.1: a server that rejected the first hello's ECH (and sent an
    // HRR) still sends retry_configs in EncryptedExtensions.
    stale_then_retry(Some(vec![NamedGroup::SECP384R1]), true);
}

#[test]
fn grease_completes_and_our_server_reports_rejected() {
    let c = certs();
    let server = our_server(&c, Ours::with(vec![default_key()]));
    for suite in [
        rustls_hpke::DH_KEM_X25519_HKDF_SHA256_AES_128,
        rustls_hpke::DH_KEM_P256_HKDF_SHA256_AES_128,
    ] {
        let (placeholder, _) = rustls::crypto::hpke::Hpke::generate_key_pair(suite).unwrap();
        let mode = RustlsEchMode::Grease(EchGreaseConfig::new(suite, placeholder));
        let client = rustls_client(&c, mode, &default_groups());
        let mut p = Pair::new(&client, &server);
        p.handshake().unwrap();
        assert_eq!(p.client.ech_status(), RustlsEch::Grease);
        let n = p.server.negotiated();
        assert_eq!(n.ech, EchStatus::Rejected, "{suite:?}");
        // GREASE hides nothing: the one hello names the server in clear.
        assert_eq!(n.server_name.as_deref(), Some(INNER));
        p.exchange().unwrap();
    }
}

#[test]
fn rustls_without_ech_against_our_ech_server_is_not_offered() {
    let c = certs();
    let server = our_server(&c, Ours::with(vec![default_key()]));
    let provider = Arc::new(aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(c.ca.clone())).unwrap();
    let client = Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let mut p = Pair::new(&client, &server);
    p.handshake().unwrap();
    assert_eq!(p.client.ech_status(), RustlsEch::NotOffered);
    assert_eq!(p.server.negotiated().ech, EchStatus::NotOffered);
    p.exchange().unwrap();
}

#[test]
fn resumed_with_early_data_inside_ech() {
    let c = certs();
    let key = default_key();
    let list = key.config_list().to_bytes();
    let server = Arc::new(
        our_server_builder(&c, Ours::with(vec![key]))
            .session_tickets(2)
            .max_early_data_size(16384)
            .build()
            .unwrap(),
    );
    let mut cc = rustls_client_config(&c, offer(&list), &default_groups());
    cc.enable_early_data = true;
    let client = Arc::new(cc);

    // The first connection takes the tickets (sent after the handshake).
    let mut first = Pair::new(&client, &server);
    first.handshake().unwrap();
    first.check_accepted().unwrap();
    first.exchange().unwrap();
    assert!(
        first.client.tls13_tickets_received() > 0,
        "no ticket arrived"
    );

    let mut p = Pair::new(&client, &server);
    let early = b"0-RTT inside the inner hello";
    p.client
        .early_data()
        .expect("rustls offers 0-RTT with the ticket")
        .write_all(early)
        .unwrap();
    p.handshake().unwrap();
    p.check_accepted().unwrap();
    p.check_wire().unwrap();
    assert_eq!(p.client.handshake_kind(), Some(HandshakeKind::Resumed));
    let n = p.server.negotiated();
    assert!(n.resumed && n.early_data_accepted, "{n:?}");
    assert!(p.client.is_early_data_accepted());
    assert_eq!(p.server_early, early);
    p.exchange().unwrap();
}
