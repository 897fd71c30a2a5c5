//! X25519 (`x25519-dalek`), secp256r1, secp384r1 and secp521r1 (`p256`,
//! `p384`, `p521`) and the hybrid X25519MLKEM768 (`ml-kem`), for RFC 9846
//! §4.3.7 and §7.4 and draft-ietf-tls-ecdhe-mlkem.
//!
//! Random draws, in order: X25519: 32 bytes (the private scalar, clamped
//! by X25519 itself); P-256/P-384/P-521: 32/48/66 bytes per attempt (the
//! private scalar, big-endian; for P-521 the top 7 bits of the first byte
//! are cleared, as the order is just below 2^521), redrawn while not a
//! valid scalar (zero or not below the group order); X25519MLKEM768 client: 64 bytes (ML-KEM d || z
//! seed) then 32 bytes (X25519); server: 32 bytes (ML-KEM message m) then
//! 32 bytes (X25519).

use alloc::boxed::Box;
use alloc::vec::Vec;

use ml_kem::{Decapsulate, KeyExport};
use p256::elliptic_curve::{self, PublicKey, SecretKey, sec1::ToSec1Point};
use zeroize::Zeroizing;

use crate::crypto::kx::{KeyExchange, KxGroup, ShareBytes, SharedSecret, StaticKey};
use crate::crypto::{SecureRandom, random_array};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::NamedGroup;

pub(crate) struct RcX25519;
pub(crate) struct RcSecp256r1;
pub(crate) struct RcSecp384r1;
pub(crate) struct RcSecp521r1;
pub(crate) struct RcX25519MlKem768;

type MlKemDk = ml_kem::ml_kem_768::DecapsulationKey;
type MlKemEk = ml_kem::ml_kem_768::EncapsulationKey;

/// Sizes from draft-ietf-tls-ecdhe-mlkem §4.1/§4.2.
const MLKEM768_EK_LEN: usize = 1184;
const MLKEM768_CT_LEN: usize = 1088;
const X25519_LEN: usize = 32;

/// How often a NIST private scalar is redrawn before giving up. A uniform
/// 256-bit string is out of range with probability below 2^-32, so only a
/// broken random source gets here.
const MAX_SCALAR_ATTEMPTS: usize = 8;

fn invalid_share() -> Error {
    PeerMisbehaved::InvalidKeyShare.into()
}

/// A client key pair, held inline by [`KeyExchange`]; the private halves
/// zeroize themselves on drop.
pub(crate) struct Active {
    /// Inline for the elliptic curves (no allocation per handshake).
    public: ShareBytes,
    secret: Secret,
}

#[allow(clippy::large_enum_variant)]
enum Secret {
    X25519(x25519_dalek::StaticSecret),
    P256(SecretKey<p256::NistP256>),
    P384(SecretKey<p384::NistP384>),
    P521(SecretKey<p521::NistP521>),
    Hybrid(HybridSecret),
}

impl Active {
    pub(crate) fn public_key(&self) -> &[u8] {
        &self.public
    }

    pub(crate) fn complete(self, server_share: &[u8]) -> Result<SharedSecret, Error> {
        match &self.secret {
            Secret::X25519(sk) => x25519_agree(sk, server_share),
            Secret::P256(sk) => nist_agree::<p256::NistP256>(sk, server_share),
            Secret::P384(sk) => nist_agree::<p384::NistP384>(sk, server_share),
            Secret::P521(sk) => nist_agree::<p521::NistP521>(sk, server_share),
            Secret::Hybrid(h) => hybrid_complete(h, server_share),
        }
    }
}

impl KxGroup for RcX25519 {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        let sk = x25519_secret(rng)?;
        let pk = x25519_dalek::PublicKey::from(&sk);
        Ok(KeyExchange::rustcrypto(
            self.group(),
            Active {
                public: ShareBytes::from(&pk.as_bytes()[..]),
                secret: Secret::X25519(sk),
            },
        ))
    }

    fn server_exchange(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        if client_share.len() != X25519_LEN {
            return Err(invalid_share());
        }
        let sk = x25519_secret(rng)?;
        let public = x25519_dalek::PublicKey::from(&sk).as_bytes().to_vec();
        Ok((public, x25519_agree(&sk, client_share)?))
    }

    fn start_random_len(&self) -> Option<usize> {
        Some(X25519_LEN)
    }

    fn exchange_random_len(&self) -> Option<usize> {
        Some(X25519_LEN)
    }

    fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
        Some(x25519_static(secret))
    }
}

macro_rules! nist_group {
    ($name:ident, $curve:ty, $group:expr, $len:literal, $top:literal, $variant:ident) => {
        impl KxGroup for $name {
            fn group(&self) -> NamedGroup {
                $group
            }

            fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
                let sk = nist_secret::<$curve, $len>(rng, $top)?;
                let public = ShareBytes::from(sk.public_key().to_sec1_point(false).as_bytes());
                Ok(KeyExchange::rustcrypto(
                    self.group(),
                    Active {
                        public,
                        secret: Secret::$variant(sk),
                    },
                ))
            }

            fn server_exchange(
                &self,
                client_share: &[u8],
                rng: &dyn SecureRandom,
            ) -> Result<(Vec<u8>, SharedSecret), Error> {
                // Length and form first, so a bad share draws nothing; a
                // point off the curve is found after the draw.
                if client_share.len() != 2 * $len + 1 || client_share.first() != Some(&4) {
                    return Err(invalid_share());
                }
                let sk = nist_secret::<$curve, $len>(rng, $top)?;
                let public = sk.public_key().to_sec1_point(false).as_bytes().to_vec();
                Ok((public, nist_agree::<$curve>(&sk, client_share)?))
            }

            // One scalar's bytes (another draw only for one out of range).
            fn start_random_len(&self) -> Option<usize> {
                Some($len)
            }

            fn exchange_random_len(&self) -> Option<usize> {
                Some($len)
            }

            fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
                // Exactly the field length: `from_slice` would also take
                // a shorter string as a scalar with leading zeros.
                if secret.len() != $len {
                    return Some(Err(bad_static_key()));
                }
                Some(
                    SecretKey::<$curve>::from_slice(secret)
                        .map_err(|_| bad_static_key())
                        .map(|sk| -> Box<dyn StaticKey> {
                            Box::new(Static {
                                public: ShareBytes::from(
                                    sk.public_key().to_sec1_point(false).as_bytes(),
                                ),
                                secret: StaticSecret::$variant(sk),
                            })
                        }),
                )
            }
        }
    };
}

// The last field: the bits of the scalar's first byte that are kept.
nist_group!(
    RcSecp256r1,
    p256::NistP256,
    NamedGroup::SECP256R1,
    32,
    0xff,
    P256
);
nist_group!(
    RcSecp384r1,
    p384::NistP384,
    NamedGroup::SECP384R1,
    48,
    0xff,
    P384
);
nist_group!(
    RcSecp521r1,
    p521::NistP521,
    NamedGroup::SECP521R1,
    66,
    0x01,
    P521
);

/// A private key kept for many exchanges (HPKE's DHKEM, see
/// [`KxGroup::static_key`]); the curve crates wipe the private halves on
/// drop.
struct Static {
    public: ShareBytes,
    secret: StaticSecret,
}

enum StaticSecret {
    X25519(x25519_dalek::StaticSecret),
    P256(SecretKey<p256::NistP256>),
    P384(SecretKey<p384::NistP384>),
    P521(SecretKey<p521::NistP521>),
}

impl StaticKey for Static {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn agree(&self, peer: &[u8]) -> Result<SharedSecret, Error> {
        match &self.secret {
            StaticSecret::X25519(sk) => x25519_agree(sk, peer),
            StaticSecret::P256(sk) => nist_agree::<p256::NistP256>(sk, peer),
            StaticSecret::P384(sk) => nist_agree::<p384::NistP384>(sk, peer),
            StaticSecret::P521(sk) => nist_agree::<p521::NistP521>(sk, peer),
        }
    }
}

fn bad_static_key() -> Error {
    Error::BadConfig(alloc::string::String::from(
        "static private key of the wrong length, zero or not below the group order",
    ))
}

fn x25519_static(secret: &[u8]) -> Result<Box<dyn StaticKey>, Error> {
    let raw: Zeroizing<[u8; X25519_LEN]> =
        Zeroizing::new(secret.try_into().map_err(|_| bad_static_key())?);
    let sk = x25519_dalek::StaticSecret::from(*raw);
    let public = ShareBytes::from(&x25519_dalek::PublicKey::from(&sk).as_bytes()[..]);
    Ok(Box::new(Static {
        public,
        secret: StaticSecret::X25519(sk),
    }))
}

/// The hybrid's private halves.
struct HybridSecret {
    dk: Box<MlKemDk>,
    x25519: x25519_dalek::StaticSecret,
}

impl KxGroup for RcX25519MlKem768 {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        // Drawn straight into the seed type, which is wiped on drop (an
        // intermediate array would be a second copy).
        let mut seed = Zeroizing::new(ml_kem::Seed::default());
        rng.fill(seed.as_mut_slice())?;
        let dk = MlKemDk::from_seed(*seed);
        let x_sk = x25519_secret(rng)?;
        let x_pk = x25519_dalek::PublicKey::from(&x_sk);
        // draft-ietf-tls-ecdhe-mlkem §4.1: ML-KEM key first, then X25519.
        let mut public = Vec::with_capacity(MLKEM768_EK_LEN + X25519_LEN);
        public.extend_from_slice(&dk.encapsulation_key().to_bytes());
        public.extend_from_slice(x_pk.as_bytes());
        Ok(KeyExchange::rustcrypto(
            self.group(),
            Active {
                public: ShareBytes::Heap(public),
                secret: Secret::Hybrid(HybridSecret {
                    dk: Box::new(dk),
                    x25519: x_sk,
                }),
            },
        ))
    }

    fn server_exchange(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        if client_share.len() != MLKEM768_EK_LEN + X25519_LEN {
            return Err(invalid_share());
        }
        let (ek, x_share) = client_share.split_at(MLKEM768_EK_LEN);
        let ek = ml_kem::Key::<MlKemEk>::try_from(ek).map_err(|_| invalid_share())?;
        // draft-ietf-tls-ecdhe-mlkem §4.2: FIPS 203 §7.2 encapsulation key
        // check (the modulus check happens in `new`).
        let ek = MlKemEk::new(&ek).map_err(|_| invalid_share())?;
        // The message m determines the shared secret: drawn into a buffer
        // that is wiped on drop, and lent, not copied.
        let mut m = Zeroizing::new(ml_kem::B32::default());
        rng.fill(m.as_mut_slice())?;
        let (ct, k_mlkem) = ek.encapsulate_deterministic(&m);
        let k_mlkem = Zeroizing::new(k_mlkem);
        let x_sk = x25519_secret(rng)?;
        let x_pk = x25519_dalek::PublicKey::from(&x_sk);
        let k_x = x25519_agree(&x_sk, x_share)?;
        let mut public = Vec::with_capacity(MLKEM768_CT_LEN + X25519_LEN);
        public.extend_from_slice(ct.as_slice());
        public.extend_from_slice(x_pk.as_bytes());
        Ok((
            public,
            SharedSecret::from_parts(&[k_mlkem.as_slice(), &k_x])?,
        ))
    }

    /// The ML-KEM seed (d || z, 64 bytes), then the X25519 scalar.
    fn start_random_len(&self) -> Option<usize> {
        Some(64 + X25519_LEN)
    }

    /// The ML-KEM message m (32 bytes), then the X25519 scalar.
    fn exchange_random_len(&self) -> Option<usize> {
        Some(32 + X25519_LEN)
    }
}

fn hybrid_complete(secret: &HybridSecret, server_share: &[u8]) -> Result<SharedSecret, Error> {
    // draft-ietf-tls-ecdhe-mlkem §4.2: the client checks the
    // ciphertext length (illegal_parameter); ciphertext first.
    if server_share.len() != MLKEM768_CT_LEN + X25519_LEN {
        return Err(invalid_share());
    }
    let (ct, x_share) = server_share.split_at(MLKEM768_CT_LEN);
    let ct = ml_kem::ml_kem_768::Ciphertext::try_from(ct).map_err(|_| invalid_share())?;
    // Decapsulation cannot fail: ML-KEM rejects implicitly.
    let k_mlkem = Zeroizing::new(secret.dk.decapsulate(&ct));
    let k_x = x25519_agree(&secret.x25519, x_share)?;
    // §4.3: ML-KEM secret first, then X25519.
    SharedSecret::from_parts(&[k_mlkem.as_slice(), &k_x])
}

fn x25519_secret(rng: &dyn SecureRandom) -> Result<x25519_dalek::StaticSecret, Error> {
    let raw = random_array::<32>(rng)?;
    Ok(x25519_dalek::StaticSecret::from(*raw))
}

fn x25519_agree(sk: &x25519_dalek::StaticSecret, share: &[u8]) -> Result<SharedSecret, Error> {
    let share: [u8; X25519_LEN] = share.try_into().map_err(|_| invalid_share())?;
    let shared = sk.diffie_hellman(&x25519_dalek::PublicKey::from(share));
    // RFC 9846 §7.4.2: an all-zero X25519 output (a low-order peer point)
    // must abort the handshake. `was_contributory` checks it in constant time.
    if !shared.was_contributory() {
        return Err(invalid_share());
    }
    SharedSecret::from_parts(&[shared.as_bytes()])
}

/// Draws `N` bytes per attempt until they form a valid private scalar,
/// keeping the bits `top` of the first byte: P-521's 66 bytes hold 528
/// bits for a 521-bit order, so without the mask almost every draw
/// (127 in 128) would be out of range; with it one in about 2^260 is.
fn nist_secret<C, const N: usize>(rng: &dyn SecureRandom, top: u8) -> Result<SecretKey<C>, Error>
where
    C: elliptic_curve::CurveArithmetic,
{
    for _ in 0..MAX_SCALAR_ATTEMPTS {
        let mut raw = random_array::<N>(rng)?;
        if let Some(first) = raw.first_mut() {
            *first &= top;
        }
        if let Ok(sk) = SecretKey::<C>::from_slice(raw.as_ref()) {
            return Ok(sk);
        }
    }
    Err(Error::RandomFailed)
}

fn nist_agree<C>(sk: &SecretKey<C>, share: &[u8]) -> Result<SharedSecret, Error>
where
    C: elliptic_curve::CurveArithmetic + elliptic_curve::point::PointCompression,
    elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
    elliptic_curve::AffinePoint<C>:
        elliptic_curve::sec1::FromSec1Point<C> + elliptic_curve::sec1::ToSec1Point<C>,
{
    // RFC 9846 §4.3.8.2: only the uncompressed form (0x04 || X || Y) is
    // allowed; SEC1 decoding would also take compressed points.
    // The field size from the type: `sk.to_bytes()` would leave an
    // unwiped copy of the private scalar behind just to measure it.
    let field_len = elliptic_curve::FieldBytes::<C>::default().len();
    if share.len() != field_len.saturating_mul(2).saturating_add(1) || share.first() != Some(&4) {
        return Err(invalid_share());
    }
    // Rejects points not on the curve (and the identity, which has no
    // uncompressed encoding anyway).
    let pk = PublicKey::<C>::from_sec1_bytes(share).map_err(|_| invalid_share())?;
    let shared = sk.diffie_hellman(&pk);
    // §7.4.2: the shared secret is the x-coordinate, fixed-length big-endian.
    SharedSecret::from_parts(&[shared.raw_secret_bytes()])
}
