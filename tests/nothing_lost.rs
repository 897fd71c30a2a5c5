//! Nothing lost, nothing invented (issue #6): for random payloads, random
//! split points of the byte stream on both the sending side (how much of
//! `pending_output` the transport takes) and the receiving side (how much
//! arrives per `receive`), and random interleavings of sends and
//! transfers, each side receives exactly the bytes the other sent, in
//! order. A transport EOF without close_notify, anywhere after the
//! handshake, is reported as truncation (never as a clean close, and with
//! only a prefix of the data delivered); close_notify is a clean close
//! that comes after all the data.

mod pair;

use std::sync::Arc;

use proptest::prelude::*;
use tls13::certgen::KeyType;
use tls13::{ClientConnection, CloseKind, Connection, Error, Event, ServerConnection};

fn connections() -> (ClientConnection, ServerConnection) {
    let client = pair::client_builder(KeyType::EcdsaP256).build().unwrap();
    let server = pair::server_builder(KeyType::EcdsaP256).build().unwrap();
    (
        ClientConnection::new(Arc::new(client), "localhost").unwrap(),
        ServerConnection::new(Arc::new(server)).unwrap(),
    )
}

/// One direction of the transport: the sender, the bytes in flight, and
/// what the receiver has been given so far.
#[derive(Default)]
struct Side {
    /// Application payloads still to send, in order.
    to_send: Vec<Vec<u8>>,
    /// Everything handed to `send`, concatenated.
    sent: Vec<u8>,
    /// Bytes taken from this side's `pending_output`, not yet delivered.
    wire: Vec<u8>,
    /// Data events of this side (what the peer sent), concatenated.
    received: Vec<u8>,
    /// Every event this side emitted, in order.
    events: Vec<Event>,
}

#[derive(Clone, Debug)]
enum Step {
    /// The client (true) or server (false) sends its next payload.
    Send(bool),
    /// The transport takes up to n bytes of that side's pending output.
    Take(bool, usize),
    /// Up to n bytes in flight from that side reach its peer, in one receive.
    Deliver(bool, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => any::<bool>().prop_map(Step::Send),
        3 => (any::<bool>(), 1usize..6000).prop_map(|(c, n)| Step::Take(c, n)),
        3 => (any::<bool>(), 1usize..6000).prop_map(|(c, n)| Step::Deliver(c, n)),
    ]
}

/// Payloads: mostly small, sometimes larger than one record (2^14).
fn payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::collection::vec(any::<u8>(), 0..300),
            1 => prop::collection::vec(any::<u8>(), 300..20_000),
        ],
        0..5,
    )
}

fn drain(conn: &mut Connection, side: &mut Side) {
    while let Some(e) = conn.next_event() {
        side.events.push(e);
    }
    let data = conn.received_data();
    side.received.extend_from_slice(data);
    let n = data.len();
    conn.consume_received_data(n);
}

fn take(conn: &mut Connection, side: &mut Side, max: usize) {
    let out = conn.pending_output();
    let n = out.len().min(max);
    side.wire.extend_from_slice(&out[..n]);
    conn.consume_output(n);
}

/// Delivers up to `max` bytes of `from`'s wire to `to` in one receive.
fn deliver(from: &mut Side, to: &mut Connection, to_side: &mut Side, max: usize) {
    let n = from.wire.len().min(max);
    if n == 0 {
        return;
    }
    let chunk: Vec<u8> = from.wire.drain(..n).collect();
    to.receive(&chunk).expect("receive");
    drain(to, to_side);
}

fn send_next(conn: &mut Connection, side: &mut Side) {
    if side.to_send.is_empty() {
        return;
    }
    let p = side.to_send.remove(0);
    assert_eq!(conn.send(&p).expect("send"), p.len());
    side.sent.extend_from_slice(&p);
}

/// Moves everything both ways until neither side has anything in flight.
fn settle(c: &mut ClientConnection, s: &mut ServerConnection, cs: &mut Side, ss: &mut Side) {
    loop {
        take(c, cs, usize::MAX);
        take(s, ss, usize::MAX);
        if cs.wire.is_empty() && ss.wire.is_empty() {
            return;
        }
        deliver(cs, s, ss, usize::MAX);
        deliver(ss, c, cs, usize::MAX);
    }
}

fn handshake() -> (ClientConnection, ServerConnection, Side, Side) {
    let (mut c, mut s) = connections();
    let (mut cs, mut ss) = (Side::default(), Side::default());
    settle(&mut c, &mut s, &mut cs, &mut ss);
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s, cs, ss)
}

fn closed(events: &[Event]) -> Vec<CloseKind> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Closed(k) => Some(*k),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_byte_arrives_in_order_both_ways(
        client_payloads in payloads(),
        server_payloads in payloads(),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let (mut c, mut s) = connections();
        let mut cs = Side { to_send: client_payloads, ..Side::default() };
        let mut ss = Side { to_send: server_payloads, ..Side::default() };
        for st in steps {
            match st {
                Step::Send(true) => send_next(&mut c, &mut cs),
                Step::Send(false) => send_next(&mut s, &mut ss),
                Step::Take(true, n) => take(&mut c, &mut cs, n),
                Step::Take(false, n) => take(&mut s, &mut ss, n),
                Step::Deliver(true, n) => deliver(&mut cs, &mut s, &mut ss, n),
                Step::Deliver(false, n) => deliver(&mut ss, &mut c, &mut cs, n),
            }
            // Whatever has arrived so far is a prefix of what was sent.
            prop_assert!(cs.sent.starts_with(&ss.received));
            prop_assert!(ss.sent.starts_with(&cs.received));
        }
        while !cs.to_send.is_empty() || !ss.to_send.is_empty() {
            send_next(&mut c, &mut cs);
            send_next(&mut s, &mut ss);
        }
        settle(&mut c, &mut s, &mut cs, &mut ss);
        prop_assert!(!c.is_handshaking() && !s.is_handshaking());
        prop_assert_eq!(&ss.received, &cs.sent, "server got other bytes than the client sent");
        prop_assert_eq!(&cs.received, &ss.sent, "client got other bytes than the server sent");

        // Both close: each sees a clean close after all the data.
        c.close();
        s.close();
        settle(&mut c, &mut s, &mut cs, &mut ss);
        for (conn, side) in [(&mut *c as &mut Connection, &cs), (&mut *s, &ss)] {
            prop_assert_eq!(closed(&side.events), vec![CloseKind::CloseNotify]);
            prop_assert!(matches!(side.events.last(), Some(Event::Closed(CloseKind::CloseNotify))));
            prop_assert_eq!(conn.receive_eof(), Ok(()));
        }
    }

    #[test]
    fn eof_without_close_notify_is_truncation(
        payloads in payloads(),
        client_receives in any::<bool>(),
        close in any::<bool>(),
        cut in any::<prop::sample::Index>(),
        chunk in 1usize..2000,
    ) {
        let (mut c, mut s, mut cs, mut ss) = handshake();
        // The sender sends everything (and close_notify if `close`);
        // the stream after the handshake is then cut at a random point.
        let (sender, sside, receiver, rside): (&mut Connection, _, &mut Connection, _) =
            if client_receives {
                (&mut *s, &mut ss, &mut *c, &mut cs)
            } else {
                (&mut *c, &mut cs, &mut *s, &mut ss)
            };
        sside.to_send = payloads;
        while !sside.to_send.is_empty() {
            send_next(sender, sside);
        }
        if close {
            sender.close();
        }
        take(sender, sside, usize::MAX);
        let total = sside.wire.len();
        // With close_notify, the whole stream is a clean close; every
        // shorter cut lacks (part of) the close_notify record.
        let keep = if close && cut.index(2) == 0 { total } else { cut.index(total.max(1)).min(total) };
        sside.wire.truncate(keep);
        while !sside.wire.is_empty() {
            deliver(sside, receiver, rside, chunk);
        }
        let eof = receiver.receive_eof();
        drain(receiver, rside);
        prop_assert!(sside.sent.starts_with(&rside.received), "delivered data is not a prefix of the sent data");
        if close && keep == total {
            prop_assert_eq!(eof, Ok(()));
            prop_assert_eq!(&rside.received, &sside.sent);
            prop_assert_eq!(closed(&rside.events), vec![CloseKind::CloseNotify]);
        } else {
            prop_assert_eq!(eof, Err(Error::UnexpectedEof));
            prop_assert_eq!(closed(&rside.events), vec![CloseKind::Truncated]);
        }
    }
}
