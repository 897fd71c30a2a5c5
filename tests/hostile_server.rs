//! A hostile client: each test feeds a real server a crafted flight and
//! asserts the exact error and the alert the server puts on the wire, for
//! the receive-side MUSTs of RFC 9846 §4 that `engine_violations.rs` does
//! not already cover. ClientHellos are a real client's, edited; the
//! encrypted client flight is a real client's, opened, edited and resealed
//! with the real handshake secret (see `forge`).

mod canned;
mod forge;
mod pair;

use std::sync::Arc;

use canned::Verdict;
use forge::*;
use pair::server_builder;
use tls13::ServerConnection;
use tls13::error::{Error, InvalidMessage, PeerMisbehaved};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::*;
use tls13::unstable::msgs::handshake::*;

fn client_hello() -> ClientHello {
    let mut m = Mitm::new();
    let out = m.take_client();
    let HandshakeMessage::ClientHello(ch) = parse(&records(&out)[0].1) else {
        panic!()
    };
    ch
}

fn ch_record(ch: ClientHello) -> Vec<u8> {
    record(22, &HandshakeMessage::ClientHello(ch).to_bytes())
}

fn server() -> ServerConnection {
    ServerConnection::new(Arc::new(
        server_builder(KEY).suites(&[SUITE]).build().unwrap(),
    ))
    .unwrap()
}

/// The server fails on `input` with `err` and a plaintext `alert`.
fn fails_plain(input: &[u8], err: Error, alert: AlertDescription) {
    let mut s = server();
    assert_eq!(s.receive(input), Err(err.clone()));
    assert_eq!(err.alert(), Some(alert));
    assert_eq!(alert_on_wire(s.pending_output(), None, 0), alert);
}

fn edited(f: impl FnOnce(&mut ClientHello)) -> Vec<u8> {
    let mut ch = client_hello();
    f(&mut ch);
    ch_record(ch)
}

#[test]
fn unedited_client_hello_is_accepted() {
    let mut s = server();
    s.receive(&edited(|_| {})).unwrap();
    assert!(!s.pending_output().is_empty());
}

/// Appendix E.5: legacy_version 0x0300 is protocol_version (RFC 9846
/// §4.2.2: so is every value but 0x0303).
#[test]
fn client_hello_legacy_version_ssl3() {
    fails_plain(
        &edited(|ch| ch.legacy_version = ProtocolVersion(0x0300)),
        PeerMisbehaved::IllegalLegacyVersion("ClientHello.legacy_version").into(),
        AlertDescription::PROTOCOL_VERSION,
    );
}

#[test]
fn client_hello_session_id_too_long() {
    fails_plain(
        &edited(|ch| ch.legacy_session_id = vec![1; 33]),
        InvalidMessage::InvalidValue("legacy_session_id longer than 32 bytes").into(),
        AlertDescription::DECODE_ERROR,
    );
}

#[test]
fn client_hello_duplicate_extension() {
    fails_plain(
        &edited(|ch| {
            ch.extensions.insert(
                0,
                ClientExtension::SupportedVersions(vec![ProtocolVersion::TLS1_3]),
            )
        }),
        InvalidMessage::DuplicateExtension(ExtensionType::SUPPORTED_VERSIONS.0).into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3.11: pre_shared_key "MUST be the last extension in the ClientHello".
#[test]
fn client_hello_pre_shared_key_not_last() {
    fails_plain(
        &edited(|ch| {
            ch.extensions.insert(
                0,
                ClientExtension::PreSharedKey(OfferedPsks {
                    identities: vec![PskIdentity {
                        identity: vec![1; 16],
                        obfuscated_ticket_age: 0,
                    }],
                    binders: vec![vec![0; 32]],
                }),
            )
        }),
        InvalidMessage::PreSharedKeyNotLast.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.3: oid_filters belongs only in a CertificateRequest.
#[test]
fn client_hello_extension_of_another_message() {
    fails_plain(
        &edited(|ch| {
            ch.extensions.insert(
                0,
                ClientExtension::Unknown(UnknownExtension {
                    typ: ExtensionType::OID_FILTERS,
                    body: vec![0, 0],
                }),
            )
        }),
        PeerMisbehaved::IllegalParameter("extension not allowed in ClientHello").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

fn set_shares(ch: &mut ClientHello, shares: Vec<KeyShareEntry>) {
    for e in &mut ch.extensions {
        if let ClientExtension::KeyShare(k) = e {
            *k = shares.clone();
        }
    }
}

/// §4.3.8: each share must be for a group in supported_groups, at most one
/// per group.
#[test]
fn client_key_share_for_group_not_offered_or_twice() {
    let x25519 = KeyShareEntry {
        group: NamedGroup::X25519,
        payload: vec![9; 32],
    };
    let p384 = KeyShareEntry {
        group: NamedGroup::SECP384R1,
        payload: vec![4; 97],
    };
    for shares in [
        vec![p384.clone()],
        vec![x25519.clone(), p384],
        vec![x25519.clone(), x25519],
    ] {
        fails_plain(
            &edited(|ch| set_shares(ch, shares)),
            PeerMisbehaved::IllegalParameter("key_share entries").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn client_hello_missing_key_share_or_groups() {
    fails_plain(
        &edited(|ch| {
            ch.extensions
                .retain(|e| !matches!(e, ClientExtension::KeyShare(_)))
        }),
        PeerMisbehaved::MissingExtension("key_share").into(),
        AlertDescription::MISSING_EXTENSION,
    );
    fails_plain(
        &edited(|ch| {
            ch.extensions
                .retain(|e| !matches!(e, ClientExtension::SupportedGroups(_)))
        }),
        PeerMisbehaved::MissingExtension("supported_groups").into(),
        AlertDescription::MISSING_EXTENSION,
    );
}

/// §4.3.8.2: an X25519 share that is not 32 bytes.
#[test]
fn client_key_share_malformed() {
    fails_plain(
        &edited(|ch| {
            set_shares(
                ch,
                vec![KeyShareEntry {
                    group: NamedGroup::X25519,
                    payload: vec![9; 31],
                }],
            )
        }),
        PeerMisbehaved::InvalidKeyShare.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §5.1: the ClientHello record also carries the start of another message,
/// which would straddle the switch to the handshake key.
/// The server has sent its ServerHello and switched its write key when it
/// notices, so the alert is protected under its handshake key.
#[test]
fn client_hello_and_partial_message_span_key_change() {
    let mut m = Mitm::new();
    let out = m.take_client();
    let mut body = records(&out)[0].1.clone();
    body.extend_from_slice(&[20, 0]);
    assert_eq!(
        m.server.receive(&record(22, &body)),
        Err(PeerMisbehaved::HandshakeSpansKeyChange.into())
    );
    let out = m.take_server();
    assert_eq!(
        alert_on_wire(&out, Some(&m.secrets.get(S_HS)), 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

// ---- HelloRetryRequest and the cookie ----

/// The client offers secp256r1 (with a share) and X25519; the server only
/// does X25519, so it asks for a retry. Returns the Mitm after the HRR
/// reached the client, and the client's second ClientHello.
fn retried() -> (Mitm, ClientHello, Vec<u8>) {
    let mut m = Mitm::with(
        |c| c.groups(&[NamedGroup::SECP256R1, NamedGroup::X25519]),
        |s| {
            s.groups(&[NamedGroup::X25519])
                .suites(&[SUITE, CipherSuite::TLS_AES_256_GCM_SHA384])
        },
    );
    let ch1 = m.take_client();
    m.server.receive(&ch1).unwrap();
    let hrr = m.take_server();
    m.client.receive(&hrr).unwrap();
    let out = m.take_client();
    let recs = records(&out);
    let (_, body) = recs.iter().find(|(t, _)| *t == 22).unwrap();
    let HandshakeMessage::ClientHello(ch2) = parse(body) else {
        panic!()
    };
    let ccs = if recs[0].0 == 20 {
        out[..6].to_vec()
    } else {
        vec![]
    };
    (m, ch2, ccs)
}

fn retry_fails(f: impl FnOnce(&mut ClientHello), err: Error, alert: AlertDescription) {
    let (mut m, mut ch2, mut wire) = retried();
    f(&mut ch2);
    wire.extend(ch_record(ch2));
    assert_eq!(m.server.receive(&wire), Err(err.clone()));
    assert_eq!(err.alert(), Some(alert));
    assert_eq!(alert_on_wire(&m.take_server(), None, 0), alert);
}

#[test]
fn second_client_hello_unedited_is_accepted() {
    let (mut m, ch2, mut wire) = retried();
    wire.extend(ch_record(ch2));
    m.server.receive(&wire).unwrap();
}

fn cookie_mut(ch: &mut ClientHello) -> &mut Vec<u8> {
    ch.extensions
        .iter_mut()
        .find_map(|e| match e {
            ClientExtension::Cookie(c) => Some(c),
            _ => None,
        })
        .expect("second ClientHello echoes the cookie")
}

/// §4.3.2: the second ClientHello must echo the cookie exactly.
#[test]
fn tampered_cookie() {
    for edit in [
        (|c: &mut Vec<u8>| c[0] ^= 1) as fn(&mut Vec<u8>),
        |c| {
            c.pop();
        },
        |c| c.push(0),
    ] {
        retry_fails(
            |ch| edit(cookie_mut(ch)),
            PeerMisbehaved::IllegalParameter("cookie not echoed").into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn missing_cookie() {
    retry_fails(
        |ch| {
            ch.extensions
                .retain(|e| !matches!(e, ClientExtension::Cookie(_)))
        },
        PeerMisbehaved::IllegalParameter("cookie not echoed").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// §4.2.2: the second ClientHello must carry the share the HRR asked for.
#[test]
fn second_client_hello_without_requested_share() {
    retry_fails(
        |ch| {
            ch.extensions.iter_mut().for_each(|e| {
                if let ClientExtension::KeyShare(k) = e {
                    k.clear()
                }
            })
        },
        PeerMisbehaved::IllegalParameter(
            "second ClientHello must carry the requested key share alone",
        )
        .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// RFC 9846 §4.2.2: after a HelloRetryRequest for a group the client
/// replaces its shares with "a single KeyShareEntry from the indicated
/// group"; a second share besides it (for a group it offered) is refused,
/// as OpenSSL refuses it.
#[test]
fn second_client_hello_must_carry_the_requested_share_alone() {
    retry_fails(
        |ch| {
            ch.extensions.iter_mut().for_each(|e| {
                if let ClientExtension::KeyShare(k) = e {
                    let mut p256 = vec![4u8];
                    p256.extend([0x11; 64]);
                    k.insert(
                        0,
                        tls13::unstable::msgs::extensions::KeyShareEntry {
                            group: NamedGroup::SECP256R1,
                            payload: p256,
                        },
                    );
                }
            })
        },
        PeerMisbehaved::IllegalParameter(
            "second ClientHello must carry the requested key share alone",
        )
        .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn second_client_hello_changes_suite() {
    retry_fails(
        |ch| ch.cipher_suites = vec![CipherSuite::TLS_AES_256_GCM_SHA384],
        PeerMisbehaved::IllegalParameter("second ClientHello changed the cipher suite").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// RFC 9846 §4.3.10: "A client MUST NOT include the early_data
/// extension in its followup ClientHello."
#[test]
fn early_data_in_second_client_hello_is_illegal_parameter() {
    retry_fails(
        |ch| {
            // Before pre_shared_key would be, i.e. anywhere: there is none.
            ch.extensions.push(ClientExtension::EarlyData);
        },
        PeerMisbehaved::IllegalParameter("early_data in the second ClientHello").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// RFC 9846 §4.2.2: after a HelloRetryRequest the client "MUST send the
/// same ClientHello without modification" except for key_share,
/// early_data (removed), cookie, pre_shared_key and padding. Everything
/// else the server can compare is compared.
#[test]
fn second_client_hello_must_repeat_the_first() {
    type Edit = Box<dyn Fn(&mut ClientHello)>;
    let edits: Vec<(&str, Edit)> = vec![
        ("random", Box::new(|ch| ch.random[0] ^= 1)),
        ("session id", Box::new(|ch| ch.legacy_session_id[0] ^= 1)),
        // legacy_version cannot differ: any value but 0x0303 is refused
        // with protocol_version first (RFC 9846 §4.2.2; tests/rfc9846.rs).
        (
            "one more suite",
            Box::new(|ch| {
                ch.cipher_suites
                    .push(CipherSuite::TLS_CHACHA20_POLY1305_SHA256)
            }),
        ),
        (
            "signature schemes",
            Box::new(|ch| {
                for e in &mut ch.extensions {
                    if let ClientExtension::SignatureAlgorithms(s) = e {
                        s.reverse();
                    }
                }
            }),
        ),
        (
            "an added extension",
            Box::new(|ch| {
                ch.extensions
                    .insert(0, ClientExtension::Alpn(vec![b"h2".to_vec()]))
            }),
        ),
        (
            "a removed extension",
            Box::new(|ch| {
                ch.extensions
                    .retain(|e| !matches!(e, ClientExtension::PskKeyExchangeModes(_)))
            }),
        ),
        (
            "extension order",
            Box::new(|ch| {
                let first = ch.extensions.remove(0);
                let at = ch.extensions.len() - 1;
                ch.extensions.insert(at, first);
            }),
        ),
    ];
    for (what, edit) in edits {
        let (mut m, mut ch2, mut wire) = retried();
        edit(&mut ch2);
        wire.extend(ch_record(ch2));
        let err: Error =
            PeerMisbehaved::IllegalParameter("second ClientHello differs from the first").into();
        assert_eq!(m.server.receive(&wire), Err(err.clone()), "{what}");
        assert_eq!(
            alert_on_wire(&m.take_server(), None, 0),
            AlertDescription::ILLEGAL_PARAMETER,
            "{what}"
        );
    }
}

/// RFC 9846 §4.2.2: padding may be added, removed or resized in the
/// second ClientHello.
#[test]
fn second_client_hello_may_change_padding() {
    let (mut m, mut ch2, mut wire) = retried();
    ch2.extensions.insert(0, ClientExtension::Padding(100));
    wire.extend(ch_record(ch2));
    m.server.receive(&wire).unwrap();
    assert!(!m.take_server().is_empty());
}

// ---- the client's encrypted flight, edited ----

/// Runs a real handshake up to the client's last flight and returns it as
/// (plaintext prefix: the CCS, the handshake messages).
fn client_flight(m: &mut Mitm) -> (Vec<u8>, Vec<Vec<u8>>) {
    let f = m.server_flight();
    m.deliver_to_client(&f.plain, &f.messages).unwrap();
    let out = m.take_client();
    let plain_len = records(&out)
        .iter()
        .take_while(|(t, _)| *t != 23)
        .map(|(_, p)| 5 + p.len())
        .sum::<usize>();
    let mut hs = Vec::new();
    for (typ, content) in open(&m.secrets.get(C_HS), 0, &out) {
        assert_eq!(typ, ContentType::HANDSHAKE);
        hs.extend(content);
    }
    (out[..plain_len].to_vec(), split_messages(&hs))
}

/// Delivers the edited client flight; the server fails with `err` and
/// sends `alert` under its application key (nothing else was sent under it).
fn flight_fails(edit: impl FnOnce(&mut Vec<Vec<u8>>), err: Error, alert: AlertDescription) {
    let mut m = Mitm::new();
    let (mut wire, mut msgs) = client_flight(&mut m);
    edit(&mut msgs);
    wire.extend(seal(
        &m.secrets.get(C_HS),
        0,
        ContentType::HANDSHAKE,
        &msgs.concat(),
        0,
    ));
    assert_eq!(m.server.receive(&wire), Err(err.clone()));
    assert_eq!(err.alert(), Some(alert));
    let out = m.take_server();
    assert_eq!(alert_on_wire(&out, Some(&m.secrets.get(S_AP)), 0), alert);
}

#[test]
fn unedited_client_flight_is_accepted() {
    let mut m = Mitm::new();
    let (mut wire, msgs) = client_flight(&mut m);
    assert_eq!(msgs.len(), 1, "Finished only");
    wire.extend(seal(
        &m.secrets.get(C_HS),
        0,
        ContentType::HANDSHAKE,
        &msgs.concat(),
        0,
    ));
    m.server.receive(&wire).unwrap();
    assert!(!m.server.is_handshaking());
}

#[test]
fn tampered_client_finished() {
    flight_fails(
        |m| {
            let HandshakeMessage::Finished(mut vd) = parse(&m[0]) else {
                panic!()
            };
            vd[31] ^= 0x80;
            m[0] = HandshakeMessage::Finished(vd).to_bytes();
        },
        PeerMisbehaved::BadFinished.into(),
        AlertDescription::DECRYPT_ERROR,
    );
}

/// RFC 9846 §4.5.3 / §6.2: a client Finished whose verify_data is not
/// Hash.length bytes is a `decode_error`, not a `decrypt_error`.
#[test]
fn client_finished_of_wrong_length_is_decode_error() {
    for edit in [
        (|vd: &mut Vec<u8>| vd.truncate(12)) as fn(&mut Vec<u8>),
        |vd| vd.push(0),
        |vd| vd.clear(),
    ] {
        flight_fails(
            |m| {
                let HandshakeMessage::Finished(mut vd) = parse(&m[0]) else {
                    panic!()
                };
                edit(&mut vd);
                m[0] = HandshakeMessage::Finished(vd).to_bytes();
            },
            InvalidMessage::InvalidValue("Finished verify_data length").into(),
            AlertDescription::DECODE_ERROR,
        );
    }
}

/// Messages the server never accepts before the client's Finished (no
/// certificate was requested, no early data accepted).
#[test]
fn unexpected_messages_before_client_finished() {
    let cert = HandshakeMessage::Certificate(CertificatePayload {
        context: vec![],
        entries: vec![],
    })
    .to_bytes();
    let cv = HandshakeMessage::CertificateVerify(DigitallySigned {
        scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
        signature: vec![0x30, 0],
    })
    .to_bytes();
    let ku = HandshakeMessage::KeyUpdate(KeyUpdateRequest::UPDATE_NOT_REQUESTED).to_bytes();
    let eoed = HandshakeMessage::EndOfEarlyData.to_bytes();
    let ch = HandshakeMessage::ClientHello(client_hello()).to_bytes();
    let nst = HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 1,
        age_add: 1,
        nonce: vec![],
        ticket: vec![1],
        extensions: vec![],
    })
    .to_bytes();
    for (msg, name) in [
        (cert, "Certificate"),
        (cv, "CertificateVerify"),
        (ku, "KeyUpdate"),
        (eoed, "EndOfEarlyData"),
        (ch, "ClientHello"),
        (nst, "NewSessionTicket"),
        (vec![99, 0, 0, 1, 0], "unknown handshake message"),
    ] {
        flight_fails(
            |m| m.insert(0, msg),
            PeerMisbehaved::UnexpectedMessage {
                got: name,
                expected: "Finished",
            }
            .into(),
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn client_finished_and_partial_message_span_key_change() {
    flight_fails(
        |m| m.push(vec![24, 0]),
        PeerMisbehaved::HandshakeSpansKeyChange.into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

/// A plaintext handshake record once the handshake key is in use: the
/// second ClientHello nobody asked for.
#[test]
fn plaintext_client_hello_after_server_flight() {
    let mut m = Mitm::new();
    let _ = m.server_flight();
    let err = m.server.receive(&edited(|_| {})).unwrap_err();
    assert_eq!(
        err,
        PeerMisbehaved::UnexpectedMessage {
            got: "unprotected record",
            expected: "protected record",
        }
        .into()
    );
    let out = m.take_server();
    assert_eq!(
        alert_on_wire(&out, Some(&m.secrets.get(S_AP)), 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

// ---- after the handshake ----

fn connected() -> Mitm {
    let mut m = Mitm::new();
    let (mut wire, msgs) = client_flight(&mut m);
    wire.extend(seal(
        &m.secrets.get(C_HS),
        0,
        ContentType::HANDSHAKE,
        &msgs.concat(),
        0,
    ));
    m.server.receive(&wire).unwrap();
    let _ = m.take_server();
    m
}

#[test]
fn post_handshake_unexpected_messages() {
    let ch = HandshakeMessage::ClientHello(client_hello()).to_bytes();
    let nst = HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 1,
        age_add: 1,
        nonce: vec![],
        ticket: vec![1],
        extensions: vec![],
    })
    .to_bytes();
    let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![1],
        extensions: vec![CertReqExtension::SignatureAlgorithms(vec![
            SignatureScheme::ED25519,
        ])],
    })
    .to_bytes();
    let fin = HandshakeMessage::Finished(vec![0; 32]).to_bytes();
    for (msg, name) in [
        (ch, "ClientHello"),
        (nst, "NewSessionTicket"),
        (cr, "CertificateRequest"),
        (fin, "Finished"),
    ] {
        let mut m = connected();
        let rec = seal(&m.secrets.get(C_AP), 0, ContentType::HANDSHAKE, &msg, 0);
        let err = PeerMisbehaved::UnexpectedMessage {
            got: name,
            expected: "KeyUpdate",
        };
        assert_eq!(m.server.receive(&rec), Err(err.into()));
        let out = m.take_server();
        assert_eq!(
            alert_on_wire(&out, Some(&m.secrets.get(S_AP)), 0),
            AlertDescription::UNEXPECTED_MESSAGE
        );
    }
}

// ---- server_name (RFC 6066 §3) ----

fn with_host_name(name: &[u8]) -> Vec<u8> {
    edited(|ch| {
        for e in &mut ch.extensions {
            if let ClientExtension::ServerName(names) = e {
                *names = vec![(ServerNameType::HOST_NAME, name.to_vec())];
            }
        }
    })
}

/// Names RFC 6066 §3 does not permit in HostName: "Literal IPv4 and IPv6
/// addresses are not permitted", "ASCII encoding without a trailing dot",
/// a DNS host name (letters, digits, hyphens in labels of 1..=63 bytes).
const BAD_HOST_NAMES: &[&[u8]] = &[
    b"../../etc/passwd\0.pem",
    b"a/b",
    b"with space.example",
    b"nul\0.example",
    b"192.0.2.1",
    b"127.1",
    b"0x7f000001",
    b"::1",
    b"[2001:db8::1]",
    b"example.com.",
    b".example.com",
    b"a..b",
    b"-lead.example",
    b"trail-.example",
    "b\u{fc}cher.example".as_bytes(),
    b"\xff\xfe",
];

/// The server refuses an invalid HostName with a fatal illegal_parameter
/// before anything (a resolver, a ticket lookup) sees it.
#[test]
fn server_name_must_be_a_dns_host_name() {
    for name in BAD_HOST_NAMES {
        fails_plain(
            &with_host_name(name),
            InvalidMessage::InvalidHostName.into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
    let long_label = [b'a'; 64];
    fails_plain(
        &with_host_name(&long_label),
        InvalidMessage::InvalidHostName.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
    let too_long = [b"a.".repeat(126), b"ab".to_vec()].concat();
    assert_eq!(too_long.len(), 254);
    fails_plain(
        &with_host_name(&too_long),
        InvalidMessage::InvalidHostName.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

/// Valid names still pass, in any case, up to the length limits; the
/// resolver sees them lower-cased.
#[test]
fn server_name_valid_host_names_are_accepted() {
    let max = [b"a.".repeat(125), b"abc".to_vec()].concat();
    assert_eq!(max.len(), 253);
    for name in [
        &b"LocalHost"[..],
        b"xn--bcher-kva.example",
        b"_acme.example-1.com",
        b"1.2.3.example",
        b"a",
        &[b'a'; 63][..],
        &max,
    ] {
        let mut s = server();
        s.receive(&with_host_name(name)).unwrap();
        assert!(!s.pending_output().is_empty());
    }
}

/// The Acceptor parses the ClientHello with the same rules: an invalid
/// HostName never reaches the application's config choice.
#[test]
fn acceptor_refuses_invalid_server_name() {
    for name in BAD_HOST_NAMES {
        let mut a = tls13::conn::accept::Acceptor::new();
        let err: Error = InvalidMessage::InvalidHostName.into();
        assert_eq!(a.receive(&with_host_name(name)), Err(err));
        assert!(a.client_hello().is_none());
        assert_eq!(
            alert_on_wire(a.pending_output(), None, 0),
            AlertDescription::ILLEGAL_PARAMETER
        );
    }
}

/// An acceptor reads the ClientHello before any configuration is chosen,
/// under the limits it was made with: a hello with more extensions than
/// the default `max_extensions` is refused by `Acceptor::new` and read by
/// an acceptor given the limits of a configuration that allows them.
#[test]
fn acceptor_reads_the_hello_under_the_limits_it_is_given() {
    let mut m = Mitm::new();
    let mut ch1 = m.take_client();
    let HandshakeMessage::ClientHello(mut ch) = parse(&records(&ch1)[0].1) else {
        panic!()
    };
    let pad = ch.extensions.len();
    for i in 0..(300 - pad) {
        ch.extensions.insert(
            0,
            ClientExtension::Unknown(tls13::unstable::msgs::extensions::UnknownExtension {
                typ: ExtensionType(0xfa00 + i as u16),
                body: Vec::new(),
            }),
        );
    }
    ch1 = ch_record(ch);
    let mut strict = tls13::conn::accept::Acceptor::new();
    assert!(matches!(
        strict.receive(&ch1),
        Err(Error::InvalidMessage(InvalidMessage::ListTooLong { .. }))
    ));
    let limits = tls13::config::Limits {
        max_extensions: 512,
        ..Default::default()
    };
    let mut loose = tls13::conn::accept::Acceptor::with_limits(limits);
    loose.receive(&ch1).unwrap();
    assert!(loose.client_hello().is_some());
}

/// The client never puts an invalid name in SNI: IP addresses are not
/// sent at all (RFC 6066 §3), other non-host-names are refused when the
/// connection is made, and a trailing dot is dropped.
#[test]
fn client_sends_only_valid_host_names_in_sni() {
    let config = Arc::new(pair::client_builder(KEY).build().unwrap());
    let sni = |name: &str| -> Option<Vec<u8>> {
        let mut c = tls13::ClientConnection::new(config.clone(), name).unwrap();
        let out = c.pending_output().to_vec();
        c.consume_output(out.len());
        let HandshakeMessage::ClientHello(ch) = parse(&records(&out)[0].1) else {
            panic!()
        };
        ch.extensions.iter().find_map(|e| match e {
            ClientExtension::ServerName(n) => Some(n[0].1.clone()),
            _ => None,
        })
    };
    assert_eq!(sni("Example.COM"), Some(b"example.com".to_vec()));
    assert_eq!(sni("example.com."), Some(b"example.com".to_vec()));
    assert_eq!(sni("192.0.2.1"), None);
    assert_eq!(sni("::1"), None);
    for bad in [
        "127.1",
        "0x7f000001",
        "a b",
        "a/b",
        "a..b",
        "bücher.example",
        "",
    ] {
        assert!(
            matches!(
                tls13::ClientConnection::new(config.clone(), bad),
                Err(Error::BadConfig(_))
            ),
            "{bad:?}"
        );
    }
}

// ---- Negotiated::peer_certificates only after acceptance (issue 11 #13) ----

/// The server side of the same rule: the client's chain is not the
/// peer's while a deferred verification is pending, nor after a refusal;
/// it is once the verification and the CertificateVerify passed.
#[test]
fn client_peer_certificates_only_after_the_verifier_accepted() {
    for accept in [false, true] {
        let id = pair::identity(KEY);
        let key = tls13::crypto::sign::SigningKey::from_der(&id.key).unwrap();
        let mut m = Mitm::with(
            |c| c.client_auth_cert(vec![id.leaf.clone()], key),
            |s| s.client_auth(tls13::ClientAuth::Required(Arc::new(Verdict::Defer))),
        );
        let ch = m.take_client();
        m.server.receive(&ch).unwrap();
        let flight = m.take_server();
        m.client.receive(&flight).unwrap();
        let fin = m.take_client();
        m.server.receive(&fin).unwrap();
        assert!(
            std::iter::from_fn(|| m.server.next_event())
                .any(|e| matches!(e, tls13::Event::VerifyClientCert(_)))
        );
        assert!(
            m.server.negotiated().peer_certificates.is_empty(),
            "pending"
        );
        if accept {
            m.server.answer_verify(Ok(())).unwrap();
            assert!(!m.server.is_handshaking());
            assert_eq!(
                m.server.negotiated().peer_certificates,
                vec![id.leaf.clone()]
            );
        } else {
            let refused = tls13::error::CertificateError::NotPinned;
            assert!(m.server.answer_verify(Err(refused)).is_err());
            assert!(
                m.server.negotiated().peer_certificates.is_empty(),
                "refused"
            );
        }
    }
}
