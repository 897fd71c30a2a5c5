//! The C API from C: the programs in `tests/c/` (a client and a server in
//! plain C over POSIX sockets) are compiled here with `cc` against the
//! static library cargo built for these tests, with AddressSanitizer and
//! LeakSanitizer, and run against `openssl s_server` / `s_client`: full
//! handshake and 64 MiB each way (checked on both sides), mutual TLS,
//! resumption, exporters (compared with OpenSSL's), the deferred
//! certificate check answered from the C event loop, and certificate
//! errors reported by kind. Every run must end with exit status 0 (or the
//! expected failure) and no sanitizer report: no leak, no invalid access.
//!
//! Why ASan rather than valgrind here: 64 MiB each way through the
//! library under valgrind would take minutes; ASan (with LSan for leaks)
//! costs little on the C side and checks every run. The library's own
//! allocations go through malloc, so LSan sees their leaks too.
//! `tests/memcheck.rs` runs the in-memory program under valgrind as well.
//!
//! `cc` and `openssl` must be installed (a missing one fails under CI,
//! `tests/skip`).

#[path = "../../tests/peers/mod.rs"]
mod peers;

mod c;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use c::{Flavour, assert_clean, build};
use peers::{
    ChildGuard, Collector, TIMEOUT, TempDir, Watcher, check_pattern_file, free_port, have_program,
    pattern_fill, pki,
};
use tls13::certgen::KeyType;

const BIG: usize = 64 << 20;

fn have_openssl(test: &str) -> bool {
    have_program(
        test,
        &openssl(),
        "version",
        "install openssl or set $OPENSSL",
    )
}

fn openssl() -> String {
    peers::program("OPENSSL", "openssl")
}

/// Writes `len` bytes of the test stream to a child's stdin in a thread,
/// then keeps the pipe open until the returned sender is dropped (the
/// openssl programs end the connection at the end of their input).
fn feed_stdin(mut stdin: std::process::ChildStdin, len: usize) -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut chunk = vec![0u8; 1 << 20];
        let mut off = 0;
        while off < len {
            let n = chunk.len().min(len - off);
            pattern_fill(off, &mut chunk[..n]);
            if stdin.write_all(&chunk[..n]).is_err() {
                return;
            }
            off += n;
        }
        let _ = stdin.flush();
        let _ = rx.recv_timeout(Duration::from_secs(150));
    });
    tx
}

/// `openssl s_server -tls1_3` on `port` with `extra` arguments; stdout to
/// `stdout` (a file) or piped.
fn s_server(port: u16, extra: &[&str], stdout: Option<&Path>) -> ChildGuard {
    let mut cmd = Command::new(openssl());
    cmd.args(["s_server", "-tls1_3", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    match stdout {
        Some(p) => cmd.stdout(std::fs::File::create(p).expect("create output file")),
        None => cmd.stdout(Stdio::piped()),
    };
    ChildGuard(cmd.spawn().expect("spawn openssl s_server"))
}

/// Runs a C program to its end (bounded by `limit`): status, stdout,
/// stderr.
fn run(
    program: &Path,
    args: &[&str],
    limit: Duration,
) -> (Option<std::process::ExitStatus>, String, String) {
    let mut child = ChildGuard(
        Command::new(program)
            .args(args)
            .env("ASAN_OPTIONS", c::ASAN_OPTIONS)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the C program"),
    );
    let (out, err) = child.collect();
    let status = child.wait_bounded(limit);
    (
        status,
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5)),
    )
}

/// The value of every `name: value` line.
fn values<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}: ");
    out.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

#[test]
fn c_client_64_mib_each_way_with_s_server() {
    let test = "c_client_64_mib_each_way_with_s_server";
    if !have_openssl(test) {
        return;
    }
    let client = build("client", Flavour::Asan);
    let dir = TempDir::new("ffi-big");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let output = dir.path("from-client.bin");
    let port = free_port();
    let mut s = s_server(
        port,
        &[
            "-quiet",
            "-naccept",
            "1",
            "-cert",
            &server.leaf_pem,
            "-key",
            &server.key_pem,
        ],
        Some(&output),
    );
    let s_err = Collector::new(s.0.stderr.take().unwrap());
    let mut c = ChildGuard(
        Command::new(&client)
            .args(["--port", &port.to_string(), "--ca", &server.ca_pem])
            .args(["--bytes", &BIG.to_string()])
            .env("ASAN_OPTIONS", c::ASAN_OPTIONS)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let out = Watcher::new(c.0.stdout.take().unwrap());
    let err = Collector::new(c.0.stderr.take().unwrap());
    assert!(
        out.wait_for("handshake: ok", 1, TIMEOUT),
        "no handshake:\n{}\n{}\n{}",
        out.text(),
        err.get(Duration::from_secs(2)),
        s_err.get(Duration::from_secs(2))
    );
    // s_server sends what arrives on its stdin; after the handshake.
    let hold = feed_stdin(s.0.stdin.take().unwrap(), BIG);
    let status = c.wait_bounded(Duration::from_secs(150));
    let stdout = out.wait_end(Duration::from_secs(5));
    let stderr = err.get(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "client failed ({status:?}):\n{stdout}\n{stderr}"
    );
    assert_clean(&stderr);
    assert!(
        stdout.contains(&format!("transferred: {BIG} sent, {BIG} received, checked")),
        "{stdout}"
    );
    assert_eq!(values(&stdout, "version"), ["0x0304"]);
    assert!(
        s.wait_bounded(Duration::from_secs(10)).is_some(),
        "s_server did not exit after our close"
    );
    drop(hold);
    check_pattern_file(&output, BIG).expect("what s_server received");
    println!("{stdout}");
}

#[test]
fn c_server_64_mib_each_way_with_s_client() {
    let test = "c_server_64_mib_each_way_with_s_client";
    if !have_openssl(test) {
        return;
    }
    let server = build("server", Flavour::Asan);
    let dir = TempDir::new("ffi-big");
    let pki = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let output = dir.path("from-server.bin");
    let mut srv = ChildGuard(
        Command::new(&server)
            .args(["--cert", &pki.leaf_pem, "--key", &pki.key_pem])
            .args(["--bytes", &BIG.to_string()])
            .env("ASAN_OPTIONS", c::ASAN_OPTIONS)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let out = Watcher::new(srv.0.stdout.take().unwrap());
    let err = Collector::new(srv.0.stderr.take().unwrap());
    assert!(out.wait_for("port: ", 1, TIMEOUT), "{}", out.text());
    let port = values(&out.text(), "port")[0].to_owned();
    let mut cl = ChildGuard(
        Command::new(openssl())
            .args([
                "s_client",
                "-tls1_3",
                "-quiet",
                "-servername",
                "localhost",
                "-connect",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-CAfile", &pki.ca_pem, "-verify_return_error"])
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&output).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let cl_err = Collector::new(cl.0.stderr.take().unwrap());
    assert!(
        out.wait_for("handshake: ok", 1, TIMEOUT),
        "no handshake:\n{}",
        out.text()
    );
    // s_client drops stdin that arrives before its handshake ends.
    std::thread::sleep(Duration::from_millis(200));
    let hold = feed_stdin(cl.0.stdin.take().unwrap(), BIG);
    let status = srv.wait_bounded(Duration::from_secs(150));
    let stdout = out.wait_end(Duration::from_secs(5));
    let stderr = err.get(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "server failed ({status:?}):\n{stdout}\n{stderr}\n{}",
        cl_err.get(Duration::from_secs(2))
    );
    assert_clean(&stderr);
    assert!(
        stdout.contains(&format!("transferred: {BIG} sent, {BIG} received, checked")),
        "{stdout}"
    );
    assert_eq!(values(&stdout, "sni"), ["localhost"]);
    assert!(
        cl.wait_bounded(Duration::from_secs(10)).is_some(),
        "s_client did not exit"
    );
    drop(hold);
    check_pattern_file(&output, BIG).expect("what s_client received");
    println!("{stdout}");
}

#[test]
fn c_client_mtls_resumption_and_exporter_with_s_server() {
    let test = "c_client_mtls_resumption_and_exporter_with_s_server";
    if !have_openssl(test) {
        return;
    }
    let client = build("client", Flavour::Asan);
    let dir = TempDir::new("ffi-mtls");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let me = pki(&dir, "client", "client.example", KeyType::Ed25519);
    let port = free_port();
    let label = "EXPERIMENTAL-tls13-ffi";
    let mut s = s_server(
        port,
        &[
            "-naccept",
            "2",
            "-cert",
            &server.leaf_pem,
            "-key",
            &server.key_pem,
            // -Verify: a client certificate is required and checked.
            "-Verify",
            "1",
            "-CAfile",
            &me.ca_pem,
            "-verify_return_error",
            "-keymatexport",
            label,
            "-keymatexportlen",
            "32",
        ],
        None,
    );
    let (s_out, s_err) = s.collect();
    let (status, stdout, stderr) = run(
        &client,
        &[
            "--port",
            &port.to_string(),
            "--ca",
            &server.ca_pem,
            "--cert",
            &me.leaf_pem,
            "--key",
            &me.key_pem,
            "--connections",
            "2",
            "--tickets",
            "1",
            "--exporter",
            label,
        ],
        TIMEOUT,
    );
    let _ = s.wait_bounded(Duration::from_secs(10));
    let s_stdout = s_out.get(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "client failed ({status:?}):\n{stdout}\n{stderr}\n{s_stdout}\n{}",
        s_err.get(Duration::from_secs(2))
    );
    assert_clean(&stderr);
    assert_eq!(values(&stdout, "resumed"), ["no", "yes"], "{stdout}");
    // The same keys on both sides: OpenSSL's exporter gives our bytes.
    let ours: Vec<String> = values(&stdout, "exporter")
        .iter()
        .map(|h| h.to_uppercase())
        .collect();
    let theirs: Vec<String> = s_stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Keying material: "))
        .map(|h| h.trim().to_uppercase())
        .collect();
    assert_eq!(ours.len(), 2, "{stdout}");
    assert_eq!(ours, theirs, "exporters differ:\n{stdout}\n{s_stdout}");
    // s_server required and verified our certificate in the full handshake.
    assert!(
        s_stdout.contains("CN=client.example") || s_stdout.contains("CN = client.example"),
        "s_server did not see our certificate:\n{s_stdout}"
    );
}

#[test]
fn c_server_mtls_and_resumption_with_s_client() {
    let test = "c_server_mtls_and_resumption_with_s_client";
    if !have_openssl(test) {
        return;
    }
    let server = build("server", Flavour::Asan);
    let dir = TempDir::new("ffi-mtls");
    let pki_s = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let me = pki(&dir, "client", "client.example", KeyType::EcdsaP256);
    let sess = dir.path("sess.pem");
    let sess = sess.to_str().unwrap();
    let mut srv = ChildGuard(
        Command::new(&server)
            .args(["--cert", &pki_s.leaf_pem, "--key", &pki_s.key_pem])
            .args(["--client-ca", &me.ca_pem, "--require-client-cert"])
            .args(["--tickets", "2", "--connections", "2"])
            .env("ASAN_OPTIONS", c::ASAN_OPTIONS)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let out = Watcher::new(srv.0.stdout.take().unwrap());
    let err = Collector::new(srv.0.stderr.take().unwrap());
    assert!(out.wait_for("port: ", 1, TIMEOUT), "{}", out.text());
    let port = values(&out.text(), "port")[0].to_owned();
    let mut s_client_outputs = Vec::new();
    for (i, sess_arg) in [("-sess_out", sess), ("-sess_in", sess)]
        .into_iter()
        .enumerate()
    {
        let mut cl = ChildGuard(
            Command::new(openssl())
                .args([
                    "s_client",
                    "-tls1_3",
                    "-ign_eof",
                    "-servername",
                    "localhost",
                    "-connect",
                ])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-CAfile", &pki_s.ca_pem, "-verify_return_error"])
                .args(["-cert", &me.leaf_pem, "-key", &me.key_pem])
                .args([sess_arg.0, sess_arg.1])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let (cl_out, cl_err) = cl.collect();
        assert!(
            out.wait_for("closed: ", i + 1, TIMEOUT),
            "connection {} did not finish:\n{}\n{}",
            i + 1,
            out.text(),
            cl_err.get(Duration::from_secs(2))
        );
        assert!(
            cl.wait_bounded(Duration::from_secs(10)).is_some(),
            "s_client did not exit"
        );
        s_client_outputs.push(cl_out.get(Duration::from_secs(5)));
    }
    let status = srv.wait_bounded(TIMEOUT);
    let stdout = out.wait_end(Duration::from_secs(5));
    let stderr = err.get(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "server failed ({status:?}):\n{stdout}\n{stderr}"
    );
    assert_clean(&stderr);
    assert_eq!(values(&stdout, "resumed"), ["no", "yes"], "{stdout}");
    // The client's verified chain, in the full handshake and restored
    // from the ticket in the resumed one.
    assert_eq!(values(&stdout, "peer-certificates"), ["1", "1"], "{stdout}");
    assert!(
        s_client_outputs[0].contains("New, TLSv1.3"),
        "{}",
        s_client_outputs[0]
    );
    assert!(
        s_client_outputs[1].contains("Reused, TLSv1.3"),
        "{}",
        s_client_outputs[1]
    );
}

#[test]
fn c_client_answers_the_deferred_certificate_check() {
    let test = "c_client_answers_the_deferred_certificate_check";
    if !have_openssl(test) {
        return;
    }
    let client = build("client", Flavour::Asan);
    let dir = TempDir::new("ffi-defer");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let other = pki(&dir, "other", "localhost", KeyType::EcdsaP256);
    let pin = dir.write("server.der", &server.leaf);
    let wrong_pin = dir.write("other.der", &other.leaf);
    // Accepted: the roots, then the application's pin.
    for (mode, pin_file, accepted) in [
        ("roots-then-app", &pin, true),
        ("app", &pin, true),
        ("app", &wrong_pin, false),
    ] {
        let port = free_port();
        let mut s = s_server(
            port,
            &[
                "-naccept",
                "1",
                "-cert",
                &server.leaf_pem,
                "-key",
                &server.key_pem,
            ],
            None,
        );
        let (_s_out, s_err) = s.collect();
        let (status, stdout, stderr) = run(
            &client,
            &[
                "--port",
                &port.to_string(),
                "--ca",
                &server.ca_pem,
                "--verify",
                mode,
                "--pin",
                pin_file,
            ],
            TIMEOUT,
        );
        assert_clean(&stderr);
        assert_eq!(
            values(&stdout, "verify-event"),
            ["1 certificates"],
            "{mode}:\n{stdout}"
        );
        if accepted {
            assert!(
                status.is_some_and(|s| s.success()),
                "{mode} ({status:?}):\n{stdout}\n{stderr}"
            );
            assert_eq!(values(&stdout, "verify-verdict"), ["accept"]);
            assert_eq!(values(&stdout, "handshake"), ["ok"]);
        } else {
            assert_eq!(status.and_then(|s| s.code()), Some(1), "{stdout}\n{stderr}");
            assert_eq!(values(&stdout, "verify-verdict"), ["reject"]);
            // TLS13_ERR_CERT_OTHER, with our reason; bad_certificate sent.
            assert_eq!(values(&stdout, "error-code"), ["205"], "{stdout}");
            assert_eq!(values(&stdout, "error-alert"), ["42"], "{stdout}");
            assert!(stdout.contains("not the pinned certificate"), "{stdout}");
            let _ = s.wait_bounded(Duration::from_secs(5));
            let e = s_err.get(Duration::from_secs(5));
            assert!(
                e.contains("bad certificate"),
                "s_server did not get bad_certificate:\n{e}"
            );
        }
    }
}

#[test]
fn c_client_sees_the_kind_of_certificate_error() {
    let test = "c_client_sees_the_kind_of_certificate_error";
    if !have_openssl(test) {
        return;
    }
    let client = build("client", Flavour::Asan);
    let dir = TempDir::new("ffi-certerr");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let stranger = pki(&dir, "stranger", "localhost", KeyType::EcdsaP256);
    // (trust anchors, server name, code, alert, words of the message)
    for (ca, name, code, alert, words) in [
        (
            &server.ca_pem,
            "wrong.example",
            "209",
            "42",
            "not valid for wrong.example",
        ),
        (&stranger.ca_pem, "localhost", "210", "48", "server CA"),
    ] {
        let port = free_port();
        let mut s = s_server(
            port,
            &[
                "-naccept",
                "1",
                "-cert",
                &server.leaf_pem,
                "-key",
                &server.key_pem,
            ],
            None,
        );
        let _ = s.collect();
        let (status, stdout, stderr) = run(
            &client,
            &[
                "--port",
                &port.to_string(),
                "--ca",
                ca,
                "--server-name",
                name,
            ],
            TIMEOUT,
        );
        assert_clean(&stderr);
        assert_eq!(status.and_then(|s| s.code()), Some(1), "{stdout}\n{stderr}");
        assert_eq!(values(&stdout, "error-code"), [code], "{stdout}");
        assert_eq!(values(&stdout, "error-alert"), [alert], "{stdout}");
        assert!(stdout.contains(words), "{stdout}");
    }
}
