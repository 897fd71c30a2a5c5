//! Review of the AES-CCM suites and P-521 (issue 16): what a peer can
//! make of an 8-byte tag next to 16-byte ones, and of a suite the config
//! did not name.

mod pair;

use std::sync::Arc;

use pair::{Feed, Pair, client_builder, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ServerConfig, SystemTimeSource};
use tls13::crypto::OsRandom;
use tls13::resumption::{ClientSessionCache, StatelessTicketer};
use tls13::unstable::msgs::enums::CipherSuite;
use tls13::{ClientConnection, Event, ServerConnection};

const GCM: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;
const CCM_8: CipherSuite = CipherSuite::TLS_AES_128_CCM_8_SHA256;

fn ticketer() -> Arc<StatelessTicketer> {
    Arc::new(StatelessTicketer::new(
        Arc::new(OsRandom),
        Arc::new(SystemTimeSource),
        3600,
    ))
}

fn server(tickets: &Arc<StatelessTicketer>, suites: &[CipherSuite]) -> ServerConfig {
    server_builder(KeyType::EcdsaP256)
        .suites(suites)
        .tickets(tickets.clone(), 1, 7200)
        .max_early_data_size(40_000)
        .build()
        .unwrap()
}

/// RFC 9846 §4.2.10: 0-RTT is accepted only under the ticket's suite;
/// a server that resumes under another suite of the same hash refuses it
/// and skips the early records that fail to open (§4.3.10). Here the
/// ticket is from an AES-128-GCM connection and the resumption picks
/// TLS_AES_128_CCM_8_SHA256: a full early record (2^14 + 1 bytes of
/// inner plaintext and a 16-byte GCM tag) is 8 bytes longer than any
/// CCM_8 record may be, and was refused as record_overflow before it was
/// tried, ending the handshake instead of being skipped.
#[test]
fn refused_early_data_with_a_longer_tag_than_the_new_suite_is_skipped() {
    let cache = Arc::new(ClientSessionCache::default());
    let client = || {
        let c = client_builder(KeyType::EcdsaP256)
            .suites(&[GCM, CCM_8])
            .session_store(Some(cache.clone()))
            .enable_early_data(true)
            .build()
            .unwrap();
        ClientConnection::with_session_scope(Arc::new(c), "localhost", "s").unwrap()
    };
    let tickets = ticketer();
    let mut p = Pair::from_connections(
        client(),
        ServerConnection::new(Arc::new(server(&tickets, &[GCM, CCM_8]))).unwrap(),
        Feed::Whole,
    );
    p.run().unwrap();
    assert_eq!(p.client.negotiated().suite, Some(GCM));

    // The same ticket keys, CCM_8 preferred now.
    let mut p = Pair::from_connections(
        client(),
        ServerConnection::new(Arc::new(server(&tickets, &[CCM_8, GCM]))).unwrap(),
        Feed::Whole,
    );
    let early = vec![7u8; 20_000];
    assert_eq!(p.client.send_early_data(&early).unwrap(), early.len());
    p.run().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(p.client.negotiated().suite, Some(CCM_8));
    assert!(p.client.negotiated().resumed);
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::EarlyData(_)))
    );
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if *d == early))
    );
    p.client.send(b"after").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"after");
}
