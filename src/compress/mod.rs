//! Certificate compression (RFC 8879): a Certificate message sent as a
//! CompressedCertificate, for server and client certificates alike.
//!
//! Each algorithm is a cargo feature, none on by default: `compress-zlib`
//! (miniz_oxide), `compress-brotli` (brotli, needs `std`) and
//! `compress-zstd` (ruzstd), all pure Rust. [`SUPPORTED`] lists what a
//! build has.
//!
//! A feature alone changes nothing on the wire: a configuration opts in
//! with
//! [`ClientConfigBuilder::certificate_compression`](crate::config::ClientConfigBuilder::certificate_compression)
//! or
//! [`ServerConfigBuilder::certificate_compression`](crate::config::ServerConfigBuilder::certificate_compression),
//! naming the algorithms in its order of preference. Cargo unifies
//! features across a build, so a feature some other crate switched on
//! must not change every ClientHello of the program (its bytes, and so
//! its fingerprint) behind the application's back. Opted in, a side
//!
//! - offers to decompress with those algorithms: a client in its
//!   ClientHello, a server in its CertificateRequests (the
//!   `compress_certificate` extension, RFC 8879 §3);
//! - compresses its own Certificate with the first of them the peer
//!   offered, when that makes it smaller ([`crate::Negotiated`] says
//!   which algorithm went each way).
//!
//! A received CompressedCertificate is refused unless we offered its
//! algorithm (`unexpected_message` when we offered none,
//! `illegal_parameter` for another one); its declared length is checked
//! against [`Limits::max_handshake_message`](crate::config::Limits)
//! before anything is decompressed (`illegal_parameter`, as the same
//! Certificate uncompressed would be, §5), the output goes into a buffer
//! of exactly that length, so no stream can produce more, the decoders'
//! own buffers are sized by that length too, not by the window the
//! stream declares (brotli's up to 16 MiB, zstd's up to 8 MiB), and data that
//! does not decompress to exactly that length is `bad_certificate` (§4).
//! The Certificate inside is then read with the same limits as an
//! uncompressed one, and the transcript holds the CompressedCertificate as
//! it was sent.
//!
//! Compressing costs far more than a handshake (brotli at its best
//! quality: milliseconds), so each
//! [`CertifiedKey`](crate::verify::CertifiedKey) keeps the compressed
//! forms of its Certificate messages (per algorithm and variant, with
//! `std`): a server compresses each chain once, not once per handshake,
//! however many chains its resolver serves. A resolver that builds a new
//! `CertifiedKey` for every handshake gives that up; keep them in `Arc`s.
//! Post-handshake Certificates, whose request context differs each time,
//! are compressed when sent, and so never with brotli (a server could ask
//! again and again, and each brotli compression costs milliseconds): with
//! zlib or zstd if the request offers one of ours, else not at all.

mod algorithms;

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use crate::msgs::compressed_certificate::CompressedCertificate;
pub use crate::msgs::enums::CertificateCompressionAlgorithm;
use crate::msgs::enums::HandshakeType;

use crate::error::{Error, PeerMisbehaved};

type Alg = CertificateCompressionAlgorithm;

/// The algorithms this build has (by feature), in the order we prefer
/// them: by the size of the chains they produced in our tests
/// (`tests/cert_compression.rs`, `first_flight_bytes`: brotli smallest
/// for ECDSA chains, zlib for RSA ones, ruzstd's only level last).
pub const SUPPORTED: &[CertificateCompressionAlgorithm] = &[
    #[cfg(feature = "compress-brotli")]
    CertificateCompressionAlgorithm::BROTLI,
    #[cfg(feature = "compress-zlib")]
    CertificateCompressionAlgorithm::ZLIB,
    #[cfg(feature = "compress-zstd")]
    CertificateCompressionAlgorithm::ZSTD,
];

/// Whether this build has `algorithm`.
pub fn is_supported(algorithm: CertificateCompressionAlgorithm) -> bool {
    SUPPORTED.contains(&algorithm)
}

/// `data` compressed with `algorithm`.
pub fn compress(algorithm: CertificateCompressionAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
    let _ = data;
    match algorithm {
        #[cfg(feature = "compress-zlib")]
        Alg::ZLIB => algorithms::zlib::compress(data),
        #[cfg(feature = "compress-brotli")]
        Alg::BROTLI => algorithms::brotli::compress(data),
        #[cfg(feature = "compress-zstd")]
        Alg::ZSTD => algorithms::zstd::compress(data),
        _ => Err(Error::BadConfig(alloc::format!(
            "certificate compression {algorithm:?} is not in this build"
        ))),
    }
}

/// Decompresses `data` into `out`, which it must fill exactly.
fn decompress_into(algorithm: Alg, data: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let _ = (&data, &out);
    match algorithm {
        #[cfg(feature = "compress-zlib")]
        Alg::ZLIB => algorithms::zlib::decompress_into(data, out),
        #[cfg(feature = "compress-brotli")]
        Alg::BROTLI => algorithms::brotli::decompress_into(data, out),
        #[cfg(feature = "compress-zstd")]
        Alg::ZSTD => algorithms::zstd::decompress_into(data, out),
        _ => Err(algorithms::not_built()),
    }
}

/// The Certificate message (header included) that the whole
/// CompressedCertificate handshake message `raw` stands for, and its
/// algorithm: what a connection does with one it receives (RFC 8879 §4,
/// §5). `offered` lists the algorithms we offered; `max_message` is the
/// largest handshake message accepted
/// ([`Limits::max_handshake_message`](crate::config::Limits), header
/// included).
///
/// Errors: a malformed message or empty compressed data is `decode_error`;
/// an algorithm not in `offered` (or not in this build)
/// `illegal_parameter`; a declared length whose Certificate would exceed
/// `max_message` `illegal_parameter` ([`PeerMisbehaved::MessageTooLarge`],
/// decided before any decompression); a declared length of zero (no
/// Certificate is that short), data that does not decompress, or not to
/// exactly the declared length, `bad_certificate`
/// ([`PeerMisbehaved::BadCompressedCertificate`]). The output buffer is
/// allocated at the declared length and never grows.
pub fn decompress_certificate(
    raw: &[u8],
    offered: &[CertificateCompressionAlgorithm],
    max_message: usize,
) -> Result<(CertificateCompressionAlgorithm, Vec<u8>), Error> {
    let msg = CompressedCertificate::read_message(raw)?;
    // RFC 8879 §4: "The algorithm MUST be one of the algorithms listed in
    // the peer's compress_certificate extension."
    if !offered.contains(&msg.algorithm) || !is_supported(msg.algorithm) {
        return Err(PeerMisbehaved::SelectedUnofferedParameter(
            "certificate compression algorithm",
        )
        .into());
    }
    // A Certificate body holds at least its two length prefixes.
    if msg.uncompressed_length == 0 {
        return Err(PeerMisbehaved::BadCompressedCertificate("uncompressed_length of zero").into());
    }
    let body_len = usize::try_from(msg.uncompressed_length).unwrap_or(usize::MAX);
    // RFC 8879 §5: the same limit as without compression, before
    // decompressing anything.
    let whole = body_len.saturating_add(4);
    if whole > max_message {
        return Err(PeerMisbehaved::MessageTooLarge {
            len: whole,
            limit: max_message,
        }
        .into());
    }
    let mut out = vec![0u8; whole];
    let [_, a, b, c] = msg.uncompressed_length.to_be_bytes();
    if let Some(header) = out.get_mut(..4) {
        header.copy_from_slice(&[HandshakeType::CERTIFICATE.0, a, b, c]);
    }
    let body = out
        .get_mut(4..)
        .ok_or(Error::Internal("certificate buffer"))?;
    decompress_into(msg.algorithm, msg.compressed, body)?;
    Ok((msg.algorithm, out))
}

/// The CompressedCertificate for `certificate` (a whole Certificate
/// message, header included) with `algorithm`, or `None` when compressing
/// does not make it smaller (then it is sent as it is).
pub fn compress_certificate(
    algorithm: CertificateCompressionAlgorithm,
    certificate: &[u8],
) -> Result<Option<Vec<u8>>, Error> {
    let body = certificate
        .get(4..)
        .ok_or(Error::Internal("not a Certificate message"))?;
    let uncompressed_length =
        u32::try_from(body.len()).map_err(|_| Error::Internal("Certificate too long"))?;
    let compressed = compress(algorithm, body)?;
    // The message's own fields take 8 bytes more than the body's.
    if compressed.len().saturating_add(8) >= body.len() || compressed.len() > 0xff_ffff {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(compressed.len().saturating_add(12));
    CompressedCertificate {
        algorithm,
        uncompressed_length,
        compressed: &compressed,
    }
    .encode_message(&mut out);
    Ok(Some(out))
}

/// The Certificate messages (empty request context) a peer can have one
/// key send, by what it asks for: X.509 with or without the OCSP staple,
/// with or without the SCTs (RFC 9846 §4.5.1.1; the client's
/// status_request and signed_certificate_timestamp), and the raw public
/// key alone (RFC 7250 §3, server_certificate_type or
/// client_certificate_type: no status there).
#[cfg(feature = "std")]
const MESSAGE_VARIANTS: usize = 5;

/// Compressed forms kept per certified key: each algorithm there is (3,
/// with every feature: [`SUPPORTED`]) times each message variant a peer
/// can choose. Fewer would let a client that cycles through the
/// combinations (FIFO eviction, so a cycle longer than the list misses
/// every time) make the server compress on every handshake. More forms
/// only when the application changes a key's fields after use; the
/// oldest entry then goes.
#[cfg(feature = "std")]
const FORMS_PER_KEY: usize = 3 * MESSAGE_VARIANTS;

// A fourth algorithm must raise the bound, or cycling clients win again.
#[cfg(feature = "std")]
const _: () = assert!(SUPPORTED.len() * MESSAGE_VARIANTS <= FORMS_PER_KEY);

/// A configuration's certificate compression: the algorithms, in its
/// order of preference.
#[derive(Default)]
pub(crate) struct CertCompression {
    algorithms: Vec<Alg>,
}

impl CertCompression {
    /// Compression with `algorithms` (none: off).
    pub(crate) fn new(algorithms: &[Alg]) -> Self {
        Self {
            algorithms: algorithms.to_vec(),
        }
    }

    /// The algorithms, in our order of preference.
    pub(crate) fn algorithms(&self) -> &[Alg] {
        &self.algorithms
    }

    /// Checks the list at `build()`: each algorithm in this build, once,
    /// at most 127 (the extension's `<2..2^8-2>`).
    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(a) = self.algorithms.iter().find(|a| !is_supported(**a)) {
            return Err(Error::BadConfig(alloc::format!(
                "certificate compression {a:?} is not in this build (features \
                 compress-zlib, compress-brotli, compress-zstd)"
            )));
        }
        if crate::handshake::common::has_duplicates(&self.algorithms) || self.algorithms.len() > 127
        {
            return Err(Error::BadConfig(
                "certificate compression algorithms must each appear once".into(),
            ));
        }
        Ok(())
    }

    /// The first of our algorithms that the peer's `compress_certificate`
    /// body offers: `Ok(None)` when none (or we have none, in which case
    /// the body is not even read, as a library without the extension
    /// would ignore it); a malformed body is `decode_error`.
    pub(crate) fn choose(&self, peer_body: &[u8]) -> Result<Option<Alg>, Error> {
        if self.algorithms.is_empty() {
            return Ok(None);
        }
        let offered = crate::msgs::compressed_certificate::read_algorithms(peer_body)?;
        Ok(self
            .algorithms
            .iter()
            .copied()
            .find(|a| offered.contains(a)))
    }
}

/// The compressed Certificate messages of one
/// [`CertifiedKey`](crate::verify::CertifiedKey), kept with it (with
/// `std`): a key is compressed once per algorithm and variant, however
/// many keys a resolver serves and in whatever order clients ask for
/// them, so no client can make us compress (milliseconds with brotli) on
/// each handshake. Entries are found by the whole message, so a key whose
/// public fields changed after use never gets a stale form. A clone of
/// the key starts empty.
#[derive(Default)]
pub(crate) struct CompressedForms {
    #[cfg(feature = "std")]
    entries: std::sync::RwLock<alloc::collections::VecDeque<Cached>>,
}

impl Clone for CompressedForms {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// One Certificate message and what it compressed to.
#[cfg(feature = "std")]
struct Cached {
    algorithm: Alg,
    plain: Vec<u8>,
    /// `None`: compression did not make it smaller.
    compressed: Option<Arc<[u8]>>,
}

#[cfg(feature = "std")]
impl Cached {
    /// The kept form of `certificate` with `algorithm` among `entries`,
    /// if any (itself `None` when compressing did not make it smaller).
    fn find(
        entries: &alloc::collections::VecDeque<Cached>,
        algorithm: Alg,
        certificate: &[u8],
    ) -> Option<Option<Arc<[u8]>>> {
        entries
            .iter()
            .find(|c| c.algorithm == algorithm && c.plain == certificate)
            .map(|c| c.compressed.clone())
    }
}

impl CompressedForms {
    /// `certificate` (a whole Certificate message of this key with an
    /// empty request context) as a CompressedCertificate with
    /// `algorithm`, or `None` to send it as it is: the kept form, or
    /// compressed now and kept.
    pub(crate) fn get_or_compress(
        &self,
        algorithm: Alg,
        certificate: &[u8],
    ) -> Result<Option<Arc<[u8]>>, Error> {
        #[cfg(feature = "std")]
        {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some(hit) = Cached::find(&entries, algorithm, certificate) {
                return Ok(hit);
            }
            drop(entries);
            // Compressed outside the lock: other handshakes go on
            // meanwhile. Two that miss together both compress; the first
            // to finish is kept.
            let compressed = compress_certificate(algorithm, certificate)?.map(Arc::<[u8]>::from);
            // A poisoned lock only means another thread panicked while
            // holding it; the list itself is always whole.
            let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
            if let Some(kept) = Cached::find(&entries, algorithm, certificate) {
                return Ok(kept);
            }
            if entries.len() >= FORMS_PER_KEY {
                entries.pop_front();
            }
            entries.push_back(Cached {
                algorithm,
                plain: certificate.to_vec(),
                compressed: compressed.clone(),
            });
            Ok(compressed)
        }
        #[cfg(not(feature = "std"))]
        Ok(compress_certificate(algorithm, certificate)?.map(Arc::from))
    }

    /// How many forms are kept (tests).
    #[cfg(all(test, feature = "std"))]
    pub(crate) fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }
}

impl core::fmt::Debug for CertCompression {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(&self.algorithms).finish()
    }
}

#[cfg(all(
    test,
    feature = "compress-zlib",
    feature = "compress-brotli",
    feature = "compress-zstd"
))]
mod tests;
