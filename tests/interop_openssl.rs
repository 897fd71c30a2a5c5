//! Interoperability with OpenSSL on loopback: our client against
//! `openssl s_server -tls1_3`, `openssl s_client -tls1_3` against our
//! server, each case a data round trip: suites × groups, HelloRetryRequest,
//! server key types, ALPN, KeyUpdate mid-stream, record_size_limit (which
//! OpenSSL 3.0 does not implement: our offer must be ignored cleanly) and
//! 64 MiB each way. Client authentication is in `interop_mtls.rs`.
//!
//! The `openssl` binary is found on `PATH` (or at `$OPENSSL`). When it is
//! missing every test is skipped (`tests/skip`: a visible SKIPPED line; a
//! failure under CI, and `.ci/run` installs it). Certificates are made with the openssl
//! CLI in a temporary directory per test. Every child process is killed
//! when its test ends (also on failure), and every wait is bounded.

mod openssl;
mod providers;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use openssl::{
    ChildGuard, Collector, Seen, TIMEOUT, TempDir, Watcher, check_pattern_file, complete,
    connect_retry, duplex_transfer, free_port, have_openssl, openssl_bin, pattern_fill, pump,
    run_openssl,
};

use providers::providers;
use tls13::crypto::CryptoProvider;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::stream::{ClientStream, ServerStream};
use tls13::unstable::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use tls13::{ClientConfig, ClientConnection, PinnedCertVerifier, ServerConfig, ServerConnection};

#[derive(Clone, Copy, Debug)]
enum KeyKind {
    P256,
    Rsa2048,
    Ed25519,
    P521,
}

struct ServerCert {
    cert: PathBuf,
    /// The key in the form openssl wrote it (PKCS#8).
    key_pkcs8: PathBuf,
    /// The key as our server loads it: SEC1 for P-256, PKCS#1 for RSA,
    /// PKCS#8 for Ed25519 and P-521 — so each PEM form is exercised.
    key_ours: PathBuf,
}

/// A self-signed leaf for `localhost` made by the openssl CLI.
fn make_cert(dir: &TempDir, kind: KeyKind) -> ServerCert {
    let tag = format!("{kind:?}").to_lowercase();
    let cert = dir.path(&format!("{tag}-cert.pem"));
    let key = dir.path(&format!("{tag}-key.pem"));
    let newkey: &[&str] = match kind {
        KeyKind::P256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        KeyKind::Rsa2048 => &["-newkey", "rsa:2048"],
        KeyKind::Ed25519 => &["-newkey", "ed25519"],
        KeyKind::P521 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"],
    };
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(newkey);
    let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
    args.extend_from_slice(&[
        "-nodes",
        "-keyout",
        k,
        "-out",
        c,
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
    ]);
    run_openssl(&args);
    let key_ours = match kind {
        KeyKind::P256 => {
            let p = dir.path("p256-sec1.pem");
            run_openssl(&["ec", "-in", k, "-out", p.to_str().unwrap()]);
            p
        }
        KeyKind::Rsa2048 => {
            let p = dir.path("rsa-pkcs1.pem");
            run_openssl(&["rsa", "-in", k, "-traditional", "-out", p.to_str().unwrap()]);
            p
        }
        KeyKind::Ed25519 | KeyKind::P521 => key.clone(),
    };
    ServerCert {
        cert,
        key_pkcs8: key,
        key_ours,
    }
}

fn read_chain(path: &Path) -> Vec<Vec<u8>> {
    let chain = pem::certificates(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(!chain.is_empty(), "no certificate in {}", path.display());
    chain
}

fn suite_arg(s: CipherSuite) -> &'static str {
    s.name().unwrap()
}

fn group_arg(g: NamedGroup) -> &'static str {
    match g {
        NamedGroup::X25519 => "X25519",
        NamedGroup::SECP256R1 => "P-256",
        NamedGroup::SECP384R1 => "P-384",
        NamedGroup::SECP521R1 => "P-521",
        _ => unreachable!("openssl 3.0 has no {g:?}"),
    }
}

// ---------- our client against openssl s_server ----------

#[derive(Clone, Copy)]
struct ClientCase<'a> {
    suite: CipherSuite,
    /// What our client offers, in order; a key share goes to the first.
    client_groups: &'a [NamedGroup],
    /// `-groups` of s_server.
    server_groups: &'a [NamedGroup],
    key: KeyKind,
    expect_group: NamedGroup,
    expect_hrr: bool,
}

/// The case once per crypto provider.
fn client_against_s_server(test: &str, case: ClientCase<'_>) {
    if !have_openssl(test) {
        return;
    }
    for p in providers() {
        println!("{test}: provider {}", p.name);
        client_against_s_server_with(p, case);
    }
}

fn client_against_s_server_with(provider: &'static CryptoProvider, case: ClientCase<'_>) {
    let dir = TempDir::new("interop");
    let sc = make_cert(&dir, case.key);
    let port = free_port();
    let groups = case
        .server_groups
        .iter()
        .map(|g| group_arg(*g))
        .collect::<Vec<_>>()
        .join(":");
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args(["s_server", "-tls1_3", "-rev", "-naccept", "1"])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args([
                "-cert",
                sc.cert.to_str().unwrap(),
                "-key",
                sc.key_pkcs8.to_str().unwrap(),
            ])
            .args(["-ciphersuites", suite_arg(case.suite), "-groups", &groups])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    let out = Collector::new(child.0.stdout.take().unwrap());
    let err = Collector::new(child.0.stderr.take().unwrap());

    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let leaf = read_chain(&sc.cert).remove(0);
        let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
            .provider(provider)
            .suites(&[case.suite])
            .groups(case.client_groups)
            .build()
            .unwrap();
        let sock = connect_retry(port);
        sock.set_read_timeout(Some(TIMEOUT)).unwrap();
        sock.set_write_timeout(Some(TIMEOUT)).unwrap();
        let conn = ClientConnection::new(Arc::new(config), "localhost").unwrap();
        let mut tls = ClientStream::new(conn, sock);
        tls.handshake().expect("handshake with s_server");
        tls.write_all(b"hello interop\n").unwrap();
        tls.flush().unwrap();
        // -rev answers each line reversed: a full round trip.
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !got.ends_with(b"\n") {
            let n = tls.read(&mut buf).expect("read the reply");
            assert!(n > 0, "s_server closed before replying");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(String::from_utf8_lossy(&got).trim_end(), "poretni olleh");
        let n = tls.conn().negotiated().clone();
        tls.close().unwrap();
        n
    }));
    let status = child.wait_bounded(Duration::from_secs(5));
    let n = match result {
        Ok(n) => n,
        Err(p) => {
            eprintln!("s_server stdout:\n{}", out.get(Duration::from_secs(2)));
            eprintln!("s_server stderr:\n{}", err.get(Duration::from_secs(2)));
            std::panic::resume_unwind(p);
        }
    };
    // s_server prints the connection's parameters on stderr.
    let server_out = format!(
        "{}{}",
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5))
    );
    assert_eq!(n.version, Some(ProtocolVersion::TLS1_3));
    assert_eq!(n.suite, Some(case.suite));
    assert_eq!(n.group, Some(case.expect_group));
    assert_eq!(
        n.hello_retry, case.expect_hrr,
        "HelloRetryRequest expectation"
    );
    assert!(
        server_out.contains(&format!("Ciphersuite: {}", suite_arg(case.suite))),
        "s_server reports another suite:\n{server_out}"
    );
    // s_server ends after the one connection once our close_notify arrived.
    assert!(
        status.is_some(),
        "s_server did not exit after the connection"
    );
}

macro_rules! client_cases {
    ($($name:ident: $suite:ident, $group:ident;)*) => {$(
        #[test]
        fn $name() {
            client_against_s_server(stringify!($name), ClientCase {
                suite: CipherSuite::$suite,
                client_groups: &[NamedGroup::$group],
                server_groups: &[NamedGroup::$group],
                key: KeyKind::P256,
                expect_group: NamedGroup::$group,
                expect_hrr: false,
            });
        }
    )*};
}

client_cases! {
    client_aes128_x25519: TLS_AES_128_GCM_SHA256, X25519;
    client_aes128_p256: TLS_AES_128_GCM_SHA256, SECP256R1;
    client_aes128_p384: TLS_AES_128_GCM_SHA256, SECP384R1;
    client_aes256_x25519: TLS_AES_256_GCM_SHA384, X25519;
    client_aes256_p256: TLS_AES_256_GCM_SHA384, SECP256R1;
    client_aes256_p384: TLS_AES_256_GCM_SHA384, SECP384R1;
    client_chacha_x25519: TLS_CHACHA20_POLY1305_SHA256, X25519;
    client_chacha_p256: TLS_CHACHA20_POLY1305_SHA256, SECP256R1;
    client_chacha_p384: TLS_CHACHA20_POLY1305_SHA256, SECP384R1;
    // Off by default on both sides: named in our config and in s_server's
    // -ciphersuites.
    client_ccm_x25519: TLS_AES_128_CCM_SHA256, X25519;
    client_ccm8_p256: TLS_AES_128_CCM_8_SHA256, SECP256R1;
    client_aes256_p521: TLS_AES_256_GCM_SHA384, SECP521R1;
}

/// Our client sends a share for x25519 only; s_server accepts only
/// secp384r1, so it must ask again (RFC 9846 §4.2.4).
#[test]
fn client_hello_retry_request() {
    client_against_s_server(
        "client_hello_retry_request",
        ClientCase {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            client_groups: &[NamedGroup::X25519, NamedGroup::SECP384R1],
            server_groups: &[NamedGroup::SECP384R1],
            key: KeyKind::P256,
            expect_group: NamedGroup::SECP384R1,
            expect_hrr: true,
        },
    );
}

#[test]
fn client_verifies_rsa2048_server() {
    client_against_s_server(
        "client_verifies_rsa2048_server",
        ClientCase {
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            client_groups: &[NamedGroup::X25519],
            server_groups: &[NamedGroup::X25519],
            key: KeyKind::Rsa2048,
            expect_group: NamedGroup::X25519,
            expect_hrr: false,
        },
    );
}

#[test]
fn client_verifies_ed25519_server() {
    client_against_s_server(
        "client_verifies_ed25519_server",
        ClientCase {
            suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            client_groups: &[NamedGroup::SECP256R1],
            server_groups: &[NamedGroup::SECP256R1],
            key: KeyKind::Ed25519,
            expect_group: NamedGroup::SECP256R1,
            expect_hrr: false,
        },
    );
}

// ---------- openssl s_client against our server ----------

#[derive(Clone, Copy)]
struct ServerCase<'a> {
    suite: CipherSuite,
    /// `-groups` of s_client: it sends a key share for the first only.
    client_groups: &'a [NamedGroup],
    /// What our server accepts.
    server_groups: &'a [NamedGroup],
    key: KeyKind,
    expect_group: NamedGroup,
    expect_hrr: bool,
}

const PING: &[u8] = b"ping from openssl s_client\n";

/// The case once per crypto provider.
fn s_client_against_server(test: &str, case: ServerCase<'_>) {
    if !have_openssl(test) {
        return;
    }
    for p in providers() {
        println!("{test}: provider {}", p.name);
        s_client_against_server_with(p, case);
    }
}

fn s_client_against_server_with(provider: &'static CryptoProvider, case: ServerCase<'_>) {
    let dir = TempDir::new("interop");
    let sc = make_cert(&dir, case.key);
    let chain = read_chain(&sc.cert);
    let key = provider
        .load_private_key_pem(&std::fs::read_to_string(&sc.key_ours).unwrap())
        .expect("load the server key");
    let config = ServerConfig::builder_with_single_cert(chain, key)
        .provider(provider)
        .suites(&[case.suite])
        .groups(case.server_groups)
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();

    // The server thread reports the handshake, then the whole outcome.
    let (hs_tx, hs_rx) = mpsc::channel::<()>();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<_, String> {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(TIMEOUT)).unwrap();
            sock.set_write_timeout(Some(TIMEOUT)).unwrap();
            let conn = ServerConnection::new(Arc::new(config)).map_err(|e| e.to_string())?;
            let mut tls = ServerStream::new(conn, sock);
            tls.handshake().map_err(|e| format!("handshake: {e}"))?;
            let _ = hs_tx.send(());
            let mut got = Vec::new();
            let mut buf = [0u8; 256];
            while !got.ends_with(b"\n") {
                let n = tls.read(&mut buf).map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err(format!("s_client closed after {got:?}"));
                }
                got.extend_from_slice(&buf[..n]);
            }
            // Answer with something s_client did not send, so that its
            // output proves the round trip.
            let reply = String::from_utf8_lossy(&got).to_uppercase();
            tls.write_all(reply.as_bytes())
                .map_err(|e| format!("write: {e}"))?;
            tls.close().map_err(|e| format!("close: {e}"))?;
            Ok((got, tls.conn().negotiated().clone()))
        })();
        let _ = tx.send(r);
    });

    let groups = case
        .client_groups
        .iter()
        .map(|g| group_arg(*g))
        .collect::<Vec<_>>()
        .join(":");
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args([
                "s_client",
                "-tls1_3",
                "-ign_eof",
                "-servername",
                "localhost",
            ])
            .args(["-connect", &format!("127.0.0.1:{port}")])
            .args(["-ciphersuites", suite_arg(case.suite), "-groups", &groups])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_client"),
    );
    let out = Collector::new(child.0.stdout.take().unwrap());
    let err = Collector::new(child.0.stderr.take().unwrap());
    let mut stdin = child.0.stdin.take().unwrap();

    let diagnostics = |out: &Collector, err: &Collector| {
        format!(
            "s_client stdout:\n{}\ns_client stderr:\n{}",
            out.get(Duration::from_secs(2)),
            err.get(Duration::from_secs(2))
        )
    };
    // s_client drops input that arrives before its handshake is done, so
    // write only once our server has completed the handshake.
    if hs_rx.recv_timeout(TIMEOUT).is_err() {
        let outcome = rx.recv_timeout(Duration::from_secs(2));
        let _ = child.0.kill();
        panic!(
            "handshake did not complete: {outcome:?}\n{}",
            diagnostics(&out, &err)
        );
    }
    stdin.write_all(PING).unwrap();
    stdin.flush().unwrap();
    let outcome = rx.recv_timeout(TIMEOUT);
    drop(stdin);
    let status = child.wait_bounded(Duration::from_secs(5));
    let (got, n) = match outcome {
        Ok(Ok(x)) => x,
        other => panic!("server side failed: {other:?}\n{}", diagnostics(&out, &err)),
    };
    let stdout = out.get(Duration::from_secs(5));
    assert_eq!(got, PING);
    assert!(
        stdout.contains("PING FROM OPENSSL S_CLIENT"),
        "s_client did not print our reply:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("Cipher is {}", suite_arg(case.suite))),
        "{stdout}"
    );
    assert_eq!(n.version, Some(ProtocolVersion::TLS1_3));
    assert_eq!(n.suite, Some(case.suite));
    assert_eq!(n.group, Some(case.expect_group));
    assert_eq!(
        n.hello_retry, case.expect_hrr,
        "HelloRetryRequest expectation"
    );
    assert_eq!(n.server_name.as_deref(), Some("localhost"));
    // Our close_notify ends s_client (-ign_eof keeps it alive until then).
    assert!(
        status.is_some(),
        "s_client did not exit after our close_notify"
    );
}

macro_rules! server_cases {
    ($($name:ident: $suite:ident, $group:ident;)*) => {$(
        #[test]
        fn $name() {
            s_client_against_server(stringify!($name), ServerCase {
                suite: CipherSuite::$suite,
                client_groups: &[NamedGroup::$group],
                server_groups: &[NamedGroup::$group],
                key: KeyKind::P256,
                expect_group: NamedGroup::$group,
                expect_hrr: false,
            });
        }
    )*};
}

server_cases! {
    server_aes128_x25519: TLS_AES_128_GCM_SHA256, X25519;
    server_aes128_p256: TLS_AES_128_GCM_SHA256, SECP256R1;
    server_aes128_p384: TLS_AES_128_GCM_SHA256, SECP384R1;
    server_aes256_x25519: TLS_AES_256_GCM_SHA384, X25519;
    server_aes256_p256: TLS_AES_256_GCM_SHA384, SECP256R1;
    server_aes256_p384: TLS_AES_256_GCM_SHA384, SECP384R1;
    server_chacha_x25519: TLS_CHACHA20_POLY1305_SHA256, X25519;
    server_chacha_p256: TLS_CHACHA20_POLY1305_SHA256, SECP256R1;
    server_chacha_p384: TLS_CHACHA20_POLY1305_SHA256, SECP384R1;
    server_ccm_p256: TLS_AES_128_CCM_SHA256, SECP256R1;
    server_ccm8_x25519: TLS_AES_128_CCM_8_SHA256, X25519;
    server_aes128_p521: TLS_AES_128_GCM_SHA256, SECP521R1;
}

/// s_client sends a key share for its first group (x25519) only; our
/// server accepts only secp256r1, so it must send a HelloRetryRequest.
#[test]
fn server_hello_retry_request() {
    s_client_against_server(
        "server_hello_retry_request",
        ServerCase {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            client_groups: &[NamedGroup::X25519, NamedGroup::SECP256R1],
            server_groups: &[NamedGroup::SECP256R1],
            key: KeyKind::P256,
            expect_group: NamedGroup::SECP256R1,
            expect_hrr: true,
        },
    );
}

#[test]
fn server_with_rsa2048_certificate() {
    s_client_against_server(
        "server_with_rsa2048_certificate",
        ServerCase {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            client_groups: &[NamedGroup::X25519],
            server_groups: &[NamedGroup::X25519],
            key: KeyKind::Rsa2048,
            expect_group: NamedGroup::X25519,
            expect_hrr: false,
        },
    );
}

/// A P-521 certificate (ecdsa_secp521r1_sha512 CertificateVerify) over
/// P-521 key exchange, both ways; our server loads openssl's PKCS#8 key.
#[test]
fn client_verifies_p521_server() {
    client_against_s_server(
        "client_verifies_p521_server",
        ClientCase {
            suite: CipherSuite::TLS_AES_128_CCM_SHA256,
            client_groups: &[NamedGroup::SECP521R1],
            server_groups: &[NamedGroup::SECP521R1],
            key: KeyKind::P521,
            expect_group: NamedGroup::SECP521R1,
            expect_hrr: false,
        },
    );
}

#[test]
fn server_with_p521_certificate() {
    s_client_against_server(
        "server_with_p521_certificate",
        ServerCase {
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            client_groups: &[NamedGroup::SECP521R1],
            server_groups: &[NamedGroup::SECP521R1],
            key: KeyKind::P521,
            expect_group: NamedGroup::SECP521R1,
            expect_hrr: false,
        },
    );
}

/// s_client sends a share for x25519 and lists P-521; our server accepts
/// only P-521, so it asks for it with a HelloRetryRequest.
#[test]
fn server_hello_retry_request_to_p521() {
    s_client_against_server(
        "server_hello_retry_request_to_p521",
        ServerCase {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            client_groups: &[NamedGroup::X25519, NamedGroup::SECP521R1],
            server_groups: &[NamedGroup::SECP521R1],
            key: KeyKind::P256,
            expect_group: NamedGroup::SECP521R1,
            expect_hrr: true,
        },
    );
}

#[test]
fn server_with_ed25519_certificate() {
    s_client_against_server(
        "server_with_ed25519_certificate",
        ServerCase {
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            client_groups: &[NamedGroup::X25519],
            server_groups: &[NamedGroup::X25519],
            key: KeyKind::Ed25519,
            expect_group: NamedGroup::X25519,
            expect_hrr: false,
        },
    );
}

/// The s_server side really listens only with the requested parameters;
/// this guards the harness itself: a suite mismatch must fail.
#[test]
fn client_fails_on_suite_mismatch() {
    if !have_openssl("client_fails_on_suite_mismatch") {
        return;
    }
    let dir = TempDir::new("interop");
    let sc = make_cert(&dir, KeyKind::P256);
    let port = free_port();
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args(["s_server", "-tls1_3", "-rev", "-naccept", "1"])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args([
                "-cert",
                sc.cert.to_str().unwrap(),
                "-key",
                sc.key_pkcs8.to_str().unwrap(),
            ])
            .args(["-ciphersuites", "TLS_AES_256_GCM_SHA384"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    let leaf = read_chain(&sc.cert).remove(0);
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
        .suites(&[CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
        .build()
        .unwrap();
    let sock = connect_retry(port);
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    let conn = ClientConnection::new(Arc::new(config), "localhost").unwrap();
    let mut tls = ClientStream::new(conn, sock);
    let e = tls.handshake().expect_err("no suite in common must fail");
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<tls13::Error>());
    assert!(
        matches!(inner, Some(tls13::Error::AlertReceived(_))),
        "expected the server's handshake_failure alert, got {e} ({inner:?})"
    );
    let _ = child.wait_bounded(Duration::from_secs(5));
}

// ---------- ALPN ----------

/// s_server offers only http/1.1 of the two we offer; -rev round trip.
#[test]
fn client_alpn() {
    if !have_openssl("client_alpn") {
        return;
    }
    let dir = TempDir::new("interop");
    let sc = make_cert(&dir, KeyKind::P256);
    let port = free_port();
    let mut child = s_server(&sc, port, &["-rev", "-alpn", "acme-tls/1,http/1.1"]);
    let (out, err) = child.collect();
    let leaf = read_chain(&sc.cert).remove(0);
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
        .alpn_protocols(&[b"h2", b"http/1.1"])
        .build()
        .unwrap();
    let mut tls = client_stream(config, port);
    tls.handshake().expect("handshake with s_server");
    tls.write_all(b"alpn\n").unwrap();
    tls.flush().unwrap();
    let mut got = [0u8; 5];
    tls.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"npla\n");
    assert_eq!(
        tls.conn().negotiated().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    tls.close().unwrap();
    let _ = child.wait_bounded(Duration::from_secs(5));
    let log = format!(
        "{}{}",
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5))
    );
    assert!(
        log.contains("ALPN protocols advertised by the client: h2, http/1.1"),
        "s_server did not see our ALPN offer:\n{log}"
    );
}

/// s_client offers h2 and http/1.1; our server speaks only http/1.1.
#[test]
fn server_alpn() {
    if !have_openssl("server_alpn") {
        return;
    }
    let run = ServerRun::start(
        "server_alpn",
        |b| b.alpn_protocols(&[b"http/1.1"]),
        &["-alpn", "h2,http/1.1"],
        ServerScript::default(),
    );
    let (n, stdout, _) = run.finish(b"alpn please\n");
    assert_eq!(n.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert!(
        stdout.contains("ALPN protocol: http/1.1"),
        "s_client did not report the protocol:\n{stdout}"
    );
}

// ---------- record_size_limit (RFC 8449): OpenSSL 3.0 does not implement it ----------

/// Our client offers record_size_limit 1024; s_server does not know the
/// extension and ignores it, so no limit applies either way: a 15000-byte
/// line comes back reversed in one full-size record, which we accept.
#[test]
fn client_record_size_limit_is_ignored_by_openssl() {
    if !have_openssl("client_record_size_limit_is_ignored_by_openssl") {
        return;
    }
    let dir = TempDir::new("interop");
    let sc = make_cert(&dir, KeyKind::P256);
    let port = free_port();
    let _child = s_server(&sc, port, &["-rev"]);
    let leaf = read_chain(&sc.cert).remove(0);
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
        .record_size_limit(Some(1024))
        .build()
        .unwrap();
    let mut tls = client_stream(config, port);
    tls.handshake().expect("handshake with s_server");
    assert_eq!(tls.conn().negotiated().peer_record_size_limit, None);
    let mut line: Vec<u8> = (0..15_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    tls.write_all(&line).unwrap();
    tls.write_all(b"\n").unwrap();
    tls.flush().unwrap();
    let mut got = vec![0u8; line.len() + 1];
    tls.read_exact(&mut got).unwrap();
    line.reverse();
    line.push(b'\n');
    assert!(got == line, "the reversed line differs");
    tls.close().unwrap();
}

/// Our server is configured with a limit; s_client never offers the
/// extension, so our server must not send it (OpenSSL aborts on an
/// unsolicited extension) and answers in full-size records.
#[test]
fn server_record_size_limit_not_sent_unsolicited() {
    if !have_openssl("server_record_size_limit_not_sent_unsolicited") {
        return;
    }
    let run = ServerRun::start(
        "server_record_size_limit_not_sent_unsolicited",
        |b| b.record_size_limit(Some(1024)),
        &[],
        ServerScript {
            reply_repeat: 500,
            ..ServerScript::default()
        },
    );
    let (n, stdout, _) = run.finish(b"a line to repeat\n");
    assert_eq!(n.peer_record_size_limit, None);
    assert_eq!(
        stdout.matches("A LINE TO REPEAT\n").count(),
        500,
        "{stdout}"
    );
}

// ---------- KeyUpdate mid-stream ----------

/// Our client against plain s_server (what it reads on stdin it sends;
/// `K` on a line of its own makes it send a KeyUpdate asking for ours).
/// Both sides update, with data before, between and after; s_server's
/// -msg trace shows the four KeyUpdates.
#[test]
fn client_key_update_mid_stream() {
    if !have_openssl("client_key_update_mid_stream") {
        return;
    }
    let dir = TempDir::new("interop");
    let sc = make_cert(&dir, KeyKind::P256);
    let port = free_port();
    let mut child = s_server(&sc, port, &["-msg"]);
    let mut stdin = child.0.stdin.take().unwrap();
    let out = Watcher::new(child.0.stdout.take().unwrap());
    let _err = Collector::new(child.0.stderr.take().unwrap());
    let leaf = read_chain(&sc.cert).remove(0);
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
        .build()
        .unwrap();
    let mut tls = client_stream(config, port);
    let wait = |needle: &str, count| {
        assert!(
            out.wait_for(needle, count, TIMEOUT),
            "s_server did not print {needle:?}:\n{}",
            out.text()
        );
    };
    let read_line = |tls: &mut ClientStream<std::net::TcpStream>| {
        let mut got = Vec::new();
        let mut b = [0u8; 1];
        while !got.ends_with(b"\n") {
            tls.read_exact(&mut b).expect("read from s_server");
            got.push(b[0]);
        }
        String::from_utf8(got).unwrap()
    };
    tls.handshake().expect("handshake with s_server");
    tls.write_all(b"client line one\n").unwrap();
    tls.flush().unwrap();
    wait("client line one\n", 1);

    // s_server updates and asks for ours; its data after it is readable
    // only under its next key, and ours after our answer only under ours.
    // (A command is a read of its own: wait for it to be carried out
    // before the next line.)
    stdin.write_all(b"K\n").unwrap();
    stdin.flush().unwrap();
    wait(">>> TLS 1.3, Handshake [length 0005], KeyUpdate", 1);
    stdin.write_all(b"from server after its update\n").unwrap();
    stdin.flush().unwrap();
    assert_eq!(read_line(&mut tls), "from server after its update\n");
    tls.write_all(b"client line two\n").unwrap();
    tls.flush().unwrap();
    wait("client line two\n", 1);

    // We update and ask for s_server's.
    tls.conn_mut().update_keys(true).unwrap();
    tls.write_all(b"client line three\n").unwrap();
    tls.flush().unwrap();
    wait("client line three\n", 1);
    stdin.write_all(b"from server after ours\n").unwrap();
    stdin.flush().unwrap();
    assert_eq!(read_line(&mut tls), "from server after ours\n");
    tls.close().unwrap();
    drop(stdin);
    let _ = child.wait_bounded(Duration::from_secs(5));
    let log = out.wait_end(Duration::from_secs(5));
    assert_eq!(
        (
            log.matches(">>> TLS 1.3, Handshake [length 0005], KeyUpdate")
                .count(),
            log.matches("<<< TLS 1.3, Handshake [length 0005], KeyUpdate")
                .count()
        ),
        (2, 2),
        "s_server's trace does not show two KeyUpdates each way:\n{log}"
    );
}

/// s_client (`K` on its stdin) updates and asks for ours; later our server
/// updates and asks for s_client's. Data crosses between each step and its
/// -msg trace shows the four KeyUpdates.
#[test]
fn server_key_update_mid_stream() {
    if !have_openssl("server_key_update_mid_stream") {
        return;
    }
    let run = ServerRun::start(
        "server_key_update_mid_stream",
        |b| b,
        &["-msg"],
        ServerScript {
            lines: 3,
            // After the line that follows s_client's update.
            update_after_line: Some(2),
            ..ServerScript::default()
        },
    );
    run.send(b"client line one\n");
    run.wait_stdout("CLIENT LINE ONE\n");
    run.send(b"K\n");
    // A command is a read of its own: wait until s_client took it (it
    // sends the KeyUpdate with its next record).
    assert!(
        run.err.wait_for("KEYUPDATE", 1, TIMEOUT),
        "s_client did not take the K command:\n{}\n{}",
        run.err.text(),
        run.out.text()
    );
    run.send(b"client line two\n");
    run.wait_stdout("CLIENT LINE TWO\n");
    let (_, stdout, _) = run.finish(b"client line three\n");
    // Read under our next key, after s_client answered our request.
    assert!(stdout.contains("CLIENT LINE THREE\n"), "{stdout}");
    assert_eq!(
        (
            stdout
                .matches(">>> TLS 1.3, Handshake [length 0005], KeyUpdate")
                .count(),
            stdout
                .matches("<<< TLS 1.3, Handshake [length 0005], KeyUpdate")
                .count()
        ),
        (2, 2),
        "s_client's trace does not show two KeyUpdates each way:\n{stdout}"
    );
}

// ---------- 64 MiB each way ----------

const BIG: usize = 64 << 20;

/// Our client sends 64 MiB to `s_server -quiet` (which writes it to a
/// file) while s_server sends 64 MiB from its stdin to us; both checked
/// byte for byte.
#[test]
fn client_64_mib_each_way() {
    if !have_openssl("client_64_mib_each_way") {
        return;
    }
    let dir = TempDir::new("interop-big");
    let sc = make_cert(&dir, KeyKind::P256);
    let output = dir.path("from-client.bin");
    let port = free_port();
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args(["s_server", "-tls1_3", "-quiet", "-naccept", "1"])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args([
                "-cert",
                sc.cert.to_str().unwrap(),
                "-key",
                sc.key_pkcs8.to_str().unwrap(),
            ])
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&output).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    let err = Collector::new(child.0.stderr.take().unwrap());
    let leaf = read_chain(&sc.cert).remove(0);
    let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
        .build()
        .unwrap();
    let mut conn = ClientConnection::new(Arc::new(config), "localhost").unwrap();
    let mut sock = connect_retry(port);
    let start = std::time::Instant::now();
    let mut events = Seen::default();
    pump(&mut conn, &mut sock, &mut events, complete).expect("handshake");
    // s_server ends the connection at the end of its input: keep the pipe
    // open until it has exited.
    let hold = feed_stdin(child.0.stdin.take().unwrap());
    let r = duplex_transfer(&mut conn, &mut sock, BIG, Duration::from_secs(120));
    let elapsed = start.elapsed();
    if let Err(e) = r {
        drop(child);
        panic!("{e}\ns_server stderr:\n{}", err.get(Duration::from_secs(2)));
    }
    conn.close();
    let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
    let status = child.wait_bounded(Duration::from_secs(10));
    drop(hold);
    assert!(status.is_some(), "s_server did not exit after our close");
    check_pattern_file(&output, BIG).expect("what s_server received");
    eprintln!("64 MiB each way with s_server took {elapsed:.2?}");
}

/// Writes the 64 MiB test stream to a child's stdin in a thread, then keeps
/// the pipe open until the returned sender is dropped.
fn feed_stdin(mut stdin: std::process::ChildStdin) -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut chunk = vec![0u8; 1 << 20];
        let mut off = 0;
        while off < BIG {
            pattern_fill(off, &mut chunk);
            if stdin.write_all(&chunk).is_err() {
                return;
            }
            off += chunk.len();
        }
        let _ = stdin.flush();
        let _ = rx.recv_timeout(Duration::from_secs(150));
    });
    tx
}

/// `s_client -quiet` sends 64 MiB from its stdin to our server and writes
/// what it receives, 64 MiB from us, to a file; both checked byte for
/// byte.
#[test]
fn server_64_mib_each_way() {
    if !have_openssl("server_64_mib_each_way") {
        return;
    }
    let dir = TempDir::new("interop-big");
    let sc = make_cert(&dir, KeyKind::P256);
    let output = dir.path("from-server.bin");
    let config = server_config(&sc, |b| b);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<Duration, String> {
            let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
            let mut conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
            let start = std::time::Instant::now();
            let mut events = Seen::default();
            pump(&mut conn, &mut sock, &mut events, complete)
                .map_err(|e| format!("handshake: {e}"))?;
            let _ = hs_tx.send(());
            duplex_transfer(&mut conn, &mut sock, BIG, Duration::from_secs(120))?;
            let elapsed = start.elapsed();
            conn.close();
            let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
            Ok(elapsed)
        })();
        let _ = tx.send(r);
    });
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args(["s_client", "-tls1_3", "-quiet", "-servername", "localhost"])
            .args(["-connect", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&output).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_client"),
    );
    let err = Collector::new(child.0.stderr.take().unwrap());
    // s_client discards what it reads from stdin during its handshake.
    let hold = hs_rx
        .recv_timeout(TIMEOUT)
        .ok()
        .map(|()| feed_stdin(child.0.stdin.take().unwrap()));
    let outcome = rx.recv_timeout(Duration::from_secs(150));
    let status = child.wait_bounded(Duration::from_secs(10));
    drop(hold);
    let elapsed = match outcome {
        Ok(Ok(e)) => e,
        other => panic!(
            "server side failed: {other:?}\ns_client stderr:\n{}",
            err.get(Duration::from_secs(2))
        ),
    };
    assert!(status.is_some(), "s_client did not exit after our close");
    check_pattern_file(&output, BIG).expect("what s_client received");
    eprintln!("64 MiB each way with s_client took {elapsed:.2?}");
}

// ---------- helpers for the cases above ----------

/// `openssl s_server -tls1_3 -naccept 1` on `port` with `sc`, plus `extra`.
fn s_server(sc: &ServerCert, port: u16, extra: &[&str]) -> ChildGuard {
    let accept = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_server",
        "-tls1_3",
        "-naccept",
        "1",
        "-accept",
        &accept,
        "-cert",
        sc.cert.to_str().unwrap(),
        "-key",
        sc.key_pkcs8.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ChildGuard::openssl(&args)
}

fn client_stream(config: ClientConfig, port: u16) -> ClientStream<std::net::TcpStream> {
    let sock = connect_retry(port);
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let conn = ClientConnection::new(Arc::new(config), "localhost").unwrap();
    ClientStream::new(conn, sock)
}

fn server_config(
    sc: &ServerCert,
    edit: impl FnOnce(tls13::config::ServerConfigBuilder) -> tls13::config::ServerConfigBuilder,
) -> Arc<ServerConfig> {
    let key = SigningKey::from_pem(&std::fs::read_to_string(&sc.key_ours).unwrap()).unwrap();
    Arc::new(
        edit(ServerConfig::builder_with_single_cert(
            read_chain(&sc.cert),
            key,
        ))
        .build()
        .unwrap(),
    )
}

/// What our server does with the lines s_client sends: answer each with
/// its upper case (`reply_repeat` times), optionally update its keys
/// (asking for s_client's) before answering line `update_after_line`, and
/// close after `lines` lines.
struct ServerScript {
    lines: usize,
    reply_repeat: usize,
    update_after_line: Option<usize>,
}

impl Default for ServerScript {
    fn default() -> Self {
        Self {
            lines: 1,
            reply_repeat: 1,
            update_after_line: None,
        }
    }
}

/// `openssl s_client -tls1_3` (interactive: no -ign_eof, so that `K` on
/// its stdin works) against our server running a [`ServerScript`].
struct ServerRun {
    child: ChildGuard,
    stdin: std::process::ChildStdin,
    out: Watcher,
    err: Watcher,
    hs: mpsc::Receiver<()>,
    rx: mpsc::Receiver<Result<tls13::Negotiated, String>>,
}

impl ServerRun {
    fn start(
        test: &str,
        edit: impl FnOnce(tls13::config::ServerConfigBuilder) -> tls13::config::ServerConfigBuilder,
        s_client_args: &[&str],
        script: ServerScript,
    ) -> Self {
        let dir = TempDir::new("interop");
        let sc = make_cert(&dir, KeyKind::P256);
        let config = server_config(&sc, edit);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (hs_tx, hs) = mpsc::channel();
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
                let mut line = Vec::new();
                let mut b = [0u8; 1];
                for n in 1..=script.lines {
                    line.clear();
                    while !line.ends_with(b"\n") {
                        tls.read_exact(&mut b)
                            .map_err(|e| format!("read line {n}: {e}"))?;
                        line.push(b[0]);
                    }
                    if script.update_after_line == Some(n) {
                        tls.conn_mut()
                            .update_keys(true)
                            .map_err(|e| format!("update_keys: {e}"))?;
                    }
                    let reply = line.to_ascii_uppercase().repeat(script.reply_repeat);
                    tls.write_all(&reply).map_err(|e| format!("write: {e}"))?;
                    tls.flush().map_err(|e| format!("flush: {e}"))?;
                }
                tls.close().map_err(|e| format!("close: {e}"))?;
                Ok(tls.conn().negotiated().clone())
            })();
            let _ = tx.send(r);
        });
        let connect = format!("127.0.0.1:{port}");
        let mut args = vec![
            "s_client",
            "-tls1_3",
            "-servername",
            "localhost",
            "-connect",
            &connect,
        ];
        args.extend_from_slice(s_client_args);
        let mut child = ChildGuard::openssl(&args);
        let stdin = child.0.stdin.take().unwrap();
        let out = Watcher::new(child.0.stdout.take().unwrap());
        let err = Watcher::new(child.0.stderr.take().unwrap());
        let run = Self {
            child,
            stdin,
            out,
            err,
            hs,
            rx,
        };
        // s_client reads its input only after the handshake; wait for ours.
        if run.hs.recv_timeout(TIMEOUT).is_err() {
            let outcome = run.rx.recv_timeout(Duration::from_secs(2));
            panic!(
                "{test}: the handshake did not complete: {outcome:?}\n{}",
                run.out.text()
            );
        }
        run
    }

    fn send(&self, line: &[u8]) {
        (&self.stdin).write_all(line).unwrap();
        (&self.stdin).flush().unwrap();
    }

    fn wait_stdout(&self, needle: &str) {
        assert!(
            self.out.wait_for(needle, 1, TIMEOUT),
            "s_client did not print {needle:?}:\n{}",
            self.out.text()
        );
    }

    /// Sends the last line, waits for our server's outcome and s_client's
    /// exit after our close_notify; returns our view, s_client's stdout and
    /// stderr.
    fn finish(mut self, last: &[u8]) -> (tls13::Negotiated, String, String) {
        self.send(last);
        let outcome = self.rx.recv_timeout(TIMEOUT);
        let status = self.child.wait_bounded(Duration::from_secs(10));
        drop(self.stdin);
        let stdout = self.out.wait_end(Duration::from_secs(5));
        let stderr = self.err.wait_end(Duration::from_secs(5));
        let n = match outcome {
            Ok(Ok(n)) => n,
            other => panic!("server side failed: {other:?}\ns_client:\n{stdout}\n{stderr}"),
        };
        assert!(
            status.is_some(),
            "s_client did not exit after our close_notify"
        );
        (n, stdout, stderr)
    }
}
