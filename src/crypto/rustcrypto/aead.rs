//! AES-GCM and ChaCha20-Poly1305 from the `aes-gcm` and
//! `chacha20poly1305` crates (their `zeroize` feature wipes the key
//! schedule on drop).

use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::U12;
use aes_gcm::aes::{Aes128Enc, Aes256Enc};
use aes_gcm::{AeadInOut, AesGcm, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;

/// AES-GCM over the encrypt-only AES: GCM runs AES forwards only (CTR
/// mode and the GHASH key, NIST SP 800-38D), so the decryption round
/// keys that `aes_gcm::Aes128Gcm` (over the full `Aes128`) derives at
/// every key setup would never be used.
type Aes128Gcm = AesGcm<Aes128Enc, U12>;
/// See [`Aes128Gcm`].
type Aes256Gcm = AesGcm<Aes256Enc, U12>;

use crate::crypto::aead::{
    AeadAlgorithm, AeadCipher, AeadFactory, KeyedCipher, NONCE_LEN, TAG_LEN,
};
use crate::error::Error;

pub(crate) struct RcAes128Gcm;
pub(crate) struct RcAes256Gcm;
pub(crate) struct RcChaCha20Poly1305;

macro_rules! aead {
    ($name:ident, $cipher:ty, $alg:expr) => {
        impl AeadFactory for $name {
            fn algorithm(&self) -> AeadAlgorithm {
                $alg
            }

            fn key(&self, key: &[u8]) -> Result<KeyedCipher, Error> {
                let cipher = <$cipher>::new_from_slice(key)
                    .map_err(|_| Error::Internal("AEAD key of the wrong length"))?;
                Ok(KeyedCipher::rustcrypto(Keyed::$name(cipher)))
            }
        }
    };
}

aead!(RcAes128Gcm, Aes128Gcm, AeadAlgorithm::Aes128Gcm);
aead!(RcAes256Gcm, Aes256Gcm, AeadAlgorithm::Aes256Gcm);
aead!(
    RcChaCha20Poly1305,
    ChaCha20Poly1305,
    AeadAlgorithm::ChaCha20Poly1305
);

/// A keyed cipher, held inline by [`KeyedCipher`].
#[allow(clippy::enum_variant_names, clippy::large_enum_variant)]
pub(crate) enum Keyed {
    RcAes128Gcm(Aes128Gcm),
    RcAes256Gcm(Aes256Gcm),
    RcChaCha20Poly1305(ChaCha20Poly1305),
}

impl AeadCipher for Keyed {
    fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Error> {
        match self {
            Self::RcAes128Gcm(c) => seal(c, nonce, aad, buf),
            Self::RcAes256Gcm(c) => seal(c, nonce, aad, buf),
            Self::RcChaCha20Poly1305(c) => seal(c, nonce, aad, buf),
        }
    }

    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Error> {
        match self {
            Self::RcAes128Gcm(c) => open(c, nonce, aad, buf, tag),
            Self::RcAes256Gcm(c) => open(c, nonce, aad, buf, tag),
            Self::RcChaCha20Poly1305(c) => open(c, nonce, aad, buf, tag),
        }
    }
}

type U16 = aes_gcm::aead::consts::U16;

fn seal<C: AeadInOut<NonceSize = U12, TagSize = U16>>(
    c: &C,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; TAG_LEN], Error> {
    let nonce = Array::from(*nonce);
    // The ciphers only fail for inputs beyond 2^36 bytes, far above any record.
    let tag = c
        .encrypt_inout_detached(&nonce, aad, buf.into())
        .map_err(|_| Error::Internal("AEAD input too long"))?;
    Ok(tag.into())
}

fn open<C: AeadInOut<NonceSize = U12, TagSize = U16>>(
    c: &C,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), Error> {
    let nonce = Array::from(*nonce);
    let tag = Array::from(*tag);
    // The crates compare tags in constant time.
    c.decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
        .map_err(|_| Error::DecryptFailed)
}
