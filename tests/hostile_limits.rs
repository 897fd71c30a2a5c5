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
use tls13::key_schedule::next_traffic_secret;
use tls13::msgs::enums::{AlertDescription, ContentType};
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
