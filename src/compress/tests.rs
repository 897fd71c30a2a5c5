use super::*;

/// A Certificate message with one made-up, compressible entry.
fn certificate(context: &[u8]) -> Vec<u8> {
    let entry: Vec<u8> = b"certificate entry "
        .iter()
        .copied()
        .cycle()
        .take(900)
        .collect();
    let mut out = Vec::new();
    crate::msgs::handshake::encode_certificate(&mut out, context, core::iter::once(&entry[..]));
    out
}

#[test]
fn cache_returns_the_same_compression() {
    for alg in SUPPORTED.iter().copied() {
        let c = CertCompression::new(&[alg]);
        let cert = certificate(&[]);
        let first = c.compressed(alg, &cert, true).unwrap().unwrap();
        let second = c.compressed(alg, &cert, true).unwrap().unwrap();
        // The same allocation: compressed once, then reused.
        assert!(Arc::ptr_eq(&first, &second), "{alg:?}");
        // A different message (here a request context) is not the cached one.
        let other = certificate(b"ctx");
        let third = c.compressed(alg, &other, true).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &third));
        // Not cacheable: compressed afresh each time.
        let a = c.compressed(alg, &other, false).unwrap().unwrap();
        let b = c.compressed(alg, &other, false).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(a, b);
    }
}

#[test]
fn cache_is_bounded() {
    let c = CertCompression::new(&[Alg::ZLIB]);
    for i in 0..(CACHE_ENTRIES + 5) {
        c.compressed(Alg::ZLIB, &certificate(&[i as u8]), true)
            .unwrap();
    }
    assert_eq!(c.cache.lock().unwrap().len(), CACHE_ENTRIES);
}

#[test]
fn incompressible_messages_are_sent_as_they_are() {
    // A short raw-public-key-sized entry does not shrink by 8 bytes.
    let mut cert = Vec::new();
    let entry: Vec<u8> = (0u8..60).map(|i| i.wrapping_mul(97)).collect();
    crate::msgs::handshake::encode_certificate(&mut cert, &[], core::iter::once(&entry[..]));
    for alg in SUPPORTED.iter().copied() {
        assert_eq!(compress_certificate(alg, &cert).unwrap(), None, "{alg:?}");
    }
}

#[test]
fn decompression_round_trips_each_algorithm() {
    let cert = certificate(&[]);
    for alg in SUPPORTED.iter().copied() {
        let c = compress_certificate(alg, &cert).unwrap().unwrap();
        assert!(c.len() < cert.len());
        assert_eq!(
            decompress_certificate(&c, &[alg], 1 << 16).unwrap(),
            (alg, cert.clone())
        );
        // The declared length plus the header is what the limit bounds.
        assert!(decompress_certificate(&c, &[alg], cert.len()).is_ok());
        assert!(matches!(
            decompress_certificate(&c, &[alg], cert.len() - 1),
            Err(Error::PeerMisbehaved(
                PeerMisbehaved::MessageTooLarge { .. }
            ))
        ));
    }
}

#[test]
fn choose_takes_our_order_and_reads_the_body_only_when_on() {
    let c = CertCompression::new(&[Alg::ZSTD, Alg::ZLIB]);
    assert_eq!(c.choose(&[4, 0, 1, 0, 3]).unwrap(), Some(Alg::ZSTD));
    assert_eq!(c.choose(&[2, 0, 2]).unwrap(), None);
    assert!(c.choose(&[3, 0, 1, 0]).is_err());
    let off = CertCompression::new(&[]);
    assert_eq!(off.choose(&[3, 0, 1, 0]).unwrap(), None);
}
