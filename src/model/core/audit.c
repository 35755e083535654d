/*
 * audit.c — writing audit records.
 *
 * A record is one INSERT in the caller's transaction. Its summary is plain
 * text for people reading the table; its params (when the writer has them)
 * are the same facts as compact JSON, for the cabinet's sentences.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "base/banned.h"

static int
write(struct ob_ctx *ctx, int64_t account, const char *action, const char *object_type,
      int64_t object_id, json_t *params, const char *fmt, va_list ap)
{
    char summary[1024], oid[24] = "";
    char *p = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int64_t n;

    vsnprintf(summary, sizeof(summary), fmt, ap);
    if (object_id)
        snprintf(oid, sizeof(oid), "%lld", (long long)object_id);
    n = ob_db_run(ctx->db,
                  "INSERT INTO audit (at, actor_person, actor_token, actor_name, account_id, "
                  "action, object_type, object_id, summary, addr, request_id, params) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  "iiitittttt" "tt", ob_clock_now(ctx), ctx->actor.person, ctx->actor.token,
                  ctx->actor.name ? ctx->actor.name : (ctx->actor.system ? "system" : ""),
                  account, action, object_type ? object_type : "", oid, summary,
                  ctx->remote_addr ? ctx->remote_addr : "", ctx->request_id, p);
    free(p);
    json_decref(params);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_audit(struct ob_ctx *ctx, int64_t account, const char *action, const char *object_type,
         int64_t object_id, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = write(ctx, account, action, object_type, object_id, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int
ob_audit_with(struct ob_ctx *ctx, int64_t account, const char *action, const char *object_type,
              int64_t object_id, json_t *params, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = write(ctx, account, action, object_type, object_id, params, fmt, ap);
    va_end(ap);
    return rc;
}
