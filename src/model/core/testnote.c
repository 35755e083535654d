/*
 * testnote.c — SQL of the test task kind.
 */
#include "base/ctx.h"
#include "db/db.h"
#include "model/core/task.h"
#include "model/core/testnote.h"
#include "base/banned.h"

struct write_args {
    const char *node, *note;
    const struct ob_task *t;
};

static int
write_note(struct ob_ctx *ctx, void *arg)
{
    struct write_args *a = arg;
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO test_notes (task_id, note, node, created_at) "
                          "VALUES (?, ?, ?, ?)",
                          "itti", a->t->id, a->note, a->node, ob_clock_now(ctx));

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_task_finish(ctx, a->node, a->t);
}

int
ob_testnote_write(struct ob_ctx *ctx, const char *node, const struct ob_task *t, const char *note)
{
    struct write_args a = { node, note, t };

    return ob_db_tx(ctx, OB_DB_WRITE, write_note, &a);
}

int
ob_testnote_count(struct ob_ctx *ctx, int64_t task_id, int64_t *n)
{
    int rc = ob_db_get_int(ctx->db, n, "SELECT COUNT(*) FROM test_notes WHERE task_id = ?", "i",
                           task_id);

    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}
