//! Handshake messages (RFC 8446 §4) and their extensions (§4.2).
//!
//! Messages are owned values. `HandshakeMessage::read` parses one whole
//! message (type, u24 length, body); `encode` writes the same framing, so
//! `read` then `encode` gives back the input for every canonical message.

use alloc::vec::Vec;

use super::enums::*;
use crate::codec::{Codec, Reader};
use crate::error::InvalidMessage;

/// The special `random` that marks a ServerHello as a HelloRetryRequest
/// (RFC 8446 §4.1.3): SHA-256 of "HelloRetryRequest".
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates
/// TLS 1.2 (RFC 8446 §4.1.3).
pub const DOWNGRADE_TLS12: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];
/// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates
/// TLS 1.1 or below (RFC 8446 §4.1.3).
pub const DOWNGRADE_TLS11: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/// One handshake message with its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeMessage {
    /// §4.1.2
    ClientHello(ClientHello),
    /// §4.1.3; also carries a HelloRetryRequest (see [`ServerHello::is_retry_request`]).
    ServerHello(ServerHello),
    /// §4.6.1
    NewSessionTicket(NewSessionTicket),
    /// §4.5
    EndOfEarlyData,
    /// §4.3.1
    EncryptedExtensions(Vec<ServerExtension>),
    /// §4.4.2
    Certificate(CertificatePayload),
    /// §4.3.2
    CertificateRequest(CertificateRequest),
    /// §4.4.3
    CertificateVerify(DigitallySigned),
    /// §4.4.4: the verify_data.
    Finished(Vec<u8>),
    /// §4.6.3
    KeyUpdate(KeyUpdateRequest),
    /// §4.4.1: the synthetic message that replaces ClientHello1 in the
    /// transcript after a HelloRetryRequest. Never sent on the wire.
    MessageHash(Vec<u8>),
    /// Any other handshake type, kept so that the state machine can answer
    /// with `unexpected_message`.
    Unknown {
        /// The type byte.
        typ: HandshakeType,
        /// The body, unparsed.
        body: Vec<u8>,
    },
}

impl HandshakeMessage {
    /// The message's type.
    pub fn typ(&self) -> HandshakeType {
        todo!()
    }
}

impl Codec<'_> for HandshakeMessage {
    fn encode(&self, _out: &mut Vec<u8>) {
        todo!()
    }
    fn read(_r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        todo!()
    }
}

/// `ClientHello` (§4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// Must be TLS 1.2 (0x0303) in TLS 1.3.
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// 0..32 bytes; non-empty in middlebox-compatibility mode.
    pub legacy_session_id: Vec<u8>,
    /// Offered suites, in preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// Must be exactly `[0]` in TLS 1.3.
    pub legacy_compression_methods: Vec<u8>,
    /// In wire order. Parsing rejects duplicates (§4.2) and a
    /// `pre_shared_key` that is not last (§4.2.11), both `illegal_parameter`.
    pub extensions: Vec<ClientExtension>,
}

impl ClientHello {
    /// The first extension of the given type.
    pub fn find(&self, _typ: ExtensionType) -> Option<&ClientExtension> {
        todo!()
    }

    /// The encoding of the whole handshake message (type and length
    /// included) up to but excluding the binders list of the
    /// `pre_shared_key` extension (§4.2.11.2). `None` without that extension.
    pub fn encoding_for_binders(&self) -> Option<Vec<u8>> {
        todo!()
    }
}

/// `ServerHello` or `HelloRetryRequest` (§4.1.3, §4.1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// Must be TLS 1.2 (0x0303).
    pub legacy_version: ProtocolVersion,
    /// 32 bytes; [`HRR_RANDOM`] for a HelloRetryRequest.
    pub random: [u8; 32],
    /// Echo of the client's legacy_session_id.
    pub legacy_session_id_echo: Vec<u8>,
    /// The selected suite.
    pub cipher_suite: CipherSuite,
    /// Must be 0.
    pub legacy_compression_method: u8,
    /// In wire order. For a HelloRetryRequest, `key_share` parses as
    /// [`ServerExtension::KeyShareRetry`]; otherwise as [`ServerExtension::KeyShare`].
    pub extensions: Vec<ServerExtension>,
}

impl ServerHello {
    /// Whether this is a HelloRetryRequest.
    pub fn is_retry_request(&self) -> bool {
        self.random == HRR_RANDOM
    }

    /// The first extension of the given type.
    pub fn find(&self, _typ: ExtensionType) -> Option<&ServerExtension> {
        todo!()
    }
}

/// One `KeyShareEntry` (§4.2.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The group.
    pub group: NamedGroup,
    /// The encoded public value (non-empty).
    pub payload: Vec<u8>,
}

/// A `PskIdentity` (§4.2.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity {
    /// The identity (a ticket, or an external PSK's name).
    pub identity: Vec<u8>,
    /// Ticket age plus ticket_age_add, mod 2^32; 0 for external PSKs.
    pub obfuscated_ticket_age: u32,
}

/// `OfferedPsks` (§4.2.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedPsks {
    /// At least one identity.
    pub identities: Vec<PskIdentity>,
    /// One binder per identity, each 32..255 bytes.
    pub binders: Vec<Vec<u8>>,
}

/// Extensions a client may send in ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension {
    /// RFC 6066 §3: (name_type, name) pairs; HostName is type 0.
    ServerName(Vec<(ServerNameType, Vec<u8>)>),
    /// §4.2.7
    SupportedGroups(Vec<NamedGroup>),
    /// §4.2.3
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// §4.2.3
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// RFC 7301: protocol names, each non-empty.
    Alpn(Vec<Vec<u8>>),
    /// RFC 6066 §8: the `CertificateStatusRequest` body kept whole
    /// (status_type, responder_id_list, request_extensions).
    StatusRequest(Vec<u8>),
    /// RFC 8449: the largest record plaintext the client will accept.
    RecordSizeLimit(u16),
    /// §4.2.1
    SupportedVersions(Vec<ProtocolVersion>),
    /// §4.2.8: client_shares.
    KeyShare(Vec<KeyShareEntry>),
    /// §4.2.2
    Cookie(Vec<u8>),
    /// §4.2.10: empty in ClientHello.
    EarlyData,
    /// §4.2.9
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// §4.2.11: must be the last extension.
    PreSharedKey(OfferedPsks),
    /// §4.2.4: DER distinguished names.
    CertificateAuthorities(Vec<Vec<u8>>),
    /// §4.2.6: empty.
    PostHandshakeAuth,
    /// RFC 7685: this many zero bytes.
    Padding(usize),
    /// RFC 7250: acceptable client certificate types.
    ClientCertificateType(Vec<CertificateType>),
    /// RFC 7250: acceptable server certificate types.
    ServerCertificateType(Vec<CertificateType>),
    /// Anything else, kept for the transcript and ignored (§4.2 lets
    /// servers ignore unknown extensions).
    Unknown(UnknownExtension),
}

impl ClientExtension {
    /// The extension's code point.
    pub fn typ(&self) -> ExtensionType {
        todo!()
    }
}

/// Extensions in ServerHello, HelloRetryRequest and EncryptedExtensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerExtension {
    /// RFC 6066 §3: empty acknowledgement of server_name (EE).
    ServerNameAck,
    /// §4.2.7: the server's groups, informational (EE).
    SupportedGroups(Vec<NamedGroup>),
    /// RFC 7301: exactly one selected protocol (EE).
    Alpn(Vec<Vec<u8>>),
    /// RFC 8449 (EE).
    RecordSizeLimit(u16),
    /// §4.2.10: empty, early data accepted (EE).
    EarlyData,
    /// §4.2.1: selected_version (SH, HRR).
    SupportedVersions(ProtocolVersion),
    /// §4.2.8: server_share (SH).
    KeyShare(KeyShareEntry),
    /// §4.2.8: selected_group (HRR).
    KeyShareRetry(NamedGroup),
    /// §4.2.2 (HRR).
    Cookie(Vec<u8>),
    /// §4.2.11: selected_identity (SH).
    PreSharedKey(u16),
    /// RFC 7250 (EE).
    ClientCertificateType(CertificateType),
    /// RFC 7250 (EE).
    ServerCertificateType(CertificateType),
    /// Anything else; a client rejects ones it did not offer.
    Unknown(UnknownExtension),
}

impl ServerExtension {
    /// The extension's code point.
    pub fn typ(&self) -> ExtensionType {
        todo!()
    }
}

/// An extension kept as raw bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownExtension {
    /// Its code point.
    pub typ: ExtensionType,
    /// Its extension_data.
    pub body: Vec<u8>,
}

/// `Certificate` (§4.4.2), for X.509 and raw public keys alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificatePayload {
    /// Empty in the handshake; echoes the request's context after it.
    pub context: Vec<u8>,
    /// Leaf first.
    pub entries: Vec<CertificateEntry>,
}

/// One `CertificateEntry` (§4.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    /// DER certificate, or a DER SubjectPublicKeyInfo for raw public keys.
    pub data: Vec<u8>,
    /// Per-entry extensions (status_request, SCT, ...), kept raw.
    pub extensions: Vec<UnknownExtension>,
}

/// `CertificateRequest` (§4.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    /// Empty in the handshake; unique per post-handshake request.
    pub context: Vec<u8>,
    /// Must include signature_algorithms.
    pub extensions: Vec<CertReqExtension>,
}

/// Extensions of a CertificateRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertReqExtension {
    /// §4.2.3
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// §4.2.3
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// §4.2.4
    CertificateAuthorities(Vec<Vec<u8>>),
    /// Others, ignored.
    Unknown(UnknownExtension),
}

/// `CertificateVerify` body (§4.4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// The scheme used.
    pub scheme: SignatureScheme,
    /// The signature.
    pub signature: Vec<u8>,
}

/// `NewSessionTicket` (§4.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// Seconds, at most 604800.
    pub lifetime: u32,
    /// Obfuscates the ticket age.
    pub age_add: u32,
    /// Per-ticket nonce (0..255 bytes).
    pub nonce: Vec<u8>,
    /// The ticket (1..2^16-1 bytes).
    pub ticket: Vec<u8>,
    /// Ticket extensions.
    pub extensions: Vec<TicketExtension>,
}

/// Extensions of a NewSessionTicket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TicketExtension {
    /// §4.2.10: max_early_data_size.
    EarlyData(u32),
    /// Others, ignored.
    Unknown(UnknownExtension),
}
