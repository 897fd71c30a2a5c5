//! OCSP stapling (RFC 9846 §4.5.1.1, RFC 6960, RFC 7633 must-staple) and
//! signed certificate timestamps (RFC 6962): the WebPKI verifier's checks
//! of a stapled response, on responses `openssl ocsp` made
//! (`vectors/ocsp/make.sh`), and the handshake carrying both from a
//! server's configuration to the client's application.
//!
//! The validation time is taken from good.der's thisUpdate, so the
//! committed fixtures never expire.

mod pair;

use std::sync::Arc;

use pair::{Feed, Pair};
use tls13::config::FixedTime;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::verify::{
    CertificateStatus, CertifiedKey, Decision, ServerCertVerifier, ServerName, SingleCertResolver,
};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::{OcspCertStatus, OcspResponseInfo};
use tls13::{ClientConfig, Error, ServerConfig};

fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/vectors/ocsp/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(name: &str) -> Vec<u8> {
    let text = String::from_utf8(file(&format!("{name}.pem"))).unwrap();
    pem::certificates(&text).unwrap().remove(0)
}

/// An hour after the responses were made: every fixture is current.
fn now() -> u64 {
    let info = OcspResponseInfo::parse(&file("good.der")).unwrap();
    (info.responses[0].this_update + 3600) as u64
}

fn verifier() -> WebPkiServerVerifier {
    WebPkiServerVerifier::from_pem(std::str::from_utf8(&file("ca.pem")).unwrap()).unwrap()
}

/// The verifier's answer for `leaf` (a fixture name) with `response`
/// stapled, status requested, at `now`.
fn check_at(
    v: &WebPkiServerVerifier,
    leaf: &str,
    response: Option<&[u8]>,
    requested: bool,
    now: u64,
) -> Result<(), CertificateError> {
    let status = CertificateStatus {
        ocsp_requested: requested,
        ocsp_response: response,
        scts: &[],
    };
    let name = ServerName::try_from("ocsp.test").unwrap();
    match v.verify_server_cert_with_status(&cert(leaf), &[], &name, &status, now) {
        Decision::Ready(r) => r,
        Decision::Deferred => panic!("the WebPKI verifier answers at once"),
    }
}

fn check(leaf: &str, response: &str) -> Result<(), CertificateError> {
    check_at(&verifier(), leaf, Some(&file(response)), true, now())
}

fn bad_ocsp(r: Result<(), CertificateError>, says: &str) {
    let e = r.expect_err("the staple must be refused");
    assert!(
        matches!(e, CertificateError::BadOcspResponse { .. }),
        "{e:?}"
    );
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE);
    let text = e.to_string();
    assert!(text.contains(says), "{text:?} should say {says:?}");
    // Blamed on the end entity, by subject.
    assert!(text.starts_with("certificate 0 (CN=ocsp.test)"), "{text:?}");
}

#[test]
fn a_good_response_from_the_issuer_is_accepted_whatever_its_certid_hash_and_responder_id() {
    for r in ["good.der", "good_sha256.der", "good_by_key.der"] {
        check("leaf", r).unwrap_or_else(|e| panic!("{r}: {e}"));
    }
}

#[test]
fn a_delegated_responder_with_ocsp_signing_is_accepted() {
    for r in ["delegated.der", "delegated_by_key.der"] {
        check("leaf", r).unwrap_or_else(|e| panic!("{r}: {e}"));
    }
}

#[test]
fn a_delegated_responder_without_ocsp_signing_is_refused() {
    bad_ocsp(
        check("leaf", "delegated_noeku.der"),
        "lacks id-kp-OCSPSigning",
    );
}

#[test]
fn a_responder_another_ca_authorised_is_refused() {
    bad_ocsp(
        check("leaf", "delegated_other_ca.der"),
        "not by the certificate's issuer CN=OCSP Test CA",
    );
}

#[test]
fn a_revoked_status_fails_with_the_time_and_reason() {
    let e = check("revoked", "revoked.der").unwrap_err();
    let info = OcspResponseInfo::parse(&file("revoked.der")).unwrap();
    let OcspCertStatus::Revoked { revoked_at, reason } = info.responses[0].status else {
        panic!("the fixture is a revocation: {info:?}");
    };
    assert_eq!(reason, Some(1));
    match &e {
        CertificateError::Revoked { revoked_at: at, .. } => assert_eq!(*at, revoked_at),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.alert(), AlertDescription::CERTIFICATE_REVOKED);
    let text = e.to_string();
    assert!(text.contains("reason: keyCompromise"), "{text}");
    assert!(text.contains("OCSP response the server stapled"), "{text}");
}

#[test]
fn an_unknown_status_is_refused() {
    bad_ocsp(check("unknown", "unknown.der"), "status is unknown");
}

#[test]
fn a_response_about_another_certificate_is_refused() {
    // Another serial of the same issuer.
    bad_ocsp(check("revoked", "good.der"), "is about another certificate");
    // The same serial from another CA: the issuer hashes differ.
    bad_ocsp(
        check("leaf", "other_issuer.der"),
        "one has this serial but another issuer's name or key hash",
    );
}

#[test]
fn a_stale_response_is_refused_and_one_at_its_next_update_is_not() {
    let info = OcspResponseInfo::parse(&file("short.der")).unwrap();
    let next = info.responses[0].next_update.unwrap() as u64;
    let v = verifier();
    check_at(&v, "leaf", Some(&file("short.der")), true, next).unwrap();
    bad_ocsp(
        check_at(&v, "leaf", Some(&file("short.der")), true, next + 1),
        "is stale",
    );
}

#[test]
fn a_response_without_next_update_is_refused() {
    bad_ocsp(check("leaf", "no_next_update.der"), "has no nextUpdate");
}

#[test]
fn a_response_that_is_not_successful_is_refused_with_its_status() {
    bad_ocsp(check("leaf", "try_later.der"), "tryLater");
}

#[test]
fn a_response_with_a_broken_signature_is_refused() {
    let mut r = file("good.der");
    // The response's signatureAlgorithm (ecdsa-with-SHA256) comes before
    // the certificate it carries; the BIT STRING after it is the
    // signature, and its last octet the last of ECDSA's s.
    let oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let at = r.windows(oid.len()).position(|w| w == oid).unwrap() + oid.len();
    assert_eq!(r[at], 0x03, "a BIT STRING follows");
    let last = at + 2 + usize::from(r[at + 1]) - 1;
    r[last] ^= 1;
    bad_ocsp(
        check_at(&verifier(), "leaf", Some(&r), true, now()),
        "signature does not verify",
    );
}

#[test]
fn a_truncated_or_padded_response_is_refused_without_panic() {
    let good = file("good.der");
    let v = verifier();
    for len in 0..good.len() {
        bad_ocsp(
            check_at(&v, "leaf", Some(&good[..len]), true, now()),
            "stapled OCSP response",
        );
    }
    let mut padded = good.clone();
    padded.push(0);
    bad_ocsp(
        check_at(&v, "leaf", Some(&padded), true, now()),
        "malformed",
    );
}

#[test]
fn must_staple_needs_a_response_when_status_was_requested() {
    let v = verifier();
    let e = check_at(&v, "must_staple", None, true, now()).unwrap_err();
    assert!(
        matches!(
            e,
            CertificateError::MissingOcspResponse {
                must_staple: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE);
    assert!(e.to_string().contains("must-staple"), "{e}");
    // RFC 7633 §4.2.3.1: only the features the ClientHello listed count.
    check_at(&v, "must_staple", None, false, now()).unwrap();
    check_at(
        &v,
        "must_staple",
        Some(&file("must_staple.der")),
        true,
        now(),
    )
    .unwrap();
    // Without must-staple, no response is fine.
    check_at(&v, "leaf", None, true, now()).unwrap();
    // The verdict without status information does not hold must-staple
    // against a client that could not have asked.
    let name = ServerName::try_from("ocsp.test").unwrap();
    assert!(matches!(
        v.verify_server_cert(&cert("must_staple"), &[], &name, now()),
        Decision::Ready(Ok(()))
    ));
}

#[test]
fn a_verifier_that_requires_ocsp_refuses_a_certificate_without_one() {
    let v = verifier().require_ocsp(true);
    let e = check_at(&v, "leaf", None, true, now()).unwrap_err();
    assert!(
        matches!(
            e,
            CertificateError::MissingOcspResponse {
                must_staple: false,
                ..
            }
        ),
        "{e:?}"
    );
    let e = check_at(&v, "leaf", None, false, now()).unwrap_err();
    assert!(e.to_string().contains("request_ocsp"), "{e}");
    check_at(&v, "leaf", Some(&file("good.der")), true, now()).unwrap();
}

#[test]
fn the_parsed_response_shows_what_it_says() {
    let info = OcspResponseInfo::parse(&file("good.der")).unwrap();
    assert_eq!(info.responses.len(), 1);
    let r = &info.responses[0];
    assert_eq!(r.serial, [0x10, 0x01]);
    assert_eq!(r.status, OcspCertStatus::Good);
    assert_eq!(r.next_update, Some(r.this_update + 7 * 86_400));
    assert!(info.produced_at >= r.this_update);
    assert!(OcspResponseInfo::parse(&file("try_later.der")).is_err());
}

// ------------------------------------------------------------ handshakes

const SCTS: [&[u8]; 2] = [b"\x00first sct", b"\x00second"];

fn server(leaf: &str, ocsp: Option<&str>, scts: bool) -> ServerConfig {
    let key_pem = String::from_utf8(file(&format!("{leaf}.key"))).unwrap();
    let mut ck = CertifiedKey::new(
        vec![cert(leaf)],
        Arc::new(SigningKey::from_pem(&key_pem).unwrap()),
    );
    if let Some(r) = ocsp {
        ck = ck.with_ocsp_response(file(r)).unwrap();
    }
    if scts {
        ck = ck
            .with_scts(SCTS.iter().map(|s| s.to_vec()).collect())
            .unwrap();
    }
    ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
        .time(Arc::new(FixedTime(now())))
        .build()
        .unwrap()
}

fn client(request: bool, v: WebPkiServerVerifier) -> ClientConfig {
    ClientConfig::builder(Arc::new(v))
        .time(Arc::new(FixedTime(now())))
        .request_ocsp(request)
        .request_scts(request)
        .build()
        .unwrap()
}

fn handshake(client: ClientConfig, server: ServerConfig) -> (Pair, Result<(), (bool, Error)>) {
    let mut p = Pair::with_server_name(client, server, Feed::Whole, "ocsp.test");
    let r = p.run();
    (p, r)
}

#[test]
fn a_stapled_response_and_scts_reach_a_client_that_asked() {
    let (p, r) = handshake(
        client(true, verifier()),
        server("leaf", Some("good.der"), true),
    );
    r.unwrap();
    let n = p.client.negotiated();
    assert_eq!(n.peer_ocsp_response.as_deref(), Some(&file("good.der")[..]));
    let scts: Vec<Vec<u8>> = SCTS.iter().map(|s| s.to_vec()).collect();
    assert_eq!(n.peer_scts, scts);
    // The server records nothing of the kind about the client.
    assert!(p.server.negotiated().peer_ocsp_response.is_none());
}

#[test]
fn a_client_that_did_not_ask_gets_no_staple() {
    // A client refuses an extension it did not offer (RFC 9846 §4.3), so
    // this handshake completes only if the server left them out.
    let (p, r) = handshake(
        client(false, verifier()),
        server("leaf", Some("good.der"), true),
    );
    r.unwrap();
    let n = p.client.negotiated();
    assert!(n.peer_ocsp_response.is_none());
    assert!(n.peer_scts.is_empty());
}

#[test]
fn a_server_without_a_staple_still_serves_a_client_that_asked() {
    let (p, r) = handshake(client(true, verifier()), server("leaf", None, false));
    r.unwrap();
    assert!(p.client.negotiated().peer_ocsp_response.is_none());
}

#[test]
fn a_revoked_staple_fails_the_handshake_with_certificate_revoked() {
    let (_, r) = handshake(
        client(true, verifier()),
        server("revoked", Some("revoked.der"), false),
    );
    let (at_client, e) = r.unwrap_err();
    assert!(at_client);
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::Revoked { .. })
        ),
        "{e:?}"
    );
    assert_eq!(e.alert(), Some(AlertDescription::CERTIFICATE_REVOKED));
}

#[test]
fn a_must_staple_server_without_a_staple_fails_the_handshake() {
    let (_, r) = handshake(client(true, verifier()), server("must_staple", None, false));
    let (_, e) = r.unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::MissingOcspResponse {
                must_staple: true,
                ..
            })
        ),
        "{e:?}"
    );
    // With its staple it connects.
    let (_, r) = handshake(
        client(true, verifier()),
        server("must_staple", Some("must_staple.der"), false),
    );
    r.unwrap();
}

#[test]
fn a_server_refuses_to_be_configured_with_something_that_is_not_a_response() {
    let ck = || {
        let key_pem = String::from_utf8(file("leaf.key")).unwrap();
        CertifiedKey::new(
            vec![cert("leaf")],
            Arc::new(SigningKey::from_pem(&key_pem).unwrap()),
        )
    };
    for bad in [file("leaf.pem"), file("try_later.der"), Vec::<u8>::new()] {
        let e = ck().with_ocsp_response(bad).unwrap_err();
        assert!(e.to_string().contains("OCSP response to staple"), "{e}");
    }
    assert!(ck().with_scts(vec![Vec::new()]).is_err());
    assert!(ck().with_scts(vec![vec![0; 70_000]]).is_err());
}

/// A verifier that always defers: the application gets the staple in the
/// request and answers with the WebPKI verifier's verdict on it.
struct Deferring;

impl ServerCertVerifier for Deferring {
    fn verify_server_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: &ServerName<'_>,
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Deferred
    }
}

#[test]
fn a_deferred_verification_gets_the_staple_in_its_request() {
    let client = ClientConfig::builder(Arc::new(Deferring))
        .time(Arc::new(FixedTime(now())))
        .request_ocsp(true)
        .request_scts(true)
        .build()
        .unwrap();
    let mut p = Pair::with_server_name(
        client,
        server("revoked", Some("revoked.der"), true),
        Feed::Whole,
        "ocsp.test",
    );
    p.run().unwrap();
    let request = p
        .client_events
        .iter()
        .find_map(|e| match e {
            tls13::Event::VerifyServerCert(r) => Some(r.clone()),
            _ => None,
        })
        .expect("a verification request");
    assert!(request.ocsp_requested);
    assert_eq!(
        request.ocsp_response.as_deref(),
        Some(&file("revoked.der")[..])
    );
    assert_eq!(request.scts.len(), SCTS.len());
    // The application's verdict: the WebPKI verifier's, given the staple.
    let status = CertificateStatus {
        ocsp_requested: request.ocsp_requested,
        ocsp_response: request.ocsp_response.as_deref(),
        scts: &request.scts,
    };
    let verdict = match verifier().verify_server_cert_with_status(
        &request.chain[0],
        &request.chain[1..],
        &request.server_name,
        &status,
        request.now,
    ) {
        Decision::Ready(r) => r,
        Decision::Deferred => unreachable!(),
    };
    let e = p.client.answer_verify(verdict).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::Revoked { .. })
        ),
        "{e:?}"
    );
}
