/*
 * planner.c — the rules of posting a subscription (R-SUB-0..6) as pure
 * functions: no database, no context, no clock.
 *
 * Why: the rules are the part of posting most worth testing and least
 * worth a database; as functions over loaded rows they are table-tested
 * (tests/unit/test_planner.c) and subscription.c keeps only loading, the
 * transaction and writing. subscription.c calls them in the order it
 * always checked, so a posting that breaks two rules is refused with the
 * same one as before.
 *
 * How: every function reads struct ob_plan_in (the subscriber's posted
 * rows, the day, the tariff's options, what was asked) and fills the plan,
 * a struct ob_subscription, or err. Dates are civil days (base/date.h),
 * [start, end) with end exclusive (R-SUB-0); months are added by
 * ob_date_add_months, so Jan 31 + 1 month is Mar 1.
 *
 * Ownership: rows and options are the caller's and are only read; *main and
 * *last point into in->rows; message dates are formatted into the arena a.
 */
#include <string.h>

#include "base/date.h"
#include "base/err.h"
#include "base/mem.h"
#include "model/subscriptions/discount.h"
#include "model/subscriptions/planner.h"
#include "base/banned.h"

static const char *
day_text(struct ob_arena *a, int32_t day)
{
    char d[OB_DATE_LEN];

    ob_date_format(day, d);
    return ob_arena_strdup(a, d);
}

static bool
is_kind(const struct ob_subscription *s, const char *kind)
{
    return !strcmp(s->kind, kind);
}

static bool
in_force(const struct ob_subscription *s, int32_t day)
{
    return s->start <= day && day < s->end;
}

/* A main of the client's own posted at a price: one that ends a trial,
 * allows a short extension and re-arms a deferral (R-SUB-1a, -4, -5).
 * PARTNER-OWN is no client's main; a free CRM-START or KASSA (price 0) is
 * not paid. R-BIL-2's chain is narrower: paid mains of one family
 * (discount.h). */
static bool
paid_main(const struct ob_subscription *s)
{
    return is_kind(s, "main") && strcmp(s->discount_rule, OB_PLAN_RULE_OWN) && s->price > 0;
}

/* R-SUB-5: the newest deferred renewal with no paid main posted after it. */
static const struct ob_subscription *
pending_deferral(const struct ob_subscription *rows, int n)
{
    const struct ob_subscription *d = NULL;

    for (int i = 0; i < n; i++) {
        if (is_kind(&rows[i], "deferred_renewal"))
            d = &rows[i];
        else if (paid_main(&rows[i]))
            d = NULL;
    }
    return d;
}

int32_t
ob_plan_deferral_end(const struct ob_subscription *rows, int n, int i)
{
    int32_t end = rows[i].end;

    for (int k = i + 1; k < n; k++)
        if (paid_main(&rows[k]) && rows[k].start < end)
            end = rows[k].start > rows[i].start ? rows[k].start : rows[i].start;
    return end;
}

int
ob_plan_quantity(enum ob_sub_kind k, int quantity, struct ob_err *err)
{
    if (quantity < 0 || quantity > 100000)
        return ob_err_field(err, OB_EINVAL, "quantity", "subscription.quantity_range");
    if (quantity > 1 && k != OB_SUB_EXTENSION && k != OB_SUB_SHORT_EXTENSION)
        return ob_err_field(err, OB_EINVAL, "quantity", "subscription.quantity_once", "kind=%s",
                            ob_sub_kind_name(k));
    return 0;
}

void
ob_plan_ent_sub(const struct ob_subscription *rows, int n, int i, struct ob_ent_sub *e)
{
    const struct ob_subscription *s = &rows[i];

    ob_sub_kind_parse(s->kind, &e->kind);
    e->id = s->id;
    e->tariff = s->tariff_code;
    e->main = s->main;
    e->start = s->start;
    e->end = e->kind == OB_SUB_DEFERRED_RENEWAL ? ob_plan_deferral_end(rows, n, i) : s->end;
    e->quantity = s->quantity;
    e->free = e->kind == OB_SUB_MAIN && !paid_main(s);
}

/* The start: the one asked (a date in the window, docs/decisions.md), the
 * one a re-planned change keeps (stored, so not held to the window), or
 * deflt. Not in the past, unless it is the default. */
static int
plan_start(const struct ob_plan_in *in, int32_t deflt, struct ob_subscription *out,
           struct ob_arena *a, struct ob_err *err)
{
    int32_t s = in->kept_start;

    if (!in->start && !s) {
        out->start = deflt;
        return 0;
    }
    if (in->start && ob_date_parse_input(in->start, &s) != 0)
        return ob_err_field(err, OB_EINVAL, "start", "field.date");
    if (s < in->day && s != deflt)
        return ob_err_field(err, OB_EINVAL, "start", "subscription.start_in_past", "s=%s day=%s",
                            day_text(a, s), day_text(a, in->day));
    out->start = s;
    return 0;
}

/* R-CAT-2: a tariff of "at most N months" (CRM-START, the guide: "до 6 мес")
 * allows N months in all per subscriber, not per term: the months of its
 * posted mains of that standard tariff (partner tariffs on it included),
 * and the new term, may not pass N. Cancelled rows are not in rows, and
 * neither is the row a change re-plans. */
static int
months_cap(const struct ob_plan_in *in, const struct ob_subscription *out, int cap,
           struct ob_err *err)
{
    int used = 0;

    for (int i = 0; i < in->nrows; i++)
        if (is_kind(&in->rows[i], "main") && in->rows[i].base_tariff == out->base_tariff)
            used += in->rows[i].term_months;
    if (used + out->term_months <= cap)
        return 0;
    ob_err_field(err, OB_ECONFLICT, "term_months", "subscription.months_cap",
                 "code=%s cap=%d used=%d", in->base_code ? in->base_code : in->code, cap, used);
    if (used < cap)
        ob_err_hint(err, "a term of at most %d month%s is left", cap - used,
                    cap - used == 1 ? "" : "s");
    else
        ob_err_hint(err, "the client has used the whole free period: post a paid tariff");
    return OB_ECONFLICT;
}

int
ob_plan_main_term(const struct ob_plan_in *in, struct ob_subscription *out, struct ob_err *err)
{
    const struct ob_tariff_options *o = in->opt;

    out->term_months = in->term_months;
    if (!out->term_months && o->nterms == 1)
        out->term_months = o->terms[0];
    if (!ob_tariff_term_allowed(o, out->term_months))
        return ob_err_field(err, OB_EINVAL, "term_months", "subscription.term_not_allowed",
                            "code=%s term_months=%d", in->code, out->term_months);
    return o->max_term_months ? months_cap(in, out, o->max_term_months, err) : 0;
}

/* The default start of a main: a pending deferral's start; else the end of
 * the latest main of the same tariff when it has not passed (a renewal);
 * else today. */
static int32_t
main_default_start(const struct ob_plan_in *in, const struct ob_subscription *out)
{
    const struct ob_subscription *d = pending_deferral(in->rows, in->nrows);
    int32_t start = in->day;

    if (d)
        return d->start;
    for (int i = 0; i < in->nrows; i++) {
        const struct ob_subscription *s = &in->rows[i];

        if (is_kind(s, "main") && s->base_tariff == out->base_tariff && s->end > start)
            start = s->end;
    }
    return start;
}

int
ob_plan_main_period(const struct ob_plan_in *in, struct ob_subscription *out, struct ob_arena *a,
                    struct ob_err *err)
{
    int rc;

    if ((rc = plan_start(in, main_default_start(in, out), out, a, err)) != 0)
        return rc;
    if (ob_date_add_months(out->start, out->term_months, &out->end) != 0)
        return ob_err_field(err, OB_EINVAL, "start", "subscription.term_past_last_date",
                            "term_months=%d start=%s", out->term_months, day_text(a, out->start));
    for (int i = 0; i < in->nrows; i++) {
        const struct ob_subscription *s = &in->rows[i];

        if (is_kind(s, "main") && s->base_tariff == out->base_tariff && s->start < out->end &&
            out->start < s->end) {
            ob_err_field(err, OB_ECONFLICT, "start", "subscription.period_covered",
                         "id=%lld tariff_code=%s start=%s end=%s", (long long)s->id, s->tariff_code,
                         day_text(a, s->start), day_text(a, s->end - 1));
            ob_err_hint(err, "a renewal starts at the previous one's end (%s)",
                        day_text(a, s->end));
            return OB_ECONFLICT;
        }
    }
    return 0;
}

/* The newest main in force on day (paid only when `paid`). */
static const struct ob_subscription *
main_in_force(const struct ob_plan_in *in, int32_t day, bool paid)
{
    const struct ob_subscription *m = NULL;

    for (int i = 0; i < in->nrows; i++) {
        const struct ob_subscription *s = &in->rows[i];

        if (is_kind(s, "main") && (!paid || paid_main(s)) && in_force(s, day))
            m = s;
    }
    return m;
}

static const struct ob_subscription *
row_by_id(const struct ob_plan_in *in, int64_t id)
{
    for (int i = 0; i < in->nrows; i++)
        if (in->rows[i].id == id)
            return &in->rows[i];
    return NULL;
}

int
ob_plan_extension(const struct ob_plan_in *in, struct ob_subscription *out,
                  const struct ob_subscription **main, struct ob_arena *a, struct ob_err *err)
{
    const struct ob_subscription *m;
    bool fits;

    m = in->main ? row_by_id(in, in->main) : main_in_force(in, in->day, false);
    if (!m || !is_kind(m, "main"))
        return ob_err_field(err, OB_EINVAL, "main",
                            in->main ? "subscription.main_not_main" : "subscription.no_main");
    if (m->end <= in->day)
        return ob_err_field(err, OB_EINVAL, "main", "subscription.main_ended", "id=%lld end=%s",
                            (long long)m->id, day_text(a, m->end - 1));
    fits = in->opt->nextends == 0;
    for (int i = 0; i < in->opt->nextends && !fits; i++)
        fits = !strcmp(in->opt->extends[i], m->tariff_code);
    if (!fits)
        return ob_err_field(err, OB_EINVAL, "tariff", "subscription.does_not_extend",
                            "code=%s tariff_code=%s", in->code, m->tariff_code);
    out->start = m->start;
    out->end = m->end;
    out->term_months = m->term_months;
    *main = m;
    return 0;
}

int
ob_plan_short(const struct ob_plan_in *in, struct ob_subscription *out,
              const struct ob_subscription **main, struct ob_arena *a, struct ob_err *err)
{
    const struct ob_subscription *m = main_in_force(in, in->day, true);

    if (!m)
        return ob_err_set(err, OB_ECONFLICT, "subscription.short_extension_needs_main");
    for (int i = 0; i < in->nrows; i++)
        if (is_kind(&in->rows[i], "short_extension") && in_force(&in->rows[i], in->day))
            return ob_err_set(err, OB_ECONFLICT, "subscription.short_extension_in_force",
                              "id=%lld end=%s", (long long)in->rows[i].id,
                              day_text(a, in->rows[i].end - 1));
    out->start = in->day;
    out->end = in->day + (in->opt->days > 0 ? in->opt->days : OB_PLAN_SHORT_DAYS);
    *main = m;
    return 0;
}

void
ob_plan_take_main(struct ob_subscription *out, const struct ob_subscription *m)
{
    out->main = m->id;
    out->discount_pct = m->discount_pct;
    out->discount_rule = m->discount_rule;
    out->amount_due = ob_discount_apply(out->price, m->discount_pct);
}

/* The period a deferral follows: the main or trial ending latest. */
static const struct ob_subscription *
deferred_period(const struct ob_plan_in *in)
{
    const struct ob_subscription *l = NULL;

    for (int i = 0; i < in->nrows; i++) {
        const struct ob_subscription *s = &in->rows[i];

        if ((is_kind(s, "main") || is_kind(s, "trial")) && (!l || s->end > l->end))
            l = s;
    }
    return l;
}

int
ob_plan_deferral(const struct ob_plan_in *in, struct ob_subscription *out,
                 const struct ob_subscription **last, struct ob_arena *a, struct ob_err *err)
{
    const struct ob_subscription *l = deferred_period(in);
    int32_t from, through;
    /* one decision for the posting and the cabinet's button */
    const char *why = ob_plan_deferral_refusal(in, &from, &through);

    if (why && !strcmp(why, "deferred_renewal.too_early"))
        return ob_err_set(err, OB_ECONFLICT, "deferred_renewal.too_early", "from=%s through=%s",
                          day_text(a, from), day_text(a, through));
    if (why && !strcmp(why, "deferred_renewal.too_late"))
        return ob_err_set(err, OB_ECONFLICT, "deferred_renewal.too_late", "through=%s",
                          day_text(a, through));
    if (why && !strcmp(why, "deferred_renewal.taken"))
        return ob_err_set(err, OB_ECONFLICT, "deferred_renewal.taken");
    if (why)
        return ob_err_set(err, OB_ECONFLICT, "deferred_renewal.nothing");
    out->tariff = l->tariff;
    out->base_tariff = l->base_tariff;
    out->tariff_code = l->tariff_code;
    out->tariff_name = l->tariff_name;
    out->version = l->version;
    out->main = l->id;
    out->start = l->end > in->day ? l->end : in->day;
    out->end = out->start + OB_PLAN_DEFER_DAYS;
    out->discount_rule = "deferred";
    *last = l;
    return 0;
}

const char *
ob_plan_short_refusal(const struct ob_plan_in *in, int32_t *from, int32_t *through)
{
    *from = *through = 0;
    if (!main_in_force(in, in->day, true))
        return OB_REASON("short_extension.no_paid_main");
    for (int i = 0; i < in->nrows; i++)
        if (is_kind(&in->rows[i], "short_extension") && in_force(&in->rows[i], in->day)) {
            *through = in->rows[i].end - 1;
            return OB_REASON("short_extension.one_at_a_time");
        }
    return NULL;
}

const char *
ob_plan_deferral_refusal(const struct ob_plan_in *in, int32_t *from, int32_t *through)
{
    const struct ob_subscription *l = deferred_period(in);

    *from = *through = 0;
    if (!l)
        return OB_REASON("deferred_renewal.nothing");
    if (pending_deferral(in->rows, in->nrows))
        return OB_REASON("deferred_renewal.taken");
    *from = l->end - 1;
    *through = l->end + OB_PLAN_DEFER_WINDOW;
    if (in->day < *from)
        return OB_REASON("deferred_renewal.too_early");
    if (in->day > *through)
        return OB_REASON("deferred_renewal.too_late");
    *from = *through = 0;
    return NULL;
}

int
ob_plan_its_period(const struct ob_plan_in *in, const char *valid_from, const char *valid_to,
                   const char *number, struct ob_subscription *out, struct ob_arena *a,
                   struct ob_err *err)
{
    int32_t from, to;
    int rc;

    if (ob_date_parse(valid_from, &from) != 0)
        from = in->day;
    if ((rc = plan_start(in, from > in->day ? from : in->day, out, a, err)) != 0)
        return rc;
    if (out->start < from)
        out->start = from;
    if (!valid_to || !*valid_to || ob_date_parse(valid_to, &to) != 0)
        if (ob_date_add_months(out->start, 12, &to) != 0)
            return ob_err_field(err, OB_EINVAL, "start", "subscription.year_past_last_date",
                                "start=%s", day_text(a, out->start));
    if (out->start >= to)
        return ob_err_field(err, OB_EINVAL, "start", "subscription.contract_ends",
                            "number=%s to=%s", number, day_text(a, to));
    out->end = to;
    return 0;
}

int
ob_plan_trial_once(const struct ob_plan_in *in, int64_t code, struct ob_err *err)
{
    for (int i = 0; i < in->nrows; i++)
        if (is_kind(&in->rows[i], "trial"))
            return ob_err_set(err, OB_ECONFLICT, "subscription.trial_used", "code=%lld id=%lld",
                              (long long)code, (long long)in->rows[i].id);
    return 0;
}

int
ob_plan_trial_period(const struct ob_plan_in *in, struct ob_subscription *out,
                     struct ob_arena *a, struct ob_err *err)
{
    int rc;

    if ((rc = plan_start(in, in->day, out, a, err)) != 0)
        return rc;
    out->end = out->start + (in->opt->days > 0 ? in->opt->days : OB_PLAN_TRIAL_DAYS);
    return 0;
}

const struct ob_subscription *
ob_plan_renewed(const struct ob_subscription *rows, int n, const struct ob_subscription *m)
{
    const struct ob_subscription *prev = NULL;

    if (!is_kind(m, "main"))
        return NULL;
    for (int i = 0; i < n; i++)
        if (is_kind(&rows[i], "main") && rows[i].base_tariff == m->base_tariff &&
            rows[i].end == m->start)
            prev = &rows[i];
    return prev;
}
