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

/// A list of fixed-size items (no allocation per item), refused when it
/// has more than `limit` entries.
fn capped_list<'a, T: Codec<'a>>(
    r: &mut Reader<'a>,
    prefix: LengthPrefix,
    what: &'static str,
    limit: usize,
    nonempty: bool,
) -> Result<Vec<T>, InvalidMessage> {
    let v = if nonempty {
        r.nonempty_list(prefix, what)?
    } else {
        r.list(prefix, what)?
    };
    check_len(v.len(), limit, what)?;
    Ok(v)
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
        // §4.3.11: PskIdentity identities<7..2^16-1>
        let mut sub = r.sub(LengthPrefix::U16, "psk identities")?;
        let mut identities = Vec::new();
        while sub.any_left() {
            check_len(
                identities.len().saturating_add(1),
                lim.psk_identities,
                "psk identities",
            )?;
            identities.push(PskIdentity::read(&mut sub)?);
        }
        if identities.is_empty() {
            return Err(InvalidMessage::EmptyVector("psk identities"));
        }
        // §4.3.11: PskBinderEntry binders<33..2^16-1>, opaque PskBinderEntry<32..255>
        let mut sub = r.sub(LengthPrefix::U16, "psk binders")?;
        let mut binders = Vec::with_capacity(identities.len());
        while sub.any_left() {
            check_len(
                binders.len().saturating_add(1),
                lim.psk_identities,
                "psk binders",
            )?;
            let b = sub.vec_bytes(LengthPrefix::U8, "psk binder")?;
            if b.len() < 32 {
                return Err(InvalidMessage::InvalidValue(
                    "psk binder shorter than 32 bytes",
                ));
            }
            binders.push(b.to_vec());
        }
        if binders.is_empty() {
            return Err(InvalidMessage::EmptyVector("psk binders"));
        }
        // §4.3.11: "one for each value in the identities list".
        if binders.len() != identities.len() {
            return Err(InvalidMessage::InvalidValue(
                "pre_shared_key: binder count differs from identity count",
            ));
        }
        Ok(Self {
            identities,
            binders,
        })
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
        use ExtensionType as T;
        use LengthPrefix::{U8, U16};
        let n = lim.entries;
        let mut r = Reader::new(body);
        let ext = match typ {
            T::SERVER_NAME => Self::ServerName(read_server_names(&mut r, n)?),
            // §4.3.7: NamedGroup named_group_list<2..2^16-1>
            T::SUPPORTED_GROUPS => {
                Self::SupportedGroups(capped_list(&mut r, U16, "supported_groups", n, true)?)
            }
            // §4.3.3: SignatureScheme supported_signature_algorithms<2..2^16-2>
            T::SIGNATURE_ALGORITHMS => Self::SignatureAlgorithms(capped_list(
                &mut r,
                U16,
                "signature_algorithms",
                n,
                true,
            )?),
            T::SIGNATURE_ALGORITHMS_CERT => Self::SignatureAlgorithmsCert(capped_list(
                &mut r,
                U16,
                "signature_algorithms_cert",
                n,
                true,
            )?),
            T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => Self::Alpn(read_alpn(&mut r, n)?),
            T::STATUS_REQUEST => {
                check_status_request(&mut Reader::new(body))?;
                Self::StatusRequest(r.rest().to_vec())
            }
            T::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(r.u16("record_size_limit")?),
            // §4.3.1: ProtocolVersion versions<2..254>
            T::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(capped_list(&mut r, U8, "supported_versions", n, true)?)
            }
            // §4.3.8: KeyShareEntry client_shares<0..2^16-1>; each entry is
            // an allocation, so the count is checked before each one.
            T::KEY_SHARE => {
                let mut sub = r.sub(U16, "client_shares")?;
                let mut shares = Vec::new();
                while sub.any_left() {
                    check_len(
                        shares.len().saturating_add(1),
                        lim.key_shares,
                        "client_shares",
                    )?;
                    shares.push(KeyShareEntry::read(&mut sub)?);
                }
                Self::KeyShare(shares)
            }
            // §4.3.2: opaque cookie<1..2^16-1>
            T::COOKIE => Self::Cookie(r.nonempty_vec_bytes(U16, "cookie")?.to_vec()),
            T::EARLY_DATA => Self::EarlyData,
            // §4.3.9: PskKeyExchangeMode ke_modes<1..255>
            T::PSK_KEY_EXCHANGE_MODES => Self::PskKeyExchangeModes(capped_list(
                &mut r,
                U8,
                "psk_key_exchange_modes",
                n,
                true,
            )?),
            T::PRE_SHARED_KEY => Self::PreSharedKey(OfferedPsks::read_limited(&mut r, lim)?),
            T::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(read_authorities(&mut r, n)?)
            }
            T::POST_HANDSHAKE_AUTH => Self::PostHandshakeAuth,
            // RFC 7685 §3: padding is zeros. Other content stays Unknown so
            // the bytes, and hence the transcript, survive a round trip.
            T::PADDING if body.iter().all(|b| *b == 0) => {
                r.rest();
                Self::Padding(body.len())
            }
            // RFC 7250 §3: CertificateType client_certificate_types<1..2^8-1>
            T::CLIENT_CERTIFICATE_TYPE => Self::ClientCertificateType(capped_list(
                &mut r,
                U8,
                "client_certificate_types",
                n,
                true,
            )?),
            T::SERVER_CERTIFICATE_TYPE => Self::ServerCertificateType(capped_list(
                &mut r,
                U8,
                "server_certificate_types",
                n,
                true,
            )?),
            _ => Self::Unknown(UnknownExtension::new(typ, r.rest())),
        };
        r.expect_empty("ClientHello extension")?;
        Ok(ext)
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
        use ExtensionType as T;
        use LengthPrefix::U16;
        let mut r = Reader::new(body);
        let ext = match typ {
            // RFC 6066 §3: the server's "extension_data" is empty.
            T::SERVER_NAME => Self::ServerNameAck,
            T::SUPPORTED_GROUPS => Self::SupportedGroups(capped_list(
                &mut r,
                U16,
                "supported_groups",
                lim.entries,
                true,
            )?),
            T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                let names = read_alpn(&mut r, lim.entries)?;
                // RFC 7301 §3.1: the server's list "MUST contain exactly one".
                if names.len() != 1 {
                    return Err(InvalidMessage::InvalidValue(
                        "ALPN response must name exactly one protocol",
                    ));
                }
                Self::Alpn(names)
            }
            T::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(r.u16("record_size_limit")?),
            T::EARLY_DATA => Self::EarlyData,
            T::SUPPORTED_VERSIONS => Self::SupportedVersions(ProtocolVersion::read(&mut r)?),
            T::KEY_SHARE if in_retry_request => Self::KeyShareRetry(NamedGroup::read(&mut r)?),
            T::KEY_SHARE => Self::KeyShare(KeyShareEntry::read(&mut r)?),
            T::COOKIE => Self::Cookie(r.nonempty_vec_bytes(U16, "cookie")?.to_vec()),
            T::PRE_SHARED_KEY => Self::PreSharedKey(r.u16("selected_identity")?),
            T::CLIENT_CERTIFICATE_TYPE => {
                Self::ClientCertificateType(CertificateType::read(&mut r)?)
            }
            T::SERVER_CERTIFICATE_TYPE => {
                Self::ServerCertificateType(CertificateType::read(&mut r)?)
            }
            _ => Self::Unknown(UnknownExtension::new(typ, r.rest())),
        };
        r.expect_empty("server extension")?;
        Ok(ext)
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
            T::SIGNATURE_ALGORITHMS => Self::SignatureAlgorithms(capped_list(
                &mut r,
                U16,
                "signature_algorithms",
                n,
                true,
            )?),
            T::SIGNATURE_ALGORITHMS_CERT => Self::SignatureAlgorithmsCert(capped_list(
                &mut r,
                U16,
                "signature_algorithms_cert",
                n,
                true,
            )?),
            T::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(read_authorities(&mut r, n)?)
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
/// body with `one`. Rejects a repeated type (§4.3: "There MUST NOT be more
/// than one extension of the same type in a given extension block") and,
/// when `psk_last` is set, anything after `pre_shared_key` (§4.3.11: "MUST
/// be the last extension in the ClientHello").
pub(crate) fn read_block<'a, T>(
    r: &mut Reader<'a>,
    what: &'static str,
    psk_last: bool,
    max: usize,
    mut one: impl FnMut(ExtensionType, &'a [u8]) -> Result<T, InvalidMessage>,
) -> Result<Vec<T>, InvalidMessage> {
    let mut sub = r.sub(LengthPrefix::U16, what)?;
    let mut seen = SeenSet::<ExtensionType, 24>::new();
    // One allocation of the right size: extensions are counted first
    // (a block that does not frame is refused in the loop below anyway),
    // never more than `max` of them.
    let mut out = Vec::with_capacity(count_extensions(sub.clone(), max));
    let mut after_psk = false;
    while sub.any_left() {
        check_len(out.len().saturating_add(1), max, what)?;
        let typ = ExtensionType::read(&mut sub)?;
        let body = sub.vec_bytes(LengthPrefix::U16, "extension_data")?;
        if !seen.insert(typ) {
            return Err(InvalidMessage::DuplicateExtension(typ.0));
        }
        if after_psk {
            return Err(InvalidMessage::PreSharedKeyNotLast);
        }
        after_psk = psk_last && typ == ExtensionType::PRE_SHARED_KEY;
        out.push(one(typ, body)?);
    }
    Ok(out)
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

/// Reads a non-empty list of non-empty opaque vectors, at most `max` of
/// them (each is an allocation, so the count is checked before each).
fn read_opaque_list(
    r: &mut Reader<'_>,
    outer: LengthPrefix,
    inner: LengthPrefix,
    what: &'static str,
    item: &'static str,
    max: usize,
) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let mut sub = r.sub(outer, what)?;
    let mut out = Vec::new();
    while sub.any_left() {
        check_len(out.len().saturating_add(1), max, what)?;
        out.push(sub.nonempty_vec_bytes(inner, item)?.to_vec());
    }
    if out.is_empty() {
        return Err(InvalidMessage::EmptyVector(what));
    }
    Ok(out)
}

/// RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>,
/// opaque ProtocolName<1..2^8-1>.
fn read_alpn(r: &mut Reader<'_>, max: usize) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    read_opaque_list(
        r,
        LengthPrefix::U16,
        LengthPrefix::U8,
        "ALPN protocol list",
        "ALPN protocol name",
        max,
    )
}

/// §4.3.4: DistinguishedName authorities<3..2^16-1>,
/// opaque DistinguishedName<1..2^16-1>.
fn read_authorities(r: &mut Reader<'_>, max: usize) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    read_opaque_list(
        r,
        LengthPrefix::U16,
        LengthPrefix::U16,
        "certificate_authorities",
        "distinguished name",
        max,
    )
}

/// RFC 6066 §3: ServerName server_name_list<1..2^16-1>. Each entry is a
/// name_type and (for host_name, the only defined type) HostName
/// <1..2^16-1>; other types are read with the same u16-prefixed syntax.
/// "The ServerNameList MUST NOT contain more than one name of the same
/// name_type" (a 256-bit set of the types seen: linear); a host_name
/// must be a DNS host name ([`is_valid_host_name`]).
fn read_server_names(
    r: &mut Reader<'_>,
    max: usize,
) -> Result<Vec<(ServerNameType, Vec<u8>)>, InvalidMessage> {
    let mut sub = r.sub(LengthPrefix::U16, "server_name_list")?;
    let mut out: Vec<(ServerNameType, Vec<u8>)> = Vec::new();
    let mut seen = [0u64; 4];
    while sub.any_left() {
        check_len(out.len().saturating_add(1), max, "server_name_list")?;
        let typ = ServerNameType::read(&mut sub)?;
        let name = sub.vec_bytes(LengthPrefix::U16, "server name")?;
        if typ == ServerNameType::HOST_NAME {
            if name.is_empty() {
                return Err(InvalidMessage::EmptyVector("host_name"));
            }
            if !is_valid_host_name(name) {
                return Err(InvalidMessage::InvalidHostName);
            }
        }
        let (word, bit) = (usize::from(typ.0 >> 6), 1u64 << (typ.0 & 63));
        let slot = seen
            .get_mut(word)
            .ok_or(InvalidMessage::InvalidValue("server_name"))?;
        if *slot & bit != 0 {
            return Err(InvalidMessage::InvalidValue(
                "server_name: name type repeated",
            ));
        }
        *slot |= bit;
        out.push((typ, name.to_vec()));
    }
    if out.is_empty() {
        return Err(InvalidMessage::EmptyVector("server_name_list"));
    }
    Ok(out)
}

/// RFC 6066 §8: checks the framing of a `CertificateStatusRequest`
/// (status_type, then for ocsp: ResponderID responder_id_list<0..2^16-1>
/// with opaque ResponderID<1..2^16-1>, and Extensions
/// request_extensions<0..2^16-1>). Other status types are opaque.
fn check_status_request(r: &mut Reader<'_>) -> Result<(), InvalidMessage> {
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
