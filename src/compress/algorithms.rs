//! The three algorithms of RFC 8879 §3, each behind its feature. Every
//! decompressor writes into a slice of exactly the declared length: it
//! cannot produce more than that (a decompression bomb stops at the
//! slice's end and is refused), and must produce exactly that and end
//! where the input ends.

#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
use alloc::vec::Vec;

use crate::error::{Error, PeerMisbehaved};

#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
fn bad(what: &'static str) -> Error {
    PeerMisbehaved::BadCompressedCertificate(what).into()
}

/// Why the output did not come out at exactly the declared length.
#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
const LONGER: &str = "the data decompresses to more than uncompressed_length";
#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
const SHORTER: &str = "the data decompresses to less than uncompressed_length";
#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
const TRAILING: &str = "bytes after the end of the compressed stream";

#[cfg(feature = "compress-zlib")]
pub(super) mod zlib {
    use super::*;
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

    /// miniz's best ratio below its slow "uber" level; the result is cached.
    const LEVEL: u8 = 9;

    pub(in crate::compress) fn compress(data: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(miniz_oxide::deflate::compress_to_vec_zlib(data, LEVEL))
    }

    pub(in crate::compress) fn decompress_into(data: &[u8], out: &mut [u8]) -> Result<(), Error> {
        // The whole input at once (no HAS_MORE_INPUT), a zlib header and
        // Adler-32 trailer (RFC 1950), into `out` and nowhere else.
        let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
            | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
            | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        let mut state = alloc::boxed::Box::<DecompressorOxide>::default();
        let (status, read, written) = decompress(&mut state, data, out, 0, flags);
        match status {
            TINFLStatus::Done if written != out.len() => Err(bad(SHORTER)),
            TINFLStatus::Done if read != data.len() => Err(bad(TRAILING)),
            TINFLStatus::Done => Ok(()),
            TINFLStatus::HasMoreOutput => Err(bad(LONGER)),
            TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                Err(bad("the zlib stream is truncated"))
            }
            TINFLStatus::Adler32Mismatch => Err(bad("the zlib stream's Adler-32 does not match")),
            _ => Err(bad("not a valid zlib stream")),
        }
    }
}

#[cfg(feature = "compress-brotli")]
pub(super) mod brotli {
    use super::*;
    use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};

    /// Brotli's best; the result is cached.
    const QUALITY: i32 = 11;

    pub(in crate::compress) fn compress(data: &[u8]) -> Result<Vec<u8>, Error> {
        // The smallest window that holds the whole input (RFC 7932 §9.1:
        // 10..=24 bits), so the peer's decoder needs no more.
        let bits = usize::BITS.saturating_sub(data.len().leading_zeros());
        let params = ::brotli::enc::BrotliEncoderParams {
            quality: QUALITY,
            lgwin: i32::try_from(bits.clamp(10, 24)).unwrap_or(24),
            size_hint: data.len(),
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut input = data;
        ::brotli::enc::BrotliCompress(&mut input, &mut out, &params)
            .map_err(|_| Error::Internal("brotli compression failed"))?;
        Ok(out)
    }

    pub(in crate::compress) fn decompress_into(data: &[u8], out: &mut [u8]) -> Result<(), Error> {
        let mut state = BrotliState::new(
            StandardAlloc::default(),
            StandardAlloc::default(),
            StandardAlloc::default(),
        );
        // RFC 7932 windows only (at most 16 MiB, which the decoder sizes
        // down to the stream); the "large window" variant reaches 1 GiB.
        state.large_window = false;
        let (mut avail_in, mut in_at) = (data.len(), 0usize);
        let (mut avail_out, mut out_at, mut total) = (out.len(), 0usize, 0usize);
        let result = BrotliDecompressStream(
            &mut avail_in,
            &mut in_at,
            data,
            &mut avail_out,
            &mut out_at,
            out,
            &mut total,
            &mut state,
        );
        match result {
            BrotliResult::ResultSuccess if out_at != out.len() => Err(bad(SHORTER)),
            BrotliResult::ResultSuccess if avail_in != 0 => Err(bad(TRAILING)),
            BrotliResult::ResultSuccess => Ok(()),
            BrotliResult::NeedsMoreOutput => Err(bad(LONGER)),
            BrotliResult::NeedsMoreInput => Err(bad("the brotli stream is truncated")),
            BrotliResult::ResultFailure => Err(bad("not a valid brotli stream")),
        }
    }
}

#[cfg(feature = "compress-zstd")]
pub(super) mod zstd {
    use super::*;
    use ruzstd::decoding::StreamingDecoder;
    use ruzstd::encoding::{CompressionLevel, compress_to_vec};
    use ruzstd::io::Read;

    /// The largest frame window accepted (RFC 8878 §3.1.1.1.2). A window
    /// larger than the content is never needed, but compressors declare
    /// one anyway (ruzstd's own 128 KiB, libzstd's streaming levels up to
    /// 8 MiB); the decoder reserves it without writing it, and what it
    /// writes is bounded by our output slice plus one block (128 KiB).
    const MAX_WINDOW: u64 = 8 << 20;

    pub(in crate::compress) fn compress(data: &[u8]) -> Result<Vec<u8>, Error> {
        // ruzstd implements no other level yet.
        Ok(compress_to_vec(data, CompressionLevel::Fastest))
    }

    pub(in crate::compress) fn decompress_into(data: &[u8], out: &mut [u8]) -> Result<(), Error> {
        let mut input = data;
        let mut decoder = StreamingDecoder::new_with_max_window_size(&mut input, MAX_WINDOW)
            .map_err(|_| bad("not a valid zstd frame header"))?;
        let mut filled = 0usize;
        while let Some(rest) = out.get_mut(filled..).filter(|r| !r.is_empty()) {
            let n = decoder
                .read(rest)
                .map_err(|_| bad("not a valid zstd frame"))?;
            if n == 0 {
                return Err(bad(SHORTER));
            }
            filled = filled.saturating_add(n);
        }
        // Full: the frame must end here, producing nothing more.
        let mut one = [0u8; 1];
        if decoder
            .read(&mut one)
            .map_err(|_| bad("not a valid zstd frame"))?
            != 0
        {
            return Err(bad(LONGER));
        }
        if !decoder.decoder.is_finished() {
            return Err(bad("the zstd frame is truncated"));
        }
        drop(decoder);
        // One frame, nothing after it (no second or skippable frame).
        if !input.is_empty() {
            return Err(bad(TRAILING));
        }
        Ok(())
    }
}

/// What an algorithm this build does not have answers (never reached
/// through a configuration, which refuses such an algorithm).
pub(super) fn not_built() -> Error {
    PeerMisbehaved::SelectedUnofferedParameter("certificate compression algorithm").into()
}
