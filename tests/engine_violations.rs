//! Protocol violations from a scripted peer: each must fail with the exact
//! error and put the alert RFC 9846 names on the wire.

mod forge;
mod pair;

use std::sync::Arc;

use forge::{KEY, client_first_flight, first_client_hello, plain_alert, record, server_hello};
use pair::*;
use tls13::error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::*;
use tls13::unstable::msgs::handshake::*;
use tls13::{ClientConnection, ServerConnection};

fn client() -> (ClientConnection, ClientHello) {
    let (c, out) = client_first_flight();
    assert_eq!(
        out[1..3],
        [3, 1],
        "first ClientHello record is version 0x0301"
    );
    (c, first_client_hello(&out))
}

fn hrr(ch: &ClientHello, group: NamedGroup) -> Vec<u8> {
    server_hello(ch, |sh| {
        sh.random = HRR_RANDOM;
        sh.extensions = vec![
            ServerExtension::KeyShareRetry(group),
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
        ];
    })
}

fn expect_client_failure(
    c: &mut ClientConnection,
    input: &[u8],
    err: Error,
    alert: AlertDescription,
) {
    assert_eq!(c.receive(input), Err(err.clone()));
    assert!(
        c.pending_output().ends_with(&plain_alert(alert)),
        "alert {alert:?} not on the wire"
    );
    assert_eq!(c.receive(b"\x16"), Err(err), "error is sticky");
}

#[test]
fn downgrade_sentinel() {
    let (mut c, ch) = client();
    let sh = server_hello(&ch, |sh| {
        sh.random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        sh.extensions
            .retain(|e| !matches!(e, ServerExtension::SupportedVersions(_)));
    });
    expect_client_failure(
        &mut c,
        &sh,
        PeerMisbehaved::DowngradeDetected.into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn tls12_server_is_protocol_version() {
    let (mut c, ch) = client();
    let sh = server_hello(&ch, |sh| {
        sh.extensions
            .retain(|e| !matches!(e, ServerExtension::SupportedVersions(_)))
    });
    expect_client_failure(
        &mut c,
        &sh,
        PeerIncompatible::NoTls13.into(),
        AlertDescription::PROTOCOL_VERSION,
    );
}

#[test]
fn unoffered_suite() {
    let (mut c, ch) = client();
    let sh = server_hello(&ch, |sh| {
        sh.cipher_suite = CipherSuite::TLS_AES_128_CCM_SHA256
    });
    expect_client_failure(
        &mut c,
        &sh,
        PeerMisbehaved::SelectedUnofferedParameter("cipher suite").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn wrong_session_id_echo() {
    let (mut c, ch) = client();
    let sh = server_hello(&ch, |sh| sh.legacy_session_id_echo = vec![1, 2, 3]);
    expect_client_failure(
        &mut c,
        &sh,
        PeerMisbehaved::IllegalParameter("legacy_session_id_echo").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn key_share_for_group_not_sent() {
    let (mut c, ch) = client();
    let sh = server_hello(&ch, |sh| {
        sh.extensions[0] = ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::SECP384R1,
            payload: vec![4; 97],
        })
    });
    expect_client_failure(
        &mut c,
        &sh,
        PeerMisbehaved::SelectedUnofferedParameter("key share group").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn hrr_for_group_already_shared() {
    let (mut c, ch) = client();
    expect_client_failure(
        &mut c,
        &hrr(&ch, NamedGroup::X25519MLKEM768),
        PeerMisbehaved::IllegalHelloRetryRequest("selected a group we already sent a share for")
            .into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn second_hrr_is_unexpected() {
    let (mut c, ch) = client();
    c.receive(&hrr(&ch, NamedGroup::SECP256R1)).unwrap();
    let out = c.pending_output().to_vec();
    c.consume_output(out.len());
    // Compatibility mode: CCS, then the second ClientHello (same random, record version 0x0303).
    let recs = records(&out);
    assert_eq!(recs[0], (20, vec![1]));
    assert_eq!(out[6..9], [22, 3, 3]);
    let HandshakeMessage::ClientHello(ch2) =
        HandshakeMessage::read_exact(&recs[1].1, "ch2").unwrap()
    else {
        panic!()
    };
    assert_eq!(ch2.random, ch.random);
    assert_eq!(
        c.receive(&hrr(&ch, NamedGroup::SECP384R1)),
        Err(PeerMisbehaved::SecondHelloRetryRequest.into())
    );
    assert!(
        c.pending_output()
            .ends_with(&plain_alert(AlertDescription::UNEXPECTED_MESSAGE))
    );
}

#[test]
fn plaintext_application_data_is_unexpected() {
    let (mut c, _) = client();
    expect_client_failure(
        &mut c,
        &record(23, b"hello"),
        PeerMisbehaved::UnexpectedMessage {
            got: "application_data",
            expected: "handshake",
        }
        .into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn bad_change_cipher_spec() {
    let (mut c, _) = client();
    expect_client_failure(
        &mut c,
        &record(20, &[2]),
        PeerMisbehaved::IllegalChangeCipherSpec.into(),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn good_change_cipher_spec_is_dropped() {
    let (mut c, _) = client();
    c.receive(&record(20, &[1])).unwrap();
    assert!(c.pending_output().is_empty());
}

fn server() -> ServerConnection {
    ServerConnection::new(Arc::new(server_builder(KEY).build().unwrap())).unwrap()
}

fn expect_server_failure(ch: ClientHello, err: Error, alert: AlertDescription) {
    let mut s = server();
    assert_eq!(
        s.receive(&record(22, &HandshakeMessage::ClientHello(ch).to_bytes())),
        Err(err)
    );
    assert_eq!(s.pending_output(), plain_alert(alert));
}

#[test]
fn client_hello_without_tls13() {
    let (_, mut ch) = client();
    ch.extensions
        .retain(|e| !matches!(e, ClientExtension::SupportedVersions(_)));
    expect_server_failure(
        ch,
        PeerIncompatible::NoTls13.into(),
        AlertDescription::PROTOCOL_VERSION,
    );
}

#[test]
fn client_hello_with_compression() {
    let (_, mut ch) = client();
    ch.legacy_compression_methods = vec![1, 0];
    expect_server_failure(
        ch,
        PeerMisbehaved::IllegalParameter("legacy_compression_methods").into(),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn client_hello_without_signature_algorithms() {
    let (_, mut ch) = client();
    ch.extensions
        .retain(|e| !matches!(e, ClientExtension::SignatureAlgorithms(_)));
    expect_server_failure(
        ch,
        PeerMisbehaved::MissingExtension("signature_algorithms").into(),
        AlertDescription::MISSING_EXTENSION,
    );
}

#[test]
fn no_common_suite() {
    let (_, mut ch) = client();
    ch.cipher_suites = vec![CipherSuite::TLS_AES_128_CCM_SHA256];
    expect_server_failure(
        ch,
        PeerIncompatible::NoCommonCipherSuite.into(),
        AlertDescription::HANDSHAKE_FAILURE,
    );
}

#[test]
fn finished_before_client_hello() {
    let mut s = server();
    let fin = HandshakeMessage::Finished(vec![0; 32]).to_bytes();
    assert_eq!(
        s.receive(&record(22, &fin)),
        Err(PeerMisbehaved::UnexpectedMessage {
            got: "Finished",
            expected: "ClientHello"
        }
        .into())
    );
    assert_eq!(
        s.pending_output(),
        plain_alert(AlertDescription::UNEXPECTED_MESSAGE)
    );
}

#[test]
fn truncated_handshake_message_is_decode_error() {
    let mut s = server();
    // A ClientHello header claiming 3 bytes, with a body that cannot parse.
    let err = s.receive(&record(22, &[1, 0, 0, 3, 3, 3, 0])).unwrap_err();
    assert!(
        matches!(err, Error::InvalidMessage(InvalidMessage::MissingData(_))),
        "{err:?}"
    );
    assert_eq!(
        s.pending_output(),
        plain_alert(AlertDescription::DECODE_ERROR)
    );
}

/// A client that fails on our ServerHello has no keys yet and can only
/// alert in plaintext: the server reports that alert, not a record-type
/// error, so the user learns why the handshake failed.
#[test]
fn plaintext_alert_during_handshake_is_reported() {
    let c =
        ClientConnection::new(Arc::new(client_builder(KEY).build().unwrap()), "localhost").unwrap();
    let mut s = ServerConnection::new(Arc::new(server_builder(KEY).build().unwrap())).unwrap();
    s.receive(c.pending_output()).unwrap();
    assert!(
        !s.pending_output().is_empty(),
        "server answered the ClientHello"
    );
    let err = s
        .receive(&plain_alert(AlertDescription::HANDSHAKE_FAILURE))
        .unwrap_err();
    assert_eq!(
        err,
        Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)
    );
}

/// After the handshake, alerts must be protected: a plaintext one is an
/// unexpected record.
#[test]
fn plaintext_alert_after_handshake_is_unexpected() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    p.run().unwrap();
    let err = p
        .server
        .receive(&plain_alert(AlertDescription::HANDSHAKE_FAILURE))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
        ),
        "{err:?}"
    );
}
