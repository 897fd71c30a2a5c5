//! The sans-IO `Acceptor`: reading the ClientHello before choosing the
//! server config must not change the handshake (same server bytes as a
//! connection configured up front), must cope with any split of the
//! input, shows the resolver's view of the ClientHello, and rejects a
//! first flight that is not a ClientHello with the alert queued.

use std::sync::{Arc, Mutex, OnceLock};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::conn::accept::Acceptor;
use tls13::crypto::sign::SigningKey;
use tls13::crypto::{OsRandom, SecureRandom};
use tls13::error::PeerMisbehaved;
use tls13::verify::{CertifiedKey, Decision};
use tls13::{
    ClientConfig, ClientConnection, ClientHelloInfo, Connection, Error, Event, PinnedCertVerifier,
    ResolvesServerCert, ServerConfig, ServerConnection,
};

struct Identity {
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let rng = OsRandom;
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("acceptor CA", &key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
        let leaf = ca
            .issue(
                &[SubjectAltName::Dns("svc.example".into())],
                &key,
                1_700_000_000,
                2_600_000_000,
                &rng,
            )
            .unwrap();
        Identity {
            leaf,
            key: key.to_vec(),
        }
    })
}

/// A deterministic random source: a counter, so two servers built with
/// fresh instances draw the same bytes.
struct CounterRandom(Mutex<u8>);

impl SecureRandom for CounterRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut c = self.0.lock().unwrap();
        for b in dest {
            *c = c.wrapping_add(1);
            *b = *c;
        }
        Ok(())
    }
}

fn server_config(deterministic: bool) -> Arc<ServerConfig> {
    let id = identity();
    let mut b = ServerConfig::builder_with_single_cert(
        vec![id.leaf.clone()],
        if deterministic {
            tls13::crypto::rustcrypto::provider().load_private_key(&id.key)
        } else {
            SigningKey::from_der(&id.key)
        }
        .unwrap(),
    )
    .alpn_protocols(&[b"http/1.1"]);
    if deterministic {
        // Byte-for-byte comparisons need a signer that draws only from
        // the scripted source: RustCrypto's (graviola's ECDSA hedges its
        // nonces with the operating system's randomness).
        b = b
            .rng(Arc::new(CounterRandom(Mutex::new(7))))
            .provider(tls13::crypto::rustcrypto::provider());
    }
    Arc::new(b.build().unwrap())
}

fn client() -> ClientConnection {
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(identity().leaf.clone())))
        .alpn_protocols(&[b"h2", b"http/1.1"])
        .build()
        .unwrap();
    ClientConnection::new(Arc::new(config), "svc.example").unwrap()
}

/// Moves bytes both ways until neither side has output; panics on error.
fn pump(client: &mut Connection, server: &mut Connection) {
    for _ in 0..20 {
        let c = client.pending_output().to_vec();
        client.consume_output(c.len());
        if !c.is_empty() {
            server.receive(&c).unwrap();
        }
        let s = server.pending_output().to_vec();
        server.consume_output(s.len());
        if !s.is_empty() {
            client.receive(&s).unwrap();
        }
        if c.is_empty() && s.is_empty() {
            return;
        }
    }
    panic!("no quiescence");
}

fn exchange(mut client: ClientConnection, mut server: ServerConnection) {
    pump(&mut client, &mut server);
    assert!(!client.is_handshaking() && !server.is_handshaking());
    client.send(b"ping").unwrap();
    pump(&mut client, &mut server);
    assert_eq!(server.received_data(), b"ping");
    assert_eq!(server.negotiated().alpn.as_deref(), Some(&b"http/1.1"[..]));
}

#[test]
fn lazy_server_sends_exactly_what_an_eager_one_sends() {
    let client = client();
    let flight = client.pending_output().to_vec();

    let mut eager = ServerConnection::new(server_config(true)).unwrap();
    eager.receive(&flight).unwrap();

    let mut acceptor = Acceptor::new();
    // One byte at a time: the ClientHello is there only with the last one.
    let (last, head) = flight.split_last().unwrap();
    for b in head {
        acceptor.receive(std::slice::from_ref(b)).unwrap();
        assert!(acceptor.client_hello().is_none());
    }
    acceptor.receive(std::slice::from_ref(last)).unwrap();
    assert!(acceptor.client_hello().is_some());
    let lazy = acceptor.accept(server_config(true)).unwrap();

    assert!(!eager.pending_output().is_empty());
    assert_eq!(lazy.pending_output(), eager.pending_output());
    assert!(acceptor.pending_output().is_empty());
    // One connection per acceptor: the input now belongs to `lazy`.
    assert!(matches!(
        acceptor.accept(server_config(true)),
        Err(Error::BadConfig(_))
    ));
    assert!(matches!(acceptor.receive(b"x"), Err(Error::BadConfig(_))));
}

#[test]
fn client_hello_fragmented_over_records_then_a_full_handshake() {
    let client = client();
    let flight = client.pending_output().to_vec();
    // One plaintext record (§5.1); re-frame its payload in 100-byte records.
    assert_eq!(flight[0], 22);
    let len = u16::from_be_bytes([flight[3], flight[4]]) as usize;
    assert_eq!(flight.len(), 5 + len, "one record");
    let mut reframed = Vec::new();
    for chunk in flight[5..].chunks(100) {
        reframed.extend_from_slice(&flight[..3]);
        reframed.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        reframed.extend_from_slice(chunk);
    }
    assert!(reframed.len() > flight.len() + 5);

    let mut acceptor = Acceptor::new();
    acceptor.receive(&reframed).unwrap();
    let info = acceptor.client_hello().unwrap();
    assert_eq!(info.server_name.as_deref(), Some("svc.example"));
    assert_eq!(info.alpn, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    let hello = acceptor.client_hello_message().unwrap();
    assert!(!hello.cipher_suites.is_empty());

    let server = acceptor.accept(server_config(false)).unwrap();
    // The client already "sent" its flight; drop it from its output.
    let mut client = client;
    let n = client.pending_output().len();
    client.consume_output(n);
    exchange(client, server);
}

/// A resolver that defers, so the engine shows its view of the
/// ClientHello in `Event::SelectCertificate`.
struct Deferring;
impl ResolvesServerCert for Deferring {
    fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        Decision::Deferred
    }
}

#[test]
fn acceptor_view_equals_the_resolvers_view() {
    let client = client();
    let flight = client.pending_output().to_vec();
    let mut acceptor = Acceptor::new();
    acceptor.receive(&flight).unwrap();
    let config = Arc::new(ServerConfig::builder(Arc::new(Deferring)).build().unwrap());
    let mut server = acceptor.accept(config).unwrap();
    let seen = std::iter::from_fn(|| server.next_event())
        .find_map(|e| match e {
            Event::SelectCertificate(info) => Some(info),
            _ => None,
        })
        .expect("the resolver deferred");
    assert_eq!(Some(&seen), acceptor.client_hello());
}

fn assert_fatal_alert(out: &[u8], description: u8) {
    assert_eq!(out.len(), 7, "one alert record: {out:02x?}");
    assert_eq!(out[0], 21, "content type alert");
    assert_eq!(&out[5..], &[2, description], "fatal, {description}");
}

#[test]
fn a_first_message_other_than_client_hello_is_rejected() {
    // A handshake record holding a Finished (type 20) with 32 bytes.
    let mut rec = vec![22, 3, 1, 0, 36, 20, 0, 0, 32];
    rec.extend_from_slice(&[0u8; 32]);
    let mut acceptor = Acceptor::new();
    let err = acceptor.receive(&rec).unwrap_err();
    assert!(
        matches!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
        ),
        "{err}"
    );
    assert_fatal_alert(acceptor.pending_output(), 10);
    // Sticky, and the alert goes out once.
    let n = acceptor.pending_output().len();
    acceptor.consume_output(n);
    assert_eq!(acceptor.receive(b"more").unwrap_err(), err);
    assert!(acceptor.pending_output().is_empty());
    assert!(acceptor.accept(server_config(false)).is_err());
}

#[test]
fn application_data_before_the_client_hello_is_rejected() {
    let mut acceptor = Acceptor::new();
    let err = acceptor.receive(&[23, 3, 3, 0, 3, 1, 2, 3]).unwrap_err();
    assert!(matches!(err, Error::PeerMisbehaved(_)), "{err}");
    assert_fatal_alert(acceptor.pending_output(), 10);
}

#[test]
fn not_tls_is_rejected_with_an_alert() {
    let mut acceptor = Acceptor::new();
    let err = acceptor.receive(b"GET / HTTP/1.1\r\n\r\n").unwrap_err();
    assert!(err.alert().is_some(), "{err}");
    assert_eq!(acceptor.pending_output().first(), Some(&21));
}

#[test]
fn eof_before_the_client_hello_is_a_truncation() {
    let client = client();
    let flight = client.pending_output().to_vec();
    let mut acceptor = Acceptor::new();
    acceptor.receive(&flight[..10]).unwrap();
    assert_eq!(acceptor.receive_eof(), Err(Error::UnexpectedEof));
}

#[test]
fn accept_needs_a_client_hello() {
    let mut acceptor = Acceptor::new();
    assert!(matches!(
        acceptor.accept(server_config(false)),
        Err(Error::BadConfig(_))
    ));
}

#[test]
fn input_kept_before_accept_is_bounded() {
    let client = client();
    let flight = client.pending_output().to_vec();
    let mut acceptor = Acceptor::new();
    acceptor.receive(&flight).unwrap();
    let junk = vec![0u8; 64 * 1024];
    let err = (0..16)
        .find_map(|_| acceptor.receive(&junk).err())
        .expect("a bound under 1 MiB");
    assert!(
        matches!(err, Error::PeerMisbehaved(PeerMisbehaved::TooMany(_))),
        "{err}"
    );
    assert!(!acceptor.pending_output().is_empty());
}

#[test]
fn a_rejected_client_hello_leaves_the_alert_in_the_acceptor() {
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(identity().leaf.clone())))
        .alpn_protocols(&[b"h2"])
        .build()
        .unwrap();
    let client = ClientConnection::new(Arc::new(config), "svc.example").unwrap();
    let mut acceptor = Acceptor::new();
    acceptor.receive(client.pending_output()).unwrap();
    // The server speaks only http/1.1: no_application_protocol (120).
    let Err(err) = acceptor.accept(server_config(false)) else {
        panic!("accepted without a common ALPN protocol");
    };
    assert!(matches!(err, Error::PeerIncompatible(_)), "{err}");
    assert_fatal_alert(acceptor.pending_output(), 120);
}
