//! Private keys (PKCS#8, SEC1, PKCS#1), signing and verification with
//! `graviola::signing`.
//!
//! Signing draws no randomness from the injected source: graviola's ECDSA
//! uses RFC 6979 nonces hedged with 16 bytes from the operating system,
//! and its RSA-PSS draws the salt from the operating system, so those
//! signatures differ from run to run even under a scripted source.
//! Ed25519 is deterministic.

use alloc::boxed::Box;
use alloc::vec::Vec;

use ::rsa::pkcs1::DecodeRsaPrivateKey;
use graviola::hashing::{Sha256, Sha384, Sha512};
use graviola::signing::ecdsa::{P256, P384};
use graviola::signing::{ecdsa, eddsa, rsa};
use p256::pkcs8::PrivateKeyInfoRef;

use crate::crypto::SecureRandom;
use crate::crypto::rustcrypto::sign::{RcSigningKey, RcVerifier};
use crate::crypto::sign::{
    DigestAlgorithm, KeyKind, KeyLoader, KeySigner, OID_EC_PUBLIC_KEY, OID_ED25519,
    OID_RSA_ENCRYPTION, OID_SECP256R1, OID_SECP384R1, PublicKeyRef, SignatureAlgorithm,
    SignatureVerifier, VerifyFailure, bad_key, spki_rsa_bits,
};
use crate::crypto::sign::{OID_RSASSA_PSS, pss_pkcs8_key, pss_spki};
use crate::error::Error;
use crate::msgs::enums::SignatureScheme;

/// Loads keys with graviola, falling back to RustCrypto for the forms
/// graviola does not take.
pub(crate) struct GvKeyLoader;

impl KeyLoader for GvKeyLoader {
    /// Graviola first. Where it refuses a key the RustCrypto loader takes
    /// — RSA keys outside 2048..=8192 bits (the RFC 8448 traces' key is
    /// 1024-bit) or with more than two primes, SEC1 or PKCS#8 encodings
    /// graviola's stricter parser refuses — the key is loaded (and then
    /// signs) with RustCrypto rather than refused, so that both providers
    /// accept the same keys. A key neither takes is RustCrypto's error.
    fn load(&self, der: &[u8]) -> Result<Box<dyn KeySigner>, Error> {
        if let Some(key) = GvSigningKey::from_der(der)? {
            return Ok(Box::new(key));
        }
        Ok(Box::new(RcSigningKey::from_der(der)?))
    }
}

/// A private key of graviola, which wipes it on drop.
pub(crate) struct GvSigningKey {
    inner: KeyInner,
    kind: KeyKind,
    /// The DER SubjectPublicKeyInfo, computed once at load time.
    spki: Vec<u8>,
}

enum KeyInner {
    P256(ecdsa::SigningKey<P256>),
    P384(ecdsa::SigningKey<P384>),
    Ed25519(eddsa::Ed25519SigningKey),
    Rsa(Box<rsa::SigningKey>),
}

/// Room for any SubjectPublicKeyInfo graviola writes (an 8192-bit RSA
/// key's is 1 062 bytes).
const SPKI_BUF_LEN: usize = 1200;

impl GvSigningKey {
    /// The key if graviola can load it, `None` if not.
    pub(super) fn from_der(der: &[u8]) -> Result<Option<Self>, Error> {
        let mut pss = None;
        let inner = if let Ok(info) = PrivateKeyInfoRef::try_from(der) {
            let oid = info.algorithm.oid;
            if oid == OID_EC_PUBLIC_KEY {
                match info.algorithm.parameters_oid() {
                    Ok(c) if c == OID_SECP256R1 => ecdsa::SigningKey::<P256>::from_pkcs8_der(der)
                        .ok()
                        .map(KeyInner::P256),
                    Ok(c) if c == OID_SECP384R1 => ecdsa::SigningKey::<P384>::from_pkcs8_der(der)
                        .ok()
                        .map(KeyInner::P384),
                    _ => None,
                }
            } else if oid == OID_ED25519 {
                eddsa::Ed25519SigningKey::from_pkcs8_der(der)
                    .ok()
                    .map(KeyInner::Ed25519)
            } else if oid == OID_RSA_ENCRYPTION {
                ::rsa::PrivateKey::try_from(info)
                    .ok()
                    .and_then(|k| rsa_key(der, &k, rsa::SigningKey::from_pkcs8_der))
                    .map(|k| KeyInner::Rsa(Box::new(k)))
            } else if oid == OID_RSASSA_PSS {
                // graviola reads rsaEncryption keys only: hand it the
                // RSAPrivateKey inside, and keep the PSS parameters here.
                let split = pss_pkcs8_key(&info)?;
                let inner = ::rsa::PrivateKey::from_pkcs1_der(split.pkcs1)
                    .ok()
                    .and_then(|k| rsa_key(split.pkcs1, &k, rsa::SigningKey::from_pkcs1_der))
                    .map(|k| KeyInner::Rsa(Box::new(k)));
                pss = Some(split);
                inner
            } else {
                None
            }
        } else if let Ok(k) = ecdsa::SigningKey::<P256>::from_sec1_der(der) {
            Some(KeyInner::P256(k))
        } else if let Ok(k) = ecdsa::SigningKey::<P384>::from_sec1_der(der) {
            Some(KeyInner::P384(k))
        } else {
            ::rsa::PrivateKey::from_pkcs1_der(der)
                .ok()
                .and_then(|k| rsa_key(der, &k, rsa::SigningKey::from_pkcs1_der))
                .map(|k| KeyInner::Rsa(Box::new(k)))
        };
        let Some(inner) = inner else {
            return Ok(None);
        };
        let mut buf = alloc::vec![0u8; SPKI_BUF_LEN];
        let spki = match &inner {
            KeyInner::P256(k) => k.to_spki_der(&mut buf),
            KeyInner::P384(k) => k.to_spki_der(&mut buf),
            KeyInner::Ed25519(k) => k.public_key().to_spki_der(&mut buf),
            KeyInner::Rsa(k) => k.public_key().to_spki_der(&mut buf),
        }
        .map_err(|_| bad_key("cannot encode the public key"))?
        .to_vec();
        let mut kind = match &inner {
            KeyInner::P256(_) => KeyKind::EcdsaP256,
            KeyInner::P384(_) => KeyKind::EcdsaP384,
            KeyInner::Ed25519(_) => KeyKind::Ed25519,
            KeyInner::Rsa(_) => KeyKind::Rsa(
                spki_rsa_bits(&spki).ok_or_else(|| bad_key("cannot encode the public key"))?,
            ),
        };
        let mut spki = spki;
        if let (Some(split), KeyKind::Rsa(bits)) = (pss, kind) {
            spki = pss_spki(split.algorithm, &spki)?;
            kind = KeyKind::RsaPss {
                bits,
                params: split.params,
            };
        }
        Ok(Some(Self { inner, kind, spki }))
    }
}

/// The graviola key for the RSA key `der` (parsed by RustCrypto as
/// `parsed`), loaded with `load`. graviola 0.4.4's CRT private operation
/// assumes the first prime is the larger (it subtracts c^dQ mod q modulo
/// p unreduced) and its fault check then refuses the signature: about
/// one PSS signature in 250 failed with keys whose first prime is the
/// smaller one, which the `rsa` crate's generator makes half the time. Such
/// a key is handed to graviola re-encoded (PKCS#1) with its primes
/// swapped: the same key. `None` when graviola does not take the key.
fn rsa_key(
    der: &[u8],
    parsed: &::rsa::PrivateKey,
    load: fn(&[u8]) -> Result<rsa::SigningKey, graviola::Error>,
) -> Option<rsa::SigningKey> {
    use ::rsa::pkcs1::EncodeRsaPrivateKey;
    use ::rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let [p, q] = parsed.primes() else {
        return None;
    };
    if p.as_ref() > q.as_ref() {
        return load(der).ok();
    }
    let swapped = ::rsa::PrivateKey::from_components(
        parsed.n().as_ref().clone(),
        parsed.e().clone(),
        parsed.d().clone(),
        alloc::vec![q.as_ref().clone(), p.as_ref().clone()],
    )
    .ok()?;
    let pkcs1 = swapped.to_pkcs1_der().ok()?;
    rsa::SigningKey::from_pkcs1_der(pkcs1.as_bytes()).ok()
}

/// Longest DER ECDSA signature: P-384, two 49-byte INTEGERs.
const MAX_ECDSA_DER_LEN: usize = 2 + 2 * (2 + 49);

impl KeySigner for GvSigningKey {
    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    /// Draws nothing from `rng`: ECDSA nonces are RFC 6979 hedged with
    /// randomness graviola takes from the operating system, the RSA-PSS
    /// salt (hash length) comes from the operating system too, Ed25519 is
    /// deterministic. ECDSA and RSA-PSS signatures therefore do not
    /// replay under a scripted source; use the RustCrypto provider where
    /// they must.
    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        _rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        let failed = |what: &str| Error::SigningFailed(what.into());
        // Also when called directly rather than through `SigningKey`: an
        // RSASSA-PSS key never signs with a scheme its OID or parameters
        // forbid (RFC 9846 §4.2.3, RFC 4055 §3.3).
        if !self.kind.schemes().contains(&scheme) {
            return Err(Error::SigningFailed(alloc::format!(
                "{scheme:?} does not fit this {:?} key",
                self.kind
            )));
        }
        match &self.inner {
            KeyInner::P256(k) => {
                let mut buf = [0u8; MAX_ECDSA_DER_LEN];
                k.sign_asn1::<Sha256>(&[message], &mut buf)
                    .map(<[u8]>::to_vec)
                    .map_err(|_| failed("ECDSA P-256"))
            }
            KeyInner::P384(k) => {
                let mut buf = [0u8; MAX_ECDSA_DER_LEN];
                k.sign_asn1::<Sha384>(&[message], &mut buf)
                    .map(<[u8]>::to_vec)
                    .map_err(|_| failed("ECDSA P-384"))
            }
            KeyInner::Ed25519(k) => Ok(k.sign(message).to_vec()),
            KeyInner::Rsa(k) => {
                let mut buf = alloc::vec![0u8; k.modulus_len_bytes()];
                let len = match scheme {
                    SignatureScheme::RSA_PSS_RSAE_SHA256 | SignatureScheme::RSA_PSS_PSS_SHA256 => {
                        k.sign_pss_sha256(&mut buf, message)
                    }
                    SignatureScheme::RSA_PSS_RSAE_SHA384 | SignatureScheme::RSA_PSS_PSS_SHA384 => {
                        k.sign_pss_sha384(&mut buf, message)
                    }
                    SignatureScheme::RSA_PSS_RSAE_SHA512 | SignatureScheme::RSA_PSS_PSS_SHA512 => {
                        k.sign_pss_sha512(&mut buf, message)
                    }
                    // Unreachable: `schemes()` was checked by the caller.
                    _ => return Err(Error::Internal("RSA scheme outside RSA_SCHEMES")),
                }
                .map_err(|_| failed("RSA-PSS"))?
                .len();
                buf.truncate(len);
                Ok(buf)
            }
        }
    }
}

/// Verification with graviola.
pub(crate) struct GvVerifier;

impl SignatureVerifier for GvVerifier {
    /// ECDSA: the point must decode (uncompressed, on the curve), the DER
    /// `Ecdsa-Sig-Value` must parse with r and s in [1, n-1]; a hash
    /// longer than the curve is truncated to its leftmost bits (SEC1
    /// §4.1.4 step 3). Ed25519 as strictly as `ed25519-dalek`'s
    /// `verify_strict`: graviola refuses a non-canonical S or key
    /// encoding and compares R byte for byte; small-order keys and R are
    /// refused here. RSA: PSS with a salt as long as the hash and
    /// PKCS#1 v1.5; a key graviola does not take (outside 2048..=8192
    /// bits, or an exponent it refuses) is verified with RustCrypto
    /// instead, so that the verdict does not depend on the provider.
    fn verify(
        &self,
        key: &PublicKeyRef<'_>,
        alg: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyFailure> {
        use VerifyFailure::{BadSignature, InvalidKey};
        match (*key, alg) {
            (PublicKeyRef::EcdsaP256(point), SignatureAlgorithm::Ecdsa(h)) => {
                ecdsa_verify::<P256>(point, h, message, signature)
            }
            (PublicKeyRef::EcdsaP384(point), SignatureAlgorithm::Ecdsa(h)) => {
                ecdsa_verify::<P384>(point, h, message, signature)
            }
            (PublicKeyRef::Ed25519(raw), SignatureAlgorithm::Ed25519) => {
                // As `verify_strict`: a small-order key or R never verifies.
                let r = signature.get(..32).ok_or(BadSignature)?;
                if signature.len() != 64 || has_small_order(raw) || has_small_order(r) {
                    return Err(BadSignature);
                }
                let vk = eddsa::Ed25519VerifyingKey::from_bytes(raw).map_err(|_| InvalidKey)?;
                vk.verify(signature, message).map_err(|_| BadSignature)
            }
            (PublicKeyRef::Rsa { pkcs1_der, .. }, SignatureAlgorithm::RsaPss(h)) => {
                let Ok(vk) = rsa::VerifyingKey::from_pkcs1_der(pkcs1_der) else {
                    return RcVerifier.verify(key, alg, message, signature);
                };
                match h {
                    DigestAlgorithm::Sha256 => vk.verify_pss_sha256(signature, message),
                    DigestAlgorithm::Sha384 => vk.verify_pss_sha384(signature, message),
                    DigestAlgorithm::Sha512 => vk.verify_pss_sha512(signature, message),
                }
                .map_err(|_| BadSignature)
            }
            (PublicKeyRef::Rsa { pkcs1_der, .. }, SignatureAlgorithm::RsaPkcs1(h)) => {
                let Ok(vk) = rsa::VerifyingKey::from_pkcs1_der(pkcs1_der) else {
                    return RcVerifier.verify(key, alg, message, signature);
                };
                match h {
                    DigestAlgorithm::Sha256 => vk.verify_pkcs1_sha256(signature, message),
                    DigestAlgorithm::Sha384 => vk.verify_pkcs1_sha384(signature, message),
                    DigestAlgorithm::Sha512 => vk.verify_pkcs1_sha512(signature, message),
                }
                .map_err(|_| BadSignature)
            }
            // graviola has no P-521.
            (PublicKeyRef::EcdsaP521(_), _) => RcVerifier.verify(key, alg, message, signature),
            _ => Err(BadSignature),
        }
    }

    /// The same verdicts as RustCrypto's check: EC points with graviola's
    /// decoding (which verification repeats anyway), Ed25519 with dalek's;
    /// RSA's structure was checked when `key` was made.
    fn check_public_key(&self, key: &PublicKeyRef<'_>) -> bool {
        match *key {
            PublicKeyRef::EcdsaP256(point) => {
                ecdsa::VerifyingKey::<P256>::from_x962_uncompressed(point).is_ok()
            }
            PublicKeyRef::EcdsaP384(point) => {
                ecdsa::VerifyingKey::<P384>::from_x962_uncompressed(point).is_ok()
            }
            // dalek's decoding, as the default check: graviola's refuses
            // a non-canonical encoding dalek takes, and the verdict on a
            // certificate must not depend on the provider.
            PublicKeyRef::Ed25519(_) | PublicKeyRef::EcdsaP521(_) => {
                crate::crypto::rustcrypto::sign::check_public_key(key).is_ok()
            }
            PublicKeyRef::Rsa { pkcs1_der, .. } => {
                crate::crypto::sign::rsa_modulus_bits(pkcs1_der).is_some()
            }
        }
    }
}

/// ECDSA on curve `C` with hash `h` over `message`.
fn ecdsa_verify<C: ecdsa::Curve>(
    point: &[u8],
    h: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyFailure> {
    let vk = ecdsa::VerifyingKey::<C>::from_x962_uncompressed(point)
        .map_err(|_| VerifyFailure::InvalidKey)?;
    match h {
        DigestAlgorithm::Sha256 => vk.verify_asn1::<Sha256>(&[message], signature),
        DigestAlgorithm::Sha384 => vk.verify_asn1::<Sha384>(&[message], signature),
        DigestAlgorithm::Sha512 => vk.verify_asn1::<Sha512>(&[message], signature),
    }
    .map_err(|_| VerifyFailure::BadSignature)
}

/// The y-coordinates (little-endian, sign bit cleared) of the eight
/// points of small order on edwards25519, and the two non-canonical
/// encodings (p, p + 1) of the y = 0 and y = 1 ones: an encoding whose
/// low 255 bits are one of these is a small-order point whatever its
/// sign bit (the list libsodium checks; a test checks it against
/// `ed25519-dalek`'s `is_weak`).
const SMALL_ORDER_Y: [[u8; 32]; 7] = [
    // y = 0: (±sqrt(-1), 0), order 4.
    [0; 32],
    // y = 1: the identity.
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    // The two y-coordinates of the four points of order 8.
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // y = p - 1: (0, -1), order 2.
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // y = p (0) and y = p + 1 (1), non-canonical.
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

#[cfg(test)]
pub(super) const SMALL_ORDER_Y_FOR_TEST: &[[u8; 32]] = &SMALL_ORDER_Y;

/// Whether a 32-byte Edwards point encoding is one of a small-order
/// point (public values: no need for constant time).
pub(crate) fn has_small_order(encoding: &[u8]) -> bool {
    encoding.len() == 32
        && SMALL_ORDER_Y.iter().any(|y| {
            encoding
                .iter()
                .zip(y)
                .enumerate()
                .all(|(i, (a, b))| if i == 31 { a & 0x7f == *b } else { a == b })
        })
}
