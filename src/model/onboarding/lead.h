/*
 * lead.h — the provider's leads and how they reach partners (R-ONB-7).
 *
 * A lead is a client registered on a provider's own registration page (no
 * partner): the provider serves it (subscribers.partner_id NULL) while it is
 * in the pool. The provider offers it to a partner by hand, or the `leads`
 * job does by the rules (an ordered list of rules, each a region, an ordered
 * list of partners, `csk` holders first or not, a promotion or none;
 * round-robin inside a rule). The offered partner's owners and operators are
 * emailed and accept or decline; an offer not accepted within
 * --lead-accept-days (the business clock) goes back to the pool. Accepting
 * makes the partner serve the client from then on; a partner that declined
 * or let an offer lapse is not offered that lead again by the rules.
 *
 * Who sees a lead: provider staff all; a partner's employees the leads
 * offered to it now or accepted by it (anything else: not found).
 */
#ifndef OB_MODEL_ONBOARDING_LEAD_H
#define OB_MODEL_ONBOARDING_LEAD_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_lead {
    int64_t id, subscriber, subscriber_code, partner, rule, created_at, offered_at, due_at;
    int64_t accepted_at;
    const char *name, *region, *state, *partner_name, *email, *phone;
    const char *trial_through;      /* "YYYY-MM-DD", the trial's last day, or "" */
};

struct ob_lead_filter {
    const char *state;      /* "", pool, offered, accepted */
    const char *region;     /* "" or a region (compared as rules compare) */
    const char *month;      /* "" or YYYY-MM of registration */
};

#define OB_LEAD_RULE_PARTNERS 50

struct ob_lead_rule {
    int64_t id, position, promotion, last_partner, turns, updated_at;
    const char *region, *promotion_code;
    bool csk_first;
    int npartners;
    int64_t partners[OB_LEAD_RULE_PARTNERS];
    const char *partner_names[OB_LEAD_RULE_PARTNERS];
};

/* What a rule's create or change gives; has_* say which fields a change
 * carries (a create needs partners). */
struct ob_lead_rule_in {
    bool has_position, has_region, has_csk_first, has_promotion, has_partners;
    int64_t position;
    const char *region;
    bool csk_first;
    const char *promotion;  /* a promotion's code, NULL or "": none */
    int npartners;
    int64_t partners[OB_LEAD_RULE_PARTNERS];
};

struct ob_lead_month {
    char month[16];         /* YYYY-MM */
    int64_t registered, assigned, accepted, paid;
};

/* Are two regions the same for the rules: equal once surrounding spaces
 * are dropped and letters (Latin and Cyrillic, Ё as Е) are lower-cased? */
bool ob_lead_region_same(const char *a, const char *b);


/* The leads the actor sees, newest first, after cursor `after` (0: from the
 * newest). */
int ob_lead_list(struct ob_ctx *ctx, const struct ob_lead_filter *f, int64_t after, int limit,
                 int (*fn)(const struct ob_lead *, void *), void *arg);

/* Provider admins and operators: offer a pool lead to an active partner. */
int ob_lead_assign(struct ob_ctx *ctx, int64_t id, int64_t partner, struct ob_lead *out);
/* The offered partner's owners and operators answer: one conditional
 * update each, so of two answers (or an answer and the lapse) one wins. */
int ob_lead_accept(struct ob_ctx *ctx, int64_t id, struct ob_lead *out);
int ob_lead_decline(struct ob_ctx *ctx, int64_t id, struct ob_lead *out);

/* The `leads` job: return lapsed offers to the pool (*lapsed), then offer
 * pool leads by the rules (*offered). */
int ob_lead_expire(struct ob_ctx *ctx, int *lapsed);
int ob_lead_route(struct ob_ctx *ctx, int *offered);

/* Per month of registration from `from` to `to` (YYYY-MM, at most 36
 * months): leads registered, offered at least once, accepted, with a paid
 * main posted. fn is called once per month, in order. */
int ob_lead_funnel(struct ob_ctx *ctx, const char *from, const char *to,
                   int (*fn)(const struct ob_lead_month *, void *), void *arg);

/* The rules, in the order they are tried (provider staff). */
int ob_lead_rule_list(struct ob_ctx *ctx, int (*fn)(const struct ob_lead_rule *, void *),
                      void *arg);
/* Provider admins and operators. */
int ob_lead_rule_create(struct ob_ctx *ctx, const struct ob_lead_rule_in *in,
                        struct ob_lead_rule *out);
int ob_lead_rule_change(struct ob_ctx *ctx, int64_t id, const struct ob_lead_rule_in *in,
                        struct ob_lead_rule *out);
int ob_lead_rule_delete(struct ob_ctx *ctx, int64_t id);

/* Provider admins: take partner `partner` into promotion `code` (join) or
 * out of it. */
int ob_lead_promotion_member(struct ob_ctx *ctx, const char *code, int64_t partner, bool join);

#endif
