//! Encryption levels (RFC 9001 §4, Table 1) and key directions.

/// An encryption level: which keys protect a packet, and for CRYPTO
/// data, which of the three handshake byte streams it belongs to
/// (RFC 9001 §4.1.3: Initial, Handshake and 1-RTT carry CRYPTO frames;
/// 0-RTT does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Initial packets: keys from the client's Destination Connection
    /// ID ([`InitialKeys`](super::InitialKeys)), not from TLS.
    Initial,
    /// 0-RTT packets: the client's early data under a resumed session.
    /// Carries no handshake bytes.
    ZeroRtt,
    /// Handshake packets: the handshake traffic secrets.
    Handshake,
    /// 1-RTT (short header) packets: the application traffic secrets.
    OneRtt,
}

/// Which way a key protects packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Packets from the peer: the key removes protection.
    Read,
    /// Packets we send: the key applies protection.
    Write,
}
