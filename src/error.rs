//! Errors. One top-level [`Error`] wraps precise enums; each error caused by
//! the peer knows the alert that RFC 9846 names for it ([`Error::alert`]),
//! and the connection sends that alert before reporting the error.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::msgs::enums::AlertDescription;

/// A message that could not be decoded (RFC 9846 §6: `decode_error`, unless
/// stated otherwise on the variant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidMessage {
    /// The input ended inside the named field.
    MissingData(&'static str),
    /// Bytes were left over after the named structure.
    TrailingData(&'static str),
    /// A vector whose minimum length is non-zero was empty.
    EmptyVector(&'static str),
    /// A field held a value the syntax does not allow.
    InvalidValue(&'static str),
    /// The same extension appeared twice in one block (§4.3): `illegal_parameter`.
    DuplicateExtension(u16),
    /// `pre_shared_key` was not the last ClientHello extension (§4.3.11): `illegal_parameter`.
    PreSharedKeyNotLast,
    /// A list in the message has more entries than the configured limit
    /// allows ([`Limits`](crate::config::Limits): `max_extensions`,
    /// `max_key_shares`, `max_psk_identities`, `max_list_entries`). The
    /// syntax allows it, our policy does not: `illegal_parameter`, as for
    /// an over-long message.
    ListTooLong {
        /// The list.
        what: &'static str,
        /// The limit it crossed.
        limit: usize,
    },
    /// A server_name HostName that is not a DNS host name as RFC 6066 §3
    /// requires (ASCII letters, digits and hyphens in dot-separated labels,
    /// no trailing dot, not an IP address literal): `illegal_parameter`.
    InvalidHostName,
}

impl InvalidMessage {
    /// The alert to send.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::DuplicateExtension(_)
            | Self::PreSharedKeyNotLast
            | Self::ListTooLong { .. }
            | Self::InvalidHostName => AlertDescription::ILLEGAL_PARAMETER,
            _ => AlertDescription::DECODE_ERROR,
        }
    }
}

impl fmt::Display for InvalidMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingData(w) => write!(f, "message truncated inside {w}"),
            Self::TrailingData(w) => write!(f, "unexpected bytes after {w}"),
            Self::EmptyVector(w) => write!(f, "{w} must not be empty"),
            Self::InvalidValue(w) => write!(f, "invalid value in {w}"),
            Self::DuplicateExtension(t) => write!(f, "extension {t} appears twice"),
            Self::PreSharedKeyNotLast => {
                f.write_str("pre_shared_key is not the last ClientHello extension")
            }
            Self::ListTooLong { what, limit } => {
                write!(f, "{what} has more than {limit} entries")
            }
            Self::InvalidHostName => f.write_str("server_name is not a valid DNS host name"),
        }
    }
}

/// Something the peer did that RFC 9846 forbids. Each variant names the
/// rule; [`PeerMisbehaved::alert`] gives the alert the RFC requires.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// A message arrived that is not allowed in the current state (§4; `unexpected_message`).
    UnexpectedMessage {
        /// What arrived (a content or handshake type name).
        got: &'static str,
        /// What the state machine was waiting for.
        expected: &'static str,
    },
    /// A handshake message spanned a key change (§5.1; `unexpected_message`).
    HandshakeSpansKeyChange,
    /// Data records were interleaved with a fragmented handshake message (§5.1; `unexpected_message`).
    InterleavedHandshake,
    /// Record with a zero-length handshake or alert fragment (§5.1; `unexpected_message`/`decode_error`).
    EmptyFragment,
    /// An illegal change_cipher_spec record (§5; `unexpected_message`).
    IllegalChangeCipherSpec,
    /// A field held a value the RFC forbids, named here (`illegal_parameter`).
    IllegalParameter(&'static str),
    /// A required extension was missing (§9.2; `missing_extension`).
    MissingExtension(&'static str),
    /// An extension that was not offered, or not allowed in this message (§4.3; `unsupported_extension` / `illegal_parameter`).
    UnsolicitedExtension(u16),
    /// A Finished did not verify (§4.5.3; `decrypt_error`).
    BadFinished,
    /// A CertificateVerify signature did not verify (§4.5.2; `decrypt_error`).
    BadSignature,
    /// A PSK binder did not verify (§4.3.11; `decrypt_error`).
    BadBinder,
    /// The downgrade sentinel was present in ServerHello.random (§4.2.3; `illegal_parameter`).
    DowngradeDetected,
    /// A second HelloRetryRequest (§4.2.4; `unexpected_message`).
    SecondHelloRetryRequest,
    /// A HelloRetryRequest that would not change the ClientHello (§4.2.4; `illegal_parameter`).
    IllegalHelloRetryRequest(&'static str),
    /// The peer chose a parameter we never offered (`illegal_parameter`).
    SelectedUnofferedParameter(&'static str),
    /// The peer sent a key share that failed validation (§4.3.8.2; `illegal_parameter`).
    InvalidKeyShare,
    /// Too many of something bounded (empty records, warnings, KeyUpdates, CCS); `unexpected_message`.
    TooMany(&'static str),
    /// A handshake message longer than the configured
    /// [`Limits::max_handshake_message`](crate::config::Limits) (`illegal_parameter`,
    /// as OpenSSL answers an excessive message).
    MessageTooLarge {
        /// The length the message announced (header included).
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A TLS 1.3 hello whose legacy_version is not 0x0303 (RFC 9846
    /// §4.2.2, §4.2.3, Appendix E.5; `protocol_version`); names the field.
    IllegalLegacyVersion(&'static str),
    /// A rule of RFC 9001 (QUIC) whose breach is the QUIC transport error
    /// PROTOCOL_VIOLATION (0x0a) rather than a TLS alert (§4.1.3, §4.4,
    /// §4.6.1, §8.3, §8.4); named here. As an alert, `unexpected_message`
    /// (QUIC sends none: see [`crate::quic::Connection::error_code`]).
    QuicProtocolViolation(&'static str),
    /// A CompressedCertificate (RFC 8879 §4) that does not decompress, or
    /// not to exactly its `uncompressed_length`; names the fault
    /// (`bad_certificate`).
    BadCompressedCertificate(&'static str),
}

impl PeerMisbehaved {
    /// The alert RFC 9846 names for this violation.
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::UnexpectedMessage { .. }
            | Self::HandshakeSpansKeyChange
            | Self::InterleavedHandshake
            | Self::EmptyFragment
            | Self::IllegalChangeCipherSpec
            | Self::SecondHelloRetryRequest
            | Self::TooMany(_)
            | Self::QuicProtocolViolation(_) => A::UNEXPECTED_MESSAGE,
            Self::BadCompressedCertificate(_) => A::BAD_CERTIFICATE,
            Self::IllegalParameter(_)
            | Self::DowngradeDetected
            | Self::IllegalHelloRetryRequest(_)
            | Self::SelectedUnofferedParameter(_)
            | Self::InvalidKeyShare
            | Self::MessageTooLarge { .. } => A::ILLEGAL_PARAMETER,
            Self::MissingExtension(_) => A::MISSING_EXTENSION,
            Self::IllegalLegacyVersion(_) => A::PROTOCOL_VERSION,
            Self::UnsolicitedExtension(_) => A::UNSUPPORTED_EXTENSION,
            Self::BadFinished | Self::BadSignature | Self::BadBinder => A::DECRYPT_ERROR,
        }
    }
}

impl fmt::Display for PeerMisbehaved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedMessage { got, expected } => write!(f, "received {got} while expecting {expected}"),
            Self::HandshakeSpansKeyChange => f.write_str("a handshake message spans a key change"),
            Self::InterleavedHandshake => f.write_str("another record type interrupted a fragmented handshake message"),
            Self::EmptyFragment => f.write_str("empty handshake or alert record"),
            Self::IllegalChangeCipherSpec => f.write_str("change_cipher_spec record outside the handshake or with a bad body"),
            Self::IllegalParameter(w) => write!(f, "illegal value: {w}"),
            Self::MissingExtension(w) => write!(f, "required extension {w} is missing"),
            Self::UnsolicitedExtension(t) => write!(f, "extension {t} was not offered or is not allowed here"),
            Self::BadFinished => f.write_str("the peer's Finished did not verify"),
            Self::BadSignature => f.write_str("the peer's CertificateVerify signature did not verify"),
            Self::BadBinder => f.write_str("a PSK binder did not verify"),
            Self::DowngradeDetected => f.write_str("downgrade sentinel in ServerHello.random: an attacker may be forcing an older protocol"),
            Self::SecondHelloRetryRequest => f.write_str("a second HelloRetryRequest"),
            Self::IllegalHelloRetryRequest(w) => write!(f, "illegal HelloRetryRequest: {w}"),
            Self::SelectedUnofferedParameter(w) => write!(f, "the peer selected a {w} that was not offered"),
            Self::InvalidKeyShare => f.write_str("the peer's key share is not a valid public value"),
            Self::TooMany(w) => write!(f, "too many {w}"),
            Self::MessageTooLarge { len, limit } => write!(f, "a handshake message of {len} bytes exceeds the limit of {limit}"),
            Self::IllegalLegacyVersion(w) => write!(f, "{w} is not 0x0303 (TLS 1.2), which TLS 1.3 requires"),
            Self::QuicProtocolViolation(w) => write!(f, "QUIC protocol violation: {w}"),
            Self::BadCompressedCertificate(w) => write!(f, "bad CompressedCertificate: {w}"),
        }
    }
}

/// The peer and we have nothing in common (`handshake_failure` or
/// `protocol_version`, as named).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerIncompatible {
    /// The peer does not offer TLS 1.3 (§4.3.1; `protocol_version`).
    NoTls13,
    /// No cipher suite in common (`handshake_failure`).
    NoCommonCipherSuite,
    /// No key exchange group in common (`handshake_failure`).
    NoCommonGroup,
    /// No signature scheme we can use (`handshake_failure`).
    NoCommonSignatureScheme,
    /// No application protocol in common (RFC 7301; `no_application_protocol`).
    NoCommonAlpn,
    /// The peer sent no certificate but one is required (`certificate_required`).
    CertificateRequired,
    /// A PSK-only server: the client offered no PSK identity it knows, and
    /// there is no certificate to fall back to (RFC 9846 §6.2,
    /// `unknown_psk_identity`).
    UnknownPskIdentity,
    /// Anything else, described (`handshake_failure`).
    Other(&'static str),
}

impl PeerIncompatible {
    /// The alert to send.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::NoTls13 => AlertDescription::PROTOCOL_VERSION,
            Self::NoCommonAlpn => AlertDescription::NO_APPLICATION_PROTOCOL,
            Self::CertificateRequired => AlertDescription::CERTIFICATE_REQUIRED,
            Self::UnknownPskIdentity => AlertDescription::UNKNOWN_PSK_IDENTITY,
            _ => AlertDescription::HANDSHAKE_FAILURE,
        }
    }
}

impl fmt::Display for PeerIncompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTls13 => f.write_str("the peer does not support TLS 1.3"),
            Self::NoCommonCipherSuite => f.write_str("no cipher suite in common with the peer"),
            Self::NoCommonGroup => f.write_str("no key exchange group in common with the peer"),
            Self::NoCommonSignatureScheme => {
                f.write_str("no signature scheme in common with the peer")
            }
            Self::NoCommonAlpn => {
                f.write_str("no application protocol (ALPN) in common with the peer")
            }
            Self::CertificateRequired => {
                f.write_str("the peer sent no certificate, but one is required")
            }
            Self::UnknownPskIdentity => {
                f.write_str("the client offered no PSK identity this PSK-only server knows")
            }
            Self::Other(w) => f.write_str(w),
        }
    }
}

/// Where a certificate the chain validator speaks of sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// Index in the chain the peer sent (0 = end entity).
    Peer(usize),
    /// Index in the validator's trust anchors.
    Anchor(usize),
    /// A CRL supplied by the caller (index in the list).
    Crl(usize),
}

/// What the chain validator found: which certificate (where it sits, its
/// subject) and the sentence saying what was expected and what was found.
/// [`CertificateError`]'s `Display` prints it as `certificate 1 (CN=…)
/// expired at …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The certificate (or CRL) the failure is about, if it is about one.
    pub position: Option<Position>,
    /// Its subject as text (`CN=api.example.com, O=Example`), or empty.
    pub subject: String,
    /// What was expected and what was found, e.g. `expired at
    /// 2026-11-01 00:00:00 UTC, 22 days before the validation time …`.
    pub detail: String,
}

impl Finding {
    /// A finding about no certificate in particular (boxed, as the
    /// variants of [`CertificateError`] hold it).
    pub fn new(detail: impl Into<String>) -> Box<Self> {
        Box::new(Self {
            position: None,
            subject: String::new(),
            detail: detail.into(),
        })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = if self.subject.is_empty() {
            "empty subject"
        } else {
            &self.subject
        };
        match &self.position {
            Some(Position::Peer(i)) => write!(f, "certificate {i} ({subject}) ")?,
            Some(Position::Anchor(i)) => write!(f, "trust anchor {i} ({subject}) ")?,
            Some(Position::Crl(i)) => write!(f, "CRL {i} (issuer {subject}) ")?,
            None => {}
        }
        f.write_str(&self.detail)
    }
}

/// Why a peer's certificate was not accepted. The kind is the variant, so
/// a program can `match` on it; the data a program may act on (times,
/// names, purposes) are fields; `Display` is the sentence for a person
/// (which certificate, which rule, what was expected against what was
/// found); [`CertificateError::alert`] maps every kind to its alert (RFC
/// 9846 §6.2) in this one place.
///
/// The variants holding a [`Finding`] come from the chain validator
/// ([`crate::x509::Validator`], behind
/// [`WebPkiServerVerifier`](crate::verify_webpki::WebPkiServerVerifier) and
/// [`WebPkiClientVerifier`](crate::verify_webpki::WebPkiClientVerifier));
/// a verifier of your own may return them too. Times are seconds since the
/// UNIX epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// The handshake could not read the certificate's structure, before
    /// any verifier saw it (`bad_certificate`).
    BadEncoding(String),
    /// The peer sent no certificate (`certificate_required` on a server,
    /// `decode_error` on a client, where an empty list is illegal).
    Empty,
    /// The end-entity certificate is not the pinned one (`bad_certificate`).
    NotPinned,
    /// The key is of a type or size we do not accept (`unsupported_certificate` / `insufficient_security`).
    UnsupportedKey(String),
    /// The chain has more certificates than the configured
    /// [`Limits::max_certificate_chain`](crate::config::Limits) (`bad_certificate`).
    ChainTooLong {
        /// Certificates received.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A verifier's own reason, with the alert it chose.
    Other {
        /// Human-readable reason.
        reason: String,
        /// Alert to send.
        alert: AlertDescription,
    },
    /// A certificate (or CRL) of the chain does not follow the DER syntax
    /// of RFC 5280 or our strict profile of it (`bad_certificate`).
    Malformed {
        /// Which certificate, and what is wrong.
        finding: Box<Finding>,
    },
    /// The validation time is after the certificate's notAfter
    /// (`certificate_expired`).
    Expired {
        /// The certificate's notAfter.
        not_after: i64,
        /// The validation time.
        now: i64,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// The validation time is before the certificate's notBefore
    /// (`certificate_expired`).
    NotYetValid {
        /// The certificate's notBefore.
        not_before: i64,
        /// The validation time.
        now: i64,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// The end entity is not valid for the name the client asked for
    /// (RFC 9525; `bad_certificate`).
    NotValidForName {
        /// The name asked for (DNS name or IP address, as text).
        expected: String,
        /// The DNS and IP subjectAltName entries the certificate has (at
        /// most 8).
        presented: Vec<String>,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// No path reaches a trust anchor: the issuer is neither a trust
    /// anchor nor among the intermediates the peer sent (`unknown_ca`).
    UnknownIssuer {
        /// The issuer name that could not be found, as text.
        issuer: String,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// A signature on a certificate or CRL did not verify with its
    /// issuer's key (`bad_certificate`).
    BadSignature {
        /// Which certificate, and whose key.
        finding: Box<Finding>,
    },
    /// A signature algorithm, or a key type or size, that we do not accept
    /// in a certificate or CRL (`unsupported_certificate`).
    UnsupportedAlgorithm {
        /// Which certificate, and what.
        finding: Box<Finding>,
    },
    /// The extendedKeyUsage of a certificate of the path (end entity or
    /// CA) does not allow the purpose being validated (RFC 5280
    /// §4.2.1.12; `unsupported_certificate`).
    InvalidPurpose {
        /// `"serverAuth"` or `"clientAuth"`.
        required: &'static str,
        /// The purposes the certificate lists (names, or dotted OIDs; at
        /// most 16).
        presented: Vec<String>,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// The keyUsage of a certificate (or CRL issuer) lacks a bit this use
    /// needs (RFC 5280 §4.2.1.3; `unsupported_certificate`).
    KeyUsage {
        /// `"digitalSignature"`, `"keyCertSign"` or `"cRLSign"`.
        required: &'static str,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// A certificate that is not a CA (basicConstraints) acts as one
    /// (RFC 5280 §4.2.1.9, §6.1.4 (k); `bad_certificate`).
    NotCa {
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// The path has more intermediate CAs than a pathLenConstraint (RFC
    /// 5280 §6.1.4 (l), (m)) or the policy allows (`bad_certificate`).
    PathLength {
        /// Intermediate CAs allowed.
        allowed: u64,
        /// Intermediate CAs the path would have.
        found: u64,
        /// Which certificate sets the limit.
        finding: Box<Finding>,
    },
    /// A name is outside a CA's permitted subtrees or inside its excluded
    /// ones, or a constraint cannot be processed (RFC 5280 §4.2.1.10;
    /// `bad_certificate`).
    NameConstraints {
        /// Which certificate has the name, and which name.
        finding: Box<Finding>,
    },
    /// A critical extension we do not process (RFC 5280 §4.2;
    /// `bad_certificate`).
    UnhandledCriticalExtension {
        /// Its OID, dotted.
        oid: String,
        /// Which certificate.
        finding: Box<Finding>,
    },
    /// Another rule of the RFC 5280 / CA/Browser Forum profile, named in
    /// the finding (`bad_certificate`).
    Profile {
        /// Which certificate, and which rule.
        finding: Box<Finding>,
    },
    /// Revoked by a caller-supplied CRL (RFC 5280 §6.3), or by the OCSP
    /// response the server stapled (RFC 6960 §2.2; the finding gives the
    /// reason when the response has one) (`certificate_revoked`).
    Revoked {
        /// The revocationDate the CRL gives.
        revoked_at: i64,
        /// Which certificate, and which CRL.
        finding: Box<Finding>,
    },
    /// A caller-supplied CRL for a certificate of the path cannot be used
    /// (not yet valid, or stale), so its revocation status is unknown
    /// (`certificate_unknown`).
    RevocationUnknown {
        /// Which CRL.
        finding: Box<Finding>,
    },
    /// Validation gave up: too many candidate issuers, signature checks
    /// or name-constraint comparisons (`unknown_ca`).
    LimitExceeded {
        /// Which limit.
        finding: Box<Finding>,
    },
    /// The OCSP response the server stapled (RFC 9846 §4.5.1.1, RFC 6960)
    /// cannot vouch for its certificate: malformed, not `successful`,
    /// signed by neither the issuer nor a responder the issuer
    /// authorised, about another certificate, not yet valid or stale, or
    /// with the status `unknown` (`bad_certificate_status_response`, RFC
    /// 6066 §8). A response that was sent is never ignored: see
    /// [`WebPkiServerVerifier`](crate::verify_webpki::WebPkiServerVerifier).
    BadOcspResponse {
        /// Which certificate, and what is wrong with the response.
        finding: Box<Finding>,
    },
    /// No OCSP response was stapled, but one is required: the end
    /// entity carries the TLS feature `status_request` ("must-staple",
    /// RFC 7633 §4.2.3.1) and we asked for it, or the verifier was
    /// configured to require one (`bad_certificate_status_response`).
    MissingOcspResponse {
        /// The certificate demands it (must-staple), rather than our
        /// configuration.
        must_staple: bool,
        /// Which certificate.
        finding: Box<Finding>,
    },
}

/// The pattern of every [`CertificateError`] variant that holds a
/// [`Finding`], binding it to `$f`.
macro_rules! with_finding {
    ($f:ident) => {
        CertificateError::Malformed { finding: $f }
            | CertificateError::Expired { finding: $f, .. }
            | CertificateError::NotYetValid { finding: $f, .. }
            | CertificateError::NotValidForName { finding: $f, .. }
            | CertificateError::UnknownIssuer { finding: $f, .. }
            | CertificateError::BadSignature { finding: $f }
            | CertificateError::UnsupportedAlgorithm { finding: $f }
            | CertificateError::InvalidPurpose { finding: $f, .. }
            | CertificateError::KeyUsage { finding: $f, .. }
            | CertificateError::NotCa { finding: $f }
            | CertificateError::PathLength { finding: $f, .. }
            | CertificateError::NameConstraints { finding: $f }
            | CertificateError::UnhandledCriticalExtension { finding: $f, .. }
            | CertificateError::Profile { finding: $f }
            | CertificateError::Revoked { finding: $f, .. }
            | CertificateError::RevocationUnknown { finding: $f }
            | CertificateError::LimitExceeded { finding: $f }
            | CertificateError::BadOcspResponse { finding: $f }
            | CertificateError::MissingOcspResponse { finding: $f, .. }
    };
}

impl CertificateError {
    /// The alert to send.
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::BadEncoding(_)
            | Self::NotPinned
            | Self::ChainTooLong { .. }
            | Self::Malformed { .. }
            | Self::NotValidForName { .. }
            | Self::BadSignature { .. }
            | Self::NotCa { .. }
            | Self::PathLength { .. }
            | Self::NameConstraints { .. }
            | Self::UnhandledCriticalExtension { .. }
            | Self::Profile { .. } => A::BAD_CERTIFICATE,
            Self::Empty => A::CERTIFICATE_REQUIRED,
            Self::UnsupportedKey(_)
            | Self::UnsupportedAlgorithm { .. }
            | Self::InvalidPurpose { .. }
            | Self::KeyUsage { .. } => A::UNSUPPORTED_CERTIFICATE,
            Self::Expired { .. } | Self::NotYetValid { .. } => A::CERTIFICATE_EXPIRED,
            Self::UnknownIssuer { .. } | Self::LimitExceeded { .. } => A::UNKNOWN_CA,
            Self::Revoked { .. } => A::CERTIFICATE_REVOKED,
            Self::RevocationUnknown { .. } => A::CERTIFICATE_UNKNOWN,
            Self::BadOcspResponse { .. } | Self::MissingOcspResponse { .. } => {
                A::BAD_CERTIFICATE_STATUS_RESPONSE
            }
            Self::Other { alert, .. } => *alert,
        }
    }

    /// Which certificate the chain validator blamed and what it found, for
    /// the variants that carry a [`Finding`].
    pub fn finding(&self) -> Option<&Finding> {
        match self {
            with_finding!(finding) => Some(finding),
            _ => None,
        }
    }

    /// Names the certificate the finding is about, unless one is named
    /// already (the innermost blame wins).
    pub(crate) fn at(mut self, position: Position, subject: impl FnOnce() -> String) -> Self {
        if let with_finding!(f) = &mut self
            && f.position.is_none()
        {
            f.position = Some(position);
            f.subject = subject();
        }
        self
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            with_finding!(finding) => finding.fmt(f),
            Self::BadEncoding(w) => write!(f, "certificate could not be parsed: {w}"),
            Self::Empty => f.write_str("the peer sent no certificate"),
            Self::NotPinned => f.write_str("the end-entity certificate is not the pinned one"),
            Self::ChainTooLong { len, limit } => {
                write!(
                    f,
                    "the chain has {len} certificates, more than the limit of {limit}"
                )
            }
            Self::UnsupportedKey(w) => write!(f, "unsupported certificate key: {w}"),
            Self::Other { reason, .. } => f.write_str(reason),
        }
    }
}

impl core::error::Error for CertificateError {}

/// Every error this crate reports. [`alert`](Self::alert) names the
/// alert the connection sent the peer; `Display` is a sentence for a
/// person. A refused certificate carries its kind and data
/// ([`CertificateError`]), so a program can act on the reason:
///
/// ```
/// use tls13::error::CertificateError;
/// use tls13::{AlertDescription, Error};
///
/// # use std::sync::Arc;
/// # use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
/// # use tls13::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, crypto::sign::SigningKey};
/// # let rng = tls13::crypto::OsRandom;
/// # let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let ca = Ca::new("Doc CA", &ca_key, 0, 4_000_000_000, &rng)?;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # // Valid from 2001 to 2017.
/// # let cert = ca.issue(&[SubjectAltName::Dns("localhost".into())], &key, 1_000_000_000, 1_500_000_000, &rng)?;
/// # let server_config = ServerConfig::builder_with_single_cert(vec![cert], SigningKey::from_der(&key)?).build()?;
/// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", ca.cert_der()))?;
/// # let client_config = ClientConfig::builder(Arc::new(roots)).build()?;
/// # let connect = || -> Result<(), Error> {
/// #     let mut client = ClientConnection::new(Arc::new(client_config), "localhost")?;
/// #     let mut server = ServerConnection::new(Arc::new(server_config))?;
/// #     while !client.pending_output().is_empty() {
/// #         let out = client.pending_output().to_vec();
/// #         client.consume_output(out.len());
/// #         server.receive(&out)?;
/// #         let out = server.pending_output().to_vec();
/// #         server.consume_output(out.len());
/// #         client.receive(&out)?;
/// #     }
/// #     Ok(())
/// # };
/// // A handshake with a server whose certificate expired in 2017:
/// let err = connect().unwrap_err();
/// match &err {
///     Error::InvalidCertificate(CertificateError::Expired { not_after, now, .. }) => {
///         println!("expired {} days ago", (now - not_after) / 86_400);
///     }
///     Error::InvalidCertificate(CertificateError::NotValidForName { expected, presented, .. }) => {
///         println!("not valid for {expected}, only for {presented:?}");
///     }
///     Error::InvalidCertificate(CertificateError::UnknownIssuer { issuer, .. }) => {
///         println!("no trusted CA issued it (issuer {issuer})");
///     }
///     Error::InvalidCertificate(other) => println!("certificate refused: {other}"),
///     Error::AlertReceived(alert) => println!("the server refused us: {alert:?}"),
///     other => println!("{other}"),
/// }
/// assert!(matches!(err, Error::InvalidCertificate(CertificateError::Expired { .. })));
/// assert_eq!(err.alert(), Some(AlertDescription::CERTIFICATE_EXPIRED));
/// assert!(err.to_string().starts_with(
///     "peer certificate rejected: certificate 0 (CN=localhost) expired at 2017-07-14"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A message from the peer did not decode.
    InvalidMessage(InvalidMessage),
    /// The peer broke a protocol rule.
    PeerMisbehaved(PeerMisbehaved),
    /// The peer has nothing in common with our configuration.
    PeerIncompatible(PeerIncompatible),
    /// The peer's certificate was rejected.
    InvalidCertificate(CertificateError),
    /// A record failed authentication (`bad_record_mac`).
    DecryptFailed,
    /// A record exceeded the negotiated size limit (`record_overflow`).
    RecordOverflow,
    /// The peer sent a fatal alert (or an alert other than close_notify /
    /// user_canceled, which TLS 1.3 treats as fatal).
    AlertReceived(AlertDescription),
    /// The transport ended without close_notify: the data may be truncated.
    UnexpectedEof,
    /// The connection is already closed or failed; nothing more can be done.
    ConnectionClosed,
    /// An operation needs a finished handshake.
    HandshakeNotComplete,
    /// The random source failed.
    RandomFailed,
    /// Our own configuration is unusable (named here).
    BadConfig(String),
    /// A local key or signing operation failed (`internal_error`).
    SigningFailed(String),
    /// A bug or exhausted limit on our side (`internal_error`).
    Internal(&'static str),
    /// [`commit_send`](crate::Connection::commit_send) was asked to send
    /// more than the space [`send_buffer`](crate::Connection::send_buffer)
    /// gave (`available` is 0 when there is none: never asked for, or
    /// forgotten by another call). Refused, nothing sent; the connection
    /// is unaffected.
    SendBufferExceeded {
        /// The `n` given to `commit_send`.
        committed: usize,
        /// The length of the space.
        available: usize,
    },
    /// The peer's Encrypted Client Hello broke RFC 9849 (the alert is
    /// [`EchError::alert`](crate::ech::EchError::alert)'s).
    Ech(Box<crate::ech::EchError>),
    /// RFC 9849 §6.1.6: the server did not accept our Encrypted Client
    /// Hello. The handshake completed with the server's public name and
    /// its certificate was valid for it, but that authenticates only the
    /// client-facing server, not the origin: the connection is closed
    /// with `ech_required` and no data was sent. With `retry_configs`
    /// (authenticated by that handshake) the application should connect
    /// again, on a new transport, offering them; without, the server has
    /// securely turned ECH off and the application may retry without it.
    EchRejected {
        /// The ECHConfigList the server sent in EncryptedExtensions, if
        /// any; only configs this client could use are worth retrying.
        retry_configs: Option<crate::ech::EchConfigList>,
    },
}

impl Error {
    /// The alert to send to the peer for this error, if any.
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        match self {
            Self::InvalidMessage(e) => Some(e.alert()),
            Self::PeerMisbehaved(e) => Some(e.alert()),
            Self::PeerIncompatible(e) => Some(e.alert()),
            Self::InvalidCertificate(e) => Some(e.alert()),
            Self::DecryptFailed => Some(A::BAD_RECORD_MAC),
            Self::RecordOverflow => Some(A::RECORD_OVERFLOW),
            Self::RandomFailed | Self::SigningFailed(_) | Self::Internal(_) => {
                Some(A::INTERNAL_ERROR)
            }
            Self::Ech(e) => Some(e.alert()),
            Self::EchRejected { .. } => Some(A::ECH_REQUIRED),
            Self::AlertReceived(_)
            | Self::UnexpectedEof
            | Self::ConnectionClosed
            | Self::HandshakeNotComplete
            | Self::BadConfig(_)
            | Self::SendBufferExceeded { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(e) => write!(f, "malformed message from the peer: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "the peer broke the protocol: {e}"),
            Self::PeerIncompatible(e) => write!(f, "{e}"),
            Self::InvalidCertificate(e) => write!(f, "peer certificate rejected: {e}"),
            Self::DecryptFailed => f.write_str(
                "a record failed authentication (bad_record_mac): corrupted or forged data",
            ),
            Self::RecordOverflow => f.write_str("the peer sent a record larger than allowed"),
            Self::AlertReceived(a) => write!(f, "the peer sent a fatal alert: {a:?}"),
            Self::UnexpectedEof => f.write_str(
                "the peer closed the transport without close_notify: data may be truncated",
            ),
            Self::ConnectionClosed => f.write_str("the connection is closed"),
            Self::HandshakeNotComplete => f.write_str("the handshake is not complete"),
            Self::RandomFailed => f.write_str("the random source failed"),
            Self::BadConfig(w) => write!(f, "configuration error: {w}"),
            Self::SigningFailed(w) => write!(f, "signing failed: {w}"),
            Self::Internal(w) => write!(f, "internal error: {w}"),
            Self::SendBufferExceeded {
                committed,
                available,
            } => write!(
                f,
                "commit_send({committed}) past the {available} bytes send_buffer gave"
            ),
            Self::Ech(e) => write!(f, "the peer's Encrypted Client Hello is invalid: {e}"),
            Self::EchRejected {
                retry_configs: Some(_),
            } => f.write_str(
                "the server rejected Encrypted Client Hello and sent retry configs: \
                 connect again with them",
            ),
            Self::EchRejected {
                retry_configs: None,
            } => f.write_str(
                "the server rejected Encrypted Client Hello and sent no retry configs: \
                 it has turned ECH off",
            ),
        }
    }
}

impl core::error::Error for Error {}

impl From<crate::ech::EchError> for Error {
    fn from(e: crate::ech::EchError) -> Self {
        Self::Ech(Box::new(e))
    }
}

impl From<InvalidMessage> for Error {
    fn from(e: InvalidMessage) -> Self {
        Self::InvalidMessage(e)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(e: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(e)
    }
}

impl From<PeerIncompatible> for Error {
    fn from(e: PeerIncompatible) -> Self {
        Self::PeerIncompatible(e)
    }
}

impl From<CertificateError> for Error {
    fn from(e: CertificateError) -> Self {
        Self::InvalidCertificate(e)
    }
}
