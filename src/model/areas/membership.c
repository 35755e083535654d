/*
 * membership.c — access that ends with the membership it stood on.
 *
 * A subscriber's user who is removed stops holding application sessions
 * there: their windows close at once ('user_removed'), so they stop
 * counting against the subscriber's limit. A partner employee who is
 * removed stops holding the grants the partner's clients gave them (R-ACT-4):
 * each ends ('employee_removed'), its sessions close, the client's audit log
 * says so (model/areas/grant.c). The membership's removal (model/identity)
 * calls this back in its own transaction, so nothing outlives its reason
 * even for an instant, and the identity layer needs nothing of this one
 * (tools/layers.sh).
 */
#include <stdint.h>

#include "base/ctx.h"
#include "model/areas/appsession.h"
#include "model/areas/grant.h"
#include "model/areas/membership.h"
#include "model/identity/member.h"
#include "base/banned.h"

static int
member_ended(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t person,
             struct ob_member_ended *ended)
{
    if (k == OB_KIND_SUBSCRIBER)
        return ob_appsession_close_person(ctx, account, person, "user_removed",
                                          &ended->sessions);
    if (k == OB_KIND_PARTNER)
        return ob_grant_end_for(ctx, account, person, 0, "employee_removed", &ended->grants);
    return 0;
}

void
ob_areas_init(void)
{
    ob_member_on_end(member_ended);
}
