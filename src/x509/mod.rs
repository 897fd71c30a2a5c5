//! X.509 certificate-chain validation for TLS: strict DER parsing
//! (RFC 5280 §4), path building over the peer's chain and the trust
//! anchors, the RFC 5280 §6 checks as the Web PKI applies them, name
//! checks against subjectAltName (RFC 9525), and revocation against
//! caller-supplied CRLs (RFC 5280 §5, §6.3; [`Validator::with_crls`])
//! and against an OCSP response the server stapled (RFC 6960, RFC 7633
//! must-staple; [`Validator::check_server_stapled`]).
//! Errors say which certificate, which check, and what was expected
//! against what was found.
//!
//! ```text
//! let v = Validator::new(TrustAnchor::from_pem(&pem)?, Policy::default());
//! v.validate_server(ee, &intermediates, ExpectedName::Dns("api.example.com"), now)?;
//! ```

mod anchor;
mod cert;
mod crl;
// Also read by the ECH key file (`ech::keyfile`): its PKCS#8 keys.
pub(crate) mod der;
mod dn;
mod error;
mod name;
mod ocsp;
mod path;
mod sig;
mod time;

use alloc::string::String;
use alloc::vec::Vec;

use error::malformed;
pub use error::{CertificateError, Finding, Position};
pub use name::ExpectedName;
pub(crate) use ocsp::check_about as ocsp_check_about;
pub use ocsp::{OcspCertStatus, OcspResponseInfo, OcspSingleInfo};

pub use sig::{SigError, verify_signed_data};

use crate::error::Error;

/// Limits and options for validation.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Smallest RSA modulus accepted, in bits (default 2048, CABF 6.1.5).
    pub min_rsa_bits: usize,
    /// Most intermediate CAs between the end entity and the anchor, not
    /// counting self-issued ones (default 6).
    pub max_intermediates: usize,
    /// Most signature verifications while building one path (default 64).
    pub max_signature_checks: usize,
    /// Most candidate issuers examined while building one path (default 128).
    pub max_candidates: usize,
    /// Most name-constraint comparisons for one validation, every path
    /// tried included, with long names counted by size (default 65536).
    pub max_name_constraint_checks: usize,
    /// Require digitalSignature in the end entity's keyUsage when the
    /// extension is present (default true: RFC 9846 §4.5.1.2, the TLS 1.3
    /// peer signs with this key).
    pub require_digital_signature: bool,
    /// Whose arithmetic verifies the signatures (default
    /// [`crate::crypto::default_provider`]).
    pub provider: &'static crate::crypto::CryptoProvider,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_rsa_bits: crate::crypto::sign::DEFAULT_MIN_RSA_BITS,
            max_intermediates: 6,
            max_signature_checks: 64,
            max_candidates: 128,
            max_name_constraint_checks: 1 << 16,
            require_digital_signature: true,
            provider: crate::crypto::default_provider(),
        }
    }
}

/// What the end-entity certificate must be good for.
#[derive(Clone, Copy, Debug)]
pub enum Usage<'a> {
    /// A TLS server (serverAuth) with this name.
    Server(ExpectedName<'a>),
    /// A TLS client (clientAuth).
    Client,
    /// serverAuth without a name check, for callers that check the
    /// identity themselves.
    ServerUnnamed,
}

/// A trusted certificate (DER). It is checked like every other
/// certificate of a path (validity, CA constraints, keys) when used.
/// An anchor known only by name and key ([`TrustAnchor::from_subject_spki`],
/// and `TrustAnchor::mozilla()` with the feature `webpki-roots`) is held
/// as a stand-in certificate.
///
/// The verifiers ([`WebPkiServerVerifier`], [`WebPkiClientVerifier`])
/// take a list of anchors: CA certificates from PEM or DER, or an end
/// entity trusted as it is (a self-signed server certificate, say: it is
/// its own anchor, and its name, dates and purposes are still checked).
///
/// ```
/// use std::sync::Arc;
/// use tls13::verify_webpki::WebPkiServerVerifier;
/// use tls13::x509::{Policy, TrustAnchor};
///
/// # use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let ca_pem = certgen::to_pem("CERTIFICATE", Ca::new("Corp CA", &ca_key, 0, 4_000_000_000, &rng)?.cert_der());
/// # let key = certgen::generate_key(KeyType::Ed25519, &rng)?;
/// # let self_signed_der = certgen::self_signed(&[SubjectAltName::Dns("printer.lan".into())], &key, 0, 4_000_000_000, &rng)?;
/// let mut anchors = TrustAnchor::from_pem(&ca_pem)?; // every CERTIFICATE block of the text
/// anchors.push(TrustAnchor::from_der(self_signed_der)?);
/// // With the `webpki-roots` feature: anchors.extend(TrustAnchor::mozilla());
/// let verifier = WebPkiServerVerifier::new(anchors, Policy::default());
/// let config = tls13::ClientConfig::builder(Arc::new(verifier)).build()?;
///
/// // A text without any certificate (an empty file, a key file) is an
/// // error: trusting nothing is never what was meant.
/// assert!(TrustAnchor::from_pem("").is_err());
/// # let _ = config;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`WebPkiServerVerifier`]: crate::verify_webpki::WebPkiServerVerifier
/// [`WebPkiClientVerifier`]: crate::verify_webpki::WebPkiClientVerifier
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    der: Vec<u8>,
    /// A name-and-key anchor: exempt from the CA-needs-SKI rule.
    key_only: bool,
    /// The subject Name contents (a copy from `der`): validation parses
    /// only the anchors that can issue a certificate of the chain.
    subject: Vec<u8>,
}

impl TrustAnchor {
    /// A trust anchor from a DER certificate, which must parse.
    pub fn from_der(der: Vec<u8>) -> Result<Self, CertificateError> {
        let subject = cert::Certificate::parse(&der)?.subject.to_vec();
        Ok(Self {
            der,
            key_only: false,
            subject,
        })
    }

    /// A trust anchor known by name and key only (RFC 5280 §6.1.1 (d)),
    /// optionally with name constraints: `subject` is a DER `Name`,
    /// `spki` a DER `SubjectPublicKeyInfo`, `name_constraints` a DER
    /// `NameConstraints` (each a whole TLV). It has no validity period,
    /// and matches any child issued under its name whose signature its
    /// key verifies. [`TrustAnchor::der`] is then a stand-in certificate:
    /// self-issued, a CA, with these name constraints, valid from 1970 to
    /// 9999, and an empty signature that nothing checks (an anchor's own
    /// signature never is).
    pub fn from_subject_spki(
        subject: &[u8],
        spki: &[u8],
        name_constraints: Option<&[u8]>,
    ) -> Result<Self, CertificateError> {
        let der = anchor::synthesize(subject, spki, name_constraints);
        let c = cert::Certificate::parse(&der)?;
        // The pieces must each be one TLV, or they would have shifted the
        // stand-in's fields: check that they came back as given.
        if c.spki != spki || !subject.ends_with(c.subject) || c.subject.is_empty() {
            return Err(malformed(
                "trust anchor subject or key is not a single DER structure",
            ));
        }
        let subject = c.subject.to_vec();
        Ok(Self {
            der,
            key_only: true,
            subject,
        })
    }

    /// Mozilla's root set, as the `webpki-roots` crate compiles it in
    /// (feature `webpki-roots`): about 150 name-and-key anchors, some
    /// with name constraints. A root that does not convert is left out
    /// (none does at the time of writing; a test checks them all).
    #[cfg(feature = "webpki-roots")]
    pub fn mozilla() -> Vec<Self> {
        webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .filter_map(|ta| {
                // rustls-pki-types keeps the contents of each SEQUENCE.
                let nc = ta.name_constraints.as_ref().map(|n| anchor::sequence(n));
                Self::from_subject_spki(
                    &anchor::sequence(&ta.subject),
                    &anchor::sequence(&ta.subject_public_key_info),
                    nc.as_deref(),
                )
                .ok()
            })
            .collect()
    }

    /// The operating system's trusted roots, through `rustls-native-certs`
    /// (feature `native-roots`; on Linux the OpenSSL-style bundle, or
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`). Certificates that our parser
    /// refuses are left out. An error when no root could be loaded, with
    /// the loader's reasons.
    #[cfg(feature = "native-roots")]
    pub fn native() -> Result<Vec<Self>, Error> {
        let loaded = rustls_native_certs::load_native_certs();
        let anchors: Vec<Self> = loaded
            .certs
            .iter()
            .filter_map(|c| Self::from_der(c.as_ref().to_vec()).ok())
            .collect();
        if anchors.is_empty() {
            let reasons: Vec<String> = loaded
                .errors
                .iter()
                .map(|e| alloc::format!("{e}"))
                .collect();
            return Err(Error::BadConfig(alloc::format!(
                "no usable root certificate in the OS store ({} found{}{})",
                loaded.certs.len(),
                if reasons.is_empty() { "" } else { "; " },
                reasons.join("; ")
            )));
        }
        Ok(anchors)
    }

    /// Whether this anchor was given by name and key, not as a certificate.
    pub fn is_name_and_key(&self) -> bool {
        self.key_only
    }

    /// Every `CERTIFICATE` block of a PEM text. A block that does not
    /// parse as a certificate is an error naming its position, and so is a
    /// text without any (an empty file, or a key file given by mistake):
    /// trusting nothing is never what was meant.
    pub fn from_pem(text: &str) -> Result<Vec<Self>, Error> {
        let blocks = crate::crypto::pem::parse(text)?;
        if !blocks.iter().any(|(label, _)| label == "CERTIFICATE") {
            return Err(no_certificate(
                blocks.iter().map(|(label, _)| label.as_str()),
            ));
        }
        blocks
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der)
            .enumerate()
            .map(|(i, der)| {
                Self::from_der(der)
                    .map_err(|e| Error::BadConfig(alloc::format!("trust anchor {i}: {e}")))
            })
            .collect()
    }

    /// The certificate (DER).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject, as text.
    pub fn subject(&self) -> String {
        cert::Certificate::parse(&self.der)
            .map(|c| name::display(c.subject))
            .unwrap_or_default()
    }
}

/// The error for trust anchors given as PEM text without a `CERTIFICATE`
/// block, naming the blocks found instead.
fn no_certificate<'a>(labels: impl Iterator<Item = &'a str>) -> Error {
    let mut found: Vec<&str> = Vec::new();
    for l in labels {
        if !found.contains(&l) {
            found.push(l);
        }
    }
    Error::BadConfig(if found.is_empty() {
        String::from(
            "no CERTIFICATE block found in the PEM text for the trust anchors (it holds no PEM block at all)",
        )
    } else {
        alloc::format!(
            "no CERTIFICATE block found in the PEM text for the trust anchors (found {} instead)",
            found
                .iter()
                .map(|l| alloc::format!("a {l} block"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The subject of a DER certificate as text (`CN=…, O=…`), rendered as
/// the validator's error messages render it — e.g. to log a verified
/// peer's identity from `Negotiated::peer_certificates[0]`.
pub fn certificate_subject(cert_der: &[u8]) -> Result<String, CertificateError> {
    cert::Certificate::parse(cert_der).map(|c| name::display(c.subject))
}

/// The serial number of a DER certificate (the INTEGER's contents,
/// big-endian), as [`OcspSingleInfo::serial`] gives it.
pub fn certificate_serial(cert_der: &[u8]) -> Result<Vec<u8>, CertificateError> {
    cert::Certificate::parse(cert_der).map(|c| c.serial.to_vec())
}

/// A validated path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPath {
    /// The certificates, end entity first, trust anchor last (DER); just
    /// the end entity when it is itself the anchor.
    pub chain: Vec<Vec<u8>>,
    /// Index of the anchor in the validator's list.
    pub anchor: usize,
    /// The end entity's subject, as text (`CN=…, O=…`).
    pub subject: String,
}

/// Validates chains against a set of trust anchors.
#[derive(Clone, Debug)]
pub struct Validator {
    anchors: Vec<TrustAnchor>,
    policy: Policy,
    crls: Vec<Vec<u8>>,
}

impl Validator {
    /// A validator trusting `anchors` under `policy`.
    pub fn new(anchors: Vec<TrustAnchor>, policy: Policy) -> Self {
        Self {
            anchors,
            policy,
            crls: Vec::new(),
        }
    }

    /// Also checks every certificate of a path against these DER CRLs
    /// (RFC 5280 §5, §6.3). A CRL applies to the certificates its issuer
    /// (same name, same key) issued in the path; it must then be signed
    /// by that issuer, which needs cRLSign when it has a keyUsage, and be
    /// current (thisUpdate ≤ now ≤ nextUpdate). A listed serial fails the
    /// validation with [`CertificateError::Revoked`]. Every CRL must parse, or every
    /// validation fails with [`Position::Crl`]. CAs without a CRL here are
    /// not checked.
    #[must_use]
    pub fn with_crls(mut self, crls: Vec<Vec<u8>>) -> Self {
        self.crls = crls;
        self
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Validates a server's chain for `name` at `now` (UNIX seconds):
    /// serverAuth, and `name` in the subjectAltName.
    pub fn validate_server<I: AsRef<[u8]>>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        name: ExpectedName<'_>,
        now: u64,
    ) -> Result<VerifiedPath, CertificateError> {
        self.validate(end_entity, intermediates, Usage::Server(name), now)
    }

    /// Validates a client's chain at `now` (UNIX seconds): clientAuth.
    pub fn validate_client<I: AsRef<[u8]>>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        now: u64,
    ) -> Result<VerifiedPath, CertificateError> {
        self.validate(end_entity, intermediates, Usage::Client, now)
    }

    /// Validates `end_entity` for `usage` at `now` (UNIX seconds).
    pub fn validate<I: AsRef<[u8]>>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        usage: Usage<'_>,
        now: u64,
    ) -> Result<VerifiedPath, CertificateError> {
        self.with_path(end_entity, intermediates, usage, now, |nodes, path| {
            let mut chain: Vec<Vec<u8>> = Vec::with_capacity(path.len());
            let mut anchor = 0;
            for i in path {
                if let Some(n) = nodes.get(*i) {
                    // An end entity that is itself the anchor is listed once.
                    if chain
                        .last()
                        .is_none_or(|last| last.as_slice() != n.cert.der)
                    {
                        chain.push(n.cert.der.to_vec());
                    }
                    if let Position::Anchor(a) = n.pos {
                        anchor = a;
                    }
                }
            }
            let subject = nodes
                .first()
                .map(|n| name::display(n.cert.subject))
                .unwrap_or_default();
            VerifiedPath {
                chain,
                anchor,
                subject,
            }
        })
    }

    /// Like [`validate_server`](Self::validate_server), for callers that
    /// only need the verdict: no [`VerifiedPath`] is built, so nothing is
    /// copied out of the certificates (the TLS verifiers, once per
    /// handshake).
    pub fn check_server<I: AsRef<[u8]>>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        name: ExpectedName<'_>,
        now: u64,
    ) -> Result<(), CertificateError> {
        self.with_path(
            end_entity,
            intermediates,
            Usage::Server(name),
            now,
            |_, _| (),
        )
    }

    /// Like [`validate_client`](Self::validate_client), verdict only (see
    /// [`check_server`](Self::check_server)).
    pub fn check_client<I: AsRef<[u8]>>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        now: u64,
    ) -> Result<(), CertificateError> {
        self.with_path(end_entity, intermediates, Usage::Client, now, |_, _| ())
    }

    /// Like [`check_server`](Self::check_server), and then the end
    /// entity's revocation status from what the server stapled (RFC 9846
    /// §4.5.1.1): a stapled OCSP response must vouch for it (see
    /// [`CertificateError::BadOcspResponse`] for the checks: the issuer
    /// is the next certificate of the validated path); without one, a
    /// must-staple end entity (RFC 7633) fails when status was requested,
    /// and every end entity fails when `staple.required`.
    pub fn check_server_stapled<I: AsRef<[u8]>>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        name: ExpectedName<'_>,
        staple: OcspStaple<'_>,
        now: u64,
    ) -> Result<(), CertificateError> {
        let at = i64::try_from(now).unwrap_or(i64::MAX);
        self.with_path(
            end_entity,
            intermediates,
            Usage::Server(name),
            now,
            |nodes, path| {
                let node = |k: usize| path.get(k).and_then(|i| nodes.get(*i));
                let Some(leaf) = node(0) else {
                    return Err(malformed("empty path"));
                };
                // An end entity that is itself the anchor is its own issuer.
                let issuer = node(1).unwrap_or(leaf);
                check_staple(&leaf.cert, &issuer.cert, staple, &self.policy, at)
            },
        )?
    }

    /// Parses the candidates, builds and checks a path, and hands the
    /// nodes and the path (node indices, end entity first) to `found`.
    fn with_path<I: AsRef<[u8]>, T>(
        &self,
        end_entity: &[u8],
        intermediates: &[I],
        usage: Usage<'_>,
        now: u64,
        found: impl FnOnce(&[path::Node<'_>], &[usize]) -> T,
    ) -> Result<T, CertificateError> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let leaf = cert::Certificate::parse(end_entity)
            .map_err(|e| e.at(Position::Peer(0), || String::from("not parsed")))?;
        // Room for the chain and one anchor (a path ends at exactly one).
        let mut nodes = Vec::with_capacity(intermediates.len().saturating_add(2));
        nodes.push(path::Node {
            cert: leaf,
            pos: Position::Peer(0),
            anchor: false,
            key_only: false,
        });
        for (i, der) in intermediates.iter().enumerate() {
            // A malformed extra certificate cannot be in a valid path; it is ignored.
            if let Ok(cert) = cert::Certificate::parse(der.as_ref()) {
                nodes.push(path::Node {
                    cert,
                    pos: Position::Peer(i.saturating_add(1)),
                    anchor: false,
                    key_only: false,
                });
            }
        }
        let chain_nodes = nodes.len();
        // An anchor is only ever a candidate issuer of the end entity or
        // of an intermediate (path.rs matches subject to issuer), or the
        // end entity itself (path.rs, leaf_is_anchor), so only those whose
        // subject is such an issuer or the end entity's are parsed: with a
        // large root store, not every root per handshake.
        let leaf_subject = nodes.first().map(|n| n.cert.subject).unwrap_or_default();
        for (i, a) in self.anchors.iter().enumerate() {
            let issues_one = a.subject.as_slice() == leaf_subject
                || nodes
                    .get(..chain_nodes)
                    .unwrap_or_default()
                    .iter()
                    .any(|n| n.cert.issuer == a.subject.as_slice());
            if !issues_one {
                continue;
            }
            // Anchors were parsed when they were made; skip any that no longer do.
            if let Ok(cert) = cert::Certificate::parse(&a.der) {
                nodes.push(path::Node {
                    cert,
                    pos: Position::Anchor(i),
                    anchor: true,
                    key_only: a.key_only,
                });
            }
        }
        // The path search tries candidates in node order: end entity,
        // anchors, then intermediates, as before anchors were filtered.
        if let Some(rest) = nodes.get_mut(1..) {
            rest.rotate_left(chain_nodes.saturating_sub(1));
        }
        let mut crls = Vec::with_capacity(self.crls.len());
        for (i, der) in self.crls.iter().enumerate() {
            // A CRL the caller supplied but we cannot read may hold the
            // revocation of this very chain: fail rather than ignore it.
            crls.push(
                crl::Crl::parse(der)
                    .map_err(|e| e.at(Position::Crl(i), || String::from("not parsed")))?,
            );
        }
        let mut builder = path::Builder::new(&self.policy, usage, now, &nodes);
        builder.crls = &crls;
        builder.no_anchors = self.anchors.is_empty();
        let path = builder.build()?;
        Ok(found(&nodes, &path))
    }
}

/// What the server stapled to its end-entity certificate and what we
/// asked for, for [`Validator::check_server_stapled`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OcspStaple<'a> {
    /// Our ClientHello offered `status_request`: a must-staple end entity
    /// then needs a response (RFC 7633 §4.2.3.1 applies to the features
    /// both the ClientHello and the certificate list).
    pub requested: bool,
    /// The DER `OCSPResponse` from the end entity's CertificateEntry, if
    /// the server sent one.
    pub response: Option<&'a [u8]>,
    /// Refuse an end entity without a stapled response, whatever it
    /// carries.
    pub required: bool,
}

fn check_staple(
    leaf: &cert::Certificate<'_>,
    issuer: &cert::Certificate<'_>,
    staple: OcspStaple<'_>,
    policy: &Policy,
    now: i64,
) -> Result<(), CertificateError> {
    let missing = |must_staple: bool, detail: String| {
        CertificateError::MissingOcspResponse {
            must_staple,
            finding: Finding::new(detail),
        }
        .at(Position::Peer(0), || name::display(leaf.subject))
    };
    match staple.response {
        Some(der) => ocsp::check(der, leaf, issuer, now, policy),
        None if staple.requested && leaf.ext.must_staple => Err(missing(
            true,
            String::from(
                "carries the TLS feature status_request (must-staple, RFC 7633), but the server stapled no OCSP response to it",
            ),
        )),
        None if staple.required => Err(missing(
            false,
            alloc::format!(
                "came without a stapled OCSP response, which this verifier requires{}",
                if staple.requested {
                    ""
                } else {
                    " (and the client did not ask for one: see ClientConfigBuilder::request_ocsp)"
                }
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
