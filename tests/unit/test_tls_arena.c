/* The TLS heap's arenas (port/tls_arena.h): what a session's mbedTLS allocations may rely
 * on (zeroed, 8-aligned, whole blocks back on free) and what the split buys: a session's
 * churn cannot tear another's arena, and an arena is whole again once its blocks are freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/config.h"
#include "port/tls_arena.h"

static _Alignas(8) unsigned char heap[4096 + 2 * 8192];

static int setup(void **state)
{
    (void)state;
    memset(heap, 0xa5, sizeof heap);
    tls_arena_init(heap, sizeof heap, 4096, 2);
    tls_arena_use(TLS_ARENA_SHARED);
    return 0;
}

static void blocks_are_zeroed_aligned_and_counted(void **state)
{
    (void)state;
    tls_arena_use(0);
    unsigned char *a = tls_arena_calloc(3, 7), *b = tls_arena_calloc(1, 100);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal((uintptr_t)a % 8, 0);
    assert_int_equal((uintptr_t)b % 8, 0);
    for (int i = 0; i < 21; i++)
        assert_int_equal(a[i], 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(b[i], 0);
    assert_true(b >= a + 21); /* no overlap */
    tls_arena_stats_t s = tls_arena_stats(0);
    assert_int_equal(s.blocks, 2);
    assert_int_equal(s.used, (8 + 24) + (8 + 104));
    assert_int_equal(tls_arena_stats(1).used, 0);
    assert_int_equal(tls_arena_stats(TLS_ARENA_SHARED).used, 0);
    tls_arena_free(a);
    tls_arena_free(b);
    s = tls_arena_stats(0);
    assert_int_equal(s.used, 0);
    assert_int_equal(s.blocks, 0);
    assert_int_equal(s.peak, (8 + 24) + (8 + 104));
}

static void refuses_what_cannot_be_and_survives_bad_frees(void **state)
{
    (void)state;
    tls_arena_use(1);
    assert_null(tls_arena_calloc(0, 16));
    assert_null(tls_arena_calloc(SIZE_MAX / 2, 4)); /* n * size overflows */
    assert_null(tls_arena_calloc(1, 8192 + 4096));  /* more than the arena and the shared one */
    void *p = tls_arena_calloc(1, 64);
    tls_arena_free(p);
    tls_arena_free(p); /* a double free is ignored */
    tls_arena_free(NULL);
    tls_arena_free(heap + sizeof heap + 64); /* not ours */
    assert_int_equal(tls_arena_stats(1).used, 0);
    assert_non_null(tls_arena_calloc(1, 8192 - 8)); /* the whole arena, in one block */
}

/* The failure the split exists for: one session's allocations interleave with another's
 * coming and going; the long-lived session can still get its largest block, and the
 * other's arena is whole once it ends. */
static void a_sessions_churn_does_not_tear_another(void **state)
{
    (void)state;
    void *keep[8], *churn[8];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 8; i++) {
            tls_arena_use(0);
            keep[i] = round == 0 ? tls_arena_calloc(1, 200 + 8 * i) : keep[i];
            tls_arena_use(1);
            churn[i] = tls_arena_calloc(1, 100 + 37 * ((round + i) % 11));
            assert_non_null(churn[i]);
        }
        for (int i = 0; i < 8; i += 2)
            tls_arena_free(churn[i]);
        for (int i = 1; i < 8; i += 2)
            tls_arena_free(churn[i]);
        assert_int_equal(tls_arena_stats(1).used, 0);
        tls_arena_use(1);
        void *big = tls_arena_calloc(1, 8192 - 8); /* merged back into one block */
        assert_non_null(big);
        tls_arena_free(big);
    }
    tls_arena_use(0);
    size_t held = tls_arena_stats(0).used;
    void *big0 = tls_arena_calloc(1, 8192 - 8 - held - 8);
    assert_non_null(big0);
    for (int i = 0; i < 8; i++)
        tls_arena_free(keep[i]);
    tls_arena_free(big0);
    assert_int_equal(tls_arena_total().used, 0);
}

static void a_small_overflow_falls_back_to_the_shared_arena(void **state)
{
    (void)state;
    tls_arena_use(0);
    void *full = tls_arena_calloc(1, 8192 - 8);
    assert_non_null(full);
    void *more = tls_arena_calloc(1, 512);
    assert_non_null(more);
    assert_true((unsigned char *)more >= heap && (unsigned char *)more < heap + 4096);
    assert_int_equal(tls_arena_stats(TLS_ARENA_SHARED).used, 8 + 512);
    tls_arena_free(more);
    tls_arena_free(full);
    tls_arena_stats_t t = tls_arena_total();
    assert_int_equal(t.used, 0);
    /* The overflow went to the shared arena: the session high-water is arena 0's alone. */
    assert_int_equal(t.session_peak, 8192);
    assert_int_equal(t.size, sizeof heap);
    assert_int_equal(tls_arena_use(TLS_ARENA_SHARED), 0); /* the previous one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(blocks_are_zeroed_aligned_and_counted, setup),
        cmocka_unit_test_setup(refuses_what_cannot_be_and_survives_bad_frees, setup),
        cmocka_unit_test_setup(a_sessions_churn_does_not_tear_another, setup),
        cmocka_unit_test_setup(a_small_overflow_falls_back_to_the_shared_arena, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
