//! ECH keys for operators of a client-facing server (RFC 9849 §4, §4.1):
//! generate an HPKE key pair, wrap its public half in an `ECHConfig`, and
//! publish the `ECHConfigList` (as bytes, or base64 for a DNS HTTPS
//! record's `ech` SvcParam). No DNS here: the operator publishes the text.
//!
//! ```
//! use tls13::crypto::{OsRandom, rustcrypto};
//! use tls13::ech::EchConfigBuilder;
//!
//! # fn main() -> Result<(), tls13::ech::EchError> {
//! let key = EchConfigBuilder::new("public.example.com")
//!     .maximum_name_length(32)
//!     .generate(rustcrypto::provider(), &OsRandom)?;
//! // `ech="..."` in the HTTPS record; the private key stays on the server.
//! let published = key.config_list().to_base64();
//! let stored = key.private_key().to_bytes();
//! # let _ = (published, stored);
//! # Ok(())
//! # }
//! ```

use alloc::vec;
use alloc::vec::Vec;

use super::EchError;
use super::config::{
    EchConfig, EchConfigContents, EchConfigExtension, EchConfigList, HpkeKeyConfig,
    HpkeSymmetricCipherSuite, is_valid_public_name,
};
use crate::codec::Codec;
use crate::crypto::{CryptoProvider, SecureRandom};
use crate::hpke::{HpkeError, PrivateKey, Suite};
use crate::msgs::enums::{HpkeAeadId, HpkeKemId};

/// A server's ECH key: the HPKE private key and the config that
/// publishes its public key.
pub struct EchKeyPair {
    config: EchConfig,
    private_key: PrivateKey,
}

impl core::fmt::Debug for EchKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The private key stays out of logs.
        f.debug_struct("EchKeyPair")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl EchKeyPair {
    /// A key pair from a config and its stored private key (as
    /// [`PrivateKey::to_bytes`] gave it): refused unless the config is
    /// version 0xfe0d, names the key's KEM, and carries the key's public
    /// half, so that a server never answers with a key that does not
    /// match what it publishes.
    pub fn from_parts(
        provider: &CryptoProvider,
        config: EchConfig,
        private_key: &[u8],
    ) -> Result<Self, EchError> {
        let contents = config
            .contents()
            .ok_or(EchError::InvalidConfig("not an ECHConfig version 0xfe0d"))?;
        let key = PrivateKey::from_bytes(provider, contents.key_config.kem_id, private_key)?;
        if key.public_key() != contents.key_config.public_key.as_slice() {
            return Err(EchError::InvalidConfig(
                "the private key does not match the config's public_key",
            ));
        }
        Ok(Self {
            config,
            private_key: key,
        })
    }

    /// The config.
    pub fn config(&self) -> &EchConfig {
        &self.config
    }

    /// The private key (its [`to_bytes`](PrivateKey::to_bytes) stores it).
    pub fn private_key(&self) -> &PrivateKey {
        &self.private_key
    }

    /// An `ECHConfigList` of this config alone; a server with several
    /// keys lists their configs in an [`EchConfigList`] of its own.
    pub fn config_list(&self) -> EchConfigList {
        EchConfigList {
            configs: vec![self.config.clone()],
        }
    }
}

/// Builds an ECHConfig and generates its key. Defaults: DHKEM(X25519,
/// HKDF-SHA256) with HKDF-SHA256 and AES-128-GCM, then ChaCha20-Poly1305
/// (the first pair is the one §9 makes mandatory), maximum_name_length
/// 0 ("not known", §4), no extensions, a random config_id.
#[derive(Clone, Debug)]
pub struct EchConfigBuilder {
    public_name: Vec<u8>,
    config_id: Option<u8>,
    avoid_ids: Vec<u8>,
    kem: HpkeKemId,
    cipher_suites: Vec<HpkeSymmetricCipherSuite>,
    maximum_name_length: u8,
    extensions: Vec<EchConfigExtension>,
}

impl EchConfigBuilder {
    /// A builder for the client-facing server `public_name` (§4), the
    /// name its certificate is valid for.
    pub fn new(public_name: &str) -> Self {
        Self {
            public_name: public_name.as_bytes().to_vec(),
            config_id: None,
            avoid_ids: Vec::new(),
            kem: HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            cipher_suites: vec![
                HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM,
                HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305,
            ],
            maximum_name_length: 0,
            extensions: Vec::new(),
        }
    }

    /// A fixed config_id instead of a random one.
    pub fn config_id(mut self, id: u8) -> Self {
        self.config_id = Some(id);
        self
    }

    /// The config_ids of the server's other known configs: a random id
    /// is drawn again until it differs from all of them, the rejection
    /// sampling §4.1 recommends (so that a server tries one key per
    /// ClientHello, not several).
    pub fn avoid_config_ids(mut self, known: &[u8]) -> Self {
        self.avoid_ids = known.to_vec();
        self
    }

    /// The KEM (X25519 or P-256 with the built-in providers).
    pub fn kem(mut self, kem: HpkeKemId) -> Self {
        self.kem = kem;
        self
    }

    /// The (KDF, AEAD) pairs, in order of preference.
    pub fn cipher_suites(mut self, suites: &[HpkeSymmetricCipherSuite]) -> Self {
        self.cipher_suites = suites.to_vec();
        self
    }

    /// The longest name among the backend servers, for the clients'
    /// padding (§4, §6.1.3).
    pub fn maximum_name_length(mut self, n: u8) -> Self {
        self.maximum_name_length = n;
        self
    }

    /// Adds an ECHConfig extension (§4.2).
    pub fn extension(mut self, ext: EchConfigExtension) -> Self {
        self.extensions.push(ext);
        self
    }

    /// Checks the config and generates its key from `rng`.
    ///
    /// Refused: a public_name clients would ignore (§6.1.7); no pair, or
    /// a pair the provider cannot run under the KEM, or export-only
    /// (which cannot encrypt a ClientHello); a repeated extension type
    /// (§4.2); every config_id avoided; a config whose encoding does not
    /// fit an `ECHConfigList<4..2^16-1>` (§4).
    pub fn generate(
        self,
        provider: &CryptoProvider,
        rng: &dyn SecureRandom,
    ) -> Result<EchKeyPair, EchError> {
        if !is_valid_public_name(&self.public_name) {
            return Err(EchError::InvalidPublicName);
        }
        if self.cipher_suites.is_empty() {
            return Err(EchError::InvalidConfig("no cipher suites"));
        }
        for cs in &self.cipher_suites {
            let suite = Suite::new(self.kem, cs.kdf_id, cs.aead_id);
            if cs.aead_id == HpkeAeadId::EXPORT_ONLY || !suite.is_supported(provider) {
                return Err(EchError::Hpke(HpkeError::Unsupported(
                    "an ECH cipher suite the provider cannot seal with",
                )));
            }
        }
        let config_id = match self.config_id {
            Some(id) => id,
            None => random_config_id(rng, &self.avoid_ids)?,
        };
        let private_key = PrivateKey::generate(provider, self.kem, rng)?;
        let contents = EchConfigContents {
            key_config: HpkeKeyConfig {
                config_id,
                kem_id: self.kem,
                public_key: private_key.public_key().to_vec(),
                cipher_suites: self.cipher_suites,
            },
            maximum_name_length: self.maximum_name_length,
            public_name: self.public_name,
            extensions: self.extensions,
        };
        if let Some(super::config::Unusable::DuplicateExtension(_)) = contents.unusable() {
            return Err(EchError::InvalidConfig(
                "an ECHConfig extension type repeats",
            ));
        }
        let config = EchConfig::Rfc9849(contents);
        // §4: the whole config sits in an ECHConfigList<4..2^16-1>, and
        // every field inside it (extension data, the extensions block,
        // cipher_suites, `length`) has a prefix of at most 16 bits. The
        // encoder clamps a length it cannot express, so a config this
        // long would be published with lengths that lie; refuse it. (The
        // list's body bounds every field inside it.)
        if config.to_bytes().len() > 0xffff {
            return Err(EchError::InvalidConfig(
                "the ECHConfig is longer than an ECHConfigList can hold (2^16-1 bytes)",
            ));
        }
        Ok(EchKeyPair {
            config,
            private_key,
        })
    }
}

/// §4.1: "randomly select config_id repeatedly until it does not match
/// any known ECHConfig". Bounded whatever the source: after 1024 draws
/// that all hit known ids (with a fair source and even 255 of 256 ids
/// known, about 2^-5.8 likely; far less with fewer) the first free id is
/// taken, and with every id known there is none to draw.
fn random_config_id(rng: &dyn SecureRandom, known: &[u8]) -> Result<u8, EchError> {
    let mut taken = [false; 256];
    for id in known {
        if let Some(slot) = taken.get_mut(usize::from(*id)) {
            *slot = true;
        }
    }
    let is_free = |id: u8| !taken.get(usize::from(id)).copied().unwrap_or(true);
    for _ in 0..1024 {
        let mut b = [0u8; 1];
        rng.fill(&mut b)
            .map_err(|_| EchError::Hpke(HpkeError::RandomFailed))?;
        let [id] = b;
        if is_free(id) {
            return Ok(id);
        }
    }
    (0..=u8::MAX)
        .find(|id| is_free(*id))
        .ok_or(EchError::InvalidConfig("all 256 config_ids are in use"))
}
