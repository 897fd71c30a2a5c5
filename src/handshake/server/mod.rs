//! The server state machine (RFC 9846 §4, server side).
//!
//! ```text
//! ExpectClientHello ──(no usable share)──▶ HelloRetryRequest ──▶ ExpectClientHello (2nd)
//!   ClientHello ──▶ [AwaitCertificate] ──▶ ServerHello, [CCS], EE, Certificate
//!   ──▶ [AwaitSign] ──▶ CertificateVerify, Finished ──▶ ExpectFinished
//!   Finished ──▶ (NewSessionTicket…) Connected
//!
//! With client authentication, CertificateRequest follows EE in the same
//! flight, and the client's messages are checked before its Finished:
//!   ──▶ ExpectCertificate ──(empty, optional mode)──▶ ExpectFinished
//!   Certificate ──▶ [AwaitClientVerify] ──▶ ExpectCertificateVerify
//!   CertificateVerify ──▶ ExpectFinished
//! ```

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::mem;

use crate::codec::{Codec, SmallBytes, StackBytes};
use crate::config::ClientAuth;
use crate::config::{ServerConfig, TicketInfo};
use crate::conn::core::Core;
use crate::conn::events::{ClientVerifyRequest, EchStatus, Event, SignRequest};
use crate::crypto::hash::{Hash, Output};
use crate::crypto::kx::ShareBytes;
use crate::crypto::suites::SuiteParams;
use crate::error::{CertificateError, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::{self, EarlySchedule, HandshakeSchedule, MasterSchedule};
use crate::msgs::borrowed::HandshakeMessageRef::{self, Other};
use crate::msgs::borrowed::*;
use crate::msgs::enums::*;
use crate::msgs::handshake::*;
use crate::quic::Level;
use crate::resumption::ServerSession;
use crate::verify::{CertifiedKey, ClientHelloInfo, Decision};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

mod auth;
mod ech;
mod flight;
mod hello;
mod resumption;

use self::ech::EchState;
use self::resumption::early_skip_budget;

use super::State;
use super::common::{self, unexpected};
use super::transcript::Transcript;

/// Server handshake state.
pub struct ServerHs {
    config: Arc<ServerConfig>,
    transcript: Transcript,
    state: St,
    sent_ccs: bool,
    /// The client offered post_handshake_auth (§4.3.6).
    client_pha: bool,
    /// The client's psk_key_exchange_modes named a mode we implement
    /// (RFC 9846 §4.7.1: the condition for sending tickets).
    client_psk_modes: bool,
    /// A post-handshake CertificateRequest in progress (§4.7.2).
    pha: Pha,
    /// Ticket lookups answered while the current ClientHello is being
    /// settled, by identity (cleared once it is).
    redeemed: Vec<(Vec<u8>, Option<ServerSession>)>,
    /// Deferred verifications of a resumed session's client identity,
    /// answered, by ticket identity (cleared with `redeemed`).
    reverified: Vec<(Vec<u8>, bool)>,
    /// RFC 7250: the client certificate type the handshake settled, which
    /// post-handshake Certificates carry too.
    pha_cert_type: CertificateType,
    /// When the full handshake behind this connection authenticated the
    /// client (ms since the epoch): now, or the resumed session's time
    /// (passed on to our tickets, RFC 9846 §4.7.1).
    authenticated_ms: u64,
    /// The fingerprint of the external PSK behind this connection (see
    /// `PskChoice::psk_fingerprint`), for our tickets.
    psk_fingerprint: Option<Vec<u8>>,
    /// Encrypted Client Hello (RFC 9849 §7): what the first ClientHello
    /// settled and the rest of the handshake owes.
    ech: EchState,
    /// RFC 8879: the algorithm our Certificate is compressed with (the
    /// first of ours the ClientHello offered).
    cert_compression: Option<crate::compress::CertificateCompressionAlgorithm>,
}

/// A ClientHello waiting for a deferred ticket lookup; read and processed
/// again from the start once the answer is in. With ECH accepted, `raw`
/// is the ClientHelloInner being processed: resuming neither decrypts
/// again (RFC 9849 §7.1 runs once per ClientHelloOuter; the HPKE context's
/// sequence number must not move) nor goes back to the outer hello.
struct PendingHello {
    retry: Option<Retry>,
    raw: Vec<u8>,
    identity: Vec<u8>,
}

/// The outcome of looking at the offered PSKs.
enum Lookup {
    Found(Box<PskChoice>),
    NotFound,
    /// The ticket producer deferred this identity.
    Deferred(Vec<u8>),
    /// The verifier deferred checking this ticket's client identity.
    DeferredVerify(Vec<u8>, ClientVerifyRequest),
}

/// Post-handshake client authentication progress.
#[derive(Default)]
enum Pha {
    #[default]
    Idle,
    ExpectCertificate(PhaRequest),
    ExpectCertificateVerify(PhaRequest),
    ExpectFinished(PhaRequest),
}

/// One post-handshake CertificateRequest.
struct PhaRequest {
    context: Vec<u8>,
    /// Handshake transcript + CertificateRequest + the client's answer.
    transcript: Transcript,
    schemes: Vec<SignatureScheme>,
    required: bool,
    chain: Vec<Vec<u8>>,
}

struct Retry {
    suite: CipherSuite,
    group: NamedGroup,
    cookie: Vec<u8>,
    /// What the second ClientHello must repeat (see `hello::hello_fingerprint`).
    fingerprint: Output,
}

/// How many offered PSK identities are tried before giving up on them.
const MAX_PSK_TRIES: usize = 8;

/// The PSK the server accepted (§4.3.11).
struct PskChoice {
    index: u16,
    secret: Zeroizing<Vec<u8>>,
    hash: Hash,
    suite: SuiteParams,
    external: bool,
    /// psk_dhe_ke (else psk_ke).
    dhe: bool,
    session: Option<ServerSession>,
    obfuscated_age: u32,
    /// The verified binder: identifies this ClientHello for anti-replay.
    binder: Vec<u8>,
    /// The identity of an external PSK (reported in `Negotiated`).
    external_identity: Option<Vec<u8>>,
    /// The fingerprint of the external PSK that authenticated the client:
    /// this one's, or the resumed session's (passed on to our tickets).
    psk_fingerprint: Option<Vec<u8>>,
}

/// What the ClientHello settled.
struct Chosen {
    suite: SuiteParams,
    /// `None` with psk_ke.
    group: Option<NamedGroup>,
    client_share: ShareBytes,
    psk: Option<PskChoice>,
    /// 0-RTT accepted; the early secret's traffic secret for reading.
    early: Option<Output>,
    /// The client's legacy_session_id (0..32 bytes), echoed.
    session_id: StackBytes<32>,
    client_schemes: Vec<SignatureScheme>,
    alpn: Option<Vec<u8>>,
    client_limit: Option<u16>,
    sni: Option<String>,
    types: CertTypes,
    /// What the client asked to have stapled to our certificate.
    status: StatusAsked,
}

/// The ClientHello's requests for data about our end entity (RFC 9846
/// §4.5.1.1): sent only when asked.
#[derive(Clone, Copy, Default)]
struct StatusAsked {
    /// `status_request` with status_type ocsp (RFC 6066 §8).
    ocsp: bool,
    /// `signed_certificate_timestamp` (RFC 6962 §3.3.1).
    sct: bool,
}

/// RFC 7250 choices made from the ClientHello.
#[derive(Clone, Copy)]
struct CertTypes {
    /// What our Certificate carries.
    server: CertificateType,
    /// Echo `server_certificate_type` in EE (the client offered it).
    server_echo: bool,
    /// What the client's Certificate must carry; `None`: no
    /// CertificateRequest.
    client: Option<CertificateType>,
    /// Echo `client_certificate_type` in EE (the client offered it).
    client_echo: bool,
}

/// State while waiting for the CertificateVerify signature.
struct Flight {
    suite: SuiteParams,
    schedule: HandshakeSchedule,
    c_hs: Output,
    s_hs: Output,
    scheme: Option<SignatureScheme>,
    early: Option<Output>,
    /// EE, [CertificateRequest], Certificate: already in the transcript,
    /// queued together with CertificateVerify and Finished so that a
    /// deferred signature does not split the flight into more records.
    queued: Vec<u8>,
    client_auth: Option<Requested>,
}

/// What our CertificateRequest asked of the client.
struct Requested {
    schemes: Vec<SignatureScheme>,
    required: bool,
    /// RFC 7250: the type the client's Certificate carries.
    cert_type: CertificateType,
}

/// State after our Finished.
struct AwaitFin {
    suite: SuiteParams,
    master: MasterSchedule,
    c_hs: Output,
    c_ap: Output,
    client_auth: Option<Requested>,
    /// The client's chain, once received (leaf first).
    client_chain: Vec<Vec<u8>>,
}

enum St {
    ExpectClientHello {
        retry: Option<Retry>,
    },
    AwaitTicket(Box<PendingHello>),
    /// A ticket's client identity is being verified again (deferred).
    AwaitResumeVerify(Box<PendingHello>),
    AwaitCertificate(Box<Chosen>),
    AwaitSign(Flight),
    ExpectCertificate(AwaitFin),
    AwaitClientVerify(AwaitFin),
    ExpectCertificateVerify(AwaitFin),
    ExpectEndOfEarlyData(AwaitFin),
    ExpectFinished(AwaitFin),
    Connected,
    Poisoned,
}

/// Builds a server connection waiting for a ClientHello; with `quic`, in
/// QUIC mode (RFC 9001 §4, §8).
pub fn start(
    config: Arc<ServerConfig>,
    quic: Option<Box<crate::conn::quic::QuicCore>>,
) -> Result<(Core, State), Error> {
    let mut core = Core::new(config.padding, config.key_log.clone(), false);
    core.set_limits(config.limits);
    core.quic = quic;
    let hs = ServerHs {
        config,
        transcript: Transcript::default(),
        state: St::ExpectClientHello { retry: None },
        sent_ccs: false,
        client_pha: false,
        client_psk_modes: false,
        pha: Pha::Idle,
        redeemed: Vec::new(),
        reverified: Vec::new(),
        pha_cert_type: CertificateType::X509,
        authenticated_ms: 0,
        psk_fingerprint: None,
        ech: EchState::Off,
        cert_compression: None,
    };
    crate::log::debug!("server: waiting for a ClientHello");
    Ok((core, State::Server(hs)))
}

/// Whether a certificate selection is pending.
pub fn awaiting_certificate(state: &State) -> bool {
    matches!(
        state,
        State::Server(ServerHs {
            state: St::AwaitCertificate(_),
            ..
        })
    )
}

/// Whether a signature is pending.
pub fn awaiting_sign(state: &State) -> bool {
    matches!(
        state,
        State::Server(ServerHs {
            state: St::AwaitSign(_),
            ..
        })
    )
}

/// Whether a client-certificate verification is pending.
pub fn awaiting_client_verify(state: &State) -> bool {
    matches!(
        state,
        State::Server(ServerHs {
            state: St::AwaitClientVerify(_) | St::AwaitResumeVerify(_),
            ..
        })
    )
}

/// Answers a deferred client-certificate verification: of the client's
/// Certificate (an error aborts), or of a ticket's client identity (an
/// error means no resumption with that ticket; the ClientHello is
/// processed again).
pub fn answer_client_verify(
    core: &mut Core,
    state: &mut State,
    result: Result<(), CertificateError>,
) -> Result<(), Error> {
    let State::Server(hs) = state else {
        return Err(Error::Internal("answer_verify on a client"));
    };
    match mem::replace(&mut hs.state, St::Poisoned) {
        St::AwaitClientVerify(f) => {
            result?;
            hs.state = St::ExpectCertificateVerify(f);
            Ok(())
        }
        St::AwaitResumeVerify(p) => {
            let p = *p;
            hs.reverified.push((p.identity, result.is_ok()));
            hs.client_hello_from_bytes(core, p.retry, &p.raw)
        }
        other => {
            hs.state = other;
            Err(Error::Internal("no client verification pending"))
        }
    }
}

/// Answers a deferred certificate selection.
pub fn answer_certificate(
    core: &mut Core,
    state: &mut State,
    result: Result<Arc<CertifiedKey>, Error>,
) -> Result<(), Error> {
    let State::Server(hs) = state else {
        return Err(Error::Internal("answer_certificate on a client"));
    };
    match mem::replace(&mut hs.state, St::Poisoned) {
        St::AwaitCertificate(chosen) => hs.with_certificate(core, *chosen, Some(result?)),
        other => {
            hs.state = other;
            Err(Error::Internal("no certificate selection pending"))
        }
    }
}

/// Whether a ticket lookup is pending.
pub fn awaiting_ticket(state: &State) -> bool {
    matches!(
        state,
        State::Server(ServerHs {
            state: St::AwaitTicket(_),
            ..
        })
    )
}

/// Answers a deferred ticket lookup; the ClientHello is processed again.
pub fn answer_ticket(
    core: &mut Core,
    state: &mut State,
    session: Option<ServerSession>,
) -> Result<(), Error> {
    let State::Server(hs) = state else {
        return Err(Error::Internal("answer_ticket on a client"));
    };
    match mem::replace(&mut hs.state, St::Poisoned) {
        St::AwaitTicket(p) => {
            let p = *p;
            hs.redeemed.push((p.identity, session));
            hs.client_hello_from_bytes(core, p.retry, &p.raw)
        }
        other => {
            hs.state = other;
            Err(Error::Internal("no ticket lookup pending"))
        }
    }
}

/// Answers a deferred signature.
pub fn answer_sign(
    core: &mut Core,
    state: &mut State,
    result: Result<Vec<u8>, Error>,
) -> Result<(), Error> {
    let State::Server(hs) = state else {
        return Err(Error::Internal("answer_sign on a client"));
    };
    match mem::replace(&mut hs.state, St::Poisoned) {
        St::AwaitSign(flight) => {
            let sig = common::signature_answer(result)?;
            hs.finish_flight(core, flight, Some(sig))
        }
        other => {
            hs.state = other;
            Err(Error::Internal("no signature pending"))
        }
    }
}

impl ServerHs {
    /// The provider's SHA-256.
    fn sha256(&self) -> Hash {
        self.config
            .provider
            .hash(crate::crypto::hash::HashAlgorithm::Sha256)
    }

    pub fn is_suspended(&self) -> bool {
        matches!(
            self.state,
            St::AwaitCertificate(_)
                | St::AwaitSign(_)
                | St::AwaitClientVerify(_)
                | St::AwaitTicket(_)
                | St::AwaitResumeVerify(_)
        )
    }

    pub fn handle(&mut self, core: &mut Core, raw: &[u8]) -> Result<(), Error> {
        crate::log::debug!("server: received {}", crate::log::MessageNames(raw));
        // The expected Finished is checked where it lies.
        if let Some(vd) = common::finished_body(raw) {
            match mem::replace(&mut self.state, St::Poisoned) {
                St::ExpectFinished(f) => return self.finished(core, f, vd, raw),
                other => self.state = other,
            }
        }
        if let Some((scheme, sig)) = common::certificate_verify_body(raw)? {
            match mem::replace(&mut self.state, St::Poisoned) {
                St::ExpectCertificateVerify(f) => {
                    return self.client_certificate_verify(core, f, scheme, sig, raw);
                }
                other => self.state = other,
            }
        }
        // RFC 8879 §4: a CompressedCertificate answering our request is
        // handled as the Certificate inside it; transcripts take `raw`.
        let expecting_certificate = matches!(self.state, St::ExpectCertificate(_))
            || matches!(
                (&self.state, &self.pha),
                (St::Connected, Pha::ExpectCertificate(_))
            );
        let inflated = super::compress::inflate(
            core,
            expecting_certificate,
            self.config.cert_compression.algorithms(),
            raw,
        )?;
        let msg = common::parse(core, inflated.as_deref().unwrap_or(raw))?;
        match (mem::replace(&mut self.state, St::Poisoned), msg) {
            (St::ExpectClientHello { retry }, HandshakeMessageRef::ClientHello(ch)) => {
                self.received_client_hello(core, retry, ch, raw)
            }
            (St::ExpectCertificate(f), HandshakeMessageRef::Certificate(c)) => {
                self.client_certificate(core, f, c, raw)
            }
            (St::ExpectCertificateVerify(f), Other(HandshakeMessage::CertificateVerify(cv))) => {
                self.client_certificate_verify(core, f, cv.scheme, &cv.signature, raw)
            }
            (St::ExpectEndOfEarlyData(f), Other(HandshakeMessage::EndOfEarlyData)) => {
                // §4.6: the end of 0-RTT; the handshake key follows.
                self.transcript.add(raw);
                core.early_read = None;
                core.set_read_secret(Level::Handshake, &f.c_hs)?;
                self.state = St::ExpectFinished(f);
                Ok(())
            }
            (St::ExpectFinished(f), Other(HandshakeMessage::Finished(vd))) => {
                self.finished(core, f, &vd, raw)
            }
            // RFC 9001 §6: a TLS KeyUpdate over QUIC is error 0x010a
            // (unexpected_message).
            (St::Connected, msg @ Other(HandshakeMessage::KeyUpdate(_))) if core.is_quic() => {
                Err(unexpected(&msg, "nothing (no KeyUpdate over QUIC)"))
            }
            (St::Connected, Other(HandshakeMessage::KeyUpdate(req))) => {
                self.state = St::Connected;
                core.received_key_update(req)
            }
            (
                St::Connected,
                msg @ (HandshakeMessageRef::Certificate(_)
                | Other(HandshakeMessage::CertificateVerify(_))
                | Other(HandshakeMessage::Finished(_))),
            ) if !matches!(self.pha, Pha::Idle) => {
                self.state = St::Connected;
                self.post_handshake_auth(core, msg, raw)
            }
            (st, msg) => Err(unexpected(&msg, st.expecting())),
        }
    }

    fn finished(
        &mut self,
        core: &mut Core,
        f: AwaitFin,
        vd: &[u8],
        raw: &[u8],
    ) -> Result<(), Error> {
        let hash = f.suite.hash;
        let th = self.transcript.current()?;
        common::check_finished(hash, f.c_hs.as_ref(), th.as_ref(), vd)?;
        self.transcript.add(raw);
        let th = self.transcript.current()?;
        let resumption = f.master.resumption_master_secret(th.as_ref());
        core.set_read_secret(Level::OneRtt, &f.c_ap)?;
        core.ccs_allowed = false;
        self.pha_cert_type = f
            .client_auth
            .as_ref()
            .map_or(CertificateType::X509, |r| r.cert_type);
        self.send_tickets(core, &f, &resumption)?;
        core.resumption_secret = Some(resumption);
        self.state = St::Connected;
        core.set_connected()
    }
}

/// Sends a post-handshake CertificateRequest (§4.7.2).
pub fn request_client_certificate(core: &mut Core, state: &mut State) -> Result<(), Error> {
    let State::Server(hs) = state else {
        return Err(Error::Internal("request_client_certificate on a client"));
    };
    if !matches!(hs.state, St::Connected) {
        return Err(Error::HandshakeNotComplete);
    }
    if core.sent_close() {
        return Err(Error::ConnectionClosed);
    }
    // §4.7.2: only when the client offered post_handshake_auth.
    if !hs.client_pha {
        return Err(Error::BadConfig(
            "the client did not offer post_handshake_auth".into(),
        ));
    }
    // RFC 9846 §4.4.2: "servers which are authenticating with an external
    // PSK MUST NOT send the CertificateRequest message in the main
    // handshake or request post-handshake authentication" (the main
    // handshake sends none in any PSK handshake, see flight.rs).
    // So is one resumed from a session an external PSK authenticated
    // (`psk_identity`): the resumption PSK stands for it, and Appendix F.1
    // forbids combining external PSKs with certificate authentication.
    if core.negotiated.external_psk || core.negotiated.psk_identity.is_some() {
        return Err(Error::BadConfig(
            "the connection is authenticated with an external PSK (RFC 9846 §4.4.2)".into(),
        ));
    }
    if !matches!(hs.pha, Pha::Idle) {
        return Err(Error::BadConfig(
            "a client certificate request is already outstanding".into(),
        ));
    }
    let cfg = hs.config.clone();
    let verifier = cfg
        .client_auth
        .verifier()
        .or(cfg.post_handshake_client_verifier.as_ref())
        .ok_or(Error::BadConfig(
            "post-handshake authentication needs a client certificate verifier".into(),
        ))?;
    // §4.4.2: a context unique within the connection; 16 random bytes.
    let mut context = vec![0u8; 16];
    cfg.rng.fill(&mut context)?;
    let schemes = verifier.signature_schemes();
    let mut extensions = vec![CertReqExtension::SignatureAlgorithms(schemes.clone())];
    let authorities = verifier.certificate_authorities();
    if !authorities.is_empty() {
        extensions.push(CertReqExtension::CertificateAuthorities(authorities));
    }
    extensions.extend(compress_certificate_extension(&cfg));
    let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
        context: context.clone(),
        extensions,
    })
    .to_bytes();
    let mut transcript = hs.transcript.clone();
    transcript.add(&cr);
    core.queue_handshake(&cr);
    hs.pha = Pha::ExpectCertificate(PhaRequest {
        context,
        transcript,
        schemes,
        required: matches!(cfg.client_auth, ClientAuth::Required(_)),
        chain: Vec::new(),
    });
    Ok(())
}

/// RFC 8879 §3: the compress_certificate extension of our
/// CertificateRequests, when we decompress client certificates.
pub(super) fn compress_certificate_extension(cfg: &ServerConfig) -> Option<CertReqExtension> {
    let algorithms = cfg.cert_compression.algorithms();
    if algorithms.is_empty() {
        return None;
    }
    let mut body = Vec::new();
    crate::msgs::compressed_certificate::encode_algorithms(&mut body, algorithms);
    Some(CertReqExtension::Unknown(UnknownExtension {
        typ: ExtensionType::COMPRESS_CERTIFICATE,
        body,
    }))
}

impl St {
    fn expecting(&self) -> &'static str {
        match self {
            Self::ExpectClientHello { .. } => "ClientHello",
            Self::AwaitCertificate(_)
            | Self::AwaitSign(_)
            | Self::AwaitClientVerify(_)
            | Self::AwaitTicket(_)
            | Self::AwaitResumeVerify(_) => "nothing (decision pending)",
            Self::ExpectCertificate(_) => "Certificate",
            Self::ExpectCertificateVerify(_) => "CertificateVerify",
            Self::ExpectEndOfEarlyData(_) => "EndOfEarlyData",
            Self::ExpectFinished(_) => "Finished",
            Self::Connected => "KeyUpdate",
            Self::Poisoned => "nothing (connection failed)",
        }
    }
}
