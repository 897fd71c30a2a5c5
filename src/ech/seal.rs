//! Sealing the inner ClientHello into ClientHelloOuter (client, RFC 9849
//! §6.1, §6.1.1, §6.1.5) and opening it with one ECH key (server, §7.1,
//! §7.1.1).
//!
//! The client's order of work is forced by the AAD: `enc` is part of the
//! outer hello that is authenticated, so the HPKE context exists before
//! the outer hello can be written, and the payload is sealed last, over
//! the finished outer hello with a zero placeholder where the payload
//! goes (§6.1.1). Hence two steps: [`EchSealer::new`] (SetupBaseS, gives
//! `enc` and [`EchSealer::placeholder`]), then
//! [`EchSealer::seal_client_hello`] once the caller has written the outer
//! hello around that placeholder. The sealer is kept: after a
//! HelloRetryRequest the second ClientHelloOuter is sealed with the same
//! context (its sequence number is then 1) and an empty `enc` (§6.1.5
//! step 4; reusing the context is what defeats §10.12.2's attack).
//!
//! Both sides compute the AAD with the one function,
//! [`client_hello_outer_aad`](super::client_hello_outer_aad), over the bytes as they are sent or received.

use alloc::vec::Vec;

use super::EchError;
use super::config::{EchConfig, HpkeSymmetricCipherSuite, SelectedConfig};
use super::extension::{EchClientHello, EchOuter};
use super::inner::outer_extension;
use super::keygen::EchKeyPair;
use crate::crypto::aead::TAG_LEN;
use crate::crypto::{CryptoProvider, SecureRandom};
use crate::hpke::{HpkeAeadId, HpkeError, ReceiverContext, SenderContext, Suite};

/// The client's HPKE context for one connection's ECH offer, and what its
/// `encrypted_client_hello` names (§6.1.1).
pub struct EchSealer {
    cipher_suite: HpkeSymmetricCipherSuite,
    config_id: u8,
    enc: Vec<u8>,
    context: SenderContext,
}

impl core::fmt::Debug for EchSealer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EchSealer")
            .field("cipher_suite", &self.cipher_suite)
            .field("config_id", &self.config_id)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl EchSealer {
    /// §6.1: `enc, context = SetupBaseS(pkR, "tls ech" || 0x00 ||
    /// ECHConfig)` for the chosen config and suite (as
    /// [`EchConfigList::select`](super::EchConfigList::select) gives them).
    ///
    /// Refused if the suite is not one the config advertises under its
    /// KEM ("It MUST NOT choose a cipher suite or version not advertised
    /// by the configuration"): `SelectedConfig`'s fields are public, so a
    /// hand-made one is checked here too.
    pub fn new(
        provider: &CryptoProvider,
        selected: &SelectedConfig<'_>,
        rng: &dyn SecureRandom,
    ) -> Result<Self, EchError> {
        // The key, config_id and suites come from the config whose
        // encoding is the info: a hand-made selection pairing one
        // config's contents with another's encoding would seal under a
        // key and info no server holds together.
        if selected.config.contents() != Some(selected.contents) {
            return Err(EchError::InvalidConfig(
                "the selected contents are not the selected config's",
            ));
        }
        let key_config = &selected.contents.key_config;
        let suite = selected.suite;
        let cipher_suite = HpkeSymmetricCipherSuite {
            kdf_id: suite.kdf,
            aead_id: suite.aead,
        };
        if suite.kem != key_config.kem_id || !key_config.cipher_suites.contains(&cipher_suite) {
            return Err(EchError::InvalidConfig(
                "the suite is not one the ECHConfig advertises",
            ));
        }
        if suite.aead == HpkeAeadId::EXPORT_ONLY {
            return Err(EchError::Hpke(HpkeError::ExportOnly));
        }
        let (enc, context) = suite.setup_sender(
            provider,
            &key_config.public_key,
            &selected.config.hpke_info(),
            rng,
        )?;
        Ok(Self {
            cipher_suite,
            config_id: key_config.config_id,
            enc,
            context,
        })
    }

    /// The `enc` the next ClientHelloOuter carries: the encapsulated key
    /// in the first, the empty string in the one after a
    /// HelloRetryRequest (§6.1.5 step 4).
    pub fn enc(&self) -> &[u8] {
        if self.context.sequence_number() == 0 {
            &self.enc
        } else {
            &[]
        }
    }

    /// The chosen config's `config_id`, unchanged in the second
    /// ClientHelloOuter (§6.1.1, §7.1.1).
    pub fn config_id(&self) -> u8 {
        self.config_id
    }

    /// The suite, unchanged in the second ClientHelloOuter (§7.1.1).
    pub fn cipher_suite(&self) -> HpkeSymmetricCipherSuite {
        self.cipher_suite
    }

    /// How many ClientHelloOuters were sealed (0 before the first).
    pub fn sealed(&self) -> u64 {
        self.context.sequence_number()
    }

    /// §6.1.1: L, the length of the sealed payload of an
    /// EncodedClientHelloInner of `encoded_len` bytes: the plaintext and
    /// the AEAD's tag (16 bytes for every AEAD HPKE defines).
    pub fn payload_len(encoded_len: usize) -> usize {
        encoded_len.saturating_add(TAG_LEN)
    }

    /// The `encrypted_client_hello` to write into the next partial
    /// ClientHelloOuterAAD (§6.1.1): this config_id and suite, [`enc`](Self::enc),
    /// and a payload of L zeros for an EncodedClientHelloInner of
    /// `encoded_len` bytes.
    pub fn placeholder(&self, encoded_len: usize) -> EchClientHello {
        EchClientHello::Outer(EchOuter {
            cipher_suite: self.cipher_suite,
            config_id: self.config_id,
            enc: self.enc().to_vec(),
            payload: alloc::vec![0; Self::payload_len(encoded_len)],
        })
    }

    /// §6.1.1: `final_payload = context.Seal(ClientHelloOuterAAD,
    /// EncodedClientHelloInner)`, written over the placeholder in
    /// `outer_body` (the ClientHelloOuter handshake body, without its
    /// 4-byte header, as it will be sent). "The two values have the same
    /// length, so it is not necessary to recompute length prefixes."
    ///
    /// `outer_body` must carry this sealer's [`placeholder`](Self::placeholder)
    /// for `encoded_inner` (same config_id, suite, `enc`, payload length);
    /// anything else is our caller's mistake and nothing is sealed (the
    /// sequence number does not move). Call again for the second
    /// ClientHelloOuter after a HelloRetryRequest.
    pub fn seal_client_hello(
        &mut self,
        encoded_inner: &[u8],
        outer_body: &mut [u8],
    ) -> Result<(), EchError> {
        // The outer hello is our own: a peer's rule broken here (an ECH
        // extension of another type, say) is our caller's mistake.
        // Two ClientHellos at most (one HelloRetryRequest, RFC 8446
        // §4.1.4): a third seal is a broken handshake, refused before it
        // makes a message 2 a server would never open.
        if self.context.sequence_number() >= 2 {
            return Err(EchError::InvalidConfig(
                "both ClientHelloOuters were already sealed",
            ));
        }
        let no_placeholder = EchError::InvalidConfig(
            "the outer ClientHello has no encrypted_client_hello of type outer",
        );
        let (ech, payload) = match outer_extension(outer_body) {
            Ok(Some(found)) => found,
            Ok(None) | Err(EchError::UnexpectedClientHelloType(_)) => return Err(no_placeholder),
            Err(e) => return Err(e),
        };
        if ech.config_id != self.config_id
            || ech.cipher_suite != self.cipher_suite
            || ech.enc != self.enc()
            || ech.payload.len() != Self::payload_len(encoded_inner.len())
        {
            return Err(EchError::InvalidConfig(
                "the outer encrypted_client_hello is not this sealer's placeholder",
            ));
        }
        // §5.2: the AAD is the outer hello with the payload zeroed, as
        // `client_hello_outer_aad` gives the server.
        let mut aad = outer_body.to_vec();
        if let Some(bytes) = aad.get_mut(payload.clone()) {
            bytes.fill(0);
        }
        let sealed = self.context.seal(&aad, encoded_inner)?;
        let slot = outer_body
            .get_mut(payload)
            .filter(|slot| slot.len() == sealed.len())
            .ok_or(EchError::InvalidConfig(
                "the sealed payload does not fit its placeholder",
            ))?;
        slot.copy_from_slice(&sealed);
        Ok(())
    }
}

/// The HPKE suite a config advertises for `cipher_suite` (§7.1: "The
/// server verifies that the ECHConfig supports the cipher suite indicated
/// by the ECHClientHello.cipher_suite and that the version of ECH
/// indicated by the client matches the ECHConfig.version"): `None` for
/// another version, a pair the config does not list, or export-only
/// (which opens nothing).
pub(super) fn advertised_suite(
    config: &EchConfig,
    cipher_suite: HpkeSymmetricCipherSuite,
) -> Option<Suite> {
    let key_config = &config.contents()?.key_config;
    (cipher_suite.aead_id != HpkeAeadId::EXPORT_ONLY
        && key_config.cipher_suites.contains(&cipher_suite))
    .then(|| Suite::new(key_config.kem_id, cipher_suite.kdf_id, cipher_suite.aead_id))
}

/// Server side, §7.1, with one key:
///
/// ```text
/// context = SetupBaseR(ECHClientHello.enc, skR, "tls ech" || 0x00 || ECHConfig)
/// EncodedClientHelloInner = context.Open(ClientHelloOuterAAD, ECHClientHello.payload)
/// ```
///
/// `ech` and `aad` are what [`client_hello_outer_aad`](super::client_hello_outer_aad) gave for the
/// received ClientHelloOuter. Returns EncodedClientHelloInner and the
/// context, kept to open the second ClientHelloOuter after a
/// HelloRetryRequest (§7.1.1). Any failure — a suite the config does not
/// advertise, an `enc` that is no public key, a payload that does not
/// open — is an [`EchError::Hpke`]; in trial decryption each one only
/// means "not this key" (§7.1).
pub fn open_client_hello(
    provider: &CryptoProvider,
    key: &EchKeyPair,
    ech: &EchOuter,
    aad: &[u8],
) -> Result<(Vec<u8>, ReceiverContext), EchError> {
    let suite = advertised_suite(key.config(), ech.cipher_suite).ok_or(EchError::Hpke(
        HpkeError::Unsupported("a cipher suite the ECHConfig does not advertise"),
    ))?;
    let mut context = suite.setup_receiver(
        provider,
        &ech.enc,
        key.private_key(),
        &key.config().hpke_info(),
    )?;
    let encoded = context.open(aad, &ech.payload)?;
    Ok((encoded, context))
}
