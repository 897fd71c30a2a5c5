//! The tokio driver over loopback TCP: connect/accept round trips with
//! ALPN, half-close in both directions, close_notify versus truncation,
//! the lazy acceptor choosing a config by SNI, and a config the client
//! cannot agree with.

use std::io;
use std::sync::{Arc, OnceLock};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::pki_types::ServerName;
use tls13::tokio::{TlsAcceptor, TlsConnector, accept_lazy};
use tls13::unstable::msgs::enums::{AlertDescription, CipherSuite};
use tls13::{ClientConfig, Error, PinnedCertVerifier, ServerConfig};

struct Identity {
    leaf: Vec<u8>,
    key: Vec<u8>,
}

/// Two leaves from one CA: `a.example` and `b.example`.
fn identities() -> &'static [Identity; 2] {
    static IDS: OnceLock<[Identity; 2]> = OnceLock::new();
    IDS.get_or_init(|| {
        let rng = OsRandom;
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("tokio test CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
        let make = |name: &str| {
            let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
            let leaf = ca
                .issue(
                    &[SubjectAltName::Dns(name.into())],
                    &key,
                    1_700_000_000,
                    2_600_000_000,
                    &rng,
                )
                .unwrap();
            Identity {
                leaf,
                key: key.to_vec(),
            }
        };
        [make("a.example"), make("b.example")]
    })
}

fn server_config(id: &Identity, alpn: &[&[u8]]) -> Arc<ServerConfig> {
    Arc::new(
        ServerConfig::builder_with_single_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .alpn_protocols(alpn)
        .build()
        .unwrap(),
    )
}

fn client_config(pinned: &Identity, alpn: &[&[u8]]) -> Arc<ClientConfig> {
    Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(pinned.leaf.clone())))
            .alpn_protocols(alpn)
            .build()
            .unwrap(),
    )
}

fn name(n: &'static str) -> ServerName<'static> {
    ServerName::try_from(n).unwrap()
}

async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

fn tls_error(e: &io::Error) -> Option<&Error> {
    e.get_ref().and_then(|i| i.downcast_ref::<Error>())
}

#[tokio::test]
async fn connect_accept_round_trip_with_alpn() {
    let [a, _] = identities();
    let (l, addr) = listener().await;
    let acceptor = TlsAcceptor::new(server_config(a, &[b"h2", b"http/1.1"]));
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        let mut tls = acceptor.accept(sock).await.unwrap();
        assert_eq!(
            tls.conn().negotiated().alpn.as_deref(),
            Some(&b"http/1.1"[..])
        );
        assert_eq!(
            tls.conn().negotiated().server_name.as_deref(),
            Some("a.example")
        );
        let mut buf = [0u8; 5];
        tls.read_exact(&mut buf).await.unwrap();
        tls.write_all(&buf).await.unwrap();
        tls.shutdown().await.unwrap();
        // Half-close: the client's close_notify still arrives.
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty() && tls.peer_closed());
    });
    let connector = TlsConnector::new(client_config(a, &[b"http/1.1"]));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector.connect(name("a.example"), tcp).await.unwrap();
    assert!(!tls.conn().is_handshaking());
    assert_eq!(
        tls.conn().negotiated().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    tls.write_all(b"hello").await.unwrap();
    tls.flush().await.unwrap();
    let mut echoed = Vec::new();
    tls.read_to_end(&mut echoed).await.unwrap();
    assert_eq!(echoed, b"hello");
    assert!(tls.peer_closed());
    tls.shutdown().await.unwrap();
    server.await.unwrap();
}

/// The client closes its sending side first and still reads the
/// server's whole answer: TLS 1.3 half-close (RFC 9846 §6.1) carried
/// through to TCP.
#[tokio::test]
async fn client_half_close_then_reads_the_reply() {
    let [a, _] = identities();
    let (l, addr) = listener().await;
    let acceptor = TlsAcceptor::new(server_config(a, &[]));
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        let mut tls = acceptor.accept(sock).await.unwrap();
        let mut request = Vec::new();
        // Ends with Ok only because the client sent close_notify.
        tls.read_to_end(&mut request).await.unwrap();
        assert!(tls.peer_closed());
        // The peer closed; writing is still allowed.
        tls.write_all(b"you said: ").await.unwrap();
        tls.write_all(&request).await.unwrap();
        tls.shutdown().await.unwrap();
    });
    let connector = TlsConnector::new(client_config(a, &[]));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector.connect(name("a.example"), tcp).await.unwrap();
    tls.write_all(b"a request").await.unwrap();
    tls.shutdown().await.unwrap();
    assert!(
        tls.write_all(b"more").await.is_err(),
        "writing after shutdown"
    );
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).await.unwrap();
    assert_eq!(reply, b"you said: a request");
    server.await.unwrap();
}

/// A transport that ends without close_notify is a truncation, reported
/// as `UnexpectedEof` after the data that did arrive.
#[tokio::test]
async fn truncation_is_an_error_not_eof() {
    let [a, _] = identities();
    let (l, addr) = listener().await;
    let acceptor = TlsAcceptor::new(server_config(a, &[]));
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        let mut tls = acceptor.accept(sock).await.unwrap();
        tls.write_all(b"partial").await.unwrap();
        tls.flush().await.unwrap();
        // Close the TCP connection without close_notify.
        let (mut sock, _conn) = tls.into_inner();
        sock.shutdown().await.unwrap();
    });
    let connector = TlsConnector::new(client_config(a, &[]));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector.connect(name("a.example"), tcp).await.unwrap();
    let mut got = Vec::new();
    let err = tls.read_to_end(&mut got).await.unwrap_err();
    assert_eq!(got, b"partial");
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(tls_error(&err), Some(&Error::UnexpectedEof));
    assert!(!tls.peer_closed());
    server.await.unwrap();
}

/// The lazy acceptor picks the config by SNI: each name gets its own
/// certificate, which the client (pinning that certificate) accepts.
#[tokio::test]
async fn lazy_acceptor_chooses_config_by_sni() {
    let [a, b] = identities();
    let configs = [
        server_config(a, &[b"a-proto"]),
        server_config(b, &[b"b-proto"]),
    ];
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (sock, _) = l.accept().await.unwrap();
            let start = accept_lazy(sock).await.unwrap();
            let hello = start.client_hello().clone();
            let config = match hello.server_name.as_deref() {
                Some("b.example") => configs[1].clone(),
                _ => configs[0].clone(),
            };
            let mut tls = start.into_stream(config).await.unwrap();
            let mut buf = [0u8; 2];
            tls.read_exact(&mut buf).await.unwrap();
            tls.write_all(&buf).await.unwrap();
            tls.shutdown().await.unwrap();
            seen.push(hello);
        }
        seen
    });
    for (id, host, proto) in [
        (b, "b.example", &b"b-proto"[..]),
        (a, "a.example", &b"a-proto"[..]),
    ] {
        let connector = TlsConnector::new(client_config(id, &[b"x-proto", proto]));
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut tls = connector.connect(name(host), tcp).await.unwrap();
        assert_eq!(tls.conn().negotiated().alpn.as_deref(), Some(proto));
        tls.write_all(b"ok").await.unwrap();
        let mut back = Vec::new();
        tls.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"ok");
    }
    let seen = server.await.unwrap();
    assert_eq!(seen[0].server_name.as_deref(), Some("b.example"));
    assert_eq!(seen[0].alpn, [b"x-proto".to_vec(), b"b-proto".to_vec()]);
    assert_eq!(seen[1].server_name.as_deref(), Some("a.example"));
    assert!(!seen[1].signature_schemes.is_empty());
}

/// When the chosen config cannot serve the client (no common suite), the
/// server reports why and the client receives the alert.
#[tokio::test]
async fn lazy_acceptor_rejection_sends_the_alert() {
    let [a, _] = identities();
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        let start = accept_lazy(sock).await.unwrap();
        let only_chacha = Arc::new(
            ServerConfig::builder_with_single_cert(
                vec![a.leaf.clone()],
                SigningKey::from_der(&a.key).unwrap(),
            )
            .suites(&[CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
            .build()
            .unwrap(),
        );
        start.into_stream(only_chacha).await.unwrap_err()
    });
    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(a.leaf.clone())))
            .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256])
            .build()
            .unwrap(),
    );
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = TlsConnector::new(config)
        .connect(name("a.example"), tcp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted, "{err}");
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );
    let server_err = server.await.unwrap();
    assert!(
        matches!(tls_error(&server_err), Some(Error::PeerIncompatible(_))),
        "{server_err}"
    );
}

/// Something that is not TLS ends `accept_lazy` with an error and a
/// plaintext alert.
#[tokio::test]
async fn lazy_acceptor_rejects_non_tls() {
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        accept_lazy(sock).await.unwrap_err()
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let err = server.await.unwrap();
    assert!(tls_error(&err).is_some(), "{err}");
    // A fatal alert record: type 21, then level 2.
    assert_eq!(answer.first(), Some(&21));
    assert_eq!(answer.get(5), Some(&2));
}

/// A server without a shared ALPN protocol: the handshake fails on both
/// ends with no_application_protocol (RFC 7301 §3.2), through the
/// plain acceptor.
#[tokio::test]
async fn no_common_alpn_fails_both_ends() {
    let [a, _] = identities();
    let (l, addr) = listener().await;
    let acceptor = TlsAcceptor::new(server_config(a, &[b"h2"]));
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        acceptor.accept(sock).await.unwrap_err()
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = TlsConnector::new(client_config(a, &[b"http/1.1"]))
        .connect(name("a.example"), tcp)
        .await
        .unwrap_err();
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(
            AlertDescription::NO_APPLICATION_PROTOCOL
        ))
    );
    let server_err = server.await.unwrap();
    assert_eq!(
        server_err.kind(),
        io::ErrorKind::InvalidData,
        "{server_err}"
    );
}

/// Concurrent reads and writes on one stream through `tokio::io::split`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_stream_full_duplex() {
    let [a, _] = identities();
    let (l, addr) = listener().await;
    let acceptor = TlsAcceptor::new(server_config(a, &[]));
    let server = tokio::spawn(async move {
        let (sock, _) = l.accept().await.unwrap();
        let tls = acceptor.accept(sock).await.unwrap();
        let (mut r, mut w) = tokio::io::split(tls);
        tokio::io::copy(&mut r, &mut w).await.unwrap();
        w.shutdown().await.unwrap();
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = TlsConnector::new(client_config(a, &[]))
        .connect(name("a.example"), tcp)
        .await
        .unwrap();
    let (mut r, mut w) = tokio::io::split(tls);
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let expected = data.clone();
    let writer = tokio::spawn(async move {
        w.write_all(&data).await.unwrap();
        w.shutdown().await.unwrap();
    });
    let mut back = Vec::new();
    r.read_to_end(&mut back).await.unwrap();
    writer.await.unwrap();
    assert!(back == expected, "echo differs");
    server.await.unwrap();
}
