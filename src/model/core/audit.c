/*
 * audit.c — writing audit records.
 */
#include <stdarg.h>
#include <stdio.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "base/banned.h"

int
ob_audit(struct ob_ctx *ctx, int64_t account, const char *action, const char *object_type,
         int64_t object_id, const char *fmt, ...)
{
    char summary[1024], oid[24] = "";
    va_list ap;
    int64_t n;

    va_start(ap, fmt);
    vsnprintf(summary, sizeof(summary), fmt, ap);
    va_end(ap);
    if (object_id)
        snprintf(oid, sizeof(oid), "%lld", (long long)object_id);
    n = ob_db_run(ctx->db,
                  "INSERT INTO audit (at, actor_person, actor_token, actor_name, account_id, "
                  "action, object_type, object_id, summary, addr, request_id) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  "iiitittttt" "t", ob_clock_now(ctx), ctx->actor.person, ctx->actor.token,
                  ctx->actor.name ? ctx->actor.name : (ctx->actor.system ? "system" : ""),
                  account, action, object_type ? object_type : "", oid, summary,
                  ctx->remote_addr ? ctx->remote_addr : "", ctx->request_id);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}
