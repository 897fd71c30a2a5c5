//! Answers the peer's messages oblige us to send (our KeyUpdate after its
//! update_requested, RFC 9846 §4.7.3; a post-handshake authentication
//! flight after its CertificateRequest, §4.7.2) wait in `pending_output`
//! until the transport takes them. A driver that reads without writing
//! (the tokio stream's read half, or any sans-IO loop that reads ahead)
//! must not let a peer that keeps asking grow that output without bound:
//! requests that no peer following the RFC can send while our answer is
//! still unsent are coalesced (KeyUpdate) or refused (CertificateRequest).

mod forge;
mod pair;

use std::sync::Arc;

use forge::*;
use tls13::certgen::KeyType;
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::sign::SigningKey;
use tls13::error::PeerMisbehaved;
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::next_traffic_secret;
use tls13::unstable::msgs::enums::{ContentType, KeyUpdateRequest, SignatureScheme};
use tls13::unstable::msgs::handshake::{CertReqExtension, CertificateRequest, HandshakeMessage};
use tls13::{CertificateRequestInfo, CertifiedKey, Error, ResolvesClientCert};

fn key_update(req: KeyUpdateRequest) -> Vec<u8> {
    HandshakeMessage::KeyUpdate(req).to_bytes()
}

/// The protected records of `wire` under `secret` from sequence number
/// 0, following our own KeyUpdates (each record after one is under the
/// next secret).
fn open_across_updates(mut secret: Vec<u8>, wire: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
    let mut out = Vec::new();
    let mut seq = 0;
    for (typ, payload) in records(wire) {
        assert_eq!(typ, 23);
        let mut one = vec![23, 3, 3];
        one.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
        one.extend_from_slice(&payload);
        let rec = open(&secret, seq, &one).remove(0);
        seq += 1;
        if rec
            == (
                ContentType::HANDSHAKE,
                key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED),
            )
        {
            secret = next_traffic_secret(HashAlgorithm::Sha256, &secret)
                .as_ref()
                .to_vec();
            seq = 0;
        }
        out.push(rec);
    }
    out
}

/// RFC 9846 §4.7.3: a peer that sent update_requested "MUST NOT send
/// another KeyUpdate with request_update set to "update_requested"" until
/// it receives a KeyUpdate of ours. While our answer is still in
/// `pending_output` it cannot have received it: a further request is
/// answered by the KeyUpdate already queued (it still precedes our next
/// application data), so a reader that does not write keeps one answer,
/// however many the peer asks for. Once the transport took it, the next
/// request is answered again.
#[test]
fn update_requested_is_answered_once_while_our_answer_is_unsent() {
    let mut m = Mitm::connected();
    let mut s = m.secrets.get(S_AP);
    let mut data = Vec::new();
    for i in 0..200u32 {
        // Application data in between, so the KeyUpdate flood limit
        // (Limits::max_key_updates) is not what stops it.
        let mut wire = seal(&s, 0, ContentType::APPLICATION_DATA, &i.to_be_bytes(), 0);
        wire.extend(seal(
            &s,
            1,
            ContentType::HANDSHAKE,
            &key_update(KeyUpdateRequest::UPDATE_REQUESTED),
            0,
        ));
        m.client.receive(&wire).unwrap();
        data.extend_from_slice(&i.to_be_bytes());
        s = next_traffic_secret(HashAlgorithm::Sha256, &s)
            .as_ref()
            .to_vec();
    }
    // Every byte arrived, under every key.
    assert_eq!(m.client.received_data(), data);
    let out = m.take_client();
    assert_eq!(
        records(&out).len(),
        1,
        "one KeyUpdate answers every request made while it was unsent"
    );
    let c_ap = m.secrets.get(C_AP);
    assert_eq!(
        open_across_updates(c_ap.clone(), &out),
        [(
            ContentType::HANDSHAKE,
            key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED)
        )]
    );

    // The answer left: the next request is answered.
    m.client
        .receive(&seal(
            &s,
            0,
            ContentType::HANDSHAKE,
            &key_update(KeyUpdateRequest::UPDATE_REQUESTED),
            0,
        ))
        .unwrap();
    m.client.send(b"after").unwrap();
    let mut wire = out;
    wire.extend(m.take_client());
    assert_eq!(
        open_across_updates(c_ap, &wire),
        [
            (
                ContentType::HANDSHAKE,
                key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED)
            ),
            (
                ContentType::HANDSHAKE,
                key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED)
            ),
            (ContentType::APPLICATION_DATA, b"after".to_vec()),
        ]
    );
}

/// Presents the Ed25519 test identity to every request.
struct Grant;

impl ResolvesClientCert for Grant {
    fn resolve(&self, _: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
        let id = pair::identity(KeyType::Ed25519);
        Some(Arc::new(CertifiedKey::new(
            vec![id.leaf.clone()],
            Arc::new(SigningKey::from_der(&id.key).unwrap()),
        )))
    }
}

fn certificate_request(context: u8) -> Vec<u8> {
    HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![context],
        extensions: vec![CertReqExtension::SignatureAlgorithms(vec![
            SignatureScheme::ED25519,
        ])],
    })
    .to_bytes()
}

/// Each post-handshake CertificateRequest costs the client a signature and
/// queues its certificate chain. A server that follows the RFC sends the
/// next one only after reading our answer to the last (both OpenSSL and
/// this library's server allow one outstanding request), which it cannot
/// have done while that answer is still in our `pending_output`; a server
/// that keeps asking meanwhile would grow the output of a client that
/// reads without writing by a chain per request. Such a request is
/// refused (`unexpected_message`); one sent after the answer left is
/// answered as usual.
#[test]
fn certificate_request_before_our_last_answer_was_sent_is_refused() {
    let mut m = Mitm::connected_with(|c| c.client_cert_resolver(Arc::new(Grant)), |s| s);
    let s = m.secrets.get(S_AP);
    // One request, answered; the transport takes the answer; another.
    m.client
        .receive(&seal(
            &s,
            0,
            ContentType::HANDSHAKE,
            &certificate_request(1),
            0,
        ))
        .unwrap();
    let first = m.take_client();
    assert!(!first.is_empty(), "the first request is answered");
    m.client
        .receive(&seal(
            &s,
            1,
            ContentType::HANDSHAKE,
            &certificate_request(2),
            0,
        ))
        .unwrap();
    let second = m.client.pending_output().len();
    assert!(second > 0, "a request after our answer left is answered");

    // Its answer is still unsent: a third request is refused, and costs
    // no signature nor chain.
    let err = m
        .client
        .receive(&seal(
            &s,
            2,
            ContentType::HANDSHAKE,
            &certificate_request(3),
            0,
        ))
        .unwrap_err();
    assert!(
        matches!(err, Error::PeerMisbehaved(PeerMisbehaved::TooMany(_))),
        "{err:?}"
    );
    assert_eq!(
        err.alert(),
        Some(tls13::unstable::msgs::enums::AlertDescription::UNEXPECTED_MESSAGE)
    );
    // Only the alert was added to the unsent answer.
    assert!(m.client.pending_output().len() < second + 64);
}
