/*
 * statement.h — the monthly partner statements (R-BIL-1..4): the run that
 * drafts them, and the hooks other parts add their lines through.
 *
 * A statement of month M ('YYYY-MM', service time zone) for partner P holds
 * one charge line per paid subscription P served at posting whose posted_at
 * falls in M, then correcting lines (only when M is the first open month),
 * then metered usage lines. A run writes each partner's statement in ONE
 * write transaction (the row, its lines, totals and content hash) and counts
 * its progress in partners in statement_runs, committed after each partner,
 * so a run killed half-way leaves every statement whole and the next run of
 * the month takes over. A closed month is never touched.
 */
#ifndef OB_MODEL_STATEMENTS_STATEMENT_H
#define OB_MODEL_STATEMENTS_STATEMENT_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

/* A month's bounds as instants: [from, to) in unix seconds, the service
 * time zone's midnights of the 1st of M and of M+1. Returns 0, or
 * OB_EINVAL when month is not 'YYYY-MM'. */
int ob_statement_month_bounds(const char *month, int64_t *from, int64_t *to);
/* The month ('YYYY-MM', room for 8) of instant t in the service time zone. */
void ob_statement_month_of(int64_t t, char out[8]);
/* The month before `month` (room for 8). */
int ob_statement_month_prev(const char *month, char out[8]);

/* Progress of a run, as statement_runs holds it. */
struct ob_statement_run {
    int64_t id, total, done, started_at, finished_at, beat_at;
    const char *month, *state, *node, *error;
};

/* Called after each partner's statement is committed (may be NULL). */
typedef void (*ob_statement_progress_fn)(const struct ob_statement_run *, void *);

/* Draft every partner's statement of `month`. Takes over a run of the month
 * that died (state running, not advanced for OB_STATEMENT_RUN_STALE_S
 * seconds); refuses with OB_ECONFLICT while another run of the month is
 * alive, and when the month is closed ("statement.month_closed"). Fills
 * *out (may be NULL) with the finished run; its strings live in ctx's arena. */
#define OB_STATEMENT_RUN_STALE_S 60
int ob_statement_run(struct ob_ctx *ctx, const char *month, const char *node,
                     ob_statement_progress_fn fn, void *arg, struct ob_statement_run *out);
/* Queue a run of `month` for the job runner (task 'statements.run', payload
 * {"run": ID}) and fill *out with it; takes over a dead run. OB_ECONFLICT
 * ("statement.run_running") with *out filled when one is alive or queued. */
int ob_statement_run_queue(struct ob_ctx *ctx, const char *month, struct ob_statement_run *out);
/* Run (or resume) run `run` on `node`: 0 also when it is already over. */
int ob_statement_run_id(struct ob_ctx *ctx, int64_t run, const char *node,
                        ob_statement_progress_fn fn, void *arg, struct ob_statement_run *out);
/* Statement runs by state (fn per state with any), and when the last one
 * that finished done did (0: never), for /metrics. */
int ob_statement_run_stats(struct ob_ctx *ctx, int (*fn)(const char *state, int64_t n, void *),
                           void *arg, int64_t *last_done);
/* The latest run of `month`; *found says whether there is one. */
int ob_statement_run_last(struct ob_ctx *ctx, const char *month, struct ob_statement_run *out,
                          bool *found);
/* Draft partner P's statement of `month` as a run does, joining the
 * caller's write transaction when there is one (closing re-runs a month
 * this way, close.c). *statement gets its id, 0 when P has none. */
int ob_statement_draft(struct ob_ctx *ctx, const char *month, int64_t partner,
                       int64_t *statement);
/* The content hash of a statement is the SHA-256 of a canonical text of its
 * header and lines: statement.c documents the text. */

/* ---- hooks the run calls inside partner P's transaction, in this order,
 * after the charge lines; each appends lines from *seq+1 and advances *seq. */

/* Correcting lines (R-SUB-2, R-BIL-3): only when month is the first open
 * month. The close part's body, in correction.c. */
int ob_statement_corrections(struct ob_ctx *ctx, const char *month, int64_t partner,
                             int64_t statement, int64_t *seq);

#endif
