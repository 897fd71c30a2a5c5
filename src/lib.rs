//! `tls13`: a sans-IO TLS 1.3 (RFC 8446) client and server in pure Rust.
//!
//! Start with [`ClientConfig`] / [`ServerConfig`] and
//! [`ClientConnection`] / [`ServerConnection`]; see [`conn`] for the
//! driving loop and [`config`] for the injected randomness and clock.
#![forbid(unsafe_code)]
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod certgen;
pub mod codec;
pub mod config;
pub mod conn;
pub mod crypto;
pub mod error;
mod handshake;
pub mod key_schedule;
pub mod msgs;
pub mod pki;
pub mod record;
#[cfg(feature = "std")]
pub mod stream;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod trace;
pub mod verify;
pub mod verify_webpki;
pub mod x509;

pub use config::{ClientAuth, ClientConfig, PaddingPolicy, ServerConfig, TimeSource};
pub use conn::{
    ClientConnection, ClientVerifyRequest, CloseKind, Connection, Event, Negotiated,
    ServerConnection, SignRequest, VerifyRequest,
};
pub use error::Error;
/// The ecosystem's certificate, key and name types (see [`pki`]).
pub use pki_types;
pub use verify::{
    CertificateRequestInfo, CertifiedKey, ClientCertVerifier, ClientHelloInfo, Decision,
    PinnedCertVerifier, PinnedClientCertVerifier, ResolvesClientCert, ResolvesServerCert,
    ServerCertVerifier, ServerName, Signer, SingleClientCert,
};
