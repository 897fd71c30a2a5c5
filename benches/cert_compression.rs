//! Certificate compression (RFC 8879): what it saves on the wire and what
//! it costs. Ours only, on the default provider, client and server in
//! memory; a plain timing loop (no bench framework, so the root crate
//! needs no dev-dependency for it).
//!
//! ```text
//! cargo bench --bench cert_compression
//! TLS13_BENCH_QUICK=1 cargo bench --bench cert_compression    # fewer rounds
//! ```
//!
//! Two chains: `certgen` (a P-256 leaf and its P-256 CA from
//! `tls13::certgen`, small certificates with few extensions) and `webpki`
//! (`vectors/cert-compression/`: an RSA-2048 leaf and RSA-2048
//! intermediate shaped as a public CA issues them, with policies, AIA,
//! CRL distribution points and two SCTs; the client trusts the RSA-4096
//! root). For each chain and each case (`none`, `brotli`, `zlib`,
//! `zstd`; both sides configured with that one algorithm, or none):
//!
//! - `flight-bytes`: the bytes of the server's first flight (ServerHello
//!   to Finished, records included, X25519MLKEM768 share);
//! - `hs-full`: whole handshakes per second, both connections in one
//!   thread, every flight, the client validating the chain; the server's
//!   compressed Certificate comes from the forms kept with its key
//!   (filled by the warm-up handshake), the client decompresses every time;
//! - `compress`: compressing the Certificate message once (µs), what a
//!   handshake would cost more without the cache;
//! - `decompress`: the client's side of it (µs), bounds checks included.
//!
//! Each figure is the median of several rounds, with the fastest and
//! slowest round relative to it; the cases run in turn within each
//! round, so that a change of the machine's load touches them alike.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::compress::{self, CertificateCompressionAlgorithm as Alg};
use tls13::crypto::OsRandom;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

const CASES: [(&str, Option<Alg>); 4] = [
    ("none", None),
    ("brotli", Some(Alg::BROTLI)),
    ("zlib", Some(Alg::ZLIB)),
    ("zstd", Some(Alg::ZSTD)),
];

/// A chain the server sends, its key, and the root the client trusts.
struct Chain {
    name: &'static str,
    /// The host name the client asks for (in the leaf's SAN).
    host: &'static str,
    certs: Vec<Vec<u8>>,
    key: Vec<u8>,
    root_pem: String,
}

fn certgen_chain() -> Chain {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("bench CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns("localhost".into())],
            &key,
            1_700_000_000,
            2_600_000_000,
            &rng,
        )
        .unwrap();
    Chain {
        name: "certgen",
        host: "localhost",
        certs: vec![leaf, ca.cert_der().to_vec()],
        key: key.to_vec(),
        root_pem: certgen::to_pem("CERTIFICATE", ca.cert_der()),
    }
}

fn webpki_chain() -> Chain {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/cert-compression");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
    let one = |f: &str| pem::certificates(&read(f)).unwrap().remove(0);
    let (label, key) = pem::parse(&read("leaf.key")).unwrap().remove(0);
    assert_eq!(label, "PRIVATE KEY");
    Chain {
        name: "webpki",
        host: "www.example.net",
        certs: vec![one("leaf.pem"), one("intermediate.pem")],
        key,
        root_pem: read("root.pem"),
    }
}

struct Setup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    host: &'static str,
}

fn setup(chain: &Chain, alg: Option<Alg>) -> Setup {
    let algs: Vec<Alg> = alg.into_iter().collect();
    let verifier = WebPkiServerVerifier::from_pem(&chain.root_pem).unwrap();
    Setup {
        client: Arc::new(
            ClientConfig::builder(Arc::new(verifier))
                .certificate_compression(&algs)
                .build()
                .unwrap(),
        ),
        server: Arc::new(
            ServerConfig::builder_with_single_cert(
                chain.certs.clone(),
                SigningKey::from_der(&chain.key).unwrap(),
            )
            .certificate_compression(&algs)
            .build()
            .unwrap(),
        ),
        host: chain.host,
    }
}

/// One whole handshake; returns the length of the server's first flight.
/// Panics unless the certificate went as `alg` says.
fn handshake(s: &Setup, alg: Option<Alg>) -> usize {
    let mut c = ClientConnection::new(s.client.clone(), s.host).unwrap();
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
    assert_eq!(c.negotiated().certificate_compression_received, alg);
    first_flight
}

fn drain(c: &mut Connection) {
    while c.next_event().is_some() {}
}

/// The Certificate message a server sends for `chain` (empty request
/// context, no extensions), header included.
fn certificate_message(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for c in chain {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
        list.extend_from_slice(&[0, 0]);
    }
    let mut body = vec![0];
    body.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
    body.extend(list);
    let mut msg = vec![11];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend(body);
    msg
}

/// How many calls of `f` take about `target`.
fn calibrate(target: Duration, mut f: impl FnMut()) -> u32 {
    let mut n = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let took = t.elapsed();
        if took >= target / 4 || n >= 1 << 20 {
            let per = took.as_secs_f64() / f64::from(n);
            return ((target.as_secs_f64() / per) as u32).max(1);
        }
        n *= 2;
    }
}

/// The median of the rounds' seconds per call, and the spread of the
/// rounds around it: (fastest − median, slowest − median) in percent.
fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let m = v[v.len() / 2];
    let pct = |x: f64| (x / m - 1.0) * 100.0;
    (m, pct(v[0]), pct(v[v.len() - 1]))
}

/// A timed job: its name and the closure doing one call.
type Job<'a> = (String, Box<dyn FnMut() + 'a>);

/// Runs `jobs` in turn for `rounds` rounds of about `per_round` each;
/// returns each job's median seconds per call and the rounds' spread.
fn measure(jobs: &mut [Job<'_>], rounds: usize, per_round: Duration) -> Vec<(f64, f64, f64)> {
    let counts: Vec<u32> = jobs
        .iter_mut()
        .map(|(_, f)| {
            // Warm up: caches, allocator, branch predictors.
            for _ in 0..3 {
                f();
            }
            calibrate(per_round, &mut *f)
        })
        .collect();
    let mut samples = vec![Vec::new(); jobs.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in jobs.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..counts[i] {
                f();
            }
            samples[i].push(t.elapsed().as_secs_f64() / f64::from(counts[i]));
        }
    }
    samples.into_iter().map(median).collect()
}

fn main() {
    let quick = std::env::var("TLS13_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let (rounds, per_round) = if quick {
        (3, Duration::from_millis(100))
    } else {
        (9, Duration::from_millis(300))
    };
    let started = Instant::now();
    println!(
        "provider: {}; {rounds} rounds of ~{} ms per row, median",
        tls13::crypto::default_provider().name,
        per_round.as_millis()
    );

    for chain in [certgen_chain(), webpki_chain()] {
        let sizes: Vec<String> = chain.certs.iter().map(|c| c.len().to_string()).collect();
        println!(
            "\nchain {}: {} bytes DER ({})",
            chain.name,
            chain.certs.iter().map(Vec::len).sum::<usize>(),
            sizes.join(" + ")
        );
        let setups: Vec<Setup> = CASES.iter().map(|(_, a)| setup(&chain, *a)).collect();
        // The first handshake fills the server's cache.
        let flights: Vec<usize> = CASES
            .iter()
            .zip(&setups)
            .map(|((_, a), s)| handshake(s, *a))
            .collect();
        for ((name, _), bytes) in CASES.iter().zip(&flights) {
            let saved = flights[0] as i64 - *bytes as i64;
            println!(
                "{}/flight-bytes/{name}: {bytes} (saves {saved})",
                chain.name
            );
        }

        let mut jobs: Vec<Job<'_>> = CASES
            .iter()
            .zip(&setups)
            .map(|((name, a), s)| {
                let a = *a;
                let job: Job<'_> = (
                    format!("{}/hs-full/{name}", chain.name),
                    Box::new(move || {
                        black_box(handshake(s, a));
                    }),
                );
                job
            })
            .collect();
        let secs = measure(&mut jobs, rounds, per_round);
        for ((name, _), (s, lo, hi)) in jobs.iter().zip(&secs) {
            println!(
                "{name}: {:.0} hs/s ({:.0} µs; rounds {lo:+.0}%..{hi:+.0}%)",
                1.0 / s,
                s * 1e6
            );
        }

        let cert = certificate_message(&chain.certs);
        let mut jobs: Vec<Job<'_>> = Vec::new();
        for (name, a) in CASES {
            let Some(a) = a else { continue };
            let cert = &cert;
            let packed = compress::compress_certificate(a, cert).unwrap().unwrap();
            println!(
                "{}/compressed/{name}: Certificate {} -> {} bytes",
                chain.name,
                cert.len(),
                packed.len()
            );
            jobs.push((
                format!("{}/compress/{name}", chain.name),
                Box::new(move || {
                    black_box(compress::compress_certificate(a, black_box(cert)).unwrap());
                }),
            ));
            jobs.push((
                format!("{}/decompress/{name}", chain.name),
                Box::new(move || {
                    let (_, out) =
                        compress::decompress_certificate(black_box(&packed), &[a], 1 << 16)
                            .unwrap();
                    assert_eq!(out.len(), cert.len());
                }),
            ));
        }
        let secs = measure(&mut jobs, rounds, per_round);
        for ((name, _), (s, lo, hi)) in jobs.iter().zip(&secs) {
            println!("{name}: {:.1} µs (rounds {lo:+.0}%..{hi:+.0}%)", s * 1e6);
        }
    }
    println!("\ntook {:.0} s", started.elapsed().as_secs_f64());
}
