/*
 * A TLS 1.3 server in plain C over POSIX sockets, on the tls13 C API:
 * listens on 127.0.0.1 (an OS-chosen port, printed as `port: N`), serves
 * CONNECTIONS clients one after the other: handshake, BYTES of the test
 * stream each way (checked), close_notify. Prints what each negotiated.
 *
 *   server --cert FILE --key FILE [--client-ca FILE [--require-client-cert]]
 *          [--tickets N] [--alpn P] [--bytes N] [--connections K]
 *          [--verify roots|roots-then-app|app]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common.h"

/* The application's check of a client chain: accept any chain of one or
 * more certificates (the roots, if configured, were checked first). */
static void accept_client(tls13_conn *conn, void *ctx) {
    (void)ctx;
    printf("verify-event: %zu certificates\n", tls13_conn_event_certificate_count(conn));
    CHECK(tls13_conn_accept_certificate(conn));
}

static void on_handshake(tls13_conn *conn) {
    print_negotiated(conn);
    const uint8_t *sni;
    size_t sni_len;
    CHECK(tls13_conn_server_name(conn, &sni, &sni_len));
    printf("sni: %.*s\n", (int)sni_len, sni_len ? (const char *)sni : "");
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *cert = NULL, *key = NULL, *client_ca = NULL, *alpn = NULL, *verify = "roots";
    int require = 0, connections = 1;
    size_t bytes = 0, tickets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--require-client-cert")) {
            require = 1;
            continue;
        }
        i++;
        if (!strcmp(a, "--cert")) cert = v;
        else if (!strcmp(a, "--key")) key = v;
        else if (!strcmp(a, "--client-ca")) client_ca = v;
        else if (!strcmp(a, "--tickets")) tickets = (size_t)atoi(v);
        else if (!strcmp(a, "--alpn")) alpn = v;
        else if (!strcmp(a, "--bytes")) bytes = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--connections")) connections = atoi(v);
        else if (!strcmp(a, "--verify")) verify = v;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    pattern_init();

    tls13_server_config_builder *b = tls13_server_config_builder_new();
    CHECK(tls13_server_config_builder_set_cert_files(b, cert, key));
    if (alpn != NULL)
        CHECK(tls13_server_config_builder_add_alpn(b, (const uint8_t *)alpn, strlen(alpn)));
    if (client_ca != NULL) {
        uint32_t mode = !strcmp(verify, "app")              ? TLS13_VERIFY_APP
                        : !strcmp(verify, "roots-then-app") ? TLS13_VERIFY_ROOTS_THEN_APP
                                                            : TLS13_VERIFY_ROOTS;
        CHECK(tls13_server_config_builder_add_client_trust_anchors_file(b, client_ca));
        CHECK(tls13_server_config_builder_set_client_auth(
            b, require ? TLS13_CLIENT_AUTH_REQUIRED : TLS13_CLIENT_AUTH_OPTIONAL, mode));
    }
    CHECK(tls13_server_config_builder_set_session_tickets(b, tickets));
    const tls13_server_config *config = NULL;
    CHECK(tls13_server_config_builder_build(b, &config));

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 4) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("listen");
        return 1;
    }
    printf("port: %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    for (int c = 1; c <= connections; c++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            perror("accept");
            return 1;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        printf("connection: %d\n", c);
        tls13_conn *conn = NULL;
        CHECK(tls13_server_conn_new(config, &conn));
        struct session s = {0};
        s.total = bytes;
        double start = now_seconds();
        run_session(conn, fd, &s, 0, accept_client, NULL, on_handshake);
        printf("transferred: %zu sent, %zu received, checked, in %.2f s\n", s.sent, s.received,
               now_seconds() - start);
        printf("closed: %s\n", s.peer_closed ? "close_notify" : "eof");
        fflush(stdout);
        tls13_conn_free(conn);
        close(fd);
    }
    close(lfd);
    tls13_server_config_free(config);
    printf("done\n");
    return 0;
}
