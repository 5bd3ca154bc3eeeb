/* GET /api/vocabulary: the words the prompt parser understands, by slot, so that a page can
 * suggest them (fillers are left out: they carry no meaning). */
#include <string.h>

#include "app/api/handlers.h"
#include "app/gen/gen.h"
#include "app/util/sink.h"

void api_vocabulary(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    static const char *const order[] = {"colour", "shape", "size", "position", "background"};
    sink_t s;
    sink_init(&s, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    sink_put(&s, "{", 1);
    for (unsigned k = 0; k < sizeof order / sizeof order[0]; k++) {
        if (k) sink_put(&s, ",", 1);
        sink_json_str(&s, order[k]);
        sink_str(&s, ":[");
        const char *slot, *w;
        int first = 1;
        for (unsigned i = 0; (w = gen_vocab_word(i, &slot)) != NULL; i++) {
            if (strcmp(slot, order[k]) != 0) continue;
            if (!first) sink_put(&s, ",", 1);
            first = 0;
            sink_json_str(&s, w);
        }
        sink_put(&s, "]", 1);
    }
    sink_put(&s, "}", 1);
    if (s.pos > s.n) {
        http_reply_error(c, 500, "internal", NULL, "vocabulary too large", "");
        return;
    }
    http_reply_json(c, 200, s.n);
}
