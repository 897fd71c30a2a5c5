//! quinn-proto's [`crypto::Session`] over a `tls13::quic` connection.
//!
//! The two APIs cut the handshake differently, and this module is the
//! translation:
//!
//! - quinn gives CRYPTO data without its level: it only passes data of
//!   the level it expects (`Connection::read_crypto`), which follows
//!   the keys it was handed, so the session passes it at the level quinn
//!   is at (`Session::quinn_read_level`, RFC 9001 §4.1.3). Not at the
//!   level tls13 reads now: quinn moves on only after the whole packet
//!   (at `write_crypto`), while tls13 moves on after the message that
//!   changes keys, so a second CRYPTO frame in the same packet would be
//!   read at the next level (an Initial packet's bytes as Handshake
//!   messages).
//! - quinn takes handshake bytes for the packet space it writes now and
//!   moves to the next space when `write_handshake` returns that space's
//!   keys, both directions at once; the bytes of one call belong to the
//!   space before the move. tls13 gives bytes labelled with their level
//!   and keys one direction at a time, so the session queues both and
//!   hands out a level's bytes, then the next level's keys once it has
//!   them.
//! - quinn wants the server's 1-RTT read key with its flight; tls13 has
//!   it only after the client's Finished (RFC 9001 §5.7), so the server
//!   gets a key slot that is filled then ([`crate::keys`]).

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use quinn_proto::crypto::{self, ExportKeyingMaterialError, KeyPair, Keys};
use quinn_proto::transport_parameters::TransportParameters;
use quinn_proto::{ConnectionId, Side, TransportError, TransportErrorCode};
use tls13::AlertDescription;
use tls13::crypto::CryptoProvider;
use tls13::quic::{
    self, ClientConnection, Connection, Direction, DirectionalKeys, InitialKeys, KeyChange,
    KeyUpdates, Level, ServerConnection, Version,
};

use crate::HandshakeData;
use crate::keys::{self, HeaderKey, Limits, PacketKey, Slot, filled};

/// What sessions of one configuration share.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) provider: &'static CryptoProvider,
    /// 1-RTT packets per key before quinn updates keys, when lower than
    /// the AEAD's limit.
    pub(crate) max_packets_per_key: Option<u64>,
    /// Next-phase 1-RTT key pairs derived by all sessions.
    pub(crate) key_updates: Arc<AtomicU64>,
}

/// The tls13 connection of either side.
enum Tls {
    Client(ClientConnection),
    Server(ServerConnection),
    /// The server connection could not start (quinn's `start_session`
    /// cannot fail): every read fails with this.
    Failed(TransportError),
}

/// One QUIC connection's TLS (see the module docs).
pub(crate) struct Session {
    tls: Tls,
    side: Side,
    version: Version,
    settings: Settings,
    /// Handshake bytes from tls13 not yet given to quinn, with their level.
    out: VecDeque<(Level, Vec<u8>)>,
    /// The packet space quinn writes in now (Initial, Handshake, 1-RTT).
    write_level: Level,
    handshake_read: Option<DirectionalKeys>,
    handshake_write: Option<DirectionalKeys>,
    one_rtt_read: Option<KeyChange>,
    one_rtt_write: Option<KeyChange>,
    /// The chain of our 1-RTT write keys once quinn has the first.
    write_updates: Option<KeyUpdates>,
    /// The chain of the peer's, or the slots waiting for it.
    read_updates: ReadUpdates,
    /// 0-RTT keys: the client's write key, the server's read key.
    early: Option<(Slot<quic::HeaderKey>, Slot<quic::PacketKey>, Limits)>,
    got_handshake_data: bool,
    /// tls13 completed the handshake since quinn last called
    /// `write_handshake`: quinn is still in the Handshake packet that
    /// completed it, and any more CRYPTO data is of that level.
    completed_in_packet: bool,
    /// A failure quinn must see on every later read.
    failed: Option<TransportError>,
}

/// The peer's 1-RTT key chain (RFC 9001 §6).
enum ReadUpdates {
    /// quinn has no 1-RTT keys yet.
    None,
    /// A server's: quinn has slots for the header key and for key
    /// phases 0, 1, ... that the client's Finished will fill.
    Waiting {
        header: Slot<quic::HeaderKey>,
        phases: Vec<Slot<quic::PacketKey>>,
    },
    Ready(KeyUpdates),
}

impl Session {
    pub(crate) fn client(conn: ClientConnection, version: Version, settings: Settings) -> Self {
        Self::new(Tls::Client(conn), Side::Client, version, settings)
    }

    pub(crate) fn server(conn: ServerConnection, version: Version, settings: Settings) -> Self {
        Self::new(Tls::Server(conn), Side::Server, version, settings)
    }

    /// A server session that could not start: `reason` is reported at
    /// the first CRYPTO data, as an internal error.
    pub(crate) fn failed_server(reason: String, version: Version, settings: Settings) -> Self {
        let error = TransportError {
            code: crypto_error(AlertDescription::INTERNAL_ERROR),
            frame: None,
            reason,
        };
        Self::new(Tls::Failed(error), Side::Server, version, settings)
    }

    fn new(tls: Tls, side: Side, version: Version, settings: Settings) -> Self {
        let mut session = Self {
            tls,
            side,
            version,
            settings,
            out: VecDeque::new(),
            write_level: Level::Initial,
            handshake_read: None,
            handshake_write: None,
            one_rtt_read: None,
            one_rtt_write: None,
            write_updates: None,
            read_updates: ReadUpdates::None,
            early: None,
            got_handshake_data: false,
            completed_in_packet: false,
            failed: None,
        };
        // The client's ClientHello (and 0-RTT key) are ready at once.
        session.drain();
        session
    }

    fn conn(&self) -> Option<&Connection> {
        match &self.tls {
            Tls::Client(c) => Some(c),
            Tls::Server(s) => Some(s),
            Tls::Failed(_) => None,
        }
    }

    fn conn_mut(&mut self) -> Option<&mut Connection> {
        match &mut self.tls {
            Tls::Client(c) => Some(c),
            Tls::Server(s) => Some(s),
            Tls::Failed(_) => None,
        }
    }

    /// Takes everything tls13 has produced: handshake bytes, keys and
    /// events.
    fn drain(&mut self) {
        let Some(conn) = self.conn_mut() else {
            return;
        };
        let mut out = Vec::new();
        while let Some(bytes) = conn.write_handshake() {
            out.push(bytes);
        }
        let mut changes = Vec::new();
        while let Some(change) = conn.next_key_change() {
            changes.push(change);
        }
        let mut deferred = None;
        while let Some(event) = conn.next_event() {
            deferred = deferred.or_else(|| event.awaits_answer());
        }
        self.out.extend(out);
        for change in changes {
            self.take_keys(change);
        }
        if let Some(what) = deferred {
            self.fail(TransportError {
                code: crypto_error(AlertDescription::INTERNAL_ERROR),
                frame: None,
                reason: format!(
                    "tls13-quinn: the TLS configuration deferred {what}, but quinn's crypto \
                     session is synchronous: answer with Decision::Ready"
                ),
            });
        }
    }

    fn take_keys(&mut self, change: KeyChange) {
        match (change.level, change.direction) {
            (Level::ZeroRtt, _) => {
                let limits = Limits::of(&change.keys.packet, None);
                self.early = Some((
                    filled(change.keys.header),
                    filled(change.keys.packet),
                    limits,
                ));
            }
            (Level::Handshake, Direction::Read) => self.handshake_read = Some(change.keys),
            (Level::Handshake, Direction::Write) => self.handshake_write = Some(change.keys),
            (Level::OneRtt, Direction::Read) => {
                match std::mem::replace(&mut self.read_updates, ReadUpdates::None) {
                    ReadUpdates::Waiting { header, phases } => {
                        self.read_updates = fill(change, &header, &phases)
                            .map_or(ReadUpdates::Waiting { header, phases }, ReadUpdates::Ready);
                    }
                    other => {
                        self.read_updates = other;
                        self.one_rtt_read = Some(change);
                    }
                }
            }
            (Level::OneRtt, Direction::Write) => self.one_rtt_write = Some(change),
            // Initial keys come from the connection ID, never from TLS.
            (Level::Initial, _) => {}
        }
    }

    /// The level of the CRYPTO data quinn passes now (RFC 9001 §4.1.3):
    /// that of the packet space it reads, which moves only when quinn
    /// takes keys (`write_handshake`, once per packet) and when the
    /// handshake is over. Data tls13 does not read at this level is a
    /// PROTOCOL_VIOLATION there.
    ///
    /// - Before quinn has the Handshake keys, it can open nothing but
    ///   Initial packets, even when tls13 reads Handshake already (the
    ///   ServerHello or ClientHello was an earlier frame of the packet).
    /// - In the Handshake packet that completed the handshake, later
    ///   frames are Handshake data, though tls13 reads 1-RTT now.
    /// - Otherwise quinn and tls13 agree: the Handshake level while the
    ///   handshake is on (quinn holds the server's 1-RTT keys early, but
    ///   reads Handshake CRYPTO data until the handshake completes), then
    ///   1-RTT.
    fn quinn_read_level(&self, conn: &Connection) -> Level {
        if self.write_level == Level::Initial {
            Level::Initial
        } else if self.completed_in_packet {
            Level::Handshake
        } else {
            conn.read_level()
        }
    }

    fn fail(&mut self, error: TransportError) {
        if self.failed.is_none() {
            self.failed = Some(error);
        }
    }

    /// The QUIC error a tls13 failure closes the connection with: the
    /// connection's own code (CRYPTO_ERROR + alert, or
    /// PROTOCOL_VIOLATION; RFC 9001 §4.8) and the error's text.
    fn transport_error(&self, error: &tls13::Error) -> TransportError {
        let code = self.conn().and_then(Connection::error_code);
        let code = match code {
            Some(quic::PROTOCOL_VIOLATION) => TransportErrorCode::PROTOCOL_VIOLATION,
            Some(code) => code
                .checked_sub(quic::CRYPTO_ERROR)
                .and_then(|alert| u8::try_from(alert).ok())
                .map_or(
                    TransportErrorCode::INTERNAL_ERROR,
                    TransportErrorCode::crypto,
                ),
            None => crypto_error(AlertDescription::INTERNAL_ERROR),
        };
        TransportError {
            code,
            frame: None,
            reason: format!("TLS: {error}"),
        }
    }

    /// The next space's keys for quinn, if tls13 has handed out both
    /// directions (the server's 1-RTT read key: a slot, filled later).
    fn next_space_keys(&mut self) -> Option<Keys> {
        match self.write_level {
            Level::Initial => {
                if self.handshake_read.is_none() || self.handshake_write.is_none() {
                    return None;
                }
                let (read, write) = (self.handshake_read.take()?, self.handshake_write.take()?);
                self.write_level = Level::Handshake;
                Some(keys::key_pair(write, read, None))
            }
            Level::Handshake => {
                let waiting_allowed = self.side == Side::Server;
                if self.one_rtt_write.is_none() || (self.one_rtt_read.is_none() && !waiting_allowed)
                {
                    return None;
                }
                let write = self.one_rtt_write.take()?;
                self.write_level = Level::OneRtt;
                Some(self.one_rtt_keys(write))
            }
            Level::ZeroRtt | Level::OneRtt => None,
        }
    }

    fn one_rtt_keys(&mut self, write: KeyChange) -> Keys {
        let max = self.settings.max_packets_per_key;
        let limits = Limits::of(&write.keys.packet, max);
        self.write_updates = write.updates;
        let (remote_header, remote_packet) = match self.one_rtt_read.take() {
            Some(read) => {
                if let Some(updates) = read.updates {
                    self.read_updates = ReadUpdates::Ready(updates);
                }
                (filled(read.keys.header), filled(read.keys.packet))
            }
            None => {
                let (header, phase0): (Slot<_>, Slot<_>) = Default::default();
                self.read_updates = ReadUpdates::Waiting {
                    header: header.clone(),
                    phases: vec![phase0.clone()],
                };
                (header, phase0)
            }
        };
        let remote_limits = Limits::of(&write.keys.packet, None);
        Keys {
            header: KeyPair {
                local: Box::new(HeaderKey::new(filled(write.keys.header))),
                remote: Box::new(HeaderKey::new(remote_header)),
            },
            packet: KeyPair {
                local: Box::new(PacketKey::new(filled(write.keys.packet), limits)),
                remote: Box::new(PacketKey::new(remote_packet, remote_limits)),
            },
        }
    }
}

/// Fills the server's waiting 1-RTT read slots from the key tls13 hands
/// out at the client's Finished: phase 0 and every later phase quinn
/// already holds a slot for. `None` if a derivation failed (the slots
/// left empty open nothing).
fn fill(
    change: KeyChange,
    header: &Slot<quic::HeaderKey>,
    phases: &[Slot<quic::PacketKey>],
) -> Option<KeyUpdates> {
    let mut updates = change.updates?;
    let _ = header.set(change.keys.header);
    let (first, later) = phases.split_first()?;
    let _ = first.set(change.keys.packet);
    for slot in later {
        let _ = slot.set(updates.next_packet_key().ok()?);
    }
    Some(updates)
}

/// CRYPTO_ERROR for `alert` (RFC 9001 §4.8).
fn crypto_error(alert: AlertDescription) -> TransportErrorCode {
    TransportErrorCode::crypto(alert.0)
}

/// quinn's QUIC version number as ours; only version 1 is implemented.
pub(crate) fn version(number: u32) -> Option<Version> {
    (number == Version::V1.number()).then_some(Version::V1)
}

/// The Initial keys for `dst_cid` (RFC 9001 §5.2), ours and the peer's
/// by `side`. A connection ID longer than 20 bytes (which quinn never
/// passes) or a provider without AES-128-GCM (refused with the
/// configuration) gives keys that protect nothing.
pub(crate) fn initial_keys(
    provider: &CryptoProvider,
    version: Version,
    dst_cid: &ConnectionId,
    side: Side,
) -> Keys {
    let Ok(InitialKeys { client, server }) = InitialKeys::new(provider, version, dst_cid) else {
        return keys::dead_keys();
    };
    match side {
        Side::Client => keys::key_pair(client, server, None),
        Side::Server => keys::key_pair(server, client, None),
    }
}

impl crypto::Session for Session {
    fn initial_keys(&self, dst_cid: &ConnectionId, side: Side) -> Keys {
        initial_keys(self.settings.provider, self.version, dst_cid, side)
    }

    fn handshake_data(&self) -> Option<Box<dyn Any>> {
        if !self.got_handshake_data {
            return None;
        }
        let negotiated = self.conn()?.negotiated();
        Some(Box::new(HandshakeData::from_negotiated(negotiated)))
    }

    /// The peer's certificate chain, leaf first, as
    /// `Vec<CertificateDer<'static>>` (the type quinn's rustls session
    /// gives too). With a raw public key (RFC 7250) it holds the DER
    /// SubjectPublicKeyInfo alone ([`HandshakeData::peer_raw_public_key`]).
    fn peer_identity(&self) -> Option<Box<dyn Any>> {
        let chain = &self.conn()?.negotiated().peer_certificates;
        if chain.is_empty() {
            return None;
        }
        let chain: Vec<tls13::pki_types::CertificateDer<'static>> =
            chain.iter().map(|der| der.clone().into()).collect();
        Some(Box::new(chain))
    }

    fn early_crypto(&self) -> Option<(Box<dyn crypto::HeaderKey>, Box<dyn crypto::PacketKey>)> {
        let (header, packet, limits) = self.early.as_ref()?;
        Some((
            Box::new(HeaderKey::new(header.clone())),
            Box::new(PacketKey::new(packet.clone(), *limits)),
        ))
    }

    fn early_data_accepted(&self) -> Option<bool> {
        match &self.tls {
            Tls::Client(c) => Some(c.negotiated().early_data_accepted),
            _ => None,
        }
    }

    fn is_handshaking(&self) -> bool {
        self.conn().is_none_or(Connection::is_handshaking)
    }

    fn read_handshake(&mut self, buf: &[u8]) -> Result<bool, TransportError> {
        if let Tls::Failed(error) = &self.tls {
            return Err(error.clone());
        }
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let level = match self.conn() {
            Some(conn) => self.quinn_read_level(conn),
            None => Level::Initial,
        };
        let (result, completed) = match self.conn_mut() {
            Some(conn) => {
                let was_handshaking = conn.is_handshaking();
                let result = conn.read_handshake(level, buf);
                (result, was_handshaking && !conn.is_handshaking())
            }
            None => (Ok(()), false),
        };
        self.completed_in_packet |= completed;
        self.drain();
        if let Err(error) = result {
            let error = self.transport_error(&error);
            self.fail(error);
        }
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let ready = self.conn().is_some_and(|c| {
            // ALPN is chosen with the ClientHello and learnt from the
            // EncryptedExtensions, and always set in QUIC (RFC 9001 §8.1).
            c.negotiated().alpn.is_some() || !c.is_handshaking()
        });
        if ready && !self.got_handshake_data {
            self.got_handshake_data = true;
            return Ok(true);
        }
        Ok(false)
    }

    fn transport_parameters(&self) -> Result<Option<TransportParameters>, TransportError> {
        // A client offering 0-RTT has the session's parameters until the
        // server's arrive, and must respect them (RFC 9000 §7.4.1): quinn
        // asks for them when it starts 0-RTT.
        let current = self.conn().and_then(Connection::peer_transport_parameters);
        let remembered = match &self.tls {
            Tls::Client(c) => c.early_transport_parameters(),
            _ => None,
        };
        let Some(params) = current.or(remembered) else {
            return Ok(None);
        };
        let mut params = params;
        TransportParameters::read(self.side, &mut params)
            .map(Some)
            .map_err(TransportError::from)
    }

    fn write_handshake(&mut self, buf: &mut Vec<u8>) -> Option<Keys> {
        // quinn writes after each packet: the next CRYPTO data is of a
        // later packet.
        self.completed_in_packet = false;
        while let Some((level, bytes)) = self.out.front() {
            if *level != self.write_level {
                break;
            }
            buf.extend_from_slice(bytes);
            self.out.pop_front();
        }
        self.next_space_keys()
    }

    fn next_1rtt_keys(&mut self) -> Option<KeyPair<Box<dyn crypto::PacketKey>>> {
        let write = self.write_updates.as_mut()?;
        let max = self.settings.max_packets_per_key;
        let local: Slot<quic::PacketKey> = Arc::new(OnceLock::new());
        let mut limits = Limits::NONE;
        if let Ok(key) = write.next_packet_key() {
            limits = Limits::of(&key, max);
            let _ = local.set(key);
        }
        let remote: Slot<quic::PacketKey> = match &mut self.read_updates {
            ReadUpdates::Ready(updates) => match updates.next_packet_key() {
                Ok(key) => filled(key),
                Err(_) => Arc::default(),
            },
            ReadUpdates::Waiting { phases, .. } => {
                let slot: Slot<quic::PacketKey> = Arc::default();
                phases.push(slot.clone());
                slot
            }
            ReadUpdates::None => Arc::default(),
        };
        self.settings.key_updates.fetch_add(1, Ordering::Relaxed);
        let remote_limits = Limits {
            confidentiality: limits.confidentiality,
            integrity: limits.integrity,
        };
        Some(KeyPair {
            local: Box::new(PacketKey::new(local, limits)),
            remote: Box::new(PacketKey::new(remote, remote_limits)),
        })
    }

    fn is_valid_retry(&self, orig_dst_cid: &ConnectionId, header: &[u8], payload: &[u8]) -> bool {
        let packet = [header, payload].concat();
        quic::verify_retry_integrity(self.settings.provider, self.version, orig_dst_cid, &packet)
            .is_ok()
    }

    fn export_keying_material(
        &self,
        output: &mut [u8],
        label: &[u8],
        context: &[u8],
    ) -> Result<(), ExportKeyingMaterialError> {
        self.conn()
            .ok_or(ExportKeyingMaterialError)?
            .export_keying_material(label, context, output)
            .map_err(|_| ExportKeyingMaterialError)
    }
}
