//! `tls13`: a sans-IO TLS 1.3 (RFC 8446) client and server in pure Rust.
#![forbid(unsafe_code)]
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod certgen;
pub mod codec;
pub mod crypto;
pub mod error;
pub mod key_schedule;
pub mod msgs;
pub mod record;
pub mod x509;

pub use error::Error;
