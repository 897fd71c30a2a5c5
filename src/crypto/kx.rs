//! Key exchange groups (RFC 9846 §4.3.7, §7.4): X25519, secp256r1,
//! secp384r1 and the hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem).
//!
//! Every secret is drawn from the injected [`SecureRandom`], so a replay
//! that scripts the random bytes reproduces the same key shares.

use alloc::boxed::Box;
use alloc::vec::Vec;

use ml_kem::{Decapsulate, KeyExport};
use p256::elliptic_curve::{self, PublicKey, SecretKey, sec1::ToSec1Point};
use zeroize::Zeroizing;

use super::{SecureRandom, random_array};
use crate::codec::StackBytes;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::NamedGroup;

/// The groups we implement, in the client's default preference order
/// (the hybrid first, as current browsers do).
pub const SUPPORTED_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// Whether `group` is implemented.
pub fn is_supported(group: NamedGroup) -> bool {
    SUPPORTED_GROUPS.contains(&group)
}

/// Longest shared secret: the hybrid's ML-KEM and X25519 secrets.
const MAX_SHARED_LEN: usize = 64;

/// A shared secret from a completed exchange, held inline (no heap
/// allocation per handshake); zeroized on drop. Reads as its bytes.
pub struct SharedSecret {
    bytes: Zeroizing<StackBytes<MAX_SHARED_LEN>>,
}

impl SharedSecret {
    /// The concatenation of `parts` (at most [`MAX_SHARED_LEN`] bytes in
    /// all: every group's secret fits).
    fn from_parts(parts: &[&[u8]]) -> Self {
        let mut bytes = Zeroizing::new(StackBytes::filled_with(0, 0));
        for part in parts {
            bytes.push(part);
        }
        Self { bytes }
    }
}

impl core::ops::Deref for SharedSecret {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl AsRef<[u8]> for SharedSecret {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The client's half of a key exchange: a private key and the public
/// share sent in the ClientHello `key_share`.
///
/// Random draws, in order: X25519: 32 bytes (the private scalar, clamped
/// by X25519 itself); P-256/P-384: 32/48 bytes per attempt (the private
/// scalar, big-endian), redrawn while not a valid scalar (zero or not
/// below the group order); X25519MLKEM768: 64 bytes (ML-KEM d || z seed)
/// then 32 bytes (X25519).
pub struct KeyExchange {
    group: NamedGroup,
    public: Vec<u8>,
    secret: Secret,
}

/// Private halves; each type zeroizes itself on drop.
enum Secret {
    X25519(x25519_dalek::StaticSecret),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    X25519MlKem768(Box<MlKemDk>, x25519_dalek::StaticSecret),
}

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

impl KeyExchange {
    /// Generates a key pair for `group`.
    pub fn start(group: NamedGroup, rng: &dyn SecureRandom) -> Result<Self, Error> {
        let (public, secret) = match group {
            NamedGroup::X25519 => {
                let sk = x25519_secret(rng)?;
                let pk = x25519_dalek::PublicKey::from(&sk);
                (pk.as_bytes().to_vec(), Secret::X25519(sk))
            }
            NamedGroup::SECP256R1 => {
                let sk = nist_secret::<p256::NistP256, 32>(rng)?;
                let pk = sk.public_key().to_sec1_point(false);
                (pk.as_bytes().to_vec(), Secret::P256(sk))
            }
            NamedGroup::SECP384R1 => {
                let sk = nist_secret::<p384::NistP384, 48>(rng)?;
                let pk = sk.public_key().to_sec1_point(false);
                (pk.as_bytes().to_vec(), Secret::P384(sk))
            }
            NamedGroup::X25519MLKEM768 => {
                // Drawn straight into the seed type, which is wiped on
                // drop (an intermediate array would be a second copy).
                let mut seed = Zeroizing::new(ml_kem::Seed::default());
                rng.fill(seed.as_mut_slice())?;
                let dk = MlKemDk::from_seed(*seed);
                let x_sk = x25519_secret(rng)?;
                let x_pk = x25519_dalek::PublicKey::from(&x_sk);
                // draft-ietf-tls-ecdhe-mlkem §4.1: ML-KEM key first, then X25519.
                let mut public = Vec::with_capacity(MLKEM768_EK_LEN + X25519_LEN);
                public.extend_from_slice(&dk.encapsulation_key().to_bytes());
                public.extend_from_slice(x_pk.as_bytes());
                (public, Secret::X25519MlKem768(Box::new(dk), x_sk))
            }
            _ => return Err(Error::Internal("key exchange group not implemented")),
        };
        Ok(Self {
            group,
            public,
            secret,
        })
    }

    /// The group.
    pub fn group(&self) -> NamedGroup {
        self.group
    }

    /// The encoded public share (X25519: 32 bytes; NIST curves: the
    /// uncompressed point; hybrid: ML-KEM-768 encapsulation key || X25519).
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// Completes the exchange with the server's share. An invalid share
    /// (wrong length, not on the curve, all-zero X25519 output) is
    /// `PeerMisbehaved::InvalidKeyShare` (`illegal_parameter`).
    pub fn complete(self, server_share: &[u8]) -> Result<SharedSecret, Error> {
        match &self.secret {
            Secret::X25519(sk) => x25519_agree(sk, server_share),
            Secret::P256(sk) => nist_agree::<p256::NistP256>(sk, server_share),
            Secret::P384(sk) => nist_agree::<p384::NistP384>(sk, server_share),
            Secret::X25519MlKem768(dk, x_sk) => {
                // draft-ietf-tls-ecdhe-mlkem §4.2: the client checks the
                // ciphertext length (illegal_parameter); ciphertext first.
                if server_share.len() != MLKEM768_CT_LEN + X25519_LEN {
                    return Err(invalid_share());
                }
                let (ct, x_share) = server_share.split_at(MLKEM768_CT_LEN);
                let ct =
                    ml_kem::ml_kem_768::Ciphertext::try_from(ct).map_err(|_| invalid_share())?;
                // Decapsulation cannot fail: ML-KEM rejects implicitly.
                let k_mlkem = Zeroizing::new(dk.decapsulate(&ct));
                let k_x = x25519_agree(x_sk, x_share)?;
                // §4.3: ML-KEM secret first, then X25519.
                Ok(SharedSecret::from_parts(&[k_mlkem.as_slice(), &k_x]))
            }
        }
    }
}

/// The server's half: given the client's share, produces the server's
/// share and the shared secret in one step (for ML-KEM the server
/// encapsulates). Random draws: X25519 32 bytes; NIST curves as above;
/// hybrid: 32 bytes (ML-KEM message m) then 32 bytes (X25519).
///
/// A share of the wrong length or form (and, for the hybrid, an ML-KEM
/// encapsulation key failing the FIPS 203 §7.2 check) is rejected before
/// anything is drawn; a NIST point off the curve is found after the draw.
pub fn server_exchange(
    group: NamedGroup,
    client_share: &[u8],
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, SharedSecret), Error> {
    match group {
        NamedGroup::X25519 | NamedGroup::SECP256R1 | NamedGroup::SECP384R1 => {
            check_share_shape(group, client_share)?;
            let mut kx = KeyExchange::start(group, rng)?;
            // Completing needs only the private half: the share moves out.
            let public = core::mem::take(&mut kx.public);
            let secret = kx.complete(client_share)?;
            Ok((public, secret))
        }
        NamedGroup::X25519MLKEM768 => {
            if client_share.len() != MLKEM768_EK_LEN + X25519_LEN {
                return Err(invalid_share());
            }
            let (ek, x_share) = client_share.split_at(MLKEM768_EK_LEN);
            let ek = ml_kem::Key::<MlKemEk>::try_from(ek).map_err(|_| invalid_share())?;
            // draft-ietf-tls-ecdhe-mlkem §4.2: FIPS 203 §7.2 encapsulation
            // key check (the modulus check happens in `new`).
            let ek = MlKemEk::new(&ek).map_err(|_| invalid_share())?;
            // The message m determines the shared secret: drawn into a
            // buffer that is wiped on drop, and lent, not copied.
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
                SharedSecret::from_parts(&[k_mlkem.as_slice(), &k_x]),
            ))
        }
        _ => Err(Error::Internal("key exchange group not implemented")),
    }
}

/// Length and format checks that need no private key, so the server can
/// reject a share before drawing randomness.
fn check_share_shape(group: NamedGroup, share: &[u8]) -> Result<(), Error> {
    let ok = match group {
        NamedGroup::X25519 => share.len() == X25519_LEN,
        NamedGroup::SECP256R1 => share.len() == 65 && share.first() == Some(&4),
        NamedGroup::SECP384R1 => share.len() == 97 && share.first() == Some(&4),
        _ => false,
    };
    if ok { Ok(()) } else { Err(invalid_share()) }
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
    Ok(SharedSecret::from_parts(&[shared.as_bytes()]))
}

/// Draws `N` bytes per attempt until they form a valid private scalar.
fn nist_secret<C, const N: usize>(rng: &dyn SecureRandom) -> Result<SecretKey<C>, Error>
where
    C: elliptic_curve::CurveArithmetic,
{
    for _ in 0..MAX_SCALAR_ATTEMPTS {
        let raw = random_array::<N>(rng)?;
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
    Ok(SharedSecret::from_parts(&[shared.raw_secret_bytes()]))
}
