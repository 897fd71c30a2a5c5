//! An async driver for tokio (feature `tokio`): a connector and an
//! acceptor that turn any `AsyncRead + AsyncWrite` transport into a TLS
//! stream that is `AsyncRead + AsyncWrite` itself, in the shape
//! tokio-rustls users know.
//!
//! Like the blocking [`stream`](crate::stream) driver, this one only moves
//! bytes between the transport and a sans-IO [`Connection`]: every
//! protocol decision stays in the connection, so both drivers run the
//! same state machine.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::TcpStream;
//! use tls13::tokio::TlsConnector;
//!
//! # async fn run(config: Arc<tls13::ClientConfig>) -> std::io::Result<()> {
//! let connector = TlsConnector::new(config);
//! let tcp = TcpStream::connect("example.com:443").await?;
//! let name = tls13::pki_types::ServerName::try_from("example.com").expect("a DNS name");
//! let mut tls = connector.connect(name, tcp).await?;   // handshake done
//! tls.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n").await?;
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page).await?;   // Ok only after close_notify
//! tls.shutdown().await?;               // our close_notify, then the TCP FIN
//! # Ok(())
//! # }
//! ```
//!
//! # Semantics
//!
//! * **Reading** returns end of file (`Ok` with nothing read) only after
//!   the peer's close_notify. A transport that ends without one is an
//!   error of kind `UnexpectedEof`, so a truncation attack is never taken
//!   for the end of the data.
//! * **Writing** encrypts and starts sending; records the transport could
//!   not take yet go out on the next write or flush. Call `flush` (or
//!   `shutdown`) to be sure everything left. Reading never writes (except
//!   during the handshake), so the halves of a `tokio::io::split` stream
//!   can be used from two tasks.
//! * **Shutdown** sends close_notify, flushes, and shuts the transport's
//!   write side (for TCP: a FIN). Reading goes on until the peer closes
//!   too: TLS 1.3 allows this half-close (RFC 9846 §6.1). Conversely,
//!   after the peer's close_notify we may still write.
//! * **Errors** map to [`io::Error`] as in the blocking driver
//!   ([`to_io_error`]); the TLS [`Error`] is the inner
//!   error. The alert a failed connection queued is sent (best effort)
//!   before the error is returned.
//! * **Deferred decisions** (a verifier, resolver or signer answering
//!   [`Decision::Deferred`](crate::Decision::Deferred)) are not supported
//!   by this driver: use ones that answer at once, or drive the
//!   [`Connection`] directly. The connection is then ended with an
//!   `internal_error` alert. To choose the server's whole configuration
//!   after the ClientHello, use [`accept_lazy`].
//! * **Early data**: a server reads accepted 0-RTT data first, then the
//!   rest of the stream (it may be a replay: the config's
//!   `max_early_data_size` is where that risk is accepted). A client
//!   whose 0-RTT data (sent with
//!   [`ClientConnection::send_early_data`] before wrapping the connection
//!   with [`TlsStream::new`]) was refused sends it again only when RFC
//!   9846 §4.3.10 allows (see
//!   [`Connection::resend_rejected_early_data`]); otherwise
//!   [`TlsStream::take_rejected_early_data`] hands it back. The blocking
//!   driver does the same, with the same code.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::io;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::config::{ClientConfig, ServerConfig};
use crate::conn::accept::Acceptor;
use crate::conn::{ClientConnection, Connection, ServerConnection};
use crate::driver::{DriverState, READ_CHUNK};
use crate::error::Error;
use crate::stream::to_io_error;
use crate::verify::{ClientHelloInfo, IntoServerName};
/// The most plaintext one `poll_write` takes, so that the records queued
/// but not yet sent stay bounded.
const MAX_WRITE: usize = 4 * 16384;

/// Makes TLS client streams: `connect(server_name, io)`. Cheap to clone;
/// one per client configuration.
///
/// Here the transport is an in-memory pipe and the server runs in the
/// same task; over TCP, `io` is a `TcpStream`.
///
/// ```
/// use std::sync::Arc;
/// use tls13::tokio::{TlsAcceptor, TlsConnector};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let key = tls13::crypto::sign::SigningKey::from_der(&key)?;
/// # let server_config = tls13::ServerConfig::builder_with_single_cert(vec![cert.clone()], key).build()?;
/// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
/// # let client_config = tls13::ClientConfig::builder(Arc::new(roots)).build()?;
/// let connector = TlsConnector::new(Arc::new(client_config));
/// let acceptor = TlsAcceptor::new(Arc::new(server_config));
/// let (client_io, server_io) = tokio::io::duplex(64 * 1024);
/// // The name: a `&str`, a `String`, a `pki_types::ServerName` or an `IpAddr`.
/// let (client, _server) = tokio::try_join!(
///     connector.connect("localhost", client_io),
///     acceptor.accept(server_io),
/// )?;
/// let (_io, conn) = client.get_ref();
/// println!("{:?} over {:?}", conn.negotiated().suite, conn.negotiated().group);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self::new(config)
    }
}

impl core::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsConnector").finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// A connector using `config` for every connection.
    pub fn new(config: Arc<ClientConfig>) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Runs a handshake with `server_name` over `io` and returns the
    /// stream once it is complete. A DNS name is sent in SNI and checked
    /// against the certificate; an IP address is only checked. The name
    /// is a [`ServerName`](crate::ServerName) as tokio-rustls takes it, or
    /// a `&str`, `String` or `IpAddr` ([`IntoServerName`]); the future
    /// does not borrow it.
    pub fn connect<IO>(&self, server_name: impl IntoServerName, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = server_name
            .into_server_name()
            .and_then(|name| ClientConnection::new(self.config.clone(), name));
        Connect(Some(
            conn.map(|c| TlsStream::new(c, io)).map_err(to_io_error),
        ))
    }
}

/// The handshake of [`TlsConnector::connect`]; resolves to the stream once
/// the handshake is complete.
pub struct Connect<IO>(Option<io::Result<ClientTlsStream<IO>>>);

impl<IO> core::fmt::Debug for Connect<IO> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connect").finish_non_exhaustive()
    }
}

impl<IO> Future for Connect<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    type Output = io::Result<ClientTlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(Ok(tls)) = &mut this.0 {
            ready!(tls.poll_handshake(cx))?;
        }
        Poll::Ready(
            this.0
                .take()
                .unwrap_or_else(|| Err(io::Error::other("Connect polled after it completed"))),
        )
    }
}

/// Makes TLS server streams with one configuration: `accept(io)`. To
/// choose the configuration per ClientHello, see [`accept_lazy`].
///
/// A server accepts TCP connections and runs each one in its own task:
///
/// ```no_run
/// use std::sync::Arc;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use tokio::net::TcpListener;
/// use tls13::tokio::TlsAcceptor;
///
/// # async fn serve(config: tls13::ServerConfig) -> std::io::Result<()> {
/// let acceptor = TlsAcceptor::new(Arc::new(config));
/// let listener = TcpListener::bind("0.0.0.0:4433").await?;
/// loop {
///     let (tcp, peer) = listener.accept().await?;
///     let acceptor = acceptor.clone();
///     tokio::spawn(async move {
///         let mut tls = match acceptor.accept(tcp).await {
///             Ok(tls) => tls,
///             Err(e) => {
///                 eprintln!("{peer}: handshake failed: {e}");
///                 return;
///             }
///         };
///         let mut buf = vec![0u8; 4096];
///         while let Ok(n @ 1..) = tls.read(&mut buf).await {
///             if tls.write_all(&buf[..n]).await.is_err() {
///                 return;
///             }
///         }
///         let _ = tls.shutdown().await; // close_notify
///     });
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self::new(config)
    }
}

impl core::fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsAcceptor").finish_non_exhaustive()
    }
}

impl TlsAcceptor {
    /// An acceptor using `config` for every connection.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs the server side of a handshake over `io` and returns the
    /// stream once it is complete.
    pub fn accept<IO>(
        &self,
        io: IO,
    ) -> impl Future<Output = io::Result<ServerTlsStream<IO>>> + Send + use<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let config = self.config.clone();
        async move {
            let conn = ServerConnection::new(config).map_err(to_io_error)?;
            let mut tls = TlsStream::new(conn, io);
            tls.handshake().await?;
            Ok(tls)
        }
    }
}

/// Reads from `io` until the client's ClientHello is complete, so that
/// the server can look at it (SNI, ALPN, signature schemes) before
/// choosing its configuration; then call [`StartHandshake::into_stream`].
/// The reading and parsing happen in the sans-IO
/// [`Acceptor`].
///
/// ```no_run
/// # use std::sync::Arc;
/// # async fn serve(sock: tokio::net::TcpStream, a: Arc<tls13::ServerConfig>, b: Arc<tls13::ServerConfig>) -> std::io::Result<()> {
/// let start = tls13::tokio::accept_lazy(sock).await?;
/// let config = match start.client_hello().server_name.as_deref() {
///     Some("a.example") => a,
///     _ => b,
/// };
/// let tls = start.into_stream(config).await?;
/// # Ok(())
/// # }
/// ```
pub async fn accept_lazy<IO>(mut io: IO) -> io::Result<StartHandshake<IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut acceptor = Acceptor::new();
    let mut buf = vec![0u8; READ_CHUNK];
    while acceptor.client_hello().is_none() {
        let n = poll_fn(|cx| {
            let mut rb = ReadBuf::new(&mut buf);
            ready!(Pin::new(&mut io).poll_read(cx, &mut rb))?;
            Poll::Ready(Ok::<_, io::Error>(rb.filled().len()))
        })
        .await?;
        let r = match buf.get(..n) {
            Some([]) | None => acceptor.receive_eof(),
            Some(data) => acceptor.receive(data),
        };
        if let Err(e) = r {
            let alert = acceptor.pending_output().to_vec();
            let _ = write_all(&mut io, &alert).await;
            return Err(to_io_error(e));
        }
    }
    Ok(StartHandshake { acceptor, io })
}

/// A ClientHello has arrived; choose the configuration. Made by
/// [`accept_lazy`].
pub struct StartHandshake<IO> {
    acceptor: Acceptor,
    io: IO,
}

impl<IO> core::fmt::Debug for StartHandshake<IO> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StartHandshake")
            .field("acceptor", &self.acceptor)
            .finish_non_exhaustive()
    }
}

impl<IO> StartHandshake<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// What the ClientHello says.
    pub fn client_hello(&self) -> &ClientHelloInfo {
        // accept_lazy returns only once the ClientHello is there.
        const NONE: &ClientHelloInfo = &ClientHelloInfo {
            server_name: None,
            alpn: Vec::new(),
            signature_schemes: Vec::new(),
            certificate_type: crate::msgs::enums::CertificateType::X509,
        };
        self.acceptor.client_hello().unwrap_or(NONE)
    }

    /// The acceptor, e.g. for the whole parsed ClientHello
    /// ([`Acceptor::client_hello_message`]).
    pub fn acceptor(&self) -> &Acceptor {
        &self.acceptor
    }

    /// The transport.
    pub fn io(&self) -> &IO {
        &self.io
    }

    /// Continues the handshake with `config` and returns the stream once
    /// it is complete.
    pub async fn into_stream(
        mut self,
        config: Arc<ServerConfig>,
    ) -> io::Result<ServerTlsStream<IO>> {
        match self.acceptor.accept(config) {
            Ok(conn) => {
                let mut tls = TlsStream::new(conn, self.io);
                tls.handshake().await?;
                Ok(tls)
            }
            Err(e) => {
                let alert = self.acceptor.pending_output().to_vec();
                let _ = write_all(&mut self.io, &alert).await;
                Err(to_io_error(e))
            }
        }
    }
}

/// Writes all of `data` (alerts of a failed acceptor).
async fn write_all<IO: AsyncWrite + Unpin>(io: &mut IO, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *io).poll_write(cx, data)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        data = data.get(n..).unwrap_or_default();
    }
    poll_fn(|cx| Pin::new(&mut *io).poll_flush(cx)).await
}

/// An async TLS stream: a connection `C` ([`ClientConnection`] or
/// [`ServerConnection`]) driven over a transport `IO`. See the
/// [module documentation](self) for its semantics.
///
/// A request, a half-close and the answer (an in-memory pipe stands for
/// the TCP connection):
///
/// ```
/// use std::sync::Arc;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use tls13::tokio::{TlsAcceptor, TlsConnector};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let key = tls13::crypto::sign::SigningKey::from_der(&key)?;
/// # let server_config = tls13::ServerConfig::builder_with_single_cert(vec![cert.clone()], key).build()?;
/// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
/// # let client_config = tls13::ClientConfig::builder(Arc::new(roots)).build()?;
/// # let (client_io, server_io) = tokio::io::duplex(64 * 1024);
/// # let (mut client, mut server) = tokio::try_join!(
/// #     TlsConnector::new(Arc::new(client_config)).connect("localhost", client_io),
/// #     TlsAcceptor::new(Arc::new(server_config)).accept(server_io),
/// # )?;
/// client.write_all(b"GET /").await?;
/// client.shutdown().await?; // close_notify; the client can still read
///
/// let mut request = Vec::new();
/// server.read_to_end(&mut request).await?; // Ok: the client sent close_notify
/// server.write_all(b"200 OK").await?;
/// server.shutdown().await?;
///
/// let mut reply = Vec::new();
/// client.read_to_end(&mut reply).await?;
/// assert_eq!((&request[..], &reply[..]), (&b"GET /"[..], &b"200 OK"[..]));
/// let (_transport, conn) = client.into_inner();
/// assert!(conn.negotiated().alpn.is_none());
/// # Ok(())
/// # }
/// ```
pub struct TlsStream<C, IO> {
    conn: C,
    io: IO,
    /// Early data, refused early data, the peer's close (shared with the
    /// blocking driver).
    state: DriverState,
    /// We queued close_notify.
    closed: bool,
}

/// A client stream, made by [`TlsConnector::connect`].
pub type ClientTlsStream<IO> = TlsStream<ClientConnection, IO>;
/// A server stream, made by [`TlsAcceptor::accept`] or
/// [`StartHandshake::into_stream`].
pub type ServerTlsStream<IO> = TlsStream<ServerConnection, IO>;

impl<C, IO> core::fmt::Debug for TlsStream<C, IO>
where
    C: core::ops::Deref<Target = Connection>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsStream")
            .field("buffered", &self.state.buffered_len(&self.conn))
            .field("peer_closed", &self.state.peer_closed)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl<C, IO> TlsStream<C, IO>
where
    C: core::ops::DerefMut<Target = Connection> + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// Wraps a fresh connection and a transport; the handshake runs with
    /// [`handshake`](Self::handshake) or on first read or write.
    pub fn new(conn: C, io: IO) -> Self {
        Self {
            conn,
            io,
            state: DriverState::default(),
            closed: false,
        }
    }

    /// The connection (e.g. for [`Connection::negotiated`]).
    pub fn conn(&self) -> &C {
        &self.conn
    }

    /// The connection, mutably (e.g. for [`Connection::update_keys`];
    /// flush afterwards to send what it queued).
    pub fn conn_mut(&mut self) -> &mut C {
        &mut self.conn
    }

    /// The transport and the connection (as tokio-rustls's `get_ref`).
    pub fn get_ref(&self) -> (&IO, &C) {
        (&self.io, &self.conn)
    }

    /// The transport and the connection, mutably (as tokio-rustls's
    /// `get_mut`). Reading or writing the transport directly corrupts the
    /// TLS stream.
    pub fn get_mut(&mut self) -> (&mut IO, &mut C) {
        (&mut self.io, &mut self.conn)
    }

    /// Takes the stream apart (as tokio-rustls's `into_inner`);
    /// application data not read yet is dropped.
    pub fn into_inner(self) -> (IO, C) {
        (self.io, self.conn)
    }

    /// Whether the peer has sent close_notify.
    pub fn peer_closed(&self) -> bool {
        self.state.peer_closed
    }

    /// Client: the 0-RTT data the server refused and that was not sent
    /// again (empty if none); as
    /// [`Stream::take_rejected_early_data`](crate::stream::Stream::take_rejected_early_data).
    pub fn take_rejected_early_data(&mut self) -> Vec<u8> {
        self.state.take_rejected_early_data()
    }

    /// Runs the handshake to completion (a no-op once complete).
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_handshake(cx)).await
    }

    /// Drives the handshake; `Ready(Ok)` once it is complete and our last
    /// flight is flushed.
    pub fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Handshake messages go in lockstep: our flight must be out before
        // the peer answers it, so waiting on the write side is right here.
        while self.conn.is_handshaking() {
            ready!(self.poll_write_pending(cx))?;
            if !self.conn.is_handshaking() {
                break;
            }
            ready!(self.poll_read_transport(cx))?;
        }
        // The client's second flight, or the server's tickets.
        ready!(self.poll_write_pending(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Writes pending output until none is left or the transport blocks.
    fn poll_write_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let out = self.conn.pending_output();
            if out.is_empty() {
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut self.io).poll_write(cx, out)) {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the transport accepted no bytes",
                    )));
                }
                Ok(n) => self.conn.consume_output(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// One transport read, straight into the connection's receive buffer,
    /// processed; then the events handled (the same code as the blocking
    /// driver's). Nothing is read while the connection does not want more
    /// ([`Connection::wants_read`]). While the transport has nothing to
    /// read, the connection's empty buffers are released, so that an idle
    /// stream holds only the connection's state.
    fn poll_read_transport(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.state.before_read(&mut self.conn)? {
            return Poll::Ready(Ok(()));
        }
        let space = self.conn.receive_buffer(READ_CHUNK);
        let mut rb = ReadBuf::new(space);
        let n = match Pin::new(&mut self.io).poll_read(cx, &mut rb) {
            Poll::Ready(Ok(())) => rb.filled().len(),
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => {
                self.conn.release_buffers();
                return Poll::Pending;
            }
        };
        let r = self.state.after_read(&mut self.conn, n);
        if r.is_err() {
            // Best effort: the alert goes out if the transport takes it
            // now; the error being reported matters more.
            let _ = self.poll_write_pending(cx);
            let _ = Pin::new(&mut self.io).poll_flush(cx);
        }
        Poll::Ready(r)
    }
}

impl<C, IO> AsyncRead for TlsStream<C, IO>
where
    C: core::ops::DerefMut<Target = Connection> + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        match ready!(this.poll_read_or_fail(cx, buf)) {
            // What authenticated before the error is read first (see
            // DriverState::read_before_error).
            Err(e) => {
                let dst = buf.initialize_unfilled();
                let r = this.state.read_before_error(&mut this.conn, dst, e);
                Poll::Ready(r.map(|n| buf.advance(n)))
            }
            Ok(()) => Poll::Ready(Ok(())),
        }
    }
}

impl<C, IO> TlsStream<C, IO>
where
    C: core::ops::DerefMut<Target = Connection> + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// Reads application data, handshaking first if needed; an error as
    /// soon as one happens.
    fn poll_read_or_fail(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.conn.is_handshaking() {
            ready!(self.poll_handshake(cx))?;
        }
        loop {
            // Accepted 0-RTT data first, then what the connection holds,
            // read in place from where it was decrypted.
            let avail = self.state.buffered_plain(&self.conn);
            if !avail.is_empty() {
                let n = avail.len().min(buf.remaining());
                buf.put_slice(avail.get(..n).unwrap_or_default());
                self.state.consume_plain(&mut self.conn, n);
                return Poll::Ready(Ok(()));
            }
            if self.state.peer_closed {
                return Poll::Ready(Ok(()));
            }
            // No writing here: a transport keeps one waker per direction,
            // and a reader that polled the write side would take the wake-up
            // of a task blocked in poll_write on the other half of a split
            // stream. Replies the connection owes (KeyUpdate) go out with the
            // next write, flush or shutdown (RFC 9846 §4.7.3 only asks that
            // they precede our next application data).
            ready!(self.poll_read_transport(cx))?;
        }
    }
}

impl<C, IO> AsyncWrite for TlsStream<C, IO>
where
    C: core::ops::DerefMut<Target = Connection> + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.conn.is_handshaking() {
            ready!(this.poll_handshake(cx))?;
        }
        if this.closed {
            return Poll::Ready(Err(to_io_error(Error::ConnectionClosed)));
        }
        // Backpressure: take new data only once the earlier records left.
        ready!(this.poll_write_pending(cx))?;
        let chunk = buf.get(..MAX_WRITE).unwrap_or(buf);
        let n = this.conn.send(chunk).map_err(to_io_error)?;
        if let Poll::Ready(Err(e)) = this.poll_write_pending(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_write_pending(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    /// Sends close_notify, flushes, and shuts down the transport's write
    /// side. Reading continues until the peer's close_notify.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.closed {
            this.closed = true;
            this.conn.close();
        }
        ready!(this.poll_write_pending(cx))?;
        ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
