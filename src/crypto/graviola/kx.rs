//! X25519, secp256r1, secp384r1 and the hybrid X25519MLKEM768 from
//! `graviola::key_agreement`.
//!
//! Every secret is drawn from the injected [`SecureRandom`] in the order
//! and sizes of the RustCrypto provider (`crypto::rustcrypto::kx`), so
//! that the two providers make the same shares and secrets from the same
//! random bytes: X25519: 32 bytes (the private scalar, clamped by X25519
//! itself); P-256/P-384: 32/48 bytes per attempt (the private scalar,
//! big-endian), redrawn while zero or not below the group order, at most
//! 8 times; X25519MLKEM768 client: 64 bytes (the FIPS 203 seed d || z,
//! which `DecapKey::keygen_internal` splits as `ML-KEM.KeyGen_internal(d,
//! z)` does, like the `ml-kem` crate's `from_seed`) then 32 bytes
//! (X25519); server: 32 bytes (the message m of
//! `ML-KEM.Encaps_internal`) then 32 bytes (X25519).

use alloc::boxed::Box;
use alloc::vec::Vec;

use graviola::key_agreement::mlkem768::{Ciphertext, DecapKey, EncapKey, Message};
use graviola::key_agreement::{p256, p384, x25519};
use zeroize::Zeroizing;

use crate::crypto::kx::{KeyExchange, KxGroup, ShareBytes, SharedSecret, StaticKey};
use crate::crypto::{SecureRandom, random_array};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::NamedGroup;

pub(crate) struct GvX25519;
pub(crate) struct GvSecp256r1;
pub(crate) struct GvSecp384r1;
pub(crate) struct GvX25519MlKem768;

/// Sizes from draft-ietf-tls-ecdhe-mlkem §4.1/§4.2.
const MLKEM768_EK_LEN: usize = 1184;
const MLKEM768_CT_LEN: usize = 1088;
const X25519_LEN: usize = 32;

/// How often a NIST private scalar is redrawn before giving up (as the
/// RustCrypto provider: only a broken random source gets there).
const MAX_SCALAR_ATTEMPTS: usize = 8;

fn invalid_share() -> Error {
    PeerMisbehaved::InvalidKeyShare.into()
}

/// A client key pair, held inline by [`KeyExchange`]; graviola wipes the
/// private halves on drop.
pub(crate) struct Active {
    /// Inline for the elliptic curves (no allocation per handshake).
    public: ShareBytes,
    secret: Secret,
}

enum Secret {
    X25519(x25519::StaticPrivateKey),
    P256(p256::StaticPrivateKey),
    P384(p384::StaticPrivateKey),
    Hybrid(HybridSecret),
}

impl Active {
    pub(crate) fn public_key(&self) -> &[u8] {
        &self.public
    }

    pub(crate) fn complete(self, server_share: &[u8]) -> Result<SharedSecret, Error> {
        match self.secret {
            Secret::X25519(sk) => x25519_agree(&sk, server_share),
            // RFC 9846 §4.3.8.2: the uncompressed form only, which
            // `from_x962_uncompressed` insists on (exact length, 0x04
            // prefix), with the point checked to be on the curve.
            Secret::P256(sk) => {
                let secret = p256::PublicKey::from_x962_uncompressed(server_share)
                    .and_then(|pk| sk.diffie_hellman(&pk))
                    .map_err(|_| invalid_share())?;
                // §7.4.2: the x-coordinate, fixed-length big-endian.
                SharedSecret::from_parts(&[&secret.0])
            }
            Secret::P384(sk) => {
                let secret = p384::PublicKey::from_x962_uncompressed(server_share)
                    .and_then(|pk| sk.diffie_hellman(&pk))
                    .map_err(|_| invalid_share())?;
                SharedSecret::from_parts(&[&secret.0])
            }
            Secret::Hybrid(h) => hybrid_complete(h, server_share),
        }
    }
}

impl KxGroup for GvX25519 {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        let sk = x25519_secret(rng)?;
        let public = ShareBytes::from(&sk.public_key().as_bytes()[..]);
        Ok(KeyExchange::graviola(
            self.group(),
            Active {
                public,
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
        let public = sk.public_key().as_bytes().to_vec();
        Ok((public, x25519_agree(&sk, client_share)?))
    }

    fn start_random_len(&self) -> Option<usize> {
        Some(X25519_LEN)
    }

    fn exchange_random_len(&self) -> Option<usize> {
        Some(X25519_LEN)
    }

    fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
        Some(
            x25519::StaticPrivateKey::try_from_slice(secret)
                .map_err(|_| bad_static_key())
                .map(|sk| -> Box<dyn StaticKey> {
                    Box::new(Static {
                        public: ShareBytes::from(&sk.public_key().as_bytes()[..]),
                        secret: StaticSecret::X25519(sk),
                    })
                }),
        )
    }
}

macro_rules! nist_group {
    ($name:ident, $curve:ident, $group:expr, $len:literal, $variant:ident) => {
        impl KxGroup for $name {
            fn group(&self) -> NamedGroup {
                $group
            }

            fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
                let sk = nist_secret(rng, |raw: &[u8; $len]| {
                    $curve::StaticPrivateKey::from_bytes(raw).ok()
                })?;
                let public = ShareBytes::from(&sk.public_key_uncompressed()[..]);
                Ok(KeyExchange::graviola(
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
                // point off the curve is found after the draw (as with
                // RustCrypto).
                if client_share.len() != 2 * $len + 1 || client_share.first() != Some(&4) {
                    return Err(invalid_share());
                }
                let sk = nist_secret(rng, |raw: &[u8; $len]| {
                    $curve::StaticPrivateKey::from_bytes(raw).ok()
                })?;
                let public = sk.public_key_uncompressed().to_vec();
                let secret = $curve::PublicKey::from_x962_uncompressed(client_share)
                    .and_then(|pk| sk.diffie_hellman(&pk))
                    .map_err(|_| invalid_share())?;
                Ok((public, SharedSecret::from_parts(&[&secret.0])?))
            }

            // One scalar's bytes (another draw only for one out of range).
            fn start_random_len(&self) -> Option<usize> {
                Some($len)
            }

            fn exchange_random_len(&self) -> Option<usize> {
                Some($len)
            }

            fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
                // Exactly the field length: `from_bytes` would also take
                // other lengths whose excess bytes are zero.
                if secret.len() != $len {
                    return Some(Err(bad_static_key()));
                }
                Some(
                    $curve::StaticPrivateKey::from_bytes(secret)
                        .map_err(|_| bad_static_key())
                        .map(|sk| -> Box<dyn StaticKey> {
                            Box::new(Static {
                                public: ShareBytes::from(&sk.public_key_uncompressed()[..]),
                                secret: StaticSecret::$variant(sk),
                            })
                        }),
                )
            }
        }
    };
}

nist_group!(GvSecp256r1, p256, NamedGroup::SECP256R1, 32, P256);
nist_group!(GvSecp384r1, p384, NamedGroup::SECP384R1, 48, P384);

/// A private key kept for many exchanges (HPKE's DHKEM, see
/// [`KxGroup::static_key`]): graviola's static keys, which it wipes on
/// drop and which do Diffie-Hellman by reference, any number of times.
struct Static {
    public: ShareBytes,
    secret: StaticSecret,
}

enum StaticSecret {
    X25519(x25519::StaticPrivateKey),
    P256(p256::StaticPrivateKey),
    P384(p384::StaticPrivateKey),
}

impl StaticKey for Static {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn agree(&self, peer: &[u8]) -> Result<SharedSecret, Error> {
        match &self.secret {
            StaticSecret::X25519(sk) => x25519_agree(sk, peer),
            // As for an exchange: the uncompressed form only, on the curve.
            StaticSecret::P256(sk) => {
                let secret = p256::PublicKey::from_x962_uncompressed(peer)
                    .and_then(|pk| sk.diffie_hellman(&pk))
                    .map_err(|_| invalid_share())?;
                SharedSecret::from_parts(&[&secret.0])
            }
            StaticSecret::P384(sk) => {
                let secret = p384::PublicKey::from_x962_uncompressed(peer)
                    .and_then(|pk| sk.diffie_hellman(&pk))
                    .map_err(|_| invalid_share())?;
                SharedSecret::from_parts(&[&secret.0])
            }
        }
    }
}

fn bad_static_key() -> Error {
    Error::BadConfig(alloc::string::String::from(
        "static private key of the wrong length, zero or not below the group order",
    ))
}

/// The hybrid's private halves (graviola wipes both on drop).
struct HybridSecret {
    dk: Box<DecapKey>,
    x25519: x25519::StaticPrivateKey,
}

impl KxGroup for GvX25519MlKem768 {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        // FIPS 203 §7.1 ML-KEM.KeyGen: d then z, 32 bytes each, drawn as
        // one 64-byte seed like the RustCrypto provider's `from_seed`.
        let seed = random_array::<64>(rng)?;
        let dk = Box::new(DecapKey::keygen_internal(&seed));
        let x_sk = x25519_secret(rng)?;
        // draft-ietf-tls-ecdhe-mlkem §4.1: ML-KEM key first, then X25519.
        let mut public = Vec::with_capacity(MLKEM768_EK_LEN + X25519_LEN);
        public.extend_from_slice(&dk.encapsulation_key().as_bytes());
        public.extend_from_slice(&x_sk.public_key().as_bytes());
        Ok(KeyExchange::graviola(
            self.group(),
            Active {
                public: ShareBytes::Heap(public),
                secret: Secret::Hybrid(HybridSecret { dk, x25519: x_sk }),
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
        let ek: &[u8; MLKEM768_EK_LEN] = ek.try_into().map_err(|_| invalid_share())?;
        // draft-ietf-tls-ecdhe-mlkem §4.2: the FIPS 203 §7.2
        // encapsulation key (modulus) check, done by `from_bytes`, before
        // anything is drawn.
        let ek = EncapKey::from_bytes(ek).map_err(|_| invalid_share())?;
        // m determines the shared secret: drawn straight into graviola's
        // `Message`, which wipes itself on drop.
        let mut m = Message([0u8; 32]);
        rng.fill(&mut m.0)?;
        let (k_mlkem, ct) = ek.encaps_internal(m);
        let x_sk = x25519_secret(rng)?;
        let k_x = x25519_agree(&x_sk, x_share)?;
        let mut public = Vec::with_capacity(MLKEM768_CT_LEN + X25519_LEN);
        public.extend_from_slice(ct.as_ref());
        public.extend_from_slice(&x_sk.public_key().as_bytes());
        Ok((public, SharedSecret::from_parts(&[k_mlkem.as_ref(), &k_x])?))
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

fn hybrid_complete(secret: HybridSecret, server_share: &[u8]) -> Result<SharedSecret, Error> {
    // draft-ietf-tls-ecdhe-mlkem §4.2: the client checks the
    // ciphertext length (illegal_parameter); ciphertext first.
    if server_share.len() != MLKEM768_CT_LEN + X25519_LEN {
        return Err(invalid_share());
    }
    let (ct, x_share) = server_share.split_at(MLKEM768_CT_LEN);
    let ct: [u8; MLKEM768_CT_LEN] = ct.try_into().map_err(|_| invalid_share())?;
    let HybridSecret { dk, x25519 } = secret;
    // Decapsulation cannot fail: ML-KEM rejects implicitly.
    let k_mlkem = dk.decaps(&Ciphertext::from(ct));
    let k_x = x25519_agree(&x25519, x_share)?;
    // §4.3: ML-KEM secret first, then X25519.
    SharedSecret::from_parts(&[k_mlkem.as_ref(), &k_x])
}

fn x25519_secret(rng: &dyn SecureRandom) -> Result<x25519::StaticPrivateKey, Error> {
    let raw = random_array::<32>(rng)?;
    Ok(x25519::StaticPrivateKey::from_array(&raw))
}

fn x25519_agree(sk: &x25519::StaticPrivateKey, share: &[u8]) -> Result<SharedSecret, Error> {
    let share: &[u8; X25519_LEN] = share.try_into().map_err(|_| invalid_share())?;
    // RFC 9846 §7.4.2: an all-zero output (a low-order peer point) must
    // abort the handshake; graviola checks it (constant time) and fails.
    let shared = sk
        .diffie_hellman(&x25519::PublicKey::from_array(share))
        .map_err(|_| invalid_share())?;
    SharedSecret::from_parts(&[&shared.0])
}

/// Draws `N` bytes per attempt until `parse` takes them as a private
/// scalar (graviola refuses zero and values not below the order).
fn nist_secret<K, const N: usize>(
    rng: &dyn SecureRandom,
    parse: impl Fn(&[u8; N]) -> Option<K>,
) -> Result<K, Error> {
    for _ in 0..MAX_SCALAR_ATTEMPTS {
        let raw: Zeroizing<[u8; N]> = random_array::<N>(rng)?;
        if let Some(sk) = parse(&raw) {
            return Ok(sk);
        }
    }
    Err(Error::RandomFailed)
}
