//! RFC 9001 Appendix A through `tls13::quic`, for every provider
//! (`providers::providers`): the Initial secrets and keys (A.1), the
//! client's and the server's Initial packets protected byte for byte and
//! unprotected again (A.2, A.3), the Retry integrity tag (A.4) and the
//! ChaCha20-Poly1305 short-header packet (A.5); then what a damaged or
//! short packet does.
//!
//! Keys are not readable from a `PacketKey` or `HeaderKey`, so the RFC's
//! key, IV and hp values are checked by what the keys do: a key keyed
//! directly with the RFC's bytes must seal the same output, the nonce of
//! packet 0 is the IV, and the masks must agree.

mod providers;

use serde_json::Value;
use tls13::CipherSuite;
use tls13::Error;
use tls13::crypto::CryptoProvider;
use tls13::crypto::aead::AeadAlgorithm;
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::header_protection::HeaderProtectionAlgorithm;
use tls13::error::InvalidMessage;
use tls13::quic::{
    DirectionalKeys, HeaderKey, InitialKeys, InitialSecrets, MAX_PACKET_NUMBER, PacketKey, Suite,
    Version, initial_secret, next_secret, packet_number_len, retry_integrity_tag,
    verify_retry_integrity,
};
use tls13::unstable::key_schedule::hkdf_expand_label;

fn vectors() -> Value {
    let path = format!(
        "{}/vectors/quic/rfc9001-appendix-a.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(
        v.as_str()
            .unwrap_or_else(|| panic!("not a hex string: {v}")),
    )
    .unwrap()
}

fn dcid(v: &Value) -> Vec<u8> {
    hx(&v["client_destination_connection_id"]["hex"])
}

/// `packet_key` is keyed with `key` and `iv`: its nonce for packet 0 is
/// the IV, and it seals like an AEAD keyed with `key` directly.
fn assert_packet_key_is(p: &CryptoProvider, packet_key: &PacketKey, key: &[u8], iv: &[u8]) {
    assert_eq!(packet_key.nonce(0).as_slice(), iv, "{}: iv", p.name);
    let direct = p.aead(packet_key.algorithm()).unwrap().key(key).unwrap();
    let (aad, msg) = (b"header".as_slice(), b"some payload bytes".as_slice());
    let mut ours = msg.to_vec();
    let tag = packet_key.seal_in_place(0, aad, &mut ours).unwrap();
    ours.extend_from_slice(&tag);
    let mut theirs = msg.to_vec();
    direct
        .seal_in_place(&packet_key.nonce(0), aad, &mut theirs)
        .unwrap();
    assert_eq!(ours, theirs, "{}: key", p.name);
}

/// `header_key` is keyed with `hp`: it gives the same masks as the
/// provider's algorithm keyed with `hp` directly.
fn assert_header_key_is(p: &CryptoProvider, header_key: &HeaderKey, hp: &[u8]) {
    let direct = p
        .header_protection(header_key.algorithm())
        .unwrap()
        .key(hp)
        .unwrap();
    for seed in 0..4u8 {
        let sample = [seed.wrapping_mul(0x3b); 16];
        assert_eq!(
            header_key.mask(&sample).unwrap(),
            direct.mask(&sample),
            "{}: hp",
            p.name
        );
    }
}

#[test]
fn a1_initial_secrets_and_keys() {
    let v = vectors();
    let cid = dcid(&v);
    assert_eq!(
        Version::V1.initial_salt().as_slice(),
        hx(&v["initial_salt"]["hex"])
    );
    for p in providers::providers() {
        let initial = initial_secret(p, Version::V1, &cid).unwrap();
        assert_eq!(
            initial.as_ref(),
            hx(&v["initial_secret"]["hex"]),
            "{}",
            p.name
        );

        let secrets = InitialSecrets::new(p, Version::V1, &cid).unwrap();
        let keys = InitialKeys::new(p, Version::V1, &cid).unwrap();
        let sha256 = p.hash(HashAlgorithm::Sha256);
        let info = &v["hkdf_expand_label_info"];
        for (side, secret, keys) in [
            ("client", &secrets.client, &keys.client),
            ("server", &secrets.server, &keys.server),
        ] {
            let want = &v[format!("{side}_initial_keys")];
            assert_eq!(secret.as_ref(), hx(&want["secret"]), "{}: {side}", p.name);
            assert_packet_key_is(p, &keys.packet, &hx(&want["key"]), &hx(&want["iv"]));
            assert_header_key_is(p, &keys.header, &hx(&want["hp"]));
            assert_eq!(keys.header.algorithm(), HeaderProtectionAlgorithm::Aes128);
            assert_eq!(keys.packet.algorithm(), AeadAlgorithm::Aes128Gcm);

            // The RFC's HkdfLabel bytes, fed to HKDF-Expand itself, give
            // the same values as HKDF-Expand-Label with our labels.
            for (label, field, len) in [
                ("quic key", "key", 16),
                ("quic iv", "iv", 12),
                ("quic hp", "hp", 16),
            ] {
                let mut by_info = vec![0u8; len];
                sha256.hkdf_expand(secret.as_ref(), &[&hx(&info[label])], &mut by_info);
                let mut by_label = vec![0u8; len];
                hkdf_expand_label(
                    sha256,
                    secret.as_ref(),
                    label.as_bytes(),
                    &[],
                    &mut by_label,
                );
                assert_eq!(by_info, hx(&want[field]), "{}: {side} {label}", p.name);
                assert_eq!(by_label, by_info, "{}: {side} {label}", p.name);
            }
            let mut by_info = [0u8; 32];
            let in_label = format!("{side} in");
            sha256.hkdf_expand(initial.as_ref(), &[&hx(&info[&in_label])], &mut by_info);
            assert_eq!(
                by_info.as_slice(),
                secret.as_ref(),
                "{}: {in_label}",
                p.name
            );
        }
    }
}

/// A.2 and A.3: an Initial packet sealed and header-protected byte for
/// byte, then taken apart again.
fn initial_packet(
    p: &CryptoProvider,
    keys: &DirectionalKeys,
    want: &Value,
    payload: Vec<u8>,
    pn_len: usize,
) {
    let header = hx(&want["unprotected_header"]);
    let pn = want["packet_number"].as_u64().unwrap();
    assert_eq!(packet_number_len(header[0]), pn_len);
    let pn_offset = header.len() - pn_len;

    // Sender: seal with the unprotected header as AAD, then mask it.
    let mut sealed = payload.clone();
    let tag = keys.packet.seal_in_place(pn, &header, &mut sealed).unwrap();
    sealed.extend_from_slice(&tag);
    let mut packet = [header.clone(), sealed].concat();
    let sample = &packet[pn_offset + 4..pn_offset + 20];
    assert_eq!(sample, hx(&want["sample"]), "{}: sample", p.name);
    let mask = keys.header.mask(sample).unwrap();
    assert_eq!(mask.as_slice(), hx(&want["mask"]), "{}: mask", p.name);
    keys.header.protect(&mut packet, pn_offset).unwrap();
    if let Some(first) = want.get("protected_first_byte") {
        assert_eq!(packet[0], hx(first)[0], "{}: first byte", p.name);
        let pn_bytes = &packet[pn_offset..pn_offset + pn_len];
        assert_eq!(pn_bytes, hx(&want["protected_packet_number"]), "{}", p.name);
    }
    assert_eq!(
        &packet[..header.len()],
        hx(&want["protected_header"]),
        "{}: protected header",
        p.name
    );
    assert_eq!(
        hex::encode(&packet),
        want["protected_packet"].as_str().unwrap(),
        "{}: protected packet",
        p.name
    );

    // Receiver: unmask, read the packet number, open.
    let field = keys.header.unprotect(&mut packet, pn_offset).unwrap();
    assert_eq!(field.len(), pn_len, "{}", p.name);
    assert_eq!(u64::from(field.truncated()), pn, "{}", p.name);
    assert_eq!(field.decode(None), pn, "{}", p.name);
    assert_eq!(&packet[..header.len()], header, "{}: header back", p.name);
    let (head, body) = packet.split_at_mut(pn_offset + field.len());
    let opened = keys.packet.open_in_place(pn, head, body).unwrap();
    assert_eq!(opened, payload, "{}: payload back", p.name);
}

#[test]
fn a2_client_initial() {
    let v = vectors();
    let want = &v["client_initial_packet"];
    let mut payload = hx(&want["crypto_frame"]);
    // "plus enough PADDING frames to make a 1162-byte payload": PADDING
    // is the frame type 0x00, a zero byte each.
    let padded = want["payload_length_after_padding"].as_u64().unwrap() as usize;
    assert_eq!(padded, 1162);
    payload.resize(padded, 0);
    for p in providers::providers() {
        let keys = InitialKeys::new(p, Version::V1, &dcid(&v)).unwrap();
        initial_packet(p, &keys.client, want, payload.clone(), 4);
    }
}

#[test]
fn a3_server_initial() {
    let v = vectors();
    let want = &v["server_initial_packet"];
    for p in providers::providers() {
        let keys = InitialKeys::new(p, Version::V1, &dcid(&v)).unwrap();
        initial_packet(p, &keys.server, want, hx(&want["payload"]), 2);
    }
}

#[test]
fn a4_retry_integrity_tag() {
    let v = vectors();
    let want = &v["retry_packet"];
    let odcid = hx(&want["original_destination_connection_id"]);
    let packet = hx(&want["packet"]);
    let (body, tag) = packet.split_at(packet.len() - 16);

    // The fixed key and nonce are "quic key" and "quic iv" of the §5.8
    // secret.
    let secret = hx(&want["integrity_secret"]["hex"]);
    let key = hx(&want["integrity_key"]["hex"]);
    let nonce = hx(&want["integrity_nonce"]["hex"]);
    assert_eq!(Version::V1.retry_integrity_key().as_slice(), key);
    assert_eq!(Version::V1.retry_integrity_nonce().as_slice(), nonce);

    for p in providers::providers() {
        let sha256 = p.hash(HashAlgorithm::Sha256);
        let (mut k, mut n) = ([0u8; 16], [0u8; 12]);
        hkdf_expand_label(sha256, &secret, b"quic key", &[], &mut k);
        hkdf_expand_label(sha256, &secret, b"quic iv", &[], &mut n);
        assert_eq!((k.as_slice(), n.as_slice()), (&key[..], &nonce[..]));

        let computed = retry_integrity_tag(p, Version::V1, &odcid, body).unwrap();
        assert_eq!(computed.as_slice(), tag, "{}: tag", p.name);
        verify_retry_integrity(p, Version::V1, &odcid, &packet).unwrap();

        // Any changed bit, in the packet or in the connection ID the
        // client remembers, fails.
        for i in 0..packet.len() {
            let mut bad = packet.clone();
            bad[i] ^= 0x10;
            assert_eq!(
                verify_retry_integrity(p, Version::V1, &odcid, &bad),
                Err(Error::DecryptFailed),
                "{}: byte {i}",
                p.name
            );
        }
        let mut other_odcid = odcid.clone();
        other_odcid[7] ^= 1;
        assert_eq!(
            verify_retry_integrity(p, Version::V1, &other_odcid, &packet),
            Err(Error::DecryptFailed)
        );
        assert_eq!(
            verify_retry_integrity(p, Version::V1, &[], &packet),
            Err(Error::DecryptFailed)
        );
        // Too short to hold a tag, and an ODCID no v1 packet can carry.
        assert!(matches!(
            verify_retry_integrity(p, Version::V1, &odcid, &packet[..15]),
            Err(Error::InvalidMessage(InvalidMessage::MissingData(_)))
        ));
        assert!(matches!(
            retry_integrity_tag(p, Version::V1, &[0; 21], body),
            Err(Error::InvalidMessage(InvalidMessage::InvalidValue(_)))
        ));
        retry_integrity_tag(p, Version::V1, &[0; 20], body).unwrap();
    }
}

fn chacha_suite(p: &CryptoProvider) -> Suite {
    Suite::from_tls(
        p,
        p.suite(CipherSuite::TLS_CHACHA20_POLY1305_SHA256).unwrap(),
    )
    .unwrap()
}

#[test]
fn a5_chacha20_short_header() {
    let v = vectors();
    let want = &v["chacha20_short_header_packet"];
    let secret = hx(&want["secret"]);
    let pn = want["packet_number"].as_u64().unwrap();
    let header = hx(&want["unprotected_header"]);
    let plaintext = hx(&want["payload_plaintext"]);
    let pn_len = want["packet_number_length"].as_u64().unwrap() as usize;
    // Short header, empty Destination Connection ID: the packet number
    // follows the first byte.
    let pn_offset = 1;
    assert_eq!(packet_number_len(header[0]), pn_len);

    for p in providers::providers() {
        let suite = chacha_suite(p);
        let keys = DirectionalKeys::new(suite, Version::V1, &secret).unwrap();
        assert_eq!(keys.packet.algorithm(), AeadAlgorithm::ChaCha20Poly1305);
        assert_eq!(keys.header.algorithm(), HeaderProtectionAlgorithm::ChaCha20);
        assert_packet_key_is(p, &keys.packet, &hx(&want["key"]), &hx(&want["iv"]));
        assert_header_key_is(p, &keys.header, &hx(&want["hp"]));
        let ku = next_secret(suite, Version::V1, &secret);
        assert_eq!(ku.as_ref(), hx(&want["ku"]), "{}: ku", p.name);
        assert_eq!(keys.packet.nonce(pn).as_slice(), hx(&want["nonce"]));

        let mut payload = plaintext.clone();
        let tag = keys
            .packet
            .seal_in_place(pn, &header, &mut payload)
            .unwrap();
        payload.extend_from_slice(&tag);
        assert_eq!(payload, hx(&want["payload_ciphertext"]), "{}", p.name);
        let mut packet = [header.clone(), payload].concat();
        let sample = &packet[pn_offset + 4..pn_offset + 20];
        assert_eq!(sample, hx(&want["sample"]), "{}: sample", p.name);
        let mask = keys.header.mask(sample).unwrap();
        assert_eq!(mask.as_slice(), hx(&want["mask"]), "{}: mask", p.name);
        keys.header.protect(&mut packet, pn_offset).unwrap();
        assert_eq!(&packet[..4], hx(&want["protected_header"]), "{}", p.name);
        assert_eq!(packet, hx(&want["packet"]), "{}: packet", p.name);

        let field = keys.header.unprotect(&mut packet, pn_offset).unwrap();
        assert_eq!(field.len(), pn_len);
        assert_eq!(
            u64::from(field.truncated()),
            want["encoded_packet_number"].as_u64().unwrap()
        );
        // 49140 (0x00bff4) is the low 24 bits of 654360564 (0x2700bff4):
        // any largest number within half a window recovers it.
        for largest in [pn - 1, pn - 0x80_0000, pn + 0x7f_fffe] {
            assert_eq!(field.decode(Some(largest)), pn, "{largest}");
        }
        assert_eq!(&packet[..4], header);
        let (head, body) = packet.split_at_mut(pn_offset + field.len());
        let opened = keys.packet.open_in_place(pn, head, body).unwrap();
        assert_eq!(opened, plaintext, "{}", p.name);
    }
}

#[test]
fn key_update_changes_the_packet_key_not_the_header_key() {
    let v = vectors();
    let want = &v["chacha20_short_header_packet"];
    let secret = hx(&want["secret"]);
    for p in providers::providers() {
        let suite = chacha_suite(p);
        let before = DirectionalKeys::new(suite, Version::V1, &secret).unwrap();
        let next = next_secret(suite, Version::V1, &secret);
        let after = PacketKey::new(suite, Version::V1, next.as_ref()).unwrap();
        assert_ne!(before.packet.nonce(0), after.nonce(0));
        let mut sealed = b"frames".to_vec();
        let tag = after.seal_in_place(9, b"hdr", &mut sealed).unwrap();
        sealed.extend_from_slice(&tag);
        let mut copy = sealed.clone();
        assert_eq!(
            before.packet.open_in_place(9, b"hdr", &mut copy),
            Err(Error::DecryptFailed)
        );
        assert_eq!(
            after.open_in_place(9, b"hdr", &mut sealed).unwrap(),
            b"frames"
        );
        // The next secret's own hp would differ: RFC 9001 §6.1 keeps the
        // first one, which is why HeaderKey is made once per level.
        let next_hp = HeaderKey::new(suite, Version::V1, next.as_ref()).unwrap();
        assert_ne!(
            next_hp.mask(&[0; 16]).unwrap(),
            before.header.mask(&[0; 16]).unwrap()
        );
    }
}

/// A protected packet of Appendix A with what its receiver knows.
struct Received {
    keys: DirectionalKeys,
    packet: Vec<u8>,
    /// Where the Packet Number field starts.
    pn_offset: usize,
    /// The largest packet number received before it.
    largest: Option<u64>,
}

/// The protected A.2, A.3 and A.5 packets.
fn protected_packets(p: &CryptoProvider, v: &Value) -> Vec<Received> {
    let initial = InitialKeys::new(p, Version::V1, &dcid(v)).unwrap();
    let a5 = &v["chacha20_short_header_packet"];
    vec![
        Received {
            keys: initial.client,
            packet: hx(&v["client_initial_packet"]["protected_packet"]),
            pn_offset: 18,
            largest: None,
        },
        Received {
            keys: initial.server,
            packet: hx(&v["server_initial_packet"]["protected_packet"]),
            pn_offset: 18,
            largest: None,
        },
        Received {
            keys: DirectionalKeys::new(chacha_suite(p), Version::V1, &hx(&a5["secret"])).unwrap(),
            packet: hx(&a5["packet"]),
            pn_offset: 1,
            largest: Some(a5["packet_number"].as_u64().unwrap() - 1),
        },
    ]
}

/// Unprotects and opens `packet` as `r`'s receiver would.
fn receive(r: &Received, packet: &mut [u8], pn_offset: usize) -> Result<Vec<u8>, Error> {
    let field = r.keys.header.unprotect(packet, pn_offset)?;
    let (head, body) = packet.split_at_mut(pn_offset + field.len());
    let number = field.decode(r.largest);
    Ok(r.keys.packet.open_in_place(number, head, body)?.to_vec())
}

#[test]
fn any_flipped_bit_fails_to_open() {
    let v = vectors();
    for p in providers::providers() {
        for r in protected_packets(p, &v) {
            let (packet, pn_offset) = (&r.packet, r.pn_offset);
            assert!(receive(&r, &mut packet.clone(), pn_offset).is_ok());
            // Every byte of the short packets; a spread of the long one.
            let step = if packet.len() > 300 { 7 } else { 1 };
            for i in (0..packet.len()).step_by(step) {
                for bit in [0x01, 0x80] {
                    let mut bad = packet.clone();
                    bad[i] ^= bit;
                    // The Header Form bit changes which bits of the first
                    // byte are masked, and with them the packet number
                    // length; whatever it reads, the packet must not open.
                    let got = receive(&r, &mut bad, pn_offset);
                    assert_eq!(
                        got,
                        Err(Error::DecryptFailed),
                        "{}: byte {i} bit {bit:#x}",
                        p.name
                    );
                }
            }
        }
    }
}

#[test]
fn short_samples_and_packets_are_refused() {
    let v = vectors();
    for p in providers::providers() {
        for r in protected_packets(p, &v) {
            let (keys, packet, pn_offset) = (&r.keys, &r.packet, r.pn_offset);
            let header = &keys.header;
            assert_eq!(header.sample_len(), 16);
            for len in 0..16 {
                assert_eq!(
                    header.mask(&packet[..len]),
                    Err(Error::InvalidMessage(InvalidMessage::MissingData(
                        "QUIC header protection sample"
                    ))),
                    "{}: {len}",
                    p.name
                );
            }
            assert!(matches!(
                header.mask(&packet[..17]),
                Err(Error::InvalidMessage(InvalidMessage::TrailingData(_)))
            ));
            // A packet that ends inside the sample is refused untouched;
            // one that holds it exactly is unmasked.
            let needed = pn_offset + 4 + 16;
            for len in 0..needed {
                let mut short = packet[..len].to_vec();
                assert!(
                    matches!(
                        header.unprotect(&mut short, pn_offset),
                        Err(Error::InvalidMessage(InvalidMessage::MissingData(_)))
                    ),
                    "{}: {len}",
                    p.name
                );
                assert_eq!(short, packet[..len], "{}: changed at {len}", p.name);
                assert!(header.protect(&mut short, pn_offset).is_err());
            }
            header
                .unprotect(&mut packet[..needed].to_vec(), pn_offset)
                .unwrap();
            // Offsets that cannot be right are refused, not indexed.
            for offset in [0, packet.len(), usize::MAX - 3, usize::MAX] {
                let mut copy = packet.clone();
                assert!(header.unprotect(&mut copy, offset).is_err(), "{offset}");
                assert!(header.protect(&mut copy, offset).is_err(), "{offset}");
            }
            // A payload shorter than a tag does not authenticate.
            for len in 0..16 {
                let mut body = vec![0u8; len];
                assert_eq!(
                    keys.packet.open_in_place(0, b"", &mut body),
                    Err(Error::DecryptFailed)
                );
            }
        }
    }
}

#[test]
fn packet_number_length_comes_from_the_unmasked_first_byte() {
    let v = vectors();
    for p in providers::providers() {
        // (protected first byte, unprotected first byte, length)
        let expect = [(0xc0, 0xc3, 4), (0xcf, 0xc1, 2), (0x4c, 0x42, 3)];
        for (r, (masked, clear, len)) in protected_packets(p, &v).into_iter().zip(expect) {
            assert_eq!(r.packet[0], masked);
            // Read off the protected byte the length would be wrong.
            assert_ne!(packet_number_len(masked), len);
            let mut packet = r.packet.clone();
            let field = r.keys.header.unprotect(&mut packet, r.pn_offset).unwrap();
            assert_eq!((packet[0], field.len()), (clear, len), "{}", p.name);
            assert_eq!(packet_number_len(clear), len);
        }
    }
    // Long and short headers alike: the two low bits plus one.
    for (first, len) in [
        (0xc0, 1),
        (0xc1, 2),
        (0xc2, 3),
        (0xc3, 4),
        (0x40, 1),
        (0x5f, 4),
    ] {
        assert_eq!(packet_number_len(first), len);
    }
}

#[test]
fn garbage_never_panics() {
    let v = vectors();
    for p in providers::providers() {
        for r in protected_packets(p, &v) {
            for len in 0..64usize.min(r.packet.len()) {
                for pn_offset in 0..len + 2 {
                    let mut bytes: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(97)).collect();
                    let _ = receive(&r, &mut bytes, pn_offset);
                }
            }
        }
    }
}

#[test]
fn packet_numbers_beyond_2_62_are_refused() {
    for p in providers::providers() {
        let keys = InitialKeys::new(p, Version::V1, &[1, 2, 3, 4]).unwrap();
        let mut buf = [0u8; 20];
        assert!(
            keys.client
                .packet
                .seal_in_place(MAX_PACKET_NUMBER, b"h", &mut buf[..4])
                .is_ok()
        );
        assert!(matches!(
            keys.client
                .packet
                .seal_in_place(MAX_PACKET_NUMBER + 1, b"h", &mut buf[..4]),
            Err(Error::Internal(_))
        ));
        assert!(matches!(
            keys.client
                .packet
                .open_in_place(MAX_PACKET_NUMBER + 1, b"h", &mut buf),
            Err(Error::Internal(_))
        ));
    }
}

#[test]
fn connection_ids_over_20_bytes_are_refused() {
    for p in providers::providers() {
        for len in [0, 1, 8, 20] {
            InitialKeys::new(p, Version::V1, &vec![7; len]).unwrap();
        }
        assert!(matches!(
            InitialKeys::new(p, Version::V1, &[7; 21]),
            Err(Error::InvalidMessage(InvalidMessage::InvalidValue(_)))
        ));
    }
}

#[test]
fn limits_follow_rfc9001_section_6_6() {
    for p in providers::providers() {
        let aes = InitialKeys::new(p, Version::V1, &[1; 8])
            .unwrap()
            .client
            .packet;
        assert_eq!(
            (aes.confidentiality_limit(), aes.integrity_limit()),
            (1 << 23, 1 << 52)
        );
        let chacha = PacketKey::new(chacha_suite(p), Version::V1, &[2; 32]).unwrap();
        assert_eq!(chacha.integrity_limit(), 1 << 36);
        assert!(chacha.confidentiality_limit() >= 1 << 62);
        assert_eq!((aes.tag_len(), chacha.tag_len()), (16, 16));
    }
}

#[test]
fn a_provider_without_header_protection_is_refused() {
    static NO_HP: CryptoProvider = CryptoProvider {
        name: "no-hp",
        header_protections: &[],
        ..tls13::crypto::rustcrypto::PROVIDER
    };
    for result in [
        Suite::initial(&NO_HP).map(|_| ()),
        InitialKeys::new(&NO_HP, Version::V1, &[1; 8]).map(|_| ()),
        Suite::from_tls(&NO_HP, NO_HP.suites[2]).map(|_| ()),
    ] {
        match result {
            Err(Error::BadConfig(msg)) => assert!(msg.contains("no-hp"), "{msg}"),
            other => panic!("expected BadConfig, got {other:?}"),
        }
    }
}

#[test]
fn header_protection_keys_of_the_wrong_length_are_refused() {
    for p in providers::providers() {
        for alg in [
            HeaderProtectionAlgorithm::Aes128,
            HeaderProtectionAlgorithm::Aes256,
            HeaderProtectionAlgorithm::ChaCha20,
        ] {
            let hp = p.header_protection(alg).unwrap();
            assert_eq!(hp.algorithm(), alg);
            for len in [0, 15, 16, 24, 31, 32, 33] {
                assert_eq!(
                    hp.key(&vec![1; len]).is_ok(),
                    len == alg.key_len(),
                    "{alg:?} {len}"
                );
            }
        }
    }
}

/// RFC 8439 §2.3's ChaCha20 block function, written out: the reference
/// for header protection masks at any counter.
fn chacha20_block(key: &[u8; 32], counter: u32, nonce: &[u8; 12]) -> [u8; 64] {
    fn qr(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(16);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(12);
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(8);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(7);
    }
    let word = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap());
    let mut init = [0u32; 16];
    init[..4].copy_from_slice(&[0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
    for (w, k) in init[4..12].iter_mut().zip(key.chunks_exact(4)) {
        *w = word(k);
    }
    init[12] = counter;
    for (w, n) in init[13..].iter_mut().zip(nonce.chunks_exact(4)) {
        *w = word(n);
    }
    let mut s = init;
    for _ in 0..10 {
        qr(&mut s, 0, 4, 8, 12);
        qr(&mut s, 1, 5, 9, 13);
        qr(&mut s, 2, 6, 10, 14);
        qr(&mut s, 3, 7, 11, 15);
        qr(&mut s, 0, 5, 10, 15);
        qr(&mut s, 1, 6, 11, 12);
        qr(&mut s, 2, 7, 8, 13);
        qr(&mut s, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for ((o, w), i) in out.chunks_exact_mut(4).zip(s).zip(init) {
        o.copy_from_slice(&w.wrapping_add(i).to_le_bytes());
    }
    out
}

/// §5.4.4: the sample's first four bytes are the block counter, and any
/// value is a peer's to choose, the last block of the 32-bit counter
/// included (where a cipher that checks the keystream's end, or a debug
/// build's overflow check, could refuse or panic): the mask is always
/// the first five bytes of that block, with every provider.
#[test]
fn chacha20_masks_at_every_counter_edge() {
    let key: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ 0x5a);
    for p in providers::providers() {
        let hp = p
            .header_protection(HeaderProtectionAlgorithm::ChaCha20)
            .unwrap()
            .key(&key)
            .unwrap();
        for counter in [0u32, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff] {
            let mut sample = [0x33u8; 16];
            sample[..4].copy_from_slice(&counter.to_le_bytes());
            let nonce: [u8; 12] = sample[4..].try_into().unwrap();
            let want = chacha20_block(&key, counter, &nonce);
            assert_eq!(
                hp.mask(&sample)[..],
                want[..5],
                "{}: counter {counter:#x}",
                p.name
            );
        }
    }
}
