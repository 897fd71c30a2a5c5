//! The public sans-IO connections.
//!
//! A connection performs no I/O. The application moves bytes:
//!
//! 1. send [`Connection::pending_output`] to the peer, then call
//!    [`Connection::consume_output`] with the number of bytes written
//!    (always do this, also after an error: the alert is output too);
//! 2. feed what arrives to [`Connection::receive`] (transport EOF:
//!    [`Connection::receive_eof`]), in chunks of any size: every byte is
//!    taken and every complete record processed at once;
//! 3. take the application data from [`Connection::received_data`],
//!    calling [`Connection::consume_received_data`] with what was used,
//!    and drain [`Connection::next_event`].
//!
//! An application that does not take all received data at once reads the
//! transport only while [`Connection::wants_read`] says so: that is the
//! backpressure (received data is never refused, nor is it an error to
//! hold much of it; it lies in the bytes given to `receive`).
//!
//! Received records are decrypted where they lie in the connection's
//! receive buffer and the application data is read from there: no copy,
//! no allocation per record. [`Connection::receive_buffer`] lets the
//! transport write into that buffer directly; on the way out,
//! [`Connection::send_buffer`] and [`Connection::commit_send`] let the
//! application write its data straight into the next record, encrypted
//! where it lies. [`Connection::release_buffers`] frees the buffers of an
//! idle connection.
//!
//! The example below runs as a doctest: hidden lines start one of our
//! servers on loopback with a fresh certificate; the client half is what
//! an embedder writes to drive a `TcpStream` by hand.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::sync::Arc;
//! use tls13::{ClientConfig, ClientConnection, Event, verify::PinnedCertVerifier};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
//! # use tls13::crypto::{OsRandom, sign::SigningKey};
//! # let rng = OsRandom;
//! # let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
//! # let ca = Ca::new("Doc CA", &ca_key, 0, 4_000_000_000, &rng)?;
//! # let leaf_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
//! # let leaf = ca.issue(&[SubjectAltName::Dns("localhost".into())], &leaf_key, 0, 4_000_000_000, &rng)?;
//! # let server_config = Arc::new(
//! #     tls13::ServerConfig::builder_with_single_cert(vec![leaf.clone()], SigningKey::from_der(&leaf_key)?).build()?,
//! # );
//! # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! # let addr = listener.local_addr()?;
//! # let server = std::thread::spawn(move || -> std::io::Result<()> {
//! #     let (sock, _) = listener.accept()?;
//! #     let conn = tls13::ServerConnection::new(server_config).map_err(tls13::stream::to_io_error)?;
//! #     let mut tls = tls13::stream::Stream::new(conn, sock);
//! #     let mut msg = [0u8; 5];
//! #     tls.read_exact(&mut msg)?;
//! #     tls.write_all(&msg)?;
//! #     tls.close()
//! # });
//! # let server_leaf_der = leaf;
//! // The server's certificate, pinned (`verify_webpki` validates chains).
//! let verifier = Arc::new(PinnedCertVerifier::new(server_leaf_der));
//! let config = Arc::new(ClientConfig::builder(verifier).build()?);
//! let mut tls = ClientConnection::new(config, "localhost")?;
//! let mut sock = TcpStream::connect(addr)?;
//! let mut buf = [0u8; 16384];
//! let mut echoed = Vec::new();
//! loop {
//!     // 1. Records to send (alerts too, also after an error).
//!     let out = tls.pending_output();
//!     sock.write_all(out)?;
//!     let n = out.len();
//!     tls.consume_output(n);
//!     // 2. Application data, authenticated, read in place.
//!     let data = tls.received_data();
//!     echoed.extend_from_slice(data);
//!     let n = data.len();
//!     tls.consume_received_data(n);
//!     // 3. What happened.
//!     while let Some(event) = tls.next_event() {
//!         match event {
//!             Event::HandshakeComplete => {
//!                 tls.send(b"hello")?;
//!             }
//!             Event::Closed(kind) => {
//!                 assert_eq!(kind, tls13::CloseKind::CloseNotify);
//!                 assert_eq!(echoed, b"hello");
//!                 # server.join().unwrap()?;
//!                 return Ok(());
//!             }
//!             _ => {}
//!         }
//!     }
//!     if !tls.pending_output().is_empty() {
//!         continue;
//!     }
//!     // 4. What arrives.
//!     let n = sock.read(&mut buf)?;
//!     if n == 0 {
//!         tls.receive_eof()?;
//!     } else {
//!         tls.receive(&buf[..n])?;
//!     }
//! }
//! # }
//! ```

pub mod accept;
pub(crate) mod core;
pub mod events;
pub(crate) mod quic;

use ::core::ops::{Deref, DerefMut};
use alloc::sync::Arc;
use alloc::vec::Vec;

pub use events::{
    ClientVerifyRequest, CloseKind, EchStatus, Event, Negotiated, SignRequest, VerifyRequest,
};

use self::core::Core;
use crate::config::{ClientConfig, ServerConfig};
use crate::error::{CertificateError, Error};
use crate::handshake::{self, State};
use crate::verify::{CertifiedKey, IntoServerName};

/// The part common to clients and servers. [`ClientConnection`] and
/// [`ServerConnection`] dereference to this.
pub struct Connection {
    pub(crate) core: Core,
    pub(crate) state: State,
}

impl Connection {
    /// Processes received bytes, eagerly: every complete record is handled
    /// now, partial ones are buffered. All of `data` is always taken,
    /// whatever its size and however much received data is still unread:
    /// the plaintext stays where it was decrypted, in these bytes (see
    /// [`wants_read`](Self::wants_read) for backpressure). On a fatal error
    /// the alert is queued to [`pending_output`](Self::pending_output) and
    /// the error returned; afterwards every call returns that error.
    pub fn receive(&mut self, data: &[u8]) -> Result<(), Error> {
        self.core.check_usable()?;
        self.core.deframer_push(data);
        self.process()
    }

    /// `len` bytes of space at the end of the receive buffer, to read
    /// transport bytes straight into (saving the copy [`receive`](Self::receive)
    /// makes, and the reader's own buffer); then call
    /// [`commit_received`](Self::commit_received) with how many were
    /// filled. `receive_buffer(16 * 1024 + 261)` fits a whole record. The
    /// space is zeroed; it is not received data until committed, and any
    /// other call on the connection forgets it.
    pub fn receive_buffer(&mut self, len: usize) -> &mut [u8] {
        self.core.receive_buffer(len)
    }

    /// Processes the first `n` bytes of the last
    /// [`receive_buffer`](Self::receive_buffer) as [`receive`](Self::receive)
    /// processes its argument. `n == 0` processes nothing (transport EOF is
    /// [`receive_eof`](Self::receive_eof)).
    pub fn commit_received(&mut self, n: usize) -> Result<(), Error> {
        self.core.check_usable()?;
        self.core.commit_received(n);
        self.process()
    }

    /// The transport reached end of file. `Ok(())` when the peer sent
    /// close_notify first; otherwise [`Event::Closed`]`(Truncated)` is
    /// emitted and `Err(Error::UnexpectedEof)` returned.
    pub fn receive_eof(&mut self) -> Result<(), Error> {
        self.core.receive_eof()
    }

    /// Bytes ready to go to the peer (records; alerts included).
    pub fn pending_output(&self) -> &[u8] {
        self.core.pending_output()
    }

    /// Drops the first `n` bytes of [`pending_output`](Self::pending_output)
    /// (those that were written to the transport).
    pub fn consume_output(&mut self, n: usize) {
        self.core.consume_output(n)
    }

    /// The next event, if any.
    pub fn next_event(&mut self) -> Option<Event> {
        self.core.next_event()
    }

    /// Application data received from the peer and not yet taken:
    /// authenticated bytes, in order, read where they were decrypted.
    /// Take them with [`consume_received_data`](Self::consume_received_data).
    /// They stay readable after [`Event::Closed`] and after an error (what
    /// arrived before it is good). Unread data past
    /// [`Limits::max_buffered_data`](crate::config::Limits) turns
    /// [`wants_read`](Self::wants_read) false; it is never refused.
    pub fn received_data(&self) -> &[u8] {
        self.core.received_data()
    }

    /// Drops the first `n` bytes of [`received_data`](Self::received_data)
    /// (those the application has used).
    pub fn consume_received_data(&mut self, n: usize) {
        self.core.consume_received_data(n)
    }

    /// Whether reading more from the transport is useful now: `false` once
    /// the received data not yet taken reaches
    /// [`Limits::max_buffered_data`](crate::config::Limits), while a
    /// deferred decision is pending (input is only buffered then, up to
    /// `Limits::max_suspended_input`), after the peer's close_notify, and
    /// after an error. This is the backpressure:
    /// [`receive`](Self::receive) itself never refuses bytes (it processes
    /// all of them, and their application data stays where it was
    /// decrypted, inside the bytes given, so memory is bounded by what the
    /// caller passed in); a driver that reads from the transport only
    /// while `wants_read()` keeps the connection's buffer at about
    /// `max_buffered_data` plus one read when the application is slow.
    pub fn wants_read(&self) -> bool {
        self.core.wants_read() && !self.state.is_suspended()
    }

    /// Client whose 0-RTT data the server refused
    /// ([`Event::EarlyDataRejected`]): sends `data`, the bytes that event
    /// handed back, again as ordinary application data if RFC 9846
    /// §4.3.10 allows doing so without the application deciding, that is
    /// when the handshake is complete and selected the ALPN protocol of
    /// the ticket the early data was written for. Returns whether it did.
    /// `Ok(false)` (a different or no protocol, no refused 0-RTT, the
    /// handshake not complete yet, a server): nothing was queued; the
    /// bytes stay with the application, which may need to write different
    /// messages. The drivers call this for the application and hand back
    /// what it refuses ([`Stream::take_rejected_early_data`](crate::stream::Stream::take_rejected_early_data)).
    pub fn resend_rejected_early_data(&mut self, data: &[u8]) -> Result<bool, Error> {
        self.core.check_usable()?;
        let allowed = match &self.state {
            State::Client(hs) => hs.may_resend_early(&self.core),
            State::Server(_) => false,
        };
        if !allowed {
            return Ok(false);
        }
        self.core.send(data)?;
        Ok(true)
    }

    /// Ends the connection because of `error`, found outside it (a driver
    /// that cannot answer a deferred decision, an application that gives
    /// up): the alert is queued to [`pending_output`](Self::pending_output)
    /// (the error's own, `internal_error` when it names none), the error
    /// becomes sticky, and it is returned. A connection that already
    /// failed keeps (and returns) its first error.
    pub fn abort(&mut self, error: Error) -> Error {
        match self.core.finish_call(Err(error)) {
            Err(e) => e,
            Ok(()) => Error::Internal("finish_call accepted an error"),
        }
    }

    /// Frees the receive and send buffers when they hold nothing, so that
    /// an idle connection keeps only its state (keys, negotiated
    /// parameters, the peer's certificates). Call it when the connection
    /// goes quiet — for example when the transport has nothing to read;
    /// the buffers are allocated again when traffic resumes (an
    /// allocation per buffer each time, so not after every record).
    pub fn release_buffers(&mut self) {
        self.core.release_buffers()
    }

    /// Queues application data; returns how many bytes were taken (all of
    /// them). Before the handshake completes the data is buffered and sent
    /// once the traffic keys exist. Fails after [`close`](Self::close) or an
    /// error.
    pub fn send(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.core.send(data)
    }

    /// Space for up to `max_len` bytes of application data inside the
    /// next record, where they will be encrypted: write (or read) the
    /// data straight into it, then call [`commit_send`](Self::commit_send)
    /// with how many bytes were written. This saves the copy
    /// [`send`](Self::send) makes from the caller's buffer into the
    /// record (and the caller's buffer); the mirror of
    /// [`receive_buffer`](Self::receive_buffer).
    ///
    /// The space is one record's content: at most 16384 bytes, fewer when
    /// the peer's `record_size_limit` (RFC 8449) asks for smaller records,
    /// so it may be shorter than `max_len` (a longer message takes
    /// several rounds). It is zeroed; it is not part of
    /// [`pending_output`](Self::pending_output) until committed, and any
    /// other call that changes the connection's output or consumes it
    /// (`send`, `close`, `consume_output`, `receive` when it answers the
    /// peer, ...) forgets it; then `commit_send` refuses.
    ///
    /// The rules of `send` apply: after [`close`](Self::close)
    /// `Error::ConnectionClosed`, after an error that error. Before the
    /// handshake completes it refuses with `Error::HandshakeNotComplete`
    /// (there is no record to write into yet): [`send`](Self::send)
    /// holds data until then, and a client's 0-RTT data goes through
    /// [`send_early_data`](ClientConnection::send_early_data). Like
    /// `send`, it first seals queued handshake messages, and sends a
    /// KeyUpdate when the write key nears its limit (RFC 9846 §5.5); an
    /// error there ends the connection as it would in `send`.
    ///
    /// ```
    /// use std::io::Read;
    /// # use std::sync::Arc;
    /// # use tls13::certgen::{self, KeyType, SubjectAltName};
    /// # use tls13::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, crypto::sign::SigningKey};
    /// # let rng = tls13::crypto::OsRandom;
    /// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
    /// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
    /// # let config = Arc::new(ServerConfig::builder_with_single_cert(vec![cert.clone()], SigningKey::from_der(&key)?).build()?);
    /// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
    /// # let mut client = ClientConnection::new(Arc::new(ClientConfig::builder(Arc::new(roots)).build()?), "localhost")?;
    /// # let mut server = ServerConnection::new(config)?;
    /// # while client.is_handshaking() || server.is_handshaking() {
    /// #     let out = client.pending_output().to_vec();
    /// #     client.consume_output(out.len());
    /// #     server.receive(&out)?;
    /// #     let out = server.pending_output().to_vec();
    /// #     server.consume_output(out.len());
    /// #     client.receive(&out)?;
    /// # }
    /// // A response body from a file or another socket: read straight
    /// // into the records that carry it.
    /// let mut body: &[u8] = b"HTTP/1.0 200 OK\r\n\r\nhello";
    /// while !body.is_empty() {
    ///     let space = server.send_buffer(body.len())?;
    ///     let n = body.read(space)?;
    ///     server.commit_send(n)?;
    /// }
    /// # client.receive(server.pending_output())?;
    /// # assert_eq!(client.received_data(), b"HTTP/1.0 200 OK\r\n\r\nhello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_buffer(&mut self, max_len: usize) -> Result<&mut [u8], Error> {
        self.core.send_buffer(max_len)
    }

    /// Sends the first `n` bytes of the last
    /// [`send_buffer`](Self::send_buffer) as one application data record,
    /// encrypted where they lie (padded as the configuration asks) and
    /// appended to [`pending_output`](Self::pending_output). `n == 0`
    /// sends nothing and gives the space back. Bytes past `n` are not
    /// sent.
    ///
    /// `n` larger than the space (or `n > 0` with no space: none asked
    /// for, or forgotten by another call) is refused with
    /// `Error::SendBufferExceeded`: nothing is sent and the connection
    /// is unaffected (the space, if any, is still there). After
    /// [`close`](Self::close) `Error::ConnectionClosed`; after an error,
    /// that error.
    pub fn commit_send(&mut self, n: usize) -> Result<(), Error> {
        self.core.commit_send(n)
    }

    /// Queues close_notify; nothing more can be sent. Receiving continues
    /// until the peer closes too.
    pub fn close(&mut self) {
        self.core.close()
    }

    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        !self.core.is_connected()
    }

    /// What has been negotiated so far.
    pub fn negotiated(&self) -> &Negotiated {
        &self.core.negotiated
    }

    /// TLS-Exporter(label, context, out.len()) (RFC 9846 §7.5). Needs a
    /// completed handshake.
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.core.export(label, context, out)
    }

    /// TLS-Exporter over early_exporter_master_secret (RFC 9846 §7.5):
    /// available once 0-RTT was offered (client) or accepted (server).
    /// Like early data itself, these keys are not protected against
    /// replay.
    pub fn export_early_keying_material(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.core.export_early(label, context, out)
    }

    /// Sends a KeyUpdate (RFC 9846 §4.7.3) and switches to the next write
    /// key; with `request_peer` the peer is asked to update too. While an
    /// earlier request is unanswered (no KeyUpdate from the peer since),
    /// the new KeyUpdate does not ask again: RFC 9846 §4.7.3 forbids a
    /// second request, and the pending one already updates the peer.
    pub fn update_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        self.core.update_keys(request_peer)
    }

    pub(crate) fn process(&mut self) -> Result<(), Error> {
        let r = handshake::process(&mut self.core, &mut self.state);
        self.core.finish_call(r)
    }

    /// Feeds the application's answer to a deferred decision to the
    /// state machine, when `pending` says one is waiting (else
    /// `BadConfig(not_pending)`, and the connection stays usable), then
    /// processes the input buffered meanwhile. Every `answer_*` method,
    /// over TLS and over QUIC, goes through here.
    pub(crate) fn answer(
        &mut self,
        pending: fn(&State) -> bool,
        not_pending: &str,
        answer: impl FnOnce(&mut Core, &mut State) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.core.check_usable()?;
        if !pending(&self.state) {
            return Err(Error::BadConfig(not_pending.into()));
        }
        let r = answer(&mut self.core, &mut self.state);
        self.core.finish_call(r)?;
        self.process()
    }
}

/// A TLS 1.3 client connection.
///
/// It does no I/O: the application writes
/// [`pending_output`](Connection::pending_output) to the transport, feeds
/// what arrives to [`receive`](Connection::receive), and reads events and
/// [`received_data`](Connection::received_data). Here the transport and
/// the server are a function (hidden) running a [`ServerConnection`] in
/// memory; [`stream::Stream`](crate::stream::Stream) and the tokio driver
/// do the same over a socket.
///
/// ```
/// use std::sync::Arc;
/// use tls13::{ClientConnection, Event};
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # use tls13::{ClientConfig, ServerConfig, ServerConnection, crypto::sign::SigningKey};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let server_config = ServerConfig::builder_with_single_cert(vec![cert.clone()], SigningKey::from_der(&key)?).build()?;
/// # let mut server = ServerConnection::new(Arc::new(server_config))?;
/// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
/// # let config = Arc::new(ClientConfig::builder(Arc::new(roots)).build()?);
/// # // The server, answering "ping" with "pong"; returns what it sends back.
/// # let mut send_to_server = |input: &[u8]| -> Result<Vec<u8>, tls13::Error> {
/// #     server.receive(input)?;
/// #     if server.received_data() == b"ping" {
/// #         server.consume_received_data(4);
/// #         server.send(b"pong")?;
/// #     }
/// #     let out = server.pending_output().to_vec();
/// #     server.consume_output(out.len());
/// #     Ok(out)
/// # };
/// // The name is a `&str`, a `String`, a `pki_types::ServerName` or an `IpAddr`.
/// let mut client = ClientConnection::new(config, "localhost")?; // ClientHello queued
/// client.send(b"ping")?; // held until the handshake completes
/// while client.received_data().is_empty() {
///     let out = client.pending_output().to_vec();
///     client.consume_output(out.len());
///     let reply = send_to_server(&out)?;
///     client.receive(&reply)?; // every complete record is processed now
///     while let Some(event) = client.next_event() {
///         if let Event::HandshakeComplete = event {
///             println!("suite {:?}", client.negotiated().suite);
///         }
///     }
/// }
/// assert_eq!(client.received_data(), b"pong");
/// client.consume_received_data(4);
/// client.close(); // close_notify, now in pending_output
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientConnection {
    inner: Connection,
}

impl ClientConnection {
    /// Starts a handshake with `server_name`: a DNS name, sent in SNI, or
    /// an IP address, which is not — a [`ServerName`](crate::ServerName)
    /// or for convenience a `&str`/`String` (`"example.com"`,
    /// `"192.0.2.1"`) or an `IpAddr` (see [`IntoServerName`]). The
    /// ClientHello is in [`pending_output`](Connection::pending_output) on
    /// return. See [`config`](crate::config) for the order of random
    /// draws.
    ///
    /// Sessions (for resumption) are kept in the configuration's own scope:
    /// offered only to connections made from the same [`ClientConfig`] to
    /// the same name. When one configuration serves several services of a
    /// host (ports, protocols), use
    /// [`with_session_scope`](Self::with_session_scope) so that their
    /// sessions do not mix.
    pub fn new(config: Arc<ClientConfig>, server_name: impl IntoServerName) -> Result<Self, Error> {
        let (core, state) =
            handshake::client::start(config, server_name.into_server_name()?, None, None)?;
        Ok(Self {
            inner: Connection { core, state },
        })
    }

    /// As [`new`](Self::new), with sessions filed under `scope`, a name the
    /// embedder gives the service (e.g. `"example.com:8443"`, `"imap"`):
    /// they are offered only to connections to the same server name in the
    /// same scope, from any configuration that accepts them (its verifier
    /// accepts the server's chain and its client credentials are the ones
    /// the session used; see
    /// [`SessionOrigin`](crate::resumption::SessionOrigin)). See
    /// [`SessionKey`](crate::resumption::SessionKey).
    pub fn with_session_scope(
        config: Arc<ClientConfig>,
        server_name: impl IntoServerName,
        scope: &str,
    ) -> Result<Self, Error> {
        let (core, state) =
            handshake::client::start(config, server_name.into_server_name()?, Some(scope), None)?;
        Ok(Self {
            inner: Connection { core, state },
        })
    }

    /// Sends `data` as 0-RTT early data (RFC 9846 §2.3, §4.3.10) and
    /// returns how many bytes were taken: at most what the ticket's
    /// max_early_data_size still allows, and 0 when no early data was
    /// offered (no ticket allowing it, or
    /// [`ClientConfig::enable_early_data`] off) or 0-RTT is over. Send the
    /// rest with [`send`](Connection::send) after the handshake.
    ///
    /// **Warning: early data can be replayed.** An attacker who records
    /// the first flight can deliver it to the server again (RFC 9846 §8);
    /// the server's anti-replay only narrows this. Send only requests
    /// that are safe to execute twice (idempotent), never e.g. a payment.
    ///
    /// Whether the server took it is reported by
    /// [`Event::EarlyDataAccepted`] or [`Event::EarlyDataRejected`], which
    /// hands the bytes back.
    pub fn send_early_data(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.inner.core.check_usable()?;
        let State::Client(hs) = &mut self.inner.state else {
            return Err(Error::Internal("client state on a server"));
        };
        let r = hs.send_early_data(&mut self.inner.core, data);
        match r {
            Ok(n) => Ok(n),
            Err(e) => {
                let r = self.inner.core.finish_call(Err(e));
                r.map(|()| 0)
            }
        }
    }

    /// Answers a deferred [`Event::VerifyServerCert`]: `Ok(())` accepts
    /// the chain, an error aborts the handshake with its alert. Buffered
    /// input is then processed.
    pub fn answer_verify(&mut self, result: Result<(), CertificateError>) -> Result<(), Error> {
        self.inner.answer(
            handshake::client::awaiting_verify,
            "no certificate verification is pending",
            |core, state| handshake::client::answer_verify(core, state, result),
        )
    }

    /// Answers a deferred [`Event::Sign`] (the client's CertificateVerify
    /// for client authentication) with the signature, or an error, which
    /// aborts with `internal_error`. Buffered input is then processed.
    pub fn answer_sign(&mut self, result: Result<Vec<u8>, Error>) -> Result<(), Error> {
        self.inner.answer(
            handshake::client::awaiting_sign,
            "no signature is pending",
            |core, state| handshake::client::answer_sign(core, state, result),
        )
    }
}

/// A TLS 1.3 server connection.
///
/// One per accepted transport, all from one shared [`ServerConfig`]. Like
/// [`ClientConnection`] it does no I/O; here the client and the transport
/// are a function (hidden) running a [`ClientConnection`] in memory.
///
/// ```
/// use std::sync::Arc;
/// use tls13::ServerConnection;
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # use tls13::{ClientConfig, ClientConnection, ServerConfig, crypto::sign::SigningKey};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let config = Arc::new(ServerConfig::builder_with_single_cert(vec![cert.clone()], SigningKey::from_der(&key)?).build()?);
/// # let roots = tls13::verify_webpki::WebPkiServerVerifier::from_pem(&certgen::to_pem("CERTIFICATE", &cert))?;
/// # let mut client = ClientConnection::new(Arc::new(ClientConfig::builder(Arc::new(roots)).build()?), "localhost")?;
/// # client.send(b"GET / HTTP/1.0\r\n\r\n")?;
/// # // The client: takes what the server sends, returns what it sends back.
/// # let mut send_to_client = |input: &[u8]| -> Result<Vec<u8>, tls13::Error> {
/// #     if !input.is_empty() {
/// #         client.receive(input)?;
/// #     }
/// #     let out = client.pending_output().to_vec();
/// #     client.consume_output(out.len());
/// #     Ok(out)
/// # };
/// let mut server = ServerConnection::new(config.clone())?;
/// let mut request = Vec::new();
/// while !request.ends_with(b"\r\n\r\n") {
///     let out = server.pending_output().to_vec();
///     server.consume_output(out.len());
///     let input = send_to_client(&out)?;
///     server.receive(&input)?;
///     request.extend_from_slice(server.received_data());
///     let n = server.received_data().len();
///     server.consume_received_data(n);
/// }
/// assert_eq!(server.negotiated().server_name.as_deref(), Some("localhost")); // SNI
/// server.send(b"HTTP/1.0 200 OK\r\n\r\nhello")?;
/// server.close(); // close_notify after the response
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ServerConnection {
    inner: Connection,
}

impl ServerConnection {
    /// A server connection waiting for a ClientHello.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let (core, state) = handshake::server::start(config, None)?;
        Ok(Self {
            inner: Connection { core, state },
        })
    }

    /// Asks the client for a certificate after the handshake (RFC 9846
    /// §4.7.2): queues a CertificateRequest with a fresh context (16 bytes
    /// from the rng). The client answers through its certificate
    /// resolver; once its Certificate, CertificateVerify and Finished are
    /// checked with the [`ClientAuth`](crate::ClientAuth) verifier,
    /// [`Event::PostHandshakeAuth`] reports the chain (empty when the
    /// client declined; with `ClientAuth::Required` declining is
    /// `certificate_required`). Needs a client that offered
    /// post_handshake_auth (ours does when it has a resolver), a verifier
    /// in the config, and no request outstanding; never after an
    /// external-PSK handshake (RFC 9846 §4.4.2). Application data keeps
    /// flowing meanwhile.
    pub fn request_client_certificate(&mut self) -> Result<(), Error> {
        self.inner.core.check_usable()?;
        let r = handshake::server::request_client_certificate(
            &mut self.inner.core,
            &mut self.inner.state,
        );
        match r {
            // Configuration and state errors leave the connection usable.
            Err(
                e @ (Error::BadConfig(_) | Error::HandshakeNotComplete | Error::ConnectionClosed),
            ) => Err(e),
            r => self.inner.core.finish_call(r),
        }
    }

    /// Answers a deferred [`Event::RedeemTicket`] with the ticket's
    /// session (`None`: unknown, foreign or damaged — a full handshake
    /// follows). Buffered input is then processed.
    pub fn answer_ticket(
        &mut self,
        session: Option<crate::resumption::ServerSession>,
    ) -> Result<(), Error> {
        self.inner.answer(
            handshake::server::awaiting_ticket,
            "no ticket lookup is pending",
            |core, state| handshake::server::answer_ticket(core, state, session),
        )
    }

    /// Answers a deferred [`Event::SelectCertificate`].
    pub fn answer_certificate(
        &mut self,
        result: Result<Arc<CertifiedKey>, Error>,
    ) -> Result<(), Error> {
        self.inner.answer(
            handshake::server::awaiting_certificate,
            "no certificate selection is pending",
            |core, state| handshake::server::answer_certificate(core, state, result),
        )
    }

    /// Answers a deferred [`Event::VerifyClientCert`]: `Ok(())` accepts
    /// the client's chain (its CertificateVerify is still checked), an
    /// error aborts the handshake with its alert. When the request came
    /// while the ClientHello was being read, the chain is the client
    /// identity of a ticket the client offers (checked again by this
    /// config's verifier before resuming it): then an error only means a
    /// full handshake instead. Buffered input is then processed.
    pub fn answer_verify(&mut self, result: Result<(), CertificateError>) -> Result<(), Error> {
        self.inner.answer(
            handshake::server::awaiting_client_verify,
            "no client certificate verification is pending",
            |core, state| handshake::server::answer_client_verify(core, state, result),
        )
    }

    /// Answers a deferred [`Event::Sign`] with the signature (or an error,
    /// which aborts with `internal_error`).
    pub fn answer_sign(&mut self, result: Result<Vec<u8>, Error>) -> Result<(), Error> {
        self.inner.answer(
            handshake::server::awaiting_sign,
            "no signature is pending",
            |core, state| handshake::server::answer_sign(core, state, result),
        )
    }
}

impl Deref for ClientConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.inner
    }
}
impl DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.inner
    }
}
impl Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.inner
    }
}
impl DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.inner
    }
}
