//! Every abort tells the peer (RFC 9846 §6.2: "Whenever an implementation
//! encounters a fatal error condition, it SHOULD send an appropriate fatal
//! alert"). The application's callbacks may fail with any `Error`,
//! including ones that name no alert (`BadConfig`, say): the connection
//! then sends `internal_error` rather than leaving the peer with a bare
//! EOF. One test per kind of callback that can fail, on each side it runs
//! on; those whose errors always name an alert (the certificate
//! verifiers) are here too, so the whole list is checked. The session
//! store, key log, client certificate resolver and ticket redemption
//! cannot fail (they return nothing or an `Option`).

mod canned;
mod pair;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use canned::{Keyless, Verdict};
use pair::{Feed, Pair, client_builder, identity, pinned_client, server_builder};
use tls13::certgen::KeyType;
use tls13::config::{ClientAuth, CookieGenerator, TicketInfo, TicketProducer};
use tls13::crypto::sign::SigningKey;
use tls13::crypto::{OsRandom, SecureRandom};
use tls13::error::CertificateError;
use tls13::unstable::msgs::enums::{AlertDescription, NamedGroup};
use tls13::{
    CertificateRequestInfo, CertifiedKey, ClientHelloInfo, Connection, Decision, Error,
    ResolvesClientCert, ResolvesServerCert, Signer,
};

fn oops() -> Error {
    Error::BadConfig("the callback gave up".into())
}

/// The side that failed (`failed`) hands its output to `peer`, which must
/// fail with the alert `alert`.
fn peer_gets(failed: &mut Connection, peer: &mut Connection, alert: AlertDescription) {
    let out = failed.pending_output().to_vec();
    failed.consume_output(out.len());
    assert!(!out.is_empty(), "the failing side sent nothing: a bare EOF");
    assert_eq!(peer.receive(&out), Err(Error::AlertReceived(alert)));
}

/// Runs `p` until a side fails with `want`; that side's alert must reach
/// the other as `alert`.
fn fails_and_alerts(p: &mut Pair, want: Error, alert: AlertDescription) {
    let (client_failed, e) = p.run().expect_err("the handshake must fail");
    assert_eq!(e, want);
    if client_failed {
        peer_gets(&mut p.client, &mut p.server, alert);
    } else {
        peer_gets(&mut p.server, &mut p.client, alert);
    }
}

// ---- server side ----

struct FailingResolver {
    defer: bool,
}
impl ResolvesServerCert for FailingResolver {
    fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        if self.defer {
            Decision::Deferred
        } else {
            Decision::Ready(Err(oops()))
        }
    }
}

fn resolver_config(defer: bool) -> tls13::ServerConfig {
    tls13::ServerConfig::builder(Arc::new(FailingResolver { defer }))
        .build()
        .unwrap()
}

#[test]
fn certificate_resolver_error_sends_internal_error() {
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, resolver_config(false), Feed::Whole);
    fails_and_alerts(&mut p, oops(), AlertDescription::INTERNAL_ERROR);
}

#[test]
fn deferred_certificate_resolver_error_sends_internal_error() {
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, resolver_config(true), Feed::Whole);
    p.run().unwrap();
    assert_eq!(p.server.answer_certificate(Err(oops())), Err(oops()));
    peer_gets(
        &mut p.server,
        &mut p.client,
        AlertDescription::INTERNAL_ERROR,
    );
}

/// `kind`'s chain with a signer whose every signature fails (at once or,
/// deferred, in the answer).
fn failing_key(kind: KeyType, defer: bool) -> (Vec<Vec<u8>>, Arc<dyn Signer>) {
    let id = identity(kind);
    let schemes = SigningKey::from_der(&id.key).unwrap().schemes().to_vec();
    (
        vec![id.leaf.clone()],
        Arc::new(Keyless {
            schemes,
            fails_with: if defer { None } else { Some(oops()) },
        }),
    )
}

struct Fixed(Arc<CertifiedKey>);
impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        Decision::Ready(Ok(self.0.clone()))
    }
}
impl ResolvesClientCert for Fixed {
    fn resolve(&self, _: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn signing_fails(e: &Error) -> bool {
    matches!(e, Error::SigningFailed(m) if m.contains("the callback gave up"))
}

#[test]
fn server_signer_error_sends_internal_error() {
    let (chain, signer) = failing_key(KeyType::EcdsaP256, false);
    let server =
        tls13::ServerConfig::builder(Arc::new(Fixed(Arc::new(CertifiedKey::new(chain, signer)))))
            .build()
            .unwrap();
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let (client_failed, e) = p.run().unwrap_err();
    assert!(!client_failed && signing_fails(&e), "{e:?}");
    peer_gets(
        &mut p.server,
        &mut p.client,
        AlertDescription::INTERNAL_ERROR,
    );
}

#[test]
fn deferred_server_signer_error_sends_internal_error() {
    let (chain, signer) = failing_key(KeyType::EcdsaP256, true);
    let server =
        tls13::ServerConfig::builder(Arc::new(Fixed(Arc::new(CertifiedKey::new(chain, signer)))))
            .build()
            .unwrap();
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(signing_fails(
        &p.server.answer_sign(Err(oops())).unwrap_err()
    ));
    peer_gets(
        &mut p.server,
        &mut p.client,
        AlertDescription::INTERNAL_ERROR,
    );
}

/// Tickets that cannot be sent (empty).
struct BadTickets;
impl TicketProducer for BadTickets {
    fn produce(&self, _: &TicketInfo<'_>) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
}

#[test]
fn ticket_producer_error_sends_internal_error() {
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .tickets(Arc::new(BadTickets), 1, 3600)
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let (client_failed, e) = p.run().unwrap_err();
    assert!(!client_failed && matches!(e, Error::BadConfig(_)), "{e:?}");
    peer_gets(
        &mut p.server,
        &mut p.client,
        AlertDescription::INTERNAL_ERROR,
    );
}

struct FailingCookie;
impl CookieGenerator for FailingCookie {
    fn cookie(&self, _: &dyn SecureRandom) -> Result<Vec<u8>, Error> {
        Err(oops())
    }
}

/// A client whose key share the server does not take: a HelloRetryRequest
/// (and so a cookie) follows.
fn retry_pair(
    c: impl FnOnce(tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder,
    s: impl FnOnce(tls13::config::ServerConfigBuilder) -> tls13::config::ServerConfigBuilder,
) -> Pair {
    let client =
        c(client_builder(KeyType::EcdsaP256).groups(&[NamedGroup::X25519, NamedGroup::SECP256R1]))
            .build()
            .unwrap();
    let server = s(server_builder(KeyType::EcdsaP256).groups(&[NamedGroup::SECP256R1]))
        .build()
        .unwrap();
    Pair::new(client, server, Feed::Whole)
}

#[test]
fn cookie_generator_error_sends_internal_error() {
    let mut p = retry_pair(|c| c, |s| s.cookie_generator(Arc::new(FailingCookie)));
    fails_and_alerts(&mut p, oops(), AlertDescription::INTERNAL_ERROR);
}

/// A random source that fails once `fail` is set.
struct Switch(AtomicBool);
impl SecureRandom for Switch {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        if self.0.load(Ordering::SeqCst) {
            return Err(oops());
        }
        OsRandom.fill(dest)
    }
}

#[test]
fn server_random_source_error_sends_internal_error() {
    let rng = Arc::new(Switch(AtomicBool::new(true)));
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .rng(rng.clone())
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    fails_and_alerts(&mut p, oops(), AlertDescription::INTERNAL_ERROR);
}

#[test]
fn client_certificate_verifier_error_sends_its_alert() {
    let id = identity(KeyType::Ed25519);
    let client = client_builder(KeyType::EcdsaP256)
        .client_auth_cert(
            vec![id.leaf.clone()],
            SigningKey::from_der(&id.key).unwrap(),
        )
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Required(Arc::new(Verdict::Refuse(
            CertificateError::NotPinned,
        ))))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let alert = Error::from(CertificateError::NotPinned).alert().unwrap();
    fails_and_alerts(&mut p, CertificateError::NotPinned.into(), alert);
}

// ---- client side ----

#[test]
fn server_certificate_verifier_error_sends_its_alert() {
    let client =
        tls13::ClientConfig::builder(Arc::new(Verdict::Refuse(CertificateError::NotPinned)))
            .build()
            .unwrap();
    let server = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    let alert = Error::from(CertificateError::NotPinned).alert().unwrap();
    fails_and_alerts(&mut p, CertificateError::NotPinned.into(), alert);

    // Deferred, then refused in the answer.
    let client = tls13::ClientConfig::builder(Arc::new(Verdict::Defer))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(
        p.client
            .answer_verify(Err(CertificateError::NotPinned))
            .is_err()
    );
    peer_gets(&mut p.client, &mut p.server, alert);
}

fn client_auth_pair(defer: bool) -> Pair {
    let (chain, signer) = failing_key(KeyType::Ed25519, defer);
    let client = client_builder(KeyType::EcdsaP256)
        .client_cert_resolver(Arc::new(Fixed(Arc::new(CertifiedKey::new(chain, signer)))))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .client_auth(ClientAuth::Required(pinned_client(KeyType::Ed25519)))
        .build()
        .unwrap();
    Pair::new(client, server, Feed::Whole)
}

#[test]
fn client_signer_error_sends_internal_error() {
    let mut p = client_auth_pair(false);
    let (client_failed, e) = p.run().unwrap_err();
    assert!(client_failed && signing_fails(&e), "{e:?}");
    peer_gets(
        &mut p.client,
        &mut p.server,
        AlertDescription::INTERNAL_ERROR,
    );
}

#[test]
fn deferred_client_signer_error_sends_internal_error() {
    let mut p = client_auth_pair(true);
    p.run().unwrap();
    assert!(signing_fails(
        &p.client.answer_sign(Err(oops())).unwrap_err()
    ));
    peer_gets(
        &mut p.client,
        &mut p.server,
        AlertDescription::INTERNAL_ERROR,
    );
}

/// The client's random source fails when the HelloRetryRequest asks for a
/// new key share.
#[test]
fn client_random_source_error_sends_internal_error() {
    let rng = Arc::new(Switch(AtomicBool::new(false)));
    let mut p = retry_pair(|c| c.rng(rng.clone()), |s| s);
    rng.0.store(true, Ordering::SeqCst);
    fails_and_alerts(&mut p, oops(), AlertDescription::INTERNAL_ERROR);
}

/// An error a callback returns that names no alert of its own (here the
/// peer-alert error itself) still sends internal_error: only an alert the
/// peer really sent goes unanswered.
#[test]
fn callback_returning_alert_received_still_alerts() {
    struct Mimic;
    impl ResolvesServerCert for Mimic {
        fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
            Decision::Ready(Err(Error::AlertReceived(AlertDescription::CLOSE_NOTIFY)))
        }
    }
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let server = tls13::ServerConfig::builder(Arc::new(Mimic))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    fails_and_alerts(
        &mut p,
        Error::AlertReceived(AlertDescription::CLOSE_NOTIFY),
        AlertDescription::INTERNAL_ERROR,
    );
}
