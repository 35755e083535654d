/*
 * model/statements/ — the monthly partner statements (R-BIL-1..4).
 *
 * A run drafts each partner's statement of a month; the close part freezes a
 * month and corrects closed lines; other parts add their lines through the
 * hooks statement.h declares. Everything here is judged in the service time
 * zone, with the month's bounds computed in C (base/date.c), never in SQL.
 *
 * This file is the folder's main one: the months, the run and the drafting of
 * one partner's statement.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/task.h"
#include "model/statements/statement.h"
#include "model/usage/usage.h"
#include "base/banned.h"

static int
month_parse(const char *month, int *y, int *m)
{
    if (!month || strlen(month) != 7 || month[4] != '-')
        return OB_EINVAL;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (month[i] < '0' || month[i] > '9'))
            return OB_EINVAL;
    *y = (month[0] - '0') * 1000 + (month[1] - '0') * 100 + (month[2] - '0') * 10 + (month[3] - '0');
    *m = (month[5] - '0') * 10 + (month[6] - '0');
    return *y >= 1 && *m >= 1 && *m <= 12 ? 0 : OB_EINVAL;
}

int
ob_statement_month_bounds(const char *month, int64_t *from, int64_t *to)
{
    int y, m;

    if (month_parse(month, &y, &m) != 0)
        return OB_EINVAL;
    *from = ob_date_start(ob_date_from_ymd(y, m, 1));
    *to = ob_date_start(ob_date_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1));
    return 0;
}

void
ob_statement_month_of(int64_t t, char out[8])
{
    int y, m, d;

    ob_date_to_ymd(ob_date_of_instant(t), &y, &m, &d);
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

int
ob_statement_month_prev(const char *month, char out[8])
{
    int y, m;

    if (month_parse(month, &y, &m) != 0 || (y == 1 && m == 1))
        return OB_EINVAL;
    if (--m == 0)
        m = 12, y--;
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
    return 0;
}

/* ---- one partner's statement ---------------------------------------------------------
 *
 * The canonical text whose SHA-256 (libsodium) is a statement's content hash,
 * version 1. UTF-8, every record ends with "\n", fields within a record are
 * separated by "\t", and in text fields "\\", "\t" and "\n" are written as
 * "\\\\", "\\t" and "\\n"; integers in decimal, an absent id as "". First the
 * header, one "name=value" record each, in this order:
 *   "oblako-statement-v1", month, partner (id), partner_name, partner_inn,
 *   partner_kpp, partner_address, payer_kind, distributor (id), payer_name,
 *   payer_email
 * then one record per line in seq order with the columns of statement_lines
 * in this order:
 *   seq, line_kind, subscription_id, subscriber_id, subscriber_code,
 *   subscriber_name, tariff_code, partner_tariff_name, kind, start, through,
 *   quantity, price, discount_pct, rule, amount_due, corrects_statement_id,
 *   corrects_seq, request_id, register_id, usage_month
 * then "lines=", "total_price=" and "total_due=" records. What a re-run
 * changes by itself (the statement's id, drafted_at) is not in it, so a
 * re-run of an open month over the same data gives the same hash.
 */
#define LINE_COLS                                                                              \
    "seq, line_kind, subscription_id, subscriber_id, subscriber_code, subscriber_name, "       \
    "tariff_code, partner_tariff_name, kind, start, through, quantity, price, discount_pct, "  \
    "rule, amount_due, corrects_statement_id, corrects_seq, request_id, register_id, "         \
    "usage_month"
#define LINE_NCOLS 21
#define HEAD_COLS                                                                              \
    "month, partner_id, partner_name, partner_inn, partner_kpp, partner_address, payer_kind, " \
    "distributor_id, payer_name, payer_email, lines, total_price, total_due"

static void
hash_text(crypto_hash_sha256_state *h, const char *s)
{
    const char *p = s ? s : "";

    for (;;) {
        size_t n = strcspn(p, "\\\t\n");

        crypto_hash_sha256_update(h, (const unsigned char *)p, n);
        if (!p[n])
            break;
        crypto_hash_sha256_update(h, (const unsigned char *)(p[n] == '\\' ? "\\\\"
                                                              : p[n] == '\t' ? "\\t" : "\\n"), 2);
        p += n + 1;
    }
}

static void
hash_field(crypto_hash_sha256_state *h, struct ob_stmt *st, int col, bool last)
{
    hash_text(h, ob_stmt_null(st, col) ? "" : ob_stmt_text(st, col));
    crypto_hash_sha256_update(h, (const unsigned char *)(last ? "\n" : "\t"), 1);
}

static int
hash_head(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    static const char *names[] = { "month", "partner", "partner_name", "partner_inn",
                                   "partner_kpp", "partner_address", "payer_kind",
                                   "distributor", "payer_name", "payer_email" };
    crypto_hash_sha256_state *h = arg;

    (void)ctx;
    crypto_hash_sha256_update(h, (const unsigned char *)"oblako-statement-v1\n", 20);
    for (int i = 0; i < 10; i++) {
        hash_text(h, names[i]);
        crypto_hash_sha256_update(h, (const unsigned char *)"=", 1);
        hash_field(h, st, i, true);
    }
    return 0;
}

static int
hash_tail(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    crypto_hash_sha256_state *h = arg;
    char buf[96];
    int n = snprintf(buf, sizeof(buf), "lines=%lld\ntotal_price=%lld\ntotal_due=%lld\n",
                     (long long)ob_stmt_int(st, 10), (long long)ob_stmt_int(st, 11),
                     (long long)ob_stmt_int(st, 12));

    (void)ctx;
    crypto_hash_sha256_update(h, (const unsigned char *)buf, (size_t)n);
    return 0;
}

static int
statement_hash(struct ob_ctx *ctx, int64_t statement, char out[65])
{
    crypto_hash_sha256_state h;
    unsigned char bin[crypto_hash_sha256_BYTES];
    struct ob_stmt *st = NULL;
    int rc;

    crypto_hash_sha256_init(&h);
    rc = ob_db_each(ctx, hash_head, &h, "SELECT " HEAD_COLS " FROM statements WHERE id = ?", "i",
                    statement);
    if (rc != 0)
        return rc;
    /* the lines are streamed statement by statement, without copying: one
     * statement may hold hundreds of thousands of them */
    if ((rc = ob_db_prepare(ctx->db, "SELECT " LINE_COLS " FROM statement_lines "
                                     "WHERE statement_id = ? ORDER BY seq", &st)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_stmt_bindf(st, "i", statement)) == 0)
        while ((rc = ob_stmt_step(st)) == OB_DB_ROW)
            for (int i = 0; i < LINE_NCOLS; i++)
                hash_field(&h, st, i, i == LINE_NCOLS - 1);
    ob_stmt_finalize(st);
    if ((rc = ob_db_rows_end(ctx, rc)) != 0)
        return rc;
    rc = ob_db_each(ctx, hash_tail, &h, "SELECT " HEAD_COLS " FROM statements WHERE id = ?", "i",
                    statement);
    if (rc != 0)
        return rc;
    crypto_hash_sha256_final(&h, bin);
    sodium_bin2hex(out, 65, bin, sizeof(bin));
    return 0;
}

struct draft {
    const char *month;
    int64_t partner, from, to, id;
    bool existed;
};

static int
month_closed(struct ob_ctx *ctx, const char *month)
{
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n, "SELECT COUNT(*) FROM statement_months "
                                        "WHERE month = ? AND state = 'closed'", "t", month);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (n > 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "statement.month_closed", "month=%s", month);
    return 0;
}

/* M is the first open month: open, and either no month is closed or the
 * latest closed month is the one before M. */
static int
first_open(struct ob_ctx *ctx, const char *month, bool *yes)
{
    char last[16] = "", prev[8];
    int rc = ob_db_get_text(ctx->db, last, sizeof(last),
                            "SELECT MAX(month) FROM statement_months WHERE state = 'closed'",
                            NULL);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    *yes = !last[0] || (ob_statement_month_prev(month, prev) == 0 && !strcmp(prev, last));
    return 0;
}

/* The statement row, made or refreshed: the payer and the partner's
 * requisites copied as they are now. */
static int
upsert_row(struct ob_ctx *ctx, struct draft *d)
{
    int64_t n, state_closed = 0;
    int rc;

    rc = ob_db_get_int(ctx->db, &d->id, "SELECT id FROM statements WHERE month = ? "
                                        "AND partner_id = ?", "ti", d->month, d->partner);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    d->existed = rc == OB_DB_ROW;
    if (d->existed) {
        rc = ob_db_get_int(ctx->db, &state_closed, "SELECT COUNT(*) FROM statements "
                                                   "WHERE id = ? AND state = 'closed'",
                           "i", d->id);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        if (state_closed)
            return ob_err_set(&ctx->err, OB_ECONFLICT, "statement.month_closed", "month=%s",
                              d->month);
    }
    n = ob_db_run(ctx->db,
                  "INSERT INTO statements (month, partner_id, payer_kind, distributor_id, "
                  "payer_name, payer_email, partner_name, partner_inn, partner_kpp, "
                  "partner_address, drafted_at) "
                  "SELECT ?, p.account_id, "
                  "CASE WHEN p.settle_with = 'distributor' AND d.id IS NOT NULL "
                  "THEN 'distributor' ELSE 'provider' END, "
                  "CASE WHEN p.settle_with = 'distributor' THEN d.id END, "
                  "CASE WHEN p.settle_with = 'distributor' AND d.id IS NOT NULL THEN d.name "
                  "ELSE COALESCE((SELECT name FROM accounts WHERE kind = 'provider' "
                  "ORDER BY id LIMIT 1), '') END, "
                  "CASE WHEN p.settle_with = 'distributor' AND d.id IS NOT NULL THEN d.email "
                  "ELSE '' END, a.name, p.inn, p.kpp, p.address, ? "
                  "FROM partners p JOIN accounts a ON a.id = p.account_id "
                  "LEFT JOIN distributors d ON d.id = p.distributor_id "
                  "WHERE p.account_id = ? "
                  "ON CONFLICT (month, partner_id) DO UPDATE SET "
                  "payer_kind = excluded.payer_kind, distributor_id = excluded.distributor_id, "
                  "payer_name = excluded.payer_name, payer_email = excluded.payer_email, "
                  "partner_name = excluded.partner_name, partner_inn = excluded.partner_inn, "
                  "partner_kpp = excluded.partner_kpp, partner_address = excluded.partner_address, "
                  "drafted_at = excluded.drafted_at",
                  "tii", d->month, ob_clock_now(ctx), d->partner);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "partner.not_found", "id=%lld",
                          (long long)d->partner);
    rc = ob_db_get_int(ctx->db, &d->id, "SELECT id FROM statements WHERE month = ? "
                                        "AND partner_id = ?", "ti", d->month, d->partner);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

#define CHARGED                                                                                \
    "s.partner_id = ? AND s.posted_at >= ? AND s.posted_at < ? AND s.state = 'posted' "        \
    "AND ((s.kind IN ('main', 'extension', 'short_extension') AND s.price > 0) "              \
    "OR s.kind = 'its_local')"

struct days {
    int32_t *v;
    int n, cap;
};

static int
day_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct days *d = arg;
    int32_t day;

    if (ob_date_parse(ob_stmt_text(st, 0), &day) != 0)
        return 0;                       /* the service stored it: never happens */
    if (d->n == d->cap) {
        int32_t *v = ob_arena_alloc(&ctx->arena, sizeof(*v) * (size_t)(d->cap ? d->cap * 2 : 64));

        if (d->n)
            memcpy(v, d->v, sizeof(*v) * (size_t)d->n);
        d->v = v;
        d->cap = d->cap ? d->cap * 2 : 64;
    }
    d->v[d->n++] = day;
    return 0;
}

/* The last days of the ends the partner's lines meet, into statement_days
 * (read first, written after: no write while the read is open). */
static int
fill_days(struct ob_ctx *ctx, struct draft *d)
{
    struct days days = { 0 };
    int rc = ob_db_each(ctx, day_row, &days,
                        "SELECT DISTINCT s.\"end\" FROM subscriptions s WHERE " CHARGED
                        " AND NOT EXISTS (SELECT 1 FROM statement_days x WHERE x.day = s.\"end\")",
                        "iii", d->partner, d->from, d->to);

    for (int i = 0; rc == 0 && i < days.n; i++) {
        char day[OB_DATE_LEN], prev[OB_DATE_LEN];
        int64_t n;

        ob_date_format(days.v[i], day);
        ob_date_format(days.v[i] - 1, prev);
        n = ob_db_run(ctx->db, "INSERT INTO statement_days (day, prev) VALUES (?, ?) "
                               "ON CONFLICT (day) DO NOTHING", "tt", day, prev);
        if (n < 0)
            rc = ob_db_err(ctx, (int)n);
    }
    return rc;
}

/* The charge lines: one INSERT … SELECT, ordered by subscriber code, then
 * subscription id. The amounts are the row's snapshot: price is the
 * standard tariff's retail price times quantity (folded in by the planner),
 * discount and amount due as posted; a partner tariff's name is shown
 * beside, its own price is not the amount. */
static int
insert_charges(struct ob_ctx *ctx, struct draft *d, int64_t *seq)
{
    int64_t n = ob_db_run(
        ctx->db,
        "INSERT INTO statement_lines (statement_id, seq, line_kind, subscription_id, "
        "subscriber_id, subscriber_code, subscriber_name, tariff_code, partner_tariff_name, "
        "kind, start, through, quantity, price, discount_pct, rule, amount_due, request_id) "
        "SELECT ?, ROW_NUMBER() OVER (ORDER BY sb.code, s.id), 'charge', s.id, s.subscriber_id, "
        "sb.code, a.name, COALESCE(bt.code, t.code), "
        "CASE WHEN t.partner_id IS NOT NULL THEN t.name_ru ELSE '' END, s.kind, s.start, "
        "dd.prev, s.quantity, s.price, s.discount_pct, s.discount_rule, s.amount_due, "
        "s.request_id "
        "FROM subscriptions s JOIN subscribers sb ON sb.account_id = s.subscriber_id "
        "JOIN accounts a ON a.id = s.subscriber_id JOIN tariffs t ON t.id = s.tariff_id "
        "LEFT JOIN tariffs bt ON bt.id = t.base_tariff_id "
        "JOIN statement_days dd ON dd.day = s.\"end\" WHERE " CHARGED,
        "iiii", d->id, d->partner, d->from, d->to);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *seq = n;
    return 0;
}

static int
totals(struct ob_ctx *ctx, struct draft *d)
{
    char hash[65];
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE statements SET lines = (SELECT COUNT(*) FROM statement_lines l "
                          "WHERE l.statement_id = statements.id), total_price = (SELECT "
                          "COALESCE(SUM(price), 0) FROM statement_lines l WHERE l.statement_id = "
                          "statements.id), total_due = (SELECT COALESCE(SUM(amount_due), 0) FROM "
                          "statement_lines l WHERE l.statement_id = statements.id) WHERE id = ?",
                          "i", d->id);
    int rc;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = statement_hash(ctx, d->id, hash)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "UPDATE statements SET content_hash = ? WHERE id = ?", "ti", hash,
                  d->id);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static int
draft_tx(struct ob_ctx *ctx, void *arg)
{
    struct draft *d = arg;
    int64_t seq = 0, n;
    bool first = false;
    int rc;

    if ((rc = month_closed(ctx, d->month)) != 0 || (rc = first_open(ctx, d->month, &first)) != 0 ||
        (rc = upsert_row(ctx, d)) != 0 || (rc = fill_days(ctx, d)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "DELETE FROM statement_lines WHERE statement_id = ?", "i", d->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = insert_charges(ctx, d, &seq)) != 0 ||
        (first && (rc = ob_statement_corrections(ctx, d->month, d->partner, d->id, &seq)) != 0) ||
        (rc = ob_usage_statement_lines(ctx, d->month, d->partner, d->id, &seq)) != 0)
        return rc;
    if (seq == 0 && !d->existed) {
        /* nothing to account for and no statement before: none is made */
        n = ob_db_run(ctx->db, "DELETE FROM statements WHERE id = ?", "i", d->id);
        d->id = 0;
        return n < 0 ? ob_db_err(ctx, (int)n) : 0;
    }
    return totals(ctx, d);
}

int
ob_statement_draft(struct ob_ctx *ctx, const char *month, int64_t partner, int64_t *statement)
{
    struct draft d = { .month = month, .partner = partner };
    int rc;

    if (ob_statement_month_bounds(month, &d.from, &d.to) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "statement.month_invalid", "month=%s",
                            month ? month : "");
    rc = ob_db_tx(ctx, OB_DB_WRITE, draft_tx, &d);
    *statement = rc == 0 ? d.id : 0;
    return rc;
}

/* ---- the run -------------------------------------------------------------------------
 *
 * A run row is claimed by one node at a time (statement_runs.node). Each
 * partner's statement is written together with the run's progress (done + 1,
 * a fresh beat_at) in one transaction, and only while the run is still this
 * node's: a node that lost the run (it was taken over) rolls its partner
 * back and stops. A run is taken over when it is queued (node ''), or its
 * heartbeat is older than OB_STATEMENT_RUN_STALE_S seconds, or its node ran
 * on this host under a process that is gone (node ids are host:pid:suffix,
 * jobs/runner.c), so a server killed and started again resumes its run at
 * once instead of waiting for the heartbeat to go stale. A run resumes after
 * the partners it has done: they are taken in account id order, and a
 * partner added since has a larger id.
 */
static bool
node_gone(const char *node)
{
    char host[64] = "", mine[64] = "";
    long pid = 0;
    const char *colon = strchr(node, ':');

    if (!colon || (size_t)(colon - node) >= sizeof(host))
        return false;
    memcpy(host, node, (size_t)(colon - node));
    pid = strtol(colon + 1, NULL, 10);
    gethostname(mine, sizeof(mine) - 1);
    if (strcmp(host, mine) || pid <= 0 || pid == (long)getpid())
        return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void
run_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_statement_run *r = arg;

    r->id = ob_stmt_int(st, 0);
    r->month = ob_stmt_dup(ctx, st, 1);
    r->state = ob_stmt_dup(ctx, st, 2);
    r->total = ob_stmt_int(st, 3);
    r->done = ob_stmt_int(st, 4);
    r->node = ob_stmt_dup(ctx, st, 5);
    r->error = ob_stmt_dup(ctx, st, 6);
    r->started_at = ob_stmt_int(st, 7);
    r->finished_at = ob_stmt_null(st, 8) ? 0 : ob_stmt_int(st, 8);
    r->beat_at = ob_stmt_int(st, 9);
}

#define RUN_COLS "id, month, state, total, done, node, error, started_at, finished_at, beat_at"

static bool
run_alive(const struct ob_statement_run *r)
{
    return !strcmp(r->state, "running") && r->node[0] &&
           r->beat_at >= ob_clock_real() - OB_STATEMENT_RUN_STALE_S && !node_gone(r->node);
}

static int
run_load(struct ob_ctx *ctx, int64_t id, struct ob_statement_run *out)
{
    int rc = ob_db_one(ctx, run_read, out, "SELECT " RUN_COLS " FROM statement_runs WHERE id = ?",
                       "i", id);

    if (rc == OB_ENOTFOUND)
        ob_err_set(&ctx->err, OB_ENOTFOUND, "statement.run_not_found", "id=%lld",
                   (long long)id);
    return rc;
}

int
ob_statement_run_last(struct ob_ctx *ctx, const char *month, struct ob_statement_run *out,
                      bool *found)
{
    int rc = ob_db_one(ctx, run_read, out,
                       "SELECT " RUN_COLS " FROM statement_runs WHERE month = ? "
                       "ORDER BY id DESC LIMIT 1", "t", month);

    *found = rc == 0;
    if (rc == OB_ENOTFOUND)
        rc = 0;
    return rc;
}

struct start_args {
    const char *month, *node;
    bool queue;
    struct ob_statement_run *out;
};

static int
start_tx(struct ob_ctx *ctx, void *arg)
{
    struct start_args *a = arg;
    bool found;
    int64_t n, id = 0;
    int rc;

    if ((rc = month_closed(ctx, a->month)) != 0 ||
        (rc = ob_statement_run_last(ctx, a->month, a->out, &found)) != 0)
        return rc;
    if (found && !strcmp(a->out->state, "running")) {
        if (run_alive(a->out) || (a->queue && !a->out->node[0]))
            return ob_err_set(&ctx->err, OB_ECONFLICT, "statement.run_running", "month=%s",
                              a->month);
        id = a->out->id;                /* dead or queued: take it over */
        n = ob_db_run(ctx->db, "UPDATE statement_runs SET node = ?, beat_at = ? WHERE id = ?",
                      "tii", a->queue ? "" : a->node, ob_clock_real(), id);
    } else {
        n = ob_db_run(ctx->db, "INSERT INTO statement_runs (month, node, started_at, beat_at) "
                               "VALUES (?, ?, ?, ?)",
                      "ttii", a->month, a->queue ? "" : a->node, ob_clock_now(ctx),
                      ob_clock_real());
        if (n >= 0 && ob_db_get_int(ctx->db, &id, "SELECT MAX(id) FROM statement_runs "
                                                  "WHERE month = ?", "t", a->month) < 0)
            n = -1;
    }
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (a->queue) {
        char payload[64];

        snprintf(payload, sizeof(payload), "{\"run\": %lld}", (long long)id);
        if ((rc = ob_task_enqueue(ctx, "statements.run", payload, NULL, 5, NULL)) != 0 ||
            (rc = ob_audit_with(ctx, 0, "statement.run_queued", "statement_run", id,
                                json_pack("{s:s}", "month", a->month), "month %s",
                                a->month)) != 0)
            return rc;
    }
    return run_load(ctx, id, a->out);
}

static int
run_begin(struct ob_ctx *ctx, const char *month, const char *node, bool queue,
          struct ob_statement_run *out)
{
    struct start_args a = { month, node, queue, out };
    int64_t from, to;

    if (ob_statement_month_bounds(month, &from, &to) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "statement.month_invalid", "month=%s",
                            month ? month : "");
    return ob_db_tx(ctx, OB_DB_WRITE, start_tx, &a);
}

int
ob_statement_run_queue(struct ob_ctx *ctx, const char *month, struct ob_statement_run *out)
{
    return run_begin(ctx, month, "", true, out);
}

struct step_args {
    struct ob_statement_run *run;
    const char *node;
    int64_t partner;
};

/* Claim the run for node: 0 when it is ours now, OB_ECONFLICT when
 * another node runs it, 1 when there is nothing left to do. */
static int
claim_tx(struct ob_ctx *ctx, void *arg)
{
    struct step_args *a = arg;
    struct ob_statement_run *r = a->run;
    int64_t n, total = 0;
    int rc;

    if ((rc = run_load(ctx, r->id, r)) != 0)
        return rc;
    if (strcmp(r->state, "running"))
        return 1;
    if (strcmp(r->node, a->node) && r->node[0] && run_alive(r))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "statement.run_running", "month=%s",
                          r->month);
    if ((rc = month_closed(ctx, r->month)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &total, "SELECT COUNT(*) FROM partners", NULL);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    n = ob_db_run(ctx->db, "UPDATE statement_runs SET node = ?, beat_at = ?, total = ? "
                           "WHERE id = ? AND state = 'running'",
                  "tiii", a->node, ob_clock_real(), total, r->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return run_load(ctx, r->id, r);
}

static int
step_tx(struct ob_ctx *ctx, void *arg)
{
    struct step_args *a = arg;
    struct draft d = { .month = a->run->month, .partner = a->partner };
    int64_t n;
    int rc;

    ob_statement_month_bounds(d.month, &d.from, &d.to);
    if ((rc = draft_tx(ctx, &d)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "UPDATE statement_runs SET done = done + 1, beat_at = ? "
                           "WHERE id = ? AND node = ? AND state = 'running'",
                  "iit", ob_clock_real(), a->run->id, a->node);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "statement.run_taken", "month=%s",
                          a->run->month);
    rc = ob_db_get_int(ctx->db, &a->run->done, "SELECT done FROM statement_runs WHERE id = ?",
                       "i", a->run->id);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

static int
next_partner(struct ob_ctx *ctx, int64_t skip, int64_t *partner)
{
    int rc = ob_db_get_int(ctx->db, partner, "SELECT account_id FROM partners "
                                             "ORDER BY account_id LIMIT 1 OFFSET ?",
                           "i", skip);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return rc == OB_DB_ROW ? 0 : 1;
}

static int
finish(struct ob_ctx *ctx, struct ob_statement_run *r, const char *node, int rc)
{
    const char *state = rc == 0 ? "done" : "failed";
    struct ob_err saved = ctx->err;
    int64_t n;

    if (rc == OB_ECONFLICT && !strcmp(saved.reason, "statement.run_taken"))
        return rc;                      /* not ours any more: leave it to its new node */
    ob_err_clear(&ctx->err);
    n = ob_db_run(ctx->db, "UPDATE statement_runs SET state = ?, error = ?, finished_at = ? "
                           "WHERE id = ? AND node = ? AND state = 'running'",
                  "ttiit", state, rc == 0 ? "" : saved.message, ob_clock_now(ctx), r->id, node);
    ctx->err = saved;
    if (n >= 0) {
        r->state = state;
        r->finished_at = ob_clock_now(ctx);
    }
    return rc;
}

int
ob_statement_run_id(struct ob_ctx *ctx, int64_t run, const char *node,
                    ob_statement_progress_fn fn, void *arg, struct ob_statement_run *out)
{
    struct ob_statement_run r = { .id = run };
    struct step_args a = { &r, node, 0 };
    int rc = ob_db_tx(ctx, OB_DB_WRITE, claim_tx, &a);

    if (rc == 1) {
        rc = 0;
        goto out;
    }
    if (rc != 0)
        goto out;
    if (fn)
        fn(&r, arg);
    while (rc == 0 && (rc = next_partner(ctx, r.done, &a.partner)) == 0) {
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, step_tx, &a)) == 0 && fn)
            fn(&r, arg);
    }
    if (rc == 1)
        rc = 0;
    rc = finish(ctx, &r, node, rc);
out:
    if (out)
        *out = r;
    return rc;
}

int
ob_statement_run(struct ob_ctx *ctx, const char *month, const char *node,
                 ob_statement_progress_fn fn, void *arg, struct ob_statement_run *out)
{
    struct ob_statement_run r = { 0 };
    int rc = run_begin(ctx, month, node, false, &r);

    if (rc == 0)
        rc = ob_statement_run_id(ctx, r.id, node, fn, arg, &r);
    if (out)
        *out = r;
    return rc;
}

struct run_stats {
    int (*fn)(const char *state, int64_t n, void *);
    void *arg;
};

static int
run_state_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct run_stats *r = arg;

    (void)ctx;
    return r->fn(ob_stmt_text(st, 0), ob_stmt_int(st, 1), r->arg);
}

static void
read_last_done(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    *(int64_t *)out = ob_stmt_int(st, 0);
}

int
ob_statement_run_stats(struct ob_ctx *ctx, int (*fn)(const char *state, int64_t n, void *),
                       void *arg, int64_t *last_done)
{
    struct run_stats r = { fn, arg };
    int rc;

    /* one run a month, a few by hand: a small table */
    *last_done = 0;
    rc = ob_db_each(ctx, run_state_row, &r,
                    "SELECT state, COUNT(*) FROM statement_runs GROUP BY state ORDER BY state",
                    NULL);
    if (rc == 0)
        rc = ob_db_one(ctx, read_last_done, last_done,
                       "SELECT COALESCE(MAX(finished_at), 0) FROM statement_runs "
                       "WHERE state = 'done'",
                       NULL);
    return rc;
}
