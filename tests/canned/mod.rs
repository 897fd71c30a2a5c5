//! Callbacks that give every call the same answer (`mod canned;`): a
//! certificate verifier for either side and a signer with no key behind
//! it, so that a test that only needs "defer", "accept" or "refuse" does
//! not write out a trait implementation of its own.
#![allow(dead_code)]

use tls13::crypto::SecureRandom;
use tls13::error::CertificateError;
use tls13::unstable::msgs::enums::SignatureScheme;
use tls13::{ClientCertVerifier, Decision, Error, ServerCertVerifier, ServerName, Signer};

/// A certificate verifier, for servers' chains and for clients', that
/// gives every chain the same answer.
#[derive(Clone, Debug)]
pub enum Verdict {
    Accept,
    Refuse(CertificateError),
    /// [`Decision::Deferred`]: the test answers through the connection.
    Defer,
}

impl Verdict {
    fn decision(&self) -> Decision<Result<(), CertificateError>> {
        match self {
            Self::Accept => Decision::Ready(Ok(())),
            Self::Refuse(e) => Decision::Ready(Err(e.clone())),
            Self::Defer => Decision::Deferred,
        }
    }
}

impl ServerCertVerifier for Verdict {
    fn verify_server_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: &ServerName,
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        self.decision()
    }
}

impl ClientCertVerifier for Verdict {
    fn verify_client_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        self.decision()
    }
}

/// A signer with no key behind it (one elsewhere, or none) that names
/// `schemes`: it fails every signature with `fails_with` or, when that is
/// `None`, defers it ([`Decision::Deferred`]: the test answers through the
/// connection).
pub struct Keyless {
    pub schemes: Vec<SignatureScheme>,
    pub fails_with: Option<Error>,
}

impl Keyless {
    /// Defers every signature, naming only `scheme`.
    pub fn deferring(scheme: SignatureScheme) -> Self {
        Self {
            schemes: vec![scheme],
            fails_with: None,
        }
    }
}

impl Signer for Keyless {
    fn schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
    fn sign(
        &self,
        _: SignatureScheme,
        _: &[u8],
        _: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>> {
        match &self.fails_with {
            Some(e) => Decision::Ready(Err(e.clone())),
            None => Decision::Deferred,
        }
    }
}
