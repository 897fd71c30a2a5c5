//! Certificate compression (RFC 8879) with rustls 0.23 (its `brotli` and
//! `zlib` features; it has no zstd), in process, both ways: the server's
//! certificate and the client's, each algorithm each way. That
//! compression really happened is read from our side's `Negotiated`
//! (what we sent compressed, what arrived compressed), and that rustls
//! understood ours from the handshake completing with its verifiers.

#[path = "../../tests/peers/mod.rs"]
mod peers;

use std::sync::Arc;

use peers::{Pki, TempDir, pki};
use rustls::RootCertStore;
use rustls::compress::{CertCompressor, CertDecompressor};
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use tls13::certgen::KeyType;
use tls13::compress::CertificateCompressionAlgorithm as Alg;
use tls13::config::ClientAuth;
use tls13::{
    ClientConfig, ClientConnection, Connection, Negotiated, PinnedCertVerifier,
    PinnedClientCertVerifier, ServerConfig, ServerConnection,
};

/// The algorithms both libraries have, with rustls's codecs for them.
fn theirs(a: Alg) -> (&'static dyn CertCompressor, &'static dyn CertDecompressor) {
    match a {
        Alg::ZLIB => (
            rustls::compress::ZLIB_COMPRESSOR,
            rustls::compress::ZLIB_DECOMPRESSOR,
        ),
        Alg::BROTLI => (
            rustls::compress::BROTLI_COMPRESSOR,
            rustls::compress::BROTLI_DECOMPRESSOR,
        ),
        _ => unreachable!(),
    }
}

const COMMON: [Alg; 2] = [Alg::ZLIB, Alg::BROTLI];

struct Certs {
    _dir: TempDir,
    server: Pki,
    client: Pki,
}

fn certs() -> Certs {
    let dir = TempDir::new("rustls-cc");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let client = pki(&dir, "client", "client.example", KeyType::Ed25519);
    Certs {
        _dir: dir,
        server,
        client,
    }
}

/// Leaf and CA: what a server sends, and compressible enough that each
/// algorithm makes it smaller.
fn chain(p: &Pki) -> Vec<Vec<u8>> {
    vec![p.leaf.clone(), p.ca.clone()]
}

fn der_chain(p: &Pki) -> Vec<CertificateDer<'static>> {
    chain(p).into_iter().map(CertificateDer::from).collect()
}

fn der_key(p: &Pki) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.key.clone()))
}

fn roots(ca: &[u8]) -> Arc<RootCertStore> {
    let mut r = RootCertStore::empty();
    r.add(CertificateDer::from(ca.to_vec())).unwrap();
    Arc::new(r)
}

/// Moves bytes between our connection and rustls's until the handshake
/// is done on both sides and neither has anything to send.
fn pump(ours: &mut Connection, theirs: &mut rustls::Connection) {
    for _ in 0..100 {
        let mut moved = false;
        let out = ours.pending_output().to_vec();
        if !out.is_empty() {
            ours.consume_output(out.len());
            let mut rd = &out[..];
            while !rd.is_empty() {
                theirs.read_tls(&mut rd).unwrap();
                theirs.process_new_packets().unwrap();
            }
            moved = true;
        }
        let mut buf = Vec::new();
        while theirs.wants_write() {
            theirs.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            ours.receive(&buf).unwrap();
            moved = true;
        }
        while ours.next_event().is_some() {}
        if !moved && !ours.is_handshaking() && !theirs.is_handshaking() {
            return;
        }
    }
    panic!("the handshake did not finish");
}

/// Our client (offering and using `ours`) against a rustls server
/// compressing with `server_alg` and asking for a client certificate,
/// which it decompresses with `client_algs`: our side's view.
fn our_client(c: &Certs, ours: &[Alg], server_alg: Alg, client_algs: &[Alg]) -> Negotiated {
    let p = Arc::new(aws_lc_rs::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(roots(&c.client.ca), p.clone())
        .build()
        .unwrap();
    let mut sc = rustls::ServerConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(der_chain(&c.server), der_key(&c.server))
        .unwrap();
    sc.cert_compressors = vec![theirs(server_alg).0];
    sc.cert_decompressors = client_algs.iter().map(|a| theirs(*a).1).collect();
    let cc = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(c.server.leaf.clone())))
        .certificate_compression(ours)
        .client_auth_cert(
            chain(&c.client),
            tls13::crypto::default_provider()
                .load_private_key(&c.client.key)
                .unwrap(),
        )
        .build()
        .unwrap();
    let mut theirs: rustls::Connection =
        rustls::ServerConnection::new(Arc::new(sc)).unwrap().into();
    let mut ours = ClientConnection::new(Arc::new(cc), "localhost").unwrap();
    pump(&mut ours, &mut theirs);
    // rustls verified our chain: it has the client's identity.
    assert_eq!(theirs.peer_certificates().map(|c| c.len()), Some(2));
    ours.negotiated().clone()
}

/// A rustls client decompressing with `client_decomp` and compressing
/// its certificate with `client_comp`, against our server configured
/// with `ours`: our side's view.
fn our_server(c: &Certs, ours: &[Alg], client_decomp: &[Alg], client_comp: Alg) -> Negotiated {
    let p = Arc::new(aws_lc_rs::default_provider());
    let mut cc = rustls::ClientConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots(&c.server.ca))
        .with_client_auth_cert(der_chain(&c.client), der_key(&c.client))
        .unwrap();
    cc.cert_decompressors = client_decomp.iter().map(|a| theirs(*a).1).collect();
    cc.cert_compressors = vec![theirs(client_comp).0];
    let sc = ServerConfig::builder_with_single_cert(
        chain(&c.server),
        tls13::crypto::default_provider()
            .load_private_key(&c.server.key)
            .unwrap(),
    )
    .certificate_compression(ours)
    .client_auth(ClientAuth::Required(Arc::new(
        PinnedClientCertVerifier::new(vec![c.client.leaf.clone()]),
    )))
    .build()
    .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut theirs: rustls::Connection = rustls::ClientConnection::new(Arc::new(cc), name)
        .unwrap()
        .into();
    let mut ours = ServerConnection::new(Arc::new(sc)).unwrap();
    pump(&mut ours, &mut theirs);
    assert_eq!(theirs.peer_certificates().map(|c| c.len()), Some(2));
    ours.negotiated().clone()
}

#[test]
fn rustls_server_compresses_for_our_client_each_algorithm() {
    let c = certs();
    for alg in COMMON {
        let n = our_client(&c, &[alg], alg, &[alg]);
        assert_eq!(n.certificate_compression_received, Some(alg), "{alg:?}");
        assert_eq!(n.peer_certificates, chain(&c.server));
    }
}

#[test]
fn our_client_compresses_for_rustls_server_each_algorithm() {
    let c = certs();
    for alg in COMMON {
        let n = our_client(&c, &[alg], alg, &[alg]);
        assert_eq!(n.certificate_compression_sent, Some(alg), "{alg:?}");
    }
}

#[test]
fn our_server_compresses_for_rustls_client_each_algorithm() {
    let c = certs();
    for alg in COMMON {
        let n = our_server(&c, &[alg], &[alg], alg);
        assert_eq!(n.certificate_compression_sent, Some(alg), "{alg:?}");
    }
}

#[test]
fn rustls_client_compresses_for_our_server_each_algorithm() {
    let c = certs();
    for alg in COMMON {
        let n = our_server(&c, &[alg], &[alg], alg);
        assert_eq!(n.certificate_compression_received, Some(alg), "{alg:?}");
        assert_eq!(n.peer_certificates, chain(&c.client));
    }
}

#[test]
fn zstd_offered_to_rustls_falls_back_to_a_common_algorithm_or_none() {
    let c = certs();
    // Our zstd first: rustls has none, so brotli is used each way.
    let n = our_server(&c, &[Alg::ZSTD, Alg::BROTLI], &[Alg::BROTLI], Alg::BROTLI);
    assert_eq!(n.certificate_compression_sent, Some(Alg::BROTLI));
    // zstd alone: nothing in common, both certificates go uncompressed.
    let n = our_client(&c, &[Alg::ZSTD], Alg::ZLIB, &[Alg::ZLIB]);
    assert_eq!(n.certificate_compression_sent, None);
    assert_eq!(n.certificate_compression_received, None);
}
