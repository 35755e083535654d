/*
 * backup.c — the bookkeeping of backups and restores (backup.h).
 *
 * Every change of a copy's or a restore's row is one statement guarded by
 * the state it leaves, so a task run twice (its lease expired while the
 * first run was still going) cannot move a row backwards: a stored copy is
 * not made 'storing' again, a finished restore is not finished twice. The
 * area's phase is taken with `UPDATE … WHERE phase = ''` in the
 * transaction that creates the restore: of two restores at once exactly
 * one changes the row, on either engine.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "db/db.h"
#include "model/areas/appsession.h"
#include "model/areas/area.h"
#include "model/areas/backup.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/task.h"
#include "model/identity/access.h"
#include "base/banned.h"

#define MANAGE (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)
#define READ_PARTNER (OB_ROLE_OWNER | OB_ROLE_OPERATOR)
#define READ_PROVIDER (OB_ROLE_ADMIN | OB_ROLE_SUPPORT | OB_ROLE_AUDITOR)
#define BACKUP_ATTEMPTS 6   /* 1+2+4+8+16 s of back-off between them, then shown failed */
#define RESTORE_ATTEMPTS 12 /* a restore into a new area waits for the area to be made */
/* the kinds listed as backups of an area (exports and uploads are the copies part's) */
#define LISTED "('daily', 'manual', 'before_restore', 'before_update', 'archive')"

/* ---- the retention ladder ------------------------------------------------------------- */

int
ob_backup_keep_parse(const char *s, struct ob_backup_keep *out, struct ob_err *err)
{
    struct ob_backup_keep k = { 0, 0, 0 };
    bool seen[3] = { false, false, false };
    const char *p = s ? s : "";

    if (!*p)
        goto bad;
    for (;;) {
        long v = 0;
        int digits = 0, unit;

        while (*p >= '0' && *p <= '9' && digits < 5) {
            v = v * 10 + (*p++ - '0');
            digits++;
        }
        if (!digits || !*p)
            goto bad;
        unit = *p == 'd' ? 0 : *p == 'w' ? 1 : *p == 'm' ? 2 : -1;
        if (unit < 0 || seen[unit] || v > (unit == 0 ? 3660 : unit == 1 ? 520 : 120))
            goto bad;
        seen[unit] = true;
        *(unit == 0 ? &k.days : unit == 1 ? &k.weeks : &k.months) = (int)v;
        p++;
        if (!*p)
            break;
        if (*p++ != ',')
            goto bad;
    }
    *out = k;
    return 0;
bad:
    return ob_err_field(err, OB_EINVAL, "backup-keep", "backup.keep_invalid", "value=%.40s",
                        s ? s : "");
}

static int32_t
monday_of(int32_t day)
{
    return day - (ob_date_weekday(day) - 1);
}

static int
month_of(int32_t day)
{
    int y, m, d;

    ob_date_to_ymd(day, &y, &m, &d);
    return y * 12 + (m - 1);
}

void
ob_backup_keep_decide(const struct ob_backup_keep *k, int32_t today, const int32_t *day, int n,
                      bool *keep)
{
    int32_t last_day = -1, last_week = -1, first_week = monday_of(today) - 7 * (k->weeks - 1);
    int last_month = -1, first_month = month_of(today) - (k->months - 1);

    /* newest first: the first copy met in a day, week or month is its newest */
    for (int i = 0; i < n; i++) {
        int32_t w = monday_of(day[i]);
        int m = month_of(day[i]);

        keep[i] = false;
        if (k->days > 0 && day[i] > today - k->days && day[i] <= today && day[i] != last_day)
            keep[i] = true;
        if (k->weeks > 0 && w >= first_week && day[i] <= today && w != last_week)
            keep[i] = true;
        if (k->months > 0 && m >= first_month && day[i] <= today && m != last_month)
            keep[i] = true;
        last_day = day[i];
        last_week = w;
        last_month = m;
    }
}

int32_t
ob_backup_keep_first_day(const struct ob_backup_keep *k, int32_t today)
{
    int32_t first = today - (k->days > 0 ? k->days - 1 : 0);
    int y, m, d;

    if (k->weeks > 0 && monday_of(today) - 7 * (k->weeks - 1) < first)
        first = monday_of(today) - 7 * (k->weeks - 1);
    if (k->months > 0) {
        int mm = month_of(today) - (k->months - 1);

        ob_date_to_ymd(today, &y, &m, &d);
        (void)d;
        if (ob_date_from_ymd(mm / 12, mm % 12 + 1, 1) < first)
            first = ob_date_from_ymd(mm / 12, mm % 12 + 1, 1);
    }
    return first;
}

/* ---- reading ---------------------------------------------------------------------------- */

#define BACKUP_SELECT                                                                          \
    "SELECT id, area_id, size, created_at, COALESCE(created_by, 0), COALESCE(stored_at, 0), "  \
    "COALESCE(verified_at, 0), COALESCE(task_id, 0), kind, state, COALESCE(day, ''), object, " \
    "sha256, version, error, attempts FROM area_backups "

static void
read_backup(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_backup *b = out;

    b->id = ob_stmt_int(st, 0);
    b->area = ob_stmt_int(st, 1);
    b->size = ob_stmt_int(st, 2);
    b->created_at = ob_stmt_int(st, 3);
    b->created_by = ob_stmt_int(st, 4);
    b->stored_at = ob_stmt_int(st, 5);
    b->verified_at = ob_stmt_int(st, 6);
    b->task_id = ob_stmt_int(st, 7);
    b->kind = ob_stmt_dup(ctx, st, 8);
    b->state = ob_stmt_dup(ctx, st, 9);
    b->day = ob_stmt_dup(ctx, st, 10);
    b->object = ob_stmt_dup(ctx, st, 11);
    b->sha256 = ob_stmt_dup(ctx, st, 12);
    b->version = ob_stmt_dup(ctx, st, 13);
    b->error = ob_stmt_dup(ctx, st, 14);
    b->attempts = (int)ob_stmt_int(st, 15);
}

struct each {
    int (*fn)(const struct ob_backup *, void *);
    void *arg;
};

static int
each_backup(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct each *e = arg;
    struct ob_backup b;

    read_backup(ctx, st, &b);
    return e->fn(&b, e->arg);
}

/* The area, if the actor may see its backups. */
static int
readable(struct ob_ctx *ctx, int64_t area, struct ob_area *a)
{
    int rc;

    if ((rc = ob_area_get(ctx, area, a)) != 0)
        return rc;
    return ob_access_subscriber(ctx, a->subscriber, MANAGE, READ_PARTNER, READ_PROVIDER);
}

int
ob_backup_list(struct ob_ctx *ctx, int64_t area, int64_t after, int limit,
               int (*fn)(const struct ob_backup *, void *), void *arg)
{
    struct each e = { fn, arg };
    struct ob_area a;
    int rc;

    if ((rc = readable(ctx, area, &a)) != 0)
        return rc;
    return ob_db_each(ctx, each_backup, &e,
                      BACKUP_SELECT "WHERE area_id = ? AND state = 'stored' AND kind IN " LISTED
                                    " AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                      "iiii", area, after, after, (int64_t)limit);
}

int
ob_backup_pending(struct ob_ctx *ctx, int64_t area, int (*fn)(const struct ob_backup *, void *),
                  void *arg)
{
    struct each e = { fn, arg };
    struct ob_area a;
    int rc;

    if ((rc = readable(ctx, area, &a)) != 0)
        return rc;
    return ob_db_each(ctx, each_backup, &e,
                      BACKUP_SELECT "WHERE area_id = ? AND kind IN " LISTED
                                    " AND state IN ('queued', 'storing', 'failed') AND id > "
                                    "COALESCE((SELECT MAX(id) FROM area_backups WHERE area_id = ? "
                                    "AND state = 'stored'), 0) ORDER BY id DESC LIMIT 5",
                      "ii", area, area);
}

int
ob_backup_load(struct ob_ctx *ctx, int64_t id, struct ob_backup *out)
{
    int rc = ob_db_one(ctx, read_backup, out, BACKUP_SELECT "WHERE id = ?", "i", id);

    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "backup.not_found", "id=%lld", (long long)id);
    return rc;
}

static int
backup_get(struct ob_ctx *ctx, int64_t area, int64_t id, struct ob_backup *out)
{
    struct ob_area a;
    int rc;

    if ((rc = readable(ctx, area, &a)) != 0)
        return rc;
    if ((rc = ob_backup_load(ctx, id, out)) != 0)
        return rc;
    if (out->area != area || strcmp(out->state, "stored") ||
        !strstr(LISTED, out->kind))
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "backup.not_found", "id=%lld",
                          (long long)id);
    return 0;
}

/* ---- queueing -------------------------------------------------------------------------- */

static int
enqueue_backup(struct ob_ctx *ctx, int64_t id)
{
    char payload[64], key[64];
    int64_t task = 0, n;
    int rc;

    snprintf(payload, sizeof(payload), "{\"backup\": %" PRId64 "}", id);
    snprintf(key, sizeof(key), "area.backup:%" PRId64, id);
    if ((rc = ob_task_enqueue(ctx, "area.backup", payload, key, BACKUP_ATTEMPTS, &task)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "UPDATE area_backups SET task_id = ? WHERE id = ?", "ii", task, id);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static int
backup_queue(struct ob_ctx *ctx, int64_t area, const char *kind, const char *day, int64_t *id)
{
    int rc = ob_db_get_int(ctx->db, id,
                           "INSERT INTO area_backups (area_id, kind, day, created_at, created_by) "
                           "VALUES (?, ?, ?, ?, ?) RETURNING id",
                           "ittiz", area, kind, day, ob_clock_now(ctx), ctx->actor.person);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return enqueue_backup(ctx, *id);
}

struct queue {
    int64_t area, id;
    const char *kind, *day;
};

static int
queue_tx(struct ob_ctx *ctx, void *arg)
{
    struct queue *q = arg;

    return backup_queue(ctx, q->area, q->kind, q->day, &q->id);
}

int
ob_backup_queue(struct ob_ctx *ctx, int64_t area, const char *kind, const char *day, int64_t *id)
{
    struct queue q = { area, 0, kind, day };
    int rc = ob_db_tx(ctx, OB_DB_WRITE, queue_tx, &q);

    *id = q.id;
    return rc;
}

struct daily {
    const char *day;
    int n;
};

static int
daily_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    int64_t id = ob_stmt_int(st, 0);
    struct daily *d = arg;

    (void)ctx;
    d->n++;
    return enqueue_backup(ctx, id);
}

static int
daily_tx(struct ob_ctx *ctx, void *arg)
{
    struct daily *d = arg;
    int64_t n;

    /* one per area and day: the unique index makes a second run a no-op */
    n = ob_db_run(ctx->db,
                  "INSERT INTO area_backups (area_id, kind, day, created_at) "
                  "SELECT id, 'daily', ?, ? FROM areas WHERE state = 'ready' AND phase = '' "
                  "ON CONFLICT DO NOTHING",
                  "ti", d->day, ob_clock_now(ctx));
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_db_each(ctx, daily_row, d,
                      "SELECT id FROM area_backups WHERE kind = 'daily' AND day = ? "
                      "AND task_id IS NULL ORDER BY id",
                      "t", d->day);
}

int
ob_backup_queue_daily(struct ob_ctx *ctx, const char *day, int *queued)
{
    struct daily d = { day, 0 };
    int rc = ob_db_tx(ctx, OB_DB_WRITE, daily_tx, &d);

    *queued = rc == 0 ? d.n : 0;
    return rc;
}

struct request {
    struct ob_area a;
    int64_t id;
};

static int
request_tx(struct ob_ctx *ctx, void *arg)
{
    struct request *r = arg;
    int64_t busy = 0;
    int rc;

    /* one manual copy under way per area: asking again waits for it (the
     * area's row lock makes two requests at once see each other) */
    if ((rc = ob_db_lock_row(ctx->db, "areas", "id", r->a.id, true)) < 0)
        return ob_db_err(ctx, rc);
    rc = ob_db_get_int(ctx->db, &busy,
                       "SELECT COUNT(*) FROM area_backups WHERE area_id = ? AND kind = 'manual' "
                       "AND state IN ('queued', 'storing')",
                       "i", r->a.id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (busy)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "backup.under_way", "name=%s", r->a.name);
    if ((rc = backup_queue(ctx, r->a.id, "manual", NULL, &r->id)) != 0)
        return rc;
    return ob_audit_with(ctx, r->a.subscriber, "area.backup_requested", "area", r->a.id,
                         json_pack("{s:s}", "area", r->a.name),
                         "backup of data area '%s' requested", r->a.name);
}

/* A ready area without a phase that the actor manages. */
static int
manageable(struct ob_ctx *ctx, int64_t area, struct ob_area *a)
{
    int rc;

    if ((rc = ob_area_get(ctx, area, a)) != 0 ||
        (rc = ob_access_subscriber(ctx, a->subscriber, MANAGE, 0, 0)) != 0)
        return rc;
    if (strcmp(a->state, "ready"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "backup.area_not_ready", "name=%s",
                          a->name);
    if (a->phase[0])
        return ob_err_set(&ctx->err, OB_ECONFLICT, "backup.area_busy", "name=%s",
                          a->name);
    return 0;
}

int
ob_backup_request(struct ob_ctx *ctx, int64_t area, int64_t *id)
{
    struct request r = { .id = 0 };
    int rc;

    if ((rc = manageable(ctx, area, &r.a)) != 0)
        return rc;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, request_tx, &r)) != 0)
        return rc;
    *id = r.id;
    return 0;
}

/* ---- the task's steps ------------------------------------------------------------------ */

int
ob_backup_storing(struct ob_ctx *ctx, int64_t id, const char *object)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'storing', object = ?, "
                          "attempts = attempts + 1 WHERE id = ? AND state IN ('queued', 'storing')",
                          "ti", object, id);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return n ? 0 : ob_err_set(&ctx->err, OB_ECONFLICT, "backup.not_queued", "id=%lld",
                              (long long)id);
}

int
ob_backup_stored(struct ob_ctx *ctx, int64_t id, int64_t size, const char *sha256,
                 const char *version)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'stored', size = ?, sha256 = ?, "
                          "version = ?, error = '', stored_at = ? WHERE id = ? AND state = 'storing'",
                          "ittii", size, sha256, version ? version : "", ob_clock_now(ctx), id);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return n ? 0 : ob_err_set(&ctx->err, OB_ECONFLICT, "backup.not_queued", "id=%lld",
                              (long long)id);
}

struct about {
    int64_t subscriber, partner;
    const char *area_name, *area_key;
};

static void
read_about(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct about *a = out;

    a->subscriber = ob_stmt_int(st, 0);
    a->partner = ob_stmt_int(st, 1);
    a->area_name = ob_stmt_dup(ctx, st, 2);
    a->area_key = ob_stmt_dup(ctx, st, 3);
}

static int
about_area(struct ob_ctx *ctx, int64_t area, struct about *out)
{
    return ob_db_one(ctx, read_about, out,
                     "SELECT ar.subscriber_id, COALESCE(s.partner_id, 0), ar.name, ar.area_key "
                     "FROM areas ar JOIN subscribers s ON s.account_id = ar.subscriber_id "
                     "WHERE ar.id = ?",
                     "i", area);
}

int
ob_backup_failed(struct ob_ctx *ctx, int64_t id, const char *error, bool final)
{
    struct ob_backup b;
    struct about ab;
    json_t *data;
    int64_t n;
    int rc;

    n = ob_db_run(ctx->db,
                  final ? "UPDATE area_backups SET state = 'failed', error = ? "
                          "WHERE id = ? AND state IN ('queued', 'storing')"
                        : "UPDATE area_backups SET error = ? "
                          "WHERE id = ? AND state IN ('queued', 'storing')",
                  "ti", error, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (!n || !final)
        return 0;
    if ((rc = ob_backup_load(ctx, id, &b)) != 0 || (rc = about_area(ctx, b.area, &ab)) != 0)
        return rc;
    data = json_pack("{s:I, s:I, s:s, s:s, s:s}", "backup", (json_int_t)id, "area",
                     (json_int_t)b.area, "area_name", ab.area_name, "kind", b.kind, "error",
                     error);
    rc = ob_event_emit(ctx, "area.backup_failed", ab.partner, ab.subscriber, data, NULL);
    json_decref(data);
    return rc;
}

int
ob_backup_verified(struct ob_ctx *ctx, int64_t id, bool ok)
{
    int64_t n = ok ? ob_db_run(ctx->db,
                               "UPDATE area_backups SET verified_at = ? WHERE id = ? "
                               "AND state = 'stored'",
                               "ii", ob_clock_now(ctx), id)
                   : ob_db_run(ctx->db,
                               "UPDATE area_backups SET state = 'failed', error = "
                               "'the stored copy does not match its checksum' "
                               "WHERE id = ? AND state = 'stored'",
                               "i", id);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_backup_unverified(struct ob_ctx *ctx, int limit, int (*fn)(const struct ob_backup *, void *),
                     void *arg)
{
    struct each e = { fn, arg };

    return ob_db_each(ctx, each_backup, &e,
                      BACKUP_SELECT "WHERE state = 'stored' AND verified_at IS NULL "
                                    "ORDER BY created_at LIMIT ?",
                      "i", (int64_t)limit);
}

/* ---- retention ------------------------------------------------------------------------- */

#define RETAIN_MAX 4096 /* daily copies of one area looked at in one pass */

struct retain {
    const struct ob_backup_keep *k;
    int32_t today;
    char first[OB_DATE_LEN];
    int64_t first_at;
    int deleted;
    /* the area being read */
    int64_t area;
    int n;
    int64_t id[RETAIN_MAX];
    int32_t day[RETAIN_MAX];
    bool keep[RETAIN_MAX];
};

static int
drop(struct ob_ctx *ctx, int64_t id, struct retain *r)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'deleted', deleted_at = ? "
                          "WHERE id = ? AND state = 'stored'",
                          "ii", ob_clock_now(ctx), id);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    r->deleted += (int)n;
    return 0;
}

static int
retain_area(struct ob_ctx *ctx, struct retain *r)
{
    int rc = 0;

    ob_backup_keep_decide(r->k, r->today, r->day, r->n, r->keep);
    for (int i = 0; i < r->n && rc == 0; i++)
        if (!r->keep[i])
            rc = drop(ctx, r->id[i], r);
    r->n = 0;
    return rc;
}

static int
retain_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct retain *r = arg;
    int64_t area = ob_stmt_int(st, 0);
    int32_t day;
    int rc;

    if (area != r->area && r->n && (rc = retain_area(ctx, r)) != 0)
        return rc;
    r->area = area;
    if (r->n < RETAIN_MAX && ob_date_parse(ob_stmt_text(st, 2), &day) == 0) {
        r->id[r->n] = ob_stmt_int(st, 1);
        r->day[r->n++] = day;
    }
    return 0;
}

static int
people_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    return drop(ctx, ob_stmt_int(st, 0), arg);
}

static int
retain_tx(struct ob_ctx *ctx, void *arg)
{
    struct retain *r = arg;
    int rc;

    r->n = 0;
    r->area = 0;
    r->deleted = 0;
    rc = ob_db_each(ctx, retain_row, r,
                    "SELECT area_id, id, day FROM area_backups WHERE kind = 'daily' "
                    "AND state = 'stored' ORDER BY area_id, day DESC, id DESC",
                    NULL);
    if (rc == 0 && r->n)
        rc = retain_area(ctx, r);
    if (rc != 0)
        return rc;
    /* copies people asked for live as long as the ladder reaches back */
    return ob_db_each(ctx, people_row, r,
                      "SELECT id FROM area_backups WHERE state = 'stored' AND kind IN "
                      "('manual', 'before_restore', 'before_update') AND created_at < ?",
                      "i", r->first_at);
}

int
ob_backup_retain(struct ob_ctx *ctx, const struct ob_backup_keep *k, int32_t today, int *deleted)
{
    struct retain *r = ob_xmalloc(sizeof(*r));
    int rc;

    memset(r, 0, sizeof(*r));
    r->k = k;
    r->today = today;
    r->first_at = ob_date_start(ob_backup_keep_first_day(k, today));
    rc = ob_db_tx(ctx, OB_DB_WRITE, retain_tx, r);
    *deleted = rc == 0 ? r->deleted : 0;
    free(r);
    return rc;
}

int
ob_backup_unlinked(struct ob_ctx *ctx, int limit, int (*fn)(const struct ob_backup *, void *),
                   void *arg)
{
    struct each e = { fn, arg };

    return ob_db_each(ctx, each_backup, &e,
                      BACKUP_SELECT "WHERE state = 'deleted' AND object <> '' ORDER BY id LIMIT ?",
                      "i", (int64_t)limit);
}

static int
unlinked_tx(struct ob_ctx *ctx, void *arg)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET object = '' WHERE id = ? AND state = 'deleted'",
                          "i", *(int64_t *)arg);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_backup_unlinked_done(struct ob_ctx *ctx, int64_t id)
{
    return ob_db_tx(ctx, OB_DB_WRITE, unlinked_tx, &id);
}

/* ---- restores -------------------------------------------------------------------------- */

#define RESTORE_SELECT                                                                         \
    "SELECT id, area_id, backup_id, COALESCE(before_id, 0), created_at, "                      \
    "COALESCE(finished_at, 0), into_new, state, error FROM area_restores "

static void
read_restore(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_restore *r = out;

    r->id = ob_stmt_int(st, 0);
    r->area = ob_stmt_int(st, 1);
    r->backup = ob_stmt_int(st, 2);
    r->before = ob_stmt_int(st, 3);
    r->created_at = ob_stmt_int(st, 4);
    r->finished_at = ob_stmt_int(st, 5);
    r->into_new = ob_stmt_int(st, 6) != 0;
    r->state = ob_stmt_dup(ctx, st, 7);
    r->error = ob_stmt_dup(ctx, st, 8);
}

int
ob_restore_load(struct ob_ctx *ctx, int64_t id, struct ob_restore *out)
{
    int rc = ob_db_one(ctx, read_restore, out, RESTORE_SELECT "WHERE id = ?", "i", id);

    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "backup.not_found", "id=%lld", (long long)id);
    return rc;
}

int
ob_restore_last(struct ob_ctx *ctx, int64_t area, struct ob_restore *out)
{
    struct ob_area a;
    int rc;

    if ((rc = readable(ctx, area, &a)) != 0)
        return rc;
    rc = ob_db_one(ctx, read_restore, out,
                   RESTORE_SELECT "WHERE area_id = ? ORDER BY id DESC LIMIT 1", "i", area);
    if (rc == OB_ENOTFOUND)
        ob_err_clear(&ctx->err);
    return rc;
}

struct start {
    struct ob_area a;
    struct ob_backup b;
    int64_t area, restore, before;
    bool into_new;
    const char *name;
};

static int
enqueue_restore(struct ob_ctx *ctx, struct start *s)
{
    char payload[64], key[64];
    int64_t task = 0;
    int rc;

    rc = ob_db_get_int(ctx->db, &s->restore,
                       "INSERT INTO area_restores (area_id, backup_id, before_id, into_new, "
                       "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                       "iizii" "z", s->area, s->b.id, s->before, (int64_t)s->into_new,
                       ob_clock_now(ctx), ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    snprintf(payload, sizeof(payload), "{\"restore\": %" PRId64 "}", s->restore);
    snprintf(key, sizeof(key), "area.restore:%" PRId64, s->restore);
    return ob_task_enqueue(ctx, "area.restore", payload, key, RESTORE_ATTEMPTS, &task);
}

static int
take_phase(struct ob_ctx *ctx, int64_t area, const char *name)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE areas SET phase = 'restoring', phase_at = ? "
                          "WHERE id = ? AND phase = '' AND state IN ('creating', 'ready')",
                          "ii", ob_clock_real(), area);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return n ? 0 : ob_err_set(&ctx->err, OB_ECONFLICT, "backup.area_busy", "name=%s",
                              name);
}

static int
start_tx(struct ob_ctx *ctx, void *arg)
{
    struct start *s = arg;
    int closed = 0, rc;
    char day[OB_DATE_LEN];

    if ((rc = take_phase(ctx, s->area, s->a.name)) != 0 ||
        (rc = ob_appsession_close_area(ctx, s->area, "area_restoring", &closed)) != 0 ||
        (rc = ob_db_get_int(ctx->db, &s->before,
                            "INSERT INTO area_backups (area_id, kind, created_at, created_by) "
                            "VALUES (?, 'before_restore', ?, ?) RETURNING id",
                            "iiz", s->area, ob_clock_now(ctx), ctx->actor.person)) < 0)
        return rc < 0 && rc != OB_ECONFLICT ? ob_db_err(ctx, rc) : rc;
    /* the before copy is made by the restore's own task, first */
    if ((rc = enqueue_restore(ctx, s)) != 0)
        return rc;
    ob_date_format(ob_date_of_instant(s->b.created_at), day);
    return ob_audit_with(ctx, s->a.subscriber, "area.backup_restore", "area", s->area,
                         json_pack("{s:s, s:s, s:I, s:i}", "area", s->a.name, "from", day,
                                   "backup", (json_int_t)s->b.id, "sessions", closed),
                         "data area '%s' is being restored from its backup of %s "
                         "(%d sessions closed)",
                         s->a.name, day, closed);
}

/* The restore's common checks: the person (not a token) manages the
 * area's subscriber, the copy is a stored backup of the area. */
static int
restorable(struct ob_ctx *ctx, int64_t area, int64_t backup, struct start *s)
{
    int rc;

    if ((rc = ob_area_get(ctx, area, &s->a)) != 0 ||
        (rc = ob_access_subscriber(ctx, s->a.subscriber, MANAGE, 0, 0)) != 0)
        return rc;
    if ((rc = ob_access_session(ctx)) != 0)
        return ob_err_set(&ctx->err, OB_EPERM, "backup.restore_needs_session", "");
    return backup_get(ctx, area, backup, &s->b);
}

int
ob_restore_start(struct ob_ctx *ctx, int64_t area, int64_t backup, const char *confirm,
                 int64_t *restore)
{
    struct start s = { .area = area };
    int rc;

    if ((rc = restorable(ctx, area, backup, &s)) != 0)
        return rc;
    if (!confirm || strcmp(confirm, s.a.name))
        return ob_err_field(&ctx->err, OB_EINVAL, "confirm", "backup.type_name_to_restore",
                            "name=%s", s.a.name);
    if (strcmp(s.a.state, "ready"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "backup.area_not_ready", "name=%s",
                          s.a.name);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, start_tx, &s)) != 0)
        return rc;
    *restore = s.restore;
    return 0;
}

/* Inside the new area's creating transaction (ob_area_new.then). */
static int
into_new_then(struct ob_ctx *ctx, int64_t id, void *arg)
{
    struct start *s = arg;
    char day[OB_DATE_LEN];
    int rc;

    s->area = id;
    if ((rc = take_phase(ctx, id, s->name)) != 0 || (rc = enqueue_restore(ctx, s)) != 0)
        return rc;
    ob_date_format(ob_date_of_instant(s->b.created_at), day);
    return ob_audit_with(ctx, s->a.subscriber, "area.backup_restore_new", "area", id,
                         json_pack("{s:s, s:s, s:s}", "area", s->name, "source", s->a.name, "from",
                                   day),
                         "data area '%s' is being made from the backup of '%s' of %s", s->name,
                         s->a.name, day);
}

int
ob_restore_into_new(struct ob_ctx *ctx, int64_t area, int64_t backup, const char *name,
                    int64_t *new_area, int64_t *restore)
{
    struct start s = { .into_new = true, .name = name };
    struct ob_area_new in = { 0 };
    int rc;

    if ((rc = restorable(ctx, area, backup, &s)) != 0)
        return rc;
    in.subscriber = s.a.subscriber;
    in.name = name;
    in.app = s.a.app_code;
    in.test = s.a.test;
    in.then = into_new_then;
    in.then_arg = &s;
    if ((rc = ob_area_create(ctx, &in, new_area)) != 0)
        return rc;
    *restore = s.restore;
    return 0;
}

struct finish {
    int64_t id;
    bool ok;
    const char *error;
};

static int
finished_audit(struct ob_ctx *ctx, const struct ob_restore *r, const struct about *ab,
               const struct ob_backup *b, bool ok, const char *error)
{
    char day[OB_DATE_LEN];
    json_t *data;
    int rc;

    ob_date_format(ob_date_of_instant(b->created_at), day);
    if (!ok)
        return ob_audit_with(ctx, ab->subscriber, "area.backup_restore_failed", "area", r->area,
                             json_pack("{s:s, s:s, s:s}", "area", ab->area_name, "from", day,
                                       "error", error ? error : ""),
                             "restoring data area '%s' from its backup of %s failed: %s",
                             ab->area_name, day, error ? error : "");
    if ((rc = ob_audit_with(ctx, ab->subscriber, "area.backup_restored", "area", r->area,
                            json_pack("{s:s, s:s}", "area", ab->area_name, "from", day),
                            "data area '%s' restored from the backup of %s", ab->area_name,
                            day)) != 0)
        return rc;
    data = json_pack("{s:I, s:s, s:I, s:s, s:b, s:o}", "area", (json_int_t)r->area, "area_name",
                     ab->area_name, "backup", (json_int_t)b->id, "day", day, "into_new",
                     r->into_new, "before", r->before ? json_integer(r->before) : json_null());
    rc = ob_event_emit(ctx, "area.restored", ab->partner, ab->subscriber, data, NULL);
    json_decref(data);
    return rc;
}

int
ob_restore_finished(struct ob_ctx *ctx, int64_t id, bool ok, const char *error)
{
    struct ob_restore r;
    struct ob_backup b;
    struct about ab;
    int64_t n;
    int rc;

    if ((rc = ob_restore_load(ctx, id, &r)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE area_restores SET state = ?, error = ?, finished_at = ? "
                  "WHERE id = ? AND state = 'running'",
                  "ttii", ok ? "done" : "failed", ok ? "" : (error ? error : ""),
                  ob_clock_now(ctx), id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return 0;   /* finished already */
    n = ob_db_run(ctx->db,
                  "UPDATE areas SET phase = '', phase_at = NULL WHERE id = ? AND phase = 'restoring'",
                  "i", r.area);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    /* a copy of the state before that was not made is not going to be */
    if (r.before && (n = ob_db_run(ctx->db,
                                   "UPDATE area_backups SET state = 'failed', error = ? "
                                   "WHERE id = ? AND state IN ('queued', 'storing')",
                                   "ti", "the restore did not go on", r.before)) < 0)
        return ob_db_err(ctx, (int)n);
    /* a new area whose copy could not be put in is of no use: it fails */
    if (!ok && r.into_new &&
        (n = ob_db_run(ctx->db,
                       "UPDATE areas SET state = 'failed', reason = ? WHERE id = ? "
                       "AND state IN ('creating', 'ready')",
                       "ti", error ? error : "the restore failed", r.area)) < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_backup_load(ctx, r.backup, &b)) != 0 || (rc = about_area(ctx, r.area, &ab)) != 0)
        return rc;
    /* the area now runs the version its copy was made at (a copy made before
     * a roll-out brings the older version back) */
    if (ok && b.version && *b.version &&
        (n = ob_db_run(ctx->db, "UPDATE areas SET version = ? WHERE id = ?", "ti", b.version,
                       r.area)) < 0)
        return ob_db_err(ctx, (int)n);
    return finished_audit(ctx, &r, &ab, &b, ok, error);
}

static int
lost_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    int *n = arg;
    int rc = ob_restore_finished(ctx, ob_stmt_int(st, 0), false,
                                 "the restore was stopped; the data area is as it was");

    *n += rc == 0;
    return rc;
}

static int
lost_backup_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    int *n = arg;
    int rc = ob_backup_failed(ctx, ob_stmt_int(st, 0), "the backup was stopped", true);

    *n += rc == 0;
    return rc;
}

/* A phase 'restoring' older than a restore can take with no restore
 * running (nothing could finish it: the rows were edited by hand, a
 * database restored from an older dump) is left. */
#define PHASE_STALE_S (2 * 60 * 60)

static int
recover_tx(struct ob_ctx *ctx, void *arg)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE areas SET phase = '', phase_at = NULL WHERE phase = 'restoring' "
                          "AND COALESCE(phase_at, 0) < ? AND NOT EXISTS (SELECT 1 FROM "
                          "area_restores r WHERE r.area_id = areas.id AND r.state = 'running')",
                          "i", ob_clock_real() - PHASE_STALE_S);
    int rc;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *(int *)arg += (int)n;
    rc = ob_db_each(ctx, lost_row, arg,
                        "SELECT r.id FROM area_restores r JOIN tasks t "
                        "ON t.unique_key = 'area.restore:' || r.id "
                        "WHERE r.state = 'running' AND t.state IN ('failed', 'done')",
                        NULL);

    if (rc != 0)
        return rc;
    return ob_db_each(ctx, lost_backup_row, arg,
                      "SELECT b.id FROM area_backups b JOIN tasks t ON t.id = b.task_id "
                      "WHERE b.state IN ('queued', 'storing') AND t.state IN ('failed', 'done')",
                      NULL);
}

int
ob_restore_recover(struct ob_ctx *ctx, int *recovered)
{
    *recovered = 0;
    return ob_db_tx(ctx, OB_DB_WRITE, recover_tx, recovered);
}
