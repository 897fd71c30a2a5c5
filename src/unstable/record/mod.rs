//! The record layer (RFC 9846 §5): framing and deframing, protection with
//! the negotiated AEAD (nonce = IV xor sequence number), the inner content
//! type and padding, size limits and AEAD usage limits.

pub mod deframer;
pub mod protect;

/// Record header length.
pub const HEADER_LEN: usize = 5;
/// Largest TLSPlaintext fragment (§5.1).
pub const MAX_FRAGMENT: usize = 1 << 14;
/// Largest TLSInnerPlaintext: content, type byte and padding (§5.4).
pub const MAX_INNER_PLAINTEXT: usize = MAX_FRAGMENT + 1;
/// Largest TLSCiphertext fragment (§5.2).
pub const MAX_CIPHERTEXT: usize = MAX_FRAGMENT + 256;
