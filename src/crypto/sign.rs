//! Signatures for CertificateVerify (RFC 9846 §4.5.2): loading private
//! keys, choosing a scheme, signing, and verifying with a
//! SubjectPublicKeyInfo.

use alloc::boxed::Box;
use alloc::vec::Vec;

use der::{Decode, Reader, SliceReader, Tag, TagNumber};
use ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use p256::pkcs8::{EncodePublicKey, ObjectIdentifier, PrivateKeyInfoRef};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use sha2::Digest;
use zeroize::Zeroizing;

use super::SecureRandom;
use crate::error::{CertificateError, Error};
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
    inner: KeyInner,
    /// The DER SubjectPublicKeyInfo, computed once at load time.
    spki: Vec<u8>,
}

enum KeyInner {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa {
        key: Box<rsa::PrivateKey>,
        /// Secret key for the blinding generator (see [`PssRng`]).
        blinding_key: Zeroizing<[u8; 32]>,
    },
}

// Object identifiers (RFC 5480, RFC 8410, RFC 8017).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

const ECDSA_P256_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP256R1_SHA256];
const ECDSA_P384_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP384R1_SHA384];
const ED25519_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ED25519];
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
];

fn bad_key(what: &str) -> Error {
    Error::BadConfig(alloc::format!("private key: {what}"))
}

impl SigningKey {
    /// Parses a DER private key: PKCS#8 (any of our key types), SEC1
    /// (EC), or PKCS#1 (RSA).
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let inner = if let Ok(info) = PrivateKeyInfoRef::try_from(der) {
            let oid = info.algorithm.oid;
            if oid == OID_EC_PUBLIC_KEY {
                match info.algorithm.parameters_oid() {
                    Ok(c) if c == OID_SECP256R1 => KeyInner::P256(
                        p256::SecretKey::try_from(info)
                            .map_err(|_| bad_key("invalid P-256 PKCS#8 key"))?
                            .into(),
                    ),
                    Ok(c) if c == OID_SECP384R1 => KeyInner::P384(
                        p384::SecretKey::try_from(info)
                            .map_err(|_| bad_key("invalid P-384 PKCS#8 key"))?
                            .into(),
                    ),
                    _ => return Err(bad_key("unsupported elliptic curve")),
                }
            } else if oid == OID_ED25519 {
                KeyInner::Ed25519(
                    ed25519_dalek::SigningKey::try_from(info)
                        .map_err(|_| bad_key("invalid Ed25519 PKCS#8 key"))?,
                )
            } else if oid == OID_RSA_ENCRYPTION {
                let key = rsa::PrivateKey::try_from(info)
                    .map_err(|_| bad_key("invalid RSA PKCS#8 key"))?;
                rsa_inner(key, der)
            } else {
                return Err(bad_key("unsupported PKCS#8 algorithm"));
            }
        } else if let Ok(sk) = p256::SecretKey::from_sec1_der(der) {
            KeyInner::P256(sk.into())
        } else if let Ok(sk) = p384::SecretKey::from_sec1_der(der) {
            KeyInner::P384(sk.into())
        } else if let Ok(key) = rsa::PrivateKey::from_pkcs1_der(der) {
            rsa_inner(key, der)
        } else {
            return Err(bad_key("not a PKCS#8, SEC1 or PKCS#1 key we support"));
        };
        let spki = match &inner {
            KeyInner::P256(k) => k.verifying_key().to_public_key_der(),
            KeyInner::P384(k) => k.verifying_key().to_public_key_der(),
            KeyInner::Ed25519(k) => k.verifying_key().to_public_key_der(),
            KeyInner::Rsa { key, .. } => key.as_public_key().to_public_key_der(),
        }
        .map_err(|_| bad_key("cannot encode the public key"))?
        .into_vec();
        Ok(Self { inner, spki })
    }

    /// Parses the first private key in PEM text (`PRIVATE KEY`,
    /// `EC PRIVATE KEY`, `RSA PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let blocks = super::pem::parse(pem)?;
        let der = blocks
            .into_iter()
            .find(|(label, _)| {
                matches!(
                    label.as_str(),
                    "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY"
                )
            })
            .map(|(_, der)| Zeroizing::new(der))
            .ok_or_else(|| bad_key("no PRIVATE KEY block in the PEM text"))?;
        Self::from_der(&der)
    }

    /// What the key is.
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            KeyInner::P256(_) => KeyKind::EcdsaP256,
            KeyInner::P384(_) => KeyKind::EcdsaP384,
            KeyInner::Ed25519(_) => KeyKind::Ed25519,
            KeyInner::Rsa { key, .. } => KeyKind::Rsa(key.n().bit_width() as usize),
        }
    }

    /// The schemes this key can produce, best first.
    pub fn schemes(&self) -> &'static [SignatureScheme] {
        match &self.inner {
            KeyInner::P256(_) => ECDSA_P256_SCHEMES,
            KeyInner::P384(_) => ECDSA_P384_SCHEMES,
            KeyInner::Ed25519(_) => ED25519_SCHEMES,
            KeyInner::Rsa { .. } => RSA_SCHEMES,
        }
    }

    /// The first of our schemes (in our order) that the peer offered.
    pub fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.schemes().iter().copied().find(|s| offered.contains(s))
    }

    /// Signs `message` with `scheme` (which must be in `schemes()`).
    /// RSA-PSS draws its salt (hash-length bytes) from `rng` and nothing
    /// else; ECDSA uses RFC 6979 deterministic nonces; Ed25519 is
    /// deterministic. So `rng` is touched only for RSA, exactly once.
    ///
    /// RSA blinding needs more randomness than the salt; it comes from a
    /// generator keyed with a secret derived from the private key and fed
    /// the drawn salt and the message hash (in the spirit of RFC 6979),
    /// so it is unpredictable to an attacker, yet a replay that scripts
    /// the salt needs to script nothing else.
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
        let failed = |what: &str| Error::SigningFailed(what.into());
        match &self.inner {
            KeyInner::P256(k) => {
                let sig: p256::ecdsa::DerSignature =
                    k.try_sign(message).map_err(|_| failed("ECDSA P-256"))?;
                Ok(sig.as_bytes().to_vec())
            }
            KeyInner::P384(k) => {
                let sig: p384::ecdsa::DerSignature =
                    k.try_sign(message).map_err(|_| failed("ECDSA P-384"))?;
                Ok(sig.as_bytes().to_vec())
            }
            KeyInner::Ed25519(k) => Ok(k.sign(message).to_bytes().to_vec()),
            KeyInner::Rsa { key, blinding_key } => match scheme {
                SignatureScheme::RSA_PSS_RSAE_SHA256 => {
                    pss_sign::<sha2::Sha256>(key, blinding_key, message, rng)
                }
                SignatureScheme::RSA_PSS_RSAE_SHA384 => {
                    pss_sign::<sha2::Sha384>(key, blinding_key, message, rng)
                }
                SignatureScheme::RSA_PSS_RSAE_SHA512 => {
                    pss_sign::<sha2::Sha512>(key, blinding_key, message, rng)
                }
                // Unreachable: `schemes()` was checked above.
                _ => Err(Error::Internal("RSA scheme outside RSA_SCHEMES")),
            },
        }
    }

    /// The DER SubjectPublicKeyInfo of the public half.
    pub fn public_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// Whether the DER SubjectPublicKeyInfo `spki` (e.g. a certificate's)
    /// holds this key's public half: the peer checks our CertificateVerify
    /// against exactly that key. Besides the same encoding, an EC point
    /// given compressed (RFC 5480 §2.2 allows it) is the same key.
    pub fn matches_spki(&self, spki: &[u8]) -> bool {
        if spki == self.spki.as_slice() {
            return true;
        }
        let Ok(info) = SubjectPublicKeyInfoRef::try_from(spki) else {
            return false;
        };
        let curve = info.algorithm.parameters_oid().ok();
        let Some(point) = info.subject_public_key.as_bytes() else {
            return false;
        };
        if info.algorithm.oid != OID_EC_PUBLIC_KEY {
            return false;
        }
        match &self.inner {
            KeyInner::P256(k) if curve == Some(OID_SECP256R1) => {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .is_ok_and(|v| v == *k.verifying_key())
            }
            KeyInner::P384(k) if curve == Some(OID_SECP384R1) => {
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .is_ok_and(|v| v == *k.verifying_key())
            }
            _ => false,
        }
    }

    /// Signs a certificate's TBSCertificate for `certgen`: ECDSA P-256
    /// with SHA-256, P-384 with SHA-384 (DER signatures), Ed25519, RSA
    /// with PKCS#1 v1.5 and SHA-256 (sha256WithRSAEncryption, RFC 8017
    /// §8.2) — the algorithms X.509 tooling accepts everywhere. Draws no
    /// randomness.
    pub(crate) fn sign_x509(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.inner {
            KeyInner::P256(_) => self.sign(SignatureScheme::ECDSA_SECP256R1_SHA256, tbs, &NoRandom),
            KeyInner::P384(_) => self.sign(SignatureScheme::ECDSA_SECP384R1_SHA384, tbs, &NoRandom),
            KeyInner::Ed25519(_) => self.sign(SignatureScheme::ED25519, tbs, &NoRandom),
            KeyInner::Rsa { key, blinding_key } => pkcs1v15_sha256_sign(key, blinding_key, tbs),
        }
    }
}

/// For deterministic signatures: a random source that must never be used.
struct NoRandom;

impl SecureRandom for NoRandom {
    fn fill(&self, _: &mut [u8]) -> Result<(), Error> {
        Err(Error::Internal("deterministic signature drew randomness"))
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.1, EMSA §9.2). Used only
/// for certificates we generate, never in the handshake (RFC 9846 §4.3.3
/// forbids PKCS#1 v1.5 in CertificateVerify).
fn pkcs1v15_sha256_sign(
    key: &rsa::PrivateKey,
    blinding_key: &[u8; 32],
    message: &[u8],
) -> Result<Vec<u8>, Error> {
    // RFC 8017 §9.2 note 1: DigestInfo prefix for SHA-256.
    const PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let hash = sha2::Sha256::digest(message);
    let k = key.size();
    let t_len = PREFIX.len().saturating_add(hash.len());
    let ps_len = k
        .checked_sub(t_len.saturating_add(3))
        .filter(|l| *l >= 8)
        .ok_or_else(|| Error::SigningFailed("RSA key too short for PKCS#1 v1.5".into()))?;
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(ps_len.saturating_add(2), 0xff);
    em.push(0x00);
    em.extend_from_slice(&PREFIX);
    em.extend_from_slice(&hash);
    let m = rsa::BoxedUint::from_be_slice(&em, key.n_bits_precision())
        .map_err(|_| Error::SigningFailed("PKCS#1 v1.5 encoding".into()))?;
    let mut blind = PssRng::new(&[], &hash, blinding_key);
    let s = rsa::hazmat::rsa_decrypt_and_check(key, Some(&mut blind), &m)
        .map_err(|e| Error::SigningFailed(alloc::format!("RSA: {e}")))?;
    // I2OSP to exactly k octets: the value is below n, so the extra
    // leading octets of the fixed-precision encoding are zero.
    let bytes = s.to_be_bytes();
    let skip = bytes.len().saturating_sub(k);
    let mut out = Vec::with_capacity(k);
    out.resize(k.saturating_sub(bytes.len()), 0);
    out.extend(bytes.iter().skip(skip));
    Ok(out)
}

fn rsa_inner(key: rsa::PrivateKey, der: &[u8]) -> KeyInner {
    let mut h = sha2::Sha256::new();
    h.update(b"tls13 rsa blinding key\0");
    h.update(der);
    let mut blinding_key = Zeroizing::new([0u8; 32]);
    blinding_key.copy_from_slice(&h.finalize());
    KeyInner::Rsa {
        key: Box::new(key),
        blinding_key,
    }
}

fn pss_sign<D>(
    key: &rsa::PrivateKey,
    blinding_key: &[u8; 32],
    message: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, Error>
where
    D: Digest + sha2::digest::FixedOutputReset,
{
    let hash = D::digest(message);
    // RFC 9846 §4.3.3: salt length equals the digest length.
    let mut salt = Zeroizing::new(alloc::vec![0u8; hash.len()]);
    rng.fill(&mut salt)?;
    let mut pss_rng = PssRng::new(&salt, &hash, blinding_key);
    key.sign_with_rng(&mut pss_rng, rsa::Pss::<D>::new(), &hash)
        .map_err(|e| Error::SigningFailed(alloc::format!("RSA-PSS: {e}")))
}

/// The RNG handed to the `rsa` crate when signing: it yields the salt we
/// drew from the injected source first (the crate draws the salt before
/// anything else), then blinding bytes from HMAC-SHA256 keyed with a
/// secret derived from the private key, over the salt, the message hash
/// and a block counter.
struct PssRng<'a> {
    salt: &'a [u8],
    salt_used: usize,
    hash: &'a [u8],
    key: &'a [u8; 32],
    counter: u32,
    block: Zeroizing<[u8; 32]>,
    block_used: usize,
}

impl<'a> PssRng<'a> {
    fn new(salt: &'a [u8], hash: &'a [u8], key: &'a [u8; 32]) -> Self {
        Self {
            salt,
            salt_used: 0,
            hash,
            key,
            counter: 0,
            block: Zeroizing::new([0; 32]),
            block_used: 32,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if let Some(b) = self.salt.get(self.salt_used) {
            self.salt_used = self.salt_used.saturating_add(1);
            return *b;
        }
        if self.block_used >= self.block.len() {
            let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(self.key)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            hmac::Mac::update(&mut mac, self.salt);
            hmac::Mac::update(&mut mac, self.hash);
            hmac::Mac::update(&mut mac, &self.counter.to_be_bytes());
            self.block
                .copy_from_slice(&hmac::Mac::finalize(mac).into_bytes());
            self.counter = self.counter.wrapping_add(1);
            self.block_used = 0;
        }
        let b = self.block.get(self.block_used).copied().unwrap_or(0);
        self.block_used = self.block_used.saturating_add(1);
        b
    }
}

impl rsa::rand_core::TryRng for PssRng<'_> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.next_byte();
        }
        Ok(())
    }
}

impl rsa::rand_core::TryCryptoRng for PssRng<'_> {}

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
/// signatures are DER `Ecdsa-Sig-Value`s (RFC 9846 §4.3.3). RSA keys
/// below `min_rsa_bits` are refused before any arithmetic.
///
/// With the INSECURE test-only `fuzzing` feature (see [`crate::crypto`]) a
/// signature that does not verify is accepted; key and scheme errors
/// still are errors.
pub fn verify(
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), VerifyError> {
    let result = verify_signature(spki, scheme, message, signature, min_rsa_bits);
    #[cfg(feature = "fuzzing")]
    let result = match result {
        Err(VerifyError::BadSignature) => Ok(()),
        other => other,
    };
    result
}

fn verify_signature(
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), VerifyError> {
    use VerifyError::{BadSignature, SchemeMismatch, UnsupportedKey};
    let info = SubjectPublicKeyInfoRef::try_from(spki).map_err(|_| UnsupportedKey)?;
    let oid = info.algorithm.oid;
    if oid == OID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|_| UnsupportedKey)?;
        let point = info.subject_public_key.as_bytes().ok_or(UnsupportedKey)?;
        match (curve, scheme) {
            (c, SignatureScheme::ECDSA_SECP256R1_SHA256) if c == OID_SECP256R1 => {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| UnsupportedKey)?;
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
                vk.verify(message, &sig).map_err(|_| BadSignature)
            }
            (c, SignatureScheme::ECDSA_SECP384R1_SHA384) if c == OID_SECP384R1 => {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| UnsupportedKey)?;
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
                vk.verify(message, &sig).map_err(|_| BadSignature)
            }
            (c, _) if c == OID_SECP256R1 || c == OID_SECP384R1 => Err(SchemeMismatch),
            _ => Err(UnsupportedKey),
        }
    } else if oid == OID_ED25519 {
        if scheme != SignatureScheme::ED25519 {
            return Err(SchemeMismatch);
        }
        // RFC 8410 §3: the parameters must be absent.
        if info.algorithm.parameters.is_some() {
            return Err(UnsupportedKey);
        }
        let raw: &[u8; 32] = info
            .subject_public_key
            .as_bytes()
            .and_then(|b| b.try_into().ok())
            .ok_or(UnsupportedKey)?;
        let vk = ed25519_dalek::VerifyingKey::from_bytes(raw).map_err(|_| UnsupportedKey)?;
        let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| BadSignature)?;
        // `verify_strict` also refuses small-order keys and non-canonical
        // R, which the TLS use never needs.
        vk.verify_strict(message, &sig).map_err(|_| BadSignature)
    } else if oid == OID_RSA_ENCRYPTION {
        let bits = spki_rsa_bits(spki).ok_or(UnsupportedKey)?;
        if bits < min_rsa_bits {
            return Err(VerifyError::RsaKeyTooSmall(bits, min_rsa_bits));
        }
        let key = rsa::PublicKey::try_from(info).map_err(|_| UnsupportedKey)?;
        // RFC 9846 §4.3.3: MGF1 with the same hash, salt length = hash length.
        match scheme {
            SignatureScheme::RSA_PSS_RSAE_SHA256 => {
                let h = sha2::Sha256::digest(message);
                key.verify(rsa::Pss::<sha2::Sha256>::new(), &h, signature)
                    .map_err(|_| BadSignature)
            }
            SignatureScheme::RSA_PSS_RSAE_SHA384 => {
                let h = sha2::Sha384::digest(message);
                key.verify(rsa::Pss::<sha2::Sha384>::new(), &h, signature)
                    .map_err(|_| BadSignature)
            }
            SignatureScheme::RSA_PSS_RSAE_SHA512 => {
                let h = sha2::Sha512::digest(message);
                key.verify(rsa::Pss::<sha2::Sha512>::new(), &h, signature)
                    .map_err(|_| BadSignature)
            }
            _ => Err(SchemeMismatch),
        }
    } else {
        Err(UnsupportedKey)
    }
}

/// The modulus size in bits of an `rsaEncryption` SubjectPublicKeyInfo,
/// or `None` if `spki` is not one.
pub fn spki_rsa_bits(spki: &[u8]) -> Option<usize> {
    let info = SubjectPublicKeyInfoRef::try_from(spki).ok()?;
    if info.algorithm.oid != OID_RSA_ENCRYPTION {
        return None;
    }
    let key = rsa::pkcs1::RsaPublicKeyRef::from_der(info.subject_public_key.as_bytes()?).ok()?;
    let n = key.modulus.as_bytes();
    // `UintRef` strips the leading zero octet; count from the first set bit.
    let first = n.iter().position(|b| *b != 0)?;
    let lead = n.get(first)?;
    // first < n.len() (position found it) and leading_zeros() < 8 (lead != 0).
    let full_bytes = n.len().checked_sub(first)?.checked_sub(1)?;
    let lead_bits = 8usize.checked_sub(lead.leading_zeros() as usize)?;
    full_bytes.checked_mul(8)?.checked_add(lead_bits)
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
    fn a_key_matches_its_spki_with_the_point_compressed_too() {
        let sk = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let key = SigningKey::from_der(&sk.to_sec1_der().unwrap()).unwrap();
        assert!(key.matches_spki(&key.public_key_spki()));
        // RFC 5480 §2: id-ecPublicKey, secp256r1, the point compressed.
        let mut compressed = hex_spki_prefix_p256_compressed();
        compressed.extend_from_slice(sk.public_key().to_sec1_point(true).as_bytes());
        assert!(key.matches_spki(&compressed));
        let other = SigningKey::from_der(
            &p256::SecretKey::from_slice(&[8u8; 32])
                .unwrap()
                .to_sec1_der()
                .unwrap(),
        )
        .unwrap();
        assert!(!other.matches_spki(&compressed));
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
            Self::try_from(PrivateKeyInfoRef::try_from(der).unwrap()).unwrap()
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
