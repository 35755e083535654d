/*
 * account.h — the provider, and what every kind of account shares:
 * creation, names, members and their roles, subscriber codes.
 *
 * There is one provider per installation, made by `oblako init
 * --admin-email`. Partners (model/parties/partner.c) and subscribers
 * (model/parties/subscriber.c) are accounts too. A subscriber's code (R-ACC-1) is
 * taken from a counter under its row lock, so codes are unique and never
 * reused; the 1C:Reporting number is "FR" followed by the code.
 */
#ifndef OB_MODEL_IDENTITY_ACCOUNT_H
#define OB_MODEL_IDENTITY_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/identity/role.h"

struct ob_ctx;

struct ob_account {
    int64_t id;
    enum ob_kind kind;
    const char *name;           /* in ctx's arena */
    int64_t created_at;
};

/* Create the provider and its first admin, once. When password is NULL a
 * password is generated into `generated` (printed once by init). *created
 * is false when the provider already existed (nothing changes). */
int ob_account_init_provider(struct ob_ctx *ctx, const char *name, const char *admin_email,
                             const char *password, char *generated, size_t size, bool *created);
int ob_account_get(struct ob_ctx *ctx, int64_t id, struct ob_account *out);
/* Insert an account row. Joins the caller's transaction. */
int ob_account_insert(struct ob_ctx *ctx, enum ob_kind kind, const char *name, int64_t *id);
/* Give person `roles` in account (replacing earlier roles). Joins. */
int ob_account_set_member(struct ob_ctx *ctx, int64_t account, int64_t person, unsigned roles);
/* Take the next subscriber code. Joins. */
int ob_account_next_code(struct ob_ctx *ctx, int64_t *code);
/* Check a display name: 1–200 characters of valid UTF-8, trimmed. */
int ob_account_check_name(struct ob_ctx *ctx, const char *name, const char *field);

#endif
