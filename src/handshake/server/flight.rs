//! Our flight once the certificate is chosen: ServerHello, EncryptedExtensions,
//! [CertificateRequest], Certificate, CertificateVerify, Finished (RFC 9846 §4.2.3-§4.5.3).

use super::*;

/// Room in the flight buffer besides the certificates and the key share:
/// ServerHello, EncryptedExtensions, a CertificateVerify of any of our
/// keys (RSA-4096 included) and Finished.
const FLIGHT_OVERHEAD: usize = 1024;

impl ServerHs {
    pub(super) fn with_certificate(
        &mut self,
        core: &mut Core,
        mut chosen: Chosen,
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
            Some(g) => {
                let kx = cfg
                    .provider
                    .group(g)
                    .ok_or(Error::Internal("negotiated a group the provider lacks"))?;
                Some((g, kx.server_exchange(&chosen.client_share, rng)?))
            }
            None => None,
        };

        // RFC 8448 order: pre_shared_key, key_share, supported_versions.
        let mut extensions = Vec::with_capacity(3);
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
        let sh_session_id_empty = chosen.session_id.is_empty();
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random,
            legacy_session_id_echo: core::mem::take(&mut chosen.session_id),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions,
        };
        // The flight is built in one buffer, sized for it up front: the
        // ServerHello (sent in the clear), then EncryptedExtensions to
        // Finished in the same allocation.
        let chain_len = ck.as_ref().map_or(0, |ck| {
            ck.chain
                .iter()
                .fold(0usize, |n, c| n.saturating_add(c.len()).saturating_add(5))
        });
        let mut out = Vec::with_capacity(FLIGHT_OVERHEAD.saturating_add(chain_len).saturating_add(
            sh.extensions.iter().fold(0usize, |n, e| match e {
                ServerExtension::KeyShare(k) => n.saturating_add(k.payload.len()),
                _ => n,
            }),
        ));
        common::append_message(
            &mut out,
            &mut self.transcript,
            &HandshakeMessage::ServerHello(sh),
        );
        core.queue_handshake(&out);
        core.flush_handshake()?;
        out.clear();
        if !sh_session_id_empty && !self.sent_ccs {
            core.write_ccs();
            self.sent_ccs = true;
        }
        core.set_suite(suite);
        core.negotiated.version = Some(ProtocolVersion::TLS1_3);
        core.negotiated.group = chosen.group;
        let sni_ack = chosen.sni.is_some();
        core.negotiated.alpn = chosen.alpn.clone();
        core.negotiated.server_name = chosen.sni.take();
        core.negotiated.signature_scheme = scheme;
        self.authenticated_ms = cfg.time.now_unix_millis();
        if let Some(p) = &chosen.psk {
            core.negotiated.resumed = true;
            core.negotiated.external_psk = p.external;
            core.negotiated.psk_identity = p.external_identity.clone();
            self.psk_fingerprint = p.psk_fingerprint.clone();
            if let Some(s) = &p.session {
                // The identity as this config checked it (dropped when it
                // authenticates no clients), and the external PSK that
                // authenticated the session, if one did.
                core.negotiated.peer_certificates = s.peer_certificates.clone();
                core.negotiated.peer_raw_public_key = s.peer_raw_public_key;
                core.negotiated.psk_identity = s.psk_identity.clone();
                self.authenticated_ms = s.authenticated_ms;
            }
        }

        let schedule = EarlySchedule::new(suite.hash, chosen.psk.as_ref().map(|p| &p.secret[..]))
            .into_handshake(shared.as_ref().map(|s| s.as_ref()));
        let th = self.transcript.current()?;
        let c_hs = schedule.client_handshake_traffic_secret(th.as_ref());
        let s_hs = schedule.server_handshake_traffic_secret(th.as_ref());
        core.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &c_hs);
        core.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", &s_hs);
        core.set_write_secret(Level::Handshake, &s_hs)?;
        match &chosen.early {
            Some(c_e) if core.is_quic() => {
                // RFC 9001 §4.1.4: QUIC reads 0-RTT packets while the
                // handshake goes on at the Handshake level; no TLS early
                // data and no EndOfEarlyData (§8.3).
                core.set_read_secret(Level::ZeroRtt, c_e)?;
                core.set_read_secret(Level::Handshake, &c_hs)?;
                core.negotiated.early_data_accepted = true;
            }
            Some(c_e) => {
                core.set_read_secret(Level::ZeroRtt, c_e)?;
                // §4.7.1: what the ticket allowed (never more than we
                // take now: `accept_early`).
                let promised = chosen.psk.as_ref().and_then(|p| p.session.as_ref());
                core.early_read = Some(promised.map_or(0, |s| s.max_early_data));
                core.negotiated.early_data_accepted = true;
            }
            None => core.set_read_secret(Level::Handshake, &c_hs)?,
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
        if sni_ack {
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
        if let Some(quic) = &core.quic {
            // RFC 9001 §8.2: our transport parameters, as given.
            ee.push(ServerExtension::Unknown(UnknownExtension {
                typ: ExtensionType::QUIC_TRANSPORT_PARAMETERS,
                body: quic.local_params.clone(),
            }));
        }
        if chosen.early.is_some() {
            ee.push(ServerExtension::EarlyData);
        }
        if let Some(hook) = &cfg.encrypted_extensions_hook {
            hook(&mut ee);
        }
        let mut queued = out;
        common::append_message(
            &mut queued,
            &mut self.transcript,
            &HandshakeMessage::EncryptedExtensions(ee),
        );

        // §4.4.2: CertificateRequest right after EncryptedExtensions.
        let client_auth = match (&cfg.client_auth, types.client) {
            // §4.4.2: no CertificateRequest in a PSK handshake.
            _ if ck.is_none() => None,
            (ClientAuth::None, _) | (_, None) => None,
            (ClientAuth::Optional(v) | ClientAuth::Required(v), Some(cert_type)) => {
                let schemes = v.signature_schemes();
                let mut extensions = vec![CertReqExtension::SignatureAlgorithms(schemes.clone())];
                let authorities = v.certificate_authorities();
                if !authorities.is_empty() {
                    extensions.push(CertReqExtension::CertificateAuthorities(authorities));
                }
                common::append_message(
                    &mut queued,
                    &mut self.transcript,
                    &HandshakeMessage::CertificateRequest(CertificateRequest {
                        // §4.4.2: zero length during the handshake.
                        context: Vec::new(),
                        extensions,
                    }),
                );
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
        // RFC 9846 §4.5.1: one entry, the SubjectPublicKeyInfo, for a raw
        // public key.
        common::append_certificate(
            &mut flight.queued,
            &mut self.transcript,
            &[],
            &ck.chain,
            types.server == CertificateType::RAW_PUBLIC_KEY,
        )?;

        let th = self.transcript.current()?;
        let content = common::signed_content(common::SERVER_CV_CONTEXT, th.as_ref());
        match ck.signer.sign(scheme, &content, rng) {
            Decision::Ready(sig) => {
                self.finish_flight(core, flight, Some(common::signature_answer(sig)?))
            }
            Decision::Deferred => {
                core.push_event(Event::Sign(SignRequest {
                    scheme,
                    message: content.to_vec(),
                }));
                self.state = St::AwaitSign(flight);
                Ok(())
            }
        }
    }

    pub(super) fn finish_flight(
        &mut self,
        core: &mut Core,
        f: Flight,
        signature: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        let hash = f.suite.hash;
        let mut queued = f.queued;
        if let (Some(scheme), Some(signature)) = (f.scheme, signature) {
            common::append_message(
                &mut queued,
                &mut self.transcript,
                &HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature }),
            );
        }
        let th = self.transcript.current()?;
        let vd = key_schedule::finished_verify_data(hash, f.s_hs.as_ref(), th.as_ref());
        let fin = common::finished_message(vd.as_ref());
        self.transcript.add(&fin);
        queued.extend_from_slice(&fin);
        core.queue_handshake(&queued);

        let th = self.transcript.current()?;
        let master = f.schedule.into_master();
        let (c_ap, s_ap, exporter) = common::application_secrets(core, &master, th.as_ref());
        // EE..Finished go out together under the handshake key.
        core.set_write_secret(Level::OneRtt, &s_ap)?;
        core.set_exporter_secret(exporter);
        let expect_certificate = f.client_auth.is_some();
        let next = AwaitFin {
            suite: f.suite,
            master,
            c_hs: f.c_hs,
            c_ap,
            client_auth: f.client_auth,
            client_chain: Vec::new(),
        };
        // RFC 9001 §8.3: no EndOfEarlyData over QUIC.
        self.state = if f.early.is_some() && !core.is_quic() {
            St::ExpectEndOfEarlyData(next)
        } else if expect_certificate {
            St::ExpectCertificate(next)
        } else {
            St::ExpectFinished(next)
        };
        Ok(())
    }
}
