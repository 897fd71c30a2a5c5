//! Empty on purpose: this package exists for its benchmark
//! (`benches/compare.rs`) and its rustls interop tests
//! (`tests/interop_rustls.rs`), which need rustls and its C-built crypto
//! providers; see `Cargo.toml`.
