/*
 * A TLS 1.3 client in plain C over a POSIX socket, on the tls13 C API:
 * connects to 127.0.0.1:PORT, handshakes, exchanges BYTES of the test
 * stream each way (checked), closes with close_notify; CONNECTIONS times
 * with one configuration, so the later ones resume. Prints what it
 * negotiated as `name: value` lines for tests/interop.rs.
 *
 *   client --port N --ca FILE [--server-name NAME] [--cert FILE --key FILE]
 *          [--alpn P] [--bytes N] [--connections K] [--tickets K]
 *          [--exporter LABEL] [--verify roots|roots-then-app|app]
 *          [--pin DER_FILE]
 *
 * With --verify roots-then-app or app the server's chain arrives as an
 * event, answered by comparing the leaf with --pin (accept when equal,
 * reject otherwise): the deferred certificate check of the README.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common.h"

struct pin {
    unsigned char *der;
    size_t len;
};

static void check_pin(tls13_conn *conn, void *ctx) {
    const struct pin *pin = ctx;
    const uint8_t *leaf;
    size_t leaf_len;
    printf("verify-event: %zu certificates\n", tls13_conn_event_certificate_count(conn));
    CHECK(tls13_conn_event_certificate(conn, 0, &leaf, &leaf_len));
    if (pin->der != NULL && leaf_len == pin->len && memcmp(leaf, pin->der, leaf_len) == 0) {
        printf("verify-verdict: accept\n");
        CHECK(tls13_conn_accept_certificate(conn));
    } else {
        printf("verify-verdict: reject\n");
        /* 0: the default alert, bad_certificate. The connection fails:
         * the call returns TLS13_ERR_CERT_OTHER and queues the alert. */
        verdict_failure = tls13_conn_reject_certificate(conn, "not the pinned certificate", 0);
    }
}

static const char *exporter_label;

static void on_handshake(tls13_conn *conn) {
    print_negotiated(conn);
    if (exporter_label != NULL) {
        uint8_t km[32];
        CHECK(tls13_conn_export_keying_material(conn, (const uint8_t *)exporter_label,
                                                strlen(exporter_label), NULL, 0, km, sizeof km));
        print_hex("exporter", km, sizeof km);
    }
    fflush(stdout);
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static unsigned char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    int port = 0;
    const char *ca = NULL, *name = "localhost", *cert = NULL, *key = NULL, *alpn = NULL;
    const char *verify = "roots";
    size_t bytes = 0;
    int connections = 1, tickets = 0;
    struct pin pin = {NULL, 0};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--ca")) ca = v;
        else if (!strcmp(a, "--server-name")) name = v;
        else if (!strcmp(a, "--cert")) cert = v;
        else if (!strcmp(a, "--key")) key = v;
        else if (!strcmp(a, "--alpn")) alpn = v;
        else if (!strcmp(a, "--bytes")) bytes = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--connections")) connections = atoi(v);
        else if (!strcmp(a, "--tickets")) tickets = atoi(v);
        else if (!strcmp(a, "--exporter")) exporter_label = v;
        else if (!strcmp(a, "--verify")) verify = v;
        else if (!strcmp(a, "--pin")) pin.der = read_file(v, &pin.len);
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    pattern_init();

    tls13_client_config_builder *b = tls13_client_config_builder_new();
    if (ca != NULL) CHECK(tls13_client_config_builder_add_trust_anchors_file(b, ca));
    if (cert != NULL) CHECK(tls13_client_config_builder_set_client_cert_files(b, cert, key));
    if (alpn != NULL)
        CHECK(tls13_client_config_builder_add_alpn(b, (const uint8_t *)alpn, strlen(alpn)));
    uint32_t mode = !strcmp(verify, "app")              ? TLS13_VERIFY_APP
                    : !strcmp(verify, "roots-then-app") ? TLS13_VERIFY_ROOTS_THEN_APP
                                                        : TLS13_VERIFY_ROOTS;
    CHECK(tls13_client_config_builder_set_verification(b, mode));
    const tls13_client_config *config = NULL;
    CHECK(tls13_client_config_builder_build(b, &config));

    for (int c = 1; c <= connections; c++) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        /* The peer program may not listen yet: retry for 10 s. */
        int fd = -1;
        for (double until = now_seconds() + 10.0;;) {
            fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) break;
            if (fd >= 0) close(fd);
            if (now_seconds() > until) {
                perror("connect");
                return 1;
            }
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        printf("connection: %d\n", c);
        tls13_conn *conn = NULL;
        CHECK(tls13_client_conn_new(config, name, &conn));
        struct session s = {0};
        s.total = bytes;
        double start = now_seconds();
        run_session(conn, fd, &s, tickets, check_pin, &pin, on_handshake);
        printf("transferred: %zu sent, %zu received, checked, in %.2f s\n", s.sent, s.received,
               now_seconds() - start);
        printf("tickets: %d\n", s.tickets);
        printf("closed: %s\n", s.peer_closed ? "close_notify" : "eof");
        fflush(stdout);
        tls13_conn_free(conn);
        close(fd);
    }
    tls13_client_config_free(config);
    printf("done\n");
    return 0;
}
