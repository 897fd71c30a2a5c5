//! The Rust ecosystem's certificate, key and name types
//! ([`rustls-pki-types`](pki_types), re-exported as
//! [`tls13::pki_types`](crate::pki_types)), and loading them from PEM
//! files in one call each.
//!
//! Certificates and keys that other crates produce — a PEM parser,
//! `rustls-native-certs` (system roots, as `CertificateDer`), rcgen — come
//! in through these conversions; what we load goes out in the same types.
//!
//! ```no_run
//! # fn main() -> Result<(), tls13::Error> {
//! use std::sync::Arc;
//! use tls13::{ClientConfig, ServerConfig, pki, verify_webpki::WebPkiServerVerifier};
//!
//! let chain = pki::load_certs("server.crt")?;          // Vec<CertificateDer<'static>>
//! let key = pki::load_private_key("server.key")?;      // PrivateKeyDer<'static>
//! let server = ServerConfig::builder_with_cert_der(chain, &key)?.build()?;
//!
//! let roots = pki::load_certs("ca.crt")?;
//! let verifier = WebPkiServerVerifier::from_roots(&roots)?;
//! let client = ClientConfig::builder(Arc::new(verifier)).build()?;
//! # Ok(())
//! # }
//! ```
//!
//! Roots come as certificates (`CertificateDer`, see [`trust_anchors`]) or
//! as name-and-key anchors ([`pki_types::TrustAnchor`], as `webpki-roots`
//! ships them; see [`trust_anchors_from_pki`]).

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::config::{ClientConfigBuilder, ServerConfig, ServerConfigBuilder};
use crate::conn::Connection;
use crate::crypto::sign::SigningKey;
use crate::error::Error;
use crate::verify::CertifiedKey;
use crate::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use crate::x509::{Policy, TrustAnchor};

/// A server name as text: the DNS name, or the IP address.
/// ([`ClientConnection::new`](crate::ClientConnection::new) and the tokio
/// connector take the `ServerName` itself.)
pub fn server_name_str(name: &ServerName<'_>) -> String {
    use alloc::string::ToString;
    match name {
        ServerName::DnsName(d) => d.as_ref().to_owned(),
        ServerName::IpAddress(pki_types::IpAddr::V4(ip)) => {
            core::net::Ipv4Addr::from(*ip.as_ref()).to_string()
        }
        ServerName::IpAddress(pki_types::IpAddr::V6(ip)) => {
            core::net::Ipv6Addr::from(*ip.as_ref()).to_string()
        }
        // ServerName is non_exhaustive; a future kind has no name to send.
        _ => String::new(),
    }
}

/// DER bodies of a chain, leaf first, as the config builders take them.
pub fn chain_der(chain: &[CertificateDer<'_>]) -> Vec<Vec<u8>> {
    chain.iter().map(|c| c.as_ref().to_vec()).collect()
}

/// Trust anchors from certificates (e.g. `rustls-native-certs`' system
/// roots, or [`load_certs`]). A certificate that does not parse is an
/// error naming its position.
pub fn trust_anchors(certs: &[CertificateDer<'_>]) -> Result<Vec<TrustAnchor>, Error> {
    certs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            TrustAnchor::from_der(c.as_ref().to_vec())
                .map_err(|e| Error::BadConfig(alloc::format!("trust anchor {i}: {e}")))
        })
        .collect()
}

impl TryFrom<&pki_types::TrustAnchor<'_>> for TrustAnchor {
    type Error = Error;
    /// A name-and-key anchor ([`TrustAnchor::from_subject_spki`]).
    /// rustls-pki-types keeps the *contents* of the subject, SPKI and
    /// name-constraints SEQUENCEs; they are wrapped back into whole DER
    /// structures here.
    fn try_from(ta: &pki_types::TrustAnchor<'_>) -> Result<Self, Error> {
        let subject = der_sequence(ta.subject.as_ref())?;
        let spki = der_sequence(ta.subject_public_key_info.as_ref())?;
        let nc = match &ta.name_constraints {
            Some(n) => Some(der_sequence(n.as_ref())?),
            None => None,
        };
        TrustAnchor::from_subject_spki(&subject, &spki, nc.as_deref())
            .map_err(|e| Error::BadConfig(alloc::format!("trust anchor: {e}")))
    }
}

/// Trust anchors from name-and-key anchors (e.g. a `webpki-roots`-style
/// list). An anchor that does not convert is an error naming its position.
pub fn trust_anchors_from_pki(
    anchors: &[pki_types::TrustAnchor<'_>],
) -> Result<Vec<TrustAnchor>, Error> {
    anchors
        .iter()
        .enumerate()
        .map(|(i, ta)| {
            TrustAnchor::try_from(ta).map_err(|e| match e {
                Error::BadConfig(m) => Error::BadConfig(alloc::format!("{m} (anchor {i})")),
                other => other,
            })
        })
        .collect()
}

/// `contents` as one DER SEQUENCE (X.690 §8.1: tag 0x30, definite length).
fn der_sequence(contents: &[u8]) -> Result<Vec<u8>, Error> {
    let len = contents.len();
    let len_bytes = len.to_be_bytes();
    let skip = len_bytes.iter().take_while(|b| **b == 0).count();
    let significant = len_bytes.get(skip..).unwrap_or_default();
    let mut out = Vec::with_capacity(len.saturating_add(10));
    out.push(0x30);
    if len < 0x80 {
        // Short form; len < 0x80 fits in one byte.
        out.push(u8::try_from(len).map_err(|_| Error::Internal("short DER length"))?);
    } else {
        let n = u8::try_from(significant.len())
            .map_err(|_| Error::BadConfig("trust anchor field too long".into()))?;
        out.push(0x80 | n);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    Ok(out)
}

impl TryFrom<&PrivateKeyDer<'_>> for SigningKey {
    type Error = Error;
    /// PKCS#8, SEC1 or PKCS#1, as [`SigningKey::from_der`].
    fn try_from(key: &PrivateKeyDer<'_>) -> Result<Self, Error> {
        SigningKey::from_der(key.secret_der())
    }
}

impl TryFrom<PrivateKeyDer<'_>> for SigningKey {
    type Error = Error;
    fn try_from(key: PrivateKeyDer<'_>) -> Result<Self, Error> {
        SigningKey::try_from(&key)
    }
}

impl CertifiedKey {
    /// A chain (leaf first) and its private key.
    pub fn from_der(chain: &[CertificateDer<'_>], key: &PrivateKeyDer<'_>) -> Result<Self, Error> {
        Ok(Self::new(
            chain_der(chain),
            Arc::new(SigningKey::try_from(key)?),
        ))
    }
}

impl ServerConfig {
    /// [`builder_with_single_cert`](Self::builder_with_single_cert) with
    /// the ecosystem's types: one chain (leaf first) and its key.
    pub fn builder_with_cert_der(
        chain: Vec<CertificateDer<'_>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<ServerConfigBuilder, Error> {
        Ok(Self::builder_with_single_cert(
            chain_der(&chain),
            SigningKey::try_from(key)?,
        ))
    }
}

impl ClientConfigBuilder {
    /// [`client_auth_cert`](Self::client_auth_cert) with the ecosystem's
    /// types: one chain (leaf first) and its key.
    pub fn client_auth_cert_der(
        self,
        chain: Vec<CertificateDer<'_>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<Self, Error> {
        Ok(self.client_auth_cert(chain_der(&chain), SigningKey::try_from(key)?))
    }
}

impl WebPkiServerVerifier {
    /// Trusts these roots, with the default policy. An empty list is an
    /// error: a verifier that trusts nothing is never what was meant.
    pub fn from_roots(roots: &[CertificateDer<'_>]) -> Result<Self, Error> {
        Ok(Self::new(some_roots(roots)?, Policy::default()))
    }
}

impl WebPkiClientVerifier {
    /// Trusts these roots for client certificates, with the default
    /// policy. An empty list is an error, as for the server verifier.
    pub fn from_roots(roots: &[CertificateDer<'_>]) -> Result<Self, Error> {
        Ok(Self::new(some_roots(roots)?, Policy::default()))
    }
}

/// [`trust_anchors`], refusing an empty list.
fn some_roots(roots: &[CertificateDer<'_>]) -> Result<Vec<TrustAnchor>, Error> {
    if roots.is_empty() {
        return Err(Error::BadConfig(
            "no root certificate given: a verifier needs at least one trust anchor".into(),
        ));
    }
    trust_anchors(roots)
}

impl Connection {
    /// The peer's certificate chain, leaf first, as
    /// [`Negotiated::peer_certificates`](crate::Negotiated::peer_certificates)
    /// has it (on a server: only once verified).
    pub fn peer_certificates(&self) -> Vec<CertificateDer<'_>> {
        self.negotiated()
            .peer_certificates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect()
    }
}

/// Every `CERTIFICATE` in a PEM file, in order (leaf first in a chain
/// file). A file without one is an error.
#[cfg(feature = "std")]
pub fn load_certs(
    path: impl AsRef<std::path::Path>,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    use pki_types::pem::PemObject;
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(pem_error(path, pki_types::pem::Error::NoItemsFound));
    }
    Ok(certs)
}

/// The first private key in a PEM file (`PRIVATE KEY`, `EC PRIVATE KEY`
/// or `RSA PRIVATE KEY`).
#[cfg(feature = "std")]
pub fn load_private_key(
    path: impl AsRef<std::path::Path>,
) -> Result<PrivateKeyDer<'static>, Error> {
    use pki_types::pem::PemObject;
    let path = path.as_ref();
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error(path, e))
}

/// The first private key in a PEM file, ready to sign.
#[cfg(feature = "std")]
pub fn load_signing_key(path: impl AsRef<std::path::Path>) -> Result<SigningKey, Error> {
    let key = load_private_key(path.as_ref())?;
    SigningKey::try_from(&key).map_err(|e| match e {
        Error::BadConfig(m) => Error::BadConfig(alloc::format!("{}: {m}", path.as_ref().display())),
        other => other,
    })
}

/// Trust anchors from every `CERTIFICATE` in a PEM file.
#[cfg(feature = "std")]
pub fn load_trust_anchors(path: impl AsRef<std::path::Path>) -> Result<Vec<TrustAnchor>, Error> {
    trust_anchors(&load_certs(path)?)
}

#[cfg(feature = "std")]
fn pem_error(path: &std::path::Path, e: pki_types::pem::Error) -> Error {
    let what = match e {
        pki_types::pem::Error::NoItemsFound => "no item of the expected kind".to_owned(),
        other => alloc::format!("{other}"),
    };
    Error::BadConfig(alloc::format!("{}: {what}", path.display()))
}
