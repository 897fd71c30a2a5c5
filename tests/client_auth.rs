//! Client authentication in memory (tests/pair): modes none / optional /
//! required × client key types × chain shapes, deferred decisions on both
//! sides, and every failure with its alert on both sides.
//!
//! The matrix verifies clients with `PinnedClientCertVerifier`, which
//! looks only at the end-entity certificate: the chain shape changes what
//! goes over the wire (checked here: the server sees exactly the chain the
//! client sent) but not the verdict. The chains are real: "leaf +
//! intermediate" is a leaf issued by an intermediate CA that a client root
//! issued, and the last section runs every shape through
//! `WebPkiClientVerifier`, which builds the path (and rejects a client
//! certificate without clientAuth).

mod canned;
mod pair;

use std::sync::{Arc, Mutex, OnceLock};

use canned::Keyless;
use pair::*;
use tls13::certgen::{self, Ca, KeyType};
use tls13::config::ClientAuth;
use tls13::crypto::sign::SigningKey;
use tls13::crypto::suites;
use tls13::crypto::{OsRandom, SecureRandom};
use tls13::error::{CertificateError, PeerIncompatible, PeerMisbehaved};
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::KeyLog;
use tls13::unstable::msgs::enums::{AlertDescription, CipherSuite, ContentType, SignatureScheme};
use tls13::unstable::msgs::handshake::*;
use tls13::unstable::record::protect::RecordSealer;
use tls13::{
    CertificateRequestInfo, CertifiedKey, ClientCertVerifier, ClientConfig, Decision, Error, Event,
    PinnedClientCertVerifier, ResolvesClientCert, ServerConfig, Signer, SingleClientCert,
};

const SERVER_KEY: KeyType = KeyType::EcdsaP256;
const CLIENT_KEYS: [KeyType; 4] = [
    KeyType::EcdsaP256,
    KeyType::EcdsaP384,
    KeyType::Ed25519,
    KeyType::Rsa2048,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    None,
    Optional,
    Required,
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    LeafOnly,
    LeafAndIntermediate,
    /// Leaf first (§4.5.1 requires it), then the root before the
    /// intermediate: the order §4.5.1 lets peers tolerate.
    Unordered,
}

/// A client PKI: a root, an intermediate CA it issued, and per key type a
/// leaf issued by the intermediate for the same key as `identity(kind)`.
struct ClientPki {
    root: Vec<u8>,
    intermediate: Vec<u8>,
    /// The intermediate, to issue more leaves in tests.
    ica: Ca,
    leaves: Vec<(KeyType, Vec<u8>)>,
}

fn client_pki() -> &'static ClientPki {
    static P: OnceLock<ClientPki> = OnceLock::new();
    P.get_or_init(|| {
        let rng = OsRandom;
        let root_key = certgen::generate_key(KeyType::EcdsaP384, &rng).unwrap();
        let root = Ca::new("client root CA", &root_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
        let ica_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ica = root
            .issue_intermediate(
                "client intermediate CA",
                &ica_key,
                Some(0),
                NOT_BEFORE,
                NOT_AFTER,
                &rng,
            )
            .unwrap();
        let leaves = CLIENT_KEYS
            .iter()
            .map(|k| {
                let leaf = ica
                    .issue(
                        &[certgen::SubjectAltName::Dns("client.example".into())],
                        &identity(*k).key,
                        NOT_BEFORE,
                        NOT_AFTER,
                        &rng,
                    )
                    .unwrap();
                (*k, leaf)
            })
            .collect();
        ClientPki {
            root: root.cert_der().to_vec(),
            intermediate: ica.cert_der().to_vec(),
            ica,
            leaves,
        }
    })
}

/// The leaf of `kind` issued by the client intermediate.
fn leaf_under_intermediate(kind: KeyType) -> Vec<u8> {
    let pki = client_pki();
    pki.leaves
        .iter()
        .find(|(k, _)| *k == kind)
        .unwrap()
        .1
        .clone()
}

/// Leaf only: the leaf the pair's CA issued. With an intermediate: the
/// leaf the client intermediate issued, then the intermediate (then, out
/// of order, the root before it).
fn chain(kind: KeyType, shape: Shape) -> Vec<Vec<u8>> {
    let pki = client_pki();
    match shape {
        Shape::LeafOnly => vec![identity(kind).leaf.clone()],
        Shape::LeafAndIntermediate => {
            vec![leaf_under_intermediate(kind), pki.intermediate.clone()]
        }
        Shape::Unordered => vec![
            leaf_under_intermediate(kind),
            pki.root.clone(),
            pki.intermediate.clone(),
        ],
    }
}

fn key(kind: KeyType) -> SigningKey {
    SigningKey::from_der(&identity(kind).key).unwrap()
}

/// Accepts exactly the client leaves of the given kinds (both issuers).
fn pinned(kinds: &[KeyType]) -> PinnedClientCertVerifier {
    PinnedClientCertVerifier::new(
        kinds
            .iter()
            .flat_map(|k| [identity(*k).leaf.clone(), leaf_under_intermediate(*k)])
            .collect(),
    )
}

fn server_with(auth: ClientAuth) -> tls13::config::ServerConfigBuilder {
    server_builder(SERVER_KEY).client_auth(auth)
}

fn auth(mode: Mode, v: Arc<dyn ClientCertVerifier>) -> ClientAuth {
    match mode {
        Mode::None => ClientAuth::None,
        Mode::Optional => ClientAuth::Optional(v),
        Mode::Required => ClientAuth::Required(v),
    }
}

/// Counts resolver calls and keeps the last request.
struct Recording(
    Option<Arc<CertifiedKey>>,
    Mutex<Vec<CertificateRequestInfo>>,
);
impl ResolvesClientCert for Recording {
    fn resolve(&self, request: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
        self.1.lock().unwrap().push(request.clone());
        self.0.clone()
    }
}

fn recording(ck: Option<CertifiedKey>) -> Arc<Recording> {
    Arc::new(Recording(ck.map(Arc::new), Mutex::new(Vec::new())))
}

fn certified(kind: KeyType, shape: Shape) -> CertifiedKey {
    CertifiedKey::new(chain(kind, shape), Arc::new(key(kind)))
}

#[test]
fn matrix_modes_key_types_chain_shapes() {
    let all: Vec<KeyType> = CLIENT_KEYS.to_vec();
    let mut cases = 0;
    for mode in [Mode::None, Mode::Optional, Mode::Required] {
        for kind in CLIENT_KEYS {
            for shape in [
                Shape::LeafOnly,
                Shape::LeafAndIntermediate,
                Shape::Unordered,
            ] {
                let what = format!("{mode:?} {kind:?} {shape:?}");
                let resolver = recording(Some(certified(kind, shape)));
                let client = client_builder(SERVER_KEY)
                    .client_cert_resolver(resolver.clone())
                    .build()
                    .unwrap();
                let server = server_with(auth(mode, Arc::new(pinned(&all))))
                    .build()
                    .unwrap();
                let feed = if cases % 3 == 0 {
                    Feed::Random(cases as u64 + 7)
                } else {
                    Feed::Whole
                };
                let mut p = Pair::new(client, server, feed);
                p.run().unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert!(has_complete(&p.client_events), "{what}");
                assert!(has_complete(&p.server_events), "{what}");

                // Data both ways after the handshake.
                p.client.send(b"ping").unwrap();
                p.server.send(b"pong").unwrap();
                p.run().unwrap();
                assert_eq!(p.server_data(), b"ping", "{what}");
                assert_eq!(p.client_data(), b"pong", "{what}");

                let requests = resolver.1.lock().unwrap().clone();
                let sn = p.server.negotiated();
                let cn = p.client.negotiated();
                if mode == Mode::None {
                    assert!(requests.is_empty(), "{what}: no CertificateRequest");
                    assert!(sn.peer_certificates.is_empty(), "{what}");
                    assert_eq!(sn.client_signature_scheme, None, "{what}");
                    assert_eq!(cn.client_signature_scheme, None, "{what}");
                } else {
                    assert_eq!(requests.len(), 1, "{what}");
                    assert_eq!(
                        requests[0].signature_schemes,
                        tls13::crypto::sign::SUPPORTED_SCHEMES,
                        "{what}: the verifier's schemes are requested"
                    );
                    assert!(requests[0].certificate_authorities.is_empty(), "{what}");
                    assert_eq!(sn.peer_certificates, chain(kind, shape), "{what}");
                    let scheme = sn.client_signature_scheme.expect("client signed");
                    assert_eq!(cn.client_signature_scheme, Some(scheme), "{what}");
                    assert_eq!(
                        Some(scheme),
                        key(kind).choose_scheme(tls13::crypto::sign::SUPPORTED_SCHEMES),
                        "{what}: the key's preferred scheme"
                    );
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 36);
}

#[test]
fn optional_without_client_certificate_completes_unauthenticated() {
    for resolver in [None, Some(recording(None))] {
        let mut b = client_builder(SERVER_KEY);
        if let Some(r) = &resolver {
            b = b.client_cert_resolver(r.clone());
        }
        let server = server_with(ClientAuth::Optional(Arc::new(pinned(&CLIENT_KEYS))))
            .build()
            .unwrap();
        let mut p = Pair::new(b.build().unwrap(), server, Feed::Whole);
        p.run().unwrap();
        assert!(has_complete(&p.server_events));
        assert!(p.server.negotiated().peer_certificates.is_empty());
        assert_eq!(p.server.negotiated().client_signature_scheme, None);
        if let Some(r) = resolver {
            assert_eq!(r.1.lock().unwrap().len(), 1, "the resolver was asked");
        }
    }
}

/// Runs until the server fails, then hands the server's alert to the
/// client; returns (server error, client error).
fn both_sides_fail(client: ClientConfig, server: ServerConfig) -> (Error, Error) {
    let mut p = Pair::new(client, server, Feed::Whole);
    let (client_side, server_err) = p.run().expect_err("the handshake must fail");
    assert!(!client_side, "the server detects it: {server_err:?}");
    let alert = p.server.pending_output().to_vec();
    assert!(!alert.is_empty(), "the server sends an alert");
    let client_err = p
        .client
        .receive(&alert)
        .expect_err("the client sees the alert");
    (server_err, client_err)
}

fn assert_failure(server_err: Error, client_err: Error, expected: Error, alert: AlertDescription) {
    assert_eq!(server_err, expected);
    assert_eq!(server_err.alert(), Some(alert));
    assert_eq!(client_err, Error::AlertReceived(alert));
}

#[test]
fn required_without_certificate_is_certificate_required() {
    for client in [
        client_builder(SERVER_KEY).build().unwrap(),
        client_builder(SERVER_KEY)
            .client_cert_resolver(recording(None))
            .build()
            .unwrap(),
    ] {
        let server = server_with(ClientAuth::Required(Arc::new(pinned(&CLIENT_KEYS))))
            .build()
            .unwrap();
        let (s, c) = both_sides_fail(client, server);
        assert_failure(
            s,
            c,
            PeerIncompatible::CertificateRequired.into(),
            AlertDescription::CERTIFICATE_REQUIRED,
        );
    }
}

#[test]
fn no_common_scheme_means_empty_certificate() {
    // The server accepts only Ed25519 signatures; a P-256 client has
    // nothing suitable, so it sends an empty Certificate (§4.5.1.3).
    let only_ed25519 = pinned(&CLIENT_KEYS).with_schemes(&[SignatureScheme::ED25519]);
    let client = || {
        client_builder(SERVER_KEY)
            .client_auth_cert(
                chain(KeyType::EcdsaP256, Shape::LeafOnly),
                key(KeyType::EcdsaP256),
            )
            .build()
            .unwrap()
    };
    let server = server_with(ClientAuth::Optional(Arc::new(only_ed25519.clone())))
        .build()
        .unwrap();
    let mut p = Pair::new(client(), server, Feed::Whole);
    p.run().unwrap();
    assert!(p.server.negotiated().peer_certificates.is_empty());

    let server = server_with(ClientAuth::Required(Arc::new(only_ed25519)))
        .build()
        .unwrap();
    let (s, c) = both_sides_fail(client(), server);
    assert_failure(
        s,
        c,
        PeerIncompatible::CertificateRequired.into(),
        AlertDescription::CERTIFICATE_REQUIRED,
    );
}

/// Signs correctly, then flips one bit.
struct Corrupting(SigningKey);
impl Signer for Corrupting {
    fn schemes(&self) -> Vec<SignatureScheme> {
        self.0.schemes().to_vec()
    }
    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>> {
        let mut sig = self.0.sign(scheme, message, rng).unwrap();
        let last = sig.len() - 1;
        sig[last / 2] ^= 0x10;
        Decision::Ready(Ok(sig))
    }
}

#[test]
fn bad_client_signature_is_decrypt_error() {
    for kind in CLIENT_KEYS {
        for mode in [Mode::Optional, Mode::Required] {
            let ck = CertifiedKey::new(
                chain(kind, Shape::LeafOnly),
                Arc::new(Corrupting(key(kind))),
            );
            let client = client_builder(SERVER_KEY)
                .client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
                .build()
                .unwrap();
            let server = server_with(auth(mode, Arc::new(pinned(&CLIENT_KEYS))))
                .build()
                .unwrap();
            let (s, c) = both_sides_fail(client, server);
            assert_failure(
                s,
                c,
                PeerMisbehaved::BadSignature.into(),
                AlertDescription::DECRYPT_ERROR,
            );
        }
    }
}

#[test]
fn client_certificate_rejected_by_pinned_verifier_is_bad_certificate() {
    for mode in [Mode::Optional, Mode::Required] {
        // The verifier pins the P-384 leaf; the client presents the P-256 one.
        let client = client_builder(SERVER_KEY)
            .client_auth_cert(
                chain(KeyType::EcdsaP256, Shape::LeafOnly),
                key(KeyType::EcdsaP256),
            )
            .build()
            .unwrap();
        let server = server_with(auth(mode, Arc::new(pinned(&[KeyType::EcdsaP384]))))
            .build()
            .unwrap();
        let (s, c) = both_sides_fail(client, server);
        assert_failure(
            s,
            c,
            CertificateError::NotPinned.into(),
            AlertDescription::BAD_CERTIFICATE,
        );
    }
}

/// A verifier with its own reason and alert, answering at once or deferring.
struct Policy {
    defer: bool,
    verdict: Result<(), CertificateError>,
}
impl ClientCertVerifier for Policy {
    fn certificate_authorities(&self) -> Vec<Vec<u8>> {
        // A DER Name: SEQUENCE { SET { SEQUENCE { OID CN, UTF8String "client CA" } } }.
        vec![hex::decode("30143112301006035504031309636c69656e74204341").unwrap()]
    }
    fn verify_client_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: u64,
    ) -> Decision<Result<(), CertificateError>> {
        if self.defer {
            Decision::Deferred
        } else {
            Decision::Ready(self.verdict.clone())
        }
    }
}

fn revoked() -> CertificateError {
    CertificateError::Other {
        reason: "serial 42 is on the revocation list".into(),
        alert: AlertDescription::CERTIFICATE_REVOKED,
    }
}

#[test]
fn client_certificate_rejected_by_verifier_sends_its_alert() {
    let client = client_builder(SERVER_KEY)
        .client_auth_cert(
            chain(KeyType::Ed25519, Shape::LeafOnly),
            key(KeyType::Ed25519),
        )
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Required(Arc::new(Policy {
        defer: false,
        verdict: Err(revoked()),
    })))
    .build()
    .unwrap();
    let (s, c) = both_sides_fail(client, server);
    assert_failure(
        s,
        c,
        revoked().into(),
        AlertDescription::CERTIFICATE_REVOKED,
    );
}

#[test]
fn certificate_authorities_reach_the_client_resolver() {
    let resolver = recording(Some(certified(KeyType::EcdsaP256, Shape::LeafOnly)));
    let client = client_builder(SERVER_KEY)
        .client_cert_resolver(resolver.clone())
        .build()
        .unwrap();
    let names = Policy {
        defer: false,
        verdict: Ok(()),
    }
    .certificate_authorities();
    let server = server_with(ClientAuth::Required(Arc::new(Policy {
        defer: false,
        verdict: Ok(()),
    })))
    .build()
    .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    let seen = resolver.1.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].certificate_authorities, names);

    // And the pinned verifier advertises what it is given.
    let resolver = recording(Some(certified(KeyType::EcdsaP256, Shape::LeafOnly)));
    let client = client_builder(SERVER_KEY)
        .client_cert_resolver(resolver.clone())
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Optional(Arc::new(
        pinned(&CLIENT_KEYS).with_authorities(names.clone()),
    )))
    .build()
    .unwrap();
    let mut p = Pair::new(client, server, Feed::OneByte);
    p.run().unwrap();
    assert_eq!(resolver.1.lock().unwrap()[0].certificate_authorities, names);
}

#[test]
fn deferred_client_verification_resumes_on_the_answer() {
    for (verdict, expect) in [
        (Ok(()), None),
        (Err(revoked()), Some(AlertDescription::CERTIFICATE_REVOKED)),
    ] {
        let client = client_builder(SERVER_KEY)
            .client_auth_cert(
                chain(KeyType::EcdsaP384, Shape::LeafAndIntermediate),
                key(KeyType::EcdsaP384),
            )
            .build()
            .unwrap();
        let server = server_with(ClientAuth::Required(Arc::new(Policy {
            defer: true,
            verdict: Ok(()),
        })))
        .build()
        .unwrap();
        let mut p = Pair::new(client, server, Feed::Random(3));
        p.run().unwrap();
        assert!(!has_complete(&p.server_events), "suspended");
        let req = p
            .server_events
            .iter()
            .find_map(|e| match e {
                Event::VerifyClientCert(r) => Some(r.clone()),
                _ => None,
            })
            .expect("VerifyClientCert event");
        assert_eq!(
            req.chain,
            chain(KeyType::EcdsaP384, Shape::LeafAndIntermediate)
        );
        assert!(
            p.server.negotiated().peer_certificates.is_empty(),
            "no identity before the verdict"
        );
        // Answering twice or answering the wrong question is refused.
        assert!(p.server.answer_sign(Ok(vec![])).is_err());
        let r = p.server.answer_verify(verdict.clone());
        match expect {
            None => {
                r.unwrap();
                assert!(p.server.answer_verify(Ok(())).is_err(), "nothing pending");
                p.run().unwrap();
                p.drain();
                assert!(has_complete(&p.server_events));
                assert_eq!(
                    p.server.negotiated().peer_certificates,
                    chain(KeyType::EcdsaP384, Shape::LeafAndIntermediate)
                );
            }
            Some(alert) => {
                assert_eq!(r.unwrap_err(), revoked().into());
                let out = p.server.pending_output().to_vec();
                assert_eq!(
                    p.client.receive(&out).unwrap_err(),
                    Error::AlertReceived(alert)
                );
            }
        }
    }
}

#[test]
fn deferred_client_signature_resumes_on_the_answer() {
    let kind = KeyType::Rsa2048;
    let ck = CertifiedKey::new(
        chain(kind, Shape::LeafOnly),
        Arc::new(Keyless::deferring(SignatureScheme::RSA_PSS_RSAE_SHA384)),
    );
    let client = client_builder(SERVER_KEY)
        .client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Required(Arc::new(pinned(&[kind]))))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert!(!has_complete(&p.client_events));
    let req = p
        .client_events
        .iter()
        .find_map(|e| match e {
            Event::Sign(r) => Some(r.clone()),
            _ => None,
        })
        .expect("Sign event on the client");
    assert_eq!(req.scheme, SignatureScheme::RSA_PSS_RSAE_SHA384);
    assert!(
        req.message
            .windows(33)
            .any(|w| w == b"TLS 1.3, client CertificateVerify")
    );
    assert!(
        p.client.pending_output().is_empty(),
        "nothing sent while pending"
    );
    // The application can queue data meanwhile; it goes after Finished.
    p.client.send(b"early-queued").unwrap();
    let sig = key(kind).sign(req.scheme, &req.message, &OsRandom).unwrap();
    p.client.answer_sign(Ok(sig)).unwrap();
    p.run().unwrap();
    assert!(has_complete(&p.client_events));
    assert!(has_complete(&p.server_events));
    assert_eq!(p.server_data(), b"early-queued");
    assert_eq!(
        p.server.negotiated().client_signature_scheme,
        Some(SignatureScheme::RSA_PSS_RSAE_SHA384)
    );

    // A signing failure aborts with internal_error.
    let ck = CertifiedKey::new(
        chain(kind, Shape::LeafOnly),
        Arc::new(Keyless::deferring(SignatureScheme::RSA_PSS_RSAE_SHA256)),
    );
    let client = client_builder(SERVER_KEY)
        .client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Required(Arc::new(pinned(&[kind]))))
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    let e = p
        .client
        .answer_sign(Err(Error::SigningFailed("HSM offline".into())))
        .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::INTERNAL_ERROR));
    let out = p.client.pending_output().to_vec();
    assert_eq!(
        p.server.receive(&out).unwrap_err(),
        Error::AlertReceived(AlertDescription::INTERNAL_ERROR)
    );
}

#[test]
fn small_rsa_client_key_is_insufficient_security() {
    let client = client_builder(SERVER_KEY)
        .client_auth_cert(
            chain(KeyType::Rsa2048, Shape::LeafOnly),
            key(KeyType::Rsa2048),
        )
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Required(Arc::new(pinned(&CLIENT_KEYS))))
        .min_rsa_bits(3072)
        .build()
        .unwrap();
    let (s, c) = both_sides_fail(client, server);
    assert_eq!(s.alert(), Some(AlertDescription::INSUFFICIENT_SECURITY));
    assert_eq!(
        c,
        Error::AlertReceived(AlertDescription::INSUFFICIENT_SECURITY)
    );
}

#[derive(Default)]
struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);
impl KeyLog for Secrets {
    fn log(&self, label: &str, _: &[u8; 32], secret: &[u8]) {
        self.0.lock().unwrap().push((label.into(), secret.to_vec()));
    }
}

/// Our client never picks a scheme outside the request, so this client
/// flight is forged: the real client's handshake key (from its key log)
/// seals a Certificate with the pinned leaf and a CertificateVerify whose
/// scheme the server did not offer. The server refuses it with
/// illegal_parameter before looking at the signature, and the real client
/// receives that alert.
#[test]
fn client_scheme_not_offered_is_illegal_parameter() {
    let kind = KeyType::EcdsaP256;
    let log = Arc::new(Secrets::default());
    let client = client_builder(SERVER_KEY)
        .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256])
        .key_log(log.clone())
        .client_auth_cert(chain(kind, Shape::LeafOnly), key(kind))
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Required(Arc::new(
        pinned(&[kind]).with_schemes(&[SignatureScheme::ECDSA_SECP256R1_SHA256]),
    )))
    .build()
    .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    // ClientHello → server flight → client flight (withheld from the server).
    let ch = p.client.pending_output().to_vec();
    p.client.consume_output(ch.len());
    p.server.receive(&ch).unwrap();
    let flight = p.server.pending_output().to_vec();
    p.server.consume_output(flight.len());
    p.client.receive(&flight).unwrap();
    let real = p.client.pending_output().to_vec();
    p.client.consume_output(real.len());
    assert!(!real.is_empty());

    let c_hs = log
        .0
        .lock()
        .unwrap()
        .iter()
        .find(|(l, _)| l == "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
        .unwrap()
        .1
        .clone();
    let suite = suites::lookup(CipherSuite::TLS_AES_128_GCM_SHA256).unwrap();
    let mut sealer = RecordSealer::new(suite, &c_hs).unwrap();
    let mut msgs = HandshakeMessage::Certificate(CertificatePayload {
        context: vec![],
        entries: vec![CertificateEntry {
            data: identity(kind).leaf.clone(),
            extensions: vec![],
        }],
    })
    .to_bytes();
    msgs.extend(
        HandshakeMessage::CertificateVerify(DigitallySigned {
            scheme: SignatureScheme::ECDSA_SECP384R1_SHA384,
            signature: vec![0x30, 0x00],
        })
        .to_bytes(),
    );
    let mut forged = Vec::new();
    // The client's middlebox-compatibility CCS precedes its flight.
    if real.starts_with(&[20, 3, 3, 0, 1, 1]) {
        forged.extend_from_slice(&real[..6]);
    }
    sealer
        .seal(ContentType::HANDSHAKE, &msgs, 0, &mut forged)
        .unwrap();
    let s = p.server.receive(&forged).unwrap_err();
    assert_eq!(
        s,
        PeerMisbehaved::SelectedUnofferedParameter("signature scheme").into()
    );
    assert_eq!(s.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    let alert = p.server.pending_output().to_vec();
    assert_eq!(
        p.client.receive(&alert).unwrap_err(),
        Error::AlertReceived(AlertDescription::ILLEGAL_PARAMETER)
    );
}

#[test]
fn config_rejects_a_verifier_without_schemes() {
    let e = server_with(ClientAuth::Required(Arc::new(
        pinned(&CLIENT_KEYS).with_schemes(&[]),
    )))
    .build()
    .unwrap_err();
    assert!(matches!(e, Error::BadConfig(_)), "{e:?}");
}

// ---------- X.509-backed verifiers (tls13::verify_webpki) ----------

use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{Policy as ChainPolicy, TrustAnchor};

/// Trusts the pair's CA (leaf-only clients) and the client root (clients
/// with an intermediate).
fn webpki_client_verifier() -> WebPkiClientVerifier {
    WebPkiClientVerifier::new(
        vec![
            TrustAnchor::from_der(identity(KeyType::EcdsaP256).ca.clone()).unwrap(),
            TrustAnchor::from_der(client_pki().root.clone()).unwrap(),
        ],
        ChainPolicy::default(),
    )
}

#[test]
fn webpki_client_verifier_accepts_chains_to_its_anchor_and_advertises_it() {
    let ca = identity(KeyType::EcdsaP256).ca.clone();
    let names = webpki_client_verifier().certificate_authorities();
    assert_eq!(names.len(), 2);
    // The advertised DER Names are the roots' subjects: in a self-signed
    // certificate each appears twice (issuer and subject).
    for (name, root) in names.iter().zip([&ca, &client_pki().root]) {
        assert_eq!(name[0], 0x30, "a SEQUENCE");
        assert_eq!(
            root.windows(name.len())
                .filter(|w| *w == name.as_slice())
                .count(),
            2
        );
    }
    for kind in CLIENT_KEYS {
        for shape in [
            Shape::LeafOnly,
            Shape::LeafAndIntermediate,
            Shape::Unordered,
        ] {
            let resolver = recording(Some(certified(kind, shape)));
            // The client checks the server with the validator too.
            let client = ClientConfig::builder(Arc::new(WebPkiServerVerifier::new(
                vec![TrustAnchor::from_der(ca.clone()).unwrap()],
                ChainPolicy::default(),
            )))
            .client_cert_resolver(resolver.clone())
            .build()
            .unwrap();
            let server = server_with(ClientAuth::Required(Arc::new(webpki_client_verifier())))
                .build()
                .unwrap();
            let mut p = Pair::new(client, server, Feed::Whole);
            p.run()
                .unwrap_or_else(|e| panic!("{kind:?} {shape:?}: {e:?}"));
            assert!(has_complete(&p.server_events));
            assert_eq!(p.server.negotiated().peer_certificates, chain(kind, shape));
            assert_eq!(resolver.1.lock().unwrap()[0].certificate_authorities, names);
        }
    }
}

#[test]
fn webpki_client_verifier_rejects_a_client_from_another_ca() {
    // A leaf issued by a CA the server does not trust.
    let rng = OsRandom;
    let other_ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let other = Ca::new("untrusted CA", &other_ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let key_der = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = other
        .issue(
            &[certgen::SubjectAltName::Dns("client.example".into())],
            &key_der,
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    let client = client_builder(SERVER_KEY)
        .client_auth_cert(vec![leaf], SigningKey::from_der(&key_der).unwrap())
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Optional(Arc::new(webpki_client_verifier())))
        .build()
        .unwrap();
    let (s, c) = both_sides_fail(client, server);
    assert!(
        matches!(
            &s,
            Error::InvalidCertificate(CertificateError::UnknownIssuer { issuer, .. })
                if issuer == "CN=untrusted CA"
        ),
        "{s:?}"
    );
    assert_eq!(s.alert(), Some(AlertDescription::UNKNOWN_CA), "{s}");
    assert_eq!(c, Error::AlertReceived(AlertDescription::UNKNOWN_CA));
}

#[test]
fn webpki_client_verifier_needs_the_intermediate() {
    // The leaf under the intermediate, sent alone: no path to the root.
    let kind = KeyType::EcdsaP256;
    let client = client_builder(SERVER_KEY)
        .client_auth_cert(vec![leaf_under_intermediate(kind)], key(kind))
        .build()
        .unwrap();
    let server = server_with(ClientAuth::Required(Arc::new(webpki_client_verifier())))
        .build()
        .unwrap();
    let (s, c) = both_sides_fail(client, server);
    assert_eq!(s.alert(), Some(AlertDescription::UNKNOWN_CA), "{s}");
    assert!(
        s.to_string().contains("client intermediate CA"),
        "names the missing issuer: {s}"
    );
    assert_eq!(c, Error::AlertReceived(AlertDescription::UNKNOWN_CA));
}

#[test]
fn client_certificate_without_client_auth_eku_is_unsupported_certificate() {
    // A leaf for serverAuth only, under the real intermediate: the path is
    // fine, the purpose is not (RFC 5280 §4.2.1.12; RFC 9846 §4.5.1.3
    // names unsupported_certificate as the default certificate alert).
    let kind = KeyType::Ed25519;
    let rng = OsRandom;
    let spki = key(kind).public_key_spki();
    let server_only = client_pki()
        .ica
        .issue_with_eku(
            &[certgen::SubjectAltName::Dns("client.example".into())],
            &spki,
            &[certgen::ExtKeyUsage::ServerAuth],
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    for mode in [Mode::Optional, Mode::Required] {
        let client = client_builder(SERVER_KEY)
            .client_auth_cert(
                vec![server_only.clone(), client_pki().intermediate.clone()],
                key(kind),
            )
            .build()
            .unwrap();
        let server = server_with(auth(mode, Arc::new(webpki_client_verifier())))
            .build()
            .unwrap();
        let (s, c) = both_sides_fail(client, server);
        assert_eq!(
            s.alert(),
            Some(AlertDescription::UNSUPPORTED_CERTIFICATE),
            "{s}"
        );
        let msg = s.to_string();
        assert!(
            msg.contains("certificate 0 (CN=client.example)")
                && msg.contains("extendedKeyUsage without clientAuth"),
            "says which certificate and which check: {msg}"
        );
        assert_eq!(
            c,
            Error::AlertReceived(AlertDescription::UNSUPPORTED_CERTIFICATE)
        );
        assert!(s.to_string().len() < 300, "{msg}");
    }
}
