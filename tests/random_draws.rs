//! How randomness is drawn per flight (see the `config` module docs): the
//! client's random, legacy_session_id and key shares in one call to the
//! source, the server's random and key exchange in one, for every
//! built-in group and both providers; a source that gives a stream sees
//! the same bytes go to the same places as with one call per draw (the
//! RFC 8448 replays check that byte for byte).

use std::sync::{Arc, Mutex};

use tls13::certgen::KeyType;
use tls13::crypto::{CryptoProvider, OsRandom, SecureRandom};
use tls13::error::Error;
use tls13::unstable::msgs::enums::NamedGroup;

#[path = "pair/mod.rs"]
mod pair;
mod providers;

use pair::{Feed, Pair};

/// The length of every call made to the OS source.
#[derive(Default)]
struct Calls(Mutex<Vec<usize>>);

impl Calls {
    fn take(&self) -> Vec<usize> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl SecureRandom for Calls {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        self.0.lock().unwrap().push(dest.len());
        OsRandom.fill(dest)
    }
}

fn run(provider: &'static CryptoProvider, groups: &[NamedGroup], compat: bool) -> [Vec<usize>; 2] {
    let (client_rng, server_rng) = (Arc::new(Calls::default()), Arc::new(Calls::default()));
    let client = pair::client_builder(KeyType::Ed25519)
        .provider(provider)
        .groups(groups)
        .middlebox_compat(compat)
        .rng(client_rng.clone())
        .build()
        .unwrap();
    let server = pair::server_builder_with(provider, KeyType::Ed25519)
        .groups(groups)
        .rng(server_rng.clone())
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(!p.client.is_handshaking() && !p.server.is_handshaking());
    [client_rng.take(), server_rng.take()]
}

#[test]
fn one_call_per_flight() {
    for provider in providers::providers() {
        for (groups, compat, client, server) in [
            // random, session id, X25519 scalar | random, X25519 scalar
            (&[NamedGroup::X25519][..], true, 96, 64),
            (&[NamedGroup::X25519][..], false, 64, 64),
            (&[NamedGroup::SECP256R1][..], true, 96, 64),
            (&[NamedGroup::SECP384R1][..], true, 112, 80),
            // ML-KEM seed and X25519 scalar, then the extra X25519 share |
            // ML-KEM message and X25519 scalar.
            (
                &[NamedGroup::X25519MLKEM768, NamedGroup::X25519][..],
                true,
                32 + 32 + 96 + 32,
                32 + 64,
            ),
        ] {
            let [c, s] = run(provider, groups, compat);
            assert_eq!(c, [client], "{} {groups:?} client", provider.name);
            assert_eq!(s, [server], "{} {groups:?} server", provider.name);
        }
    }
}
