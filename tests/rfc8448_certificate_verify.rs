//! RFC 8448 §3's server CertificateVerify, reproduced byte for byte: the
//! §2 RSA key signs the §4.5.2 message over the trace's transcript with the
//! salt recovered from the recorded signature. Also checks the helpers the
//! full replay test builds on.

mod common;

use common::{ScriptedRandom, recover_pss_salt, rfc8448_bytes, rfc8448_server_rsa_pkcs1_der};
use sha2::Digest;
use tls13::crypto::SecureRandom;
use tls13::crypto::sign::{self, KeyKind, VerifyError};
use tls13::error::Error;
use tls13::unstable::msgs::enums::SignatureScheme;

const SECTION: &str = "Simple 1-RTT Handshake";

fn message(actor: &str, name: &str) -> Vec<u8> {
    let step = match name {
        "EncryptedExtensions" | "Certificate" | "CertificateVerify" => {
            format!("construct an {name} handshake message")
                .replace("an Certificate", "a Certificate")
        }
        _ => format!("construct a {name} handshake message"),
    };
    rfc8448_bytes(SECTION, actor, &step, name)
}

/// The end-entity certificate inside the trace's Certificate message
/// (RFC 9846 §4.5.1: context<0..255>, certificate_list<0..2^24-1> of
/// CertificateEntry { cert_data<1..2^24-1>, extensions<0..2^16-1> }).
fn leaf_certificate(msg: &[u8]) -> Vec<u8> {
    assert_eq!(msg[0], 11, "Certificate handshake type");
    let body = &msg[4..];
    let ctx_len = body[0] as usize;
    let list = &body[1 + ctx_len + 3..];
    let len = u32::from_be_bytes([0, list[0], list[1], list[2]]) as usize;
    list[3..3 + len].to_vec()
}

#[test]
fn scripted_random_hands_out_bytes_in_order_then_fails() {
    let rng = ScriptedRandom::from_hex(&["0102", "030405"]);
    let mut a = [0u8; 2];
    rng.fill(&mut a).unwrap();
    assert_eq!(a, [1, 2]);
    let mut b = [0u8; 4];
    assert_eq!(rng.fill(&mut b), Err(Error::RandomFailed));
    assert_eq!(rng.remaining(), 3, "a failed draw consumes nothing");
    let mut c = [0u8; 3];
    rng.fill(&mut c).unwrap();
    assert_eq!(c, [3, 4, 5]);
    assert_eq!(rng.fill(&mut [0u8; 1]), Err(Error::RandomFailed));
}

#[test]
fn server_rsa_key_matches_the_trace_certificate() {
    let key = tls13::crypto::rustcrypto::provider()
        .load_private_key(&rfc8448_server_rsa_pkcs1_der())
        .unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa(1024));
    let cert = leaf_certificate(&message("{server}", "Certificate"));
    assert_eq!(
        sign::certificate_spki(&cert).unwrap(),
        key.public_key_spki()
    );
}

#[test]
fn server_certificate_verify_is_reproduced_byte_for_byte() {
    let key = tls13::crypto::rustcrypto::provider()
        .load_private_key(&rfc8448_server_rsa_pkcs1_der())
        .unwrap();
    let spki = key.public_key_spki();

    // RFC 9846 §4.5.2: the transcript hash runs over ClientHello ..
    // Certificate.
    let mut transcript = sha2::Sha256::new();
    transcript.update(message("{client}", "ClientHello"));
    transcript.update(message("{server}", "ServerHello"));
    transcript.update(message("{server}", "EncryptedExtensions"));
    transcript.update(message("{server}", "Certificate"));
    let mut signed = vec![0x20u8; 64];
    signed.extend_from_slice(b"TLS 1.3, server CertificateVerify");
    signed.push(0);
    signed.extend_from_slice(&transcript.finalize());

    // CertificateVerify { SignatureScheme algorithm; opaque signature<0..2^16-1>; }
    let cv = message("{server}", "CertificateVerify");
    assert_eq!(cv[0], 15, "CertificateVerify handshake type");
    let scheme = SignatureScheme(u16::from_be_bytes([cv[4], cv[5]]));
    assert_eq!(scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    let sig_len = u16::from_be_bytes([cv[6], cv[7]]) as usize;
    let recorded = &cv[8..];
    assert_eq!(recorded.len(), sig_len);

    // The recorded signature verifies with our verifier when 1024-bit keys
    // are allowed, and is refused at the default minimum.
    sign::verify_with(
        tls13::crypto::rustcrypto::provider().signatures,
        &spki,
        scheme,
        &signed,
        recorded,
        1024,
    )
    .unwrap();
    assert_eq!(
        sign::verify_with(
            tls13::crypto::rustcrypto::provider().signatures,
            &spki,
            scheme,
            &signed,
            recorded,
            sign::DEFAULT_MIN_RSA_BITS
        ),
        Err(VerifyError::RsaKeyTooSmall(1024, 2048))
    );

    let salt = recover_pss_salt(&spki, scheme, &signed, recorded);
    assert_eq!(salt.len(), 32);
    let rng = ScriptedRandom::new(salt);
    let ours = key.sign(scheme, &signed, &rng).unwrap();
    assert_eq!(rng.remaining(), 0, "signing drew exactly the salt");
    assert_eq!(hex::encode(&ours), hex::encode(recorded));

    // A different salt gives a different (still valid) signature: the
    // match above is not an accident of a salt-independent signer.
    let other = key
        .sign(scheme, &signed, &ScriptedRandom::new(vec![7u8; 32]))
        .unwrap();
    assert_ne!(other, recorded);
    sign::verify_with(
        tls13::crypto::rustcrypto::provider().signatures,
        &spki,
        scheme,
        &signed,
        &other,
        1024,
    )
    .unwrap();
}

#[test]
fn rsa_signing_without_randomness_fails_cleanly() {
    let key = tls13::crypto::rustcrypto::provider()
        .load_private_key(&rfc8448_server_rsa_pkcs1_der())
        .unwrap();
    let rng = ScriptedRandom::new(vec![0u8; 31]);
    assert_eq!(
        key.sign(SignatureScheme::RSA_PSS_RSAE_SHA256, b"m", &rng),
        Err(Error::RandomFailed)
    );
}
