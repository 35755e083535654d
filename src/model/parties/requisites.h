/*
 * requisites.h — a firm's requisites and the checks of what people type into
 * forms (R-ACC-3, R-ACC-5).
 *
 * Every caller validates through here: the questionnaire, requests,
 * subscribers' additional information, ITS contracts, areas' and tariffs'
 * names. The INN by its official checksum (10 digits for an organisation, 12
 * for a sole trader), the KPP as 9 characters, the phone as 7–20 digits
 * written with spaces, '+', '-' and parentheses, text as valid UTF-8 within
 * a length.
 */
#ifndef OB_MODEL_PARTIES_REQUISITES_H
#define OB_MODEL_PARTIES_REQUISITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;

/* The requisites of a firm. NULL means "not given". A partner's also
 * name who its statements are addressed to (R-BIL-1): settle_with
 * "provider" or "distributor" with distributor's id; the checks here leave
 * them alone (model/requests/request.c checks them against the database). */
struct ob_requisites {
    const char *name, *inn, *kpp, *phone, *email, *site, *address, *region;
    const char *settle_with;
    int64_t distributor;
};

/* The official INN checksum (10 or 12 digits). */
bool ob_inn_valid(const char *inn);
/* Field checks, each OB_EINVAL naming `field`; empty strings pass the
 * optional ones (kpp, phone when !required). */
int ob_check_inn(struct ob_ctx *ctx, const char *inn, const char *field);
int ob_check_kpp(struct ob_ctx *ctx, const char *kpp, const char *field);
int ob_check_phone(struct ob_ctx *ctx, const char *phone, const char *field);
/* Valid UTF-8 of at most max bytes (required: at least one character). */
int ob_check_text(struct ob_ctx *ctx, const char *s, size_t max, bool required,
                  const char *field);
/* Check requisites. When `partial`, absent fields are skipped (a change
 * request), else name, inn, phone and email are required. The email is
 * normalised in place (into ctx's arena). prefix goes before field names
 * ("changes." in a request). */
int ob_requisites_check(struct ob_ctx *ctx, struct ob_requisites *r, bool partial,
                        const char *prefix);

#endif
