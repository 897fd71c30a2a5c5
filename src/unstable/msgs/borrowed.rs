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
use core::marker::PhantomData;

use super::enums::*;
use super::extensions::{
    ClientExtension, KeyShareEntry, ListLimits, OfferedPsks, PskIdentity, ServerExtension,
    UnknownExtension, check_len, check_status_request, is_valid_host_name, walk_block,
};
use super::handshake::{
    CertificateEntry, CertificatePayload, ClientHello, HRR_RANDOM, HandshakeMessage, ServerHello,
};
use crate::codec::{Codec, LengthPrefix, Reader};
use crate::error::InvalidMessage;

/// A list of fixed-size code points (suites, groups, schemes, versions,
/// modes, certificate types) read in place.
#[derive(Clone, Copy)]
pub struct CodeList<'a, T> {
    bytes: &'a [u8],
    len: usize,
    _items: PhantomData<T>,
}

impl<'a, T: Codec<'a> + Copy + PartialEq> CodeList<'a, T> {
    /// A non-empty list with a `prefix`-wide length, at most `limit`
    /// items: the checks of [`Reader::nonempty_list`] and then the bound.
    pub(crate) fn read(
        r: &mut Reader<'a>,
        prefix: LengthPrefix,
        what: &'static str,
        limit: usize,
    ) -> Result<Self, InvalidMessage> {
        let bytes = r.vec_bytes(prefix, what)?;
        let mut items = Reader::new(bytes);
        let mut len = 0usize;
        while items.any_left() {
            T::read(&mut items)?;
            len = len.saturating_add(1);
        }
        if len == 0 {
            return Err(InvalidMessage::EmptyVector(what));
        }
        check_len(len, limit, what)?;
        Ok(Self {
            bytes,
            len,
            _items: PhantomData,
        })
    }

    /// The items, in wire order.
    pub fn iter(self) -> impl Iterator<Item = T> + Clone + 'a {
        let mut r = Reader::new(self.bytes);
        core::iter::from_fn(move || T::read(&mut r).ok())
    }

    /// Whether `item` is in the list.
    pub fn contains(self, item: &T) -> bool {
        self.iter().any(|t| t == *item)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty (never, for a list that was read).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items, copied.
    pub fn to_vec(&self) -> Vec<T> {
        let mut v = Vec::with_capacity(self.len);
        v.extend(self.iter());
        v
    }
}

impl<'a, T: Codec<'a> + Copy + PartialEq + core::fmt::Debug> core::fmt::Debug for CodeList<'a, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A non-empty list of non-empty opaque vectors (ALPN names,
/// distinguished names) read in place.
#[derive(Clone, Copy, Debug)]
pub struct OpaqueList<'a> {
    bytes: &'a [u8],
    inner: LengthPrefix,
    len: usize,
}

impl<'a> OpaqueList<'a> {
    /// At most `max` items (counted before each is read).
    fn read(
        r: &mut Reader<'a>,
        outer: LengthPrefix,
        inner: LengthPrefix,
        what: &'static str,
        item: &'static str,
        max: usize,
    ) -> Result<Self, InvalidMessage> {
        let bytes = r.vec_bytes(outer, what)?;
        let mut items = Reader::new(bytes);
        let mut len = 0usize;
        while items.any_left() {
            check_len(len.saturating_add(1), max, what)?;
            items.nonempty_vec_bytes(inner, item)?;
            len = len.saturating_add(1);
        }
        if len == 0 {
            return Err(InvalidMessage::EmptyVector(what));
        }
        Ok(Self { bytes, inner, len })
    }

    /// RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>,
    /// opaque ProtocolName<1..2^8-1>.
    fn read_alpn(r: &mut Reader<'a>, max: usize) -> Result<Self, InvalidMessage> {
        Self::read(
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
    pub(crate) fn read_authorities(r: &mut Reader<'a>, max: usize) -> Result<Self, InvalidMessage> {
        Self::read(
            r,
            LengthPrefix::U16,
            LengthPrefix::U16,
            "certificate_authorities",
            "distinguished name",
            max,
        )
    }

    /// The items, in wire order.
    pub fn iter(self) -> impl Iterator<Item = &'a [u8]> + Clone + 'a {
        let mut r = Reader::new(self.bytes);
        let inner = self.inner;
        core::iter::from_fn(move || r.vec_bytes(inner, "").ok())
    }

    /// Whether `item` is one of the items.
    pub fn contains(self, item: &[u8]) -> bool {
        self.iter().any(|i| i == item)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty (never, for a list that was read).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items, copied.
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut v = Vec::with_capacity(self.len);
        v.extend(self.iter().map(<[u8]>::to_vec));
        v
    }
}

/// A `server_name` list (RFC 6066 §3) read in place.
#[derive(Clone, Copy, Debug)]
pub struct ServerNames<'a> {
    bytes: &'a [u8],
    len: usize,
}

impl<'a> ServerNames<'a> {
    /// RFC 6066 §3: ServerName server_name_list<1..2^16-1>. Each entry is
    /// a name_type and (for host_name, the only defined type) HostName
    /// <1..2^16-1>; other types are read with the same u16-prefixed
    /// syntax. "The ServerNameList MUST NOT contain more than one name of
    /// the same name_type" (a 256-bit set of the types seen: linear); a
    /// host_name must be a DNS host name ([`is_valid_host_name`]).
    fn read(r: &mut Reader<'a>, max: usize) -> Result<Self, InvalidMessage> {
        let bytes = r.vec_bytes(LengthPrefix::U16, "server_name_list")?;
        let mut sub = Reader::new(bytes);
        let mut len = 0usize;
        let mut seen = [0u64; 4];
        while sub.any_left() {
            check_len(len.saturating_add(1), max, "server_name_list")?;
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
            len = len.saturating_add(1);
        }
        if len == 0 {
            return Err(InvalidMessage::EmptyVector("server_name_list"));
        }
        Ok(Self { bytes, len })
    }

    /// The (name type, name) pairs, in wire order.
    pub fn iter(self) -> impl Iterator<Item = (ServerNameType, &'a [u8])> + 'a {
        let mut r = Reader::new(self.bytes);
        core::iter::from_fn(move || {
            let typ = ServerNameType::read(&mut r).ok()?;
            Some((typ, r.vec_bytes(LengthPrefix::U16, "").ok()?))
        })
    }

    /// The host_name, if the list has one (a valid DNS name: checked when read).
    pub fn host_name(self) -> Option<&'a [u8]> {
        self.iter()
            .find(|(t, _)| *t == ServerNameType::HOST_NAME)
            .map(|(_, n)| n)
    }

    fn to_vec(self) -> Vec<(ServerNameType, Vec<u8>)> {
        let mut v = Vec::with_capacity(self.len);
        v.extend(self.iter().map(|(t, n)| (t, n.to_vec())));
        v
    }
}

/// One `KeyShareEntry` (§4.3.8) read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyShareRef<'a> {
    /// The group.
    pub group: NamedGroup,
    /// The encoded public value (non-empty).
    pub payload: &'a [u8],
}

impl<'a> KeyShareRef<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            group: NamedGroup::read(r)?,
            // §4.3.8: opaque key_exchange<1..2^16-1>
            payload: r.nonempty_vec_bytes(LengthPrefix::U16, "key_exchange")?,
        })
    }

    /// The owned entry.
    pub fn into_owned(self) -> KeyShareEntry {
        KeyShareEntry {
            group: self.group,
            payload: self.payload.to_vec(),
        }
    }
}

/// A ClientHello's `client_shares` (§4.3.8) read in place.
#[derive(Clone, Copy, Debug)]
pub struct KeyShares<'a> {
    bytes: &'a [u8],
    len: usize,
}

impl<'a> KeyShares<'a> {
    /// §4.3.8: KeyShareEntry client_shares<0..2^16-1>, at most `max`
    /// entries (counted before each is read).
    fn read(r: &mut Reader<'a>, max: usize) -> Result<Self, InvalidMessage> {
        let bytes = r.vec_bytes(LengthPrefix::U16, "client_shares")?;
        let mut sub = Reader::new(bytes);
        let mut len = 0usize;
        while sub.any_left() {
            check_len(len.saturating_add(1), max, "client_shares")?;
            KeyShareRef::read(&mut sub)?;
            len = len.saturating_add(1);
        }
        Ok(Self { bytes, len })
    }

    /// The entries, in wire order.
    pub fn iter(self) -> impl Iterator<Item = KeyShareRef<'a>> + Clone + 'a {
        let mut r = Reader::new(self.bytes);
        core::iter::from_fn(move || KeyShareRef::read(&mut r).ok())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none (a client may send an empty list, §4.3.8).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// One `PskIdentity` (§4.3.11) read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PskIdentityRef<'a> {
    /// The identity (a ticket, or an external PSK's name).
    pub identity: &'a [u8],
    /// Ticket age plus ticket_age_add, mod 2^32; 0 for external PSKs.
    pub obfuscated_ticket_age: u32,
}

impl<'a> PskIdentityRef<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            // §4.3.11: opaque identity<1..2^16-1>
            identity: r.nonempty_vec_bytes(LengthPrefix::U16, "psk identity")?,
            obfuscated_ticket_age: r.u32("obfuscated_ticket_age")?,
        })
    }
}

/// `OfferedPsks` (§4.3.11) read in place.
#[derive(Clone, Copy, Debug)]
pub struct OfferedPsksRef<'a> {
    identities: &'a [u8],
    binders: &'a [u8],
    len: usize,
}

impl<'a> OfferedPsksRef<'a> {
    /// At most `lim.psk_identities` identities and binders, as many
    /// binders as identities, each binder 32..255 bytes.
    pub(crate) fn read(r: &mut Reader<'a>, lim: &ListLimits) -> Result<Self, InvalidMessage> {
        // §4.3.11: PskIdentity identities<7..2^16-1>
        let identities = r.vec_bytes(LengthPrefix::U16, "psk identities")?;
        let mut sub = Reader::new(identities);
        let mut len = 0usize;
        while sub.any_left() {
            check_len(len.saturating_add(1), lim.psk_identities, "psk identities")?;
            PskIdentityRef::read(&mut sub)?;
            len = len.saturating_add(1);
        }
        if len == 0 {
            return Err(InvalidMessage::EmptyVector("psk identities"));
        }
        // §4.3.11: PskBinderEntry binders<33..2^16-1>, opaque PskBinderEntry<32..255>
        let binders = r.vec_bytes(LengthPrefix::U16, "psk binders")?;
        let mut sub = Reader::new(binders);
        let mut binder_count = 0usize;
        while sub.any_left() {
            check_len(
                binder_count.saturating_add(1),
                lim.psk_identities,
                "psk binders",
            )?;
            let b = sub.vec_bytes(LengthPrefix::U8, "psk binder")?;
            if b.len() < 32 {
                return Err(InvalidMessage::InvalidValue(
                    "psk binder shorter than 32 bytes",
                ));
            }
            binder_count = binder_count.saturating_add(1);
        }
        if binder_count == 0 {
            return Err(InvalidMessage::EmptyVector("psk binders"));
        }
        // §4.3.11: "one for each value in the identities list".
        if binder_count != len {
            return Err(InvalidMessage::InvalidValue(
                "pre_shared_key: binder count differs from identity count",
            ));
        }
        Ok(Self {
            identities,
            binders,
            len,
        })
    }

    /// The identities, in wire order.
    pub fn identities(self) -> impl Iterator<Item = PskIdentityRef<'a>> + 'a {
        let mut r = Reader::new(self.identities);
        core::iter::from_fn(move || PskIdentityRef::read(&mut r).ok())
    }

    /// The binders, in the identities' order.
    pub fn binders(self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut r = Reader::new(self.binders);
        core::iter::from_fn(move || r.vec_bytes(LengthPrefix::U8, "").ok())
    }

    /// The number of identities (and of binders).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none (never, for an offer that was read).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The encoded length of the binders list with its u16 prefix: the
    /// tail of the ClientHello that §4.3.11.2 leaves out of the binder
    /// transcript.
    pub fn binders_encoded_len(&self) -> usize {
        self.binders.len().saturating_add(2)
    }

    /// The owned offer.
    pub fn into_owned(self) -> OfferedPsks {
        let mut identities = Vec::with_capacity(self.len);
        identities.extend(self.identities().map(|i| PskIdentity {
            identity: i.identity.to_vec(),
            obfuscated_ticket_age: i.obfuscated_ticket_age,
        }));
        let mut binders = Vec::with_capacity(self.len);
        binders.extend(self.binders().map(<[u8]>::to_vec));
        OfferedPsks {
            identities,
            binders,
        }
    }
}

/// A ClientHello extension read in place (see [`ClientExtension`], the
/// owned form, for what each carries).
#[derive(Clone, Copy, Debug)]
pub enum ClientExtensionRef<'a> {
    /// RFC 6066 §3.
    ServerName(ServerNames<'a>),
    /// §4.3.7
    SupportedGroups(CodeList<'a, NamedGroup>),
    /// §4.3.3
    SignatureAlgorithms(CodeList<'a, SignatureScheme>),
    /// §4.3.3
    SignatureAlgorithmsCert(CodeList<'a, SignatureScheme>),
    /// RFC 7301
    Alpn(OpaqueList<'a>),
    /// RFC 6066 §8: the body whole.
    StatusRequest(&'a [u8]),
    /// RFC 8449
    RecordSizeLimit(u16),
    /// §4.3.1
    SupportedVersions(CodeList<'a, ProtocolVersion>),
    /// §4.3.8
    KeyShare(KeyShares<'a>),
    /// §4.3.2
    Cookie(&'a [u8]),
    /// §4.3.10
    EarlyData,
    /// §4.3.9
    PskKeyExchangeModes(CodeList<'a, PskKeyExchangeMode>),
    /// §4.3.11: the last extension.
    PreSharedKey(OfferedPsksRef<'a>),
    /// §4.3.4
    CertificateAuthorities(OpaqueList<'a>),
    /// §4.3.6
    PostHandshakeAuth,
    /// RFC 7685: this many zero bytes.
    Padding(usize),
    /// RFC 7250
    ClientCertificateType(CodeList<'a, CertificateType>),
    /// RFC 7250
    ServerCertificateType(CodeList<'a, CertificateType>),
    /// Anything else: its type and body.
    Unknown(ExtensionType, &'a [u8]),
}

impl<'a> ClientExtensionRef<'a> {
    /// Reads the body of an extension of type `typ` as sent in
    /// ClientHello, its lists bounded by `lim`.
    pub fn read_body(
        typ: ExtensionType,
        body: &'a [u8],
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        use ExtensionType as T;
        use LengthPrefix::{U8, U16};
        let n = lim.entries;
        let mut r = Reader::new(body);
        let ext = match typ {
            T::SERVER_NAME => Self::ServerName(ServerNames::read(&mut r, n)?),
            // §4.3.7: NamedGroup named_group_list<2..2^16-1>
            T::SUPPORTED_GROUPS => {
                Self::SupportedGroups(CodeList::read(&mut r, U16, "supported_groups", n)?)
            }
            // §4.3.3: SignatureScheme supported_signature_algorithms<2..2^16-2>
            T::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(CodeList::read(&mut r, U16, "signature_algorithms", n)?)
            }
            T::SIGNATURE_ALGORITHMS_CERT => Self::SignatureAlgorithmsCert(CodeList::read(
                &mut r,
                U16,
                "signature_algorithms_cert",
                n,
            )?),
            T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                Self::Alpn(OpaqueList::read_alpn(&mut r, n)?)
            }
            T::STATUS_REQUEST => {
                check_status_request(&mut Reader::new(body))?;
                Self::StatusRequest(r.rest())
            }
            T::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(r.u16("record_size_limit")?),
            // §4.3.1: ProtocolVersion versions<2..254>
            T::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(CodeList::read(&mut r, U8, "supported_versions", n)?)
            }
            T::KEY_SHARE => Self::KeyShare(KeyShares::read(&mut r, lim.key_shares)?),
            // §4.3.2: opaque cookie<1..2^16-1>
            T::COOKIE => Self::Cookie(r.nonempty_vec_bytes(U16, "cookie")?),
            T::EARLY_DATA => Self::EarlyData,
            // §4.3.9: PskKeyExchangeMode ke_modes<1..255>
            T::PSK_KEY_EXCHANGE_MODES => {
                Self::PskKeyExchangeModes(CodeList::read(&mut r, U8, "psk_key_exchange_modes", n)?)
            }
            T::PRE_SHARED_KEY => Self::PreSharedKey(OfferedPsksRef::read(&mut r, lim)?),
            T::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(OpaqueList::read_authorities(&mut r, n)?)
            }
            T::POST_HANDSHAKE_AUTH => Self::PostHandshakeAuth,
            // RFC 7685 §3: padding is zeros. Other content stays Unknown so
            // the bytes, and hence the transcript, survive a round trip.
            T::PADDING if body.iter().all(|b| *b == 0) => {
                r.rest();
                Self::Padding(body.len())
            }
            // RFC 7250 §3: CertificateType client_certificate_types<1..2^8-1>
            T::CLIENT_CERTIFICATE_TYPE => Self::ClientCertificateType(CodeList::read(
                &mut r,
                U8,
                "client_certificate_types",
                n,
            )?),
            T::SERVER_CERTIFICATE_TYPE => Self::ServerCertificateType(CodeList::read(
                &mut r,
                U8,
                "server_certificate_types",
                n,
            )?),
            _ => Self::Unknown(typ, r.rest()),
        };
        r.expect_empty("ClientHello extension")?;
        Ok(ext)
    }

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
            Self::Unknown(typ, _) => *typ,
        }
    }

    /// The owned extension.
    pub fn into_owned(self) -> ClientExtension {
        use ClientExtension as E;
        match self {
            Self::ServerName(n) => E::ServerName(n.to_vec()),
            Self::SupportedGroups(g) => E::SupportedGroups(g.to_vec()),
            Self::SignatureAlgorithms(s) => E::SignatureAlgorithms(s.to_vec()),
            Self::SignatureAlgorithmsCert(s) => E::SignatureAlgorithmsCert(s.to_vec()),
            Self::Alpn(a) => E::Alpn(a.to_vec()),
            Self::StatusRequest(b) => E::StatusRequest(b.to_vec()),
            Self::RecordSizeLimit(l) => E::RecordSizeLimit(l),
            Self::SupportedVersions(v) => E::SupportedVersions(v.to_vec()),
            Self::KeyShare(k) => E::KeyShare(k.iter().map(KeyShareRef::into_owned).collect()),
            Self::Cookie(c) => E::Cookie(c.to_vec()),
            Self::EarlyData => E::EarlyData,
            Self::PskKeyExchangeModes(m) => E::PskKeyExchangeModes(m.to_vec()),
            Self::PreSharedKey(p) => E::PreSharedKey(p.into_owned()),
            Self::CertificateAuthorities(a) => E::CertificateAuthorities(a.to_vec()),
            Self::PostHandshakeAuth => E::PostHandshakeAuth,
            Self::Padding(n) => E::Padding(n),
            Self::ClientCertificateType(t) => E::ClientCertificateType(t.to_vec()),
            Self::ServerCertificateType(t) => E::ServerCertificateType(t.to_vec()),
            Self::Unknown(typ, body) => E::Unknown(UnknownExtension {
                typ,
                body: body.to_vec(),
            }),
        }
    }
}

/// An extension of ServerHello, HelloRetryRequest or EncryptedExtensions
/// read in place (see [`ServerExtension`], the owned form).
#[derive(Clone, Copy, Debug)]
pub enum ServerExtensionRef<'a> {
    /// RFC 6066 §3 (EE).
    ServerNameAck,
    /// §4.3.7 (EE).
    SupportedGroups(CodeList<'a, NamedGroup>),
    /// RFC 7301: the one selected protocol (EE).
    Alpn(&'a [u8]),
    /// RFC 8449 (EE).
    RecordSizeLimit(u16),
    /// §4.3.10 (EE).
    EarlyData,
    /// §4.3.1 (SH, HRR).
    SupportedVersions(ProtocolVersion),
    /// §4.3.8 (SH).
    KeyShare(KeyShareRef<'a>),
    /// §4.3.8 (HRR).
    KeyShareRetry(NamedGroup),
    /// §4.3.2 (HRR).
    Cookie(&'a [u8]),
    /// §4.3.11 (SH).
    PreSharedKey(u16),
    /// RFC 7250 (EE).
    ClientCertificateType(CertificateType),
    /// RFC 7250 (EE).
    ServerCertificateType(CertificateType),
    /// Anything else: its type and body.
    Unknown(ExtensionType, &'a [u8]),
}

impl<'a> ServerExtensionRef<'a> {
    /// Reads the body of an extension of type `typ`; `in_retry_request`
    /// selects the HelloRetryRequest syntax of `key_share` (§4.3.8).
    pub fn read_body(
        typ: ExtensionType,
        body: &'a [u8],
        in_retry_request: bool,
        lim: &ListLimits,
    ) -> Result<Self, InvalidMessage> {
        use ExtensionType as T;
        use LengthPrefix::U16;
        let mut r = Reader::new(body);
        let ext = match typ {
            // RFC 6066 §3: the server's "extension_data" is empty.
            T::SERVER_NAME => Self::ServerNameAck,
            T::SUPPORTED_GROUPS => Self::SupportedGroups(CodeList::read(
                &mut r,
                U16,
                "supported_groups",
                lim.entries,
            )?),
            T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                let names = OpaqueList::read_alpn(&mut r, lim.entries)?;
                // RFC 7301 §3.1: the server's list "MUST contain exactly one".
                match names.iter().next() {
                    Some(name) if names.len() == 1 => Self::Alpn(name),
                    _ => {
                        return Err(InvalidMessage::InvalidValue(
                            "ALPN response must name exactly one protocol",
                        ));
                    }
                }
            }
            T::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(r.u16("record_size_limit")?),
            T::EARLY_DATA => Self::EarlyData,
            T::SUPPORTED_VERSIONS => Self::SupportedVersions(ProtocolVersion::read(&mut r)?),
            T::KEY_SHARE if in_retry_request => Self::KeyShareRetry(NamedGroup::read(&mut r)?),
            T::KEY_SHARE => Self::KeyShare(KeyShareRef::read(&mut r)?),
            T::COOKIE => Self::Cookie(r.nonempty_vec_bytes(U16, "cookie")?),
            T::PRE_SHARED_KEY => Self::PreSharedKey(r.u16("selected_identity")?),
            T::CLIENT_CERTIFICATE_TYPE => {
                Self::ClientCertificateType(CertificateType::read(&mut r)?)
            }
            T::SERVER_CERTIFICATE_TYPE => {
                Self::ServerCertificateType(CertificateType::read(&mut r)?)
            }
            _ => Self::Unknown(typ, r.rest()),
        };
        r.expect_empty("server extension")?;
        Ok(ext)
    }

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
            Self::Unknown(typ, _) => *typ,
        }
    }

    /// The owned extension.
    pub fn into_owned(self) -> ServerExtension {
        use ServerExtension as E;
        match self {
            Self::ServerNameAck => E::ServerNameAck,
            Self::SupportedGroups(g) => E::SupportedGroups(g.to_vec()),
            Self::Alpn(name) => E::Alpn(alloc::vec![name.to_vec()]),
            Self::RecordSizeLimit(l) => E::RecordSizeLimit(l),
            Self::EarlyData => E::EarlyData,
            Self::SupportedVersions(v) => E::SupportedVersions(v),
            Self::KeyShare(k) => E::KeyShare(k.into_owned()),
            Self::KeyShareRetry(g) => E::KeyShareRetry(g),
            Self::Cookie(c) => E::Cookie(c.to_vec()),
            Self::PreSharedKey(i) => E::PreSharedKey(i),
            Self::ClientCertificateType(t) => E::ClientCertificateType(t),
            Self::ServerCertificateType(t) => E::ServerCertificateType(t),
            Self::Unknown(typ, body) => E::Unknown(UnknownExtension {
                typ,
                body: body.to_vec(),
            }),
        }
    }
}

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
