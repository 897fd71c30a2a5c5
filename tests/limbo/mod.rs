//! The x509-limbo case runner, shared by `tests/x509_limbo.rs` and
//! `examples/limbo.rs` (both include it with `#[path]`): which cases we
//! skip and why, how one case drives `x509::Validator`, and the suite's
//! result format.
#![allow(dead_code)] // each includer uses a different subset

use serde_json::{Value, json};
use tls13::crypto::pem;
use tls13::x509::{ExpectedName, Policy, TrustAnchor, Usage, Validator};

/// Cases we do not run, with the reason (reported as SKIPPED).
pub fn skip_reason(case: &Value) -> Option<&'static str> {
    let id = case["id"].as_str().unwrap_or_default();
    match id {
        // Conflicting pairs: the suite expects opposite results; we take
        // the side that accepts what the Web PKI issues.
        "rfc5280::nc::permitted-dns-match-noncritical" => {
            return Some(
                "conflicts with webpki::nc::permitted-dns-match-noncritical: we follow CABF, which allows non-critical nameConstraints",
            );
        }
        "webpki::eku::ee-without-eku" => {
            return Some(
                "conflicts with rfc5280::eku::ee-without-eku: we follow RFC 5280, an absent EKU allows every purpose",
            );
        }
        "webpki::ca-as-leaf" => {
            return Some(
                "conflicts with rfc5280::ca-as-leaf: we follow RFC 5280, a CA certificate may be an end entity",
            );
        }
        "webpki::san::public-suffix-multi-label-wildcard-san"
        | "webpki::san::public-suffix-private-namespace-wildcard-san" => {
            return Some(
                "needs the Public Suffix List, which we do not ship (single-label `*.tld` wildcards are refused)",
            );
        }
        "rfc5280::aki::cross-signed-root-missing-aki" => {
            return Some(
                "pedantic-rfc5280: a trust anchor is trusted as configured; requiring AKI of a cross-signed anchor would break cve::cve-2024-0567, which the suite expects to succeed",
            );
        }
        "webpki::cn::punycode-not-in-san"
        | "webpki::cn::utf8-vs-punycode-mismatch"
        | "webpki::cn::not-in-san" => {
            return Some(
                "we never read the common name for identity (RFC 9525 §6.1), so we only refuse a CN that respells a SAN entry (case, IP text), not every CN absent from the SAN",
            );
        }
        _ => {}
    }
    // Every limbo feature is handled (`has-crl`: the case's CRLs go to
    // `Validator::with_crls`), so nothing else is skipped.
    None
}

/// `2024-01-01T00:00:00+00:00` (an optional fraction is truncated).
fn parse_time(s: &str) -> u64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let (hh, mm, ss) = (n(11, 13), n(14, 16), n(17, 19));
    assert!(s.ends_with("+00:00") || s.ends_with('Z'), "{s}");
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).unwrap()
}

fn certs(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|p| pem::certificates(p.as_str().unwrap()).unwrap())
        .collect()
}

/// Runs one case: Ok(()) = accepted, Err(reason).
pub fn run(case: &Value) -> Result<(), String> {
    let mut anchors = Vec::new();
    for der in certs(&case["trusted_certs"]) {
        match TrustAnchor::from_der(der) {
            Ok(a) => anchors.push(a),
            // An anchor we cannot parse cannot start a path; report it.
            Err(e) => eprintln!("    (trust anchor ignored: {e})"),
        }
    }
    let intermediates = certs(&case["untrusted_intermediates"]);
    let leaf = pem::certificates(case["peer_certificate"].as_str().unwrap())
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or("no peer certificate")?;
    let now = match case["validation_time"].as_str() {
        Some(t) => parse_time(t),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    };
    // limbo's `key_usage` lists the end-entity usages the case asks for;
    // outside TLS a CA may be validated as the end entity.
    let mut policy = Policy {
        require_digital_signature: case["key_usage"]
            .as_array()
            .is_some_and(|a| a.iter().any(|u| u == "digitalSignature")),
        ..Policy::default()
    };
    if let Some(d) = case["max_chain_depth"].as_u64() {
        policy.max_intermediates = usize::try_from(d).unwrap();
    }
    let mut crls = Vec::new();
    for pem_text in case["crls"].as_array().into_iter().flatten() {
        let blocks =
            pem::parse(pem_text.as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
        crls.extend(
            blocks
                .into_iter()
                .filter(|(label, _)| label == "X509 CRL")
                .map(|(_, der)| der),
        );
    }
    let validator = Validator::new(anchors, policy).with_crls(crls);
    let name_value = case["expected_peer_name"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let usage = match (
        case["validation_kind"].as_str(),
        case["expected_peer_name"]["kind"].as_str(),
    ) {
        (Some("CLIENT"), _) => Usage::Client,
        (Some("SERVER"), None) => Usage::ServerUnnamed,
        (_, Some("DNS")) => Usage::Server(ExpectedName::Dns(&name_value)),
        (_, Some("IP")) => Usage::Server(ExpectedName::Ip(
            name_value.parse().map_err(|e| format!("{e}"))?,
        )),
        (k, n) => {
            return Err(format!(
                "unsupported validation kind {k:?} / name kind {n:?}"
            ));
        }
    };
    validator
        .validate(&leaf, &intermediates, usage, now)
        .map(|_| ())
        .map_err(|e| format!("{e} [{:?}]", e.alert()))
}

/// One case's outcome in the suite's vocabulary, with its context (the
/// skip reason or the rejection).
pub fn outcome(case: &Value) -> (&'static str, String) {
    if let Some(reason) = skip_reason(case) {
        return ("SKIPPED", reason.to_owned());
    }
    match run(case) {
        Ok(()) => ("SUCCESS", "chain validated".to_owned()),
        Err(e) => ("FAILURE", e),
    }
}

/// The suite's result document for every case of `suite` (a parsed
/// `limbo.json`): `{"version":1,"harness":"tls13","results":[{"id",
/// "actual_result","context"}]}`.
pub fn results(suite: &Value) -> Value {
    let results: Vec<Value> = suite["testcases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let (actual, context) = outcome(case);
            json!({
                "id": case["id"],
                "actual_result": actual,
                "context": context,
            })
        })
        .collect();
    json!({"version": 1, "harness": "tls13", "results": results})
}
