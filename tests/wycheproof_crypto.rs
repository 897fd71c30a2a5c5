//! Project Wycheproof vectors through `crypto::aead` and `crypto::hash`,
//! for every provider (`common::providers`): each must give the expected
//! verdict on every vector, so their verdicts are identical.

mod common;

use serde_json::Value;
use tls13::Error;
use tls13::crypto::CryptoProvider;
use tls13::crypto::aead::AeadAlgorithm;
use tls13::crypto::hash::HashAlgorithm;

fn load(name: &str) -> Value {
    let path = format!("{}/vectors/wycheproof/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(t: &Value, field: &str) -> Vec<u8> {
    hex::decode(t[field].as_str().unwrap()).unwrap()
}

fn groups(v: &Value) -> impl Iterator<Item = &Value> {
    v["testGroups"].as_array().unwrap().iter()
}

fn tests(g: &Value) -> impl Iterator<Item = &Value> {
    g["tests"].as_array().unwrap().iter()
}

/// Runs the AEAD file; returns (valid checked, invalid checked, skipped).
fn run_aead(
    provider: &CryptoProvider,
    file: &str,
    pick: impl Fn(u64) -> Option<AeadAlgorithm>,
) -> (usize, usize, usize) {
    let v = load(file);
    let (mut valid, mut invalid, mut skipped) = (0, 0, 0);
    for g in groups(&v) {
        let n_tests = g["tests"].as_array().unwrap().len();
        // TLS 1.3 uses only 96-bit nonces and 128-bit tags (RFC 9846 §5.3);
        // AES-192 is not a TLS 1.3 cipher.
        let alg = pick(g["keySize"].as_u64().unwrap());
        if g["ivSize"] != 96 || g["tagSize"] != 128 || alg.is_none() {
            skipped += n_tests;
            continue;
        }
        let alg = alg.unwrap();
        for t in tests(g) {
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
            let key = provider.aead(alg).unwrap().key(&key).unwrap();
            let mut sealed_input = ct.clone();
            sealed_input.extend_from_slice(&tag);
            let mut buf = sealed_input.clone();
            let opened = key.open_in_place(&nonce, &aad, &mut buf);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    let n = opened.unwrap_or_else(|e| panic!("{file} tc {id}: {e}"));
                    assert_eq!(&buf[..n], &msg[..], "{file} tc {id} plaintext");
                    let mut buf = msg.clone();
                    key.seal_in_place(&nonce, &aad, &mut buf).unwrap();
                    assert_eq!(buf, sealed_input, "{file} tc {id} sealed");
                    valid += 1;
                }
                "invalid" => {
                    assert_eq!(
                        opened,
                        Err(Error::DecryptFailed),
                        "{file} tc {id} must fail"
                    );
                    invalid += 1;
                }
                other => panic!("{file} tc {id}: unexpected result {other}"),
            }
        }
    }
    (valid, invalid, skipped)
}

#[test]
fn wycheproof_aes_gcm() {
    for p in common::providers() {
        let (valid, invalid, skipped) = run_aead(p, "aes_gcm_test.json", |bits| match bits {
            128 => Some(AeadAlgorithm::Aes128Gcm),
            256 => Some(AeadAlgorithm::Aes256Gcm),
            _ => None,
        });
        println!(
            "Wycheproof AES-GCM [{}]: {valid} valid, {invalid} invalid checked; {skipped} skipped (IV not 96-bit or AES-192)",
            p.name
        );
        assert_eq!((valid, invalid), (79, 54), "AES-GCM cases checked");
    }
}

#[test]
fn wycheproof_chacha20_poly1305() {
    for p in common::providers() {
        let (valid, invalid, skipped) = run_aead(p, "chacha20_poly1305_test.json", |bits| {
            (bits == 256).then_some(AeadAlgorithm::ChaCha20Poly1305)
        });
        println!(
            "Wycheproof ChaCha20-Poly1305 [{}]: {valid} valid, {invalid} invalid checked; {skipped} skipped (nonce not 96-bit)",
            p.name
        );
        assert_eq!(
            (valid, invalid),
            (256, 60),
            "ChaCha20-Poly1305 cases checked"
        );
    }
}

fn run_hkdf(file: &str, alg: tls13::crypto::hash::Hash) -> (usize, usize) {
    let v = load(file);
    let (mut valid, mut invalid) = (0, 0);
    for g in groups(&v) {
        for t in tests(g) {
            let id = t["tcId"].as_u64().unwrap();
            let size = t["size"].as_u64().unwrap() as usize;
            match t["result"].as_str().unwrap() {
                "valid" => {
                    let prk = alg.hkdf_extract(&hx(t, "salt"), &hx(t, "ikm"));
                    let mut okm = vec![0u8; size];
                    alg.hkdf_expand(prk.as_ref(), &[&hx(t, "info")], &mut okm);
                    assert_eq!(okm, hx(t, "okm"), "{file} tc {id}");
                    valid += 1;
                }
                // The only invalid cases ask for more than 255 * HashLen
                // bytes, which our length bound (checked by the exporter,
                // the one caller with a caller-chosen length) must refuse.
                "invalid" => {
                    assert!(size > alg.max_expand_len(), "{file} tc {id}");
                    let mut out = vec![0u8; size];
                    let r = tls13::unstable::key_schedule::export(
                        alg,
                        &[0; 48][..alg.output_len()],
                        b"x",
                        b"",
                        &mut out,
                    );
                    assert!(matches!(r, Err(Error::BadConfig(_))), "{file} tc {id}");
                    invalid += 1;
                }
                other => panic!("{file} tc {id}: unexpected result {other}"),
            }
        }
    }
    (valid, invalid)
}

#[test]
fn wycheproof_hkdf() {
    for p in common::providers() {
        let (v256, i256) = run_hkdf("hkdf_sha256_test.json", p.hash(HashAlgorithm::Sha256));
        let (v384, i384) = run_hkdf("hkdf_sha384_test.json", p.hash(HashAlgorithm::Sha384));
        println!(
            "Wycheproof HKDF [{}]: SHA-256 {v256} valid + {i256} too-long; SHA-384 {v384} valid + {i384} too-long",
            p.name
        );
        assert_eq!((v256, i256, v384, i384), (83, 3, 80, 3));
    }
}

fn run_hmac(file: &str, alg: tls13::crypto::hash::Hash) -> (usize, usize) {
    let v = load(file);
    let (mut full, mut truncated) = (0, 0);
    for g in groups(&v) {
        let tag_bytes = g["tagSize"].as_u64().unwrap() as usize / 8;
        for t in tests(g) {
            let id = t["tcId"].as_u64().unwrap();
            let ours = alg.hmac(&hx(t, "key"), &[&hx(t, "msg")]);
            let tag = hx(t, "tag");
            assert_eq!(tag.len(), tag_bytes);
            // Truncated-tag groups (tagSize 128) are checked too, against
            // the prefix of our full tag: TLS never truncates, but the
            // prefix is still a check of the full computation.
            let matches = ours.as_ref()[..tag_bytes] == tag[..];
            match t["result"].as_str().unwrap() {
                "valid" => assert!(matches, "{file} tc {id}"),
                "invalid" => assert!(!matches, "{file} tc {id}"),
                other => panic!("{file} tc {id}: unexpected result {other}"),
            }
            if tag_bytes == alg.output_len() {
                full += 1;
            } else {
                truncated += 1;
            }
        }
    }
    (full, truncated)
}

#[test]
fn wycheproof_hmac() {
    for p in common::providers() {
        let (f256, t256) = run_hmac("hmac_sha256_test.json", p.hash(HashAlgorithm::Sha256));
        let (f384, t384) = run_hmac("hmac_sha384_test.json", p.hash(HashAlgorithm::Sha384));
        println!(
            "Wycheproof HMAC [{}]: SHA-256 {f256} full-tag + {t256} truncated; SHA-384 {f384} full-tag + {t384} truncated",
            p.name
        );
        assert_eq!(
            (f256, t256, f384, t384),
            (87, 87, 87, 87),
            "HMAC cases checked"
        );
    }
}
