//! `tls13`: a sans-IO TLS 1.3 (RFC 9846) client and server in pure Rust.
//!
//! The core performs no I/O, reads no clock and draws randomness only from
//! an injected source: bytes go in ([`Connection::receive`]), bytes and
//! [`Event`]s come out ([`Connection::pending_output`],
//! [`Connection::next_event`]). Drivers move the bytes: the blocking
//! [`stream::Stream`] over any `Read + Write` (feature `std`), an async
//! driver for tokio, or your own loop. Decisions that may be slow or remote
//! — verifying a chain, choosing a certificate after the ClientHello,
//! signing with a key in an HSM — can be answered later ([`verify`]).
//! The crate is `no_std` + `alloc` at its core and `#![forbid(unsafe_code)]`.
//!
//! # Quick start: a client
//!
//! Trust anchors from a PEM file, the blocking driver over a `TcpStream`;
//! the handshake runs on first use. The server's chain is checked against
//! the anchors, its dates against the system clock and its name against
//! `server_name` ([`verify_webpki::WebPkiServerVerifier`]).
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::sync::Arc;
//! use tls13::verify_webpki::WebPkiServerVerifier;
//! use tls13::{ClientConfig, ClientConnection, stream::Stream};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let roots = WebPkiServerVerifier::from_pem(&std::fs::read_to_string("ca.pem")?)?;
//! let config = Arc::new(
//!     ClientConfig::builder(Arc::new(roots))
//!         .alpn_protocols(&[b"http/1.1"])
//!         .build()?,
//! );
//! let conn = ClientConnection::new(config, "example.com")?;
//! let mut tls = Stream::new(conn, TcpStream::connect("example.com:443")?);
//! tls.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")?;
//! let mut response = Vec::new();
//! tls.read_to_end(&mut response)?; // Ok only after the server's close_notify
//! println!("{:?}", tls.conn().negotiated().suite);
//! # Ok(())
//! # }
//! ```
//!
//! # Quick start: a server
//!
//! One certificate chain (leaf first) and its key, both from PEM; one
//! connection per accepted socket.
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpListener;
//! use std::sync::Arc;
//! use tls13::crypto::{pem, sign::SigningKey};
//! use tls13::{ServerConfig, ServerConnection, stream::Stream};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let chain = pem::certificates(&std::fs::read_to_string("cert.pem")?)?;
//! let key = SigningKey::from_pem(&std::fs::read_to_string("key.pem")?)?;
//! let config = Arc::new(ServerConfig::builder_with_single_cert(chain, key).build()?);
//! for sock in TcpListener::bind("127.0.0.1:4433")?.incoming() {
//!     let mut tls = Stream::new(ServerConnection::new(config.clone())?, sock?);
//!     let mut line = [0u8; 64];
//!     let n = tls.read(&mut line)?; // handshakes first
//!     tls.write_all(&line[..n])?;
//!     tls.close()?; // close_notify
//! }
//! # Ok(())
//! # }
//! ```
//!
//! A server that picks its certificate per connection (by SNI, say) passes
//! a [`ResolvesServerCert`] to [`ServerConfig::builder`] instead.
//!
//! # Quick start: mutual TLS
//!
//! The server requires a client certificate issued by its CA
//! ([`ClientAuth::Required`] with a
//! [`verify_webpki::WebPkiClientVerifier`]; [`ClientAuth::Optional`]
//! lets clients without one in); the client presents its chain when asked
//! ([`config::ClientConfigBuilder::client_auth_cert`]). The verified
//! client chain is in [`Negotiated::peer_certificates`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use tls13::crypto::{pem, sign::SigningKey};
//! use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
//! use tls13::{ClientAuth, ClientConfig, ServerConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let read = |path: &str| std::fs::read_to_string(path);
//! // Server side.
//! let server_config = ServerConfig::builder_with_single_cert(
//!     pem::certificates(&read("server.pem")?)?,
//!     SigningKey::from_pem(&read("server-key.pem")?)?,
//! )
//! .client_auth(ClientAuth::Required(Arc::new(WebPkiClientVerifier::from_pem(&read("client-ca.pem")?)?)))
//! .build()?;
//! // Client side.
//! let client_config = ClientConfig::builder(Arc::new(WebPkiServerVerifier::from_pem(&read("server-ca.pem")?)?))
//!     .client_auth_cert(
//!         pem::certificates(&read("client.pem")?)?,
//!         SigningKey::from_pem(&read("client-key.pem")?)?,
//!     )
//!     .build()?;
//! // After the handshake, on the server:
//! # let conn = tls13::ServerConnection::new(Arc::new(server_config))?;
//! if let Some(leaf) = conn.negotiated().peer_certificates.first() {
//!     println!("client: {}", tls13::x509::certificate_subject(leaf)?);
//! }
//! # let _ = client_config;
//! # Ok(())
//! # }
//! ```
//!
//! # Quick start: sans-IO
//!
//! Without a driver, the embedder moves the bytes. Here a client and a
//! server run in memory, each one's output fed to the other; over a socket
//! the loop is the same (see [`conn`] for one over a `TcpStream`).
//!
//! ```
//! use std::sync::Arc;
//! use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
//! use tls13::crypto::{OsRandom, sign::SigningKey};
//! use tls13::verify_webpki::WebPkiServerVerifier;
//! use tls13::{ClientConfig, ClientConnection, Connection, Error, Event, ServerConfig, ServerConnection};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A throwaway CA and a certificate for "localhost".
//! let rng = OsRandom;
//! let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
//! let ca = Ca::new("Doc CA", &ca_key, 1_700_000_000, 4_000_000_000, &rng)?;
//! let leaf_key = certgen::generate_key(KeyType::Ed25519, &rng)?;
//! let names = [SubjectAltName::Dns("localhost".into())];
//! let leaf = ca.issue(&names, &leaf_key, 1_700_000_000, 4_000_000_000, &rng)?;
//!
//! let server_config = ServerConfig::builder_with_single_cert(vec![leaf], SigningKey::from_der(&leaf_key)?)
//!     .alpn_protocols(&[b"h2"])
//!     .build()?;
//! let roots = WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", ca.cert_der()))?;
//! let client_config = ClientConfig::builder(Arc::new(roots)).alpn_protocols(&[b"h2"]).build()?;
//!
//! let mut client = ClientConnection::new(Arc::new(client_config), "localhost")?; // ClientHello queued
//! let mut server = ServerConnection::new(Arc::new(server_config))?;
//!
//! /// Moves what `from` has to send into `to`; whether anything moved.
//! fn pump(from: &mut Connection, to: &mut Connection) -> Result<bool, Error> {
//!     let out = from.pending_output().to_vec();
//!     from.consume_output(out.len()); // after an error too: alerts are output
//!     if !out.is_empty() {
//!         to.receive(&out)?; // every complete record is processed now
//!     }
//!     Ok(!out.is_empty())
//! }
//!
//! client.send(b"ping")?; // buffered until the handshake completes
//! let mut received = Vec::new();
//! while pump(&mut client, &mut server)? | pump(&mut server, &mut client)? {
//!     while let Some(event) = server.next_event() {
//!         if let Event::HandshakeComplete = event {
//!             println!("server: {:?}", server.negotiated().suite);
//!         }
//!     }
//!     // Application data is read where it was decrypted, then consumed.
//!     let ping = server.received_data().to_vec();
//!     if !ping.is_empty() {
//!         server.consume_received_data(ping.len());
//!         received.extend_from_slice(&ping);
//!         server.send(b"pong")?;
//!     }
//!     if client.received_data() == b"pong" {
//!         client.consume_received_data(4);
//!         client.close(); // close_notify
//!     }
//! }
//! assert_eq!(received, b"ping");
//! assert_eq!(client.negotiated().alpn.as_deref(), Some(&b"h2"[..]));
//! # Ok(())
//! # }
//! ```
//!
//! `receive` takes every byte given, in chunks of any size; an application
//! that leaves received data unread reads its transport only while
//! [`Connection::wants_read`] says so (backpressure, never an error).
//!
//! Deferred decisions arrive as events in the same loop
//! ([`Event::VerifyServerCert`], [`Event::SelectCertificate`],
//! [`Event::Sign`], [`Event::VerifyClientCert`]) and are answered through
//! the connection ([`ClientConnection::answer_verify`] and friends).
//!
//! # Quick start: tokio
//!
//! With the `tokio` feature, `tls13::tokio` has a connector and an
//! acceptor in the shape of tokio-rustls; their streams are
//! `AsyncRead + AsyncWrite`. Like [`stream::Stream`] they only move bytes
//! for the same sans-IO connection. Here both ends run over loopback:
//!
//! ```
//! use std::sync::Arc;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::{TcpListener, TcpStream};
//! use tls13::tokio::{TlsAcceptor, TlsConnector};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use tls13::certgen::{self, KeyType, SubjectAltName};
//! # let rng = tls13::crypto::OsRandom;
//! # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
//! # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
//! # let key = tls13::crypto::sign::SigningKey::from_der(&key)?;
//! # let server_config = tls13::ServerConfig::builder_with_single_cert(vec![cert.clone()], key).build()?;
//! # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
//! # let client_config = tls13::ClientConfig::builder(Arc::new(roots)).build()?;
//! // Server: accept TCP, then TLS; echo five bytes and close.
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let acceptor = TlsAcceptor::new(Arc::new(server_config));
//! let server = tokio::spawn(async move {
//!     let (tcp, _) = listener.accept().await?;
//!     let mut tls = acceptor.accept(tcp).await?;
//!     let mut msg = [0u8; 5];
//!     tls.read_exact(&mut msg).await?;
//!     tls.write_all(&msg).await?;
//!     tls.shutdown().await // close_notify, then the TCP FIN
//! });
//!
//! // Client: the name is a `&str`, a `pki_types::ServerName` or an `IpAddr`.
//! let connector = TlsConnector::new(Arc::new(client_config));
//! let mut tls = connector.connect("localhost", TcpStream::connect(addr).await?).await?;
//! tls.write_all(b"hello").await?;
//! let mut reply = Vec::new();
//! tls.read_to_end(&mut reply).await?; // Ok only after the server's close_notify
//! assert_eq!(reply, b"hello");
//! server.await??;
//! # Ok(())
//! # }
//! ```
//!
//! `tls13::tokio::accept_lazy` reads the ClientHello first, to choose the
//! server's configuration by SNI or ALPN.
//!
//! # Features
//!
//! - `std` (default): the OS random source ([`crypto::OsRandom`]), the
//!   system clock, [`KeyLogFile`] (SSLKEYLOGFILE) and the
//!   blocking driver [`stream`]. Without it, configurations need an
//!   explicit `rng` and `time`.
//! - `log`: diagnostics through the `log` crate under the target `tls13`
//!   — handshake messages sent and received (by type), the negotiated
//!   parameters, alerts and errors; never secrets or application data.
//!   Works without `std`. Any `log` backend shows them, e.g. `env_logger`
//!   with `RUST_LOG=tls13=debug`.
//! - `tokio` (implies `std`): the async driver `tls13::tokio` (connector,
//!   acceptor, lazy acceptor); it needs only tokio's `AsyncRead` /
//!   `AsyncWrite`, no runtime feature.
//! - `webpki-roots`: Mozilla's root set compiled in, as
//!   `x509::TrustAnchor::mozilla()` and
//!   `verify_webpki::WebPkiServerVerifier::mozilla()`. Works without `std`.
//! - `native-roots` (implies `std`): the operating system's trusted roots
//!   through `rustls-native-certs`, as `x509::TrustAnchor::native()` and
//!   `verify_webpki::WebPkiServerVerifier::native()`.
//!
//! None of these is needed for certificates from files:
//! [`verify_webpki::WebPkiServerVerifier::from_pem`] takes any PEM text.
//! (The `fuzzing` feature is for the `fuzz/` crate only: it switches all
//! security off, and builds only under cargo-fuzz.)
//!
//! # Debugging
//!
//! Besides the `log` feature: a [`KeyLog`] (e.g. [`KeyLogFile`], which
//! honours `SSLKEYLOGFILE`, as the `client` and `server` examples do)
//! receives the traffic secrets so that Wireshark can decrypt a capture,
//! and [`unstable::trace`] prints a handshake in the layout of RFC 8448.
//!
//! # Coming from rustls
//!
//! `docs/coming-from-rustls.md` in the repository maps the common rustls
//! calls to this crate's.
//!
//! # Modules, bottom to top
//!
//! The wire level, outside the stable API, is under [`unstable`]:
//! [`unstable::codec`] (length-prefixed reading and writing) →
//! [`unstable::msgs`] (every wire type) → [`crypto`] (hashes, HKDF, AEADs,
//! QUIC header protection, key exchange, signatures, PEM), with [`hpke`]
//! (RFC 9180, for ECH) built on it →
//! [`unstable::key_schedule`] → [`unstable::record`] (framing,
//! protection), with [`quic`] (QUIC packet protection, RFC 9001 §5)
//! beside the record layer. Above it: the handshake state machines
//! (internal) → [`conn`] (the public connections, with [`config`],
//! [`verify`], [`verify_webpki`] and [`x509`]) → [`stream`] (the blocking
//! driver). [`certgen`] makes test and demo certificates;
//! [`error`] holds the typed errors, each with the alert it sends.
//!
//! # Debug builds of your program
//!
//! Cargo applies only the `[profile]` settings of the workspace being
//! built, never a dependency's, and a debug build compiles dependencies at
//! `opt-level = 0`. The AEADs and hashes are generic RustCrypto code
//! instantiated inside this crate, so at opt-level 0 bulk data crawls: a
//! 10 MiB echo over loopback took 9.7 s of CPU, against 0.07 s with every
//! dependency optimised. In your `Cargo.toml`:
//!
//! ```toml
//! [profile.dev.package."*"]
//! opt-level = 2
//! ```
//!
//! optimises every dependency (this crate and the crypto crates included;
//! `cargo test` inherits it) while your own crates stay at 0 and fully
//! debuggable. To optimise fewer crates, `tls13` is the one that matters
//! most (0.5 s alone); `aes`, `ghash`, `polyval`, `chacha20`, `poly1305`
//! and `sha2` besides bring bulk data within reach of the above (0.1 s),
//! while handshakes stay slower (the curve and RSA crates). The README
//! has the measurements.
#![forbid(unsafe_code)]
// No panic on peer input, ever: outside tests, every
// unwrap, index, panic and unchecked arithmetic is an error; the few
// provably unreachable cases carry a local `allow` with the reason.
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
// The crate docs above link items that exist only with `std` (the stream
// driver, OsRandom, KeyLogFile); a no_std doc build shows them as text.
#![cfg_attr(not(feature = "std"), allow(rustdoc::broken_intra_doc_links))]
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// The `fuzzing` feature switches all security off (see `crypto`). Cargo
// unifies features across a build, so any crate in a dependency graph
// could switch it on for everyone; it therefore also needs the `fuzzing`
// cfg that cargo-fuzz passes to rustc (RUSTFLAGS="--cfg fuzzing"), which
// no dependency can set.
#[cfg(all(feature = "fuzzing", not(fuzzing)))]
compile_error!(
    "the `fuzzing` feature of tls13 DISABLES ALL SECURITY and is only for the fuzz \
     crate: it builds only under cargo-fuzz, or with RUSTFLAGS=\"--cfg fuzzing\""
);

pub mod certgen;
pub mod compress;
pub mod config;
pub mod conn;
pub mod crypto;
#[cfg(feature = "std")]
mod driver;
pub mod ech;
pub mod error;
mod handshake;
pub mod hpke;
mod log;
pub mod pki;
pub mod quic;
pub mod resumption;
#[cfg(feature = "std")]
pub mod stream;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod unstable;
pub mod verify;
pub mod verify_webpki;
pub mod x509;

// The wire-level modules live under `unstable` (outside the stable API);
// inside the crate they keep their short paths (`crate::msgs::...`).
use unstable::{codec, key_schedule, msgs, record};

/// The code of `docs/coming-from-rustls.md`, compiled by `cargo test --doc`
/// so that the page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../docs/coming-from-rustls.md")]
pub struct ComingFromRustls;

pub use config::{ClientAuth, ClientConfig, PaddingPolicy, ServerConfig, TimeSource};
pub use conn::{
    ClientConnection, ClientVerifyRequest, CloseKind, Connection, EchStatus, Event, Negotiated,
    ServerConnection, SignRequest, VerifyRequest,
};
pub use error::Error;
/// The key log interface and the SSLKEYLOGFILE writer (debugging only).
pub use key_schedule::KeyLog;
#[cfg(feature = "std")]
pub use key_schedule::KeyLogFile;
/// The TLS code points a configuration names (suites, groups, signature
/// schemes, certificate types, PSK modes) and the ones it reports
/// (versions, alerts).
pub use msgs::enums::{
    AlertDescription, CertificateType, CipherSuite, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode, SignatureScheme,
};
/// The ecosystem's certificate, key and name types (see [`pki`]).
pub use pki_types;
pub use verify::{
    CertificateRequestInfo, CertifiedKey, ClientCertVerifier, ClientHelloInfo, Decision,
    IntoServerName, PinnedCertVerifier, PinnedClientCertVerifier, ResolvesClientCert,
    ResolvesServerCert, ServerCertVerifier, ServerName, Signer, SingleClientCert,
};
