//! Runs an x509-limbo suite file through `x509::Validator` and writes the
//! suite's result format to standard output:
//!
//! ```text
//! cargo run --release --example limbo -- LIMBO.json > results.json
//! ```
//!
//! `{"version":1,"harness":"tls13","results":[{"id","actual_result","context"}]}`,
//! `actual_result` being SUCCESS, FAILURE or SKIPPED, `context` the skip
//! reason or the rejection. The per-case logic is the one
//! `tests/x509_limbo.rs` checks.

#[path = "../tests/limbo/mod.rs"]
mod limbo;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: limbo LIMBO.json > results.json");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("limbo: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let suite: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("limbo: {path} is not JSON: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !suite["testcases"].is_array() {
        eprintln!("limbo: {path} has no `testcases` array");
        return ExitCode::FAILURE;
    }
    let doc = limbo::results(&suite);
    match serde_json::to_string_pretty(&doc) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("limbo: {e}");
            ExitCode::FAILURE
        }
    }
}
