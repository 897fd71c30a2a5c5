//! The side-independent part of a connection: record I/O (deframing,
//! protection, fragmenting and coalescing), alerts, close, application
//! data, KeyUpdate, exporters, events. The handshake state machines drive
//! it; it knows nothing of handshake message contents.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::codec::Codec;
use crate::config::{Limits, PaddingPolicy};
use crate::crypto::aead::TAG_LEN;
use crate::crypto::hash::Output;
use crate::crypto::suites::SuiteParams;
use crate::error::{Error, PeerMisbehaved};
use crate::handshake::joiner::Joiner;
use crate::key_schedule::{self, KeyLog};
use crate::log::{self, Escaped, MessageNames, Summary};
use crate::msgs::alert::AlertMessage;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, KeyUpdateRequest};
use crate::msgs::handshake::HandshakeMessage;
use crate::quic::{Direction, Level};
use crate::record::deframer::{Deframer, OpaqueRecord};
use crate::record::protect::{RecordOpener, RecordSealer};
use crate::record::{HEADER_LEN, MAX_FRAGMENT, MAX_INNER_PLAINTEXT};

use super::events::{CloseKind, Event, EventQueue, Negotiated};
use super::quic::QuicCore;

/// What one record turned out to be, for the processing loop.
pub enum Received {
    /// No complete record buffered.
    Nothing,
    /// A record was handled (its handshake bytes, if any, are in the joiner).
    Handled,
}

/// The shared connection machinery.
pub struct Core {
    deframer: Deframer,
    /// Incoming handshake bytes.
    pub joiner: Joiner,
    opener: Option<RecordOpener>,
    sealer: Option<RecordSealer>,
    suite: Option<SuiteParams>,
    read_secret: Option<Output>,
    write_secret: Option<Output>,
    exporter_secret: Option<Output>,
    /// resumption_master_secret, kept for tickets.
    pub resumption_secret: Option<Output>,
    /// early_exporter_master_secret, when 0-RTT was offered/accepted.
    pub early_exporter_secret: Option<Output>,
    /// Server: 0-RTT bytes still allowed (`Some` while early data is read).
    pub early_read: Option<u32>,
    /// Server that refused 0-RTT: how many bytes of records that do not
    /// open (or, before keys, application_data records) may still be
    /// skipped as the client's early data (§4.3.10).
    pub skip_early: usize,
    /// Server after a HelloRetryRequest: how much was skipped as early
    /// data (charged as `skip_early` is), to be checked against what the
    /// ticket allowed once the second ClientHello settles the PSK.
    pub skipped_early: usize,
    out: Vec<u8>,
    hs_out: Vec<u8>,
    events: EventQueue,
    /// What was negotiated.
    pub negotiated: Negotiated,
    padding: PaddingPolicy,
    /// Largest TLSInnerPlaintext (content + type + padding) we may send.
    peer_max_inner: usize,
    /// Largest TLSInnerPlaintext we accept.
    recv_max_inner: usize,
    /// The next plaintext record is the first ClientHello (version 0x0301).
    first_record: bool,
    pending_app: Vec<u8>,
    connected: bool,
    error: Option<Error>,
    sent_close: bool,
    close_pending: bool,
    received_close: bool,
    /// The peer's fatal alert ended the connection (we answer no alert).
    received_fatal_alert: bool,
    /// A record has opened under read protection: from then on the peer
    /// has our keys and every record it sends is protected (§5.1), alerts
    /// included.
    read_opened: bool,
    /// A dummy change_cipher_spec may still arrive (before the peer's Finished).
    pub ccs_allowed: bool,
    key_log: Option<Arc<dyn KeyLog>>,
    /// `client` or `server`, for log lines.
    side: &'static str,
    is_client: bool,
    /// ClientHello.random, for the key log.
    pub client_random: [u8; 32],
    empty_records: u32,
    warnings: u32,
    key_updates: u32,
    ccs_count: u32,
    limits: Limits,
    /// We sent KeyUpdate(update_requested) and no KeyUpdate of the peer's
    /// has arrived since (RFC 9846 §4.7.3: no second request meanwhile).
    key_update_requested: bool,
    /// KeyUpdates we sent (RFC 9846 §4.7.3 caps them).
    key_updates_sent: u64,
    /// How many bytes at the front of `out` reach the end of our last
    /// KeyUpdate: 0 once the transport has taken it (see
    /// `received_key_update`).
    key_update_unsent: usize,
    /// The same for each of our post-handshake authentication flights
    /// still (partly) in `out`, oldest first (see `queue_answer`); at most
    /// [`MAX_UNSENT_ANSWERS`] of them.
    answers_unsent: Vec<usize>,
    /// QUIC mode (RFC 9001 §4): no records; handshake bytes and keys go
    /// to QUIC by encryption level. `None` for TLS over a byte stream.
    /// Boxed: a TLS connection pays one pointer for it.
    pub quic: Option<alloc::boxed::Box<QuicCore>>,
    /// The space `send_buffer` reserved at the end of `out`, not yet
    /// committed: never part of `pending_output`.
    send_space: Option<SendSpace>,
}

/// A record reserved at the end of `out` by `send_buffer`: a header gap
/// at `start`, then `len` bytes for the application to write its data
/// into (then sealed there by `commit_send`).
struct SendSpace {
    start: usize,
    len: usize,
}

/// How many post-handshake authentication flights may wait unsent in
/// `pending_output`. RFC 9846 §4.7.2 lets a server send several
/// CertificateRequests "in close succession" (before it has read any
/// answer), so one unsent answer is no sign of a flood; a few are. Past
/// this a request is refused, so that a peer cannot grow the output of a
/// driver that reads without writing by a chain and a signature per
/// request.
pub const MAX_UNSENT_ANSWERS: usize = 8;

/// RFC 9846 §4.7.3: "sending implementations MUST NOT allow the epoch --
/// and hence the number of key updates -- to exceed 2^48-1".
const MAX_KEY_UPDATES_SENT: u64 = (1 << 48) - 1;

impl Core {
    pub fn new(padding: PaddingPolicy, key_log: Option<Arc<dyn KeyLog>>, is_client: bool) -> Self {
        Self {
            deframer: Deframer::new(),
            joiner: Joiner::default(),
            opener: None,
            sealer: None,
            suite: None,
            read_secret: None,
            write_secret: None,
            exporter_secret: None,
            resumption_secret: None,
            early_exporter_secret: None,
            early_read: None,
            skip_early: 0,
            skipped_early: 0,
            out: Vec::new(),
            hs_out: Vec::new(),
            events: EventQueue::default(),
            negotiated: Negotiated::default(),
            padding,
            peer_max_inner: MAX_INNER_PLAINTEXT,
            recv_max_inner: MAX_INNER_PLAINTEXT,
            first_record: is_client,
            pending_app: Vec::new(),
            connected: false,
            error: None,
            sent_close: false,
            close_pending: false,
            received_close: false,
            received_fatal_alert: false,
            read_opened: false,
            ccs_allowed: false,
            key_log,
            side: if is_client { "client" } else { "server" },
            is_client,
            client_random: [0; 32],
            empty_records: 0,
            warnings: 0,
            key_updates: 0,
            ccs_count: 0,
            limits: Limits::default(),
            key_update_requested: false,
            key_updates_sent: 0,
            key_update_unsent: 0,
            answers_unsent: Vec::new(),
            quic: None,
            send_space: None,
        }
    }

    /// Whether this connection runs over QUIC (RFC 9001).
    pub fn is_quic(&self) -> bool {
        self.quic.is_some()
    }

    /// The error that ended the connection, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// QUIC: takes CRYPTO data received at `level` for the state
    /// machines (RFC 9001 §4.1.3), after checking the level.
    pub fn quic_receive(&mut self, level: Level, data: &[u8]) -> Result<(), Error> {
        let quic = self
            .quic
            .as_ref()
            .ok_or(Error::Internal("QUIC input on a TLS connection"))?;
        // RFC 9001 §4.1.3: data at a level left behind must not extend
        // past what was received there; nothing extends nothing (a stack
        // may hand over "what is new" after a retransmission). 0-RTT
        // packets carry no CRYPTO frame at all (§8.3).
        if data.is_empty() && level != Level::ZeroRtt {
            return Ok(());
        }
        quic.check_level(level)?;
        self.joiner.push(data);
        Ok(())
    }

    /// Applies the configured resource bounds.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.joiner.set_max(limits.max_handshake_message);
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    // ---- public-API plumbing ----

    pub fn check_usable(&self) -> Result<(), Error> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    pub fn deframer_push(&mut self, data: &[u8]) {
        self.deframer.push(data);
    }

    pub fn receive_buffer(&mut self, len: usize) -> &mut [u8] {
        self.deframer.space(len)
    }

    pub fn commit_received(&mut self, n: usize) {
        self.deframer.commit(n);
    }

    pub fn buffered_input(&self) -> usize {
        if self.quic.is_some() {
            // No records: what waits is handshake bytes not yet handled.
            return self.joiner.buffered();
        }
        self.deframer.buffered()
    }

    /// Ends a public call: flushes queued handshake bytes, and on error
    /// queues the alert and makes the error sticky.
    pub fn finish_call(&mut self, r: Result<(), Error>) -> Result<(), Error> {
        match r {
            Ok(()) => {
                self.flush_handshake()?;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Ends the connection with `e`: the one place where every error that
    /// ends a connection passes (the state machines, the answers to
    /// deferred decisions, `send`, `update_keys`, and the errors returned
    /// by the application's callbacks: resolvers, verifiers, signers,
    /// ticket producers, cookie generators, random sources). The peer is
    /// always told (RFC 9846 §6.2): with the error's own alert, or
    /// `internal_error` for errors that name none (a callback's
    /// `BadConfig`, say). The only exception is the peer's own fatal
    /// alert, which is not answered (§6.2: both sides close at once).
    fn fail(&mut self, e: Error) -> Error {
        if let Some(prev) = &self.error {
            return prev.clone();
        }
        // Whatever handshake bytes were queued are moot now (over QUIC
        // too, with the keys not yet handed out: the connection closes
        // with an error code at the levels QUIC already has, RFC 9001 §4.8).
        self.hs_out.clear();
        if let Some(quic) = &mut self.quic {
            quic.clear_pending();
        }
        log::warning!("{}: connection failed: {}", self.side, Escaped(&e));
        let alert = match e.alert() {
            Some(alert) => Some(alert),
            None if self.received_fatal_alert => None,
            None => Some(AlertDescription::INTERNAL_ERROR),
        };
        if let Some(alert) = alert {
            // Best effort: the error being reported matters more.
            let _ = self.send_alert(AlertLevel::FATAL, alert);
        }
        self.error = Some(e.clone());
        e
    }

    /// Makes `e` sticky without queuing an alert: for an acceptor whose
    /// connection already queued (and handed over) the alert.
    pub fn mark_failed(&mut self, e: Error) -> Error {
        if let Some(prev) = &self.error {
            return prev.clone();
        }
        self.error = Some(e.clone());
        e
    }

    pub fn receive_eof(&mut self) -> Result<(), Error> {
        if self.received_close {
            return Ok(());
        }
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        log::warning!("{}: transport closed without close_notify", self.side);
        self.events.push_back(Event::Closed(CloseKind::Truncated));
        self.error = Some(Error::UnexpectedEof);
        Err(Error::UnexpectedEof)
    }

    pub fn pending_output(&self) -> &[u8] {
        // Not the reserved space: it holds plaintext until committed.
        let end = self.send_space.as_ref().map_or(self.out.len(), |s| s.start);
        self.out.get(..end).unwrap_or_default()
    }

    pub fn consume_output(&mut self, n: usize) {
        self.forget_send_space();
        let n = n.min(self.out.len());
        self.out.drain(..n);
        self.key_update_unsent = self.key_update_unsent.saturating_sub(n);
        for end in &mut self.answers_unsent {
            *end = end.saturating_sub(n);
        }
        self.answers_unsent.retain(|end| *end > 0);
    }

    pub fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn received_data(&self) -> &[u8] {
        self.deframer.plaintext()
    }

    /// Whether more transport bytes are useful now (see
    /// `Connection::wants_read`).
    pub fn wants_read(&self) -> bool {
        let unread = self.deframer.plaintext().len();
        // With nothing unread, reading is always useful: a limit of 0
        // means "only once the application took everything", never "not
        // at all" (a driver would wait forever, or spin).
        self.error.is_none()
            && !self.received_close
            && (unread == 0 || unread < self.limits.max_buffered_data)
    }

    pub fn consume_received_data(&mut self, n: usize) {
        self.deframer.consume_plaintext(n);
    }

    /// Frees buffers that hold nothing, so that an idle connection keeps
    /// only its state; they are allocated again when traffic resumes.
    pub fn release_buffers(&mut self) {
        self.forget_send_space();
        self.deframer.release();
        if self.out.is_empty() {
            self.out = Vec::new();
        }
        if self.hs_out.is_empty() {
            self.hs_out = Vec::new();
        }
        if self.pending_app.is_empty() {
            self.pending_app = Vec::new();
        }
        if self.events.is_empty() {
            self.events = EventQueue::default();
        }
        self.joiner.release();
    }

    pub fn push_event(&mut self, e: Event) {
        self.events.push_back(e);
    }

    pub fn is_connected(&self) -> bool {
        self.connected
    }

    pub fn send(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.check_usable()?;
        if self.sent_close || self.close_pending {
            return Err(Error::ConnectionClosed);
        }
        if !self.connected {
            self.pending_app.extend_from_slice(data);
            return Ok(data.len());
        }
        // Handshake messages queued earlier go first, under their key.
        let r = self
            .flush_handshake()
            .and_then(|()| self.seal_data(ContentType::APPLICATION_DATA, data));
        if let Err(e) = r {
            return Err(self.fail(e));
        }
        Ok(data.len())
    }

    /// Space for up to `max_len` bytes of application data, where they
    /// will be sealed: the content area of a record reserved at the end
    /// of `out` (see `Connection::send_buffer`).
    pub fn send_buffer(&mut self, max_len: usize) -> Result<&mut [u8], Error> {
        self.check_usable()?;
        if self.sent_close || self.close_pending {
            return Err(Error::ConnectionClosed);
        }
        if !self.connected {
            return Err(Error::HandshakeNotComplete);
        }
        self.forget_send_space();
        // What `send` does before a record: queued handshake messages go
        // first, under their key; a key near its limit is replaced.
        if let Err(e) = self
            .flush_handshake()
            .and_then(|()| self.key_update_if_due())
        {
            return Err(self.fail(e));
        }
        let len = max_len.min(self.max_record_content());
        let start = self.out.len();
        let body = start.saturating_add(HEADER_LEN);
        // Room for the whole record, padding and tag included, so that
        // committing it does not reallocate (and leave a copy behind).
        self.out.reserve(
            HEADER_LEN
                .saturating_add(self.peer_max_inner)
                .saturating_add(TAG_LEN),
        );
        self.out.resize(body.saturating_add(len), 0);
        self.send_space = Some(SendSpace { start, len });
        Ok(self.out.get_mut(body..).unwrap_or_default())
    }

    /// Seals the first `n` bytes of the space `send_buffer` gave as one
    /// application data record, where they lie.
    pub fn commit_send(&mut self, n: usize) -> Result<(), Error> {
        self.check_usable()?;
        if self.sent_close || self.close_pending {
            return Err(Error::ConnectionClosed);
        }
        let available = self.send_space.as_ref().map_or(0, |s| s.len);
        if n > available {
            return Err(Error::SendBufferExceeded {
                committed: n,
                available,
            });
        }
        let Some(space) = self.send_space.take() else {
            return Ok(());
        };
        if n == 0 {
            self.out.truncate(space.start);
            return Ok(());
        }
        // What the application wrote past `n` is cut off, not sent. (Its
        // bytes stay in spare capacity until overwritten, as sent data
        // does: application data is the application's to wipe; keys are
        // ours.)
        self.out
            .truncate(space.start.saturating_add(HEADER_LEN).saturating_add(n));
        let pad = self.padding.padding_for(n, self.peer_max_inner);
        let r = match self.sealer.as_mut() {
            Some(sealer) => sealer.seal_appended(
                ContentType::APPLICATION_DATA,
                pad,
                &mut self.out,
                space.start,
            ),
            None => Err(Error::Internal("sealing without a key")),
        };
        r.map_err(|e| self.fail(e))
    }

    /// Drops the space `send_buffer` reserved and not committed: before
    /// anything else goes into `out` (records must follow each other),
    /// and when the output is consumed or released.
    fn forget_send_space(&mut self) {
        if let Some(space) = self.send_space.take() {
            self.out.truncate(space.start);
        }
    }

    /// The most content one record may carry: 2^14 bytes (§5.1), or what
    /// the peer's record_size_limit leaves for it (RFC 8449 §4).
    fn max_record_content(&self) -> usize {
        self.peer_max_inner.saturating_sub(1).clamp(1, MAX_FRAGMENT)
    }

    /// §5.5: a KeyUpdate before the write key reaches its limit.
    fn key_update_if_due(&mut self) -> Result<(), Error> {
        if self.sealer.as_ref().is_some_and(|s| s.wants_key_update()) {
            self.send_key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED)?;
        }
        Ok(())
    }

    pub fn close(&mut self) {
        if self.error.is_some() || self.sent_close || self.close_pending {
            return;
        }
        if !self.connected && !self.pending_app.is_empty() {
            // Deliver what was queued first.
            self.close_pending = true;
            return;
        }
        let _ = self.flush_handshake();
        let _ = self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
        self.sent_close = true;
    }

    pub fn export(&self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), Error> {
        match (&self.exporter_secret, self.suite, self.connected) {
            (Some(secret), Some(suite), true) => {
                key_schedule::export(suite.hash, secret.as_ref(), label, context, out)
            }
            _ => Err(Error::HandshakeNotComplete),
        }
    }

    /// TLS-Exporter over early_exporter_master_secret (§7.5).
    pub fn export_early(&self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), Error> {
        match (&self.early_exporter_secret, self.suite) {
            (Some(secret), Some(suite)) => {
                key_schedule::export(suite.hash, secret.as_ref(), label, context, out)
            }
            _ => Err(Error::HandshakeNotComplete),
        }
    }

    /// Client: seals 0-RTT application data under the current (early)
    /// write key.
    pub fn seal_early(&mut self, data: &[u8]) -> Result<(), Error> {
        self.flush_handshake()?;
        if self.sealer.is_none() {
            return Err(Error::Internal("early data without an early key"));
        }
        self.seal_data(ContentType::APPLICATION_DATA, data)
    }

    /// Client after a HelloRetryRequest: the second ClientHello goes out in
    /// plaintext, not under the early key.
    pub fn clear_write_key(&mut self) -> Result<(), Error> {
        if self.quic.is_some() {
            // 0-RTT keys never carried handshake bytes (RFC 9001 §4.1.3):
            // they are still written at the Initial level.
            return self.flush_handshake();
        }
        self.change_write_key(None)
    }

    /// The only way the write key changes (handshake keys, application
    /// keys, KeyUpdate, back to plaintext after a HelloRetryRequest).
    /// Handshake messages queued so far are sealed first, under the key
    /// that was current when they were queued: they were built for it (a
    /// post-handshake Finished is a MAC under the current traffic secret,
    /// RFC 9846 §4.5.3, §4.7.2), and the peer reads them before the key
    /// change (§4.7.3). Application data and alerts are sealed at once,
    /// so nothing else can be left queued across a change.
    fn change_write_key(&mut self, secret: Option<&Output>) -> Result<(), Error> {
        self.flush_handshake()?;
        if self.quic.is_some() {
            // No record protection: QUIC has the keys (see set_write_secret),
            // and no copy stays here: without KeyUpdate and post-handshake
            // authentication (RFC 9001 §6, §4.4) nothing reads it again.
            self.write_secret = None;
            return Ok(());
        }
        match secret {
            Some(secret) => {
                let suite = self.suite()?;
                self.sealer = Some(RecordSealer::new(suite, secret.as_ref())?);
                self.write_secret = Some(secret.clone());
            }
            None => {
                self.sealer = None;
                self.write_secret = None;
            }
        }
        Ok(())
    }

    pub fn update_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        self.check_usable()?;
        if !self.connected {
            return Err(Error::HandshakeNotComplete);
        }
        if self.sent_close {
            return Err(Error::ConnectionClosed);
        }
        // RFC 9846 §4.7.3: "Until receiving a subsequent KeyUpdate from the
        // peer, the sender MUST NOT send another KeyUpdate with
        // request_update set to "update_requested"." The pending request
        // already has the peer update; ours is updated all the same.
        let req = if request_peer && !self.key_update_requested {
            KeyUpdateRequest::UPDATE_REQUESTED
        } else {
            KeyUpdateRequest::UPDATE_NOT_REQUESTED
        };
        let r = self.send_key_update(req);
        r.map_err(|e| self.fail(e))
    }

    // ---- keys ----

    pub fn set_suite(&mut self, suite: SuiteParams) {
        self.suite = Some(suite);
        self.negotiated.suite = Some(suite.suite);
    }

    /// The negotiated suite.
    pub fn suite(&self) -> Result<SuiteParams, Error> {
        self.suite
            .ok_or(Error::Internal("keys installed before the suite is known"))
    }

    /// Installs a write key for `level`; queued handshake bytes go out
    /// under the old one. Over QUIC the key is handed to QUIC instead,
    /// and later handshake bytes are written at `level`.
    pub fn set_write_secret(&mut self, level: Level, secret: &Output) -> Result<(), Error> {
        self.change_write_key(Some(secret))?;
        self.quic_install(level, Direction::Write, secret)
    }

    /// Installs a read key for `level`. A handshake message must not span
    /// it (§5.1; over QUIC, RFC 9001 §4.1.3: no data of the previous level
    /// may be left unconsumed). Over QUIC the key is handed to QUIC, and
    /// handshake bytes are then read at `level`.
    pub fn set_read_secret(&mut self, level: Level, secret: &Output) -> Result<(), Error> {
        if !self.joiner.is_empty() {
            return Err(PeerMisbehaved::HandshakeSpansKeyChange.into());
        }
        if self.quic.is_some() {
            // QUIC has the keys; no copy stays here (see change_write_key).
            return self.quic_install(level, Direction::Read, secret);
        }
        let suite = self.suite()?;
        self.opener = Some(RecordOpener::new(suite, secret.as_ref())?);
        self.read_secret = Some(secret.clone());
        Ok(())
    }

    /// QUIC: queues the keys of `secret` for QUIC (RFC 9001 §4.1.4).
    fn quic_install(
        &mut self,
        level: Level,
        direction: Direction,
        secret: &Output,
    ) -> Result<(), Error> {
        let suite = self.suite;
        let Some(quic) = &mut self.quic else {
            return Ok(());
        };
        let suite = suite.ok_or(Error::Internal("keys installed before the suite is known"))?;
        quic.install(level, direction, suite, secret)
    }

    /// The current read traffic secret (post-handshake Finished, §4.5).
    pub fn current_read_secret(&self) -> Option<&Output> {
        self.read_secret.as_ref()
    }

    /// The current write traffic secret (post-handshake Finished, §4.5).
    pub fn current_write_secret(&self) -> Option<&Output> {
        self.write_secret.as_ref()
    }

    /// Whether close_notify was sent (nothing more may be sent).
    pub fn sent_close(&self) -> bool {
        self.sent_close || self.close_pending
    }

    pub fn set_exporter_secret(&mut self, secret: Output) {
        self.exporter_secret = Some(secret);
    }

    /// RFC 8449: the peer accepts TLSInnerPlaintexts of at most `limit`.
    pub fn set_peer_record_limit(&mut self, limit: u16) {
        self.peer_max_inner = usize::from(limit).clamp(64, MAX_INNER_PLAINTEXT);
        self.negotiated.peer_record_size_limit = Some(limit);
    }

    /// RFC 8449: we announced `limit` and the peer knows it.
    pub fn set_recv_record_limit(&mut self, limit: u16) {
        self.recv_max_inner = usize::from(limit).clamp(64, MAX_INNER_PLAINTEXT);
    }

    pub fn log_secret(&self, label: &str, secret: &Output) {
        if let Some(kl) = &self.key_log {
            kl.log(label, &self.client_random, secret.as_ref());
        }
    }

    /// The handshake is done: events, pending data, pending close.
    pub fn set_connected(&mut self) -> Result<(), Error> {
        self.connected = true;
        log::info!(
            "{}: handshake complete: {}",
            self.side,
            Summary(&self.negotiated)
        );
        self.ccs_allowed = false;
        if self.is_client {
            // RFC 9846 §4.7.1: NewSessionTicket comes now, and only to us.
            self.joiner.allow_large_tickets();
        }
        self.events.push_back(Event::HandshakeComplete);
        self.flush_handshake()?;
        // What an earlier flight left (see flush_handshake).
        self.hs_out = Vec::new();
        let pending = core::mem::take(&mut self.pending_app);
        if !pending.is_empty() {
            self.seal_data(ContentType::APPLICATION_DATA, &pending)?;
        }
        if self.close_pending {
            self.close_pending = false;
            self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY)?;
            self.sent_close = true;
        }
        Ok(())
    }

    // ---- output ----

    /// Makes room for a flight of about `len` handshake bytes: queuing and
    /// sending it then take one allocation per buffer, not one per record
    /// or message as the buffers grow.
    pub fn reserve_flight(&mut self, len: usize) {
        self.hs_out.reserve(len);
        // Each record adds a header, and once protected a content type and
        // a tag; a CCS may come in between.
        let records = len.checked_div(MAX_FRAGMENT).unwrap_or(0).saturating_add(3);
        let overhead = records.saturating_mul(HEADER_LEN.saturating_add(1 + TAG_LEN));
        self.out.reserve(len.saturating_add(overhead));
    }

    /// Queues a handshake message (coalesced with others until flushed).
    pub fn queue_handshake(&mut self, raw: &[u8]) {
        log::debug!("{}: sending {}", self.side, MessageNames(raw));
        self.hs_out.extend_from_slice(raw);
    }

    /// How many of our answers to the peer's post-handshake requests (see
    /// [`queue_answer`](Self::queue_answer)) are still in
    /// `pending_output`, not yet (wholly) taken by the transport: the peer
    /// cannot have read them.
    pub fn unsent_answers(&self) -> usize {
        self.answers_unsent.len()
    }

    /// Queues and seals `flight`, the answer a post-handshake request of
    /// the peer's obliges us to send (a client's authentication flight,
    /// RFC 9846 §4.7.2), and remembers where it ends in `pending_output`,
    /// so that the answers a peer asked for before it can have read them
    /// are counted ([`unsent_answers`](Self::unsent_answers)): a driver
    /// that reads without writing would otherwise hold one answer per
    /// request, without bound.
    pub fn queue_answer(&mut self, flight: &[u8]) -> Result<(), Error> {
        self.queue_handshake(flight);
        self.flush_handshake()?;
        self.answers_unsent.push(self.out.len());
        Ok(())
    }

    /// Emits queued handshake bytes as records under the current write state.
    pub fn flush_handshake(&mut self) -> Result<(), Error> {
        if self.hs_out.is_empty() {
            return Ok(());
        }
        if let Some(quic) = &mut self.quic {
            // RFC 9001 §4.1.3: handshake bytes go to QUIC unprotected, at
            // the level of the key current when they were queued.
            quic.queue(&self.hs_out);
            self.hs_out.clear();
            return Ok(());
        }
        let mut data = core::mem::take(&mut self.hs_out);
        let r = if self.sealer.is_some() {
            self.seal_data(ContentType::HANDSHAKE, &data)
        } else {
            for chunk in data.chunks(MAX_FRAGMENT) {
                self.write_plain(ContentType::HANDSHAKE, chunk);
            }
            Ok(())
        };
        // Kept for the handshake's next flight; an established connection
        // keeps none (post-handshake messages are rare).
        if !self.connected {
            data.clear();
            self.hs_out = data;
        }
        r
    }

    fn write_plain(&mut self, typ: ContentType, payload: &[u8]) {
        self.forget_send_space();
        // §5.1: the first ClientHello may use 0x0301 for compatibility;
        // every other record says 0x0303.
        let version: u16 = if core::mem::take(&mut self.first_record) {
            0x0301
        } else {
            0x0303
        };
        self.out.reserve(HEADER_LEN.saturating_add(payload.len()));
        self.out.push(typ.0);
        self.out.extend_from_slice(&version.to_be_bytes());
        // payload.len() <= 2^14 here (callers chunk), so it fits a u16.
        self.out
            .extend_from_slice(&(payload.len() as u16).to_be_bytes());
        self.out.extend_from_slice(payload);
    }

    /// The middlebox-compatibility change_cipher_spec (Appendix E.4).
    pub fn write_ccs(&mut self) {
        // RFC 9001 §8.4: QUIC has no means to carry one.
        if self.quic.is_some() {
            return;
        }
        self.write_plain(ContentType::CHANGE_CIPHER_SPEC, &[1]);
    }

    /// Seals `data` of type `typ` in as many records as the peer's limit
    /// requires, padding each per the policy.
    fn seal_data(&mut self, typ: ContentType, data: &[u8]) -> Result<(), Error> {
        self.forget_send_space();
        for chunk in data.chunks(self.max_record_content()) {
            if typ == ContentType::APPLICATION_DATA && self.connected {
                self.key_update_if_due()?;
            }
            let pad = self.padding.padding_for(chunk.len(), self.peer_max_inner);
            let sealer = self
                .sealer
                .as_mut()
                .ok_or(Error::Internal("sealing without a key"))?;
            sealer.seal(typ, chunk, pad, &mut self.out)?;
        }
        Ok(())
    }

    fn send_alert(&mut self, level: AlertLevel, desc: AlertDescription) -> Result<(), Error> {
        if let Some(quic) = &mut self.quic {
            // RFC 9001 §4.8: an alert is no record over QUIC but the
            // connection's error code (0x0100 + description); the first
            // one stands.
            log::alert(self.side, "reporting to QUIC", level, desc);
            quic.alert.get_or_insert(desc);
            return Ok(());
        }
        log::alert(self.side, "sending", level, desc);
        let body = AlertMessage {
            level,
            description: desc,
        }
        .to_bytes();
        if self.sealer.is_some() {
            self.seal_data(ContentType::ALERT, &body)
        } else {
            self.write_plain(ContentType::ALERT, &body);
            Ok(())
        }
    }

    fn send_key_update(&mut self, req: KeyUpdateRequest) -> Result<(), Error> {
        if self.key_updates_sent >= MAX_KEY_UPDATES_SENT {
            // Reached only past 2^48 updates; then §5.5's other option,
            // closing, is what is left.
            return Err(Error::Internal(
                "no KeyUpdate left: RFC 9846 §4.7.3 caps the epoch at 2^48-1",
            ));
        }
        log::debug!("{}: sending KeyUpdate ({:?})", self.side, req);
        // What was queued before goes out before the KeyUpdate, under the
        // key it was built for (see change_write_key).
        self.flush_handshake()?;
        self.forget_send_space();
        let msg = HandshakeMessage::KeyUpdate(req).to_bytes();
        let suite = self.suite()?;
        let pad = self.padding.padding_for(msg.len(), self.peer_max_inner);
        let sealer = self
            .sealer
            .as_mut()
            .ok_or(Error::Internal("KeyUpdate without a key"))?;
        sealer.seal(ContentType::HANDSHAKE, &msg, pad, &mut self.out)?;
        self.key_update_unsent = self.out.len();
        let current = self
            .write_secret
            .as_ref()
            .ok_or(Error::Internal("no write secret"))?;
        let next = key_schedule::next_traffic_secret(suite.hash, current.as_ref());
        self.change_write_key(Some(&next))?;
        self.key_updates_sent = self.key_updates_sent.saturating_add(1);
        if req == KeyUpdateRequest::UPDATE_REQUESTED {
            self.key_update_requested = true;
        }
        Ok(())
    }

    /// Handles a received KeyUpdate (§4.7.3).
    pub fn received_key_update(&mut self, req: KeyUpdateRequest) -> Result<(), Error> {
        self.key_updates = self.key_updates.saturating_add(1);
        if self.key_updates > self.limits.max_key_updates {
            return Err(PeerMisbehaved::TooMany("KeyUpdates without application data").into());
        }
        if req != KeyUpdateRequest::UPDATE_REQUESTED
            && req != KeyUpdateRequest::UPDATE_NOT_REQUESTED
        {
            return Err(PeerMisbehaved::IllegalParameter("KeyUpdate request value").into());
        }
        let suite = self.suite()?;
        let current = self
            .read_secret
            .as_ref()
            .ok_or(Error::Internal("no read secret"))?;
        let next = key_schedule::next_traffic_secret(suite.hash, current.as_ref());
        self.set_read_secret(Level::OneRtt, &next)?;
        // Any KeyUpdate of the peer's answers a request of ours (§4.7.3).
        self.key_update_requested = false;
        // RFC 9846 §4.7.3: an update that would pass the epoch cap is not
        // sent; the request is then ignored (receivers never enforce it).
        // Nor is one sent while a KeyUpdate of ours is still in
        // `pending_output`: the peer cannot have received it, so this
        // request breaks §4.7.3's "MUST NOT send another KeyUpdate with
        // request_update set to "update_requested"" (until it receives
        // ours), and the queued KeyUpdate already precedes our next
        // application data, which is all the request asks. Answering
        // each one would let a peer grow the output of a driver that
        // reads without writing by a record per request.
        if req == KeyUpdateRequest::UPDATE_REQUESTED
            && !self.sent_close
            && self.key_updates_sent < MAX_KEY_UPDATES_SENT
            && self.key_update_unsent == 0
        {
            self.send_key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED)?;
        }
        Ok(())
    }

    // ---- input ----

    /// Reads and dispatches one record.
    pub fn read_record(&mut self) -> Result<Received, Error> {
        if self.received_close {
            // RFC 9846 §6.1: "Any data received after a closure alert has
            // been received MUST be ignored." Not even framed: it need not
            // be TLS (a protocol may go on in the clear after the close,
            // §6.1), and it is unauthenticated until opened, so it can
            // neither turn the clean close into an error nor draw an
            // alert. The application data before the close stays.
            self.deframer.discard_input();
            return Ok(Received::Nothing);
        }
        let Some(rec) = self.deframer.next_record()? else {
            return Ok(Received::Nothing);
        };
        let header = rec.header();
        let OpaqueRecord {
            typ,
            version: _,
            payload,
            offset,
        } = rec;
        if typ == ContentType::CHANGE_CIPHER_SPEC {
            // §5: a single 0x01 byte, unprotected, before the peer's
            // Finished, is dropped; anything else is unexpected.
            if *payload != [1] || !self.ccs_allowed {
                return Err(PeerMisbehaved::IllegalChangeCipherSpec.into());
            }
            // RFC 9846 §5.1: no record of another type between the
            // fragments of a handshake message, this one included.
            if !self.joiner.is_empty() {
                return Err(PeerMisbehaved::InterleavedHandshake.into());
            }
            self.ccs_count = self.ccs_count.saturating_add(1);
            if self.ccs_count > self.limits.max_change_cipher_specs {
                return Err(PeerMisbehaved::TooMany("change_cipher_spec records").into());
            }
            return Ok(Received::Handled);
        }
        let (inner, content): (ContentType, &[u8]) = match &mut self.opener {
            Some(_) if typ == ContentType::ALERT && !self.read_opened => {
                // RFC 9846 §5.1, §6: once protection has started, alerts
                // are protected. But a peer that failed before it had our
                // keys (a client that could not process our ServerHello,
                // or a server that refused our 0-RTT and then failed) can
                // only alert in plaintext, until the first record it
                // protects. Such an alert is reported as the error it
                // names, and only as an error: unauthenticated, it can
                // never be a clean close (close_notify) or a tolerated
                // warning (user_canceled); an attacker could cut the
                // handshake anyway. After the first protected record
                // opens, a plaintext alert is an unexpected_message.
                // (OpenSSL allows this window on the server only; rustls on
                // both sides, until the first record decrypts. We follow
                // rustls: a server that failed on our early data before
                // switching keys has the same excuse.)
                let alert = read_unprotected_alert(payload, self.joiner.is_empty());
                return Err(self.unprotected_alert(alert));
            }
            Some(opener) => {
                if typ != ContentType::APPLICATION_DATA {
                    // §5: once keys are in use, everything is protected.
                    return Err(PeerMisbehaved::UnexpectedMessage {
                        got: "unprotected record",
                        expected: "protected record",
                    }
                    .into());
                }
                let len = payload.len();
                let tag_len = opener.tag_len();
                // RFC 8449 §4: a record_size_limit binds records sent after
                // it reached the peer. 0-RTT is written before the client
                // reads our EncryptedExtensions: early records (accepted,
                // under the early key, or refused, to be skipped) may be
                // as large as the protocol allows; a refused one is tried
                // whatever its size, as any record that fails to open is
                // skipped (RFC 9846 §4.3.10).
                let limit = if self.early_read.is_some() {
                    MAX_INNER_PLAINTEXT
                } else {
                    self.recv_max_inner
                };
                // A refused early record was sealed under the ticket's
                // suite, not necessarily this key's: a 16-byte tag where
                // this suite has 8 (a GCM ticket resumed under
                // AES-128-CCM-8) leaves a full record 8 bytes over, which
                // must be tried and skipped, not refused for its size.
                let tried = if self.skip_early > 0 {
                    MAX_INNER_PLAINTEXT.saturating_add(TAG_LEN.saturating_sub(tag_len))
                } else {
                    limit
                };
                // Opened where it lies in the receive buffer: no copy.
                match opener.open(&header, payload, tried) {
                    // One that opens is no early data: the limit holds.
                    Ok(_) if len.saturating_sub(tag_len) > limit => {
                        return Err(Error::RecordOverflow);
                    }
                    Ok((inner, n)) => {
                        self.skip_early = 0;
                        self.read_opened = true;
                        (inner, payload.get(..n).unwrap_or_default())
                    }
                    // RFC 9846 §4.3.10: a server that refused 0-RTT skips
                    // records that fail to decrypt, up to
                    // max_early_data_size.
                    Err(Error::DecryptFailed) if self.skip_early >= early_charge(len) => {
                        self.skip_early = self.skip_early.saturating_sub(early_charge(len));
                        return Ok(Received::Handled);
                    }
                    Err(e) => return Err(e),
                }
            }
            None if typ == ContentType::APPLICATION_DATA
                && self.skip_early >= early_charge(payload.len()) =>
            {
                // After a HelloRetryRequest the server has no key for the
                // early data that followed the first ClientHello (RFC 9846
                // §4.3.10); the second ClientHello ends the skipping.
                let charge = early_charge(payload.len());
                self.skip_early = self.skip_early.saturating_sub(charge);
                self.skipped_early = self.skipped_early.saturating_add(charge);
                return Ok(Received::Handled);
            }
            // Before protection starts alerts are plaintext, and equally
            // unauthenticated: an error, never a close (see above).
            None if typ == ContentType::ALERT => {
                let alert = read_unprotected_alert(payload, self.joiner.is_empty());
                return Err(self.unprotected_alert(alert));
            }
            None => {
                if typ == ContentType::APPLICATION_DATA {
                    return Err(PeerMisbehaved::UnexpectedMessage {
                        got: "application_data",
                        expected: "handshake",
                    }
                    .into());
                }
                if payload.len() > MAX_FRAGMENT {
                    return Err(Error::RecordOverflow);
                }
                (typ, payload)
            }
        };
        match inner {
            ContentType::HANDSHAKE => {
                if content.is_empty() {
                    return Err(PeerMisbehaved::EmptyFragment.into());
                }
                self.joiner.push(content);
            }
            ContentType::ALERT => {
                if !self.joiner.is_empty() {
                    return Err(PeerMisbehaved::InterleavedHandshake.into());
                }
                // §5.1: an Alert record holds exactly one message.
                if content.is_empty() {
                    return Err(PeerMisbehaved::EmptyFragment.into());
                }
                let alert = AlertMessage::read_exact(content, "alert")?;
                self.received_alert(alert)?;
            }
            ContentType::APPLICATION_DATA => {
                if !self.joiner.is_empty() {
                    return Err(PeerMisbehaved::InterleavedHandshake.into());
                }
                if !self.connected && self.early_read.is_some() {
                    // §4.3.10: more than max_early_data_size is
                    // unexpected_message.
                    let left = self.early_read.unwrap_or(0);
                    let n = u32::try_from(content.len()).unwrap_or(u32::MAX);
                    if n > left {
                        return Err(PeerMisbehaved::UnexpectedMessage {
                            got: "early data beyond max_early_data_size",
                            expected: "EndOfEarlyData",
                        }
                        .into());
                    }
                    self.early_read = Some(left.saturating_sub(n));
                    if !content.is_empty() {
                        self.events.push_back(Event::EarlyData(content.to_vec()));
                    }
                    return Ok(Received::Handled);
                }
                if !self.connected {
                    // Data before the handshake completes (outside 0-RTT)
                    // is out of order.
                    return Err(PeerMisbehaved::UnexpectedMessage {
                        got: "application_data",
                        expected: "handshake",
                    }
                    .into());
                }
                if content.is_empty() {
                    self.empty_records = self.empty_records.saturating_add(1);
                    if self.empty_records > self.limits.max_empty_records {
                        return Err(PeerMisbehaved::TooMany("empty records").into());
                    }
                } else {
                    self.empty_records = 0;
                    self.warnings = 0;
                    self.key_updates = 0;
                    // Handed over where it was decrypted (see Deframer).
                    // Never refused: it lies in bytes the caller passed
                    // in, so keeping it costs nothing more; wants_read()
                    // is the backpressure.
                    let len = content.len();
                    self.deframer.keep_plaintext(offset, len);
                }
            }
            // §5: "An implementation which receives ... a protected
            // change_cipher_spec record MUST abort the handshake with an
            // unexpected_message alert." (Plaintext ones are handled above.)
            ContentType::CHANGE_CIPHER_SPEC => {
                return Err(PeerMisbehaved::IllegalChangeCipherSpec.into());
            }
            _ => {
                return Err(PeerMisbehaved::UnexpectedMessage {
                    got: "unknown content type",
                    expected: "handshake, alert or application_data",
                }
                .into());
            }
        }
        Ok(Received::Handled)
    }

    /// A plaintext alert where one is allowed: the error it reports
    /// (RFC 9846 §5.1, §6). Anyone on the path can forge it, so it only
    /// ever ends the connection with the alert as the reason; close_notify
    /// and user_canceled count only when protected.
    fn unprotected_alert(&mut self, alert: Result<AlertMessage, Error>) -> Error {
        match alert {
            Ok(alert) => {
                log::alert(
                    self.side,
                    "received (unprotected)",
                    alert.level,
                    alert.description,
                );
                self.received_fatal_alert = true;
                Error::AlertReceived(alert.description)
            }
            Err(e) => e,
        }
    }

    fn received_alert(&mut self, alert: AlertMessage) -> Result<(), Error> {
        log::alert(self.side, "received", alert.level, alert.description);
        match alert.description {
            AlertDescription::CLOSE_NOTIFY => {
                self.received_close = true;
                self.events.push_back(Event::Closed(CloseKind::CloseNotify));
                Ok(())
            }
            AlertDescription::USER_CANCELED => {
                // RFC 9846 §6.1: a closure alert, whatever its level (§6: the
                // level "can safely be ignored"); the sender "MUST" follow
                // it with close_notify and receivers "SHOULD continue to
                // read data from the peer until a close_notify is received".
                // Tolerated, but bounded.
                self.warnings = self.warnings.saturating_add(1);
                if self.warnings > self.limits.max_warning_alerts {
                    return Err(PeerMisbehaved::TooMany("warning alerts").into());
                }
                Ok(())
            }
            // §6: in TLS 1.3 every other alert ends the connection.
            d => {
                self.received_fatal_alert = true;
                Err(Error::AlertReceived(d))
            }
        }
    }
}

/// Parses the payload of a plaintext alert record (see
/// `Core::unprotected_alert`).
fn read_unprotected_alert(payload: &[u8], joiner_empty: bool) -> Result<AlertMessage, Error> {
    if payload.len() > MAX_FRAGMENT {
        return Err(Error::RecordOverflow);
    }
    // RFC 9846 §5.1: not between the fragments of a handshake message.
    if !joiner_empty {
        return Err(PeerMisbehaved::InterleavedHandshake.into());
    }
    // §5.1: an Alert record holds exactly one message.
    if payload.is_empty() {
        return Err(PeerMisbehaved::EmptyFragment.into());
    }
    Ok(AlertMessage::read_exact(payload, "alert")?)
}

/// What a skipped early-data record of `len` ciphertext bytes counts
/// against max_early_data_size (RFC 9846 §4.7.1 counts application data
/// only): the most it can carry, less the inner content type byte and a
/// 16-byte tag; at least 1, so that the number of skipped records is
/// bounded too. (The early suite is the ticket's, which the server may not
/// know: under TLS_AES_128_CCM_8_SHA256, whose tag is 8 bytes, a record
/// can carry 8 bytes more than it is charged. Charging for 8 instead
/// would refuse an honest client that sent all it was allowed under a
/// 16-byte tag; the bound on skipped records is the same either way.)
fn early_charge(len: usize) -> usize {
    len.saturating_sub(1 + 16).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::TLS_AES_128_GCM_SHA256;

    fn connected_core() -> Core {
        let mut core = Core::new(PaddingPolicy::default(), None, true);
        core.set_suite(TLS_AES_128_GCM_SHA256);
        core.set_write_secret(Level::OneRtt, &Output::new(&[7; 32]))
            .unwrap();
        core.set_read_secret(Level::OneRtt, &Output::new(&[9; 32]))
            .unwrap();
        core.connected = true;
        core
    }

    /// Over QUIC the traffic secrets go to QUIC (RFC 9001 §4.1.4) and no
    /// copy stays in the core, which never uses one there (no KeyUpdate,
    /// §6; no post-handshake authentication, §4.4).
    #[test]
    fn quic_keeps_no_traffic_secret() {
        let provider = crate::crypto::rustcrypto::provider();
        let mut core = Core::new(PaddingPolicy::default(), None, true);
        core.quic = Some(alloc::boxed::Box::new(QuicCore::new(
            provider,
            crate::quic::Version::V1,
            Vec::new(),
        )));
        core.set_suite(TLS_AES_128_GCM_SHA256);
        for level in [Level::ZeroRtt, Level::Handshake, Level::OneRtt] {
            core.set_write_secret(level, &Output::new(&[7; 32]))
                .unwrap();
            core.set_read_secret(level, &Output::new(&[9; 32])).unwrap();
        }
        assert!(core.current_read_secret().is_none());
        assert!(core.current_write_secret().is_none());
        let quic = core.quic.as_mut().unwrap();
        assert_eq!(
            core::iter::from_fn(|| quic.take_keys()).count(),
            6,
            "every key goes to QUIC"
        );
    }

    /// RFC 9846 §4.7.3: "sending implementations MUST NOT allow the epoch
    /// -- and hence the number of key updates -- to exceed 2^48-1"; a
    /// request that would pass it is ignored. (2^48 real updates are out
    /// of a test's reach: the count starts near the cap.)
    #[test]
    fn key_updates_sent_never_exceed_2_pow_48_minus_1() {
        let mut core = connected_core();
        core.key_updates_sent = MAX_KEY_UPDATES_SENT - 1;
        core.update_keys(false).unwrap();
        assert_eq!(core.key_updates_sent, MAX_KEY_UPDATES_SENT);
        let sent = core.pending_output().len();
        assert!(matches!(core.update_keys(false), Err(Error::Internal(_))));
        assert_eq!(core.key_updates_sent, MAX_KEY_UPDATES_SENT);

        // The peer's update_requested at the cap: its key is taken, the
        // request ignored (nothing of ours goes out).
        let mut core = connected_core();
        core.key_updates_sent = MAX_KEY_UPDATES_SENT;
        core.received_key_update(KeyUpdateRequest::UPDATE_REQUESTED)
            .unwrap();
        assert!(core.pending_output().is_empty());
        assert!(sent > 0);
    }
}
