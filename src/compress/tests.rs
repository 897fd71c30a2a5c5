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
fn kept_forms_return_the_same_compression() {
    for alg in SUPPORTED.iter().copied() {
        let forms = CompressedForms::default();
        let cert = certificate(&[]);
        let first = forms.get_or_compress(alg, &cert).unwrap().unwrap();
        let second = forms.get_or_compress(alg, &cert).unwrap().unwrap();
        // The same allocation: compressed once, then reused.
        assert!(Arc::ptr_eq(&first, &second), "{alg:?}");
        assert_eq!(forms.len(), 1);
        // A different message (here a changed entry) is not the kept one.
        let other = certificate(b"ctx");
        let third = forms.get_or_compress(alg, &other).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &third));
        assert_eq!(forms.len(), 2);
        // Decompressing the kept form gives the message back.
        let (_, back) = decompress_certificate(&first, &[alg], 1 << 16).unwrap();
        assert_eq!(back, cert);
    }
}

#[test]
fn each_algorithm_is_kept_apart() {
    let forms = CompressedForms::default();
    let cert = certificate(&[]);
    for alg in SUPPORTED.iter().copied() {
        let c = forms.get_or_compress(alg, &cert).unwrap().unwrap();
        assert_eq!(decompress_certificate(&c, &[alg], 1 << 16).unwrap().0, alg);
    }
    assert_eq!(forms.len(), SUPPORTED.len());
}

#[test]
fn kept_forms_are_bounded_and_clones_start_empty() {
    let forms = CompressedForms::default();
    for i in 0..(FORMS_PER_KEY + 5) {
        forms
            .get_or_compress(Alg::ZLIB, &certificate(&[i as u8]))
            .unwrap();
    }
    assert_eq!(forms.len(), FORMS_PER_KEY);
    assert_eq!(forms.clone().len(), 0);
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
