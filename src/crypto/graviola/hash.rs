//! SHA-256/384 and HMAC from `graviola::hashing`.

use alloc::boxed::Box;

use graviola::hashing::hmac::Hmac;
use graviola::hashing::{Hash, HashContext as _, HashOutput, Sha256, Sha384};
use zeroize::Zeroize;

use crate::crypto::hash::{HashAlgorithm, HashContext, HashFunction, HashState, Output};

/// SHA-256.
pub(crate) struct GvSha256;
/// SHA-384.
pub(crate) struct GvSha384;

macro_rules! hash_function {
    ($name:ident, $hash:ty, $alg:expr, $variant:ident) => {
        impl HashFunction for $name {
            fn algorithm(&self) -> HashAlgorithm {
                $alg
            }

            fn hash(&self, data: &[u8]) -> Output {
                Output::new(<$hash>::hash(data).as_ref())
            }

            fn start(&self) -> HashContext {
                HashContext::graviola($alg, State::$variant(<$hash>::new()))
            }

            /// The output is copied out and graviola's copy wiped. What
            /// graviola keeps inside `Hmac` (the padded key block, the
            /// keyed chaining values, the inner digest) lives in its own
            /// stack frames and values, which graviola 0.4 does not wipe
            /// and this crate (no `unsafe`) cannot reach.
            fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Output {
                let mut mac = Hmac::<$hash>::new(key);
                for part in parts {
                    mac.update(part);
                }
                wipe_into_output(mac.finish())
            }
        }
    };
}

hash_function!(GvSha256, Sha256, HashAlgorithm::Sha256, Sha256);
hash_function!(GvSha384, Sha384, HashAlgorithm::Sha384, Sha384);

/// A running hash, held inline by [`HashContext`].
#[derive(Clone)]
pub(crate) enum State {
    Sha256(<Sha256 as Hash>::Context),
    Sha384(<Sha384 as Hash>::Context),
}

impl HashState for State {
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
        }
    }

    fn current(&self) -> Output {
        match self {
            Self::Sha256(h) => Output::new(h.clone().finish().as_ref()),
            Self::Sha384(h) => Output::new(h.clone().finish().as_ref()),
        }
    }

    fn fork(&self) -> Box<dyn HashState> {
        Box::new(self.clone())
    }
}

/// Copies a tag that may be a secret (HKDF output) into an [`Output`]
/// and wipes graviola's copy.
fn wipe_into_output(mut tag: HashOutput) -> Output {
    let out = Output::new(tag.as_ref());
    tag.as_mut().zeroize();
    out
}
