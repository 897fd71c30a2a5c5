//! The peer identity a resumed session carries is acted on only once the
//! peer has proven it holds the session's secret. On the server, the
//! client identity is asked of the verifier only after the PSK binder
//! verified (RFC 9846 §4.2.11): ticket identities travel in clear in every
//! resuming ClientHello, so anyone who saw one could otherwise replay it
//! with a forged binder and have the server run (or hand the application,
//! when it defers) a client-certificate verification for a peer that
//! proved nothing. On the client, the session's server certificates read
//! as `Negotiated::peer_certificates` only once the server's Finished
//! verified: a ServerHello that merely selects the PSK proves nothing.

mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pair::{Feed, Pair, client_builder, identity, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ClientAuth, TicketProducer};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::resumption::{ClientSessionCache, StatelessTicketer};
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::{
    ClientCertVerifier, ClientConnection, Decision, Event, PinnedClientCertVerifier,
    ServerConnection,
};

/// Counts the verifier's calls, and defers its answers when asked to.
struct Counting {
    inner: PinnedClientCertVerifier,
    calls: AtomicUsize,
    defer: bool,
}

impl ClientCertVerifier for Counting {
    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[Vec<u8>],
        now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.defer {
            return Decision::Deferred;
        }
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }
}

#[test]
fn resumed_client_identity_is_verified_only_after_the_binder() {
    for defer in [false, true] {
        let id = identity(KeyType::EcdsaP256);
        let verifier = Arc::new(Counting {
            inner: PinnedClientCertVerifier::new(vec![id.leaf.clone()]),
            calls: AtomicUsize::new(0),
            defer,
        });
        let tickets: Arc<dyn TicketProducer> = Arc::new(StatelessTicketer::new(
            Arc::new(OsRandom),
            Arc::new(tls13::config::FixedTime(1_800_000_000)),
            3600,
        ));
        let server = Arc::new(
            server_builder(KeyType::EcdsaP256)
                .time(Arc::new(tls13::config::FixedTime(1_800_000_000)))
                .tickets(tickets, 1, 7200)
                .client_auth(ClientAuth::Required(verifier.clone()))
                .build()
                .unwrap(),
        );
        let client = Arc::new(
            client_builder(KeyType::EcdsaP256)
                .time(Arc::new(tls13::config::FixedTime(1_800_000_000)))
                .session_store(Some(Arc::new(ClientSessionCache::default())))
                .client_auth_cert(
                    vec![id.leaf.clone()],
                    SigningKey::from_der(&id.key).unwrap(),
                )
                .build()
                .unwrap(),
        );
        // A full handshake leaves the client a ticket.
        let mut p = Pair::from_connections(
            ClientConnection::new(client.clone(), "localhost").unwrap(),
            ServerConnection::new(server.clone()).unwrap(),
            Feed::Whole,
        );
        p.run().unwrap();
        if defer {
            p.server.answer_verify(Ok(())).unwrap();
            p.run().unwrap();
        }
        assert!(pair::has_complete(&p.server_events));
        p.drain();
        let before = verifier.calls.load(Ordering::SeqCst);
        assert_eq!(before, 1);

        // The resuming ClientHello, its binder (the last octet) altered.
        let c = ClientConnection::new(client.clone(), "localhost").unwrap();
        let mut hello = c.pending_output().to_vec();
        assert_eq!(pair::records(&hello).len(), 1, "one ClientHello record");
        *hello.last_mut().unwrap() ^= 1;
        let mut s = ServerConnection::new(server.clone()).unwrap();
        let err = s
            .receive(&hello)
            .expect_err("a forged binder must fail the handshake");
        assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR), "{err}");
        let mut asked = false;
        while let Some(e) = s.next_event() {
            asked |= matches!(e, Event::VerifyClientCert(_));
        }
        assert!(
            !asked,
            "the application was asked to verify for a forged binder"
        );
        assert_eq!(
            verifier.calls.load(Ordering::SeqCst),
            before,
            "the verifier ran for a ClientHello whose binder did not verify (defer = {defer})"
        );
    }
}

#[test]
fn resumed_server_certificates_read_only_after_the_servers_finished() {
    let id = identity(KeyType::EcdsaP256);
    let tickets: Arc<dyn TicketProducer> = Arc::new(StatelessTicketer::new(
        Arc::new(OsRandom),
        Arc::new(tls13::config::FixedTime(1_800_000_000)),
        3600,
    ));
    let server = Arc::new(
        server_builder(KeyType::EcdsaP256)
            .time(Arc::new(tls13::config::FixedTime(1_800_000_000)))
            .tickets(tickets, 2, 7200)
            .build()
            .unwrap(),
    );
    let client = Arc::new(
        client_builder(KeyType::EcdsaP256)
            .time(Arc::new(tls13::config::FixedTime(1_800_000_000)))
            .session_store(Some(Arc::new(ClientSessionCache::default())))
            .build()
            .unwrap(),
    );
    let mut p = Pair::from_connections(
        ClientConnection::new(client.clone(), "localhost").unwrap(),
        ServerConnection::new(server.clone()).unwrap(),
        Feed::Whole,
    );
    p.run().unwrap();
    p.drain();
    let chain = vec![id.leaf.clone(), id.ca.clone()];
    assert_eq!(p.client.negotiated().peer_certificates, chain);

    // Resuming (one ticket each): the server's flight, a record at a time.
    let resume = |corrupt_after_hello: bool| {
        let mut c = ClientConnection::new(client.clone(), "localhost").unwrap();
        let mut s = ServerConnection::new(server.clone()).unwrap();
        let hello = c.pending_output().to_vec();
        c.consume_output(hello.len());
        s.receive(&hello).unwrap();
        let flight = s.pending_output().to_vec();
        let records = pair::records(&flight);
        let mut wire = Vec::new();
        for (typ, body) in &records {
            wire.push(vec![*typ, 3, 3, (body.len() >> 8) as u8, body.len() as u8]);
            wire.last_mut().unwrap().extend_from_slice(body);
        }
        // The ServerHello alone selects the PSK and proves nothing.
        c.receive(&wire[0]).unwrap();
        assert!(c.negotiated().resumed);
        assert!(
            c.negotiated().peer_certificates.is_empty(),
            "after a ServerHello that only selects the PSK"
        );
        let mut rest: Vec<u8> = wire[1..].concat();
        if corrupt_after_hello {
            // The last record (encrypted, ending with the server's
            // Finished) does not authenticate.
            *rest.last_mut().unwrap() ^= 1;
            assert!(c.receive(&rest).is_err());
            assert!(
                c.negotiated().peer_certificates.is_empty(),
                "after a failed resumption"
            );
        } else {
            c.receive(&rest).unwrap();
            assert!(!c.is_handshaking());
            assert_eq!(c.negotiated().peer_certificates, chain);
        }
    };
    resume(true);
    resume(false);
}
