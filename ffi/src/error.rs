//! Result codes, the last error's sentence, and the guard every entry
//! point runs in (NULL checks' failures, library errors and caught panics
//! all become a code here).
//!
//! The codes are stable: a code keeps its number and meaning in every
//! later version; new ones get new numbers. 1–99 are misuse of the API or
//! failures of the boundary, 100–199 the library's errors, 200–299 the
//! reasons a peer's certificate was refused (one per kind of the library's
//! structured certificate error).

use std::cell::RefCell;
use std::ffi::{c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use tls13::Error;
use tls13::error::CertificateError;

use crate::ptr;

/// A result code: `TLS13_OK` (0) or one of the `TLS13_ERR_*` codes.
pub type tls13_result = c_int;

/// Success.
pub const TLS13_OK: tls13_result = 0;
/// A required pointer argument was NULL (or a NULL pointer came with a
/// non-zero length).
pub const TLS13_ERR_NULL_ARGUMENT: tls13_result = 1;
/// An argument was unusable: not UTF-8, a length no object can have, more
/// bytes consumed than are pending, an index past the end, a call that
/// does not apply to this side (a client call on a server connection), an
/// unknown constant.
pub const TLS13_ERR_INVALID_ARGUMENT: tls13_result = 2;
/// A bug: the library panicked. The panic was caught at the boundary; a
/// connection it happened on is poisoned and every later call on it
/// returns this code (free it).
pub const TLS13_ERR_PANIC: tls13_result = 3;
/// A PEM text or file could not be used (no certificate in it, not a key
/// this library can sign with, unreadable file).
pub const TLS13_ERR_BAD_PEM: tls13_result = 4;

/// The peer sent a message that does not decode (alert `decode_error` or
/// `illegal_parameter` sent).
pub const TLS13_ERR_INVALID_MESSAGE: tls13_result = 100;
/// The peer broke a rule of the protocol (the alert RFC 9846 names was
/// sent).
pub const TLS13_ERR_PEER_MISBEHAVED: tls13_result = 101;
/// The peer and this configuration have nothing in common (suites,
/// groups, ALPN, a required certificate it did not send).
pub const TLS13_ERR_PEER_INCOMPATIBLE: tls13_result = 102;
/// A record failed authentication (`bad_record_mac`).
pub const TLS13_ERR_DECRYPT_FAILED: tls13_result = 103;
/// The peer sent a record larger than allowed (`record_overflow`).
pub const TLS13_ERR_RECORD_OVERFLOW: tls13_result = 104;
/// The peer sent a fatal alert (`tls13_last_error_alert` says which).
pub const TLS13_ERR_ALERT_RECEIVED: tls13_result = 105;
/// The transport ended without close_notify: data may be truncated.
pub const TLS13_ERR_UNEXPECTED_EOF: tls13_result = 106;
/// The connection is closed (after `tls13_conn_close`, nothing more can
/// be sent).
pub const TLS13_ERR_CONNECTION_CLOSED: tls13_result = 107;
/// The call needs a completed handshake (exporters, post-handshake
/// requests).
pub const TLS13_ERR_HANDSHAKE_NOT_COMPLETE: tls13_result = 108;
/// The random source failed.
pub const TLS13_ERR_RANDOM_FAILED: tls13_result = 109;
/// The configuration is unusable, or the call does not fit the
/// connection's state (an answer to a decision that is not pending); the
/// message names the mistake.
pub const TLS13_ERR_BAD_CONFIG: tls13_result = 110;
/// A signing operation failed (`internal_error` sent).
pub const TLS13_ERR_SIGNING_FAILED: tls13_result = 111;
/// An internal error of the library (`internal_error` sent).
pub const TLS13_ERR_INTERNAL: tls13_result = 112;
/// Encrypted Client Hello failed (RFC 9849).
pub const TLS13_ERR_ECH: tls13_result = 113;
/// The server did not accept Encrypted Client Hello (RFC 9849 §6.1.6).
pub const TLS13_ERR_ECH_REJECTED: tls13_result = 114;
/// A library error this version of the C API does not know by kind; the
/// message says what it is.
pub const TLS13_ERR_OTHER: tls13_result = 199;

/// The peer's certificate could not be parsed (`bad_certificate`).
pub const TLS13_ERR_CERT_BAD_ENCODING: tls13_result = 200;
/// The peer sent no certificate.
pub const TLS13_ERR_CERT_EMPTY: tls13_result = 201;
/// The end-entity certificate is not the pinned one.
pub const TLS13_ERR_CERT_NOT_PINNED: tls13_result = 202;
/// A key of a type or size that is not accepted.
pub const TLS13_ERR_CERT_UNSUPPORTED_KEY: tls13_result = 203;
/// The chain has more certificates than the configured limit.
pub const TLS13_ERR_CERT_CHAIN_TOO_LONG: tls13_result = 204;
/// A verifier's own reason (among them the application's, given to
/// `tls13_conn_reject_certificate`).
pub const TLS13_ERR_CERT_OTHER: tls13_result = 205;
/// A certificate of the chain does not follow the DER syntax of RFC 5280.
pub const TLS13_ERR_CERT_MALFORMED: tls13_result = 206;
/// The validation time is after a certificate's notAfter.
pub const TLS13_ERR_CERT_EXPIRED: tls13_result = 207;
/// The validation time is before a certificate's notBefore.
pub const TLS13_ERR_CERT_NOT_YET_VALID: tls13_result = 208;
/// The end entity is not valid for the server name asked for.
pub const TLS13_ERR_CERT_NOT_VALID_FOR_NAME: tls13_result = 209;
/// No path reaches a trust anchor.
pub const TLS13_ERR_CERT_UNKNOWN_ISSUER: tls13_result = 210;
/// A signature on a certificate did not verify with its issuer's key.
pub const TLS13_ERR_CERT_BAD_SIGNATURE: tls13_result = 211;
/// A signature algorithm or key that is not accepted in a certificate.
pub const TLS13_ERR_CERT_UNSUPPORTED_ALGORITHM: tls13_result = 212;
/// An extendedKeyUsage that does not allow the purpose (serverAuth,
/// clientAuth).
pub const TLS13_ERR_CERT_INVALID_PURPOSE: tls13_result = 213;
/// A keyUsage that lacks a bit the use needs.
pub const TLS13_ERR_CERT_KEY_USAGE: tls13_result = 214;
/// A certificate that is not a CA acts as one.
pub const TLS13_ERR_CERT_NOT_CA: tls13_result = 215;
/// The path is longer than a pathLenConstraint allows.
pub const TLS13_ERR_CERT_PATH_LENGTH: tls13_result = 216;
/// A name outside a CA's name constraints.
pub const TLS13_ERR_CERT_NAME_CONSTRAINTS: tls13_result = 217;
/// A critical extension that is not processed.
pub const TLS13_ERR_CERT_UNHANDLED_CRITICAL_EXTENSION: tls13_result = 218;
/// Another rule of the RFC 5280 / CA/Browser Forum profile.
pub const TLS13_ERR_CERT_PROFILE: tls13_result = 219;
/// Revoked by a CRL.
pub const TLS13_ERR_CERT_REVOKED: tls13_result = 220;
/// The revocation status cannot be known (a stale CRL).
pub const TLS13_ERR_CERT_REVOCATION_UNKNOWN: tls13_result = 221;
/// Validation gave up at a work limit.
pub const TLS13_ERR_CERT_LIMIT_EXCEEDED: tls13_result = 222;
/// The OCSP response the server stapled cannot vouch for its certificate
/// (malformed, badly signed, about another certificate, stale, status
/// `unknown`): `bad_certificate_status_response`.
pub const TLS13_ERR_CERT_BAD_OCSP_RESPONSE: tls13_result = 223;
/// No OCSP response was stapled although one is required (a must-staple
/// certificate, RFC 7633): `bad_certificate_status_response`.
pub const TLS13_ERR_CERT_MISSING_OCSP_RESPONSE: tls13_result = 224;
/// A kind of certificate error this version of the C API does not know;
/// the message says what it is.
pub const TLS13_ERR_CERT_UNKNOWN_KIND: tls13_result = 299;

/// A failed call: its code and the sentence for
/// [`tls13_last_error_message`].
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: tls13_result,
    pub message: String,
    /// The alert sent (or, for `ALERT_RECEIVED`, received).
    pub alert: Option<u8>,
}

impl Failure {
    pub fn new(code: tls13_result, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            alert: None,
        }
    }

    pub fn null(what: &str) -> Self {
        Self::new(TLS13_ERR_NULL_ARGUMENT, format!("{what} is NULL"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(TLS13_ERR_INVALID_ARGUMENT, message)
    }

    pub fn pem(e: Error) -> Self {
        Self::new(TLS13_ERR_BAD_PEM, e.to_string())
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let alert = match &e {
            Error::AlertReceived(a) => Some(a.0),
            other => other.alert().map(|a| a.0),
        };
        Self {
            code: code_of(&e),
            message: e.to_string(),
            alert,
        }
    }
}

/// The stable code of a library error.
pub(crate) fn code_of(e: &Error) -> tls13_result {
    match e {
        Error::InvalidMessage(_) => TLS13_ERR_INVALID_MESSAGE,
        Error::PeerMisbehaved(_) => TLS13_ERR_PEER_MISBEHAVED,
        Error::PeerIncompatible(_) => TLS13_ERR_PEER_INCOMPATIBLE,
        Error::InvalidCertificate(c) => cert_code(c),
        Error::DecryptFailed => TLS13_ERR_DECRYPT_FAILED,
        Error::RecordOverflow => TLS13_ERR_RECORD_OVERFLOW,
        Error::AlertReceived(_) => TLS13_ERR_ALERT_RECEIVED,
        Error::UnexpectedEof => TLS13_ERR_UNEXPECTED_EOF,
        Error::ConnectionClosed => TLS13_ERR_CONNECTION_CLOSED,
        Error::HandshakeNotComplete => TLS13_ERR_HANDSHAKE_NOT_COMPLETE,
        Error::RandomFailed => TLS13_ERR_RANDOM_FAILED,
        Error::BadConfig(_) => TLS13_ERR_BAD_CONFIG,
        Error::SigningFailed(_) => TLS13_ERR_SIGNING_FAILED,
        Error::Internal(_) => TLS13_ERR_INTERNAL,
        // The C API has no send_buffer/commit_send: cannot happen here.
        Error::SendBufferExceeded { .. } => TLS13_ERR_INVALID_ARGUMENT,
        Error::Ech(_) => TLS13_ERR_ECH,
        Error::EchRejected { .. } => TLS13_ERR_ECH_REJECTED,
        // `Error` is non_exhaustive: a kind added later is reported with
        // its message until it gets a code of its own.
        _ => TLS13_ERR_OTHER,
    }
}

/// The stable code of a certificate error's kind.
pub(crate) fn cert_code(c: &CertificateError) -> tls13_result {
    use CertificateError as C;
    match c {
        C::BadEncoding(_) => TLS13_ERR_CERT_BAD_ENCODING,
        C::Empty => TLS13_ERR_CERT_EMPTY,
        C::NotPinned => TLS13_ERR_CERT_NOT_PINNED,
        C::UnsupportedKey(_) => TLS13_ERR_CERT_UNSUPPORTED_KEY,
        C::ChainTooLong { .. } => TLS13_ERR_CERT_CHAIN_TOO_LONG,
        C::Other { .. } => TLS13_ERR_CERT_OTHER,
        C::Malformed { .. } => TLS13_ERR_CERT_MALFORMED,
        C::Expired { .. } => TLS13_ERR_CERT_EXPIRED,
        C::NotYetValid { .. } => TLS13_ERR_CERT_NOT_YET_VALID,
        C::NotValidForName { .. } => TLS13_ERR_CERT_NOT_VALID_FOR_NAME,
        C::UnknownIssuer { .. } => TLS13_ERR_CERT_UNKNOWN_ISSUER,
        C::BadSignature { .. } => TLS13_ERR_CERT_BAD_SIGNATURE,
        C::UnsupportedAlgorithm { .. } => TLS13_ERR_CERT_UNSUPPORTED_ALGORITHM,
        C::InvalidPurpose { .. } => TLS13_ERR_CERT_INVALID_PURPOSE,
        C::KeyUsage { .. } => TLS13_ERR_CERT_KEY_USAGE,
        C::NotCa { .. } => TLS13_ERR_CERT_NOT_CA,
        C::PathLength { .. } => TLS13_ERR_CERT_PATH_LENGTH,
        C::NameConstraints { .. } => TLS13_ERR_CERT_NAME_CONSTRAINTS,
        C::UnhandledCriticalExtension { .. } => TLS13_ERR_CERT_UNHANDLED_CRITICAL_EXTENSION,
        C::Profile { .. } => TLS13_ERR_CERT_PROFILE,
        C::Revoked { .. } => TLS13_ERR_CERT_REVOKED,
        C::RevocationUnknown { .. } => TLS13_ERR_CERT_REVOCATION_UNKNOWN,
        C::LimitExceeded { .. } => TLS13_ERR_CERT_LIMIT_EXCEEDED,
        C::BadOcspResponse { .. } => TLS13_ERR_CERT_BAD_OCSP_RESPONSE,
        C::MissingOcspResponse { .. } => TLS13_ERR_CERT_MISSING_OCSP_RESPONSE,
        // non_exhaustive, as above.
        _ => TLS13_ERR_CERT_UNKNOWN_KIND,
    }
}

/// What the last failed call on this thread said.
struct LastError {
    message: String,
    alert: Option<u8>,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn record(f: Failure) -> tls13_result {
    let code = f.code;
    let last = LastError {
        message: f.message,
        alert: f.alert,
    };
    // `try_with`: during thread teardown the slot may be gone; the code
    // is still returned.
    let _ = LAST_ERROR.try_with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            *l = Some(last);
        }
    });
    code
}

/// The text of a caught panic's payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("internal error: the library panicked ({what}); this is a bug")
}

/// Runs an entry point's body: `Ok` is `TLS13_OK`, a failure is recorded
/// for [`tls13_last_error_message`] and its code returned, a panic is
/// caught (it never unwinds into C) and reported as `TLS13_ERR_PANIC`.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> tls13_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => TLS13_OK,
        Ok(Err(f)) => record(f),
        Err(payload) => record(Failure::new(TLS13_ERR_PANIC, panic_message(&*payload))),
    }
}

/// A short description of a result code, as a static NUL-terminated
/// string (never NULL; never freed). For the details of the last failure,
/// with the names and values involved, see `tls13_last_error_message`.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_result_str(code: tls13_result) -> *const c_char {
    let s: &'static std::ffi::CStr = match code {
        TLS13_OK => c"success",
        TLS13_ERR_NULL_ARGUMENT => c"a required pointer argument is NULL",
        TLS13_ERR_INVALID_ARGUMENT => c"invalid argument",
        TLS13_ERR_PANIC => c"internal error: the library panicked (the connection is unusable)",
        TLS13_ERR_BAD_PEM => c"the PEM text or file cannot be used",
        TLS13_ERR_INVALID_MESSAGE => c"malformed message from the peer",
        TLS13_ERR_PEER_MISBEHAVED => c"the peer broke the protocol",
        TLS13_ERR_PEER_INCOMPATIBLE => c"nothing in common with the peer",
        TLS13_ERR_DECRYPT_FAILED => c"a record failed authentication",
        TLS13_ERR_RECORD_OVERFLOW => c"the peer sent a record larger than allowed",
        TLS13_ERR_ALERT_RECEIVED => c"the peer sent a fatal alert",
        TLS13_ERR_UNEXPECTED_EOF => c"the transport ended without close_notify",
        TLS13_ERR_CONNECTION_CLOSED => c"the connection is closed",
        TLS13_ERR_HANDSHAKE_NOT_COMPLETE => c"the handshake is not complete",
        TLS13_ERR_RANDOM_FAILED => c"the random source failed",
        TLS13_ERR_BAD_CONFIG => c"configuration error",
        TLS13_ERR_SIGNING_FAILED => c"signing failed",
        TLS13_ERR_INTERNAL => c"internal error",
        TLS13_ERR_ECH => c"Encrypted Client Hello failed",
        TLS13_ERR_ECH_REJECTED => c"the server rejected Encrypted Client Hello",
        TLS13_ERR_OTHER => c"error",
        TLS13_ERR_CERT_BAD_ENCODING => c"certificate: could not be parsed",
        TLS13_ERR_CERT_EMPTY => c"certificate: the peer sent none",
        TLS13_ERR_CERT_NOT_PINNED => c"certificate: not the pinned one",
        TLS13_ERR_CERT_UNSUPPORTED_KEY => c"certificate: unsupported key",
        TLS13_ERR_CERT_CHAIN_TOO_LONG => c"certificate: chain too long",
        TLS13_ERR_CERT_OTHER => c"certificate: refused",
        TLS13_ERR_CERT_MALFORMED => c"certificate: malformed",
        TLS13_ERR_CERT_EXPIRED => c"certificate: expired",
        TLS13_ERR_CERT_NOT_YET_VALID => c"certificate: not yet valid",
        TLS13_ERR_CERT_NOT_VALID_FOR_NAME => c"certificate: not valid for the server name",
        TLS13_ERR_CERT_UNKNOWN_ISSUER => c"certificate: unknown issuer",
        TLS13_ERR_CERT_BAD_SIGNATURE => c"certificate: bad signature",
        TLS13_ERR_CERT_UNSUPPORTED_ALGORITHM => c"certificate: unsupported algorithm",
        TLS13_ERR_CERT_INVALID_PURPOSE => c"certificate: not valid for this purpose",
        TLS13_ERR_CERT_KEY_USAGE => c"certificate: key usage does not allow this use",
        TLS13_ERR_CERT_NOT_CA => c"certificate: not a CA",
        TLS13_ERR_CERT_PATH_LENGTH => c"certificate: path too long",
        TLS13_ERR_CERT_NAME_CONSTRAINTS => c"certificate: name constraints violated",
        TLS13_ERR_CERT_UNHANDLED_CRITICAL_EXTENSION => c"certificate: unhandled critical extension",
        TLS13_ERR_CERT_PROFILE => c"certificate: breaks the RFC 5280 profile",
        TLS13_ERR_CERT_REVOKED => c"certificate: revoked",
        TLS13_ERR_CERT_REVOCATION_UNKNOWN => c"certificate: revocation status unknown",
        TLS13_ERR_CERT_LIMIT_EXCEEDED => c"certificate: validation limit exceeded",
        TLS13_ERR_CERT_BAD_OCSP_RESPONSE => c"certificate: the stapled OCSP response is unusable",
        TLS13_ERR_CERT_MISSING_OCSP_RESPONSE => c"certificate: a required OCSP response is missing",
        TLS13_ERR_CERT_UNKNOWN_KIND => c"certificate: refused",
        _ => c"unknown result code",
    };
    s.as_ptr()
}

/// Whether `code` is one of the `TLS13_ERR_CERT_*` codes: the peer's
/// certificate was refused, and the code says why.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_result_is_certificate_error(code: tls13_result) -> bool {
    (200..300).contains(&code)
}

/// Copies the sentence describing the last failed call on the calling
/// thread (which certificate, which check, what was expected; which
/// argument was NULL; ...) into `buf` as a NUL-terminated string,
/// truncated to `len - 1` bytes when longer. `*out_len` (if `out_len` is
/// not NULL) receives the full length without the NUL, so a caller can
/// tell truncation (`*out_len >= len`). Successful calls do not clear it;
/// with no failure yet the message is empty. `buf` may be NULL only with
/// `len == 0` (to ask for the length). Returns `TLS13_OK`, or
/// `TLS13_ERR_NULL_ARGUMENT`.
///
/// # Safety
///
/// `buf` points to `len` writable bytes; `out_len` is NULL or points to a
/// writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> tls13_result {
    let message = LAST_ERROR
        .try_with(|l| {
            l.try_borrow()
                .ok()
                .and_then(|l| l.as_ref().map(|e| e.message.clone()))
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    // Not through `guard`: reading the message must not replace it.
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's contract: `buf` has `len` writable bytes.
        let dst = unsafe { ptr::bytes_mut(buf.cast::<u8>(), len, "buf") }?;
        // A NUL inside the message would cut it short in C: none is put
        // there by the library, but be sure.
        let bytes: Vec<u8> = message
            .bytes()
            .map(|b| if b == 0 { b'?' } else { b })
            .collect();
        if let Some(room) = dst.len().checked_sub(1) {
            let n = bytes.len().min(room);
            if let (Some(d), Some(s)) = (dst.get_mut(..n), bytes.get(..n)) {
                d.copy_from_slice(s);
            }
            if let Some(end) = dst.get_mut(n) {
                *end = 0;
            }
        }
        // SAFETY: the caller's contract: NULL or a writable size_t.
        unsafe { ptr::write(out_len, bytes.len()) };
        Ok::<(), Failure>(())
    }));
    match r {
        Ok(Ok(())) => TLS13_OK,
        Ok(Err(f)) => f.code,
        Err(_) => TLS13_ERR_PANIC,
    }
}

/// The TLS alert that went with the last failed call on the calling
/// thread: the alert sent to the peer for a local error
/// (`TLS13_ERR_CERT_EXPIRED` sent `certificate_expired`, 45), the alert
/// received for `TLS13_ERR_ALERT_RECEIVED`; -1 when there was none (API
/// misuse, a configuration error, no failure yet). Numbers are the TLS
/// AlertDescription registry's.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_last_error_alert() -> c_int {
    LAST_ERROR
        .try_with(|l| {
            l.try_borrow()
                .ok()
                .and_then(|l| l.as_ref().and_then(|e| e.alert))
        })
        .ok()
        .flatten()
        .map_or(-1, c_int::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_and_a_message() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, TLS13_ERR_PANIC);
        let mut buf = [0 as c_char; 128];
        let mut n = 0usize;
        // SAFETY: a local buffer of the stated length, a local size_t.
        let r = unsafe { tls13_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r, TLS13_OK);
        // SAFETY: the function NUL-terminated it.
        let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .unwrap();
        assert!(text.contains("boom"), "{text}");
        assert_eq!(n, text.len());
    }

    #[test]
    fn the_message_is_truncated_and_terminated() {
        let _ = guard(|| Err(Failure::invalid("0123456789")));
        let mut buf = [1 as c_char; 4];
        let mut n = 0usize;
        // SAFETY: as above.
        unsafe { tls13_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(n, 10);
        assert_eq!(buf, [b'0' as c_char, b'1' as c_char, b'2' as c_char, 0]);
        // The length alone.
        // SAFETY: NULL with length 0 is allowed.
        let r = unsafe { tls13_last_error_message(std::ptr::null_mut(), 0, &mut n) };
        assert_eq!((r, n), (TLS13_OK, 10));
    }

    /// The variant names of `pub enum NAME` in the library's
    /// src/error.rs (one per line at four spaces' indentation).
    fn library_variants(name: &str) -> Vec<String> {
        let src = include_str!("../../src/error.rs");
        let start = src
            .find(&format!("pub enum {name} {{"))
            .unwrap_or_else(|| panic!("pub enum {name} in src/error.rs"));
        let body = &src[start..];
        let end = body.find("\n}\n").expect("the enum's end");
        body[..end]
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix("    "))
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|l| {
                l.split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// The match arms of `code_of` / `cert_code` above, as source.
    fn mapping_source(from: &str, to: &str) -> &'static str {
        let src = include_str!("error.rs");
        let start = src.find(from).expect("mapping start");
        let len = src[start..].find(to).expect("mapping end");
        &src[start..start + len]
    }

    /// A certificate error kind the library gained (as the OCSP ones did)
    /// must get a `TLS13_ERR_CERT_*` code of its own rather than fall into
    /// `TLS13_ERR_CERT_UNKNOWN_KIND`: C programs switch on these codes.
    /// `CertificateError` is non_exhaustive, so the compiler cannot say
    /// it; the library's source can.
    #[test]
    fn every_certificate_error_kind_of_the_library_has_a_code() {
        let variants = library_variants("CertificateError");
        assert!(variants.len() >= 25, "{variants:?}");
        let arms = mapping_source("fn cert_code(", "_ => TLS13_ERR_CERT_UNKNOWN_KIND");
        for v in &variants {
            assert!(
                arms.contains(&format!("C::{v} ")) || arms.contains(&format!("C::{v}(")),
                "CertificateError::{v} has no TLS13_ERR_CERT_* code (it would be 299)"
            );
        }
    }

    /// The same for the library's `Error` kinds and `TLS13_ERR_OTHER`.
    #[test]
    fn every_error_kind_of_the_library_has_a_code() {
        let variants = library_variants("Error");
        assert!(variants.len() >= 17, "{variants:?}");
        let arms = mapping_source("fn code_of(", "_ => TLS13_ERR_OTHER");
        for v in &variants {
            assert!(
                arms.contains(&format!("Error::{v} "))
                    || arms.contains(&format!("Error::{v}("))
                    || arms.contains(&format!("Error::{v} =>")),
                "Error::{v} has no TLS13_ERR_* code (it would be 199)"
            );
        }
    }

    /// The OCSP refusals (a bad stapled response, a missing one for a
    /// must-staple certificate) have codes, descriptions and the alert.
    #[test]
    fn ocsp_refusals_have_codes_of_their_own() {
        use tls13::error::Finding;
        let bad = Error::InvalidCertificate(CertificateError::BadOcspResponse {
            finding: Finding::new("stale"),
        });
        let missing = Error::InvalidCertificate(CertificateError::MissingOcspResponse {
            must_staple: true,
            finding: Finding::new("must-staple"),
        });
        for (e, code) in [
            (bad, TLS13_ERR_CERT_BAD_OCSP_RESPONSE),
            (missing, TLS13_ERR_CERT_MISSING_OCSP_RESPONSE),
        ] {
            let f = Failure::from(e);
            assert_eq!(f.code, code);
            assert!(tls13_result_is_certificate_error(code));
            // bad_certificate_status_response (RFC 6066 §8).
            assert_eq!(f.alert, Some(113));
        }
    }

    #[test]
    fn every_code_has_a_description() {
        for code in (0..5)
            .chain(100..115)
            .chain([199])
            .chain(200..225)
            .chain([299])
        {
            // SAFETY: a static NUL-terminated string.
            let s = unsafe { std::ffi::CStr::from_ptr(tls13_result_str(code)) };
            assert_ne!(s.to_str().unwrap(), "unknown result code", "{code}");
        }
    }
}
