//! Extensions (RFC 9846 §4.3) of every handshake message, and the codec of
//! an extension block.
//!
//! The same code point can mean different syntax in different messages
//! (`key_share` in ClientHello, ServerHello and HelloRetryRequest;
//! `early_data` empty in ClientHello/EncryptedExtensions but a `u32` in
//! NewSessionTicket), so each message family has its own enum and parses
//! bodies in its own context. Unknown extensions are kept raw so that the
//! transcript round-trips exactly.

use alloc::vec::Vec;

use super::borrowed::{
    ClientExtensionRef, CodeList, OfferedPsksRef, OpaqueList, ServerExtensionRef,
};
use super::enums::*;
use crate::codec::{Codec, LengthPrefix, LengthPrefixed, Reader, SeenSet, put_list, put_vec};
use crate::error::InvalidMessage;

/// Bounds on the lists of a peer's message, applied while it is parsed,
/// so that a list the syntax allows but no real peer sends is refused
/// before it costs an allocation per entry (the connection fills these
/// from [`Limits`](crate::config::Limits)). [`ListLimits::NONE`] parses
/// the syntax alone, as [`Codec::read`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListLimits {
    /// Extensions in one extension block.
    pub extensions: usize,
    /// `KeyShareEntry`s in a ClientHello's key_share.
    pub key_shares: usize,
    /// PSK identities (and binders) in a pre_shared_key offer.
    pub psk_identities: usize,
    /// Entries of any other list: cipher suites, groups, signature
    /// schemes, ALPN names, certificate authorities, server names,
    /// certificate entries, versions, modes, certificate types.
    pub entries: usize,
}

impl ListLimits {
    /// No bound but the syntax's.
    pub const NONE: Self = Self {
        extensions: usize::MAX,
        key_shares: usize::MAX,
        psk_identities: usize::MAX,
        entries: usize::MAX,
    };
}

/// `Err(ListTooLong)` when a list of `len` entries exceeds `limit`.
pub(crate) fn check_len(
    len: usize,
    limit: usize,
    what: &'static str,
) -> Result<(), InvalidMessage> {
    if len > limit {
        return Err(InvalidMessage::ListTooLong { what, limit });
    }
    Ok(())
}

/// A non-empty list of code points, refused when it has more than
/// `limit` entries (checked in place, before the copy).
fn capped_list<'a, T: Codec<'a> + Copy + PartialEq>(
    r: &mut Reader<'a>,
    prefix: LengthPrefix,
    what: &'static str,
    limit: usize,
) -> Result<Vec<T>, InvalidMessage> {
    Ok(CodeList::read(r, prefix, what, limit)?.to_vec())
}

/// One `KeyShareEntry` (§4.3.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The group.
    pub group: NamedGroup,
    /// The encoded public value (non-empty).
    pub payload: Vec<u8>,
}

impl Codec<'_> for KeyShareEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.group.encode(out);
        put_vec(out, LengthPrefix::U16, &self.payload);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            group: NamedGroup::read(r)?,
            // §4.3.8: opaque key_exchange<1..2^16-1>
            payload: r
                .nonempty_vec_bytes(LengthPrefix::U16, "key_exchange")?
                .to_vec(),
        })
    }
}

/// A `PskIdentity` (§4.3.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity {
    /// The identity (a ticket, or an external PSK's name).
    pub identity: Vec<u8>,
    /// Ticket age plus ticket_age_add, mod 2^32; 0 for external PSKs.
    pub obfuscated_ticket_age: u32,
}

impl Codec<'_> for PskIdentity {
    fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, LengthPrefix::U16, &self.identity);
        out.extend_from_slice(&self.obfuscated_ticket_age.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            // §4.3.11: opaque identity<1..2^16-1>
            identity: r
                .nonempty_vec_bytes(LengthPrefix::U16, "psk identity")?
                .to_vec(),
            obfuscated_ticket_age: r.u32("obfuscated_ticket_age")?,
        })
    }
}

/// `OfferedPsks` (§4.3.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedPsks {
    /// At least one identity.
    pub identities: Vec<PskIdentity>,
    /// One binder per identity, each 32..255 bytes.
    pub binders: Vec<Vec<u8>>,
}

impl OfferedPsks {
    /// Appends the `binders` list (with its u16 length prefix): the tail of
    /// a ClientHello that §4.3.11.2 leaves out of the binder transcript.
    pub fn encode_binders(&self, out: &mut Vec<u8>) {
        with_prefix(out, LengthPrefix::U16, |out| {
            for b in &self.binders {
                put_vec(out, LengthPrefix::U8, b);
            }
        });
    }
}

impl Codec<'_> for OfferedPsks {
    fn encode(&self, out: &mut Vec<u8>) {
        put_list(out, LengthPrefix::U16, &self.identities);
        self.encode_binders(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Self::read_limited(r, &ListLimits::NONE)
    }
}

impl OfferedPsks {
    fn read_limited(r: &mut Reader<'_>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        Ok(OfferedPsksRef::read(r, lim)?.into_owned())
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

impl UnknownExtension {
    fn new(typ: ExtensionType, body: &[u8]) -> Self {
        Self {
            typ,
            body: body.to_vec(),
        }
    }
}

impl Codec<'_> for UnknownExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ.encode(out);
        put_vec(out, LengthPrefix::U16, &self.body);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ExtensionType::read(r)?;
        let body = r.vec_bytes(LengthPrefix::U16, "extension_data")?;
        Ok(Self::new(typ, body))
    }
}

/// Extensions a client may send in ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension {
    /// RFC 6066 §3: (name_type, name) pairs; HostName is type 0.
    ServerName(Vec<(ServerNameType, Vec<u8>)>),
    /// §4.3.7
    SupportedGroups(Vec<NamedGroup>),
    /// §4.3.3
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// §4.3.3
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// RFC 7301: protocol names, each non-empty.
    Alpn(Vec<Vec<u8>>),
    /// RFC 6066 §8: the `CertificateStatusRequest` body kept whole
    /// (status_type, responder_id_list, request_extensions).
    StatusRequest(Vec<u8>),
    /// RFC 8449: the largest record plaintext the client will accept.
    RecordSizeLimit(u16),
    /// §4.3.1
    SupportedVersions(Vec<ProtocolVersion>),
    /// §4.3.8: client_shares.
    KeyShare(Vec<KeyShareEntry>),
    /// §4.3.2
    Cookie(Vec<u8>),
    /// §4.3.10: empty in ClientHello.
    EarlyData,
    /// §4.3.9
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// §4.3.11: must be the last extension.
    PreSharedKey(OfferedPsks),
    /// §4.3.4: DER distinguished names.
    CertificateAuthorities(Vec<Vec<u8>>),
    /// §4.3.6: empty.
    PostHandshakeAuth,
    /// RFC 7685: this many zero bytes.
    Padding(usize),
    /// RFC 7250: acceptable client certificate types.
    ClientCertificateType(Vec<CertificateType>),
    /// RFC 7250: acceptable server certificate types.
    ServerCertificateType(Vec<CertificateType>),
    /// Anything else, kept for the transcript and ignored (§4.3 lets
    /// servers ignore unknown extensions).
    Unknown(UnknownExtension),
}

impl ClientExtension {
    /// The extension's code point.
    pub fn typ(&self) -> ExtensionType {
        use ExtensionType as T;
        match self {
            Self::ServerName(_) => T::SERVER_NAME,
            Self::SupportedGroups(_) => T::SUPPORTED_GROUPS,
            Self::SignatureAlgorithms(_) => T::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => T::SIGNATURE_ALGORITHMS_CERT,
            Self::Alpn(_) => T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::StatusRequest(_) => T::STATUS_REQUEST,
            Self::RecordSizeLimit(_) => T::RECORD_SIZE_LIMIT,
            Self::SupportedVersions(_) => T::SUPPORTED_VERSIONS,
            Self::KeyShare(_) => T::KEY_SHARE,
            Self::Cookie(_) => T::COOKIE,
            Self::EarlyData => T::EARLY_DATA,
            Self::PskKeyExchangeModes(_) => T::PSK_KEY_EXCHANGE_MODES,
            Self::PreSharedKey(_) => T::PRE_SHARED_KEY,
            Self::CertificateAuthorities(_) => T::CERTIFICATE_AUTHORITIES,
            Self::PostHandshakeAuth => T::POST_HANDSHAKE_AUTH,
            Self::Padding(_) => T::PADDING,
            Self::ClientCertificateType(_) => T::CLIENT_CERTIFICATE_TYPE,
            Self::ServerCertificateType(_) => T::SERVER_CERTIFICATE_TYPE,
            Self::Unknown(u) => u.typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        use LengthPrefix::{U8, U16};
        match self {
            Self::ServerName(names) => with_prefix(out, U16, |out| {
                for (typ, name) in names {
                    typ.encode(out);
                    put_vec(out, U16, name);
                }
            }),
            Self::SupportedGroups(g) => put_list(out, U16, g),
            Self::SignatureAlgorithms(s) | Self::SignatureAlgorithmsCert(s) => {
                put_list(out, U16, s)
            }
            Self::Alpn(names) => put_opaque_list(out, U16, U8, names),
            Self::StatusRequest(body) => out.extend_from_slice(body),
            Self::Cookie(body) => put_vec(out, U16, body),
            Self::RecordSizeLimit(v) => v.encode(out),
            Self::SupportedVersions(v) => put_list(out, U8, v),
            Self::KeyShare(shares) => put_list(out, U16, shares),
            Self::EarlyData | Self::PostHandshakeAuth => {}
            Self::PskKeyExchangeModes(m) => put_list(out, U8, m),
            Self::PreSharedKey(psk) => psk.encode(out),
            Self::CertificateAuthorities(names) => put_opaque_list(out, U16, U16, names),
            Self::Padding(n) => out.resize(out.len().saturating_add(*n), 0),
            Self::ClientCertificateType(t) | Self::ServerCertificateType(t) => put_list(out, U8, t),
            Self::Unknown(u) => out.extend_from_slice(&u.body),
        }
    }

    /// Parses the body of an extension of type `typ` as sent in ClientHello.
    pub fn read_body(typ: ExtensionType, body: &[u8]) -> Result<Self, InvalidMessage> {
        Self::read_body_limited(typ, body, &ListLimits::NONE)
    }

    /// [`ClientExtension::read_body`] with the lists bounded by `lim`.
    pub fn read_body_limited(
        typ: ExtensionType,
        body: &[u8],
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        Ok(ClientExtensionRef::read_body(typ, body, lim)?.into_owned())
    }
}

impl Codec<'_> for ClientExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ().encode(out);
        with_prefix(out, LengthPrefix::U16, |out| self.encode_body(out));
    }
    /// One extension; duplicates and ordering are checked per block by the
    /// message that contains it.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ExtensionType::read(r)?;
        let body = r.vec_bytes(LengthPrefix::U16, "extension_data")?;
        Self::read_body(typ, body)
    }
}

/// Extensions in ServerHello, HelloRetryRequest and EncryptedExtensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerExtension {
    /// RFC 6066 §3: empty acknowledgement of server_name (EE).
    ServerNameAck,
    /// §4.3.7: the server's groups, informational (EE).
    SupportedGroups(Vec<NamedGroup>),
    /// RFC 7301: exactly one selected protocol (EE).
    Alpn(Vec<Vec<u8>>),
    /// RFC 8449 (EE).
    RecordSizeLimit(u16),
    /// §4.3.10: empty, early data accepted (EE).
    EarlyData,
    /// §4.3.1: selected_version (SH, HRR).
    SupportedVersions(ProtocolVersion),
    /// §4.3.8: server_share (SH).
    KeyShare(KeyShareEntry),
    /// §4.3.8: selected_group (HRR).
    KeyShareRetry(NamedGroup),
    /// §4.3.2 (HRR).
    Cookie(Vec<u8>),
    /// §4.3.11: selected_identity (SH).
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
        use ExtensionType as T;
        match self {
            Self::ServerNameAck => T::SERVER_NAME,
            Self::SupportedGroups(_) => T::SUPPORTED_GROUPS,
            Self::Alpn(_) => T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::RecordSizeLimit(_) => T::RECORD_SIZE_LIMIT,
            Self::EarlyData => T::EARLY_DATA,
            Self::SupportedVersions(_) => T::SUPPORTED_VERSIONS,
            Self::KeyShare(_) | Self::KeyShareRetry(_) => T::KEY_SHARE,
            Self::Cookie(_) => T::COOKIE,
            Self::PreSharedKey(_) => T::PRE_SHARED_KEY,
            Self::ClientCertificateType(_) => T::CLIENT_CERTIFICATE_TYPE,
            Self::ServerCertificateType(_) => T::SERVER_CERTIFICATE_TYPE,
            Self::Unknown(u) => u.typ,
        }
    }

    /// Appends the extension (type, length, body).
    pub fn encode(&self, out: &mut Vec<u8>) {
        use LengthPrefix::{U8, U16};
        self.typ().encode(out);
        with_prefix(out, U16, |out| match self {
            Self::ServerNameAck | Self::EarlyData => {}
            Self::SupportedGroups(g) => put_list(out, U16, g),
            Self::Alpn(names) => put_opaque_list(out, U16, U8, names),
            Self::RecordSizeLimit(v) | Self::PreSharedKey(v) => v.encode(out),
            Self::SupportedVersions(v) => v.encode(out),
            Self::KeyShare(entry) => entry.encode(out),
            Self::KeyShareRetry(group) => group.encode(out),
            Self::Cookie(c) => put_vec(out, U16, c),
            Self::ClientCertificateType(t) | Self::ServerCertificateType(t) => t.encode(out),
            Self::Unknown(u) => out.extend_from_slice(&u.body),
        });
    }

    /// Parses the body of an extension of type `typ`. `in_retry_request`
    /// selects the HelloRetryRequest syntax of `key_share` (§4.3.8).
    pub fn read_body(
        typ: ExtensionType,
        body: &[u8],
        in_retry_request: bool,
    ) -> Result<Self, InvalidMessage> {
        Self::read_body_limited(typ, body, in_retry_request, &ListLimits::NONE)
    }

    /// [`ServerExtension::read_body`] with the lists bounded by `lim`.
    pub fn read_body_limited(
        typ: ExtensionType,
        body: &[u8],
        in_retry_request: bool,
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        Ok(ServerExtensionRef::read_body(typ, body, in_retry_request, lim)?.into_owned())
    }
}

/// Extensions of a CertificateRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertReqExtension {
    /// §4.3.3
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// §4.3.3
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// §4.3.4
    CertificateAuthorities(Vec<Vec<u8>>),
    /// Others, ignored.
    Unknown(UnknownExtension),
}

impl CertReqExtension {
    /// The extension's code point.
    pub fn typ(&self) -> ExtensionType {
        match self {
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::Unknown(u) => u.typ,
        }
    }

    /// Parses the body of an extension of type `typ`.
    pub fn read_body(typ: ExtensionType, body: &[u8]) -> Result<Self, InvalidMessage> {
        Self::read_body_limited(typ, body, &ListLimits::NONE)
    }

    /// [`CertReqExtension::read_body`] with the lists bounded by `lim`.
    pub fn read_body_limited(
        typ: ExtensionType,
        body: &[u8],
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        use ExtensionType as T;
        use LengthPrefix::U16;
        let n = lim.entries;
        let mut r = Reader::new(body);
        let ext = match typ {
            T::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(capped_list(&mut r, U16, "signature_algorithms", n)?)
            }
            T::SIGNATURE_ALGORITHMS_CERT => Self::SignatureAlgorithmsCert(capped_list(
                &mut r,
                U16,
                "signature_algorithms_cert",
                n,
            )?),
            T::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(OpaqueList::read_authorities(&mut r, n)?.to_vec())
            }
            _ => Self::Unknown(UnknownExtension::new(typ, r.rest())),
        };
        r.expect_empty("CertificateRequest extension")?;
        Ok(ext)
    }
}

impl Codec<'_> for CertReqExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        use LengthPrefix::U16;
        self.typ().encode(out);
        with_prefix(out, U16, |out| match self {
            Self::SignatureAlgorithms(s) | Self::SignatureAlgorithmsCert(s) => {
                put_list(out, U16, s)
            }
            Self::CertificateAuthorities(names) => put_opaque_list(out, U16, U16, names),
            Self::Unknown(u) => out.extend_from_slice(&u.body),
        });
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ExtensionType::read(r)?;
        let body = r.vec_bytes(LengthPrefix::U16, "extension_data")?;
        Self::read_body(typ, body)
    }
}

/// Extensions of a NewSessionTicket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TicketExtension {
    /// §4.3.10: max_early_data_size.
    EarlyData(u32),
    /// Others, ignored.
    Unknown(UnknownExtension),
}

impl TicketExtension {
    /// The extension's code point.
    pub fn typ(&self) -> ExtensionType {
        match self {
            Self::EarlyData(_) => ExtensionType::EARLY_DATA,
            Self::Unknown(u) => u.typ,
        }
    }

    /// Parses the body of an extension of type `typ`.
    pub fn read_body(typ: ExtensionType, body: &[u8]) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(body);
        let ext = match typ {
            // §4.3.10: in NewSessionTicket, uint32 max_early_data_size.
            ExtensionType::EARLY_DATA => Self::EarlyData(r.u32("max_early_data_size")?),
            _ => Self::Unknown(UnknownExtension::new(typ, r.rest())),
        };
        r.expect_empty("NewSessionTicket extension")?;
        Ok(ext)
    }
}

impl Codec<'_> for TicketExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ().encode(out);
        with_prefix(out, LengthPrefix::U16, |out| match self {
            Self::EarlyData(v) => out.extend_from_slice(&v.to_be_bytes()),
            Self::Unknown(u) => out.extend_from_slice(&u.body),
        });
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let typ = ExtensionType::read(r)?;
        let body = r.vec_bytes(LengthPrefix::U16, "extension_data")?;
        Self::read_body(typ, body)
    }
}

/// Reads an extension block `Extension extensions<0..2^16-1>`, parsing each
/// body with `one` (see [`walk_block`] for the block's rules).
pub(crate) fn read_block<'a, T>(
    r: &mut Reader<'a>,
    what: &'static str,
    psk_last: bool,
    max: usize,
    mut one: impl FnMut(ExtensionType, &'a [u8]) -> Result<T, InvalidMessage>,
) -> Result<Vec<T>, InvalidMessage> {
    // One allocation of the right size: extensions are counted first
    // (a block that does not frame is refused by the walk anyway),
    // never more than `max` of them.
    let count = r
        .clone()
        .sub(LengthPrefix::U16, what)
        .map_or(0, |block| count_extensions(block, max));
    let mut out = Vec::with_capacity(count);
    walk_block(r, what, psk_last, max, |typ, body| {
        out.push(one(typ, body)?);
        Ok(())
    })?;
    Ok(out)
}

/// Walks an extension block `Extension extensions<0..2^16-1>`, handing
/// each body to `one`, and returns the block's content. Rejects more than
/// `max` extensions, a repeated type (§4.3: "There MUST NOT be more than
/// one extension of the same type in a given extension block") and, when
/// `psk_last` is set, anything after `pre_shared_key` (§4.3.11: "MUST be
/// the last extension in the ClientHello").
pub(crate) fn walk_block<'a>(
    r: &mut Reader<'a>,
    what: &'static str,
    psk_last: bool,
    max: usize,
    mut one: impl FnMut(ExtensionType, &'a [u8]) -> Result<(), InvalidMessage>,
) -> Result<&'a [u8], InvalidMessage> {
    let block = r.vec_bytes(LengthPrefix::U16, what)?;
    let mut sub = Reader::new(block);
    let mut seen = SeenSet::<ExtensionType, 24>::new();
    let mut count = 0usize;
    let mut after_psk = false;
    while sub.any_left() {
        check_len(count.saturating_add(1), max, what)?;
        let typ = ExtensionType::read(&mut sub)?;
        let body = sub.vec_bytes(LengthPrefix::U16, "extension_data")?;
        if !seen.insert(typ) {
            return Err(InvalidMessage::DuplicateExtension(typ.0));
        }
        if after_psk {
            return Err(InvalidMessage::PreSharedKeyNotLast);
        }
        after_psk = psk_last && typ == ExtensionType::PRE_SHARED_KEY;
        one(typ, body)?;
        count = count.saturating_add(1);
    }
    Ok(block)
}

/// How many whole extensions (type, u16-prefixed body) `r` holds, up to
/// `max` (past it the block is refused).
fn count_extensions(mut r: Reader<'_>, max: usize) -> usize {
    let mut n = 0usize;
    while r.any_left() && n < max {
        if r.take(2).is_none() || r.vec_bytes(LengthPrefix::U16, "extension_data").is_err() {
            break;
        }
        n = n.saturating_add(1);
    }
    n
}

/// Writes a u16-prefixed extension block.
pub(crate) fn put_block<T>(out: &mut Vec<u8>, items: &[T], mut one: impl FnMut(&T, &mut Vec<u8>)) {
    with_prefix(out, LengthPrefix::U16, |out| {
        for item in items {
            one(item, out);
        }
    });
}

/// Writes one extension: its type, then the body `body` appends, with
/// its u16 length.
pub(crate) fn put_extension(
    out: &mut Vec<u8>,
    typ: ExtensionType,
    body: impl FnOnce(&mut Vec<u8>),
) {
    typ.encode(out);
    with_prefix(out, LengthPrefix::U16, body);
}

/// Writes a length prefix, the body `f` appends, and patches the prefix.
pub(crate) fn with_prefix(out: &mut Vec<u8>, prefix: LengthPrefix, f: impl FnOnce(&mut Vec<u8>)) {
    let mut lp = LengthPrefixed::start(out, prefix);
    f(lp.out());
    lp.finish();
}

/// A list of opaque vectors, e.g. ALPN names or distinguished names.
fn put_opaque_list(out: &mut Vec<u8>, outer: LengthPrefix, inner: LengthPrefix, items: &[Vec<u8>]) {
    with_prefix(out, outer, |out| {
        for item in items {
            put_vec(out, inner, item);
        }
    });
}

/// RFC 6066 §8: checks the framing of a `CertificateStatusRequest`
/// (status_type, then for ocsp: ResponderID responder_id_list<0..2^16-1>
/// with opaque ResponderID<1..2^16-1>, and Extensions
/// request_extensions<0..2^16-1>). Other status types are opaque.
pub(crate) fn check_status_request(r: &mut Reader<'_>) -> Result<(), InvalidMessage> {
    if CertificateStatusType::read(r)? == CertificateStatusType::OCSP {
        let mut ids = r.sub(LengthPrefix::U16, "responder_id_list")?;
        while ids.any_left() {
            ids.nonempty_vec_bytes(LengthPrefix::U16, "responder_id")?;
        }
        r.vec_bytes(LengthPrefix::U16, "request_extensions")?;
        r.expect_empty("status_request")?;
    }
    Ok(())
}

/// Whether `name` is a HostName as RFC 6066 §3 defines it: "the fully
/// qualified DNS hostname of the server ... represented as a byte string
/// using ASCII encoding without a trailing dot" (A-labels for IDNs), and
/// "Literal IPv4 and IPv6 addresses are not permitted". So: at most 253
/// bytes of dot-separated labels of 1..=63 bytes, each of ASCII letters,
/// digits, hyphens (not first or last) and underscores (found in real
/// host names and accepted by the WebPKI name matchers); no empty label,
/// hence no trailing dot; and a last label that is not numeric, which
/// rules out every IPv4 form (`1.2.3.4`, `127.1`, `0x7f000001`; a DNS
/// top-level label is never numeric, RFC 3696 §2). IPv6 literals contain
/// `:`, which no label may hold. Anything else (spaces, `/`, NUL, non-ASCII)
/// is refused, so a name that reaches a certificate resolver or a file
/// name is safe to use as one.
pub fn is_valid_host_name(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let label_ok = |label: &[u8]| {
        (1..=63).contains(&label.len())
            && label
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
    };
    if !name.split(|b| *b == b'.').all(label_ok) {
        return false;
    }
    let last = name.rsplit(|b| *b == b'.').next().unwrap_or_default();
    let numeric = last.iter().all(u8::is_ascii_digit)
        || match last {
            [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
            _ => false,
        };
    !numeric
}
