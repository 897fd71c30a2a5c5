//! `tls13::hpke` beyond the known answers (tests/hpke_vectors.rs): round
//! trips with fresh keys for every suite and mode on every provider and
//! across providers, and the refusals — a tampered ciphertext, `aad`,
//! `enc` or `info`, the wrong recipient key, PSK or sender key, malformed
//! public keys, and suites a provider cannot run.

mod common;

use common::{ScriptedRandom, providers};
use tls13::crypto::kx::KxGroup;
use tls13::crypto::{CryptoProvider, OsRandom, rustcrypto};
use tls13::hpke::{
    HpkeAeadId, HpkeError, HpkeKdfId, HpkeKemId, PrivateKey, Psk, ReceiverAuth, SenderAuth, Suite,
};

const KEMS: [HpkeKemId; 2] = [
    HpkeKemId::DHKEM_X25519_HKDF_SHA256,
    HpkeKemId::DHKEM_P256_HKDF_SHA256,
];
const KDFS: [HpkeKdfId; 2] = [HpkeKdfId::HKDF_SHA256, HpkeKdfId::HKDF_SHA384];
const AEADS: [HpkeAeadId; 4] = [
    HpkeAeadId::AES_128_GCM,
    HpkeAeadId::AES_256_GCM,
    HpkeAeadId::CHACHA20_POLY1305,
    HpkeAeadId::EXPORT_ONLY,
];

fn suites() -> impl Iterator<Item = Suite> {
    KEMS.into_iter().flat_map(|kem| {
        KDFS.into_iter().flat_map(move |kdf| {
            AEADS
                .into_iter()
                .map(move |aead| Suite::new(kem, kdf, aead))
        })
    })
}

const PSK: Psk<'static> = Psk {
    key: &[0x42; 32],
    id: b"psk id",
};

/// Every suite, in every mode: what the sender seals the recipient opens,
/// in order, and both export the same secrets; keys from one provider,
/// setups from another, all pairs.
#[test]
fn round_trips_in_every_suite_and_mode_across_providers() {
    let all = providers();
    let mut runs = 0;
    for suite in suites() {
        for (sp, rp) in all.iter().flat_map(|a| all.iter().map(move |b| (*a, *b))) {
            let sk_r = PrivateKey::generate(rp, suite.kem, &OsRandom).unwrap();
            let sk_s = PrivateKey::generate(sp, suite.kem, &OsRandom).unwrap();
            for (psk, auth) in [
                (None, false),
                (Some(PSK), false),
                (None, true),
                (Some(PSK), true),
            ] {
                let send = SenderAuth {
                    psk,
                    key: auth.then_some(&sk_s),
                };
                let recv = ReceiverAuth {
                    psk,
                    sender_public_key: auth.then_some(sk_s.public_key()),
                };
                let what = format!(
                    "{suite:?} psk {} auth {auth}, {} to {}",
                    psk.is_some(),
                    sp.name,
                    rp.name
                );
                let (enc, mut s) = suite
                    .setup_sender_with(sp, sk_r.public_key(), b"info", &send, &OsRandom)
                    .unwrap();
                let mut r = suite
                    .setup_receiver_with(rp, &enc, &sk_r, b"info", &recv)
                    .unwrap();
                if suite.aead == HpkeAeadId::EXPORT_ONLY {
                    assert_eq!(s.seal(b"", b"x"), Err(HpkeError::ExportOnly), "{what}");
                } else {
                    for (i, len) in [0usize, 1, 15, 16, 17, 1000].into_iter().enumerate() {
                        let pt: Vec<u8> = (0..len).map(|b| b as u8).collect();
                        let aad = [i as u8; 3];
                        let ct = s.seal(&aad, &pt).unwrap();
                        assert_eq!(ct.len(), len + 16, "{what}");
                        assert_eq!(r.open(&aad, &ct).unwrap(), pt, "{what}: message {i}");
                    }
                }
                let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
                s.export(b"exp", &mut a).unwrap();
                r.export(b"exp", &mut b).unwrap();
                assert_eq!(a, b, "{what}: export");
                runs += 1;
            }
        }
    }
    // 2 KEMs x 2 KDFs x 4 AEADs x 4 modes, for each pair of providers.
    assert_eq!(runs, 64 * all.len() * all.len());
}

#[test]
fn single_shot_seal_and_open() {
    for p in providers() {
        let suite = Suite::X25519_SHA256_AES_128_GCM;
        let sk_r = PrivateKey::generate(p, suite.kem, &OsRandom).unwrap();
        let (enc, ct) = suite
            .seal(p, sk_r.public_key(), b"info", b"aad", b"hello", &OsRandom)
            .unwrap();
        assert_eq!(
            suite.open(p, &enc, &sk_r, b"info", b"aad", &ct).unwrap(),
            b"hello"
        );
        assert_eq!(
            suite.open(p, &enc, &sk_r, b"info", b"aad!", &ct),
            Err(HpkeError::OpenFailed)
        );
    }
}

/// A sealed message and what opened it, per suite with an AEAD.
struct Sealed {
    suite: Suite,
    sk_r: PrivateKey,
    enc: Vec<u8>,
    ct: Vec<u8>,
}

fn sealed(p: &CryptoProvider) -> Vec<Sealed> {
    suites()
        .filter(|s| s.aead != HpkeAeadId::EXPORT_ONLY)
        .map(|suite| {
            let sk_r = PrivateKey::generate(p, suite.kem, &OsRandom).unwrap();
            let (enc, ct) = suite
                .seal(
                    p,
                    sk_r.public_key(),
                    b"info",
                    b"aad",
                    b"attack at dawn",
                    &OsRandom,
                )
                .unwrap();
            Sealed {
                suite,
                sk_r,
                enc,
                ct,
            }
        })
        .collect()
}

#[test]
fn every_bit_of_ct_aad_and_enc_matters() {
    for p in providers() {
        for Sealed {
            suite,
            sk_r,
            enc,
            ct,
        } in sealed(p)
        {
            let open = |enc: &[u8], info: &[u8], aad: &[u8], ct: &[u8]| {
                suite.open(p, enc, &sk_r, info, aad, ct)
            };
            assert_eq!(open(&enc, b"info", b"aad", &ct).unwrap(), b"attack at dawn");
            for bit in 0..ct.len() * 8 {
                let mut bad = ct.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                assert_eq!(
                    open(&enc, b"info", b"aad", &bad),
                    Err(HpkeError::OpenFailed),
                    "{suite:?} ct bit {bit}"
                );
            }
            assert_eq!(
                open(&enc, b"info", b"aad", &ct[..ct.len() - 1]),
                Err(HpkeError::OpenFailed)
            );
            assert_eq!(
                open(&enc, b"info", b"aad", &ct[..15]),
                Err(HpkeError::OpenFailed)
            );
            assert_eq!(open(&enc, b"info", b"aad", &[]), Err(HpkeError::OpenFailed));
            assert_eq!(open(&enc, b"info", b"aaD", &ct), Err(HpkeError::OpenFailed));
            assert_eq!(open(&enc, b"info", b"", &ct), Err(HpkeError::OpenFailed));
            assert_eq!(open(&enc, b"inf0", b"aad", &ct), Err(HpkeError::OpenFailed));
            // A flipped bit of enc is another key or none at all: a P-256
            // point off the curve, or a low-order X25519 point, refused
            // at setup; any other gives a context that opens nothing.
            for bit in 0..enc.len() * 8 {
                let mut bad = enc.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                match open(&bad, b"info", b"aad", &ct) {
                    Err(HpkeError::OpenFailed | HpkeError::InvalidPublicKey) => {}
                    other => panic!("{suite:?} enc bit {bit}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn the_wrong_recipient_key_opens_nothing() {
    for p in providers() {
        for Sealed { suite, enc, ct, .. } in sealed(p) {
            let other = PrivateKey::generate(p, suite.kem, &OsRandom).unwrap();
            assert_eq!(
                suite.open(p, &enc, &other, b"info", b"aad", &ct),
                Err(HpkeError::OpenFailed)
            );
        }
    }
}

#[test]
fn the_wrong_psk_or_sender_key_opens_nothing() {
    for p in providers() {
        for kem in KEMS {
            let suite = Suite::new(kem, HpkeKdfId::HKDF_SHA256, HpkeAeadId::AES_128_GCM);
            let sk_r = PrivateKey::generate(p, kem, &OsRandom).unwrap();
            let sk_s = PrivateKey::generate(p, kem, &OsRandom).unwrap();
            let impostor = PrivateKey::generate(p, kem, &OsRandom).unwrap();
            let send = SenderAuth {
                psk: Some(PSK),
                key: Some(&sk_s),
            };
            let (enc, mut s) = suite
                .setup_sender_with(p, sk_r.public_key(), b"", &send, &OsRandom)
                .unwrap();
            let ct = s.seal(b"", b"signed, sender").unwrap();
            let open = |auth: ReceiverAuth<'_>| {
                suite
                    .setup_receiver_with(p, &enc, &sk_r, b"", &auth)
                    .and_then(|mut r| r.open(b"", &ct))
            };
            let right = ReceiverAuth {
                psk: Some(PSK),
                sender_public_key: Some(sk_s.public_key()),
            };
            assert_eq!(open(right).unwrap(), b"signed, sender");
            let other_psk = Psk {
                key: &[0x43; 32],
                id: PSK.id,
            };
            let other_id = Psk {
                key: PSK.key,
                id: b"psk ie",
            };
            for (what, auth) in [
                (
                    "other psk",
                    ReceiverAuth {
                        psk: Some(other_psk),
                        ..right
                    },
                ),
                (
                    "other psk id",
                    ReceiverAuth {
                        psk: Some(other_id),
                        ..right
                    },
                ),
                (
                    "impostor",
                    ReceiverAuth {
                        sender_public_key: Some(impostor.public_key()),
                        ..right
                    },
                ),
                // Another mode: the key schedule differs.
                ("no psk", ReceiverAuth { psk: None, ..right }),
                (
                    "no sender",
                    ReceiverAuth {
                        sender_public_key: None,
                        ..right
                    },
                ),
                ("base", ReceiverAuth::default()),
            ] {
                assert_eq!(open(auth), Err(HpkeError::OpenFailed), "{kem:?}: {what}");
            }
        }
    }
}

#[test]
fn malformed_public_keys_are_refused() {
    // RFC 7748 §6.1 / Wycheproof: low-order X25519 points (zero, one, and
    // a point of order 8) make an all-zero output.
    let low_order = [
        [0u8; 32].to_vec(),
        {
            let mut one = [0u8; 32];
            one[0] = 1;
            one.to_vec()
        },
        hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").unwrap(),
    ];
    for p in providers() {
        let x = Suite::X25519_SHA256_AES_128_GCM;
        let n = Suite::new(
            HpkeKemId::DHKEM_P256_HKDF_SHA256,
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        );
        let sk_x = PrivateKey::generate(p, x.kem, &OsRandom).unwrap();
        let sk_n = PrivateKey::generate(p, n.kem, &OsRandom).unwrap();
        let mut off_curve = sk_n.public_key().to_vec();
        off_curve[64] ^= 1;
        let mut compressed = vec![2 | (sk_n.public_key()[64] & 1)];
        compressed.extend_from_slice(&sk_n.public_key()[1..33]);
        let mut bad: Vec<(Suite, &PrivateKey, Vec<u8>)> = vec![
            (x, &sk_x, vec![]),
            (x, &sk_x, vec![9; 31]),
            (x, &sk_x, vec![9; 33]),
            (n, &sk_n, vec![]),
            (n, &sk_n, sk_n.public_key()[..64].to_vec()),
            (n, &sk_n, off_curve),
            (n, &sk_n, compressed),
            (n, &sk_n, [&[4u8][..], &[0; 64]].concat()),
            // An X25519 key where a P-256 one belongs and vice versa.
            (n, &sk_n, sk_x.public_key().to_vec()),
            (x, &sk_x, sk_n.public_key().to_vec()),
        ];
        bad.extend(low_order.iter().map(|k| (x, &sk_x, k.clone())));
        for (suite, sk, key) in &bad {
            let what = format!("{}: {:?} {}", p.name, suite.kem, hex::encode(key));
            // As the recipient's public key: nothing drawn for a wrong
            // length, and refused either way.
            let rng = ScriptedRandom::new(vec![7; 32]);
            let sealed = suite.seal(p, key, b"", b"", b"", &rng);
            assert_eq!(
                sealed.err(),
                Some(HpkeError::InvalidPublicKey),
                "{what} as pkR"
            );
            // As enc.
            assert_eq!(
                suite.setup_receiver(p, key, sk, b"").err(),
                Some(HpkeError::InvalidPublicKey),
                "{what} as enc"
            );
            // As the sender's public key.
            let (enc, _) = suite
                .setup_sender(p, sk.public_key(), b"", &OsRandom)
                .unwrap();
            let auth = ReceiverAuth {
                psk: None,
                sender_public_key: Some(key),
            };
            assert_eq!(
                suite.setup_receiver_with(p, &enc, sk, b"", &auth).err(),
                Some(HpkeError::InvalidPublicKey),
                "{what} as pkS"
            );
        }
    }
}

#[test]
fn keys_of_another_kem_and_bad_psks_are_refused() {
    for p in providers() {
        let x = Suite::X25519_SHA256_AES_128_GCM;
        let n = Suite::new(
            HpkeKemId::DHKEM_P256_HKDF_SHA256,
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        );
        let sk_x = PrivateKey::generate(p, x.kem, &OsRandom).unwrap();
        let sk_n = PrivateKey::generate(p, n.kem, &OsRandom).unwrap();
        let (enc, _) = x
            .setup_sender(p, sk_x.public_key(), b"", &OsRandom)
            .unwrap();
        assert_eq!(
            x.setup_receiver(p, &enc, &sk_n, b"").err(),
            Some(HpkeError::KemMismatch)
        );
        let send = SenderAuth {
            psk: None,
            key: Some(&sk_n),
        };
        assert_eq!(
            x.setup_sender_with(p, sk_x.public_key(), b"", &send, &OsRandom)
                .err(),
            Some(HpkeError::KemMismatch)
        );
        for psk in [
            Psk {
                key: &[1; 31],
                id: b"id",
            },
            Psk {
                key: &[1; 32],
                id: b"",
            },
            Psk {
                key: b"",
                id: b"id",
            },
        ] {
            let send = SenderAuth {
                psk: Some(psk),
                key: None,
            };
            assert_eq!(
                x.setup_sender_with(p, sk_x.public_key(), b"", &send, &OsRandom)
                    .err(),
                Some(HpkeError::InvalidPsk)
            );
            let recv = ReceiverAuth {
                psk: Some(psk),
                sender_public_key: None,
            };
            assert_eq!(
                x.setup_receiver_with(p, &enc, &sk_x, b"", &recv).err(),
                Some(HpkeError::InvalidPsk)
            );
        }
    }
}

#[test]
fn private_keys_load_derive_and_serialise() {
    for p in providers() {
        for kem in KEMS {
            let key = PrivateKey::derive(p, kem, b"some input keying material, 32+").unwrap();
            let again = PrivateKey::derive(p, kem, b"some input keying material, 32+").unwrap();
            assert_eq!(key.public_key(), again.public_key());
            let loaded = PrivateKey::from_bytes(p, kem, &key.to_bytes()).unwrap();
            assert_eq!(loaded.public_key(), key.public_key());
            assert_eq!(*loaded.to_bytes(), *key.to_bytes());
            assert_eq!(loaded.kem(), kem);
            for bad in [&[][..], &[1; 31], &[1; 33]] {
                assert_eq!(
                    PrivateKey::from_bytes(p, kem, bad).err(),
                    Some(HpkeError::InvalidPrivateKey)
                );
            }
            // The key's bytes never show in Debug.
            let shown = format!("{key:?}");
            assert!(
                !shown.contains(&format!("{:?}", &key.to_bytes()[..4])),
                "{shown}"
            );
        }
        // P-256: zero and the order are not keys.
        let order = hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            .unwrap();
        for bad in [vec![0; 32], order] {
            assert_eq!(
                PrivateKey::from_bytes(p, HpkeKemId::DHKEM_P256_HKDF_SHA256, &bad).err(),
                Some(HpkeError::InvalidPrivateKey)
            );
        }
        // X25519: serialised clamped (RFC 9180 §7.1.2), same public key.
        let raw = [0xffu8; 32];
        let key = PrivateKey::from_bytes(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &raw).unwrap();
        let clamped = key.to_bytes();
        assert_eq!((clamped[0], clamped[31]), (0xf8, 0x7f));
        let reloaded =
            PrivateKey::from_bytes(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &clamped).unwrap();
        assert_eq!(reloaded.public_key(), key.public_key());
    }
}

#[test]
fn suites_a_provider_cannot_run_are_unsupported() {
    let p = rustcrypto::provider();
    let x = HpkeKemId::DHKEM_X25519_HKDF_SHA256;
    let sk = PrivateKey::generate(p, x, &OsRandom).unwrap();
    for suite in [
        Suite::new(x, HpkeKdfId::HKDF_SHA512, HpkeAeadId::AES_128_GCM),
        Suite::new(x, HpkeKdfId(0), HpkeAeadId::AES_128_GCM),
        Suite::new(x, HpkeKdfId::HKDF_SHA256, HpkeAeadId(4)),
        Suite::new(
            HpkeKemId::DHKEM_P521_HKDF_SHA512,
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        ),
        Suite::new(
            HpkeKemId::DHKEM_X448_HKDF_SHA512,
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        ),
        Suite::new(
            HpkeKemId(0x0040),
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        ),
    ] {
        assert!(!suite.is_supported(p), "{suite:?}");
        assert!(
            matches!(
                suite.setup_sender(p, sk.public_key(), b"", &OsRandom),
                Err(HpkeError::Unsupported(_))
            ),
            "{suite:?}"
        );
    }
    assert!(matches!(
        PrivateKey::generate(p, HpkeKemId::DHKEM_X448_HKDF_SHA512, &OsRandom),
        Err(HpkeError::Unsupported(_))
    ));

    // A provider whose X25519 group keeps no static keys (an embedder's
    // that does not implement them), or that has no such AEAD.
    struct NoStatic;
    impl KxGroup for NoStatic {
        fn group(&self) -> tls13::NamedGroup {
            tls13::NamedGroup::X25519
        }
        fn start(
            &self,
            rng: &dyn tls13::crypto::SecureRandom,
        ) -> Result<tls13::crypto::kx::KeyExchange, tls13::Error> {
            rustcrypto::provider()
                .group(tls13::NamedGroup::X25519)
                .unwrap()
                .start(rng)
        }
        fn server_exchange(
            &self,
            share: &[u8],
            rng: &dyn tls13::crypto::SecureRandom,
        ) -> Result<(Vec<u8>, tls13::crypto::kx::SharedSecret), tls13::Error> {
            rustcrypto::provider()
                .group(tls13::NamedGroup::X25519)
                .unwrap()
                .server_exchange(share, rng)
        }
    }
    static LIMITED: CryptoProvider = CryptoProvider {
        name: "limited",
        groups: &[&NoStatic],
        aeads: &[],
        ..rustcrypto::PROVIDER
    };
    let suite = Suite::X25519_SHA256_AES_128_GCM;
    assert!(!suite.is_supported(&LIMITED));
    assert!(matches!(
        PrivateKey::generate(&LIMITED, x, &OsRandom),
        Err(HpkeError::Unsupported(_))
    ));
    assert!(matches!(
        suite.setup_sender(&LIMITED, sk.public_key(), b"", &OsRandom),
        Err(HpkeError::Unsupported(_))
    ));
}

/// The sender's only randomness is Nsk bytes for its ephemeral key, from
/// the source given: the same bytes, the same enc and ciphertext.
#[test]
fn a_scripted_source_replays_a_setup() {
    for p in providers() {
        let suite = Suite::X25519_SHA256_AES_128_GCM;
        let sk_r = PrivateKey::derive(p, suite.kem, &[5; 32]).unwrap();
        let run = || {
            let rng = ScriptedRandom::new(vec![9; 32]);
            let out = suite
                .seal(p, sk_r.public_key(), b"i", b"a", b"p", &rng)
                .unwrap();
            assert_eq!(rng.remaining(), 0);
            out
        };
        assert_eq!(run(), run(), "{}", p.name);
        let failing = ScriptedRandom::new(vec![9; 31]);
        assert_eq!(
            suite
                .seal(p, sk_r.public_key(), b"i", b"a", b"p", &failing)
                .err(),
            Some(HpkeError::RandomFailed)
        );
    }
}
