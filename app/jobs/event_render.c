#include "app/jobs/event_render.h"

#include "app/gen/gen.h"

static const char *const type_names[] = {
    [EV_QUEUED] = "generation_queued",     [EV_STARTED] = "generation_started",
    [EV_PROGRESS] = "generation_progress", [EV_COMPLETE] = "generation_complete",
    [EV_ERROR] = "generation_error",       [EV_DROPPED] = "events_dropped",
};

const char *event_type_name(uint8_t type)
{
    return type >= EV_QUEUED && type <= EV_DROPPED ? type_names[type] : "unknown";
}

static void key(sink_t *s, const char *k)
{
    sink_put(s, ",\"", 2);
    sink_str(s, k);
    sink_put(s, "\":", 2);
}

/* The last PNG encoded, kept: an event is rendered once per TCP window and per subscriber,
 * and encoding (~40-90 us for 32x32 on the host, CRC and Adler over every byte) per window
 * and subscriber was most of a preview fan-out's time. Valid while the same buffer holds the
 * same pixels (jobs_pixels_version). Costs no RAM beyond the one PNG buffer it always had. */
static struct {
    uint8_t png[PNG_BUF_MAX];
    const uint8_t *rgb;
    uint32_t version;
    size_t n;
} png_cache;

const uint8_t *event_png(const uint8_t *rgb, size_t *len)
{
    uint32_t v = jobs_pixels_version();
    if (png_cache.rgb != rgb || png_cache.version != v || png_cache.n == 0) {
        png_cache.n = png_encode_rgb(rgb, GEN_W, GEN_H, png_cache.png, sizeof png_cache.png);
        png_cache.rgb = rgb;
        png_cache.version = v;
    }
    *len = png_cache.n;
    return png_cache.png;
}

void event_render_data_url(sink_t *s, const uint8_t *rgb)
{
    sink_str(s, "\"data:image/png;base64,");
    size_t b64 = (png_size_rgb(GEN_W, GEN_H) + 2) / 3 * 4;
    if (!s->out || sink_full(s) || s->pos + b64 <= s->skip) {
        s->pos += b64; /* outside the window: its size is all that matters */
    } else {
        size_t n;
        const uint8_t *png = event_png(rgb, &n);
        sink_base64(s, png, n);
    }
    sink_put(s, "\"", 1);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(uint32_t days, uint32_t *y, uint32_t *m, uint32_t *d)
{
    uint32_t z = days + 719468u;
    uint32_t era = z / 146097u;
    uint32_t doe = z - era * 146097u;
    uint32_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    uint32_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    uint32_t mp = (5u * doy + 2u) / 153u;
    *d = doy - (153u * mp + 2u) / 5u + 1u;
    *m = mp < 10u ? mp + 3u : mp - 9u;
    *y = yoe + era * 400u + (*m <= 2u);
}

void event_render_time(sink_t *s, const job_t *j)
{
    /* Without a wall clock (a board with no RTC) the time counts from boot. */
    uint64_t ms = j->created_unix_ms ? j->created_unix_ms : j->created_ms;
    uint32_t secs = (uint32_t)(ms / 1000u), y, m, d;
    civil(secs / 86400u, &y, &m, &d);
    uint32_t t = secs % 86400u;
    sink_put(s, "\"", 1);
    sink_u32_pad(s, y, 4);
    sink_put(s, "-", 1);
    sink_u32_pad(s, m, 2);
    sink_put(s, "-", 1);
    sink_u32_pad(s, d, 2);
    sink_put(s, "T", 1);
    sink_u32_pad(s, t / 3600u, 2);
    sink_put(s, ":", 1);
    sink_u32_pad(s, t / 60u % 60u, 2);
    sink_put(s, ":", 1);
    sink_u32_pad(s, t % 60u, 2);
    sink_put(s, ".", 1);
    sink_u32_pad(s, (uint32_t)(ms % 1000u), 3);
    sink_put(s, "Z\"", 2);
}

void event_render_paths(sink_t *s, const job_t *j)
{
    sink_put(s, "[", 1);
    for (int n = 0; n < j->images_done; n++) {
        if (n) sink_put(s, ",", 1);
        sink_str(s, "\"/api/images/");
        sink_str(s, j->hex);
        sink_put(s, "/", 1);
        sink_u32(s, (uint32_t)n);
        sink_str(s, ".png\"");
    }
    sink_put(s, "]", 1);
}

/* The request as the client sent it, as members following others (each with its comma). */
static void request_fields(sink_t *s, const job_t *j)
{
    key(s, "prompt");
    sink_json_str(s, j->req.prompt);
    key(s, "negative_prompt");
    sink_json_str(s, j->req.negative);
    key(s, "seed");
    sink_u32(s, j->req.seed);
    key(s, "guidance_scale");
    sink_fixed(s, j->req.guidance10, 1);
    key(s, "num_images");
    sink_u32(s, j->num_images);
}

void event_render_metadata(sink_t *s, const job_t *j)
{
    sink_str(s, "{\"steps\":");
    sink_u32(s, j->req.steps);
    request_fields(s, j);
    key(s, "created_at");
    event_render_time(s, j);
    if (jobs_is_final(j) && j->started_ms) {
        key(s, "generation_time_ms");
        sink_u32(s, j->finished_ms - j->started_ms);
    }
    sink_put(s, "}", 1);
}

static const char *error_text(uint8_t code)
{
    switch (code) {
    case JERR_CANCELLED:
        return "generation cancelled";
    case JERR_INVALID:
        return "the request was refused by the generator";
    case JERR_NOT_FOUND:
        return "no such session";
    case JERR_QUEUE_FULL:
        return "the queue is full";
    default:
        return "the generator failed";
    }
}

const char *event_status(const event_ref_t *r)
{
    const job_t *j = r->job;
    switch (r->ev.type) {
    case EV_QUEUED:
        return "queued";
    case EV_STARTED:
    case EV_PROGRESS:
        return "running";
    case EV_COMPLETE:
        return "complete";
    case EV_ERROR:
        return r->ev.code == JERR_CANCELLED ? "cancelled" : "error";
    default: /* events_dropped: where the job is now */
        return jobs_state_name(j);
    }
}

/* The stage of the work an event reports, for clients written for generic progress
 * streams (a status, a stage and a fraction on every event). */
static const char *stage_name(uint8_t type)
{
    switch (type) {
    case EV_QUEUED:
        return "queued";
    case EV_STARTED:
        return "starting";
    case EV_PROGRESS:
        return "denoising";
    case EV_COMPLETE:
        return "complete";
    case EV_ERROR:
        return "error";
    default:
        return "replay";
    }
}

/* Fraction done, 0.0 to 1.0, with three decimals (integers only). */
static void progress(sink_t *s, const event_ref_t *r)
{
    uint32_t milli = 0;
    if (r->ev.type == EV_COMPLETE)
        milli = 1000;
    else if ((r->ev.type == EV_PROGRESS || r->ev.type == EV_ERROR) && r->ev.b)
        milli = (uint32_t)r->ev.a * 1000u / r->ev.b;
    sink_fixed(s, milli, 3);
}

/* Seconds with milliseconds: Unix time when the board knows the wall clock, else uptime. */
static void timestamp(sink_t *s, const event_ref_t *r)
{
    const job_t *j = r->job;
    uint64_t ms = r->ev.type == EV_DROPPED
                      ? (j->created_unix_ms ? j->created_unix_ms : j->created_ms)
                      : jobs_event_ms(j, &r->ev);
    sink_u32(s, (uint32_t)(ms / 1000u));
    sink_put(s, ".", 1);
    sink_u32_pad(s, (uint32_t)(ms % 1000u), 3);
}

void event_render_json(sink_t *s, const event_ref_t *r)
{
    const job_t *j = r->job;
    const job_event_t *ev = &r->ev;
    sink_str(s, "{\"type\":\"");
    sink_str(s, event_type_name(ev->type));
    sink_str(s, "\",\"session_id\":\"");
    sink_str(s, j->hex);
    sink_str(s, "\",\"event_id\":");
    sink_u32(s, ev->id);
    sink_str(s, ",\"status\":\"");
    sink_str(s, event_status(r));
    sink_str(s, "\",\"stage\":\"");
    sink_str(s, stage_name(ev->type));
    sink_str(s, "\",\"progress\":");
    progress(s, r);
    key(s, "timestamp");
    timestamp(s, r);
    if ((r->flags & EVENT_TIMED) && ev->type != EV_DROPPED) {
        key(s, "t_us");
        sink_u32(s, ev->t_us);
    }
    switch (ev->type) {
    case EV_QUEUED:
        key(s, "position");
        sink_u32(s, ev->a);
        break;
    case EV_STARTED: {
        key(s, "total_steps");
        sink_u32(s, ev->a);
        request_fields(s, j);
        key(s, "ignored_words");
        gen_parse_t parsed;
        gen_parse(j->req.prompt, &parsed);
        sink_put(s, "[", 1);
        for (int i = 0; i < parsed.n_ignored; i++) {
            if (i) sink_put(s, ",", 1);
            sink_json_str(s, parsed.ignored[i]);
        }
        sink_put(s, "]", 1);
        break;
    }
    case EV_PROGRESS:
        key(s, "step");
        sink_u32(s, ev->a);
        key(s, "total_steps");
        sink_u32(s, ev->b);
        key(s, "message");
        sink_str(s, "\"Generating... ");
        sink_u32(s, ev->b ? (uint32_t)ev->a * 100u / ev->b : 0);
        sink_str(s, "%\"");
        if (r->preview) {
            key(s, "preview");
            event_render_data_url(s, r->preview);
        }
        break;
    case EV_COMPLETE:
        key(s, "image_paths");
        event_render_paths(s, j);
        key(s, "images");
        sink_put(s, "[", 1);
        for (int n = 0, first = 1; n < j->images_done; n++) {
            const uint8_t *rgb = jobs_image(j, n);
            if (!rgb) continue; /* given up for newer jobs: the path says 404 too */
            if (!first) sink_put(s, ",", 1);
            first = 0;
            event_render_data_url(s, rgb);
        }
        sink_put(s, "]", 1);
        key(s, "metadata");
        event_render_metadata(s, j);
        break;
    case EV_ERROR:
        key(s, "code");
        sink_put(s, "\"", 1);
        sink_str(s, jobs_error_name(ev->code));
        sink_put(s, "\"", 1);
        key(s, "error");
        sink_json_str(s, error_text(ev->code));
        break;
    case EV_DROPPED:
        key(s, "from");
        sink_u32(s, r->dropped_from);
        key(s, "to");
        sink_u32(s, ev->id);
        break;
    }
    sink_put(s, "}", 1);
}
