//! Private keys (PKCS#8, SEC1, PKCS#1) and signatures from `p256`,
//! `p384`, `p521`, `ed25519-dalek` and `rsa`.

use alloc::boxed::Box;
use alloc::vec::Vec;

use ecdsa::signature::hazmat::PrehashVerifier;
use ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use p256::pkcs8::{EncodePublicKey, PrivateKeyInfoRef};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use sha2::Digest;
use zeroize::Zeroizing;

use crate::crypto::SecureRandom;
use crate::crypto::sign::{
    DigestAlgorithm, KeyKind, KeyLoader, KeySigner, OID_EC_PUBLIC_KEY, OID_ED25519,
    OID_RSA_ENCRYPTION, OID_SECP256R1, OID_SECP384R1, OID_SECP521R1, PublicKeyRef,
    SignatureAlgorithm, SignatureVerifier, VerifyFailure, bad_key,
};
use crate::crypto::sign::{OID_RSASSA_PSS, PssKeyParams, pss_pkcs8_key, pss_spki};
use crate::error::Error;
use crate::msgs::enums::SignatureScheme;

/// Loads keys as [`RcSigningKey`]s.
pub(crate) struct RcKeyLoader;

impl KeyLoader for RcKeyLoader {
    fn load(&self, der: &[u8]) -> Result<Box<dyn KeySigner>, Error> {
        Ok(Box::new(RcSigningKey::from_der(der)?))
    }
}

/// A private key of the RustCrypto crates; they zeroize it on drop.
pub(crate) struct RcSigningKey {
    inner: KeyInner,
    /// The DER SubjectPublicKeyInfo, computed once at load time.
    spki: Vec<u8>,
    /// For an `id-RSASSA-PSS` key: what it may sign.
    pss: Option<PssKeyParams>,
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
    P521(p521::ecdsa::SigningKey),
}

impl RcSigningKey {
    /// Parses a DER private key: PKCS#8 (any of our key types), SEC1
    /// (EC), or PKCS#1 (RSA).
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, Error> {
        let mut pss = None;
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
                    Ok(c) if c == OID_SECP521R1 => KeyInner::P521(
                        p521::SecretKey::try_from(info)
                            .map_err(|_| bad_key("invalid P-521 PKCS#8 key"))?
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
            } else if oid == OID_RSASSA_PSS {
                // The `rsa` crate takes id-RSASSA-PSS only without
                // parameters: load the RSAPrivateKey inside ourselves.
                let split = pss_pkcs8_key(&info)?;
                let key = rsa::PrivateKey::from_pkcs1_der(split.pkcs1)
                    .map_err(|_| bad_key("invalid RSASSA-PSS PKCS#8 key"))?;
                pss = Some(split);
                rsa_inner(key, der)
            } else {
                return Err(bad_key("unsupported PKCS#8 algorithm"));
            }
        } else if let Ok(sk) = p256::SecretKey::from_sec1_der(der) {
            KeyInner::P256(sk.into())
        } else if let Ok(sk) = p384::SecretKey::from_sec1_der(der) {
            KeyInner::P384(sk.into())
        } else if let Ok(sk) = p521::SecretKey::from_sec1_der(der) {
            KeyInner::P521(sk.into())
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
            KeyInner::P521(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|_| bad_key("cannot encode the public key"))?
        .into_vec();
        let (spki, pss) = match pss {
            Some(split) => (pss_spki(split.algorithm, &spki)?, Some(split.params)),
            None => (spki, None),
        };
        Ok(Self { inner, spki, pss })
    }

    fn sign_scheme(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
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
            KeyInner::P521(k) => {
                let sig: p521::ecdsa::DerSignature =
                    k.try_sign(message).map_err(|_| failed("ECDSA P-521"))?;
                Ok(sig.as_bytes().to_vec())
            }
            // The scheme fits the key's OID and parameters (checked by
            // `sign`), so the pss_pss schemes reach here for PSS keys only.
            KeyInner::Rsa { key, blinding_key } => match scheme {
                SignatureScheme::RSA_PSS_RSAE_SHA256 | SignatureScheme::RSA_PSS_PSS_SHA256 => {
                    pss_sign::<sha2::Sha256>(key, blinding_key, message, rng)
                }
                SignatureScheme::RSA_PSS_RSAE_SHA384 | SignatureScheme::RSA_PSS_PSS_SHA384 => {
                    pss_sign::<sha2::Sha384>(key, blinding_key, message, rng)
                }
                SignatureScheme::RSA_PSS_RSAE_SHA512 | SignatureScheme::RSA_PSS_PSS_SHA512 => {
                    pss_sign::<sha2::Sha512>(key, blinding_key, message, rng)
                }
                // Unreachable: `schemes()` was checked above.
                _ => Err(Error::Internal("RSA scheme outside RSA_SCHEMES")),
            },
        }
    }
}

impl KeySigner for RcSigningKey {
    fn kind(&self) -> KeyKind {
        match &self.inner {
            KeyInner::P256(_) => KeyKind::EcdsaP256,
            KeyInner::P384(_) => KeyKind::EcdsaP384,
            KeyInner::Ed25519(_) => KeyKind::Ed25519,
            KeyInner::Rsa { key, .. } => match self.pss {
                None => KeyKind::Rsa(key.n().bit_width() as usize),
                Some(params) => KeyKind::RsaPss {
                    bits: key.n().bit_width() as usize,
                    params,
                },
            },
            KeyInner::P521(_) => KeyKind::EcdsaP521,
        }
    }

    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    /// RSA-PSS draws its salt (hash-length bytes) from `rng` and nothing
    /// else; ECDSA uses RFC 6979 deterministic nonces; Ed25519 is
    /// deterministic. So `rng` is touched only for RSA, exactly once.
    ///
    /// RSA blinding needs more randomness than the salt; it comes from a
    /// generator keyed with a secret derived from the private key and fed
    /// the drawn salt and the message hash (in the spirit of RFC 6979),
    /// so it is unpredictable to an attacker, yet a replay that scripts
    /// the salt needs to script nothing else.
    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        // Also when called directly rather than through `SigningKey`: an
        // RSASSA-PSS key never signs with a scheme its OID or parameters
        // forbid (RFC 9846 §4.2.3, RFC 4055 §3.3).
        if !self.kind().schemes().contains(&scheme) {
            return Err(Error::SigningFailed(alloc::format!(
                "{scheme:?} does not fit this {:?} key",
                self.kind()
            )));
        }
        self.sign_scheme(scheme, message, rng)
    }

    /// ECDSA P-256 with SHA-256, P-384 with SHA-384, P-521 with SHA-512
    /// (DER signatures),
    /// Ed25519, RSA with PKCS#1 v1.5 and SHA-256 (sha256WithRSAEncryption,
    /// RFC 8017 §8.2) — the algorithms X.509 tooling accepts everywhere.
    /// Draws no randomness. An RSASSA-PSS key does not sign certificates
    /// here (PKCS#1 v1.5 is forbidden to it, RFC 4055 §1.2).
    fn sign_x509(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        if self.pss.is_some() {
            return Err(Error::SigningFailed(
                "certgen does not sign with RSASSA-PSS keys".into(),
            ));
        }
        match &self.inner {
            KeyInner::P256(_) => {
                self.sign_scheme(SignatureScheme::ECDSA_SECP256R1_SHA256, tbs, &NoRandom)
            }
            KeyInner::P384(_) => {
                self.sign_scheme(SignatureScheme::ECDSA_SECP384R1_SHA384, tbs, &NoRandom)
            }
            KeyInner::Ed25519(_) => self.sign_scheme(SignatureScheme::ED25519, tbs, &NoRandom),
            KeyInner::P521(_) => {
                self.sign_scheme(SignatureScheme::ECDSA_SECP521R1_SHA512, tbs, &NoRandom)
            }
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

/// Whether two SubjectPublicKeyInfos hold the same EC key, one of them
/// (or both) with the point compressed (RFC 5480 §2.2).
pub(crate) fn same_ec_key(a: &[u8], b: &[u8]) -> bool {
    fn point(spki: &[u8]) -> Option<(p256::pkcs8::ObjectIdentifier, &[u8])> {
        let info = SubjectPublicKeyInfoRef::try_from(spki).ok()?;
        if info.algorithm.oid != OID_EC_PUBLIC_KEY {
            return None;
        }
        Some((
            info.algorithm.parameters_oid().ok()?,
            info.subject_public_key.as_bytes()?,
        ))
    }
    let (Some((ca, pa)), Some((cb, pb))) = (point(a), point(b)) else {
        return false;
    };
    if ca != cb {
        return false;
    }
    if ca == OID_SECP256R1 {
        matches!(
            (p256::ecdsa::VerifyingKey::from_sec1_bytes(pa), p256::ecdsa::VerifyingKey::from_sec1_bytes(pb)),
            (Ok(x), Ok(y)) if x == y
        )
    } else if ca == OID_SECP384R1 {
        matches!(
            (p384::ecdsa::VerifyingKey::from_sec1_bytes(pa), p384::ecdsa::VerifyingKey::from_sec1_bytes(pb)),
            (Ok(x), Ok(y)) if x == y
        )
    } else if ca == OID_SECP521R1 {
        matches!(
            (p521::ecdsa::VerifyingKey::from_sec1_bytes(pa), p521::ecdsa::VerifyingKey::from_sec1_bytes(pb)),
            (Ok(x), Ok(y)) if x == y
        )
    } else {
        false
    }
}

/// Verification with the RustCrypto crates.
pub(crate) struct RcVerifier;

impl SignatureVerifier for RcVerifier {
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
                let vk =
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| InvalidKey)?;
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
                if h == DigestAlgorithm::Sha256 {
                    vk.verify(message, &sig).map_err(|_| BadSignature)
                } else {
                    vk.verify_prehash(&digest(h, message), &sig)
                        .map_err(|_| BadSignature)
                }
            }
            (PublicKeyRef::EcdsaP384(point), SignatureAlgorithm::Ecdsa(h)) => {
                let vk =
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| InvalidKey)?;
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
                if h == DigestAlgorithm::Sha384 {
                    vk.verify(message, &sig).map_err(|_| BadSignature)
                } else {
                    vk.verify_prehash(&digest(h, message), &sig)
                        .map_err(|_| BadSignature)
                }
            }
            (PublicKeyRef::EcdsaP521(point), SignatureAlgorithm::Ecdsa(h)) => {
                let vk =
                    p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| InvalidKey)?;
                let sig = p521::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
                if h == DigestAlgorithm::Sha512 {
                    vk.verify(message, &sig).map_err(|_| BadSignature)
                } else {
                    vk.verify_prehash(&digest(h, message), &sig)
                        .map_err(|_| BadSignature)
                }
            }
            (PublicKeyRef::Ed25519(raw), SignatureAlgorithm::Ed25519) => {
                let vk = ed25519_dalek::VerifyingKey::from_bytes(raw).map_err(|_| InvalidKey)?;
                let sig =
                    ed25519_dalek::Signature::from_slice(signature).map_err(|_| BadSignature)?;
                // `verify_strict` also refuses small-order keys and
                // non-canonical R, which the TLS use never needs.
                vk.verify_strict(message, &sig).map_err(|_| BadSignature)
            }
            (PublicKeyRef::Rsa { pkcs1_der, .. }, SignatureAlgorithm::RsaPss(h)) => {
                let key = rsa::PublicKey::from_pkcs1_der(pkcs1_der).map_err(|_| InvalidKey)?;
                let d = digest(h, message);
                let r = match h {
                    DigestAlgorithm::Sha256 => {
                        key.verify(rsa::Pss::<sha2::Sha256>::new(), &d, signature)
                    }
                    DigestAlgorithm::Sha384 => {
                        key.verify(rsa::Pss::<sha2::Sha384>::new(), &d, signature)
                    }
                    DigestAlgorithm::Sha512 => {
                        key.verify(rsa::Pss::<sha2::Sha512>::new(), &d, signature)
                    }
                };
                r.map_err(|_| BadSignature)
            }
            (PublicKeyRef::Rsa { pkcs1_der, .. }, SignatureAlgorithm::RsaPkcs1(h)) => {
                let key = rsa::PublicKey::from_pkcs1_der(pkcs1_der).map_err(|_| InvalidKey)?;
                pkcs1_verify(&key, h, message, signature)
            }
            _ => Err(BadSignature),
        }
    }
}

/// A message digest on the stack (at most SHA-512's 64 bytes).
struct DigestBuf {
    buf: [u8; 64],
    len: usize,
}

impl core::ops::Deref for DigestBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

fn digest(h: DigestAlgorithm, data: &[u8]) -> DigestBuf {
    let mut buf = [0u8; 64];
    let len = match h {
        DigestAlgorithm::Sha256 => copy_into(&mut buf, &sha2::Sha256::digest(data)),
        DigestAlgorithm::Sha384 => copy_into(&mut buf, &sha2::Sha384::digest(data)),
        DigestAlgorithm::Sha512 => copy_into(&mut buf, &sha2::Sha512::digest(data)),
    };
    DigestBuf { buf, len }
}

fn copy_into(buf: &mut [u8; 64], d: &[u8]) -> usize {
    for (dst, src) in buf.iter_mut().zip(d) {
        *dst = *src;
    }
    d.len().min(64)
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with the raw RSA
/// public operation: the recovered encoding must equal, octet for octet,
/// `00 01 FF..FF 00 || DigestInfo(hash)` (§9.2, the DER DigestInfo with
/// NULL parameters of RFC 8017 note 1).
fn pkcs1_verify(
    key: &rsa::PublicKey,
    h: DigestAlgorithm,
    data: &[u8],
    signature: &[u8],
) -> Result<(), VerifyFailure> {
    use VerifyFailure::BadSignature;
    const SHA256_PREFIX: &[u8] = &[
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    const SHA384_PREFIX: &[u8] = &[
        0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
        0x05, 0x00, 0x04, 0x30,
    ];
    const SHA512_PREFIX: &[u8] = &[
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
        0x05, 0x00, 0x04, 0x40,
    ];
    let k = key.size();
    // §8.2.2 step 1: the signature is exactly k octets.
    if signature.len() != k {
        return Err(BadSignature);
    }
    let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision())
        .map_err(|_| BadSignature)?;
    if s >= *key.n().as_ref() {
        return Err(BadSignature);
    }
    let m = rsa::hazmat::rsa_encrypt(key, &s).map_err(|_| BadSignature)?;
    let m = m.to_be_bytes();
    let prefix = match h {
        DigestAlgorithm::Sha256 => SHA256_PREFIX,
        DigestAlgorithm::Sha384 => SHA384_PREFIX,
        DigestAlgorithm::Sha512 => SHA512_PREFIX,
    };
    let digest = digest(h, data);
    let t_len = prefix.len().saturating_add(digest.len());
    // §9.2 step 3: at least 8 octets of padding.
    let ps_len = k
        .checked_sub(t_len.saturating_add(3))
        .filter(|n| *n >= 8)
        .ok_or(BadSignature)?;
    let mut expected = alloc::vec![0x00, 0x01];
    expected.resize(ps_len.saturating_add(2), 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(&digest);
    // `to_be_bytes` yields the integer at its storage width; compare the
    // low k octets and require every octet above them to be zero.
    let split = m.len().checked_sub(k).ok_or(BadSignature)?;
    let (high, low) = m.split_at(split);
    if high.iter().all(|b| *b == 0) && low == expected.as_slice() {
        Ok(())
    } else {
        Err(BadSignature)
    }
}

/// Whether a parsed public key is arithmetically valid: the point on its
/// curve, the Ed25519 point decodable, the RSA key usable. The reason is
/// named when it is not.
pub(crate) fn check_public_key(key: &PublicKeyRef<'_>) -> Result<(), &'static str> {
    let ok = match *key {
        PublicKeyRef::EcdsaP256(p) => p256::ecdsa::VerifyingKey::from_sec1_bytes(p).is_ok(),
        PublicKeyRef::EcdsaP384(p) => p384::ecdsa::VerifyingKey::from_sec1_bytes(p).is_ok(),
        PublicKeyRef::EcdsaP521(p) => p521::ecdsa::VerifyingKey::from_sec1_bytes(p).is_ok(),
        PublicKeyRef::Ed25519(raw) => ed25519_dalek::VerifyingKey::from_bytes(raw).is_ok(),
        // `PublicKeyRef::Rsa` exists only after `sign::rsa_modulus_bits`
        // accepted the key (odd modulus within the size bounds, odd
        // exponent in 3..2^33): every check the arithmetic needs. Building
        // the `rsa` crate's key here as well cost a Montgomery setup of the
        // modulus, about 10 µs of each RSA handshake on the client.
        PublicKeyRef::Rsa { pkcs1_der, .. } => {
            crate::crypto::sign::rsa_modulus_bits(pkcs1_der).is_some()
        }
    };
    if ok {
        return Ok(());
    }
    Err(match key {
        PublicKeyRef::EcdsaP256(_) => "invalid P-256 point",
        PublicKeyRef::EcdsaP384(_) => "invalid P-384 point",
        PublicKeyRef::EcdsaP521(_) => "invalid P-521 point",
        PublicKeyRef::Ed25519(_) => "invalid Ed25519 key",
        PublicKeyRef::Rsa { .. } => "malformed RSA key",
    })
}
