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

    /// Block length in bytes: the length HMAC pads its key to (RFC 2104).
    pub fn block_len(self) -> usize {
        match self {
            Self::Sha256 => 64,
            Self::Sha384 => 128,
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
    /// A key that MACs several times ([`HmacKey`]) calls this for each
    /// MAC, unless the provider is a built-in one.
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
pub struct Hash {
    function: &'static dyn HashFunction,
    keying: Keying,
}

/// How a [`HmacKey`] of a [`Hash`] keeps its key.
#[derive(Clone, Copy)]
enum Keying {
    /// As the key itself, MACing with [`HashFunction::hmac`] (an
    /// embedder's function: its keyed state is out of reach).
    Rekeyed,
    /// As RustCrypto's keyed HMAC state.
    RustCrypto,
    /// As graviola's keyed hash states.
    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    Graviola,
}

impl Hash {
    /// The handle of a provider's implementation. Its [`HmacKey`]s keep
    /// the key and MAC with [`HashFunction::hmac`].
    pub const fn new(function: &'static dyn HashFunction) -> Self {
        Self {
            function,
            keying: Keying::Rekeyed,
        }
    }

    /// The RustCrypto provider's (`function` must be one of its own).
    pub(crate) const fn rustcrypto(function: &'static dyn HashFunction) -> Self {
        Self {
            function,
            keying: Keying::RustCrypto,
        }
    }

    /// The graviola provider's (`function` must be one of its own).
    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    pub(crate) const fn graviola(function: &'static dyn HashFunction) -> Self {
        Self {
            function,
            keying: Keying::Graviola,
        }
    }

    /// Which function this is.
    pub fn algorithm(self) -> HashAlgorithm {
        self.function.algorithm()
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        self.algorithm().output_len()
    }

    /// Hash of `data`.
    pub fn hash(self, data: &[u8]) -> Output {
        self.function.hash(data)
    }

    /// A fresh incremental context.
    pub fn start(self) -> HashContext {
        self.function.start()
    }

    /// HMAC over the concatenation of `parts`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Output {
        self.function.hmac(key, parts)
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

    /// HMAC keyed with `key` once, for several MACs under it (see
    /// [`HmacKey`]).
    pub fn hmac_key(self, key: &[u8]) -> HmacKey {
        HmacKey::new(self, key)
    }

    /// HKDF-Expand(prk, info, out.len()) (RFC 5869 §2.3), with `info`
    /// given as parts to concatenate, keying HMAC for each output block:
    /// for a PRK that expands once into at most `Hash.length` bytes. One
    /// that expands more is keyed once with [`hmac_key`](Self::hmac_key)
    /// and expanded with [`HmacKey::hkdf_expand`].
    ///
    /// # Panics
    ///
    /// As [`HmacKey::hkdf_expand`].
    pub fn hkdf_expand(self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) {
        expand(self, out, |prev, counter| {
            rekeyed_hmac(self, prk, prev, info, counter)
        });
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

/// HMAC (RFC 2104) keyed once: for a key that MACs several times, such
/// as an HKDF PRK that expands into a traffic key and its IV, or a
/// key-schedule secret that derives the next ones (RFC 9846 §7.1).
///
/// Keying HMAC costs two compression-function calls (the inner and outer
/// padded key blocks), as much as a short MAC itself. A built-in
/// provider's `HmacKey` holds its HMAC state after those blocks and each
/// MAC continues a copy of it: one key, any number of MACs, each at half
/// the cost of a re-keyed one. Another provider's (an embedder's) keeps
/// the key, wiped on drop, and calls its [`HashFunction::hmac`] for each
/// MAC.
///
/// Secrets: RustCrypto's keyed states wipe themselves on drop (the
/// `zeroize` features of `sha2` and `hmac`). graviola's do not, and
/// cannot be reached without `unsafe`: an `HmacKey` overwrites its own
/// when dropped, but not the copies a MAC makes on the stack (which
/// graviola's one-shot HMAC leaves as well).
pub struct HmacKey {
    hash: Hash,
    keyed: Keyed,
}

// Large on purpose: inline, keying allocates nothing.
#[allow(clippy::large_enum_variant)]
enum Keyed {
    RustCrypto(super::rustcrypto::hash::KeyedHmac),
    #[cfg(all(
        feature = "graviola",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    Graviola(super::graviola::hash::KeyedHmac),
    /// The key itself, as RFC 2104 uses it: at most one hash block.
    Rekeyed {
        block: Zeroizing<[u8; MAX_BLOCK_LEN]>,
        len: usize,
    },
}

/// The longest block of the two hash functions (SHA-384's).
const MAX_BLOCK_LEN: usize = 128;

impl HmacKey {
    fn new(hash: Hash, key: &[u8]) -> Self {
        let alg = hash.algorithm();
        let keyed = match hash.keying {
            Keying::RustCrypto => {
                Keyed::RustCrypto(super::rustcrypto::hash::KeyedHmac::new(alg, key))
            }
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            Keying::Graviola => Keyed::Graviola(super::graviola::hash::KeyedHmac::new(alg, key)),
            Keying::Rekeyed => {
                // RFC 2104 §2: a key longer than the block is replaced by
                // its hash (and a shorter one padded with zeros, by HMAC).
                let hashed;
                let key = if key.len() > alg.block_len() {
                    hashed = hash.hash(key);
                    hashed.as_ref()
                } else {
                    key
                };
                let mut block = Zeroizing::new([0u8; MAX_BLOCK_LEN]);
                for (dst, src) in block.iter_mut().zip(key) {
                    *dst = *src;
                }
                Keyed::Rekeyed {
                    block,
                    len: key.len(),
                }
            }
        };
        Self { hash, keyed }
    }

    /// The hash function.
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// HMAC over the concatenation of `parts`.
    pub fn sign(&self, parts: &[&[u8]]) -> Output {
        self.sign_around(&[], parts, &[])
    }

    /// HMAC over `head || parts... || tail` (HKDF-Expand's T(i) without
    /// building a list).
    fn sign_around(&self, head: &[u8], parts: &[&[u8]], tail: &[u8]) -> Output {
        match &self.keyed {
            Keyed::RustCrypto(k) => k.sign(head, parts, tail),
            #[cfg(all(
                feature = "graviola",
                any(target_arch = "x86_64", target_arch = "aarch64")
            ))]
            Keyed::Graviola(k) => k.sign(head, parts, tail),
            Keyed::Rekeyed { block, len } => rekeyed_hmac(
                self.hash,
                block.get(..*len).unwrap_or_default(),
                head,
                parts,
                tail,
            ),
        }
    }

    /// HKDF-Expand(PRK, info, out.len()) (RFC 5869 §2.3) with this key as
    /// the PRK and `info` given as parts to concatenate. `out.len()` must
    /// be at most 255 * HashLen; callers ask for key, IV and hash sizes,
    /// and exporter lengths checked first. A PRK shorter than HashLen is
    /// accepted like RFC 5869's HMAC accepts it.
    ///
    /// # Panics
    ///
    /// When `out.len()` exceeds 255 * HashLen: that is a bug in the
    /// caller (lengths never come from the wire; the exporter checks its
    /// caller-chosen length before it gets here).
    pub fn hkdf_expand(&self, info: &[&[u8]], out: &mut [u8]) {
        expand(self.hash, out, |prev, counter| {
            self.sign_around(prev, info, counter)
        });
    }
}

/// RFC 5869 §2.3: T(0) = empty; T(i) = HMAC(PRK, T(i-1) | info | i);
/// OKM = T(1) | T(2) | ..., with `mac(T(i-1), [i])` the HMAC.
fn expand(hash: Hash, out: &mut [u8], mac: impl Fn(&[u8], &[u8]) -> Output) {
    assert!(
        out.len() <= hash.max_expand_len(),
        "HKDF-Expand output longer than 255 * HashLen"
    );
    let mut prev = Output::empty();
    for (i, chunk) in out.chunks_mut(hash.output_len()).enumerate() {
        // i < 255 by the assertion above, so the counter 1..=255 fits.
        let counter = [(i as u8).wrapping_add(1)];
        let block = mac(prev.as_ref(), &counter);
        for (dst, src) in chunk.iter_mut().zip(block.as_ref()) {
            *dst = *src;
        }
        prev = block;
    }
}

/// The provider's one-shot HMAC with `key` over `head || parts... ||
/// tail`.
fn rekeyed_hmac(hash: Hash, key: &[u8], head: &[u8], parts: &[&[u8]], tail: &[u8]) -> Output {
    // More parts than fit the stack list below are joined once.
    const MAX_PARTS: usize = 14;
    if parts.len().saturating_add(2) > MAX_PARTS {
        // Sized up front: a reallocation would leave a copy behind.
        let len = parts
            .iter()
            .fold(head.len().saturating_add(tail.len()), |n, p| {
                n.saturating_add(p.len())
            });
        let mut all = Zeroizing::new(Vec::with_capacity(len));
        all.extend_from_slice(head);
        parts.iter().for_each(|p| all.extend_from_slice(p));
        all.extend_from_slice(tail);
        return hash.hmac(key, &[&all]);
    }
    let mut list: [&[u8]; MAX_PARTS] = [&[]; MAX_PARTS];
    let mut n = 0;
    for part in core::iter::once(head)
        .chain(parts.iter().copied())
        .chain(core::iter::once(tail))
    {
        if let Some(slot) = list.get_mut(n) {
            *slot = part;
            n = n.saturating_add(1);
        }
    }
    hash.hmac(key, list.get(..n).unwrap_or_default())
}

impl core::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HmacKey({:?})", self.hash.algorithm())
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

    /// Every provider's hashes, and a boxed one (an embedder's, keyed
    /// by re-keying its `hmac`).
    fn hashes(alg: HashAlgorithm) -> Vec<Hash> {
        struct BoxedRc(HashAlgorithm);
        impl HashFunction for BoxedRc {
            fn algorithm(&self) -> HashAlgorithm {
                self.0
            }
            fn hash(&self, data: &[u8]) -> Output {
                crate::crypto::rustcrypto::hash_of(self.0).hash(data)
            }
            fn start(&self) -> HashContext {
                let inline = crate::crypto::rustcrypto::hash_of(self.0).start();
                let State::RustCrypto(s) = inline.state else {
                    unreachable!()
                };
                HashContext::boxed(self.0, Box::new(s))
            }
            fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Output {
                crate::crypto::rustcrypto::hash_of(self.0).hmac(key, parts)
            }
        }
        static BOXED_256: BoxedRc = BoxedRc(HashAlgorithm::Sha256);
        static BOXED_384: BoxedRc = BoxedRc(HashAlgorithm::Sha384);
        let mut all = alloc::vec![crate::crypto::rustcrypto::provider().hash(alg)];
        #[cfg(feature = "graviola")]
        if let Some(p) = crate::crypto::graviola::provider() {
            all.push(p.hash(alg));
        }
        all.push(Hash::new(match alg {
            HashAlgorithm::Sha256 => &BOXED_256,
            HashAlgorithm::Sha384 => &BOXED_384,
        }));
        all
    }

    // RFC 4231 §4.2, §4.3, §4.7: HMAC-SHA-256 and HMAC-SHA-384 with a
    // 20-byte key, a 4-byte key, and a 131-byte key (longer than either
    // block, so hashed first).
    #[test]
    fn keyed_hmac_rfc_4231() {
        let cases: [(&[u8], &[u8], &str, &str); 3] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
            ),
        ];
        for (key, data, want_256, want_384) in cases {
            for (alg, want) in [
                (HashAlgorithm::Sha256, want_256),
                (HashAlgorithm::Sha384, want_384),
            ] {
                for h in hashes(alg) {
                    let keyed = h.hmac_key(key);
                    // The same key, twice: a MAC leaves the key as it was.
                    assert_eq!(hex::encode(keyed.sign(&[data])), want);
                    let (a, b) = data.split_at(3);
                    assert_eq!(hex::encode(keyed.sign(&[a, &[], b])), want);
                    assert_eq!(hex::encode(h.hmac(key, &[data])), want);
                }
            }
        }
    }

    #[test]
    fn keyed_hmac_matches_one_shot_at_every_key_length() {
        for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            for h in hashes(alg) {
                for len in [0, 1, 32, 48, 63, 64, 65, 127, 128, 129, 300] {
                    let key: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
                    assert_eq!(
                        h.hmac_key(&key).sign(&[b"message"]).as_ref(),
                        h.hmac(&key, &[b"message"]).as_ref(),
                        "{alg:?}, {len}-byte key"
                    );
                }
            }
        }
    }

    /// HKDF-Expand as RFC 5869 §2.3 writes it, over one-shot HMACs.
    fn reference_expand(h: Hash, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
        let mut okm = Vec::new();
        let mut prev = Vec::new();
        let mut counter = 1u8;
        while okm.len() < len {
            prev = h.hmac(prk, &[&prev, info, &[counter]]).as_ref().to_vec();
            okm.extend_from_slice(&prev);
            counter = counter.wrapping_add(1);
        }
        okm.truncate(len);
        okm
    }

    #[test]
    fn keyed_expand_matches_rfc_5869_over_one_shot_hmac() {
        let info: Vec<u8> = (0..40u8).collect();
        let parts: Vec<&[u8]> = info.chunks(3).collect();
        for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            for h in hashes(alg) {
                let prk = h.hash(b"prk");
                for len in [0, 12, 32, 48, 49, 100, h.max_expand_len()] {
                    let want = reference_expand(h, prk.as_ref(), &info, len);
                    let mut out = alloc::vec![0u8; len];
                    // `info` in 14 parts: more than the re-keyed list holds.
                    h.hmac_key(prk.as_ref()).hkdf_expand(&parts, &mut out);
                    assert_eq!(out, want, "{alg:?}, {len} bytes");
                    h.hkdf_expand(prk.as_ref(), &[&info], &mut out);
                    assert_eq!(out, want, "{alg:?}, {len} bytes");
                }
            }
        }
    }

    // RFC 5869 Appendix A.1: HKDF-SHA-256, basic test case.
    #[test]
    fn hkdf_rfc_5869_a1() {
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        for h in hashes(HashAlgorithm::Sha256) {
            let prk = h.hkdf_extract(&salt, &ikm);
            assert_eq!(
                hex::encode(&prk),
                "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
            );
            let mut okm = [0u8; 42];
            h.hmac_key(prk.as_ref()).hkdf_expand(&[&info], &mut okm);
            assert_eq!(
                hex::encode(okm),
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            );
        }
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
