//! Second adversarial review of ECH (session 23): the operator's key file
//! (`EchKeyPair::from_pem`) against hostile or hand-edited files. Each test
//! is named after the rule it holds: a file `to_pem` could not have
//! written, or no correct writer would write, is refused with a typed
//! reason, never accepted and never a panic.

use tls13::certgen::to_pem as block;
use tls13::crypto::{CryptoProvider, OsRandom, rustcrypto};
use tls13::ech::keyfile::{ECHCONFIG_LABEL, PRIVATE_KEY_LABEL};
use tls13::ech::{EchConfigBuilder, EchError, EchKeyPair, KeyFileError};
use tls13::hpke::{HpkeError, HpkeKemId};
use tls13::unstable::codec::Codec;

fn providers() -> Vec<&'static CryptoProvider> {
    let mut v = vec![rustcrypto::provider()];
    #[cfg(feature = "graviola")]
    if let Some(p) = tls13::crypto::graviola::provider() {
        v.push(p);
    }
    v.push(tls13::crypto::default_provider());
    v
}

fn key(kem: HpkeKemId) -> EchKeyPair {
    EchConfigBuilder::new("public.example")
        .kem(kem)
        .generate(rustcrypto::provider(), &OsRandom)
        .unwrap()
}

fn block_der(text: &str, label: &str) -> Vec<u8> {
    tls13::crypto::pem::parse(text)
        .unwrap()
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap()
        .1
}

/// The file of `key_der` with `k`'s config block.
fn file(k: &EchKeyPair, key_der: &[u8]) -> String {
    format!(
        "{}{}",
        block(PRIVATE_KEY_LABEL, key_der),
        block(ECHCONFIG_LABEL, &k.config_list().to_bytes())
    )
}

/// The P-256 group order n (FIPS 186-5 / SEC 2).
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

#[test]
fn p256_scalar_zero_or_not_below_the_order_is_refused() {
    let p = key(HpkeKemId::DHKEM_P256_HKDF_SHA256);
    let der = block_der(&p.to_pem(), PRIVATE_KEY_LABEL);
    assert_eq!(der[36..68], **p.private_key().to_bytes());
    let mut n_plus_1 = P256_N;
    n_plus_1[31] += 1;
    let mut n_minus_1 = P256_N;
    n_minus_1[31] -= 1;
    for provider in providers() {
        for scalar in [[0u8; 32], P256_N, n_plus_1, [0xff; 32]] {
            let mut bad = der.clone();
            bad[36..68].copy_from_slice(&scalar);
            assert_eq!(
                EchKeyPair::from_pem_with_provider(provider, &file(&p, &bad)).unwrap_err(),
                KeyFileError::Key(HpkeError::InvalidPrivateKey),
                "{scalar:02x?}"
            );
        }
        // n - 1 is a valid scalar: refused only because it is not this
        // config's key (its stored public key is the real key's).
        let mut edge = der.clone();
        edge[36..68].copy_from_slice(&n_minus_1);
        assert!(matches!(
            EchKeyPair::from_pem_with_provider(provider, &file(&p, &edge)).unwrap_err(),
            KeyFileError::PrivateKey(_) | KeyFileError::KeyMismatch
        ));
    }
}

#[test]
fn pkcs8_with_trailing_bytes_anywhere_is_refused() {
    for kem in [
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        HpkeKemId::DHKEM_P256_HKDF_SHA256,
    ] {
        let k = key(kem);
        let der = block_der(&k.to_pem(), PRIVATE_KEY_LABEL);
        assert!(
            EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &file(&k, &der)).is_ok()
        );
        // After the outer SEQUENCE.
        for tail in [&[0u8][..], &[0x05, 0x00], &[0x30, 0x00]] {
            let mut bad = der.clone();
            bad.extend_from_slice(tail);
            assert!(
                matches!(
                    EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &file(&k, &bad)),
                    Err(KeyFileError::PrivateKey(_))
                ),
                "{kem:?} {tail:02x?}"
            );
        }
    }
    // Inside the X25519 structures, lengths fixed up: after the
    // privateKey OCTET STRING, and inside it after the CurvePrivateKey.
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let der = block_der(&k.to_pem(), PRIVATE_KEY_LABEL);
    assert_eq!(der[..2], [0x30, 0x2e]);
    let mut after = der.clone();
    after[1] = 0x30;
    after.extend_from_slice(&[0x05, 0x00]);
    let mut inside = der.clone();
    inside[1] = 0x2f;
    inside[13] = 0x23;
    inside.push(0x00);
    assert_eq!(inside[12..16], [0x04, 0x23, 0x04, 0x20]);
    for bad in [after, inside] {
        assert!(matches!(
            EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &file(&k, &bad)),
            Err(KeyFileError::PrivateKey(_))
        ));
    }
}

#[test]
fn pkcs8_with_non_minimal_or_indefinite_lengths_is_refused() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let der = block_der(&k.to_pem(), PRIVATE_KEY_LABEL);
    // 30 81 2e: a long form for a length below 128.
    let mut long = vec![0x30, 0x81, 0x2e];
    long.extend_from_slice(&der[2..]);
    // 30 80 ... 00 00: BER's indefinite length.
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend_from_slice(&der[2..]);
    indefinite.extend_from_slice(&[0, 0]);
    // The version as 02 02 00 00 (a non-minimal INTEGER).
    let mut version = vec![0x30, 0x2f, 0x02, 0x02, 0x00, 0x00];
    version.extend_from_slice(&der[5..]);
    for bad in [long, indefinite, version] {
        assert!(
            matches!(
                EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &file(&k, &bad)),
                Err(KeyFileError::PrivateKey(_))
            ),
            "{bad:02x?}"
        );
    }
}

#[test]
fn ech_config_block_with_trailing_bytes_is_refused() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let pem = k.to_pem();
    let der = block_der(&pem, PRIVATE_KEY_LABEL);
    let mut list = k.config_list().to_bytes();
    list.push(0);
    let text = format!(
        "{}{}",
        block(PRIVATE_KEY_LABEL, &der),
        block(ECHCONFIG_LABEL, &list)
    );
    assert!(matches!(
        EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &text),
        Err(KeyFileError::Config(EchError::Decode(_)))
    ));
}

#[test]
fn x25519_public_key_stored_beside_it_must_be_its_own() {
    // PKCS#8 v2 (RFC 5958) with [1] publicKey: another key's is refused,
    // its own accepted.
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let other = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let der = block_der(&k.to_pem(), PRIVATE_KEY_LABEL);
    let v2 = |public: &[u8]| {
        let mut body = vec![0x02, 0x01, 0x01];
        body.extend_from_slice(&der[5..]);
        body.extend_from_slice(&[0x81, 0x21, 0x00]);
        body.extend_from_slice(public);
        let mut out = vec![0x30, body.len() as u8];
        out.extend_from_slice(&body);
        out
    };
    assert!(
        EchKeyPair::from_pem_with_provider(
            rustcrypto::provider(),
            &file(&k, &v2(k.private_key().public_key()))
        )
        .is_ok()
    );
    assert_eq!(
        EchKeyPair::from_pem_with_provider(
            rustcrypto::provider(),
            &file(&k, &v2(other.private_key().public_key()))
        )
        .unwrap_err(),
        KeyFileError::PrivateKey("the public key stored with it is not its own")
    );
}

#[test]
fn hostile_files_end_in_a_typed_refusal_not_a_panic() {
    let k = key(HpkeKemId::DHKEM_P256_HKDF_SHA256);
    let pem = k.to_pem();
    // Every prefix and every single-character substitution of the file.
    for cut in 0..pem.len() {
        let _ = EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &pem[..cut]);
    }
    let bytes = pem.as_bytes();
    for i in (0..bytes.len()).step_by(3) {
        for c in [b'A', b'-', b'=', b'\n', b' ', 0xc3] {
            let mut b = bytes.to_vec();
            b[i] = c;
            if let Ok(s) = std::str::from_utf8(&b) {
                let r = EchKeyPair::from_pem_with_provider(rustcrypto::provider(), s);
                // An edit that still loads (in the config's name or
                // suites, say) cannot have changed the key: it must match
                // the config's public key, and P-256 has no clamping.
                if let Ok(loaded) = r {
                    assert_eq!(
                        **loaded.private_key().to_bytes(),
                        **k.private_key().to_bytes(),
                        "edit at {i} loaded another key"
                    );
                }
            }
        }
    }
    // Long lines and many blocks of text outside any block: linear.
    let big = format!("{}\n{}", "x".repeat(1 << 20), pem.as_str());
    assert!(EchKeyPair::from_pem_with_provider(rustcrypto::provider(), &big).is_ok());
}
