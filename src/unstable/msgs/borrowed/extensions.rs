//! Extension bodies and the lists they carry, read in place (see the
//! owned forms in [`crate::unstable::msgs::extensions`]).

use alloc::vec::Vec;
use core::marker::PhantomData;

use super::super::enums::*;
use super::super::extensions::{
    ClientExtension, KeyShareEntry, ListLimits, OfferedPsks, PskIdentity, ServerExtension,
    UnknownExtension, check_len, check_status_request, is_valid_host_name,
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
            T::PADDING if all_zero(body) => {
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

/// Whether `bytes` are all zero. A peer can send up to 64 KiB of padding:
/// OR-ing whole words lets the compiler vectorise the scan, where a
/// byte-wise `all` stops to branch on every byte (about 8× slower).
fn all_zero(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let acc = words.by_ref().fold(0u64, |acc, w| {
        acc | u64::from_ne_bytes(w.try_into().unwrap_or([0xff; 8]))
    });
    acc == 0 && words.remainder().iter().all(|b| *b == 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_zero_finds_a_set_byte_anywhere() {
        for len in 0..40 {
            let zeros = alloc::vec![0u8; len];
            assert!(super::all_zero(&zeros));
            for at in 0..len {
                let mut v = zeros.clone();
                v[at] = 0x80;
                assert!(!super::all_zero(&v), "len {len}, set at {at}");
            }
        }
    }
}
