//! The example server under a flood of garbage: 1000 connections, each
//! carrying a truncated or mutated ClientHello or random bytes, in bounded
//! parallel batches. Each must end with an alert or a close (never a
//! hang), the server's resident memory must stay flat, and afterwards a
//! normal handshake with our client must still work.
//!
//! Like `examples_cli.rs`, this needs the example binaries next to the
//! test binary (`cargo test` builds them); without them it is skipped
//! (`tests/skip`: a visible SKIPPED line, or a failure under CI).

mod pair;
mod skip;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pair::XorShift;
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::stream::ClientStream;
use tls13::{ClientConfig, ClientConnection, PinnedCertVerifier};

const CONNECTIONS: usize = 1000;
const BATCH: usize = 16;
const IO_TIMEOUT: Duration = Duration::from_secs(10);

fn server_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let p = dir.join(format!("server{}", std::env::consts::EXE_SUFFIX));
    p.exists().then_some(p)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// What one connection saw.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// A fatal alert record arrived (possibly after other records), then
    /// the connection ended.
    Alert,
    /// The connection ended (EOF or reset) without an alert.
    Closed,
}

/// Sends `input`, half-closes, and reads until the server ends the
/// connection. Panics on a hang (read timeout) or on bytes that are not
/// TLS records.
fn probe(port: u16, input: &[u8]) -> Outcome {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    // The server may close before taking everything: write errors are fine.
    let _ = s.write_all(input);
    let _ = s.shutdown(Shutdown::Write);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                break;
            }
            Err(e) => panic!("the server neither answered nor closed: {e}"),
        }
    }
    // Whatever arrived is a sequence of TLS records; a trailing partial
    // record can only come from a reset cutting the stream.
    let mut rest = &got[..];
    let mut alert = false;
    while rest.len() >= 5 {
        assert!(
            matches!(rest[0], 20..=23) && rest[1] == 3,
            "not a TLS record: {:02x?}",
            &rest[..5]
        );
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if rest.len() < 5 + len {
            break;
        }
        // Unencrypted alerts are visible; protected ones (after the
        // ServerHello) are application_data records we cannot read.
        alert |= rest[0] == 21 && len == 2 && rest[5] == 2;
        rest = &rest[5 + len..];
    }
    if alert {
        Outcome::Alert
    } else {
        Outcome::Closed
    }
}

/// One hostile input, and whether the server must answer it with an
/// alert: a huge announced message and random bytes that do not start
/// with a TLS content type are refused from the first bytes; the others
/// may be a valid ClientHello after all, or end inside a record, where the
/// server waits for more and then sees end of file (no alert is due).
fn hostile_input(rng: &mut XorShift, hello: &[u8]) -> (Vec<u8>, bool) {
    let mut pick = |n: usize| (rng.next() % n as u64) as usize;
    let kind = pick(6);
    let bytes = match kind {
        // A ClientHello cut short.
        0 => hello[..1 + pick(hello.len() - 1)].to_vec(),
        // A ClientHello with a few bytes changed.
        1 => {
            let mut h = hello.to_vec();
            for _ in 0..1 + pick(8) {
                let at = pick(h.len());
                h[at] = pick(256) as u8;
            }
            h
        }
        // A ClientHello with a changed byte, then cut.
        2 => {
            let mut h = hello.to_vec();
            let at = pick(h.len());
            h[at] ^= 1 << pick(8);
            h.truncate(1 + pick(h.len()));
            h
        }
        // Random bytes behind a handshake record header.
        3 => {
            let n = pick(3000);
            let mut v = vec![22, 3, 1];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v.extend((0..n).map(|_| pick(256) as u8));
            v
        }
        // A handshake record header announcing a huge ClientHello.
        4 => {
            let n = 4 + pick(512);
            let mut v = vec![22, 3, 1];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v.extend_from_slice(&[1, 0xff, 0xff, 0xff]);
            v.extend((4..n).map(|_| pick(256) as u8));
            v
        }
        // Random bytes.
        _ => (0..1 + pick(2000)).map(|_| pick(256) as u8).collect(),
    };
    let must_alert = kind == 4 || (kind == 5 && !matches!(bytes[0], 20..=23));
    (bytes, must_alert)
}

#[test]
fn example_server_survives_garbage_and_keeps_memory_flat() {
    let Some(bin) = server_binary() else {
        skip::skip(
            "example_server_survives_garbage_and_keeps_memory_flat",
            "the example binaries are not built (run `cargo test`, or `cargo build --examples`)",
        );
        return;
    };
    let start = Instant::now();

    // A CA, a localhost leaf and its key as PEM files.
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("flood CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let names = [SubjectAltName::Dns("localhost".into())];
    let leaf = ca
        .issue(&names, &key, 1_700_000_000, 2_600_000_000, &rng)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("tls13-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_path = dir.join("chain.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(
        &cert_path,
        certgen::to_pem("CERTIFICATE", &leaf) + &certgen::to_pem("CERTIFICATE", ca.cert_der()),
    )
    .unwrap();
    std::fs::write(&key_path, certgen::to_pem("PRIVATE KEY", &key)).unwrap();

    let mut child = Command::new(&bin)
        .args(["--cert", cert_path.to_str().unwrap()])
        .args(["--key", key_path.to_str().unwrap()])
        .args(["--port", "0", "--echo"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server example");
    let stderr = child.stderr.take().unwrap();
    let pid = child.id();
    let _server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().unwrap().unwrap();
    let port: u16 = first
        .strip_prefix("listening on 127.0.0.1:")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first server line {first:?}"));
    // Keep draining the log so the server never blocks on a full pipe.
    let log = std::thread::spawn(move || lines.map_while(Result::ok).count());

    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf.clone())))
            .build()
            .unwrap(),
    );
    let hello = ClientConnection::new(config.clone(), "localhost")
        .unwrap()
        .pending_output()
        .to_vec();

    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let inputs: Vec<(Vec<u8>, bool)> = (0..CONNECTIONS)
        .map(|_| hostile_input(&mut rng, &hello))
        .collect();
    let mut alerts = 0;
    let mut closes = 0;
    let mut warm_rss = 0;
    let mut peak_rss = 0;
    for (i, batch) in inputs.chunks(BATCH).enumerate() {
        let outcomes: Vec<Outcome> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .iter()
                .map(|(input, must_alert)| {
                    s.spawn(move || {
                        let o = probe(port, input);
                        assert!(
                            !must_alert || o == Outcome::Alert,
                            "no alert for {:02x?}…",
                            &input[..input.len().min(16)]
                        );
                        o
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for o in outcomes {
            match o {
                Outcome::Alert => alerts += 1,
                Outcome::Closed => closes += 1,
            }
        }
        let rss = vm_rss_kib(pid);
        if i * BATCH < 200 {
            // Warm-up: thread stacks, allocator arenas.
            warm_rss = warm_rss.max(rss);
        } else {
            peak_rss = peak_rss.max(rss);
        }
    }
    eprintln!(
        "flood: {CONNECTIONS} connections, {alerts} alerts, {closes} plain closes; \
         VmRSS after warm-up {warm_rss} KiB, peak after {peak_rss} KiB, {:?}",
        start.elapsed()
    );
    assert_eq!(alerts + closes, CONNECTIONS);
    let required = inputs.iter().filter(|(_, a)| *a).count();
    assert!(required > CONNECTIONS / 5 && alerts >= required);
    assert!(
        peak_rss < 2 * warm_rss,
        "server memory grew: {warm_rss} KiB after warm-up, peak {peak_rss} KiB"
    );

    // The server still works: a normal handshake and an echo.
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let conn = ClientConnection::new(config, "localhost").unwrap();
    let mut tls = ClientStream::new(conn, sock);
    tls.handshake().unwrap();
    tls.write_all(b"still alive").unwrap();
    tls.flush().unwrap();
    let mut echo = [0u8; 11];
    tls.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"still alive");
    tls.close().unwrap();
    drop(tls);
    drop(_server);
    let logged = log.join().unwrap();
    assert!(logged >= CONNECTIONS, "server logged {logged} lines");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}
