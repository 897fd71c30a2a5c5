//! QUIC header protection (RFC 9001 §5.4.3, §5.4.4) from the `aes` block
//! cipher and the raw `chacha20` stream cipher: the crates (and versions)
//! under `aes-gcm` and `chacha20poly1305`, so nothing new is compiled.
//! Their `zeroize` features wipe the AES key schedules and the ChaCha20
//! state on drop.

use aes::cipher::{BlockCipherEncrypt, KeyInit, array::Array};
use aes::{Aes128, Aes256};
use chacha20::cipher::{KeyIvInit, StreamCipherCore};
use chacha20::variants::Ietf;
use chacha20::{ChaChaCore, R20};
use zeroize::Zeroize;

use crate::crypto::header_protection::{
    HeaderProtectionAlgorithm, HeaderProtectionCipher, HeaderProtectionFactory,
    KeyedHeaderProtection, MASK_LEN, SAMPLE_LEN,
};
use crate::error::Error;

pub(crate) struct RcAes128;
pub(crate) struct RcAes256;
pub(crate) struct RcChaCha20;

fn wrong_length() -> Error {
    Error::Internal("header protection key of the wrong length")
}

impl HeaderProtectionFactory for RcAes128 {
    fn algorithm(&self) -> HeaderProtectionAlgorithm {
        HeaderProtectionAlgorithm::Aes128
    }

    fn key(&self, key: &[u8]) -> Result<KeyedHeaderProtection, Error> {
        let cipher = Aes128::new_from_slice(key).map_err(|_| wrong_length())?;
        Ok(KeyedHeaderProtection::rustcrypto(Keyed::Aes128(cipher)))
    }
}

impl HeaderProtectionFactory for RcAes256 {
    fn algorithm(&self) -> HeaderProtectionAlgorithm {
        HeaderProtectionAlgorithm::Aes256
    }

    fn key(&self, key: &[u8]) -> Result<KeyedHeaderProtection, Error> {
        let cipher = Aes256::new_from_slice(key).map_err(|_| wrong_length())?;
        Ok(KeyedHeaderProtection::rustcrypto(Keyed::Aes256(cipher)))
    }
}

impl HeaderProtectionFactory for RcChaCha20 {
    fn algorithm(&self) -> HeaderProtectionAlgorithm {
        HeaderProtectionAlgorithm::ChaCha20
    }

    fn key(&self, key: &[u8]) -> Result<KeyedHeaderProtection, Error> {
        // ChaCha20 takes key and nonce together and the nonce comes from
        // each packet's sample, so the key is kept (wiped on drop) and the
        // cipher state set up per mask: 16 words copied, no key schedule.
        let key = chacha20::Key::try_from(key).map_err(|_| wrong_length())?;
        Ok(KeyedHeaderProtection::rustcrypto(Keyed::ChaCha20(
            ChaChaKey(key),
        )))
    }
}

/// A keyed algorithm, held inline by [`KeyedHeaderProtection`].
#[allow(clippy::large_enum_variant)]
pub(crate) enum Keyed {
    Aes128(Aes128),
    Aes256(Aes256),
    ChaCha20(ChaChaKey),
}

/// A ChaCha20 key, wiped on drop.
pub(crate) struct ChaChaKey(chacha20::Key);

impl Drop for ChaChaKey {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

impl HeaderProtectionCipher for Keyed {
    fn mask(&self, sample: &[u8; SAMPLE_LEN]) -> [u8; MASK_LEN] {
        match self {
            // mask = AES-ECB(hp_key, sample) (§5.4.3).
            Self::Aes128(c) => aes_mask(c, sample),
            Self::Aes256(c) => aes_mask(c, sample),
            // counter = sample[0..3], nonce = sample[4..15],
            // mask = ChaCha20(hp_key, counter, nonce, {0,0,0,0,0}) (§5.4.4).
            Self::ChaCha20(key) => {
                let [c0, c1, c2, c3, nonce @ ..] = *sample;
                let mut core = ChaChaCore::<R20, Ietf>::new(&key.0, &Array::from(nonce));
                core.set_block_pos(u32::from_le_bytes([c0, c1, c2, c3]));
                // Encrypting zeros gives the key stream itself.
                let mut block = Array::default();
                core.write_keystream_block(&mut block);
                let mask = first_mask_bytes(&block);
                block.zeroize();
                mask
            }
        }
    }
}

fn aes_mask<C: BlockCipherEncrypt<BlockSize = aes::cipher::consts::U16>>(
    cipher: &C,
    sample: &[u8; SAMPLE_LEN],
) -> [u8; MASK_LEN] {
    let mut block = Array::from(*sample);
    cipher.encrypt_block(&mut block);
    first_mask_bytes(&block)
}

fn first_mask_bytes(output: &[u8]) -> [u8; MASK_LEN] {
    let mut mask = [0u8; MASK_LEN];
    for (dst, src) in mask.iter_mut().zip(output) {
        *dst = *src;
    }
    mask
}
