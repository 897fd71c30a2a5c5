//! Session resumption and pre-shared keys (RFC 9846 §2.2, §4.3.11, §4.7.1,
//! §8): the state a ticket stands for on each side, the stateless ticket
//! sealer with key rotation, a stateful ticket store, the client's session
//! cache, the 0-RTT anti-replay strike register and external PSKs.
//!
//! None of this does I/O. The `std`-only pieces (anything with a lock)
//! take their randomness and clock from the [`SecureRandom`](crate::crypto::SecureRandom) and
//! [`TimeSource`](crate::config::TimeSource) they are built with, so tests can script both.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::codec::{Codec, LengthPrefix, Reader, put_vec};
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::error::{Error, InvalidMessage};
use crate::msgs::enums::CipherSuite;
use crate::verify::{IntoServerName, ResolvesClientCert, ServerCertVerifier, ServerName};

/// Format version of encoded sessions; bumped when the layout changes so
/// that old blobs are refused instead of misread. Version 2 added the
/// raw-public-key flags and the client-authenticated flag; version 3 the
/// time of the full handshake and (server) the external PSK identity;
/// version 4 (server) the external PSK's fingerprint.
const SESSION_VERSION: u8 = 4;

/// The longest a full handshake's authentication is carried by tickets,
/// however many resumed connections pass it on: RFC 9846 §4.7.1 asks for
/// a limit on "the total lifetime of such keying material", taking into
/// account "the time since the peer's online CertificateVerify
/// signature"; this is the 7 days a single ticket may live (BoringSSL's
/// auth_timeout does the same).
pub const MAX_AUTHENTICATION_AGE_MS: u64 = 604_800_000;

/// Whether a session whose full handshake authenticated at
/// `authenticated_ms` may still be resumed at `now_ms` (never from the
/// future: a clock that went back proves nothing).
pub(crate) fn authentication_fresh(authenticated_ms: u64, now_ms: u64) -> bool {
    now_ms >= authenticated_ms
        && now_ms.saturating_sub(authenticated_ms) < MAX_AUTHENTICATION_AGE_MS
}

fn read_flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, InvalidMessage> {
    match r.u8(what)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(InvalidMessage::InvalidValue(what)),
    }
}

fn put_opt(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        Some(v) => {
            out.push(1);
            put_vec(out, LengthPrefix::U16, v);
        }
        None => out.push(0),
    }
}

fn read_opt(r: &mut Reader<'_>, what: &'static str) -> Result<Option<Vec<u8>>, InvalidMessage> {
    match r.u8(what)? {
        0 => Ok(None),
        1 => Ok(Some(r.vec_bytes(LengthPrefix::U16, what)?.to_vec())),
        _ => Err(InvalidMessage::InvalidValue(what)),
    }
}

fn put_chain(out: &mut Vec<u8>, chain: &[Vec<u8>]) {
    // At most 255 certificates, each below 2^24 bytes (a peer's chain
    // already fit a Certificate message).
    out.push(chain.len().min(255) as u8);
    for c in chain.iter().take(255) {
        crate::codec::put_u24(out, c.len().min(0xff_ffff) as u32);
        out.extend_from_slice(c.get(..c.len().min(0xff_ffff)).unwrap_or_default());
    }
}

fn read_chain(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let n = r.u8("chain length")?;
    let mut chain = Vec::new();
    for _ in 0..n {
        chain.push(r.vec_bytes(LengthPrefix::U24, "certificate")?.to_vec());
    }
    Ok(chain)
}

fn u64_read(r: &mut Reader<'_>, what: &'static str) -> Result<u64, InvalidMessage> {
    let hi = u64::from(r.u32(what)?);
    let lo = u64::from(r.u32(what)?);
    Ok((hi << 32) | lo)
}

/// What a server needs to resume a session: the contents of a ticket
/// (sealed by [`StatelessTicketer`]) or of a stateful store entry.
#[derive(Clone)]
pub struct ServerSession {
    /// The suite of the original connection (a suite with the same hash
    /// may resume it).
    pub suite: CipherSuite,
    /// The resumption PSK (§4.7.1).
    pub psk: Zeroizing<Vec<u8>>,
    /// The ticket_age_add sent with the ticket.
    pub age_add: u32,
    /// When the ticket was issued, milliseconds since the epoch.
    pub issued_ms: u64,
    /// The ticket lifetime in seconds.
    pub lifetime: u32,
    /// max_early_data_size announced with the ticket (0: no 0-RTT).
    pub max_early_data: u32,
    /// The ALPN protocol of the original connection.
    pub alpn: Option<Vec<u8>>,
    /// The client's SNI on the original connection.
    pub server_name: Option<String>,
    /// The client's certificate chain, if it authenticated.
    pub peer_certificates: Vec<Vec<u8>>,
    /// `peer_certificates` is the client's raw public key (RFC 7250): one
    /// DER SubjectPublicKeyInfo, not a certificate.
    pub peer_raw_public_key: bool,
    /// The identity of the external PSK that authenticated the client on
    /// the connection this session comes from (or on the one it resumed):
    /// resumed only while the server still holds a PSK of that identity,
    /// and reported as the connection's
    /// [`psk_identity`](crate::Negotiated::psk_identity).
    pub psk_identity: Option<Vec<u8>>,
    /// When the full handshake this session descends from authenticated
    /// the client (milliseconds since the epoch): tickets issued on a
    /// resumed connection keep it, and none is resumed
    /// [`MAX_AUTHENTICATION_AGE_MS`] after it.
    pub authenticated_ms: u64,
    /// With `psk_identity`: a one-way fingerprint of that external PSK's
    /// secret (see
    /// [`external_psk_fingerprint`](crate::key_schedule::external_psk_fingerprint)).
    /// The session resumes only while the server holds a PSK of that
    /// identity *and* secret: re-keying a PSK revokes the sessions of its
    /// old secret. A session with an identity and no fingerprint never
    /// resumes.
    pub psk_fingerprint: Option<Vec<u8>>,
    /// A ticket issued over QUIC that allows 0-RTT: the digest of what
    /// 0-RTT under it assumes, the server's transport parameters (those
    /// a client remembers, RFC 9000 §7.4.1) and early data context (see
    /// [`quic::ServerConnection::with_early_data_context`](crate::quic::ServerConnection::with_early_data_context)).
    /// A QUIC server accepts 0-RTT only while its own digest is the same
    /// (RFC 9001 §4.6.3, RFC 9000 §7.4.1). `None` otherwise.
    pub quic_early_data_context: Option<Vec<u8>>,
}

impl fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSession")
            .field("suite", &self.suite)
            .field("issued_ms", &self.issued_ms)
            .field("lifetime", &self.lifetime)
            .field("max_early_data", &self.max_early_data)
            .finish_non_exhaustive()
    }
}

/// A server session's fields, borrowed: what [`ServerSession::encode`]
/// writes, also straight from a [`TicketInfo`](crate::config::TicketInfo)
/// without building an owned session first.
struct SessionFields<'a> {
    suite: CipherSuite,
    psk: &'a [u8],
    age_add: u32,
    issued_ms: u64,
    lifetime: u32,
    max_early_data: u32,
    alpn: Option<&'a [u8]>,
    server_name: Option<&'a [u8]>,
    peer_certificates: &'a [Vec<u8>],
    peer_raw_public_key: bool,
    psk_identity: Option<&'a [u8]>,
    authenticated_ms: u64,
    psk_fingerprint: Option<&'a [u8]>,
    quic_early_data_context: Option<&'a [u8]>,
}

impl SessionFields<'_> {
    /// The exact length [`encode`](Self::encode) writes, so that the
    /// buffer holding the PSK is never reallocated (which would leave an
    /// unwiped copy behind).
    fn encoded_len(&self) -> usize {
        let opt = |v: Option<&[u8]>| v.map_or(1, |v| v.len().saturating_add(3));
        let chain = self
            .peer_certificates
            .iter()
            .take(255)
            .fold(1usize, |n, c| {
                n.saturating_add(c.len().min(0xff_ffff)).saturating_add(3)
            });
        // version, suite, psk, age_add, issued, lifetime, max_early_data,
        // raw public key flag, authenticated
        (1usize + 2 + 1 + 4 + 8 + 4 + 4 + 1 + 8)
            .saturating_add(self.psk.len())
            .saturating_add(opt(self.alpn))
            .saturating_add(opt(self.server_name))
            .saturating_add(chain)
            .saturating_add(opt(self.psk_identity))
            .saturating_add(opt(self.psk_fingerprint))
            .saturating_add(
                self.quic_early_data_context
                    .map_or(0, |c| c.len().saturating_add(2)),
            )
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(SESSION_VERSION);
        self.suite.encode(out);
        put_vec(out, LengthPrefix::U8, self.psk);
        out.extend_from_slice(&self.age_add.to_be_bytes());
        out.extend_from_slice(&self.issued_ms.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        out.extend_from_slice(&self.max_early_data.to_be_bytes());
        put_opt(out, self.alpn);
        put_opt(out, self.server_name);
        put_chain(out, self.peer_certificates);
        out.push(u8::from(self.peer_raw_public_key));
        put_opt(out, self.psk_identity);
        out.extend_from_slice(&self.authenticated_ms.to_be_bytes());
        put_opt(out, self.psk_fingerprint);
        // Last, and only in QUIC tickets that allow 0-RTT: other sessions
        // encode as they did before QUIC.
        if let Some(c) = self.quic_early_data_context {
            put_vec(out, LengthPrefix::U16, c);
        }
    }
}

impl ServerSession {
    fn fields(&self) -> SessionFields<'_> {
        SessionFields {
            suite: self.suite,
            psk: &self.psk,
            age_add: self.age_add,
            issued_ms: self.issued_ms,
            lifetime: self.lifetime,
            max_early_data: self.max_early_data,
            alpn: self.alpn.as_deref(),
            server_name: self.server_name.as_deref().map(str::as_bytes),
            peer_certificates: &self.peer_certificates,
            peer_raw_public_key: self.peer_raw_public_key,
            psk_identity: self.psk_identity.as_deref(),
            authenticated_ms: self.authenticated_ms,
            psk_fingerprint: self.psk_fingerprint.as_deref(),
            quic_early_data_context: self.quic_early_data_context.as_deref(),
        }
    }

    /// Encodes the session (it contains the PSK: keep the result secret).
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let fields = self.fields();
        let mut out = Zeroizing::new(Vec::with_capacity(fields.encoded_len()));
        fields.encode(&mut out);
        out
    }

    /// Decodes what [`encode`](Self::encode) produced.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        if r.u8("session version")? != SESSION_VERSION {
            return Err(InvalidMessage::InvalidValue("session version").into());
        }
        let suite = CipherSuite::read(&mut r)?;
        let psk = Zeroizing::new(r.vec_bytes(LengthPrefix::U8, "psk")?.to_vec());
        let age_add = r.u32("age_add")?;
        let issued_ms = u64_read(&mut r, "issued")?;
        let lifetime = r.u32("lifetime")?;
        let max_early_data = r.u32("max_early_data")?;
        let alpn = read_opt(&mut r, "alpn")?;
        let server_name = read_opt(&mut r, "server name")?
            .map(|n| String::from_utf8(n).map_err(|_| InvalidMessage::InvalidValue("server name")))
            .transpose()?;
        let peer_certificates = read_chain(&mut r)?;
        let peer_raw_public_key = read_flag(&mut r, "raw public key flag")?;
        let psk_identity = read_opt(&mut r, "psk identity")?;
        let authenticated_ms = u64_read(&mut r, "authenticated")?;
        let psk_fingerprint = read_opt(&mut r, "psk fingerprint")?;
        let quic_early_data_context = if r.any_left() {
            Some(
                r.vec_bytes(LengthPrefix::U16, "QUIC early data context")?
                    .to_vec(),
            )
        } else {
            None
        };
        r.expect_empty("session")?;
        Ok(Self {
            suite,
            psk,
            age_add,
            issued_ms,
            lifetime,
            max_early_data,
            alpn,
            server_name,
            peer_certificates,
            peer_raw_public_key,
            psk_identity,
            authenticated_ms,
            psk_fingerprint,
            quic_early_data_context,
        })
    }
}

/// A session a client can resume (from one NewSessionTicket).
#[derive(Clone)]
pub struct ClientSession {
    /// The suite of the connection that received the ticket.
    pub suite: CipherSuite,
    /// The resumption PSK (§4.7.1).
    pub psk: Zeroizing<Vec<u8>>,
    /// The opaque ticket (the PSK identity).
    pub ticket: Vec<u8>,
    /// ticket_age_add.
    pub age_add: u32,
    /// ticket_lifetime in seconds.
    pub lifetime: u32,
    /// When the ticket arrived, milliseconds since the epoch.
    pub received_ms: u64,
    /// max_early_data_size from the ticket (0: no 0-RTT).
    pub max_early_data: u32,
    /// The ALPN protocol of the original connection.
    pub alpn: Option<Vec<u8>>,
    /// The server's certificate chain on the original connection.
    pub peer_certificates: Vec<Vec<u8>>,
    /// `peer_certificates` is the server's raw public key (RFC 7250).
    pub peer_raw_public_key: bool,
    /// We presented a client certificate (or raw public key) on the
    /// connection this session comes from, or on a session it resumed: the
    /// server holds our identity in it.
    pub client_authenticated: bool,
    /// When a full handshake last authenticated the server (its
    /// certificate and CertificateVerify checked), milliseconds since the
    /// epoch: sessions from resumed connections keep it, and none is
    /// offered [`MAX_AUTHENTICATION_AGE_MS`] after it.
    pub authenticated_ms: u64,
    /// The verifier and client credentials of the configuration that
    /// accepted the session, kept in memory only (`None` after
    /// [`import`](Self::import)). See [`SessionOrigin`].
    pub origin: Option<SessionOrigin>,
    /// A session from a QUIC connection: the server's
    /// quic_transport_parameters on it, which 0-RTT under this session
    /// must respect (RFC 9000 §7.4.1). `None` for TLS over TCP.
    pub quic_transport_parameters: Option<Vec<u8>>,
}

/// What accepted a [`ClientSession`]: the configuration's server verifier
/// and client-certificate resolver. A session is offered by a connection
/// whose configuration has the very same objects (compared by `Arc`
/// identity; the session keeps them alive, so an address is never reused
/// while it is held); otherwise its server chain is verified again by the
/// new configuration's verifier, and a session we authenticated in is
/// offered only with the same resolver. This keeps a strict configuration
/// from resuming what a permissive one accepted, and one tenant's
/// credentials from being used by another.
#[derive(Clone)]
pub struct SessionOrigin {
    /// `None` for a PSK-only configuration (it never offers such sessions).
    pub(crate) verifier: Option<Arc<dyn ServerCertVerifier>>,
    pub(crate) client_resolver: Option<Arc<dyn ResolvesClientCert>>,
}

impl SessionOrigin {
    /// The origin of sessions accepted by `config`.
    pub fn of(config: &crate::config::ClientConfig) -> Self {
        Self {
            verifier: config.verifier.clone(),
            client_resolver: config.client_cert_resolver.clone(),
        }
    }
}

impl fmt::Debug for SessionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionOrigin").finish_non_exhaustive()
    }
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("suite", &self.suite)
            .field("received_ms", &self.received_ms)
            .field("lifetime", &self.lifetime)
            .field("max_early_data", &self.max_early_data)
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// Whether the ticket is still within its lifetime at `now_ms`, and
    /// within 7 days: RFC 9846 §4.7.1, "Clients MUST NOT use tickets for
    /// longer than 7 days after issuance, regardless of the
    /// ticket_lifetime" (a stored session need not come from a checked
    /// NewSessionTicket); and whether the server's authentication it
    /// carries is within [`MAX_AUTHENTICATION_AGE_MS`].
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms >= self.received_ms
            && now_ms.saturating_sub(self.received_ms)
                < u64::from(self.lifetime.min(604_800)).saturating_mul(1000)
            && authentication_fresh(self.authenticated_ms, now_ms)
    }

    /// The obfuscated_ticket_age to send at `now_ms` (§4.3.11.1).
    ///
    /// The age is rounded down to a lower bound of the true age: both
    /// readings are whole milliseconds, so the true time between them can
    /// be almost 1 ms less than their difference. A client age above the
    /// server's own view is impossible in reality and servers may reject
    /// it (GnuTLS refuses 0-RTT then), so we never claim more.
    pub fn obfuscated_age(&self, now_ms: u64) -> u32 {
        // The age fits 32 bits: lifetimes are at most 7 days (6e8 ms).
        let age = now_ms.saturating_sub(self.received_ms).saturating_sub(1) as u32;
        age.wrapping_add(self.age_add)
    }

    /// Encodes the session for storage (it contains the PSK: keep the
    /// result as secret as the connection keys).
    pub fn export(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.push(SESSION_VERSION);
        self.suite.encode(&mut out);
        put_vec(&mut out, LengthPrefix::U8, &self.psk);
        put_vec(&mut out, LengthPrefix::U16, &self.ticket);
        out.extend_from_slice(&self.age_add.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        out.extend_from_slice(&self.received_ms.to_be_bytes());
        out.extend_from_slice(&self.max_early_data.to_be_bytes());
        put_opt(&mut out, self.alpn.as_deref());
        put_chain(&mut out, &self.peer_certificates);
        out.push(u8::from(self.peer_raw_public_key));
        out.push(u8::from(self.client_authenticated));
        out.extend_from_slice(&self.authenticated_ms.to_be_bytes());
        // Last, and only for QUIC sessions: an export of a TCP session is
        // what it was before QUIC sessions existed.
        if let Some(params) = &self.quic_transport_parameters {
            put_vec(&mut out, LengthPrefix::U16, params);
        }
        out
    }

    /// Decodes what [`export`](Self::export) produced. The origin is not
    /// part of the export: an imported session is offered only after the
    /// connecting configuration's verifier accepts its server chain again,
    /// and never when it carries our client identity (no resolver can be
    /// shown to own it).
    pub fn import(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        if r.u8("session version")? != SESSION_VERSION {
            return Err(InvalidMessage::InvalidValue("session version").into());
        }
        let s = Self {
            suite: CipherSuite::read(&mut r)?,
            psk: Zeroizing::new(r.vec_bytes(LengthPrefix::U8, "psk")?.to_vec()),
            ticket: r.nonempty_vec_bytes(LengthPrefix::U16, "ticket")?.to_vec(),
            age_add: r.u32("age_add")?,
            lifetime: r.u32("lifetime")?,
            received_ms: u64_read(&mut r, "received")?,
            max_early_data: r.u32("max_early_data")?,
            alpn: read_opt(&mut r, "alpn")?,
            peer_certificates: read_chain(&mut r)?,
            peer_raw_public_key: read_flag(&mut r, "raw public key flag")?,
            client_authenticated: read_flag(&mut r, "client authenticated flag")?,
            authenticated_ms: u64_read(&mut r, "authenticated")?,
            origin: None,
            quic_transport_parameters: None,
        };
        let quic_transport_parameters = if r.any_left() {
            Some(
                r.vec_bytes(LengthPrefix::U16, "QUIC transport parameters")?
                    .to_vec(),
            )
        } else {
            None
        };
        r.expect_empty("session")?;
        Ok(Self {
            quic_transport_parameters,
            ..s
        })
    }
}

/// Where a client files its sessions: the server name and a scope.
///
/// A session is offered only to a connection with the same key, so the
/// scope decides which connections share sessions. The default scope
/// ([`ClientConnection::new`](crate::ClientConnection::new)) is the
/// [`ClientConfig`](crate::ClientConfig) the connection was made from:
/// sessions then never cross configurations (one per service, with its own
/// ALPN, verifier and credentials). A configuration used for several
/// services of one host (other ports, other protocols) should name the
/// service with
/// [`ClientConnection::with_session_scope`](crate::ClientConnection::with_session_scope)
/// (e.g. `"example.com:8443"`); connections that use the same named scope
/// share sessions even across configurations, each session still being
/// checked against the connecting configuration ([`SessionOrigin`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub(crate) server_name: ServerName<'static>,
    scope: Scope,
    /// Sessions of QUIC connections are filed apart from TCP's: they
    /// carry transport parameters and a 0-RTT promise that mean nothing
    /// to the other transport (RFC 9001 §4.6.1).
    quic: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Scope {
    /// The configuration with this identity ([`ClientConfig`]'s own).
    Config(u64),
    /// A scope the embedder named.
    Named(String),
}

impl SessionKey {
    /// The key of connections to `server_name` in the scope the embedder
    /// calls `scope`. `server_name` is normalised as the connection does
    /// (DNS names in lower case).
    pub fn named(server_name: impl IntoServerName, scope: &str) -> Result<Self, Error> {
        Ok(Self {
            server_name: server_name.into_server_name()?,
            scope: Scope::Named(scope.into()),
            quic: false,
        })
    }

    /// The default key of connections made from `config` to `server_name`.
    pub fn for_config(
        config: &crate::config::ClientConfig,
        server_name: impl IntoServerName,
    ) -> Result<Self, Error> {
        Ok(Self::new(server_name.into_server_name()?, config, None))
    }

    /// A connection's key: its name, in `scope` if named, else in
    /// `config`'s own.
    pub(crate) fn new(
        server_name: ServerName<'static>,
        config: &crate::config::ClientConfig,
        scope: Option<&str>,
    ) -> Self {
        let scope = match scope {
            Some(s) => Scope::Named(s.into()),
            None => Scope::Config(config.session_scope_id()),
        };
        Self {
            server_name,
            scope,
            quic: false,
        }
    }

    /// The same key for connections over QUIC
    /// ([`quic::ClientConnection`](crate::quic::ClientConnection)), whose
    /// sessions are filed apart from those over TCP.
    pub fn for_quic(mut self) -> Self {
        self.quic = true;
        self
    }

    /// Whether this is the key of QUIC connections.
    pub fn is_quic(&self) -> bool {
        self.quic
    }

    /// The server name.
    pub fn server_name(&self) -> &ServerName<'static> {
        &self.server_name
    }

    /// The named scope, or `None` for a configuration's default scope.
    pub fn scope(&self) -> Option<&str> {
        match &self.scope {
            Scope::Config(_) => None,
            Scope::Named(s) => Some(s),
        }
    }
}

impl fmt::Display for SessionKey {
    /// `name` and the scope (`#config-N` for a configuration's default),
    /// separated by a space (server names contain none), with `#quic`
    /// between them for a QUIC key: a string key for an external store. A named scope that starts with `#` is written
    /// with one more `#`, so that no named scope reads as a
    /// configuration's own (`#config-1` named is `##config-1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::verify::{server_name_dns, server_name_ip};
        match (
            server_name_dns(&self.server_name),
            server_name_ip(&self.server_name),
        ) {
            (Some(dns), _) => f.write_str(dns)?,
            (None, Some(ip)) => write!(f, "{ip}")?,
            // IntoServerName makes only these two kinds.
            (None, None) => f.write_str("?")?,
        }
        if self.quic {
            // No named scope starts with an unescaped '#' (below).
            f.write_str(" #quic")?;
        }
        match &self.scope {
            Scope::Config(id) => write!(f, " #config-{id}"),
            Scope::Named(s) if s.starts_with('#') => write!(f, " #{s}"),
            Scope::Named(s) => write!(f, " {s}"),
        }
    }
}

/// Where a client keeps sessions between connections, by [`SessionKey`].
pub trait ClientSessionStore: Send + Sync {
    /// Stores a session received under `key`.
    fn put(&self, key: &SessionKey, session: ClientSession);
    /// A session for `key`, removed from the store when tickets are
    /// single-use (the default: RFC 9846 Appendix C.4 — a reused ticket
    /// links connections).
    fn take(&self, key: &SessionKey) -> Option<ClientSession>;
}

/// An external pre-shared key (RFC 9846 §2.2): an identity agreed out of
/// band, the secret, and the hash it is used with.
///
/// A device and a gateway that share keys and no certificates use the
/// PSK-only builders; the server learns which device it talks to from the
/// identity. (With [`ClientConfigBuilder::external_psk`] and
/// [`ServerConfigBuilder::external_psk`] a PSK goes next to
/// certificates instead.)
///
/// ```
/// use std::sync::Arc;
/// use tls13::crypto::hash::HashAlgorithm;
/// use tls13::resumption::ExternalPsk;
/// use tls13::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
///
/// let secret = [0x5a; 32]; // provisioned out of band, on both sides
/// let device = ClientConfig::builder_psk_only(ExternalPsk::new(b"sensor-17", &secret, HashAlgorithm::Sha256)?)
///     .build()?;
/// let gateway = ServerConfig::builder_psk_only([
///     ExternalPsk::new(b"sensor-17", &secret, HashAlgorithm::Sha256)?,
///     ExternalPsk::new(b"sensor-18", &[0xa5; 32], HashAlgorithm::Sha256)?,
/// ])
/// .build()?;
///
/// // The server name is still sent (SNI) but checks no certificate.
/// let mut client = ClientConnection::new(Arc::new(device), "gateway.local")?;
/// let mut server = ServerConnection::new(Arc::new(gateway))?;
/// while !client.pending_output().is_empty() || !server.pending_output().is_empty() {
///     let out = client.pending_output().to_vec();
///     client.consume_output(out.len());
///     server.receive(&out)?;
///     let out = server.pending_output().to_vec();
///     server.consume_output(out.len());
///     client.receive(&out)?;
/// }
/// assert_eq!(server.negotiated().psk_identity.as_deref(), Some(&b"sensor-17"[..]));
/// assert!(client.negotiated().external_psk);
/// # Ok::<(), tls13::Error>(())
/// ```
///
/// [`ClientConfigBuilder::external_psk`]: crate::config::ClientConfigBuilder::external_psk
/// [`ServerConfigBuilder::external_psk`]: crate::config::ServerConfigBuilder::external_psk
#[derive(Clone)]
pub struct ExternalPsk {
    /// The identity sent in the clear in the ClientHello.
    pub identity: Vec<u8>,
    secret: Zeroizing<Vec<u8>>,
    /// The hash of the suites this PSK may be used with.
    pub hash: HashAlgorithm,
}

impl ExternalPsk {
    /// A PSK; `identity` must be 1..=65535 bytes, `secret` non-empty.
    pub fn new(identity: &[u8], secret: &[u8], hash: HashAlgorithm) -> Result<Self, Error> {
        if identity.is_empty() || identity.len() > 0xffff || secret.is_empty() {
            return Err(Error::BadConfig(
                "external PSK: identity must be 1..=65535 bytes and the secret non-empty".into(),
            ));
        }
        Ok(Self {
            identity: identity.to_vec(),
            secret: Zeroizing::new(secret.to_vec()),
            hash,
        })
    }

    /// The secret.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The fingerprint sessions this PSK authenticates carry
    /// ([`ServerSession::psk_fingerprint`]).
    pub(crate) fn fingerprint(&self) -> Output {
        // Computed with the default provider: every provider gives the
        // same bytes, and the fingerprint outlives any one config.
        crate::key_schedule::external_psk_fingerprint(
            self.hash.with_default_provider(),
            &self.secret,
            &self.identity,
        )
    }

    /// Whether this is the PSK whose sessions carry `identity` and
    /// `fingerprint` (the fingerprint compared in constant time).
    pub(crate) fn authenticated(&self, identity: &[u8], fingerprint: Option<&[u8]>) -> bool {
        use subtle::ConstantTimeEq;
        // The identity first: a gateway with many PSKs derives one
        // fingerprint per ticket, not one per PSK.
        let Some(fingerprint) = fingerprint.filter(|_| self.identity == identity) else {
            return false;
        };
        let ours = self.fingerprint();
        ours.as_ref().len() == fingerprint.len() && bool::from(ours.as_ref().ct_eq(fingerprint))
    }
}

impl fmt::Debug for ExternalPsk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalPsk")
            .field("identity", &self.identity)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// Decides whether a 0-RTT ClientHello is seen for the first time (RFC
/// 9846 §8.2): a register shared by every server that redeems the same
/// tickets, which is why it belongs to the
/// [`TicketProducer`](crate::config::TicketProducer)
/// ([`TicketProducer::anti_replay`](crate::config::TicketProducer::anti_replay))
/// and not to one `ServerConfig`.
///
/// The server calls it only for early data it would otherwise accept,
/// after checking that the client's ticket age is within
/// [`window_ms`](Self::window_ms) of its own view (§8.3).
pub trait ReplayFilter: Send + Sync {
    /// The ticket-age tolerance (milliseconds) that goes with this
    /// register: a server refuses 0-RTT whose ticket age differs from its
    /// own view by more (or by more than its own
    /// [`early_data_window_ms`](crate::ServerConfig::early_data_window_ms),
    /// if that is smaller).
    fn window_ms(&self) -> u64;
    /// `true` the first time `key` (the ClientHello's first binder) is
    /// seen; `false` for a replay, or when the register cannot tell (it
    /// must fail closed). A `true` answer must be remembered at least until
    /// `until_ms`: the last moment the same ClientHello could still pass
    /// the freshness check (the ticket's issue time plus the client's age
    /// plus [`window_ms`](Self::window_ms)), so a replay never outlives its
    /// record, even when the client's age ran ahead of ours.
    fn check_and_insert(&self, key: &[u8], now_ms: u64, until_ms: u64) -> bool;
}

/// How a [`TicketProducer`](crate::config::TicketProducer) keeps 0-RTT
/// under its tickets from being replayed (RFC 9846 §8).
pub enum AntiReplay<'a> {
    /// None: the server refuses 0-RTT under these tickets (the default of
    /// the trait, so that a producer cannot forget it).
    None,
    /// Each ticket is redeemed at most once (a stateful store that
    /// forgets what it hands out, §8.1): a replayed ClientHello finds no
    /// session. The server's
    /// [`early_data_window_ms`](crate::ServerConfig::early_data_window_ms)
    /// bounds the ticket age.
    SingleUse,
    /// Every accepted 0-RTT ClientHello is recorded here (§8.2).
    Register(&'a dyn ReplayFilter),
}

#[cfg(feature = "std")]
pub use self::stores::{
    ClientSessionCache, InMemoryTicketStore, StatelessTicketer, StrikeRegister,
};

#[cfg(feature = "std")]
mod stores {
    use std::collections::{BTreeMap, BTreeSet, VecDeque};
    use std::sync::{Arc, Mutex};
    use std::vec;
    use std::vec::Vec;

    use zeroize::Zeroizing;

    use super::{
        AntiReplay, ClientSession, ClientSessionStore, ReplayFilter, ServerSession, SessionFields,
        SessionKey,
    };
    use crate::config::{TicketInfo, TicketProducer, TimeSource};
    use crate::crypto::SecureRandom;
    use crate::crypto::aead::{AeadAlgorithm, AeadKey, NONCE_LEN};
    use crate::error::Error;

    fn session_from(info: &TicketInfo<'_>) -> ServerSession {
        ServerSession {
            suite: info.suite,
            psk: Zeroizing::new(info.psk.to_vec()),
            age_add: info.age_add,
            issued_ms: info.now_ms,
            lifetime: info.lifetime,
            max_early_data: info.max_early_data,
            alpn: info.alpn.map(<[u8]>::to_vec),
            server_name: info.server_name.map(Into::into),
            peer_certificates: info.peer_certificates.to_vec(),
            peer_raw_public_key: info.peer_raw_public_key,
            psk_identity: info.psk_identity.map(<[u8]>::to_vec),
            authenticated_ms: info.authenticated_ms,
            psk_fingerprint: info.psk_fingerprint.map(<[u8]>::to_vec),
            quic_early_data_context: info.quic_early_data_context.map(<[u8]>::to_vec),
        }
    }

    fn session_fields<'a>(info: &TicketInfo<'a>) -> SessionFields<'a> {
        SessionFields {
            suite: info.suite,
            psk: info.psk,
            age_add: info.age_add,
            issued_ms: info.now_ms,
            lifetime: info.lifetime,
            max_early_data: info.max_early_data,
            alpn: info.alpn,
            server_name: info.server_name.map(str::as_bytes),
            peer_certificates: info.peer_certificates,
            peer_raw_public_key: info.peer_raw_public_key,
            psk_identity: info.psk_identity,
            authenticated_ms: info.authenticated_ms,
            psk_fingerprint: info.psk_fingerprint,
            quic_early_data_context: info.quic_early_data_context,
        }
    }

    const KEY_NAME_LEN: usize = 16;

    /// Sessions by ticket, and tickets oldest first.
    type Sessions = (BTreeMap<Vec<u8>, ServerSession>, VecDeque<Vec<u8>>);
    /// Keys seen with the time they may be forgotten, and the same pairs
    /// ordered by that time.
    type Strikes = (BTreeMap<Vec<u8>, u64>, BTreeSet<(u64, Vec<u8>)>);

    struct TicketKey {
        name: [u8; KEY_NAME_LEN],
        key: AeadKey,
        created: u64,
    }

    #[derive(Default)]
    struct Keys {
        current: Option<TicketKey>,
        previous: Option<TicketKey>,
    }

    /// Stateless tickets (the default): the [`ServerSession`] sealed with
    /// AES-256-GCM under a ticket key drawn from the rng. The key rotates
    /// every `rotate_after` seconds (by the clock given here); tickets
    /// under the previous key are still accepted for one more period, so a
    /// ticket stays usable for at least one full period after it was
    /// issued. Ticket = key name (16) ‖ nonce (12) ‖ ciphertext ‖ tag.
    ///
    /// Stateless tickets can be presented more than once, so 0-RTT under
    /// them is checked against a [`ReplayFilter`] that every server
    /// sharing this ticketer shares too: by default a [`StrikeRegister`]
    /// of 2^16 ClientHellos over a 10 s window; see
    /// [`with_replay_filter`](Self::with_replay_filter).
    pub struct StatelessTicketer {
        rng: Arc<dyn SecureRandom>,
        time: Arc<dyn TimeSource>,
        rotate_after: u64,
        keys: Mutex<Keys>,
        replay: Arc<dyn ReplayFilter>,
    }

    impl StatelessTicketer {
        /// A ticketer rotating its key every `rotate_after` seconds (at
        /// least 1). Choose a period no shorter than the ticket lifetime.
        pub fn new(
            rng: Arc<dyn SecureRandom>,
            time: Arc<dyn TimeSource>,
            rotate_after: u64,
        ) -> Self {
            Self {
                rng,
                time,
                rotate_after: rotate_after.max(1),
                keys: Mutex::new(Keys::default()),
                replay: Arc::new(StrikeRegister::new(1 << 16, 10_000)),
            }
        }

        /// The anti-replay register for 0-RTT under these tickets (e.g. a
        /// [`StrikeRegister`] with another window, or one shared between
        /// processes that share the ticket keys).
        pub fn with_replay_filter(mut self, filter: Arc<dyn ReplayFilter>) -> Self {
            self.replay = filter;
            self
        }

        fn new_key(&self, now: u64) -> Result<TicketKey, Error> {
            let mut name = [0u8; KEY_NAME_LEN];
            self.rng.fill(&mut name)?;
            let mut key = Zeroizing::new([0u8; 32]);
            self.rng.fill(key.as_mut())?;
            Ok(TicketKey {
                name,
                key: AeadKey::new(AeadAlgorithm::Aes256Gcm, key.as_ref())?,
                created: now,
            })
        }

        /// Brings the keys up to date with `now`.
        fn rotate(&self, keys: &mut Keys, now: u64) -> Result<(), Error> {
            let due = keys
                .current
                .as_ref()
                .is_none_or(|k| now >= k.created.saturating_add(self.rotate_after));
            if due {
                let fresh = self.new_key(now)?;
                keys.previous = keys.current.replace(fresh);
            }
            // The previous key serves one period after it was replaced.
            let stale = keys.previous.as_ref().is_some_and(|k| {
                now >= k
                    .created
                    .saturating_add(self.rotate_after.saturating_mul(2))
            });
            if stale {
                keys.previous = None;
            }
            Ok(())
        }
    }

    impl TicketProducer for StatelessTicketer {
        fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
            let fields = session_fields(info);
            let now = self.time.now_unix();
            let mut keys = self.keys.lock().ok()?;
            self.rotate(&mut keys, now).ok()?;
            let key = keys.current.as_ref()?;
            let mut nonce = [0u8; NONCE_LEN];
            self.rng.fill(&mut nonce).ok()?;
            // key name ‖ nonce ‖ sealed session ‖ tag, built and sealed in
            // one buffer of the exact size (so the plaintext PSK is never
            // left behind by a reallocation); wiped if sealing fails.
            let header = KEY_NAME_LEN + NONCE_LEN;
            let mut ticket = Zeroizing::new(Vec::with_capacity(
                fields
                    .encoded_len()
                    .saturating_add(header + crate::crypto::aead::TAG_LEN),
            ));
            ticket.extend_from_slice(&key.name);
            ticket.extend_from_slice(&nonce);
            fields.encode(&mut ticket);
            let tag = key
                .key
                .seal_detached(&nonce, &key.name, ticket.get_mut(header..)?)
                .ok()?;
            ticket.extend_from_slice(&tag);
            Some(core::mem::take(&mut *ticket))
        }

        fn redeem(&self, ticket: &[u8]) -> Option<ServerSession> {
            let name = ticket.get(..KEY_NAME_LEN)?;
            let nonce: [u8; NONCE_LEN] = ticket
                .get(KEY_NAME_LEN..KEY_NAME_LEN + NONCE_LEN)?
                .try_into()
                .ok()?;
            let mut body = Zeroizing::new(ticket.get(KEY_NAME_LEN + NONCE_LEN..)?.to_vec());
            let now = self.time.now_unix();
            let mut keys = self.keys.lock().ok()?;
            self.rotate(&mut keys, now).ok()?;
            // Key names are random and public; comparing them in variable
            // time reveals nothing.
            let key = [keys.current.as_ref(), keys.previous.as_ref()]
                .into_iter()
                .flatten()
                .find(|k| k.name == name)?;
            let n = key.key.open_in_place(&nonce, &key.name, &mut body).ok()?;
            ServerSession::decode(body.get(..n)?).ok()
        }

        fn anti_replay(&self) -> AntiReplay<'_> {
            AntiReplay::Register(self.replay.as_ref())
        }
    }

    /// Stateful tickets: the ticket is a random 16-byte handle into this
    /// bounded in-memory store (oldest evicted first). Tickets are
    /// single-use: redeeming removes the entry, which also makes 0-RTT
    /// under one ticket impossible to replay on this server.
    pub struct InMemoryTicketStore {
        rng: Arc<dyn SecureRandom>,
        capacity: usize,
        inner: Mutex<Sessions>,
    }

    impl InMemoryTicketStore {
        /// A store of at most `capacity` sessions.
        pub fn new(rng: Arc<dyn SecureRandom>, capacity: usize) -> Self {
            Self {
                rng,
                capacity: capacity.max(1),
                inner: Mutex::new((BTreeMap::new(), VecDeque::new())),
            }
        }

        /// Stores `session` under `ticket` (e.g. to map a ticket recorded
        /// elsewhere to its state).
        pub fn insert(&self, ticket: Vec<u8>, session: ServerSession) {
            let Ok(mut g) = self.inner.lock() else {
                return;
            };
            let (map, order) = &mut *g;
            while map.len() >= self.capacity {
                let Some(old) = order.pop_front() else { break };
                map.remove(&old);
            }
            if map.insert(ticket.clone(), session).is_none() {
                order.push_back(ticket);
            }
        }

        /// Sessions held.
        pub fn len(&self) -> usize {
            self.inner.lock().map(|g| g.0.len()).unwrap_or(0)
        }

        /// Whether the store is empty.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }
    }

    impl TicketProducer for InMemoryTicketStore {
        fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
            let mut handle = vec![0u8; 16];
            self.rng.fill(&mut handle).ok()?;
            self.insert(handle.clone(), session_from(info));
            Some(handle)
        }

        fn redeem(&self, ticket: &[u8]) -> Option<ServerSession> {
            let mut g = self.inner.lock().ok()?;
            let (map, order) = &mut *g;
            let s = map.remove(ticket)?;
            order.retain(|t| t != ticket);
            Some(s)
        }

        fn anti_replay(&self) -> AntiReplay<'_> {
            // Redeeming removes the session: a replay finds nothing.
            AntiReplay::SingleUse
        }
    }

    /// The default client session cache: bounded in server names (least
    /// recently stored evicted) and in tickets per name; tickets are
    /// single-use unless built with `single_use = false`.
    pub struct ClientSessionCache {
        max_names: usize,
        per_name: usize,
        single_use: bool,
        inner: Mutex<VecDeque<(SessionKey, VecDeque<ClientSession>)>>,
    }

    impl ClientSessionCache {
        /// At most `max_names` servers, `per_name` tickets each.
        pub fn new(max_names: usize, per_name: usize, single_use: bool) -> Self {
            Self {
                max_names: max_names.max(1),
                per_name: per_name.max(1),
                single_use,
                inner: Mutex::new(VecDeque::new()),
            }
        }

        /// Every session held, exported (see [`ClientSession::export`]).
        pub fn export_all(&self) -> Vec<(SessionKey, Zeroizing<Vec<u8>>)> {
            let Ok(g) = self.inner.lock() else {
                return Vec::new();
            };
            g.iter()
                .flat_map(|(n, q)| q.iter().map(move |s| (n.clone(), s.export())))
                .collect()
        }

        /// Imports an exported session under `key` (see
        /// [`ClientSession::import`] for how it may be used).
        pub fn import(&self, key: &SessionKey, bytes: &[u8]) -> Result<(), Error> {
            self.put(key, ClientSession::import(bytes)?);
            Ok(())
        }

        /// Tickets held under `key`.
        pub fn count(&self, key: &SessionKey) -> usize {
            self.inner
                .lock()
                .ok()
                .and_then(|g| g.iter().find(|(n, _)| n == key).map(|(_, q)| q.len()))
                .unwrap_or(0)
        }

        /// Tickets held for `server_name` under any key.
        pub fn count_for_name(&self, server_name: &str) -> usize {
            let Ok(name) = crate::verify::IntoServerName::into_server_name(server_name) else {
                return 0;
            };
            self.inner
                .lock()
                .map(|g| {
                    g.iter()
                        .filter(|(n, _)| *n.server_name() == name)
                        .map(|(_, q)| q.len())
                        .sum()
                })
                .unwrap_or(0)
        }
    }

    impl Default for ClientSessionCache {
        fn default() -> Self {
            Self::new(256, 4, true)
        }
    }

    impl ClientSessionStore for ClientSessionCache {
        fn put(&self, key: &SessionKey, session: ClientSession) {
            let Ok(mut g) = self.inner.lock() else {
                return;
            };
            let entry = match g.iter().position(|(n, _)| n == key) {
                Some(i) => g.remove(i),
                None => None,
            };
            let mut entry = entry.unwrap_or_else(|| (key.clone(), VecDeque::new()));
            if entry.1.len() >= self.per_name {
                entry.1.pop_front();
            }
            entry.1.push_back(session);
            while g.len() >= self.max_names {
                g.pop_front();
            }
            g.push_back(entry);
        }

        fn take(&self, key: &SessionKey) -> Option<ClientSession> {
            let mut g = self.inner.lock().ok()?;
            let i = g.iter().position(|(n, _)| n == key)?;
            let (_, q) = g.get_mut(i)?;
            // Newest first: the most recent ticket has the longest life.
            let s = if self.single_use {
                q.pop_back()?
            } else {
                q.back()?.clone()
            };
            if q.is_empty() {
                g.remove(i);
            }
            Some(s)
        }
    }

    /// A bounded strike register for 0-RTT (RFC 9846 §8.2): remembers the
    /// binder of every accepted 0-RTT ClientHello until that ClientHello
    /// could no longer pass the freshness check of `window_ms` (§8.3), so
    /// nothing older needs remembering. When full, it refuses (fails
    /// closed) rather than forget. Share one register between every server
    /// that redeems the same tickets (it travels with the ticketer:
    /// [`StatelessTicketer::with_replay_filter`]).
    pub struct StrikeRegister {
        capacity: usize,
        window_ms: u64,
        inner: Mutex<Strikes>,
    }

    impl StrikeRegister {
        /// At most `capacity` entries; `window_ms` is the ticket-age
        /// tolerance servers apply with this register.
        pub fn new(capacity: usize, window_ms: u64) -> Self {
            Self {
                capacity: capacity.max(1),
                window_ms,
                inner: Mutex::new((BTreeMap::new(), BTreeSet::new())),
            }
        }
    }

    impl ReplayFilter for StrikeRegister {
        fn window_ms(&self) -> u64 {
            self.window_ms
        }

        fn check_and_insert(&self, key: &[u8], now_ms: u64, until_ms: u64) -> bool {
            let Ok(mut g) = self.inner.lock() else {
                return false;
            };
            let (keys, by_time) = &mut *g;
            // Forget what can no longer pass the freshness check; each
            // entry goes once, so the work is amortised per insertion.
            while let Some((t, _)) = by_time.first() {
                if *t >= now_ms {
                    break;
                }
                if let Some((_, k)) = by_time.pop_first() {
                    keys.remove(&k);
                }
            }
            if keys.contains_key(key) || keys.len() >= self.capacity {
                return false;
            }
            keys.insert(key.to_vec(), until_ms);
            by_time.insert((until_ms, key.to_vec()));
            true
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use alloc::vec;

    #[test]
    fn client_session_round_trip() {
        let s = ClientSession {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            psk: Zeroizing::new(vec![7; 32]),
            ticket: vec![1, 2, 3],
            age_add: 99,
            lifetime: 7200,
            received_ms: 1_700_000_000_123,
            max_early_data: 1024,
            alpn: Some(b"h2".to_vec()),
            peer_certificates: vec![vec![0x30, 0], vec![0x30, 1]],
            peer_raw_public_key: true,
            client_authenticated: true,
            authenticated_ms: 1_700_000_000_000,
            origin: None,
            quic_transport_parameters: None,
        };
        let t = ClientSession::import(&s.export()).unwrap();
        assert_eq!(t.export(), s.export());
        assert!(ClientSession::import(&s.export()[1..]).is_err());
        // A QUIC session keeps the server's transport parameters.
        let q = ClientSession {
            quic_transport_parameters: Some(vec![4, 2]),
            ..s.clone()
        };
        let t = ClientSession::import(&q.export()).unwrap();
        assert_eq!(t.quic_transport_parameters.as_deref(), Some(&[4, 2][..]));
        assert_eq!(t.export(), q.export());
        assert_eq!(q.export()[..s.export().len()], s.export()[..]);
        assert!(s.is_fresh(1_700_000_000_123 + 7_199_999));
        assert!(!s.is_fresh(1_700_000_000_123 + 7_200_000));
    }

    #[test]
    fn server_session_encoding_has_the_announced_length() {
        let mut s = ServerSession {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            psk: Zeroizing::new(vec![7; 32]),
            age_add: 99,
            issued_ms: 1_700_000_000_123,
            lifetime: 7200,
            max_early_data: 1024,
            alpn: Some(b"h2".to_vec()),
            server_name: Some("example.com".into()),
            peer_certificates: vec![vec![0x30, 0], vec![0x30; 300]],
            peer_raw_public_key: true,
            psk_identity: Some(b"sensor-1".to_vec()),
            authenticated_ms: 1_700_000_000_000,
            psk_fingerprint: Some(vec![7; 32]),
            quic_early_data_context: Some(vec![9; 32]),
        };
        let e = s.encode();
        assert_eq!(e.len(), s.fields().encoded_len());
        assert_eq!(e.capacity(), e.len());
        assert_eq!(ServerSession::decode(&e).unwrap().encode(), e);
        (
            s.alpn,
            s.server_name,
            s.peer_certificates,
            s.psk_identity,
            s.psk_fingerprint,
            s.quic_early_data_context,
        ) = (None, None, Vec::new(), None, None, None);
        assert_eq!(s.encode().len(), s.fields().encoded_len());
        assert_eq!(
            ServerSession::decode(&s.encode()).unwrap().encode(),
            s.encode()
        );
    }

    #[test]
    fn strike_register_rejects_replays_and_forgets_after_window() {
        let r = StrikeRegister::new(2, 1000);
        assert!(r.check_and_insert(b"a", 0, 1000));
        assert!(!r.check_and_insert(b"a", 10, 1010));
        assert!(r.check_and_insert(b"b", 20, 1500));
        // Full: fails closed.
        assert!(!r.check_and_insert(b"c", 30, 1030));
        // Each entry is kept until its own time, not the window from its
        // insertion.
        assert!(!r.check_and_insert(b"b", 1200, 2200));
        assert!(r.check_and_insert(b"a", 1200, 2200));
        assert!(r.check_and_insert(b"c", 1600, 2600));
    }

    #[test]
    fn cache_is_bounded_and_single_use() {
        let c = ClientSessionCache::new(2, 2, true);
        let s = |n: u8| ClientSession {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            psk: Zeroizing::new(vec![n; 32]),
            ticket: vec![n],
            age_add: 0,
            lifetime: 10,
            received_ms: 0,
            max_early_data: 0,
            alpn: None,
            peer_certificates: vec![],
            peer_raw_public_key: false,
            client_authenticated: false,
            authenticated_ms: 0,
            origin: None,
            quic_transport_parameters: None,
        };
        let key = |n: &str| SessionKey::named(n, "443").unwrap();
        for n in 0..3 {
            c.put(&key("a"), s(n));
        }
        assert_eq!(c.count(&key("a")), 2);
        c.put(&key("b"), s(9));
        c.put(&key("c"), s(9));
        assert_eq!(c.count(&key("a")), 0, "evicted");
        assert_eq!(c.take(&key("b")).unwrap().ticket, [9]);
        assert!(c.take(&key("b")).is_none(), "single use");
        // Another scope of the same name is another key.
        c.put(&key("c"), s(1));
        assert!(c.take(&SessionKey::named("c", "8443").unwrap()).is_none());
        assert_eq!(c.count_for_name("c"), 2);
        let _ = Arc::new(c);
    }
}
