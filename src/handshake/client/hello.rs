//! Building the ClientHello (RFC 9846 §4.2.2) and answering a
//! HelloRetryRequest (§4.2.4).

use super::*;

impl ClientHs {
    /// Queues a ClientHello; returns whether it offers 0-RTT (`early`,
    /// unless its PSK had to be left out).
    pub(super) fn send_hello(
        &mut self,
        core: &mut Core,
        shares: &[KeyExchange],
        cookie: Option<&[u8]>,
        early: bool,
    ) -> Result<bool, Error> {
        let c = &self.config;
        // Room for every extension we may send: one allocation.
        let mut exts = Vec::with_capacity(16);
        if let Some(name) = server_name_dns(&self.session_key.server_name) {
            exts.push(ClientExtension::ServerName(vec![(
                ServerNameType::HOST_NAME,
                name.as_bytes().to_vec(),
            )]));
        }
        exts.push(ClientExtension::SupportedGroups(c.groups.clone()));
        exts.push(ClientExtension::SignatureAlgorithms(
            c.signature_schemes.clone(),
        ));
        if let Some(limit) = c.record_size_limit {
            exts.push(ClientExtension::RecordSizeLimit(limit));
        }
        if !c.alpn_protocols.is_empty() {
            exts.push(ClientExtension::Alpn(c.alpn_protocols.clone()));
        }
        // RFC 7250 §4.1: only X.509 is the same as not sending them.
        if c.client_certificate_types != [CertificateType::X509] {
            exts.push(ClientExtension::ClientCertificateType(
                c.client_certificate_types.clone(),
            ));
        }
        if c.server_certificate_types != [CertificateType::X509] {
            exts.push(ClientExtension::ServerCertificateType(
                c.server_certificate_types.clone(),
            ));
        }
        exts.push(ClientExtension::SupportedVersions(vec![
            ProtocolVersion::TLS1_3,
        ]));
        exts.push(ClientExtension::KeyShare(
            shares
                .iter()
                .map(|k| KeyShareEntry {
                    group: k.group(),
                    payload: k.public_key().to_vec(),
                })
                .collect(),
        ));
        exts.push(ClientExtension::PskKeyExchangeModes(c.psk_modes.clone()));
        if let Some(cookie) = cookie {
            exts.push(ClientExtension::Cookie(cookie.to_vec()));
        }
        if c.client_cert_resolver.is_some() && !core.is_quic() {
            // §4.3.6: we answer CertificateRequests after the handshake
            // through the same resolver. Not over QUIC, which forbids
            // post-handshake authentication (RFC 9001 §4.4).
            exts.push(ClientExtension::PostHandshakeAuth);
        }
        if let Some(quic) = &core.quic {
            // RFC 9001 §8.2: "Endpoints MUST send the
            // quic_transport_parameters extension"; its content is QUIC's.
            exts.push(ClientExtension::Unknown(UnknownExtension {
                typ: ExtensionType::QUIC_TRANSPORT_PARAMETERS,
                body: quic.local_params.clone(),
            }));
        }
        // RFC 9846 §4.3.11: the identity, its binder and everything else
        // must fit the extensions' 16-bit length (and the hello our own
        // limit). A ticket that does not is not offered: before anything
        // is sent that changes nothing; after a HelloRetryRequest the
        // server just sees no PSK.
        // Measured only when something large may be added (the common
        // full handshake pays nothing).
        let rest = if self.psk.is_some() || cookie.is_some() {
            encoded_len(&exts, self.session_id.len(), c.suites.len())
        } else {
            HelloLen {
                extensions: 0,
                fixed: 0,
            }
        };
        if let Some(p) = &self.psk {
            let with_psk = rest
                .extensions
                .saturating_add(p.identity.len())
                .saturating_add(2 + 2 + 4 + 2 + 1 + 4 + 4)
                .saturating_add(p.hash.output_len());
            let whole = rest.fixed.saturating_add(with_psk);
            if with_psk > 0xffff || whole > c.limits.max_handshake_message {
                crate::log::debug!("client: the PSK does not fit the ClientHello; not offered");
                self.psk = None;
            }
        }
        let early = early && self.psk.is_some();
        if rest.extensions > 0xffff {
            // Only a huge cookie (or configuration) gets here.
            return Err(match cookie {
                Some(_) => PeerMisbehaved::IllegalHelloRetryRequest(
                    "its cookie makes the ClientHello too long",
                )
                .into(),
                None => Error::BadConfig("the ClientHello extensions exceed 65535 bytes".into()),
            });
        }
        if early {
            exts.push(ClientExtension::EarlyData);
        }
        if let Some(p) = &self.psk {
            // §4.3.11: last; the binder is filled in below.
            exts.push(ClientExtension::PreSharedKey(OfferedPsks {
                identities: vec![PskIdentity {
                    identity: p.identity.clone(),
                    obfuscated_ticket_age: p.obfuscated_age,
                }],
                binders: vec![vec![0; p.hash.output_len()]],
            }));
        }
        let mut hello = ClientHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random: self.random,
            // Moves back into self.session_id once encoded, hook edits included.
            legacy_session_id: core::mem::take(&mut self.session_id),
            cipher_suites: c.suites.iter().map(|s| s.suite).collect(),
            legacy_compression_methods: vec![0],
            extensions: exts,
        };
        if let Some(hook) = &c.client_hello_hook {
            hook(&mut hello);
        }
        if let Some(p) = &self.psk {
            // §4.3.11.2: the binder covers the ClientHello up to the binders
            // (after any HelloRetryRequest exchange), as finally encoded.
            if let Some(trunc) = hello.encoding_for_binders() {
                let th = self
                    .transcript
                    .hash_with(p.hash, &trunc)
                    .ok_or(Error::Internal("binder transcript hash"))?;
                let binder = common::psk_binder(p.hash, &p.secret, p.external, th.as_ref());
                if let Some(ClientExtension::PreSharedKey(offer)) = hello.extensions.last_mut()
                    && let Some(b) = offer.binders.first_mut()
                {
                    *b = binder.as_ref().to_vec();
                }
            }
        }
        // Remember what was actually offered, hook edits included.
        self.random = hello.random;
        core.client_random = hello.random;
        let mut raw = Vec::with_capacity(hello_capacity(&hello));
        hello.encode_message(&mut raw);
        core.queue_handshake(&raw);
        self.transcript.add_owned(raw);
        // The hello is no longer needed: its lists move into `offered`.
        let ClientHello {
            legacy_session_id,
            cipher_suites,
            extensions,
            ..
        } = hello;
        self.session_id = legacy_session_id;
        let mut offered = Offered {
            suites: cipher_suites,
            extensions: extensions.iter().map(|e| e.typ()).collect(),
            ..Offered::default()
        };
        for e in extensions {
            match e {
                ClientExtension::SupportedGroups(g) => offered.groups = g,
                ClientExtension::SignatureAlgorithms(s) => offered.schemes = s,
                ClientExtension::Alpn(a) => offered.alpn = a,
                ClientExtension::RecordSizeLimit(l) => offered.record_size_limit = Some(l),
                ClientExtension::ServerCertificateType(t) => {
                    offered.server_cert_types = Some(t);
                }
                ClientExtension::ClientCertificateType(t) => {
                    offered.client_cert_types = Some(t);
                }
                _ => {}
            }
        }
        self.offered = offered;
        Ok(early)
    }

    pub(super) fn check_common_hello(&self, sh: &ServerHello) -> Result<SuiteParams, Error> {
        // §4.2.3: sentinels mean someone forced an older version.
        if sh.random.ends_with(&DOWNGRADE_TLS12) || sh.random.ends_with(&DOWNGRADE_TLS11) {
            return Err(PeerMisbehaved::DowngradeDetected.into());
        }
        match sh.find(ExtensionType::SUPPORTED_VERSIONS) {
            None => return Err(PeerIncompatible::NoTls13.into()),
            Some(ServerExtension::SupportedVersions(v)) if *v == ProtocolVersion::TLS1_3 => {}
            // §4.3.1: a version we did not offer.
            Some(_) => {
                return Err(PeerMisbehaved::SelectedUnofferedParameter("protocol version").into());
            }
        }
        // RFC 9846 §4.2.3: "A client which receives a TLS 1.3 Server Hello
        // with a legacy_version value not equal to 0x0303 MUST abort the
        // handshake with a "protocol_version" alert" (§4.2.4: so is a
        // HelloRetryRequest checked).
        if sh.legacy_version != ProtocolVersion::TLS1_2 {
            return Err(PeerMisbehaved::IllegalLegacyVersion("ServerHello.legacy_version").into());
        }
        if sh.legacy_session_id_echo != self.session_id {
            return Err(PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into());
        }
        if sh.legacy_compression_method != 0 {
            return Err(PeerMisbehaved::IllegalParameter("legacy_compression_method").into());
        }
        let suite = self
            .config
            .provider
            .suite(sh.cipher_suite)
            .filter(|s| self.offered.suites.contains(&s.suite) && self.config.suites.contains(s))
            .ok_or(PeerMisbehaved::SelectedUnofferedParameter("cipher suite"))?;
        Ok(suite)
    }

    pub(super) fn retry_request(
        &mut self,
        core: &mut Core,
        shares: Vec<KeyExchange>,
        retry: Option<Retry>,
        hrr: ServerHello,
        raw: &[u8],
    ) -> Result<(), Error> {
        if retry.is_some() {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        let suite = self.check_common_hello(&hrr)?;
        let mut group = None;
        let mut cookie = None;
        for e in &hrr.extensions {
            match e {
                ServerExtension::KeyShareRetry(g) => group = Some(*g),
                ServerExtension::Cookie(c) => cookie = Some(c.clone()),
                ServerExtension::SupportedVersions(_) => {}
                other => {
                    return Err(common::foreign_extension(
                        other.typ(),
                        ext_in::HRR,
                        "extension not allowed in HelloRetryRequest",
                    ));
                }
            }
        }
        if let Some(g) = group {
            // §4.3.8: offered, and not one we already sent a share for.
            if !self.offered.groups.contains(&g) || self.config.provider.group(g).is_none() {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                    "selected a group that was not offered",
                )
                .into());
            }
            if shares.iter().any(|k| k.group() == g) {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                    "selected a group we already sent a share for",
                )
                .into());
            }
        }
        if group.is_none() && cookie.is_none() {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                "it would not change the ClientHello",
            )
            .into());
        }
        core.negotiated.hello_retry = true;
        if self.early.offered {
            // §4.3.10: after a HelloRetryRequest 0-RTT is over; the second
            // ClientHello goes out in plaintext.
            self.reject_early(core);
            core.clear_write_key()?;
        }
        if self.psk.as_ref().is_some_and(|p| p.hash != suite.hash) {
            // §4.2.4: only PSKs matching the selected suite's hash remain.
            self.psk = None;
        }
        self.transcript.start_hash_after_retry(suite.hash);
        self.transcript.add(raw);
        let shares = match group {
            Some(g) => vec![super::start_kx(&self.config, g, self.config.rng.as_ref())?],
            None => shares,
        };
        if self.middlebox_compat(core) && !self.sent_ccs {
            // Appendix E.4: the CCS may precede the second ClientHello.
            core.write_ccs();
            self.sent_ccs = true;
        }
        self.send_hello(core, &shares, cookie.as_deref(), false)?;
        self.state = St::ExpectServerHello {
            shares,
            retry: Some(Retry {
                suite: suite.suite,
                group,
            }),
        };
        Ok(())
    }
}

/// The encoded sizes of a ClientHello's parts.
struct HelloLen {
    /// The extensions block's content.
    extensions: usize,
    /// Everything else: message header, version, random, session id,
    /// suites, compression, the extensions' length prefix.
    fixed: usize,
}

fn encoded_len(exts: &[ClientExtension], session_id: usize, suites: usize) -> HelloLen {
    let mut scratch = Vec::with_capacity(4096);
    let extensions = exts.iter().fold(0usize, |n, e| {
        scratch.clear();
        e.encode(&mut scratch);
        n.saturating_add(scratch.len())
    });
    let fixed = (4usize + 2 + 32 + 1 + 2 + 2 + 2)
        .saturating_add(session_id)
        .saturating_add(suites.saturating_mul(2));
    HelloLen { extensions, fixed }
}

/// A ClientHello's encoded size, near enough that encoding it takes one
/// allocation: the fixed part and the variable-length fields that can be
/// large (key shares, PSK identities and binders, cookie, ALPN names).
fn hello_capacity(hello: &ClientHello) -> usize {
    let variable = hello.extensions.iter().fold(0usize, |n, e| {
        n.saturating_add(match e {
            ClientExtension::KeyShare(ks) => ks.iter().fold(0usize, |n, k| {
                n.saturating_add(k.payload.len()).saturating_add(4)
            }),
            ClientExtension::PreSharedKey(p) => p
                .identities
                .iter()
                .map(|i| i.identity.len().saturating_add(6))
                .chain(p.binders.iter().map(|b| b.len().saturating_add(1)))
                .fold(0usize, usize::saturating_add),
            ClientExtension::Cookie(c) => c.len(),
            ClientExtension::Alpn(a) => a
                .iter()
                .fold(0usize, |n, p| n.saturating_add(p.len()).saturating_add(1)),
            _ => 0,
        })
    });
    // Header, version, random, session id, suites, compression and the
    // small extensions of a typical configuration.
    const FIXED: usize = 384;
    FIXED
        .saturating_add(variable)
        .saturating_add(hello.cipher_suites.len().saturating_mul(2))
}
