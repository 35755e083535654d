/*
 * clients.c — the client list with access (clients.h).
 *
 * One statement per page: the inner SELECT gives each subscriber in scope
 * its access end (the MAX("end") of its subscriptions that give access,
 * read from the (subscriber_id, start) index), its state and the tariff of
 * that subscription; the outer one filters on those, continues after the
 * cursor as a row value (sort key, id) and sorts, so pages are stable under
 * ties on both engines. The cursor is "ID" for the default order and
 * "ID:KEY" for a sort by a column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/subscriptions/clients.h"
#include "base/banned.h"

/* what gives access by itself (extensions add to a main only) */
#define ACCESS_KINDS "('trial', 'main', 'deferred_renewal', 'its_local')"

/* The end of access as the entitlement's `through` + 1 (R-SUB-0), with the
 * day bound four times (TODAY_PARAMS): while a subscription covers today,
 * the first end after today that no other one covers (the chain's end, so a
 * main posted to start after a gap does not stretch it); once none does,
 * the latest end among those that had started (the last day there was
 * access), else the latest end of all. */
#define ACCESS_SUB(x) "subscriptions " x " WHERE " x ".subscriber_id = s.account_id AND " x \
    ".state = 'posted' AND " x ".kind IN " ACCESS_KINDS " "
#define ACCESS_END                                                                             \
    "COALESCE(CASE WHEN EXISTS (SELECT 1 FROM " ACCESS_SUB("w") "AND w.start <= ? AND "       \
    "w.\"end\" > ?) THEN (SELECT MIN(x.\"end\") FROM " ACCESS_SUB("x") "AND x.\"end\" > ? AND " \
    "NOT EXISTS (SELECT 1 FROM " ACCESS_SUB("y") "AND y.start <= x.\"end\" AND "            \
    "y.\"end\" > x.\"end\")) ELSE COALESCE((SELECT MAX(x.\"end\") FROM " ACCESS_SUB("x")      \
    "AND x.start <= ?), (SELECT MAX(x.\"end\") FROM " ACCESS_SUB("x") ")) END, '')"
#define TODAY_PARAMS 6 /* four in ACCESS_END, two in the state */

#define INNER                                                                                  \
    "SELECT a.id AS id, a.name AS name, s.code AS code, COALESCE(s.partner_id, 0) AS partner, " \
    "COALESCE(pa.name, '') AS partner_name, COALESCE(pp.phone, '') AS partner_phone, "         \
    "COALESCE(pp.email, '') AS partner_email, "                                                \
    "CASE WHEN s.own_partner_id IS NULL THEN 0 ELSE 1 END AS own, a.created_at AS created_at, " \
    ACCESS_END " AS access_end, "                                                                \
    "(SELECT x.tariff_id FROM subscriptions x WHERE x.subscriber_id = s.account_id "           \
    "AND x.state = 'posted' AND x.kind IN " ACCESS_KINDS " "                                    \
    "ORDER BY x.\"end\" DESC, x.id DESC LIMIT 1) AS tariff_id, "                               \
    "(SELECT x.kind FROM subscriptions x WHERE x.subscriber_id = s.account_id "                \
    "AND x.state = 'posted' AND x.kind IN " ACCESS_KINDS " "                                    \
    "ORDER BY x.\"end\" DESC, x.id DESC LIMIT 1) AS access_kind, "                             \
    "CASE WHEN s.state = 'left' THEN 'left' WHEN EXISTS (SELECT 1 FROM subscriptions y "       \
    "WHERE y.subscriber_id = s.account_id AND y.state = 'posted' AND y.kind IN " ACCESS_KINDS \
    " AND y.start <= ? AND y.\"end\" > ?) THEN 'active' ELSE 'blocked' END AS state "          \
    "FROM subscribers s JOIN accounts a ON a.id = s.account_id "                               \
    "LEFT JOIN accounts pa ON pa.id = s.partner_id "                                           \
    "LEFT JOIN partners pp ON pp.account_id = s.partner_id "                                   \
    "LEFT JOIN subscriber_info i ON i.account_id = s.account_id "

#define OUTER_COLS                                                                             \
    "SELECT c.id, c.name, c.code, c.partner, c.partner_name, c.own, c.state, c.created_at, "   \
    "c.access_end, COALESCE(t.code, ''), COALESCE(t.name_ru, ''), COALESCE(t.name_en, ''), "  \
    "COALESCE(c.access_kind, ''), c.partner_phone, c.partner_email "

static const char *const sort_names[] = { "", "name", "code", "through", "state" };
static const char *const sort_cols[] = { "c.id", "c.name", "c.code", "c.access_end", "c.state" };
/* the same columns inside the inner SELECT, where they can be sorted on (NULL: computed) */
static const char *const base_cols[] = { "a.id", "a.name", "s.code", NULL, NULL };

static const char *
day_text(struct ob_ctx *ctx, int32_t day)
{
    char d[OB_DATE_LEN];

    ob_date_format(day, d);
    return ob_arena_strdup(&ctx->arena, d);
}

int
ob_client_sort_parse(struct ob_ctx *ctx, const char *s, struct ob_client_filter *f)
{
    f->sort = OB_CLIENT_SORT_NEWEST;
    f->desc = false;
    if (!s || !*s)
        return 0;
    f->desc = *s == '-';
    for (int k = 1; k < (int)(sizeof(sort_names) / sizeof(sort_names[0])); k++)
        if (!strcmp(s + f->desc, sort_names[k])) {
            f->sort = (enum ob_client_sort)k;
            return 0;
        }
    return ob_err_field(&ctx->err, OB_EINVAL, "sort", "field.client_sort");
}

/* ---- searching names: ASCII and Cyrillic case ---------------------------------------- */

enum fold { FOLD_NONE, FOLD_LOWER, FOLD_UPPER, FOLD_FIRST };

/* The case of one letter at s (ASCII or Cyrillic, in UTF-8) into out;
 * returns the bytes read. */
static int
fold_char(const unsigned char *s, bool upper, struct ob_buf *out)
{
    unsigned c0 = s[0], c1 = c0 ? s[1] : 0;

    if (c0 < 0x80) {
        ob_buf_addc(out, (char)(upper ? (c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0)
                                      : (c0 >= 'A' && c0 <= 'Z' ? c0 + 32 : c0)));
        return 1;
    }
    if (c0 == 0xD0 && c1 >= 0x90 && c1 <= 0x9F && !upper) {        /* А..П -> а..п */
        ob_buf_addc(out, (char)0xD0);
        ob_buf_addc(out, (char)(c1 + 0x20));
    } else if (c0 == 0xD0 && c1 >= 0xA0 && c1 <= 0xAF && !upper) { /* Р..Я -> р..я */
        ob_buf_addc(out, (char)0xD1);
        ob_buf_addc(out, (char)(c1 - 0x20));
    } else if (c0 == 0xD0 && c1 == 0x81 && !upper) {               /* Ё -> ё */
        ob_buf_addc(out, (char)0xD1);
        ob_buf_addc(out, (char)0x91);
    } else if (c0 == 0xD0 && c1 >= 0xB0 && c1 <= 0xBF && upper) {  /* а..п -> А..П */
        ob_buf_addc(out, (char)0xD0);
        ob_buf_addc(out, (char)(c1 - 0x20));
    } else if (c0 == 0xD1 && c1 >= 0x80 && c1 <= 0x8F && upper) {  /* р..я -> Р..Я */
        ob_buf_addc(out, (char)0xD0);
        ob_buf_addc(out, (char)(c1 + 0x20));
    } else if (c0 == 0xD1 && c1 == 0x91 && upper) {                /* ё -> Ё */
        ob_buf_addc(out, (char)0xD0);
        ob_buf_addc(out, (char)0x81);
    } else {
        ob_buf_addc(out, (char)c0);
        return 1;
    }
    return 2;
}

/* A LIKE pattern (ESCAPE '\') of q anywhere, its letters in the case asked:
 * PostgreSQL's LIKE is case-sensitive and SQLite folds ASCII only, so a
 * name is tried as typed, in lower and upper case and capitalised. */
static const char *
like_of(struct ob_ctx *ctx, const char *q, enum fold how)
{
    const unsigned char *s = (const unsigned char *)q;
    const char *out;
    struct ob_buf b;

    ob_buf_init(&b, 4096);
    ob_buf_addc(&b, '%');
    for (bool first = true; *s; first = false) {
        if (*s == '%' || *s == '_' || *s == '\\') {
            ob_buf_addc(&b, '\\');
            ob_buf_addc(&b, (char)*s++);
            continue;
        }
        if (how == FOLD_NONE) {
            ob_buf_addc(&b, (char)*s++);
            continue;
        }
        s += fold_char(s, how == FOLD_UPPER || (how == FOLD_FIRST && first), &b);
    }
    ob_buf_addc(&b, '%');
    out = ob_arena_strdup(&ctx->arena, b.p ? b.p : "%%");
    ob_buf_free(&b);
    return out;
}

struct cursor {
    int64_t id;
    const char *key;                /* NULL for the default order */
};

static int
parse_cursor(struct ob_ctx *ctx, const struct ob_client_filter *f, struct cursor *c)
{
    const char *s = f->after;
    char *end;

    c->id = 0;
    c->key = NULL;
    if (!s || !*s)
        return 0;
    c->id = strtoll(s, &end, 10);
    if (c->id <= 0 || end == s)
        goto bad;
    if (f->sort == OB_CLIENT_SORT_NEWEST) {
        if (*end)
            goto bad;
        return 0;
    }
    if (*end != ':')
        goto bad;
    c->key = end + 1;
    if (f->sort == OB_CLIENT_SORT_CODE) {
        char *e2;

        (void)strtoll(c->key, &e2, 10);
        if (!*c->key || *e2)
            goto bad;
    }
    return 0;
bad:
    return ob_err_field(&ctx->err, OB_EINVAL, "after", "field.cursor");
}

static void
order_clause(struct ob_buf *sql, const struct ob_client_filter *f, const char *col)
{
    const char *id = f->sort == OB_CLIENT_SORT_NEWEST ? col : "c.id";

    if (f->sort == OB_CLIENT_SORT_NEWEST)
        ob_buf_addf(sql, "ORDER BY %s DESC ", col);
    else
        ob_buf_addf(sql, "ORDER BY %s %s, %s %s ", col, f->desc ? "DESC" : "ASC", id,
                    f->desc ? "DESC" : "ASC");
}

/* After the cursor, in order, at most limit: on the sort column col (and
 * the id, c.id or a.id as col's table goes). */
static void
page_clause(struct ob_buf *sql, struct ob_db_params *p, const struct ob_client_filter *f,
            const struct cursor *cur, const char *col, int limit)
{
    const char *id = col[0] == 'c' ? "c.id" : "a.id";

    if (cur->id && f->sort == OB_CLIENT_SORT_NEWEST) {
        ob_buf_addf(sql, "AND %s < ? ", id);
        ob_db_param_int(p, cur->id);
    } else if (cur->id) {
        ob_buf_addf(sql, "AND (%s, %s) %s (?, ?) ", col, id, f->desc ? "<" : ">");
        if (f->sort == OB_CLIENT_SORT_CODE)
            ob_db_param_int(p, strtoll(cur->key, NULL, 10));
        else
            ob_db_param_text(p, cur->key);
        ob_db_param_int(p, cur->id);
    }
    if (f->sort == OB_CLIENT_SORT_NEWEST)
        ob_buf_addf(sql, "ORDER BY %s DESC ", id);
    else
        ob_buf_addf(sql, "ORDER BY %s %s, %s %s ", col, f->desc ? "DESC" : "ASC", id,
                    f->desc ? "DESC" : "ASC");
    ob_buf_adds(sql, "LIMIT ?");
    ob_db_param_int(p, limit);
}

static void
query(struct ob_ctx *ctx, const struct ob_client_filter *f, const char *scope,
      const struct cursor *cur, int limit, struct ob_buf *sql, struct ob_db_params *p)
{
    int32_t today = ob_date_of_instant(ob_clock_now(ctx)), to;
    const char *col = sort_cols[f->sort];
    bool early = !f->state && f->ends_within < 0 &&
                 (f->sort == OB_CLIENT_SORT_NEWEST || f->sort == OB_CLIENT_SORT_NAME ||
                  f->sort == OB_CLIENT_SORT_CODE);

    ob_buf_addf(sql, OUTER_COLS "FROM (" INNER "WHERE %s ", scope);
    for (int k = 0; k < TODAY_PARAMS; k++)
        ob_db_param_text(p, day_text(ctx, today));
    if (f->partner) {
        ob_buf_adds(sql, "AND s.partner_id = ? ");
        ob_db_param_int(p, f->partner);
    }
    if (f->q && *f->q) {
        ob_buf_adds(sql, "AND (a.name LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\' "
                         "OR a.name LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\' "
                         "OR LOWER(a.name) LIKE ? ESCAPE '\\' "
                         "OR CAST(s.code AS TEXT) = ? OR i.inn = ?) ");
        ob_db_param_text(p, like_of(ctx, f->q, FOLD_NONE));
        ob_db_param_text(p, like_of(ctx, f->q, FOLD_LOWER));
        ob_db_param_text(p, like_of(ctx, f->q, FOLD_UPPER));
        ob_db_param_text(p, like_of(ctx, f->q, FOLD_FIRST));
        ob_db_param_text(p, ob_db_like_pattern(ctx, f->q));
        ob_db_param_text(p, f->q);
        ob_db_param_text(p, f->q);
    }
    /* Sorted by a column of the row itself and not filtered on access: the page
     * is chosen before any access is computed, so a page costs its rows, not
     * every client in scope (a partner with 9,600 clients: 242 ms a page). */
    if (early) {
        page_clause(sql, p, f, cur, base_cols[f->sort], limit);
        ob_buf_adds(sql, ") c LEFT JOIN tariffs t ON t.id = c.tariff_id ");
        order_clause(sql, f, col);
        return;
    }
    ob_buf_adds(sql, ") c LEFT JOIN tariffs t ON t.id = c.tariff_id WHERE 1 = 1 ");
    if (f->state) {
        ob_buf_adds(sql, "AND c.state = ? ");
        ob_db_param_text(p, f->state);
    }
    if (f->ends_within >= 0) {          /* through L in [today, today + N]: end in (today, ...] */
        to = today + f->ends_within + 1;
        ob_buf_adds(sql, "AND c.access_end > ? AND c.access_end <= ? ");
        ob_db_param_text(p, day_text(ctx, today));
        ob_db_param_text(p, day_text(ctx, to));
    }
    page_clause(sql, p, f, cur, col, limit);
}

static void
read_client(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_client *c = out;
    const char *end;

    memset(c, 0, sizeof(*c));
    c->sub.id = ob_stmt_int(st, 0);
    c->sub.name = ob_stmt_dup(ctx, st, 1);
    c->sub.code = ob_stmt_int(st, 2);
    c->sub.partner = ob_stmt_int(st, 3);
    c->sub.partner_name = ob_stmt_dup(ctx, st, 4);
    c->sub.own_partner = ob_stmt_int(st, 5) != 0;
    c->sub.state = ob_stmt_dup(ctx, st, 6);
    c->sub.created_at = ob_stmt_int(st, 7);
    end = ob_stmt_text(st, 8);
    if (!end || ob_date_parse(end, &c->access_end) != 0)
        c->access_end = 0;
    c->tariff = ob_stmt_dup(ctx, st, 9);
    c->tariff_ru = ob_stmt_dup(ctx, st, 10);
    c->tariff_en = ob_stmt_dup(ctx, st, 11);
    c->kind = ob_stmt_dup(ctx, st, 12);
    c->sub.partner_phone = ob_stmt_dup(ctx, st, 13);
    c->sub.partner_email = ob_stmt_dup(ctx, st, 14);
}

struct each {
    const struct ob_client_filter *f;
    int (*fn)(const struct ob_client *, const char *, void *);
    void *arg;
};

static const char *
cursor_of(struct ob_ctx *ctx, const struct ob_client_filter *f, const struct ob_client *c)
{
    long long id = (long long)c->sub.id;

    switch (f->sort) {
    case OB_CLIENT_SORT_NAME:
        return ob_arena_printf(&ctx->arena, "%lld:%s", id, c->sub.name);
    case OB_CLIENT_SORT_CODE:
        return ob_arena_printf(&ctx->arena, "%lld:%lld", id, (long long)c->sub.code);
    case OB_CLIENT_SORT_THROUGH:
        return ob_arena_printf(&ctx->arena, "%lld:%s", id,
                               c->access_end ? day_text(ctx, c->access_end) : "");
    case OB_CLIENT_SORT_STATE:
        return ob_arena_printf(&ctx->arena, "%lld:%s", id, c->sub.state);
    default:
        return ob_arena_printf(&ctx->arena, "%lld", id);
    }
}

static int
each_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct each *e = arg;
    struct ob_client c;

    read_client(ctx, st, &c);
    return e->fn(&c, cursor_of(ctx, e->f, &c), e->arg);
}

int
ob_client_list(struct ob_ctx *ctx, const struct ob_client_filter *f, int limit,
               int (*fn)(const struct ob_client *, const char *cursor, void *), void *arg)
{
    struct ob_db_params p = { .n = 0 };
    struct each e = { f, fn, arg };
    struct cursor cur;
    const char *scope, *sql;
    struct ob_buf b;
    int rc;

    if ((rc = parse_cursor(ctx, f, &cur)) != 0 ||
        (rc = ob_access_scope(ctx, "s.partner_id", "s.account_id", &scope)) != 0)
        return rc;
    ob_buf_init(&b, 1 << 16);
    query(ctx, f, scope, &cur, limit, &b, &p);
    sql = ob_arena_strdup(&ctx->arena, b.p);
    ob_buf_free(&b);
    return ob_db_each_bind(ctx, each_row, &e, sql, ob_db_params_bind, &p);
}

int
ob_client_get(struct ob_ctx *ctx, int64_t id, struct ob_client *out)
{
    struct ob_subscriber s;
    struct ob_db_params p = { .n = 0 };
    const char *today;
    int rc;

    if ((rc = ob_subscriber_get(ctx, id, &s)) != 0)    /* the access check */
        return rc;
    today = day_text(ctx, ob_date_of_instant(ob_clock_now(ctx)));
    for (int k = 0; k < TODAY_PARAMS; k++)
        ob_db_param_text(&p, today);
    ob_db_param_int(&p, id);
    rc = ob_db_one_bind(ctx, read_client, out,
                        OUTER_COLS "FROM (" INNER "WHERE s.account_id = ?) c "
                                   "LEFT JOIN tariffs t ON t.id = c.tariff_id",
                        ob_db_params_bind, &p);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "subscriber.not_found", "id=%lld",
                          (long long)id);
    return rc;
}

struct ending {
    int32_t today;
    int weeks, *out;
};

static int
ending_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ending *e = arg;
    const char *text = ob_stmt_text(st, 0);
    int32_t end;
    int d;

    (void)ctx;
    if (!text || ob_date_parse(text, &end) != 0)
        return 0;
    d = end - e->today;                 /* access stops at 00:00 on end */
    if (d <= 0)
        e->out[0]++;
    else if ((d - 1) / 7 < e->weeks)
        e->out[1 + (d - 1) / 7]++;
    return 0;
}

int
ob_client_ending(struct ob_ctx *ctx, int64_t partner, int weeks, int *out)
{
    struct ending e = { ob_date_of_instant(ob_clock_now(ctx)), weeks, out };
    const char *scope, *sql, *today;
    int rc;

    memset(out, 0, sizeof(int) * (size_t)(weeks + 1));
    if ((rc = ob_access_scope(ctx, "s.partner_id", "s.account_id", &scope)) != 0)
        return rc;
    /* a partner's own account (PARTNER-OWN) never ends: not a client's access */
    sql = ob_arena_printf(&ctx->arena,
                          "SELECT " ACCESS_END " FROM subscribers s "
                          "WHERE %s AND (? = 0 OR s.partner_id = ?) AND s.own_partner_id IS NULL "
                          "AND s.state <> 'left'",
                          scope);
    today = day_text(ctx, e.today);     /* the list's access end, ACCESS_END's four days */
    return ob_db_each(ctx, ending_row, &e, sql, "ttttii", today, today, today, today, partner,
                      partner);
}
