/* WebSocket load client for bench/ws_bench.sh (host tool, OS sockets; not firmware).
 *
 *   ws_bench_client -h host -p port [-u path] -c conns -s size -d seconds -w window -P procs
 *   ws_bench_client -E port        run a trivial raw echo server (the client's own ceiling)
 *
 * Each connection keeps `window` binary messages of `size` bytes in flight (window 1 = round
 * trips) and measures each echo's latency. `procs` processes share the connections (fork),
 * each with an epoll loop, so the client is not the bottleneck; their results are summed.
 * Output: one line "msgs=N secs=S rate=R p50_us=A p99_us=B". Text frames (a greeting) are
 * skipped; only binary echoes count. Frames from the server may be masked or not (the raw
 * echo server returns ours as they are). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HIST_US 100000 /* 1 µs buckets up to 100 ms; slower goes in the last */
#define MAX_WIN 64

typedef struct {
    uint64_t msgs;
    uint32_t hist[HIST_US + 1];
} result_t;

typedef struct {
    int fd;
    uint8_t *in;
    size_t in_len, in_cap;
    uint8_t *out;
    size_t out_len, out_off;
    uint64_t sent_ns[MAX_WIN]; /* ring of send times of in-flight messages */
    unsigned head, inflight;
} conn_t;

static const char *host = "127.0.0.1", *path = "/ws/test";
static int port = 8080, conns = 1, window = 1, procs = 1;
static size_t size = 16;
static double seconds = 3;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("connect");
        exit(1);
    }
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: "
                     "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     path, host, port);
    if (write(fd, req, (size_t)n) != n) exit(1);
    /* read the response head byte by byte: anything after it belongs to the frame stream */
    char head[4096];
    size_t h = 0;
    while (h < sizeof(head) - 1) {
        if (read(fd, head + h, 1) != 1) {
            fprintf(stderr, "handshake: connection closed\n");
            exit(1);
        }
        h++;
        if (h >= 4 && memcmp(head + h - 4, "\r\n\r\n", 4) == 0) break;
    }
    head[h] = 0;
    if (!strstr(head, " 101 ")) {
        fprintf(stderr, "handshake refused: %.60s\n", head);
        exit(1);
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static uint8_t *frame_tmpl; /* one masked binary frame of `size` bytes */
static size_t frame_len;

static void build_frame(void)
{
    frame_tmpl = malloc(size + 14);
    size_t k = 0;
    frame_tmpl[k++] = 0x82;
    if (size < 126) {
        frame_tmpl[k++] = (uint8_t)(0x80 | size);
    } else if (size <= 0xFFFF) {
        frame_tmpl[k++] = 0x80 | 126;
        frame_tmpl[k++] = (uint8_t)(size >> 8);
        frame_tmpl[k++] = (uint8_t)size;
    } else {
        frame_tmpl[k++] = 0x80 | 127;
        for (int i = 0; i < 8; i++)
            frame_tmpl[k++] = (uint8_t)((uint64_t)size >> (56 - 8 * i));
    }
    static const uint8_t mask[4] = {1, 2, 3, 4};
    memcpy(frame_tmpl + k, mask, 4);
    k += 4;
    for (size_t i = 0; i < size; i++)
        frame_tmpl[k + i] = (uint8_t)('a' + i % 26) ^ mask[i & 3];
    frame_len = k + size;
}

static void queue_msg(conn_t *c)
{
    if (c->out_len + frame_len > (size_t)window * frame_len + 1) return;
    memcpy(c->out + c->out_len, frame_tmpl, frame_len);
    c->out_len += frame_len;
    c->sent_ns[(c->head + c->inflight) % MAX_WIN] = now_ns();
    c->inflight++;
}

static void pump_out(conn_t *c)
{
    while (c->out_off < c->out_len) {
        ssize_t k = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (k <= 0) break;
        c->out_off += (size_t)k;
    }
    if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
}

/* Parses whole frames from c->in; returns binary messages seen. */
static unsigned parse_in(conn_t *c, result_t *r, uint64_t t, int counting)
{
    unsigned got = 0;
    size_t pos = 0;
    for (;;) {
        uint8_t *b = c->in + pos;
        size_t avail = c->in_len - pos;
        if (avail < 2) break;
        uint64_t n = b[1] & 0x7F;
        size_t k = 2;
        if (n == 126) {
            if (avail < 4) break;
            n = (uint64_t)b[2] << 8 | b[3];
            k = 4;
        } else if (n == 127) {
            if (avail < 10) break;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | b[2 + i];
            k = 10;
        }
        if (b[1] & 0x80) k += 4;
        if (avail < k + n) break;
        uint8_t op = b[0] & 15;
        pos += k + (size_t)n;
        if (op == 2 || (op == 0 && c->inflight)) {
            if (!(b[0] & 0x80)) continue; /* fragment: count at the final one */
            if (!c->inflight) continue;
            uint64_t lat = (t - c->sent_ns[c->head]) / 1000;
            c->head = (c->head + 1) % MAX_WIN;
            c->inflight--;
            if (counting) {
                r->msgs++;
                r->hist[lat < HIST_US ? lat : HIST_US]++;
            }
            got++;
        }
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return got;
}

static void run_client(int nconn, result_t *r)
{
    build_frame();
    int ep = epoll_create1(0);
    conn_t *cs = calloc((size_t)nconn, sizeof(conn_t));
    for (int i = 0; i < nconn; i++) {
        conn_t *c = &cs[i];
        c->fd = dial();
        c->in_cap = frame_len * (size_t)window + 65536;
        c->in = malloc(c->in_cap);
        c->out = malloc(frame_len * (size_t)window + 16);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        for (int w = 0; w < window; w++)
            queue_msg(c);
        pump_out(c);
    }
    uint64_t t0 = now_ns(), warm = t0 + 300000000ull, end = warm + (uint64_t)(seconds * 1e9);
    struct epoll_event evs[256];
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end) break;
        int n = epoll_wait(ep, evs, 256, 100);
        t = now_ns();
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (evs[i].events & EPOLLIN) {
                for (;;) {
                    if (c->in_len == c->in_cap) break;
                    ssize_t k = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
                    if (k <= 0) {
                        if (k == 0) {
                            fprintf(stderr, "server closed the connection\n");
                            exit(1);
                        }
                        break;
                    }
                    c->in_len += (size_t)k;
                    unsigned got = parse_in(c, r, t, t >= warm);
                    for (unsigned g = 0; g < got; g++)
                        queue_msg(c);
                }
            }
            pump_out(c);
        }
    }
    for (int i = 0; i < nconn; i++)
        close(cs[i].fd);
}

static void raw_echo_server(int eport)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)eport)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 128)) {
        perror("bind");
        exit(1);
    }
    printf("listening on 127.0.0.1:%d\n", eport);
    fflush(stdout);
    signal(SIGCHLD, SIG_IGN);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    static char buf[1 << 16];
    static int hs_done[65536];
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c = accept(ls, NULL, NULL);
                if (c < 0 || c >= 65536) continue;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                hs_done[c] = 0;
                struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                continue;
            }
            ssize_t k = read(fd, buf, sizeof(buf));
            if (k <= 0) {
                close(fd);
                continue;
            }
            size_t off = 0;
            if (!hs_done[fd]) { /* the request fits one read on loopback */
                char *e = memmem(buf, (size_t)k, "\r\n\r\n", 4);
                if (!e) continue;
                off = (size_t)(e - buf) + 4;
                static const char r101[] = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
                if (write(fd, r101, sizeof(r101) - 1) < 0) continue;
                hs_done[fd] = 1;
            }
            /* blocking write: the echo just returns what it got */
            size_t left = (size_t)k - off;
            while (left) {
                ssize_t w = write(fd, buf + off, left);
                if (w <= 0) break;
                off += (size_t)w;
                left -= (size_t)w;
            }
        }
    }
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "h:p:u:c:s:d:w:P:E:")) != -1) {
        switch (opt) {
        case 'h':
            host = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'u':
            path = optarg;
            break;
        case 'c':
            conns = atoi(optarg);
            break;
        case 's':
            size = (size_t)atol(optarg);
            break;
        case 'd':
            seconds = atof(optarg);
            break;
        case 'w':
            window = atoi(optarg);
            break;
        case 'P':
            procs = atoi(optarg);
            break;
        case 'E':
            raw_echo_server(atoi(optarg));
            return 0;
        default:
            return 2;
        }
    }
    if (window < 1) window = 1;
    if (window > MAX_WIN) window = MAX_WIN;
    if (procs > conns) procs = conns;
    signal(SIGPIPE, SIG_IGN);
    result_t *total = calloc(1, sizeof(result_t));
    int fds[64][2];
    for (int p = 0; p < procs; p++) {
        if (pipe(fds[p])) return 1;
        if (fork() == 0) {
            int mine = conns / procs + (p < conns % procs);
            result_t *r = calloc(1, sizeof(result_t));
            run_client(mine, r);
            const char *b = (const char *)r;
            size_t left = sizeof(*r);
            while (left) {
                ssize_t w = write(fds[p][1], b, left);
                if (w <= 0) _exit(1);
                b += w;
                left -= (size_t)w;
            }
            _exit(0);
        }
        close(fds[p][1]);
    }
    result_t *r = calloc(1, sizeof(result_t));
    for (int p = 0; p < procs; p++) {
        char *b = (char *)r;
        size_t left = sizeof(*r);
        while (left) {
            ssize_t k = read(fds[p][0], b, left);
            if (k <= 0) break;
            b += k;
            left -= (size_t)k;
        }
        if (left) {
            fprintf(stderr, "a client process failed\n");
            return 1;
        }
        total->msgs += r->msgs;
        for (int i = 0; i <= HIST_US; i++)
            total->hist[i] += r->hist[i];
    }
    while (wait(NULL) > 0) {
    }
    uint64_t acc = 0, p50 = 0, p99 = 0;
    int have50 = 0;
    for (int i = 0; i <= HIST_US; i++) {
        acc += total->hist[i];
        if (!have50 && acc * 2 >= total->msgs) {
            p50 = (uint64_t)i;
            have50 = 1;
        }
        if (acc * 100 >= total->msgs * 99) {
            p99 = (uint64_t)i;
            break;
        }
    }
    printf("msgs=%llu secs=%.2f rate=%.0f p50_us=%llu p99_us=%llu\n",
           (unsigned long long)total->msgs, seconds, (double)total->msgs / seconds,
           (unsigned long long)p50, (unsigned long long)p99);
    return 0;
}
