/*
 * event.c — recording events and fanning them out to webhook endpoints (event.h).
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
    /* fan-out: a delivery for each active endpoint of the partner and of the
     * provider that takes this kind (model/notices/webhook.h sends them) */
    rc = (int)ob_db_run(ctx->db,
                        "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, next_at, "
                        "created_at) SELECT e.id, ?, 'pending', ?, ? FROM webhook_endpoints e "
                        "WHERE e.state = 'active' AND (e.account_id = ? OR e.account_id IN "
                        "(SELECT id FROM accounts WHERE kind = 'provider')) "
                        "AND (e.all_kinds = 1 OR EXISTS (SELECT 1 FROM webhook_endpoint_kinds k "
                        "WHERE k.endpoint_id = e.id AND k.kind = ?)) ORDER BY e.id",
                        "iiiit", eid, ob_clock_now(ctx), ob_clock_now(ctx), partner, kind);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (id)
        *id = eid;
    return 0;
}
