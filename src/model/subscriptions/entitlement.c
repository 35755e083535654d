/*
 * entitlement.c — R-SUB-7 over subscriptions in force.
 *
 * Two passes: first decide which subscriptions count on the day (mains and
 * their stand-ins; the trial only while no paid main is in force;
 * extensions only beside their main), then add up what they entitle.
 */
#include <string.h>

#include "base/mem.h"
#include "model/subscriptions/entitlement.h"
#include "base/banned.h"

#define MAX_APPS 64

static const char *const kinds[] = { "trial", "main", "extension", "short_extension",
                                     "deferred_renewal", "its_local" };

const char *
ob_sub_kind_name(enum ob_sub_kind k)
{
    return (unsigned)k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "";
}

int
ob_sub_kind_parse(const char *s, enum ob_sub_kind *out)
{
    for (size_t i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!strcmp(s, kinds[i])) {
            *out = (enum ob_sub_kind)i;
            return 0;
        }
    return -1;
}

static bool
in_force(const struct ob_ent_sub *s, int32_t day)
{
    return s->start <= day && day < s->end;
}

static bool
is_base(enum ob_sub_kind k)
{
    return k == OB_SUB_MAIN || k == OB_SUB_DEFERRED_RENEWAL || k == OB_SUB_ITS_LOCAL;
}

static bool
paid_main_in_force(const struct ob_ent_sub *subs, int n, int32_t day)
{
    for (int i = 0; i < n; i++)
        if (is_base(subs[i].kind) && !subs[i].free && in_force(&subs[i], day))
            return true;
    return false;
}

static bool
main_counts(const struct ob_ent_sub *subs, int n, int64_t main, int32_t day)
{
    for (int i = 0; i < n; i++)
        if (subs[i].id == main && in_force(&subs[i], day) &&
            (is_base(subs[i].kind) || subs[i].kind == OB_SUB_TRIAL))
            return true;
    return false;
}

static void
add_app(struct ob_entitlement *e, const char *app)
{
    for (int i = 0; i < e->napps; i++)
        if (!strcmp(e->apps[i], app))
            return;
    if (e->napps < MAX_APPS)
        e->apps[e->napps++] = app;
}

static struct ob_ent_area *
area_of(struct ob_entitlement *e, const char *app)
{
    for (int i = 0; i < e->nareas; i++)
        if (!strcmp(e->areas[i].app, app))
            return &e->areas[i];
    if (e->nareas == MAX_APPS)
        return NULL;
    e->areas[e->nareas] = (struct ob_ent_area){ app, false, 0, 0, 0 };
    return &e->areas[e->nareas++];
}

static int
sum(int a, int b)
{
    return a == OB_UNLIMITED || b == OB_UNLIMITED ? OB_UNLIMITED : a + b;
}

/* One area rule of one subscription, for one application. */
static void
add_rule(struct ob_entitlement *e, const struct ob_area_rule *r, const char *app, bool first)
{
    struct ob_ent_area *x = area_of(e, app);
    int areas = r->areas != OB_UNLIMITED ? r->areas
                : (r->working == OB_UNLIMITED || r->test == OB_UNLIMITED)
                    ? OB_UNLIMITED
                    : r->working + r->test;

    if (!x || x->unlimited)
        return;
    if (first) {
        x->areas = areas;
        x->working = r->working;
        x->test = r->test;
    } else {
        x->areas = sum(x->areas, areas);
        x->working = sum(x->working, r->working);
        x->test = sum(x->test, r->test);
    }
}

static bool
listed(const char *const *apps, int n, const char *app)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(apps[i], app))
            return true;
    return false;
}

const char *
ob_entitlement_choice(const struct ob_tariff_options *o, const struct ob_area_rule *r,
                      const char *const *working)
{
    const char *const *apps = r && r->apps ? r->apps : o->apps;
    int n = r && r->apps ? r->napps : o->napps;

    for (int i = 0; working && working[i]; i++)
        if (listed(apps, n, working[i]))
            return working[i];
    return NULL;
}

static void
add_areas(struct ob_entitlement *e, const struct ob_ent_sub *s, bool *seen)
{
    const struct ob_tariff_options *o = s->opt;

    if (o->areas_unlimited) {
        for (int i = 0; i < o->napps; i++) {
            struct ob_ent_area *x = area_of(e, o->apps[i]);

            if (x)
                *x = (struct ob_ent_area){ o->apps[i], true, OB_UNLIMITED, OB_UNLIMITED,
                                           OB_UNLIMITED };
        }
        return;
    }
    for (int r = 0; r < o->nareas; r++) {
        const struct ob_area_rule *rule = &o->areas[r];
        const char **apps = rule->apps ? rule->apps : o->apps;
        int napps = rule->apps ? rule->napps : o->napps;
        const char *choice = rule->one_app ? ob_entitlement_choice(o, rule, s->working) : NULL;

        for (int i = 0; i < napps; i++) {
            /* a one-application rule, once chosen, holds only the choice */
            if (choice && strcmp(apps[i], choice))
                continue;
            add_rule(e, rule, apps[i], !seen[0]);
        }
    }
    seen[0] = true;
}

static void
add_main(struct ob_entitlement *e, const struct ob_ent_sub *s, bool *seen_areas)
{
    const struct ob_tariff_options *o = s->opt;
    const char *choice = o->choose > 0 ? ob_entitlement_choice(o, NULL, s->working) : NULL;

    e->sessions += o->sessions;
    if (o->services && (!e->services || !strcmp(o->services, "prof")))
        e->services = o->services;
    if (o->choose > 0 && !choice) {
        e->choose += o->choose;
        for (int i = 0; i < o->napps; i++)
            add_app(e, o->apps[i]);
    } else if (o->choose > 0) {
        add_app(e, choice);
    } else {
        for (int i = 0; i < o->napps; i++)
            add_app(e, o->apps[i]);
    }
    add_areas(e, s, seen_areas);
}

/* Access comes from the mains, their stand-ins and the trial, not from
 * extensions: the last day of it in a row from day, following periods that
 * begin where the previous one ends; blocked, the last day it had. */
static void
access_through(const struct ob_ent_sub *subs, int n, int32_t day, struct ob_entitlement *out)
{
    int32_t d = day, last = 0;
    bool moved = true;

    while (moved) {
        moved = false;
        for (int i = 0; i < n; i++)
            if ((is_base(subs[i].kind) || subs[i].kind == OB_SUB_TRIAL) && in_force(&subs[i], d)) {
                d = subs[i].end;
                moved = true;
            }
    }
    if (d > day) {
        out->has_through = true;
        out->through = d - 1;
        return;
    }
    for (int i = 0; i < n; i++)
        if ((is_base(subs[i].kind) || subs[i].kind == OB_SUB_TRIAL) && subs[i].end <= day &&
            subs[i].end > subs[i].start && (!out->has_through || subs[i].end - 1 > last)) {
            out->has_through = true;
            last = subs[i].end - 1;
        }
    out->through = last;
}

void
ob_entitlement_compute(const struct ob_ent_sub *subs, int n, int32_t day, struct ob_arena *a,
                       struct ob_entitlement *out)
{
    bool paid = paid_main_in_force(subs, n, day), seen = false;

    memset(out, 0, sizeof(*out));
    out->apps = ob_arena_alloc(a, MAX_APPS * sizeof(*out->apps));
    out->areas = ob_arena_alloc(a, MAX_APPS * sizeof(*out->areas));
    for (int i = 0; i < n; i++) {
        const struct ob_ent_sub *s = &subs[i];
        bool counts;

        if (!in_force(s, day) || !s->opt)
            continue;
        if (s->kind == OB_SUB_TRIAL)
            counts = !paid;
        else if (is_base(s->kind))
            counts = true;
        else
            counts = main_counts(subs, n, s->main, day) && (paid || s->kind != OB_SUB_SHORT_EXTENSION);
        if (!counts)
            continue;
        if (out->nin_force < (int)(sizeof(out->in_force) / sizeof(out->in_force[0])))
            out->in_force[out->nin_force++] = s->id;
        if (s->kind == OB_SUB_EXTENSION || s->kind == OB_SUB_SHORT_EXTENSION) {
            out->sessions += s->opt->sessions_add * (s->quantity > 0 ? s->quantity : 1);
            out->areas_add += s->opt->areas_add * (s->quantity > 0 ? s->quantity : 1);
        } else {
            add_main(out, s, &seen);
        }
    }
    access_through(subs, n, day, out);
    if (out->sessions == 0 && out->napps == 0) {
        out->blocked = true;
        out->reason = n == 0 ? "the subscriber has no subscription"
                             : "no subscription is in force: access has ended";
    }
}
