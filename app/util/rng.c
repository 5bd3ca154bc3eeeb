#include "app/util/rng.h"

#include "app/board.h"
#include "app/log.h"
#include "mbedtls/ctr_drbg.h"

static mbedtls_ctr_drbg_context drbg;
static int seeded;

static int entropy_cb(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return board_entropy(buf, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

int rng_bytes(uint8_t *out, size_t n)
{
    if (!seeded) {
        static const unsigned char pers[] = "edgeartist job ids";
        mbedtls_ctr_drbg_init(&drbg);
        if (mbedtls_ctr_drbg_seed(&drbg, entropy_cb, NULL, pers, sizeof pers - 1) != 0) {
            LOGE("rng: entropy source failed");
            return -1;
        }
        if (!board_entropy_is_strong())
            LOGW("rng: board entropy is not secure; ids are unique but guessable");
        seeded = 1;
    }
    return mbedtls_ctr_drbg_random(&drbg, out, n) == 0 ? 0 : -1;
}
