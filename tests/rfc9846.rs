//! RFC 9846, which obsoletes RFC 8446: the rules it adds or changes, each
//! checked against the real engine (docs/rfc9846.md lists them all, with
//! those that needed no change). Scripted and resealed flights come from
//! `forge`, as in the hostile-peer suites.

mod forge;
mod pair;

use std::sync::Arc;

use forge::*;
use pair::{Feed, Pair, client_builder, identity, server_builder};
use tls13::config::ClientAuth;
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::sign::SigningKey;
use tls13::resumption::{ClientSession, ExternalPsk};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::*;
use tls13::unstable::msgs::handshake::*;
use tls13::{Error, Event, PinnedClientCertVerifier, ServerConnection};

// ---- helpers ----

fn server() -> ServerConnection {
    ServerConnection::new(Arc::new(server_builder(KEY).build().unwrap())).unwrap()
}

/// The server's answer to `ch`: it fails, and `alert` is the error's
/// alert and the (plaintext) alert on the wire.
fn server_refuses(ch: ClientHello, alert: AlertDescription) -> Error {
    let mut s = server();
    let err = s
        .receive(&record(22, &HandshakeMessage::ClientHello(ch).to_bytes()))
        .expect_err("the server accepted the ClientHello");
    assert_eq!(err.alert(), Some(alert), "{err}");
    assert_eq!(alert_on_wire(s.pending_output(), None, 0), alert);
    err
}

fn psk() -> ExternalPsk {
    ExternalPsk::new(b"client-1", &[0x42; 32], HashAlgorithm::Sha256).unwrap()
}

/// A client certificate (the test identity) for post-handshake requests.
fn with_client_cert(c: tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder {
    let id = identity(KEY);
    c.client_auth_cert(
        vec![id.leaf.clone()],
        SigningKey::from_der(&id.key).unwrap(),
    )
}

fn sig_algs() -> CertReqExtension {
    CertReqExtension::SignatureAlgorithms(vec![
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ED25519,
    ])
}

fn handshake_types(msgs: &[(ContentType, Vec<u8>)]) -> Vec<u8> {
    let body: Vec<u8> = msgs
        .iter()
        .filter(|(t, _)| *t == ContentType::HANDSHAKE)
        .flat_map(|(_, b)| b.clone())
        .collect();
    split_messages(&body).iter().map(|m| m[0]).collect()
}

// ---- §6: general_error ----

/// RFC 9846 §6 adds general_error(117) (§6.2; IANA, §11.1). It has its
/// registry name, in errors too, and ends the connection like every error
/// alert.
#[test]
fn general_error_alert_is_known() {
    let ge = AlertDescription(117);
    assert_eq!(ge.name(), Some("GENERAL_ERROR"));
    assert_eq!(format!("{ge:?}"), "GENERAL_ERROR");
    let e = Error::AlertReceived(ge);
    assert!(e.to_string().contains("GENERAL_ERROR"), "{e}");

    let mut m = Mitm::connected();
    let rec = seal(&m.secrets.get(S_AP), 0, ContentType::ALERT, &[2, 117], 0);
    assert_eq!(m.client.receive(&rec), Err(Error::AlertReceived(ge)));
    assert!(m.client.pending_output().is_empty(), "no alert answers one");
}

// ---- §4.2.2, §4.2.3: legacy_version ----

/// RFC 9846 §4.2.2: "A server which receives a legacy_version value not
/// equal to 0x0303 MUST abort the handshake with a "protocol_version"
/// alert" (8446 accepted other values from TLS 1.3 clients).
#[test]
fn client_hello_legacy_version_not_0x0303_is_protocol_version() {
    for v in [0x0301u16, 0x0302, 0x0304, 0x0300, 0x7f1c] {
        let (_, mut ch) = client_and_hello();
        ch.legacy_version = ProtocolVersion(v);
        server_refuses(ch, AlertDescription::PROTOCOL_VERSION);
    }
}

/// RFC 9846 §4.2.3: "A client which receives a TLS 1.3 Server Hello with a
/// legacy_version value not equal to 0x0303 MUST abort the handshake with
/// a "protocol_version" alert"; §4.2.4 checks a HelloRetryRequest's the
/// same way (8446 had illegal_parameter above 0x0300).
#[test]
fn server_hello_legacy_version_not_0x0303_is_protocol_version() {
    for retry in [false, true] {
        for v in [0x0301u16, 0x0302, 0x0304, 0x0300] {
            let (mut c, ch) = client_and_hello();
            let input = server_hello(&ch, |sh| {
                sh.legacy_version = ProtocolVersion(v);
                if retry {
                    sh.random = HRR_RANDOM;
                    sh.extensions = vec![
                        ServerExtension::KeyShareRetry(NamedGroup::SECP256R1),
                        ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
                    ];
                }
            });
            let err = c.receive(&input).unwrap_err();
            assert_eq!(
                err.alert(),
                Some(AlertDescription::PROTOCOL_VERSION),
                "{v:#x} retry={retry}: {err}"
            );
            assert_eq!(
                alert_on_wire(c.pending_output(), None, 0),
                AlertDescription::PROTOCOL_VERSION
            );
        }
    }
}

// ---- §4.3.7: supported_groups ----

/// RFC 9846 §4.3.7: the "named_group_list" "MUST NOT contain any duplicate
/// entries": a configuration that would send one is refused.
#[test]
fn config_refuses_duplicate_named_groups() {
    use NamedGroup as G;
    assert!(
        client_builder(KEY)
            .groups(&[G::X25519, G::SECP256R1, G::X25519])
            .build()
            .is_err()
    );
    assert!(
        server_builder(KEY)
            .groups(&[G::SECP256R1, G::SECP256R1])
            .build()
            .is_err()
    );
    assert!(
        client_builder(KEY)
            .groups(&[G::X25519, G::SECP256R1])
            .build()
            .is_ok()
    );
}

/// RFC 9846 §4.3.7: "A recipient MAY abort a connection with a fatal
/// "illegal_parameter" alert if it detects a duplicate entry"; we do.
#[test]
fn client_hello_with_duplicate_named_groups_is_illegal_parameter() {
    let (_, mut ch) = client_and_hello();
    for e in &mut ch.extensions {
        if let ClientExtension::SupportedGroups(g) = e {
            let first = g[0];
            g.push(first);
        }
    }
    server_refuses(ch, AlertDescription::ILLEGAL_PARAMETER);
}

// ---- §4.4.2: CertificateRequest ----

/// RFC 9846 §4.4.2 corrects CertificateRequest.extensions to <0..2^16-1>:
/// an empty block is well-formed, so a request without
/// signature_algorithms is missing_extension, not decode_error.
#[test]
fn certificate_request_without_extensions_is_missing_extension() {
    let verifier = Arc::new(PinnedClientCertVerifier::new(vec![
        identity(KEY).leaf.clone(),
    ]));
    let mut m = Mitm::with(|c| c, |s| s.client_auth(ClientAuth::Optional(verifier)));
    let mut f = m.server_flight();
    assert_eq!(f.messages[1][0], HandshakeType::CERTIFICATE_REQUEST.0);
    f.messages[1] = HandshakeMessage::CertificateRequest(CertificateRequest {
        context: Vec::new(),
        extensions: Vec::new(),
    })
    .to_bytes();
    assert_eq!(f.messages[1], [13, 0, 0, 3, 0, 0, 0]);
    let err = m.deliver_to_client(&f.plain, &f.messages).unwrap_err();
    assert_eq!(
        err.alert(),
        Some(AlertDescription::MISSING_EXTENSION),
        "{err}"
    );
    assert_eq!(m.client_alert(), AlertDescription::MISSING_EXTENSION);
}

/// RFC 9846 §4.3, Table 1: server_name may appear in a CertificateRequest
/// (RFC 9261); 8446's table had it in CH and EE only, so it was
/// illegal_parameter. The client now answers such a request.
#[test]
fn server_name_is_allowed_in_certificate_request() {
    let mut m = Mitm::connected_with(with_client_cert, |s| s);
    let server_name =
        ClientExtension::ServerName(vec![(ServerNameType::HOST_NAME, b"localhost".to_vec())])
            .to_bytes();
    let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![1],
        extensions: vec![
            sig_algs(),
            CertReqExtension::Unknown(UnknownExtension {
                typ: ExtensionType::SERVER_NAME,
                body: server_name[4..].to_vec(),
            }),
        ],
    })
    .to_bytes();
    let rec = seal(&m.secrets.get(S_AP), 0, ContentType::HANDSHAKE, &cr, 0);
    m.client.receive(&rec).unwrap();
    let out = m.take_client();
    let answer = open(&m.secrets.get(C_AP), 0, &out);
    assert_eq!(
        handshake_types(&answer),
        [
            HandshakeType::CERTIFICATE.0,
            HandshakeType::CERTIFICATE_VERIFY.0,
            HandshakeType::FINISHED.0
        ]
    );
}

/// RFC 9846 §4.4.2: "servers which are authenticating with an external PSK
/// MUST NOT send the CertificateRequest message in the main handshake or
/// request post-handshake authentication". The server refuses to ask
/// (the connection stays usable); after a certificate handshake with the
/// same configurations it may.
#[test]
fn no_post_handshake_auth_after_an_external_psk_handshake() {
    let verifier = Arc::new(PinnedClientCertVerifier::new(vec![
        identity(KEY).leaf.clone(),
    ]));
    let s = || {
        server_builder(KEY)
            .external_psk(psk())
            .post_handshake_client_verifier(verifier.clone())
            .build()
            .unwrap()
    };
    let c = with_client_cert(client_builder(KEY)).external_psk(psk());
    let mut p = Pair::new(c.build().unwrap(), s(), Feed::Whole);
    p.run().unwrap();
    assert!(p.server.negotiated().external_psk);
    let err = p.server.request_client_certificate().unwrap_err();
    assert!(matches!(err, Error::BadConfig(_)), "{err:?}");
    p.client.send(b"still usable").unwrap();
    p.run().unwrap();
    assert_eq!(pair::take_data(&mut p.server), b"still usable");

    // The control: no PSK, a certificate handshake, and the request goes.
    let c = with_client_cert(client_builder(KEY)).build().unwrap();
    let mut p = Pair::new(c, s(), Feed::Whole);
    p.run().unwrap();
    assert!(!p.server.negotiated().external_psk);
    p.server.request_client_certificate().unwrap();
    p.run().unwrap();
    p.drain();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::PostHandshakeAuth(c) if !c.is_empty()))
    );
}

/// The client's side of RFC 9846 §4.4.2 (with Appendix F.1: external PSKs
/// are not combined with certificate authentication): a post-handshake
/// CertificateRequest after an external-PSK handshake is
/// unexpected_message, as if post_handshake_auth had not been offered.
#[test]
fn client_refuses_certificate_request_after_an_external_psk_handshake() {
    let mut m = Mitm::connected_with(
        |c| with_client_cert(c).external_psk(psk()),
        |s| s.external_psk(psk()),
    );
    assert!(m.client.negotiated().external_psk);
    let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![1],
        extensions: vec![sig_algs()],
    })
    .to_bytes();
    let rec = seal(&m.secrets.get(S_AP), 0, ContentType::HANDSHAKE, &cr, 0);
    let err = m.client.receive(&rec).unwrap_err();
    assert_eq!(
        err.alert(),
        Some(AlertDescription::UNEXPECTED_MESSAGE),
        "{err}"
    );
    let out = m.take_client();
    assert_eq!(
        alert_on_wire(&out, Some(&m.secrets.get(C_AP)), 0),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

// ---- §4.7.1: NewSessionTicket ----

/// How many tickets a client whose ClientHello `hook` edits receives from
/// a server that issues two.
fn tickets_received(hook: impl Fn(&mut ClientHello) + Send + Sync + 'static) -> usize {
    let c = client_builder(KEY)
        .client_hello_hook(Arc::new(hook))
        .build()
        .unwrap();
    let s = server_builder(KEY).session_tickets(2).build().unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    p.run().unwrap();
    p.drain();
    assert!(pair::has_complete(&p.client_events));
    p.client_events
        .iter()
        .filter(|e| matches!(e, Event::NewSessionTicket(_)))
        .count()
}

/// RFC 9846 §4.7.1: "If the client's hello contained a suitable
/// "psk_key_exchange_modes" extension, the server MAY send a
/// NewSessionTicket"; without one (absent, or only modes we do not know),
/// it sends none.
#[test]
fn tickets_only_for_a_hello_with_suitable_psk_key_exchange_modes() {
    assert_eq!(tickets_received(|_| {}), 2);
    assert_eq!(
        tickets_received(|ch| ch
            .extensions
            .retain(|e| !matches!(e, ClientExtension::PskKeyExchangeModes(_)))),
        0
    );
    assert_eq!(
        tickets_received(|ch| {
            for e in &mut ch.extensions {
                if let ClientExtension::PskKeyExchangeModes(m) = e {
                    *m = vec![PskKeyExchangeMode(0x7f)];
                }
            }
        }),
        0
    );
}

/// A NewSessionTicket with a lifetime over 7 days and an extension that
/// belongs to other messages: two reasons a resuming client refuses it.
fn bad_ticket() -> Vec<u8> {
    HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 604_801,
        age_add: 7,
        nonce: vec![0],
        ticket: vec![1, 2, 3],
        extensions: vec![TicketExtension::Unknown(UnknownExtension {
            typ: ExtensionType::KEY_SHARE,
            body: vec![],
        })],
    })
    .to_bytes()
}

/// RFC 9846 §4.7.1: "Clients which receive a NewSessionTicket message but
/// do not support resumption MUST silently ignore this message": without
/// a session store, or with an external PSK configured, even a ticket a
/// resuming client would refuse is ignored, and the connection goes on.
#[test]
fn client_without_resumption_ignores_new_session_tickets() {
    type Edit = fn(tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder;
    type EditS = fn(tls13::config::ServerConfigBuilder) -> tls13::config::ServerConfigBuilder;
    let cases: [(Edit, EditS); 2] = [
        (|c| c.session_store(None), |s| s),
        (|c| c.external_psk(psk()), |s| s.external_psk(psk())),
    ];
    for (c, s) in cases {
        let mut m = Mitm::connected_with(c, s);
        let s_ap = m.secrets.get(S_AP);
        m.client
            .receive(&seal(&s_ap, 0, ContentType::HANDSHAKE, &bad_ticket(), 0))
            .unwrap();
        m.client
            .receive(&seal(&s_ap, 1, ContentType::APPLICATION_DATA, b"on", 0))
            .unwrap();
        assert_eq!(m.client.received_data(), b"on");
        assert!(m.client.pending_output().is_empty());
        while let Some(e) = m.client.next_event() {
            assert!(!matches!(e, Event::NewSessionTicket(_)));
        }
    }
    // A client that resumes still checks the ticket (§4.7.1).
    let mut m = Mitm::connected();
    let rec = seal(
        &m.secrets.get(S_AP),
        0,
        ContentType::HANDSHAKE,
        &bad_ticket(),
        0,
    );
    let err = m.client.receive(&rec).unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

/// RFC 9846 §4.7.1: "Clients MUST NOT use tickets for longer than 7 days
/// after issuance, regardless of the ticket_lifetime", also for a stored
/// session whose lifetime says more.
#[test]
fn tickets_are_not_used_beyond_7_days() {
    let s = ClientSession {
        suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        psk: zeroize::Zeroizing::new(vec![0; 32]),
        ticket: vec![1],
        age_add: 0,
        lifetime: 10 * 86_400,
        received_ms: 1_000,
        max_early_data: 0,
        alpn: None,
        peer_certificates: Vec::new(),
        peer_raw_public_key: false,
        client_authenticated: false,
        authenticated_ms: 1_000,
        origin: None,
        quic_transport_parameters: None,
    };
    let week_ms = 604_800_000;
    assert!(s.is_fresh(1_000 + week_ms - 1));
    assert!(!s.is_fresh(1_000 + week_ms));
}

// ---- §4.7.3: KeyUpdate ----

/// RFC 9846 §4.7.3: "Until receiving a subsequent KeyUpdate from the peer,
/// the sender MUST NOT send another KeyUpdate with request_update set to
/// "update_requested"." Two updates asked for back to back make one
/// request, so the server answers once; once answered, a request goes
/// out again.
#[test]
fn no_second_update_requested_before_the_peer_answers() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    p.run().unwrap();
    let before = p.server_wire.len();
    p.client.update_keys(true).unwrap();
    p.client.update_keys(true).unwrap();
    p.run().unwrap();
    assert_eq!(
        records(&p.server_wire[before..]).len(),
        1,
        "the server answered more than one update_requested"
    );
    let before = p.server_wire.len();
    p.client.update_keys(true).unwrap();
    p.run().unwrap();
    assert_eq!(records(&p.server_wire[before..]).len(), 1);
    p.client.send(b"ping").unwrap();
    p.server.send(b"pong").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"ping");
    assert_eq!(p.client_data(), b"pong");
}

// ---- §6.1: closure alerts ----

/// RFC 9846 §6.1: user_canceled is a closure alert: "Receiving
/// implementations SHOULD continue to read data from the peer until a
/// "close_notify" is received". Its level does not matter (§6: the level
/// "can safely be ignored"; only §6.2's alerts are errors whatever it says).
#[test]
fn user_canceled_is_a_closure_alert_at_any_level() {
    for level in [1u8, 2] {
        let mut m = Mitm::connected();
        let s_ap = m.secrets.get(S_AP);
        m.client
            .receive(&seal(&s_ap, 0, ContentType::ALERT, &[level, 90], 0))
            .unwrap_or_else(|e| panic!("level {level}: {e}"));
        m.client
            .receive(&seal(&s_ap, 1, ContentType::APPLICATION_DATA, b"more", 0))
            .unwrap();
        assert_eq!(m.client.received_data(), b"more");
        m.client
            .receive(&seal(&s_ap, 2, ContentType::ALERT, &[1, 0], 0))
            .unwrap();
        let mut closed = false;
        while let Some(e) = m.client.next_event() {
            closed |= matches!(e, Event::Closed(tls13::CloseKind::CloseNotify));
        }
        assert!(closed);
    }
}

/// RFC 9846 §6.1 restores "This alert MUST be sent with
/// AlertLevel=warning" for close_notify. (Already so before RFC 9846.)
#[test]
fn close_notify_is_sent_at_warning_level() {
    let mut m = Mitm::connected();
    m.client.close();
    let out = m.take_client();
    assert_eq!(
        open(&m.secrets.get(C_AP), 0, &out),
        [(ContentType::ALERT, vec![1, 0])]
    );
}
