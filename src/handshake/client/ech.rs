//! Encrypted Client Hello, client side (RFC 9849 §6).
//!
//! Offering ECH, the handshake's own state (`transcript`, `random`,
//! `offered`, `psk`) is ClientHelloInner's, and [`EchOffer`] keeps
//! ClientHelloOuter's beside it: the outer hello is what goes on the
//! wire, the inner one travels sealed inside it. The server's first
//! message decides which of the two the handshake continues with
//! (§6.1.4): accepted, the outer state is dropped (§6.1.5); rejected, it
//! replaces the inner one (§6.1.6) and the handshake runs to the server's
//! Finished only to authenticate the public name and collect
//! `retry_configs`, then fails with [`Error::EchRejected`].
//!
//! GREASE (§6.2.1) is one hello with a random `encrypted_client_hello`
//! shaped like a real one; nothing is negotiated.

use alloc::string::String;

use super::hello::{BuiltHello, HelloStart, Shape, patch_len, put_extension};
use super::offered::OwnExtensions;
use super::*;
use crate::codec::{LengthPrefix, put_vec};
use crate::conn::events::EchStatus;
use crate::ech::{
    EchClientHello, EchConfigList, EchEncryptedExtensions, EchHelloRetryRequest, EchMode, EchOuter,
    EchSealer, HpkeSymmetricCipherSuite, encode_client_hello_inner_padded, recommended_padding,
};
use crate::handshake::ech::{Signal, is_confirmed};
use crate::hpke::{HpkeKemId, PrivateKey};
use crate::msgs::extensions::with_prefix;
use crate::verify::IntoServerName;

/// What ECH is doing in a client handshake.
pub(super) enum EchClient {
    /// Not configured.
    Off,
    /// GREASE (§6.2.1).
    Grease {
        /// The extension's body, once generated.
        body: Option<Vec<u8>>,
        /// The first ClientHello went out with `body`: a second one
        /// copies it unchanged.
        sent: bool,
    },
    /// A real offer whose fate the server's first message decides.
    Offer(Box<EchOffer>),
    /// The server used ClientHelloInner (§6.1.5).
    Accepted,
    /// The server used ClientHelloOuter (§6.1.6).
    Rejected(Box<EchRejection>),
}

/// ClientHelloOuter's side of an offer, kept until the server decides.
pub(super) struct EchOffer {
    /// The HPKE context, kept for a second ClientHelloOuter (§6.1.5 step 4).
    sealer: EchSealer,
    /// The chosen config's public_name (checked by `select`, §6.1.7).
    public_name: String,
    /// Its maximum_name_length, for the padding (§6.1.3).
    maximum_name_length: u8,
    /// ClientHelloOuter.random: fresh, never the inner one (§6.1 rule 4);
    /// the same in a second outer hello (RFC 9846 §4.1.2).
    outer_random: [u8; 32],
    /// The transcript had the server used ClientHelloOuter.
    outer_transcript: Transcript,
    /// What ClientHelloOuter offered.
    outer_offered: Offered,
    /// The GREASE PSK (§6.1.2), the same in a second outer hello, as a
    /// real identity would be.
    grease_psk: Option<GreasePsk>,
    /// The first ClientHelloOuter's `encrypted_client_hello` body as sent:
    /// rejected by a HelloRetryRequest, the second hello copies it.
    first_extension: Vec<u8>,
    /// The HelloRetryRequest confirmed acceptance: the ServerHello must
    /// too (§6.1.5).
    hrr_accepted: bool,
}

/// A GREASE `pre_shared_key` (§6.1.2): a random identity of the real
/// one's length, a random obfuscated age; its binder, of the real one's
/// length, is drawn anew for each hello.
#[derive(Clone)]
struct GreasePsk {
    identity: Vec<u8>,
    age: u32,
    binder_len: usize,
}

/// A rejected offer (§6.1.6, §6.1.7).
pub(super) struct EchRejection {
    /// The name the server's certificate must be valid for.
    public_name: ServerName<'static>,
    /// From EncryptedExtensions, if the server sent them.
    retry_configs: Option<EchConfigList>,
    /// Rejected by a HelloRetryRequest: what the second hello, the
    /// first ClientHelloOuter as RFC 9846 §4.1.2 updates it, repeats.
    retry: Option<Box<OuterRetry>>,
}

/// The first ClientHelloOuter's parts a second one repeats.
pub(super) struct OuterRetry {
    public_name: String,
    /// Its `encrypted_client_hello`, unchanged: the server that used
    /// ClientHelloOuter does not decrypt it (§7.1.1), and a server that
    /// does not know ECH holds a second hello to RFC 9846 §4.1.2, which
    /// lets no unknown extension change.
    extension: Vec<u8>,
    grease_psk: Option<GreasePsk>,
}

impl EchClient {
    /// The state a connection of `config` starts in; an offer selects its
    /// config, draws ClientHelloOuter.random and sets up the HPKE context
    /// (in that order, after the key shares' draws).
    pub(super) fn start(config: &ClientConfig, quic: bool) -> Result<Self, Error> {
        let Some(mode) = &config.ech else {
            return Ok(Self::Off);
        };
        if quic {
            // Not wired: over QUIC the transport parameters would have to
            // be split between the hellos, and a rejection closed with
            // QUIC's error code for ech_required; none of it is tested.
            return Err(Error::BadConfig(
                "Encrypted Client Hello is not supported over QUIC yet: the transport \
                 parameters' place in the two hellos and a rejection's connection close \
                 are not wired"
                    .into(),
            ));
        }
        match mode {
            EchMode::Grease => Ok(Self::Grease {
                body: None,
                sent: false,
            }),
            EchMode::Offer(list) => {
                let selected = list
                    .select(config.provider)
                    .ok_or_else(|| Error::BadConfig("no usable ECHConfig in the list".into()))?;
                let public_name = core::str::from_utf8(&selected.contents.public_name)
                    .map_err(|_| Error::BadConfig("ECH public_name is not ASCII".into()))?
                    .into();
                let mut outer_random = [0u8; 32];
                config.rng.fill(&mut outer_random)?;
                let sealer = EchSealer::new(config.provider, &selected, config.rng.as_ref())
                    .map_err(|e| {
                        Error::BadConfig(alloc::format!("the ECHConfig cannot be used: {e}"))
                    })?;
                Ok(Self::Offer(Box::new(EchOffer {
                    sealer,
                    public_name,
                    maximum_name_length: selected.contents.maximum_name_length,
                    outer_random,
                    outer_transcript: Transcript::default(),
                    outer_offered: Offered::default(),
                    grease_psk: None,
                    first_extension: Vec::new(),
                    hrr_accepted: false,
                })))
            }
        }
    }

    pub(super) fn is_offer(&self) -> bool {
        matches!(self, Self::Offer(_))
    }

    pub(super) fn is_grease(&self) -> bool {
        matches!(self, Self::Grease { .. })
    }

    pub(super) fn is_rejected(&self) -> bool {
        matches!(self, Self::Rejected(_))
    }

    /// Our ClientHello carries an `encrypted_client_hello`.
    pub(super) fn sends_extension(&self) -> bool {
        matches!(self, Self::Grease { .. } | Self::Offer(_))
    }

    /// The hello with the GREASE extension went out: a second one copies
    /// it (§6.2.1).
    pub(super) fn grease_sent(&mut self) {
        if let Self::Grease { sent, .. } = self {
            *sent = true;
        }
    }

    /// The status reported in `Negotiated::ech` from the start.
    pub(super) fn initial_status(&self) -> EchStatus {
        match self {
            Self::Grease { .. } => EchStatus::Grease,
            _ => EchStatus::NotOffered,
        }
    }
}

impl ClientHs {
    /// The body of our `encrypted_client_hello` for the hello being
    /// encoded in `raw` (its extensions so far in `sent`): type inner in
    /// ClientHelloInner (§6.1 rule 4), GREASE (§6.2.1), or none.
    pub(super) fn ech_extension_body(
        &mut self,
        raw: &[u8],
        start: &HelloStart,
        sent: &OwnExtensions,
        early: bool,
    ) -> Result<Option<Vec<u8>>, Error> {
        match &self.ech {
            EchClient::Offer(_) => Ok(Some(EchClientHello::Inner.to_bytes())),
            EchClient::Grease {
                body: Some(body),
                sent: true,
            } => Ok(Some(body.clone())),
            EchClient::Grease { .. } => {
                let body = self.grease_body(raw, start, sent, early)?;
                self.ech = EchClient::Grease {
                    body: Some(body.clone()),
                    sent: false,
                };
                Ok(Some(body))
            }
            EchClient::Off | EchClient::Accepted | EchClient::Rejected(_) => Ok(None),
        }
    }

    /// §6.2.1: a random config_id, a plausible suite, a valid `enc` (a
    /// fresh X25519 public key) and a random payload of the length a real
    /// offer of this hello would have: its EncodedClientHelloInner padded
    /// as §6.1.3 says (with no maximum_name_length known), plus the tag.
    fn grease_body(
        &self,
        raw: &[u8],
        start: &HelloStart,
        sent: &OwnExtensions,
        early: bool,
    ) -> Result<Vec<u8>, Error> {
        let copied = sent
            .types()
            .filter(|t| {
                *t != ExtensionType::SERVER_NAME
                    && *t != ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION
            })
            .count();
        let block = raw.len().saturating_sub(start.block_at);
        let psk = self.psk.as_ref().map_or(0, |p| {
            // Type, length, identities (length, identity, age), binders.
            (4 + 2 + 2 + 4 + 2 + 1usize)
                .saturating_add(p.identity.len())
                .saturating_add(p.hash.output_len())
        });
        // The hello's body with an empty session id, its copied block
        // replaced by ech_outer_extensions, plus the inner extension
        // (5 bytes), early_data and pre_shared_key.
        let unpadded = raw
            .len()
            .saturating_sub(4)
            .saturating_sub(self.session_id.len())
            .saturating_sub(block)
            .saturating_add(5usize.saturating_add(copied.saturating_mul(2)))
            .saturating_add(5)
            .saturating_add(if early { 4 } else { 0 })
            .saturating_add(psk);
        let name_len = server_name_dns(&self.session_key.server_name).map(str::len);
        let padded = unpadded.saturating_add(recommended_padding(unpadded, name_len, 0));
        let rng = self.config.rng.as_ref();
        let mut choice = [0u8; 2];
        rng.fill(&mut choice)?;
        let [config_id, suite] = choice;
        let cipher_suite = if suite & 1 == 0 {
            HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM
        } else {
            HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305
        };
        let key = PrivateKey::generate(
            self.config.provider,
            HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            rng,
        )
        .or_else(|_| {
            PrivateKey::generate(self.config.provider, HpkeKemId::DHKEM_P256_HKDF_SHA256, rng)
        })
        .map_err(|e| {
            Error::BadConfig(alloc::format!(
                "GREASE ECH needs an X25519 or P-256 HPKE key: {e}"
            ))
        })?;
        let mut payload = alloc::vec![0u8; EchSealer::payload_len(padded)];
        rng.fill(&mut payload)?;
        Ok(EchClientHello::Outer(EchOuter {
            cipher_suite,
            config_id,
            enc: key.public_key().to_vec(),
            payload,
        })
        .to_bytes())
    }

    /// §6.1: encodes ClientHelloInner, seals it into ClientHelloOuter,
    /// queues the outer hello and adds each to its transcript. Returns
    /// whether 0-RTT is offered (in the inner hello, with early_data in
    /// both, rule 7).
    pub(super) fn send_ech_hello(
        &mut self,
        core: &mut Core,
        shares: &Shares,
        cookie: Option<&[u8]>,
        early: bool,
    ) -> Result<bool, Error> {
        let (inner, outer) = loop {
            let inner = self.build_hello(core, shares, cookie, early)?;
            let encoded = if self.hello_fits(&inner) {
                Some(self.encode_inner(&inner.raw)?)
            } else {
                None
            };
            let outer = match encoded {
                Some(encoded) => self.seal_outer(shares, cookie, inner.early, &encoded)?,
                None => None,
            };
            match outer {
                Some(outer) => break (inner, outer),
                // The PSK appears in both hellos (real inside, GREASE
                // outside): without it they may fit. Taken at most once.
                None if self.psk.take().is_some() => {}
                None => {
                    return Err(super::hello::hello_too_long(
                        cookie,
                        "the ECH ClientHelloOuter would be too long",
                    ));
                }
            }
        };
        core.client_random = self.random;
        core.queue_handshake(&outer);
        // After a HelloRetryRequest that accepted, the outer transcript is
        // of no further use (§6.1.5).
        if let EchClient::Offer(offer) = &mut self.ech
            && !offer.hrr_accepted
        {
            offer.outer_transcript.add_owned(outer);
        }
        self.transcript.add_owned(inner.raw);
        Ok(inner.early)
    }

    /// §5.1: EncodedClientHelloInner of our ClientHelloInner, the block
    /// ClientHelloOuter copies compressed into ech_outer_extensions, and
    /// padded as §6.1.3 recommends for the config's maximum_name_length.
    fn encode_inner(&self, inner: &[u8]) -> Result<Vec<u8>, Error> {
        let EchClient::Offer(offer) = &self.ech else {
            return Err(Error::Internal("ECH inner hello without an offer"));
        };
        let hello = match HandshakeMessage::read_exact(inner, "ClientHello") {
            Ok(HandshakeMessage::ClientHello(h)) => h,
            _ => return Err(Error::Internal("our ClientHelloInner does not parse")),
        };
        // The block encode_hello_start wrote: everything but the two
        // extensions before it and the three after it.
        let compress: Vec<ExtensionType> = hello
            .extensions
            .iter()
            .map(ClientExtension::typ)
            .filter(|t| {
                ![
                    ExtensionType::SERVER_NAME,
                    ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
                    ExtensionType::ENCRYPTED_CLIENT_HELLO,
                    ExtensionType::EARLY_DATA,
                    ExtensionType::PRE_SHARED_KEY,
                ]
                .contains(t)
            })
            .collect();
        encode_client_hello_inner_padded(&hello, &compress, offer.maximum_name_length)
            .map_err(|_| Error::Internal("encoding EncodedClientHelloInner"))
    }

    /// ClientHelloOuter around `encoded` (§6.1, §6.1.1), sealed; `None`
    /// when it would not fit (nothing is sealed then).
    fn seal_outer(
        &mut self,
        shares: &Shares,
        cookie: Option<&[u8]>,
        early: bool,
        encoded: &[u8],
    ) -> Result<Option<Vec<u8>>, Error> {
        let EchClient::Offer(mut offer) = mem::replace(&mut self.ech, EchClient::Off) else {
            return Err(Error::Internal("ECH outer hello without an offer"));
        };
        let r = self.seal_outer_with(&mut offer, shares, cookie, early, encoded);
        self.ech = EchClient::Offer(offer);
        r
    }

    fn seal_outer_with(
        &self,
        offer: &mut EchOffer,
        shares: &Shares,
        cookie: Option<&[u8]>,
        early: bool,
        encoded: &[u8],
    ) -> Result<Option<Vec<u8>>, Error> {
        // §6.1.2 / rule 6: a GREASE PSK when the inner hello offers one,
        // never a real identity; psk_key_exchange_modes is in the copied
        // block.
        offer.grease_psk = match (&self.psk, offer.grease_psk.take()) {
            (None, _) => None,
            (Some(p), Some(kept)) if kept.identity.len() == p.identity.len() => Some(kept),
            (Some(p), _) => {
                let mut identity = alloc::vec![0u8; p.identity.len()];
                self.config.rng.fill(&mut identity)?;
                let mut age = [0u8; 4];
                self.config.rng.fill(&mut age)?;
                Some(GreasePsk {
                    identity,
                    age: u32::from_be_bytes(age),
                    binder_len: p.hash.output_len(),
                })
            }
        };
        // §6.1.1: the placeholder, L zeros, sealed over last. It precedes
        // early_data and the GREASE pre_shared_key, whose random binder
        // needs no transcript (§6.1.1's closing note).
        let placeholder = offer.sealer.placeholder(encoded.len()).to_bytes();
        let outer = OuterParts {
            random: &offer.outer_random,
            public_name: &offer.public_name,
            extension: &placeholder,
            grease_psk: offer.grease_psk.as_ref(),
        };
        let (built, sent, ech_at) = self.encode_outer(&outer, shares, cookie, early)?;
        if !self.hello_fits(&built) {
            return Ok(None);
        }
        let mut raw = built.raw;
        let body = raw
            .get_mut(4..)
            .ok_or(Error::Internal("ClientHelloOuter"))?;
        offer
            .sealer
            .seal_client_hello(encoded, body)
            .map_err(|_| Error::Internal("sealing ClientHelloOuter"))?;
        if offer.sealer.sealed() == 1 {
            offer.first_extension = raw
                .get(ech_at..ech_at.saturating_add(placeholder.len()))
                .ok_or(Error::Internal("ClientHelloOuter extension"))?
                .to_vec();
        }
        offer.outer_offered = Offered::Config(sent);
        Ok(Some(raw))
    }

    /// ClientHelloOuter, whole, with `outer.extension` as its
    /// `encrypted_client_hello`; with what it offers and where that
    /// extension's body lies.
    fn encode_outer(
        &self,
        outer: &OuterParts<'_>,
        shares: &Shares,
        cookie: Option<&[u8]>,
        early: bool,
    ) -> Result<(BuiltHello, OwnExtensions, usize), Error> {
        use LengthPrefix::U16;
        let mut raw =
            Vec::with_capacity(outer.extension.len().saturating_mul(2).saturating_add(512));
        let mut sent = OwnExtensions::default();
        let shape = Shape::EchOuter {
            random: outer.random,
            public_name: outer.public_name,
        };
        let start = self.encode_hello_start(&mut raw, &mut sent, shares, cookie, None, shape);
        let ech_at = raw.len().saturating_add(4);
        put_extension(
            &mut raw,
            &mut sent,
            ExtensionType::ENCRYPTED_CLIENT_HELLO,
            |out| out.extend_from_slice(outer.extension),
        );
        // §6.1 rule 7: the client-facing server, using this hello, then
        // refuses the early data as RFC 9846 §4.3.10 says.
        if early {
            put_extension(&mut raw, &mut sent, ExtensionType::EARLY_DATA, |_| {});
        }
        if let Some(g) = outer.grease_psk {
            let mut binder = alloc::vec![0u8; g.binder_len];
            self.config.rng.fill(&mut binder)?;
            put_extension(&mut raw, &mut sent, ExtensionType::PRE_SHARED_KEY, |out| {
                with_prefix(out, U16, |out| {
                    put_vec(out, U16, &g.identity);
                    out.extend_from_slice(&g.age.to_be_bytes());
                });
                with_prefix(out, U16, |out| {
                    put_vec(out, LengthPrefix::U8, &binder);
                });
            });
        }
        patch_len(&mut raw, start.ext_at, 2);
        patch_len(&mut raw, 1, 3);
        let built = BuiltHello {
            raw,
            early,
            ext_at: start.ext_at,
        };
        Ok((built, sent, ech_at))
    }

    /// §6.1.6 after a HelloRetryRequest that rejected ECH: the second
    /// ClientHello is the first ClientHelloOuter updated as RFC 9846
    /// §4.1.2 says (the requested share, the cookie, no early_data, a
    /// fresh GREASE binder), its `encrypted_client_hello` unchanged.
    /// `None` when no such hello is due.
    pub(super) fn send_rejected_retry_hello(
        &mut self,
        core: &mut Core,
        shares: &Shares,
        cookie: Option<&[u8]>,
    ) -> Result<Option<()>, Error> {
        let EchClient::Rejected(r) = &mut self.ech else {
            return Ok(None);
        };
        let Some(retry) = r.retry.take() else {
            return Ok(None);
        };
        let outer = OuterParts {
            random: &self.random,
            public_name: &retry.public_name,
            extension: &retry.extension,
            grease_psk: retry.grease_psk.as_ref(),
        };
        let (built, sent, _) = self.encode_outer(&outer, shares, cookie, false)?;
        if !self.hello_fits(&built) {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest(
                "it makes the second ClientHelloOuter too long",
            )
            .into());
        }
        self.offered = Offered::Config(sent);
        core.client_random = self.random;
        core.queue_handshake(&built.raw);
        self.transcript.add_owned(built.raw);
        Ok(Some(()))
    }

    /// §6.1.4 on a ServerHello of suite hash `hash`: accepted when its
    /// random carries the confirmation over the inner transcript; after a
    /// HelloRetryRequest that confirmed, it must (§6.1.5). Rejected, the
    /// handshake continues with ClientHelloOuter, and a ServerHello that
    /// selects a PSK is illegal (§6.1.2).
    pub(super) fn ech_server_hello(
        &mut self,
        core: &mut Core,
        hash: Hash,
        sh: &ServerHelloRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        match mem::replace(&mut self.ech, EchClient::Off) {
            EchClient::Offer(offer) => {
                if is_confirmed(
                    Signal::ServerHello,
                    hash,
                    &self.transcript,
                    &self.random,
                    raw,
                ) {
                    crate::log::debug!("client: ECH accepted");
                    self.ech = EchClient::Accepted;
                    core.negotiated.ech = EchStatus::Accepted;
                    return Ok(());
                }
                if offer.hrr_accepted {
                    return Err(PeerMisbehaved::IllegalParameter(
                        "the ServerHello does not confirm the ECH acceptance of the HelloRetryRequest",
                    )
                    .into());
                }
                self.use_outer(core, offer)?;
            }
            other => self.ech = other,
        }
        if self.ech.is_rejected() && sh.extensions.find(ExtensionType::PRE_SHARED_KEY).is_some() {
            return Err(PeerMisbehaved::IllegalParameter(
                "pre_shared_key in a ServerHello that rejected ECH",
            )
            .into());
        }
        Ok(())
    }

    /// §6.1.4 on a HelloRetryRequest with an `encrypted_client_hello`
    /// (`has_extension`, its 8 bytes checked): whether it confirms
    /// acceptance, computed over message_hash(ClientHelloInner1) — the
    /// inner transcript as it stands after the retry — and the request.
    pub(super) fn ech_retry_confirmed(&self, hash: Hash, has_extension: bool, raw: &[u8]) -> bool {
        self.ech.is_offer()
            && has_extension
            && is_confirmed(
                Signal::HelloRetryRequest,
                hash,
                &self.transcript,
                &self.random,
                raw,
            )
    }

    /// After a HelloRetryRequest (in the transcript): accepted, the
    /// second ClientHello is again an inner one sealed in an outer one and
    /// the ServerHello must confirm too (§6.1.5); otherwise the server
    /// rejected ECH and the handshake continues with ClientHelloOuter
    /// (§6.1.6), whose transcript follows the request as the inner one
    /// did (RFC 9846 §4.4.1).
    pub(super) fn ech_retry(
        &mut self,
        core: &mut Core,
        hash: Hash,
        accepted: bool,
        raw: &[u8],
    ) -> Result<(), Error> {
        match mem::replace(&mut self.ech, EchClient::Off) {
            EchClient::Offer(mut offer) if accepted => {
                crate::log::debug!("client: ECH accepted by the HelloRetryRequest");
                offer.hrr_accepted = true;
                offer.outer_transcript = Transcript::default();
                self.ech = EchClient::Offer(offer);
            }
            EchClient::Offer(mut offer) => {
                offer.outer_transcript.start_hash_after_retry(hash);
                offer.outer_transcript.add(raw);
                let retry = OuterRetry {
                    public_name: offer.public_name.clone(),
                    extension: mem::take(&mut offer.first_extension),
                    grease_psk: offer.grease_psk.take(),
                };
                self.use_outer(core, offer)?;
                if let EchClient::Rejected(r) = &mut self.ech {
                    r.retry = Some(Box::new(retry));
                }
            }
            other => self.ech = other,
        }
        Ok(())
    }

    /// §6.1.6: the server used ClientHelloOuter. Its transcript, random
    /// and offer become the handshake's; the PSK was only offered inside
    /// (§6.1.2), so none is; the certificate must be valid for the public
    /// name (§6.1.7).
    fn use_outer(&mut self, core: &mut Core, offer: Box<EchOffer>) -> Result<(), Error> {
        crate::log::debug!("client: ECH rejected, continuing with the outer hello");
        let offer = *offer;
        let public_name = offer.public_name.as_str().into_server_name()?;
        self.transcript = offer.outer_transcript;
        self.random = offer.outer_random;
        core.client_random = self.random;
        self.offered = offer.outer_offered;
        self.psk = None;
        self.ech = EchClient::Rejected(Box::new(EchRejection {
            public_name,
            retry_configs: None,
            retry: None,
        }));
        core.negotiated.ech = EchStatus::Rejected;
        Ok(())
    }

    /// An `encrypted_client_hello` in EncryptedExtensions (we sent one):
    /// it must parse, else `decode_error` (§6.1.6, §6.2.1). Only a
    /// rejected offer keeps its `retry_configs`; GREASE (which "MUST NOT
    /// save" them) ignores it. Accepted, it is refused
    /// (`unsupported_extension`): a server sends `retry_configs` only
    /// when it used ClientHelloOuter (§7.1), so one that accepted has no
    /// reason to, and configs arriving on a connection we report as the
    /// origin's must not look like the origin's.
    pub(super) fn ech_encrypted_extensions(&mut self, body: &[u8]) -> Result<(), Error> {
        if matches!(self.ech, EchClient::Accepted) {
            return Err(PeerMisbehaved::UnsolicitedExtension(
                ExtensionType::ENCRYPTED_CLIENT_HELLO.0,
            )
            .into());
        }
        let ee = EchEncryptedExtensions::from_body(body)?;
        if let EchClient::Rejected(r) = &mut self.ech {
            r.retry_configs = Some(ee.retry_configs);
        }
        Ok(())
    }

    /// The name the server's certificate must be valid for: the origin's,
    /// or after a rejection the config's public_name (§6.1.7).
    pub(super) fn verify_name(&self) -> &ServerName<'static> {
        match &self.ech {
            EchClient::Rejected(r) => &r.public_name,
            _ => &self.session_key.server_name,
        }
    }

    /// After a rejection, the error the handshake ends with once the
    /// public name is authenticated and our Finished sent (§6.1.6).
    pub(super) fn ech_rejection(&self) -> Option<Error> {
        match &self.ech {
            EchClient::Rejected(r) => Some(Error::EchRejected {
                retry_configs: r.retry_configs.clone(),
            }),
            _ => None,
        }
    }
}

/// §6.1.4, §6.2.1: a HelloRetryRequest's `encrypted_client_hello` is 8
/// bytes, else `decode_error`.
pub(super) fn check_retry_extension(body: &[u8]) -> Result<(), Error> {
    EchHelloRetryRequest::from_body(body)?;
    Ok(())
}

/// What distinguishes one ClientHelloOuter from the hello a client
/// without ECH would send.
struct OuterParts<'a> {
    /// Its own random (§6.1 rule 4).
    random: &'a [u8; 32],
    /// In server_name (rule 5).
    public_name: &'a str,
    /// The `encrypted_client_hello` body.
    extension: &'a [u8],
    grease_psk: Option<&'a GreasePsk>,
}
