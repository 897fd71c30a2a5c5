//! The `log` feature: a handshake reports its steps, the negotiated
//! parameters and the alerts, and never a secret or application data.
//!
//! One test function: the logger is process-global, and a second test
//! running in parallel would mix its lines into this one's.
#![cfg(feature = "log")]

mod pair;

use std::sync::{Arc, Mutex};

use log::{Level, LevelFilter, Log, Metadata, Record};
use pair::*;
use tls13::certgen::KeyType;
use tls13::config::ClientAuth;
use tls13::crypto::sign::SigningKey;
use tls13::unstable::key_schedule::KeyLog;
use tls13::unstable::msgs::enums::{CipherSuite, NamedGroup};
use tls13::{CloseKind, Event, PinnedCertVerifier, PinnedClientCertVerifier};

/// Every record, as (level, target, message).
struct Collector(Mutex<Vec<(Level, String, String)>>);

impl Log for Collector {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }
    fn log(&self, record: &Record) {
        let line = format!("{}", record.args());
        self.0
            .lock()
            .unwrap()
            .push((record.level(), record.target().to_string(), line));
    }
    fn flush(&self) {}
}

static LOGGER: Collector = Collector(Mutex::new(Vec::new()));

fn take_lines() -> Vec<(Level, String, String)> {
    std::mem::take(&mut *LOGGER.0.lock().unwrap())
}

/// Every secret a connection hands to its key log.
#[derive(Default)]
struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0.lock().unwrap().push((label.into(), secret.to_vec()));
    }
}

/// The ways a byte string could be printed, for every run of six of its
/// bytes (a log line might show part of it): hex in either case, and the
/// `Debug` list forms of a slice (`{:?}`, `{:x?}`, `{:X?}`, `{:02x?}`), and text with `\xNN` escapes.
fn renderings(bytes: &[u8]) -> Vec<String> {
    let mut forms = Vec::new();
    for w in bytes.windows(6.min(bytes.len())) {
        forms.push(hex::encode(w));
        forms.push(hex::encode_upper(w));
        let list = |f: &dyn Fn(&u8) -> String| w.iter().map(f).collect::<Vec<_>>().join(", ");
        forms.push(list(&|b| format!("{b}")));
        forms.push(list(&|b| format!("{b:x}")));
        forms.push(list(&|b| format!("{b:X}")));
        forms.push(list(&|b| format!("{b:02x}")));
        forms.push(list(&|b| format!("{b:02X}")));
        // Text with escapes, as peer-chosen names (ALPN, SNI) are shown.
        forms.push(
            w.iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        char::from(b).to_string()
                    } else {
                        format!("\\x{b:02x}")
                    }
                })
                .collect(),
        );
    }
    forms
}

fn assert_absent(lines: &[(Level, String, String)], what: &str, bytes: &[u8]) {
    for form in renderings(bytes) {
        for (_, _, line) in lines {
            assert!(
                !line.contains(&form),
                "{what} appears in the log line {line:?}"
            );
        }
    }
}

fn has(lines: &[(Level, String, String)], level: Level, text: &str) -> bool {
    lines
        .iter()
        .any(|(l, _, m)| *l == level && m.contains(text))
}

#[test]
fn handshake_logs_parameters_and_alerts_but_no_secret() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(LevelFilter::Trace);

    // A handshake with a HelloRetryRequest (the server takes only P-256,
    // the client's first share is X25519MLKEM768), ALPN, client
    // authentication, a KeyUpdate and close_notify both ways.
    let secrets = Arc::new(Secrets::default());
    let client_id = identity(KeyType::Ed25519);
    let client = client_builder(KeyType::EcdsaP256)
        .suites(&[CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
        .alpn_protocols(&[b"h2", b"http/1.1"])
        .client_auth_cert(
            vec![client_id.leaf.clone()],
            SigningKey::from_der(&client_id.key).unwrap(),
        )
        .key_log(secrets.clone())
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .groups(&[NamedGroup::SECP256R1])
        .alpn_protocols(&[b"h2"])
        .client_auth(ClientAuth::Required(Arc::new(
            PinnedClientCertVerifier::new(vec![client_id.leaf.clone()]),
        )))
        .key_log(secrets.clone())
        .build()
        .unwrap();
    let mut pair = Pair::new(client, server, Feed::Whole);
    pair.run().unwrap();
    assert!(has_complete(&pair.client_events) && has_complete(&pair.server_events));

    let marker = b"application data that must stay out of the log 7f3e91";
    pair.client.send(marker).unwrap();
    pair.client.update_keys(true).unwrap();
    pair.server.send(marker).unwrap();
    pair.run().unwrap();
    assert_eq!(pair.server_data(), marker);
    assert_eq!(pair.client_data(), marker);
    let mut exported = [0u8; 32];
    pair.client
        .export_keying_material(b"EXPERIMENTAL log test", b"", &mut exported)
        .unwrap();
    pair.client.close();
    pair.server.close();
    pair.run().unwrap();
    assert!(
        pair.client_events
            .iter()
            .any(|e| matches!(e, Event::Closed(CloseKind::CloseNotify)))
    );

    let lines = take_lines();
    assert!(lines.iter().all(|(_, target, _)| target == "tls13"));

    // The negotiated parameters, by name, on both sides.
    for side in ["client", "server"] {
        let done = lines
            .iter()
            .find(|(l, _, m)| {
                *l == Level::Info && m.starts_with(&format!("{side}: handshake complete"))
            })
            .unwrap_or_else(|| panic!("no completion line for the {side}: {lines:#?}"));
        for want in [
            "version TLS1_3",
            "suite TLS_CHACHA20_POLY1305_SHA256",
            "group SECP256R1",
            "alpn h2",
            "server_name localhost",
            "hello_retry true",
            "signature_scheme ECDSA_SECP256R1_SHA256",
            "client authenticated with ED25519",
        ] {
            assert!(
                done.2.contains(want),
                "{side}: {want:?} missing from {:?}",
                done.2
            );
        }
    }

    // The steps, by message type.
    for (side, step) in [
        ("client", "sending ClientHello"),
        ("server", "received ClientHello"),
        ("server", "sending HelloRetryRequest"),
        ("client", "received HelloRetryRequest"),
        ("server", "sending ServerHello"),
        ("client", "received ServerHello"),
        ("server", "sending EncryptedExtensions"),
        ("client", "received CertificateRequest"),
        ("client", "received CertificateVerify"),
        ("client", "sending Certificate"),
        ("server", "received Finished"),
        ("client", "sending KeyUpdate"),
        ("server", "received KeyUpdate"),
        ("server", "sending KeyUpdate"),
        ("client", "sending alert CLOSE_NOTIFY"),
        ("server", "received alert CLOSE_NOTIFY"),
        ("server", "sending alert CLOSE_NOTIFY"),
        ("client", "received alert CLOSE_NOTIFY"),
    ] {
        assert!(
            has(&lines, Level::Debug, &format!("{side}: {step}")),
            "no debug line '{side}: {step}' in {lines:#?}"
        );
    }
    // Two ClientHellos went out (the second after the HelloRetryRequest).
    let hellos = lines
        .iter()
        .filter(|(_, _, m)| m.contains("client: sending ClientHello"))
        .count();
    assert_eq!(hellos, 2);

    // Never a secret, the exporter's output or application data.
    let secrets = std::mem::take(&mut *secrets.0.lock().unwrap());
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    ] {
        assert!(
            secrets.iter().any(|(l, _)| l == label),
            "the key log never saw {label}"
        );
    }
    for (label, secret) in &secrets {
        assert_absent(&lines, label, secret);
    }
    assert_absent(&lines, "the exported keying material", &exported);
    for (_, _, line) in &lines {
        assert!(!line.contains("7f3e91"), "application data in {line:?}");
    }

    // A failure: the client pins another certificate. Both sides report
    // the alert and the error at warn level.
    let client = tls13::ClientConfig::builder(Arc::new(PinnedCertVerifier::new(
        identity(KeyType::Ed25519).leaf.clone(),
    )))
    .build()
    .unwrap();
    let server = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut pair = Pair::new(client, server, Feed::Whole);
    assert!(pair.run().is_err());
    // The client's alert is output after its error; hand it over.
    let alert = pair.client.pending_output().to_vec();
    assert!(pair.server.receive(&alert).is_err());
    let lines = take_lines();
    assert!(
        has(&lines, Level::Warn, "client: sending alert BAD_CERTIFICATE"),
        "{lines:#?}"
    );
    assert!(
        has(&lines, Level::Warn, "client: connection failed"),
        "{lines:#?}"
    );
    assert!(
        has(
            &lines,
            Level::Warn,
            "server: received alert BAD_CERTIFICATE"
        ),
        "{lines:#?}"
    );
}
