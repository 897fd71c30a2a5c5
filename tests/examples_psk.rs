//! External PSKs without certificates through the example programs
//! (issue 12, item 2): the `psk` example (devices and a gateway), and the
//! `server` example in PSK-only mode with the `client` example.
//!
//! The examples are those `cargo test` builds; when they are missing each
//! test is skipped (`tests/example_programs`).

mod example_programs;

use std::path::Path;

use example_programs::{Output, Server, TempDir, example, examples, pki};
use tls13::certgen::KeyType;

const PSK_A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const PSK_B: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/// Runs `bin` with `input` on stdin, bounded in time; its stdout as text.
fn run(bin: &Path, args: &[&str], input: &[u8]) -> Output<String> {
    example_programs::run(bin, args, input).text()
}

/// The `psk` example ends on its own, exit 0, each device acknowledged
/// and the stranger refused with unknown_psk_identity.
#[test]
fn psk_example_device_and_gateway() {
    let Some(bin) = example("psk") else {
        return;
    };
    let out = run(&bin, &[], b"");
    assert_eq!(out.status, Some(0), "{}\n{}", out.stdout, out.stderr);
    for line in [
        "gateway: thermometer-17 sent \"21.5 C\"",
        "thermometer-17: sent \"21.5 C\", gateway replied \"ack\"",
        "gateway: valve-4 sent \"open 40%\"",
        "valve-4: sent \"open 40%\", gateway replied \"ack\"",
        "stranger-1: refused as expected: the peer sent a fatal alert: UNKNOWN_PSK_IDENTITY",
        "done",
    ] {
        assert!(
            out.stdout.lines().any(|l| l == line),
            "missing {line:?} in:\n{}",
            out.stdout
        );
    }
}

/// Bug 4: `--psk-identity ID --psk HEX` without `--cert` was refused with
/// "--cert is required". Now the server is PSK-only: each known identity
/// is served (and logged), an unknown one is refused with
/// unknown_psk_identity, and so is a client without a PSK.
#[test]
fn server_example_runs_psk_only() {
    let test = "server_example_runs_psk_only";
    let Some((server_bin, client_bin)) = examples(test) else {
        return;
    };
    let server = Server::start(
        &server_bin,
        &[
            "--psk-identity",
            "device-7",
            "--psk",
            PSK_A,
            "--psk-identity",
            "device-8",
            "--psk",
            PSK_B,
        ],
    );
    let addr = format!("localhost:{}", server.port);
    for (id, psk) in [("device-7", PSK_A), ("device-8", PSK_B)] {
        // No --ca, no --insecure: the PSK alone authenticates the server.
        let out = run(
            &client_bin,
            &["--psk-identity", id, "--psk", psk, &addr],
            b"reading\n",
        );
        assert_eq!(out.status, Some(0), "{id}: {}", out.stderr);
        assert_eq!(out.stdout, "reading\n");
        assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
        let log = server.connection();
        assert!(log.contains(&format!("psk-identity: {id}")), "{log}");
        assert!(log.contains("] ok: "), "{log}");
    }

    // An identity the server does not know.
    let out = run(
        &client_bin,
        &["--psk-identity", "device-9", "--psk", PSK_A, &addr],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("UNKNOWN_PSK_IDENTITY"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(
        log.contains("error:") && log.contains("no PSK identity this PSK-only server knows"),
        "{log}"
    );

    // No PSK at all (a certificate client, --insecure so that it starts).
    let out = run(&client_bin, &["--insecure", &addr], b"x");
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("UNKNOWN_PSK_IDENTITY"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(log.contains("error:"), "{log}");
}

/// The client example with a PSK and no --ca is PSK-only: a server that
/// does not take its PSK, and would fall back to its certificate, is
/// refused rather than trusted; so is a wrong key for a known identity.
#[test]
fn client_example_with_a_psk_refuses_a_certificate_fallback() {
    let test = "client_example_with_a_psk_refuses_a_certificate_fallback";
    let Some((server_bin, client_bin)) = examples(test) else {
        return;
    };
    // A server with a certificate and another device's PSK.
    let dir = TempDir::new("psk");
    let p = pki(&dir, "psk", "localhost", KeyType::EcdsaP256);
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &p.leaf_pem,
            "--key",
            &p.key_pem,
            "--psk-identity",
            "device-8",
            "--psk",
            PSK_B,
        ],
    );
    let addr = format!("localhost:{}", server.port);
    let out = run(
        &client_bin,
        &["--psk-identity", "device-7", "--psk", PSK_A, &addr],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(
        out.stderr.contains("did not accept our PSK"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(log.contains("HANDSHAKE_FAILURE"), "{log}");

    // The right identity with the wrong key: the binder fails.
    let out = run(
        &client_bin,
        &["--psk-identity", "device-8", "--psk", PSK_A, &addr],
        b"x",
    );
    assert_ne!(out.status, Some(0));
    assert!(out.stderr.contains("DECRYPT_ERROR"), "{}", out.stderr);
}
