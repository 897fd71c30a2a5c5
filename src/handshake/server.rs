//! The server state machine (RFC 8446 §4, server side).
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

use crate::codec::Codec;
use crate::config::ClientAuth;
use crate::config::{ServerConfig, TicketInfo};
use crate::conn::core::Core;
use crate::conn::events::{ClientVerifyRequest, Event, SignRequest};
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::crypto::suites::{self, SuiteParams};
use crate::crypto::{kx, sign};
use crate::error::{CertificateError, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::{self, EarlySchedule, HandshakeSchedule, MasterSchedule};
use crate::msgs::enums::*;
use crate::msgs::handshake::*;
use crate::resumption::ServerSession;
use crate::verify::{CertifiedKey, ClientHelloInfo, Decision};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::State;
use super::common::{self, unexpected};
use super::transcript::Transcript;

/// Server handshake state.
pub struct ServerHs {
    config: Arc<ServerConfig>,
    transcript: Transcript,
    state: St,
    sent_ccs: bool,
    /// The client offered post_handshake_auth (§4.2.6).
    client_pha: bool,
    /// A post-handshake CertificateRequest in progress (§4.6.2).
    pha: Pha,
    /// Answers to deferred ticket lookups, by identity.
    redeemed: Vec<(Vec<u8>, Option<ServerSession>)>,
    /// RFC 7250: the client certificate type the handshake settled, which
    /// post-handshake Certificates carry too.
    pha_cert_type: CertificateType,
}

/// A ClientHello waiting for a deferred ticket lookup; processed again
/// from the start once the answer is in.
struct PendingHello {
    retry: Option<Retry>,
    ch: ClientHello,
    raw: Vec<u8>,
    identity: Vec<u8>,
}

/// The outcome of looking at the offered PSKs.
enum Lookup {
    Found(Box<PskChoice>),
    NotFound,
    /// The ticket producer deferred this identity.
    Deferred(Vec<u8>),
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
}

/// How many offered PSK identities are tried before giving up on them.
const MAX_PSK_TRIES: usize = 8;

/// The PSK the server accepted (§4.2.11).
struct PskChoice {
    index: u16,
    secret: Zeroizing<Vec<u8>>,
    hash: HashAlgorithm,
    suite: SuiteParams,
    external: bool,
    /// psk_dhe_ke (else psk_ke).
    dhe: bool,
    session: Option<ServerSession>,
    obfuscated_age: u32,
    /// The verified binder: identifies this ClientHello for anti-replay.
    binder: Vec<u8>,
}

/// What the ClientHello settled.
struct Chosen {
    suite: SuiteParams,
    /// `None` with psk_ke.
    group: Option<NamedGroup>,
    client_share: Vec<u8>,
    psk: Option<PskChoice>,
    /// 0-RTT accepted; the early secret's traffic secret for reading.
    early: Option<Output>,
    session_id: Vec<u8>,
    client_schemes: Vec<SignatureScheme>,
    alpn: Option<Vec<u8>>,
    client_limit: Option<u16>,
    sni: Option<String>,
    types: CertTypes,
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
    alpn: Option<Vec<u8>>,
    sni: Option<String>,
    client_auth: Option<Requested>,
    /// The client's chain, once received (leaf first).
    client_chain: Vec<Vec<u8>>,
}

enum St {
    ExpectClientHello { retry: Option<Retry> },
    AwaitTicket(Box<PendingHello>),
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

/// Builds a server connection waiting for a ClientHello.
pub fn start(config: Arc<ServerConfig>) -> Result<(Core, State), Error> {
    let mut core = Core::new(config.padding, config.key_log.clone(), false);
    core.set_limits(config.limits);
    let hs = ServerHs {
        config,
        transcript: Transcript::default(),
        state: St::ExpectClientHello { retry: None },
        sent_ccs: false,
        client_pha: false,
        pha: Pha::Idle,
        redeemed: Vec::new(),
        pha_cert_type: CertificateType::X509,
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
            state: St::AwaitClientVerify(_),
            ..
        })
    )
}

/// Answers a deferred client-certificate verification.
pub fn answer_client_verify(
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
            hs.client_hello(core, p.retry, p.ch, &p.raw)
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
            let sig = result.map_err(|e| match e {
                Error::SigningFailed(_) | Error::Internal(_) => e,
                other => Error::SigningFailed(alloc::format!("{other}")),
            })?;
            hs.finish_flight(core, flight, Some(sig))
        }
        other => {
            hs.state = other;
            Err(Error::Internal("no signature pending"))
        }
    }
}

impl ServerHs {
    pub fn is_suspended(&self) -> bool {
        matches!(
            self.state,
            St::AwaitCertificate(_)
                | St::AwaitSign(_)
                | St::AwaitClientVerify(_)
                | St::AwaitTicket(_)
        )
    }

    pub fn handle(&mut self, core: &mut Core, raw: &[u8]) -> Result<(), Error> {
        crate::log::debug!("server: received {}", crate::log::MessageNames(raw));
        let msg = common::parse(raw)?;
        match (mem::replace(&mut self.state, St::Poisoned), msg) {
            (St::ExpectClientHello { retry }, HandshakeMessage::ClientHello(ch)) => {
                self.client_hello(core, retry, ch, raw)
            }
            (St::ExpectCertificate(f), HandshakeMessage::Certificate(c)) => {
                self.client_certificate(core, f, c, raw)
            }
            (St::ExpectCertificateVerify(f), HandshakeMessage::CertificateVerify(cv)) => {
                self.client_certificate_verify(core, f, cv, raw)
            }
            (St::ExpectEndOfEarlyData(f), HandshakeMessage::EndOfEarlyData) => {
                // §4.5: the end of 0-RTT; the handshake key follows.
                self.transcript.add(raw);
                core.early_read = None;
                core.set_read_secret(&f.c_hs)?;
                self.state = St::ExpectFinished(f);
                Ok(())
            }
            (St::ExpectFinished(f), HandshakeMessage::Finished(vd)) => {
                self.finished(core, f, &vd, raw)
            }
            (St::Connected, HandshakeMessage::KeyUpdate(req)) => {
                self.state = St::Connected;
                core.received_key_update(req)
            }
            (
                St::Connected,
                msg @ (HandshakeMessage::Certificate(_)
                | HandshakeMessage::CertificateVerify(_)
                | HandshakeMessage::Finished(_)),
            ) if !matches!(self.pha, Pha::Idle) => {
                self.state = St::Connected;
                self.post_handshake_auth(core, msg, raw)
            }
            (st, msg) => Err(unexpected(&msg, st.expecting())),
        }
    }

    fn client_hello(
        &mut self,
        core: &mut Core,
        retry: Option<Retry>,
        ch: ClientHello,
        raw: &[u8],
    ) -> Result<(), Error> {
        // §4.2.1: only supported_versions decides the version.
        match ch.find(ExtensionType::SUPPORTED_VERSIONS) {
            Some(ClientExtension::SupportedVersions(v)) if v.contains(&ProtocolVersion::TLS1_3) => {
            }
            _ => return Err(PeerIncompatible::NoTls13.into()),
        }
        if ch.legacy_version < ProtocolVersion::TLS1_0 {
            return Err(PeerIncompatible::NoTls13.into());
        }
        // §4.1.2: exactly one compression method, null.
        if ch.legacy_compression_methods != [0] {
            return Err(PeerMisbehaved::IllegalParameter("legacy_compression_methods").into());
        }
        let cfg = self.config.clone();
        let suite = cfg
            .suites
            .iter()
            .copied()
            .find(|s| ch.cipher_suites.contains(&s.suite))
            .ok_or(PeerIncompatible::NoCommonCipherSuite)?;

        let mut groups: Option<&Vec<NamedGroup>> = None;
        let mut shares: Option<&Vec<KeyShareEntry>> = None;
        let mut schemes = None;
        let mut alpn_offer = None;
        let mut client_limit = None;
        let mut sni = None;
        let mut cookie = None;
        let mut offered_server_types = None;
        let mut offered_client_types = None;
        for e in &ch.extensions {
            match e {
                ClientExtension::SupportedGroups(g) => groups = Some(g),
                ClientExtension::KeyShare(k) => shares = Some(k),
                ClientExtension::SignatureAlgorithms(s) => schemes = Some(s.clone()),
                ClientExtension::Alpn(a) => alpn_offer = Some(a.clone()),
                ClientExtension::RecordSizeLimit(l) => {
                    // RFC 8449 §4.
                    if *l < 64 {
                        return Err(
                            PeerMisbehaved::IllegalParameter("record_size_limit below 64").into(),
                        );
                    }
                    client_limit = Some(*l);
                }
                ClientExtension::ServerName(names) => {
                    let host = names
                        .iter()
                        .find(|(t, _)| *t == ServerNameType::HOST_NAME)
                        .map(|(_, n)| n);
                    if let Some(host) = host {
                        let s = core::str::from_utf8(host)
                            .map_err(|_| InvalidMessage::InvalidValue("server_name"))?;
                        sni = Some(s.to_ascii_lowercase());
                    }
                }
                ClientExtension::Cookie(c) => cookie = Some(c),
                ClientExtension::PostHandshakeAuth => self.client_pha = true,
                ClientExtension::ServerCertificateType(t) => offered_server_types = Some(t),
                ClientExtension::ClientCertificateType(t) => offered_client_types = Some(t),
                // §4.2: recognised, but specified for other messages only.
                ClientExtension::Unknown(u)
                    if common::extension_allowed_in(u.typ, common::ext_in::CH) == Some(false) =>
                {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "extension not allowed in ClientHello",
                    )
                    .into());
                }
                _ => {}
            }
        }
        // §9.2: key_share needs supported_groups; certificate auth needs
        // signature_algorithms.
        let groups = groups.ok_or(PeerMisbehaved::MissingExtension("supported_groups"))?;
        let shares = shares.ok_or(PeerMisbehaved::MissingExtension("key_share"))?;
        let schemes = schemes.ok_or(PeerMisbehaved::MissingExtension("signature_algorithms"))?;
        let share_groups: Vec<NamedGroup> = shares.iter().map(|s| s.group).collect();
        if common::has_duplicates(&share_groups) || share_groups.iter().any(|g| !groups.contains(g))
        {
            // §4.2.8: one share per group, each for an offered group.
            return Err(PeerMisbehaved::IllegalParameter("key_share entries").into());
        }

        let mutual: Vec<NamedGroup> = cfg
            .groups
            .iter()
            .copied()
            .filter(|g| groups.contains(g))
            .collect();
        let first_mutual = *mutual.first().ok_or(PeerIncompatible::NoCommonGroup)?;
        let with_share = if cfg.strict_group_preference {
            Some(first_mutual).filter(|g| share_groups.contains(g))
        } else {
            mutual.iter().copied().find(|g| share_groups.contains(g))
        };

        if let Some(r) = &retry {
            // §4.1.2, §4.2.2: the second ClientHello answers our request.
            if cookie != Some(&r.cookie) {
                return Err(PeerMisbehaved::IllegalParameter("cookie not echoed").into());
            }
            if with_share != Some(r.group) {
                return Err(PeerMisbehaved::IllegalParameter(
                    "second ClientHello lacks the requested key share",
                )
                .into());
            }
            if suite.suite != r.suite {
                return Err(PeerMisbehaved::IllegalParameter(
                    "second ClientHello changed the cipher suite",
                )
                .into());
            }
        }
        let offers_early = ch.find(ExtensionType::EARLY_DATA).is_some();
        let modes = ch.extensions.iter().find_map(|e| match e {
            ClientExtension::PskKeyExchangeModes(m) => Some(m.clone()),
            _ => None,
        });
        let psk_offer = match ch.extensions.last() {
            Some(ClientExtension::PreSharedKey(o)) => Some(o),
            _ => None,
        };
        if psk_offer.is_some() && modes.is_none() {
            // §4.2.9: a PSK needs psk_key_exchange_modes.
            return Err(PeerMisbehaved::MissingExtension("psk_key_exchange_modes").into());
        }
        let modes = modes.unwrap_or_default();
        // Without a usable share a psk_dhe_ke PSK needs a HelloRetryRequest
        // first; it is looked at on the second ClientHello (a stateful
        // ticket store would otherwise spend the ticket now).
        let lookup = match psk_offer {
            Some(o) if with_share.is_some() || modes.contains(&PskKeyExchangeMode::PSK_KE) => self
                .choose_psk(
                    o,
                    &modes,
                    raw,
                    suite,
                    &ch.cipher_suites,
                    retry.as_ref().map(|r| r.suite),
                    with_share.is_some(),
                    sni.as_deref(),
                )?,
            _ => Lookup::NotFound,
        };
        let psk = match lookup {
            Lookup::Found(p) => Some(*p),
            Lookup::NotFound => None,
            Lookup::Deferred(identity) => {
                // Nothing was changed yet: the hello is processed again,
                // from the start, with the answer.
                core.push_event(Event::RedeemTicket(identity.clone()));
                self.state = St::AwaitTicket(Box::new(PendingHello {
                    retry,
                    ch,
                    raw: raw.to_vec(),
                    identity,
                }));
                return Ok(());
            }
        };
        let use_share = psk.as_ref().is_none_or(|p| p.dhe);
        if use_share && with_share.is_none() {
            if offers_early {
                // §4.2.10: skip the early data that follows.
                core.skip_early = early_skip_budget(&cfg);
            }
            return self.send_retry(core, suite, first_mutual, &ch.legacy_session_id, raw);
        }
        let group = with_share.filter(|_| use_share);
        let client_share = match group {
            Some(group) => shares
                .iter()
                .find(|s| s.group == group)
                .map(|s| s.payload.clone())
                .ok_or(Error::Internal("chosen share vanished"))?,
            None => Vec::new(),
        };
        let suite = psk.as_ref().map_or(suite, |p| p.suite);

        let alpn = match &alpn_offer {
            Some(offer) if !cfg.alpn_protocols.is_empty() => Some(
                cfg.alpn_protocols
                    .iter()
                    .find(|p| offer.contains(p))
                    .cloned()
                    .ok_or(PeerIncompatible::NoCommonAlpn)?,
            ),
            _ => None,
        };

        let types = cert_types(
            &cfg,
            offered_server_types.map(Vec::as_slice),
            offered_client_types.map(Vec::as_slice),
        )?;

        core.client_random = ch.random;
        self.transcript.add(raw);
        self.transcript.start_hash(suite.hash);
        core.ccs_allowed = true;

        let accept_early = offers_early
            && retry.is_none()
            && psk
                .as_ref()
                .is_some_and(|p| self.accept_early(p, alpn.as_deref()));
        let early = match (&psk, accept_early) {
            (Some(p), true) => {
                let ch_hash = self.transcript.current()?;
                let es = EarlySchedule::new(p.hash, Some(&p.secret));
                let c_e = es.client_early_traffic_secret(ch_hash.as_ref());
                let eem = es.early_exporter_master_secret(ch_hash.as_ref());
                core.log_secret("CLIENT_EARLY_TRAFFIC_SECRET", &c_e);
                core.log_secret("EARLY_EXPORTER_SECRET", &eem);
                core.early_exporter_secret = Some(eem);
                Some(c_e)
            }
            _ => {
                if offers_early {
                    // §4.2.10: refused 0-RTT is skipped by trial decryption.
                    core.skip_early = early_skip_budget(&cfg);
                }
                None
            }
        };

        let info = ClientHelloInfo {
            server_name: sni.clone(),
            alpn: alpn_offer.unwrap_or_default(),
            signature_schemes: schemes.clone(),
            certificate_type: types.server,
        };
        let resumed = psk.is_some();
        let chosen = Chosen {
            suite,
            group,
            client_share,
            psk,
            early,
            session_id: ch.legacy_session_id.clone(),
            client_schemes: schemes,
            alpn,
            client_limit,
            sni,
            types,
        };
        if resumed {
            // §2.2: a PSK handshake authenticates with the PSK alone.
            return self.with_certificate(core, chosen, None);
        }
        match cfg.cert_resolver.resolve(&info) {
            Decision::Ready(r) => self.with_certificate(core, chosen, Some(r?)),
            Decision::Deferred => {
                core.push_event(Event::SelectCertificate(info));
                self.state = St::AwaitCertificate(Box::new(chosen));
                Ok(())
            }
        }
    }

    fn send_retry(
        &mut self,
        core: &mut Core,
        suite: SuiteParams,
        group: NamedGroup,
        session_id: &[u8],
        raw: &[u8],
    ) -> Result<(), Error> {
        let cookie = self.config.cookie.cookie(self.config.rng.as_ref())?;
        if cookie.is_empty() || cookie.len() > 0xffff {
            return Err(Error::BadConfig("cookie must be 1..=65535 bytes".into()));
        }
        let hrr = ServerHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random: HRR_RANDOM,
            legacy_session_id_echo: session_id.to_vec(),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: vec![
                ServerExtension::KeyShareRetry(group),
                ServerExtension::Cookie(cookie.clone()),
                ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
            ],
        };
        let hrr_raw = HandshakeMessage::ServerHello(hrr).to_bytes();
        self.transcript.add(raw);
        self.transcript.start_hash_after_retry(suite.hash);
        self.transcript.add(&hrr_raw);
        core.queue_handshake(&hrr_raw);
        core.flush_handshake()?;
        core.ccs_allowed = true;
        core.negotiated.hello_retry = true;
        if !session_id.is_empty() && !self.sent_ccs {
            // Appendix D.4: CCS right after our first handshake message.
            core.write_ccs();
            self.sent_ccs = true;
        }
        self.state = St::ExpectClientHello {
            retry: Some(Retry {
                suite: suite.suite,
                group,
                cookie,
            }),
        };
        Ok(())
    }

    fn with_certificate(
        &mut self,
        core: &mut Core,
        chosen: Chosen,
        ck: Option<Arc<CertifiedKey>>,
    ) -> Result<(), Error> {
        let cfg = self.config.clone();
        if ck.as_ref().is_some_and(|ck| ck.chain.is_empty()) {
            return Err(Error::BadConfig(
                "the certificate resolver returned an empty chain".into(),
            ));
        }
        let scheme = match &ck {
            Some(ck) => Some(
                ck.signer
                    .schemes()
                    .into_iter()
                    .find(|s| chosen.client_schemes.contains(s))
                    .ok_or(PeerIncompatible::NoCommonSignatureScheme)?,
            ),
            None => None,
        };
        let suite = chosen.suite;

        // Random draws: ServerHello.random, then the key exchange.
        let rng = cfg.rng.as_ref();
        let mut random = [0u8; 32];
        rng.fill(&mut random)?;
        let exchanged = match chosen.group {
            Some(g) => Some((g, kx::server_exchange(g, &chosen.client_share, rng)?)),
            None => None,
        };

        // RFC 8448 order: pre_shared_key, key_share, supported_versions.
        let mut extensions = Vec::new();
        if let Some(p) = &chosen.psk {
            extensions.push(ServerExtension::PreSharedKey(p.index));
        }
        let mut shared = None;
        if let Some((group, (share, secret))) = exchanged {
            extensions.push(ServerExtension::KeyShare(KeyShareEntry {
                group,
                payload: share,
            }));
            shared = Some(secret);
        }
        extensions.push(ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3));
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random,
            legacy_session_id_echo: chosen.session_id.clone(),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions,
        };
        let sh_raw = HandshakeMessage::ServerHello(sh).to_bytes();
        self.transcript.add(&sh_raw);
        core.queue_handshake(&sh_raw);
        core.flush_handshake()?;
        if !chosen.session_id.is_empty() && !self.sent_ccs {
            core.write_ccs();
            self.sent_ccs = true;
        }
        core.set_suite(suite);
        core.negotiated.version = Some(ProtocolVersion::TLS1_3);
        core.negotiated.group = chosen.group;
        core.negotiated.alpn = chosen.alpn.clone();
        core.negotiated.server_name = chosen.sni.clone();
        core.negotiated.signature_scheme = scheme;
        if let Some(p) = &chosen.psk {
            core.negotiated.resumed = true;
            core.negotiated.external_psk = p.external;
            if let Some(s) = &p.session {
                core.negotiated.peer_certificates = s.peer_certificates.clone();
            }
        }

        let schedule = EarlySchedule::new(suite.hash, chosen.psk.as_ref().map(|p| &p.secret[..]))
            .into_handshake(shared.as_ref().map(|s| s.as_ref()));
        let th = self.transcript.current()?;
        let c_hs = schedule.client_handshake_traffic_secret(th.as_ref());
        let s_hs = schedule.server_handshake_traffic_secret(th.as_ref());
        core.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &c_hs);
        core.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", &s_hs);
        core.set_write_secret(&s_hs)?;
        match &chosen.early {
            Some(c_e) => {
                core.set_read_secret(c_e)?;
                core.early_read = Some(cfg.max_early_data_size);
                core.negotiated.early_data_accepted = true;
            }
            None => core.set_read_secret(&c_hs)?,
        }

        let mut ee = Vec::new();
        if let Some(client_limit) = chosen.client_limit {
            // RFC 8449: honour the client's limit on every protected record.
            core.set_peer_record_limit(client_limit);
            if let Some(ours) = cfg.record_size_limit {
                ee.push(ServerExtension::RecordSizeLimit(ours));
                core.set_recv_record_limit(ours);
            }
        }
        if chosen.sni.is_some() {
            ee.push(ServerExtension::ServerNameAck);
        }
        if let Some(p) = &chosen.alpn {
            ee.push(ServerExtension::Alpn(vec![p.clone()]));
        }
        let types = chosen.types;
        // A PSK handshake has no certificates, so no certificate types.
        if ck.is_some() {
            if types.server_echo {
                ee.push(ServerExtension::ServerCertificateType(types.server));
            }
            // RFC 7250 §4.2: only together with a CertificateRequest.
            if let (Some(t), true) = (types.client, types.client_echo) {
                ee.push(ServerExtension::ClientCertificateType(t));
            }
        }
        if chosen.early.is_some() {
            ee.push(ServerExtension::EarlyData);
        }
        if let Some(hook) = &cfg.encrypted_extensions_hook {
            hook(&mut ee);
        }
        let ee_raw = HandshakeMessage::EncryptedExtensions(ee).to_bytes();
        self.transcript.add(&ee_raw);
        let mut queued = ee_raw;

        // §4.3.2: CertificateRequest right after EncryptedExtensions.
        let client_auth = match (&cfg.client_auth, types.client) {
            // §4.3.2: no CertificateRequest in a PSK handshake.
            _ if ck.is_none() => None,
            (ClientAuth::None, _) | (_, None) => None,
            (ClientAuth::Optional(v) | ClientAuth::Required(v), Some(cert_type)) => {
                let schemes = v.signature_schemes();
                let mut extensions = vec![CertReqExtension::SignatureAlgorithms(schemes.clone())];
                let authorities = v.certificate_authorities();
                if !authorities.is_empty() {
                    extensions.push(CertReqExtension::CertificateAuthorities(authorities));
                }
                let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
                    // §4.3.2: zero length during the handshake.
                    context: Vec::new(),
                    extensions,
                })
                .to_bytes();
                self.transcript.add(&cr);
                queued.extend_from_slice(&cr);
                Some(Requested {
                    schemes,
                    required: matches!(cfg.client_auth, ClientAuth::Required(_)),
                    cert_type,
                })
            }
        };

        let mut flight = Flight {
            suite,
            schedule,
            c_hs,
            s_hs,
            scheme,
            early: chosen.early,
            queued,
            client_auth,
        };
        let (Some(ck), Some(scheme)) = (ck, scheme) else {
            return self.finish_flight(core, flight, None);
        };
        if types.server == CertificateType::X509
            && ck.chain.first().is_some_and(|c| common::is_spki(c))
        {
            return Err(Error::BadConfig(
                "the certificate resolver returned a raw public key, but X.509 was negotiated"
                    .into(),
            ));
        }
        let entries = if types.server == CertificateType::RAW_PUBLIC_KEY {
            // RFC 8446 §4.4.2: one entry, the SubjectPublicKeyInfo.
            let first = ck.chain.first().ok_or(Error::Internal("empty chain"))?;
            vec![CertificateEntry {
                data: common::raw_public_key(first)?,
                extensions: Vec::new(),
            }]
        } else {
            ck.chain
                .iter()
                .map(|c| CertificateEntry {
                    data: c.clone(),
                    extensions: Vec::new(),
                })
                .collect()
        };
        let cert = HandshakeMessage::Certificate(CertificatePayload {
            context: Vec::new(),
            entries,
        })
        .to_bytes();
        self.transcript.add(&cert);
        flight.queued.extend_from_slice(&cert);

        let th = self.transcript.current()?;
        let content = common::signed_content(common::SERVER_CV_CONTEXT, th.as_ref());
        match ck.signer.sign(scheme, &content, rng) {
            Decision::Ready(sig) => self.finish_flight(core, flight, Some(sig?)),
            Decision::Deferred => {
                core.push_event(Event::Sign(SignRequest {
                    scheme,
                    message: content,
                }));
                self.state = St::AwaitSign(flight);
                Ok(())
            }
        }
    }

    fn finish_flight(
        &mut self,
        core: &mut Core,
        f: Flight,
        signature: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        let hash = f.suite.hash;
        core.queue_handshake(&f.queued);
        if let (Some(scheme), Some(signature)) = (f.scheme, signature) {
            let cv = HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature })
                .to_bytes();
            self.transcript.add(&cv);
            core.queue_handshake(&cv);
        }
        let th = self.transcript.current()?;
        let vd = key_schedule::finished_verify_data(hash, f.s_hs.as_ref(), th.as_ref());
        let fin = HandshakeMessage::Finished(vd.as_ref().to_vec()).to_bytes();
        self.transcript.add(&fin);
        core.queue_handshake(&fin);

        let th = self.transcript.current()?;
        let master = f.schedule.into_master();
        let c_ap = master.client_application_traffic_secret(th.as_ref());
        let s_ap = master.server_application_traffic_secret(th.as_ref());
        let exporter = master.exporter_master_secret(th.as_ref());
        core.log_secret("CLIENT_TRAFFIC_SECRET_0", &c_ap);
        core.log_secret("SERVER_TRAFFIC_SECRET_0", &s_ap);
        core.log_secret("EXPORTER_SECRET", &exporter);
        // EE..Finished go out together under the handshake key.
        core.set_write_secret(&s_ap)?;
        core.set_exporter_secret(exporter);
        let expect_certificate = f.client_auth.is_some();
        let next = AwaitFin {
            suite: f.suite,
            master,
            c_hs: f.c_hs,
            c_ap,
            alpn: core.negotiated.alpn.clone(),
            sni: core.negotiated.server_name.clone(),
            client_auth: f.client_auth,
            client_chain: Vec::new(),
        };
        self.state = if f.early.is_some() {
            St::ExpectEndOfEarlyData(next)
        } else if expect_certificate {
            St::ExpectCertificate(next)
        } else {
            St::ExpectFinished(next)
        };
        Ok(())
    }

    /// The client's Certificate (§4.4.2), answering our request.
    fn client_certificate(
        &mut self,
        core: &mut Core,
        mut f: AwaitFin,
        c: CertificatePayload,
        raw: &[u8],
    ) -> Result<(), Error> {
        // §4.4.2: the context echoes the request's, which was empty.
        if !c.context.is_empty() {
            return Err(PeerMisbehaved::IllegalParameter("Certificate context").into());
        }
        // §4.4.2: entry extensions must answer ones in our request, and we
        // requested none that have a Certificate form.
        if let Some(e) = c.entries.iter().find_map(|e| e.extensions.first()) {
            return Err(PeerMisbehaved::UnsolicitedExtension(e.typ.0).into());
        }
        super::client::check_chain_length(core, c.entries.len())?;
        let required = f.client_auth.as_ref().is_some_and(|r| r.required);
        self.transcript.add(raw);
        if c.entries.is_empty() {
            // §4.4.2.4: without a certificate the server may go on or abort.
            if required {
                return Err(PeerIncompatible::CertificateRequired.into());
            }
            self.state = St::ExpectFinished(f);
            return Ok(());
        }
        let verifier = self
            .config
            .client_auth
            .verifier()
            .ok_or(Error::Internal("client Certificate without a verifier"))?
            .clone();
        f.client_chain = c.entries.into_iter().map(|e| e.data).collect();
        let now = self.config.time.now_unix();
        let cert_type = f
            .client_auth
            .as_ref()
            .map_or(CertificateType::X509, |r| r.cert_type);
        let decision = if cert_type == CertificateType::RAW_PUBLIC_KEY {
            let spki = common::received_raw_public_key(&f.client_chain)?;
            verifier.verify_client_raw_public_key(spki, now)
        } else {
            let (ee, rest) = f
                .client_chain
                .split_first()
                .ok_or(Error::Internal("non-empty chain has no first element"))?;
            verifier.verify_client_cert(ee, rest, now)
        };
        match decision {
            Decision::Ready(Ok(())) => self.state = St::ExpectCertificateVerify(f),
            Decision::Ready(Err(e)) => return Err(e.into()),
            Decision::Deferred => {
                core.push_event(Event::VerifyClientCert(ClientVerifyRequest {
                    chain: f.client_chain.clone(),
                    certificate_type: cert_type,
                    now,
                }));
                self.state = St::AwaitClientVerify(f);
            }
        }
        Ok(())
    }

    /// The client's CertificateVerify (§4.4.3), over the transcript up to
    /// its Certificate, with the client context string.
    fn client_certificate_verify(
        &mut self,
        core: &mut Core,
        f: AwaitFin,
        cv: DigitallySigned,
        raw: &[u8],
    ) -> Result<(), Error> {
        let offered = f
            .client_auth
            .as_ref()
            .is_some_and(|r| r.schemes.contains(&cv.scheme));
        if !offered {
            // §4.4.3: the scheme must be one from our signature_algorithms.
            return Err(PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into());
        }
        let ee = f
            .client_chain
            .first()
            .ok_or(Error::Internal("CertificateVerify without a certificate"))?;
        let raw_key = f
            .client_auth
            .as_ref()
            .is_some_and(|r| r.cert_type == CertificateType::RAW_PUBLIC_KEY);
        let spki = if raw_key {
            ee.as_slice()
        } else {
            sign::certificate_spki(ee)?
        };
        let th = self.transcript.current()?;
        let content = common::signed_content(common::CLIENT_CV_CONTEXT, th.as_ref());
        sign::verify(
            spki,
            cv.scheme,
            &content,
            &cv.signature,
            self.config.min_rsa_bits,
        )
        .map_err(super::client::verify_error)?;
        self.transcript.add(raw);
        core.negotiated.client_signature_scheme = Some(cv.scheme);
        core.negotiated.peer_certificates = f.client_chain.clone();
        core.negotiated.peer_raw_public_key = raw_key;
        self.state = St::ExpectFinished(f);
        Ok(())
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
        core.set_read_secret(&f.c_ap)?;
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

    /// NewSessionTicket(s) after the client's Finished (§4.6.1).
    fn send_tickets(
        &self,
        core: &mut Core,
        f: &AwaitFin,
        resumption: &Output,
    ) -> Result<(), Error> {
        let cfg = &self.config;
        let Some(producer) = &cfg.ticket_producer else {
            return Ok(());
        };
        let now = cfg.time.now_unix();
        let now_ms = cfg.time.now_unix_millis();
        for i in 0..cfg.ticket_count {
            let mut age = [0u8; 4];
            cfg.rng.fill(&mut age)?;
            let age_add = u32::from_be_bytes(age);
            let nonce = common::counter_nonce(i as u64, cfg.ticket_nonce_width);
            let psk = key_schedule::resumption_psk(f.suite.hash, resumption.as_ref(), &nonce);
            let info = TicketInfo {
                psk: psk.as_ref(),
                suite: f.suite.suite,
                nonce: &nonce,
                age_add,
                lifetime: cfg.ticket_lifetime,
                now,
                alpn: f.alpn.as_deref(),
                server_name: f.sni.as_deref(),
                now_ms,
                max_early_data: cfg.max_early_data_size,
                peer_certificates: &core.negotiated.peer_certificates,
            };
            let Some(ticket) = producer.produce(&info) else {
                continue;
            };
            if ticket.is_empty() || ticket.len() > 0xffff {
                return Err(Error::BadConfig("tickets must be 1..=65535 bytes".into()));
            }
            let mut extensions = Vec::new();
            if cfg.max_early_data_size > 0 {
                extensions.push(TicketExtension::EarlyData(cfg.max_early_data_size));
            }
            let nst = HandshakeMessage::NewSessionTicket(NewSessionTicket {
                lifetime: cfg.ticket_lifetime,
                age_add,
                nonce,
                ticket,
                extensions,
            })
            .to_bytes();
            core.queue_handshake(&nst);
        }
        Ok(())
    }
}

/// Sends a post-handshake CertificateRequest (§4.6.2).
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
    // §4.6.2: only when the client offered post_handshake_auth.
    if !hs.client_pha {
        return Err(Error::BadConfig(
            "the client did not offer post_handshake_auth".into(),
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
    // §4.3.2: a context unique within the connection; 16 random bytes.
    let mut context = vec![0u8; 16];
    cfg.rng.fill(&mut context)?;
    let schemes = verifier.signature_schemes();
    let mut extensions = vec![CertReqExtension::SignatureAlgorithms(schemes.clone())];
    let authorities = verifier.certificate_authorities();
    if !authorities.is_empty() {
        extensions.push(CertReqExtension::CertificateAuthorities(authorities));
    }
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

impl ServerHs {
    /// The client's answer to a post-handshake CertificateRequest:
    /// Certificate, CertificateVerify (unless empty), Finished (§4.6.2).
    fn post_handshake_auth(
        &mut self,
        core: &mut Core,
        msg: HandshakeMessage,
        raw: &[u8],
    ) -> Result<(), Error> {
        match (mem::take(&mut self.pha), msg) {
            (Pha::ExpectCertificate(mut r), HandshakeMessage::Certificate(c)) => {
                // §4.4.2: the context echoes the request's.
                if c.context != r.context {
                    return Err(PeerMisbehaved::IllegalParameter("Certificate context").into());
                }
                if let Some(e) = c.entries.iter().find_map(|e| e.extensions.first()) {
                    return Err(PeerMisbehaved::UnsolicitedExtension(e.typ.0).into());
                }
                r.transcript.add(raw);
                if c.entries.is_empty() {
                    if r.required {
                        return Err(PeerIncompatible::CertificateRequired.into());
                    }
                    self.pha = Pha::ExpectFinished(r);
                    return Ok(());
                }
                r.chain = c.entries.into_iter().map(|e| e.data).collect();
                let verifier = self
                    .config
                    .client_auth
                    .verifier()
                    .or(self.config.post_handshake_client_verifier.as_ref())
                    .ok_or(Error::Internal(
                        "post-handshake Certificate without a verifier",
                    ))?
                    .clone();
                let now = self.config.time.now_unix();
                let decision = if self.pha_cert_type == CertificateType::RAW_PUBLIC_KEY {
                    let spki = common::received_raw_public_key(&r.chain)?;
                    verifier.verify_client_raw_public_key(spki, now)
                } else {
                    let (ee, rest) = r
                        .chain
                        .split_first()
                        .ok_or(Error::Internal("non-empty chain has no first element"))?;
                    verifier.verify_client_cert(ee, rest, now)
                };
                match decision {
                    Decision::Ready(Ok(())) => {}
                    Decision::Ready(Err(e)) => return Err(e.into()),
                    // Deferred verification exists for the handshake only.
                    Decision::Deferred => {
                        return Err(CertificateError::Other {
                            reason: "deferred verification is not supported after the handshake"
                                .into(),
                            alert: AlertDescription::INTERNAL_ERROR,
                        }
                        .into());
                    }
                }
                self.pha = Pha::ExpectCertificateVerify(r);
                Ok(())
            }
            (Pha::ExpectCertificateVerify(mut r), HandshakeMessage::CertificateVerify(cv)) => {
                if !r.schemes.contains(&cv.scheme) {
                    return Err(
                        PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into(),
                    );
                }
                let ee = r
                    .chain
                    .first()
                    .ok_or(Error::Internal("CertificateVerify without a certificate"))?;
                let spki = if self.pha_cert_type == CertificateType::RAW_PUBLIC_KEY {
                    ee.as_slice()
                } else {
                    sign::certificate_spki(ee)?
                };
                let th = r.transcript.current()?;
                let content = common::signed_content(common::CLIENT_CV_CONTEXT, th.as_ref());
                sign::verify(
                    spki,
                    cv.scheme,
                    &content,
                    &cv.signature,
                    self.config.min_rsa_bits,
                )
                .map_err(super::client::verify_error)?;
                r.transcript.add(raw);
                core.negotiated.client_signature_scheme = Some(cv.scheme);
                self.pha = Pha::ExpectFinished(r);
                Ok(())
            }
            (Pha::ExpectFinished(r), HandshakeMessage::Finished(vd)) => {
                let hash = core
                    .negotiated
                    .suite
                    .and_then(suites::lookup)
                    .ok_or(Error::Internal("no suite after the handshake"))?
                    .hash;
                // §4.4: the base key is the current client application
                // traffic secret.
                let key = core
                    .current_read_secret()
                    .ok_or(Error::Internal("no application key"))?;
                let th = r.transcript.current()?;
                common::check_finished(hash, key.as_ref(), th.as_ref(), &vd)?;
                if !r.chain.is_empty() {
                    core.negotiated.peer_certificates = r.chain.clone();
                    core.negotiated.peer_raw_public_key =
                        self.pha_cert_type == CertificateType::RAW_PUBLIC_KEY;
                }
                core.push_event(Event::PostHandshakeAuth(r.chain));
                Ok(())
            }
            (pha, msg) => {
                let expected = match &pha {
                    Pha::ExpectCertificate(_) => "Certificate",
                    Pha::ExpectCertificateVerify(_) => "CertificateVerify",
                    Pha::ExpectFinished(_) => "Finished",
                    Pha::Idle => "KeyUpdate",
                };
                Err(unexpected(&msg, expected))
            }
        }
    }

    /// Finds the first offered PSK we know and verifies its binder
    /// (§4.2.11). Unknown, foreign or expired tickets are skipped (full
    /// handshake); a wrong binder on the chosen one is `decrypt_error`.
    #[allow(clippy::too_many_arguments)]
    fn choose_psk(
        &self,
        offer: &OfferedPsks,
        modes: &[PskKeyExchangeMode],
        raw: &[u8],
        preferred: SuiteParams,
        client_suites: &[CipherSuite],
        retry_suite: Option<CipherSuite>,
        have_share: bool,
        sni: Option<&str>,
    ) -> Result<Lookup, Error> {
        let cfg = &self.config;
        // §4.2.9: psk_dhe_ke needs a key share; psk_ke needs none.
        let dhe = modes.contains(&PskKeyExchangeMode::PSK_DHE_KE) && have_share;
        if !dhe && !modes.contains(&PskKeyExchangeMode::PSK_KE) {
            return Ok(Lookup::NotFound);
        }
        let mut binders = Vec::new();
        offer.encode_binders(&mut binders);
        // §4.2.11.2: the ClientHello as received, up to the binders list
        // (pre_shared_key is last, so the binders end the message).
        let trunc = raw
            .len()
            .checked_sub(binders.len())
            .and_then(|n| raw.get(..n))
            .ok_or(InvalidMessage::InvalidValue("pre_shared_key"))?;
        let now_ms = cfg.time.now_unix_millis();
        for (i, (id, binder)) in offer
            .identities
            .iter()
            .zip(&offer.binders)
            .enumerate()
            .take(MAX_PSK_TRIES)
        {
            let (secret, hash, external, session) =
                if let Some(e) = cfg.external_psks.iter().find(|e| e.identity == id.identity) {
                    (Zeroizing::new(e.secret().to_vec()), e.hash, true, None)
                } else if let Some(s) = match self.redeem(&id.identity) {
                    Decision::Ready(s) => s,
                    Decision::Deferred => return Ok(Lookup::Deferred(id.identity.clone())),
                } {
                    // §4.6.1: not beyond its lifetime (and never beyond 7 days).
                    let life_ms = u64::from(s.lifetime.min(604_800)).saturating_mul(1000);
                    if now_ms >= s.issued_ms.saturating_add(life_ms) || now_ms < s.issued_ms {
                        continue;
                    }
                    // §4.2.11: resume only for the name it was issued for.
                    if s.server_name.as_deref() != sni {
                        continue;
                    }
                    let Some(params) = suites::lookup(s.suite) else {
                        continue;
                    };
                    (s.psk.clone(), params.hash, false, Some(s))
                } else {
                    continue;
                };
            // §4.2.11: any suite with the PSK's hash will do.
            let suite = if preferred.hash == hash {
                Some(preferred)
            } else {
                cfg.suites
                    .iter()
                    .copied()
                    .find(|c| c.hash == hash && client_suites.contains(&c.suite))
            };
            let Some(suite) = suite.filter(|s| retry_suite.is_none_or(|r| r == s.suite)) else {
                continue;
            };
            let Some(th) = self.transcript.hash_with(hash, trunc) else {
                continue;
            };
            let expected = common::psk_binder(hash, &secret, external, th.as_ref());
            let expected = expected.as_ref();
            if expected.len() != binder.len() || !bool::from(expected.ct_eq(binder)) {
                return Err(PeerMisbehaved::BadBinder.into());
            }
            return Ok(Lookup::Found(Box::new(PskChoice {
                // i < MAX_PSK_TRIES, far below u16::MAX.
                index: i as u16,
                secret,
                hash,
                suite,
                external,
                dhe,
                session,
                obfuscated_age: id.obfuscated_ticket_age,
                binder: binder.clone(),
            })));
        }
        Ok(Lookup::NotFound)
    }

    /// A ticket's session: an answer already given, else the producer's.
    fn redeem(&self, identity: &[u8]) -> Decision<Option<ServerSession>> {
        if let Some((_, s)) = self.redeemed.iter().find(|(i, _)| i == identity) {
            return Decision::Ready(s.clone());
        }
        match &self.config.ticket_producer {
            Some(p) => p.redeem_or_defer(identity),
            None => Decision::Ready(None),
        }
    }

    /// Whether 0-RTT under this PSK is acceptable (§4.2.10, §8).
    fn accept_early(&self, p: &PskChoice, alpn: Option<&[u8]>) -> bool {
        let cfg = &self.config;
        let Some(s) = &p.session else {
            return false;
        };
        if p.index != 0
            || cfg.max_early_data_size == 0
            || s.max_early_data == 0
            || s.suite != p.suite.suite
            || s.alpn.as_deref() != alpn
        {
            return false;
        }
        // §8.3: the client's view of the ticket age must match ours within
        // the window, or this may be a replay of an old ClientHello.
        let now_ms = cfg.time.now_unix_millis();
        let client_age = u64::from(p.obfuscated_age.wrapping_sub(s.age_add));
        let server_age = now_ms.saturating_sub(s.issued_ms);
        if client_age.abs_diff(server_age) > u64::from(cfg.early_data_window_ms) {
            return false;
        }
        match &cfg.replay_filter {
            Some(f) => f.check_and_insert(&p.binder, now_ms),
            None => true,
        }
    }
}

/// How many bytes of refused early data a server skips (§4.2.10: up to
/// max_early_data_size; the ciphertext overhead of the records counts
/// here too, so twice the larger of our limit and one full record).
fn early_skip_budget(cfg: &ServerConfig) -> usize {
    (cfg.max_early_data_size as usize)
        .max(1 << 14)
        .saturating_mul(2)
}

/// The RFC 7250 negotiation (§4.2): for each side, our first type (in
/// our preference order) that the client offered; a client that sent no
/// extension offers X.509 only. No type in common for the server's
/// certificate ends the handshake with `unsupported_certificate`; for the
/// client's, so does required client authentication, while optional
/// authentication goes on without a CertificateRequest.
fn cert_types(
    cfg: &ServerConfig,
    offered_server: Option<&[CertificateType]>,
    offered_client: Option<&[CertificateType]>,
) -> Result<CertTypes, Error> {
    let pick = |ours: &[CertificateType], offered: Option<&[CertificateType]>| {
        let offered = offered.unwrap_or(&[CertificateType::X509]);
        ours.iter().copied().find(|t| offered.contains(t))
    };
    let no_common = |whose: &str| -> Error {
        CertificateError::Other {
            reason: alloc::format!(
                "no {whose} certificate type in common with the client (RFC 7250 §4.2)"
            ),
            alert: AlertDescription::UNSUPPORTED_CERTIFICATE,
        }
        .into()
    };
    let server =
        pick(&cfg.server_certificate_types, offered_server).ok_or_else(|| no_common("server"))?;
    let client = match &cfg.client_auth {
        ClientAuth::None => None,
        auth => match pick(&cfg.client_certificate_types, offered_client) {
            Some(t) => Some(t),
            None if matches!(auth, ClientAuth::Required(_)) => return Err(no_common("client")),
            None => None,
        },
    };
    Ok(CertTypes {
        server,
        server_echo: offered_server.is_some(),
        client,
        client_echo: offered_client.is_some(),
    })
}

impl St {
    fn expecting(&self) -> &'static str {
        match self {
            Self::ExpectClientHello { .. } => "ClientHello",
            Self::AwaitCertificate(_)
            | Self::AwaitSign(_)
            | Self::AwaitClientVerify(_)
            | Self::AwaitTicket(_) => "nothing (decision pending)",
            Self::ExpectCertificate(_) => "Certificate",
            Self::ExpectCertificateVerify(_) => "CertificateVerify",
            Self::ExpectEndOfEarlyData(_) => "EndOfEarlyData",
            Self::ExpectFinished(_) => "Finished",
            Self::Connected => "KeyUpdate",
            Self::Poisoned => "nothing (connection failed)",
        }
    }
}
