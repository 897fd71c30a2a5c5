//! What the drivers hand the application, with the peer's records forged
//! (see `forge`) and fed through in-memory transports: every byte that
//! authenticated is read, in order, before an error that came after it;
//! a clean close stays clean whatever follows it; and a connection that
//! keeps no unread data (`Limits::max_buffered_data` 0) still reads.

mod forge;
mod pair;

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use forge::*;
use tls13::config::Limits;
use tls13::stream::Stream;
use tls13::unstable::msgs::enums::ContentType;
use tls13::{ClientConnection, Error};

/// A transport that returns the given chunks, one per read, then end of
/// file; what is written goes to `written`.
struct Script {
    chunks: VecDeque<Vec<u8>>,
    written: Vec<u8>,
}

impl Script {
    fn new(chunks: Vec<Vec<u8>>) -> Self {
        Self {
            chunks: chunks.into(),
            written: Vec::new(),
        }
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut chunk) = self.chunks.pop_front() else {
            return Ok(0);
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        if n < chunk.len() {
            self.chunks.push_front(chunk.split_off(n));
        }
        Ok(n)
    }
}

impl Write for Script {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A connected client, and the server's application traffic secret.
fn client() -> (ClientConnection, Vec<u8>) {
    let m = Mitm::connected();
    let s_ap = m.secrets.get(S_AP);
    (m.client, s_ap)
}

fn tls_error(e: &io::Error) -> Option<&Error> {
    e.get_ref().and_then(|i| i.downcast_ref::<Error>())
}

/// Two records that authenticate, then one that does not, arriving in one
/// transport read: the application reads both records' bytes, in order,
/// and only then the error (the connection's data stays readable after
/// it, `Connection::received_data`; a driver that reported the error
/// first would lose them for every reader that stops at an error, as
/// `read_to_end` does).
#[test]
fn blocking_reader_gets_data_authenticated_before_an_error_first() {
    let (conn, s) = client();
    let mut wire = seal(&s, 0, ContentType::APPLICATION_DATA, b"good ", 0);
    wire.extend(seal(&s, 1, ContentType::APPLICATION_DATA, b"bytes", 0));
    let mut forged = seal(&s, 2, ContentType::APPLICATION_DATA, b"forged", 0);
    let last = forged.len() - 1;
    forged[last] ^= 1;
    wire.extend(forged);
    let mut tls = Stream::new(conn, Script::new(vec![wire]));
    let mut got = Vec::new();
    let err = tls.read_to_end(&mut got).unwrap_err();
    assert_eq!(got, b"good bytes");
    assert_eq!(tls_error(&err), Some(&Error::DecryptFailed), "{err}");
    // The error stays, and the alert went out.
    let err = tls.read(&mut [0; 8]).unwrap_err();
    assert_eq!(tls_error(&err), Some(&Error::DecryptFailed));
    assert!(!tls.get_ref().0.written.is_empty(), "bad_record_mac sent");
}

/// The same through the tokio driver.
#[tokio::test]
async fn async_reader_gets_data_authenticated_before_an_error_first() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (conn, s) = client();
    let mut wire = seal(&s, 0, ContentType::APPLICATION_DATA, b"good ", 0);
    wire.extend(seal(&s, 1, ContentType::APPLICATION_DATA, b"bytes", 0));
    let mut forged = seal(&s, 2, ContentType::APPLICATION_DATA, b"forged", 0);
    let last = forged.len() - 1;
    forged[last] ^= 1;
    wire.extend(forged);
    let (ours, mut theirs) = tokio::io::duplex(1 << 16);
    theirs.write_all(&wire).await.unwrap();
    let mut tls = tls13::tokio::TlsStream::new(conn, ours);
    let mut got = Vec::new();
    let err = tls.read_to_end(&mut got).await.unwrap_err();
    assert_eq!(got, b"good bytes");
    assert_eq!(tls_error(&err), Some(&Error::DecryptFailed), "{err}");
}

/// RFC 9846 §6.1 through a driver: what follows close_notify in the same
/// transport read (here bytes that are no record) is ignored, and the
/// reader sees the data, then a clean end of file.
#[test]
fn blocking_reader_ends_cleanly_whatever_follows_close_notify() {
    let (conn, s) = client();
    let mut wire = seal(&s, 0, ContentType::APPLICATION_DATA, b"last words", 0);
    wire.extend(seal(&s, 1, ContentType::ALERT, &[1, 0], 0));
    wire.extend_from_slice(b"\x00\x01 not TLS");
    let mut tls = Stream::new(conn, Script::new(vec![wire]));
    let mut got = Vec::new();
    tls.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"last words");
    assert!(tls.peer_closed());
    assert!(
        tls.get_ref().0.written.is_empty(),
        "no alert after the close"
    );
}

/// `Limits::max_buffered_data` of 0 means "read the transport only when
/// the application has taken everything": `wants_read()` is true while
/// nothing is unread, so a connection with that limit still reads (a
/// driver that reads only while it is true would otherwise never read,
/// and spin).
#[test]
fn wants_read_while_nothing_is_unread_whatever_max_buffered_data() {
    let limits = Limits {
        max_buffered_data: 0,
        ..Limits::default()
    };
    let m = Mitm::connected_with(|c| c.limits(limits), |s| s.limits(limits));
    let s = m.secrets.get(S_AP);
    let mut client = m.client;
    assert!(client.wants_read());
    client
        .receive(&seal(&s, 0, ContentType::APPLICATION_DATA, b"x", 0))
        .unwrap();
    assert!(!client.wants_read(), "one unread byte reaches the limit");
    client.consume_received_data(1);
    assert!(client.wants_read());

    // And the blocking driver reads through it (on a thread: a driver
    // that never reads spins instead of returning).
    let (conn, s) = {
        let m = Mitm::connected_with(|c| c.limits(limits), |s| s);
        let s = m.secrets.get(S_AP);
        (m.client, s)
    };
    let mut wire = seal(&s, 0, ContentType::APPLICATION_DATA, b"small", 0);
    wire.extend(seal(&s, 1, ContentType::ALERT, &[1, 0], 0));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tls = Stream::new(conn, Script::new(vec![wire]));
        let mut got = Vec::new();
        let r = tls.read_to_end(&mut got).map(|_| got);
        let _ = tx.send(r.map_err(|e| e.to_string()));
    });
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the stream read instead of spinning");
    assert_eq!(got.unwrap(), b"small");
}

/// A transport to an in-memory server that answers the client's first
/// flight, then ends (the server's next flight never arrives).
struct AnswerOnce {
    server: tls13::ServerConnection,
    answered: bool,
}

impl Read for AnswerOnce {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.answered {
            return Ok(0);
        }
        let out = self.server.pending_output();
        let n = out.len().min(buf.len());
        buf[..n].copy_from_slice(&out[..n]);
        self.server.consume_output(n);
        self.answered = self.server.pending_output().is_empty();
        Ok(n)
    }
}

impl Write for AnswerOnce {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.server.receive(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Refused 0-RTT data is resent once the handshake completes, or handed
/// back (`take_rejected_early_data`) when it may not be; when the
/// handshake never completes, it is handed back too: here the server
/// refuses it with a HelloRetryRequest and the transport then ends. The
/// driver kept it waiting for a completion that never came, and the
/// application got nothing back.
#[test]
fn refused_early_data_is_handed_back_when_the_handshake_fails() {
    use std::sync::Arc;
    use tls13::certgen::KeyType;
    use tls13::crypto::OsRandom;
    use tls13::resumption::{ClientSessionCache, StatelessTicketer};
    use tls13::unstable::msgs::enums::NamedGroup;

    let cache = Arc::new(ClientSessionCache::default());
    let tickets = Arc::new(StatelessTicketer::new(
        Arc::new(OsRandom),
        Arc::new(tls13::config::SystemTimeSource),
        3600,
    ));
    let client = || {
        let c = pair::client_builder(KeyType::EcdsaP256)
            .session_store(Some(cache.clone()))
            .enable_early_data(true)
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .build()
            .unwrap();
        ClientConnection::with_session_scope(Arc::new(c), "localhost", "s").unwrap()
    };
    let server = |groups: &[NamedGroup]| {
        let s = pair::server_builder(KeyType::EcdsaP256)
            .tickets(tickets.clone(), 1, 7200)
            .max_early_data_size(1000)
            .groups(groups)
            .build()
            .unwrap();
        tls13::ServerConnection::new(Arc::new(s)).unwrap()
    };
    let mut p =
        pair::Pair::from_connections(client(), server(&[NamedGroup::X25519]), pair::Feed::Whole);
    p.run().unwrap();

    let mut conn = client();
    assert_eq!(conn.send_early_data(b"early").unwrap(), 5);
    let transport = AnswerOnce {
        server: server(&[NamedGroup::SECP256R1]),
        answered: false,
    };
    let mut tls = Stream::new(conn, transport);
    let err = tls.handshake().unwrap_err();
    assert_eq!(tls_error(&err), Some(&Error::UnexpectedEof), "{err}");
    assert!(tls.conn().negotiated().hello_retry);
    assert_eq!(tls.take_rejected_early_data(), b"early");
}

/// A transport to an in-memory client: what the server writes is fed to
/// the client, and the client's answers are what the server reads, its
/// last record (the Finished) corrupted.
struct ToClient {
    client: ClientConnection,
    queue: VecDeque<u8>,
}

impl Read for ToClient {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.queue.len().min(buf.len());
        for (d, s) in buf.iter_mut().zip(self.queue.drain(..n)) {
            *d = s;
        }
        Ok(n)
    }
}

impl Write for ToClient {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.client.receive(buf);
        let mut out = self.client.pending_output().to_vec();
        self.client.consume_output(out.len());
        if let Some(last) = out.last_mut() {
            *last ^= 1;
        }
        self.queue.extend(out);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The blocking server reads accepted 0-RTT data only once the handshake
/// completed (the early data may be a replay; a replayed ClientHello
/// comes without a valid Finished). Delivering data that authenticated
/// before an error must not extend to it: when the client's Finished
/// fails, the server application reads the error, not the early data.
#[test]
fn early_data_of_a_handshake_that_failed_is_never_read() {
    use std::sync::Arc;
    use tls13::certgen::KeyType;
    use tls13::crypto::OsRandom;
    use tls13::resumption::{ClientSessionCache, StatelessTicketer};

    let cache = Arc::new(ClientSessionCache::default());
    let tickets = Arc::new(StatelessTicketer::new(
        Arc::new(OsRandom),
        Arc::new(tls13::config::SystemTimeSource),
        3600,
    ));
    let client = || {
        let c = pair::client_builder(KeyType::EcdsaP256)
            .session_store(Some(cache.clone()))
            .enable_early_data(true)
            .build()
            .unwrap();
        ClientConnection::with_session_scope(Arc::new(c), "localhost", "s").unwrap()
    };
    let server = || {
        let s = pair::server_builder(KeyType::EcdsaP256)
            .tickets(tickets.clone(), 1, 7200)
            .max_early_data_size(1000)
            .build()
            .unwrap();
        tls13::ServerConnection::new(Arc::new(s)).unwrap()
    };
    let mut p = pair::Pair::from_connections(client(), server(), pair::Feed::Whole);
    p.run().unwrap();

    let mut c = client();
    assert_eq!(c.send_early_data(b"early").unwrap(), 5);
    let first = c.pending_output().to_vec();
    c.consume_output(first.len());
    let transport = ToClient {
        client: c,
        queue: first.into(),
    };
    let mut tls = Stream::new(server(), transport);
    let mut buf = [0u8; 64];
    let r = tls.read(&mut buf);
    assert!(tls.conn().negotiated().early_data_accepted);
    let err = r.expect_err("the handshake failed: no data, early or not");
    assert_eq!(tls_error(&err), Some(&Error::DecryptFailed), "{err}");
    assert!(tls.read(&mut buf).is_err());
}
