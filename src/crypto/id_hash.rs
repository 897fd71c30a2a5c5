//! Hashes that only name things, for OCSP (RFC 6960): a CertID names the
//! certificate by hashes of its issuer's name and key (§4.1.1), a
//! responder may be named by the SHA-1 hash of its key (§4.2.1). No
//! signature depends on these, so SHA-1 is acceptable here (a response
//! is still signed with an algorithm `x509::sig` accepts, and matching a
//! CertID for another issuer would need a second preimage). They come
//! from the RustCrypto crates whatever the provider: a provider's seam
//! covers what protects traffic, and SHA-1 is in none of them.

use alloc::vec::Vec;

use sha2::Digest;

/// A hash algorithm a CertID may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl IdHash {
    /// The digest of `data`.
    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IdHash;

    /// FIPS 180-4's "abc" examples.
    #[test]
    fn known_answers() {
        let hex = |d: alloc::vec::Vec<u8>| {
            d.iter()
                .map(|b| alloc::format!("{b:02x}"))
                .collect::<alloc::string::String>()
        };
        assert_eq!(
            hex(IdHash::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(IdHash::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        for (h, len) in [
            (IdHash::Sha1, 20),
            (IdHash::Sha256, 32),
            (IdHash::Sha384, 48),
            (IdHash::Sha512, 64),
        ] {
            assert_eq!(h.digest(b"").len(), len);
        }
    }
}
