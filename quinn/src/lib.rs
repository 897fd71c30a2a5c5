//! `tls13-quinn`: [quinn](https://docs.rs/quinn)'s QUIC transport with
//! the `tls13` library's TLS 1.3 and packet protection, in pure Rust.
//!
//! quinn-proto abstracts its cryptography behind the traits of
//! [`quinn_proto::crypto`]; this crate implements them on
//! [`tls13::quic`] (RFC 9001): the handshake from tls13's state machines,
//! packet and header protection, key updates, Retry integrity tags, and
//! the endpoint's stateless reset and token keys from a tls13
//! [`CryptoProvider`](tls13::crypto::CryptoProvider). quinn and
//! quinn-proto are used without their rustls features, so nothing in the
//! build needs ring, aws-lc or a C compiler.
//!
//! # Use
//!
//! Build tls13 configurations as for TLS over TCP, with ALPN protocols
//! (QUIC requires them, RFC 9001 §8.1), and hand them to quinn through
//! [`client_config`], [`server_config`] and [`endpoint_config`]:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use tls13::verify_webpki::WebPkiServerVerifier;
//!
//! # let (ca_pem, chain, key) = (String::new(), vec![], tls13::crypto::sign::SigningKey::from_der(&[])?);
//! // Server: a certificate chain and key, and the application protocol.
//! let tls = tls13::ServerConfig::builder_with_single_cert(chain, key)
//!     .alpn_protocols(&[b"echo/1"])
//!     .build()?;
//! let socket = std::net::UdpSocket::bind("127.0.0.1:4433")?;
//! let server = quinn::Endpoint::new(
//!     tls13_quinn::endpoint_config()?,
//!     Some(tls13_quinn::server_config(tls)?),
//!     socket,
//!     Arc::new(quinn::TokioRuntime),
//! )?;
//!
//! // Client: how to check the server, and the same protocol.
//! let verifier = Arc::new(WebPkiServerVerifier::from_pem(&ca_pem)?);
//! let tls = tls13::ClientConfig::builder(verifier)
//!     .alpn_protocols(&[b"echo/1"])
//!     .build()?;
//! let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! let mut client = quinn::Endpoint::new(
//!     tls13_quinn::endpoint_config()?,
//!     None,
//!     socket,
//!     Arc::new(quinn::TokioRuntime),
//! )?;
//! client.set_default_client_config(tls13_quinn::client_config(tls)?);
//! let connection = client.connect("127.0.0.1:4433".parse()?, "localhost")?.await?;
//! let data = connection.handshake_data().unwrap();
//! let data = data.downcast::<tls13_quinn::HandshakeData>().unwrap();
//! assert_eq!(data.protocol.as_deref(), Some(&b"echo/1"[..]));
//! # let _ = server;
//! # Ok(())
//! # }
//! ```
//!
//! For more control, wrap the configurations yourself
//! ([`QuicClientConfig`], [`QuicServerConfig`]: early data context,
//! key update frequency, a count of key updates) and build quinn's
//! configurations from them.
//!
//! # What quinn gets
//!
//! - [`handshake_data`](quinn_proto::crypto::Session::handshake_data): a
//!   [`HandshakeData`] (ALPN protocol, server name, resumed, 0-RTT
//!   accepted, ...), from the server's ClientHello or the client's
//!   EncryptedExtensions on.
//! - [`peer_identity`](quinn_proto::crypto::Session::peer_identity): the
//!   peer's certificate chain, leaf first, as
//!   `Vec<tls13::pki_types::CertificateDer<'static>>` (the type quinn's
//!   rustls session gives), once verified.
//! - Errors: a TLS failure closes the connection with the connection's
//!   QUIC error code (CRYPTO_ERROR + alert, e.g. 0x178 for no
//!   application protocol in common, or PROTOCOL_VIOLATION; RFC 9001
//!   §4.8) and the tls13 error's text as the reason.
//! - Resumption and 0-RTT through the tls13 client configuration's
//!   session store, the same configuration serving every connection
//!   (see [`QuicServerConfig`] for when the server accepts 0-RTT).
//!
//! # Deferred decisions
//!
//! tls13 lets a verifier, signer, certificate resolver or ticket store
//! answer later ([`Decision::Deferred`](tls13::Decision)); quinn's
//! session is synchronous and has no way to wait, so a deferral fails
//! the connection (CRYPTO_ERROR internal_error, 0x150, with a reason
//! saying what was deferred). The defaults all answer at once.
#![forbid(unsafe_code)]
// No panic on peer input: outside tests, no unwrap, expect, indexing,
// panic or unchecked arithmetic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
#![warn(missing_docs)]

mod config;
mod early_context;
mod keys;
mod session;
mod token;

use std::sync::Arc;

pub use config::{QuicClientConfig, QuicServerConfig};
pub use token::{ResetKey, TokenKey};

/// Re-exported: the QUIC crate whose traits this crate implements.
pub use quinn_proto;
/// Re-exported: the TLS library.
pub use tls13;

/// The QUIC versions implemented: version 1 (RFC 9000) only.
pub const SUPPORTED_VERSIONS: &[u32] = &[1];

/// What the handshake negotiated, as quinn's `handshake_data()` gives
/// it (downcast the `Box<dyn Any>` to this type). Available from the
/// server's reading of the ClientHello, or the client's reading of the
/// EncryptedExtensions, on; the flags about the handshake's end are
/// final once the connection is established.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeData {
    /// The application protocol (ALPN), always agreed over QUIC.
    pub protocol: Option<Vec<u8>>,
    /// The server name (SNI): the one the client sent (server side), or
    /// asked for (client side).
    pub server_name: Option<String>,
    /// The handshake resumed a session (a ticket or an external PSK).
    pub resumed: bool,
    /// 0-RTT data was offered and accepted.
    pub early_data_accepted: bool,
    /// A HelloRetryRequest happened (the client's first key shares did
    /// not suit the server).
    pub hello_retry: bool,
    /// The cipher suite.
    pub suite: Option<tls13::CipherSuite>,
    /// The key exchange group.
    pub group: Option<tls13::NamedGroup>,
    /// The peer authenticated with a raw public key (RFC 7250): its
    /// identity is a SubjectPublicKeyInfo, not a certificate chain.
    pub peer_raw_public_key: bool,
}

impl HandshakeData {
    fn from_negotiated(n: &tls13::Negotiated) -> Self {
        Self {
            protocol: n.alpn.clone(),
            server_name: n.server_name.clone(),
            resumed: n.resumed,
            early_data_accepted: n.early_data_accepted,
            hello_retry: n.hello_retry,
            suite: n.suite,
            group: n.group,
            peer_raw_public_key: n.peer_raw_public_key,
        }
    }
}

/// quinn's client configuration for `tls` (see [`QuicClientConfig::new`]
/// for what is refused). Keep it (or `tls`) for later connections: the
/// session store that resumes them is in `tls`.
pub fn client_config(
    tls: impl Into<Arc<tls13::ClientConfig>>,
) -> Result<quinn_proto::ClientConfig, tls13::Error> {
    Ok(quinn_proto::ClientConfig::new(Arc::new(
        QuicClientConfig::new(tls)?,
    )))
}

/// quinn's server configuration for `tls` (see [`QuicServerConfig::new`]
/// for what is refused), with a fresh [`TokenKey`] for Retry and
/// address-validation tokens, from `tls`'s provider and random source.
pub fn server_config(
    tls: impl Into<Arc<tls13::ServerConfig>>,
) -> Result<quinn_proto::ServerConfig, tls13::Error> {
    let tls = tls.into();
    let token_key = TokenKey::new(tls.provider(), tls.rng().as_ref())?;
    Ok(quinn_proto::ServerConfig::new(
        Arc::new(QuicServerConfig::new(tls)?),
        Arc::new(token_key),
    ))
}

/// quinn's endpoint configuration with a fresh [`ResetKey`] for
/// stateless resets (from the default provider and the operating
/// system's random source) and QUIC version 1 only.
pub fn endpoint_config() -> Result<quinn_proto::EndpointConfig, tls13::Error> {
    let key = ResetKey::new(tls13::crypto::default_provider(), &tls13::crypto::OsRandom)?;
    let mut config = quinn_proto::EndpointConfig::new(Arc::new(key));
    config.supported_versions(SUPPORTED_VERSIONS.to_vec());
    Ok(config)
}
