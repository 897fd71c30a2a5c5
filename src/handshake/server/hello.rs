//! The ClientHello (RFC 9846 §4.2.2): negotiation, and a
//! HelloRetryRequest when no usable key share was offered (§4.2.4).

use super::*;

impl ServerHs {
    /// A ClientHello held as bytes, parsed and processed from the start:
    /// one whose processing was suspended (a deferred ticket lookup or
    /// verification), or a ClientHelloInner that ECH decrypted. Either
    /// way it is already the hello the handshake runs on: ECH is not
    /// looked at again.
    pub(super) fn client_hello_from_bytes(
        &mut self,
        core: &mut Core,
        retry: Option<Retry>,
        raw: &[u8],
    ) -> Result<(), Error> {
        match common::parse(core, raw)? {
            HandshakeMessageRef::ClientHello(ch) => self.client_hello(core, retry, ch, raw),
            _ => Err(Error::Internal(
                "a ClientHello kept as bytes no longer reads as one",
            )),
        }
    }

    pub(super) fn client_hello(
        &mut self,
        core: &mut Core,
        retry: Option<Retry>,
        ch: ClientHelloRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        // §4.3.1: only supported_versions decides the version.
        match ch.extensions.find(ExtensionType::SUPPORTED_VERSIONS) {
            Some(ClientExtensionRef::SupportedVersions(v))
                if v.contains(&ProtocolVersion::TLS1_3) => {}
            _ => return Err(PeerIncompatible::NoTls13.into()),
        }
        // RFC 9846 §4.2.2: "A server which receives a legacy_version value
        // not equal to 0x0303 MUST abort the handshake with a
        // "protocol_version" alert."
        if ch.legacy_version != ProtocolVersion::TLS1_2 {
            return Err(PeerMisbehaved::IllegalLegacyVersion("ClientHello.legacy_version").into());
        }
        // §4.2.2: exactly one compression method, null.
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

        let mut groups = None;
        let mut shares: Option<KeyShares<'_>> = None;
        let mut schemes = None;
        let mut alpn_offer = None;
        let mut client_limit = None;
        let mut sni = None;
        let mut cookie = None;
        let mut offered_server_types = None;
        let mut offered_client_types = None;
        let mut quic_params = None;
        let mut status = StatusAsked::default();
        self.cert_compression = None;
        for e in ch.extensions.iter() {
            match e {
                ClientExtensionRef::SupportedGroups(g) => groups = Some(g),
                ClientExtensionRef::KeyShare(k) => shares = Some(k),
                ClientExtensionRef::SignatureAlgorithms(s) => schemes = Some(s),
                ClientExtensionRef::Alpn(a) => alpn_offer = Some(a),
                ClientExtensionRef::RecordSizeLimit(l) => {
                    // RFC 8449 §4.
                    if l < 64 {
                        return Err(
                            PeerMisbehaved::IllegalParameter("record_size_limit below 64").into(),
                        );
                    }
                    client_limit = Some(l);
                }
                ClientExtensionRef::ServerName(names) => {
                    if let Some(host) = names.host_name() {
                        let s = core::str::from_utf8(host)
                            .map_err(|_| InvalidMessage::InvalidValue("server_name"))?;
                        sni = Some(s.to_ascii_lowercase());
                    }
                }
                ClientExtensionRef::Cookie(c) => cookie = Some(c),
                ClientExtensionRef::PostHandshakeAuth => self.client_pha = true,
                ClientExtensionRef::ServerCertificateType(t) => offered_server_types = Some(t),
                ClientExtensionRef::ClientCertificateType(t) => offered_client_types = Some(t),
                ClientExtensionRef::Unknown(ExtensionType::QUIC_TRANSPORT_PARAMETERS, body) => {
                    quic_params = Some(body);
                }
                // RFC 6066 §8: status_type ocsp (1); other types are not ours.
                ClientExtensionRef::StatusRequest(body) => status.ocsp = body.first() == Some(&1),
                // RFC 6962 §3.3.1: the client supports SCTs (empty body).
                ClientExtensionRef::Unknown(ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP, _) => {
                    status.sct = true;
                }
                // RFC 8879 §3: the algorithms the client decompresses with.
                ClientExtensionRef::Unknown(ExtensionType::COMPRESS_CERTIFICATE, body) => {
                    self.cert_compression = cfg.cert_compression.choose(body)?;
                }
                // §4.3: recognised, but specified for other messages only.
                ClientExtensionRef::Unknown(typ, _)
                    if common::extension_allowed_in(typ, common::ext_in::CH) == Some(false) =>
                {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "extension not allowed in ClientHello",
                    )
                    .into());
                }
                _ => {}
            }
        }
        match (&mut core.quic, quic_params) {
            // RFC 9001 §8.2: a ClientHello without quic_transport_parameters
            // is error 0x016d (missing_extension).
            (Some(_), None) => {
                return Err(PeerMisbehaved::MissingExtension("quic_transport_parameters").into());
            }
            (Some(quic), Some(params)) => quic.peer_params = Some(params.to_vec()),
            // RFC 9001 §8.2: "A fatal unsupported_extension alert MUST be
            // sent by an implementation that supports this extension if
            // the extension is received when the transport is not QUIC."
            (None, Some(_)) => {
                return Err(PeerMisbehaved::UnsolicitedExtension(
                    ExtensionType::QUIC_TRANSPORT_PARAMETERS.0,
                )
                .into());
            }
            (None, None) => {}
        }
        // RFC 9001 §8.4: "A server SHOULD treat the receipt of a TLS
        // ClientHello with a non-empty legacy_session_id field as a
        // connection error of type PROTOCOL_VIOLATION": no middlebox
        // compatibility mode over QUIC.
        if core.is_quic() && !ch.legacy_session_id.is_empty() {
            return Err(PeerMisbehaved::QuicProtocolViolation(
                "non-empty legacy_session_id (middlebox compatibility mode)",
            )
            .into());
        }
        // §4.3.11: the last extension (the parser made sure).
        let psk_offer = ch.extensions.pre_shared_key();
        // RFC 9846 §9.2: without pre_shared_key, supported_groups and
        // signature_algorithms are required; supported_groups and
        // key_share go together. A PSK hello (psk_ke) may have none of
        // them; what a full handshake then lacks is refused below.
        if psk_offer.is_none() && groups.is_none() {
            return Err(PeerMisbehaved::MissingExtension("supported_groups").into());
        }
        match (groups.is_some(), shares.is_some()) {
            (true, false) => return Err(PeerMisbehaved::MissingExtension("key_share").into()),
            (false, true) => {
                return Err(PeerMisbehaved::MissingExtension("supported_groups").into());
            }
            _ => {}
        }
        // RFC 9846 §4.3.7: named_group_list "MUST NOT contain any duplicate
        // entries"; a recipient MAY abort with illegal_parameter (n·log n:
        // the list can be long).
        if groups.is_some_and(|g| common::has_duplicate_keys(g.iter())) {
            return Err(PeerMisbehaved::IllegalParameter("duplicate in supported_groups").into());
        }
        if psk_offer.is_none() && schemes.is_none() {
            return Err(PeerMisbehaved::MissingExtension("signature_algorithms").into());
        }
        let shares = || shares.into_iter().flat_map(|s| s.iter());
        // The lists are bounded when parsed (`Limits`); the checks over
        // them stay n·log n however the limits are set: the client's
        // groups are sorted once and looked up.
        let offered_groups = common::SortedSet::new(groups);
        let has_share = |g: &NamedGroup| shares().any(|s| s.group == *g);
        if common::has_duplicate_keys(shares().map(|s| s.group))
            || shares().any(|s| !offered_groups.contains(&s.group))
        {
            // §4.3.8: one share per group, each for an offered group.
            return Err(PeerMisbehaved::IllegalParameter("key_share entries").into());
        }

        // Our groups the client supports, in our order (none: only a
        // psk_ke PSK can do).
        let mut mutual = cfg
            .groups
            .iter()
            .copied()
            .filter(|g| offered_groups.contains(g));
        let first_mutual = mutual.next();
        let with_share = match first_mutual {
            Some(first) if cfg.strict_group_preference || has_share(&first) => {
                Some(first).filter(has_share)
            }
            Some(_) => mutual.find(has_share),
            None => None,
        };

        if let Some(r) = &retry {
            // RFC 9846 §4.3.10: only records right after the first
            // ClientHello may be skipped as early data; from here on
            // anything that fails is an error.
            core.skip_early = 0;
            // §4.2.2, §4.3.2: the second ClientHello answers our request.
            if cookie != Some(r.cookie.as_slice()) {
                return Err(PeerMisbehaved::IllegalParameter("cookie not echoed").into());
            }
            // §4.2.2: the shares are replaced by "a single KeyShareEntry
            // from the indicated group".
            if with_share != Some(r.group) || shares().count() != 1 {
                return Err(PeerMisbehaved::IllegalParameter(
                    "second ClientHello must carry the requested key share alone",
                )
                .into());
            }
            if suite.suite != r.suite {
                return Err(PeerMisbehaved::IllegalParameter(
                    "second ClientHello changed the cipher suite",
                )
                .into());
            }
            // RFC 9846 §4.3.10: "A client MUST NOT include the early_data
            // extension in its followup ClientHello."
            if ch.extensions.find(ExtensionType::EARLY_DATA).is_some() {
                return Err(PeerMisbehaved::IllegalParameter(
                    "early_data in the second ClientHello",
                )
                .into());
            }
            // RFC 9846 §4.2.2: the same ClientHello but for the changes
            // listed there.
            if hello_fingerprint(
                raw,
                self.config
                    .provider
                    .hash(crate::crypto::hash::HashAlgorithm::Sha256),
            )
            .is_none_or(|f| f.as_ref() != r.fingerprint.as_ref())
            {
                return Err(PeerMisbehaved::IllegalParameter(
                    "second ClientHello differs from the first",
                )
                .into());
            }
        }
        let offers_early = ch.extensions.find(ExtensionType::EARLY_DATA).is_some();
        let modes = match ch.extensions.find(ExtensionType::PSK_KEY_EXCHANGE_MODES) {
            Some(ClientExtensionRef::PskKeyExchangeModes(m)) => Some(m),
            _ => None,
        };
        if psk_offer.is_some() && modes.is_none() {
            // §4.3.9: a PSK needs psk_key_exchange_modes.
            return Err(PeerMisbehaved::MissingExtension("psk_key_exchange_modes").into());
        }
        let modes = PskModes(modes);
        let psk_ke = cfg.allow_psk_ke && modes.contains(PskKeyExchangeMode::PSK_KE);
        // RFC 9846 §4.7.1: tickets only for a client whose hello carried a
        // suitable psk_key_exchange_modes: one this server would resume with.
        self.client_psk_modes = psk_ke || modes.contains(PskKeyExchangeMode::PSK_DHE_KE);
        // Without a usable share a psk_dhe_ke PSK needs a HelloRetryRequest
        // first; it is looked at on the second ClientHello (a stateful
        // ticket store would otherwise spend the ticket now).
        let look_up = psk_offer.is_some() && (with_share.is_some() || psk_ke);
        if cfg.cert_resolver.is_none() {
            psk_only_offer(&cfg, psk_offer.is_some(), modes)?;
        }
        let lookup = match psk_offer {
            Some(o) if look_up => self.choose_psk(
                o,
                modes,
                raw,
                suite,
                ch.cipher_suites,
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
                    raw: raw.to_vec(),
                    identity,
                }));
                return Ok(());
            }
            Lookup::DeferredVerify(identity, request) => {
                // The session's client identity is checked again by our
                // verifier, which deferred; the hello is processed again
                // with its answer (and the ticket's session, kept).
                core.push_event(Event::VerifyClientCert(request));
                self.state = St::AwaitResumeVerify(Box::new(PendingHello {
                    retry,
                    raw: raw.to_vec(),
                    identity,
                }));
                return Ok(());
            }
        };
        // The lookups are settled: their cached answers go (they hold PSKs).
        self.redeemed.clear();
        self.reverified.clear();
        if retry.is_some() {
            // RFC 9846 §4.3.10: what was skipped after the first ClientHello
            // within what its ticket (the one now selected) allowed, or
            // this config's max_early_data_size.
            let promised = psk
                .as_ref()
                .and_then(|p| p.session.as_ref())
                .map(|s| s.max_early_data);
            if core.skipped_early > early_skip_budget(&cfg, promised) {
                return Err(PeerMisbehaved::UnexpectedMessage {
                    got: "early data beyond max_early_data_size",
                    expected: "ClientHello",
                }
                .into());
            }
        }
        if psk.is_none() && look_up && cfg.cert_resolver.is_none() {
            // PSK-only: no certificate to fall back to (RFC 9846 §6.2).
            return Err(PeerIncompatible::UnknownPskIdentity.into());
        }
        if psk.is_none() && schemes.is_none() {
            // §9.2: certificate authentication needs signature_algorithms.
            return Err(PeerMisbehaved::MissingExtension("signature_algorithms").into());
        }
        let use_share = psk.as_ref().is_none_or(|p| p.dhe);
        if use_share && with_share.is_none() {
            let group = first_mutual.ok_or(PeerIncompatible::NoCommonGroup)?;
            if offers_early {
                // RFC 9846 §4.3.10: skip the early data that follows the
                // first ClientHello, up to max_early_data_size: that of
                // the ticket, as without a HelloRetryRequest (a reloaded
                // config may take less than its tickets promised). Its
                // ticket is looked at only on the second ClientHello, so
                // until then up to what any ticket can promise is
                // skipped (discarded unread: it costs no memory), and the
                // amount is checked once the PSK is settled.
                core.skip_early = if psk_offer.is_some() {
                    u32::MAX as usize
                } else {
                    early_skip_budget(&cfg, None)
                };
            }
            return self.send_retry(core, suite, group, ch.legacy_session_id, raw);
        }
        let group = with_share.filter(|_| use_share);
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
        // RFC 9001 §8.1: over QUIC an application protocol must be
        // negotiated, or the connection closes with 0x0178
        // (no_application_protocol); our QUIC configurations have ALPN.
        if core.is_quic() && alpn.is_none() {
            return Err(PeerIncompatible::NoCommonAlpn.into());
        }

        let types = cert_types(&cfg, offered_server_types, offered_client_types)?;

        core.client_random = ch.random;
        // Hashed as it is added (not buffered first): the suite is known.
        self.transcript.start_hash(suite.hash);
        self.transcript.add(raw);
        core.ccs_allowed = true;

        let accept_early = offers_early
            && retry.is_none()
            && psk.as_ref().is_some_and(|p| {
                // Over QUIC: what 0-RTT would assume now (RFC 9001 §4.6.3).
                let quic_context = core
                    .quic
                    .as_ref()
                    .map(|q| q.early_context_digest(self.sha256()));
                let quic_context = quic_context.as_ref().map(|c| c.as_ref());
                self.accept_early(p, alpn.as_deref(), quic_context)
            });
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
                    // RFC 9846 §4.3.10: refused 0-RTT is skipped by trial
                    // decryption, up to max_early_data_size (the ticket's,
                    // when it is ours: what the client was allowed).
                    let promised = psk
                        .as_ref()
                        .and_then(|p| p.session.as_ref())
                        .map(|s| s.max_early_data);
                    core.skip_early = early_skip_budget(&cfg, promised);
                }
                None
            }
        };

        // The hello is not needed past this point: what is kept is copied
        // out of it (the share and session id inline, as a rule).
        let schemes = schemes.map_or_else(Vec::new, |s| s.to_vec());
        let client_share = match group {
            Some(group) => shares()
                .find(|s| s.group == group)
                .map(|s| SmallBytes::from(s.payload))
                .ok_or(Error::Internal("chosen share vanished"))?,
            None => SmallBytes::from(&[][..]),
        };
        let mut session_id = StackBytes::filled_with(0, 0);
        // At most 32 bytes: checked when read.
        session_id.push(ch.legacy_session_id);
        let resumed = psk.is_some();
        let mut chosen = Chosen {
            suite,
            group,
            client_share,
            psk,
            early,
            session_id,
            client_schemes: Vec::new(),
            alpn,
            // QUIC has no records to limit (RFC 9001 §4): a client's
            // record_size_limit is left unanswered there.
            client_limit: client_limit.filter(|_| !core.is_quic()),
            sni: None,
            types,
            status,
        };
        if resumed {
            // §2.2: a PSK handshake authenticates with the PSK alone.
            chosen.client_schemes = schemes;
            chosen.sni = sni;
            return self.with_certificate(core, chosen, None);
        }
        let info = ClientHelloInfo {
            server_name: sni,
            alpn: alpn_offer.map_or_else(Vec::new, |a| a.to_vec()),
            signature_schemes: schemes,
            certificate_type: types.server,
        };
        // The resolver borrows the description; the flight then takes its
        // name and schemes (copied only when the event needs them too).
        let resolver = cfg
            .cert_resolver
            .as_ref()
            .ok_or(PeerIncompatible::UnknownPskIdentity)?;
        match resolver.resolve(&info) {
            Decision::Ready(r) => {
                chosen.client_schemes = info.signature_schemes;
                chosen.sni = info.server_name;
                self.with_certificate(core, chosen, Some(r?))
            }
            Decision::Deferred => {
                chosen.client_schemes = info.signature_schemes.clone();
                chosen.sni = info.server_name.clone();
                core.push_event(Event::SelectCertificate(info));
                self.state = St::AwaitCertificate(Box::new(chosen));
                Ok(())
            }
        }
    }

    pub(super) fn send_retry(
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
        let mut extensions = vec![
            ServerExtension::KeyShareRetry(group),
            ServerExtension::Cookie(cookie.clone()),
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
        ];
        // RFC 9849 §7.2.1 (accepted: 8 zeros, the confirmation written
        // below) or §7.1 (rejected: 8 random bytes).
        extensions.extend(self.retry_ech_extension()?);
        let hrr = ServerHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random: HRR_RANDOM,
            legacy_session_id_echo: session_id.to_vec(),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions,
        };
        let mut hrr_raw = HandshakeMessage::ServerHello(hrr).to_bytes();
        // With ECH accepted `raw` is ClientHelloInner1, whose message_hash
        // the confirmation covers (§7.2.1).
        self.transcript.add(raw);
        self.transcript.start_hash_after_retry(suite.hash);
        self.confirm_retry(suite.hash, &mut hrr_raw)?;
        self.transcript.add(&hrr_raw);
        core.queue_handshake(&hrr_raw);
        core.flush_handshake()?;
        core.ccs_allowed = true;
        core.negotiated.hello_retry = true;
        if !session_id.is_empty() && !self.sent_ccs {
            // Appendix E.4: CCS right after our first handshake message.
            core.write_ccs();
            self.sent_ccs = true;
        }
        let fingerprint = hello_fingerprint(
            raw,
            self.config
                .provider
                .hash(crate::crypto::hash::HashAlgorithm::Sha256),
        )
        .ok_or(Error::Internal("a parsed ClientHello has no fingerprint"))?;
        self.state = St::ExpectClientHello {
            retry: Some(Retry {
                suite: suite.suite,
                group,
                cookie,
                fingerprint,
            }),
        };
        Ok(())
    }
}

/// The RFC 7250 negotiation (§4.2): for each side, our first type (in
/// our preference order) that the client offered; a client that sent no
/// extension offers X.509 only. No type in common for the server's
/// certificate ends the handshake with `unsupported_certificate`; for the
/// client's, so does required client authentication, while optional
/// authentication goes on without a CertificateRequest.
pub(super) fn cert_types(
    cfg: &ServerConfig,
    offered_server: Option<CodeList<'_, CertificateType>>,
    offered_client: Option<CodeList<'_, CertificateType>>,
) -> Result<CertTypes, Error> {
    let pick = |ours: &[CertificateType], offered: Option<CodeList<'_, CertificateType>>| {
        let offered = |t: &CertificateType| match offered {
            Some(list) => list.contains(t),
            None => *t == CertificateType::X509,
        };
        ours.iter().copied().find(offered)
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

/// A PSK-only server (no certificate) needs the client to offer a PSK in
/// a key exchange mode we accept; otherwise no handshake can complete and
/// the ClientHello is refused at once, before any HelloRetryRequest.
fn psk_only_offer(
    cfg: &ServerConfig,
    offered: bool,
    client_modes: PskModes<'_>,
) -> Result<(), Error> {
    if !offered {
        // RFC 9846 §6.2: "no acceptable PSK identity is provided".
        return Err(PeerIncompatible::UnknownPskIdentity.into());
    }
    let dhe = client_modes.contains(PskKeyExchangeMode::PSK_DHE_KE);
    let ke = cfg.allow_psk_ke && client_modes.contains(PskKeyExchangeMode::PSK_KE);
    if !(dhe || ke) {
        return Err(PeerIncompatible::Other(
            "no PSK key exchange mode in common with the client (psk_ke, without forward \
             secrecy, is accepted only when configured)",
        )
        .into());
    }
    Ok(())
}

/// The client's psk_key_exchange_modes (none when it sent none).
#[derive(Clone, Copy)]
pub(super) struct PskModes<'a>(Option<CodeList<'a, PskKeyExchangeMode>>);

impl PskModes<'_> {
    pub(super) fn contains(self, mode: PskKeyExchangeMode) -> bool {
        self.0.is_some_and(|m| m.contains(&mode))
    }
}

/// What RFC 9846 §4.2.2 lets the second ClientHello change: key_share
/// (the requested group's share), early_data (removed), cookie (added),
/// pre_shared_key (new ages and binders, fewer identities) and padding.
/// (Future extensions may allow more, but only when present in our
/// HelloRetryRequest, which carries none.)
fn may_change_after_retry(typ: ExtensionType) -> bool {
    matches!(
        typ,
        ExtensionType::KEY_SHARE
            | ExtensionType::EARLY_DATA
            | ExtensionType::COOKIE
            | ExtensionType::PRE_SHARED_KEY
            | ExtensionType::PADDING
    )
}

/// A SHA-256 digest of everything in the ClientHello message `raw` that
/// must not change between the first and the second ClientHello (RFC 9846
/// §4.2.2): legacy_version, random, legacy_session_id, cipher_suites,
/// legacy_compression_methods, and every extension (type and body, in
/// order) except those [`may_change_after_retry`], and of
/// `encrypted_client_hello` its presence only. Read from the bytes in
/// one pass, so the comparison is linear in the hello and keeps 32 bytes
/// between the two hellos. `None` for bytes that do not frame as a
/// ClientHello (never the case for one that parsed).
fn hello_fingerprint(raw: &[u8], sha256: Hash) -> Option<Output> {
    use crate::codec::{LengthPrefix, Reader};
    let mut r = Reader::new(raw);
    // Type and length: checked when the message was parsed.
    r.take(4)?;
    let mut h = sha256.start();
    // legacy_version, random; then the length-prefixed fields, each with
    // its prefix so that no two different hellos hash the same bytes.
    h.update(r.take(34)?);
    for prefix in [LengthPrefix::U8, LengthPrefix::U16, LengthPrefix::U8] {
        let start = r.used();
        r.vec_bytes(prefix, "ClientHello field").ok()?;
        h.update(raw.get(start..r.used())?);
    }
    if r.any_left() {
        let mut exts = r.sub(LengthPrefix::U16, "extensions").ok()?;
        while exts.any_left() {
            let typ = ExtensionType::read(&mut exts).ok()?;
            let body = exts.vec_bytes(LengthPrefix::U16, "extension").ok()?;
            if may_change_after_retry(typ) {
                continue;
            }
            // RFC 9849 §6.1.5, §7.1.1: a client re-seals its second
            // ClientHelloOuter (new payload, empty enc), so the
            // extension's body changes legitimately; its presence may not
            // (a GREASE or rejected client sends it again, §6.2.1).
            let body = if typ == ExtensionType::ENCRYPTED_CLIENT_HELLO {
                &[][..]
            } else {
                body
            };
            h.update(&typ.0.to_be_bytes());
            h.update(&(body.len() as u32).to_be_bytes());
            h.update(body);
        }
    }
    Some(h.current())
}
