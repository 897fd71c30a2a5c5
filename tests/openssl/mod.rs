//! Helpers for tests that run the `openssl` command line on loopback
//! (`mod openssl;`): everything in `tests/peers` (temporary directories,
//! child guards, bounded waits, ports, the pump) plus finding `openssl`
//! (a missing one skips the test: `tests/skip`).
#![allow(dead_code)]

#[path = "../peers/mod.rs"]
mod peers;
pub use peers::*;

use std::process::Command;

/// `$OPENSSL`, or `openssl` from `PATH`.
pub fn openssl_bin() -> String {
    program("OPENSSL", "openssl")
}

/// Whether openssl runs; otherwise skips `test` (`tests/skip`).
pub fn have_openssl(test: &str) -> bool {
    have_program(
        test,
        &openssl_bin(),
        "version",
        "set $OPENSSL or install openssl",
    )
}

impl ChildGuard {
    /// Spawns `openssl args…` with piped stdin, stdout and stderr.
    pub fn openssl(args: &[&str]) -> Self {
        Self::spawn(&openssl_bin(), args)
    }
}

/// Runs `openssl args…` to completion; panics with its stderr on failure.
pub fn run_openssl(args: &[&str]) {
    let out = Command::new(openssl_bin())
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
