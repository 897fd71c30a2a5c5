//! The tokio, HTTPS, STARTTLS and mTLS examples, run as built programs:
//! the tokio echo pair (a round trip, certificate choice by SNI, 64 MiB
//! each way checked byte for byte), the HTTPS GET client against our
//! server example and against `openssl s_server -www`, STARTTLS, mTLS.
//!
//! The examples are those `cargo test` builds; when they are missing each
//! test is skipped (`tests/example_programs`).

mod example_programs;

use std::path::Path;
use std::time::Duration;

use example_programs::{ChildGuard, Output, Server, TempDir, example, identity_for, openssl};

/// Runs a program to completion (bounded), collecting its output.
fn run(bin: &Path, args: &[&str]) -> Output<String> {
    run_env(bin, args, &[])
}

fn run_env(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Output<String> {
    let out = example_programs::run_with(bin, args, env, b"", Duration::from_secs(120));
    assert!(!out.timed_out, "{bin:?} {args:?} did not finish in time");
    out.text()
}

#[test]
fn tokio_echo_round_trip() {
    let (Some(server_bin), Some(client_bin)) =
        (example("tokio_echo_server"), example("tokio_echo_client"))
    else {
        return;
    };
    let dir = TempDir::new("tokio-echo");
    let id = identity_for(&dir, "echo", "localhost");
    let server = Server::start(&server_bin, &["--cert", &id.chain, "--key", &id.key]);
    let port = server.port.to_string();
    let out = run(
        &client_bin,
        &[
            "--ca",
            &id.ca,
            "--port",
            &port,
            "--alpn",
            "echo/1",
            "--message",
            "hello tokio",
        ],
    );
    assert!(out.success(), "client failed: {}", out.stderr);
    assert_eq!(out.stdout, "hello tokio");
    assert!(out.stderr.contains("connected: suite="), "{}", out.stderr);
    let log = server.wait_for("closed cleanly after echoing 11 bytes");
    assert!(
        log.iter()
            .any(|l| l.contains("hello: sni=localhost alpn=[\"echo/1\"]")),
        "{log:#?}"
    );
}

/// The lazy acceptor in the server example picks the `--vhost`
/// certificate for its SNI name: a client trusting only that vhost's CA
/// gets through, one trusting only the default CA does not.
#[test]
fn tokio_echo_server_chooses_certificate_by_sni() {
    let (Some(server_bin), Some(client_bin)) =
        (example("tokio_echo_server"), example("tokio_echo_client"))
    else {
        return;
    };
    let dir = TempDir::new("tokio-vhost");
    let default = identity_for(&dir, "default", "localhost");
    let other = identity_for(&dir, "other", "other.example");
    let vhost = format!("other.example,{},{}", other.chain, other.key);
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &default.chain,
            "--key",
            &default.key,
            "--vhost",
            &vhost,
        ],
    );
    let port = server.port.to_string();
    let ok = run(
        &client_bin,
        &[
            "--ca",
            &other.ca,
            "--port",
            &port,
            "--server-name",
            "other.example",
            "--message",
            "x",
        ],
    );
    assert!(ok.success(), "{}", ok.stderr);
    assert_eq!(ok.stdout, "x");
    let wrong_ca = run(
        &client_bin,
        &[
            "--ca",
            &default.ca,
            "--port",
            &port,
            "--server-name",
            "other.example",
            "--message",
            "x",
        ],
    );
    assert!(
        !wrong_ca.success(),
        "the default CA must not verify the vhost's chain"
    );
    assert!(wrong_ca.stderr.contains("error:"), "{}", wrong_ca.stderr);
    let default_ok = run(
        &client_bin,
        &["--ca", &default.ca, "--port", &port, "--message", "y"],
    );
    assert!(default_ok.success(), "{}", default_ok.stderr);
    server.wait_for("hello: sni=other.example");
}

/// The tokio example pair carries 64 MiB each way (the client writes
/// while it reads the echo) with every byte checked by the client.
#[test]
fn tokio_echo_64_mib_each_way() {
    let (Some(server_bin), Some(client_bin)) =
        (example("tokio_echo_server"), example("tokio_echo_client"))
    else {
        return;
    };
    let dir = TempDir::new("tokio-bulk");
    let id = identity_for(&dir, "bulk", "localhost");
    let server = Server::start(&server_bin, &["--cert", &id.chain, "--key", &id.key]);
    let port = server.port.to_string();
    let total = (64u64 << 20).to_string();
    let out = run(
        &client_bin,
        &["--ca", &id.ca, "--port", &port, "--bytes", &total],
    );
    assert!(out.success(), "client failed: {}", out.stderr);
    assert!(
        out.stdout
            .starts_with(&format!("echoed {total} bytes, all verified")),
        "{}",
        out.stdout
    );
    server.wait_for(&format!("closed cleanly after echoing {total} bytes"));
}

#[test]
fn https_get_against_our_server() {
    let (Some(server_bin), Some(get_bin)) = (example("server"), example("https_get")) else {
        return;
    };
    let dir = TempDir::new("https-ours");
    let id = identity_for(&dir, "web", "localhost");
    let server = Server::start(
        &server_bin,
        &[
            "--cert", &id.chain, "--key", &id.key, "--http", "--alpn", "http/1.1",
        ],
    );
    let url = format!("https://localhost:{}/hello", server.port);
    let out = run(&get_bin, &[&url, "--ca", &id.ca]);
    assert!(out.success(), "https_get failed: {}", out.stderr);
    assert!(out.stdout.starts_with("HTTP/1.0 200"), "{}", out.stdout);
    assert!(out.stdout.contains("GET /hello HTTP/1.1"), "{}", out.stdout);
    // ALPN and SNI reached the server, as its page reports.
    assert!(out.stdout.contains("http/1.1"), "{}", out.stdout);
    assert!(out.stderr.contains("ALPN http/1.1"), "{}", out.stderr);
    assert!(out.stderr.contains("server CN=localhost"), "{}", out.stderr);
}

/// Without `--ca`: Mozilla's roots when built with `webpki-roots` (which
/// do not know our test CA), else `$SSL_CERT_FILE` (here our CA).
#[test]
fn https_get_default_roots() {
    let (Some(server_bin), Some(get_bin)) = (example("server"), example("https_get")) else {
        return;
    };
    let dir = TempDir::new("https-default");
    let id = identity_for(&dir, "web", "localhost");
    let server = Server::start(
        &server_bin,
        &["--cert", &id.chain, "--key", &id.key, "--http"],
    );
    let url = format!("https://localhost:{}/", server.port);
    let out = run_env(&get_bin, &[&url], &[("SSL_CERT_FILE", &id.ca)]);
    if cfg!(feature = "webpki-roots") {
        assert!(!out.success(), "Mozilla's roots trusted a test CA");
        assert!(out.stderr.contains("trusting Mozilla's"), "{}", out.stderr);
    } else {
        assert!(out.success(), "{}", out.stderr);
        assert!(
            out.stderr.contains("trusting 1 of the 1 certificates in"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.starts_with("HTTP/1.0 200"), "{}", out.stdout);
    }
}

/// The name in the URL is what gets verified, whatever address is dialled.
#[test]
fn https_get_rejects_a_wrong_name() {
    let (Some(server_bin), Some(get_bin)) = (example("server"), example("https_get")) else {
        return;
    };
    let dir = TempDir::new("https-name");
    let id = identity_for(&dir, "web", "localhost");
    let server = Server::start(
        &server_bin,
        &["--cert", &id.chain, "--key", &id.key, "--http"],
    );
    let connect = format!("127.0.0.1:{}", server.port);
    let out = run(
        &get_bin,
        &[
            "https://wrong.example/",
            "--ca",
            &id.ca,
            "--connect",
            &connect,
        ],
    );
    assert!(!out.success());
    assert!(out.stderr.contains("wrong.example"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn https_get_against_openssl_s_server_www() {
    let Some(get_bin) = example("https_get") else {
        return;
    };
    if !openssl::have_openssl("https_get_against_openssl_s_server_www") {
        return;
    }
    let dir = TempDir::new("https-openssl");
    let id = identity_for(&dir, "web", "localhost");
    let port = openssl::free_port();
    let mut s_server = ChildGuard::openssl(&[
        "s_server",
        "-www",
        "-tls1_3",
        "-alpn",
        "http/1.1",
        "-accept",
        &format!("127.0.0.1:{port}"),
        "-cert",
        &id.chain,
        "-key",
        &id.key,
    ]);
    let (_out, _err) = s_server.collect();
    drop(openssl::connect_retry(port));
    let url = format!("https://localhost:{port}/");
    let out = run(&get_bin, &[&url, "--ca", &id.ca]);
    assert!(out.success(), "https_get failed: {}", out.stderr);
    assert!(out.stdout.starts_with("HTTP/1.0 200 ok"), "{}", out.stdout);
    // s_server -www reports the session it negotiated.
    assert!(out.stdout.contains("TLSv1.3"), "{}", out.stdout);
    assert!(out.stderr.contains("ALPN http/1.1"), "{}", out.stderr);
}

#[test]
fn starttls_upgrades_the_plaintext_connection() {
    let Some(bin) = example("starttls") else {
        return;
    };
    let out = run(&bin, &[]);
    assert!(
        out.success(),
        "starttls failed: {}\n{}",
        out.stderr,
        out.stdout
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in {lines:#?}"))
    };
    // Plaintext first, then TLS on the same connection, then the session.
    let greeting = pos("S: 220 mail.example ESMTP");
    let starttls = pos("C: STARTTLS");
    let ready = pos("S: 220 2.0.0 Ready to start TLS");
    let established = pos("-- client: TLS established, mail.example verified");
    let quit = pos("C: QUIT");
    let bye = pos("S: 221 2.0.0 Bye");
    assert!(greeting < starttls && starttls < ready && ready < established);
    assert!(established < quit && quit < bye);
    pos("-- server: TLS established");
    pos("-- client: closed cleanly");
    pos("-- server: closed cleanly");
}

#[test]
fn mtls_services_print_the_verified_peer() {
    let Some(bin) = example("mtls") else {
        return;
    };
    let dir = TempDir::new("mtls");
    let d = dir.0.to_str().unwrap().to_string();
    let out = run(&bin, &["--dir", &d]);
    assert!(out.success(), "mtls failed: {}\n{}", out.stderr, out.stdout);
    let s = &out.stdout;
    assert!(
        s.contains("orders: verified client CN=billing.internal"),
        "{s}"
    );
    assert!(
        s.contains("billing: verified server CN=orders.internal"),
        "{s}"
    );
    assert!(
        s.contains("billing: got \"orders: invoice #42 for CN=billing.internal\""),
        "{s}"
    );
    assert!(
        s.contains("billing: greeted with hello CN=billing.internal"),
        "{s}"
    );
    assert!(
        s.contains("billing (no certificate): refused as expected")
            && s.contains("CERTIFICATE_REQUIRED"),
        "{s}"
    );
    assert!(s.contains("orders: refused a client"), "{s}");
    // The PEM files the services loaded are where they were said to be.
    for f in [
        "ca.pem",
        "orders.pem",
        "orders-key.pem",
        "billing.pem",
        "billing-key.pem",
    ] {
        assert!(dir.0.join(f).exists(), "{f}");
    }
}

#[test]
fn provider_example_signs_through_the_remote_key() {
    let Some(bin) = example("provider") else {
        return;
    };
    let out = run(&bin, &[]);
    assert!(
        out.success(),
        "provider failed: {}\n{}",
        out.stderr,
        out.stdout
    );
    let s = &out.stdout;
    // The server's one CertificateVerify went through the "HSM" thread.
    assert_eq!(s.matches("signer: signed").count(), 1, "{s}");
    assert!(
        s.contains("provider embedder: Some(TLS_AES_128_GCM_SHA256) over Some(X25519)"),
        "{s}"
    );
}
