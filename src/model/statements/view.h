/*
 * view.h — the statements as people read them: a partner's own, the
 * provider's all, their lines and a month's summary.
 *
 * Access: provider staff (any role) read every statement; a partner's
 * employees (any role) read their own partner's; anyone else gets
 * OB_ENOTFOUND for one statement (another tenant's objects do not exist for
 * them), an empty list, and OB_EPERM (or OB_ENOTFOUND) for a month. A subscriber never reads a
 * statement: it holds the partner's discount and amount due. A request made
 * with an API token is limited as the token's account and roles are
 * (model/identity/access.h).
 */
#ifndef OB_MODEL_STATEMENTS_VIEW_H
#define OB_MODEL_STATEMENTS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_statement {
    int64_t id, partner, distributor, lines, total_price, total_due, drafted_at, closed_at;
    const char *month, *partner_name, *state, *number, *payer_kind, *payer_name, *payer_email,
        *content_hash;
};

struct ob_statement_filter {
    int64_t partner;            /* 0: any */
    const char *month, *state;  /* NULL: any */
    int64_t after;              /* cursor: statements with a smaller id */
};

struct ob_statement_line {
    int64_t seq, subscription, subscriber, subscriber_code, quantity, price, discount_pct,
        amount_due, corrects_statement, corrects_seq, request;
    const char *line_kind, *subscriber_name, *tariff_code, *tariff_name_ru, *tariff_name_en,
        *partner_tariff_name, *kind, *start, *through, *rule, *register_id, *usage_month,
        *corrects_number;
};

struct ob_statement_line_filter {
    int64_t statement;
    const char *rule;           /* NULL: any */
    int64_t subscriber;         /* 0: any */
    int64_t after;              /* cursor: lines with a larger seq */
};

/* Amounts of one rule (or one payer) summed. */
struct ob_statement_sum {
    const char *key, *name;     /* the rule; or the payer's kind and name */
    int64_t lines, amount_due;
};

/* Newest first (by id), at most limit. */
int ob_statement_list(struct ob_ctx *ctx, const struct ob_statement_filter *f, int limit,
                      int (*fn)(const struct ob_statement *, void *), void *arg);
int ob_statement_get(struct ob_ctx *ctx, int64_t id, struct ob_statement *out);
/* The statement's lines and amount due by rule, by rule name. */
int ob_statement_by_rule(struct ob_ctx *ctx, int64_t id,
                         int (*fn)(const struct ob_statement_sum *, void *), void *arg);
/* Lines in seq order after f->after, at most limit; checks access first. */
int ob_statement_line_list(struct ob_ctx *ctx, const struct ob_statement_line_filter *f,
                           int limit, int (*fn)(const struct ob_statement_line *, void *),
                           void *arg);

/* ---- the provider's months (provider staff only) ---- */
struct ob_statement_month {
    const char *month, *state;
    int64_t total_due, closed_at;
};
/* The last `last` months that have statements or a run, newest first. */
int ob_statement_months(struct ob_ctx *ctx, int last,
                        int (*fn)(const struct ob_statement_month *, void *), void *arg);
/* One month's state (open when it has no row). */
int ob_statement_month_get(struct ob_ctx *ctx, const char *month, struct ob_statement_month *out);
/* A month's amounts by rule (key = rule) or by payer (key = kind, name). */
int ob_statement_month_sums(struct ob_ctx *ctx, const char *month, bool by_payer,
                            int (*fn)(const struct ob_statement_sum *, void *), void *arg);

#endif
