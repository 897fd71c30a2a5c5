//! Round trips of hand-built messages and the parse-time rules of RFC 9846
//! §4 (bounds, duplicates, ordering). Traces from RFC 8448 are tested in
//! `tests/msgs_rfc8448.rs`.

use alloc::vec;
use alloc::vec::Vec;

use super::enums::*;
use super::handshake::*;
use crate::codec::{Codec, Reader};
use crate::error::InvalidMessage;

fn round_trip(msg: HandshakeMessage) {
    let bytes = msg.to_bytes();
    let mut r = Reader::new(&bytes);
    let back = HandshakeMessage::read(&mut r).unwrap();
    assert!(!r.any_left());
    assert_eq!(back, msg);
    assert_eq!(back.to_bytes(), bytes);
    // Header: type, then the u24 length of what follows.
    assert_eq!(bytes[0], msg.typ().0);
    assert_eq!(
        bytes.len() - 4,
        u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize
    );
}

fn parse(bytes: &[u8]) -> Result<HandshakeMessage, InvalidMessage> {
    HandshakeMessage::read_exact(bytes, "test message")
}

/// A handshake message of type `typ` with the given body.
fn framed(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![typ];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// An extension: type, u16 length, body.
fn ext(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut out = typ.to_be_bytes().to_vec();
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A ClientHello body with the given raw extension bytes (block prefix added).
fn ch_body(exts: &[u8]) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend_from_slice(&[7; 32]);
    b.push(0); // session id
    b.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend_from_slice(exts);
    b
}

fn ch_with(exts: &[u8]) -> Result<HandshakeMessage, InvalidMessage> {
    parse(&framed(1, &ch_body(exts)))
}

fn sh_body(random: [u8; 32], exts: &[u8]) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend_from_slice(&random);
    b.extend_from_slice(&[0, 0x13, 0x01, 0]);
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend_from_slice(exts);
    b
}

fn psk(binder_len: usize) -> OfferedPsks {
    OfferedPsks {
        identities: vec![PskIdentity {
            identity: b"ticket".to_vec(),
            obfuscated_ticket_age: 0x01020304,
        }],
        binders: vec![vec![0xbb; binder_len]],
    }
}

fn sample_client_hello() -> ClientHello {
    ClientHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [0x11; 32],
        legacy_session_id: vec![0x22; 32],
        cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite(0xabab)],
        legacy_compression_methods: vec![0],
        extensions: vec![
            ClientExtension::ServerName(vec![(ServerNameType::HOST_NAME, b"example.com".to_vec())]),
            ClientExtension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup(0x9999)]),
            ClientExtension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            ClientExtension::SignatureAlgorithmsCert(vec![SignatureScheme::RSA_PSS_RSAE_SHA256]),
            ClientExtension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            ClientExtension::StatusRequest(vec![1, 0, 0, 0, 0]),
            ClientExtension::RecordSizeLimit(16385),
            ClientExtension::SupportedVersions(vec![
                ProtocolVersion::TLS1_3,
                ProtocolVersion::TLS1_2,
            ]),
            ClientExtension::KeyShare(vec![
                KeyShareEntry {
                    group: NamedGroup::X25519,
                    payload: vec![9; 32],
                },
                KeyShareEntry {
                    group: NamedGroup::SECP256R1,
                    payload: vec![4; 65],
                },
            ]),
            ClientExtension::Cookie(vec![1, 2, 3]),
            ClientExtension::EarlyData,
            ClientExtension::PskKeyExchangeModes(vec![PskKeyExchangeMode::PSK_DHE_KE]),
            ClientExtension::CertificateAuthorities(vec![vec![0x30, 0x00], vec![0x30, 0x01, 0x00]]),
            ClientExtension::PostHandshakeAuth,
            ClientExtension::Padding(17),
            ClientExtension::ClientCertificateType(vec![CertificateType::RAW_PUBLIC_KEY]),
            ClientExtension::ServerCertificateType(vec![CertificateType::X509, CertificateType(9)]),
            ClientExtension::Unknown(UnknownExtension {
                typ: ExtensionType(0xfafa),
                body: vec![],
            }),
            ClientExtension::Unknown(UnknownExtension {
                typ: ExtensionType::SESSION_TICKET,
                body: vec![1, 2, 3],
            }),
            ClientExtension::PreSharedKey(psk(32)),
        ],
    }
}

#[test]
fn client_hello_round_trips_with_every_extension() {
    let ch = sample_client_hello();
    assert_eq!(
        ch.find(ExtensionType::COOKIE),
        Some(&ClientExtension::Cookie(vec![1, 2, 3]))
    );
    assert_eq!(ch.find(ExtensionType::OID_FILTERS), None);
    round_trip(HandshakeMessage::ClientHello(ch));
}

#[test]
fn client_hello_without_extensions_round_trips() {
    // §4.2.2: an older client may omit the extensions field entirely.
    let mut ch = sample_client_hello();
    ch.extensions.clear();
    round_trip(HandshakeMessage::ClientHello(ch));
    // ... but a present, empty block breaks extensions<8..2^16-1>.
    assert_eq!(
        ch_with(&[]),
        Err(InvalidMessage::EmptyVector("ClientHello extensions"))
    );
}

#[test]
fn encoding_for_binders_drops_exactly_the_binders() {
    let ch = sample_client_hello();
    let full = HandshakeMessage::ClientHello(ch.clone()).to_bytes();
    let prefix = ch.encoding_for_binders().unwrap();
    // u16 list length + u8 binder length + 32 bytes.
    assert_eq!(full.len() - prefix.len(), 35);
    assert!(full.starts_with(&prefix));
    assert_eq!(&full[prefix.len()..prefix.len() + 3], &[0, 33, 32]);

    let mut no_psk = ch;
    no_psk.extensions.pop();
    assert_eq!(no_psk.encoding_for_binders(), None);
}

#[test]
fn server_hello_and_retry_request_round_trip() {
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [0x33; 32],
        legacy_session_id_echo: vec![5; 8],
        cipher_suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        legacy_compression_method: 0,
        extensions: vec![
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
            ServerExtension::KeyShare(KeyShareEntry {
                group: NamedGroup::X25519,
                payload: vec![1; 32],
            }),
            ServerExtension::PreSharedKey(0),
            ServerExtension::Unknown(UnknownExtension {
                typ: ExtensionType(0x7777),
                body: vec![1],
            }),
        ],
    };
    assert!(!sh.is_retry_request());
    assert_eq!(
        sh.find(ExtensionType::PRE_SHARED_KEY),
        Some(&ServerExtension::PreSharedKey(0))
    );
    round_trip(HandshakeMessage::ServerHello(sh.clone()));

    let hrr = ServerHello {
        random: HRR_RANDOM,
        extensions: vec![
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
            ServerExtension::KeyShareRetry(NamedGroup::SECP384R1),
            ServerExtension::Cookie(vec![0xcc; 40]),
        ],
        ..sh
    };
    assert!(hrr.is_retry_request());
    round_trip(HandshakeMessage::ServerHello(hrr));
}

#[test]
fn key_share_syntax_follows_the_random() {
    // The same bytes: a bare group is a HelloRetryRequest's selected_group...
    let group_only = ext(51, &[0x00, 0x17]);
    let HandshakeMessage::ServerHello(hrr) =
        parse(&framed(2, &sh_body(HRR_RANDOM, &group_only))).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        hrr.extensions,
        [ServerExtension::KeyShareRetry(NamedGroup::SECP256R1)]
    );
    // ... but is truncated as a ServerHello's KeyShareEntry.
    assert_eq!(
        parse(&framed(2, &sh_body([0; 32], &group_only))),
        Err(InvalidMessage::MissingData("key_exchange"))
    );
    let entry = ext(51, &[0x00, 0x1d, 0x00, 0x01, 0xaa]);
    assert!(parse(&framed(2, &sh_body(HRR_RANDOM, &entry))).is_err());
    let HandshakeMessage::ServerHello(sh) = parse(&framed(2, &sh_body([0; 32], &entry))).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        sh.extensions,
        [ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::X25519,
            payload: vec![0xaa]
        })]
    );
}

#[test]
fn encrypted_extensions_round_trip() {
    round_trip(HandshakeMessage::EncryptedExtensions(vec![
        ServerExtension::ServerNameAck,
        ServerExtension::SupportedGroups(vec![NamedGroup::X25519]),
        ServerExtension::Alpn(vec![b"h2".to_vec()]),
        ServerExtension::RecordSizeLimit(1024),
        ServerExtension::EarlyData,
        ServerExtension::ClientCertificateType(CertificateType::RAW_PUBLIC_KEY),
        ServerExtension::ServerCertificateType(CertificateType::X509),
        ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::USE_SRTP,
            body: vec![0, 0],
        }),
    ]));
    round_trip(HandshakeMessage::EncryptedExtensions(vec![]));
}

#[test]
fn certificate_messages_round_trip() {
    round_trip(HandshakeMessage::Certificate(CertificatePayload {
        context: vec![],
        entries: vec![
            CertificateEntry {
                data: vec![0x30; 300],
                extensions: vec![UnknownExtension {
                    typ: ExtensionType::STATUS_REQUEST,
                    body: vec![1, 0, 0, 1, 0xaa],
                }],
            },
            CertificateEntry {
                data: vec![0x30, 0],
                extensions: vec![],
            },
        ],
    }));
    round_trip(HandshakeMessage::Certificate(CertificatePayload {
        context: vec![1; 4],
        entries: vec![],
    }));
    round_trip(HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![9; 3],
        extensions: vec![
            CertReqExtension::SignatureAlgorithms(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]),
            CertReqExtension::SignatureAlgorithmsCert(vec![SignatureScheme::ED448]),
            CertReqExtension::CertificateAuthorities(vec![vec![0x30, 0]]),
            CertReqExtension::Unknown(UnknownExtension {
                typ: ExtensionType::OID_FILTERS,
                body: vec![0, 0],
            }),
        ],
    }));
    round_trip(HandshakeMessage::CertificateVerify(DigitallySigned {
        scheme: SignatureScheme::RSA_PSS_RSAE_SHA384,
        signature: vec![0x5a; 256],
    }));
}

#[test]
fn small_messages_round_trip() {
    round_trip(HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 604800,
        age_add: 0xdeadbeef,
        nonce: vec![0, 1],
        ticket: vec![0x42; 100],
        extensions: vec![
            TicketExtension::EarlyData(0x4000),
            TicketExtension::Unknown(UnknownExtension {
                typ: ExtensionType(0x1a1a),
                body: vec![],
            }),
        ],
    }));
    round_trip(HandshakeMessage::KeyUpdate(
        KeyUpdateRequest::UPDATE_REQUESTED,
    ));
    round_trip(HandshakeMessage::KeyUpdate(KeyUpdateRequest(7)));
    round_trip(HandshakeMessage::Finished(vec![0xf0; 48]));
    round_trip(HandshakeMessage::EndOfEarlyData);
    round_trip(HandshakeMessage::Unknown {
        typ: HandshakeType(3),
        body: vec![1, 2, 3],
    });
    round_trip(HandshakeMessage::Unknown {
        typ: HandshakeType(200),
        body: vec![],
    });
}

#[test]
fn message_hash_is_type_254_with_the_hash_as_body() {
    let msg = HandshakeMessage::MessageHash(vec![0xab; 32]);
    let bytes = msg.to_bytes();
    assert_eq!(bytes[..4], [254, 0, 0, 32]);
    assert_eq!(bytes[4..], [0xab; 32]);
    round_trip(msg);
}

#[test]
fn unknown_handshake_type_is_kept() {
    assert_eq!(
        parse(&framed(99, b"xyz")),
        Ok(HandshakeMessage::Unknown {
            typ: HandshakeType(99),
            body: b"xyz".to_vec()
        })
    );
}

#[test]
fn unknown_extensions_round_trip_in_every_block() {
    let raw = ext(0xeeee, b"opaque");
    let bytes = framed(1, &ch_body(&raw));
    let msg = parse(&bytes).unwrap();
    let HandshakeMessage::ClientHello(ch) = &msg else {
        panic!()
    };
    assert_eq!(
        ch.extensions,
        [ClientExtension::Unknown(UnknownExtension {
            typ: ExtensionType(0xeeee),
            body: b"opaque".to_vec()
        })]
    );
    assert_eq!(msg.to_bytes(), bytes);

    let mut ee_body = (raw.len() as u16).to_be_bytes().to_vec();
    ee_body.extend_from_slice(&raw);
    let ee = framed(8, &ee_body);
    assert_eq!(parse(&ee).unwrap().to_bytes(), ee);
}

#[test]
fn duplicate_extensions_are_rejected_in_every_block() {
    let sv = ext(43, &[2, 3, 4]);
    let twice = [sv.clone(), sv].concat();
    assert_eq!(ch_with(&twice), Err(InvalidMessage::DuplicateExtension(43)));
    // Unknown types are duplicates too.
    let unk = [ext(0xeeee, &[]), ext(0xeeee, &[1])].concat();
    assert_eq!(
        ch_with(&unk),
        Err(InvalidMessage::DuplicateExtension(0xeeee))
    );

    let sv_sh = [ext(43, &[3, 4]), ext(43, &[3, 4])].concat();
    assert_eq!(
        parse(&framed(2, &sh_body([0; 32], &sv_sh))),
        Err(InvalidMessage::DuplicateExtension(43))
    );
    let ed = [ext(42, &[]), ext(42, &[])].concat();
    let mut ee = (ed.len() as u16).to_be_bytes().to_vec();
    ee.extend_from_slice(&ed);
    assert_eq!(
        parse(&framed(8, &ee)),
        Err(InvalidMessage::DuplicateExtension(42))
    );

    let nst_exts = [ext(42, &[0, 0, 4, 0]), ext(42, &[0, 0, 4, 0])].concat();
    let mut nst = vec![0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0xaa];
    nst.extend_from_slice(&(nst_exts.len() as u16).to_be_bytes());
    nst.extend_from_slice(&nst_exts);
    assert_eq!(
        parse(&framed(4, &nst)),
        Err(InvalidMessage::DuplicateExtension(42))
    );

    let cr_exts = [ext(13, &[0, 2, 8, 7]), ext(13, &[0, 2, 8, 7])].concat();
    let mut cr = vec![0];
    cr.extend_from_slice(&(cr_exts.len() as u16).to_be_bytes());
    cr.extend_from_slice(&cr_exts);
    assert_eq!(
        parse(&framed(13, &cr)),
        Err(InvalidMessage::DuplicateExtension(13))
    );

    let entry_exts = [ext(5, &[1]), ext(5, &[2])].concat();
    let mut entry = vec![0, 0, 1, 0x30];
    entry.extend_from_slice(&(entry_exts.len() as u16).to_be_bytes());
    entry.extend_from_slice(&entry_exts);
    let mut cert = vec![0];
    cert.extend_from_slice(&(entry.len() as u32).to_be_bytes()[1..]);
    cert.extend_from_slice(&entry);
    assert_eq!(
        parse(&framed(11, &cert)),
        Err(InvalidMessage::DuplicateExtension(5))
    );
}

#[test]
fn pre_shared_key_must_be_last() {
    let psk_ext = ClientExtension::PreSharedKey(psk(32)).to_bytes();
    let after = ext(43, &[2, 3, 4]);
    assert_eq!(
        ch_with(&[psk_ext.clone(), after.clone()].concat()),
        Err(InvalidMessage::PreSharedKeyNotLast)
    );
    assert!(ch_with(&[after, psk_ext].concat()).is_ok());
    assert_eq!(
        InvalidMessage::PreSharedKeyNotLast.alert(),
        AlertDescription::ILLEGAL_PARAMETER
    );
    assert_eq!(
        InvalidMessage::DuplicateExtension(1).alert(),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

#[test]
fn padding_is_padding_only_when_zero() {
    let HandshakeMessage::ClientHello(ch) = ch_with(&ext(21, &[0; 5])).unwrap() else {
        panic!()
    };
    assert_eq!(ch.extensions, [ClientExtension::Padding(5)]);
    let odd = framed(1, &ch_body(&ext(21, &[0, 0, 1])));
    let msg = parse(&odd).unwrap();
    let HandshakeMessage::ClientHello(ch) = &msg else {
        panic!()
    };
    assert!(matches!(ch.extensions[0], ClientExtension::Unknown(_)));
    assert_eq!(msg.to_bytes(), odd);
}

#[test]
fn early_data_syntax_depends_on_the_message() {
    // Empty in ClientHello and EncryptedExtensions ...
    assert!(ch_with(&ext(42, &[])).is_ok());
    assert_eq!(
        ch_with(&ext(42, &[0])),
        Err(InvalidMessage::TrailingData("ClientHello extension"))
    );
    assert_eq!(
        parse(&framed(8, &[0, 4, 0, 42, 0, 0])),
        Ok(HandshakeMessage::EncryptedExtensions(vec![
            ServerExtension::EarlyData
        ]))
    );
    // ... a u32 in NewSessionTicket.
    let nst_empty = [
        vec![0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0xaa, 0, 4],
        ext(42, &[]),
    ]
    .concat();
    assert_eq!(
        parse(&framed(4, &nst_empty)),
        Err(InvalidMessage::MissingData("max_early_data_size"))
    );
}

/// One body per rule: each must fail with a decode error, never panic.
#[test]
fn length_bounds_are_enforced() {
    use InvalidMessage::*;
    let ce = |t: u16, body: &[u8]| ch_with(&ext(t, body)).unwrap_err();

    // legacy_session_id<0..32>
    let mut b = ch_body(&ext(43, &[2, 3, 4]));
    b[34] = 33;
    b.splice(35..35, [0u8; 33]);
    assert!(matches!(parse(&framed(1, &b)), Err(InvalidValue(_))));
    // cipher_suites<2..2^16-2>, and an odd length
    let mut b = ch_body(&ext(43, &[2, 3, 4]));
    b.splice(35..39, [0, 0]);
    assert_eq!(parse(&framed(1, &b)), Err(EmptyVector("cipher_suites")));
    let mut b = ch_body(&ext(43, &[2, 3, 4]));
    b.splice(35..39, [0, 1, 0x13]);
    assert!(parse(&framed(1, &b)).is_err());
    // legacy_compression_methods<1..2^8-1>
    let mut b = ch_body(&ext(43, &[2, 3, 4]));
    b.splice(39..41, [0]);
    assert_eq!(
        parse(&framed(1, &b)),
        Err(EmptyVector("legacy_compression_methods"))
    );

    // key_exchange<1..2^16-1>; an empty client_shares is fine (§4.3.8).
    assert_eq!(ce(51, &[0, 4, 0, 0x1d, 0, 0]), EmptyVector("key_exchange"));
    assert!(ch_with(&ext(51, &[0, 0])).is_ok());
    assert_eq!(ce(13, &[0, 0]), EmptyVector("signature_algorithms"));
    assert_eq!(ce(50, &[0, 0]), EmptyVector("signature_algorithms_cert"));
    assert_eq!(ce(10, &[0, 0]), EmptyVector("supported_groups"));
    assert!(matches!(ce(13, &[0, 3, 8, 7, 8]), MissingData(_)));
    // ALPN (RFC 7301): list and names non-empty.
    assert_eq!(ce(16, &[0, 0]), EmptyVector("ALPN protocol list"));
    assert_eq!(
        ce(16, &[0, 3, 2, b'h', b'2', 0]),
        TrailingData("ClientHello extension")
    );
    assert_eq!(
        ce(16, &[0, 4, 2, b'h', b'2', 0]),
        EmptyVector("ALPN protocol name")
    );
    // server_name (RFC 6066 §3)
    assert_eq!(ce(0, &[0, 0]), EmptyVector("server_name_list"));
    assert_eq!(ce(0, &[0, 3, 0, 0, 0]), EmptyVector("host_name"));
    assert!(matches!(
        ce(0, &[0, 8, 0, 0, 1, b'a', 0, 0, 1, b'b']),
        InvalidValue(_)
    ));
    // supported_versions<2..254> in ClientHello
    assert_eq!(ce(43, &[0]), EmptyVector("supported_versions"));
    assert_eq!(ce(43, &[3, 3, 4, 3]), MissingData("u16"));
    // cookie<1..2^16-1>, ke_modes<1..255>
    assert_eq!(ce(44, &[0, 0]), EmptyVector("cookie"));
    assert_eq!(ce(45, &[0]), EmptyVector("psk_key_exchange_modes"));
    // certificate_authorities
    assert_eq!(ce(47, &[0, 0]), EmptyVector("certificate_authorities"));
    assert_eq!(ce(47, &[0, 2, 0, 0]), EmptyVector("distinguished name"));
    // A fixed-size body with extra bytes.
    assert_eq!(ce(28, &[0x40, 0, 0]), TrailingData("ClientHello extension"));
    assert_eq!(ce(49, &[0]), TrailingData("ClientHello extension"));
    // status_request framing (RFC 6066 §8)
    assert_eq!(ce(5, &[]), MissingData("u8"));
    assert_eq!(ce(5, &[1, 0, 2, 0, 0]), EmptyVector("responder_id"));
    assert!(ch_with(&ext(5, &[1, 0, 0, 0, 0])).is_ok());
}

#[test]
fn pre_shared_key_bounds() {
    use InvalidMessage::*;
    let ce = |p: OfferedPsks| ch_with(&ClientExtension::PreSharedKey(p).to_bytes()).unwrap_err();
    assert!(matches!(ce(psk(31)), InvalidValue(_)));
    let mut p = psk(32);
    p.identities.clear();
    p.binders.clear();
    assert_eq!(ce(p), EmptyVector("psk identities"));
    let mut p = psk(32);
    p.binders.clear();
    assert_eq!(ce(p), EmptyVector("psk binders"));
    let mut p = psk(32);
    p.identities[0].identity.clear();
    assert_eq!(ce(p), EmptyVector("psk identity"));
    let mut p = psk(255);
    p.binders.push(vec![1; 32]);
    assert!(matches!(ce(p), InvalidValue(_)));
    assert!(ch_with(&ClientExtension::PreSharedKey(psk(255)).to_bytes()).is_ok());
}

#[test]
fn server_side_rules() {
    use InvalidMessage::*;
    let ee = |e: Vec<u8>| {
        let mut b = (e.len() as u16).to_be_bytes().to_vec();
        b.extend_from_slice(&e);
        parse(&framed(8, &b))
    };
    // RFC 7301 §3.1: exactly one protocol in the server's answer.
    assert!(matches!(
        ee(ext(16, &[0, 6, 2, b'h', b'2', 2, b'h', b'3'])),
        Err(InvalidValue(_))
    ));
    assert_eq!(ee(ext(0, &[0])), Err(TrailingData("server extension")));
    // selected_version is a single u16.
    assert_eq!(
        parse(&framed(2, &sh_body([0; 32], &ext(43, &[2, 3, 4])))),
        Err(TrailingData("server extension"))
    );
    // A ServerHello's extensions, when present, are non-empty.
    assert_eq!(
        parse(&framed(2, &sh_body([0; 32], &[]))),
        Err(EmptyVector("ServerHello extensions"))
    );
}

#[test]
fn message_level_rules() {
    use InvalidMessage::*;
    assert_eq!(
        parse(&framed(5, &[0])),
        Err(TrailingData("handshake message"))
    );
    assert_eq!(parse(&framed(24, &[])), Err(MissingData("u8")));
    assert_eq!(
        parse(&framed(24, &[0, 0])),
        Err(TrailingData("handshake message"))
    );
    // ticket<1..2^16-1>
    assert_eq!(
        parse(&framed(4, &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0])),
        Err(EmptyVector("ticket"))
    );
    // RFC 9846 §4.4.2: CertificateRequest extensions<0..2^16-1>: an empty
    // block parses (the state machine then wants signature_algorithms).
    assert_eq!(
        parse(&framed(13, &[0, 0, 0])),
        Ok(HandshakeMessage::CertificateRequest(CertificateRequest {
            context: Vec::new(),
            extensions: Vec::new(),
        }))
    );
    // cert_data<1..2^24-1>
    assert_eq!(
        parse(&framed(11, &[0, 0, 0, 5, 0, 0, 0, 0, 0])),
        Err(EmptyVector("cert_data"))
    );
    // A length prefix that is not consumed exactly.
    assert!(parse(&framed(15, &[8, 4, 0, 3, 1, 2])).is_err());
    assert!(parse(&framed(15, &[8, 4, 0, 1, 1, 2])).is_err());
    // Nothing on the wire for a message's framing.
    assert_eq!(parse(&[1, 0, 0]), Err(MissingData("handshake message")));
}
