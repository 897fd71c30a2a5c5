//! What 0-RTT under a server's tickets depends on.
//!
//! tls13 keeps a digest of it in each ticket and accepts 0-RTT only when
//! the server's current one is equal (RFC 9001 §4.6.3). Two parts:
//!
//! - The server's transport parameters as a client remembers them (RFC
//!   9000 §7.4.1), which tls13 reads out of the encoded parameters
//!   itself: every parameter but those a client must not remember (the
//!   connection IDs, stateless_reset_token, preferred_address,
//!   ack_delay_exponent, max_ack_delay) and grease parameters, in ID
//!   order, since quinn also shuffles their order per connection.
//!   Any change to the limits of quinn's `TransportConfig` (streams,
//!   flow control, idle timeout, datagrams, ...) changes it, so 0-RTT is
//!   refused rather than let a client exceed a lowered limit (§7.4.1: a
//!   server that accepts 0-RTT must not reduce them). Equality is
//!   stricter than the RFC (raising a limit would be safe too) and
//!   never wrong.
//! - The early data context: this crate's tag, then whatever the
//!   application adds ([`QuicServerConfig::with_early_data_context`](crate::QuicServerConfig::with_early_data_context)),
//!   e.g. its HTTP/3 SETTINGS.

/// Prefixes the application's early data context, so that contexts of
/// this crate never equal another stack's on the same tickets.
pub(crate) const CONTEXT_TAG: &[u8] = b"tls13-quinn 0-RTT context v1\0";
