//! README.md's minimal C client, the whole program as printed there:
//! installed with `install.sh` into a temporary prefix, compiled with the
//! generated pkg-config file against the shared library, and run against
//! `openssl s_server -www` (it must print the server's HTTP answer and
//! end cleanly after close_notify).

#[path = "../../tests/peers/mod.rs"]
mod peers;

mod c;

use std::process::{Command, Stdio};
use std::time::Duration;

use peers::{ChildGuard, TIMEOUT, TempDir, free_port, have_program, pki};
use tls13::certgen::KeyType;

/// The first ```c block of README.md.
fn readme_program() -> String {
    let text = std::fs::read_to_string(c::crate_dir().join("README.md")).expect("README.md");
    let start = text.find("```c\n").expect("a C block in README.md") + 5;
    let len = text[start..].find("```").expect("the block's end");
    text[start..start + len].to_owned()
}

#[test]
fn the_readme_client_builds_with_pkg_config_and_talks_to_openssl() {
    let test = "the_readme_client_builds_with_pkg_config_and_talks_to_openssl";
    if !have_program(test, "openssl", "version", "install openssl")
        || !have_program(
            test,
            "pkg-config",
            "--version",
            "apt-get install pkg-config",
        )
    {
        return;
    }
    let dir = TempDir::new("ffi-readme");
    let prefix = dir.path("prefix");
    let out = Command::new("sh")
        .arg(c::crate_dir().join("install.sh"))
        .arg(&prefix)
        .arg(c::lib_dir())
        .output()
        .expect("run install.sh");
    assert!(
        out.status.success(),
        "install.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pc_path = prefix.join("lib/pkgconfig");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "tls13-ffi"])
        .env("PKG_CONFIG_PATH", &pc_path)
        .output()
        .expect("run pkg-config");
    assert!(
        flags.status.success(),
        "pkg-config: {}",
        String::from_utf8_lossy(&flags.stderr)
    );
    let flags = String::from_utf8(flags.stdout).unwrap();
    assert!(flags.contains("-ltls13_ffi"), "{flags}");

    let src = dir.write("tls-get.c", readme_program());
    let exe = dir.path("tls-get");
    let cc = Command::new("cc")
        .args([
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            "-Wall",
            "-Wextra",
            "-Werror",
        ])
        .arg(&src)
        .args(flags.split_whitespace())
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run cc");
    assert!(
        cc.status.success(),
        "cc: {}",
        String::from_utf8_lossy(&cc.stderr)
    );

    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let port = free_port();
    let mut s = ChildGuard(
        Command::new(peers::program("OPENSSL", "openssl"))
            .args(["s_server", "-tls1_3", "-www", "-naccept", "1", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", &server.leaf_pem, "-key", &server.key_pem])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn openssl s_server"),
    );
    // s_server may not listen yet: try for a while.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let out = loop {
        let out = Command::new(&exe)
            .args(["localhost", &port.to_string(), &server.ca_pem])
            .env("LD_LIBRARY_PATH", prefix.join("lib"))
            .output()
            .expect("run tls-get");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success()
            || !stderr.contains("connect")
            || std::time::Instant::now() > deadline
        {
            break out;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tls-get failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.starts_with("HTTP/1.0 200 ok"), "{stdout}");
    assert!(stdout.contains("TLSv1.3"), "{stdout}");
    let _ = s.wait_bounded(Duration::from_secs(5));
}
