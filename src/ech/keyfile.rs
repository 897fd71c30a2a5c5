//! The ECH key file: what an operator generates once and a client-facing
//! server loads (RFC 9849 §4 keys, §8.1 publication). Two PEM blocks
//! (RFC 7468), in this order:
//!
//! ```text
//! -----BEGIN PRIVATE KEY-----
//! (the HPKE KEM private key: PKCS#8 (RFC 5958), an X25519 key as
//!  RFC 8410 §7 writes it, a P-256 key as an RFC 5915 ECPrivateKey)
//! -----END PRIVATE KEY-----
//! -----BEGIN ECHCONFIG-----
//! (an ECHConfigList holding exactly the one ECHConfig of that key: the
//!  bytes whose base64 goes into the DNS HTTPS record's `ech` SvcParam)
//! -----END ECHCONFIG-----
//! ```
//!
//! One file holds one key. A server rotating keys loads several files
//! ([`ServerConfigBuilder::ech_keys`](crate::config::ServerConfigBuilder::ech_keys)
//! takes them in order of preference; the config list it publishes is
//! [`ServerConfig::ech_config_list`](crate::config::ServerConfig::ech_config_list)).
//!
//! The layout resembles the key files of OpenSSL's ECH work; whether
//! either program reads the other's files has not been checked (the
//! OpenSSL at hand has no ECH).
//!
//! Loading refuses, with a [`KeyFileError`] naming why: other blocks,
//! a missing or repeated block, a key that is not X25519 or P-256, a list
//! of more or fewer than one config, a config no client could use, and a
//! key that does not match its config. The private key's bytes, decoded
//! or encoded, live only in buffers wiped on drop; the text handed to
//! [`EchKeyPair::from_pem`] is the caller's to wipe.
//!
//! ```
//! use tls13::crypto::{OsRandom, default_provider};
//! use tls13::ech::{EchConfigBuilder, EchKeyPair};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = EchConfigBuilder::new("public.example.com").generate(default_provider(), &OsRandom)?;
//! let file = key.to_pem(); // write it with permissions for the server alone
//! let loaded = EchKeyPair::from_pem(&file)?;
//! assert_eq!(loaded.config(), key.config());
//! # Ok(())
//! # }
//! ```

use alloc::string::String;
use core::fmt;

use zeroize::Zeroizing;

use super::config::{EchConfigList, Unusable};
use super::{EchError, EchKeyPair};
use crate::crypto::CryptoProvider;
use crate::crypto::pem::{decode_base64, encode_base64};
use crate::hpke::{HpkeError, PrivateKey};
use crate::msgs::enums::HpkeKemId;
use crate::x509::der::{self, Der};

/// The label of the block holding the KEM private key (PKCS#8).
pub const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";
/// The label of the block holding the ECHConfigList.
pub const ECHCONFIG_LABEL: &str = "ECHCONFIG";

/// Why a key file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The PEM framing (RFC 7468): a BEGIN line without its END line, an
    /// END line of another label, or a body that is not padded base64.
    Pem(&'static str),
    /// A block other than `PRIVATE KEY` and `ECHCONFIG` (its label).
    UnexpectedBlock(String),
    /// No block of this label.
    MissingBlock(&'static str),
    /// A second block of this label: one file holds one key.
    DuplicateBlock(&'static str),
    /// The `PRIVATE KEY` block is not a PKCS#8 X25519 or P-256 key (what
    /// is wrong with it).
    PrivateKey(&'static str),
    /// The `ECHCONFIG` block is not an ECHConfigList (RFC 9849 §4).
    Config(EchError),
    /// The ECHConfigList holds this many configs instead of one.
    ConfigCount(usize),
    /// The config is one clients would skip (RFC 9849 §4, §4.2, §6.1.7),
    /// or none of its suites runs with the provider: publishing it would
    /// help no one.
    UnusableConfig(Unusable),
    /// The key belongs to another KEM than the config names.
    KemMismatch {
        /// The key's.
        key: HpkeKemId,
        /// The config's.
        config: HpkeKemId,
    },
    /// The key's public half is not the config's `public_key` (or not the
    /// public key stored beside it in the PKCS#8).
    KeyMismatch,
    /// HPKE refused the key: a P-256 scalar that is 0 or not below the
    /// group order, or a KEM the provider cannot run.
    Key(HpkeError),
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ECH key file: ")?;
        match self {
            Self::Pem(what) => write!(f, "PEM: {what}"),
            Self::UnexpectedBlock(label) => write!(
                f,
                "unexpected block {label:?} (only {PRIVATE_KEY_LABEL:?} and {ECHCONFIG_LABEL:?})"
            ),
            Self::MissingBlock(label) => write!(f, "no {label} block"),
            Self::DuplicateBlock(label) => {
                write!(f, "a second {label} block (one key per file)")
            }
            Self::PrivateKey(what) => write!(f, "private key: {what}"),
            Self::Config(e) => write!(f, "{ECHCONFIG_LABEL} block: {e}"),
            Self::ConfigCount(n) => write!(
                f,
                "the {ECHCONFIG_LABEL} block holds {n} configs; it must hold its key's one"
            ),
            Self::UnusableConfig(why) => {
                write!(f, "clients would not use this config: {why:?}")
            }
            Self::KemMismatch { key, config } => write!(
                f,
                "the private key is for KEM {key:?}, the config names {config:?}"
            ),
            Self::KeyMismatch => {
                f.write_str("the private key does not match the config's public_key")
            }
            Self::Key(e) => write!(f, "private key: {e}"),
        }
    }
}

impl core::error::Error for KeyFileError {}

impl From<KeyFileError> for crate::error::Error {
    /// A key file is the server's own configuration.
    fn from(e: KeyFileError) -> Self {
        Self::BadConfig(alloc::format!("{e}"))
    }
}

// DER contents of the object identifiers.
/// id-X25519, 1.3.101.110 (RFC 8410 §3).
const OID_X25519: &[u8] = &[0x2b, 0x65, 0x6e];
/// id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// secp256r1, 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1).
const OID_SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Both KEMs' private keys are 32 bytes (RFC 9180 Table 2, `Nsk`).
const NSK: usize = 32;
/// P-256's uncompressed point (`Npk`).
const P256_NPK: usize = 65;

impl EchKeyPair {
    /// The key file (see [the module](self)): the private key then the
    /// config. The text holds the private key; it is wiped on drop, and
    /// whoever writes it to disk should let no one but the server read it.
    pub fn to_pem(&self) -> Zeroizing<String> {
        let key = self.private_key();
        let secret = key.to_bytes();
        let der = match key.kem() {
            HpkeKemId::DHKEM_P256_HKDF_SHA256 => p256_pkcs8(&secret, key.public_key()),
            _ => x25519_pkcs8(&secret),
        };
        let key_b64 = Zeroizing::new(encode_base64(&der));
        let config_b64 = self.config_list().to_base64();
        let mut out = Zeroizing::new(String::with_capacity(
            block_len(PRIVATE_KEY_LABEL, key_b64.len())
                .saturating_add(block_len(ECHCONFIG_LABEL, config_b64.len())),
        ));
        // Within the capacity reserved above: the text never moves, so no
        // copy of the key is left behind in a freed buffer.
        push_block(&mut out, PRIVATE_KEY_LABEL, &key_b64);
        push_block(&mut out, ECHCONFIG_LABEL, &config_b64);
        out
    }

    /// Loads a key file (see [the module](self)) with the
    /// [default provider](crate::crypto::default_provider).
    pub fn from_pem(text: &str) -> Result<Self, KeyFileError> {
        Self::from_pem_with_provider(crate::crypto::default_provider(), text)
    }

    /// Loads a key file; `provider` does the key's Diffie-Hellmans and
    /// must run at least one of the config's suites.
    pub fn from_pem_with_provider(
        provider: &CryptoProvider,
        text: &str,
    ) -> Result<Self, KeyFileError> {
        let blocks = split_blocks(text)?;
        let key_der = blocks
            .private_key
            .ok_or(KeyFileError::MissingBlock(PRIVATE_KEY_LABEL))?;
        let list_bytes = blocks
            .ech_config
            .ok_or(KeyFileError::MissingBlock(ECHCONFIG_LABEL))?;

        let list = EchConfigList::from_bytes(&list_bytes).map_err(KeyFileError::Config)?;
        let config = match <[_; 1]>::try_from(list.configs) {
            Ok([config]) => config,
            Err(configs) => return Err(KeyFileError::ConfigCount(configs.len())),
        };
        // Version first (an unknown one is "unusable" too, but says so).
        config
            .usable_suite(provider)
            .map_err(KeyFileError::UnusableConfig)?;
        let contents =
            config
                .contents()
                .ok_or(KeyFileError::UnusableConfig(Unusable::UnknownVersion(
                    config.version(),
                )))?;

        let stored = read_pkcs8(&key_der)?;
        if stored.kem != contents.key_config.kem_id {
            return Err(KeyFileError::KemMismatch {
                key: stored.kem,
                config: contents.key_config.kem_id,
            });
        }
        let key = PrivateKey::from_bytes(provider, stored.kem, stored.secret)
            .map_err(KeyFileError::Key)?;
        if stored.public.is_some_and(|p| p != key.public_key()) {
            return Err(KeyFileError::PrivateKey(
                "the public key stored with it is not its own",
            ));
        }
        if key.public_key() != contents.key_config.public_key.as_slice() {
            return Err(KeyFileError::KeyMismatch);
        }
        EchKeyPair::from_parts(provider, config, stored.secret).map_err(|e| match e {
            EchError::Hpke(h) => KeyFileError::Key(h),
            // Every other refusal of from_parts was checked above.
            _ => KeyFileError::KeyMismatch,
        })
    }
}

/// The two blocks' decoded bodies.
struct Blocks {
    private_key: Option<Zeroizing<alloc::vec::Vec<u8>>>,
    ech_config: Option<Zeroizing<alloc::vec::Vec<u8>>>,
}

/// The blocks of `text`, in one pass; text outside blocks is ignored
/// (RFC 7468 §2: explanatory text). Each body is gathered in a buffer
/// sized up front (no reallocation leaves a copy behind) and wiped.
fn split_blocks(text: &str) -> Result<Blocks, KeyFileError> {
    let mut blocks = Blocks {
        private_key: None,
        ech_config: None,
    };
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = boundary(line, "BEGIN") else {
            continue;
        };
        let (slot, name) = match label {
            PRIVATE_KEY_LABEL => (&mut blocks.private_key, PRIVATE_KEY_LABEL),
            ECHCONFIG_LABEL => (&mut blocks.ech_config, ECHCONFIG_LABEL),
            other => return Err(KeyFileError::UnexpectedBlock(String::from(other))),
        };
        if slot.is_some() {
            return Err(KeyFileError::DuplicateBlock(name));
        }
        let mut body = Zeroizing::new(String::with_capacity(text.len()));
        let mut ended = false;
        for inner in lines.by_ref() {
            if let Some(end) = boundary(inner, "END") {
                if end != label {
                    return Err(KeyFileError::Pem("an END line of another label"));
                }
                ended = true;
                break;
            }
            if boundary(inner, "BEGIN").is_some() {
                return Err(KeyFileError::Pem("a BEGIN line inside a block"));
            }
            body.push_str(inner.trim());
        }
        if !ended {
            return Err(KeyFileError::Pem("a block without its END line"));
        }
        let bytes = decode_base64(&body).ok_or(KeyFileError::Pem("a body that is not base64"))?;
        *slot = Some(Zeroizing::new(bytes));
    }
    Ok(blocks)
}

/// The label of `-----{kind} LABEL-----`.
fn boundary<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    line.trim()
        .strip_prefix("-----")?
        .strip_prefix(kind)?
        .strip_prefix(' ')?
        .strip_suffix("-----")
}

/// The length of a block of `label` around `b64_len` characters.
fn block_len(label: &str, b64_len: usize) -> usize {
    // "-----BEGIN " + label + "-----\n", the lines of 64 and their
    // newlines, "-----END " + label + "-----\n".
    const FRAME: usize = 11 + 6 + 9 + 6;
    FRAME
        .saturating_add(label.len().saturating_mul(2))
        .saturating_add(b64_len)
        .saturating_add(b64_len.div_ceil(64))
}

fn push_block(out: &mut String, label: &str, b64: &str) {
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    let mut rest = b64;
    while !rest.is_empty() {
        // base64 is ASCII: any index is a character boundary.
        let (line, tail) = rest
            .split_at_checked(rest.len().min(64))
            .unwrap_or((rest, ""));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
}

/// `OneAsymmetricKey` v1 for X25519 (RFC 8410 §7): version 0, the
/// algorithm with no parameters, and the 32-byte key in an OCTET STRING
/// inside the privateKey OCTET STRING. The same 48 bytes OpenSSL writes.
fn x25519_pkcs8(secret: &[u8]) -> Zeroizing<alloc::vec::Vec<u8>> {
    let mut der = Zeroizing::new(alloc::vec::Vec::with_capacity(48));
    der.extend_from_slice(&[
        0x30, 0x2e, // SEQUENCE, 46
        0x02, 0x01, 0x00, // version v1
        0x30, 0x05, 0x06, 0x03, // AlgorithmIdentifier { OID
    ]);
    der.extend_from_slice(OID_X25519);
    der.extend_from_slice(&[0x04, 0x22, 0x04, 0x20]); // } privateKey { CurvePrivateKey
    der.extend_from_slice(secret);
    der
}

/// PKCS#8 v1 for P-256 (RFC 5958 with RFC 5915's ECPrivateKey, as RFC
/// 5915 §3 recommends: parameters in the algorithm, none in the
/// ECPrivateKey, the public key included).
fn p256_pkcs8(secret: &[u8], public: &[u8]) -> Zeroizing<alloc::vec::Vec<u8>> {
    let mut der = Zeroizing::new(alloc::vec::Vec::with_capacity(138));
    der.extend_from_slice(&[
        0x30, 0x81, 0x87, // SEQUENCE, 135
        0x02, 0x01, 0x00, // version v1
        0x30, 0x13, // AlgorithmIdentifier
        0x06, 0x07,
    ]);
    der.extend_from_slice(OID_EC_PUBLIC_KEY);
    der.extend_from_slice(&[0x06, 0x08]);
    der.extend_from_slice(OID_SECP256R1);
    der.extend_from_slice(&[
        0x04, 0x6d, // privateKey OCTET STRING, 109
        0x30, 0x6b, // ECPrivateKey, 107
        0x02, 0x01, 0x01, // version ecPrivkeyVer1
        0x04, 0x20, // privateKey, 32
    ]);
    der.extend_from_slice(secret);
    der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]); // [1] { BIT STRING, 0 unused
    der.extend_from_slice(public);
    der
}

/// What a PKCS#8 key file holds: the KEM, SerializePrivateKey's bytes,
/// and the public key stored beside them, if any.
struct StoredKey<'a> {
    kem: HpkeKemId,
    secret: &'a [u8],
    public: Option<&'a [u8]>,
}

/// Reads a PKCS#8 `OneAsymmetricKey` (RFC 5958 §2) of an X25519 (RFC
/// 8410) or P-256 (RFC 5915, RFC 5480) key, strictly (DER, nothing
/// trailing). Attributes are skipped; a v2 public key is kept for the
/// caller to check.
fn read_pkcs8(bytes: &[u8]) -> Result<StoredKey<'_>, KeyFileError> {
    const WHAT: &str = "not a PKCS#8 (RFC 5958) private key";
    let e = |_| KeyFileError::PrivateKey(WHAT);
    let body = der::single(bytes, der::SEQUENCE, WHAT).map_err(e)?;
    let mut d = Der::new(body, WHAT).map_err(e)?;
    let version = der::small_uint(d.expect(der::INTEGER).map_err(e)?.value, WHAT).map_err(e)?;
    if version > 1 {
        return Err(KeyFileError::PrivateKey(
            "a PKCS#8 version other than 0 or 1",
        ));
    }
    let alg = d.expect(der::SEQUENCE).map_err(e)?;
    let private = d.expect(der::OCTET_STRING).map_err(e)?.value;
    // attributes [0] IMPLICIT: nothing of ours; skipped.
    d.optional(der::ctx_cons(0)).map_err(e)?;
    // publicKey [1] IMPLICIT BIT STRING, v2 only (RFC 5958 §2).
    let outer_public = match d.optional(der::ctx_prim(1)).map_err(e)? {
        Some(_) if version == 0 => {
            return Err(KeyFileError::PrivateKey(
                "a public key in a version 0 PKCS#8",
            ));
        }
        Some(t) => Some(der::bit_string_octets(t.value, WHAT).map_err(e)?),
        None => None,
    };
    d.finish().map_err(e)?;

    let mut a = Der::new(alg.value, WHAT).map_err(e)?;
    let oid = a.expect(der::OID).map_err(e)?.value;
    if oid == OID_X25519 {
        // RFC 8410 §3: "the parameters MUST be absent".
        a.finish()
            .map_err(|_| KeyFileError::PrivateKey("X25519 with algorithm parameters"))?;
        let secret = der::single(private, der::OCTET_STRING, WHAT).map_err(e)?;
        if secret.len() != NSK {
            return Err(KeyFileError::PrivateKey(
                "an X25519 key that is not 32 bytes",
            ));
        }
        return Ok(StoredKey {
            kem: HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            secret,
            public: outer_public,
        });
    }
    if oid != OID_EC_PUBLIC_KEY {
        return Err(KeyFileError::PrivateKey(
            "neither an X25519 nor an elliptic-curve key",
        ));
    }
    let curve = a.expect(der::OID).map_err(e)?.value;
    a.finish().map_err(e)?;
    if curve != OID_SECP256R1 {
        return Err(KeyFileError::PrivateKey(
            "an elliptic-curve key on another curve than P-256",
        ));
    }
    // ECPrivateKey (RFC 5915 §3).
    let body = der::single(private, der::SEQUENCE, WHAT).map_err(e)?;
    let mut k = Der::new(body, WHAT).map_err(e)?;
    if der::small_uint(k.expect(der::INTEGER).map_err(e)?.value, WHAT).map_err(e)? != 1 {
        return Err(KeyFileError::PrivateKey(
            "an ECPrivateKey version other than 1",
        ));
    }
    let secret = k.expect(der::OCTET_STRING).map_err(e)?.value;
    // §3: the octet string is ceiling(log2(n)/8) = 32 bytes long.
    if secret.len() != NSK {
        return Err(KeyFileError::PrivateKey("a P-256 key that is not 32 bytes"));
    }
    if let Some(params) = k.optional(der::ctx_cons(0)).map_err(e)?
        && der::single(params.value, der::OID, WHAT).map_err(e)? != OID_SECP256R1
    {
        return Err(KeyFileError::PrivateKey(
            "ECPrivateKey parameters that name another curve",
        ));
    }
    let inner_public = match k.optional(der::ctx_cons(1)).map_err(e)? {
        Some(t) => {
            let bits = der::single(t.value, der::BIT_STRING, WHAT).map_err(e)?;
            let point = der::bit_string_octets(bits, WHAT).map_err(e)?;
            if point.len() != P256_NPK {
                return Err(KeyFileError::PrivateKey(
                    "a P-256 public key that is not an uncompressed point",
                ));
            }
            Some(point)
        }
        None => None,
    };
    k.finish().map_err(e)?;
    if let (Some(a), Some(b)) = (inner_public, outer_public)
        && a != b
    {
        return Err(KeyFileError::PrivateKey("two different public keys"));
    }
    Ok(StoredKey {
        kem: HpkeKemId::DHKEM_P256_HKDF_SHA256,
        secret,
        public: inner_public.or(outer_public),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{OsRandom, rustcrypto};
    use crate::ech::EchConfigBuilder;

    #[test]
    fn pkcs8_templates_have_the_lengths_they_claim() {
        let x = x25519_pkcs8(&[7; 32]);
        assert_eq!(x.len(), 48);
        let p = p256_pkcs8(&[7; 32], &[4; 65]);
        assert_eq!(p.len(), 138);
        let k = read_pkcs8(&x).unwrap();
        assert_eq!(k.kem, HpkeKemId::DHKEM_X25519_HKDF_SHA256);
        assert_eq!(k.secret, &[7; 32]);
        let k = read_pkcs8(&p).unwrap();
        assert_eq!(k.kem, HpkeKemId::DHKEM_P256_HKDF_SHA256);
        assert_eq!(k.public, Some(&[4u8; 65][..]));
    }

    #[test]
    fn block_length_is_exact() {
        let key = EchConfigBuilder::new("public.example")
            .generate(rustcrypto::provider(), &OsRandom)
            .unwrap();
        let pem = key.to_pem();
        let der = x25519_pkcs8(&key.private_key().to_bytes());
        let expected = block_len(PRIVATE_KEY_LABEL, encode_base64(&der).len())
            + block_len(ECHCONFIG_LABEL, key.config_list().to_base64().len());
        assert_eq!(pem.len(), expected);
    }
}
