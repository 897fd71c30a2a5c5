//! The graviola provider against the RustCrypto one: same shares and
//! secrets from the same random bytes, same SubjectPublicKeyInfos, and
//! signatures of each verified by both.

use alloc::vec::Vec;

use ecdsa::signature::hazmat::PrehashSigner;
use sha2::Digest;

use super::PROVIDER;
use crate::certgen::{self, KeyType};
use crate::crypto::sign::{DigestAlgorithm, PublicKeyRef, SignatureAlgorithm};
use crate::crypto::{CryptoProvider, SecureRandom, rustcrypto};
use crate::error::Error;
use crate::msgs::enums::{NamedGroup, SignatureScheme};

/// A scripted source: the bytes given, in order; fails when they run out.
struct Script(std::sync::Mutex<(Vec<u8>, usize)>);

impl Script {
    fn new(bytes: Vec<u8>) -> Self {
        Self(std::sync::Mutex::new((bytes, 0)))
    }
    fn remaining(&self) -> usize {
        let g = self.0.lock().unwrap();
        g.0.len() - g.1
    }
}

impl SecureRandom for Script {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut g = self.0.lock().unwrap();
        let (bytes, at) = &mut *g;
        let src = bytes
            .get(*at..*at + dest.len())
            .ok_or(Error::RandomFailed)?;
        dest.copy_from_slice(src);
        *at += dest.len();
        Ok(())
    }
}

fn stream(seed: u8, len: usize) -> Vec<u8> {
    // A non-trivial deterministic byte stream (SHA-256 in counter mode).
    (0u32..)
        .flat_map(|i| {
            sha2::Sha256::new()
                .chain_update([seed])
                .chain_update(i.to_be_bytes())
                .finalize()
        })
        .take(len)
        .collect()
}

fn both() -> [&'static CryptoProvider; 2] {
    [rustcrypto::provider(), &PROVIDER]
}

#[test]
fn same_random_bytes_same_shares_and_secrets_for_every_group() {
    for group in [
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
        NamedGroup::X25519MLKEM768,
    ] {
        for seed in 0..4u8 {
            let client_bytes = stream(seed, 200);
            let server_bytes = stream(seed.wrapping_add(100), 200);
            let mut results = Vec::new();
            for p in both() {
                let kx = p.group(group).unwrap();
                let c_rng = Script::new(client_bytes.clone());
                let active = kx.start(&c_rng).unwrap();
                let client_share = active.public_key().to_vec();
                let s_rng = Script::new(server_bytes.clone());
                let (server_share, server_secret) =
                    kx.server_exchange(&client_share, &s_rng).unwrap();
                let client_secret = active.complete(&server_share).unwrap();
                assert_eq!(&*client_secret, &*server_secret, "{group:?} {}", p.name);
                results.push((
                    client_share,
                    server_share,
                    client_secret.to_vec(),
                    c_rng.remaining(),
                    s_rng.remaining(),
                ));
            }
            assert!(
                results[0] == results[1],
                "{group:?} seed {seed}: providers differ"
            );
        }
    }
}

#[test]
fn nist_scalars_are_redrawn_alike() {
    for (group, len) in [(NamedGroup::SECP256R1, 32), (NamedGroup::SECP384R1, 48)] {
        // Above the order, then zero, then a valid scalar.
        let mut script = alloc::vec![0xffu8; len];
        script.extend(alloc::vec![0u8; len]);
        script.extend(alloc::vec![1u8; len]);
        let shares: Vec<Vec<u8>> = both()
            .iter()
            .map(|p| {
                let rng = Script::new(script.clone());
                let a = p.group(group).unwrap().start(&rng).unwrap();
                assert_eq!(rng.remaining(), 0, "{}", p.name);
                a.public_key().to_vec()
            })
            .collect();
        assert_eq!(shares[0], shares[1]);
        // Eight bad draws: both give up alike.
        for p in both() {
            let rng = Script::new(alloc::vec![0u8; len * 9]);
            assert!(matches!(
                p.group(group).unwrap().start(&rng),
                Err(Error::RandomFailed)
            ));
            assert_eq!(rng.remaining(), len, "{}", p.name);
        }
    }
}

fn keys() -> Vec<(&'static str, Vec<u8>)> {
    let rng = Script::new(stream(7, 4096));
    let mut out = Vec::new();
    for (name, kind) in [
        ("p256", KeyType::EcdsaP256),
        ("p384", KeyType::EcdsaP384),
        ("ed25519", KeyType::Ed25519),
    ] {
        out.push((name, certgen::generate_key(kind, &rng).unwrap().to_vec()));
    }
    out.push((
        "rsa2048",
        certgen::generate_key(KeyType::Rsa2048, &crate::crypto::OsRandom)
            .unwrap()
            .to_vec(),
    ));
    // SEC1 forms of the EC keys.
    let p256 = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    out.push(("p256 sec1", p256.to_sec1_der().unwrap().to_vec()));
    let p384 = p384::SecretKey::from_slice(&[9u8; 48]).unwrap();
    out.push(("p384 sec1", p384.to_sec1_der().unwrap().to_vec()));
    out
}

#[test]
fn public_key_spki_is_byte_identical_and_signatures_cross_verify() {
    let mut all = keys();
    // PKCS#1 form of the RSA key.
    let rsa_pkcs8 = all.iter().find(|(n, _)| *n == "rsa2048").unwrap().1.clone();
    let rsa = rsa::PrivateKey::try_from(
        p256::pkcs8::PrivateKeyInfoRef::try_from(&rsa_pkcs8[..]).unwrap(),
    )
    .unwrap();
    all.push((
        "rsa2048 pkcs1",
        rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&rsa)
            .unwrap()
            .as_bytes()
            .to_vec(),
    ));
    for (name, der) in &all {
        // Graviola itself loads every one of these (no fallback).
        let gv = super::sign::GvSigningKey::from_der(der)
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: graviola did not load it"));
        let rc = rustcrypto::sign::RcSigningKey::from_der(der).unwrap();
        use crate::crypto::sign::KeySigner;
        assert_eq!(gv.public_key_spki(), rc.public_key_spki(), "{name}");
        assert_eq!(gv.kind(), rc.kind(), "{name}");
        let gv_key = PROVIDER.load_private_key(der).unwrap();
        assert_eq!(gv_key.public_key_spki(), rc.public_key_spki(), "{name}");
        let spki = gv_key.public_key_spki();
        for &scheme in gv_key.schemes() {
            let no_rng = Script::new(Vec::new());
            let sig = gv_key.sign(scheme, b"message", &no_rng).unwrap();
            let rc_sig = rc
                .sign(scheme, b"message", &Script::new(stream(1, 64)))
                .unwrap();
            for p in both() {
                for s in [&sig, &rc_sig] {
                    assert_eq!(
                        crate::crypto::sign::verify_with(
                            p.signatures,
                            &spki,
                            scheme,
                            b"message",
                            s,
                            2048
                        ),
                        Ok(()),
                        "{name} {scheme:?} verified by {}",
                        p.name
                    );
                    assert!(
                        crate::crypto::sign::verify_with(
                            p.signatures,
                            &spki,
                            scheme,
                            b"messagE",
                            s,
                            2048
                        )
                        .is_err()
                    );
                }
            }
            if scheme == SignatureScheme::ED25519 {
                assert_eq!(sig, rc_sig, "Ed25519 is deterministic in both");
            }
        }
    }
}

#[test]
fn unsupported_forms_fall_back_to_rustcrypto() {
    // A 1024-bit RSA key (graviola takes 2048..=8192 bits).
    let key = rsa::PrivateKey::new(
        &mut crate::crypto::RngAdapter(&crate::crypto::OsRandom),
        1024,
    )
    .unwrap();
    let der = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&key).unwrap();
    assert!(
        super::sign::GvSigningKey::from_der(der.as_bytes())
            .unwrap()
            .is_none()
    );
    let loaded = PROVIDER.load_private_key(der.as_bytes()).unwrap();
    assert_eq!(loaded.kind(), crate::crypto::sign::KeyKind::Rsa(1024));
    let spki = loaded.public_key_spki();
    let sig = loaded
        .sign(
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            b"m",
            &crate::crypto::OsRandom,
        )
        .unwrap();
    for p in both() {
        assert_eq!(
            crate::crypto::sign::verify_with(
                p.signatures,
                &spki,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                b"m",
                &sig,
                1024
            ),
            Ok(()),
            "{}",
            p.name
        );
    }
    assert!(PROVIDER.load_private_key(b"\x30\x03\x02\x01\x00").is_err());
}

/// SEC1 §4.1.4 step 3 / FIPS 186-5 §6.4.2: a hash longer than the
/// curve's order is truncated to its leftmost bits, a shorter one used
/// whole. Signed with RustCrypto's prehash API, verified by both.
#[test]
fn ecdsa_hash_longer_and_shorter_than_the_curve() {
    let msg = b"hash lengths";
    let d256 = [
        (DigestAlgorithm::Sha256, sha2::Sha256::digest(msg).to_vec()),
        (DigestAlgorithm::Sha384, sha2::Sha384::digest(msg).to_vec()),
        (DigestAlgorithm::Sha512, sha2::Sha512::digest(msg).to_vec()),
    ];
    let k256 = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
    let k384 = p384::ecdsa::SigningKey::from_slice(&[5u8; 48]).unwrap();
    let p256_pub = k256.verifying_key().to_sec1_point(false);
    let p384_pub = k384.verifying_key().to_sec1_point(false);
    for (h, digest) in &d256 {
        let s256: p256::ecdsa::Signature = k256.sign_prehash(digest).unwrap();
        let s384: p384::ecdsa::Signature = k384.sign_prehash(digest).unwrap();
        let cases = [
            (
                PublicKeyRef::EcdsaP256(p256_pub.as_bytes()),
                s256.to_der().as_bytes().to_vec(),
            ),
            (
                PublicKeyRef::EcdsaP384(p384_pub.as_bytes()),
                s384.to_der().as_bytes().to_vec(),
            ),
        ];
        for (key, sig) in &cases {
            for p in both() {
                let alg = SignatureAlgorithm::Ecdsa(*h);
                assert_eq!(
                    p.signatures.verify(key, alg, msg, sig),
                    Ok(()),
                    "{h:?} {key:?} {}",
                    p.name
                );
                assert!(p.signatures.verify(key, alg, b"other", sig).is_err());
            }
        }
    }
}

#[test]
fn small_order_list_matches_ed25519_dalek() {
    for y in super::sign::SMALL_ORDER_Y_FOR_TEST {
        for sign_bit in [0u8, 0x80] {
            let mut enc = *y;
            enc[31] |= sign_bit;
            assert!(super::sign::has_small_order(&enc));
            if let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&enc) {
                assert!(vk.is_weak(), "{enc:02x?} is not weak for dalek");
            }
        }
    }
    // Ordinary keys are not flagged, and dalek agrees.
    for seed in 0..32u8 {
        let vk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).verifying_key();
        assert!(!vk.is_weak());
        assert!(!super::sign::has_small_order(vk.as_bytes()));
    }
}

#[test]
fn aeads_agree() {
    for alg in [
        crate::crypto::aead::AeadAlgorithm::Aes128Gcm,
        crate::crypto::aead::AeadAlgorithm::Aes256Gcm,
        crate::crypto::aead::AeadAlgorithm::ChaCha20Poly1305,
    ] {
        let key = stream(3, alg.key_len());
        let nonce = [9u8; 12];
        let sealed: Vec<Vec<u8>> = both()
            .iter()
            .map(|p| {
                let k = p.aead(alg).unwrap().key(&key).unwrap();
                let mut buf = stream(4, 1000);
                k.seal_in_place(&nonce, b"aad", &mut buf).unwrap();
                buf
            })
            .collect();
        assert_eq!(sealed[0], sealed[1], "{alg:?}");
        for p in both() {
            let k = p.aead(alg).unwrap().key(&key).unwrap();
            let mut buf = sealed[0].clone();
            assert_eq!(k.open_in_place(&nonce, b"aad", &mut buf), Ok(1000));
            assert_eq!(&buf[..1000], &stream(4, 1000)[..]);
            let mut bad = sealed[0].clone();
            bad[5] ^= 1;
            assert_eq!(
                k.open_in_place(&nonce, b"aad", &mut bad),
                Err(Error::DecryptFailed)
            );
            assert!(p.aead(alg).unwrap().key(&key[1..]).is_err());
        }
    }
}

/// An RSA key whose first prime is the smaller one (PKCS#8), made from a
/// fresh key by swapping its primes.
fn rsa_key_with_smaller_first_prime() -> Vec<u8> {
    use rsa::pkcs8::EncodePrivateKey;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let der = certgen::generate_key(KeyType::Rsa2048, &crate::crypto::OsRandom).unwrap();
    let k = rsa::PrivateKey::try_from(p256::pkcs8::PrivateKeyInfoRef::try_from(&der[..]).unwrap())
        .unwrap();
    let [p, q] = k.primes() else {
        panic!("two primes")
    };
    let (small, large) = if p.as_ref() < q.as_ref() {
        (p, q)
    } else {
        (q, p)
    };
    let swapped = rsa::PrivateKey::from_components(
        k.n().as_ref().clone(),
        k.e().clone(),
        k.d().clone(),
        alloc::vec![small.as_ref().clone(), large.as_ref().clone()],
    )
    .unwrap();
    swapped.to_pkcs8_der().unwrap().as_bytes().to_vec()
}

/// graviola 0.4.4 refused some RSA-PSS signatures with such keys (its
/// CRT step assumes the first prime is the larger); the loader hands it
/// the primes in the order it needs. 20 keys × 200 signatures: without
/// the reordering 33 of them failed in the run that found it.
#[test]
fn rsa_keys_with_the_smaller_prime_first_always_sign() {
    let mut failures = 0;
    for _ in 0..20 {
        let der = rsa_key_with_smaller_first_prime();
        let key = PROVIDER.load_private_key(&der).unwrap();
        let spki = key.public_key_spki();
        for i in 0..200u32 {
            let msg = i.to_be_bytes();
            match key.sign(
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                &msg,
                &crate::crypto::OsRandom,
            ) {
                Ok(sig) => assert_eq!(
                    crate::crypto::sign::verify_with(
                        rustcrypto::PROVIDER.signatures,
                        &spki,
                        SignatureScheme::RSA_PSS_RSAE_SHA256,
                        &msg,
                        &sig,
                        2048
                    ),
                    Ok(())
                ),
                Err(_) => failures += 1,
            }
        }
    }
    assert_eq!(failures, 0, "{failures} of 4000 signatures failed");
}
