//! SHA-256/384 and HMAC from `graviola::hashing`.

use alloc::boxed::Box;

use graviola::hashing::hmac::Hmac;
use graviola::hashing::{Hash, HashContext as _, HashOutput, Sha256, Sha384};
use zeroize::{Zeroize, Zeroizing};

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

/// HMAC keyed once ([`crate::crypto::hash::HmacKey`]): the inner and
/// outer hash states after the padded key blocks (RFC 2104), copied for
/// each MAC. graviola's own `Hmac` keeps the same two states, but could
/// only be overwritten (on drop) by keying it again.
#[derive(Clone)]
pub(crate) enum KeyedHmac {
    Sha256(Keyed<Sha256>),
    Sha384(Keyed<Sha384>),
}

pub(crate) struct Keyed<H: Hash> {
    inner: H::Context,
    outer: H::Context,
}

impl<H: Hash> Clone for Keyed<H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            outer: self.outer.clone(),
        }
    }
}

impl KeyedHmac {
    pub(crate) fn new(alg: HashAlgorithm, key: &[u8]) -> Self {
        match alg {
            HashAlgorithm::Sha256 => Self::Sha256(Keyed::new(key, alg.block_len())),
            HashAlgorithm::Sha384 => Self::Sha384(Keyed::new(key, alg.block_len())),
        }
    }

    /// HMAC over `head || parts... || tail`.
    pub(crate) fn sign(&self, head: &[u8], parts: &[&[u8]], tail: &[u8]) -> Output {
        match self {
            Self::Sha256(k) => k.sign(head, parts, tail),
            Self::Sha384(k) => k.sign(head, parts, tail),
        }
    }
}

impl<H: Hash> Keyed<H> {
    fn new(key: &[u8], block_len: usize) -> Self {
        // RFC 2104 §2: a key longer than the block is replaced by its
        // hash; a shorter one is padded with zeros to the block.
        let mut hashed = (key.len() > block_len).then(|| H::hash(key));
        let key = hashed.as_ref().map_or(key, |h| h.as_ref());
        let mut block = Zeroizing::new([0u8; 128]);
        let padded = block.get_mut(..block_len).unwrap_or_default();
        for (dst, src) in padded.iter_mut().zip(key) {
            *dst = *src;
        }
        if let Some(h) = &mut hashed {
            h.as_mut().zeroize();
        }
        padded.iter_mut().for_each(|b| *b ^= 0x36);
        let mut inner = H::new();
        inner.update(padded);
        padded.iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
        let mut outer = H::new();
        outer.update(padded);
        Self { inner, outer }
    }

    fn sign(&self, head: &[u8], parts: &[&[u8]], tail: &[u8]) -> Output {
        let mut inner = self.inner.clone();
        inner.update(head);
        for part in parts {
            inner.update(part);
        }
        inner.update(tail);
        let mut inner_hash = inner.finish();
        let mut outer = self.outer.clone();
        outer.update(inner_hash.as_ref());
        inner_hash.as_mut().zeroize();
        wipe_into_output(outer.finish())
    }
}

/// graviola's hash states do not wipe themselves, and this crate (no
/// `unsafe`) cannot zero them: the keyed states are overwritten with
/// fresh ones when dropped, `black_box` keeping the compiler from
/// discarding the stores as dead. The copies a MAC makes on the stack
/// are not reached (nor are those of graviola's one-shot HMAC).
impl<H: Hash> Drop for Keyed<H> {
    fn drop(&mut self) {
        self.inner = H::new();
        self.outer = H::new();
        core::hint::black_box(&*self);
    }
}

/// Copies a tag that may be a secret (HKDF output) into an [`Output`]
/// and wipes graviola's copy.
fn wipe_into_output(mut tag: HashOutput) -> Output {
    let out = Output::new(tag.as_ref());
    tag.as_mut().zeroize();
    out
}
