//! SHA-256/384, HMAC and HKDF (RFC 5869) for the two TLS 1.3 hash
//! functions: the identifiers, the provider trait, and HKDF over it.

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::{Zeroize, Zeroizing};

/// The hash function of a cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
}

/// A digest or HMAC output of up to 48 bytes. Also used for secrets, so
/// it is zeroized on drop.
#[derive(Clone)]
pub struct Output {
    buf: [u8; 48],
    len: usize,
}

impl Output {
    /// Builds an output from bytes (at most 48).
    pub fn new(bytes: &[u8]) -> Self {
        let mut out = Self::empty();
        for (dst, src) in out.buf.iter_mut().zip(bytes) {
            *dst = *src;
        }
        out.len = bytes.len().min(48);
        out
    }

    /// A zero-length output.
    pub fn empty() -> Self {
        Self {
            buf: [0u8; 48],
            len: 0,
        }
    }
}

impl AsRef<[u8]> for Output {
    fn as_ref(&self) -> &[u8] {
        // `len <= 48` is an invariant of every constructor.
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl core::fmt::Debug for Output {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Output(..)")
    }
}

impl HashAlgorithm {
    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// This algorithm as implemented by the default provider
    /// ([`crate::crypto::default_provider`]).
    pub fn with_default_provider(self) -> Hash {
        super::default_provider().hash(self)
    }
}

/// A hash function as a provider implements it (the provider seam; see
/// [`crate::crypto::CryptoProvider`]). HMAC is asked for in one call so
/// that an implementation keeps its state on the stack; HKDF is built on
/// it by [`Hash`](struct@Hash), identically for every provider.
pub trait HashFunction: Send + Sync {
    /// Which function this is.
    fn algorithm(&self) -> HashAlgorithm;
    /// The digest of `data`: exactly `algorithm().output_len()` bytes, as
    /// every output here (HKDF is built on them and does not check).
    fn hash(&self, data: &[u8]) -> Output;
    /// A fresh incremental state, usually [`HashContext::boxed`].
    fn start(&self) -> HashContext;
    /// HMAC (RFC 2104) with `key` over the concatenation of `parts`. The
    /// output may be a secret: implementations wipe their temporaries.
    fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Output;
}

/// A running hash of a [`HashFunction`].
pub trait HashState: Send + Sync {
    /// Absorbs `data`.
    fn update(&mut self, data: &[u8]);
    /// The hash of everything absorbed so far; the state goes on.
    fn current(&self) -> Output;
    /// An independent copy of the state.
    fn fork(&self) -> Box<dyn HashState>;
}

/// A hash function of a provider: a copyable handle that compares and
/// prints as its [`HashAlgorithm`].
#[derive(Clone, Copy)]
pub struct Hash(&'static dyn HashFunction);

impl Hash {
    /// The handle of a provider's implementation.
    pub const fn new(function: &'static dyn HashFunction) -> Self {
        Self(function)
    }

    /// Which function this is.
    pub fn algorithm(self) -> HashAlgorithm {
        self.0.algorithm()
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        self.algorithm().output_len()
    }

    /// Hash of `data`.
    pub fn hash(self, data: &[u8]) -> Output {
        self.0.hash(data)
    }

    /// A fresh incremental context.
    pub fn start(self) -> HashContext {
        self.0.start()
    }

    /// HMAC over the concatenation of `parts`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Output {
        self.0.hmac(key, parts)
    }

    /// HKDF-Extract(salt, ikm) (RFC 5869 §2.2): HMAC(salt, ikm). An empty
    /// salt means a string of `output_len` zeros, as RFC 5869 says (HMAC
    /// pads a short key with zeros to the block size, so both give the
    /// same PRK; the zeros are passed to make the default explicit).
    pub fn hkdf_extract(self, salt: &[u8], ikm: &[u8]) -> Output {
        let zeros = [0u8; 48];
        let salt = if salt.is_empty() {
            zeros.get(..self.output_len()).unwrap_or(&zeros)
        } else {
            salt
        };
        self.hmac(salt, &[ikm])
    }

    /// HKDF-Expand(prk, info, out.len()) (RFC 5869 §2.3), with `info`
    /// given as parts to concatenate. `out.len()` must be at most
    /// 255 * output_len; callers only ask for key, IV and hash sizes.
    ///
    /// # Panics
    ///
    /// When `out.len()` exceeds 255 * output_len: that is a bug in the
    /// caller (lengths never come from the wire; the exporter checks its
    /// caller-chosen length before it gets here).
    pub fn hkdf_expand(self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) {
        assert!(
            out.len() <= self.max_expand_len(),
            "HKDF-Expand output longer than 255 * HashLen"
        );
        // More parts than fit the stack list below are joined once.
        const MAX_INFO_PARTS: usize = 12;
        let joined: Option<Zeroizing<Vec<u8>>> =
            (info.len() > MAX_INFO_PARTS).then(|| Zeroizing::new(info.concat()));
        let joined_parts: [&[u8]; 1] = [joined.as_deref().map_or(&[][..], |v| v.as_slice())];
        let info = if joined.is_some() {
            &joined_parts[..]
        } else {
            info
        };
        // T(0) = empty; T(i) = HMAC(PRK, T(i-1) | info | i); OKM = T(1) | T(2) | ...
        // A PRK shorter than HashLen is accepted like RFC 5869's HMAC
        // accepts it.
        let mut prev = Output::empty();
        for (i, chunk) in out.chunks_mut(self.output_len()).enumerate() {
            // i < 255 by the assertion above, so the counter 1..=255 fits.
            let counter = [(i as u8).wrapping_add(1)];
            let mut parts: [&[u8]; MAX_INFO_PARTS + 2] = [&[]; MAX_INFO_PARTS + 2];
            let mut n = 0;
            for part in core::iter::once(prev.as_ref())
                .chain(info.iter().copied())
                .chain(core::iter::once(&counter[..]))
            {
                if let Some(slot) = parts.get_mut(n) {
                    *slot = part;
                    n = n.saturating_add(1);
                }
            }
            let block = self.hmac(prk, parts.get(..n).unwrap_or_default());
            for (dst, src) in chunk.iter_mut().zip(block.as_ref()) {
                *dst = *src;
            }
            prev = block;
        }
    }

    /// The longest output HKDF-Expand can produce (RFC 5869 §2.3).
    pub fn max_expand_len(self) -> usize {
        self.output_len().saturating_mul(255)
    }
}

impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm() == other.algorithm()
    }
}

impl Eq for Hash {}

impl core::fmt::Debug for Hash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.algorithm(), f)
    }
}

/// An incremental hash whose running value can be read without ending
/// it. The built-in providers' states are held inline (no allocation per
/// transcript); an embedder's is boxed.
#[derive(Clone)]
pub struct HashContext {
    alg: HashAlgorithm,
    state: State,
}

// Large on purpose: inline, a transcript allocates nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum State {
    RustCrypto(super::rustcrypto::hash::State),
    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    Graviola(super::graviola::hash::State),
    Boxed(BoxedState),
}

struct BoxedState(Box<dyn HashState>);

impl Clone for BoxedState {
    fn clone(&self) -> Self {
        Self(self.0.fork())
    }
}

impl HashContext {
    /// An embedder's running hash of `alg`.
    pub fn boxed(alg: HashAlgorithm, state: Box<dyn HashState>) -> Self {
        Self {
            alg,
            state: State::Boxed(BoxedState(state)),
        }
    }

    pub(crate) fn rustcrypto(alg: HashAlgorithm, state: super::rustcrypto::hash::State) -> Self {
        Self {
            alg,
            state: State::RustCrypto(state),
        }
    }

    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    pub(crate) fn graviola(alg: HashAlgorithm, state: super::graviola::hash::State) -> Self {
        Self {
            alg,
            state: State::Graviola(state),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }
    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::RustCrypto(s) => s.update(data),
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            State::Graviola(s) => s.update(data),
            State::Boxed(s) => s.0.update(data),
        }
    }
    /// The hash of everything absorbed so far; the context goes on.
    pub fn current(&self) -> Output {
        match &self.state {
            State::RustCrypto(s) => s.current(),
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            State::Graviola(s) => s.current(),
            State::Boxed(s) => s.0.current(),
        }
    }
}

impl core::fmt::Debug for HashContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HashContext({:?})", self.algorithm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 Appendix B.1 / D.1: the digests of "abc".
    const ABC_256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const ABC_384: &str = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7";

    #[test]
    fn fips_180_abc() {
        assert_eq!(
            hex::encode(HashAlgorithm::Sha256.with_default_provider().hash(b"abc")),
            ABC_256
        );
        assert_eq!(
            hex::encode(HashAlgorithm::Sha384.with_default_provider().hash(b"abc")),
            ABC_384
        );
    }

    #[test]
    fn context_current_does_not_end_the_hash() {
        for (id, want) in [
            (HashAlgorithm::Sha256, ABC_256),
            (HashAlgorithm::Sha384, ABC_384),
        ] {
            let alg = id.with_default_provider();
            let mut ctx = alg.start();
            assert_eq!(ctx.algorithm(), id);
            ctx.update(b"a");
            let partial = ctx.current();
            assert_eq!(partial.as_ref(), alg.hash(b"a").as_ref());
            ctx.update(b"bc");
            assert_eq!(hex::encode(ctx.current()), want);
            assert_eq!(hex::encode(ctx.clone().current()), want);
        }
    }

    #[test]
    fn empty_salt_is_hash_len_zeros() {
        for id in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let alg = id.with_default_provider();
            let zeros = [0u8; 48];
            assert_eq!(
                alg.hkdf_extract(&[], b"ikm").as_ref(),
                alg.hkdf_extract(&zeros[..alg.output_len()], b"ikm")
                    .as_ref()
            );
        }
    }

    #[test]
    fn hmac_parts_concatenate() {
        let alg = HashAlgorithm::Sha256.with_default_provider();
        assert_eq!(
            alg.hmac(b"k", &[b"ab", b"", b"c"]).as_ref(),
            alg.hmac(b"k", &[b"abc"]).as_ref()
        );
    }

    #[test]
    fn expand_accepts_short_prk() {
        // RFC 5869 asks for a PRK of at least HashLen but HMAC takes any
        // key; we must not panic on a short one.
        let mut out = [0u8; 40];
        HashAlgorithm::Sha256
            .with_default_provider()
            .hkdf_expand(b"short", &[b"info"], &mut out);
        assert_ne!(out, [0u8; 40]);
    }
}
