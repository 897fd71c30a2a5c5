//! Certificate compression (RFC 8879) inside the handshakes: a received
//! CompressedCertificate becomes the Certificate it stands for (the state
//! machines then handle that, while their transcripts take the message as
//! received), and our Certificate goes out compressed when the peer
//! offered one of our algorithms. The algorithms, limits and kept forms are in
//! [`crate::compress`].

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::compress::{CertCompression, CertificateCompressionAlgorithm, CompressedForms};
use crate::conn::core::Core;
use crate::error::Error;
use crate::msgs::enums::HandshakeType;

/// Whether `raw` is a CompressedCertificate (by its type byte).
pub fn is_compressed_certificate(raw: &[u8]) -> bool {
    raw.first() == Some(&HandshakeType::COMPRESSED_CERTIFICATE.0)
}

/// The Certificate message (header included) that the CompressedCertificate
/// `raw` stands for, when the state expects a Certificate and we offered
/// `offered` (non-empty). `Ok(None)` otherwise: the message is then parsed
/// as it is and refused as unexpected (RFC 9846 §6.2; RFC 8879 §3: no
/// CompressedCertificate without our compress_certificate).
pub fn inflate(
    core: &mut Core,
    expecting_certificate: bool,
    offered: &[CertificateCompressionAlgorithm],
    raw: &[u8],
) -> Result<Option<Vec<u8>>, Error> {
    // Negotiated::certificate_compression_received names the last
    // Certificate's algorithm: none unless this one is compressed. Only a
    // Certificate resets it: a KeyUpdate the client sends before its
    // answer to a post-handshake request leaves it as it was.
    let certificate = [
        HandshakeType::CERTIFICATE.0,
        HandshakeType::COMPRESSED_CERTIFICATE.0,
    ];
    if expecting_certificate && raw.first().is_some_and(|t| certificate.contains(t)) {
        core.negotiated.certificate_compression_received = None;
    }
    if !expecting_certificate || offered.is_empty() || !is_compressed_certificate(raw) {
        return Ok(None);
    }
    let (algorithm, certificate) =
        crate::compress::decompress_certificate(raw, offered, core.limits().max_handshake_message)?;
    crate::log::debug!("received a Certificate compressed with {algorithm:?}");
    core.negotiated.certificate_compression_received = Some(algorithm);
    Ok(Some(certificate))
}

/// The first of our algorithms that the peer offered, for our Certificate.
pub fn choose(
    ours: &CertCompression,
    peer: &[CertificateCompressionAlgorithm],
) -> Option<CertificateCompressionAlgorithm> {
    ours.algorithms().iter().copied().find(|a| peer.contains(a))
}

/// The algorithm for a Certificate that is compressed once and never
/// kept (a post-handshake answer, unique by its request context): the
/// first of ours the peer offered other than brotli. Brotli at its best
/// quality costs milliseconds, about a hundred times zlib or zstd
/// (BENCHMARKS.md), and a server may send CertificateRequests without
/// end: each would cost us that. Without another common algorithm the
/// message goes uncompressed (RFC 8879 §4: compressing is a MAY).
pub fn choose_one_off(
    ours: &CertCompression,
    peer: &[CertificateCompressionAlgorithm],
) -> Option<CertificateCompressionAlgorithm> {
    ours.algorithms()
        .iter()
        .copied()
        .find(|a| *a != CertificateCompressionAlgorithm::BROTLI && peer.contains(a))
}

/// Replaces our Certificate message, `out[start..]`, by its
/// CompressedCertificate with `algorithm` when that is smaller (RFC 8879
/// §4). With `kept` (the key's compressed forms: the message of an empty
/// request context, every handshake's) it is compressed once per key.
pub fn compress_tail(
    core: &mut Core,
    algorithm: Option<CertificateCompressionAlgorithm>,
    out: &mut Vec<u8>,
    start: usize,
    kept: Option<&CompressedForms>,
) -> Result<(), Error> {
    let Some(algorithm) = algorithm else {
        return Ok(());
    };
    let plain = out.get(start..).unwrap_or_default();
    let compressed = match kept {
        Some(forms) => forms.get_or_compress(algorithm, plain)?,
        None => crate::compress::compress_certificate(algorithm, plain)?.map(Arc::from),
    };
    if let Some(compressed) = compressed {
        out.truncate(start);
        out.extend_from_slice(&compressed);
        core.negotiated.certificate_compression_sent = Some(algorithm);
    }
    Ok(())
}
