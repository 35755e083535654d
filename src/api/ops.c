/*
 * ops.c — the operators' endpoints: /healthz (the process answers),
 * /readyz (the database answers), /metrics (Prometheus text).
 */
#include <pthread.h>
#include <stdio.h>

#include "api/api.h"
#include "api/ops.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "base/metrics.h"
#include "db/db.h"
#include "model/core/task.h"
#include "model/identity/principal.h"
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

/* The principal cache's fill, bounds and lock contention (this node). */
static int
principal_metrics(struct ob_buf *b)
{
    static const char *const names[3] = { "sessions", "tokens", "persons" };
    struct ob_principal_stats st;
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
    return rc;
}

int
ob_api_metrics(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_task_stats ts;
    uint64_t batches = 0, items = 0;
    int rc;

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
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return rc == 0 ? 0 : ob_err_set(&req->ctx->err, OB_EINTERNAL, "ops.metrics_failed");
}
