//! RSASSA-PSS keys: RSA keys whose SubjectPublicKeyInfo (and PKCS#8
//! AlgorithmIdentifier) name `id-RSASSA-PSS` instead of `rsaEncryption`
//! (RFC 4055 §3.1). Such a key signs with RSASSA-PSS only (in TLS 1.3 the
//! `rsa_pss_pss_*` schemes, RFC 9846 §4.2.3), and when its
//! AlgorithmIdentifier carries RSASSA-PSS-params those restrict every
//! signature made with it: the same hash and MGF1 hash, a salt at least
//! `saltLength` long (RFC 4055 §3.3). Parameters absent: any hash.
//!
//! The parsing lives here, once, for the handshake (CertificateVerify),
//! for X.509 path validation and for both providers' key loaders; the
//! providers only ever see the RSA key itself.

use alloc::vec::Vec;

use der::asn1::AnyRef;
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
use p256::pkcs8::ObjectIdentifier;
use p256::pkcs8::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use super::{DigestAlgorithm, bad_key};
use crate::error::Error;
use crate::msgs::enums::SignatureScheme;

/// `id-RSASSA-PSS` (RFC 4055 §3.1, RFC 8017 A.2.3).
pub(crate) const OID_RSASSA_PSS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// What an `id-RSASSA-PSS` key allows (RFC 4055 §3.3): with parameters,
/// one hash (MGF1 with that same hash) and a minimum salt length; without
/// them, anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PssKeyParams {
    /// The only hash the key signs with, for the message and for MGF1;
    /// `None` when the AlgorithmIdentifier has no parameters.
    pub hash: Option<DigestAlgorithm>,
    /// The shortest salt, in octets, a signature by the key may use
    /// (`saltLength`, 20 when the parameters leave it out; 0 when there
    /// are no parameters).
    pub min_salt_len: usize,
}

const PSS_SHA256: &[SignatureScheme] = &[SignatureScheme::RSA_PSS_PSS_SHA256];
const PSS_SHA384: &[SignatureScheme] = &[SignatureScheme::RSA_PSS_PSS_SHA384];
const PSS_SHA512: &[SignatureScheme] = &[SignatureScheme::RSA_PSS_PSS_SHA512];
pub(super) const PSS_ALL: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_PSS_SHA256,
    SignatureScheme::RSA_PSS_PSS_SHA384,
    SignatureScheme::RSA_PSS_PSS_SHA512,
];

impl PssKeyParams {
    /// No parameters: every hash, every salt length.
    pub const UNRESTRICTED: Self = Self {
        hash: None,
        min_salt_len: 0,
    };

    /// Whether RSASSA-PSS with `hash` (message and MGF1) and a salt of
    /// `salt_len` octets is a signature this key may make (RFC 4055 §3.3).
    pub fn allows(&self, hash: DigestAlgorithm, salt_len: usize) -> bool {
        self.hash.is_none_or(|h| h == hash) && salt_len >= self.min_salt_len
    }

    /// The TLS 1.3 schemes the key can be used with, best first: the
    /// `rsa_pss_pss_*` schemes whose hash it allows with a salt as long as
    /// the hash (RFC 9846 §4.2.3). Empty when none fits (a key whose
    /// minimum salt is longer than its hash).
    pub fn schemes(&self) -> &'static [SignatureScheme] {
        use DigestAlgorithm::{Sha256, Sha384, Sha512};
        match self.hash {
            None => PSS_ALL,
            Some(h) if !self.allows(h, digest_len(h)) => &[],
            Some(Sha256) => PSS_SHA256,
            Some(Sha384) => PSS_SHA384,
            Some(Sha512) => PSS_SHA512,
        }
    }
}

/// The output length of `h` in octets: the salt length TLS 1.3 and the
/// Web PKI use with it.
pub(crate) fn digest_len(h: DigestAlgorithm) -> usize {
    match h {
        DigestAlgorithm::Sha256 => 32,
        DigestAlgorithm::Sha384 => 48,
        DigestAlgorithm::Sha512 => 64,
    }
}

/// The restrictions of an `id-RSASSA-PSS` key from its AlgorithmIdentifier
/// `parameters` (absent, or the contents of the SEQUENCE
/// RSASSA-PSS-params, with `is_sequence` saying the tag was SEQUENCE).
/// Refused, with the reason: parameters of another type, a SHA-1 or
/// unknown hash (SHA-1 is the default when `hashAlgorithm` is left out),
/// an MGF other than MGF1 or with another hash than the message's (TLS and
/// X.509 signatures use the same hash for both), a trailerField other than
/// 1 (RFC 8017 §9.1.1 defines only 0xbc), malformed DER.
pub(crate) fn key_params(parameters: Option<(bool, &[u8])>) -> Result<PssKeyParams, &'static str> {
    let Some((is_sequence, body)) = parameters else {
        return Ok(PssKeyParams::UNRESTRICTED);
    };
    if !is_sequence {
        return Err("RSASSA-PSS key parameters are not an RSASSA-PSS-params SEQUENCE");
    }
    const MALFORMED: &str = "malformed RSASSA-PSS-params";
    let mut r = SliceReader::new(body).map_err(|_| MALFORMED)?;
    // Fields in their order, each optional: `explicit` takes one only if
    // its tag is next, so a field out of order or unknown is left over
    // and `finish` refuses it.
    let hash = explicit(&mut r, 0)?;
    let mgf = explicit(&mut r, 1)?;
    let salt = explicit(&mut r, 2)?;
    let trailer = explicit(&mut r, 3)?;
    r.finish().map_err(|_| MALFORMED)?;

    let hash =
        hash_algorithm(hash.ok_or("RSASSA-PSS key restricted to SHA-1 (the default hash)")?)?;
    let mgf = AlgorithmIdentifierRef::from_der(
        mgf.ok_or("RSASSA-PSS key restricted to MGF1 with SHA-1 (the default)")?,
    )
    .map_err(|_| MALFORMED)?;
    if mgf.oid != OID_MGF1 {
        return Err("RSASSA-PSS key with a mask generation function other than MGF1");
    }
    let mgf_hash = mgf
        .parameters
        .ok_or(MALFORMED)?
        .decode_as::<AlgorithmIdentifierRef<'_>>()
        .map_err(|_| MALFORMED)?;
    if hash_of(&mgf_hash)? != hash {
        return Err("RSASSA-PSS key whose MGF1 hash differs from its hash");
    }
    // RFC 4055 §3.1: saltLength DEFAULT 20.
    let min_salt_len = match salt {
        None => 20,
        Some(v) => {
            usize::try_from(u32::from_der(v).map_err(|_| MALFORMED)?).map_err(|_| MALFORMED)?
        }
    };
    if let Some(v) = trailer
        && u8::from_der(v).map_err(|_| MALFORMED)? != 1
    {
        return Err("RSASSA-PSS key with a trailerField other than 1");
    }
    Ok(PssKeyParams {
        hash: Some(hash),
        min_salt_len,
    })
}

/// The contents of the `[n]` EXPLICIT field if it comes next.
fn explicit<'a>(r: &mut SliceReader<'a>, n: u8) -> Result<Option<&'a [u8]>, &'static str> {
    const MALFORMED: &str = "malformed RSASSA-PSS-params";
    if r.is_finished() {
        return Ok(None);
    }
    let want = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(u32::from(n)),
    };
    if Tag::peek(r).map_err(|_| MALFORMED)? != want {
        return Ok(None);
    }
    let any = AnyRef::decode(r).map_err(|_| MALFORMED)?;
    Ok(Some(any.value()))
}

/// A HashAlgorithm (an AlgorithmIdentifier, RFC 4055 §2.1) we accept.
fn hash_algorithm(der: &[u8]) -> Result<DigestAlgorithm, &'static str> {
    let alg = AlgorithmIdentifierRef::from_der(der).map_err(|_| "malformed RSASSA-PSS-params")?;
    hash_of(&alg)
}

fn hash_of(alg: &AlgorithmIdentifierRef<'_>) -> Result<DigestAlgorithm, &'static str> {
    // RFC 4055 §2.1: NULL parameters or none.
    if alg.parameters.is_some_and(|p| !p.is_null()) {
        return Err("malformed RSASSA-PSS-params");
    }
    match alg.oid {
        OID_SHA256 => Ok(DigestAlgorithm::Sha256),
        OID_SHA384 => Ok(DigestAlgorithm::Sha384),
        OID_SHA512 => Ok(DigestAlgorithm::Sha512),
        OID_SHA1 => Err("RSASSA-PSS key restricted to SHA-1"),
        _ => Err("RSASSA-PSS key restricted to a hash we do not support"),
    }
}

/// The restrictions in a parsed AlgorithmIdentifier of `id-RSASSA-PSS`.
pub(crate) fn algorithm_params(
    alg: &AlgorithmIdentifierRef<'_>,
) -> Result<PssKeyParams, &'static str> {
    key_params(
        alg.parameters
            .map(|p| (p.tag() == Tag::Sequence, p.value())),
    )
}

/// An `id-RSASSA-PSS` PKCS#8 key, split for a provider's loader.
pub(crate) struct PssPrivateKey<'a> {
    /// What the key may sign.
    pub params: PssKeyParams,
    /// The RSAPrivateKey (PKCS#1) inside: the providers load that.
    pub pkcs1: &'a [u8],
    /// The key's AlgorithmIdentifier, which its SubjectPublicKeyInfo
    /// repeats (OpenSSL writes both alike): see [`pss_spki`].
    pub algorithm: AlgorithmIdentifierRef<'a>,
}

/// Splits a PKCS#8 key whose algorithm is `id-RSASSA-PSS`. A key no TLS
/// 1.3 scheme can use is refused here, when the configuration is built,
/// rather than at every handshake.
pub(crate) fn pkcs8_key<'a>(
    info: &p256::pkcs8::PrivateKeyInfoRef<'a>,
) -> Result<PssPrivateKey<'a>, Error> {
    let params = algorithm_params(&info.algorithm).map_err(bad_key)?;
    if params.schemes().is_empty() {
        return Err(bad_key(
            "an RSASSA-PSS key whose minimum salt length is longer than its hash: \
             no TLS 1.3 signature scheme can use it (RFC 9846 §4.2.3 signs with a salt \
             as long as the hash)",
        ));
    }
    Ok(PssPrivateKey {
        params,
        pkcs1: info.private_key.as_bytes(),
        algorithm: info.algorithm,
    })
}

/// The SubjectPublicKeyInfo of an RSASSA-PSS key: `rsa_spki` (the same
/// key as `rsaEncryption`, as a provider encodes it) with `algorithm` in
/// place of its AlgorithmIdentifier.
pub(crate) fn pss_spki(
    algorithm: AlgorithmIdentifierRef<'_>,
    rsa_spki: &[u8],
) -> Result<Vec<u8>, Error> {
    const CANNOT: &str = "cannot encode the RSASSA-PSS public key";
    let rsa = SubjectPublicKeyInfoRef::try_from(rsa_spki).map_err(|_| bad_key(CANNOT))?;
    SubjectPublicKeyInfoRef {
        algorithm,
        subject_public_key: rsa.subject_public_key,
    }
    .to_der()
    .map_err(|_| bad_key(CANNOT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::{String, ToString};

    fn params_of(der_hex: &str) -> Result<PssKeyParams, &'static str> {
        let der = hex_decode(der_hex);
        let any = AnyRef::from_der(&der).unwrap();
        key_params(Some((any.tag() == Tag::Sequence, any.value())))
    }

    fn hex_decode(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    const SHA256_ALG: &str = "300d06096086480165030402010500";
    const MGF1_SHA256: &str = "301a06092a864886f70d010108300d06096086480165030402010500";

    fn explicit_hex(n: u8, body: &str) -> String {
        format!("{:02x}{:02x}{body}", 0xa0 + n, body.len() / 2)
    }

    fn seq(fields: &[String]) -> String {
        let body: String = fields.concat();
        format!("30{:02x}{body}", body.len() / 2)
    }

    #[test]
    fn openssl_sha256_params_parse() {
        // As `openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_pss_keygen_md:sha256
        // -pkeyopt rsa_pss_keygen_saltlen:32` writes them.
        let p = params_of(&seq(&[
            explicit_hex(0, SHA256_ALG),
            explicit_hex(1, MGF1_SHA256),
            explicit_hex(2, "020120"),
        ]))
        .unwrap();
        assert_eq!(
            p,
            PssKeyParams {
                hash: Some(DigestAlgorithm::Sha256),
                min_salt_len: 32
            }
        );
        assert_eq!(p.schemes(), [SignatureScheme::RSA_PSS_PSS_SHA256]);
        assert!(p.allows(DigestAlgorithm::Sha256, 32));
        assert!(!p.allows(DigestAlgorithm::Sha256, 31));
        assert!(!p.allows(DigestAlgorithm::Sha384, 48));
    }

    #[test]
    fn defaults_and_refusals() {
        // Salt left out: 20 (RFC 4055 §3.1), below SHA-256's 32: usable.
        let p = params_of(&seq(&[
            explicit_hex(0, SHA256_ALG),
            explicit_hex(1, MGF1_SHA256),
        ]))
        .unwrap();
        assert_eq!(p.min_salt_len, 20);
        // Salt 64 with SHA-256: parses, but no TLS scheme fits.
        let p = params_of(&seq(&[
            explicit_hex(0, SHA256_ALG),
            explicit_hex(1, MGF1_SHA256),
            explicit_hex(2, "020140"),
        ]))
        .unwrap();
        assert!(p.schemes().is_empty());
        // Explicit trailerField 1 is accepted, 2 is not.
        assert!(
            params_of(&seq(&[
                explicit_hex(0, SHA256_ALG),
                explicit_hex(1, MGF1_SHA256),
                explicit_hex(2, "020120"),
                explicit_hex(3, "020101"),
            ]))
            .is_ok()
        );
        assert!(
            params_of(&seq(&[
                explicit_hex(0, SHA256_ALG),
                explicit_hex(1, MGF1_SHA256),
                explicit_hex(3, "020102"),
            ]))
            .is_err()
        );
        // Empty SEQUENCE: SHA-1 and MGF1-SHA-1 by default.
        assert!(params_of("3000").is_err());
        // Hash present, MGF left out (MGF1 with SHA-1).
        assert!(params_of(&seq(&[explicit_hex(0, SHA256_ALG)])).is_err());
        // MGF1 with SHA-384 under SHA-256.
        let mgf1_sha384 = "301a06092a864886f70d010108300d06096086480165030402020500";
        assert!(
            params_of(&seq(&[
                explicit_hex(0, SHA256_ALG),
                explicit_hex(1, mgf1_sha384)
            ]))
            .is_err()
        );
        // Fields out of order.
        assert!(
            params_of(&seq(&[
                explicit_hex(1, MGF1_SHA256),
                explicit_hex(0, SHA256_ALG),
            ]))
            .is_err()
        );
        // NULL instead of a SEQUENCE.
        assert!(params_of("0500").is_err());
        // Trailing garbage inside the SEQUENCE.
        assert!(
            params_of(&seq(&[
                explicit_hex(0, SHA256_ALG),
                explicit_hex(1, MGF1_SHA256),
                "0500".to_string(),
            ]))
            .is_err()
        );
        assert_eq!(key_params(None), Ok(PssKeyParams::UNRESTRICTED));
        assert_eq!(PssKeyParams::UNRESTRICTED.schemes(), PSS_ALL);
    }
}
