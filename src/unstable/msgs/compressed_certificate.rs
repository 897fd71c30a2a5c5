//! Certificate compression on the wire (RFC 8879): the body of the
//! `compress_certificate` extension and the CompressedCertificate
//! message. The algorithms themselves are in [`crate::compress`].

use alloc::vec::Vec;

use super::borrowed::CodeList;
use super::enums::{CertificateCompressionAlgorithm, HandshakeType};
use super::extensions::with_prefix;
use crate::codec::{Codec, LengthPrefix, Reader, put_list, put_vec};
use crate::error::InvalidMessage;

/// Reads the body of a `compress_certificate` extension (RFC 8879 §3):
/// `CertificateCompressionAlgorithm algorithms<2..2^8-2>`, so one to 127
/// algorithms; an empty list, an odd length or trailing bytes is a
/// `decode_error`.
pub fn read_algorithms(
    body: &[u8],
) -> Result<CodeList<'_, CertificateCompressionAlgorithm>, InvalidMessage> {
    let mut r = Reader::new(body);
    // The u8 length bounds the list at 127 entries whatever the limit.
    let list = CodeList::read(&mut r, LengthPrefix::U8, "compress_certificate", usize::MAX)?;
    r.expect_empty("compress_certificate")?;
    Ok(list)
}

/// The body of a `compress_certificate` extension offering `algorithms`
/// (one to 127 of them).
pub fn encode_algorithms(out: &mut Vec<u8>, algorithms: &[CertificateCompressionAlgorithm]) {
    put_list(out, LengthPrefix::U8, algorithms);
}

/// A `CompressedCertificate` (RFC 8879 §4), read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompressedCertificate<'a> {
    /// The algorithm, which must be one the receiver offered.
    pub algorithm: CertificateCompressionAlgorithm,
    /// The length of the Certificate message's body once decompressed
    /// (a uint24).
    pub uncompressed_length: u32,
    /// `compressed_certificate_message<1..2^24-1>`.
    pub compressed: &'a [u8],
}

impl<'a> CompressedCertificate<'a> {
    /// Reads a whole CompressedCertificate handshake message (type, u24
    /// length, body): anything else, a short or long body, or empty
    /// compressed data is a `decode_error`.
    pub fn read_message(raw: &'a [u8]) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(raw);
        if HandshakeType::read(&mut r)? != HandshakeType::COMPRESSED_CERTIFICATE {
            return Err(InvalidMessage::InvalidValue("CompressedCertificate type"));
        }
        let mut body = r.sub(LengthPrefix::U24, "handshake message")?;
        let msg = Self::read_body(&mut body)?;
        body.expect_empty("CompressedCertificate")?;
        r.expect_empty("handshake message")?;
        Ok(msg)
    }

    /// Reads the body (after the message header).
    pub fn read_body(r: &mut Reader<'a>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            algorithm: CertificateCompressionAlgorithm::read(r)?,
            uncompressed_length: r.u24("uncompressed_length")?,
            compressed: r
                .nonempty_vec_bytes(LengthPrefix::U24, "compressed_certificate_message")?,
        })
    }

    /// Appends the whole handshake message (type and length included).
    pub fn encode_message(&self, out: &mut Vec<u8>) {
        HandshakeType::COMPRESSED_CERTIFICATE.encode(out);
        with_prefix(out, LengthPrefix::U24, |out| {
            self.algorithm.encode(out);
            let [_, a, b, c] = self.uncompressed_length.to_be_bytes();
            out.extend_from_slice(&[a, b, c]);
            put_vec(out, LengthPrefix::U24, self.compressed);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    type A = CertificateCompressionAlgorithm;

    #[test]
    fn algorithms_round_trip_and_refuse_bad_lists() {
        let mut body = Vec::new();
        encode_algorithms(&mut body, &[A::BROTLI, A::ZLIB]);
        assert_eq!(body, [4, 0, 2, 0, 1]);
        let list = read_algorithms(&body).unwrap();
        assert_eq!(list.to_vec(), [A::BROTLI, A::ZLIB]);
        // <2..2^8-2>: empty, odd, truncated, trailing.
        for bad in [
            &[0u8][..],
            &[1, 0],
            &[3, 0, 1, 0],
            &[4, 0, 1],
            &[2, 0, 1, 9],
            &[],
        ] {
            assert!(read_algorithms(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn message_round_trips_and_refuses_empty_data() {
        let m = CompressedCertificate {
            algorithm: A::ZSTD,
            uncompressed_length: 0x01_0203,
            compressed: &[9, 8, 7],
        };
        let mut raw = Vec::new();
        m.encode_message(&mut raw);
        assert_eq!(raw, [25, 0, 0, 11, 0, 3, 1, 2, 3, 0, 0, 3, 9, 8, 7]);
        assert_eq!(CompressedCertificate::read_message(&raw).unwrap(), m);
        // compressed_certificate_message<1..2^24-1>.
        let empty = vec![25, 0, 0, 8, 0, 1, 0, 0, 5, 0, 0, 0];
        assert!(CompressedCertificate::read_message(&empty).is_err());
        // Trailing bytes inside the body, and a Certificate's type.
        let mut long = raw.clone();
        long[3] += 1;
        long.push(0);
        assert!(CompressedCertificate::read_message(&long).is_err());
        let mut other = raw.clone();
        other[0] = 11;
        assert!(CompressedCertificate::read_message(&other).is_err());
    }
}
