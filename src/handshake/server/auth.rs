//! Client authentication (RFC 9846 §4.4.2, §4.5.1-§4.5.2, §4.7.2): the
//! client's Certificate and CertificateVerify, in the handshake and after it.

use super::*;

impl ServerHs {
    /// The client's Certificate (§4.5.1), answering our request.
    pub(super) fn client_certificate(
        &mut self,
        core: &mut Core,
        mut f: AwaitFin,
        c: CertificateRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        // §4.5.1: the context echoes the request's, which was empty.
        if !c.context.is_empty() {
            return Err(PeerMisbehaved::IllegalParameter("Certificate context").into());
        }
        // §4.5.1: entry extensions must answer ones in our request, and we
        // requested none that have a Certificate form.
        if let Some((typ, _)) = c.entries().find_map(|e| e.extensions().next()) {
            return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into());
        }
        crate::handshake::client::check_chain_length(core, c.len())?;
        let required = f.client_auth.as_ref().is_some_and(|r| r.required);
        self.transcript.add(raw);
        if c.is_empty() {
            // §4.5.1.3: without a certificate the server may go on or abort.
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
        f.client_chain = c.chain();
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

    /// The client's CertificateVerify (§4.5.2), over the transcript up to
    /// its Certificate, with the client context string.
    pub(super) fn client_certificate_verify(
        &mut self,
        core: &mut Core,
        mut f: AwaitFin,
        scheme: SignatureScheme,
        signature: &[u8],
        raw: &[u8],
    ) -> Result<(), Error> {
        let offered = f
            .client_auth
            .as_ref()
            .is_some_and(|r| r.schemes.contains(&scheme));
        if !offered {
            // §4.5.2: the scheme must be one from our signature_algorithms.
            return Err(PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into());
        }
        let raw_key = f
            .client_auth
            .as_ref()
            .is_some_and(|r| r.cert_type == CertificateType::RAW_PUBLIC_KEY);
        common::verify_certificate_verify(
            self.config.provider.signatures,
            &f.client_chain,
            raw_key,
            common::CLIENT_CV_CONTEXT,
            &self.transcript,
            scheme,
            signature,
            self.config.min_rsa_bits,
        )?;
        self.transcript.add(raw);
        core.negotiated.client_signature_scheme = Some(scheme);
        // Verified: the chain moves to the connection's record of the peer.
        core.negotiated.peer_certificates = core::mem::take(&mut f.client_chain);
        core.negotiated.peer_raw_public_key = raw_key;
        self.state = St::ExpectFinished(f);
        Ok(())
    }

    /// The client's answer to a post-handshake CertificateRequest:
    /// Certificate, CertificateVerify (unless empty), Finished (§4.7.2).
    pub(super) fn post_handshake_auth(
        &mut self,
        core: &mut Core,
        msg: HandshakeMessageRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        match (mem::take(&mut self.pha), msg) {
            (Pha::ExpectCertificate(mut r), HandshakeMessageRef::Certificate(c)) => {
                // §4.5.1: the context echoes the request's.
                if c.context != r.context {
                    return Err(PeerMisbehaved::IllegalParameter("Certificate context").into());
                }
                if let Some((typ, _)) = c.entries().find_map(|e| e.extensions().next()) {
                    return Err(PeerMisbehaved::UnsolicitedExtension(typ.0).into());
                }
                r.transcript.add(raw);
                if c.is_empty() {
                    if r.required {
                        return Err(PeerIncompatible::CertificateRequired.into());
                    }
                    self.pha = Pha::ExpectFinished(r);
                    return Ok(());
                }
                r.chain = c.chain();
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
            (
                Pha::ExpectCertificateVerify(mut r),
                Other(HandshakeMessage::CertificateVerify(cv)),
            ) => {
                if !r.schemes.contains(&cv.scheme) {
                    return Err(
                        PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into(),
                    );
                }
                common::verify_certificate_verify(
                    self.config.provider.signatures,
                    &r.chain,
                    self.pha_cert_type == CertificateType::RAW_PUBLIC_KEY,
                    common::CLIENT_CV_CONTEXT,
                    &r.transcript,
                    cv.scheme,
                    &cv.signature,
                    self.config.min_rsa_bits,
                )?;
                r.transcript.add(raw);
                core.negotiated.client_signature_scheme = Some(cv.scheme);
                self.pha = Pha::ExpectFinished(r);
                Ok(())
            }
            (Pha::ExpectFinished(r), Other(HandshakeMessage::Finished(vd))) => {
                let hash = common::negotiated_hash(core)?;
                // §4.5: the base key is the current client application
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
}
