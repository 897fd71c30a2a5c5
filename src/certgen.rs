//! A small generator of test and demo certificates — not a CA product.
//!
//! It makes what examples, tests and a local demo server need: a private
//! key of one of our types ([`generate_key`], PKCS#8 DER), a self-signed
//! CA certificate ([`Ca::new`]: `basicConstraints CA:TRUE`, `keyUsage
//! keyCertSign, cRLSign`) and end-entity certificates for DNS names and IP
//! addresses signed by it ([`Ca::issue`]: `subjectAltName`,
//! `basicConstraints CA:FALSE`, `extKeyUsage serverAuth, clientAuth`,
//! `keyUsage digitalSignature`), all X.509 v3 (RFC 5280) in DER, plus
//! [`to_pem`] to write them out. [`Ca::issue_with_eku`] chooses the
//! extKeyUsage (to test a client certificate without clientAuth, say),
//! [`Ca::issue_intermediate`] makes an intermediate CA, so that chains
//! of leaf + intermediate + root are real, and
//! [`Ca::issue_intermediate_with_eku`] one restricted to some purposes (a
//! cross-certificate or bridge, when issued again for the same name and
//! key by another CA). [`self_signed`] makes a self-signed end-entity
//! certificate, for clients that trust exactly that certificate.
//!
//! Every random byte (keys, serial numbers) comes from the caller's
//! [`SecureRandom`]; times are UNIX seconds passed in (the library reads
//! no clock). Certificates are signed with ecdsa-with-SHA256 (P-256 CA),
//! ecdsa-with-SHA384 (P-384 CA), Ed25519, or sha256WithRSAEncryption
//! (RSA CA). The keys are always loaded and used with the RustCrypto
//! provider, whatever the default provider: its signatures draw no
//! randomness, so a certificate is the same bytes for the same inputs
//! (graviola's ECDSA hedges its nonces with the operating system's
//! randomness and does not sign certificates).
//!
//! ```
//! use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
//! use tls13::crypto::OsRandom;
//!
//! let rng = OsRandom;
//! let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
//! let ca = Ca::new("Demo CA", &ca_key, 1_700_000_000, 1_900_000_000, &rng).unwrap();
//! let leaf_key = certgen::generate_key(KeyType::Ed25519, &rng).unwrap();
//! let leaf = ca
//!     .issue(
//!         &[SubjectAltName::Dns("localhost".into()), SubjectAltName::Ip([127, 0, 0, 1].into())],
//!         &leaf_key,
//!         1_700_000_000,
//!         1_800_000_000,
//!         &rng,
//!     )
//!     .unwrap();
//! let pem = certgen::to_pem("CERTIFICATE", &leaf);
//! assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use der::asn1::{
    BitStringRef, GeneralizedTime, Ia5StringRef, ObjectIdentifier, UintRef, UtcTime, Utf8StringRef,
};
use der::{Encode, Header, Length, Tag, TagNumber};
use p256::pkcs8::EncodePrivateKey;
use sha2::Digest;
use zeroize::Zeroizing;

use crate::crypto::sign::{KeyKind, SigningKey};
use crate::crypto::{RngAdapter, SecureRandom, random_array};
use crate::error::Error;

/// The kinds of key the generator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256.
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA with a 2048-bit modulus and e = 65537.
    Rsa2048,
    /// The same, as an RSASSA-PSS key (`id-RSASSA-PSS` without
    /// parameters, RFC 4055 §3.1): it signs only with the
    /// `rsa_pss_pss_*` schemes (RFC 9846 §4.2.3), any of the three hashes.
    /// It can be a leaf's key; certgen does not sign certificates with it.
    RsaPss2048,
    /// ECDSA on P-521 (certificates signed with ecdsa-with-SHA512).
    EcdsaP521,
}

/// A subjectAltName entry of an end-entity certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectAltName {
    /// A DNS name (`dNSName`, IA5String), e.g. `localhost` or `*.example.com`.
    Dns(String),
    /// An IP address (`iPAddress`, 4 or 16 octets).
    Ip(IpAddr),
}

/// A purpose in a leaf's extKeyUsage (RFC 5280 §4.2.1.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtKeyUsage {
    /// id-kp-serverAuth: a TLS server.
    ServerAuth,
    /// id-kp-clientAuth: a TLS client.
    ClientAuth,
    /// id-kp-codeSigning: neither (for negative tests).
    CodeSigning,
    /// anyExtendedKeyUsage (2.5.29.37.0): every purpose, in the
    /// unrestricted form of a cross-certificate; refused in a TLS end
    /// entity (CABF BR 7.1.2.7.10).
    Any,
}

/// Generates a private key of `kind` as PKCS#8 DER (zeroized on drop).
///
/// Random draws: P-256/P-384/P-521 32/48/66 bytes per attempt (redrawn
/// while not a valid scalar; P-521's top 7 bits cleared); Ed25519 32 bytes (the seed); RSA as many as the prime
/// search takes.
pub fn generate_key(kind: KeyType, rng: &dyn SecureRandom) -> Result<Zeroizing<Vec<u8>>, Error> {
    let der = match kind {
        KeyType::EcdsaP256 => ec_secret::<p256::NistP256, 32>(rng)?.to_pkcs8_der(),
        KeyType::EcdsaP384 => ec_secret::<p384::NistP384, 48>(rng)?.to_pkcs8_der(),
        KeyType::EcdsaP521 => ec_secret::<p521::NistP521, 66>(rng)?.to_pkcs8_der(),
        KeyType::Ed25519 => {
            let seed = random_array::<32>(rng)?;
            // PKCS#8 v1 (RFC 8410 §7, no public key): OpenSSL 3.0 does not
            // read the v2 form that ed25519-dalek writes by default.
            // KeypairBytes zeroizes its secret on drop.
            let pair = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: *seed,
                public_key: None,
            };
            pair.to_pkcs8_der()
        }
        KeyType::Rsa2048 => {
            let key = rsa::PrivateKey::new(&mut RngAdapter(rng), 2048).map_err(|e| match e {
                rsa::Error::Rng => Error::RandomFailed,
                e => Error::SigningFailed(alloc::format!("RSA key generation: {e}")),
            })?;
            key.to_pkcs8_der()
        }
        KeyType::RsaPss2048 => {
            let key = rsa::PrivateKey::new(&mut RngAdapter(rng), 2048).map_err(|e| match e {
                rsa::Error::Rng => Error::RandomFailed,
                e => Error::SigningFailed(alloc::format!("RSA key generation: {e}")),
            })?;
            rsa_pss_pkcs8(&key)
        }
    };
    let der = der.map_err(|_| Error::Internal("PKCS#8 encoding of a generated key"))?;
    Ok(Zeroizing::new(der.as_bytes().to_vec()))
}

/// `key` as a PKCS#8 `id-RSASSA-PSS` key without parameters (the `rsa`
/// crate writes `rsaEncryption`).
fn rsa_pss_pkcs8(key: &rsa::PrivateKey) -> p256::pkcs8::Result<der::SecretDocument> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let pkcs1 = key
        .to_pkcs1_der()
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    let info = p256::pkcs8::PrivateKeyInfoRef::new(
        p256::pkcs8::spki::AlgorithmIdentifierRef {
            oid: crate::crypto::sign::OID_RSASSA_PSS,
            parameters: None,
        },
        der::asn1::OctetStringRef::new(pkcs1.as_bytes())?,
    );
    Ok(der::SecretDocument::encode_msg(&info)?)
}

fn ec_secret<C, const N: usize>(
    rng: &dyn SecureRandom,
) -> Result<p256::elliptic_curve::SecretKey<C>, Error>
where
    C: p256::elliptic_curve::CurveArithmetic,
{
    // P-521's order is just below 2^521: the top 7 bits of its 66 bytes
    // are cleared, or almost every draw would be out of range.
    let top = if N == 66 { 0x01 } else { 0xff };
    for _ in 0..8 {
        let mut raw = random_array::<N>(rng)?;
        if let Some(first) = raw.first_mut() {
            *first &= top;
        }
        if let Ok(sk) = p256::elliptic_curve::SecretKey::<C>::from_slice(raw.as_ref()) {
            return Ok(sk);
        }
    }
    Err(Error::RandomFailed)
}

/// PEM text for one DER object (`label` is e.g. `CERTIFICATE` or
/// `PRIVATE KEY`), 64-character lines as RFC 7468 §2 asks.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    crate::crypto::pem::encode(label, der)
}

/// A self-signed certificate authority that can issue end-entity
/// certificates.
pub struct Ca {
    key: SigningKey,
    cert_der: Vec<u8>,
    name_der: Vec<u8>,
    key_id: Vec<u8>,
}

impl Ca {
    /// Makes a self-signed CA certificate with subject/issuer
    /// `CN=common_name`, for the PKCS#8 (or SEC1/PKCS#1) `key_der`, valid
    /// from `not_before` to `not_after` (UNIX seconds). Draws 16 bytes
    /// (the serial number).
    pub fn new(
        common_name: &str,
        key_der: &[u8],
        not_before: u64,
        not_after: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Self, Error> {
        let key = load_key(key_der)?;
        let spki = key.public_key_spki();
        let name_der = name(common_name).map_err(der_err)?;
        let key_id = key_identifier(&spki);
        let extensions = (|| -> der::Result<Vec<Vec<u8>>> {
            Ok(alloc::vec![
                // RFC 5280 §4.2.1.9: basicConstraints critical in CA certificates.
                extension(OID_BASIC_CONSTRAINTS, true, &seq(&[&enc(&true)?])?)?,
                // §4.2.1.3: keyCertSign (bit 5) and cRLSign (bit 6).
                extension(OID_KEY_USAGE, true, &enc(&BitStringRef::new(1, &[0x06])?)?)?,
                extension(OID_SUBJECT_KEY_ID, false, &octets(&key_id)?)?,
            ])
        })()
        .map_err(der_err)?;
        let cert_der = build(
            &key,
            &name_der,
            &name_der,
            &spki,
            not_before,
            not_after,
            &extensions,
            rng,
        )?;
        Ok(Self {
            key,
            cert_der,
            name_der,
            key_id,
        })
    }

    /// The CA certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Issues an end-entity certificate for `names` (at least one) and the
    /// private key `leaf_key_der` (only its public half is used), valid
    /// from `not_before` to `not_after` (UNIX seconds). The subject is
    /// `CN=` the first name. Draws 16 bytes (the serial number).
    pub fn issue(
        &self,
        names: &[SubjectAltName],
        leaf_key_der: &[u8],
        not_before: u64,
        not_after: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        let spki = load_key(leaf_key_der)?.public_key_spki();
        self.issue_for_spki(names, &spki, not_before, not_after, rng)
    }

    /// As [`Ca::issue`], for a public key given as DER SubjectPublicKeyInfo.
    pub fn issue_for_spki(
        &self,
        names: &[SubjectAltName],
        spki: &[u8],
        not_before: u64,
        not_after: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        self.issue_with_eku(
            names,
            spki,
            &[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth],
            not_before,
            not_after,
            rng,
        )
    }

    /// As [`Ca::issue_for_spki`], with the extKeyUsage purposes `eku` (in
    /// this order); an empty list leaves the extension out (any purpose,
    /// RFC 5280 §4.2.1.12).
    pub fn issue_with_eku(
        &self,
        names: &[SubjectAltName],
        spki: &[u8],
        eku: &[ExtKeyUsage],
        not_before: u64,
        not_after: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        let (extensions, subject) = leaf_extensions(names, spki, eku, &self.key_id)?;
        build(
            &self.key,
            &self.name_der,
            &subject,
            spki,
            not_before,
            not_after,
            &extensions,
            rng,
        )
    }
}

/// The subject (`CN=` the first name) and extensions of an end-entity
/// certificate: subjectAltName `names`, extKeyUsage `eku` (left out when
/// empty), digitalSignature, and the key identifiers (`issuer_key_id` in
/// the authorityKeyIdentifier).
fn leaf_extensions(
    names: &[SubjectAltName],
    spki: &[u8],
    eku: &[ExtKeyUsage],
    issuer_key_id: &[u8],
) -> Result<(Vec<Vec<u8>>, Vec<u8>), Error> {
    let first = names
        .first()
        .ok_or_else(|| Error::BadConfig("certgen: a leaf needs at least one name".into()))?;
    let cn = match first {
        SubjectAltName::Dns(d) => d.clone(),
        SubjectAltName::Ip(ip) => alloc::format!("{ip}"),
    };
    let ext = || -> der::Result<(Vec<Vec<u8>>, Vec<u8>)> {
        let mut general_names = Vec::new();
        for n in names {
            general_names.push(match n {
                // RFC 5280 §4.2.1.6: dNSName [2] IA5String, iPAddress [7] OCTET STRING.
                SubjectAltName::Dns(d) => implicit(2, &enc(&Ia5StringRef::new(d.as_str())?)?)?,
                SubjectAltName::Ip(IpAddr::V4(a)) => implicit(7, &octets(&a.octets())?)?,
                SubjectAltName::Ip(IpAddr::V6(a)) => implicit(7, &octets(&a.octets())?)?,
            });
        }
        let san = seq(&general_names.iter().map(Vec::as_slice).collect::<Vec<_>>())?;
        let aki = seq(&[&implicit(0, &octets(issuer_key_id)?)?])?;
        let mut purposes = Vec::new();
        for p in eku {
            purposes.push(enc(&eku_oid(*p))?);
        }
        let mut extensions = alloc::vec![
            // CA:FALSE is the DEFAULT, so DER leaves the SEQUENCE empty.
            extension(OID_BASIC_CONSTRAINTS, true, &seq(&[])?)?,
            // digitalSignature (bit 0).
            extension(OID_KEY_USAGE, true, &enc(&BitStringRef::new(7, &[0x80])?)?)?,
        ];
        if !purposes.is_empty() {
            let refs: Vec<&[u8]> = purposes.iter().map(Vec::as_slice).collect();
            extensions.push(extension(OID_EXT_KEY_USAGE, false, &seq(&refs)?)?);
        }
        extensions.extend([
            // §4.2.1.6: critical only if the subject is empty; ours is not.
            extension(OID_SUBJECT_ALT_NAME, false, &san)?,
            extension(OID_SUBJECT_KEY_ID, false, &octets(&key_identifier(spki))?)?,
            extension(OID_AUTHORITY_KEY_ID, false, &aki)?,
        ]);
        Ok((extensions, name(&cn)?))
    };
    ext().map_err(der_err)
}

/// A self-signed end-entity certificate for `names` and the private key
/// `key_der` (which signs it): what a demo or test server can present when
/// its clients trust exactly this certificate. Like [`Ca::issue`]'s leaves
/// (`basicConstraints CA:FALSE`, `keyUsage digitalSignature`, `extKeyUsage
/// serverAuth, clientAuth`), with issuer = subject. Draws 16 bytes (the
/// serial number).
pub fn self_signed(
    names: &[SubjectAltName],
    key_der: &[u8],
    not_before: u64,
    not_after: u64,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, Error> {
    let key = load_key(key_der)?;
    let spki = key.public_key_spki();
    let (extensions, subject) = leaf_extensions(
        names,
        &spki,
        &[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth],
        &key_identifier(&spki),
    )?;
    build(
        &key,
        &subject,
        &subject,
        &spki,
        not_before,
        not_after,
        &extensions,
        rng,
    )
}

impl Ca {
    /// Issues an intermediate CA certificate for `CN=common_name` and the
    /// private key `key_der`, signed by this CA, valid from `not_before`
    /// to `not_after` (UNIX seconds): `basicConstraints CA:TRUE` (with
    /// `pathLenConstraint` when `path_len` is set), `keyUsage
    /// keyCertSign, cRLSign`, subject and authority key identifiers. The
    /// returned [`Ca`] issues leaves (or further intermediates) under it;
    /// a peer sends leaf, then [`Ca::cert_der`] of the intermediate. Draws
    /// 16 bytes (the serial number).
    pub fn issue_intermediate(
        &self,
        common_name: &str,
        key_der: &[u8],
        path_len: Option<u8>,
        not_before: u64,
        not_after: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Ca, Error> {
        self.issue_intermediate_with_eku(
            common_name,
            key_der,
            path_len,
            &[],
            not_before,
            not_after,
            rng,
        )
    }

    /// As [`Ca::issue_intermediate`], with the extKeyUsage purposes `eku`
    /// (in this order; an empty list leaves the extension out). A CA's
    /// extKeyUsage restricts what it may certify in the Web PKI: e.g. a
    /// cross-certificate restricted to [`ExtKeyUsage::ClientAuth`], or the
    /// unrestricted form [`ExtKeyUsage::Any`]. Issuing again for the same
    /// name and key from another CA makes a cross-certificate (or a
    /// bridge); each returned [`Ca`] issues under that one name and key.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_intermediate_with_eku(
        &self,
        common_name: &str,
        key_der: &[u8],
        path_len: Option<u8>,
        eku: &[ExtKeyUsage],
        not_before: u64,
        not_after: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Ca, Error> {
        let key = load_key(key_der)?;
        let spki = key.public_key_spki();
        let name_der = name(common_name).map_err(der_err)?;
        let key_id = key_identifier(&spki);
        let extensions = (|| -> der::Result<Vec<Vec<u8>>> {
            let bc = match path_len {
                Some(n) => seq(&[&enc(&true)?, &enc(&n)?])?,
                None => seq(&[&enc(&true)?])?,
            };
            let mut extensions = alloc::vec![
                extension(OID_BASIC_CONSTRAINTS, true, &bc)?,
                extension(OID_KEY_USAGE, true, &enc(&BitStringRef::new(1, &[0x06])?)?)?,
                extension(OID_SUBJECT_KEY_ID, false, &octets(&key_id)?)?,
                // RFC 5280 §4.2.1.1: required in every certificate that is
                // not self-signed.
                extension(
                    OID_AUTHORITY_KEY_ID,
                    false,
                    &seq(&[&implicit(0, &octets(&self.key_id)?)?])?,
                )?,
            ];
            if !eku.is_empty() {
                let purposes = eku
                    .iter()
                    .map(|p| enc(&eku_oid(*p)))
                    .collect::<der::Result<Vec<_>>>()?;
                let refs: Vec<&[u8]> = purposes.iter().map(Vec::as_slice).collect();
                extensions.push(extension(OID_EXT_KEY_USAGE, false, &seq(&refs)?)?);
            }
            Ok(extensions)
        })()
        .map_err(der_err)?;
        let cert_der = build(
            &self.key,
            &self.name_der,
            &name_der,
            &spki,
            not_before,
            not_after,
            &extensions,
            rng,
        )?;
        Ok(Ca {
            key,
            cert_der,
            name_der,
            key_id,
        })
    }
}

const OID_ANY_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
const OID_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const OID_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

fn eku_oid(p: ExtKeyUsage) -> ObjectIdentifier {
    match p {
        ExtKeyUsage::ServerAuth => OID_SERVER_AUTH,
        ExtKeyUsage::ClientAuth => OID_CLIENT_AUTH,
        ExtKeyUsage::CodeSigning => OID_CODE_SIGNING,
        ExtKeyUsage::Any => OID_ANY_EKU,
    }
}

fn der_err(e: der::Error) -> Error {
    Error::BadConfig(alloc::format!("certgen: {e}"))
}

fn enc<T: Encode + ?Sized>(v: &T) -> der::Result<Vec<u8>> {
    v.to_der()
}

fn tlv(tag: Tag, parts: &[&[u8]]) -> der::Result<Vec<u8>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Header::new(tag, Length::try_from(len)?).to_der()?;
    for p in parts {
        out.extend_from_slice(p);
    }
    Ok(out)
}

fn octets(bytes: &[u8]) -> der::Result<Vec<u8>> {
    tlv(Tag::OctetString, &[bytes])
}

fn seq(parts: &[&[u8]]) -> der::Result<Vec<u8>> {
    tlv(Tag::Sequence, parts)
}

/// `[n] EXPLICIT` around one encoded value.
fn explicit(n: u8, inner: &[u8]) -> der::Result<Vec<u8>> {
    tlv(
        Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(n.into()),
        },
        &[inner],
    )
}

/// `[n] IMPLICIT` for a primitive value: the encoded value with its tag
/// replaced (the value octets stay the same).
fn implicit(n: u8, encoded: &[u8]) -> der::Result<Vec<u8>> {
    let mut r = der::SliceReader::new(encoded)?;
    let header = <Header as der::Decode>::decode(&mut r)?;
    let value = der::Reader::read_slice(&mut r, header.length())?;
    tlv(
        Tag::ContextSpecific {
            constructed: false,
            number: TagNumber(n.into()),
        },
        &[value],
    )
}

/// `Name ::= SEQUENCE OF SET OF AttributeTypeAndValue`, one CN.
fn name(common_name: &str) -> der::Result<Vec<u8>> {
    let atv = seq(&[
        &enc(&OID_COMMON_NAME)?,
        &enc(&Utf8StringRef::new(common_name)?)?,
    ])?;
    seq(&[&tlv(Tag::Set, &[&atv])?])
}

fn extension(oid: ObjectIdentifier, critical: bool, value: &[u8]) -> der::Result<Vec<u8>> {
    let oid = enc(&oid)?;
    let value = octets(value)?;
    if critical {
        seq(&[&oid, &enc(&true)?, &value])
    } else {
        // DEFAULT FALSE is omitted in DER.
        seq(&[&oid, &value])
    }
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
fn time(unix: u64) -> der::Result<Vec<u8>> {
    let d = core::time::Duration::from_secs(unix);
    if unix < 2_524_608_000 {
        enc(&UtcTime::from_unix_duration(d)?)
    } else {
        enc(&GeneralizedTime::from_unix_duration(d)?)
    }
}

/// RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the
/// subjectPublicKey BIT STRING value (here: of the whole SPKI, which is as
/// unique and simpler to compute).
fn key_identifier(spki: &[u8]) -> Vec<u8> {
    let h = sha2::Sha256::digest(spki);
    h.iter().take(20).copied().collect()
}

#[allow(clippy::too_many_arguments)]
fn build(
    issuer_key: &SigningKey,
    issuer: &[u8],
    subject: &[u8],
    spki: &[u8],
    not_before: u64,
    not_after: u64,
    extensions: &[Vec<u8>],
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, Error> {
    if not_after < not_before {
        return Err(Error::BadConfig(
            "certgen: validity ends before it starts".into(),
        ));
    }
    // RFC 5280 §4.1.2.2: positive, at most 20 octets. 127 random bits.
    let mut serial = random_array::<16>(rng)?;
    let [first, ..] = &mut *serial;
    *first &= 0x7f;
    *first |= 0x01 << 6; // never a leading zero octet, so always 16 octets
    if matches!(issuer_key.kind(), KeyKind::RsaPss { .. }) {
        return Err(Error::SigningFailed(
            "certgen does not sign with RSASSA-PSS keys".into(),
        ));
    }
    let alg = algorithm_id(issuer_key.kind()).map_err(der_err)?;
    let tbs = tbs_der(
        serial.as_ref(),
        &alg,
        issuer,
        subject,
        spki,
        not_before,
        not_after,
        extensions,
    )
    .map_err(der_err)?;
    let sig = issuer_key.sign_x509(&tbs)?;
    (|| seq(&[&tbs, &alg, &enc(&BitStringRef::new(0, &sig)?)?]))().map_err(der_err)
}

fn algorithm_id(kind: KeyKind) -> der::Result<Vec<u8>> {
    Ok(match kind {
        KeyKind::EcdsaP256 => seq(&[&enc(&OID_ECDSA_SHA256)?])?,
        KeyKind::EcdsaP384 => seq(&[&enc(&OID_ECDSA_SHA384)?])?,
        KeyKind::EcdsaP521 => seq(&[&enc(&OID_ECDSA_SHA512)?])?,
        KeyKind::Ed25519 => seq(&[&enc(&OID_ED25519)?])?,
        KeyKind::Rsa(_) => seq(&[&enc(&OID_SHA256_RSA)?, &enc(&der::asn1::Null)?])?,
        // Refused by the caller.
        KeyKind::RsaPss { .. } => return Err(der::ErrorKind::Failed.into()),
    })
}

#[allow(clippy::too_many_arguments)]
fn tbs_der(
    serial: &[u8],
    alg: &[u8],
    issuer: &[u8],
    subject: &[u8],
    spki: &[u8],
    not_before: u64,
    not_after: u64,
    extensions: &[Vec<u8>],
) -> der::Result<Vec<u8>> {
    let ext_refs: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
    seq(&[
        &explicit(0, &enc(&2u8)?)?, // version v3
        &enc(&UintRef::new(serial)?)?,
        alg,
        issuer,
        &seq(&[&time(not_before)?, &time(not_after)?])?,
        subject,
        spki,
        &explicit(3, &seq(&ext_refs)?)?,
    ])
}

/// A key for signing certificates: RustCrypto's (see the module
/// documentation), so that certificates replay.
fn load_key(der: &[u8]) -> Result<SigningKey, Error> {
    crate::crypto::rustcrypto::provider().load_private_key(der)
}
