//! TLS code points as open newtypes: every value parses, unknown ones keep
//! their number so that they round-trip (and are listed by `Debug`).

use alloc::vec::Vec;

use crate::codec::{Codec, Reader};
use crate::error::InvalidMessage;

macro_rules! code_points {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ident) { $( $(#[$vmeta:meta])* $variant:ident = $value:expr ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`", stringify!($variant), "` (", stringify!($value), ").")]
                pub const $variant: Self = Self($value);
            )*

            /// The registry name of a known value.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some(stringify!($variant)), )*
                    _ => None,
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}(0x{:x})", stringify!($name), self.0),
                }
            }
        }

        impl Codec<'_> for $name {
            const ENCODED_LEN: Option<usize> = <$repr as Codec<'_>>::ENCODED_LEN;
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out)
            }
            fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
                Ok(Self(<$repr>::read(r)?))
            }
        }
    };
}

code_points! {
    /// `ContentType` (RFC 9846 §5.1).
    ContentType(u8) {
        INVALID = 0,
        CHANGE_CIPHER_SPEC = 20,
        ALERT = 21,
        HANDSHAKE = 22,
        APPLICATION_DATA = 23,
    }
}

code_points! {
    /// `HandshakeType` (RFC 9846 §4).
    HandshakeType(u8) {
        CLIENT_HELLO = 1,
        SERVER_HELLO = 2,
        NEW_SESSION_TICKET = 4,
        END_OF_EARLY_DATA = 5,
        ENCRYPTED_EXTENSIONS = 8,
        CERTIFICATE = 11,
        CERTIFICATE_REQUEST = 13,
        CERTIFICATE_VERIFY = 15,
        FINISHED = 20,
        KEY_UPDATE = 24,
        COMPRESSED_CERTIFICATE = 25,
        MESSAGE_HASH = 254,
    }
}

code_points! {
    /// `ProtocolVersion` (RFC 9846 §4.2.2, §4.3.1).
    ProtocolVersion(u16) {
        TLS1_0 = 0x0301,
        TLS1_1 = 0x0302,
        TLS1_2 = 0x0303,
        TLS1_3 = 0x0304,
    }
}

code_points! {
    /// `CipherSuite` (RFC 9846 §B.4).
    CipherSuite(u16) {
        TLS_AES_128_GCM_SHA256 = 0x1301,
        TLS_AES_256_GCM_SHA384 = 0x1302,
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
        TLS_AES_128_CCM_SHA256 = 0x1304,
        TLS_AES_128_CCM_8_SHA256 = 0x1305,
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff,
    }
}

code_points! {
    /// `NamedGroup` (RFC 9846 §4.3.7, draft-ietf-tls-ecdhe-mlkem).
    NamedGroup(u16) {
        SECP256R1 = 0x0017,
        SECP384R1 = 0x0018,
        SECP521R1 = 0x0019,
        X25519 = 0x001d,
        X448 = 0x001e,
        FFDHE2048 = 0x0100,
        FFDHE3072 = 0x0101,
        FFDHE4096 = 0x0102,
        FFDHE6144 = 0x0103,
        FFDHE8192 = 0x0104,
        X25519MLKEM768 = 0x11ec,
    }
}

code_points! {
    /// `SignatureScheme` (RFC 9846 §4.3.3).
    SignatureScheme(u16) {
        RSA_PKCS1_SHA256 = 0x0401,
        RSA_PKCS1_SHA384 = 0x0501,
        RSA_PKCS1_SHA512 = 0x0601,
        ECDSA_SECP256R1_SHA256 = 0x0403,
        ECDSA_SECP384R1_SHA384 = 0x0503,
        ECDSA_SECP521R1_SHA512 = 0x0603,
        RSA_PSS_RSAE_SHA256 = 0x0804,
        RSA_PSS_RSAE_SHA384 = 0x0805,
        RSA_PSS_RSAE_SHA512 = 0x0806,
        ED25519 = 0x0807,
        ED448 = 0x0808,
        RSA_PSS_PSS_SHA256 = 0x0809,
        RSA_PSS_PSS_SHA384 = 0x080a,
        RSA_PSS_PSS_SHA512 = 0x080b,
        RSA_PKCS1_SHA1 = 0x0201,
        ECDSA_SHA1 = 0x0203,
    }
}

code_points! {
    /// `ExtensionType` (RFC 9846 §4.3 and the RFCs named per value).
    ExtensionType(u16) {
        SERVER_NAME = 0,
        MAX_FRAGMENT_LENGTH = 1,
        STATUS_REQUEST = 5,
        SUPPORTED_GROUPS = 10,
        EC_POINT_FORMATS = 11,
        SIGNATURE_ALGORITHMS = 13,
        USE_SRTP = 14,
        HEARTBEAT = 15,
        APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16,
        SIGNED_CERTIFICATE_TIMESTAMP = 18,
        CLIENT_CERTIFICATE_TYPE = 19,
        SERVER_CERTIFICATE_TYPE = 20,
        PADDING = 21,
        EXTENDED_MASTER_SECRET = 23,
        RECORD_SIZE_LIMIT = 28,
        SESSION_TICKET = 35,
        PRE_SHARED_KEY = 41,
        EARLY_DATA = 42,
        SUPPORTED_VERSIONS = 43,
        COOKIE = 44,
        PSK_KEY_EXCHANGE_MODES = 45,
        CERTIFICATE_AUTHORITIES = 47,
        OID_FILTERS = 48,
        POST_HANDSHAKE_AUTH = 49,
        SIGNATURE_ALGORITHMS_CERT = 50,
        KEY_SHARE = 51,
        RENEGOTIATION_INFO = 0xff01,
        // Listed in RFC 9846 §4.3 (Table 1) or its IANA changes (§11.1);
        // not implemented, known so that their messages are checked.
        CACHED_INFO = 25,
        COMPRESS_CERTIFICATE = 27,
        DELEGATED_CREDENTIAL = 34,
        SUPPORTED_EKT_CIPHERS = 39,
        TRANSPARENCY_INFO = 52,
        EXTERNAL_ID_HASH = 55,
        EXTERNAL_SESSION_ID = 56,
        QUIC_TRANSPORT_PARAMETERS = 57,
        TICKET_REQUEST = 58,
        ECH_OUTER_EXTENSIONS = 0xfd00,
        ENCRYPTED_CLIENT_HELLO = 0xfe0d,
    }
}

code_points! {
    /// `CertificateCompressionAlgorithm` (RFC 8879 §3, §7.3).
    CertificateCompressionAlgorithm(u16) {
        ZLIB = 1,
        BROTLI = 2,
        ZSTD = 3,
    }
}

code_points! {
    /// `AlertLevel` (RFC 9846 §6).
    AlertLevel(u8) {
        WARNING = 1,
        FATAL = 2,
    }
}

code_points! {
    /// `AlertDescription` (RFC 9846 §6).
    AlertDescription(u8) {
        CLOSE_NOTIFY = 0,
        UNEXPECTED_MESSAGE = 10,
        BAD_RECORD_MAC = 20,
        RECORD_OVERFLOW = 22,
        HANDSHAKE_FAILURE = 40,
        BAD_CERTIFICATE = 42,
        UNSUPPORTED_CERTIFICATE = 43,
        CERTIFICATE_REVOKED = 44,
        CERTIFICATE_EXPIRED = 45,
        CERTIFICATE_UNKNOWN = 46,
        ILLEGAL_PARAMETER = 47,
        UNKNOWN_CA = 48,
        ACCESS_DENIED = 49,
        DECODE_ERROR = 50,
        DECRYPT_ERROR = 51,
        PROTOCOL_VERSION = 70,
        INSUFFICIENT_SECURITY = 71,
        INTERNAL_ERROR = 80,
        INAPPROPRIATE_FALLBACK = 86,
        USER_CANCELED = 90,
        MISSING_EXTENSION = 109,
        UNSUPPORTED_EXTENSION = 110,
        UNRECOGNIZED_NAME = 112,
        BAD_CERTIFICATE_STATUS_RESPONSE = 113,
        UNKNOWN_PSK_IDENTITY = 115,
        CERTIFICATE_REQUIRED = 116,
        /// RFC 9846 §6.2: a generic error, when no more specific alert
        /// applies or the sender wishes to conceal which one does.
        GENERAL_ERROR = 117,
        NO_APPLICATION_PROTOCOL = 120,
        /// RFC 9849 §11.2: sent by a client whose ECH offer the server
        /// did not accept.
        ECH_REQUIRED = 121,
    }
}

code_points! {
    /// `PskKeyExchangeMode` (RFC 9846 §4.3.9).
    PskKeyExchangeMode(u8) {
        PSK_KE = 0,
        PSK_DHE_KE = 1,
    }
}

code_points! {
    /// `KeyUpdateRequest` (RFC 9846 §4.7.3).
    KeyUpdateRequest(u8) {
        UPDATE_NOT_REQUESTED = 0,
        UPDATE_REQUESTED = 1,
    }
}

code_points! {
    /// `CertificateType` (RFC 7250 §3).
    CertificateType(u8) {
        X509 = 0,
        RAW_PUBLIC_KEY = 2,
    }
}

code_points! {
    /// `CertificateStatusType` (RFC 6066 §8).
    CertificateStatusType(u8) {
        OCSP = 1,
    }
}

code_points! {
    /// `NameType` of a server_name entry (RFC 6066 §3).
    ServerNameType(u8) {
        HOST_NAME = 0,
    }
}

// The HPKE algorithm identifiers (RFC 9180 §7, IANA "HPKE" registry):
// `crate::hpke` implements some of them; ECH (RFC 9849 §4) carries them in
// its configs, where unknown values must parse so that the config that
// holds them can be skipped.

code_points! {
    /// `HpkeKemId` (RFC 9180 §7.1, RFC 9849 §4).
    HpkeKemId(u16) {
        DHKEM_P256_HKDF_SHA256 = 0x0010,
        DHKEM_P384_HKDF_SHA384 = 0x0011,
        DHKEM_P521_HKDF_SHA512 = 0x0012,
        DHKEM_X25519_HKDF_SHA256 = 0x0020,
        DHKEM_X448_HKDF_SHA512 = 0x0021,
    }
}

code_points! {
    /// `HpkeKdfId` (RFC 9180 §7.2, RFC 9849 §4).
    HpkeKdfId(u16) {
        HKDF_SHA256 = 0x0001,
        HKDF_SHA384 = 0x0002,
        HKDF_SHA512 = 0x0003,
    }
}

code_points! {
    /// `HpkeAeadId` (RFC 9180 §7.3, RFC 9849 §4).
    HpkeAeadId(u16) {
        AES_128_GCM = 0x0001,
        AES_256_GCM = 0x0002,
        CHACHA20_POLY1305 = 0x0003,
        EXPORT_ONLY = 0xffff,
    }
}
