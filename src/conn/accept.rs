//! Choosing the server's configuration after reading the ClientHello.
//!
//! A [`ServerConnection`] needs its [`ServerConfig`] before it reads the
//! ClientHello, since the config decides suites, groups, ALPN and client
//! authentication. A server that hosts several names (or offers different
//! ALPN protocols per name) wants to look first. [`Acceptor`] reads the
//! first flight up to the complete ClientHello, exposes what it says
//! ([`ClientHelloInfo`]: SNI, ALPN, signature schemes), and then hands
//! every byte it received to a fresh `ServerConnection` built from the
//! config the caller chose.
//!
//! The acceptor does not decide anything about the handshake: it reads
//! records with the connection's own record layer and joiner, parses the
//! ClientHello with the same message parser, and the ClientHello is then
//! processed — checked, negotiated, answered — only by the server state
//! machine, from the very bytes the peer sent. So there is one path
//! (no logic that only the acceptor has), and a lazily configured connection behaves
//! byte for byte like one configured up front.
//!
//! ```
//! # use std::sync::Arc;
//! # use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
//! # use tls13::crypto::{OsRandom, sign::SigningKey};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let rng = OsRandom;
//! # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
//! # let ca = Ca::new("Doc CA", &key, 0, 4_000_000_000, &rng)?;
//! # let leaf = ca.issue(&[SubjectAltName::Dns("a.example".into())], &key, 0, 4_000_000_000, &rng)?;
//! # let config_a = Arc::new(tls13::ServerConfig::builder_with_single_cert(vec![leaf.clone()], SigningKey::from_der(&key)?).build()?);
//! # let config_b = config_a.clone();
//! # let client_config = Arc::new(tls13::ClientConfig::builder(Arc::new(tls13::PinnedCertVerifier::new(leaf))).build()?);
//! # let client = tls13::ClientConnection::new(client_config, "a.example")?;
//! # let first_flight = client.pending_output().to_vec();
//! use tls13::conn::accept::Acceptor;
//!
//! let mut acceptor = Acceptor::new();
//! acceptor.receive(&first_flight)?;          // as bytes arrive
//! let hello = acceptor.client_hello().expect("a whole ClientHello arrived");
//! let config = match hello.server_name.as_deref() {
//!     Some("a.example") => config_a,
//!     _ => config_b,
//! };
//! let server = acceptor.accept(config)?;     // the ServerHello is in its output
//! assert!(!server.pending_output().is_empty());
//! # Ok(())
//! # }
//! ```

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::ServerConnection;
use super::core::{Core, Received};
use crate::config::{Limits, PaddingPolicy, ServerConfig};
use crate::error::{Error, InvalidMessage, PeerMisbehaved};
use crate::handshake::common;
use crate::msgs::borrowed::HandshakeMessageRef;
use crate::msgs::enums::{CertificateType, ServerNameType};
use crate::msgs::handshake::{ClientExtension, ClientHello};
use crate::verify::ClientHelloInfo;

/// Bound on the bytes kept before a config is chosen: the largest
/// ClientHello (under the acceptor's [`Limits`]), its record headers, and
/// what a suspended connection may buffer besides.
fn max_kept(l: &Limits) -> usize {
    l.max_handshake_message
        .saturating_add(l.max_handshake_message >> 8)
        .saturating_add(l.max_suspended_input)
}

/// Reads a client's first flight up to the ClientHello, then becomes a
/// [`ServerConnection`] with the config chosen for it (see the
/// [module documentation](self)).
///
/// Like a connection it performs no I/O: feed it with
/// [`receive`](Self::receive), and after an error send
/// [`pending_output`](Self::pending_output) (the alert) to the peer.
pub struct Acceptor {
    /// Record layer and joiner, used only to read plaintext records.
    core: Core,
    /// Every byte received, replayed into the connection.
    received: Vec<u8>,
    hello: Option<(ClientHelloInfo, ClientHello)>,
    /// Output (alerts) moved out of `core` or of a failed connection.
    out: Vec<u8>,
    /// `accept` succeeded: the input belongs to the connection now.
    accepted: bool,
    /// What the first flight is held to (see [`Acceptor::with_limits`]).
    limits: Limits,
}

impl Default for Acceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Acceptor")
            .field("received", &self.received.len())
            .field("client_hello", &self.hello.as_ref().map(|(i, _)| i))
            .finish_non_exhaustive()
    }
}

impl Acceptor {
    /// An acceptor waiting for a ClientHello, which it reads under the
    /// default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// An acceptor that reads the ClientHello under `limits`. The hello is
    /// parsed before any configuration is chosen, so these are what it is
    /// held to: give the limits of the most permissive configuration the
    /// acceptor may choose (the chosen one then applies its own, when
    /// [`accept`](Self::accept) hands the same bytes to its connection).
    pub fn with_limits(limits: Limits) -> Self {
        let mut core = Core::new(PaddingPolicy::None, None, false);
        core.set_limits(limits);
        Self {
            core,
            received: Vec::new(),
            hello: None,
            out: Vec::new(),
            accepted: false,
            limits,
        }
    }

    /// Processes received bytes. Once [`client_hello`](Self::client_hello)
    /// is `Some`, further bytes are only kept (for the connection). On a
    /// malformed first flight the alert is queued to
    /// [`pending_output`](Self::pending_output) and the error returned;
    /// afterwards every call returns that error.
    pub fn receive(&mut self, data: &[u8]) -> Result<(), Error> {
        self.core.check_usable()?;
        self.check_not_accepted()?;
        if self.received.len().saturating_add(data.len()) > max_kept(&self.limits) {
            let e = PeerMisbehaved::TooMany("bytes before the ClientHello was accepted").into();
            return self.fail(e);
        }
        self.received.extend_from_slice(data);
        if self.hello.is_some() {
            return Ok(());
        }
        self.core.deframer_push(data);
        let r = self.read_hello();
        match r {
            Ok(()) => Ok(()),
            Err(e) => self.fail(e),
        }
    }

    /// The transport ended. Before a ClientHello this is an error
    /// (`UnexpectedEof`, or `Ok(())` after the peer's close_notify).
    pub fn receive_eof(&mut self) -> Result<(), Error> {
        self.core.receive_eof()
    }

    /// What the ClientHello says, once it has arrived whole.
    pub fn client_hello(&self) -> Option<&ClientHelloInfo> {
        self.hello.as_ref().map(|(info, _)| info)
    }

    /// The parsed ClientHello itself, for choices
    /// [`ClientHelloInfo`] does not cover (offered suites, groups…).
    pub fn client_hello_message(&self) -> Option<&ClientHello> {
        self.hello.as_ref().map(|(_, ch)| ch)
    }

    /// Bytes to send to the peer: an alert after an error, else nothing.
    pub fn pending_output(&self) -> &[u8] {
        &self.out
    }

    /// Drops the first `n` bytes of [`pending_output`](Self::pending_output).
    pub fn consume_output(&mut self, n: usize) {
        let n = n.min(self.out.len());
        self.out.drain(..n);
    }

    /// Builds the connection with `config` and gives it everything
    /// received so far; the server's reply is then in the connection's
    /// `pending_output`. Fails before a ClientHello has arrived, and after
    /// a successful `accept` (the input is the connection's). When the
    /// connection rejects the ClientHello (no common suite, say), its
    /// alert moves to this acceptor's [`pending_output`](Self::pending_output)
    /// and the error is returned.
    pub fn accept(&mut self, config: Arc<ServerConfig>) -> Result<ServerConnection, Error> {
        self.core.check_usable()?;
        self.check_not_accepted()?;
        if self.hello.is_none() {
            return Err(Error::BadConfig("no ClientHello has arrived yet".into()));
        }
        // A config that cannot make a connection is an abort too: the
        // client is told (internal_error), not left waiting.
        let mut conn = match ServerConnection::new(config) {
            Ok(conn) => conn,
            Err(e) => return Err(self.fail_with(e)),
        };
        let received = core::mem::take(&mut self.received);
        match conn.receive(&received) {
            Ok(()) => {
                self.accepted = true;
                Ok(conn)
            }
            Err(e) => {
                // The connection queued the alert (or, after the peer's
                // own alert, none): it is the one to send.
                self.out.extend_from_slice(conn.pending_output());
                Err(self.core.mark_failed(e))
            }
        }
    }

    fn check_not_accepted(&self) -> Result<(), Error> {
        if self.accepted {
            return Err(Error::BadConfig(
                "the acceptor already handed its input to a connection".into(),
            ));
        }
        Ok(())
    }

    /// Reads records until the first handshake message is whole.
    fn read_hello(&mut self) -> Result<(), Error> {
        loop {
            if let Some(raw) = self.core.joiner.next_message()? {
                return match common::parse(&self.core, &raw)? {
                    HandshakeMessageRef::ClientHello(ch) => {
                        let ch = ch.into_owned();
                        let info = hello_info(&ch)?;
                        self.hello = Some((info, ch));
                        Ok(())
                    }
                    // §4: the first message a server reads is the ClientHello.
                    other => Err(common::unexpected(&other, "ClientHello")),
                };
            }
            match self.core.read_record()? {
                Received::Nothing => return Ok(()),
                Received::Handled => {}
            }
        }
    }

    fn fail(&mut self, e: Error) -> Result<(), Error> {
        Err(self.fail_with(e))
    }

    /// Makes the error sticky (the core queues its alert) and moves the
    /// core's output out.
    fn fail_with(&mut self, e: Error) -> Error {
        let e = match self.core.finish_call(Err(e)) {
            Err(e) => e,
            Ok(()) => Error::Internal("finish_call accepted an error"),
        };
        let core_out = self.core.pending_output();
        let n = core_out.len();
        // A failed connection's alert, already in `out`, says the same.
        if self.out.is_empty() {
            self.out.extend_from_slice(core_out);
        }
        self.core.consume_output(n);
        e
    }
}

/// What a certificate or config choice may look at. The server state
/// machine builds the same view for its certificate resolver, except for
/// `certificate_type`, which there is the negotiated one; here, before
/// any config, it is X.509 when the client accepts it (as every client
/// without RFC 7250's `server_certificate_type` does), else the client's
/// first offer. The whole offer is in
/// [`Acceptor::client_hello_message`].
fn hello_info(ch: &ClientHello) -> Result<ClientHelloInfo, Error> {
    let mut info = ClientHelloInfo {
        server_name: None,
        alpn: Vec::new(),
        signature_schemes: Vec::new(),
        certificate_type: CertificateType::X509,
    };
    for e in &ch.extensions {
        match e {
            ClientExtension::ServerName(names) => {
                // RFC 6066 §3: the host_name entry (the only type defined).
                if let Some((_, host)) = names.iter().find(|(t, _)| *t == ServerNameType::HOST_NAME)
                {
                    let s = core::str::from_utf8(host)
                        .map_err(|_| InvalidMessage::InvalidValue("server_name"))?;
                    info.server_name = Some(s.to_ascii_lowercase());
                }
            }
            ClientExtension::Alpn(a) => info.alpn = a.clone(),
            ClientExtension::SignatureAlgorithms(s) => info.signature_schemes = s.clone(),
            ClientExtension::ServerCertificateType(offered) => {
                if let (false, Some(first)) =
                    (offered.contains(&CertificateType::X509), offered.first())
                {
                    info.certificate_type = *first;
                }
            }
            _ => {}
        }
    }
    Ok(info)
}
