//! Every crypto provider a suite runs against: RustCrypto always,
//! graviola where this CPU supports it (the dev-dependency enables the
//! feature). Where graviola is unavailable a SKIPPED line says so on the
//! real stderr (not captured by the test harness), so that a run does not
//! look as if it had checked both providers when it did not.

use tls13::crypto::CryptoProvider;

pub fn providers() -> Vec<&'static CryptoProvider> {
    let mut all = vec![tls13::crypto::rustcrypto::provider()];
    match tls13::crypto::graviola::provider() {
        Some(p) => all.push(p),
        None => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: graviola provider (this CPU lacks what it needs): only RustCrypto was checked"
            );
        }
    }
    all
}
