//! The bodies of the `encrypted_client_hello` extension (RFC 9849 §5):
//! `ECHClientHello` in a ClientHello, `ECHEncryptedExtensions` in
//! EncryptedExtensions, `ECHHelloRetryRequest` in a HelloRetryRequest.
//!
//! The same code point (0xfe0d) carries a different body in each message,
//! so each has its own type, parsed where the message is known. The
//! handshake's extension enums still carry the extension as
//! [`UnknownExtension`](crate::msgs::extensions::UnknownExtension)
//! bodies; these codecs read them.

use alloc::vec::Vec;

use super::config::{EchConfigList, HpkeSymmetricCipherSuite};
use crate::codec::{Codec, LengthPrefix, Reader, put_vec};
use crate::error::InvalidMessage;

/// `ECHClientHelloType` (§5).
const OUTER: u8 = 0;
const INNER: u8 = 1;

/// The outer variant of `ECHClientHello` (§5): what ClientHelloOuter
/// carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchOuter {
    /// The suite the payload is sealed with; one of the config's (§5).
    pub cipher_suite: HpkeSymmetricCipherSuite,
    /// The chosen config's `config_id`.
    pub config_id: u8,
    /// `enc<0..2^16-1>`: the HPKE encapsulated key; empty in the
    /// ClientHelloOuter that answers a HelloRetryRequest (§5, §7.1.1).
    pub enc: Vec<u8>,
    /// `payload<1..2^16-1>`: the sealed EncodedClientHelloInner.
    pub payload: Vec<u8>,
}

/// `ECHClientHello` (§5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EchClientHello {
    /// `outer(0)`, in ClientHelloOuter.
    Outer(EchOuter),
    /// `inner(1)`, empty, in ClientHelloInner: it lets the backend server
    /// answer with the extension (§5).
    Inner,
}

impl EchClientHello {
    /// Parses an extension body that must be exactly one `ECHClientHello`.
    ///
    /// Every failure here is an [`InvalidMessage`], whose alert is
    /// `decode_error`; but §7 makes a type other than outer(0) or
    /// inner(1) `illegal_parameter` at the server. Servers read the
    /// ClientHelloOuter's extension through
    /// [`client_hello_outer_aad`](super::client_hello_outer_aad), which
    /// applies §7 before calling this.
    pub fn from_body(body: &[u8]) -> Result<Self, InvalidMessage> {
        Self::read_exact(body, "ECHClientHello")
    }
}

impl Codec<'_> for EchClientHello {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Outer(o) => {
                out.push(OUTER);
                o.cipher_suite.encode(out);
                out.push(o.config_id);
                put_vec(out, LengthPrefix::U16, &o.enc);
                put_vec(out, LengthPrefix::U16, &o.payload);
            }
            Self::Inner => out.push(INNER),
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        match r.u8("ECHClientHelloType")? {
            OUTER => Ok(Self::Outer(EchOuter {
                cipher_suite: HpkeSymmetricCipherSuite::read(r)?,
                config_id: r.u8("config_id")?,
                enc: r.vec_bytes(LengthPrefix::U16, "ECH enc")?.to_vec(),
                payload: r
                    .nonempty_vec_bytes(LengthPrefix::U16, "ECH payload")?
                    .to_vec(),
            })),
            INNER => Ok(Self::Inner),
            // The select of §5 has two cases; any other type has no syntax.
            _ => Err(InvalidMessage::InvalidValue("ECHClientHelloType")),
        }
    }
}

/// `ECHEncryptedExtensions` (§5): the server's `retry_configs`, sent when
/// it did not use ClientHelloInner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchEncryptedExtensions {
    /// One or more configs, in the server's order of preference (§6.1.6).
    pub retry_configs: EchConfigList,
}

impl EchEncryptedExtensions {
    /// Parses an extension body that must be exactly one
    /// `ECHEncryptedExtensions`.
    pub fn from_body(body: &[u8]) -> Result<Self, InvalidMessage> {
        Self::read_exact(body, "ECHEncryptedExtensions")
    }
}

impl Codec<'_> for EchEncryptedExtensions {
    fn encode(&self, out: &mut Vec<u8>) {
        self.retry_configs.encode(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            retry_configs: EchConfigList::read(r)?,
        })
    }
}

/// `ECHHelloRetryRequest` (§5): `opaque confirmation[8]`, the
/// hrr_accept_confirmation of §7.2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchHelloRetryRequest {
    /// The confirmation.
    pub confirmation: [u8; 8],
}

impl EchHelloRetryRequest {
    /// Parses an extension body. §6.1.4: "if the extension has a length
    /// other than 8, the client MUST abort the handshake with a
    /// "decode_error" alert" — as every [`InvalidMessage`] here does.
    pub fn from_body(body: &[u8]) -> Result<Self, InvalidMessage> {
        Self::read_exact(body, "ECHHelloRetryRequest")
    }
}

impl Codec<'_> for EchHelloRetryRequest {
    const ENCODED_LEN: Option<usize> = Some(8);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.confirmation);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let confirmation = <[u8; 8]>::try_from(r.take_or(8, "ECH confirmation")?)
            .map_err(|_| InvalidMessage::MissingData("ECH confirmation"))?;
        Ok(Self { confirmation })
    }
}
