//! A hostile server: each test feeds a real client a crafted flight and
//! asserts the exact error and the alert the client puts on the wire, for
//! the receive-side MUSTs of RFC 9846 §4 that `engine_violations.rs` does
//! not already cover. Plaintext flights are scripted; encrypted ones are
//! a real server's flight, opened, edited and resealed with the real
//! handshake secret (see `forge`).

mod canned;
mod forge;
mod pair;

use std::sync::Arc;

use canned::Verdict;
use forge::*;
use tls13::ClientConnection;
use tls13::error::{Error, InvalidMessage, PeerMisbehaved};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::*;
use tls13::unstable::msgs::handshake::*;

// ---- scripted ServerHello / HelloRetryRequest (plaintext) ----

fn hrr(ch: &ClientHello, f: impl FnOnce(&mut Vec<ServerExtension>)) -> Vec<u8> {
    server_hello(ch, |sh| {
        sh.random = HRR_RANDOM;
        sh.extensions = vec![
            ServerExtension::KeyShareRetry(NamedGroup::SECP256R1),
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
        ];
        f(&mut sh.extensions);
    })
}

fn unknown_ext(typ: u16) -> ServerExtension {
    ServerExtension::Unknown(UnknownExtension {
        typ: ExtensionType(typ),
        body: vec![],
    })
}

/// The client fails with `err` and sends `alert` in plaintext (no keys yet).
fn fails_plain(c: &mut ClientConnection, input: &[u8], err: Error, alert: AlertDescription) {
    assert_eq!(c.receive(input), Err(err.clone()));
    let out = c.pending_output().to_vec();
    assert_eq!(alert_on_wire(&out, None, 0), alert);
    assert_eq!(err.alert(), Some(alert));
    assert_eq!(c.receive(b"\x16"), Err(err), "error is sticky");
}

#[test]
fn downgrade_sentinel_tls11() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| {
        sh.random[24..].copy_from_slice(&DOWNGRADE_TLS11);
        sh.extensions
            .retain(|e| !matches!(e, ServerExtension::SupportedVersions(_)));
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::DowngradeDetected.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// A server that says TLS 1.2 in supported_versions and carries the TLS 1.2
/// sentinel: the sentinel is what the client reports.
#[test]
fn downgrade_sentinel_tls12_with_supported_versions() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| {
        sh.random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        sh.extensions[1] = ServerExtension::SupportedVersions(ProtocolVersion::TLS1_2);
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::DowngradeDetected.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3.1: a selected version the client did not offer is illegal_parameter.
#[test]
fn supported_versions_selects_unoffered_version() {
    for v in [ProtocolVersion::TLS1_2, ProtocolVersion(0x0305)] {
        let (mut c, ch) = client_and_hello();
        let input = server_hello(&ch, |sh| {
            sh.extensions[1] = ServerExtension::SupportedVersions(v)
        });
        fails_plain(
            &mut c,
            &input,
            PeerMisbehaved::SelectedUnofferedParameter("protocol version").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

/// RFC 9846 §4.2.3: any legacy_version but 0x0303 is protocol_version
/// (RFC 8446 had illegal_parameter here).
#[test]
fn server_hello_legacy_version_not_tls12() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| sh.legacy_version = ProtocolVersion::TLS1_3);
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalLegacyVersion("ServerHello.legacy_version").into(),
        AlertDescription::PROTOCOL_VERSION,
    );
}

/// Appendix E.5: legacy_version 0x0300 (SSL 3.0) or below is protocol_version.
#[test]
fn server_hello_legacy_version_ssl3_is_protocol_version() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| sh.legacy_version = ProtocolVersion(0x0300));
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalLegacyVersion("ServerHello.legacy_version").into(),
        AlertDescription::PROTOCOL_VERSION,
    );
}

#[test]
fn server_hello_compression_not_null() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| sh.legacy_compression_method = 1);
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalParameter("legacy_compression_method").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.2.3: the session id echo must match even when it is empty on one side.
#[test]
fn server_hello_drops_session_id_echo() {
    let (mut c, ch) = client_and_hello();
    assert_eq!(ch.legacy_session_id.len(), 32);
    let input = server_hello(&ch, |sh| sh.legacy_session_id_echo.clear());
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3: "There MUST NOT be more than one extension of the same type."
#[test]
fn server_hello_duplicate_extension() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| {
        sh.extensions
            .push(ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3))
    });
    fails_plain(
        &mut c,
        &input,
        InvalidMessage::DuplicateExtension(ExtensionType::SUPPORTED_VERSIONS.0).into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3: a response to an extension the client never sent is
/// unsupported_extension.
#[test]
fn server_hello_unsolicited_extensions() {
    for (ext, typ) in [
        (unknown_ext(0x1234), 0x1234),
        (
            ServerExtension::PreSharedKey(0),
            ExtensionType::PRE_SHARED_KEY.0,
        ),
    ] {
        let (mut c, ch) = client_and_hello();
        let input = server_hello(&ch, |sh| sh.extensions.push(ext));
        fails_plain(
            &mut c,
            &input,
            PeerMisbehaved::UnsolicitedExtension(typ).into(),
            AlertDescription::UNSUPPORTED_EXTENSION,
        );
    }
}

/// §4.3: "If an implementation receives an extension which it recognizes
/// and which is not specified for the message in which it appears, it MUST
/// abort the handshake with an illegal_parameter alert" (server_name, ALPN
/// belong in EncryptedExtensions, cookie in a HelloRetryRequest).
#[test]
fn server_hello_extension_of_another_message() {
    for ext in [
        ServerExtension::ServerNameAck,
        ServerExtension::Alpn(vec![b"h2".to_vec()]),
        ServerExtension::Cookie(vec![1; 8]),
        ServerExtension::EarlyData,
    ] {
        let (mut c, ch) = client_and_hello();
        let input = server_hello(&ch, |sh| sh.extensions.push(ext));
        fails_plain(
            &mut c,
            &input,
            PeerMisbehaved::IllegalParameter("extension not allowed in ServerHello").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn hrr_extension_of_another_message() {
    let (mut c, ch) = client_and_hello();
    let input = hrr(&ch, |e| e.push(ServerExtension::ServerNameAck));
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalParameter("extension not allowed in HelloRetryRequest").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3.8: a server share for a group absent from supported_groups.
#[test]
fn server_share_for_group_not_offered() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| {
        sh.extensions[0] = ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::SECP521R1,
            payload: vec![4; 133],
        })
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::SelectedUnofferedParameter("key share group").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn server_hello_without_key_share() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| {
        sh.extensions
            .retain(|e| !matches!(e, ServerExtension::KeyShare(_)))
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::MissingExtension("key_share").into(),
        AlertDescription::MISSING_EXTENSION,
    );
}

/// §4.3.8: the client "MUST verify that (1) the selected_group field
/// corresponds to a group which was provided in the supported_groups
/// extension".
#[test]
fn hrr_selects_group_not_offered() {
    let (mut c, ch) = client_and_hello();
    let input = hrr(&ch, |e| {
        // X448: a group we do not implement (secp521r1, once used here,
        // is offered by default now).
        e[0] = ServerExtension::KeyShareRetry(NamedGroup::X448)
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalHelloRetryRequest("selected a group that was not offered").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.2.4: an HRR that would not change the ClientHello.
#[test]
fn hrr_without_change() {
    let (mut c, ch) = client_and_hello();
    let input = hrr(&ch, |e| {
        e.remove(0);
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalHelloRetryRequest("it would not change the ClientHello").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.2.4: an HRR for the share the client sent (X25519, the hybrid's
/// companion share) is illegal.
#[test]
fn hrr_for_companion_share() {
    let (mut c, ch) = client_and_hello();
    let input = hrr(&ch, |e| {
        e[0] = ServerExtension::KeyShareRetry(NamedGroup::X25519)
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalHelloRetryRequest("selected a group we already sent a share for")
            .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn hrr_unsolicited_extension() {
    let (mut c, ch) = client_and_hello();
    let input = hrr(&ch, |e| e.push(unknown_ext(0x1234)));
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::UnsolicitedExtension(0x1234).into(),
        AlertDescription::UNSUPPORTED_EXTENSION,
    );
}

#[test]
fn hrr_duplicate_extension() {
    let (mut c, ch) = client_and_hello();
    let input2 = hrr(&ch, |e| {
        e.push(ServerExtension::Cookie(vec![1]));
        e.push(ServerExtension::Cookie(vec![2]));
    });
    fails_plain(
        &mut c,
        &input2,
        InvalidMessage::DuplicateExtension(ExtensionType::COOKIE.0).into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn hrr_unoffered_suite() {
    let (mut c, ch) = client_and_hello();
    let input = server_hello(&ch, |sh| {
        sh.random = HRR_RANDOM;
        sh.cipher_suite = CipherSuite(0x1305);
        sh.extensions = vec![
            ServerExtension::KeyShareRetry(NamedGroup::SECP256R1),
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
        ];
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::SelectedUnofferedParameter("cipher suite").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// After an HRR, the client processes the retry and sends the second
/// ClientHello; `f` edits the ServerHello that follows.
fn after_hrr(f: impl FnOnce(&mut ServerHello)) -> (ClientConnection, Vec<u8>) {
    let (mut c, ch) = client_and_hello();
    c.receive(&hrr(&ch, |_| {})).unwrap();
    let out = c.pending_output().to_vec();
    c.consume_output(out.len());
    (c, server_hello(&ch, f))
}

/// §4.2.4: the ServerHello's suite must be the HRR's.
#[test]
fn server_hello_after_hrr_changes_suite() {
    let (mut c, input) = after_hrr(|sh| {
        sh.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
        sh.extensions[0] = ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::SECP256R1,
            payload: vec![4; 65],
        });
    });
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalParameter("ServerHello suite differs from the HelloRetryRequest's")
            .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3.8: after an HRR for secp256r1 the share must be for secp256r1.
#[test]
fn server_hello_after_hrr_changes_group() {
    let (mut c, input) = after_hrr(|_| {});
    fails_plain(
        &mut c,
        &input,
        PeerMisbehaved::IllegalParameter("ServerHello group differs from the HelloRetryRequest's")
            .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §5.1: the ServerHello record also carries the start of the next
/// message, which would straddle the switch to the handshake key.
#[test]
fn server_hello_and_partial_message_span_key_change() {
    let mut m = Mitm::new();
    let f = m.server_flight();
    let mut plain = f.plain.clone();
    // Extend the ServerHello record by the first two bytes of EE.
    let sh_len = u16::from_be_bytes([plain[3], plain[4]]) as usize;
    plain.splice(5 + sh_len..5 + sh_len, f.messages[0][..2].iter().copied());
    let new_len = u16::try_from(sh_len + 2).unwrap().to_be_bytes();
    plain[3..5].copy_from_slice(&new_len);
    assert_eq!(
        m.client.receive(&plain),
        Err(PeerMisbehaved::HandshakeSpansKeyChange.into())
    );
    let out = m.take_client();
    assert_eq!(
        alert_on_wire(&out, None, 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

// ---- the encrypted flight, edited ----

/// Delivers the edited flight and checks the error and the alert (sealed
/// under the client's handshake key).
fn encrypted_fails(edit: impl FnOnce(&mut Vec<Vec<u8>>), err: Error, alert: AlertDescription) {
    let mut m = Mitm::new();
    let mut f = m.server_flight();
    edit(&mut f.messages);
    assert_eq!(m.deliver_to_client(&f.plain, &f.messages), Err(err.clone()));
    assert_eq!(err.alert(), Some(alert));
    assert_eq!(m.client_alert(), alert);
}

fn edit_ee(messages: &mut [Vec<u8>], f: impl FnOnce(&mut Vec<ServerExtension>)) {
    let HandshakeMessage::EncryptedExtensions(mut exts) = parse(&messages[0]) else {
        panic!("first encrypted message is not EE")
    };
    f(&mut exts);
    messages[0] = HandshakeMessage::EncryptedExtensions(exts).to_bytes();
}

#[test]
fn unedited_flight_is_accepted() {
    let mut m = Mitm::new();
    let f = m.server_flight();
    assert_eq!(
        f.messages.len(),
        4,
        "EE, Certificate, CertificateVerify, Finished"
    );
    m.deliver_to_client(&f.plain, &f.messages).unwrap();
    assert!(!m.client.is_handshaking());
}

#[test]
fn encrypted_extensions_duplicate() {
    encrypted_fails(
        |m| {
            edit_ee(m, |e| {
                e.push(ServerExtension::ServerNameAck);
                e.push(ServerExtension::ServerNameAck);
            })
        },
        InvalidMessage::DuplicateExtension(ExtensionType::SERVER_NAME.0).into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn encrypted_extensions_unsolicited() {
    // No ALPN offered; an unknown extension never offered.
    for (ext, typ) in [
        (
            ServerExtension::Alpn(vec![b"h2".to_vec()]),
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION.0,
        ),
        (unknown_ext(0x1234), 0x1234),
        (ServerExtension::EarlyData, ExtensionType::EARLY_DATA.0),
    ] {
        encrypted_fails(
            |m| edit_ee(m, |e| e.push(ext)),
            PeerMisbehaved::UnsolicitedExtension(typ).into(),
            AlertDescription::UNSUPPORTED_EXTENSION,
        );
    }
}

/// §4.3: extensions that belong to other messages (the ClientHello's own
/// signature_algorithms and psk_key_exchange_modes included) are
/// illegal_parameter in EncryptedExtensions.
#[test]
fn encrypted_extensions_of_other_messages() {
    for ext in [
        ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
        ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::X25519,
            payload: vec![9; 32],
        }),
        ServerExtension::PreSharedKey(0),
        ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::SIGNATURE_ALGORITHMS,
            body: vec![0, 2, 4, 3],
        }),
        ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::PSK_KEY_EXCHANGE_MODES,
            body: vec![1, 1],
        }),
    ] {
        encrypted_fails(
            |m| edit_ee(m, |e| e.push(ext)),
            PeerMisbehaved::IllegalParameter("extension not allowed in EncryptedExtensions").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

fn cert_request(exts: Vec<CertReqExtension>) -> Vec<u8> {
    HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![],
        extensions: exts,
    })
    .to_bytes()
}

fn sig_algs() -> CertReqExtension {
    CertReqExtension::SignatureAlgorithms(vec![SignatureScheme::ECDSA_SECP256R1_SHA256])
}

#[test]
fn certificate_request_duplicate_extension() {
    encrypted_fails(
        |m| m.insert(1, cert_request(vec![sig_algs(), sig_algs()])),
        InvalidMessage::DuplicateExtension(ExtensionType::SIGNATURE_ALGORITHMS.0).into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3: a recognised extension not specified for CertificateRequest.
#[test]
fn certificate_request_extension_of_another_message() {
    for typ in [ExtensionType::KEY_SHARE, ExtensionType::SUPPORTED_VERSIONS] {
        encrypted_fails(
            |m| {
                m.insert(
                    1,
                    cert_request(vec![
                        sig_algs(),
                        CertReqExtension::Unknown(UnknownExtension {
                            typ,
                            body: vec![0, 0],
                        }),
                    ]),
                )
            },
            PeerMisbehaved::IllegalParameter("extension not allowed in CertificateRequest").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

/// §4.4.2: unrecognised extensions are ignored: the request is accepted
/// and the flight fails later, at the signature over the edited transcript.
#[test]
fn certificate_request_unknown_extension_is_ignored() {
    encrypted_fails(
        |m| {
            m.insert(
                1,
                cert_request(vec![
                    sig_algs(),
                    CertReqExtension::Unknown(UnknownExtension {
                        typ: ExtensionType(0x1234),
                        body: vec![],
                    }),
                ]),
            )
        },
        PeerMisbehaved::BadSignature.into(),
        AlertDescription::DECRYPT_ERROR,
    );
}

#[test]
fn certificate_request_context_in_handshake() {
    encrypted_fails(
        |m| {
            m.insert(
                1,
                HandshakeMessage::CertificateRequest(CertificateRequest {
                    context: vec![1],
                    extensions: vec![sig_algs()],
                })
                .to_bytes(),
            )
        },
        PeerMisbehaved::IllegalParameter("CertificateRequest context").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn certificate_request_twice() {
    encrypted_fails(
        |m| {
            m.insert(1, cert_request(vec![sig_algs()]));
            m.insert(1, cert_request(vec![sig_algs()]));
        },
        PeerMisbehaved::UnexpectedMessage {
            got: "CertificateRequest",
            expected: "Certificate",
        }
        .into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn certificate_before_encrypted_extensions() {
    encrypted_fails(
        |m| m.swap(0, 1),
        PeerMisbehaved::UnexpectedMessage {
            got: "Certificate",
            expected: "EncryptedExtensions",
        }
        .into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn certificate_missing() {
    encrypted_fails(
        |m| {
            m.remove(1);
        },
        PeerMisbehaved::UnexpectedMessage {
            got: "CertificateVerify",
            expected: "Certificate",
        }
        .into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn finished_before_certificate_verify() {
    encrypted_fails(
        |m| m.swap(2, 3),
        PeerMisbehaved::UnexpectedMessage {
            got: "Finished",
            expected: "CertificateVerify",
        }
        .into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

/// Messages that never belong in the server's first flight.
#[test]
fn unexpected_messages_in_the_flight() {
    let key_update = HandshakeMessage::KeyUpdate(KeyUpdateRequest::UPDATE_NOT_REQUESTED).to_bytes();
    let nst = HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 1,
        age_add: 0,
        nonce: vec![],
        ticket: vec![1],
        extensions: vec![],
    })
    .to_bytes();
    let eoed = HandshakeMessage::EndOfEarlyData.to_bytes();
    let unknown = vec![99, 0, 0, 0];
    let (_, ch) = client_and_hello();
    let client_hello = HandshakeMessage::ClientHello(ch).to_bytes();
    for (msg, name) in [
        (key_update, "KeyUpdate"),
        (nst, "NewSessionTicket"),
        (eoed, "EndOfEarlyData"),
        (unknown, "unknown handshake message"),
        (client_hello, "ClientHello"),
    ] {
        encrypted_fails(
            |m| m.insert(1, msg),
            PeerMisbehaved::UnexpectedMessage {
                got: name,
                expected: "Certificate",
            }
            .into(),
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn second_server_hello_encrypted() {
    let mut m = Mitm::new();
    let mut f = m.server_flight();
    let sh = records(&f.plain)[0].1.clone();
    f.messages.insert(0, sh);
    assert_eq!(
        m.deliver_to_client(&f.plain, &f.messages),
        Err(PeerMisbehaved::UnexpectedMessage {
            got: "ServerHello",
            expected: "EncryptedExtensions",
        }
        .into())
    );
    assert_eq!(m.client_alert(), AlertDescription::UNEXPECTED_MESSAGE);
}

/// §4.5.3: a Finished that does not verify is decrypt_error; so is one of
/// the wrong length.
#[test]
fn tampered_finished() {
    encrypted_fails(
        |m| {
            let HandshakeMessage::Finished(mut vd) = parse(&m[3]) else {
                panic!()
            };
            vd[0] ^= 1;
            m[3] = HandshakeMessage::Finished(vd).to_bytes();
        },
        PeerMisbehaved::BadFinished.into(),
        AlertDescription::DECRYPT_ERROR,
    );
}

/// RFC 9846 §4.5.3: `opaque verify_data[Hash.length]`; a Finished of
/// another length does not decode (§6.2 `decode_error`), it is not a
/// Finished that failed to verify (`decrypt_error`).
#[test]
fn finished_of_wrong_length_is_decode_error() {
    for edit in [
        (|vd: &mut Vec<u8>| {
            vd.pop();
        }) as fn(&mut Vec<u8>),
        |vd| vd.push(0),
        |vd| vd.truncate(12),
        |vd| vd.clear(),
        |vd| vd.resize(48, 0),
    ] {
        encrypted_fails(
            |m| {
                let HandshakeMessage::Finished(mut vd) = parse(&m[3]) else {
                    panic!()
                };
                edit(&mut vd);
                m[3] = HandshakeMessage::Finished(vd).to_bytes();
            },
            InvalidMessage::InvalidValue("Finished verify_data length").into(),
            AlertDescription::DECODE_ERROR,
        );
    }
}

#[test]
fn tampered_certificate_verify() {
    encrypted_fails(
        |m| {
            let HandshakeMessage::CertificateVerify(mut cv) = parse(&m[2]) else {
                panic!()
            };
            let last = cv.signature.len() - 3;
            cv.signature[last] ^= 1;
            m[2] = HandshakeMessage::CertificateVerify(cv).to_bytes();
        },
        PeerMisbehaved::BadSignature.into(),
        AlertDescription::DECRYPT_ERROR,
    );
}

fn edit_cv(m: &mut [Vec<u8>], f: impl FnOnce(&mut DigitallySigned)) {
    let HandshakeMessage::CertificateVerify(mut cv) = parse(&m[2]) else {
        panic!()
    };
    f(&mut cv);
    m[2] = HandshakeMessage::CertificateVerify(cv).to_bytes();
}

/// §4.5.2: the scheme must be one the client offered; RSASSA-PKCS1-v1_5
/// never is in TLS 1.3.
#[test]
fn certificate_verify_scheme_not_offered() {
    for scheme in [
        SignatureScheme::RSA_PKCS1_SHA256,
        // Ed448: not implemented (ecdsa_secp521r1_sha512, once used here,
        // is offered by default now).
        SignatureScheme::ED448,
    ] {
        encrypted_fails(
            |m| edit_cv(m, |cv| cv.scheme = scheme),
            PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

/// §4.5.2: an offered scheme that does not fit the certificate's key.
#[test]
fn certificate_verify_scheme_of_another_key_type() {
    encrypted_fails(
        |m| edit_cv(m, |cv| cv.scheme = SignatureScheme::ED25519),
        PeerMisbehaved::IllegalParameter("signature scheme does not match the certificate key")
            .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.2.4: the HelloRetryRequest's legacy fields are checked like a
/// ServerHello's (legacy_version: RFC 9846 §4.2.3, protocol_version).
#[test]
fn hrr_legacy_fields() {
    type Edit = fn(&mut ServerHello);
    let cases: [(Edit, Error, AlertDescription); 3] = [
        (
            |h| h.legacy_compression_method = 1,
            PeerMisbehaved::IllegalParameter("legacy_compression_method").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        ),
        (
            |h| h.legacy_session_id_echo = vec![0; 32],
            PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        ),
        (
            |h| h.legacy_version = ProtocolVersion::TLS1_1,
            PeerMisbehaved::IllegalLegacyVersion("ServerHello.legacy_version").into(),
            AlertDescription::PROTOCOL_VERSION,
        ),
    ];
    for (edit, err, alert) in cases {
        let (mut c, ch) = client_and_hello();
        let input = server_hello(&ch, |sh| {
            sh.random = HRR_RANDOM;
            sh.extensions = vec![
                ServerExtension::KeyShareRetry(NamedGroup::SECP256R1),
                ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
            ];
            edit(sh);
        });
        fails_plain(&mut c, &input, err, alert);
    }
}

/// §4.5.1: Certificate entry extensions must answer ClientHello ones; the
/// client offered neither status_request nor anything unknown.
#[test]
fn certificate_entry_extensions_unsolicited() {
    for (typ, err, alert) in [
        (
            ExtensionType::STATUS_REQUEST,
            PeerMisbehaved::UnsolicitedExtension(ExtensionType::STATUS_REQUEST.0).into(),
            AlertDescription::UNSUPPORTED_EXTENSION,
        ),
        (
            ExtensionType(0x1234),
            PeerMisbehaved::UnsolicitedExtension(0x1234).into(),
            AlertDescription::UNSUPPORTED_EXTENSION,
        ),
        (
            ExtensionType::KEY_SHARE,
            PeerMisbehaved::IllegalParameter("extension not allowed in Certificate").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        ),
    ] {
        encrypted_fails(
            |m| {
                let HandshakeMessage::Certificate(mut c) = parse(&m[1]) else {
                    panic!()
                };
                c.entries[0]
                    .extensions
                    .push(UnknownExtension { typ, body: vec![] });
                m[1] = HandshakeMessage::Certificate(c).to_bytes();
            },
            err,
            alert,
        );
    }
}

/// §4.5.1.3: an empty server Certificate is decode_error.
#[test]
fn empty_server_certificate() {
    encrypted_fails(
        |m| {
            m[1] = HandshakeMessage::Certificate(CertificatePayload {
                context: vec![],
                entries: vec![],
            })
            .to_bytes()
        },
        InvalidMessage::EmptyVector("certificate_list").into(),
        AlertDescription::DECODE_ERROR,
    );
}

/// §5.1: the server's Finished and the start of the next message in one
/// record straddle the switch to the application key.
#[test]
fn finished_and_partial_message_span_key_change() {
    encrypted_fails(
        |m| {
            let ku = HandshakeMessage::KeyUpdate(KeyUpdateRequest::UPDATE_NOT_REQUESTED).to_bytes();
            m.push(ku[..2].to_vec());
        },
        PeerMisbehaved::HandshakeSpansKeyChange.into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

// ---- after the handshake ----

/// A completed Mitm handshake: the client is connected; the server has the
/// client's Finished. Returns the pair and the next server write sequence.
fn connected() -> Mitm {
    let mut m = Mitm::new();
    let f = m.server_flight();
    m.deliver_to_client(&f.plain, &f.messages).unwrap();
    let fin = m.take_client();
    m.server.receive(&fin).unwrap();
    let _ = m.take_server();
    assert!(!m.client.is_handshaking());
    m
}

fn post_handshake_fails(msg: &[u8], err: Error, alert: AlertDescription) {
    let mut m = connected();
    let rec = seal(&m.secrets.get(S_AP), 0, ContentType::HANDSHAKE, msg, 0);
    assert_eq!(m.client.receive(&rec), Err(err.clone()));
    assert_eq!(err.alert(), Some(alert));
    let out = m.take_client();
    assert_eq!(alert_on_wire(&out, Some(&m.secrets.get(C_AP)), 0), alert);
}

fn ticket(extensions: Vec<TicketExtension>) -> Vec<u8> {
    HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 60,
        age_add: 7,
        nonce: vec![0],
        ticket: vec![1, 2, 3],
        extensions,
    })
    .to_bytes()
}

#[test]
fn new_session_ticket_duplicate_extension() {
    post_handshake_fails(
        &ticket(vec![
            TicketExtension::EarlyData(1),
            TicketExtension::EarlyData(2),
        ]),
        InvalidMessage::DuplicateExtension(ExtensionType::EARLY_DATA.0).into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3: a recognised extension that is not specified for NewSessionTicket.
#[test]
fn new_session_ticket_extension_of_another_message() {
    post_handshake_fails(
        &ticket(vec![TicketExtension::Unknown(UnknownExtension {
            typ: ExtensionType::KEY_SHARE,
            body: vec![0, 29],
        })]),
        PeerMisbehaved::IllegalParameter("extension not allowed in NewSessionTicket").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.7.1: "Clients MUST ignore unrecognized extensions."
#[test]
fn new_session_ticket_unknown_extension_is_ignored() {
    let mut m = connected();
    let nst = ticket(vec![TicketExtension::Unknown(UnknownExtension {
        typ: ExtensionType(0x1234),
        body: vec![1],
    })]);
    let rec = seal(&m.secrets.get(S_AP), 0, ContentType::HANDSHAKE, &nst, 0);
    m.client.receive(&rec).unwrap();
    let mut got = false;
    while let Some(e) = m.client.next_event() {
        got |= matches!(e, tls13::Event::NewSessionTicket(_));
    }
    assert!(got);
}

/// §4.7.2: a client that did not offer post_handshake_auth must not get a
/// CertificateRequest after the handshake.
#[test]
fn post_handshake_certificate_request_unoffered() {
    post_handshake_fails(
        &HandshakeMessage::CertificateRequest(CertificateRequest {
            context: vec![1],
            extensions: vec![sig_algs()],
        })
        .to_bytes(),
        PeerMisbehaved::UnexpectedMessage {
            got: "CertificateRequest",
            expected: "NewSessionTicket or KeyUpdate",
        }
        .into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn post_handshake_unexpected_messages() {
    for (msg, name) in [
        (
            HandshakeMessage::Finished(vec![0; 32]).to_bytes(),
            "Finished",
        ),
        (
            HandshakeMessage::EncryptedExtensions(vec![]).to_bytes(),
            "EncryptedExtensions",
        ),
        (vec![99, 0, 0, 0], "unknown handshake message"),
    ] {
        post_handshake_fails(
            &msg,
            PeerMisbehaved::UnexpectedMessage {
                got: name,
                expected: "NewSessionTicket or KeyUpdate",
            }
            .into(),
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
}

/// §4.7.3: request_update other than 0 or 1 is illegal_parameter.
#[test]
fn key_update_bad_request_value() {
    post_handshake_fails(
        &[24, 0, 0, 1, 2],
        PeerMisbehaved::IllegalParameter("KeyUpdate request value").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §5.1: a KeyUpdate and the start of another message in one record.
#[test]
fn key_update_and_partial_message_span_key_change() {
    let mut msg = HandshakeMessage::KeyUpdate(KeyUpdateRequest::UPDATE_NOT_REQUESTED).to_bytes();
    msg.extend_from_slice(&[4, 0]);
    post_handshake_fails(
        &msg,
        PeerMisbehaved::HandshakeSpansKeyChange.into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

// ---- Negotiated::peer_certificates only after acceptance (issue 11 #13) ----

/// A client whose verifier defers, after the server's whole flight.
fn deferred_client() -> ClientConnection {
    let mut c = ClientConnection::new(
        Arc::new(
            tls13::ClientConfig::builder(Arc::new(Verdict::Defer))
                .build()
                .unwrap(),
        ),
        "localhost",
    )
    .unwrap();
    let mut s =
        tls13::ServerConnection::new(Arc::new(pair::server_builder(KEY).build().unwrap())).unwrap();
    let ch = c.pending_output().to_vec();
    c.consume_output(ch.len());
    s.receive(&ch).unwrap();
    let flight = s.pending_output().to_vec();
    c.receive(&flight).unwrap();
    assert!(
        std::iter::from_fn(|| c.next_event())
            .any(|e| matches!(e, tls13::Event::VerifyServerCert(_)))
    );
    c
}

/// Nothing reads as the server's certificate before the verifier has
/// accepted it and its CertificateVerify has verified: not while a
/// deferred verification is pending, not after a refusal, not after a
/// CertificateVerify that fails; and the chain is there once both passed.
#[test]
fn peer_certificates_only_after_the_verifier_accepted() {
    // Deferred: pending, then refused.
    let mut c = deferred_client();
    assert!(c.negotiated().peer_certificates.is_empty(), "while pending");
    let refused = tls13::error::CertificateError::NotPinned;
    assert!(c.answer_verify(Err(refused)).is_err());
    assert!(
        c.negotiated().peer_certificates.is_empty(),
        "after a refusal"
    );
    // Deferred, then accepted: the chain as sent.
    let mut c = deferred_client();
    c.answer_verify(Ok(())).unwrap();
    assert!(!c.is_handshaking());
    let id = pair::identity(KEY);
    assert_eq!(
        c.negotiated().peer_certificates,
        vec![id.leaf.clone(), id.ca.clone()]
    );
    // Refused at once by a verifier pinned to another certificate.
    let other = pair::identity(tls13::certgen::KeyType::Ed25519)
        .leaf
        .clone();
    let mut c = ClientConnection::new(
        Arc::new(
            tls13::ClientConfig::builder(Arc::new(tls13::PinnedCertVerifier::new(other)))
                .build()
                .unwrap(),
        ),
        "localhost",
    )
    .unwrap();
    let mut s =
        tls13::ServerConnection::new(Arc::new(pair::server_builder(KEY).build().unwrap())).unwrap();
    let ch = c.pending_output().to_vec();
    c.consume_output(ch.len());
    s.receive(&ch).unwrap();
    assert!(c.receive(s.pending_output()).is_err());
    assert!(
        c.negotiated().peer_certificates.is_empty(),
        "after NotPinned"
    );
    // Accepted by the verifier, but the CertificateVerify fails.
    let mut m = Mitm::new();
    let mut f = m.server_flight();
    edit_cv(&mut f.messages, |cv| {
        let last = cv.signature.len() - 3;
        cv.signature[last] ^= 1;
    });
    assert_eq!(
        m.deliver_to_client(&f.plain, &f.messages),
        Err(PeerMisbehaved::BadSignature.into())
    );
    assert!(
        m.client.negotiated().peer_certificates.is_empty(),
        "after a bad CertificateVerify"
    );
}

// ---- a client hello hook's edits bind what the client accepts ----

/// A client whose hello `hook` edits, and that hello as sent (None when
/// the client refuses to send it).
fn hooked_client(
    builder: tls13::config::ClientConfigBuilder,
    hook: fn(&mut ClientHello),
) -> Option<(ClientConnection, ClientHello)> {
    let config = builder.client_hello_hook(Arc::new(hook)).build().unwrap();
    let mut c = ClientConnection::new(Arc::new(config), "localhost").ok()?;
    let out = c.pending_output().to_vec();
    c.consume_output(out.len());
    Some((c, first_client_hello(&out)))
}

/// RFC 9846 §4.2.8: the server's share must be for a group the client
/// sent a share for. A hook that removes the shares leaves the client's key
/// pairs in place; a ServerHello picking one of them must still be refused,
/// as its group was not offered in key_share.
#[test]
fn hook_removed_key_share_is_not_accepted_from_the_server() {
    let Some((mut c, ch)) = hooked_client(pair::client_builder(KEY), |ch| {
        for e in &mut ch.extensions {
            if let ClientExtension::KeyShare(shares) = e {
                shares.clear();
            }
        }
    }) else {
        return;
    };
    let sent = ch.extensions.iter().find_map(|e| match e {
        ClientExtension::KeyShare(k) => Some(k.len()),
        _ => None,
    });
    assert_eq!(sent, Some(0), "the hook's edit was sent");
    let input = server_hello(&ch, |_| {});
    assert_eq!(
        c.receive(&input),
        Err(PeerMisbehaved::SelectedUnofferedParameter("key share group").into())
    );
}

/// A hook that removes pre_shared_key (and early_data) leaves no PSK
/// offered: a ServerHello selecting identity 0 is refused, and the client
/// sends no 0-RTT data for an offer it did not make.
#[test]
fn hook_removed_psk_is_not_accepted_from_the_server() {
    use tls13::crypto::hash::HashAlgorithm;
    use tls13::resumption::ExternalPsk;
    let builder = pair::client_builder(KEY)
        .external_psk(ExternalPsk::new(b"psk identity", &[7; 32], HashAlgorithm::Sha256).unwrap());
    let Some((mut c, ch)) = hooked_client(builder, |ch| {
        ch.extensions.retain(|e| {
            !matches!(
                e,
                ClientExtension::PreSharedKey(_) | ClientExtension::EarlyData
            )
        });
    }) else {
        return;
    };
    assert!(ch.find(ExtensionType::PRE_SHARED_KEY).is_none());
    let input = server_hello(&ch, |sh| {
        sh.extensions.insert(0, ServerExtension::PreSharedKey(0));
    });
    assert!(
        c.receive(&input).is_err(),
        "a PSK the hook took out of the hello was accepted"
    );
}

/// legacy_session_id is <0..32> (§4.2.2). A hook that makes it longer
/// must not leave the client comparing the server's echo with something
/// else than what it sent (it kept none of a longer id, so an empty echo
/// passed): the hello is refused when sent.
#[test]
fn hook_session_id_over_32_bytes_is_refused_not_forgotten() {
    let config = pair::client_builder(KEY)
        .client_hello_hook(Arc::new(|ch: &mut ClientHello| {
            ch.legacy_session_id = vec![1; 33]
        }))
        .build()
        .unwrap();
    let mut c = match ClientConnection::new(Arc::new(config), "localhost") {
        Err(e) => {
            assert!(matches!(e, Error::BadConfig(_)), "{e:?}");
            return;
        }
        Ok(c) => c,
    };
    let out = c.pending_output().to_vec();
    c.consume_output(out.len());
    // The 33-byte id went out (after the record and message headers,
    // version and random) ...
    assert_eq!(out[5 + 4 + 2 + 32], 33);
    // ... and a ServerHello echoing none is taken as the right echo.
    let (_, mut other) = client_and_hello();
    other.legacy_session_id.clear();
    assert_eq!(
        c.receive(&server_hello(&other, |_| {})),
        Err(PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into())
    );
}
