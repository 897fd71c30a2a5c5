//! Helpers shared by integration tests (`mod common;`): a scripted random
//! source, the RFC 8448 vector loader, the RFC 8448 server RSA key, and
//! RSA-PSS salt recovery for replaying recorded CertificateVerify
//! signatures.
#![allow(dead_code)]

use std::sync::Mutex;

use sha2::Digest;
use tls13::crypto::SecureRandom;
use tls13::error::Error;
use tls13::unstable::msgs::enums::SignatureScheme;

/// A [`SecureRandom`] that hands out the given bytes in order and fails
/// with [`Error::RandomFailed`] once they run out (a draw that needs more
/// than what is left fails and consumes nothing), so a test notices any
/// draw it did not script.
pub struct ScriptedRandom {
    bytes: Mutex<(Vec<u8>, usize)>,
}

impl ScriptedRandom {
    /// The bytes to hand out, in order.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: Mutex::new((bytes.into(), 0)),
        }
    }

    /// The concatenation of hex strings.
    pub fn from_hex(parts: &[&str]) -> Self {
        Self::new(
            parts
                .iter()
                .flat_map(|p| hex::decode(p).unwrap())
                .collect::<Vec<u8>>(),
        )
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        let g = self.bytes.lock().unwrap();
        g.0.len() - g.1
    }
}

impl SecureRandom for ScriptedRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut g = self.bytes.lock().unwrap();
        let (bytes, pos) = &mut *g;
        let end = pos.checked_add(dest.len()).ok_or(Error::RandomFailed)?;
        let src = bytes.get(*pos..end).ok_or(Error::RandomFailed)?;
        dest.copy_from_slice(src);
        *pos = end;
        Ok(())
    }
}

/// The `hex` of the RFC 8448 entry (section, actor, step, label), e.g.
/// `("Simple 1-RTT Handshake", "{server}", "construct a ServerHello handshake message", "ServerHello")`.
/// Panics if there is not exactly one such entry.
pub fn rfc8448_hex(section: &str, actor: &str, step: &str, label: &str) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/rfc8448/rfc8448-vectors.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let found: Vec<&str> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["section"] == section
                && e["actor"] == actor
                && e["step"] == step
                && e["label"] == label
        })
        .filter_map(|e| e["hex"].as_str())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "RFC 8448 entry {section:?}/{actor:?}/{step:?}/{label:?}"
    );
    found[0].to_string()
}

/// As [`rfc8448_hex`], decoded.
pub fn rfc8448_bytes(section: &str, actor: &str, step: &str, label: &str) -> Vec<u8> {
    hex::decode(rfc8448_hex(section, actor, step, label)).unwrap()
}

/// The RFC 8448 §2 server RSA key (1024-bit) as PKCS#1 `RSAPrivateKey`
/// DER, built from the RFC's text in `vectors/rfc8448/server-rsa-key.txt`.
pub fn rfc8448_server_rsa_pkcs1_der() -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/rfc8448/server-rsa-key.txt"
    ))
    .unwrap();
    let field = |name: &str| -> Vec<u8> {
        // The value starts after "name:" and continues on indented lines
        // of hex octets until a blank line.
        let start = text
            .find(&format!("   {name}:"))
            .unwrap_or_else(|| panic!("{name}"))
            + name.len()
            + 4;
        let rest = &text[start..];
        let end = rest.find("\n\n").unwrap_or(rest.len());
        hex::decode(rest[..end].split_whitespace().collect::<String>()).unwrap()
    };
    let fields = [
        vec![0u8], // version two-prime
        field("modulus (public)"),
        field("public exponent"),
        field("private exponent"),
        field("prime1"),
        field("prime2"),
        field("exponent1"),
        field("exponent2"),
        field("coefficient"),
    ];
    assert_eq!(fields[1].len(), 128, "1024-bit modulus");
    let mut body = Vec::new();
    for f in &fields {
        body.extend(der_tlv(0x02, &der_positive_integer(f)));
    }
    der_tlv(0x30, &body)
}

fn der_positive_integer(be: &[u8]) -> Vec<u8> {
    let first = be
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(be.len().saturating_sub(1));
    let mut v = be[first..].to_vec();
    if v.is_empty() {
        v.push(0);
    }
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    v
}

fn der_tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(value);
    out
}

fn hash_for(scheme: SignatureScheme) -> fn(&[u8]) -> Vec<u8> {
    match scheme {
        SignatureScheme::RSA_PSS_RSAE_SHA256 => |m| sha2::Sha256::digest(m).to_vec(),
        SignatureScheme::RSA_PSS_RSAE_SHA384 => |m| sha2::Sha384::digest(m).to_vec(),
        SignatureScheme::RSA_PSS_RSAE_SHA512 => |m| sha2::Sha512::digest(m).to_vec(),
        other => panic!("not an RSA-PSS scheme: {other:?}"),
    }
}

/// MGF1 (RFC 8017 §B.2.1).
fn mgf1(hash: fn(&[u8]) -> Vec<u8>, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u32;
    while out.len() < len {
        let mut input = seed.to_vec();
        input.extend_from_slice(&counter.to_be_bytes());
        out.extend(hash(&input));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// Recovers the salt of a recorded RSA-PSS signature: the RSA public
/// operation (RFC 8017 §8.1.2 step 2, RSAVP1) and the EMSA-PSS
/// verification steps of §9.1.2 up to the salt, with the salt length =
/// hash length that TLS 1.3 requires. Panics (failing the test) if the
/// signature is not a valid PSS signature of `message` under `spki`,
/// checking H = Hash(0x00*8 || mHash || salt) too.
pub fn recover_pss_salt(
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Vec<u8> {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;

    let hash = hash_for(scheme);
    let key = rsa::PublicKey::from_public_key_der(spki).unwrap();
    let k = key.size();
    assert_eq!(signature.len(), k, "signature length");
    let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision()).unwrap();
    let m = rsa::hazmat::rsa_encrypt(&key, &s).unwrap();
    let mod_bits = key.n().bit_width() as usize;
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    let m_bytes = m.to_be_bytes();
    let (high, em) = m_bytes.split_at(m_bytes.len() - em_len);
    assert!(high.iter().all(|b| *b == 0), "EM longer than emLen");

    // §9.1.2 steps 2-10.
    let m_hash = hash(message);
    let h_len = m_hash.len();
    assert!(em_len >= 2 * h_len + 2);
    assert_eq!(em[em_len - 1], 0xbc, "trailer field");
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let h = &rest[..h_len];
    let zero_bits = 8 * em_len - em_bits;
    if zero_bits > 0 {
        assert_eq!(
            masked_db[0] >> (8 - zero_bits),
            0,
            "leftmost bits of maskedDB"
        );
    }
    let mut db: Vec<u8> = masked_db
        .iter()
        .zip(mgf1(hash, h, masked_db.len()))
        .map(|(a, b)| a ^ b)
        .collect();
    db[0] &= 0xffu8.checked_shr(zero_bits as u32).unwrap_or(0);
    let ps_len = em_len - 2 * h_len - 2;
    assert!(db[..ps_len].iter().all(|b| *b == 0), "PS must be zero");
    assert_eq!(db[ps_len], 0x01, "separator");
    let salt = db[ps_len + 1..].to_vec();
    assert_eq!(salt.len(), h_len);
    // Steps 12-14.
    let mut m_prime = vec![0u8; 8];
    m_prime.extend_from_slice(&m_hash);
    m_prime.extend_from_slice(&salt);
    assert_eq!(hash(&m_prime), h, "H != Hash(M')");
    salt
}

// The providers every suite runs against (shared with the tests that do
// not use this module).
#[path = "../providers/mod.rs"]
mod providers_list;
#[allow(unused_imports)]
pub use providers_list::providers;
