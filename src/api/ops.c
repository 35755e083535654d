/*
 * ops.c — the operators' endpoints: /healthz (the process answers),
 * /readyz (the database answers), /metrics (Prometheus text).
 *
 * /metrics is open unless --metrics-token is set (SIGHUP may set or change
 * it): then it wants that Bearer token, compared in constant time, and says
 * 401 otherwise; /healthz and /readyz stay open for load balancers. Besides
 * the process's own counters (base/metrics.c) it reads, at each scrape, the
 * business gauges every node shares from the database — open sessions, the
 * outbox, failed tasks, job lag, statement runs — each one indexed query
 * (docs/deploy.md, "Operating"; docs/grafana-dashboard.json draws them).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/ops.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/metrics.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/areas/appsession.h"
#include "model/core/outbox.h"
#include "model/core/task.h"
#include "model/identity/principal.h"
#include "model/statements/statement.h"
#include "base/banned.h"

int
ob_api_healthz(struct ob_req *req, struct ob_resp *resp)
{
    (void)req;
    return ob_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

int
ob_api_readyz(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    int rc = ob_db_ping(ctx->db);

    if (rc != 0) {
        ob_db_err(ctx, OB_EUNAVAIL);
        return OB_EUNAVAIL;
    }
    return ob_resp_json(resp, 200,
                        json_pack("{s:s, s:s}", "status", "ready", "database",
                                  ob_db_engine(ctx->db) == OB_DB_SQLITE ? "sqlite" : "postgres"));
}

static const char *route_names[OB_METRICS_MAX_ROUTES + 1];
static int nroute_names;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void
make_names(void)
{
    static char storage[OB_METRICS_MAX_ROUTES][96];

    for (int i = 0; i < ob_nroutes && i < OB_METRICS_MAX_ROUTES - 1; i++) {
        snprintf(storage[i], sizeof(storage[i]), "%s %s", ob_routes[i].method,
                 ob_routes[i].pattern);
        route_names[nroute_names++] = storage[i];
    }
    route_names[nroute_names++] = "GET static";
}

/* The principal cache's fill, bounds and lock contention, and the
 * entitlement answers' fill and bound (this node). */
static int
principal_metrics(struct ob_buf *b)
{
    static const char *const names[3] = { "sessions", "tokens", "persons" };
    struct ob_principal_stats st;
    size_t entries, bytes;
    int rc;

    ob_principal_stats(&st);
    rc = ob_buf_addf(b, "# HELP oblako_principal_cache_entries Entries held by the principal "
                        "cache (sessions, tokens, persons' memberships).\n"
                        "# TYPE oblako_principal_cache_entries gauge\n");
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = ob_buf_addf(b, "oblako_principal_cache_entries{cache=\"%s\"} %zu\n", names[i],
                         st.count[i]);
    if (rc == 0)
        rc = ob_buf_addf(b, "# HELP oblako_principal_cache_bytes The principal cache's memory, "
                            "taken at start (its bound).\n"
                            "# TYPE oblako_principal_cache_bytes gauge\n");
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = ob_buf_addf(b, "oblako_principal_cache_bytes{cache=\"%s\"} %zu\n", names[i],
                         st.capacity[i] * st.entry_bytes[i]);
    if (rc == 0)
        rc = ob_buf_addf(b, "# HELP oblako_principal_cache_waits_total Lookups that waited for "
                            "another thread's lock on a cache shard.\n"
                            "# TYPE oblako_principal_cache_waits_total counter\n"
                            "oblako_principal_cache_waits_total %llu\n",
                         (unsigned long long)st.waits);
    ob_api_cache_stats(&entries, &bytes);
    if (rc == 0)
        rc = ob_buf_addf(b, "# HELP oblako_entitlement_cache_entries Entitlement answers held "
                            "(one per subscriber and kind of reader).\n"
                            "# TYPE oblako_entitlement_cache_entries gauge\n"
                            "oblako_entitlement_cache_entries %zu\n"
                            "# HELP oblako_entitlement_cache_bytes The entitlement cache's "
                            "memory, taken at start (its bound).\n"
                            "# TYPE oblako_entitlement_cache_bytes gauge\n"
                            "oblako_entitlement_cache_bytes %zu\n",
                         entries, bytes);
    return rc;
}

/* --metrics-token: the live one (SIGHUP), compared in constant time over
 * fixed-size hashes, so neither its bytes nor its length leak by timing. */
static bool
token_ok(struct ob_req *req)
{
    const struct ob_live *l = ob_live();
    const char *want = l ? l->metrics_token : req->ctx->cfg ? req->ctx->cfg->metrics_token : "";
    const char *got = ob_req_bearer(req);
    unsigned char a[32], b[32];

    if (!want || !*want)
        return true;
    if (!got)
        return false;
    crypto_generichash(a, sizeof(a), (const unsigned char *)want, strlen(want), NULL, 0);
    crypto_generichash(b, sizeof(b), (const unsigned char *)got, strlen(got), NULL, 0);
    return sodium_memcmp(a, b, sizeof(a)) == 0;
}

static int
add_kind(const char *kind, int64_t n, void *arg)
{
    return ob_buf_addf(arg, "oblako_tasks_failed{kind=\"%s\"} %lld\n", kind, (long long)n);
}

static int
add_run(const char *state, int64_t n, void *arg)
{
    return ob_buf_addf(arg, "oblako_statement_runs{state=\"%s\"} %lld\n", state, (long long)n);
}

static int
add_lag(const char *name, int64_t lag, void *arg)
{
    return ob_buf_addf(arg, "oblako_job_lag_seconds{job=\"%s\"} %lld\n", name, (long long)lag);
}

/* The gauges every node shares, read from the database now. */
static int
business(struct ob_ctx *ctx, struct ob_buf *b)
{
    int64_t open = 0, depth = 0, oldest = 0, last_done = 0, now = ob_clock_now(ctx);
    int rc = ob_appsession_count_open(ctx, &open);

    if (rc == 0)
        rc = ob_outbox_waiting(ctx, &depth, &oldest);
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "# HELP oblako_app_sessions_open Application sessions open now (all "
                         "nodes; a stale one until it is expired).\n"
                         "# TYPE oblako_app_sessions_open gauge\n"
                         "oblako_app_sessions_open %lld\n"
                         "# HELP oblako_outbox_queued Mail written and not yet sent (all nodes).\n"
                         "# TYPE oblako_outbox_queued gauge\n"
                         "oblako_outbox_queued %lld\n"
                         "# HELP oblako_outbox_oldest_age_seconds How long the oldest mail not "
                         "yet sent has waited (0: none waits).\n"
                         "# TYPE oblako_outbox_oldest_age_seconds gauge\n"
                         "oblako_outbox_oldest_age_seconds %lld\n"
                         "# HELP oblako_tasks_failed Queued tasks that failed for good, by kind "
                         "(kept until pruned).\n"
                         "# TYPE oblako_tasks_failed gauge\n",
                         (long long)open, (long long)depth,
                         (long long)(oldest && now > oldest ? now - oldest : 0));
    if (rc == 0)
        rc = ob_task_failed_by_kind(ctx, add_kind, b);
    if (rc == 0)
        rc = ob_buf_adds(b, "# HELP oblako_job_lag_seconds Seconds since a periodic job's latest "
                            "period fell due without completing on any node (0: done).\n"
                            "# TYPE oblako_job_lag_seconds gauge\n");
    if (rc == 0)
        rc = ob_jobs_lag(ctx, add_lag, b);
    if (rc == 0)
        rc = ob_buf_adds(b, "# HELP oblako_statement_runs Monthly statement runs by state.\n"
                            "# TYPE oblako_statement_runs gauge\n");
    if (rc == 0)
        rc = ob_statement_run_stats(ctx, add_run, b, &last_done);
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "# HELP oblako_statement_run_last_done_timestamp_seconds When the last "
                         "statement run that completed finished (0: never).\n"
                         "# TYPE oblako_statement_run_last_done_timestamp_seconds gauge\n"
                         "oblako_statement_run_last_done_timestamp_seconds %lld\n",
                         (long long)last_done);
    return rc;
}

int
ob_api_metrics(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_task_stats ts;
    uint64_t batches = 0, items = 0;
    int rc;

    if (!token_ok(req)) {
        ob_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"metrics\"");
        return ob_err_set(&req->ctx->err, OB_EUNAUTH, "ops.metrics_token");
    }
    pthread_once(&names_once, make_names);
    ob_db_group_stats(&batches, &items);
    rc = ob_metrics_render(&resp->body, route_names, nroute_names);
    if (rc == 0 && ob_task_stats(req->ctx, &ts) == 0)
        rc = ob_buf_addf(&resp->body,
                         "# HELP oblako_tasks Queued tasks by state (all nodes).\n"
                         "# TYPE oblako_tasks gauge\n"
                         "oblako_tasks{state=\"queued\"} %lld\n"
                         "oblako_tasks{state=\"running\"} %lld\n"
                         "oblako_tasks{state=\"done\"} %lld\n"
                         "oblako_tasks{state=\"failed\"} %lld\n"
                         "# HELP oblako_db_tx_retries_total Transactions run again after a "
                         "busy or serialization error.\n"
                         "# TYPE oblako_db_tx_retries_total counter\n"
                         "oblako_db_tx_retries_total %llu\n"
                         "# HELP oblako_db_group_batches_total Group commits (SQLite): batches "
                         "of concurrent session writes committed together.\n"
                         "# TYPE oblako_db_group_batches_total counter\n"
                         "oblako_db_group_batches_total %llu\n"
                         "# HELP oblako_db_group_items_total Session writes run in group "
                         "commits.\n"
                         "# TYPE oblako_db_group_items_total counter\n"
                         "oblako_db_group_items_total %llu\n",
                         (long long)ts.queued, (long long)ts.running, (long long)ts.done,
                         (long long)ts.failed, (unsigned long long)ob_db_retries(),
                         (unsigned long long)batches, (unsigned long long)items);
    if (rc == 0) {
        uint64_t statements = 0, commits = 0;

        ob_db_counts(&statements, &commits);
        rc = ob_buf_addf(&resp->body,
                         "# HELP oblako_db_statements_total SQL statements run by this node "
                         "(each prepared statement counts once).\n"
                         "# TYPE oblako_db_statements_total counter\n"
                         "oblako_db_statements_total %llu\n"
                         "# HELP oblako_db_commits_total Write transactions this node committed.\n"
                         "# TYPE oblako_db_commits_total counter\n"
                         "oblako_db_commits_total %llu\n",
                         (unsigned long long)statements, (unsigned long long)commits);
    }
    if (rc == 0)
        rc = principal_metrics(&resp->body);
    if (rc == 0)
        rc = business(req->ctx, &resp->body);
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return rc == 0 ? 0 : ob_err_set(&req->ctx->err, OB_EINTERNAL, "ops.metrics_failed");
}
