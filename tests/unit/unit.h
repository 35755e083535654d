/*
 * unit.h — what every unit test includes: cmocka, and checks that name the
 * table row that failed.
 *
 * cmocka's assert_int_equal says only which line failed; in a table of cases
 * that line is the loop, so these checks print the case's name (usually the
 * rule's id in docs/rules.md) and both values instead.
 */
#ifndef OB_TESTS_UNIT_H
#define OB_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK_INT(name, got, want)                                                            \
    do {                                                                                      \
        long long got_ = (long long)(got), want_ = (long long)(want);                         \
        if (got_ != want_)                                                                    \
            fail_msg("%s: %s is %lld, want %lld", (name), #got, got_, want_);                 \
    } while (0)

#define CHECK_STR(name, got, want)                                                            \
    do {                                                                                      \
        const char *got_ = (got), *want_ = (want);                                            \
        if (!got_ || !want_ || strcmp(got_, want_) != 0)                                      \
            fail_msg("%s: %s is '%s', want '%s'", (name), #got, got_ ? got_ : "(null)",      \
                     want_ ? want_ : "(null)");                                               \
    } while (0)

#define CHECK_TRUE(name, cond)                                                                \
    do {                                                                                      \
        if (!(cond))                                                                          \
            fail_msg("%s: expected %s", (name), #cond);                                       \
    } while (0)

#endif
