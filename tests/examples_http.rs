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
//! The examples are those `cargo test` builds; when they are missing each
//! test is skipped (`tests/example_programs`).

mod example_programs;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use example_programs::{
    Server, TIMEOUT, TempDir, example, examples, have_openssl, identity_for, start_s_client,
};
use tls13::{ClientConfig, ClientConnection, Event};

/// PEM paths: a `localhost` server chain and key, a `client.example`
/// chain and key, and the CAs that issued them (in one file: each side
/// trusts it); and the server leaf (DER).
struct Pki {
    ca: String,
    server_chain: String,
    server_key: String,
    client_chain: String,
    client_key: String,
    server_leaf: Vec<u8>,
}

fn pki(dir: &TempDir) -> Pki {
    let server = identity_for(dir, "server", "localhost");
    let client = identity_for(dir, "client", "client.example");
    let cas = std::fs::read_to_string(&server.ca).unwrap()
        + &std::fs::read_to_string(&client.ca).unwrap();
    Pki {
        ca: dir.write("ca.pem", cas),
        server_chain: server.chain,
        server_key: server.key,
        client_chain: client.chain,
        client_key: client.key,
        server_leaf: server.leaf,
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
    let mut args = vec!["-msg", "-ign_eof"];
    args.extend_from_slice(extra);
    let (mut child, rx) = start_s_client(port, ca, &args);
    let mut stdin = child.0.stdin.take().unwrap();
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
    drop(child);
    let text = String::from_utf8_lossy(&out).into_owned();
    match text.split_once("Verify return code") {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text, String::new()),
    }
}

#[test]
fn http_response_is_one_record() {
    let Some(bin) = example("server") else {
        return;
    };
    let dir = TempDir::new("http");
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
    let Some(bin) = example("server") else {
        return;
    };
    let dir = TempDir::new("http");
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
    let Some((server_bin, client_bin)) = examples(test) else {
        return;
    };
    let dir = TempDir::new("http");
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
