//! The wire level, **outside the stable API**: these modules may change in
//! any release without notice.
//!
//! They are public for audits, for the RFC 8448 byte-for-byte replays in
//! `tests/`, for the fuzz targets in `fuzz/` and for tools that need to
//! build or take apart TLS messages themselves; an application needs none
//! of them. Connections, configuration, verification and the drivers are
//! the stable surface, and the code points a configuration names
//! ([`CipherSuite`](crate::CipherSuite), [`NamedGroup`](crate::NamedGroup),
//! …) and the key log ([`KeyLog`](crate::KeyLog)) are re-exported at the
//! crate root.
//!
//! Bottom to top: [`codec`] (length-prefixed reading and writing) →
//! [`msgs`] (every wire type) → [`key_schedule`] (HKDF-Expand-Label, the
//! secret chain, Finished keys, exporters) → [`record`] (framing and
//! record protection); [`trace`] prints a handshake in the layout of
//! RFC 8448. [`hpke`] shows HPKE's intermediate secrets for RFC 9180's
//! known-answer tests.

pub mod codec;
pub mod hpke;
pub mod key_schedule;
pub mod msgs;
pub mod record;
pub mod trace;
