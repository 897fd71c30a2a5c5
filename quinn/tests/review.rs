//! Adversarial review of the quinn glue: quinn's crypto traits driven by
//! hand, the way quinn-proto 0.11 calls them (`read_crypto` once per
//! CRYPTO frame, `write_crypto` once per packet, `upgrade_crypto` taking
//! a space's keys and then `next_1rtt_keys`), without sockets, so that
//! a peer's odd but well-formed packets can be modelled exactly.

mod common;

use std::sync::Arc;

use bytes::BytesMut;
use common::{ALPN, Pki};
use quinn_proto::crypto::{
    ClientConfig as _, KeyPair, Keys, PacketKey, ServerConfig as _, Session,
};
use quinn_proto::transport_parameters::TransportParameters;
use quinn_proto::{ConnectionId, Side, TransportErrorCode};
use tls13_quinn::{QuicClientConfig, QuicServerConfig};

/// One endpoint as quinn drives it: the packet space it is in (0
/// Initial, 1 Handshake, 2 Data) and the keys it was handed.
struct Endpoint {
    session: Box<dyn Session>,
    space: usize,
    keys: Vec<Keys>,
    /// The next key phase, derived ahead as `upgrade_crypto` does.
    next: Option<KeyPair<Box<dyn PacketKey>>>,
}

impl Endpoint {
    /// quinn's `write_crypto`: the handshake bytes of each space, taking
    /// keys as they come. Returns (space, bytes) runs.
    fn write(&mut self) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        loop {
            let space = self.space;
            let mut buf = Vec::new();
            if let Some(keys) = self.session.write_handshake(&mut buf) {
                self.keys.push(keys);
                self.space += 1;
                if self.space == 2 {
                    self.next = Some(self.session.next_1rtt_keys().expect("next 1-RTT keys"));
                }
            }
            if buf.is_empty() {
                if space == self.space {
                    return out;
                }
                continue;
            }
            out.push((space, buf));
        }
    }
}

fn params(side: Side) -> TransportParameters {
    // The defaults, as `read` of nothing gives them.
    TransportParameters::read(side, &mut &[][..]).unwrap()
}

fn endpoints(pki: &Pki) -> (Endpoint, Endpoint) {
    endpoints_with(pki, pki.server().alpn_protocols(&[ALPN]).build().unwrap())
}

fn endpoints_with(pki: &Pki, server: tls13::ServerConfig) -> (Endpoint, Endpoint) {
    let client = Arc::new(
        QuicClientConfig::new(pki.client().alpn_protocols(&[ALPN]).build().unwrap()).unwrap(),
    );
    let server = Arc::new(QuicServerConfig::new(server).unwrap());
    let client = client
        .start_session(1, "localhost", &params(Side::Client))
        .unwrap();
    let server = server.start_session(1, &params(Side::Server));
    let wrap = |session| Endpoint {
        session,
        space: 0,
        keys: Vec::new(),
        next: None,
    };
    (wrap(client), wrap(server))
}

/// Delivers `runs` one packet per run (each read, then `write_crypto`),
/// and returns the receiver's answer.
fn deliver(to: &mut Endpoint, runs: Vec<(usize, Vec<u8>)>) -> Vec<(usize, Vec<u8>)> {
    let mut answer = Vec::new();
    for (_, bytes) in runs {
        to.session.read_handshake(&bytes).expect("handshake data");
        answer.extend(to.write());
    }
    answer
}

/// A whole handshake; returns the client and the server.
fn handshake(pki: &Pki) -> (Endpoint, Endpoint) {
    let (mut client, mut server) = endpoints(pki);
    let hello = client.write();
    let flight = deliver(&mut server, hello);
    let finished = deliver(&mut client, flight);
    let rest = deliver(&mut server, finished);
    deliver(&mut client, rest);
    assert!(!client.session.is_handshaking() && !server.session.is_handshaking());
    assert_eq!((client.space, server.space), (2, 2));
    (client, server)
}

fn seal(key: &dyn PacketKey, pn: u64, header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut buf = [header, payload, &[0; 16][..]].concat();
    key.encrypt(pn, &mut buf, header.len());
    buf
}

fn open(key: &dyn PacketKey, pn: u64, packet: &[u8], header_len: usize) -> Option<Vec<u8>> {
    let (header, payload) = packet.split_at(header_len);
    let mut payload = BytesMut::from(payload);
    key.decrypt(pn, header, &mut payload).ok()?;
    Some(payload.to_vec())
}

/// RFC 9001 §4.1.3: handshake data must arrive at the encryption level
/// TLS reads it at. quinn passes CRYPTO data without its level and moves
/// its own expectation only when `write_crypto` hands it the next
/// space's keys, after the whole packet. A server's Initial packet with
/// two CRYPTO frames, the ServerHello and then the rest of its flight
/// (EncryptedExtensions to Finished), reaches the session as two
/// `read_handshake` calls between which tls13 moved to reading
/// Handshake: the second run, carried under Initial protection (keys
/// any observer derives from the connection ID), must not be taken as
/// Handshake data. It is a PROTOCOL_VIOLATION.
#[test]
fn handshake_data_in_initial_packets_is_a_protocol_violation() {
    let pki = Pki::new();
    let (mut client, mut server) = endpoints(&pki);
    let hello = client.write();
    let flight = deliver(&mut server, hello);
    assert_eq!(
        flight.iter().map(|(space, _)| *space).collect::<Vec<_>>(),
        [0, 1]
    );
    // Both runs in one Initial packet: two read_crypto calls, no
    // write_crypto between them.
    client.session.read_handshake(&flight[0].1).unwrap();
    let error = client
        .session
        .read_handshake(&flight[1].1)
        .expect_err("Handshake messages under Initial protection");
    assert_eq!(
        error.code,
        TransportErrorCode::PROTOCOL_VIOLATION,
        "{error:?}"
    );
    assert!(client.session.is_handshaking());
}

/// The same on the server for the client's second flight: a
/// ClientHello and, in the same Initial packet, bytes that tls13 would
/// otherwise read as the client's Handshake messages.
#[test]
fn client_bytes_after_its_hello_in_the_same_initial_packet_are_refused() {
    let pki = Pki::new();
    let (mut client, mut server) = endpoints(&pki);
    let hello = client.write();
    assert_eq!(hello.len(), 1);
    server.session.read_handshake(&hello[0].1).unwrap();
    // A Finished-shaped message (type 20, 32 bytes).
    let mut fake = vec![20, 0, 0, 32];
    fake.extend([0; 32]);
    let error = server
        .session
        .read_handshake(&fake)
        .expect_err("Handshake message under Initial protection");
    assert_eq!(
        error.code,
        TransportErrorCode::PROTOCOL_VIOLATION,
        "{error:?}"
    );
}

/// The same rule one level up: in the Handshake packet whose Finished
/// completes the handshake, a later CRYPTO frame is still Handshake
/// data, though tls13 reads 1-RTT by then. A NewSessionTicket there
/// (RFC 9001 §4.1.3: post-handshake messages travel in 1-RTT packets)
/// is a PROTOCOL_VIOLATION; in a 1-RTT packet it is taken.
#[test]
fn a_ticket_in_the_finished_packet_is_refused_and_in_1rtt_taken() {
    let pki = Pki::new();
    let tickets = || {
        pki.server()
            .alpn_protocols(&[ALPN])
            .session_tickets(1)
            .build()
            .unwrap()
    };
    // A ticket from a first connection.
    let (mut client, mut server) = endpoints_with(&pki, tickets());
    let hello = client.write();
    let flight = deliver(&mut server, hello);
    let finished = deliver(&mut client, flight);
    let tickets_sent = deliver(&mut server, finished);
    let ticket = tickets_sent
        .into_iter()
        .find(|(space, _)| *space == 2)
        .expect("a NewSessionTicket at 1-RTT")
        .1;
    deliver(&mut client, vec![(2, ticket.clone())]);

    // A second connection: the ServerHello packet, then the Handshake
    // packet with the rest of the flight and the ticket behind it.
    let (mut client, mut server) = endpoints_with(&pki, tickets());
    let hello = client.write();
    let flight = deliver(&mut server, hello);
    deliver(&mut client, vec![flight[0].clone()]);
    client.session.read_handshake(&flight[1].1).unwrap();
    assert!(!client.session.is_handshaking());
    let error = client
        .session
        .read_handshake(&ticket)
        .expect_err("a ticket in a Handshake packet");
    assert_eq!(
        error.code,
        TransportErrorCode::PROTOCOL_VIOLATION,
        "{error:?}"
    );
}

/// 1-RTT keys and every key phase agree between the two sides; the
/// server's read key opens nothing before the client's Finished
/// (RFC 9001 §5.7) and every phase quinn asked for in between is filled
/// with the right key then.
#[test]
fn one_rtt_key_phases_agree_and_the_server_slot_fills_at_finished() {
    let pki = Pki::new();
    let (mut client, mut server) = endpoints(&pki);
    let hello = client.write();
    let flight = deliver(&mut server, hello);
    assert_eq!(server.space, 2, "the server has 1-RTT keys with its flight");
    // quinn on the server may derive further phases before the client's
    // Finished (never in practice: a key update needs an authenticated
    // 1-RTT packet); they must be filled too.
    let mut server_phases = vec![server.next.take().unwrap()];
    server_phases.push(server.session.next_1rtt_keys().unwrap());
    let finished = deliver(&mut client, flight);
    assert_eq!(client.space, 2);

    let header = [0x40, 1, 2, 3];
    let client_1rtt = client.keys.pop().unwrap().packet;
    let server_1rtt = server.keys.pop().unwrap().packet;
    let sealed = seal(&*client_1rtt.local, 7, &header, b"early 1-RTT");
    assert!(
        open(&*server_1rtt.remote, 7, &sealed, header.len()).is_none(),
        "a 1-RTT packet opened before the client's Finished"
    );
    deliver(&mut server, finished);
    assert!(!server.session.is_handshaking());
    assert_eq!(
        open(&*server_1rtt.remote, 7, &sealed, header.len()).as_deref(),
        Some(&b"early 1-RTT"[..])
    );
    // Server to client, phase 0.
    let sealed = seal(&*server_1rtt.local, 9, &header, b"0.5-RTT");
    assert_eq!(
        open(&*client_1rtt.remote, 9, &sealed, header.len()).as_deref(),
        Some(&b"0.5-RTT"[..])
    );
    // Phases 1 and 2, both directions.
    let client_phases = [
        client.next.take().unwrap(),
        client.session.next_1rtt_keys().unwrap(),
    ];
    for (phase, (c, s)) in client_phases.iter().zip(&server_phases).enumerate() {
        let pn = 100 + phase as u64;
        let sealed = seal(&*c.local, pn, &header, b"from the client");
        assert_eq!(
            open(&*s.remote, pn, &sealed, header.len()).as_deref(),
            Some(&b"from the client"[..]),
            "phase {}",
            phase + 1
        );
        let sealed = seal(&*s.local, pn, &header, b"from the server");
        assert_eq!(
            open(&*c.remote, pn, &sealed, header.len()).as_deref(),
            Some(&b"from the server"[..]),
            "phase {}",
            phase + 1
        );
        // A phase's key is not the one before.
        assert!(open(&*client_1rtt.remote, pn, &sealed, header.len()).is_none());
    }
    // And a third phase after the slots were filled.
    let (c, s) = (
        client.session.next_1rtt_keys().unwrap(),
        server.session.next_1rtt_keys().unwrap(),
    );
    let sealed = seal(&*c.local, 5, &header, b"phase 3");
    assert!(open(&*s.remote, 5, &sealed, header.len()).is_some());
}

/// A client Finished that does not verify: the session fails, stays
/// failed, and the server's 1-RTT read key never opens anything.
#[test]
fn a_bad_finished_leaves_the_slot_empty_and_the_session_failed() {
    let pki = Pki::new();
    let (mut client, mut server) = endpoints(&pki);
    let hello = client.write();
    let flight = deliver(&mut server, hello);
    let mut finished = deliver(&mut client, flight);
    let header = [0x40, 1, 2, 3];
    let sealed = seal(&*client.keys[1].packet.local, 3, &header, b"x");
    // Damage the verify_data (the Finished is the client's last bytes).
    let (_, bytes) = finished.last_mut().unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let error = server
        .session
        .read_handshake(&finished.last().unwrap().1)
        .expect_err("a bad Finished");
    assert_eq!(
        u64::from(error.code),
        0x100 + 51,
        "decrypt_error: {error:?}"
    );
    assert!(
        server
            .session
            .read_handshake(&[])
            .is_err_and(|e| e.code == error.code)
    );
    assert!(server.session.is_handshaking());
    assert!(open(&*server.keys[1].packet.remote, 3, &sealed, header.len()).is_none());
    assert!(server.session.peer_identity().is_none());
}

/// Packet protection on a peer's malformed input: buffers shorter than
/// a tag, a header longer than the buffer, packet numbers at and past
/// 2^62 - 1: errors or zeroed output, never a panic, never plaintext.
#[test]
fn packet_keys_refuse_short_and_out_of_range_input() {
    let pki = Pki::new();
    let (client, _) = endpoints(&pki);
    let cid = ConnectionId::new(&[7; 8]);
    let ours = client.session.initial_keys(&cid, Side::Client);
    let theirs = {
        let (_, server) = endpoints(&pki);
        server.session.initial_keys(&cid, Side::Server)
    };
    let (seal_key, open_key) = (&*ours.packet.local, &*theirs.packet.remote);
    assert_eq!(seal_key.tag_len(), 16);
    assert_eq!(seal_key.confidentiality_limit(), 1 << 23);
    assert_eq!(seal_key.integrity_limit(), 1 << 52);
    // Shorter than a tag, on decryption.
    for len in 0..16 {
        let mut payload = BytesMut::from(&vec![0u8; len][..]);
        assert!(open_key.decrypt(0, &[0xc0], &mut payload).is_err());
    }
    // Shorter than a tag or header past the end, on encryption: zeros.
    for (len, header_len) in [(0, 0), (10, 0), (15, 1), (20, 8), (20, 30)] {
        let mut buf = vec![0xaa; len];
        seal_key.encrypt(1, &mut buf, header_len);
        let body = buf.get(header_len..).unwrap_or(&[]);
        assert!(body.iter().all(|b| *b == 0), "{len} {header_len}: {buf:?}");
    }
    // The largest packet number works, one more does not.
    let max = (1 << 62) - 1;
    let sealed = seal(seal_key, max, &[0xc0, 1], b"last");
    assert_eq!(
        open(open_key, max, &sealed, 2).as_deref(),
        Some(&b"last"[..])
    );
    assert!(open(open_key, max + 1, &sealed, 2).is_none());
    let sealed = seal(seal_key, max + 1, &[0xc0, 1], b"past");
    assert!(sealed[2..].iter().all(|b| *b == 0));
    assert!(open(open_key, u64::MAX, &sealed, 2).is_none());
    // Header protection on packets too short to sample: left alone.
    for len in 0..21 {
        let mut packet = vec![0x55; len];
        theirs.header.remote.decrypt(1, &mut packet);
        theirs.header.remote.decrypt(usize::MAX, &mut packet);
        ours.header.local.encrypt(len, &mut packet);
        assert!(packet.iter().all(|b| *b == 0x55));
    }
}

/// What quinn reads off a session: the peer's transport parameters only
/// once they arrived (the client's before the EncryptedExtensions: none
/// without 0-RTT), handshake data from the ClientHello (server) and the
/// EncryptedExtensions (client) on, the peer identity only once
/// verified, the same exported keys on both sides, and an error (no
/// panic) for an export too long for HKDF.
#[test]
fn what_quinn_reads_off_the_sessions() {
    let pki = Pki::new();
    let (mut client, mut server) = endpoints(&pki);
    assert!(client.session.transport_parameters().unwrap().is_none());
    assert!(client.session.handshake_data().is_none());
    assert!(client.session.early_crypto().is_none());
    let hello = client.write();
    assert!(server.session.transport_parameters().unwrap().is_none());
    server.session.read_handshake(&hello[0].1).unwrap();
    assert!(server.session.transport_parameters().unwrap().is_some());
    assert!(server.session.handshake_data().is_some());
    assert_eq!(server.session.early_data_accepted(), None);
    let flight = server.write();
    // The ServerHello alone: no parameters, no identity yet.
    assert!(!client.session.read_handshake(&flight[0].1).unwrap());
    client.write();
    assert!(client.session.transport_parameters().unwrap().is_none());
    assert!(client.session.peer_identity().is_none());
    drop((client, server));

    let (client, server) = handshake(&pki);
    assert!(client.session.transport_parameters().unwrap().is_some());
    let data = client.session.handshake_data().unwrap();
    let data = data.downcast::<tls13_quinn::HandshakeData>().unwrap();
    assert_eq!(data.protocol.as_deref(), Some(ALPN));
    let chain = client.session.peer_identity().unwrap();
    let chain = chain
        .downcast::<Vec<tls13::pki_types::CertificateDer<'static>>>()
        .unwrap();
    assert_eq!(chain.len(), 2);
    assert!(server.session.peer_identity().is_none());
    assert_eq!(client.session.early_data_accepted(), Some(false));
    let (mut a, mut b) = ([0; 32], [0; 32]);
    client
        .session
        .export_keying_material(&mut a, b"label", b"ctx")
        .unwrap();
    server
        .session
        .export_keying_material(&mut b, b"label", b"ctx")
        .unwrap();
    assert_eq!(a, b);
    let mut long = vec![0; 255 * 32 + 1];
    assert!(
        client
            .session
            .export_keying_material(&mut long, b"label", b"")
            .is_err()
    );
}
