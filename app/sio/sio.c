#include "app/sio/sio.h"

#include <string.h>

#include "app/api/gen_request.h"
#include "app/app.h"
#include "app/gen/gen.h"
#include "app/jobs/subs.h"
#include "app/sio/sio_packet.h"
#include "app/util/rng.h"
#include "cJSON.h"
#include "port/json_arena.h"

static sio_session_t sio_table[MAX_SIO_SESSIONS];
static const sio_glue_t *glue;
static sio_stats_t stats;
static uint32_t now;

/* Replies (acks, validation errors, the CONNECT reply) are formatted here, then queued. */
static char out[EIO_TXQ_SIZE];

const sio_stats_t *sio_stats(void)
{
    return &stats;
}

sio_session_t *sio_at(int i)
{
    return i >= 0 && i < MAX_SIO_SESSIONS ? &sio_table[i] : NULL;
}

void sio_counts(int *polling, int *websocket, int *dropped)
{
    *polling = *websocket = *dropped = 0;
    for (int i = 0; i < MAX_SIO_SESSIONS; i++) {
        if (sio_table[i].slot == SIO_DROPPED) ++*dropped;
        if (sio_table[i].slot != SIO_OPEN) continue;
        if (sio_table[i].eio.transport == EIO_TR_WEBSOCKET)
            ++*websocket;
        else
            ++*polling;
    }
}

/* ---- ids ----------------------------------------------------------------------------- */

static void new_id(char out_id[EIO_SID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[15];
    if (rng_bytes(r, sizeof r) != 0) memset(r, 0, sizeof r); /* stub boards: still unique */
    eio_make_sid(r, out_id);
    /* The first two characters name the device in a fleet, as a job id's first byte does, so
     * that a proxy routes ?sid= to it (hex digits are base64url too; 108 random bits stay). */
    out_id[0] = hex[app_fleet_index() >> 4];
    out_id[1] = hex[app_fleet_index() & 15];
}

static void new_uuid(char u[SIO_USER_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[16];
    if (rng_bytes(r, sizeof r) != 0) memset(r, 0, sizeof r);
    r[6] = (uint8_t)((r[6] & 0x0F) | 0x40); /* version 4 */
    r[8] = (uint8_t)((r[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    for (int i = 0, o = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) u[o++] = '-';
        u[o++] = hex[r[i] >> 4];
        u[o++] = hex[r[i] & 15];
    }
    u[SIO_USER_ID_LEN] = 0;
}

/* ---- follows ------------------------------------------------------------------------- */

/* The job an entry follows, if the job table still holds it. */
static job_t *entry_job(const sio_follow_t *f)
{
    if (f->job < 0) return NULL;
    job_t *j = jobs_at(f->job);
    return j && j->state != JOB_FREE && j->gen == f->gen ? j : NULL;
}

/* An entry whose job has sent its last event to the client may give its place up. */
static int entry_finished(const sio_follow_t *f)
{
    const job_t *j = entry_job(f);
    return !j || (jobs_is_final(j) && f->sent >= j->events);
}

static void unfollow_all(sio_session_t *s)
{
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++) {
        job_t *j = entry_job(&s->follow[k]);
        if (j) glue->unfollow(s, j);
        s->follow[k].job = -1;
    }
}

static int follow_slot(sio_session_t *s, const job_t *j)
{
    int idx = jobs_index(j), free_k = -1;
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++) {
        sio_follow_t *f = &s->follow[k];
        if (f->job == idx && f->gen == j->gen) return k;
        if (free_k < 0 && (f->job < 0 || entry_finished(f))) free_k = k;
    }
    return free_k;
}

/* Follows job j from the event after `after`. 0, or -1 (no room). */
static int follow(sio_session_t *s, job_t *j, uint32_t after, sio_follow_mode_t mode,
                  unsigned flags)
{
    int k = follow_slot(s, j);
    if (k < 0) return -1;
    sio_follow_t *f = &s->follow[k];
    job_t *old = entry_job(f);
    if (old) glue->unfollow(s, old);
    f->job = -1;
    if (glue->follow(s, j, after, flags) != 0) return -1;
    f->job = (int8_t)jobs_index(j);
    f->gen = j->gen;
    f->mode = (uint8_t)mode;
    f->flags = (uint8_t)flags;
    f->start = after;
    f->sent = after;
    return 0;
}

void sio_event_sent(sio_session_t *s, const job_t *j, uint32_t id)
{
    int idx = jobs_index(j);
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++)
        if (s->follow[k].job == idx && s->follow[k].gen == j->gen && id > s->follow[k].sent)
            s->follow[k].sent = id;
}

/* ---- the table ----------------------------------------------------------------------- */

static void release(sio_session_t *s)
{
    unfollow_all(s);
    s->slot = SIO_FREE;
    s->connected = 0;
}

static int on_message(eio_sess_t *e, const uint8_t *p, size_t n);

static void on_output(eio_sess_t *e)
{
    glue->output((sio_session_t *)e->user);
}

static void on_probe_failed(eio_sess_t *e)
{
    glue->probe_failed((sio_session_t *)e->user);
}

static int on_binary(eio_sess_t *e)
{
    sio_session_t *s = e->user;
    if (!s->skip_bin) return -1;
    s->skip_bin--;
    return 0;
}

static void on_closed(eio_sess_t *e, eio_reason_t why)
{
    sio_session_t *s = e->user;
    glue->closed(s, why);
    if (why == EIO_REASON_PARSE || why == EIO_REASON_OVERLAP) stats.malformed++;
    /* Recoverable as the reference server sees it: the transport went away, not the
     * client nor a protocol error. */
    if (s->connected && (why == EIO_REASON_TRANSPORT || why == EIO_REASON_PING)) {
        s->slot = SIO_DROPPED;
        s->dropped_ms = now;
        stats.dropped++;
        return;
    }
    release(s);
}

static const eio_hooks_t hooks = {on_message, on_binary, on_output, on_probe_failed, on_closed};

void sio_init(const sio_glue_t *g)
{
    glue = g;
    memset(sio_table, 0, sizeof sio_table);
    memset(&stats, 0, sizeof stats);
    for (int i = 0; i < MAX_SIO_SESSIONS; i++)
        for (int k = 0; k < SIO_SUBS_PER_SESSION; k++)
            sio_table[i].follow[k].job = -1;
}

sio_session_t *sio_open(eio_transport_t transport, uint32_t now_ms)
{
    now = now_ms;
    sio_session_t *s = NULL, *oldest = NULL;
    for (int i = 0; i < MAX_SIO_SESSIONS && !s; i++) {
        if (sio_table[i].slot == SIO_FREE)
            s = &sio_table[i];
        else if (sio_table[i].slot == SIO_DROPPED &&
                 (!oldest || (int32_t)(sio_table[i].dropped_ms - oldest->dropped_ms) < 0))
            oldest = &sio_table[i];
    }
    if (!s && oldest) { /* a live client before a maybe-returning one */
        release(oldest);
        stats.expired++;
        s = oldest;
    }
    if (!s) {
        stats.refused++;
        return NULL;
    }
    memset(s, 0, sizeof *s);
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++)
        s->follow[k].job = -1;
    s->slot = SIO_OPEN;
    char sid[EIO_SID_LEN + 1];
    new_id(sid);
    eio_sess_open(&s->eio, sid, transport, SIO_MAX_PAYLOAD, &hooks, NULL, s, now_ms);
    stats.opened++;
    return s;
}

sio_session_t *sio_find(const char *sid)
{
    for (int i = 0; i < MAX_SIO_SESSIONS; i++)
        if (sio_table[i].slot == SIO_OPEN && strcmp(sio_table[i].eio.sid, sid) == 0)
            return &sio_table[i];
    return NULL;
}

void sio_tick(uint32_t now_ms)
{
    now = now_ms;
    for (int i = 0; i < MAX_SIO_SESSIONS; i++) {
        sio_session_t *s = &sio_table[i];
        if (s->slot == SIO_OPEN)
            eio_sess_tick(&s->eio, now_ms);
        else if (s->slot == SIO_DROPPED && now_ms - s->dropped_ms >= SIO_RECOVERY_MS) {
            release(s);
            stats.expired++;
        }
    }
}

/* ---- sending ------------------------------------------------------------------------- */

/* Queues the Socket.IO packet rendered in k (from out); a session that does not read its
 * replies and lets the queue fill is closed. Returns 0 or -1. */
static int queue(sio_session_t *s, sink_t *k)
{
    if (k->pos > k->n || eio_sess_send(&s->eio, EIO_MESSAGE, out, k->n) != 0) {
        eio_sess_close(&s->eio, EIO_REASON_SERVER);
        return -1;
    }
    return 0;
}

static void start(sink_t *k)
{
    sink_init(k, out, sizeof out, 0);
}

static void emit_error(sio_session_t *s, const char *code, const char *field, const char *msg)
{
    sink_t k;
    start(&k);
    sink_str(&k, "2[\"generation_error\",{\"message\":");
    sink_json_str(&k, msg);
    sink_str(&k, ",\"code\":\"");
    sink_str(&k, code);
    sink_str(&k, "\"");
    if (field) {
        sink_str(&k, ",\"field\":");
        sink_json_str(&k, field);
    }
    sink_str(&k, "}]");
    queue(s, &k);
}

static void ack(sio_session_t *s, const sio_packet_t *pk, const char *session_id, const char *error)
{
    if (!pk->has_id) return;
    sink_t k;
    start(&k);
    sink_str(&k, "3");
    sink_u32(&k, pk->id);
    if (error) {
        sink_str(&k, "[{\"ok\":false,\"error\":");
        sink_json_str(&k, error);
    } else {
        sink_str(&k, "[{\"ok\":true,\"session_id\":\"");
        sink_str(&k, session_id);
        sink_str(&k, "\"");
    }
    sink_str(&k, "}]");
    if (queue(s, &k) == 0) stats.acks++;
}

/* A failed request: the error event, and the ack when one was asked for. */
static void refuse(sio_session_t *s, const sio_packet_t *pk, const char *code, const char *field,
                   const char *msg)
{
    emit_error(s, code, field, msg);
    if (s->eio.state == EIO_ST_OPEN) ack(s, pk, NULL, msg);
}

/* ---- the device's events ------------------------------------------------------------- */

static const char *str_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void generate_image(sio_session_t *s, const sio_packet_t *pk, const cJSON *data)
{
    if (!data || cJSON_IsNull(data))
        return refuse(s, pk, "invalid_argument", NULL, "No data received in generate_image event");
    if (!cJSON_IsObject(data))
        return refuse(s, pk, "invalid_argument", NULL,
                      "Invalid data format: expected an object with user_id and prompt");
    if (!cJSON_GetObjectItemCaseSensitive(data, "prompt"))
        return refuse(s, pk, "invalid_argument", "prompt", "Missing prompt");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(data, "user_id");
    if (!uid || cJSON_IsNull(uid))
        return refuse(s, pk, "invalid_argument", "user_id", "Missing user_id");
    if (!cJSON_IsString(uid) || strcmp(uid->valuestring, s->user_id) != 0)
        return refuse(s, pk, "invalid_argument", "user_id",
                      "User session ID: NOT FOUND (user_id is not this connection's)");
    gen_request_t g;
    uint8_t num_images;
    api_error_t err;
    if (gen_request_from_json(data, &g, &num_images, &err) != 0)
        return refuse(s, pk, "invalid_argument", err.field, err.message);
    /* Room to follow it first, so that an accepted job is never one nobody hears about. */
    int room = 0;
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++)
        if (s->follow[k].job < 0 || entry_finished(&s->follow[k])) room = 1;
    if (!room || !subs_available())
        return refuse(s, pk, "unavailable", NULL, "too many subscriptions, retry shortly");
    job_t *j = jobs_submit(&g, num_images, 0);
    if (!j) return refuse(s, pk, "queue_full", NULL, "the job queue is full, retry shortly");
    if (follow(s, j, 0, SIO_FOLLOW_DEVICE, 0) != 0)
        return refuse(s, pk, "unavailable", NULL, "too many subscriptions, retry shortly");
    ack(s, pk, j->hex, NULL);
}

/* job:subscribe / job:cancel {session_id, last_event_id?} */
static void job_request(sio_session_t *s, const sio_packet_t *pk, const cJSON *data, int cancel)
{
    const char *sid = cJSON_IsObject(data) ? str_member(data, "session_id") : NULL;
    if (!sid) return refuse(s, pk, "invalid_argument", "session_id", "session_id is required");
    job_t *j = jobs_find(sid);
    if (!j || j->warmup) return refuse(s, pk, "not_found", "session_id", "no such session");
    if (cancel) {
        if (jobs_cancel(j) != 0)
            return refuse(s, pk, "conflict", "session_id", "the job has already finished");
        return ack(s, pk, j->hex, NULL);
    }
    uint32_t after = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, "last_event_id");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
            v->valuedouble != (double)(uint32_t)v->valuedouble)
            return refuse(s, pk, "invalid_argument", "last_event_id", "must be a whole number");
        after = (uint32_t)v->valuedouble;
    }
    /* "timing": true adds the device's clock to each event (bench/sio_bench.sh). */
    unsigned flags = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "timing")) ? SUB_TIMED : 0;
    if (follow(s, j, after, SIO_FOLLOW_JOBEVENT, flags) != 0)
        return refuse(s, pk, "unavailable", NULL, "too many subscriptions, retry shortly");
    ack(s, pk, j->hex, NULL);
}

static int on_event(sio_session_t *s, const sio_packet_t *pk)
{
    json_arena_reset();
    cJSON *arr = json_parse_whole(pk->data, pk->data_len);
    int r = -1;
    if (arr && cJSON_IsArray(arr) && cJSON_IsString(cJSON_GetArrayItem(arr, 0))) {
        const char *name = cJSON_GetArrayItem(arr, 0)->valuestring;
        const cJSON *data = cJSON_GetArrayItem(arr, 1);
        r = 0;
        if (strcmp(name, "generate_image") == 0)
            generate_image(s, pk, data);
        else if (strcmp(name, "job:subscribe") == 0)
            job_request(s, pk, data, 0);
        else if (strcmp(name, "job:cancel") == 0)
            job_request(s, pk, data, 1);
        else if (pk->has_id) /* no handler: say so to a client waiting for an answer */
            ack(s, pk, NULL, "unknown event (generate_image, job:subscribe, job:cancel)");
    }
    json_arena_reset();
    return r;
}

/* ---- connect and recovery ------------------------------------------------------------ */

static void connect_reply(sio_session_t *s)
{
    sink_t k;
    start(&k);
    sink_str(&k, "0{\"sid\":\"");
    sink_str(&k, s->id);
    sink_str(&k, "\",\"pid\":\"");
    sink_str(&k, s->pid);
    sink_str(&k, "\"}");
    queue(s, &k);
}

/* Where the offset string says the client stands in job (idx, gen); `fallback` if absent.
 * The offset is "<job>.<gen>.<event id>" per followed job, joined by '-'. */
static uint32_t offset_of(const char *off, int idx, uint16_t gen, uint32_t fallback)
{
    while (off && *off) {
        uint32_t v[3] = {0, 0, 0};
        int part = 0, digits = 0;
        for (; *off && *off != '-'; off++) {
            if (*off == '.') {
                if (++part > 2) break;
                digits = 0;
            } else if (*off >= '0' && *off <= '9' && digits < 10) {
                v[part] = v[part] * 10u + (uint32_t)(*off - '0');
                digits++;
            } else {
                break;
            }
        }
        if (part == 2 && (int)v[0] == idx && v[1] == gen) return v[2];
        while (*off && *off != '-')
            off++;
        if (*off == '-') off++;
    }
    return fallback;
}

/* Takes over the dropped session with this pid. 0, or -1 (unknown or expired). */
static int recover(sio_session_t *s, const char *pid, const char *offset)
{
    sio_session_t *old = NULL;
    for (int i = 0; i < MAX_SIO_SESSIONS; i++) {
        sio_session_t *t = &sio_table[i];
        if (t == s || !t->connected || strcmp(t->pid, pid) != 0) continue;
        /* The client is back before its old transport was seen to fail: that one is dead. */
        if (t->slot == SIO_OPEN) eio_sess_close(&t->eio, EIO_REASON_TRANSPORT);
        if (t->slot == SIO_DROPPED) old = t;
    }
    if (!old || now - old->dropped_ms >= SIO_RECOVERY_MS) return -1;
    memcpy(s->id, old->id, sizeof s->id);
    memcpy(s->pid, old->pid, sizeof s->pid);
    memcpy(s->user_id, old->user_id, sizeof s->user_id);
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++) {
        sio_follow_t f = old->follow[k];
        job_t *j = entry_job(&f);
        if (j) glue->unfollow(old, j);
        old->follow[k].job = -1;
        s->follow[k].job = -1;
        if (!j) continue;
        uint32_t at = offset_of(offset, f.job, f.gen, f.start);
        if (at < f.start) at = f.start;
        if (glue->follow(s, j, at, f.flags) != 0) continue;
        f.sent = at;
        s->follow[k] = f;
    }
    old->slot = SIO_FREE;
    old->connected = 0;
    s->recovered = 1;
    stats.recovered++;
    return 0;
}

static int on_connect(sio_session_t *s, const sio_packet_t *pk)
{
    if (!sio_nsp_is_main(pk)) {
        sink_t k;
        start(&k);
        sink_str(&k, "4");
        sink_put(&k, pk->nsp, pk->nsp_len);
        sink_str(&k, ",{\"message\":\"Invalid namespace\"}");
        return queue(s, &k) == 0 ? 0 : 0;
    }
    if (s->connected) return 0; /* a repeated CONNECT changes nothing */
    const char *pid = NULL, *offset = NULL;
    json_arena_reset();
    if (pk->data_len) {
        cJSON *auth = json_parse_whole(pk->data, pk->data_len);
        if (!auth || !cJSON_IsObject(auth)) {
            json_arena_reset();
            return -1;
        }
        pid = str_member(auth, "pid");
        offset = str_member(auth, "offset");
    }
    s->connected = 1;
    if (pid && recover(s, pid, offset) == 0) {
        json_arena_reset();
        connect_reply(s);
        return 0;
    }
    if (pid) stats.recover_failed++;
    json_arena_reset();
    new_id(s->id);
    new_id(s->pid);
    new_uuid(s->user_id);
    connect_reply(s);
    if (s->eio.state != EIO_ST_OPEN) return 0;
    sink_t k;
    start(&k);
    sink_str(&k, "2[\"connected\",{\"user_id\":\"");
    sink_str(&k, s->user_id);
    sink_str(&k, "\",\"sid\":\"");
    sink_str(&k, s->id);
    sink_str(&k, "\"}]");
    queue(s, &k);
    return 0;
}

/* A namespace the packet may name: printable ASCII only, since it is echoed raw. */
static int nsp_ok(const sio_packet_t *pk)
{
    if (pk->nsp_len > SIO_NSP_MAX) return 0;
    for (size_t i = 0; i < pk->nsp_len; i++)
        if (pk->nsp[i] < 0x21 || pk->nsp[i] > 0x7E || pk->nsp[i] == '"') return 0;
    return 1;
}

static int on_message(eio_sess_t *e, const uint8_t *p, size_t n)
{
    sio_session_t *s = e->user;
    sio_packet_t pk;
    if (sio_packet_parse(p, n, &pk) != 0 || !nsp_ok(&pk)) return -1;
    if (pk.type == SIO_CONNECT) return on_connect(s, &pk);
    /* Anything else needs the socket to have joined that namespace (only "/" exists). */
    if (!s->connected || !sio_nsp_is_main(&pk)) return -1;
    switch (pk.type) {
    case SIO_DISCONNECT:
        s->connected = 0;
        unfollow_all(s);
        return 0;
    case SIO_EVENT:
        stats.events++;
        return on_event(s, &pk);
    case SIO_ACK: /* the device never asks for acks */
        return 0;
    case SIO_BINARY_EVENT:
    case SIO_BINARY_ACK: {
        if (pk.attachments > 16) return -1;
        s->skip_bin += pk.attachments;
        sink_t k;
        start(&k);
        sink_str(&k, "2[\"error\",{\"code\":\"unsupported\",\"message\":\"binary events are "
                     "not supported by this device; send JSON\"}]");
        queue(s, &k);
        if (pk.type == SIO_BINARY_EVENT && pk.has_id && s->eio.state == EIO_ST_OPEN)
            ack(s, &pk, NULL, "binary events are not supported by this device");
        return 0;
    }
    default:
        return -1;
    }
}

/* ---- job events on the wire ---------------------------------------------------------- */

static const sio_follow_t *entry_for(const sio_session_t *s, const job_t *j)
{
    int idx = jobs_index(j);
    for (int k = 0; k < SIO_SUBS_PER_SESSION; k++)
        if (s->follow[k].job == idx && s->follow[k].gen == j->gen) return &s->follow[k];
    return NULL;
}

void sio_render_offset(sink_t *k, const sio_session_t *s, const job_t *j, uint32_t id)
{
    int idx = jobs_index(j), first = 1;
    sink_str(k, "42[\"sio:offset\",\"");
    for (int i = 0; i < SIO_SUBS_PER_SESSION; i++) {
        const sio_follow_t *f = &s->follow[i];
        if (f->job < 0) continue;
        uint32_t at = f->job == idx && f->gen == j->gen ? id : f->sent;
        if (!first) sink_put(k, "-", 1);
        first = 0;
        sink_u32(k, (uint32_t)f->job);
        sink_put(k, ".", 1);
        sink_u32(k, f->gen);
        sink_put(k, ".", 1);
        sink_u32(k, at);
    }
    sink_str(k, "\"]");
}

static void head(sink_t *k, const char *name, const event_ref_t *r)
{
    sink_str(k, "42[\"");
    sink_str(k, name);
    sink_str(k, "\",{\"session_id\":\"");
    sink_str(k, r->job->hex);
    sink_str(k, "\",\"event_id\":");
    sink_u32(k, r->ev.id);
}

static const char *error_message(uint8_t code)
{
    switch (code) {
    case JERR_CANCELLED:
        return "Generation cancelled";
    case JERR_QUEUE_FULL:
        return "The queue is full";
    case JERR_INVALID:
        return "The request was refused by the generator";
    default:
        return "The generator failed";
    }
}

void sio_render_event(sink_t *k, const sio_session_t *s, const event_ref_t *r)
{
    const sio_follow_t *f = entry_for(s, r->job);
    const job_t *j = r->job;
    if (!f || f->mode == SIO_FOLLOW_JOBEVENT) {
        sink_str(k, "42[\"job:event\",");
        event_render_json(k, r);
        sink_str(k, "]");
        return;
    }
    switch (r->ev.type) {
    case EV_QUEUED:
        head(k, "generation_queued", r);
        sink_str(k, ",\"position\":");
        sink_u32(k, r->ev.a);
        sink_str(k, ",\"message\":\"Queued at position ");
        sink_u32(k, r->ev.a);
        sink_str(k, "\"}]");
        return;
    case EV_STARTED:
        head(k, "generation_started", r);
        sink_str(k, ",\"message\":\"Generation started\",\"total_steps\":");
        sink_u32(k, r->ev.a);
        sink_str(k, ",\"prompt\":");
        sink_json_str(k, j->req.prompt);
        sink_str(k, ",\"seed\":");
        sink_u32(k, j->req.seed);
        sink_str(k, "}]");
        return;
    case EV_COMPLETE: {
        head(k, "image_ready", r);
        sink_str(k, ",\"image_data\":");
        const uint8_t *rgb = jobs_image(j, 0);
        if (rgb)
            event_render_data_url(k, rgb);
        else
            sink_str(k, "null");
        uint32_t ms = j->finished_ms - j->started_ms;
        sink_str(k, ",\"generation_time\":");
        sink_u32(k, ms / 1000u);
        sink_put(k, ".", 1);
        sink_put(k, &"0123456789"[ms % 1000u / 100u], 1);
        sink_put(k, &"0123456789"[ms % 100u / 10u], 1);
        sink_put(k, &"0123456789"[ms % 10u], 1);
        sink_str(k, ",\"image_paths\":");
        event_render_paths(k, j);
        sink_str(k, ",\"metadata\":");
        event_render_metadata(k, j);
        sink_str(k, "}]");
        return;
    }
    case EV_ERROR:
        head(k, "generation_error", r);
        sink_str(k, ",\"code\":\"");
        sink_str(k, jobs_error_name(r->ev.code));
        sink_str(k, "\",\"message\":\"");
        sink_str(k, error_message(r->ev.code));
        sink_str(k, "\"}]");
        return;
    default: /* progress and events_dropped: the /ws message carries what clients read */
        sink_str(k, "42[\"");
        sink_str(k, event_type_name(r->ev.type));
        sink_str(k, "\",");
        event_render_json(k, r);
        sink_str(k, "]");
        return;
    }
}
