/* Entropy for lwIP (TCP initial sequence numbers, ephemeral ports) and for the firmware's
 * random identifiers.
 *
 * NOT CRYPTOGRAPHICALLY SECURE. The AN386 board (and QEMU's model of it) has no true random
 * number generator. The seed is made of what the board offers: the MAC address (fixed and
 * public), SysTick's current value sampled at boot and at every received frame, and the
 * LAN9118's free-running 25 MHz counter. Under QEMU these timings depend on the host and
 * vary from run to run; on the real board a cold boot is nearly deterministic, and only
 * the arrival times of frames add uncertainty. An attacker who can observe or guess them can
 * predict the output. board_entropy_is_strong() says so, and /api/health reports it. Do not
 * use this board's entropy for TLS keys; a board with a TRNG must be used for that.
 *
 * The pool is four 32-bit words; every sample is folded in with a 32-bit finaliser (murmur3
 * fmix32), and output comes from a xoshiro128** step over the pool. */
#include <stdint.h>
#include <string.h>

#include "app/board.h"
#include "board/mps2-an386/mps2.h"

static uint32_t pool[4] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au};
static uint32_t fold_at;

static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static uint32_t rotl(uint32_t x, int k)
{
    return (x << k) | (x >> (32 - k));
}

static uint32_t next(void)
{
    uint32_t r = rotl(pool[1] * 5u, 7) * 9u, t = pool[1] << 9;
    pool[2] ^= pool[0];
    pool[3] ^= pool[1];
    pool[1] ^= pool[2];
    pool[0] ^= pool[3];
    pool[2] ^= t;
    pool[3] = rotl(pool[3], 11);
    return r;
}

void mps2_entropy_stir(uint32_t sample)
{
    uint32_t at = fold_at++;
    pool[at & 3] ^= fmix32(sample + at * 0x9e3779b9u);
    (void)next();
    if ((pool[0] | pool[1] | pool[2] | pool[3]) == 0) pool[0] = 1; /* xoshiro's one bad state */
}

void mps2_entropy_init(const uint8_t mac[6])
{
    uint32_t m0, m1 = 0;
    memcpy(&m0, mac, 4);
    memcpy(&m1, mac + 4, 2);
    mps2_entropy_stir(m0);
    mps2_entropy_stir(m1);
    /* SysTick sampled after busy loops whose length depends on the previous sample: the
     * little jitter there is (host scheduling under QEMU, bus waits on hardware). */
    for (int i = 0; i < 64; i++) {
        uint32_t v = SYST_CVR;
        for (volatile uint32_t spin = v & 0xFF; spin > 0; spin--) {
        }
        mps2_entropy_stir(v ^ (uint32_t)board_now_us());
    }
}

int board_entropy(uint8_t *buf, size_t len)
{
    mps2_entropy_stir(SYST_CVR);
    while (len > 0) {
        uint32_t r = next();
        size_t n = len < 4 ? len : 4;
        memcpy(buf, &r, n);
        buf += n;
        len -= n;
    }
    return 0;
}

int board_entropy_is_strong(void)
{
    return 0;
}
