//! AES-128-CCM and AES-128-CCM-8 known answers with TLS 1.3's parameters
//! (12-byte nonce; 16- and 8-byte tags), through `crypto::aead` for every
//! provider (graviola's are RustCrypto's; both are run anyway, as they are
//! reached through different provider tables). The file holds NIST SP
//! 800-38C Example 3 (exactly TLS_AES_128_CCM_8_SHA256's shape) and
//! answers from an independent CCM (pyca/cryptography, i.e. OpenSSL):
//! see `vectors/ccm/gen.py` and `vectors/README.md`.

mod common;

use serde_json::Value;
use tls13::Error;
use tls13::crypto::aead::AeadAlgorithm;
use tls13::crypto::suites;
use tls13::unstable::msgs::enums::CipherSuite;

fn load() -> Value {
    let path = format!(
        "{}/vectors/ccm/aes_128_ccm_tls.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(t: &Value, field: &str) -> Vec<u8> {
    hex::decode(t[field].as_str().unwrap()).unwrap()
}

#[test]
fn aes_128_ccm_vectors_every_provider() {
    let v = load();
    for p in common::providers() {
        let (mut valid, mut invalid, mut nist) = (0, 0, false);
        for g in v["testGroups"].as_array().unwrap() {
            assert_eq!(
                (g["keySize"].as_u64(), g["ivSize"].as_u64()),
                (Some(128), Some(96))
            );
            let alg = match g["tagSize"].as_u64().unwrap() {
                128 => AeadAlgorithm::Aes128Ccm,
                64 => AeadAlgorithm::Aes128Ccm8,
                other => panic!("tag size {other}"),
            };
            for t in g["tests"].as_array().unwrap() {
                let id = t["tcId"].as_u64().unwrap();
                let (key, iv, aad, msg, ct, tag) = (
                    hx(t, "key"),
                    hx(t, "iv"),
                    hx(t, "aad"),
                    hx(t, "msg"),
                    hx(t, "ct"),
                    hx(t, "tag"),
                );
                let nonce: [u8; 12] = iv.as_slice().try_into().unwrap();
                let key = p.aead(alg).unwrap().key(&key).unwrap();
                assert_eq!(key.tag_len(), tag.len(), "tc {id}");
                let mut sealed = ct.clone();
                sealed.extend_from_slice(&tag);
                let mut buf = sealed.clone();
                let opened = key.open_in_place(&nonce, &aad, &mut buf);
                match t["result"].as_str().unwrap() {
                    "valid" => {
                        let n = opened.unwrap_or_else(|e| panic!("{} tc {id}: {e}", p.name));
                        assert_eq!(&buf[..n], &msg[..], "{} tc {id} plaintext", p.name);
                        let mut buf = msg.clone();
                        key.seal_in_place(&nonce, &aad, &mut buf).unwrap();
                        assert_eq!(buf, sealed, "{} tc {id} sealed", p.name);
                        // The detached form: the tag first, zeros after it.
                        let mut buf = msg.clone();
                        let detached = key.seal_detached(&nonce, &aad, &mut buf).unwrap();
                        assert_eq!(&detached[..tag.len()], &tag[..], "tc {id}");
                        assert!(detached[tag.len()..].iter().all(|b| *b == 0), "tc {id}");
                        nist |= t["comment"].as_str().unwrap().contains("SP 800-38C");
                        valid += 1;
                    }
                    "invalid" => {
                        assert_eq!(opened, Err(Error::DecryptFailed), "{} tc {id}", p.name);
                        invalid += 1;
                    }
                    other => panic!("tc {id}: result {other}"),
                }
            }
        }
        assert!(nist, "the NIST example ran");
        assert_eq!((valid, invalid), (21, 18), "{}", p.name);
        eprintln!(
            "aes_128_ccm_tls.json [{}]: valid/invalid = {valid}/{invalid}",
            p.name
        );
    }
}

/// An 8-byte tag is not a 16-byte tag cut short: CCM puts the tag length
/// into the first CBC-MAC block (RFC 3610 §2.2), so the two AEADs give
/// unrelated tags and neither opens the other's records.
#[test]
fn ccm_8_is_not_a_truncated_ccm() {
    for p in common::providers() {
        let key = [7u8; 16];
        let nonce = [9u8; 12];
        let long = p.aead(AeadAlgorithm::Aes128Ccm).unwrap().key(&key).unwrap();
        let short = p
            .aead(AeadAlgorithm::Aes128Ccm8)
            .unwrap()
            .key(&key)
            .unwrap();
        let mut a = b"same plaintext".to_vec();
        let mut b = a.clone();
        long.seal_in_place(&nonce, b"aad", &mut a).unwrap();
        short.seal_in_place(&nonce, b"aad", &mut b).unwrap();
        assert_eq!((a.len(), b.len()), (14 + 16, 14 + 8));
        assert_ne!(a[14..22], b[14..22]);
        let mut cut = a[..14 + 8].to_vec();
        assert_eq!(
            short.open_in_place(&nonce, b"aad", &mut cut),
            Err(Error::DecryptFailed)
        );
        let mut padded = b.clone();
        padded.extend_from_slice(&[0; 8]);
        assert_eq!(
            long.open_in_place(&nonce, b"aad", &mut padded),
            Err(Error::DecryptFailed)
        );
    }
}

/// Both suites are implemented by every provider but offered by none by
/// default; `suite` finds them for a config that names them.
#[test]
fn ccm_suites_are_implemented_but_not_default() {
    for p in common::providers() {
        for (suite, alg) in [
            (
                CipherSuite::TLS_AES_128_CCM_SHA256,
                AeadAlgorithm::Aes128Ccm,
            ),
            (
                CipherSuite::TLS_AES_128_CCM_8_SHA256,
                AeadAlgorithm::Aes128Ccm8,
            ),
        ] {
            assert!(p.suites.iter().all(|s| s.suite != suite), "{}", p.name);
            let params = p.suite(suite).unwrap();
            assert_eq!(params.aead.algorithm(), alg);
            assert_eq!(params.hash.output_len(), 32);
        }
    }
    assert_eq!(suites::ALL_SUITES.len(), 5);
    assert_eq!(
        suites::TLS_AES_128_CCM_8_SHA256.aead.algorithm().tag_len(),
        8
    );
}
