//! A blocking driver of a sans-IO connection over any `Read + Write`
//! transport (feature `std`).
//!
//! [`Stream`] only moves bytes between the transport and the
//! [`Connection`]: every protocol decision stays in the connection, so
//! this driver and any other one exercise the same state machine
//! (one path: no logic that only one driver has).
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::sync::Arc;
//! use tls13::{ClientConfig, ClientConnection, PinnedCertVerifier};
//! use tls13::stream::Stream;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pinned = std::fs::read("server-leaf.der")?;
//! let config = Arc::new(ClientConfig::builder(Arc::new(PinnedCertVerifier::new(pinned))).build()?);
//! let conn = ClientConnection::new(config, "localhost")?;
//! let mut tls = Stream::new(conn, TcpStream::connect("localhost:4433")?);
//! tls.write_all(b"GET / HTTP/1.0\r\n\r\n")?;   // handshakes first
//! tls.flush()?;
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page)?;                  // Ok only after close_notify
//! tls.close()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Transport errors and timeouts
//!
//! An error from the transport is returned as is and leaves the
//! connection intact: partial records stay buffered in the connection and
//! unwritten output stays queued. So a transport with a read timeout (or
//! a non-blocking one) works: on `WouldBlock` / `TimedOut` simply call
//! again.
//!
//! # Errors from the connection
//!
//! A TLS error becomes an [`io::Error`] whose inner error is the
//! [`Error`] (get it back with
//! `io_err.get_ref().and_then(|e| e.downcast_ref::<tls13::Error>())`),
//! with a kind chosen as follows: the peer's malformed or forbidden
//! messages, bad certificates and failed decryption are `InvalidData`; a
//! fatal alert from the peer is `ConnectionAborted`; a transport closed
//! without close_notify is `UnexpectedEof`; using a closed connection is
//! `NotConnected`; our own configuration is `InvalidInput`; anything else
//! is `Other`. Before an error is returned, the alert the connection
//! queued is written to the transport (best effort). A deferred decision
//! (a verifier, resolver, signer or ticket producer answering
//! [`Decision::Deferred`](crate::Decision::Deferred)) cannot be answered
//! by this driver: the connection is ended with an `internal_error` alert.
//!
//! # Early data
//!
//! A server reads accepted 0-RTT data first, then the rest of the stream
//! (it may be a replay: the config's `max_early_data_size` is where that
//! risk is accepted). A client whose 0-RTT data (sent with
//! [`ClientConnection::send_early_data`] before wrapping the connection)
//! was refused sends it again after the handshake only when RFC 9846
//! §4.3.10 allows (see [`Connection::resend_rejected_early_data`]);
//! otherwise [`Stream::take_rejected_early_data`] hands it back. The tokio
//! driver runs the same code.

use std::io::{self, Read, Write};
use std::vec::Vec;

use crate::conn::{ClientConnection, Connection, ServerConnection};
use crate::driver::{DriverState, READ_CHUNK};
use crate::error::Error;

/// A blocking TLS stream: a connection `C` ([`ClientConnection`] or
/// [`ServerConnection`]) driven over a transport `T`.
///
/// `T` may be owned (`TcpStream`) or borrowed (`&mut TcpStream`, since
/// `&mut T` is `Read + Write` too). The handshake runs explicitly with
/// [`handshake`](Self::handshake) or on the first read or write.
///
/// Reading returns `Ok(0)` only after the peer's close_notify; a
/// transport that ends without one is an error of kind `UnexpectedEof`,
/// so a truncation attack is never mistaken for the end of the data.
///
/// Both ends over loopback TCP:
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::sync::Arc;
/// use tls13::stream::{Stream, to_io_error};
/// use tls13::{ClientConnection, ServerConnection};
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let key = tls13::crypto::sign::SigningKey::from_der(&key)?;
/// # let server_config = Arc::new(tls13::ServerConfig::builder_with_single_cert(vec![cert.clone()], key).build()?);
/// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
/// # let client_config = Arc::new(tls13::ClientConfig::builder(Arc::new(roots)).build()?);
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let server = std::thread::spawn(move || -> std::io::Result<()> {
///     let (sock, _) = listener.accept()?;
///     let conn = ServerConnection::new(server_config).map_err(to_io_error)?;
///     let mut tls = Stream::new(conn, sock);
///     let mut name = String::new();
///     tls.read_to_string(&mut name)?; // handshakes, then reads until close_notify
///     write!(tls, "hello, {name}")?;
///     tls.close() // close_notify
/// });
///
/// let conn = ClientConnection::new(client_config, "localhost")?;
/// let mut tls = Stream::new(conn, TcpStream::connect(addr)?);
/// tls.write_all(b"world")?; // handshakes first
/// tls.close()?; // close_notify; reading goes on
/// let mut reply = String::new();
/// tls.read_to_string(&mut reply)?;
/// assert_eq!(reply, "hello, world");
/// let (_sock, conn) = tls.into_inner();
/// println!("{:?}", conn.negotiated().suite);
/// server.join().expect("server thread")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Stream<C, T> {
    conn: C,
    transport: T,
    /// Early data, refused early data, the peer's close (shared with the
    /// tokio driver).
    state: DriverState,
    /// `close` was called.
    closed: bool,
}

/// A client stream.
pub type ClientStream<T> = Stream<ClientConnection, T>;
/// A server stream.
pub type ServerStream<T> = Stream<ServerConnection, T>;

impl<C, T> Stream<C, T>
where
    C: core::ops::DerefMut<Target = Connection>,
    T: Read + Write,
{
    /// Wraps a fresh connection and a transport. Nothing is sent yet.
    pub fn new(conn: C, transport: T) -> Self {
        Self {
            conn,
            transport,
            state: DriverState::default(),
            closed: false,
        }
    }

    /// The connection (e.g. for [`Connection::negotiated`]).
    pub fn conn(&self) -> &C {
        &self.conn
    }

    /// The connection, mutably (e.g. for [`Connection::update_keys`];
    /// call [`flush`](Write::flush) afterwards to send what it queued).
    pub fn conn_mut(&mut self) -> &mut C {
        &mut self.conn
    }

    /// The transport and the connection (the names and shapes of
    /// tokio-rustls, as the tokio driver's `TlsStream` has them).
    pub fn get_ref(&self) -> (&T, &C) {
        (&self.transport, &self.conn)
    }

    /// The transport (e.g. to set timeouts) and the connection, mutably.
    /// Reading or writing the transport directly corrupts the TLS stream.
    pub fn get_mut(&mut self) -> (&mut T, &mut C) {
        (&mut self.transport, &mut self.conn)
    }

    /// Takes the stream apart. Application data received but not read yet
    /// is dropped.
    pub fn into_inner(self) -> (T, C) {
        (self.transport, self.conn)
    }

    /// The transport.
    #[deprecated(note = "use `get_ref().0`, as on the tokio stream")]
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    #[deprecated(note = "use `get_mut().0`, as on the tokio stream")]
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Takes the stream apart as (connection, transport).
    #[deprecated(
        note = "use `into_inner()`, which returns (transport, connection) as on the tokio stream"
    )]
    pub fn into_parts(self) -> (C, T) {
        (self.conn, self.transport)
    }

    /// Runs the handshake to completion (a no-op once it is complete) and
    /// writes out everything the connection has to send.
    pub fn handshake(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.write_pending()?;
            if !self.conn.is_handshaking() {
                break;
            }
            self.read_transport()?;
        }
        // The client's second flight, or early tickets of a server.
        self.write_pending()?;
        self.transport.flush()
    }

    /// Sends close_notify (RFC 9846 §6.1) and flushes the transport.
    /// Nothing more can be written; reading continues until the peer's
    /// close_notify (TLS 1.3 allows this half-close). Closing the
    /// transport itself is up to the caller (drop it, or
    /// `TcpStream::shutdown`).
    pub fn close(&mut self) -> io::Result<()> {
        self.closed = true;
        self.conn.close();
        self.write_pending()?;
        self.transport.flush()
    }

    /// Whether the peer has sent close_notify.
    pub fn peer_closed(&self) -> bool {
        self.state.peer_closed
    }

    /// Client: the 0-RTT data the server refused and that was not sent
    /// again (empty if none). Refused early data is sent again after the
    /// handshake only when the connection allows it (the same ALPN
    /// protocol as the ticket's, RFC 9846 §4.3.10; see
    /// [`Connection::resend_rejected_early_data`]); otherwise it is handed
    /// back here, and the application decides what to send instead. So is
    /// refused data whose handshake failed (or has not completed yet:
    /// taken then, it is not resent).
    pub fn take_rejected_early_data(&mut self) -> Vec<u8> {
        self.state.take_rejected_early_data()
    }

    /// Writes every pending output byte to the transport (without
    /// flushing the transport).
    fn write_pending(&mut self) -> io::Result<()> {
        loop {
            let out = self.conn.pending_output();
            if out.is_empty() {
                return Ok(());
            }
            match self.transport.write(out) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the transport accepted no bytes",
                    ));
                }
                Ok(n) => self.conn.consume_output(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads application data, handshaking first if needed; an error as
    /// soon as one happens.
    fn read_or_fail(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.handshake()?;
        loop {
            let n = self.state.read_into(&mut self.conn, buf);
            if n > 0 {
                return Ok(n);
            }
            if self.state.peer_closed {
                return Ok(0);
            }
            // Replies the connection owes (KeyUpdate) go out before we block.
            self.write_pending()?;
            self.read_transport()?;
        }
    }

    /// One transport read, straight into the connection's receive buffer,
    /// processed; then the events handled. Nothing is read while the
    /// connection does not want more (see [`Connection::wants_read`]).
    fn read_transport(&mut self) -> io::Result<()> {
        if !self.state.before_read(&mut self.conn)? {
            return Ok(());
        }
        let n = loop {
            let space = self.conn.receive_buffer(READ_CHUNK);
            match self.transport.read(space) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        let r = self.state.after_read(&mut self.conn, n);
        if r.is_err() {
            // The connection queued its alert; sending it is best effort,
            // the error being reported matters more.
            let _ = self.write_pending();
            let _ = self.transport.flush();
        }
        r
    }
}

impl<C, T> Read for Stream<C, T>
where
    C: core::ops::DerefMut<Target = Connection>,
    T: Read + Write,
{
    /// Reads application data, handshaking first if needed. `Ok(0)` means
    /// the peer sent close_notify (or `buf` is empty).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.read_or_fail(buf) {
            // What authenticated before the error is read first (see
            // DriverState::read_before_error).
            Err(e) => self.state.read_before_error(&mut self.conn, buf, e),
            r => r,
        }
    }
}

impl<C, T> Write for Stream<C, T>
where
    C: core::ops::DerefMut<Target = Connection>,
    T: Read + Write,
{
    /// Encrypts all of `buf` and writes the records to the transport,
    /// handshaking first if needed.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.handshake()?;
        if self.closed {
            return Err(to_io_error(Error::ConnectionClosed));
        }
        let n = self.conn.send(buf).map_err(to_io_error)?;
        self.write_pending()?;
        Ok(n)
    }

    /// Writes everything pending and flushes the transport.
    fn flush(&mut self) -> io::Result<()> {
        self.write_pending()?;
        self.transport.flush()
    }
}

impl<C, T> core::fmt::Debug for Stream<C, T>
where
    C: core::ops::Deref<Target = Connection>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stream")
            .field("buffered", &self.state.buffered_len(&self.conn))
            .field("peer_closed", &self.state.peer_closed)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

/// Converts a TLS error into an [`io::Error`] that keeps it as the inner
/// error (see the [module documentation](self) for the kinds).
pub fn to_io_error(e: Error) -> io::Error {
    let kind = match &e {
        Error::InvalidMessage(_)
        | Error::PeerMisbehaved(_)
        | Error::PeerIncompatible(_)
        | Error::InvalidCertificate(_)
        | Error::DecryptFailed
        | Error::RecordOverflow => io::ErrorKind::InvalidData,
        // The peer's ECH broke RFC 9849: peer data, like the above (an
        // internal_error one is our own mistake).
        Error::Ech(ech) if ech.alert() != crate::msgs::enums::AlertDescription::INTERNAL_ERROR => {
            io::ErrorKind::InvalidData
        }
        Error::AlertReceived(_) => io::ErrorKind::ConnectionAborted,
        Error::UnexpectedEof => io::ErrorKind::UnexpectedEof,
        Error::ConnectionClosed => io::ErrorKind::NotConnected,
        Error::BadConfig(_) | Error::SendBufferExceeded { .. } => io::ErrorKind::InvalidInput,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn io_errors_keep_the_tls_error_and_its_message() {
        let e = to_io_error(Error::UnexpectedEof);
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<Error>());
        assert_eq!(inner, Some(&Error::UnexpectedEof));
        assert!(e.to_string().contains("close_notify"));

        let e = to_io_error(Error::DecryptFailed);
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let e = to_io_error(Error::AlertReceived(
            crate::msgs::enums::AlertDescription::HANDSHAKE_FAILURE,
        ));
        assert_eq!(e.kind(), io::ErrorKind::ConnectionAborted);
        assert!(e.to_string().contains("HANDSHAKE_FAILURE"));
    }
}
