//! `send_buffer` / `commit_send`: application data written straight into
//! the next record and sealed where it lies (the send-side mirror of
//! `receive_buffer`).

use tls13::certgen::KeyType;
use tls13::{Connection, Error, PaddingPolicy};

#[path = "pair/mod.rs"]
mod pair;

use pair::{Feed, Pair};

fn connected() -> Pair {
    let client = pair::client_builder(KeyType::Ed25519).build().unwrap();
    let server = pair::server_builder(KeyType::Ed25519).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(!p.client.is_handshaking() && !p.server.is_handshaking());
    p
}

/// Writes `data` through `send_buffer`, in as many records as it takes,
/// each space filled with at most `step` bytes.
fn send_in_place(conn: &mut Connection, mut data: &[u8], step: usize) -> usize {
    let mut records = 0;
    while !data.is_empty() {
        let space = conn.send_buffer(data.len()).unwrap();
        let n = space.len().min(step).min(data.len());
        space[..n].copy_from_slice(&data[..n]);
        conn.commit_send(n).unwrap();
        data = &data[n..];
        records += 1;
    }
    records
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn data_arrives_intact_in_order_interleaved_with_send() {
    let mut p = connected();
    let big = pattern(40_000, 1);
    let mut want = Vec::new();
    // Spaces are one record's content at most: 16384 bytes.
    assert_eq!(p.client.send_buffer(100_000).unwrap().len(), 16384);
    p.client.commit_send(0).unwrap();
    assert_eq!(send_in_place(&mut p.client, &big, usize::MAX), 3);
    want.extend_from_slice(&big);
    p.client.send(b"-via send-").unwrap();
    want.extend_from_slice(b"-via send-");
    // Short writes into long spaces, across many records.
    assert_eq!(send_in_place(&mut p.client, &big[..1000], 300), 4);
    want.extend_from_slice(&big[..1000]);
    p.client.send(&big[..20_000]).unwrap();
    want.extend_from_slice(&big[..20_000]);
    p.run().unwrap();
    assert_eq!(p.server_data(), want);

    // The other way, fed to the client one byte at a time.
    let reply = pattern(5000, 7);
    send_in_place(&mut p.server, &reply, 999);
    let wire = p.server.pending_output().to_vec();
    p.server.consume_output(wire.len());
    for b in &wire {
        p.client.receive(std::slice::from_ref(b)).unwrap();
    }
    assert_eq!(p.client_data(), reply);
}

#[test]
fn zero_length_commit_sends_nothing() {
    let mut p = connected();
    let before = p.client.pending_output().len();
    p.client.send_buffer(10).unwrap().fill(b'x');
    // Reserved space is never output before it is committed.
    assert_eq!(p.client.pending_output().len(), before);
    p.client.commit_send(0).unwrap();
    assert_eq!(p.client.pending_output().len(), before);
    // And a commit with no space at all is nothing too.
    p.client.commit_send(0).unwrap();
    assert_eq!(p.client.send_buffer(0).unwrap().len(), 0);
    p.client.commit_send(0).unwrap();
    p.run().unwrap();
    assert!(p.server_data().is_empty());
}

#[test]
fn commit_beyond_the_space_is_refused_and_harmless() {
    let mut p = connected();
    p.client.send_buffer(5).unwrap().copy_from_slice(b"hello");
    assert_eq!(
        p.client.commit_send(6),
        Err(Error::SendBufferExceeded {
            committed: 6,
            available: 5
        })
    );
    assert_eq!(
        p.client.commit_send(usize::MAX),
        Err(Error::SendBufferExceeded {
            committed: usize::MAX,
            available: 5
        })
    );
    // The space is still there, and the connection fine.
    p.client.commit_send(5).unwrap();
    // Committed once: nothing left to commit.
    assert_eq!(
        p.client.commit_send(1),
        Err(Error::SendBufferExceeded {
            committed: 1,
            available: 0
        })
    );
    p.client.send(b" world").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"hello world");
}

#[test]
fn other_calls_forget_the_space_and_it_never_goes_out() {
    let mut p = connected();
    let secret = b"NEVER-ON-THE-WIRE";
    p.client
        .send_buffer(secret.len())
        .unwrap()
        .copy_from_slice(secret);
    // `send` seals its record after what was already output; the space
    // is gone.
    p.client.send(b"sent").unwrap();
    assert_eq!(
        p.client.commit_send(4),
        Err(Error::SendBufferExceeded {
            committed: 4,
            available: 0
        })
    );
    p.run().unwrap();
    // Consuming output forgets it too.
    p.client
        .send_buffer(secret.len())
        .unwrap()
        .copy_from_slice(secret);
    assert!(p.client.pending_output().is_empty());
    p.client.consume_output(0);
    assert!(p.client.commit_send(1).is_err());
    p.run().unwrap();
    assert_eq!(p.server_data(), b"sent");
    let wire = &p.client_wire;
    assert!(!wire.windows(secret.len()).any(|w| w == secret));
}

#[test]
fn refused_before_the_handshake_and_after_close() {
    let client = pair::client_builder(KeyType::Ed25519).build().unwrap();
    let server = pair::server_builder(KeyType::Ed25519).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    assert_eq!(
        p.client.send_buffer(10).map(|b| b.len()),
        Err(Error::HandshakeNotComplete)
    );
    assert_eq!(
        p.server.send_buffer(10).map(|b| b.len()),
        Err(Error::HandshakeNotComplete)
    );
    p.run().unwrap();

    p.client.send_buffer(2).unwrap().copy_from_slice(b"hi");
    p.client.close();
    assert_eq!(p.client.commit_send(2), Err(Error::ConnectionClosed));
    assert_eq!(
        p.client.send_buffer(10).map(|b| b.len()),
        Err(Error::ConnectionClosed)
    );
    p.run().unwrap();
    assert!(p.server_data().is_empty());

    // After an error: that error, as for `send`.
    let mut p = connected();
    p.server.receive(&[0x17, 0x03, 0x03, 0x00, 0x20]).unwrap();
    let e = p.server.receive(&[0u8; 0x20]).unwrap_err();
    assert_eq!(p.server.send_buffer(1).map(|b| b.len()), Err(e.clone()));
    assert_eq!(p.server.commit_send(0), Err(e));
}

#[test]
fn spaces_follow_the_peer_record_size_limit_and_padding() {
    // The client takes records of at most 512 bytes of TLSInnerPlaintext
    // (content, type, padding); the server pads to multiples of 64.
    let client = pair::client_builder(KeyType::Ed25519)
        .record_size_limit(Some(512))
        .build()
        .unwrap();
    let server = pair::server_builder(KeyType::Ed25519)
        .padding(PaddingPolicy::ToMultipleOf(64))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert_eq!(p.server.send_buffer(10_000).unwrap().len(), 511);
    p.server.commit_send(0).unwrap();
    let data = pattern(2000, 3);
    let before = p.server_wire.len();
    let sent = send_in_place(&mut p.server, &data, 100);
    p.run().unwrap();
    assert_eq!(p.client_data(), data);
    let records = pair::records(&p.server_wire[before..]);
    assert_eq!(records.len(), sent);
    for (typ, payload) in records {
        // 100 bytes + type + padding = 128, sealed with a 16-byte tag.
        assert_eq!((typ, payload.len()), (0x17, 128 + 16));
    }
}

/// A KeyUpdate that the peer requests while a space is open changes the
/// write key: the answer goes out first and forgets the space, so the
/// data written there is never sealed under the old key nor sent after
/// the new one in the wrong order; written again, it arrives under the
/// new key. Many rounds, both ways: each record opens with the key of
/// its epoch (keys are set up at their first record).
#[test]
fn a_requested_key_update_forgets_the_space_and_data_follows_the_new_key() {
    let mut p = connected();
    let mut want_at_client = Vec::new();
    for round in 0..5u8 {
        p.client.update_keys(true).unwrap();
        let ku = p.client.pending_output().to_vec();
        p.client.consume_output(ku.len());
        let msg = pattern(100, round);
        p.server.send_buffer(msg.len()).unwrap()[..msg.len()].copy_from_slice(&msg);
        // The request arrives: the server answers with its own KeyUpdate.
        p.server.receive(&ku).unwrap();
        assert_eq!(
            p.server.commit_send(msg.len()),
            Err(Error::SendBufferExceeded {
                committed: msg.len(),
                available: 0
            })
        );
        assert_eq!(send_in_place(&mut p.server, &msg, usize::MAX), 1);
        want_at_client.extend_from_slice(&msg);
        // And the client's data under its own new key.
        send_in_place(&mut p.client, &msg, 33);
        p.run().unwrap();
    }
    assert_eq!(p.client_data(), want_at_client);
    assert_eq!(p.server_data().len(), 500);
}
