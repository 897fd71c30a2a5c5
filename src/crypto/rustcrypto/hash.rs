//! SHA-256/384 and HMAC from the `sha2` and `hmac` crates.

use alloc::boxed::Box;

use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroize;

use crate::crypto::hash::{HashAlgorithm, HashContext, HashFunction, HashState, Output};

/// SHA-256.
pub(crate) struct RcSha256;
/// SHA-384.
pub(crate) struct RcSha384;

macro_rules! hash_function {
    ($name:ident, $digest:ty, $alg:expr) => {
        impl HashFunction for $name {
            fn algorithm(&self) -> HashAlgorithm {
                $alg
            }

            fn hash(&self, data: &[u8]) -> Output {
                Output::new(&<$digest>::digest(data))
            }

            fn start(&self) -> HashContext {
                HashContext::rustcrypto($alg, State::$name(<$digest>::new()))
            }

            fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Output {
                let mut mac = keyed::<$digest>(key);
                for part in parts {
                    Mac::update(&mut mac, part);
                }
                wipe_into_output(mac.finalize().into_bytes().as_mut_slice())
            }
        }
    };
}

hash_function!(RcSha256, Sha256, HashAlgorithm::Sha256);
hash_function!(RcSha384, Sha384, HashAlgorithm::Sha384);

// The states hold keyed HMAC chaining values (crypto::hash::HmacKey) and
// must wipe themselves on drop: they do with the `zeroize` features of
// sha2 and hmac (Cargo.toml). Fail the build if that ever stops holding.
const _: fn() = || {
    fn wipes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wipes_on_drop::<Sha256>();
    wipes_on_drop::<Sha384>();
};

/// A running hash, held inline by [`HashContext`].
#[derive(Clone)]
pub(crate) enum State {
    RcSha256(Sha256),
    RcSha384(Sha384),
}

impl HashState for State {
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::RcSha256(h) => Digest::update(h, data),
            Self::RcSha384(h) => Digest::update(h, data),
        }
    }

    fn current(&self) -> Output {
        match self {
            Self::RcSha256(h) => Output::new(&h.clone().finalize()),
            Self::RcSha384(h) => Output::new(&h.clone().finalize()),
        }
    }

    fn fork(&self) -> Box<dyn HashState> {
        Box::new(self.clone())
    }
}

/// HMAC keyed once ([`crate::crypto::hash::HmacKey`]): the `hmac`
/// crate's state after the padded key blocks, copied for each MAC. It
/// wipes itself on drop (its sha2 cores and block buffer do, checked
/// above).
#[derive(Clone)]
pub(crate) enum KeyedHmac {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
}

impl KeyedHmac {
    pub(crate) fn new(alg: HashAlgorithm, key: &[u8]) -> Self {
        match alg {
            HashAlgorithm::Sha256 => Self::Sha256(keyed(key)),
            HashAlgorithm::Sha384 => Self::Sha384(keyed(key)),
        }
    }

    /// HMAC over `head || parts... || tail`.
    pub(crate) fn sign(&self, head: &[u8], parts: &[&[u8]], tail: &[u8]) -> Output {
        match self {
            Self::Sha256(m) => sign(m.clone(), head, parts, tail),
            Self::Sha384(m) => sign(m.clone(), head, parts, tail),
        }
    }
}

fn sign<D: EagerHash>(mut mac: Hmac<D>, head: &[u8], parts: &[&[u8]], tail: &[u8]) -> Output
where
    Hmac<D>: Mac,
{
    Mac::update(&mut mac, head);
    for part in parts {
        Mac::update(&mut mac, part);
    }
    Mac::update(&mut mac, tail);
    wipe_into_output(mac.finalize().into_bytes().as_mut_slice())
}

/// Copies a tag that may be a secret (HKDF output) into an [`Output`] and
/// wipes the crate's temporary.
fn wipe_into_output(bytes: &mut [u8]) -> Output {
    let out = Output::new(bytes);
    bytes.zeroize();
    out
}

fn keyed<D: EagerHash>(key: &[u8]) -> Hmac<D>
where
    Hmac<D>: KeyInit,
{
    match <Hmac<D> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC's key is variable-length: `new_from_slice` cannot fail.
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}
