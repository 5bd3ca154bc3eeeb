#include "app/jobs/fanout.h"

#include <string.h>

#include "app/config.h"

/* Log-linear buckets: values below 16 us exactly, then 8 buckets per power of two (12.5 %
 * resolution) up to 2^18 us (262 ms); a value past that lands in the last bucket (max_us
 * stays exact). */
#define SUB_BITS     3
#define LINEAR       16
#define OCTAVES      14
#define FANOUT_NBUCK (LINEAR + OCTAVES * (1 << SUB_BITS))

enum { M_HANDED, M_DELIVER, M_LAST_HANDED, M_LAST, M_SKEW, M_COUNT };

typedef struct {
    uint32_t n, max;
    uint16_t b[FANOUT_NBUCK]; /* saturating counts */
} hist_t;

/* One event's delivery in progress, per transport: the sample is taken when `expected`
 * subscribers have it; a few are open at once so that a subscriber a few events behind
 * the others still closes its event's sample. */
typedef struct {
    uint8_t open;
    uint8_t job;
    uint16_t done, expected;
    uint32_t id, t_ev, first, last, last_handed;
} acc_t;

typedef struct {
    const char *name;
    hist_t h[M_COUNT];
    acc_t acc[FANOUT_OPEN]; /* events still reaching their subscribers */
    uint32_t incomplete;
} tr_stats_t;

static tr_stats_t tr[FANOUT_TRANSPORTS];

static unsigned bucket(uint32_t v)
{
    if (v < LINEAR) return v;
    unsigned o = 31u - (unsigned)__builtin_clz(v); /* 4 .. 31 */
    unsigned b = LINEAR + (o - 4u) * (1u << SUB_BITS) + ((v >> (o - SUB_BITS)) & 7u);
    return b < FANOUT_NBUCK ? b : FANOUT_NBUCK - 1;
}

/* The largest value a bucket holds. */
static uint32_t bucket_top(unsigned b)
{
    if (b < LINEAR) return b;
    unsigned o = 4u + (b - LINEAR) / (1u << SUB_BITS), sub = (b - LINEAR) % (1u << SUB_BITS);
    return (((1u << SUB_BITS) + sub + 1u) << (o - SUB_BITS)) - 1u;
}

static void add(hist_t *h, uint32_t v)
{
    h->n++;
    if (v > h->max) h->max = v;
    uint16_t *c = &h->b[bucket(v)];
    if (*c < 0xffff) (*c)++;
}

static uint32_t percentile(const hist_t *h, unsigned p)
{
    if (h->n == 0) return 0;
    uint32_t total = 0;
    for (unsigned b = 0; b < FANOUT_NBUCK; b++)
        total += h->b[b];
    /* The rank of the p-th percentile, as the benchmarks' clients count it. */
    uint32_t rank = (uint32_t)((uint64_t)total * p / 100u);
    if (rank >= total) rank = total - 1;
    uint32_t seen = 0;
    for (unsigned b = 0; b < FANOUT_NBUCK; b++) {
        seen += h->b[b];
        if (seen > rank) {
            uint32_t top = bucket_top(b);
            return top < h->max ? top : h->max;
        }
    }
    return h->max;
}

void fanout_reset(void)
{
    memset(tr, 0, sizeof tr);
}

static tr_stats_t *find(const char *name, int create)
{
    if (!name) name = "other";
    for (int i = 0; i < FANOUT_TRANSPORTS; i++) {
        if (tr[i].name && strcmp(tr[i].name, name) == 0) return &tr[i];
        if (!tr[i].name) {
            if (!create) return NULL;
            tr[i].name = name;
            return &tr[i];
        }
    }
    return NULL; /* more transports than FANOUT_TRANSPORTS: not measured */
}

static void close_acc(tr_stats_t *t, acc_t *a)
{
    if (!a->open) return;
    if (a->done >= a->expected) {
        add(&t->h[M_LAST_HANDED], a->last_handed - a->t_ev);
        add(&t->h[M_LAST], a->last - a->t_ev);
        add(&t->h[M_SKEW], a->last - a->first);
    } else {
        t->incomplete++; /* a subscriber left or fell behind: no last/skew sample */
    }
    a->open = 0;
}

void fanout_record(const char *name, unsigned job, uint32_t id, uint32_t t_event_us,
                   uint32_t handed_us, uint32_t now_us, unsigned expected)
{
    tr_stats_t *t = find(name, 1);
    if (!t) return;
    add(&t->h[M_HANDED], handed_us - t_event_us);
    add(&t->h[M_DELIVER], now_us - t_event_us);
    acc_t *a = NULL, *oldest = NULL;
    for (int i = 0; i < FANOUT_OPEN && !a; i++) {
        acc_t *x = &t->acc[i];
        if (x->open && x->job == job && x->id == id) a = x;
    }
    if (!a) {
        /* A free record, or else the oldest event is given up (a subscriber far behind). */
        for (int i = 0; i < FANOUT_OPEN && !a; i++) {
            acc_t *x = &t->acc[i];
            if (!x->open)
                a = x;
            else if (!oldest || (int32_t)(x->t_ev - oldest->t_ev) < 0)
                oldest = x;
        }
        if (!a) {
            close_acc(t, oldest);
            a = oldest;
        }
        a->open = 1;
        a->job = (uint8_t)job;
        a->id = id;
        a->t_ev = t_event_us;
        a->first = now_us;
        a->last_handed = handed_us;
        a->done = 0;
        a->expected = (uint16_t)(expected ? expected : 1);
    }
    if ((int32_t)(now_us - a->last) > 0 || a->done == 0) a->last = now_us;
    if ((int32_t)(handed_us - a->last_handed) > 0) a->last_handed = handed_us;
    if ((int32_t)(now_us - a->first) < 0) a->first = now_us;
    if (++a->done >= a->expected) close_acc(t, a);
}

int fanout_percentile(const char *name, int metric, unsigned p, uint32_t *value, uint32_t *n)
{
    tr_stats_t *t = find(name, 0);
    if (!t || metric < 0 || metric >= M_COUNT) return -1;
    *value = p >= 100 ? t->h[metric].max : percentile(&t->h[metric], p);
    *n = t->h[metric].n;
    return 0;
}

static void metric(sink_t *s, const char *key, const hist_t *h)
{
    sink_put(s, "\"", 1);
    sink_str(s, key);
    sink_str(s, "\":{\"n\":");
    sink_u32(s, h->n);
    sink_str(s, ",\"p50_us\":");
    sink_u32(s, percentile(h, 50));
    sink_str(s, ",\"p99_us\":");
    sink_u32(s, percentile(h, 99));
    sink_str(s, ",\"max_us\":");
    sink_u32(s, h->max);
    sink_put(s, "}", 1);
}

void fanout_render(sink_t *s)
{
    sink_put(s, "{", 1);
    int first = 1;
    for (int i = 0; i < FANOUT_TRANSPORTS && tr[i].name; i++) {
        if (!first) sink_put(s, ",", 1);
        first = 0;
        sink_json_str(s, tr[i].name);
        sink_put(s, ":{", 2);
        metric(s, "handed", &tr[i].h[M_HANDED]);
        sink_put(s, ",", 1);
        metric(s, "deliver", &tr[i].h[M_DELIVER]);
        sink_put(s, ",", 1);
        metric(s, "last_handed", &tr[i].h[M_LAST_HANDED]);
        sink_put(s, ",", 1);
        metric(s, "last", &tr[i].h[M_LAST]);
        sink_put(s, ",", 1);
        metric(s, "skew", &tr[i].h[M_SKEW]);
        sink_str(s, ",\"incomplete\":");
        sink_u32(s, tr[i].incomplete);
        sink_put(s, "}", 1);
    }
    sink_put(s, "}", 1);
}
