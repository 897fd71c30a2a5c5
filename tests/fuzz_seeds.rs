//! Writes the fuzz seed corpora (`fuzz/seeds/<target>/`) from a real
//! in-memory handshake between the fuzz harnesses' own client and server,
//! so the seeds replay exactly through the deterministic harnesses:
//!
//! ```text
//! cargo test --test fuzz_seeds -- --ignored
//! RUSTFLAGS="--cfg fuzzing" cargo test --features fuzzing --test fuzz_seeds -- --ignored
//! ```
//!
//! The second run (with the library's insecure `fuzzing` crypto mode, as
//! the fuzz crate builds it; the feature builds only with the `fuzzing`
//! cfg that cargo-fuzz sets, hence the RUSTFLAGS) writes the `fz-*` seeds
//! of the `client`, `server`, `session`, `ech_server` and `ech_client`
//! targets: their encrypted
//! records are in the fuzzing mode's format, so only a fuzzing-mode build
//! replays them to the end (`RUSTFLAGS="--cfg fuzzing" cargo test
//! --features fuzzing --test fuzz_seeds`); an ordinary
//! run still feeds them through the harnesses (no panic, properties hold).
//!
//! The non-ignored test replays the committed seeds through the harnesses
//! (which assert their properties), so a change that invalidates them or
//! breaks a harness shows up in the ordinary test run.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::fs;
use std::path::{Path, PathBuf};

use tls13::EchStatus;
use tls13::certgen::{self, KeyType};
use tls13::crypto::pem;
use tls13::unstable::codec::{Codec, Reader};
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::unstable::msgs::handshake::HandshakeMessage;

const TARGETS: &[&str] = &[
    "deframer",
    "handshake_msg",
    "client",
    "server",
    "cert_pem",
    "x509",
    "session",
    "quic_server",
    "quic_client",
    "ech_config",
    "ech_inner",
    "ech_server",
    "ech_client",
    "ocsp",
    "compressed_cert",
];

fn seed_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target)
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = seed_dir(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn prefixed(split: u8, stream: &[u8]) -> Vec<u8> {
    let mut v = vec![split];
    v.extend_from_slice(stream);
    v
}

/// Handshake message payloads of the plaintext records at the start of
/// `wire` (ClientHello / ServerHello).
fn plaintext_messages(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = wire;
    while rest.len() >= 5 && rest[0] == 22 {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        out.push(rest[5..5 + len].to_vec());
        rest = &rest[5 + len..];
    }
    out
}

#[test]
#[ignore = "writes fuzz/seeds; run by hand after changing the harness"]
fn generate_seeds() {
    // QUIC has no record protection: the CRYPTO data, so these seeds,
    // are the same in both crypto modes (the replay test checks it).
    let (c_runs, s_runs) = harness::record_quic_handshake();
    for (target, runs) in [("quic_server", &c_runs), ("quic_client", &s_runs)] {
        write(target, "handshake-whole", &harness::quic_script(runs, 0));
        write(target, "handshake-chunks", &harness::quic_script(runs, 2));
        write(
            target,
            "handshake-small-chunks",
            &harness::quic_script(runs, 3),
        );
    }
    let hrr = harness::record_quic_hello_retry();
    write("quic_client", "hello-retry", &harness::quic_script(&hrr, 0));

    write_ech_handshake_seeds();

    let (c_wire, s_wire) = harness::record_handshake();
    if tls13::crypto::FUZZING {
        // Only the seeds whose bytes depend on the crypto mode.
        write("client", "fz-handshake-whole", &prefixed(0, &s_wire));
        write("client", "fz-handshake-chunks", &prefixed(2, &s_wire));
        write("server", "fz-handshake-whole", &prefixed(0, &c_wire));
        write("server", "fz-handshake-chunks", &prefixed(3, &c_wire));
        write("session", "fz-real-client", &harness::record_session(true));
        write("session", "fz-real-server", &harness::record_session(false));
        return;
    }

    write("client", "handshake-whole", &prefixed(0, &s_wire));
    write("client", "handshake-chunks", &prefixed(2, &s_wire));
    write("client", "handshake-small-chunks", &prefixed(3, &s_wire));
    write("server", "handshake-whole", &prefixed(0, &c_wire));
    write("server", "handshake-chunks", &prefixed(2, &c_wire));
    write("server", "handshake-small-chunks", &prefixed(3, &c_wire));
    write("deframer", "client-stream", &prefixed(3, &c_wire));
    write("deframer", "server-stream", &prefixed(2, &s_wire));

    // Messages: ours in the clear, plus every handshake message of the
    // RFC 8448 traces (the encrypted ones of our handshake are not
    // visible on the wire), and each ClientHello extension on its own.
    let mut msgs = plaintext_messages(&c_wire);
    msgs.extend(plaintext_messages(&s_wire));
    let json: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/rfc8448/rfc8448-vectors.json"
    )))
    .unwrap();
    for e in json["entries"].as_array().unwrap() {
        let bytes = hex::decode(e["hex"].as_str().unwrap_or("")).unwrap();
        if let Ok(m) = HandshakeMessage::read_exact(&bytes, "seed")
            && !matches!(m, HandshakeMessage::Unknown { .. })
            && !msgs.contains(&bytes)
        {
            msgs.push(bytes);
        }
    }
    for (i, m) in msgs.iter().enumerate() {
        let msg = HandshakeMessage::read(&mut Reader::new(m)).unwrap();
        write(
            "handshake_msg",
            &format!("msg-{i:02}-type{}", msg.typ().0),
            m,
        );
        if let HandshakeMessage::ClientHello(ch) = msg {
            for ext in &ch.extensions {
                write(
                    "handshake_msg",
                    &format!("ext-{:04x}", ext.typ().0),
                    &ext.to_bytes(),
                );
            }
        }
    }

    let id = harness::identity();
    write("cert_pem", "leaf.der", &id.leaf);
    write("cert_pem", "ca.der", &id.ca);
    write("cert_pem", "key.pk8", &id.key);
    let chain = pem::encode("CERTIFICATE", &id.leaf) + &pem::encode("CERTIFICATE", &id.ca);
    write("cert_pem", "chain.pem", chain.as_bytes());
    write(
        "cert_pem",
        "key.pem",
        pem::encode("PRIVATE KEY", &id.key).as_bytes(),
    );
    write(
        "x509",
        "chain",
        &harness::x509_input(0, &[&id.leaf, &id.ca]),
    );
    write("x509", "leaf-only", &harness::x509_input(0, &[&id.leaf]));
    // One valid CompressedCertificate per algorithm, of the fuzz identity's
    // chain, offered with every algorithm (flags 7).
    {
        use tls13::compress::{CertificateCompressionAlgorithm as A, compress_certificate};
        let mut cert = Vec::new();
        let chain = [&id.leaf[..], &id.ca[..]];
        let mut list = Vec::new();
        for c in chain {
            list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(c);
            list.extend_from_slice(&[0, 0]);
        }
        let mut body = vec![0u8];
        body.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
        body.extend(list);
        cert.push(11);
        cert.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        cert.extend(body);
        for (name, alg) in [("zlib", A::ZLIB), ("brotli", A::BROTLI), ("zstd", A::ZSTD)] {
            let msg = compress_certificate(alg, &cert).unwrap().unwrap();
            write(
                "compressed_cert",
                name,
                &harness::compressed_cert_input(7, &msg[4..]),
            );
        }
    }
    write(
        "x509",
        "self-anchored",
        &harness::x509_input(1, &[&id.leaf, &id.ca]),
    );

    let rng = harness::DetRng::new(7);
    let p256 = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    write("cert_pem", "p256.pk8", &p256);

    // The OCSP responses of vectors/ocsp/ (made by `openssl ocsp`) about
    // the fixture leaf or others; `good-*` are accepted.
    for (seed, file) in [
        ("good-sha1", "good.der"),
        ("good-sha256", "good_sha256.der"),
        ("good-by-key", "good_by_key.der"),
        ("good-delegated", "delegated.der"),
        ("revoked", "revoked.der"),
        ("unknown", "unknown.der"),
        ("no-next-update", "no_next_update.der"),
        ("try-later", "try_later.der"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("vectors/ocsp")
            .join(file);
        write("ocsp", seed, &fs::read(path).unwrap());
    }

    write_ech_seeds(&c_wire);
}

/// The ECH handshake seeds, in the running crypto mode (`fz-` in fuzzing
/// mode): HPKE seals with the same AEAD as the records, so the outer
/// ClientHello's payload, like every encrypted record, depends on it. Each
/// [`harness::EchSeed`] gives the client's bytes (`ech_server`) and the
/// server's (`ech_client`).
fn write_ech_handshake_seeds() {
    let prefix = if tls13::crypto::FUZZING { "fz-" } else { "" };
    for (seed, name) in ECH_SEEDS {
        let (c_wire, s_wire, _) = harness::record_ech(*seed);
        let grease = *seed == harness::EchSeed::Grease;
        write(
            "ech_server",
            &format!("{prefix}{name}"),
            &prefixed(0, &c_wire),
        );
        write(
            "ech_client",
            &format!("{prefix}{name}"),
            &harness::ech_client_input(grease, 0, &s_wire),
        );
        if *seed == harness::EchSeed::Accepted {
            write(
                "ech_server",
                &format!("{prefix}{name}-chunks"),
                &prefixed(3, &c_wire),
            );
            write(
                "ech_client",
                &format!("{prefix}{name}-chunks"),
                &harness::ech_client_input(false, 2, &s_wire),
            );
        }
    }
}

/// The recorded ECH handshakes and their seed names.
const ECH_SEEDS: &[(harness::EchSeed, &str)] = &[
    (harness::EchSeed::Accepted, "accepted"),
    (harness::EchSeed::HelloRetry, "hello-retry"),
    (harness::EchSeed::Stale, "stale-key"),
    (harness::EchSeed::Grease, "grease"),
];

/// What replaying an ECH handshake seed named `name` (without its `fz-`)
/// through its harness must give in the crypto mode it was recorded in:
/// the session to the end, or for `stale-key` the rejection — the server
/// completes, then reads the client's `ech_required`; the client fails
/// with `EchRejected` and the stale server's configs.
fn check_ech_seed(target: &str, name: &str, outcome: &harness::Outcome) {
    let want = if name.starts_with("grease") && target == "ech_client" {
        EchStatus::Grease
    } else if name.starts_with("grease") || name.starts_with("stale-key") {
        EchStatus::Rejected
    } else {
        EchStatus::Accepted
    };
    assert_eq!(outcome.ech, want, "{target} {name}");
    assert_eq!(
        outcome.hello_retry,
        name.starts_with("hello-retry"),
        "{target} {name}"
    );
    if name.starts_with("stale-key") {
        if target == "ech_server" {
            assert!(
                outcome.complete
                    && outcome.error
                        == Some(tls13::Error::AlertReceived(AlertDescription::ECH_REQUIRED)),
                "{target} {name}: {outcome:?}"
            );
        } else {
            assert!(!outcome.complete, "{target} {name}: {outcome:?}");
            assert_eq!(
                outcome.error,
                Some(tls13::Error::EchRejected {
                    retry_configs: Some(harness::ech_stale_key().config_list()),
                }),
                "{target} {name}"
            );
        }
    } else {
        assert!(
            outcome.complete && outcome.clean_close && outcome.error.is_none(),
            "{target} {name} did not replay: {outcome:?}"
        );
    }
}

/// Seeds of `ech_config` (a generated config list, one with an unknown
/// version and a mandatory extension, the three `encrypted_client_hello`
/// bodies) and `ech_inner` (the harness client's real ClientHello as the
/// outer, an inner made from it with and without compression).
fn write_ech_seeds(client_wire: &[u8]) {
    use tls13::ech::{
        EchClientHello, EchConfig, EchConfigBuilder, EchConfigExtension, EchConfigList,
        EchHelloRetryRequest, EchOuter, HpkeSymmetricCipherSuite, encode_client_hello_inner,
        encode_client_hello_inner_padded,
    };
    use tls13::unstable::msgs::enums::ExtensionType;
    use tls13::unstable::msgs::handshake::{ClientExtension, UnknownExtension};

    let provider = tls13::crypto::rustcrypto::provider();
    let rng = harness::DetRng::new(15);
    let key = EchConfigBuilder::new("public.example.com")
        .maximum_name_length(64)
        .generate(provider, &rng)
        .unwrap();
    write(
        "ech_config",
        "list-generated",
        &key.config_list().to_bytes(),
    );
    let mut marked = key.config().clone();
    if let EchConfig::Rfc9849(c) = &mut marked {
        c.extensions = vec![
            EchConfigExtension {
                typ: 0x0a0a,
                data: vec![1, 2],
            },
            EchConfigExtension {
                typ: 0x8001,
                data: vec![],
            },
        ];
    }
    let list = EchConfigList {
        configs: vec![
            EchConfig::Unknown {
                version: 0xfe0c,
                contents: b"old".to_vec(),
            },
            marked,
            key.config().clone(),
        ],
    };
    write("ech_config", "list-mixed", &list.to_bytes());
    let outer = EchClientHello::Outer(EchOuter {
        cipher_suite: HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM,
        config_id: 7,
        enc: vec![0x42; 32],
        payload: vec![0x24; 48],
    });
    write("ech_config", "client-hello-outer", &outer.to_bytes());
    write(
        "ech_config",
        "client-hello-inner",
        &EchClientHello::Inner.to_bytes(),
    );
    let hrr = EchHelloRetryRequest {
        confirmation: [9; 8],
    };
    write("ech_config", "hello-retry-request", &hrr.to_bytes());

    let hello = &plaintext_messages(client_wire)[0];
    let outer_body = &hello[4..];
    let HandshakeMessage::ClientHello(mut inner) =
        HandshakeMessage::read(&mut Reader::new(hello)).unwrap()
    else {
        panic!("the first client message is a ClientHello");
    };
    // §6.1 rule 4: the inner hello carries encrypted_client_hello(inner);
    // before pre_shared_key, which stays last.
    let at = inner.extensions.len()
        - usize::from(matches!(
            inner.extensions.last(),
            Some(ClientExtension::PreSharedKey(_))
        ));
    inner.extensions.insert(
        at,
        ClientExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: vec![1],
        }),
    );
    let plain = encode_client_hello_inner(&inner, &[]).unwrap();
    write(
        "ech_inner",
        "uncompressed",
        &harness::ech_inner_input(&plain, outer_body),
    );
    let run: Vec<ExtensionType> = inner.extensions[..2]
        .iter()
        .map(ClientExtension::typ)
        .collect();
    let compressed = encode_client_hello_inner_padded(&inner, &run, 64).unwrap();
    write(
        "ech_inner",
        "compressed-padded",
        &harness::ech_inner_input(&compressed, outer_body),
    );
}

/// Every committed seed runs through its harness without a panic or a
/// property failure, and the stream seeds still complete the handshake
/// (so the deterministic harnesses and the seeds agree); `regress-*`
/// seeds are fuzzer findings kept for their properties.
#[test]
fn seeds_replay_through_the_harnesses() {
    for target in TARGETS {
        let dir = seed_dir(target);
        let mut n = 0;
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let data = fs::read(&path).unwrap();
            // A seed recorded in the other crypto mode runs for the
            // properties only: its encrypted records do not open here.
            let fz_seed = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fz-"));
            let same_mode = fz_seed == tls13::crypto::FUZZING;
            // A fuzzer finding kept as a regression (`regress-*`): it must
            // pass the harness's properties, not complete a handshake.
            let regression = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("regress-"));
            match *target {
                "deframer" => harness::deframer(&data),
                "handshake_msg" => harness::handshake_msg(&data),
                "client" | "server" => {
                    let outcome = if *target == "client" {
                        harness::client_stream(&data)
                    } else {
                        harness::server_stream(&data)
                    };
                    assert!(
                        !same_mode
                            || outcome.complete && outcome.clean_close && outcome.error.is_none(),
                        "{target} seed did not replay: {outcome:?}"
                    );
                }
                "ech_server" | "ech_client" => {
                    let outcome = if *target == "ech_server" {
                        harness::ech_server_stream(&data)
                    } else {
                        harness::ech_client_stream(&data)
                    };
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap();
                    if same_mode && !regression {
                        check_ech_seed(target, name.trim_start_matches("fz-"), &outcome);
                    }
                }
                "cert_pem" => harness::cert_pem(&data),
                // Every compressed_cert seed decompresses.
                "compressed_cert" => assert!(harness::compressed_cert(&data)),
                "ech_config" => harness::ech_config(&data),
                "ech_inner" => assert!(
                    harness::ech_inner(&data) || regression,
                    "ech_inner seed {path:?} did not decode"
                ),
                "ocsp" => {
                    // The `good-*` seeds are accepted, the others refused
                    // (in both crypto modes: their signatures are real).
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap();
                    let accepted = harness::ocsp(&data);
                    assert!(
                        regression || accepted == name.starts_with("good-"),
                        "ocsp seed {name}: accepted {accepted}"
                    );
                }
                "x509" => {
                    // Every x509 seed is a valid chain for `localhost`.
                    assert_eq!(harness::x509(&data), Some(true));
                }
                "session" => {
                    let outcome = harness::session(&data);
                    assert!(
                        !same_mode
                            || outcome.complete && outcome.clean_close && outcome.error.is_none(),
                        "session seed did not replay: {outcome:?}"
                    );
                }
                "quic_server" | "quic_client" => {
                    let client = *target == "quic_client";
                    let outcome = if client {
                        harness::quic_client_crypto(&data)
                    } else {
                        harness::quic_server_crypto(&data)
                    };
                    // The client reads the server's two tickets.
                    assert!(
                        regression
                            || outcome.complete
                                && outcome.error.is_none()
                                && outcome.tickets == if client { 2 } else { 0 },
                        "{target} seed did not replay: {outcome:?}"
                    );
                }
                _ => unreachable!(),
            }
            n += 1;
        }
        assert!(n > 0, "no seeds for {target}");
    }
    // The recorded streams are what the harness peers produce today; the
    // QUIC ones in either crypto mode.
    let (c_runs, s_runs) = harness::record_quic_handshake();
    for (target, runs) in [("quic_server", &c_runs), ("quic_client", &s_runs)] {
        assert_eq!(
            fs::read(seed_dir(target).join("handshake-whole")).unwrap(),
            harness::quic_script(runs, 0),
            "{target}"
        );
    }
    // The ECH streams too, in the running mode.
    let prefix = if tls13::crypto::FUZZING { "fz-" } else { "" };
    for (seed, name) in ECH_SEEDS {
        let (c_wire, s_wire, _) = harness::record_ech(*seed);
        let grease = *seed == harness::EchSeed::Grease;
        assert_eq!(
            fs::read(seed_dir("ech_server").join(format!("{prefix}{name}"))).unwrap(),
            prefixed(0, &c_wire),
            "ech_server {name}"
        );
        assert_eq!(
            fs::read(seed_dir("ech_client").join(format!("{prefix}{name}"))).unwrap(),
            harness::ech_client_input(grease, 0, &s_wire),
            "ech_client {name}"
        );
    }
    let (c_wire, s_wire) = harness::record_handshake();
    if tls13::crypto::FUZZING {
        assert_eq!(
            fs::read(seed_dir("client").join("fz-handshake-whole")).unwrap(),
            prefixed(0, &s_wire)
        );
        for (name, server) in [("fz-real-client", true), ("fz-real-server", false)] {
            assert_eq!(
                fs::read(seed_dir("session").join(name)).unwrap(),
                harness::record_session(server)
            );
        }
        return;
    }
    assert_eq!(
        fs::read(seed_dir("server").join("handshake-whole")).unwrap(),
        prefixed(0, &c_wire)
    );
    assert_eq!(
        fs::read(seed_dir("client").join("handshake-whole")).unwrap(),
        prefixed(0, &s_wire)
    );
}

/// The QUIC harnesses' buffering check against the connection's cap: a
/// message announcing one byte more than the limit is refused from its
/// header (illegal_parameter, 0x12f), and one announcing exactly the limit
/// is taken and held while incomplete.
#[test]
fn quic_harness_message_cap() {
    let script = |len: usize| {
        let body = (len - 4) as u32;
        let mut msg = vec![1];
        msg.extend_from_slice(&body.to_be_bytes()[1..]);
        msg.extend_from_slice(&[0; 100]);
        harness::quic_script(&[(tls13::quic::Level::Initial, msg)], 0)
    };
    let over = harness::quic_server_crypto(&script(harness::QUIC_MAX_MESSAGE + 1));
    assert!(
        matches!(
            over.error,
            Some(tls13::Error::PeerMisbehaved(
                tls13::error::PeerMisbehaved::MessageTooLarge { .. }
            ))
        ),
        "{over:?}"
    );
    let at = harness::quic_server_crypto(&script(harness::QUIC_MAX_MESSAGE));
    assert!(at.error.is_none() && !at.complete, "{at:?}");
}
