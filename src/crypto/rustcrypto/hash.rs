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
