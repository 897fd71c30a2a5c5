//! Chain errors a person can act on: which certificate (position and
//! subject), which check, and what was expected against what was found.
//! The public shape is [`CertificateError`] (one variant per kind, with
//! the data a program may act on, and a [`Finding`] for the sentence);
//! these are the validator's shorthands for building it.

use alloc::string::String;

pub use crate::error::{CertificateError, Finding, Position};

/// The DER does not follow the RFC 5280 syntax (or our strict profile of it).
pub(crate) fn malformed(detail: impl Into<String>) -> CertificateError {
    CertificateError::Malformed {
        finding: Finding::new(detail),
    }
}

/// Another rule of the RFC 5280 / Web PKI profile, named in the detail.
pub(crate) fn profile(detail: impl Into<String>) -> CertificateError {
    CertificateError::Profile {
        finding: Finding::new(detail),
    }
}

/// A signature algorithm or key type/size we do not accept.
pub(crate) fn unsupported(detail: impl Into<String>) -> CertificateError {
    CertificateError::UnsupportedAlgorithm {
        finding: Finding::new(detail),
    }
}

/// A signature that does not verify.
pub(crate) fn bad_signature(detail: impl Into<String>) -> CertificateError {
    CertificateError::BadSignature {
        finding: Finding::new(detail),
    }
}

/// A certificate acting as a CA without being one.
pub(crate) fn not_ca(detail: impl Into<String>) -> CertificateError {
    CertificateError::NotCa {
        finding: Finding::new(detail),
    }
}

/// A keyUsage without the bit `required`.
pub(crate) fn key_usage(required: &'static str, detail: impl Into<String>) -> CertificateError {
    CertificateError::KeyUsage {
        required,
        finding: Finding::new(detail),
    }
}

/// A name outside (or a constraint we cannot apply to) a CA's name constraints.
pub(crate) fn name_constraints(detail: impl Into<String>) -> CertificateError {
    CertificateError::NameConstraints {
        finding: Finding::new(detail),
    }
}

/// A CRL we cannot use for a certificate of the path.
pub(crate) fn revocation_unknown(detail: impl Into<String>) -> CertificateError {
    CertificateError::RevocationUnknown {
        finding: Finding::new(detail),
    }
}

/// A work budget ran out.
pub(crate) fn limit_exceeded(detail: impl Into<String>) -> CertificateError {
    CertificateError::LimitExceeded {
        finding: Finding::new(detail),
    }
}
