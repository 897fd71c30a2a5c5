//! Certificate compression (RFC 8879) inside the handshakes: a received
//! CompressedCertificate becomes the Certificate it stands for (the state
//! machines then handle that, while their transcripts take the message as
//! received), and our Certificate goes out compressed when the peer
//! offered one of our algorithms. The algorithms, limits and cache are in
//! [`crate::compress`].

use alloc::vec::Vec;

use crate::compress::{CertCompression, CertificateCompressionAlgorithm};
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

/// Replaces our Certificate message, `out[start..]`, by its
/// CompressedCertificate with `algorithm` when that is smaller (RFC 8879
/// §4). The message of an empty `context` (every handshake's) comes from
/// the configuration's cache.
pub fn compress_tail(
    core: &mut Core,
    compression: &CertCompression,
    algorithm: Option<CertificateCompressionAlgorithm>,
    out: &mut Vec<u8>,
    start: usize,
    context_empty: bool,
) -> Result<(), Error> {
    let Some(algorithm) = algorithm else {
        return Ok(());
    };
    let plain = out.get(start..).unwrap_or_default();
    if let Some(compressed) = compression.compressed(algorithm, plain, context_empty)? {
        out.truncate(start);
        out.extend_from_slice(&compressed);
        core.negotiated.certificate_compression_sent = Some(algorithm);
    }
    Ok(())
}
