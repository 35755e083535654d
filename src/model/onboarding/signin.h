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

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/authn.h"

struct ob_ctx;

#define OB_SIGNIN_LINK_SECONDS 600

/* A new link for person to land on subscriber's welcome page; secret gets
 * its token. `confirms`: a link mailed to the address, valid for
 * --link-hours, whose use confirms the address; else the answer's own
 * link, valid for OB_SIGNIN_LINK_SECONDS. Joins the caller's transaction. */
int ob_signin_link_create(struct ob_ctx *ctx, int64_t person, int64_t subscriber, bool confirms,
                          char secret[OB_SECRET_LEN]);
/* Use a link: a session of its person starts (the session of cookie `old`,
 * may be NULL, ends). A confirming link also confirms the registration
 * (model/onboarding/regpage.h, ob_regpage_confirm). OB_EINVAL on "token" ("signin.link_invalid") when it
 * is unknown, used or expired: one refusal for all, nothing told. */
int ob_signin_link_use(struct ob_ctx *ctx, const char *token, const char *old,
                       struct ob_signed_in *out, int64_t *subscriber);

#endif
