//! The tokio, HTTPS, STARTTLS and mTLS examples, run as built programs:
//! the tokio echo pair (a round trip, certificate choice by SNI, 64 MiB
//! each way checked byte for byte), the HTTPS GET client against our
//! server example and against `openssl s_server -www`, STARTTLS, mTLS.
//!
//! `cargo test` builds the examples next to the test binary
//! (`target/<profile>/examples/`); when they are missing (e.g.
//! `cargo test --test examples_more` alone on a fresh tree) each test is
//! skipped (`tests/skip`: a visible SKIPPED line, or a failure under CI).

mod openssl;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use openssl::{ChildGuard, TempDir};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;

const TIMEOUT: Duration = Duration::from_secs(60);

fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if p.exists() {
        Some(p)
    } else {
        openssl::skip(
            &openssl::current_test(),
            &format!(
                "the example `{name}` is not built (run `cargo test`, which builds the \
                 examples, or `cargo build --examples`)"
            ),
        );
        None
    }
}

/// PEM files: a CA and a leaf for `name` issued by it, with its key.
struct Identity {
    ca: String,
    cert: String,
    key: String,
}

fn identity(dir: &TempDir, tag: &str, name: &str) -> Identity {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new(
        &format!("{tag} CA"),
        &ca_key,
        1_700_000_000,
        2_600_000_000,
        &rng,
    )
    .unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns(name.into())],
            &key,
            1_700_000_000,
            2_600_000_000,
            &rng,
        )
        .unwrap();
    Identity {
        ca: dir.write(
            &format!("{tag}-ca.pem"),
            certgen::to_pem("CERTIFICATE", ca.cert_der()),
        ),
        cert: dir.write(
            &format!("{tag}-cert.pem"),
            certgen::to_pem("CERTIFICATE", &leaf) + &certgen::to_pem("CERTIFICATE", ca.cert_der()),
        ),
        key: dir.write(
            &format!("{tag}-key.pem"),
            certgen::to_pem("PRIVATE KEY", &key),
        ),
    }
}

/// A server example started with `--port 0`; killed on drop.
struct Server {
    _child: ChildGuard,
    port: u16,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(bin: &PathBuf, args: &[&str]) -> Self {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server example");
        let stderr = child.stderr.take().unwrap();
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = log.recv_timeout(TIMEOUT).expect("a first log line");
        let port = first
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first server line {first:?}"));
        Self {
            _child: ChildGuard(child),
            port,
            log,
        }
    }

    /// Log lines until one contains `needle` (bounded); all of them.
    fn wait_for(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.log.recv_timeout(Duration::from_millis(200)) {
                let done = line.contains(needle);
                seen.push(line);
                if done {
                    return seen;
                }
            }
        }
        panic!("no server log line with {needle:?}; saw {seen:#?}");
    }
}

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs a program to completion (bounded), collecting its output.
fn run(bin: &PathBuf, args: &[&str]) -> Output {
    run_env(bin, args, &[])
}

fn run_env(bin: &PathBuf, args: &[&str], env: &[(&str, &str)]) -> Output {
    let child: Child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the example");
    let mut guard = ChildGuard(child);
    let (out, err) = guard.collect();
    let status = guard
        .wait_bounded(Duration::from_secs(120))
        .unwrap_or_else(|| panic!("{bin:?} {args:?} did not finish in time"));
    Output {
        success: status.success(),
        stdout: out.get(TIMEOUT),
        stderr: err.get(TIMEOUT),
    }
}

#[test]
fn tokio_echo_round_trip() {
    let (Some(server_bin), Some(client_bin)) =
        (example("tokio_echo_server"), example("tokio_echo_client"))
    else {
        return;
    };
    let dir = TempDir::new("tokio-echo");
    let id = identity(&dir, "echo", "localhost");
    let server = Server::start(&server_bin, &["--cert", &id.cert, "--key", &id.key]);
    let port = server.port.to_string();
    let out = run(
        &client_bin,
        &[
            "--ca",
            &id.ca,
            "--port",
            &port,
            "--alpn",
            "echo/1",
            "--message",
            "hello tokio",
        ],
    );
    assert!(out.success, "client failed: {}", out.stderr);
    assert_eq!(out.stdout, "hello tokio");
    assert!(out.stderr.contains("connected: suite="), "{}", out.stderr);
    let log = server.wait_for("closed cleanly after echoing 11 bytes");
    assert!(
        log.iter()
            .any(|l| l.contains("hello: sni=localhost alpn=[\"echo/1\"]")),
        "{log:#?}"
    );
}

/// The lazy acceptor in the server example picks the `--vhost`
/// certificate for its SNI name: a client trusting only that vhost's CA
/// gets through, one trusting only the default CA does not.
#[test]
fn tokio_echo_server_chooses_certificate_by_sni() {
    let (Some(server_bin), Some(client_bin)) =
        (example("tokio_echo_server"), example("tokio_echo_client"))
    else {
        return;
    };
    let dir = TempDir::new("tokio-vhost");
    let default = identity(&dir, "default", "localhost");
    let other = identity(&dir, "other", "other.example");
    let vhost = format!("other.example,{},{}", other.cert, other.key);
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &default.cert,
            "--key",
            &default.key,
            "--vhost",
            &vhost,
        ],
    );
    let port = server.port.to_string();
    let ok = run(
        &client_bin,
        &[
            "--ca",
            &other.ca,
            "--port",
            &port,
            "--server-name",
            "other.example",
            "--message",
            "x",
        ],
    );
    assert!(ok.success, "{}", ok.stderr);
    assert_eq!(ok.stdout, "x");
    let wrong_ca = run(
        &client_bin,
        &[
            "--ca",
            &default.ca,
            "--port",
            &port,
            "--server-name",
            "other.example",
            "--message",
            "x",
        ],
    );
    assert!(
        !wrong_ca.success,
        "the default CA must not verify the vhost's chain"
    );
    assert!(wrong_ca.stderr.contains("error:"), "{}", wrong_ca.stderr);
    let default_ok = run(
        &client_bin,
        &["--ca", &default.ca, "--port", &port, "--message", "y"],
    );
    assert!(default_ok.success, "{}", default_ok.stderr);
    server.wait_for("hello: sni=other.example");
}

/// The tokio example pair carries 64 MiB each way (the client writes
/// while it reads the echo) with every byte checked by the client.
#[test]
fn tokio_echo_64_mib_each_way() {
    let (Some(server_bin), Some(client_bin)) =
        (example("tokio_echo_server"), example("tokio_echo_client"))
    else {
        return;
    };
    let dir = TempDir::new("tokio-bulk");
    let id = identity(&dir, "bulk", "localhost");
    let server = Server::start(&server_bin, &["--cert", &id.cert, "--key", &id.key]);
    let port = server.port.to_string();
    let total = (64u64 << 20).to_string();
    let out = run(
        &client_bin,
        &["--ca", &id.ca, "--port", &port, "--bytes", &total],
    );
    assert!(out.success, "client failed: {}", out.stderr);
    assert!(
        out.stdout
            .starts_with(&format!("echoed {total} bytes, all verified")),
        "{}",
        out.stdout
    );
    server.wait_for(&format!("closed cleanly after echoing {total} bytes"));
}

#[test]
fn https_get_against_our_server() {
    let (Some(server_bin), Some(get_bin)) = (example("server"), example("https_get")) else {
        return;
    };
    let dir = TempDir::new("https-ours");
    let id = identity(&dir, "web", "localhost");
    let server = Server::start(
        &server_bin,
        &[
            "--cert", &id.cert, "--key", &id.key, "--http", "--alpn", "http/1.1",
        ],
    );
    let url = format!("https://localhost:{}/hello", server.port);
    let out = run(&get_bin, &[&url, "--ca", &id.ca]);
    assert!(out.success, "https_get failed: {}", out.stderr);
    assert!(out.stdout.starts_with("HTTP/1.0 200"), "{}", out.stdout);
    assert!(out.stdout.contains("GET /hello HTTP/1.1"), "{}", out.stdout);
    // ALPN and SNI reached the server, as its page reports.
    assert!(out.stdout.contains("http/1.1"), "{}", out.stdout);
    assert!(out.stderr.contains("ALPN http/1.1"), "{}", out.stderr);
    assert!(out.stderr.contains("server CN=localhost"), "{}", out.stderr);
}

/// Without `--ca`: Mozilla's roots when built with `webpki-roots` (which
/// do not know our test CA), else `$SSL_CERT_FILE` (here our CA).
#[test]
fn https_get_default_roots() {
    let (Some(server_bin), Some(get_bin)) = (example("server"), example("https_get")) else {
        return;
    };
    let dir = TempDir::new("https-default");
    let id = identity(&dir, "web", "localhost");
    let server = Server::start(
        &server_bin,
        &["--cert", &id.cert, "--key", &id.key, "--http"],
    );
    let url = format!("https://localhost:{}/", server.port);
    let out = run_env(&get_bin, &[&url], &[("SSL_CERT_FILE", &id.ca)]);
    if cfg!(feature = "webpki-roots") {
        assert!(!out.success, "Mozilla's roots trusted a test CA");
        assert!(out.stderr.contains("trusting Mozilla's"), "{}", out.stderr);
    } else {
        assert!(out.success, "{}", out.stderr);
        assert!(
            out.stderr.contains("trusting 1 of the 1 certificates in"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.starts_with("HTTP/1.0 200"), "{}", out.stdout);
    }
}

/// The name in the URL is what gets verified, whatever address is dialled.
#[test]
fn https_get_rejects_a_wrong_name() {
    let (Some(server_bin), Some(get_bin)) = (example("server"), example("https_get")) else {
        return;
    };
    let dir = TempDir::new("https-name");
    let id = identity(&dir, "web", "localhost");
    let server = Server::start(
        &server_bin,
        &["--cert", &id.cert, "--key", &id.key, "--http"],
    );
    let connect = format!("127.0.0.1:{}", server.port);
    let out = run(
        &get_bin,
        &[
            "https://wrong.example/",
            "--ca",
            &id.ca,
            "--connect",
            &connect,
        ],
    );
    assert!(!out.success);
    assert!(out.stderr.contains("wrong.example"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn https_get_against_openssl_s_server_www() {
    let Some(get_bin) = example("https_get") else {
        return;
    };
    if !openssl::have_openssl("https_get_against_openssl_s_server_www") {
        return;
    }
    let dir = TempDir::new("https-openssl");
    let id = identity(&dir, "web", "localhost");
    let port = openssl::free_port();
    let mut s_server = ChildGuard::openssl(&[
        "s_server",
        "-www",
        "-tls1_3",
        "-alpn",
        "http/1.1",
        "-accept",
        &port.to_string(),
        "-cert",
        &id.cert,
        "-key",
        &id.key,
    ]);
    let (_out, _err) = s_server.collect();
    drop(openssl::connect_retry(port));
    let url = format!("https://localhost:{port}/");
    let out = run(&get_bin, &[&url, "--ca", &id.ca]);
    assert!(out.success, "https_get failed: {}", out.stderr);
    assert!(out.stdout.starts_with("HTTP/1.0 200 ok"), "{}", out.stdout);
    // s_server -www reports the session it negotiated.
    assert!(out.stdout.contains("TLSv1.3"), "{}", out.stdout);
    assert!(out.stderr.contains("ALPN http/1.1"), "{}", out.stderr);
}

#[test]
fn starttls_upgrades_the_plaintext_connection() {
    let Some(bin) = example("starttls") else {
        return;
    };
    let out = run(&bin, &[]);
    assert!(
        out.success,
        "starttls failed: {}\n{}",
        out.stderr, out.stdout
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in {lines:#?}"))
    };
    // Plaintext first, then TLS on the same connection, then the session.
    let greeting = pos("S: 220 mail.example ESMTP");
    let starttls = pos("C: STARTTLS");
    let ready = pos("S: 220 2.0.0 Ready to start TLS");
    let established = pos("-- client: TLS established, mail.example verified");
    let quit = pos("C: QUIT");
    let bye = pos("S: 221 2.0.0 Bye");
    assert!(greeting < starttls && starttls < ready && ready < established);
    assert!(established < quit && quit < bye);
    pos("-- server: TLS established");
    pos("-- client: closed cleanly");
    pos("-- server: closed cleanly");
}

#[test]
fn mtls_services_print_the_verified_peer() {
    let Some(bin) = example("mtls") else {
        return;
    };
    let dir = TempDir::new("mtls");
    let d = dir.0.to_str().unwrap().to_string();
    let out = run(&bin, &["--dir", &d]);
    assert!(out.success, "mtls failed: {}\n{}", out.stderr, out.stdout);
    let s = &out.stdout;
    assert!(
        s.contains("orders: verified client CN=billing.internal"),
        "{s}"
    );
    assert!(
        s.contains("billing: verified server CN=orders.internal"),
        "{s}"
    );
    assert!(
        s.contains("billing: got \"orders: invoice #42 for CN=billing.internal\""),
        "{s}"
    );
    assert!(
        s.contains("billing: greeted with hello CN=billing.internal"),
        "{s}"
    );
    assert!(
        s.contains("billing (no certificate): refused as expected")
            && s.contains("CERTIFICATE_REQUIRED"),
        "{s}"
    );
    assert!(s.contains("orders: refused a client"), "{s}");
    // The PEM files the services loaded are where they were said to be.
    for f in [
        "ca.pem",
        "orders.pem",
        "orders-key.pem",
        "billing.pem",
        "billing-key.pem",
    ] {
        assert!(dir.0.join(f).exists(), "{f}");
    }
}
