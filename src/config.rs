//! Client and server configuration, built with safe defaults.
//!
//! A configuration is shared by many connections (`Arc<ClientConfig>`,
//! `Arc<ServerConfig>`). Everything a connection needs from the outside
//! world — randomness, the clock, certificate decisions, signing — is
//! injected here, so that a connection is deterministic given its inputs
//! (a handshake can be replayed byte for byte).
//!
//! # Random draws
//!
//! Every random byte comes from `config.rng`, in this order, so that a
//! replay (RFC 8448) can script them:
//!
//! * client, at [`ClientConnection::new`](crate::ClientConnection::new):
//!   `random` (32 bytes); the legacy_session_id (32 bytes, only in
//!   middlebox-compatibility mode); then the key exchange draws (see
//!   [`crypto::kx::KeyExchange`]) for the first group of
//!   [`ClientConfig::groups`], then for X25519 when the first group is
//!   X25519MLKEM768 and [`ClientConfig::hybrid_x25519_share`] is set. After a
//!   HelloRetryRequest: the key exchange draws for the requested group.
//! * server: on a HelloRetryRequest, the cookie generator's draws (32 bytes
//!   by default). On the ServerHello: `random` (32 bytes), then the key
//!   exchange's draws ([`crypto::kx::server_exchange`]), then the signer's
//!   draws when signing CertificateVerify (the RSA-PSS salt), then 4 bytes
//!   of `ticket_age_add` per NewSessionTicket (plus the ticket producer's
//!   own draws, if it uses this rng). A PSK handshake makes no key
//!   exchange draws with psk_ke and no signer draws. A post-handshake
//!   CertificateRequest draws its 16-byte context.
//! * client: offering a PSK or 0-RTT draws nothing more.
//! * client with ECH ([`ClientConfigBuilder::ech`]), after the key shares:
//!   offering, ClientHelloOuter's `random` (32 bytes), the HPKE
//!   encapsulation's draws, then for each ClientHello that offers a PSK
//!   the GREASE PSK's identity and 4 bytes of age (first hello only) and
//!   its binder; GREASE, 2 bytes (config_id, suite), the HPKE key
//!   generation's draws and the payload, in the first ClientHello only.
//!
//! The draws of one flight are fetched from the source in one call where
//! their lengths are known ([`KxGroup::start_random_len`] and
//! [`KxGroup::exchange_random_len`]; every built-in group knows them):
//! the client's random, legacy_session_id and key shares, the server's
//! random and key exchange. They are handed to the draws above in the
//! same order, so a source that gives a stream of bytes (the operating
//! system's, a scripted replay) sees no difference, but is called once
//! per flight, not once per draw (one system call instead of three for
//! [`OsRandom`](crypto::OsRandom)). The server fetches its key exchange's
//! bytes before the group checks the client's share, so a share that
//! fails the check has consumed them.
//!
//! [`KxGroup::start_random_len`]: crypto::kx::KxGroup::start_random_len
//! [`KxGroup::exchange_random_len`]: crypto::kx::KxGroup::exchange_random_len

mod accessors;
mod cert_key;
mod psk_only;

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::crypto;
use crate::crypto::CryptoProvider;
use crate::crypto::SecureRandom;
use crate::crypto::sign::{DEFAULT_MIN_RSA_BITS, SUPPORTED_SCHEMES, SigningKey};
use crate::crypto::suites::SuiteParams;
use crate::error::Error;
use crate::key_schedule::KeyLog;
use crate::msgs::enums::{
    CertificateType, CipherSuite, NamedGroup, PskKeyExchangeMode, SignatureScheme,
};
use crate::msgs::handshake::{ClientHello, ServerExtension};
use crate::resumption::{AntiReplay, ClientSessionStore, ExternalPsk, ServerSession};
use crate::verify::{
    CertifiedKey, ClientCertVerifier, Decision, ResolvesClientCert, ResolvesServerCert,
    ServerCertVerifier, SingleCertResolver, SingleClientCert,
};

/// A source of the current time, as seconds since the UNIX epoch. The
/// connection never reads a clock itself; it asks this (and passes the
/// answer to the certificate verifier).
pub trait TimeSource: Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now_unix(&self) -> u64;
    /// Milliseconds since the epoch, for ticket ages (RFC 9846 §4.3.11.1).
    /// The default is [`now_unix`](Self::now_unix) × 1000.
    fn now_unix_millis(&self) -> u64 {
        self.now_unix().saturating_mul(1000)
    }
}

/// [`TimeSource`] reading `std::time::SystemTime` (feature `std`).
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemTimeSource;

#[cfg(feature = "std")]
impl TimeSource for SystemTimeSource {
    fn now_unix(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
    fn now_unix_millis(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A fixed time, for tests and replays.
#[derive(Clone, Copy, Debug)]
pub struct FixedTime(pub u64);

impl TimeSource for FixedTime {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

/// How protected records are padded (RFC 9846 §5.4). Padding hides the
/// length of the content from an observer, at the cost of bandwidth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaddingPolicy {
    /// No padding (the default).
    #[default]
    None,
    /// Pad each TLSInnerPlaintext (content + type byte) up to a multiple
    /// of this many bytes, as far as the peer's record size limit allows.
    ToMultipleOf(usize),
}

impl PaddingPolicy {
    /// How many zero bytes to append to `content_len` bytes of content,
    /// given the largest TLSInnerPlaintext `max_inner` the peer accepts.
    pub fn padding_for(self, content_len: usize, max_inner: usize) -> usize {
        match self {
            Self::None => 0,
            Self::ToMultipleOf(n) if n > 1 => {
                let inner = content_len.saturating_add(1);
                let rem = inner.checked_rem(n).unwrap_or(0);
                let pad = if rem == 0 { 0 } else { n.saturating_sub(rem) };
                pad.min(max_inner.saturating_sub(inner))
            }
            Self::ToMultipleOf(_) => 0,
        }
    }
}

/// A hook that edits each ClientHello just before it is encoded.
///
/// **For trace replay and fingerprinting only**: it lets a test reproduce
/// another implementation's ClientHello byte for byte (the RFC 8448 client
/// was NSS, which offered ffdhe groups and legacy signature schemes that
/// this library does not implement). The connection still only accepts
/// what it implements; offering more than that can make handshakes fail.
pub type ClientHelloHook = Arc<dyn Fn(&mut ClientHello) + Send + Sync>;

/// A hook that edits the EncryptedExtensions list just before it is
/// encoded. **For trace replay and fingerprinting only** (e.g. RFC 8448's
/// server sent `supported_groups` first).
pub type EncryptedExtensionsHook = Arc<dyn Fn(&mut Vec<ServerExtension>) + Send + Sync>;

/// Produces the HelloRetryRequest cookie (RFC 9846 §4.3.2). The server
/// sends one in every HelloRetryRequest and requires the second
/// ClientHello to echo it exactly.
pub trait CookieGenerator: Send + Sync {
    /// A fresh cookie (1..=65535 bytes).
    fn cookie(&self, rng: &dyn SecureRandom) -> Result<Vec<u8>, Error>;
}

/// The default cookie: 32 random bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomCookie;

impl CookieGenerator for RandomCookie {
    fn cookie(&self, rng: &dyn SecureRandom) -> Result<Vec<u8>, Error> {
        let mut c = vec![0u8; 32];
        rng.fill(&mut c)?;
        Ok(c)
    }
}

/// What a [`TicketProducer`] gets to build a ticket from.
pub struct TicketInfo<'a> {
    /// The resumption PSK this ticket stands for (§4.7.1).
    pub psk: &'a [u8],
    /// The negotiated suite.
    pub suite: CipherSuite,
    /// The ticket nonce.
    pub nonce: &'a [u8],
    /// The obfuscation value sent to the client.
    pub age_add: u32,
    /// The ticket lifetime in seconds.
    pub lifetime: u32,
    /// The current time (seconds since the epoch).
    pub now: u64,
    /// The negotiated ALPN protocol.
    pub alpn: Option<&'a [u8]>,
    /// The client's SNI.
    pub server_name: Option<&'a str>,
    /// The current time in milliseconds (the issue time of the ticket).
    pub now_ms: u64,
    /// max_early_data_size announced with this ticket (0: none).
    pub max_early_data: u32,
    /// The client's certificate chain, if it authenticated.
    pub peer_certificates: &'a [Vec<u8>],
    /// `peer_certificates` is the client's raw public key (RFC 7250).
    pub peer_raw_public_key: bool,
    /// The identity of the external PSK that authenticated the client (on
    /// this connection, or on the session it resumed), if one did.
    pub psk_identity: Option<&'a [u8]>,
    /// When the full handshake behind this connection authenticated the
    /// client (milliseconds since the epoch; see
    /// [`ServerSession::authenticated_ms`]).
    pub authenticated_ms: u64,
    /// With `psk_identity`: the fingerprint of that PSK's secret (see
    /// [`ServerSession::psk_fingerprint`]), to be kept with the session.
    pub psk_fingerprint: Option<&'a [u8]>,
    /// A QUIC ticket that allows 0-RTT: what 0-RTT under it assumes (see
    /// [`ServerSession::quic_early_data_context`]), to be kept with the
    /// session.
    pub quic_early_data_context: Option<&'a [u8]>,
}

/// Issues and redeems the opaque `ticket` of a NewSessionTicket (RFC 9846
/// §4.7.1): stateless ([`StatelessTicketer`](crate::resumption::StatelessTicketer),
/// the state sealed in the ticket) or stateful (a store keyed by the
/// ticket, e.g. [`InMemoryTicketStore`](crate::resumption::InMemoryTicketStore)).
pub trait TicketProducer: Send + Sync {
    /// The ticket, or `None` to send no ticket.
    fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>>;
    /// The session behind a ticket a client offers, or `None` when the
    /// ticket is unknown, foreign or damaged (the server then falls back
    /// to a full handshake). The default knows no ticket.
    fn redeem(&self, ticket: &[u8]) -> Option<ServerSession> {
        let _ = ticket;
        None
    }
    /// What the server calls: [`redeem`](Self::redeem) at once by default.
    /// Return `Decision::Deferred` to look the ticket up slowly or
    /// remotely (a shared store, an HSM holding the ticket key): the
    /// connection emits [`Event::RedeemTicket`](crate::Event::RedeemTicket)
    /// and waits for [`ServerConnection::answer_ticket`](crate::ServerConnection::answer_ticket).
    fn redeem_or_defer(&self, ticket: &[u8]) -> Decision<Option<ServerSession>> {
        Decision::Ready(self.redeem(ticket))
    }
    /// How 0-RTT under these tickets is kept from being replayed (RFC 9846
    /// §8). It belongs to the producer because every server that redeems
    /// the same tickets (a reloaded configuration, per-name
    /// configurations, workers) must share it: a ClientHello accepted by
    /// one must be refused by all. The default, [`AntiReplay::None`],
    /// makes servers refuse 0-RTT under these tickets; wrappers forward
    /// their inner producer's answer.
    fn anti_replay(&self) -> AntiReplay<'_> {
        AntiReplay::None
    }
}

/// Bounds on what a peer can make a connection do or hold. Every field has
/// a safe default ([`Limits::default`]); raise one only for a peer you
/// know needs it. A peer that crosses a count or size limit gets the alert
/// named on the field and the connection fails with the error named there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Consecutive empty application_data records (§5.4 allows them as
    /// traffic-analysis cover; an endless stream of them is a loop).
    /// Default 32. `PeerMisbehaved::TooMany`, `unexpected_message`.
    pub max_empty_records: u32,
    /// user_canceled alerts (at any level: RFC 9846 §6.1) without
    /// application data in between. Default 32. `PeerMisbehaved::TooMany`, `unexpected_message`.
    pub max_warning_alerts: u32,
    /// KeyUpdates without application data in between (§4.7.3): each costs
    /// a key derivation and may ask for our own KeyUpdate. Default 32.
    /// `PeerMisbehaved::TooMany`, `unexpected_message`.
    pub max_key_updates: u32,
    /// change_cipher_spec records during the handshake (Appendix E.4: one
    /// is normal). Default 32. `PeerMisbehaved::TooMany`,
    /// `unexpected_message`.
    pub max_change_cipher_specs: u32,
    /// Largest handshake message accepted, header included. Default 64 KiB:
    /// the Certificate is the only large message, and real chains are far
    /// smaller (a three-certificate RSA-4096 chain with SCTs is about
    /// 6 KiB; four ML-DSA-87 certificates about 30 KiB); rustls uses the
    /// same bound and OpenSSL's certificate list limit is 100 KiB. The
    /// joiner buffers at most this much of a message the peer announces
    /// (a NewSessionTicket may take up to 66 831 bytes whatever this says:
    /// a ticket of 65535 bytes is legal, and is read and ignored).
    /// `PeerMisbehaved::MessageTooLarge`, `illegal_parameter`.
    pub max_handshake_message: usize,
    /// Certificates accepted in the peer's chain (leaf included). Default
    /// 10: public web chains have 2–4; each certificate is parsed and may
    /// be a path-building candidate, so the count bounds validation work.
    /// `CertificateError::ChainTooLong`, `bad_certificate`.
    pub max_certificate_chain: usize,
    /// Received application data not yet taken with
    /// `consume_received_data` (bytes) at which `Connection::wants_read()`
    /// turns false. Default 1 MiB. Backpressure, not an error: `receive`
    /// still takes and processes everything it is given (the data stays
    /// where it was decrypted, inside the bytes the caller passed in), so
    /// a driver that reads the transport only while `wants_read()` keeps
    /// about this much buffered for a slow application. With nothing
    /// unread, `wants_read()` is true whatever this says (0: read only
    /// once the application took everything).
    pub max_buffered_data: usize,
    /// Input buffered while a decision (certificate selection, signature,
    /// verification) is suspended (bytes). Default 128 KiB.
    /// `PeerMisbehaved::TooMany`, `unexpected_message`.
    pub max_suspended_input: usize,
    /// Extensions in one extension block of a peer's message (ClientHello,
    /// ServerHello, EncryptedExtensions, CertificateRequest, each
    /// certificate entry, NewSessionTicket). Default 256: about 60 types
    /// are registered and real hellos carry 10–25. Counted while the
    /// message is parsed, before the entry past the limit costs anything;
    /// `InvalidMessage::ListTooLong`, `illegal_parameter`.
    ///
    /// The peer-controlled lists are bounded by these four counts and by
    /// [`max_handshake_message`](Self::max_handshake_message); every
    /// check over them (duplicates, membership, the second ClientHello
    /// against the first) is linear or n·log n, so a hostile message
    /// costs about what an honest one of its size does.
    pub max_extensions: usize,
    /// Key shares in a ClientHello (RFC 9846 §4.3.8). Default 16: clients
    /// send one to three (browsers: a GREASE share, the hybrid and
    /// X25519), and only the one the server uses is ever validated.
    /// `InvalidMessage::ListTooLong`, `illegal_parameter`.
    pub max_key_shares: usize,
    /// PSK identities (and binders) offered in a ClientHello (RFC 9846
    /// §4.3.11). Default 16: clients offer one or two.
    /// `InvalidMessage::ListTooLong`, `illegal_parameter`.
    pub max_psk_identities: usize,
    /// Entries in any other list of a peer's handshake message: cipher
    /// suites, supported_groups, signature_algorithms(_cert),
    /// supported_versions, ALPN protocol names, certificate_authorities,
    /// server names, PSK key exchange modes, certificate types, and the
    /// entries of a Certificate message (of which at most
    /// [`max_certificate_chain`](Self::max_certificate_chain) are then
    /// accepted). Default 512: the largest real lists are a few hundred
    /// at most (an old client's cipher suites, a server's CA names in a
    /// CertificateRequest); a name list costs an allocation per entry, so
    /// a hello with every list at this limit and padded to 64 KiB costs
    /// the server under twice a normal hello (bench row
    /// `hs-hostile-clienthello`). `InvalidMessage::ListTooLong`,
    /// `illegal_parameter`.
    pub max_list_entries: usize,
}

impl Limits {
    /// The bounds on the lists of a peer's message, as the parser takes
    /// them.
    pub fn list_limits(&self) -> crate::msgs::handshake::ListLimits {
        crate::msgs::handshake::ListLimits {
            extensions: self.max_extensions,
            key_shares: self.max_key_shares,
            psk_identities: self.max_psk_identities,
            entries: self.max_list_entries,
        }
    }
}

/// Limits so small that no handshake could complete are configuration errors.
fn check_limits(l: &Limits) -> Result<(), Error> {
    if l.max_handshake_message < 1024 || l.max_certificate_chain == 0 {
        return Err(Error::BadConfig(
            "limits: max_handshake_message must be at least 1024 and max_certificate_chain at least 1"
                .into(),
        ));
    }
    // A hello needs a handful of extensions and one entry per list.
    if l.max_extensions < 16
        || l.max_key_shares == 0
        || l.max_psk_identities == 0
        || l.max_list_entries < 16
    {
        return Err(Error::BadConfig(
            "limits: max_extensions and max_list_entries must be at least 16, \
             max_key_shares and max_psk_identities at least 1"
                .into(),
        ));
    }
    Ok(())
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_empty_records: 32,
            max_warning_alerts: 32,
            max_key_updates: 32,
            max_change_cipher_specs: 32,
            max_handshake_message: 1 << 16,
            max_certificate_chain: 10,
            max_buffered_data: 1 << 20,
            max_suspended_input: 1 << 17,
            max_extensions: 256,
            max_key_shares: 16,
            max_psk_identities: 16,
            max_list_entries: 512,
        }
    }
}

/// Client configuration. Build with [`ClientConfig::builder`] (the
/// server authenticated by its certificate, checked by a verifier) or
/// [`ClientConfig::builder_psk_only`] (by an external PSK, no
/// certificates). One configuration serves any number of connections:
///
/// ```
/// use std::sync::Arc;
/// use tls13::verify_webpki::WebPkiServerVerifier;
/// use tls13::{ClientConfig, ClientConnection};
///
/// # use tls13::certgen::{self, Ca, KeyType};
/// # let rng = tls13::crypto::OsRandom;
/// # let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let ca_pem = certgen::to_pem("CERTIFICATE", Ca::new("Corp CA", &ca_key, 0, 4_000_000_000, &rng)?.cert_der());
/// // The CAs this client trusts (e.g. read from a file).
/// let verifier = WebPkiServerVerifier::from_pem(&ca_pem)?;
/// let config = Arc::new(
///     ClientConfig::builder(Arc::new(verifier))
///         .alpn_protocols(&[b"h2", b"http/1.1"])
///         .build()?,
/// );
/// let api = ClientConnection::new(config.clone(), "api.example.com")?;
/// let cdn = ClientConnection::new(config, "cdn.example.com")?;
/// # let _ = (api, cdn);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A built configuration cannot be changed: its fields are private, so
/// nothing set after [`build`](ClientConfigBuilder::build) can skip the
/// checks it made. Change the builder instead, and read the values
/// through the accessors ([`limits`](Self::limits), [`groups`](Self::groups), ...).
///
/// ```
/// # use std::sync::Arc;
/// # let verifier = Arc::new(tls13::PinnedCertVerifier::new(vec![0x30]));
/// let config = tls13::ClientConfig::builder(verifier).build()?;
/// assert_eq!(config.limits().max_handshake_message, 1 << 16);
/// # Ok::<(), tls13::Error>(())
/// ```
///
/// ```compile_fail,E0616
/// # use std::sync::Arc;
/// # let verifier = Arc::new(tls13::PinnedCertVerifier::new(vec![0x30]));
/// let mut config = tls13::ClientConfig::builder(verifier).build()?;
/// config.limits.max_handshake_message = 0; // error[E0616]: field `limits` is private
/// # Ok::<(), tls13::Error>(())
/// ```
#[non_exhaustive]
pub struct ClientConfig {
    /// How every cryptographic operation is done.
    pub(crate) provider: &'static CryptoProvider,
    /// Offered suites, in preference order.
    pub(crate) suites: Vec<SuiteParams>,
    /// Offered groups, in preference order. A key share is sent for the first.
    pub(crate) groups: Vec<NamedGroup>,
    /// When the first group is X25519MLKEM768, also send an X25519 share
    /// (as browsers do), so that servers without the hybrid avoid a
    /// HelloRetryRequest. Default `true`.
    pub(crate) hybrid_x25519_share: bool,
    /// Offered signature schemes (`signature_algorithms`), in preference order.
    pub(crate) signature_schemes: Vec<SignatureScheme>,
    /// Offered ALPN protocols, in preference order; empty = no ALPN.
    pub(crate) alpn_protocols: Vec<Vec<u8>>,
    /// RFC 8449 limit offered to the server (64..=16385); `None` = not offered.
    pub(crate) record_size_limit: Option<u16>,
    /// Padding of our protected records.
    pub(crate) padding: PaddingPolicy,
    /// Certificate compression (RFC 8879): offered and used; off by default.
    pub(crate) cert_compression: crate::compress::CertCompression,
    /// Middlebox compatibility mode (RFC 9846 Appendix E.4): a 32-byte
    /// legacy_session_id and a change_cipher_spec record before the second
    /// flight. Default `true`.
    pub(crate) middlebox_compat: bool,
    /// Receives secrets in the SSLKEYLOGFILE format. `None` by default.
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
    /// Decides whether the server's certificate is acceptable; `None`:
    /// PSK-only, no certificate is accepted.
    pub(crate) verifier: Option<Arc<dyn ServerCertVerifier>>,
    /// The only source of randomness.
    pub(crate) rng: Arc<dyn SecureRandom>,
    /// The clock given to the verifier.
    pub(crate) time: Arc<dyn TimeSource>,
    /// The smallest RSA key accepted in CertificateVerify (bits).
    pub(crate) min_rsa_bits: usize,
    /// Edits every ClientHello before encoding; trace replay only.
    pub(crate) client_hello_hook: Option<ClientHelloHook>,
    /// This configuration's identity in session keys (the default
    /// resumption scope, see [`SessionKey`](crate::resumption::SessionKey)).
    scope_id: u64,
    /// Chooses the certificate to present when the server sends a
    /// CertificateRequest; `None` (default): an empty Certificate is sent.
    pub(crate) client_cert_resolver: Option<Arc<dyn ResolvesClientCert>>,
    /// Sessions for resumption: tickets received are stored here and the
    /// next connection to the same name offers one. Default (`std`): a
    /// [`ClientSessionCache`](crate::resumption::ClientSessionCache) of
    /// single-use tickets; `None`: no resumption.
    pub(crate) session_store: Option<Arc<dyn ClientSessionStore>>,
    /// PSK key exchange modes offered (§4.3.9). Default `[psk_dhe_ke]`;
    /// `[psk_ke]` trades forward secrecy for a cheaper handshake.
    pub(crate) psk_modes: Vec<PskKeyExchangeMode>,
    /// An external PSK to offer (RFC 9846 §2.2); tickets are then not
    /// offered.
    pub(crate) external_psk: Option<Arc<ExternalPsk>>,
    /// Offer 0-RTT when the ticket allows it (default `false`). Early data
    /// can be replayed by an attacker: see
    /// [`ClientConnection::send_early_data`](crate::ClientConnection::send_early_data).
    pub(crate) enable_early_data: bool,
    /// Resource bounds against a hostile server.
    pub(crate) limits: Limits,
    /// What the server may present, in preference order (RFC 7250
    /// `server_certificate_type`). Default `[X509]`, which sends no
    /// extension; with `RAW_PUBLIC_KEY` the verifier's
    /// [`verify_server_raw_public_key`](ServerCertVerifier::verify_server_raw_public_key)
    /// decides (e.g. [`PinnedRawPublicKey`](crate::verify::PinnedRawPublicKey)).
    pub(crate) server_certificate_types: Vec<CertificateType>,
    /// What we can present when asked, in preference order (RFC 7250
    /// `client_certificate_type`). Default `[X509]`, which sends no
    /// extension.
    pub(crate) client_certificate_types: Vec<CertificateType>,
    /// Encrypted Client Hello (RFC 9849): offered, GREASE, or (`None`,
    /// the default) not sent.
    pub(crate) ech: Option<crate::ech::EchMode>,
    /// Ask for a stapled OCSP response (`status_request`, RFC 6066 §8).
    /// Default `false`.
    pub(crate) request_ocsp: bool,
    /// Ask for signed certificate timestamps
    /// (`signed_certificate_timestamp`, RFC 6962 §3.3.1). Default `false`.
    pub(crate) request_scts: bool,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("suites", &self.suites)
            .field("groups", &self.groups)
            .field("alpn_protocols", &self.alpn_protocols)
            .field("record_size_limit", &self.record_size_limit)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A builder. A client cannot be configured without deciding how the
    /// server's certificate is checked, so the verifier comes first.
    pub fn builder(verifier: Arc<dyn ServerCertVerifier>) -> ClientConfigBuilder {
        Self::builder_for(Some(verifier))
    }

    fn builder_for(verifier: Option<Arc<dyn ServerCertVerifier>>) -> ClientConfigBuilder {
        ClientConfigBuilder {
            config: ClientConfig {
                provider: crypto::default_provider(),
                // Resolved against the provider by `build`.
                suites: Vec::new(),
                groups: Vec::new(),
                hybrid_x25519_share: true,
                signature_schemes: SUPPORTED_SCHEMES.to_vec(),
                alpn_protocols: Vec::new(),
                record_size_limit: Some(DEFAULT_RECORD_SIZE_LIMIT),
                padding: PaddingPolicy::None,
                middlebox_compat: true,
                key_log: None,
                verifier,
                rng: default_rng(),
                time: default_time(),
                min_rsa_bits: DEFAULT_MIN_RSA_BITS,
                client_hello_hook: None,
                scope_id: 0,
                client_cert_resolver: None,
                session_store: default_session_store(),
                psk_modes: vec![PskKeyExchangeMode::PSK_DHE_KE],
                external_psk: None,
                enable_early_data: false,
                limits: Limits::default(),
                server_certificate_types: vec![CertificateType::X509],
                client_certificate_types: vec![CertificateType::X509],
                ech: None,
                request_ocsp: false,
                request_scts: false,
                cert_compression: Default::default(),
            },
            suites: None,
            groups: None,
            rng_set: cfg!(feature = "std"),
            time_set: cfg!(feature = "std"),
            pending: None,
        }
    }
}

/// The record_size_limit we offer by default: a full TLS 1.3 record
/// (2^14 content + 1 type byte; RFC 8449 §4).
pub const DEFAULT_RECORD_SIZE_LIMIT: u16 = 16385;

/// Builds a [`ClientConfig`]. Every setting has a safe default (the
/// three GCM/ChaCha20 suites, X25519MLKEM768 first, resumption with single-use
/// tickets, no 0-RTT); [`build`](Self::build) checks the whole and names
/// the first mistake.
///
/// ```
/// use std::sync::Arc;
/// use tls13::crypto::sign::SigningKey;
/// use tls13::{ClientConfig, NamedGroup, PinnedCertVerifier};
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let server_cert = vec![0x30];
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let my_cert = certgen::self_signed(&[SubjectAltName::Dns("device-17.example".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let my_key_pem = certgen::to_pem("PRIVATE KEY", &key);
/// # let other_key_pem = certgen::to_pem("PRIVATE KEY", &certgen::generate_key(KeyType::EcdsaP256, &rng)?);
/// let builder = || {
///     ClientConfig::builder(Arc::new(PinnedCertVerifier::new(server_cert.clone())))
///         .groups(&[NamedGroup::X25519MLKEM768, NamedGroup::X25519])
/// };
/// // A client certificate (chain, leaf first), sent when a server asks.
/// let config = builder()
///     .client_auth_cert(vec![my_cert.clone()], SigningKey::from_pem(&my_key_pem)?)
///     .build()?;
///
/// // A key that is not the certificate's is refused here, not in every
/// // handshake.
/// let mistake = builder()
///     .client_auth_cert(vec![my_cert], SigningKey::from_pem(&other_key_pem)?)
///     .build();
/// assert!(mistake.unwrap_err().to_string().contains("does not match the certificate"));
/// # let _ = config;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientConfigBuilder {
    config: ClientConfig,
    /// The suites asked for, resolved against the provider by `build`.
    suites: Option<Vec<CipherSuite>>,
    /// The groups asked for; by default the provider's.
    groups: Option<Vec<NamedGroup>>,
    rng_set: bool,
    time_set: bool,
    /// A mistake found while building (a key that does not match its
    /// certificate), reported by `build`.
    pending: Option<Error>,
}

impl ClientConfigBuilder {
    /// Offered suites, in preference order. The two AES-CCM suites are
    /// offered only when named here (see [`crypto::suites`]).
    pub fn suites(mut self, suites: &[CipherSuite]) -> Self {
        self.suites = Some(suites.to_vec());
        self
    }
    /// How every cryptographic operation is done (default:
    /// [`crypto::default_provider`]). The suites are those of
    /// [`suites`](Self::suites) that the provider implements, or all of
    /// its own; the groups likewise. A certificate verifier holds its
    /// own (`x509::Policy::provider` for the WebPKI ones).
    pub fn provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.config.provider = provider;
        self
    }
    /// Offered groups, in preference order (a key share goes to the first).
    pub fn groups(mut self, groups: &[NamedGroup]) -> Self {
        self.groups = Some(groups.to_vec());
        self
    }
    /// Whether to add an X25519 share next to an X25519MLKEM768 one.
    pub fn hybrid_x25519_share(mut self, on: bool) -> Self {
        self.config.hybrid_x25519_share = on;
        self
    }
    /// Offered signature schemes.
    pub fn signature_schemes(mut self, schemes: &[SignatureScheme]) -> Self {
        self.config.signature_schemes = schemes.to_vec();
        self
    }
    /// Offered ALPN protocols, in preference order.
    pub fn alpn_protocols(mut self, protocols: &[&[u8]]) -> Self {
        self.config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }
    /// The RFC 8449 limit to offer, or `None` to not offer one.
    pub fn record_size_limit(mut self, limit: Option<u16>) -> Self {
        self.config.record_size_limit = limit;
        self
    }
    /// Padding of protected records.
    pub fn padding(mut self, padding: PaddingPolicy) -> Self {
        self.config.padding = padding;
        self
    }
    /// Middlebox compatibility mode (default on).
    pub fn middlebox_compat(mut self, on: bool) -> Self {
        self.config.middlebox_compat = on;
        self
    }
    /// A key log (debugging only).
    pub fn key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.config.key_log = Some(key_log);
        self
    }
    /// The random source (default: the OS under `std`).
    pub fn rng(mut self, rng: Arc<dyn SecureRandom>) -> Self {
        self.config.rng = rng;
        self.rng_set = true;
        self
    }
    /// The clock (default: `SystemTime` under `std`).
    pub fn time(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.config.time = time;
        self.time_set = true;
        self
    }
    /// The smallest RSA key accepted (default 2048 bits).
    pub fn min_rsa_bits(mut self, bits: usize) -> Self {
        self.config.min_rsa_bits = bits;
        self
    }
    /// A ClientHello hook (trace replay / fingerprinting only).
    pub fn client_hello_hook(mut self, hook: ClientHelloHook) -> Self {
        self.config.client_hello_hook = Some(hook);
        self
    }
    /// Client authentication with one chain (leaf first, DER) and its key,
    /// presented whenever the server asks (RFC 9846 §4.5.1).
    /// An empty chain, or a key that is not the leaf's, makes
    /// [`build`](Self::build) fail with a message naming the mistake.
    pub fn client_auth_cert(mut self, chain: Vec<Vec<u8>>, key: SigningKey) -> Self {
        if let Err(e) = cert_key::check_chain_and_key("client certificate", &chain, &key) {
            self.pending.get_or_insert(e);
        }
        let ck = CertifiedKey::new(chain, Arc::new(key));
        self.client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
    }
    /// Client authentication chosen per request by `resolver` (e.g. from
    /// the server's `certificate_authorities`, or with a remote signer).
    pub fn client_cert_resolver(mut self, resolver: Arc<dyn ResolvesClientCert>) -> Self {
        self.config.client_cert_resolver = Some(resolver);
        self
    }
    /// Where sessions are kept (`None`: no resumption).
    pub fn session_store(mut self, store: Option<Arc<dyn ClientSessionStore>>) -> Self {
        self.config.session_store = store;
        self
    }
    /// The PSK key exchange modes to offer, in preference order.
    pub fn psk_modes(mut self, modes: &[PskKeyExchangeMode]) -> Self {
        self.config.psk_modes = modes.to_vec();
        self
    }
    /// Offer this external PSK (RFC 9846 §2.2).
    pub fn external_psk(mut self, psk: ExternalPsk) -> Self {
        self.config.external_psk = Some(Arc::new(psk));
        self
    }
    /// Offer 0-RTT when a ticket allows it (replayable: see
    /// [`ClientConnection::send_early_data`](crate::ClientConnection::send_early_data)).
    pub fn enable_early_data(mut self, on: bool) -> Self {
        self.config.enable_early_data = on;
        self
    }
    /// Client authentication with a raw public key (RFC 7250): presents
    /// `key`'s SubjectPublicKeyInfo, and offers only that type.
    pub fn client_auth_raw_public_key(self, key: SigningKey) -> Self {
        let ck = CertifiedKey::raw_public_key(key);
        self.client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
            .client_certificate_types(&[CertificateType::RAW_PUBLIC_KEY])
    }
    /// See [`ClientConfig::server_certificate_types`].
    pub fn server_certificate_types(mut self, types: &[CertificateType]) -> Self {
        self.config.server_certificate_types = types.to_vec();
        self
    }
    /// See [`ClientConfig::client_certificate_types`].
    pub fn client_certificate_types(mut self, types: &[CertificateType]) -> Self {
        self.config.client_certificate_types = types.to_vec();
        self
    }

    /// Resource bounds ([`Limits`]); e.g.
    /// `Limits { max_key_updates: 4, ..Limits::default() }`.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Encrypted Client Hello (RFC 9849 §6): offer a server's published
    /// ECHConfigList ([`EchMode::Offer`](crate::ech::EchMode::Offer)) or
    /// send GREASE ([`EchMode::Grease`](crate::ech::EchMode::Grease)).
    /// Default: neither. A list with no config this client can use is
    /// refused by [`build`](Self::build).
    pub fn ech(mut self, mode: crate::ech::EchMode) -> Self {
        self.config.ech = Some(mode);
        self
    }

    /// Asks the server to staple an OCSP response to its certificate
    /// (`status_request`, RFC 6066 §8, RFC 9846 §4.5.1.1). Default off.
    /// The verifier receives it
    /// ([`ServerCertVerifier::verify_server_cert_with_status`]);
    /// [`WebPkiServerVerifier`](crate::verify_webpki::WebPkiServerVerifier)
    /// checks it and then holds a must-staple certificate (RFC 7633) to
    /// having one. The application reads it in
    /// [`Negotiated::peer_ocsp_response`](crate::Negotiated::peer_ocsp_response).
    /// A server that does not staple is not an error unless the verifier
    /// requires it.
    pub fn request_ocsp(mut self, on: bool) -> Self {
        self.config.request_ocsp = on;
        self
    }

    /// Asks the server for signed certificate timestamps
    /// (`signed_certificate_timestamp`, RFC 6962 §3.3.1). Default off. The
    /// verifier receives them and the application reads them in
    /// [`Negotiated::peer_scts`](crate::Negotiated::peer_scts); no
    /// verifier of this crate checks them against CT logs.
    pub fn request_scts(mut self, on: bool) -> Self {
        self.config.request_scts = on;
        self
    }

    /// Certificate compression (RFC 8879, [`crate::compress`]): offer the
    /// server to decompress its Certificate with `algorithms`, and
    /// compress our own client Certificate with the first of them the
    /// server's CertificateRequest offers. In our order of preference;
    /// each needs its feature (`compress-zlib`, `compress-brotli`,
    /// `compress-zstd`), which [`build`](Self::build) checks. Default:
    /// none (nothing offered, whatever features are compiled in);
    /// [`crate::compress::SUPPORTED`] names them all.
    pub fn certificate_compression(
        mut self,
        algorithms: &[crate::compress::CertificateCompressionAlgorithm],
    ) -> Self {
        self.config.cert_compression = crate::compress::CertCompression::new(algorithms);
        self
    }

    /// Checks and returns the configuration.
    pub fn build(mut self) -> Result<ClientConfig, Error> {
        if let Some(e) = self.pending {
            return Err(e);
        }
        (self.config.suites, self.config.groups) =
            resolve_algorithms(self.config.provider, self.suites.take(), self.groups.take());
        let c = &self.config;
        check_basics(
            self.rng_set && self.time_set,
            c.provider,
            &c.suites,
            &c.groups,
        )?;
        if c.signature_schemes.is_empty() {
            return Err(Error::BadConfig("no signature scheme configured".into()));
        }
        if c.psk_modes.is_empty() {
            return Err(Error::BadConfig("no PSK key exchange mode".into()));
        }
        psk_only::check_client(c)?;
        check_cert_types(&c.server_certificate_types)?;
        check_cert_types(&c.client_certificate_types)?;
        check_alpn(&c.alpn_protocols)?;
        check_limits(&c.limits)?;
        check_limit(c.record_size_limit)?;
        check_client_ech(c)?;
        c.cert_compression.check()?;
        let mut config = self.config;
        config.scope_id = next_scope_id();
        Ok(config)
    }
}

/// A process-wide counter naming each built [`ClientConfig`], so that the
/// default session scope of one configuration never matches another's.
fn next_scope_id() -> u64 {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed) as u64
}

impl ClientConfig {
    /// The identity of this configuration in session keys.
    pub(crate) fn session_scope_id(&self) -> u64 {
        self.scope_id
    }
}

/// Server configuration. Build with
/// [`ServerConfig::builder_with_single_cert`] (one chain and its key),
/// [`ServerConfig::builder`] (a resolver choosing per connection, by SNI
/// say), [`ServerConfig::builder_with_raw_public_key`] or
/// [`ServerConfig::builder_psk_only`] (external PSKs, no certificate).
/// One configuration serves every connection:
///
/// ```
/// use std::sync::Arc;
/// use tls13::crypto::{pem, sign::SigningKey};
/// use tls13::{ServerConfig, ServerConnection};
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let (cert_pem, key_pem) = (certgen::to_pem("CERTIFICATE", &cert), certgen::to_pem("PRIVATE KEY", &key));
/// // The chain (leaf first) and its key, e.g. read from PEM files.
/// let chain = pem::certificates(&cert_pem)?;
/// let key = SigningKey::from_pem(&key_pem)?;
/// let config = Arc::new(
///     ServerConfig::builder_with_single_cert(chain, key)
///         .alpn_protocols(&[b"h2", b"http/1.1"])
///         .build()?,
/// );
/// let conn = ServerConnection::new(config.clone())?; // one per accepted transport
/// # let _ = conn;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// As with [`ClientConfig`], the fields are private: a built
/// configuration is read through accessors and changed only through its
/// builder, whose [`build`](ServerConfigBuilder::build) checks it.
///
/// ```compile_fail,E0616
/// # use std::sync::Arc;
/// # let resolver = Arc::new(tls13::verify::SingleCertResolver(Arc::new(
/// #     tls13::CertifiedKey::raw_public_key(tls13::crypto::sign::SigningKey::from_der(&[]).unwrap()))));
/// let mut config = tls13::ServerConfig::builder(resolver).build()?;
/// config.ticket_lifetime = 30 * 86_400; // error[E0616]: field `ticket_lifetime` is private
/// # Ok::<(), tls13::Error>(())
/// ```
#[non_exhaustive]
pub struct ServerConfig {
    /// How every cryptographic operation is done.
    pub(crate) provider: &'static CryptoProvider,
    /// Accepted suites, in the server's preference order.
    pub(crate) suites: Vec<SuiteParams>,
    /// Accepted groups, in the server's preference order.
    pub(crate) groups: Vec<NamedGroup>,
    /// `false` (default): use the most preferred group among those the
    /// client sent key shares for; HelloRetryRequest only when none is
    /// usable. `true`: always use the most preferred mutually supported
    /// group, with a HelloRetryRequest if the client sent no share for it
    /// (the RFC 8448 §5 server behaves like this).
    pub(crate) strict_group_preference: bool,
    /// ALPN protocols, in the server's preference order; empty = ALPN ignored.
    pub(crate) alpn_protocols: Vec<Vec<u8>>,
    /// RFC 8449 limit announced when the client offers one; `None` = we
    /// announce nothing (the client's limit is honoured regardless).
    pub(crate) record_size_limit: Option<u16>,
    /// Padding of our protected records.
    pub(crate) padding: PaddingPolicy,
    /// Certificate compression (RFC 8879): offered and used; off by default.
    pub(crate) cert_compression: crate::compress::CertCompression,
    /// Receives secrets in the SSLKEYLOGFILE format.
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
    /// Picks the certificate chain and signer after reading the
    /// ClientHello; `None`: PSK-only, a client without one of our PSKs is
    /// refused.
    pub(crate) cert_resolver: Option<Arc<dyn ResolvesServerCert>>,
    /// HelloRetryRequest cookies.
    pub(crate) cookie: Arc<dyn CookieGenerator>,
    /// Issues session tickets; `None` (default) = no NewSessionTicket.
    pub(crate) ticket_producer: Option<Arc<dyn TicketProducer>>,
    /// Tickets sent after the handshake (when a producer is set). Default 1.
    pub(crate) ticket_count: usize,
    /// Ticket lifetime in seconds (at most 604800). Default 7200.
    pub(crate) ticket_lifetime: u32,
    /// max_early_data_size announced in tickets; 0 = extension omitted.
    pub(crate) max_early_data_size: u32,
    /// Ticket nonces are a per-connection counter from 0, big-endian, in
    /// at least this many bytes. Default 1 (minimal: `00`, `01`, ...);
    /// RFC 8448's server (NSS) used 2 (`00 00`).
    pub(crate) ticket_nonce_width: usize,
    /// The only source of randomness.
    pub(crate) rng: Arc<dyn SecureRandom>,
    /// The clock.
    pub(crate) time: Arc<dyn TimeSource>,
    /// Edits EncryptedExtensions before encoding; trace replay only.
    pub(crate) encrypted_extensions_hook: Option<EncryptedExtensionsHook>,
    /// Whether and how clients authenticate (default: not asked).
    pub(crate) client_auth: ClientAuth,
    /// The smallest RSA key accepted in a client's CertificateVerify (bits).
    pub(crate) min_rsa_bits: usize,
    /// External PSKs the server accepts (RFC 9846 §2.2).
    pub(crate) external_psks: Vec<Arc<ExternalPsk>>,
    /// 0-RTT is refused when the client's ticket age differs from the
    /// server's view by more than this (RFC 9846 §8.3), or by more than the
    /// window of the ticket producer's replay register
    /// ([`ReplayFilter::window_ms`](crate::resumption::ReplayFilter::window_ms)),
    /// whichever is smaller: the register remembers ClientHellos as long as
    /// its own window lets them pass, so this can only narrow it. Anti-replay
    /// itself belongs to the ticket producer
    /// ([`TicketProducer::anti_replay`]). Default 10 000 ms.
    pub(crate) early_data_window_ms: u32,
    /// Accept PSKs in psk_ke mode (RFC 9846 §4.3.9): no (EC)DHE, so no
    /// forward secrecy for the connection should the PSK (or the ticket
    /// key) leak. Default `false`: only psk_dhe_ke; a client offering
    /// psk_ke alone gets a full handshake. Turn it on only for clients
    /// that cannot do (EC)DHE, e.g. some external-PSK devices.
    pub(crate) allow_psk_ke: bool,
    /// Verifies certificates asked for after the handshake
    /// ([`ServerConnection::request_client_certificate`](crate::ServerConnection::request_client_certificate))
    /// when [`client_auth`](Self::client_auth) has no verifier (then no
    /// CertificateRequest is sent in the handshake itself).
    pub(crate) post_handshake_client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    /// Resource bounds against a hostile client.
    pub(crate) limits: Limits,
    /// What we can present, in preference order (RFC 7250
    /// `server_certificate_type`; the resolver sees the choice in
    /// [`ClientHelloInfo::certificate_type`](crate::ClientHelloInfo::certificate_type)).
    /// Default `[X509]`. No type in common with the client's offer ends
    /// the handshake with `unsupported_certificate`.
    pub(crate) server_certificate_types: Vec<CertificateType>,
    /// What we accept from clients, in preference order (RFC 7250
    /// `client_certificate_type`). Default `[X509]`. With client
    /// authentication required, no type in common ends the handshake with
    /// `unsupported_certificate`; when optional, no CertificateRequest is
    /// sent.
    pub(crate) client_certificate_types: Vec<CertificateType>,
    /// Encrypted Client Hello (RFC 9849 §7): our key pairs, in order of
    /// preference; their configs are what we publish and send as
    /// `retry_configs`. Empty (the default): ECH is not offered to
    /// clients and an `encrypted_client_hello` is ignored.
    pub(crate) ech_keys: Vec<crate::ech::EchKeyPair>,
    /// How trial decryption picks and bounds its candidates (§7.1).
    pub(crate) ech_policy: crate::ech::TrialPolicy,
}

/// Client authentication on a server (RFC 9846 §4.4.2).
#[derive(Clone, Default)]
pub enum ClientAuth {
    /// No CertificateRequest is sent (the default).
    #[default]
    None,
    /// A CertificateRequest is sent; a client may answer with an empty
    /// Certificate and the handshake goes on unauthenticated. A client
    /// that does send a certificate must pass the verifier.
    Optional(Arc<dyn ClientCertVerifier>),
    /// A CertificateRequest is sent and an empty Certificate aborts the
    /// handshake with `certificate_required` (§4.5.1.3).
    Required(Arc<dyn ClientCertVerifier>),
}

impl ClientAuth {
    /// The verifier, unless client authentication is off.
    pub fn verifier(&self) -> Option<&Arc<dyn ClientCertVerifier>> {
        match self {
            Self::None => None,
            Self::Optional(v) | Self::Required(v) => Some(v),
        }
    }
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Optional(_) => "Optional(..)",
            Self::Required(_) => "Required(..)",
        })
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("suites", &self.suites)
            .field("groups", &self.groups)
            .field("alpn_protocols", &self.alpn_protocols)
            .field("record_size_limit", &self.record_size_limit)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A builder whose certificate (and signer) is chosen per connection by
    /// `resolver`, possibly asynchronously.
    pub fn builder(resolver: Arc<dyn ResolvesServerCert>) -> ServerConfigBuilder {
        Self::builder_for(Some(resolver))
    }

    fn builder_for(resolver: Option<Arc<dyn ResolvesServerCert>>) -> ServerConfigBuilder {
        ServerConfigBuilder {
            config: ServerConfig {
                provider: crypto::default_provider(),
                // Resolved against the provider by `build`.
                suites: Vec::new(),
                groups: Vec::new(),
                strict_group_preference: false,
                alpn_protocols: Vec::new(),
                record_size_limit: Some(DEFAULT_RECORD_SIZE_LIMIT),
                padding: PaddingPolicy::None,
                key_log: None,
                cert_resolver: resolver,
                cookie: Arc::new(RandomCookie),
                ticket_producer: None,
                ticket_count: 1,
                ticket_lifetime: 7200,
                max_early_data_size: 0,
                ticket_nonce_width: 1,
                rng: default_rng(),
                time: default_time(),
                encrypted_extensions_hook: None,
                client_auth: ClientAuth::None,
                min_rsa_bits: DEFAULT_MIN_RSA_BITS,
                external_psks: Vec::new(),
                early_data_window_ms: 10_000,
                allow_psk_ke: false,
                post_handshake_client_verifier: None,
                limits: Limits::default(),
                server_certificate_types: vec![CertificateType::X509],
                client_certificate_types: vec![CertificateType::X509],
                ech_keys: Vec::new(),
                ech_policy: crate::ech::TrialPolicy::default(),
                cert_compression: Default::default(),
            },
            suites: None,
            groups: None,
            rng_set: cfg!(feature = "std"),
            time_set: cfg!(feature = "std"),
            pending: None,
        }
    }

    /// A builder serving one chain (leaf first, DER) with one key. An
    /// empty chain, or a key that is not the leaf's, makes
    /// [`build`](ServerConfigBuilder::build) fail with a message naming
    /// the mistake (rather than every client failing the handshake).
    pub fn builder_with_single_cert(chain: Vec<Vec<u8>>, key: SigningKey) -> ServerConfigBuilder {
        let check = cert_key::check_chain_and_key("server certificate", &chain, &key);
        let ck = CertifiedKey::new(chain, Arc::new(key));
        let mut b = Self::builder(Arc::new(SingleCertResolver(Arc::new(ck))));
        b.pending = check.err();
        b
    }

    /// [`builder_with_single_cert`](Self::builder_with_single_cert) that
    /// also staples `ocsp_response` (a DER OCSPResponse for the leaf, RFC
    /// 9846 §4.5.1.1) and sends `scts` (RFC 6962 SerializedSCTs) to the
    /// clients that ask (see [`CertifiedKey::with_ocsp_response`],
    /// [`CertifiedKey::with_scts`]). A response or SCT list those refuse
    /// makes [`build`](ServerConfigBuilder::build) fail. To renew the
    /// response without a new configuration, serve through a
    /// [`ResolvesServerCert`] of your own.
    pub fn builder_with_stapled_cert(
        chain: Vec<Vec<u8>>,
        key: SigningKey,
        ocsp_response: Option<Vec<u8>>,
        scts: Vec<Vec<u8>>,
    ) -> ServerConfigBuilder {
        let check = cert_key::check_chain_and_key("server certificate", &chain, &key);
        let mut ck = Ok(CertifiedKey::new(chain, Arc::new(key)));
        if let Some(der) = ocsp_response {
            ck = ck.and_then(|ck| ck.with_ocsp_response(der));
        }
        if !scts.is_empty() {
            ck = ck.and_then(|ck| ck.with_scts(scts));
        }
        match ck {
            Ok(ck) => {
                let mut b = Self::builder(Arc::new(SingleCertResolver(Arc::new(ck))));
                b.pending = check.err();
                b
            }
            Err(e) => {
                // A placeholder resolver: `build` reports `e` first.
                let mut b = Self::builder(Arc::new(FailedResolver));
                b.pending = Some(e);
                b
            }
        }
    }

    /// A builder serving `key` as a raw public key (RFC 7250) only: clients
    /// must offer `RAW_PUBLIC_KEY` in `server_certificate_type`.
    pub fn builder_with_raw_public_key(key: SigningKey) -> ServerConfigBuilder {
        let ck = CertifiedKey::raw_public_key(key);
        Self::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
            .server_certificate_types(&[CertificateType::RAW_PUBLIC_KEY])
    }
}

/// The resolver of a builder whose certificate could not be set up; the
/// builder's pending error keeps it from ever being built.
struct FailedResolver;

impl ResolvesServerCert for FailedResolver {
    fn resolve(
        &self,
        _hello: &crate::verify::ClientHelloInfo,
    ) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        Decision::Ready(Err(Error::BadConfig("no certificate configured".into())))
    }
}

/// Builds a [`ServerConfig`]. Every setting has a safe default (the
/// three GCM/ChaCha20 suites, X25519MLKEM768 preferred, no client authentication, no
/// tickets, no 0-RTT, PSKs only with (EC)DHE); [`build`](Self::build)
/// checks the whole and names the first mistake.
///
/// ```
/// use std::sync::Arc;
/// use tls13::crypto::sign::SigningKey;
/// use tls13::verify_webpki::WebPkiClientVerifier;
/// use tls13::{ClientAuth, ServerConfig};
///
/// # use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let cert = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let other_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let client_ca_pem = certgen::to_pem("CERTIFICATE", Ca::new("Clients", &other_key, 0, 4_000_000_000, &rng)?.cert_der());
/// // Clients may present a certificate from our client CA; tickets for
/// // resumption.
/// let clients = WebPkiClientVerifier::from_pem(&client_ca_pem)?;
/// let config = ServerConfig::builder_with_single_cert(vec![cert.clone()], SigningKey::from_der(&key)?)
///     .client_auth(ClientAuth::Optional(Arc::new(clients)))
///     .session_tickets(2)
///     .build()?;
///
/// // A key that is not the certificate's is refused here, rather than
/// // every client failing the handshake.
/// let mistake = ServerConfig::builder_with_single_cert(vec![cert], SigningKey::from_der(&other_key)?)
///     .build();
/// assert!(mistake.unwrap_err().to_string().contains("does not match the certificate"));
/// # let _ = config;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ServerConfigBuilder {
    config: ServerConfig,
    /// The suites asked for, resolved against the provider by `build`.
    suites: Option<Vec<CipherSuite>>,
    /// The groups asked for; by default the provider's.
    groups: Option<Vec<NamedGroup>>,
    rng_set: bool,
    time_set: bool,
    /// A mistake found while building (an empty chain, a key that does
    /// not match the certificate), reported by `build`.
    pending: Option<Error>,
}

impl ServerConfigBuilder {
    /// Accepted suites, in preference order. The two AES-CCM suites are
    /// accepted only when named here (see [`crypto::suites`]).
    pub fn suites(mut self, suites: &[CipherSuite]) -> Self {
        self.suites = Some(suites.to_vec());
        self
    }
    /// How every cryptographic operation is done (default:
    /// [`crypto::default_provider`]). The suites are those of
    /// [`suites`](Self::suites) that the provider implements, or all of
    /// its own; the groups likewise. A certificate verifier holds its
    /// own (`x509::Policy::provider` for the WebPKI ones).
    pub fn provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.config.provider = provider;
        self
    }
    /// Accepted groups, in preference order.
    pub fn groups(mut self, groups: &[NamedGroup]) -> Self {
        self.groups = Some(groups.to_vec());
        self
    }
    /// See [`ServerConfig::strict_group_preference`].
    pub fn strict_group_preference(mut self, on: bool) -> Self {
        self.config.strict_group_preference = on;
        self
    }
    /// ALPN protocols, in preference order.
    pub fn alpn_protocols(mut self, protocols: &[&[u8]]) -> Self {
        self.config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }
    /// The RFC 8449 limit to announce.
    pub fn record_size_limit(mut self, limit: Option<u16>) -> Self {
        self.config.record_size_limit = limit;
        self
    }
    /// Padding of protected records.
    pub fn padding(mut self, padding: PaddingPolicy) -> Self {
        self.config.padding = padding;
        self
    }
    /// A key log (debugging only).
    pub fn key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.config.key_log = Some(key_log);
        self
    }
    /// The HelloRetryRequest cookie generator.
    pub fn cookie_generator(mut self, cookie: Arc<dyn CookieGenerator>) -> Self {
        self.config.cookie = cookie;
        self
    }
    /// Issue `count` tickets of `lifetime` seconds made by `producer`.
    pub fn tickets(
        mut self,
        producer: Arc<dyn TicketProducer>,
        count: usize,
        lifetime: u32,
    ) -> Self {
        self.config.ticket_producer = Some(producer);
        self.config.ticket_count = count;
        self.config.ticket_lifetime = lifetime;
        self
    }
    /// Issue `count` stateless tickets (see
    /// [`StatelessTicketer`](crate::resumption::StatelessTicketer)) with
    /// the config's rng and clock, the key rotating every lifetime.
    /// Call after [`rng`](Self::rng) and [`time`](Self::time).
    #[cfg(feature = "std")]
    pub fn session_tickets(self, count: usize) -> Self {
        let lifetime = self.config.ticket_lifetime;
        let t = crate::resumption::StatelessTicketer::new(
            self.config.rng.clone(),
            self.config.time.clone(),
            u64::from(lifetime).max(3600),
        );
        self.tickets(Arc::new(t), count, lifetime)
    }
    /// Accept this external PSK (RFC 9846 §2.2).
    pub fn external_psk(mut self, psk: ExternalPsk) -> Self {
        self.config.external_psks.push(Arc::new(psk));
        self
    }
    /// Client certificates asked for only after the handshake are checked
    /// with `verifier` (see [`ServerConfig::post_handshake_client_verifier`]).
    pub fn post_handshake_client_verifier(mut self, verifier: Arc<dyn ClientCertVerifier>) -> Self {
        self.config.post_handshake_client_verifier = Some(verifier);
        self
    }
    /// See [`ServerConfig::early_data_window_ms`] (it can only narrow the
    /// window of the ticket producer's replay register).
    pub fn early_data_window_ms(mut self, ms: u32) -> Self {
        self.config.early_data_window_ms = ms;
        self
    }
    /// See [`ServerConfig::allow_psk_ke`] (default `false`).
    pub fn allow_psk_ke(mut self, on: bool) -> Self {
        self.config.allow_psk_ke = on;
        self
    }
    /// max_early_data_size announced in tickets; non-zero also means that
    /// 0-RTT is accepted (when the ticket, suite, ALPN, ticket age and
    /// the ticket producer's anti-replay allow it). It also bounds the
    /// refused early data the server skips (RFC 9846 §4.3.10).
    pub fn max_early_data_size(mut self, size: u32) -> Self {
        self.config.max_early_data_size = size;
        self
    }
    /// See [`ServerConfig::ticket_nonce_width`].
    pub fn ticket_nonce_width(mut self, width: usize) -> Self {
        self.config.ticket_nonce_width = width;
        self
    }
    /// The random source.
    pub fn rng(mut self, rng: Arc<dyn SecureRandom>) -> Self {
        self.config.rng = rng;
        self.rng_set = true;
        self
    }
    /// The clock.
    pub fn time(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.config.time = time;
        self.time_set = true;
        self
    }
    /// An EncryptedExtensions hook (trace replay / fingerprinting only).
    pub fn encrypted_extensions_hook(mut self, hook: EncryptedExtensionsHook) -> Self {
        self.config.encrypted_extensions_hook = Some(hook);
        self
    }
    /// Client authentication: none (default), optional or required.
    pub fn client_auth(mut self, mode: ClientAuth) -> Self {
        self.config.client_auth = mode;
        self
    }
    /// The smallest RSA key accepted from clients (default 2048 bits).
    pub fn min_rsa_bits(mut self, bits: usize) -> Self {
        self.config.min_rsa_bits = bits;
        self
    }
    /// See [`ServerConfig::server_certificate_types`].
    pub fn server_certificate_types(mut self, types: &[CertificateType]) -> Self {
        self.config.server_certificate_types = types.to_vec();
        self
    }
    /// See [`ServerConfig::client_certificate_types`].
    pub fn client_certificate_types(mut self, types: &[CertificateType]) -> Self {
        self.config.client_certificate_types = types.to_vec();
        self
    }

    /// Resource bounds ([`Limits`]); e.g.
    /// `Limits { max_key_updates: 4, ..Limits::default() }`.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Encrypted Client Hello (RFC 9849 §7, shared mode): the key pairs
    /// whose configs clients were given, in order of preference (e.g. the
    /// current key first, then the previous one during a rotation). A
    /// ClientHello whose `encrypted_client_hello` opens with one of them
    /// is answered as its inner hello; otherwise the handshake goes on
    /// with the outer hello (the public name) and sends the configs of
    /// all of them as `retry_configs`.
    pub fn ech_keys(mut self, keys: Vec<crate::ech::EchKeyPair>) -> Self {
        self.config.ech_keys = keys;
        self
    }

    /// How trial decryption picks and bounds its candidate keys (§7.1);
    /// default [`TrialPolicy::default`](crate::ech::TrialPolicy::default):
    /// keys whose config_id matches, at most 4 opens per ClientHello.
    pub fn ech_trial_policy(mut self, policy: crate::ech::TrialPolicy) -> Self {
        self.config.ech_policy = policy;
        self
    }

    /// Certificate compression (RFC 8879, [`crate::compress`]): compress
    /// our Certificate with the first of `algorithms` that the client
    /// offers (each chain is compressed once and kept, not once per
    /// handshake), and offer clients to decompress theirs with
    /// `algorithms` in our CertificateRequests. In our order of
    /// preference; each needs its feature (`compress-zlib`,
    /// `compress-brotli`, `compress-zstd`), which [`build`](Self::build)
    /// checks. Default: none; [`crate::compress::SUPPORTED`] names them
    /// all.
    pub fn certificate_compression(
        mut self,
        algorithms: &[crate::compress::CertificateCompressionAlgorithm],
    ) -> Self {
        self.config.cert_compression = crate::compress::CertCompression::new(algorithms);
        self
    }

    /// Checks and returns the configuration.
    pub fn build(mut self) -> Result<ServerConfig, Error> {
        if let Some(e) = self.pending {
            return Err(e);
        }
        (self.config.suites, self.config.groups) =
            resolve_algorithms(self.config.provider, self.suites.take(), self.groups.take());
        let c = &self.config;
        check_basics(
            self.rng_set && self.time_set,
            c.provider,
            &c.suites,
            &c.groups,
        )?;
        if let Some(v) = c.client_auth.verifier() {
            let schemes = v.signature_schemes();
            if schemes.is_empty() || schemes.len() > 0x7fff {
                return Err(Error::BadConfig(
                    "the client verifier must offer 1..=32767 signature schemes".into(),
                ));
            }
            let names = v.certificate_authorities();
            // §4.3.4: DistinguishedName<1..2^16-1>, the list <3..2^16-1>.
            let total: usize = names.iter().map(|n| n.len().saturating_add(2)).sum();
            if names.iter().any(|n| n.is_empty()) || total > 0xffff {
                return Err(Error::BadConfig(
                    "certificate_authorities names must be non-empty and fit 65535 bytes".into(),
                ));
            }
        }
        check_cert_types(&c.server_certificate_types)?;
        check_cert_types(&c.client_certificate_types)?;
        psk_only::check_server(c)?;
        if c.ticket_lifetime > 604_800 {
            return Err(Error::BadConfig(
                "ticket lifetime above 7 days (RFC 9846 §4.7.1)".into(),
            ));
        }
        check_alpn(&c.alpn_protocols)?;
        check_limits(&c.limits)?;
        check_limit(c.record_size_limit)?;
        check_server_ech(c)?;
        c.cert_compression.check()?;
        Ok(self.config)
    }
}

/// A client's ECH offer must name a config this client can use (§6.1):
/// otherwise it would have to send its server name in clear.
fn check_client_ech(c: &ClientConfig) -> Result<(), Error> {
    match &c.ech {
        Some(crate::ech::EchMode::Offer(list)) if list.select(c.provider).is_none() => {
            Err(Error::BadConfig(
                "no ECHConfig in the list is usable by this client (version, KEM or \
                 cipher suites unsupported, or an invalid public_name)"
                    .into(),
            ))
        }
        // The hook edits one hello; ECH sends two (the inner one sealed,
        // the outer one in clear, sharing a compressed block): an edit
        // could leak inner values into the outer hello or break the
        // compression, so the two are not combined.
        Some(_) if c.client_hello_hook.is_some() => Err(Error::BadConfig(
            "Encrypted Client Hello cannot be combined with a client hello hook: the hook \
             edits one hello, ECH sends two (the inner one sealed inside the outer one)"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// The server's ECH keys: each config parsed (version 0xfe0d), and all of
/// them together encodable as `retry_configs` (ECHConfigList<4..2^16-1>).
fn check_server_ech(c: &ServerConfig) -> Result<(), Error> {
    if c.ech_keys.is_empty() {
        return Ok(());
    }
    if c.ech_keys.iter().any(|k| k.config().contents().is_none()) {
        return Err(Error::BadConfig(
            "an ECH key's config is of a version this server does not implement".into(),
        ));
    }
    if c.ech_config_list().is_none() {
        return Err(Error::BadConfig(
            "the ECH keys' configs do not fit one ECHConfigList (65535 bytes)".into(),
        ));
    }
    // RFC 9849 §7.1: the list is sent as retry_configs, the body of an
    // extension: with its own 2-byte length, at most 65535 bytes.
    let retry_configs_len = c
        .ech_config_list()
        .map_or(0, |l| crate::codec::Codec::to_bytes(&l).len());
    if retry_configs_len > 0xffff {
        return Err(Error::BadConfig(
            "the ECH keys' configs do not fit retry_configs (65535 bytes)".into(),
        ));
    }
    if c.ech_policy.max_opens == 0 {
        return Err(Error::BadConfig(
            "an ECH trial policy must allow at least one open".into(),
        ));
    }
    Ok(())
}

/// Certificate types we implement (RFC 7250 §3: X.509 and raw public
/// keys), each at most once, at least one.
fn check_cert_types(types: &[CertificateType]) -> Result<(), Error> {
    let known =
        |t: &CertificateType| *t == CertificateType::X509 || *t == CertificateType::RAW_PUBLIC_KEY;
    if types.is_empty()
        || !types.iter().all(known)
        || crate::handshake::common::has_duplicates(types)
    {
        return Err(Error::BadConfig(
            "certificate types must be X509 and/or RAW_PUBLIC_KEY, each once".into(),
        ));
    }
    Ok(())
}

/// The suites asked for that `provider` implements, in the order given
/// (all of its own when none were), and the groups asked for (its own
/// when none were; `check_basics` refuses one it lacks).
fn resolve_algorithms(
    provider: &CryptoProvider,
    suites: Option<Vec<CipherSuite>>,
    groups: Option<Vec<NamedGroup>>,
) -> (Vec<SuiteParams>, Vec<NamedGroup>) {
    let suites = match suites {
        Some(list) => list.iter().filter_map(|s| provider.suite(*s)).collect(),
        None => provider.suites.to_vec(),
    };
    let groups = groups.unwrap_or_else(|| provider.groups.iter().map(|g| g.group()).collect());
    (suites, groups)
}

/// What every configuration needs: a random source and a clock (std
/// provides both; no_std callers must), a suite, and only groups we
/// implement.
fn check_basics(
    rng_and_time: bool,
    provider: &CryptoProvider,
    suites: &[SuiteParams],
    groups: &[NamedGroup],
) -> Result<(), Error> {
    if !rng_and_time {
        return Err(Error::BadConfig(
            "no random source or clock configured (no std)".into(),
        ));
    }
    if suites.is_empty() {
        return Err(Error::BadConfig("no cipher suite configured".into()));
    }
    provider.check_hashes()?;
    if groups.is_empty() || !groups.iter().all(|g| provider.group(*g).is_some()) {
        return Err(Error::BadConfig(
            "groups must be non-empty and contain only implemented groups".into(),
        ));
    }
    // RFC 9846 §4.3.7: named_group_list "MUST NOT contain any duplicate
    // entries" (and a peer may abort on them).
    if crate::handshake::common::has_duplicates(groups) {
        return Err(Error::BadConfig("groups must not repeat a group".into()));
    }
    Ok(())
}

fn check_alpn(protocols: &[Vec<u8>]) -> Result<(), Error> {
    if protocols.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(Error::BadConfig(
            "ALPN protocol names must be 1..=255 bytes".into(),
        ));
    }
    Ok(())
}

fn check_limit(limit: Option<u16>) -> Result<(), Error> {
    match limit {
        Some(l) if !(64..=DEFAULT_RECORD_SIZE_LIMIT).contains(&l) => Err(Error::BadConfig(
            "record_size_limit must be within 64..=16385 (RFC 8449)".into(),
        )),
        _ => Ok(()),
    }
}

#[cfg(feature = "std")]
fn default_rng() -> Arc<dyn SecureRandom> {
    Arc::new(crypto::OsRandom)
}

#[cfg(not(feature = "std"))]
fn default_rng() -> Arc<dyn SecureRandom> {
    // Never used: `build` refuses to finish without an explicit rng.
    struct NoRandom;
    impl SecureRandom for NoRandom {
        fn fill(&self, _dest: &mut [u8]) -> Result<(), Error> {
            Err(Error::RandomFailed)
        }
    }
    Arc::new(NoRandom)
}

#[cfg(feature = "std")]
fn default_session_store() -> Option<Arc<dyn ClientSessionStore>> {
    Some(Arc::new(crate::resumption::ClientSessionCache::default()))
}

#[cfg(not(feature = "std"))]
fn default_session_store() -> Option<Arc<dyn ClientSessionStore>> {
    None
}

#[cfg(feature = "std")]
fn default_time() -> Arc<dyn TimeSource> {
    Arc::new(SystemTimeSource)
}

#[cfg(not(feature = "std"))]
fn default_time() -> Arc<dyn TimeSource> {
    Arc::new(FixedTime(0))
}
