//! RFC 8448 §3 (simple 1-RTT) replayed through the real client and server
//! state machines: with the trace's randoms, ephemeral keys, server key,
//! PSS salt and ticket injected, every record each side emits equals the
//! trace's bytes. The client's ClientHello extensions (NSS offered ffdhe
//! groups and legacy schemes we do not implement) and the server's
//! EncryptedExtensions order come in through the replay hooks.

mod common;

use std::sync::{Arc, Mutex};

use common::{ScriptedRandom, recover_pss_salt, rfc8448_bytes, rfc8448_server_rsa_pkcs1_der};
use sha2::Digest;
use tls13::codec::Codec;
use tls13::config::{FixedTime, TicketInfo, TicketProducer};
use tls13::crypto::sign::SigningKey;
use tls13::key_schedule::KeyLog;
use tls13::msgs::enums::SignatureScheme;
use tls13::msgs::handshake::*;
use tls13::{
    ClientConfig, ClientConnection, Event, PinnedCertVerifier, ServerConfig, ServerConnection,
};

const SECTION: &str = "Simple 1-RTT Handshake";

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

fn records(actor: &str, step: &str) -> Vec<Vec<u8>> {
    // Steps repeat ("send handshake record" several times); read them all in order.
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

fn payload(actor: &str, step: &str) -> Vec<u8> {
    rfc8448_bytes(SECTION, actor, step, "payload")
}

fn parse(raw: &[u8]) -> HandshakeMessage {
    HandshakeMessage::read_exact(raw, "trace message").unwrap()
}

fn leaf() -> Vec<u8> {
    let HandshakeMessage::Certificate(c) = parse(&message("{server}", "Certificate")) else {
        panic!()
    };
    c.entries[0].data.clone()
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

/// Every secret both sides logged equals the trace's.
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

struct TraceTicket(Vec<u8>);
impl TicketProducer for TraceTicket {
    fn produce(&self, _: &TicketInfo<'_>) -> Option<Vec<u8>> {
        Some(self.0.clone())
    }
}

#[test]
fn rfc8448_simple_1rtt_byte_for_byte() {
    let ch_raw = message("{client}", "ClientHello");
    let sh_raw = message("{server}", "ServerHello");
    let HandshakeMessage::ClientHello(trace_ch) = parse(&ch_raw) else {
        panic!()
    };
    let HandshakeMessage::ServerHello(trace_sh) = parse(&sh_raw) else {
        panic!()
    };
    let HandshakeMessage::EncryptedExtensions(trace_ee) =
        parse(&message("{server}", "EncryptedExtensions"))
    else {
        panic!()
    };
    let HandshakeMessage::NewSessionTicket(trace_nst) =
        parse(&message("{server}", "NewSessionTicket"))
    else {
        panic!()
    };

    // --- client ---
    let client_rng = ScriptedRandom::new(
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
    );
    let trace_ch_hook = trace_ch.clone();
    let client_log = Arc::new(Secrets::default());
    let server_log = Arc::new(Secrets::default());
    let client_config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf())))
        .rng(Arc::new(client_rng))
        .time(Arc::new(FixedTime(1_500_000_000)))
        .min_rsa_bits(1024)
        .key_log(client_log.clone())
        .middlebox_compat(false)
        .groups(&[tls13::msgs::enums::NamedGroup::X25519])
        .client_hello_hook(Arc::new(move |hello: &mut ClientHello| {
            // Our own key share must be the trace's: the scripted key works.
            assert_eq!(
                hello.find(tls13::msgs::enums::ExtensionType::KEY_SHARE),
                trace_ch_hook.find(tls13::msgs::enums::ExtensionType::KEY_SHARE)
            );
            assert_eq!(hello.random, trace_ch_hook.random);
            hello.cipher_suites = trace_ch_hook.cipher_suites.clone();
            hello.extensions = trace_ch_hook.extensions.clone();
        }))
        .build()
        .unwrap();
    let mut client = ClientConnection::new(Arc::new(client_config), "server").unwrap();
    let client_records = records("{client}", "send handshake record");
    assert_eq!(
        hex::encode(client.pending_output()),
        hex::encode(&client_records[0]),
        "ClientHello record"
    );

    // --- server ---
    let key = SigningKey::from_der(&rfc8448_server_rsa_pkcs1_der()).unwrap();
    let spki = key.public_key_spki();
    let cv_raw = message("{server}", "CertificateVerify");
    let HandshakeMessage::CertificateVerify(cv) = parse(&cv_raw) else {
        panic!()
    };
    let mut th = sha2::Sha256::new();
    for m in [
        ch_raw.clone(),
        sh_raw.clone(),
        message("{server}", "EncryptedExtensions"),
        message("{server}", "Certificate"),
    ] {
        th.update(m);
    }
    let mut signed = vec![0x20u8; 64];
    signed.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
    signed.extend_from_slice(&th.finalize());
    assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    let salt = recover_pss_salt(&spki, cv.scheme, &signed, &cv.signature);
    let server_rng = Arc::new(ScriptedRandom::new(
        [
            trace_sh.random.to_vec(),
            rfc8448_bytes(
                SECTION,
                "{server}",
                "create an ephemeral x25519 key pair",
                "private key",
            ),
            salt,
            trace_nst.age_add.to_be_bytes().to_vec(),
        ]
        .concat(),
    ));
    let ee_hook = trace_ee.clone();
    let max_early = trace_nst.extensions.iter().find_map(|e| match e {
        TicketExtension::EarlyData(n) => Some(*n),
        _ => None,
    });
    let mut server_builder = ServerConfig::builder_with_single_cert(vec![leaf()], key)
        .rng(server_rng.clone())
        .time(Arc::new(FixedTime(1_500_000_000)))
        .key_log(server_log.clone())
        .tickets(
            Arc::new(TraceTicket(trace_nst.ticket.clone())),
            1,
            trace_nst.lifetime,
        )
        .ticket_nonce_width(trace_nst.nonce.len())
        .encrypted_extensions_hook(Arc::new(move |ee: &mut Vec<ServerExtension>| {
            // We produced record_size_limit and the server_name ack ourselves;
            // the trace also lists supported_groups first.
            for ours in ee.iter() {
                assert!(
                    ee_hook.contains(ours),
                    "{ours:?} not in the trace's EncryptedExtensions"
                );
            }
            *ee = ee_hook.clone();
        }));
    if let Some(n) = max_early {
        server_builder = server_builder.max_early_data_size(n);
    }
    let mut server = ServerConnection::new(Arc::new(server_builder.build().unwrap())).unwrap();

    // ClientHello → server flight.
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());
    server.receive(&out).unwrap();
    let server_records = records("{server}", "send handshake record");
    let expected_flight = [server_records[0].clone(), server_records[1].clone()].concat();
    assert_eq!(
        hex::encode(server.pending_output()),
        hex::encode(&expected_flight),
        "server flight"
    );
    let out = server.pending_output().to_vec();
    server.consume_output(out.len());

    // Server flight → client Finished.
    client.receive(&out).unwrap();
    assert_eq!(
        hex::encode(client.pending_output()),
        hex::encode(&client_records[1]),
        "client Finished"
    );
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());

    // Client Finished → NewSessionTicket.
    server.receive(&out).unwrap();
    assert_eq!(
        hex::encode(server.pending_output()),
        hex::encode(&server_records[2]),
        "NewSessionTicket"
    );
    assert_eq!(server_rng.remaining(), 0, "every scripted server draw used");
    let out = server.pending_output().to_vec();
    server.consume_output(out.len());
    client.receive(&out).unwrap();
    let mut got_ticket = false;
    while let Some(e) = client.next_event() {
        if let Event::NewSessionTicket(t) = e {
            assert_eq!(t, trace_nst);
            got_ticket = true;
        }
    }
    assert!(got_ticket);

    // Application data both ways.
    let c_app = payload("{client}", "send application_data record");
    client.send(&c_app).unwrap();
    assert_eq!(
        client.pending_output(),
        records("{client}", "send application_data record")[0]
    );
    let out = client.pending_output().to_vec();
    client.consume_output(out.len());
    server.receive(&out).unwrap();
    let s_app = payload("{server}", "send application_data record");
    server.send(&s_app).unwrap();
    assert_eq!(
        server.pending_output(),
        records("{server}", "send application_data record")[0]
    );
    let out = server.pending_output().to_vec();
    server.consume_output(out.len());
    client.receive(&out).unwrap();

    check_secrets(&client_log);
    check_secrets(&server_log);

    // close_notify both ways.
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
