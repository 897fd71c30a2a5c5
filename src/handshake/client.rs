//! The client state machine (RFC 8446 §4, client side).
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
use alloc::vec;
use alloc::vec::Vec;
use core::mem;

use crate::codec::Codec;
use crate::config::ClientConfig;
use crate::conn::core::Core;
use crate::conn::events::{Event, SignRequest, VerifyRequest};
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::crypto::kx::KeyExchange;
use crate::crypto::sign::{self, VerifyError};
use crate::crypto::suites::{self, SuiteParams};
use crate::error::{CertificateError, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::{self, EarlySchedule, HandshakeSchedule, MasterSchedule};
use crate::msgs::enums::*;
use crate::msgs::handshake::*;
use crate::resumption::ClientSession;
use crate::verify::{CertificateRequestInfo, Decision, ServerName};
use zeroize::Zeroizing;

use super::State;
use super::common::{self, ext_in, unexpected};
use super::transcript::Transcript;

/// Client handshake state plus what was offered.
pub struct ClientHs {
    config: Arc<ClientConfig>,
    server_name: ServerName,
    transcript: Transcript,
    state: St,
    random: [u8; 32],
    session_id: Vec<u8>,
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
    /// post_handshake_auth (§4.6.2).
    pha_transcript: Option<Box<Transcript>>,
}

/// A PSK the ClientHello offers (§4.2.11).
struct PskOffer {
    identity: Vec<u8>,
    obfuscated_age: u32,
    secret: Zeroizing<Vec<u8>>,
    hash: HashAlgorithm,
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
}

/// What the last ClientHello offered (after the hook ran).
#[derive(Default)]
struct Offered {
    suites: Vec<CipherSuite>,
    groups: Vec<NamedGroup>,
    schemes: Vec<SignatureScheme>,
    alpn: Vec<Vec<u8>>,
    extensions: Vec<ExtensionType>,
    record_size_limit: Option<u16>,
    /// RFC 7250 offers; `None` when the extension was not sent (X.509).
    server_cert_types: Option<Vec<CertificateType>>,
    client_cert_types: Option<Vec<CertificateType>>,
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

/// The server's CertificateRequest (§4.3.2).
struct CertReq {
    context: Vec<u8>,
    info: CertificateRequestInfo,
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
        shares: Vec<KeyExchange>,
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

/// Builds the connection and queues the first ClientHello.
pub fn start(config: Arc<ClientConfig>, server_name: &str) -> Result<(Core, State), Error> {
    let server_name = ServerName::parse(server_name)?;
    crate::log::debug!(
        "client: hello to {server_name:?}, groups {:?}",
        config.groups
    );
    let mut core = Core::new(config.padding, config.key_log.clone(), true);
    core.set_limits(config.limits);
    core.negotiated.server_name = server_name.dns().map(Into::into);

    // Random draws in the documented order (config module docs).
    let rng = config.rng.as_ref();
    let mut random = [0u8; 32];
    rng.fill(&mut random)?;
    let mut session_id = Vec::new();
    if config.middlebox_compat {
        session_id = vec![0u8; 32];
        rng.fill(&mut session_id)?;
    }
    let first = *config
        .groups
        .first()
        .ok_or(Error::BadConfig("no groups".into()))?;
    let mut shares = vec![KeyExchange::start(first, rng)?];
    if first == NamedGroup::X25519MLKEM768
        && config.hybrid_x25519_share
        && config.groups.contains(&NamedGroup::X25519)
    {
        shares.push(KeyExchange::start(NamedGroup::X25519, rng)?);
    }

    let psk = choose_psk(&config, &server_name);
    let early = psk.as_ref().and_then(|p| p.session.as_ref()).filter(|s| {
        config.enable_early_data
            && s.max_early_data > 0
            && config.suites.iter().any(|c| c.suite == s.suite)
    });
    let early_suite = early.and_then(|s| suites::lookup(s.suite));
    let early_max = early.map_or(0, |s| s.max_early_data);

    let mut hs = ClientHs {
        config,
        server_name,
        transcript: Transcript::default(),
        state: St::Poisoned,
        random,
        session_id,
        offered: Offered::default(),
        sent_ccs: false,
        psk,
        early: Early::default(),
        pha_transcript: None,
        server_cert_type: CertificateType::X509,
        client_cert_type: CertificateType::X509,
    };
    hs.send_hello(&mut core, &shares, None, early_suite.is_some())?;
    if let (Some(suite), Some(p)) = (early_suite, &hs.psk) {
        // §4.2.10: 0-RTT under client_early_traffic_secret, derived over
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
        if hs.config.middlebox_compat {
            // Appendix D.4: with 0-RTT the CCS follows the first ClientHello.
            core.write_ccs();
            hs.sent_ccs = true;
        }
        core.set_write_secret(&c_e)?;
        hs.early.offered = true;
        hs.early.max = early_max;
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
            let sig = result.map_err(|e| match e {
                Error::SigningFailed(_) | Error::Internal(_) => e,
                other => Error::SigningFailed(alloc::format!("{other}")),
            })?;
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

impl ClientHs {
    pub fn is_suspended(&self) -> bool {
        matches!(self.state, St::AwaitVerify(_) | St::AwaitSign(_))
    }

    /// 0-RTT is over without acceptance: hand the bytes back.
    fn reject_early(&mut self, core: &mut Core) {
        self.early.offered = false;
        core.negotiated.early_data_accepted = false;
        core.push_event(Event::EarlyDataRejected(mem::take(&mut self.early.sent)));
    }

    /// Seals 0-RTT data while the early key is in use; returns how much
    /// was taken (bounded by the ticket's max_early_data_size).
    pub fn send_early_data(&mut self, core: &mut Core, data: &[u8]) -> Result<usize, Error> {
        if !self.early.offered || self.early.accepted && matches!(self.state, St::Connected) {
            return Ok(0);
        }
        let room = (self.early.max as usize).saturating_sub(self.early.sent.len());
        let n = room.min(data.len());
        let Some(chunk) = data.get(..n) else {
            return Ok(0);
        };
        if n > 0 {
            core.seal_early(chunk)?;
            self.early.sent.extend_from_slice(chunk);
        }
        Ok(n)
    }

    /// A certificate for `info` whose key signs a requested scheme, of the
    /// negotiated certificate type (RFC 7250).
    fn choose_client_cert(
        &self,
        info: &CertificateRequestInfo,
    ) -> Option<(Arc<crate::verify::CertifiedKey>, SignatureScheme)> {
        // A type we cannot present (the server chose none and we only
        // have raw keys): an empty Certificate, and the server decides.
        let can_present = self
            .config
            .client_certificate_types
            .contains(&self.client_cert_type);
        self.config
            .client_cert_resolver
            .as_ref()
            .filter(|_| can_present)
            .and_then(|r| r.resolve(info))
            .filter(|ck| !ck.chain.is_empty())
            // A bare key cannot answer an X.509 request.
            .filter(|ck| {
                self.client_cert_type == CertificateType::RAW_PUBLIC_KEY
                    || !ck.chain.first().is_some_and(|c| common::is_spki(c))
            })
            .and_then(|ck| {
                let scheme = ck
                    .signer
                    .schemes()
                    .into_iter()
                    .find(|s| info.signature_schemes.contains(s))?;
                Some((ck, scheme))
            })
    }

    /// Answers a post-handshake CertificateRequest (§4.6.2): Certificate,
    /// [CertificateVerify], Finished under the application traffic key,
    /// over the handshake transcript plus this exchange.
    fn post_handshake_auth(
        &mut self,
        core: &mut Core,
        cr: CertificateRequest,
        raw: &[u8],
    ) -> Result<(), Error> {
        let mut req = check_certificate_request(cr, true)?;
        req.info.certificate_type = self.client_cert_type;
        let mut t = self
            .pha_transcript
            .as_deref()
            .cloned()
            .ok_or(Error::Internal("post-handshake auth without a transcript"))?;
        t.add(raw);
        let chosen = self.choose_client_cert(&req.info);
        let entries = match &chosen {
            Some((ck, _)) if self.client_cert_type == CertificateType::RAW_PUBLIC_KEY => {
                let first = ck.chain.first().ok_or(Error::Internal("empty chain"))?;
                vec![CertificateEntry {
                    data: common::raw_public_key(first)?,
                    extensions: Vec::new(),
                }]
            }
            Some((ck, _)) => ck
                .chain
                .iter()
                .map(|c| CertificateEntry {
                    data: c.clone(),
                    extensions: Vec::new(),
                })
                .collect(),
            None => Vec::new(),
        };
        let cert = HandshakeMessage::Certificate(CertificatePayload {
            context: req.context,
            entries,
        })
        .to_bytes();
        t.add(&cert);
        let mut flight = cert;
        if let Some((ck, scheme)) = chosen {
            let th = t.current()?;
            let content = common::signed_content(common::CLIENT_CV_CONTEXT, th.as_ref());
            let signature = match ck.signer.sign(scheme, &content, self.config.rng.as_ref()) {
                Decision::Ready(sig) => sig?,
                // Deferred signing exists for the handshake only.
                Decision::Deferred => {
                    return Err(Error::SigningFailed(
                        "deferred signing is not supported after the handshake".into(),
                    ));
                }
            };
            let cv = HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature })
                .to_bytes();
            t.add(&cv);
            flight.extend_from_slice(&cv);
            core.negotiated.client_signature_scheme = Some(scheme);
        }
        let hash = core
            .negotiated
            .suite
            .and_then(suites::lookup)
            .ok_or(Error::Internal("no suite after the handshake"))?
            .hash;
        let key = core
            .current_write_secret()
            .ok_or(Error::Internal("no application key"))?;
        let th = t.current()?;
        let vd = key_schedule::finished_verify_data(hash, key.as_ref(), th.as_ref());
        flight.extend_from_slice(&HandshakeMessage::Finished(vd.as_ref().to_vec()).to_bytes());
        if !core.sent_close() {
            core.queue_handshake(&flight);
        }
        Ok(())
    }

    /// Turns a NewSessionTicket into a stored session (§4.6.1).
    fn store_ticket(&self, core: &mut Core, t: &NewSessionTicket) -> Result<(), Error> {
        // §4.6.1: a lifetime of zero means "do not use"; over 7 days is
        // not allowed.
        if t.lifetime > 604_800 {
            return Err(PeerMisbehaved::IllegalParameter("ticket_lifetime above 7 days").into());
        }
        let Some(store) = &self.config.session_store else {
            return Ok(());
        };
        let (Some(suite), Some(rms)) = (core.negotiated.suite, &core.resumption_secret) else {
            return Ok(());
        };
        if t.lifetime == 0 || self.config.external_psk.is_some() {
            return Ok(());
        }
        let Some(params) = suites::lookup(suite) else {
            return Ok(());
        };
        let psk = key_schedule::resumption_psk(params.hash, rms.as_ref(), &t.nonce);
        let max_early_data = t
            .extensions
            .iter()
            .find_map(|e| match e {
                TicketExtension::EarlyData(n) => Some(*n),
                _ => None,
            })
            .unwrap_or(0);
        let session = ClientSession {
            suite,
            psk: Zeroizing::new(psk.as_ref().to_vec()),
            ticket: t.ticket.clone(),
            age_add: t.age_add,
            lifetime: t.lifetime,
            received_ms: self.config.time.now_unix_millis(),
            max_early_data,
            alpn: core.negotiated.alpn.clone(),
            peer_certificates: core.negotiated.peer_certificates.clone(),
        };
        store.put(&session_key(&self.server_name), session);
        Ok(())
    }

    fn send_hello(
        &mut self,
        core: &mut Core,
        shares: &[KeyExchange],
        cookie: Option<&[u8]>,
        early: bool,
    ) -> Result<(), Error> {
        let c = &self.config;
        let mut exts = Vec::new();
        if let ServerName::Dns(name) = &self.server_name {
            exts.push(ClientExtension::ServerName(vec![(
                ServerNameType::HOST_NAME,
                name.as_bytes().to_vec(),
            )]));
        }
        exts.push(ClientExtension::SupportedGroups(c.groups.clone()));
        exts.push(ClientExtension::SignatureAlgorithms(
            c.signature_schemes.clone(),
        ));
        if let Some(limit) = c.record_size_limit {
            exts.push(ClientExtension::RecordSizeLimit(limit));
        }
        if !c.alpn_protocols.is_empty() {
            exts.push(ClientExtension::Alpn(c.alpn_protocols.clone()));
        }
        // RFC 7250 §4.1: only X.509 is the same as not sending them.
        if c.client_certificate_types != [CertificateType::X509] {
            exts.push(ClientExtension::ClientCertificateType(
                c.client_certificate_types.clone(),
            ));
        }
        if c.server_certificate_types != [CertificateType::X509] {
            exts.push(ClientExtension::ServerCertificateType(
                c.server_certificate_types.clone(),
            ));
        }
        exts.push(ClientExtension::SupportedVersions(vec![
            ProtocolVersion::TLS1_3,
        ]));
        exts.push(ClientExtension::KeyShare(
            shares
                .iter()
                .map(|k| KeyShareEntry {
                    group: k.group(),
                    payload: k.public_key().to_vec(),
                })
                .collect(),
        ));
        exts.push(ClientExtension::PskKeyExchangeModes(c.psk_modes.clone()));
        if let Some(cookie) = cookie {
            exts.push(ClientExtension::Cookie(cookie.to_vec()));
        }
        if c.client_cert_resolver.is_some() {
            // §4.2.6: we answer CertificateRequests after the handshake
            // through the same resolver.
            exts.push(ClientExtension::PostHandshakeAuth);
        }
        if early {
            exts.push(ClientExtension::EarlyData);
        }
        if let Some(p) = &self.psk {
            // §4.2.11: last; the binder is filled in below.
            exts.push(ClientExtension::PreSharedKey(OfferedPsks {
                identities: vec![PskIdentity {
                    identity: p.identity.clone(),
                    obfuscated_ticket_age: p.obfuscated_age,
                }],
                binders: vec![vec![0; p.hash.output_len()]],
            }));
        }
        let mut hello = ClientHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random: self.random,
            legacy_session_id: self.session_id.clone(),
            cipher_suites: c.suites.iter().map(|s| s.suite).collect(),
            legacy_compression_methods: vec![0],
            extensions: exts,
        };
        if let Some(hook) = &c.client_hello_hook {
            hook(&mut hello);
        }
        if let Some(p) = &self.psk {
            // §4.2.11.2: the binder covers the ClientHello up to the binders
            // (after any HelloRetryRequest exchange), as finally encoded.
            if let Some(trunc) = hello.encoding_for_binders() {
                let th = self
                    .transcript
                    .hash_with(p.hash, &trunc)
                    .ok_or(Error::Internal("binder transcript hash"))?;
                let binder = common::psk_binder(p.hash, &p.secret, p.external, th.as_ref());
                if let Some(ClientExtension::PreSharedKey(offer)) = hello.extensions.last_mut()
                    && let Some(b) = offer.binders.first_mut()
                {
                    *b = binder.as_ref().to_vec();
                }
            }
        }
        // Remember what was actually offered, hook edits included.
        self.random = hello.random;
        self.session_id = hello.legacy_session_id.clone();
        core.client_random = hello.random;
        let mut offered = Offered {
            suites: hello.cipher_suites.clone(),
            extensions: hello.extensions.iter().map(|e| e.typ()).collect(),
            ..Offered::default()
        };
        for e in &hello.extensions {
            match e {
                ClientExtension::SupportedGroups(g) => offered.groups = g.clone(),
                ClientExtension::SignatureAlgorithms(s) => offered.schemes = s.clone(),
                ClientExtension::Alpn(a) => offered.alpn = a.clone(),
                ClientExtension::RecordSizeLimit(l) => offered.record_size_limit = Some(*l),
                ClientExtension::ServerCertificateType(t) => {
                    offered.server_cert_types = Some(t.clone());
                }
                ClientExtension::ClientCertificateType(t) => {
                    offered.client_cert_types = Some(t.clone());
                }
                _ => {}
            }
        }
        self.offered = offered;
        let raw = HandshakeMessage::ClientHello(hello).to_bytes();
        self.transcript.add(&raw);
        core.queue_handshake(&raw);
        Ok(())
    }

    pub fn handle(&mut self, core: &mut Core, raw: &[u8]) -> Result<(), Error> {
        crate::log::debug!("client: received {}", crate::log::MessageNames(raw));
        let msg = common::parse(raw)?;
        match (mem::replace(&mut self.state, St::Poisoned), msg) {
            (St::ExpectServerHello { shares, retry }, HandshakeMessage::ServerHello(sh)) => {
                if sh.is_retry_request() {
                    self.retry_request(core, shares, retry, sh, raw)
                } else {
                    self.server_hello(core, shares, retry, sh, raw)
                }
            }
            (St::ExpectEncryptedExtensions(h), HandshakeMessage::EncryptedExtensions(exts)) => {
                self.encrypted_extensions(core, h, exts, raw)
            }
            (St::ExpectCertificate(mut h), HandshakeMessage::CertificateRequest(cr))
                if h.cert_request.is_none() =>
            {
                h.cert_request = Some(Box::new(check_certificate_request(cr, false)?));
                self.transcript.add(raw);
                self.state = St::ExpectCertificate(h);
                Ok(())
            }
            (St::ExpectCertificate(h), HandshakeMessage::Certificate(c)) => {
                self.certificate(core, h, c, raw)
            }
            (St::ExpectCertificateVerify(h), HandshakeMessage::CertificateVerify(cv)) => {
                self.certificate_verify(core, h, cv, raw)
            }
            (St::ExpectFinished(h), HandshakeMessage::Finished(vd)) => {
                self.finished(core, h, &vd, raw)
            }
            (St::Connected, HandshakeMessage::NewSessionTicket(t)) => {
                self.state = St::Connected;
                check_ticket_extensions(&t)?;
                self.store_ticket(core, &t)?;
                core.push_event(Event::NewSessionTicket(t));
                Ok(())
            }
            (St::Connected, HandshakeMessage::KeyUpdate(req)) => {
                self.state = St::Connected;
                core.received_key_update(req)
            }
            (St::Connected, HandshakeMessage::CertificateRequest(cr))
                if self.pha_transcript.is_some() =>
            {
                self.state = St::Connected;
                self.post_handshake_auth(core, cr, raw)
            }
            (st, msg) => Err(unexpected(&msg, st.expecting())),
        }
    }

    fn check_common_hello(&self, sh: &ServerHello) -> Result<SuiteParams, Error> {
        // §4.1.3: sentinels mean someone forced an older version.
        if sh.random.ends_with(&DOWNGRADE_TLS12) || sh.random.ends_with(&DOWNGRADE_TLS11) {
            return Err(PeerMisbehaved::DowngradeDetected.into());
        }
        match sh.find(ExtensionType::SUPPORTED_VERSIONS) {
            None => return Err(PeerIncompatible::NoTls13.into()),
            Some(ServerExtension::SupportedVersions(v)) if *v == ProtocolVersion::TLS1_3 => {}
            // §4.2.1: a version we did not offer.
            Some(_) => {
                return Err(PeerMisbehaved::SelectedUnofferedParameter("protocol version").into());
            }
        }
        // Appendix D.5: 0x0300 or below is protocol_version.
        if sh.legacy_version <= ProtocolVersion(0x0300) {
            return Err(PeerIncompatible::NoTls13.into());
        }
        if sh.legacy_version != ProtocolVersion::TLS1_2 {
            return Err(PeerMisbehaved::IllegalParameter("ServerHello.legacy_version").into());
        }
        if sh.legacy_session_id_echo != self.session_id {
            return Err(PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into());
        }
        if sh.legacy_compression_method != 0 {
            return Err(PeerMisbehaved::IllegalParameter("legacy_compression_method").into());
        }
        let suite = suites::lookup(sh.cipher_suite)
            .filter(|s| self.offered.suites.contains(&s.suite) && self.config.suites.contains(s))
            .ok_or(PeerMisbehaved::SelectedUnofferedParameter("cipher suite"))?;
        Ok(suite)
    }

    fn retry_request(
        &mut self,
        core: &mut Core,
        shares: Vec<KeyExchange>,
        retry: Option<Retry>,
        hrr: ServerHello,
        raw: &[u8],
    ) -> Result<(), Error> {
        if retry.is_some() {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        let suite = self.check_common_hello(&hrr)?;
        let mut group = None;
        let mut cookie = None;
        for e in &hrr.extensions {
            match e {
                ServerExtension::KeyShareRetry(g) => group = Some(*g),
                ServerExtension::Cookie(c) => cookie = Some(c.clone()),
                ServerExtension::SupportedVersions(_) => {}
                other => {
                    return Err(common::foreign_extension(
                        other.typ(),
                        ext_in::HRR,
                        "extension not allowed in HelloRetryRequest",
                    ));
                }
            }
        }
        if let Some(g) = group {
            // §4.2.8: offered, and not one we already sent a share for.
            if !self.offered.groups.contains(&g) || !crate::crypto::kx::is_supported(g) {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                    "selected a group that was not offered",
                )
                .into());
            }
            if shares.iter().any(|k| k.group() == g) {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                    "selected a group we already sent a share for",
                )
                .into());
            }
        }
        if group.is_none() && cookie.is_none() {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                "it would not change the ClientHello",
            )
            .into());
        }
        core.negotiated.hello_retry = true;
        if self.early.offered {
            // §4.2.10: after a HelloRetryRequest 0-RTT is over; the second
            // ClientHello goes out in plaintext.
            self.reject_early(core);
            core.clear_write_key()?;
        }
        if self.psk.as_ref().is_some_and(|p| p.hash != suite.hash) {
            // §4.1.4: only PSKs matching the selected suite's hash remain.
            self.psk = None;
        }
        self.transcript.start_hash_after_retry(suite.hash);
        self.transcript.add(raw);
        let shares = match group {
            Some(g) => vec![KeyExchange::start(g, self.config.rng.as_ref())?],
            None => shares,
        };
        if self.config.middlebox_compat && !self.sent_ccs {
            // Appendix D.4: the CCS may precede the second ClientHello.
            core.write_ccs();
            self.sent_ccs = true;
        }
        self.send_hello(core, &shares, cookie.as_deref(), false)?;
        self.state = St::ExpectServerHello {
            shares,
            retry: Some(Retry {
                suite: suite.suite,
                group,
            }),
        };
        Ok(())
    }

    fn server_hello(
        &mut self,
        core: &mut Core,
        mut shares: Vec<KeyExchange>,
        retry: Option<Retry>,
        sh: ServerHello,
        raw: &[u8],
    ) -> Result<(), Error> {
        let suite = self.check_common_hello(&sh)?;
        let mut share = None;
        let mut selected_psk = None;
        for e in &sh.extensions {
            match e {
                ServerExtension::KeyShare(k) => share = Some(k),
                ServerExtension::SupportedVersions(_) => {}
                ServerExtension::PreSharedKey(i) if self.psk.is_some() => selected_psk = Some(*i),
                other => {
                    return Err(common::foreign_extension(
                        other.typ(),
                        ext_in::SH,
                        "extension not allowed in ServerHello",
                    ));
                }
            }
        }
        let psk = match selected_psk {
            None => None,
            // §4.2.11: one identity was offered, so only index 0 is valid.
            Some(0) => {
                let p = self
                    .psk
                    .as_ref()
                    .ok_or(Error::Internal("PSK selected but none offered"))?;
                // §4.2.11: the suite must share the PSK's hash.
                if p.hash != suite.hash {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "cipher suite hash differs from the PSK's",
                    )
                    .into());
                }
                Some(p)
            }
            Some(_) => {
                return Err(
                    PeerMisbehaved::IllegalParameter("selected_identity out of range").into(),
                );
            }
        };
        if psk.is_none() && share.is_none() {
            return Err(PeerMisbehaved::MissingExtension("key_share").into());
        }
        if psk.is_some()
            && share.is_none()
            && !self.config.psk_modes.contains(&PskKeyExchangeMode::PSK_KE)
        {
            // §4.2.9: psk_ke selected though only psk_dhe_ke was offered.
            return Err(PeerMisbehaved::MissingExtension("key_share").into());
        }
        if psk.is_some()
            && share.is_some()
            && !self
                .config
                .psk_modes
                .contains(&PskKeyExchangeMode::PSK_DHE_KE)
        {
            return Err(PeerMisbehaved::SelectedUnofferedParameter("psk_dhe_ke").into());
        }
        if let Some(r) = &retry {
            if r.suite != suite.suite {
                return Err(PeerMisbehaved::IllegalParameter(
                    "ServerHello suite differs from the HelloRetryRequest's",
                )
                .into());
            }
            if r.group.is_some_and(|g| share.is_none_or(|s| g != s.group)) {
                return Err(PeerMisbehaved::IllegalParameter(
                    "ServerHello group differs from the HelloRetryRequest's",
                )
                .into());
            }
        }
        let shared = match share {
            Some(share) => {
                let pos = shares.iter().position(|k| k.group() == share.group).ok_or(
                    PeerMisbehaved::SelectedUnofferedParameter("key share group"),
                )?;
                let kx = shares.swap_remove(pos);
                core.negotiated.group = Some(share.group);
                Some(kx.complete(&share.payload)?)
            }
            None => None,
        };
        let resumed = psk.is_some();
        let schedule = match psk {
            Some(p) => {
                core.negotiated.resumed = true;
                core.negotiated.external_psk = p.external;
                if let Some(s) = &p.session {
                    core.negotiated.peer_certificates = s.peer_certificates.clone();
                }
                EarlySchedule::new(suite.hash, Some(&p.secret))
            }
            None => EarlySchedule::new(suite.hash, None),
        }
        .into_handshake(shared.as_ref().map(|s| s.as_ref()));

        if retry.is_none() {
            self.transcript.start_hash(suite.hash);
        }
        self.transcript.add(raw);
        core.set_suite(suite);
        core.negotiated.version = Some(ProtocolVersion::TLS1_3);

        let th = self.transcript.current()?;
        let c_hs = schedule.client_handshake_traffic_secret(th.as_ref());
        let s_hs = schedule.server_handshake_traffic_secret(th.as_ref());
        core.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &c_hs);
        core.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", &s_hs);
        core.set_read_secret(&s_hs)?;
        if self.config.middlebox_compat && !self.sent_ccs {
            core.write_ccs();
            self.sent_ccs = true;
        }
        if !self.early.offered {
            // With 0-RTT offered the early key stays until EncryptedExtensions
            // says whether it was accepted.
            core.set_write_secret(&c_hs)?;
        }
        self.state = St::ExpectEncryptedExtensions(Hs {
            suite,
            schedule,
            c_hs,
            s_hs,
            cert_request: None,
            resumed,
        });
        Ok(())
    }

    fn encrypted_extensions(
        &mut self,
        core: &mut Core,
        h: Hs,
        exts: Vec<ServerExtension>,
        raw: &[u8],
    ) -> Result<(), Error> {
        if common::has_duplicates(&exts.iter().map(|e| e.typ()).collect::<Vec<_>>()) {
            return Err(InvalidMessage::DuplicateExtension(0).into());
        }
        for e in exts {
            let typ = e.typ();
            let offered = self.offered.extensions.contains(&typ);
            // §4.2: recognised, but specified for other messages.
            if common::extension_allowed_in(typ, ext_in::EE) == Some(false) {
                return Err(PeerMisbehaved::IllegalParameter(
                    "extension not allowed in EncryptedExtensions",
                )
                .into());
            }
            match e {
                // §4.2: extensions that belong to other messages.
                ServerExtension::SupportedVersions(_)
                | ServerExtension::KeyShare(_)
                | ServerExtension::KeyShareRetry(_)
                | ServerExtension::Cookie(_)
                | ServerExtension::PreSharedKey(_) => {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "extension not allowed in EncryptedExtensions",
                    )
                    .into());
                }
                _ if !offered => return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into()),
                ServerExtension::Alpn(list) => {
                    // RFC 7301 §3.1: exactly one protocol, one we offered.
                    let [proto] = list.as_slice() else {
                        return Err(PeerMisbehaved::IllegalParameter(
                            "ALPN response must name exactly one protocol",
                        )
                        .into());
                    };
                    if !self.offered.alpn.contains(proto) {
                        return Err(
                            PeerMisbehaved::SelectedUnofferedParameter("ALPN protocol").into()
                        );
                    }
                    core.negotiated.alpn = Some(proto.clone());
                }
                ServerExtension::RecordSizeLimit(limit) => {
                    // RFC 8449 §4: below 64 is illegal.
                    if limit < 64 {
                        return Err(
                            PeerMisbehaved::IllegalParameter("record_size_limit below 64").into(),
                        );
                    }
                    core.set_peer_record_limit(limit);
                    if let Some(ours) = self.offered.record_size_limit {
                        core.set_recv_record_limit(ours);
                    }
                }
                ServerExtension::EarlyData => {
                    // §4.2.10: only with the first PSK, which we offered
                    // early data under.
                    if !self.early.offered || !h.resumed {
                        return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into());
                    }
                    self.early.accepted = true;
                }
                // RFC 7250 §4.2: "selected from one of the values" offered.
                ServerExtension::ServerCertificateType(t) => {
                    if !self
                        .offered
                        .server_cert_types
                        .as_ref()
                        .is_some_and(|o| o.contains(&t))
                    {
                        return Err(PeerMisbehaved::SelectedUnofferedParameter(
                            "server certificate type",
                        )
                        .into());
                    }
                    self.server_cert_type = t;
                }
                ServerExtension::ClientCertificateType(t) => {
                    if !self
                        .offered
                        .client_cert_types
                        .as_ref()
                        .is_some_and(|o| o.contains(&t))
                    {
                        return Err(PeerMisbehaved::SelectedUnofferedParameter(
                            "client certificate type",
                        )
                        .into());
                    }
                    self.client_cert_type = t;
                }
                _ => {}
            }
        }
        // Without server_certificate_type the server sends X.509 (RFC 7250
        // §4.2, outcome 1), which a raw-public-key-only client cannot use.
        if let Some(types) = &self.offered.server_cert_types
            && !types.contains(&self.server_cert_type)
        {
            return Err(CertificateError::Other {
                reason: "the server will send an X.509 certificate, but we accept only raw public keys (RFC 7250)".into(),
                alert: AlertDescription::UNSUPPORTED_CERTIFICATE,
            }
            .into());
        }
        self.transcript.add(raw);
        if self.early.offered {
            if self.early.accepted {
                core.negotiated.early_data_accepted = true;
                core.push_event(Event::EarlyDataAccepted);
            } else {
                self.reject_early(core);
                core.set_write_secret(&h.c_hs)?;
            }
        }
        self.state = if h.resumed {
            // §2.2: a PSK handshake has no server certificate.
            St::ExpectFinished(h)
        } else {
            St::ExpectCertificate(h)
        };
        Ok(())
    }

    fn certificate(
        &mut self,
        core: &mut Core,
        h: Hs,
        c: CertificatePayload,
        raw: &[u8],
    ) -> Result<(), Error> {
        if !c.context.is_empty() {
            return Err(PeerMisbehaved::IllegalParameter("Certificate context").into());
        }
        // §4.4.2.4: an empty server Certificate is a decode_error.
        if c.entries.is_empty() {
            return Err(InvalidMessage::EmptyVector("certificate_list").into());
        }
        check_chain_length(core, c.entries.len())?;
        // §4.4.2: entry extensions answer ClientHello extensions (§4.2).
        for e in c.entries.iter().flat_map(|e| &e.extensions) {
            let foreign = common::extension_allowed_in(e.typ, ext_in::CT) == Some(false);
            if foreign || !self.offered.extensions.contains(&e.typ) {
                return Err(common::foreign_extension(
                    e.typ,
                    ext_in::CT,
                    "extension not allowed in Certificate",
                ));
            }
        }
        self.transcript.add(raw);
        let chain: Vec<Vec<u8>> = c.entries.into_iter().map(|e| e.data).collect();
        let raw_key = self.server_cert_type == CertificateType::RAW_PUBLIC_KEY;
        let now = self.config.time.now_unix();
        let verifier = &self.config.verifier;
        let decision = if raw_key {
            let spki = common::received_raw_public_key(&chain)?;
            verifier.verify_server_raw_public_key(spki, &self.server_name, now)
        } else {
            let (ee, rest) = chain
                .split_first()
                .ok_or(InvalidMessage::EmptyVector("certificate_list"))?;
            verifier.verify_server_cert(ee, rest, &self.server_name, now)
        };
        core.negotiated.peer_certificates = chain.clone();
        core.negotiated.peer_raw_public_key = raw_key;
        match decision {
            Decision::Ready(Ok(())) => self.state = St::ExpectCertificateVerify(h),
            Decision::Ready(Err(e)) => return Err(e.into()),
            Decision::Deferred => {
                core.push_event(Event::VerifyServerCert(VerifyRequest {
                    chain,
                    certificate_type: self.server_cert_type,
                    server_name: self.server_name.clone(),
                    now,
                }));
                self.state = St::AwaitVerify(h);
            }
        }
        Ok(())
    }

    fn certificate_verify(
        &mut self,
        core: &mut Core,
        h: Hs,
        cv: DigitallySigned,
        raw: &[u8],
    ) -> Result<(), Error> {
        if !self.offered.schemes.contains(&cv.scheme) {
            return Err(PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into());
        }
        let ee = core
            .negotiated
            .peer_certificates
            .first()
            .ok_or(Error::Internal("CertificateVerify without a certificate"))?;
        let spki = if core.negotiated.peer_raw_public_key {
            ee.as_slice()
        } else {
            sign::certificate_spki(ee)?
        };
        let th = self.transcript.current()?;
        let content = common::signed_content(common::SERVER_CV_CONTEXT, th.as_ref());
        sign::verify(
            spki,
            cv.scheme,
            &content,
            &cv.signature,
            self.config.min_rsa_bits,
        )
        .map_err(verify_error)?;
        core.negotiated.signature_scheme = Some(cv.scheme);
        self.transcript.add(raw);
        self.state = St::ExpectFinished(h);
        Ok(())
    }

    fn finished(&mut self, core: &mut Core, h: Hs, vd: &[u8], raw: &[u8]) -> Result<(), Error> {
        let hash = h.suite.hash;
        let th = self.transcript.current()?;
        common::check_finished(hash, h.s_hs.as_ref(), th.as_ref(), vd)?;
        self.transcript.add(raw);
        let th = self.transcript.current()?;
        let master = h.schedule.into_master();
        let c_ap = master.client_application_traffic_secret(th.as_ref());
        let s_ap = master.server_application_traffic_secret(th.as_ref());
        let exporter = master.exporter_master_secret(th.as_ref());
        core.log_secret("CLIENT_TRAFFIC_SECRET_0", &c_ap);
        core.log_secret("SERVER_TRAFFIC_SECRET_0", &s_ap);
        core.log_secret("EXPORTER_SECRET", &exporter);
        core.set_read_secret(&s_ap)?;
        core.ccs_allowed = false;
        if self.early.offered && self.early.accepted {
            // §4.5: EndOfEarlyData, the last message under the early key.
            self.early.offered = false;
            let eoed = HandshakeMessage::EndOfEarlyData.to_bytes();
            self.transcript.add(&eoed);
            core.queue_handshake(&eoed);
            core.set_write_secret(&h.c_hs)?;
        }
        let finish = OurFinish {
            suite: h.suite,
            master,
            c_hs: h.c_hs,
            c_ap,
            exporter,
        };
        let Some(mut req) = h.cert_request.map(|b| *b) else {
            return self.send_finished(core, finish);
        };
        req.info.certificate_type = self.client_cert_type;

        // §4.4.2: answer the request with a certificate whose key can sign
        // one of the requested schemes, or with an empty Certificate.
        let chosen = self.choose_client_cert(&req.info);
        let entries = match &chosen {
            Some((ck, _)) if self.client_cert_type == CertificateType::RAW_PUBLIC_KEY => {
                let first = ck.chain.first().ok_or(Error::Internal("empty chain"))?;
                vec![CertificateEntry {
                    data: common::raw_public_key(first)?,
                    extensions: Vec::new(),
                }]
            }
            Some((ck, _)) => ck
                .chain
                .iter()
                .map(|c| CertificateEntry {
                    data: c.clone(),
                    extensions: Vec::new(),
                })
                .collect(),
            None => Vec::new(),
        };
        let cert = HandshakeMessage::Certificate(CertificatePayload {
            context: req.context,
            entries,
        })
        .to_bytes();
        self.transcript.add(&cert);
        let Some((ck, scheme)) = chosen else {
            core.queue_handshake(&cert);
            return self.send_finished(core, finish);
        };
        let th = self.transcript.current()?;
        let content = common::signed_content(common::CLIENT_CV_CONTEXT, th.as_ref());
        match ck.signer.sign(scheme, &content, self.config.rng.as_ref()) {
            Decision::Ready(sig) => {
                core.queue_handshake(&cert);
                self.send_certificate_verify(core, scheme, sig?);
                self.send_finished(core, finish)
            }
            Decision::Deferred => {
                core.push_event(Event::Sign(SignRequest {
                    scheme,
                    message: content,
                }));
                self.state = St::AwaitSign(Box::new(PendingSign {
                    finish,
                    scheme,
                    queued: cert,
                }));
                Ok(())
            }
        }
    }

    fn send_certificate_verify(
        &mut self,
        core: &mut Core,
        scheme: SignatureScheme,
        signature: Vec<u8>,
    ) {
        let cv =
            HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature }).to_bytes();
        self.transcript.add(&cv);
        core.queue_handshake(&cv);
        core.negotiated.client_signature_scheme = Some(scheme);
    }

    /// Our Finished, then the application traffic keys.
    fn send_finished(&mut self, core: &mut Core, f: OurFinish) -> Result<(), Error> {
        let th = self.transcript.current()?;
        let ours = key_schedule::finished_verify_data(f.suite.hash, f.c_hs.as_ref(), th.as_ref());
        let fin = HandshakeMessage::Finished(ours.as_ref().to_vec()).to_bytes();
        self.transcript.add(&fin);
        core.queue_handshake(&fin);
        core.set_write_secret(&f.c_ap)?;
        let th = self.transcript.current()?;
        core.resumption_secret = Some(f.master.resumption_master_secret(th.as_ref()));
        if self
            .offered
            .extensions
            .contains(&ExtensionType::POST_HANDSHAKE_AUTH)
        {
            self.pha_transcript = Some(Box::new(self.transcript.clone()));
        }
        core.set_exporter_secret(f.exporter);
        self.state = St::Connected;
        core.set_connected()
    }
}

/// The session-store key of a server name.
fn session_key(name: &ServerName) -> alloc::string::String {
    match name {
        ServerName::Dns(d) => d.clone(),
        ServerName::Ip(ip) => alloc::format!("{ip}"),
    }
}

/// The PSK to offer: the external one, else a fresh ticket for this name
/// whose hash one of our suites has.
fn choose_psk(config: &ClientConfig, name: &ServerName) -> Option<Box<PskOffer>> {
    if let Some(ext) = &config.external_psk {
        if !config.suites.iter().any(|s| s.hash == ext.hash) {
            return None;
        }
        return Some(Box::new(PskOffer {
            identity: ext.identity.clone(),
            // §4.2.11: 0 for external PSKs.
            obfuscated_age: 0,
            secret: Zeroizing::new(ext.secret().to_vec()),
            hash: ext.hash,
            external: true,
            session: None,
        }));
    }
    let store = config.session_store.as_ref()?;
    let now_ms = config.time.now_unix_millis();
    let key = session_key(name);
    // Skip (and drop) stale or unusable tickets, a bounded number of them.
    for _ in 0..8 {
        let s = store.take(&key)?;
        let Some(params) = suites::lookup(s.suite) else {
            continue;
        };
        if !s.is_fresh(now_ms) || !config.suites.iter().any(|c| c.hash == params.hash) {
            continue;
        }
        if config.external_psk.is_none() && !s.ticket.is_empty() && s.ticket.len() <= 0xffff {
            return Some(Box::new(PskOffer {
                identity: s.ticket.clone(),
                obfuscated_age: s.obfuscated_age(now_ms),
                secret: s.psk.clone(),
                hash: params.hash,
                external: false,
                session: Some(s),
            }));
        }
    }
    None
}

/// Checks a CertificateRequest (§4.3.2) and keeps what the certificate
/// choice needs.
fn check_certificate_request(
    cr: CertificateRequest,
    post_handshake: bool,
) -> Result<CertReq, Error> {
    // §4.3.2: the context is empty during the handshake, and identifies
    // the request after it.
    if cr.context.is_empty() == post_handshake {
        return Err(PeerMisbehaved::IllegalParameter("CertificateRequest context").into());
    }
    if common::has_duplicates(&cr.extensions.iter().map(|e| e.typ()).collect::<Vec<_>>()) {
        return Err(InvalidMessage::DuplicateExtension(0).into());
    }
    let mut info = CertificateRequestInfo::default();
    let mut have_schemes = false;
    for e in cr.extensions {
        match e {
            CertReqExtension::SignatureAlgorithms(s) => {
                info.signature_schemes = s;
                have_schemes = true;
            }
            CertReqExtension::SignatureAlgorithmsCert(s) => info.signature_schemes_cert = Some(s),
            CertReqExtension::CertificateAuthorities(names) => info.certificate_authorities = names,
            // §4.2: recognised ones that belong elsewhere are illegal.
            CertReqExtension::Unknown(u)
                if common::extension_allowed_in(u.typ, ext_in::CR) == Some(false) =>
            {
                return Err(PeerMisbehaved::IllegalParameter(
                    "extension not allowed in CertificateRequest",
                )
                .into());
            }
            // §4.3.2: unknown extensions are ignored.
            CertReqExtension::Unknown(_) => {}
        }
    }
    // §4.3.2: signature_algorithms MUST be present.
    if !have_schemes {
        return Err(PeerMisbehaved::MissingExtension("signature_algorithms").into());
    }
    Ok(CertReq {
        context: cr.context,
        info,
    })
}

/// Bounds the peer's chain ([`crate::config::Limits::max_certificate_chain`]).
pub fn check_chain_length(core: &Core, len: usize) -> Result<(), Error> {
    let limit = core.limits().max_certificate_chain;
    if len > limit {
        return Err(CertificateError::ChainTooLong { len, limit }.into());
    }
    Ok(())
}

/// §4.6.1: unknown NewSessionTicket extensions are ignored; §4.2: known
/// ones that belong to other messages are illegal.
fn check_ticket_extensions(t: &NewSessionTicket) -> Result<(), Error> {
    for e in &t.extensions {
        if let TicketExtension::Unknown(u) = e
            && common::extension_allowed_in(u.typ, ext_in::NST) == Some(false)
        {
            return Err(PeerMisbehaved::IllegalParameter(
                "extension not allowed in NewSessionTicket",
            )
            .into());
        }
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
