/*
 * registry.c — the list of periodic jobs and task kinds. Later issues add
 * rows here (reminders, digests, statements, mail, application backends).
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "jobs/jobs.h"
#include "mail/send.h"
#include "model/core/job.h"
#include "base/banned.h"

const struct ob_job_def ob_job_defs[] = {
    { "prune", OB_SCHED_DAILY, 0, 3 * 60,
      "delete finished tasks older than 30 days, job records older than 90 days, expired "
      "idempotency keys and transfer letters left unfiled for a day",
      ob_job_prune_run },
    { "audit-seal", OB_SCHED_INTERVAL, 10, 0,
      "chain new audit records into the hash chain (oblako audit verify checks it)",
      ob_job_audit_seal_run },
    { "copies-prune", OB_SCHED_DAILY, 0, 3 * 60 + 30,
      "delete from the backup store the copies clients asked for to download more than a week "
      "ago (R-DA-5: their links live a day), forget expired links, and remove spool files of "
      "copies left by a killed server", ob_job_copies_prune_run },
    { "areas-purge", OB_SCHED_INTERVAL, 300, 0,
      "tell the backends to delete data areas whose time in the bin is over", ob_job_areas_purge_run },
    { "sessions-expire", OB_SCHED_INTERVAL, 60, 0,
      "close application sessions not seen within the idle time, as expired",
      ob_job_sessions_expire_run },
    { "grants-expired", OB_SCHED_DAILY, 0, 5,
      "mail the partner employees whose access to a client's data area ended yesterday, and "
      "the client's owner and administrators (once per grant)", ob_job_grants_expired_run },
    { "statements", OB_SCHED_MONTHLY, 0, 2 * 60,
      "draft last month's partner statements on the 1st (safe to run again: a run of an open "
      "month replaces its drafts)", ob_job_statements_run },
    { "reminders", OB_SCHED_DAILY, 0, 6 * 60,
      "email the owner and administrators of each client whose access ends on the days of "
      "--reminder-offsets (L-7, L-3, L, L+5); after an outage only the latest due, marked late",
      ob_job_reminders_run },
    { "digest", OB_SCHED_WEEKLY, 0, 8 * 60,
      "on Mondays, mail each partner's operators its clients whose access ends in the next 14 "
      "days or ended in the last 14 (safe to run again: one digest per partner and Monday)",
      ob_job_digest_run },
    { "webhooks", OB_SCHED_INTERVAL, 10, 0,
      "send due webhook deliveries, in order per endpoint, retrying by the business clock",
      ob_job_webhooks_run },
    { "leads", OB_SCHED_INTERVAL, 60, 0,
      "return lead offers not accepted within --lead-accept-days to the pool (the partner is "
      "told), then offer the pool's leads to partners by the lead rules", ob_job_leads_run },
    { "backups", OB_SCHED_DAILY, 0, 60,
      "back up every ready data area once a day (R-DA-5), keep the newest of the days, weeks and "
      "months of --backup-keep and delete the rest, verify stored copies by reading them back",
      ob_job_backups_run },
    { "trial-archive", OB_SCHED_DAILY, 0, 4 * 60,
      "trials never paid (off unless --trial-archive-days): tell the owners 7 days ahead, "
      "archive their areas, later delete the archives (--trial-delete-days)",
      ob_job_trial_archive_run },
    { "rollout", OB_SCHED_INTERVAL, 30, 0,
      "move application roll-outs on: begin the next wave of data areas, start the areas whose "
      "sessions closed or whose --rollout-deadline-minutes passed, finish what is done",
      ob_job_rollout_run },
};
const int ob_njob_defs = sizeof(ob_job_defs) / sizeof(ob_job_defs[0]);

const struct ob_task_kind ob_task_kinds[] = {
    { "test.note", true, ob_task_test_note },
    { "mail.send", false, ob_mail_send_task },
    { "area.create", false, ob_task_area_create },
    { "area.delete", false, ob_task_area_delete },
    { "area.export", false, ob_task_area_export },
    { "area.archive", false, ob_task_area_archive },
    { "area.unarchive", false, ob_task_area_unarchive },
    { "area.archive_delete", false, ob_task_area_archive_delete },
    { "area.version", false, ob_task_area_version },
    { "statements.run", false, ob_task_statements_run },
    { "area.backup", false, ob_task_area_backup },
    { "area.restore", false, ob_task_area_restore },
};
const int ob_ntask_kinds = sizeof(ob_task_kinds) / sizeof(ob_task_kinds[0]);

/* Copies move through the backup store: a node without one leaves them. */
static bool
store_ready(const struct ob_config *cfg)
{
    return cfg->store != NULL;
}

const struct ob_task_gate ob_task_gates[] = {
    { "mail.send", ob_mail_ready },
    { "area.backup", store_ready },
    { "area.restore", store_ready },
};
const int ob_ntask_gates = sizeof(ob_task_gates) / sizeof(ob_task_gates[0]);

const struct ob_job_def *
ob_jobs_find(const char *name)
{
    for (int i = 0; i < ob_njob_defs; i++)
        if (!strcmp(ob_job_defs[i].name, name))
            return &ob_job_defs[i];
    return NULL;
}

void
ob_jobs_period(const struct ob_job_def *j, int64_t now, char *out, size_t size)
{
    if (j->schedule == OB_SCHED_INTERVAL) {
        /* zero-padded, so that periods sort as text like the dates of daily jobs */
        snprintf(out, size, "i%012lld", (long long)(now / (j->every_s > 0 ? j->every_s : 60)));
        return;
    }
    if (j->schedule == OB_SCHED_MONTHLY) {
        int y, m, d;

        ob_date_to_ymd(ob_date_of_instant(now), &y, &m, &d);
        if (now < ob_date_start(ob_date_from_ymd(y, m, 1)) + (int64_t)j->at_minute * 60)
            out[0] = '\0';
        else
            snprintf(out, size, "%04d-%02d", y, m);
        return;
    }
    if (j->schedule == OB_SCHED_WEEKLY) {
        int32_t day = ob_date_of_instant(now);

        if (ob_date_weekday(day) != 1 || now < ob_date_start(day) + (int64_t)j->at_minute * 60)
            out[0] = '\0';
        else
            ob_date_format(day, out);
        return;
    }
    {
        int32_t day = ob_date_of_instant(now);

        if (now < ob_date_start(day) + (int64_t)j->at_minute * 60) {
            out[0] = '\0';
            return;
        }
        ob_date_format(day, out);
    }
}

int64_t
ob_jobs_last_due(const struct ob_job_def *j, int64_t now, char *out, size_t size)
{
    int32_t day = ob_date_of_instant(now);
    int64_t at = (int64_t)j->at_minute * 60, due;
    int y, m, d;

    switch (j->schedule) {
    case OB_SCHED_INTERVAL: {
        int64_t every = j->every_s > 0 ? j->every_s : 60;

        snprintf(out, size, "i%012lld", (long long)(now / every));
        return now / every * every;
    }
    case OB_SCHED_MONTHLY:
        ob_date_to_ymd(day, &y, &m, &d);
        due = ob_date_start(ob_date_from_ymd(y, m, 1)) + at;
        if (now < due) {    /* this month's is not due yet: the last month's */
            y = m == 1 ? y - 1 : y;
            m = m == 1 ? 12 : m - 1;
            due = ob_date_start(ob_date_from_ymd(y, m, 1)) + at;
        }
        snprintf(out, size, "%04d-%02d", y, m);
        return due;
    case OB_SCHED_WEEKLY:
        day -= ob_date_weekday(day) - 1;    /* this week's Monday */
        if (now < ob_date_start(day) + at)
            day -= 7;
        ob_date_format(day, out);
        return ob_date_start(day) + at;
    case OB_SCHED_DAILY:
    default:
        if (now < ob_date_start(day) + at)
            day--;
        ob_date_format(day, out);
        return ob_date_start(day) + at;
    }
}

struct lag_rows {
    char last[64][24];
};

static int
lag_row(const struct ob_job_row *r, void *arg)
{
    struct lag_rows *l = arg;
    const struct ob_job_def *d = ob_jobs_find(r->name);

    if (d && d - ob_job_defs < 64)
        snprintf(l->last[d - ob_job_defs], sizeof(l->last[0]), "%s", r->last_period);
    return 0;
}

int
ob_jobs_lag(struct ob_ctx *ctx, int (*fn)(const char *name, int64_t lag_s, void *), void *arg)
{
    struct lag_rows l;
    int64_t now = ob_clock_now(ctx);
    int rc;

    memset(&l, 0, sizeof(l));
    if ((rc = ob_job_list(ctx, lag_row, &l)) != 0)
        return rc;
    for (int i = 0; i < ob_njob_defs && i < 64 && rc == 0; i++) {
        char period[24];
        int64_t due = ob_jobs_last_due(&ob_job_defs[i], now, period, sizeof(period));

        /* periods sort as text (zero-padded interval numbers, ISO dates) */
        rc = fn(ob_job_defs[i].name, strcmp(l.last[i], period) >= 0 ? 0 : now - due, arg);
    }
    return rc;
}
