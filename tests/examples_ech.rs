//! Encrypted Client Hello (RFC 9849) through the example programs, as an
//! operator would run them: `server --ech-keygen` writes a key file and
//! prints the ECHConfigList, `server --ech-key` serves with it, `client
//! --ech-config` connects with the list (accepted), with a stale one
//! (rejected, then accepted with the retry configs the server sent), and
//! with `--ech-grease`.
//!
//! The certificate names both the backend name the client asks for
//! (`secret.example`, in the encrypted inner hello) and the public name
//! of the configs (`public.example`, which authenticates a rejection,
//! §6.1.7). The examples are those `cargo test` builds; when they are
//! missing each test is skipped (`tests/example_programs`).

mod example_programs;

use example_programs::{Output, Server, TempDir, examples, run};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::ech::EchConfigList;

const INNER: &str = "secret.example";
const PUBLIC: &str = "public.example";

/// Certificates valid from 2023-11 to 2052-05: far from any test clock.
const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

/// Paths of the server's chain and key and of the CA, for a leaf naming
/// both [`INNER`] and [`PUBLIC`].
struct Identity {
    chain: String,
    key: String,
    ca: String,
}

fn identity(dir: &TempDir) -> Identity {
    let rng = tls13::crypto::OsRandom;
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("ech CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let leaf = ca
        .issue(
            &[
                SubjectAltName::Dns(INNER.into()),
                SubjectAltName::Dns(PUBLIC.into()),
            ],
            &key,
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    Identity {
        chain: dir.write(
            "chain.pem",
            certgen::to_pem("CERTIFICATE", &leaf) + &certgen::to_pem("CERTIFICATE", ca.cert_der()),
        ),
        key: dir.write("key.pem", certgen::to_pem("PRIVATE KEY", &key)),
        ca: dir.write("ca.pem", certgen::to_pem("CERTIFICATE", ca.cert_der())),
    }
}

/// `server --ech-keygen PUBLIC DIR/name`: the key file's path and the
/// base64 ECHConfigList it printed (also written to `name.b64`).
fn keygen(server_bin: &std::path::Path, dir: &TempDir, name: &str) -> (String, String, String) {
    let path = dir.path(name).to_str().unwrap().to_string();
    let out = run(server_bin, &["--ech-keygen", PUBLIC, &path], b"").text();
    assert!(out.success(), "--ech-keygen failed: {}", out.stderr);
    let b64 = out.stdout.trim().to_string();
    let list = EchConfigList::from_base64(&b64).expect("keygen prints an ECHConfigList");
    assert_eq!(list.configs.len(), 1);
    assert_eq!(
        list.configs[0].contents().unwrap().public_name,
        PUBLIC.as_bytes()
    );
    let b64_path = dir.write(&format!("{name}.b64"), format!("{b64}\n"));
    (path, b64, b64_path)
}

fn stderr_value<'a>(stderr: &'a str, key: &str) -> Option<&'a str> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
}

/// The client example against `port`, asking for [`INNER`], with `extra`
/// options and `input` on stdin.
fn client(
    client_bin: &std::path::Path,
    id: &Identity,
    port: u16,
    extra: &[&str],
    input: &[u8],
) -> Output {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["--ca", &id.ca, "--server-name", INNER];
    args.extend_from_slice(extra);
    args.push(&addr);
    run(client_bin, &args, input)
}

// ------------------------------------------------ no handshake involved

#[test]
fn keygen_writes_a_private_file_and_print_lists_the_keys_in_order() {
    let Some((server_bin, _)) =
        examples("keygen_writes_a_private_file_and_print_lists_the_keys_in_order")
    else {
        return;
    };
    let dir = TempDir::new("ech-keygen");
    let (a, a_b64, _) = keygen(&server_bin, &dir, "a.pem");
    let text = std::fs::read_to_string(&a).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{text}");
    assert!(text.contains("-----BEGIN ECHCONFIG-----\n"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&a).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the key file is readable by others: {mode:o}"
        );
    }
    // An existing file is never overwritten.
    let again = run(&server_bin, &["--ech-keygen", PUBLIC, &a], b"").text();
    assert!(!again.success());
    assert!(again.stderr.contains("cannot write"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), text);

    // A second key, generated knowing the first, gets another config_id.
    let b = dir.path("b.pem").to_str().unwrap().to_string();
    let out = run(
        &server_bin,
        &["--ech-key", &a, "--ech-keygen", PUBLIC, &b],
        b"",
    )
    .text();
    assert!(out.success(), "{}", out.stderr);
    let b_b64 = out.stdout.trim().to_string();
    let id = |b64: &str| {
        EchConfigList::from_base64(b64).unwrap().configs[0]
            .contents()
            .unwrap()
            .key_config
            .config_id
    };
    assert_ne!(id(&a_b64), id(&b_b64));

    // --print-ech-config: the list of the loaded keys, in the given order.
    let one = run(&server_bin, &["--ech-key", &a, "--print-ech-config"], b"").text();
    assert!(one.success(), "{}", one.stderr);
    assert_eq!(one.stdout.trim(), a_b64);
    let both = run(
        &server_bin,
        &["--ech-key", &b, "--ech-key", &a, "--print-ech-config"],
        b"",
    )
    .text();
    assert!(both.success(), "{}", both.stderr);
    let list = EchConfigList::from_base64(both.stdout.trim()).unwrap();
    let (la, lb) = (
        EchConfigList::from_base64(&a_b64).unwrap(),
        EchConfigList::from_base64(&b_b64).unwrap(),
    );
    assert_eq!(list.configs, [lb.configs[0].clone(), la.configs[0].clone()]);
}

#[test]
fn bad_ech_arguments_are_refused() {
    let Some((server_bin, client_bin)) = examples("bad_ech_arguments_are_refused") else {
        return;
    };
    let dir = TempDir::new("ech-args");
    // A public name that reads as an IPv4 address (§6.1.7).
    let out = run(
        &server_bin,
        &[
            "--ech-keygen",
            "192.0.2.1",
            dir.path("x.pem").to_str().unwrap(),
        ],
        b"",
    )
    .text();
    assert!(!out.success());
    assert!(out.stderr.contains("public_name"), "{}", out.stderr);
    assert!(!dir.path("x.pem").exists());
    // A key file that is not one.
    let id = identity(&dir);
    let out = run(
        &server_bin,
        &["--ech-key", &id.key, "--print-ech-config"],
        b"",
    )
    .text();
    assert!(!out.success());
    assert!(
        out.stderr.contains("key.pem") && out.stderr.contains("no ECHCONFIG block"),
        "{}",
        out.stderr
    );
    let out = run(&server_bin, &["--print-ech-config"], b"").text();
    assert_eq!(out.status, Some(2), "{}", out.stderr);
    // The client: both modes at once, and a file that is no config list.
    let out = run(
        &client_bin,
        &["--ech-grease", "--ech-config", &id.ca, "127.0.0.1:1"],
        b"",
    )
    .text();
    assert_eq!(out.status, Some(2), "{}", out.stderr);
    let out = run(
        &client_bin,
        &["--ca", &id.ca, "--ech-config", &id.ca, "127.0.0.1:1"],
        b"",
    )
    .text();
    assert!(!out.success());
    assert!(
        out.stderr.contains("ca.pem") && out.stderr.contains("ECHConfigList"),
        "{}",
        out.stderr
    );
}

// ------------------------------------------------ handshakes

#[test]
fn keygen_server_and_client_accept_ech() {
    let Some((server_bin, client_bin)) = examples("keygen_server_and_client_accept_ech") else {
        return;
    };
    let dir = TempDir::new("ech-accept");
    let id = identity(&dir);
    let (key, _, b64) = keygen(&server_bin, &dir, "ech.pem");
    let server = Server::start(
        &server_bin,
        &["--cert", &id.chain, "--key", &id.key, "--ech-key", &key],
    );
    let input = b"over encrypted client hello\n".repeat(100);
    let out = client(
        &client_bin,
        &id,
        server.port,
        &["--ech-config", &b64],
        &input,
    );
    assert!(out.success(), "client failed:\n{}", out.stderr);
    assert!(out.stdout == input, "the echo differs from the input");
    assert_eq!(
        stderr_value(&out.stderr, "ech"),
        Some("accepted"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(log.contains("ech: accepted"), "{log}");
    // The server answered the inner hello's name.
    assert!(
        log.contains(&format!("sni={INNER}"))
            && log.contains(&format!("echoed {} bytes", input.len())),
        "{log}"
    );
}

#[test]
fn stale_config_is_rejected_with_retry_configs_that_then_work() {
    let Some((server_bin, client_bin)) =
        examples("stale_config_is_rejected_with_retry_configs_that_then_work")
    else {
        return;
    };
    let dir = TempDir::new("ech-retry");
    let id = identity(&dir);
    let (_, _, old_b64) = keygen(&server_bin, &dir, "old.pem");
    let (new_key, new_list, _) = keygen(&server_bin, &dir, "new.pem");
    // The server has moved on to the new key only.
    let server = Server::start(
        &server_bin,
        &["--cert", &id.chain, "--key", &id.key, "--ech-key", &new_key],
    );
    let out = client(
        &client_bin,
        &id,
        server.port,
        &["--ech-config", &old_b64],
        b"must not be sent",
    )
    .text();
    assert!(
        !out.success(),
        "a rejected ECH connection succeeded:\n{}",
        out.stderr
    );
    assert_eq!(out.stdout, "", "data went over a rejected connection");
    assert_eq!(
        stderr_value(&out.stderr, "ech"),
        Some("rejected"),
        "{}",
        out.stderr
    );
    let retry =
        stderr_value(&out.stderr, "ech-retry-configs").unwrap_or_else(|| panic!("{}", out.stderr));
    assert_eq!(
        retry, new_list,
        "retry_configs are not the server's current list"
    );
    // The client authenticated the public name, then aborted (§6.1.6).
    let log = server.connection();
    assert!(
        log.contains("] error: ") && log.contains("ECH_REQUIRED"),
        "{log}"
    );

    // The second run with what the server sent.
    let retry_path = dir.write("retry.b64", retry);
    let out = client(
        &client_bin,
        &id,
        server.port,
        &["--ech-config", &retry_path],
        b"second try",
    )
    .text();
    assert!(out.success(), "retry failed:\n{}", out.stderr);
    assert_eq!(out.stdout, "second try");
    assert_eq!(
        stderr_value(&out.stderr, "ech"),
        Some("accepted"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(
        log.contains("ech: accepted") && log.contains(&format!("sni={INNER}")),
        "{log}"
    );
}

#[test]
fn server_keeping_the_old_key_accepts_both_during_rotation() {
    let Some((server_bin, client_bin)) =
        examples("server_keeping_the_old_key_accepts_both_during_rotation")
    else {
        return;
    };
    let dir = TempDir::new("ech-rotate");
    let id = identity(&dir);
    let (old_key, _, old_b64) = keygen(&server_bin, &dir, "old.pem");
    let (new_key, _, new_b64) = keygen(&server_bin, &dir, "new.pem");
    let server = Server::start(
        &server_bin,
        &[
            "--cert",
            &id.chain,
            "--key",
            &id.key,
            "--ech-key",
            &new_key,
            "--ech-key",
            &old_key,
        ],
    );
    for b64 in [&old_b64, &new_b64] {
        let out = client(&client_bin, &id, server.port, &["--ech-config", b64], b"x").text();
        assert!(out.success(), "{}", out.stderr);
        assert_eq!(
            stderr_value(&out.stderr, "ech"),
            Some("accepted"),
            "{}",
            out.stderr
        );
        assert!(server.connection().contains("ech: accepted"));
    }
}

#[test]
fn grease_is_reported_as_grease_and_the_server_rejects_it() {
    let Some((server_bin, client_bin)) =
        examples("grease_is_reported_as_grease_and_the_server_rejects_it")
    else {
        return;
    };
    let dir = TempDir::new("ech-grease");
    let id = identity(&dir);
    let (key, _, _) = keygen(&server_bin, &dir, "ech.pem");
    let server = Server::start(
        &server_bin,
        &["--cert", &id.chain, "--key", &id.key, "--ech-key", &key],
    );
    let out = client(&client_bin, &id, server.port, &["--ech-grease"], b"grease").text();
    assert!(out.success(), "client failed:\n{}", out.stderr);
    assert_eq!(out.stdout, "grease");
    assert_eq!(
        stderr_value(&out.stderr, "ech"),
        Some("grease"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    // A GREASE extension does not decrypt: rejected, and the connection
    // goes on with the (only) hello, whose name is in clear.
    assert!(
        log.contains("ech: rejected") && log.contains(&format!("sni={INNER}")),
        "{log}"
    );
}

#[test]
fn ech_to_a_server_without_keys_fails_without_retry_configs() {
    let Some((server_bin, client_bin)) =
        examples("ech_to_a_server_without_keys_fails_without_retry_configs")
    else {
        return;
    };
    let dir = TempDir::new("ech-nokeys");
    let id = identity(&dir);
    let (_, _, b64) = keygen(&server_bin, &dir, "ech.pem");
    let server = Server::start(&server_bin, &["--cert", &id.chain, "--key", &id.key]);
    let out = client(&client_bin, &id, server.port, &["--ech-config", &b64], b"x").text();
    // §6.1.6: the server (authenticated for the public name) ignored ECH;
    // the client still fails rather than fall back to the clear name.
    assert!(!out.success(), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(
        stderr_value(&out.stderr, "ech"),
        Some("rejected"),
        "{}",
        out.stderr
    );
    assert_eq!(
        stderr_value(&out.stderr, "ech-retry-configs"),
        Some("none"),
        "{}",
        out.stderr
    );
    let log = server.connection();
    assert!(
        log.contains("] error: ") && log.contains("ECH_REQUIRED"),
        "{log}"
    );
}
