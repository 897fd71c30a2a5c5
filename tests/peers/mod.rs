//! Helpers for tests that drive a real TLS peer program on loopback
//! (`mod peers;`, or through `mod openssl;`): finding a program (a missing
//! one skips the test visibly, or fails it under CI: `tests/skip`),
//! temporary directories, child
//! processes that are killed when dropped, bounded waits on their output,
//! free ports, and a blocking pump that drives a sans-IO connection over a
//! `TcpStream` with a deadline. Shared by the interop tests so each need
//! not carry its own copy.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::{Connection, Error, Event};

#[path = "../skip/mod.rs"]
mod skip_impl;
#[allow(unused_imports)] // not every test binary uses each
pub use skip_impl::{current_test, in_ci, skip};

/// The bound on every wait in these tests.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The program named by the environment variable `env`, else `default`
/// (looked up on `PATH`).
pub fn program(env: &str, default: &str) -> String {
    std::env::var(env).unwrap_or_else(|_| default.into())
}

/// Whether `bin version_arg` runs successfully; otherwise skips `test`
/// ([`skip`]: a failure under CI, else a visible SKIPPED line) naming the
/// program and how to provide it.
pub fn have_program(test: &str, bin: &str, version_arg: &str, how: &str) -> bool {
    let ok = Command::new(bin)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip(test, &format!("the `{bin}` program was not found ({how})"));
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

    /// The bytes, as they came (none if the pipe did not end within
    /// `limit`): for output that need not be text.
    pub fn bytes(&self, limit: Duration) -> Vec<u8> {
        self.0.recv_timeout(limit).unwrap_or_default()
    }
}

/// A port for a peer program to listen on.
///
/// Not `bind(":0")` then release: the kernel may hand the same ephemeral
/// port to a parallel test (or use it as a connection's local port) before
/// the peer binds it, and two tests then talk to one server. Ports below
/// Linux's ephemeral range (32768 and up) are never chosen by the kernel,
/// and the counter keeps this process's tests apart; a port something
/// else holds is skipped (`port_is_free`).
pub fn free_port() -> u16 {
    const FIRST: usize = 20_000;
    const SPAN: usize = 12_000;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    // Start at a place that differs between test binaries.
    let offset = std::process::id() as usize * 97;
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (offset + n) % SPAN) as u16;
        if port_is_free(port) {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + SPAN)
}

/// Whether a server that sets `SO_REUSEADDR` (as s_server, gnutls-serv,
/// Go and Rust listeners do) could bind 127.0.0.1:`port` now: nothing
/// listens there, nor on 0.0.0.0 or a dual-stack `[::]`. The probe binds
/// without listening, so no connection is ever queued on it.
///
/// A listening probe (`TcpListener::bind`) made the first connection of
/// a test fail now and then (12 of 400 runs of `interop_resume`'s four
/// client tests; once in CI): a child process that another test thread was
/// starting at that moment held a copy of the probe's descriptor until
/// its `exec`, so the probe kept listening after it was dropped. The
/// test's connection, made while its peer was still starting up, was
/// queued on that copy and reset when the `exec` closed it.
fn port_is_free(port: u16) -> bool {
    use socket2::{Domain, Socket, Type};
    let probe =
        Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket for a port probe");
    // `SO_REUSEADDR` on the probe too: a copy of it that a starting child
    // still holds then does not stop the peer's own bind (Linux lets two
    // such sockets share a port while neither listens). It does not hide
    // a listener, and it passes a port whose old connections are in
    // TIME_WAIT, which a server may bind.
    probe
        .set_reuse_address(true)
        .expect("SO_REUSEADDR on a port probe");
    probe
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())
        .is_ok()
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
    events: &mut Seen,
    mut done: impl FnMut(&Seen) -> bool,
) -> Result<(), Error> {
    let deadline = Instant::now() + TIMEOUT;
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut buf = [0u8; 16384];
    loop {
        flush(conn, sock);
        events.take_from(conn);
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
            events.take_from(conn);
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

/// What a connection reported to `pump`: its events, in order, and the
/// application data it received. Dereferences to the events.
#[derive(Debug, Default)]
pub struct Seen {
    pub events: Vec<Event>,
    pub data: Vec<u8>,
}

impl Seen {
    /// Moves `conn`'s events and received data in.
    pub fn take_from(&mut self, conn: &mut Connection) {
        while let Some(e) = conn.next_event() {
            self.events.push(e);
        }
        let data = conn.received_data();
        self.data.extend_from_slice(data);
        let n = data.len();
        conn.consume_received_data(n);
    }
}

impl std::ops::Deref for Seen {
    type Target = [Event];
    fn deref(&self) -> &[Event] {
        &self.events
    }
}

/// The application data `pump` collected.
pub fn data(seen: &Seen) -> Vec<u8> {
    seen.data.clone()
}

pub fn complete(events: &Seen) -> bool {
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
    // A P-521 leaf gets a P-521 CA (an ecdsa-with-SHA512 chain).
    let ca_kind = match kind {
        KeyType::EcdsaP521 => KeyType::EcdsaP521,
        _ => KeyType::EcdsaP256,
    };
    let ca_key = certgen::generate_key(ca_kind, &rng).unwrap();
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

/// Collects a child's pipe in a thread and lets a test wait until some
/// text has appeared in it (bounded), e.g. a line a peer program printed.
pub struct Watcher(WatcherState);

/// What was read so far and whether the pipe ended, with a signal for
/// each change.
type WatcherState = std::sync::Arc<(std::sync::Mutex<(Vec<u8>, bool)>, std::sync::Condvar)>;

impl Watcher {
    pub fn new(mut r: impl Read + Send + 'static) -> Self {
        let shared = std::sync::Arc::new((
            std::sync::Mutex::new((Vec::new(), false)),
            std::sync::Condvar::new(),
        ));
        let s = shared.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                let n = r.read(&mut buf).unwrap_or(0);
                let mut g = s.0.lock().unwrap();
                if n == 0 {
                    g.1 = true;
                } else {
                    g.0.extend_from_slice(&buf[..n]);
                }
                s.1.notify_all();
                if n == 0 {
                    return;
                }
            }
        });
        Self(shared)
    }

    /// Waits until `needle` occurs `count` times (true), or the pipe ended
    /// or `limit` passed without it (false).
    pub fn wait_for(&self, needle: &str, count: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut g = self.0.0.lock().unwrap();
        loop {
            if String::from_utf8_lossy(&g.0).matches(needle).count() >= count {
                return true;
            }
            let now = Instant::now();
            if g.1 || now >= deadline {
                return false;
            }
            g = self.0.1.wait_timeout(g, deadline - now).unwrap().0;
        }
    }

    /// Everything, once the pipe ended (or what came within `limit`).
    pub fn wait_end(&self, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut g = self.0.0.lock().unwrap();
        loop {
            let now = Instant::now();
            if g.1 || now >= deadline {
                return String::from_utf8_lossy(&g.0).into_owned();
            }
            g = self.0.1.wait_timeout(g, deadline - now).unwrap().0;
        }
    }

    /// Everything so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.0.lock().unwrap().0).into_owned()
    }
}

/// A fixed pseudo-random block of prime length; the test stream at offset
/// `i` is `block[i % len]`, so that a lost, repeated or reordered record
/// shows wherever it happens.
pub fn pattern() -> &'static [u8] {
    static P: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut x: u32 = 0x9e37_79b9;
        (0..65_521)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    })
}

/// Fills `out` with the test stream from `offset` on.
pub fn pattern_fill(mut offset: usize, mut out: &mut [u8]) {
    let p = pattern();
    while !out.is_empty() {
        let pos = offset % p.len();
        let n = (p.len() - pos).min(out.len());
        out[..n].copy_from_slice(&p[pos..pos + n]);
        out = &mut out[n..];
        offset += n;
    }
}

/// Whether `data` is the test stream from `offset` on.
pub fn pattern_matches(mut offset: usize, mut data: &[u8]) -> bool {
    let p = pattern();
    while !data.is_empty() {
        let pos = offset % p.len();
        let n = (p.len() - pos).min(data.len());
        if data[..n] != p[pos..pos + n] {
            return false;
        }
        data = &data[n..];
        offset += n;
    }
    true
}

/// Writes `len` bytes of the test stream to a file.
pub fn write_pattern_file(path: &std::path::Path, len: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut chunk = vec![0u8; 1 << 20];
    let mut off = 0;
    while off < len {
        let n = chunk.len().min(len - off);
        pattern_fill(off, &mut chunk[..n]);
        f.write_all(&chunk[..n]).unwrap();
        off += n;
    }
    f.flush().unwrap();
}

/// Sends `total` bytes of the test stream over a connection whose
/// handshake is complete while receiving `total` bytes from the peer at
/// the same time, checking them against the test stream as they arrive.
/// The socket is non-blocking meanwhile, so neither side can deadlock the
/// other by writing while the other writes. Bounded by `limit`.
pub fn duplex_transfer(
    conn: &mut Connection,
    sock: &mut TcpStream,
    total: usize,
    limit: Duration,
) -> Result<(), String> {
    sock.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + limit;
    let (mut sent, mut received) = (0usize, 0usize);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut buf = vec![0u8; 64 * 1024];
    let r = loop {
        let mut progress = false;
        // Keep at most a few records' worth queued.
        if sent < total && conn.pending_output().len() < 256 * 1024 {
            let n = chunk.len().min(total - sent);
            pattern_fill(sent, &mut chunk[..n]);
            conn.send(&chunk[..n]).map_err(|e| format!("send: {e}"))?;
            sent += n;
            progress = true;
        }
        if !conn.pending_output().is_empty() {
            match sock.write(conn.pending_output()) {
                Ok(n) => {
                    conn.consume_output(n);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => break Err(format!("socket write: {e}")),
            }
        }
        match sock.read(&mut buf) {
            Ok(0) => break Err(format!("the peer's transport ended after {received} bytes")),
            Ok(n) => {
                conn.receive(&buf[..n])
                    .map_err(|e| format!("receive after {received} bytes: {e}"))?;
                progress = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => break Err(format!("socket read: {e}")),
        }
        let d = conn.received_data();
        if !pattern_matches(received, d) {
            let mut want = vec![0u8; d.len().min(16)];
            pattern_fill(received, &mut want);
            return Err(format!(
                "received bytes differ at offset {received}: {:02x?}… instead of {want:02x?}…",
                &d[..want.len()]
            ));
        }
        let n = d.len();
        received += n;
        conn.consume_received_data(n);
        while let Some(ev) = conn.next_event() {
            if let Event::Closed(k) = ev {
                return Err(format!("peer closed ({k:?}) after {received}"));
            }
        }
        if sent == total && conn.pending_output().is_empty() && received >= total {
            break if received == total {
                Ok(())
            } else {
                Err(format!("received {received} bytes, more than {total}"))
            };
        }
        if Instant::now() > deadline {
            break Err(format!(
                "timed out: sent {sent}, received {received} of {total}"
            ));
        }
        if !progress {
            std::thread::sleep(Duration::from_micros(500));
        }
    };
    sock.set_nonblocking(false).unwrap();
    r
}

/// Whether the file holds exactly `len` bytes of the test stream.
pub fn check_pattern_file(path: &std::path::Path, len: usize) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    if data.len() != len {
        return Err(format!("{} bytes instead of {len}", data.len()));
    }
    if !pattern_matches(0, &data) {
        let at = (0..data.len())
            .find(|&i| !pattern_matches(i, &data[i..i + 1]))
            .unwrap_or(0);
        return Err(format!("differs from the test stream at offset {at}"));
    }
    Ok(())
}
