//! The three algorithms of RFC 8879 §3, each behind its feature. Every
//! decompressor writes into a slice of exactly the declared length: it
//! cannot produce more than that (a decompression bomb stops at the
//! slice's end and is refused), and must produce exactly that and end
//! where the input ends.

use crate::error::{Error, PeerMisbehaved};

/// What every decompressor reports (only built with one of them).
#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
mod shared {
    pub(super) use alloc::vec::Vec;

    use super::{Error, PeerMisbehaved};

    pub(super) fn bad(what: &'static str) -> Error {
        PeerMisbehaved::BadCompressedCertificate(what).into()
    }

    /// Why the output did not come out at exactly the declared length.
    pub(super) const LONGER: &str = "the data decompresses to more than uncompressed_length";
    pub(super) const SHORTER: &str = "the data decompresses to less than uncompressed_length";
    pub(super) const TRAILING: &str = "bytes after the end of the compressed stream";
}
#[cfg(any(
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
use shared::*;

#[cfg(feature = "compress-zlib")]
pub(super) mod zlib {
    use super::*;
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

    /// miniz's best ratio below its slow "uber" level; the result is kept
    /// with the key.
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
    use brotli_decompressor::{
        Allocator, BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc,
    };

    /// Brotli's best; the result is kept with the key, so each chain
    /// pays it once. Quality 5 was measured at 0.6-0.7x of quality 11's
    /// time for a worse ratio (2200 against 2109 bytes on the Web PKI
    /// chain of BENCHMARKS.md): brotli's fixed setup dominates at these
    /// sizes.
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

    /// The decoder's byte buffers (its ring buffer above all), refused
    /// past `max` bytes. The stream, not our output buffer, sizes the
    /// ring buffer: up to its window (16 MiB) as soon as a meta-block
    /// header claims that much, and the decoder fills it before it hands
    /// anything over, so a stream of a few dozen bytes made us allocate
    /// and write 16 MiB before our output cap refused it. A stream whose
    /// output fits `out` never needs more than the power of two above
    /// `out.len()` (the ring buffer holds what was decoded so far plus the
    /// current meta-block, RFC 7932 §9.2 MLEN). A refused request gets an
    /// empty cell, which the decoder reports as an allocation failure
    /// (and stops, its state intact).
    struct Capped {
        max: usize,
        refused: bool,
    }

    impl Allocator<u8> for Capped {
        type AllocatedMemory = <StandardAlloc as Allocator<u8>>::AllocatedMemory;
        fn alloc_cell(&mut self, len: usize) -> Self::AllocatedMemory {
            let len = if len > self.max {
                self.refused = true;
                0
            } else {
                len
            };
            StandardAlloc::default().alloc_cell(len)
        }
        fn free_cell(&mut self, data: Self::AllocatedMemory) {
            StandardAlloc::default().free_cell(data);
        }
    }

    /// The most the decoder may allocate at once for an output of `len`
    /// bytes: the ring buffer (a power of two, 1 KiB at least) and its
    /// slack (under 600 bytes), or a literal context map (at most 256
    /// block types × 64 contexts, RFC 7932 §7.3), whichever is larger.
    fn byte_cap(len: usize) -> usize {
        let ring = len
            .max(1 << 10)
            .checked_next_power_of_two()
            .unwrap_or(usize::MAX);
        ring.max(1 << 14).saturating_add(1 << 12)
    }

    pub(in crate::compress) fn decompress_into(data: &[u8], out: &mut [u8]) -> Result<(), Error> {
        let mut state = BrotliState::new(
            Capped {
                max: byte_cap(out.len()),
                refused: false,
            },
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
            BrotliResult::ResultFailure if state.alloc_u8.refused => Err(bad(LONGER)),
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
    /// 8 MiB); the decoder is given a smaller one ([`lower_window`]), so
    /// what it allocates and writes is bounded by our output slice, rounded
    /// up, plus one block (128 KiB).
    const MAX_WINDOW: u64 = 8 << 20;

    pub(in crate::compress) fn compress(data: &[u8]) -> Result<Vec<u8>, Error> {
        // ruzstd implements no other level yet.
        Ok(compress_to_vec(data, CompressionLevel::Fastest))
    }

    /// The frame's magic number (RFC 8878 §3.1.1), little-endian.
    const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

    /// The smallest window we let a decoder keep for an output of `len`
    /// bytes: the power of two at or above it, and at least 128 KiB, the
    /// largest block (RFC 8878 §3.1.1.2.4: Block_Maximum_Size is the
    /// smaller of the window and 128 KiB, so this keeps every block limit
    /// as the frame declared it).
    fn window_for(len: usize) -> u64 {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        len.checked_next_power_of_two()
            .unwrap_or(u64::MAX)
            .max(128 << 10)
    }

    /// `data` with its Window_Descriptor lowered to [`window_for`]`(len)`
    /// when it declares more (and no more than [`MAX_WINDOW`], which the
    /// decoder goes on refusing). ruzstd reserves the declared window and
    /// keeps decoding until it holds more than a window before it hands
    /// anything over: a frame of a few hundred bytes declaring 8 MiB
    /// made us allocate and write over 8 MiB before our output cap
    /// refused it. A frame whose output fits `len` bytes never refers
    /// back further than `len` (nor to a dictionary: we take none), so it
    /// decodes the same with the smaller window; one that does not fit is
    /// refused either way. A Single_Segment frame has no descriptor: its
    /// window is its content size, which the output cap bounds anyway.
    fn lower_window(data: &[u8], len: usize) -> alloc::borrow::Cow<'_, [u8]> {
        use alloc::borrow::Cow;
        // Magic, Frame_Header_Descriptor, Window_Descriptor (§3.1.1.1).
        let (Some(magic), Some(&descriptor), Some(&window)) =
            (data.get(..4), data.get(4), data.get(5))
        else {
            return Cow::Borrowed(data);
        };
        let single_segment = descriptor & 0x20 != 0;
        if magic != MAGIC || single_segment {
            return Cow::Borrowed(data);
        }
        // §3.1.1.1.2: windowLog = 10 + Exponent; Window_Size = windowBase
        // + windowBase / 8 * Mantissa.
        // Exponent is at most 31, so the shift stays below 2^42.
        let base = 1u64 << (u32::from(window >> 3).saturating_add(10));
        let declared = base.saturating_add((base >> 3).saturating_mul(u64::from(window & 7)));
        let wanted = window_for(len);
        if declared <= wanted || declared > MAX_WINDOW {
            return Cow::Borrowed(data);
        }
        // `wanted` is a power of two of at least 2^17: Exponent =
        // log2 - 10, Mantissa 0.
        let exponent = wanted.trailing_zeros().saturating_sub(10);
        let Ok(byte) = u8::try_from(exponent << 3) else {
            return Cow::Borrowed(data);
        };
        let mut lowered = data.to_vec();
        if let Some(w) = lowered.get_mut(5) {
            *w = byte;
        }
        Cow::Owned(lowered)
    }

    pub(in crate::compress) fn decompress_into(data: &[u8], out: &mut [u8]) -> Result<(), Error> {
        let data = lower_window(data, out.len());
        let mut input: &[u8] = &data;
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
