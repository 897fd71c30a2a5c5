//! Running the built example programs from a test (`mod
//! example_programs;`): finding them, the `server` example on a port of
//! its own with its log read line by line, any example run to its end
//! with input on stdin and a deadline, and the PEM files they load.
//! Shared by the `examples_*` tests so each need not carry its own copy.
//!
//! Cargo sets no `CARGO_BIN_EXE_*` for examples, but `cargo test` builds
//! them next to the test binary (`target/<profile>/examples/`). When they
//! are not there (e.g. `cargo test --test examples_cli` alone on a fresh
//! tree) the test is skipped (`tests/skip`: a visible SKIPPED line, or a
//! failure under CI).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::certgen::{self, KeyType};

/// Everything in `tests/peers` (temporary directories, child guards,
/// ports) and finding `openssl`.
#[path = "../openssl/mod.rs"]
pub mod openssl;
#[allow(unused_imports)] // not every test binary uses each
pub use openssl::{ChildGuard, Pki, TempDir, current_test, have_openssl, openssl_bin, pki, skip};

/// The bound on each wait: a server's log line, a program's run.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The built example `name`; else `None`, the running test skipped
/// ([`skip`]).
#[track_caller]
pub fn example(name: &str) -> Option<PathBuf> {
    let found = built(name);
    if found.is_none() {
        skip(
            &current_test(),
            &format!(
                "the example `{name}` is not built (run `cargo test`, which builds the \
                 examples, or `cargo build --examples`)"
            ),
        );
    }
    found
}

/// The `server` and `client` examples; else `None`, `test` skipped
/// ([`skip`]).
#[track_caller]
pub fn examples(test: &str) -> Option<(PathBuf, PathBuf)> {
    match (built("server"), built("client")) {
        (Some(s), Some(c)) => Some((s, c)),
        _ => {
            skip(
                test,
                "the example binaries are not built (run `cargo test`, which builds them, \
                 or `cargo build --examples`)",
            );
            None
        }
    }
}

fn built(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    p.exists().then_some(p)
}

/// A running server example, started with `--port 0` (it prints the
/// port it got as its first line); killed on drop.
pub struct Server {
    _child: ChildGuard,
    pub port: u16,
    log: mpsc::Receiver<String>,
}

impl Server {
    pub fn start(bin: &Path, args: &[&str]) -> Self {
        let mut child = ChildGuard(
            Command::new(bin)
                .args(args)
                .args(["--port", "0"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the server example"),
        );
        let (tx, log) = mpsc::channel();
        let stderr = child.0.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            _child: child,
            port: 0,
            log,
        };
        let line = server.next_line();
        server.port = line
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first server line {line:?}"));
        server
    }

    /// The next line of its log (stderr), waited for at most [`TIMEOUT`].
    pub fn next_line(&self) -> String {
        self.log
            .recv_timeout(TIMEOUT)
            .expect("a server log line in time")
    }

    /// Its log lines up to and including the next connection's outcome
    /// (`ok:` or `error:`), one per line.
    pub fn connection(&self) -> String {
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

    /// Log lines until one contains `needle`; all of them. A panic when
    /// none did within [`TIMEOUT`] or before the log ended.
    pub fn wait_for(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = Vec::new();
        while let Ok(line) = self
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
        panic!("no server log line with {needle:?}; saw {seen:#?}");
    }
}

/// How a program run by [`run`] ended: its exit code (`None` when it was
/// killed: by a signal, or at the deadline), what it wrote (`stdout`:
/// bytes, or text after [`Output::text`]).
pub struct Output<Stdout = Vec<u8>> {
    pub status: Option<i32>,
    pub stdout: Stdout,
    pub stderr: String,
    /// Whether it was still running at the deadline (and was killed).
    pub timed_out: bool,
}

impl<Stdout> Output<Stdout> {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }
}

impl Output {
    /// The same, with `stdout` as text (invalid UTF-8 replaced).
    pub fn text(self) -> Output<String> {
        Output {
            status: self.status,
            stdout: String::from_utf8_lossy(&self.stdout).into_owned(),
            stderr: self.stderr,
            timed_out: self.timed_out,
        }
    }
}

/// Runs `bin args…` with `input` on stdin to its end, killed at
/// [`TIMEOUT`].
pub fn run(bin: &Path, args: &[&str], input: &[u8]) -> Output {
    run_with(bin, args, &[], input, TIMEOUT)
}

/// As [`run`], with `env` added to the environment and killed at `limit`.
pub fn run_with(
    bin: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    input: &[u8],
    limit: Duration,
) -> Output {
    let mut child = ChildGuard(
        Command::new(bin)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {bin:?}: {e}")),
    );
    let mut stdin = child.0.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // From a thread: a program may write more than a pipe holds before
    // it has read all its input.
    std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let (out, err) = child.collect();
    let status = child.wait_bounded(limit);
    Output {
        status: status.and_then(|s| s.code()),
        stdout: out.bytes(TIMEOUT),
        stderr: String::from_utf8_lossy(&err.bytes(TIMEOUT)).into_owned(),
        timed_out: status.is_none(),
    }
}

/// `openssl s_client -tls1_3 -connect 127.0.0.1:{port} -servername
/// localhost -CAfile {ca}` and `extra` arguments, with stdin and stderr
/// piped (killed on drop); what it writes to stdout comes through the
/// receiver, a piece at a time, as it is written.
pub fn start_s_client(
    port: u16,
    ca: &str,
    extra: &[&str],
) -> (ChildGuard, mpsc::Receiver<Vec<u8>>) {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-tls1_3",
        "-connect",
        &connect,
        "-servername",
        "localhost",
        "-CAfile",
        ca,
    ];
    args.extend_from_slice(extra);
    let mut child = ChildGuard::openssl(&args);
    let mut stdout = child.0.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// PEM files in a temporary directory: a CA, a leaf chain it issued (the
/// leaf, then the CA) and the leaf's key; and the leaf itself (DER).
/// certgen's leaves carry both the serverAuth and clientAuth EKUs, so one
/// helper serves both sides.
pub struct Identity {
    pub ca: String,
    pub chain: String,
    pub key: String,
    pub leaf: Vec<u8>,
}

/// A fresh CA `"{tag} CA"` and a leaf for DNS name `name` (subject
/// `CN=name`) with an ECDSA P-256 key.
pub fn identity_for(dir: &TempDir, tag: &str, name: &str) -> Identity {
    identity_of_kind(dir, tag, name, KeyType::EcdsaP256)
}

/// As [`identity_for`], with a leaf key of `kind`.
pub fn identity_of_kind(dir: &TempDir, tag: &str, name: &str, kind: KeyType) -> Identity {
    let p = pki(dir, tag, name, kind);
    let chain = certgen::to_pem("CERTIFICATE", &p.leaf) + &certgen::to_pem("CERTIFICATE", &p.ca);
    Identity {
        ca: p.ca_pem,
        chain: dir.write(&format!("{tag}-chain.pem"), chain),
        key: p.key_pem,
        leaf: p.leaf,
    }
}
