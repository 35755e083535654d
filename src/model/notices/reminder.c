/*
 * reminder.c — the daily pass of end-of-access reminders (reminder.h).
 *
 * O(due): for each offset o in use (the provider's list and the partners'
 * own), one range read of access_ends_day, last_day in (P - o, D - o] where
 * (P, D] are the business days since the last pass; nothing else is read
 * per subscriber unless one of its ends is due. The last day passed is kept
 * in settings ('reminders.last_day') in the pass's last transaction (the
 * pass writes its ends in batches: see BATCH_ENDS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/mem.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/identity/access.h"
#include "model/core/outbox.h"
#include "model/catalog/catalog.h"
#include "model/notices/reminder.h"
#include "model/subscriptions/ends.h"
#include "base/banned.h"

#define LAST_DAY_KEY "reminders.last_day"

/* Parse offsets into out (ascending); OB_EINVAL naming `field` otherwise. */
static int
ob_reminder_offsets_parse(const char *text, int *out, int *n, const char *field,
                          struct ob_err *err)
{
    const char *p = text ? text : "";

    *n = 0;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        int k;

        if (end == p || v < -OB_REMINDER_MAX_DAYS || v > OB_REMINDER_MAX_DAYS ||
            (*end && *end != ','))
            return ob_err_field(err, OB_EINVAL, field, "reminder.offsets_invalid", "max=%d",
                                OB_REMINDER_MAX_DAYS);
        for (k = 0; k < *n && out[k] != (int)v; k++)
            ;
        if (k == *n) {
            if (*n == OB_REMINDER_MAX_OFFSETS)
                return ob_err_field(err, OB_EINVAL, field, "reminder.offsets_too_many",
                                    "max=%d", OB_REMINDER_MAX_OFFSETS);
            for (k = (*n)++; k > 0 && out[k - 1] > (int)v; k--)
                out[k] = out[k - 1];
            out[k] = (int)v;
        }
        p = *end ? end + 1 : end;
    }
    if (*n == 0)
        return ob_err_field(err, OB_EINVAL, field, "reminder.offsets_invalid", "max=%d",
                            OB_REMINDER_MAX_DAYS);
    return 0;
}

int
ob_reminder_offsets_check(const char *text, struct ob_err *err)
{
    int v[OB_REMINDER_MAX_OFFSETS], n;

    return ob_reminder_offsets_parse(text, v, &n, "reminder-offsets", err);
}

/* ---- which offsets apply -------------------------------------------------------------- */

struct list {
    int64_t partner;                    /* 0: the provider's */
    int v[OB_REMINDER_MAX_OFFSETS], n;
};

struct lists {
    struct list *v;
    int n, cap;
};

static int
partner_list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct lists *ls = arg;
    struct list l = { .partner = ob_stmt_int(st, 0) };
    struct ob_err ignored = { 0 };

    (void)ctx;
    /* stored through the API's check; a list that does not parse is the provider's */
    if (ob_reminder_offsets_parse(ob_stmt_text(st, 1), l.v, &l.n, "reminder_offsets",
                                  &ignored) != 0)
        return 0;
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 8;
        ls->v = ob_xrealloc(ls->v, (size_t)ls->cap * sizeof(*ls->v));
    }
    ls->v[ls->n++] = l;
    return 0;
}

static const struct list *
list_of(const struct lists *ls, int64_t partner)
{
    for (int i = 1; i < ls->n; i++)
        if (ls->v[i].partner == partner)
            return &ls->v[i];
    return &ls->v[0];
}

static bool
has(const struct list *l, int o)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == o)
            return true;
    return false;
}

/* ---- the ends due ---------------------------------------------------------------------- */

struct due {
    int64_t subscriber, partner;
    char chain[64];
    char end_key[OB_DATE_LEN];
    int32_t last_day;
    int offset;
};

struct dues {
    struct due *v;
    size_t n, cap;
    const struct lists *ls;
    int offset;
};

static int
due_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct dues *d = arg;
    struct due x = { .subscriber = ob_stmt_int(st, 0), .partner = ob_stmt_int(st, 4),
                     .offset = d->offset };
    const char *chain = ob_stmt_text(st, 1), *key = ob_stmt_text(st, 2);

    (void)ctx;
    if (!has(list_of(d->ls, x.partner), d->offset) || !chain || strlen(chain) >= sizeof(x.chain) ||
        !key || strlen(key) >= sizeof(x.end_key) || ob_date_parse(ob_stmt_text(st, 3), &x.last_day))
        return 0;
    memcpy(x.chain, chain, strlen(chain) + 1);
    memcpy(x.end_key, key, strlen(key) + 1);
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->v = ob_xrealloc(d->v, d->cap * sizeof(*d->v));
    }
    d->v[d->n++] = x;
    return 0;
}

static int
by_end(const void *a, const void *b)
{
    const struct due *x = a, *y = b;
    int c;

    if (x->subscriber != y->subscriber)
        return x->subscriber < y->subscriber ? -1 : 1;
    if ((c = strcmp(x->chain, y->chain)) != 0)
        return c;
    return x->offset - y->offset;
}

/* ---- the mail -------------------------------------------------------------------------- */

static const char *const months_en[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A date as people read it: 31.03.2027, 31 Mar 2027. */
static const char *
date_words(struct ob_ctx *ctx, int32_t day, bool en)
{
    int y, m, d;

    ob_date_to_ymd(day, &y, &m, &d);
    return en ? ob_arena_printf(&ctx->arena, "%d %s %d", d, months_en[m - 1], y)
              : ob_arena_printf(&ctx->arena, "%02d.%02d.%04d", d, m, y);
}

struct who {
    const char *account;                /* the subscriber's name (its recipients' query) */
    const char *tariff_ru, *tariff_en;  /* the chain's tariff, or the trial */
    const char *partner, *phone, *email;
    bool deferral;                      /* the client may take a deferred renewal now */
    /* A trial of a main tariff (a registration page's, R-ONB-5) offers that
     * tariff at its retail price: offer_ru NULL when there is none. */
    const char *offer_ru, *offer_en;
    int64_t offer_price;                /* kopecks a month, -1: no price today */
};

/* Roubles as people write them: 247200 → "2 472 ₽" / "₽2,472" (kopecks
 * only when there are some). */
static const char *
roubles(struct ob_ctx *ctx, int64_t kop, bool en)
{
    char digits[32], grouped[48];
    int n, o = 0;

    n = snprintf(digits, sizeof(digits), "%lld", (long long)(kop / 100));
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[o++] = en ? ',' : ' ';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    if (kop % 100)
        return en ? ob_arena_printf(&ctx->arena, "₽%s.%02lld", grouped, (long long)(kop % 100))
                  : ob_arena_printf(&ctx->arena, "%s,%02lld ₽", grouped, (long long)(kop % 100));
    return en ? ob_arena_printf(&ctx->arena, "₽%s", grouped)
              : ob_arena_printf(&ctx->arena, "%s ₽", grouped);
}

static json_t *
mail_vars(struct ob_ctx *ctx, const struct who *w, const char *name, bool en, int32_t last,
          int offset, bool late)
{
    /* Data only: the words of each case are the templates' (access_reminder
     * in ru and en), chosen by the sections {{#soon}}, {{#today}},
     * {{#ended}}, {{#late}}, {{#deferral}}, {{#named}} and {{#offer}}. */
    bool named = name && *name, offer = w->offer_ru != NULL;
    json_t *v = json_pack("{s:b, s:s, s:b, s:s}", "offer", offer, "offer_tariff",
                          offer ? (en ? w->offer_en : w->offer_ru) : "", "offer_priced",
                          offer && w->offer_price >= 0, "offer_price",
                          offer && w->offer_price >= 0 ? roubles(ctx, w->offer_price, en) : "");
    json_t *rest = json_pack(
                     "{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b}",
                     "name", named ? name : "", "named", named, "account", w->account, "tariff",
                     en ? w->tariff_en : w->tariff_ru, "through", date_words(ctx, last, en),
                     "next_day", date_words(ctx, last + 1, en), "partner", w->partner,
                     "partner_phone", *w->phone ? w->phone : "—", "partner_email",
                     *w->email ? w->email : "—", "soon", offset < 0, "today", offset == 0,
                     "ended", offset > 0, "late", late, "deferral", offset >= 0 && w->deferral);

    if (!v || !rest || json_object_update(v, rest) != 0) {
        json_decref(v);
        json_decref(rest);
        return NULL;
    }
    json_decref(rest);
    return v;
}

static void
read_offer(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct who *w = out;

    w->offer_ru = ob_stmt_dup(ctx, st, 0);
    w->offer_en = ob_stmt_dup(ctx, st, 1);
    w->offer_price = ob_stmt_int(st, 2);    /* the priced tariff, for now */
}

/* The tariff a trial of subscriber offers after it: the trial's own tariff
 * when it is a main one (a registration page's trial), at its monthly
 * retail price on `today` (a partner tariff's is its base's; -1 when the
 * catalog has none that day). */
static int
offer_of(struct ob_ctx *ctx, int64_t subscriber, int32_t today, struct who *w)
{
    int64_t price = -1;
    int rc = ob_db_one(ctx, read_offer, w,
                       "SELECT t.name_ru, t.name_en, COALESCE(t.base_tariff_id, t.id) "
                       "FROM subscriptions s JOIN tariffs t ON t.id = s.tariff_id "
                       "WHERE s.subscriber_id = ? AND s.kind = 'trial' AND t.kind = 'main' "
                       "ORDER BY s.id DESC LIMIT 1",
                       "i", subscriber);

    if (rc == OB_ENOTFOUND) {
        ob_err_clear(&ctx->err);
        w->offer_ru = w->offer_en = NULL;
        return 0;
    }
    if (rc != 0)
        return rc;
    rc = ob_catalog_price(ctx, w->offer_price, 1, today, &price);
    if (rc == OB_ENOTFOUND) {
        ob_err_clear(&ctx->err);
        price = -1;
    } else if (rc != 0) {
        return rc;
    }
    w->offer_price = price;
    return 0;
}

static void
read_tariff(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct who *w = out;

    w->tariff_ru = ob_stmt_dup(ctx, st, 0);
    w->tariff_en = ob_stmt_dup(ctx, st, 1);
}

struct recipients {
    int64_t reminder, subscriber;
    struct who *w;
    int32_t last;
    int offset;
    bool late;
    int64_t mails;
};

/* A comma-separated roles set holds owner or administrator. */
static bool
may_renew(const char *roles)
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
recipient_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct recipients *r = arg;
    int64_t person = ob_stmt_int(st, 0), outbox = 0;
    const char *email = ob_stmt_dup(ctx, st, 1), *lang = ob_stmt_dup(ctx, st, 2);
    const char *name = ob_stmt_dup(ctx, st, 3);
    bool en = lang && !strcmp(lang, "en");
    json_t *vars;
    int64_t n;
    int rc;

    if (!may_renew(ob_stmt_text(st, 4)))
        return 0;
    if (!r->w->account && !(r->w->account = ob_stmt_dup(ctx, st, 5)))
        return ob_err_set(&ctx->err, OB_EINTERNAL, "reminder.json");
    vars = mail_vars(ctx, r->w, name, en, r->last, r->offset, r->late);
    if (!vars)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "reminder.json");
    rc = ob_outbox_queue(ctx, email, en ? "en" : "ru", "access_reminder", vars, r->subscriber,
                         &outbox);
    json_decref(vars);
    if (rc != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "INSERT INTO reminder_mails (reminder_id, outbox_id, person_id) VALUES (?, ?, ?)",
                  "iii", r->reminder, outbox, person);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    r->mails++;
    return 0;
}

/* What the pass reads once and reuses for every end: each partner's name and
 * contact, each chain's tariff names (a few of each; past KNOWN_MAX the rest
 * are read per end). Kept in malloc'd memory across the batches. */
#define KNOWN_MAX 64

struct known_partner {
    int64_t partner;                    /* 0: none (the provider's name) */
    char *name, *phone, *email;
};

struct known_tariff {
    char *chain, *ru, *en;
};

struct known {
    struct known_partner p[KNOWN_MAX];
    struct known_tariff t[KNOWN_MAX];
    int np, nt;
};

static void
known_free(struct known *k)
{
    for (int i = 0; i < k->np; i++) {
        free(k->p[i].name);
        free(k->p[i].phone);
        free(k->p[i].email);
    }
    for (int i = 0; i < k->nt; i++) {
        free(k->t[i].chain);
        free(k->t[i].ru);
        free(k->t[i].en);
    }
    k->np = k->nt = 0;
}

static void
read_partner(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct who *w = out;

    w->partner = ob_stmt_dup(ctx, st, 0);
    w->phone = ob_stmt_dup(ctx, st, 1);
    w->email = ob_stmt_dup(ctx, st, 2);
}

/* w's partner name and contact for partner (0: the provider's name). */
static int
partner_of(struct ob_ctx *ctx, struct known *k, int64_t partner, struct who *w)
{
    int rc;

    for (int i = 0; i < k->np; i++)
        if (k->p[i].partner == partner) {
            w->partner = k->p[i].name;
            w->phone = k->p[i].phone;
            w->email = k->p[i].email;
            return 0;
        }
    rc = ob_db_one(ctx, read_partner, w,
                   "SELECT COALESCE((SELECT name FROM accounts WHERE id = ?), "
                   "(SELECT name FROM accounts WHERE id = (SELECT MIN(id) FROM accounts "
                   "WHERE kind = 'provider')), ''), "
                   "COALESCE((SELECT phone FROM partners WHERE account_id = ?), ''), "
                   "COALESCE((SELECT email FROM partners WHERE account_id = ?), '')",
                   "iii", partner, partner, partner);
    if (rc != 0)
        return rc;
    if (!w->partner || !w->phone || !w->email)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "reminder.json");
    if (k->np < KNOWN_MAX) {
        struct known_partner *x = &k->p[k->np++];

        x->partner = partner;
        x->name = ob_xstrdup(w->partner);
        x->phone = ob_xstrdup(w->phone);
        x->email = ob_xstrdup(w->email);
    }
    return 0;
}

/* w's tariff names for chain: the trial's words, the tariff's, else the code. */
static int
tariff_of(struct ob_ctx *ctx, struct known *k, const char *chain, struct who *w)
{
    int rc;

    if (!strcmp(chain, OB_ENDS_TRIAL)) {
        w->tariff_ru = "пробный период";
        w->tariff_en = "the trial";
        return 0;
    }
    for (int i = 0; i < k->nt; i++)
        if (!strcmp(k->t[i].chain, chain)) {
            w->tariff_ru = k->t[i].ru;
            w->tariff_en = k->t[i].en;
            return 0;
        }
    if ((rc = ob_db_one(ctx, read_tariff, w,
                        "SELECT name_ru, name_en FROM tariffs WHERE code = ? "
                        "AND base_tariff_id IS NULL ORDER BY id LIMIT 1", "t", chain)) != 0) {
        if (rc != OB_ENOTFOUND)
            return rc;
        ob_err_clear(&ctx->err);
        w->tariff_ru = w->tariff_en = chain;
    }
    if (!w->tariff_ru || !w->tariff_en)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "reminder.json");
    if (k->nt < KNOWN_MAX) {
        struct known_tariff *x = &k->t[k->nt++];

        x->chain = ob_xstrdup(chain);
        x->ru = ob_xstrdup(w->tariff_ru);
        x->en = ob_xstrdup(w->tariff_en);
    }
    return 0;
}

/* Send reminder `id` of end d at offset o to the owner and administrators. */
static int
send_one(struct ob_ctx *ctx, struct known *k, int64_t id, const struct due *d, int32_t today,
         bool late, int64_t *mails)
{
    struct who w = { 0 };
    struct recipients r = { id, d->subscriber, &w, d->last_day, d->offset, late, 0 };
    json_t *data;
    int rc;

    if ((rc = partner_of(ctx, k, d->partner, &w)) != 0 ||
        (rc = tariff_of(ctx, k, d->chain, &w)) != 0)
        return rc;
    if (!strcmp(d->chain, OB_ENDS_TRIAL) && (rc = offer_of(ctx, d->subscriber, today, &w)) != 0)
        return rc;
    if (d->offset >= 0 && (rc = ob_access_ends_deferral_open(ctx, d->subscriber, today,
                                                              &w.deferral)) != 0)
        return rc;
    rc = ob_db_each(ctx, recipient_row, &r,
                    "SELECT p.id, p.email, p.lang, p.name, m.roles, a.name FROM memberships m "
                    "JOIN persons p ON p.id = m.person_id JOIN accounts a ON a.id = m.account_id "
                    "WHERE m.account_id = ? AND p.disabled = 0 ORDER BY p.id", "i", d->subscriber);
    if (rc != 0)
        return rc;
    *mails += r.mails;
    {
        char iso[OB_DATE_LEN];

        ob_date_format(d->last_day, iso);
        data = json_pack("{s:s, s:s, s:s, s:i, s:b}", "chain", d->chain, "last_day", iso,
                         "end_key", d->end_key, "offset", d->offset, "late", late);
    }
    if (!data)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "reminder.json");
    rc = ob_event_emit(ctx, "access.reminder", d->partner, d->subscriber, data, NULL);
    json_decref(data);
    return rc;
}

/* Record reminder (d, state); *id the new row's, 0 when it was there already. */
static int
record(struct ob_ctx *ctx, const struct due *d, int32_t today, const char *state, bool late,
       int64_t *id)
{
    char last[OB_DATE_LEN], due_day[OB_DATE_LEN], sent[OB_DATE_LEN];
    int rc;

    *id = 0;
    ob_date_format(d->last_day, last);
    ob_date_format(d->last_day + d->offset, due_day);
    ob_date_format(today, sent);
    /* the ends were read before this batch's transaction: one renewed or
     * deferred since then (its row moved) gets nothing now, as if the pass
     * had run before the change ("none once access was renewed meanwhile") */
    rc = ob_db_get_int(ctx->db, id,
                       "INSERT INTO reminders (subscriber_id, chain, end_key, offset_days, "
                       "last_day, due_day, sent_day, state, late, created_at) SELECT ?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM access_ends e "
                       "WHERE e.subscriber_id = ? AND e.chain = ? AND e.end_key = ? "
                       "AND e.last_day = ?) ON CONFLICT (subscriber_id, chain, end_key, "
                       "offset_days) DO NOTHING RETURNING id",
                       "ittittttiiittt", d->subscriber, d->chain, d->end_key, (int64_t)d->offset,
                       last, due_day, sent, state, (int64_t)late, ob_clock_now(ctx),
                       d->subscriber, d->chain, d->end_key, last);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* ---- the pass -------------------------------------------------------------------------- */

/* Ends written per transaction: the pass's memory (the mails' strings) and
 * its write lock stay bounded however many ends are due. A crash between two
 * batches leaves the ledger of the first: the next run finds those rows
 * there (its UNIQUE key) and writes the rest, exactly once. */
#define BATCH_ENDS 256

struct pass {
    const char *offsets;
    struct ob_reminder_pass *out;
    struct lists ls;
    struct dues d;
    int32_t today, prev;
    struct known *known;
};

/* Which ends are due on the days (prev, today], sorted by end then offset. */
static int
plan(struct ob_ctx *ctx, void *arg)
{
    struct pass *a = arg;
    char text[OB_DATE_LEN] = "";
    int used[OB_REMINDER_MAX_OFFSETS * 8], nused = 0;
    int rc;

    a->d.n = 0;
    a->ls.n = 1;
    rc = ob_db_get_text(ctx->db, text, sizeof(text), "SELECT value FROM settings WHERE key = ?",
                        "t", LAST_DAY_KEY);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW || ob_date_parse(text, &a->prev) != 0)
        a->prev = a->today - 1;         /* the first pass: today only */
    if (a->prev < a->today - OB_REMINDER_MAX_GAP)
        a->prev = a->today - OB_REMINDER_MAX_GAP;
    if (a->prev >= a->today)
        return 0;                       /* today's pass is done */
    rc = ob_reminder_offsets_parse(a->offsets ? a->offsets : OB_REMINDER_OFFSETS_DEFAULT,
                                   a->ls.v[0].v, &a->ls.v[0].n, "reminder-offsets", &ctx->err);
    if (rc == 0)
        rc = ob_db_each(ctx, partner_list_row, &a->ls,
                        "SELECT account_id, reminder_offsets FROM partners "
                        "WHERE reminder_offsets IS NOT NULL", NULL);
    for (int i = 0; rc == 0 && i < a->ls.n; i++)
        for (int k = 0; k < a->ls.v[i].n; k++) {
            int j;

            for (j = 0; j < nused && used[j] != a->ls.v[i].v[k]; j++)
                ;
            if (j == nused && nused < (int)(sizeof(used) / sizeof(used[0])))
                used[nused++] = a->ls.v[i].v[k];
        }
    a->d.ls = &a->ls;
    for (int i = 0; rc == 0 && i < nused; i++) {
        char lo[OB_DATE_LEN], hi[OB_DATE_LEN];

        /* due when L + o is one of the days (prev, today] */
        ob_date_format(a->prev + 1 - used[i], lo);
        ob_date_format(a->today - used[i], hi);
        a->d.offset = used[i];
        rc = ob_db_each(ctx, due_row, &a->d,
                        "SELECT e.subscriber_id, e.chain, e.end_key, e.last_day, "
                        "COALESCE(s.partner_id, 0) FROM access_ends e "
                        "JOIN subscribers s ON s.account_id = e.subscriber_id "
                        "WHERE e.last_day >= ? AND e.last_day <= ? AND s.state = 'active'",
                        "tt", lo, hi);
    }
    if (rc == 0 && a->d.n)
        qsort(a->d.v, a->d.n, sizeof(*a->d.v), by_end);
    return rc;
}

struct batch {
    const struct pass *a;
    size_t from, to;                    /* the ends d.v[from, to) */
    bool last;                          /* the pass's last batch: the day is passed */
    int64_t sent, skipped, mails;
};

static bool
last_of_end(const struct dues *d, size_t i)
{
    return i + 1 == d->n || d->v[i + 1].subscriber != d->v[i].subscriber ||
           strcmp(d->v[i + 1].chain, d->v[i].chain) != 0;
}

static int
batch(struct ob_ctx *ctx, void *arg)
{
    struct batch *b = arg;
    const struct dues *d = &b->a->d;
    int32_t today = b->a->today;
    int rc = 0;

    b->sent = b->skipped = b->mails = 0;      /* a retried transaction counts afresh */
    /* per end, the latest offset due is sent (late when its day passed), the
     * earlier ones of the same days recorded skipped */
    for (size_t i = b->from; rc == 0 && i < b->to; i++) {
        const struct due *x = &d->v[i];
        bool last = last_of_end(d, i);
        bool late = x->last_day + x->offset < today;
        int64_t id;

        rc = record(ctx, x, today, last ? "sent" : "skipped", last && late, &id);
        if (rc == 0 && id && last) {
            b->sent++;
            rc = send_one(ctx, b->a->known, id, x, today, late, &b->mails);
        } else if (rc == 0 && id) {
            b->skipped++;
        }
    }
    if (rc == 0 && b->last) {
        char text[OB_DATE_LEN];
        int64_t n;

        ob_date_format(today, text);
        n = ob_db_run(ctx->db,
                      "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                      "updated_at = excluded.updated_at",
                      "tti", LAST_DAY_KEY, text, ob_clock_now(ctx));
        if (n < 0)
            rc = ob_db_err(ctx, (int)n);
    }
    return rc;
}

int
ob_reminders_run(struct ob_ctx *ctx, const char *offsets, struct ob_reminder_pass *out)
{
    struct pass a = { offsets, out, { 0 }, { 0 }, ob_clock_today(ctx), 0,
                      ob_xcalloc(1, sizeof(struct known)) };
    size_t from = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    a.ls.v = ob_xcalloc(1, sizeof(*a.ls.v));
    a.ls.n = a.ls.cap = 1;
    rc = ob_db_tx(ctx, OB_DB_READ, plan, &a);
    out->from = a.prev;
    out->to = a.today;
    while (rc == 0 && a.prev < a.today) {
        struct batch b = { &a, from, from, false, 0, 0, 0 };
        struct ob_arena keep = ctx->arena;

        /* a batch ends with an end: an end's skipped offsets and its sent one
         * are written together */
        while (b.to < a.d.n && (b.to - from < BATCH_ENDS || !last_of_end(&a.d, b.to - 1)))
            b.to++;
        b.last = b.to == a.d.n;
        ob_arena_init(&ctx->arena);     /* the batch's strings, freed with it */
        rc = ob_db_tx(ctx, OB_DB_WRITE, batch, &b);
        ob_arena_free(&ctx->arena);
        ctx->arena = keep;
        if (rc == 0) {
            out->sent += b.sent;
            out->skipped += b.skipped;
            out->mails += b.mails;
        }
        if (b.last)
            break;
        from = b.to;
    }
    known_free(a.known);
    free(a.known);
    free(a.d.v);
    free(a.ls.v);
    return rc;
}

/* ---- a partner's own offsets ----------------------------------------------------------- */

struct partner_offsets {
    int64_t partner;
    const char *text;               /* normalised, or NULL: the provider's */
    char before[64];
    char name[256];
};

static int
partner_offsets_set(struct ob_ctx *ctx, void *arg)
{
    struct partner_offsets *a = arg;
    int64_t n;
    int rc = ob_db_get_text(ctx->db, a->before, sizeof(a->before),
                            "SELECT COALESCE(reminder_offsets, '') FROM partners "
                            "WHERE account_id = ?", "i", a->partner);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "account.not_found", "id=%lld",
                          (long long)a->partner);
    if (ob_db_get_text(ctx->db, a->name, sizeof(a->name), "SELECT name FROM accounts WHERE id = ?",
                       "i", a->partner) < 0)
        return ob_db_err(ctx, OB_EINTERNAL);
    n = ob_db_run(ctx->db, "UPDATE partners SET reminder_offsets = ? WHERE account_id = ?", "ti",
                  a->text, a->partner);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, a->partner, "partner.reminder_offsets_changed", "account",
                         a->partner,
                         json_pack("{s:s, s:s, s:s}", "partner", a->name, "before",
                                   a->before, "after", a->text ? a->text : ""),
                         "reminder offsets: '%s' → '%s'", a->before, a->text ? a->text : "");
}

int
ob_reminder_partner_offsets_set(struct ob_ctx *ctx, int64_t partner, const char *text,
                                const char **stored)
{
    struct partner_offsets a = { partner, NULL, "", "" };
    int v[OB_REMINDER_MAX_OFFSETS], n, rc;

    *stored = NULL;
    if ((rc = ob_access_partner(ctx, partner, 0, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0)
        return rc;
    if (text && *text) {
        char *s = NULL;

        if ((rc = ob_reminder_offsets_parse(text, v, &n, "reminder_offsets", &ctx->err)) != 0)
            return rc;
        for (int i = 0; i < n; i++)
            s = ob_arena_printf(&ctx->arena, "%s%s%d", s ? s : "", s ? "," : "", v[i]);
        a.text = s;
    }
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, partner_offsets_set, &a)) == 0)
        *stored = a.text;
    return rc;
}

int
ob_reminder_partner_offsets_get(struct ob_ctx *ctx, int64_t partner, char *out, size_t size)
{
    int rc = ob_db_get_text(ctx->db, out, size,
                            "SELECT COALESCE(reminder_offsets, '') FROM partners "
                            "WHERE account_id = ?", "i", partner);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        out[0] = '\0';
    return 0;
}
