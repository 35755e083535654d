/*
 * ends.c — the ends of access (ends.h): computed in C from the posted
 * subscriptions (R-SUB-0: dates are never computed in SQL) and written to
 * access_ends in the transaction that changed them.
 */
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/mem.h"
#include "db/db.h"
#include "model/subscriptions/ends.h"
#include "model/subscriptions/planner.h"
#include "base/banned.h"

#define MAX_CHAINS 64

static bool
is_kind(const struct ob_subscription *s, const char *kind)
{
    return !strcmp(s->kind, kind);
}

/* As the planner's paid main (R-SUB-1a): a main at a price, not PARTNER-OWN. */
static bool
paid_main(const struct ob_subscription *s)
{
    return is_kind(s, "main") && strcmp(s->discount_rule, OB_PLAN_RULE_OWN) && s->price > 0;
}

struct chain {
    const char *name;
    int32_t end;                /* the latest end of its mains (or trial) */
    int32_t deferred;           /* the end of a deferral of its last period, 0: none */
};

static struct chain *
chain_of(struct chain *c, int *n, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(c[i].name, name))
            return &c[i];
    if (*n == MAX_CHAINS)
        return NULL;
    c[*n] = (struct chain){ name, 0, 0 };
    return &c[(*n)++];
}

/* The chain a row belongs to: its standard tariff's code, "trial", or NULL
 * (extensions, deferrals, PARTNER-OWN). */
static const char *
chain_name(const struct ob_subscription *s)
{
    if (is_kind(s, "trial"))
        return OB_ENDS_TRIAL;
    if (is_kind(s, "its_local") || (is_kind(s, "main") && strcmp(s->discount_rule, OB_PLAN_RULE_OWN)))
        return s->tariff_code;
    return NULL;
}

int
ob_access_ends_compute(const struct ob_subscription *rows, int n, struct ob_access_end *out,
                       int max)
{
    struct chain c[MAX_CHAINS];
    int nc = 0, k = 0;

    for (int i = 0; i < n; i++) {
        const char *name = chain_name(&rows[i]);
        struct chain *x;

        if (name && (x = chain_of(c, &nc, name)) && rows[i].end > x->end)
            x->end = rows[i].end;
    }
    /* R-SUB-5: a deferral defers the period it names (its main or the
     * trial) and counts until a paid main posted after it starts */
    for (int i = 0; i < n; i++) {
        int32_t e;

        if (!is_kind(&rows[i], "deferred_renewal"))
            continue;
        e = ob_plan_deferral_end(rows, n, i);
        if (e <= rows[i].start)
            continue;
        for (int j = 0; j < n; j++) {
            const char *name;
            struct chain *x;

            if (rows[j].id != rows[i].main || !(name = chain_name(&rows[j])))
                continue;
            if ((x = chain_of(c, &nc, name)) && e > x->deferred)
                x->deferred = e;
        }
    }
    for (int i = 0; i < nc && k < max; i++) {
        int32_t last = (c[i].deferred > c[i].end ? c[i].deferred : c[i].end) - 1;
        bool goes_on = false;

        if (c[i].end == 0)
            continue;               /* a deferral of nothing left */
        if (!strcmp(c[i].name, OB_ENDS_TRIAL))
            for (int j = 0; j < n; j++)
                if (paid_main(&rows[j]) && rows[j].start <= last + 1)
                    goes_on = true; /* R-SUB-1a: the trial stopped counting the first
                                       day a paid main was in force */
        if (goes_on)
            continue;
        out[k++] = (struct ob_access_end){ c[i].name, c[i].end - 1, last };
    }
    return k;
}

/* ---- the database -------------------------------------------------------------------- */

struct load {
    struct ob_arena a;
    struct ob_subscription *v;
    int n, cap;
};

static int
load_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct load *l = arg;
    struct ob_subscription *s;

    (void)ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = ob_xrealloc(l->v, (size_t)l->cap * sizeof(*l->v));
    }
    s = &l->v[l->n];
    memset(s, 0, sizeof(*s));
    s->id = ob_stmt_int(st, 0);
    s->kind = ob_arena_strdup(&l->a, ob_stmt_text(st, 1));
    s->main = ob_stmt_int(st, 2);
    if (ob_date_parse(ob_stmt_text(st, 3), &s->start) != 0 ||
        ob_date_parse(ob_stmt_text(st, 4), &s->end) != 0)
        return 0;                   /* not a date: no part of any chain */
    s->price = ob_stmt_int(st, 5);
    s->discount_rule = ob_arena_strdup(&l->a, ob_stmt_text(st, 6));
    s->tariff_code = ob_arena_strdup(&l->a, ob_stmt_text(st, 7));
    s->state = "posted";
    l->n++;
    return 0;
}

/* The posted subscriptions of subscriber in id order, tariff_code the
 * standard tariff's code; l->a initialised here, freed by the caller. */
static int
load_rows(struct ob_ctx *ctx, int64_t subscriber, struct load *l)
{
    ob_arena_init(&l->a);
    return ob_db_each(ctx, load_row, l,
                      "SELECT s.id, s.kind, COALESCE(s.main_id, 0), s.start, s.\"end\", s.price, "
                      "s.discount_rule, b.code FROM subscriptions s "
                      "JOIN tariffs t ON t.id = s.tariff_id "
                      "JOIN tariffs b ON b.id = COALESCE(t.base_tariff_id, t.id) "
                      "WHERE s.subscriber_id = ? AND s.state = 'posted' ORDER BY s.id",
                      "i", subscriber);
}

int
ob_access_ends_deferral_open(struct ob_ctx *ctx, int64_t subscriber, int32_t day, bool *open)
{
    struct load l = { 0 };
    int rc = load_rows(ctx, subscriber, &l);

    *open = false;
    if (rc == 0) {
        struct ob_plan_in in = { .day = day, .rows = l.v, .nrows = l.n };
        int32_t from, through;

        *open = ob_plan_deferral_refusal(&in, &from, &through) == NULL;
    }
    free(l.v);
    ob_arena_free(&l.a);
    return rc;
}

struct have {
    char chains[MAX_CHAINS][64];
    int n;
};

static int
have_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct have *h = arg;
    const char *c = ob_stmt_text(st, 0);

    (void)ctx;
    if (h->n < MAX_CHAINS && c && strlen(c) < sizeof(h->chains[0]))
        memcpy(h->chains[h->n++], c, strlen(c) + 1);
    return 0;
}

int
ob_access_ends_refresh(struct ob_ctx *ctx, int64_t subscriber)
{
    struct ob_access_end ends[MAX_CHAINS];
    struct load l = { 0 };
    struct have h = { 0 };
    int64_t now = ob_clock_now(ctx);
    int n, rc;

    rc = load_rows(ctx, subscriber, &l);
    if (rc == 0)
        rc = ob_db_each(ctx, have_row, &h,
                        "SELECT chain FROM access_ends WHERE subscriber_id = ?", "i", subscriber);
    n = rc == 0 ? ob_access_ends_compute(l.v, l.n, ends, MAX_CHAINS) : 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        char key[OB_DATE_LEN], last[OB_DATE_LEN];
        int64_t r;

        ob_date_format(ends[i].end_key, key);
        ob_date_format(ends[i].last_day, last);
        r = ob_db_run(ctx->db,
                      "INSERT INTO access_ends (subscriber_id, chain, end_key, last_day, "
                      "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (subscriber_id, chain) "
                      "DO UPDATE SET end_key = excluded.end_key, last_day = excluded.last_day, "
                      "updated_at = excluded.updated_at WHERE access_ends.end_key <> "
                      "excluded.end_key OR access_ends.last_day <> excluded.last_day",
                      "ittti", subscriber, ends[i].chain, key, last, now);
        if (r < 0)
            rc = ob_db_err(ctx, (int)r);
    }
    for (int i = 0; rc == 0 && i < h.n; i++) {
        bool kept = false;
        int64_t r;

        for (int k = 0; k < n && !kept; k++)
            kept = !strcmp(ends[k].chain, h.chains[i]);
        if (kept)
            continue;
        r = ob_db_run(ctx->db, "DELETE FROM access_ends WHERE subscriber_id = ? AND chain = ?",
                      "it", subscriber, h.chains[i]);
        if (r < 0)
            rc = ob_db_err(ctx, (int)r);
    }
    free(l.v);
    ob_arena_free(&l.a);
    return rc;
}

/* ---- the one-time backfill ----------------------------------------------------------- */

#define BACKFILL_KEY "access_ends.backfilled"
#define BACKFILL_BATCH 500

struct ids {
    int64_t *v;
    size_t n, cap;
};

static int
id_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ids *ids = arg;

    (void)ctx;
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? ids->cap * 2 : 256;
        ids->v = ob_xrealloc(ids->v, ids->cap * sizeof(*ids->v));
    }
    ids->v[ids->n++] = ob_stmt_int(st, 0);
    return 0;
}

struct batch {
    const struct ids *ids;
    size_t from, to;
};

static int
refresh_batch(struct ob_ctx *ctx, void *arg)
{
    struct batch *b = arg;
    int rc = 0;

    for (size_t i = b->from; rc == 0 && i < b->to; i++)
        rc = ob_access_ends_refresh(ctx, b->ids->v[i]);
    return rc;
}

static int
backfill_ids(struct ob_ctx *ctx, void *arg)
{
    int64_t done = 0;
    int rc = ob_db_get_int(ctx->db, &done, "SELECT 1 FROM settings WHERE key = ?", "t",
                           BACKFILL_KEY);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        return 0;
    return ob_db_each(ctx, id_row, arg,
                      "SELECT DISTINCT subscriber_id FROM subscriptions WHERE state = 'posted' "
                      "ORDER BY subscriber_id", NULL);
}

static int
backfill_mark(struct ob_ctx *ctx, void *arg)
{
    int64_t r;

    (void)arg;
    r = ob_db_run(ctx->db,
                  "INSERT INTO settings (key, value, updated_at) VALUES (?, '1', ?) "
                  "ON CONFLICT (key) DO NOTHING", "ti", BACKFILL_KEY, ob_clock_now(ctx));
    return r < 0 ? ob_db_err(ctx, (int)r) : 0;
}

int
ob_access_ends_backfill(struct ob_ctx *ctx, int64_t *count)
{
    struct ids ids = { 0 };
    int64_t done = 0;
    int rc;

    *count = 0;
    if (ob_db_get_int(ctx->db, &done, "SELECT 1 FROM settings WHERE key = ?", "t",
                      BACKFILL_KEY) == OB_DB_ROW)
        return 0;
    rc = ob_db_tx(ctx, OB_DB_READ, backfill_ids, &ids);
    for (size_t i = 0; rc == 0 && i < ids.n; i += BACKFILL_BATCH) {
        struct batch b = { &ids, i, i + BACKFILL_BATCH < ids.n ? i + BACKFILL_BATCH : ids.n };

        rc = ob_db_tx(ctx, OB_DB_WRITE, refresh_batch, &b);
    }
    if (rc == 0)
        rc = ob_db_tx(ctx, OB_DB_WRITE, backfill_mark, NULL);
    if (rc == 0)
        *count = (int64_t)ids.n;
    free(ids.v);
    return rc;
}
