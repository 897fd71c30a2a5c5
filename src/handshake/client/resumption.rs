//! PSK resumption and 0-RTT (RFC 9846 §4.3.10-§4.3.11, §4.7.1): the offer,
//! early data, and tickets.

use super::*;

impl ClientHs {
    /// 0-RTT is over without acceptance: hand the bytes back.
    pub(super) fn reject_early(&mut self, core: &mut Core) {
        self.early.offered = false;
        self.early.rejected = true;
        core.negotiated.early_data_accepted = false;
        // RFC 9846 §7.5: the early exporter belongs to 0-RTT that happened;
        // refused, its keys would match nothing on the server.
        core.early_exporter_secret = None;
        core.push_event(Event::EarlyDataRejected(mem::take(&mut self.early.sent)));
    }

    /// Whether refused 0-RTT data may be sent again without asking the
    /// application: RFC 9846 §4.3.10, "A TLS implementation MUST NOT
    /// automatically resend early data unless the negotiated connection
    /// selects the same ALPN protocol" (the one of the ticket the data was
    /// written for: a different protocol may need different messages).
    /// Decided once the handshake is complete, when the ALPN is final.
    pub fn may_resend_early(&self, core: &Core) -> bool {
        self.early.rejected && core.is_connected() && core.negotiated.alpn == self.early.alpn
    }

    /// Seals 0-RTT data while the early key is in use; returns how much
    /// was taken (bounded by the ticket's max_early_data_size).
    pub fn send_early_data(&mut self, core: &mut Core, data: &[u8]) -> Result<usize, Error> {
        if !self.early.offered || self.early.accepted && matches!(self.state, St::Connected) {
            return Ok(0);
        }
        let room = (self.early.max as usize).saturating_sub(self.early.sent.len());
        let n = room.min(data.len());
        let Some(chunk) = data.get(..n) else {
            return Ok(0);
        };
        if n > 0 {
            core.seal_early(chunk)?;
            self.early.sent.extend_from_slice(chunk);
        }
        Ok(n)
    }

    /// Turns a NewSessionTicket into a stored session (§4.7.1).
    pub(super) fn store_ticket(&self, core: &mut Core, t: &NewSessionTicket) -> Result<(), Error> {
        // §4.7.1: a lifetime of zero means "do not use"; over 7 days is
        // not allowed.
        if t.lifetime > 604_800 {
            return Err(PeerMisbehaved::IllegalParameter("ticket_lifetime above 7 days").into());
        }
        let Some(store) = &self.config.session_store else {
            return Ok(());
        };
        let (Some(suite), Some(rms)) = (core.negotiated.suite, &core.resumption_secret) else {
            return Ok(());
        };
        if t.lifetime == 0 || self.config.external_psk.is_some() {
            return Ok(());
        }
        let Some(params) = self.config.provider.suite(suite) else {
            return Ok(());
        };
        let psk = key_schedule::resumption_psk(params.hash, rms.as_ref(), &t.nonce);
        let max_early_data = t
            .extensions
            .iter()
            .find_map(|e| match e {
                TicketExtension::EarlyData(n) => Some(*n),
                _ => None,
            })
            .unwrap_or(0);
        // A ticket that cannot fit a ClientHello is of no use: ignored.
        if !ticket_fits(&self.config, t.ticket.len(), params.hash) {
            crate::log::debug!(
                "client: ignoring a {}-byte ticket that no ClientHello could carry",
                t.ticket.len()
            );
            return Ok(());
        }
        let session = ClientSession {
            suite,
            psk: Zeroizing::new(psk.as_ref().to_vec()),
            ticket: t.ticket.clone(),
            age_add: t.age_add,
            lifetime: t.lifetime,
            received_ms: self.config.time.now_unix_millis(),
            max_early_data,
            alpn: core.negotiated.alpn.clone(),
            peer_certificates: core.negotiated.peer_certificates.clone(),
            peer_raw_public_key: core.negotiated.peer_raw_public_key,
            client_authenticated: self.client_authenticated,
            // A resumed connection passes on its session's time: tickets
            // do not extend what one full handshake authenticated.
            authenticated_ms: self.authenticated_ms,
            origin: Some(SessionOrigin::of(&self.config)),
            quic_transport_parameters: core.quic.as_ref().and_then(|q| q.peer_params.clone()),
        };
        store.put(&self.session_key, session);
        Ok(())
    }
}

/// Whether a ticket of `len` bytes fits the pre_shared_key extension of a
/// ClientHello (RFC 9846 §4.3.11: identity<1..2^16-1> in
/// identities<7..2^16-1>, one binder, all within the extensions'
/// <8..2^16-1>) next to the rest of ours, and the whole hello within our
/// own message limit. The rest is not known exactly until the hello is
/// built (a HelloRetryRequest may change it), so the hello is checked
/// again then ([`super::hello`]); this keeps tickets that can never fit
/// out of the store.
fn ticket_fits(config: &ClientConfig, len: usize, hash: Hash) -> bool {
    // identities and binders prefixes, identity prefix, obfuscated age,
    // binder prefix and binder, extension header.
    let psk_ext = len
        .saturating_add(2 + 2 + 4 + 2 + 1 + 4)
        .saturating_add(hash.output_len());
    psk_ext <= 0xffff && psk_ext < config.limits.max_handshake_message
}

/// Whether a stored session may be offered by a connection of `config` to
/// `name`: made by the same verifier (or accepted again by this one, now),
/// for a certificate type we still accept, and with the same client
/// credentials (see [`SessionOrigin`]).
fn compatible(config: &ClientConfig, name: &ServerName<'_>, s: &ClientSession) -> bool {
    // A PSK-only configuration accepts no server certificate, so none of
    // the sessions that authenticated the server with one.
    let Some(verifier) = &config.verifier else {
        return false;
    };
    let typ = if s.peer_raw_public_key {
        CertificateType::RAW_PUBLIC_KEY
    } else {
        CertificateType::X509
    };
    if !config.server_certificate_types.contains(&typ) {
        return false;
    }
    let same_resolver = |r: &Option<Arc<dyn crate::verify::ResolvesClientCert>>| match (
        r,
        &config.client_cert_resolver,
    ) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    };
    let credentials = match &s.origin {
        Some(o) => same_resolver(&o.client_resolver),
        // Imported: no resolver can be shown to own our identity in it.
        None => !s.client_authenticated && config.client_cert_resolver.is_none(),
    };
    if !credentials {
        return false;
    }
    if s.origin
        .as_ref()
        .and_then(|o| o.verifier.as_ref())
        .is_some_and(|v| Arc::ptr_eq(v, verifier))
    {
        return true;
    }
    // Another verifier (or none known): it must accept the server's chain
    // itself, at once; a deferred answer cannot be waited for here.
    let now = config.time.now_unix();
    let decision = if s.peer_raw_public_key {
        match common::received_raw_public_key(&s.peer_certificates) {
            Ok(spki) => verifier.verify_server_raw_public_key(spki, name, now),
            Err(_) => return false,
        }
    } else {
        match s.peer_certificates.split_first() {
            Some((ee, rest)) => verifier.verify_server_cert(ee, rest, name, now),
            None => return false,
        }
    };
    matches!(decision, Decision::Ready(Ok(())))
}

/// The PSK to offer: the external one, else a fresh ticket for this name
/// whose hash one of our suites has.
pub(super) fn choose_psk(config: &ClientConfig, key: &SessionKey) -> Option<Box<PskOffer>> {
    if let Some(ext) = &config.external_psk {
        if !config.suites.iter().any(|s| s.hash.algorithm() == ext.hash) {
            return None;
        }
        return Some(Box::new(PskOffer {
            identity: ext.identity.clone(),
            // §4.3.11: 0 for external PSKs.
            obfuscated_age: 0,
            secret: Zeroizing::new(ext.secret().to_vec()),
            hash: config.provider.hash(ext.hash),
            external: true,
            session: None,
        }));
    }
    let store = config.session_store.as_ref()?;
    let now_ms = config.time.now_unix_millis();
    // Skip (and drop) stale or unusable tickets, a bounded number of them.
    for _ in 0..8 {
        let s = store.take(key)?;
        let Some(params) = config.provider.suite(s.suite) else {
            continue;
        };
        if !s.is_fresh(now_ms) || !config.suites.iter().any(|c| c.hash == params.hash) {
            continue;
        }
        if !compatible(config, &key.server_name, &s) {
            continue;
        }
        if config.external_psk.is_none() && !s.ticket.is_empty() && s.ticket.len() <= 0xffff {
            return Some(Box::new(PskOffer {
                identity: s.ticket.clone(),
                obfuscated_age: s.obfuscated_age(now_ms),
                secret: s.psk.clone(),
                hash: params.hash,
                external: false,
                session: Some(s),
            }));
        }
    }
    None
}

/// §4.7.1: unknown NewSessionTicket extensions are ignored; §4.3: known
/// ones that belong to other messages are illegal.
pub(super) fn check_ticket_extensions(t: &NewSessionTicket) -> Result<(), Error> {
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
