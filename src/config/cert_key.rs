//! Mistakes in a certificate file and key file pair, caught when the
//! configuration is built. Without these checks they show only at the
//! first handshake, and on the wrong side: a server whose key does not
//! match its certificate signs every CertificateVerify with the wrong key,
//! so every client fails with "CertificateVerify signature did not
//! verify" while the server itself logs nothing useful.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::crypto::sign::{SigningKey, certificate_spki};
use crate::error::Error;

/// Checks that `chain` has a leaf and that `key` is the private half of
/// the leaf's public key. `role` names the chain in the message ("server
/// certificate", "client certificate").
pub(super) fn check_chain_and_key(
    role: &str,
    chain: &[Vec<u8>],
    key: &SigningKey,
) -> Result<(), Error> {
    let Some(leaf) = chain.first() else {
        return Err(Error::BadConfig(format!(
            "{role}: the certificate chain is empty (did the file hold no CERTIFICATE block?); \
             the chain must start with the leaf certificate"
        )));
    };
    // The same SubjectPublicKeyInfo the peer will check our
    // CertificateVerify against (RFC 9846 §4.5.2).
    let spki = certificate_spki(leaf).map_err(|e| {
        Error::BadConfig(format!(
            "{role}: the first certificate of the chain is not a DER X.509 certificate ({e})"
        ))
    })?;
    if key.matches_spki_compressed(spki) {
        return Err(Error::BadConfig(format!(
            "{role}: the leaf's EC public key is encoded as a compressed point (leaf {}); \
             TLS verifiers, this library's and the Web PKI's, take uncompressed points only, \
             so every peer would refuse the CertificateVerify: reissue the certificate with \
             the point uncompressed",
            leaf_subject(leaf)
        )));
    }
    if !key.matches_spki(spki) {
        return Err(Error::BadConfig(format!(
            "{role}: the private key does not match the certificate's public key (leaf {}); \
             use the key the certificate was issued for, and put the leaf first in the chain",
            leaf_subject(leaf)
        )));
    }
    Ok(())
}

/// The leaf's subject (`CN=…`) as the crate's X.509 parser renders it.
fn leaf_subject(leaf: &[u8]) -> String {
    crate::x509::certificate_subject(leaf)
        .unwrap_or_else(|e| format!("with an unreadable subject: {e}"))
}
