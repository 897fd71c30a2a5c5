//! 0-RTT records and the server's record_size_limit (RFC 8449): a client
//! writes its early data before it reads the server's EncryptedExtensions,
//! so the limit announced there cannot hold for those records; it holds
//! from the client's handshake-key records on.

mod pair;

use std::sync::Arc;

use pair::{Feed, Pair, client_builder, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ServerConfig, SystemTimeSource};
use tls13::crypto::OsRandom;
use tls13::resumption::{ClientSessionCache, StatelessTicketer};
use tls13::{ClientConnection, Event, ServerConnection};

fn server(tickets: &Arc<StatelessTicketer>) -> ServerConfig {
    server_builder(KeyType::EcdsaP256)
        .tickets(tickets.clone(), 1, 7200)
        .max_early_data_size(5000)
        .record_size_limit(Some(512))
        .build()
        .unwrap()
}

fn ticketer() -> Arc<StatelessTicketer> {
    Arc::new(StatelessTicketer::new(
        Arc::new(OsRandom),
        Arc::new(SystemTimeSource),
        3600,
    ))
}

/// RFC 8449 §4: "Records are subject to the limits that were set in the
/// handshake that produces the keys that are used to protect those
/// records", and a limit binds only once "negotiated". 0-RTT records are
/// sent before the server's limit reaches the client, so a server with a
/// record_size_limit reads them up to the protocol's 2^14 + 1 bytes, when
/// it accepts them and when it refuses them (RFC 9846 §4.3.10: refused
/// early data is skipped, whatever its size). Our own client writes
/// full-size early records: with a 512-byte limit, 0-RTT of 2000 bytes
/// ended the handshake with record_overflow either way.
#[test]
fn early_data_is_not_held_to_a_record_size_limit_the_client_has_not_seen() {
    for accept in [true, false] {
        let cache = Arc::new(ClientSessionCache::default());
        let client = || {
            let c = client_builder(KeyType::EcdsaP256)
                .session_store(Some(cache.clone()))
                .enable_early_data(true)
                .build()
                .unwrap();
            ClientConnection::with_session_scope(Arc::new(c), "localhost", "s").unwrap()
        };
        let tickets = ticketer();
        let mut p = Pair::from_connections(
            client(),
            ServerConnection::new(Arc::new(server(&tickets))).unwrap(),
            Feed::Whole,
        );
        p.run().unwrap();
        // Resumption with the same ticket keys (0-RTT accepted), or with
        // other ones (a full handshake: the early records are skipped).
        let again = if accept { tickets } else { ticketer() };
        let mut p = Pair::from_connections(
            client(),
            ServerConnection::new(Arc::new(server(&again))).unwrap(),
            Feed::Whole,
        );
        let early = vec![7u8; 2000];
        assert_eq!(p.client.send_early_data(&early).unwrap(), early.len());
        p.run().unwrap_or_else(|e| panic!("accept {accept}: {e:?}"));
        let received: Vec<u8> = p
            .server_events
            .iter()
            .filter_map(|e| match e {
                Event::EarlyData(d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        if accept {
            assert_eq!(received, early);
        } else {
            assert!(received.is_empty());
            assert!(
                p.client_events
                    .iter()
                    .any(|e| matches!(e, Event::EarlyDataRejected(d) if *d == early))
            );
        }
        // The limit holds after the handshake: the client's records fit it.
        p.client.send(&[1u8; 3000]).unwrap();
        p.run().unwrap();
        assert_eq!(p.server_data(), [1u8; 3000]);
    }
}
