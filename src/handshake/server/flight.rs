//! Our flight once the certificate is chosen: ServerHello, EncryptedExtensions,
//! [CertificateRequest], Certificate, CertificateVerify, Finished (RFC 9846 §4.2.3-§4.5.3).

use super::*;
use crate::crypto::{Prefetched, SecureRandom};

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

        // Random draws: ServerHello.random, then the key exchange, fetched
        // from the source in one call when the group says how many it takes.
        let rng = cfg.rng.as_ref();
        let kx = match chosen.group {
            Some(g) => Some((
                g,
                cfg.provider
                    .group(g)
                    .ok_or(Error::Internal("negotiated a group the provider lacks"))?,
            )),
            None => None,
        };
        let ahead = Prefetched::new(
            rng,
            &[
                Some(32),
                kx.map_or(Some(0), |(_, kx)| kx.exchange_random_len()),
            ],
        )?;
        let mut random = [0u8; 32];
        ahead.fill(&mut random)?;
        if self.ech_accepted() {
            // RFC 9849 §7.2: built with the last 8 bytes zero, then
            // overwritten with accept_confirmation (below).
            if let Some(tail) = random.get_mut(32 - crate::handshake::ech::CONFIRMATION_LEN..) {
                tail.fill(0);
            }
        }
        let exchanged = match kx {
            Some((g, kx)) => Some((g, kx.server_exchange(&chosen.client_share, &ahead)?)),
            None => None,
        };
        drop(ahead);

        let (share, shared) = match exchanged {
            Some((group, (share, secret))) => (Some((group, share)), Some(secret)),
            None => (None, None),
        };
        // The flight is built in one buffer, sized for it up front: the
        // ServerHello (sent in the clear), then EncryptedExtensions to
        // Finished in the same allocation; the connection's output
        // buffers are sized for it once too.
        let chain_len = ck.as_ref().map_or(0, |ck| {
            ck.chain
                .iter()
                .fold(0usize, |n, c| n.saturating_add(c.len()).saturating_add(5))
                .saturating_add(ck.ocsp_response.as_ref().map_or(0, Vec::len))
                .saturating_add(
                    ck.scts
                        .iter()
                        .fold(0usize, |n, s| n.saturating_add(s.len()).saturating_add(2)),
                )
        });
        let flight_len = FLIGHT_OVERHEAD
            .saturating_add(chain_len)
            .saturating_add(share.as_ref().map_or(0, |(_, s)| s.len()));
        let mut out = Vec::with_capacity(flight_len);
        core.reserve_flight(flight_len);
        encode_server_hello(
            &mut out,
            &random,
            &chosen.session_id,
            suite.suite,
            chosen.psk.as_ref().map(|p| p.index),
            share.as_ref().map(|(g, s)| (*g, s.as_slice())),
        );
        // `self.transcript` holds the inner handshake so far (§7.2).
        self.confirm_server_hello(suite.hash, &mut out)?;
        self.transcript.add(&out);
        core.queue_handshake(&out);
        core.flush_handshake()?;
        out.clear();
        if !chosen.session_id.is_empty() && !self.sent_ccs {
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

        // RFC 8449: honour the client's limit on every protected record,
        // and announce ours (only to a client that sent one).
        let our_limit = match chosen.client_limit {
            Some(client_limit) => {
                core.set_peer_record_limit(client_limit);
                cfg.record_size_limit
            }
            None => None,
        };
        if let Some(ours) = our_limit {
            core.set_recv_record_limit(ours);
        }
        let types = chosen.types;
        // RFC 9849 §7.1, §7.1.1: ECH rejected, with keys configured.
        let retry_configs = self.take_retry_configs();
        // A PSK handshake has no certificates, so no certificate types.
        let with_cert = ck.is_some();
        let ee = OurExtensions {
            record_size_limit: our_limit,
            server_name_ack: sni_ack,
            alpn: chosen.alpn.as_deref(),
            server_cert_type: Some(types.server).filter(|_| with_cert && types.server_echo),
            // RFC 7250 §4.2: only together with a CertificateRequest.
            client_cert_type: types.client.filter(|_| with_cert && types.client_echo),
            // RFC 9001 §8.2: our transport parameters, as given.
            quic_transport_parameters: core.quic.as_ref().map(|q| q.local_params.as_slice()),
            early_data: chosen.early.is_some(),
            ech_retry_configs: retry_configs.as_deref(),
        };
        let mut queued = out;
        let start = queued.len();
        ee.encode(&mut queued);
        if let Some(hook) = &cfg.encrypted_extensions_hook {
            // The hook edits a list: ours, read back, is encoded again.
            let mut list = match queued
                .get(start..)
                .map(|m| HandshakeMessage::read_exact(m, "EE"))
            {
                Some(Ok(HandshakeMessage::EncryptedExtensions(list))) => list,
                _ => return Err(Error::Internal("our EncryptedExtensions do not read back")),
            };
            hook(&mut list);
            queued.truncate(start);
            HandshakeMessage::EncryptedExtensions(list).encode(&mut queued);
        }
        self.transcript.add(queued.get(start..).unwrap_or_default());

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
                extensions.extend(super::compress_certificate_extension(&cfg));
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
        // RFC 9846 §4.5.1.1: the stapled OCSP response and SCTs the client
        // asked for go in the end entity's entry (X.509 only).
        let leaf_extensions = match types.server {
            CertificateType::X509 => status_extensions(&ck, chosen.status)?,
            _ => Vec::new(),
        };
        let start = flight.queued.len();
        if leaf_extensions.is_empty() {
            common::encode_our_certificate(
                &mut flight.queued,
                &[],
                &ck.chain,
                types.server == CertificateType::RAW_PUBLIC_KEY,
            )?;
        } else {
            crate::msgs::handshake::encode_certificate_with_leaf_extensions(
                &mut flight.queued,
                &[],
                ck.chain.iter().map(Vec::as_slice),
                &leaf_extensions,
            );
        }
        // RFC 8879 §4: compressed (staple included) when the client offered
        // one of ours; the transcript takes the message as sent.
        crate::handshake::compress::compress_tail(
            core,
            self.cert_compression,
            &mut flight.queued,
            start,
            Some(ck.compressed_forms()),
        )?;
        self.transcript
            .add(flight.queued.get(start..).unwrap_or_default());

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

/// The end entity's CertificateEntry extensions (RFC 9846 §4.5.1.1):
/// the OCSP response and the SCTs the certificate has, each only if the
/// client asked for it. Their sizes were bounded when configured
/// (`CertifiedKey::with_ocsp_response`, `with_scts`), and are checked
/// again here: a resolver may have set the public fields directly, and
/// what does not fit must fail here rather than go out malformed.
fn status_extensions(ck: &CertifiedKey, asked: StatusAsked) -> Result<Vec<u8>, Error> {
    use crate::codec::{LengthPrefix::*, put_vec};
    use crate::msgs::extensions::{put_extension, with_prefix};
    let ocsp = ck.ocsp_response.as_deref().filter(|_| asked.ocsp);
    let scts = if asked.sct { ck.scts.as_slice() } else { &[] };
    crate::verify::leaf_status_fits(ocsp, scts)?;
    let mut out = Vec::new();
    if let Some(response) = ocsp {
        // RFC 6066 §8: CertificateStatus { status_type ocsp(1);
        // opaque OCSPResponse<1..2^24-1> }.
        put_extension(&mut out, ExtensionType::STATUS_REQUEST, |out| {
            out.push(1);
            put_vec(out, U24, response);
        });
    }
    if !scts.is_empty() {
        // RFC 6962 §3.3: SerializedSCT sct_list<1..2^16-1>, each
        // opaque SerializedSCT<1..2^16-1>.
        put_extension(
            &mut out,
            ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
            |out| {
                with_prefix(out, U16, |out| {
                    for sct in scts {
                        put_vec(out, U16, sct);
                    }
                });
            },
        );
    }
    Ok(out)
}

/// Appends our ServerHello (§4.2.3): the bytes of the [`ServerHello`]
/// with these fields and, in RFC 8448's order, pre_shared_key (the
/// selected identity), key_share and supported_versions, without
/// building one.
fn encode_server_hello(
    out: &mut Vec<u8>,
    random: &[u8; 32],
    session_id: &[u8],
    suite: CipherSuite,
    psk: Option<u16>,
    share: Option<(NamedGroup, &[u8])>,
) {
    use crate::codec::{LengthPrefix::*, put_vec};
    use crate::msgs::extensions::{put_extension, with_prefix};
    HandshakeType::SERVER_HELLO.encode(out);
    with_prefix(out, U24, |out| {
        ProtocolVersion::TLS1_2.encode(out);
        out.extend_from_slice(random);
        put_vec(out, U8, session_id);
        suite.encode(out);
        // legacy_compression_method
        out.push(0);
        with_prefix(out, U16, |out| {
            if let Some(index) = psk {
                put_extension(out, ExtensionType::PRE_SHARED_KEY, |out| index.encode(out));
            }
            if let Some((group, payload)) = share {
                put_extension(out, ExtensionType::KEY_SHARE, |out| {
                    group.encode(out);
                    put_vec(out, U16, payload);
                });
            }
            put_extension(out, ExtensionType::SUPPORTED_VERSIONS, |out| {
                ProtocolVersion::TLS1_3.encode(out);
            });
        });
    });
}

/// Our EncryptedExtensions (§4.4.1), each present only when it answers
/// something the client sent.
struct OurExtensions<'a> {
    /// RFC 8449: ours, to a client that sent its own.
    record_size_limit: Option<u16>,
    /// RFC 6066 §3: the server name was used.
    server_name_ack: bool,
    /// RFC 7301: the selected protocol.
    alpn: Option<&'a [u8]>,
    /// RFC 7250, echoed to a client that offered types.
    server_cert_type: Option<CertificateType>,
    client_cert_type: Option<CertificateType>,
    /// RFC 9001 §8.2: QUIC's transport parameters, over QUIC only.
    quic_transport_parameters: Option<&'a [u8]>,
    /// §4.3.10: 0-RTT accepted.
    early_data: bool,
    /// RFC 9849 §7.1: ECH rejected; the `ECHEncryptedExtensions` body
    /// (`retry_configs`), at most 65535 bytes.
    ech_retry_configs: Option<&'a [u8]>,
}

impl OurExtensions<'_> {
    /// Appends the message: the bytes of
    /// `HandshakeMessage::EncryptedExtensions` of the same list, in this
    /// order, without building it.
    fn encode(&self, out: &mut Vec<u8>) {
        use crate::codec::{LengthPrefix::*, put_vec};
        use crate::msgs::extensions::{put_extension, with_prefix};
        use ExtensionType as T;
        HandshakeType::ENCRYPTED_EXTENSIONS.encode(out);
        with_prefix(out, U24, |out| {
            with_prefix(out, U16, |out| {
                if let Some(limit) = self.record_size_limit {
                    put_extension(out, T::RECORD_SIZE_LIMIT, |out| limit.encode(out));
                }
                if self.server_name_ack {
                    put_extension(out, T::SERVER_NAME, |_| {});
                }
                if let Some(protocol) = self.alpn {
                    put_extension(out, T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION, |out| {
                        with_prefix(out, U16, |out| put_vec(out, U8, protocol));
                    });
                }
                if let Some(t) = self.server_cert_type {
                    put_extension(out, T::SERVER_CERTIFICATE_TYPE, |out| t.encode(out));
                }
                if let Some(t) = self.client_cert_type {
                    put_extension(out, T::CLIENT_CERTIFICATE_TYPE, |out| t.encode(out));
                }
                if let Some(params) = self.quic_transport_parameters {
                    put_extension(out, T::QUIC_TRANSPORT_PARAMETERS, |out| {
                        out.extend_from_slice(params)
                    });
                }
                if self.early_data {
                    put_extension(out, T::EARLY_DATA, |_| {});
                }
                if let Some(body) = self.ech_retry_configs {
                    put_extension(out, T::ENCRYPTED_CLIENT_HELLO, |out| {
                        out.extend_from_slice(body)
                    });
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written encodings are those of the message values.
    #[test]
    fn server_hello_and_encrypted_extensions_encode_as_the_messages() {
        let random = [3u8; 32];
        let share = [4u8; 65];
        for (session_id, psk, with_share) in [
            (&[][..], None, true),
            (&[9u8; 32][..], Some(0u16), true),
            (&[][..], Some(1), false),
        ] {
            let mut ours = Vec::new();
            let share = with_share.then_some((NamedGroup::SECP256R1, &share[..]));
            encode_server_hello(
                &mut ours,
                &random,
                session_id,
                CipherSuite::TLS_AES_128_GCM_SHA256,
                psk,
                share,
            );
            let mut extensions = Vec::new();
            extensions.extend(psk.map(ServerExtension::PreSharedKey));
            extensions.extend(share.map(|(group, p)| {
                ServerExtension::KeyShare(KeyShareEntry {
                    group,
                    payload: p.to_vec(),
                })
            }));
            extensions.push(ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3));
            let sh = HandshakeMessage::ServerHello(ServerHello {
                legacy_version: ProtocolVersion::TLS1_2,
                random,
                legacy_session_id_echo: session_id.to_vec(),
                cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
                legacy_compression_method: 0,
                extensions,
            });
            assert_eq!(ours, sh.to_bytes());
        }

        for full in [false, true] {
            let ee = OurExtensions {
                record_size_limit: full.then_some(4096),
                server_name_ack: full,
                alpn: full.then_some(&b"h2"[..]),
                server_cert_type: full.then_some(CertificateType::RAW_PUBLIC_KEY),
                client_cert_type: full.then_some(CertificateType::X509),
                quic_transport_parameters: full.then_some(&[1u8, 2, 3][..]),
                early_data: full,
                ech_retry_configs: full.then_some(&[0u8, 1, 2][..]),
            };
            let mut ours = Vec::new();
            ee.encode(&mut ours);
            let list = if full {
                vec![
                    ServerExtension::RecordSizeLimit(4096),
                    ServerExtension::ServerNameAck,
                    ServerExtension::Alpn(vec![b"h2".to_vec()]),
                    ServerExtension::ServerCertificateType(CertificateType::RAW_PUBLIC_KEY),
                    ServerExtension::ClientCertificateType(CertificateType::X509),
                    ServerExtension::Unknown(UnknownExtension {
                        typ: ExtensionType::QUIC_TRANSPORT_PARAMETERS,
                        body: vec![1, 2, 3],
                    }),
                    ServerExtension::EarlyData,
                    ServerExtension::Unknown(UnknownExtension {
                        typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
                        body: vec![0, 1, 2],
                    }),
                ]
            } else {
                Vec::new()
            };
            assert_eq!(ours, HandshakeMessage::EncryptedExtensions(list).to_bytes());
        }
    }
}
