/*
 * test_buf.c — the capped buffer (base/buf.h) and the request arena
 * (base/mem.h).
 *
 * The cap is the buffer's whole point (the house rule: going past it is an error,
 * not a crash), so each way of appending is tried at the cap and one byte
 * past it, and the content must be exactly what it was before the refusal.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "unit.h"
#include "base/banned.h"

static void
test_buf_empty_is_a_string(void **state)
{
    struct ob_buf b;

    (void)state;
    ob_buf_init(&b, 16);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    assert_int_equal(b.len, 0);
    ob_buf_reset(&b);
    assert_string_equal(b.p, "");
    ob_buf_free(&b);
    assert_string_equal(b.p, "");
}

static void
test_buf_appends(void **state)
{
    struct ob_buf b;

    (void)state;
    ob_buf_init(&b, 1024);
    assert_int_equal(ob_buf_adds(&b, "abc"), 0);
    assert_int_equal(ob_buf_addc(&b, '-'), 0);
    assert_int_equal(ob_buf_add(&b, "xyz\0tail", 8), 0);
    assert_int_equal(b.len, 12);
    assert_memory_equal(b.p, "abc-xyz\0tail", 13);
    assert_int_equal(b.p[12], '\0');
    assert_int_equal(ob_buf_add(&b, NULL, 0), 0);
    assert_int_equal(b.len, 12);
    ob_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    assert_int_equal(ob_buf_addf(&b, "%s=%d;%05.1f", "n", -42, 3.14159), 0);
    assert_string_equal(b.p, "n=-42;003.1");
    assert_int_equal(b.len, strlen("n=-42;003.1"));
    ob_buf_free(&b);
}

static void
test_buf_grows_over_many_appends(void **state)
{
    struct ob_buf b;

    (void)state;
    ob_buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ob_buf_addf(&b, "%04d,", i % 10000), 0);
    assert_int_equal(b.len, 50000);
    assert_true(b.cap > b.len);
    assert_memory_equal(b.p, "0000,0001,", 10);
    assert_memory_equal(b.p + 49995, "9999,", 6);
    ob_buf_free(&b);
}

/* One way of appending `n` bytes of 'x'. */
static int
add_by(struct ob_buf *b, char how, size_t n)
{
    char tmp[64];

    memset(tmp, 'x', sizeof(tmp));
    tmp[n] = '\0';
    switch (how) {
    case 'a':
        return ob_buf_add(b, tmp, n);
    case 's':
        return ob_buf_adds(b, tmp);
    case 'c':
        return n == 1 ? ob_buf_addc(b, 'x') : OB_EINTERNAL;
    case 'p':
        return ob_buf_put(b, tmp, n);
    case 'P':
        return ob_buf_puts(b, tmp);
    case 'C':
        return n == 1 ? ob_buf_putc(b, 'x') : OB_EINTERNAL;
    default:
        return ob_buf_addf(b, "%s", tmp);
    }
}

static const struct cap_case {
    const char *name;
    char how;
    size_t max, before, add;
    int want_rc;
} cap_cases[] = {
    { "add up to the cap", 'a', 8, 4, 4, 0 },
    { "add one past the cap", 'a', 8, 4, 5, OB_ETOOLARGE },
    { "adds up to the cap", 's', 8, 7, 1, 0 },
    { "adds one past the cap", 's', 8, 8, 1, OB_ETOOLARGE },
    { "addc at the cap", 'c', 8, 8, 1, OB_ETOOLARGE },
    { "addc below the cap", 'c', 8, 7, 1, 0 },
    { "addf up to the cap", 'f', 16, 10, 6, 0 },
    { "addf one past the cap", 'f', 16, 10, 7, OB_ETOOLARGE },
    { "addf far past the cap", 'f', 16, 0, 60, OB_ETOOLARGE },
    { "cap 0 refuses everything", 'a', 0, 0, 1, OB_ETOOLARGE },
    { "cap 0 takes nothing", 'a', 0, 0, 0, 0 },
    { "past the first allocation", 'a', 200, 60, 60, 0 },
    /* the inline puts: the memory is there (64 bytes), the cap is not */
    { "put up to the cap", 'p', 8, 4, 4, 0 },
    { "put one past the cap, in the allocation", 'p', 8, 4, 5, OB_ETOOLARGE },
    { "puts up to the cap", 'P', 8, 7, 1, 0 },
    { "puts one past the cap", 'P', 8, 8, 1, OB_ETOOLARGE },
    { "putc at the cap", 'C', 8, 8, 1, OB_ETOOLARGE },
    { "putc below the cap", 'C', 8, 7, 1, 0 },
    { "put into an empty buffer", 'p', 8, 0, 3, 0 },
    { "put filling the allocation to its last byte", 'p', 200, 60, 3, 0 },
    { "put past the first allocation", 'p', 200, 60, 60, 0 },
    { "put on cap 0", 'p', 0, 0, 1, OB_ETOOLARGE },
};

static void
test_buf_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cap_cases); i++) {
        const struct cap_case *c = &cap_cases[i];
        struct ob_buf b;
        char *before;

        ob_buf_init(&b, c->max);
        for (size_t k = 0; k < c->before; k++)
            CHECK_INT(c->name, ob_buf_addc(&b, (char)('a' + k % 26)), 0);
        before = strdup(b.p);
        CHECK_INT(c->name, add_by(&b, c->how, c->add), c->want_rc);
        if (c->want_rc == 0) {
            CHECK_INT(c->name, b.len, c->before + c->add);
        } else {
            CHECK_INT(c->name, b.len, c->before);
            CHECK_STR(c->name, b.p, before);    /* content left as it was */
        }
        CHECK_TRUE(c->name, b.len <= c->max);
        CHECK_INT(c->name, b.p[b.len], '\0');
        free(before);
        ob_buf_free(&b);
    }
}

static void
test_buf_detach(void **state)
{
    struct ob_buf b;
    size_t len = 99;
    char *p;

    (void)state;
    ob_buf_init(&b, 64);
    p = ob_buf_detach(&b, &len);      /* never allocated: still a fresh string */
    assert_string_equal(p, "");
    assert_int_equal(len, 0);
    free(p);
    assert_int_equal(ob_buf_adds(&b, "hello"), 0);
    p = ob_buf_detach(&b, &len);
    assert_string_equal(p, "hello");
    assert_int_equal(len, 5);
    assert_int_equal(b.len, 0);        /* the buffer is reset and reusable */
    assert_string_equal(b.p, "");
    assert_int_equal(ob_buf_adds(&b, "again"), 0);
    assert_string_equal(p, "hello");   /* the detached bytes are the caller's */
    assert_string_equal(b.p, "again");
    free(p);
    p = ob_buf_detach(&b, NULL);
    assert_string_equal(p, "again");
    free(p);
    ob_buf_free(&b);
}

static void
test_arena_alignment_and_zero(void **state)
{
    static const size_t sizes[] = { 0, 1, 3, 15, 16, 17, 100, 4000, 4096, 5000, 70000, 7 };
    struct ob_arena a;

    (void)state;
    ob_arena_init(&a);
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < NELEM(sizes); i++) {
            unsigned char *p = ob_arena_alloc(&a, sizes[i]);

            if ((uintptr_t)p % 16 != 0)
                fail_msg("allocation of %zu bytes at %p is not 16-byte aligned", sizes[i],
                         (void *)p);
            for (size_t k = 0; k < sizes[i]; k++)
                if (p[k] != 0)
                    fail_msg("allocation of %zu bytes: byte %zu is %d", sizes[i], k, p[k]);
            memset(p, 0xAB, sizes[i]);      /* dirty it so a reused byte would show */
        }
    }
    assert_true(a.total >= 50 * (4096 + 5000 + 70000));
    ob_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
}

static void
test_arena_big_allocations(void **state)
{
    struct ob_arena a;
    unsigned char *small, *big, *huge, *after;

    (void)state;
    ob_arena_init(&a);
    small = ob_arena_alloc(&a, 10);
    memcpy(small, "0123456789", 10);
    big = ob_arena_alloc(&a, 3 * 1024 * 1024);     /* larger than the biggest block */
    huge = ob_arena_alloc(&a, 5 * 1024 * 1024);
    after = ob_arena_alloc(&a, 32);
    assert_non_null(big);
    assert_non_null(huge);
    memset(big, 1, 3 * 1024 * 1024);
    memset(huge, 2, 5 * 1024 * 1024);
    memset(after, 3, 32);
    assert_memory_equal(small, "0123456789", 10);  /* nothing overlapped */
    assert_int_equal(big[3 * 1024 * 1024 - 1], 1);
    assert_int_equal(huge[0], 2);
    assert_true(a.total >= 8 * 1024 * 1024 + 48);
    ob_arena_free(&a);
}

static void
test_arena_strings(void **state)
{
    struct ob_arena a;
    char long_arg[3000];
    char *p;

    (void)state;
    ob_arena_init(&a);
    assert_string_equal(ob_arena_strdup(&a, "привет"), "привет");
    assert_string_equal(ob_arena_strndup(&a, "abcdef", 3), "abc");
    assert_string_equal(ob_arena_strndup(&a, "", 0), "");
    assert_string_equal(ob_arena_printf(&a, "%s/%d/%c", "x", 7, 'z'), "x/7/z");
    memset(long_arg, 'q', sizeof(long_arg) - 1);
    long_arg[sizeof(long_arg) - 1] = '\0';
    p = ob_arena_printf(&a, "<%s><%s>", long_arg, long_arg);
    assert_int_equal(strlen(p), 2 * (sizeof(long_arg) - 1) + 4);
    assert_int_equal(p[0], '<');
    assert_int_equal(p[sizeof(long_arg)], '>');
    assert_int_equal(p[strlen(p) - 1], '>');
    ob_arena_free(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty_is_a_string),
        cmocka_unit_test(test_buf_appends),
        cmocka_unit_test(test_buf_grows_over_many_appends),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_detach),
        cmocka_unit_test(test_arena_alignment_and_zero),
        cmocka_unit_test(test_arena_big_allocations),
        cmocka_unit_test(test_arena_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
