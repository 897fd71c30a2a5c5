//! HPKE's steps one by one, with their intermediate secrets in the
//! clear, for RFC 9180's known-answer tests: Encap/Decap's shared secret
//! (§4.1) and KeySchedule's key, base nonce and exporter secret (§5.1).
//! An application uses [`crate::hpke`], which never shows them.

use alloc::vec::Vec;

use crate::crypto::hash::Output;
use crate::crypto::{CryptoProvider, SecureRandom};
use crate::hpke::{
    HpkeError, PrivateKey, ReceiverAuth, ReceiverContext, SenderAuth, SenderContext, Suite,
};

/// KeySchedule's outputs (§5.1), before they become a context.
pub struct KeySchedule {
    shared_secret: Output,
    inner: crate::hpke::key_schedule::Schedule,
}

impl KeySchedule {
    /// The KEM's shared secret the schedule started from.
    pub fn shared_secret(&self) -> &[u8] {
        self.shared_secret.as_ref()
    }

    /// `key` (empty for export-only).
    pub fn key(&self) -> &[u8] {
        self.inner.key()
    }

    /// `base_nonce` (empty for export-only).
    pub fn base_nonce(&self) -> &[u8] {
        self.inner.base_nonce()
    }

    /// `exporter_secret`.
    pub fn exporter_secret(&self) -> &[u8] {
        self.inner.exporter_secret()
    }

    /// The sender's context of this schedule.
    pub fn into_sender(self) -> Result<SenderContext, HpkeError> {
        self.inner.into_sender()
    }

    /// The recipient's context of this schedule.
    pub fn into_receiver(self) -> Result<ReceiverContext, HpkeError> {
        self.inner.into_receiver()
    }
}

/// [`Suite::setup_sender_with`] in two steps: `enc` and the schedule.
pub fn sender_schedule(
    suite: &Suite,
    provider: &CryptoProvider,
    pk_r: &[u8],
    info: &[u8],
    auth: &SenderAuth<'_>,
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, KeySchedule), HpkeError> {
    let (shared_secret, enc, inner) = suite.sender_schedule(provider, pk_r, info, auth, rng)?;
    Ok((
        enc,
        KeySchedule {
            shared_secret,
            inner,
        },
    ))
}

/// [`Suite::setup_receiver_with`] in two steps: the schedule.
pub fn receiver_schedule(
    suite: &Suite,
    provider: &CryptoProvider,
    enc: &[u8],
    sk_r: &PrivateKey,
    info: &[u8],
    auth: &ReceiverAuth<'_>,
) -> Result<KeySchedule, HpkeError> {
    let (shared_secret, inner) = suite.receiver_schedule(provider, enc, sk_r, info, auth)?;
    Ok(KeySchedule {
        shared_secret,
        inner,
    })
}
