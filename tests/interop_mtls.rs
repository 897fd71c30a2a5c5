//! Mutual TLS with OpenSSL on loopback, each case a data round trip:
//! our client presenting a certificate to `openssl s_server -tls1_3
//! -Verify 1 -CAfile client-ca.pem`, and `openssl s_client -tls1_3 -cert
//! … -key …` against our server requiring a client certificate, with
//! ECDSA P-256 and RSA-2048 client keys; plus the refusals when the client
//! has no certificate. Certificates come from `tls13::certgen` (a server
//! CA and a separate client CA). Without `openssl` every test is skipped
//! (`tests/skip`: a visible SKIPPED line, or a failure under CI).

mod openssl;

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use openssl::*;
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::config::ClientAuth;
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::error::PeerIncompatible;
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::{
    ClientConfig, ClientConnection, Error, Negotiated, PinnedCertVerifier,
    PinnedClientCertVerifier, ServerConfig, ServerConnection,
};

const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

/// A CA and one leaf it issued, with PEM files written for openssl.
struct Pki {
    leaf: Vec<u8>,
    key: Vec<u8>,
    ca_pem: String,
    leaf_pem: String,
    key_pem: String,
}

fn pki(dir: &TempDir, tag: &str, name: &str, kind: KeyType) -> Pki {
    let rng = OsRandom;
    // A P-521 leaf gets a P-521 CA, so that the peer checks an
    // ecdsa-with-SHA512 signature by a P-521 key as well.
    let ca_kind = match kind {
        KeyType::EcdsaP521 => KeyType::EcdsaP521,
        _ => KeyType::EcdsaP256,
    };
    let ca_key = certgen::generate_key(ca_kind, &rng).unwrap();
    let ca = Ca::new(&format!("{tag} CA"), &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let key = certgen::generate_key(kind, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns(name.into())],
            &key,
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    Pki {
        ca_pem: dir.write(
            &format!("{tag}-ca.pem"),
            certgen::to_pem("CERTIFICATE", ca.cert_der()),
        ),
        leaf_pem: dir.write(&format!("{tag}.pem"), certgen::to_pem("CERTIFICATE", &leaf)),
        key_pem: dir.write(
            &format!("{tag}-key.pem"),
            certgen::to_pem("PRIVATE KEY", &key),
        ),
        leaf,
        key: key.to_vec(),
    }
}

// ---------- our client against openssl s_server ----------

/// Returns our client's outcome and s_server's combined output.
fn client_against_s_server(
    client_kind: Option<KeyType>,
) -> (Result<(Negotiated, Vec<u8>), Error>, String) {
    let dir = TempDir::new("mtls-c");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let client = pki(
        &dir,
        "client",
        "client.example",
        client_kind.unwrap_or(KeyType::EcdsaP256),
    );
    let port = free_port();
    let mut child = ChildGuard::openssl(&[
        "s_server",
        "-tls1_3",
        "-rev",
        "-naccept",
        "1",
        "-accept",
        &format!("127.0.0.1:{port}"),
        "-cert",
        &server.leaf_pem,
        "-key",
        &server.key_pem,
        "-Verify",
        "1",
        "-CAfile",
        &client.ca_pem,
    ]);
    let (out, err) = child.collect();

    let mut builder = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(server.leaf.clone())));
    if client_kind.is_some() {
        builder = builder.client_auth_cert(
            vec![client.leaf.clone()],
            SigningKey::from_der(&client.key).unwrap(),
        );
    }
    let mut tls = ClientConnection::new(Arc::new(builder.build().unwrap()), "localhost").unwrap();
    let mut sock = connect_retry(port);
    let mut events = Seen::default();
    let result = (|| {
        pump(&mut tls, &mut sock, &mut events, complete)?;
        tls.send(b"hello mtls\n")?;
        // -rev answers each line reversed.
        pump(&mut tls, &mut sock, &mut events, |ev| {
            data(ev).ends_with(b"\n")
        })?;
        let got = data(&events);
        tls.close();
        pump(&mut tls, &mut sock, &mut events, |_| true)?;
        Ok((tls.negotiated().clone(), got))
    })();
    drop(sock);
    let _ = child.wait_bounded(Duration::from_secs(5));
    drop(child);
    let log = format!(
        "{}{}",
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5))
    );
    (result, log)
}

fn client_round_trip(test: &str, kind: KeyType) {
    if !have_openssl(test) {
        return;
    }
    let (result, log) = client_against_s_server(Some(kind));
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ns_server said:\n{log}"));
    assert_eq!(got, b"sltm olleh\n", "s_server said:\n{log}");
    assert!(n.client_signature_scheme.is_some());
    if kind == KeyType::EcdsaP521 {
        assert_eq!(
            n.client_signature_scheme,
            Some(tls13::SignatureScheme::ECDSA_SECP521R1_SHA512)
        );
    }
    // s_server verified our chain against -CAfile (depth 0 is our leaf).
    assert!(
        log.contains("Peer certificate: CN = client.example") && log.contains("Verification: OK"),
        "s_server did not report our verified certificate:\n{log}"
    );
}

#[test]
fn our_client_ecdsa_p256_cert_with_s_server() {
    client_round_trip(
        "our_client_ecdsa_p256_cert_with_s_server",
        KeyType::EcdsaP256,
    );
}

/// A P-521 client certificate from a P-521 CA (both made by certgen):
/// s_server verifies the chain and our ecdsa_secp521r1_sha512
/// CertificateVerify.
#[test]
fn our_client_ecdsa_p521_cert_with_s_server() {
    client_round_trip(
        "our_client_ecdsa_p521_cert_with_s_server",
        KeyType::EcdsaP521,
    );
}

#[test]
fn our_client_rsa2048_cert_with_s_server() {
    client_round_trip("our_client_rsa2048_cert_with_s_server", KeyType::Rsa2048);
}

#[test]
fn our_client_without_cert_is_refused_by_s_server() {
    if !have_openssl("our_client_without_cert_is_refused_by_s_server") {
        return;
    }
    let (result, log) = client_against_s_server(None);
    match result {
        Err(e) => assert_eq!(
            e,
            Error::AlertReceived(AlertDescription::CERTIFICATE_REQUIRED),
            "s_server said:\n{log}"
        ),
        Ok(_) => panic!("s_server -Verify accepted a client without certificate:\n{log}"),
    }
}

// ---------- openssl s_client against our server ----------

struct ServerOutcome {
    result: Result<(Negotiated, Vec<u8>), Error>,
    s_client_out: String,
}

fn s_client_against_our_server(client_kind: Option<KeyType>) -> (ServerOutcome, Vec<u8>) {
    let dir = TempDir::new("mtls-s");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let client = pki(
        &dir,
        "client",
        "client.example",
        client_kind.unwrap_or(KeyType::EcdsaP256),
    );
    let config = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .client_auth(ClientAuth::Required(Arc::new(
        PinnedClientCertVerifier::new(vec![client.leaf.clone()]),
    )))
    .build()
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut tls = ServerConnection::new(Arc::new(config)).unwrap();
        let mut events = Seen::default();
        let result = (|| {
            pump(&mut tls, &mut sock, &mut events, complete)?;
            let _ = hs_tx.send(());
            pump(&mut tls, &mut sock, &mut events, |ev| {
                data(ev).ends_with(b"\n")
            })?;
            let got = data(&events);
            tls.send(b"pong from tls13\n")?;
            tls.close();
            pump(&mut tls, &mut sock, &mut events, |_| true)?;
            Ok((tls.negotiated().clone(), got))
        })();
        let _ = done_tx.send(result);
    });

    let mut args = vec![
        "s_client".to_string(),
        "-tls1_3".into(),
        "-connect".into(),
        format!("127.0.0.1:{port}"),
        "-servername".into(),
        "localhost".into(),
        "-CAfile".into(),
        server.ca_pem.clone(),
        "-verify_return_error".into(),
        "-ign_eof".into(),
    ];
    if client_kind.is_some() {
        args.extend([
            "-cert".into(),
            client.leaf_pem.clone(),
            "-key".into(),
            client.key_pem.clone(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = ChildGuard::openssl(&args);
    let (out, err) = child.collect();
    let mut stdin = child.0.stdin.take().unwrap();
    if hs_rx.recv_timeout(TIMEOUT).is_ok() {
        // s_client drops input that arrives before its handshake is over;
        // it is over once our server has its Finished, but give it a moment.
        std::thread::sleep(Duration::from_millis(200));
        let _ = stdin.write_all(b"ping from s_client\n");
        let _ = stdin.flush();
    }
    let result = done_rx
        .recv_timeout(TIMEOUT + TIMEOUT)
        .expect("our server thread finished in time");
    let _ = child.wait_bounded(Duration::from_secs(5));
    drop(stdin);
    drop(child);
    let s_client_out = format!(
        "{}{}",
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5))
    );
    (
        ServerOutcome {
            result,
            s_client_out,
        },
        client.leaf,
    )
}

fn server_round_trip(test: &str, kind: KeyType) {
    if !have_openssl(test) {
        return;
    }
    let (o, leaf) = s_client_against_our_server(Some(kind));
    let log = &o.s_client_out;
    let (n, got) = o
        .result
        .unwrap_or_else(|e| panic!("{e}\ns_client said:\n{log}"));
    assert_eq!(got, b"ping from s_client\n", "s_client said:\n{log}");
    assert!(
        log.contains("pong from tls13"),
        "s_client did not print our reply:\n{log}"
    );
    // The verified client identity, as the application sees it.
    assert_eq!(n.peer_certificates, vec![leaf]);
    assert!(n.client_signature_scheme.is_some());
    if kind == KeyType::EcdsaP521 {
        assert_eq!(
            n.client_signature_scheme,
            Some(tls13::SignatureScheme::ECDSA_SECP521R1_SHA512)
        );
    }
}

#[test]
fn s_client_ecdsa_p256_cert_with_our_server() {
    server_round_trip(
        "s_client_ecdsa_p256_cert_with_our_server",
        KeyType::EcdsaP256,
    );
}

/// s_client presents a P-521 certificate from a P-521 CA; our verifier
/// checks the ecdsa-with-SHA512 chain and the P-521 CertificateVerify.
#[test]
fn s_client_ecdsa_p521_cert_with_our_server() {
    server_round_trip(
        "s_client_ecdsa_p521_cert_with_our_server",
        KeyType::EcdsaP521,
    );
}

#[test]
fn s_client_rsa2048_cert_with_our_server() {
    server_round_trip("s_client_rsa2048_cert_with_our_server", KeyType::Rsa2048);
}

#[test]
fn s_client_without_cert_is_refused_by_our_server() {
    if !have_openssl("s_client_without_cert_is_refused_by_our_server") {
        return;
    }
    let (o, _) = s_client_against_our_server(None);
    let log = &o.s_client_out;
    match o.result {
        Err(e) => {
            assert_eq!(
                e,
                PeerIncompatible::CertificateRequired.into(),
                "s_client said:\n{log}"
            );
            assert!(
                log.contains("certificate required"),
                "s_client did not report the certificate_required alert:\n{log}"
            );
        }
        Ok(_) => panic!("our server accepted a client without certificate:\n{log}"),
    }
}
