//! Helpers for tests that drive a real TLS peer program on loopback
//! (`mod peers;`, or through `mod openssl;`): finding a program (with a
//! loud SKIP line when it is missing), temporary directories, child
//! processes that are killed when dropped, bounded waits on their output,
//! free ports, and a blocking pump that drives a sans-IO connection over a
//! `TcpStream` with a deadline. Shared by the interop tests so each need
//! not carry its own copy.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::{Connection, Error, Event};

/// The bound on every wait in these tests.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The program named by the environment variable `env`, else `default`
/// (looked up on `PATH`).
pub fn program(env: &str, default: &str) -> String {
    std::env::var(env).unwrap_or_else(|_| default.into())
}

/// Whether `bin version_arg` runs successfully; otherwise prints a loud
/// SKIP line for `test` naming the program and how to provide it.
pub fn have_program(test: &str, bin: &str, version_arg: &str, how: &str) -> bool {
    let ok = Command::new(bin)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("\n*** SKIP {test}: the `{bin}` program was not found ({how}) ***\n");
    }
    ok
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "tls13-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        Self(p)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `contents` to `name` and returns the path as a string.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write temp file");
        p.to_str().expect("utf-8 temp path").to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills and reaps the child when dropped, whatever happened.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl ChildGuard {
    /// Spawns `bin args…` with piped stdin, stdout and stderr.
    pub fn spawn(bin: &str, args: &[&str]) -> Self {
        Self(
            Command::new(bin)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {bin}: {e}")),
        )
    }

    /// Collectors for stdout and stderr.
    pub fn collect(&mut self) -> (Collector, Collector) {
        (
            Collector::new(self.0.stdout.take().expect("piped stdout")),
            Collector::new(self.0.stderr.take().expect("piped stderr")),
        )
    }

    /// Waits for the exit, at most `limit` (then kills the child).
    pub fn wait_bounded(&mut self, limit: Duration) -> Option<ExitStatus> {
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
pub struct Collector(mpsc::Receiver<Vec<u8>>);

impl Collector {
    pub fn new(mut r: impl Read + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            let _ = tx.send(v);
        });
        Self(rx)
    }

    pub fn get(&self, limit: Duration) -> String {
        self.0
            .recv_timeout(limit)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_else(|_| "<no output within the time limit>".into())
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects, retrying until the server listens (bounded).
pub fn connect_retry(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("nothing listens on {port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(25)),
        }
    }
}

/// Drives a sans-IO connection over a blocking socket: writes its output,
/// feeds it what arrives, collects its events, until `done(events)` or the
/// deadline (a panic). A TLS error is returned after its alert was
/// written; EOF is fed as `receive_eof`.
pub fn pump(
    conn: &mut Connection,
    sock: &mut TcpStream,
    events: &mut Vec<Event>,
    mut done: impl FnMut(&[Event]) -> bool,
) -> Result<(), Error> {
    let deadline = Instant::now() + TIMEOUT;
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut buf = [0u8; 16384];
    loop {
        flush(conn, sock);
        while let Some(e) = conn.next_event() {
            events.push(e);
        }
        if done(events) {
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "timed out; events so far: {events:?}"
        );
        let r = match sock.read(&mut buf) {
            Ok(0) => conn.receive_eof(),
            Ok(n) => conn.receive(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => conn.receive_eof(),
            Err(e) => panic!("socket read: {e}"),
        };
        if let Err(e) = r {
            flush(conn, sock);
            while let Some(ev) = conn.next_event() {
                events.push(ev);
            }
            return Err(e);
        }
    }
}

fn flush(conn: &mut Connection, sock: &mut TcpStream) {
    let out = conn.pending_output().to_vec();
    if !out.is_empty() {
        // The peer may already be gone (after an alert): best effort.
        let _ = sock.write_all(&out);
        conn.consume_output(out.len());
    }
}

/// The application data among `events`.
pub fn data(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data(d) => Some(d.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

pub fn complete(events: &[Event]) -> bool {
    events.iter().any(|e| matches!(e, Event::HandshakeComplete))
}

/// A CA and one leaf it issued (made by `tls13::certgen`), as DER and as
/// PEM files in a temporary directory for the peer programs.
pub struct Pki {
    pub ca: Vec<u8>,
    pub leaf: Vec<u8>,
    /// The leaf's key, PKCS#8 DER.
    pub key: Vec<u8>,
    pub ca_pem: String,
    pub leaf_pem: String,
    pub key_pem: String,
}

/// Certificates valid from 2023-11 to 2052-05: far from any test clock.
const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

/// Makes a CA named after `tag` and a leaf for the DNS `name` with a key
/// of `kind`, and writes `{tag}-ca.pem`, `{tag}.pem`, `{tag}-key.pem`.
pub fn pki(dir: &TempDir, tag: &str, name: &str, kind: tls13::certgen::KeyType) -> Pki {
    use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
    let rng = tls13::crypto::OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
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
        ca: ca.cert_der().to_vec(),
        leaf,
        key: key.to_vec(),
    }
}

/// `len` bytes of printable ASCII in lines of at most 100 (each ending in
/// `\n`, no `\r`, no NUL), varying so that a misplaced record shows: what
/// line-oriented echo servers carry unchanged.
pub fn text_payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            if i % 100 == 99 || i + 1 == len {
                b'\n'
            } else {
                b'a' + ((i / 7 + usize::from(seed)) % 26) as u8
            }
        })
        .collect()
}
