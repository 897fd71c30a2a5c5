//! An adversarial review of `tls13::hpke`: what the RFC 9180 vectors and
//! the round trips of tests/hpke.rs cannot catch.
//!
//! - The HKDF-SHA384 suites against known answers from an independent
//!   implementation (vectors/hpke/oracle.py): RFC 9180's own vectors never
//!   use that KDF, and a round trip cannot see a mistake both sides make.
//! - Malformed and extreme inputs, every length of `enc`, `pkR` and
//!   `pkS`, every short ciphertext, every export length at the limits:
//!   typed errors, never a panic.
//! - RFC 9180 §7.1.4's all-zero X25519 check made by HPKE itself, so that
//!   an embedder's group that forgets it does not void it.

mod common;

use common::{ScriptedRandom, providers};
use serde_json::Value;
use tls13::crypto::kx::{KeyExchange, KxGroup, SharedSecret, StaticKey};
use tls13::crypto::{CryptoProvider, OsRandom, SecureRandom, rustcrypto};
use tls13::hpke::{
    HpkeAeadId, HpkeError, HpkeKdfId, HpkeKemId, PrivateKey, Psk, ReceiverAuth, SenderAuth, Suite,
};
use tls13::unstable::hpke::{receiver_schedule, sender_schedule};
use tls13::{Error, NamedGroup};

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not hex: {v}"))).unwrap()
}

fn id(v: &Value, field: &str) -> u16 {
    v[field].as_u64().unwrap().try_into().unwrap()
}

/// vectors/hpke/hkdf-sha384-oracle.json (made by gen384.py with
/// oracle.py, which also reproduces every applicable RFC 9180 vector):
/// both KEMs x HKDF-SHA384 x 4 AEADs x 4 modes. Every value is compared —
/// keys, enc, the schedule's secrets, ciphertexts, exports across the
/// 48-byte block boundary — on both sides, for every provider.
#[test]
fn hkdf_sha384_suites_match_an_independent_implementation() {
    let path = format!(
        "{}/vectors/hpke/hkdf-sha384-oracle.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let vectors: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(vectors.len(), 32);
    for p in providers() {
        let name = p.name;
        let (mut ran, mut sealed, mut exported) = (0, 0, 0);
        for v in &vectors {
            let suite = Suite::new(
                HpkeKemId(id(v, "kem_id")),
                HpkeKdfId(id(v, "kdf_id")),
                HpkeAeadId(id(v, "aead_id")),
            );
            assert_eq!(suite.kdf, HpkeKdfId::HKDF_SHA384);
            let what = format!("{name} {suite:?} mode {}", id(v, "mode"));
            let info = hx(&v["info"]);
            let (psk_key, psk_id) = match v.get("psk") {
                Some(k) => (hx(k), hx(&v["psk_id"])),
                None => (vec![], vec![]),
            };
            let psk = v.get("psk").map(|_| Psk {
                key: &psk_key,
                id: &psk_id,
            });
            let sk_r = PrivateKey::derive(p, suite.kem, &hx(&v["ikmR"])).unwrap();
            assert_eq!(sk_r.public_key(), hx(&v["pkRm"]), "{what}: pkRm");
            let sk_s = v
                .get("ikmS")
                .map(|ikm| PrivateKey::derive(p, suite.kem, &hx(ikm)).unwrap());
            if let Some(s) = &sk_s {
                assert_eq!(s.public_key(), hx(&v["pkSm"]), "{what}: pkSm");
            }
            let send = SenderAuth {
                psk,
                key: sk_s.as_ref(),
            };
            let recv = ReceiverAuth {
                psk,
                sender_public_key: sk_s.as_ref().map(|k| k.public_key()),
            };
            let rng = ScriptedRandom::new(hx(&v["ikmE"]));
            let (enc, schedule) =
                sender_schedule(&suite, p, sk_r.public_key(), &info, &send, &rng).unwrap();
            assert_eq!(enc, hx(&v["enc"]), "{what}: enc");
            let theirs = receiver_schedule(&suite, p, &enc, &sk_r, &info, &recv).unwrap();
            for s in [&schedule, &theirs] {
                assert_eq!(s.shared_secret(), hx(&v["shared_secret"]), "{what}");
                assert_eq!(s.key(), hx(&v["key"]), "{what}: key");
                assert_eq!(s.base_nonce(), hx(&v["base_nonce"]), "{what}: base_nonce");
                assert_eq!(
                    s.exporter_secret(),
                    hx(&v["exporter_secret"]),
                    "{what}: exporter_secret"
                );
            }
            let mut sender = schedule.into_sender().unwrap();
            let mut receiver = theirs.into_receiver().unwrap();
            for e in v["encryptions"].as_array().unwrap() {
                let (aad, pt, ct) = (hx(&e["aad"]), hx(&e["pt"]), hx(&e["ct"]));
                assert_eq!(sender.seal(&aad, &pt).unwrap(), ct, "{what}: seal");
                assert_eq!(receiver.open(&aad, &ct).unwrap(), pt, "{what}: open");
                sealed += 1;
            }
            for x in v["exports"].as_array().unwrap() {
                let want = hx(&x["exported_value"]);
                let mut out = vec![0u8; want.len()];
                sender
                    .export(&hx(&x["exporter_context"]), &mut out)
                    .unwrap();
                assert_eq!(out, want, "{what}: sender export");
                receiver
                    .export(&hx(&x["exporter_context"]), &mut out)
                    .unwrap();
                assert_eq!(out, want, "{what}: receiver export");
                exported += 1;
            }
            ran += 1;
        }
        assert_eq!((ran, sealed, exported), (32, 24 * 3, 32 * 3), "{name}");
    }
}

/// Every length of `enc`, `pkR` and `pkS` from 0 to 133 bytes, of zeros,
/// of 0xff, and of a 0x04 prefix with a valid point's bytes: the wrong
/// lengths are `InvalidPublicKey` before any draw, the right ones an
/// error or a context, and nothing panics.
#[test]
fn every_public_key_length_is_a_typed_error() {
    for p in providers() {
        for kem in [
            HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            HpkeKemId::DHKEM_P256_HKDF_SHA256,
        ] {
            let suite = Suite::new(kem, HpkeKdfId::HKDF_SHA256, HpkeAeadId::AES_128_GCM);
            let npk = if kem == HpkeKemId::DHKEM_P256_HKDF_SHA256 {
                65
            } else {
                32
            };
            let sk = PrivateKey::generate(p, kem, &OsRandom).unwrap();
            let good = sk.public_key().to_vec();
            let (enc, _) = suite.setup_sender(p, &good, b"", &OsRandom).unwrap();
            for len in 0..=133usize {
                let candidates = [
                    vec![0u8; len],
                    vec![0xffu8; len],
                    (0..len)
                        .map(|i| if i == 0 { 4 } else { good[i % good.len()] })
                        .collect::<Vec<u8>>(),
                ];
                for key in &candidates {
                    let what = format!("{} {kem:?} {}", p.name, hex::encode(key));
                    // As pkR: nothing is drawn for a wrong length.
                    let empty = ScriptedRandom::new(Vec::new());
                    let r = suite.setup_sender(p, key, b"", &empty);
                    if len != npk {
                        assert_eq!(r.err(), Some(HpkeError::InvalidPublicKey), "{what} pkR");
                    } else {
                        assert!(
                            matches!(
                                r.err(),
                                Some(HpkeError::InvalidPublicKey | HpkeError::RandomFailed)
                            ),
                            "{what} pkR"
                        );
                    }
                    // As enc.
                    let r = suite.setup_receiver(p, key, &sk, b"");
                    if len != npk {
                        assert_eq!(r.err(), Some(HpkeError::InvalidPublicKey), "{what} enc");
                    }
                    // As pkS.
                    let auth = ReceiverAuth {
                        psk: None,
                        sender_public_key: Some(key),
                    };
                    let r = suite.setup_receiver_with(p, &enc, &sk, b"", &auth);
                    if len != npk {
                        assert_eq!(r.err(), Some(HpkeError::InvalidPublicKey), "{what} pkS");
                    }
                }
            }
        }
    }
}

/// Ciphertexts of every length up to a tag, exports at and past 255 * Nh
/// for both KDFs, a megabyte of info, aad, psk_id and plaintext: typed
/// errors or the right answer.
#[test]
fn extreme_lengths_are_typed_errors_or_work() {
    for p in providers() {
        for (kdf, nh) in [(HpkeKdfId::HKDF_SHA256, 32), (HpkeKdfId::HKDF_SHA384, 48)] {
            let suite = Suite::new(
                HpkeKemId::DHKEM_X25519_HKDF_SHA256,
                kdf,
                HpkeAeadId::CHACHA20_POLY1305,
            );
            let sk = PrivateKey::generate(p, suite.kem, &OsRandom).unwrap();
            let big = vec![0x5a; 1 << 20];
            let psk = Psk {
                key: &big,
                id: &big,
            };
            let send = SenderAuth {
                psk: Some(psk),
                key: Some(&sk),
            };
            let recv = ReceiverAuth {
                psk: Some(psk),
                sender_public_key: Some(sk.public_key()),
            };
            let (enc, mut s) = suite
                .setup_sender_with(p, sk.public_key(), &big, &send, &OsRandom)
                .unwrap();
            let mut r = suite
                .setup_receiver_with(p, &enc, &sk, &big, &recv)
                .unwrap();
            for len in 0..=16 {
                assert_eq!(
                    r.open(b"", &vec![0; len]),
                    Err(HpkeError::OpenFailed),
                    "{len}"
                );
                let mut buf = vec![0; len];
                assert_eq!(r.open_in_place(b"", &mut buf), Err(HpkeError::OpenFailed));
            }
            assert_eq!(r.sequence_number(), 0);
            let ct = s.seal(&big, &big).unwrap();
            assert_eq!(r.open(&big, &ct).unwrap(), big);
            let ct = s.seal(b"", b"").unwrap();
            assert_eq!(ct.len(), 16);
            assert_eq!(r.open(b"", &ct).unwrap(), b"");

            let max = 255 * nh;
            let (mut a, mut b) = (vec![0u8; max], vec![1u8; max]);
            s.export(&big, &mut a).unwrap();
            r.export(&big, &mut b).unwrap();
            assert_eq!(a, b, "{kdf:?}: 255 * Nh");
            for len in [max + 1, 65_535, 65_536, 1 << 20] {
                let mut out = vec![0u8; len];
                assert_eq!(
                    s.export(b"", &mut out),
                    Err(HpkeError::ExportTooLong),
                    "{kdf:?} L={len}"
                );
                assert!(out.iter().all(|&b| b == 0), "nothing written on refusal");
            }
            s.export(b"", &mut []).unwrap();
        }
    }
}

/// What prints never shows a PSK, a private key or a context's secrets.
#[test]
fn debug_shows_no_secret() {
    let p = rustcrypto::provider();
    let suite = Suite::X25519_SHA256_AES_128_GCM;
    let sk = PrivateKey::derive(p, suite.kem, &[0x11; 32]).unwrap();
    let psk = Psk {
        key: &[0xab; 32],
        id: b"the id",
    };
    let send = SenderAuth {
        psk: Some(psk),
        key: Some(&sk),
    };
    let (_, s) = suite
        .setup_sender_with(p, sk.public_key(), b"", &send, &OsRandom)
        .unwrap();
    let secret = hex::encode(&sk.to_bytes()[..4]);
    let bytes = format!("{:?}", &sk.to_bytes()[..4]);
    for shown in [format!("{send:?}"), format!("{s:?}"), format!("{sk:?}")] {
        assert!(
            !shown.contains(&secret) && !shown.contains(&bytes),
            "{shown}"
        );
        assert!(
            !shown.contains("171, 171") && !shown.contains("abab"),
            "{shown}"
        );
    }
}

/// An embedder's X25519 group whose static keys do the Diffie-Hellman
/// and nothing else: no all-zero check (x25519-dalek's raw function).
struct LaxX25519;

struct LaxStatic {
    sk: x25519_dalek::StaticSecret,
    public: [u8; 32],
}

impl StaticKey for LaxStatic {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn agree(&self, peer: &[u8]) -> Result<SharedSecret, Error> {
        let peer: [u8; 32] = peer
            .try_into()
            .map_err(|_| Error::from(tls13::error::PeerMisbehaved::InvalidKeyShare))?;
        let shared = self.sk.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
        SharedSecret::from_parts(&[shared.as_bytes()])
    }
}

impl KxGroup for LaxX25519 {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        rustcrypto::provider()
            .group(NamedGroup::X25519)
            .unwrap()
            .start(rng)
    }

    fn server_exchange(
        &self,
        share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        rustcrypto::provider()
            .group(NamedGroup::X25519)
            .unwrap()
            .server_exchange(share, rng)
    }

    fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
        let raw: [u8; 32] = secret.try_into().ok()?;
        let sk = x25519_dalek::StaticSecret::from(raw);
        let public = x25519_dalek::PublicKey::from(&sk).to_bytes();
        Some(Ok(Box::new(LaxStatic { sk, public })))
    }
}

static LAX: CryptoProvider = CryptoProvider {
    name: "lax X25519",
    groups: &[&LaxX25519],
    ..rustcrypto::PROVIDER
};

/// RFC 9180 §7.1.4: "senders and recipients MUST check whether the shared
/// secret is the all-zero value and abort if so". With a low-order `pkR`
/// the sender's context is keyed by a secret anyone can compute from
/// `enc`; with a low-order `enc` (or `pkS`) the recipient's. HPKE must
/// refuse both itself, not only when the provider's group happens to.
#[test]
fn an_all_zero_x25519_output_is_refused_whatever_the_group() {
    let suite = Suite::X25519_SHA256_AES_128_GCM;
    let sk = PrivateKey::derive(&LAX, suite.kem, &[3; 32]).unwrap();
    // Sanity: the lax group does work, and agrees with the real one.
    let real = PrivateKey::derive(rustcrypto::provider(), suite.kem, &[3; 32]).unwrap();
    assert_eq!(sk.public_key(), real.public_key());
    let (enc, mut s) = suite
        .setup_sender(&LAX, sk.public_key(), b"", &OsRandom)
        .unwrap();
    let ct = s.seal(b"", b"ok").unwrap();
    assert_eq!(suite.open(&LAX, &enc, &sk, b"", b"", &ct).unwrap(), b"ok");

    let mut one = [0u8; 32];
    one[0] = 1;
    let order8 =
        hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").unwrap();
    for low in [vec![0u8; 32], one.to_vec(), order8] {
        let what = hex::encode(&low);
        assert_eq!(
            suite.setup_sender(&LAX, &low, b"", &OsRandom).err(),
            Some(HpkeError::InvalidPublicKey),
            "{what} as pkR"
        );
        assert_eq!(
            suite.setup_receiver(&LAX, &low, &sk, b"").err(),
            Some(HpkeError::InvalidPublicKey),
            "{what} as enc"
        );
        let auth = ReceiverAuth {
            psk: None,
            sender_public_key: Some(&low),
        };
        assert_eq!(
            suite.setup_receiver_with(&LAX, &enc, &sk, b"", &auth).err(),
            Some(HpkeError::InvalidPublicKey),
            "{what} as pkS"
        );
    }
}
