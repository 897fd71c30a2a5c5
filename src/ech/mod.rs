//! Encrypted Client Hello (RFC 9849): the wire formats and the pure
//! functions around them, which the handshakes use — a client offers ECH
//! with [`ClientConfigBuilder::ech`](crate::config::ClientConfigBuilder::ech)
//! ([`EchMode`]), a server decrypts it with the key pairs given to
//! [`ServerConfigBuilder::ech_keys`](crate::config::ServerConfigBuilder::ech_keys)
//! (shared mode, §7). The outcome is
//! [`Negotiated::ech`](crate::Negotiated::ech); a client whose offer the
//! server rejected fails with [`Error::EchRejected`](crate::Error::EchRejected).
//! The acceptance signal (§7.2) lives in the handshake, beside the
//! transcript it covers.
//!
//! - [`config`]: `ECHConfig` / `ECHConfigList` (§4) and a client's choice
//!   among them (§6.1).
//! - [`keygen`]: an operator's key pair and the config it publishes.
//! - [`keyfile`]: that key pair as a PEM file the server loads.
//! - [`extension`]: the `encrypted_client_hello` bodies of ClientHello,
//!   EncryptedExtensions and HelloRetryRequest (§5).
//! - [`inner`]: EncodedClientHelloInner, with `ech_outer_extensions`
//!   compression and padding, the server's linear-time way back
//!   (§5.1, §6.1.3), and ClientHelloOuterAAD (§5.2).
//!
//! HPKE is [`crate::hpke`]; ECH uses its base mode with the `info` of
//! [`EchConfig::hpke_info`].

pub mod config;
mod error;
pub mod extension;
pub mod inner;
pub mod keyfile;
pub mod keygen;
mod mode;
pub mod seal;
pub mod server;

pub use config::{
    ECH_VERSION, EchConfig, EchConfigContents, EchConfigExtension, EchConfigList, HpkeKeyConfig,
    HpkeSymmetricCipherSuite, SelectedConfig, Unusable, is_valid_public_name,
};
pub use error::EchError;
pub use extension::{EchClientHello, EchEncryptedExtensions, EchHelloRetryRequest, EchOuter};
pub use inner::{
    client_hello_outer_aad, decode_client_hello_inner, encode_client_hello_inner,
    encode_client_hello_inner_padded, pad, recommended_padding,
};
pub use keyfile::KeyFileError;
pub use keygen::{EchConfigBuilder, EchKeyPair};
pub use mode::EchMode;
pub use seal::{EchSealer, open_client_hello};
pub use server::{
    Candidates, ClientHelloViolation, EchAccepted, EchOutcome, EchServerContext, TrialPolicy,
    trial_decrypt,
};
