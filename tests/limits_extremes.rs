//! Every `Limits` field at the smallest value `build()` accepts and at the
//! largest its type holds: handshakes (full, resumed with 0-RTT, after a
//! HelloRetryRequest), KeyUpdates, post-handshake authentication and bulk
//! data either complete or fail with a typed error; nothing panics, hangs
//! or keeps growing.

mod pair;

use std::sync::Arc;

use pair::{Feed, Pair, World, pinned_client};
use tls13::certgen::KeyType;
use tls13::config::Limits;
use tls13::unstable::msgs::enums::NamedGroup;
use tls13::{ClientConnection, ServerConnection};

fn smallest() -> Limits {
    Limits {
        max_empty_records: 0,
        max_warning_alerts: 0,
        max_key_updates: 0,
        max_change_cipher_specs: 1,
        max_handshake_message: 1024,
        max_certificate_chain: 1,
        max_buffered_data: 0,
        max_suspended_input: 0,
        max_extensions: 16,
        max_key_shares: 1,
        max_psk_identities: 1,
        max_list_entries: 16,
    }
}

fn largest() -> Limits {
    Limits {
        max_empty_records: u32::MAX,
        max_warning_alerts: u32::MAX,
        max_key_updates: u32::MAX,
        max_change_cipher_specs: u32::MAX,
        max_handshake_message: usize::MAX,
        max_certificate_chain: usize::MAX,
        max_buffered_data: usize::MAX,
        max_suspended_input: usize::MAX,
        max_extensions: usize::MAX,
        max_key_shares: usize::MAX,
        max_psk_identities: usize::MAX,
        max_list_entries: usize::MAX,
    }
}

/// One scenario under `client` and `server` limits; returns what happened
/// (the test only asks that it returns).
fn scenario(client: Limits, server: Limits, feed: Feed) -> Vec<String> {
    let w = World::new();
    let mut seen = Vec::new();
    let c = Arc::new(
        w.client()
            .limits(client)
            .enable_early_data(true)
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .client_auth_cert(
                vec![pair::identity(KeyType::EcdsaP256).leaf.clone()],
                tls13::crypto::sign::SigningKey::from_der(&pair::identity(KeyType::EcdsaP256).key)
                    .unwrap(),
            )
            .build()
            .unwrap(),
    );
    let server_config = |groups: &[NamedGroup]| {
        Arc::new(
            w.server()
                .limits(server)
                .max_early_data_size(1 << 14)
                .groups(groups)
                .post_handshake_client_verifier(pinned_client(KeyType::EcdsaP256))
                .build()
                .unwrap(),
        )
    };
    for groups in [
        &[NamedGroup::X25519][..],
        &[NamedGroup::X25519][..],
        &[NamedGroup::SECP256R1][..],
    ] {
        let mut p = Pair::from_connections(
            ClientConnection::new(c.clone(), "localhost").unwrap(),
            ServerConnection::new(server_config(groups)).unwrap(),
            feed,
        );
        let _ = p.client.send_early_data(&[1; 3000]);
        match p.run() {
            Ok(()) => {
                seen.push(format!("ok resumed={}", p.client.negotiated().resumed));
                let _ = p.client.update_keys(true);
                let _ = p.server.update_keys(true);
                let _ = p.server.request_client_certificate();
                let _ = p.client.send(&vec![2; 100_000]);
                let _ = p.server.send(&[]);
                let r = p.run();
                seen.push(format!("after: {r:?}"));
                let got = p.server_data();
                seen.push(format!("server got {}", got.len()));
            }
            Err(e) => seen.push(format!("failed: {e:?}")),
        }
    }
    seen
}

#[test]
fn smallest_limits_never_panic() {
    for feed in [Feed::Whole, Feed::Random(7)] {
        for (c, s) in [
            (smallest(), smallest()),
            (smallest(), Limits::default()),
            (Limits::default(), smallest()),
        ] {
            let seen = scenario(c, s, feed);
            assert!(!seen.is_empty());
            eprintln!("{seen:?}");
        }
    }
}

#[test]
fn largest_limits_never_panic() {
    for feed in [Feed::Whole, Feed::Random(7)] {
        for (c, s) in [
            (largest(), largest()),
            (largest(), Limits::default()),
            (Limits::default(), largest()),
        ] {
            let seen = scenario(c, s, feed);
            assert!(!seen.is_empty());
            eprintln!("{seen:?}");
        }
    }
}

/// `Acceptor::with_limits` takes limits no `build()` checked: at zero, at
/// the smallest and at the largest, a first flight is read (or refused
/// with a typed error) and handed to a connection.
#[test]
fn acceptor_limits_at_their_extremes_never_panic() {
    let zero = Limits {
        max_empty_records: 0,
        max_warning_alerts: 0,
        max_key_updates: 0,
        max_change_cipher_specs: 0,
        max_handshake_message: 0,
        max_certificate_chain: 0,
        max_buffered_data: 0,
        max_suspended_input: 0,
        max_extensions: 0,
        max_key_shares: 0,
        max_psk_identities: 0,
        max_list_entries: 0,
    };
    let w = World::new();
    let client = Arc::new(w.client().build().unwrap());
    let server = Arc::new(w.server().build().unwrap());
    for limits in [zero, smallest(), largest(), Limits::default()] {
        let c = ClientConnection::new(client.clone(), "localhost").unwrap();
        let flight = c.pending_output().to_vec();
        for chunk in [&flight[..], &flight[..1]] {
            let mut a = tls13::conn::accept::Acceptor::with_limits(limits);
            match a.receive(chunk) {
                Ok(()) if a.client_hello().is_some() => {
                    let s = a
                        .accept(server.clone())
                        .expect("the default config accepts it");
                    assert!(!s.pending_output().is_empty());
                }
                Ok(()) => assert!(chunk.len() < flight.len()),
                Err(_) => assert!(!a.pending_output().is_empty(), "an alert is queued"),
            }
        }
    }
}
