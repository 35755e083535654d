/*
 * testnote.h — the record written by the 'test.note' task kind, which exists
 * only on servers started with --test-clock. It proves in the tests that each
 * queued task takes effect exactly once, whichever node runs it.
 */
#ifndef OB_MODEL_CORE_TESTNOTE_H
#define OB_MODEL_CORE_TESTNOTE_H

#include <stdint.h>

struct ob_ctx;
struct ob_task;

/* Write the note and mark the task done, in one transaction. */
int ob_testnote_write(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                      const char *note);
/* How many notes a task wrote (the tests expect exactly one). */
int ob_testnote_count(struct ob_ctx *ctx, int64_t task_id, int64_t *n);

#endif
