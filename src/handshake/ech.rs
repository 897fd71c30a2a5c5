//! ECH's acceptance signal (RFC 9849 §7.2, §7.2.1), which both sides
//! compute over the inner handshake's transcript: the server writes it,
//! the client compares it. It lives here, beside the transcript, rather
//! than in `crate::ech` (wire formats and HPKE, no handshake state).
//!
//! The signal is 8 bytes of HKDF-Expand-Label keyed by
//! HKDF-Extract(0, ClientHelloInner.random), over the transcript hash of
//! the inner handshake up to a copy of the server's message with the
//! signal's own place zeroed: the last 8 bytes of ServerHello.random, or
//! the payload of the HelloRetryRequest's `encrypted_client_hello`.

use alloc::vec::Vec;

use subtle::ConstantTimeEq;

use super::transcript::Transcript;
use crate::codec::{Codec, LengthPrefix, Reader};
use crate::crypto::hash::Hash;
use crate::key_schedule::hkdf_expand_label;
use crate::msgs::enums::ExtensionType;

/// The signal's length, in ServerHello.random and in the HelloRetryRequest
/// extension.
pub(crate) const CONFIRMATION_LEN: usize = 8;

/// Where ServerHello.random's last 8 bytes lie in the whole message:
/// type (1), length (3), legacy_version (2), random (32).
const SH_CONFIRMATION: core::ops::Range<usize> = 30..38;

/// Which of the two signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// §7.2: in ServerHello.random.
    ServerHello,
    /// §7.2.1: in the HelloRetryRequest's `encrypted_client_hello`.
    HelloRetryRequest,
}

impl Signal {
    fn label(self) -> &'static [u8] {
        match self {
            Self::ServerHello => b"ech accept confirmation",
            Self::HelloRetryRequest => b"hrr ech accept confirmation",
        }
    }
}

/// The signal for the server message `raw` (a whole ServerHello or
/// HelloRetryRequest, header included), whose signal bytes are zeroed in
/// a copy before hashing: `transcript` holds the inner handshake before
/// `raw` (ClientHelloInner; after a HelloRetryRequest, message_hash of
/// the first ClientHelloInner, the HelloRetryRequest and the second
/// ClientHelloInner), and `inner_random` is the random of the
/// ClientHelloInner it answers (the first one, for the HelloRetryRequest
/// signal; both hellos carry the same random, RFC 9846 §4.1.2).
///
/// `None` when `raw` has no place for the signal (a HelloRetryRequest
/// without `encrypted_client_hello` or with one whose body is not 8
/// bytes; a message too short) or `transcript` runs another hash.
pub(crate) fn confirmation(
    signal: Signal,
    hash: Hash,
    transcript: &Transcript,
    inner_random: &[u8; 32],
    raw: &[u8],
) -> Option<[u8; CONFIRMATION_LEN]> {
    let at = match signal {
        Signal::ServerHello => SH_CONFIRMATION,
        Signal::HelloRetryRequest => hrr_confirmation_range(raw)?,
    };
    let mut zeroed = Vec::from(raw);
    zeroed.get_mut(at)?.fill(0);
    let transcript_hash = transcript.hash_with(hash, &zeroed)?;
    let prk = hash.hkdf_extract(&[], inner_random);
    let mut out = [0u8; CONFIRMATION_LEN];
    hkdf_expand_label(
        hash,
        prk.as_ref(),
        signal.label(),
        transcript_hash.as_ref(),
        &mut out,
    );
    Some(out)
}

/// Whether the signal in `raw` is the one [`confirmation`] computes, in
/// constant time (the comparison concerns a value derived from the
/// client's secret random).
pub(crate) fn is_confirmed(
    signal: Signal,
    hash: Hash,
    transcript: &Transcript,
    inner_random: &[u8; 32],
    raw: &[u8],
) -> bool {
    let expected = confirmation(signal, hash, transcript, inner_random, raw);
    let at = match signal {
        Signal::ServerHello => Some(SH_CONFIRMATION),
        Signal::HelloRetryRequest => hrr_confirmation_range(raw),
    };
    match (expected, at.and_then(|at| raw.get(at))) {
        (Some(expected), Some(got)) => bool::from(expected.ct_eq(got)),
        _ => false,
    }
}

/// Writes the signal into `raw`, a ServerHello or HelloRetryRequest this
/// server built with zeros where the signal goes. `None`: `raw` has no
/// such place (the server's own mistake).
pub(crate) fn write_confirmation(
    signal: Signal,
    hash: Hash,
    transcript: &Transcript,
    inner_random: &[u8; 32],
    raw: &mut [u8],
) -> Option<()> {
    let value = confirmation(signal, hash, transcript, inner_random, raw)?;
    let at = match signal {
        Signal::ServerHello => SH_CONFIRMATION,
        Signal::HelloRetryRequest => hrr_confirmation_range(raw)?,
    };
    raw.get_mut(at)?.copy_from_slice(&value);
    Some(())
}

/// Where the 8-byte body of the `encrypted_client_hello` extension lies
/// in a whole HelloRetryRequest message; `None` without the extension, or
/// with a body of another length (RFC 9849 §6.1.4: the client then aborts
/// with `decode_error`, which its parser of the extension decides).
/// One pass over the extensions: linear in the message.
pub(crate) fn hrr_confirmation_range(raw: &[u8]) -> Option<core::ops::Range<usize>> {
    let mut r = Reader::new(raw);
    // Type, length, legacy_version, random.
    r.take(4 + 2 + 32)?;
    r.vec_bytes(LengthPrefix::U8, "legacy_session_id_echo")
        .ok()?;
    // cipher_suite, legacy_compression_method.
    r.take(3)?;
    let mut exts = r.sub(LengthPrefix::U16, "extensions").ok()?;
    while exts.any_left() {
        let typ = ExtensionType::read(&mut exts).ok()?;
        let body = exts.vec_bytes(LengthPrefix::U16, "extension").ok()?;
        if typ == ExtensionType::ENCRYPTED_CLIENT_HELLO {
            if body.len() != CONFIRMATION_LEN {
                return None;
            }
            // The body is the last thing read from `raw` so far.
            let end = raw.len().checked_sub(r.left())?.checked_sub(exts.left())?;
            return Some(end.checked_sub(CONFIRMATION_LEN)?..end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A HelloRetryRequest laid out by hand: header, legacy_version,
    /// random, a 1-byte session id, suite, compression, then
    /// supported_versions and an `encrypted_client_hello` of `ech` bytes.
    fn hrr(ech: &[u8]) -> Vec<u8> {
        let mut exts = vec![0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0xfe, 0x0d, 0x00];
        exts.push(ech.len() as u8);
        exts.extend_from_slice(ech);
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&[0xcf; 32]);
        body.extend_from_slice(&[0x01, 0xaa, 0x13, 0x01, 0x00]);
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut m = vec![0x02, 0x00, 0x00, body.len() as u8];
        m.extend_from_slice(&body);
        m
    }

    #[test]
    fn finds_the_hrr_extension_body() {
        let m = hrr(&[7; 8]);
        let at = hrr_confirmation_range(&m).unwrap();
        assert_eq!(at.end, m.len());
        assert_eq!(&m[at], &[7; 8]);
    }

    #[test]
    fn hrr_body_of_another_length_has_no_place() {
        assert_eq!(hrr_confirmation_range(&hrr(&[7; 7])), None);
        assert_eq!(hrr_confirmation_range(&hrr(&[7; 9])), None);
    }

    #[test]
    fn written_signal_is_confirmed_and_tampering_is_not() {
        let hash = crate::crypto::hash::HashAlgorithm::Sha256.with_default_provider();
        let mut t = Transcript::default();
        t.add(b"\x01\x00\x00\x00");
        t.start_hash(hash);
        let random = [5u8; 32];
        for signal in [Signal::ServerHello, Signal::HelloRetryRequest] {
            let mut m = hrr(&[0; 8]);
            write_confirmation(signal, hash, &t, &random, &mut m).unwrap();
            assert!(is_confirmed(signal, hash, &t, &random, &m));
            assert!(!is_confirmed(signal, hash, &t, &[6u8; 32], &m));
            let last = m.len() - 1;
            m[last] ^= 1;
            let sh_last = SH_CONFIRMATION.end - 1;
            m[sh_last] ^= 1;
            assert!(!is_confirmed(signal, hash, &t, &random, &m));
        }
    }
}
