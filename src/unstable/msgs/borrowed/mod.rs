//! Handshake messages read in place: ClientHello, ServerHello (and
//! HelloRetryRequest), EncryptedExtensions and Certificate as views that
//! borrow the received bytes, so that a connection reads a peer's hello or
//! certificate chain without a heap allocation per list, name, share or
//! certificate.
//!
//! The owned types of [`super::handshake`] are built from these views, so
//! both make the same checks in the same order and fail with the same
//! [`InvalidMessage`]: a view exists only for bytes that parse. Iterating
//! a view reads its bytes again (linear, and it cannot fail: the bytes
//! were checked when the view was made, under bounds at least as tight).

use alloc::vec::Vec;

use super::enums::*;
use super::extensions::{ListLimits, ServerExtension, UnknownExtension, check_len, walk_block};
use super::handshake::{
    CertificateEntry, CertificatePayload, ClientHello, HRR_RANDOM, HandshakeMessage, ServerHello,
};
use crate::codec::{Codec, LengthPrefix, Reader};
use crate::error::InvalidMessage;

mod extensions;

pub use self::extensions::{
    ClientExtensionRef, CodeList, KeyShareRef, KeyShares, OfferedPsksRef, OpaqueList,
    PskIdentityRef, ServerExtensionRef, ServerNames,
};

/// The extension (type, body) pairs of a block whose framing was checked,
/// in wire order.
fn raw_extensions<'a>(
    block: &'a [u8],
) -> impl Iterator<Item = (ExtensionType, &'a [u8])> + Clone + 'a {
    let mut r = Reader::new(block);
    core::iter::from_fn(move || {
        let typ = ExtensionType::read(&mut r).ok()?;
        Some((typ, r.vec_bytes(LengthPrefix::U16, "").ok()?))
    })
}

/// A ClientHello's extension block, read in place: no type repeats and
/// pre_shared_key, if present, is last (§4.3, §4.3.11). Empty when the
/// hello has no extensions field.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientExtensions<'a> {
    block: &'a [u8],
}

impl<'a> ClientExtensions<'a> {
    /// The extensions, in wire order.
    pub fn iter(self) -> impl Iterator<Item = ClientExtensionRef<'a>> + 'a {
        // Read with `lim` when the hello was; NONE is looser, so nothing
        // that read then fails now.
        raw_extensions(self.block)
            .filter_map(|(t, b)| ClientExtensionRef::read_body(t, b, &ListLimits::NONE).ok())
    }

    /// The extension of type `typ`, if present.
    pub fn find(self, typ: ExtensionType) -> Option<ClientExtensionRef<'a>> {
        let (t, b) = raw_extensions(self.block).find(|(t, _)| *t == typ)?;
        ClientExtensionRef::read_body(t, b, &ListLimits::NONE).ok()
    }

    /// The types, in wire order.
    pub fn types(self) -> impl Iterator<Item = ExtensionType> + Clone + 'a {
        raw_extensions(self.block).map(|(t, _)| t)
    }

    /// The pre_shared_key offer (always the last extension, §4.3.11).
    pub fn pre_shared_key(self) -> Option<OfferedPsksRef<'a>> {
        match self.find(ExtensionType::PRE_SHARED_KEY)? {
            ClientExtensionRef::PreSharedKey(p) => Some(p),
            _ => None,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.block.is_empty()
    }
}

/// `ClientHello` (§4.2.2) read in place (see [`ClientHello`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientHelloRef<'a> {
    /// Must be TLS 1.2 (0x0303) in TLS 1.3.
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// 0..32 bytes.
    pub legacy_session_id: &'a [u8],
    /// Offered suites, in preference order.
    pub cipher_suites: CodeList<'a, CipherSuite>,
    /// Must be exactly `[0]` in TLS 1.3.
    pub legacy_compression_methods: &'a [u8],
    /// The extensions.
    pub extensions: ClientExtensions<'a>,
}

impl<'a> ClientHelloRef<'a> {
    /// Reads the body of a ClientHello (after the message header), its
    /// lists bounded by `lim`.
    pub fn read_body(r: &mut Reader<'a>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        let legacy_version = ProtocolVersion::read(r)?;
        let random = read_random(r)?;
        let legacy_session_id = read_session_id(r)?;
        // §4.2.2: CipherSuite cipher_suites<2..2^16-2>
        let cipher_suites = CodeList::read(r, LengthPrefix::U16, "cipher_suites", lim.entries)?;
        // §4.2.2: opaque legacy_compression_methods<1..2^8-1>
        let legacy_compression_methods =
            r.nonempty_vec_bytes(LengthPrefix::U8, "legacy_compression_methods")?;
        // §4.2.2: a ClientHello of an older version may end here; such a
        // hello has no supported_versions and is refused later with
        // protocol_version. When present, extensions<8..2^16-1> is non-empty,
        // so an empty list and an absent field cannot be confused.
        let block = if r.any_left() {
            let block = walk_block(r, "ClientHello extensions", true, lim.extensions, |t, b| {
                ClientExtensionRef::read_body(t, b, lim).map(drop)
            })?;
            if block.is_empty() {
                return Err(InvalidMessage::EmptyVector("ClientHello extensions"));
            }
            block
        } else {
            &[]
        };
        Ok(Self {
            legacy_version,
            random,
            legacy_session_id,
            cipher_suites,
            legacy_compression_methods,
            extensions: ClientExtensions { block },
        })
    }

    /// The owned hello.
    pub fn into_owned(self) -> ClientHello {
        let mut extensions = Vec::with_capacity(self.extensions.types().count());
        extensions.extend(self.extensions.iter().map(ClientExtensionRef::into_owned));
        ClientHello {
            legacy_version: self.legacy_version,
            random: self.random,
            legacy_session_id: self.legacy_session_id.to_vec(),
            cipher_suites: self.cipher_suites.to_vec(),
            legacy_compression_methods: self.legacy_compression_methods.to_vec(),
            extensions,
        }
    }
}

/// An extension block of ServerHello, HelloRetryRequest or
/// EncryptedExtensions, read in place: no type repeats (§4.3).
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerExtensions<'a> {
    block: &'a [u8],
    in_retry_request: bool,
}

impl<'a> ServerExtensions<'a> {
    fn read(
        r: &mut Reader<'a>,
        what: &'static str,
        in_retry_request: bool,
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        let block = walk_block(r, what, false, lim.extensions, |t, b| {
            ServerExtensionRef::read_body(t, b, in_retry_request, lim).map(drop)
        })?;
        Ok(Self {
            block,
            in_retry_request,
        })
    }

    /// The extensions, in wire order.
    pub fn iter(self) -> impl Iterator<Item = ServerExtensionRef<'a>> + 'a {
        let retry = self.in_retry_request;
        // As for ClientExtensions::iter: checked when read.
        raw_extensions(self.block).filter_map(move |(t, b)| {
            ServerExtensionRef::read_body(t, b, retry, &ListLimits::NONE).ok()
        })
    }

    /// The extension of type `typ`, if present.
    pub fn find(self, typ: ExtensionType) -> Option<ServerExtensionRef<'a>> {
        self.iter().find(|e| e.typ() == typ)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.block.is_empty()
    }

    /// The owned extensions.
    pub fn into_owned(self) -> Vec<ServerExtension> {
        let mut v = Vec::with_capacity(raw_extensions(self.block).count());
        v.extend(self.iter().map(ServerExtensionRef::into_owned));
        v
    }
}

/// `ServerHello` or `HelloRetryRequest` (§4.2.3, §4.2.4) read in place
/// (see [`ServerHello`]).
#[derive(Clone, Copy, Debug)]
pub struct ServerHelloRef<'a> {
    /// Must be TLS 1.2 (0x0303).
    pub legacy_version: ProtocolVersion,
    /// 32 bytes; [`HRR_RANDOM`] for a HelloRetryRequest.
    pub random: [u8; 32],
    /// Echo of the client's legacy_session_id.
    pub legacy_session_id_echo: &'a [u8],
    /// The selected suite.
    pub cipher_suite: CipherSuite,
    /// Must be 0.
    pub legacy_compression_method: u8,
    /// The extensions; `key_share` in a HelloRetryRequest's syntax when
    /// the random says it is one.
    pub extensions: ServerExtensions<'a>,
}

impl<'a> ServerHelloRef<'a> {
    /// Whether this is a HelloRetryRequest.
    pub fn is_retry_request(&self) -> bool {
        self.random == HRR_RANDOM
    }

    /// Reads the body of a ServerHello (after the message header).
    pub fn read_body(r: &mut Reader<'a>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        let legacy_version = ProtocolVersion::read(r)?;
        let random = read_random(r)?;
        // §4.2.3: the random alone tells a HelloRetryRequest apart, and with
        // it the syntax of key_share (§4.3.8).
        let retry = random == HRR_RANDOM;
        let legacy_session_id_echo = read_session_id(r)?;
        let cipher_suite = CipherSuite::read(r)?;
        let legacy_compression_method = r.u8("legacy_compression_method")?;
        // As in ClientHello: absent (an older version's hello) or non-empty.
        let extensions = if r.any_left() {
            let exts = ServerExtensions::read(r, "ServerHello extensions", retry, lim)?;
            if exts.is_empty() {
                return Err(InvalidMessage::EmptyVector("ServerHello extensions"));
            }
            exts
        } else {
            ServerExtensions {
                block: &[],
                in_retry_request: retry,
            }
        };
        Ok(Self {
            legacy_version,
            random,
            legacy_session_id_echo,
            cipher_suite,
            legacy_compression_method,
            extensions,
        })
    }

    /// The owned hello.
    pub fn into_owned(self) -> ServerHello {
        ServerHello {
            legacy_version: self.legacy_version,
            random: self.random,
            legacy_session_id_echo: self.legacy_session_id_echo.to_vec(),
            cipher_suite: self.cipher_suite,
            legacy_compression_method: self.legacy_compression_method,
            extensions: self.extensions.into_owned(),
        }
    }
}

/// One `CertificateEntry` (§4.5.1) read in place.
#[derive(Clone, Copy, Debug)]
pub struct CertificateEntryRef<'a> {
    /// DER certificate, or a DER SubjectPublicKeyInfo for raw public keys.
    pub data: &'a [u8],
    /// The entry's extension block (no type repeats).
    extensions: &'a [u8],
}

impl<'a> CertificateEntryRef<'a> {
    fn read(r: &mut Reader<'a>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        // cert_data / ASN1_subjectPublicKeyInfo<1..2^24-1>
        let data = r.nonempty_vec_bytes(LengthPrefix::U24, "cert_data")?;
        let extensions = walk_block(
            r,
            "CertificateEntry extensions",
            false,
            lim.extensions,
            |_, _| Ok(()),
        )?;
        Ok(Self { data, extensions })
    }

    /// The entry's extensions: (type, body), in wire order.
    pub fn extensions(self) -> impl Iterator<Item = (ExtensionType, &'a [u8])> + Clone + 'a {
        raw_extensions(self.extensions)
    }
}

/// `Certificate` (§4.5.1) read in place (see [`CertificatePayload`]).
#[derive(Clone, Copy, Debug)]
pub struct CertificateRef<'a> {
    /// Empty in the handshake; echoes the request's context after it.
    pub context: &'a [u8],
    list: &'a [u8],
    len: usize,
}

impl<'a> CertificateRef<'a> {
    /// Reads the body of a Certificate (after the message header), at
    /// most `lim.entries` entries.
    pub fn read_body(r: &mut Reader<'a>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        // §4.5.1: opaque certificate_request_context<0..2^8-1>;
        // CertificateEntry certificate_list<0..2^24-1>
        let context = r.vec_bytes(LengthPrefix::U8, "certificate_request_context")?;
        let list = r.vec_bytes(LengthPrefix::U24, "certificate_list")?;
        let mut entries = Reader::new(list);
        let mut len = 0usize;
        while entries.any_left() {
            check_len(len.saturating_add(1), lim.entries, "certificate_list")?;
            CertificateEntryRef::read(&mut entries, lim)?;
            len = len.saturating_add(1);
        }
        Ok(Self { context, list, len })
    }

    /// The entries, leaf first.
    pub fn entries(self) -> impl Iterator<Item = CertificateEntryRef<'a>> + Clone + 'a {
        let mut r = Reader::new(self.list);
        core::iter::from_fn(move || CertificateEntryRef::read(&mut r, &ListLimits::NONE).ok())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The certificates (entry data), copied: one allocation for the list
    /// and one per certificate.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        let mut v = Vec::with_capacity(self.len);
        v.extend(self.entries().map(|e| e.data.to_vec()));
        v
    }

    /// The owned message.
    pub fn into_owned(self) -> CertificatePayload {
        let mut entries = Vec::with_capacity(self.len);
        entries.extend(self.entries().map(|e| {
            let mut extensions = Vec::with_capacity(e.extensions().count());
            extensions.extend(e.extensions().map(|(typ, body)| UnknownExtension {
                typ,
                body: body.to_vec(),
            }));
            CertificateEntry {
                data: e.data.to_vec(),
                extensions,
            }
        }));
        CertificatePayload {
            context: self.context.to_vec(),
            entries,
        }
    }
}

/// One handshake message read for a connection: the messages that carry
/// lists read in place, the others owned (see [`HandshakeMessage`]).
#[derive(Debug)]
pub enum HandshakeMessageRef<'a> {
    /// §4.2.2
    ClientHello(ClientHelloRef<'a>),
    /// §4.2.3; also a HelloRetryRequest.
    ServerHello(ServerHelloRef<'a>),
    /// §4.4.1
    EncryptedExtensions(ServerExtensions<'a>),
    /// §4.5.1
    Certificate(CertificateRef<'a>),
    /// Any other message, owned.
    Other(HandshakeMessage),
}

impl<'a> HandshakeMessageRef<'a> {
    /// Reads one whole message (type, u24 length, body), its lists
    /// bounded by `lim`: the checks of [`HandshakeMessage::read_limited`].
    pub fn read_limited(r: &mut Reader<'a>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        let typ = HandshakeType::read(r)?;
        let mut body = r.sub(LengthPrefix::U24, "handshake message")?;
        let msg = Self::read_body(typ, &mut body, lim)?;
        body.expect_empty("handshake message")?;
        Ok(msg)
    }

    /// Reads the body of a message of type `typ`.
    pub(crate) fn read_body(
        typ: HandshakeType,
        r: &mut Reader<'a>,
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        use HandshakeType as T;
        Ok(match typ {
            T::CLIENT_HELLO => Self::ClientHello(ClientHelloRef::read_body(r, lim)?),
            T::SERVER_HELLO => Self::ServerHello(ServerHelloRef::read_body(r, lim)?),
            // §4.4.1: Extension extensions<0..2^16-1>
            T::ENCRYPTED_EXTENSIONS => Self::EncryptedExtensions(ServerExtensions::read(
                r,
                "EncryptedExtensions",
                false,
                lim,
            )?),
            T::CERTIFICATE => Self::Certificate(CertificateRef::read_body(r, lim)?),
            _ => Self::Other(HandshakeMessage::read_other_body(typ, r, lim)?),
        })
    }

    /// The owned message.
    pub fn into_owned(self) -> HandshakeMessage {
        match self {
            Self::ClientHello(ch) => HandshakeMessage::ClientHello(ch.into_owned()),
            Self::ServerHello(sh) => HandshakeMessage::ServerHello(sh.into_owned()),
            Self::EncryptedExtensions(e) => HandshakeMessage::EncryptedExtensions(e.into_owned()),
            Self::Certificate(c) => HandshakeMessage::Certificate(c.into_owned()),
            Self::Other(m) => m,
        }
    }
}

fn read_random(r: &mut Reader<'_>) -> Result<[u8; 32], InvalidMessage> {
    <[u8; 32]>::try_from(r.take_or(32, "random")?)
        .map_err(|_| InvalidMessage::MissingData("random"))
}

/// §4.2.2: opaque legacy_session_id<0..32>
fn read_session_id<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], InvalidMessage> {
    let id = r.vec_bytes(LengthPrefix::U8, "legacy_session_id")?;
    if id.len() > 32 {
        return Err(InvalidMessage::InvalidValue(
            "legacy_session_id longer than 32 bytes",
        ));
    }
    Ok(id)
}
