//! Signatures for CertificateVerify (RFC 9846 §4.5.2): loading private
//! keys, choosing a scheme, signing, and verifying with a
//! SubjectPublicKeyInfo. The arithmetic is a provider's (the
//! [`KeySigner`], [`KeyLoader`] and [`SignatureVerifier`] traits); parsing
//! keys, matching schemes to keys and the RSA size floor are done here,
//! once for every provider, so that every provider refuses the same keys.

use alloc::boxed::Box;
use alloc::vec::Vec;

use der::{Decode, Reader, SliceReader, Tag, TagNumber};
use p256::pkcs8::ObjectIdentifier;
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use super::SecureRandom;
use crate::error::{CertificateError, Error};
use crate::msgs::enums::SignatureScheme;

mod pss;
pub(crate) use pss::OID_RSASSA_PSS;
pub use pss::PssKeyParams;
pub(crate) use pss::{
    digest_len, key_params as pss_key_params, pkcs8_key as pss_pkcs8_key, pss_spki,
};

/// The schemes we can verify, in our preference order (sent in
/// `signature_algorithms`).
pub const SUPPORTED_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    // RFC 9846 §4.2.3: for keys whose SubjectPublicKeyInfo is
    // id-RSASSA-PSS (RFC 4055), which rsa_pss_rsae_* cannot verify.
    SignatureScheme::RSA_PSS_PSS_SHA256,
    SignatureScheme::RSA_PSS_PSS_SHA384,
    SignatureScheme::RSA_PSS_PSS_SHA512,
    SignatureScheme::ECDSA_SECP521R1_SHA512,
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
    /// RSA whose key is `id-RSASSA-PSS` (RFC 4055 §3.1): it signs with
    /// the `rsa_pss_pss_*` schemes its parameters allow, never with
    /// `rsa_pss_rsae_*` (RFC 9846 §4.2.3).
    RsaPss {
        /// The modulus size in bits.
        bits: usize,
        /// What the key's AlgorithmIdentifier allows.
        params: PssKeyParams,
    },
    /// ECDSA on P-521.
    EcdsaP521,
}

// Object identifiers (RFC 5480, RFC 8410, RFC 8017).
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const OID_SECP256R1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const OID_SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

const ECDSA_P256_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP256R1_SHA256];
const ECDSA_P384_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP384R1_SHA384];
const ED25519_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ED25519];
const ECDSA_P521_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP521R1_SHA512];
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
];

impl KeyKind {
    /// The TLS 1.3 schemes a key of this kind can produce, best first.
    pub fn schemes(self) -> &'static [SignatureScheme] {
        match self {
            Self::EcdsaP256 => ECDSA_P256_SCHEMES,
            Self::EcdsaP384 => ECDSA_P384_SCHEMES,
            Self::Ed25519 => ED25519_SCHEMES,
            Self::Rsa(_) => RSA_SCHEMES,
            Self::RsaPss { params, .. } => params.schemes(),
            Self::EcdsaP521 => ECDSA_P521_SCHEMES,
        }
    }
}

pub(crate) fn bad_key(what: &str) -> Error {
    Error::BadConfig(alloc::format!("private key: {what}"))
}

/// A private key as a provider (or an HSM) holds it (the provider seam;
/// see [`crate::crypto::CryptoProvider`]).
pub trait KeySigner: Send + Sync {
    /// What the key is.
    fn kind(&self) -> KeyKind;

    /// The DER SubjectPublicKeyInfo of the public half.
    fn public_key_spki(&self) -> &[u8];

    /// Signs `message` with `scheme`, one of `kind().schemes()` (checked
    /// by the caller). ECDSA signatures are DER `Ecdsa-Sig-Value`s; RSA
    /// is RSASSA-PSS with MGF1 of the same hash and a salt as long as the
    /// hash (RFC 9846 §4.3.3). A signer that needs randomness (the PSS
    /// salt) should draw it from `rng`, so that a scripted source replays
    /// a handshake; one that cannot says so in its documentation.
    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error>;

    /// Signs an X.509 TBSCertificate for `certgen` (ECDSA P-256/SHA-256,
    /// P-384/SHA-384, P-521/SHA-512, Ed25519, RSA PKCS#1 v1.5/SHA-256).
    /// Optional.
    fn sign_x509(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        let _ = tbs;
        Err(Error::SigningFailed(
            "this key cannot sign certificates".into(),
        ))
    }
}

/// Loads private keys: PKCS#8 (any supported key type), SEC1 (EC) or
/// PKCS#1 (RSA) DER. An unsupported or malformed key is `BadConfig`
/// naming the problem.
pub trait KeyLoader: Send + Sync {
    /// Parses `der`.
    fn load(&self, der: &[u8]) -> Result<Box<dyn KeySigner>, Error>;
}

/// A private key that signs CertificateVerify messages. Key material is
/// zeroized on drop by the provider.
pub struct SigningKey {
    signer: Box<dyn KeySigner>,
}

impl SigningKey {
    /// Parses a DER private key with the default provider
    /// ([`crate::crypto::default_provider`]): PKCS#8 (any of our key
    /// types), SEC1 (EC), or PKCS#1 (RSA).
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        super::default_provider().load_private_key(der)
    }

    /// A key held elsewhere: an HSM, a remote signer, a provider of the
    /// embedder's.
    pub fn from_signer(signer: Box<dyn KeySigner>) -> Self {
        Self { signer }
    }

    /// Parses the first private key in PEM text (`PRIVATE KEY`,
    /// `EC PRIVATE KEY`, `RSA PRIVATE KEY`) with the default provider.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::from_der(&private_key_der_from_pem(pem)?)
    }

    /// What the key is.
    pub fn kind(&self) -> KeyKind {
        self.signer.kind()
    }

    /// The schemes this key can produce, best first.
    pub fn schemes(&self) -> &'static [SignatureScheme] {
        self.kind().schemes()
    }

    /// The first of our schemes (in our order) that the peer offered.
    pub fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.schemes().iter().copied().find(|s| offered.contains(s))
    }

    /// Signs `message` with `scheme` (which must be in `schemes()`).
    /// With the built-in providers: RSA-PSS draws its salt (hash-length
    /// bytes) from `rng`; Ed25519 is deterministic; ECDSA uses RFC 6979
    /// deterministic nonces with RustCrypto and hedged nonces from the
    /// operating system with graviola (see [`crate::crypto`]).
    pub fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        if !self.schemes().contains(&scheme) {
            return Err(Error::SigningFailed(alloc::format!(
                "{scheme:?} does not fit this {:?} key",
                self.kind()
            )));
        }
        self.signer.sign(scheme, message, rng)
    }

    /// The DER SubjectPublicKeyInfo of the public half.
    pub fn public_key_spki(&self) -> Vec<u8> {
        self.signer.public_key_spki().to_vec()
    }

    /// Whether the DER SubjectPublicKeyInfo `spki` (e.g. a certificate's)
    /// is this key's public half in the encoding TLS peers take: the peer
    /// checks our CertificateVerify against exactly that key. An EC point
    /// given compressed (RFC 5480 §2.2 allows it) does not match, because
    /// the verifiers here (and the Web PKI's) take uncompressed points
    /// only; [`SigningKey::matches_spki_compressed`] tells that case apart.
    pub fn matches_spki(&self, spki: &[u8]) -> bool {
        spki == self.signer.public_key_spki()
    }

    /// Whether `spki` holds this key's public half with the EC point
    /// compressed: the same key, in a form peers refuse.
    pub fn matches_spki_compressed(&self, spki: &[u8]) -> bool {
        !self.matches_spki(spki)
            && super::rustcrypto::sign::same_ec_key(self.signer.public_key_spki(), spki)
    }

    /// Signs a certificate's TBSCertificate for `certgen` (see
    /// [`KeySigner::sign_x509`]).
    pub(crate) fn sign_x509(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        self.signer.sign_x509(tbs)
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SigningKey({:?})", self.kind())
    }
}

/// The DER of the first private key block in PEM text.
pub(crate) fn private_key_der_from_pem(pem: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let blocks = super::pem::parse(pem)?;
    // Every block wiped on drop, not only the one taken: the keys after
    // it are secrets too.
    let blocks: Vec<(alloc::string::String, Zeroizing<Vec<u8>>)> = blocks
        .into_iter()
        .map(|(label, der)| (label, Zeroizing::new(der)))
        .collect();
    blocks
        .into_iter()
        .find(|(label, _)| {
            matches!(
                label.as_str(),
                "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY"
            )
        })
        .map(|(_, der)| der)
        .ok_or_else(|| bad_key("no PRIVATE KEY block in the PEM text"))
}

/// A public key, parsed and checked here (structure, named curve, point
/// on the curve, RSA size) before a provider sees it.
#[derive(Clone, Copy, Debug)]
pub enum PublicKeyRef<'a> {
    /// RSA: the DER `RSAPublicKey` (RFC 8017 A.1.1) and the modulus size.
    Rsa {
        /// `RSAPublicKey ::= SEQUENCE { modulus, publicExponent }`.
        pkcs1_der: &'a [u8],
        /// The modulus size in bits.
        bits: usize,
    },
    /// ECDSA on P-256: the uncompressed point (65 bytes).
    EcdsaP256(&'a [u8]),
    /// ECDSA on P-384: the uncompressed point (97 bytes).
    EcdsaP384(&'a [u8]),
    /// Ed25519: the 32-byte key.
    Ed25519(&'a [u8; 32]),
    /// ECDSA on P-521: the uncompressed point (133 bytes).
    EcdsaP521(&'a [u8]),
}

/// The hash of a signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
    /// SHA-512
    Sha512,
}

/// A signature algorithm, as both TLS schemes and X.509
/// AlgorithmIdentifiers resolve to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2; certificates only).
    RsaPkcs1(DigestAlgorithm),
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the
    /// hash (RFC 8017 §8.1, RFC 9846 §4.3.3).
    RsaPss(DigestAlgorithm),
    /// ECDSA with a DER `Ecdsa-Sig-Value` (the curve is the key's).
    Ecdsa(DigestAlgorithm),
    /// Ed25519 (RFC 8032), verified strictly: canonical encodings only.
    Ed25519,
}

/// Why a provider did not accept a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyFailure {
    /// The key is not usable (a provider may check more than the parse).
    InvalidKey,
    /// The signature is malformed or does not verify.
    BadSignature,
}

/// Signature verification of a provider (the provider seam; see
/// [`crate::crypto::CryptoProvider`]). `verify` is called only with
/// key/algorithm pairs that fit (RSA with the RSA algorithms, each curve
/// with ECDSA, Ed25519 with Ed25519).
pub trait SignatureVerifier: Send + Sync {
    /// Verifies `signature` over `message`.
    fn verify(
        &self,
        key: &PublicKeyRef<'_>,
        alg: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyFailure>;

    /// Whether `key` is usable: an EC point on its curve, an Ed25519 key
    /// that decodes (RSA's structure was checked before `key` was made).
    /// X.509 validation asks this of the end entity's key, which no
    /// signature of the path exercises. The default asks RustCrypto; a
    /// provider overrides it to use its own point decoding.
    fn check_public_key(&self, key: &PublicKeyRef<'_>) -> bool {
        super::rustcrypto::sign::check_public_key(key).is_ok()
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
/// SubjectPublicKeyInfo `spki`, for one of [`SUPPORTED_SCHEMES`], with the
/// default provider. See [`verify_with`].
pub fn verify(
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), VerifyError> {
    verify_with(
        super::default_provider().signatures,
        spki,
        scheme,
        message,
        signature,
        min_rsa_bits,
    )
}

/// Verifies `signature` over `message` with the key in the DER
/// SubjectPublicKeyInfo `spki`, for one of [`SUPPORTED_SCHEMES`], with a
/// provider's verifier. ECDSA signatures are DER `Ecdsa-Sig-Value`s (RFC
/// 9846 §4.3.3). RSA keys below `min_rsa_bits` are refused before any
/// arithmetic.
///
/// With the INSECURE test-only `fuzzing` feature (see [`crate::crypto`]) a
/// signature that does not verify is accepted; key and scheme errors
/// still are errors.
pub fn verify_with(
    verifier: &dyn SignatureVerifier,
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), VerifyError> {
    let result = verify_signature(verifier, spki, scheme, message, signature, min_rsa_bits);
    #[cfg(feature = "fuzzing")]
    let result = match result {
        Err(VerifyError::BadSignature) => Ok(()),
        other => other,
    };
    result
}

fn verify_signature(
    verifier: &dyn SignatureVerifier,
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), VerifyError> {
    use DigestAlgorithm::{Sha256, Sha384, Sha512};
    use VerifyError::{SchemeMismatch, UnsupportedKey};
    let key = tls_public_key(spki)?;
    let pss = spki_pss_params(spki)?;
    let alg = match (key, scheme) {
        (PublicKeyRef::EcdsaP256(_), SignatureScheme::ECDSA_SECP256R1_SHA256) => {
            SignatureAlgorithm::Ecdsa(Sha256)
        }
        (PublicKeyRef::EcdsaP384(_), SignatureScheme::ECDSA_SECP384R1_SHA384) => {
            SignatureAlgorithm::Ecdsa(Sha384)
        }
        (PublicKeyRef::Ed25519(_), SignatureScheme::ED25519) => SignatureAlgorithm::Ed25519,
        (PublicKeyRef::EcdsaP521(_), SignatureScheme::ECDSA_SECP521R1_SHA512) => {
            SignatureAlgorithm::Ecdsa(Sha512)
        }
        (PublicKeyRef::Rsa { bits, .. }, _) if bits < min_rsa_bits => {
            return Err(VerifyError::RsaKeyTooSmall(bits, min_rsa_bits));
        }
        // RFC 9846 §4.2.3: an id-RSASSA-PSS key verifies rsa_pss_pss_*
        // only, and only the ones its parameters allow (RFC 4055 §3.3).
        (PublicKeyRef::Rsa { .. }, _) if pss.is_some() => {
            pss_scheme_algorithm(scheme, pss).ok_or(SchemeMismatch)?
        }
        // RFC 9846 §4.3.3: MGF1 with the same hash, salt length = hash length.
        (PublicKeyRef::Rsa { .. }, SignatureScheme::RSA_PSS_RSAE_SHA256) => {
            SignatureAlgorithm::RsaPss(Sha256)
        }
        (PublicKeyRef::Rsa { .. }, SignatureScheme::RSA_PSS_RSAE_SHA384) => {
            SignatureAlgorithm::RsaPss(Sha384)
        }
        (PublicKeyRef::Rsa { .. }, SignatureScheme::RSA_PSS_RSAE_SHA512) => {
            SignatureAlgorithm::RsaPss(Sha512)
        }
        _ => return Err(SchemeMismatch),
    };
    verifier
        .verify(&key, alg, message, signature)
        .map_err(|e| match e {
            VerifyFailure::InvalidKey => UnsupportedKey,
            VerifyFailure::BadSignature => VerifyError::BadSignature,
        })
}

/// The key of a SubjectPublicKeyInfo as TLS takes it: RSA
/// (`rsaEncryption`, NULL parameters), ECDSA on P-256/P-384/P-521 (uncompressed
/// points only, as the Web PKI uses them), Ed25519 (RFC 8410 §3: parameters
/// absent). Only the structure is checked here; that a point is on its
/// curve is the provider's check when it verifies.
///
/// An `id-RSASSA-PSS` key (RFC 4055 §3.1) is RSA too, when its parameters
/// are ones we can honour; what they restrict is [`spki_pss_params`]'s
/// answer, which a caller verifying with the key must respect.
pub fn tls_public_key(spki: &[u8]) -> Result<PublicKeyRef<'_>, VerifyError> {
    use VerifyError::UnsupportedKey;
    let info = SubjectPublicKeyInfoRef::try_from(spki).map_err(|_| UnsupportedKey)?;
    let oid = info.algorithm.oid;
    let key = info.subject_public_key.as_bytes().ok_or(UnsupportedKey)?;
    if oid == OID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|_| UnsupportedKey)?;
        let len = if curve == OID_SECP256R1 {
            65
        } else if curve == OID_SECP384R1 {
            97
        } else if curve == OID_SECP521R1 {
            133
        } else {
            return Err(UnsupportedKey);
        };
        if key.len() != len || key.first() != Some(&4) {
            return Err(UnsupportedKey);
        }
        Ok(match len {
            65 => PublicKeyRef::EcdsaP256(key),
            97 => PublicKeyRef::EcdsaP384(key),
            _ => PublicKeyRef::EcdsaP521(key),
        })
    } else if oid == OID_ED25519 {
        if info.algorithm.parameters.is_some() {
            return Err(UnsupportedKey);
        }
        Ok(PublicKeyRef::Ed25519(
            key.try_into().map_err(|_| UnsupportedKey)?,
        ))
    } else if oid == OID_RSA_ENCRYPTION {
        // RFC 3279 §2.3.1: the parameters are NULL.
        if info.algorithm.parameters.is_none_or(|p| !p.is_null()) {
            return Err(UnsupportedKey);
        }
        let bits = rsa_modulus_bits(key).ok_or(UnsupportedKey)?;
        Ok(PublicKeyRef::Rsa {
            pkcs1_der: key,
            bits,
        })
    } else if oid == OID_RSASSA_PSS {
        // RFC 4055 §3.1: absent or RSASSA-PSS-params we can honour.
        pss::algorithm_params(&info.algorithm).map_err(|_| UnsupportedKey)?;
        let bits = rsa_modulus_bits(key).ok_or(UnsupportedKey)?;
        Ok(PublicKeyRef::Rsa {
            pkcs1_der: key,
            bits,
        })
    } else {
        Err(UnsupportedKey)
    }
}

/// The modulus size in bits of an `rsaEncryption` (or `id-RSASSA-PSS`)
/// SubjectPublicKeyInfo, or `None` if `spki` is not one or not a key we
/// accept (see `rsa_modulus_bits`).
pub fn spki_rsa_bits(spki: &[u8]) -> Option<usize> {
    let info = SubjectPublicKeyInfoRef::try_from(spki).ok()?;
    if info.algorithm.oid != OID_RSA_ENCRYPTION && info.algorithm.oid != OID_RSASSA_PSS {
        return None;
    }
    rsa_modulus_bits(info.subject_public_key.as_bytes()?)
}

/// What the `id-RSASSA-PSS` key in the DER SubjectPublicKeyInfo `spki`
/// allows (RFC 4055 §3.3): `None` for every other key (an `rsaEncryption`
/// key is not restricted, RFC 4055 §3.3 case 1), `Some` with the
/// restrictions of its parameters (none when they are absent). A PSS
/// key whose parameters we cannot honour (SHA-1, an MGF1 hash that is
/// not the hash, malformed) is `UnsupportedKey`.
pub fn spki_pss_params(spki: &[u8]) -> Result<Option<PssKeyParams>, VerifyError> {
    let info = SubjectPublicKeyInfoRef::try_from(spki).map_err(|_| VerifyError::UnsupportedKey)?;
    if info.algorithm.oid != OID_RSASSA_PSS {
        return Ok(None);
    }
    pss::algorithm_params(&info.algorithm)
        .map(Some)
        .map_err(|_| VerifyError::UnsupportedKey)
}

/// The algorithm of a TLS `rsa_pss_pss_*` scheme for an `id-RSASSA-PSS`
/// key with restrictions `pss`, if the key allows it: MGF1 with the same
/// hash and a salt as long as the hash (RFC 9846 §4.2.3).
fn pss_scheme_algorithm(
    scheme: SignatureScheme,
    pss: Option<PssKeyParams>,
) -> Option<SignatureAlgorithm> {
    if !pss?.schemes().contains(&scheme) {
        return None;
    }
    let hash = match scheme {
        SignatureScheme::RSA_PSS_PSS_SHA256 => DigestAlgorithm::Sha256,
        SignatureScheme::RSA_PSS_PSS_SHA384 => DigestAlgorithm::Sha384,
        SignatureScheme::RSA_PSS_PSS_SHA512 => DigestAlgorithm::Sha512,
        _ => return None,
    };
    Some(SignatureAlgorithm::RsaPss(hash))
}

/// The largest RSA modulus accepted, in bits (as the `rsa` crate and
/// graviola: larger keys only cost CPU).
pub const MAX_RSA_BITS: usize = 8192;

/// The modulus size in bits of a DER `RSAPublicKey`, if it is a key every
/// provider treats alike: an odd modulus of at most [`MAX_RSA_BITS`]
/// bits and an odd public exponent in 3..=2^33-1 (the `rsa` crate's
/// bounds). Checked here, once, so that no verdict depends on a
/// provider's own key checks.
pub(crate) fn rsa_modulus_bits(pkcs1_der: &[u8]) -> Option<usize> {
    let key = rsa::pkcs1::RsaPublicKeyRef::from_der(pkcs1_der).ok()?;
    let n = key.modulus.as_bytes();
    let e = key.public_exponent.as_bytes();
    // `UintRef` strips leading zero octets: at most 5 octets below 2^33.
    let e_value = if e.len() <= 5 {
        e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    } else {
        return None;
    };
    let odd = |v: &[u8]| v.last().is_some_and(|b| b & 1 == 1);
    if !(3..(1u64 << 33)).contains(&e_value) || !odd(e) || !odd(n) {
        return None;
    }
    // Count from the first set bit.
    let first = n.iter().position(|b| *b != 0)?;
    let lead = n.get(first)?;
    // first < n.len() (position found it) and leading_zeros() < 8 (lead != 0).
    let full_bytes = n.len().checked_sub(first)?.checked_sub(1)?;
    let lead_bits = 8usize.checked_sub(lead.leading_zeros() as usize)?;
    let bits = full_bytes.checked_mul(8)?.checked_add(lead_bits)?;
    (bits <= MAX_RSA_BITS).then_some(bits)
}

/// Extracts the SubjectPublicKeyInfo (DER) from an X.509 certificate
/// (DER), without validating anything else. The chain validator replaces
/// this for path validation; the handshake uses it to check
/// CertificateVerify against the end-entity key.
///
/// The outer structure is read as strict DER (RFC 5280 §4.1:
/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
/// signatureValue }`, nothing after it); the returned slice borrows from
/// `cert_der`.
pub fn certificate_spki(cert_der: &[u8]) -> Result<&[u8], Error> {
    certificate_spki_inner(cert_der).map_err(|e| {
        CertificateError::BadEncoding(alloc::format!("certificate structure: {e}")).into()
    })
}

fn certificate_spki_inner(cert_der: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(cert_der)?;
    let spki = reader.sequence(|cert| {
        let spki = cert.sequence(|tbs| {
            // version [0] EXPLICIT Version DEFAULT v1
            if Tag::peek(tbs)?
                == (Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber(0),
                })
            {
                tbs.tlv_bytes()?;
            }
            expect_tlv(tbs, Tag::Integer)?; // serialNumber
            expect_tlv(tbs, Tag::Sequence)?; // signature
            expect_tlv(tbs, Tag::Sequence)?; // issuer
            expect_tlv(tbs, Tag::Sequence)?; // validity
            expect_tlv(tbs, Tag::Sequence)?; // subject
            let spki = expect_tlv(tbs, Tag::Sequence)?;
            // issuerUniqueID, subjectUniqueID, extensions: skipped, but
            // each must still be a well-formed TLV.
            while !tbs.is_finished() {
                tbs.tlv_bytes()?;
            }
            Ok::<_, der::Error>(spki)
        })?;
        expect_tlv(cert, Tag::Sequence)?; // signatureAlgorithm
        expect_tlv(cert, Tag::BitString)?; // signatureValue
        Ok::<_, der::Error>(spki)
    })?;
    reader.finish()?;
    Ok(spki)
}

fn expect_tlv<'a>(r: &mut SliceReader<'a>, tag: Tag) -> Result<&'a [u8], der::Error> {
    Tag::peek(r)?.assert_eq(tag)?;
    r.tlv_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certgen::{self, Ca, KeyType, SubjectAltName};
    use p256::elliptic_curve::sec1::ToSec1Point;
    use rsa::pkcs1::EncodeRsaPrivateKey;

    /// A deterministic, non-cryptographic byte stream for unit tests.
    struct CounterRandom(core::sync::atomic::AtomicU8);

    impl SecureRandom for CounterRandom {
        fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
            for b in dest {
                *b = self
                    .0
                    .fetch_add(37, core::sync::atomic::Ordering::Relaxed)
                    .wrapping_mul(151);
            }
            Ok(())
        }
    }

    fn rng() -> CounterRandom {
        CounterRandom(core::sync::atomic::AtomicU8::new(1))
    }

    #[test]
    fn sec1_and_pkcs1_keys_load_like_pkcs8() {
        let sk = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let sec1 = sk.to_sec1_der().unwrap();
        let pkcs8 = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&sk).unwrap();
        let a = SigningKey::from_der(&sec1).unwrap();
        let b = SigningKey::from_der(pkcs8.as_bytes()).unwrap();
        assert_eq!(a.kind(), KeyKind::EcdsaP256);
        assert_eq!(a.public_key_spki(), b.public_key_spki());
        let point = sk.public_key().to_sec1_point(false);
        assert!(a.public_key_spki().ends_with(point.as_bytes()));

        let sk = p384::SecretKey::from_slice(&[9u8; 48]).unwrap();
        let key = SigningKey::from_der(&sk.to_sec1_der().unwrap()).unwrap();
        assert_eq!(key.kind(), KeyKind::EcdsaP384);
        assert_eq!(key.schemes(), [SignatureScheme::ECDSA_SECP384R1_SHA384]);

        let pkcs8 = certgen::generate_key(KeyType::Rsa2048, &crate::crypto::OsRandom).unwrap();
        let rsa_key = rsa::PrivateKey::from_pkcs8_der_for_test(&pkcs8);
        let pkcs1 = rsa_key.to_pkcs1_der().unwrap();
        let a = SigningKey::from_der(pkcs1.as_bytes()).unwrap();
        let b = SigningKey::from_der(&pkcs8).unwrap();
        assert_eq!(a.kind(), KeyKind::Rsa(2048));
        assert_eq!(a.public_key_spki(), b.public_key_spki());
        let pem = crate::certgen::to_pem("RSA PRIVATE KEY", pkcs1.as_bytes());
        assert_eq!(
            SigningKey::from_pem(&pem).unwrap().public_key_spki(),
            b.public_key_spki()
        );

        assert!(SigningKey::from_der(b"\x30\x03\x02\x01\x00").is_err());
    }

    #[test]
    fn a_compressed_point_is_the_same_key_but_does_not_match() {
        let sk = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let key = SigningKey::from_der(&sk.to_sec1_der().unwrap()).unwrap();
        assert!(key.matches_spki(&key.public_key_spki()));
        // RFC 5480 §2: id-ecPublicKey, secp256r1, the point compressed.
        let mut compressed = hex_spki_prefix_p256_compressed();
        compressed.extend_from_slice(sk.public_key().to_sec1_point(true).as_bytes());
        assert!(!key.matches_spki(&compressed));
        assert!(key.matches_spki_compressed(&compressed));
        assert!(!key.matches_spki_compressed(&key.public_key_spki()));
        let other = SigningKey::from_der(
            &p256::SecretKey::from_slice(&[8u8; 32])
                .unwrap()
                .to_sec1_der()
                .unwrap(),
        )
        .unwrap();
        assert!(!other.matches_spki(&compressed));
        assert!(!other.matches_spki_compressed(&compressed));
        assert!(!other.matches_spki(&key.public_key_spki()));
        assert!(!key.matches_spki(b"\x30\x00"));
    }

    /// SEQUENCE { SEQUENCE { id-ecPublicKey, secp256r1 }, BIT STRING (34 bytes: 0 unused bits + 33) }.
    fn hex_spki_prefix_p256_compressed() -> Vec<u8> {
        let mut v = alloc::vec![0x30, 0x39, 0x30, 0x13, 0x06, 0x07];
        v.extend_from_slice(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
        v.extend_from_slice(&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
        v.extend_from_slice(&[0x03, 0x22, 0x00]);
        v
    }

    trait ForTest {
        fn from_pkcs8_der_for_test(der: &[u8]) -> Self;
    }

    impl ForTest for rsa::PrivateKey {
        fn from_pkcs8_der_for_test(der: &[u8]) -> Self {
            Self::try_from(p256::pkcs8::PrivateKeyInfoRef::try_from(der).unwrap()).unwrap()
        }
    }

    #[test]
    fn choose_scheme_and_wrong_scheme() {
        let key = SigningKey::from_der(&certgen::generate_key(KeyType::Ed25519, &rng()).unwrap())
            .unwrap();
        assert_eq!(
            key.choose_scheme(&[
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::ED25519
            ]),
            Some(SignatureScheme::ED25519)
        );
        assert_eq!(
            key.choose_scheme(&[SignatureScheme::RSA_PSS_RSAE_SHA256]),
            None
        );
        assert!(matches!(
            key.sign(SignatureScheme::RSA_PSS_RSAE_SHA256, b"m", &rng()),
            Err(Error::SigningFailed(_))
        ));
    }

    #[test]
    fn certificate_spki_is_strict_about_the_outer_structure() {
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng()).unwrap();
        let ca = Ca::new("t", &key, 0, 1_000_000, &rng()).unwrap();
        let leaf = ca
            .issue(&[SubjectAltName::Dns("a.test".into())], &key, 0, 10, &rng())
            .unwrap();
        let spki = SigningKey::from_der(&key).unwrap().public_key_spki();
        assert_eq!(certificate_spki(&leaf).unwrap(), spki);
        assert_eq!(certificate_spki(ca.cert_der()).unwrap(), spki);

        let mut trailing = leaf.clone();
        trailing.push(0);
        assert!(certificate_spki(&trailing).is_err());
        for cut in [0, 1, 4, leaf.len() / 2, leaf.len() - 1] {
            assert!(certificate_spki(&leaf[..cut]).is_err(), "cut at {cut}");
        }
        let mut wrong_tag = leaf.clone();
        wrong_tag[0] = 0x31;
        assert!(certificate_spki(&wrong_tag).is_err());
        // Non-minimal length encoding (BER, not DER) of the outer SEQUENCE.
        let body = &leaf[4..];
        let mut ber = alloc::vec![0x30, 0x83, 0x00];
        ber.extend_from_slice(&(body.len() as u16).to_be_bytes());
        ber.extend_from_slice(body);
        assert!(certificate_spki(&ber).is_err());
        assert!(matches!(
            certificate_spki(b"\x30\x00"),
            Err(Error::InvalidCertificate(CertificateError::BadEncoding(_)))
        ));
    }
}
