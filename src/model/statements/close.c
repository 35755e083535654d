/*
 * close.c — closing a month of statements (close.h).
 *
 * Why one transaction: a closed statement is what the partner pays and what
 * later corrections are measured against, so what was drafted and what is
 * frozen must be the same run. The close re-drafts every partner of the month
 * with the run's own function (ob_statement_draft joins this transaction)
 * and numbers and freezes the result before committing; a crash leaves the
 * month open and its drafts as they were.
 *
 * Two closes at once: each first makes sure the month has its row and then
 * updates it while it is open, which on PostgreSQL holds the row until the
 * end of the transaction (SQLite: the write transaction is the lock); the
 * second re-reads it closed and is refused. Months close in order: the
 * first open month is then the month after the last closed one, the one the
 * run gives the corrections to.
 *
 * Mail: every owner of the partner, in the owner's language, and the
 * distributor when the statement is addressed to one (docs/decisions.md),
 * queued in the outbox inside the transaction.
 */
#include <jansson.h>
#include <string.h>

#include "base/ctx.h"
#include "base/err.h"
#include "base/mem.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/outbox.h"
#include "model/identity/access.h"
#include "model/statements/close.h"
#include "model/statements/statement.h"
#include "base/banned.h"

int
ob_statement_month_closed(struct ob_ctx *ctx, const char *month, bool *closed)
{
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n,
                           "SELECT COUNT(*) FROM statement_months WHERE month = ? "
                           "AND state = 'closed'",
                           "t", month);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    *closed = n > 0;
    return 0;
}

struct ids {
    int64_t *v;
    int n, cap;
};

static int
collect_id(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ids *x = arg;

    if (x->n == x->cap) {
        int64_t *v;

        x->cap = x->cap ? x->cap * 2 : 32;
        v = ob_arena_alloc(&ctx->arena, (size_t)x->cap * sizeof(*v));
        if (x->n)
            memcpy(v, x->v, (size_t)x->n * sizeof(*v));
        x->v = v;
    }
    x->v[x->n++] = ob_stmt_int(st, 0);
    return 0;
}

/* Claim the month: its row made if missing, then held while open. */
static int
claim(struct ob_ctx *ctx, const char *month)
{
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO statement_months (month, state) VALUES (?, 'open') "
                          "ON CONFLICT (month) DO NOTHING",
                          "t", month);

    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "UPDATE statement_months SET state = 'open' WHERE month = ? "
                      "AND state = 'open'",
                      "t", month);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 1)
        return 0;
    return ob_err_set(&ctx->err, OB_ECONFLICT, "statement_month.already_closed", "month=%s",
                      month);
}

/* Months close in order: no earlier month with statements may be open,
 * and once a month is closed the next to close is the month after it (the
 * run's first open month, the one that carries the corrections). */
static int
earlier_open(struct ob_ctx *ctx, const char *month)
{
    char m[8] = "", last[8] = "", prev[8] = "";
    int64_t from, to;
    int rc = ob_db_get_text(ctx->db, m, sizeof(m),
                            "SELECT s.month FROM statements s "
                            "LEFT JOIN statement_months sm ON sm.month = s.month "
                            "WHERE s.month < ? AND COALESCE(sm.state, 'open') = 'open' "
                            "ORDER BY s.month LIMIT 1",
                            "t", month);

    if (rc == OB_DB_DONE)
        rc = ob_db_get_text(ctx->db, last, sizeof(last),
                            "SELECT MAX(month) FROM statement_months WHERE state = 'closed' "
                            "AND month < ?",
                            "t", month);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!m[0] && last[0] && ob_statement_month_prev(month, prev) == 0 && strcmp(prev, last) &&
        ob_statement_month_bounds(last, &from, &to) == 0)
        ob_statement_month_of(to, m);           /* the month after the last closed one */
    if (m[0])
        return ob_err_set(&ctx->err, OB_ECONFLICT, "statement_month.earlier_open",
                          "month=%s earlier=%s", month, m);
    return 0;
}

/* Every partner, in account id order, as a run takes them (statement.c). */
static int
month_partners(struct ob_ctx *ctx, struct ids *p)
{
    return ob_db_each(ctx, collect_id, p, "SELECT account_id FROM partners ORDER BY account_id",
                      NULL);
}

/* Re-draft every partner of the month with the run's code. */
static int
redraft(struct ob_ctx *ctx, const char *month)
{
    struct ids p = { 0 };
    int64_t st;
    int rc = month_partners(ctx, &p);

    for (int i = 0; rc == 0 && i < p.n; i++)
        rc = ob_statement_draft(ctx, month, p.v[i], &st);
    return rc;
}

/* Number and freeze the month's statements. */
static int
freeze(struct ob_ctx *ctx, const char *month, int64_t now)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE statements SET state = 'closed', closed_at = ?, "
                          "number = month || '/' || CAST(partner_id AS TEXT) "
                          "WHERE month = ? AND state = 'draft'",
                          "it", now, month);

    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "UPDATE statement_months SET state = 'closed', closed_at = ?, "
                      "closed_by = NULLIF(?, 0) WHERE month = ?",
                      "iit", now, ctx->actor.person, month);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

/* One closed statement and whom to tell. */
struct mail_row {
    int64_t statement, partner, total_due, lines;
    const char *number, *partner_name, *payer_kind, *payer_name, *payer_email;
    const char *to, *lang, *name;
};

struct mail_rows {
    struct mail_row *v;
    int n, cap;
};

static int
collect_mail(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct mail_rows *x = arg;
    struct mail_row *r;

    if (x->n == x->cap) {
        struct mail_row *v;

        x->cap = x->cap ? x->cap * 2 : 16;
        v = ob_arena_alloc(&ctx->arena, (size_t)x->cap * sizeof(*v));
        if (x->n)
            memcpy(v, x->v, (size_t)x->n * sizeof(*v));
        x->v = v;
    }
    r = &x->v[x->n++];
    r->statement = ob_stmt_int(st, 0);
    r->partner = ob_stmt_int(st, 1);
    r->total_due = ob_stmt_int(st, 2);
    r->lines = ob_stmt_int(st, 3);
    r->number = ob_stmt_dup(ctx, st, 4);
    r->partner_name = ob_stmt_dup(ctx, st, 5);
    r->payer_kind = ob_stmt_dup(ctx, st, 6);
    r->payer_name = ob_stmt_dup(ctx, st, 7);
    r->payer_email = ob_stmt_dup(ctx, st, 8);
    r->to = ob_stmt_dup(ctx, st, 9);
    r->lang = ob_stmt_dup(ctx, st, 10);
    r->name = ob_stmt_dup(ctx, st, 11);
    return 0;
}

static const char *
rubles(struct ob_ctx *ctx, int64_t kop)
{
    int64_t a = kop < 0 ? -kop : kop;

    return ob_arena_printf(&ctx->arena, "%s%lld.%02lld", kop < 0 ? "-" : "", (long long)(a / 100),
                           (long long)(a % 100));
}

/* "ноябрь 2026", "November 2026": the month as the mail names it. */
static const char *
month_words(struct ob_ctx *ctx, const char *month, bool en)
{
    static const char *const ru_names[] = { "январь", "февраль", "март", "апрель",
                                            "май", "июнь", "июль", "август",
                                            "сентябрь", "октябрь", "ноябрь", "декабрь" };
    static const char *const en_names[] = { "January", "February", "March", "April",
                                            "May", "June", "July", "August",
                                            "September", "October", "November", "December" };
    int m = (month[5] - '0') * 10 + (month[6] - '0');

    if (m < 1 || m > 12)
        return month;
    return ob_arena_printf(&ctx->arena, "%s %.4s", en ? en_names[m - 1] : ru_names[m - 1],
                           month);
}

static int
mail_one(struct ob_ctx *ctx, const char *month, const struct mail_row *r, const char *to,
         const char *lang, const char *name)
{
    bool en = !strcmp(lang, "en");
    json_t *vars = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "name", name, "partner",
                             r->partner_name, "number", r->number, "month",
                             month_words(ctx, month, en), "total_due", rubles(ctx, r->total_due),
                             "lines", (json_int_t)r->lines);
    int rc = ob_outbox_add(ctx, to, lang, "statement_closed", vars, r->partner);

    json_decref(vars);          /* the outbox only reads them */
    return rc;
}

/* Every owner of each partner; a distributor payer once per statement. */
static int
mail_all(struct ob_ctx *ctx, const char *month)
{
    struct mail_rows m = { 0 };
    int rc = ob_db_each(ctx, collect_mail, &m,
                        "SELECT s.id, s.partner_id, s.total_due, s.lines, s.number, "
                        "s.partner_name, s.payer_kind, s.payer_name, s.payer_email, p.email, "
                        "p.lang, p.name FROM statements s "
                        "JOIN memberships ms ON ms.account_id = s.partner_id "
                        "AND (ms.roles = 'owner' OR ms.roles LIKE 'owner,%') "
                        "JOIN persons p ON p.id = ms.person_id AND p.disabled = 0 "
                        "WHERE s.month = ? ORDER BY s.partner_id, p.id",
                        "t", month);

    for (int i = 0; rc == 0 && i < m.n; i++) {
        const struct mail_row *r = &m.v[i];

        rc = mail_one(ctx, month, r, r->to, r->lang, *r->name ? r->name : r->to);
        if (rc == 0 && !strcmp(r->payer_kind, "distributor") && *r->payer_email &&
            (i == 0 || m.v[i - 1].statement != r->statement))
            rc = mail_one(ctx, month, r, r->payer_email, "ru", r->payer_name);
    }
    return rc;
}

struct closed_row {
    int64_t id, partner, total_due, lines;
    const char *number;
};

struct closed_rows {
    struct closed_row *v;
    int n, cap;
};

static int
collect_closed(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct closed_rows *c = arg;

    if (c->n == c->cap) {
        struct closed_row *more;

        c->cap = c->cap ? c->cap * 2 : 16;
        more = ob_arena_alloc(&ctx->arena, (size_t)c->cap * sizeof(*more));
        if (c->n)
            memcpy(more, c->v, (size_t)c->n * sizeof(*more));
        c->v = more;
    }
    c->v[c->n++] = (struct closed_row){ ob_stmt_int(st, 0), ob_stmt_int(st, 1),
                                        ob_stmt_int(st, 2), ob_stmt_int(st, 3),
                                        ob_stmt_dup(ctx, st, 4) };
    return 0;
}

/* The event "statement.closed" for each statement of the month, its
 * partner's (docs/events.md). */
static int
closed_events(struct ob_ctx *ctx, const char *month)
{
    struct closed_rows c = { 0 };
    int rc = ob_db_each(ctx, collect_closed, &c,
                        "SELECT id, partner_id, total_due, lines, number FROM statements "
                        "WHERE month = ? ORDER BY partner_id, id",
                        "t", month);

    for (int i = 0; rc == 0 && i < c.n; i++) {
        json_t *data = json_pack("{s:I, s:s, s:s, s:I, s:I}", "statement", (json_int_t)c.v[i].id,
                                 "month", month, "number", c.v[i].number, "total_due",
                                 (json_int_t)c.v[i].total_due, "lines",
                                 (json_int_t)c.v[i].lines);

        rc = ob_event_emit(ctx, "statement.closed", c.v[i].partner, 0, data, NULL);
        json_decref(data);
    }
    return rc;
}

struct close_args {
    const char *month;
    struct ob_statement_closed *out;
};

static int
close_tx(struct ob_ctx *ctx, void *arg)
{
    struct close_args *a = arg;
    int64_t now = ob_clock_now(ctx);
    int rc;

    if ((rc = claim(ctx, a->month)) != 0 || (rc = earlier_open(ctx, a->month)) != 0 ||
        (rc = redraft(ctx, a->month)) != 0 || (rc = freeze(ctx, a->month, now)) != 0)
        return rc;
    a->out->month = a->month;
    a->out->closed_at = now;
    if ((rc = ob_db_get_int(ctx->db, &a->out->statements,
                            "SELECT COUNT(*) FROM statements WHERE month = ?", "t", a->month)) <
            0 ||
        (rc = ob_db_get_int(ctx->db, &a->out->total_due,
                            "SELECT COALESCE(SUM(total_due), 0) FROM statements WHERE month = ?",
                            "t", a->month)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = mail_all(ctx, a->month)) != 0 || (rc = closed_events(ctx, a->month)) != 0)
        return rc;
    return ob_audit_with(ctx, 0, "statement.month_closed", "statement_month", 0,
                         json_pack("{s:s, s:I, s:I}", "month", a->month, "statements",
                                   (json_int_t)a->out->statements, "total_due",
                                   (json_int_t)a->out->total_due),
                         "month %s closed: %lld statement(s), due %lld", a->month,
                         (long long)a->out->statements, (long long)a->out->total_due);
}

int
ob_statement_close(struct ob_ctx *ctx, const char *month, struct ob_statement_closed *out)
{
    struct close_args a = { month, out };
    int64_t from, to;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0)
        return rc == OB_EPERM ? ob_err_set(&ctx->err, OB_EPERM, "statement_month.close_by_admin") : rc;
    if (ob_statement_month_bounds(month, &from, &to) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "statement.month_invalid", "month=%s",
                            month ? month : "");
    if (ob_clock_now(ctx) < to)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "statement_month.not_ended", "month=%s",
                          month);
    return ob_db_tx(ctx, OB_DB_WRITE, close_tx, &a);
}
