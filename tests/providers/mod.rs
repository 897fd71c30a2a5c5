//! Every crypto provider a test suite runs against: RustCrypto always,
//! graviola where this CPU supports it (the dev-dependency enables the
//! feature). A machine without graviola support says so, visibly, rather
//! than passing as if it had been tested.

use tls13::crypto::CryptoProvider;

pub fn providers() -> Vec<&'static CryptoProvider> {
    let mut all = vec![tls13::crypto::rustcrypto::provider()];
    match tls13::crypto::graviola::provider() {
        Some(p) => all.push(p),
        None => println!("SKIPPED: graviola provider (this CPU lacks what it needs)"),
    }
    all
}
