//! PSK resumption and 0-RTT on the server (RFC 9846 §4.3.10-§4.3.11, §4.7.1):
//! choosing a PSK, early data, and issuing tickets.

use super::*;
use crate::resumption::{AntiReplay, MAX_AUTHENTICATION_AGE_MS, authentication_fresh};

impl ServerHs {
    /// NewSessionTicket(s) after the client's Finished (§4.7.1).
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
        // RFC 9001 §4.6.1: over QUIC the early_data extension of a ticket
        // holds the sentinel 0xffffffff (QUIC 0-RTT is sized by transport
        // parameters); the ticket records the same value, which is what
        // lets it start QUIC 0-RTT (`accept_early`).
        let max_early_data = match cfg.max_early_data_size {
            0 => 0,
            _ if core.is_quic() => crate::handshake::client::QUIC_EARLY_DATA,
            n => n,
        };
        // RFC 9001 §4.6.3: a QUIC ticket that allows 0-RTT keeps what
        // 0-RTT under it assumes.
        let quic_context = core
            .quic
            .as_ref()
            .filter(|_| max_early_data > 0)
            .map(|q| q.early_context_digest(self.sha256()));
        // RFC 9846 §4.7.1: a ticket lives no longer than the authentication
        // it carries (tickets of resumed connections pass on their
        // session's); none once that is over.
        let left_s = if authentication_fresh(self.authenticated_ms, now_ms) {
            (self
                .authenticated_ms
                .saturating_add(MAX_AUTHENTICATION_AGE_MS)
                .saturating_sub(now_ms)
                / 1000)
                .min(u64::from(u32::MAX)) as u32
        } else {
            0
        };
        let lifetime = cfg.ticket_lifetime.min(left_s);
        if lifetime == 0 {
            return Ok(());
        }
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
                lifetime,
                now,
                // Both as negotiated in our flight, never changed after.
                alpn: core.negotiated.alpn.as_deref(),
                server_name: core.negotiated.server_name.as_deref(),
                now_ms,
                max_early_data,
                // The client identity this ticket resumes: the one the
                // handshake verified (or the resumed session's, checked
                // again against this config).
                peer_certificates: &core.negotiated.peer_certificates,
                peer_raw_public_key: core.negotiated.peer_raw_public_key,
                // The external PSK behind this connection, whose identity
                // a resumption must still find configured.
                psk_identity: core.negotiated.psk_identity.as_deref(),
                authenticated_ms: self.authenticated_ms,
                psk_fingerprint: self
                    .psk_fingerprint
                    .as_deref()
                    .filter(|_| core.negotiated.psk_identity.is_some()),
                quic_early_data_context: quic_context.as_ref().map(|c| c.as_ref()),
            };
            let Some(ticket) = producer.produce(&info) else {
                continue;
            };
            if ticket.is_empty() || ticket.len() > 0xffff {
                return Err(Error::BadConfig("tickets must be 1..=65535 bytes".into()));
            }
            let mut extensions = Vec::new();
            if max_early_data > 0 {
                extensions.push(TicketExtension::EarlyData(max_early_data));
            }
            // Header, lifetime, age_add, the two length prefixes and an
            // early_data extension besides the nonce and the ticket.
            out.reserve(nonce.len().saturating_add(ticket.len()).saturating_add(32));
            HandshakeMessage::NewSessionTicket(NewSessionTicket {
                lifetime,
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

    /// Selects the first offered PSK we know and can use, and verifies its
    /// binder (§4.3.11). Unknown, foreign, expired or otherwise unusable
    /// tickets are skipped; a wrong binder on the selected one is
    /// `decrypt_error`. RFC 9846 §4.3.11: one PSK is selected and only its
    /// binder validated; what its session says about the client is checked
    /// only then, so that neither a ticket copied off the wire (without
    /// its PSK) nor one hello repeating tickets makes the server verify
    /// more than one client chain. A selected session whose client
    /// identity this config refuses means a full handshake.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn choose_psk(
        &mut self,
        offer: OfferedPsksRef<'_>,
        modes: hello::PskModes<'_>,
        raw: &[u8],
        preferred: SuiteParams,
        client_suites: CodeList<'_, CipherSuite>,
        retry_suite: Option<CipherSuite>,
        have_share: bool,
        sni: Option<&str>,
    ) -> Result<Lookup, Error> {
        let cfg = self.config.clone();
        // §4.3.9: psk_dhe_ke needs a key share; psk_ke needs none, and is
        // taken only when the config allows it (no forward secrecy).
        let dhe = modes.contains(PskKeyExchangeMode::PSK_DHE_KE) && have_share;
        let ke = cfg.allow_psk_ke && modes.contains(PskKeyExchangeMode::PSK_KE);
        if !dhe && !ke {
            return Ok(Lookup::NotFound);
        }
        // §4.3.11.2: the ClientHello as received, up to the binders list
        // (pre_shared_key is last, so the binders end the message).
        let trunc = raw
            .len()
            .checked_sub(offer.binders_encoded_len())
            .and_then(|n| raw.get(..n))
            .ok_or(InvalidMessage::InvalidValue("pre_shared_key"))?;
        let now_ms = cfg.time.now_unix_millis();
        for (i, (id, binder)) in offer
            .identities()
            .zip(offer.binders())
            .enumerate()
            .take(MAX_PSK_TRIES)
        {
            let (secret, hash, external_psk, mut session) =
                if let Some(e) = cfg.external_psks.iter().find(|e| e.identity == id.identity) {
                    (
                        Zeroizing::new(e.secret().to_vec()),
                        cfg.provider.hash(e.hash),
                        Some(e),
                        None,
                    )
                } else if let Some(s) = match self.redeem(id.identity) {
                    Decision::Ready(s) => s,
                    Decision::Deferred => return Ok(Lookup::Deferred(id.identity.to_vec())),
                } {
                    if !self.session_usable(&s, now_ms, sni) {
                        continue;
                    }
                    let Some(params) = cfg.provider.suite(s.suite) else {
                        continue;
                    };
                    (s.psk.clone(), params.hash, None, Some(s))
                } else {
                    continue;
                };
            let external = external_psk.is_some();
            // §4.3.11: any suite with the PSK's hash will do.
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
            // Selected: its binder, and no other, is validated.
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
            // Refused: a full handshake (no other PSK is tried, so one
            // hello costs at most one identity check).
            if let Some(s) = &mut session {
                match self.client_identity_allowed(id.identity, s) {
                    Decision::Ready(true) => {}
                    Decision::Ready(false) => return Ok(Lookup::NotFound),
                    Decision::Deferred => {
                        return Ok(Lookup::DeferredVerify(
                            id.identity.to_vec(),
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
                obfuscated_age: id.obfuscated_ticket_age,
                binder: binder.to_vec(),
                external_identity: external.then(|| id.identity.to_vec()),
                // The PSK that authenticated the client, for the tickets
                // of this connection: this one, or the session's.
                psk_fingerprint: match (external_psk, &session) {
                    (Some(e), _) => Some(e.fingerprint().as_ref().to_vec()),
                    (None, Some(s)) => s.psk_fingerprint.clone(),
                    (None, None) => None,
                },
                session,
            })));
        }
        Ok(Lookup::NotFound)
    }

    /// The checks on a redeemed session that cost little (made before its
    /// binder): within its lifetime (§4.7.1, never beyond 7 days) and the
    /// lifetime of the authentication it carries
    /// ([`MAX_AUTHENTICATION_AGE_MS`]), for the name it was issued for
    /// (§4.3.11), and authenticated as this config still grants:
    ///
    /// * a session an external PSK authenticated, only while this config
    ///   holds that PSK, the same identity and secret (removing or
    ///   re-keying the PSK revokes its tickets too; one key derivation,
    ///   for the PSK of that identity only);
    /// * on a PSK-only config (no certificate), only such a session: its
    ///   clients are those that hold one of its PSKs, and a ticket from a
    ///   certificate server sharing the ticket keys proves no such thing.
    fn session_usable(&self, s: &ServerSession, now_ms: u64, sni: Option<&str>) -> bool {
        let cfg = &self.config;
        let life_ms = u64::from(s.lifetime.min(604_800)).saturating_mul(1000);
        if now_ms >= s.issued_ms.saturating_add(life_ms)
            || now_ms < s.issued_ms
            || !authentication_fresh(s.authenticated_ms, now_ms)
        {
            return false;
        }
        if s.server_name.as_deref() != sni {
            return false;
        }
        match &s.psk_identity {
            // That very PSK: its identity and secret (a re-keyed identity
            // is another PSK, whose holder the session does not prove).
            Some(identity) => cfg
                .external_psks
                .iter()
                .any(|e| e.authenticated(identity, s.psk_fingerprint.as_deref())),
            None => cfg.cert_resolver.is_some(),
        }
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
    /// * no certificate: not under `ClientAuth::Required` (a full handshake
    ///   then asks for a certificate), unless an external PSK this config
    ///   holds authenticated the session (as it would a full handshake);
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
            // An external PSK this config holds authenticated it (checked
            // in `session_usable`), as it would a full handshake.
            return Decision::Ready(
                s.psk_identity.is_some() || !matches!(cfg.client_auth, ClientAuth::Required(_)),
            );
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

    /// Whether 0-RTT under this PSK is acceptable (§4.3.10, §8).
    /// Over QUIC, `quic_context` is the digest of what 0-RTT would assume
    /// now (`QuicCore::early_context_digest`).
    pub(super) fn accept_early(
        &self,
        p: &PskChoice,
        alpn: Option<&[u8]>,
        quic_context: Option<&[u8]>,
    ) -> bool {
        let cfg = &self.config;
        let Some(s) = &p.session else {
            return false;
        };
        // RFC 9846 §4.7.1: the ticket told the client how much it may send;
        // a config that now takes less cannot accept that much (an honest
        // client would fail), so it refuses and skips up to the promise.
        // Over QUIC only a ticket issued over QUIC (its sentinel, RFC 9001
        // §4.6.1) whose transport parameters and early data context are
        // those of now (§4.6.3, RFC 9000 §7.4.1: limits never shrink under
        // accepted 0-RTT) starts 0-RTT.
        let promise_kept = if let Some(context) = quic_context {
            s.max_early_data == crate::handshake::client::QUIC_EARLY_DATA
                && s.quic_early_data_context.as_deref() == Some(context)
        } else {
            // A QUIC ticket's sentinel is no TCP promise (it would pass
            // here with a configuration of u32::MAX bytes).
            s.max_early_data != 0
                && s.max_early_data <= cfg.max_early_data_size
                && s.quic_early_data_context.is_none()
        };
        if p.index != 0
            || cfg.max_early_data_size == 0
            || !promise_kept
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
