//! 0-RTT through the two drivers, over loopback TCP. The server
//! application reads accepted early data first, in order, then the rest
//! of the stream; a client whose early data the server refused sends it
//! again only when the handshake selected the ALPN protocol of the ticket
//! it was written for (RFC 9846 §4.3.10), and otherwise gets it back.
//! Both drivers run the same code for this, so each case runs on both.

mod pair;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use tls13::config::SystemTimeSource;
use tls13::stream::Stream;
use tls13::{ClientConnection, ServerConfig, ServerConnection};

/// The client's session cache (sessions filed under one named scope, since
/// each connection builds its own config) and the server's ticket key,
/// shared by the connections of one test, on the system's clock.
type World = pair::World<SystemTimeSource>;

/// A client connection of `w` with early data enabled, offering ALPN "a"
/// and "b", in the tests' session scope; `EARLY` written as early data
/// when `early`.
fn client_conn(w: &World, early: bool) -> ClientConnection {
    let config = Arc::new(
        w.client()
            .enable_early_data(true)
            .alpn_protocols(&[b"a", b"b"])
            .build()
            .unwrap(),
    );
    let mut conn =
        ClientConnection::with_session_scope(config, "localhost", "early-data-test").unwrap();
    if early {
        assert_eq!(conn.send_early_data(EARLY).unwrap(), EARLY.len());
    }
    conn
}

/// A server of `w` (one ticket a handshake) with `alpn` and
/// `max_early_data`.
fn server(w: &World, alpn: &[&[u8]], max_early_data: u32) -> Arc<ServerConfig> {
    Arc::new(
        w.server()
            .max_early_data_size(max_early_data)
            .alpn_protocols(alpn)
            .build()
            .unwrap(),
    )
}

const EARLY: &[u8] = b"early ";
const LATE: &[u8] = b"late";

/// What one case expects: the server reads `server_reads`, the client's
/// driver hands back `handed_back`.
struct Case {
    /// The server's ALPN protocols and max_early_data_size on resumption.
    alpn: &'static [&'static [u8]],
    max_early_data: u32,
    server_reads: &'static [u8],
    handed_back: &'static [u8],
}

/// Accepted: the early bytes come first.
const ACCEPTED: Case = Case {
    alpn: &[b"a"],
    max_early_data: 1000,
    server_reads: b"early late",
    handed_back: b"",
};
/// Refused, same ALPN: resent after the handshake, before the rest.
const REFUSED_SAME_ALPN: Case = Case {
    alpn: &[b"a"],
    max_early_data: 0,
    server_reads: b"early late",
    handed_back: b"",
};
/// Refused, another ALPN: not resent, handed back.
const REFUSED_OTHER_ALPN: Case = Case {
    alpn: &[b"b"],
    max_early_data: 1000,
    server_reads: b"late",
    handed_back: b"early ",
};

// ---- blocking driver ----

/// One connection: the client sends `early` as 0-RTT, then writes `LATE`
/// and closes; the server reads to the end. Returns what the server read
/// and what the client's driver handed back.
fn blocking_exchange(w: &World, server: Arc<ServerConfig>, early: bool) -> (Vec<u8>, Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut tls = Stream::new(ServerConnection::new(server).unwrap(), sock);
        tls.write_all(b"hi").unwrap();
        tls.flush().unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).unwrap();
        tls.close().unwrap();
        got
    });
    let conn = client_conn(w, early);
    let mut tls = Stream::new(conn, TcpStream::connect(("127.0.0.1", port)).unwrap());
    tls.write_all(LATE).unwrap();
    // Reading processes the ticket too.
    let mut hi = [0u8; 2];
    tls.read_exact(&mut hi).unwrap();
    tls.close().unwrap();
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).unwrap();
    let back = tls.take_rejected_early_data();
    (h.join().unwrap(), back)
}

fn blocking_case(case: &Case) {
    let w = World::system();
    // A ticket for ALPN "a".
    let (got, _) = blocking_exchange(&w, server(&w, &[b"a"], 1000), false);
    assert_eq!(got, LATE);
    let (got, back) = blocking_exchange(&w, server(&w, case.alpn, case.max_early_data), true);
    assert_eq!(got, case.server_reads);
    assert_eq!(back, case.handed_back);
}

#[test]
fn stream_server_reads_accepted_early_data_first() {
    blocking_case(&ACCEPTED);
}

#[test]
fn stream_resends_refused_early_data_under_the_same_alpn() {
    blocking_case(&REFUSED_SAME_ALPN);
}

#[test]
fn stream_hands_back_refused_early_data_under_another_alpn() {
    blocking_case(&REFUSED_OTHER_ALPN);
}

// ---- tokio driver ----

async fn tokio_exchange(w: &World, server: Arc<ServerConfig>, early: bool) -> (Vec<u8>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tls13::tokio::TlsAcceptor::new(server);
    let h = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(sock).await.unwrap();
        tls.write_all(b"hi").await.unwrap();
        tls.flush().await.unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).await.unwrap();
        tls.shutdown().await.unwrap();
        got
    });
    let conn = client_conn(w, early);
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = tls13::tokio::TlsStream::new(conn, tcp);
    tls.write_all(LATE).await.unwrap();
    let mut hi = [0u8; 2];
    tls.read_exact(&mut hi).await.unwrap();
    tls.shutdown().await.unwrap();
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).await.unwrap();
    let back = tls.take_rejected_early_data();
    (h.await.unwrap(), back)
}

async fn tokio_case(case: &Case) {
    let w = World::system();
    let (got, _) = tokio_exchange(&w, server(&w, &[b"a"], 1000), false).await;
    assert_eq!(got, LATE);
    let (got, back) = tokio_exchange(&w, server(&w, case.alpn, case.max_early_data), true).await;
    assert_eq!(got, case.server_reads);
    assert_eq!(back, case.handed_back);
}

#[tokio::test]
async fn tokio_server_reads_accepted_early_data_first() {
    tokio_case(&ACCEPTED).await;
}

#[tokio::test]
async fn tokio_resends_refused_early_data_under_the_same_alpn() {
    tokio_case(&REFUSED_SAME_ALPN).await;
}

#[tokio::test]
async fn tokio_hands_back_refused_early_data_under_another_alpn() {
    tokio_case(&REFUSED_OTHER_ALPN).await;
}
