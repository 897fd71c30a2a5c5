//! Review of the AES-CCM suites and P-521 (issue 16): what a peer can
//! make of an 8-byte tag next to 16-byte ones, and of a suite the config
//! did not name.

mod pair;
mod providers;

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
    let early = vec![7u8; 20_000];
    // The same ticket keys, CCM_8 preferred the second time.
    let (mut p, sent, ticket) = resume(&[GCM, CCM_8], &[CCM_8, GCM], &early);
    assert_eq!(ticket, GCM);
    assert_eq!(sent, early.len());
    assert_eq!(p.client.negotiated().suite, Some(CCM_8));
    assert!(early_received(&p).is_empty());
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(d) if *d == early))
    );
    p.client.send(b"after").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"after");
}

/// A client whose session store and server's ticket keys are shared by
/// two configs: one naming `first`, the next naming `second`.
fn resume(
    first: &[CipherSuite],
    second: &[CipherSuite],
    early: &[u8],
) -> (Pair, usize, CipherSuite) {
    let cache = Arc::new(ClientSessionCache::default());
    let client = |suites: &[CipherSuite]| {
        let c = client_builder(KeyType::EcdsaP256)
            .suites(suites)
            .session_store(Some(cache.clone()))
            .enable_early_data(true)
            .build()
            .unwrap();
        ClientConnection::with_session_scope(Arc::new(c), "localhost", "s").unwrap()
    };
    let tickets = ticketer();
    let mut p = Pair::from_connections(
        client(first),
        ServerConnection::new(Arc::new(server(&tickets, first))).unwrap(),
        Feed::Whole,
    );
    p.run().unwrap();
    let ticket_suite = p.client.negotiated().suite.unwrap();
    let mut p = Pair::from_connections(
        client(second),
        ServerConnection::new(Arc::new(server(&tickets, second))).unwrap(),
        Feed::Whole,
    );
    let sent = p.client.send_early_data(early).unwrap();
    p.run().unwrap_or_else(|e| panic!("{e:?}"));
    assert!(p.client.negotiated().resumed);
    (p, sent, ticket_suite)
}

fn early_received(p: &Pair) -> Vec<u8> {
    p.server_events
        .iter()
        .filter_map(|e| match e {
            Event::EarlyData(d) => Some(d.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// 0-RTT under a CCM_8 ticket, both configs still naming CCM_8: the early
/// key has the 8-byte tag too, full-size early records open.
#[test]
fn early_data_under_ccm_8() {
    let early = vec![3u8; 20_000];
    let (p, sent, ticket) = resume(&[CCM_8], &[CCM_8], &early);
    assert_eq!(ticket, CCM_8);
    assert_eq!(sent, early.len());
    assert_eq!(p.client.negotiated().suite, Some(CCM_8));
    assert_eq!(early_received(&p), early);
}

/// A ticket from a CCM_8 connection, redeemed where neither config names
/// CCM_8 any more: resumed (RFC 9846 §4.2.11: any suite of the PSK's
/// hash) under AES-128-GCM, and no 0-RTT is offered, since it would have
/// to be under the ticket's suite (§4.2.10), which the client no longer
/// allows.
#[test]
fn a_ccm_8_ticket_resumes_without_ccm_8_and_without_0rtt() {
    let (p, sent, ticket) = resume(&[CCM_8], &[GCM], b"early");
    assert_eq!(ticket, CCM_8);
    assert_eq!(sent, 0);
    assert_eq!(p.client.negotiated().suite, Some(GCM));
    assert!(early_received(&p).is_empty());
}

/// Adds p = 2^521 - 1 to a 66-byte big-endian coordinate (which stays
/// below 2^528, so it still fits).
fn plus_p521(coord: &[u8]) -> Vec<u8> {
    let mut p = [0xffu8; 66];
    p[0] = 0x01;
    let mut out = vec![0u8; 66];
    let mut carry = 0u16;
    for i in (0..66).rev() {
        let s = u16::from(coord[i]) + u16::from(p[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    assert_eq!(carry, 0);
    out
}

/// RFC 9846 §4.3.8.2 / §7.4.2 for secp521r1 with every provider: a share
/// is exactly 133 bytes, 0x04 then X and Y, each below p and on the
/// curve; the same point with a coordinate written as itself plus p (a
/// second encoding, 66 bytes still), in another SEC1 form (hybrid 0x06 /
/// 0x07, or compressed 0x02 / 0x03), cut or grown by a byte, or all zero
/// is refused with illegal_parameter by both sides. The shared secret is
/// the full 66-byte x-coordinate, the same on both sides.
#[test]
fn p521_key_shares_are_validated_and_the_secret_is_66_bytes() {
    use tls13::crypto::kx::KeyExchange;
    use tls13::error::{Error, PeerMisbehaved};
    use tls13::unstable::msgs::enums::NamedGroup;
    for p in providers::providers() {
        let group = p.group(NamedGroup::SECP521R1).unwrap();
        let ours = KeyExchange::start_with(group, &OsRandom).unwrap();
        let share = ours.public_key().to_vec();
        assert_eq!(share.len(), 133);
        assert_eq!(share[0], 4);
        let (server_share, server_secret) = group.server_exchange(&share, &OsRandom).unwrap();
        assert_eq!(server_secret.len(), 66);
        let client_secret = ours.complete(&server_share).unwrap();
        assert_eq!(&*client_secret, &*server_secret);

        let (x, y) = (&share[1..67], &share[67..]);
        let mut bad = Vec::new();
        bad.push([&[4u8][..], &plus_p521(x), y].concat());
        bad.push([&[4u8][..], x, &plus_p521(y)].concat());
        let odd = y[65] & 1;
        bad.push([&[6 + odd][..], x, y].concat());
        bad.push([&[2 + odd][..], x].concat());
        bad.push(share[..132].to_vec());
        bad.push([&share[..], &[0]].concat());
        bad.push([&[4u8][..], &[0u8; 132][..]].concat());
        bad.push(vec![0u8]);
        let mut off_curve = share.clone();
        off_curve[132] ^= 1;
        bad.push(off_curve);
        for (i, b) in bad.iter().enumerate() {
            let want: Error = PeerMisbehaved::InvalidKeyShare.into();
            assert_eq!(
                group.server_exchange(b, &OsRandom).err(),
                Some(want.clone()),
                "{} case {i}",
                p.name
            );
            let client = KeyExchange::start_with(group, &OsRandom).unwrap();
            assert_eq!(client.complete(b).err(), Some(want), "{} case {i}", p.name);
        }
    }
}
