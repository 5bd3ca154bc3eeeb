/* GET /api/debug/gen_profile: where the last image's time went, per generator kernel
 * (GEN_PROFILE in app/config.h; app/gen/gen.h gen_profile()). Each kernel gives the board
 * time spent in it in nanoseconds (under QEMU's -icount shift=0, instructions), its
 * multiply-accumulates and its calls; "total" is everything in gen_begin() and gen_slice(). */
#include "app/api/handlers.h"
#include "app/gen/gen.h"
#include "app/util/sink.h"

void api_gen_profile(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    sink_t s;
    sink_init(&s, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    sink_str(&s, GEN_PROFILE ? "{\"enabled\":true" : "{\"enabled\":false");
    for (int k = 0; k < GEN_PROF_N; k++) {
        const gen_prof_t *p = gen_profile((gen_prof_kind_t)k);
        sink_str(&s, ",\"");
        sink_str(&s, gen_profile_name((gen_prof_kind_t)k));
        sink_str(&s, "\":{\"ns\":");
        sink_u64(&s, p->ns); /* nanoseconds pass 2^32 within 5 s */
        sink_str(&s, ",\"macs\":");
        sink_u64(&s, p->macs);
        sink_str(&s, ",\"calls\":");
        sink_u32(&s, p->calls);
        sink_str(&s, "}");
    }
    sink_str(&s, "}");
    if (s.pos > s.n) {
        http_reply_error(c, 500, "internal", NULL, "profile too large", "");
        return;
    }
    http_reply_json(c, 200, s.n);
}
