//! The example programs' command-line contract, end to end: the built
//! `server` and `client` examples talking over loopback.
//!
//! Cargo sets no `CARGO_BIN_EXE_*` for examples, but `cargo test` builds
//! them next to the test binary (`target/<profile>/examples/`). When they
//! are not there (e.g. `cargo test --test examples_cli` alone on a fresh
//! tree) each test prints a loud SKIP line and returns.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;

const TIMEOUT: Duration = Duration::from_secs(30);

fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    p.exists().then_some(p)
}

fn examples(test: &str) -> Option<(PathBuf, PathBuf)> {
    match (example("server"), example("client")) {
        (Some(s), Some(c)) => Some((s, c)),
        _ => {
            eprintln!(
                "\n*** SKIP {test}: the example binaries are not built (run `cargo test`, \
                 which builds them, or `cargo build --examples`) ***\n"
            );
            None
        }
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "tls13-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn file(&self, name: &str, contents: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A leaf for localhost as (cert PEM path, key PEM path) in `dir`.
fn identity(dir: &TempDir, tag: &str) -> (String, String) {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("cli test CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let names = [SubjectAltName::Dns("localhost".into())];
    let leaf = ca
        .issue(&names, &key, 1_700_000_000, 2_600_000_000, &rng)
        .unwrap();
    let chain =
        certgen::to_pem("CERTIFICATE", &leaf) + &certgen::to_pem("CERTIFICATE", ca.cert_der());
    (
        dir.file(&format!("{tag}-chain.pem"), &chain),
        dir.file(
            &format!("{tag}-key.pem"),
            &certgen::to_pem("PRIVATE KEY", &key),
        ),
    )
}

/// A running server example; killed on drop.
struct Server {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
        let (tx, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            port: 0,
            log,
        };
        let line = server.next_line();
        let port = line
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first server line {line:?}"));
        server.port = port;
        server
    }

    fn next_line(&self) -> String {
        self.log
            .recv_timeout(TIMEOUT)
            .expect("a server log line in time")
    }
}

struct Output {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs the client example with `input` on stdin, bounded in time.
fn run_client(bin: &PathBuf, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the client example");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let collect = |mut r: Box<dyn Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            let _ = tx.send(v);
        });
        rx
    };
    let out = collect(Box::new(child.stdout.take().unwrap()));
    let err = collect(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.recv_timeout(TIMEOUT).unwrap_or_default(),
        stderr: String::from_utf8_lossy(&err.recv_timeout(TIMEOUT).unwrap_or_default())
            .into_owned(),
    }
}

fn stderr_value<'a>(stderr: &'a str, key: &str) -> Option<&'a str> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
}

#[test]
fn http_server_and_client() {
    let Some((server_bin, client_bin)) = examples("http_server_and_client") else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key) = identity(&dir, "srv");
    let server = Server::start(
        &server_bin,
        &[
            "--cert", &chain, "--key", &key, "--http", "--alpn", "http/1.1",
        ],
    );
    let port = format!("localhost:{}", server.port);
    let out = run_client(
        &client_bin,
        &["--ca", &chain, "--alpn", "h2", "--alpn", "http/1.1", &port],
        b"GET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with("HTTP/1.0 200 OK\r\n"), "{page}");
    assert_eq!(stderr_value(&out.stderr, "version"), Some("TLSv1.3"));
    assert_eq!(
        stderr_value(&out.stderr, "suite"),
        Some("TLS_AES_128_GCM_SHA256")
    );
    assert_eq!(stderr_value(&out.stderr, "group"), Some("X25519MLKEM768"));
    assert_eq!(stderr_value(&out.stderr, "alpn"), Some("http/1.1"));
    let log = server.next_line();
    assert!(
        log.contains("ok:") && log.contains("GET / HTTP/1.0"),
        "{log}"
    );
}

#[test]
fn echo_with_groups_suites_and_hello_retry() {
    let Some((server_bin, client_bin)) = examples("echo_with_groups_suites_and_hello_retry") else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key) = identity(&dir, "srv");
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--echo",
            "--groups",
            "secp384r1",
        ],
    );
    let port = format!("127.0.0.1:{}", server.port);
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let out = run_client(
        &client_bin,
        &[
            "--ca",
            &chain,
            "--server-name",
            "localhost",
            "--groups",
            "x25519,secp384r1",
            "--suites",
            "TLS_AES_256_GCM_SHA384",
            &port,
        ],
        &input,
    );
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    assert_eq!(out.stdout.len(), input.len());
    assert!(out.stdout == input, "the echo differs from the input");
    assert_eq!(
        stderr_value(&out.stderr, "suite"),
        Some("TLS_AES_256_GCM_SHA384")
    );
    assert_eq!(stderr_value(&out.stderr, "group"), Some("secp384r1"));
    assert_eq!(stderr_value(&out.stderr, "alpn"), Some("none"));
    assert_eq!(stderr_value(&out.stderr, "hello_retry"), Some("yes"));
    let log = server.next_line();
    assert!(
        log.contains("echoed 100000 bytes") && log.contains("sni=localhost"),
        "{log}"
    );
}

#[test]
fn client_fails_with_an_error_on_stderr() {
    let Some((server_bin, client_bin)) = examples("client_fails_with_an_error_on_stderr") else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key) = identity(&dir, "srv");
    let (other, _) = identity(&dir, "other");
    let server = Server::start(&server_bin, &["--cert", &chain, "--key", &key]);
    let port = format!("localhost:{}", server.port);
    // Not the pinned certificate.
    let out = run_client(&client_bin, &["--ca", &other, &port], b"x");
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("error:") && out.stderr.contains("--ca"),
        "{}",
        out.stderr
    );
    let log = server.next_line();
    assert!(
        log.contains("error:") && log.contains("BAD_CERTIFICATE"),
        "{log}"
    );
    // No suite in common with the server.
    let server2 = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--suites",
            "TLS_AES_128_GCM_SHA256",
        ],
    );
    let port2 = format!("localhost:{}", server2.port);
    let out = run_client(
        &client_bin,
        &[
            "--ca",
            &chain,
            "--suites",
            "TLS_CHACHA20_POLY1305_SHA256",
            &port2,
        ],
        b"",
    );
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("HANDSHAKE_FAILURE"), "{}", out.stderr);
    // Bad usage.
    let out = run_client(&client_bin, &["--groups", "ffdhe2048", &port2], b"");
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("unknown group"), "{}", out.stderr);
}

#[test]
fn server_stays_available_while_a_client_stalls() {
    let Some((server_bin, client_bin)) = examples("server_stays_available_while_a_client_stalls")
    else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key) = identity(&dir, "srv");
    let server = Server::start(&server_bin, &["--cert", &chain, "--key", &key, "--echo"]);
    // A client that connects and sends half a record, then nothing.
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x01, 0x00, 0x01])
        .unwrap();
    let port = format!("localhost:{}", server.port);
    let started = Instant::now();
    let out = run_client(&client_bin, &["--ca", &chain, &port], b"still served\n");
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, b"still served\n");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(stalled);
}
