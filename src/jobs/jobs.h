/*
 * jobs.h — scheduled jobs and queued task kinds, and the runner.
 *
 * A periodic job has a schedule that maps the business time to a period
 * ("2026-11-27" for a daily job, "i12345" for an interval job); the runner
 * runs a job once per period across all nodes (model/core/job.h's lease). Job
 * bodies are idempotent: each records what it did with unique keys, so a run
 * repeated by hand does nothing new.
 *
 * A task kind names a handler for queued tasks (model/core/task.h). A handler
 * returns 0 once its effect is committed together with ob_task_finish (or,
 * for effects outside the database, after ob_task_done), a negative code to
 * be retried with back-off, or OB_EINVAL for a permanent failure; it writes
 * why into `error`.
 */
#ifndef OB_JOBS_JOBS_H
#define OB_JOBS_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;
struct ob_config;
struct ob_task;
struct ob_backend;
struct json_t;

/* OB_SCHED_WEEKLY runs on Mondays only (the digest, R-NOT-2): its period is
 * that Monday's date, and there is none on the other days, so a Monday the
 * runner missed is not made up for on Tuesday (docs/decisions.md). */
enum ob_schedule { OB_SCHED_INTERVAL, OB_SCHED_DAILY, OB_SCHED_MONTHLY, OB_SCHED_WEEKLY };

struct ob_job_def {
    const char *name;
    enum ob_schedule schedule;
    int every_s;        /* OB_SCHED_INTERVAL */
    int at_minute;      /* OB_SCHED_DAILY, _MONTHLY, _WEEKLY: minutes after local midnight
                         * (of the 1st; of the Monday) */
    const char *help;
    int (*run)(struct ob_ctx *ctx, char *detail, size_t size);
};

struct ob_task_kind {
    const char *kind;
    bool test_only;     /* exists only with --test-clock */
    int (*run)(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
               size_t size);
};

/* A gate says whether this node's configuration lets a kind's handler run
 * at all (mail needs --smtp-url). A node whose gate is shut does not claim
 * that kind: its tasks wait, attempts untouched, for a node that can run
 * them, instead of burning their retries. Kinds without a gate always run. */
struct ob_task_gate {
    const char *kind;
    bool (*ready)(const struct ob_config *cfg);
};

extern const struct ob_job_def ob_job_defs[];
extern const int ob_njob_defs;
extern const struct ob_task_kind ob_task_kinds[];
extern const int ob_ntask_kinds;
extern const struct ob_task_gate ob_task_gates[];
extern const int ob_ntask_gates;

const struct ob_job_def *ob_jobs_find(const char *name);
/* The period `now` falls in ("YYYY-MM-DD" daily, "YYYY-MM" monthly, the
 * Monday's "YYYY-MM-DD" weekly), or "" when a daily job is not yet due today,
 * a monthly one not yet this month, a weekly one not yet this Monday or it is
 * not a Monday. */
void ob_jobs_period(const struct ob_job_def *j, int64_t now, char *out, size_t size);
/* The latest period of j due at or before `now` (its name into out) and the
 * instant it fell due. */
int64_t ob_jobs_last_due(const struct ob_job_def *j, int64_t now, char *out, size_t size);
/* Each job's lag (/metrics): the seconds since its latest due period fell
 * due, when that period has not completed on any node; 0 when it has. */
int ob_jobs_lag(struct ob_ctx *ctx, int (*fn)(const char *name, int64_t lag_s, void *), void *arg);

/* A node id: host, pid and a random suffix. */
void ob_jobs_node_id(char *out, size_t size);
/* Run one job now, by hand (`oblako jobs run NAME`), ignoring its schedule
 * but not its lease. */
int ob_jobs_run_now(struct ob_ctx *ctx, const char *node, const char *name, char *detail,
                    size_t size);
/* Run due tasks until none is left (`oblako jobs run tasks`). */
int ob_jobs_drain_tasks(struct ob_ctx *ctx, const char *node, int *count);

struct ob_runner;
/* Start the runner thread (its own database connection). */
int ob_runner_start(const struct ob_config *cfg, struct ob_runner **out);
void ob_runner_stop(struct ob_runner *r);

/* One signed call with a JSON body (NULL: none) to an application backend
 * (jobs/areas.c; docs/app-backend.md), within --backend-timeout-seconds. */
struct ob_backend_answer {
    long status;            /* 0: no answer */
    bool ok;                /* 2xx */
    bool permanent;         /* a 4xx other than 408/429: trying again will not help */
    struct json_t *json;    /* the answer parsed, or NULL; the caller json_decref()s it */
    char error[320];        /* unless ok: what went wrong, for people */
};
void ob_backend_json_call(const struct ob_config *cfg, const struct ob_backend *b,
                          const char *method, const char *path, const char *body,
                          struct ob_backend_answer *out);

/* Job bodies and task handlers. */
int ob_job_prune_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_job_audit_seal_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_job_areas_purge_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_job_sessions_expire_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_job_grants_expired_run(struct ob_ctx *ctx, char *detail, size_t size);
/* Draft last month's statements (the month before the business date's). */
int ob_job_statements_run(struct ob_ctx *ctx, char *detail, size_t size);
/* The Monday digest to partners' operators (R-NOT-2); nothing on other days. */
int ob_job_digest_run(struct ob_ctx *ctx, char *detail, size_t size);
/* The same for `month` on `node`, printing progress lines to `progress`
 * when it is not NULL (`oblako jobs run statements --month YYYY-MM`). */
int ob_jobs_statements(struct ob_ctx *ctx, const char *node, const char *month, void *progress,
                       char *detail, size_t size);
/* Send the due webhook deliveries (jobs/webhooks.c). */
int ob_job_webhooks_run(struct ob_ctx *ctx, char *detail, size_t size);
/* End-of-access reminders for the days since the last pass (R-NOT-1). */
int ob_job_reminders_run(struct ob_ctx *ctx, char *detail, size_t size);
/* Lapsed lead offers back to the pool, pool leads offered by the rules (R-ONB-7). */
int ob_job_leads_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_task_statements_run(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                           char *error, size_t size);
int ob_task_area_create(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                        size_t size);
int ob_task_area_delete(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                        size_t size);
/* Backups and restores of data areas (jobs/backups.c). */
int ob_job_backups_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_task_area_backup(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                        size_t size);
int ob_task_area_restore(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                         char *error, size_t size);
/* jobs/copies.c: a client's copies of its areas (model/areas/copy.h) */
int ob_job_copies_prune_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_task_area_export(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                        size_t size);
struct ob_backend;
struct ob_area;
struct ob_copy;
/* Import uploaded copy c into new area a, which backend b has just made:
 * 0 with the backend's *version; OB_EINVAL when it is refused for good (the
 * reason in error), another code to retry. */
int ob_copy_import(struct ob_ctx *ctx, const struct ob_backend *b, const struct ob_area *a,
                   const struct ob_copy *c, char *version, size_t vsize, char *error,
                   size_t size);
/* Trials never paid (jobs/archive.c, model/areas/archive.h): the daily pass and its tasks. */
int ob_job_trial_archive_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_task_area_archive(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                         char *error, size_t size);
int ob_task_area_unarchive(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                           char *error, size_t size);
int ob_task_area_archive_delete(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                                char *error, size_t size);
/* Move the roll-outs on (jobs/rollout.c); move one area to a version. */
int ob_job_rollout_run(struct ob_ctx *ctx, char *detail, size_t size);
int ob_task_area_version(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                         char *error, size_t size);
int ob_task_test_note(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                      size_t size);

#endif
