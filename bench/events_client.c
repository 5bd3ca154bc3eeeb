/* Compiled fan-out client for bench/events_bench.sh (host tool, OS sockets; not firmware):
 * the same measurement as bench/events_bench.mjs, with the subscribers spread over several
 * processes (fork, one epoll loop each) so that the client is not what the tail measures.
 *
 *   events_client -h host -p port -t ws|sse -n subs -s steps -j jobs -k device|peer -P procs
 *
 * Per job: the device gets a blocker job first (it holds the generator while the
 * subscribers join; its events go nowhere), the peer a job that starts after 600 ms. Every
 * subscriber follows the job live; each generation_progress event's arrival
 * (CLOCK_MONOTONIC) minus its t_us is a sample, and per event the last minus the first
 * arrival is the fan-out skew. The device's clock counts from its start, so its offset is
 * estimated as in events_bench.mjs: min(arrival - t_us) - RTTmin/2 (RTTmin: the smallest
 * /ws ping round trip). Prints one JSON line in events_bench.mjs's format. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

#define MAX_SUBS_PER_PROC 64
#define MAX_EVENTS        256 /* progress events per job */
#define IN_CAP            (256 * 1024)

typedef struct {
    int32_t sub; /* subscriber index (global) */
    uint32_t event_id;
    uint32_t t_us;   /* the producer's clock */
    int64_t arrival; /* client CLOCK_MONOTONIC, us */
} sample_t;

typedef struct {
    int fd;
    int done, started;
    uint8_t *in;
    size_t in_len;
} sub_t;

/* The client's own cost: time from a read's return to its events parsed (per read). */
typedef struct {
    int64_t reads, sum_us, max_us;
} proc_cost_t;

static const char *host = "127.0.0.1", *transport = "ws", *kind = "device";
static int port = 80, nsubs = 1, steps = 20, jobs = 5, procs = 2;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
    fprintf(stderr, "events_client: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    return fd;
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k <= 0) die("write");
        b += k;
        n -= (size_t)k;
    }
}

/* Reads an HTTP response head byte by byte (what follows is the stream). */
static void read_head(int fd, char *head, size_t cap)
{
    size_t h = 0;
    while (h < cap - 1) {
        if (read(fd, head + h, 1) != 1) die("response head");
        h++;
        if (h >= 4 && memcmp(head + h - 4, "\r\n\r\n", 4) == 0) break;
    }
    head[h] = 0;
}

/* POST a JSON body on a connection of its own; returns the session_id. */
static void post_job(const char *body, char *sid, size_t cap)
{
    int fd = dial();
    char req[1024], resp[4096];
    int n = snprintf(req, sizeof req,
                     "POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     strlen(body), body);
    write_all(fd, req, (size_t)n);
    size_t got = 0;
    ssize_t k;
    while (got < sizeof resp - 1 && (k = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)k;
    resp[got] = 0;
    close(fd);
    const char *p = strstr(resp, "\"session_id\"");
    if (p) p = strchr(p + 12, '"'); /* the value's opening quote (after ": " or ":") */
    if (!p) {
        fprintf(stderr, "events_client: no session_id in: %.200s\n", resp);
        exit(1);
    }
    p++;
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < cap) {
        sid[i] = p[i];
        i++;
    }
    sid[i] = 0;
}

static void ws_handshake(int fd)
{
    static const char req[] =
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    char head[2048];
    write_all(fd, req, sizeof req - 1);
    read_head(fd, head, sizeof head);
    if (!strstr(head, " 101 ")) {
        fprintf(stderr, "events_client: handshake refused: %.80s\n", head);
        exit(1);
    }
}

/* One masked text frame (mask 0: the payload goes as it is). */
static void ws_send_text(int fd, const char *text)
{
    uint8_t f[512];
    size_t n = strlen(text), k = 0;
    f[k++] = 0x81;
    f[k++] = (uint8_t)(0x80 | n); /* n < 126 */
    memset(f + k, 0, 4);
    k += 4;
    memcpy(f + k, text, n);
    write_all(fd, f, k + n);
}

static uint32_t num_after(const char *m, size_t len, const char *key)
{
    const char *p = memmem(m, len, key, strlen(key));
    return p ? (uint32_t)strtoul(p + strlen(key), NULL, 10) : 0;
}

/* One event's JSON: a sample if it is a progress event; 1 when the stream is done. */
static int on_event(sub_t *s, int idx, const char *m, size_t len, sample_t *out, size_t *nout)
{
    if (memmem(m, len, "\"generation_started\"", 20)) s->started = 1;
    if (memmem(m, len, "\"generation_progress\"", 21)) {
        if (s->started && *nout < (size_t)MAX_SUBS_PER_PROC * MAX_EVENTS) {
            sample_t *x = &out[(*nout)++];
            x->sub = idx;
            x->event_id = num_after(m, len, "\"event_id\":");
            x->t_us = num_after(m, len, "\"t_us\":");
            x->arrival = 0; /* set by the caller: the read's time */
        }
        return 0;
    }
    return memmem(m, len, "\"generation_complete\"", 21) ||
           memmem(m, len, "\"generation_error\"", 18);
}

/* Parses what s has received; returns 1 when its job is over. */
static int parse(sub_t *s, int idx, int64_t at, sample_t *out, size_t *nout)
{
    size_t pos = 0, before = *nout;
    int done = 0;
    if (transport[0] == 'w') {
        for (;;) {
            uint8_t *b = s->in + pos;
            size_t avail = s->in_len - pos, k = 2;
            if (avail < 2) break;
            uint64_t n = b[1] & 0x7F;
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
            if (avail < k + n) break;
            if ((b[0] & 15) == 1) done |= on_event(s, idx, (char *)b + k, (size_t)n, out, nout);
            pos += k + (size_t)n;
        }
    } else {
        for (;;) {
            char *b = (char *)s->in + pos;
            char *e = memmem(b, s->in_len - pos, "\n\n", 2);
            if (!e) break;
            char *d = memmem(b, (size_t)(e - b), "data: ", 6);
            if (d) done |= on_event(s, idx, d + 6, (size_t)(e - d - 6), out, nout);
            pos += (size_t)(e - b) + 2;
        }
    }
    for (size_t i = before; i < *nout; i++)
        out[i].arrival = at;
    memmove(s->in, s->in + pos, s->in_len - pos);
    s->in_len -= pos;
    return done;
}

/* One process: its share of the subscribers follow job sid to its end. Samples go to fd. */
static void follow(const char *sid, int first, int count, int go_fd, int out_fd)
{
    sub_t *subs = calloc((size_t)count, sizeof *subs);
    sample_t *out = calloc((size_t)MAX_SUBS_PER_PROC * MAX_EVENTS, sizeof *out);
    size_t nout = 0;
    proc_cost_t cost = {0, 0, 0};
    int ep = epoll_create1(0);
    for (int i = 0; i < count; i++) {
        sub_t *s = &subs[i];
        s->fd = dial();
        s->in = malloc(IN_CAP);
        char msg[256];
        if (transport[0] == 'w') {
            ws_handshake(s->fd);
            snprintf(msg, sizeof msg,
                     "{\"type\":\"subscribe\",\"session_id\":\"%s\",\"timing\":true}", sid);
            ws_send_text(s->fd, msg);
        } else {
            snprintf(msg, sizeof msg,
                     "GET /api/jobs/%s/events?timing=1 HTTP/1.1\r\nHost: x\r\n\r\n", sid);
            write_all(s->fd, msg, strlen(msg));
            char head[2048];
            read_head(s->fd, head, sizeof head);
        }
        fcntl(s->fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
    }
    char ok = 1;
    write_all(go_fd, &ok, 1); /* subscribed */
    int left = count;
    int64_t deadline = now_us() + 120 * 1000000LL;
    while (left > 0 && now_us() < deadline) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, 200);
        for (int e = 0; e < n; e++) {
            sub_t *s = &subs[evs[e].data.u32];
            for (;;) {
                ssize_t k = read(s->fd, s->in + s->in_len, IN_CAP - s->in_len);
                if (k <= 0) {
                    if (k == 0 && !s->done) {
                        s->done = 1;
                        left--;
                    }
                    break;
                }
                s->in_len += (size_t)k;
                int64_t at = now_us();
                if (parse(s, first + (int)evs[e].data.u32, at, out, &nout) && !s->done) {
                    s->done = 1;
                    left--;
                }
                int64_t d = now_us() - at;
                cost.reads++;
                cost.sum_us += d;
                if (d > cost.max_us) cost.max_us = d;
            }
        }
    }
    for (int i = 0; i < count; i++)
        close(subs[i].fd);
    uint64_t n64 = nout;
    write_all(out_fd, &n64, sizeof n64);
    write_all(out_fd, out, nout * sizeof *out);
    int late = 0;
    for (int i = 0; i < count; i++)
        late += !subs[i].started;
    write_all(out_fd, &late, sizeof late);
    write_all(out_fd, &cost, sizeof cost);
}

static int64_t rtt_min(void)
{
    int fd = dial();
    ws_handshake(fd);
    int64_t best = INT64_MAX;
    uint8_t buf[4096];
    for (int i = 0; i < 50; i++) {
        int64_t t0 = now_us();
        ws_send_text(fd, "{\"type\":\"ping\"}");
        for (;;) { /* one pong frame (the greeting, if any, comes first and is skipped) */
            ssize_t k = read(fd, buf, sizeof buf);
            if (k <= 0) die("ping");
            if (memmem(buf, (size_t)k, "pong", 4)) break;
        }
        int64_t d = now_us() - t0;
        if (d < best) best = d;
    }
    close(fd);
    return best;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int64_t *v, size_t n, int p)
{
    if (n == 0) return 0;
    size_t i = (size_t)((double)p / 100.0 * (double)n);
    return (double)v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "h:p:t:n:s:j:k:P:")) != -1) {
        switch (opt) {
        case 'h':
            host = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 't':
            transport = optarg;
            break;
        case 'n':
            nsubs = atoi(optarg);
            break;
        case 's':
            steps = atoi(optarg);
            break;
        case 'j':
            jobs = atoi(optarg);
            break;
        case 'k':
            kind = optarg;
            break;
        case 'P':
            procs = atoi(optarg);
            break;
        default:
            return 2;
        }
    }
    if (procs < 1) procs = 1;
    if (procs > nsubs) procs = nsubs;
    if (nsubs / procs + 1 > MAX_SUBS_PER_PROC || steps > MAX_EVENTS) return 2;
    signal(SIGPIPE, SIG_IGN);
    int device = strcmp(kind, "device") == 0;
    int64_t rtt = rtt_min();
    usleep(200000);
    size_t cap = (size_t)jobs * (size_t)nsubs * (size_t)steps + 1, nall = 0;
    sample_t *all = malloc(cap * sizeof *all);
    int64_t *skews = malloc(((size_t)jobs * (size_t)steps + 1) * sizeof *skews);
    size_t nskew = 0;
    int late = 0;
    proc_cost_t cost = {0, 0, 0};
    for (int j = 0; j < jobs; j++) {
        char sid[64], body[256];
        if (device) {
            post_job("{\"prompt\":\"a red circle\",\"num_inference_steps\":100,\"num_images\":2,"
                     "\"preview\":false}",
                     sid, sizeof sid);
            snprintf(body, sizeof body,
                     "{\"prompt\":\"a blue square\",\"num_inference_steps\":%d,\"preview\":false}",
                     steps);
        } else {
            snprintf(body, sizeof body, "{\"num_inference_steps\":%d,\"start_after_ms\":600}",
                     steps);
        }
        post_job(body, sid, sizeof sid);
        int go[2], res[64][2];
        if (pipe(go)) die("pipe");
        for (int p = 0; p < procs; p++) {
            if (pipe(res[p])) die("pipe");
            int first = p * (nsubs / procs) + (p < nsubs % procs ? p : nsubs % procs);
            int count = nsubs / procs + (p < nsubs % procs);
            if (fork() == 0) {
                close(go[0]);
                close(res[p][0]);
                follow(sid, first, count, go[1], res[p][1]);
                _exit(0);
            }
            close(res[p][1]);
        }
        close(go[1]);
        size_t start = nall;
        for (int p = 0; p < procs; p++) {
            uint64_t n = 0;
            if (read(res[p][0], &n, sizeof n) != sizeof n) die("a client process failed");
            size_t want = (size_t)n * sizeof(sample_t), got = 0;
            sample_t *tmp = malloc(want + 1);
            while (got < want) {
                ssize_t k = read(res[p][0], (char *)tmp + got, want - got);
                if (k <= 0) die("a client process failed");
                got += (size_t)k;
            }
            int l = 0;
            if (read(res[p][0], &l, sizeof l) == sizeof l) late += l;
            proc_cost_t pc;
            if (read(res[p][0], &pc, sizeof pc) == sizeof pc) {
                cost.reads += pc.reads;
                cost.sum_us += pc.sum_us;
                if (pc.max_us > cost.max_us) cost.max_us = pc.max_us;
            }
            for (size_t i = 0; i < n && nall < cap; i++)
                all[nall++] = tmp[i];
            free(tmp);
            close(res[p][0]);
        }
        close(go[0]);
        while (wait(NULL) > 0) {
        }
        /* Skew per event of this job: last minus first arrival. */
        for (uint32_t id = 0; id < MAX_EVENTS + 8; id++) {
            int64_t lo = INT64_MAX, hi = INT64_MIN;
            int seen = 0;
            for (size_t i = start; i < nall; i++) {
                if (all[i].event_id != id) continue;
                seen++;
                if (all[i].arrival < lo) lo = all[i].arrival;
                if (all[i].arrival > hi) hi = all[i].arrival;
            }
            if (seen) skews[nskew++] = hi - lo;
        }
        usleep(device ? 300000 : 50000); /* the device frees the closed connections */
    }
    int64_t minraw = INT64_MAX;
    int64_t *lat = malloc((nall + 1) * sizeof *lat);
    for (size_t i = 0; i < nall; i++) {
        /* t_us is 32 bits of the producer's clock: the difference is taken modulo 2^32. */
        lat[i] = (int64_t)(int32_t)((uint32_t)all[i].arrival - all[i].t_us);
        if (lat[i] < minraw) minraw = lat[i];
    }
    int64_t offset = device ? minraw - rtt / 2 : 0;
    for (size_t i = 0; i < nall; i++)
        lat[i] -= offset;
    qsort(lat, nall, sizeof *lat, cmp_i64);
    qsort(skews, nskew, sizeof *skews, cmp_i64);
    printf("{\"kind\":\"%s\",\"transport\":\"%s\",\"n\":%d,\"samples\":%zu,\"p50\":%.0f,"
           "\"p99\":%.0f,\"max\":%.0f,\"skew_p50\":%.0f,\"skew_p99\":%.0f,\"rtt_min\":%lld,"
           "\"err_us\":%lld,\"min_lat_peer_check\":%lld,\"late\":%d,\"rss_kb\":null,"
           "\"client\":\"events_client x%d\",\"parse_mean_us\":%.1f,\"parse_max_us\":%lld}\n",
           kind, transport, nsubs, nall, pct(lat, nall, 50), pct(lat, nall, 99),
           nall ? (double)lat[nall - 1] : 0.0, pct(skews, nskew, 50), pct(skews, nskew, 99),
           (long long)rtt, device ? (long long)(rtt / 2) : 0LL, device ? 0LL : (long long)minraw,
           late, procs, cost.reads ? (double)cost.sum_us / (double)cost.reads : 0.0,
           (long long)cost.max_us);
    return 0;
}
