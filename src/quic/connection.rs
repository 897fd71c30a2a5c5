//! The handshake over QUIC (RFC 9001 §4, §8): the client and server
//! state machines of TLS over TCP, with handshake bytes exchanged by
//! encryption level instead of records and keys handed to QUIC instead
//! of protecting records.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

use super::{KeyChange, Level, Suite, Version};
use crate::config::{ClientConfig, ServerConfig};
use crate::conn::quic::QuicCore;
use crate::conn::{self, Event, Negotiated};
use crate::crypto::CryptoProvider;
use crate::crypto::suites::SuiteParams;
use crate::error::{CertificateError, Error, PeerMisbehaved};
use crate::handshake;
use crate::msgs::enums::AlertDescription;
use crate::verify::{CertifiedKey, IntoServerName};

/// The QUIC transport error PROTOCOL_VIOLATION (RFC 9000 §20.1), the
/// [`error_code`](Connection::error_code) of the RFC 9001 rules that name
/// it rather than a TLS alert.
pub const PROTOCOL_VIOLATION: u64 = 0x0a;

/// The first CRYPTO_ERROR code (RFC 9000 §20.1): a TLS alert becomes the
/// QUIC error code `CRYPTO_ERROR + description` (RFC 9001 §4.8).
pub const CRYPTO_ERROR: u64 = 0x0100;

/// What clients and servers share over QUIC. [`ClientConnection`] and
/// [`ServerConnection`] dereference to this.
///
/// The connection performs no I/O and protects no packets. The QUIC
/// stack moves handshake bytes and keys:
///
/// 1. CRYPTO frame data received, in order, goes to
///    [`read_handshake`](Self::read_handshake) with the level of the
///    packets that carried it;
/// 2. handshake bytes to send come from
///    [`write_handshake`](Self::write_handshake), each run with the level
///    whose packets must carry it (and whose keys protect them);
/// 3. keys come from [`next_key_change`](Self::next_key_change) as they
///    become available, and events (handshake complete, tickets, 0-RTT
///    accepted or rejected, deferred decisions) from
///    [`next_event`](Self::next_event).
///
/// Drain all three after creating the connection and after every call
/// that feeds it; the order between them does not matter, as long as a
/// level's write keys are installed before its bytes are sent.
///
/// # Keys
///
/// Initial keys come from the client's Destination Connection ID
/// ([`InitialKeys`](super::InitialKeys)), not from here. The rest arrive
/// one direction at a time, when the handshake has them:
///
/// | | client | server |
/// |---|---|---|
/// | 0-RTT | write, with the ClientHello, when it offers early data | read, with its flight, when it accepts early data |
/// | Handshake | read and write, after the ServerHello | read and write, with its flight |
/// | 1-RTT | read and write, after the server's Finished | write with its flight (0.5-RTT data, §5.7); read after the client's Finished |
///
/// RFC 9001 §5.7 forbids processing 1-RTT packets before the handshake
/// is complete; here the 1-RTT read key is handed out only then, so a
/// server that receives 1-RTT packets earlier must keep them (or drop
/// them) until it has the key. Data the server sends under its early
/// 1-RTT write key goes to a client it has not authenticated yet.
///
/// # Errors
///
/// A failure returns its [`Error`], which stays: every later call returns
/// it. No alert is ever sent; the QUIC stack closes the connection with
/// [`error_code`](Self::error_code) (RFC 9001 §4.8).
pub struct Connection {
    inner: conn::Connection,
}

impl Connection {
    fn quic(&self) -> Option<&QuicCore> {
        self.inner.core.quic.as_deref()
    }

    fn quic_mut(&mut self) -> Option<&mut QuicCore> {
        self.inner.core.quic.as_deref_mut()
    }

    /// Takes the data of CRYPTO frames received at `level`, in order
    /// (QUIC reassembles by offset first; RFC 9001 §4.1.3), in pieces of
    /// any size: whole handshake messages are handled at once, a partial
    /// one waits for the rest.
    ///
    /// The level must be the one the handshake reads now, which follows
    /// its read keys: Initial, then Handshake from the read key on, then
    /// 1-RTT (post-handshake messages such as NewSessionTicket). Data at
    /// 0-RTT (§8.3), at a level left behind (§4.1.3: it extends past what
    /// was received there) or at a level whose keys were not handed out
    /// yet is a [`PeerMisbehaved::QuicProtocolViolation`] (QUIC holds
    /// data of a later level until it has the keys, §4.1.3). So is data
    /// of a level left unconsumed when the next level's keys arrive.
    /// Empty data is nothing, at any level but 0-RTT.
    ///
    /// Buffering is bounded: an incomplete message announcing more than
    /// [`Limits::max_handshake_message`](crate::config::Limits) is refused
    /// from its header, and while a decision is deferred at most
    /// `Limits::max_suspended_input` bytes wait.
    pub fn read_handshake(&mut self, level: Level, data: &[u8]) -> Result<(), Error> {
        self.inner.core.check_usable()?;
        let r = self.inner.core.quic_receive(level, data);
        self.inner.core.finish_call(r)?;
        self.inner.process()
    }

    /// The level whose CRYPTO data [`read_handshake`](Self::read_handshake)
    /// takes now (RFC 9001 §4.1.3): Initial, then Handshake once the
    /// Handshake read key was made available, then 1-RTT (post-handshake
    /// messages) with the 1-RTT read key.
    ///
    /// This is the level TLS expects, not the level of the packet that
    /// carried the data: it moves as soon as a message changes the keys,
    /// so the rest of that packet's CRYPTO frames must still be passed
    /// at the packet's own level (where they are refused, RFC 9001
    /// §4.1.3). A stack that tracks packets should pass their level;
    /// this tells one that keeps no level which level comes next.
    pub fn read_level(&self) -> Level {
        self.quic().map_or(Level::Initial, QuicCore::read_level)
    }

    /// The oldest handshake bytes not yet taken, with the level whose
    /// packets carry them (in CRYPTO frames, at that level's next
    /// offset); `None` when there are none. Runs of one level come
    /// whole; a flight may span levels (a server's Initial ServerHello,
    /// then its Handshake messages).
    pub fn write_handshake(&mut self) -> Option<(Level, Vec<u8>)> {
        self.quic_mut()?.take_output()
    }

    /// The next keys the handshake made available (see the table above).
    /// None once the connection failed: keys not taken by then are
    /// dropped with the handshake bytes not sent.
    pub fn next_key_change(&mut self) -> Option<KeyChange> {
        self.quic_mut()?.take_keys()
    }

    /// The next event: [`Event::HandshakeComplete`],
    /// [`Event::NewSessionTicket`], [`Event::EarlyDataAccepted`] or
    /// [`Event::EarlyDataRejected`] (client, 0-RTT; the bytes it carries
    /// are empty, QUIC sent the early data), and the deferred decisions
    /// answered through [`ClientConnection`] and [`ServerConnection`].
    pub fn next_event(&mut self) -> Option<Event> {
        self.inner.core.next_event()
    }

    /// The peer's quic_transport_parameters (RFC 9001 §8.2), as received:
    /// on a server from the ClientHello, on a client from the
    /// EncryptedExtensions. Available before the handshake completes but
    /// authenticated only when it does (§8.2).
    pub fn peer_transport_parameters(&self) -> Option<&[u8]> {
        self.quic()?.peer_params.as_deref()
    }

    /// Whether the handshake is still in progress (RFC 9001 §4.1.1: it is
    /// complete once our Finished is sent and the peer's verified).
    pub fn is_handshaking(&self) -> bool {
        self.inner.is_handshaking()
    }

    /// What has been negotiated so far (the ALPN protocol, always set
    /// once the handshake completes, RFC 9001 §8.1).
    pub fn negotiated(&self) -> &Negotiated {
        self.inner.negotiated()
    }

    /// TLS-Exporter (RFC 9846 §7.5); needs a completed handshake.
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.inner.export_keying_material(label, context, out)
    }

    /// The error that ended the connection, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.inner.core.error()
    }

    /// The TLS alert a failure stands for (RFC 9001 §4.8; never sent as
    /// a record). `None` while the connection is usable.
    pub fn alert(&self) -> Option<AlertDescription> {
        self.error()?;
        self.quic()?.alert
    }

    /// The QUIC error code to close the connection with (in a
    /// CONNECTION_CLOSE frame of type 0x1c) once it failed, `None` while
    /// it is usable: [`PROTOCOL_VIOLATION`] for the rules of RFC 9001
    /// that name it (§4.1.3, §4.4, §4.6.1, §8.3, §8.4), otherwise
    /// `CRYPTO_ERROR + alert` (§4.8), e.g. 0x0178 for
    /// no_application_protocol, 0x016d for missing_extension.
    pub fn error_code(&self) -> Option<u64> {
        let error = self.error()?;
        if matches!(
            error,
            Error::PeerMisbehaved(
                PeerMisbehaved::QuicProtocolViolation(_) | PeerMisbehaved::HandshakeSpansKeyChange
            )
        ) {
            return Some(PROTOCOL_VIOLATION);
        }
        let alert = self
            .quic()?
            .alert
            .unwrap_or(AlertDescription::INTERNAL_ERROR);
        Some(CRYPTO_ERROR + u64::from(alert.0))
    }
}

/// A QUIC client's handshake.
///
/// The QUIC stack around it carries CRYPTO frames and protects packets;
/// here the server is a [`ServerConnection`] in memory (hidden) and the
/// frames are handed over directly.
///
/// ```
/// use std::sync::Arc;
/// use tls13::quic::{self, Version};
/// use tls13::{ClientConfig, PinnedCertVerifier};
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # use tls13::{ServerConfig, crypto::sign::SigningKey};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let server_config = ServerConfig::builder_with_single_cert(vec![cert.clone()], SigningKey::from_der(&key)?)
/// #     .alpn_protocols(&[b"h3"])
/// #     .build()?;
/// # let mut server = quic::ServerConnection::new(Arc::new(server_config), Version::V1, b"server params".to_vec())?;
/// let verifier = Arc::new(PinnedCertVerifier::new(cert));
/// let config = Arc::new(ClientConfig::builder(verifier).alpn_protocols(&[b"h3"]).build()?);
/// let params = b"client params".to_vec(); // encoded by the QUIC stack
/// let mut client = quic::ClientConnection::new(config, "localhost", Version::V1, params)?;
/// while client.is_handshaking() {
///     // New keys go to the packet protection of their level.
///     while let Some(change) = client.next_key_change() {
///         println!("{:?} {:?} keys", change.level, change.direction);
///     }
///     // Handshake bytes leave in CRYPTO frames at their level...
///     while let Some((level, bytes)) = client.write_handshake() {
///         server.read_handshake(level, &bytes)?;
///     }
///     // ...and the server's arrive in CRYPTO frames at theirs.
///     while let Some((level, bytes)) = server.write_handshake() {
///         client.read_handshake(level, &bytes)?;
///     }
/// }
/// assert_eq!(client.peer_transport_parameters(), Some(&b"server params"[..]));
/// assert_eq!(client.negotiated().alpn.as_deref(), Some(&b"h3"[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientConnection {
    conn: Connection,
}

impl ClientConnection {
    /// Starts a handshake with `server_name` over QUIC `version`, sending
    /// `transport_parameters` (the encoded quic_transport_parameters,
    /// opaque here, RFC 9001 §8.2). The ClientHello is in
    /// [`write_handshake`](Connection::write_handshake) on return, at the
    /// Initial level, and with a session that allows 0-RTT (and
    /// [`ClientConfigBuilder::enable_early_data`](crate::config::ClientConfigBuilder::enable_early_data)),
    /// the 0-RTT write key in [`next_key_change`](Connection::next_key_change).
    ///
    /// What differs from TLS over TCP (RFC 9001 §8): the
    /// quic_transport_parameters extension; an empty legacy_session_id
    /// and no change_cipher_spec whatever
    /// [`middlebox_compat`](crate::config::ClientConfigBuilder::middlebox_compat)
    /// says (§8.4); no post_handshake_auth (§4.4); no EndOfEarlyData
    /// (§8.3); no KeyUpdate (§6). The configuration must offer ALPN
    /// (§8.1), and its provider must have AES-128-GCM and the header
    /// protection of every suite (§5): else `Error::BadConfig`.
    pub fn new(
        config: Arc<ClientConfig>,
        server_name: impl IntoServerName,
        version: Version,
        transport_parameters: Vec<u8>,
    ) -> Result<Self, Error> {
        Self::start(config, server_name, None, version, transport_parameters)
    }

    /// As [`new`](Self::new), with sessions filed under `scope` (see
    /// [`crate::ClientConnection::with_session_scope`]).
    pub fn with_session_scope(
        config: Arc<ClientConfig>,
        server_name: impl IntoServerName,
        scope: &str,
        version: Version,
        transport_parameters: Vec<u8>,
    ) -> Result<Self, Error> {
        Self::start(
            config,
            server_name,
            Some(scope),
            version,
            transport_parameters,
        )
    }

    fn start(
        config: Arc<ClientConfig>,
        server_name: impl IntoServerName,
        scope: Option<&str>,
        version: Version,
        transport_parameters: Vec<u8>,
    ) -> Result<Self, Error> {
        check_config(
            config.provider,
            &config.suites,
            &config.alpn_protocols,
            &transport_parameters,
        )?;
        let quic = QuicCore::new(config.provider, version, transport_parameters);
        let (core, state) = handshake::client::start(
            config,
            server_name.into_server_name()?,
            scope,
            Some(alloc::boxed::Box::new(quic)),
        )?;
        Ok(Self {
            conn: Connection {
                inner: conn::Connection { core, state },
            },
        })
    }

    /// While 0-RTT is offered: the server's transport parameters
    /// remembered with the session it is sent under, which 0-RTT packets
    /// must respect (RFC 9000 §7.4.1) until the handshake brings the
    /// current ones ([`peer_transport_parameters`](Connection::peer_transport_parameters)).
    /// `None` without 0-RTT.
    pub fn early_transport_parameters(&self) -> Option<&[u8]> {
        self.conn.quic()?.early_peer_params.as_deref()
    }

    /// Answers a deferred [`Event::VerifyServerCert`] (see
    /// [`crate::ClientConnection::answer_verify`]).
    pub fn answer_verify(&mut self, result: Result<(), CertificateError>) -> Result<(), Error> {
        self.conn.inner.answer(
            handshake::client::awaiting_verify,
            "no certificate verification is pending",
            |core, state| handshake::client::answer_verify(core, state, result),
        )
    }

    /// Answers a deferred [`Event::Sign`] (see
    /// [`crate::ClientConnection::answer_sign`]).
    pub fn answer_sign(&mut self, result: Result<Vec<u8>, Error>) -> Result<(), Error> {
        self.conn.inner.answer(
            handshake::client::awaiting_sign,
            "no signature is pending",
            |core, state| handshake::client::answer_sign(core, state, result),
        )
    }
}

/// A QUIC server's handshake.
pub struct ServerConnection {
    conn: Connection,
}

impl ServerConnection {
    /// A server handshake over QUIC `version`, waiting for the client's
    /// Initial CRYPTO data, sending `transport_parameters` (opaque here,
    /// RFC 9001 §8.2) in its EncryptedExtensions.
    ///
    /// What differs from TLS over TCP (RFC 9001 §8): the
    /// quic_transport_parameters extension, required of the client
    /// (0x016d without it); a ClientHello with a non-empty
    /// legacy_session_id is a protocol violation (§8.4); no application
    /// protocol in common is 0x0178 (§8.1); tickets announce 0-RTT with
    /// max_early_data_size 0xffffffff when
    /// [`max_early_data_size`](crate::config::ServerConfigBuilder::max_early_data_size)
    /// is not 0 (§4.6.1), and only those tickets start 0-RTT; no
    /// EndOfEarlyData (§8.3), no KeyUpdate (§6), no post-handshake
    /// client authentication (§4.4). The configuration must have ALPN
    /// protocols (§8.1), and its provider AES-128-GCM and the header
    /// protection of every suite (§5): else `Error::BadConfig`.
    pub fn new(
        config: Arc<ServerConfig>,
        version: Version,
        transport_parameters: Vec<u8>,
    ) -> Result<Self, Error> {
        check_config(
            config.provider,
            &config.suites,
            &config.alpn_protocols,
            &transport_parameters,
        )?;
        let quic = QuicCore::new(config.provider, version, transport_parameters);
        let (core, state) = handshake::server::start(config, Some(alloc::boxed::Box::new(quic)))?;
        Ok(Self {
            conn: Connection {
                inner: conn::Connection { core, state },
            },
        })
    }

    /// Sets what besides the transport parameters 0-RTT depends on
    /// (RFC 9001 §4.6.3): e.g. the application protocol's settings, such
    /// as HTTP/3 SETTINGS. Tickets this connection issues keep a digest
    /// of both; a later connection accepts 0-RTT under one only when its
    /// own transport parameters and context give the same digest, so that
    /// no limit 0-RTT relies on has shrunk (RFC 9000 §7.4.1).
    ///
    /// Of transport parameters in the encoding of RFC 9000 §18, the
    /// digest leaves out those a client must not remember (RFC 9000
    /// §7.4.1: the connection IDs, stateless_reset_token,
    /// preferred_address, ack_delay_exponent, max_ack_delay), reserved
    /// greasing parameters and the order: they change from one connection
    /// to the next without touching 0-RTT. Any other change refuses 0-RTT.
    /// Parameters not in that encoding count byte for byte. Call it
    /// before the first [`read_handshake`](Connection::read_handshake).
    pub fn with_early_data_context(mut self, context: Vec<u8>) -> Self {
        if let Some(quic) = self.conn.quic_mut() {
            quic.early_data_context = context;
        }
        self
    }

    /// Answers a deferred [`Event::RedeemTicket`] (see
    /// [`crate::ServerConnection::answer_ticket`]).
    pub fn answer_ticket(
        &mut self,
        session: Option<crate::resumption::ServerSession>,
    ) -> Result<(), Error> {
        self.conn.inner.answer(
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
        self.conn.inner.answer(
            handshake::server::awaiting_certificate,
            "no certificate selection is pending",
            |core, state| handshake::server::answer_certificate(core, state, result),
        )
    }

    /// Answers a deferred [`Event::VerifyClientCert`] (see
    /// [`crate::ServerConnection::answer_verify`]).
    pub fn answer_verify(&mut self, result: Result<(), CertificateError>) -> Result<(), Error> {
        self.conn.inner.answer(
            handshake::server::awaiting_client_verify,
            "no client certificate verification is pending",
            |core, state| handshake::server::answer_client_verify(core, state, result),
        )
    }

    /// Answers a deferred [`Event::Sign`].
    pub fn answer_sign(&mut self, result: Result<Vec<u8>, Error>) -> Result<(), Error> {
        self.conn.inner.answer(
            handshake::server::awaiting_sign,
            "no signature is pending",
            |core, state| handshake::server::answer_sign(core, state, result),
        )
    }
}

/// What a QUIC connection needs of its configuration: ALPN (RFC 9001
/// §8.1: "endpoints MUST use ALPN" unless the application agrees on a
/// protocol otherwise, which this library does not offer), transport
/// parameters that fit an extension, and packet protection for Initial
/// packets and every configured suite (§5).
fn check_config(
    provider: &'static CryptoProvider,
    suites: &[SuiteParams],
    alpn: &[Vec<u8>],
    transport_parameters: &[u8],
) -> Result<(), Error> {
    if alpn.is_empty() {
        return Err(Error::BadConfig(
            "QUIC needs ALPN protocols in the configuration (RFC 9001 §8.1)".into(),
        ));
    }
    if transport_parameters.len() > 0xffff {
        return Err(Error::BadConfig(
            "QUIC transport parameters longer than an extension can carry (65535 bytes)".into(),
        ));
    }
    Suite::initial(provider)?;
    for suite in suites {
        Suite::from_tls(provider, *suite)?;
    }
    Ok(())
}

impl Deref for ClientConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}
impl DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
impl Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}
impl DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
