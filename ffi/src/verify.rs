//! The verifiers behind `TLS13_VERIFY_*`: the library's chain validator,
//! and when the application asked to decide itself, a verifier that hands
//! the chain out as an event (after the validator accepted it, if there
//! are trust anchors) and waits for `tls13_conn_accept_certificate` /
//! `tls13_conn_reject_certificate`.

use tls13::SignatureScheme;
use tls13::error::CertificateError;
use tls13::verify::{ClientCertVerifier, Decision, ServerCertVerifier, ServerName};
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};

/// The server's chain: the validator first (when there are anchors), then
/// the application (an event, answered later).
pub(crate) struct AppServerVerifier {
    pub roots: Option<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AppServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        server_name: &ServerName<'_>,
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        if let Some(roots) = &self.roots {
            match roots.verify_server_cert(end_entity, intermediates, server_name, now) {
                Decision::Ready(Ok(())) => {}
                // A refusal is final: the application sees only chains
                // the validator accepted.
                other => return other,
            }
        }
        Decision::Deferred
    }
}

/// The client's chain, the same way.
pub(crate) struct AppClientVerifier {
    pub roots: Option<WebPkiClientVerifier>,
}

impl ClientCertVerifier for AppClientVerifier {
    fn certificate_authorities(&self) -> Vec<Vec<u8>> {
        self.roots
            .as_ref()
            .map(ClientCertVerifier::certificate_authorities)
            .unwrap_or_default()
    }

    fn signature_schemes(&self) -> Vec<SignatureScheme> {
        match &self.roots {
            Some(r) => r.signature_schemes(),
            None => tls13::crypto::sign::SUPPORTED_SCHEMES.to_vec(),
        }
    }

    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        if let Some(roots) = &self.roots {
            match roots.verify_client_cert(end_entity, intermediates, now) {
                Decision::Ready(Ok(())) => {}
                other => return other,
            }
        }
        Decision::Deferred
    }
}
