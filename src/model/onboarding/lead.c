/*
 * lead.c — the provider's leads: the pool, the offers, the rules (R-ONB-7).
 *
 * A lead's row says where it is now (pool, offered to partner_id since
 * offered_at, accepted by partner_id); lead_offers keeps every offer and how
 * it ended, which is what keeps a partner that declined (or let an offer
 * lapse) from being offered that lead again by the rules, and what the
 * funnel counts. Every move is one conditional UPDATE on the state it read
 * (pool → offered; offered by this partner, not lapsed → accepted; offered
 * → pool), so two answers at once, or an answer racing the lapse, leave one
 * outcome. An offer lapses at offered_at + --lead-accept-days by the
 * business clock: the answer is refused from that instant on, and the
 * `leads` job puts the lead back in the pool and tells the partner.
 *
 * Routing a pool lead tries the rules in their order. A rule whose region
 * is the lead's (or empty) orders its partners (the `csk` holders of the
 * day first when it says so), keeps the active ones, in its promotion when
 * it names one, not refused before; of them it takes the next after the
 * partner it gave its last lead to (round-robin; with csk first, inside the
 * csk holders while one of them is left). The cursor moves in the offer's
 * transaction under the rule's row lock, so two routings at once do not
 * take the same turn. A lead no rule can place stays in the pool.
 *
 * Accepting makes the partner serve the client (subscribers.partner_id, on
 * the condition that nobody serves it yet). The client's history goes with
 * it: what the provider posted while it was in the pool stays the
 * provider's ("direct", on no partner's statement), and the R-BIL-2 chain
 * counts it as it counts every paid main of the client (docs/decisions.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/identity/access.h"
#include "model/identity/mailpref.h"
#include "model/identity/role.h"
#include "model/onboarding/lead.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define LEAD_ROUTE_BATCH 200

/* ---- regions ------------------------------------------------------------------------ */

/* The next character of s, folded: ASCII and Cyrillic letters lower-cased,
 * Ё/ё as е; anything else as its bytes. *n gets the bytes consumed. */
static unsigned
fold(const unsigned char *s, int *n)
{
    unsigned c = s[0];

    *n = 1;
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if ((c == 0xd0 || c == 0xd1) && s[1] >= 0x80 && s[1] <= 0xbf) {
        unsigned cp = ((c & 0x1f) << 6) | (s[1] & 0x3f);

        *n = 2;
        if (cp >= 0x410 && cp <= 0x42f)     /* А-Я */
            cp += 0x20;
        else if (cp >= 0x400 && cp <= 0x40f)    /* Ѐ-Џ */
            cp += 0x50;
        if (cp == 0x451)                        /* ё */
            cp = 0x435;
        return cp;
    }
    return c;
}

static const char *
trim(const char *s, size_t *len)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

bool
ob_lead_region_same(const char *a, const char *b)
{
    size_t na, nb, i = 0, j = 0;
    const unsigned char *x, *y;

    if (!a || !b)
        return false;
    x = (const unsigned char *)trim(a, &na);
    y = (const unsigned char *)trim(b, &nb);
    while (i < na && j < nb) {
        int ki, kj;

        if (fold(x + i, &ki) != fold(y + j, &kj))
            return false;
        i += (size_t)ki;
        j += (size_t)kj;
    }
    return i >= na && j >= nb;
}

/* ---- reading ------------------------------------------------------------------------ */

#define LEAD_SELECT                                                                            \
    "SELECT l.id, l.subscriber_id, s.code, a.name, "                                         \
    "CASE WHEN l.region <> '' THEN l.region ELSE COALESCE(si.region, '') END, l.state, "     \
    "COALESCE(l.partner_id, 0), COALESCE(pa.name, ''), COALESCE(l.offered_at, 0), "          \
    "COALESCE(l.accepted_at, 0), l.created_at, COALESCE(l.rule_id, 0), "                    \
    "COALESCE(su.email, ''), COALESCE(su.phone, ''), "                                       \
    "COALESCE((SELECT MAX(t.\"end\") FROM subscriptions t WHERE t.subscriber_id = "          \
    "l.subscriber_id AND t.kind = 'trial' AND t.state = 'posted'), '') "                     \
    "FROM leads l JOIN subscribers s ON s.account_id = l.subscriber_id "                      \
    "JOIN accounts a ON a.id = l.subscriber_id "                                              \
    "LEFT JOIN subscriber_info si ON si.account_id = l.subscriber_id "                        \
    "LEFT JOIN signups su ON su.subscriber_id = l.subscriber_id "                             \
    "LEFT JOIN accounts pa ON pa.id = l.partner_id "

static int64_t
accept_seconds(struct ob_ctx *ctx)
{
    int days = ctx->cfg && ctx->cfg->lead_accept_days ? ctx->cfg->lead_accept_days : 3;

    return (int64_t)days * 86400;
}

static void
read_lead(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_lead *l = out;
    const char *end;
    int32_t day;

    l->id = ob_stmt_int(st, 0);
    l->subscriber = ob_stmt_int(st, 1);
    l->subscriber_code = ob_stmt_int(st, 2);
    l->name = ob_stmt_dup(ctx, st, 3);
    l->region = ob_stmt_dup(ctx, st, 4);
    l->state = ob_stmt_dup(ctx, st, 5);
    l->partner = ob_stmt_int(st, 6);
    l->partner_name = ob_stmt_dup(ctx, st, 7);
    l->offered_at = ob_stmt_int(st, 8);
    l->accepted_at = ob_stmt_int(st, 9);
    l->created_at = ob_stmt_int(st, 10);
    l->rule = ob_stmt_int(st, 11);
    l->email = ob_stmt_dup(ctx, st, 12);
    l->phone = ob_stmt_dup(ctx, st, 13);
    end = ob_stmt_dup(ctx, st, 14);
    l->trial_through = "";
    if (*end && ob_date_parse(end, &day) == 0) {
        char d[OB_DATE_LEN];

        ob_date_format(day - 1, d);     /* R-SUB-0: through L = end - 1 */
        l->trial_through = ob_arena_strdup(&ctx->arena, d);
    }
    l->due_at = strcmp(l->state, "offered") ? 0 : l->offered_at + accept_seconds(ctx);
}

static int
not_found(struct ob_ctx *ctx, int64_t id)
{
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "lead.not_found", "id=%lld", (long long)id);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_lead *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_lead, out, LEAD_SELECT "WHERE l.id = ?", "i", id);
    return rc == OB_ENOTFOUND ? not_found(ctx, id) : rc;
}

struct list_args {
    int (*fn)(const struct ob_lead *, void *);
    void *arg;
    const char *region;
    bool provider;
    int limit, n;
};

static int
list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct list_args *a = arg;
    struct ob_lead l;

    read_lead(ctx, st, &l);
    if (*a->region && !ob_lead_region_same(a->region, l.region))
        return 0;
    if (a->n++ >= a->limit)
        return 1;   /* the region is compared here, so the page is counted here */
    if (!a->provider && strcmp(l.state, "accepted")) {
        l.email = "";
        l.phone = "";
    }
    return a->fn(&l, a->arg);
}

/* "YYYY-MM" → the instants [*from, *to) of that month in the service zone. */
static int
month_span(const char *s, int64_t *from, int64_t *to, int *y, int *m)
{
    int32_t d;
    char buf[16];

    if (!s || strlen(s) != 7)
        return -1;
    snprintf(buf, sizeof(buf), "%s-01", s);
    if (ob_date_parse(buf, &d) != 0)
        return -1;
    ob_date_to_ymd(d, y, m, &(int){ 0 });
    *from = ob_date_start(d);
    *to = ob_date_start(ob_date_from_ymd(*m == 12 ? *y + 1 : *y, *m == 12 ? 1 : *m + 1, 1));
    return 0;
}

int
ob_lead_list(struct ob_ctx *ctx, const struct ob_lead_filter *f, int64_t after, int limit,
             int (*fn)(const struct ob_lead *, void *), void *arg)
{
    static const char *const states[] = { "pool", "offered", "accepted", NULL };
    struct list_args a = { fn, arg, f->region ? f->region : "", false, limit, 0 };
    const char *state = f->state ? f->state : "", *scope;
    int64_t from = 0, to = 0;
    int y, m, rc;
    bool known = !*state;

    for (int i = 0; states[i]; i++)
        known = known || !strcmp(state, states[i]);
    if (!known)
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "lead.state_unknown");
    if (f->month && *f->month && month_span(f->month, &from, &to, &y, &m) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "lead.month_format");
    if ((rc = ob_access_scope(ctx, "l.partner_id", NULL, &scope)) != 0)
        return rc;
    a.provider = ob_access_provider_roles(ctx) != 0;
    /* a partner sees what is offered to it or what it accepted: the pool
     * has no partner, so the scope leaves it out */
    return ob_db_each(ctx, list_row, &a,
                      ob_arena_printf(&ctx->arena,
                                      LEAD_SELECT "WHERE %s AND (? = 0 OR l.id < ?) "
                                                  "AND (? = '' OR l.state = ?) "
                                                  "AND (? = 0 OR (l.created_at >= ? AND "
                                                  "l.created_at < ?)) ORDER BY l.id DESC LIMIT ?",
                                      scope),
                      "iittiiii", after, after, state, state, from, from, to,
                      (int64_t)(*a.region ? 1000000000 : limit));
}

/* ---- the mail and the record of each move ------------------------------------------- */

static json_t *
params(const struct ob_lead *l, const char *partner)
{
    return json_pack("{s:s, s:s, s:s}", "subscriber", l->name, "region",
                     *l->region ? l->region : "—", "partner", partner ? partner : l->partner_name);
}

static json_t *
mail_vars(struct ob_ctx *ctx, const struct ob_lead *l, int64_t due)
{
    json_t *v = json_pack("{s:s, s:s, s:s, s:s}", "client", l->name, "region",
                          *l->region ? l->region : "—", "partner", l->partner_name, "link",
                          ob_arena_printf(&ctx->arena, "%s/leads",
                                          ctx->cfg ? ctx->cfg->public_url : ""));
    int32_t day;

    if (*l->trial_through && ob_date_parse(l->trial_through, &day) == 0)
        ob_mail_day(v, "trial_through", day);
    else
        ob_mail_day(v, "trial_through", ob_clock_today(ctx));
    ob_mail_day(v, "due", ob_date_of_instant(due));
    {   /* the offer lapses at an instant: its day and its time of day (service zone) */
        int64_t into = due - ob_date_start(ob_date_of_instant(due));
        const char *keys[] = { "due_ru", "due_en" };

        for (int i = 0; i < 2; i++)
            json_object_set_new(v, keys[i], json_string(ob_arena_printf(
                                                &ctx->arena, "%s %02d:%02d",
                                                json_string_value(json_object_get(v, keys[i])),
                                                (int)(into / 3600), (int)(into % 3600 / 60))));
    }
    return v;
}

static json_t *
event_data(const struct ob_lead *l, int64_t partner, const char *how)
{
    return json_pack("{s:I, s:I, s:I, s:s, s:s, s:I, s:s}", "lead", (json_int_t)l->id,
                     "subscriber", (json_int_t)l->subscriber, "subscriber_code",
                     (json_int_t)l->subscriber_code, "subscriber_name", l->name, "region",
                     l->region, "partner", (json_int_t)partner, "how", how);
}

static int
emit(struct ob_ctx *ctx, const char *kind, const struct ob_lead *l, int64_t partner,
     const char *how)
{
    json_t *data = event_data(l, partner, how);
    int rc = ob_event_emit(ctx, kind, partner, l->subscriber, data, NULL);

    json_decref(data);
    return rc;
}

/* ---- offering ----------------------------------------------------------------------- */

static int
conflict(struct ob_ctx *ctx, const char *reason, int64_t id)
{
    return ob_err_set(&ctx->err, OB_ECONFLICT, reason, "id=%lld", (long long)id);
}

/* Offer lead `l` (in the pool) to `partner`: by the actor's hand (rule 0)
 * or by `rule`. */
static int
offer(struct ob_ctx *ctx, struct ob_lead *l, int64_t partner, int64_t rule)
{
    int64_t now = ob_clock_now(ctx), n;
    json_t *vars;
    int rc;

    n = ob_db_run(ctx->db,
                  "UPDATE leads SET state = 'offered', partner_id = ?, offered_at = ?, "
                  "rule_id = ?, offered_by = ? WHERE id = ? AND state = 'pool'",
                  "iizzi", partner, now, rule, ctx->actor.person, l->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return conflict(ctx, OB_REASON("lead.not_in_pool"), l->id);
    n = ob_db_run(ctx->db,
                  "INSERT INTO lead_offers (lead_id, partner_id, rule_id, offered_by, offered_at) "
                  "VALUES (?, ?, ?, ?, ?)",
                  "iizzi", l->id, partner, rule, ctx->actor.person, now);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = load(ctx, l->id, l)) != 0)
        return rc;
    if ((rc = ob_audit_with(ctx, partner, "lead.assigned", "lead", l->id, params(l, NULL),
                            "lead %lld '%s' (%s) offered to '%s'%s", (long long)l->id, l->name,
                            l->region, l->partner_name, rule ? " by a rule" : "")) != 0 ||
        (rc = emit(ctx, "lead.assigned", l, partner, rule ? "rule" : "hand")) != 0)
        return rc;
    vars = mail_vars(ctx, l, l->due_at);
    rc = ob_mail_members(ctx, partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, NULL, "lead_offered",
                         vars, NULL);
    json_decref(vars);
    return rc;
}

struct assign_args {
    int64_t id, partner;
    struct ob_lead *out;
};

static int
assign_tx(struct ob_ctx *ctx, void *arg)
{
    struct assign_args *a = arg;
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n,
                           "SELECT COUNT(*) FROM partners WHERE account_id = ? AND "
                           "state = 'active'",
                           "i", a->partner);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "lead.partner_inactive");
    if ((rc = ob_db_lock_row(ctx->db, "leads", "id", a->id, false)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = load(ctx, a->id, a->out)) != 0)
        return rc;
    if (strcmp(a->out->state, "pool"))
        return conflict(ctx, OB_REASON("lead.not_in_pool"), a->id);
    return offer(ctx, a->out, a->partner, 0);
}

int
ob_lead_assign(struct ob_ctx *ctx, int64_t id, int64_t partner, struct ob_lead *out)
{
    struct assign_args a = { id, partner, out };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    if (rc != 0)
        return rc;
    if (partner <= 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "lead.partner_inactive");
    return ob_db_tx(ctx, OB_DB_WRITE, assign_tx, &a);
}

/* ---- answering ---------------------------------------------------------------------- */

struct answer_args {
    int64_t id;
    bool accept;
    struct ob_lead *out;
};

/* The answerer is an owner or operator of the partner the lead is offered
 * to; anyone else does not see it. */
static int
answerer(struct ob_ctx *ctx, struct ob_lead *l)
{
    int rc;

    if (!l->partner)
        return not_found(ctx, l->id);
    rc = ob_access_partner(ctx, l->partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0);
    if (rc == OB_ENOTFOUND)
        return not_found(ctx, l->id);
    if (rc == OB_EPERM && ob_access_roles(ctx, l->partner) == 0)
        return not_found(ctx, l->id);   /* provider staff: not theirs to answer */
    return rc;
}

static int
close_offer(struct ob_ctx *ctx, int64_t lead, const char *outcome)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE lead_offers SET outcome = ?, answered_at = ?, answered_by = ? "
                          "WHERE lead_id = ? AND outcome IS NULL",
                          "tizi", outcome, ob_clock_now(ctx), ctx->actor.person, lead);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static const char *
provider_name(struct ob_ctx *ctx)
{
    char name[256] = "";

    (void)ob_db_get_text(ctx->db, name, sizeof(name),
                         "SELECT name FROM accounts WHERE kind = 'provider' ORDER BY id LIMIT 1",
                         NULL);
    return ob_arena_strdup(&ctx->arena, name);
}

static void
read_contacts(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    json_t *vars = out;

    json_object_set_new(vars, "partner_phone", json_string(ob_stmt_dup(ctx, st, 0)));
    json_object_set_new(vars, "partner_email", json_string(ob_stmt_dup(ctx, st, 1)));
}

/* The client's owners learn who serves them now and how to reach it. */
static int
tell_client(struct ob_ctx *ctx, const struct ob_lead *l)
{
    json_t *vars = mail_vars(ctx, l, 0);
    int rc;

    /* the client's mail names no region and no deadline: they are the partner's business */
    json_object_del(vars, "region");
    json_object_del(vars, "due_ru");
    json_object_del(vars, "due_en");
    rc = ob_db_one(ctx, read_contacts, vars,
                       "SELECT phone, email FROM partners WHERE account_id = ?", "i", l->partner);

    json_object_set_new(vars, "link",
                        json_string(ob_arena_printf(&ctx->arena, "%s/subscription",
                                                    ctx->cfg ? ctx->cfg->public_url : "")));
    if (rc == 0)
        rc = ob_mail_members(ctx, l->subscriber, OB_ROLE_OWNER, NULL, "lead_accepted", vars,
                             NULL);
    json_decref(vars);
    return rc;
}

/* The accepted lead's client is the partner's from now on. */
static int
serve(struct ob_ctx *ctx, const struct ob_lead *l)
{
    const char *was = provider_name(ctx);
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE subscribers SET partner_id = ? WHERE account_id = ? "
                          "AND partner_id IS NULL",
                          "ii", l->partner, l->subscriber);
    int rc;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)     /* someone serves it already (a transfer, by hand) */
        return conflict(ctx, OB_REASON("lead.client_served"), l->id);
    if ((rc = ob_audit_with(ctx, l->subscriber, "subscriber.partner_changed", "subscriber",
                            l->subscriber,
                            json_pack("{s:s, s:s}", "from_partner", was, "to_partner",
                                      l->partner_name),
                            "serving partner changed from '%s' to '%s' (lead %lld accepted)",
                            was, l->partner_name, (long long)l->id)) != 0)
        return rc;
    return tell_client(ctx, l);
}

static int
answer_tx(struct ob_ctx *ctx, void *arg)
{
    struct answer_args *a = arg;
    struct ob_lead *l = a->out;
    int64_t now = ob_clock_now(ctx), n, partner;
    int rc;

    if ((rc = load(ctx, a->id, l)) != 0 || (rc = answerer(ctx, l)) != 0)
        return rc;
    if (strcmp(l->state, "offered"))
        return conflict(ctx, OB_REASON("lead.not_offered"), a->id);
    partner = l->partner;
    if (a->accept) {
        if (now >= l->due_at)
            return conflict(ctx, OB_REASON("lead.offer_lapsed"), a->id);
        n = ob_db_run(ctx->db,
                      "UPDATE leads SET state = 'accepted', accepted_at = ? WHERE id = ? "
                      "AND state = 'offered' AND partner_id = ? AND offered_at > ?",
                      "iiii", now, a->id, partner, now - accept_seconds(ctx));
    } else {
        n = ob_db_run(ctx->db,
                      "UPDATE leads SET state = 'pool', partner_id = NULL, offered_at = NULL, "
                      "rule_id = NULL, offered_by = NULL WHERE id = ? AND state = 'offered' "
                      "AND partner_id = ?",
                      "ii", a->id, partner);
    }
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return conflict(ctx, OB_REASON("lead.not_offered"), a->id);
    if ((rc = close_offer(ctx, a->id, a->accept ? "accepted" : "declined")) != 0)
        return rc;
    if (a->accept && (rc = serve(ctx, l)) != 0)
        return rc;
    if ((rc = ob_audit_with(ctx, partner, a->accept ? "lead.accepted" : "lead.declined", "lead",
                            l->id, params(l, NULL), "lead %lld '%s' %s by '%s'",
                            (long long)l->id, l->name, a->accept ? "accepted" : "declined",
                            l->partner_name)) != 0 ||
        (rc = emit(ctx, a->accept ? "lead.accepted" : "lead.declined", l, partner, "answer")))
        return rc;
    return load(ctx, a->id, l);
}

static int
answer(struct ob_ctx *ctx, int64_t id, bool accept, struct ob_lead *out)
{
    struct answer_args a = { id, accept, out };
    int rc = ob_access_person(ctx);

    if (rc == 0)
        rc = ob_db_tx(ctx, OB_DB_WRITE, answer_tx, &a);
    if (rc == 0 && !accept) {
        /* back in the pool: the partner sees it no more, the answer says so */
        out->partner = 0;
        out->partner_name = "";
        out->state = "pool";
        out->due_at = 0;
        out->offered_at = 0;
    }
    return rc;
}

int
ob_lead_accept(struct ob_ctx *ctx, int64_t id, struct ob_lead *out)
{
    return answer(ctx, id, true, out);
}

int
ob_lead_decline(struct ob_ctx *ctx, int64_t id, struct ob_lead *out)
{
    return answer(ctx, id, false, out);
}

/* ---- the lapse ---------------------------------------------------------------------- */

struct ids {
    int64_t v[LEAD_ROUTE_BATCH];
    int n;
};

static int
id_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ids *ids = arg;

    (void)ctx;
    if (ids->n >= LEAD_ROUTE_BATCH)
        return 1;
    ids->v[ids->n++] = ob_stmt_int(st, 0);
    return 0;
}

struct lapse_args {
    int64_t id;
    bool done;
};

static int
lapse_tx(struct ob_ctx *ctx, void *arg)
{
    struct lapse_args *a = arg;
    struct ob_lead l;
    int64_t cutoff = ob_clock_now(ctx) - accept_seconds(ctx), n, partner;
    json_t *vars;
    int rc;

    a->done = false;
    if ((rc = load(ctx, a->id, &l)) != 0)
        return rc;
    partner = l.partner;
    n = ob_db_run(ctx->db,
                  "UPDATE leads SET state = 'pool', partner_id = NULL, offered_at = NULL, "
                  "rule_id = NULL, offered_by = NULL WHERE id = ? AND state = 'offered' "
                  "AND partner_id = ? AND offered_at <= ?",
                  "iii", a->id, partner, cutoff);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return 0;   /* answered meanwhile */
    a->done = true;
    if ((rc = close_offer(ctx, a->id, "expired")) != 0 ||
        (rc = ob_audit_with(ctx, partner, "lead.expired", "lead", l.id, params(&l, NULL),
                            "the offer of lead %lld '%s' to '%s' lapsed unanswered",
                            (long long)l.id, l.name, l.partner_name)) != 0 ||
        (rc = emit(ctx, "lead.expired", &l, partner, "lapse")) != 0)
        return rc;
    vars = mail_vars(ctx, &l, l.due_at);
    json_object_del(vars, "trial_through_ru");  /* the lapse is about the deadline only */
    json_object_del(vars, "trial_through_en");
    rc = ob_mail_members(ctx, partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, NULL, "lead_lapsed",
                         vars, NULL);
    json_decref(vars);
    return rc;
}

int
ob_lead_expire(struct ob_ctx *ctx, int *lapsed)
{
    struct ids ids = { .n = 0 };
    int rc;

    *lapsed = 0;
    rc = ob_db_each(ctx, id_row, &ids,
                    "SELECT id FROM leads WHERE state = 'offered' AND offered_at <= ? "
                    "ORDER BY id LIMIT ?",
                    "ii", ob_clock_now(ctx) - accept_seconds(ctx), (int64_t)LEAD_ROUTE_BATCH);
    for (int i = 0; rc == 0 && i < ids.n; i++) {
        struct lapse_args a = { ids.v[i], false };

        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, lapse_tx, &a)) == 0 && a.done)
            (*lapsed)++;
    }
    return rc;
}

/* ---- routing by the rules ----------------------------------------------------------- */

struct cand {
    int64_t partner;
    bool csk, ok;
};

struct cands {
    struct cand v[OB_LEAD_RULE_PARTNERS];
    int n;
};

static int
cand_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct cands *c = arg;

    (void)ctx;
    if (c->n >= OB_LEAD_RULE_PARTNERS)
        return 1;
    c->v[c->n++] = (struct cand){ ob_stmt_int(st, 0), ob_stmt_int(st, 1) != 0,
                                  ob_stmt_int(st, 2) != 0 };
    return 0;
}

/* The rule's partners in its order, each with whether it holds csk today
 * and whether it may get this lead (active, in the promotion, never
 * refused it). */
static int
candidates(struct ob_ctx *ctx, const struct ob_lead_rule *r, int64_t lead, struct cands *c)
{
    char today[OB_DATE_LEN];

    ob_date_format(ob_clock_today(ctx), today);
    c->n = 0;
    return ob_db_each(
        ctx, cand_row, c,
        "SELECT rp.partner_id, "
        "CASE WHEN EXISTS (SELECT 1 FROM partner_statuses ps WHERE ps.partner_id = "
        "rp.partner_id AND ps.status = 'csk' AND ps.valid_from <= ? AND (ps.valid_to IS NULL "
        "OR ps.valid_to > ?) AND ps.withdrawn_at IS NULL) THEN 1 ELSE 0 END, "
        "CASE WHEN p.state = 'active' AND NOT EXISTS (SELECT 1 FROM lead_offers o WHERE "
        "o.lead_id = ? AND o.partner_id = rp.partner_id AND o.outcome IN ('declined', "
        "'expired')) AND (? = 0 OR EXISTS (SELECT 1 FROM promotion_partners pp JOIN promotions "
        "pr ON pr.id = pp.promotion_id WHERE pp.promotion_id = ? AND pp.partner_id = "
        "rp.partner_id AND pr.valid_from <= ? AND (pr.valid_to IS NULL OR pr.valid_to > ?))) "
        "THEN 1 ELSE 0 END "
        "FROM lead_rule_partners rp JOIN partners p ON p.account_id = rp.partner_id "
        "WHERE rp.rule_id = ? ORDER BY rp.position",
        "ttiiitti", today, today, lead, r->promotion, r->promotion, today, today, r->id);
}

/* The partner the rule gives its next lead to, or 0. */
static int64_t
next_turn(const struct ob_lead_rule *r, const struct cands *c)
{
    struct cand order[OB_LEAD_RULE_PARTNERS];
    int n = 0, last = -1;

    for (int pass = 0; pass < 2; pass++)    /* csk holders first when the rule says so */
        for (int i = 0; i < c->n; i++)
            if (!r->csk_first ? pass == 0 : (pass == 0) == c->v[i].csk)
                order[n++] = c->v[i];
    for (int i = 0; i < n; i++)
        if (order[i].partner == r->last_partner)
            last = i;
    for (int tier = 0; tier < (r->csk_first ? 2 : 1); tier++) {
        int first = -1, after = -1;

        for (int i = 0; i < n; i++) {
            if (!order[i].ok || (r->csk_first && order[i].csk != (tier == 0)))
                continue;
            if (first < 0)
                first = i;
            if (after < 0 && i > last)
                after = i;
        }
        if (first >= 0)
            return order[after >= 0 ? after : first].partner;
    }
    return 0;
}

static int rule_load(struct ob_ctx *ctx, int64_t id, struct ob_lead_rule *out);

struct rule_ids {
    int64_t v[256];
    int n;
};

static int
rule_id_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct rule_ids *r = arg;

    (void)ctx;
    if (r->n >= 256)
        return 1;
    r->v[r->n++] = ob_stmt_int(st, 0);
    return 0;
}

struct route_args {
    int64_t id;
    bool offered;
};

static int
route_tx(struct ob_ctx *ctx, void *arg)
{
    struct route_args *a = arg;
    struct rule_ids rules = { .n = 0 };
    struct ob_lead l;
    int rc;

    a->offered = false;
    if ((rc = ob_db_lock_row(ctx->db, "leads", "id", a->id, false)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = load(ctx, a->id, &l)) != 0)
        return rc;
    if (strcmp(l.state, "pool"))
        return 0;
    if ((rc = ob_db_each(ctx, rule_id_row, &rules,
                         "SELECT id FROM lead_rules ORDER BY position, id", NULL)) != 0)
        return rc;
    for (int i = 0; i < rules.n; i++) {
        struct ob_lead_rule r;
        struct cands c;
        int64_t partner, n;

        if ((rc = ob_db_lock_row(ctx->db, "lead_rules", "id", rules.v[i], false)) < 0)
            return ob_db_err(ctx, rc);
        if ((rc = rule_load(ctx, rules.v[i], &r)) != 0)
            return rc;
        if (*r.region && !ob_lead_region_same(r.region, l.region))
            continue;
        if ((rc = candidates(ctx, &r, l.id, &c)) != 0)
            return rc;
        if (!(partner = next_turn(&r, &c)))
            continue;
        n = ob_db_run(ctx->db,
                      "UPDATE lead_rules SET last_partner_id = ?, turns = turns + 1 "
                      "WHERE id = ? AND turns = ?",
                      "iii", partner, r.id, r.turns);
        if (n < 0)
            return ob_db_err(ctx, (int)n);
        if (n == 0)
            return ob_err_set(&ctx->err, OB_EBUSY, "lead.rule_busy", "id=%lld",
                              (long long)r.id);
        a->offered = true;
        return offer(ctx, &l, partner, r.id);
    }
    return 0;
}

int
ob_lead_route(struct ob_ctx *ctx, int *offered)
{
    int64_t after = 0;
    struct ids ids;
    int rc = 0;

    /* in batches by id, so that leads no rule can place do not hide the ones after them */
    *offered = 0;
    do {
        ids.n = 0;
        rc = ob_db_each(ctx, id_row, &ids,
                        "SELECT id FROM leads WHERE state = 'pool' AND id > ? ORDER BY id LIMIT ?",
                        "ii", after, (int64_t)LEAD_ROUTE_BATCH);
        for (int i = 0; rc == 0 && i < ids.n; i++) {
            struct route_args a = { ids.v[i], false };

            if ((rc = ob_db_tx(ctx, OB_DB_WRITE, route_tx, &a)) == 0 && a.offered)
                (*offered)++;
            after = ids.v[i];
        }
    } while (rc == 0 && ids.n == LEAD_ROUTE_BATCH);
    return rc;
}

/* ---- the rules ---------------------------------------------------------------------- */

static void
read_rule(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_lead_rule *r = out;

    r->id = ob_stmt_int(st, 0);
    r->position = ob_stmt_int(st, 1);
    r->region = ob_stmt_dup(ctx, st, 2);
    r->csk_first = ob_stmt_int(st, 3) != 0;
    r->promotion = ob_stmt_int(st, 4);
    r->promotion_code = ob_stmt_dup(ctx, st, 5);
    r->last_partner = ob_stmt_int(st, 6);
    r->turns = ob_stmt_int(st, 7);
    r->updated_at = ob_stmt_int(st, 8);
}

static int
rule_partner_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_lead_rule *r = arg;

    if (r->npartners >= OB_LEAD_RULE_PARTNERS)
        return 1;
    r->partners[r->npartners] = ob_stmt_int(st, 0);
    r->partner_names[r->npartners++] = ob_arena_strdup(&ctx->arena, ob_stmt_dup(ctx, st, 1));
    return 0;
}

static int
rule_load(struct ob_ctx *ctx, int64_t id, struct ob_lead_rule *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_rule, out,
                   "SELECT r.id, r.position, r.region, r.csk_first, COALESCE(r.promotion_id, 0), "
                   "COALESCE(p.code, ''), COALESCE(r.last_partner_id, 0), r.turns, r.updated_at "
                   "FROM lead_rules r LEFT JOIN promotions p ON p.id = r.promotion_id "
                   "WHERE r.id = ?",
                   "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "lead.rule_not_found", "id=%lld",
                          (long long)id);
    if (rc != 0)
        return rc;
    return ob_db_each(ctx, rule_partner_row, out,
                      "SELECT rp.partner_id, a.name FROM lead_rule_partners rp JOIN accounts a "
                      "ON a.id = rp.partner_id WHERE rp.rule_id = ? ORDER BY rp.position",
                      "i", id);
}

struct rule_list_args {
    int (*fn)(const struct ob_lead_rule *, void *);
    void *arg;
};

static int
rule_list_tx(struct ob_ctx *ctx, void *arg)
{
    struct rule_list_args *a = arg;
    struct rule_ids ids = { .n = 0 };
    int rc = ob_db_each(ctx, rule_id_row, &ids, "SELECT id FROM lead_rules ORDER BY position, id",
                        NULL);

    for (int i = 0; rc == 0 && i < ids.n; i++) {
        struct ob_lead_rule r;

        if ((rc = rule_load(ctx, ids.v[i], &r)) == 0)
            rc = a->fn(&r, a->arg);
    }
    return rc;
}

int
ob_lead_rule_list(struct ob_ctx *ctx, int (*fn)(const struct ob_lead_rule *, void *), void *arg)
{
    struct rule_list_args a = { fn, arg };
    int rc = ob_access_provider(ctx, OB_ROLES_ANY);

    return rc ? rc : ob_db_tx(ctx, OB_DB_READ, rule_list_tx, &a);
}

/* Check the rule as it will be and resolve its promotion's code. */
static int
rule_check(struct ob_ctx *ctx, struct ob_lead_rule *r, const char *promotion)
{
    int64_t n = 0;
    int rc;

    if ((rc = ob_check_text(ctx, r->region, 200, false, "region")) != 0)
        return rc;
    if (r->npartners < 1 || r->npartners > OB_LEAD_RULE_PARTNERS)
        return ob_err_field(&ctx->err, OB_EINVAL, "partners", "lead.rule_partners_count",
                            "max=%d", OB_LEAD_RULE_PARTNERS);
    for (int i = 0; i < r->npartners; i++) {
        for (int j = 0; j < i; j++)
            if (r->partners[j] == r->partners[i])
                return ob_err_field(&ctx->err, OB_EINVAL, "partners", "lead.rule_partner_twice");
        n = 0;
        if ((rc = ob_db_get_int(ctx->db, &n, "SELECT COUNT(*) FROM partners WHERE account_id = ?",
                                "i", r->partners[i])) < 0)
            return ob_db_err(ctx, rc);
        if (n == 0)
            return ob_err_field(&ctx->err, OB_EINVAL, "partners", "lead.rule_partner_unknown");
    }
    r->promotion = 0;
    if (promotion && *promotion) {
        rc = ob_db_get_int(ctx->db, &r->promotion, "SELECT id FROM promotions WHERE code = ?",
                           "t", promotion);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        if (rc != OB_DB_ROW)
            return ob_err_field(&ctx->err, OB_EINVAL, "promotion", "lead.rule_promotion_unknown",
                                "code=%s", promotion);
    }
    return 0;
}

static int
rule_write_partners(struct ob_ctx *ctx, const struct ob_lead_rule *r)
{
    int64_t n = ob_db_run(ctx->db, "DELETE FROM lead_rule_partners WHERE rule_id = ?", "i",
                          r->id);

    for (int i = 0; n >= 0 && i < r->npartners; i++)
        n = ob_db_run(ctx->db,
                      "INSERT INTO lead_rule_partners (rule_id, position, partner_id) "
                      "VALUES (?, ?, ?)",
                      "iii", r->id, (int64_t)i + 1, r->partners[i]);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static json_t *
rule_params(struct ob_ctx *ctx, const struct ob_lead_rule *r)
{
    char names[2048] = "";
    size_t len = 0;

    for (int i = 0; i < r->npartners && len < sizeof(names) - 1; i++)
        len += (size_t)snprintf(names + len, sizeof(names) - len, "%s«%s»", i ? ", " : "",
                                r->partner_names[i] ? r->partner_names[i] : "");
    (void)ctx;
    return json_pack("{s:s, s:s, s:I}", "region", *r->region ? r->region : "—", "partners",
                     names, "position", (json_int_t)r->position);
}

struct rule_args {
    int64_t id;
    const struct ob_lead_rule_in *in;
    struct ob_lead_rule *out;
};

static void
rule_apply(struct ob_lead_rule *r, const struct ob_lead_rule_in *in)
{
    if (in->has_position)
        r->position = in->position;
    if (in->has_region)
        r->region = in->region ? in->region : "";
    if (in->has_csk_first)
        r->csk_first = in->csk_first;
    if (in->has_partners) {
        r->npartners = in->npartners;
        memcpy(r->partners, in->partners, sizeof(r->partners));
    }
}

static int
rule_save_tx(struct ob_ctx *ctx, void *arg)
{
    struct rule_args *a = arg;
    struct ob_lead_rule *r = a->out;
    const char *promotion;
    int64_t now = ob_clock_now(ctx), n;
    int rc;

    if (a->id) {
        if ((rc = ob_db_lock_row(ctx->db, "lead_rules", "id", a->id, false)) < 0)
            return ob_db_err(ctx, rc);
        if ((rc = rule_load(ctx, a->id, r)) != 0)
            return rc;
    } else {
        memset(r, 0, sizeof(*r));
        r->region = "";
        if ((rc = ob_db_get_int(ctx->db, &r->position,
                                "SELECT COALESCE(MAX(position), 0) + 1 FROM lead_rules", NULL)) < 0)
            return ob_db_err(ctx, rc);
    }
    promotion = a->in->has_promotion ? a->in->promotion : r->promotion_code;
    rule_apply(r, a->in);
    if ((rc = rule_check(ctx, r, promotion)) != 0)
        return rc;
    if (a->id)
        n = ob_db_run(ctx->db,
                      "UPDATE lead_rules SET position = ?, region = ?, csk_first = ?, "
                      "promotion_id = ?, updated_at = ? WHERE id = ?",
                      "itizii", r->position, r->region, (int64_t)r->csk_first, r->promotion, now,
                      a->id);
    else
        n = ob_db_get_int(ctx->db, &r->id,
                          "INSERT INTO lead_rules (position, region, csk_first, promotion_id, "
                          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                          "itizii", r->position, r->region, (int64_t)r->csk_first, r->promotion,
                          now, now);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((!a->id || a->in->has_partners) && (rc = rule_write_partners(ctx, r)) != 0)
        return rc;
    if ((rc = rule_load(ctx, r->id, r)) != 0)
        return rc;
    return ob_audit_with(ctx, 0, a->id ? "lead_rule.changed" : "lead_rule.created", "lead_rule",
                         r->id, rule_params(ctx, r), "lead rule %lld: region '%s', %d partners%s",
                         (long long)r->id, r->region, r->npartners,
                         r->csk_first ? ", csk first" : "");
}

int
ob_lead_rule_create(struct ob_ctx *ctx, const struct ob_lead_rule_in *in, struct ob_lead_rule *out)
{
    struct rule_args a = { 0, in, out };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    if (rc != 0)
        return rc;
    if (!in->has_partners)
        return ob_err_field(&ctx->err, OB_EINVAL, "partners", "lead.rule_partners_count",
                            "max=%d", OB_LEAD_RULE_PARTNERS);
    return ob_db_tx(ctx, OB_DB_WRITE, rule_save_tx, &a);
}

int
ob_lead_rule_change(struct ob_ctx *ctx, int64_t id, const struct ob_lead_rule_in *in,
                    struct ob_lead_rule *out)
{
    struct rule_args a = { id, in, out };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    if (rc != 0)
        return rc;
    if (id <= 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "lead.rule_not_found", "id=%lld",
                          (long long)id);
    return ob_db_tx(ctx, OB_DB_WRITE, rule_save_tx, &a);
}

static int
rule_delete_tx(struct ob_ctx *ctx, void *arg)
{
    struct ob_lead_rule r;
    int64_t id = *(int64_t *)arg, n;
    int rc;

    if ((rc = rule_load(ctx, id, &r)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "DELETE FROM lead_rule_partners WHERE rule_id = ?", "i", id);
    if (n >= 0)
        n = ob_db_run(ctx->db, "DELETE FROM lead_rules WHERE id = ?", "i", id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, 0, "lead_rule.deleted", "lead_rule", id, rule_params(ctx, &r),
                         "lead rule %lld deleted (region '%s')", (long long)id, r.region);
}

int
ob_lead_rule_delete(struct ob_ctx *ctx, int64_t id)
{
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, rule_delete_tx, &id);
}

/* ---- promotions' partners ----------------------------------------------------------- */

struct promo_args {
    const char *code;
    int64_t partner;
    bool join;
};

static void
read_names(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    const char **n = out;

    n[0] = ob_stmt_dup(ctx, st, 0);
    n[1] = ob_stmt_dup(ctx, st, 1);
    n[2] = ob_stmt_dup(ctx, st, 2);
    n[3] = ob_stmt_dup(ctx, st, 3);
}

static int
promo_tx(struct ob_ctx *ctx, void *arg)
{
    struct promo_args *a = arg;
    const char *n[4];
    int64_t id = 0, rows;
    int rc = ob_db_get_int(ctx->db, &id, "SELECT id FROM promotions WHERE code = ?", "t", a->code);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "promotion.not_found", "ref=%s",
                          a->code);
    rc = ob_db_one(ctx, read_names, n,
                   "SELECT p.name_ru, p.name_en, a.name, a.kind FROM promotions p, accounts a "
                   "WHERE p.id = ? AND a.id = ?",
                   "ii", id, a->partner);
    if (rc == OB_ENOTFOUND || (rc == 0 && strcmp(n[3], "partner")))
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "lead.rule_partner_unknown");
    if (rc != 0)
        return rc;
    if (a->join)
        rows = ob_db_run(ctx->db,
                         "INSERT INTO promotion_partners (promotion_id, partner_id, joined_at, "
                         "joined_by) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
                         "promotion_partners WHERE promotion_id = ? AND partner_id = ?)",
                         "iiizii", id, a->partner, ob_clock_now(ctx), ctx->actor.person, id,
                         a->partner);
    else
        rows = ob_db_run(ctx->db,
                         "DELETE FROM promotion_partners WHERE promotion_id = ? AND partner_id = ?",
                         "ii", id, a->partner);
    if (rows < 0)
        return ob_db_err(ctx, (int)rows);
    if (rows == 0)
        return 0;   /* as it was already */
    return ob_audit_with(ctx, a->partner,
                         a->join ? "promotion.partner_joined" : "promotion.partner_left",
                         "promotion", id,
                         json_pack("{s:{s:s, s:s, s:s}, s:s}", "promotion", "code", a->code,
                                   "name_ru", n[0], "name_en", n[1], "partner", n[2]),
                         "partner '%s' %s promotion '%s'", n[2], a->join ? "joined" : "left",
                         a->code);
}

int
ob_lead_promotion_member(struct ob_ctx *ctx, const char *code, int64_t partner, bool join)
{
    struct promo_args a = { code ? code : "", partner, join };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, promo_tx, &a);
}

/* ---- the funnel --------------------------------------------------------------------- */

struct funnel {
    struct ob_lead_month m[37];
    int n, y0, m0;
};

static int
funnel_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct funnel *f = arg;
    int y, m, d, i;

    (void)ctx;
    ob_date_to_ymd(ob_date_of_instant(ob_stmt_int(st, 0)), &y, &m, &d);
    i = (y - f->y0) * 12 + (m - f->m0);
    if (i < 0 || i >= f->n)
        return 0;
    f->m[i].registered++;
    f->m[i].assigned += ob_stmt_int(st, 1);
    f->m[i].accepted += ob_stmt_int(st, 2);
    f->m[i].paid += ob_stmt_int(st, 3);
    return 0;
}

int
ob_lead_funnel(struct ob_ctx *ctx, const char *from, const char *to,
               int (*fn)(const struct ob_lead_month *, void *), void *arg)
{
    struct funnel *f = ob_arena_alloc(&ctx->arena, sizeof(*f));
    int64_t start, end, s2, e2;
    int y1, m1, rc = ob_access_provider(ctx, OB_ROLES_ANY);

    if (rc != 0)
        return rc;
    if (month_span(from, &start, &end, &f->y0, &f->m0) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "from", "lead.month_format");
    if (month_span(to, &s2, &e2, &y1, &m1) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "to", "lead.month_format");
    f->n = (y1 - f->y0) * 12 + (m1 - f->m0) + 1;
    if (f->n < 1 || f->n > 36)
        return ob_err_field(&ctx->err, OB_EINVAL, "to", "lead.funnel_span", "max=%d", 36);
    for (int i = 0; i < f->n; i++) {
        int k = f->m0 - 1 + i;

        snprintf(f->m[i].month, sizeof(f->m[i].month), "%04d-%02d", f->y0 + k / 12, k % 12 + 1);
    }
    rc = ob_db_each(ctx, funnel_row, f,
                    "SELECT l.created_at, "
                    "CASE WHEN EXISTS (SELECT 1 FROM lead_offers o WHERE o.lead_id = l.id) "
                    "THEN 1 ELSE 0 END, "
                    "CASE WHEN EXISTS (SELECT 1 FROM lead_offers o WHERE o.lead_id = l.id AND "
                    "o.outcome = 'accepted') THEN 1 ELSE 0 END, "
                    "CASE WHEN EXISTS (SELECT 1 FROM subscriptions t WHERE t.subscriber_id = "
                    "l.subscriber_id AND t.kind = 'main' AND t.state = 'posted') THEN 1 ELSE 0 "
                    "END FROM leads l WHERE l.created_at >= ? AND l.created_at < ?",
                    "ii", start, e2);
    for (int i = 0; rc == 0 && i < f->n; i++)
        rc = fn(&f->m[i], arg);
    return rc;
}
