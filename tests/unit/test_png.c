/* The PNG writer, checked by an independent decoder path: zlib inflates the IDAT stream
 * (which also verifies Adler-32) and zlib's crc32 checks every chunk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "app/gen/gen.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void make_image(uint8_t *rgb, uint32_t seed)
{
    for (int i = 0; i < GEN_RGB_SIZE; i++) {
        seed = seed * 1103515245u + 12345u;
        rgb[i] = (uint8_t)(seed >> 16);
    }
}

static void decodes_to_the_same_pixels(void **state)
{
    (void)state;
    uint8_t rgb[GEN_RGB_SIZE], png[GEN_PNG_MAX];
    make_image(rgb, 7);
    size_t n = png_encode_rgb(rgb, GEN_W, GEN_H, png, sizeof png);
    assert_true(n > 0 && n <= sizeof png);
    assert_int_equal(n, png_size_rgb(GEN_W, GEN_H));
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);

    /* Walk the chunks: IHDR, IDAT, IEND, each with a correct CRC. */
    size_t off = 8;
    const char *want[] = {"IHDR", "IDAT", "IEND"};
    const uint8_t *idat = NULL;
    uint32_t idat_len = 0;
    for (int k = 0; k < 3; k++) {
        assert_true(off + 12 <= n);
        uint32_t len = be32(png + off);
        assert_memory_equal(png + off + 4, want[k], 4);
        uint32_t crc = (uint32_t)crc32(0, png + off + 4, len + 4);
        assert_int_equal(crc, be32(png + off + 8 + len));
        if (k == 0) {
            assert_int_equal(be32(png + off + 8), GEN_W);
            assert_int_equal(be32(png + off + 12), GEN_H);
            assert_int_equal(png[off + 16], 8); /* bit depth */
            assert_int_equal(png[off + 17], 2); /* RGB */
        }
        if (k == 1) {
            idat = png + off + 8;
            idat_len = len;
        }
        off += 12 + len;
    }
    assert_int_equal(off, n);

    uint8_t raw[(GEN_W * 3 + 1) * GEN_H + 16];
    uLongf raw_len = sizeof raw;
    assert_int_equal(uncompress(raw, &raw_len, idat, idat_len), Z_OK);
    assert_int_equal(raw_len, (GEN_W * 3 + 1) * GEN_H);
    for (int y = 0; y < GEN_H; y++) {
        assert_int_equal(raw[y * (GEN_W * 3 + 1)], 0); /* filter: none */
        assert_memory_equal(raw + y * (GEN_W * 3 + 1) + 1, rgb + y * GEN_W * 3, GEN_W * 3);
    }
}

static void refuses_a_buffer_too_small(void **state)
{
    (void)state;
    uint8_t rgb[GEN_RGB_SIZE] = {0}, png[GEN_PNG_MAX];
    size_t n = png_encode_rgb(rgb, GEN_W, GEN_H, png, sizeof png);
    assert_int_equal(png_encode_rgb(rgb, GEN_W, GEN_H, png, n - 1), 0);
    assert_int_equal(png_encode_rgb(rgb, GEN_W, GEN_H, png, n), n);
}

static void same_pixels_same_bytes(void **state)
{
    (void)state;
    uint8_t a[GEN_RGB_SIZE], b[GEN_RGB_SIZE], pa[GEN_PNG_MAX], pb[GEN_PNG_MAX];
    make_image(a, 1);
    make_image(b, 1);
    size_t na = png_encode_rgb(a, GEN_W, GEN_H, pa, sizeof pa);
    size_t nb = png_encode_rgb(b, GEN_W, GEN_H, pb, sizeof pb);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na);
    b[100] ^= 1;
    png_encode_rgb(b, GEN_W, GEN_H, pb, sizeof pb);
    assert_memory_not_equal(pa, pb, na);
}

/* A larger image needs several stored blocks (65535 bytes each). */
static void large_image_spans_blocks(void **state)
{
    (void)state;
    enum { W = 160, H = 160 };
    static uint8_t rgb[W * H * 3], png[W * H * 3 + H + 1024], raw[(W * 3 + 1) * H];
    for (size_t i = 0; i < sizeof rgb; i++)
        rgb[i] = (uint8_t)(i * 31);
    size_t n = png_encode_rgb(rgb, W, H, png, sizeof png);
    assert_true(n > 0);
    uint32_t len = be32(png + 33);
    uLongf raw_len = sizeof raw;
    assert_int_equal(uncompress(raw, &raw_len, png + 33 + 8, len), Z_OK);
    assert_int_equal(raw_len, sizeof raw);
    assert_memory_equal(raw + 1, rgb, W * 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_to_the_same_pixels),
        cmocka_unit_test(refuses_a_buffer_too_small),
        cmocka_unit_test(same_pixels_same_bytes),
        cmocka_unit_test(large_image_spans_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
