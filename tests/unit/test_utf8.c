/* The incremental UTF-8 validator: valid and invalid sequences (the Autobahn case 6 families
 * and Markus Kuhn's stress test), each fed at every split point, with the index of the first
 * invalid byte checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/util/utf8.h"

typedef struct {
    const char *name;
    const char *bytes;
    size_t len;
    long bad; /* index of the first invalid byte; -1 valid; -2 valid prefix, truncated */
} u8case_t;

#define S(x) x, sizeof(x) - 1

static const u8case_t cases[] = {
    {"empty", S(""), -1},
    {"ascii", S("Hello-\x7f"), -1},
    {"kosme", S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), -1},
    {"U+0080", S("\xc2\x80"), -1},
    {"U+07FF", S("\xdf\xbf"), -1},
    {"U+0800", S("\xe0\xa0\x80"), -1},
    {"U+D7FF", S("\xed\x9f\xbf"), -1},
    {"U+E000", S("\xee\x80\x80"), -1},
    {"U+FFFD", S("\xef\xbf\xbd"), -1},
    {"U+FFFF", S("\xef\xbf\xbf"), -1},
    {"U+10000", S("\xf0\x90\x80\x80"), -1},
    {"U+10FFFF", S("\xf4\x8f\xbf\xbf"), -1},
    {"emoji mix",
     S("a\xf0\x9f\x98\x80"
       "b\xe2\x82\xac"
       "c"),
     -1},
    {"stray continuation", S("ab\x80"), 2},
    {"continuation bf", S("\xbf"), 0},
    {"overlong C0 80", S("\xc0\x80"), 0},
    {"overlong C1 BF", S("\xc1\xbf"), 0},
    {"overlong E0 80 80", S("\xe0\x80\x80"), 1},
    {"overlong E0 9F BF", S("\xe0\x9f\xbf"), 1},
    {"overlong F0 80 80 80", S("\xf0\x80\x80\x80"), 1},
    {"overlong F0 8F BF BF", S("\xf0\x8f\xbf\xbf"), 1},
    {"surrogate D800", S("\xed\xa0\x80"), 1},
    {"surrogate DFFF", S("\xed\xbf\xbf"), 1},
    {"surrogate pair", S("\xed\xa0\x80\xed\xb0\x80"), 1},
    {"U+110000", S("\xf4\x90\x80\x80"), 1},
    {"F5 lead", S("\xf5\x80\x80\x80"), 0},
    {"FE", S("a\xfe"), 1},
    {"FF", S("\xff"), 0},
    {"2-byte cut by ascii",
     S("\xc2"
       "a"),
     1},
    {"3-byte cut by ascii",
     S("\xe2\x82"
       "a"),
     2},
    {"4-byte cut by lead", S("\xf0\x9f\x98\xc2\x80"), 3},
    {"kosme then bad",
     S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
       "edited"),
     12},
    {"truncated 2-byte", S("a\xc2"), -2},
    {"truncated 3-byte", S("\xe2\x82"), -2},
    {"truncated 4-byte", S("\xf0\x9f\x98"), -2},
};

static void check_case(const u8case_t *c, size_t split)
{
    utf8_t u;
    utf8_reset(&u);
    const uint8_t *p = (const uint8_t *)c->bytes;
    size_t a = utf8_feed(&u, p, split);
    long bad = -1;
    if (a < split) {
        bad = (long)a;
    } else {
        size_t b = utf8_feed(&u, p + split, c->len - split);
        if (b < c->len - split) bad = (long)(split + b);
    }
    if (c->bad >= 0) {
        if (bad != c->bad)
            fail_msg("%s split %zu: bad at %ld, want %ld", c->name, split, bad, c->bad);
    } else {
        if (bad != -1) fail_msg("%s split %zu: refused at %ld", c->name, split, bad);
        bool complete = utf8_complete(&u);
        if (complete != (c->bad == -1))
            fail_msg("%s split %zu: complete=%d", c->name, split, complete);
    }
}

static void test_every_case_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (size_t s = 0; s <= cases[i].len; s++)
            check_case(&cases[i], s);
}

/* Byte by byte: the error appears exactly when the bad byte is fed (fail fast). */
static void test_fail_fast_byte_by_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const u8case_t *c = &cases[i];
        utf8_t u;
        utf8_reset(&u);
        long bad = -1;
        for (size_t k = 0; k < c->len && bad < 0; k++)
            if (utf8_feed(&u, (const uint8_t *)c->bytes + k, 1) == 0) bad = (long)k;
        assert_int_equal(bad, c->bad >= 0 ? c->bad : -1);
    }
}

/* Every code point: the valid ones encode and validate, surrogates refuse. */
static void test_all_code_points(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x20000 ? 1 : 61)) {
        uint8_t b[4];
        size_t n;
        if (cp < 0x80) {
            b[0] = (uint8_t)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (uint8_t)(0xC0 | cp >> 6);
            b[1] = (uint8_t)(0x80 | (cp & 63));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (uint8_t)(0xE0 | cp >> 12);
            b[1] = (uint8_t)(0x80 | ((cp >> 6) & 63));
            b[2] = (uint8_t)(0x80 | (cp & 63));
            n = 3;
        } else {
            b[0] = (uint8_t)(0xF0 | cp >> 18);
            b[1] = (uint8_t)(0x80 | ((cp >> 12) & 63));
            b[2] = (uint8_t)(0x80 | ((cp >> 6) & 63));
            b[3] = (uint8_t)(0x80 | (cp & 63));
            n = 4;
        }
        bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        assert_int_equal(utf8_valid(b, n), !surrogate);
    }
}

/* Every 1- and 2-byte input against a direct definition. */
static void test_exhaustive_two_bytes(void **state)
{
    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        uint8_t one = (uint8_t)a;
        assert_int_equal(utf8_valid(&one, 1), a < 0x80);
        for (unsigned b = 0; b < 256; b++) {
            uint8_t two[2] = {(uint8_t)a, (uint8_t)b};
            bool want =
                (a < 0x80 && b < 0x80) || (a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF);
            assert_int_equal(utf8_valid(two, 2), want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_case_every_split),
        cmocka_unit_test(test_fail_fast_byte_by_byte),
        cmocka_unit_test(test_all_code_points),
        cmocka_unit_test(test_exhaustive_two_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
