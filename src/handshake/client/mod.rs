//! The client state machine (RFC 9846 §4, client side).
//!
//! ```text
//! start ── ClientHello ──▶ ExpectServerHello ──HRR──▶ (ClientHello 2) ExpectServerHello
//!   ServerHello ──▶ ExpectEncryptedExtensions ──▶ ExpectCertificate (CertificateRequest allowed once)
//!   Certificate ──▶ [AwaitVerify] ──▶ ExpectCertificateVerify ──▶ ExpectFinished
//!   Finished ──▶ (if requested: Certificate ──▶ [AwaitSign] ──▶ CertificateVerify)
//!   ──▶ Finished sent ──▶ Connected
//! ```

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::mem;

use crate::codec::{Codec, StackBytes};
use crate::config::ClientConfig;
use crate::conn::core::Core;
use crate::conn::events::{Event, SignRequest, VerifyRequest};
use crate::crypto::hash::{Hash, Output};
use crate::crypto::kx::KeyExchange;
use crate::crypto::sign::VerifyError;
use crate::crypto::suites::SuiteParams;
use crate::crypto::{Prefetched, SecureRandom};
use crate::error::{CertificateError, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::{self, EarlySchedule, HandshakeSchedule, MasterSchedule};
use crate::msgs::borrowed::HandshakeMessageRef::{self, Other};
use crate::msgs::borrowed::*;
use crate::msgs::enums::*;
use crate::msgs::handshake::*;
use crate::quic::Level;
use crate::resumption::{ClientSession, SessionKey, SessionOrigin};
use crate::verify::{
    CertificateRequestInfo, CertificateStatus, Decision, ServerName, server_name_dns,
};
use zeroize::Zeroizing;

mod auth;
mod ech;
mod hello;
mod offered;
mod resumption;
mod server_flight;

use self::auth::check_certificate_request;
use self::offered::Offered;
use self::resumption::{check_ticket_extensions, choose_psk};

use super::State;
use super::common::{self, ext_in, unexpected};
use super::transcript::Transcript;
use crate::conn::quic::QuicCore;

/// Client handshake state plus what was offered.
pub struct ClientHs {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    state: St,
    random: [u8; 32],
    /// Our legacy_session_id: 32 random bytes in middlebox compatibility
    /// mode (§4.1.2, Appendix E.4), else empty.
    session_id: StackBytes<32>,
    offered: Offered,
    sent_ccs: bool,
    /// RFC 7250: what the server's Certificate carries (from EE).
    server_cert_type: CertificateType,
    /// RFC 7250: what our Certificate must carry, if asked (from EE).
    client_cert_type: CertificateType,
    /// The PSK offered (ticket or external), if any (boxed: most
    /// connections offer none).
    psk: Option<Box<PskOffer>>,
    early: Early,
    /// The transcript through our Finished, kept when we offered
    /// post_handshake_auth (§4.7.2).
    pha_transcript: Option<Box<Transcript>>,
    /// Where this connection's sessions are filed and looked up; it holds
    /// the server name (`session_key.server_name`).
    session_key: SessionKey,
    /// We presented a client identity (in this handshake, after it, or in
    /// the session we resumed): tickets we receive carry it.
    client_authenticated: bool,
    /// The server's chain (leaf first) while it is being verified: it
    /// moves to `Negotiated::peer_certificates` only once the verifier
    /// accepted it and its CertificateVerify verified, or, resuming, the
    /// session's chain until the server's Finished proved the PSK.
    peer_chain: Vec<Vec<u8>>,
    /// When a full handshake last authenticated the server (ms since the
    /// epoch): this one's CertificateVerify, or the resumed session's
    /// (passed on to the sessions we store, RFC 9846 §4.7.1).
    authenticated_ms: u64,
    /// Resuming: the session's server identity is a raw public key.
    resumed_raw_key: bool,
    /// What the server stapled to its end entity (RFC 9846 §4.5.1.1),
    /// held with `peer_chain` until the certificate is accepted.
    peer_status: Option<Box<server_flight::PeerStatus>>,
    /// Encrypted Client Hello (RFC 9849 §6): off, GREASE, or an offer and
    /// its outcome.
    ech: ech::EchClient,
}

/// A PSK the ClientHello offers (§4.3.11).
struct PskOffer {
    identity: Vec<u8>,
    obfuscated_age: u32,
    secret: Zeroizing<Vec<u8>>,
    hash: Hash,
    external: bool,
    /// For tickets: the session (its suite, 0-RTT allowance, ALPN, chain).
    session: Option<ClientSession>,
}

/// 0-RTT progress.
#[derive(Default)]
struct Early {
    /// early_data was offered and the early key is in use for writing.
    offered: bool,
    accepted: bool,
    /// Bytes sent as early data (handed back if the server refuses).
    sent: Vec<u8>,
    max: u32,
    /// The server refused it.
    rejected: bool,
    /// The ALPN protocol of the ticket the early data was written for.
    alpn: Option<Vec<u8>>,
    /// The suite of that ticket, which protects the early data.
    suite: Option<CipherSuite>,
}

struct Retry {
    suite: CipherSuite,
    group: Option<NamedGroup>,
}

/// Handshake-stage secrets.
struct Hs {
    suite: SuiteParams,
    schedule: HandshakeSchedule,
    c_hs: Output,
    s_hs: Output,
    /// Boxed to keep every handshake state small.
    cert_request: Option<Box<CertReq>>,
    /// A PSK was accepted: no server certificate follows.
    resumed: bool,
}

/// The server's CertificateRequest (§4.4.2).
struct CertReq {
    context: Vec<u8>,
    info: CertificateRequestInfo,
    /// The algorithms the request's compress_certificate offers (RFC 8879).
    compression: Vec<crate::compress::CertificateCompressionAlgorithm>,
}

/// After the server's Finished: what our last flight still needs.
struct OurFinish {
    suite: SuiteParams,
    master: MasterSchedule,
    c_hs: Output,
    c_ap: Output,
    exporter: Output,
}

/// Waiting for a deferred client CertificateVerify signature.
struct PendingSign {
    finish: OurFinish,
    scheme: SignatureScheme,
    /// Our Certificate (already in the transcript), queued with
    /// CertificateVerify and Finished so the flight stays one record.
    queued: Vec<u8>,
}

enum St {
    ExpectServerHello {
        shares: Shares,
        retry: Option<Retry>,
    },
    ExpectEncryptedExtensions(Hs),
    ExpectCertificate(Hs),
    AwaitVerify(Hs),
    ExpectCertificateVerify(Hs),
    ExpectFinished(Hs),
    /// Boxed: it holds every secret of the finished handshake, and the
    /// other states should not pay for its size.
    AwaitSign(Box<PendingSign>),
    Connected,
    Poisoned,
}

/// Builds the connection and queues the first ClientHello. Sessions are
/// filed under `scope` (see [`SessionKey`]), or the configuration's own
/// scope when `None`. With `quic` the connection runs in QUIC mode
/// (RFC 9001 §4, §8).
pub fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    scope: Option<&str>,
    quic: Option<Box<QuicCore>>,
) -> Result<(Core, State), Error> {
    crate::log::debug!(
        "client: hello to {server_name:?}, groups {:?}",
        config.groups
    );
    let mut core = Core::new(config.padding, config.key_log.clone(), true);
    core.set_limits(config.limits);
    core.negotiated.server_name = server_name_dns(&server_name).map(Into::into);
    core.quic = quic;

    // Random draws in the documented order (config module docs), fetched
    // from the source in one call where the groups say how many they take.
    // RFC 9001 §8.4: "A client MUST NOT request the use of the TLS 1.3
    // compatibility mode" over QUIC: an empty legacy_session_id.
    let compat = config.middlebox_compat && !core.is_quic();
    let first = *config
        .groups
        .first()
        .ok_or_else(|| Error::BadConfig("no groups".into()))?;
    let second = (first == NamedGroup::X25519MLKEM768
        && config.hybrid_x25519_share
        && config.groups.contains(&NamedGroup::X25519))
    .then_some(NamedGroup::X25519);
    let random_len = |g: NamedGroup| config.provider.group(g)?.start_random_len();
    let rng = Prefetched::new(
        config.rng.as_ref(),
        &[
            Some(32),
            Some(if compat { 32 } else { 0 }),
            random_len(first),
            second.map_or(Some(0), random_len),
        ],
    )?;
    let mut random = [0u8; 32];
    rng.fill(&mut random)?;
    let mut session_id = StackBytes::filled_with(0, 0);
    if compat {
        let mut id = [0u8; 32];
        rng.fill(&mut id)?;
        session_id.push(&id);
    }
    let mut shares = Shares::one(start_kx(&config, first, &rng)?);
    if let Some(second) = second {
        shares.second = Some(start_kx(&config, second, &rng)?);
    }
    drop(rng);
    let ech = ech::EchClient::start(&config, core.is_quic())?;
    core.negotiated.ech = ech.initial_status();

    let mut session_key = SessionKey::new(server_name, &config, scope);
    if core.is_quic() {
        session_key = session_key.for_quic();
    }
    let psk = choose_psk(&config, &session_key);
    let early = psk.as_ref().and_then(|p| p.session.as_ref()).filter(|s| {
        config.enable_early_data
            && early_allowed(&core, s)
            && config.suites.iter().any(|c| c.suite == s.suite)
    });
    // RFC 9000 §7.4.1: 0-RTT respects the server's parameters of the
    // session's connection (reported once 0-RTT is really offered).
    let early_params = early.and_then(|s| s.quic_transport_parameters.clone());
    let early_suite = early.and_then(|s| config.provider.suite(s.suite));
    let early_max = early.map_or(0, |s| s.max_early_data);
    let early_alpn = early.and_then(|s| s.alpn.clone());

    let mut hs = ClientHs {
        config,
        transcript: Transcript::default(),
        state: St::Poisoned,
        random,
        session_id,
        offered: Offered::default(),
        sent_ccs: false,
        psk,
        early: Early::default(),
        pha_transcript: None,
        peer_chain: Vec::new(),
        resumed_raw_key: false,
        peer_status: None,
        server_cert_type: CertificateType::X509,
        client_cert_type: CertificateType::X509,
        session_key,
        client_authenticated: false,
        authenticated_ms: 0,
        ech,
    };
    let early = hs.send_hello(&mut core, &shares, None, early_suite.is_some())?;
    if let (Some(suite), Some(p), true) = (early_suite, &hs.psk, early) {
        // §4.3.10: 0-RTT under client_early_traffic_secret, derived over
        // Hash(ClientHello).
        let ch_hash = hs
            .transcript
            .hash_with(p.hash, &[])
            .ok_or(Error::Internal("early transcript"))?;
        let es = EarlySchedule::new(p.hash, Some(&p.secret));
        let c_e = es.client_early_traffic_secret(ch_hash.as_ref());
        let eem = es.early_exporter_master_secret(ch_hash.as_ref());
        core.set_suite(suite);
        core.log_secret("CLIENT_EARLY_TRAFFIC_SECRET", &c_e);
        core.log_secret("EARLY_EXPORTER_SECRET", &eem);
        core.early_exporter_secret = Some(eem);
        core.flush_handshake()?;
        if hs.middlebox_compat(&core) {
            // Appendix E.4: with 0-RTT the CCS follows the first ClientHello.
            core.write_ccs();
            hs.sent_ccs = true;
        }
        core.set_write_secret(Level::ZeroRtt, &c_e)?;
        if let Some(quic) = &mut core.quic {
            quic.early_peer_params = early_params;
        }
        hs.early.offered = true;
        hs.early.max = early_max;
        hs.early.alpn = early_alpn;
        hs.early.suite = Some(suite.suite);
    }
    core.ccs_allowed = true;
    hs.state = St::ExpectServerHello {
        shares,
        retry: None,
    };
    core.flush_handshake()?;
    Ok((core, State::Client(hs)))
}

/// Whether a verification is waiting for [`answer_verify`].
pub fn awaiting_verify(state: &State) -> bool {
    matches!(
        state,
        State::Client(ClientHs {
            state: St::AwaitVerify(_),
            ..
        })
    )
}

/// The application's answer to a deferred verification.
pub fn answer_verify(
    core: &mut Core,
    state: &mut State,
    result: Result<(), CertificateError>,
) -> Result<(), Error> {
    let State::Client(hs) = state else {
        return Err(Error::Internal("answer_verify on a server"));
    };
    match mem::replace(&mut hs.state, St::Poisoned) {
        St::AwaitVerify(h) => {
            let _ = core;
            result?;
            hs.state = St::ExpectCertificateVerify(h);
            Ok(())
        }
        other => {
            hs.state = other;
            Err(Error::Internal("no verification pending"))
        }
    }
}

/// Whether a client CertificateVerify signature is pending.
pub fn awaiting_sign(state: &State) -> bool {
    matches!(
        state,
        State::Client(ClientHs {
            state: St::AwaitSign(_),
            ..
        })
    )
}

/// The application's answer to a deferred client signature.
pub fn answer_sign(
    core: &mut Core,
    state: &mut State,
    result: Result<Vec<u8>, Error>,
) -> Result<(), Error> {
    let State::Client(hs) = state else {
        return Err(Error::Internal("answer_sign on a server"));
    };
    match mem::replace(&mut hs.state, St::Poisoned) {
        St::AwaitSign(p) => {
            let sig = common::signature_answer(result)?;
            let p = *p;
            core.queue_handshake(&p.queued);
            hs.send_certificate_verify(core, p.scheme, sig);
            hs.send_finished(core, p.finish)
        }
        other => {
            hs.state = other;
            Err(Error::Internal("no signature pending"))
        }
    }
}

/// Whether a session lets 0-RTT be offered: a ticket with a non-zero
/// max_early_data_size over TLS; over QUIC the sentinel 0xffffffff (RFC
/// 9001 §4.6.1) and the server's transport parameters, which 0-RTT must
/// respect (RFC 9000 §7.4.1). A session of the other transport (a store
/// that files sessions by name alone can hand one out) offers none: a
/// QUIC ticket's 0xffffffff is no promise of 4 GiB over TCP.
fn early_allowed(core: &Core, s: &ClientSession) -> bool {
    if core.is_quic() {
        s.max_early_data == QUIC_EARLY_DATA && s.quic_transport_parameters.is_some()
    } else {
        s.max_early_data > 0 && s.quic_transport_parameters.is_none()
    }
}

/// RFC 9001 §4.6.1: the max_early_data_size of a QUIC ticket that allows
/// 0-RTT.
pub const QUIC_EARLY_DATA: u32 = 0xffff_ffff;

impl ClientHs {
    /// Middlebox compatibility mode (RFC 9846 Appendix E.4), as
    /// configured; never over QUIC (RFC 9001 §8.4).
    fn middlebox_compat(&self, core: &Core) -> bool {
        self.config.middlebox_compat && !core.is_quic()
    }

    pub fn is_suspended(&self) -> bool {
        matches!(self.state, St::AwaitVerify(_) | St::AwaitSign(_))
    }

    pub fn handle(&mut self, core: &mut Core, raw: &[u8]) -> Result<(), Error> {
        crate::log::debug!("client: received {}", crate::log::MessageNames(raw));
        // The expected Finished is checked where it lies.
        if let Some(vd) = common::finished_body(raw) {
            match mem::replace(&mut self.state, St::Poisoned) {
                St::ExpectFinished(h) => return self.finished(core, h, vd, raw),
                other => self.state = other,
            }
        }
        // So is the expected CertificateVerify.
        if let Some((scheme, sig)) = common::certificate_verify_body(raw)? {
            match mem::replace(&mut self.state, St::Poisoned) {
                St::ExpectCertificateVerify(h) => {
                    return self.certificate_verify(core, h, scheme, sig, raw);
                }
                other => self.state = other,
            }
        }
        // RFC 8879 §4: a CompressedCertificate is handled as the
        // Certificate inside it; the transcript takes `raw`, as received.
        let inflated = super::compress::inflate(
            core,
            matches!(self.state, St::ExpectCertificate(_)),
            self.offered.cert_compression(&self.config),
            raw,
        )?;
        let msg = common::parse(core, inflated.as_deref().unwrap_or(raw))?;
        match (mem::replace(&mut self.state, St::Poisoned), msg) {
            (St::ExpectServerHello { shares, retry }, HandshakeMessageRef::ServerHello(sh)) => {
                if sh.is_retry_request() {
                    self.retry_request(core, shares, retry, sh, raw)
                } else {
                    self.server_hello(core, shares, retry, sh, raw)
                }
            }
            (St::ExpectEncryptedExtensions(h), HandshakeMessageRef::EncryptedExtensions(exts)) => {
                self.encrypted_extensions(core, h, exts, raw)
            }
            (St::ExpectCertificate(mut h), Other(HandshakeMessage::CertificateRequest(cr)))
                if h.cert_request.is_none() =>
            {
                h.cert_request = Some(Box::new(check_certificate_request(cr, false)?));
                self.transcript.add(raw);
                self.state = St::ExpectCertificate(h);
                Ok(())
            }
            (St::ExpectCertificate(h), HandshakeMessageRef::Certificate(c)) => {
                self.certificate(core, h, c, raw)
            }
            (St::ExpectCertificateVerify(h), Other(HandshakeMessage::CertificateVerify(cv))) => {
                self.certificate_verify(core, h, cv.scheme, &cv.signature, raw)
            }
            (St::ExpectFinished(h), Other(HandshakeMessage::Finished(vd))) => {
                self.finished(core, h, &vd, raw)
            }
            // RFC 9001 §4.6.1: "A client MUST treat receipt of a
            // NewSessionTicket that contains an early_data extension with
            // any other value [than 0xffffffff] as a connection error of
            // type PROTOCOL_VIOLATION."
            (St::Connected, Other(HandshakeMessage::NewSessionTicket(t)))
                if core.is_quic()
                    && t.extensions.iter().any(
                        |e| matches!(e, TicketExtension::EarlyData(n) if *n != QUIC_EARLY_DATA),
                    ) =>
            {
                Err(PeerMisbehaved::QuicProtocolViolation(
                    "NewSessionTicket max_early_data_size other than 0xffffffff",
                )
                .into())
            }
            (St::Connected, Other(HandshakeMessage::NewSessionTicket(_)))
                if self.config.session_store.is_none() || self.config.external_psk.is_some() =>
            {
                // RFC 9846 §4.7.1: "Clients which receive a NewSessionTicket
                // message but do not support resumption MUST silently ignore
                // this message." Without a session store, or with an external
                // PSK (offered instead of tickets), we never resume.
                self.state = St::Connected;
                Ok(())
            }
            (St::Connected, Other(HandshakeMessage::NewSessionTicket(t))) => {
                self.state = St::Connected;
                check_ticket_extensions(&t)?;
                self.store_ticket(core, &t)?;
                core.push_event(Event::NewSessionTicket(t));
                Ok(())
            }
            // RFC 9001 §6: "Endpoints MUST treat the receipt of a TLS
            // KeyUpdate message as a connection error of type 0x010a"
            // (unexpected_message): QUIC updates its keys itself.
            (St::Connected, msg @ Other(HandshakeMessage::KeyUpdate(_))) if core.is_quic() => Err(
                unexpected(&msg, "NewSessionTicket (no KeyUpdate over QUIC)"),
            ),
            (St::Connected, Other(HandshakeMessage::KeyUpdate(req))) => {
                self.state = St::Connected;
                core.received_key_update(req)
            }
            // RFC 9001 §4.4: "clients MUST treat receipt of such messages
            // as a connection error of type PROTOCOL_VIOLATION".
            (St::Connected, Other(HandshakeMessage::CertificateRequest(_))) if core.is_quic() => {
                Err(
                    PeerMisbehaved::QuicProtocolViolation("post-handshake CertificateRequest")
                        .into(),
                )
            }
            (St::Connected, Other(HandshakeMessage::CertificateRequest(cr)))
                if self.pha_transcript.is_some() =>
            {
                self.state = St::Connected;
                self.post_handshake_auth(core, cr, raw)
            }
            (st, msg) => Err(unexpected(&msg, st.expecting())),
        }
    }
}

/// Bounds the peer's chain ([`crate::config::Limits::max_certificate_chain`]).
pub fn check_chain_length(core: &Core, len: usize) -> Result<(), Error> {
    let limit = core.limits().max_certificate_chain;
    if len > limit {
        return Err(CertificateError::ChainTooLong { len, limit }.into());
    }
    Ok(())
}

impl St {
    fn expecting(&self) -> &'static str {
        match self {
            Self::ExpectServerHello { .. } => "ServerHello",
            Self::ExpectEncryptedExtensions(_) => "EncryptedExtensions",
            Self::ExpectCertificate(_) => "Certificate",
            Self::AwaitVerify(_) => "nothing (verification pending)",
            Self::ExpectCertificateVerify(_) => "CertificateVerify",
            Self::ExpectFinished(_) => "Finished",
            Self::AwaitSign(_) => "nothing (signature pending)",
            Self::Connected => "NewSessionTicket or KeyUpdate",
            Self::Poisoned => "nothing (connection failed)",
        }
    }
}

/// Maps a CertificateVerify failure to the error (and alert) it deserves.
pub fn verify_error(e: VerifyError) -> Error {
    match e {
        VerifyError::BadSignature => PeerMisbehaved::BadSignature.into(),
        VerifyError::SchemeMismatch => {
            PeerMisbehaved::IllegalParameter("signature scheme does not match the certificate key")
                .into()
        }
        VerifyError::UnsupportedKey => {
            CertificateError::UnsupportedKey("the certificate key type is not supported".into())
                .into()
        }
        VerifyError::RsaKeyTooSmall(bits, min) => CertificateError::Other {
            reason: alloc::format!("RSA key of {bits} bits is below the minimum of {min}"),
            alert: AlertDescription::INSUFFICIENT_SECURITY,
        }
        .into(),
    }
}

/// Our key shares, held inline: the first group's, and with the hybrid
/// X25519MLKEM768 first, optionally X25519's as well.
struct Shares {
    first: Option<KeyExchange>,
    second: Option<KeyExchange>,
}

impl Shares {
    fn one(kx: KeyExchange) -> Self {
        Self {
            first: Some(kx),
            second: None,
        }
    }

    fn iter(&self) -> impl Iterator<Item = &KeyExchange> {
        self.first.iter().chain(&self.second)
    }

    /// Takes out the key pair for `group`.
    fn take(&mut self, group: NamedGroup) -> Option<KeyExchange> {
        [&mut self.first, &mut self.second]
            .into_iter()
            .find(|k| k.as_ref().is_some_and(|k| k.group() == group))?
            .take()
    }
}

/// A key pair for `group` from the config's provider.
fn start_kx(
    config: &ClientConfig,
    group: NamedGroup,
    rng: &dyn crate::crypto::SecureRandom,
) -> Result<KeyExchange, Error> {
    let kx = config
        .provider
        .group(group)
        .ok_or(Error::Internal("key exchange group not implemented"))?;
    KeyExchange::start_with(kx, rng)
}
