//! Certificate compression (RFC 8879) interop on loopback, both ways,
//! server and client certificates, with the two C libraries Debian ships:
//!
//! - **OpenSSL 3.5**, zlib and zstd each: our server compressing its
//!   chain to `openssl s_client`; `openssl s_server -cert_comp`
//!   compressing its chain to our client; our client compressing its
//!   certificate to `s_server -Verify 1`; `s_client -cert … -key …`
//!   compressing its certificate to our server requiring one.
//! - **GnuTLS 3.7.9**, zlib, brotli and zstd each: the same four cases
//!   with `gnutls-serv --compress-cert=ALG` and `gnutls-cli
//!   --compress-cert=ALG`.
//!
//! Each case is a data round trip. Our side's [`Negotiated`] must name
//! the algorithm; the peer's own log must show a CompressedCertificate
//! going the same way (OpenSSL's `-trace` names the algorithm; GnuTLS's
//! `-d 4` handshake log shows the message, and the peer offered one
//! algorithm only); and the receiving side must have validated the chain
//! it decompressed (our WebPKI verifiers against the issuing CA;
//! OpenSSL's `-CAfile`; GnuTLS's `--x509cafile`, which for gnutls-serv
//! with `--verify-client-cert` ends the handshake on an untrusted one).
//!
//! Neither peer is the system's, and neither is installed over it:
//! - bookworm's OpenSSL 3.0 predates RFC 8879 support.
//!   `scripts/openssl-cert-comp.sh` unpacks trixie's 3.5 (built with zlib
//!   and zstd, not brotli) under `/opt/openssl-cert-comp`, or
//!   `$OPENSSL_CERT_COMP` names another one.
//! - Debian builds GnuTLS (3.7.9 on bookworm, 3.8.9 on trixie alike)
//!   without zlib, brotli or zstd, so its `--compress-cert` is ignored
//!   with "Unknown compression method". `scripts/gnutls-cert-comp.sh`
//!   builds bookworm's own GnuTLS 3.7.9 source with the three libraries
//!   into `/opt/gnutls-cert-comp` (the two programs and the library), or
//!   `$GNUTLS_CERT_COMP_DIR` names another prefix.
//!
//! `.ci/run` provides both. When one is missing the tests skip
//! (`tests/skip`: a visible SKIPPED line, a failure under CI). Brotli
//! against rustls, with zlib, is in
//! `compare/tests/interop_cert_compression.rs`.
//!
//! Two more tests pin what Debian's packaged GnuTLS does: it refuses the
//! option, the handshake with our compression-enabled side still
//! completes, and nothing goes compressed either way.

mod peers;

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use peers::*;
use tls13::certgen::KeyType;
use tls13::compress::{CertificateCompressionAlgorithm as Alg, SUPPORTED};
use tls13::config::ClientAuth;
use tls13::crypto::sign::SigningKey;
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::{ClientConfig, ClientConnection, Error, Negotiated, ServerConfig, ServerConnection};

/// The OpenSSL with certificate compression (see the module docs).
fn openssl_bin() -> String {
    program("OPENSSL_CERT_COMP", "/opt/openssl-cert-comp/openssl")
}

fn have_openssl(test: &str) -> bool {
    have_program(
        test,
        &openssl_bin(),
        "version",
        "run `scripts/openssl-cert-comp.sh /opt/openssl-cert-comp` as .ci/run does, \
         or set $OPENSSL_CERT_COMP to an openssl 3.2 or later built with zlib and zstd",
    )
}

/// The name OpenSSL's `-trace` gives `alg`.
fn trace_name(alg: Alg) -> &'static str {
    match alg {
        Alg::ZLIB => "zlib",
        Alg::ZSTD => "zstd",
        Alg::BROTLI => "brotli",
        _ => unreachable!("no other algorithm is tested"),
    }
}

/// Which way a record went, as OpenSSL's `-trace` heads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Sent,
    Received,
}

/// The CompressedCertificate messages in an OpenSSL `-trace` log: which
/// way each went and its algorithm, as the trace names it. The trace
/// heads each record with "Sent TLS Record" or "Received TLS Record" and
/// prints such a message as "CompressedCertificate, Length=…" followed by
/// "Compression type=zlib (0x0001)".
fn compressed_certificates(trace: &str) -> Vec<(Dir, String)> {
    let mut dir = None;
    let mut in_message = false;
    let mut found = Vec::new();
    for line in trace.lines() {
        let t = line.trim();
        if t.starts_with("Sent TLS Record") {
            dir = Some(Dir::Sent);
            in_message = false;
        } else if t.starts_with("Received TLS Record") {
            dir = Some(Dir::Received);
            in_message = false;
        } else if t.starts_with("CompressedCertificate, Length=") {
            in_message = true;
        } else if in_message && let Some(rest) = t.strip_prefix("Compression type=") {
            let name = rest.split_whitespace().next().unwrap_or("").to_owned();
            found.push((dir.expect("a record heading before its message"), name));
            in_message = false;
        }
    }
    found
}

/// A server PKI and a client PKI (each a CA and a leaf it issued), as
/// DER and as PEM files in `dir`.
fn pkis(dir: &TempDir) -> (Pki, Pki) {
    (
        pki(dir, "server", "localhost", KeyType::EcdsaP256),
        pki(dir, "client", "client.example", KeyType::EcdsaP256),
    )
}

/// What one side of ours saw: the parameters, and the line it received.
type Outcome = Result<(Negotiated, Vec<u8>), Error>;

// ---------- our two sides, shared by every peer below ----------

/// Our client's configuration: trusting `server`'s CA, offering `algs`,
/// and presenting `client`'s chain when `client_cert`.
fn our_client_config(server: &Pki, client: &Pki, algs: &[Alg], client_cert: bool) -> ClientConfig {
    let ca_pem = std::fs::read_to_string(&server.ca_pem).unwrap();
    let mut builder =
        ClientConfig::builder(Arc::new(WebPkiServerVerifier::from_pem(&ca_pem).unwrap()))
            .certificate_compression(algs);
    if client_cert {
        builder = builder.client_auth_cert(
            vec![client.leaf.clone(), client.ca.clone()],
            SigningKey::from_der(&client.key).unwrap(),
        );
    }
    builder.build().unwrap()
}

/// Our client on 127.0.0.1:`port` (the peer's server may still be
/// starting): the handshake, `line` sent, one line back; then a
/// close_notify and the peer's when `close`.
fn our_client_exchange(config: ClientConfig, port: u16, line: &[u8], close: bool) -> Outcome {
    let mut tls = ClientConnection::new(Arc::new(config), "localhost")?;
    let mut sock = connect_retry(port);
    let mut events = Seen::default();
    pump(&mut tls, &mut sock, &mut events, complete)?;
    tls.send(line)?;
    pump(&mut tls, &mut sock, &mut events, |ev| {
        data(ev).ends_with(b"\n")
    })?;
    let got = data(&events);
    if close {
        tls.close();
        pump(&mut tls, &mut sock, &mut events, |_| true)?;
    }
    Ok((tls.negotiated().clone(), got))
}

/// Our server's configuration: `server`'s chain, compressing with
/// `algs`, and requiring a certificate from `client`'s CA when
/// `client_cert`.
fn our_server_config(server: &Pki, client: &Pki, algs: &[Alg], client_cert: bool) -> ServerConfig {
    let mut builder = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone(), server.ca.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .certificate_compression(algs);
    if client_cert {
        let ca_pem = std::fs::read_to_string(&client.ca_pem).unwrap();
        builder = builder.client_auth(ClientAuth::Required(Arc::new(
            WebPkiClientVerifier::from_pem(&ca_pem).unwrap(),
        )));
    }
    builder.build().unwrap()
}

/// Our server, in a thread, on a port of the OS's choosing: one
/// connection, the handshake (reported on the first receiver), one line
/// received, `reply` sent, then closed. Returns the port, the handshake
/// signal and the outcome.
fn spawn_our_server(
    config: ServerConfig,
    reply: &'static [u8],
) -> (u16, mpsc::Receiver<()>, mpsc::Receiver<Outcome>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hs_tx, hs_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = (|| {
            let (mut sock, _) = listener.accept().map_err(|_| Error::Internal("accept"))?;
            let mut tls = ServerConnection::new(Arc::new(config))?;
            let mut events = Seen::default();
            pump(&mut tls, &mut sock, &mut events, complete)?;
            let _ = hs_tx.send(());
            pump(&mut tls, &mut sock, &mut events, |ev| {
                data(ev).ends_with(b"\n")
            })?;
            let got = data(&events);
            tls.send(reply)?;
            tls.close();
            pump(&mut tls, &mut sock, &mut events, |_| true)?;
            Ok((tls.negotiated().clone(), got))
        })();
        let _ = done_tx.send(result);
    });
    (port, hs_rx, done_rx)
}

/// What our server thread reported, or an error if it did not in time.
fn server_outcome(done: &mpsc::Receiver<Outcome>) -> Outcome {
    done.recv_timeout(TIMEOUT + TIMEOUT)
        .unwrap_or(Err(Error::Internal(
            "our server thread did not finish in time",
        )))
}

/// Everything the peer program printed, once it has ended (or has been
/// given `wait` to end, then killed).
fn peer_log(mut child: ChildGuard, out: Collector, err: Collector, wait: Duration) -> String {
    let _ = child.wait_bounded(wait);
    drop(child);
    format!(
        "{}{}",
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5))
    )
}

// ---------- our client against openssl s_server ----------

/// Our client (offering `alg`, and presenting a certificate when
/// `client_cert`) against `s_server -trace` (`-cert_comp`: its chain
/// compressed ahead; `-Verify 1` when `client_cert`). Returns our
/// outcome, s_server's output, and the PKIs.
fn our_client_with_s_server(alg: Alg, client_cert: bool) -> (Outcome, String, Pki, Pki) {
    let dir = TempDir::new("cc-interop-c");
    let (server, client) = pkis(&dir);
    let port = free_port().to_string();
    let accept = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_server",
        "-tls1_3",
        "-rev",
        "-naccept",
        "1",
        "-accept",
        &accept,
        "-cert",
        &server.leaf_pem,
        "-key",
        &server.key_pem,
        "-cert_chain",
        &server.ca_pem,
        "-cert_comp",
        "-trace",
    ];
    if client_cert {
        args.extend(["-Verify", "1", "-CAfile", &client.ca_pem]);
    }
    let mut child = ChildGuard::spawn(&openssl_bin(), &args);
    let (out, err) = child.collect();
    let config = our_client_config(&server, &client, &[alg], client_cert);
    // -rev answers each line reversed.
    let result = our_client_exchange(config, port.parse().unwrap(), b"compressed hello\n", true);
    let log = peer_log(child, out, err, Duration::from_secs(5));
    (result, log, server, client)
}

/// s_server compresses its chain with `alg`, the one algorithm our
/// client offers; our client decompresses it and validates it.
fn s_server_sends(alg: Alg) {
    if !have_openssl(&current_test()) {
        return;
    }
    let (result, log, server, _) = our_client_with_s_server(alg, false);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ns_server said:\n{log}"));
    assert_eq!(got, b"olleh desserpmoc\n", "s_server said:\n{log}");
    assert_eq!(n.certificate_compression_received, Some(alg), "{log}");
    assert_eq!(n.certificate_compression_sent, None);
    // The chain arrived whole (and our WebPKI verifier accepted it).
    assert_eq!(n.peer_certificates, vec![server.leaf, server.ca]);
    assert_eq!(
        compressed_certificates(&log),
        vec![(Dir::Sent, trace_name(alg).to_owned())],
        "s_server's trace does not show its one CompressedCertificate:\n{log}"
    );
}

#[test]
fn s_server_sends_zlib_compressed_chain_to_our_client() {
    s_server_sends(Alg::ZLIB);
}

#[test]
fn s_server_sends_zstd_compressed_chain_to_our_client() {
    s_server_sends(Alg::ZSTD);
}

/// Our client compresses its certificate with `alg` for s_server, which
/// requires one and offered `alg` in its CertificateRequest.
fn our_client_cert_sent(alg: Alg) {
    if !have_openssl(&current_test()) {
        return;
    }
    let (result, log, _, _) = our_client_with_s_server(alg, true);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ns_server said:\n{log}"));
    assert_eq!(got, b"olleh desserpmoc\n", "s_server said:\n{log}");
    assert_eq!(n.certificate_compression_sent, Some(alg), "{log}");
    // s_server's chain came compressed too (-cert_comp).
    assert_eq!(n.certificate_compression_received, Some(alg), "{log}");
    assert!(n.client_signature_scheme.is_some());
    let name = trace_name(alg).to_owned();
    assert_eq!(
        compressed_certificates(&log),
        vec![(Dir::Sent, name.clone()), (Dir::Received, name)],
        "s_server's trace does not show our CompressedCertificate after its own:\n{log}"
    );
    // s_server decompressed our chain and verified it against -CAfile.
    assert!(
        log.contains("CN=client.example") && log.contains("Verification: OK"),
        "s_server did not report our verified certificate:\n{log}"
    );
}

#[test]
fn our_client_sends_zlib_compressed_cert_to_s_server() {
    our_client_cert_sent(Alg::ZLIB);
}

#[test]
fn our_client_sends_zstd_compressed_cert_to_s_server() {
    our_client_cert_sent(Alg::ZSTD);
}

// ---------- openssl s_client against our server ----------

/// `s_client -trace` (presenting a certificate and its CA when
/// `client_cert`) against our server compressing with `alg` (and
/// requiring a client certificate, offering `alg` for it, when
/// `client_cert`). Returns our outcome, s_client's output, and the PKIs.
fn s_client_with_our_server(alg: Alg, client_cert: bool) -> (Outcome, String, Pki, Pki) {
    let dir = TempDir::new("cc-interop-s");
    let (server, client) = pkis(&dir);
    let config = our_server_config(&server, &client, &[alg], client_cert);
    let (port, hs_rx, done_rx) = spawn_our_server(config, b"pong from tls13\n");

    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-tls1_3",
        "-connect",
        &connect,
        "-servername",
        "localhost",
        "-verify_hostname",
        "localhost",
        "-CAfile",
        &server.ca_pem,
        "-verify_return_error",
        "-ign_eof",
        "-trace",
    ];
    if client_cert {
        args.extend([
            "-cert",
            &client.leaf_pem,
            "-key",
            &client.key_pem,
            "-cert_chain",
            &client.ca_pem,
        ]);
    }
    let mut child = ChildGuard::spawn(&openssl_bin(), &args);
    let (out, err) = child.collect();
    let mut stdin = child.0.stdin.take().unwrap();
    if hs_rx.recv_timeout(TIMEOUT).is_ok() {
        // s_client drops input that arrives before its handshake is over;
        // it is over once our server has its Finished, but give it a moment.
        std::thread::sleep(Duration::from_millis(200));
        let _ = stdin.write_all(b"ping from s_client\n");
        let _ = stdin.flush();
    }
    let result = server_outcome(&done_rx);
    drop(stdin);
    let log = peer_log(child, out, err, Duration::from_secs(5));
    (result, log, server, client)
}

/// Our server compresses its chain with `alg` for s_client (which offers
/// zlib and zstd); s_client decompresses and verifies it.
fn our_server_sends(alg: Alg) {
    if !have_openssl(&current_test()) {
        return;
    }
    let (result, log, _, _) = s_client_with_our_server(alg, false);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ns_client said:\n{log}"));
    assert_eq!(got, b"ping from s_client\n", "s_client said:\n{log}");
    assert!(
        log.contains("pong from tls13"),
        "s_client did not print our reply:\n{log}"
    );
    assert_eq!(n.certificate_compression_sent, Some(alg), "{log}");
    assert_eq!(n.certificate_compression_received, None);
    assert_eq!(
        compressed_certificates(&log),
        vec![(Dir::Received, trace_name(alg).to_owned())],
        "s_client's trace does not show our one CompressedCertificate:\n{log}"
    );
    assert!(
        log.contains("Verify return code: 0 (ok)"),
        "s_client did not verify the chain it decompressed:\n{log}"
    );
}

#[test]
fn our_server_sends_zlib_compressed_chain_to_s_client() {
    our_server_sends(Alg::ZLIB);
}

#[test]
fn our_server_sends_zstd_compressed_chain_to_s_client() {
    our_server_sends(Alg::ZSTD);
}

/// s_client compresses its certificate with `alg`, the one algorithm our
/// server's CertificateRequest offers; our server decompresses it and
/// validates it against the client CA.
fn s_client_cert_sent(alg: Alg) {
    if !have_openssl(&current_test()) {
        return;
    }
    let (result, log, _, client) = s_client_with_our_server(alg, true);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ns_client said:\n{log}"));
    assert_eq!(got, b"ping from s_client\n", "s_client said:\n{log}");
    assert_eq!(n.certificate_compression_received, Some(alg), "{log}");
    assert_eq!(n.peer_certificates, vec![client.leaf, client.ca]);
    assert!(n.client_signature_scheme.is_some());
    // Our chain went compressed too (s_client offers zlib and zstd).
    assert_eq!(n.certificate_compression_sent, Some(alg), "{log}");
    let name = trace_name(alg).to_owned();
    assert_eq!(
        compressed_certificates(&log),
        vec![(Dir::Received, name.clone()), (Dir::Sent, name)],
        "s_client's trace does not show its CompressedCertificate after ours:\n{log}"
    );
}

#[test]
fn s_client_sends_zlib_compressed_cert_to_our_server() {
    s_client_cert_sent(Alg::ZLIB);
}

#[test]
fn s_client_sends_zstd_compressed_cert_to_our_server() {
    s_client_cert_sent(Alg::ZSTD);
}

#[test]
fn the_trace_reader_finds_each_message_and_its_direction() {
    // Shaped as OpenSSL 3.5's -trace prints them (abridged).
    let trace = "Sent TLS Record\nHeader:\n  Version = TLS 1.2 (0x303)\n\
        \x20 Inner Content Type = Handshake (22)\n    CompressedCertificate, Length=356\n\
        \x20     Compression type=zstd (0x0003)\n      Uncompressed length=417\n\
        Received TLS Record\nHeader:\n    ServerHello, Length=1206\n\
        \x20     compression_method: No Compression (0x00)\n\
        Received TLS Record\n    CompressedCertificate, Length=300\n\
        \x20     Compression type=zlib (0x0001)\n";
    assert_eq!(
        compressed_certificates(trace),
        vec![
            (Dir::Sent, "zstd".to_owned()),
            (Dir::Received, "zlib".to_owned())
        ]
    );
    assert!(compressed_certificates("Compression type=zlib (0x0001)\n").is_empty());
}

// ---------- GnuTLS 3.7.9 built with compression ----------

/// The compression-enabled GnuTLS program `name` (see the module docs).
fn gnutls_cc_bin(name: &str) -> String {
    let dir = program("GNUTLS_CERT_COMP_DIR", "/opt/gnutls-cert-comp");
    format!("{}/bin/{name}", dir.trim_end_matches('/'))
}

fn have_gnutls_cc(test: &str) -> bool {
    let how = "run `scripts/gnutls-cert-comp.sh /opt/gnutls-cert-comp` as .ci/run does, \
         or set $GNUTLS_CERT_COMP_DIR to a prefix whose bin/ holds gnutls-cli and gnutls-serv \
         built with zlib, brotli and zstd";
    have_program(test, &gnutls_cc_bin("gnutls-cli"), "--version", how)
        && have_program(test, &gnutls_cc_bin("gnutls-serv"), "--version", how)
}

/// The name GnuTLS's `--compress-cert` takes for `alg`.
fn gnutls_name(alg: Alg) -> &'static str {
    match alg {
        Alg::ZLIB => "zlib",
        Alg::BROTLI => "brotli",
        Alg::ZSTD => "zstd",
        _ => unreachable!("no other algorithm is tested"),
    }
}

/// What GnuTLS's handshake log (`-d 4`) says when a CompressedCertificate
/// (handshake type 25) arrives, and when one is sent. The log does not
/// name the algorithm: the one each side offers is the only one.
const GNUTLS_HSK: &str = "HSK";
const GNUTLS_CC_RECEIVED_TAIL: &str = "COMPRESSED CERTIFICATE (25) was received";
const GNUTLS_CC_SENT_TAIL: &str = "COMPRESSED CERTIFICATE was queued";

/// How many of the handshake log's lines end a CompressedCertificate
/// going one way (`needle`: received or queued); empty ones included.
fn gnutls_cc_lines(log: &str, needle: &str) -> usize {
    log.lines()
        .filter(|l| l.contains(GNUTLS_HSK) && l.contains(needle))
        .count()
}

/// A file holding `pki`'s leaf then its CA, PEM: GnuTLS's
/// `--x509certfile` takes the chain in one file.
fn chain_pem(dir: &TempDir, tag: &str, pki: &Pki) -> String {
    let mut chain = std::fs::read(&pki.leaf_pem).unwrap();
    chain.extend(std::fs::read(&pki.ca_pem).unwrap());
    dir.write(&format!("{tag}-chain.pem"), chain)
}

/// Our client (offering only `alg`; presenting a certificate when
/// `client_cert`) against `gnutls-serv --compress-cert=alg -d 4` (which
/// requires and verifies a client certificate against the client CA when
/// `client_cert`). Returns our outcome, gnutls-serv's output, the PKIs.
fn our_client_with_gnutls_serv(alg: Alg, client_cert: bool) -> (Outcome, String, Pki, Pki) {
    let dir = TempDir::new("cc-interop-gcs");
    let (server, client) = pkis(&dir);
    let chain = chain_pem(&dir, "server", &server);
    let port = free_port().to_string();
    let compress = format!("--compress-cert={}", gnutls_name(alg));
    let mut args = vec![
        "--echo",
        "-d",
        "4",
        "-p",
        &port,
        "--x509certfile",
        &chain,
        "--x509keyfile",
        &server.key_pem,
        &compress,
    ];
    if client_cert {
        args.extend([
            "--require-client-cert",
            "--verify-client-cert",
            "--x509cafile",
            &client.ca_pem,
        ]);
    } else {
        args.push("--disable-client-cert");
    }
    let mut child = ChildGuard::spawn(&gnutls_cc_bin("gnutls-serv"), &args);
    let (out, err) = child.collect();
    let config = our_client_config(&server, &client, &[alg], client_cert);
    // gnutls-serv --echo answers each line as it is, and stays up.
    let result = our_client_exchange(config, port.parse().unwrap(), b"compressed echo\n", false);
    let log = peer_log(child, out, err, Duration::ZERO);
    (result, log, server, client)
}

/// gnutls-serv compresses its chain with `alg`, the one algorithm our
/// client offers; our client decompresses it and validates it.
fn gnutls_serv_sends(alg: Alg) {
    if !have_gnutls_cc(&current_test()) {
        return;
    }
    let (result, log, server, _) = our_client_with_gnutls_serv(alg, false);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ngnutls-serv said:\n{log}"));
    assert_eq!(got, b"compressed echo\n", "gnutls-serv said:\n{log}");
    assert_eq!(n.certificate_compression_received, Some(alg), "{log}");
    assert_eq!(n.certificate_compression_sent, None);
    // The chain arrived whole (and our WebPKI verifier accepted it).
    assert_eq!(n.peer_certificates, vec![server.leaf, server.ca]);
    assert_eq!(
        (
            gnutls_cc_lines(&log, GNUTLS_CC_SENT_TAIL),
            gnutls_cc_lines(&log, GNUTLS_CC_RECEIVED_TAIL)
        ),
        (1, 0),
        "gnutls-serv's log does not show its one CompressedCertificate:\n{log}"
    );
}

#[test]
fn gnutls_serv_sends_zlib_compressed_chain_to_our_client() {
    gnutls_serv_sends(Alg::ZLIB);
}

#[test]
fn gnutls_serv_sends_brotli_compressed_chain_to_our_client() {
    gnutls_serv_sends(Alg::BROTLI);
}

#[test]
fn gnutls_serv_sends_zstd_compressed_chain_to_our_client() {
    gnutls_serv_sends(Alg::ZSTD);
}

/// Our client compresses its certificate with `alg` for gnutls-serv,
/// which requires one, offers `alg` and verifies what it decompressed
/// against the client CA (`--verify-client-cert`: an untrusted one ends
/// the handshake, so the echo proves it was trusted).
fn our_client_cert_sent_to_gnutls(alg: Alg) {
    if !have_gnutls_cc(&current_test()) {
        return;
    }
    let (result, log, _, _) = our_client_with_gnutls_serv(alg, true);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ngnutls-serv said:\n{log}"));
    assert_eq!(got, b"compressed echo\n", "gnutls-serv said:\n{log}");
    assert_eq!(n.certificate_compression_sent, Some(alg), "{log}");
    assert_eq!(n.certificate_compression_received, Some(alg), "{log}");
    assert!(n.client_signature_scheme.is_some());
    assert_eq!(
        (
            gnutls_cc_lines(&log, GNUTLS_CC_SENT_TAIL),
            gnutls_cc_lines(&log, GNUTLS_CC_RECEIVED_TAIL)
        ),
        (1, 1),
        "gnutls-serv's log does not show our CompressedCertificate and its own:\n{log}"
    );
}

#[test]
fn our_client_sends_zlib_compressed_cert_to_gnutls_serv() {
    our_client_cert_sent_to_gnutls(Alg::ZLIB);
}

#[test]
fn our_client_sends_brotli_compressed_cert_to_gnutls_serv() {
    our_client_cert_sent_to_gnutls(Alg::BROTLI);
}

#[test]
fn our_client_sends_zstd_compressed_cert_to_gnutls_serv() {
    our_client_cert_sent_to_gnutls(Alg::ZSTD);
}

/// `gnutls-cli --compress-cert=alg -d 4` (presenting its certificate and
/// CA when `client_cert`) against our server compressing with `alg` only
/// (and requiring a client certificate, offering `alg` for it, when
/// `client_cert`). Returns our outcome, gnutls-cli's output, the PKIs.
fn gnutls_cli_with_our_server(alg: Alg, client_cert: bool) -> (Outcome, String, Pki, Pki) {
    let dir = TempDir::new("cc-interop-gcc");
    let (server, client) = pkis(&dir);
    let chain = chain_pem(&dir, "client", &client);
    let config = our_server_config(&server, &client, &[alg], client_cert);
    let (port, _, done_rx) = spawn_our_server(config, b"PONG from tls13\n");
    let port = port.to_string();
    let compress = format!("--compress-cert={}", gnutls_name(alg));
    let mut args = vec![
        "-d",
        "4",
        "-p",
        &port,
        "127.0.0.1",
        "--sni-hostname",
        "localhost",
        "--verify-hostname",
        "localhost",
        "--x509cafile",
        &server.ca_pem,
        &compress,
    ];
    if client_cert {
        args.extend(["--x509certfile", &chain, "--x509keyfile", &client.key_pem]);
    }
    let mut child = ChildGuard::spawn(&gnutls_cc_bin("gnutls-cli"), &args);
    let (out, err) = child.collect();
    let result = gnutls_cli_round_trip(&mut child, &done_rx);
    let log = peer_log(child, out, err, Duration::ZERO);
    (result, log, server, client)
}

/// gnutls-cli's side of a round trip with our server: a line on its
/// standard input once started, kept open until our close_notify ends it
/// (10 s at most); then our server's outcome.
fn gnutls_cli_round_trip(child: &mut ChildGuard, done: &mpsc::Receiver<Outcome>) -> Outcome {
    let mut stdin = child.0.stdin.take().unwrap();
    // gnutls-cli reads its standard input once the handshake is done.
    stdin.write_all(b"ping\n").unwrap();
    stdin.flush().unwrap();
    let outcome = server_outcome(done);
    let _ = child.wait_bounded(Duration::from_secs(10));
    drop(stdin);
    outcome
}

/// Our server compresses its chain with `alg` for gnutls-cli, which
/// offers `alg` only, decompresses the chain and verifies it.
fn our_server_sends_to_gnutls(alg: Alg) {
    if !have_gnutls_cc(&current_test()) {
        return;
    }
    let (result, log, _, _) = gnutls_cli_with_our_server(alg, false);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ngnutls-cli said:\n{log}"));
    assert_eq!(got, b"ping\n", "gnutls-cli said:\n{log}");
    assert!(
        log.contains("PONG from tls13"),
        "gnutls-cli did not print our reply:\n{log}"
    );
    assert_eq!(n.certificate_compression_sent, Some(alg), "{log}");
    assert_eq!(n.certificate_compression_received, None);
    assert_eq!(
        gnutls_cc_lines(&log, GNUTLS_CC_RECEIVED_TAIL),
        1,
        "gnutls-cli's log does not show our CompressedCertificate:\n{log}"
    );
    assert!(
        log.contains("The certificate is trusted") && log.contains("Handshake was completed"),
        "gnutls-cli did not verify the chain it decompressed:\n{log}"
    );
}

#[test]
fn our_server_sends_zlib_compressed_chain_to_gnutls_cli() {
    our_server_sends_to_gnutls(Alg::ZLIB);
}

#[test]
fn our_server_sends_brotli_compressed_chain_to_gnutls_cli() {
    our_server_sends_to_gnutls(Alg::BROTLI);
}

#[test]
fn our_server_sends_zstd_compressed_chain_to_gnutls_cli() {
    our_server_sends_to_gnutls(Alg::ZSTD);
}

/// gnutls-cli compresses its certificate with `alg`, the one algorithm
/// our server's CertificateRequest offers; our server decompresses it and
/// validates it against the client CA.
fn gnutls_cli_cert_sent(alg: Alg) {
    if !have_gnutls_cc(&current_test()) {
        return;
    }
    let (result, log, _, client) = gnutls_cli_with_our_server(alg, true);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ngnutls-cli said:\n{log}"));
    assert_eq!(got, b"ping\n", "gnutls-cli said:\n{log}");
    assert_eq!(n.certificate_compression_received, Some(alg), "{log}");
    assert_eq!(n.peer_certificates, vec![client.leaf, client.ca]);
    assert!(n.client_signature_scheme.is_some());
    assert_eq!(n.certificate_compression_sent, Some(alg), "{log}");
    assert_eq!(
        (
            gnutls_cc_lines(&log, GNUTLS_CC_RECEIVED_TAIL),
            gnutls_cc_lines(&log, GNUTLS_CC_SENT_TAIL)
        ),
        (1, 1),
        "gnutls-cli's log does not show our CompressedCertificate and its own:\n{log}"
    );
}

#[test]
fn gnutls_cli_sends_zlib_compressed_cert_to_our_server() {
    gnutls_cli_cert_sent(Alg::ZLIB);
}

#[test]
fn gnutls_cli_sends_brotli_compressed_cert_to_our_server() {
    gnutls_cli_cert_sent(Alg::BROTLI);
}

#[test]
fn gnutls_cli_sends_zstd_compressed_cert_to_our_server() {
    gnutls_cli_cert_sent(Alg::ZSTD);
}

// ---------- Debian's GnuTLS: --compress-cert ignored ----------

fn have_gnutls(test: &str) -> bool {
    let how = "install gnutls-bin, or set $GNUTLS_CLI and $GNUTLS_SERV";
    have_program(test, &program("GNUTLS_CLI", "gnutls-cli"), "--version", how)
        && have_program(
            test,
            &program("GNUTLS_SERV", "gnutls-serv"),
            "--version",
            how,
        )
}

/// What Debian's GnuTLS says of `--compress-cert=zlib`, which it was
/// built without; a GnuTLS that says nothing of the kind has compression
/// (the tests above cover one that does).
fn assert_gnutls_refused_the_option(program: &str, log: &str) {
    assert!(
        log.contains("Unknown compression method"),
        "{program} did not refuse --compress-cert=zlib: this GnuTLS may have \
         certificate compression ($GNUTLS_CLI / $GNUTLS_SERV should name Debian's \
         packaged programs; see the module docs).\n{log}"
    );
}

/// gnutls-serv told to compress its certificate; our client offers every
/// algorithm we have; the handshake completes with the certificate sent
/// as it is.
#[test]
fn debian_gnutls_serv_ignores_compress_cert_our_client_gets_it_uncompressed() {
    if !have_gnutls(&current_test()) {
        return;
    }
    let dir = TempDir::new("cc-interop-gs");
    let (server, client) = pkis(&dir);
    let port = free_port().to_string();
    let mut child = ChildGuard::spawn(
        &program("GNUTLS_SERV", "gnutls-serv"),
        &[
            "--echo",
            "-p",
            &port,
            "--x509certfile",
            &server.leaf_pem,
            "--x509keyfile",
            &server.key_pem,
            "--compress-cert=zlib",
        ],
    );
    let (out, err) = child.collect();
    let config = our_client_config(&server, &client, SUPPORTED, false);
    let result = our_client_exchange(config, port.parse().unwrap(), b"echo me\n", false);
    let log = peer_log(child, out, err, Duration::ZERO);
    let (n, got) = result.unwrap_or_else(|e| panic!("{e}\ngnutls-serv said:\n{log}"));
    assert_eq!(got, b"echo me\n");
    assert_gnutls_refused_the_option("gnutls-serv", &log);
    assert_eq!(n.certificate_compression_received, None);
    assert_eq!(n.peer_certificates, vec![server.leaf]);
}

/// gnutls-cli told to offer compression against our server compressing
/// with every algorithm we have: nothing is offered, so our server sends
/// its chain as it is (it would compress a chain this size: see
/// tests/cert_compression.rs).
#[test]
fn debian_gnutls_cli_ignores_compress_cert_our_server_sends_uncompressed() {
    if !have_gnutls(&current_test()) {
        return;
    }
    let dir = TempDir::new("cc-interop-gc");
    let (server, client) = pkis(&dir);
    let config = our_server_config(&server, &client, SUPPORTED, false);
    let (port, _, done_rx) = spawn_our_server(config, b"PONG\n");
    let port = port.to_string();
    let mut child = ChildGuard::spawn(
        &program("GNUTLS_CLI", "gnutls-cli"),
        &[
            "-p",
            &port,
            "127.0.0.1",
            "--sni-hostname",
            "localhost",
            "--verify-hostname",
            "localhost",
            "--x509cafile",
            &server.ca_pem,
            "--compress-cert=zlib",
        ],
    );
    let (out, err) = child.collect();
    let outcome = gnutls_cli_round_trip(&mut child, &done_rx);
    let log = peer_log(child, out, err, Duration::ZERO);
    let (n, got) =
        outcome.unwrap_or_else(|e| panic!("our server failed: {e}\ngnutls-cli said:\n{log}"));
    assert_eq!(got, b"ping\n");
    assert!(
        log.contains("PONG"),
        "gnutls-cli did not print our reply:\n{log}"
    );
    assert_gnutls_refused_the_option("gnutls-cli", &log);
    assert_eq!(n.certificate_compression_sent, None);
}
