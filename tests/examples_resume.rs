//! The examples' resumption flags end to end over loopback: client
//! `--resume`, `--early-data FILE`, `--psk-identity ID --psk HEX`; server
//! `--tickets N`, `--early-data`, `--psk-identity ID --psk HEX`; the
//! `resumed:` and `early-data:` lines on both sides.
//!
//! Like `examples_cli.rs`, skips (`tests/skip`: visibly, or a failure
//! under CI) when the example binaries are not built (`cargo test` builds
//! them).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;

mod skip;

const TIMEOUT: Duration = Duration::from_secs(30);
const PSK: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

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
            skip::skip(test, "the example binaries are not built");
            None
        }
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "tls13-resume-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn file(&self, name: &str, contents: &[u8]) -> String {
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

/// (chain, key, CA) PEM paths for `localhost`.
fn identity(dir: &TempDir) -> (String, String, String) {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("resume CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[SubjectAltName::Dns("localhost".into())],
            &key,
            1_700_000_000,
            2_600_000_000,
            &rng,
        )
        .unwrap();
    (
        dir.file(
            "chain.pem",
            certgen::to_pem("CERTIFICATE", &leaf).as_bytes(),
        ),
        dir.file("key.pem", certgen::to_pem("PRIVATE KEY", &key).as_bytes()),
        dir.file(
            "ca.pem",
            certgen::to_pem("CERTIFICATE", ca.cert_der()).as_bytes(),
        ),
    )
}

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
        let mut s = Self {
            child,
            port: 0,
            log,
        };
        let line = s.next_line();
        s.port = line
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first server line {line:?}"));
        s
    }

    fn next_line(&self) -> String {
        self.log.recv_timeout(TIMEOUT).expect("a server log line")
    }

    /// Log lines up to and including the next connection's `ok:`/`error:`.
    fn connection(&self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = self.next_line();
            let end = l.contains("] ok: ") || l.contains("] error: ");
            lines.push(l);
            if end {
                return lines;
            }
        }
    }
}

struct Output {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

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

fn has_line(lines: &str, want: &str) -> bool {
    lines.lines().any(|l| l == want)
}

#[test]
fn resume_and_early_data_between_the_examples() {
    let Some((server_bin, client_bin)) = examples("resume_and_early_data_between_the_examples")
    else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key, ca) = identity(&dir);
    let server = Server::start(
        &server_bin,
        &["--cert", &chain, "--key", &key, "--early-data"],
    );
    let addr = format!("localhost:{}", server.port);

    // --resume: two connections, the second resumed.
    let out = run_client(
        &client_bin,
        &["--ca", &ca, "--resume", &addr],
        b"hello resumed\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert!(has_line(&out.stderr, "resumed: yes"), "{}", out.stderr);
    assert_eq!(out.stdout, b"hello resumed\n");
    let first = server.connection().join("\n");
    assert!(has_line(&first, "resumed: no"), "{first}");
    let second = server.connection().join("\n");
    assert!(has_line(&second, "resumed: yes"), "{second}");

    // --early-data FILE: the file goes as 0-RTT on the second connection.
    let early = dir.file("early.txt", b"0-RTT request\n");
    let out = run_client(
        &client_bin,
        &["--ca", &ca, "--early-data", &early, &addr],
        b"after\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert!(has_line(&out.stderr, "resumed: yes"), "{}", out.stderr);
    assert!(
        has_line(&out.stderr, "early-data: accepted"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, b"0-RTT request\nafter\n");
    let _ = server.connection();
    let second = server.connection().join("\n");
    assert!(has_line(&second, "early-data: accepted"), "{second}");
}

#[test]
fn early_data_rejected_by_a_server_without_it_is_sent_again() {
    let Some((server_bin, client_bin)) =
        examples("early_data_rejected_by_a_server_without_it_is_sent_again")
    else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key, ca) = identity(&dir);
    // Tickets, but no 0-RTT.
    let server = Server::start(
        &server_bin,
        &["--cert", &chain, "--key", &key, "--tickets", "1"],
    );
    let early = dir.file("early.txt", b"early\n");
    let out = run_client(
        &client_bin,
        &[
            "--ca",
            &ca,
            "--early-data",
            &early,
            &format!("localhost:{}", server.port),
        ],
        b"late\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert!(has_line(&out.stderr, "resumed: yes"), "{}", out.stderr);
    assert!(
        has_line(&out.stderr, "early-data: rejected"),
        "{}",
        out.stderr
    );
    // Nothing lost: the refused early data went again after the handshake.
    assert_eq!(out.stdout, b"early\nlate\n");
}

#[test]
fn external_psk_between_the_examples() {
    let Some((server_bin, client_bin)) = examples("external_psk_between_the_examples") else {
        return;
    };
    let dir = TempDir::new();
    let (chain, key, _ca) = identity(&dir);
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--psk-identity",
            "device-7",
            "--psk",
            PSK,
        ],
    );
    // No --ca: the PSK alone authenticates the server (the client is
    // PSK-only and would refuse a certificate).
    let out = run_client(
        &client_bin,
        &[
            "--psk-identity",
            "device-7",
            "--psk",
            PSK,
            &format!("localhost:{}", server.port),
        ],
        b"psk data\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, b"psk data\n");
    assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
    let log = server.connection().join("\n");
    assert!(has_line(&log, "resumed: yes"), "{log}");
}
