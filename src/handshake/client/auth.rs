//! Client authentication (RFC 9846 §4.4.2, §4.5.1-§4.5.2, §4.7.2): choosing
//! and sending our certificate, in the handshake and after it.

use super::*;
use crate::msgs::handshake::encode_certificate;

/// The certificate chosen to answer a request, with the scheme its key signs.
type ChosenCert = Option<(Arc<crate::verify::CertifiedKey>, SignatureScheme)>;

impl ClientHs {
    /// Our Certificate answering `req` (§4.5.1): a certificate whose key can
    /// sign one of the requested schemes, or an empty one; with the choice.
    pub(super) fn certificate_answer(
        &self,
        core: &mut Core,
        mut req: CertReq,
    ) -> Result<(ChosenCert, Vec<u8>), Error> {
        req.info.certificate_type = self.client_cert_type;
        let chosen = self.choose_client_cert(&req.info);
        let mut cert = Vec::new();
        match &chosen {
            Some((ck, _)) => common::encode_our_certificate(
                &mut cert,
                &req.context,
                &ck.chain,
                self.client_cert_type == CertificateType::RAW_PUBLIC_KEY,
            )?,
            None => encode_certificate(&mut cert, &req.context, core::iter::empty()),
        }
        // Negotiated::certificate_compression_sent names the last
        // Certificate's algorithm: none unless this one is compressed.
        core.negotiated.certificate_compression_sent = None;
        if let Some((ck, _)) = &chosen {
            // RFC 8879 §4: compressed with an algorithm the request offered;
            // kept with the key unless a post-handshake request's context
            // makes the message unique (then never with brotli: the server
            // chooses how often we pay for it).
            let ours = &self.config.cert_compression;
            let algorithm = if req.context.is_empty() {
                crate::handshake::compress::choose(ours, &req.compression)
            } else {
                crate::handshake::compress::choose_one_off(ours, &req.compression)
            };
            crate::handshake::compress::compress_tail(
                core,
                algorithm,
                &mut cert,
                0,
                req.context.is_empty().then(|| ck.compressed_forms()),
            )?;
        }
        Ok((chosen, cert))
    }

    /// A certificate for `info` whose key signs a requested scheme, of the
    /// negotiated certificate type (RFC 7250).
    pub(super) fn choose_client_cert(
        &self,
        info: &CertificateRequestInfo,
    ) -> Option<(Arc<crate::verify::CertifiedKey>, SignatureScheme)> {
        // RFC 9849 §6.1.7: the client-facing server that rejected ECH
        // gets an empty Certificate, never our identity.
        if self.ech.is_rejected() {
            return None;
        }
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

    /// Answers a post-handshake CertificateRequest (§4.7.2): Certificate,
    /// [CertificateVerify], Finished under the application traffic key,
    /// over the handshake transcript plus this exchange.
    pub(super) fn post_handshake_auth(
        &mut self,
        core: &mut Core,
        cr: CertificateRequest,
        raw: &[u8],
    ) -> Result<(), Error> {
        // RFC 9846 §4.7.2 lets a server send several requests "in close
        // succession", before it has read any answer, so a few answers may
        // wait unsent in our output (a transport read brought them all, or
        // the driver reads without writing). A server that keeps asking
        // while they are unsent is a flood: each answer costs a signature
        // and queues a chain, without bound for a driver that reads
        // without writing.
        if core.unsent_answers() >= crate::conn::core::MAX_UNSENT_ANSWERS {
            return Err(PeerMisbehaved::TooMany(
                "post-handshake CertificateRequests while our answers to earlier ones are unsent",
            )
            .into());
        }
        let req = check_certificate_request(cr, true)?;
        let mut t = self
            .pha_transcript
            .as_deref()
            .cloned()
            .ok_or(Error::Internal("post-handshake auth without a transcript"))?;
        t.add(raw);
        let (chosen, cert) = self.certificate_answer(core, req)?;
        t.add(&cert);
        let mut flight = cert;
        if let Some((ck, scheme)) = chosen {
            // Tickets from here on may carry this identity.
            self.client_authenticated = true;
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
        let hash = common::negotiated_hash(core)?;
        let key = core
            .current_write_secret()
            .ok_or(Error::Internal("no application key"))?;
        let th = t.current()?;
        let vd = key_schedule::finished_verify_data(hash, key.as_ref(), th.as_ref());
        flight.extend_from_slice(&common::finished_message(vd.as_ref()));
        if !core.sent_close() {
            core.queue_answer(&flight)?;
        }
        Ok(())
    }

    pub(super) fn send_certificate_verify(
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
}

/// Checks a CertificateRequest (§4.4.2) and keeps what the certificate
/// choice needs.
pub(super) fn check_certificate_request(
    cr: CertificateRequest,
    post_handshake: bool,
) -> Result<CertReq, Error> {
    // §4.4.2: the context is empty during the handshake, and identifies
    // the request after it.
    if cr.context.is_empty() == post_handshake {
        return Err(PeerMisbehaved::IllegalParameter("CertificateRequest context").into());
    }
    // No type repeats: the parser refused that (§4.3), in n·log n.
    let mut info = CertificateRequestInfo::default();
    let mut have_schemes = false;
    let mut compression = Vec::new();
    for e in cr.extensions {
        match e {
            CertReqExtension::SignatureAlgorithms(s) => {
                info.signature_schemes = s;
                have_schemes = true;
            }
            CertReqExtension::SignatureAlgorithmsCert(s) => info.signature_schemes_cert = Some(s),
            CertReqExtension::CertificateAuthorities(names) => info.certificate_authorities = names,
            // RFC 8879 §3: what the server decompresses our Certificate with.
            CertReqExtension::Unknown(u) if u.typ == ExtensionType::COMPRESS_CERTIFICATE => {
                compression =
                    crate::msgs::compressed_certificate::read_algorithms(&u.body)?.to_vec();
            }
            // §4.3: recognised ones that belong elsewhere are illegal.
            CertReqExtension::Unknown(u)
                if common::extension_allowed_in(u.typ, ext_in::CR) == Some(false) =>
            {
                return Err(PeerMisbehaved::IllegalParameter(
                    "extension not allowed in CertificateRequest",
                )
                .into());
            }
            // §4.4.2: unknown extensions are ignored.
            CertReqExtension::Unknown(_) => {}
        }
    }
    // §4.4.2: signature_algorithms MUST be present.
    if !have_schemes {
        return Err(PeerMisbehaved::MissingExtension("signature_algorithms").into());
    }
    Ok(CertReq {
        context: cr.context,
        info,
        compression,
    })
}
