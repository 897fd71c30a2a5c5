//! The endpoint's own keys, outside any TLS handshake: the stateless
//! reset key (RFC 9000 §10.3.2) and the key that seals Retry and
//! address-validation tokens (RFC 9000 §8.1.1–§8.1.4), both from a tls13
//! [`CryptoProvider`] and a [`SecureRandom`], so that no other crypto
//! library is linked.

use std::fmt;

use quinn_proto::crypto::{self, CryptoError};
use subtle::ConstantTimeEq;
use tls13::crypto::aead::{Aead, AeadAlgorithm, AeadKey, NONCE_LEN};
use tls13::crypto::hash::{Hash, HashAlgorithm, Output};
use tls13::crypto::{CryptoProvider, SecureRandom};
use zeroize::Zeroizing;

/// Random bytes a key is made from: twice SHA-256's output, as HMAC's
/// block (RFC 2104 §3 recommends at least the output length).
const SEED_LEN: usize = 64;

/// Separates the token key's HKDF from any other use of the same seed.
const TOKEN_SALT: &[u8] = b"tls13-quinn token key v1";

/// HMAC-SHA256 under a random key: quinn derives each connection ID's
/// stateless reset token from it (RFC 9000 §10.3.2 asks for a value an
/// observer cannot predict from the connection ID; a MAC under a secret
/// key is what the RFC's example uses).
pub struct ResetKey {
    sha256: Hash,
    key: Zeroizing<[u8; SEED_LEN]>,
}

impl ResetKey {
    /// A fresh key from `rng`, with `provider`'s SHA-256.
    pub fn new(
        provider: &'static CryptoProvider,
        rng: &dyn SecureRandom,
    ) -> Result<Self, tls13::Error> {
        Ok(Self {
            sha256: provider.hash(HashAlgorithm::Sha256),
            key: seed(rng)?,
        })
    }
}

impl fmt::Debug for ResetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResetKey(HMAC-SHA256)")
    }
}

impl crypto::HmacKey for ResetKey {
    /// Writes the MAC, cut to `signature_out`'s length when shorter.
    fn sign(&self, data: &[u8], signature_out: &mut [u8]) {
        let mac = self.sha256.hmac(self.key.as_ref(), &[data]);
        for (out, byte) in signature_out.iter_mut().zip(mac.as_ref()) {
            *out = *byte;
        }
    }

    fn signature_len(&self) -> usize {
        self.sha256.output_len()
    }

    /// Compared in constant time; only a whole MAC verifies.
    fn verify(&self, data: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let mac = self.sha256.hmac(self.key.as_ref(), &[data]);
        if bool::from(mac.as_ref().ct_eq(signature)) {
            Ok(())
        } else {
            Err(CryptoError)
        }
    }
}

/// The key that seals quinn's Retry and NEW_TOKEN tokens. quinn asks it
/// for a one-time AEAD key per token, giving the token's random 128-bit
/// nonce: the AEAD key is HKDF-Expand(PRK, nonce) with SHA-256 and the
/// AEAD AES-256-GCM. Since each key seals one token, the AEAD's own
/// nonce can be fixed (all zeros) without reuse.
pub struct TokenKey {
    sha256: Hash,
    aead: Aead,
    prk: Output,
}

impl TokenKey {
    /// A fresh key from `rng`: PRK = HKDF-Extract(salt, 64 random bytes)
    /// over `provider`'s SHA-256. A provider without AES-256-GCM is an
    /// `Error::BadConfig`.
    pub fn new(
        provider: &'static CryptoProvider,
        rng: &dyn SecureRandom,
    ) -> Result<Self, tls13::Error> {
        let aead = provider.aead(AeadAlgorithm::Aes256Gcm).ok_or_else(|| {
            tls13::Error::BadConfig(format!(
                "crypto provider {:?} has no AES-256-GCM, which seals QUIC tokens",
                provider.name
            ))
        })?;
        let sha256 = provider.hash(HashAlgorithm::Sha256);
        let prk = sha256.hkdf_extract(TOKEN_SALT, seed(rng)?.as_ref());
        Ok(Self { sha256, aead, prk })
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(HKDF-SHA256, AES-256-GCM)")
    }
}

impl crypto::HandshakeTokenKey for TokenKey {
    fn aead_from_hkdf(&self, random_bytes: &[u8]) -> Box<dyn crypto::AeadKey> {
        // The AES-256 key length; erased when dropped.
        let mut key = Zeroizing::new([0u8; 32]);
        self.sha256
            .hkdf_expand(self.prk.as_ref(), &[random_bytes], key.as_mut());
        // A provider refusing a key of the right length leaves a key that
        // seals and opens nothing: every token is then invalid.
        Box::new(TokenAead(self.aead.key(key.as_ref()).ok()))
    }
}

/// One token's AEAD key.
struct TokenAead(Option<AeadKey>);

/// The fixed nonce: each [`TokenAead`] seals one token.
const ZERO_NONCE: [u8; NONCE_LEN] = [0; NONCE_LEN];

impl crypto::AeadKey for TokenAead {
    fn seal(&self, data: &mut Vec<u8>, additional_data: &[u8]) -> Result<(), CryptoError> {
        let key = self.0.as_ref().ok_or(CryptoError)?;
        key.seal_in_place(&ZERO_NONCE, additional_data, data)
            .map_err(|_| CryptoError)
    }

    fn open<'a>(
        &self,
        data: &'a mut [u8],
        additional_data: &[u8],
    ) -> Result<&'a mut [u8], CryptoError> {
        let key = self.0.as_ref().ok_or(CryptoError)?;
        let len = key
            .open_in_place(&ZERO_NONCE, additional_data, data)
            .map_err(|_| CryptoError)?;
        data.get_mut(..len).ok_or(CryptoError)
    }
}

/// [`SEED_LEN`] random bytes, kept as a secret (erased on drop).
fn seed(rng: &dyn SecureRandom) -> Result<Zeroizing<[u8; SEED_LEN]>, tls13::Error> {
    let mut bytes = Zeroizing::new([0u8; SEED_LEN]);
    rng.fill(bytes.as_mut())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto::{HandshakeTokenKey, HmacKey};
    use tls13::crypto::OsRandom;

    fn provider() -> &'static CryptoProvider {
        tls13::crypto::default_provider()
    }

    #[test]
    fn reset_key_signs_and_verifies() {
        let key = ResetKey::new(provider(), &OsRandom).unwrap();
        let mut mac = vec![0; key.signature_len()];
        key.sign(b"connection id", &mut mac);
        assert_eq!(mac.len(), 32);
        assert!(key.verify(b"connection id", &mac).is_ok());
        assert!(key.verify(b"connection iD", &mac).is_err());
        mac[31] ^= 1;
        assert!(key.verify(b"connection id", &mac).is_err());
        // A prefix is not a MAC.
        assert!(key.verify(b"connection id", &mac[..16]).is_err());
        // Another key, another MAC.
        let other = ResetKey::new(provider(), &OsRandom).unwrap();
        let mut mac2 = vec![0; 32];
        other.sign(b"connection id", &mut mac2);
        assert_ne!(mac, mac2);
    }

    #[test]
    fn token_keys_seal_once_per_nonce() {
        let key = TokenKey::new(provider(), &OsRandom).unwrap();
        let mut token = b"address and time".to_vec();
        key.aead_from_hkdf(&[1; 16]).seal(&mut token, b"").unwrap();
        assert_eq!(token.len(), 16 + 16);
        let mut copy = token.clone();
        let opened = key.aead_from_hkdf(&[1; 16]).open(&mut copy, b"").unwrap();
        assert_eq!(opened, b"address and time");
        // Another nonce derives another key: the token does not open.
        let mut copy = token.clone();
        assert!(key.aead_from_hkdf(&[2; 16]).open(&mut copy, b"").is_err());
        // Nor does a damaged one, nor one from another server's key.
        let mut damaged = token.clone();
        damaged[0] ^= 0x80;
        assert!(
            key.aead_from_hkdf(&[1; 16])
                .open(&mut damaged, b"")
                .is_err()
        );
        let other = TokenKey::new(provider(), &OsRandom).unwrap();
        let mut copy = token.clone();
        assert!(other.aead_from_hkdf(&[1; 16]).open(&mut copy, b"").is_err());
        // Too short to hold a tag.
        assert!(key.aead_from_hkdf(&[1; 16]).open(&mut [0; 8], b"").is_err());
    }
}
