//! Verifiers backed by the X.509 chain validator ([`crate::x509`]): the
//! server's chain for the client ([`WebPkiServerVerifier`]: serverAuth and
//! the server name), and the client's chain for the server
//! ([`WebPkiClientVerifier`]: clientAuth, with the anchors' subjects
//! advertised in `certificate_authorities`). Both answer at once; wrap
//! them in your own verifier to defer.

use alloc::vec::Vec;

use der::{Reader, SliceReader, Tag, TagNumber};

use crate::error::{CertificateError, Error};
use crate::msgs::enums::SignatureScheme;
use crate::verify::{
    ClientCertVerifier, Decision, ServerCertVerifier, ServerName, server_name_dns, server_name_ip,
};
use crate::x509::{ExpectedName, Policy, TrustAnchor, Validator};

/// Checks the server's chain against trust anchors: path, validity at the
/// configured clock's time, serverAuth, and the name the client asked for
/// (subjectAltName only).
#[derive(Clone, Debug)]
pub struct WebPkiServerVerifier {
    validator: Validator,
}

impl WebPkiServerVerifier {
    /// Trusts `anchors` under `policy`.
    pub fn new(anchors: Vec<TrustAnchor>, policy: Policy) -> Self {
        Self {
            validator: Validator::new(anchors, policy),
        }
    }

    /// Trusts every certificate of a PEM text, with the default policy. A
    /// text without a `CERTIFICATE` block (empty, or a key file given by
    /// mistake) is an error naming what it holds instead.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Ok(Self::new(TrustAnchor::from_pem(text)?, Policy::default()))
    }

    /// Trusts Mozilla's root set ([`TrustAnchor::mozilla`], feature
    /// `webpki-roots`), with the default policy: what a browser-like
    /// client wants.
    #[cfg(feature = "webpki-roots")]
    pub fn mozilla() -> Self {
        Self::new(TrustAnchor::mozilla(), Policy::default())
    }

    /// Trusts the operating system's roots ([`TrustAnchor::native`],
    /// feature `native-roots`), with the default policy.
    #[cfg(feature = "native-roots")]
    pub fn native() -> Result<Self, Error> {
        Ok(Self::new(TrustAnchor::native()?, Policy::default()))
    }
}

impl ServerCertVerifier for WebPkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        server_name: &ServerName<'_>,
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        let name = match (server_name_dns(server_name), server_name_ip(server_name)) {
            (Some(n), _) => ExpectedName::Dns(n),
            (None, Some(ip)) => ExpectedName::Ip(ip),
            (None, None) => {
                return Decision::Ready(Err(CertificateError::Other {
                    reason: alloc::format!("cannot check a certificate for {server_name:?}"),
                    alert: crate::msgs::enums::AlertDescription::INTERNAL_ERROR,
                }));
            }
        };
        Decision::Ready(
            self.validator
                .check_server(end_entity, intermediates, name, now),
        )
    }
}

/// Checks a client's chain against trust anchors: path, validity at the
/// server's clock's time, clientAuth. The anchors' subjects go into the
/// CertificateRequest's `certificate_authorities` (RFC 9846 §4.3.4).
#[derive(Clone, Debug)]
pub struct WebPkiClientVerifier {
    validator: Validator,
    authorities: Vec<Vec<u8>>,
    schemes: Vec<SignatureScheme>,
}

impl WebPkiClientVerifier {
    /// Trusts `anchors` under `policy` (its `min_rsa_bits` applies to the
    /// chain; the server's own `min_rsa_bits` to CertificateVerify).
    pub fn new(anchors: Vec<TrustAnchor>, policy: Policy) -> Self {
        // An anchor whose subject cannot be read is simply not advertised
        // (TrustAnchor::from_der already parsed it, so this does not happen).
        let authorities = anchors
            .iter()
            .filter_map(|a| subject_name(a.der()).ok())
            .collect();
        Self {
            validator: Validator::new(anchors, policy),
            authorities,
            schemes: crate::crypto::sign::SUPPORTED_SCHEMES.to_vec(),
        }
    }

    /// Trusts every certificate of a PEM text, with the default policy. A
    /// text without a `CERTIFICATE` block (empty, or a key file given by
    /// mistake) is an error naming what it holds instead.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Ok(Self::new(TrustAnchor::from_pem(text)?, Policy::default()))
    }

    /// Sends no `certificate_authorities` (e.g. when the names would be
    /// too many for the message, or should not be disclosed).
    pub fn without_authorities(mut self) -> Self {
        self.authorities.clear();
        self
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn certificate_authorities(&self) -> Vec<Vec<u8>> {
        self.authorities.clone()
    }

    fn signature_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }

    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(self.validator.check_client(end_entity, intermediates, now))
    }
}

/// The DER `Name` (the whole SEQUENCE) of a certificate's subject, as
/// `certificate_authorities` carries it (RFC 5280 §4.1.2.6).
fn subject_name(cert_der: &[u8]) -> Result<Vec<u8>, der::Error> {
    let mut reader = SliceReader::new(cert_der)?;
    reader.sequence(|cert| {
        let subject = cert.sequence(|tbs| {
            if Tag::peek(tbs)?
                == (Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber(0),
                })
            {
                tbs.tlv_bytes()?; // version
            }
            tbs.tlv_bytes()?; // serialNumber
            tbs.tlv_bytes()?; // signature
            tbs.tlv_bytes()?; // issuer
            tbs.tlv_bytes()?; // validity
            let subject = tbs.tlv_bytes()?.to_vec();
            while !tbs.is_finished() {
                tbs.tlv_bytes()?;
            }
            Ok::<_, der::Error>(subject)
        })?;
        while !cert.is_finished() {
            cert.tlv_bytes()?;
        }
        Ok(subject)
    })
}
