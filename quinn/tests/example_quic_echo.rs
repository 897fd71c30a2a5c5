//! The `quic_echo` example run as programs, server and client, over UDP
//! on 127.0.0.1 with PEM files made here: a message echoed byte for
//! byte, and an ALPN mismatch that the client reports as QUIC error
//! 0x178.
//!
//! `cargo test -p tls13-quinn` builds the example next to the test
//! binary; when it is missing (e.g. `--test example_quic_echo` alone on
//! a fresh tree) the test is skipped visibly, or fails under CI
//! (`tests/skip` of the root crate).

#[path = "../../tests/peers/mod.rs"]
mod peers;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use peers::{ChildGuard, TempDir, current_test, skip};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;

const LIMIT: Duration = Duration::from_secs(60);

/// The built example, or `None` with the test skipped.
fn example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("quic_echo{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        return Some(path);
    }
    skip(
        &current_test(),
        "the example `quic_echo` is not built (run `cargo test -p tls13-quinn`, which builds \
         it, or `cargo build -p tls13-quinn --examples`)",
    );
    None
}

/// A CA, and a chain and key for localhost, as PEM files in `dir`:
/// (ca, chain, key).
fn pem_files(dir: &TempDir) -> (String, String, String) {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("quic_echo CA", &ca_key, 0, 4_000_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns("localhost".into())],
            &key,
            0,
            4_000_000_000,
            &rng,
        )
        .unwrap();
    let chain =
        certgen::to_pem("CERTIFICATE", &leaf) + &certgen::to_pem("CERTIFICATE", ca.cert_der());
    (
        dir.write("ca.pem", certgen::to_pem("CERTIFICATE", ca.cert_der())),
        dir.write("chain.pem", chain),
        dir.write("key.pem", certgen::to_pem("PRIVATE KEY", &key)),
    )
}

/// The server example, its address, and its log lines as they come.
struct Server {
    _child: ChildGuard,
    addr: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(bin: &PathBuf, chain: &str, key: &str, alpn: &str) -> Self {
        let mut child = ChildGuard(
            Command::new(bin)
                .args(["server", "--listen", "127.0.0.1:0", "--cert", chain])
                .args(["--key", key, "--alpn", alpn])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the server"),
        );
        let (tx, log) = mpsc::channel();
        let stderr = child.0.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = log.recv_timeout(LIMIT).expect("the server's first line");
        let addr = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        Self {
            _child: child,
            addr,
            log,
        }
    }

    /// Log lines until one contains `needle`.
    fn wait_for(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = self.log.recv_timeout(LIMIT) {
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
        panic!("no server line with {needle:?}: {seen:#?}");
    }
}

/// Runs the client to its end: (exit success, stdout, stderr).
fn client(
    bin: &PathBuf,
    addr: &str,
    ca: &str,
    alpn: &str,
    message: &str,
) -> (bool, String, String) {
    let mut child = ChildGuard(
        Command::new(bin)
            .args(["client", "--connect", addr, "--ca", ca, "--alpn", alpn])
            .args(["--message", message])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the client"),
    );
    let (out, err) = child.collect();
    let status = child.wait_bounded(LIMIT).expect("the client ends in time");
    (status.success(), out.get(LIMIT), err.get(LIMIT))
}

#[test]
fn echo_between_the_example_server_and_client() {
    let Some(bin) = example() else { return };
    let dir = TempDir::new("quic-echo");
    let (ca, chain, key) = pem_files(&dir);
    let server = Server::start(&bin, &chain, &key, "echo/1");
    let message = "hello over QUIC, no C anywhere";
    let (ok, out, err) = client(&bin, &server.addr, &ca, "echo/1", message);
    assert!(ok, "client failed: {err}");
    assert_eq!(out, message);
    assert!(err.contains("connected: alpn=Some(\"echo/1\")"), "{err}");
    let log = server.wait_for(&format!("echoed {} bytes", message.len()));
    assert!(
        log.iter()
            .any(|l| l.contains("alpn=Some(\"echo/1\") sni=Some(\"localhost\")")),
        "{log:#?}"
    );
}

#[test]
fn alpn_mismatch_fails_the_example_client() {
    let Some(bin) = example() else { return };
    let dir = TempDir::new("quic-echo-alpn");
    let (ca, chain, key) = pem_files(&dir);
    let server = Server::start(&bin, &chain, &key, "echo/1");
    let (ok, out, err) = client(&bin, &server.addr, &ca, "echo/2", "unheard");
    assert!(!ok, "the client succeeded: {out}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("connection failed"), "{err}");
    // quinn prints CRYPTO_ERROR codes by their alert number.
    assert!(err.contains("error 120"), "{err}");
    server.wait_for("error:");
}
