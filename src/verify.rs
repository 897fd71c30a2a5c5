//! Certificate decisions the connection hands to the application: the
//! client's verification of the server's certificate, the server's choice
//! of certificate after reading the ClientHello, the CertificateVerify
//! signature, and for client authentication the server's verification of
//! the client's certificate ([`ClientCertVerifier`]) and the client's
//! choice of certificate ([`ResolvesClientCert`]).
//!
//! Each decision may be answered at once ([`Decision::Ready`]) or later
//! ([`Decision::Deferred`]): then the connection emits an [`Event`] with
//! the request, stops processing input (buffering it), and resumes when
//! the application answers through the connection
//! ([`ClientConnection::answer_verify`],
//! [`ServerConnection::answer_certificate`],
//! [`ServerConnection::answer_sign`], and for client authentication
//! [`ServerConnection::answer_verify`] and
//! [`ClientConnection::answer_sign`]). A signature from an HSM or a
//! verification by a remote service needs no thread parked on it.
//!
//! The X.509 chain validator behind these traits is in
//! [`verify_webpki`](crate::verify_webpki) ([`WebPkiServerVerifier`],
//! [`WebPkiClientVerifier`]). This module also provides the pinning
//! verifiers: [`PinnedCertVerifier`], which accepts exactly one
//! end-entity certificate, [`PinnedClientCertVerifier`], which accepts any
//! of a set of client certificates, and for raw public keys (RFC 7250)
//! [`PinnedRawPublicKey`] (client side) and [`PinnedRawPublicKeys`]
//! (server side). The handshake always checks the CertificateVerify
//! signature against the end-entity key (or the raw SubjectPublicKeyInfo)
//! itself, whatever the verifier says.
//!
//! [`WebPkiServerVerifier`]: crate::verify_webpki::WebPkiServerVerifier
//! [`WebPkiClientVerifier`]: crate::verify_webpki::WebPkiClientVerifier
//!
//! [`Event`]: crate::Event
//! [`ClientConnection::answer_verify`]: crate::ClientConnection::answer_verify
//! [`ServerConnection::answer_certificate`]: crate::ServerConnection::answer_certificate
//! [`ServerConnection::answer_sign`]: crate::ServerConnection::answer_sign
//! [`ServerConnection::answer_verify`]: crate::ServerConnection::answer_verify
//! [`ClientConnection::answer_sign`]: crate::ClientConnection::answer_sign

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use subtle::ConstantTimeEq;

use crate::crypto::SecureRandom;
use crate::crypto::sign::SigningKey;
use crate::error::{CertificateError, Error};
use crate::msgs::enums::{AlertDescription, CertificateType, SignatureScheme};

/// An answer now, or "the application will answer through the connection".
#[derive(Debug)]
pub enum Decision<T> {
    /// The answer.
    Ready(T),
    /// The connection emits a request event and waits for the answer.
    Deferred,
}

/// The name the client wants to reach: the ecosystem's
/// [`pki_types::ServerName`] (what rustls and tokio-rustls take), a DNS
/// name (sent in SNI) or an IP address (never sent in SNI, RFC 6066 §3).
///
/// Everything that takes a server name — [`ClientConnection::new`](crate::ClientConnection::new),
/// the tokio connector — takes any [`IntoServerName`]: this type (owned
/// or borrowed), or for convenience a `&str` / `String` holding a DNS name
/// or an IP literal, or an IP address. Verifiers receive it normalised: a
/// DNS name lower-cased and without a trailing dot.
pub use pki_types::ServerName;

/// A value that names the server: a [`ServerName`], a `&str` or `String`
/// (a DNS name or an IP literal, parsed as [`ServerName::try_from`] does),
/// or an IP address.
pub trait IntoServerName {
    /// The name, owned and normalised (DNS names lower-cased, without a
    /// trailing dot), or `Error::BadConfig` if it is neither a DNS name
    /// nor an IP address.
    fn into_server_name(self) -> Result<ServerName<'static>, Error>;
}

impl IntoServerName for ServerName<'_> {
    fn into_server_name(self) -> Result<ServerName<'static>, Error> {
        normalise(&self)
    }
}

impl IntoServerName for &ServerName<'_> {
    fn into_server_name(self) -> Result<ServerName<'static>, Error> {
        normalise(self)
    }
}

impl IntoServerName for &str {
    fn into_server_name(self) -> Result<ServerName<'static>, Error> {
        match ServerName::try_from(self) {
            Ok(name) => normalise(&name),
            Err(_) => Err(Error::BadConfig(alloc::format!(
                "{self:?} is neither a DNS name nor an IP address"
            ))),
        }
    }
}

impl IntoServerName for &String {
    fn into_server_name(self) -> Result<ServerName<'static>, Error> {
        self.as_str().into_server_name()
    }
}

impl IntoServerName for String {
    fn into_server_name(self) -> Result<ServerName<'static>, Error> {
        self.as_str().into_server_name()
    }
}

impl IntoServerName for IpAddr {
    fn into_server_name(self) -> Result<ServerName<'static>, Error> {
        // pki-types converts from std's type only with its `std` feature.
        Ok(ServerName::IpAddress(match self {
            IpAddr::V4(v4) => pki_types::IpAddr::V4(v4.octets().into()),
            IpAddr::V6(v6) => pki_types::IpAddr::V6(v6.segments().into()),
        }))
    }
}

/// A DNS name lower-cased and without its trailing dot (RFC 6066 §3: SNI
/// carries no trailing dot; names compare case-insensitively), so that SNI,
/// the session-store key and the certificate check all see one spelling.
fn normalise(name: &ServerName<'_>) -> Result<ServerName<'static>, Error> {
    match name {
        ServerName::DnsName(d) => {
            let s = d.as_ref();
            let s = s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
            // RFC 6066 §3: only a valid HostName goes into SNI (no IP
            // literal spelt as a name, such as `127.1`; no spaces).
            if !crate::msgs::extensions::is_valid_host_name(s.as_bytes()) {
                return Err(Error::BadConfig(alloc::format!(
                    "{s:?} is neither a DNS name (RFC 6066 §3 HostName) nor an IP address"
                )));
            }
            pki_types::DnsName::try_from(s)
                .map(ServerName::DnsName)
                .map_err(|_| Error::BadConfig("the server name is not a DNS name".into()))
        }
        ServerName::IpAddress(ip) => Ok(ServerName::IpAddress(*ip)),
        // ServerName is non_exhaustive: a kind this crate does not know.
        _ => Err(Error::BadConfig(alloc::format!(
            "{name:?}: only DNS names and IP addresses are supported"
        ))),
    }
}

/// The DNS name of `name`, if it is one.
pub(crate) fn server_name_dns<'a>(name: &'a ServerName<'_>) -> Option<&'a str> {
    match name {
        ServerName::DnsName(d) => Some(d.as_ref()),
        _ => None,
    }
}

/// The IP address of `name`, if it is one.
pub(crate) fn server_name_ip(name: &ServerName<'_>) -> Option<IpAddr> {
    match name {
        ServerName::IpAddress(pki_types::IpAddr::V4(v4)) => {
            Some(IpAddr::from(core::net::Ipv4Addr::from(*v4.as_ref())))
        }
        ServerName::IpAddress(pki_types::IpAddr::V6(v6)) => {
            Some(IpAddr::from(core::net::Ipv6Addr::from(*v6.as_ref())))
        }
        _ => None,
    }
}

/// Decides whether the server's certificate chain is acceptable for
/// `server_name` at time `now`.
pub trait ServerCertVerifier: Send + Sync {
    /// `end_entity` and `intermediates` are DER certificates as sent by the
    /// server; `now` is seconds since the UNIX epoch from the configured
    /// [`TimeSource`](crate::config::TimeSource).
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        server_name: &ServerName<'_>,
        now: u64,
    ) -> Decision<Result<(), CertificateError>>;

    /// Like [`verify_server_cert`](Self::verify_server_cert), with what
    /// the server sent beside its end-entity certificate (RFC 9846
    /// §4.5.1.1): a stapled OCSP response and signed certificate
    /// timestamps. The handshake calls this one. The default ignores
    /// `status` and asks `verify_server_cert`, so a verifier that knows
    /// nothing of OCSP keeps working;
    /// [`WebPkiServerVerifier`](crate::verify_webpki::WebPkiServerVerifier)
    /// checks the response.
    fn verify_server_cert_with_status(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        server_name: &ServerName<'_>,
        status: &CertificateStatus<'_>,
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        let _ = status;
        self.verify_server_cert(end_entity, intermediates, server_name, now)
    }

    /// The server presented a raw public key (RFC 7250): `spki` is a DER
    /// SubjectPublicKeyInfo, which only an out-of-band binding (a pin) can
    /// authenticate (RFC 7250 §4.4). Only asked when the client offered
    /// [`CertificateType::RAW_PUBLIC_KEY`] in
    /// [`ClientConfig::server_certificate_types`](crate::ClientConfig::server_certificate_types).
    /// The default refuses (`unsupported_certificate`).
    fn verify_server_raw_public_key(
        &self,
        spki: &[u8],
        server_name: &ServerName<'_>,
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        let _ = (spki, server_name, now);
        Decision::Ready(Err(raw_keys_refused()))
    }
}

/// What a server sent beside its end-entity certificate, in the
/// certificate's CertificateEntry (RFC 9846 §4.5.1.1), and whether we
/// asked for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CertificateStatus<'a> {
    /// Our ClientHello offered `status_request` (RFC 6066 §8;
    /// [`ClientConfigBuilder::request_ocsp`](crate::config::ClientConfigBuilder::request_ocsp)).
    pub ocsp_requested: bool,
    /// The stapled DER `OCSPResponse` (RFC 6960), if one was sent.
    pub ocsp_response: Option<&'a [u8]>,
    /// The signed certificate timestamps (RFC 6962 §3.3: each a
    /// `SerializedSCT`), empty if none were sent.
    pub scts: &'a [Vec<u8>],
}

/// Checks that an OCSP response and SCTs can be sent in the end entity's
/// CertificateEntry (RFC 9846 §4.5.1, §4.5.1.1): a non-empty
/// `OCSPResponse` (RFC 6066 §8), non-empty SCTs (RFC 6962 §3.3), and the
/// two extensions within `extensions<0..2^16-1>`. The server checks what
/// it is about to send too, since `CertifiedKey`'s fields are public.
pub(crate) fn leaf_status_fits(ocsp: Option<&[u8]>, scts: &[Vec<u8>]) -> Result<(), Error> {
    if ocsp.is_some_and(<[u8]>::is_empty) || scts.iter().any(Vec::is_empty) {
        return Err(Error::BadConfig(
            "an OCSP response and each signed certificate timestamp to send must be non-empty (RFC 6066 §8, RFC 6962 §3.3)"
                .into(),
        ));
    }
    if leaf_status_len(ocsp, scts) > usize::from(u16::MAX) {
        return Err(Error::BadConfig(alloc::format!(
            "the OCSP response ({} bytes) and the signed certificate timestamps ({} bytes) are too long for the certificate's extensions, at most 65535 bytes in all (RFC 9846 §4.5.1)",
            ocsp.map_or(0, <[u8]>::len),
            scts.iter().fold(0usize, |n, s| n.saturating_add(s.len()))
        )));
    }
    Ok(())
}

/// The bytes the status_request and signed_certificate_timestamp
/// extensions take in the end entity's CertificateEntry: each a type and
/// length (4), then CertificateStatus (status_type, a 3-byte length, the
/// response) or the SCT list (a 2-byte length, each SCT with a 2-byte
/// length).
fn leaf_status_len(ocsp: Option<&[u8]>, scts: &[Vec<u8>]) -> usize {
    let ocsp_len = ocsp.map_or(0, |r| r.len().saturating_add(8));
    let sct_len = if scts.is_empty() {
        0
    } else {
        scts.iter()
            .fold(6usize, |n, s| n.saturating_add(s.len()).saturating_add(2))
    };
    ocsp_len.saturating_add(sct_len)
}

/// Checks that the Certificate message carrying `chain` with this OCSP
/// response and these SCTs stays within 64 KiB, the most a client
/// accepts by default (this crate's `Limits::max_handshake_message`;
/// rustls's limit too): a staple that pushes it over would fail every
/// handshake with a client that asked for it.
fn certificate_message_fits(
    chain: &[Vec<u8>],
    ocsp: Option<&[u8]>,
    scts: &[Vec<u8>],
) -> Result<(), Error> {
    const LIMIT: usize = 1 << 16;
    // Header (4), context (1), list length (3); per entry a 3-byte
    // length and a 2-byte extensions length.
    let chain_len = chain
        .iter()
        .fold(8usize, |n, c| n.saturating_add(c.len()).saturating_add(5));
    let total = chain_len.saturating_add(leaf_status_len(ocsp, scts));
    if total > LIMIT {
        return Err(Error::BadConfig(alloc::format!(
            "the OCSP response and signed certificate timestamps are too long: with the chain, the Certificate message would be {total} bytes, over the {LIMIT} that clients accept by default"
        )));
    }
    Ok(())
}

/// The error of a verifier that has no raw public keys to compare with.
fn raw_keys_refused() -> CertificateError {
    CertificateError::Other {
        reason:
            "the peer presented a raw public key (RFC 7250), which this verifier does not accept"
                .into(),
        alert: AlertDescription::UNSUPPORTED_CERTIFICATE,
    }
}

/// The error of a raw-public-key verifier given an X.509 chain.
fn certificates_refused() -> CertificateError {
    CertificateError::Other {
        reason: "the peer presented an X.509 certificate, but only pinned raw public keys (RFC 7250) are accepted"
            .into(),
        alert: AlertDescription::UNSUPPORTED_CERTIFICATE,
    }
}

/// Constant-time membership of `candidate` in `pins` (every pin is
/// compared, so timing does not reveal which one matched).
fn pinned(pins: &[Vec<u8>], candidate: &[u8]) -> bool {
    let mut found = subtle::Choice::from(0u8);
    for pin in pins {
        if pin.len() == candidate.len() {
            found |= pin.as_slice().ct_eq(candidate);
        }
    }
    bool::from(found)
}

/// **Pinned raw public keys (RFC 7250) for the client**: accepts a server
/// whose raw public key (DER SubjectPublicKeyInfo) is byte for byte one
/// of the pinned ones, and refuses every X.509 chain. Names and dates do
/// not apply to a bare key (RFC 7250 §4.4: the binding is out of band).
/// The handshake still checks CertificateVerify against the key, so a
/// peer must hold the private half. Use with
/// `ClientConfigBuilder::server_certificate_types(&[CertificateType::RAW_PUBLIC_KEY])`.
#[derive(Clone, Debug)]
pub struct PinnedRawPublicKey {
    pins: Vec<Vec<u8>>,
}

impl PinnedRawPublicKey {
    /// Pins one DER SubjectPublicKeyInfo (e.g. `SigningKey::public_key_spki`).
    pub fn new(spki_der: Vec<u8>) -> Self {
        Self {
            pins: alloc::vec![spki_der],
        }
    }

    /// Pins several keys (e.g. during a key rollover).
    pub fn any_of(spkis_der: Vec<Vec<u8>>) -> Self {
        Self { pins: spkis_der }
    }
}

impl ServerCertVerifier for PinnedRawPublicKey {
    fn verify_server_cert(
        &self,
        _end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        _server_name: &ServerName<'_>,
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(Err(certificates_refused()))
    }

    fn verify_server_raw_public_key(
        &self,
        spki: &[u8],
        _server_name: &ServerName<'_>,
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(if pinned(&self.pins, spki) {
            Ok(())
        } else {
            Err(raw_key_not_pinned())
        })
    }
}

fn raw_key_not_pinned() -> CertificateError {
    CertificateError::Other {
        reason: "the peer's raw public key is not one of the pinned keys".into(),
        alert: AlertDescription::BAD_CERTIFICATE,
    }
}

/// **Pinned raw public keys (RFC 7250) for the server**: accepts a client
/// whose raw public key (DER SubjectPublicKeyInfo) is one of the pinned
/// ones — a device fleet whose keys were enrolled out of band — and
/// refuses every X.509 chain. Use with
/// `ServerConfigBuilder::client_certificate_types(&[CertificateType::RAW_PUBLIC_KEY])`
/// and [`ClientAuth::Required`](crate::ClientAuth::Required).
#[derive(Clone, Debug)]
pub struct PinnedRawPublicKeys {
    pins: Vec<Vec<u8>>,
    schemes: Vec<SignatureScheme>,
}

impl PinnedRawPublicKeys {
    /// Accepts any one of `spkis_der`.
    pub fn new(spkis_der: Vec<Vec<u8>>) -> Self {
        Self {
            pins: spkis_der,
            schemes: crate::crypto::sign::SUPPORTED_SCHEMES.to_vec(),
        }
    }
}

impl ClientCertVerifier for PinnedRawPublicKeys {
    fn signature_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(Err(certificates_refused()))
    }

    fn verify_client_raw_public_key(
        &self,
        spki: &[u8],
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(if pinned(&self.pins, spki) {
            Ok(())
        } else {
            Err(raw_key_not_pinned())
        })
    }
}

/// **A pinning verifier, not a default**: accepts exactly one configured
/// end-entity certificate (compared byte for byte, in constant time) and
/// nothing else. It checks no names, no dates and no chain, so it is only
/// safe when the pinned certificate was obtained out of band (tests,
/// closed deployments). The CertificateVerify signature is still checked
/// by the handshake against this certificate's key.
#[derive(Clone, Debug)]
pub struct PinnedCertVerifier {
    pinned: Vec<u8>,
}

impl PinnedCertVerifier {
    /// Pins `end_entity_der`.
    pub fn new(end_entity_der: Vec<u8>) -> Self {
        Self {
            pinned: end_entity_der,
        }
    }
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        _server_name: &ServerName<'_>,
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        let same =
            end_entity.len() == self.pinned.len() && bool::from(end_entity.ct_eq(&self.pinned));
        Decision::Ready(if same {
            Ok(())
        } else {
            Err(CertificateError::NotPinned)
        })
    }
}

/// Signs CertificateVerify messages (RFC 9846 §4.5.2), possibly remotely
/// (HSM, KMS): return [`Decision::Deferred`] and answer later with
/// [`ServerConnection::answer_sign`](crate::ServerConnection::answer_sign).
pub trait Signer: Send + Sync {
    /// The schemes this key can produce, best first.
    fn schemes(&self) -> Vec<SignatureScheme>;
    /// Signs `message` (the full §4.5.2 content: 64 spaces, context string,
    /// 0, transcript hash) with `scheme`. `rng` is the connection's random
    /// source (for RSA-PSS salts).
    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>>;
}

impl Signer for SigningKey {
    fn schemes(&self) -> Vec<SignatureScheme> {
        SigningKey::schemes(self).to_vec()
    }
    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>> {
        Decision::Ready(SigningKey::sign(self, scheme, message, rng))
    }
}

/// A certificate chain (leaf first, DER) with the signer for its key.
///
/// It keeps the compressed forms of its Certificate messages (RFC 8879),
/// so a server compresses each chain once: keep a `CertifiedKey` in an
/// `Arc` and hand out that `Arc` each time. One built anew for every
/// handshake (or a clone, which starts empty) is compressed anew each
/// time, which with brotli costs milliseconds a client can ask for.
#[derive(Clone)]
pub struct CertifiedKey {
    /// Leaf first.
    pub chain: Vec<Vec<u8>>,
    /// Signs with the leaf's key.
    pub signer: Arc<dyn Signer>,
    /// A DER OCSP response (RFC 6960) for the leaf, stapled to it for a
    /// client that asks (`status_request`, RFC 9846 §4.5.1.1). Set with
    /// [`with_ocsp_response`](Self::with_ocsp_response); refresh it
    /// (a new `CertifiedKey` from the resolver) before its nextUpdate.
    pub ocsp_response: Option<Vec<u8>>,
    /// Signed certificate timestamps (RFC 6962 §3.3, each a
    /// `SerializedSCT`) for the leaf, sent to a client that asks
    /// (`signed_certificate_timestamp`). Set with
    /// [`with_scts`](Self::with_scts).
    pub scts: Vec<Vec<u8>>,
    /// Its Certificate messages as compressed for peers (RFC 8879), kept
    /// so that each is compressed once (see [`crate::compress`]).
    compressed: crate::compress::CompressedForms,
}

impl CertifiedKey {
    /// Pairs a chain with its signer.
    pub fn new(chain: Vec<Vec<u8>>, signer: Arc<dyn Signer>) -> Self {
        Self {
            chain,
            signer,
            ocsp_response: None,
            scts: Vec::new(),
            compressed: Default::default(),
        }
    }

    /// The compressed forms of its Certificate messages.
    pub(crate) fn compressed_forms(&self) -> &crate::compress::CompressedForms {
        &self.compressed
    }

    /// Staples `der`, a DER `OCSPResponse` for the leaf (e.g. from
    /// `openssl ocsp -respout`), for clients that ask. It must parse as a
    /// `successful` basic response, name the leaf (serial and issuer;
    /// RFC 6960 §4.1.1 CertID), and fit the leaf's CertificateEntry
    /// together with any SCTs; it is not verified here (the client does
    /// that), so keep it fresh.
    pub fn with_ocsp_response(mut self, der: Vec<u8>) -> Result<Self, Error> {
        crate::x509::OcspResponseInfo::parse(&der).map_err(|e| {
            Error::BadConfig(alloc::format!(
                "the OCSP response to staple is not a usable DER OCSPResponse: {e}"
            ))
        })?;
        crate::x509::ocsp_check_about(&der, &self.chain).map_err(|e| {
            Error::BadConfig(alloc::format!(
                "the OCSP response to staple does not fit the certificate: {e}"
            ))
        })?;
        leaf_status_fits(Some(&der), &self.scts)?;
        certificate_message_fits(&self.chain, Some(&der), &self.scts)?;
        self.ocsp_response = Some(der);
        Ok(self)
    }

    /// Sends these signed certificate timestamps (RFC 6962 §3.3, each a
    /// `SerializedSCT`, as a CT log returned it) to clients that ask.
    /// Each must be non-empty, and the list must fit the leaf's
    /// CertificateEntry together with any OCSP response.
    pub fn with_scts(mut self, scts: Vec<Vec<u8>>) -> Result<Self, Error> {
        leaf_status_fits(self.ocsp_response.as_deref(), &scts)?;
        certificate_message_fits(&self.chain, self.ocsp_response.as_deref(), &scts)?;
        self.scts = scts;
        Ok(self)
    }

    /// A raw public key (RFC 7250) for `key`: the chain is its DER
    /// SubjectPublicKeyInfo alone, for peers that pin keys.
    pub fn raw_public_key(key: SigningKey) -> Self {
        Self::new(alloc::vec![key.public_key_spki()], Arc::new(key))
    }
}

impl fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// What the server knows from the ClientHello when choosing a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHelloInfo {
    /// The SNI host name, if any.
    pub server_name: Option<String>,
    /// The client's ALPN offers, in its order.
    pub alpn: Vec<Vec<u8>>,
    /// The client's `signature_algorithms`.
    pub signature_schemes: Vec<SignatureScheme>,
    /// What the server will present (RFC 7250): `X509` (a chain, leaf
    /// first) or `RAW_PUBLIC_KEY`, for which the handshake sends the
    /// SubjectPublicKeyInfo of the returned chain's first entry (a DER
    /// SPKI, or a certificate whose key is then used bare).
    pub certificate_type: CertificateType,
}

/// Chooses the server's certificate after reading the ClientHello.
///
/// Return the same `Arc<CertifiedKey>` for the same certificate rather
/// than a new one per handshake: with certificate compression on, each
/// `CertifiedKey` is compressed once and then reused (see
/// [`CertifiedKey`]).
pub trait ResolvesServerCert: Send + Sync {
    /// The chain and signer to use, an error (e.g. unknown name), or
    /// [`Decision::Deferred`] to answer later with
    /// [`ServerConnection::answer_certificate`](crate::ServerConnection::answer_certificate).
    fn resolve(&self, hello: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>>;
}

/// Always the same certificate.
#[derive(Clone, Debug)]
pub struct SingleCertResolver(pub Arc<CertifiedKey>);

impl ResolvesServerCert for SingleCertResolver {
    fn resolve(&self, _hello: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        Decision::Ready(Ok(self.0.clone()))
    }
}

/// Decides whether a client's certificate chain is acceptable (server side
/// of client authentication, RFC 9846 §4.4.2, §4.5.1). It also says what
/// the server's CertificateRequest advertises.
///
/// The handshake checks the client's CertificateVerify signature against
/// the end-entity key itself, whatever the verifier says, and only with a
/// scheme from [`signature_schemes`](Self::signature_schemes).
pub trait ClientCertVerifier: Send + Sync {
    /// DER-encoded distinguished names of the roots the server trusts, sent
    /// in the CertificateRequest's `certificate_authorities` extension
    /// (§4.3.4) so the client can pick a matching certificate. Empty (the
    /// default): the extension is omitted.
    fn certificate_authorities(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    /// The schemes sent in the CertificateRequest's `signature_algorithms`
    /// (§4.3.3); the client's CertificateVerify must use one of them. Only
    /// list schemes the handshake can verify (default:
    /// [`SUPPORTED_SCHEMES`](crate::crypto::sign::SUPPORTED_SCHEMES)).
    fn signature_schemes(&self) -> Vec<SignatureScheme> {
        crate::crypto::sign::SUPPORTED_SCHEMES.to_vec()
    }

    /// `end_entity` and `intermediates` are DER certificates as the client
    /// sent them; `now` is seconds since the UNIX epoch from the server's
    /// [`TimeSource`](crate::config::TimeSource). Return
    /// [`Decision::Deferred`] to answer later with
    /// [`ServerConnection::answer_verify`](crate::ServerConnection::answer_verify).
    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        now: u64,
    ) -> Decision<Result<(), CertificateError>>;

    /// The client presented a raw public key (RFC 7250): `spki` is a DER
    /// SubjectPublicKeyInfo. Only asked when the server accepts
    /// [`CertificateType::RAW_PUBLIC_KEY`] in
    /// [`ServerConfig::client_certificate_types`](crate::ServerConfig::client_certificate_types).
    /// The default refuses (`unsupported_certificate`).
    fn verify_client_raw_public_key(
        &self,
        spki: &[u8],
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        let _ = (spki, now);
        Decision::Ready(Err(raw_keys_refused()))
    }
}

/// **A pinning client verifier, not a chain validator**: accepts a client
/// whose end-entity certificate is byte for byte one of the configured
/// certificates (compared in constant time), and nothing else. It checks
/// no dates, no chain and no EKU, so the intermediates a client sends do
/// not matter to it. Use it where the client certificates were exchanged
/// out of band (tests, closed deployments, device fleets with pinned
/// keys); the CertificateVerify signature is still checked by the
/// handshake against the pinned certificate's key.
#[derive(Clone, Debug)]
pub struct PinnedClientCertVerifier {
    pinned: Vec<Vec<u8>>,
    authorities: Vec<Vec<u8>>,
    schemes: Vec<SignatureScheme>,
}

impl PinnedClientCertVerifier {
    /// Accepts any one of `end_entities_der`.
    pub fn new(end_entities_der: Vec<Vec<u8>>) -> Self {
        Self {
            pinned: end_entities_der,
            authorities: Vec::new(),
            schemes: crate::crypto::sign::SUPPORTED_SCHEMES.to_vec(),
        }
    }

    /// Advertises these DER distinguished names in `certificate_authorities`
    /// (e.g. the issuers of the pinned certificates), to help clients that
    /// hold several certificates choose.
    pub fn with_authorities(mut self, names_der: Vec<Vec<u8>>) -> Self {
        self.authorities = names_der;
        self
    }

    /// Offers these schemes in `signature_algorithms` instead of the
    /// default (every scheme the handshake verifies).
    pub fn with_schemes(mut self, schemes: &[SignatureScheme]) -> Self {
        self.schemes = schemes.to_vec();
        self
    }
}

impl ClientCertVerifier for PinnedClientCertVerifier {
    fn certificate_authorities(&self) -> Vec<Vec<u8>> {
        self.authorities.clone()
    }

    fn signature_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }

    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(if pinned(&self.pinned, end_entity) {
            Ok(())
        } else {
            Err(CertificateError::NotPinned)
        })
    }
}

/// What the server's CertificateRequest asked for (RFC 9846 §4.4.2), given
/// to a [`ResolvesClientCert`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestInfo {
    /// `signature_algorithms`: the schemes the server accepts in
    /// CertificateVerify, in its order.
    pub signature_schemes: Vec<SignatureScheme>,
    /// `signature_algorithms_cert`, if sent: the schemes it accepts in
    /// certificates.
    pub signature_schemes_cert: Option<Vec<SignatureScheme>>,
    /// `certificate_authorities`: DER distinguished names of the roots the
    /// server trusts (empty when not sent).
    pub certificate_authorities: Vec<Vec<u8>>,
    /// The type the server selected in `client_certificate_type` (RFC
    /// 7250; `X509` when it sent none). For `RAW_PUBLIC_KEY` the handshake
    /// sends the SubjectPublicKeyInfo of the returned chain's first entry
    /// (a DER SPKI, or a certificate whose key is then used bare).
    pub certificate_type: CertificateType,
}

impl Default for CertificateRequestInfo {
    fn default() -> Self {
        Self {
            signature_schemes: Vec::new(),
            signature_schemes_cert: None,
            certificate_authorities: Vec::new(),
            certificate_type: CertificateType::X509,
        }
    }
}

/// Chooses the client's certificate when the server asks for one.
pub trait ResolvesClientCert: Send + Sync {
    /// The chain and signer to present, or `None` to send an empty
    /// Certificate (the server then continues without client
    /// authentication or aborts with `certificate_required`). The
    /// handshake signs with the first of the signer's schemes that the
    /// request lists; if there is none, it sends an empty Certificate too.
    fn resolve(&self, request: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>>;
}

/// Always offers the same certificate, whatever the request's
/// `certificate_authorities` say (the server decides).
#[derive(Clone, Debug)]
pub struct SingleClientCert(pub Arc<CertifiedKey>);

impl ResolvesClientCert for SingleClientCert {
    fn resolve(&self, _request: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}
