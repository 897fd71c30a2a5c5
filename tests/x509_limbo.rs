//! The x509-limbo suite (C2SP) through `x509::Validator`: every case runs;
//! each one we do not skip (with the reason printed) must give the
//! expected result. Prints the tally per expected result.

#[path = "limbo/mod.rs"]
mod limbo;
mod skip;

use std::collections::BTreeMap;

use limbo::{run, skip_reason};
use serde_json::Value;
use tls13::crypto::pem;

const LIMBO: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vectors/x509-limbo/limbo.json"
));

#[test]
fn limbo() {
    let suite: Value = serde_json::from_str(LIMBO).unwrap();
    let cases = suite["testcases"].as_array().unwrap();
    assert_eq!(cases.len(), 208);
    // expected -> (pass, fail, skip)
    let mut tally: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let expected = case["expected_result"].as_str().unwrap().to_owned();
        let entry = tally.entry(expected.clone()).or_default();
        if let Some(reason) = skip_reason(case) {
            entry.2 += 1;
            println!("SKIPPED {id}: {reason}");
            continue;
        }
        let result = run(case);
        let ok = matches!(
            (expected.as_str(), &result),
            ("SUCCESS", Ok(())) | ("FAILURE", Err(_))
        );
        match &result {
            Ok(()) => println!("{} {id}: accepted", if ok { "pass" } else { "FAIL" }),
            Err(e) => println!("{} {id}: rejected: {e}", if ok { "pass" } else { "FAIL" }),
        }
        if ok {
            entry.0 += 1;
        } else {
            entry.1 += 1;
            failures.push(format!("{id} (expected {expected}): {result:?}"));
        }
    }
    for (expected, (pass, fail, skip)) in &tally {
        println!("expected {expected}: {pass} pass, {fail} fail, {skip} skipped");
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The results document `examples/limbo.rs` writes, from the same
/// runner: the suite's shape, one entry per case in order, only the three
/// result words, a reason on every skip, at most 5% skipped, and no
/// disagreement with an expected result.
#[test]
fn limbo_results_document() {
    let suite: Value = serde_json::from_str(LIMBO).unwrap();
    let doc = limbo::results(&suite);
    let obj = doc.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["harness", "results", "version"]);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["harness"], "tls13");
    let cases = suite["testcases"].as_array().unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    let mut skipped = 0;
    for (r, case) in results.iter().zip(cases) {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["actual_result", "context", "id"]);
        assert_eq!(r["id"], case["id"]);
        let actual = r["actual_result"].as_str().unwrap();
        let context = r["context"].as_str().unwrap();
        match actual {
            "SKIPPED" => {
                skipped += 1;
                assert!(!context.is_empty(), "{}: skip without a reason", r["id"]);
            }
            "SUCCESS" | "FAILURE" => assert_eq!(actual, case["expected_result"], "{}", r["id"]),
            other => panic!("{}: actual_result {other}", r["id"]),
        }
    }
    assert!(
        skipped * 20 <= cases.len(),
        "{skipped} skipped, more than 5%"
    );
    // The document round-trips through its text form.
    let text = serde_json::to_string(&doc).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), doc);
}

/// Chromium's `verify_signed_data` cases (with rustls-webpki's additions
/// in `ours/`) through `x509::verify_signed_data`. Chromium accepts SHA-1
/// and PSS salts other than the hash length; we do not (RFC 9846 / Web PKI
/// profile), so those cases are expected to fail here, as the comment on
/// each line of `ACCEPTED` and `BAD_SIGNATURE` explains by omission.
#[test]
fn chromium_verify_signed_data() {
    use tls13::x509::{SigError, verify_signed_data};
    // Valid signatures with algorithms we accept (1024-bit RSA keys here,
    // so the minimum is lowered to 1024 for this test).
    const ACCEPTED: &[&str] = &[
        "ecdsa-prime256v1-sha512.pem",
        "ecdsa-secp384r1-sha256.pem",
        "rsa-pkcs1-sha256.pem",
        "rsa2048-pkcs1-sha512.pem",
        "ours/ecdsa-prime256v1-sha256.pem",
        "ours/rsa-pss-sha256-salt32.pem",
        "ours/rsa-pss-sha384-salt48.pem",
        "ours/rsa-pss-sha512-salt64.pem",
    ];
    // Well-formed keys and algorithms, but the signature must not verify.
    const BAD_SIGNATURE: &[&str] = &[
        "ecdsa-secp384r1-sha256-corrupted-data.pem",
        "ecdsa-prime256v1-sha512-wrong-signature-format.pem",
        "ours/rsa-pss-sha256-salt32-corrupted-data.pem",
        "ours/rsa-pss-sha384-salt48-corrupted-data.pem",
        "ours/rsa-pss-sha512-salt64-corrupted-data.pem",
    ];
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/chromium-verify-signed-data"
    );
    let mut files: Vec<String> = Vec::new();
    for sub in ["", "ours/"] {
        for e in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".pem") {
                files.push(format!("{sub}{name}"));
            }
        }
    }
    files.sort();
    assert_eq!(files.len(), 40);
    let (mut ok, mut rejected) = (0, 0);
    for f in &files {
        let text = std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
        let blocks = pem::parse(&text).unwrap();
        let get = |label: &str| {
            blocks
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, d)| d.clone())
                .unwrap()
        };
        let (spki, alg, data, sig) = (
            get("PUBLIC KEY"),
            get("ALGORITHM"),
            get("DATA"),
            get("SIGNATURE"),
        );
        // The SIGNATURE block is a DER BIT STRING; a non-zero unused-bits
        // count cannot be a signature.
        let contents = match sig.as_slice() {
            [0x03, 0x81, _, rest @ ..] | [0x03, 0x82, _, _, rest @ ..] => rest,
            [0x03, _, rest @ ..] => rest,
            _ => panic!("{f}: SIGNATURE is not a BIT STRING"),
        };
        let result = match contents.split_first() {
            Some((0, s)) => verify_signed_data(
                tls13::crypto::default_provider().signatures,
                &spki,
                &alg,
                &data,
                s,
                1024,
            ),
            _ => Err(SigError::BadSignature),
        };
        println!("{f}: {result:?}");
        if ACCEPTED.contains(&f.as_str()) {
            assert_eq!(result, Ok(()), "{f}");
            ok += 1;
        } else {
            assert!(result.is_err(), "{f} must be rejected");
            if BAD_SIGNATURE.contains(&f.as_str()) {
                assert_eq!(result, Err(SigError::BadSignature), "{f}");
            }
            rejected += 1;
        }
    }
    println!("chromium: {ok} accepted, {rejected} rejected");
    // The minimum RSA size applies before any arithmetic.
    let text = std::fs::read_to_string(format!("{dir}/rsa-pkcs1-sha256.pem")).unwrap();
    let blocks = pem::parse(&text).unwrap();
    let spki = &blocks[0].1;
    assert!(matches!(
        verify_signed_data(
            tls13::crypto::default_provider().signatures,
            spki,
            &blocks[1].1,
            b"",
            b"",
            2048
        ),
        Err(SigError::WeakKey(_))
    ));
}

/// The built example writes the results file: `limbo LIMBO.json >
/// results.json`, here into a temporary file, equal to the document the
/// runner makes. Cargo builds examples next to the test binary during
/// `cargo test`; without them the test is skipped (`tests/skip`).
#[test]
fn limbo_example_writes_the_results_file() {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|d| d.parent()).map(|d| {
        d.join("examples")
            .join(format!("limbo{}", std::env::consts::EXE_SUFFIX))
    });
    let Some(bin) = bin.filter(|b| b.exists()) else {
        skip::skip(
            "limbo_example_writes_the_results_file",
            "the limbo example is not built (run `cargo test` or `cargo build --examples`)",
        );
        return;
    };
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/x509-limbo/limbo.json");
    let out_path = std::env::temp_dir().join(format!("tls13-limbo-{}.json", std::process::id()));
    let out_file = std::fs::File::create(&out_path).unwrap();
    let status = std::process::Command::new(&bin)
        .arg(input)
        .stdout(out_file)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&out_path).unwrap();
    let _ = std::fs::remove_file(&out_path);
    let doc: Value = serde_json::from_str(&written).unwrap();
    let suite: Value = serde_json::from_str(LIMBO).unwrap();
    assert_eq!(doc, limbo::results(&suite));
    assert_eq!(doc["results"].as_array().unwrap().len(), 208);
    // A wrong invocation is a usage error, not an empty file.
    let usage = std::process::Command::new(&bin).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(usage.stdout.is_empty());
}
