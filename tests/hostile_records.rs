//! Hostile records (RFC 9846 §5): sizes, authentication, content types,
//! zero-length fragments, change_cipher_spec and close_notify rules. Each
//! test checks the exact error and the alert on the wire, on both sides
//! where the rule applies to both. Protected records are sealed with the
//! real traffic secrets (see `forge`), so only the property under test is
//! wrong.

mod forge;
mod pair;

use forge::*;
use tls13::Connection;
use tls13::error::{Error, InvalidMessage, PeerMisbehaved};
use tls13::unstable::msgs::enums::{AlertDescription, ContentType};

const MAX: usize = 1 << 14;

#[derive(Clone, Copy, Debug)]
enum Side {
    Client,
    Server,
}

const SIDES: [Side; 2] = [Side::Client, Side::Server];

/// A connected pair and, for the receiving `side`: the connection, the
/// secret its peer writes with, and its own write secret.
struct Probe {
    m: Mitm,
    side: Side,
}

impl Probe {
    fn new(side: Side) -> Self {
        Self {
            m: Mitm::connected(),
            side,
        }
    }

    fn with(m: Mitm, side: Side) -> Self {
        Self { m, side }
    }

    fn conn(&mut self) -> &mut Connection {
        match self.side {
            Side::Client => &mut self.m.client,
            Side::Server => &mut self.m.server,
        }
    }

    fn peer_secret(&self) -> Vec<u8> {
        self.m.secrets.get(match self.side {
            Side::Client => S_AP,
            Side::Server => C_AP,
        })
    }

    fn own_secret(&self) -> Vec<u8> {
        self.m.secrets.get(match self.side {
            Side::Client => C_AP,
            Side::Server => S_AP,
        })
    }

    /// A record from the peer at sequence number `seq`.
    fn sealed(&self, seq: u64, typ: ContentType, content: &[u8], padding: usize) -> Vec<u8> {
        seal(&self.peer_secret(), seq, typ, content, padding)
    }

    fn receive(&mut self, wire: &[u8]) -> Result<(), Error> {
        self.conn().receive(wire)
    }

    /// `wire` fails with `err`; the alert is protected under our own key,
    /// after `sent` records of ours.
    fn fails(&mut self, wire: &[u8], err: Error, alert: AlertDescription, sent: u64) {
        let side = self.side;
        assert_eq!(self.receive(wire), Err(err.clone()), "{side:?}");
        assert_eq!(err.alert(), Some(alert));
        let out = self.conn().pending_output().to_vec();
        let own = self.own_secret();
        assert_eq!(alert_on_wire(&out, Some(&own), sent), alert, "{side:?}");
        assert_eq!(self.receive(b"x"), Err(err), "error is sticky");
    }
}

// ---- sizes ----

/// §5.1: "The length MUST NOT exceed 2^14 bytes. An endpoint that receives
/// a record that exceeds this length MUST terminate the connection with a
/// record_overflow alert." Checked before any keys exist, on both sides.
#[test]
fn plaintext_record_over_2_14() {
    let big = record(22, &vec![0; MAX + 1]);
    let mut m = Mitm::new();
    let _ = m.take_client();
    assert_eq!(m.server.receive(&big), Err(Error::RecordOverflow));
    assert_eq!(
        alert_on_wire(&m.take_server(), None, 0),
        AlertDescription::RECORD_OVERFLOW
    );
    assert_eq!(m.client.receive(&big), Err(Error::RecordOverflow));
    assert_eq!(
        alert_on_wire(&m.take_client(), None, 0),
        AlertDescription::RECORD_OVERFLOW
    );
}

/// A plaintext record of exactly 2^14 bytes is fine as far as the record
/// layer goes: the failure is the handshake message's, not an overflow.
#[test]
fn plaintext_record_of_2_14_is_not_overflow() {
    let mut m = Mitm::new();
    let _ = m.take_client();
    let mut body = vec![1, 0, 0x3f, 0xfc];
    body.resize(MAX, 0);
    let err = m.server.receive(&record(22, &body)).unwrap_err();
    assert_ne!(err, Error::RecordOverflow);
}

/// §5.2: "The length MUST NOT exceed 2^14 + 256 bytes": judged from the
/// header alone, before the body arrives.
#[test]
fn ciphertext_over_2_14_plus_256() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let header = [23, 3, 3, 0x41, 0x01]; // 2^14 + 257
        p.fails(
            &header,
            Error::RecordOverflow,
            AlertDescription::RECORD_OVERFLOW,
            0,
        );
    }
}

/// §5.4: a TLSInnerPlaintext over 2^14 + 1 bytes is record_overflow even
/// when it authenticates: content over 2^14, or padding that pushes a small
/// record over the limit.
#[test]
fn inner_plaintext_over_limit() {
    for side in SIDES {
        for (content, padding) in [(MAX + 1, 0), (1, MAX), (0, MAX + 1)] {
            let mut p = Probe::new(side);
            let rec = p.sealed(0, ContentType::APPLICATION_DATA, &vec![7; content], padding);
            p.fails(
                &rec,
                Error::RecordOverflow,
                AlertDescription::RECORD_OVERFLOW,
                0,
            );
        }
    }
}

#[test]
fn inner_plaintext_at_limit_is_accepted() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let rec = p.sealed(0, ContentType::APPLICATION_DATA, &vec![7; MAX], 0);
        p.receive(&rec).unwrap();
        let rec = p.sealed(1, ContentType::APPLICATION_DATA, &[7], MAX - 1);
        p.receive(&rec).unwrap();
    }
}

/// RFC 8449 §4: a record over the announced record_size_limit is
/// record_overflow.
#[test]
fn inner_plaintext_over_record_size_limit() {
    let m = Mitm::connected_with(
        |c| c.record_size_limit(Some(1000)),
        |s| s.record_size_limit(Some(2000)),
    );
    let mut p = Probe::with(m, Side::Server);
    // Exactly at the server's limit: 1999 bytes of content + type byte.
    p.receive(&p.sealed(0, ContentType::APPLICATION_DATA, &[1; 1999], 0))
        .unwrap();
    let rec = p.sealed(1, ContentType::APPLICATION_DATA, &[1; 1999], 1);
    p.fails(
        &rec,
        Error::RecordOverflow,
        AlertDescription::RECORD_OVERFLOW,
        0,
    );

    let m = Mitm::connected_with(
        |c| c.record_size_limit(Some(1000)),
        |s| s.record_size_limit(Some(2000)),
    );
    let mut p = Probe::with(m, Side::Client);
    let rec = p.sealed(0, ContentType::APPLICATION_DATA, &[1; 1000], 0);
    p.fails(
        &rec,
        Error::RecordOverflow,
        AlertDescription::RECORD_OVERFLOW,
        0,
    );
}

// ---- authentication ----

/// §5.2: a record that does not authenticate is bad_record_mac: a flipped
/// ciphertext byte, tag byte or header byte (the additional data), a
/// record replayed at the next sequence number, one shorter than a tag.
#[test]
fn tampered_records_are_bad_record_mac() {
    type Edit = fn(&mut Vec<u8>, &[u8]);
    let edits: [Edit; 5] = [
        |r, _| r[6] ^= 1,
        |r, _| *r.last_mut().unwrap() ^= 0x80,
        |r, _| r[2] = 1,                // legacy_record_version 0x0301 in the AAD
        |r, first| *r = first.to_vec(), // replay of record 0 as record 1
        |r, _| *r = vec![23, 3, 3, 0, 15].into_iter().chain([0; 15]).collect(),
    ];
    for side in SIDES {
        for edit in edits {
            let mut p = Probe::new(side);
            let first = p.sealed(0, ContentType::APPLICATION_DATA, b"first", 0);
            p.receive(&first).unwrap();
            let mut rec = p.sealed(1, ContentType::APPLICATION_DATA, b"second", 0);
            edit(&mut rec, &first);
            p.fails(
                &rec,
                Error::DecryptFailed,
                AlertDescription::BAD_RECORD_MAC,
                0,
            );
        }
    }
}

/// The encrypted server flight with one bit flipped: the client has only
/// its handshake key for the alert.
#[test]
fn tampered_handshake_flight_is_bad_record_mac() {
    let mut m = Mitm::new();
    let f = m.server_flight();
    let mut wire = f.plain.clone();
    let mut rec = seal(
        &m.secrets.get(S_HS),
        0,
        ContentType::HANDSHAKE,
        &f.messages.concat(),
        0,
    );
    rec[40] ^= 4;
    wire.extend(rec);
    assert_eq!(m.client.receive(&wire), Err(Error::DecryptFailed));
    assert_eq!(m.client_alert(), AlertDescription::BAD_RECORD_MAC);
}

// ---- content types and fragments ----

/// §5: "If a TLS implementation receives an unexpected record type, it
/// MUST terminate the connection with an unexpected_message alert."
#[test]
fn unknown_outer_content_type() {
    for typ in [0u8, 24, 99, 255] {
        let mut m = Mitm::new();
        let _ = m.take_client();
        let err = PeerMisbehaved::UnexpectedMessage {
            got: "record of unknown content type",
            expected: "handshake, alert, change_cipher_spec or application_data record",
        };
        assert_eq!(
            m.server.receive(&record(typ, &[1])),
            Err(err.clone().into())
        );
        assert_eq!(
            alert_on_wire(&m.take_server(), None, 0),
            AlertDescription::UNEXPECTED_MESSAGE
        );
        let mut p = Probe::new(Side::Client);
        p.fails(
            &record(typ, &[1]),
            err.into(),
            AlertDescription::UNEXPECTED_MESSAGE,
            0,
        );
    }
}

#[test]
fn unknown_inner_content_type() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let rec = p.sealed(0, ContentType(99), b"x", 0);
        p.fails(
            &rec,
            PeerMisbehaved::UnexpectedMessage {
                got: "unknown content type",
                expected: "handshake, alert or application_data",
            }
            .into(),
            AlertDescription::UNEXPECTED_MESSAGE,
            0,
        );
    }
}

/// §5.4: no non-zero octet in the plaintext means no content type.
#[test]
fn all_zero_inner_plaintext() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let rec = p.sealed(0, ContentType(0), &[], 10);
        p.fails(
            &rec,
            PeerMisbehaved::UnexpectedMessage {
                got: "protected record without a content type (all zeros)",
                expected: "TLSInnerPlaintext with a non-zero content type",
            }
            .into(),
            AlertDescription::UNEXPECTED_MESSAGE,
            0,
        );
    }
}

/// §5.1: "Implementations MUST NOT send zero-length fragments of Handshake
/// types, even if those fragments contain padding"; an Alert record "MUST
/// contain exactly one message". Plaintext and protected.
#[test]
fn zero_length_handshake_and_alert_fragments() {
    for typ in [22u8, 21] {
        let mut m = Mitm::new();
        let _ = m.take_client();
        assert_eq!(
            m.server.receive(&record(typ, &[])),
            Err(PeerMisbehaved::EmptyFragment.into())
        );
        assert_eq!(
            alert_on_wire(&m.take_server(), None, 0),
            AlertDescription::UNEXPECTED_MESSAGE
        );
        for side in SIDES {
            let mut p = Probe::new(side);
            let rec = p.sealed(0, ContentType(typ), &[], 5);
            p.fails(
                &rec,
                PeerMisbehaved::EmptyFragment.into(),
                AlertDescription::UNEXPECTED_MESSAGE,
                0,
            );
        }
    }
}

/// §5.1: alerts are not fragmented or coalesced.
#[test]
fn alert_fragment_or_two_alerts_in_one_record() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let rec = p.sealed(0, ContentType::ALERT, &[1], 0);
        p.fails(
            &rec,
            InvalidMessage::MissingData("u8").into(),
            AlertDescription::DECODE_ERROR,
            0,
        );
        let mut p = Probe::new(side);
        let rec = p.sealed(0, ContentType::ALERT, &[1, 90, 1, 90], 0);
        p.fails(
            &rec,
            InvalidMessage::TrailingData("alert").into(),
            AlertDescription::DECODE_ERROR,
            0,
        );
    }
}

/// §5.1: a fragmented handshake message must not be interleaved with
/// other record types.
#[test]
fn handshake_fragment_interleaved_with_data_or_alert() {
    for side in SIDES {
        for (typ, body) in [
            (ContentType::APPLICATION_DATA, &b"data"[..]),
            (ContentType::ALERT, &[1, 0][..]),
        ] {
            let mut p = Probe::new(side);
            let half = p.sealed(0, ContentType::HANDSHAKE, &[24, 0], 0);
            p.receive(&half).unwrap();
            let rec = p.sealed(1, typ, body, 0);
            p.fails(
                &rec,
                PeerMisbehaved::InterleavedHandshake.into(),
                AlertDescription::UNEXPECTED_MESSAGE,
                0,
            );
        }
    }
}

// ---- change_cipher_spec ----

/// §5: "If an implementation detects a change_cipher_spec record received
/// before the first ClientHello message or after the peer's Finished
/// message, it MUST be treated as an unexpected record type".
#[test]
fn change_cipher_spec_before_client_hello() {
    let mut m = Mitm::new();
    let _ = m.take_client();
    assert_eq!(
        m.server.receive(&record(20, &[1])),
        Err(PeerMisbehaved::IllegalChangeCipherSpec.into())
    );
    assert_eq!(
        alert_on_wire(&m.take_server(), None, 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

#[test]
fn change_cipher_spec_after_handshake() {
    for side in SIDES {
        let mut p = Probe::new(side);
        p.fails(
            &record(20, &[1]),
            PeerMisbehaved::IllegalChangeCipherSpec.into(),
            AlertDescription::UNEXPECTED_MESSAGE,
            0,
        );
    }
}

/// §5: "An implementation which receives ... a protected change_cipher_spec
/// record MUST abort the handshake with an unexpected_message alert."
#[test]
fn protected_change_cipher_spec() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let rec = p.sealed(0, ContentType::CHANGE_CIPHER_SPEC, &[1], 0);
        p.fails(
            &rec,
            PeerMisbehaved::IllegalChangeCipherSpec.into(),
            AlertDescription::UNEXPECTED_MESSAGE,
            0,
        );
    }
    // During the handshake too: in place of the client's Finished.
    let mut m = Mitm::new();
    let f = m.server_flight();
    m.deliver_to_client(&f.plain, &f.messages).unwrap();
    let _ = m.take_client();
    let rec = seal(
        &m.secrets.get(C_HS),
        0,
        ContentType::CHANGE_CIPHER_SPEC,
        &[1],
        0,
    );
    assert_eq!(
        m.server.receive(&rec),
        Err(PeerMisbehaved::IllegalChangeCipherSpec.into())
    );
}

#[test]
fn change_cipher_spec_with_bad_body_during_handshake() {
    for body in [&[][..], &[1, 1][..], &[0][..]] {
        let mut m = Mitm::new();
        let f = m.server_flight();
        let _ = f;
        assert_eq!(
            m.server.receive(&record(20, body)),
            Err(PeerMisbehaved::IllegalChangeCipherSpec.into())
        );
    }
}

// ---- close_notify ----

/// RFC 9846 §6.1: "Any data received after a closure alert has been
/// received MUST be ignored": whatever follows close_notify (a record that
/// authenticates, a handshake message, another alert, bytes that are no
/// record at all, in the same call or a later one) is neither processed
/// nor an error. So no alert goes back, the clean close stands, and a
/// protocol that carries other data on the transport after the TLS close
/// is not answered with a TLS alert (nor can a forged record after an
/// authenticated close_notify turn it into an error).
#[test]
fn data_after_close_notify_is_ignored() {
    for side in SIDES {
        // What follows the close (records at sequence number 2, past it).
        let tails: [fn(&Probe) -> Vec<u8>; 5] = [
            |p| p.sealed(2, ContentType::APPLICATION_DATA, b"late", 0),
            |p| p.sealed(2, ContentType::HANDSHAKE, &[24, 0, 0, 1, 0], 0),
            |p| p.sealed(2, ContentType::ALERT, &[2, 40], 0),
            |_| record(23, b"not a record that opens"),
            |_| b"EHLO plaintext after TLS\r\n".to_vec(),
        ];
        for (i, tail) in tails.into_iter().enumerate() {
            for separate in [false, true] {
                let mut p = Probe::new(side);
                let mut wire = p.sealed(0, ContentType::APPLICATION_DATA, b"last", 0);
                wire.extend(p.sealed(1, ContentType::ALERT, &[1, 0], 0));
                let tail = tail(&p);
                if separate {
                    p.receive(&wire).unwrap();
                    p.receive(&tail)
                } else {
                    wire.extend_from_slice(&tail);
                    p.receive(&wire)
                }
                .unwrap_or_else(|e| panic!("{side:?} case {i}, separate {separate}: {e}"));
                let conn = p.conn();
                assert_eq!(conn.received_data(), b"last", "{side:?} case {i}");
                let mut closed = false;
                while let Some(e) = conn.next_event() {
                    closed |= matches!(e, tls13::Event::Closed(tls13::CloseKind::CloseNotify));
                }
                assert!(closed, "{side:?} case {i}");
                assert!(conn.pending_output().is_empty(), "no alert after the close");
                assert!(!conn.wants_read());
                assert_eq!(conn.receive_eof(), Ok(()), "{side:?} case {i}");
            }
        }
    }
}

/// Data and close_notify in one receive: the data is delivered, then the
/// close; the stream ends cleanly.
#[test]
fn data_then_close_notify_is_clean() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let mut wire = p.sealed(0, ContentType::APPLICATION_DATA, b"last words", 0);
        wire.extend(p.sealed(1, ContentType::ALERT, &[1, 0], 0));
        p.receive(&wire).unwrap();
        let mut events = Vec::new();
        while let Some(e) = p.conn().next_event() {
            events.push(e);
        }
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(p.conn().received_data(), b"last words");
        assert!(matches!(
            events[0],
            tls13::Event::Closed(tls13::CloseKind::CloseNotify)
        ));
        assert_eq!(p.conn().receive_eof(), Ok(()));
    }
}

/// Data that authenticated before a record that does not is kept: the
/// error is reported and the good bytes stay readable, in order.
#[test]
fn data_before_a_forged_record_stays_readable() {
    for side in SIDES {
        let mut p = Probe::new(side);
        let mut wire = p.sealed(0, ContentType::APPLICATION_DATA, b"good ", 0);
        wire.extend(p.sealed(1, ContentType::APPLICATION_DATA, b"bytes", 0));
        let mut forged = p.sealed(2, ContentType::APPLICATION_DATA, b"forged", 0);
        let last = forged.len() - 1;
        forged[last] ^= 1;
        wire.extend(forged);
        assert_eq!(p.receive(&wire), Err(Error::DecryptFailed));
        assert_eq!(p.conn().received_data(), b"good bytes");
        p.conn().consume_received_data(5);
        assert_eq!(p.conn().received_data(), b"bytes");
    }
}

/// §6: every alert but close_notify (and the tolerated user_canceled) ends
/// the connection whatever its level, unknown ones included; nothing is
/// sent back after it (§6.2).
#[test]
fn warning_and_unknown_alerts_are_fatal() {
    for side in SIDES {
        for (level, desc) in [(1u8, 112u8), (1, 0xfe), (2, 0xfe), (3, 40)] {
            let mut p = Probe::new(side);
            let rec = p.sealed(0, ContentType::ALERT, &[level, desc], 0);
            let err = Error::AlertReceived(AlertDescription(desc));
            assert_eq!(p.receive(&rec), Err(err.clone()));
            assert_eq!(err.alert(), None);
            assert!(p.conn().pending_output().is_empty(), "{side:?}");
        }
    }
}

// ---- fragments, change_cipher_spec and unprotected alerts (RFC 9846 §5.1, §6) ----

/// RFC 9846 §5.1: "if a handshake message is split over two or more
/// records, there MUST NOT be any other records between them" — a
/// change_cipher_spec, allowed on its own during the handshake, included.
#[test]
fn change_cipher_spec_between_fragments_of_a_handshake_message_is_unexpected() {
    let mut m = Mitm::new();
    let ch = m.take_client();
    m.server.receive(&ch).unwrap();
    let out = m.take_server();
    // The ServerHello record's payload, in two records with a CCS between.
    let recs = records(&out);
    let (typ, sh) = &recs[0];
    assert_eq!(*typ, 22);
    let mut wire = record(22, &sh[..10]);
    wire.extend(record(20, &[1]));
    wire.extend(record(22, &sh[10..]));
    assert_eq!(
        m.client.receive(&wire),
        Err(PeerMisbehaved::InterleavedHandshake.into())
    );
    assert_eq!(
        alert_on_wire(&m.take_client(), None, 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

/// The client has the server's handshake key but has opened nothing under
/// it yet: a plaintext alert may still be the server's (one that failed
/// before switching keys), so it is reported as the error it names. But it
/// is unauthenticated: close_notify is never a clean close, user_canceled
/// never a tolerated warning. Nothing is sent back (RFC 9846 §6.2).
#[test]
fn unprotected_close_notify_after_protection_is_never_a_clean_close() {
    for desc in [
        AlertDescription::CLOSE_NOTIFY,
        AlertDescription::USER_CANCELED,
        AlertDescription::HANDSHAKE_FAILURE,
    ] {
        let mut m = Mitm::new();
        let flight = m.server_flight();
        let mut wire = flight.plain.clone();
        let mut alert = plain_alert(desc);
        alert[5] = 1; // warning level, as close_notify is sent
        wire.extend(alert);
        assert_eq!(
            m.client.receive(&wire),
            Err(Error::AlertReceived(desc)),
            "{desc:?}"
        );
        let mut closed = false;
        while let Some(e) = m.client.next_event() {
            closed |= matches!(e, tls13::Event::Closed(_));
        }
        assert!(
            !closed,
            "{desc:?}: an unprotected alert closed the connection"
        );
        // At most the client's own change_cipher_spec: no alert, plain or
        // protected, answers an alert.
        let out = m.take_client();
        assert!(
            records(&out).iter().all(|(typ, _)| *typ == 20),
            "{desc:?}: no alert answers an alert"
        );
        assert_eq!(m.client.send(b"x"), Err(Error::AlertReceived(desc)));
    }
}

/// Once a record from the peer opened under protection, the peer has our
/// keys: a plaintext alert is an unexpected record (RFC 9846 §5.1, §6:
/// alerts "are encrypted as specified by the current connection state"),
/// on the client (after the server's EncryptedExtensions) and on the
/// server (after a protected user_canceled from the client), handshake
/// not yet complete on either.
#[test]
fn unprotected_alert_after_a_protected_record_is_unexpected() {
    // Client.
    let mut m = Mitm::new();
    let flight = m.server_flight();
    m.deliver_to_client(&flight.plain, &flight.messages[..1])
        .unwrap();
    assert!(m.client.is_handshaking());
    assert_eq!(
        m.client
            .receive(&plain_alert(AlertDescription::CLOSE_NOTIFY)),
        Err(PeerMisbehaved::UnexpectedMessage {
            got: "unprotected record",
            expected: "protected record",
        }
        .into())
    );
    assert_eq!(
        alert_on_wire(&m.take_client(), Some(&m.secrets.get(C_HS)), 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );

    // Server.
    let mut m = Mitm::new();
    let ch = m.take_client();
    m.server.receive(&ch).unwrap();
    let _ = m.take_server();
    let c_hs = m.secrets.get(C_HS);
    let warning = seal(&c_hs, 0, ContentType::ALERT, &[1, 90], 0);
    m.server.receive(&warning).unwrap();
    assert!(m.server.is_handshaking());
    let mut alert = plain_alert(AlertDescription::CLOSE_NOTIFY);
    alert[5] = 1;
    assert_eq!(
        m.server.receive(&alert),
        Err(PeerMisbehaved::UnexpectedMessage {
            got: "unprotected record",
            expected: "protected record",
        }
        .into())
    );
    assert_eq!(
        alert_on_wire(&m.take_server(), Some(&m.secrets.get(S_AP)), 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

/// A client that could not process the ServerHello has no keys and alerts
/// in plaintext: the server, which reads under the client's handshake key
/// by then, reports the alert as the error (RFC 9846 §6; OpenSSL and
/// rustls accept it there too) and does not answer it.
#[test]
fn server_reports_plaintext_alert_of_a_client_without_keys() {
    let mut m = Mitm::new();
    let ch = m.take_client();
    m.server.receive(&ch).unwrap();
    let _ = m.take_server();
    assert_eq!(
        m.server
            .receive(&plain_alert(AlertDescription::ILLEGAL_PARAMETER)),
        Err(Error::AlertReceived(AlertDescription::ILLEGAL_PARAMETER))
    );
    assert!(m.take_server().is_empty());
}
