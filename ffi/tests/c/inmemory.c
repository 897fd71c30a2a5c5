/*
 * The C API without sockets: a client and a server connection in one
 * process, each one's output given to the other, through mutual TLS with
 * both certificate checks deferred to this program; then the misuse the
 * API must refuse with a code (NULL arguments, impossible lengths,
 * answers nobody asked for, calls on the wrong side) and a refused client
 * certificate whose error stays sticky; external PSKs without
 * certificates; session tickets, resumption and 0-RTT. Run under ASan and under valgrind
 * (tests/memcheck.rs): no leak, no invalid access.
 *
 *   inmemory CA_PEM SERVER_PEM SERVER_KEY CLIENT_CA_PEM CLIENT_PEM CLIENT_KEY
 */
#include "common.h"

static int checks;

#define EXPECT(cond)                                                           \
    do {                                                                       \
        checks++;                                                              \
        if (!(cond)) {                                                         \
            char m_[512];                                                      \
            tls13_last_error_message(m_, sizeof m_, NULL);                     \
            printf("FAILED at line %d: %s (last error: %s)\n", __LINE__, #cond, m_); \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

#define EXPECT_CODE(call, code) EXPECT((call) == (code))

/* Moves everything `from` has to send into `to`; whether anything moved.
 * The receiving side reads through the zero-copy receive buffer; every
 * other time, the filled space is given to tls13_conn_receive instead of
 * tls13_conn_commit_received (a mix-up the API must survive: memory the
 * connection lent, given back as input, is copied first). */
static int pump(tls13_conn *from, tls13_conn *to, tls13_result *to_result) {
    static int calls;
    const uint8_t *out;
    size_t len;
    CHECK(tls13_conn_pending_output(from, &out, &len));
    if (len == 0) return 0;
    uint8_t *space;
    CHECK(tls13_conn_receive_buffer(to, len, &space));
    memcpy(space, out, len);
    if (calls++ % 2 == 0)
        *to_result = tls13_conn_commit_received(to, len);
    else
        *to_result = tls13_conn_receive(to, space, len);
    CHECK(tls13_conn_consume_output(from, len));
    return 1;
}

struct seen {
    int complete, verify, close_notify;
};

/* Drains events; accepts every deferred verification (after checking
 * the chain is there), or refuses it when `refuse`. */
static tls13_result events(tls13_conn *conn, struct seen *s, int refuse) {
    uint32_t ev;
    for (;;) {
        CHECK(tls13_conn_next_event(conn, &ev));
        if (ev == TLS13_EVENT_NONE) return TLS13_OK;
        if (ev == TLS13_EVENT_HANDSHAKE_COMPLETE) s->complete++;
        if (ev == TLS13_EVENT_CLOSE_NOTIFY) s->close_notify++;
        if (ev == TLS13_EVENT_VERIFY_SERVER_CERT || ev == TLS13_EVENT_VERIFY_CLIENT_CERT) {
            s->verify++;
            const uint8_t *der;
            size_t der_len;
            EXPECT(tls13_conn_event_certificate_count(conn) >= 1);
            CHECK(tls13_conn_event_certificate(conn, 0, &der, &der_len));
            EXPECT(der_len > 100 && der[0] == 0x30); /* a DER SEQUENCE */
            EXPECT_CODE(tls13_conn_event_certificate(conn, 99, &der, &der_len),
                        TLS13_ERR_INVALID_ARGUMENT);
            /* Nothing the peer sent is handed out before its
             * certificate is accepted (a server's 0.5-RTT data, a
             * client's data after its Finished). */
            const uint8_t *data;
            size_t data_len;
            CHECK(tls13_conn_received_data(conn, &data, &data_len));
            EXPECT(data_len == 0 && data == NULL);
            if (refuse) return tls13_conn_reject_certificate(conn, "not on the list", 0);
            CHECK(tls13_conn_accept_certificate(conn));
            /* Answered already: a second verdict is refused, and the
             * first one stands. */
            EXPECT_CODE(tls13_conn_accept_certificate(conn), TLS13_ERR_BAD_CONFIG);
            EXPECT_CODE(tls13_conn_reject_certificate(conn, NULL, 0), TLS13_ERR_BAD_CONFIG);
        }
    }
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static const tls13_client_config *client_config(char **argv) {
    tls13_client_config_builder *b = tls13_client_config_builder_new();
    EXPECT(b != NULL);
    CHECK(tls13_client_config_builder_add_trust_anchors_file(b, argv[1]));
    CHECK(tls13_client_config_builder_set_client_cert_files(b, argv[5], argv[6]));
    CHECK(tls13_client_config_builder_set_verification(b, TLS13_VERIFY_ROOTS_THEN_APP));
    CHECK(tls13_client_config_builder_add_alpn(b, (const uint8_t *)"h2", 2));
    const uint16_t groups[] = {0x001d, 0x0017};
    CHECK(tls13_client_config_builder_set_groups(b, groups, 2));
    const tls13_client_config *c = NULL;
    CHECK(tls13_client_config_builder_build(b, &c));
    return c;
}

static const tls13_server_config *server_config(char **argv) {
    tls13_server_config_builder *b = tls13_server_config_builder_new();
    size_t cert_len, key_len;
    char *cert = slurp(argv[2], &cert_len), *key = slurp(argv[3], &key_len);
    CHECK(tls13_server_config_builder_set_cert_pem(b, (const uint8_t *)cert, cert_len,
                                                   (const uint8_t *)key, key_len));
    free(cert);
    free(key);
    CHECK(tls13_server_config_builder_add_client_trust_anchors_file(b, argv[4]));
    CHECK(tls13_server_config_builder_set_client_auth(b, TLS13_CLIENT_AUTH_REQUIRED,
                                                      TLS13_VERIFY_ROOTS_THEN_APP));
    CHECK(tls13_server_config_builder_add_alpn(b, (const uint8_t *)"h2", 2));
    const tls13_server_config *s = NULL;
    CHECK(tls13_server_config_builder_build(b, &s));
    return s;
}

static void misuse(char **argv) {
    const tls13_client_config *cc = NULL;
    tls13_conn *conn = (tls13_conn *)&checks; /* overwritten with NULL on failure */
    /* NULL handles and out pointers. */
    EXPECT_CODE(tls13_client_conn_new(NULL, "localhost", &conn), TLS13_ERR_NULL_ARGUMENT);
    EXPECT(conn == NULL);
    EXPECT_CODE(tls13_conn_receive(NULL, NULL, 0), TLS13_ERR_NULL_ARGUMENT);
    EXPECT_CODE(tls13_client_config_builder_add_alpn(NULL, (const uint8_t *)"h2", 2),
                TLS13_ERR_NULL_ARGUMENT);
    EXPECT_CODE(tls13_client_config_builder_build(NULL, &cc), TLS13_ERR_NULL_ARGUMENT);
    EXPECT(cc == NULL);
    EXPECT(!tls13_conn_is_handshaking(NULL) && !tls13_conn_wants_read(NULL));
    EXPECT(tls13_conn_cipher_suite(NULL) == 0);
    tls13_conn_free(NULL);
    tls13_client_config_free(NULL);
    tls13_server_config_free(NULL);
    tls13_client_config_builder_free(NULL);
    tls13_server_config_builder_free(NULL);

    /* Builder arguments. */
    tls13_client_config_builder *b = tls13_client_config_builder_new();
    EXPECT_CODE(tls13_client_config_builder_add_trust_anchors_pem(b, NULL, 10),
                TLS13_ERR_NULL_ARGUMENT);
    EXPECT_CODE(tls13_client_config_builder_add_alpn(b, (const uint8_t *)"", 0),
                TLS13_ERR_INVALID_ARGUMENT);
    EXPECT_CODE(tls13_client_config_builder_set_verification(b, 7), TLS13_ERR_INVALID_ARGUMENT);
    EXPECT_CODE(tls13_client_config_builder_set_groups(b, NULL, 0), TLS13_ERR_INVALID_ARGUMENT);
    EXPECT_CODE(tls13_client_config_builder_add_trust_anchors_file(b, "/nonexistent/ca.pem"),
                TLS13_ERR_BAD_PEM);
    /* A key file is not a trust anchor. */
    EXPECT_CODE(tls13_client_config_builder_add_trust_anchors_file(b, argv[3]), TLS13_ERR_BAD_PEM);
    char msg[256];
    size_t full = 0;
    CHECK(tls13_last_error_message(msg, sizeof msg, &full));
    EXPECT(full > 0 && strlen(msg) == (full < sizeof msg ? full : sizeof msg - 1));
    EXPECT(tls13_last_error_alert() == -1);
    /* No trust anchors: refused at build, and the builder is gone. */
    EXPECT_CODE(tls13_client_config_builder_build(b, &cc), TLS13_ERR_BAD_CONFIG);
    EXPECT(cc == NULL);
    tls13_server_config_builder *sb = tls13_server_config_builder_new();
    EXPECT_CODE(tls13_server_config_builder_set_client_auth(sb, 5, TLS13_VERIFY_ROOTS),
                TLS13_ERR_INVALID_ARGUMENT);
    tls13_server_config_builder_free(sb);
    /* A NULL out pointer: refused, and the builders are freed all the
     * same, as the header says (LeakSanitizer and valgrind would report
     * them otherwise). */
    b = tls13_client_config_builder_new();
    CHECK(tls13_client_config_builder_add_alpn(b, (const uint8_t *)"h2", 2));
    EXPECT_CODE(tls13_client_config_builder_build(b, NULL), TLS13_ERR_NULL_ARGUMENT);
    sb = tls13_server_config_builder_new();
    CHECK(tls13_server_config_builder_add_alpn(sb, (const uint8_t *)"h2", 2));
    EXPECT_CODE(tls13_server_config_builder_build(sb, NULL), TLS13_ERR_NULL_ARGUMENT);

    /* Connection calls that do not apply. */
    cc = client_config(argv);
    EXPECT_CODE(tls13_client_conn_new(cc, "not a name!", &conn), TLS13_ERR_BAD_CONFIG);
    EXPECT(conn == NULL);
    CHECK(tls13_client_conn_new(cc, "localhost", &conn));
    const uint8_t *out;
    size_t len;
    CHECK(tls13_conn_pending_output(conn, &out, &len));
    EXPECT(len > 0); /* the ClientHello */
    EXPECT_CODE(tls13_conn_consume_output(conn, len + 1), TLS13_ERR_INVALID_ARGUMENT);
    CHECK(tls13_conn_pending_output(conn, &out, &len));
    EXPECT(len > 0); /* nothing was dropped */
    EXPECT_CODE(tls13_conn_consume_received_data(conn, 1), TLS13_ERR_INVALID_ARGUMENT);
    EXPECT_CODE(tls13_conn_commit_received(conn, 1), TLS13_ERR_INVALID_ARGUMENT);
    EXPECT_CODE(tls13_conn_pending_output(conn, NULL, &len), TLS13_ERR_NULL_ARGUMENT);
    EXPECT_CODE(tls13_conn_accept_certificate(conn), TLS13_ERR_BAD_CONFIG);
    EXPECT_CODE(tls13_conn_request_client_certificate(conn), TLS13_ERR_INVALID_ARGUMENT);
    uint8_t km[16];
    EXPECT_CODE(tls13_conn_export_keying_material(conn, (const uint8_t *)"l", 1, NULL, 0, km, 16),
                TLS13_ERR_HANDSHAKE_NOT_COMPLETE);
    EXPECT_CODE(tls13_conn_receive(conn, NULL, 5), TLS13_ERR_NULL_ARGUMENT);
    EXPECT(tls13_conn_is_handshaking(conn)); /* all of that left it usable */
    tls13_conn_free(conn);
    tls13_client_config_free(cc);
}

/* A full mutual-TLS handshake in memory; both checks deferred. */
static void handshake(char **argv) {
    const tls13_client_config *cc = client_config(argv);
    const tls13_server_config *sc = server_config(argv);
    tls13_conn *client, *server;
    CHECK(tls13_client_conn_new(cc, "localhost", &client));
    CHECK(tls13_server_conn_new(sc, &server));
    /* The configurations may go: the connections hold their own. */
    tls13_client_config_free(cc);
    tls13_server_config_free(sc);
    uint8_t early[8];
    size_t n = 99;
    EXPECT_CODE(tls13_conn_send_early_data(server, early, sizeof early, &n),
                TLS13_ERR_INVALID_ARGUMENT);
    CHECK(tls13_conn_send(client, (const uint8_t *)"ping", 4, NULL));
    struct seen cs = {0}, ss = {0};
    tls13_result r = TLS13_OK;
    for (int round = 0; round < 20; round++) {
        int moved = pump(client, server, &r);
        CHECK(r);
        CHECK(events(server, &ss, 0));
        moved |= pump(server, client, &r);
        CHECK(r);
        CHECK(events(client, &cs, 0));
        if (!moved) break;
    }
    EXPECT(cs.complete == 1 && ss.complete == 1);
    EXPECT(cs.verify == 1 && ss.verify == 1);
    EXPECT(tls13_conn_protocol_version(client) == 0x0304);
    EXPECT(tls13_conn_key_exchange_group(client) == 0x001d);
    EXPECT(tls13_conn_cipher_suite(client) == tls13_conn_cipher_suite(server));
    const uint8_t *p;
    size_t plen;
    CHECK(tls13_conn_alpn(server, &p, &plen));
    EXPECT(plen == 2 && memcmp(p, "h2", 2) == 0);
    CHECK(tls13_conn_server_name(server, &p, &plen));
    EXPECT(plen == 9 && memcmp(p, "localhost", 9) == 0);
    EXPECT(tls13_conn_peer_certificate_count(server) == 1); /* the client's */
    CHECK(tls13_conn_peer_certificate(server, 0, &p, &plen));
    EXPECT(plen > 100 && p[0] == 0x30);
    EXPECT_CODE(tls13_conn_peer_certificate(server, 1, &p, &plen), TLS13_ERR_INVALID_ARGUMENT);
    uint8_t k1[32], k2[32];
    CHECK(tls13_conn_export_keying_material(client, (const uint8_t *)"EXPORTER-test", 13,
                                            (const uint8_t *)"ctx", 3, k1, 32));
    CHECK(tls13_conn_export_keying_material(server, (const uint8_t *)"EXPORTER-test", 13,
                                            (const uint8_t *)"ctx", 3, k2, 32));
    EXPECT(memcmp(k1, k2, 32) == 0);
    /* In place: the output buffer holds the context. */
    uint8_t inplace[32] = {'c', 't', 'x'};
    CHECK(tls13_conn_export_keying_material(client, (const uint8_t *)"EXPORTER-test", 13, inplace,
                                            3, inplace, 32));
    EXPECT(memcmp(inplace, k1, 32) == 0);
    /* The data held during the handshake arrived. Memory the connection
     * lent is no place to write, */
    CHECK(tls13_conn_received_data(server, &p, &plen));
    EXPECT(plen == 4 && memcmp(p, "ping", 4) == 0);
    EXPECT_CODE(tls13_conn_read(server, (uint8_t *)p, plen, &n), TLS13_ERR_INVALID_ARGUMENT);
    /* but it may go back in as input: an echo. */
    CHECK(tls13_conn_send(server, p, plen, &n));
    EXPECT(n == 4);
    uint8_t buf[16];
    CHECK(tls13_conn_read(server, buf, sizeof buf, &n));
    EXPECT(n == 4 && memcmp(buf, "ping", 4) == 0);
    CHECK(tls13_conn_update_keys(server, true));
    CHECK(tls13_conn_send(server, (const uint8_t *)"pong", 4, &n));
    EXPECT(n == 4);
    CHECK(tls13_conn_close(server));
    EXPECT_CODE(tls13_conn_send(server, (const uint8_t *)"x", 1, NULL), TLS13_ERR_CONNECTION_CLOSED);
    pump(server, client, &r);
    CHECK(r);
    CHECK(events(client, &cs, 0));
    CHECK(tls13_conn_received_data(client, &p, &plen));
    EXPECT(plen == 8 && memcmp(p, "pingpong", 8) == 0);
    CHECK(tls13_conn_consume_received_data(client, plen));
    EXPECT(cs.close_notify == 1);
    CHECK(tls13_conn_close(client));
    pump(client, server, &r);
    CHECK(r);
    CHECK(events(server, &ss, 0));
    EXPECT(ss.close_notify == 1);
    CHECK(tls13_conn_release_buffers(client));
    tls13_conn_free(client);
    tls13_conn_free(server);
}

/* The server refuses the client's certificate: the refusal is the
 * error, it stays, and the client gets the alert. */
static void refusal(char **argv) {
    const tls13_client_config *cc = client_config(argv);
    const tls13_server_config *sc = server_config(argv);
    tls13_conn *client, *server;
    CHECK(tls13_client_conn_new(cc, "localhost", &client));
    CHECK(tls13_server_conn_new(sc, &server));
    struct seen cs = {0}, ss = {0};
    tls13_result r = TLS13_OK, refused = TLS13_OK;
    for (int round = 0; round < 20 && refused == TLS13_OK; round++) {
        pump(client, server, &r);
        CHECK(r);
        refused = events(server, &ss, 1);
        if (refused != TLS13_OK) break;
        pump(server, client, &r);
        CHECK(r);
        CHECK(events(client, &cs, 0));
    }
    EXPECT(refused == TLS13_ERR_CERT_OTHER);
    EXPECT(tls13_result_is_certificate_error(refused));
    EXPECT(tls13_last_error_alert() == 42);
    char msg[256];
    CHECK(tls13_last_error_message(msg, sizeof msg, NULL));
    EXPECT(strstr(msg, "not on the list") != NULL);
    /* Sticky. */
    EXPECT_CODE(tls13_conn_receive(server, NULL, 0), TLS13_ERR_CERT_OTHER);
    /* The alert reaches the client. */
    pump(server, client, &r);
    EXPECT(r == TLS13_ERR_ALERT_RECEIVED);
    EXPECT(tls13_last_error_alert() == 42);
    tls13_conn_free(client);
    tls13_conn_free(server);
    tls13_client_config_free(cc);
    tls13_server_config_free(sc);
}


/* Runs client and server against each other until neither has output;
 * every result must be TLS13_OK. */
static void converse(tls13_conn *client, tls13_conn *server, struct seen *cs, struct seen *ss) {
    tls13_result r = TLS13_OK;
    for (int round = 0; round < 20; round++) {
        int moved = pump(client, server, &r);
        CHECK(r);
        CHECK(events(server, ss, 0));
        moved |= pump(server, client, &r);
        CHECK(r);
        CHECK(events(client, cs, 0));
        if (!moved) break;
    }
}

/* External PSKs without certificates: a PSK-only server knows two
 * devices and says which one connected. */
static void external_psk(void) {
    static const uint8_t secret[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    tls13_server_config_builder *sb = tls13_server_config_builder_new();
    CHECK(tls13_server_config_builder_add_external_psk(sb, (const uint8_t *)"sensor-1", 8, secret, 32,
                                                       TLS13_PSK_SHA256));
    CHECK(tls13_server_config_builder_add_external_psk(sb, (const uint8_t *)"sensor-2", 8, secret, 32,
                                                       TLS13_PSK_SHA256));
    EXPECT_CODE(tls13_server_config_builder_add_external_psk(sb, (const uint8_t *)"x", 1, secret,
                                                             32, 9),
                TLS13_ERR_INVALID_ARGUMENT);
    const tls13_server_config *sc;
    CHECK(tls13_server_config_builder_build(sb, &sc));
    tls13_client_config_builder *cb = tls13_client_config_builder_new();
    CHECK(tls13_client_config_builder_set_external_psk(cb, (const uint8_t *)"sensor-2", 8, secret,
                                                       32, TLS13_PSK_SHA256));
    const tls13_client_config *cc;
    CHECK(tls13_client_config_builder_build(cb, &cc)); /* no anchors: the PSK authenticates */
    tls13_conn *client, *server;
    CHECK(tls13_client_conn_new(cc, "gateway.example", &client));
    CHECK(tls13_server_conn_new(sc, &server));
    struct seen cs = {0}, ss = {0};
    converse(client, server, &cs, &ss);
    EXPECT(cs.complete == 1 && ss.complete == 1);
    EXPECT(tls13_conn_is_resumed(server)); /* a PSK handshake */
    EXPECT(tls13_conn_peer_certificate_count(client) == 0);
    const uint8_t *id;
    size_t id_len;
    CHECK(tls13_conn_psk_identity(server, &id, &id_len));
    EXPECT(id_len == 8 && memcmp(id, "sensor-2", 8) == 0);
    tls13_conn_free(client);
    tls13_conn_free(server);
    tls13_client_config_free(cc);
    tls13_server_config_free(sc);
}

/* Session tickets, resumption and 0-RTT: the second connection from the
 * same client configuration resumes and its early data is accepted. */
static void resumption_and_early_data(char **argv) {
    tls13_server_config_builder *sb = tls13_server_config_builder_new();
    CHECK(tls13_server_config_builder_set_cert_files(sb, argv[2], argv[3]));
    CHECK(tls13_server_config_builder_set_session_tickets(sb, 2));
    CHECK(tls13_server_config_builder_set_max_early_data(sb, 1024));
    const tls13_server_config *sc;
    CHECK(tls13_server_config_builder_build(sb, &sc));
    tls13_client_config_builder *cb = tls13_client_config_builder_new();
    CHECK(tls13_client_config_builder_add_trust_anchors_file(cb, argv[1]));
    CHECK(tls13_client_config_builder_set_early_data(cb, true));
    const tls13_client_config *cc;
    CHECK(tls13_client_config_builder_build(cb, &cc));
    for (int round = 0; round < 2; round++) {
        tls13_conn *client, *server;
        CHECK(tls13_client_conn_new(cc, "localhost", &client));
        CHECK(tls13_server_conn_new(sc, &server));
        size_t early = 0;
        CHECK(tls13_conn_send_early_data(client, (const uint8_t *)"GET /", 5, &early));
        EXPECT(early == (round == 0 ? 0u : 5u)); /* 0-RTT only with a ticket */
        struct seen cs = {0}, ss = {0};
        /* The server's 0-RTT event carries the data. */
        tls13_result r = TLS13_OK;
        pump(client, server, &r);
        CHECK(r);
        uint32_t ev;
        int early_seen = 0;
        do {
            CHECK(tls13_conn_next_event(server, &ev));
            if (ev == TLS13_EVENT_EARLY_DATA) {
                const uint8_t *d;
                size_t dlen;
                CHECK(tls13_conn_event_data(server, &d, &dlen));
                EXPECT(dlen == 5 && memcmp(d, "GET /", 5) == 0);
                /* 0-RTT data (a possible replay) arrives only as this
                 * event, never among the ordinary received data. */
                CHECK(tls13_conn_received_data(server, &d, &dlen));
                EXPECT(dlen == 0);
                early_seen = 1;
            }
        } while (ev != TLS13_EVENT_NONE);
        converse(client, server, &cs, &ss);
        EXPECT(cs.complete == 1 && ss.complete == 1);
        EXPECT(tls13_conn_is_resumed(client) == (round == 1));
        EXPECT(tls13_conn_early_data_accepted(client) == (round == 1));
        EXPECT(early_seen == (round == 1));
        tls13_conn_free(client);
        tls13_conn_free(server);
    }
    tls13_client_config_free(cc);
    tls13_server_config_free(sc);
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: inmemory CA SERVER KEY CLIENT_CA CLIENT CLIENT_KEY\n");
        return 2;
    }
    misuse(argv);
    handshake(argv);
    refusal(argv);
    external_psk();
    resumption_and_early_data(argv);
    printf("inmemory: %d checks held\n", checks);
    return 0;
}
