//! Resumption, 0-RTT and external PSKs against OpenSSL on loopback:
//! our client resumes with `openssl s_server -tls1_3` and sends early data
//! to `s_server -early_data`; `openssl s_client -sess_out` / `-sess_in`
//! resumes with our server (`Reused, TLSv1.3`) and sends `-early_data`;
//! external PSKs both ways with `-psk_identity ID -psk HEX -nocert`;
//! post-handshake client authentication both ways (s_server's `c`
//! command; `s_client -enable_pha`).
//!
//! Skips loudly when `openssl` is missing (see `tests/openssl/mod.rs`).

mod openssl;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use openssl::{
    ChildGuard, Collector, Seen, TIMEOUT, TempDir, Watcher, complete, connect_retry, data,
    free_port, have_openssl, openssl_bin, pump, run_openssl,
};
use tls13::crypto::hash::HashAlgorithm;
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::resumption::ExternalPsk;
use tls13::{
    ClientConfig, ClientConnection, Event, Negotiated, PinnedCertVerifier, ServerConfig,
    ServerConnection,
};

const PSK_ID: &str = "interop-client";
const PSK_HEX: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

struct Cert {
    cert: PathBuf,
    key: PathBuf,
}

fn make_cert(dir: &TempDir) -> Cert {
    let cert = dir.path("cert.pem");
    let key = dir.path("key.pem");
    run_openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
    ]);
    Cert { cert, key }
}

fn leaf(c: &Cert) -> Vec<u8> {
    pem::certificates(&std::fs::read_to_string(&c.cert).unwrap()).unwrap()[0].clone()
}

fn s_server(args: &[&str], port: u16) -> (ChildGuard, Collector, Collector) {
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args([
                "s_server",
                "-tls1_3",
                "-accept",
                &format!("127.0.0.1:{port}"),
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    let (out, err) = child.collect();
    (child, out, err)
}

/// One connection of our client: handshake, optional early data, then
/// (with `line`) a line that s_server -rev reverses, and the tickets;
/// close. Returns the events and what was negotiated.
fn client_round(
    config: &Arc<ClientConfig>,
    port: u16,
    early: Option<&[u8]>,
    line: Option<&[u8]>,
) -> (Seen, Negotiated) {
    let mut sock: TcpStream = connect_retry(port);
    let mut conn = ClientConnection::new(config.clone(), "localhost").unwrap();
    if let Some(e) = early {
        assert_eq!(conn.send_early_data(e).unwrap(), e.len());
    }
    let mut events = Seen::default();
    pump(&mut conn, &mut sock, &mut events, complete).expect("handshake");
    let want: Vec<u8> = match line {
        Some(line) => {
            conn.send(line).unwrap();
            line.strip_suffix(b"\n")
                .unwrap()
                .iter()
                .rev()
                .copied()
                .collect()
        }
        None => Vec::new(),
    };
    // Also wait for the tickets, which s_server sends after the handshake.
    pump(&mut conn, &mut sock, &mut events, |ev| {
        (want.is_empty() || data(ev).windows(want.len()).any(|w| w == want.as_slice()))
            && ev.iter().any(|e| matches!(e, Event::NewSessionTicket(_)))
    })
    .expect("round trip");
    conn.close();
    let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
    let negotiated = conn.negotiated().clone();
    (events, negotiated)
}

#[test]
fn our_client_resumes_with_s_server() {
    if !have_openssl("our_client_resumes_with_s_server") {
        return;
    }
    let dir = TempDir::new("resume-client");
    let c = make_cert(&dir);
    let port = free_port();
    let (mut child, out, err) = s_server(
        &[
            "-cert",
            c.cert.to_str().unwrap(),
            "-key",
            c.key.to_str().unwrap(),
            "-rev",
            "-naccept",
            "2",
        ],
        port,
    );
    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf(&c))))
            .build()
            .unwrap(),
    );
    let (_, n1) = client_round(&config, port, None, Some(b"first\n"));
    assert!(!n1.resumed);
    let (_, n2) = client_round(&config, port, None, Some(b"second\n"));
    let status = child.wait_bounded(Duration::from_secs(5));
    assert!(
        n2.resumed,
        "not resumed\n{}\n{}",
        out.get(Duration::from_secs(2)),
        err.get(Duration::from_secs(2))
    );
    assert!(
        status.is_some(),
        "s_server did not exit after two connections"
    );
}

#[test]
fn our_client_sends_early_data_to_s_server() {
    if !have_openssl("our_client_sends_early_data_to_s_server") {
        return;
    }
    let dir = TempDir::new("resume-early");
    let c = make_cert(&dir);
    let port = free_port();
    let (mut child, out, err) = s_server(
        &[
            "-cert",
            c.cert.to_str().unwrap(),
            "-key",
            c.key.to_str().unwrap(),
            // -early_data cannot be combined with -rev.
            "-early_data",
            "-naccept",
            "2",
        ],
        port,
    );
    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf(&c))))
            .enable_early_data(true)
            .build()
            .unwrap(),
    );
    let (_, n1) = client_round(&config, port, None, None);
    assert!(!n1.resumed);
    let (events, n2) = client_round(&config, port, Some(b"zero-rtt-bytes"), None);
    child.wait_bounded(Duration::from_secs(5));
    let stdout = out.get(Duration::from_secs(5));
    assert!(
        n2.resumed && n2.early_data_accepted,
        "early data not accepted: {events:?}\n{stdout}\n{}",
        err.get(Duration::from_secs(2))
    );
    assert!(events.iter().any(|e| matches!(e, Event::EarlyDataAccepted)));
    assert!(
        stdout.contains("zero-rtt-bytes"),
        "s_server did not print the early data:\n{stdout}"
    );
}

#[test]
fn our_client_uses_external_psk_with_s_server() {
    if !have_openssl("our_client_uses_external_psk_with_s_server") {
        return;
    }
    let port = free_port();
    let (mut child, out, err) = s_server(
        &[
            "-nocert",
            "-psk_identity",
            PSK_ID,
            "-psk",
            PSK_HEX,
            "-rev",
            "-naccept",
            "1",
        ],
        port,
    );
    // No certificate will come: the verifier pins nothing usable.
    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(vec![0x30, 0])))
            .external_psk(
                ExternalPsk::new(
                    PSK_ID.as_bytes(),
                    &hex::decode(PSK_HEX).unwrap(),
                    HashAlgorithm::Sha256,
                )
                .unwrap(),
            )
            .build()
            .unwrap(),
    );
    let mut sock = connect_retry(port);
    let mut conn = ClientConnection::new(config, "localhost").unwrap();
    let mut events = Seen::default();
    let r = pump(&mut conn, &mut sock, &mut events, complete);
    assert!(
        r.is_ok(),
        "{r:?}\n{}\n{}",
        out.get(Duration::from_secs(2)),
        err.get(Duration::from_secs(2))
    );
    conn.send(b"abc\n").unwrap();
    pump(&mut conn, &mut sock, &mut events, |ev| {
        data(ev).starts_with(b"cba")
    })
    .unwrap();
    assert!(conn.negotiated().resumed && conn.negotiated().external_psk);
    conn.close();
    let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
    child.wait_bounded(Duration::from_secs(5));
}

// ---------- openssl s_client against our server ----------

const PING: &[u8] = b"ping from openssl s_client\n";

/// What our server saw on one connection.
struct Served {
    negotiated: Negotiated,
    early: Vec<u8>,
    data: Vec<u8>,
}

/// Serves `count` connections on `listener`, one at a time: handshake
/// (reported on `hs`), a line, its upper-case echo, close.
fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    count: usize,
    hs: mpsc::Sender<()>,
) -> mpsc::Receiver<Result<Served, String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..count {
            let r = (|| -> Result<Served, String> {
                let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
                let mut conn = ServerConnection::new(config.clone()).map_err(|e| e.to_string())?;
                let mut events = Seen::default();
                pump(&mut conn, &mut sock, &mut events, complete)
                    .map_err(|e| format!("handshake: {e}"))?;
                let _ = hs.send(());
                pump(&mut conn, &mut sock, &mut events, |ev| {
                    data(ev).ends_with(b"\n")
                })
                .map_err(|e| format!("read: {e}"))?;
                let got = data(&events);
                conn.send(String::from_utf8_lossy(&got).to_uppercase().as_bytes())
                    .map_err(|e| e.to_string())?;
                conn.close();
                let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
                let early = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::EarlyData(d) => Some(d.clone()),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                Ok(Served {
                    negotiated: conn.negotiated().clone(),
                    early,
                    data: got,
                })
            })();
            let failed = r.is_err();
            let _ = tx.send(r);
            if failed {
                return;
            }
        }
    });
    rx
}

/// One s_client run: connects, waits for our server's handshake, sends
/// PING, returns its stdout once it exits.
fn s_client(
    port: u16,
    args: &[&str],
    hs: &mpsc::Receiver<()>,
    seen: &mpsc::Receiver<Result<Served, String>>,
) -> (String, Served) {
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args([
                "s_client",
                "-tls1_3",
                "-ign_eof",
                "-servername",
                "localhost",
            ])
            .args(["-connect", &format!("127.0.0.1:{port}")])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_client"),
    );
    let (out, err) = child.collect();
    let mut stdin = child.0.stdin.take().unwrap();
    if hs.recv_timeout(TIMEOUT).is_err() {
        let outcome = seen.recv_timeout(Duration::from_secs(2)).err();
        panic!(
            "no handshake ({outcome:?}):\n{}\n{}",
            out.get(Duration::from_secs(2)),
            err.get(Duration::from_secs(2))
        );
    }
    // s_client drops input that arrives before its handshake completes.
    std::thread::sleep(Duration::from_millis(100));
    stdin.write_all(PING).unwrap();
    stdin.flush().unwrap();
    let outcome = seen.recv_timeout(TIMEOUT);
    drop(stdin);
    child.wait_bounded(Duration::from_secs(5));
    let stdout = out.get(Duration::from_secs(5));
    match outcome {
        Ok(Ok(s)) => (stdout, s),
        Ok(Err(e)) => panic!(
            "server failed: {e}\n{stdout}\n{}",
            err.get(Duration::from_secs(2))
        ),
        Err(_) => panic!(
            "server timed out\n{stdout}\n{}",
            err.get(Duration::from_secs(2))
        ),
    }
}

fn server_config(c: &Cert, early: u32) -> Arc<ServerConfig> {
    let chain = pem::certificates(&std::fs::read_to_string(&c.cert).unwrap()).unwrap();
    let key = SigningKey::from_pem(&std::fs::read_to_string(&c.key).unwrap()).unwrap();
    Arc::new(
        ServerConfig::builder_with_single_cert(chain, key)
            .session_tickets(2)
            .max_early_data_size(early)
            .build()
            .unwrap(),
    )
}

#[test]
fn s_client_resumes_with_our_server() {
    if !have_openssl("s_client_resumes_with_our_server") {
        return;
    }
    let dir = TempDir::new("resume-server");
    let c = make_cert(&dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let seen = serve(listener, server_config(&c, 0), 2, hs_tx);
    let sess = dir.path("sess.pem");
    let sess = sess.to_str().unwrap();
    let (out1, s1) = s_client(port, &["-sess_out", sess], &hs_rx, &seen);
    assert!(!s1.negotiated.resumed);
    assert!(out1.contains("New, TLSv1.3"), "{out1}");
    assert!(out1.contains("PING FROM OPENSSL S_CLIENT"), "{out1}");
    let (out2, s2) = s_client(port, &["-sess_in", sess], &hs_rx, &seen);
    assert!(s2.negotiated.resumed);
    assert_eq!(s2.data, PING);
    assert!(out2.contains("Reused, TLSv1.3"), "{out2}");
    assert!(out2.contains("PING FROM OPENSSL S_CLIENT"), "{out2}");
}

#[test]
fn s_client_sends_early_data_to_our_server() {
    if !have_openssl("s_client_sends_early_data_to_our_server") {
        return;
    }
    let dir = TempDir::new("resume-server-early");
    let c = make_cert(&dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let seen = serve(listener, server_config(&c, 16384), 2, hs_tx);
    let sess = dir.path("sess.pem");
    let sess = sess.to_str().unwrap();
    let early = dir.write("early.txt", "early bytes from s_client");
    let (_, s1) = s_client(port, &["-sess_out", sess], &hs_rx, &seen);
    assert!(!s1.negotiated.resumed);
    let (out2, s2) = s_client(
        port,
        &["-sess_in", sess, "-early_data", &early],
        &hs_rx,
        &seen,
    );
    assert!(out2.contains("Reused, TLSv1.3"), "{out2}");
    assert!(s2.negotiated.early_data_accepted, "{out2}");
    assert_eq!(s2.early, b"early bytes from s_client");
    assert!(out2.contains("Early data was accepted"), "{out2}");
}

#[test]
fn s_client_uses_external_psk_with_our_server() {
    if !have_openssl("s_client_uses_external_psk_with_our_server") {
        return;
    }
    struct NoCert;
    impl tls13::ResolvesServerCert for NoCert {
        fn resolve(
            &self,
            _: &tls13::ClientHelloInfo,
        ) -> tls13::Decision<Result<Arc<tls13::CertifiedKey>, tls13::Error>> {
            tls13::Decision::Ready(Err(tls13::Error::BadConfig("PSK only".into())))
        }
    }
    let config = Arc::new(
        ServerConfig::builder(Arc::new(NoCert))
            .external_psk(
                ExternalPsk::new(
                    PSK_ID.as_bytes(),
                    &hex::decode(PSK_HEX).unwrap(),
                    HashAlgorithm::Sha256,
                )
                .unwrap(),
            )
            .build()
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let seen = serve(listener, config, 1, hs_tx);
    let (out, s) = s_client(
        port,
        &["-psk_identity", PSK_ID, "-psk", PSK_HEX],
        &hs_rx,
        &seen,
    );
    assert!(s.negotiated.resumed && s.negotiated.external_psk);
    assert_eq!(s.data, PING);
    assert!(out.contains("PING FROM OPENSSL S_CLIENT"), "{out}");
}

// ---------- post-handshake client authentication ----------

/// A self-signed client certificate for `CN=phaclient` made by openssl.
fn make_client_cert(dir: &TempDir) -> Cert {
    let cert = dir.path("client-cert.pem");
    let key = dir.path("client-key.pem");
    run_openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-days",
        "2",
        "-subj",
        "/CN=phaclient",
    ]);
    Cert { cert, key }
}

/// Feeds what the socket has within a short wait (nothing is fine).
fn read_once(conn: &mut tls13::Connection, sock: &mut TcpStream) {
    use std::io::Read;
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = [0u8; 16384];
    if let Ok(n @ 1..) = sock.read(&mut buf) {
        conn.receive(&buf[..n]).expect("records from s_server");
    }
}

#[test]
fn s_server_asks_our_client_after_the_handshake() {
    if !have_openssl("s_server_asks_our_client_after_the_handshake") {
        return;
    }
    let dir = TempDir::new("pha-client");
    let c = make_cert(&dir);
    let cc = make_client_cert(&dir);
    let port = free_port();
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args([
                "s_server",
                "-tls1_3",
                "-accept",
                &format!("127.0.0.1:{port}"),
            ])
            .args([
                "-cert",
                c.cert.to_str().unwrap(),
                "-key",
                c.key.to_str().unwrap(),
            ])
            .args(["-naccept", "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    // Watched as they arrive: s_server's stdout is block-buffered when
    // piped, and its verify callback reports the client on stderr.
    let out = Watcher::new(child.0.stdout.take().unwrap());
    let err = Watcher::new(child.0.stderr.take().unwrap());
    let mut stdin = child.0.stdin.take().unwrap();
    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(leaf(&c))))
            .client_auth_cert(
                pem::certificates(&std::fs::read_to_string(&cc.cert).unwrap()).unwrap(),
                SigningKey::from_pem(&std::fs::read_to_string(&cc.key).unwrap()).unwrap(),
            )
            .build()
            .unwrap(),
    );
    let mut sock = connect_retry(port);
    let mut conn = ClientConnection::new(config, "localhost").unwrap();
    let mut events = Seen::default();
    pump(&mut conn, &mut sock, &mut events, complete).expect("handshake");
    // s_server's `c` command: a post-handshake CertificateRequest. Our
    // client answers it while pumping; s_server's verify callback then
    // names our certificate. Each stdin line is sent only once the previous
    // one has had its effect, so s_server never reads two in one go.
    stdin.write_all(b"c\n").unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !err.wait_for("phaclient", 1, Duration::from_millis(20)) {
        assert!(
            std::time::Instant::now() < deadline,
            "s_server did not get our certificate:\n{}\n{}",
            out.text(),
            err.text()
        );
        read_once(&mut conn, &mut sock);
        pump(&mut conn, &mut sock, &mut events, |_| true).expect("answer the request");
    }
    stdin.write_all(b"after pha\n").unwrap();
    stdin.flush().unwrap();
    pump(&mut conn, &mut sock, &mut events, |ev| {
        data(ev).windows(9).any(|w| w == b"after pha")
    })
    .expect("data after the request");
    conn.close();
    let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
    drop(stdin);
    child.wait_bounded(Duration::from_secs(10));
    let stderr = err.wait_end(Duration::from_secs(5));
    assert!(stderr.contains("CN = phaclient"), "{stderr}");
    assert!(conn.negotiated().client_signature_scheme.is_some());
}

#[test]
fn our_server_asks_s_client_after_the_handshake() {
    if !have_openssl("our_server_asks_s_client_after_the_handshake") {
        return;
    }
    let dir = TempDir::new("pha-server");
    let c = make_cert(&dir);
    let cc = make_client_cert(&dir);
    let client_leaf = leaf(&cc);
    let chain = pem::certificates(&std::fs::read_to_string(&c.cert).unwrap()).unwrap();
    let key = SigningKey::from_pem(&std::fs::read_to_string(&c.key).unwrap()).unwrap();
    let config = Arc::new(
        ServerConfig::builder_with_single_cert(chain, key)
            .post_handshake_client_verifier(Arc::new(tls13::PinnedClientCertVerifier::new(vec![
                client_leaf.clone(),
            ])))
            .build()
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<Vec<Vec<u8>>, String> {
            let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
            let mut conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
            let mut events = Seen::default();
            pump(&mut conn, &mut sock, &mut events, complete).map_err(|e| e.to_string())?;
            conn.request_client_certificate()
                .map_err(|e| e.to_string())?;
            pump(&mut conn, &mut sock, &mut events, |ev| {
                ev.iter().any(|e| matches!(e, Event::PostHandshakeAuth(_)))
            })
            .map_err(|e| format!("after the request: {e}"))?;
            conn.send(b"authenticated\n").map_err(|e| e.to_string())?;
            conn.close();
            let _ = pump(&mut conn, &mut sock, &mut events, |_| true);
            Ok(conn.negotiated().peer_certificates.clone())
        })();
        let _ = tx.send(r);
    });
    let mut child = ChildGuard(
        Command::new(openssl_bin())
            .args(["s_client", "-tls1_3", "-ign_eof", "-enable_pha"])
            .args(["-connect", &format!("127.0.0.1:{port}")])
            .args(["-cert", cc.cert.to_str().unwrap()])
            .args(["-key", cc.key.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_client"),
    );
    let (out, err) = child.collect();
    let stdin = child.0.stdin.take().unwrap();
    let outcome = rx.recv_timeout(TIMEOUT);
    drop(stdin);
    child.wait_bounded(Duration::from_secs(5));
    let stdout = out.get(Duration::from_secs(5));
    match outcome {
        Ok(Ok(chain)) => assert_eq!(chain, vec![client_leaf]),
        other => panic!(
            "{:?}\n{stdout}\n{}",
            other.map(|r| r.map(|_| ())),
            err.get(Duration::from_secs(2))
        ),
    }
    assert!(stdout.contains("authenticated"), "{stdout}");
}
