/*
 * event.c — recording events (event.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/core/event.h"
#include "base/banned.h"

int
ob_event_emit(struct ob_ctx *ctx, const char *kind, int64_t partner, int64_t subscriber,
              json_t *data, int64_t *id)
{
    char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
    int64_t eid = 0;
    int rc;

    if (!text)
        return OB_EINTERNAL;
    rc = ob_db_get_int(ctx->db, &eid,
                       "INSERT INTO events (kind, at, partner_id, subscriber_id, data) "
                       "VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0), ?) RETURNING id",
                       "tiiit", kind, ob_clock_now(ctx), partner, subscriber, text);
    free(text);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (id)
        *id = eid;
    return 0;
}
