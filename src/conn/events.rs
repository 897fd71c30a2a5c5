//! What a connection reports to the application.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use crate::msgs::enums::{
    CertificateType, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::msgs::handshake::NewSessionTicket;
use crate::verify::{ClientHelloInfo, ServerName};

/// Something happened; pull these with `next_event()` after each
/// `receive()` (and after answering a request).
///
/// Most applications act on a few and ignore the rest. A decision
/// answered [`Decision::Deferred`](crate::Decision::Deferred) (by a
/// verifier, certificate resolver or signer) arrives as an event too: the
/// connection waits, buffering input, until the answer is given. Here the
/// client's verifier defers, and the loop answers after its own check
/// (say, a call to a remote service); the server is a function (hidden)
/// running a [`ServerConnection`](crate::ServerConnection) in memory.
///
/// ```
/// use std::sync::Arc;
/// use tls13::error::CertificateError;
/// use tls13::verify::{Decision, ServerCertVerifier, ServerName};
/// use tls13::{ClientConfig, ClientConnection, Event};
///
/// struct AskLater;
///
/// impl ServerCertVerifier for AskLater {
///     fn verify_server_cert(
///         &self,
///         _end_entity: &[u8],
///         _intermediates: &[Vec<u8>],
///         _server_name: &ServerName<'_>,
///         _now: u64,
///     ) -> Decision<Result<(), CertificateError>> {
///         Decision::Deferred // answered through Event::VerifyServerCert
///     }
/// }
///
/// # use tls13::certgen::{self, KeyType, SubjectAltName};
/// # use tls13::{ServerConfig, ServerConnection, crypto::sign::SigningKey};
/// # let rng = tls13::crypto::OsRandom;
/// # let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
/// # let expected = certgen::self_signed(&[SubjectAltName::Dns("localhost".into())], &key, 0, 4_000_000_000, &rng)?;
/// # let server_config = ServerConfig::builder_with_single_cert(vec![expected.clone()], SigningKey::from_der(&key)?).build()?;
/// # let mut server = ServerConnection::new(Arc::new(server_config))?;
/// # let mut send_to_server = |input: &[u8]| -> Result<Vec<u8>, tls13::Error> {
/// #     server.receive(input)?;
/// #     let out = server.pending_output().to_vec();
/// #     server.consume_output(out.len());
/// #     Ok(out)
/// # };
/// let config = ClientConfig::builder(Arc::new(AskLater)).build()?;
/// let mut client = ClientConnection::new(Arc::new(config), "localhost")?;
/// let mut done = false;
/// while !done {
///     let out = client.pending_output().to_vec();
///     client.consume_output(out.len());
///     client.receive(&send_to_server(&out)?)?;
///     while let Some(event) = client.next_event() {
///         match event {
///             Event::VerifyServerCert(request) => {
///                 let verdict = if request.chain.first() == Some(&expected) {
///                     Ok(())
///                 } else {
///                     Err(CertificateError::NotPinned) // aborts, with bad_certificate
///                 };
///                 client.answer_verify(verdict)?; // the handshake goes on
///             }
///             Event::HandshakeComplete => done = true,
///             Event::Closed(kind) => return Err(format!("closed early: {kind:?}").into()),
///             _ => {} // tickets, 0-RTT outcomes, ...
///         }
///     }
/// }
/// assert!(client.negotiated().suite.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed; see `negotiated()`.
    HandshakeComplete,
    /// The peer closed: cleanly (close_notify) or the transport ended
    /// without close_notify (the data may be truncated). The two are never
    /// confused.
    Closed(CloseKind),
    /// The server sent a NewSessionTicket (client only). The session is
    /// already in the config's session store. A client that does not
    /// resume (no session store, or an external PSK configured) ignores
    /// tickets silently and reports none (RFC 9846 §4.7.1).
    NewSessionTicket(NewSessionTicket),
    /// Server: 0-RTT data from the client, before the handshake completed.
    /// **It may be a replay** (RFC 9846 §8): act on it only if doing so
    /// twice is harmless.
    EarlyData(Vec<u8>),
    /// Client: the server accepted our 0-RTT data.
    EarlyDataAccepted,
    /// Server: the ticket producer deferred redeeming this ticket (a PSK
    /// identity the client offered); answer with
    /// `ServerConnection::answer_ticket` (`None`: unknown ticket, full
    /// handshake).
    RedeemTicket(Vec<u8>),
    /// Server: the client answered a post-handshake CertificateRequest
    /// (`ServerConnection::request_client_certificate`) with this chain,
    /// verified and proven by its CertificateVerify and Finished (leaf
    /// first; also in `negotiated().peer_certificates`). Empty: the client
    /// declined.
    PostHandshakeAuth(Vec<Vec<u8>>),
    /// Client: the server refused our 0-RTT data; these are the bytes that
    /// were sent as early data and did not arrive. RFC 9846 §4.3.10 leaves
    /// resending them to the application, and forbids doing it blindly
    /// when the handshake selected another ALPN protocol than the ticket
    /// the data was written for: once the handshake is complete,
    /// `Connection::resend_rejected_early_data` sends them only in the
    /// allowed case (the drivers call it and hand back what it refuses).
    EarlyDataRejected(Vec<u8>),
    /// Client: the verifier deferred; check the chain and answer with
    /// `ClientConnection::answer_verify`.
    VerifyServerCert(VerifyRequest),
    /// Server: the certificate resolver deferred; choose and answer with
    /// `ServerConnection::answer_certificate`.
    SelectCertificate(ClientHelloInfo),
    /// The signer deferred (server: its CertificateVerify; client: its
    /// CertificateVerify for client authentication); sign and answer with
    /// `ServerConnection::answer_sign` / `ClientConnection::answer_sign`.
    Sign(SignRequest),
    /// Server: the client-certificate verifier deferred; check the chain
    /// and answer with `ServerConnection::answer_verify`.
    VerifyClientCert(ClientVerifyRequest),
}

impl Event {
    /// What a deferred decision waits for, when this event is one (the
    /// connection goes on only once it is answered); `None` for the
    /// events that only report. For a driver that cannot wait, such as
    /// a QUIC stack with a synchronous crypto session: every future
    /// deferral is classified here.
    pub fn awaits_answer(&self) -> Option<&'static str> {
        match self {
            Self::VerifyServerCert(_) => Some("the server certificate's verification"),
            Self::VerifyClientCert(_) => Some("the client certificate's verification"),
            Self::SelectCertificate(_) => Some("the choice of certificate"),
            Self::Sign(_) => Some("a CertificateVerify signature"),
            Self::RedeemTicket(_) => Some("a session ticket's lookup"),
            Self::HandshakeComplete
            | Self::Closed(_)
            | Self::NewSessionTicket(_)
            | Self::EarlyData(_)
            | Self::EarlyDataAccepted
            | Self::PostHandshakeAuth(_)
            | Self::EarlyDataRejected(_) => None,
        }
    }
}

/// How the peer closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseKind {
    /// The peer sent close_notify: everything it sent has arrived.
    CloseNotify,
    /// The transport ended without close_notify: data may be missing.
    Truncated,
}

/// A deferred certificate verification (client).
#[derive(Clone, Debug)]
pub struct VerifyRequest {
    /// The server's chain, leaf first (DER); for a raw public key, its
    /// DER SubjectPublicKeyInfo alone.
    pub chain: Vec<Vec<u8>>,
    /// `X509`, or `RAW_PUBLIC_KEY` (RFC 7250).
    pub certificate_type: CertificateType,
    /// The name the client asked for.
    pub server_name: ServerName<'static>,
    /// The time from the configured clock (seconds since the epoch).
    pub now: u64,
    /// Our ClientHello asked for a stapled OCSP response.
    pub ocsp_requested: bool,
    /// The DER OCSP response stapled to the end entity, if any (RFC 9846
    /// §4.5.1.1): a verifier should check it as
    /// [`ServerCertVerifier::verify_server_cert_with_status`](crate::verify::ServerCertVerifier::verify_server_cert_with_status) does.
    pub ocsp_response: Option<Vec<u8>>,
    /// The end entity's signed certificate timestamps (RFC 6962
    /// `SerializedSCT`s), empty if none.
    pub scts: Vec<Vec<u8>>,
}

/// A deferred client-certificate verification (server).
#[derive(Clone, Debug)]
pub struct ClientVerifyRequest {
    /// The client's chain, leaf first (DER), as sent; for a raw public
    /// key, its DER SubjectPublicKeyInfo alone.
    pub chain: Vec<Vec<u8>>,
    /// `X509`, or `RAW_PUBLIC_KEY` (RFC 7250).
    pub certificate_type: CertificateType,
    /// The time from the configured clock (seconds since the epoch).
    pub now: u64,
}

/// A deferred CertificateVerify signature (server, or client when it
/// authenticates).
#[derive(Clone, Debug)]
pub struct SignRequest {
    /// The scheme to sign with.
    pub scheme: SignatureScheme,
    /// The exact bytes to sign (RFC 9846 §4.5.2).
    pub message: Vec<u8>,
}

/// What the handshake negotiated (filled in as the handshake goes).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Negotiated {
    /// TLS 1.3 once the ServerHello is processed.
    pub version: Option<ProtocolVersion>,
    /// The suite.
    pub suite: Option<CipherSuite>,
    /// The key exchange group.
    pub group: Option<NamedGroup>,
    /// The ALPN protocol, if one was agreed.
    pub alpn: Option<Vec<u8>>,
    /// SNI: the name the client sent (server) or asked for (client).
    pub server_name: Option<String>,
    /// The peer's certificate chain, leaf first. On a server this is the
    /// client's identity: set only once the client-certificate verifier
    /// accepted it and its CertificateVerify checked out (empty when the
    /// client did not authenticate).
    pub peer_certificates: Vec<Vec<u8>>,
    /// `peer_certificates` holds one DER SubjectPublicKeyInfo: the peer
    /// authenticated with a raw public key (RFC 7250), not a certificate.
    pub peer_raw_public_key: bool,
    /// Whether a HelloRetryRequest happened.
    pub hello_retry: bool,
    /// The server's CertificateVerify scheme.
    pub signature_scheme: Option<SignatureScheme>,
    /// The client's CertificateVerify scheme, when the client authenticated.
    pub client_signature_scheme: Option<SignatureScheme>,
    /// The record_size_limit the peer announced, if any.
    pub peer_record_size_limit: Option<u16>,
    /// The handshake used a pre-shared key (a ticket or an external PSK).
    pub resumed: bool,
    /// The PSK was an external one (RFC 9846 §2.2), not a ticket.
    pub external_psk: bool,
    /// The identity of that external PSK: on a server with several
    /// (e.g. [`ServerConfig::builder_psk_only`](crate::ServerConfig::builder_psk_only)),
    /// which client this is. On a server that resumed a session an
    /// external PSK authenticated, that PSK's identity (the ticket
    /// resumes only while the PSK is configured). `None` for certificate
    /// handshakes and the tickets they issue.
    pub psk_identity: Option<Vec<u8>>,
    /// 0-RTT data was offered and accepted.
    pub early_data_accepted: bool,
    /// What became of Encrypted Client Hello (RFC 9849).
    pub ech: EchStatus,
    /// Client: the DER OCSP response the server stapled to its
    /// certificate (RFC 9846 §4.5.1.1, RFC 6960), set with the accepted
    /// certificate when [`ClientConfigBuilder::request_ocsp`](crate::config::ClientConfigBuilder::request_ocsp)
    /// asked for one and the server sent it; read it with
    /// [`OcspResponseInfo`](crate::x509::OcspResponseInfo). It is as
    /// verified as the verifier made it:
    /// [`WebPkiServerVerifier`](crate::verify_webpki::WebPkiServerVerifier)
    /// checked it, a verifier that only implements `verify_server_cert`
    /// did not look at it. `None` on a
    /// resumed connection (no certificate is sent) and on a server (we
    /// do not ask clients for OCSP responses).
    pub peer_ocsp_response: Option<Vec<u8>>,
    /// Client: the signed certificate timestamps the server sent for its
    /// certificate (RFC 6962 §3.3, each a `SerializedSCT`), when
    /// [`ClientConfigBuilder::request_scts`](crate::config::ClientConfigBuilder::request_scts)
    /// asked. Not verified against CT logs. Empty otherwise.
    pub peer_scts: Vec<Vec<u8>>,
    /// RFC 8879: the algorithm our Certificate went out compressed with
    /// (the last one, after post-handshake authentication); `None` when
    /// we sent it uncompressed or sent none (see [`crate::compress`]).
    pub certificate_compression_sent: Option<crate::compress::CertificateCompressionAlgorithm>,
    /// RFC 8879: the algorithm the peer's Certificate arrived compressed
    /// with (the last one); `None` when it was not compressed.
    pub certificate_compression_received: Option<crate::compress::CertificateCompressionAlgorithm>,
}

/// What became of Encrypted Client Hello (RFC 9849) on a connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchStatus {
    /// No `encrypted_client_hello` was sent (client) or received (server).
    #[default]
    NotOffered,
    /// Client: a GREASE extension was sent (§6.2.1), no ECH negotiated.
    Grease,
    /// The inner ClientHello was used: the server name and the rest of
    /// the inner hello travelled encrypted (§6.1.5, §7.1).
    Accepted,
    /// Server: an `encrypted_client_hello` did not decrypt with our keys
    /// (a GREASE one, stale keys) and the handshake went on with the outer
    /// hello, sending `retry_configs` (§7.1). Client: the server did not
    /// confirm our offer; the connection never completes, it fails with
    /// [`Error::EchRejected`](crate::Error::EchRejected) (§6.1.6).
    Rejected,
}

/// The events not yet taken, oldest first. The first waits inline: most
/// calls queue at most one (the handshake's completion), so a connection
/// allocates for its events only when they pile up.
#[derive(Default)]
pub(crate) struct EventQueue {
    /// The oldest event, when the rest are all newer.
    first: Option<Event>,
    rest: VecDeque<Event>,
}

impl EventQueue {
    pub(crate) fn push_back(&mut self, e: Event) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(e);
        } else {
            self.rest.push_back(e);
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<Event> {
        self.first.take().or_else(|| self.rest.pop_front())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none() && self.rest.is_empty()
    }
}
