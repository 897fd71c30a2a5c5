//! DHKEM (RFC 9180 §4.1) over a provider's key exchange groups:
//! DHKEM(X25519, HKDF-SHA256) and DHKEM(P-256, HKDF-SHA256), their
//! private keys (§7.1.2) and DeriveKeyPair (§7.1.3).
//!
//! The Diffie-Hellman is the provider's ([`KxGroup::static_key`]), which
//! validates every public key it is given (§7.1.4): the length, the
//! uncompressed form and the curve equation for P-256, an all-zero
//! output for X25519 (RFC 7748 §6.1). The last is checked here again,
//! being HPKE's own duty (§7.1.4), whatever the group.

use alloc::boxed::Box;
use alloc::vec::Vec;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::HpkeError;
use super::kdf::Kdf;
use crate::crypto::hash::{HashAlgorithm, Output};
use crate::crypto::kx::{KxGroup, StaticKey};
use crate::crypto::{CryptoProvider, SecureRandom};
use crate::msgs::enums::{HpkeKemId, NamedGroup};

/// `Nsk` of both KEMs (Table 2).
const NSK: usize = 32;

/// The order n of P-256 (RFC 9180 §7.1.3, SEC 2 §2.4.2), big-endian.
const P256_ORDER: [u8; NSK] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// A DHKEM of a provider: its group, its KDF and its sizes.
#[derive(Clone, Copy)]
pub(crate) struct Dhkem {
    id: HpkeKemId,
    group: &'static dyn KxGroup,
    kdf: Kdf,
}

impl Dhkem {
    /// `kem` as `provider` implements it: its group must keep static keys.
    pub(crate) fn new(provider: &CryptoProvider, kem: HpkeKemId) -> Result<Self, HpkeError> {
        let named = match kem {
            HpkeKemId::DHKEM_X25519_HKDF_SHA256 => NamedGroup::X25519,
            HpkeKemId::DHKEM_P256_HKDF_SHA256 => NamedGroup::SECP256R1,
            _ => {
                return Err(HpkeError::Unsupported(
                    "KEM (DHKEM(X25519, HKDF-SHA256) and DHKEM(P-256, HKDF-SHA256) are)",
                ));
            }
        };
        let group = provider.group(named).ok_or(HpkeError::Unsupported(
            "the provider lacks the KEM's key exchange group",
        ))?;
        // Both KEMs use HKDF-SHA256 (Table 2), whatever the suite's KDF.
        let kdf = Kdf::for_kem(provider.hash(HashAlgorithm::Sha256), kem);
        Ok(Self {
            id: kem,
            group,
            kdf,
        })
    }

    /// `Npk` = `Nenc` (Table 2).
    fn npk(&self) -> usize {
        if self.id == HpkeKemId::DHKEM_P256_HKDF_SHA256 {
            65
        } else {
            32
        }
    }

    /// `Nsecret` (Table 2): the KDF's `Nh`.
    fn nsecret(&self) -> usize {
        self.kdf.nh()
    }

    /// DeserializePrivateKey (§7.1.2). An X25519 key is clamped on the way
    /// in, so that SerializePrivateKey gives it back clamped, as §7.1.2
    /// requires (X25519 clamps it anyway when used).
    pub(crate) fn load(&self, bytes: &[u8]) -> Result<PrivateKey, HpkeError> {
        if bytes.len() != NSK {
            return Err(HpkeError::InvalidPrivateKey);
        }
        let mut secret = Zeroizing::new([0u8; NSK]);
        secret.copy_from_slice(bytes);
        if self.id == HpkeKemId::DHKEM_X25519_HKDF_SHA256 {
            clamp_x25519(&mut secret);
        }
        let key = self
            .group
            .static_key(secret.as_slice())
            .ok_or(HpkeError::Unsupported(
                "the provider's key exchange group keeps no static keys",
            ))?
            .map_err(|_| HpkeError::InvalidPrivateKey)?;
        Ok(PrivateKey {
            kem: self.id,
            secret,
            key,
        })
    }

    /// DeriveKeyPair(ikm) (§7.1.3), with the KEM's KDF.
    pub(crate) fn derive(&self, ikm: &[u8]) -> Result<PrivateKey, HpkeError> {
        self.derive_below(ikm, &P256_ORDER)
    }

    /// DeriveKeyPair with `order` as P-256's bound: the order itself, or
    /// in the unit tests a smaller bound, to reach the rejections and the
    /// DeriveKeyPairError that the real order makes about 2^-32 likely.
    fn derive_below(&self, ikm: &[u8], order: &[u8; NSK]) -> Result<PrivateKey, HpkeError> {
        let dkp_prk = self.kdf.labeled_extract(&[], b"dkp_prk", &[ikm]);
        let mut sk = Zeroizing::new([0u8; NSK]);
        if self.id == HpkeKemId::DHKEM_X25519_HKDF_SHA256 {
            self.kdf
                .labeled_expand(dkp_prk.as_ref(), b"sk", &[], sk.as_mut_slice())?;
            return self.load(sk.as_slice());
        }
        // P-256: rejection sampling over candidates until one is in
        // [1, n-1]; the bitmask is 0xff, which changes nothing.
        for counter in 0..=255u8 {
            self.kdf.labeled_expand(
                dkp_prk.as_ref(),
                b"candidate",
                &[&[counter]],
                sk.as_mut_slice(),
            )?;
            if scalar_in_range(sk.as_slice(), order) {
                return self.load(sk.as_slice());
            }
        }
        Err(HpkeError::DeriveKeyPairFailed)
    }

    /// GenerateKeyPair() as DeriveKeyPair(random(Nsk)), which §4 allows:
    /// one path for drawn and derived keys, and the random bytes come from
    /// the injected source, so a test that scripts them gets the key of
    /// its `ikm`.
    pub(crate) fn generate(&self, rng: &dyn SecureRandom) -> Result<PrivateKey, HpkeError> {
        let mut ikm = Zeroizing::new([0u8; NSK]);
        rng.fill(ikm.as_mut_slice())
            .map_err(|_| HpkeError::RandomFailed)?;
        self.derive(ikm.as_slice())
    }

    /// Encap(pkR), or AuthEncap(pkR, skS) with `sender` (§4.1): the
    /// shared secret and `enc`.
    pub(crate) fn encap(
        &self,
        pk_r: &[u8],
        sender: Option<&PrivateKey>,
        rng: &dyn SecureRandom,
    ) -> Result<(Output, Vec<u8>), HpkeError> {
        // The length before anything is drawn; the point when used.
        if pk_r.len() != self.npk() {
            return Err(HpkeError::InvalidPublicKey);
        }
        let sender = sender.map(|s| self.check(s)).transpose()?;
        let ephemeral = self.generate(rng)?;
        let enc = ephemeral.public_key().to_vec();
        let dh_e = ephemeral.agree(pk_r)?;
        let shared = match sender {
            None => self.extract_and_expand(&[&dh_e], &[&enc, pk_r])?,
            Some(s) => {
                let dh_s = s.agree(pk_r)?;
                self.extract_and_expand(&[&dh_e, &dh_s], &[&enc, pk_r, s.public_key()])?
            }
        };
        Ok((shared, enc))
    }

    /// Decap(enc, skR), or AuthDecap(enc, skR, pkS) with `sender_public`
    /// (§4.1). A wrong `enc` or `pkS` is an error here when it is not a
    /// valid key; a valid but wrong one gives another secret, found out
    /// when opening fails (§8.2).
    pub(crate) fn decap(
        &self,
        enc: &[u8],
        sk_r: &PrivateKey,
        sender_public: Option<&[u8]>,
    ) -> Result<Output, HpkeError> {
        let sk_r = self.check(sk_r)?;
        if enc.len() != self.npk() {
            return Err(HpkeError::InvalidPublicKey);
        }
        let dh_e = sk_r.agree(enc)?;
        match sender_public {
            None => self.extract_and_expand(&[&dh_e], &[enc, sk_r.public_key()]),
            Some(pk_s) => {
                if pk_s.len() != self.npk() {
                    return Err(HpkeError::InvalidPublicKey);
                }
                let dh_s = sk_r.agree(pk_s)?;
                self.extract_and_expand(&[&dh_e, &dh_s], &[enc, sk_r.public_key(), pk_s])
            }
        }
    }

    /// A private key of this KEM, or [`HpkeError::KemMismatch`].
    fn check<'k>(&self, key: &'k PrivateKey) -> Result<&'k PrivateKey, HpkeError> {
        if key.kem == self.id {
            Ok(key)
        } else {
            Err(HpkeError::KemMismatch)
        }
    }

    /// ExtractAndExpand(dh, kem_context) (§4.1), each given as parts.
    fn extract_and_expand(&self, dh: &[&[u8]], kem_context: &[&[u8]]) -> Result<Output, HpkeError> {
        let eae_prk = self.kdf.labeled_extract(&[], b"eae_prk", dh);
        self.kdf.labeled_expand_secret(
            eae_prk.as_ref(),
            b"shared_secret",
            kem_context,
            self.nsecret(),
        )
    }
}

/// A DHKEM private key (RFC 9180 §7.1.2) with its public key: the
/// recipient's key (an ECH server's, say), or the sender's in the auth
/// modes. Loaded with [`PrivateKey::from_bytes`], derived from input
/// keying material with [`PrivateKey::derive`] (DeriveKeyPair, §7.1.3),
/// or drawn with [`PrivateKey::generate`].
///
/// The Diffie-Hellman is done by the provider that made the key; the
/// private bytes are kept too (for [`PrivateKey::to_bytes`]) and wiped on
/// drop.
pub struct PrivateKey {
    kem: HpkeKemId,
    /// SerializePrivateKey's output (clamped for X25519).
    secret: Zeroizing<[u8; NSK]>,
    key: Box<dyn StaticKey>,
}

impl PrivateKey {
    /// DeserializePrivateKey (§7.1.2): X25519, 32 bytes (clamped on the
    /// way in); P-256, the 32-byte big-endian scalar, which must be in
    /// [1, n-1].
    pub fn from_bytes(
        provider: &CryptoProvider,
        kem: HpkeKemId,
        bytes: &[u8],
    ) -> Result<Self, HpkeError> {
        Dhkem::new(provider, kem)?.load(bytes)
    }

    /// DeriveKeyPair(ikm) (§7.1.3): the same key from the same `ikm`,
    /// which should hold at least 32 bytes of entropy.
    pub fn derive(
        provider: &CryptoProvider,
        kem: HpkeKemId,
        ikm: &[u8],
    ) -> Result<Self, HpkeError> {
        Dhkem::new(provider, kem)?.derive(ikm)
    }

    /// GenerateKeyPair() (§4): DeriveKeyPair of 32 bytes from `rng`.
    pub fn generate(
        provider: &CryptoProvider,
        kem: HpkeKemId,
        rng: &dyn SecureRandom,
    ) -> Result<Self, HpkeError> {
        Dhkem::new(provider, kem)?.generate(rng)
    }

    /// The KEM this key belongs to.
    pub fn kem(&self) -> HpkeKemId {
        self.kem
    }

    /// SerializePublicKey(pk(sk)) (§7.1.1): X25519, 32 bytes; P-256, the
    /// 65-byte uncompressed point.
    pub fn public_key(&self) -> &[u8] {
        self.key.public_key()
    }

    /// SerializePrivateKey(sk) (§7.1.2), for storing the key: 32 bytes
    /// (an X25519 key clamped).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.secret.to_vec())
    }

    /// DH(sk, pk), validated by the provider (§7.1.4). The all-zero
    /// X25519 output is refused here as well: §7.1.4 makes that check
    /// HPKE's ("senders and recipients MUST check"), and a group from
    /// outside the crate ([`KxGroup::static_key`] is open to embedders)
    /// may not make it. Compared in constant time: the output is secret
    /// when it is not zero.
    fn agree(&self, pk: &[u8]) -> Result<crate::crypto::kx::SharedSecret, HpkeError> {
        let dh = self.key.agree(pk).map_err(HpkeError::from_agree)?;
        if self.kem == HpkeKemId::DHKEM_X25519_HKDF_SHA256
            && bool::from(ConstantTimeEq::ct_eq(dh.as_ref(), [0u8; NSK].as_slice()))
        {
            return Err(HpkeError::InvalidPublicKey);
        }
        Ok(dh)
    }
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kem", &self.kem)
            .finish_non_exhaustive()
    }
}

/// decodeScalar25519's bit operations (RFC 7748 §5), which §7.1.2
/// requires of X25519's (de)serialisation.
fn clamp_x25519(k: &mut [u8; NSK]) {
    let [first, .., last] = k;
    *first &= 248;
    *last &= 127;
    *last |= 64;
}

/// Whether 0 < `k` < `order` (both big-endian, the same length), without
/// a branch on the bytes of `k`, a candidate private key: `k - order` is
/// computed byte by byte from the least significant end, and `k < order`
/// exactly when it borrows out of the top byte.
fn scalar_in_range(k: &[u8], order: &[u8]) -> bool {
    let mut borrow = 0u16;
    let mut any = 0u8;
    for (a, b) in k.iter().rev().zip(order.iter().rev()) {
        // In [-256, 255]: negative wraps to 0xff00 or more (bit 15 set).
        let d = u16::from(*a)
            .wrapping_sub(u16::from(*b))
            .wrapping_sub(borrow);
        borrow = d.wrapping_shr(15);
        any |= *a;
    }
    k.len() == order.len() && borrow == 1 && any != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_range_is_one_to_order_minus_one() {
        let mut below = P256_ORDER;
        below[31] -= 1;
        assert!(scalar_in_range(&below, &P256_ORDER));
        assert!(scalar_in_range(
            &[0; 31].iter().chain(&[1]).copied().collect::<Vec<_>>(),
            &P256_ORDER
        ));
        assert!(!scalar_in_range(&[0; 32], &P256_ORDER));
        assert!(!scalar_in_range(&P256_ORDER, &P256_ORDER));
        assert!(!scalar_in_range(&[0xff; 32], &P256_ORDER));
        let mut above = P256_ORDER;
        above[31] += 1;
        assert!(!scalar_in_range(&above, &P256_ORDER));
        // A difference only in a high byte decides even when low bytes say otherwise.
        let mut high = [0u8; 32];
        high[0] = 0xfe;
        high[31] = 0xff;
        assert!(scalar_in_range(&high, &P256_ORDER));
    }

    /// §7.1.3's rejection sampling past the first candidate, which no
    /// RFC 9180 vector reaches: with a bound just above candidate 2 (and
    /// below candidates 0 and 1) of ikm = 02..02, the key is candidate 2,
    /// that is LabeledExpand(dkp_prk, "candidate", I2OSP(2, 1), 32); with
    /// a bound of 1 no candidate is valid and all 256 fail. The expected
    /// values are vectors/hpke/oracle.py's.
    #[test]
    fn derive_key_pair_rejects_candidates_in_counter_order() {
        let h = |s: &str| hex::decode(s).unwrap();
        let p256 = Dhkem::new(
            crate::crypto::rustcrypto::provider(),
            HpkeKemId::DHKEM_P256_HKDF_SHA256,
        )
        .unwrap();
        let ikm = [2u8; 32];
        let first = p256.derive(&ikm).unwrap();
        assert_eq!(
            *first.to_bytes(),
            h("a4f2ab39a3475ac66e4bae9edea78e4b5b8cdd1dc766c4bf74c529c2f036c899")
        );
        let bound: [u8; NSK] =
            h("21262a6ae10a4ab4507fdf6ccf9d54f7e726b3f92224d8e82e0d863eaa15a309")
                .try_into()
                .unwrap();
        let third = p256.derive_below(&ikm, &bound).unwrap();
        assert_eq!(
            *third.to_bytes(),
            h("21262a6ae10a4ab4507fdf6ccf9d54f7e726b3f92224d8e82e0d863eaa15a308")
        );
        assert_eq!(
            third.public_key(),
            h(
                "04b995ac8eaed3cba6fc35b8ab301c8415ffa4c3bf2acf772842e7e09c87ce8725\
               82d0d9026a4a9645aa20a4a3fd2128bf434547b8e0a027314842b6135cdbdefd"
            )
        );
        let mut one = [0u8; NSK];
        one[NSK - 1] = 1;
        assert_eq!(
            p256.derive_below(&ikm, &one).err(),
            Some(HpkeError::DeriveKeyPairFailed)
        );
    }

    #[test]
    fn clamping_sets_and_clears_the_rfc_7748_bits() {
        let mut k = [0xff; NSK];
        clamp_x25519(&mut k);
        assert_eq!(k[0], 0xf8);
        assert_eq!(k[31], 0x7f);
        let mut k = [0; NSK];
        clamp_x25519(&mut k);
        assert_eq!(k[31], 0x40);
    }
}
