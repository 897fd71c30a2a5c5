//! Compiling the C programs of `tests/c/` against the library cargo built
//! for this test run (`mod c;` from a test file).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// LeakSanitizer on (the default on x86_64 Linux, said explicitly), and a
/// report makes the program fail.
pub const ASAN_OPTIONS: &str = "detect_leaks=1:halt_on_error=1:abort_on_error=0";

/// How a program is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// AddressSanitizer and LeakSanitizer.
    Asan,
    /// No instrumentation (for valgrind).
    Plain,
}

/// The directory of the libraries cargo built for these tests:
/// `target/<profile>/deps/`, where the test runs from. `cargo test -p
/// tls13-ffi` builds the crate's library targets (static, dynamic, rlib)
/// there with the same profile before it runs its tests. Not
/// `target/<profile>/`: `cargo test` does not copy them up there (only
/// `cargo build` does), so that copy is missing on a fresh clone and
/// stale after a change to the source.
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("target/<profile>/deps/").to_path_buf()
}

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The libraries the Rust standard library needs when linked statically
/// into a C program on Linux (`rustc --print native-static-libs`).
pub const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// Compiles `tests/c/<name>.c` (once per test process and flavour)
/// against `libtls13_ffi.a`, with every warning an error; returns the
/// executable.
pub fn build(name: &str, flavour: Flavour) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(String, Flavour), PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = built.get(&(name.to_owned(), flavour)) {
        return p.clone();
    }
    let lib = lib_dir().join("libtls13_ffi.a");
    assert!(
        lib.exists(),
        "{} is missing: run through `cargo test -p tls13-ffi`",
        lib.display()
    );
    let out_dir = lib_dir()
        .parent()
        .expect("target/<profile>/")
        .join("c-tests");
    std::fs::create_dir_all(&out_dir).expect("create target/<profile>/c-tests");
    // One file per program and flavour, rebuilt by each test process
    // (cargo runs the test binaries one after the other).
    let exe = out_dir.join(format!("{name}-{flavour:?}").to_lowercase());
    let src = crate_dir().join("tests/c").join(format!("{name}.c"));
    let mut cmd = Command::new("cc");
    cmd.args([
        "-std=c11",
        "-D_POSIX_C_SOURCE=200809L",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
    ])
    .args(["-O1", "-g"])
    .arg("-I")
    .arg(crate_dir().join("include"));
    if flavour == Flavour::Asan {
        cmd.args(["-fsanitize=address", "-fno-omit-frame-pointer"]);
    }
    cmd.arg(&src)
        .arg(&lib)
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&exe);
    let out = cmd
        .output()
        .expect("run cc (a C compiler is needed for these tests)");
    assert!(
        out.status.success(),
        "cc failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    built.insert((name.to_owned(), flavour), exe.clone());
    exe
}

/// No sanitizer reported anything.
pub fn assert_clean(stderr: &str) {
    assert!(
        !stderr.contains("Sanitizer"),
        "AddressSanitizer/LeakSanitizer report:\n{stderr}"
    );
}

/// Removes a built program.
pub fn remove(p: &Path) {
    let _ = std::fs::remove_file(p);
}
