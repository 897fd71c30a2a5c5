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
use crate::crypto::hash::Output;
use crate::crypto::kx::KeyExchange;
use crate::crypto::sign::{self, VerifyError};
use crate::crypto::suites::{self, SuiteParams};
use crate::error::{CertificateError, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::{self, EarlySchedule, HandshakeSchedule, MasterSchedule};
use crate::msgs::enums::*;
use crate::msgs::handshake::*;
use crate::verify::{CertificateRequestInfo, Decision, ServerName};

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

    let mut hs = ClientHs {
        config,
        server_name,
        transcript: Transcript::default(),
        state: St::Poisoned,
        random,
        session_id,
        offered: Offered::default(),
        sent_ccs: false,
        server_cert_type: CertificateType::X509,
        client_cert_type: CertificateType::X509,
    };
    hs.send_hello(&mut core, &shares, None)?;
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

    fn send_hello(
        &mut self,
        core: &mut Core,
        shares: &[KeyExchange],
        cookie: Option<&[u8]>,
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
        exts.push(ClientExtension::PskKeyExchangeModes(vec![
            PskKeyExchangeMode::PSK_DHE_KE,
        ]));
        if let Some(cookie) = cookie {
            exts.push(ClientExtension::Cookie(cookie.to_vec()));
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
                h.cert_request = Some(Box::new(certificate_request(cr)?));
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
                core.push_event(Event::NewSessionTicket(t));
                Ok(())
            }
            (St::Connected, HandshakeMessage::KeyUpdate(req)) => {
                self.state = St::Connected;
                core.received_key_update(req)
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
        self.send_hello(core, &shares, cookie.as_deref())?;
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
        for e in &sh.extensions {
            match e {
                ServerExtension::KeyShare(k) => share = Some(k),
                ServerExtension::SupportedVersions(_) => {}
                other => {
                    return Err(common::foreign_extension(
                        other.typ(),
                        ext_in::SH,
                        "extension not allowed in ServerHello",
                    ));
                }
            }
        }
        let share = share.ok_or(PeerMisbehaved::MissingExtension("key_share"))?;
        if let Some(r) = &retry {
            if r.suite != suite.suite {
                return Err(PeerMisbehaved::IllegalParameter(
                    "ServerHello suite differs from the HelloRetryRequest's",
                )
                .into());
            }
            if r.group.is_some_and(|g| g != share.group) {
                return Err(PeerMisbehaved::IllegalParameter(
                    "ServerHello group differs from the HelloRetryRequest's",
                )
                .into());
            }
        }
        let pos = shares.iter().position(|k| k.group() == share.group).ok_or(
            PeerMisbehaved::SelectedUnofferedParameter("key share group"),
        )?;
        let kx = shares.swap_remove(pos);
        let shared = kx.complete(&share.payload)?;

        if retry.is_none() {
            self.transcript.start_hash(suite.hash);
        }
        self.transcript.add(raw);
        core.set_suite(suite);
        core.negotiated.version = Some(ProtocolVersion::TLS1_3);
        core.negotiated.group = Some(share.group);

        let schedule = EarlySchedule::new(suite.hash, None).into_handshake(Some(&shared));
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
        core.set_write_secret(&c_hs)?;
        self.state = St::ExpectEncryptedExtensions(Hs {
            suite,
            schedule,
            c_hs,
            s_hs,
            cert_request: None,
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
                    return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into());
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
        self.state = St::ExpectCertificate(h);
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
        // A type we cannot present (the server chose none and we only
        // have raw keys): an empty Certificate, and the server decides.
        let can_present = self
            .config
            .client_certificate_types
            .contains(&self.client_cert_type);

        // §4.4.2: answer the request with a certificate whose key can sign
        // one of the requested schemes, or with an empty Certificate.
        let chosen = self
            .config
            .client_cert_resolver
            .as_ref()
            .filter(|_| can_present)
            .and_then(|r| r.resolve(&req.info))
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
                    .find(|s| req.info.signature_schemes.contains(s))?;
                Some((ck, scheme))
            });
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
        core.set_exporter_secret(f.exporter);
        self.state = St::Connected;
        core.set_connected()
    }
}

/// Checks a CertificateRequest received in the handshake (§4.3.2) and
/// keeps what the certificate choice needs.
fn certificate_request(cr: CertificateRequest) -> Result<CertReq, Error> {
    // §4.3.2: the context is empty during the handshake.
    if !cr.context.is_empty() {
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
