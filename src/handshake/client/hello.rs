//! Building the ClientHello (RFC 9846 §4.2.2) and answering a
//! HelloRetryRequest (§4.2.4).

use super::offered::{EditedHello, OwnExtensions, sends_cert_types};
use super::*;
use crate::codec::{LengthPrefix, put_list, put_vec};
use crate::msgs::extensions::with_prefix;

impl ClientHs {
    /// Queues a ClientHello; returns whether it offers 0-RTT (`early`,
    /// unless its PSK had to be left out).
    ///
    /// The hello is encoded straight from the configuration. Only when a
    /// client hello hook is set is it read back into a [`ClientHello`]
    /// value for the hook to edit, and encoded again from that.
    pub(super) fn send_hello(
        &mut self,
        core: &mut Core,
        shares: &Shares,
        cookie: Option<&[u8]>,
        early: bool,
    ) -> Result<bool, Error> {
        if self.ech.is_offer() {
            // RFC 9849 §6.1: ClientHelloInner stays here, ClientHelloOuter
            // goes on the wire.
            return self.send_ech_hello(core, shares, cookie, early);
        }
        let (raw, early) = loop {
            let built = self.build_hello(core, shares, cookie, early)?;
            // A GREASE encrypted_client_hello is as long as a real offer's,
            // which grows with the PSK (§6.2.1): a hello that no longer
            // fits goes without the PSK (taken at most once).
            if self.ech.is_grease() && !self.hello_fits(&built) && self.psk.take().is_some() {
                continue;
            }
            if self.ech.is_grease() && !self.hello_fits(&built) {
                return Err(hello_too_long(
                    cookie,
                    "the ClientHello with its GREASE encrypted_client_hello is too long",
                ));
            }
            break (built.raw, built.early);
        };
        self.ech.grease_sent();
        core.client_random = self.random;
        core.queue_handshake(&raw);
        self.transcript.add_owned(raw);
        Ok(early)
    }

    /// Whether a hello fits its extensions' 16-bit length and our own
    /// message limit (RFC 9846 §4.2.2).
    pub(super) fn hello_fits(&self, built: &BuiltHello) -> bool {
        let extensions = built
            .raw
            .len()
            .saturating_sub(built.ext_at)
            .saturating_sub(2);
        extensions <= 0xffff && built.raw.len() <= self.config.limits.max_handshake_message
    }

    /// Encodes the ClientHello — with ECH offered, ClientHelloInner —
    /// and records what it offers (`self.offered`); whether it offers
    /// 0-RTT (`early`, unless its PSK had to be left out) is returned with
    /// it. Nothing is queued or added to the transcript.
    pub(super) fn build_hello(
        &mut self,
        core: &Core,
        shares: &Shares,
        cookie: Option<&[u8]>,
        early: bool,
    ) -> Result<BuiltHello, Error> {
        let c = self.config.clone();
        let quic_params = core.quic.as_ref().map(|q| q.local_params.as_slice());
        let mut raw = Vec::with_capacity(hello_capacity(
            &c,
            shares,
            cookie,
            self.psk.as_deref(),
            quic_params,
        ));
        let mut sent = OwnExtensions::default();
        // With ECH (offered or GREASE) the extensions a ClientHelloOuter
        // copies come as one block (RFC 9849 §6.1 rule 3).
        let shape = if self.ech.sends_extension() {
            Shape::EchInner
        } else {
            Shape::Plain
        };
        let start =
            self.encode_hello_start(&mut raw, &mut sent, shares, cookie, quic_params, shape);
        let ext_at = start.ext_at;
        // RFC 9846 §4.3.11: the identity, its binder and everything else
        // must fit the extensions' 16-bit length (and the hello our own
        // limit). A ticket that does not is not offered: before anything
        // is sent that changes nothing; after a HelloRetryRequest the
        // server just sees no PSK.
        let extensions = raw.len().saturating_sub(ext_at).saturating_sub(2);
        let fixed = ext_at.saturating_add(2);
        if let Some(p) = &self.psk {
            // pre_shared_key and early_data, with one identity and binder.
            let with_psk = extensions
                .saturating_add(p.identity.len())
                .saturating_add(2 + 2 + 4 + 2 + 1 + 4 + 4)
                .saturating_add(p.hash.output_len());
            let whole = fixed.saturating_add(with_psk);
            if with_psk > 0xffff || whole > c.limits.max_handshake_message {
                crate::log::debug!("client: the PSK does not fit the ClientHello; not offered");
                self.psk = None;
            }
        }
        let mut early = early && self.psk.is_some();
        if extensions > 0xffff {
            // Only a huge cookie (or configuration) gets here.
            return Err(match cookie {
                Some(_) => PeerMisbehaved::IllegalHelloRetryRequest(
                    "its cookie makes the ClientHello too long",
                )
                .into(),
                None => Error::BadConfig("the ClientHello extensions exceed 65535 bytes".into()),
            });
        }
        // RFC 9849: the encrypted_client_hello of ClientHelloInner
        // (§6.1 rule 4, type inner, never compressed) or GREASE (§6.2.1),
        // after the copied block and before early_data and pre_shared_key.
        if let Some(body) = self.ech_extension_body(&raw, &start, &sent, early)? {
            put_extension(
                &mut raw,
                &mut sent,
                ExtensionType::ENCRYPTED_CLIENT_HELLO,
                |out| out.extend_from_slice(&body),
            );
        }
        if early {
            put_extension(&mut raw, &mut sent, ExtensionType::EARLY_DATA, |_| {});
        }
        if let Some(p) = &self.psk {
            // §4.3.11: last; the binder is filled in below.
            let binder_len = p.hash.output_len();
            put_extension(&mut raw, &mut sent, ExtensionType::PRE_SHARED_KEY, |out| {
                with_prefix(out, LengthPrefix::U16, |out| {
                    put_vec(out, LengthPrefix::U16, &p.identity);
                    out.extend_from_slice(&p.obfuscated_age.to_be_bytes());
                });
                with_prefix(out, LengthPrefix::U16, |out| {
                    out.push(binder_len as u8);
                    out.resize(out.len().saturating_add(binder_len), 0);
                });
            });
        }
        patch_len(&mut raw, ext_at, 2);
        patch_len(&mut raw, 1, 3);

        self.offered = match &c.client_hello_hook {
            None => {
                if let Some(p) = &self.psk {
                    // §4.3.11.2: the binder covers the hello up to the
                    // binders list, which ends it (one binder).
                    let binder_len = p.hash.output_len();
                    let binders = binder_len.saturating_add(3);
                    let th = raw
                        .len()
                        .checked_sub(binders)
                        .and_then(|n| raw.get(..n))
                        .and_then(|trunc| self.transcript.hash_with(p.hash, trunc))
                        .ok_or(Error::Internal("binder transcript hash"))?;
                    let binder = common::psk_binder(p.hash, &p.secret, p.external, th.as_ref());
                    let at = raw.len().saturating_sub(binder_len);
                    if let Some(b) = raw.get_mut(at..) {
                        b.copy_from_slice(binder.as_ref());
                    }
                }
                Offered::Config(sent)
            }
            Some(hook) => {
                let mut hello = match HandshakeMessage::read_exact(&raw, "ClientHello")? {
                    HandshakeMessage::ClientHello(h) => h,
                    _ => return Err(Error::Internal("our ClientHello reads as another message")),
                };
                hook(&mut hello);
                // §4.2.2: legacy_session_id<0..32>. A longer one could not
                // be remembered (nor echoed by a server that checks it).
                if hello.legacy_session_id.len() > 32 {
                    return Err(Error::BadConfig(
                        "the client hello hook made legacy_session_id longer than 32 bytes".into(),
                    ));
                }
                // A PSK (or 0-RTT) the hook took out is not offered: the
                // server cannot select it, nor is early data sent.
                if hello.find(ExtensionType::PRE_SHARED_KEY).is_none() {
                    self.psk = None;
                }
                early =
                    early && self.psk.is_some() && hello.find(ExtensionType::EARLY_DATA).is_some();
                if let Some(p) = &self.psk {
                    // §4.3.11.2: over the hello as finally encoded.
                    if let Some(trunc) = hello.encoding_for_binders() {
                        let th = self
                            .transcript
                            .hash_with(p.hash, &trunc)
                            .ok_or(Error::Internal("binder transcript hash"))?;
                        let binder = common::psk_binder(p.hash, &p.secret, p.external, th.as_ref());
                        if let Some(ClientExtension::PreSharedKey(offer)) =
                            hello.extensions.last_mut()
                            && let Some(b) = offer.binders.first_mut()
                        {
                            *b = binder.as_ref().to_vec();
                        }
                    }
                }
                // Remember what was actually offered, hook edits included.
                self.random = hello.random;
                self.session_id = StackBytes::filled_with(0, 0);
                self.session_id.push(&hello.legacy_session_id);
                raw.clear();
                hello.encode_message(&mut raw);
                Offered::Edited(Box::new(EditedHello::from_hello(hello)))
            }
        };
        Ok(BuiltHello { raw, early, ext_at })
    }

    /// Appends a ClientHello (§4.2.2) up to and including every extension
    /// but early_data and pre_shared_key, in the order RFC 8446 and our
    /// replays of RFC 8448 use; its two lengths are patched once it is
    /// whole. Returns where the extensions' length goes and where the
    /// block a ClientHelloOuter copies begins.
    ///
    /// `shape` (RFC 9849 §6.1): [`Shape::Plain`] keeps the order above;
    /// [`Shape::EchInner`] writes server_name and ALPN first, so that every
    /// extension after them forms one block that ClientHelloOuter copies
    /// and EncodedClientHelloInner compresses (§5.1, §6.1 rule 3);
    /// [`Shape::EchOuter`] writes ClientHelloOuter's start: its own
    /// random (§6.1 rule 4), the public name in server_name (rule 5), no
    /// ALPN (§10.5), then the same block, byte for byte.
    pub(super) fn encode_hello_start(
        &self,
        out: &mut Vec<u8>,
        sent: &mut OwnExtensions,
        shares: &Shares,
        cookie: Option<&[u8]>,
        quic_params: Option<&[u8]>,
        shape: Shape<'_>,
    ) -> HelloStart {
        use ExtensionType as T;
        use LengthPrefix::{U8, U16};
        let c = &self.config;
        let (random, name) = match shape {
            Shape::EchOuter {
                random,
                public_name,
            } => (random, Some(public_name)),
            Shape::Plain | Shape::EchInner => {
                (&self.random, server_name_dns(&self.session_key.server_name))
            }
        };
        let put_alpn = |out: &mut Vec<u8>, sent: &mut OwnExtensions| {
            if !c.alpn_protocols.is_empty() {
                put_extension(
                    out,
                    sent,
                    T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
                    |out| {
                        with_prefix(out, U16, |out| {
                            for p in &c.alpn_protocols {
                                put_vec(out, U8, p);
                            }
                        });
                    },
                );
            }
        };
        HandshakeType::CLIENT_HELLO.encode(out);
        out.extend_from_slice(&[0; 3]);
        ProtocolVersion::TLS1_2.encode(out);
        out.extend_from_slice(random);
        // RFC 9849 §6.1 rule 3: ClientHelloOuter copies the session id.
        put_vec(out, U8, &self.session_id);
        with_prefix(out, U16, |out| {
            for s in &c.suites {
                s.suite.encode(out);
            }
        });
        // legacy_compression_methods: null only.
        put_vec(out, U8, &[0]);
        let ext_at = out.len();
        out.extend_from_slice(&[0; 2]);
        if let Some(name) = name {
            put_extension(out, sent, T::SERVER_NAME, |out| {
                with_prefix(out, U16, |out| {
                    ServerNameType::HOST_NAME.encode(out);
                    put_vec(out, U16, name.as_bytes());
                });
            });
        }
        if shape == Shape::EchInner {
            put_alpn(out, sent);
        }
        let block_at = out.len();
        put_extension(out, sent, T::SUPPORTED_GROUPS, |out| {
            put_list(out, U16, &c.groups);
        });
        put_extension(out, sent, T::SIGNATURE_ALGORITHMS, |out| {
            put_list(out, U16, &c.signature_schemes);
        });
        // RFC 8449 limits records, which QUIC does not have (RFC 9001 §4).
        if let Some(limit) = c.record_size_limit.filter(|_| quic_params.is_none()) {
            put_extension(out, sent, T::RECORD_SIZE_LIMIT, |out| limit.encode(out));
        }
        if shape == Shape::Plain {
            put_alpn(out, sent);
        }
        // RFC 7250 §4.1: only X.509 is the same as not sending them.
        if sends_cert_types(&c.client_certificate_types) {
            put_extension(out, sent, T::CLIENT_CERTIFICATE_TYPE, |out| {
                put_list(out, U8, &c.client_certificate_types);
            });
        }
        if sends_cert_types(&c.server_certificate_types) {
            put_extension(out, sent, T::SERVER_CERTIFICATE_TYPE, |out| {
                put_list(out, U8, &c.server_certificate_types);
            });
        }
        if c.request_ocsp {
            // RFC 6066 §8: status_type ocsp, no responder_id_list, no
            // request_extensions.
            put_extension(out, sent, T::STATUS_REQUEST, |out| {
                out.extend_from_slice(&[1, 0, 0, 0, 0]);
            });
        }
        if c.request_scts {
            // RFC 6962 §3.3.1: empty extension_data.
            put_extension(out, sent, T::SIGNED_CERTIFICATE_TIMESTAMP, |_| {});
        }
        put_extension(out, sent, T::SUPPORTED_VERSIONS, |out| {
            put_list(out, U8, &[ProtocolVersion::TLS1_3]);
        });
        put_extension(out, sent, T::KEY_SHARE, |out| {
            with_prefix(out, U16, |out| {
                for k in shares.iter() {
                    k.group().encode(out);
                    put_vec(out, U16, k.public_key());
                }
            });
        });
        put_extension(out, sent, T::PSK_KEY_EXCHANGE_MODES, |out| {
            put_list(out, U8, &c.psk_modes);
        });
        if let Some(cookie) = cookie {
            put_extension(out, sent, T::COOKIE, |out| put_vec(out, U16, cookie));
        }
        if c.client_cert_resolver.is_some() && quic_params.is_none() {
            // §4.3.6: we answer CertificateRequests after the handshake
            // through the same resolver. Not over QUIC, which forbids
            // post-handshake authentication (RFC 9001 §4.4).
            put_extension(out, sent, T::POST_HANDSHAKE_AUTH, |_| {});
        }
        if !c.cert_compression.algorithms().is_empty() {
            // RFC 8879 §3: what we decompress the server's Certificate with.
            put_extension(out, sent, T::COMPRESS_CERTIFICATE, |out| {
                crate::msgs::compressed_certificate::encode_algorithms(
                    out,
                    c.cert_compression.algorithms(),
                );
            });
        }
        if let Some(params) = quic_params {
            // RFC 9001 §8.2: "Endpoints MUST send the
            // quic_transport_parameters extension"; its content is QUIC's.
            put_extension(out, sent, T::QUIC_TRANSPORT_PARAMETERS, |out| {
                out.extend_from_slice(params)
            });
        }
        HelloStart { ext_at, block_at }
    }

    pub(super) fn check_common_hello(&self, sh: &ServerHelloRef<'_>) -> Result<SuiteParams, Error> {
        // §4.2.3: sentinels mean someone forced an older version.
        if sh.random.ends_with(&DOWNGRADE_TLS12) || sh.random.ends_with(&DOWNGRADE_TLS11) {
            return Err(PeerMisbehaved::DowngradeDetected.into());
        }
        match sh.extensions.find(ExtensionType::SUPPORTED_VERSIONS) {
            None => return Err(PeerIncompatible::NoTls13.into()),
            Some(ServerExtensionRef::SupportedVersions(v)) if v == ProtocolVersion::TLS1_3 => {}
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
        if sh.legacy_session_id_echo != &*self.session_id {
            return Err(PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into());
        }
        if sh.legacy_compression_method != 0 {
            return Err(PeerMisbehaved::IllegalParameter("legacy_compression_method").into());
        }
        let suite = self
            .config
            .provider
            .suite(sh.cipher_suite)
            .filter(|s| self.offered.suite(&self.config, s.suite) && self.config.suites.contains(s))
            .ok_or(PeerMisbehaved::SelectedUnofferedParameter("cipher suite"))?;
        Ok(suite)
    }

    pub(super) fn retry_request(
        &mut self,
        core: &mut Core,
        shares: Shares,
        retry: Option<Retry>,
        hrr: ServerHelloRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        if retry.is_some() {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        let suite = self.check_common_hello(&hrr)?;
        let mut group = None;
        let mut cookie = None;
        let mut ech_extension = false;
        for e in hrr.extensions.iter() {
            match e {
                ServerExtensionRef::KeyShareRetry(g) => group = Some(g),
                ServerExtensionRef::Cookie(c) => cookie = Some(c),
                ServerExtensionRef::SupportedVersions(_) => {}
                // RFC 9849 §6.1.4, §6.2.1: only answering ours; 8 bytes.
                ServerExtensionRef::Unknown(ExtensionType::ENCRYPTED_CLIENT_HELLO, body)
                    if self.ech.sends_extension() =>
                {
                    super::ech::check_retry_extension(body)?;
                    ech_extension = true;
                }
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
            if !self.offered.groups(&self.config).contains(&g)
                || self.config.provider.group(g).is_none()
            {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                    "selected a group that was not offered",
                )
                .into());
            }
            if shares
                .iter()
                .any(|k| k.group() == g && self.offered.key_share(g))
            {
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
        // RFC 9849 §6.1.4, §7.2.1: over message_hash(ClientHelloInner1)
        // and the request.
        let ech_accepted = self.ech_retry_confirmed(suite.hash, ech_extension, raw);
        self.transcript.add(raw);
        self.ech_retry(core, suite.hash, ech_accepted, raw)?;
        let shares = match group {
            Some(g) => Shares::one(super::start_kx(&self.config, g, self.config.rng.as_ref())?),
            None => shares,
        };
        if self.middlebox_compat(core) && !self.sent_ccs {
            // Appendix E.4: the CCS may precede the second ClientHello.
            core.write_ccs();
            self.sent_ccs = true;
        }
        if self
            .send_rejected_retry_hello(core, &shares, cookie)?
            .is_none()
        {
            self.send_hello(core, &shares, cookie, false)?;
        }
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

/// A ClientHello (with ECH: GREASE, or the outer one) that does not fit.
/// With a HelloRetryRequest's cookie in it, the server's doing: that is a
/// peer error with its alert (`illegal_parameter`, as `build_hello` says
/// without ECH), not our configuration's `BadConfig`, which sends none.
pub(super) fn hello_too_long(cookie: Option<&[u8]>, what: &'static str) -> Error {
    match cookie {
        Some(_) => {
            PeerMisbehaved::IllegalHelloRetryRequest("its cookie makes the ClientHello too long")
                .into()
        }
        None => Error::BadConfig(what.into()),
    }
}

/// Which ClientHello [`ClientHs::encode_hello_start`] writes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape<'a> {
    /// Without ECH.
    Plain,
    /// ClientHelloInner, or a hello with a GREASE encrypted_client_hello
    /// (shaped like one, §6.2.1).
    EchInner,
    /// ClientHelloOuter.
    EchOuter {
        random: &'a [u8; 32],
        public_name: &'a str,
    },
}

/// Where the parts of a hello being encoded lie.
pub(super) struct HelloStart {
    /// The extensions' length field.
    pub(super) ext_at: usize,
    /// The first extension ClientHelloOuter copies (all of them to the
    /// end of [`ClientHs::encode_hello_start`]'s output).
    pub(super) block_at: usize,
}

/// A ClientHello encoded by [`ClientHs::build_hello`].
pub(super) struct BuiltHello {
    /// The whole handshake message.
    pub(super) raw: Vec<u8>,
    /// It offers 0-RTT.
    pub(super) early: bool,
    /// Where its extensions' length field lies.
    pub(super) ext_at: usize,
}

/// Appends one extension: its type, then the body `body` writes, with its
/// u16 length; and records that it was sent.
pub(super) fn put_extension(
    out: &mut Vec<u8>,
    sent: &mut OwnExtensions,
    typ: ExtensionType,
    body: impl FnOnce(&mut Vec<u8>),
) {
    crate::msgs::extensions::put_extension(out, typ, body);
    sent.push(typ);
}

/// Writes the length of what follows a `width`-byte length field at `at`
/// into it (the hello's u24 message length, its u16 extensions length):
/// the callers' bounds keep it within the field.
pub(super) fn patch_len(out: &mut [u8], at: usize, width: usize) {
    let len = out.len().saturating_sub(at).saturating_sub(width) as u32;
    let bytes = len.to_be_bytes();
    if let (Some(dst), Some(src)) = (
        out.get_mut(at..at.saturating_add(width)),
        bytes.get(4usize.saturating_sub(width)..),
    ) {
        dst.copy_from_slice(src);
    }
}

/// A ClientHello's encoded size, near enough that encoding it takes one
/// allocation: the fixed part and the variable-length fields that can be
/// large (key shares, the PSK identity and binder, cookie, ALPN names).
fn hello_capacity(
    c: &ClientConfig,
    shares: &Shares,
    cookie: Option<&[u8]>,
    psk: Option<&PskOffer>,
    quic_params: Option<&[u8]>,
) -> usize {
    // Header, version, random, session id, compression and the small
    // extensions of a typical configuration.
    const FIXED: usize = 384;
    let shares = shares.iter().fold(0usize, |n, k| {
        n.saturating_add(k.public_key().len()).saturating_add(4)
    });
    let psk = psk.map_or(0, |p| {
        p.identity
            .len()
            .saturating_add(p.hash.output_len())
            .saturating_add(32)
    });
    let alpn = c
        .alpn_protocols
        .iter()
        .fold(0usize, |n, p| n.saturating_add(p.len()).saturating_add(1));
    FIXED
        .saturating_add(shares)
        .saturating_add(psk)
        .saturating_add(cookie.map_or(0, <[u8]>::len))
        .saturating_add(alpn)
        .saturating_add(c.suites.len().saturating_mul(2))
        .saturating_add(quic_params.map_or(0, |p| p.len().saturating_add(4)))
}
