//! The key schedule (RFC 9180 §5.1) and the contexts it makes: sealing
//! and opening with nonce = base_nonce xor seq (§5.2), and secret export
//! (§5.3).

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::kdf::Kdf;
use super::{HpkeError, Mode, Psk};
use crate::crypto::aead::{Aead, AeadKey, NONCE_LEN};
use crate::crypto::hash::Output;

/// The longest AEAD key (AES-256-GCM's and ChaCha20-Poly1305's).
const MAX_NK: usize = 32;

/// What `KeySchedule<ROLE>` computes before it becomes a context: the
/// AEAD key and base nonce (empty for export-only), and the exporter
/// secret. Wiped on drop.
pub(crate) struct Schedule {
    kdf: Kdf,
    aead: Option<Aead>,
    key: Zeroizing<[u8; MAX_NK]>,
    base_nonce: Zeroizing<[u8; NONCE_LEN]>,
    exporter_secret: Output,
}

impl Schedule {
    /// `KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id)` (§5.1)
    /// with the suite's KDF; `aead` is `None` for export-only (§5.3: no
    /// key or base nonce then).
    pub(crate) fn new(
        kdf: Kdf,
        aead: Option<Aead>,
        mode: Mode,
        shared_secret: &[u8],
        info: &[u8],
        psk: Option<Psk<'_>>,
    ) -> Result<Self, HpkeError> {
        let (psk, psk_id) = verify_psk_inputs(mode, psk)?;
        let psk_id_hash = kdf.labeled_extract(&[], b"psk_id_hash", &[psk_id]);
        let info_hash = kdf.labeled_extract(&[], b"info_hash", &[info]);
        // key_schedule_context = concat(mode, psk_id_hash, info_hash),
        // as parts of the info of each expansion.
        let mode_byte = [mode as u8];
        let context: [&[u8]; 3] = [&mode_byte, psk_id_hash.as_ref(), info_hash.as_ref()];
        let secret = kdf.labeled_extract(shared_secret, b"secret", &[psk]);

        let mut key = Zeroizing::new([0u8; MAX_NK]);
        let mut base_nonce = Zeroizing::new([0u8; NONCE_LEN]);
        if let Some(aead) = aead {
            let key = key
                .get_mut(..aead.key_len())
                .ok_or(HpkeError::Internal("AEAD key longer than 32 bytes"))?;
            kdf.labeled_expand(secret.as_ref(), b"key", &context, key)?;
            kdf.labeled_expand(
                secret.as_ref(),
                b"base_nonce",
                &context,
                base_nonce.as_mut_slice(),
            )?;
        }
        let exporter_secret =
            kdf.labeled_expand_secret(secret.as_ref(), b"exp", &context, kdf.nh())?;
        Ok(Self {
            kdf,
            aead,
            key,
            base_nonce,
            exporter_secret,
        })
    }

    /// The AEAD key (`Nk` bytes; empty for export-only).
    pub(crate) fn key(&self) -> &[u8] {
        let len = self.aead.map_or(0, |a| a.key_len());
        self.key.get(..len).unwrap_or_default()
    }

    /// The base nonce (`Nn` bytes; empty for export-only).
    pub(crate) fn base_nonce(&self) -> &[u8] {
        if self.aead.is_some() {
            self.base_nonce.as_slice()
        } else {
            &[]
        }
    }

    /// The exporter secret (`Nh` bytes).
    pub(crate) fn exporter_secret(&self) -> &[u8] {
        self.exporter_secret.as_ref()
    }

    /// The context: the AEAD keyed, sequence number 0.
    fn into_context(self) -> Result<Context, HpkeError> {
        let aead = self
            .aead
            .map(|a| a.key(self.key()))
            .transpose()
            .map_err(HpkeError::Crypto)?;
        // The secrets move into the context; the raw key is wiped when
        // the rest of `self` goes.
        let Self {
            kdf,
            base_nonce,
            exporter_secret,
            ..
        } = self;
        Ok(Context {
            kdf,
            aead,
            base_nonce,
            seq: 0,
            exporter_secret,
        })
    }

    pub(crate) fn into_sender(self) -> Result<SenderContext, HpkeError> {
        Ok(SenderContext(self.into_context()?))
    }

    pub(crate) fn into_receiver(self) -> Result<ReceiverContext, HpkeError> {
        Ok(ReceiverContext(self.into_context()?))
    }
}

/// VerifyPSKInputs(mode, psk, psk_id) (§5.1): the PSK modes need a PSK
/// and its id, both non-empty; the others none. Also §5.1.2: "The PSK
/// MUST have at least 32 bytes of entropy", which a shorter one cannot
/// have. Gives the `psk` and `psk_id` to use (empty by default).
fn verify_psk_inputs(mode: Mode, psk: Option<Psk<'_>>) -> Result<(&[u8], &[u8]), HpkeError> {
    match (mode, psk) {
        (Mode::Base | Mode::Auth, None) => Ok((&[], &[])),
        (Mode::Psk | Mode::AuthPsk, Some(Psk { key, id }))
            if key.len() >= MIN_PSK_LEN && !id.is_empty() =>
        {
            Ok((key, id))
        }
        _ => Err(HpkeError::InvalidPsk),
    }
}

/// §5.1.2: at least 32 bytes of entropy.
const MIN_PSK_LEN: usize = 32;

/// The state both roles share (§5.2): the AEAD and its base nonce, the
/// sequence number, the exporter secret.
struct Context {
    kdf: Kdf,
    /// `None` for the export-only AEAD.
    aead: Option<AeadKey>,
    base_nonce: Zeroizing<[u8; NONCE_LEN]>,
    /// Shorter than the nonce, as §5.2 allows: 2^64 - 1 messages are
    /// far more than any use of one context will see, and overflow is
    /// refused all the same.
    seq: u64,
    exporter_secret: Output,
}

impl Context {
    /// ComputeNonce(seq) (§5.2): base_nonce xor I2OSP(seq, Nn), and the
    /// AEAD; or why this context cannot seal or open. IncrementSeq's
    /// overflow check is made before the AEAD runs, so a message that
    /// could not be counted is not sealed at all.
    fn next(&self) -> Result<(&AeadKey, [u8; NONCE_LEN]), HpkeError> {
        let aead = self.aead.as_ref().ok_or(HpkeError::ExportOnly)?;
        if self.seq == u64::MAX {
            return Err(HpkeError::MessageLimitReached);
        }
        let mut nonce = *self.base_nonce;
        let seq = self.seq.to_be_bytes();
        for (n, s) in nonce.iter_mut().rev().zip(seq.iter().rev()) {
            *n ^= s;
        }
        Ok((aead, nonce))
    }

    /// IncrementSeq() (§5.2); [`next`](Self::next) refused the last value.
    fn advance(&mut self) {
        self.seq = self.seq.saturating_add(1);
    }

    /// Export(exporter_context, L) (§5.3) into `out` (`L = out.len()`).
    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        self.kdf.labeled_expand(
            self.exporter_secret.as_ref(),
            b"sec",
            &[exporter_context],
            out,
        )
    }
}

/// The sender's context (ContextS, RFC 9180 §5.2): seals messages in
/// order, and exports secrets. Made by
/// [`Suite::setup_sender`](super::Suite::setup_sender).
pub struct SenderContext(Context);

impl SenderContext {
    /// ContextS.Seal(aad, pt) (§5.2): the ciphertext with its 16-byte
    /// tag, under the next sequence number.
    pub fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, HpkeError> {
        let mut buf = Vec::with_capacity(pt.len().saturating_add(crate::crypto::aead::TAG_LEN));
        buf.extend_from_slice(pt);
        self.seal_in_place(aad, &mut buf)?;
        Ok(buf)
    }

    /// [`seal`](Self::seal) of `buf` in place: the tag is appended.
    pub fn seal_in_place(&mut self, aad: &[u8], buf: &mut Vec<u8>) -> Result<(), HpkeError> {
        let (aead, nonce) = self.0.next()?;
        aead.seal_in_place(&nonce, aad, buf)
            .map_err(HpkeError::Crypto)?;
        self.0.advance();
        Ok(())
    }

    /// Export(exporter_context, L) (§5.3): `L = out.len()` bytes, at
    /// most 255 * Nh.
    pub fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        self.0.export(exporter_context, out)
    }

    /// How many messages were sealed.
    pub fn sequence_number(&self) -> u64 {
        self.0.seq
    }
}

/// The recipient's context (ContextR, RFC 9180 §5.2): opens messages in
/// the order they were sealed, and exports secrets. Made by
/// [`Suite::setup_receiver`](super::Suite::setup_receiver).
pub struct ReceiverContext(Context);

impl ReceiverContext {
    /// ContextR.Open(aad, ct) (§5.2): the plaintext, if `ct` (with its
    /// tag) authenticates under the next sequence number; the sequence
    /// number moves only then.
    pub fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, HpkeError> {
        let mut buf = ct.to_vec();
        let len = self.open_in_place(aad, &mut buf)?;
        buf.truncate(len);
        Ok(buf)
    }

    /// [`open`](Self::open) of `buf` in place: gives the plaintext's
    /// length (the tag is left at the end). On failure `buf` is
    /// unspecified.
    pub fn open_in_place(&mut self, aad: &[u8], buf: &mut [u8]) -> Result<usize, HpkeError> {
        let (aead, nonce) = self.0.next()?;
        let len = aead
            .open_in_place(&nonce, aad, buf)
            .map_err(|_| HpkeError::OpenFailed)?;
        self.0.advance();
        Ok(len)
    }

    /// Export(exporter_context, L) (§5.3): `L = out.len()` bytes, at
    /// most 255 * Nh.
    pub fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        self.0.export(exporter_context, out)
    }

    /// How many messages were opened.
    pub fn sequence_number(&self) -> u64 {
        self.0.seq
    }
}

impl core::fmt::Debug for SenderContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SenderContext")
            .field("seq", &self.0.seq)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for ReceiverContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReceiverContext")
            .field("seq", &self.0.seq)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::aead::AeadAlgorithm;
    use crate::crypto::hash::HashAlgorithm;
    use crate::crypto::rustcrypto;
    use crate::msgs::enums::{HpkeAeadId, HpkeKdfId, HpkeKemId};

    fn schedule(aead: Option<AeadAlgorithm>) -> Schedule {
        let p = rustcrypto::provider();
        let kdf = Kdf::for_suite(
            p.hash(HashAlgorithm::Sha256),
            HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        );
        let aead = aead.map(|a| p.aead(a).unwrap());
        Schedule::new(kdf, aead, Mode::Base, &[7; 32], b"info", None).unwrap()
    }

    fn pair() -> (SenderContext, ReceiverContext) {
        let alg = Some(AeadAlgorithm::Aes128Gcm);
        (
            schedule(alg).into_sender().unwrap(),
            schedule(alg).into_receiver().unwrap(),
        )
    }

    #[test]
    fn the_last_sequence_number_is_refused_not_wrapped() {
        let (mut s, mut r) = pair();
        s.0.seq = u64::MAX - 1;
        r.0.seq = u64::MAX - 1;
        let ct = s.seal(b"", b"last").unwrap();
        assert_eq!(r.open(b"", &ct).unwrap(), b"last");
        assert_eq!(s.sequence_number(), u64::MAX);
        assert_eq!(
            s.seal(b"", b"one more"),
            Err(HpkeError::MessageLimitReached)
        );
        assert_eq!(r.open(b"", &ct), Err(HpkeError::MessageLimitReached));
        assert_eq!(s.sequence_number(), u64::MAX);
    }

    #[test]
    fn the_nonce_is_base_nonce_xor_seq() {
        let (mut s, _) = pair();
        let base = *s.0.base_nonce;
        s.0.seq = 0x0102_0304_0506_0708;
        let (_, nonce) = s.0.next().unwrap();
        let mut want = base;
        for (w, x) in want[4..]
            .iter_mut()
            .zip(0x0102_0304_0506_0708u64.to_be_bytes())
        {
            *w ^= x;
        }
        assert_eq!(nonce, want);
    }

    #[test]
    fn a_failed_open_does_not_move_the_sequence_number() {
        let (mut s, mut r) = pair();
        let first = s.seal(b"aad", b"first").unwrap();
        let mut bad = first.clone();
        bad[0] ^= 1;
        assert_eq!(r.open(b"aad", &bad), Err(HpkeError::OpenFailed));
        assert_eq!(r.open(b"other aad", &first), Err(HpkeError::OpenFailed));
        assert_eq!(r.open(b"aad", &first[..15]), Err(HpkeError::OpenFailed));
        assert_eq!(r.sequence_number(), 0);
        assert_eq!(r.open(b"aad", &first).unwrap(), b"first");
        // Out of order: the second message does not open as the first.
        let second = s.seal(b"aad", b"second").unwrap();
        let third = s.seal(b"aad", b"third").unwrap();
        assert_eq!(r.open(b"aad", &third), Err(HpkeError::OpenFailed));
        assert_eq!(r.open(b"aad", &second).unwrap(), b"second");
    }

    #[test]
    fn export_only_exports_and_refuses_to_seal() {
        let s = schedule(None);
        assert!(s.key().is_empty() && s.base_nonce().is_empty());
        let mut s = s.into_sender().unwrap();
        assert_eq!(s.seal(b"", b"x"), Err(HpkeError::ExportOnly));
        let mut out = [0u8; 32];
        s.export(b"ctx", &mut out).unwrap();
        assert_ne!(out, [0u8; 32]);
    }

    #[test]
    fn exports_are_bounded_by_255_nh() {
        let (s, r) = pair();
        let mut most = alloc::vec![0u8; 255 * 32];
        s.export(b"ctx", &mut most).unwrap();
        let mut theirs = alloc::vec![0u8; 255 * 32];
        r.export(b"ctx", &mut theirs).unwrap();
        assert_eq!(most, theirs);
        let mut over = alloc::vec![0u8; 255 * 32 + 1];
        assert_eq!(s.export(b"ctx", &mut over), Err(HpkeError::ExportTooLong));
        // L = 0 is allowed and gives nothing.
        s.export(b"ctx", &mut []).unwrap();
    }

    #[test]
    fn psk_inputs_are_verified() {
        let psk = |key: &'static [u8], id: &'static [u8]| Some(Psk { key, id });
        let ok = |mode, p| verify_psk_inputs(mode, p).is_ok();
        assert!(ok(Mode::Base, None));
        assert!(ok(Mode::Auth, None));
        assert!(!ok(Mode::Psk, None));
        assert!(!ok(Mode::AuthPsk, None));
        let long: &'static [u8] = &[1u8; 32];
        assert!(ok(Mode::Psk, psk(long, b"id")));
        assert!(ok(Mode::AuthPsk, psk(long, b"id")));
        assert!(!ok(Mode::Base, psk(long, b"id")));
        assert!(!ok(Mode::Auth, psk(long, b"id")));
        assert!(!ok(Mode::Psk, psk(long, b"")));
        assert!(!ok(Mode::Psk, psk(&[1u8; 31], b"id")));
        assert!(!ok(Mode::Psk, psk(b"", b"id")));
    }
}
