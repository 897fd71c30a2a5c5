//! Signatures on certificates and CRLs, chosen by the AlgorithmIdentifier
//! (RFC 5280 §4.1.1.2) rather than by a TLS `SignatureScheme`: RSA
//! PKCS#1 v1.5 and RSA-PSS with SHA-256/384/512 (RFC 4055), ECDSA on
//! P-256/P-384 (RFC 5758, RFC 5480), Ed25519 (RFC 8410). SHA-1 and
//! everything else is refused.

use alloc::format;
use alloc::string::String;

use ecdsa::signature::hazmat::PrehashVerifier;
use rsa::traits::PublicKeyParts;
use sha2::Digest;

use super::der::{self, Der};

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigError {
    /// The signature algorithm is not one we accept (named).
    UnsupportedAlgorithm(String),
    /// The key is of a type, curve or encoding we do not accept (named).
    UnsupportedKey(String),
    /// The RSA modulus is below the minimum, or not a whole number of octets.
    WeakKey(String),
    /// The algorithm does not fit the key (e.g. ECDSA with an RSA key).
    KeyMismatch,
    /// The signature is malformed or does not verify.
    BadSignature,
}

impl core::fmt::Display for SigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnsupportedAlgorithm(a) => write!(f, "unsupported signature algorithm {a}"),
            Self::UnsupportedKey(k) => write!(f, "unsupported public key: {k}"),
            Self::WeakKey(k) => write!(f, "weak public key: {k}"),
            Self::KeyMismatch => {
                f.write_str("signature algorithm does not match the issuer's key type")
            }
            Self::BadSignature => f.write_str("signature does not verify"),
        }
    }
}

const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
const SHA256_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const SHA384_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const SHA512_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// A message digest on the stack (at most SHA-512's 64 bytes).
struct DigestBuf {
    buf: [u8; 64],
    len: usize,
}

impl DigestBuf {
    fn new(d: &[u8]) -> Self {
        let mut buf = [0u8; 64];
        let len = d.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..len), d.get(..len)) {
            dst.copy_from_slice(src);
        }
        Self { buf, len }
    }
}

impl core::ops::Deref for DigestBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Hash {
    fn digest(self, data: &[u8]) -> DigestBuf {
        match self {
            Self::Sha256 => DigestBuf::new(&sha2::Sha256::digest(data)),
            Self::Sha384 => DigestBuf::new(&sha2::Sha384::digest(data)),
            Self::Sha512 => DigestBuf::new(&sha2::Sha512::digest(data)),
        }
    }
}

enum Alg {
    Pkcs1(Hash),
    Pss(Hash),
    Ecdsa(Hash),
    Ed25519,
}

/// A public key we accept.
pub enum PublicKey {
    /// RSA.
    Rsa(rsa::PublicKey),
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

fn oid_name(oid: &[u8]) -> String {
    der::OidText(oid).to_string_lossy()
}

/// An `AlgorithmIdentifier` TLV split into OID and optional parameters TLV.
fn algorithm(tlv: &[u8]) -> Result<(&[u8], Option<der::Tlv<'_>>), SigError> {
    let unsup = || SigError::UnsupportedAlgorithm(String::from("(malformed AlgorithmIdentifier)"));
    let v = der::single(tlv, der::SEQUENCE, "AlgorithmIdentifier").map_err(|_| unsup())?;
    let mut d = Der::new(v, "AlgorithmIdentifier").map_err(|_| unsup())?;
    let oid = d.expect(der::OID).map_err(|_| unsup())?.value;
    let params = if d.is_empty() {
        None
    } else {
        Some(d.next().map_err(|_| unsup())?)
    };
    d.finish().map_err(|_| unsup())?;
    Ok((oid, params))
}

fn is_null(p: Option<der::Tlv<'_>>) -> bool {
    p.is_some_and(|t| t.tag == der::NULL && t.value.is_empty())
}

fn hash_alg(tlv: &[u8]) -> Option<Hash> {
    let (oid, params) = algorithm(tlv).ok()?;
    // RFC 4055 §2.1: the NULL parameters may be present or absent.
    if params.is_some() && !is_null(params) {
        return None;
    }
    match oid {
        SHA256 => Some(Hash::Sha256),
        SHA384 => Some(Hash::Sha384),
        SHA512 => Some(Hash::Sha512),
        _ => None,
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1) restricted to what TLS 1.3 and the
/// Web PKI use: explicit hash, MGF1 with the same hash, salt length equal
/// to the hash length, trailer field 1.
fn pss_params(p: Option<der::Tlv<'_>>) -> Option<Hash> {
    let p = p?;
    if p.tag != der::SEQUENCE {
        return None;
    }
    let mut d = Der::new(p.value, "RSASSA-PSS-params").ok()?;
    let hash = hash_alg(d.expect(der::ctx_cons(0)).ok()?.value)?;
    let mgf = d.expect(der::ctx_cons(1)).ok()?.value;
    let (mgf_oid, mgf_params) = algorithm(mgf).ok()?;
    if mgf_oid != MGF1 || hash_alg(mgf_params?.raw)? != hash {
        return None;
    }
    let salt_int = der::single(
        d.expect(der::ctx_cons(2)).ok()?.value,
        der::INTEGER,
        "saltLength",
    )
    .ok()?;
    let salt = der::small_uint(salt_int, "saltLength").ok()?;
    let want = match hash {
        Hash::Sha256 => 32,
        Hash::Sha384 => 48,
        Hash::Sha512 => 64,
    };
    if salt != want {
        return None;
    }
    if let Some(t) = d.optional(der::ctx_cons(3)).ok()?
        && der::single(t.value, der::INTEGER, "trailerField").ok()? != [1]
    {
        return None;
    }
    d.finish().ok()?;
    Some(hash)
}

fn signature_algorithm(tlv: &[u8]) -> Result<Alg, SigError> {
    let (oid, params) = algorithm(tlv)?;
    let unsup = || SigError::UnsupportedAlgorithm(oid_name(oid));
    let alg = match oid {
        // RFC 4055 §5: NULL parameters for PKCS#1 v1.5.
        SHA256_RSA if is_null(params) => Alg::Pkcs1(Hash::Sha256),
        SHA384_RSA if is_null(params) => Alg::Pkcs1(Hash::Sha384),
        SHA512_RSA if is_null(params) => Alg::Pkcs1(Hash::Sha512),
        RSA_PSS => Alg::Pss(pss_params(params).ok_or_else(unsup)?),
        // RFC 5758 §3.2 / RFC 8410 §3: parameters absent.
        ECDSA_SHA256 if params.is_none() => Alg::Ecdsa(Hash::Sha256),
        ECDSA_SHA384 if params.is_none() => Alg::Ecdsa(Hash::Sha384),
        ECDSA_SHA512 if params.is_none() => Alg::Ecdsa(Hash::Sha512),
        ED25519 if params.is_none() => Alg::Ed25519,
        _ => return Err(unsup()),
    };
    Ok(alg)
}

/// Parses a SubjectPublicKeyInfo TLV into a key we accept. RSA moduli
/// must be at least `min_rsa_bits` and a multiple of 8 (CABF 6.1.5); EC
/// keys must name P-256 or P-384 (RFC 5480 §2.1.1, no explicit curves).
pub fn public_key(spki: &[u8], min_rsa_bits: usize) -> Result<PublicKey, SigError> {
    let unsup = |w: &str| SigError::UnsupportedKey(String::from(w));
    let v = der::single(spki, der::SEQUENCE, "SubjectPublicKeyInfo")
        .map_err(|_| unsup("malformed SubjectPublicKeyInfo"))?;
    let mut d = Der::new(v, "SubjectPublicKeyInfo").map_err(|_| unsup("malformed"))?;
    let alg = d
        .expect(der::SEQUENCE)
        .map_err(|_| unsup("malformed algorithm"))?
        .raw;
    let bits = d
        .expect(der::BIT_STRING)
        .map_err(|_| unsup("malformed key"))?
        .value;
    d.finish()
        .map_err(|_| unsup("malformed SubjectPublicKeyInfo"))?;
    let key =
        der::bit_string_octets(bits, "subjectPublicKey").map_err(|_| unsup("key bit string"))?;
    let (oid, params) = algorithm(alg).map_err(|_| unsup("malformed algorithm"))?;
    match oid {
        RSA_ENCRYPTION => {
            // RFC 3279 §2.3.1: parameters NULL.
            if !is_null(params) {
                return Err(unsup("rsaEncryption without NULL parameters"));
            }
            let info = p256::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(spki)
                .map_err(|_| unsup("malformed RSA key"))?;
            let key = rsa::PublicKey::try_from(info).map_err(|_| unsup("malformed RSA key"))?;
            let n = key.n_bytes();
            let first = n
                .iter()
                .position(|b| *b != 0)
                .ok_or_else(|| unsup("RSA modulus zero"))?;
            let lead = n.get(first).copied().unwrap_or(0);
            // first < n.len() and lead != 0, so neither subtraction underflows.
            let size = n
                .len()
                .saturating_sub(first)
                .saturating_sub(1)
                .saturating_mul(8)
                .saturating_add(8usize.saturating_sub(lead.leading_zeros() as usize));
            if size < min_rsa_bits {
                return Err(SigError::WeakKey(format!(
                    "RSA-{size}, below the minimum of {min_rsa_bits} bits"
                )));
            }
            if !size.is_multiple_of(8) {
                return Err(SigError::WeakKey(format!(
                    "RSA-{size}, not a multiple of 8 bits"
                )));
            }
            Ok(PublicKey::Rsa(key))
        }
        EC_PUBLIC_KEY => {
            let curve = match params {
                Some(t) if t.tag == der::OID => t.value,
                _ => return Err(unsup("EC key without a named curve")),
            };
            // SEC 1 §2.3.4: we take only the uncompressed form (as the Web PKI does).
            if key.first() != Some(&0x04) {
                return Err(unsup("EC point not in uncompressed form"));
            }
            match curve {
                SECP256R1 => p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(PublicKey::P256)
                    .map_err(|_| unsup("invalid P-256 point")),
                SECP384R1 => p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(PublicKey::P384)
                    .map_err(|_| unsup("invalid P-384 point")),
                other => Err(SigError::UnsupportedKey(format!(
                    "EC curve {}",
                    oid_name(other)
                ))),
            }
        }
        ED25519 => {
            if params.is_some() {
                return Err(unsup("Ed25519 key with parameters"));
            }
            let raw: &[u8; 32] = key.try_into().map_err(|_| unsup("Ed25519 key length"))?;
            ed25519_dalek::VerifyingKey::from_bytes(raw)
                .map(PublicKey::Ed25519)
                .map_err(|_| unsup("invalid Ed25519 key"))
        }
        other => Err(SigError::UnsupportedKey(format!(
            "algorithm {}",
            oid_name(other)
        ))),
    }
}

/// Verifies `signature` (the BIT STRING contents, without the unused-bits
/// octet) over `data` with the key in `spki`, under the AlgorithmIdentifier
/// TLV `alg`. RSA keys below `min_rsa_bits` are refused.
pub fn verify_signed_data(
    spki: &[u8],
    alg: &[u8],
    data: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), SigError> {
    let alg = signature_algorithm(alg)?;
    let key = public_key(spki, min_rsa_bits)?;
    verify_with_key(&key, alg, data, signature)
}

fn verify_with_key(
    key: &PublicKey,
    alg: Alg,
    data: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    use SigError::BadSignature;
    match (key, alg) {
        (PublicKey::Rsa(k), Alg::Pkcs1(h)) => pkcs1_verify(k, h, data, signature),
        (PublicKey::Rsa(k), Alg::Pss(h)) => {
            let digest = h.digest(data);
            let r = match h {
                Hash::Sha256 => k.verify(rsa::Pss::<sha2::Sha256>::new(), &digest, signature),
                Hash::Sha384 => k.verify(rsa::Pss::<sha2::Sha384>::new(), &digest, signature),
                Hash::Sha512 => k.verify(rsa::Pss::<sha2::Sha512>::new(), &digest, signature),
            };
            r.map_err(|_| BadSignature)
        }
        (PublicKey::P256(k), Alg::Ecdsa(h)) => {
            let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
            k.verify_prehash(&h.digest(data), &sig)
                .map_err(|_| BadSignature)
        }
        (PublicKey::P384(k), Alg::Ecdsa(h)) => {
            let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
            k.verify_prehash(&h.digest(data), &sig)
                .map_err(|_| BadSignature)
        }
        (PublicKey::Ed25519(k), Alg::Ed25519) => {
            let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| BadSignature)?;
            k.verify_strict(data, &sig).map_err(|_| BadSignature)
        }
        _ => Err(SigError::KeyMismatch),
    }
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with the raw RSA
/// public operation: the recovered encoding must equal, octet for octet,
/// `00 01 FF..FF 00 || DigestInfo(hash)` (§9.2, the DER DigestInfo with
/// NULL parameters of RFC 8017 note 1).
fn pkcs1_verify(
    key: &rsa::PublicKey,
    h: Hash,
    data: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    use rsa::traits::PublicKeyParts as _;
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
        return Err(SigError::BadSignature);
    }
    let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision())
        .map_err(|_| SigError::BadSignature)?;
    if s >= *key.n().as_ref() {
        return Err(SigError::BadSignature);
    }
    let m = rsa::hazmat::rsa_encrypt(key, &s).map_err(|_| SigError::BadSignature)?;
    let m = m.to_be_bytes();
    let (prefix, digest) = match h {
        Hash::Sha256 => (SHA256_PREFIX, h.digest(data)),
        Hash::Sha384 => (SHA384_PREFIX, h.digest(data)),
        Hash::Sha512 => (SHA512_PREFIX, h.digest(data)),
    };
    let t_len = prefix.len().saturating_add(digest.len());
    // §9.2 step 3: at least 8 octets of padding.
    let ps_len = k
        .checked_sub(t_len.saturating_add(3))
        .filter(|n| *n >= 8)
        .ok_or(SigError::BadSignature)?;
    let mut expected = alloc::vec![0x00, 0x01];
    expected.resize(ps_len.saturating_add(2), 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(&digest);
    // `to_be_bytes` yields the integer at its storage width; compare the
    // low k octets and require every octet above them to be zero.
    let split = m.len().checked_sub(k).ok_or(SigError::BadSignature)?;
    let (high, low) = m.split_at(split);
    if high.iter().all(|b| *b == 0) && low == expected.as_slice() {
        Ok(())
    } else {
        Err(SigError::BadSignature)
    }
}
