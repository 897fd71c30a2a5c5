//! The server example's `--http` mode follows the conventions tlsfuzzer's
//! scripts rely on (issue 11, #14): each response is one write, so one
//! record; `GET /keyupdate` is answered by a KeyUpdate (update_requested)
//! first; with `--client-ca`, `GET /secret` is answered by a
//! post-handshake CertificateRequest first (and no CertificateRequest in
//! the handshake itself).
//!
//! Checked record by record with the library's own client (which sees
//! which record carried data and which made it owe a KeyUpdate), with the
//! client example, and with `openssl s_client -msg` when it is installed.
//! As in tests/examples_cli.rs, the example binaries are those `cargo
//! test` builds; missing ones give a loud SKIP line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::{ClientConfig, ClientConnection, Event};

const TIMEOUT: Duration = Duration::from_secs(30);

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

fn have_openssl(test: &str) -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("\n*** SKIP {test} (openssl part): the `openssl` binary was not found ***\n");
    }
    ok
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "tls13-http-{}-{}",
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

/// PEM paths: one CA, a `localhost` server chain and key, a
/// `client.example` chain and key; and the server leaf (DER).
struct Pki {
    ca: String,
    server_chain: String,
    server_key: String,
    client_chain: String,
    client_key: String,
    server_leaf: Vec<u8>,
}

fn pki(dir: &TempDir) -> Pki {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("HTTP CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let leaf = |name: &str| {
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let cert = ca
            .issue(
                &[SubjectAltName::Dns(name.into())],
                &key,
                1_700_000_000,
                2_600_000_000,
                &rng,
            )
            .unwrap();
        let chain = dir.file(
            &format!("{name}.pem"),
            &(certgen::to_pem("CERTIFICATE", &cert)
                + &certgen::to_pem("CERTIFICATE", ca.cert_der())),
        );
        let key = dir.file(
            &format!("{name}-key.pem"),
            &certgen::to_pem("PRIVATE KEY", &key),
        );
        (chain, key, cert)
    };
    let (server_chain, server_key, server_leaf) = leaf("localhost");
    let (client_chain, client_key, _) = leaf("client.example");
    Pki {
        ca: dir.file("ca.pem", &certgen::to_pem("CERTIFICATE", ca.cert_der())),
        server_chain,
        server_key,
        client_chain,
        client_key,
        server_leaf,
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

/// What one record from the server did to our client, after the handshake.
#[derive(Debug, PartialEq)]
enum Seen {
    /// It carried application data (this text).
    Data(String),
    /// It carried no data but left the client owing a reply: a KeyUpdate
    /// with update_requested (the server sends no tickets here).
    OwesReply,
    /// Anything else (close_notify, ...).
    Other,
}

/// Connects with the library's client, sends `request` once the
/// handshake is complete, and feeds the server's answer to the
/// connection one record at a time until the server closes.
fn records_after_request(port: u16, server_leaf: &[u8], request: &[u8]) -> Vec<Seen> {
    let config = Arc::new(
        ClientConfig::builder(Arc::new(tls13::PinnedCertVerifier::new(
            server_leaf.to_vec(),
        )))
        .build()
        .unwrap(),
    );
    let mut conn = ClientConnection::new(config, "localhost").unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    let flush = |conn: &mut ClientConnection, sock: &mut TcpStream| {
        let out = conn.pending_output().to_vec();
        conn.consume_output(out.len());
        sock.write_all(&out).unwrap();
    };
    flush(&mut conn, &mut sock);
    let (mut wire, mut seen, mut sent) = (Vec::new(), Vec::new(), false);
    let mut buf = [0u8; 4096];
    loop {
        let n = sock.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return seen;
        }
        wire.extend_from_slice(&buf[..n]);
        // Whole records only: header (5 bytes), then its length.
        while wire.len() >= 5 {
            let len = 5 + usize::from(u16::from_be_bytes([wire[3], wire[4]]));
            if wire.len() < len {
                break;
            }
            let record: Vec<u8> = wire.drain(..len).collect();
            let connected = !conn.is_handshaking();
            conn.receive(&record).unwrap();
            let data = conn.received_data().to_vec();
            conn.consume_received_data(data.len());
            let owes = !conn.pending_output().is_empty();
            let closed =
                std::iter::from_fn(|| conn.next_event()).any(|e| matches!(e, Event::Closed(_)));
            if connected {
                seen.push(if !data.is_empty() {
                    Seen::Data(String::from_utf8_lossy(&data).into_owned())
                } else if owes {
                    Seen::OwesReply
                } else {
                    Seen::Other
                });
            }
            flush(&mut conn, &mut sock);
            if !conn.is_handshaking() && !sent {
                conn.send(request).unwrap();
                flush(&mut conn, &mut sock);
                sent = true;
            }
            if closed {
                return seen;
            }
        }
    }
}

fn is_whole_response(text: &str, status: &str) -> bool {
    text.starts_with(&format!("HTTP/1.0 {status}\r\n")) && text.ends_with("</body></html>\n")
}

/// `openssl s_client -tls1_3 -msg` against `port`: sends `request` once
/// the handshake is over and returns everything it printed, split at the
/// end of the handshake (`Verify return code`): (handshake, after).
fn s_client(port: u16, ca: &str, extra: &[&str], request: &[u8]) -> (String, String) {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-tls1_3",
            "-msg",
            "-ign_eof",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
            "-CAfile",
            ca,
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start openssl s_client");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut out = Vec::new();
    let wait_for = |out: &mut Vec<u8>, needle: &str| {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline && !String::from_utf8_lossy(out).contains(needle) {
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
                out.extend_from_slice(&chunk);
            }
        }
    };
    wait_for(&mut out, "Verify return code");
    let _ = stdin.write_all(request);
    let _ = stdin.flush();
    wait_for(&mut out, "closed");
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&out).into_owned();
    match text.split_once("Verify return code") {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text, String::new()),
    }
}

#[test]
fn http_response_is_one_record() {
    let Some(bin) = example("http_response_is_one_record", "server") else {
        return;
    };
    let dir = TempDir::new();
    let p = pki(&dir);
    let server = Server::start(
        &bin,
        &["--cert", &p.server_chain, "--key", &p.server_key, "--http"],
    );
    let seen = records_after_request(server.port, &p.server_leaf, b"GET / HTTP/1.0\r\n\r\n");
    let data: Vec<&String> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Data(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(data.len(), 1, "the response came in {seen:?}");
    assert!(is_whole_response(data[0], "200 OK"), "{seen:?}");
}

#[test]
fn http_keyupdate_is_answered_by_a_key_update_first() {
    let test = "http_keyupdate_is_answered_by_a_key_update_first";
    let Some(bin) = example(test, "server") else {
        return;
    };
    let dir = TempDir::new();
    let p = pki(&dir);
    let server = Server::start(
        &bin,
        &["--cert", &p.server_chain, "--key", &p.server_key, "--http"],
    );
    let seen = records_after_request(
        server.port,
        &p.server_leaf,
        b"GET /keyupdate HTTP/1.0\r\n\r\n",
    );
    // A KeyUpdate that requests ours, then the whole response (under the
    // new key: the client decrypted it after updating its read key).
    assert!(seen.len() >= 2, "{seen:?}");
    assert_eq!(seen[0], Seen::OwesReply, "{seen:?}");
    assert!(
        matches!(&seen[1], Seen::Data(d) if is_whole_response(d, "200 OK")),
        "{seen:?}"
    );
    let _ = server.connection();

    if have_openssl(test) {
        let (handshake, after) =
            s_client(server.port, &p.ca, &[], b"GET /keyupdate HTTP/1.0\r\n\r\n");
        assert!(!handshake.contains("KeyUpdate"), "{handshake}");
        // The KeyUpdate message: type 24, length 1, update_requested (1).
        let ku = after
            .find("Handshake [length 0005], KeyUpdate\n    18 00 00 01 01")
            .unwrap_or_else(|| panic!("no KeyUpdate(update_requested):\n{after}"));
        let page = after.find("HTTP/1.0 200 OK").expect("the response");
        assert!(ku < page, "{after}");
    }
}

#[test]
fn http_secret_asks_for_a_client_certificate_after_the_handshake() {
    let test = "http_secret_asks_for_a_client_certificate_after_the_handshake";
    let (Some(server_bin), Some(client_bin)) = (example(test, "server"), example(test, "client"))
    else {
        return;
    };
    let dir = TempDir::new();
    let p = pki(&dir);
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &p.server_chain,
            "--key",
            &p.server_key,
            "--http",
            "--client-ca",
            &p.ca,
        ],
    );
    let addr = format!("localhost:{}", server.port);
    // The request, then standard input stays open until the response is
    // there: a client that had already sent close_notify could not answer
    // the CertificateRequest (RFC 9846 §6.1).
    let run_client = |extra: &[&str]| {
        let mut child = Command::new(&client_bin)
            .args(["--ca", &p.ca])
            .args(extra)
            .arg(&addr)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"GET /secret HTTP/1.0\r\n\r\n").unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut page = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&page).contains("</html>") {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => page.extend_from_slice(&buf[..n]),
            }
        }
        drop(stdin);
        let _ = stdout.read_to_end(&mut page);
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&page).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // The client example with a certificate: asked after the handshake,
    // it authenticates, and the page names it.
    let (status, page, err) = run_client(&["--cert", &p.client_chain, "--key", &p.client_key]);
    assert_eq!(status, Some(0), "{err}");
    assert!(page.starts_with("HTTP/1.0 200 OK\r\n"), "{page}");
    assert!(
        page.contains("client:           CN=client.example"),
        "{page}"
    );
    let log = server.connection();
    assert!(log.contains("client: CN=client.example"), "{log}");

    // Without a certificate our client does not offer post_handshake_auth.
    let (status, page, err) = run_client(&[]);
    assert_eq!(status, Some(0), "{err}");
    assert!(page.starts_with("HTTP/1.0 403 Forbidden\r\n"), "{page}");
    assert!(page.contains("post_handshake_auth"), "{page}");
    let _ = server.connection();

    if have_openssl(test) {
        let (handshake, after) = s_client(
            server.port,
            &p.ca,
            &[
                "-enable_pha",
                "-cert",
                &p.client_chain,
                "-key",
                &p.client_key,
            ],
            b"GET /secret HTTP/1.0\r\n\r\n",
        );
        // tlsfuzzer's convention: no CertificateRequest in the handshake.
        assert!(handshake.contains("Finished"), "{handshake}");
        assert!(!handshake.contains("CertificateRequest"), "{handshake}");
        let cr = after
            .find("CertificateRequest")
            .unwrap_or_else(|| panic!("no post-handshake CertificateRequest:\n{after}"));
        let cert = after
            .find(">>> TLS 1.3, Handshake")
            .expect("our Certificate");
        let page = after.find("HTTP/1.0 200 OK").expect("the response");
        assert!(cr < cert && cert < page, "{after}");
        assert!(
            after.contains("client:           CN=client.example"),
            "{after}"
        );
    }
}
