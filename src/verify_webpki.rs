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
    CertificateStatus, ClientCertVerifier, Decision, ServerCertVerifier, ServerName,
    server_name_dns, server_name_ip,
};
use crate::x509::{ExpectedName, OcspStaple, Policy, TrustAnchor, Validator};

/// Checks the server's chain against trust anchors: path, validity at the
/// configured clock's time, serverAuth, and the name the client asked for
/// (subjectAltName only).
///
/// It goes into [`ClientConfig::builder`](crate::ClientConfig::builder);
/// the connection asks it about the chain the server sent. Asked directly:
///
/// ```
/// use std::sync::Arc;
/// use tls13::error::CertificateError;
/// use tls13::verify::{Decision, ServerCertVerifier, ServerName};
/// use tls13::verify_webpki::WebPkiServerVerifier;
///
/// # use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let ca = Ca::new("Doc CA", &ca_key, 0, 4_000_000_000, &rng)?;
/// # let ca_pem = certgen::to_pem("CERTIFICATE", ca.cert_der());
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let leaf = ca.issue(&[SubjectAltName::Dns("api.example.com".into())], &key, 0, 4_000_000_000, &rng)?;
/// let verifier = WebPkiServerVerifier::from_pem(&ca_pem)?; // the trusted CAs
/// let now = 1_800_000_000; // seconds since the epoch, from the config's clock
/// let check = |name: &str| -> Result<_, Box<dyn std::error::Error>> {
///     let name = ServerName::try_from(name)?;
///     Ok(verifier.verify_server_cert(&leaf, &[], &name, now))
/// };
/// assert!(matches!(check("api.example.com")?, Decision::Ready(Ok(()))));
/// assert!(matches!(
///     check("www.example.com")?,
///     Decision::Ready(Err(CertificateError::NotValidForName { .. }))
/// ));
///
/// let config = tls13::ClientConfig::builder(Arc::new(verifier)).build()?;
/// # let _ = config;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// With the `webpki-roots` feature, `WebPkiServerVerifier::mozilla()`
/// trusts Mozilla's root set; with `native-roots`,
/// `WebPkiServerVerifier::native()` the operating system's.
///
/// **OCSP stapling** (RFC 9846 §4.5.1.1, RFC 6960): with
/// [`ClientConfigBuilder::request_ocsp`](crate::config::ClientConfigBuilder::request_ocsp)
/// the server may staple an OCSP response, and this verifier then checks
/// it (signed by the issuer or a delegated responder with
/// id-kp-OCSPSigning, about this certificate, current, status `good`);
/// see [`CertificateError::BadOcspResponse`],
/// [`CertificateError::Revoked`]. A response that was sent but does not
/// check out fails the handshake rather than being ignored: a stale or
/// forged staple is what an attacker holding a revoked key would send,
/// and a client that asked for the status should not accept less than
/// it asked for silently. A must-staple certificate (TLS feature
/// status_request, RFC 7633) without a response fails when the status was
/// asked for ([`CertificateError::MissingOcspResponse`]);
/// [`require_ocsp`](Self::require_ocsp) makes every certificate need one.
#[derive(Clone, Debug)]
pub struct WebPkiServerVerifier {
    validator: Validator,
    require_ocsp: bool,
}

impl WebPkiServerVerifier {
    /// Trusts `anchors` under `policy`.
    pub fn new(anchors: Vec<TrustAnchor>, policy: Policy) -> Self {
        Self {
            validator: Validator::new(anchors, policy),
            require_ocsp: false,
        }
    }

    /// Refuses a server certificate that comes without a good stapled
    /// OCSP response ([`CertificateError::MissingOcspResponse`]); pair it
    /// with [`ClientConfigBuilder::request_ocsp`](crate::config::ClientConfigBuilder::request_ocsp).
    /// Off by default: most servers do not staple.
    #[must_use]
    pub fn require_ocsp(mut self, on: bool) -> Self {
        self.require_ocsp = on;
        self
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
        let Some(name) = expected_name(server_name) else {
            return Decision::Ready(Err(unnamed(server_name)));
        };
        Decision::Ready(self.validator.check_server_stapled(
            end_entity,
            intermediates,
            name,
            OcspStaple {
                requested: false,
                response: None,
                required: self.require_ocsp,
            },
            now,
        ))
    }

    fn verify_server_cert_with_status(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        server_name: &ServerName<'_>,
        status: &CertificateStatus<'_>,
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        let Some(name) = expected_name(server_name) else {
            return Decision::Ready(Err(unnamed(server_name)));
        };
        Decision::Ready(self.validator.check_server_stapled(
            end_entity,
            intermediates,
            name,
            OcspStaple {
                requested: status.ocsp_requested,
                response: status.ocsp_response,
                required: self.require_ocsp,
            },
            now,
        ))
    }
}

/// The name a server certificate must be valid for.
fn expected_name<'a>(server_name: &'a ServerName<'_>) -> Option<ExpectedName<'a>> {
    match (server_name_dns(server_name), server_name_ip(server_name)) {
        (Some(n), _) => Some(ExpectedName::Dns(n)),
        (None, Some(ip)) => Some(ExpectedName::Ip(ip)),
        (None, None) => None,
    }
}

fn unnamed(server_name: &ServerName<'_>) -> CertificateError {
    CertificateError::Other {
        reason: alloc::format!("cannot check a certificate for {server_name:?}"),
        alert: crate::msgs::enums::AlertDescription::INTERNAL_ERROR,
    }
}

/// Checks a client's chain against trust anchors: path, validity at the
/// server's clock's time, clientAuth. The anchors' subjects go into the
/// CertificateRequest's `certificate_authorities` (RFC 9846 §4.3.4).
///
/// It goes into [`ClientAuth`](crate::ClientAuth) on the server's
/// builder. Asked directly, it accepts a client certificate of the CA
/// and refuses one whose extendedKeyUsage does not allow clientAuth:
///
/// ```
/// use std::sync::Arc;
/// use tls13::error::CertificateError;
/// use tls13::verify::{ClientCertVerifier, Decision};
/// use tls13::verify_webpki::WebPkiClientVerifier;
/// use tls13::{ClientAuth, ServerConfig};
///
/// # use tls13::certgen::{self, Ca, ExtKeyUsage, KeyType, SubjectAltName};
/// # use tls13::crypto::sign::SigningKey;
/// # let rng = tls13::crypto::OsRandom;
/// # let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let ca = Ca::new("Device CA", &ca_key, 0, 4_000_000_000, &rng)?;
/// # let client_ca_pem = certgen::to_pem("CERTIFICATE", ca.cert_der());
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let spki = SigningKey::from_der(&key)?.public_key_spki();
/// # let name = [SubjectAltName::Dns("device-17.example".into())];
/// # let device = ca.issue_with_eku(&name, &spki, &[ExtKeyUsage::ClientAuth], 0, 4_000_000_000, &rng)?;
/// # let web_server = ca.issue_with_eku(&name, &spki, &[ExtKeyUsage::ServerAuth], 0, 4_000_000_000, &rng)?;
/// # let (cert, server_key) = (device.clone(), SigningKey::from_der(&key)?);
/// let verifier = WebPkiClientVerifier::from_pem(&client_ca_pem)?;
/// let now = 1_800_000_000;
/// assert!(matches!(verifier.verify_client_cert(&device, &[], now), Decision::Ready(Ok(()))));
/// assert!(matches!(
///     verifier.verify_client_cert(&web_server, &[], now),
///     Decision::Ready(Err(CertificateError::InvalidPurpose { required: "clientAuth", .. }))
/// ));
///
/// let config = ServerConfig::builder_with_single_cert(vec![cert], server_key)
///     .client_auth(ClientAuth::Required(Arc::new(verifier)))
///     .build()?;
/// # let _ = config;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
