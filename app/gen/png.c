/* PNG writer for small RGB images: one IDAT with a zlib stream of stored (uncompressed)
 * deflate blocks. A 32x32 image is 3 KB either way, and stored blocks cost no RAM or time. */
#include <string.h>

#include "app/gen/gen.h"

/* CRC-32 (IEEE, reflected), four bits at a time: a 64-byte table instead of 1 KB. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t nib[16] = {0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
                                     0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
                                     0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
                                     0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nib[crc & 15];
        crc = (crc >> 4) ^ nib[crc & 15];
    }
    return ~crc;
}

typedef struct {
    uint8_t *out;
    size_t cap, n;
    uint32_t adler_a, adler_b;
} png_w_t;

static void put(png_w_t *w, const void *p, size_t n)
{
    if (w->n + n <= w->cap) memcpy(w->out + w->n, p, n);
    w->n += n;
}

static void put32(png_w_t *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 4);
}

/* Image data bytes go through Adler-32 as they are written. */
static void put_data(png_w_t *w, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        w->adler_a = (w->adler_a + p[i]) % 65521u;
        w->adler_b = (w->adler_b + w->adler_a) % 65521u;
    }
    put(w, p, n);
}

static void chunk_end(png_w_t *w, size_t start)
{
    /* The CRC covers the chunk type and data, not the length. */
    uint32_t crc = w->n <= w->cap ? crc32_update(0, w->out + start + 4, w->n - start - 4) : 0;
    put32(w, crc);
}

size_t png_size_rgb(int w, int h)
{
    size_t raw = ((size_t)w * 3 + 1) * (size_t)h;
    size_t blocks = (raw + 65534) / 65535;
    /* signature, IHDR chunk, IDAT chunk (zlib header, stored blocks, Adler-32), IEND */
    return 8 + (12 + 13) + (12 + 2 + raw + 5 * blocks + 4) + 12;
}

size_t png_encode_rgb(const uint8_t *rgb, int w_px, int h_px, uint8_t *out, size_t cap)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    png_w_t w = {out, cap, 0, 1, 0};
    size_t row = (size_t)w_px * 3;
    size_t raw = (row + 1) * (size_t)h_px; /* each row starts with filter type 0 */
    put(&w, sig, sizeof sig);

    size_t start = w.n;
    put32(&w, 13);
    put(&w, "IHDR", 4);
    put32(&w, (uint32_t)w_px);
    put32(&w, (uint32_t)h_px);
    const uint8_t ihdr_tail[5] = {8, 2, 0, 0, 0}; /* 8-bit RGB, deflate, no filter, no interlace */
    put(&w, ihdr_tail, 5);
    chunk_end(&w, start);

    size_t blocks = (raw + 65534) / 65535;
    start = w.n;
    put32(&w, (uint32_t)(2 + raw + 5 * blocks + 4));
    put(&w, "IDAT", 4);
    const uint8_t zhdr[2] = {0x78, 0x01}; /* deflate, 32 KB window, no dictionary */
    put(&w, zhdr, 2);
    size_t left = raw;
    int y = 0;
    size_t in_row = 0; /* bytes of the current row (filter byte included) already written */
    while (left > 0) {
        uint16_t len = (uint16_t)(left > 65535 ? 65535 : left);
        uint8_t bh[5] = {(uint8_t)(left == len), (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)~len,
                         (uint8_t)(~len >> 8)};
        put(&w, bh, 5);
        size_t todo = len;
        while (todo > 0) {
            if (in_row == 0) {
                const uint8_t filter = 0;
                put_data(&w, &filter, 1);
                in_row = 1;
                todo--;
                continue;
            }
            size_t take = row + 1 - in_row;
            if (take > todo) take = todo;
            put_data(&w, rgb + (size_t)y * row + (in_row - 1), take);
            in_row += take;
            todo -= take;
            if (in_row == row + 1) {
                in_row = 0;
                y++;
            }
        }
        left -= len;
    }
    put32(&w, (w.adler_b << 16) | w.adler_a);
    chunk_end(&w, start);

    start = w.n;
    put32(&w, 0);
    put(&w, "IEND", 4);
    chunk_end(&w, start);
    return w.n <= cap ? w.n : 0;
}
