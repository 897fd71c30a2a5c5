//! Every handshake message of the RFC 8448 traces parses and re-encodes to
//! the same bytes; selected fields match the trace; truncated and mutated
//! messages fail cleanly.

use tls13::unstable::codec::{Codec, Reader};
use tls13::unstable::msgs::enums::*;
use tls13::unstable::msgs::handshake::*;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vectors/rfc8448/rfc8448-vectors.json"
));

const MESSAGE_LABELS: &[&str] = &[
    "ClientHello",
    "ServerHello",
    "HelloRetryRequest",
    "EncryptedExtensions",
    "Certificate",
    "CertificateRequest",
    "CertificateVerify",
    "Finished",
    "NewSessionTicket",
    "EndOfEarlyData",
    "KeyUpdate",
];

struct Entry {
    section: String,
    actor: String,
    step: String,
    label: String,
    bytes: Vec<u8>,
}

fn entries() -> Vec<Entry> {
    let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Entry {
            section: e["section"].as_str().unwrap().to_owned(),
            actor: e["actor"].as_str().unwrap().to_owned(),
            step: e["step"].as_str().unwrap().to_owned(),
            label: e["label"].as_str().unwrap().to_owned(),
            bytes: hex::decode(e["hex"].as_str().unwrap_or("")).unwrap(),
        })
        .collect()
}

/// A message of the traces: (section, actor, label, complete encoding).
///
/// RFC 8448 §4 prints the resumption ClientHello without its binders (the
/// binders are computed over that prefix); the complete message is the
/// payload of the record sent next. That is the only message taken from a
/// record payload, and the test checks that the printed value is its prefix.
fn messages() -> Vec<(String, String, String, Vec<u8>)> {
    let all = entries();
    let mut out = Vec::new();
    let mut completed_from_record = 0;
    for (i, e) in all.iter().enumerate() {
        if !MESSAGE_LABELS.contains(&e.label.as_str()) {
            continue;
        }
        let declared = e
            .bytes
            .get(1..4)
            .map(|l| u32::from_be_bytes([0, l[0], l[1], l[2]]));
        let mut bytes = e.bytes.clone();
        if declared != Some(e.bytes.len() as u32 - 4) {
            assert_eq!(
                e.label, "ClientHello",
                "only the PSK ClientHello is printed partially"
            );
            let record = all[i..]
                .iter()
                .find(|n| {
                    n.actor == e.actor && n.step == "send handshake record" && n.label == "payload"
                })
                .expect("record carrying the complete ClientHello");
            assert!(record.bytes.starts_with(&e.bytes));
            bytes = record.bytes.clone();
            completed_from_record += 1;
        }
        out.push((e.section.clone(), e.actor.clone(), e.label.clone(), bytes));
    }
    assert_eq!(completed_from_record, 1);
    out
}

fn parse(bytes: &[u8]) -> HandshakeMessage {
    let mut r = Reader::new(bytes);
    let msg = HandshakeMessage::read(&mut r).unwrap();
    assert!(!r.any_left(), "whole input consumed");
    msg
}

/// The `n`th (0-based) message with this label in the section.
fn message(section: &str, label: &str, n: usize) -> HandshakeMessage {
    let m = messages();
    let found = m
        .iter()
        .filter(|(s, _, l, _)| s.starts_with(section) && l == label)
        .nth(n)
        .unwrap_or_else(|| panic!("{section} {label} #{n}"));
    parse(&found.3)
}

fn entry(section: &str, actor: &str, step: &str, label: &str) -> Vec<u8> {
    entries()
        .into_iter()
        .find(|e| {
            e.section.starts_with(section) && e.actor == actor && e.step == step && e.label == label
        })
        .unwrap_or_else(|| panic!("{section} {actor} {step} {label}"))
        .bytes
}

fn client_hello(section: &str, n: usize) -> ClientHello {
    match message(section, "ClientHello", n) {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn server_hello(section: &str, n: usize) -> ServerHello {
    match message(section, "ServerHello", n) {
        HandshakeMessage::ServerHello(sh) => sh,
        other => panic!("not a ServerHello: {other:?}"),
    }
}

#[test]
fn every_trace_message_round_trips() {
    let msgs = messages();
    // 40 messages over the 5 sections: guards against the label filter missing any.
    assert_eq!(msgs.len(), 40);
    for (section, actor, label, bytes) in &msgs {
        let msg = parse(bytes);
        let expected_type = match label.as_str() {
            "ClientHello" => HandshakeType::CLIENT_HELLO,
            "ServerHello" => HandshakeType::SERVER_HELLO,
            "EncryptedExtensions" => HandshakeType::ENCRYPTED_EXTENSIONS,
            "Certificate" => HandshakeType::CERTIFICATE,
            "CertificateRequest" => HandshakeType::CERTIFICATE_REQUEST,
            "CertificateVerify" => HandshakeType::CERTIFICATE_VERIFY,
            "Finished" => HandshakeType::FINISHED,
            "NewSessionTicket" => HandshakeType::NEW_SESSION_TICKET,
            "EndOfEarlyData" => HandshakeType::END_OF_EARLY_DATA,
            other => panic!("unexpected label {other}"),
        };
        assert_eq!(msg.typ(), expected_type, "{section} {actor} {label}");
        assert!(!matches!(msg, HandshakeMessage::Unknown { .. }));
        assert_eq!(&msg.to_bytes(), bytes, "{section} {actor} {label}");
    }
}

#[test]
fn simple_client_hello_fields() {
    let ch = client_hello("Simple", 0);
    assert_eq!(ch.legacy_version, ProtocolVersion::TLS1_2);
    assert!(ch.legacy_session_id.is_empty());
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite(0x1301),
            CipherSuite(0x1303),
            CipherSuite(0x1302)
        ]
    );
    assert_eq!(ch.legacy_compression_methods, [0]);
    let public = entry(
        "Simple",
        "{client}",
        "create an ephemeral x25519 key pair",
        "public key",
    );
    assert_eq!(
        ch.find(ExtensionType::KEY_SHARE),
        Some(&ClientExtension::KeyShare(vec![KeyShareEntry {
            group: NamedGroup::X25519,
            payload: public
        }]))
    );
    assert_eq!(
        ch.find(ExtensionType::SERVER_NAME),
        Some(&ClientExtension::ServerName(vec![(
            ServerNameType::HOST_NAME,
            b"server".to_vec()
        )]))
    );
    assert_eq!(
        ch.find(ExtensionType::SUPPORTED_VERSIONS),
        Some(&ClientExtension::SupportedVersions(vec![
            ProtocolVersion::TLS1_3
        ]))
    );
    assert_eq!(
        ch.find(ExtensionType::RECORD_SIZE_LIMIT),
        Some(&ClientExtension::RecordSizeLimit(0x4001))
    );
    // NSS's renegotiation_info and session_ticket stay as raw extensions.
    assert!(matches!(
        ch.find(ExtensionType::RENEGOTIATION_INFO),
        Some(ClientExtension::Unknown(_))
    ));
    assert_eq!(ch.encoding_for_binders(), None);
}

#[test]
fn simple_server_flight_fields() {
    let sh = server_hello("Simple", 0);
    assert!(!sh.is_retry_request());
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_AES_128_GCM_SHA256);
    let public = entry(
        "Simple",
        "{server}",
        "create an ephemeral x25519 key pair",
        "public key",
    );
    assert_eq!(
        sh.find(ExtensionType::KEY_SHARE),
        Some(&ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::X25519,
            payload: public
        }))
    );
    assert_eq!(
        sh.find(ExtensionType::SUPPORTED_VERSIONS),
        Some(&ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3))
    );

    let HandshakeMessage::EncryptedExtensions(ee) = message("Simple", "EncryptedExtensions", 0)
    else {
        panic!()
    };
    assert!(ee.contains(&ServerExtension::ServerNameAck));
    assert!(ee.contains(&ServerExtension::RecordSizeLimit(0x4001)));

    let HandshakeMessage::Certificate(cert) = message("Simple", "Certificate", 0) else {
        panic!()
    };
    assert!(cert.context.is_empty());
    assert_eq!(cert.entries.len(), 1);
    assert_eq!(cert.entries[0].data.len(), 0x1b0);
    assert_eq!(cert.entries[0].data[..2], [0x30, 0x82], "a DER SEQUENCE");
    assert!(cert.entries[0].extensions.is_empty());

    let HandshakeMessage::CertificateVerify(cv) = message("Simple", "CertificateVerify", 0) else {
        panic!()
    };
    assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    assert_eq!(cv.signature.len(), 128, "1024-bit RSA key");

    let HandshakeMessage::NewSessionTicket(nst) = message("Simple", "NewSessionTicket", 0) else {
        panic!()
    };
    assert_eq!(nst.lifetime, 30);
    assert_eq!(nst.age_add, 0xfad6aac5);
    assert_eq!(nst.nonce, [0, 0]);
    assert_eq!(nst.ticket.len(), 0xb2);
    assert_eq!(nst.extensions, [TicketExtension::EarlyData(0x400)]);
}

#[test]
fn finished_messages_carry_the_traced_verify_data() {
    let finished_values: Vec<(String, Vec<u8>)> = entries()
        .into_iter()
        .filter(|e| e.label == "finished" && !e.step.contains("binder"))
        .map(|e| (e.section, e.bytes))
        .collect();
    let mut checked = 0;
    for (section, _, label, bytes) in messages() {
        if label != "Finished" {
            continue;
        }
        let HandshakeMessage::Finished(data) = parse(&bytes) else {
            panic!()
        };
        assert!(finished_values.contains(&(section, data)));
        checked += 1;
    }
    assert_eq!(checked, 10);
}

#[test]
fn resumption_client_hello_binders() {
    let ch = client_hello("Resumed", 0);
    let full = ch_bytes_full(&ch);
    let Some(ClientExtension::PreSharedKey(psk)) = ch.extensions.last() else {
        panic!("pre_shared_key must be last")
    };
    // The identity is the ticket the server issued in §3.
    let HandshakeMessage::NewSessionTicket(nst) = message("Simple", "NewSessionTicket", 0) else {
        panic!()
    };
    assert_eq!(psk.identities.len(), 1);
    assert_eq!(psk.identities[0].identity, nst.ticket);
    let binder = entry("Resumed", "{client}", "calculate PSK binder", "finished");
    assert_eq!(psk.binders, [binder]);
    assert!(ch.find(ExtensionType::EARLY_DATA) == Some(&ClientExtension::EarlyData));
    assert_eq!(
        ch.find(ExtensionType::PSK_KEY_EXCHANGE_MODES),
        Some(&ClientExtension::PskKeyExchangeModes(vec![
            PskKeyExchangeMode::PSK_DHE_KE
        ]))
    );

    let prefix = ch.encoding_for_binders().unwrap();
    assert_eq!(
        prefix,
        entry(
            "Resumed",
            "{client}",
            "calculate PSK binder",
            "ClientHello prefix"
        )
    );
    // binders<33..2^16-1>: a u16 length, then one u8 length and 32 bytes.
    assert_eq!(full.len(), 512);
    assert_eq!(full.len() - prefix.len(), 2 + 1 + 32);
    assert_eq!(&full[..prefix.len()], &prefix[..]);
    assert_eq!(full[prefix.len()..prefix.len() + 3], [0x00, 0x21, 0x20]);

    let sh = server_hello("Resumed", 0);
    assert_eq!(
        sh.find(ExtensionType::PRE_SHARED_KEY),
        Some(&ServerExtension::PreSharedKey(0))
    );
    let HandshakeMessage::EncryptedExtensions(ee) = message("Resumed", "EncryptedExtensions", 0)
    else {
        panic!()
    };
    assert!(ee.contains(&ServerExtension::EarlyData));
    assert_eq!(
        message("Resumed", "EndOfEarlyData", 0),
        HandshakeMessage::EndOfEarlyData
    );
}

fn ch_bytes_full(ch: &ClientHello) -> Vec<u8> {
    HandshakeMessage::ClientHello(ch.clone()).to_bytes()
}

#[test]
fn hello_retry_request_fields() {
    let hrr = server_hello("HelloRetryRequest", 0);
    assert!(hrr.is_retry_request());
    assert_eq!(
        hrr.find(ExtensionType::KEY_SHARE),
        Some(&ServerExtension::KeyShareRetry(NamedGroup::SECP256R1))
    );
    let Some(ServerExtension::Cookie(cookie)) = hrr.find(ExtensionType::COOKIE) else {
        panic!("HRR carries a cookie")
    };
    assert!(!cookie.is_empty());

    let ch1 = client_hello("HelloRetryRequest", 0);
    assert_eq!(ch1.find(ExtensionType::COOKIE), None);
    // The second ClientHello echoes the cookie and offers a P-256 share.
    let ch2 = client_hello("HelloRetryRequest", 1);
    assert_eq!(
        ch2.find(ExtensionType::COOKIE),
        Some(&ClientExtension::Cookie(cookie.clone()))
    );
    let Some(ClientExtension::KeyShare(shares)) = ch2.find(ExtensionType::KEY_SHARE) else {
        panic!()
    };
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::SECP256R1);
    assert_eq!(shares[0].payload.len(), 65, "uncompressed P-256 point");
    assert_eq!(shares[0].payload[0], 0x04);

    let sh = server_hello("HelloRetryRequest", 1);
    assert!(!sh.is_retry_request());
    assert!(matches!(
        sh.find(ExtensionType::KEY_SHARE),
        Some(ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::SECP256R1,
            ..
        }))
    ));
}

#[test]
fn client_auth_and_compat_fields() {
    let HandshakeMessage::CertificateRequest(cr) =
        message("Client Authentication", "CertificateRequest", 0)
    else {
        panic!()
    };
    assert!(cr.context.is_empty());
    let Some(CertReqExtension::SignatureAlgorithms(schemes)) = cr.extensions.first() else {
        panic!()
    };
    assert_eq!(schemes.len(), 15);
    assert_eq!(schemes[0], SignatureScheme::ECDSA_SECP256R1_SHA256);

    let HandshakeMessage::CertificateVerify(cv) =
        message("Client Authentication", "CertificateVerify", 0)
    else {
        panic!()
    };
    assert_eq!(cv.scheme, SignatureScheme::ECDSA_SECP256R1_SHA256);

    let ch = client_hello("Compatibility", 0);
    let sh = server_hello("Compatibility", 0);
    assert_eq!(ch.legacy_session_id.len(), 32);
    assert_eq!(sh.legacy_session_id_echo, ch.legacy_session_id);
}

#[test]
fn every_strict_prefix_fails() {
    for (section, actor, label, bytes) in messages() {
        for cut in 0..bytes.len() {
            let mut r = Reader::new(&bytes[..cut]);
            assert!(
                HandshakeMessage::read(&mut r).is_err(),
                "{section} {actor} {label} cut at {cut}"
            );
        }
    }
}

/// Truncates the body but fixes the length header, so that the parser of
/// each message meets the cut rather than the framing.
#[test]
fn reframed_truncated_bodies_never_panic() {
    for (_, _, _, bytes) in messages() {
        for cut in 4..bytes.len() {
            let body_len = (cut - 4) as u32;
            let mut input = bytes[..cut].to_vec();
            input[1..4].copy_from_slice(&body_len.to_be_bytes()[1..]);
            if let Ok(msg) = HandshakeMessage::read(&mut Reader::new(&input)) {
                assert_eq!(msg.to_bytes(), input, "accepted input must round-trip");
            }
        }
    }
}

#[test]
fn single_byte_mutations_never_panic() {
    let mut accepted = 0usize;
    let mut rejected = 0usize;
    for (_, _, _, bytes) in messages() {
        for pos in 0..bytes.len() {
            for m in [0x01u8, 0x80, 0xff] {
                let mut input = bytes.clone();
                input[pos] ^= m;
                let mut r = Reader::new(&input);
                match HandshakeMessage::read(&mut r) {
                    Ok(msg) => {
                        accepted += 1;
                        // Whatever parses re-encodes to the bytes it consumed.
                        let used = r.used();
                        assert_eq!(msg.to_bytes(), input[..used]);
                    }
                    Err(_) => rejected += 1,
                }
            }
        }
    }
    // Both outcomes occur: the sweep exercises real parsing paths.
    assert!(accepted > 0 && rejected > 0, "{accepted} {rejected}");
}
