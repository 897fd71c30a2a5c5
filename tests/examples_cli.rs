//! The example programs' command-line contract, end to end: the built
//! `server` and `client` examples talking over loopback.
//!
//! The examples are those `cargo test` builds; when they are missing each
//! test is skipped (`tests/example_programs`).

mod example_programs;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use example_programs::{
    Server, TIMEOUT, TempDir, examples, have_openssl, identity_for, identity_of_kind, run,
    start_s_client,
};
use tls13::certgen::KeyType;

/// A server identity for `localhost` as (cert chain path, key path, CA path).
fn identity(dir: &TempDir, tag: &str) -> (String, String, String) {
    let id = identity_for(dir, tag, "localhost");
    (id.chain, id.key, id.ca)
}

fn stderr_value<'a>(stderr: &'a str, key: &str) -> Option<&'a str> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
}

#[test]
fn http_server_and_client() {
    let Some((server_bin, client_bin)) = examples("http_server_and_client") else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let server = Server::start(
        &server_bin,
        &[
            "--cert", &chain, "--key", &key, "--http", "--alpn", "http/1.1",
        ],
    );
    let port = format!("localhost:{}", server.port);
    let out = run(
        &client_bin,
        &["--ca", &ca, "--alpn", "h2", "--alpn", "http/1.1", &port],
        b"GET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with("HTTP/1.0 200 OK\r\n"), "{page}");
    assert_eq!(stderr_value(&out.stderr, "version"), Some("TLSv1.3"));
    assert_eq!(
        stderr_value(&out.stderr, "suite"),
        Some("TLS_AES_128_GCM_SHA256")
    );
    assert_eq!(stderr_value(&out.stderr, "group"), Some("X25519MLKEM768"));
    assert_eq!(stderr_value(&out.stderr, "alpn"), Some("http/1.1"));
    let log = server.next_line();
    assert!(
        log.contains("ok:") && log.contains("GET / HTTP/1.0"),
        "{log}"
    );
}

#[test]
fn echo_with_groups_suites_and_hello_retry() {
    let Some((server_bin, client_bin)) = examples("echo_with_groups_suites_and_hello_retry") else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--echo",
            "--groups",
            "secp384r1",
        ],
    );
    let port = format!("127.0.0.1:{}", server.port);
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let out = run(
        &client_bin,
        &[
            "--ca",
            &ca,
            "--server-name",
            "localhost",
            "--groups",
            "x25519,secp384r1",
            "--suites",
            "TLS_AES_256_GCM_SHA384",
            &port,
        ],
        &input,
    );
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    assert_eq!(out.stdout.len(), input.len());
    assert!(out.stdout == input, "the echo differs from the input");
    assert_eq!(
        stderr_value(&out.stderr, "suite"),
        Some("TLS_AES_256_GCM_SHA384")
    );
    assert_eq!(stderr_value(&out.stderr, "group"), Some("secp384r1"));
    assert_eq!(stderr_value(&out.stderr, "alpn"), Some("none"));
    assert_eq!(stderr_value(&out.stderr, "hello_retry"), Some("yes"));
    let log = server.next_line();
    assert!(
        log.contains("echoed 100000 bytes") && log.contains("sni=localhost"),
        "{log}"
    );
}

/// `--suites` names the AES-CCM suites (off by default) and `--groups`
/// secp521r1, on both examples: the server takes CCM_8 only when named,
/// the client offers both CCM suites and P-521 with its share.
#[test]
fn echo_with_ccm_and_p521() {
    let Some((server_bin, client_bin)) = examples("echo_with_ccm_and_p521") else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--echo",
            "--groups",
            "secp521r1",
            "--suites",
            "TLS_AES_128_CCM_8_SHA256",
        ],
    );
    let port = format!("127.0.0.1:{}", server.port);
    let input: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let out = run(
        &client_bin,
        &[
            "--ca",
            &ca,
            "--server-name",
            "localhost",
            "--groups",
            "P-521",
            "--suites",
            "TLS_AES_128_CCM_SHA256,TLS_AES_128_CCM_8_SHA256",
            &port,
        ],
        &input,
    );
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    assert!(out.stdout == input, "the echo differs from the input");
    assert_eq!(
        stderr_value(&out.stderr, "suite"),
        Some("TLS_AES_128_CCM_8_SHA256")
    );
    assert_eq!(stderr_value(&out.stderr, "group"), Some("secp521r1"));
    assert_eq!(stderr_value(&out.stderr, "hello_retry"), Some("no"));
    let log = server.next_line();
    assert!(log.contains("echoed 20000 bytes"), "{log}");
}

#[test]
fn client_fails_with_an_error_on_stderr() {
    let Some((server_bin, client_bin)) = examples("client_fails_with_an_error_on_stderr") else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let (_, _, other) = identity(&dir, "other");
    let server = Server::start(&server_bin, &["--cert", &chain, "--key", &key]);
    let port = format!("localhost:{}", server.port);
    // A CA that did not issue the server's certificate.
    let out = run(&client_bin, &["--ca", &other, &port], b"x");
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("error:")
            && out.stderr.contains("certificate 1 (CN=srv CA)")
            && out.stderr.contains("neither a trust anchor"),
        "{}",
        out.stderr
    );
    let log = server.next_line();
    assert!(
        log.contains("error:") && log.contains("UNKNOWN_CA"),
        "{log}"
    );
    // No suite in common with the server.
    let server2 = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--suites",
            "TLS_AES_128_GCM_SHA256",
        ],
    );
    let port2 = format!("localhost:{}", server2.port);
    let out = run(
        &client_bin,
        &[
            "--ca",
            &ca,
            "--suites",
            "TLS_CHACHA20_POLY1305_SHA256",
            &port2,
        ],
        b"",
    );
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("HANDSHAKE_FAILURE"), "{}", out.stderr);
    // Bad usage.
    let out = run(&client_bin, &["--groups", "ffdhe2048", &port2], b"");
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("unknown group"), "{}", out.stderr);
}

#[test]
fn server_stays_available_while_a_client_stalls() {
    let Some((server_bin, client_bin)) = examples("server_stays_available_while_a_client_stalls")
    else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let server = Server::start(&server_bin, &["--cert", &chain, "--key", &key, "--echo"]);
    // A client that connects and sends half a record, then nothing.
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x01, 0x00, 0x01])
        .unwrap();
    let port = format!("localhost:{}", server.port);
    let started = Instant::now();
    let out = run(&client_bin, &["--ca", &ca, &port], b"still served\n");
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, b"still served\n");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(stalled);
}

#[test]
fn client_verifies_the_server_chain_and_name() {
    let Some((server_bin, client_bin)) = examples("client_verifies_the_server_chain_and_name")
    else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let server = Server::start(&server_bin, &["--cert", &chain, "--key", &key]);
    // The leaf names localhost and chains to the CA: accepted, with no
    // warning about unauthenticated servers.
    let port = format!("localhost:{}", server.port);
    let out = run(&client_bin, &["--ca", &ca, &port], b"verified\n");
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    assert_eq!(out.stdout, b"verified\n");
    assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
    assert!(server.next_line().contains("ok:"));
    // Same CA, a name the certificate does not carry: refused, and the
    // message names the expected name.
    let port = format!("127.0.0.1:{}", server.port);
    let out = run(
        &client_bin,
        &["--ca", &ca, "--server-name", "wrong.example", &port],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("error:")
            && out
                .stderr
                .contains("certificate 0 (CN=localhost) is not valid for wrong.example"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    let log = server.next_line();
    assert!(
        log.contains("error:") && log.contains("BAD_CERTIFICATE"),
        "{log}"
    );
}

#[test]
fn mutual_tls_between_the_examples() {
    let Some((server_bin, client_bin)) = examples("mutual_tls_between_the_examples") else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let client = identity_for(&dir, "cli", "client.example");
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--client-ca",
            &client.ca,
            "--require-client-cert",
        ],
    );
    let port = format!("localhost:{}", server.port);
    let out = run(
        &client_bin,
        &[
            "--ca",
            &ca,
            "--cert",
            &client.chain,
            "--key",
            &client.key,
            &port,
        ],
        b"hello with a certificate\n",
    );
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    assert_eq!(out.stdout, b"hello with a certificate\n");
    assert_eq!(server.next_line(), "client: CN=client.example");
    let log = server.next_line();
    assert!(
        log.contains("ok:") && log.contains("echoed 25 bytes"),
        "{log}"
    );

    // Without a certificate the server refuses with certificate_required.
    let out = run(&client_bin, &["--ca", &ca, &port], b"no certificate\n");
    assert_ne!(out.status, Some(0));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("error:") && out.stderr.contains("CERTIFICATE_REQUIRED"),
        "{}",
        out.stderr
    );
    let log = server.next_line();
    assert!(
        log.contains("error:") && log.contains("no certificate, but one is required"),
        "{log}"
    );

    // With --client-ca alone the certificate is optional: a client
    // without one is served and logged as `client: none`.
    let optional = Server::start(
        &server_bin,
        &["--cert", &chain, "--key", &key, "--client-ca", &client.ca],
    );
    let port = format!("localhost:{}", optional.port);
    let out = run(&client_bin, &["--ca", &ca, &port], b"anonymous\n");
    assert_eq!(out.status, Some(0), "client failed:\n{}", out.stderr);
    assert_eq!(out.stdout, b"anonymous\n");
    assert_eq!(optional.next_line(), "client: none");
}

/// `openssl s_client -tls1_3` with `extra` arguments against the server
/// example on `port`: sends `line` once the server has logged the client
/// (its handshake is over), and returns (s_client's stdout + stderr,
/// whether `line` came back) after closing its standard input.
fn s_client(
    port: u16,
    server_ca: &str,
    extra: &[&str],
    server: &Server,
    line: &[u8],
) -> (String, bool) {
    let mut args = vec!["-verify_return_error"];
    args.extend_from_slice(extra);
    let (mut child, rx) = start_s_client(port, server_ca, &args);
    let mut stdin = child.0.stdin.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let first = server.next_line();
    let mut out = Vec::new();
    let mut echoed = false;
    if first.starts_with("client: ") {
        // s_client drops input typed before its handshake is over.
        std::thread::sleep(Duration::from_millis(200));
        let _ = stdin.write_all(line);
        let _ = stdin.flush();
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline && !echoed {
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
                out.extend_from_slice(&chunk);
                echoed = out.windows(line.len()).any(|w| w == line);
            }
        }
    }
    drop(stdin); // EOF: s_client sends close_notify and exits
    child.wait_bounded(TIMEOUT);
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
        out.extend_from_slice(&chunk);
    }
    let text = format!(
        "server: {first}\n{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err.join().unwrap_or_default())
    );
    (text, echoed)
}

/// The "Done when": `openssl s_client -tls1_3 -cert ... -key ...`
/// against the server example run with `--require-client-cert`, with
/// ECDSA and RSA client keys, each a data round trip (the server echoes),
/// the verified subject logged; and without a certificate, refused.
#[test]
fn openssl_s_client_with_client_certificates_against_the_server_example() {
    let test = "openssl_s_client_with_client_certificates_against_the_server_example";
    let Some((server_bin, _)) = examples(test) else {
        return;
    };
    if !have_openssl(test) {
        return;
    }
    let dir = TempDir::new("cli");
    let srv = identity_for(&dir, "srv", "localhost");
    let ecdsa = identity_of_kind(&dir, "cli-ec", "ecdsa.client.example", KeyType::EcdsaP256);
    let rsa = identity_of_kind(&dir, "cli-rsa", "rsa.client.example", KeyType::Rsa2048);
    // Both client CAs in one --client-ca file.
    let client_cas = dir.write(
        "client-cas.pem",
        &(std::fs::read_to_string(&ecdsa.ca).unwrap() + &std::fs::read_to_string(&rsa.ca).unwrap()),
    );
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &srv.chain,
            "--key",
            &srv.key,
            "--client-ca",
            &client_cas,
            "--require-client-cert",
        ],
    );
    for (id, subject) in [
        (&ecdsa, "CN=ecdsa.client.example"),
        (&rsa, "CN=rsa.client.example"),
    ] {
        let line = format!("hello from {subject}\n");
        let (log, echoed) = s_client(
            server.port,
            &srv.ca,
            &["-cert", &id.chain, "-key", &id.key],
            &server,
            line.as_bytes(),
        );
        assert!(
            log.starts_with(&format!("server: client: {subject}\n")),
            "{log}"
        );
        assert!(echoed, "the echo came back through s_client:\n{log}");
        assert!(log.contains("Verify return code: 0 (ok)"), "{log}");
        assert!(log.contains("TLSv1.3"), "{log}");
        let outcome = server.next_line();
        assert!(
            outcome.contains("ok:") && outcome.contains(&format!("echoed {} bytes", line.len())),
            "{outcome}"
        );
    }

    // No certificate: the server refuses with certificate_required.
    let (log, echoed) = s_client(server.port, &srv.ca, &[], &server, b"anonymous\n");
    assert!(!echoed, "{log}");
    assert!(
        log.lines().next().is_some_and(|l| l.contains("error:"))
            && log.contains("no certificate, but one is required"),
        "{log}"
    );
}

/// Without --ca the client uses Mozilla's roots when built with the
/// `webpki-roots` feature (so our test CA is unknown: refused). Without
/// the feature it has no trust anchors at all and refuses to connect —
/// it used to accept any certificate with a warning — unless `--insecure`
/// says so explicitly (then: a loud warning).
#[test]
fn client_without_trust_anchors_refuses_unless_insecure() {
    let Some((server_bin, client_bin)) =
        examples("client_without_trust_anchors_refuses_unless_insecure")
    else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, key, ca) = identity(&dir, "srv");
    let server = Server::start(&server_bin, &["--cert", &chain, "--key", &key]);
    let port = format!("localhost:{}", server.port);
    let out = run(&client_bin, &[&port], b"unverified\n");
    assert_ne!(out.status, Some(0), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
    if cfg!(feature = "webpki-roots") {
        assert!(
            out.stderr.contains("trust: Mozilla root set"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("error:")
                && out
                    .stderr
                    .contains("neither a trust anchor nor among the intermediates"),
            "{}",
            out.stderr
        );
        assert!(server.next_line().contains("UNKNOWN_CA"));
    } else {
        assert!(
            out.stderr
                .contains("error: no trust anchors: give --ca PEM")
                && out.stderr.contains("--insecure"),
            "{}",
            out.stderr
        );
    }

    // --insecure: accepted, with the warning.
    let out = run(&client_bin, &["--insecure", &port], b"unverified\n");
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, b"unverified\n");
    assert!(
        out.stderr
            .contains("WARNING: --insecure: accepting ANY server certificate"),
        "{}",
        out.stderr
    );
    // --insecure with --ca is a usage error.
    let out = run(&client_bin, &["--insecure", "--ca", &ca, &port], b"");
    assert_eq!(out.status, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("exclude each other"), "{}", out.stderr);
}

/// A key file that does not belong to the certificate file is reported
/// when the server starts, naming the mistake — not by every client
/// failing with "CertificateVerify signature did not verify".
#[test]
fn server_refuses_a_key_that_does_not_match_its_certificate() {
    let Some((server_bin, _)) =
        examples("server_refuses_a_key_that_does_not_match_its_certificate")
    else {
        return;
    };
    let dir = TempDir::new("cli");
    let (chain, _key, _) = identity(&dir, "srv");
    let (_, other_key, _) = identity(&dir, "other");
    let out = run(
        &server_bin,
        &["--cert", &chain, "--key", &other_key, "--port", "0"],
        b"",
    );
    assert_eq!(out.status, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: configuration error: server certificate: the private key does not match \
             the certificate's public key (leaf CN=localhost)"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("listening"), "{}", out.stderr);
}
