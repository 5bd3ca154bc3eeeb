/* TEST-ONLY host tool: serves the firmware's WebSocket code (app/ws + the /ws/test echo) over
 * plain Linux sockets on 127.0.0.1, so that real clients, the conformance suite and the
 * benchmarks can exercise it before (and independently of) the lwIP server. A
 * single-threaded poll() loop that mirrors what the firmware's server does: a bounded output
 * buffer per connection stands in for the TCP send buffer (space/write/flush/close), and
 * input the connection does not consume stays unread (back-pressure). The firmware never
 * uses this file.
 *
 *   ws_sock_harness [-p port] [-o out_buf_bytes] [-i ping_ms] [-t peer_timeout_ms]
 *                   [-c close_timeout_ms] [-m msg_max]
 * Prints "listening on 127.0.0.1:PORT" once ready (-p 0 picks a free port). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/api/ws_echo.h"
#include "app/http/http_parser.h"
#include "app/ws/ws_conn.h"
#include "app/ws/ws_handshake.h"

#define MAX_CLIENTS 256
#define IN_CAP      16384
#define OUT_CAP_MAX (1 << 20)

enum { C_FREE, C_HTTP, C_WS, C_DRAIN };

typedef struct {
    int fd;
    int state;
    int closing; /* io->close was called: flush, FIN, drain, close */
    uint32_t drain_since;
    size_t in_len, out_len;
    uint8_t in[IN_CAP];
    uint8_t *out;
    ws_conn_t ws;
} client_t;

static client_t clients[MAX_CLIENTS];
static size_t out_cap = 16384;
static ws_limits_t limits;

static uint32_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(ts.tv_sec * 1000u + ts.tv_nsec / 1000000u);
}

static void flush_out(client_t *cl)
{
    while (cl->out_len) {
        ssize_t k = send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL);
        if (k <= 0) return;
        memmove(cl->out, cl->out + k, cl->out_len - (size_t)k);
        cl->out_len -= (size_t)k;
    }
}

static size_t io_space(void *ctx)
{
    client_t *cl = ctx;
    return out_cap - cl->out_len;
}

static int io_write(void *ctx, const void *p, size_t n)
{
    client_t *cl = ctx;
    if (out_cap - cl->out_len < n) return -1;
    memcpy(cl->out + cl->out_len, p, n);
    cl->out_len += n;
    return 0;
}

static void io_flush(void *ctx)
{
    flush_out(ctx);
}

static void io_close(void *ctx)
{
    client_t *cl = ctx;
    cl->closing = 1;
    cl->drain_since = now_ms();
}

static const ws_io_t sock_io = {io_space, io_write, io_flush, io_close};

static void drop(client_t *cl)
{
    if (cl->state == C_WS) ws_conn_on_tcp_closed(&cl->ws);
    close(cl->fd);
    cl->state = C_FREE;
}

/* ---- a minimal HTTP request reader (the firmware has its own parser) ---- */

static int has_token(const char *v, const char *tok)
{
    size_t tl = strlen(tok);
    while (*v) {
        while (*v == ' ' || *v == ',' || *v == '\t')
            v++;
        const char *s = v;
        while (*v && *v != ',')
            v++;
        const char *e = v;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == tl && strncasecmp(s, tok, tl) == 0) return 1;
    }
    return 0;
}

static void copy_val(char *dst, size_t cap, const char *v)
{
    snprintf(dst, cap, "%s", v);
}

static int parse_request(char *head, http_request_t *r)
{
    memset(r, 0, sizeof(*r));
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    if (!line) return -1;
    char method[16], target[256], version[16];
    if (sscanf(line, "%15s %255s %15s", method, target, version) != 3) return -1;
    r->method = strcmp(method, "GET") == 0 ? HTTP_M_GET : HTTP_M_POST;
    r->version_minor = strcmp(version, "HTTP/1.1") == 0 ? 1 : 0;
    copy_val(r->target, sizeof(r->target), target);
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *end = v + strlen(v);
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!strcasecmp(line, "Upgrade")) r->upgrade_ws = (uint8_t)has_token(v, "websocket");
        if (!strcasecmp(line, "Connection")) r->conn_upgrade = (uint8_t)has_token(v, "upgrade");
        if (!strcasecmp(line, "Sec-WebSocket-Key")) copy_val(r->ws_key, sizeof(r->ws_key), v);
        if (!strcasecmp(line, "Sec-WebSocket-Version"))
            copy_val(r->ws_version, sizeof(r->ws_version), v);
        if (!strcasecmp(line, "Sec-WebSocket-Protocol"))
            copy_val(r->ws_protocol, sizeof(r->ws_protocol), v);
        if (!strcasecmp(line, "Origin")) copy_val(r->origin, sizeof(r->origin), v);
        if (!strcasecmp(line, "Host")) copy_val(r->host, sizeof(r->host), v);
    }
    return 0;
}

static void feed_ws(client_t *cl)
{
    if (!cl->in_len) return;
    size_t used = ws_conn_on_bytes(&cl->ws, cl->in, cl->in_len);
    memmove(cl->in, cl->in + used, cl->in_len - used);
    cl->in_len -= used;
}

static void on_http(client_t *cl)
{
    uint8_t *end = memmem(cl->in, cl->in_len, "\r\n\r\n", 4);
    if (!end) {
        if (cl->in_len >= 4096) drop(cl);
        return;
    }
    size_t head_len = (size_t)(end - cl->in) + 4;
    char head[4100];
    memcpy(head, cl->in, head_len);
    head[head_len] = '\0';
    memmove(cl->in, cl->in + head_len, cl->in_len - head_len);
    cl->in_len -= head_len;

    http_request_t req;
    char resp[512];
    size_t n;
    ws_handshake_t hs;
    static const char *const protocols[] = {"edgeartist.v1", "chat"};
    static const ws_handshake_policy_t policy = {NULL, 0, protocols, 2};
    if (parse_request(head, &req) != 0) {
        drop(cl);
        return;
    }
    if (strncmp(req.target, "/ws/test", 8) != 0 || (req.target[8] && req.target[8] != '?')) {
        n = (size_t)snprintf(resp, sizeof(resp),
                             "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                             "Connection: close\r\nContent-Length: 45\r\n\r\n"
                             "{\"error\":{\"code\":\"not_found\",\"message\":\"\"}}\n ");
        io_write(cl, resp, n);
        cl->state = C_DRAIN;
        io_close(cl);
        flush_out(cl);
        return;
    }
    ws_handshake_check(&req, &policy, &hs);
    n = ws_handshake_response(&hs, resp, sizeof(resp));
    io_write(cl, resp, n);
    if (hs.status != 101) {
        cl->state = C_DRAIN;
        io_close(cl);
        flush_out(cl);
        return;
    }
    cl->state = C_WS;
    ws_conn_open(&cl->ws, &sock_io, cl, &ws_echo_handler, cl, &limits, now_ms());
    flush_out(cl);
    feed_ws(cl);
}

static void on_readable(client_t *cl)
{
    if (cl->in_len == IN_CAP) return;
    ssize_t k = recv(cl->fd, cl->in + cl->in_len, IN_CAP - cl->in_len, 0);
    if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(cl);
        return;
    }
    if (k < 0) return;
    if (cl->closing) { /* after io->close: swallow until the peer closes */
        cl->in_len = 0;
        return;
    }
    cl->in_len += (size_t)k;
    if (cl->state == C_HTTP)
        on_http(cl);
    else if (cl->state == C_WS)
        feed_ws(cl);
}

int main(int argc, char **argv)
{
    int port = 8080, opt;
    limits = ws_limits_default;
    while ((opt = getopt(argc, argv, "p:o:i:t:c:m:")) != -1) {
        switch (opt) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'o':
            out_cap = (size_t)atol(optarg);
            break;
        case 'i':
            limits.ping_interval_ms = (uint32_t)atol(optarg);
            break;
        case 't':
            limits.peer_timeout_ms = (uint32_t)atol(optarg);
            break;
        case 'c':
            limits.close_timeout_ms = (uint32_t)atol(optarg);
            break;
        case 'm':
            limits.msg_max = (uint32_t)atol(optarg);
            break;
        default:
            fprintf(stderr,
                    "usage: %s [-p port] [-o out] [-i ping] [-t peer] [-c close] [-m max]\n",
                    argv[0]);
            return 2;
        }
    }
    if (out_cap < 64 || out_cap > OUT_CAP_MAX) out_cap = 16384;
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 128) != 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t al = sizeof(a);
    getsockname(ls, (struct sockaddr *)&a, &al);
    fcntl(ls, F_SETFL, O_NONBLOCK);
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);

    static uint8_t out_bufs[MAX_CLIENTS][OUT_CAP_MAX / 16]; /* see out_cap check below */
    static uint8_t *big_out[MAX_CLIENTS];
    for (int i = 0; i < MAX_CLIENTS; i++) {
        big_out[i] = out_cap <= sizeof(out_bufs[0]) ? out_bufs[i] : NULL;
    }
    if (out_cap > sizeof(out_bufs[0])) {
        /* Host tool only: larger simulated send buffers come from the heap. */
        for (int i = 0; i < MAX_CLIENTS; i++)
            big_out[i] = malloc(out_cap);
    }

    struct pollfd pfd[MAX_CLIENTS + 1];
    int map[MAX_CLIENTS + 1];
    for (;;) {
        int np = 0;
        pfd[np].fd = ls;
        pfd[np].events = POLLIN;
        map[np++] = -1;
        for (int i = 0; i < MAX_CLIENTS; i++) {
            client_t *cl = &clients[i];
            if (cl->state == C_FREE) continue;
            short ev = 0;
            if (cl->in_len < IN_CAP) ev |= POLLIN;
            if (cl->out_len) ev |= POLLOUT;
            pfd[np].fd = cl->fd;
            pfd[np].events = ev;
            map[np++] = i;
        }
        poll(pfd, (nfds_t)np, 10);
        uint32_t now = now_ms();
        for (int j = 0; j < np; j++) {
            if (map[j] < 0) {
                if (!(pfd[j].revents & POLLIN)) continue;
                for (;;) {
                    int fd = accept(ls, NULL, NULL);
                    if (fd < 0) break;
                    int slot = -1;
                    for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
                        if (clients[i].state == C_FREE) slot = i;
                    if (slot < 0) {
                        close(fd);
                        continue;
                    }
                    fcntl(fd, F_SETFL, O_NONBLOCK);
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    client_t *cl = &clients[slot];
                    cl->fd = fd;
                    cl->state = C_HTTP;
                    cl->closing = 0;
                    cl->in_len = cl->out_len = 0;
                    cl->out = big_out[slot];
                }
                continue;
            }
            client_t *cl = &clients[map[j]];
            if (cl->state == C_FREE) continue;
            if (pfd[j].revents & POLLOUT) {
                size_t before = cl->out_len;
                flush_out(cl);
                if (cl->state == C_WS && cl->out_len < before && !cl->closing) {
                    ws_conn_on_writable(&cl->ws);
                    feed_ws(cl); /* input held back while output was full */
                }
            }
            if (cl->state != C_FREE && (pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
                on_readable(cl);
        }
        now = now_ms(); /* connections opened above stamped a later reading */
        for (int i = 0; i < MAX_CLIENTS; i++) {
            client_t *cl = &clients[i];
            if (cl->state == C_WS && !cl->closing) {
                ws_conn_tick(&cl->ws, now);
                if (!cl->closing && ws_conn_rx_ready(&cl->ws)) feed_ws(cl);
            }
            if (cl->state != C_FREE && cl->closing && cl->out_len == 0) {
                /* Like tcp_close(): FIN after the queued bytes, then wait for the peer. */
                if (cl->closing == 1) {
                    shutdown(cl->fd, SHUT_WR);
                    cl->closing = 2;
                }
                if (now - cl->drain_since > 2000) drop(cl);
            }
        }
    }
}
