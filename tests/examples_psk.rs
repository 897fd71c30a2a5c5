//! External PSKs without certificates through the example programs
//! (issue 12, item 2): the `psk` example (devices and a gateway), and the
//! `server` example in PSK-only mode with the `client` example.
//!
//! As in tests/examples_cli.rs, the example binaries are those `cargo test`
//! builds next to the test binary; when they are missing each test prints
//! a loud SKIP line and returns.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);
const PSK_A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const PSK_B: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

fn example(test: &str, name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "\n*** SKIP {test}: the example `{name}` is not built (run `cargo test`, \
             which builds it, or `cargo build --examples`) ***\n"
        );
        None
    }
}

struct Output {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `bin` with `input` on stdin, bounded in time.
fn run(bin: &PathBuf, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the example");
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
    let text = |rx: mpsc::Receiver<Vec<u8>>| {
        String::from_utf8_lossy(&rx.recv_timeout(TIMEOUT).unwrap_or_default()).into_owned()
    };
    Output {
        status,
        stdout: text(out),
        stderr: text(err),
    }
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

    /// Log lines up to and including the next connection's outcome.
    fn connection(&self) -> String {
        let mut lines = Vec::new();
        loop {
            let l = self.next_line();
            let end = l.contains("] ok: ") || l.contains("] error: ");
            lines.push(l);
            if end {
                return lines.join("\n");
            }
        }
    }
}

/// The `psk` example ends on its own, exit 0, each device acknowledged
/// and the stranger refused with unknown_psk_identity.
#[test]
fn psk_example_device_and_gateway() {
    let Some(bin) = example("psk_example_device_and_gateway", "psk") else {
        return;
    };
    let out = run(&bin, &[], b"");
    assert_eq!(out.status, Some(0), "{}\n{}", out.stdout, out.stderr);
    for line in [
        "gateway: thermometer-17 sent \"21.5 C\"",
        "thermometer-17: sent \"21.5 C\", gateway replied \"ack\"",
        "gateway: valve-4 sent \"open 40%\"",
        "valve-4: sent \"open 40%\", gateway replied \"ack\"",
        "stranger-1: refused as expected: the peer sent a fatal alert: UNKNOWN_PSK_IDENTITY",
        "done",
    ] {
        assert!(
            out.stdout.lines().any(|l| l == line),
            "missing {line:?} in:\n{}",
            out.stdout
        );
    }
}

/// Bug 4: `--psk-identity ID --psk HEX` without `--cert` was refused with
/// "--cert is required". Now the server is PSK-only: each known identity
/// is served (and logged), an unknown one is refused with
/// unknown_psk_identity, and so is a client without a PSK.
#[test]
fn server_example_runs_psk_only() {
    let test = "server_example_runs_psk_only";
    let (Some(server_bin), Some(client_bin)) = (example(test, "server"), example(test, "client"))
    else {
        return;
    };
    let server = Server::start(
        &server_bin,
        &[
            "--psk-identity",
            "device-7",
            "--psk",
            PSK_A,
            "--psk-identity",
            "device-8",
            "--psk",
            PSK_B,
        ],
    );
    let addr = format!("localhost:{}", server.port);
    for (id, psk) in [("device-7", PSK_A), ("device-8", PSK_B)] {
        // No --ca, no --insecure: the PSK alone authenticates the server.
        let out = run(
            &client_bin,
            &["--psk-identity", id, "--psk", psk, &addr],
            b"reading\n",
        );
        assert_eq!(out.status, Some(0), "{id}: {}", out.stderr);
        assert_eq!(out.stdout, "reading\n");
        assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
        let log = server.connection();
        assert!(log.contains(&format!("psk-identity: {id}")), "{log}");
        assert!(log.contains("] ok: "), "{log}");
    }

    // An identity the server does not know.
    let out = run(
        &client_bin,
        &["--psk-identity", "device-9", "--psk", PSK_A, &addr],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("UNKNOWN_PSK_IDENTITY"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(
        log.contains("error:") && log.contains("no PSK identity this PSK-only server knows"),
        "{log}"
    );

    // No PSK at all (a certificate client, --insecure so that it starts).
    let out = run(&client_bin, &["--insecure", &addr], b"x");
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("UNKNOWN_PSK_IDENTITY"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(log.contains("error:"), "{log}");
}

/// The client example with a PSK and no --ca is PSK-only: a server that
/// does not take its PSK, and would fall back to its certificate, is
/// refused rather than trusted; so is a wrong key for a known identity.
#[test]
fn client_example_with_a_psk_refuses_a_certificate_fallback() {
    let test = "client_example_with_a_psk_refuses_a_certificate_fallback";
    let (Some(server_bin), Some(client_bin)) = (example(test, "server"), example(test, "client"))
    else {
        return;
    };
    // A server with a certificate and another device's PSK.
    let dir = std::env::temp_dir().join(format!("tls13-psk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rng = tls13::crypto::OsRandom;
    let key = tls13::certgen::generate_key(tls13::certgen::KeyType::EcdsaP256, &rng).unwrap();
    let ca = tls13::certgen::Ca::new("psk CA", &key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let leaf_key = tls13::certgen::generate_key(tls13::certgen::KeyType::EcdsaP256, &rng).unwrap();
    let names = [tls13::certgen::SubjectAltName::Dns("localhost".into())];
    let leaf = ca
        .issue(&names, &leaf_key, 1_700_000_000, 2_600_000_000, &rng)
        .unwrap();
    let cert = dir.join("cert.pem");
    let key_file = dir.join("key.pem");
    std::fs::write(&cert, tls13::certgen::to_pem("CERTIFICATE", &leaf)).unwrap();
    std::fs::write(&key_file, tls13::certgen::to_pem("PRIVATE KEY", &leaf_key)).unwrap();
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key_file.to_str().unwrap(),
            "--psk-identity",
            "device-8",
            "--psk",
            PSK_B,
        ],
    );
    let addr = format!("localhost:{}", server.port);
    let out = run(
        &client_bin,
        &["--psk-identity", "device-7", "--psk", PSK_A, &addr],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("did not accept our PSK"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(log.contains("HANDSHAKE_FAILURE"), "{log}");

    // The right identity with the wrong key: the binder fails.
    let out = run(
        &client_bin,
        &["--psk-identity", "device-8", "--psk", PSK_A, &addr],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("DECRYPT_ERROR"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
