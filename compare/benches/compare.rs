//! Issues 7 and 13's comparison: the same scenarios through this library
//! on each of its crypto providers (graviola, RustCrypto), through rustls
//! 0.23 on three providers (aws-lc-rs, `rustls-graviola`,
//! `rustls-rustcrypto`), and through the crypto floor of each of our
//! providers (the primitive operations a scenario cannot avoid, called
//! through that provider's `tls13::crypto` handles), in one process.
//! Client and server talk in memory over a `Vec<u8>` "wire": the sender
//! appends its records to it (ours: `pending_output()` + `consume_output`;
//! rustls: `write_tls`), the receiver is fed them (ours: `receive`; rustls:
//! `read_tls` + `process_new_packets`) and takes the plaintext. The bulk
//! rows move records without the intermediate wire (see below).
//!
//! ```text
//! cargo bench -p tls13-compare --bench compare                 # full run (~15 min on 2 cores)
//! TLS13_BENCH_QUICK=1 cargo bench -p tls13-compare --bench compare     # quick run (~4 min)
//! TLS13_BENCH_QUICK=1 cargo bench -p tls13-compare --bench compare -- bulk   # only ids matching "bulk"
//! TLS13_BENCH_QUICK=1 cargo bench -p tls13-compare --bench compare -- 'graviola/hs-'
//! TLS13_BENCH_PROFILE=ours-graviola/hs-full-p256-x25519 valgrind --tool=callgrind \
//!     $CARGO_TARGET_DIR/release/deps/compare-HASH   # N handshakes only (TLS13_BENCH_PROFILE_N)
//! ```
//!
//! The positional argument is criterion's filter, a regex over the ids
//! `LIB/CASE` (bulk rows: `bulk/LIB/CASE`), LIB one of `ours-graviola`,
//! `ours-rustcrypto`, `rustls-awslc`, `rustls-graviola`,
//! `rustls-rustcrypto`, `floor-graviola`, `floor-rustcrypto`; the memory
//! rows run when there is no filter or the filter contains `mem`, the
//! primitive notes when it contains `prim`. `TLS13_BENCH_PROFILE` takes a
//! handshake id of an `ours-*` or `rustls-*` LIB (RSA excepted) or
//! `ours-*/hs-hostile-clienthello-VARIANT`.
//!
//! Three pairs, each with one summary line per row:
//!
//! | pair | ours on | rustls on | what it isolates |
//! |---|---|---|---|
//! | `graviola/aws-lc-rs` | graviola | aws-lc-rs | where we stand against the reference |
//! | `graviola/graviola` | graviola | rustls-graviola | the protocol's cost alone (same crypto) |
//! | `rustcrypto/rustcrypto` | RustCrypto | rustls-rustcrypto | the same, pure-Rust crates of two generations |
//!
//! ```text
//! case=NAME pair=PAIR ours=X rustls=Y ratio=R unit=U floor=Z x_floor=F
//! ```
//!
//! `ratio` is oriented so that above 1 means we are better: ours/rustls
//! for rates (hs/s, MB/s), rustls/ours for costs (µs, allocations, bytes;
//! `inf` when ours is 0). `floor` is the floor of the pair's provider of
//! ours, in the row's unit; `x_floor` is our cost as a multiple of it
//! (1.10 = 10% above). `-` where a value does not exist: no floor for the
//! memory rows, and a rustls provider that lacks the row's algorithm (a
//! `note gap` line names each one and why). A pair with neither value is
//! not printed. The same rows go to `target/compare-summary.md` (beside
//! the workspace, not `CARGO_TARGET_DIR`) as one Markdown table with a
//! column group per pair.
//!
//! What each row measures:
//! - `hs-*`: a whole handshake (both connections created, every flight
//!   moved, the connections dropped) → hs/s from the wall time; `-client`
//!   and `-server` time only that side's calls (construction, sending,
//!   receiving, taking data, drop). Every row offers exactly one suite
//!   (TLS_AES_128_GCM_SHA256) and one group; the client validates the
//!   server's chain (CA → leaf, both libraries' WebPKI verifiers, ours on
//!   the same provider as the connection) for the name `localhost`.
//!   Full-handshake rows issue no tickets and the client keeps no session
//!   cache; the resumed row uses one ticket per handshake (psk_dhe_ke; a
//!   new ticket is issued and stored each time).
//! - `bulk-*`: application data in writes of 16 KiB or 1 KiB, MB/s of
//!   plaintext: `seal` = the sender's `send` and taking its records as a
//!   transport would (discarded: `consume_output` / `write_tls` into
//!   `io::sink()`); `open` = feeding pre-sealed records (one write's worth
//!   at a time, copied in from the wire) to the receiver and taking the
//!   plaintext; `both` = the records moved straight from the sender into
//!   the receiver (one copy, as a transport makes: `receive(pending_output())`
//!   / `write_tls` into the peer's `read_tls`) and the plaintext taken.
//! - floors, once per provider of ours: handshake = key generation and
//!   agreement (ML-KEM: keygen + decapsulation on the client,
//!   encapsulation on the server, plus X25519), CertificateVerify signing
//!   and verifying, the CA's signature on the leaf, and one SHA-256 pass
//!   over the handshake bytes (approx. the record bytes moved) per side;
//!   bulk = raw AEAD seal/open of records of the same size. Every
//!   operation goes through the provider's handles (`groups`, `keys`,
//!   `signatures`, `hashes`, `aeads`), never the default provider.
//! - `hs-hostile-clienthello`: the server's cost (µs) for one hostile
//!   ClientHello of the largest size accepted (64 KiB) whose lists are as
//!   long as the message allows (key shares × supported_groups, cipher
//!   suites, signature schemes, extensions, ALPN names, certificate
//!   authorities, PSK identities), the worst of them; a note line gives
//!   each one and a normal ClientHello's server flight from the same
//!   configuration (the target is at most 2× that). Ours on the default
//!   provider only, no rustls column.
//! - `mem-*`: a counting global allocator. Allocations (a `realloc` counts
//!   as one) and bytes allocated per full handshake; heap held by an idle
//!   established connection (live bytes freed when it is dropped), right
//!   after the handshake and after 16 KiB each way has been read;
//!   allocations per 16 KiB / 1 KiB record sent and received after
//!   warm-up. Every library and provider above; configurations are built
//!   outside every measurement.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::aead::{AeadAlgorithm, AeadKey, TAG_LEN};
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::kx::KxGroup;
use tls13::crypto::sign::{SigningKey, certificate_spki, verify_with};
use tls13::crypto::{CryptoProvider, OsRandom};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{CipherSuite, NamedGroup, SignatureScheme};
use tls13::unstable::msgs::handshake::{ClientHello, HandshakeMessage};
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{Policy, TrustAnchor};
use tls13::{ClientAuth, ClientConfig, ClientConnection, Connection, ServerConfig};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

// ---------------------------------------------------------------------------
// Counting allocator

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        LIVE.fetch_add(layout.size() as i64, Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        LIVE.fetch_add(layout.size() as i64, Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> i64 {
    LIVE.load(Relaxed)
}

// ---------------------------------------------------------------------------
// Per-side accounting and the results store

#[derive(Default, Clone, Copy, Debug)]
struct SideCost {
    ns: u64,
    allocs: u64,
    bytes: u64,
}

/// Time and allocations spent in the client's and in the server's calls.
#[derive(Default, Clone, Copy, Debug)]
struct Split {
    client: SideCost,
    server: SideCost,
}

impl Split {
    fn on<R>(&mut self, client: bool, f: impl FnOnce() -> R) -> R {
        let a0 = ALLOCS.load(Relaxed);
        let b0 = BYTES.load(Relaxed);
        let t0 = Instant::now();
        let r = f();
        let dt = t0.elapsed();
        let side = if client {
            &mut self.client
        } else {
            &mut self.server
        };
        side.ns += dt.as_nanos() as u64;
        side.allocs += ALLOCS.load(Relaxed) - a0;
        side.bytes += BYTES.load(Relaxed) - b0;
        r
    }
}

/// One call of an `iter_custom` routine: iterations, wall time, and the
/// client's and server's shares (ns).
#[derive(Clone, Copy)]
struct Rec {
    iters: f64,
    wall: f64,
    client: f64,
    server: f64,
}

static RESULTS: Mutex<BTreeMap<String, Vec<Rec>>> = Mutex::new(BTreeMap::new());
static SAMPLE_SIZE: AtomicU64 = AtomicU64::new(10);

fn record(id: &str, iters: u64, wall: Duration, split: Split) {
    let rec = Rec {
        iters: iters as f64,
        wall: wall.as_nanos() as f64,
        client: split.client.ns as f64,
        server: split.server.ns as f64,
    };
    RESULTS
        .lock()
        .unwrap()
        .entry(id.to_string())
        .or_default()
        .push(rec);
}

/// A per-iteration quantity (ns) over criterion's measurement samples
/// (the last `sample_size` calls; the earlier ones are its warm-up): the
/// fastest sample by default, since other processes on a shared machine
/// only ever add time (`TLS13_BENCH_STAT=median` for the median).
fn stat(id: &str, f: impl Fn(&Rec) -> f64) -> Option<f64> {
    let results = RESULTS.lock().unwrap();
    let recs = results.get(id)?;
    let n = SAMPLE_SIZE.load(Relaxed) as usize;
    let tail = &recs[recs.len().saturating_sub(n)..];
    let mut v: Vec<f64> = tail.iter().map(|r| f(r) / r.iters).collect();
    v.sort_by(f64::total_cmp);
    if std::env::var("TLS13_BENCH_STAT").is_ok_and(|s| s == "median") {
        let m = v.len() / 2;
        Some(if v.len() % 2 == 1 {
            v[m]
        } else {
            (v[m - 1] + v[m]) / 2.0
        })
    } else {
        v.first().copied()
    }
}

// ---------------------------------------------------------------------------
// Certificates: one CA (ECDSA P-256) and leaves for `localhost`, the same
// DER for both libraries.

struct Identity {
    key: KeyType,
    key_der: Vec<u8>,
    leaf: Vec<u8>,
}

struct Pki {
    ca: Vec<u8>,
    p256: Identity,
    ed25519: Identity,
    rsa2048: Identity,
    client_p256: Identity,
}

/// `with_rsa: false` (profiling mode) skips the slow RSA key generation;
/// the RSA identity is then a P-256 one and must not be used.
fn pki(with_rsa: bool) -> Pki {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("bench CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let leaf = |key: KeyType| {
        let key_der = loop {
            let der = certgen::generate_key(key, &rng).unwrap();
            if key != KeyType::Rsa2048 || rsa_larger_prime_first(&der) {
                break der;
            }
        };
        let leaf = ca
            .issue(
                &[SubjectAltName::Dns("localhost".into())],
                &key_der,
                1_700_000_000,
                2_600_000_000,
                &rng,
            )
            .unwrap();
        Identity {
            key,
            key_der: key_der.to_vec(),
            leaf,
        }
    };
    Pki {
        ca: ca.cert_der().to_vec(),
        p256: leaf(KeyType::EcdsaP256),
        ed25519: leaf(KeyType::Ed25519),
        rsa2048: leaf(if with_rsa {
            KeyType::Rsa2048
        } else {
            KeyType::EcdsaP256
        }),
        client_p256: leaf(KeyType::EcdsaP256),
    }
}

/// One DER TLV at the start of `b` (lengths below 64 KiB): the whole
/// TLV, its contents, and what follows it.
fn tlv(b: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (len, hdr) = match b[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (b[2] as usize, 3),
        0x82 => (((b[2] as usize) << 8) | b[3] as usize, 4),
        _ => panic!("DER value too large"),
    };
    (&b[..hdr + len], &b[hdr..hdr + len], &b[hdr + len..])
}

/// Whether the PKCS#8 RSA key `der` lists its larger prime first.
/// rustls-graviola (0.4.0) hands RSA keys to graviola as they are, and
/// graviola's CRT signing assumes the first prime is the larger: with the
/// other order, which the `rsa` crate's generator makes half the time,
/// some signings fail (graviola checks its signature and returns an
/// error; 0 to 26 in 1000 over three such keys), and that handshake with
/// them. Our graviola provider swaps the primes at load. The bench draws
/// keys until the order suits every library; it is the same key for all.
fn rsa_larger_prime_first(der: &[u8]) -> bool {
    let (_, info, _) = tlv(der); // PrivateKeyInfo
    let (_, _, rest) = tlv(info); // version
    let (_, _, rest) = tlv(rest); // algorithm
    let (_, octets, _) = tlv(rest); // privateKey
    let (_, mut fields, _) = tlv(octets); // RSAPrivateKey
    let mut ints = Vec::new();
    while !fields.is_empty() {
        let (_, v, rest) = tlv(fields);
        ints.push(v);
        fields = rest;
    }
    // version, n, e, d, p, q, ...: unsigned big-endian after the zeros.
    let unsigned = |v: &'_ [u8]| -> Vec<u8> { v.iter().copied().skip_while(|b| *b == 0).collect() };
    let (p, q) = (unsigned(ints[4]), unsigned(ints[5]));
    (p.len(), p) > (q.len(), q)
}

impl Identity {
    fn scheme(&self) -> SignatureScheme {
        match self.key {
            KeyType::EcdsaP256 => SignatureScheme::ECDSA_SECP256R1_SHA256,
            KeyType::EcdsaP384 => SignatureScheme::ECDSA_SECP384R1_SHA384,
            KeyType::Ed25519 => SignatureScheme::ED25519,
            KeyType::Rsa2048 => SignatureScheme::RSA_PSS_RSAE_SHA256,
            KeyType::RsaPss2048 => SignatureScheme::RSA_PSS_PSS_SHA256,
            KeyType::EcdsaP521 => SignatureScheme::ECDSA_SECP521R1_SHA512,
        }
    }
    fn signing_key(&self, provider: &CryptoProvider) -> SigningKey {
        provider.load_private_key(&self.key_der).unwrap()
    }
    fn rustls_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

// ---------------------------------------------------------------------------
// Configurations

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Full,
    Resumed,
    Mtls,
}

/// Our library on one of its crypto providers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ours {
    Graviola,
    RustCrypto,
}

impl Ours {
    const ALL: [Ours; 2] = [Ours::Graviola, Ours::RustCrypto];

    /// `None`: graviola on a CPU that lacks what it needs.
    fn provider(self) -> Option<&'static CryptoProvider> {
        match self {
            Ours::Graviola => tls13::crypto::graviola::provider(),
            Ours::RustCrypto => Some(tls13::crypto::rustcrypto::provider()),
        }
    }
    /// The provider configs get without `.provider(..)`: the hostile rows
    /// run on it alone.
    fn by_default() -> Ours {
        let d = tls13::crypto::default_provider();
        Ours::ALL
            .into_iter()
            .find(|o| o.provider().is_some_and(|p| std::ptr::eq(p, d)))
            .expect("the default provider is one of the built-in ones")
    }
    fn lib(self) -> &'static str {
        match self {
            Ours::Graviola => "ours-graviola",
            Ours::RustCrypto => "ours-rustcrypto",
        }
    }
    fn floor(self) -> &'static str {
        match self {
            Ours::Graviola => "floor-graviola",
            Ours::RustCrypto => "floor-rustcrypto",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Ours::Graviola => "ours+graviola",
            Ours::RustCrypto => "ours+RustCrypto",
        }
    }
    fn from_lib(lib: &str) -> Option<Ours> {
        Ours::ALL.into_iter().find(|o| o.lib() == lib)
    }
}

/// rustls's crypto provider.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Prov {
    AwsLc,
    Graviola,
    RustCrypto,
}

impl Prov {
    const ALL: [Prov; 3] = [Prov::AwsLc, Prov::Graviola, Prov::RustCrypto];

    fn lib(self) -> &'static str {
        match self {
            Prov::AwsLc => "rustls-awslc",
            Prov::Graviola => "rustls-graviola",
            Prov::RustCrypto => "rustls-rustcrypto",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Prov::AwsLc => "rustls+aws-lc-rs",
            Prov::Graviola => "rustls+graviola",
            Prov::RustCrypto => "rustls+rustcrypto",
        }
    }
    fn from_lib(lib: &str) -> Option<Prov> {
        Prov::ALL.into_iter().find(|p| p.lib() == lib)
    }
}

/// Two libraries compared on every row of the summary: ours on one of
/// its providers, rustls on one of its.
struct Pair {
    name: &'static str,
    ours: Ours,
    rustls: Prov,
}

const PAIRS: [Pair; 3] = [
    Pair {
        name: "graviola/aws-lc-rs",
        ours: Ours::Graviola,
        rustls: Prov::AwsLc,
    },
    Pair {
        name: "graviola/graviola",
        ours: Ours::Graviola,
        rustls: Prov::Graviola,
    },
    Pair {
        name: "rustcrypto/rustcrypto",
        ours: Ours::RustCrypto,
        rustls: Prov::RustCrypto,
    },
];

/// Every LIB of the ids, in the summary's order.
fn libs() -> Vec<&'static str> {
    let mut all: Vec<_> = Ours::ALL.iter().map(|o| o.lib()).collect();
    all.extend(Prov::ALL.iter().map(|p| p.lib()));
    all.extend(Ours::ALL.iter().map(|o| o.floor()));
    all
}

/// Why a library did not run a case, for the `note gap` lines:
/// (LIB, case) → reason.
static GAPS: Mutex<BTreeMap<(&'static str, String), String>> = Mutex::new(BTreeMap::new());

fn gap(lib: &'static str, case: &str, why: String) {
    GAPS.lock().unwrap().insert((lib, case.to_string()), why);
}

/// How to make a client and a server connection of one library.
enum Setup {
    Ours {
        client: Arc<ClientConfig>,
        server: Arc<ServerConfig>,
    },
    Rustls {
        client: Arc<rustls::ClientConfig>,
        server: Arc<rustls::ServerConfig>,
    },
}

fn ours_setup(
    provider: &'static CryptoProvider,
    pki: &Pki,
    id: &Identity,
    suite: CipherSuite,
    group: NamedGroup,
    kind: Kind,
) -> Setup {
    // The chain is checked with the connection's provider too, as an
    // embedder who picks one would configure it.
    let policy = Policy {
        provider,
        ..Policy::default()
    };
    let anchors = || vec![TrustAnchor::from_der(pki.ca.clone()).unwrap()];
    let verifier = WebPkiServerVerifier::new(anchors(), policy.clone());
    let mut client = ClientConfig::builder(Arc::new(verifier))
        .provider(provider)
        .suites(&[suite])
        .groups(&[group]);
    if kind != Kind::Resumed {
        client = client.session_store(None);
    }
    if kind == Kind::Mtls {
        client = client.client_auth_cert(
            vec![pki.client_p256.leaf.clone()],
            pki.client_p256.signing_key(provider),
        );
    }
    let mut server =
        ServerConfig::builder_with_single_cert(vec![id.leaf.clone()], id.signing_key(provider))
            .provider(provider)
            .suites(&[suite])
            .groups(&[group]);
    if kind == Kind::Resumed {
        server = server.session_tickets(1);
    }
    if kind == Kind::Mtls {
        let v = WebPkiClientVerifier::new(anchors(), policy);
        server = server.client_auth(ClientAuth::Required(Arc::new(v)));
    }
    Setup::Ours {
        client: Arc::new(client.build().unwrap()),
        server: Arc::new(server.build().unwrap()),
    }
}

/// rustls's provider `prov` with one suite and one group, or why it
/// cannot be.
fn provider(
    prov: Prov,
    suite: CipherSuite,
    group: NamedGroup,
) -> Result<Arc<rustls::crypto::CryptoProvider>, String> {
    let mut p = base_provider(prov)?;
    let rsuite = rustls::CipherSuite::from(suite.0);
    let rgroup = rustls::NamedGroup::from(group.0);
    p.cipher_suites.retain(|s| s.suite() == rsuite);
    p.kx_groups.retain(|g| g.name() == rgroup);
    if p.cipher_suites.is_empty() {
        return Err(format!("no cipher suite {suite:?}"));
    }
    if p.kx_groups.is_empty() {
        return Err(format!("no key exchange group {group:?}"));
    }
    Ok(Arc::new(p))
}

/// The rustls client and server for a scenario, or why `prov` cannot run
/// it.
fn rustls_setup(
    prov: Prov,
    pki: &Pki,
    id: &Identity,
    suite: CipherSuite,
    group: NamedGroup,
    kind: Kind,
) -> Result<Setup, String> {
    let p = provider(prov, suite, group)?;
    let no_key = |e: rustls::Error| format!("cannot load or use the {:?} key: {e}", id.key);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca.clone())).unwrap();
    let roots = Arc::new(roots);
    let builder = rustls::ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots.clone());
    let mut client = if kind == Kind::Mtls {
        builder
            .with_client_auth_cert(
                vec![CertificateDer::from(pki.client_p256.leaf.clone())],
                pki.client_p256.rustls_key(),
            )
            .map_err(no_key)?
    } else {
        builder.with_no_client_auth()
    };
    if kind != Kind::Resumed {
        client.resumption = rustls::client::Resumption::disabled();
    }
    let builder = rustls::ServerConfig::builder_with_provider(p.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap();
    let builder = if kind == Kind::Mtls {
        let v = rustls::server::WebPkiClientVerifier::builder_with_provider(roots, p.clone())
            .build()
            .unwrap();
        builder.with_client_cert_verifier(v)
    } else {
        builder.with_no_client_auth()
    };
    let mut server = builder
        .with_single_cert(vec![CertificateDer::from(id.leaf.clone())], id.rustls_key())
        .map_err(no_key)?;
    if kind == Kind::Resumed {
        server.send_tls13_tickets = 1;
        // Stateless tickets like ours where the provider has a ticketer;
        // rustls-rustcrypto has none, so its server keeps sessions in
        // rustls's default in-memory cache (stateful tickets).
        match prov {
            Prov::AwsLc => server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap(),
            Prov::Graviola => server.ticketer = rustls_graviola::Ticketer::new().unwrap(),
            Prov::RustCrypto => {}
        }
    } else {
        server.send_tls13_tickets = 0;
    }
    Ok(Setup::Rustls {
        client: Arc::new(client),
        server: Arc::new(server),
    })
}

// ---------------------------------------------------------------------------
// Connections of either library behind one enum (no boxing: nothing is
// allocated on top of what the library itself allocates).

#[allow(clippy::large_enum_variant)]
enum Conn {
    OursClient(ClientConnection),
    OursServer(tls13::ServerConnection),
    Rustls(rustls::Connection),
}

/// Takes every event of `conn` and the plaintext it holds; returns the
/// plaintext bytes. The only place where this bench reads our plaintext,
/// so that the receive API can change in one place.
fn take_plaintext(conn: &mut Connection) -> usize {
    while conn.next_event().is_some() {}
    // Read where it was decrypted (like rustls's `fill_buf` below).
    let n = conn.received_data().len();
    conn.consume_received_data(n);
    n
}

fn rustls_take(conn: &mut rustls::Connection) -> usize {
    let mut n = 0;
    let mut reader = conn.reader();
    loop {
        match reader.fill_buf() {
            Ok([]) => break,
            Ok(b) => {
                let len = b.len();
                n += len;
                reader.consume(len);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("rustls read: {e}"),
        }
    }
    n
}

impl Setup {
    fn client(&self) -> Conn {
        match self {
            Setup::Ours { client, .. } => {
                Conn::OursClient(ClientConnection::new(client.clone(), "localhost").unwrap())
            }
            Setup::Rustls { client, .. } => Conn::Rustls(rustls::Connection::Client(
                rustls::ClientConnection::new(
                    client.clone(),
                    ServerName::try_from("localhost").unwrap(),
                )
                .unwrap(),
            )),
        }
    }
    fn server(&self) -> Conn {
        match self {
            Setup::Ours { server, .. } => {
                Conn::OursServer(tls13::ServerConnection::new(server.clone()).unwrap())
            }
            Setup::Rustls { server, .. } => Conn::Rustls(rustls::Connection::Server(
                rustls::ServerConnection::new(server.clone()).unwrap(),
            )),
        }
    }
}

/// A transport for rustls: what `write_tls` writes goes straight into the
/// peer's `read_tls`, which processes it.
struct Forward<'a>(&'a mut rustls::Connection);

impl std::io::Write for Forward<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.read_tls(&mut &buf[..])?;
        self.0
            .process_new_packets()
            .map_err(std::io::Error::other)?;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Conn {
    fn ours(&mut self) -> Option<&mut Connection> {
        match self {
            Conn::OursClient(c) => Some(c),
            Conn::OursServer(s) => Some(s),
            Conn::Rustls(_) => None,
        }
    }

    /// Appends every record the connection has to send to `wire`.
    fn write_wire(&mut self, wire: &mut Vec<u8>) -> usize {
        match self {
            Conn::Rustls(c) => {
                let mut n = 0;
                while c.wants_write() {
                    n += c.write_tls(wire).unwrap();
                }
                n
            }
            other => {
                let c = other.ours().unwrap();
                let out = c.pending_output();
                let n = out.len();
                wire.extend_from_slice(out);
                c.consume_output(n);
                n
            }
        }
    }

    /// Feeds `data` to the connection and takes the plaintext it yields.
    fn read_wire(&mut self, data: &[u8]) -> usize {
        match self {
            Conn::Rustls(c) => {
                let mut rd = data;
                let mut n = 0;
                while !rd.is_empty() {
                    c.read_tls(&mut rd).unwrap();
                    c.process_new_packets().unwrap();
                    n += rustls_take(c);
                }
                n
            }
            other => {
                let c = other.ours().unwrap();
                c.receive(data).unwrap();
                take_plaintext(c)
            }
        }
    }

    /// Sends all of `data` and appends the records to `wire`.
    fn send(&mut self, data: &[u8], wire: &mut Vec<u8>) {
        match self {
            Conn::Rustls(c) => {
                let mut off = 0;
                while off < data.len() {
                    let n = std::io::Write::write(&mut c.writer(), &data[off..]).unwrap();
                    off += n;
                    while c.wants_write() {
                        c.write_tls(wire).unwrap();
                    }
                    assert!(n > 0, "rustls took nothing");
                }
            }
            other => {
                let mut off = 0;
                while off < data.len() {
                    let n = other.ours().unwrap().send(&data[off..]).unwrap();
                    off += n;
                    other.write_wire(wire);
                    assert!(n > 0, "send took nothing");
                }
            }
        }
    }

    /// Sends all of `data`, moving the records straight into `to` as a
    /// transport would (one copy, no intermediate wire), and returns the
    /// plaintext `to` took.
    fn send_to(&mut self, data: &[u8], to: &mut Conn) -> usize {
        let mut got = 0;
        match (self, to) {
            (Conn::Rustls(c), Conn::Rustls(to)) => {
                let mut off = 0;
                while off < data.len() {
                    let n = std::io::Write::write(&mut c.writer(), &data[off..]).unwrap();
                    assert!(n > 0, "rustls took nothing");
                    off += n;
                    while c.wants_write() {
                        c.write_tls(&mut Forward(to)).unwrap();
                        got += rustls_take(to);
                    }
                }
            }
            (from, to) => {
                let (from, to) = (from.ours().unwrap(), to.ours().unwrap());
                let mut off = 0;
                while off < data.len() {
                    let n = from.send(&data[off..]).unwrap();
                    assert!(n > 0, "send took nothing");
                    off += n;
                    let out = from.pending_output();
                    let len = out.len();
                    to.receive(out).unwrap();
                    from.consume_output(len);
                    got += take_plaintext(to);
                }
            }
        }
        got
    }

    /// Sends all of `data` and takes the records as a transport would,
    /// discarding them (no copy).
    fn send_discard(&mut self, data: &[u8]) {
        match self {
            Conn::Rustls(c) => {
                let mut off = 0;
                while off < data.len() {
                    let n = std::io::Write::write(&mut c.writer(), &data[off..]).unwrap();
                    assert!(n > 0, "rustls took nothing");
                    off += n;
                    while c.wants_write() {
                        c.write_tls(&mut std::io::sink()).unwrap();
                    }
                }
            }
            other => {
                let c = other.ours().unwrap();
                let mut off = 0;
                while off < data.len() {
                    let n = c.send(&data[off..]).unwrap();
                    assert!(n > 0, "send took nothing");
                    off += n;
                    let len = c.pending_output().len();
                    c.consume_output(len);
                }
            }
        }
    }

    fn is_handshaking(&mut self) -> bool {
        match self {
            Conn::Rustls(c) => c.is_handshaking(),
            other => other.ours().unwrap().is_handshaking(),
        }
    }

    fn resumed(&mut self) -> bool {
        match self {
            Conn::Rustls(c) => c.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
            other => other.ours().unwrap().negotiated().resumed,
        }
    }
}

/// Moves `from`'s output to `to`; returns the bytes moved.
fn step(
    from: &mut Conn,
    from_client: bool,
    to: &mut Conn,
    wire: &mut Vec<u8>,
    split: &mut Split,
) -> usize {
    wire.clear();
    let n = split.on(from_client, || from.write_wire(wire));
    if n > 0 {
        split.on(!from_client, || to.read_wire(wire));
    }
    n
}

/// A complete handshake (and whatever follows it at once, e.g. a ticket);
/// returns the connections and the bytes moved while the receiving side
/// was still handshaking (≈ the transcript).
fn handshake(setup: &Setup, wire: &mut Vec<u8>, split: &mut Split) -> (Conn, Conn, usize) {
    let mut c = split.on(true, || setup.client());
    let mut s = split.on(false, || setup.server());
    let mut transcript = 0;
    loop {
        let s_hs = s.is_handshaking();
        let a = step(&mut c, true, &mut s, wire, split);
        let c_hs = c.is_handshaking();
        let b = step(&mut s, false, &mut c, wire, split);
        if s_hs {
            transcript += a;
        }
        if c_hs {
            transcript += b;
        }
        if a + b == 0 {
            break;
        }
    }
    assert!(
        !c.is_handshaking() && !s.is_handshaking(),
        "handshake stalled"
    );
    (c, s, transcript)
}

/// The client in `setup` can resume: one full handshake stores a ticket.
fn prime(setup: &Setup) {
    let mut wire = Vec::new();
    let (_c, _s, _) = handshake(setup, &mut wire, &mut Split::default());
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn quick() -> bool {
    std::env::var("TLS13_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

// ---------------------------------------------------------------------------
// Handshake benchmarks

fn bench_handshake(c: &mut Criterion, id: &str, setup: &Setup, resumed: bool) {
    // A sanity run outside the measurement.
    {
        let mut wire = Vec::new();
        let (mut cl, mut sv, _) = handshake(setup, &mut wire, &mut Split::default());
        assert_eq!(cl.resumed(), resumed, "{id}: resumption");
        assert_eq!(sv.resumed(), resumed, "{id}: resumption");
    }
    c.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut wire = Vec::with_capacity(1 << 16);
            let mut split = Split::default();
            let t0 = Instant::now();
            for _ in 0..iters {
                let (mut cl, sv, _) = handshake(setup, &mut wire, &mut split);
                if resumed {
                    assert!(cl.resumed());
                }
                split.on(true, || drop(cl));
                split.on(false, || drop(sv));
            }
            let wall = t0.elapsed();
            record(id, iters, wall, split);
            wall
        })
    });
}

/// What a handshake cannot avoid, as one provider of `tls13::crypto` does
/// it.
struct Floor {
    provider: &'static CryptoProvider,
    group: &'static dyn KxGroup,
    transcript: Vec<u8>,
    /// The server's key, scheme and leaf (None: resumed, no certificate).
    server: Option<(SigningKey, SignatureScheme, Vec<u8>)>,
    /// The client's (mTLS).
    client: Option<(SigningKey, SignatureScheme, Vec<u8>)>,
    ca: Vec<u8>,
}

/// The leaf's signed part, its algorithm and signature, as the chain
/// validator passes them to `verify_signed_data`.
fn split_cert(der: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (_, body, _) = tlv(der);
    let (tbs, _, rest) = tlv(body);
    let (alg, _, rest) = tlv(rest);
    let (_, sig, _) = tlv(rest);
    (tbs, alg, &sig[1..])
}

fn cv_message(context: &[u8], hash: &[u8]) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(context);
    m.push(0);
    m.extend_from_slice(hash);
    m
}

fn floor_once(f: &Floor, split: &mut Split) {
    let rng = OsRandom;
    let hash = f.provider.hash(HashAlgorithm::Sha256);
    let kx = split.on(true, || f.group.start(&rng).unwrap());
    let (share, _secret) = split.on(false, || {
        f.group.server_exchange(kx.public_key(), &rng).unwrap()
    });
    // Server: sign its CertificateVerify, hash the transcript.
    let server_sig = split.on(false, || {
        let h = hash.hash(&f.transcript);
        f.server.as_ref().map(|(key, scheme, _)| {
            key.sign(
                *scheme,
                &cv_message(b"TLS 1.3, server CertificateVerify", h.as_ref()),
                &rng,
            )
            .unwrap()
        })
    });
    let client_sig = split.on(true, || {
        let _secret = kx.complete(&share).unwrap();
        let h = hash.hash(&f.transcript);
        if let (Some((_, scheme, leaf)), Some(sig)) = (&f.server, &server_sig) {
            verify_peer(
                f,
                b"TLS 1.3, server CertificateVerify",
                h.as_ref(),
                leaf,
                *scheme,
                sig,
            );
        }
        f.client.as_ref().map(|(key, scheme, _)| {
            key.sign(
                *scheme,
                &cv_message(b"TLS 1.3, client CertificateVerify", h.as_ref()),
                &rng,
            )
            .unwrap()
        })
    });
    if let (Some((_, scheme, leaf)), Some(sig)) = (&f.client, &client_sig) {
        split.on(false, || {
            let h = hash.hash(&f.transcript);
            verify_peer(
                f,
                b"TLS 1.3, client CertificateVerify",
                h.as_ref(),
                leaf,
                *scheme,
                sig,
            );
        });
    }
}

/// The peer's side of authentication: its CertificateVerify over
/// `transcript_hash`, then its certificate's signature by the CA.
fn verify_peer(
    f: &Floor,
    context: &[u8],
    transcript_hash: &[u8],
    leaf: &[u8],
    scheme: SignatureScheme,
    sig: &[u8],
) {
    let msg = cv_message(context, transcript_hash);
    let verifier = f.provider.signatures;
    verify_with(
        verifier,
        certificate_spki(leaf).unwrap(),
        scheme,
        &msg,
        sig,
        2048,
    )
    .unwrap();
    let (tbs, alg, s) = split_cert(leaf);
    tls13::x509::verify_signed_data(
        verifier,
        certificate_spki(&f.ca).unwrap(),
        alg,
        tbs,
        s,
        2048,
    )
    .unwrap();
}

fn bench_floor(c: &mut Criterion, id: &str, floor: &Floor) {
    floor_once(floor, &mut Split::default());
    c.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut split = Split::default();
            let t0 = Instant::now();
            for _ in 0..iters {
                floor_once(floor, &mut split);
            }
            let wall = t0.elapsed();
            record(id, iters, wall, split);
            wall
        })
    });
}

struct HsCase {
    name: &'static str,
    kind: Kind,
    group: NamedGroup,
    key: fn(&Pki) -> &Identity,
}

fn hs_cases() -> Vec<HsCase> {
    let p256: fn(&Pki) -> &Identity = |p| &p.p256;
    vec![
        HsCase {
            name: "hs-full-p256-x25519",
            kind: Kind::Full,
            group: NamedGroup::X25519,
            key: p256,
        },
        HsCase {
            name: "hs-full-ed25519-x25519",
            kind: Kind::Full,
            group: NamedGroup::X25519,
            key: |p| &p.ed25519,
        },
        HsCase {
            name: "hs-full-rsa2048-x25519",
            kind: Kind::Full,
            group: NamedGroup::X25519,
            key: |p| &p.rsa2048,
        },
        HsCase {
            name: "hs-full-p256-secp256r1",
            kind: Kind::Full,
            group: NamedGroup::SECP256R1,
            key: p256,
        },
        HsCase {
            name: "hs-full-p256-x25519mlkem768",
            kind: Kind::Full,
            group: NamedGroup::X25519MLKEM768,
            key: p256,
        },
        HsCase {
            name: "hs-resumed-p256-x25519",
            kind: Kind::Resumed,
            group: NamedGroup::X25519,
            key: p256,
        },
        HsCase {
            name: "hs-mtls-p256-x25519",
            kind: Kind::Mtls,
            group: NamedGroup::X25519,
            key: p256,
        },
    ]
}

const HS_SUITE: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;

fn bench_handshakes(c: &mut Criterion, pki: &Pki) {
    for case in hs_cases() {
        let id = (case.key)(pki);
        let resumed = case.kind == Kind::Resumed;
        for ours in Ours::ALL {
            let Some(p) = ours.provider() else {
                gap(
                    ours.lib(),
                    case.name,
                    "graviola: this CPU lacks what it needs".into(),
                );
                continue;
            };
            let setup = ours_setup(p, pki, id, HS_SUITE, case.group, case.kind);
            if resumed {
                prime(&setup);
            }
            // The transcript's size for the floor, from our own handshake.
            let (_, _, transcript) = handshake(&setup, &mut Vec::new(), &mut Split::default());
            bench_handshake(c, &format!("{}/{}", ours.lib(), case.name), &setup, resumed);
            let floor = Floor {
                provider: p,
                group: p.group(case.group).unwrap(),
                transcript: vec![0x16; transcript],
                server: (!resumed).then(|| (id.signing_key(p), id.scheme(), id.leaf.clone())),
                client: (case.kind == Kind::Mtls).then(|| {
                    let cl = &pki.client_p256;
                    (cl.signing_key(p), cl.scheme(), cl.leaf.clone())
                }),
                ca: pki.ca.clone(),
            };
            bench_floor(c, &format!("{}/{}", ours.floor(), case.name), &floor);
        }
        for prov in Prov::ALL {
            match rustls_setup(prov, pki, id, HS_SUITE, case.group, case.kind) {
                Ok(setup) => {
                    if resumed {
                        prime(&setup);
                    }
                    bench_handshake(c, &format!("{}/{}", prov.lib(), case.name), &setup, resumed);
                }
                Err(why) => gap(prov.lib(), case.name, why),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// A hostile ClientHello (issue 11 #4)

const HOSTILE: &str = "hs-hostile-clienthello";

/// Hostile variants of `ch` (a real client's first hello), each filling a
/// 64 KiB message with one kind of list, with what a real client offers
/// kept in it so that nothing but the lists' length is wrong.
fn hostile_hellos(ch: &ClientHello) -> Vec<(&'static str, ClientHello)> {
    use tls13::unstable::msgs::handshake::{
        ClientExtension as E, KeyShareEntry, OfferedPsks, PskIdentity,
    };
    // Code points no implementation assigns a meaning to here.
    let unknown = |i: usize| 0x4000u16 + i as u16;
    let edit = |f: &dyn Fn(&mut Vec<E>)| {
        let mut h = ch.clone();
        f(&mut h.extensions);
        h
    };
    let mut out = Vec::new();
    // The issue's case: 6400 shares, each for one of 16000 groups.
    out.push((
        "shares-groups",
        edit(&|exts| {
            for e in exts.iter_mut() {
                match e {
                    E::SupportedGroups(g) => {
                        g.extend((0..15_990).map(|i| NamedGroup(unknown(i))));
                    }
                    E::KeyShare(k) => {
                        let real = k.clone();
                        *k = (0..6_390)
                            .map(|i| KeyShareEntry {
                                group: NamedGroup(unknown(i)),
                                payload: vec![1],
                            })
                            .collect();
                        k.extend(real);
                    }
                    _ => {}
                }
            }
        }),
    ));
    let mut suites = ch.clone();
    let real = std::mem::take(&mut suites.cipher_suites);
    suites.cipher_suites = (0..31_900).map(|i| CipherSuite(unknown(i))).collect();
    suites.cipher_suites.extend(real);
    out.push(("suites", suites));
    out.push((
        "schemes",
        edit(&|exts| {
            for e in exts.iter_mut() {
                if let E::SignatureAlgorithms(s) = e {
                    let real = std::mem::take(s);
                    *s = (0..31_900).map(|i| SignatureScheme(unknown(i))).collect();
                    s.extend(real);
                }
            }
        }),
    ));
    out.push((
        "extensions",
        edit(&|exts| {
            let unknowns = (0..15_900).map(|i| {
                E::Unknown(tls13::unstable::msgs::handshake::UnknownExtension {
                    typ: tls13::unstable::msgs::enums::ExtensionType(unknown(i)),
                    body: Vec::new(),
                })
            });
            exts.splice(0..0, unknowns);
        }),
    ));
    out.push((
        "alpn",
        edit(&|exts| exts.insert(0, E::Alpn(vec![vec![b'x']; 31_900]))),
    ));
    out.push((
        "certificate-authorities",
        edit(&|exts| exts.insert(0, E::CertificateAuthorities(vec![vec![0x30]; 21_200]))),
    ));
    // Every list as long as the default limits let it be, padded to
    // 64 KiB: the most a hello that is answered can make the server do.
    let d = tls13::config::Limits::default();
    let mut all = ch.clone();
    let real = std::mem::take(&mut all.cipher_suites);
    all.cipher_suites = (real.len()..d.max_list_entries)
        .map(|i| CipherSuite(unknown(i)))
        .collect();
    all.cipher_suites.extend(real);
    for e in all.extensions.iter_mut() {
        match e {
            E::SupportedGroups(g) => {
                let n = d.max_list_entries - g.len();
                g.extend((0..n).map(|i| NamedGroup(unknown(i))));
            }
            E::KeyShare(k) => {
                let real = k.clone();
                *k = (0..d.max_key_shares - real.len())
                    .map(|i| KeyShareEntry {
                        group: NamedGroup(unknown(i)),
                        payload: vec![1],
                    })
                    .collect();
                k.extend(real);
            }
            E::SignatureAlgorithms(s) => {
                let real = std::mem::take(s);
                *s = (real.len()..d.max_list_entries)
                    .map(|i| SignatureScheme(unknown(i)))
                    .collect();
                s.extend(real);
            }
            _ => {}
        }
    }
    let listed = all.extensions.len() + 4;
    let unknowns = (0..d.max_extensions - listed).map(|i| {
        E::Unknown(tls13::unstable::msgs::handshake::UnknownExtension {
            typ: tls13::unstable::msgs::enums::ExtensionType(unknown(i)),
            body: Vec::new(),
        })
    });
    all.extensions.splice(0..0, unknowns);
    all.extensions
        .insert(0, E::Alpn(vec![vec![b'x']; d.max_list_entries]));
    all.extensions.insert(
        0,
        E::CertificateAuthorities(vec![vec![0x30]; d.max_list_entries]),
    );
    let n = d.max_psk_identities as u32;
    all.extensions.push(E::PreSharedKey(OfferedPsks {
        identities: (0..n)
            .map(|i| PskIdentity {
                identity: i.to_be_bytes().to_vec(),
                obfuscated_ticket_age: i,
            })
            .collect(),
        binders: vec![vec![7; 32]; n as usize],
    }));
    let size = HandshakeMessage::ClientHello(all.clone()).to_bytes().len();
    all.extensions.insert(0, E::Padding(65_536 - 4 - size));
    out.push(("all-lists-at-limits", all));
    // The size alone: a real hello padded to 64 KiB (RFC 7685), which the
    // server must read and hash whatever its lists.
    let mut padded = ch.clone();
    let size = HandshakeMessage::ClientHello(padded.clone())
        .to_bytes()
        .len();
    padded.extensions.insert(0, E::Padding(65_536 - 4 - size));
    out.push(("padding-only", padded));
    out.push((
        "psk-identities",
        edit(&|exts| {
            let n = 1_500;
            exts.push(E::PreSharedKey(OfferedPsks {
                identities: (0..n)
                    .map(|i: u32| PskIdentity {
                        identity: i.to_be_bytes().to_vec(),
                        obfuscated_ticket_age: i,
                    })
                    .collect(),
                binders: vec![vec![7; 32]; n as usize],
            }));
        }),
    ));
    out
}

/// The records of handshake message `msg` (at most 2^14 bytes each).
fn handshake_records(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + msg.len() / 16384 * 5 + 5);
    for chunk in msg.chunks(16384) {
        out.extend_from_slice(&[22, 3, 3]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// The server config of the hostile rows (on `provider`) and the records
/// of the hello `variant` (`normal`: the real client's).
fn hostile_wire(
    provider: &'static CryptoProvider,
    pki: &Pki,
    variant: &str,
) -> (Arc<ServerConfig>, Vec<u8>) {
    let Setup::Ours { client, server } = ours_setup(
        provider,
        pki,
        &pki.p256,
        HS_SUITE,
        NamedGroup::X25519,
        Kind::Full,
    ) else {
        unreachable!()
    };
    let cl = ClientConnection::new(client, "localhost").unwrap();
    let first = cl.pending_output().to_vec();
    if variant == "normal" {
        return (server, first);
    }
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::read(&mut tls13::unstable::codec::Reader::new(&first[5..])).unwrap()
    else {
        panic!("not a ClientHello")
    };
    let (_, h) = hostile_hellos(&ch)
        .into_iter()
        .find(|(name, _)| *name == variant)
        .expect("a hostile variant");
    (
        server,
        handshake_records(&HandshakeMessage::ClientHello(h).to_bytes()),
    )
}

/// The server's cost for one ClientHello (`wire`): a new connection, the
/// hello received (refused or answered), the connection dropped.
fn bench_server_hello(c: &mut Criterion, id: &str, server: &Arc<ServerConfig>, wire: &[u8]) {
    c.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut split = Split::default();
            let t0 = Instant::now();
            for _ in 0..iters {
                split.on(false, || {
                    let mut s = tls13::ServerConnection::new(server.clone()).unwrap();
                    let _ = std::hint::black_box(s.receive(wire));
                    drop(s);
                });
            }
            let wall = t0.elapsed();
            record(id, iters, wall, split);
            wall
        })
    });
}

/// Runs the hostile rows (when the filter lets them); returns the note
/// line naming each variant's cost.
fn bench_hostile(c: &mut Criterion, pki: &Pki) -> Option<String> {
    if filter().is_some_and(|f| !HOSTILE.contains(f.as_str()) && !f.contains(HOSTILE)) {
        return None;
    }
    // Issue 11's bound is on the protocol's parsing, not the crypto: the
    // default provider only.
    let ours = Ours::by_default();
    let Setup::Ours { client, server } = ours_setup(
        ours.provider().unwrap(),
        pki,
        &pki.p256,
        HS_SUITE,
        NamedGroup::X25519,
        Kind::Full,
    ) else {
        unreachable!()
    };
    let cl = ClientConnection::new(client, "localhost").unwrap();
    let first = cl.pending_output().to_vec();
    // One record: the hello's handshake message.
    let msg = &first[5..];
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::read(&mut tls13::unstable::codec::Reader::new(msg)).unwrap()
    else {
        panic!("not a ClientHello")
    };
    let normal = format!("{}/{HOSTILE}-normal", ours.lib());
    bench_server_hello(c, &normal, &server, &first);
    let mut names = Vec::new();
    for (name, h) in hostile_hellos(&ch) {
        let bytes = HandshakeMessage::ClientHello(h).to_bytes();
        assert!(
            bytes.len() <= 65536 && bytes.len() > 60_000,
            "{name}: {} bytes",
            bytes.len()
        );
        let wire = handshake_records(&bytes);
        // What the server makes of it, for the note.
        let mut s = tls13::ServerConnection::new(server.clone()).unwrap();
        let outcome = match s.receive(&wire) {
            Ok(()) => "answered".to_string(),
            Err(e) => format!("refused({:?})", e.alert()),
        };
        let id = format!("{}/{HOSTILE}-{name}", ours.lib());
        bench_server_hello(c, &id, &server, &wire);
        names.push((name, id, outcome));
    }
    let us = |id: &str| stat(id, |r| r.server).map(|ns| ns / 1e3);
    let normal_us = us(&normal)?;
    let mut note = format!("note {HOSTILE}: normal hello {normal_us:.1} us;");
    for (name, id, outcome) in &names {
        if let Some(v) = us(id) {
            note.push_str(&format!(
                " {name} {v:.1} us ({:.2}x, {outcome});",
                v / normal_us
            ));
        }
    }
    Some(note)
}

/// The worst hostile hello's server cost (µs).
fn hostile_rows(rows: &mut Vec<Row>) {
    let lib = Ours::by_default().lib();
    let results = RESULTS.lock().unwrap();
    let ids: Vec<String> = results
        .keys()
        .filter(|k| k.starts_with(&format!("{lib}/{HOSTILE}-")) && !k.ends_with("-normal"))
        .cloned()
        .collect();
    drop(results);
    let worst = ids
        .iter()
        .filter_map(|id| stat(id, |r| r.server))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    if let Some(ns) = worst {
        let mut row = Row::new(HOSTILE, "us", false);
        row.values.insert(lib, ns / 1e3);
        rows.push(row);
    }
}

// ---------------------------------------------------------------------------
// Bulk benchmarks

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Seal,
    Open,
    Both,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Seal => "seal",
            Mode::Open => "open",
            Mode::Both => "both",
        }
    }
}

const BULK_SUITES: &[(CipherSuite, AeadAlgorithm, &str)] = &[
    (
        CipherSuite::TLS_AES_128_GCM_SHA256,
        AeadAlgorithm::Aes128Gcm,
        "aes128gcm",
    ),
    (
        CipherSuite::TLS_AES_256_GCM_SHA384,
        AeadAlgorithm::Aes256Gcm,
        "aes256gcm",
    ),
    (
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        AeadAlgorithm::ChaCha20Poly1305,
        "chacha20poly1305",
    ),
];
const BULK_SIZES: &[(usize, &str)] = &[(16 * 1024, "16k"), (1024, "1k")];
const BULK_MODES: &[Mode] = &[Mode::Seal, Mode::Open, Mode::Both];
/// Bytes sealed ahead for the open-only rows (per batch): small enough to
/// stay in the L2 cache, as a record just read from a socket would be.
const BATCH_BYTES: usize = 128 << 10;

fn bench_bulk_one(c: &mut Criterion, id: &str, setup: &Setup, size: usize, mode: Mode) {
    let data = vec![0x5au8; size];
    let mut g = c.benchmark_group("bulk");
    g.throughput(Throughput::Bytes(size as u64));
    // The group prefixes "bulk/"; the id stays LIB/CASE for the summary.
    g.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut wire = Vec::with_capacity(2 * BATCH_BYTES);
            let (mut cl, mut sv, _) = handshake(setup, &mut wire, &mut Split::default());
            let mut got = 0;
            let elapsed = match mode {
                Mode::Seal => {
                    let t0 = Instant::now();
                    for _ in 0..iters {
                        cl.send_discard(&data);
                    }
                    got = iters as usize * size;
                    t0.elapsed()
                }
                Mode::Both => {
                    let t0 = Instant::now();
                    for _ in 0..iters {
                        got += cl.send_to(&data, &mut sv);
                    }
                    t0.elapsed()
                }
                Mode::Open => {
                    let batch = (BATCH_BYTES / size) as u64;
                    let mut ends = Vec::with_capacity(batch as usize);
                    let mut total = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(batch);
                        wire.clear();
                        ends.clear();
                        for _ in 0..n {
                            cl.send(&data, &mut wire);
                            ends.push(wire.len());
                        }
                        let t0 = Instant::now();
                        let mut start = 0;
                        for &end in &ends {
                            got += sv.read_wire(&wire[start..end]);
                            start = end;
                        }
                        total += t0.elapsed();
                        left -= n;
                    }
                    total
                }
            };
            assert_eq!(got, iters as usize * size, "{id}: plaintext lost");
            record(id, iters, elapsed, Split::default());
            elapsed
        })
    });
    g.finish();
}

/// Raw AEAD of `provider` on records of `size` bytes of data (+1 content
/// type byte), with a 5-byte header as associated data.
fn bench_aead_floor(
    c: &mut Criterion,
    id: &str,
    provider: &CryptoProvider,
    alg: AeadAlgorithm,
    size: usize,
    mode: Mode,
) {
    let key: AeadKey = provider
        .aead(alg)
        .unwrap()
        .key(&vec![7u8; alg.key_len()])
        .unwrap();
    let len = size + 1;
    let aad = [
        23,
        3,
        3,
        ((len + TAG_LEN) >> 8) as u8,
        (len + TAG_LEN) as u8,
    ];
    let nonce = |i: u64| {
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&i.to_be_bytes());
        n
    };
    let mut g = c.benchmark_group("bulk");
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut seq = 0u64;
            let elapsed = match mode {
                Mode::Seal => {
                    let mut buf = vec![0x5au8; len + TAG_LEN];
                    let t0 = Instant::now();
                    for _ in 0..iters {
                        let (body, tag) = buf.split_at_mut(len);
                        let t = key.seal_detached(&nonce(seq), &aad, body).unwrap();
                        tag.copy_from_slice(&t);
                        seq += 1;
                    }
                    t0.elapsed()
                }
                Mode::Both => {
                    let mut buf = vec![0x5au8; len + TAG_LEN];
                    let t0 = Instant::now();
                    for _ in 0..iters {
                        let (body, tag) = buf.split_at_mut(len);
                        let t = key.seal_detached(&nonce(seq), &aad, body).unwrap();
                        tag.copy_from_slice(&t);
                        key.open_in_place(&nonce(seq), &aad, &mut buf).unwrap();
                        seq += 1;
                    }
                    t0.elapsed()
                }
                Mode::Open => {
                    let batch = (BATCH_BYTES / size) as u64;
                    let mut bufs = vec![vec![0x5au8; len + TAG_LEN]; batch as usize];
                    let mut total = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(batch) as usize;
                        for (i, buf) in bufs[..n].iter_mut().enumerate() {
                            buf.fill(0x5a);
                            let (body, tag) = buf.split_at_mut(len);
                            let t = key
                                .seal_detached(&nonce(seq + i as u64), &aad, body)
                                .unwrap();
                            tag.copy_from_slice(&t);
                        }
                        let t0 = Instant::now();
                        for (i, buf) in bufs[..n].iter_mut().enumerate() {
                            key.open_in_place(&nonce(seq + i as u64), &aad, buf)
                                .unwrap();
                        }
                        total += t0.elapsed();
                        seq += n as u64;
                        left -= n as u64;
                    }
                    total
                }
            };
            record(id, iters, elapsed, Split::default());
            elapsed
        })
    });
    g.finish();
}

fn bulk_case(suite: &str, size: &str, mode: Mode) -> String {
    format!("bulk-{suite}-{size}-{}", mode.name())
}

fn bench_bulk(c: &mut Criterion, pki: &Pki) {
    for &(suite, alg, sname) in BULK_SUITES {
        let x25519 = NamedGroup::X25519;
        let mut setups = Vec::new();
        for ours in Ours::ALL {
            if let Some(p) = ours.provider() {
                let s = ours_setup(p, pki, &pki.p256, suite, x25519, Kind::Full);
                setups.push((ours.lib(), s));
            }
        }
        for prov in Prov::ALL {
            match rustls_setup(prov, pki, &pki.p256, suite, x25519, Kind::Full) {
                Ok(s) => setups.push((prov.lib(), s)),
                Err(why) => gap(prov.lib(), &format!("bulk-{sname}-*"), why),
            }
        }
        for &(size, zname) in BULK_SIZES {
            for &mode in BULK_MODES {
                let case = bulk_case(sname, zname, mode);
                for (lib, setup) in &setups {
                    bench_bulk_one(c, &format!("{lib}/{case}"), setup, size, mode);
                }
                for ours in Ours::ALL {
                    if let Some(p) = ours.provider() {
                        let id = format!("{}/{case}", ours.floor());
                        bench_aead_floor(c, &id, p, alg, size, mode);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Memory

#[derive(Default, Debug)]
struct Mem {
    hs_allocs_client: f64,
    hs_allocs_server: f64,
    hs_bytes: f64,
    idle_client: i64,
    idle_server: i64,
    idle_client_data: i64,
    idle_server_data: i64,
    /// After `release_buffers` (ours; rustls has no such call, so its
    /// figure is the one above).
    idle_client_released: i64,
    idle_server_released: i64,
    /// (size, allocations per record sent, per record received)
    per_record: Vec<(usize, f64, f64)>,
}

/// Heap held by the two connections: live bytes freed by dropping the
/// server, then the client.
fn held(c: Conn, s: Conn) -> (i64, i64) {
    let l0 = live();
    drop(s);
    let l1 = live();
    drop(c);
    let l2 = live();
    (l1 - l2, l0 - l1)
}

fn memory(setup: &Setup) -> Mem {
    let mut m = Mem::default();
    let mut wire = Vec::with_capacity(1 << 20);
    // Warm-up: lazily initialised statics (rng, providers) are not a
    // handshake's cost.
    for _ in 0..3 {
        handshake(setup, &mut wire, &mut Split::default());
    }
    const N: u64 = 20;
    let mut split = Split::default();
    for _ in 0..N {
        let (c, s, _) = handshake(setup, &mut wire, &mut split);
        split.on(true, || drop(c));
        split.on(false, || drop(s));
    }
    m.hs_allocs_client = split.client.allocs as f64 / N as f64;
    m.hs_allocs_server = split.server.allocs as f64 / N as f64;
    m.hs_bytes = (split.client.bytes + split.server.bytes) as f64 / N as f64;

    let (c, s, _) = handshake(setup, &mut wire, &mut Split::default());
    (m.idle_client, m.idle_server) = held(c, s);

    let data = vec![0x5au8; 16 * 1024];
    let (mut c, mut s, _) = handshake(setup, &mut wire, &mut Split::default());
    wire.clear();
    c.send(&data, &mut wire);
    assert_eq!(s.read_wire(&wire), data.len());
    wire.clear();
    s.send(&data, &mut wire);
    assert_eq!(c.read_wire(&wire), data.len());
    (m.idle_client_data, m.idle_server_data) = held(c, s);

    let (mut c, mut s, _) = handshake(setup, &mut wire, &mut Split::default());
    wire.clear();
    c.send(&data, &mut wire);
    assert_eq!(s.read_wire(&wire), data.len());
    wire.clear();
    s.send(&data, &mut wire);
    assert_eq!(c.read_wire(&wire), data.len());
    for conn in [&mut c, &mut s] {
        if let Some(conn) = conn.ours() {
            conn.release_buffers();
        }
    }
    (m.idle_client_released, m.idle_server_released) = held(c, s);

    for size in [16 * 1024, 1024] {
        let data = vec![0x5au8; size];
        let (mut c, mut s, _) = handshake(setup, &mut wire, &mut Split::default());
        for _ in 0..100 {
            wire.clear();
            c.send(&data, &mut wire);
            s.read_wire(&wire);
        }
        const R: u64 = 1000;
        let mut split = Split::default();
        for _ in 0..R {
            wire.clear();
            split.on(true, || c.send(&data, &mut wire));
            split.on(false, || s.read_wire(&wire));
        }
        m.per_record.push((
            size,
            split.client.allocs as f64 / R as f64,
            split.server.allocs as f64 / R as f64,
        ));
    }
    m
}

// ---------------------------------------------------------------------------
// Primitives: what the floor is made of, through our seam and through the
// rustls providers' own interfaces (note lines only).

/// The fastest of 7 rounds of ~20 ms, in µs per call.
fn best_us(mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let t = Instant::now();
    f();
    let one = t.elapsed().as_secs_f64();
    let n = ((0.02 / one.max(1e-7)) as usize).clamp(1, 100_000);
    let mut best = f64::MAX;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / n as f64);
    }
    best * 1e6
}

/// rustls's provider `prov` whole, or why it cannot run here.
fn base_provider(prov: Prov) -> Result<rustls::crypto::CryptoProvider, String> {
    Ok(match prov {
        Prov::AwsLc => rustls::crypto::aws_lc_rs::default_provider(),
        // graviola's own CPU check, the one our provider makes: without
        // the instructions graviola refuses to run at all.
        Prov::Graviola if tls13::crypto::graviola::provider().is_none() => {
            return Err("graviola: this CPU lacks what it needs".into());
        }
        Prov::Graviola => rustls_graviola::default_provider(),
        Prov::RustCrypto => rustls_rustcrypto::provider(),
    })
}

/// The subjectPublicKey bits of a certificate's SPKI (what webpki's
/// algorithms take).
fn spki_key_bits(cert: &[u8]) -> Vec<u8> {
    let spki = certificate_spki(cert).unwrap();
    let (_, body, _) = tlv(spki);
    let (_, _, rest) = tlv(body);
    let (_, bits, _) = tlv(rest);
    bits[1..].to_vec()
}

/// Note lines: each primitive's cost through each of our providers and
/// through each rustls provider's own interface.
fn primitives(pki: &Pki) -> Vec<String> {
    let rng = OsRandom;
    let ours: Vec<(Ours, &'static CryptoProvider)> = Ours::ALL
        .into_iter()
        .filter_map(|o| Some((o, o.provider()?)))
        .collect();
    let theirs: Vec<(Prov, rustls::crypto::CryptoProvider)> = Prov::ALL
        .into_iter()
        .filter_map(|p| Some((p, base_provider(p).ok()?)))
        .collect();
    let mut lines = Vec::new();
    let mut line = |name: &str, values: Vec<(&str, Option<f64>)>| {
        let mut l = format!("note primitive={name}");
        for (lib, v) in values {
            let v = v.map_or("-".to_string(), |v| format!("{v:.1}"));
            l.push_str(&format!(" {lib}={v}"));
        }
        l.push_str(" unit=us");
        lines.push(l);
    };
    for (group, gname) in [
        (NamedGroup::X25519, "x25519"),
        (NamedGroup::SECP256R1, "secp256r1"),
        (NamedGroup::X25519MLKEM768, "x25519mlkem768"),
    ] {
        let mut values = Vec::new();
        for (o, p) in &ours {
            let v = p.group(group).map(|g| {
                best_us(|| {
                    let kx = g.start(&rng).unwrap();
                    let (share, _) = g.server_exchange(kx.public_key(), &rng).unwrap();
                    kx.complete(&share).unwrap();
                })
            });
            values.push((o.lib(), v));
        }
        for (prov, p) in &theirs {
            let rgroup = rustls::NamedGroup::from(group.0);
            let v = p.kx_groups.iter().find(|g| g.name() == rgroup).map(|g| {
                best_us(|| {
                    let c = g.start().unwrap();
                    let s = g.start_and_complete(c.pub_key()).unwrap();
                    c.complete(&s.pub_key).unwrap();
                })
            });
            values.push((prov.lib(), v));
        }
        line(&format!("kx-{gname}-both-sides"), values);
    }
    let msg = cv_message(b"TLS 1.3, server CertificateVerify", &[0xab; 32]);
    for (id, kname) in [
        (&pki.p256, "p256"),
        (&pki.ed25519, "ed25519"),
        (&pki.rsa2048, "rsa2048-pss"),
    ] {
        let scheme = id.scheme();
        let rscheme = rustls::SignatureScheme::from(scheme.0);
        let (mut signs, mut verifies) = (Vec::new(), Vec::new());
        let spki = certificate_spki(&id.leaf).unwrap();
        for (o, p) in &ours {
            let key = id.signing_key(p);
            signs.push((
                o.lib(),
                Some(best_us(|| {
                    key.sign(scheme, &msg, &rng).unwrap();
                })),
            ));
            let sig = key.sign(scheme, &msg, &rng).unwrap();
            verifies.push((
                o.lib(),
                Some(best_us(|| {
                    verify_with(p.signatures, spki, scheme, &msg, &sig, 2048).unwrap()
                })),
            ));
        }
        // Their verifiers check one signature made by our RustCrypto
        // provider (any correct one does).
        let sig = id
            .signing_key(tls13::crypto::rustcrypto::provider())
            .sign(scheme, &msg, &rng)
            .unwrap();
        let bits = spki_key_bits(&id.leaf);
        for (prov, p) in &theirs {
            let sign = (|| {
                let k = p.key_provider.load_private_key(id.rustls_key()).ok()?;
                let signer = k.choose_scheme(&[rscheme])?;
                Some(best_us(|| {
                    signer.sign(&msg).unwrap();
                }))
            })();
            signs.push((prov.lib(), sign));
            let alg = p
                .signature_verification_algorithms
                .mapping
                .iter()
                .find(|(s, _)| *s == rscheme)
                .and_then(|(_, algs)| algs.first().copied());
            let v = alg.map(|alg| best_us(|| alg.verify_signature(&bits, &msg, &sig).unwrap()));
            verifies.push((prov.lib(), v));
        }
        line(&format!("sign-{kname}"), signs);
        line(&format!("verify-{kname}"), verifies);
    }
    let data = vec![0x16u8; 4096];
    let mut values = Vec::new();
    for (o, p) in &ours {
        let h = p.hash(HashAlgorithm::Sha256);
        values.push((
            o.lib(),
            Some(best_us(|| {
                h.hash(&data);
            })),
        ));
    }
    for (prov, p) in &theirs {
        let h = p
            .cipher_suites
            .iter()
            .find(|s| s.suite() == rustls::CipherSuite::TLS13_AES_128_GCM_SHA256)
            .and_then(|s| s.tls13())
            .map(|s| s.common.hash_provider);
        let v = h.map(|h| {
            best_us(|| {
                h.hash(&data);
            })
        });
        values.push((prov.lib(), v));
    }
    line("sha256-4KiB", values);
    lines
}

// ---------------------------------------------------------------------------
// Summary

/// One case's figures, for every library that ran it.
struct Row {
    case: String,
    unit: &'static str,
    /// Rates (above: better) rather than costs.
    higher_better: bool,
    /// LIB (`ours-graviola`, `rustls-awslc`, `floor-graviola`, ...) →
    /// value; absent where the library did not run the case.
    values: BTreeMap<&'static str, f64>,
}

fn fmt_val(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "-".into(),
        Some(v) => match unit {
            "allocs" | "bytes" if v.fract() == 0.0 => format!("{v:.0}"),
            "allocs/record" | "allocs" => format!("{v:.2}"),
            _ if v >= 100.0 => format!("{v:.0}"),
            _ => format!("{v:.1}"),
        },
    }
}

impl Row {
    fn new(case: &str, unit: &'static str, higher_better: bool) -> Row {
        Row {
            case: case.to_string(),
            unit,
            higher_better,
            values: BTreeMap::new(),
        }
    }
    fn get(&self, lib: &str) -> Option<f64> {
        self.values.get(lib).copied()
    }
    fn val(&self, lib: &str) -> String {
        fmt_val(self.get(lib), self.unit)
    }
    /// Ours against theirs, above 1 when ours is better.
    fn ratio(&self, ours: &str, theirs: &str) -> String {
        match (self.get(ours), self.get(theirs)) {
            (Some(o), Some(r)) => {
                let x = if self.higher_better { o / r } else { r / o };
                if x.is_finite() {
                    format!("{x:.2}")
                } else if r == 0.0 && o == 0.0 {
                    "1.00".into()
                } else {
                    "inf".into()
                }
            }
            _ => "-".into(),
        }
    }
    /// Our cost as a multiple of the floor's.
    fn x_floor(&self, ours: Ours) -> String {
        match (self.get(ours.lib()), self.get(ours.floor())) {
            (Some(o), Some(f)) if o > 0.0 && f > 0.0 => {
                format!("{:.2}", if self.higher_better { f / o } else { o / f })
            }
            _ => "-".into(),
        }
    }
    /// The summary line for `pair`; `None` when neither side ran.
    fn line(&self, pair: &Pair) -> Option<String> {
        let (ours, theirs) = (pair.ours.lib(), pair.rustls.lib());
        if self.get(ours).is_none() && self.get(theirs).is_none() {
            return None;
        }
        Some(format!(
            "case={} pair={} ours={} rustls={} ratio={} unit={} floor={} x_floor={}",
            self.case,
            pair.name,
            self.val(ours),
            self.val(theirs),
            self.ratio(ours, theirs),
            self.unit,
            self.val(pair.ours.floor()),
            self.x_floor(pair.ours),
        ))
    }
    /// The Markdown row: per provider of ours its value, floor and
    /// multiple of the floor, then each pair's rustls value and ratio.
    fn markdown(&self) -> String {
        let mut cells = vec![self.case.clone(), self.unit.to_string()];
        for ours in Ours::ALL {
            cells.push(self.val(ours.lib()));
            cells.push(self.val(ours.floor()));
            cells.push(self.x_floor(ours));
            for pair in PAIRS.iter().filter(|p| p.ours == ours) {
                cells.push(self.val(pair.rustls.lib()));
                cells.push(self.ratio(ours.lib(), pair.rustls.lib()));
            }
        }
        format!("| {} |", cells.join(" | "))
    }
}

/// The Markdown table's two header lines, matching [`Row::markdown`].
fn markdown_header() -> String {
    let mut head = vec!["case".to_string(), "unit".to_string()];
    let mut align = vec!["---", "---"];
    for ours in Ours::ALL {
        head.extend([ours.label().into(), "floor".into(), "×floor".into()]);
        for pair in PAIRS.iter().filter(|p| p.ours == ours) {
            head.push(pair.rustls.label().into());
            head.push(format!("ratio {}", pair.name));
        }
    }
    align.resize(head.len(), "---:");
    format!("| {} |\n|{}|\n", head.join(" | "), align.join("|"))
}

fn hs_rows(rows: &mut Vec<Row>) {
    let rate = |id: &str| stat(id, |r| r.wall).map(|ns| 1e9 / ns);
    let side = |id: &str, client: bool| {
        stat(id, |r| if client { r.client } else { r.server }).map(|ns| ns / 1e3)
    };
    for case in hs_cases() {
        let mut total = Row::new(case.name, "hs/s", true);
        let mut client = Row::new(&format!("{}-client", case.name), "us", false);
        let mut server = Row::new(&format!("{}-server", case.name), "us", false);
        for lib in libs() {
            let id = format!("{lib}/{}", case.name);
            // A floor's handshake rate from the time its operations took
            // (its wall time also holds the accounting around them).
            let v = if lib.starts_with("floor-") {
                stat(&id, |r| r.client + r.server).map(|ns| 1e9 / ns)
            } else {
                rate(&id)
            };
            let sides = [(&mut client, true), (&mut server, false)];
            if let Some(v) = v {
                total.values.insert(lib, v);
                for (row, is_client) in sides {
                    if let Some(us) = side(&id, is_client) {
                        row.values.insert(lib, us);
                    }
                }
            }
        }
        if !total.values.is_empty() {
            rows.extend([total, client, server]);
        }
    }
}

fn bulk_rows(rows: &mut Vec<Row>) {
    for &(_, _, sname) in BULK_SUITES {
        for &(size, zname) in BULK_SIZES {
            for &mode in BULK_MODES {
                let case = bulk_case(sname, zname, mode);
                let mut row = Row::new(&case, "MB/s", true);
                for lib in libs() {
                    // bytes per ns → MB/s
                    let mbs =
                        stat(&format!("{lib}/{case}"), |r| r.wall).map(|ns| size as f64 / ns * 1e3);
                    if let Some(v) = mbs {
                        row.values.insert(lib, v);
                    }
                }
                if !row.values.is_empty() {
                    rows.push(row);
                }
            }
        }
    }
}

/// The memory rows from each library's figures (LIB, figures).
fn mem_rows(rows: &mut Vec<Row>, mems: &[(&'static str, Mem)]) {
    let mut push = |case: &str, unit: &'static str, f: &dyn Fn(&Mem) -> f64| {
        let mut row = Row::new(case, unit, false);
        for (lib, m) in mems {
            row.values.insert(lib, f(m));
        }
        rows.push(row);
    };
    push("mem-hs-allocs", "allocs", &|m| {
        m.hs_allocs_client + m.hs_allocs_server
    });
    push("mem-hs-allocs-client", "allocs", &|m| m.hs_allocs_client);
    push("mem-hs-allocs-server", "allocs", &|m| m.hs_allocs_server);
    push("mem-hs-bytes-allocated", "bytes", &|m| m.hs_bytes);
    push("mem-idle-client", "bytes", &|m| m.idle_client as f64);
    push("mem-idle-server", "bytes", &|m| m.idle_server as f64);
    push("mem-idle-client-after-16k", "bytes", &|m| {
        m.idle_client_data as f64
    });
    push("mem-idle-server-after-16k", "bytes", &|m| {
        m.idle_server_data as f64
    });
    push("mem-idle-client-after-16k-released", "bytes", &|m| {
        m.idle_client_released as f64
    });
    push("mem-idle-server-after-16k-released", "bytes", &|m| {
        m.idle_server_released as f64
    });
    for (i, name) in [(0, "16k"), (1, "1k")] {
        push(
            &format!("mem-allocs-per-record-sent-{name}"),
            "allocs/record",
            &move |m| m.per_record[i].1,
        );
        push(
            &format!("mem-allocs-per-record-received-{name}"),
            "allocs/record",
            &move |m| m.per_record[i].2,
        );
    }
}

fn filter() -> Option<String> {
    // `cargo bench` passes `--bench`; the first positional argument is
    // criterion's filter. Options that take a value are skipped with it.
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--profile-time"
            || a == "--save-baseline"
            || a == "--baseline"
            || a == "--sample-size"
            || a == "--measurement-time"
            || a == "--warm-up-time"
        {
            args.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// `TLS13_BENCH_PROFILE=LIB/CASE` (a handshake case of an `ours-*` or
/// `rustls-*` LIB, not RSA; or `ours-*/hs-hostile-clienthello-VARIANT`):
/// only run `TLS13_BENCH_PROFILE_N` (default 200) of it, without
/// criterion, for callgrind or perf.
fn profile(target: &str) {
    let n: u64 = std::env::var("TLS13_BENCH_PROFILE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let pki = pki(false);
    let (lib, name) = target.split_once('/').expect("LIB/CASE");
    let unknown = || -> ! {
        panic!(
            "unknown library {lib}: one of {}",
            libs()
                .into_iter()
                .filter(|l| !l.starts_with("floor-"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let ours_provider = |ours: Ours| {
        ours.provider()
            .unwrap_or_else(|| panic!("{lib}: this CPU lacks what graviola needs"))
    };
    if let Some(variant) = name.strip_prefix(&format!("{HOSTILE}-")) {
        // `ours-*/hs-hostile-clienthello-VARIANT` (or `-normal`): N hellos.
        let ours = Ours::from_lib(lib).unwrap_or_else(|| unknown());
        let (server, wire) = hostile_wire(ours_provider(ours), &pki, variant);
        // Ten rounds of n/10; the fastest round's time per hello (the
        // others only lose time to other processes).
        let per_round = (n / 10).max(1);
        let mut best = f64::MAX;
        for _ in 0..10 {
            let t0 = Instant::now();
            for _ in 0..per_round {
                let mut s = tls13::ServerConnection::new(server.clone()).unwrap();
                let _ = std::hint::black_box(s.receive(&wire));
            }
            best = best.min(t0.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        }
        println!("{n} ClientHellos of {target}: {best:.1} us each (fastest of 10 rounds)");
        return;
    }
    let case = hs_cases()
        .into_iter()
        .find(|c| c.name == name)
        .expect("a handshake case");
    assert!(!name.contains("rsa"), "profiling mode has no RSA key");
    let id = (case.key)(&pki);
    let setup = if let Some(ours) = Ours::from_lib(lib) {
        ours_setup(
            ours_provider(ours),
            &pki,
            id,
            HS_SUITE,
            case.group,
            case.kind,
        )
    } else if let Some(prov) = Prov::from_lib(lib) {
        rustls_setup(prov, &pki, id, HS_SUITE, case.group, case.kind)
            .unwrap_or_else(|why| panic!("{target}: {why}"))
    } else {
        unknown()
    };
    if case.kind == Kind::Resumed {
        prime(&setup);
    }
    let mut wire = Vec::with_capacity(1 << 16);
    let mut split = Split::default();
    for _ in 0..n {
        let (c, s, _) = handshake(&setup, &mut wire, &mut split);
        drop((c, s));
    }
    println!(
        "{n} handshakes of {target}: client {:.1} us, server {:.1} us each",
        split.client.ns as f64 / n as f64 / 1e3,
        split.server.ns as f64 / n as f64 / 1e3
    );
}

fn main() {
    if let Ok(target) = std::env::var("TLS13_BENCH_PROFILE") {
        return profile(&target);
    }
    let started = Instant::now();
    let quick = quick();
    let base = Criterion::default();
    let base = if quick {
        base.sample_size(10)
            .warm_up_time(ms(200))
            .measurement_time(ms(800))
            .nresamples(1000)
    } else {
        base.sample_size(30)
            .warm_up_time(ms(1000))
            .measurement_time(ms(3000))
    };
    let mut c = base.configure_from_args();
    SAMPLE_SIZE.store(if quick { 10 } else { 30 }, Relaxed);

    let pki = pki(true);
    bench_handshakes(&mut c, &pki);
    bench_bulk(&mut c, &pki);
    let hostile_note = bench_hostile(&mut c, &pki);

    let mut rows = Vec::new();
    hs_rows(&mut rows);
    hostile_rows(&mut rows);
    bulk_rows(&mut rows);

    let want_mem = filter().is_none_or(|f| f.contains("mem"));
    if want_mem {
        let suite = CipherSuite::TLS_AES_128_GCM_SHA256;
        let x = NamedGroup::X25519;
        let mut mems = Vec::new();
        for ours in Ours::ALL {
            if let Some(p) = ours.provider() {
                let setup = ours_setup(p, &pki, &pki.p256, suite, x, Kind::Full);
                mems.push((ours.lib(), memory(&setup)));
            }
        }
        for prov in Prov::ALL {
            if let Ok(setup) = rustls_setup(prov, &pki, &pki.p256, suite, x, Kind::Full) {
                mems.push((prov.lib(), memory(&setup)));
            }
        }
        mem_rows(&mut rows, &mems);
    }

    let prims = if filter().is_none_or(|f| f.contains("prim")) {
        primitives(&pki)
    } else {
        Vec::new()
    };

    println!();
    for l in &prims {
        println!("{l}");
    }
    println!(
        "note size_of: ours ClientConnection={} ServerConnection={} rustls ClientConnection={} ServerConnection={} (bytes, inline part)",
        std::mem::size_of::<ClientConnection>(),
        std::mem::size_of::<tls13::ServerConnection>(),
        std::mem::size_of::<rustls::ClientConnection>(),
        std::mem::size_of::<rustls::ServerConnection>(),
    );
    println!(
        "note mode={} wall={:.0}s; pairs: {}; rustls-graviola {} (rustls's tls12 feature on; TLS 1.3 only here), rustls-rustcrypto {} (resumed: stateful session cache, it has no ticketer); hostile rows on {} only",
        if quick { "quick" } else { "full" },
        started.elapsed().as_secs_f64(),
        PAIRS
            .iter()
            .map(|p| format!("{}={}+{}", p.name, p.ours.lib(), p.rustls.lib()))
            .collect::<Vec<_>>()
            .join(" "),
        RUSTLS_GRAVIOLA_VERSION,
        RUSTLS_RUSTCRYPTO_VERSION,
        Ours::by_default().lib(),
    );
    for ((lib, case), why) in GAPS.lock().unwrap().iter() {
        println!("note gap lib={lib} case={case}: {why}");
    }
    if let Some(note) = hostile_note {
        println!("{note}");
    }
    for r in &rows {
        for pair in &PAIRS {
            if let Some(l) = r.line(pair) {
                println!("{l}");
            }
        }
    }

    let mut md = markdown_header();
    for r in &rows {
        md.push_str(&r.markdown());
        md.push('\n');
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target");
    let path = format!("{dir}/compare-summary.md");
    // The workspace's target/ need not exist when CARGO_TARGET_DIR points
    // elsewhere.
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, md)) {
        eprintln!("cannot write {path}: {e}");
    }
}

/// The versions in compare/Cargo.toml (Cargo.lock pins them), for the note
/// line: both are young crates whose figures may move between releases.
const RUSTLS_GRAVIOLA_VERSION: &str = "0.4.0";
const RUSTLS_RUSTCRYPTO_VERSION: &str = "0.0.2-alpha";
