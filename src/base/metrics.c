/*
 * metrics.c — counters and a latency histogram for /metrics.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "banned.h"

static const int statuses[] = { 200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404,
                                405, 409, 413, 415, 422, 429, 500, 503 };
#define NSTATUS (int)(sizeof(statuses) / sizeof(statuses[0]) + 1) /* + other */

static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10 };
#define NBUCKETS (int)(sizeof(buckets) / sizeof(buckets[0]))

static atomic_uint_fast64_t requests[OB_METRICS_MAX_ROUTES + 1][NSTATUS];
static atomic_uint_fast64_t hist[NBUCKETS + 1];
static atomic_uint_fast64_t hist_sum_us, hist_count;
static atomic_int in_flight;
static atomic_uint_fast64_t password_hashes;
static atomic_uint_fast64_t signup_codes;
static atomic_uint_fast64_t principal_cache[3];
static atomic_uint_fast64_t entitlement_cache[2];
static atomic_uint_fast64_t cuts[2];

/* Why admission refuses (model/areas/admission.c); the last slot is "other". */
static const char *const refusals[] = {
    "session.subscriber_limit", "session.user_limit", "area.subscriber_blocked",
    "session.app_not_included", "area.not_found", "area.not_ready",
    "session.take_over_not_yours", "other",
};
#define NREFUSALS (int)(sizeof(refusals) / sizeof(refusals[0]))
static atomic_uint_fast64_t refused[NREFUSALS];

#define MAX_JOBS 64
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char kind[16], name[48], result[16];
    uint64_t count;
} jobs[MAX_JOBS];
static int njobs;

static int
status_slot(int status)
{
    for (int i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void
ob_metrics_request(int route, int status, int64_t us)
{
    int r = route < 0 || route >= OB_METRICS_MAX_ROUTES ? OB_METRICS_MAX_ROUTES : route;
    int b = 0;

    atomic_fetch_add_explicit(&requests[r][status_slot(status)], 1, memory_order_relaxed);
    while (b < NBUCKETS && (double)us / 1e6 > buckets[b])
        b++;
    atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&hist_sum_us, (uint_fast64_t)(us > 0 ? us : 0),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&hist_count, 1, memory_order_relaxed);
}

void
ob_metrics_in_flight(int delta)
{
    atomic_fetch_add_explicit(&in_flight, delta, memory_order_relaxed);
}

void
ob_metrics_connection_cut(enum ob_metrics_cut why, int n)
{
    atomic_fetch_add_explicit(&cuts[why == OB_METRICS_CUT_HEAD_TIMEOUT], (uint_fast64_t)n,
                              memory_order_relaxed);
}

void
ob_metrics_job(const char *kind, const char *name, const char *result)
{
    int i;

    pthread_mutex_lock(&jobs_lock);
    for (i = 0; i < njobs; i++)
        if (!strcmp(jobs[i].kind, kind) && !strcmp(jobs[i].name, name) &&
            !strcmp(jobs[i].result, result))
            break;
    if (i == njobs && njobs < MAX_JOBS) {
        snprintf(jobs[i].kind, sizeof(jobs[i].kind), "%s", kind);
        snprintf(jobs[i].name, sizeof(jobs[i].name), "%s", name);
        snprintf(jobs[i].result, sizeof(jobs[i].result), "%s", result);
        njobs++;
    }
    if (i < njobs)
        jobs[i].count++;
    pthread_mutex_unlock(&jobs_lock);
}

static int
render_requests(struct ob_buf *b, const char *const *names, int nroutes)
{
    int rc = ob_buf_adds(b, "# HELP oblako_http_requests_total HTTP requests by route and "
                            "status.\n# TYPE oblako_http_requests_total counter\n");

    for (int r = 0; rc == 0 && r <= OB_METRICS_MAX_ROUTES; r++) {
        const char *name = r < nroutes ? names[r] : "unmatched";

        if (r >= nroutes && r != OB_METRICS_MAX_ROUTES)
            continue;
        for (int s = 0; rc == 0 && s < NSTATUS; s++) {
            uint64_t n = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
            char st[8];

            if (!n)
                continue;
            if (s < NSTATUS - 1)
                snprintf(st, sizeof(st), "%d", statuses[s]);
            else
                snprintf(st, sizeof(st), "other");
            rc = ob_buf_addf(b, "oblako_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                             name, st, (unsigned long long)n);
        }
    }
    return rc;
}

static int
render_histogram(struct ob_buf *b)
{
    uint64_t cum = 0;
    int rc = ob_buf_adds(b, "# HELP oblako_http_request_duration_seconds Time from the request's "
                            "first byte to its response.\n"
                            "# TYPE oblako_http_request_duration_seconds histogram\n");

    for (int i = 0; rc == 0 && i <= NBUCKETS; i++) {
        cum += atomic_load_explicit(&hist[i], memory_order_relaxed);
        if (i < NBUCKETS)
            rc = ob_buf_addf(b, "oblako_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                             buckets[i], (unsigned long long)cum);
        else
            rc = ob_buf_addf(b, "oblako_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                             (unsigned long long)cum);
    }
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "oblako_http_request_duration_seconds_sum %.6f\n"
                         "oblako_http_request_duration_seconds_count %llu\n"
                         "# HELP oblako_http_in_flight Requests being served now.\n"
                         "# TYPE oblako_http_in_flight gauge\noblako_http_in_flight %d\n",
                         (double)atomic_load(&hist_sum_us) / 1e6,
                         (unsigned long long)atomic_load(&hist_count), atomic_load(&in_flight));
    return rc;
}

static int
render_jobs(struct ob_buf *b)
{
    int rc = ob_buf_adds(b, "# HELP oblako_jobs_total Periodic job runs and queued task "
                            "attempts by result.\n# TYPE oblako_jobs_total counter\n");

    pthread_mutex_lock(&jobs_lock);
    for (int i = 0; rc == 0 && i < njobs; i++)
        rc = ob_buf_addf(b, "oblako_jobs_total{kind=\"%s\",name=\"%s\",result=\"%s\"} %llu\n",
                         jobs[i].kind, jobs[i].name, jobs[i].result,
                         (unsigned long long)jobs[i].count);
    pthread_mutex_unlock(&jobs_lock);
    return rc;
}

void
ob_metrics_password_hash(void)
{
    atomic_fetch_add_explicit(&password_hashes, 1, memory_order_relaxed);
}

void
ob_metrics_signup_code(void)
{
    atomic_fetch_add_explicit(&signup_codes, 1, memory_order_relaxed);
}

void
ob_metrics_entitlement_cache(bool hit)
{
    atomic_fetch_add_explicit(&entitlement_cache[hit ? 0 : 1], 1, memory_order_relaxed);
}

void
ob_metrics_principal_cache(enum ob_metrics_cache what)
{
    atomic_fetch_add_explicit(&principal_cache[what], 1, memory_order_relaxed);
}

void
ob_metrics_session_refused(const char *reason)
{
    int i = 0;

    while (i < NREFUSALS - 1 && strcmp(refusals[i], reason ? reason : "") != 0)
        i++;
    atomic_fetch_add_explicit(&refused[i], 1, memory_order_relaxed);
}

static int
render_refused(struct ob_buf *b)
{
    int rc = ob_buf_adds(b, "# HELP oblako_app_sessions_refused_total Application sessions "
                            "refused at admission by this node, by reason.\n"
                            "# TYPE oblako_app_sessions_refused_total counter\n");

    /* every reason, zeros too: a dashboard's rate() needs the series to exist */
    for (int i = 0; rc == 0 && i < NREFUSALS; i++)
        rc = ob_buf_addf(b, "oblako_app_sessions_refused_total{reason=\"%s\"} %llu\n",
                         refusals[i], (unsigned long long)atomic_load(&refused[i]));
    return rc;
}

static int
render_cuts(struct ob_buf *b)
{
    return ob_buf_addf(b,
                       "# HELP oblako_http_connections_cut_total Connections shut unanswered: "
                       "over the per-address cap, or a request head not complete in time.\n"
                       "# TYPE oblako_http_connections_cut_total counter\n"
                       "oblako_http_connections_cut_total{reason=\"per_address\"} %llu\n"
                       "oblako_http_connections_cut_total{reason=\"head_timeout\"} %llu\n",
                       (unsigned long long)atomic_load(&cuts[0]),
                       (unsigned long long)atomic_load(&cuts[1]));
}

int
ob_metrics_render(struct ob_buf *b, const char *const *names, int nroutes)
{
    int rc = render_requests(b, names, nroutes);

    if (rc == 0)
        rc = render_histogram(b);
    if (rc == 0)
        rc = render_cuts(b);
    if (rc == 0)
        rc = render_jobs(b);
    if (rc == 0)
        rc = render_refused(b);
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "# HELP oblako_password_hashes_total Password hashes evaluated "
                         "(sign-ins, password checks and changes).\n"
                         "# TYPE oblako_password_hashes_total counter\n"
                         "oblako_password_hashes_total %llu\n",
                         (unsigned long long)atomic_load(&password_hashes));
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "# HELP oblako_signup_codes_checked_total Invitation codes looked up "
                         "at sign-up (what a guessing storm gets evaluated, which the limits "
                         "bound).\n"
                         "# TYPE oblako_signup_codes_checked_total counter\n"
                         "oblako_signup_codes_checked_total %llu\n",
                         (unsigned long long)atomic_load(&signup_codes));
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "# HELP oblako_principal_cache_total Sign-ins and API tokens looked up "
                         "in the principal cache: hit (one generation read), miss (read from "
                         "the database), stale (its generation had moved).\n"
                         "# TYPE oblako_principal_cache_total counter\n"
                         "oblako_principal_cache_total{result=\"hit\"} %llu\n"
                         "oblako_principal_cache_total{result=\"miss\"} %llu\n"
                         "oblako_principal_cache_total{result=\"stale\"} %llu\n",
                         (unsigned long long)atomic_load(&principal_cache[0]),
                         (unsigned long long)atomic_load(&principal_cache[1]),
                         (unsigned long long)atomic_load(&principal_cache[2]));
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "# HELP oblako_entitlement_cache_total Entitlement answers looked up "
                         "in the node's cache: hit (found under the subscriber's current "
                         "generation), miss (computed from the database).\n"
                         "# TYPE oblako_entitlement_cache_total counter\n"
                         "oblako_entitlement_cache_total{result=\"hit\"} %llu\n"
                         "oblako_entitlement_cache_total{result=\"miss\"} %llu\n",
                         (unsigned long long)atomic_load(&entitlement_cache[0]),
                         (unsigned long long)atomic_load(&entitlement_cache[1]));
    return rc;
}
