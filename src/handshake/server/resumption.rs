//! PSK resumption and 0-RTT on the server (RFC 8446 §4.2.10-§4.2.11, §4.6.1):
//! choosing a PSK, early data, and issuing tickets.

use super::*;
use crate::resumption::AntiReplay;

impl ServerHs {
    /// NewSessionTicket(s) after the client's Finished (§4.6.1).
    pub(super) fn send_tickets(
        &self,
        core: &mut Core,
        f: &AwaitFin,
        resumption: &Output,
    ) -> Result<(), Error> {
        let cfg = &self.config;
        let Some(producer) = &cfg.ticket_producer else {
            return Ok(());
        };
        // RFC 9846 §4.7.1: "If the client's hello contained a suitable
        // "psk_key_exchange_modes" extension, the server MAY send a
        // NewSessionTicket": without one, none.
        if !self.client_psk_modes {
            return Ok(());
        }
        let now = cfg.time.now_unix();
        let now_ms = cfg.time.now_unix_millis();
        // Every ticket is encoded into one buffer and queued at once.
        let mut out = Vec::new();
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
                // Both as negotiated in our flight, never changed after.
                alpn: core.negotiated.alpn.as_deref(),
                server_name: core.negotiated.server_name.as_deref(),
                now_ms,
                max_early_data: cfg.max_early_data_size,
                // The client identity this ticket resumes: the one the
                // handshake verified (or the resumed session's, checked
                // again against this config).
                peer_certificates: &core.negotiated.peer_certificates,
                peer_raw_public_key: core.negotiated.peer_raw_public_key,
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
            // Header, lifetime, age_add, the two length prefixes and an
            // early_data extension besides the nonce and the ticket.
            out.reserve(nonce.len().saturating_add(ticket.len()).saturating_add(32));
            HandshakeMessage::NewSessionTicket(NewSessionTicket {
                lifetime: cfg.ticket_lifetime,
                age_add,
                nonce,
                ticket,
                extensions,
            })
            .encode(&mut out);
        }
        if !out.is_empty() {
            core.queue_handshake(&out);
        }
        Ok(())
    }

    /// Finds the first offered PSK we know and verifies its binder
    /// (§4.2.11). Unknown, foreign or expired tickets are skipped (full
    /// handshake); a wrong binder on the chosen one is `decrypt_error`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn choose_psk(
        &mut self,
        offer: &OfferedPsks,
        modes: &[PskKeyExchangeMode],
        raw: &[u8],
        preferred: SuiteParams,
        client_suites: &[CipherSuite],
        retry_suite: Option<CipherSuite>,
        have_share: bool,
        sni: Option<&str>,
    ) -> Result<Lookup, Error> {
        let cfg = self.config.clone();
        // §4.2.9: psk_dhe_ke needs a key share; psk_ke needs none, and is
        // taken only when the config allows it (no forward secrecy).
        let dhe = modes.contains(&PskKeyExchangeMode::PSK_DHE_KE) && have_share;
        let ke = cfg.allow_psk_ke && modes.contains(&PskKeyExchangeMode::PSK_KE);
        if !dhe && !ke {
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
            // Only now that the binder proves the client holds the
            // session's secret: the client identity the session carries
            // must pass this config's policy, as in a full handshake. Asked
            // before, a ClientHello replayed with a forged binder (ticket
            // identities travel in clear) would run the verifier, or hand
            // the application a request, for a peer that proved nothing.
            let mut session = session;
            if let Some(s) = session.as_mut() {
                match self.client_identity_allowed(&id.identity, s) {
                    Decision::Ready(true) => {}
                    Decision::Ready(false) => continue,
                    Decision::Deferred => {
                        return Ok(Lookup::DeferredVerify(
                            id.identity.clone(),
                            ClientVerifyRequest {
                                chain: s.peer_certificates.clone(),
                                certificate_type: if s.peer_raw_public_key {
                                    CertificateType::RAW_PUBLIC_KEY
                                } else {
                                    CertificateType::X509
                                },
                                now: cfg.time.now_unix(),
                            },
                        ));
                    }
                }
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
                external_identity: external.then(|| id.identity.clone()),
            })));
        }
        Ok(Lookup::NotFound)
    }

    /// A ticket's session: an answer already given, else the producer's
    /// (kept until the hello is settled, so that processing the hello
    /// again after a deferred decision does not redeem a single-use
    /// ticket twice).
    pub(super) fn redeem(&mut self, identity: &[u8]) -> Decision<Option<ServerSession>> {
        if let Some((_, s)) = self.redeemed.iter().find(|(i, _)| i == identity) {
            return Decision::Ready(s.clone());
        }
        let answer = match &self.config.ticket_producer {
            Some(p) => p.redeem_or_defer(identity),
            None => Decision::Ready(None),
        };
        if let Decision::Ready(s) = &answer {
            self.redeemed.push((identity.to_vec(), s.clone()));
        }
        answer
    }

    /// Whether this config lets the session's client identity resume, as
    /// it would in a full handshake (the ticket may come from a config
    /// with another policy that shares the ticket producer, or from
    /// before a reload):
    ///
    /// * no identity: not under `ClientAuth::Required` (a full handshake
    ///   then asks for a certificate);
    /// * without client authentication here: resumed, the identity
    ///   dropped (this config vouches for none);
    /// * otherwise the identity's type must be one this config accepts and
    ///   its verifier must accept the chain (or raw key) again, now. The
    ///   verifier is asked rather than the ticket bound to a verifier's
    ///   identity because no identity survives a reload or reaches other
    ///   processes, while the verifier's answer is exactly the access this
    ///   config grants; the client's possession of the key was proven when
    ///   the session was made, and the PSK stands for that proof.
    ///
    /// A refused identity means a full handshake, not an error.
    fn client_identity_allowed(&self, identity: &[u8], s: &mut ServerSession) -> Decision<bool> {
        let cfg = &self.config;
        if s.peer_certificates.is_empty() {
            return Decision::Ready(!matches!(cfg.client_auth, ClientAuth::Required(_)));
        }
        let Some(verifier) = cfg.client_auth.verifier() else {
            s.peer_certificates.clear();
            s.peer_raw_public_key = false;
            return Decision::Ready(true);
        };
        let typ = if s.peer_raw_public_key {
            CertificateType::RAW_PUBLIC_KEY
        } else {
            CertificateType::X509
        };
        if !cfg.client_certificate_types.contains(&typ) {
            return Decision::Ready(false);
        }
        if let Some((_, ok)) = self.reverified.iter().find(|(i, _)| i == identity) {
            return Decision::Ready(*ok);
        }
        let now = cfg.time.now_unix();
        let decision = if s.peer_raw_public_key {
            match common::received_raw_public_key(&s.peer_certificates) {
                Ok(spki) => verifier.verify_client_raw_public_key(spki, now),
                Err(_) => return Decision::Ready(false),
            }
        } else {
            match s.peer_certificates.split_first() {
                Some((ee, rest)) => verifier.verify_client_cert(ee, rest, now),
                None => return Decision::Ready(false),
            }
        };
        match decision {
            Decision::Ready(r) => Decision::Ready(r.is_ok()),
            Decision::Deferred => Decision::Deferred,
        }
    }

    /// Whether 0-RTT under this PSK is acceptable (§4.2.10, §8).
    pub(super) fn accept_early(&self, p: &PskChoice, alpn: Option<&[u8]>) -> bool {
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
        // RFC 9846 §8: anti-replay belongs to the ticket producer, shared
        // by every server that redeems its tickets; without any, no 0-RTT.
        let Some(producer) = &cfg.ticket_producer else {
            return false;
        };
        let ours = u64::from(cfg.early_data_window_ms);
        let (window, register) = match producer.anti_replay() {
            AntiReplay::None => return false,
            AntiReplay::SingleUse => (ours, None),
            AntiReplay::Register(r) => (ours.min(r.window_ms()), Some(r)),
        };
        // §8.3: the client's view of the ticket age must match ours within
        // the window, or this may be a replay of an old ClientHello.
        let now_ms = cfg.time.now_unix_millis();
        let client_age = u64::from(p.obfuscated_age.wrapping_sub(s.age_add));
        let server_age = now_ms.saturating_sub(s.issued_ms);
        if client_age.abs_diff(server_age) > window {
            return false;
        }
        match register {
            // The last moment this ClientHello passes the check above on
            // any server sharing the register (whose window is at most the
            // register's): until then a replay must find it recorded, even
            // when the client's age ran ahead of ours.
            Some(r) => {
                let until = s
                    .issued_ms
                    .saturating_add(client_age)
                    .saturating_add(r.window_ms());
                r.check_and_insert(&p.binder, now_ms, until)
            }
            None => true,
        }
    }
}

/// How much refused early data a server skips (RFC 9846 §4.3.10: "up to
/// the configured max_early_data_size"), raised to what our own ticket
/// allowed the client when the PSK is one (`promised`): the client may
/// send that much. Each skipped record is charged what it can carry
/// ([`crate::conn::core`] counts the ciphertext less the AEAD overhead).
pub(super) fn early_skip_budget(cfg: &ServerConfig, promised: Option<u32>) -> usize {
    cfg.max_early_data_size.max(promised.unwrap_or(0)) as usize
}
