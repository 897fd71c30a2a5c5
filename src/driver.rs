//! What the blocking ([`stream`](crate::stream)) and the async
//! ([`tokio`](crate::tokio)) drivers share: everything between "bytes
//! arrived" and "the application reads". Only the I/O itself (a blocking
//! call or a poll) differs between them, so both run this one code for
//! events, early data and refused early data (one path: no logic that
//! only one driver has). The decisions themselves are the
//! connection's.

use std::io;
use std::vec::Vec;

use crate::conn::{CloseKind, Connection, Event};
use crate::error::Error;
use crate::stream::to_io_error;

/// The size of a transport read: one maximal TLS record with header.
pub(crate) const READ_CHUNK: usize = 16384 + 256 + 5;

/// A driver's state besides the connection and the transport.
#[derive(Default)]
pub(crate) struct DriverState {
    /// Server: accepted 0-RTT data not yet read, from `early_pos` on. It
    /// comes before the connection's received data: the client sent it
    /// first.
    early: Vec<u8>,
    early_pos: usize,
    /// Client: 0-RTT data the server refused, waiting for the handshake
    /// to complete (when the connection can say whether it may be resent).
    refused: Option<Vec<u8>>,
    /// Client: refused 0-RTT data the connection would not resend (another
    /// ALPN protocol), for the application.
    unsent_early: Vec<u8>,
    /// The peer sent close_notify.
    pub peer_closed: bool,
}

impl DriverState {
    /// Whether to read from the transport now. Not while the connection
    /// does not want more ([`Connection::wants_read`]): then its error is
    /// returned if it failed, and `Ok(false)` if the peer closed.
    pub fn before_read(&self, conn: &mut Connection) -> Result<bool, io::Error> {
        if self.peer_closed && conn.is_handshaking() {
            return Err(closed_in_handshake());
        }
        if conn.wants_read() {
            return Ok(true);
        }
        // Returns the sticky error of a failed connection; processes
        // nothing otherwise.
        conn.receive(&[]).map_err(to_io_error)?;
        Ok(false)
    }

    /// Handles what one transport read gave: `n` bytes committed to the
    /// connection's receive buffer, or end of file when `n == 0`; then the
    /// events. `Err` is the error to report; the connection has queued its
    /// alert, which the caller sends (best effort) before returning it.
    pub fn after_read(&mut self, conn: &mut Connection, n: usize) -> Result<(), io::Error> {
        let r = match n {
            0 => conn.receive_eof(),
            n => conn.commit_received(n),
        };
        // Events first: data that arrived before an error is still good.
        let events = self.drain_events(conn);
        r.map_err(to_io_error)?;
        events?;
        if self.peer_closed && conn.is_handshaking() {
            return Err(closed_in_handshake());
        }
        Ok(())
    }

    fn drain_events(&mut self, conn: &mut Connection) -> Result<(), io::Error> {
        let mut result = Ok(());
        while let Some(event) = conn.next_event() {
            match event {
                // A server configured for 0-RTT (max_early_data_size > 0)
                // reads early data first, like the rest of the stream; the
                // config is where the replay risk was accepted.
                Event::EarlyData(bytes) => {
                    if self.early_pos == self.early.len() {
                        self.early.clear();
                        self.early_pos = 0;
                    }
                    self.early.extend_from_slice(&bytes);
                }
                // Whether it may go again is known once the handshake is
                // complete (the ALPN protocol is final then).
                Event::EarlyDataRejected(bytes) => {
                    let mut refused = self.refused.take().unwrap_or_default();
                    refused.extend_from_slice(&bytes);
                    self.refused = Some(refused);
                }
                Event::HandshakeComplete => {
                    if let Err(e) = self.resend_refused(conn) {
                        result = Err(to_io_error(e));
                    }
                }
                Event::Closed(CloseKind::CloseNotify) => self.peer_closed = true,
                // receive_eof returned the error this stands for.
                Event::Closed(CloseKind::Truncated) => {}
                Event::VerifyServerCert(_)
                | Event::SelectCertificate(_)
                | Event::Sign(_)
                | Event::VerifyClientCert(_)
                | Event::RedeemTicket(_) => {
                    // The connection waits for an answer no one will give:
                    // end it, with an alert, rather than leave the peer
                    // hanging.
                    let e = conn.abort(Error::BadConfig(
                        "a decision was deferred, but the stream drivers need synchronous \
                         decisions: use a verifier, resolver, signer and ticket producer that \
                         answer at once (with tokio, accept_lazy chooses the config), or drive \
                         the Connection directly"
                            .into(),
                    ));
                    result = Err(to_io_error(e));
                }
                // HandshakeComplete is visible through is_handshaking();
                // tickets are in the session store already.
                _ => {}
            }
        }
        result
    }

    /// Client, handshake complete: refused 0-RTT data goes again if the
    /// connection allows it (RFC 9846 §4.3.10), else it waits for
    /// [`take_rejected_early_data`](Self::take_rejected_early_data).
    fn resend_refused(&mut self, conn: &mut Connection) -> Result<(), Error> {
        let Some(refused) = self.refused.take() else {
            return Ok(());
        };
        if !conn.resend_rejected_early_data(&refused)? {
            self.unsent_early.extend_from_slice(&refused);
        }
        Ok(())
    }

    /// The refused 0-RTT data that was not sent again: what the
    /// connection would not resend, and what still waits for a handshake
    /// that has not completed (it never will after an error; taken now, it
    /// is not resent).
    pub fn take_rejected_early_data(&mut self) -> Vec<u8> {
        let mut data = core::mem::take(&mut self.unsent_early);
        if let Some(waiting) = self.refused.take() {
            data.extend_from_slice(&waiting);
        }
        data
    }

    /// Application data ready to read: early data first, then what the
    /// connection holds (read in place, where it was decrypted).
    pub fn buffered_plain<'a>(&'a self, conn: &'a Connection) -> &'a [u8] {
        match self.early.get(self.early_pos..) {
            Some(early) if !early.is_empty() => early,
            _ => conn.received_data(),
        }
    }

    /// How many bytes are ready to read.
    pub fn buffered_len(&self, conn: &Connection) -> usize {
        self.early
            .len()
            .saturating_sub(self.early_pos)
            .saturating_add(conn.received_data().len())
    }

    /// Marks `n` bytes of [`buffered_plain`](Self::buffered_plain) read.
    pub fn consume_plain(&mut self, conn: &mut Connection, n: usize) {
        if self.early_pos < self.early.len() {
            self.early_pos = self.early_pos.saturating_add(n);
            if self.early_pos >= self.early.len() {
                self.early = Vec::new();
                self.early_pos = 0;
            }
        } else {
            conn.consume_received_data(n);
        }
    }

    /// A read that failed with `e`: application data that authenticated
    /// before the error (earlier records of the same transport read) is
    /// handed over first, `Ok(n)`, and the error is reported by the next
    /// read. A reader that stops at the first error (`read_to_end` does)
    /// would otherwise never see those bytes. The connection's errors are
    /// sticky (the next read meets the same one, from
    /// [`before_read`](Self::before_read)); a transport error comes back
    /// when the transport is used again. Only after a completed
    /// handshake: a server's accepted 0-RTT data is read once the
    /// handshake completed, never when it failed (a replayed ClientHello
    /// brings its early data without a valid Finished).
    pub fn read_before_error(
        &mut self,
        conn: &mut Connection,
        dst: &mut [u8],
        e: io::Error,
    ) -> Result<usize, io::Error> {
        if conn.is_handshaking() {
            return Err(e);
        }
        match self.read_into(conn, dst) {
            0 => Err(e),
            n => Ok(n),
        }
    }

    /// Copies what is ready to read into `dst`; how many bytes.
    pub fn read_into(&mut self, conn: &mut Connection, dst: &mut [u8]) -> usize {
        let avail = self.buffered_plain(conn);
        let n = avail.len().min(dst.len());
        if let (Some(d), Some(s)) = (dst.get_mut(..n), avail.get(..n)) {
            d.copy_from_slice(s);
        }
        self.consume_plain(conn, n);
        n
    }
}

/// A handshake the peer will never finish: reading on would never end.
fn closed_in_handshake() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "the peer sent close_notify before the handshake completed",
    )
}
