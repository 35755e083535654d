/*
 * questionnaire.h — the partner questionnaire (R-ACC-6), the form a would-be
 * partner fills in (not a software application: those are the catalog's).
 *
 * Anyone may submit one through the public form (rate-limited per address:
 * 10 an hour). Provider admins and operators list them and decide: approving
 * creates the partner, its own subscriber account and its owner (the
 * contact person), and mails the owner a link to set a password; rejecting
 * mails the reason. A decided questionnaire cannot be decided again.
 */
#ifndef OB_MODEL_PARTIES_QUESTIONNAIRE_H
#define OB_MODEL_PARTIES_QUESTIONNAIRE_H

#include <stdint.h>

#include "model/parties/partner.h"

struct ob_ctx;

#define OB_APPLY_LIMIT 10           /* submissions per address … */
#define OB_APPLY_WINDOW_S 3600      /* … per hour */

struct ob_questionnaire {
    int64_t id, partner, created_at, decided_at;
    struct ob_requisites req;
    const char *contact_name, *contact_email, *comment, *lang, *state, *reason;
};

/* Validate and store a questionnaire; fills *out (strings in ctx's arena). */
int ob_questionnaire_submit(struct ob_ctx *ctx, struct ob_questionnaire *in);
int ob_questionnaire_list(struct ob_ctx *ctx, const char *state, int64_t after, int limit,
                        int (*fn)(const struct ob_questionnaire *, void *), void *arg);
int ob_questionnaire_approve(struct ob_ctx *ctx, int64_t id, struct ob_questionnaire *out);
int ob_questionnaire_reject(struct ob_ctx *ctx, int64_t id, const char *reason,
                          struct ob_questionnaire *out);

#endif
