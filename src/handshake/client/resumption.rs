//! PSK resumption and 0-RTT (RFC 8446 §4.2.10-§4.2.11, §4.6.1): the offer,
//! early data, and tickets.

use super::*;

impl ClientHs {
    /// 0-RTT is over without acceptance: hand the bytes back.
    pub(super) fn reject_early(&mut self, core: &mut Core) {
        self.early.offered = false;
        core.negotiated.early_data_accepted = false;
        core.push_event(Event::EarlyDataRejected(mem::take(&mut self.early.sent)));
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

    /// Turns a NewSessionTicket into a stored session (§4.6.1).
    pub(super) fn store_ticket(&self, core: &mut Core, t: &NewSessionTicket) -> Result<(), Error> {
        // §4.6.1: a lifetime of zero means "do not use"; over 7 days is
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
        let Some(params) = suites::lookup(suite) else {
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
        };
        store.put(&session_key(&self.server_name), session);
        Ok(())
    }
}

/// The session-store key of a server name.
pub(super) fn session_key<'a>(name: &'a ServerName<'_>) -> alloc::borrow::Cow<'a, str> {
    match (server_name_dns(name), server_name_ip(name)) {
        (Some(d), _) => alloc::borrow::Cow::Borrowed(d),
        (None, Some(ip)) => alloc::borrow::Cow::Owned(alloc::format!("{ip}")),
        // Not made by IntoServerName: no other kind gets this far.
        (None, None) => alloc::borrow::Cow::Borrowed(""),
    }
}

/// The PSK to offer: the external one, else a fresh ticket for this name
/// whose hash one of our suites has.
pub(super) fn choose_psk(config: &ClientConfig, name: &ServerName<'_>) -> Option<Box<PskOffer>> {
    if let Some(ext) = &config.external_psk {
        if !config.suites.iter().any(|s| s.hash == ext.hash) {
            return None;
        }
        return Some(Box::new(PskOffer {
            identity: ext.identity.clone(),
            // §4.2.11: 0 for external PSKs.
            obfuscated_age: 0,
            secret: Zeroizing::new(ext.secret().to_vec()),
            hash: ext.hash,
            external: true,
            session: None,
        }));
    }
    let store = config.session_store.as_ref()?;
    let now_ms = config.time.now_unix_millis();
    let key = session_key(name);
    // Skip (and drop) stale or unusable tickets, a bounded number of them.
    for _ in 0..8 {
        let s = store.take(&key)?;
        let Some(params) = suites::lookup(s.suite) else {
            continue;
        };
        if !s.is_fresh(now_ms) || !config.suites.iter().any(|c| c.hash == params.hash) {
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

/// §4.6.1: unknown NewSessionTicket extensions are ignored; §4.2: known
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
