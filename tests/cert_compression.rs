//! Certificate compression (RFC 8879) in memory: each algorithm both
//! ways (server and client certificates, in the handshake and after it,
//! over TLS and QUIC), what is offered and chosen, and hostile
//! CompressedCertificates forged between a real server and client (over
//! the limit, lying lengths, a bomb, unoffered algorithms, not negotiated,
//! empty data, zero length), each refused with its alert.

mod forge;
mod pair;
mod quic_pair;

use std::sync::Arc;

use forge::{C_HS, Mitm, S_HS, open, seal, split_messages};
use pair::{Feed, Pair, client_builder, identity, pinned_client, server_builder};
use tls13::certgen::KeyType;
use tls13::compress::{
    self, CertificateCompressionAlgorithm as Alg, SUPPORTED, compress_certificate,
};
use tls13::config::{ClientAuth, Limits};
use tls13::crypto::sign::SigningKey;
use tls13::error::PeerMisbehaved;
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::compressed_certificate::CompressedCertificate;
use tls13::unstable::msgs::enums::{AlertDescription, ContentType, ExtensionType};
use tls13::unstable::msgs::handshake::{ClientExtension, HandshakeMessage};
use tls13::{CertifiedKey, Error, Event, SingleClientCert};

const ALL: [Alg; 3] = [Alg::BROTLI, Alg::ZLIB, Alg::ZSTD];
const CERTIFICATE: u8 = 11;
const COMPRESSED: u8 = 25;

#[test]
fn every_algorithm_is_in_this_build() {
    // The test build enables all three features (Cargo.toml).
    assert_eq!(SUPPORTED, ALL);
    for a in ALL {
        assert!(compress::is_supported(a));
    }
    assert!(!compress::is_supported(Alg(4)));
}

fn client_cert() -> Arc<CertifiedKey> {
    let id = identity(KeyType::Ed25519);
    Arc::new(CertifiedKey::new(
        vec![id.leaf.clone(), id.ca.clone()],
        Arc::new(SigningKey::from_der(&id.key).unwrap()),
    ))
}

/// A mutual-TLS pair, `c` and `s` the algorithms each side configures.
fn mtls(c: &[Alg], s: &[Alg]) -> Pair {
    let client = client_builder(KeyType::EcdsaP256)
        .certificate_compression(c)
        .client_cert_resolver(Arc::new(SingleClientCert(client_cert())))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .certificate_compression(s)
        .client_auth(ClientAuth::Required(pinned_client(KeyType::Ed25519)))
        .build()
        .unwrap();
    Pair::new(client, server, Feed::Random(7))
}

/// The handshake messages of the server's first flight, and of the
/// client's second, as they went over the wire (decrypted).
fn messages(wire: &[u8], secret: &[u8]) -> Vec<Vec<u8>> {
    let start = first_protected(wire);
    let hs: Vec<u8> = open(secret, 0, &wire[start..])
        .into_iter()
        .take_while(|(t, _)| *t == ContentType::HANDSHAKE)
        .flat_map(|(_, c)| c)
        .collect();
    split_messages(&hs)
}

/// Where the first protected record of `wire` starts.
fn first_protected(wire: &[u8]) -> usize {
    let mut pos = 0;
    for (typ, payload) in pair::records(wire) {
        if typ == 23 {
            break;
        }
        pos += 5 + payload.len();
    }
    pos
}

#[test]
fn each_algorithm_both_ways_in_mutual_tls() {
    for alg in ALL {
        let mut p = mtls(&[alg], &[alg]);
        p.run().unwrap();
        assert!(pair::has_complete(&p.client_events), "{alg:?}");
        let (c, s) = (p.client.negotiated(), p.server.negotiated());
        assert_eq!(s.certificate_compression_sent, Some(alg));
        assert_eq!(c.certificate_compression_received, Some(alg));
        assert_eq!(c.certificate_compression_sent, Some(alg));
        assert_eq!(s.certificate_compression_received, Some(alg));
        // The certificates arrived whole.
        let server_id = identity(KeyType::EcdsaP256);
        assert_eq!(
            c.peer_certificates,
            vec![server_id.leaf.clone(), server_id.ca.clone()]
        );
        assert_eq!(s.peer_certificates, client_cert().chain);
        p.client.send(b"ping").unwrap();
        p.run().unwrap();
        assert_eq!(p.server_data(), b"ping");
    }
}

#[test]
fn the_wire_carries_compressed_certificate_and_no_certificate() {
    let secrets = Arc::new(forge::Secrets::default());
    // Rebuild with a shared key log to read the flights.
    let client = client_builder(KeyType::EcdsaP256)
        .certificate_compression(&[Alg::ZLIB])
        .client_cert_resolver(Arc::new(SingleClientCert(client_cert())))
        .key_log(secrets.clone())
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .certificate_compression(&[Alg::ZLIB])
        .client_auth(ClientAuth::Required(pinned_client(KeyType::Ed25519)))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    let server_msgs = messages(&p.server_wire, &secrets.get(S_HS));
    let client_msgs = messages(&p.client_wire, &secrets.get(C_HS));
    for msgs in [&server_msgs, &client_msgs] {
        let types: Vec<u8> = msgs.iter().map(|m| m[0]).collect();
        assert!(types.contains(&COMPRESSED), "{types:?}");
        assert!(!types.contains(&CERTIFICATE), "{types:?}");
        let cc = msgs.iter().find(|m| m[0] == COMPRESSED).unwrap();
        let parsed = CompressedCertificate::read_message(cc).unwrap();
        assert_eq!(parsed.algorithm, Alg::ZLIB);
        // Smaller than the Certificate it stands for.
        assert!(cc.len() < parsed.uncompressed_length as usize + 4);
    }
}

#[test]
fn the_server_uses_its_first_algorithm_the_client_offered() {
    let mut p = mtls(
        &[Alg::ZLIB, Alg::ZSTD],
        &[Alg::BROTLI, Alg::ZSTD, Alg::ZLIB],
    );
    p.run().unwrap();
    assert_eq!(
        p.server.negotiated().certificate_compression_sent,
        Some(Alg::ZSTD)
    );
    // The client's preference decides its own Certificate.
    assert_eq!(
        p.client.negotiated().certificate_compression_sent,
        Some(Alg::ZLIB)
    );
}

#[test]
fn nothing_compressed_without_a_common_algorithm_or_an_offer() {
    for (c, s) in [
        (&[][..], &ALL[..]),
        (&ALL[..], &[][..]),
        (&[Alg::ZLIB][..], &[Alg::BROTLI][..]),
    ] {
        let mut p = mtls(c, s);
        p.run().unwrap();
        assert!(pair::has_complete(&p.server_events));
        for n in [p.client.negotiated(), p.server.negotiated()] {
            assert_eq!(n.certificate_compression_sent, None, "{c:?} {s:?}");
            assert_eq!(n.certificate_compression_received, None, "{c:?} {s:?}");
        }
    }
}

#[test]
fn off_by_default_the_client_hello_has_no_compress_certificate() {
    let hello = |b: tls13::config::ClientConfigBuilder| {
        let c = tls13::ClientConnection::new(Arc::new(b.build().unwrap()), "localhost").unwrap();
        let out = c.pending_output().to_vec();
        forge::first_client_hello(&out)
    };
    let plain = hello(client_builder(KeyType::EcdsaP256));
    assert!(plain.find(ExtensionType::COMPRESS_CERTIFICATE).is_none());
    let on =
        hello(client_builder(KeyType::EcdsaP256).certificate_compression(&[Alg::ZSTD, Alg::ZLIB]));
    match on.find(ExtensionType::COMPRESS_CERTIFICATE) {
        Some(ClientExtension::Unknown(u)) => assert_eq!(u.body, [4, 0, 3, 0, 1]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn build_refuses_unknown_and_repeated_algorithms() {
    for bad in [&[Alg(9)][..], &[Alg::ZLIB, Alg::ZLIB][..]] {
        assert!(matches!(
            client_builder(KeyType::EcdsaP256)
                .certificate_compression(bad)
                .build(),
            Err(Error::BadConfig(_))
        ));
        assert!(matches!(
            server_builder(KeyType::EcdsaP256)
                .certificate_compression(bad)
                .build(),
            Err(Error::BadConfig(_))
        ));
    }
}

#[test]
fn post_handshake_certificates_are_compressed_too() {
    for alg in ALL {
        let client = client_builder(KeyType::EcdsaP256)
            .certificate_compression(&[alg])
            .client_cert_resolver(Arc::new(SingleClientCert(client_cert())))
            .build()
            .unwrap();
        let server = server_builder(KeyType::EcdsaP256)
            .certificate_compression(&[alg])
            .post_handshake_client_verifier(pinned_client(KeyType::Ed25519))
            .build()
            .unwrap();
        let mut p = Pair::new(client, server, Feed::Random(5));
        p.run().unwrap();
        assert_eq!(p.server.negotiated().certificate_compression_received, None);
        // Twice: each request has its own context, compressed afresh.
        for round in 1..=2 {
            p.server.request_client_certificate().unwrap();
            p.run().unwrap();
            let granted = p
                .server_events
                .iter()
                .filter(|e| matches!(e, Event::PostHandshakeAuth(c) if *c == client_cert().chain))
                .count();
            assert_eq!(granted, round, "{alg:?}");
            // Never brotli after the handshake: compressed per request,
            // at a cost the server would choose (tests/issue16_review.rs).
            let expected = (alg != Alg::BROTLI).then_some(alg);
            assert_eq!(
                p.server.negotiated().certificate_compression_received,
                expected
            );
            assert_eq!(p.client.negotiated().certificate_compression_sent, expected);
        }
    }
}

#[test]
fn over_quic_too() {
    for alg in ALL {
        let client = client_builder(KeyType::EcdsaP256)
            .alpn_protocols(&[quic_pair::H3])
            .certificate_compression(&[alg])
            .build()
            .unwrap();
        let server = server_builder(KeyType::EcdsaP256)
            .alpn_protocols(&[quic_pair::H3])
            .certificate_compression(&[alg])
            .build()
            .unwrap();
        let mut p = quic_pair::Pair::new(client, server);
        p.run().unwrap();
        assert!(p.client.complete() && p.server.complete(), "{alg:?}");
        assert_eq!(
            p.client.conn.negotiated().certificate_compression_received,
            Some(alg)
        );
    }
}

#[test]
fn a_configured_chain_is_compressed_once() {
    // Two handshakes on one configuration send byte-identical
    // CompressedCertificates (brotli at quality 11 is deterministic, so
    // this shows the bytes; the reuse itself is the unit test
    // compress::tests::kept_forms_return_the_same_compression, and
    // tests/cert_compression_kept.rs across many chains).
    let secrets = Arc::new(forge::Secrets::default());
    let server = Arc::new(
        server_builder(KeyType::EcdsaP256)
            .certificate_compression(&[Alg::BROTLI])
            .key_log(secrets.clone())
            .build()
            .unwrap(),
    );
    let client = Arc::new(
        client_builder(KeyType::EcdsaP256)
            .certificate_compression(&[Alg::BROTLI])
            .build()
            .unwrap(),
    );
    let mut seen = Vec::new();
    for _ in 0..2 {
        let c = tls13::ClientConnection::new(client.clone(), "localhost").unwrap();
        let s = tls13::ServerConnection::new(server.clone()).unwrap();
        let mut p = Pair::from_connections(c, s, Feed::Whole);
        p.run().unwrap();
        let msgs = messages(&p.server_wire, &secrets.get(S_HS));
        seen.push(msgs.into_iter().find(|m| m[0] == COMPRESSED).unwrap());
    }
    assert_eq!(seen[0], seen[1]);
}

/// The first-flight sizes BENCHMARKS.md quotes: the server's whole first
/// flight (ServerHello to Finished, records included) for a two-certificate
/// chain, uncompressed and with each algorithm.
#[test]
fn first_flight_bytes() {
    for kind in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let size = |alg: Option<Alg>| {
            let algs: Vec<Alg> = alg.into_iter().collect();
            let mut p = Pair::new(
                client_builder(kind)
                    .certificate_compression(&algs)
                    .build()
                    .unwrap(),
                server_builder(kind)
                    .certificate_compression(&algs)
                    .build()
                    .unwrap(),
                Feed::Whole,
            );
            let ch = p.client.pending_output().to_vec();
            p.client.consume_output(ch.len());
            p.server.receive(&ch).unwrap();
            p.server.pending_output().len()
        };
        let plain = size(None);
        let mut line = format!("first flight, {kind:?} leaf + CA: uncompressed {plain} bytes");
        for alg in ALL {
            let n = size(Some(alg));
            assert!(n < plain, "{kind:?} {alg:?}: {n} >= {plain}");
            line += &format!(", {alg:?} {n}");
        }
        println!("{line}");
    }
}

// ---- Hostile CompressedCertificates, forged between the two sides ----

/// The server's flight with its Certificate replaced by `forge(cert)`,
/// delivered to a client that offers `offered`: the client's error and
/// the alert it sent.
fn forged_to_client(
    offered: &[Alg],
    limits: Option<Limits>,
    forge: impl FnOnce(&[u8]) -> Vec<u8>,
) -> (Error, AlertDescription) {
    let mut m = Mitm::with(
        |c| {
            let c = c.certificate_compression(offered);
            match limits {
                Some(l) => c.limits(l),
                None => c,
            }
        },
        |s| s,
    );
    let mut flight = m.server_flight();
    let at = flight
        .messages
        .iter()
        .position(|msg| msg[0] == CERTIFICATE)
        .unwrap();
    flight.messages[at] = forge(&flight.messages[at]);
    let err = m
        .deliver_to_client(&flight.plain, &flight.messages)
        .unwrap_err();
    (err, m.client_alert())
}

/// A CompressedCertificate with these fields.
fn compressed_message(alg: Alg, uncompressed_length: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    CompressedCertificate {
        algorithm: alg,
        uncompressed_length,
        compressed: data,
    }
    .encode_message(&mut out);
    out
}

#[test]
fn an_honest_compression_of_a_different_transcript_fails_the_signature() {
    // The server signed a transcript with its Certificate; the client
    // hashes the CompressedCertificate it received (RFC 8879 §4), so the
    // same chain compressed in flight no longer verifies.
    for alg in ALL {
        let (err, alert) = forged_to_client(&[alg], None, |cert| {
            compress_certificate(alg, cert).unwrap().unwrap()
        });
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::BadSignature),
            "{alg:?}"
        );
        assert_eq!(alert, AlertDescription::DECRYPT_ERROR);
    }
}

#[test]
fn not_offered_is_unexpected_message() {
    let (err, alert) = forged_to_client(&[], None, |cert| {
        compress_certificate(Alg::ZLIB, cert).unwrap().unwrap()
    });
    assert!(
        matches!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
                got: "CompressedCertificate",
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(alert, AlertDescription::UNEXPECTED_MESSAGE);
}

#[test]
fn an_algorithm_we_did_not_offer_is_illegal_parameter() {
    for (offered, used) in [
        (Alg::ZLIB, Alg::BROTLI),
        (Alg::BROTLI, Alg::ZSTD),
        (Alg::ZSTD, Alg::ZLIB),
    ] {
        let (err, alert) = forged_to_client(&[offered], None, |cert| {
            compress_certificate(used, cert).unwrap().unwrap()
        });
        assert!(
            matches!(
                err,
                Error::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedParameter(_))
            ),
            "{err:?}"
        );
        assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    }
    // An unassigned code point.
    let (_, alert) = forged_to_client(&[Alg::ZLIB], None, |cert| {
        let mut m = compress_certificate(Alg::ZLIB, cert).unwrap().unwrap();
        m[4..6].copy_from_slice(&0x4000u16.to_be_bytes());
        m
    });
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn a_declared_length_over_the_limit_is_refused_before_decompressing() {
    let limits = Limits {
        max_handshake_message: 4096,
        ..Limits::default()
    };
    for alg in ALL {
        // The stream is garbage: the length alone decides.
        let (err, alert) = forged_to_client(&[alg], Some(limits), |_| {
            compressed_message(alg, 4096 - 3, &[0xff; 16])
        });
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::MessageTooLarge {
                len: 4097,
                limit: 4096
            })
        );
        assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
        // 2^24-1, the most the field holds, against the default limit.
        let (_, alert) = forged_to_client(&[alg], None, |_| {
            compressed_message(alg, 0xff_ffff, &[0; 16])
        });
        assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    }
}

fn is_bad_compressed(err: &Error) -> bool {
    matches!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::BadCompressedCertificate(_))
    )
}

#[test]
fn a_lying_length_is_bad_certificate() {
    for alg in ALL {
        for delta in [-1i64, 1, -100, 100] {
            let (err, alert) = forged_to_client(&[alg], None, |cert| {
                let body = &cert[4..];
                let data = compress::compress(alg, body).unwrap();
                compressed_message(alg, (body.len() as i64 + delta) as u32, &data)
            });
            assert!(is_bad_compressed(&err), "{alg:?} {delta}: {err:?}");
            assert_eq!(alert, AlertDescription::BAD_CERTIFICATE);
        }
    }
}

#[test]
fn a_bomb_stops_at_the_declared_length() {
    // 4 MiB of zeros compresses to at most 4 KiB (one record); the
    // declared length is small, the output buffer is that small, and the
    // stream is refused once it would write past it.
    let zeros = vec![0u8; 4 << 20];
    for alg in ALL {
        let data = compress::compress(alg, &zeros).unwrap();
        assert!(data.len() < 8 << 10, "{alg:?}: {}", data.len());
        let started = std::time::Instant::now();
        let (err, alert) = forged_to_client(&[alg], None, |_| compressed_message(alg, 1000, &data));
        assert!(is_bad_compressed(&err), "{alg:?}: {err:?}");
        assert_eq!(alert, AlertDescription::BAD_CERTIFICATE);
        // Stopping early: far from the time 16 MiB would take.
        assert!(started.elapsed().as_secs() < 5, "{alg:?}");
        // Directly: the declared length within the limit, still refused.
        let raw = compressed_message(alg, 60_000, &data);
        let err = compress::decompress_certificate(&raw, &[alg], 1 << 16).unwrap_err();
        assert!(is_bad_compressed(&err), "{alg:?}: {err:?}");
    }
}

#[test]
fn empty_data_and_zero_length_are_refused() {
    for alg in ALL {
        // compressed_certificate_message<1..2^24-1>: empty does not parse.
        let (err, alert) = forged_to_client(&[alg], None, |_| compressed_message(alg, 100, &[]));
        assert!(matches!(err, Error::InvalidMessage(_)), "{err:?}");
        assert_eq!(alert, AlertDescription::DECODE_ERROR);
        // uncompressed_length 0: no Certificate is that short.
        let (err, alert) = forged_to_client(&[alg], None, |_| {
            compressed_message(alg, 0, &compress::compress(alg, b"").unwrap())
        });
        assert!(is_bad_compressed(&err), "{err:?}");
        assert_eq!(alert, AlertDescription::BAD_CERTIFICATE);
    }
}

#[test]
fn garbage_truncated_and_trailing_streams_are_bad_certificate() {
    for alg in ALL {
        let cases: [fn(Vec<u8>) -> Vec<u8>; 3] = [
            |d| d.iter().map(|b| b ^ 0x5a).collect(),
            |mut d| {
                d.truncate(d.len() / 2);
                d
            },
            |mut d| {
                d.extend_from_slice(&[0; 9]);
                d
            },
        ];
        for (i, edit) in cases.into_iter().enumerate() {
            let (err, alert) = forged_to_client(&[alg], None, |cert| {
                let body = &cert[4..];
                let data = edit(compress::compress(alg, body).unwrap());
                compressed_message(alg, body.len() as u32, &data)
            });
            assert!(is_bad_compressed(&err), "{alg:?} case {i}: {err:?}");
            assert_eq!(alert, AlertDescription::BAD_CERTIFICATE, "{alg:?} case {i}");
        }
    }
}

#[test]
fn the_inner_certificate_has_the_usual_limits() {
    // A decompressed Certificate that does not parse is decode_error, as
    // it would be uncompressed (RFC 8879 §5).
    let (err, alert) = forged_to_client(&[Alg::ZLIB], None, |_| {
        let body = [0u8, 0, 0, 9, 1, 2, 3];
        compressed_message(Alg::ZLIB, 7, &compress::compress(Alg::ZLIB, &body).unwrap())
    });
    assert!(matches!(err, Error::InvalidMessage(_)), "{err:?}");
    assert_eq!(alert, AlertDescription::DECODE_ERROR);
}

/// A client Certificate compressed in flight, towards a server that
/// configured `server_algs` and requires a client certificate: the
/// server's error.
fn forged_to_server(server_algs: &[Alg], forge: impl FnOnce(&[u8]) -> Vec<u8>) -> Error {
    let mut m = Mitm::with(
        |c| c.client_cert_resolver(Arc::new(SingleClientCert(client_cert()))),
        |s| {
            s.certificate_compression(server_algs)
                .client_auth(ClientAuth::Required(pinned_client(KeyType::Ed25519)))
        },
    );
    let ch = m.take_client();
    m.server.receive(&ch).unwrap();
    let flight = m.take_server();
    m.client.receive(&flight).unwrap();
    let out = m.take_client();
    let start = first_protected(&out);
    let c_hs = m.secrets.get(C_HS);
    let mut msgs: Vec<Vec<u8>> = open(&c_hs, 0, &out[start..])
        .into_iter()
        .flat_map(|(_, c)| split_messages(&c))
        .collect();
    let at = msgs.iter().position(|msg| msg[0] == CERTIFICATE).unwrap();
    msgs[at] = forge(&msgs[at]);
    let mut wire = out[..start].to_vec();
    wire.extend(seal(&c_hs, 0, ContentType::HANDSHAKE, &msgs.concat(), 0));
    m.server.receive(&wire).unwrap_err()
}

#[test]
fn a_server_refuses_compressed_client_certificates_it_did_not_ask_for() {
    let err = forged_to_server(&[], |cert| {
        compress_certificate(Alg::ZSTD, cert).unwrap().unwrap()
    });
    assert_eq!(
        err.alert(),
        Some(AlertDescription::UNEXPECTED_MESSAGE),
        "{err:?}"
    );
    let err = forged_to_server(&[Alg::ZLIB], |cert| {
        compress_certificate(Alg::ZSTD, cert).unwrap().unwrap()
    });
    assert_eq!(
        err.alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{err:?}"
    );
    let err = forged_to_server(&[Alg::ZLIB], |cert| {
        let body = &cert[4..];
        let data = compress::compress(Alg::ZLIB, body).unwrap();
        compressed_message(Alg::ZLIB, body.len() as u32 + 1, &data)
    });
    assert_eq!(
        err.alert(),
        Some(AlertDescription::BAD_CERTIFICATE),
        "{err:?}"
    );
    // Honest but compressed in flight: the client signed the transcript
    // with its Certificate, the server hashed the CompressedCertificate.
    let err = forged_to_server(&[Alg::ZLIB], |cert| {
        compress_certificate(Alg::ZLIB, cert).unwrap().unwrap()
    });
    assert_eq!(
        err.alert(),
        Some(AlertDescription::DECRYPT_ERROR),
        "{err:?}"
    );
}

#[test]
fn round_trip_through_the_public_functions() {
    let id = identity(KeyType::Rsa2048);
    let cert = HandshakeMessage::read_exact(
        &{
            let mut m = vec![CERTIFICATE, 0, 0, 0];
            let mut body = vec![0u8];
            let list: Vec<u8> = [&id.leaf, &id.ca]
                .iter()
                .flat_map(|c| {
                    let mut e = (c.len() as u32).to_be_bytes()[1..].to_vec();
                    e.extend_from_slice(c);
                    e.extend_from_slice(&[0, 0]);
                    e
                })
                .collect();
            body.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
            body.extend(list);
            m[1..4].copy_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            m.extend(body);
            m
        },
        "certificate",
    )
    .unwrap()
    .to_bytes();
    for alg in ALL {
        let c = compress_certificate(alg, &cert).unwrap().unwrap();
        let (a, back) = compress::decompress_certificate(&c, &ALL, 1 << 16).unwrap();
        assert_eq!((a, back), (alg, cert.clone()));
    }
}
