/*
 * bench/now.h — the monotonic clock in seconds, for the standalone loops
 * (bench/admission.c, bench/pgadmission.c).
 */
#ifndef OB_BENCH_NOW_H
#define OB_BENCH_NOW_H

#include <time.h>

static inline double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
