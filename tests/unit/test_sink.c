/* app/util/sink.c: rendering a window of a document must give exactly the bytes of the
 * whole document at that offset, for every offset and window size, because subscribers
 * resume an event mid-way by rendering it again from their byte offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/util/sink.h"

/* A document mixing every sink operation, sized to cross base64 group boundaries. */
static void render(sink_t *s)
{
    static uint8_t bin[200];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (uint8_t)(i * 37u + 11u);
    sink_str(s, "{\"a\":");
    sink_u32(s, 0);
    sink_put(s, ",", 1);
    sink_u32(s, 4294967295u);
    sink_str(s, ",\"s\":");
    sink_json_str(s, "quote\" back\\ tab\t nl\n ctl\x01 caf\xc3\xa9 bad\xff end");
    sink_str(s, ",\"b\":\"");
    sink_base64(s, bin, sizeof bin);
    sink_str(s, "\",\"b1\":\"");
    sink_base64(s, bin, 1);
    sink_str(s, "\",\"b2\":\"");
    sink_base64(s, bin, 2);
    sink_str(s, "\"}");
}

static size_t full(char *out, size_t cap)
{
    sink_t s;
    sink_init(&s, out, cap, 0);
    render(&s);
    assert_int_equal(s.n, s.pos); /* it all fit */
    return s.n;
}

static void window_equals_slice_at_every_offset(void **state)
{
    (void)state;
    static char doc[2048], win[2048];
    size_t len = full(doc, sizeof doc);
    /* Counting only gives the same length. */
    sink_t c;
    sink_init(&c, NULL, 0, 0);
    render(&c);
    assert_int_equal(c.pos, len);
    static const size_t caps[] = {1, 2, 3, 4, 5, 7, 64, 100, 1024, 2048};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        for (size_t off = 0; off <= len; off++) {
            sink_t w;
            memset(win, 0x55, sizeof win);
            sink_init(&w, win, caps[k], off);
            render(&w);
            size_t want = len - off < caps[k] ? len - off : caps[k];
            assert_int_equal(w.pos, len); /* the document's size, whatever the window */
            assert_int_equal(w.n, want);
            assert_memory_equal(win, doc + off, want);
        }
    }
}

static void base64_known_vectors(void **state)
{
    (void)state;
    /* RFC 4648, section 10. */
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char buf[32];
        sink_t s;
        sink_init(&s, buf, sizeof buf, 0);
        sink_base64(&s, (const uint8_t *)in[i], strlen(in[i]));
        assert_int_equal(s.n, strlen(out[i]));
        assert_memory_equal(buf, out[i], s.n);
    }
    /* All 256 byte values, against Python's base64.b64encode (its start and end). */
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char buf[400];
    sink_t s;
    sink_init(&s, buf, sizeof buf, 0);
    sink_base64(&s, all, sizeof all);
    assert_int_equal(s.n, 344);
    assert_memory_equal(buf, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v",
                        64);
    assert_memory_equal(buf + 344 - 8, "/P3+/w==", 8);
}

static void json_str(const char *z, const char *want)
{
    char buf[256];
    sink_t s;
    sink_init(&s, buf, sizeof buf, 0);
    sink_json_str(&s, z);
    assert_int_equal(s.n, strlen(want));
    assert_memory_equal(buf, want, s.n);
}

static void json_escaping(void **state)
{
    (void)state;
    json_str("", "\"\"");
    json_str("plain", "\"plain\"");
    json_str("a\"b\\c", "\"a\\\"b\\\\c\"");
    json_str("\t\n\r\b\f\x01\x1f", "\"\\t\\n\\r\\b\\f\\u0001\\u001f\"");
    json_str("q\"b\\s/", "\"q\\\"b\\\\s/\""); /* a slash needs no escape */
    json_str("\x7f", "\"\x7f\"");
    /* Valid UTF-8 passes through: 2, 3 and 4 bytes. */
    json_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
             "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* Invalid UTF-8 becomes U+FFFD, one per byte that starts no valid sequence. */
    const char *fffd = "\xef\xbf\xbd";
    char want[64];
    snprintf(want, sizeof want, "\"a%sb\"", fffd);
    json_str("a\xff"
             "b",
             want); /* never valid */
    json_str("a\x80"
             "b",
             want); /* lone continuation */
    snprintf(want, sizeof want, "\"a%s%sb\"", fffd, fffd);
    json_str("a\xc0\xaf"
             "b",
             want); /* overlong 2-byte */
    json_str("a\xc3"
             "b",
             "\"a\xef\xbf\xbd"
             "b\""); /* truncated */
    snprintf(want, sizeof want, "\"%s%s%s\"", fffd, fffd, fffd);
    json_str("\xed\xa0\x80", want); /* a UTF-16 surrogate */
    json_str("\xe0\x80\xaf", want); /* overlong 3-byte */
    snprintf(want, sizeof want, "\"%s%s%s%s\"", fffd, fffd, fffd, fffd);
    json_str("\xf4\x90\x80\x80", want); /* above U+10FFFF */
    json_str("\xf0\x80\x80\xaf", want); /* overlong 4-byte */
}

static void u32_and_put(void **state)
{
    (void)state;
    char buf[64];
    sink_t s;
    sink_init(&s, buf, sizeof buf, 0);
    sink_u32(&s, 0);
    sink_put(&s, " ", 1);
    sink_u32(&s, 1234567890u);
    assert_int_equal(s.n, 12);
    assert_memory_equal(buf, "0 1234567890", 12);
    /* 64 bits: past 2^32, a group with leading zeros inside, and the largest. */
    sink_init(&s, buf, sizeof buf, 0);
    sink_u64(&s, 4294967296u);
    sink_put(&s, " ", 1);
    sink_u64(&s, 5000000000000000007u);
    sink_put(&s, " ", 1);
    sink_u64(&s, UINT64_MAX);
    assert_int_equal(s.n, 10 + 1 + 19 + 1 + 20);
    assert_memory_equal(buf, "4294967296 5000000000000000007 18446744073709551615", s.n);
    /* A full window stops writing but keeps counting. */
    sink_init(&s, buf, 3, 0);
    sink_str(&s, "abcdef");
    assert_true(sink_full(&s));
    assert_int_equal(s.pos, 6);
    assert_int_equal(s.n, 3);
}

static void expect(const sink_t *s, const char *buf, const char *want)
{
    assert_int_equal(s->n, strlen(want));
    assert_memory_equal(buf, want, s->n);
}

static void numbers(void **state)
{
    (void)state;
    char buf[64];
    sink_t s;
    sink_init(&s, buf, sizeof buf, 0);
    sink_i32(&s, 0);
    sink_put(&s, " ", 1);
    sink_i32(&s, -42);
    sink_put(&s, " ", 1);
    sink_i32(&s, INT32_MIN);
    sink_put(&s, " ", 1);
    sink_i32(&s, INT32_MAX);
    expect(&s, buf, "0 -42 -2147483648 2147483647");

    sink_init(&s, buf, sizeof buf, 0);
    sink_u32_pad(&s, 7, 2);
    sink_put(&s, " ", 1);
    sink_u32_pad(&s, 2026, 2); /* wider than asked: all digits */
    sink_put(&s, " ", 1);
    sink_u32_pad(&s, 5, 3);
    sink_put(&s, " ", 1);
    sink_u32_pad(&s, 0, 0);
    expect(&s, buf, "07 2026 005 0");

    /* Fixed point: guidance in tenths, progress in thousandths. */
    sink_init(&s, buf, sizeof buf, 0);
    sink_fixed(&s, 75, 1);
    sink_put(&s, " ", 1);
    sink_fixed(&s, 200, 1);
    sink_put(&s, " ", 1);
    sink_fixed(&s, 0, 3);
    sink_put(&s, " ", 1);
    sink_fixed(&s, 1000, 3);
    sink_put(&s, " ", 1);
    sink_fixed(&s, 5, 3);
    sink_put(&s, " ", 1);
    sink_fixed(&s, 12, 0);
    expect(&s, buf, "7.5 20.0 0.000 1.000 0.005 12");
}

/* A sink over a fixed buffer is the string builder: it says when the text did not fit. */
static void overflow_state(void **state)
{
    (void)state;
    char buf[8];
    sink_t s;
    sink_init(&s, buf, sizeof buf, 0);
    sink_str(&s, "12345678");
    assert_false(sink_overflowed(&s)); /* exactly full is not overflowed */
    assert_true(sink_full(&s));
    sink_put(&s, "9", 1);
    assert_true(sink_overflowed(&s));
    assert_int_equal(s.pos, 9); /* the size it would have needed */
    assert_int_equal(s.n, 8);
    /* An escape that does not fit whole still counts its full length. */
    sink_init(&s, buf, 3, 0);
    sink_json_str(&s, "a\n");
    assert_true(sink_overflowed(&s));
    assert_int_equal(s.pos, 5);
    /* A counting sink never overflows; a window past its document's end is not overflowed. */
    sink_init(&s, NULL, 0, 0);
    sink_str(&s, "anything");
    assert_false(sink_overflowed(&s));
    sink_init(&s, buf, sizeof buf, 4);
    sink_str(&s, "0123456789");
    assert_false(sink_overflowed(&s));
    expect(&s, buf, "456789");
    /* The C-string builder keeps a byte for the NUL, and leaves "" when the text is cut. */
    sink_init_cstr(&s, buf, sizeof buf);
    sink_str(&s, "1234567");
    assert_int_equal(sink_end_cstr(&s), 7);
    assert_string_equal(buf, "1234567");
    sink_init_cstr(&s, buf, sizeof buf);
    sink_str(&s, "12345678");
    assert_int_equal(sink_end_cstr(&s), -1);
    assert_string_equal(buf, "");
    buf[0] = 'x';
    sink_init_cstr(&s, buf, 0);
    sink_str(&s, "a");
    assert_int_equal(sink_end_cstr(&s), -1);
    assert_int_equal(buf[0], 'x'); /* cap 0: nothing written */
}

static void json_bytes_and_pieces(void **state)
{
    (void)state;
    char buf[64];
    sink_t s;
    /* Counted bytes: a NUL inside is escaped, not an end. */
    sink_init(&s, buf, sizeof buf, 0);
    sink_json_chars(&s, "a\0b\xc3", 4);
    expect(&s, buf, "a\\u0000b\xef\xbf\xbd"); /* the cut character is not valid alone */
    /* Trusted UTF-8 cut inside a character: each piece passes unchanged, and the pieces
     * together are the escape of the whole. */
    const char *msg = "\"caf\xc3\xa9\"\n";
    size_t len = strlen(msg);
    sink_init(&s, buf, sizeof buf, 0);
    sink_json_utf8(&s, msg, 5); /* ends after 0xc3 */
    sink_json_utf8(&s, msg + 5, len - 5);
    expect(&s, buf, "\\\"caf\xc3\xa9\\\"\\n");
    /* json_escaped_len() is what each byte takes. */
    size_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += json_escaped_len((uint8_t)msg[i]);
    assert_int_equal(sum, s.n);
    assert_int_equal(json_escaped_len(0x01), 6);
    assert_int_equal(json_escaped_len('\\'), 2);
    assert_int_equal(json_escaped_len(0xc3), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_equals_slice_at_every_offset),
        cmocka_unit_test(base64_known_vectors),
        cmocka_unit_test(json_escaping),
        cmocka_unit_test(u32_and_put),
        cmocka_unit_test(numbers),
        cmocka_unit_test(overflow_state),
        cmocka_unit_test(json_bytes_and_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
