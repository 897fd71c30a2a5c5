//! Interoperability with OpenSSL on loopback: our client against
//! `openssl s_server -tls1_3`, `openssl s_client -tls1_3` against our
//! server, each case a data round trip.
//!
//! The `openssl` binary is found on `PATH` (or at `$OPENSSL`). When it is
//! missing every test prints a loud SKIP line and returns; `.ci/run`
//! installs it, so CI never skips. Certificates are made with the openssl
//! CLI in a temporary directory per test. Every child process is killed
//! when its test ends (also on failure), and every wait is bounded.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use tls13::stream::{ClientStream, ServerStream};
use tls13::{ClientConfig, ClientConnection, PinnedCertVerifier, ServerConfig, ServerConnection};

const TIMEOUT: Duration = Duration::from_secs(20);

// ---------- openssl, temporary directories, child processes ----------

fn openssl_bin() -> String {
    std::env::var("OPENSSL").unwrap_or_else(|_| "openssl".into())
}

/// Whether openssl runs; otherwise prints the SKIP line for `test`.
fn have_openssl(test: &str) -> bool {
    let ok = Command::new(openssl_bin())
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "\n*** SKIP {test}: the `openssl` binary was not found (set $OPENSSL or install \
             openssl; .ci/run does) ***\n"
        );
    }
    ok
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "tls13-interop-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        Self(p)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills and reaps the child when dropped, whatever happened.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl ChildGuard {
    /// Waits for the exit, at most `limit` (then kills the child).
    fn wait_bounded(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(s)) = self.0.try_wait() {
                return Some(s);
            }
            if Instant::now() > deadline {
                let _ = self.0.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Collects a child's pipe in a thread; `get` waits for its end, bounded.
struct Collector(mpsc::Receiver<Vec<u8>>);

impl Collector {
    fn new(mut r: impl Read + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            let _ = tx.send(v);
        });
        Self(rx)
    }
    fn get(&self, limit: Duration) -> String {
        self.0
            .recv_timeout(limit)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_else(|_| "<no output within the time limit>".into())
    }
}

fn run_openssl(args: &[&str]) {
    let out = Command::new(openssl_bin())
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Clone, Copy, Debug)]
enum KeyKind {
    P256,
    Rsa2048,
    Ed25519,
}

struct ServerCert {
    cert: PathBuf,
    /// The key in the form openssl wrote it (PKCS#8).
    key_pkcs8: PathBuf,
    /// The key as our server loads it: SEC1 for P-256, PKCS#1 for RSA,
    /// PKCS#8 for Ed25519 — so each PEM form is exercised.
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
        KeyKind::Ed25519 => key.clone(),
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects, retrying until the server listens (bounded).
fn connect_retry(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("s_server never listened: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(25)),
        }
    }
}

fn suite_arg(s: CipherSuite) -> &'static str {
    s.name().unwrap()
}

fn group_arg(g: NamedGroup) -> &'static str {
    match g {
        NamedGroup::X25519 => "X25519",
        NamedGroup::SECP256R1 => "P-256",
        NamedGroup::SECP384R1 => "P-384",
        _ => unreachable!("openssl 3.0 has no {g:?}"),
    }
}

// ---------- our client against openssl s_server ----------

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

fn client_against_s_server(test: &str, case: ClientCase<'_>) {
    if !have_openssl(test) {
        return;
    }
    let dir = TempDir::new();
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

    let result = std::panic::catch_unwind(|| {
        let leaf = read_chain(&sc.cert).remove(0);
        let config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf)))
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
    });
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
}

/// Our client sends a share for x25519 only; s_server accepts only
/// secp384r1, so it must ask again (RFC 8446 §4.1.4).
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

fn s_client_against_server(test: &str, case: ServerCase<'_>) {
    if !have_openssl(test) {
        return;
    }
    let dir = TempDir::new();
    let sc = make_cert(&dir, case.key);
    let chain = read_chain(&sc.cert);
    let key = SigningKey::from_pem(&std::fs::read_to_string(&sc.key_ours).unwrap())
        .expect("load the server key");
    let config = ServerConfig::builder_with_single_cert(chain, key)
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
    let dir = TempDir::new();
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
