/*
 * What the C test programs share: the test stream (the same bytes as
 * tests/peers/mod.rs's pattern(), so the Rust side can check files
 * written by openssl), error reporting, and the non-blocking socket loop
 * that drives a tls13_conn. Plain C11 + POSIX.
 */
#ifndef TLS13_TEST_COMMON_H
#define TLS13_TEST_COMMON_H

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls13.h"

#define PATTERN_LEN 65521u

static unsigned char pattern_block[PATTERN_LEN];

/* xorshift32 from 0x9e3779b9, low byte of each state: tests/peers. */
static inline void pattern_init(void) {
    uint32_t x = 0x9e3779b9u;
    for (size_t i = 0; i < PATTERN_LEN; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pattern_block[i] = (unsigned char)x;
    }
}

static inline void pattern_fill(size_t offset, unsigned char *out, size_t len) {
    for (size_t i = 0; i < len; i++) {
        out[i] = pattern_block[(offset + i) % PATTERN_LEN];
    }
}

static inline int pattern_matches(size_t offset, const unsigned char *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (data[i] != pattern_block[(offset + i) % PATTERN_LEN]) {
            return 0;
        }
    }
    return 1;
}

/* Prints the failed call, its code and the library's sentence; exits 1. */
static inline void die(const char *what, tls13_result r) {
    char msg[512];
    size_t full = 0;
    tls13_last_error_message(msg, sizeof msg, &full);
    printf("error: %s: %d (%s): %s\n", what, r, tls13_result_str(r), msg);
    printf("error-code: %d\n", r);
    printf("error-alert: %d\n", tls13_last_error_alert());
    fflush(stdout);
    exit(1);
}

#define CHECK(call)                                                            \
    do {                                                                       \
        tls13_result r_ = (call);                                              \
        if (r_ != TLS13_OK) die(#call, r_);                                    \
    } while (0)

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes what the connection has to send; 0, or -1 on a transport error
 * (the peer may be gone after an alert). Non-blocking: may leave bytes. */
static inline int flush_output(tls13_conn *conn, int fd) {
    for (;;) {
        const uint8_t *out;
        size_t len;
        CHECK(tls13_conn_pending_output(conn, &out, &len));
        if (len == 0) return 0;
        ssize_t n = write(fd, out, len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            if (errno == EINTR) continue;
            return -1;
        }
        CHECK(tls13_conn_consume_output(conn, (size_t)n));
    }
}

static inline void print_hex(const char *label, const uint8_t *p, size_t len) {
    printf("%s: ", label);
    for (size_t i = 0; i < len; i++) printf("%02X", p[i]);
    printf("\n");
}

/* What one connection saw. */
struct session {
    int handshake_done;
    int tickets;
    int peer_closed;   /* close_notify or EOF after our own close */
    int verify_events;
    size_t sent, received;
    size_t total;      /* bytes to send and to receive, each way */
    int closing;       /* our close_notify queued */
};

/* A verdict that ended the connection (the refusal's result code): the
 * loop sends the alert, then reports it. */
static tls13_result verdict_failure = TLS13_OK;

/* The application's verdict on a chain handed out by a verify event. */
typedef void (*verify_fn)(tls13_conn *conn, void *ctx);

/* Drains the events; answers verification requests through `verify`. */
static inline void drain_events(tls13_conn *conn, struct session *s, verify_fn verify, void *ctx) {
    while (verdict_failure == TLS13_OK) {
        uint32_t ev;
        CHECK(tls13_conn_next_event(conn, &ev));
        switch (ev) {
        case TLS13_EVENT_NONE:
            return;
        case TLS13_EVENT_HANDSHAKE_COMPLETE:
            s->handshake_done = 1;
            break;
        case TLS13_EVENT_NEW_SESSION_TICKET:
            s->tickets++;
            break;
        case TLS13_EVENT_CLOSE_NOTIFY:
            s->peer_closed = 1;
            break;
        case TLS13_EVENT_VERIFY_SERVER_CERT:
        case TLS13_EVENT_VERIFY_CLIENT_CERT:
            s->verify_events++;
            if (verify == NULL) {
                printf("error: a verify event without a verifier\n");
                exit(1);
            }
            verify(conn, ctx);
            break;
        default:
            break;
        }
    }
}

/* Reads application data, checking it against the test stream. */
static inline void take_data(tls13_conn *conn, struct session *s) {
    const uint8_t *data;
    size_t len;
    CHECK(tls13_conn_received_data(conn, &data, &len));
    if (len == 0) return;
    if (s->received + len > s->total || !pattern_matches(s->received, data, len)) {
        printf("error: received bytes differ from the test stream at offset %zu (+%zu)\n",
               s->received, len);
        exit(1);
    }
    s->received += len;
    CHECK(tls13_conn_consume_received_data(conn, len));
}

/*
 * Drives the connection over the non-blocking socket `fd`: the handshake,
 * then `s->total` bytes of the test stream each way (sent while receiving,
 * so neither side blocks the other), then close_notify and the peer's
 * close. `until_tickets`: before closing, wait for that many session
 * tickets. Returns when the peer closed; exits on any error.
 */
static inline void run_session(tls13_conn *conn, int fd, struct session *s, int until_tickets,
                        verify_fn verify, void *ctx, void (*on_handshake)(tls13_conn *)) {
    static unsigned char chunk[64 * 1024];
    static unsigned char buf[64 * 1024];
    int reported = 0;
    double deadline = now_seconds() + 120.0;
    for (;;) {
        drain_events(conn, s, verify, ctx);
        if (verdict_failure != TLS13_OK) {
            /* Our refusal's alert goes out before we report it. */
            flush_output(conn, fd);
            die("the certificate verdict", verdict_failure);
        }
        take_data(conn, s);
        if (s->handshake_done && !reported) {
            reported = 1;
            on_handshake(conn);
        }
        /* Keep a few records queued at most. */
        if (s->handshake_done && s->sent < s->total) {
            const uint8_t *out;
            size_t pending;
            CHECK(tls13_conn_pending_output(conn, &out, &pending));
            if (pending < 256 * 1024) {
                size_t n = s->total - s->sent;
                if (n > sizeof chunk) n = sizeof chunk;
                pattern_fill(s->sent, chunk, n);
                size_t taken = 0;
                CHECK(tls13_conn_send(conn, chunk, n, &taken));
                s->sent += taken;
            }
        }
        if (s->handshake_done && !s->closing && s->sent == s->total &&
            s->received == s->total && s->tickets >= until_tickets) {
            CHECK(tls13_conn_close(conn));
            s->closing = 1;
        }
        if (flush_output(conn, fd) < 0 && s->closing) return;
        const uint8_t *out;
        size_t pending;
        CHECK(tls13_conn_pending_output(conn, &out, &pending));
        if (s->peer_closed && s->closing && pending == 0) return;
        if (now_seconds() > deadline) {
            printf("error: timed out: sent %zu, received %zu of %zu\n", s->sent, s->received,
                   s->total);
            exit(1);
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (pending > 0) p.events |= POLLOUT;
        if (!tls13_conn_wants_read(conn) && pending == 0 && !s->peer_closed) {
            /* Nothing to read for now (a decision pending): the events
             * above answered it, so loop. */
            continue;
        }
        if (poll(&p, 1, 100) < 0 && errno != EINTR) {
            perror("poll");
            exit(1);
        }
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            if (errno == ECONNRESET && s->closing) return;
            perror("read");
            exit(1);
        }
        if (n == 0) {
            tls13_result r = tls13_conn_receive_eof(conn);
            drain_events(conn, s, verify, ctx);
            if (s->closing) return; /* the peer closed the transport after ours */
            if (r != TLS13_OK) die("tls13_conn_receive_eof", r);
            return;
        }
        tls13_result r = tls13_conn_receive(conn, buf, (size_t)n);
        if (r != TLS13_OK) {
            /* Send the alert, then report. */
            flush_output(conn, fd);
            die("tls13_conn_receive", r);
        }
    }
}

/* Prints what the handshake negotiated, one `name: value` per line. */
static inline void print_negotiated(tls13_conn *conn) {
    const char *suite = tls13_cipher_suite_name(tls13_conn_cipher_suite(conn));
    const char *group = tls13_group_name(tls13_conn_key_exchange_group(conn));
    printf("handshake: ok\n");
    printf("version: 0x%04x\n", tls13_conn_protocol_version(conn));
    printf("suite: %s\n", suite ? suite : "?");
    printf("group: %s\n", group ? group : "none");
    printf("resumed: %s\n", tls13_conn_is_resumed(conn) ? "yes" : "no");
    const uint8_t *alpn;
    size_t alpn_len;
    CHECK(tls13_conn_alpn(conn, &alpn, &alpn_len));
    printf("alpn: %.*s\n", (int)alpn_len, alpn_len ? (const char *)alpn : "");
    printf("peer-certificates: %zu\n", tls13_conn_peer_certificate_count(conn));
    fflush(stdout);
}

#endif
