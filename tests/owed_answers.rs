//! Answers the peer's messages oblige us to send (our KeyUpdate after its
//! update_requested, RFC 9846 §4.7.3; a post-handshake authentication
//! flight after its CertificateRequest, §4.7.2) wait in `pending_output`
//! until the transport takes them. A driver that reads without writing
//! (the tokio stream's read half, or any sans-IO loop that reads ahead)
//! must not let a peer that keeps asking grow that output without bound:
//! requests that no peer following the RFC can send while our answer is
//! still unsent are coalesced (KeyUpdate); CertificateRequests, which the
//! RFC lets a server send a few at a time, are refused past a small number
//! of unsent answers.

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
            secret = next_traffic_secret(HashAlgorithm::Sha256.with_default_provider(), &secret)
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
        s = next_traffic_secret(HashAlgorithm::Sha256.with_default_provider(), &s)
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
/// queues its certificate chain. RFC 9846 §4.7.2 lets a server send a few
/// "in close succession", before reading any answer; one that keeps
/// asking while the answers pile up unsent would grow the output of a
/// client that reads without writing by a chain per request. Past
/// `MAX_UNSENT_ANSWERS` (8) unsent answers a request is refused
/// (`unexpected_message`), at no cost; once the transport took the
/// answers, requests are answered as usual.
#[test]
fn certificate_requests_past_the_unsent_answer_cap_are_refused() {
    let mut m = Mitm::connected_with(|c| c.client_cert_resolver(Arc::new(Grant)), |s| s);
    let s = m.secrets.get(S_AP);
    // One request, answered; the transport takes the answer.
    m.client
        .receive(&seal(
            &s,
            0,
            ContentType::HANDSHAKE,
            &certificate_request(0),
            0,
        ))
        .unwrap();
    let first = m.take_client();
    assert!(!first.is_empty(), "the first request is answered");
    // Eight more while their answers stay unsent: all answered.
    let mut seq = 1;
    for i in 1..=8u8 {
        let before = m.client.pending_output().len();
        m.client
            .receive(&seal(
                &s,
                seq,
                ContentType::HANDSHAKE,
                &certificate_request(i),
                0,
            ))
            .unwrap();
        seq += 1;
        assert!(
            m.client.pending_output().len() > before,
            "request {i} answered"
        );
    }
    let queued = m.client.pending_output().len();

    // A ninth while eight answers are unsent: refused, and it costs no
    // signature nor chain.
    let err = m
        .client
        .receive(&seal(
            &s,
            seq,
            ContentType::HANDSHAKE,
            &certificate_request(9),
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
    // Only the alert was added to the unsent answers.
    assert!(m.client.pending_output().len() < queued + 64);
}

/// Once the transport took part of the output, the answers wholly sent no
/// longer count: a client whose driver writes keeps answering.
#[test]
fn certificate_requests_are_answered_while_the_transport_takes_the_answers() {
    let mut m = Mitm::connected_with(|c| c.client_cert_resolver(Arc::new(Grant)), |s| s);
    let s = m.secrets.get(S_AP);
    for i in 0..40u8 {
        m.client
            .receive(&seal(
                &s,
                u64::from(i),
                ContentType::HANDSHAKE,
                &certificate_request(i),
                0,
            ))
            .unwrap();
        // The transport takes all but the last byte: every answer but
        // the newest one has left.
        let n = m.client.pending_output().len() - 1;
        m.client.consume_output(n);
    }
}

/// The handshake messages our client sent in `wire` (records under the
/// client's first application secret, from sequence number 0).
fn client_messages(m: &Mitm, wire: &[u8]) -> Vec<HandshakeMessage> {
    open(&m.secrets.get(C_AP), 0, wire)
        .into_iter()
        .map(|(typ, content)| {
            assert_eq!(typ, ContentType::HANDSHAKE, "only handshake messages");
            content
        })
        .flat_map(|content| split_messages(&content))
        .map(|raw| parse(&raw))
        .collect()
}

/// RFC 9846 §4.7.2: "clients which receive multiple CertificateRequests
/// in close succession MAY respond to them in a different order than they
/// were received (the certificate_request_context value allows the server
/// to disambiguate the responses)": a server may send a second request
/// before it has read our answer to the first, so two requests arriving
/// together (one transport read, our first answer still unsent) are both
/// answered, each with its own context, not refused as a flood.
#[test]
fn certificate_requests_in_close_succession_are_all_answered() {
    let mut m = Mitm::connected_with(|c| c.client_cert_resolver(Arc::new(Grant)), |s| s);
    let s = m.secrets.get(S_AP);
    let mut wire = seal(&s, 0, ContentType::HANDSHAKE, &certificate_request(1), 0);
    wire.extend(seal(
        &s,
        1,
        ContentType::HANDSHAKE,
        &certificate_request(2),
        0,
    ));
    m.client.receive(&wire).unwrap();
    let out = m.take_client();
    let contexts: Vec<Vec<u8>> = client_messages(&m, &out)
        .into_iter()
        .filter_map(|msg| match msg {
            HandshakeMessage::Certificate(c) => Some(c.context),
            _ => None,
        })
        .collect();
    assert_eq!(contexts, [vec![1], vec![2]], "each request answered");
}
