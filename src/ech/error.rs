//! What can go wrong in ECH's codecs and key generation: a peer's bytes
//! that break RFC 9849 (each with the alert the RFC names), and requests
//! of our own caller that cannot be met.

use core::fmt;

use crate::error::InvalidMessage;
use crate::hpke::HpkeError;
use crate::msgs::enums::{AlertDescription, ExtensionType};

/// An ECH failure. [`EchError::alert`] gives the alert to send for the
/// ones caused by a peer's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchError {
    /// Bytes that do not parse as the structure (`decode_error`, or what
    /// the [`InvalidMessage`] says).
    Decode(InvalidMessage),
    /// RFC 9849 §5.1: a padding byte of an EncodedClientHelloInner is not
    /// zero (`illegal_parameter`).
    NonZeroPadding,
    /// RFC 9849 §5.1: the EncodedClientHelloInner carries a
    /// legacy_session_id; the client sets it empty and the server takes
    /// ClientHelloOuter's (`illegal_parameter`).
    InnerSessionIdNotEmpty,
    /// RFC 9849 §5.1: an `ech_outer_extensions` reference to an extension
    /// ClientHelloOuter does not have (`illegal_parameter`).
    OuterExtensionMissing(ExtensionType),
    /// RFC 9849 §5.1: an extension referenced twice (`illegal_parameter`).
    OuterExtensionDuplicate(ExtensionType),
    /// RFC 9849 §5.1: references in another order than the extensions'
    /// in ClientHelloOuter (`illegal_parameter`).
    OuterExtensionOutOfOrder(ExtensionType),
    /// RFC 9849 §5.1: a reference to `encrypted_client_hello` (or to
    /// `ech_outer_extensions` itself, which ClientHelloOuter must not
    /// hold) (`illegal_parameter`).
    OuterExtensionForbidden(ExtensionType),
    /// RFC 9849 §5.1: `ech_outer_extensions` in a ClientHelloOuter, where
    /// it "MUST NOT appear" (`illegal_parameter`).
    OuterExtensionsInOuter,
    /// RFC 9849 §7: a ClientHello from the network whose
    /// `encrypted_client_hello` is not of type outer(0) — inner(1), which
    /// a client-facing or shared-mode server "MUST abort" on, or a value
    /// that is no `ECHClientHelloType` ("MUST abort") — with the type
    /// (`illegal_parameter`).
    UnexpectedClientHelloType(u8),

    /// Our caller asked to compress an extension the inner ClientHello
    /// does not have.
    CompressMissing(ExtensionType),
    /// Our caller asked to compress extensions that are not consecutive
    /// in the inner ClientHello (RFC 9849 §6.1 rule 3), or named one twice.
    CompressNotConsecutive,
    /// Our caller asked to compress `encrypted_client_hello` or
    /// `ech_outer_extensions` (RFC 9849 §5.1).
    CompressForbidden(ExtensionType),
    /// A public_name that is not a host name in preferred name syntax
    /// (RFC 9849 §6.1.7), or one that reads as an IPv4 address.
    InvalidPublicName,
    /// A config that cannot be built or used as asked, or an inner
    /// ClientHello that cannot be encoded as asked (more than the 127
    /// types `OuterExtensions<2..254>` holds, or an `ech_outer_extensions`
    /// of its own): named.
    InvalidConfig(&'static str),
    /// HPKE failed (key generation, or a suite the provider lacks).
    Hpke(HpkeError),
    /// A ClientHello that breaks a server-side rule of §7 (its alert).
    ClientHello(super::ClientHelloViolation),
}

impl EchError {
    /// The alert to send when the error comes from a peer's bytes
    /// (`internal_error` for our own caller's mistakes).
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::Decode(e) => e.alert(),
            Self::NonZeroPadding
            | Self::InnerSessionIdNotEmpty
            | Self::OuterExtensionMissing(_)
            | Self::OuterExtensionDuplicate(_)
            | Self::OuterExtensionOutOfOrder(_)
            | Self::OuterExtensionForbidden(_)
            | Self::OuterExtensionsInOuter
            | Self::UnexpectedClientHelloType(_) => AlertDescription::ILLEGAL_PARAMETER,
            Self::CompressMissing(_)
            | Self::CompressNotConsecutive
            | Self::CompressForbidden(_)
            | Self::InvalidPublicName
            | Self::InvalidConfig(_)
            | Self::Hpke(_) => AlertDescription::INTERNAL_ERROR,
            Self::ClientHello(v) => v.alert(),
        }
    }
}

impl From<InvalidMessage> for EchError {
    fn from(e: InvalidMessage) -> Self {
        Self::Decode(e)
    }
}

impl From<HpkeError> for EchError {
    fn from(e: HpkeError) -> Self {
        Self::Hpke(e)
    }
}

impl fmt::Display for EchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "ECH: {e}"),
            Self::NonZeroPadding => f.write_str("ECH: non-zero padding in EncodedClientHelloInner"),
            Self::InnerSessionIdNotEmpty => {
                f.write_str("ECH: EncodedClientHelloInner has a non-empty legacy_session_id")
            }
            Self::OuterExtensionMissing(t) => {
                write!(f, "ECH: ech_outer_extensions names {t:?}, absent from ClientHelloOuter")
            }
            Self::OuterExtensionDuplicate(t) => {
                write!(f, "ECH: ech_outer_extensions names {t:?} twice")
            }
            Self::OuterExtensionOutOfOrder(t) => write!(
                f,
                "ECH: ech_outer_extensions names {t:?} out of ClientHelloOuter's order"
            ),
            Self::OuterExtensionForbidden(t) => {
                write!(f, "ECH: ech_outer_extensions may not name {t:?}")
            }
            Self::OuterExtensionsInOuter => {
                f.write_str("ECH: ech_outer_extensions in ClientHelloOuter")
            }
            Self::UnexpectedClientHelloType(t) => write!(
                f,
                "ECH: encrypted_client_hello of type {t} in a ClientHello from the network (only outer(0) is taken)"
            ),
            Self::CompressMissing(t) => {
                write!(f, "ECH: cannot compress {t:?}: not in the inner ClientHello")
            }
            Self::CompressNotConsecutive => f.write_str(
                "ECH: compressed extensions must be consecutive in the inner ClientHello, once each",
            ),
            Self::CompressForbidden(t) => write!(f, "ECH: cannot compress {t:?}"),
            Self::InvalidPublicName => f.write_str(
                "ECH: public_name must be a DNS host name of LDH labels that does not read as an IPv4 address",
            ),
            Self::InvalidConfig(what) => write!(f, "ECH: invalid config: {what}"),
            Self::Hpke(e) => write!(f, "ECH: {e}"),
            Self::ClientHello(v) => write!(f, "ECH: {v}"),
        }
    }
}

impl core::error::Error for EchError {}
