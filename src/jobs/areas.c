/*
 * areas.c — calls to application backends (docs/app-backend.md) as queued
 * tasks, and the periodic jobs of data areas and sessions.
 *
 *   area.create     POST {backend}/oblako/areas (and, for an area made from
 *                   an uploaded copy, PUT …/import of it: jobs/copies.c); the
 *                   area becomes ready, or failed with the reason (a 4xx
 *                   other than 408/429, or the last attempt's error)
 *   area.delete     DELETE {backend}/oblako/areas/{key} (404 counts as done);
 *                   the area becomes deleted
 *   areas-purge     queue area.delete for areas whose bin time is over
 *   sessions-expire close stale sessions as expired (admission does not
 *                   need it; it keeps lists and the history tidy)
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/areas/appsession.h"
#include "model/areas/area.h"
#include "model/areas/backend.h"
#include "model/areas/copy.h"
#include "model/areas/grant.h"
#include "model/core/task.h"
#include "base/banned.h"

#define ANSWER_MAX (64 * 1024)

struct call {
    long status;
    CURLcode rc;
    char curl_error[CURL_ERROR_SIZE];
    struct ob_buf answer;
};

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
    struct call *c = arg;

    ob_buf_add(&c->answer, data, size * n);    /* past the cap the rest is dropped */
    return size * n;
}

/* One signed call to a backend (real time for the signature). */
static void
call(const struct ob_config *cfg, const struct ob_backend *b, const char *method,
     const char *path, const char *body, struct call *c)
{
    struct curl_slist *h = NULL;
    char url[1024], hdr[256], sig[OB_BACKEND_SIG_LEN];
    const char *base = b->url;
    size_t blen = strlen(base);
    int64_t ts = ob_clock_real();
    CURL *e = curl_easy_init();

    memset(c, 0, sizeof(*c));
    ob_buf_init(&c->answer, ANSWER_MAX);
    if (!e) {
        c->rc = CURLE_OUT_OF_MEMORY;
        return;
    }
    while (blen && base[blen - 1] == '/')
        blen--;
    snprintf(url, sizeof(url), "%.*s%s", (int)blen, base, path);
    /* the signed path is what the request line carries: the URL's path part */
    {
        const char *p = strstr(url, "://");
        const char *pathq = p ? strchr(p + 3, '/') : NULL;

        ob_backend_sign(b->secret, method, pathq ? pathq : "/", ts, body,
                        body ? strlen(body) : 0, sig);
    }
    snprintf(hdr, sizeof(hdr), "X-Oblako-App: %s", b->code);
    h = curl_slist_append(h, hdr);
    snprintf(hdr, sizeof(hdr), "X-Oblako-Timestamp: %" PRId64, ts);
    h = curl_slist_append(h, hdr);
    snprintf(hdr, sizeof(hdr), "X-Oblako-Signature: %s", sig);
    h = curl_slist_append(h, hdr);
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)cfg->backend_timeout_seconds);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)cfg->backend_timeout_seconds);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->curl_error);
    c->rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
}

/* What went wrong, for people: the backend's problem detail, else the
 * status or the transport error. */
static void
describe(const struct call *c, char *out, size_t size)
{
    json_t *j = NULL;
    const char *detail = NULL;

    if (c->rc != CURLE_OK) {
        snprintf(out, size, "the backend did not answer: %s",
                 c->curl_error[0] ? c->curl_error : curl_easy_strerror(c->rc));
        return;
    }
    if (c->answer.len)
        j = json_loadb(c->answer.p, c->answer.len, 0, NULL);
    detail = json_string_value(json_object_get(j, "detail"));
    if (detail)
        snprintf(out, size, "the backend answered %ld: %.200s", c->status, detail);
    else
        snprintf(out, size, "the backend answered %ld", c->status);
    json_decref(j);
}

static bool
permanent(const struct call *c)
{
    return c->rc == CURLE_OK && c->status >= 400 && c->status < 500 && c->status != 408 &&
           c->status != 429;
}

void
ob_backend_json_call(const struct ob_config *cfg, const struct ob_backend *b, const char *method,
                     const char *path, const char *body, struct ob_backend_answer *out)
{
    struct call c;

    memset(out, 0, sizeof(*out));
    call(cfg, b, method, path, body, &c);
    out->status = c.rc == CURLE_OK ? c.status : 0;
    out->ok = c.rc == CURLE_OK && c.status >= 200 && c.status < 300;
    out->permanent = permanent(&c);
    if (c.answer.len)
        out->json = json_loadb(c.answer.p, c.answer.len, 0, NULL);
    if (!out->ok)
        describe(&c, out->error, sizeof(out->error));
    ob_buf_free(&c.answer);
}

struct outcome {
    const char *node;
    const struct ob_task *t;
    int64_t area;
    bool create, ok;
    const char *version, *reason;
    const struct ob_area *a;
    const struct ob_copy *imported;     /* the uploaded copy the area was made from */
};

static int
outcome_tx(struct ob_ctx *ctx, void *arg)
{
    struct outcome *o = arg;
    int rc = o->create ? ob_area_created(ctx, o->area, o->ok, o->version, o->reason)
                       : ob_area_purged(ctx, o->area);

    if (rc == 0 && o->imported)
        rc = ob_copy_imported(ctx, o->a, o->imported);

    return rc != 0 ? rc : ob_task_finish(ctx, o->node, o->t);
}

/* The area a task is about, if it is still in `state`, and its backend.
 * 1: the area has moved on (the task is done, nothing to call); 0: call;
 * negative: the task's error. */
static int
task_area(struct ob_ctx *ctx, const char *node, const struct ob_task *t, const char *state,
          struct outcome *o, struct ob_area *a, struct ob_backend *b, char *error, size_t size)
{
    int rc;

    if ((rc = ob_task_payload_id(t, "area", &o->area, error, size)) != 0)
        return rc;
    if ((rc = ob_area_load(ctx, o->area, a)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc == OB_ENOTFOUND ? OB_EINVAL : rc;
    }
    if (strcmp(a->state, state))
        return (rc = ob_task_done(ctx, node, t)) != 0 ? rc : 1;
    if (ob_backend_load(ctx, a->app, b) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return OB_EUNAVAIL;
    }
    return 0;
}

int
ob_task_area_create(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                    size_t size)
{
    struct outcome o = { .node = node, .t = t, .create = true };
    struct ob_backend b;
    struct ob_area a;
    struct ob_copy up;
    struct call c;
    json_t *body, *ans = NULL;
    char *text, reason[320], version[64];
    int rc;

    if ((rc = task_area(ctx, node, t, "creating", &o, &a, &b, error, size)) != 0)
        return rc > 0 ? 0 : rc;
    body = json_pack("{s:s, s:s, s:s, s:b, s:b, s:I}", "area", a.key, "application", a.app_code,
                     "name", a.name, "test", a.test, "demo", a.demo, "subscriber",
                     (json_int_t)a.subscriber_code);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    call(ctx->cfg, &b, "POST", "/oblako/areas", text, &c);
    free(text);
    if (c.rc == CURLE_OK && c.status >= 200 && c.status < 300) {
        ans = json_loadb(c.answer.p ? c.answer.p : "", c.answer.len, 0, NULL);
        o.ok = true;
        o.version = json_string_value(json_object_get(ans, "version"));
        if (ob_copy_upload_of(ctx, a.id, &up) == 0) {   /* made from an uploaded copy */
            rc = ob_copy_import(ctx, &b, &a, &up, version, sizeof(version), reason,
                                sizeof(reason));
            if (rc != 0 && rc != OB_EINVAL && t->attempts < t->max_attempts) {
                snprintf(error, size, "%s", reason);
                json_decref(ans);
                ob_buf_free(&c.answer);
                return OB_EUNAVAIL;
            }
            o.ok = rc == 0;
            o.version = rc == 0 ? version : NULL;
            o.reason = rc == 0 ? NULL : reason;
            o.a = &a;
            o.imported = rc == 0 ? &up : NULL;
            if (rc != 0)
                snprintf(error, size, "%s", reason);
        }
        ob_err_clear(&ctx->err);
    } else {
        describe(&c, reason, sizeof(reason));
        snprintf(error, size, "%s", reason);
        if (!permanent(&c) && t->attempts < t->max_attempts) {
            ob_buf_free(&c.answer);
            return OB_EUNAVAIL;
        }
        o.reason = reason;
    }
    rc = ob_db_tx(ctx, OB_DB_WRITE, outcome_tx, &o);
    if (rc != 0)
        snprintf(error, size, "%s", ctx->err.message);
    json_decref(ans);
    ob_buf_free(&c.answer);
    return rc;
}

int
ob_task_area_delete(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                    size_t size)
{
    struct outcome o = { .node = node, .t = t };
    struct ob_backend b;
    struct ob_area a;
    struct call c;
    char path[128];
    int rc;

    if ((rc = task_area(ctx, node, t, "deleting", &o, &a, &b, error, size)) != 0)
        return rc > 0 ? 0 : rc;
    snprintf(path, sizeof(path), "/oblako/areas/%s", a.key);
    call(ctx->cfg, &b, "DELETE", path, NULL, &c);
    if (c.rc != CURLE_OK || ((c.status < 200 || c.status >= 300) && c.status != 404)) {
        describe(&c, error, size);
        rc = permanent(&c) ? OB_EINVAL : OB_EUNAVAIL;
        ob_buf_free(&c.answer);
        return rc;
    }
    ob_buf_free(&c.answer);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, outcome_tx, &o)) != 0)
        snprintf(error, size, "%s", ctx->err.message);
    return rc;
}

int
ob_job_areas_purge_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    int n = 0, rc = ob_area_purge_due(ctx, &n);

    snprintf(detail, size, "%d data areas queued for deletion", n);
    return rc;
}

int
ob_job_sessions_expire_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    int n = 0, rc = ob_appsession_expire_stale(ctx, &n);

    snprintf(detail, size, "%d stale sessions expired", n);
    return rc;
}

int
ob_job_grants_expired_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    int n = 0, rc = ob_grant_expire_due(ctx, &n);

    snprintf(detail, size, "%d expired grants told", n);
    return rc;
}
