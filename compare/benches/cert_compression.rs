//! Certificate compression (RFC 8879): what it saves on the wire and
//! what it costs a server. Ours only (rustls is not in these rows), on
//! the default provider, client and server in memory as in
//! `benches/compare.rs`.
//!
//! ```text
//! cargo bench -p tls13-compare --bench cert_compression
//! TLS13_BENCH_QUICK=1 cargo bench -p tls13-compare --bench cert_compression
//! ```
//!
//! Rows:
//! - `flight-bytes/ALG`: printed, not timed: the bytes of the server's
//!   first flight (ServerHello to Finished, records included) for a
//!   P-256 leaf + CA chain, uncompressed (`none`) and per algorithm.
//! - `hs-full/ALG`: a whole handshake (both connections, every flight,
//!   the client validating the chain against its CA) with the server's
//!   Certificate compressed by ALG from its configuration's cache (the
//!   chain compressed once, at the first handshake); `none` compresses
//!   nothing. Reported as hs/s.
//! - `compress/ALG`: compressing that Certificate once, what each
//!   handshake would pay without the cache.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::compress::{self, CertificateCompressionAlgorithm as Alg};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

const CASES: [(&str, Option<Alg>); 4] = [
    ("none", None),
    ("brotli", Some(Alg::BROTLI)),
    ("zlib", Some(Alg::ZLIB)),
    ("zstd", Some(Alg::ZSTD)),
];

struct Setup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

fn setup(alg: Option<Alg>, ca_der: &[u8], chain: &[Vec<u8>], key: &[u8]) -> Setup {
    let algs: Vec<Alg> = alg.into_iter().collect();
    let verifier = WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", ca_der)).unwrap();
    Setup {
        client: Arc::new(
            ClientConfig::builder(Arc::new(verifier))
                .certificate_compression(&algs)
                .build()
                .unwrap(),
        ),
        server: Arc::new(
            ServerConfig::builder_with_single_cert(
                chain.to_vec(),
                SigningKey::from_der(key).unwrap(),
            )
            .certificate_compression(&algs)
            .build()
            .unwrap(),
        ),
    }
}

/// One whole handshake; the server's first flight's length.
fn handshake(s: &Setup) -> usize {
    let mut c = ClientConnection::new(s.client.clone(), "localhost").unwrap();
    let mut v = ServerConnection::new(s.server.clone()).unwrap();
    let mut first_flight = 0;
    loop {
        let out = c.pending_output().to_vec();
        c.consume_output(out.len());
        if !out.is_empty() {
            v.receive(&out).unwrap();
        }
        let back = v.pending_output().to_vec();
        v.consume_output(back.len());
        if first_flight == 0 {
            first_flight = back.len();
        }
        if !back.is_empty() {
            c.receive(&back).unwrap();
        }
        drain(&mut c);
        drain(&mut v);
        if out.is_empty() && back.is_empty() {
            break;
        }
    }
    assert!(!c.is_handshaking() && !v.is_handshaking());
    first_flight
}

fn drain(c: &mut Connection) {
    while c.next_event().is_some() {}
}

fn main() {
    let quick = std::env::var("TLS13_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut crit = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(if quick { 300 } else { 1000 }))
        .measurement_time(Duration::from_secs(if quick { 2 } else { 5 }))
        .sample_size(if quick { 20 } else { 50 });

    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("bench CA", &ca_key, 1_700_000_000, 4_000_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns("localhost".into())],
            &key,
            1_700_000_000,
            4_000_000_000,
            &rng,
        )
        .unwrap();
    let chain = vec![leaf, ca.cert_der().to_vec()];

    for (name, alg) in CASES {
        let s = setup(alg, ca.cert_der(), &chain, &key);
        let bytes = handshake(&s);
        println!("flight-bytes/{name}: {bytes}");
        crit.bench_function(&format!("hs-full/{name}"), |b| {
            b.iter(|| black_box(handshake(&s)))
        });
    }

    // The Certificate message the server sends (no request context).
    let mut cert = vec![11, 0, 0, 0, 0];
    let mut list = Vec::new();
    for c in &chain {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
        list.extend_from_slice(&[0, 0]);
    }
    cert.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
    cert.extend(list);
    let body_len = (cert.len() - 4) as u32;
    cert[1..4].copy_from_slice(&body_len.to_be_bytes()[1..]);
    for (name, alg) in CASES {
        let Some(alg) = alg else { continue };
        crit.bench_function(&format!("compress/{name}"), |b| {
            b.iter(|| black_box(compress::compress_certificate(alg, &cert).unwrap()))
        });
    }
    crit.final_summary();
}
