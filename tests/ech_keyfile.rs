//! The ECH key file (`tls13::ech::keyfile`): what `EchKeyPair::to_pem`
//! writes, that `from_pem` reads it back to the same key and config, and
//! each refusal with its typed reason. The PKCS#8 encodings are checked
//! against OpenSSL's reading and writing of the same structures (skipped
//! without `openssl`).

#[path = "openssl/mod.rs"]
mod openssl;

use std::process::Command;

use tls13::crypto::{OsRandom, rustcrypto};
use tls13::ech::keyfile::{ECHCONFIG_LABEL, PRIVATE_KEY_LABEL};
use tls13::ech::{
    EchConfig, EchConfigBuilder, EchConfigContents, EchConfigExtension, EchConfigList, EchError,
    EchKeyPair, HpkeKeyConfig, HpkeSymmetricCipherSuite, KeyFileError, Unusable,
};
use tls13::hpke::{HpkeError, HpkeKemId};
use tls13::unstable::codec::Codec;

fn key(kem: HpkeKemId) -> EchKeyPair {
    EchConfigBuilder::new("public.example")
        .kem(kem)
        .generate(rustcrypto::provider(), &OsRandom)
        .unwrap()
}

const KEMS: [HpkeKemId; 2] = [
    HpkeKemId::DHKEM_X25519_HKDF_SHA256,
    HpkeKemId::DHKEM_P256_HKDF_SHA256,
];

fn load(text: &str) -> Result<EchKeyPair, KeyFileError> {
    EchKeyPair::from_pem_with_provider(rustcrypto::provider(), text)
}

/// A PEM block of `label` around `der` (64-character lines).
fn block(label: &str, der: &[u8]) -> String {
    tls13::certgen::to_pem(label, der)
}

/// The DER of the first block labelled `label` in `text`.
fn block_der(text: &str, label: &str) -> Vec<u8> {
    tls13::crypto::pem::parse(text)
        .unwrap()
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap()
        .1
}

// ------------------------------------------------------------ round trip

#[test]
fn round_trip_keeps_key_and_config_for_both_kems() {
    for kem in KEMS {
        let k = key(kem);
        let pem = k.to_pem();
        let back = load(&pem).unwrap();
        assert_eq!(back.config(), k.config(), "{kem:?}");
        assert_eq!(
            *back.private_key().to_bytes(),
            *k.private_key().to_bytes(),
            "{kem:?}"
        );
        assert_eq!(
            back.private_key().public_key(),
            k.private_key().public_key()
        );
        assert_eq!(back.private_key().kem(), kem);
        // Deterministic: the same key writes the same file.
        assert_eq!(*back.to_pem(), *pem, "{kem:?}");
        // The default-provider entry point reads it too.
        assert_eq!(EchKeyPair::from_pem(&pem).unwrap().config(), k.config());
    }
}

#[test]
fn layout_is_two_blocks_key_first_with_the_config_list() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let pem = k.to_pem();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{}", *pem);
    assert!(pem.ends_with("-----END ECHCONFIG-----\n"), "{}", *pem);
    assert!(pem.lines().all(|l| l.len() <= 64), "{}", *pem);
    let blocks = tls13::crypto::pem::parse(&pem).unwrap();
    let labels: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, [PRIVATE_KEY_LABEL, ECHCONFIG_LABEL]);
    // RFC 8410 §7: version 0, id-X25519 without parameters, the key
    // wrapped in a second OCTET STRING.
    let der = &blocks[0].1;
    assert_eq!(
        der[..16],
        [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22,
            0x04, 0x20
        ]
    );
    assert_eq!(der[16..], **k.private_key().to_bytes());
    // The config block is the ECHConfigList of this one config: what the
    // DNS HTTPS record publishes (base64 of the same bytes).
    assert_eq!(blocks[1].1, k.config_list().to_bytes());
    let body: String = pem
        .split("-----BEGIN ECHCONFIG-----\n")
        .nth(1)
        .unwrap()
        .split("-----END")
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(body, k.config_list().to_base64());
}

#[test]
fn explanatory_text_around_blocks_is_ignored() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let text = format!(
        "ECH key for public.example, made 2026-12-05\n{}\nrotate by 2027-01\n",
        *k.to_pem()
    );
    assert_eq!(load(&text).unwrap().config(), k.config());
    // CRLF line ends too.
    let crlf = k.to_pem().replace('\n', "\r\n");
    assert_eq!(load(&crlf).unwrap().config(), k.config());
}

// ------------------------------------------------------------ refusals

#[test]
fn refuses_a_block_of_another_label() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let text = format!("{}{}", block("CERTIFICATE", b"not one"), *k.to_pem());
    assert_eq!(
        load(&text).unwrap_err(),
        KeyFileError::UnexpectedBlock("CERTIFICATE".into())
    );
    // An "EC PRIVATE KEY" (SEC1) is not the PKCS#8 this file holds.
    let ec = k
        .to_pem()
        .replace("BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY")
        .replace("END PRIVATE KEY", "END EC PRIVATE KEY");
    assert_eq!(
        load(&ec).unwrap_err(),
        KeyFileError::UnexpectedBlock("EC PRIVATE KEY".into())
    );
}

#[test]
fn refuses_a_missing_or_repeated_block() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let pem = k.to_pem();
    let key_block = block(PRIVATE_KEY_LABEL, &block_der(&pem, PRIVATE_KEY_LABEL));
    let config_block = block(ECHCONFIG_LABEL, &block_der(&pem, ECHCONFIG_LABEL));
    assert_eq!(
        load(&key_block).unwrap_err(),
        KeyFileError::MissingBlock(ECHCONFIG_LABEL)
    );
    assert_eq!(
        load(&config_block).unwrap_err(),
        KeyFileError::MissingBlock(PRIVATE_KEY_LABEL)
    );
    assert_eq!(
        load("").unwrap_err(),
        KeyFileError::MissingBlock(PRIVATE_KEY_LABEL)
    );
    // Two keys in one file: which one would serve is a guess; refused.
    let other = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let two = format!("{}{}", *pem, *other.to_pem());
    assert_eq!(
        load(&two).unwrap_err(),
        KeyFileError::DuplicateBlock(PRIVATE_KEY_LABEL)
    );
    let two_configs = format!("{}{config_block}", *pem);
    assert_eq!(
        load(&two_configs).unwrap_err(),
        KeyFileError::DuplicateBlock(ECHCONFIG_LABEL)
    );
}

#[test]
fn refuses_a_key_that_does_not_match_its_config() {
    let a = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let b = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let p = key(HpkeKemId::DHKEM_P256_HKDF_SHA256);
    let a_key = block(
        PRIVATE_KEY_LABEL,
        &block_der(&a.to_pem(), PRIVATE_KEY_LABEL),
    );
    let b_config = block(ECHCONFIG_LABEL, &block_der(&b.to_pem(), ECHCONFIG_LABEL));
    let p_config = block(ECHCONFIG_LABEL, &block_der(&p.to_pem(), ECHCONFIG_LABEL));
    assert_eq!(
        load(&format!("{a_key}{b_config}")).unwrap_err(),
        KeyFileError::KeyMismatch
    );
    assert_eq!(
        load(&format!("{a_key}{p_config}")).unwrap_err(),
        KeyFileError::KemMismatch {
            key: HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            config: HpkeKemId::DHKEM_P256_HKDF_SHA256,
        }
    );
}

#[test]
fn refuses_truncated_files() {
    for kem in KEMS {
        let k = key(kem);
        let pem = k.to_pem();
        // Cut inside the second block: no END line.
        let cut = &pem[..pem.len() - 30];
        assert_eq!(
            load(cut).unwrap_err(),
            KeyFileError::Pem("a block without its END line"),
            "{kem:?}"
        );
        // The last base64 line of the key block gone (the END line kept).
        let mut lines: Vec<&str> = pem.lines().collect();
        let end = lines
            .iter()
            .position(|l| *l == "-----END PRIVATE KEY-----")
            .unwrap();
        lines.remove(end - 1);
        let text = lines.join("\n");
        assert!(
            matches!(
                load(&text).unwrap_err(),
                KeyFileError::Pem(_) | KeyFileError::PrivateKey(_)
            ),
            "{kem:?}"
        );
        // Whole base64, one DER byte short.
        let der = block_der(&pem, PRIVATE_KEY_LABEL);
        let config = block(ECHCONFIG_LABEL, &block_der(&pem, ECHCONFIG_LABEL));
        let short = format!(
            "{}{config}",
            block(PRIVATE_KEY_LABEL, &der[..der.len() - 1])
        );
        assert!(
            matches!(load(&short).unwrap_err(), KeyFileError::PrivateKey(_)),
            "{kem:?}"
        );
        // A config list one byte short.
        let list = k.config_list().to_bytes();
        let key_block = block(PRIVATE_KEY_LABEL, &der);
        let short = format!(
            "{key_block}{}",
            block(ECHCONFIG_LABEL, &list[..list.len() - 1])
        );
        assert!(
            matches!(
                load(&short).unwrap_err(),
                KeyFileError::Config(EchError::Decode(_))
            ),
            "{kem:?}"
        );
    }
}

#[test]
fn refuses_pem_framing_errors() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let pem = k.to_pem();
    let other_end = pem.replacen("-----END PRIVATE KEY-----", "-----END ECHCONFIG-----", 1);
    assert_eq!(
        load(&other_end).unwrap_err(),
        KeyFileError::Pem("an END line of another label")
    );
    let nested = pem.replacen(
        "-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n",
        1,
    );
    assert_eq!(
        load(&nested).unwrap_err(),
        KeyFileError::Pem("a BEGIN line inside a block")
    );
    let not_b64 = pem.replacen(
        "-----BEGIN PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!",
        1,
    );
    assert_eq!(
        load(&not_b64).unwrap_err(),
        KeyFileError::Pem("a body that is not base64")
    );
}

#[test]
fn refuses_a_list_of_other_than_one_config() {
    let a = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let b = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let key_block = block(
        PRIVATE_KEY_LABEL,
        &block_der(&a.to_pem(), PRIVATE_KEY_LABEL),
    );
    let both = EchConfigList {
        configs: vec![a.config().clone(), b.config().clone()],
    };
    let text = format!("{key_block}{}", block(ECHCONFIG_LABEL, &both.to_bytes()));
    assert_eq!(load(&text).unwrap_err(), KeyFileError::ConfigCount(2));
}

/// `a`'s key with its config changed by `edit` (re-encoded).
fn with_config(a: &EchKeyPair, edit: impl FnOnce(&mut EchConfigContents)) -> String {
    let mut contents = a.config().contents().unwrap().clone();
    edit(&mut contents);
    let list = EchConfigList {
        configs: vec![EchConfig::Rfc9849(contents)],
    };
    let key_block = block(
        PRIVATE_KEY_LABEL,
        &block_der(&a.to_pem(), PRIVATE_KEY_LABEL),
    );
    format!("{key_block}{}", block(ECHCONFIG_LABEL, &list.to_bytes()))
}

#[test]
fn refuses_a_config_clients_would_skip() {
    let a = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let mandatory = with_config(&a, |c| {
        c.extensions.push(EchConfigExtension {
            typ: 0xfa00,
            data: vec![],
        })
    });
    assert_eq!(
        load(&mandatory).unwrap_err(),
        KeyFileError::UnusableConfig(Unusable::MandatoryExtension(0xfa00))
    );
    let ip_name = with_config(&a, |c| c.public_name = b"192.0.2.1".to_vec());
    assert_eq!(
        load(&ip_name).unwrap_err(),
        KeyFileError::UnusableConfig(Unusable::InvalidPublicName)
    );
    let no_suite = with_config(&a, |c| {
        c.key_config.cipher_suites = vec![HpkeSymmetricCipherSuite {
            kdf_id: tls13::hpke::HpkeKdfId::HKDF_SHA256,
            aead_id: tls13::hpke::HpkeAeadId::EXPORT_ONLY,
        }]
    });
    assert_eq!(
        load(&no_suite).unwrap_err(),
        KeyFileError::UnusableConfig(Unusable::UnsupportedAlgorithms)
    );
    let unknown_version = {
        let list = EchConfigList {
            configs: vec![EchConfig::Unknown {
                version: 0xfe0c,
                contents: a.config().contents().unwrap().to_bytes(),
            }],
        };
        let key_block = block(
            PRIVATE_KEY_LABEL,
            &block_der(&a.to_pem(), PRIVATE_KEY_LABEL),
        );
        format!("{key_block}{}", block(ECHCONFIG_LABEL, &list.to_bytes()))
    };
    assert_eq!(
        load(&unknown_version).unwrap_err(),
        KeyFileError::UnusableConfig(Unusable::UnknownVersion(0xfe0c))
    );
}

#[test]
fn refuses_p256_keys_out_of_range_or_inconsistent() {
    let p = key(HpkeKemId::DHKEM_P256_HKDF_SHA256);
    let pem = p.to_pem();
    let der = block_der(&pem, PRIVATE_KEY_LABEL);
    let config = block(ECHCONFIG_LABEL, &block_der(&pem, ECHCONFIG_LABEL));
    // The scalar sits at bytes 36..68 (after the ECPrivateKey's version
    // and OCTET STRING header), the public point in the last 65.
    assert_eq!(der[36..68], **p.private_key().to_bytes());
    assert_eq!(der[der.len() - 65..], *p.private_key().public_key());
    let mut zero = der.clone();
    zero[36..68].fill(0);
    assert_eq!(
        load(&format!("{}{config}", block(PRIVATE_KEY_LABEL, &zero))).unwrap_err(),
        KeyFileError::Key(HpkeError::InvalidPrivateKey)
    );
    // The public key stored beside the scalar is another key's.
    let other = key(HpkeKemId::DHKEM_P256_HKDF_SHA256);
    let mut lying = der.clone();
    let n = lying.len();
    lying[n - 65..].copy_from_slice(other.private_key().public_key());
    assert_eq!(
        load(&format!("{}{config}", block(PRIVATE_KEY_LABEL, &lying))).unwrap_err(),
        KeyFileError::PrivateKey("the public key stored with it is not its own")
    );
    // Another curve in the algorithm's parameters.
    let mut other_curve = der.clone();
    let at = other_curve
        .windows(8)
        .position(|w| w == [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07])
        .unwrap();
    // The last arc changed (1.2.840.10045.3.1.6, prime239v3): the same
    // lengths, another curve.
    other_curve[at + 7] = 0x06;
    assert_eq!(
        load(&format!(
            "{}{config}",
            block(PRIVATE_KEY_LABEL, &other_curve)
        ))
        .unwrap_err(),
        KeyFileError::PrivateKey("an elliptic-curve key on another curve than P-256")
    );
}

#[test]
fn refuses_keys_of_other_algorithms() {
    let a = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let config = block(ECHCONFIG_LABEL, &a.config_list().to_bytes());
    // An Ed25519 key (id-Ed25519 1.3.101.112) of the same shape.
    let mut der = block_der(&a.to_pem(), PRIVATE_KEY_LABEL);
    der[11] = 0x70;
    assert_eq!(
        load(&format!("{}{config}", block(PRIVATE_KEY_LABEL, &der))).unwrap_err(),
        KeyFileError::PrivateKey("neither an X25519 nor an elliptic-curve key")
    );
    // P-384 ECDSA and Ed25519 signing keys (PKCS#8) from certgen.
    for kind in [
        tls13::certgen::KeyType::EcdsaP384,
        tls13::certgen::KeyType::Ed25519,
    ] {
        let der = tls13::certgen::generate_key(kind, &OsRandom).unwrap();
        assert!(
            matches!(
                load(&format!("{}{config}", block(PRIVATE_KEY_LABEL, &der))).unwrap_err(),
                KeyFileError::PrivateKey(_)
            ),
            "{kind:?}"
        );
    }
}

#[test]
fn errors_convert_to_bad_config() {
    let e: tls13::Error = KeyFileError::MissingBlock(ECHCONFIG_LABEL).into();
    assert!(
        matches!(&e, tls13::Error::BadConfig(w) if w.contains("no ECHCONFIG block")),
        "{e}"
    );
}

#[test]
fn debug_output_shows_no_private_key() {
    let k = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    let secret = hex::encode(&**k.private_key().to_bytes());
    let debug = format!("{k:?}");
    assert!(!debug.contains(&secret));
    let list = format!("{:?}", k.private_key().to_bytes().as_slice());
    assert!(!debug.contains(&list[1..list.len() - 1]));
}

// ------------------------------------------------------------ OpenSSL

/// `openssl args…` with `input` on stdin; its stdout.
fn openssl_out(args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(openssl::openssl_bin())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn openssl_reads_our_private_key_blocks() {
    if !openssl::have_openssl("openssl_reads_our_private_key_blocks") {
        return;
    }
    for kem in KEMS {
        let k = key(kem);
        let pem = k.to_pem();
        // `openssl pkey` takes the PRIVATE KEY block (it skips the other)
        // and gives the public key as SubjectPublicKeyInfo DER, whose
        // last bytes are the key: 32 for X25519, the 65-byte point for P-256.
        let spki = openssl_out(&["pkey", "-pubout", "-outform", "DER"], pem.as_bytes());
        let public = k.private_key().public_key();
        assert!(spki.ends_with(public), "{kem:?}: {}", hex::encode(&spki));
        // And writes the same PKCS#8 back (its canonical form of the key).
        let again = openssl_out(
            &["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"],
            pem.as_bytes(),
        );
        assert_eq!(again, block_der(&pem, PRIVATE_KEY_LABEL), "{kem:?}");
    }
}

#[test]
fn we_read_openssl_generated_keys() {
    if !openssl::have_openssl("we_read_openssl_generated_keys") {
        return;
    }
    for (kem, args) in [
        (
            HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            &["genpkey", "-algorithm", "X25519"][..],
        ),
        (
            HpkeKemId::DHKEM_P256_HKDF_SHA256,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ][..],
        ),
    ] {
        let key_pem = String::from_utf8(openssl_out(args, b"")).unwrap();
        let spki = openssl_out(&["pkey", "-pubout", "-outform", "DER"], key_pem.as_bytes());
        let npk = if kem == HpkeKemId::DHKEM_P256_HKDF_SHA256 {
            65
        } else {
            32
        };
        let public = spki[spki.len() - npk..].to_vec();
        let config = EchConfig::Rfc9849(EchConfigContents {
            key_config: HpkeKeyConfig {
                config_id: 7,
                kem_id: kem,
                public_key: public.clone(),
                cipher_suites: vec![HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM],
            },
            maximum_name_length: 0,
            public_name: b"public.example".to_vec(),
            extensions: vec![],
        });
        let list = EchConfigList {
            configs: vec![config.clone()],
        };
        let text = format!("{key_pem}{}", block(ECHCONFIG_LABEL, &list.to_bytes()));
        let k = load(&text).unwrap_or_else(|e| panic!("{kem:?}: {e}"));
        assert_eq!(k.private_key().public_key(), public, "{kem:?}");
        assert_eq!(k.config(), &config);
    }
}
