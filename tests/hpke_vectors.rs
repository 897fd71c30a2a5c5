//! RFC 9180's test vectors (vectors/hpke/rfc9180-subset.json, see
//! vectors/README.md) through `tls13::hpke`, for every provider
//! (`providers::providers`): each key pair from its `ikm`, then the
//! sender's and the recipient's setup — enc, shared_secret, key,
//! base_nonce, exporter_secret — then every encryption (seal gives `ct`,
//! open gives `pt`) and every export, on both sides.
//!
//! The sender's ephemeral key is DeriveKeyPair of 32 bytes from the
//! `rng` (GenerateKeyPair as RFC 9180 §4 allows), so a scripted source
//! that gives `ikmE` replays the vector's setup.
//!
//! A vector runs when the provider supports its suite and is skipped
//! otherwise; the counts of both, and the reason of each skip, are
//! asserted, so that a suite cannot drop out unnoticed.

mod common;

use std::collections::BTreeMap;

use common::{ScriptedRandom, providers};
use serde_json::Value;
use tls13::crypto::CryptoProvider;
use tls13::hpke::{
    HpkeAeadId, HpkeError, HpkeKdfId, HpkeKemId, PrivateKey, Psk, ReceiverAuth, SenderAuth, Suite,
};
use tls13::unstable::hpke::{KeySchedule, receiver_schedule, sender_schedule};

fn vectors() -> Vec<Value> {
    let path = format!(
        "{}/vectors/hpke/rfc9180-subset.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(
        v.as_str()
            .unwrap_or_else(|| panic!("not a hex string: {v}")),
    )
    .unwrap()
}

fn id(v: &Value, field: &str) -> u16 {
    v[field].as_u64().unwrap().try_into().unwrap()
}

/// Why this module skips a suite, or `None` when it should run it.
fn skip_reason(kem: HpkeKemId, kdf: HpkeKdfId) -> Option<&'static str> {
    match (kem, kdf) {
        (HpkeKemId::DHKEM_P521_HKDF_SHA512, _) => {
            Some("KEM DHKEM(P-521, HKDF-SHA512): not in scope")
        }
        (HpkeKemId::DHKEM_X448_HKDF_SHA512, _) => {
            Some("KEM DHKEM(X448, HKDF-SHA512): not in scope")
        }
        (_, HpkeKdfId::HKDF_SHA512) => Some("KDF HKDF-SHA512: the provider seam has no SHA-512"),
        _ => None,
    }
}

/// decodeScalar25519's clamping (RFC 7748 §5): the vectors print X25519
/// private keys unclamped, SerializePrivateKey clamps (RFC 9180 §7.1.2).
fn clamped(kem: HpkeKemId, mut sk: Vec<u8>) -> Vec<u8> {
    if kem == HpkeKemId::DHKEM_X25519_HKDF_SHA256 {
        sk[0] &= 248;
        sk[31] &= 127;
        sk[31] |= 64;
    }
    sk
}

#[derive(Default)]
struct Counts {
    applied: usize,
    by_mode: [usize; 4],
    encryptions: usize,
    exports: usize,
    skipped: BTreeMap<&'static str, usize>,
}

/// One vector's key pairs: derived from `ikm`, they are the vector's,
/// and the serialised private key loads back to the same public key.
fn check_key(p: &CryptoProvider, kem: HpkeKemId, v: &Value, who: &str) -> PrivateKey {
    let name = p.name;
    let key = PrivateKey::derive(p, kem, &hx(&v[format!("ikm{who}")])).unwrap();
    assert_eq!(
        key.public_key(),
        hx(&v[format!("pk{who}m")]),
        "{name}: pk{who}m"
    );
    let sk = clamped(kem, hx(&v[format!("sk{who}m")]));
    assert_eq!(*key.to_bytes(), sk, "{name}: sk{who}m");
    let loaded = PrivateKey::from_bytes(p, kem, &sk).unwrap();
    assert_eq!(
        loaded.public_key(),
        key.public_key(),
        "{name}: sk{who}m loaded"
    );
    key
}

fn check_schedule(name: &str, side: &str, s: &KeySchedule, v: &Value) {
    assert_eq!(
        s.shared_secret(),
        hx(&v["shared_secret"]),
        "{name} {side}: shared_secret"
    );
    assert_eq!(s.key(), hx(&v["key"]), "{name} {side}: key");
    assert_eq!(
        s.base_nonce(),
        hx(&v["base_nonce"]),
        "{name} {side}: base_nonce"
    );
    assert_eq!(
        s.exporter_secret(),
        hx(&v["exporter_secret"]),
        "{name} {side}: exporter_secret"
    );
}

fn run_vector(p: &CryptoProvider, suite: Suite, v: &Value, counts: &mut Counts) {
    let name = p.name;
    let mode = id(v, "mode");
    let info = hx(&v["info"]);
    let (psk_key, psk_id) = match v.get("psk") {
        Some(psk) => (hx(psk), hx(&v["psk_id"])),
        None => (Vec::new(), Vec::new()),
    };
    let psk = v.get("psk").map(|_| Psk {
        key: &psk_key,
        id: &psk_id,
    });

    let sk_r = check_key(p, suite.kem, v, "R");
    let sk_e = check_key(p, suite.kem, v, "E");
    assert_eq!(hx(&v["enc"]), sk_e.public_key(), "{name}: enc is pkEm");
    let sk_s = v.get("ikmS").map(|_| check_key(p, suite.kem, v, "S"));
    let pk_s = sk_s.as_ref().map(|k| k.public_key().to_vec());
    assert_eq!(
        sk_s.is_some(),
        mode >= 2,
        "{name}: a sender key exactly in the auth modes"
    );

    let sender_auth = SenderAuth {
        psk,
        key: sk_s.as_ref(),
    };
    let receiver_auth = ReceiverAuth {
        psk,
        sender_public_key: pk_s.as_deref(),
    };

    // The steps with their secrets in view: sender, then recipient.
    let rng = ScriptedRandom::new(hx(&v["ikmE"]));
    let (enc, schedule) =
        sender_schedule(&suite, p, &hx(&v["pkRm"]), &info, &sender_auth, &rng).unwrap();
    assert_eq!(rng.remaining(), 0, "{name}: ikmE is the whole draw");
    assert_eq!(enc, hx(&v["enc"]), "{name}: enc");
    check_schedule(name, "sender", &schedule, v);
    let mut sender = schedule.into_sender().unwrap();
    let schedule = receiver_schedule(&suite, p, &enc, &sk_r, &info, &receiver_auth).unwrap();
    check_schedule(name, "receiver", &schedule, v);
    let mut receiver = schedule.into_receiver().unwrap();

    // The public setup gives the same contexts.
    let rng = ScriptedRandom::new(hx(&v["ikmE"]));
    let (public_enc, mut public_sender) = suite
        .setup_sender_with(p, &hx(&v["pkRm"]), &info, &sender_auth, &rng)
        .unwrap();
    assert_eq!(public_enc, enc, "{name}: setup_sender_with's enc");
    let mut public_receiver = suite
        .setup_receiver_with(p, &enc, &sk_r, &info, &receiver_auth)
        .unwrap();

    let base_nonce = hx(&v["base_nonce"]);
    let encryptions = v["encryptions"].as_array().unwrap();
    if suite.aead == HpkeAeadId::EXPORT_ONLY {
        assert!(encryptions.is_empty());
        assert_eq!(
            sender.seal(b"", b"pt"),
            Err(HpkeError::ExportOnly),
            "{name}"
        );
        assert_eq!(
            receiver.open(b"", &[0; 16]),
            Err(HpkeError::ExportOnly),
            "{name}"
        );
    } else {
        assert_eq!(
            encryptions.len(),
            257,
            "{name}: the file's encryptions per vector"
        );
    }
    for (seq, e) in encryptions.iter().enumerate() {
        let (aad, pt, ct) = (hx(&e["aad"]), hx(&e["pt"]), hx(&e["ct"]));
        // The file's nonce is base_nonce xor seq (§5.2), as ours is.
        let mut nonce = base_nonce.clone();
        for (n, s) in nonce
            .iter_mut()
            .rev()
            .zip((seq as u64).to_be_bytes().iter().rev())
        {
            *n ^= s;
        }
        assert_eq!(hx(&e["nonce"]), nonce, "{name}: nonce {seq}");
        assert_eq!(sender.seal(&aad, &pt).unwrap(), ct, "{name}: seal {seq}");
        assert_eq!(receiver.open(&aad, &ct).unwrap(), pt, "{name}: open {seq}");
        if seq == 0 {
            assert_eq!(
                public_sender.seal(&aad, &pt).unwrap(),
                ct,
                "{name}: setup_sender_with"
            );
            assert_eq!(
                public_receiver.open(&aad, &ct).unwrap(),
                pt,
                "{name}: setup_receiver_with"
            );
        }
        counts.encryptions += 1;
    }
    assert_eq!(sender.sequence_number(), encryptions.len() as u64);
    assert_eq!(receiver.sequence_number(), encryptions.len() as u64);

    let exports = v["exports"].as_array().unwrap();
    assert_eq!(exports.len(), 3, "{name}: the file's exports per vector");
    for x in exports {
        let want = hx(&x["exported_value"]);
        let len = x["L"].as_u64().unwrap() as usize;
        assert_eq!(want.len(), len);
        let context = hx(&x["exporter_context"]);
        let mut out = vec![0u8; len];
        sender.export(&context, &mut out).unwrap();
        assert_eq!(out, want, "{name}: sender export");
        receiver.export(&context, &mut out).unwrap();
        assert_eq!(out, want, "{name}: receiver export");
        public_receiver.export(&context, &mut out).unwrap();
        assert_eq!(out, want, "{name}: setup_receiver_with export");
        counts.exports += 1;
    }
    counts.applied += 1;
    counts.by_mode[usize::from(mode)] += 1;
}

#[test]
fn rfc9180_vectors_for_every_provider() {
    use std::io::Write;
    let vectors = vectors();
    assert_eq!(
        vectors.len(),
        128,
        "the file's 128 vectors, applicable or not"
    );
    for p in providers() {
        let mut counts = Counts::default();
        for v in &vectors {
            let suite = Suite::new(
                HpkeKemId(id(v, "kem_id")),
                HpkeKdfId(id(v, "kdf_id")),
                HpkeAeadId(id(v, "aead_id")),
            );
            // Skipped exactly when the library says it cannot run it.
            let reason = skip_reason(suite.kem, suite.kdf);
            assert_eq!(
                suite.is_supported(p),
                reason.is_none(),
                "{}: {suite:?}",
                p.name
            );
            match reason {
                Some(why) => *counts.skipped.entry(why).or_default() += 1,
                None => run_vector(p, suite, v, &mut counts),
            }
        }
        let _ = writeln!(
            std::io::stderr(),
            "hpke_vectors {}: {} vectors applied (modes base/psk/auth/auth_psk {:?}), {} encryptions, {} exports; {} skipped: {:?}",
            p.name,
            counts.applied,
            counts.by_mode,
            counts.encryptions,
            counts.exports,
            counts.skipped.values().sum::<usize>(),
            counts.skipped,
        );
        // 2 KEMs x 1 KDF (no vector uses HKDF-SHA384) x 4 AEADs x 4
        // modes; 3 of the 4 AEADs have 257 encryptions; 3 exports each.
        assert_eq!(counts.applied, 32, "{}", p.name);
        assert_eq!(counts.by_mode, [8, 8, 8, 8], "{}", p.name);
        assert_eq!(counts.encryptions, 24 * 257, "{}", p.name);
        assert_eq!(counts.exports, 32 * 3, "{}", p.name);
        let skipped: Vec<usize> = counts.skipped.values().copied().collect();
        assert_eq!(skipped, [32, 32, 32], "{}: {:?}", p.name, counts.skipped);
    }
}

/// RFC 9180 A.1.1, the suite ECH requires (RFC 9849 §9), base mode: the
/// first vector, spelt out so that a change to the file cannot take it.
#[test]
fn ech_suite_base_mode_is_the_first_vector() {
    let v = &vectors()[0];
    assert_eq!(
        (
            id(v, "mode"),
            id(v, "kem_id"),
            id(v, "kdf_id"),
            id(v, "aead_id")
        ),
        (0, 32, 1, 1)
    );
    assert_eq!(
        v["enc"],
        "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431"
    );
    assert_eq!(
        v["shared_secret"],
        "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc"
    );
    for p in providers() {
        let sk_r = PrivateKey::from_bytes(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &hx(&v["skRm"]))
            .unwrap();
        let mut receiver = Suite::X25519_SHA256_AES_128_GCM
            .setup_receiver(p, &hx(&v["enc"]), &sk_r, &hx(&v["info"]))
            .unwrap();
        let e = &v["encryptions"][0];
        assert_eq!(
            receiver.open(&hx(&e["aad"]), &hx(&e["ct"])).unwrap(),
            hx(&e["pt"]),
            "{}",
            p.name
        );
    }
}
