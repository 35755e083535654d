/*
 * digest.c — the Monday digest to a partner's operators (digest.h).
 *
 * One write transaction per partner: read its clients' ends of access in the
 * two windows (through subscribers_partner and the access_ends key, so a
 * partner costs its own clients, never a scan of everyone's), and, unless
 * both lists are empty and empty digests are off, claim the ledger row
 * (partner, Monday) with INSERT … ON CONFLICT DO NOTHING. Only the run whose
 * insert made the row queues the mails: SQLite's writers queue on the lock;
 * on PostgreSQL a second insert of the same key waits for the first to
 * commit and then inserts nothing. The mails and the event are in the same
 * transaction, so a digest is made whole or not at all.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/core/event.h"
#include "model/core/outbox.h"
#include "model/notices/digest.h"
#include "base/banned.h"

struct end_row {
    int64_t subscriber, code;
    const char *client, *chain, *tariff_ru, *tariff_en;
    int32_t last;
    struct end_row *next;
};

struct person_row {
    int64_t id;
    const char *email, *name, *lang;
    struct person_row *next;
};

struct partner_tx {
    int64_t partner;
    int32_t monday;
    bool when_empty;
    const char *partner_name;
    struct end_row *rows, **rows_tail;
    struct person_row *people, **people_tail;
    int64_t ending, ended, mails;
    bool made;
};

static const char *const months_en[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A date as people read it: "12.03.2027" in Russian, "12 Mar 2027" in English. */
static const char *
human_date(struct ob_ctx *ctx, int32_t day, bool en)
{
    int y, m, d;

    ob_date_to_ymd(day, &y, &m, &d);
    if (en)
        return ob_arena_printf(&ctx->arena, "%d %s %04d", d, months_en[m - 1], y);
    return ob_arena_printf(&ctx->arena, "%02d.%02d.%04d", d, m, y);
}

static int
end_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct partner_tx *a = arg;
    struct end_row *r = ob_arena_alloc(&ctx->arena, sizeof(*r));

    r->subscriber = ob_stmt_int(st, 0);
    r->client = ob_stmt_dup(ctx, st, 1);
    r->code = ob_stmt_int(st, 2);
    r->chain = ob_stmt_dup(ctx, st, 3);
    if (ob_date_parse(ob_stmt_text(st, 4), &r->last) != 0)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "digest.bad_day", "day=%s",
                          ob_stmt_text(st, 4));
    r->tariff_ru = ob_stmt_dup(ctx, st, 5);
    r->tariff_en = ob_stmt_dup(ctx, st, 6);
    *a->rows_tail = r;
    a->rows_tail = &r->next;
    if (r->last >= a->monday)
        a->ending++;
    else
        a->ended++;
    return 0;
}

static int
person_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct partner_tx *a = arg;
    struct person_row *p = ob_arena_alloc(&ctx->arena, sizeof(*p));

    p->id = ob_stmt_int(st, 0);
    p->email = ob_stmt_dup(ctx, st, 1);
    p->name = ob_stmt_dup(ctx, st, 2);
    p->lang = ob_stmt_dup(ctx, st, 3);
    *a->people_tail = p;
    a->people_tail = &p->next;
    return 0;
}

/* The tariff's name in a row: a chain is named by the standard tariff's
 * code (model/subscriptions/ends.h); the trial chain is the trial. */
static const char *
tariff_name(const struct end_row *r, bool en)
{
    const char *name = en ? r->tariff_en : r->tariff_ru;

    if (!strcmp(r->chain, "trial"))
        return en ? "Trial" : "Пробный период";
    return name && *name ? name : r->chain;
}

/* The mail's variables in one language: the two lists as rows. */
static json_t *
vars_for(struct ob_ctx *ctx, const struct partner_tx *a, const struct person_row *p, bool en)
{
    json_t *ending = json_array(), *ended = json_array();
    const char *base = ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url
                                                           : "http://127.0.0.1:8080";
    size_t blen = strlen(base);

    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    for (const struct end_row *r = a->rows; r; r = r->next) {
        int days = r->last >= a->monday ? r->last - a->monday : a->monday - r->last;
        json_t *row = json_pack("{s:s, s:I, s:s, s:s, s:i, s:s}", "client", r->client, "code",
                                (json_int_t)r->code, "tariff", tariff_name(r, en), "through",
                                human_date(ctx, r->last, en), "days", days, "link",
                                ob_arena_printf(&ctx->arena, "%.*s/subscribers/%lld", (int)blen,
                                                base, (long long)r->subscriber));

        json_array_append_new(r->last >= a->monday ? ending : ended, row);
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "name", *p->name ? p->name : p->email,
                     "partner", a->partner_name, "monday", human_date(ctx, a->monday, en),
                     "ending_count", (json_int_t)a->ending, "ended_count", (json_int_t)a->ended,
                     "ending", ending, "ended", ended);
}

static int
partner_tx(struct ob_ctx *ctx, void *arg)
{
    struct partner_tx *a = arg;
    char monday[OB_DATE_LEN], from[OB_DATE_LEN], to[OB_DATE_LEN];
    int32_t d_from, d_to;
    int64_t n;
    int rc;

    /* ob_db_tx may run this again (a busy retry): start clean. */
    a->rows = NULL, a->rows_tail = &a->rows;
    a->people = NULL, a->people_tail = &a->people;
    a->ending = a->ended = a->mails = 0;
    a->made = false;
    if (ob_date_add_days(a->monday, -OB_DIGEST_BEHIND_DAYS, &d_from) != 0 ||
        ob_date_add_days(a->monday, OB_DIGEST_AHEAD_DAYS, &d_to) != 0)
        return ob_err_set(&ctx->err, OB_EINVAL, "digest.bad_day", "day=%d", (int)a->monday);
    ob_date_format(a->monday, monday);
    ob_date_format(d_from, from);
    ob_date_format(d_to, to);
    rc = ob_db_each(ctx, end_row, a,
                    "SELECT e.subscriber_id, acc.name, s.code, e.chain, e.last_day, "
                    "COALESCE(t.name_ru, ''), COALESCE(t.name_en, '') "
                    "FROM subscribers s JOIN access_ends e ON e.subscriber_id = s.account_id "
                    "JOIN accounts acc ON acc.id = s.account_id "
                    "LEFT JOIN tariffs t ON t.code = e.chain AND t.partner_id IS NULL "
                    "WHERE s.partner_id = ? AND s.state = 'active' "
                    "AND e.last_day >= ? AND e.last_day <= ? "
                    "ORDER BY e.last_day, s.code, e.chain",
                    "itt", a->partner, from, to);
    if (rc != 0)
        return rc;
    if (!a->rows && !a->when_empty)
        return 0;
    n = ob_db_run(ctx->db,
                  "INSERT INTO digests (partner_id, monday, ending, ended, created_at) "
                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (partner_id, monday) DO NOTHING",
                  "itiii", a->partner, monday, a->ending, a->ended, ob_clock_now(ctx));
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return 0;   /* made already, by another run */
    a->made = true;
    rc = ob_db_each(ctx, person_row, a,
                    "SELECT p.id, p.email, p.name, p.lang FROM memberships m "
                    "JOIN persons p ON p.id = m.person_id WHERE m.account_id = ? "
                    "AND p.disabled = 0 AND ',' || m.roles || ',' LIKE '%,operator,%' "
                    "ORDER BY p.id",
                    "i", a->partner);
    if (rc != 0)
        return rc;
    for (const struct person_row *p = a->people; p; p = p->next) {
        bool en = !strcmp(p->lang, "en");
        json_t *vars = vars_for(ctx, a, p, en);
        int64_t outbox = 0;

        if (!vars)
            return OB_EINTERNAL;
        rc = ob_outbox_queue(ctx, p->email, p->lang, "partner_digest", vars, a->partner, &outbox);
        json_decref(vars);
        if (rc != 0)
            return rc;
        n = ob_db_run(ctx->db,
                      "INSERT INTO digest_mails (partner_id, monday, person_id, outbox_id) "
                      "VALUES (?, ?, ?, ?)",
                      "itii", a->partner, monday, p->id, outbox);
        if (n < 0)
            return ob_db_err(ctx, (int)n);
        a->mails++;
    }
    {
        json_t *data = json_pack("{s:s, s:I, s:I}", "monday", monday, "ending",
                                 (json_int_t)a->ending, "ended", (json_int_t)a->ended);

        if (!data)
            return OB_EINTERNAL;
        rc = ob_event_emit(ctx, "partner.digest", a->partner, 0, data, NULL);
        json_decref(data);
    }
    return rc;
}

struct partner_id {
    int64_t id;
    const char *name;
    struct partner_id *next;
};

struct partner_list {
    struct partner_id *head, **tail;
};

static int
partner_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct partner_list *l = arg;
    struct partner_id *p = ob_arena_alloc(&ctx->arena, sizeof(*p));

    p->id = ob_stmt_int(st, 0);
    p->name = ob_stmt_dup(ctx, st, 1);
    *l->tail = p;
    l->tail = &p->next;
    return 0;
}

int
ob_digest_run(struct ob_ctx *ctx, int32_t monday, bool when_empty, struct ob_digest_stats *out)
{
    struct partner_list l = { NULL, &l.head };
    int rc;

    memset(out, 0, sizeof(*out));
    if (ob_date_weekday(monday) != 1) {
        char day[OB_DATE_LEN];

        ob_date_format(monday, day);
        return ob_err_set(&ctx->err, OB_EINVAL, "digest.not_monday", "day=%s", day);
    }
    rc = ob_db_each(ctx, partner_row, &l,
                    "SELECT p.account_id, a.name FROM partners p "
                    "JOIN accounts a ON a.id = p.account_id WHERE p.state = 'active' "
                    "ORDER BY p.account_id",
                    NULL);
    if (rc != 0)
        return rc;
    for (const struct partner_id *p = l.head; p; p = p->next) {
        struct partner_tx a = { .partner = p->id, .monday = monday, .when_empty = when_empty,
                                .partner_name = p->name };

        out->partners++;
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, partner_tx, &a)) != 0)
            return rc;
        if (a.made)
            out->digests++;
        out->mails += a.mails;
    }
    return 0;
}
