//! Shared by the quinn tests: a test PKI made on the spot (certgen),
//! tls13 configurations, quinn endpoints on 127.0.0.1 with this crate's
//! crypto, a deterministic byte pattern, and a bound on every wait.
#![allow(dead_code)]

use std::future::IntoFuture;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use quinn::{Endpoint, TokioRuntime};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::config::{ClientConfigBuilder, ServerConfigBuilder};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};

/// The bound on any one wait of a test: a handshake, a stream's data, a
/// close. Generous for debug builds on a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(60);

/// `future`, or a panic naming `what` after [`WAIT`].
pub async fn within<T>(what: &str, future: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within {WAIT:?}"))
}

/// A CA and what it issued: a server leaf for `localhost`, a client
/// leaf, each with its key.
pub struct Pki {
    pub ca_pem: String,
    pub server_chain: Vec<Vec<u8>>,
    pub server_key: Vec<u8>,
    pub client_chain: Vec<Vec<u8>>,
    pub client_key: Vec<u8>,
}

impl Pki {
    pub fn new() -> Self {
        let rng = OsRandom;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let (from, to) = (now - 86_400, now + 86_400 * 30);
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("tls13-quinn test CA", &ca_key, from, to, &rng).unwrap();
        let leaf = |name: &str| {
            let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
            let cert = ca
                .issue(&[SubjectAltName::Dns(name.into())], &key, from, to, &rng)
                .unwrap();
            (vec![cert, ca.cert_der().to_vec()], key.to_vec())
        };
        let (server_chain, server_key) = leaf("localhost");
        let (client_chain, client_key) = leaf("client.test");
        Self {
            ca_pem: certgen::to_pem("CERTIFICATE", ca.cert_der()),
            server_chain,
            server_key,
            client_chain,
            client_key,
        }
    }

    /// A server configuration builder with the `localhost` chain.
    pub fn server(&self) -> ServerConfigBuilder {
        tls13::ServerConfig::builder_with_single_cert(
            self.server_chain.clone(),
            SigningKey::from_der(&self.server_key).unwrap(),
        )
    }

    /// A client configuration builder trusting the CA.
    pub fn client(&self) -> ClientConfigBuilder {
        let verifier = WebPkiServerVerifier::from_pem(&self.ca_pem).unwrap();
        tls13::ClientConfig::builder(Arc::new(verifier))
    }

    /// A client builder presenting the client certificate when asked.
    pub fn client_with_cert(&self) -> ClientConfigBuilder {
        self.client().client_auth_cert(
            self.client_chain.clone(),
            SigningKey::from_der(&self.client_key).unwrap(),
        )
    }

    /// Verifies client certificates issued by the CA.
    pub fn client_verifier(&self) -> Arc<WebPkiClientVerifier> {
        Arc::new(WebPkiClientVerifier::from_pem(&self.ca_pem).unwrap())
    }
}

pub const ALPN: &[u8] = b"tls13-quinn-test";

fn socket() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").unwrap()
}

/// A quinn server endpoint on 127.0.0.1 with `config`.
pub fn server_endpoint(config: quinn::ServerConfig) -> (Endpoint, SocketAddr) {
    let endpoint = Endpoint::new(
        tls13_quinn::endpoint_config().unwrap(),
        Some(config),
        socket(),
        Arc::new(TokioRuntime),
    )
    .unwrap();
    let addr = endpoint.local_addr().unwrap();
    (endpoint, addr)
}

/// A quinn client endpoint on 127.0.0.1.
pub fn client_endpoint() -> Endpoint {
    Endpoint::new(
        tls13_quinn::endpoint_config().unwrap(),
        None,
        socket(),
        Arc::new(TokioRuntime),
    )
    .unwrap()
}

/// The handshake data of `conn`, as this crate gives it.
pub fn handshake_data(conn: &quinn::Connection) -> tls13_quinn::HandshakeData {
    *conn
        .handshake_data()
        .expect("handshake data")
        .downcast::<tls13_quinn::HandshakeData>()
        .expect("tls13_quinn::HandshakeData")
}

/// The QUIC error code that closed a connection, if one did.
pub fn close_code(error: &quinn::ConnectionError) -> Option<u64> {
    match error {
        quinn::ConnectionError::ConnectionClosed(close) => Some(close.error_code.into()),
        quinn::ConnectionError::TransportError(e) => Some(e.code.into()),
        _ => None,
    }
}

/// `len` bytes of a pattern that depends on `seed` and on each byte's
/// position, so that a lost, repeated or misplaced chunk shows.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// The first position where `got` differs from `want`, for a message
/// that says where a stream went wrong rather than dumping megabytes.
pub fn first_difference(got: &[u8], want: &[u8]) -> Option<usize> {
    got.iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .or_else(|| (got.len() != want.len()).then(|| got.len().min(want.len())))
}
