//! One server-name type everywhere (issue 12): `pki_types::ServerName`,
//! as rustls and tokio-rustls take it, with `&str`, `String` and `IpAddr`
//! for convenience — for `ClientConnection::new`, the tokio connector and
//! the verifier's argument alike; and the same accessor names on the
//! blocking and the tokio stream (tokio-rustls's `get_ref`, `get_mut`,
//! `into_inner`).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::pki_types::ServerName;
use tls13::verify::{Decision, ServerCertVerifier};
use tls13::{ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection};

/// A leaf for `localhost` and 127.0.0.1, its key.
fn identity() -> (Vec<u8>, Vec<u8>) {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("Names CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let names = [
        SubjectAltName::Dns("localhost".into()),
        SubjectAltName::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    ];
    let leaf = ca
        .issue(&names, &key, 1_700_000_000, 2_600_000_000, &rng)
        .unwrap();
    (leaf, key.to_vec())
}

/// Accepts everything and records the name it was asked to check.
#[derive(Default)]
struct Recording(Mutex<Vec<ServerName<'static>>>);

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        _end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        server_name: &ServerName<'_>,
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        self.0.lock().unwrap().push(server_name.to_owned());
        Decision::Ready(Ok(()))
    }
}

fn pump(from: &mut Connection, to: &mut Connection) -> bool {
    let out = from.pending_output().to_vec();
    from.consume_output(out.len());
    if !out.is_empty() {
        to.receive(&out).unwrap();
    }
    !out.is_empty()
}

/// Runs a handshake in memory; the SNI the server saw.
fn handshake(mut client: ClientConnection, server: &Arc<ServerConfig>) -> Option<String> {
    let mut server = ServerConnection::new(server.clone()).unwrap();
    while pump(&mut client, &mut server) | pump(&mut server, &mut client) {}
    assert!(!client.is_handshaking() && !server.is_handshaking());
    server.negotiated().server_name.clone()
}

#[test]
fn client_connection_takes_a_server_name_or_str_string_and_ip() {
    let (leaf, key) = identity();
    let server = Arc::new(
        ServerConfig::builder_with_single_cert(vec![leaf], SigningKey::from_der(&key).unwrap())
            .build()
            .unwrap(),
    );
    let recording = Arc::new(Recording::default());
    let config = Arc::new(ClientConfig::builder(recording.clone()).build().unwrap());
    let new = |c: Result<ClientConnection, Error>| c.unwrap();

    let owned: ServerName<'static> = ServerName::try_from("localhost").unwrap();
    let as_string = String::from("LocalHost.");
    let cases: Vec<(ClientConnection, Option<&str>)> = vec![
        // The ecosystem's type, owned and borrowed (rustls / tokio-rustls).
        (
            new(ClientConnection::new(config.clone(), owned.clone())),
            Some("localhost"),
        ),
        (
            new(ClientConnection::new(config.clone(), &owned)),
            Some("localhost"),
        ),
        // Convenience: &str, &String, String; normalised (case, trailing dot).
        (
            new(ClientConnection::new(config.clone(), "localhost")),
            Some("localhost"),
        ),
        (
            new(ClientConnection::new(config.clone(), &as_string)),
            Some("localhost"),
        ),
        (
            new(ClientConnection::new(config.clone(), as_string.clone())),
            Some("localhost"),
        ),
        // IP addresses, as text or typed: never sent in SNI (RFC 6066 §3).
        (
            new(ClientConnection::new(config.clone(), "127.0.0.1")),
            None,
        ),
        (
            new(ClientConnection::new(
                config.clone(),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            )),
            None,
        ),
        (
            new(ClientConnection::new(
                config.clone(),
                ServerName::from(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            )),
            None,
        ),
    ];
    for (client, sni) in cases {
        assert_eq!(handshake(client, &server).as_deref(), sni);
    }
    // The verifier received the same type, normalised.
    let seen = recording.0.lock().unwrap().clone();
    let localhost = ServerName::try_from("localhost").unwrap();
    let v4 = ServerName::from(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let v6 = ServerName::from(IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(
        seen,
        [
            localhost.clone(),
            localhost.clone(),
            localhost.clone(),
            localhost.clone(),
            localhost,
            v4.clone(),
            v6,
            v4
        ]
    );
    if let ServerName::DnsName(d) = &seen[3] {
        assert_eq!(d.as_ref(), "localhost", "lower-cased, no trailing dot");
    }
}

#[test]
fn a_name_that_is_neither_dns_nor_ip_is_a_config_error() {
    let (leaf, _) = identity();
    let config = Arc::new(
        ClientConfig::builder(Arc::new(tls13::PinnedCertVerifier::new(leaf)))
            .build()
            .unwrap(),
    );
    for bad in ["", "bad name", "a..b", "-x.example", "exa mple.com"] {
        match ClientConnection::new(config.clone(), bad) {
            Err(Error::BadConfig(m)) => assert!(
                m.contains("is neither a DNS name nor an IP address"),
                "{bad:?}: {m}"
            ),
            Err(e) => panic!("{bad:?}: {e:?}"),
            Ok(_) => panic!("{bad:?} accepted"),
        }
    }
}

/// The blocking and the tokio stream have tokio-rustls's accessors:
/// `get_ref()`/`get_mut()` give (transport, connection), `into_inner()`
/// takes the stream apart in the same order. The tokio connector takes a
/// `&str` as well as a `ServerName`, and its future does not borrow it.
#[test]
fn stream_and_tokio_stream_have_the_same_accessors() {
    let (leaf, key) = identity();
    let server = Arc::new(
        ServerConfig::builder_with_single_cert(
            vec![leaf.clone()],
            SigningKey::from_der(&key).unwrap(),
        )
        .build()
        .unwrap(),
    );
    let client = Arc::new(
        ClientConfig::builder(Arc::new(tls13::PinnedCertVerifier::new(leaf)))
            .build()
            .unwrap(),
    );

    // Blocking.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = server.clone();
    let t = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let conn = ServerConnection::new(s).unwrap();
        let mut tls = tls13::stream::Stream::new(conn, sock);
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).unwrap();
        tls.write_all(&buf).unwrap();
        tls.close().unwrap();
        let (sock, conn): (std::net::TcpStream, ServerConnection) = tls.into_inner();
        assert_eq!(conn.negotiated().server_name.as_deref(), Some("localhost"));
        drop(sock);
    });
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let conn = ClientConnection::new(client.clone(), "localhost").unwrap();
    let mut tls = tls13::stream::Stream::new(conn, sock);
    tls.write_all(b"ping").unwrap();
    let (sock, conn) = tls.get_mut();
    sock.set_nodelay(true).unwrap();
    assert!(!conn.is_handshaking());
    let (sock, conn) = tls.get_ref();
    assert_eq!(sock.peer_addr().unwrap().port(), port);
    assert!(conn.negotiated().suite.is_some());
    let mut echo = Vec::new();
    tls.read_to_end(&mut echo).unwrap();
    assert_eq!(echo, b"ping");
    let (_sock, _conn): (std::net::TcpStream, ClientConnection) = tls.into_inner();
    t.join().unwrap();

    // tokio.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let acceptor = tls13::tokio::TlsAcceptor::new(server);
        let task = tokio::spawn(async move {
            let (sock, _) = l.accept().await.unwrap();
            let mut tls = acceptor.accept(sock).await.unwrap();
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await.unwrap();
            tls.write_all(&buf).await.unwrap();
            tls.shutdown().await.unwrap();
            let (_sock, conn): (tokio::net::TcpStream, ServerConnection) = tls.into_inner();
            conn.negotiated().server_name.clone()
        });
        let connector = tls13::tokio::TlsConnector::new(client);
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        // A name made here and dropped before the future runs: not borrowed.
        let connect = {
            let name = String::from("localhost");
            connector.connect(name.as_str(), tcp)
        };
        let mut tls = tokio::spawn(connect).await.unwrap().unwrap();
        let (sock, conn) = tls.get_ref();
        assert_eq!(sock.peer_addr().unwrap(), addr);
        assert!(conn.negotiated().suite.is_some());
        let (_sock, conn) = tls.get_mut();
        assert!(!conn.is_handshaking());
        tls.write_all(b"pong").await.unwrap();
        let mut echo = Vec::new();
        tls.read_to_end(&mut echo).await.unwrap();
        assert_eq!(echo, b"pong");
        let (_sock, _conn): (tokio::net::TcpStream, ClientConnection) = tls.into_inner();
        assert_eq!(task.await.unwrap().as_deref(), Some("localhost"));
    });
}
