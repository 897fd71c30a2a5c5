//! Signatures for CertificateVerify (RFC 8446 §4.4.3): loading private
//! keys, choosing a scheme, signing, and verifying with a
//! SubjectPublicKeyInfo.

use alloc::vec::Vec;

use super::SecureRandom;
use crate::error::Error;
use crate::msgs::enums::SignatureScheme;

/// The schemes we can verify, in our preference order (sent in
/// `signature_algorithms`).
pub const SUPPORTED_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
];

/// The smallest RSA modulus accepted by default, in bits.
pub const DEFAULT_MIN_RSA_BITS: usize = 2048;

/// What kind of key a [`SigningKey`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA on P-256.
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA with the given modulus size in bits.
    Rsa(usize),
}

/// A private key that signs CertificateVerify messages. Key material is
/// zeroized on drop by the underlying crates.
pub struct SigningKey {
    _todo: (),
}

impl SigningKey {
    /// Parses a DER private key: PKCS#8 (any of our key types), SEC1
    /// (EC), or PKCS#1 (RSA).
    pub fn from_der(_der: &[u8]) -> Result<Self, Error> {
        todo!()
    }

    /// Parses the first private key in PEM text (`PRIVATE KEY`,
    /// `EC PRIVATE KEY`, `RSA PRIVATE KEY`).
    pub fn from_pem(_pem: &str) -> Result<Self, Error> {
        todo!()
    }

    /// What the key is.
    pub fn kind(&self) -> KeyKind {
        todo!()
    }

    /// The schemes this key can produce, best first.
    pub fn schemes(&self) -> &'static [SignatureScheme] {
        todo!()
    }

    /// The first of our schemes (in our order) that the peer offered.
    pub fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.schemes().iter().copied().find(|s| offered.contains(s))
    }

    /// Signs `message` with `scheme` (which must be in `schemes()`).
    /// RSA-PSS draws its salt (hash-length bytes) from `rng`; ECDSA uses
    /// RFC 6979 deterministic nonces; Ed25519 is deterministic.
    pub fn sign(
        &self,
        _scheme: SignatureScheme,
        _message: &[u8],
        _rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        todo!()
    }

    /// The DER SubjectPublicKeyInfo of the public half.
    pub fn public_key_spki(&self) -> Vec<u8> {
        todo!()
    }
}

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The SPKI could not be parsed or is not a key type we know.
    UnsupportedKey,
    /// The RSA key is below the configured minimum (bits found, minimum).
    RsaKeyTooSmall(usize, usize),
    /// The scheme does not fit the key (e.g. ECDSA P-384 scheme with a P-256 key)
    /// or is not one we implement.
    SchemeMismatch,
    /// The signature is malformed or does not verify.
    BadSignature,
}

/// Verifies `signature` over `message` with the key in the DER
/// SubjectPublicKeyInfo `spki`, for one of [`SUPPORTED_SCHEMES`]. ECDSA
/// signatures are DER `Ecdsa-Sig-Value`s (RFC 8446 §4.2.3).
pub fn verify(
    _spki: &[u8],
    _scheme: SignatureScheme,
    _message: &[u8],
    _signature: &[u8],
    _min_rsa_bits: usize,
) -> Result<(), VerifyError> {
    todo!()
}

/// Extracts the SubjectPublicKeyInfo (DER) from an X.509 certificate
/// (DER), without validating anything else. The chain validator replaces
/// this for path validation; the handshake uses it to check
/// CertificateVerify against the end-entity key.
pub fn certificate_spki(_cert_der: &[u8]) -> Result<&[u8], Error> {
    todo!()
}
