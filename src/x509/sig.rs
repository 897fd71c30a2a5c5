//! Signatures on certificates and CRLs, chosen by the AlgorithmIdentifier
//! (RFC 5280 §4.1.1.2) rather than by a TLS `SignatureScheme`: RSA
//! PKCS#1 v1.5 and RSA-PSS with SHA-256/384/512 (RFC 4055), ECDSA on
//! P-256/P-384/P-521 (RFC 5758, RFC 5480), Ed25519 (RFC 8410). SHA-1 and
//! everything else is refused. RSA keys are `rsaEncryption` or
//! `id-RSASSA-PSS`; the latter sign RSASSA-PSS only, within what their
//! parameters allow (RFC 4055 §3.3).

use alloc::format;
use alloc::string::String;

use super::der::{self, Der};
use crate::crypto::sign::{
    DigestAlgorithm, PssKeyParams, PublicKeyRef, SignatureAlgorithm, SignatureVerifier,
    VerifyFailure,
};

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigError {
    /// The signature algorithm is not one we accept (named).
    UnsupportedAlgorithm(String),
    /// The key is of a type, curve or encoding we do not accept (named).
    UnsupportedKey(String),
    /// The RSA modulus is below the minimum, or not a whole number of octets.
    WeakKey(String),
    /// The algorithm does not fit the key (e.g. ECDSA with an RSA key,
    /// PKCS#1 v1.5 or another hash with an RSASSA-PSS key restricted by
    /// its parameters, RFC 4055 §3.3).
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
            Self::KeyMismatch => f.write_str(
                "signature algorithm does not match the issuer's key type \
                 (or the RSASSA-PSS parameters its key is restricted to)",
            ),
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
const SECP521R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];

type Hash = DigestAlgorithm;
type Alg = SignatureAlgorithm;

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
        SHA256_RSA if is_null(params) => Alg::RsaPkcs1(Hash::Sha256),
        SHA384_RSA if is_null(params) => Alg::RsaPkcs1(Hash::Sha384),
        SHA512_RSA if is_null(params) => Alg::RsaPkcs1(Hash::Sha512),
        RSA_PSS => Alg::RsaPss(pss_params(params).ok_or_else(unsup)?),
        // RFC 5758 §3.2 / RFC 8410 §3: parameters absent.
        ECDSA_SHA256 if params.is_none() => Alg::Ecdsa(Hash::Sha256),
        ECDSA_SHA384 if params.is_none() => Alg::Ecdsa(Hash::Sha384),
        ECDSA_SHA512 if params.is_none() => Alg::Ecdsa(Hash::Sha512),
        ED25519 if params.is_none() => Alg::Ed25519,
        _ => return Err(unsup()),
    };
    Ok(alg)
}

/// Parses a SubjectPublicKeyInfo TLV into a key we accept, structure
/// only (the provider checks the arithmetic when it verifies). RSA moduli
/// must be at least `min_rsa_bits` and a multiple of 8 (CABF 6.1.5); EC
/// keys must name P-256, P-384 or P-521 (RFC 5480 §2.1.1, no explicit curves)
/// and be uncompressed points of the curve's length.
fn key_ref(spki: &[u8], min_rsa_bits: usize) -> Result<PublicKeyRef<'_>, SigError> {
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
            rsa_key(key, min_rsa_bits)
        }
        RSA_PSS => {
            // RFC 4055 §3.1: parameters absent, or RSASSA-PSS-params we
            // can honour; what they allow is checked for each signature
            // (`verify_signed_data`).
            pss_key_params(params)?;
            rsa_key(key, min_rsa_bits)
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
                SECP256R1 if key.len() == 65 => Ok(PublicKeyRef::EcdsaP256(key)),
                SECP256R1 => Err(unsup("invalid P-256 point")),
                SECP384R1 if key.len() == 97 => Ok(PublicKeyRef::EcdsaP384(key)),
                SECP384R1 => Err(unsup("invalid P-384 point")),
                SECP521R1 if key.len() == 133 => Ok(PublicKeyRef::EcdsaP521(key)),
                SECP521R1 => Err(unsup("invalid P-521 point")),
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
            Ok(PublicKeyRef::Ed25519(raw))
        }
        other => Err(SigError::UnsupportedKey(format!(
            "algorithm {}",
            oid_name(other)
        ))),
    }
}

/// An RSA public key (DER `RSAPublicKey`) we accept: at least
/// `min_rsa_bits` and a whole number of octets.
fn rsa_key(key: &[u8], min_rsa_bits: usize) -> Result<PublicKeyRef<'_>, SigError> {
    let size = crate::crypto::sign::rsa_modulus_bits(key)
        .ok_or_else(|| SigError::UnsupportedKey(String::from("malformed RSA key")))?;
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
    Ok(PublicKeyRef::Rsa {
        pkcs1_der: key,
        bits: size,
    })
}

/// The restrictions of an `id-RSASSA-PSS` key from its AlgorithmIdentifier
/// parameters (RFC 4055 §3.1).
fn pss_key_params(params: Option<der::Tlv<'_>>) -> Result<PssKeyParams, SigError> {
    crate::crypto::sign::pss_key_params(params.map(|t| (t.tag == der::SEQUENCE, t.value)))
        .map_err(|w| SigError::UnsupportedKey(String::from(w)))
}

/// What the key of `spki` allows when it is an `id-RSASSA-PSS` key
/// (`None` for every other key). `spki` was accepted by `key_ref`.
fn spki_pss_params(spki: &[u8]) -> Result<Option<PssKeyParams>, SigError> {
    let malformed = || SigError::UnsupportedKey(String::from("malformed SubjectPublicKeyInfo"));
    let v = der::single(spki, der::SEQUENCE, "SubjectPublicKeyInfo").map_err(|_| malformed())?;
    let mut d = Der::new(v, "SubjectPublicKeyInfo").map_err(|_| malformed())?;
    let alg = d.expect(der::SEQUENCE).map_err(|_| malformed())?.raw;
    match algorithm(alg).map_err(|_| malformed())? {
        (RSA_PSS, params) => pss_key_params(params).map(Some),
        _ => Ok(None),
    }
}

/// Checks that a SubjectPublicKeyInfo TLV holds a key we accept: the
/// structure (see `key_ref`) and the arithmetic (the point is on its
/// curve, the Ed25519 point decodes, the RSA key is usable), for a key
/// no signature of the path exercises (the end entity's).
pub fn public_key(
    spki: &[u8],
    min_rsa_bits: usize,
    verifier: &dyn SignatureVerifier,
) -> Result<(), SigError> {
    let key = key_ref(spki, min_rsa_bits)?;
    if verifier.check_public_key(&key) {
        return Ok(());
    }
    Err(SigError::UnsupportedKey(String::from(match key {
        PublicKeyRef::EcdsaP256(_) => "invalid P-256 point",
        PublicKeyRef::EcdsaP384(_) => "invalid P-384 point",
        PublicKeyRef::EcdsaP521(_) => "invalid P-521 point",
        PublicKeyRef::Ed25519(_) => "invalid Ed25519 key",
        PublicKeyRef::Rsa { .. } => "malformed RSA key",
    })))
}

/// Verifies `signature` (the BIT STRING contents, without the unused-bits
/// octet) over `data` with the key in `spki`, under the AlgorithmIdentifier
/// TLV `alg`, with a provider's verifier. RSA keys below `min_rsa_bits`
/// are refused.
pub fn verify_signed_data(
    verifier: &dyn SignatureVerifier,
    spki: &[u8],
    alg: &[u8],
    data: &[u8],
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), SigError> {
    let alg = signature_algorithm(alg)?;
    let key = key_ref(spki, min_rsa_bits)?;
    let fits = matches!(
        (key, alg),
        (PublicKeyRef::Rsa { .. }, Alg::RsaPkcs1(_) | Alg::RsaPss(_))
            | (
                PublicKeyRef::EcdsaP256(_)
                    | PublicKeyRef::EcdsaP384(_)
                    | PublicKeyRef::EcdsaP521(_),
                Alg::Ecdsa(_)
            )
            | (PublicKeyRef::Ed25519(_), Alg::Ed25519)
    );
    if !fits {
        return Err(SigError::KeyMismatch);
    }
    // RFC 4055 §3.3: an id-RSASSA-PSS key signs RSASSA-PSS only (§1.2),
    // with the hash and MGF1 hash of its parameters and a salt at least
    // as long as theirs. `signature_algorithm` took only salts as long as
    // the hash (and MGF1 with the same hash).
    if let Some(pss) = spki_pss_params(spki)? {
        let allowed = match alg {
            Alg::RsaPss(h) => pss.allows(h, crate::crypto::sign::digest_len(h)),
            _ => false,
        };
        if !allowed {
            return Err(SigError::KeyMismatch);
        }
    }
    verifier
        .verify(&key, alg, data, signature)
        .map_err(|e| match e {
            VerifyFailure::BadSignature => SigError::BadSignature,
            VerifyFailure::InvalidKey => {
                SigError::UnsupportedKey(String::from("key rejected by the provider"))
            }
        })
}

#[cfg(test)]
mod tests {
    use crate::certgen::{KeyType, generate_key};
    use crate::crypto::sign::SigningKey;

    /// The end entity's key check refuses a point off its curve with
    /// every provider, and takes the real one.
    #[test]
    fn an_off_curve_leaf_point_is_refused_by_every_provider() {
        let mut providers = alloc::vec![crate::crypto::rustcrypto::provider()];
        #[cfg(all(
            feature = "graviola",
            any(target_arch = "x86_64", target_arch = "aarch64")
        ))]
        providers.extend(crate::crypto::graviola::provider());
        for kind in [KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::EcdsaP521] {
            let der = generate_key(kind, &crate::crypto::OsRandom).unwrap();
            let spki = SigningKey::from_der(&der).unwrap().public_key_spki();
            let mut bad = spki.clone();
            *bad.last_mut().unwrap() ^= 1;
            for p in &providers {
                assert!(
                    super::public_key(&spki, 2048, p.signatures).is_ok(),
                    "{}",
                    p.name
                );
                assert!(
                    super::public_key(&bad, 2048, p.signatures).is_err(),
                    "{}",
                    p.name
                );
            }
        }
    }

    /// RFC 5758 §3.2 names the ECDSA hash, not the curve: a P-521 issuer
    /// signing with ecdsa-with-SHA256 or -SHA384 verifies (as P-256 and
    /// P-384 issuers may use any of the three), the signature checked over
    /// the hash the AlgorithmIdentifier names; the TLS scheme pairs P-521
    /// with SHA-512 only (`sign::verify`).
    #[test]
    fn a_p521_key_verifies_under_each_ecdsa_hash() {
        use p521::ecdsa::signature::hazmat::PrehashSigner;
        use sha2::Digest;
        let der = generate_key(KeyType::EcdsaP521, &crate::crypto::OsRandom).unwrap();
        let spki = SigningKey::from_der(&der).unwrap().public_key_spki();
        let sk: p521::ecdsa::SigningKey = {
            use p521::pkcs8::DecodePrivateKey;
            p521::SecretKey::from_pkcs8_der(&der).unwrap().into()
        };
        let data = b"tbsCertificate";
        let digests: [(u8, alloc::vec::Vec<u8>); 3] = [
            (2, sha2::Sha256::digest(data).to_vec()),
            (3, sha2::Sha384::digest(data).to_vec()),
            (4, sha2::Sha512::digest(data).to_vec()),
        ];
        for (last, digest) in &digests {
            // SEQUENCE { ecdsa-with-SHA256/384/512 }, no parameters.
            let alg = [
                0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, *last,
            ];
            let sig: p521::ecdsa::Signature = sk.sign_prehash(digest).unwrap();
            let sig = sig.to_der();
            let verifier = crate::crypto::rustcrypto::provider().signatures;
            assert_eq!(
                super::verify_signed_data(verifier, &spki, &alg, data, sig.as_bytes(), 2048),
                Ok(()),
                "ecdsa-with-SHA-{last}"
            );
            // Checked over the hash named, not another.
            let other = if *last == 4 { 2 } else { 4 };
            let alg = [
                0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, other,
            ];
            assert_eq!(
                super::verify_signed_data(verifier, &spki, &alg, data, sig.as_bytes(), 2048),
                Err(super::SigError::BadSignature)
            );
        }
    }
}
