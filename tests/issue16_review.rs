//! Review of issue 16 (peer features): what a peer can make of the
//! compressed Certificate forms kept with each `CertifiedKey`.
//!
//! Observed through the heap, as in `tests/cert_compression_kept.rs`: a
//! counting allocator (per thread; client and server run on the test's
//! thread) totals the bytes a round of handshakes allocates. Every
//! compression allocates the encoder's tables and window; a round that
//! compresses nothing allocates a fraction of one that does.

use std::sync::Arc;

use tls13::CertificateType;
use tls13::compress::{CertificateCompressionAlgorithm as Alg, SUPPORTED};
use tls13::config::FixedTime;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::verify::SingleCertResolver;
use tls13::verify::{CertifiedKey, Decision, ServerCertVerifier, ServerName};
use tls13::x509::OcspResponseInfo;
use tls13::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

mod heap_bytes;
#[path = "pair/mod.rs"]
mod pair;

use heap_bytes::allocated;
use pair::{Feed, Pair};

fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/vectors/ocsp/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An hour after the fixture responses were made.
fn now() -> u64 {
    let info = OcspResponseInfo::parse(&file("good.der")).unwrap();
    (info.responses[0].this_update + 3600) as u64
}

/// Accepts any certificate or raw key: the test is about what the server
/// compresses, not about who it is.
struct AnyServer;

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: &ServerName<'_>,
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(Ok(()))
    }
    fn verify_server_raw_public_key(
        &self,
        _: &[u8],
        _: &ServerName<'_>,
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(Ok(()))
    }
}

/// One client per Certificate message a client can make a server send
/// from one key: each algorithm, times X.509 with or without the staple
/// and SCTs, and the raw public key (RFC 7250; no status there).
fn variants() -> Vec<(String, Arc<ClientConfig>)> {
    let mut out = Vec::new();
    for &alg in SUPPORTED {
        for (name, types, ocsp, sct) in [
            ("x509", &[CertificateType::X509][..], false, false),
            ("x509+ocsp", &[CertificateType::X509][..], true, false),
            ("x509+sct", &[CertificateType::X509][..], false, true),
            ("x509+ocsp+sct", &[CertificateType::X509][..], true, true),
            ("rpk", &[CertificateType::RAW_PUBLIC_KEY][..], false, false),
        ] {
            let client = ClientConfig::builder(Arc::new(AnyServer))
                .time(Arc::new(FixedTime(now())))
                .server_certificate_types(types)
                .request_ocsp(ocsp)
                .request_scts(sct)
                .certificate_compression(&[alg])
                .build()
                .unwrap();
            out.push((format!("{alg:?} {name}"), Arc::new(client)));
        }
    }
    out
}

#[test]
fn a_client_cycling_certificate_variants_cannot_make_the_server_compress_again() {
    let text = String::from_utf8(file("leaf.pem")).unwrap();
    let leaf = pem::certificates(&text).unwrap().remove(0);
    let text = String::from_utf8(file("ca.pem")).unwrap();
    let ca = pem::certificates(&text).unwrap().remove(0);
    let key = String::from_utf8(file("leaf.key")).unwrap();
    let ck = CertifiedKey::new(
        vec![leaf, ca],
        Arc::new(SigningKey::from_pem(&key).unwrap()),
    )
    .with_ocsp_response(file("good.der"))
    .unwrap()
    .with_scts(vec![b"\x00first sct".to_vec(), b"\x00second".to_vec()])
    .unwrap();
    let server = ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
        .time(Arc::new(FixedTime(now())))
        .server_certificate_types(&[CertificateType::X509, CertificateType::RAW_PUBLIC_KEY])
        .certificate_compression(SUPPORTED)
        .build()
        .unwrap();
    let server = Arc::new(server);
    let clients = variants();
    assert_eq!(clients.len(), 5 * SUPPORTED.len());

    let round = || {
        let before = allocated();
        for (name, client) in &clients {
            let c = ClientConnection::new(client.clone(), "ocsp.test").unwrap();
            let s = ServerConnection::new(server.clone()).unwrap();
            let mut p = Pair::from_connections(c, s, Feed::Whole);
            p.run().unwrap_or_else(|e| panic!("{name}: {e:?}"));
            // A raw public key is too short to gain from compression
            // (sent as it is), but it is still a form the key keeps.
            let compressed = p.client.negotiated().certificate_compression_received;
            assert_eq!(compressed.is_some(), !name.ends_with("rpk"), "{name}");
        }
        allocated() - before
    };
    let first = round();
    let second = round();
    let third = round();
    println!(
        "bytes allocated by {} handshakes: {first} compressing each variant, then {second} and {third}",
        clients.len()
    );
    assert!(
        second * 2 < first,
        "the second round allocated {second} bytes against {first} for the first: \
         variants were compressed again"
    );
    assert!(third * 10 < second * 11 && second * 10 < third * 11);
}

/// Bytes the client and server allocate while the server asks for the
/// client's certificate `requests` times after the handshake, both
/// configuring `algorithms` (none: no compression).
fn post_handshake_requests(algorithms: &[Alg], requests: usize) -> (u64, Option<Alg>) {
    use pair::{client_builder, identity, pinned_client, server_builder};
    use tls13::SingleClientCert;
    use tls13::certgen::KeyType;
    let id = identity(KeyType::Ed25519);
    let ck = Arc::new(CertifiedKey::new(
        vec![id.leaf.clone(), id.ca.clone()],
        Arc::new(SigningKey::from_der(&id.key).unwrap()),
    ));
    let client = client_builder(KeyType::EcdsaP256)
        .certificate_compression(algorithms)
        .client_cert_resolver(Arc::new(SingleClientCert(ck)))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .certificate_compression(algorithms)
        .post_handshake_client_verifier(pinned_client(KeyType::Ed25519))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    let before = allocated();
    for _ in 0..requests {
        p.server.request_client_certificate().unwrap();
        p.run().unwrap();
    }
    let bytes = allocated() - before;
    (bytes, p.client.negotiated().certificate_compression_sent)
}

/// Each post-handshake CertificateRequest (RFC 9846 §4.6.2) carries its
/// own context, so the answer cannot be a kept form: it is compressed
/// when sent. With brotli at quality 11 (milliseconds, ~100 times zlib or
/// zstd: BENCHMARKS.md) a server could make the client pay that for each
/// 20-byte request it sends, on top of the signature each one costs.
#[test]
fn a_server_asking_again_and_again_cannot_make_the_client_run_brotli_each_time() {
    const REQUESTS: usize = 8;
    let (plain, sent) = post_handshake_requests(&[], REQUESTS);
    assert_eq!(sent, None);
    // Brotli the only algorithm in common: the answers go uncompressed.
    // Measured before the fix: 7,291,446 bytes against 83,906, a brotli
    // encoder's ~0.9 MB of tables per answer.
    let (bytes, sent) = post_handshake_requests(&[Alg::BROTLI], REQUESTS);
    println!(
        "{REQUESTS} post-handshake requests: {bytes} bytes allocated with brotli, {plain} without compression"
    );
    assert!(
        bytes < plain * 2,
        "{bytes} bytes against {plain} uncompressed: each answer ran a brotli compression"
    );
    assert_eq!(sent, None);
    // Another algorithm in common (cheap: tens of microseconds) is used
    // instead, whatever our order of preference.
    let (_, sent) = post_handshake_requests(&[Alg::BROTLI, Alg::ZLIB], REQUESTS);
    assert_eq!(sent, Some(Alg::ZLIB));
}

/// A connected pair in which the client presented a certificate during
/// the handshake and the server may ask for one again afterwards, both
/// compressing with `algorithms` only.
fn mutual_pair(algorithms: &[Alg]) -> Pair {
    use pair::{client_builder, identity, pinned_client, server_builder};
    use tls13::certgen::KeyType;
    use tls13::{ClientAuth, SingleClientCert};
    let id = identity(KeyType::Ed25519);
    let ck = Arc::new(CertifiedKey::new(
        vec![id.leaf.clone(), id.ca.clone()],
        Arc::new(SigningKey::from_der(&id.key).unwrap()),
    ));
    let client = client_builder(KeyType::EcdsaP256)
        .certificate_compression(algorithms)
        .client_cert_resolver(Arc::new(SingleClientCert(ck)))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .certificate_compression(algorithms)
        .client_auth(ClientAuth::Optional(pinned_client(KeyType::Ed25519)))
        .post_handshake_client_verifier(pinned_client(KeyType::Ed25519))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    p
}

/// `Negotiated::certificate_compression_sent` names the algorithm of the
/// last Certificate we sent, `None` when that one went uncompressed: a
/// post-handshake answer sent as it is must not leave the handshake's
/// algorithm there.
#[test]
fn certificate_compression_sent_follows_the_last_certificate() {
    let mut p = mutual_pair(&[Alg::BROTLI]);
    assert_eq!(
        p.client.negotiated().certificate_compression_sent,
        Some(Alg::BROTLI)
    );
    p.server.request_client_certificate().unwrap();
    p.run().unwrap();
    // The answer went uncompressed (never brotli after the handshake), and
    // the server saw it so.
    assert_eq!(p.server.negotiated().certificate_compression_received, None);
    assert_eq!(p.client.negotiated().certificate_compression_sent, None);
}

/// `Negotiated::certificate_compression_received` changes with a
/// Certificate only: a KeyUpdate that reaches the server while it waits
/// for the answer to its post-handshake request is not one.
#[test]
fn a_key_update_before_the_post_handshake_answer_leaves_certificate_compression_received() {
    let mut p = mutual_pair(&[Alg::ZLIB]);
    assert_eq!(
        p.server.negotiated().certificate_compression_received,
        Some(Alg::ZLIB)
    );
    p.server.request_client_certificate().unwrap();
    // The client's KeyUpdate crosses the request: the server gets it while
    // it waits for a Certificate.
    p.client.update_keys(false).unwrap();
    let key_update = p.client.pending_output().to_vec();
    assert!(!key_update.is_empty());
    p.client.consume_output(key_update.len());
    p.server.receive(&key_update).unwrap();
    assert_eq!(
        p.server.negotiated().certificate_compression_received,
        Some(Alg::ZLIB),
        "a KeyUpdate cleared the algorithm of the last Certificate"
    );
    // The answer, compressed with zlib again, still counts.
    p.run().unwrap();
    assert_eq!(
        p.server.negotiated().certificate_compression_received,
        Some(Alg::ZLIB)
    );
    assert_eq!(
        p.client.negotiated().certificate_compression_sent,
        Some(Alg::ZLIB)
    );
}
