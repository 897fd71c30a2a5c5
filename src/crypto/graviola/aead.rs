//! AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 from `graviola::aead`.
//! Both wipe their key material on drop; tags are compared in constant
//! time by graviola, which also clears the buffer of a record that does
//! not authenticate.

use graviola::aead::{AesGcm, ChaCha20Poly1305};
use zeroize::Zeroizing;

use crate::crypto::aead::{
    AeadAlgorithm, AeadCipher, AeadFactory, KeyedCipher, NONCE_LEN, TAG_LEN,
};
use crate::error::Error;

pub(crate) struct GvAes128Gcm;
pub(crate) struct GvAes256Gcm;
pub(crate) struct GvChaCha20Poly1305;

fn wrong_length() -> Error {
    Error::Internal("AEAD key of the wrong length")
}

impl AeadFactory for GvAes128Gcm {
    fn algorithm(&self) -> AeadAlgorithm {
        AeadAlgorithm::Aes128Gcm
    }

    fn key(&self, key: &[u8]) -> Result<KeyedCipher, Error> {
        // `AesGcm::new` panics on a length other than 16 or 32: checked
        // first, so a length that is right for the other AES is refused too.
        if key.len() != 16 {
            return Err(wrong_length());
        }
        Ok(KeyedCipher::graviola(Keyed::Gcm(AesGcm::new(key))))
    }
}

impl AeadFactory for GvAes256Gcm {
    fn algorithm(&self) -> AeadAlgorithm {
        AeadAlgorithm::Aes256Gcm
    }

    fn key(&self, key: &[u8]) -> Result<KeyedCipher, Error> {
        if key.len() != 32 {
            return Err(wrong_length());
        }
        Ok(KeyedCipher::graviola(Keyed::Gcm(AesGcm::new(key))))
    }
}

impl AeadFactory for GvChaCha20Poly1305 {
    fn algorithm(&self) -> AeadAlgorithm {
        AeadAlgorithm::ChaCha20Poly1305
    }

    fn key(&self, key: &[u8]) -> Result<KeyedCipher, Error> {
        // The constructor takes the key by value: it is copied out of a
        // buffer that is wiped here; graviola wipes its own on drop.
        let mut k = Zeroizing::new([0u8; 32]);
        if key.len() != k.len() {
            return Err(wrong_length());
        }
        k.copy_from_slice(key);
        Ok(KeyedCipher::graviola(Keyed::ChaCha(ChaCha20Poly1305::new(
            *k,
        ))))
    }
}

/// A keyed cipher, held inline by [`KeyedCipher`].
#[allow(clippy::large_enum_variant)]
pub(crate) enum Keyed {
    Gcm(AesGcm),
    ChaCha(ChaCha20Poly1305),
}

impl AeadCipher for Keyed {
    fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        let mut tag = [0u8; TAG_LEN];
        match self {
            Self::Gcm(c) => c.encrypt(nonce, aad, buf, &mut tag),
            Self::ChaCha(c) => c.encrypt(nonce, aad, buf, &mut tag),
        }
        Ok(tag)
    }

    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Error> {
        match self {
            Self::Gcm(c) => c.decrypt(nonce, aad, buf, tag),
            Self::ChaCha(c) => c.decrypt(nonce, aad, buf, tag),
        }
        .map_err(|_| Error::DecryptFailed)
    }
}
