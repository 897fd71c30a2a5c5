//! The QUIC mode of a connection's core (RFC 9001 §4): handshake bytes
//! in and out by encryption level instead of records, keys handed out
//! instead of installed, alerts kept as error codes instead of sent.
//! The public side is [`crate::quic::Connection`].

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::crypto::CryptoProvider;
use crate::crypto::hash::{Hash, Output};
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::enums::AlertDescription;
use crate::quic::{Direction, KeyChange, Level, Suite, Version};

/// What a connection in QUIC mode keeps besides the handshake state.
pub struct QuicCore {
    pub version: Version,
    provider: &'static CryptoProvider,
    /// Our quic_transport_parameters, sent as they are (RFC 9001 §8.2).
    pub local_params: Vec<u8>,
    /// The peer's, once its ClientHello or EncryptedExtensions arrived
    /// (client resuming with 0-RTT: those of the session until then).
    pub peer_params: Option<Vec<u8>>,
    /// Client offering 0-RTT: the server's parameters remembered with the
    /// session (RFC 9000 §7.4.1).
    pub early_peer_params: Option<Vec<u8>>,
    /// Server: what besides its transport parameters 0-RTT under its
    /// tickets assumes (RFC 9001 §4.6.3).
    pub early_data_context: Vec<u8>,
    /// Server: the part of `local_params` a client remembers for 0-RTT
    /// (RFC 9000 §7.4.1), when the stack sets it apart from values that
    /// change with every connection (connection IDs, reset token).
    pub remembered_params: Option<Vec<u8>>,
    /// Where our handshake bytes go now (never 0-RTT).
    write_level: Level,
    /// Where the peer's handshake bytes must come from now (never 0-RTT).
    read_level: Level,
    /// Handshake bytes to send, oldest first, each run with its level.
    out: VecDeque<(Level, Vec<u8>)>,
    /// Keys made available and not yet taken.
    keys: VecDeque<KeyChange>,
    /// The alert a failure would have sent (RFC 9001 §4.8: it becomes
    /// the CONNECTION_CLOSE error code instead).
    pub alert: Option<AlertDescription>,
}

impl QuicCore {
    pub fn new(provider: &'static CryptoProvider, version: Version, local_params: Vec<u8>) -> Self {
        Self {
            version,
            provider,
            local_params,
            peer_params: None,
            early_peer_params: None,
            early_data_context: Vec::new(),
            remembered_params: None,
            write_level: Level::Initial,
            read_level: Level::Initial,
            out: VecDeque::new(),
            keys: VecDeque::new(),
            alert: None,
        }
    }

    /// What 0-RTT under a ticket of ours assumes, as kept in the ticket
    /// (RFC 9001 §4.6.3, RFC 9000 §7.4.1): a SHA-256 digest of our
    /// transport parameters (or the part set as remembered) and the early
    /// data context, each with its length. Tickets stay small (§4.3), and
    /// accepting 0-RTT needs only equality.
    pub fn early_context_digest(&self, sha256: Hash) -> Output {
        let mut h = sha256.start();
        h.update(b"tls13 quic 0-rtt context");
        let params = self
            .remembered_params
            .as_ref()
            .unwrap_or(&self.local_params);
        for part in [params, &self.early_data_context] {
            h.update(&(part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.current()
    }

    /// Appends handshake bytes at the current write level.
    pub fn queue(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let level = self.write_level;
        match self.out.back_mut() {
            Some((l, bytes)) if *l == level => bytes.extend_from_slice(data),
            _ => self.out.push_back((level, data.to_vec())),
        }
    }

    /// The oldest handshake bytes waiting, all of one level.
    pub fn take_output(&mut self) -> Option<(Level, Vec<u8>)> {
        self.out.pop_front()
    }

    /// Forgets the handshake bytes not yet taken (the connection failed).
    pub fn clear_output(&mut self) {
        self.out.clear();
    }

    /// The next keys made available.
    pub fn take_keys(&mut self) -> Option<KeyChange> {
        self.keys.pop_front()
    }

    /// A new secret for `level` in `direction`: its keys are queued for
    /// the caller, and the handshake moves to that level (0-RTT keys
    /// move nothing: no handshake bytes travel at 0-RTT, §4.1.3).
    pub fn install(
        &mut self,
        level: Level,
        direction: Direction,
        suite: SuiteParams,
        secret: &Output,
    ) -> Result<(), Error> {
        let suite = Suite::from_tls(self.provider, suite)?;
        self.keys.push_back(KeyChange::new(
            level,
            direction,
            suite,
            self.version,
            secret,
        )?);
        if level != Level::ZeroRtt {
            match direction {
                Direction::Read => self.read_level = level,
                Direction::Write => self.write_level = level,
            }
        }
        Ok(())
    }

    /// RFC 9001 §4.1.3: CRYPTO data reaches TLS at the level it reads
    /// now. Data of a level it has left extends past what was received
    /// there (QUIC passes only new data), 0-RTT carries none (§8.3), and
    /// data of a later level is QUIC's to hold until TLS has its keys.
    pub fn check_level(&self, level: Level) -> Result<(), Error> {
        if level == Level::ZeroRtt {
            return Err(
                PeerMisbehaved::QuicProtocolViolation("CRYPTO data in a 0-RTT packet").into(),
            );
        }
        if level != self.read_level {
            return Err(PeerMisbehaved::QuicProtocolViolation(
                "CRYPTO data at an encryption level the handshake is not reading",
            )
            .into());
        }
        Ok(())
    }
}
