//! Encrypted Client Hello on the server, shared mode (RFC 9849 §7): the
//! server is client-facing and backend at once. The first ClientHello is
//! trial-decrypted before anything is negotiated (§7.1); when a key opens
//! it, ClientHelloInner is THE ClientHello from then on (transcript,
//! random, every parameter), and the second one after a HelloRetryRequest
//! is opened with the same HPKE context (§7.1.1). The acceptance signals
//! (§7.2, §7.2.1) are written where the HelloRetryRequest and the
//! ServerHello are built (`hello.rs`, `flight.rs`), with
//! `crate::handshake::ech`.

use super::*;
use crate::ech::{EchEncryptedExtensions, EchOutcome, EchServerContext, trial_decrypt};
use crate::handshake::ech::{CONFIRMATION_LEN, Signal, write_confirmation};

/// What ECH asks of the rest of this handshake.
#[derive(Default)]
pub(super) enum EchState {
    /// Nothing (left) to do: no keys, no `encrypted_client_hello`, or the
    /// acceptance signal already sent.
    #[default]
    Off,
    /// §7.1: a key opened the payload; the handshake runs on
    /// ClientHelloInner.
    Accepted(Box<Accepted>),
    /// §7.1: no key opened it; the handshake runs on ClientHelloOuter and
    /// EncryptedExtensions carries `retry_configs`, this encoded
    /// `ECHEncryptedExtensions`.
    Rejected(Vec<u8>),
}

pub(super) struct Accepted {
    /// Opens the second ClientHelloOuter after a HelloRetryRequest.
    context: EchServerContext,
    /// ClientHelloInner.random, the key of both signals (§7.2, §7.2.1);
    /// the second ClientHelloInner must repeat it (RFC 9846 §4.1.2, checked
    /// by `hello_fingerprint`).
    inner_random: [u8; 32],
}

impl ServerHs {
    /// A ClientHello as received from the network, first or second: ECH
    /// decides which hello the handshake runs on, then
    /// [`client_hello`](Self::client_hello) negotiates. (A suspended hello
    /// is resumed through `client_hello_from_bytes`, which skips this: the
    /// hello kept is already the one to run on, and the HPKE context must
    /// not open again.)
    pub(super) fn received_client_hello(
        &mut self,
        core: &mut Core,
        retry: Option<Retry>,
        ch: ClientHelloRef<'_>,
        raw: &[u8],
    ) -> Result<(), Error> {
        // A server without ECH keys does not implement ECH for this
        // connection: the extension is an unknown one and ignored (RFC 9846
        // §4.2), whatever its type — §7's refusals are for servers that
        // play the client-facing or backend role.
        if self.config.ech_keys.is_empty() {
            return self.client_hello(core, retry, ch, raw);
        }
        let body = raw
            .get(4..)
            .ok_or(Error::Internal("a parsed ClientHello has no header"))?;
        if retry.is_some() {
            // §7.1.1: the first hello's outcome stands; no second trial.
            let EchState::Accepted(accepted) = &mut self.ech else {
                // Rejected or not offered: "proceeds with the connection as
                // usual" and never decrypts the second payload; §7's
                // refusal of type inner (or no type) still holds.
                crate::ech::server::check_undecrypted_outer(body)?;
                return self.client_hello(core, retry, ch, raw);
            };
            let inner = accepted
                .context
                .open_second_client_hello(body, &self.config.ech_policy.limits)?;
            return self.client_hello_from_bytes(core, retry, &inner);
        }
        let cfg = self.config.clone();
        // §7.1: decided before any other parameter is negotiated.
        match trial_decrypt(cfg.provider, &cfg.ech_keys, body, &cfg.ech_policy)? {
            EchOutcome::NotOffered => self.client_hello(core, retry, ch, raw),
            EchOutcome::Rejected { retry_configs, .. } => {
                let retry_configs =
                    retry_configs.ok_or(Error::Internal("ECH rejected without retry_configs"))?;
                let encoded = EchEncryptedExtensions { retry_configs }.to_bytes();
                // An extension body holds at most 65535 bytes (`build`
                // refuses keys whose list would not fit).
                if encoded.len() > usize::from(u16::MAX) {
                    return Err(Error::BadConfig(
                        "the ECH keys' configs do not fit retry_configs".into(),
                    ));
                }
                crate::log::debug!("server: ECH rejected, going on with ClientHelloOuter");
                self.ech = EchState::Rejected(encoded);
                core.negotiated.ech = EchStatus::Rejected;
                self.client_hello(core, retry, ch, raw)
            }
            EchOutcome::Accepted(accepted) => {
                let crate::ech::EchAccepted { inner, context, .. } = *accepted;
                // ClientHelloInner: type (1), length (3), legacy_version
                // (2), then the random.
                let inner_random = inner
                    .get(6..38)
                    .and_then(|r| <[u8; 32]>::try_from(r).ok())
                    .ok_or(Error::Internal("ClientHelloInner shorter than a random"))?;
                crate::log::debug!("server: ECH accepted, going on with ClientHelloInner");
                self.ech = EchState::Accepted(Box::new(Accepted {
                    context,
                    inner_random,
                }));
                core.negotiated.ech = EchStatus::Accepted;
                self.client_hello_from_bytes(core, retry, &inner)
            }
        }
    }

    /// The body of the `encrypted_client_hello` extension our
    /// HelloRetryRequest carries: 8 zeros for the confirmation written by
    /// [`confirm_retry`](Self::confirm_retry) when ECH was accepted
    /// (§7.2.1); 8 random bytes when it was rejected (§7.1, so that a
    /// rejected or GREASE client sees what an accepted one would,
    /// §10.10.4); none otherwise.
    pub(super) fn retry_ech_extension(&self) -> Result<Option<ServerExtension>, Error> {
        let mut body = [0u8; CONFIRMATION_LEN];
        match &self.ech {
            EchState::Off => return Ok(None),
            EchState::Accepted(_) => {}
            EchState::Rejected(_) => self.config.rng.fill(&mut body)?,
        }
        Ok(Some(ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: body.to_vec(),
        })))
    }

    /// §7.2.1: writes hrr_accept_confirmation into `hrr` (built with 8
    /// zeros in its `encrypted_client_hello`) when ECH was accepted;
    /// `self.transcript` holds message_hash(ClientHelloInner1).
    pub(super) fn confirm_retry(&self, hash: Hash, hrr: &mut [u8]) -> Result<(), Error> {
        let EchState::Accepted(a) = &self.ech else {
            return Ok(());
        };
        write_confirmation(
            Signal::HelloRetryRequest,
            hash,
            &self.transcript,
            &a.inner_random,
            hrr,
        )
        .ok_or(Error::Internal(
            "our HelloRetryRequest has no place for the ECH signal",
        ))
    }

    /// §7.2: writes accept_confirmation into the last 8 bytes of `sh`'s
    /// random (built zeroed) when ECH was accepted; `self.transcript`
    /// holds the inner handshake up to the ServerHello. ECH needs nothing
    /// more from the ServerHello on: the HPKE context goes.
    pub(super) fn confirm_server_hello(&mut self, hash: Hash, sh: &mut [u8]) -> Result<(), Error> {
        let EchState::Accepted(a) = &self.ech else {
            return Ok(());
        };
        write_confirmation(
            Signal::ServerHello,
            hash,
            &self.transcript,
            &a.inner_random,
            sh,
        )
        .ok_or(Error::Internal(
            "our ServerHello has no place for the ECH signal",
        ))?;
        self.ech = EchState::Off;
        Ok(())
    }

    /// Whether the ServerHello must carry accept_confirmation.
    pub(super) fn ech_accepted(&self) -> bool {
        matches!(self.ech, EchState::Accepted(_))
    }

    /// §7.1, §7.1.1: the `retry_configs` owed in EncryptedExtensions
    /// (`ECHEncryptedExtensions`, encoded), once; only when ECH was
    /// rejected, never when accepted.
    pub(super) fn take_retry_configs(&mut self) -> Option<Vec<u8>> {
        match mem::take(&mut self.ech) {
            EchState::Rejected(encoded) => Some(encoded),
            other => {
                self.ech = other;
                None
            }
        }
    }
}
