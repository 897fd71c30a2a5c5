//! Handshake messages (RFC 9846 §4) and their extensions (§4.3).
//!
//! Messages are owned values. `HandshakeMessage::read` parses one whole
//! message (type, u24 length, body); `encode` writes the same framing, so
//! `read` then `encode` gives back the input for every canonical message.
//! The messages that carry lists are read in place first
//! ([`super::borrowed`], what a connection uses) and copied from there.
//!
//! Extensions live in [`super::extensions`] and are re-exported here.

use alloc::vec::Vec;

use super::borrowed::HandshakeMessageRef;
use super::enums::*;
pub use super::extensions::{
    CertReqExtension, ClientExtension, KeyShareEntry, ListLimits, OfferedPsks, PskIdentity,
    ServerExtension, TicketExtension, UnknownExtension,
};
use super::extensions::{put_block, read_block, with_prefix};
use crate::codec::{Codec, LengthPrefix, Reader, put_list, put_vec};
use crate::error::InvalidMessage;

/// The special `random` that marks a ServerHello as a HelloRetryRequest
/// (RFC 9846 §4.2.3): SHA-256 of "HelloRetryRequest".
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates
/// TLS 1.2 (RFC 9846 §4.2.3).
pub const DOWNGRADE_TLS12: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];
/// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates
/// TLS 1.1 or below (RFC 9846 §4.2.3).
pub const DOWNGRADE_TLS11: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/// One handshake message with its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeMessage {
    /// §4.2.2
    ClientHello(ClientHello),
    /// §4.2.3; also carries a HelloRetryRequest (see [`ServerHello::is_retry_request`]).
    ServerHello(ServerHello),
    /// §4.7.1
    NewSessionTicket(NewSessionTicket),
    /// §4.6
    EndOfEarlyData,
    /// §4.4.1
    EncryptedExtensions(Vec<ServerExtension>),
    /// §4.5.1
    Certificate(CertificatePayload),
    /// §4.4.2
    CertificateRequest(CertificateRequest),
    /// §4.5.2
    CertificateVerify(DigitallySigned),
    /// §4.5.3: the verify_data.
    Finished(Vec<u8>),
    /// §4.7.3
    KeyUpdate(KeyUpdateRequest),
    /// §4.1: the synthetic message that replaces ClientHello1 in the
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
        use HandshakeType as T;
        match self {
            Self::ClientHello(_) => T::CLIENT_HELLO,
            Self::ServerHello(_) => T::SERVER_HELLO,
            Self::NewSessionTicket(_) => T::NEW_SESSION_TICKET,
            Self::EndOfEarlyData => T::END_OF_EARLY_DATA,
            Self::EncryptedExtensions(_) => T::ENCRYPTED_EXTENSIONS,
            Self::Certificate(_) => T::CERTIFICATE,
            Self::CertificateRequest(_) => T::CERTIFICATE_REQUEST,
            Self::CertificateVerify(_) => T::CERTIFICATE_VERIFY,
            Self::Finished(_) => T::FINISHED,
            Self::KeyUpdate(_) => T::KEY_UPDATE,
            Self::MessageHash(_) => T::MESSAGE_HASH,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::ClientHello(ch) => ch.encode_body(out),
            Self::ServerHello(sh) => sh.encode_body(out),
            Self::NewSessionTicket(t) => t.encode_body(out),
            Self::EndOfEarlyData => {}
            Self::EncryptedExtensions(exts) => put_block(out, exts, ServerExtension::encode),
            Self::Certificate(c) => c.encode_body(out),
            Self::CertificateRequest(c) => c.encode_body(out),
            Self::CertificateVerify(d) => {
                d.scheme.encode(out);
                put_vec(out, LengthPrefix::U16, &d.signature);
            }
            Self::Finished(data) | Self::MessageHash(data) => out.extend_from_slice(data),
            Self::KeyUpdate(req) => req.encode(out),
            Self::Unknown { body, .. } => out.extend_from_slice(body),
        }
    }

    /// The body of a message of a type that has no borrowed form (see
    /// [`HandshakeMessageRef`]).
    pub(crate) fn read_other_body(
        typ: HandshakeType,
        r: &mut Reader<'_>,
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        use HandshakeType as T;
        Ok(match typ {
            T::NEW_SESSION_TICKET => Self::NewSessionTicket(NewSessionTicket::read_body(r, lim)?),
            // §4.6: struct {} EndOfEarlyData; trailing bytes fail below.
            T::END_OF_EARLY_DATA => Self::EndOfEarlyData,
            T::CERTIFICATE_REQUEST => {
                Self::CertificateRequest(CertificateRequest::read_body(r, lim)?)
            }
            T::CERTIFICATE_VERIFY => {
                let (scheme, signature) = read_certificate_verify(r)?;
                Self::CertificateVerify(DigitallySigned {
                    scheme,
                    signature: signature.to_vec(),
                })
            }
            // §4.5.3: verify_data[Hash.length]; the hash is not known here,
            // so the length is checked where the value is verified.
            T::FINISHED => Self::Finished(r.rest().to_vec()),
            T::KEY_UPDATE => Self::KeyUpdate(KeyUpdateRequest::read(r)?),
            // Only ever built locally (§4.1); parsed symmetrically so the
            // state machine sees it for what it is and refuses it as unexpected.
            T::MESSAGE_HASH => Self::MessageHash(r.rest().to_vec()),
            _ => Self::Unknown {
                typ,
                body: r.rest().to_vec(),
            },
        })
    }
}

impl Codec<'_> for HandshakeMessage {
    /// `msg_type`, a 24-bit length and the body (§4).
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ().encode(out);
        with_prefix(out, LengthPrefix::U24, |out| self.encode_body(out));
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Self::read_limited(r, &ListLimits::NONE)
    }
}

impl HandshakeMessage {
    /// [`Codec::read`] with the message's lists bounded by `lim`: what a
    /// connection uses on its peer's messages.
    pub fn read_limited(r: &mut Reader<'_>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        // ClientHello, ServerHello, EncryptedExtensions and Certificate
        // are read in place first, then copied: one set of checks.
        HandshakeMessageRef::read_limited(r, lim).map(HandshakeMessageRef::into_owned)
    }
}

/// `ClientHello` (§4.2.2).
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
    /// In wire order. Parsing rejects duplicates (§4.3) and a
    /// `pre_shared_key` that is not last (§4.3.11), both `illegal_parameter`.
    pub extensions: Vec<ClientExtension>,
}

impl ClientHello {
    /// The first extension of the given type.
    pub fn find(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        self.extensions.iter().find(|e| e.typ() == typ)
    }

    /// The encoding of the whole handshake message (type and length
    /// included) up to but excluding the binders list of the
    /// `pre_shared_key` extension (§4.3.11.2). `None` without that extension.
    ///
    /// The length fields keep counting the binders: §4.3.11.2 hashes a
    /// prefix of the real message, not a re-encoded shorter one. Since
    /// pre_shared_key is last and binders end it, the prefix is the full
    /// encoding minus the binders list.
    pub fn encoding_for_binders(&self) -> Option<Vec<u8>> {
        let psk = self.extensions.iter().find_map(|e| match e {
            ClientExtension::PreSharedKey(psk) => Some(psk),
            _ => None,
        })?;
        // Only well-formed when pre_shared_key is last (as parsing ensures);
        // a hand-built value that breaks this has no binder transcript.
        if !matches!(
            self.extensions.last(),
            Some(ClientExtension::PreSharedKey(_))
        ) {
            return None;
        }
        let mut binders = Vec::new();
        psk.encode_binders(&mut binders);
        let mut full = HandshakeMessage::ClientHello(self.clone()).to_bytes();
        let keep = full.len().checked_sub(binders.len())?;
        full.truncate(keep);
        Some(full)
    }

    /// Appends the whole handshake message (type and length included):
    /// the bytes of `HandshakeMessage::ClientHello(self)`, without moving
    /// the hello into one.
    pub(crate) fn encode_message(&self, out: &mut Vec<u8>) {
        HandshakeType::CLIENT_HELLO.encode(out);
        with_prefix(out, LengthPrefix::U24, |out| self.encode_body(out));
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_vec(out, LengthPrefix::U8, &self.legacy_session_id);
        put_list(out, LengthPrefix::U16, &self.cipher_suites);
        put_vec(out, LengthPrefix::U8, &self.legacy_compression_methods);
        // An empty list stands for an absent extensions field (see read_body).
        if !self.extensions.is_empty() {
            put_block(out, &self.extensions, ClientExtension::encode);
        }
    }
}

/// `ServerHello` or `HelloRetryRequest` (§4.2.3, §4.2.4).
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
    pub fn find(&self, typ: ExtensionType) -> Option<&ServerExtension> {
        self.extensions.iter().find(|e| e.typ() == typ)
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_vec(out, LengthPrefix::U8, &self.legacy_session_id_echo);
        self.cipher_suite.encode(out);
        out.push(self.legacy_compression_method);
        if !self.extensions.is_empty() {
            put_block(out, &self.extensions, ServerExtension::encode);
        }
    }
}

/// A CertificateVerify body, borrowed (§4.5.2): SignatureScheme
/// algorithm; opaque signature<0..2^16-1>.
pub(crate) fn read_certificate_verify<'a>(
    r: &mut Reader<'a>,
) -> Result<(SignatureScheme, &'a [u8]), InvalidMessage> {
    Ok((
        SignatureScheme::read(r)?,
        r.vec_bytes(LengthPrefix::U16, "signature")?,
    ))
}

/// `Certificate` (§4.5.1), for X.509 and raw public keys alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificatePayload {
    /// Empty in the handshake; echoes the request's context after it.
    pub context: Vec<u8>,
    /// Leaf first.
    pub entries: Vec<CertificateEntry>,
}

/// One `CertificateEntry` (§4.5.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    /// DER certificate, or a DER SubjectPublicKeyInfo for raw public keys.
    pub data: Vec<u8>,
    /// Per-entry extensions (status_request, SCT, ...), kept raw.
    pub extensions: Vec<UnknownExtension>,
}

/// `CertificateRequest` (§4.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    /// Empty in the handshake; unique per post-handshake request.
    pub context: Vec<u8>,
    /// Must include signature_algorithms.
    pub extensions: Vec<CertReqExtension>,
}

/// `CertificateVerify` body (§4.5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// The scheme used.
    pub scheme: SignatureScheme,
    /// The signature.
    pub signature: Vec<u8>,
}

/// `NewSessionTicket` (§4.7.1).
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

/// Appends a Certificate message (§4.5.1, type and length included) with
/// `context` and one extension-less entry per item of `certs`: the bytes
/// of `HandshakeMessage::Certificate` of those entries, without copying
/// them into one.
pub(crate) fn encode_certificate<'c>(
    out: &mut Vec<u8>,
    context: &[u8],
    certs: impl Iterator<Item = &'c [u8]>,
) {
    encode_certificate_with_leaf_extensions(out, context, certs, &[]);
}

/// [`encode_certificate`] with `leaf_extensions` (encoded extensions,
/// without the block's length) in the first entry: the end entity's
/// status_request and signed_certificate_timestamp (RFC 9846 §4.5.1.1).
pub(crate) fn encode_certificate_with_leaf_extensions<'c>(
    out: &mut Vec<u8>,
    context: &[u8],
    certs: impl Iterator<Item = &'c [u8]>,
    leaf_extensions: &[u8],
) {
    HandshakeType::CERTIFICATE.encode(out);
    with_prefix(out, LengthPrefix::U24, |out| {
        put_vec(out, LengthPrefix::U8, context);
        with_prefix(out, LengthPrefix::U24, |out| {
            for (i, cert) in certs.enumerate() {
                put_vec(out, LengthPrefix::U24, cert);
                // extensions<0..2^16-1>: the leaf's, none on the others.
                put_vec(
                    out,
                    LengthPrefix::U16,
                    if i == 0 { leaf_extensions } else { &[] },
                );
            }
        });
    });
}

impl CertificatePayload {
    fn encode_body(&self, out: &mut Vec<u8>) {
        put_vec(out, LengthPrefix::U8, &self.context);
        with_prefix(out, LengthPrefix::U24, |out| {
            for entry in &self.entries {
                put_vec(out, LengthPrefix::U24, &entry.data);
                put_block(out, &entry.extensions, UnknownExtension::encode);
            }
        });
    }
}

impl CertificateRequest {
    fn encode_body(&self, out: &mut Vec<u8>) {
        put_vec(out, LengthPrefix::U8, &self.context);
        put_block(out, &self.extensions, CertReqExtension::encode);
    }

    fn read_body(r: &mut Reader<'_>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        // RFC 9846 §4.4.2: opaque certificate_request_context<0..2^8-1>;
        // Extension extensions<0..2^16-1> (8446's lower bound of 2 was an
        // error). An empty block parses; the missing signature_algorithms
        // is then missing_extension, not decode_error.
        let context = r
            .vec_bytes(LengthPrefix::U8, "certificate_request_context")?
            .to_vec();
        let extensions = read_block(
            r,
            "CertificateRequest extensions",
            false,
            lim.extensions,
            |t, b| CertReqExtension::read_body_limited(t, b, lim),
        )?;
        Ok(Self {
            context,
            extensions,
        })
    }
}

impl NewSessionTicket {
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        out.extend_from_slice(&self.age_add.to_be_bytes());
        put_vec(out, LengthPrefix::U8, &self.nonce);
        put_vec(out, LengthPrefix::U16, &self.ticket);
        put_block(out, &self.extensions, TicketExtension::encode);
    }

    fn read_body(r: &mut Reader<'_>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        // §4.7.1: uint32 ticket_lifetime; uint32 ticket_age_add;
        // opaque ticket_nonce<0..255>; opaque ticket<1..2^16-1>;
        // Extension extensions<0..2^16-2>
        Ok(Self {
            lifetime: r.u32("ticket_lifetime")?,
            age_add: r.u32("ticket_age_add")?,
            nonce: r.vec_bytes(LengthPrefix::U8, "ticket_nonce")?.to_vec(),
            ticket: r.nonempty_vec_bytes(LengthPrefix::U16, "ticket")?.to_vec(),
            extensions: read_block(
                r,
                "NewSessionTicket extensions",
                false,
                lim.extensions,
                TicketExtension::read_body,
            )?,
        })
    }
}
