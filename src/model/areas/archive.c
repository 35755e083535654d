/*
 * archive.c — trials that were never paid: the daily pass, the hook of a
 * paid posting, and the records of jobs/archive.c's tasks (archive.h).
 *
 * The pass is O(due). New candidates come from one range read of
 * access_ends_day: the trial ends in (the last day scanned, today - N + D],
 * kept in settings ('trial_archive.scanned_through'); every later step is
 * a read of trial_archives_due (state, next_day <= today). Each subscriber
 * is handled in its own transaction, so a pass that dies half-way leaves
 * whole steps only, and the next pass (or the same one run again) goes on.
 *
 * "Never paid": no subscription of another kind than 'trial' posted (and
 * not cancelled), checked again at every step, so a main posted between two
 * passes stops the rule at once; ob_archive_paid, called where such a
 * subscription is posted, also brings archived areas back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "base/mem.h"
#include "db/db.h"
#include "model/areas/archive.h"
#include "model/areas/backup.h"
#include "model/core/audit.h"
#include "model/core/outbox.h"
#include "model/core/task.h"
#include "base/banned.h"

#define SCANNED_KEY "trial_archive.scanned_through"
#define FAR_DAY "9999-12-31"
#define BATCH 200               /* subscribers read per query of a step */
/* A step whose tasks have not ended after this many days lost them (sql/0028: every phase is
 * left): the pass undoes it (archiving) or starts it again (bringing back). The tasks' own
 * retries end well within it. */
#define STUCK_DAYS 2

static int
parse_days(const char *text, const char *field, int *out, struct ob_err *err)
{
    char *end;
    long v;

    *out = 0;
    if (!text[0])
        return 0;
    v = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end || v < 1 || v > OB_ARCHIVE_MAX_DAYS)
        return ob_err_field(err, OB_EINVAL, field, "archive.days_invalid", "max=%d",
                            OB_ARCHIVE_MAX_DAYS);
    *out = (int)v;
    return 0;
}

int
ob_archive_settings(const struct ob_config *cfg, struct ob_archive_settings *out,
                    struct ob_err *err)
{
    struct ob_archive_settings s;
    int rc;

    if ((rc = parse_days(cfg->trial_archive_days, "trial-archive-days", &s.archive_days, err)) ||
        (rc = parse_days(cfg->trial_delete_days, "trial-delete-days", &s.delete_days, err)))
        return rc;
    if (out)
        *out = s;
    return 0;
}

static int32_t
add_days(int32_t day, int n)
{
    int32_t out = day;

    ob_date_add_days(day, n, &out);
    return out;
}

static int32_t
max_day(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

static const char *
day_text(struct ob_ctx *ctx, int32_t day)
{
    char *s = ob_arena_alloc(&ctx->arena, OB_DATE_LEN);

    ob_date_format(day, s);
    return s;
}

/* 1 when the subscriber had a paid subscription posted, 0 when not. */
static int
ever_paid(struct ob_ctx *ctx, int64_t subscriber)
{
    int64_t one = 0;
    int rc = ob_db_get_int(ctx->db, &one,
                           "SELECT 1 FROM subscriptions WHERE subscriber_id = ? AND kind <> "
                           "'trial' AND state = 'posted' LIMIT 1",
                           "i", subscriber);

    return rc < 0 ? ob_db_err(ctx, rc) : (rc == OB_DB_ROW ? 1 : 0);
}

/* ---- mail -------------------------------------------------------------------------------- */

struct notice {
    int64_t subscriber;
    const char *tmpl, *account;
    int32_t day;            /* archiving, or deletion */
    int areas;
    int sent;
};

static bool
owner_or_admin(const char *roles)
{
    const char *p = roles ? roles : "";

    while (*p) {
        size_t len = strcspn(p, ",");

        if ((len == 5 && !strncmp(p, "owner", 5)) || (len == 13 && !strncmp(p, "administrator", 13)))
            return true;
        p += len;
        if (*p)
            p++;
    }
    return false;
}

static int
notice_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct notice *n = arg;
    const char *email = ob_stmt_dup(ctx, st, 0), *lang = ob_stmt_dup(ctx, st, 1);
    const char *name = ob_stmt_dup(ctx, st, 2);
    bool en = lang && !strcmp(lang, "en");
    char day[OB_DATE_LEN], shown[16];
    int y, m, d, rc;
    json_t *vars;

    if (!owner_or_admin(ob_stmt_text(st, 3)))
        return 0;
    n->account = ob_stmt_dup(ctx, st, 4);
    ob_date_format(n->day, day);
    ob_date_to_ymd(n->day, &y, &m, &d);
    snprintf(shown, sizeof(shown), en ? "%04d-%02d-%02d" : "%02d.%02d.%04d", en ? y : d, m,
             en ? d : y);
    vars = json_pack("{s:s, s:b, s:s, s:s, s:s, s:i, s:s}", "name", name, "named", name[0] != '\0',
                     "account", n->account, "day", shown, "iso_day", day, "areas", n->areas,
                     "public_url", ctx->cfg ? ctx->cfg->public_url : "");
    if (!vars)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "archive.mail");
    rc = ob_outbox_add(ctx, email, en ? "en" : "ru", n->tmpl, vars, n->subscriber);
    json_decref(vars);
    if (rc == 0)
        n->sent++;
    return rc;
}

/* Mail the subscriber's owner and administrators template tmpl about day. */
static int
notify(struct ob_ctx *ctx, int64_t subscriber, const char *tmpl, int32_t day, int areas)
{
    struct notice n = { subscriber, tmpl, "", day, areas, 0 };

    return ob_db_each(ctx, notice_row, &n,
                      "SELECT p.email, p.lang, p.name, m.roles, a.name FROM memberships m "
                      "JOIN persons p ON p.id = m.person_id JOIN accounts a ON a.id = m.account_id "
                      "WHERE m.account_id = ? AND p.disabled = 0 ORDER BY p.id",
                      "i", subscriber);
}

static int
count_areas(struct ob_ctx *ctx, int64_t subscriber, const char *where, int *out)
{
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n,
                           ob_arena_printf(&ctx->arena,
                                           "SELECT COUNT(*) FROM areas WHERE subscriber_id = ? "
                                           "AND %s", where),
                           "i", subscriber);

    *out = (int)n;
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

static int
set_row(struct ob_ctx *ctx, int64_t subscriber, const char *state, int32_t next,
        const char *extra_col, int32_t extra_day)
{
    int64_t n;

    if (extra_col)
        n = ob_db_run(ctx->db,
                      ob_arena_printf(&ctx->arena,
                                      "UPDATE trial_archives SET state = ?, next_day = ?, %s = ?, "
                                      "updated_at = ? WHERE subscriber_id = ?", extra_col),
                      "tttii", state, next ? day_text(ctx, next) : FAR_DAY,
                      day_text(ctx, extra_day), ob_clock_now(ctx), subscriber);
    else
        n = ob_db_run(ctx->db,
                      "UPDATE trial_archives SET state = ?, next_day = ?, updated_at = ? "
                      "WHERE subscriber_id = ?",
                      "ttii", state, next ? day_text(ctx, next) : FAR_DAY, ob_clock_now(ctx),
                      subscriber);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

/* ---- step 1: notices of archiving ----------------------------------------------------------- */

struct step {
    const struct ob_archive_settings *s;
    struct ob_archive_counts *counts;
    int32_t today;
    int64_t ids[BATCH];
    int32_t days[BATCH];
    int n;
    int64_t subscriber;
    int32_t day;
};

static int
candidate_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct step *w = arg;
    int32_t d;

    (void)ctx;
    if (w->n == BATCH || ob_date_parse(ob_stmt_text(st, 1), &d) != 0)
        return 0;
    w->ids[w->n] = ob_stmt_int(st, 0);
    w->days[w->n++] = d;
    return 0;
}

static int
notice_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *w = arg;
    int32_t archive_day = max_day(add_days(w->day, w->s->archive_days),
                                  add_days(w->today, OB_ARCHIVE_NOTICE_DAYS));
    int areas = 0, rc = ever_paid(ctx, w->subscriber);
    int64_t n;

    if (rc != 0)
        return rc < 0 ? rc : 0;
    if ((rc = count_areas(ctx, w->subscriber, "state = 'ready'", &areas)) != 0 || areas == 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "INSERT INTO trial_archives (subscriber_id, last_day, state, next_day, "
                  "noticed_day, updated_at) VALUES (?, ?, 'noticed', ?, ?, ?) "
                  "ON CONFLICT (subscriber_id) DO NOTHING",
                  "ittti", w->subscriber, day_text(ctx, w->day), day_text(ctx, archive_day),
                  day_text(ctx, w->today), ob_clock_now(ctx));
    if (n <= 0)
        return n < 0 ? ob_db_err(ctx, (int)n) : 0;
    if ((rc = notify(ctx, w->subscriber, "trial_archive_notice", archive_day, areas)) != 0)
        return rc;
    w->counts->noticed++;
    return ob_audit_with(ctx, w->subscriber, "area.trial_archive_noticed", "account", w->subscriber,
                         json_pack("{s:s, s:s, s:i}", "last_day", day_text(ctx, w->day),
                                   "archive_day", day_text(ctx, archive_day), "areas", areas),
                         "the areas of a trial never paid will be archived on %s",
                         day_text(ctx, archive_day));
}

static int
scanned_set(struct ob_ctx *ctx, void *arg)
{
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                          "updated_at = excluded.updated_at",
                          "tti", SCANNED_KEY, (const char *)arg, ob_clock_now(ctx));

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static int
step_notices(struct ob_ctx *ctx, struct step *w)
{
    char from[OB_DATE_LEN] = "0000-00-00", upto[OB_DATE_LEN];
    int32_t hi = add_days(w->today, OB_ARCHIVE_NOTICE_DAYS - w->s->archive_days);
    int64_t after = INT64_MAX;      /* the watermark's day itself was scanned whole */
    int rc;

    /* never while the trial still runs: the last day is yesterday at the latest */
    if (hi > add_days(w->today, -1))
        hi = add_days(w->today, -1);
    ob_date_format(hi, upto);
    rc = ob_db_get_text(ctx->db, from, sizeof(from), "SELECT value FROM settings WHERE key = ?",
                        "t", SCANNED_KEY);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    /* by (last_day, subscriber) after the last one read: a subscriber skipped (no ready
     * area, or paid) is not read again by the next batch */
    do {
        w->n = 0;
        rc = ob_db_each(ctx, candidate_row, w,
                        "SELECT e.subscriber_id, e.last_day FROM access_ends e "
                        "WHERE (e.last_day > ? OR (e.last_day = ? AND e.subscriber_id > ?)) "
                        "AND e.last_day <= ? AND e.chain = 'trial' "
                        "AND NOT EXISTS (SELECT 1 FROM trial_archives t "
                        "WHERE t.subscriber_id = e.subscriber_id) "
                        "ORDER BY e.last_day, e.subscriber_id LIMIT ?",
                        "ttiti", from, from, after, upto, (int64_t)BATCH);
        for (int i = 0; rc == 0 && i < w->n; i++) {
            w->subscriber = w->ids[i];
            w->day = w->days[i];
            rc = ob_db_tx(ctx, OB_DB_WRITE, notice_tx, w);
            ob_date_format(w->day, from);
            after = w->subscriber;
        }
    } while (rc == 0 && w->n == BATCH);
    return rc == 0 ? ob_db_tx(ctx, OB_DB_WRITE, scanned_set, upto) : rc;
}

/* ---- the due steps ----------------------------------------------------------------------- */

static int
due_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct step *w = arg;
    int32_t d = 0;

    (void)ctx;
    if (w->n == BATCH)
        return 0;
    ob_date_parse(ob_stmt_text(st, 1), &d);
    w->ids[w->n] = ob_stmt_int(st, 0);
    w->days[w->n++] = d;
    return 0;
}

/* Each subscriber of `state` due by today, fn in a transaction of its own.
 * fn moves the row on (or its next_day forward), so the loop ends. */
static int
each_due(struct ob_ctx *ctx, struct step *w, const char *state,
         int (*fn)(struct ob_ctx *, void *))
{
    int rc, guard = 0;

    do {
        w->n = 0;
        rc = ob_db_each(ctx, due_row, w,
                        "SELECT subscriber_id, COALESCE(archived_day, '') FROM trial_archives "
                        "WHERE state = ? AND next_day <= ? ORDER BY next_day, subscriber_id "
                        "LIMIT ?",
                        "tti", state, day_text(ctx, w->today), (int64_t)BATCH);
        for (int i = 0; rc == 0 && i < w->n; i++) {
            w->subscriber = w->ids[i];
            w->day = w->days[i];
            rc = ob_db_tx(ctx, OB_DB_WRITE, fn, w);
        }
    } while (rc == 0 && w->n == BATCH && ++guard < 10000);
    return rc;
}

struct area_ids {
    int64_t ids[256];
    int n;
};

static int
area_id_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct area_ids *a = arg;

    (void)ctx;
    if (a->n < (int)(sizeof(a->ids) / sizeof(a->ids[0])))
        a->ids[a->n++] = ob_stmt_int(st, 0);
    return 0;
}

static int
queue_task(struct ob_ctx *ctx, const char *kind, int64_t area, int64_t attempt_key)
{
    char payload[64], key[96];

    snprintf(payload, sizeof(payload), "{\"area\":%lld}", (long long)area);
    snprintf(key, sizeof(key), "%s:%lld:%lld", kind, (long long)area, (long long)attempt_key);
    return ob_task_enqueue(ctx, kind, payload, key, 8, NULL);
}

static int
queue_archive(struct ob_ctx *ctx, int64_t area, int64_t backup)
{
    char payload[96], key[96];

    snprintf(payload, sizeof(payload), "{\"area\":%lld,\"backup\":%lld}", (long long)area,
             (long long)backup);
    snprintf(key, sizeof(key), "area.archive:%lld", (long long)backup);
    /* it waits for the copy with the tasks' back-off: room for a long transfer */
    return ob_task_enqueue(ctx, "area.archive", payload, key, 30, NULL);
}

/* A subscriber that paid after all: its row becomes 'paid' or, with areas
 * archived, 'unarchiving'. */
static int unarchive(struct ob_ctx *ctx, int64_t subscriber, int *back);

static int
archive_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *w = arg;
    struct area_ids a = { .n = 0 };
    int back = 0, rc = ever_paid(ctx, w->subscriber);
    int64_t now = ob_clock_real();

    if (rc != 0)
        return rc < 0 ? rc : unarchive(ctx, w->subscriber, &back);
    rc = ob_db_each(ctx, area_id_row, &a,
                    "SELECT id FROM areas WHERE subscriber_id = ? AND state = 'ready' "
                    "AND phase = '' ORDER BY id",
                    "i", w->subscriber);
    for (int i = 0; rc == 0 && i < a.n; i++) {
        int64_t backup = 0;
        int64_t n = ob_db_run(ctx->db,
                              "UPDATE areas SET phase = 'archiving', phase_at = ?, updated_at = ? "
                              "WHERE id = ? AND phase = ''",
                              "iii", now, ob_clock_now(ctx), a.ids[i]);

        if (n < 0)
            return ob_db_err(ctx, (int)n);
        /* the final copy is the backups part's task; area.archive waits for it, then deletes
         * the backend's copy */
        if ((rc = ob_backup_queue(ctx, a.ids[i], "archive", NULL, &backup)) == 0)
            rc = queue_archive(ctx, a.ids[i], backup);
    }
    if (rc != 0)
        return rc;
    w->counts->archiving += a.n;
    rc = set_row(ctx, w->subscriber, "archiving", add_days(w->today, STUCK_DAYS), NULL, 0);
    if (rc == 0 && a.n == 0)        /* nothing left to archive: the step is done now */
        rc = set_row(ctx, w->subscriber, "archived", w->today, "archived_day", w->today);
    return rc;
}

static int
delete_notice_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *w = arg;
    int32_t notice_day = add_days(w->day, w->s->delete_days - OB_ARCHIVE_NOTICE_DAYS);
    int32_t delete_day;
    int areas = 0, back = 0, rc = ever_paid(ctx, w->subscriber);

    if (rc != 0)
        return rc < 0 ? rc : unarchive(ctx, w->subscriber, &back);
    if (notice_day > w->today)
        return set_row(ctx, w->subscriber, "archived", notice_day, NULL, 0);
    delete_day = max_day(add_days(w->day, w->s->delete_days),
                         add_days(w->today, OB_ARCHIVE_NOTICE_DAYS));
    if ((rc = count_areas(ctx, w->subscriber, "phase = 'archived'", &areas)) != 0 ||
        (rc = set_row(ctx, w->subscriber, "delete_noticed", delete_day, "delete_noticed_day",
                      w->today)) != 0 ||
        (rc = notify(ctx, w->subscriber, "trial_delete_notice", delete_day, areas)) != 0)
        return rc;
    w->counts->delete_noticed++;
    return ob_audit_with(ctx, w->subscriber, "area.trial_delete_noticed", "account", w->subscriber,
                         json_pack("{s:s, s:i}", "delete_day", day_text(ctx, delete_day),
                                   "areas", areas),
                         "the archive of a trial never paid will be deleted on %s",
                         day_text(ctx, delete_day));
}

static int
delete_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *w = arg;
    struct area_ids a = { .n = 0 };
    int back = 0, rc = ever_paid(ctx, w->subscriber);

    if (rc != 0)
        return rc < 0 ? rc : unarchive(ctx, w->subscriber, &back);
    rc = ob_db_each(ctx, area_id_row, &a,
                    "SELECT id FROM areas WHERE subscriber_id = ? AND phase = 'archived' "
                    "ORDER BY id",
                    "i", w->subscriber);
    for (int i = 0; rc == 0 && i < a.n; i++)
        rc = queue_task(ctx, "area.archive_delete", a.ids[i], 0);
    if (rc != 0)
        return rc;
    w->counts->deleting += a.n;
    return set_row(ctx, w->subscriber, "deleted", 0, NULL, 0);
}

/* Archiving that has not ended in STUCK_DAYS: the areas still 'archiving' are left as they
 * were (their task, if it ever runs again, finds nothing to do); the next day tries again. */
static int
stuck_archiving_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *w = arg;
    struct area_ids a = { .n = 0 };
    int rc = ob_db_each(ctx, area_id_row, &a,
                        "SELECT id FROM areas WHERE subscriber_id = ? AND phase = 'archiving' "
                        "ORDER BY id",
                        "i", w->subscriber);

    for (int i = 0; rc == 0 && i < a.n; i++)
        rc = ob_archive_area_failed(ctx, a.ids[i], "the archiving did not end within 2 days");
    if (rc == 0 && a.n == 0)        /* nothing under way: the step is over */
        rc = set_row(ctx, w->subscriber, "archived", w->today, "archived_day", w->today);
    return rc;
}

/* Bringing back that has not ended in STUCK_DAYS: each area still 'unarchiving' goes back to
 * 'archived' and is queued again. */
static int
stuck_unarchiving_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *w = arg;
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE areas SET phase = 'archived', updated_at = ? "
                          "WHERE subscriber_id = ? AND phase = 'unarchiving'",
                          "ii", ob_clock_now(ctx), w->subscriber);
    int back = 0;

    return n < 0 ? ob_db_err(ctx, (int)n) : unarchive(ctx, w->subscriber, &back);
}

int
ob_archive_pass(struct ob_ctx *ctx, const struct ob_archive_settings *s,
                struct ob_archive_counts *out)
{
    struct step *w;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    w = ob_arena_alloc(&ctx->arena, sizeof(*w));
    memset(w, 0, sizeof(*w));
    w->s = s;
    w->counts = out;
    w->today = ob_clock_today(ctx);
    /* areas already in a phase are seen to also when the rule is turned off since */
    if (s->archive_days > 0 && (rc = step_notices(ctx, w)) == 0)
        rc = each_due(ctx, w, "noticed", archive_tx);
    if (rc == 0)
        rc = each_due(ctx, w, "archiving", stuck_archiving_tx);
    if (rc == 0)
        rc = each_due(ctx, w, "unarchiving", stuck_unarchiving_tx);
    /* with deletion off, archived rows wait (next_day is their archiving day): once the
     * provider sets it, they are all due and each gets its notice day */
    if (rc == 0 && s->archive_days > 0 && s->delete_days > 0)
        rc = each_due(ctx, w, "archived", delete_notice_tx);
    if (rc == 0 && s->archive_days > 0 && s->delete_days > 0)
        rc = each_due(ctx, w, "delete_noticed", delete_tx);
    return rc;
}

/* ---- a paid posting ---------------------------------------------------------------------- */

static int
unarchive(struct ob_ctx *ctx, int64_t subscriber, int *back)
{
    struct area_ids a = { .n = 0 };
    int64_t now = ob_clock_real();
    int rc = ob_db_each(ctx, area_id_row, &a,
                        "SELECT id FROM areas WHERE subscriber_id = ? AND phase = 'archived' "
                        "ORDER BY id",
                        "i", subscriber);

    for (int i = 0; rc == 0 && i < a.n; i++) {
        int64_t n = ob_db_run(ctx->db,
                              "UPDATE areas SET phase = 'unarchiving', phase_at = ?, "
                              "updated_at = ? WHERE id = ? AND phase = 'archived'",
                              "iii", now, ob_clock_now(ctx), a.ids[i]);

        if (n < 0)
            return ob_db_err(ctx, (int)n);
        rc = queue_task(ctx, "area.unarchive", a.ids[i], now);
    }
    if (rc != 0)
        return rc;
    *back = a.n;
    /* areas still 'archiving' finish their task, which sees the row and brings them back */
    rc = count_areas(ctx, subscriber, "phase IN ('archiving', 'unarchiving')", &a.n);
    if (rc == 0)
        rc = set_row(ctx, subscriber, a.n ? "unarchiving" : "paid",
                     a.n ? add_days(ob_clock_today(ctx), STUCK_DAYS) : 0, NULL, 0);
    if (rc == 0)
        rc = ob_audit_with(ctx, subscriber, "area.trial_archive_stopped", "account", subscriber,
                           json_pack("{s:i}", "areas", *back),
                           "a paid subscription stops the archiving of a trial; %d areas come "
                           "back", *back);
    return rc;
}

int
ob_archive_paid(struct ob_ctx *ctx, int64_t subscriber)
{
    char state[32] = "";
    int back = 0;
    int rc = ob_db_get_text(ctx->db, state, sizeof(state),
                            "SELECT state FROM trial_archives WHERE subscriber_id = ?", "i",
                            subscriber);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW || !strcmp(state, "deleted") || !strcmp(state, "paid"))
        return 0;
    return unarchive(ctx, subscriber, &back);
}

/* ---- the tasks' records ------------------------------------------------------------------ */

struct area_row {
    int64_t subscriber, phase_at;
    const char *key, *name, *phase, *state, *row_state;
};

static void
read_area(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct area_row *a = out;

    a->subscriber = ob_stmt_int(st, 0);
    a->key = ob_stmt_dup(ctx, st, 1);
    a->name = ob_stmt_dup(ctx, st, 2);
    a->phase = ob_stmt_dup(ctx, st, 3);
    a->phase_at = ob_stmt_int(st, 4);
    a->state = ob_stmt_dup(ctx, st, 5);
    a->row_state = ob_stmt_dup(ctx, st, 6);
}

static int
load_area(struct ob_ctx *ctx, int64_t area, struct area_row *a)
{
    return ob_db_one(ctx, read_area, a,
                     "SELECT a.subscriber_id, a.area_key, a.name, a.phase, "
                     "COALESCE(a.phase_at, 0), a.state, COALESCE(t.state, '') FROM areas a "
                     "LEFT JOIN trial_archives t ON t.subscriber_id = a.subscriber_id "
                     "WHERE a.id = ?",
                     "i", area);
}

static void
read_copy(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_archive_copy *c = out;

    (void)ctx;
    c->backup = ob_stmt_int(st, 0);
    snprintf(c->object, sizeof(c->object), "%s", ob_stmt_text(st, 1));
    snprintf(c->sha256, sizeof(c->sha256), "%s", ob_stmt_text(st, 2));
}

int
ob_archive_area_check(struct ob_ctx *ctx, int64_t area, bool *go)
{
    struct area_row a;
    int64_t n;
    int rc;

    *go = false;
    if ((rc = load_area(ctx, area, &a)) != 0)
        return rc;
    if (strcmp(a.phase, "archiving"))
        return 0;
    if (strcmp(a.row_state, "archiving")) {     /* paid meanwhile: the area stays */
        int left = 0;

        n = ob_db_run(ctx->db, "UPDATE areas SET phase = '', phase_at = NULL, updated_at = ? "
                               "WHERE id = ? AND phase = 'archiving'",
                      "ii", ob_clock_now(ctx), area);
        if (n < 0)
            return ob_db_err(ctx, (int)n);
        if (strcmp(a.row_state, "unarchiving") ||
            (rc = count_areas(ctx, a.subscriber, "phase IN ('archiving', 'unarchiving')",
                              &left)) != 0 || left)
            return rc;
        return set_row(ctx, a.subscriber, "paid", 0, NULL, 0);
    }
    *go = true;
    return 0;
}

int
ob_archive_area_archived(struct ob_ctx *ctx, int64_t area)
{
    struct area_row a;
    int left = 0, back = 0;
    int64_t n;
    int rc;

    if ((rc = load_area(ctx, area, &a)) != 0 || strcmp(a.phase, "archiving"))
        return rc;
    n = ob_db_run(ctx->db, "UPDATE areas SET phase = 'archived', phase_at = ?, updated_at = ? "
                           "WHERE id = ?",
                  "iii", ob_clock_real(), ob_clock_now(ctx), area);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_audit_with(ctx, a.subscriber, "area.archived", "area", area,
                            json_pack("{s:s}", "area", a.name),
                            "area '%s' of a trial never paid is archived", a.name)) != 0)
        return rc;
    if (strcmp(a.row_state, "archiving"))       /* paid while the copy was made */
        return unarchive(ctx, a.subscriber, &back);
    if ((rc = count_areas(ctx, a.subscriber, "phase = 'archiving'", &left)) != 0 || left)
        return rc;
    {
        int32_t today = ob_clock_today(ctx);

        return set_row(ctx, a.subscriber, "archived", today, "archived_day", today);
    }
}

int
ob_archive_area_failed(struct ob_ctx *ctx, int64_t area, const char *reason)
{
    struct area_row a;
    int left = 0;
    int64_t n;
    int rc;

    if ((rc = load_area(ctx, area, &a)) != 0 || strcmp(a.phase, "archiving"))
        return rc;
    n = ob_db_run(ctx->db, "UPDATE areas SET phase = '', phase_at = NULL, updated_at = ? "
                           "WHERE id = ?",
                  "ii", ob_clock_now(ctx), area);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_audit_with(ctx, a.subscriber, "area.archive_failed", "area", area,
                            json_pack("{s:s, s:s}", "area", a.name, "reason", reason),
                            "archiving area '%s' failed: %s", a.name, reason)) != 0)
        return rc;
    if (strcmp(a.row_state, "archiving") ||
        (rc = count_areas(ctx, a.subscriber, "phase = 'archiving'", &left)) != 0 || left)
        return rc;
    /* the pass of the next day tries the areas left again */
    return set_row(ctx, a.subscriber, "noticed", add_days(ob_clock_today(ctx), 1), NULL, 0);
}

int
ob_archive_area_copy(struct ob_ctx *ctx, int64_t area, struct ob_archive_copy *c)
{
    memset(c, 0, sizeof(*c));
    return ob_db_one(ctx, read_copy, c,
                     "SELECT id, object, sha256 FROM area_backups WHERE area_id = ? "
                     "AND kind = 'archive' AND state = 'stored' ORDER BY id DESC LIMIT 1",
                     "i", area);
}

int
ob_archive_area_back(struct ob_ctx *ctx, int64_t area, const char *version)
{
    struct area_row a;
    int left = 0;
    int64_t n;
    int rc;

    if ((rc = load_area(ctx, area, &a)) != 0 || strcmp(a.phase, "unarchiving"))
        return rc;
    n = ob_db_run(ctx->db, "UPDATE areas SET phase = '', phase_at = NULL, version = CASE "
                           "WHEN ? = '' THEN version ELSE ? END, updated_at = ? WHERE id = ?",
                  "ttii", version ? version : "", version ? version : "", ob_clock_now(ctx),
                  area);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_audit_with(ctx, a.subscriber, "area.unarchived", "area", area,
                            json_pack("{s:s}", "area", a.name),
                            "area '%s' is back from the archive", a.name)) != 0)
        return rc;
    if ((rc = count_areas(ctx, a.subscriber, "phase IN ('archiving', 'unarchiving')", &left)) != 0 ||
        left)
        return rc;
    return set_row(ctx, a.subscriber, "paid", 0, NULL, 0);
}

int
ob_archive_area_back_failed(struct ob_ctx *ctx, int64_t area, const char *reason)
{
    struct area_row a;
    int64_t n;
    int rc;

    if ((rc = load_area(ctx, area, &a)) != 0 || strcmp(a.phase, "unarchiving"))
        return rc;
    n = ob_db_run(ctx->db, "UPDATE areas SET phase = 'archived', phase_at = ?, updated_at = ? "
                           "WHERE id = ?",
                  "iii", ob_clock_real(), ob_clock_now(ctx), area);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, a.subscriber, "area.unarchive_failed", "area", area,
                         json_pack("{s:s, s:s}", "area", a.name, "reason", reason),
                         "bringing area '%s' back from the archive failed: %s", a.name, reason);
}

int
ob_archive_copy_gone(struct ob_ctx *ctx, int64_t backup)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'deleted', deleted_at = ? WHERE id = ?",
                          "ii", ob_clock_real(), backup);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_archive_area_deleted(struct ob_ctx *ctx, int64_t area)
{
    struct area_row a;
    int64_t n, now = ob_clock_now(ctx);
    int rc;

    if ((rc = load_area(ctx, area, &a)) != 0 || strcmp(a.phase, "archived"))
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE area_backups SET state = 'deleted', deleted_at = ? WHERE area_id = ? "
                  "AND kind = 'archive' AND state = 'stored'",
                  "ii", ob_clock_real(), area);
    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "UPDATE areas SET state = 'deleted', phase = '', phase_at = NULL, "
                      "deleted_at = ?, updated_at = ? WHERE id = ?",
                      "iii", now, now, area);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, a.subscriber, "area.archive_deleted", "area", area,
                         json_pack("{s:s}", "area", a.name),
                         "the archive of area '%s' of a trial never paid is deleted", a.name);
}
