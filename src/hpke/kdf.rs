//! The labelled KDF of RFC 9180 §4: LabeledExtract and LabeledExpand
//! over the provider's HMAC (HKDF, RFC 5869), for one `suite_id`.

use zeroize::Zeroizing;

use super::HpkeError;
use crate::crypto::hash::{Hash, Output};
use crate::msgs::enums::{HpkeAeadId, HpkeKdfId, HpkeKemId};

/// The version label of every KDF call (§4).
const VERSION: &[u8] = b"HPKE-v1";

/// The longest `Nh` (HKDF-SHA384's).
pub(crate) const MAX_NH: usize = 48;

/// The KDF of one context: the KEM's (`suite_id` = "KEM" || kem_id,
/// §4.1) or the rest of HPKE's ("HPKE" || kem_id || kdf_id || aead_id,
/// §5.1). Labels keep the two apart (§9.6).
#[derive(Clone, Copy)]
pub(crate) struct Kdf {
    hash: Hash,
    suite_id: [u8; 10],
    suite_id_len: usize,
}

impl Kdf {
    /// DHKEM's KDF: `suite_id = concat("KEM", I2OSP(kem_id, 2))` (§4.1).
    pub(crate) fn for_kem(hash: Hash, kem: HpkeKemId) -> Self {
        let [k0, k1] = kem.0.to_be_bytes();
        Self {
            hash,
            suite_id: [b'K', b'E', b'M', k0, k1, 0, 0, 0, 0, 0],
            suite_id_len: 5,
        }
    }

    /// The suite's KDF: `suite_id = concat("HPKE", I2OSP(kem_id, 2),
    /// I2OSP(kdf_id, 2), I2OSP(aead_id, 2))` (§5.1).
    pub(crate) fn for_suite(hash: Hash, kem: HpkeKemId, kdf: HpkeKdfId, aead: HpkeAeadId) -> Self {
        let [k0, k1] = kem.0.to_be_bytes();
        let [d0, d1] = kdf.0.to_be_bytes();
        let [a0, a1] = aead.0.to_be_bytes();
        Self {
            hash,
            suite_id: [b'H', b'P', b'K', b'E', k0, k1, d0, d1, a0, a1],
            suite_id_len: 10,
        }
    }

    /// `Nh`: the length of an extracted key.
    pub(crate) fn nh(&self) -> usize {
        self.hash.output_len()
    }

    fn suite_id(&self) -> &[u8] {
        self.suite_id.get(..self.suite_id_len).unwrap_or_default()
    }

    /// `LabeledExtract(salt, label, ikm)`, with `ikm` given as parts to
    /// concatenate (the auth modes' two DH outputs stay where they are).
    /// HKDF-Extract is HMAC keyed with the salt (RFC 5869 §2.2); an empty
    /// salt means `Nh` zeros, passed as such to make the default explicit,
    /// as `Hash::hkdf_extract` does.
    pub(crate) fn labeled_extract(&self, salt: &[u8], label: &[u8], ikm: &[&[u8]]) -> Output {
        let zeros = [0u8; MAX_NH];
        let salt = if salt.is_empty() {
            zeros.get(..self.nh()).unwrap_or(&zeros)
        } else {
            salt
        };
        with_parts(&[VERSION, self.suite_id(), label], ikm, |parts| {
            self.hash.hmac(salt, parts)
        })
    }

    /// `LabeledExpand(prk, label, info, L)` with `L = out.len()` and
    /// `info` given as parts to concatenate. HKDF-Expand gives at most
    /// 255 * Nh bytes (RFC 5869 §2.3; RFC 9180 §5.3 bounds an export's
    /// `L` by it), which also keeps `L` within its two bytes.
    pub(crate) fn labeled_expand(
        &self,
        prk: &[u8],
        label: &[u8],
        info: &[&[u8]],
        out: &mut [u8],
    ) -> Result<(), HpkeError> {
        if out.len() > self.hash.max_expand_len() {
            return Err(HpkeError::ExportTooLong);
        }
        let len = u16::try_from(out.len()).map_err(|_| HpkeError::ExportTooLong)?;
        let len = len.to_be_bytes();
        with_parts(&[&len, VERSION, self.suite_id(), label], info, |parts| {
            self.hash.hkdf_expand(prk, parts, out)
        });
        Ok(())
    }

    /// [`labeled_expand`](Self::labeled_expand) into an [`Output`] of
    /// `len` bytes (at most [`MAX_NH`]).
    pub(crate) fn labeled_expand_secret(
        &self,
        prk: &[u8],
        label: &[u8],
        info: &[&[u8]],
        len: usize,
    ) -> Result<Output, HpkeError> {
        let mut buf = Zeroizing::new([0u8; MAX_NH]);
        let out = buf
            .get_mut(..len)
            .ok_or(HpkeError::Internal("secret longer than Nh"))?;
        self.labeled_expand(prk, label, info, out)?;
        Ok(Output::new(out))
    }
}

/// Calls `f` with `head` and then `tail` as one list of parts, kept on
/// the stack; a tail longer than any caller's (three: enc, pkRm, pkSm) is
/// joined into one part first rather than refused.
fn with_parts<R>(head: &[&[u8]], tail: &[&[u8]], f: impl FnOnce(&[&[u8]]) -> R) -> R {
    const MAX: usize = 8;
    let joined;
    let tail_one: [&[u8]; 1];
    let tail = if head.len().saturating_add(tail.len()) > MAX {
        let mut all = Zeroizing::new(alloc::vec::Vec::new());
        tail.iter().for_each(|p| all.extend_from_slice(p));
        joined = all;
        tail_one = [joined.as_slice()];
        &tail_one[..]
    } else {
        tail
    };
    let mut parts: [&[u8]; MAX] = [&[]; MAX];
    let mut n = 0usize;
    for (slot, part) in parts.iter_mut().zip(head.iter().chain(tail)) {
        *slot = part;
        n = n.saturating_add(1);
    }
    f(parts.get(..n).unwrap_or_default())
}
