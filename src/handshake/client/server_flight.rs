//! The server's flight: ServerHello through Finished (RFC 9846 §4.2.3-§4.5.3),
//! and our closing Finished.

use super::*;

impl ClientHs {
    pub(super) fn server_hello(
        &mut self,
        core: &mut Core,
        mut shares: Shares,
        retry: Option<Retry>,
        sh: ServerHelloRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        let suite = self.check_common_hello(&sh)?;
        // RFC 9849 §6.1.4: which hello the handshake continues with.
        self.ech_server_hello(core, suite.hash, &sh, raw)?;
        let mut share = None;
        let mut selected_psk = None;
        for e in sh.extensions.iter() {
            match e {
                ServerExtensionRef::KeyShare(k) => share = Some(k),
                ServerExtensionRef::SupportedVersions(_) => {}
                ServerExtensionRef::PreSharedKey(i) if self.psk.is_some() => selected_psk = Some(i),
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
            // §4.3.11: one identity was offered, so only index 0 is valid.
            Some(0) => {
                let p = self
                    .psk
                    .as_ref()
                    .ok_or(Error::Internal("PSK selected but none offered"))?;
                // §4.3.11: the suite must share the PSK's hash.
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
        if psk.is_none() && self.config.verifier.is_none() {
            // A PSK-only client has no way to authenticate the certificate
            // the server would send instead (RFC 9846 §2.2).
            return Err(PeerIncompatible::Other(
                "the server did not accept our PSK, and a PSK-only configuration cannot \
                 authenticate a certificate",
            )
            .into());
        }
        if psk.is_none() && share.is_none() {
            return Err(PeerMisbehaved::MissingExtension("key_share").into());
        }
        if psk.is_some()
            && share.is_none()
            && !self.config.psk_modes.contains(&PskKeyExchangeMode::PSK_KE)
        {
            // §4.3.9: psk_ke selected though only psk_dhe_ke was offered.
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
                // §4.2.8: a group the hello sent a share for (a hook
                // may have taken shares out; their key pairs remain).
                let kx = shares
                    .take(share.group)
                    .filter(|_| self.offered.key_share(share.group))
                    .ok_or(PeerMisbehaved::SelectedUnofferedParameter(
                        "key share group",
                    ))?;
                core.negotiated.group = Some(share.group);
                Some(kx.complete(share.payload)?)
            }
            None => None,
        };
        let resumed = psk.is_some();
        let schedule = match psk {
            Some(p) => {
                core.negotiated.resumed = true;
                core.negotiated.external_psk = p.external;
                if p.external {
                    core.negotiated.psk_identity = Some(p.identity.clone());
                }
                if let Some(s) = &p.session {
                    // The session's server identity, held until the
                    // server's Finished proves it has the PSK: a
                    // ServerHello that selects it proves nothing.
                    self.peer_chain = s.peer_certificates.clone();
                    self.resumed_raw_key = s.peer_raw_public_key;
                    self.client_authenticated = s.client_authenticated;
                    self.authenticated_ms = s.authenticated_ms;
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
        core.set_read_secret(Level::Handshake, &s_hs)?;
        if self.middlebox_compat(core) && !self.sent_ccs {
            core.write_ccs();
            self.sent_ccs = true;
        }
        if !self.early.offered || core.is_quic() {
            // With 0-RTT offered the early key stays until EncryptedExtensions
            // says whether it was accepted. Not over QUIC: the early key
            // never carries handshake messages there (RFC 9001 §8.3), and
            // QUIC needs the Handshake keys now (§4.1.4).
            core.set_write_secret(Level::Handshake, &c_hs)?;
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

    pub(super) fn encrypted_extensions(
        &mut self,
        core: &mut Core,
        h: Hs,
        exts: ServerExtensions<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        // No type repeats: the parser refused that (§4.3), in n·log n.
        let mut quic_params = None;
        for e in exts.iter() {
            let typ = e.typ();
            let offered = self.offered.extension(typ);
            // §4.3: recognised, but specified for other messages.
            if common::extension_allowed_in(typ, ext_in::EE) == Some(false) {
                return Err(PeerMisbehaved::IllegalParameter(
                    "extension not allowed in EncryptedExtensions",
                )
                .into());
            }
            match e {
                // §4.3: extensions that belong to other messages.
                ServerExtensionRef::SupportedVersions(_)
                | ServerExtensionRef::KeyShare(_)
                | ServerExtensionRef::KeyShareRetry(_)
                | ServerExtensionRef::Cookie(_)
                | ServerExtensionRef::PreSharedKey(_) => {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "extension not allowed in EncryptedExtensions",
                    )
                    .into());
                }
                _ if !offered => return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into()),
                // RFC 7301 §3.1: exactly one protocol (the parser made
                // sure), one we offered.
                ServerExtensionRef::Alpn(proto) => {
                    if !self.offered.alpn(&self.config).iter().any(|p| p == proto) {
                        return Err(
                            PeerMisbehaved::SelectedUnofferedParameter("ALPN protocol").into()
                        );
                    }
                    core.negotiated.alpn = Some(proto.to_vec());
                }
                ServerExtensionRef::RecordSizeLimit(limit) => {
                    // RFC 8449 §4: below 64 is illegal.
                    if limit < 64 {
                        return Err(
                            PeerMisbehaved::IllegalParameter("record_size_limit below 64").into(),
                        );
                    }
                    core.set_peer_record_limit(limit);
                    if let Some(ours) = self.offered.record_size_limit(&self.config) {
                        core.set_recv_record_limit(ours);
                    }
                }
                ServerExtensionRef::EarlyData => {
                    // §4.3.10: only with the first PSK, which we offered
                    // early data under.
                    if !self.early.offered || !h.resumed {
                        return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into());
                    }
                    self.early.accepted = true;
                }
                // RFC 7250 §4.2: "selected from one of the values" offered.
                ServerExtensionRef::ServerCertificateType(t) => {
                    if !self
                        .offered
                        .server_cert_types(&self.config)
                        .is_some_and(|o| o.contains(&t))
                    {
                        return Err(PeerMisbehaved::SelectedUnofferedParameter(
                            "server certificate type",
                        )
                        .into());
                    }
                    self.server_cert_type = t;
                }
                ServerExtensionRef::ClientCertificateType(t) => {
                    if !self
                        .offered
                        .client_cert_types(&self.config)
                        .is_some_and(|o| o.contains(&t))
                    {
                        return Err(PeerMisbehaved::SelectedUnofferedParameter(
                            "client certificate type",
                        )
                        .into());
                    }
                    self.client_cert_type = t;
                }
                // Offered only over QUIC (RFC 9001 §8.2).
                ServerExtensionRef::Unknown(ExtensionType::QUIC_TRANSPORT_PARAMETERS, body) => {
                    quic_params = Some(body.to_vec());
                }
                // RFC 9849 §6.1.6, §6.2.1 (we sent one: checked above).
                ServerExtensionRef::Unknown(ExtensionType::ENCRYPTED_CLIENT_HELLO, body) => {
                    self.ech_encrypted_extensions(body)?;
                }
                _ => {}
            }
        }
        if let Some(quic) = &mut core.quic {
            // RFC 9001 §8.2: EncryptedExtensions without
            // quic_transport_parameters is error 0x016d (missing_extension).
            let params = quic_params.ok_or(PeerMisbehaved::MissingExtension(
                "quic_transport_parameters",
            ))?;
            quic.peer_params = Some(params);
            // RFC 9001 §8.1: "QUIC clients MUST use error 0x0178 to
            // terminate a connection when ALPN negotiation fails"; we
            // always offer ALPN over QUIC, so no protocol is a failure.
            if core.negotiated.alpn.is_none() {
                return Err(PeerIncompatible::NoCommonAlpn.into());
            }
        }
        // Without server_certificate_type the server sends X.509 (RFC 7250
        // §4.2, outcome 1), which a raw-public-key-only client cannot use.
        // A PSK handshake sends no certificate (and so no type): the
        // session's type was checked before its ticket was offered.
        if !h.resumed
            && let Some(types) = self.offered.server_cert_types(&self.config)
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
                // §4.3.10: a server accepts early data only under the
                // ticket's suite and ALPN protocol, which the early data
                // was protected and written for.
                if self.early.suite != Some(h.suite.suite) {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "0-RTT accepted under a cipher suite other than the ticket's",
                    )
                    .into());
                }
                if core.negotiated.alpn != self.early.alpn {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "0-RTT accepted under an ALPN protocol other than the ticket's",
                    )
                    .into());
                }
                core.negotiated.early_data_accepted = true;
                core.push_event(Event::EarlyDataAccepted);
            } else {
                self.reject_early(core);
                if !core.is_quic() {
                    core.set_write_secret(Level::Handshake, &h.c_hs)?;
                }
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

    pub(super) fn certificate(
        &mut self,
        core: &mut Core,
        h: Hs,
        c: CertificateRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        if !c.context.is_empty() {
            return Err(PeerMisbehaved::IllegalParameter("Certificate context").into());
        }
        // §4.5.1.3: an empty server Certificate is a decode_error.
        if c.is_empty() {
            return Err(InvalidMessage::EmptyVector("certificate_list").into());
        }
        check_chain_length(core, c.len())?;
        // §4.5.1: entry extensions answer ClientHello extensions (§4.3).
        for (typ, _) in c.entries().flat_map(|e| e.extensions()) {
            let foreign = common::extension_allowed_in(typ, ext_in::CT) == Some(false);
            if foreign || !self.offered.extension(typ) {
                return Err(common::foreign_extension(
                    typ,
                    ext_in::CT,
                    "extension not allowed in Certificate",
                ));
            }
        }
        let status = PeerStatus::read(c)?;
        self.transcript.add(raw);
        let chain = c.chain();
        let raw_key = self.server_cert_type == CertificateType::RAW_PUBLIC_KEY;
        let now = self.config.time.now_unix();
        let verifier = self
            .config
            .verifier
            .as_ref()
            .ok_or(Error::Internal("a Certificate in a PSK-only handshake"))?;
        let decision = if raw_key {
            let spki = common::received_raw_public_key(&chain)?;
            verifier.verify_server_raw_public_key(spki, self.verify_name(), now)
        } else {
            let (ee, rest) = chain
                .split_first()
                .ok_or(InvalidMessage::EmptyVector("certificate_list"))?;
            // RFC 9849 §6.1.7: after an ECH rejection, the public name.
            let stapled = CertificateStatus {
                ocsp_requested: self.offered.extension(ExtensionType::STATUS_REQUEST),
                ocsp_response: status.ocsp.as_deref(),
                scts: &status.scts,
            };
            verifier.verify_server_cert_with_status(ee, rest, self.verify_name(), &stapled, now)
        };
        // Kept by the handshake until the verifier has accepted it and the
        // CertificateVerify proved the key: only then does it become the
        // connection's record of the peer (`Negotiated::peer_certificates`).
        // Only a deferred decision needs a copy of its own.
        let request_chain = matches!(decision, Decision::Deferred).then(|| chain.clone());
        self.peer_chain = chain;
        let ocsp_requested = self.offered.extension(ExtensionType::STATUS_REQUEST);
        let request_status = matches!(decision, Decision::Deferred).then(|| status.clone());
        // Only an X.509 end entity's status is anyone's to read: a raw
        // public key has no issuer to vouch for it.
        self.peer_status = (!raw_key && (status.ocsp.is_some() || !status.scts.is_empty()))
            .then(|| Box::new(status));
        match decision {
            Decision::Ready(Ok(())) => self.state = St::ExpectCertificateVerify(h),
            Decision::Ready(Err(e)) => return Err(e.into()),
            Decision::Deferred => {
                core.push_event(Event::VerifyServerCert(VerifyRequest {
                    chain: request_chain.unwrap_or_default(),
                    certificate_type: self.server_cert_type,
                    server_name: self.verify_name().clone(),
                    now,
                    ocsp_requested,
                    ocsp_response: request_status.as_ref().and_then(|s| s.ocsp.clone()),
                    scts: request_status.map(|s| s.scts).unwrap_or_default(),
                }));
                self.state = St::AwaitVerify(h);
            }
        }
        Ok(())
    }

    pub(super) fn certificate_verify(
        &mut self,
        core: &mut Core,
        h: Hs,
        scheme: SignatureScheme,
        signature: &[u8],
        raw: &[u8],
    ) -> Result<(), Error> {
        if !self.offered.schemes(&self.config).contains(&scheme) {
            return Err(PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into());
        }
        let raw_key = self.server_cert_type == CertificateType::RAW_PUBLIC_KEY;
        common::verify_certificate_verify(
            self.config.provider.signatures,
            &self.peer_chain,
            raw_key,
            common::SERVER_CV_CONTEXT,
            &self.transcript,
            scheme,
            signature,
            self.config.min_rsa_bits,
        )?;
        core.negotiated.signature_scheme = Some(scheme);
        // Accepted by the verifier (this state is reached only then) and
        // the key proven: the chain is now the peer's.
        core.negotiated.peer_certificates = mem::take(&mut self.peer_chain);
        core.negotiated.peer_raw_public_key = raw_key;
        if let Some(status) = self.peer_status.take() {
            core.negotiated.peer_ocsp_response = status.ocsp;
            core.negotiated.peer_scts = status.scts;
        }
        self.authenticated_ms = self.config.time.now_unix_millis();
        self.transcript.add(raw);
        self.state = St::ExpectFinished(h);
        Ok(())
    }

    pub(super) fn finished(
        &mut self,
        core: &mut Core,
        h: Hs,
        vd: &[u8],
        raw: &[u8],
    ) -> Result<(), Error> {
        let hash = h.suite.hash;
        let th = self.transcript.current()?;
        common::check_finished(hash, h.s_hs.as_ref(), th.as_ref(), vd)?;
        if h.resumed {
            // §4.2.11: the Finished, keyed from the PSK, proves the server
            // holds it: the session's server identity is now this peer's.
            core.negotiated.peer_certificates = mem::take(&mut self.peer_chain);
            core.negotiated.peer_raw_public_key = self.resumed_raw_key;
        }
        self.transcript.add(raw);
        let th = self.transcript.current()?;
        let master = h.schedule.into_master();
        let (c_ap, s_ap, exporter) = common::application_secrets(core, &master, th.as_ref());
        core.set_read_secret(Level::OneRtt, &s_ap)?;
        core.ccs_allowed = false;
        if self.early.offered && self.early.accepted && core.is_quic() {
            // RFC 9001 §8.3: "Clients MUST NOT send the EndOfEarlyData
            // message"; QUIC has had the Handshake keys since ServerHello.
            self.early.offered = false;
        } else if self.early.offered && self.early.accepted {
            // §4.6: EndOfEarlyData, the last message under the early key.
            self.early.offered = false;
            let eoed = HandshakeMessage::EndOfEarlyData.to_bytes();
            self.transcript.add(&eoed);
            core.queue_handshake(&eoed);
            core.set_write_secret(Level::Handshake, &h.c_hs)?;
        }
        let finish = OurFinish {
            suite: h.suite,
            master,
            c_hs: h.c_hs,
            c_ap,
            exporter,
        };
        let Some(req) = h.cert_request.map(|b| *b) else {
            return self.send_finished(core, finish);
        };

        // §4.5.1: answer the request with a certificate whose key can sign
        // one of the requested schemes, or with an empty Certificate.
        let (chosen, cert) = self.certificate_answer(core, req)?;
        self.transcript.add(&cert);
        let Some((ck, scheme)) = chosen else {
            core.queue_handshake(&cert);
            return self.send_finished(core, finish);
        };
        self.client_authenticated = true;
        let th = self.transcript.current()?;
        let content = common::signed_content(common::CLIENT_CV_CONTEXT, th.as_ref());
        match ck.signer.sign(scheme, &content, self.config.rng.as_ref()) {
            Decision::Ready(sig) => {
                core.queue_handshake(&cert);
                self.send_certificate_verify(core, scheme, common::signature_answer(sig)?);
                self.send_finished(core, finish)
            }
            Decision::Deferred => {
                core.push_event(Event::Sign(SignRequest {
                    scheme,
                    message: content.to_vec(),
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

    /// Our Finished, then the application traffic keys.
    pub(super) fn send_finished(&mut self, core: &mut Core, f: OurFinish) -> Result<(), Error> {
        let th = self.transcript.current()?;
        let ours = key_schedule::finished_verify_data(f.suite.hash, f.c_hs.as_ref(), th.as_ref());
        let fin = common::finished_message(ours.as_ref());
        self.transcript.add(&fin);
        core.queue_handshake(&fin);
        if let Some(rejected) = self.ech_rejection() {
            // RFC 9849 §6.1.6: the handshake completed for the public
            // name, which does not authenticate the origin: never
            // connected, no data, no tickets. Our flight goes out, then
            // ech_required under the key the server now reads with.
            core.flush_handshake()?;
            core.set_write_secret(Level::OneRtt, &f.c_ap)?;
            return Err(rejected);
        }
        core.set_write_secret(Level::OneRtt, &f.c_ap)?;
        let th = self.transcript.current()?;
        core.resumption_secret = Some(f.master.resumption_master_secret(th.as_ref()));
        // Without this transcript a post-handshake CertificateRequest is
        // unexpected_message (§4.7.2). So it is after an external-PSK
        // handshake: RFC 9846 §4.4.2 forbids the server to send one there,
        // and Appendix F.1 to combine external PSKs with certificates.
        if self.offered.extension(ExtensionType::POST_HANDSHAKE_AUTH)
            && !core.negotiated.external_psk
        {
            self.pha_transcript = Some(Box::new(self.transcript.clone()));
        }
        core.set_exporter_secret(f.exporter);
        self.state = St::Connected;
        core.set_connected()
    }
}

/// What the server sent beside its end entity, in that CertificateEntry's
/// extensions (RFC 9846 §4.5.1.1); the other entries' are checked for
/// syntax and dropped.
#[derive(Clone, Debug, Default)]
pub(super) struct PeerStatus {
    /// The DER OCSPResponse of `status_request`.
    pub(super) ocsp: Option<Vec<u8>>,
    /// The SerializedSCTs of `signed_certificate_timestamp`.
    pub(super) scts: Vec<Vec<u8>>,
}

impl PeerStatus {
    /// Reads the entries' status_request and signed_certificate_timestamp
    /// bodies (their presence was checked against our offer already).
    fn read(c: CertificateRef<'_>) -> Result<Self, Error> {
        let mut out = Self::default();
        for (i, entry) in c.entries().enumerate() {
            for (typ, body) in entry.extensions() {
                match typ {
                    ExtensionType::STATUS_REQUEST => {
                        let response = read_certificate_status(body)?;
                        if i == 0 {
                            out.ocsp = Some(response.to_vec());
                        }
                    }
                    ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP => {
                        let scts = read_sct_list(body)?;
                        if i == 0 {
                            out.scts = scts.map(<[u8]>::to_vec).collect();
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }
}

/// RFC 6066 §8 `CertificateStatus`: status_type ocsp (1) and
/// `opaque OCSPResponse<1..2^24-1>`, nothing after it (RFC 9846
/// §4.5.1.1: the body MUST be one).
fn read_certificate_status(body: &[u8]) -> Result<&[u8], Error> {
    let mut r = crate::codec::Reader::new(body);
    if r.u8("status_type")? != 1 {
        return Err(PeerMisbehaved::IllegalParameter(
            "status_request in Certificate with a status_type other than ocsp",
        )
        .into());
    }
    let response = r.nonempty_vec_bytes(crate::codec::LengthPrefix::U24, "OCSPResponse")?;
    r.expect_empty("CertificateStatus")?;
    Ok(response)
}

/// RFC 6962 §3.3: `SerializedSCT sct_list<1..2^16-1>`, each
/// `opaque SerializedSCT<1..2^16-1>`; at most the entries the body holds.
fn read_sct_list(body: &[u8]) -> Result<impl Iterator<Item = &[u8]>, Error> {
    use crate::codec::{LengthPrefix, Reader};
    let mut r = Reader::new(body);
    let list = r.nonempty_vec_bytes(LengthPrefix::U16, "sct_list")?;
    r.expect_empty("SignedCertificateTimestampList")?;
    let mut check = Reader::new(list);
    while check.any_left() {
        check.nonempty_vec_bytes(LengthPrefix::U16, "SerializedSCT")?;
    }
    let mut items = Reader::new(list);
    Ok(core::iter::from_fn(move || {
        items
            .any_left()
            .then(|| {
                items
                    .nonempty_vec_bytes(LengthPrefix::U16, "SerializedSCT")
                    .ok()
            })
            .flatten()
    }))
}
