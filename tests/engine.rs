//! End-to-end client↔server tests through the in-memory `Pair` driver.

mod pair;
mod providers;

use pair::*;
use providers::providers;
use tls13::certgen::KeyType;
use tls13::crypto::CryptoProvider;
use tls13::unstable::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};

const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
];
const GROUPS: [NamedGroup; 4] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];
const KEYS: [KeyType; 4] = [
    KeyType::EcdsaP256,
    KeyType::EcdsaP384,
    KeyType::Ed25519,
    KeyType::Rsa2048,
];

fn one(suite: CipherSuite, group: NamedGroup, key: KeyType, hrr: bool, feed: Feed) {
    for p in providers() {
        one_with(p, suite, group, key, hrr, feed);
    }
}

fn one_with(
    provider: &'static CryptoProvider,
    suite: CipherSuite,
    group: NamedGroup,
    key: KeyType,
    hrr: bool,
    feed: Feed,
) {
    let ctx = format!(
        "{} {suite:?} {group:?} {key:?} hrr={hrr} {feed:?}",
        provider.name
    );
    let (client_groups, server_groups) = if hrr {
        // The client's first (shared) group is one the server refuses.
        let other = if group == NamedGroup::X25519 {
            NamedGroup::SECP256R1
        } else {
            NamedGroup::X25519
        };
        (vec![other, group], vec![group])
    } else {
        (vec![group], GROUPS.to_vec())
    };
    let client = client_builder(key)
        .provider(provider)
        .suites(&[suite])
        .groups(&client_groups)
        .build()
        .unwrap();
    let server = server_builder_with(provider, key)
        .groups(&server_groups)
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, feed);
    p.run().unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
    assert!(has_complete(&p.client_events), "{ctx}: client not complete");
    assert!(has_complete(&p.server_events), "{ctx}: server not complete");
    for n in [p.client.negotiated(), p.server.negotiated()] {
        assert_eq!(n.suite, Some(suite), "{ctx}");
        assert_eq!(n.group, Some(group), "{ctx}");
        assert_eq!(n.version, Some(ProtocolVersion::TLS1_3), "{ctx}");
        assert_eq!(n.hello_retry, hrr, "{ctx}");
    }
    p.client.send(b"ping from client").unwrap();
    p.server.send(b"pong from server").unwrap();
    p.run().unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
    assert_eq!(p.server_data(), b"ping from client", "{ctx}");
    assert_eq!(p.client_data(), b"pong from server", "{ctx}");
}

#[test]
fn basic_handshake_and_data() {
    one(
        CipherSuite::TLS_AES_128_GCM_SHA256,
        NamedGroup::X25519,
        KeyType::EcdsaP256,
        false,
        Feed::Whole,
    );
}

#[test]
fn matrix_whole_flights() {
    for suite in SUITES {
        for group in GROUPS {
            for key in KEYS {
                for hrr in [false, true] {
                    one(suite, group, key, hrr, Feed::Whole);
                }
            }
        }
    }
}

#[test]
fn matrix_one_byte_at_a_time() {
    for suite in SUITES {
        for group in GROUPS {
            for key in KEYS {
                for hrr in [false, true] {
                    one(suite, group, key, hrr, Feed::OneByte);
                }
            }
        }
    }
}

#[test]
fn matrix_random_splits() {
    let mut seed = 0x5eed_u64;
    for suite in SUITES {
        for group in GROUPS {
            for key in KEYS {
                for hrr in [false, true] {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    one(suite, group, key, hrr, Feed::Random(seed));
                }
            }
        }
    }
}
