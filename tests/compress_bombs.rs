//! Decompression bombs against certificate compression (RFC 8879 §5):
//! what a hostile CompressedCertificate of a few hundred bytes makes the
//! receiver allocate before it is refused. The output buffer is capped at
//! the declared length, but a decoder has buffers of its own sized by the
//! stream (brotli's ring buffer, up to its 16 MiB window; zstd's window,
//! up to the 8 MiB we accept), which it fills before handing anything
//! over. These tests measure the peak of this thread's heap while one
//! message is decompressed (a counting global allocator, per thread, so
//! the tests stay parallel-safe).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use tls13::compress::{self, CertificateCompressionAlgorithm as Alg};
use tls13::error::{Error, PeerMisbehaved};
use tls13::unstable::msgs::compressed_certificate::CompressedCertificate;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(delta);
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// bookkeeping touches only const-initialised thread-locals (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most this thread's heap grew while `f` ran, in bytes.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - base).max(0) as usize)
}

fn message(alg: Alg, uncompressed_length: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    CompressedCertificate {
        algorithm: alg,
        uncompressed_length,
        compressed: data,
    }
    .encode_message(&mut out);
    out
}

/// The default handshake message limit (64 KiB) a receiver applies.
const MAX_MESSAGE: usize = 1 << 16;
/// A declared length just under it.
const DECLARED: u32 = 60_000;
/// What one message may cost beyond its output: a window sized to the
/// output rather than to what the stream claims, and the decoders' tables.
const BUDGET: usize = 1 << 20;

fn is_bad_compressed(err: &Error) -> bool {
    matches!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::BadCompressedCertificate(_))
    )
}

/// A brotli stream (RFC 7932) with the largest window (24 bits: 16 MiB)
/// of `len` zero bytes: a few dozen bytes whose first meta-block declares
/// megabytes, so the decoder sizes its ring buffer to the whole window.
fn brotli_zeros(len: usize) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 4,
        lgwin: 24,
        ..Default::default()
    };
    let zeros = vec![0u8; len];
    let mut out = Vec::new();
    brotli::enc::BrotliCompress(&mut &zeros[..], &mut out, &params).unwrap();
    out
}

/// A zstd frame (RFC 8878) declaring an 8 MiB window (Window_Descriptor
/// exponent 13, mantissa 0; no content size) made of `blocks` RLE blocks
/// of 128 KiB of zeros each: four bytes of input per 128 KiB of output.
fn zstd_rle_frame(blocks: usize) -> Vec<u8> {
    let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 13 << 3];
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        let header = (128u32 << 10) << 3 | 1 << 1 | last;
        f.extend_from_slice(&header.to_le_bytes()[..3]);
        f.push(0);
    }
    f
}

fn refused_within_budget(alg: Alg, data: &[u8]) {
    let raw = message(alg, DECLARED, data);
    let started = std::time::Instant::now();
    let (result, peak) =
        peak_during(|| compress::decompress_certificate(&raw, &[alg], MAX_MESSAGE));
    eprintln!(
        "{alg:?}: {} bytes of input, peak {} KiB, {:?}",
        data.len(),
        peak >> 10,
        started.elapsed()
    );
    let err = result.unwrap_err();
    assert!(is_bad_compressed(&err), "{alg:?}: {err:?}");
    assert!(
        peak < BUDGET,
        "{alg:?}: {} bytes made the receiver allocate {} KiB for a {DECLARED}-byte \
         Certificate",
        data.len(),
        peak >> 10
    );
}

#[test]
fn a_brotli_stream_claiming_a_16_mib_window_costs_no_more_than_its_output() {
    let data = brotli_zeros(20 << 20);
    assert!(data.len() < 100, "{}", data.len());
    refused_within_budget(Alg::BROTLI, &data);
}

#[test]
fn a_zstd_frame_claiming_an_8_mib_window_costs_no_more_than_its_output() {
    let data = zstd_rle_frame(80);
    assert!(data.len() < 400);
    refused_within_budget(Alg::ZSTD, &data);
}

#[test]
fn a_zlib_bomb_costs_no_more_than_its_output() {
    // DEFLATE's window is 32 KiB whatever the stream says: the baseline.
    let data = compress::compress(Alg::ZLIB, &vec![0u8; 20 << 20]).unwrap();
    refused_within_budget(Alg::ZLIB, &data);
}

// ---- Honest streams that declare large windows still decompress ----

/// Compressible, not trivial: text with a counter in it.
fn sample(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut i = 0u32;
    while out.len() < len {
        out.extend_from_slice(format!("certificate entry {i} ").as_bytes());
        i = i.wrapping_mul(2_654_435_761).wrapping_add(12345) % 100_000;
    }
    out.truncate(len);
    out
}

/// Decompresses `data`, declared as `body.len()` bytes, and checks it
/// comes back as `body` exactly.
fn round_trips(alg: Alg, body: &[u8], data: &[u8]) {
    let raw = message(alg, body.len() as u32, data);
    let (got_alg, cert) = compress::decompress_certificate(&raw, &[alg], body.len() + 4)
        .unwrap_or_else(|e| {
            panic!("{alg:?}, {} bytes: {e:?}", body.len());
        });
    assert_eq!(got_alg, alg);
    assert_eq!(&cert[4..], body, "{alg:?}, {} bytes", body.len());
}

#[test]
fn brotli_streams_with_the_largest_window_decompress_whatever_their_length() {
    // Lengths around the powers of two the ring buffer is sized to, and
    // incompressible data (stored in uncompressed meta-blocks) as well.
    for len in [1usize, 100, 1023, 1024, 1025, 4096, 16_385, 65_532, 200_000] {
        for (quality, data) in [
            (1, sample(len)),
            (5, sample(len)),
            (
                9,
                (0..len)
                    .map(|i| (i * 7919 % 251) as u8 ^ (i >> 8) as u8)
                    .collect(),
            ),
        ] {
            for lgwin in [10, 22, 24] {
                let params = brotli::enc::BrotliEncoderParams {
                    quality,
                    lgwin,
                    ..Default::default()
                };
                let mut out = Vec::new();
                brotli::enc::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
                round_trips(Alg::BROTLI, &data, &out);
            }
        }
    }
}

#[test]
fn zstd_frames_declaring_large_windows_decompress_whatever_their_length() {
    for len in [1usize, 1000, 65_532, 131_072, 200_000] {
        let body = sample(len);
        let frame = compress::compress(Alg::ZSTD, &body).unwrap();
        round_trips(Alg::ZSTD, &body, &frame);
        // The same frame declaring larger windows (any window at least
        // the encoder's is valid for it): 1 MiB, 8 MiB, and 1.75 MiB
        // (exponent 10, mantissa 6). Only a frame with a descriptor.
        assert_eq!(frame[4] & 0x20, 0, "ruzstd writes a Window_Descriptor");
        for descriptor in [10 << 3, 13 << 3, 10 << 3 | 6] {
            let mut f = frame.clone();
            f[5] = descriptor;
            round_trips(Alg::ZSTD, &body, &f);
        }
        // One byte short of what the frame holds: refused all the same.
        if len > 1 {
            let mut f = frame.clone();
            f[5] = 13 << 3;
            let raw = message(Alg::ZSTD, len as u32 - 1, &f);
            let err = compress::decompress_certificate(&raw, &[Alg::ZSTD], 1 << 20).unwrap_err();
            assert!(is_bad_compressed(&err), "{err:?}");
        }
    }
    // A window over 8 MiB is still refused (RFC 8878 §3.1.1.1.2 lets a
    // decoder refuse one), lowered or not.
    let body = sample(1000);
    let mut f = compress::compress(Alg::ZSTD, &body).unwrap();
    f[5] = 14 << 3;
    let raw = message(Alg::ZSTD, 1000, &f);
    let err = compress::decompress_certificate(&raw, &[Alg::ZSTD], 1 << 20).unwrap_err();
    assert!(is_bad_compressed(&err), "{err:?}");
}
