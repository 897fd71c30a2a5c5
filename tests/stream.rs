//! The blocking stream driver over loopback TCP: round trips, explicit
//! and implicit handshakes, close_notify versus truncation, transport
//! errors that can be retried, and deferred decisions.

mod canned;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use canned::Verdict;
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::stream::{ClientStream, ServerStream};
use tls13::verify::ServerCertVerifier;
use tls13::{
    ClientConfig, ClientConnection, Error, PinnedCertVerifier, ServerConfig, ServerConnection,
};

struct Identity {
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let rng = OsRandom;
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new(
            "stream test CA",
            &ca_key,
            1_700_000_000,
            2_600_000_000,
            &rng,
        )
        .unwrap();
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let leaf = ca
            .issue(
                &[SubjectAltName::Dns("localhost".into())],
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
    })
}

fn server_config() -> Arc<ServerConfig> {
    let id = identity();
    Arc::new(
        ServerConfig::builder_with_single_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .build()
        .unwrap(),
    )
}

fn client_config(verifier: Arc<dyn ServerCertVerifier>) -> Arc<ClientConfig> {
    Arc::new(ClientConfig::builder(verifier).build().unwrap())
}

fn pinned() -> Arc<dyn ServerCertVerifier> {
    Arc::new(PinnedCertVerifier::new(identity().leaf.clone()))
}

/// A listener and a thread running `serve` on its first connection.
fn spawn_server<R: Send + 'static>(
    serve: impl FnOnce(ServerStream<TcpStream>) -> R + Send + 'static,
) -> (u16, JoinHandle<R>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        serve(ServerStream::new(
            ServerConnection::new(server_config()).unwrap(),
            sock,
        ))
    });
    (port, h)
}

fn connect(port: u16, verifier: Arc<dyn ServerCertVerifier>) -> ClientStream<TcpStream> {
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    ClientStream::new(
        ClientConnection::new(client_config(verifier), "localhost").unwrap(),
        sock,
    )
}

fn tls_error(e: &io::Error) -> Option<&Error> {
    e.get_ref().and_then(|i| i.downcast_ref::<Error>())
}

#[test]
fn round_trip_reads_to_end_only_after_close_notify() {
    let (port, server) = spawn_server(|mut tls| {
        tls.handshake().unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).unwrap();
        tls.write_all(&got.iter().rev().copied().collect::<Vec<_>>())
            .unwrap();
        tls.close().unwrap();
        got
    });
    let mut tls = connect(port, pinned());
    tls.handshake().unwrap();
    assert!(!tls.conn().is_handshaking());
    // Larger than one record, to cross record boundaries.
    let msg: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    tls.write_all(&msg).unwrap();
    tls.close().unwrap();
    let mut back = Vec::new();
    tls.read_to_end(&mut back).unwrap();
    assert!(tls.peer_closed());
    assert_eq!(server.join().unwrap(), msg);
    assert_eq!(back, msg.iter().rev().copied().collect::<Vec<_>>());
    // Writing after close is refused.
    let e = tls.write(b"more").unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotConnected);
}

#[test]
fn first_write_runs_the_handshake() {
    let (port, server) = spawn_server(|mut tls| {
        let mut buf = [0u8; 5];
        tls.read_exact(&mut buf).unwrap();
        tls.close().unwrap();
        buf
    });
    let mut tls = connect(port, pinned());
    assert!(tls.conn().is_handshaking());
    tls.write_all(b"hello").unwrap();
    assert!(!tls.conn().is_handshaking());
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(&server.join().unwrap(), b"hello");
}

#[test]
fn truncation_is_unexpected_eof_not_end_of_data() {
    let (port, server) = spawn_server(|mut tls| {
        tls.handshake().unwrap();
        tls.write_all(b"partial").unwrap();
        tls.flush().unwrap();
        // Drop the socket without close_notify.
        let (sock, _) = tls.into_inner();
        sock.shutdown(std::net::Shutdown::Both).unwrap();
    });
    let mut tls = connect(port, pinned());
    let mut got = Vec::new();
    let e = tls.read_to_end(&mut got).unwrap_err();
    server.join().unwrap();
    assert_eq!(got, b"partial", "data before the truncation is delivered");
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(tls_error(&e), Some(&Error::UnexpectedEof));
    assert!(!tls.peer_closed());
}

#[test]
fn rejected_certificate_is_invalid_data_and_the_server_sees_the_alert() {
    let (port, server) = spawn_server(|mut tls| tls.handshake().unwrap_err());
    let other = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let wrong_pin = Arc::new(PinnedCertVerifier::new(other.to_vec()));
    let mut tls = connect(port, wrong_pin);
    let e = tls.handshake().unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    assert!(
        matches!(tls_error(&e), Some(Error::InvalidCertificate(_))),
        "{e}"
    );
    let server_err = server.join().unwrap();
    assert_eq!(
        server_err.kind(),
        io::ErrorKind::ConnectionAborted,
        "{server_err}"
    );
    assert!(matches!(
        tls_error(&server_err),
        Some(Error::AlertReceived(_))
    ));
}

#[test]
fn deferred_decisions_are_reported_not_hung_on() {
    let (port, server) = spawn_server(|mut tls| tls.handshake());
    let mut tls = connect(port, Arc::new(Verdict::Defer));
    let e = tls.handshake().unwrap_err();
    assert!(e.to_string().contains("synchronous decisions"), "{e}");
    drop(tls);
    // The server sees the transport end without close_notify.
    let r = server.join().unwrap();
    assert!(r.is_err());
}

/// A driver that cannot answer a deferred decision ends the connection
/// with an alert (internal_error), so the peer learns why instead of
/// seeing the transport close.
#[test]
fn deferred_decision_in_the_driver_alerts_the_peer() {
    let (port, server) = spawn_server(|mut tls| tls.handshake());
    let mut tls = connect(port, Arc::new(Verdict::Defer));
    let e = tls.handshake().unwrap_err();
    assert!(e.to_string().contains("synchronous decisions"), "{e}");
    let r = server.join().unwrap().unwrap_err();
    assert_eq!(
        tls_error(&r),
        Some(&Error::AlertReceived(
            tls13::unstable::msgs::enums::AlertDescription::INTERNAL_ERROR
        )),
        "{r}"
    );
    drop(tls);
}

/// A transport that hands out at most one byte per read and fails every
/// other call with `WouldBlock`, as a socket with a read timeout may.
struct Stuttering {
    inner: TcpStream,
    fail_next: bool,
}

impl Read for Stuttering {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.fail_next = !self.fail_next;
        if self.fail_next {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(1);
        self.inner.read(&mut buf[..n])
    }
}

impl Write for Stuttering {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[test]
fn retryable_transport_errors_leave_the_stream_usable() {
    let (port, server) = spawn_server(|mut tls| {
        tls.handshake().unwrap();
        tls.write_all(b"over a stuttering transport").unwrap();
        tls.close().unwrap();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).unwrap();
    });
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = ClientConnection::new(client_config(pinned()), "localhost").unwrap();
    let mut tls = ClientStream::new(
        conn,
        Stuttering {
            inner: sock,
            fail_next: false,
        },
    );
    let mut retries = 0;
    while let Err(e) = tls.handshake() {
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock, "{e}");
        retries += 1;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => retries += 1,
            Err(e) => panic!("{e}"),
        }
    }
    tls.close().unwrap();
    server.join().unwrap();
    assert_eq!(got, b"over a stuttering transport");
    assert!(
        retries > 100,
        "the transport did stutter ({retries} retries)"
    );
}
