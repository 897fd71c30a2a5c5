//! OCSP stapling with real peers, both ways (RFC 9846 §4.5.1.1): our
//! client against `openssl s_server -status_file` and
//! `gnutls-serv --ocsp-response` (it asks, gets the response, and our
//! WebPKI verifier checks it: a good one connects, a revoked one fails
//! with certificate_revoked), and our server stapling to
//! `openssl s_client -status` (which prints the response) and
//! `gnutls-cli --save-ocsp` (which writes what it received and checks it
//! itself).
//!
//! The certificates are the fixtures of `vectors/ocsp/`; the responses
//! are signed at test time by `openssl ocsp` with the fixture CA's key, so
//! they are current for the system clock these peers and our examples
//! run on. A missing program skips visibly, or fails under CI
//! (`tests/skip`).

mod openssl;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use openssl::{
    ChildGuard, Collector, TIMEOUT, TempDir, connect_retry, free_port, have_openssl, have_program,
    openssl_bin, program, run_openssl,
};
use tls13::crypto::pem;
use tls13::crypto::sign::SigningKey;
use tls13::error::CertificateError;
use tls13::stream::{ClientStream, ServerStream};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::{ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};

fn fixture(name: &str) -> String {
    format!("{}/vectors/ocsp/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A response for fixture certificate `cert` (serial 0x1001 good, 0x1002
/// revoked), signed now by the fixture CA, valid for a day.
fn fresh_response(dir: &TempDir, cert: &str) -> Vec<u8> {
    let index = dir.path("index.txt");
    std::fs::write(
        &index,
        "V\t361201000000Z\t\t1001\tunknown\t/CN=ocsp.test\n\
         R\t361201000000Z\t260101000000Z,keyCompromise\t1002\tunknown\t/CN=ocsp.test\n",
    )
    .unwrap();
    std::fs::write(dir.path("index.txt.attr"), "unique_subject = no\n").unwrap();
    let out = dir.path(&format!("{cert}.der"));
    run_openssl(&[
        "ocsp",
        "-index",
        index.to_str().unwrap(),
        "-CA",
        &fixture("ca.pem"),
        "-rsigner",
        &fixture("ca.pem"),
        "-rkey",
        &fixture("ca.key"),
        "-issuer",
        &fixture("ca.pem"),
        "-cert",
        &fixture(&format!("{cert}.pem")),
        "-no_nonce",
        "-ndays",
        "1",
        "-respout",
        out.to_str().unwrap(),
    ]);
    std::fs::read(out).unwrap()
}

fn client_config() -> ClientConfig {
    let ca = std::fs::read_to_string(fixture("ca.pem")).unwrap();
    ClientConfig::builder(Arc::new(WebPkiServerVerifier::from_pem(&ca).unwrap()))
        .request_ocsp(true)
        .build()
        .unwrap()
}

/// Our client, asking for the status, on `port`: the negotiated staple,
/// after a line echoed back (reversed when `reversed`).
fn our_client(port: u16, reversed: bool) -> Result<Option<Vec<u8>>, Error> {
    let sock = connect_retry(port);
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let conn = ClientConnection::new(Arc::new(client_config()), "ocsp.test").unwrap();
    let mut tls = ClientStream::new(conn, sock);
    tls.handshake().map_err(|e| {
        e.get_ref()
            .and_then(|i| i.downcast_ref::<Error>())
            .cloned()
            .unwrap_or_else(|| panic!("not a TLS error: {e}"))
    })?;
    tls.write_all(b"stapled\n").unwrap();
    tls.flush().unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.ends_with(b"\n") {
        let n = tls.read(&mut buf).expect("read the reply");
        assert!(n > 0, "the server closed before replying");
        got.extend_from_slice(&buf[..n]);
    }
    let want = if reversed { "delpats" } else { "stapled" };
    assert_eq!(String::from_utf8_lossy(&got).trim_end(), want);
    let staple = tls.conn().negotiated().peer_ocsp_response.clone();
    let _ = tls.close();
    Ok(staple)
}

/// `openssl s_server -status_file` serving fixture `cert` with `response`.
fn s_server(dir: &TempDir, cert: &str, response: &[u8]) -> (ChildGuard, u16) {
    let file = dir.path(&format!("{cert}-status.der"));
    std::fs::write(&file, response).unwrap();
    let port = free_port();
    let child = ChildGuard(
        Command::new(openssl_bin())
            .args(["s_server", "-tls1_3", "-rev", "-naccept", "1"])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", &fixture(&format!("{cert}.pem"))])
            .args(["-key", &fixture(&format!("{cert}.key"))])
            .args(["-status_file", file.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    (child, port)
}

#[test]
fn our_client_checks_the_staple_of_openssl_s_server() {
    if !have_openssl("our_client_checks_the_staple_of_openssl_s_server") {
        return;
    }
    let dir = TempDir::new("ocsp-s-server");
    let good = fresh_response(&dir, "leaf");
    let (_child, port) = s_server(&dir, "leaf", &good);
    assert_eq!(our_client(port, true).unwrap(), Some(good));

    let revoked = fresh_response(&dir, "revoked");
    let (_child, port) = s_server(&dir, "revoked", &revoked);
    let e = our_client(port, true).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::Revoked { .. })
        ),
        "{e:?}"
    );
}

/// Our server with `builder_with_stapled_cert`, for one connection that
/// reads a line and answers it upper-cased; reports the handshake on
/// `hs`, the outcome on the returned channel.
fn our_server(
    response: Vec<u8>,
    hs: mpsc::Sender<()>,
) -> (u16, mpsc::Receiver<Result<(), String>>) {
    let chain = pem::certificates(&std::fs::read_to_string(fixture("leaf.pem")).unwrap()).unwrap();
    let key = SigningKey::from_pem(&std::fs::read_to_string(fixture("leaf.key")).unwrap()).unwrap();
    let config = ServerConfig::builder_with_stapled_cert(chain, key, Some(response), Vec::new())
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<(), String> {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(TIMEOUT)).unwrap();
            sock.set_write_timeout(Some(TIMEOUT)).unwrap();
            let conn = ServerConnection::new(Arc::new(config)).map_err(|e| e.to_string())?;
            let mut tls = ServerStream::new(conn, sock);
            tls.handshake().map_err(|e| format!("handshake: {e}"))?;
            let _ = hs.send(());
            let mut got = Vec::new();
            let mut buf = [0u8; 256];
            while !got.ends_with(b"\n") {
                let n = tls.read(&mut buf).map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err(format!("the client closed after {got:?}"));
                }
                got.extend_from_slice(&buf[..n]);
            }
            let reply = String::from_utf8_lossy(&got).to_uppercase();
            tls.write_all(reply.as_bytes())
                .map_err(|e| format!("write: {e}"))?;
            tls.close().map_err(|e| format!("close: {e}"))
        })();
        let _ = tx.send(r);
    });
    (port, rx)
}

/// Runs a peer client program against our stapling server: writes a
/// line once our handshake is done; returns (stdout, stderr).
fn peer_client_against_our_server(bin: &str, args: &[String], response: Vec<u8>) -> String {
    let (hs_tx, hs_rx) = mpsc::channel();
    let (port, outcome) = our_server(response, hs_tx);
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{port}", &port.to_string()))
        .collect();
    let mut child = ChildGuard(
        Command::new(bin)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {bin}: {e}")),
    );
    let out = Collector::new(child.0.stdout.take().unwrap());
    let err = Collector::new(child.0.stderr.take().unwrap());
    let mut stdin = child.0.stdin.take().unwrap();
    let text = |out: &Collector, err: &Collector| {
        format!(
            "{}\n{}",
            out.get(Duration::from_secs(5)),
            err.get(Duration::from_secs(5))
        )
    };
    if hs_rx.recv_timeout(TIMEOUT).is_err() {
        let o = outcome.recv_timeout(Duration::from_secs(2));
        let _ = child.0.kill();
        panic!("handshake did not complete: {o:?}\n{}", text(&out, &err));
    }
    stdin.write_all(b"ping over a stapled handshake\n").unwrap();
    stdin.flush().unwrap();
    let r = outcome.recv_timeout(TIMEOUT);
    drop(stdin);
    let _ = child.wait_bounded(Duration::from_secs(5));
    let all = text(&out, &err);
    assert!(matches!(r, Ok(Ok(()))), "our server: {r:?}\n{all}");
    assert!(
        all.contains("PING OVER A STAPLED HANDSHAKE"),
        "no round trip:\n{all}"
    );
    all
}

#[test]
fn openssl_s_client_receives_our_staple() {
    if !have_openssl("openssl_s_client_receives_our_staple") {
        return;
    }
    let dir = TempDir::new("ocsp-s-client");
    let good = fresh_response(&dir, "leaf");
    let args: Vec<String> = [
        "s_client",
        "-tls1_3",
        "-ign_eof",
        "-status",
        "-servername",
        "ocsp.test",
        "-CAfile",
        &fixture("ca.pem"),
        "-verify_return_error",
        "-connect",
        "127.0.0.1:{port}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = peer_client_against_our_server(&openssl_bin(), &args, good);
    assert!(
        out.contains("OCSP Response Status: successful"),
        "s_client shows no stapled response:\n{out}"
    );
    assert!(out.contains("Cert Status: good"), "{out}");
    assert!(!out.contains("no response sent"), "{out}");
}

fn gnutls(test: &str, env: &str, name: &str) -> Option<String> {
    let bin = program(env, name);
    have_program(
        test,
        &bin,
        "--version",
        &format!("install gnutls-bin or set ${env}"),
    )
    .then_some(bin)
}

#[test]
fn our_client_checks_the_staple_of_gnutls_serv() {
    let test = "our_client_checks_the_staple_of_gnutls_serv";
    let (Some(serv), true) = (
        gnutls(test, "GNUTLS_SERV", "gnutls-serv"),
        have_openssl(test),
    ) else {
        return;
    };
    let dir = TempDir::new("ocsp-gnutls-serv");
    let good = fresh_response(&dir, "leaf");
    let file = dir.path("status.der");
    std::fs::write(&file, &good).unwrap();
    let port = free_port();
    let _child = ChildGuard(
        Command::new(serv)
            .args(["--echo", "-p", &port.to_string()])
            .args(["--x509certfile", &fixture("leaf.pem")])
            .args(["--x509keyfile", &fixture("leaf.key")])
            .args(["--ocsp-response", file.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn gnutls-serv"),
    );
    assert_eq!(our_client(port, false).unwrap(), Some(good));
}

#[test]
fn gnutls_cli_receives_our_staple() {
    let test = "gnutls_cli_receives_our_staple";
    let (Some(cli), true) = (gnutls(test, "GNUTLS_CLI", "gnutls-cli"), have_openssl(test)) else {
        return;
    };
    let dir = TempDir::new("ocsp-gnutls-cli");
    let good = fresh_response(&dir, "leaf");
    let saved = dir.path("saved.der");
    let args: Vec<String> = [
        "--x509cafile",
        &fixture("ca.pem"),
        "--sni-hostname",
        "ocsp.test",
        "--verify-hostname",
        "ocsp.test",
        &format!("--save-ocsp={}", saved.to_str().unwrap()),
        "-p",
        "{port}",
        "127.0.0.1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = peer_client_against_our_server(&cli, &args, good.clone());
    // gnutls-cli verified the chain with the staple (it refuses a revoked
    // or unverifiable one) and saved what it received.
    assert!(out.contains("The certificate is trusted"), "{out}");
    assert_eq!(
        std::fs::read(Path::new(&saved)).unwrap(),
        good,
        "gnutls-cli saved another response:\n{out}"
    );
}
