//! The in-memory C program (`tests/c/inmemory.c`: mutual TLS with both
//! certificate checks deferred to C, then the misuse the API must refuse
//! with a code, a refusal whose error stays, external PSKs, resumption
//! and 0-RTT) under AddressSanitizer
//! with LeakSanitizer, and under valgrind's memcheck: no invalid access,
//! no uninitialised read, no leak, in either. Valgrind (Debian package
//! `valgrind`) is slow, so it runs this short program only; the socket
//! programs run under ASan (`tests/interop.rs`).

#[path = "../../tests/peers/mod.rs"]
mod peers;

mod c;

use std::process::Command;

use c::{ASAN_OPTIONS, Flavour, assert_clean, build};
use peers::{TempDir, have_program, pki};
use tls13::certgen::KeyType;

/// The six PEM files the program takes.
fn files(dir: &TempDir) -> Vec<String> {
    let server = pki(dir, "server", "localhost", KeyType::EcdsaP256);
    let client = pki(dir, "client", "client.example", KeyType::Ed25519);
    vec![
        server.ca_pem,
        server.leaf_pem,
        server.key_pem,
        client.ca_pem,
        client.leaf_pem,
        client.key_pem,
    ]
}

#[test]
fn in_memory_program_under_asan() {
    let exe = build("inmemory", Flavour::Asan);
    let dir = TempDir::new("ffi-inmemory");
    let out = Command::new(&exe)
        .args(files(&dir))
        .env("ASAN_OPTIONS", ASAN_OPTIONS)
        .output()
        .expect("run inmemory");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_clean(&stderr);
    assert!(stdout.contains("checks held"), "{stdout}");
    println!("{stdout}");
}

#[test]
fn in_memory_program_under_valgrind() {
    if !have_program(
        "in_memory_program_under_valgrind",
        "valgrind",
        "--version",
        "apt-get install valgrind",
    ) {
        return;
    }
    let exe = build("inmemory", Flavour::Plain);
    let dir = TempDir::new("ffi-inmemory-vg");
    let out = Command::new("valgrind")
        .args([
            "--tool=memcheck",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=99",
        ])
        .arg(&exe)
        .args(files(&dir))
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "valgrind ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("checks held"), "{stdout}");
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{stderr}");
    println!("{stdout}");
}
