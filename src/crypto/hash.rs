//! SHA-256/384, HMAC and HKDF (RFC 5869) for the two TLS 1.3 hash functions.

use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroize;

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

    /// Hash of `data`.
    pub fn hash(self, data: &[u8]) -> Output {
        let mut ctx = self.start();
        ctx.update(data);
        ctx.current()
    }

    /// A fresh incremental context.
    pub fn start(self) -> HashContext {
        HashContext {
            state: match self {
                Self::Sha256 => HashState::Sha256(Sha256::new()),
                Self::Sha384 => HashState::Sha384(Sha384::new()),
            },
        }
    }

    /// HMAC over the concatenation of `parts`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Output {
        let mut mac = HmacState::new(self, key);
        for part in parts {
            mac.update(part);
        }
        mac.finish()
    }

    /// HKDF-Extract(salt, ikm) (RFC 5869 §2.2). An empty salt means a
    /// string of `output_len` zeros, as RFC 5869 says.
    pub fn hkdf_extract(self, salt: &[u8], ikm: &[u8]) -> Output {
        // HMAC pads a short key with zeros to the block size, so an empty
        // salt and HashLen zeros give the same PRK; passing `None` makes
        // the RFC 5869 default explicit anyway.
        let salt = if salt.is_empty() { None } else { Some(salt) };
        match self {
            Self::Sha256 => extract_with::<Sha256>(salt, ikm),
            Self::Sha384 => extract_with::<Sha384>(salt, ikm),
        }
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
        // T(0) = empty; T(i) = HMAC(PRK, T(i-1) | info | i); OKM = T(1) | T(2) | ...
        // Written over `hmac` rather than the `hkdf` crate so that a PRK
        // shorter than HashLen is accepted like RFC 5869's HMAC accepts it.
        let mut prev = Output::empty();
        for (i, chunk) in out.chunks_mut(self.output_len()).enumerate() {
            let mut mac = HmacState::new(self, prk);
            mac.update(prev.as_ref());
            for part in info {
                mac.update(part);
            }
            // i < 255 by the assertion above, so the counter 1..=255 fits.
            mac.update(&[(i as u8).wrapping_add(1)]);
            let block = mac.finish();
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

/// A running HMAC for either hash.
enum HmacState {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
}

impl HmacState {
    fn new(alg: HashAlgorithm, key: &[u8]) -> Self {
        match alg {
            HashAlgorithm::Sha256 => Self::Sha256(keyed(key)),
            HashAlgorithm::Sha384 => Self::Sha384(keyed(key)),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(m) => Mac::update(m, data),
            Self::Sha384(m) => Mac::update(m, data),
        }
    }

    fn finish(self) -> Output {
        match self {
            Self::Sha256(m) => wipe_into_output(m.finalize().into_bytes().as_mut_slice()),
            Self::Sha384(m) => wipe_into_output(m.finalize().into_bytes().as_mut_slice()),
        }
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

fn extract_with<D>(salt: Option<&[u8]>, ikm: &[u8]) -> Output
where
    D: EagerHash,
    Hmac<D>: hkdf::HmacImpl,
{
    let (mut prk, _) = hkdf::Hkdf::<D>::extract(salt, ikm);
    wipe_into_output(prk.as_mut_slice())
}

#[derive(Clone)]
enum HashState {
    Sha256(Sha256),
    Sha384(Sha384),
}

/// An incremental hash whose running value can be read without ending it.
#[derive(Clone)]
pub struct HashContext {
    state: HashState,
}

impl HashContext {
    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        match self.state {
            HashState::Sha256(_) => HashAlgorithm::Sha256,
            HashState::Sha384(_) => HashAlgorithm::Sha384,
        }
    }
    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HashState::Sha256(h) => Digest::update(h, data),
            HashState::Sha384(h) => Digest::update(h, data),
        }
    }
    /// The hash of everything absorbed so far; the context goes on.
    pub fn current(&self) -> Output {
        match &self.state {
            HashState::Sha256(h) => Output::new(&h.clone().finalize()),
            HashState::Sha384(h) => Output::new(&h.clone().finalize()),
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
        assert_eq!(hex::encode(HashAlgorithm::Sha256.hash(b"abc")), ABC_256);
        assert_eq!(hex::encode(HashAlgorithm::Sha384.hash(b"abc")), ABC_384);
    }

    #[test]
    fn context_current_does_not_end_the_hash() {
        for (alg, want) in [
            (HashAlgorithm::Sha256, ABC_256),
            (HashAlgorithm::Sha384, ABC_384),
        ] {
            let mut ctx = alg.start();
            assert_eq!(ctx.algorithm(), alg);
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
        for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
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
        let alg = HashAlgorithm::Sha256;
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
        HashAlgorithm::Sha256.hkdf_expand(b"short", &[b"info"], &mut out);
        assert_ne!(out, [0u8; 40]);
    }
}
