//! Helpers shared by the example programs: names on the command line,
//! PEM loading, key logging and the pinning/accept-any verifiers.
#![allow(dead_code)] // each example uses a different subset

use std::sync::Arc;

use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::verify::{Decision, PinnedCertVerifier, ServerCertVerifier, ServerName};
use tls13::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use tls13::{KeyLog, KeyLogFile};

/// The group names accepted by `--groups`, as the issue names them.
const GROUP_NAMES: &[(&str, NamedGroup)] = &[
    ("x25519", NamedGroup::X25519),
    ("secp256r1", NamedGroup::SECP256R1),
    ("secp384r1", NamedGroup::SECP384R1),
    ("X25519MLKEM768", NamedGroup::X25519MLKEM768),
    ("secp521r1", NamedGroup::SECP521R1),
];

const SUITES: &[CipherSuite] = &[
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    // Off by default: used only when named here (CCM_8 has an 8-byte tag).
    CipherSuite::TLS_AES_128_CCM_SHA256,
    CipherSuite::TLS_AES_128_CCM_8_SHA256,
];

/// Parses `g1,g2,...` (names compared case-insensitively; `P-256`,
/// `P-384` and `P-521` are accepted as aliases).
pub fn parse_groups(list: &str) -> Result<Vec<NamedGroup>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            let alias = match name.to_ascii_lowercase().as_str() {
                "p-256" | "prime256v1" => Some(NamedGroup::SECP256R1),
                "p-384" => Some(NamedGroup::SECP384R1),
                "p-521" => Some(NamedGroup::SECP521R1),
                _ => None,
            };
            alias
                .or_else(|| {
                    GROUP_NAMES
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, g)| *g)
                })
                .ok_or_else(|| {
                    format!(
                        "unknown group {name:?} (known: {})",
                        GROUP_NAMES
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| {
            if v.is_empty() {
                Err("--groups needs at least one group".into())
            } else {
                Ok(v)
            }
        })
}

/// Parses `s1,s2,...` of IANA suite names.
pub fn parse_suites(list: &str) -> Result<Vec<CipherSuite>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            SUITES
                .iter()
                .copied()
                .find(|s| s.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .ok_or_else(|| {
                    format!(
                        "unknown cipher suite {name:?} (known: {})",
                        SUITES
                            .iter()
                            .filter_map(|s| s.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| {
            if v.is_empty() {
                Err("--suites needs at least one suite".into())
            } else {
                Ok(v)
            }
        })
}

/// The command-line name of a group.
pub fn group_name(g: Option<NamedGroup>) -> String {
    match g {
        None => "none".into(),
        Some(g) => GROUP_NAMES
            .iter()
            .find(|(_, x)| *x == g)
            .map(|(n, _)| (*n).to_string())
            .unwrap_or_else(|| format!("{g:?}")),
    }
}

/// The IANA name of a suite.
pub fn suite_name(s: Option<CipherSuite>) -> String {
    s.map_or_else(|| "none".into(), |s| format!("{s:?}"))
}

/// `TLSv1.3` and friends.
pub fn version_name(v: Option<ProtocolVersion>) -> String {
    match v {
        Some(ProtocolVersion::TLS1_3) => "TLSv1.3".into(),
        Some(v) => format!("{v:?}"),
        None => "none".into(),
    }
}

/// The IANA name of a signature scheme, lower-cased as in RFC 9846.
pub fn scheme_name(s: Option<SignatureScheme>) -> String {
    s.map_or_else(|| "none".into(), |s| format!("{s:?}").to_ascii_lowercase())
}

/// `--compress-cert` names (RFC 8879): zlib, brotli, zstd, comma-separated,
/// in preference order.
pub fn parse_compression(
    list: &str,
) -> Result<Vec<tls13::compress::CertificateCompressionAlgorithm>, String> {
    use tls13::compress::CertificateCompressionAlgorithm as A;
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| match name.to_ascii_lowercase().as_str() {
            "zlib" => Ok(A::ZLIB),
            "brotli" => Ok(A::BROTLI),
            "zstd" => Ok(A::ZSTD),
            _ => Err(format!(
                "unknown certificate compression {name:?} (known: zlib, brotli, zstd)"
            )),
        })
        .collect()
}

/// A certificate compression algorithm for printing, `none` when absent.
pub fn compression_name(a: Option<tls13::compress::CertificateCompressionAlgorithm>) -> String {
    a.map_or_else(|| "none".into(), |a| format!("{a:?}").to_ascii_lowercase())
}

/// An ALPN protocol for printing, `none` when absent.
pub fn alpn_name(p: Option<&[u8]>) -> String {
    p.map_or_else(
        || "none".into(),
        |p| String::from_utf8_lossy(p).into_owned(),
    )
}

/// Every certificate in a PEM file (a chain: leaf first).
pub fn load_certs(path: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let certs = pem::certificates(&text).map_err(|e| format!("{path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{path}: no CERTIFICATE block found"));
    }
    Ok(certs)
}

/// The private key in a PEM file (PKCS#8, SEC1 or PKCS#1).
pub fn load_key(path: &str) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    SigningKey::from_pem(&text).map_err(|e| format!("{path}: {e}"))
}

/// `--keylog FILE`, else the file named by `SSLKEYLOGFILE`, else nothing.
pub fn key_log(path: Option<&str>) -> Result<Option<Arc<dyn KeyLog>>, String> {
    match path {
        Some(p) => {
            let log =
                KeyLogFile::with_path(p).map_err(|e| format!("cannot open key log {p}: {e}"))?;
            eprintln!("warning: writing TLS secrets to {p} (debugging only)");
            Ok(Some(Arc::new(log)))
        }
        None => {
            let log = KeyLogFile::new();
            if log.is_active() {
                eprintln!("warning: writing TLS secrets to $SSLKEYLOGFILE (debugging only)");
                Ok(Some(Arc::new(log)))
            } else {
                Ok(None)
            }
        }
    }
}

/// Accepts the server's end-entity certificate if it is byte for byte one
/// of the given certificates: pinning, for the demo's single in-process
/// pair. It builds no chain and checks neither names nor dates (the
/// handshake still checks the CertificateVerify signature against the
/// certificate). The client's `--ca` uses the real chain validator.
pub struct AnyOfPinned(pub Vec<PinnedCertVerifier>);

impl AnyOfPinned {
    /// Pins every certificate in `certs`.
    pub fn new(certs: Vec<Vec<u8>>) -> Self {
        Self(certs.into_iter().map(PinnedCertVerifier::new).collect())
    }
}

impl ServerCertVerifier for AnyOfPinned {
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        server_name: &ServerName,
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        for pin in &self.0 {
            if let Decision::Ready(Ok(())) =
                pin.verify_server_cert(end_entity, intermediates, server_name, now)
            {
                return Decision::Ready(Ok(()));
            }
        }
        Decision::Ready(Err(CertificateError::Other {
            reason: "the server's certificate is not one of the pinned certificates".into(),
            alert: tls13::AlertDescription::BAD_CERTIFICATE,
        }))
    }
}

/// **Dangerous**: accepts any server certificate. Anyone on the path can
/// impersonate the server. Used only when the client is run without
/// `--ca` in a build without the `webpki-roots` feature, with a loud
/// warning. (The handshake still checks that the
/// server holds the key of the certificate it sent.)
pub struct DangerousAcceptAny;

impl ServerCertVerifier for DangerousAcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        _server_name: &ServerName,
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Ready(Ok(()))
    }
}

/// A tiny argument reader: `--flag`, `--opt value`, positionals.
pub struct Args {
    args: std::iter::Peekable<std::vec::IntoIter<String>>,
}

impl Args {
    /// The process arguments after the program name.
    pub fn from_env() -> Self {
        Self {
            args: std::env::args()
                .skip(1)
                .collect::<Vec<_>>()
                .into_iter()
                .peekable(),
        }
    }

    /// The next raw argument.
    pub fn next(&mut self) -> Option<String> {
        self.args.next()
    }

    /// The value of option `name` (the argument after it).
    pub fn value(&mut self, name: &str) -> Result<String, String> {
        self.args
            .next()
            .ok_or_else(|| format!("{name} needs a value"))
    }
}

/// Built with `--features log`: prints the library's log lines on standard
/// error at the level `RUST_LOG` names (`error`, `warn`, `info`, `debug`,
/// `trace`, or `tls13=LEVEL`; nothing when unset). Without the feature,
/// nothing.
pub fn init_log() {
    #[cfg(feature = "log")]
    {
        struct Stderr;
        impl log::Log for Stderr {
            fn enabled(&self, _: &log::Metadata) -> bool {
                true
            }
            fn log(&self, record: &log::Record) {
                eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
            }
            fn flush(&self) {}
        }
        let Ok(spec) = std::env::var("RUST_LOG") else {
            return;
        };
        let level = spec
            .split(',')
            .map(|item| item.strip_prefix("tls13=").unwrap_or(item))
            .find_map(|item| item.parse::<log::LevelFilter>().ok());
        if let Some(level) = level {
            static LOGGER: Stderr = Stderr;
            if log::set_logger(&LOGGER).is_ok() {
                log::set_max_level(level);
            }
        }
    }
}
