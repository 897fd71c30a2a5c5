//! Certificates with RSASSA-PSS keys (`id-RSASSA-PSS`, RFC 4055) against
//! OpenSSL 3.0 and GnuTLS 3.7 on loopback, both directions, each a mutual
//! TLS round trip with both of our providers: the server's certificate
//! has a PSS key restricted to SHA-256 (`rsa_pss_pss_sha256` is the only
//! scheme it may use), the client's a 3072-bit PSS key restricted to
//! SHA-512, both issued by a PSS-keyed intermediate under a PSS-keyed
//! root (`tests/rsa_pss/`, made by OpenSSL). Each side validates the
//! other's chain against the root.
//!
//! The programs are found as in the other interop tests (`$OPENSSL`,
//! `$GNUTLS_CLI`, `$GNUTLS_SERV`, else `PATH`); a missing one skips the
//! test visibly, or fails it under `CI=true` (`tests/skip`).

mod openssl;
#[path = "providers/mod.rs"]
mod providers;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use openssl::*;
use providers::providers;
use tls13::config::ClientAuth;
use tls13::crypto::CryptoProvider;
use tls13::stream::{ClientStream, ServerStream};
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{Policy, TrustAnchor};
use tls13::{
    ClientConfig, ClientConnection, Negotiated, ServerConfig, ServerConnection, SignatureScheme,
};

fn fixture_path(name: &str) -> String {
    format!("{}/tests/rsa_pss/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap()
}

/// Leaf and intermediate of `leaf`, DER.
fn chain(leaf: &str) -> Vec<Vec<u8>> {
    [leaf, "int.pem"]
        .iter()
        .map(|f| {
            tls13::crypto::pem::certificates(&fixture(f))
                .unwrap()
                .remove(0)
        })
        .collect()
}

/// Leaf and intermediate in one PEM file (GnuTLS takes the chain so).
fn chain_file(dir: &TempDir, leaf: &str) -> String {
    dir.write(
        &format!("{leaf}-chain.pem"),
        fixture(leaf) + &fixture("int.pem"),
    )
}

fn policy(p: &'static CryptoProvider) -> Policy {
    Policy {
        provider: p,
        ..Policy::default()
    }
}

fn anchors() -> Vec<TrustAnchor> {
    TrustAnchor::from_pem(&fixture("root.pem")).unwrap()
}

/// Our client: validates the server's chain against the root, presents
/// the SHA-512 PSS client certificate.
fn client_config(p: &'static CryptoProvider) -> ClientConfig {
    ClientConfig::builder(Arc::new(WebPkiServerVerifier::new(anchors(), policy(p))))
        .provider(p)
        .client_auth_cert(
            chain("client512.pem"),
            p.load_private_key_pem(&fixture("client512.key")).unwrap(),
        )
        .build()
        .unwrap()
}

/// Our server: the SHA-256 PSS certificate, a client certificate
/// required and validated against the root.
fn server_config(p: &'static CryptoProvider) -> ServerConfig {
    ServerConfig::builder_with_single_cert(
        chain("server256.pem"),
        p.load_private_key_pem(&fixture("server256.key")).unwrap(),
    )
    .provider(p)
    .client_auth(ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(
        anchors(),
        policy(p),
    ))))
    .build()
    .unwrap()
}

/// Both CertificateVerify messages used the only scheme each key allows,
/// and each side saw the other's certificate.
fn check(n: &Negotiated, server_side: bool) {
    assert_eq!(
        n.signature_scheme,
        Some(SignatureScheme::RSA_PSS_PSS_SHA256)
    );
    if server_side {
        assert_eq!(
            n.client_signature_scheme,
            Some(SignatureScheme::RSA_PSS_PSS_SHA512)
        );
        assert_eq!(n.peer_certificates.first(), chain("client512.pem").first());
    } else {
        assert_eq!(n.peer_certificates.first(), chain("server256.pem").first());
    }
}

/// Our client over `port`: sends `line`, reads one line back.
fn client_round_trip(p: &'static CryptoProvider, port: u16, line: &[u8]) -> (Vec<u8>, Negotiated) {
    let sock = connect_retry(port);
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let conn = ClientConnection::new(Arc::new(client_config(p)), "localhost").unwrap();
    let mut tls = ClientStream::new(conn, sock);
    tls.handshake().expect("handshake");
    tls.write_all(line).unwrap();
    tls.flush().unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.ends_with(b"\n") {
        let n = tls.read(&mut buf).expect("read the reply");
        assert!(n > 0, "the server closed before replying");
        got.extend_from_slice(&buf[..n]);
    }
    let n = tls.conn().negotiated().clone();
    tls.close().unwrap();
    (got, n)
}

/// Our server on a fresh port: one connection, one line answered in
/// upper case, then close_notify. The first receiver says the handshake
/// is done, the second gives (line, negotiated) or the failure.
#[allow(clippy::type_complexity)]
fn serve_once(
    p: &'static CryptoProvider,
) -> (
    u16,
    mpsc::Receiver<()>,
    mpsc::Receiver<Result<(Vec<u8>, Negotiated), String>>,
) {
    let config = Arc::new(server_config(p));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<_, String> {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(TIMEOUT)).unwrap();
            sock.set_write_timeout(Some(TIMEOUT)).unwrap();
            let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
            let mut tls = ServerStream::new(conn, sock);
            tls.handshake().map_err(|e| format!("handshake: {e}"))?;
            let _ = hs_tx.send(());
            let mut got = Vec::new();
            let mut buf = [0u8; 256];
            while !got.ends_with(b"\n") {
                let n = tls.read(&mut buf).map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err(format!("the client closed after {got:?}"));
                }
                got.extend_from_slice(&buf[..n]);
            }
            tls.write_all(&got.to_ascii_uppercase())
                .map_err(|e| format!("write: {e}"))?;
            tls.close().map_err(|e| format!("close: {e}"))?;
            Ok((got, tls.conn().negotiated().clone()))
        })();
        let _ = tx.send(r);
    });
    (port, hs_rx, rx)
}

/// Runs `peer` (spawned with piped stdio) against [`serve_once`]: writes
/// `line` to its stdin once our handshake is done; returns the peer's
/// stdout after checking our side.
fn peer_client_against_server(
    p: &'static CryptoProvider,
    spawn: impl FnOnce(u16) -> ChildGuard,
    line: &[u8],
) -> String {
    let (port, hs_rx, rx) = serve_once(p);
    let mut child = spawn(port);
    let (out, err) = child.collect();
    let mut stdin = child.0.stdin.take().unwrap();
    let diagnostics = |out: &Collector, err: &Collector| {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            out.get(Duration::from_secs(2)),
            err.get(Duration::from_secs(2))
        )
    };
    if hs_rx.recv_timeout(TIMEOUT).is_err() {
        let outcome = rx.recv_timeout(Duration::from_secs(2));
        let _ = child.0.kill();
        panic!(
            "[{}] handshake did not complete: {outcome:?}\n{}",
            p.name,
            diagnostics(&out, &err)
        );
    }
    stdin.write_all(line).unwrap();
    stdin.flush().unwrap();
    let outcome = rx.recv_timeout(TIMEOUT);
    drop(stdin);
    let status = child.wait_bounded(Duration::from_secs(5));
    let (got, n) = match outcome {
        Ok(Ok(x)) => x,
        other => panic!(
            "[{}] our server failed: {other:?}\n{}",
            p.name,
            diagnostics(&out, &err)
        ),
    };
    assert_eq!(got, line);
    check(&n, true);
    assert!(status.is_some(), "the peer did not exit after close_notify");
    out.get(Duration::from_secs(5))
}

#[test]
fn openssl_s_server_with_pss_certificates() {
    let test = "openssl_s_server_with_pss_certificates";
    if !have_openssl(test) {
        return;
    }
    for p in providers() {
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
            &fixture_path("server256.pem"),
            "-cert_chain",
            &fixture_path("int.pem"),
            "-key",
            &fixture_path("server256.key"),
            "-Verify",
            "2",
            "-verify_return_error",
            "-CAfile",
            &fixture_path("root.pem"),
        ]);
        let (out, err) = child.collect();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client_round_trip(p, port, b"hello pss\n")
        }));
        let status = child.wait_bounded(Duration::from_secs(5));
        let log = format!(
            "{}{}",
            out.get(Duration::from_secs(5)),
            err.get(Duration::from_secs(5))
        );
        let (got, n) = result.unwrap_or_else(|e| {
            eprintln!("s_server said:\n{log}");
            std::panic::resume_unwind(e)
        });
        assert_eq!(got, b"ssp olleh\n", "[{}]", p.name);
        check(&n, false);
        // s_server verified our chain and our rsa_pss_pss_sha512 signature.
        assert!(log.contains("Verification: OK"), "{log}");
        assert!(log.contains("Signature type: RSA-PSS"), "{log}");
        assert!(status.is_some(), "s_server did not exit");
    }
}

#[test]
fn openssl_s_client_with_pss_certificates() {
    let test = "openssl_s_client_with_pss_certificates";
    if !have_openssl(test) {
        return;
    }
    for p in providers() {
        let stdout = peer_client_against_server(
            p,
            |port| {
                ChildGuard::openssl(&[
                    "s_client",
                    "-tls1_3",
                    "-ign_eof",
                    "-connect",
                    &format!("127.0.0.1:{port}"),
                    "-servername",
                    "localhost",
                    "-verify_hostname",
                    "localhost",
                    "-verify_return_error",
                    "-CAfile",
                    &fixture_path("root.pem"),
                    "-cert",
                    &fixture_path("client512.pem"),
                    "-cert_chain",
                    &fixture_path("int.pem"),
                    "-key",
                    &fixture_path("client512.key"),
                ])
            },
            b"ping pss\n",
        );
        assert!(stdout.contains("PING PSS"), "{stdout}");
        // s_client verified our chain and our rsa_pss_pss_sha256 signature.
        assert!(stdout.contains("Verification: OK"), "{stdout}");
        assert!(stdout.contains("Peer signature type: RSA-PSS"), "{stdout}");
        assert!(stdout.contains("Peer signing digest: SHA256"), "{stdout}");
    }
}

fn gnutls_cli() -> String {
    program("GNUTLS_CLI", "gnutls-cli")
}

fn gnutls_serv() -> String {
    program("GNUTLS_SERV", "gnutls-serv")
}

fn have_gnutls(test: &str) -> bool {
    let how = "install gnutls-bin, or set $GNUTLS_CLI and $GNUTLS_SERV";
    have_program(test, &gnutls_cli(), "--version", how)
        && have_program(test, &gnutls_serv(), "--version", how)
}

const GNUTLS_PRIORITY: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

#[test]
fn gnutls_serv_with_pss_certificates() {
    let test = "gnutls_serv_with_pss_certificates";
    if !have_gnutls(test) {
        return;
    }
    let dir = TempDir::new("gnutls-pss");
    let server_chain = chain_file(&dir, "server256.pem");
    for p in providers() {
        let port = free_port();
        let mut child = ChildGuard::spawn(
            &gnutls_serv(),
            &[
                "--echo",
                "-p",
                &port.to_string(),
                "--x509certfile",
                &server_chain,
                "--x509keyfile",
                &fixture_path("server256.key"),
                "--require-client-cert",
                "--verify-client-cert",
                "--x509cafile",
                &fixture_path("root.pem"),
                "--priority",
                GNUTLS_PRIORITY,
            ],
        );
        let (out, err) = child.collect();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client_round_trip(p, port, b"hello pss\n")
        }));
        drop(child);
        let log = format!(
            "{}{}",
            out.get(Duration::from_secs(5)),
            err.get(Duration::from_secs(5))
        );
        let (got, n) = result.unwrap_or_else(|e| {
            eprintln!("gnutls-serv said:\n{log}");
            std::panic::resume_unwind(e)
        });
        assert_eq!(got, b"hello pss\n", "[{}]", p.name);
        check(&n, false);
        // gnutls-serv got our 3072-bit SHA-512 PSS certificate.
        assert!(log.contains("Subject: CN=client512"), "{log}");
    }
}

#[test]
fn gnutls_cli_with_pss_certificates() {
    let test = "gnutls_cli_with_pss_certificates";
    if !have_gnutls(test) {
        return;
    }
    let dir = TempDir::new("gnutls-pss");
    let client_chain = chain_file(&dir, "client512.pem");
    for p in providers() {
        let stdout = peer_client_against_server(
            p,
            |port| {
                ChildGuard::spawn(
                    &gnutls_cli(),
                    &[
                        "-p",
                        &port.to_string(),
                        "127.0.0.1",
                        "--sni-hostname",
                        "localhost",
                        "--verify-hostname",
                        "localhost",
                        "--x509cafile",
                        &fixture_path("root.pem"),
                        "--x509certfile",
                        &client_chain,
                        "--x509keyfile",
                        &fixture_path("client512.key"),
                        "--priority",
                        GNUTLS_PRIORITY,
                    ],
                )
            },
            b"ping pss\n",
        );
        assert!(stdout.contains("PING PSS"), "{stdout}");
        // gnutls-cli validated our chain against the root and agreed on
        // the PSS signature.
        assert!(
            stdout.contains("(RSA-PSS-SHA256)") || stdout.contains("RSA-PSS-SHA256"),
            "{stdout}"
        );
    }
}
