//! The client-facing server's decision (RFC 9849 §7.1, §7.1.1): trial
//! decryption of a ClientHelloOuter with the server's ECH keys, and the
//! second ClientHelloOuter after a HelloRetryRequest.
//!
//! Pure functions over the received bytes: no handshake state here. The
//! handshake calls [`trial_decrypt`] on the first ClientHello and, when
//! ECH was accepted, [`EchServerContext::open_second_client_hello`] on the
//! second; the acceptance signal (§7.2) is the handshake's, where the
//! transcript lives.
//!
//! Cost (DESIGN property 7): each candidate key costs one HPKE setup (a
//! Diffie-Hellman) and one open, so the number of candidates a
//! ClientHello can make the server try is capped
//! ([`TrialPolicy::max_opens`]) and by default only keys whose config_id
//! matches are candidates (§7.1 method 1, which the RFC makes the
//! default); a GREASE ECH or a stranger's config_id costs nothing.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use super::EchError;
use super::config::{EchConfigList, HpkeSymmetricCipherSuite};
use super::extension::EchClientHello;
use super::inner::{client_hello_outer_aad, decode_client_hello_inner};
use super::keygen::EchKeyPair;
use super::seal::{advertised_suite, open_client_hello};
use crate::codec::Reader;
use crate::config::Limits;
use crate::crypto::CryptoProvider;
use crate::hpke::ReceiverContext;
use crate::msgs::borrowed::{ClientExtensionRef, HandshakeMessageRef};
use crate::msgs::enums::{AlertDescription, ExtensionType, ProtocolVersion};

/// How the server picks the keys to try (§7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidates {
    /// Method 1: the keys whose config_id is the ECHClientHello's.
    /// "Unless specified by the application profile or otherwise
    /// externally configured, implementations MUST use the first method."
    ConfigId,
    /// Method 2: every key, trial decryption deciding; for deployments
    /// whose clients randomize config_id (§10.4). Still capped by
    /// [`TrialPolicy::max_opens`].
    All,
}

/// What trial decryption may cost, and the bounds the inner ClientHello
/// is parsed under.
#[derive(Clone, Copy, Debug)]
pub struct TrialPolicy {
    /// Which keys are candidates. Default [`Candidates::ConfigId`].
    pub candidates: Candidates,
    /// At most this many HPKE opens per ClientHello; candidates past it
    /// are not tried and the outcome is [`EchOutcome::Rejected`]. Default
    /// 4: with config_ids drawn apart (§4.1, `avoid_config_ids`) one is
    /// enough, and a few cover ids shared during a key rotation.
    pub max_opens: usize,
    /// The bounds of the ordinary ClientHello parser, applied to
    /// ClientHelloInner as to any ClientHello (`Limits::default()`).
    pub limits: Limits,
}

impl Default for TrialPolicy {
    fn default() -> Self {
        Self {
            candidates: Candidates::ConfigId,
            max_opens: 4,
            limits: Limits::default(),
        }
    }
}

/// The outcome of §7.1 for a ClientHello that broke no rule.
#[derive(Debug)]
pub enum EchOutcome {
    /// No `encrypted_client_hello`: "the server completes the handshake
    /// normally" (§7). No retry_configs are owed.
    NotOffered,
    /// A key opened the payload; go on with ClientHelloInner. (Boxed:
    /// the HPKE context is large and the other outcomes are small.)
    Accepted(Box<EchAccepted>),
    /// No candidate opened the payload (a GREASE ECH, stale keys, a
    /// tampered hello): "the client-facing server MUST ignore the
    /// extension and proceed with the connection using ClientHelloOuter"
    /// and send `retry_configs` in EncryptedExtensions (§7.1).
    Rejected {
        /// The configs of the server's keys, in the order given, for
        /// `retry_configs`; `None` when the server has no key.
        retry_configs: Option<EchConfigList>,
        /// HPKE opens tried (0 when no key was a candidate).
        trials: usize,
    },
}

/// ECH accepted (§7.1).
#[derive(Debug)]
pub struct EchAccepted {
    /// ClientHelloInner as a whole handshake message (type, length,
    /// body), as it enters the transcript. It parsed under the policy's
    /// limits, carries an `encrypted_client_hello` of type inner and
    /// offers no TLS 1.2 or below.
    pub inner: Vec<u8>,
    /// What the second ClientHello after a HelloRetryRequest is opened
    /// with (§7.1.1).
    pub context: EchServerContext,
    /// HPKE opens tried, the successful one included.
    pub trials: usize,
}

/// The server's state for a connection whose ECH it accepted: the HPKE
/// context and what the second ClientHelloOuter must repeat (§7.1.1).
pub struct EchServerContext {
    key_index: usize,
    config_id: u8,
    cipher_suite: HpkeSymmetricCipherSuite,
    receiver: ReceiverContext,
}

impl fmt::Debug for EchServerContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EchServerContext")
            .field("key_index", &self.key_index)
            .field("config_id", &self.config_id)
            .field("cipher_suite", &self.cipher_suite)
            .field("receiver", &self.receiver)
            .finish()
    }
}

/// A ClientHello that breaks a rule of RFC 9849 §7, §7.1 or §7.1.1: the
/// server aborts with [`alert`](Self::alert).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientHelloViolation {
    /// §7: an `encrypted_client_hello` of type inner reached the
    /// client-facing server from the network (`illegal_parameter`).
    InnerTypeFromNetwork,
    /// §7: "If ECHClientHello.type is not a valid ECHClientHelloType,
    /// then the server MUST abort with an "illegal_parameter" alert."
    UnknownType(u8),
    /// §7.1: ClientHelloInner has no well-formed `encrypted_client_hello`
    /// of type inner (`illegal_parameter`).
    InnerWithoutInnerExtension,
    /// §7.1: ClientHelloInner offers TLS 1.2 or below (or, without
    /// supported_versions, only TLS 1.2) (`illegal_parameter`).
    InnerOffersOldVersion,
    /// §7.1.1: the second ClientHelloOuter has no
    /// `encrypted_client_hello` (`missing_extension`).
    RetryWithoutExtension,
    /// §7.1.1: the second ClientHelloOuter changed cipher_suite or
    /// config_id (`illegal_parameter`).
    RetryChangedConfig,
    /// §7.1.1: the second ClientHelloOuter's `enc` is not empty
    /// (`illegal_parameter`).
    RetryEncNotEmpty,
    /// §7.1.1: the second payload does not open with the first hello's
    /// context (`decrypt_error`).
    RetryDecryptFailed,
}

impl ClientHelloViolation {
    /// The alert RFC 9849 names.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::RetryWithoutExtension => AlertDescription::MISSING_EXTENSION,
            Self::RetryDecryptFailed => AlertDescription::DECRYPT_ERROR,
            Self::InnerTypeFromNetwork
            | Self::UnknownType(_)
            | Self::InnerWithoutInnerExtension
            | Self::InnerOffersOldVersion
            | Self::RetryChangedConfig
            | Self::RetryEncNotEmpty => AlertDescription::ILLEGAL_PARAMETER,
        }
    }
}

impl fmt::Display for ClientHelloViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InnerTypeFromNetwork => f.write_str(
                "encrypted_client_hello of type inner in a ClientHello from the network",
            ),
            Self::UnknownType(t) => write!(f, "unknown ECHClientHelloType {t}"),
            Self::InnerWithoutInnerExtension => f.write_str(
                "ClientHelloInner lacks a well-formed encrypted_client_hello of type inner",
            ),
            Self::InnerOffersOldVersion => f.write_str("ClientHelloInner offers TLS 1.2 or below"),
            Self::RetryWithoutExtension => {
                f.write_str("second ClientHelloOuter lacks encrypted_client_hello")
            }
            Self::RetryChangedConfig => {
                f.write_str("second ClientHelloOuter changed cipher_suite or config_id")
            }
            Self::RetryEncNotEmpty => f.write_str("second ClientHelloOuter has a non-empty enc"),
            Self::RetryDecryptFailed => {
                f.write_str("second ClientHelloOuter's payload does not decrypt")
            }
        }
    }
}

impl From<ClientHelloViolation> for EchError {
    fn from(v: ClientHelloViolation) -> Self {
        Self::ClientHello(v)
    }
}

/// The outer `encrypted_client_hello` of a received ClientHello body
/// (without its 4-byte header) and its ClientHelloOuterAAD (§5.2); `None`
/// without the extension. An extension of type inner, or of no known
/// type, is refused (§7).
fn outer_extension(outer_body: &[u8]) -> Result<Option<(super::EchOuter, Vec<u8>)>, EchError> {
    // The type decides the alert before the body is parsed (an unknown
    // type is illegal_parameter, §7, not decode_error); named here by what
    // the server saw.
    match client_hello_outer_aad(outer_body) {
        Err(EchError::UnexpectedClientHelloType(1)) => {
            Err(ClientHelloViolation::InnerTypeFromNetwork.into())
        }
        Err(EchError::UnexpectedClientHelloType(t)) => {
            Err(ClientHelloViolation::UnknownType(t).into())
        }
        other => other,
    }
}

/// §7 for a second ClientHello the server does not decrypt (§7.1.1: ECH
/// rejected, or not offered, on the first): an `encrypted_client_hello`
/// it carries must still be a well-formed outer one. Type inner or a type
/// that is none is `illegal_parameter` in any ClientHello a shared-mode
/// server reads from the network; a malformed outer body `decode_error`.
/// Linear, no copy: the payload is not touched.
pub(crate) fn check_undecrypted_outer(outer_body: &[u8]) -> Result<(), EchError> {
    super::inner::outer_extension(outer_body)
        .map(|_| ())
        .map_err(|e| match e {
            EchError::UnexpectedClientHelloType(1) => {
                ClientHelloViolation::InnerTypeFromNetwork.into()
            }
            EchError::UnexpectedClientHelloType(t) => ClientHelloViolation::UnknownType(t).into(),
            other => other,
        })
}

/// §7.1 for the first ClientHello: `outer_body` is the received
/// ClientHelloOuter handshake body (without its 4-byte header), `keys`
/// the server's ECH keys in its order of preference.
///
/// Candidates are chosen by `policy.candidates`; a candidate whose config
/// does not advertise the client's cipher_suite is skipped without an
/// open ("the server continues to the next candidate ECHConfig"), and at
/// most `policy.max_opens` are opened. An open that fails — whatever the
/// reason: wrong key, tampered outer hello, bad `enc` — moves on; when
/// none succeeds the outcome is [`EchOutcome::Rejected`], not an error.
///
/// Once a payload opens, the client holds the key and the rest are
/// errors (each with its alert): ClientHelloInner must decode (§5.1),
/// parse as a ClientHello under `policy.limits`, carry an
/// `encrypted_client_hello` of type inner and offer no TLS 1.2 or below
/// (§7.1, `illegal_parameter`). So are an outer extension that does not
/// parse, and one of type inner or of an unknown type (§7).
pub fn trial_decrypt(
    provider: &CryptoProvider,
    keys: &[EchKeyPair],
    outer_body: &[u8],
    policy: &TrialPolicy,
) -> Result<EchOutcome, EchError> {
    let Some((ech, aad)) = outer_extension(outer_body)? else {
        return Ok(EchOutcome::NotOffered);
    };
    let mut trials = 0usize;
    for (key_index, key) in keys.iter().enumerate() {
        let Some(contents) = key.config().contents() else {
            continue;
        };
        if policy.candidates == Candidates::ConfigId
            && contents.key_config.config_id != ech.config_id
        {
            continue;
        }
        if advertised_suite(key.config(), ech.cipher_suite).is_none() {
            continue;
        }
        if trials >= policy.max_opens {
            break;
        }
        trials = trials.saturating_add(1);
        // §7.1: "If decryption fails, the server continues to the next
        // candidate ECHConfig."
        let Ok((encoded, receiver)) = open_client_hello(provider, key, &ech, &aad) else {
            continue;
        };
        let inner = inner_hello(&encoded, outer_body, &policy.limits)?;
        return Ok(EchOutcome::Accepted(Box::new(EchAccepted {
            inner,
            context: EchServerContext {
                key_index,
                config_id: ech.config_id,
                cipher_suite: ech.cipher_suite,
                receiver,
            },
            trials,
        })));
    }
    let retry_configs = (!keys.is_empty()).then(|| EchConfigList {
        configs: keys.iter().map(|k| k.config().clone()).collect(),
    });
    Ok(EchOutcome::Rejected {
        retry_configs,
        trials,
    })
}

impl EchServerContext {
    /// Which of the keys given to [`trial_decrypt`] opened the payload.
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// The config_id of the first ClientHelloOuter.
    pub fn config_id(&self) -> u8 {
        self.config_id
    }

    /// The cipher_suite of the first ClientHelloOuter.
    pub fn cipher_suite(&self) -> HpkeSymmetricCipherSuite {
        self.cipher_suite
    }

    /// §7.1.1: the second ClientHelloInner from the second
    /// ClientHelloOuter's body, after a HelloRetryRequest. The server
    /// "does not repeat the steps in Section 7.1": no candidates, the
    /// first hello's context opens the payload as its second message.
    ///
    /// Refused: no `encrypted_client_hello` (`missing_extension`); a
    /// changed cipher_suite or config_id, or a non-empty `enc`
    /// (`illegal_parameter`); a payload that does not open
    /// (`decrypt_error`); then the checks of the first ClientHelloInner.
    /// A failed open leaves the context as it was; once a payload opened
    /// (whether or not its ClientHelloInner was then accepted) the
    /// context opens nothing more (a third ClientHello is the handshake's
    /// error, never a message 2).
    pub fn open_second_client_hello(
        &mut self,
        outer_body: &[u8],
        limits: &Limits,
    ) -> Result<Vec<u8>, EchError> {
        // TLS 1.3 allows one HelloRetryRequest: the second hello is the
        // context's message 1, and only it. A context that already opened
        // it (even if that ClientHelloInner was then refused) opens
        // nothing more: that is our caller's mistake, not the peer's.
        if self.receiver.sequence_number() != 1 {
            return Err(EchError::InvalidConfig(
                "the second ClientHelloOuter was already opened with this context",
            ));
        }
        let (ech, aad) =
            outer_extension(outer_body)?.ok_or(ClientHelloViolation::RetryWithoutExtension)?;
        if ech.cipher_suite != self.cipher_suite || ech.config_id != self.config_id {
            return Err(ClientHelloViolation::RetryChangedConfig.into());
        }
        if !ech.enc.is_empty() {
            return Err(ClientHelloViolation::RetryEncNotEmpty.into());
        }
        let encoded = self
            .receiver
            .open(&aad, &ech.payload)
            .map_err(|_| ClientHelloViolation::RetryDecryptFailed)?;
        inner_hello(&encoded, outer_body, limits)
    }
}

/// ClientHelloInner from an opened EncodedClientHelloInner (§5.1), parsed
/// as any ClientHello is, then §7.1's two checks.
fn inner_hello(encoded: &[u8], outer_body: &[u8], limits: &Limits) -> Result<Vec<u8>, EchError> {
    let message = decode_client_hello_inner(encoded, outer_body)?;
    let mut r = Reader::new(&message);
    let parsed = HandshakeMessageRef::read_limited(&mut r, &limits.list_limits())?;
    r.expect_empty("ClientHelloInner")?;
    let HandshakeMessageRef::ClientHello(hello) = parsed else {
        // decode_client_hello_inner writes the ClientHello type itself.
        return Err(EchError::InvalidConfig(
            "a decoded ClientHelloInner is not a ClientHello",
        ));
    };
    // §7.1: "checks that the message includes a well-formed
    // "encrypted_client_hello" extension of type inner".
    let inner_ext = match hello.extensions.find(ExtensionType::ENCRYPTED_CLIENT_HELLO) {
        Some(ClientExtensionRef::Unknown(_, body)) => EchClientHello::from_body(body).ok(),
        _ => None,
    };
    if inner_ext != Some(EchClientHello::Inner) {
        return Err(ClientHelloViolation::InnerWithoutInnerExtension.into());
    }
    // §7.1: "and that it does not offer TLS 1.2 or below". Without
    // supported_versions a ClientHello offers legacy_version alone,
    // TLS 1.2 at most. GREASE values (RFC 8701) lie above 0x0303.
    let old = |v: ProtocolVersion| v.0 <= ProtocolVersion::TLS1_2.0;
    match hello.extensions.find(ExtensionType::SUPPORTED_VERSIONS) {
        Some(ClientExtensionRef::SupportedVersions(versions)) if !versions.iter().any(old) => {}
        _ => return Err(ClientHelloViolation::InnerOffersOldVersion.into()),
    }
    Ok(message)
}
