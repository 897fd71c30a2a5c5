//! Project Wycheproof RSA-PSS vectors with the key as an `id-RSASSA-PSS`
//! SubjectPublicKeyInfo (RFC 4055 §3.1), through `sign::verify_with` (the
//! handshake's CertificateVerify check, with the `rsa_pss_pss_*` schemes
//! of RFC 9846 §4.2.3) and `x509::verify_signed_data` (certificate
//! signatures), with every provider:
//!
//! - `rsa_pss_2048_sha256_mgf1_32_params_test.json` gives the key as
//!   Wycheproof encodes it: id-RSASSA-PSS with RSASSA-PSS-params (SHA-256,
//!   MGF1-SHA-256, salt 32). Every `valid` case verifies with
//!   `rsa_pss_pss_sha256`, every `invalid` one is refused, and the key's
//!   restrictions refuse every other scheme before any arithmetic.
//! - The other RSA-PSS files give an `rsaEncryption` key; the same modulus
//!   is re-wrapped here as an id-RSASSA-PSS key, once without parameters
//!   (unrestricted) and once restricted to the file's hash and salt, so
//!   that each of `rsa_pss_pss_sha256/384/512` runs every vector of its
//!   hash, with the file's verdicts.

mod common;

use serde_json::Value;
use tls13::crypto::CryptoProvider;
use tls13::crypto::sign::{self, PssKeyParams, VerifyError};
use tls13::unstable::msgs::enums::SignatureScheme;
use tls13::x509::{SigError, verify_signed_data};

fn load(name: &str) -> Value {
    let path = format!("{}/vectors/wycheproof/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hex_field(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("field {key}"))).unwrap()
}

/// DER TLV with a definite length.
fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(body);
    out
}

const RSASSA_PSS_OID: &str = "06092a864886f70d01010a";

/// The OID of SHA-256/384/512 (`2.16.840.1.101.3.4.2.n`).
fn hash_oid(n: u8) -> Vec<u8> {
    let mut v = hex::decode("0609608648016503040200").unwrap();
    *v.last_mut().unwrap() = n;
    v
}

/// RSASSA-PSS-params: hash `n` (1, 2, 3 = SHA-256, 384, 512), MGF1 with
/// the same hash, `salt`.
fn pss_params(n: u8, salt: u8) -> Vec<u8> {
    let hash_alg = tlv(0x30, &[hash_oid(n), hex::decode("0500").unwrap()].concat());
    let mgf = tlv(
        0x30,
        &[
            hex::decode("06092a864886f70d010108").unwrap(),
            hash_alg.clone(),
        ]
        .concat(),
    );
    tlv(
        0x30,
        &[
            tlv(0xa0, &hash_alg),
            tlv(0xa1, &mgf),
            tlv(0xa2, &tlv(0x02, &[salt])),
        ]
        .concat(),
    )
}

/// An id-RSASSA-PSS AlgorithmIdentifier, with `params` if given.
fn pss_alg(params: Option<&[u8]>) -> Vec<u8> {
    let mut body = hex::decode(RSASSA_PSS_OID).unwrap();
    body.extend_from_slice(params.unwrap_or_default());
    tlv(0x30, &body)
}

/// An id-RSASSA-PSS SubjectPublicKeyInfo for the DER RSAPublicKey `key`.
fn pss_spki(key: &[u8], params: Option<&[u8]>) -> Vec<u8> {
    let mut bits = vec![0];
    bits.extend_from_slice(key);
    tlv(0x30, &[pss_alg(params), tlv(0x03, &bits)].concat())
}

struct Counts {
    valid: usize,
    invalid: usize,
}

/// Runs every vector of `file` with `spki` and `scheme` (TLS) and, when
/// `x509_alg` is given, as a certificate signature under that
/// AlgorithmIdentifier. Returns the verdicts for `same_verdicts`.
fn run(
    p: &'static CryptoProvider,
    file: &str,
    spki_of: &dyn Fn(&Value) -> Vec<u8>,
    scheme: SignatureScheme,
    x509_alg: Option<&[u8]>,
) -> (Counts, Vec<(u64, bool)>) {
    let data = load(file);
    let mut counts = Counts {
        valid: 0,
        invalid: 0,
    };
    let mut verdicts = Vec::new();
    for g in data["testGroups"].as_array().unwrap() {
        let spki = spki_of(g);
        for t in g["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let (msg, sig) = (hex_field(t, "msg"), hex_field(t, "sig"));
            let tls = sign::verify_with(p.signatures, &spki, scheme, &msg, &sig, 2048);
            let cert =
                x509_alg.map(|alg| verify_signed_data(p.signatures, &spki, alg, &msg, &sig, 2048));
            match t["result"].as_str().unwrap() {
                "valid" => {
                    counts.valid += 1;
                    assert_eq!(tls, Ok(()), "tc {id} {}", t["comment"]);
                    if let Some(c) = &cert {
                        assert_eq!(c, &Ok(()), "tc {id} (x509) {}", t["comment"]);
                    }
                }
                "invalid" => {
                    counts.invalid += 1;
                    assert_eq!(
                        tls,
                        Err(VerifyError::BadSignature),
                        "tc {id} {}",
                        t["comment"]
                    );
                    if let Some(c) = &cert {
                        assert_eq!(c, &Err(SigError::BadSignature), "tc {id} (x509)");
                    }
                }
                other => panic!("tc {id}: result {other} (none expected in this file)"),
            }
            verdicts.push((id, tls.is_ok()));
        }
    }
    assert!(counts.valid > 0 && counts.invalid > 0);
    (counts, verdicts)
}

/// Every provider gives the same verdicts.
fn same_verdicts(f: impl Fn(&'static CryptoProvider) -> Vec<(u64, bool)>) {
    let providers = common::providers();
    let first = f(providers[0]);
    for p in &providers[1..] {
        assert_eq!(first, f(p), "{} and {} differ", providers[0].name, p.name);
    }
}

#[test]
fn wycheproof_pss_params_key_with_rsa_pss_pss_sha256() {
    let file = "rsa_pss_2048_sha256_mgf1_32_params_test.json";
    let data = load(file);
    let g = &data["testGroups"][0];
    let spki = hex_field(g, "publicKeyDer");
    // The file's SPKI is id-RSASSA-PSS with SHA-256 / MGF1-SHA-256 / 32.
    assert_eq!(
        sign::spki_pss_params(&spki),
        Ok(Some(PssKeyParams {
            hash: Some(sign::DigestAlgorithm::Sha256),
            min_salt_len: 32
        }))
    );
    assert_eq!(sign::spki_rsa_bits(&spki), Some(2048));
    // Its AlgorithmIdentifier (after the outer SEQUENCE header) is the
    // one a certificate signed with this key under these parameters
    // carries (RFC 4055 §3.1: parameters present in a signature).
    let alg_len = 2 + spki[5] as usize;
    let alg = spki[4..4 + alg_len].to_vec();
    same_verdicts(|p| {
        let (c, v) = run(
            p,
            file,
            &|g| hex_field(g, "publicKeyDer"),
            SignatureScheme::RSA_PSS_PSS_SHA256,
            Some(&alg),
        );
        eprintln!(
            "{file} [{}]: valid/invalid = {}/{}",
            p.name, c.valid, c.invalid
        );
        v
    });

    // Everything the key's OID and parameters forbid is refused as a
    // mismatch, before any arithmetic, whatever the signature.
    let t = &g["tests"][0];
    assert_eq!(t["result"], "valid");
    let (msg, sig) = (hex_field(t, "msg"), hex_field(t, "sig"));
    for p in common::providers() {
        for scheme in [
            // RFC 9846 §4.2.3: rsae schemes are for rsaEncryption keys.
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA384,
            // RFC 4055 §3.3: the key is restricted to SHA-256.
            SignatureScheme::RSA_PSS_PSS_SHA384,
            SignatureScheme::RSA_PSS_PSS_SHA512,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ] {
            assert_eq!(
                sign::verify_with(p.signatures, &spki, scheme, &msg, &sig, 2048),
                Err(VerifyError::SchemeMismatch),
                "{scheme:?} [{}]",
                p.name
            );
        }
        // RSA ≥ 2048 holds for PSS keys too.
        assert_eq!(
            sign::verify_with(
                p.signatures,
                &spki,
                SignatureScheme::RSA_PSS_PSS_SHA256,
                &msg,
                &sig,
                3072
            ),
            Err(VerifyError::RsaKeyTooSmall(2048, 3072))
        );
        // As a certificate signature: SHA-384 PSS, and PKCS#1 v1.5, are
        // refused by the key's restrictions.
        let sha384_alg = pss_alg(Some(&pss_params(2, 48)));
        assert_eq!(
            verify_signed_data(p.signatures, &spki, &sha384_alg, &msg, &sig, 2048),
            Err(SigError::KeyMismatch)
        );
        let sha256_rsa = hex::decode("300d06092a864886f70d01010b0500").unwrap();
        assert_eq!(
            verify_signed_data(p.signatures, &spki, &sha256_rsa, &msg, &sig, 2048),
            Err(SigError::KeyMismatch)
        );
    }
}

/// Each file's modulus as an id-RSASSA-PSS key, unrestricted and
/// restricted to the file's hash and salt: the file's verdicts with the
/// `rsa_pss_pss_*` scheme of its hash.
fn rewrapped(file: &str, hash: u8, salt: u8, scheme: SignatureScheme) {
    let params = pss_params(hash, salt);
    let sig_alg = pss_alg(Some(&params));
    same_verdicts(|p| {
        let (c, unrestricted) = run(
            p,
            file,
            &|g| pss_spki(&hex_field(g, "publicKeyAsn"), None),
            scheme,
            Some(&sig_alg),
        );
        let (_, restricted) = run(
            p,
            file,
            &|g| pss_spki(&hex_field(g, "publicKeyAsn"), Some(&params)),
            scheme,
            Some(&sig_alg),
        );
        assert_eq!(unrestricted, restricted);
        eprintln!(
            "{file} as id-RSASSA-PSS [{}]: valid/invalid = {}/{} (twice)",
            p.name, c.valid, c.invalid
        );
        unrestricted
    });
    // The rsaEncryption key of the file does not take the pss_pss scheme,
    // nor the PSS key the rsae one.
    let data = load(file);
    let g = &data["testGroups"][0];
    let t = &g["tests"][0];
    let (msg, sig) = (hex_field(t, "msg"), hex_field(t, "sig"));
    let rsae = match scheme {
        SignatureScheme::RSA_PSS_PSS_SHA256 => SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RSA_PSS_PSS_SHA384 => SignatureScheme::RSA_PSS_RSAE_SHA384,
        _ => SignatureScheme::RSA_PSS_RSAE_SHA512,
    };
    let rsa_spki = hex_field(g, "publicKeyDer");
    let pss = pss_spki(&hex_field(g, "publicKeyAsn"), None);
    assert_eq!(sign::spki_pss_params(&rsa_spki), Ok(None));
    assert_eq!(
        sign::spki_pss_params(&pss),
        Ok(Some(PssKeyParams::UNRESTRICTED))
    );
    assert_eq!(sign::verify(&rsa_spki, rsae, &msg, &sig, 2048), Ok(()));
    assert_eq!(
        sign::verify(&rsa_spki, scheme, &msg, &sig, 2048),
        Err(VerifyError::SchemeMismatch)
    );
    assert_eq!(
        sign::verify(&pss, rsae, &msg, &sig, 2048),
        Err(VerifyError::SchemeMismatch)
    );
}

#[test]
fn wycheproof_2048_sha256_as_pss_key() {
    rewrapped(
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        1,
        32,
        SignatureScheme::RSA_PSS_PSS_SHA256,
    );
}

#[test]
fn wycheproof_2048_sha384_as_pss_key() {
    rewrapped(
        "rsa_pss_2048_sha384_mgf1_48_test.json",
        2,
        48,
        SignatureScheme::RSA_PSS_PSS_SHA384,
    );
}

#[test]
fn wycheproof_4096_sha512_as_pss_key() {
    rewrapped(
        "rsa_pss_4096_sha512_mgf1_64_test.json",
        3,
        64,
        SignatureScheme::RSA_PSS_PSS_SHA512,
    );
}

/// Parameters we cannot honour make the key unusable (`UnsupportedKey`),
/// not unrestricted: SHA-1 (the default when the hash is left out), an
/// MGF1 hash other than the hash, a salt longer than any TLS signature's.
#[test]
fn unusable_pss_parameters_refuse_the_key() {
    let data = load("rsa_pss_2048_sha256_mgf1_32_test.json");
    let g = &data["testGroups"][0];
    let key = hex_field(g, "publicKeyAsn");
    let t = &g["tests"][0];
    let (msg, sig) = (hex_field(t, "msg"), hex_field(t, "sig"));
    let sha256 = tlv(0x30, &[hash_oid(1), hex::decode("0500").unwrap()].concat());
    let mgf1_sha384 = tlv(
        0x30,
        &[
            hex::decode("06092a864886f70d010108").unwrap(),
            tlv(0x30, &[hash_oid(2), hex::decode("0500").unwrap()].concat()),
        ]
        .concat(),
    );
    for params in [
        // Empty RSASSA-PSS-params: SHA-1, MGF1-SHA-1, salt 20.
        tlv(0x30, &[]),
        tlv(
            0x30,
            &[tlv(0xa0, &sha256), tlv(0xa1, &mgf1_sha384)].concat(),
        ),
        // NULL is not RSASSA-PSS-params.
        vec![0x05, 0x00],
    ] {
        let spki = pss_spki(&key, Some(&params));
        assert_eq!(
            sign::spki_pss_params(&spki),
            Err(VerifyError::UnsupportedKey)
        );
        assert_eq!(
            sign::verify(&spki, SignatureScheme::RSA_PSS_PSS_SHA256, &msg, &sig, 2048),
            Err(VerifyError::UnsupportedKey)
        );
        let alg = pss_alg(Some(&pss_params(1, 32)));
        for p in common::providers() {
            assert!(matches!(
                verify_signed_data(p.signatures, &spki, &alg, &msg, &sig, 2048),
                Err(SigError::UnsupportedKey(_))
            ));
        }
    }
    // Salt at least 64 with SHA-256: a well-formed key that no TLS 1.3
    // signature (salt = hash length) and no certificate signature we
    // accept can satisfy.
    let spki = pss_spki(&key, Some(&pss_params(1, 64)));
    assert_eq!(
        sign::spki_pss_params(&spki).unwrap().unwrap().schemes(),
        &[] as &[SignatureScheme]
    );
    assert_eq!(
        sign::verify(&spki, SignatureScheme::RSA_PSS_PSS_SHA256, &msg, &sig, 2048),
        Err(VerifyError::SchemeMismatch)
    );
    let alg = pss_alg(Some(&pss_params(1, 32)));
    assert_eq!(
        verify_signed_data(
            tls13::crypto::default_provider().signatures,
            &spki,
            &alg,
            &msg,
            &sig,
            2048
        ),
        Err(SigError::KeyMismatch)
    );
}
