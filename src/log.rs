//! Diagnostics through the [`log`](https://docs.rs/log) crate, behind the
//! `log` feature.
//!
//! What is reported, all under the target `tls13`:
//!
//! - `debug`: each handshake message sent or received, by type only
//!   (`client: sent ClientHello`), KeyUpdates, and the start of a
//!   handshake with what is offered;
//! - `info`: the negotiated parameters once the handshake completes
//!   (version, suite, group, ALPN, HelloRetryRequest, signature schemes);
//! - `warn`: alerts sent and received, transports that end without
//!   close_notify, and the error that ends a connection.
//!
//! Never logged: secrets, keys, key shares, signatures, Finished values,
//! tickets, or application data. Lines carry message names, code-point
//! names and lengths only; a test (`tests/log.rs`) checks that no secret
//! a [`KeyLog`](crate::key_schedule::KeyLog) sees shows up in any line.
//!
//! Without the feature the macros expand to nothing that runs: the
//! arguments are type-checked inside an `if false` and optimised away, so
//! call sites need no `cfg` of their own.

/// Logs at `debug` level under the `tls13` target.
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::log::__emit!(Debug, $($arg)+)
    };
}

/// Logs at `info` level under the `tls13` target.
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log::__emit!(Info, $($arg)+)
    };
}

/// Logs at `warn` level under the `tls13` target.
macro_rules! warning {
    ($($arg:tt)+) => {
        $crate::log::__emit!(Warn, $($arg)+)
    };
}

#[cfg(feature = "log")]
macro_rules! __emit {
    ($level:ident, $($arg:tt)+) => {
        ::log::log!(target: "tls13", ::log::Level::$level, $($arg)+)
    };
}

#[cfg(not(feature = "log"))]
macro_rules! __emit {
    ($level:ident, $($arg:tt)+) => {
        // Keeps the arguments "used" (no warnings at call sites) and
        // type-checked in both builds; never runs.
        if false {
            let _ = ::core::format_args!($($arg)+);
        }
    };
}

pub(crate) use {__emit, debug, info, warning};

use crate::conn::events::Negotiated;
use crate::msgs::enums::{AlertDescription, AlertLevel, HandshakeType};
use crate::msgs::handshake::HRR_RANDOM;

/// An alert sent or received: the closure alerts close_notify and
/// user_canceled (RFC 9846 §6.1) at `debug`, anything else at `warn`.
pub(crate) fn alert(side: &str, direction: &str, level: AlertLevel, desc: AlertDescription) {
    if desc == AlertDescription::CLOSE_NOTIFY || desc == AlertDescription::USER_CANCELED {
        debug!("{side}: {direction} alert {desc:?} ({level:?})");
    } else {
        warning!("{side}: {direction} alert {desc:?} ({level:?})");
    }
}

/// The names of the handshake messages in `raw` (one or more whole
/// encoded messages, as queued for sending), for a log line. Only the
/// 4-byte headers are read; a malformed tail is reported, not trusted.
pub(crate) struct MessageNames<'a>(pub(crate) &'a [u8]);

impl core::fmt::Display for MessageNames<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut rest = self.0;
        let mut first = true;
        while let [typ, a, b, c, body @ ..] = rest {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            let len = (usize::from(*a) << 16) | (usize::from(*b) << 8) | usize::from(*c);
            // A ServerHello whose random is the special value is a
            // HelloRetryRequest (§4.2.3): legacy_version, then random.
            let hrr = *typ == HandshakeType::SERVER_HELLO.0
                && body.get(2..34).is_some_and(|r| r == HRR_RANDOM);
            if hrr {
                f.write_str("HelloRetryRequest")?;
            } else {
                write!(f, "{}", HandshakeName(*typ))?;
            }
            rest = body.get(len..).unwrap_or(&[]);
        }
        if first {
            f.write_str("nothing")?;
        }
        Ok(())
    }
}

/// A handshake type by its RFC 9846 name.
pub(crate) struct HandshakeName(pub(crate) u8);

impl core::fmt::Display for HandshakeName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match HandshakeType(self.0) {
            HandshakeType::CLIENT_HELLO => "ClientHello",
            HandshakeType::SERVER_HELLO => "ServerHello",
            HandshakeType::NEW_SESSION_TICKET => "NewSessionTicket",
            HandshakeType::END_OF_EARLY_DATA => "EndOfEarlyData",
            HandshakeType::ENCRYPTED_EXTENSIONS => "EncryptedExtensions",
            HandshakeType::CERTIFICATE => "Certificate",
            HandshakeType::CERTIFICATE_REQUEST => "CertificateRequest",
            HandshakeType::CERTIFICATE_VERIFY => "CertificateVerify",
            HandshakeType::FINISHED => "Finished",
            HandshakeType::KEY_UPDATE => "KeyUpdate",
            HandshakeType::COMPRESSED_CERTIFICATE => "CompressedCertificate",
            HandshakeType::MESSAGE_HASH => "message_hash",
            other => return write!(f, "{other:?}"),
        };
        f.write_str(name)
    }
}

/// The negotiated parameters as one line: code-point names and flags only.
pub(crate) struct Summary<'a>(pub(crate) &'a Negotiated);

impl core::fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0;
        write!(f, "version ")?;
        opt(f, n.version)?;
        write!(f, ", suite ")?;
        opt(f, n.suite)?;
        write!(f, ", group ")?;
        opt(f, n.group)?;
        write!(f, ", alpn ")?;
        match &n.alpn {
            Some(p) => write!(f, "{}", Printable(p))?,
            None => f.write_str("none")?,
        }
        write!(f, ", server_name ")?;
        match &n.server_name {
            Some(s) => write!(f, "{}", Printable(s.as_bytes()))?,
            None => f.write_str("none")?,
        }
        write!(f, ", hello_retry {}", n.hello_retry)?;
        write!(f, ", signature_scheme ")?;
        opt(f, n.signature_scheme)?;
        if let Some(s) = n.client_signature_scheme {
            write!(f, ", client authenticated with {s:?}")?;
        }
        if let Some(limit) = n.peer_record_size_limit {
            write!(f, ", peer record_size_limit {limit}")?;
        }
        // Session resumption (a later issue) adds `resumed` here.
        Ok(())
    }
}

fn opt<T: core::fmt::Debug>(f: &mut core::fmt::Formatter<'_>, v: Option<T>) -> core::fmt::Result {
    match v {
        Some(v) => write!(f, "{v:?}"),
        None => f.write_str("none"),
    }
}

/// A peer-chosen byte string (ALPN, SNI) shown as text with anything
/// outside printable ASCII escaped, so it cannot forge log lines.
pub(crate) struct Printable<'a>(pub(crate) &'a [u8]);

impl core::fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &b in self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", char::from(b))?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// Shows a value whose text may come from the peer (an error naming a
/// certificate's subject, say) with control and bidirectional-formatting
/// characters escaped, so that it stays one honest log line.
pub(crate) struct Escaped<T>(pub(crate) T);

impl<T: core::fmt::Display> core::fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        struct Escaper<'a, 'b>(&'a mut core::fmt::Formatter<'b>);
        impl core::fmt::Write for Escaper<'_, '_> {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                for c in s.chars() {
                    let bidi = matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}')
                        || matches!(c, '\u{2066}'..='\u{2069}' | '\u{feff}');
                    if c.is_control() || bidi {
                        write!(self.0, "{}", c.escape_unicode())?;
                    } else {
                        core::fmt::Write::write_char(self.0, c)?;
                    }
                }
                Ok(())
            }
        }
        core::fmt::Write::write_fmt(&mut Escaper(f), format_args!("{}", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn names_of_coalesced_messages() {
        // ServerHello (2 body bytes) + EncryptedExtensions (0) + a truncated Finished.
        let raw = [2, 0, 0, 2, 9, 9, 8, 0, 0, 0, 20, 0, 0, 32, 1];
        assert_eq!(
            format!("{}", MessageNames(&raw)),
            "ServerHello, EncryptedExtensions, Finished"
        );
        assert_eq!(format!("{}", MessageNames(&[])), "nothing");
        let mut hrr = alloc::vec![2, 0, 0, 34, 3, 3];
        hrr.extend_from_slice(&HRR_RANDOM);
        assert_eq!(format!("{}", MessageNames(&hrr)), "HelloRetryRequest");
        assert_eq!(format!("{}", HandshakeName(99)), "HandshakeType(0x63)");
    }

    proptest::proptest! {
        // Names are read from bytes the peer chose: any input formats
        // without panicking, one name per 4-byte header that fits.
        #[test]
        fn message_names_of_any_bytes(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let text = format!("{}", MessageNames(&raw));
            proptest::prop_assert!(!text.is_empty());
            proptest::prop_assert!(!text.contains('\n'));
        }
    }

    #[test]
    fn escaped_keeps_one_line() {
        assert_eq!(
            format!("{}", Escaped("CN=a\nb\u{202e}c d")),
            "CN=a\\u{a}b\\u{202e}c d"
        );
        assert_eq!(format!("{}", Escaped("plain é")), "plain é");
    }

    #[test]
    fn printable_escapes_control_bytes() {
        assert_eq!(format!("{}", Printable(b"h2")), "h2");
        assert_eq!(format!("{}", Printable(b"a\nb\x00")), "a\\x0ab\\x00");
    }
}
