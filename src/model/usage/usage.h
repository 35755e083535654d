/*
 * usage.h — metered usage of cash registers (R-CAT-6) and its statement lines.
 *
 * An application backend reports, signed, how many receipts each cash
 * register of a data area sent on a day (ob_usage_report); Oblako keeps one
 * row per (subscriber, register, day), the latest report's count. A register
 * is chargeable for a month when it is beyond the client's allowance or sent
 * more receipts on some day than the allowance's daily limit; the
 * allowances are catalog data: the metered tariff's options ("metering":
 * the per-unit tariff, the daily limit, allowances while another contract
 * of the client is in force) and the free_units promotion on that tariff
 * (KASSA-FREE-KKT: one register, not Evotor, with its end date).
 * ob_usage_judge is the rule as a pure function (docs/rules.md, R-CAT-6);
 * ob_usage_month_get (ob_usage_month_judge in the run) applies it to a
 * client's month; ob_usage_statement_lines turns chargeable register-months
 * into statement lines and settles reports that came after a month was
 * closed.
 */
#ifndef OB_MODEL_USAGE_USAGE_H
#define OB_MODEL_USAGE_USAGE_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

/* ---- the rule ---------------------------------------------------------------------- */

enum ob_usage_why {
    OB_USAGE_FREE_PROMOTION,    /* free: the promotion's register */
    OB_USAGE_FREE_CONTRACT,     /* free: the register of an ITS Retail contract */
    OB_USAGE_PAID_UNITS,        /* chargeable, covered by a per-unit quantity bought */
    OB_USAGE_BEYOND,            /* chargeable: beyond the allowance */
    OB_USAGE_OVER,              /* chargeable: over the daily receipts limit on max_day */
};

/* One register's month: what the rule is given, and its verdict. */
struct ob_usage_register {
    const char *id, *model;     /* model in lower case ("evotor", "atol") */
    int32_t first_seen;         /* the first day it was ever reported */
    int64_t max_receipts;       /* the most receipts it sent on one day of the month */
    int32_t max_day;            /* the first day of the month with that many */
    enum ob_usage_why why;      /* out */
    int first_row, nrows;       /* its days in ob_usage_month's days */
};

/* The allowances in force in a month (any day of it, docs/decisions.md). */
struct ob_usage_allowance {
    int promo_units;            /* free registers of the promotion, 0 when none in force */
    const char *const *promo_except;    /* models the promotion leaves out */
    int npromo_except;
    int64_t promo_limit;        /* receipts a day a promotion register may send, 0: no limit */
    int contract_units;         /* free registers while a contract is in force, 0: none */
    int64_t contract_limit;     /* the metered tariff's receipts_per_day, 0: no limit */
    int64_t paid_units;         /* the per-unit quantity bought for the month */
};

/* Judge a client's registers of one month: sorts regs by first_seen, then
 * id (the order the allowance is handed out in) and sets each one's why. */
void ob_usage_judge(struct ob_usage_register *regs, int n, const struct ob_usage_allowance *a);
/* Is the verdict a charge on the statement (beyond, over)? */
bool ob_usage_charged(enum ob_usage_why why);
/* The verdict's stable name: promotion, its_retail, paid_units, beyond_allowance,
 * over_receipts. */
const char *ob_usage_why_name(enum ob_usage_why why);

/* ---- reports --------------------------------------------------------------------------- */

#define OB_USAGE_REGISTERS_MAX 100  /* registers in one report */
#define OB_USAGE_RECEIPTS_MAX 1000000   /* receipts of one register on one day */

struct ob_usage_line {
    const char *id, *model;
    int64_t receipts;
};

struct ob_usage_report_in {
    const char *report_id, *area, *day;
    const struct ob_usage_line *registers;
    int nregisters;
    const char *canon;          /* the body in a canonical form: what makes a retry the same */
};

struct ob_usage_report_out {
    int64_t id, subscriber, received_at;
    const char *report_id, *area, *day;
    int registers;
    int64_t receipts;
    bool replayed;              /* the same report was stored before */
};

/* Store a report of the calling application's backend (ctx->actor.app).
 * Idempotent by report_id per application: the same report again answers
 * the stored one (replayed); the same id with another body is OB_ECONFLICT.
 * An area of another application is OB_ENOTFOUND; bad input OB_EINVAL with
 * the field named, and nothing stored. */
int ob_usage_report(struct ob_ctx *ctx, const struct ob_usage_report_in *in,
                    struct ob_usage_report_out *out);

/* ---- a client's month -------------------------------------------------------------------- */

/* One register's day, for the list. */
struct ob_usage_day_row {
    int64_t seq;                /* position in the month's list, from 1 */
    const struct ob_usage_register *reg;
    const char *day;
    int64_t receipts;
};

struct ob_usage_month {
    const char *month;
    struct ob_usage_register *regs;     /* judged, in allowance order */
    int n;
    struct ob_usage_allowance allow;
    const char *contract;       /* the ITS Retail contract's number, or NULL */
    const char *promotion;      /* the free_units promotion's code, or NULL */
    const char *unit_code;      /* the per-unit tariff (KKT-PAID), or NULL: nothing metered */
    int64_t unit_price;         /* its monthly price on the 1st, kopecks (0: none) */
    struct ob_usage_day_row *days;  /* every register's days, register by register */
    int ndays;
};


/* The client's month 'YYYY-MM' judged (owner, administrators, its partner's
 * employees, provider staff; anyone else OB_ENOTFOUND). */
int ob_usage_month_get(struct ob_ctx *ctx, int64_t subscriber, const char *month,
                       struct ob_usage_month *out);
/* Its days, register by register in allowance order, then by day; rows
 * with seq > after, at most limit (negative: all). */
int ob_usage_days(struct ob_ctx *ctx, const struct ob_usage_month *m, int64_t after, int limit,
                  int (*fn)(const struct ob_usage_day_row *, void *), void *arg);
/* The same month without an access check (the statement run). */
int ob_usage_month_judge(struct ob_ctx *ctx, int64_t subscriber, const char *month,
                         struct ob_usage_month *out);
/* Month 'YYYY-MM' as civil days [from, to); OB_EINVAL when malformed. */
int ob_usage_month_days(const char *month, int32_t *from, int32_t *to);

/* ---- statement lines ---------------------------------------------------------------------- */

/* Append partner's usage lines of `month` to statement `statement` from
 * *seq+1, advancing *seq; called inside the statement run's transaction.
 * One 'usage' line per chargeable register-month of the clients the partner
 * served in the month that no per-unit quantity covers; when the month
 * before is closed (month is the first open one), 'correction' lines for
 * the difference between what closed statements charged for earlier months
 * and what their reports, as they stand now, make chargeable. */
int ob_usage_statement_lines(struct ob_ctx *ctx, const char *month, int64_t partner,
                             int64_t statement, int64_t *seq);

#endif
