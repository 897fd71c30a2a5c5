//! Every TLS 1.3 wire type: code points, alerts, handshake messages and
//! extensions, with exact round-trip encoding. No state, no crypto.

pub mod alert;
pub mod borrowed;
pub mod compressed_certificate;
pub mod enums;
pub mod extensions;
pub mod handshake;

#[cfg(test)]
mod tests;
