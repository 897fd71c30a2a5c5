//! A C API for `tls13`: the sans-IO TLS 1.3 engine behind opaque handles.
//!
//! C and C++ programs link the static or dynamic library this crate
//! builds and include `include/tls13.h`, which cbindgen generates from the
//! items below (their doc comments become the header's comments). The
//! API is the library's own sans-IO loop: bytes in
//! ([`conn::tls13_conn_receive`]), bytes out
//! ([`conn::tls13_conn_pending_output`] and
//! [`conn::tls13_conn_consume_output`]), application data out
//! ([`conn::tls13_conn_received_data`]), events
//! ([`conn::tls13_conn_next_event`]) and answers to the decisions an
//! application asked to take itself (a certificate check it runs
//! somewhere else). No call blocks, performs I/O or calls back into C, so
//! it fits any event loop.
//!
//! # Rules at the boundary
//!
//! - Every entry point checks its pointers for NULL and its lengths
//!   (a length with a NULL pointer, a length past `isize::MAX`), and
//!   refuses with a code rather than touching memory it was not given.
//! - Every entry point runs inside `catch_unwind`: a panic (a bug: the
//!   library is written not to panic) never unwinds into C. It becomes
//!   [`error::TLS13_ERR_PANIC`], and a connection on which it happened is
//!   *poisoned*: every later call on it fails with the same code.
//! - Errors are stable integer codes ([`error`]); the sentence for a
//!   person is [`error::tls13_last_error_message`]. The kinds of a refused
//!   certificate are codes of their own (`TLS13_ERR_CERT_*`).
//! - `unsafe` lives only here (the library is `#![forbid(unsafe_code)]`),
//!   in the few helpers that turn C pointers into Rust references, each
//!   with its safety argument.
#![deny(unsafe_op_in_unsafe_fn)]
// Every `unsafe` block says why it is sound.
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]
// As in the library: outside tests, no unwrap, index, panic or unchecked
// arithmetic. A panic would be caught, but it poisons the connection:
// whatever C passes must get a result code instead. (Already true; the
// lints keep it so.)
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
// The C names (`tls13_conn`, ...) are the header's names: cbindgen copies
// the Rust identifiers.
#![allow(non_camel_case_types)]

pub mod config;
pub mod conn;
pub mod error;
mod ptr;
mod verify;

pub use config::*;
pub use conn::*;
pub use error::*;
