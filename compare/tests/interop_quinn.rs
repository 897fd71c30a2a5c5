//! quinn on tls13 (tls13-quinn) against quinn on rustls (aws-lc-rs),
//! over UDP on 127.0.0.1, both ways: our client with a rustls server,
//! a rustls client with our server. Each pair echoes a stream checked
//! byte for byte, then resumes with 0-RTT: the early stream data is
//! accepted and echoed. Every wait is bounded.

#[path = "../../tests/peers/mod.rs"]
mod peers;

use std::future::IntoFuture;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use peers::{Pki, TempDir, pki};
use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use quinn::{Connection, Endpoint, EndpointConfig, TokioRuntime};
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tls13::certgen::KeyType;
use tls13::resumption::ClientSessionCache;

const ALPN: &[u8] = b"interop/1";
const WAIT: Duration = Duration::from_secs(60);

async fn within<T>(what: &str, future: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(WAIT, future.into_future())
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing within {WAIT:?}"))
}

fn endpoint(config: EndpointConfig, server: Option<quinn::ServerConfig>) -> Endpoint {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    Endpoint::new(config, server, socket, Arc::new(TokioRuntime)).unwrap()
}

/// A server endpoint echoing every bidirectional stream.
fn echo_server(config: EndpointConfig, server: quinn::ServerConfig) -> (Endpoint, SocketAddr) {
    let endpoint = endpoint(config, Some(server));
    let addr = endpoint.local_addr().unwrap();
    let accepting = endpoint.clone();
    tokio::spawn(async move {
        while let Some(incoming) = accepting.accept().await {
            tokio::spawn(async move {
                let Ok(conn) = incoming.await else { return };
                while let Ok((mut send, mut recv)) = conn.accept_bi().await {
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 64 * 1024];
                        while let Ok(Some(n)) = recv.read(&mut buf).await {
                            if send.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                        let _ = send.finish();
                        let _ = send.stopped().await;
                    });
                }
            });
        }
    });
    (endpoint, addr)
}

/// `len` bytes that differ with `seed` and position.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// Writes `data` on `send`, returns what `recv` gives back.
async fn echo_on(
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    data: Vec<u8>,
) -> Vec<u8> {
    let writer = tokio::spawn(async move {
        send.write_all(&data).await.unwrap();
        send.finish().unwrap();
    });
    let back = within("the echo", recv.read_to_end(usize::MAX))
        .await
        .unwrap();
    writer.await.unwrap();
    back
}

async fn round_trip(conn: &Connection, data: Vec<u8>) -> Vec<u8> {
    let (send, recv) = within("a stream", conn.open_bi()).await.unwrap();
    echo_on(send, recv, data).await
}

fn rustls_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

/// quinn's rustls server: our PKI's chain, 0-RTT allowed (quinn's rule:
/// max_early_data_size u32::MAX), tickets from rustls' defaults.
fn rustls_server(p: &Pki) -> quinn::ServerConfig {
    let mut tls = rustls::ServerConfig::builder_with_provider(rustls_provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(p.leaf.clone()),
                CertificateDer::from(p.ca.clone()),
            ],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.key.clone())),
        )
        .unwrap();
    tls.alpn_protocols = vec![ALPN.to_vec()];
    tls.max_early_data_size = u32::MAX;
    quinn::ServerConfig::with_crypto(Arc::new(QuicServerConfig::try_from(tls).unwrap()))
}

/// quinn's rustls client trusting our PKI's CA, 0-RTT enabled.
fn rustls_client(p: &Pki) -> quinn::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(p.ca.clone())).unwrap();
    let mut tls = rustls::ClientConfig::builder_with_provider(rustls_provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![ALPN.to_vec()];
    tls.enable_early_data = true;
    quinn::ClientConfig::new(Arc::new(QuicClientConfig::try_from(tls).unwrap()))
}

fn our_server(p: &Pki) -> quinn::ServerConfig {
    let tls = tls13::ServerConfig::builder_with_single_cert(
        vec![p.leaf.clone(), p.ca.clone()],
        tls13::crypto::sign::SigningKey::from_der(&p.key).unwrap(),
    )
    .alpn_protocols(&[ALPN])
    .session_tickets(2)
    .max_early_data_size(16384)
    .build()
    .unwrap();
    tls13_quinn::server_config(tls).unwrap()
}

fn our_client(p: &Pki, cache: Arc<ClientSessionCache>) -> quinn::ClientConfig {
    let verifier = tls13::verify_webpki::WebPkiServerVerifier::from_pem(
        &std::fs::read_to_string(&p.ca_pem).unwrap(),
    )
    .unwrap();
    let tls = tls13::ClientConfig::builder(Arc::new(verifier))
        .alpn_protocols(&[ALPN])
        .session_store(Some(cache))
        .enable_early_data(true)
        .build()
        .unwrap();
    tls13_quinn::client_config(tls).unwrap()
}

/// A full handshake with an echo of `len` bytes, then a second
/// connection that sends its stream in 0-RTT; returns the second
/// connection, established, and whether its 0-RTT was accepted.
async fn echo_then_0rtt(
    client: &Endpoint,
    config: &quinn::ClientConfig,
    addr: SocketAddr,
    before_second: impl std::future::Future<Output = ()>,
) -> (Connection, bool) {
    let first = within(
        "the first handshake",
        client
            .connect_with(config.clone(), addr, "localhost")
            .unwrap(),
    )
    .await
    .unwrap();
    let data = pattern(1 << 20, 7);
    let back = round_trip(&first, data.clone()).await;
    assert!(back == data, "1 MiB echo differs");
    before_second.await;
    first.close(0u32.into(), b"");

    let connecting = client
        .connect_with(config.clone(), addr, "localhost")
        .unwrap();
    let Ok((conn, accepted)) = connecting.into_0rtt() else {
        panic!("no 0-RTT on the second connection");
    };
    let (send, recv) = conn.open_bi().await.unwrap();
    let early = pattern(3000, 8);
    let back = echo_on(send, recv, early.clone()).await;
    assert!(back == early, "0-RTT echo differs");
    let accepted = within("the 0-RTT verdict", accepted).await;
    (conn, accepted)
}

/// Our client against quinn's rustls server.
#[tokio::test]
async fn tls13_quinn_client_with_rustls_server() {
    let dir = TempDir::new("interop-quinn-1");
    let p = pki(&dir, "quinn-rustls-server", "localhost", KeyType::EcdsaP256);
    let (_server, addr) = echo_server(EndpointConfig::default(), rustls_server(&p));
    let client = endpoint(tls13_quinn::endpoint_config().unwrap(), None);
    let cache = Arc::new(ClientSessionCache::new(8, 4, true));
    let config = our_client(&p, cache.clone());
    let wait_ticket = async {
        within("a ticket from rustls", async {
            while cache.count_for_name("localhost") == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
    };
    let (conn, accepted) = echo_then_0rtt(&client, &config, addr, wait_ticket).await;
    assert!(accepted, "rustls refused our 0-RTT");
    let data = *conn
        .handshake_data()
        .unwrap()
        .downcast::<tls13_quinn::HandshakeData>()
        .unwrap();
    assert_eq!(data.protocol.as_deref(), Some(ALPN));
    assert!(data.resumed && data.early_data_accepted);
    let chain = conn
        .peer_identity()
        .unwrap()
        .downcast::<Vec<CertificateDer<'static>>>()
        .unwrap();
    assert_eq!(chain[0].as_ref(), &p.leaf[..]);
}

/// quinn's rustls client against our server.
#[tokio::test]
async fn rustls_client_with_tls13_quinn_server() {
    let dir = TempDir::new("interop-quinn-2");
    let p = pki(&dir, "tls13-quinn-server", "localhost", KeyType::EcdsaP256);
    let (server, addr) = echo_server(tls13_quinn::endpoint_config().unwrap(), our_server(&p));
    let client = endpoint(EndpointConfig::default(), None);
    let config = rustls_client(&p);
    // rustls files tickets as they arrive; the echo's round trip comes
    // after the server's tickets, which it sends with the handshake's end.
    let settle = tokio::time::sleep(Duration::from_millis(50));
    let (conn, accepted) = echo_then_0rtt(&client, &config, addr, settle).await;
    assert!(accepted, "our server refused rustls' 0-RTT");
    let data = *conn
        .handshake_data()
        .unwrap()
        .downcast::<quinn::crypto::rustls::HandshakeData>()
        .unwrap();
    assert_eq!(data.protocol.as_deref(), Some(ALPN));
    drop(server);
}
