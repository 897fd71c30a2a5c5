//! Engine features beyond the basic handshake: ALPN, record_size_limit,
//! KeyUpdate, exporters, closing, suspended decisions, tampering.

mod canned;
mod pair;

use std::sync::{Arc, Mutex};

use canned::Verdict;
use pair::*;
use tls13::certgen::KeyType;
use tls13::config::{PaddingPolicy, TicketInfo, TicketProducer};
use tls13::crypto::SecureRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::{CertificateError, Error, PeerIncompatible};
use tls13::unstable::msgs::enums::{AlertDescription, SignatureScheme};
use tls13::verify::{
    CertifiedKey, ClientHelloInfo, Decision, ResolvesServerCert, ServerName, Signer,
};
use tls13::{CloseKind, Event};

const KEY: KeyType = KeyType::EcdsaP256;

fn handshake(p: &mut Pair) {
    p.run().unwrap();
    assert!(has_complete(&p.client_events) && has_complete(&p.server_events));
}

#[test]
fn alpn_agreement() {
    let c = client_builder(KEY)
        .alpn_protocols(&[b"h2", b"http/1.1"])
        .build()
        .unwrap();
    let s = server_builder(KEY)
        .alpn_protocols(&[b"http/1.1", b"h2"])
        .build()
        .unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    handshake(&mut p);
    assert_eq!(
        p.client.negotiated().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    assert_eq!(
        p.server.negotiated().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
}

#[test]
fn alpn_mismatch_is_no_application_protocol() {
    let c = client_builder(KEY)
        .alpn_protocols(&[b"h2"])
        .build()
        .unwrap();
    let s = server_builder(KEY)
        .alpn_protocols(&[b"http/1.1"])
        .build()
        .unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    let (client_side, err) = p.run().unwrap_err();
    assert!(!client_side);
    assert_eq!(err, Error::PeerIncompatible(PeerIncompatible::NoCommonAlpn));
    // The alert reaches the client.
    let out = p.server.pending_output().to_vec();
    assert_eq!(out, [21, 3, 3, 0, 2, 2, 120]);
    assert_eq!(
        p.client.receive(&out),
        Err(Error::AlertReceived(
            AlertDescription::NO_APPLICATION_PROTOCOL
        ))
    );
}

#[test]
fn no_alpn_when_server_has_none() {
    let c = client_builder(KEY)
        .alpn_protocols(&[b"h2"])
        .build()
        .unwrap();
    let s = server_builder(KEY).build().unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    handshake(&mut p);
    assert_eq!(p.client.negotiated().alpn, None);
}

#[test]
fn record_size_limit_honoured_both_ways() {
    let c = client_builder(KEY)
        .record_size_limit(Some(256))
        .build()
        .unwrap();
    let s = server_builder(KEY)
        .record_size_limit(Some(512))
        .build()
        .unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    handshake(&mut p);
    assert_eq!(p.client.negotiated().peer_record_size_limit, Some(512));
    assert_eq!(p.server.negotiated().peer_record_size_limit, Some(256));
    let big = vec![0x42u8; 5000];
    p.client.send(&big).unwrap();
    p.server.send(&big).unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), big);
    assert_eq!(p.client_data(), big);
    // Protected records: ciphertext = inner plaintext + 16-byte tag.
    let server_records = records(&p.server_wire);
    let client_records = records(&p.client_wire);
    let protected = |r: &&(u8, Vec<u8>)| r.0 == 23;
    assert!(server_records.iter().filter(protected).count() > 5000 / 255);
    for (_, payload) in server_records.iter().filter(protected) {
        assert!(
            payload.len() - 16 <= 256,
            "server record of {} bytes",
            payload.len()
        );
    }
    for (_, payload) in client_records.iter().filter(protected) {
        assert!(
            payload.len() - 16 <= 512,
            "client record of {} bytes",
            payload.len()
        );
    }
}

#[test]
fn padding_policy_pads_records() {
    let c = client_builder(KEY)
        .padding(PaddingPolicy::ToMultipleOf(64))
        .build()
        .unwrap();
    let s = server_builder(KEY).build().unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    handshake(&mut p);
    let before = p.client_wire.len();
    p.client.send(b"x").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"x");
    let recs = records(&p.client_wire[before..]);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].1.len(), 64 + 16);
}

#[test]
fn key_update_both_ways() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    handshake(&mut p);
    p.client.update_keys(true).unwrap();
    p.client.send(b"after client update").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"after client update");
    p.server.send(b"after answering").unwrap();
    p.server.update_keys(false).unwrap();
    p.server.send(b" and own update").unwrap();
    p.run().unwrap();
    assert_eq!(p.client_data(), b"after answering and own update");
    p.client.send(b"still fine").unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), b"still fine");
}

#[test]
fn exporters_agree() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    let mut early = [0u8; 32];
    assert_eq!(
        p.client
            .export_keying_material(b"EXPERIMENTAL x", b"", &mut early),
        Err(Error::HandshakeNotComplete)
    );
    handshake(&mut p);
    let (mut a, mut b, mut c) = ([0u8; 48], [0u8; 48], [0u8; 48]);
    p.client
        .export_keying_material(b"EXPERIMENTAL test", b"ctx", &mut a)
        .unwrap();
    p.server
        .export_keying_material(b"EXPERIMENTAL test", b"ctx", &mut b)
        .unwrap();
    p.server
        .export_keying_material(b"EXPERIMENTAL test", b"other", &mut c)
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn close_notify_is_clean() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    handshake(&mut p);
    p.client.send(b"last words").unwrap();
    p.client.close();
    assert_eq!(p.client.send(b"more"), Err(Error::ConnectionClosed));
    p.run().unwrap();
    assert_eq!(p.server_data(), b"last words");
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Closed(CloseKind::CloseNotify)))
    );
    assert_eq!(p.server.receive_eof(), Ok(()));
}

#[test]
fn eof_without_close_notify_is_truncation() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    handshake(&mut p);
    p.client.send(b"partial").unwrap();
    p.run().unwrap();
    assert_eq!(p.server.receive_eof(), Err(Error::UnexpectedEof));
    p.drain();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Closed(CloseKind::Truncated)))
    );
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::Closed(CloseKind::CloseNotify)))
    );
}

#[test]
fn data_sent_before_handshake_is_delivered() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    p.client.send(b"early bird").unwrap();
    handshake(&mut p);
    assert_eq!(p.server_data(), b"early bird");
}

#[test]
fn tampered_record_is_bad_record_mac() {
    let mut p = Pair::new(
        client_builder(KEY).build().unwrap(),
        server_builder(KEY).build().unwrap(),
        Feed::Whole,
    );
    handshake(&mut p);
    p.client.send(b"integrity matters").unwrap();
    let mut rec = p.client.pending_output().to_vec();
    let n = rec.len();
    p.client.consume_output(n);
    rec[10] ^= 0x01;
    assert_eq!(p.server.receive(&rec), Err(Error::DecryptFailed));
    // Sticky.
    assert_eq!(p.server.receive(b""), Err(Error::DecryptFailed));
    let alert = p.server.pending_output().to_vec();
    assert_eq!(
        p.client.receive(&alert),
        Err(Error::AlertReceived(AlertDescription::BAD_RECORD_MAC))
    );
}

#[test]
fn pinned_verifier_rejects_other_certificate() {
    let c = client_builder(KeyType::Ed25519).build().unwrap();
    let s = server_builder(KEY).build().unwrap();
    let mut p = Pair::new(c, s, Feed::Whole);
    let (client_side, err) = p.run().unwrap_err();
    assert!(client_side);
    assert_eq!(err, Error::InvalidCertificate(CertificateError::NotPinned));
}

#[test]
fn suspended_verify_answered_later() {
    let c = tls13::ClientConfig::builder(Arc::new(Verdict::Defer))
        .build()
        .unwrap();
    let mut p = Pair::new(c, server_builder(KEY).build().unwrap(), Feed::OneByte);
    p.client.send(b"queued").unwrap();
    p.run().unwrap();
    assert!(!has_complete(&p.client_events));
    let req = p
        .client_events
        .iter()
        .find_map(|e| match e {
            Event::VerifyServerCert(r) => Some(r.clone()),
            _ => None,
        })
        .expect("verify request");
    assert_eq!(req.chain[0], identity(KEY).leaf);
    assert_eq!(req.server_name, ServerName::try_from("localhost").unwrap());
    p.client.answer_verify(Ok(())).unwrap();
    handshake(&mut p);
    assert_eq!(p.server_data(), b"queued");
}

#[test]
fn suspended_verify_rejected() {
    let c = tls13::ClientConfig::builder(Arc::new(Verdict::Defer))
        .build()
        .unwrap();
    let mut p = Pair::new(c, server_builder(KEY).build().unwrap(), Feed::Whole);
    p.run().unwrap();
    let err = p
        .client
        .answer_verify(Err(CertificateError::NotPinned))
        .unwrap_err();
    assert_eq!(err, Error::InvalidCertificate(CertificateError::NotPinned));
    // bad_certificate, in plaintext? No: encrypted under the handshake key; the server reads it.
    let alert = p.client.pending_output().to_vec();
    assert_eq!(
        p.server.receive(&alert),
        Err(Error::AlertReceived(AlertDescription::BAD_CERTIFICATE))
    );
}

struct DeferSigner(SigningKey, Arc<Mutex<u32>>);
impl Signer for DeferSigner {
    fn schemes(&self) -> Vec<SignatureScheme> {
        self.0.schemes().to_vec()
    }
    fn sign(
        &self,
        _: SignatureScheme,
        _: &[u8],
        _: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>> {
        *self.1.lock().unwrap() += 1;
        Decision::Deferred
    }
}

struct DeferResolver;
impl ResolvesServerCert for DeferResolver {
    fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        Decision::Deferred
    }
}

#[test]
fn suspended_certificate_selection_and_signing() {
    let id = identity(KEY);
    let c = client_builder(KEY)
        .alpn_protocols(&[b"h2"])
        .build()
        .unwrap();
    let s = tls13::ServerConfig::builder(Arc::new(DeferResolver))
        .build()
        .unwrap();
    let mut p = Pair::new(c, s, Feed::Random(7));
    p.run().unwrap();
    let info = p
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::SelectCertificate(i) => Some(i.clone()),
            _ => None,
        })
        .expect("certificate request");
    assert_eq!(info.server_name.as_deref(), Some("localhost"));
    assert_eq!(info.alpn, vec![b"h2".to_vec()]);
    assert!(
        info.signature_schemes
            .contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
    let calls = Arc::new(Mutex::new(0));
    let key = SigningKey::from_der(&id.key).unwrap();
    let ck = CertifiedKey::new(
        vec![id.leaf.clone()],
        Arc::new(DeferSigner(key, calls.clone())),
    );
    p.server.answer_certificate(Ok(Arc::new(ck))).unwrap();
    p.drain();
    let req = p
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::Sign(r) => Some(r.clone()),
            _ => None,
        })
        .expect("sign request");
    assert_eq!(*calls.lock().unwrap(), 1);
    assert_eq!(&req.message[..64], &[0x20; 64][..]);
    let sig = SigningKey::from_der(&id.key)
        .unwrap()
        .sign(req.scheme, &req.message, &tls13::crypto::OsRandom)
        .unwrap();
    p.server.answer_sign(Ok(sig)).unwrap();
    handshake(&mut p);
    assert_eq!(
        p.client.negotiated().signature_scheme,
        Some(SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
    // Answering twice is a usage error, not a protocol failure.
    assert!(matches!(
        p.server.answer_sign(Ok(vec![])),
        Err(Error::BadConfig(_))
    ));
}

struct Tickets;
impl TicketProducer for Tickets {
    fn produce(&self, info: &TicketInfo<'_>) -> Option<Vec<u8>> {
        Some(info.nonce.to_vec())
    }
}

#[test]
fn tickets_reach_the_client() {
    let s = server_builder(KEY)
        .tickets(Arc::new(Tickets), 2, 3600)
        .build()
        .unwrap();
    let mut p = Pair::new(client_builder(KEY).build().unwrap(), s, Feed::Whole);
    handshake(&mut p);
    let tickets: Vec<_> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::NewSessionTicket(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tickets.len(), 2);
    assert_eq!(tickets[0].nonce, [0]);
    assert_eq!(tickets[1].nonce, [1]);
    assert_eq!(tickets[0].lifetime, 3600);
}
