//! AES-GCM, ChaCha20-Poly1305 and AES-CCM from the `aes-gcm`,
//! `chacha20poly1305` and `ccm` crates (the `zeroize` feature of theirs
//! and of `aes` wipes the key schedule on drop).

use aes_gcm::aead::array::Array;
use aes_gcm::aead::array::typenum::Unsigned;
use aes_gcm::aead::consts::{U8, U12, U16};
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
/// AES-128-CCM with TLS's 12-byte nonce (so CCM's length field L is 3
/// bytes, RFC 3610 §2) and a 16-byte tag. CCM too runs AES forwards only
/// (CBC-MAC and CTR, NIST SP 800-38C).
type Aes128Ccm = ccm::Ccm<Aes128Enc, U16, U12>;
/// The same with an 8-byte tag (RFC 6655 §3).
type Aes128Ccm8 = ccm::Ccm<Aes128Enc, U8, U12>;

use crate::crypto::aead::{
    AeadAlgorithm, AeadCipher, AeadFactory, KeyedCipher, NONCE_LEN, TAG_LEN,
};
use crate::error::Error;

pub(crate) struct RcAes128Gcm;
pub(crate) struct RcAes256Gcm;
pub(crate) struct RcChaCha20Poly1305;
pub(crate) struct RcAes128Ccm;
pub(crate) struct RcAes128Ccm8;

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
aead!(RcAes128Ccm, Aes128Ccm, AeadAlgorithm::Aes128Ccm);
aead!(RcAes128Ccm8, Aes128Ccm8, AeadAlgorithm::Aes128Ccm8);

/// A keyed cipher, held inline by [`KeyedCipher`].
#[allow(clippy::enum_variant_names, clippy::large_enum_variant)]
pub(crate) enum Keyed {
    RcAes128Gcm(Aes128Gcm),
    RcAes256Gcm(Aes256Gcm),
    RcChaCha20Poly1305(ChaCha20Poly1305),
    RcAes128Ccm(Aes128Ccm),
    RcAes128Ccm8(Aes128Ccm8),
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
            Self::RcAes128Ccm(c) => seal(c, nonce, aad, buf),
            Self::RcAes128Ccm8(c) => seal(c, nonce, aad, buf),
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
            Self::RcAes128Ccm(c) => open(c, nonce, aad, buf, tag),
            Self::RcAes128Ccm8(c) => open(c, nonce, aad, buf, tag),
        }
    }
}

/// Seals with a cipher whose tag is 16 bytes or shorter: the tag in the
/// first `TagSize` bytes of the result, zeros after it (`AeadCipher`).
fn seal<C: AeadInOut<NonceSize = U12>>(
    c: &C,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; TAG_LEN], Error> {
    let nonce = Array::from(*nonce);
    // The ciphers only fail for inputs beyond 2^36 bytes (GCM) or 2^24
    // bytes (CCM with a 3-byte length field), far above any record.
    let tag = c
        .encrypt_inout_detached(&nonce, aad, buf.into())
        .map_err(|_| Error::Internal("AEAD input too long"))?;
    let mut out = [0u8; TAG_LEN];
    out.get_mut(..tag.len())
        .ok_or(Error::Internal("AEAD tag longer than 16 bytes"))?
        .copy_from_slice(&tag);
    Ok(out)
}

fn open<C: AeadInOut<NonceSize = U12>>(
    c: &C,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), Error> {
    let nonce = Array::from(*nonce);
    let tag = tag
        .get(..C::TagSize::USIZE)
        .and_then(|t| Array::try_from(t).ok())
        .ok_or(Error::DecryptFailed)?;
    // The crates compare tags in constant time (and CCM clears the
    // plaintext of a record that fails).
    c.decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
        .map_err(|_| Error::DecryptFailed)
}
