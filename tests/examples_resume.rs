//! The examples' resumption flags end to end over loopback: client
//! `--resume`, `--early-data FILE`, `--psk-identity ID --psk HEX`; server
//! `--tickets N`, `--early-data`, `--psk-identity ID --psk HEX`; the
//! `resumed:` and `early-data:` lines on both sides.
//!
//! The examples are those `cargo test` builds; when they are missing each
//! test is skipped (`tests/example_programs`).

mod example_programs;

use example_programs::{Server, TempDir, examples, pki, run};
use tls13::certgen::KeyType;

const PSK: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// (chain, key, CA) PEM paths for `localhost`.
fn identity(dir: &TempDir) -> (String, String, String) {
    let p = pki(dir, "resume", "localhost", KeyType::EcdsaP256);
    (p.leaf_pem, p.key_pem, p.ca_pem)
}

fn has_line(lines: &str, want: &str) -> bool {
    lines.lines().any(|l| l == want)
}

#[test]
fn resume_and_early_data_between_the_examples() {
    let Some((server_bin, client_bin)) = examples("resume_and_early_data_between_the_examples")
    else {
        return;
    };
    let dir = TempDir::new("resume-cli");
    let (chain, key, ca) = identity(&dir);
    let server = Server::start(
        &server_bin,
        &["--cert", &chain, "--key", &key, "--early-data"],
    );
    let addr = format!("localhost:{}", server.port);

    // --resume: two connections, the second resumed.
    let out = run(
        &client_bin,
        &["--ca", &ca, "--resume", &addr],
        b"hello resumed\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert!(has_line(&out.stderr, "resumed: yes"), "{}", out.stderr);
    assert_eq!(out.stdout, b"hello resumed\n");
    let first = server.connection();
    assert!(has_line(&first, "resumed: no"), "{first}");
    let second = server.connection();
    assert!(has_line(&second, "resumed: yes"), "{second}");

    // --early-data FILE: the file goes as 0-RTT on the second connection.
    let early = dir.write("early.txt", b"0-RTT request\n");
    let out = run(
        &client_bin,
        &["--ca", &ca, "--early-data", &early, &addr],
        b"after\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert!(has_line(&out.stderr, "resumed: yes"), "{}", out.stderr);
    assert!(
        has_line(&out.stderr, "early-data: accepted"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, b"0-RTT request\nafter\n");
    let _ = server.connection();
    let second = server.connection();
    assert!(has_line(&second, "early-data: accepted"), "{second}");
}

#[test]
fn early_data_rejected_by_a_server_without_it_is_sent_again() {
    let Some((server_bin, client_bin)) =
        examples("early_data_rejected_by_a_server_without_it_is_sent_again")
    else {
        return;
    };
    let dir = TempDir::new("resume-cli");
    let (chain, key, ca) = identity(&dir);
    // Tickets, but no 0-RTT.
    let server = Server::start(
        &server_bin,
        &["--cert", &chain, "--key", &key, "--tickets", "1"],
    );
    let early = dir.write("early.txt", b"early\n");
    let out = run(
        &client_bin,
        &[
            "--ca",
            &ca,
            "--early-data",
            &early,
            &format!("localhost:{}", server.port),
        ],
        b"late\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert!(has_line(&out.stderr, "resumed: yes"), "{}", out.stderr);
    assert!(
        has_line(&out.stderr, "early-data: rejected"),
        "{}",
        out.stderr
    );
    // Nothing lost: the refused early data went again after the handshake.
    assert_eq!(out.stdout, b"early\nlate\n");
}

#[test]
fn external_psk_between_the_examples() {
    let Some((server_bin, client_bin)) = examples("external_psk_between_the_examples") else {
        return;
    };
    let dir = TempDir::new("resume-cli");
    let (chain, key, _ca) = identity(&dir);
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &chain,
            "--key",
            &key,
            "--psk-identity",
            "device-7",
            "--psk",
            PSK,
        ],
    );
    // No --ca: the PSK alone authenticates the server (the client is
    // PSK-only and would refuse a certificate).
    let out = run(
        &client_bin,
        &[
            "--psk-identity",
            "device-7",
            "--psk",
            PSK,
            &format!("localhost:{}", server.port),
        ],
        b"psk data\n",
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, b"psk data\n");
    assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
    let log = server.connection();
    assert!(has_line(&log, "resumed: yes"), "{log}");
}
