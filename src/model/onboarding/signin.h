/*
 * signin.h — single-use sign-in links (R-ONB-5).
 *
 * A registration through a page answers a new client with a link that
 * signs them in: the browser opens it by top-level navigation (so the
 * session cookie is first-party) within 10 minutes, once. Only the BLAKE2b
 * hash of its 256-bit secret is kept (table signin_links). Using it is one
 * conditional update (unused and not expired), so two tabs opening it at
 * once get one session.
 */
#ifndef OB_MODEL_ONBOARDING_SIGNIN_H
#define OB_MODEL_ONBOARDING_SIGNIN_H

#include <stdint.h>

#include "model/identity/authn.h"

struct ob_ctx;

#define OB_SIGNIN_LINK_SECONDS 600

/* A new link for person to land on subscriber's welcome page; secret gets
 * its token. Joins the caller's transaction. */
int ob_signin_link_create(struct ob_ctx *ctx, int64_t person, int64_t subscriber,
                          char secret[OB_SECRET_LEN]);
/* Use a link: a session of its person starts (the session of cookie `old`,
 * may be NULL, ends). OB_EINVAL on "token" ("signin.link_invalid") when it
 * is unknown, used or expired: one refusal for all, nothing told. */
int ob_signin_link_use(struct ob_ctx *ctx, const char *token, const char *old,
                       struct ob_signed_in *out, int64_t *subscriber);

#endif
