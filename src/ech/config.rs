//! `ECHConfig` and `ECHConfigList` (RFC 9849 §4): what a client-facing
//! server publishes (in a DNS HTTPS record's `ech` parameter, or in
//! `retry_configs`), and the client's choice among them (§6.1).
//!
//! Parsing is strict about syntax and lenient about meaning: a list whose
//! framing or whose version-0xfe0d contents do not parse is refused whole
//! (`decode_error`), while a config the client cannot use — another
//! version (§4), a mandatory extension (§4.2), a repeated extension type
//! (§4.2), a public_name that is not a host name (§6.1.7), algorithms it
//! lacks (§4, §6.1) — parses, keeps its bytes, and is skipped by
//! [`EchConfigList::select`]. Encoding gives back the parsed bytes
//! exactly, which matters: HPKE's `info` is the config's own encoding
//! (§6.1, [`EchConfig::hpke_info`]).

use alloc::string::String;
use alloc::vec::Vec;

use super::EchError;
use crate::codec::{Codec, LengthPrefix, Reader, SeenSet, put_list, put_vec};
use crate::crypto::CryptoProvider;
use crate::error::InvalidMessage;
use crate::hpke::Suite;
use crate::msgs::enums::{HpkeAeadId, HpkeKdfId, HpkeKemId};
use crate::msgs::extensions::with_prefix;

/// The ECHConfig version this module implements: RFC 9849's, the same
/// number as the `encrypted_client_hello` extension (§4).
pub const ECH_VERSION: u16 = 0xfe0d;

/// `HpkeSymmetricCipherSuite` (§4): a KDF and an AEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HpkeSymmetricCipherSuite {
    /// `kdf_id`.
    pub kdf_id: HpkeKdfId,
    /// `aead_id`.
    pub aead_id: HpkeAeadId,
}

impl HpkeSymmetricCipherSuite {
    /// HKDF-SHA256 with AES-128-GCM: with X25519, the suite every ECH
    /// implementation must support (§9).
    pub const HKDF_SHA256_AES_128_GCM: Self = Self {
        kdf_id: HpkeKdfId::HKDF_SHA256,
        aead_id: HpkeAeadId::AES_128_GCM,
    };
    /// HKDF-SHA256 with ChaCha20-Poly1305.
    pub const HKDF_SHA256_CHACHA20_POLY1305: Self = Self {
        kdf_id: HpkeKdfId::HKDF_SHA256,
        aead_id: HpkeAeadId::CHACHA20_POLY1305,
    };
}

impl Codec<'_> for HpkeSymmetricCipherSuite {
    const ENCODED_LEN: Option<usize> = Some(4);
    fn encode(&self, out: &mut Vec<u8>) {
        self.kdf_id.encode(out);
        self.aead_id.encode(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            kdf_id: HpkeKdfId::read(r)?,
            aead_id: HpkeAeadId::read(r)?,
        })
    }
}

/// `HpkeKeyConfig` (§4): the ECH key and the suites it may be used with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpkeKeyConfig {
    /// Names the config in a ClientHelloOuter (§4.1).
    pub config_id: u8,
    /// The KEM of `public_key`.
    pub kem_id: HpkeKemId,
    /// The HPKE public key, `HpkePublicKey<1..2^16-1>`.
    pub public_key: Vec<u8>,
    /// `cipher_suites<4..2^16-4>`: at least one pair, in the server's
    /// order of preference.
    pub cipher_suites: Vec<HpkeSymmetricCipherSuite>,
}

impl Codec<'_> for HpkeKeyConfig {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.config_id);
        self.kem_id.encode(out);
        put_vec(out, LengthPrefix::U16, &self.public_key);
        put_list(out, LengthPrefix::U16, &self.cipher_suites);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            config_id: r.u8("config_id")?,
            kem_id: HpkeKemId::read(r)?,
            public_key: r
                .nonempty_vec_bytes(LengthPrefix::U16, "ECH public_key")?
                .to_vec(),
            // <4..2^16-4> of 4-byte items: a body that is not a multiple
            // of 4 fails inside the list.
            cipher_suites: r.nonempty_list(LengthPrefix::U16, "ECH cipher_suites")?,
        })
    }
}

/// `ECHConfigExtension` (§4, §4.2), kept raw: this implementation knows
/// no ECH config extensions yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchConfigExtension {
    /// `ECHConfigExtensionType`.
    pub typ: u16,
    /// `data<0..2^16-1>`.
    pub data: Vec<u8>,
}

impl EchConfigExtension {
    /// §4.2: "an extension can be tagged as mandatory by using an
    /// extension type codepoint with the high order bit set to 1".
    pub fn is_mandatory(&self) -> bool {
        self.typ & 0x8000 != 0
    }
}

impl Codec<'_> for EchConfigExtension {
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ.encode(out);
        put_vec(out, LengthPrefix::U16, &self.data);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            typ: r.u16("ECHConfigExtensionType")?,
            data: r
                .vec_bytes(LengthPrefix::U16, "ECHConfigExtension data")?
                .to_vec(),
        })
    }
}

/// `ECHConfigContents` (§4), version 0xfe0d.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchConfigContents {
    /// The key and its suites.
    pub key_config: HpkeKeyConfig,
    /// The longest backend server name, 0 if unknown: an input to the
    /// client's padding (§6.1.3), no limit on names.
    pub maximum_name_length: u8,
    /// `public_name<1..255>`: the client-facing server's DNS name, which
    /// authenticates a rejection (§6.1.7).
    pub public_name: Vec<u8>,
    /// `extensions<0..2^16-1>`, in wire order.
    pub extensions: Vec<EchConfigExtension>,
}

impl Codec<'_> for EchConfigContents {
    fn encode(&self, out: &mut Vec<u8>) {
        self.key_config.encode(out);
        out.push(self.maximum_name_length);
        put_vec(out, LengthPrefix::U8, &self.public_name);
        put_list(out, LengthPrefix::U16, &self.extensions);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            key_config: HpkeKeyConfig::read(r)?,
            maximum_name_length: r.u8("maximum_name_length")?,
            public_name: r
                .nonempty_vec_bytes(LengthPrefix::U8, "public_name")?
                .to_vec(),
            extensions: r.list(LengthPrefix::U16, "ECHConfig extensions")?,
        })
    }
}

/// Why a client cannot use a config that parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// A version other than [`ECH_VERSION`]: "Clients MUST ignore any
    /// ECHConfig structure with a version they do not support" (§4).
    UnknownVersion(u16),
    /// A mandatory extension (§4.2: "If an unsupported mandatory
    /// extension is present, clients MUST ignore the ECHConfig"); we
    /// support none.
    MandatoryExtension(u16),
    /// Two extensions of one type (§4.2: "there MUST NOT be more than one
    /// extension of the same type").
    DuplicateExtension(u16),
    /// §6.1.7: "Clients SHOULD ignore any ECHConfig structure with a
    /// public_name that is not a valid host name in preferred name
    /// syntax", or whose last label reads as an IPv4 address.
    InvalidPublicName,
    /// The KEM, or every (KDF, AEAD) pair, is one the provider cannot run
    /// (§4: "Clients MUST ignore any ECHConfig structure with a key using
    /// a KEM they do not support"; §6.1).
    UnsupportedAlgorithms,
    /// The public key cannot be one of its KEM's (`Npk` bytes, RFC 9180
    /// Table 2; an uncompressed point for P-256): sealing to it would
    /// fail, so the config is passed over like one with an unknown KEM
    /// rather than chosen and then failed.
    InvalidPublicKey,
}

impl EchConfigContents {
    /// Why a client must (or should) not use this config, leaving the
    /// algorithms aside; `None` when nothing but them stands in the way.
    pub fn unusable(&self) -> Option<Unusable> {
        if !is_valid_public_name(&self.public_name) {
            return Some(Unusable::InvalidPublicName);
        }
        // §4.2: at most one of each type. Linear: a set, not a pairwise scan.
        let mut seen = SeenSet::<u16, 8>::new();
        for ext in &self.extensions {
            if !seen.insert(ext.typ) {
                return Some(Unusable::DuplicateExtension(ext.typ));
            }
        }
        // We support no ECH config extension, so any mandatory one is
        // unsupported. (The order of the checks only picks the reason
        // reported; any of them skips the config.)
        self.extensions
            .iter()
            .find(|e| e.is_mandatory())
            .map(|e| Unusable::MandatoryExtension(e.typ))
    }

    /// The first of the config's (KDF, AEAD) pairs that `provider` can
    /// seal with under the config's KEM (§6.1: the client "MUST NOT
    /// choose a cipher suite ... not advertised by the configuration").
    /// Export-only (0xffff) cannot encrypt a ClientHello and is passed over.
    pub fn select_suite(&self, provider: &CryptoProvider) -> Option<Suite> {
        self.key_config
            .cipher_suites
            .iter()
            .filter(|cs| cs.aead_id != HpkeAeadId::EXPORT_ONLY)
            .map(|cs| Suite::new(self.key_config.kem_id, cs.kdf_id, cs.aead_id))
            .find(|s| s.is_supported(provider))
    }
}

/// `ECHConfig` (§4): a version and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EchConfig {
    /// Version 0xfe0d ([`ECH_VERSION`]), parsed.
    Rfc9849(EchConfigContents),
    /// Any other version, kept opaque: §4's `length` exists so that a
    /// client can skip it.
    Unknown {
        /// The version.
        version: u16,
        /// The contents, unparsed.
        contents: Vec<u8>,
    },
}

impl EchConfig {
    /// The version.
    pub fn version(&self) -> u16 {
        match self {
            Self::Rfc9849(_) => ECH_VERSION,
            Self::Unknown { version, .. } => *version,
        }
    }

    /// The contents, for the version we implement.
    pub fn contents(&self) -> Option<&EchConfigContents> {
        match self {
            Self::Rfc9849(c) => Some(c),
            Self::Unknown { .. } => None,
        }
    }

    /// `"tls ech" || 0x00 || ECHConfig`: the `info` of the HPKE setup
    /// on both sides (§6.1, §7.1).
    pub fn hpke_info(&self) -> Vec<u8> {
        let mut info = Vec::from(&b"tls ech\x00"[..]);
        self.encode(&mut info);
        info
    }

    /// Whether a client may use this config with `provider`, and the
    /// suite it would seal with: the first supported pair (§6.1).
    pub fn usable_suite(&self, provider: &CryptoProvider) -> Result<Suite, Unusable> {
        let contents = match self {
            Self::Rfc9849(c) => c,
            Self::Unknown { version, .. } => return Err(Unusable::UnknownVersion(*version)),
        };
        if let Some(why) = contents.unusable() {
            return Err(why);
        }
        let suite = contents
            .select_suite(provider)
            .ok_or(Unusable::UnsupportedAlgorithms)?;
        if !public_key_fits(&contents.key_config) {
            return Err(Unusable::InvalidPublicKey);
        }
        Ok(suite)
    }
}

impl Codec<'_> for EchConfig {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version().encode(out);
        match self {
            Self::Rfc9849(c) => with_prefix(out, LengthPrefix::U16, |out| c.encode(out)),
            Self::Unknown { contents, .. } => put_vec(out, LengthPrefix::U16, contents),
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let version = r.u16("ECHConfig version")?;
        let mut body = r.sub(LengthPrefix::U16, "ECHConfig contents")?;
        if version != ECH_VERSION {
            return Ok(Self::Unknown {
                version,
                contents: body.rest().to_vec(),
            });
        }
        // The contents must fill `length` exactly: a known version with
        // bytes we cannot place is malformed, not an extension point
        // (those are `extensions`, §4.2).
        let contents = EchConfigContents::read(&mut body)?;
        body.expect_empty("ECHConfigContents")?;
        Ok(Self::Rfc9849(contents))
    }
}

/// `ECHConfigList` (§4): `ECHConfig ECHConfigList<4..2^16-1>`, in the
/// server's order of preference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchConfigList {
    /// At least one config.
    pub configs: Vec<EchConfig>,
}

impl Codec<'_> for EchConfigList {
    fn encode(&self, out: &mut Vec<u8>) {
        put_list(out, LengthPrefix::U16, &self.configs);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // <4..2^16-1>: non-empty, and any one config is at least 4 bytes
        // (version and length), so "non-empty" is the whole floor.
        Ok(Self {
            configs: r.nonempty_list(LengthPrefix::U16, "ECHConfigList")?,
        })
    }
}

/// A client's choice (§6.1): the config and the suite to seal with.
#[derive(Clone, Copy, Debug)]
pub struct SelectedConfig<'a> {
    /// The config (its encoding is HPKE's `info`, [`EchConfig::hpke_info`]).
    pub config: &'a EchConfig,
    /// Its contents.
    pub contents: &'a EchConfigContents,
    /// The suite: the config's KEM and its first pair the provider runs.
    pub suite: Suite,
}

impl EchConfigList {
    /// Parses a whole `ECHConfigList` (nothing may follow it).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EchError> {
        Ok(Self::read_exact(bytes, "ECHConfigList")?)
    }

    /// Parses the base64 form a DNS HTTPS record's `ech` SvcParam takes
    /// in presentation format (RFC 4648 §4, padded; whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, EchError> {
        let bytes = crate::crypto::pem::decode_base64(text).ok_or(EchError::Decode(
            InvalidMessage::InvalidValue("ECHConfigList base64"),
        ))?;
        Self::from_bytes(&bytes)
    }

    /// The base64 form of the encoding (see [`Self::from_base64`]).
    pub fn to_base64(&self) -> String {
        crate::crypto::pem::encode_base64(&self.to_bytes())
    }

    /// §6.1: the first config, in the server's order, that the client
    /// can use with `provider` — a version it supports, no mandatory or
    /// repeated extension, a valid public_name, its KEM and at least one
    /// of its (KDF, AEAD) pairs — with that pair. `None`: offer GREASE
    /// ECH instead (§6.2).
    pub fn select(&self, provider: &CryptoProvider) -> Option<SelectedConfig<'_>> {
        self.configs.iter().find_map(|config| {
            let suite = config.usable_suite(provider).ok()?;
            Some(SelectedConfig {
                config,
                contents: config.contents()?,
                suite,
            })
        })
    }
}

/// Whether the config's public key has its KEM's encoding (RFC 9180
/// §7.1.1, Table 2): 32 bytes for X25519, a 65-byte uncompressed point
/// for P-256. Only the KEMs `select_suite` can choose are named; the point
/// itself is checked when sealing (SetupBaseS deserializes it).
fn public_key_fits(key: &HpkeKeyConfig) -> bool {
    let pk = &key.public_key;
    match key.kem_id {
        HpkeKemId::DHKEM_X25519_HKDF_SHA256 => pk.len() == 32,
        HpkeKemId::DHKEM_P256_HKDF_SHA256 => pk.len() == 65 && pk.first() == Some(&0x04),
        _ => false,
    }
}

/// Whether `name` may be an ECHConfig's public_name: RFC 9849 §4
/// (`public_name<1..255>`) and §6.1.7, "a valid host name in preferred
/// name syntax", "a dot-separated sequence of LDH labels" (RFC 5890
/// §2.3.1: ASCII letters, digits and hyphens, no hyphen first or last)
/// that "does not begin or end with an ASCII dot" and whose labels "are
/// at most 63 octets"; and not one whose final label "consists of all
/// ASCII digits ... or is "0x" or "0X" followed by some, possibly empty,
/// sequence of ASCII hexadecimal digits", which could be read as an IPv4
/// literal.
///
/// At most 253 bytes, although the field holds 255: preferred name
/// syntax is RFC 1034's, whose names are at most 255 octets in wire form
/// (§3.1), 253 characters without the trailing dot. A longer name is no
/// host name, and could not go into ClientHelloOuter's server_name
/// (RFC 9849 §6.1; this crate's server_name checks refuse it), so a
/// config carrying one is skipped rather than selected and then failed.
///
/// Stricter than a server_name check
/// ([`is_valid_host_name`](crate::msgs::extensions::is_valid_host_name)):
/// no underscores, which are not LDH.
pub fn is_valid_public_name(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let ldh_label = |label: &[u8]| {
        (1..=63).contains(&label.len())
            && label
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
    };
    // An empty label anywhere (including first or last: a leading or
    // trailing dot, or "..") fails `ldh_label`.
    if !name.split(|b| *b == b'.').all(ldh_label) {
        return false;
    }
    let last = name.rsplit(|b| *b == b'.').next().unwrap_or_default();
    let ipv4_like = last.iter().all(u8::is_ascii_digit)
        || match last {
            [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
            _ => false,
        };
    !ipv4_like
}
