//! The boundary from Rust, through the same `extern "C"` functions a C
//! program calls (the crate's rlib): sizes that are not backed by the
//! caller's memory, the thread-safety the header promises, and buffers
//! a caller may plausibly share between arguments.
#![allow(clippy::undocumented_unsafe_blocks)]

use std::ptr::{null, null_mut};

use tls13_ffi::*;

/// A client connection whose configuration needs no files
/// (`TLS13_VERIFY_APP`); its ClientHello is pending.
fn client() -> (*const tls13_client_config, *mut tls13_conn) {
    unsafe {
        let b = tls13_client_config_builder_new();
        assert_eq!(
            tls13_client_config_builder_set_verification(b, TLS13_VERIFY_APP),
            TLS13_OK
        );
        let mut config = null();
        assert_eq!(tls13_client_config_builder_build(b, &mut config), TLS13_OK);
        let mut conn = null_mut();
        assert_eq!(
            tls13_client_conn_new(config, c"localhost".as_ptr(), &mut conn),
            TLS13_OK
        );
        (config, conn)
    }
}

fn free(config: *const tls13_client_config, conn: *mut tls13_conn) {
    unsafe {
        tls13_conn_free(conn);
        tls13_client_config_free(config);
    }
}

/// `tls13_conn_receive_buffer` allocates the space it lends: a length
/// no allocator grants (a negative `ssize_t` cast to `size_t`, a
/// garbage length) must be refused with a code, not abort the whole
/// process in the allocator (an abort no `catch_unwind` stops). The
/// connection stays usable.
#[test]
fn receive_buffer_refuses_a_length_it_could_not_allocate() {
    let (config, conn) = client();
    unsafe {
        for len in [
            1usize << 62,
            isize::MAX as usize,
            TLS13_MAX_RECEIVE_BUFFER + 1,
        ] {
            let mut space = null_mut();
            assert_eq!(
                tls13_conn_receive_buffer(conn, len, &mut space),
                TLS13_ERR_INVALID_ARGUMENT,
                "{len}"
            );
            assert!(space.is_null());
        }
        let mut space = null_mut();
        assert_eq!(
            tls13_conn_receive_buffer(conn, TLS13_MAX_RECEIVE_BUFFER, &mut space),
            TLS13_OK
        );
        assert!(!space.is_null());
        assert_eq!(tls13_conn_commit_received(conn, 0), TLS13_OK);
        assert!(tls13_conn_is_handshaking(conn));
    }
    free(config, conn);
}

/// A ticket count of `(size_t)-1` would have every handshake produce
/// tickets without end: refused when set.
#[test]
fn an_unbounded_ticket_count_is_refused() {
    unsafe {
        let b = tls13_server_config_builder_new();
        for count in [usize::MAX, TLS13_MAX_SESSION_TICKETS + 1] {
            assert_eq!(
                tls13_server_config_builder_set_session_tickets(b, count),
                TLS13_ERR_INVALID_ARGUMENT
            );
        }
        assert_eq!(
            tls13_server_config_builder_set_session_tickets(b, TLS13_MAX_SESSION_TICKETS),
            TLS13_OK
        );
        tls13_server_config_builder_free(b);
    }
}

/// The header's THREADS rules, checked by the compiler: configurations
/// are shared between threads, connections and builders move between
/// them.
#[test]
fn the_handles_are_as_thread_safe_as_the_header_says() {
    fn shared<T: Send + Sync>() {}
    fn moves<T: Send>() {}
    shared::<tls13_client_config>();
    shared::<tls13_server_config>();
    moves::<tls13_client_config_builder>();
    moves::<tls13_server_config_builder>();
    moves::<tls13_conn>();
}

/// Connections from one configuration on several threads at once (the
/// shared session store and key material included).
#[test]
fn one_configuration_serves_threads_at_once() {
    let (config, conn) = client();
    struct Shared(*const tls13_client_config);
    // SAFETY (the test's): the header says a built configuration may be
    // used by any number of threads at once.
    unsafe impl Send for Shared {}
    unsafe impl Sync for Shared {}
    let shared = Shared(config);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let shared = &shared;
            s.spawn(move || {
                for _ in 0..8 {
                    let mut c = null_mut();
                    unsafe {
                        assert_eq!(
                            tls13_client_conn_new(shared.0, c"localhost".as_ptr(), &mut c),
                            TLS13_OK
                        );
                        let (mut p, mut n) = (null(), 0usize);
                        assert_eq!(tls13_conn_pending_output(c, &mut p, &mut n), TLS13_OK);
                        assert!(n > 0);
                        tls13_conn_free(c);
                    }
                }
            });
        }
    });
    free(config, conn);
}

/// ALPN protocols are 1 to 255 bytes each, but their list is a
/// 16-bit-length vector: 300 of 255 bytes cannot be encoded. The
/// configuration (or the connection) is refused with a code; nothing
/// panics and no truncated ClientHello goes out.
#[test]
fn an_alpn_list_longer_than_its_length_field_is_refused() {
    unsafe {
        let b = tls13_client_config_builder_new();
        assert_eq!(
            tls13_client_config_builder_set_verification(b, TLS13_VERIFY_APP),
            TLS13_OK
        );
        let protocol = [b'x'; 255];
        for i in 0..300u16 {
            let mut p = protocol;
            p[..2].copy_from_slice(&i.to_be_bytes());
            assert_eq!(
                tls13_client_config_builder_add_alpn(b, p.as_ptr(), p.len()),
                TLS13_OK
            );
        }
        let mut config = null();
        let r = tls13_client_config_builder_build(b, &mut config);
        if r == TLS13_OK {
            let mut conn = null_mut();
            let r = tls13_client_conn_new(config, c"localhost".as_ptr(), &mut conn);
            tls13_client_config_free(config);
            assert_ne!(r, TLS13_OK, "a ClientHello with 76 KB of ALPN");
            assert_ne!(r, TLS13_ERR_PANIC);
            assert!(conn.is_null());
        } else {
            assert_ne!(r, TLS13_ERR_PANIC);
            assert!(config.is_null());
        }
    }
}

/// An external PSK needs an identity (1 to 65535 bytes, RFC 9846 §4.2.11)
/// and a secret: empty ones (NULL with length 0 is how C says empty) are
/// refused when added, on both sides.
#[test]
fn an_external_psk_without_identity_or_secret_is_refused() {
    let secret = [7u8; 32];
    let long = vec![b'i'; 65536];
    unsafe {
        let cb = tls13_client_config_builder_new();
        let sb = tls13_server_config_builder_new();
        for (id, id_len, s, s_len) in [
            (null(), 0, secret.as_ptr(), secret.len()),
            (b"id".as_ptr(), 2, null(), 0),
            (long.as_ptr(), long.len(), secret.as_ptr(), secret.len()),
        ] {
            let r = tls13_client_config_builder_set_external_psk(
                cb,
                id,
                id_len,
                s,
                s_len,
                TLS13_PSK_SHA256,
            );
            assert!(
                r != TLS13_OK && r != TLS13_ERR_PANIC,
                "client {id_len} {s_len}: {r}"
            );
            let r = tls13_server_config_builder_add_external_psk(
                sb,
                id,
                id_len,
                s,
                s_len,
                TLS13_PSK_SHA256,
            );
            assert!(
                r != TLS13_OK && r != TLS13_ERR_PANIC,
                "server {id_len} {s_len}: {r}"
            );
        }
        tls13_client_config_builder_free(cb);
        tls13_server_config_builder_free(sb);
    }
}
