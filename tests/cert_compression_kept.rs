//! A server that serves many chains compresses each once, whatever order
//! clients ask for them in: the compressed forms are kept with each
//! `CertifiedKey`, not in a small per-configuration cache that a client
//! cycling server names could keep missing (each miss is a brotli
//! compression at quality 11, milliseconds of CPU).
//!
//! Observed through the heap: a counting allocator (per thread; client
//! and server run on this test's thread) totals the bytes allocated by a
//! round of handshakes. Brotli's encoder allocates its hash tables and
//! window for every compression; a round that compresses nothing
//! allocates a fraction of one that compresses each chain.

use std::sync::Arc;

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::compress::CertificateCompressionAlgorithm as Alg;
use tls13::crypto::sign::SigningKey;
use tls13::verify::{ClientHelloInfo, Decision, ResolvesServerCert};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::TrustAnchor;
use tls13::{CertifiedKey, ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};

mod heap_bytes;
#[path = "pair/mod.rs"]
mod pair;

use heap_bytes::allocated;
use pair::{Feed, NOT_AFTER, NOT_BEFORE, Pair};

/// More chains than any fixed per-configuration cache would hold.
const CHAINS: usize = 40;

/// The chain for `hello`'s server name, `h<i>.test`.
struct BySni(Vec<Arc<CertifiedKey>>);

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        let index = hello
            .server_name
            .as_deref()
            .and_then(|n| n.strip_prefix('h')?.strip_suffix(".test")?.parse().ok())
            .and_then(|i: usize| self.0.get(i).cloned());
        Decision::Ready(index.ok_or(Error::BadConfig("no such name".into())))
    }
}

/// Bytes allocated by one handshake with each of the server names, in
/// order; every handshake checked to have received a compressed chain.
fn round(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) -> u64 {
    let before = allocated();
    for i in 0..CHAINS {
        let c = ClientConnection::new(client.clone(), format!("h{i}.test")).unwrap();
        let s = ServerConnection::new(server.clone()).unwrap();
        let mut p = Pair::from_connections(c, s, Feed::Whole);
        p.run().unwrap();
        assert_eq!(
            p.client.negotiated().certificate_compression_received,
            Some(Alg::BROTLI)
        );
    }
    allocated() - before
}

#[test]
fn a_client_cycling_server_names_cannot_make_the_server_compress_again() {
    let rng = tls13::crypto::OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("kept forms CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let signer = Arc::new(SigningKey::from_der(&key).unwrap());
    // One key, CHAINS different leaf certificates (name and serial).
    let keys = (0..CHAINS)
        .map(|i| {
            let leaf = ca
                .issue(
                    &[SubjectAltName::Dns(format!("h{i}.test"))],
                    &key,
                    NOT_BEFORE,
                    NOT_AFTER,
                    &rng,
                )
                .unwrap();
            Arc::new(CertifiedKey::new(
                vec![leaf, ca.cert_der().to_vec()],
                signer.clone(),
            ))
        })
        .collect();
    let server = Arc::new(
        ServerConfig::builder(Arc::new(BySni(keys)))
            .certificate_compression(&[Alg::BROTLI])
            .build()
            .unwrap(),
    );
    let anchor = TrustAnchor::from_der(ca.cert_der().to_vec()).unwrap();
    let client = Arc::new(
        ClientConfig::builder(Arc::new(WebPkiServerVerifier::new(
            vec![anchor],
            Default::default(),
        )))
        .certificate_compression(&[Alg::BROTLI])
        .build()
        .unwrap(),
    );

    let first = round(&client, &server);
    let second = round(&client, &server);
    let third = round(&client, &server);
    println!(
        "bytes allocated by {CHAINS} handshakes: {first} compressing each chain, \
         then {second} and {third}"
    );
    // Measured: the first round allocates several times the second. Had
    // any chain been compressed again, its encoder's tables alone would
    // add about as much as the whole handshake it belongs to.
    assert!(
        second * 2 < first,
        "the second round allocated {second} bytes against {first} for the first: \
         chains were compressed again"
    );
    // Nothing compresses again in later rounds either: within 10%.
    assert!(third * 10 < second * 11 && second * 10 < third * 11);
}
