//! A plain benchmark (no harness, no extra dependencies): full in-memory
//! handshakes per second for each server key type and group, and bulk
//! transfer throughput per cipher suite.
//!
//! ```text
//! cargo bench --bench handshake
//! ```
//!
//! `TLS13_BENCH_SECS` sets the time spent on each measurement (default 1).
//! Numbers from a dev build are meaningless: the crypto crates then run
//! with debug assertions in their inner loops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::msgs::enums::{CipherSuite, NamedGroup};
use tls13::{
    ClientConfig, ClientConnection, Connection, PinnedCertVerifier, ServerConfig, ServerConnection,
};

struct Identity {
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn identity(kind: KeyType) -> Identity {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("bench CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(kind, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns("localhost".into())],
            &key,
            1_700_000_000,
            2_600_000_000,
            &rng,
        )
        .unwrap();
    Identity {
        leaf,
        key: key.to_vec(),
    }
}

fn configs(
    id: &Identity,
    suite: CipherSuite,
    group: NamedGroup,
) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let client = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(id.leaf.clone())))
        .suites(&[suite])
        .groups(&[group])
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_single_cert(
        vec![id.leaf.clone()],
        SigningKey::from_der(&id.key).unwrap(),
    )
    .suites(&[suite])
    .groups(&[group])
    .build()
    .unwrap();
    (Arc::new(client), Arc::new(server))
}

/// Moves everything `from` has to send into `to`; returns the bytes moved.
fn transfer(from: &mut Connection, to: &mut Connection) -> usize {
    let out = from.pending_output().to_vec();
    if !out.is_empty() {
        to.receive(&out).unwrap();
        from.consume_output(out.len());
    }
    out.len()
}

fn drain_data(conn: &mut Connection) -> usize {
    while conn.next_event().is_some() {}
    let n = conn.received_data().len();
    conn.consume_received_data(n);
    n
}

fn handshake(
    client: &Arc<ClientConfig>,
    server: &Arc<ServerConfig>,
) -> (ClientConnection, ServerConnection) {
    let mut c = ClientConnection::new(client.clone(), "localhost").unwrap();
    let mut s = ServerConnection::new(server.clone()).unwrap();
    while c.is_handshaking() || s.is_handshaking() {
        let moved = transfer(&mut c, &mut s) + transfer(&mut s, &mut c);
        assert!(moved > 0, "handshake stalled");
    }
    transfer(&mut s, &mut c);
    drain_data(&mut c);
    drain_data(&mut s);
    (c, s)
}

fn budget() -> Duration {
    let secs = std::env::var("TLS13_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(secs.max(0.01))
}

fn bench_handshakes(label: &str, client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) {
    handshake(client, server); // warm-up
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget() {
        handshake(client, server);
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "handshake  {label:<40} {:>9.1} handshakes/s  ({:.3} ms each)",
        f64::from(n) / secs,
        secs * 1000.0 / f64::from(n)
    );
}

fn bench_bulk(label: &str, client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) {
    let (mut c, mut s) = handshake(client, server);
    let chunk = vec![0x5au8; 16 * 1024];
    let start = Instant::now();
    let mut bytes = 0usize;
    while start.elapsed() < budget() {
        c.send(&chunk).unwrap();
        transfer(&mut c, &mut s);
        bytes += drain_data(&mut s);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "bulk       {label:<40} {:>9.1} MB/s  (seal + open, {:.1} MB in 16 KiB writes)",
        bytes as f64 / secs / 1e6,
        bytes as f64 / 1e6
    );
}

fn main() {
    println!("tls13 in-memory benchmark (client and server in one thread, no I/O)");
    let p256 = identity(KeyType::EcdsaP256);
    for (kind, id) in [
        (KeyType::EcdsaP256, &p256),
        (KeyType::EcdsaP384, &identity(KeyType::EcdsaP384)),
        (KeyType::Ed25519, &identity(KeyType::Ed25519)),
        (KeyType::Rsa2048, &identity(KeyType::Rsa2048)),
    ] {
        let (c, s) = configs(id, CipherSuite::TLS_AES_128_GCM_SHA256, NamedGroup::X25519);
        bench_handshakes(&format!("{kind:?} key, x25519"), &c, &s);
    }
    for group in [
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
        NamedGroup::X25519MLKEM768,
    ] {
        let (c, s) = configs(&p256, CipherSuite::TLS_AES_128_GCM_SHA256, group);
        bench_handshakes(&format!("EcdsaP256 key, {group:?}"), &c, &s);
    }
    for suite in [
        CipherSuite::TLS_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_256_GCM_SHA384,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    ] {
        let (c, s) = configs(&p256, suite, NamedGroup::X25519);
        bench_bulk(&format!("{suite:?}"), &c, &s);
    }
}
