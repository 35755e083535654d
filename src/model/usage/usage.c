/*
 * usage.c — usage reports of application backends and a client's judged
 * month of cash registers (R-CAT-6).
 *
 * A report is stored in one write transaction: the report row, unique per
 * application and report id (INSERT … ON CONFLICT DO NOTHING, so two equal
 * reports racing on any engine store one), then one upsert per register of
 * usage_days, the latest report's count winning. Input is checked whole
 * before anything is written.
 *
 * A month is judged from the catalog as it stands for that month: the
 * metered tariff (the standard tariff whose options carry "metering"), the
 * free_units promotion on it and an ITS contract of the level its allowance
 * names, each in force on any day of the month, and the per-unit quantity
 * posted for the month (docs/decisions.md, "Usage metering"). Nothing about
 * a verdict is stored: the statement run judges again each time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/catalog/catalog.h"
#include "model/identity/access.h"
#include "model/usage/usage.h"
#include "base/banned.h"

#define MANAGE (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)
#define ID_MAX 64
#define MODEL_MAX 32

/* ---- checking a report --------------------------------------------------------------- */

static bool
token_ok(const char *s, size_t max, bool lower_only)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (lower_only ? !(islower(c) || isdigit(c) || c == '_' || c == '-')
                       : !(isalnum(c) || strchr("._:-", c)))
            return false;
    }
    return true;
}

static int
check_registers(struct ob_ctx *ctx, const struct ob_usage_report_in *in)
{
    char field[64];

    if (in->nregisters < 1 || in->nregisters > OB_USAGE_REGISTERS_MAX)
        return ob_err_field(&ctx->err, OB_EINVAL, "registers", "usage.registers_count", "max=%d",
                            OB_USAGE_REGISTERS_MAX);
    for (int i = 0; i < in->nregisters; i++) {
        const struct ob_usage_line *r = &in->registers[i];

        snprintf(field, sizeof(field), "registers[%d].id", i);
        if (!token_ok(r->id, ID_MAX, false))
            return ob_err_field(&ctx->err, OB_EINVAL, field, "usage.register_id");
        for (int j = 0; j < i; j++)
            if (!strcmp(in->registers[j].id, r->id))
                return ob_err_field(&ctx->err, OB_EINVAL, field, "usage.register_twice", "id=%s",
                                    r->id);
        snprintf(field, sizeof(field), "registers[%d].model", i);
        if (!token_ok(r->model, MODEL_MAX, true))
            return ob_err_field(&ctx->err, OB_EINVAL, field, "usage.register_model");
        snprintf(field, sizeof(field), "registers[%d].receipts", i);
        if (r->receipts < 0 || r->receipts > OB_USAGE_RECEIPTS_MAX)
            return ob_err_field(&ctx->err, OB_EINVAL, field, "field.number_range", "min=%d max=%d",
                                0, OB_USAGE_RECEIPTS_MAX);
    }
    return 0;
}

static int
check_report(struct ob_ctx *ctx, const struct ob_usage_report_in *in, int32_t *day)
{
    if (!ctx->actor.app)
        return ob_err_set(&ctx->err, OB_EPERM, "usage.backend_only");
    if (!token_ok(in->report_id, ID_MAX, false))
        return ob_err_field(&ctx->err, OB_EINVAL, "report_id", "usage.report_id");
    if (!in->area || !*in->area)
        return ob_err_field(&ctx->err, OB_EINVAL, "area", "usage.area_key");
    if (!in->day || ob_date_parse_input(in->day, day) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "day", "field.date");
    if (*day > ob_clock_today(ctx))
        return ob_err_field(&ctx->err, OB_EINVAL, "day", "usage.day_future", "day=%s", in->day);
    return check_registers(ctx, in);
}

/* ---- storing it ------------------------------------------------------------------------ */

struct store {
    const struct ob_usage_report_in *in;
    struct ob_usage_report_out *out;
    const char *hash;
    int64_t area;
};

static void
area_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct store *s = arg;

    (void)ctx;
    s->area = ob_stmt_int(st, 0);
    s->out->subscriber = ob_stmt_int(st, 1);
}

struct stored {
    const char *hash, *area, *day;
    int64_t id, subscriber, registers, receipts, received_at;
};

static void
stored_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct stored *s = arg;

    s->id = ob_stmt_int(st, 0);
    s->hash = ob_stmt_dup(ctx, st, 1);
    s->subscriber = ob_stmt_int(st, 2);
    s->day = ob_stmt_dup(ctx, st, 3);
    s->registers = ob_stmt_int(st, 4);
    s->receipts = ob_stmt_int(st, 5);
    s->received_at = ob_stmt_int(st, 6);
    s->area = ob_stmt_dup(ctx, st, 7);
}

/* The report stored before under the same id: the same one, or a conflict. */
static int
replay(struct ob_ctx *ctx, struct store *s)
{
    struct stored old = { 0 };
    int rc = ob_db_one(ctx, stored_read, &old,
                       "SELECT r.id, r.body_hash, r.subscriber_id, r.day, r.registers, "
                       "r.receipts, r.received_at, a.area_key FROM usage_reports r "
                       "JOIN areas a ON a.id = r.area_id "
                       "WHERE r.application_id = ? AND r.report_key = ?",
                       "it", ctx->actor.app, s->in->report_id);

    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_EBUSY, "usage.report_race");
    if (rc != 0)
        return rc;
    if (strcmp(old.hash, s->hash))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "usage.report_conflict", "id=%s",
                          s->in->report_id);
    *s->out = (struct ob_usage_report_out){ old.id, old.subscriber, old.received_at,
                                            s->in->report_id, old.area, old.day,
                                            (int)old.registers, old.receipts, true };
    return 0;
}

static int
store_tx(struct ob_ctx *ctx, void *arg)
{
    struct store *s = arg;
    const struct ob_usage_report_in *in = s->in;
    int64_t now = ob_clock_now(ctx), id = 0, receipts = 0;
    int rc;

    for (int i = 0; i < in->nregisters; i++)
        receipts += in->registers[i].receipts;
    rc = ob_db_get_int(ctx->db, &id,
                       "INSERT INTO usage_reports (application_id, report_key, body_hash, "
                       "subscriber_id, area_id, day, registers, receipts, received_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (application_id, report_key) DO NOTHING RETURNING id",
                       "ittiitiii", ctx->actor.app, in->report_id, s->hash,
                       s->out->subscriber, s->area, in->day, (int64_t)in->nregisters, receipts,
                       now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return replay(ctx, s);
    for (int i = 0; i < in->nregisters && rc >= 0; i++) {
        const struct ob_usage_line *r = &in->registers[i];

        rc = (int)ob_db_run(ctx->db,
                            "INSERT INTO usage_days (subscriber_id, register_id, day, model, "
                            "receipts, area_id, report_id, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (subscriber_id, register_id, day) DO UPDATE SET "
                            "model = excluded.model, receipts = excluded.receipts, "
                            "area_id = excluded.area_id, report_id = excluded.report_id, "
                            "updated_at = excluded.updated_at",
                            "itttiiii", s->out->subscriber, r->id, in->day, r->model,
                            r->receipts, s->area, id, now);
    }
    if (rc < 0)
        return ob_db_err(ctx, rc);
    *s->out = (struct ob_usage_report_out){ id, s->out->subscriber, now, in->report_id,
                                            in->area, in->day, in->nregisters, receipts, false };
    return 0;
}

int
ob_usage_report(struct ob_ctx *ctx, const struct ob_usage_report_in *in,
                struct ob_usage_report_out *out)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    struct store s = { in, out, hex, 0 };
    int32_t day;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_report(ctx, in, &day)) != 0)
        return rc;
    crypto_hash_sha256(digest, (const unsigned char *)in->canon, strlen(in->canon));
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    rc = ob_db_one(ctx, area_read, &s,
                   "SELECT id, subscriber_id FROM areas WHERE area_key = ? AND application_id = ?",
                   "ti", in->area, ctx->actor.app);
    if (rc == OB_ENOTFOUND)
        return ob_err_field(&ctx->err, OB_ENOTFOUND, "area", "usage.area_unknown", "area=%s",
                            in->area);
    if (rc != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, store_tx, &s);
}

/* ---- a month's allowances ---------------------------------------------------------------- */

int
ob_usage_month_days(const char *month, int32_t *from, int32_t *to)
{
    char first[11];

    if (!month || strlen(month) != 7 || month[4] != '-')
        return OB_EINVAL;
    snprintf(first, sizeof(first), "%s-01", month);
    if (ob_date_parse(first, from) != 0)
        return OB_EINVAL;
    return ob_date_add_months(*from, 1, to) == 0 ? 0 : OB_EINVAL;
}

struct metered {
    int64_t tariff;
    const char *options;
};

static void
metered_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct metered *m = arg;

    m->tariff = ob_stmt_int(st, 0);
    m->options = ob_stmt_dup(ctx, st, 1);
}

struct promo {
    const char *code, *params;
};

static void
promo_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct promo *p = arg;

    p->code = ob_stmt_dup(ctx, st, 0);
    p->params = ob_stmt_dup(ctx, st, 1);
}

static void
text_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    *(const char **)arg = ob_stmt_dup(ctx, st, 0);
}

static int64_t
json_int_or(json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* The promotion on the metered tariff in force on some day of [from, to). */
static int
load_promotion(struct ob_ctx *ctx, int64_t tariff, const char *from, const char *to,
               struct ob_usage_month *m)
{
    struct promo p = { 0 };
    json_t *root, *except;
    const char **list;
    int rc = ob_db_one(ctx, promo_read, &p,
                       "SELECT code, params FROM promotions WHERE kind = 'free_units' AND "
                       "tariff_id = ? AND valid_from < ? AND (valid_to IS NULL OR valid_to > ?) "
                       "ORDER BY valid_from, id LIMIT 1",
                       "itt", tariff, to, from);

    if (rc == OB_ENOTFOUND)
        return 0;
    if (rc != 0 || !(root = json_loads(p.params, 0, NULL)))
        return rc;
    m->promotion = p.code;
    m->allow.promo_units = (int)json_int_or(root, "units", 0);
    m->allow.promo_limit = json_int_or(root, "receipts_per_day", 0);
    except = json_object_get(root, "except");
    list = ob_arena_alloc(&ctx->arena, sizeof(*list) * (json_array_size(except) + 1));
    for (size_t i = 0; i < json_array_size(except); i++)
        if (json_is_string(json_array_get(except, i)))
            list[m->allow.npromo_except++] =
                ob_arena_strdup(&ctx->arena, json_string_value(json_array_get(except, i)));
    m->allow.promo_except = list;
    json_decref(root);
    return 0;
}

/* An allowance while a contract is in force: the client's ITS contract
 * (by account or INN) of the level named, valid on some day of the month.
 * The catalog of 2018.2 names the level "its_retail", its_levels "RETAIL":
 * both spellings name it. */
static int
load_contract(struct ob_ctx *ctx, int64_t sub, const char *level, int units, const char *from,
              const char *to, struct ob_usage_month *m)
{
    const char *inn = "", *number = NULL;
    int rc = ob_db_one(ctx, text_read, &inn, "SELECT inn FROM subscriber_info WHERE account_id = ?",
                       "i", sub);

    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    rc = ob_db_one(ctx, text_read, &number,
                   "SELECT number FROM its_contracts WHERE (subscriber_id = ? OR (? <> '' AND "
                   "subscriber_inn = ?)) AND valid_from < ? AND valid_to > ? AND "
                   "(UPPER(level) = UPPER(?) OR UPPER('its_' || level) = UPPER(?)) "
                   "ORDER BY valid_from, id LIMIT 1",
                   "itttttt", sub, inn, inn, to, from, level, level);
    if (rc == OB_ENOTFOUND)
        return 0;
    if (rc == 0) {
        m->contract = number;
        m->allow.contract_units += units;
    }
    return rc;
}

struct paid {
    int32_t from, to;
    int64_t per_day[31];
};

static int
paid_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct paid *p = arg;
    int32_t s, e;

    (void)ctx;
    if (ob_date_parse(ob_stmt_text(st, 0), &s) != 0 || ob_date_parse(ob_stmt_text(st, 1), &e))
        return 0;
    for (int32_t d = p->from; d < p->to && d - p->from < 31; d++)
        if (s <= d && d < e)
            p->per_day[d - p->from] += ob_stmt_int(st, 2);
    return 0;
}

/* The per-unit quantity in force: the most, on any day of the month, of the
 * quantities of the client's posted subscriptions of the per-unit tariff (or
 * a partner tariff on it) running that day. */
static int
load_paid(struct ob_ctx *ctx, int64_t sub, const char *unit_tariff, int32_t from, int32_t to,
          struct ob_usage_month *m)
{
    struct paid p = { from, to, { 0 } };
    char f[OB_DATE_LEN], t[OB_DATE_LEN];
    int rc;

    ob_date_format(from, f);
    ob_date_format(to, t);
    rc = ob_db_each(ctx, paid_row, &p,
                    "SELECT s.start, s.\"end\", s.quantity FROM subscriptions s "
                    "JOIN tariffs t ON t.id = s.tariff_id "
                    "LEFT JOIN tariffs b ON b.id = t.base_tariff_id "
                    "WHERE s.subscriber_id = ? AND s.state = 'posted' AND s.start < ? AND "
                    "s.\"end\" > ? AND ((t.partner_id IS NULL AND t.code = ?) OR "
                    "(b.partner_id IS NULL AND b.code = ?))",
                    "itttt", sub, t, f, unit_tariff, unit_tariff);
    for (int i = 0; i < 31; i++)
        if (p.per_day[i] > m->allow.paid_units)
            m->allow.paid_units = p.per_day[i];
    return rc;
}

/* The metered tariff's settings, its promotion, contracts and paid units. */
static int
load_allowance(struct ob_ctx *ctx, int64_t sub, int32_t from, int32_t to, struct ob_usage_month *m)
{
    struct metered mt = { 0 };
    struct ob_tariff unit;
    char f[OB_DATE_LEN], t[OB_DATE_LEN];
    json_t *root, *meter, *allow;
    const char *unit_code;
    int rc = ob_db_one(ctx, metered_read, &mt,
                       "SELECT t.id, v.options FROM tariffs t JOIN tariff_versions v ON "
                       "v.id = t.current_version_id WHERE t.partner_id IS NULL AND "
                       "v.options LIKE '%\"metering\"%' ORDER BY t.id LIMIT 1",
                       NULL);

    if (rc == OB_ENOTFOUND)
        return 0;                           /* nothing is metered: nothing to charge */
    if (rc != 0)
        return rc;
    if (!(root = json_loads(mt.options, 0, NULL)))
        return 0;
    meter = json_object_get(root, "metering");
    allow = json_object_get(meter, "allowances");
    unit_code = ob_arena_strdup(&ctx->arena, json_string_value(json_object_get(meter, "tariff")));
    m->allow.contract_limit = json_int_or(meter, "receipts_per_day", 0);
    ob_date_format(from, f);
    ob_date_format(to, t);
    rc = load_promotion(ctx, mt.tariff, f, t, m);
    for (size_t i = 0; rc == 0 && i < json_array_size(allow); i++) {
        json_t *a = json_array_get(allow, i);
        const char *level = json_string_value(json_object_get(a, "while_contract"));

        if (level)
            rc = load_contract(ctx, sub, level, (int)json_int_or(a, "units", 0), f, t, m);
    }
    json_decref(root);
    if (rc == 0 && unit_code && *unit_code) {
        m->unit_code = unit_code;
        rc = load_paid(ctx, sub, unit_code, from, to, m);
        /* no such tariff, or no price on that day: nothing to charge */
        if (rc == 0 && (ob_catalog_tariff_find(ctx, unit_code, 0, &unit) != 0 ||
                        ob_catalog_price(ctx, unit.id, 1, from, &m->unit_price) != 0)) {
            m->unit_price = 0;
            ob_err_clear(&ctx->err);
        }
    }
    return rc;
}

/* ---- a month's registers ------------------------------------------------------------------ */

struct days {
    struct ob_usage_month *m;
    struct ob_usage_day_row *rows;
    int n, cap;
};

static int
day_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct days *d = arg;
    struct ob_usage_month *m = d->m;
    const char *id = ob_stmt_text(st, 0);
    struct ob_usage_register *r;
    int32_t day = 0;

    if (d->n == d->cap) {   /* a month's registers are never more than its rows */
        struct ob_usage_day_row *rows;
        struct ob_usage_register *regs;

        d->cap = d->cap ? d->cap * 2 : 64;
        rows = ob_arena_alloc(&ctx->arena, sizeof(*rows) * (size_t)d->cap);
        regs = ob_arena_alloc(&ctx->arena, sizeof(*regs) * (size_t)d->cap);
        if (d->n) {
            memcpy(rows, d->rows, sizeof(*rows) * (size_t)d->n);
            memcpy(regs, m->regs, sizeof(*regs) * (size_t)m->n);
        }
        d->rows = rows;
        m->regs = regs;
    }
    r = m->n ? &m->regs[m->n - 1] : NULL;
    if (!r || strcmp(r->id, id)) {
        r = &m->regs[m->n++];
        r->id = ob_stmt_dup(ctx, st, 0);
        r->first_row = d->n;
        r->max_receipts = -1;
    }
    ob_date_parse(ob_stmt_text(st, 1), &day);
    r->model = ob_stmt_dup(ctx, st, 2);
    if (ob_stmt_int(st, 3) > r->max_receipts) {
        r->max_receipts = ob_stmt_int(st, 3);
        r->max_day = day;
    }
    r->nrows++;
    d->rows[d->n++] = (struct ob_usage_day_row){ 0, NULL, ob_stmt_dup(ctx, st, 1),
                                                 ob_stmt_int(st, 3) };
    return 0;
}

static int
first_seen_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_usage_month *m = arg;
    const char *id = ob_stmt_text(st, 0);

    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->regs[i].id, id))
            ob_date_parse(ob_stmt_text(st, 1), &m->regs[i].first_seen);
    (void)ctx;
    return 0;
}

int
ob_usage_month_judge(struct ob_ctx *ctx, int64_t sub, const char *month,
                     struct ob_usage_month *m)
{
    struct days d = { m, NULL, 0, 0 };
    char f[OB_DATE_LEN], t[OB_DATE_LEN];
    int32_t from, to;
    int rc;

    memset(m, 0, sizeof(*m));
    if (ob_usage_month_days(month, &from, &to) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "field.month");
    m->month = ob_arena_strdup(&ctx->arena, month);
    ob_date_format(from, f);
    ob_date_format(to, t);
    if ((rc = ob_db_each(ctx, day_row, &d,
                         "SELECT register_id, day, model, receipts FROM usage_days "
                         "WHERE subscriber_id = ? AND day >= ? AND day < ? "
                         "ORDER BY register_id, day",
                         "itt", sub, f, t)) != 0 ||
        (rc = ob_db_each(ctx, first_seen_row, m,
                         "SELECT register_id, MIN(day) FROM usage_days WHERE subscriber_id = ? "
                         "AND day < ? GROUP BY register_id",
                         "it", sub, t)) != 0 ||
        (rc = load_allowance(ctx, sub, from, to, m)) != 0)
        return rc;
    m->days = d.rows;
    m->ndays = d.n;
    ob_usage_judge(m->regs, m->n, &m->allow);
    return 0;
}

int
ob_usage_month_get(struct ob_ctx *ctx, int64_t subscriber, const char *month,
                   struct ob_usage_month *out)
{
    int rc = ob_access_subscriber(ctx, subscriber, MANAGE, OB_ROLES_ANY, OB_ROLES_ANY);

    return rc ? rc : ob_usage_month_judge(ctx, subscriber, month, out);
}

int
ob_usage_days(struct ob_ctx *ctx, const struct ob_usage_month *m, int64_t after, int limit,
              int (*fn)(const struct ob_usage_day_row *, void *), void *arg)
{
    int64_t seq = 0;
    int rc = 0, sent = 0;

    (void)ctx;
    for (int i = 0; i < m->n && rc == 0; i++) {
        const struct ob_usage_register *r = &m->regs[i];

        for (int k = 0; k < r->nrows && rc == 0; k++) {
            struct ob_usage_day_row row = m->days[r->first_row + k];

            if (++seq <= after)
                continue;
            if (limit >= 0 && sent >= limit)
                return 0;
            row.seq = seq;
            row.reg = r;
            rc = fn(&row, arg);
            sent++;
        }
    }
    return rc;
}
