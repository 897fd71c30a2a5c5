//! Chain errors a person can act on: which certificate (position and
//! subject), which check, and what was expected against what was found.

use alloc::string::String;
use core::fmt;

use crate::error::CertificateError;
use crate::msgs::enums::AlertDescription;

/// Where a certificate sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// Index in the chain the peer sent (0 = end entity).
    Peer(usize),
    /// Index in the validator's trust anchors.
    Anchor(usize),
    /// A CRL supplied by the caller (index in the list).
    Crl(usize),
}

/// Which rule failed. Each maps to a TLS alert ([`Check::alert`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// The DER does not follow the RFC 5280 syntax (or our strict profile of it).
    Encoding,
    /// The validation time is after notAfter.
    Expired,
    /// The validation time is before notBefore.
    NotYetValid,
    /// No issuer was found among the intermediates and trust anchors.
    UnknownIssuer,
    /// A signature on a certificate (or CRL) did not verify.
    Signature,
    /// An algorithm or key type/size we do not accept.
    Unsupported,
    /// The certificate is not valid for the name the caller expected.
    Name,
    /// basicConstraints / pathLenConstraint / chain depth.
    BasicConstraints,
    /// keyUsage or extendedKeyUsage does not allow this use.
    Usage,
    /// A name is outside the issuer's name constraints.
    NameConstraints,
    /// A critical extension we do not understand (RFC 5280 §4.2).
    UnknownCriticalExtension,
    /// Another rule of the RFC 5280 / Web PKI profile (named in the detail).
    Profile,
    /// Revoked by a caller-supplied CRL.
    Revoked,
    /// Path building gave up: too many candidates or signature checks.
    Budget,
}

impl Check {
    /// The alert to send (RFC 8446 §6.2).
    pub fn alert(self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::Expired | Self::NotYetValid => A::CERTIFICATE_EXPIRED,
            Self::UnknownIssuer | Self::Budget => A::UNKNOWN_CA,
            Self::Unsupported | Self::Usage => A::UNSUPPORTED_CERTIFICATE,
            Self::Revoked => A::CERTIFICATE_REVOKED,
            Self::Encoding
            | Self::Signature
            | Self::Name
            | Self::BasicConstraints
            | Self::NameConstraints
            | Self::UnknownCriticalExtension
            | Self::Profile => A::BAD_CERTIFICATE,
        }
    }
}

/// Why a chain was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError {
    /// The certificate the failure is about, if it is about one.
    pub position: Option<Position>,
    /// Its subject, as text (`CN=api.example.com, O=Example`), or empty.
    pub subject: String,
    /// The rule that failed.
    pub check: Check,
    /// What was expected and what was found.
    pub detail: String,
}

impl ChainError {
    pub(crate) fn new(check: Check, detail: impl Into<String>) -> Self {
        Self {
            position: None,
            subject: String::new(),
            check,
            detail: detail.into(),
        }
    }

    pub(crate) fn at(mut self, position: Position, subject: String) -> Self {
        if self.position.is_none() {
            self.position = Some(position);
            self.subject = subject;
        }
        self
    }

    /// The alert to send for this error.
    pub fn alert(&self) -> AlertDescription {
        self.check.alert()
    }
}

impl fmt::Display for ChainError {
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

impl From<ChainError> for CertificateError {
    fn from(e: ChainError) -> Self {
        CertificateError::Other {
            alert: e.alert(),
            reason: alloc::format!("{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ChainError {}
