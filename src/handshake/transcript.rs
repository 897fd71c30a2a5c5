//! The running transcript hash (RFC 9846 §4.1). Each message is hashed
//! once; before the suite (and so the hash) is known, the raw bytes are
//! buffered.

use alloc::vec::Vec;

use crate::crypto::hash::{Hash, HashContext, Output};
use crate::error::Error;
use crate::msgs::enums::HandshakeType;

/// The transcript.
#[allow(clippy::large_enum_variant)] // the running hash inline, as it was
#[derive(Clone)]
pub enum Transcript {
    /// Hash not chosen yet: raw messages.
    Buffering(Vec<u8>),
    /// Running hash.
    Hashing(HashContext),
}

impl Default for Transcript {
    fn default() -> Self {
        Self::Buffering(Vec::new())
    }
}

impl Transcript {
    /// Adds one whole handshake message (header included).
    pub fn add(&mut self, msg: &[u8]) {
        match self {
            Self::Buffering(b) => b.extend_from_slice(msg),
            Self::Hashing(h) => h.update(msg),
        }
    }

    /// Like [`add`](Self::add), taking the message's buffer: the first
    /// message (the ClientHello, buffered until the suite is known) is kept
    /// as it is instead of copied.
    pub fn add_owned(&mut self, msg: Vec<u8>) {
        match self {
            Self::Buffering(b) if b.is_empty() => *b = msg,
            _ => self.add(&msg),
        }
    }

    /// Chooses the hash; buffered bytes are hashed now.
    pub fn start_hash(&mut self, alg: Hash) {
        if let Self::Buffering(b) = self {
            let mut h = alg.start();
            h.update(b);
            *self = Self::Hashing(h);
        }
    }

    /// After a HelloRetryRequest (§4.1): the first ClientHello (buffered
    /// so far) is replaced by `message_hash(Hash(ClientHello1))`.
    pub fn start_hash_after_retry(&mut self, alg: Hash) {
        let ch1_hash = match self {
            Self::Buffering(b) => alg.hash(b),
            Self::Hashing(h) => h.current(),
        };
        let mut h = alg.start();
        let len = ch1_hash.as_ref().len() as u8;
        h.update(&[HandshakeType::MESSAGE_HASH.0, 0, 0, len]);
        h.update(ch1_hash.as_ref());
        *self = Self::Hashing(h);
    }

    /// Hash(everything so far ‖ `extra`) under `alg`, without adding
    /// `extra`: the PSK binder transcript (§4.3.11.2). `None` when a
    /// running hash uses another algorithm.
    pub fn hash_with(&self, alg: Hash, extra: &[u8]) -> Option<Output> {
        let mut h = match self {
            Self::Buffering(b) => {
                let mut h = alg.start();
                h.update(b);
                h
            }
            Self::Hashing(h) if h.algorithm() == alg.algorithm() => h.clone(),
            Self::Hashing(_) => return None,
        };
        h.update(extra);
        Some(h.current())
    }

    /// The hash of everything so far.
    pub fn current(&self) -> Result<Output, Error> {
        match self {
            Self::Hashing(h) => Ok(h.current()),
            // Unreachable by construction: every caller runs after the
            // ServerHello/HelloRetryRequest fixed the suite.
            Self::Buffering(_) => Err(Error::Internal(
                "transcript hash read before suite is known",
            )),
        }
    }
}
