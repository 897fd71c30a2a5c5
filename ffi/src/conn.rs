//! Connections: the library's sans-IO `Connection` behind a handle, with
//! the last event it reported (whose data the event accessors read) and
//! the poison flag set when a call panicked.

use std::borrow::Cow;
use std::cell::Cell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use tls13::error::CertificateError;
use tls13::{
    AlertDescription, ClientConnection, CloseKind, Connection, Error, Event, ServerConnection,
};

use crate::config::{tls13_client_config, tls13_server_config};
use crate::error::{Failure, TLS13_ERR_PANIC, guard, panic_message, tls13_result};
use crate::ptr;

/// The most bytes `tls13_conn_receive_buffer` lends at a time (16 MiB).
pub const TLS13_MAX_RECEIVE_BUFFER: usize = 16 << 20;

/// No event is waiting.
pub const TLS13_EVENT_NONE: u32 = 0;
/// The handshake completed: the negotiated parameters are final, data
/// flows.
pub const TLS13_EVENT_HANDSHAKE_COMPLETE: u32 = 1;
/// The peer sent close_notify: everything it sent has arrived.
pub const TLS13_EVENT_CLOSE_NOTIFY: u32 = 2;
/// The transport ended without close_notify (after
/// `tls13_conn_receive_eof`): data may be missing.
pub const TLS13_EVENT_TRUNCATED: u32 = 3;
/// Client: the server sent a session ticket; it is stored in the
/// configuration already (for resumption by later connections).
pub const TLS13_EVENT_NEW_SESSION_TICKET: u32 = 4;
/// Server: 0-RTT data from the client (`tls13_conn_event_data`), before
/// the handshake completed. **It may be a replay.**
pub const TLS13_EVENT_EARLY_DATA: u32 = 5;
/// Client: the server accepted our 0-RTT data.
pub const TLS13_EVENT_EARLY_DATA_ACCEPTED: u32 = 6;
/// Client: the server refused our 0-RTT data; `tls13_conn_event_data`
/// holds the bytes that did not arrive (see
/// `tls13_conn_resend_rejected_early_data`).
pub const TLS13_EVENT_EARLY_DATA_REJECTED: u32 = 7;
/// Server: the client answered `tls13_conn_request_client_certificate`;
/// its verified chain is in `tls13_conn_event_certificate` (none: it
/// declined).
pub const TLS13_EVENT_POST_HANDSHAKE_AUTH: u32 = 8;
/// Client with `TLS13_VERIFY_ROOTS_THEN_APP` or `TLS13_VERIFY_APP`: the
/// server's chain (`tls13_conn_event_certificate`, leaf first) waits for
/// the application's verdict. The handshake is suspended (input is
/// buffered) until `tls13_conn_accept_certificate` or
/// `tls13_conn_reject_certificate`, which may come later, from the same
/// event loop.
pub const TLS13_EVENT_VERIFY_SERVER_CERT: u32 = 9;
/// Server with client authentication and `TLS13_VERIFY_ROOTS_THEN_APP` or
/// `TLS13_VERIFY_APP`: the client's chain waits for the verdict, as for
/// `TLS13_EVENT_VERIFY_SERVER_CERT`.
pub const TLS13_EVENT_VERIFY_CLIENT_CERT: u32 = 10;
/// An event this version of the C API does not know; ignore it.
pub const TLS13_EVENT_OTHER: u32 = 99;

enum Side {
    Client(ClientConnection),
    Server(ServerConnection),
}

/// A TLS 1.3 connection, client or server. It performs no I/O: the
/// application moves bytes between it and the transport. Not
/// thread-safe: use one connection from one thread at a time (it may
/// move between threads). Made by `tls13_client_conn_new` or
/// `tls13_server_conn_new`, freed by `tls13_conn_free`.
pub struct tls13_conn {
    side: Side,
    /// The event `tls13_conn_next_event` returned last, for the
    /// accessors of its data.
    event: Option<Event>,
    /// A call panicked: the connection's state is unknown, every call
    /// fails from now on.
    poisoned: Cell<bool>,
    /// The address and length of the space `tls13_conn_receive_buffer`
    /// lent, until the next call through a non-const handle (the library
    /// forgets the space then too).
    receive_space: Option<(usize, usize)>,
    /// `receive_space` as it was when the current call began.
    lent: Option<(usize, usize)>,
}

impl tls13_conn {
    fn conn(&mut self) -> &mut Connection {
        match &mut self.side {
            Side::Client(c) => c,
            Side::Server(s) => s,
        }
    }

    fn conn_ref(&self) -> &Connection {
        match &self.side {
            Side::Client(c) => c,
            Side::Server(s) => s,
        }
    }

    /// `data`, copied when it lies in memory this connection lent to C
    /// (pending output, received data, the receive space, an event's or
    /// the negotiated values' bytes), so that no borrow of the
    /// connection's own buffers is alive while the call changes them: an
    /// echo of `tls13_conn_received_data` through `tls13_conn_send`, the
    /// receive space given to `tls13_conn_receive` instead of
    /// `tls13_conn_commit_received`.
    fn detach<'a>(&self, data: &'a [u8]) -> Cow<'a, [u8]> {
        if self.lends(addr(data)) {
            Cow::Owned(data.to_vec())
        } else {
            Cow::Borrowed(data)
        }
    }

    /// Whether the address range `data` overlaps memory this connection
    /// handed out.
    fn lends(&self, data: (usize, usize)) -> bool {
        let conn = self.conn_ref();
        let n = conn.negotiated();
        let mut regions: Vec<(usize, usize)> = vec![
            addr(conn.pending_output()),
            addr(conn.received_data()),
            addr(n.alpn.as_deref().unwrap_or_default()),
            addr(n.server_name.as_deref().unwrap_or_default().as_bytes()),
            addr(n.psk_identity.as_deref().unwrap_or_default()),
        ];
        regions.extend(self.lent);
        regions.extend(self.receive_space);
        regions.extend(n.peer_certificates.iter().map(|c| addr(c)));
        if let Some(Event::EarlyData(d) | Event::EarlyDataRejected(d)) = &self.event {
            regions.push(addr(d));
        }
        regions.extend(event_chain(self.event.as_ref()).iter().map(|c| addr(c)));
        regions.into_iter().any(|r| overlap(data, r))
    }
}

/// A slice's address and length, for overlap tests (never dereferenced).
fn addr(s: &[u8]) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

/// Whether two address ranges share a byte.
fn overlap((a, alen): (usize, usize), (b, blen): (usize, usize)) -> bool {
    alen > 0 && blen > 0 && a < b.saturating_add(blen) && b < a.saturating_add(alen)
}

fn poisoned() -> Failure {
    Failure::new(
        TLS13_ERR_PANIC,
        "an earlier call on this connection panicked; it cannot be used any more (free it)",
    )
}

/// Runs `body` on the connection behind `conn`; a panic poisons it.
///
/// # Safety
///
/// As [`ptr::handle_mut`].
unsafe fn with_conn(
    conn: *mut tls13_conn,
    body: impl FnOnce(&mut tls13_conn) -> Result<(), Failure>,
) -> tls13_result {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let c = unsafe { ptr::handle_mut(conn, "conn") }?;
        if c.poisoned.get() {
            return Err(poisoned());
        }
        c.lent = c.receive_space.take();
        match catch_unwind(AssertUnwindSafe(|| body(&mut *c))) {
            Ok(r) => r,
            Err(payload) => {
                c.poisoned.set(true);
                Err(Failure::new(TLS13_ERR_PANIC, panic_message(&*payload)))
            }
        }
    })
}

/// Runs `body` on the connection behind `conn`, read only; a panic
/// poisons it.
///
/// # Safety
///
/// As [`ptr::handle_ref`]; and no other thread uses the connection.
unsafe fn with_conn_ref(
    conn: *const tls13_conn,
    body: impl FnOnce(&tls13_conn) -> Result<(), Failure>,
) -> tls13_result {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let c = unsafe { ptr::handle_ref(conn, "conn") }?;
        if c.poisoned.get() {
            return Err(poisoned());
        }
        match catch_unwind(AssertUnwindSafe(|| body(c))) {
            Ok(r) => r,
            Err(payload) => {
                c.poisoned.set(true);
                Err(Failure::new(TLS13_ERR_PANIC, panic_message(&*payload)))
            }
        }
    })
}

/// A value read from the connection; `default` for NULL, a poisoned
/// connection or a panic (which poisons it).
///
/// # Safety
///
/// As [`with_conn_ref`].
unsafe fn read_conn<T: Copy>(
    conn: *const tls13_conn,
    default: T,
    f: impl FnOnce(&tls13_conn) -> T,
) -> T {
    let mut value = default;
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            value = f(c);
            Ok(())
        })
    };
    value
}

/// Stores a borrowed slice through two out pointers.
///
/// # Safety
///
/// Both pointers were checked non-NULL and are writable.
unsafe fn hand_slice(s: &[u8], out_ptr: *mut *const u8, out_len: *mut usize) {
    let (p, n) = ptr::parts(s);
    // SAFETY: the caller's contract.
    unsafe {
        ptr::write(out_ptr, p);
        ptr::write(out_len, n);
    }
}

/// Checks the two out pointers of a slice getter.
fn slice_outs(out_ptr: *mut *const u8, out_len: *mut usize) -> Result<(), Failure> {
    ptr::out_ok(out_ptr, "out_ptr")?;
    ptr::out_ok(out_len, "out_len")
}

// ---------- making and freeing ----------

/// A client connection to `server_name` (a NUL-terminated DNS name, sent
/// in SNI and checked against the certificate; or an IP address literal,
/// checked but not sent). The ClientHello is in
/// `tls13_conn_pending_output` on return. Stored in `*out` (NULL on
/// failure); free it with `tls13_conn_free`. The configuration may be
/// freed afterwards: the connection keeps its own reference.
///
/// # Safety
///
/// `config` is a live client configuration; `server_name` a
/// NUL-terminated string; `out` points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_client_conn_new(
    config: *const tls13_client_config,
    server_name: *const c_char,
    out: *mut *mut tls13_conn,
) -> tls13_result {
    guard(|| {
        ptr::out_ok(out, "out")?;
        // SAFETY: checked non-NULL above; the caller's contract.
        unsafe { ptr::write(out, std::ptr::null_mut()) };
        // SAFETY: the caller's contract, passed on.
        let config = unsafe { ptr::handle_ref(config, "config") }?;
        // SAFETY: the caller's contract, passed on.
        let name = unsafe { ptr::string(server_name, "server_name") }?;
        let c = ClientConnection::new(config.config.clone(), name)?;
        let handle = Box::into_raw(Box::new(tls13_conn {
            side: Side::Client(c),
            event: None,
            poisoned: Cell::new(false),
            receive_space: None,
            lent: None,
        }));
        // SAFETY: `out` checked above.
        unsafe { ptr::write(out, handle) };
        Ok(())
    })
}

/// A server connection waiting for a ClientHello (feed it with
/// `tls13_conn_receive`). Stored in `*out` (NULL on failure); free it with
/// `tls13_conn_free`.
///
/// # Safety
///
/// `config` is a live server configuration; `out` points to a writable
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_server_conn_new(
    config: *const tls13_server_config,
    out: *mut *mut tls13_conn,
) -> tls13_result {
    guard(|| {
        ptr::out_ok(out, "out")?;
        // SAFETY: checked non-NULL above; the caller's contract.
        unsafe { ptr::write(out, std::ptr::null_mut()) };
        // SAFETY: the caller's contract, passed on.
        let config = unsafe { ptr::handle_ref(config, "config") }?;
        let s = ServerConnection::new(config.config.clone())?;
        let handle = Box::into_raw(Box::new(tls13_conn {
            side: Side::Server(s),
            event: None,
            poisoned: Cell::new(false),
            receive_space: None,
            lent: None,
        }));
        // SAFETY: `out` checked above.
        unsafe { ptr::write(out, handle) };
        Ok(())
    })
}

/// Frees a connection and everything it holds (keys are wiped). Send
/// `tls13_conn_close`'s close_notify first for a clean close. Every
/// pointer it returned becomes invalid. NULL is ignored.
///
/// # Safety
///
/// `conn` is NULL or a live connection that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_free(conn: *mut tls13_conn) {
    // SAFETY: the caller's contract; a panic in a destructor is caught.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::free_handle(conn) }));
}

// ---------- bytes in ----------

/// Processes `len` bytes received from the transport: every complete
/// record is handled now, a partial one is kept. All bytes are always
/// taken. Afterwards send `tls13_conn_pending_output`, read
/// `tls13_conn_received_data` and drain `tls13_conn_next_event`. On a fatal
/// error the alert to send is queued to `tls13_conn_pending_output`
/// (send it, then close the transport) and the error returned; every later
/// call returns it again.
///
/// # Safety
///
/// `conn` is a live connection; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_receive(
    conn: *mut tls13_conn,
    data: *const u8,
    len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            let data = ptr::bytes(data, len, "data")?;
            let data = c.detach(data);
            Ok(c.conn().receive(&data)?)
        })
    }
}

/// `len` bytes of space inside the connection's receive buffer, for the
/// transport to read into directly (saving `tls13_conn_receive`'s copy):
/// `*out_ptr` receives the address. Then call `tls13_conn_commit_received`
/// with how many bytes were filled. The space is valid until the next call
/// on this connection. `len` is at most `TLS13_MAX_RECEIVE_BUFFER` (more
/// is refused with `TLS13_ERR_INVALID_ARGUMENT`; a record is at most
/// 16 KiB + 261 bytes).
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_receive_buffer(
    conn: *mut tls13_conn,
    len: usize,
    out_ptr: *mut *mut u8,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            ptr::out_ok(out_ptr, "out_ptr")?;
            // The library allocates (and zeroes) the space: a size no
            // allocator can satisfy would abort the process, which no
            // `catch_unwind` stops, and one the allocator grants lazily
            // would be written in full.
            if len > TLS13_MAX_RECEIVE_BUFFER {
                return Err(Failure::invalid(format!(
                    "receive_buffer({len}): at most TLS13_MAX_RECEIVE_BUFFER \
                     ({TLS13_MAX_RECEIVE_BUFFER}) bytes at a time"
                )));
            }
            let space = c.conn().receive_buffer(len).as_mut_ptr();
            ptr::write(out_ptr, space);
            c.receive_space = Some((space as usize, len));
            Ok(())
        })
    }
}

/// Processes the first `n` bytes of the space `tls13_conn_receive_buffer`
/// gave, as `tls13_conn_receive` would. `n` larger than that space is
/// refused with `TLS13_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_commit_received(
    conn: *mut tls13_conn,
    n: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            let lent = c.lent.map_or(0, |(_, len)| len);
            if n > lent {
                return Err(Failure::invalid(format!(
                    "commit_received({n}) past the {lent} bytes tls13_conn_receive_buffer lent \
                     (none if another call came in between)"
                )));
            }
            Ok(c.conn().commit_received(n)?)
        })
    }
}

/// The transport reached end of file. `TLS13_OK` when the peer sent
/// close_notify first; otherwise `TLS13_EVENT_TRUNCATED` is queued and
/// `TLS13_ERR_UNEXPECTED_EOF` returned (data may be missing).
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_receive_eof(conn: *mut tls13_conn) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe { with_conn(conn, |c| Ok(c.conn().receive_eof()?)) }
}

// ---------- bytes out ----------

/// The bytes waiting to go to the peer (records, alerts included):
/// `*out_ptr` and `*out_len` (NULL and 0 when there are none). Write them
/// to the transport, then call `tls13_conn_consume_output` with how many
/// were written. Always do this, also after an error: the alert is output
/// too. The pointer borrows from the connection: valid until the next call
/// on it through a non-const `tls13_conn *`.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_pending_output(
    conn: *const tls13_conn,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            hand_slice(c.conn_ref().pending_output(), out_ptr, out_len);
            Ok(())
        })
    }
}

/// Drops the first `n` bytes of `tls13_conn_pending_output` (those the
/// transport took). `n` larger than what is pending is refused with
/// `TLS13_ERR_INVALID_ARGUMENT`, and nothing is dropped.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_consume_output(
    conn: *mut tls13_conn,
    n: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            let pending = c.conn().pending_output().len();
            if n > pending {
                return Err(Failure::invalid(format!(
                    "consume_output({n}) with only {pending} bytes pending"
                )));
            }
            c.conn().consume_output(n);
            Ok(())
        })
    }
}

/// Queues `len` bytes of application data (all are taken; `*out_sent`,
/// if `out_sent` is not NULL, receives `len`). Before the handshake
/// completes they are held and sent once it does. Fails after
/// `tls13_conn_close` (`TLS13_ERR_CONNECTION_CLOSED`) or an error.
///
/// # Safety
///
/// `conn` is a live connection; `data` points to `len` readable bytes;
/// `out_sent` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_send(
    conn: *mut tls13_conn,
    data: *const u8,
    len: usize,
    out_sent: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        ptr::write(out_sent, 0);
        with_conn(conn, |c| {
            let data = ptr::bytes(data, len, "data")?;
            let data = c.detach(data);
            let n = c.conn().send(&data)?;
            ptr::write(out_sent, n);
            Ok(())
        })
    }
}

/// Client: sends `len` bytes as 0-RTT data, before the handshake
/// completes, when a stored ticket allows it and the configuration
/// enabled early data; `*out_sent` receives how many were taken (0: no
/// 0-RTT on this connection; send them with `tls13_conn_send` instead).
/// **0-RTT data can be replayed**: send only what is safe to execute
/// twice. `TLS13_ERR_INVALID_ARGUMENT` on a server connection.
///
/// # Safety
///
/// `conn` is a live connection; `data` points to `len` readable bytes;
/// `out_sent` points to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_send_early_data(
    conn: *mut tls13_conn,
    data: *const u8,
    len: usize,
    out_sent: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            ptr::out_ok(out_sent, "out_sent")?;
            ptr::write(out_sent, 0);
            let data = ptr::bytes(data, len, "data")?;
            let data = c.detach(data);
            let Side::Client(client) = &mut c.side else {
                return Err(Failure::invalid("early data is sent by clients"));
            };
            let n = client.send_early_data(&data)?;
            ptr::write(out_sent, n);
            Ok(())
        })
    }
}

/// Client, after `TLS13_EVENT_EARLY_DATA_REJECTED` and
/// `TLS13_EVENT_HANDSHAKE_COMPLETE`: sends the refused 0-RTT bytes
/// (`data`, `len`: those the event handed out) again as ordinary data if
/// RFC 9846 §4.3.10 allows it without the application deciding (the
/// handshake selected the ALPN protocol the data was written for);
/// `*out_resent` says whether it did. When it did not, the bytes stay
/// with the application, which may have to write something else.
///
/// # Safety
///
/// `conn` is a live connection; `data` points to `len` readable bytes;
/// `out_resent` points to a writable `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_resend_rejected_early_data(
    conn: *mut tls13_conn,
    data: *const u8,
    len: usize,
    out_resent: *mut bool,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            ptr::out_ok(out_resent, "out_resent")?;
            ptr::write(out_resent, false);
            let data = ptr::bytes(data, len, "data")?;
            let data = c.detach(data);
            let resent = c.conn().resend_rejected_early_data(&data)?;
            ptr::write(out_resent, resent);
            Ok(())
        })
    }
}

/// Queues close_notify (in `tls13_conn_pending_output`); nothing more can
/// be sent. Receiving goes on until the peer closes too
/// (`TLS13_EVENT_CLOSE_NOTIFY`).
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_close(conn: *mut tls13_conn) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            c.conn().close();
            Ok(())
        })
    }
}

/// Sends a KeyUpdate (RFC 9846 §4.7.3) and switches to the next write key;
/// with `request_peer` the peer is asked to update its key too. Needs a
/// completed handshake.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_update_keys(
    conn: *mut tls13_conn,
    request_peer: bool,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe { with_conn(conn, |c| Ok(c.conn().update_keys(request_peer)?)) }
}

/// Server, after the handshake: asks the client for a certificate (RFC
/// 9846 §4.7.2). Its answer, verified as the configuration's client
/// authentication says, arrives as `TLS13_EVENT_POST_HANDSHAKE_AUTH`.
/// Needs client authentication configured and a client that offered
/// post-handshake authentication. `TLS13_ERR_INVALID_ARGUMENT` on a
/// client connection.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_request_client_certificate(
    conn: *mut tls13_conn,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| match &mut c.side {
            Side::Server(s) => Ok(s.request_client_certificate()?),
            Side::Client(_) => Err(Failure::invalid(
                "only a server asks for a client certificate",
            )),
        })
    }
}

/// Frees the connection's buffers while they hold nothing (an idle
/// connection then keeps only its state); they come back when traffic
/// does.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_release_buffers(conn: *mut tls13_conn) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            c.conn().release_buffers();
            Ok(())
        })
    }
}

// ---------- application data in ----------

/// The application data received and not yet consumed: `*out_ptr`,
/// `*out_len` (NULL and 0 when none). Authenticated bytes, in order; they
/// stay readable after close_notify and after an error (what arrived
/// before it is good). Consume what was used with
/// `tls13_conn_consume_received_data`. The pointer borrows from the
/// connection: valid until the next call on it through a non-const
/// `tls13_conn *`.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_received_data(
    conn: *const tls13_conn,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            hand_slice(c.conn_ref().received_data(), out_ptr, out_len);
            Ok(())
        })
    }
}

/// Drops the first `n` bytes of `tls13_conn_received_data`. `n` larger
/// than what is there is refused with `TLS13_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_consume_received_data(
    conn: *mut tls13_conn,
    n: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            let have = c.conn().received_data().len();
            if n > have {
                return Err(Failure::invalid(format!(
                    "consume_received_data({n}) with only {have} bytes received"
                )));
            }
            c.conn().consume_received_data(n);
            Ok(())
        })
    }
}

/// Copies up to `len` bytes of received application data into `buf` and
/// consumes them; `*out_read` receives how many (0 when none is waiting).
/// The copying form of `tls13_conn_received_data` +
/// `tls13_conn_consume_received_data`. `buf` must not be memory the
/// connection lent, such as the received data itself
/// (`TLS13_ERR_INVALID_ARGUMENT`).
///
/// # Safety
///
/// `conn` is a live connection; `buf` points to `len` writable bytes;
/// `out_read` points to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_read(
    conn: *mut tls13_conn,
    buf: *mut u8,
    len: usize,
    out_read: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            ptr::out_ok(out_read, "out_read")?;
            ptr::write(out_read, 0);
            // Checked before a `&mut` to `buf` exists: memory the
            // connection lent (its received data, which the copy below
            // reads) is no place to write.
            if c.lends((buf as usize, len)) {
                return Err(Failure::invalid(
                    "buf overlaps memory of the connection (received data, output, an event's bytes)",
                ));
            }
            let dst = ptr::bytes_mut(buf, len, "buf")?;
            let src = c.conn().received_data();
            let n = src.len().min(dst.len());
            if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
                d.copy_from_slice(s);
            }
            c.conn().consume_received_data(n);
            ptr::write(out_read, n);
            Ok(())
        })
    }
}

/// Whether reading more from the transport is useful now: false while
/// much received data waits to be consumed (backpressure), while a
/// decision of the application is pending, after the peer's close_notify
/// and after an error (also for NULL or a poisoned connection).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_wants_read(conn: *const tls13_conn) -> bool {
    // SAFETY: the caller's contract, passed on.
    unsafe { read_conn(conn, false, |c| c.conn_ref().wants_read()) }
}

/// Whether the handshake is still in progress (false also for NULL or a
/// poisoned connection).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_is_handshaking(conn: *const tls13_conn) -> bool {
    // SAFETY: the caller's contract, passed on.
    unsafe { read_conn(conn, false, |c| c.conn_ref().is_handshaking()) }
}

// ---------- events and answers ----------

/// Takes the next event into `*out_event` (`TLS13_EVENT_NONE` when there
/// is none). Drain the events after every `tls13_conn_receive`, and after
/// answering a decision. The event's data (`tls13_conn_event_data`,
/// `tls13_conn_event_certificate`) stays readable until the next call of
/// this function.
///
/// # Safety
///
/// `conn` is a live connection; `out_event` points to a writable
/// `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_next_event(
    conn: *mut tls13_conn,
    out_event: *mut u32,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            ptr::out_ok(out_event, "out_event")?;
            ptr::write(out_event, TLS13_EVENT_NONE);
            let event = c.conn().next_event();
            let code = match &event {
                None => TLS13_EVENT_NONE,
                Some(Event::HandshakeComplete) => TLS13_EVENT_HANDSHAKE_COMPLETE,
                Some(Event::Closed(CloseKind::CloseNotify)) => TLS13_EVENT_CLOSE_NOTIFY,
                Some(Event::Closed(CloseKind::Truncated)) => TLS13_EVENT_TRUNCATED,
                Some(Event::NewSessionTicket(_)) => TLS13_EVENT_NEW_SESSION_TICKET,
                Some(Event::EarlyData(_)) => TLS13_EVENT_EARLY_DATA,
                Some(Event::EarlyDataAccepted) => TLS13_EVENT_EARLY_DATA_ACCEPTED,
                Some(Event::EarlyDataRejected(_)) => TLS13_EVENT_EARLY_DATA_REJECTED,
                Some(Event::PostHandshakeAuth(_)) => TLS13_EVENT_POST_HANDSHAKE_AUTH,
                Some(Event::VerifyServerCert(_)) => TLS13_EVENT_VERIFY_SERVER_CERT,
                Some(Event::VerifyClientCert(_)) => TLS13_EVENT_VERIFY_CLIENT_CERT,
                Some(other) => {
                    if let Some(what) = other.awaits_answer() {
                        // A decision the C API cannot answer (no builder
                        // here makes a resolver or signer that defers):
                        // end the connection rather than let it wait.
                        let e = c.conn().abort(Error::BadConfig(format!(
                            "the connection waits for {what}, which the C API cannot answer"
                        )));
                        c.event = None;
                        return Err(e.into());
                    }
                    TLS13_EVENT_OTHER
                }
            };
            c.event = event;
            ptr::write(out_event, code);
            Ok(())
        })
    }
}

/// The bytes of the last event: the 0-RTT data of
/// `TLS13_EVENT_EARLY_DATA` and `TLS13_EVENT_EARLY_DATA_REJECTED`; NULL
/// and 0 for other events. Borrowed: valid until the next
/// `tls13_conn_next_event` or the connection is freed.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_event_data(
    conn: *const tls13_conn,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            let data: &[u8] = match &c.event {
                Some(Event::EarlyData(d) | Event::EarlyDataRejected(d)) => d,
                _ => &[],
            };
            hand_slice(data, out_ptr, out_len);
            Ok(())
        })
    }
}

fn event_chain(event: Option<&Event>) -> &[Vec<u8>] {
    match event {
        Some(Event::VerifyServerCert(r)) => &r.chain,
        Some(Event::VerifyClientCert(r)) => &r.chain,
        Some(Event::PostHandshakeAuth(chain)) => chain,
        _ => &[],
    }
}

/// How many certificates the last event carries: the chain to verify of
/// `TLS13_EVENT_VERIFY_SERVER_CERT` / `TLS13_EVENT_VERIFY_CLIENT_CERT`,
/// the client's chain of `TLS13_EVENT_POST_HANDSHAKE_AUTH`; 0 otherwise
/// (and for NULL or a poisoned connection).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_event_certificate_count(conn: *const tls13_conn) -> usize {
    // SAFETY: the caller's contract, passed on.
    unsafe { read_conn(conn, 0, |c| event_chain(c.event.as_ref()).len()) }
}

/// Certificate `index` (0: the end entity) of the last event's chain, DER:
/// `*out_ptr`, `*out_len`. `TLS13_ERR_INVALID_ARGUMENT` past the end.
/// Borrowed: valid until the next `tls13_conn_next_event` or the
/// connection is freed.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_event_certificate(
    conn: *const tls13_conn,
    index: usize,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            let chain = event_chain(c.event.as_ref());
            let cert = chain.get(index).ok_or_else(|| {
                Failure::invalid(format!(
                    "certificate {index} of an event chain of {}",
                    chain.len()
                ))
            })?;
            hand_slice(cert, out_ptr, out_len);
            Ok(())
        })
    }
}

fn answer_verify(c: &mut tls13_conn, verdict: Result<(), CertificateError>) -> Result<(), Failure> {
    match &mut c.side {
        Side::Client(client) => Ok(client.answer_verify(verdict)?),
        Side::Server(server) => Ok(server.answer_verify(verdict)?),
    }
}

/// Accepts the chain of the pending `TLS13_EVENT_VERIFY_SERVER_CERT` /
/// `TLS13_EVENT_VERIFY_CLIENT_CERT`: the handshake goes on (the
/// CertificateVerify signature is still checked), and the input buffered
/// meanwhile is processed (drain the events again, send the output).
/// `TLS13_ERR_BAD_CONFIG` when no verification is pending.
///
/// # Safety
///
/// `conn` is a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_accept_certificate(conn: *mut tls13_conn) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe { with_conn(conn, |c| answer_verify(c, Ok(()))) }
}

/// Refuses the chain of the pending verification: the handshake ends
/// with the alert `alert` (a TLS AlertDescription number; 0 means
/// `bad_certificate`, 42) queued to `tls13_conn_pending_output` (send
/// it), and this call returns `TLS13_ERR_CERT_OTHER` with `reason` (a
/// NUL-terminated sentence, or NULL) as the message; every later call
/// returns the same. `TLS13_ERR_BAD_CONFIG` when no verification is
/// pending.
///
/// # Safety
///
/// `conn` is a live connection; `reason` NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_reject_certificate(
    conn: *mut tls13_conn,
    reason: *const c_char,
    alert: u8,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn(conn, |c| {
            let reason = if reason.is_null() {
                "the application refused the certificate".to_owned()
            } else {
                ptr::string(reason, "reason")?.to_owned()
            };
            let alert = match alert {
                0 => AlertDescription::BAD_CERTIFICATE,
                a => AlertDescription(a),
            };
            answer_verify(c, Err(CertificateError::Other { reason, alert }))
        })
    }
}

// ---------- what was negotiated ----------

/// The protocol version (0x0304 for TLS 1.3) once the ServerHello was
/// processed; 0 before (and for NULL or a poisoned connection).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_protocol_version(conn: *const tls13_conn) -> u16 {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        read_conn(conn, 0, |c| {
            c.conn_ref().negotiated().version.map_or(0, |v| v.0)
        })
    }
}

/// The cipher suite's IANA code point (0x1301, ...); 0 before it is
/// known. `tls13_cipher_suite_name` gives its name.
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_cipher_suite(conn: *const tls13_conn) -> u16 {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        read_conn(conn, 0, |c| {
            c.conn_ref().negotiated().suite.map_or(0, |s| s.0)
        })
    }
}

/// The key exchange group's IANA code point (0x001d x25519, ...); 0
/// before it is known and for a PSK-only (psk_ke) handshake.
/// `tls13_group_name` gives its name.
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_key_exchange_group(conn: *const tls13_conn) -> u16 {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        read_conn(conn, 0, |c| {
            c.conn_ref().negotiated().group.map_or(0, |g| g.0)
        })
    }
}

/// The server's CertificateVerify signature scheme (IANA code point,
/// 0x0403 ecdsa_secp256r1_sha256, ...); 0 when none (a resumed or PSK
/// handshake, or not yet).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_signature_scheme(conn: *const tls13_conn) -> u16 {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        read_conn(conn, 0, |c| {
            c.conn_ref()
                .negotiated()
                .signature_scheme
                .map_or(0, |s| s.0)
        })
    }
}

/// Whether the handshake used a pre-shared key (a session ticket:
/// resumption; or an external PSK).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_is_resumed(conn: *const tls13_conn) -> bool {
    // SAFETY: the caller's contract, passed on.
    unsafe { read_conn(conn, false, |c| c.conn_ref().negotiated().resumed) }
}

/// Whether 0-RTT data was offered and accepted.
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_early_data_accepted(conn: *const tls13_conn) -> bool {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        read_conn(conn, false, |c| {
            c.conn_ref().negotiated().early_data_accepted
        })
    }
}

/// The ALPN protocol agreed on: `*out_ptr`, `*out_len` (NULL and 0 when
/// none). Borrowed: valid until the next call on the connection through a
/// non-const `tls13_conn *`.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_alpn(
    conn: *const tls13_conn,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            hand_slice(
                c.conn_ref()
                    .negotiated()
                    .alpn
                    .as_deref()
                    .unwrap_or_default(),
                out_ptr,
                out_len,
            );
            Ok(())
        })
    }
}

/// The server name: on a server the SNI the client sent, on a client the
/// name it asked for (not NUL-terminated; NULL and 0 when none).
/// Borrowed, as for `tls13_conn_alpn`.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_server_name(
    conn: *const tls13_conn,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            let name = c
                .conn_ref()
                .negotiated()
                .server_name
                .as_deref()
                .unwrap_or_default();
            hand_slice(name.as_bytes(), out_ptr, out_len);
            Ok(())
        })
    }
}

/// The identity of the external PSK the handshake used (on a server with
/// several, which client this is); NULL and 0 when none. Borrowed, as for
/// `tls13_conn_alpn`.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_psk_identity(
    conn: *const tls13_conn,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            let id = c
                .conn_ref()
                .negotiated()
                .psk_identity
                .as_deref()
                .unwrap_or_default();
            hand_slice(id, out_ptr, out_len);
            Ok(())
        })
    }
}

/// How many certificates the peer presented and that were accepted (on a
/// server: the client's chain, once verified; 0 when the client did not
/// authenticate).
///
/// # Safety
///
/// `conn` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_peer_certificate_count(conn: *const tls13_conn) -> usize {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        read_conn(conn, 0, |c| {
            c.conn_ref().negotiated().peer_certificates.len()
        })
    }
}

/// The peer's certificate `index` (0: the end entity), DER: `*out_ptr`,
/// `*out_len`. `TLS13_ERR_INVALID_ARGUMENT` past the end. Borrowed, as for
/// `tls13_conn_alpn`.
///
/// # Safety
///
/// `conn` is a live connection; `out_ptr` and `out_len` point to writable
/// variables.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_peer_certificate(
    conn: *const tls13_conn,
    index: usize,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            slice_outs(out_ptr, out_len)?;
            let chain = &c.conn_ref().negotiated().peer_certificates;
            let cert = chain.get(index).ok_or_else(|| {
                Failure::invalid(format!("peer certificate {index} of {}", chain.len()))
            })?;
            hand_slice(cert, out_ptr, out_len);
            Ok(())
        })
    }
}

/// Fills `out` (`out_len` bytes) with TLS-Exporter(label, context,
/// out_len) (RFC 9846 §7.5; RFC 5705 keying material for TLS 1.3). A
/// NULL `context` with length 0 is the empty context, which TLS 1.3 treats
/// as no context. Needs a completed handshake.
/// `out` may be the buffer `label` or `context` is in (they are read
/// first); it must not be memory the connection lent
/// (`TLS13_ERR_INVALID_ARGUMENT`).
///
/// # Safety
///
/// `conn` is a live connection; `label`, `context` and `out` point to
/// `label_len`, `context_len` readable and `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tls13_conn_export_keying_material(
    conn: *const tls13_conn,
    label: *const u8,
    label_len: usize,
    context: *const u8,
    context_len: usize,
    out: *mut u8,
    out_len: usize,
) -> tls13_result {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        with_conn_ref(conn, |c| {
            // Copied before `out` is borrowed mutably: a caller may derive
            // in place (`out` the same buffer as `context`), and a shared
            // and a mutable borrow of one byte must not coexist.
            let label = ptr::bytes(label, label_len, "label")?.to_vec();
            let context = ptr::bytes(context, context_len, "context")?.to_vec();
            if c.lends((out as usize, out_len)) {
                return Err(Failure::invalid(
                    "out overlaps memory of the connection (received data, output, an event's bytes)",
                ));
            }
            let out = ptr::bytes_mut(out, out_len, "out")?;
            Ok(c.conn_ref().export_keying_material(&label, &context, out)?)
        })
    }
}

/// The name of a TLS 1.3 cipher suite (`0x1301` →
/// `"TLS_AES_128_GCM_SHA256"`), a static string; NULL for one this library
/// does not know.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_cipher_suite_name(suite: u16) -> *const c_char {
    let name: Option<&'static std::ffi::CStr> = match suite {
        0x1301 => Some(c"TLS_AES_128_GCM_SHA256"),
        0x1302 => Some(c"TLS_AES_256_GCM_SHA384"),
        0x1303 => Some(c"TLS_CHACHA20_POLY1305_SHA256"),
        0x1304 => Some(c"TLS_AES_128_CCM_SHA256"),
        0x1305 => Some(c"TLS_AES_128_CCM_8_SHA256"),
        _ => None,
    };
    name.map_or(std::ptr::null(), |n| n.as_ptr())
}

/// The name of a key exchange group (`0x001d` → `"x25519"`), a static
/// string; NULL for one this library does not know.
#[unsafe(no_mangle)]
pub extern "C" fn tls13_group_name(group: u16) -> *const c_char {
    let name: Option<&'static std::ffi::CStr> = match group {
        0x001d => Some(c"x25519"),
        0x0017 => Some(c"secp256r1"),
        0x0018 => Some(c"secp384r1"),
        0x0019 => Some(c"secp521r1"),
        0x11ec => Some(c"X25519MLKEM768"),
        _ => None,
    };
    name.map_or(std::ptr::null(), |n| n.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TLS13_ERR_PANIC, TLS13_OK};

    /// A connection made from a configuration the library builds itself
    /// (a pinned certificate: no files needed).
    fn client() -> *mut tls13_conn {
        let verifier = std::sync::Arc::new(tls13::PinnedCertVerifier::new(vec![0x30]));
        let config = tls13_client_config {
            config: std::sync::Arc::new(tls13::ClientConfig::builder(verifier).build().unwrap()),
        };
        let mut conn = std::ptr::null_mut();
        // SAFETY: a live configuration, a NUL-terminated name, a local out
        // variable.
        let r = unsafe { tls13_client_conn_new(&config, c"localhost".as_ptr(), &mut conn) };
        assert_eq!(r, TLS13_OK);
        conn
    }

    /// A panic inside a call is caught, reported as TLS13_ERR_PANIC, and
    /// poisons the connection: every later call fails the same way, the
    /// getters return their defaults, and it can still be freed.
    #[test]
    fn a_panic_poisons_the_connection() {
        let conn = client();
        // SAFETY: `conn` is live and used by this thread only.
        unsafe {
            assert!(tls13_conn_is_handshaking(conn));
            let r = with_conn(conn, |_| panic!("injected"));
            assert_eq!(r, TLS13_ERR_PANIC);
            assert_eq!(
                tls13_conn_receive(conn, std::ptr::null(), 0),
                TLS13_ERR_PANIC
            );
            assert_eq!(tls13_conn_close(conn), TLS13_ERR_PANIC);
            let (mut p, mut n) = (std::ptr::null(), 0usize);
            assert_eq!(
                tls13_conn_pending_output(conn, &mut p, &mut n),
                TLS13_ERR_PANIC
            );
            assert!(!tls13_conn_is_handshaking(conn));
            assert!(!tls13_conn_wants_read(conn));
            tls13_conn_free(conn);
        }
    }

    /// A panic in a read-only call poisons too.
    #[test]
    fn a_panic_in_a_getter_poisons_the_connection() {
        let conn = client();
        // SAFETY: as above.
        unsafe {
            assert_eq!(with_conn_ref(conn, |_| panic!("injected")), TLS13_ERR_PANIC);
            assert_eq!(tls13_conn_close(conn), TLS13_ERR_PANIC);
            tls13_conn_free(conn);
        }
    }

    /// Every suite and group the library can negotiate has a name (a C
    /// caller printing a TLS_AES_128_CCM_8_SHA256 connection got NULL).
    #[test]
    fn every_negotiable_suite_and_group_has_a_name() {
        for s in tls13::crypto::suites::ALL_SUITES {
            let name = tls13_cipher_suite_name(s.suite.0);
            assert!(!name.is_null(), "{:?}", s.suite);
            // SAFETY: a non-NULL result is a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(name) };
            assert_eq!(name.to_str().unwrap(), format!("{:?}", s.suite));
        }
        for g in tls13::crypto::default_provider().groups {
            assert!(!tls13_group_name(g.group().0).is_null(), "{:?}", g.group());
        }
    }
}
