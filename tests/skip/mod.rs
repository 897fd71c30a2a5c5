//! What a test does when something it needs from outside this crate is
//! missing — a peer program (`openssl`, `gnutls-serv`, …) or the built
//! example binaries — so that it cannot run (`mod skip;`, or through
//! `tests/peers`).
//!
//! - Under CI (the environment variable `CI` set to anything but empty,
//!   `0` or `false`; `.ci/run` sets `CI=true`) the test fails: CI installs
//!   every prerequisite, so a missing one is a broken setup, never a pass.
//! - Elsewhere the test returns early and passes, and a `SKIPPED` line
//!   naming it and what is missing goes straight to the process's stderr.
//!   `eprintln!` would not do: libtest captures it and shows it only for
//!   failed tests or under `--nocapture`, so a skip would look like a pass.
//!   A direct write to the stderr handle is not captured and shows in
//!   `cargo test`'s output next to the `test … ok` lines (count them with
//!   `cargo test 2>&1 | grep -c "^\*\*\* SKIPPED"`).
#![allow(dead_code)]

use std::io::Write;

/// Whether this run is CI (see the module documentation).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// The running test's name: libtest names each test's thread after it.
pub fn current_test() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned()
}

/// Records that `test` cannot run because `why` (e.g. "the `gnutls-serv`
/// program was not found (install gnutls-bin or set $GNUTLS_SERV)"):
/// panics under CI, else writes the uncaptured SKIPPED line. The caller
/// returns afterwards.
#[track_caller]
pub fn skip(test: &str, why: &str) {
    if in_ci() {
        panic!(
            "{test} cannot run: {why}. CI is set, where a missing prerequisite \
             fails the run instead of skipping the test"
        );
    }
    // One write of the whole line, on a line of its own: libtest writes
    // its `test … ok` lines to stdout meanwhile, in pieces.
    let line =
        format!("\n*** SKIPPED {test}: {why}: reported as ok; CI=true makes this a failure ***\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
