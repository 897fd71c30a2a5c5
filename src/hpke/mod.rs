//! HPKE, Hybrid Public Key Encryption (RFC 9180), over the provider
//! seam ([`crate::crypto`]): no crypto of its own, the provider's key
//! exchange groups, HMAC and AEADs.
//!
//! What is implemented (the code points of [`Suite`]):
//!
//! - KEMs: DHKEM(X25519, HKDF-SHA256) and DHKEM(P-256, HKDF-SHA256)
//!   (§4.1, §7.1), on any provider whose group keeps static keys
//!   ([`KxGroup::static_key`](crate::crypto::kx::KxGroup::static_key):
//!   both built-in providers).
//! - KDFs: HKDF-SHA256 and HKDF-SHA384 (§7.2). HKDF-SHA512 is not: the
//!   provider seam has no SHA-512.
//! - AEADs: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 and export-only
//!   (§7.3).
//! - Modes: base, psk, auth and auth_psk (§5.1.1 to §5.1.4); the mode
//!   follows from the [`SenderAuth`] / [`ReceiverAuth`] given.
//!
//! ECH (RFC 9849) uses the base mode: the client seals its inner
//! ClientHello to the server's public key, the server opens it with its
//! [`PrivateKey`].
//!
//! ```
//! use tls13::crypto::{OsRandom, rustcrypto};
//! use tls13::hpke::{PrivateKey, Suite};
//!
//! # fn main() -> Result<(), tls13::hpke::HpkeError> {
//! let provider = rustcrypto::provider();
//! let suite = Suite::X25519_SHA256_AES_128_GCM;
//! // The recipient's key pair; its public key is published.
//! let sk_r = PrivateKey::generate(provider, suite.kem, &OsRandom)?;
//!
//! // Sender: a context bound to `info`, and `enc` for the recipient.
//! let (enc, mut sender) = suite.setup_sender(provider, sk_r.public_key(), b"info", &OsRandom)?;
//! let ct = sender.seal(b"aad", b"hello")?;
//!
//! // Recipient: the same context from `enc` and the private key.
//! let mut receiver = suite.setup_receiver(provider, &enc, &sk_r, b"info")?;
//! assert_eq!(receiver.open(b"aad", &ct)?, b"hello");
//!
//! // Both can export the same secrets.
//! let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
//! sender.export(b"context", &mut a)?;
//! receiver.export(b"context", &mut b)?;
//! assert_eq!(a, b);
//! # Ok(())
//! # }
//! ```
//!
//! Randomness: the sender's ephemeral key is DeriveKeyPair of 32 bytes
//! drawn from the `rng` given (GenerateKeyPair as §4 allows), so a
//! scripted source replays a setup exactly; RFC 9180's test vectors run
//! that way, their `ikmE` being those bytes.

mod error;
mod kdf;
mod kem;
pub(crate) mod key_schedule;

use alloc::vec::Vec;

pub use error::HpkeError;
pub use kem::PrivateKey;
pub use key_schedule::{ReceiverContext, SenderContext};

use kdf::Kdf;
use kem::Dhkem;
use key_schedule::Schedule;

use crate::crypto::aead::{Aead, AeadAlgorithm};
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::crypto::{CryptoProvider, SecureRandom};
pub use crate::msgs::enums::{HpkeAeadId, HpkeKdfId, HpkeKemId};

/// An HPKE ciphersuite (§4): a KEM, a KDF and an AEAD, by code point.
/// Any values can be named (an ECH config may carry unknown ones);
/// [`is_supported`](Self::is_supported) says whether a provider can run
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Suite {
    /// The KEM.
    pub kem: HpkeKemId,
    /// The KDF of the key schedule and exports (the KEM has its own).
    pub kdf: HpkeKdfId,
    /// The AEAD.
    pub aead: HpkeAeadId,
}

/// The HPKE modes (§5, Table 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Mode {
    /// `mode_base`: encryption to a public key (§5.1.1).
    Base = 0,
    /// `mode_psk`: with a pre-shared key (§5.1.2).
    Psk = 1,
    /// `mode_auth`: with the sender's KEM key (§5.1.3).
    Auth = 2,
    /// `mode_auth_psk`: with both (§5.1.4).
    AuthPsk = 3,
}

/// A pre-shared key and its identifier (§5.1.2): both non-empty, and the
/// key at least 32 bytes (it must hold 32 bytes of entropy).
#[derive(Clone, Copy)]
pub struct Psk<'a> {
    /// `psk`.
    pub key: &'a [u8],
    /// `psk_id`.
    pub id: &'a [u8],
}

impl core::fmt::Debug for Psk<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Psk").finish_non_exhaustive()
    }
}

/// What the sender authenticates with beyond the base mode: a PSK (psk
/// mode), its own KEM key (auth mode), or both (auth_psk). The default,
/// neither, is the base mode.
#[derive(Clone, Copy, Debug, Default)]
pub struct SenderAuth<'a> {
    /// The pre-shared key.
    pub psk: Option<Psk<'a>>,
    /// The sender's private key `skS` (AuthEncap, §4.1).
    pub key: Option<&'a PrivateKey>,
}

/// What the recipient expects the sender to authenticate with: the
/// counterpart of [`SenderAuth`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReceiverAuth<'a> {
    /// The pre-shared key.
    pub psk: Option<Psk<'a>>,
    /// The sender's public key `pkS` (AuthDecap, §4.1).
    pub sender_public_key: Option<&'a [u8]>,
}

/// The mode of a setup with a PSK or not, a sender key or not.
fn mode_of(psk: bool, auth: bool) -> Mode {
    match (psk, auth) {
        (false, false) => Mode::Base,
        (true, false) => Mode::Psk,
        (false, true) => Mode::Auth,
        (true, true) => Mode::AuthPsk,
    }
}

impl Suite {
    /// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM: the suite
    /// every ECH implementation must support (RFC 9849 §9).
    pub const X25519_SHA256_AES_128_GCM: Self = Self::new(
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        HpkeKdfId::HKDF_SHA256,
        HpkeAeadId::AES_128_GCM,
    );

    /// A suite of these code points.
    pub const fn new(kem: HpkeKemId, kdf: HpkeKdfId, aead: HpkeAeadId) -> Self {
        Self { kem, kdf, aead }
    }

    /// Whether `provider` can run this suite.
    pub fn is_supported(&self, provider: &CryptoProvider) -> bool {
        self.resolve(provider).is_ok()
    }

    /// SetupBaseS(pkR, info) (§5.1.1): `enc` for the recipient and the
    /// sender's context. `pk_r` is validated (§7.1.4); the ephemeral key
    /// comes from `rng`.
    pub fn setup_sender(
        &self,
        provider: &CryptoProvider,
        pk_r: &[u8],
        info: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SenderContext), HpkeError> {
        self.setup_sender_with(provider, pk_r, info, &SenderAuth::default(), rng)
    }

    /// `Setup<MODE>S` (§5.1.1 to §5.1.4), the mode following from `auth`.
    pub fn setup_sender_with(
        &self,
        provider: &CryptoProvider,
        pk_r: &[u8],
        info: &[u8],
        auth: &SenderAuth<'_>,
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SenderContext), HpkeError> {
        let (_, enc, schedule) = self.sender_schedule(provider, pk_r, info, auth, rng)?;
        Ok((enc, schedule.into_sender()?))
    }

    /// SetupBaseR(enc, skR, info) (§5.1.1): the recipient's context. An
    /// `enc` that is not a valid public key is an error here; one made
    /// for another key or `info` gives a context that opens nothing.
    pub fn setup_receiver(
        &self,
        provider: &CryptoProvider,
        enc: &[u8],
        sk_r: &PrivateKey,
        info: &[u8],
    ) -> Result<ReceiverContext, HpkeError> {
        self.setup_receiver_with(provider, enc, sk_r, info, &ReceiverAuth::default())
    }

    /// `Setup<MODE>R` (§5.1.1 to §5.1.4), the mode following from `auth`.
    pub fn setup_receiver_with(
        &self,
        provider: &CryptoProvider,
        enc: &[u8],
        sk_r: &PrivateKey,
        info: &[u8],
        auth: &ReceiverAuth<'_>,
    ) -> Result<ReceiverContext, HpkeError> {
        let (_, schedule) = self.receiver_schedule(provider, enc, sk_r, info, auth)?;
        schedule.into_receiver()
    }

    /// SealBase(pkR, info, aad, pt) (§6.1): `enc` and the ciphertext.
    pub fn seal(
        &self,
        provider: &CryptoProvider,
        pk_r: &[u8],
        info: &[u8],
        aad: &[u8],
        pt: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, Vec<u8>), HpkeError> {
        let (enc, mut ctx) = self.setup_sender(provider, pk_r, info, rng)?;
        Ok((enc, ctx.seal(aad, pt)?))
    }

    /// OpenBase(enc, skR, info, aad, ct) (§6.1): the plaintext.
    pub fn open(
        &self,
        provider: &CryptoProvider,
        enc: &[u8],
        sk_r: &PrivateKey,
        info: &[u8],
        aad: &[u8],
        ct: &[u8],
    ) -> Result<Vec<u8>, HpkeError> {
        self.setup_receiver(provider, enc, sk_r, info)?
            .open(aad, ct)
    }

    /// Encap or AuthEncap, then the key schedule: the KEM's shared
    /// secret, `enc`, and the schedule (kept apart for the known-answer
    /// tests of [`crate::unstable::hpke`]).
    pub(crate) fn sender_schedule(
        &self,
        provider: &CryptoProvider,
        pk_r: &[u8],
        info: &[u8],
        auth: &SenderAuth<'_>,
        rng: &dyn SecureRandom,
    ) -> Result<(Output, Vec<u8>, Schedule), HpkeError> {
        let (kem, kdf, aead) = self.resolve(provider)?;
        let mode = mode_of(auth.psk.is_some(), auth.key.is_some());
        let (shared_secret, enc) = kem.encap(pk_r, auth.key, rng)?;
        let schedule = Schedule::new(kdf, aead, mode, shared_secret.as_ref(), info, auth.psk)?;
        Ok((shared_secret, enc, schedule))
    }

    /// Decap or AuthDecap, then the key schedule.
    pub(crate) fn receiver_schedule(
        &self,
        provider: &CryptoProvider,
        enc: &[u8],
        sk_r: &PrivateKey,
        info: &[u8],
        auth: &ReceiverAuth<'_>,
    ) -> Result<(Output, Schedule), HpkeError> {
        let (kem, kdf, aead) = self.resolve(provider)?;
        let mode = mode_of(auth.psk.is_some(), auth.sender_public_key.is_some());
        let shared_secret = kem.decap(enc, sk_r, auth.sender_public_key)?;
        let schedule = Schedule::new(kdf, aead, mode, shared_secret.as_ref(), info, auth.psk)?;
        Ok((shared_secret, schedule))
    }

    /// The provider's KEM, the suite's KDF, and its AEAD (`None` for
    /// export-only).
    fn resolve(&self, provider: &CryptoProvider) -> Result<(Dhkem, Kdf, Option<Aead>), HpkeError> {
        let kem = Dhkem::new(provider, self.kem)?;
        let hash = match self.kdf {
            HpkeKdfId::HKDF_SHA256 => HashAlgorithm::Sha256,
            HpkeKdfId::HKDF_SHA384 => HashAlgorithm::Sha384,
            _ => {
                return Err(HpkeError::Unsupported(
                    "KDF (HKDF-SHA256 and HKDF-SHA384 are)",
                ));
            }
        };
        let aead = match self.aead {
            HpkeAeadId::AES_128_GCM => Some(AeadAlgorithm::Aes128Gcm),
            HpkeAeadId::AES_256_GCM => Some(AeadAlgorithm::Aes256Gcm),
            HpkeAeadId::CHACHA20_POLY1305 => Some(AeadAlgorithm::ChaCha20Poly1305),
            HpkeAeadId::EXPORT_ONLY => None,
            _ => return Err(HpkeError::Unsupported("AEAD")),
        };
        let aead = aead
            .map(|alg| {
                provider
                    .aead(alg)
                    .ok_or(HpkeError::Unsupported("the provider lacks the AEAD"))
            })
            .transpose()?;
        let kdf = Kdf::for_suite(provider.hash(hash), self.kem, self.kdf, self.aead);
        Ok((kem, kdf, aead))
    }
}
