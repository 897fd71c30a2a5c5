//! Resource bounds (`config::Limits`): each limit triggers with its error
//! and alert when the peer crosses it, not before, and the defaults are the
//! documented safe values on both sides.

mod forge;
mod pair;

use std::sync::Arc;

use forge::*;
use pair::{client_builder, identity, server_builder};
use tls13::config::Limits;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, Error, PeerMisbehaved};
use tls13::unstable::key_schedule::next_traffic_secret;
use tls13::unstable::msgs::enums::{AlertDescription, ContentType};
use tls13::{
    ClientAuth, ClientHelloInfo, Connection, Decision, PinnedClientCertVerifier,
    ResolvesServerCert, ServerConnection,
};

#[test]
fn defaults_are_the_documented_safe_values() {
    let d = Limits::default();
    assert_eq!(d.max_empty_records, 32);
    assert_eq!(d.max_warning_alerts, 32);
    assert_eq!(d.max_key_updates, 32);
    assert_eq!(d.max_change_cipher_specs, 32);
    assert_eq!(d.max_handshake_message, 65536);
    assert_eq!(d.max_certificate_chain, 10);
    assert_eq!(d.max_buffered_data, 1 << 20);
    assert_eq!(d.max_suspended_input, 128 * 1024);
    assert_eq!(d.max_extensions, 256);
    assert_eq!(d.max_key_shares, 16);
    assert_eq!(d.max_psk_identities, 16);
    assert_eq!(d.max_list_entries, 512);
    assert_eq!(*client_builder(KEY).build().unwrap().limits(), d);
    assert_eq!(*server_builder(KEY).build().unwrap().limits(), d);
}

#[test]
fn unusable_limits_are_config_errors() {
    for l in [
        Limits {
            max_handshake_message: 100,
            ..Limits::default()
        },
        Limits {
            max_certificate_chain: 0,
            ..Limits::default()
        },
        Limits {
            max_extensions: 15,
            ..Limits::default()
        },
        Limits {
            max_key_shares: 0,
            ..Limits::default()
        },
        Limits {
            max_psk_identities: 0,
            ..Limits::default()
        },
        Limits {
            max_list_entries: 15,
            ..Limits::default()
        },
    ] {
        assert!(matches!(
            client_builder(KEY).limits(l).build(),
            Err(Error::BadConfig(_))
        ));
        assert!(matches!(
            server_builder(KEY).limits(l).build(),
            Err(Error::BadConfig(_))
        ));
    }
}

#[derive(Clone, Copy, Debug)]
enum Side {
    Client,
    Server,
}

/// A connected pair with `limits` on both sides; records are forged from
/// the peer of `side` (see `hostile_records.rs`).
struct Probe {
    m: Mitm,
    side: Side,
    seq: u64,
    peer_secret: Vec<u8>,
}

impl Probe {
    fn new(side: Side, limits: Limits) -> Self {
        let m = Mitm::connected_with(|c| c.limits(limits), |s| s.limits(limits));
        let peer_secret = m.secrets.get(match side {
            Side::Client => S_AP,
            Side::Server => C_AP,
        });
        Self {
            m,
            side,
            seq: 0,
            peer_secret,
        }
    }

    fn conn(&mut self) -> &mut Connection {
        match self.side {
            Side::Client => &mut self.m.client,
            Side::Server => &mut self.m.server,
        }
    }

    fn send(&mut self, typ: ContentType, content: &[u8]) -> Result<(), Error> {
        let rec = seal(&self.peer_secret, self.seq, typ, content, 0);
        self.seq += 1;
        self.conn().receive(&rec)
    }

    /// Takes every event and all received application data.
    fn drain(&mut self) {
        while self.conn().next_event().is_some() {}
        let n = self.conn().received_data().len();
        self.conn().consume_received_data(n);
    }

    /// The alert this side sent, under its first application key (it has
    /// sent nothing else under it).
    fn alert(&mut self) -> AlertDescription {
        let own = self.m.secrets.get(match self.side {
            Side::Client => C_AP,
            Side::Server => S_AP,
        });
        let out = self.conn().pending_output().to_vec();
        alert_on_wire(&out, Some(&own), 0)
    }
}

fn small(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

fn too_many(what: &'static str) -> Error {
    PeerMisbehaved::TooMany(what).into()
}

#[test]
fn empty_records() {
    for side in [Side::Client, Side::Server] {
        let mut p = Probe::new(side, small(|l| l.max_empty_records = 3));
        for _ in 0..3 {
            p.send(ContentType::APPLICATION_DATA, b"").unwrap();
        }
        // Data resets the count.
        p.send(ContentType::APPLICATION_DATA, b"x").unwrap();
        for _ in 0..3 {
            p.send(ContentType::APPLICATION_DATA, b"").unwrap();
        }
        assert_eq!(
            p.send(ContentType::APPLICATION_DATA, b""),
            Err(too_many("empty records"))
        );
        assert_eq!(p.alert(), AlertDescription::UNEXPECTED_MESSAGE);
    }
}

#[test]
fn empty_records_default() {
    let mut p = Probe::new(Side::Server, Limits::default());
    for _ in 0..32 {
        p.send(ContentType::APPLICATION_DATA, b"").unwrap();
    }
    assert_eq!(
        p.send(ContentType::APPLICATION_DATA, b""),
        Err(too_many("empty records"))
    );
}

#[test]
fn warning_alerts() {
    let user_canceled = [1, 90];
    for side in [Side::Client, Side::Server] {
        let mut p = Probe::new(side, small(|l| l.max_warning_alerts = 2));
        p.send(ContentType::ALERT, &user_canceled).unwrap();
        p.send(ContentType::ALERT, &user_canceled).unwrap();
        assert_eq!(
            p.send(ContentType::ALERT, &user_canceled),
            Err(too_many("warning alerts"))
        );
        assert_eq!(p.alert(), AlertDescription::UNEXPECTED_MESSAGE);
    }
}

#[test]
fn key_updates() {
    let ku = [24, 0, 0, 1, 0]; // update_not_requested
    let hash = suite().hash;
    for side in [Side::Client, Side::Server] {
        let mut p = Probe::new(side, small(|l| l.max_key_updates = 2));
        for _ in 0..2 {
            p.send(ContentType::HANDSHAKE, &ku).unwrap();
            p.peer_secret = next_traffic_secret(hash, &p.peer_secret).as_ref().to_vec();
            p.seq = 0;
        }
        // Data resets the count; it arrives under the twice-updated key.
        p.send(ContentType::APPLICATION_DATA, b"data").unwrap();
        for _ in 0..2 {
            p.send(ContentType::HANDSHAKE, &ku).unwrap();
            p.peer_secret = next_traffic_secret(hash, &p.peer_secret).as_ref().to_vec();
            p.seq = 0;
        }
        assert_eq!(
            p.send(ContentType::HANDSHAKE, &ku),
            Err(too_many("KeyUpdates without application data"))
        );
        assert_eq!(p.alert(), AlertDescription::UNEXPECTED_MESSAGE);
    }
}

#[test]
fn change_cipher_specs_during_handshake() {
    let limits = small(|l| l.max_change_cipher_specs = 2);
    let mut m = Mitm::with(|c| c.limits(limits), |s| s.limits(limits));
    let ch = m.take_client();
    m.server.receive(&ch).unwrap();
    let _ = m.take_server();
    let ccs = record(20, &[1]);
    m.server.receive(&ccs).unwrap();
    m.server.receive(&ccs).unwrap();
    assert_eq!(
        m.server.receive(&ccs),
        Err(too_many("change_cipher_spec records"))
    );
    let out = m.take_server();
    assert_eq!(
        alert_on_wire(&out, Some(&m.secrets.get(S_AP)), 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

/// The oversized message is refused from its 4-byte header, on either side.
#[test]
fn handshake_message_size() {
    let limits = small(|l| l.max_handshake_message = 4096);
    // Server: a ClientHello announcing 4093 body bytes (4097 in all).
    let mut m = Mitm::with(|c| c.limits(limits), |s| s.limits(limits));
    let _ = m.take_client();
    m.server.receive(&record(22, &[1, 0, 0x0f, 0xfc])).unwrap();
    let mut m = Mitm::with(|c| c.limits(limits), |s| s.limits(limits));
    let _ = m.take_client();
    assert_eq!(
        m.server.receive(&record(22, &[1, 0, 0x0f, 0xfd])),
        Err(PeerMisbehaved::MessageTooLarge {
            len: 4097,
            limit: 4096
        }
        .into())
    );
    assert_eq!(
        alert_on_wire(&m.take_server(), None, 0),
        AlertDescription::ILLEGAL_PARAMETER
    );
    // Client: a Certificate announcing 2^24 - 1 bytes after a real
    // ServerHello, sealed with the real handshake key.
    let mut m = Mitm::with(|c| c.limits(limits), |s| s.limits(limits));
    let mut f = m.server_flight();
    f.messages.truncate(1);
    f.messages.push(vec![11, 0xff, 0xff, 0xff]);
    assert_eq!(
        m.deliver_to_client(&f.plain, &f.messages),
        Err(PeerMisbehaved::MessageTooLarge {
            len: (1 << 24) + 3,
            limit: 4096
        }
        .into())
    );
    assert_eq!(m.client_alert(), AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn handshake_message_size_default() {
    let mut s = ServerConnection::new(Arc::new(server_builder(KEY).build().unwrap())).unwrap();
    s.receive(&record(22, &[1, 0, 0xff, 0xfc])).unwrap();
    let mut s = ServerConnection::new(Arc::new(server_builder(KEY).build().unwrap())).unwrap();
    assert_eq!(
        s.receive(&record(22, &[1, 0, 0xff, 0xfd])),
        Err(PeerMisbehaved::MessageTooLarge {
            len: 65537,
            limit: 65536
        }
        .into())
    );
}

/// The NewSessionTicket exception to `max_handshake_message` (a ticket
/// of 65535 bytes is legal, RFC 9846 §4.7.1) is the client's, after the
/// handshake: the only place a NewSessionTicket may arrive. A server, or
/// a client still in its handshake, refuses a message of that type past
/// the limit from its header, like any other, instead of buffering up to
/// 66 KiB whatever the limit says.
#[test]
fn only_a_connected_client_reads_a_new_session_ticket_past_the_limit() {
    let limits = small(|l| l.max_handshake_message = 4096);
    let huge_ticket_header = [4, 0, 0xff, 0x00]; // 65280 + 4 bytes
    let too_large = Err(PeerMisbehaved::MessageTooLarge {
        len: 0xff00 + 4,
        limit: 4096,
    }
    .into());
    // A server, before the ClientHello and after the handshake.
    let mut m = Mitm::with(|c| c.limits(limits), |s| s.limits(limits));
    let _ = m.take_client();
    assert_eq!(
        m.server.receive(&record(22, &huge_ticket_header)),
        too_large
    );
    let mut p = Probe::new(Side::Server, limits);
    assert_eq!(
        p.send(ContentType::HANDSHAKE, &huge_ticket_header),
        too_large
    );
    assert_eq!(p.alert(), AlertDescription::ILLEGAL_PARAMETER);
    // A client in its handshake, right after the ServerHello.
    let mut m = Mitm::with(|c| c.limits(limits), |s| s.limits(limits));
    let mut f = m.server_flight();
    f.messages.truncate(1);
    f.messages.push(huge_ticket_header.to_vec());
    assert_eq!(m.deliver_to_client(&f.plain, &f.messages), too_large);
    // A connected client waits for the rest.
    let mut p = Probe::new(Side::Client, limits);
    p.send(ContentType::HANDSHAKE, &huge_ticket_header).unwrap();
}

fn long_chain(n: usize) -> Vec<Vec<u8>> {
    let id = identity(KEY);
    let mut chain = vec![id.leaf.clone()];
    chain.resize(n, id.ca.clone());
    chain
}

/// The server's chain is judged by the client's limit.
#[test]
fn server_certificate_chain_length() {
    let limits = small(|l| l.max_certificate_chain = 3);
    let key = || SigningKey::from_der(&identity(KEY).key).unwrap();
    // At the limit: the handshake completes.
    let m = Mitm::connected_with(
        |c| c.limits(limits),
        |_| tls13::ServerConfig::builder_with_single_cert(long_chain(3), key()).suites(&[SUITE]),
    );
    drop(m);
    let mut m = Mitm::with(
        |c| c.limits(limits),
        |_| tls13::ServerConfig::builder_with_single_cert(long_chain(4), key()).suites(&[SUITE]),
    );
    let ch = m.take_client();
    m.server.receive(&ch).unwrap();
    let flight = m.take_server();
    assert_eq!(
        m.client.receive(&flight),
        Err(CertificateError::ChainTooLong { len: 4, limit: 3 }.into())
    );
    assert_eq!(m.client_alert(), AlertDescription::BAD_CERTIFICATE);
}

/// The client's chain is judged by the server's limit.
#[test]
fn client_certificate_chain_length() {
    let limits = small(|l| l.max_certificate_chain = 2);
    let leaf = identity(KEY).leaf.clone();
    let key = || SigningKey::from_der(&identity(KEY).key).unwrap();
    for (n, ok) in [(2, true), (3, false)] {
        let mut m = Mitm::with(
            |c| c.client_auth_cert(long_chain(n), key()),
            |s| {
                s.limits(limits).client_auth(ClientAuth::Required(Arc::new(
                    PinnedClientCertVerifier::new(vec![leaf.clone()]),
                )))
            },
        );
        let ch = m.take_client();
        m.server.receive(&ch).unwrap();
        let flight = m.take_server();
        m.client.receive(&flight).unwrap();
        let fin = m.take_client();
        let r = m.server.receive(&fin);
        if ok {
            r.unwrap();
            continue;
        }
        assert_eq!(
            r,
            Err(CertificateError::ChainTooLong { len: 3, limit: 2 }.into())
        );
        let out = m.take_server();
        assert_eq!(
            alert_on_wire(&out, Some(&m.secrets.get(S_AP)), 0),
            AlertDescription::BAD_CERTIFICATE
        );
    }
}

/// `max_buffered_data` is backpressure, not an error: past it the
/// connection still takes (and decrypts) everything it is given, and
/// `wants_read()` tells the driver to stop reading until the application
/// drains; nothing is refused, no alert is sent.
#[test]
fn buffered_data_turns_off_wants_read_and_never_fails() {
    for side in [Side::Client, Side::Server] {
        let mut p = Probe::new(side, small(|l| l.max_buffered_data = 1000));
        // Taken as it arrives: no limit applies to the total.
        for _ in 0..10 {
            p.send(ContentType::APPLICATION_DATA, &[1; 600]).unwrap();
            assert!(p.conn().wants_read());
            p.drain();
        }
        p.send(ContentType::APPLICATION_DATA, &[2; 600]).unwrap();
        assert!(p.conn().wants_read());
        p.send(ContentType::APPLICATION_DATA, &[3; 400]).unwrap();
        assert!(!p.conn().wants_read(), "{side:?}: at the limit");
        for _ in 0..20 {
            p.send(ContentType::APPLICATION_DATA, &[4; 600]).unwrap();
        }
        assert!(p.conn().pending_output().is_empty(), "{side:?}: no alert");
        let mut want = vec![2; 600];
        want.extend([3; 400]);
        want.extend([4; 12_000]);
        assert_eq!(p.conn().received_data(), &want[..]);
        p.drain();
        assert!(p.conn().wants_read());
    }
}

/// A certificate selection that never answers.
struct Never;
impl ResolvesServerCert for Never {
    fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<tls13::CertifiedKey>, Error>> {
        Decision::Deferred
    }
}

#[test]
fn input_while_suspended() {
    let limits = small(|l| l.max_suspended_input = 1000);
    let mut m = Mitm::with(
        |c| c,
        |_| tls13::ServerConfig::builder(Arc::new(Never)).limits(limits),
    );
    let ch = m.take_client();
    assert!(m.server.wants_read());
    m.server.receive(&ch).unwrap();
    // Suspended: a driver stops reading (backpressure); one that goes on
    // meets the limit.
    assert!(!m.server.wants_read());
    m.server.receive(&[0x17; 1000]).unwrap();
    assert_eq!(
        m.server.receive(&[0x17]),
        Err(too_many("bytes received while a decision is pending"))
    );
    assert_eq!(
        alert_on_wire(&m.take_server(), None, 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

// ---- lists in a peer's messages (issue 11 #4) ----

use tls13::error::InvalidMessage;
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{CipherSuite, ExtensionType, NamedGroup, SignatureScheme};
use tls13::unstable::msgs::handshake::{
    CertReqExtension, CertificateEntry, CertificatePayload, CertificateRequest, ClientExtension,
    ClientHello, HandshakeMessage, KeyShareEntry, OfferedPsks, PskIdentity, ServerExtension,
    UnknownExtension,
};

fn too_long(what: &'static str, limit: usize) -> Error {
    InvalidMessage::ListTooLong { what, limit }.into()
}

/// A real client's first ClientHello (X25519 only, as `Mitm` offers).
fn real_hello() -> ClientHello {
    let mut m = Mitm::new();
    let out = m.take_client();
    let HandshakeMessage::ClientHello(ch) = parse(&records(&out)[0].1) else {
        panic!("not a ClientHello")
    };
    ch
}

/// The records of a handshake message of any size (2^14 bytes each).
fn hs_records(msg: &[u8]) -> Vec<u8> {
    msg.chunks(16384).flat_map(|c| record(22, c)).collect()
}

fn unknown_ext(i: usize) -> ClientExtension {
    ClientExtension::Unknown(UnknownExtension {
        typ: ExtensionType(0x4000 + i as u16),
        body: vec![],
    })
}

/// Makes one list of `ch` `n` entries long (the real entries kept).
fn lengthen(ch: &mut ClientHello, list: &str, n: usize) {
    let code = |i: usize| 0x4000 + i as u16;
    match list {
        "cipher_suites" => {
            let real = ch.cipher_suites.len();
            ch.cipher_suites
                .extend((real..n).map(|i| CipherSuite(code(i))));
        }
        "ClientHello extensions" => {
            let real = ch.extensions.len();
            ch.extensions.splice(0..0, (real..n).map(unknown_ext));
        }
        "psk identities" => ch
            .extensions
            .push(ClientExtension::PreSharedKey(OfferedPsks {
                identities: (0..n as u32)
                    .map(|i| PskIdentity {
                        identity: i.to_be_bytes().to_vec(),
                        obfuscated_ticket_age: i,
                    })
                    .collect(),
                binders: vec![vec![7; 32]; n],
            })),
        "ALPN protocol list" => ch
            .extensions
            .insert(0, ClientExtension::Alpn(vec![b"x".to_vec(); n])),
        "certificate_authorities" => ch.extensions.insert(
            0,
            ClientExtension::CertificateAuthorities(vec![vec![0x30, 0]; n]),
        ),
        "client_shares" | "supported_groups" | "signature_algorithms" => {
            for e in &mut ch.extensions {
                match e {
                    ClientExtension::KeyShare(k) if list == "client_shares" => {
                        let real = k.len();
                        k.extend((real..n).map(|i| KeyShareEntry {
                            group: NamedGroup(code(i)),
                            payload: vec![1],
                        }));
                    }
                    // Every share's group is offered (§4.3.8), so that a
                    // list at the limit is otherwise valid (hostile
                    // lengths leave the groups alone).
                    ClientExtension::SupportedGroups(g) if list == "client_shares" && n <= 64 => {
                        g.extend((1..n).map(|i| NamedGroup(code(i))));
                    }
                    ClientExtension::SupportedGroups(g) if list == "supported_groups" => {
                        let real = g.len();
                        g.extend((real..n).map(|i| NamedGroup(code(i))));
                    }
                    ClientExtension::SignatureAlgorithms(s) if list == "signature_algorithms" => {
                        let real = s.len();
                        s.extend((real..n).map(|i| SignatureScheme(code(i))));
                    }
                    _ => {}
                }
            }
        }
        other => panic!("no list {other}"),
    }
}

/// Each list of a ClientHello may be as long as its limit and not one
/// entry longer: at the limit the server answers, past it the hello is
/// refused with the list's name, the limit and illegal_parameter, while
/// it is parsed.
#[test]
fn client_hello_lists_are_bounded_by_limits() {
    let limits = small(|l| {
        l.max_extensions = 20;
        l.max_key_shares = 3;
        l.max_psk_identities = 2;
        l.max_list_entries = 40;
    });
    for (list, limit) in [
        ("ClientHello extensions", 20),
        ("client_shares", 3),
        ("psk identities", 2),
        ("cipher_suites", 40),
        ("supported_groups", 40),
        ("signature_algorithms", 40),
        ("ALPN protocol list", 40),
        ("certificate_authorities", 40),
    ] {
        for (n, ok) in [(limit, true), (limit + 1, false)] {
            let mut ch = real_hello();
            lengthen(&mut ch, list, n);
            let wire = hs_records(&HandshakeMessage::ClientHello(ch).to_bytes());
            let mut s = tls13::ServerConnection::new(Arc::new(
                server_builder(KEY)
                    .suites(&[SUITE])
                    .limits(limits)
                    .build()
                    .unwrap(),
            ))
            .unwrap();
            let r = s.receive(&wire);
            if ok {
                assert_eq!(r, Ok(()), "{list} at its limit {limit}");
                continue;
            }
            assert_eq!(r, Err(too_long(list, limit)), "{list} past {limit}");
            assert_eq!(
                alert_on_wire(s.pending_output(), None, 0),
                AlertDescription::ILLEGAL_PARAMETER
            );
        }
    }
}

/// The hello (6400 key shares, each for one of 16000 groups, in a
/// 64 KiB message) and the other lists at the largest size a 64 KiB
/// hello holds: with the default limits each is refused while parsed, at
/// the list's limit, with illegal_parameter, before any key share is
/// looked at or a ServerHello is built. (What that costs in time is the
/// bench row `hs-hostile-clienthello`.)
#[test]
fn hostile_client_hello_lists_are_refused_in_bounded_work() {
    let d = Limits::default();
    // The hello: its supported_groups comes first and is refused
    // first.
    let mut ch = real_hello();
    lengthen(&mut ch, "client_shares", 6400);
    lengthen(&mut ch, "supported_groups", 16_000);
    let msg = HandshakeMessage::ClientHello(ch).to_bytes();
    assert!(msg.len() > 60_000 && msg.len() <= 65_536, "{}", msg.len());
    let mut s = tls13::ServerConnection::new(Arc::new(
        server_builder(KEY).suites(&[SUITE]).build().unwrap(),
    ))
    .unwrap();
    assert_eq!(
        s.receive(&hs_records(&msg)),
        Err(too_long("supported_groups", d.max_list_entries))
    );
    // Then each list alone.
    let cases: Vec<(&str, usize, usize)> = vec![
        ("client_shares", 12_000, d.max_key_shares),
        ("supported_groups", 31_900, d.max_list_entries),
        ("cipher_suites", 31_900, d.max_list_entries),
        ("signature_algorithms", 31_900, d.max_list_entries),
        ("ClientHello extensions", 15_900, d.max_extensions),
        ("ALPN protocol list", 31_900, d.max_list_entries),
        ("certificate_authorities", 15_000, d.max_list_entries),
        ("psk identities", 1_500, d.max_psk_identities),
    ];
    for (list, n, limit) in cases {
        let mut ch = real_hello();
        lengthen(&mut ch, list, n);
        let msg = HandshakeMessage::ClientHello(ch).to_bytes();
        assert!(
            msg.len() > 40_000 && msg.len() <= 65_536,
            "{list}: {}",
            msg.len()
        );
        let mut s = tls13::ServerConnection::new(Arc::new(
            server_builder(KEY).suites(&[SUITE]).build().unwrap(),
        ))
        .unwrap();
        assert_eq!(
            s.receive(&hs_records(&msg)),
            Err(too_long(list, limit)),
            "{list}"
        );
        let out = s.pending_output().to_vec();
        assert_eq!(records(&out).len(), 1, "{list}: only the alert is sent");
        assert_eq!(
            alert_on_wire(&out, None, 0),
            AlertDescription::ILLEGAL_PARAMETER
        );
    }
}

/// The client bounds the server's lists the same way: EncryptedExtensions
/// (its extension count, a supported_groups list), CertificateRequest
/// (certificate_authorities) and the Certificate's entries.
#[test]
fn server_message_lists_are_bounded_by_limits() {
    let limits = small(|l| {
        l.max_extensions = 16;
        l.max_list_entries = 30;
    });
    type Edit = Box<dyn Fn(&mut Vec<Vec<u8>>)>;
    type EditEe = Box<dyn Fn(&mut Vec<ServerExtension>)>;
    let ee = |f: EditEe| -> Edit {
        Box::new(move |m: &mut Vec<Vec<u8>>| {
            let HandshakeMessage::EncryptedExtensions(mut exts) = parse(&m[0]) else {
                panic!()
            };
            f(&mut exts);
            m[0] = HandshakeMessage::EncryptedExtensions(exts).to_bytes();
        })
    };
    let cases: Vec<(Edit, &str, usize)> = vec![
        (
            ee(Box::new(|e| {
                e.extend((0..17).map(|i| {
                    ServerExtension::Unknown(UnknownExtension {
                        typ: ExtensionType(0x4000 + i),
                        body: vec![],
                    })
                }))
            })),
            "EncryptedExtensions",
            16,
        ),
        (
            ee(Box::new(|e| {
                e.push(ServerExtension::SupportedGroups(
                    (0..31).map(|i| NamedGroup(0x4000 + i)).collect(),
                ))
            })),
            "supported_groups",
            30,
        ),
        (
            Box::new(|m: &mut Vec<Vec<u8>>| {
                let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
                    context: vec![],
                    extensions: vec![
                        CertReqExtension::SignatureAlgorithms(vec![
                            SignatureScheme::ECDSA_SECP256R1_SHA256,
                        ]),
                        CertReqExtension::CertificateAuthorities(vec![vec![0x30, 0]; 31]),
                    ],
                });
                m.insert(1, cr.to_bytes());
            }),
            "certificate_authorities",
            30,
        ),
        (
            Box::new(|m: &mut Vec<Vec<u8>>| {
                let c = HandshakeMessage::Certificate(CertificatePayload {
                    context: vec![],
                    entries: vec![
                        CertificateEntry {
                            data: vec![0x30, 0],
                            extensions: vec![],
                        };
                        31
                    ],
                });
                m[1] = c.to_bytes();
            }),
            "certificate_list",
            30,
        ),
    ];
    for (edit, list, limit) in cases {
        let mut m = Mitm::with(|c| c.limits(limits), |s| s);
        let mut f = m.server_flight();
        edit(&mut f.messages);
        assert_eq!(
            m.client.receive(&{
                let mut wire = f.plain.clone();
                wire.extend(seal(
                    &m.secrets.get(S_HS),
                    0,
                    ContentType::HANDSHAKE,
                    &f.messages.concat(),
                    0,
                ));
                wire
            }),
            Err(too_long(list, limit)),
            "{list}"
        );
        assert_eq!(
            m.client_alert(),
            AlertDescription::ILLEGAL_PARAMETER,
            "{list}"
        );
    }
}
