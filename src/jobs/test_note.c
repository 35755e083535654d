/*
 * test_note.c — the 'test.note' task kind (servers with --test-clock only).
 *
 * Payload: {"note": TEXT, "fail_times": N, "permanent": BOOL}. The first N
 * attempts fail (retried with back-off); "permanent" fails for good. Then the
 * note is written and the task finished in one transaction, so the tests can
 * count that each task took effect exactly once.
 */
#include <stdio.h>

#include <jansson.h>

#include "base/ctx.h"
#include "jobs/jobs.h"
#include "model/core/task.h"
#include "model/core/testnote.h"
#include "base/banned.h"

int
ob_task_test_note(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                  size_t size)
{
    json_t *p = json_loads(t->payload, 0, NULL);
    const char *note = json_string_value(json_object_get(p, "note"));
    json_int_t fail_times = json_integer_value(json_object_get(p, "fail_times"));
    int rc;

    if (!note) {
        snprintf(error, size, "payload has no 'note'");
        rc = OB_EINVAL;
    } else if (json_is_true(json_object_get(p, "permanent"))) {
        snprintf(error, size, "permanent failure requested");
        rc = OB_EINVAL;
    } else if (t->attempts <= fail_times) {
        snprintf(error, size, "planned failure %d of %lld", t->attempts, (long long)fail_times);
        rc = OB_EUNAVAIL;
    } else if ((rc = ob_testnote_write(ctx, node, t, note)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
    }
    json_decref(p);
    return rc;
}
