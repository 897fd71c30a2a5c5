//! 64 MiB each way over loopback TCP, every byte checked, through the
//! blocking driver and through the tokio driver. The data is a
//! position-dependent pattern, so a lost, repeated or reordered record
//! shows as a mismatch at a known offset, not just a wrong total.

use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::{ClientConfig, ClientConnection, PinnedCertVerifier, ServerConfig, ServerConnection};

const TOTAL: usize = 64 << 20;
/// An odd write size, so writes and records never line up.
const WRITE: usize = 100_003;

/// The byte at offset `pos` of a direction's stream (`salt` tells the
/// directions apart).
fn pattern(pos: usize, salt: u64) -> u8 {
    let x = (pos as u64 ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 56) as u8
}

fn fill(buf: &mut [u8], start: usize, salt: u64) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = pattern(start + i, salt);
    }
}

/// The offset of the first byte of `got` (found at offset `start`) that
/// is not the pattern's.
fn mismatch(got: &[u8], start: usize, salt: u64) -> Option<usize> {
    got.iter()
        .enumerate()
        .position(|(i, b)| *b != pattern(start + i, salt))
        .map(|i| start + i)
}

fn check(got: &[u8], start: usize, salt: u64) {
    if let Some(at) = mismatch(got, start, salt) {
        panic!("byte {at} differs");
    }
}

const UP: u64 = 0x55;
const DOWN: u64 = 0xAA;

struct Identity {
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let rng = OsRandom;
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("bulk CA", &key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
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

fn configs() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let id = identity();
    let server = ServerConfig::builder_with_single_cert(
        vec![id.leaf.clone()],
        SigningKey::from_der(&id.key).unwrap(),
    )
    .build()
    .unwrap();
    let client = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(id.leaf.clone())))
        .build()
        .unwrap();
    (Arc::new(client), Arc::new(server))
}

fn send_blocking(w: &mut impl Write, salt: u64) {
    let mut buf = vec![0u8; WRITE];
    let mut sent = 0;
    while sent < TOTAL {
        let n = WRITE.min(TOTAL - sent);
        fill(&mut buf[..n], sent, salt);
        w.write_all(&buf[..n]).unwrap();
        sent += n;
    }
    w.flush().unwrap();
}

/// Reads exactly `TOTAL` bytes, checking each.
fn receive_blocking(r: &mut impl Read, salt: u64) {
    let mut buf = vec![0u8; 70_001];
    let mut got = 0;
    while got < TOTAL {
        let want = buf.len().min(TOTAL - got);
        let n = r.read(&mut buf[..want]).unwrap();
        assert!(n > 0, "EOF after {got} bytes");
        check(&buf[..n], got, salt);
        got += n;
    }
}

#[test]
fn blocking_driver_carries_64_mib_each_way() {
    use std::net::{TcpListener, TcpStream};
    use tls13::stream::Stream;

    let (client_config, server_config) = configs();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let started = Instant::now();
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut tls = Stream::new(ServerConnection::new(server_config).unwrap(), sock);
        receive_blocking(&mut tls, UP);
        send_blocking(&mut tls, DOWN);
        tls.close().unwrap();
        // Then the client's close_notify, and nothing else.
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    });
    let sock = TcpStream::connect(addr).unwrap();
    let mut tls = Stream::new(
        ClientConnection::new(client_config, "localhost").unwrap(),
        sock,
    );
    send_blocking(&mut tls, UP);
    receive_blocking(&mut tls, DOWN);
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty() && tls.peer_closed());
    tls.close().unwrap();
    server.join().unwrap();
    eprintln!("blocking: 2 x 64 MiB in {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_driver_carries_64_mib_each_way() {
    use tls13::pki_types::ServerName;
    use tls13::tokio::{TlsAcceptor, TlsConnector};
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    async fn send(w: &mut (impl AsyncWrite + Unpin), salt: u64) {
        let mut buf = vec![0u8; WRITE];
        let mut sent = 0;
        while sent < TOTAL {
            let n = WRITE.min(TOTAL - sent);
            fill(&mut buf[..n], sent, salt);
            w.write_all(&buf[..n]).await.unwrap();
            sent += n;
        }
        w.flush().await.unwrap();
    }
    async fn receive(r: &mut (impl AsyncRead + Unpin), salt: u64) {
        let mut buf = vec![0u8; 70_001];
        let mut got = 0;
        while got < TOTAL {
            let want = buf.len().min(TOTAL - got);
            let n = r.read(&mut buf[..want]).await.unwrap();
            assert!(n > 0, "EOF after {got} bytes");
            check(&buf[..n], got, salt);
            got += n;
        }
    }

    let (client_config, server_config) = configs();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let started = Instant::now();
    let acceptor = TlsAcceptor::new(server_config);
    let server = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(sock).await.unwrap();
        receive(&mut tls, UP).await;
        send(&mut tls, DOWN).await;
        tls.shutdown().await.unwrap();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    });
    let sock = TcpStream::connect(addr).await.unwrap();
    let mut tls = TlsConnector::new(client_config)
        .connect(ServerName::try_from("localhost").unwrap(), sock)
        .await
        .unwrap();
    send(&mut tls, UP).await;
    receive(&mut tls, DOWN).await;
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty() && tls.peer_closed());
    tls.shutdown().await.unwrap();
    server.await.unwrap();
    eprintln!("tokio: 2 x 64 MiB in {:?}", started.elapsed());
}

#[test]
fn pattern_tells_offsets_and_directions_apart() {
    // The check must be able to fail: a shifted or swapped stream differs.
    let mut a = vec![0u8; 4096];
    fill(&mut a, 0, UP);
    let mut shifted = vec![0u8; 4096];
    fill(&mut shifted, 1, UP);
    let mut other = vec![0u8; 4096];
    fill(&mut other, 0, DOWN);
    assert_ne!(a, shifted);
    assert_ne!(a, other);
    assert_eq!(mismatch(&shifted, 0, UP), Some(0));
    assert_eq!(mismatch(&other, 0, UP), Some(0));
    let mut flipped = a.clone();
    flipped[3000] ^= 1;
    assert_eq!(mismatch(&flipped, 0, UP), Some(3000));
    assert_eq!(mismatch(&a[100..], 100, UP), None);
}
