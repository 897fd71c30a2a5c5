//! RFC 8448 §6 (client authentication) replayed through the real client
//! and server state machines, byte for byte: every record each side emits
//! equals the trace's.
//!
//! §6 publishes neither the server's ECDSA P-256 key nor the client's
//! RSA key (vectors/README.md), and ECDSA and RSA-PSS signatures cannot be
//! re-made without them. So both CertificateVerify signatures come in
//! through the deferred-signing path: each state machine builds the exact
//! bytes to sign (checked here against the trace's transcript), emits
//! `Event::Sign`, and is answered with the trace's signature. Each
//! signature is then *verified* by the other side's state machine (the
//! client checks the server's ECDSA signature against the trace's server
//! certificate; the server checks the client's RSA-PSS signature against
//! the trace's client certificate), so nothing is taken on trust.

mod canned;
mod common;

use std::sync::{Arc, Mutex};

use canned::Keyless;
use common::{ScriptedRandom, rfc8448_bytes};
use sha2::Digest;
use tls13::config::{ClientAuth, FixedTime};
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::KeyLog;
use tls13::unstable::msgs::enums::{ExtensionType, NamedGroup, SignatureScheme};
use tls13::unstable::msgs::handshake::*;
use tls13::verify::SingleCertResolver;
use tls13::{
    CertificateRequestInfo, CertifiedKey, ClientConfig, ClientConnection, Error, Event,
    PinnedCertVerifier, PinnedClientCertVerifier, ResolvesClientCert, ServerConfig,
    ServerConnection, SignRequest, SingleClientCert,
};

const SECTION: &str = "Client Authentication";

fn message(actor: &str, name: &str) -> Vec<u8> {
    let article = if name == "EncryptedExtensions" {
        "an"
    } else {
        "a"
    };
    rfc8448_bytes(
        SECTION,
        actor,
        &format!("construct {article} {name} handshake message"),
        name,
    )
}

/// Every "complete record" of `actor` at `step`, in trace order.
fn records(actor: &str, step: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/rfc8448/rfc8448-vectors.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["section"] == SECTION
                && e["actor"] == actor
                && e["step"] == step
                && e["label"] == "complete record"
        })
        .map(|e| hex::decode(e["hex"].as_str().unwrap()).unwrap())
        .collect()
}

fn parse(raw: &[u8]) -> HandshakeMessage {
    HandshakeMessage::read_exact(raw, "trace message").unwrap()
}

fn leaf(actor: &str) -> Vec<u8> {
    let HandshakeMessage::Certificate(c) = parse(&message(actor, "Certificate")) else {
        panic!()
    };
    assert_eq!(c.entries.len(), 1);
    c.entries[0].data.clone()
}

fn cv(actor: &str) -> DigitallySigned {
    let HandshakeMessage::CertificateVerify(cv) = parse(&message(actor, "CertificateVerify"))
    else {
        panic!()
    };
    cv
}

/// The §4.5.2 content over the trace's messages.
fn signed_content(context: &str, msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut th = sha2::Sha256::new();
    for m in msgs {
        th.update(m);
    }
    let mut out = vec![0x20u8; 64];
    out.extend_from_slice(context.as_bytes());
    out.push(0);
    out.extend_from_slice(&th.finalize());
    out
}

/// Records the request it was given.
struct Recording(SingleClientCert, Mutex<Option<CertificateRequestInfo>>);
impl ResolvesClientCert for Recording {
    fn resolve(&self, request: &CertificateRequestInfo) -> Option<Arc<CertifiedKey>> {
        *self.1.lock().unwrap() = Some(request.clone());
        self.0.resolve(request)
    }
}

#[derive(Default)]
struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);
impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), secret.to_vec()));
    }
}

fn check_secrets(log: &Secrets) {
    let expected = [
        (
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "derive secret \"tls13 c hs traffic\"",
        ),
        (
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "derive secret \"tls13 s hs traffic\"",
        ),
        (
            "CLIENT_TRAFFIC_SECRET_0",
            "derive secret \"tls13 c ap traffic\"",
        ),
        (
            "SERVER_TRAFFIC_SECRET_0",
            "derive secret \"tls13 s ap traffic\"",
        ),
        ("EXPORTER_SECRET", "derive secret \"tls13 exp master\""),
    ];
    let got = log.0.lock().unwrap();
    assert_eq!(got.len(), expected.len());
    for (label, step) in expected {
        let want = rfc8448_bytes(SECTION, "{server}", step, "expanded");
        let (_, secret) = got.iter().find(|(l, _)| l == label).unwrap();
        assert_eq!(hex::encode(secret), hex::encode(want), "{label}");
    }
}

fn take_sign(events: &mut Vec<Event>) -> SignRequest {
    let pos = events
        .iter()
        .position(|e| matches!(e, Event::Sign(_)))
        .expect("a Sign event");
    let Event::Sign(req) = events.remove(pos) else {
        unreachable!()
    };
    req
}

fn drain(conn: &mut tls13::Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.next_event()).collect()
}

#[test]
fn rfc8448_client_auth_byte_for_byte() {
    let ch_raw = message("{client}", "ClientHello");
    let sh_raw = message("{server}", "ServerHello");
    let ee_raw = message("{server}", "EncryptedExtensions");
    let cr_raw = message("{server}", "CertificateRequest");
    let s_cert_raw = message("{server}", "Certificate");
    let s_cv_raw = message("{server}", "CertificateVerify");
    let s_fin_raw = message("{server}", "Finished");
    let c_cert_raw = message("{client}", "Certificate");
    let HandshakeMessage::ClientHello(trace_ch) = parse(&ch_raw) else {
        panic!()
    };
    let HandshakeMessage::ServerHello(trace_sh) = parse(&sh_raw) else {
        panic!()
    };
    let HandshakeMessage::EncryptedExtensions(trace_ee) = parse(&ee_raw) else {
        panic!()
    };
    let HandshakeMessage::CertificateRequest(trace_cr) = parse(&cr_raw) else {
        panic!()
    };
    // The trace's request: empty context, only signature_algorithms.
    assert!(trace_cr.context.is_empty());
    let [CertReqExtension::SignatureAlgorithms(trace_cr_schemes)] = trace_cr.extensions.as_slice()
    else {
        panic!("unexpected CertificateRequest extensions")
    };
    let server_cv = cv("{server}");
    let client_cv = cv("{client}");
    assert_eq!(server_cv.scheme, SignatureScheme::ECDSA_SECP256R1_SHA256);
    assert_eq!(client_cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);

    // --- client ---
    let client_rng = Arc::new(ScriptedRandom::new(
        [
            trace_ch.random.to_vec(),
            rfc8448_bytes(
                SECTION,
                "{client}",
                "create an ephemeral x25519 key pair",
                "private key",
            ),
        ]
        .concat(),
    ));
    let client_log = Arc::new(Secrets::default());
    let server_log = Arc::new(Secrets::default());
    let trace_ch_hook = trace_ch.clone();
    let resolver = Arc::new(Recording(
        SingleClientCert(Arc::new(CertifiedKey::new(
            vec![leaf("{client}")],
            Arc::new(Keyless::deferring(SignatureScheme::RSA_PSS_RSAE_SHA256)),
        ))),
        Mutex::new(None),
    ));
    let client_config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf("{server}"))))
        .rng(client_rng.clone())
        .time(Arc::new(FixedTime(1_500_000_000)))
        .key_log(client_log.clone())
        .middlebox_compat(false)
        .groups(&[NamedGroup::X25519])
        .client_cert_resolver(resolver.clone())
        .client_hello_hook(Arc::new(move |hello: &mut ClientHello| {
            assert_eq!(
                hello.find(ExtensionType::KEY_SHARE),
                trace_ch_hook.find(ExtensionType::KEY_SHARE)
            );
            assert_eq!(hello.random, trace_ch_hook.random);
            hello.cipher_suites = trace_ch_hook.cipher_suites.clone();
            hello.extensions = trace_ch_hook.extensions.clone();
        }))
        // Byte-exact replay: RustCrypto signs with the scripted salt.
        .provider(tls13::crypto::rustcrypto::provider())
        .build()
        .unwrap();
    let mut client = ClientConnection::new(Arc::new(client_config), "server").unwrap();
    let client_records = records("{client}", "send handshake record");
    assert_eq!(client_records.len(), 2);
    assert_eq!(
        hex::encode(client.pending_output()),
        hex::encode(&client_records[0]),
        "ClientHello record"
    );

    // --- server ---
    let server_rng = Arc::new(ScriptedRandom::new(
        [
            trace_sh.random.to_vec(),
            rfc8448_bytes(
                SECTION,
                "{server}",
                "create an ephemeral x25519 key pair",
                "private key",
            ),
        ]
        .concat(),
    ));
    let ee_hook = trace_ee.clone();
    let server_key = CertifiedKey::new(
        vec![leaf("{server}")],
        Arc::new(Keyless::deferring(SignatureScheme::ECDSA_SECP256R1_SHA256)),
    );
    let client_verifier = PinnedClientCertVerifier::new(vec![leaf("{client}")])
        // NSS offered legacy schemes (SHA-1, DSA, PKCS#1) we would never
        // accept; only the one the client picks must verify.
        .with_schemes(trace_cr_schemes);
    let server_config = ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(server_key))))
        .rng(server_rng.clone())
        .time(Arc::new(FixedTime(1_500_000_000)))
        .key_log(server_log.clone())
        .min_rsa_bits(1024)
        .client_auth(ClientAuth::Required(Arc::new(client_verifier)))
        .encrypted_extensions_hook(Arc::new(move |ee: &mut Vec<ServerExtension>| {
            for ours in ee.iter() {
                assert!(ee_hook.contains(ours), "{ours:?} not in the trace's EE");
            }
            *ee = ee_hook.clone();
        }))
        // Byte-exact replay: RustCrypto signs with the scripted salt.
        .provider(tls13::crypto::rustcrypto::provider())
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
    let server_records = records("{server}", "send handshake record");
    assert_eq!(server_records.len(), 2);

    // ClientHello → ServerHello, then the server asks for its signature.
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());
    server.receive(&out).unwrap();
    assert_eq!(
        hex::encode(server.pending_output()),
        hex::encode(&server_records[0]),
        "only the ServerHello goes out while the signature is pending"
    );
    let mut events = drain(&mut server);
    let req = take_sign(&mut events);
    assert_eq!(req.scheme, SignatureScheme::ECDSA_SECP256R1_SHA256);
    assert_eq!(
        hex::encode(&req.message),
        hex::encode(signed_content(
            "TLS 1.3, server CertificateVerify",
            &[
                ch_raw.clone(),
                sh_raw.clone(),
                ee_raw.clone(),
                cr_raw.clone(),
                s_cert_raw.clone()
            ],
        )),
        "the server signs exactly the trace's transcript (CertificateRequest included)"
    );
    server.answer_sign(Ok(server_cv.signature.clone())).unwrap();
    assert_eq!(
        hex::encode(server.pending_output()),
        hex::encode([server_records[0].clone(), server_records[1].clone()].concat()),
        "server flight: EE, CertificateRequest, Certificate, CertificateVerify, Finished in one record"
    );
    assert_eq!(server_rng.remaining(), 0, "every scripted server draw used");
    let out = server.pending_output().to_vec();
    server.consume_output(out.len());

    // Server flight → the client verifies the server's ECDSA signature,
    // picks its certificate and asks for its own signature.
    client.receive(&out).unwrap();
    assert!(
        client.pending_output().is_empty(),
        "nothing goes out while the client's signature is pending"
    );
    let seen = resolver.1.lock().unwrap().clone().expect("resolver asked");
    assert_eq!(&seen.signature_schemes, trace_cr_schemes);
    assert!(seen.certificate_authorities.is_empty());
    let mut events = drain(&mut client);
    let req = take_sign(&mut events);
    assert_eq!(req.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    assert_eq!(
        hex::encode(&req.message),
        hex::encode(signed_content(
            "TLS 1.3, client CertificateVerify",
            &[
                ch_raw.clone(),
                sh_raw.clone(),
                ee_raw.clone(),
                cr_raw.clone(),
                s_cert_raw.clone(),
                s_cv_raw.clone(),
                s_fin_raw.clone(),
                c_cert_raw.clone()
            ],
        )),
        "the client signs exactly the trace's transcript"
    );
    assert!(client.is_handshaking());
    client.answer_sign(Ok(client_cv.signature.clone())).unwrap();
    assert_eq!(
        hex::encode(client.pending_output()),
        hex::encode(&client_records[1]),
        "client flight: Certificate, CertificateVerify, Finished in one record"
    );
    assert_eq!(client_rng.remaining(), 0, "every scripted client draw used");
    assert!(
        drain(&mut client)
            .iter()
            .any(|e| matches!(e, Event::HandshakeComplete))
    );
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());

    // Client flight → the server verifies the client's RSA-PSS signature
    // and Finished, and exposes the client's identity.
    server.receive(&out).unwrap();
    assert!(
        drain(&mut server)
            .iter()
            .any(|e| matches!(e, Event::HandshakeComplete))
    );
    assert!(server.pending_output().is_empty(), "§6 sends no ticket");
    let n = server.negotiated();
    assert_eq!(n.peer_certificates, vec![leaf("{client}")]);
    assert_eq!(
        n.client_signature_scheme,
        Some(SignatureScheme::RSA_PSS_RSAE_SHA256)
    );
    assert_eq!(
        client.negotiated().client_signature_scheme,
        Some(SignatureScheme::RSA_PSS_RSAE_SHA256)
    );
    assert_eq!(
        client.negotiated().peer_certificates,
        vec![leaf("{server}")]
    );

    check_secrets(&client_log);
    check_secrets(&server_log);
    client.close();
    assert_eq!(
        client.pending_output(),
        records("{client}", "send alert record")[0]
    );
    server.close();
    assert_eq!(
        server.pending_output(),
        records("{server}", "send alert record")[0]
    );
}

/// The same replay with one bit of the client's recorded signature flipped
/// in the answer to the client's Sign event: the record layer is intact
/// (our client encrypts it), and the server refuses the CertificateVerify
/// with decrypt_error — so the accepting replay above really verified it.
#[test]
fn rfc8448_client_auth_server_rejects_altered_client_signature() {
    let HandshakeMessage::ClientHello(trace_ch) = parse(&message("{client}", "ClientHello")) else {
        panic!()
    };
    let HandshakeMessage::ServerHello(trace_sh) = parse(&message("{server}", "ServerHello")) else {
        panic!()
    };
    let HandshakeMessage::CertificateRequest(trace_cr) =
        parse(&message("{server}", "CertificateRequest"))
    else {
        panic!()
    };
    let [CertReqExtension::SignatureAlgorithms(schemes)] = trace_cr.extensions.as_slice() else {
        panic!()
    };
    let trace_ch_hook = trace_ch.clone();
    let client_config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf("{server}"))))
        .rng(Arc::new(ScriptedRandom::new(
            [
                trace_ch.random.to_vec(),
                rfc8448_bytes(
                    SECTION,
                    "{client}",
                    "create an ephemeral x25519 key pair",
                    "private key",
                ),
            ]
            .concat(),
        )))
        .time(Arc::new(FixedTime(1_500_000_000)))
        .middlebox_compat(false)
        .groups(&[NamedGroup::X25519])
        .client_cert_resolver(Arc::new(SingleClientCert(Arc::new(CertifiedKey::new(
            vec![leaf("{client}")],
            Arc::new(Keyless::deferring(SignatureScheme::RSA_PSS_RSAE_SHA256)),
        )))))
        .client_hello_hook(Arc::new(move |hello: &mut ClientHello| {
            hello.cipher_suites = trace_ch_hook.cipher_suites.clone();
            hello.extensions = trace_ch_hook.extensions.clone();
        }))
        // Byte-exact replay: RustCrypto signs with the scripted salt.
        .provider(tls13::crypto::rustcrypto::provider())
        .build()
        .unwrap();
    let ee_hook = match parse(&message("{server}", "EncryptedExtensions")) {
        HandshakeMessage::EncryptedExtensions(e) => e,
        _ => panic!(),
    };
    let server_config =
        ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(CertifiedKey::new(
            vec![leaf("{server}")],
            Arc::new(Keyless::deferring(SignatureScheme::ECDSA_SECP256R1_SHA256)),
        )))))
        .rng(Arc::new(ScriptedRandom::new(
            [
                trace_sh.random.to_vec(),
                rfc8448_bytes(
                    SECTION,
                    "{server}",
                    "create an ephemeral x25519 key pair",
                    "private key",
                ),
            ]
            .concat(),
        )))
        .time(Arc::new(FixedTime(1_500_000_000)))
        .min_rsa_bits(1024)
        .client_auth(ClientAuth::Required(Arc::new(
            PinnedClientCertVerifier::new(vec![leaf("{client}")]).with_schemes(schemes),
        )))
        .encrypted_extensions_hook(Arc::new(move |ee: &mut Vec<ServerExtension>| {
            *ee = ee_hook.clone()
        }))
        // Byte-exact replay: RustCrypto signs with the scripted salt.
        .provider(tls13::crypto::rustcrypto::provider())
        .build()
        .unwrap();
    let mut client = ClientConnection::new(Arc::new(client_config), "server").unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());
    server.receive(&out).unwrap();
    drain(&mut server);
    server.answer_sign(Ok(cv("{server}").signature)).unwrap();
    let out = server.pending_output().to_vec();
    server.consume_output(out.len());
    client.receive(&out).unwrap();
    drain(&mut client);
    let mut bad = cv("{client}").signature;
    bad[40] ^= 0x01;
    client.answer_sign(Ok(bad)).unwrap();
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());
    let err = server.receive(&out).unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(tls13::error::PeerMisbehaved::BadSignature)
    );
    assert_eq!(
        err.alert(),
        Some(tls13::unstable::msgs::enums::AlertDescription::DECRYPT_ERROR)
    );
}
