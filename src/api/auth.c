/*
 * auth.c — sign in and out, who am I, password links, the second factor.
 *
 * The session cookie is HttpOnly and SameSite=Lax, Secure when the public
 * URL is https. The login answer carries the session's CSRF token for the
 * cabinet to send back in X-CSRF-Token; GET /api/v1/me returns it again.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/json.h"
#include "model/identity/access.h"
#include "model/identity/authn.h"
#include "model/identity/mailpref.h"
#include "model/identity/person.h"
#include "base/banned.h"

/* A password of OB_PASSWORD_MAX characters, each up to 4 bytes of UTF-8. */
#define PASSWORD_BYTES (OB_PASSWORD_MAX * 4)

/* One account of the person as /me lists it. */
static int
me_account(struct ob_buf *b, const struct ob_member *m)
{
    const char *sep = "";
    int bad = 0;

    ob_buf_puts(b, "{\"id\":");
    ob_json_put_int(b, m->account);
    ob_buf_puts(b, ",\"kind\":");
    bad |= ob_json_put_str(b, ob_kind_name(m->kind));
    ob_buf_puts(b, ",\"name\":");
    bad |= ob_json_put_str(b, m->name);
    ob_buf_puts(b, ",\"roles\":[");
    for (unsigned bit = 1; bit <= OB_ROLES_ANY; bit <<= 1)
        if (m->roles & bit) {
            ob_buf_puts(b, sep);
            bad |= ob_json_put_str(b, ob_role_name(bit));
            sep = ",";
        }
    ob_buf_putc(b, ']');
    if (m->code) {
        char number[32];

        snprintf(number, sizeof(number), "FR%lld", (long long)m->code);
        ob_buf_puts(b, ",\"code\":");
        ob_json_put_int(b, m->code);
        ob_buf_puts(b, ",\"reporting_number\":");
        bad |= ob_json_put_str(b, number);
    }
    ob_buf_putc(b, '}');
    return bad;
}

/* Who am I: the person, their accounts with roles, the current account.
 * Every signed-in page asks it, so its JSON is written straight into the
 * answer (base/json.h), not built as a jansson tree and dumped (issue 16):
 * the same text, in the same order, as the tree gave. */
static int
me_render(struct ob_ctx *ctx, const char *csrf, struct ob_resp *resp)
{
    const struct ob_member *m;
    const char *off[OB_MAIL_OPTIONAL];
    struct ob_buf *b = &resp->body;
    struct ob_person p;
    char today[OB_DATE_LEN], now[OB_INSTANT_LEN];
    int64_t t = ob_clock_now(ctx);
    int n, noff, bad = 0, rc;

    if ((rc = ob_person_get(ctx, ctx->actor.person, &p)) != 0 ||
        (rc = ob_access_members(ctx, &m, &n)) != 0)
        return rc;
    noff = ob_mail_off_kinds(ctx, p.id, off);
    /* The business date and time (the test clock moves them), so the cabinet
     * never takes "today" from the browser's clock (issue 11). */
    ob_date_format(ob_date_of_instant(t), today);
    ob_instant_format(t, now);
    ob_buf_reset(b);
    ob_buf_reserve(b, 512);
    ob_buf_puts(b, "{\"id\":");
    ob_json_put_int(b, p.id);
    ob_buf_puts(b, ",\"email\":");
    bad |= ob_json_put_str(b, p.email);
    ob_buf_puts(b, ",\"name\":");
    bad |= ob_json_put_str(b, p.name);
    ob_buf_puts(b, ",\"lang\":");
    bad |= ob_json_put_str(b, p.lang);
    ob_buf_puts(b, p.totp_enabled ? ",\"totp_enabled\":true" : ",\"totp_enabled\":false");
    ob_buf_puts(b, ",\"accounts\":[");
    for (int i = 0; i < n; i++) {
        if (i > 0)
            ob_buf_putc(b, ',');
        bad |= me_account(b, &m[i]);
    }
    ob_buf_puts(b, "],\"current_account\":");
    if (ctx->actor.account || n)
        ob_json_put_int(b, ctx->actor.account ? ctx->actor.account : m[0].account);
    else
        ob_buf_puts(b, "null");
    ob_buf_puts(b, ctx->actor.mfa_missing ? ",\"mfa_required\":true" : ",\"mfa_required\":false");
    ob_buf_puts(b, ",\"today\":");
    ob_json_put_str(b, today);
    ob_buf_puts(b, ",\"now\":");
    ob_json_put_str(b, t ? now : NULL);
    ob_buf_puts(b, ",\"time_zone\":");
    bad |= ob_json_put_str(b, ob_tz_name());
    /* the kinds of event mail turned off (R-NOT-3) */
    ob_buf_puts(b, ",\"mail_off\":[");
    for (int i = 0; i < noff; i++) {
        if (i > 0)
            ob_buf_putc(b, ',');
        ob_json_put_str(b, off[i]);
    }
    ob_buf_putc(b, ']');
    if (csrf) {
        ob_buf_puts(b, ",\"csrf\":");
        bad |= ob_json_put_str(b, csrf);
    }
    if (ctx->actor.token) {
        ob_buf_puts(b, ",\"token\":");
        ob_json_put_int(b, ctx->actor.token);
    }
    ob_buf_putc(b, '}');
    if (bad) {
        ob_buf_reset(b);
        return ob_err_set(&ctx->err, OB_EINTERNAL, "person.text_not_utf8");
    }
    return ob_resp_json_written(resp, 200);
}

int
ob_api_login(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    struct ob_login in = { 0 };
    struct ob_signed_in out;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "email", 300, true, &in.email)) ||
        (rc = ob_req_str(req, "password", PASSWORD_BYTES, true, &in.password)) ||
        (rc = ob_req_str(req, "otp", 16, false, &in.otp)))
        return rc;
    if ((rc = ob_auth_login(ctx, &in, ob_req_cookie(req, OB_SESSION_COOKIE), &out)) != 0)
        return rc;
    ob_api_session_cookie(req, resp, out.secret, ctx->cfg->session_max_hours * 3600);
    return me_render(ctx, out.csrf, resp);
}

int
ob_api_logout(struct ob_req *req, struct ob_resp *resp)
{
    const char *cookie = ob_req_cookie(req, OB_SESSION_COOKIE);
    int rc;

    if (cookie && (rc = ob_auth_logout(req->ctx, cookie)) != 0)
        return rc;
    ob_api_session_cookie(req, resp, "", 0);
    resp->status = 204;
    return 0;
}

/* Who am I. reread: after a change in this request (PATCH /me, the second
 * factor), the session is read again, so the answer shows it. */
static int
me_answer(struct ob_req *req, struct ob_resp *resp, bool reread)
{
    struct ob_ctx *ctx = req->ctx;
    const char *cookie = ob_req_cookie(req, OB_SESSION_COOKIE);
    char csrf[OB_CSRF_LEN] = "";
    int rc;

    /* signed in by this cookie already (the dispatcher): its token is at hand */
    if (cookie && !ctx->actor.token && !reread && ctx->actor.csrf[0])
        memcpy(csrf, ctx->actor.csrf, sizeof(csrf));
    else if (cookie && !ctx->actor.token &&
             (rc = ob_auth_session(ctx, cookie, false, NULL, false, csrf)) != 0)
        return rc;
    return me_render(ctx, csrf[0] ? csrf : NULL, resp);
}

int
ob_api_me_get(struct ob_req *req, struct ob_resp *resp)
{
    return me_answer(req, resp, false);
}

int
ob_api_me_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    struct ob_person_change ch = { 0 };
    int keep = 0;
    json_t *acc;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "name", 400, false, &ch.name)) ||
        (rc = ob_req_str(req, "lang", 8, false, &ch.lang)) ||
        (rc = ob_req_str(req, "password", PASSWORD_BYTES, false, &ch.password)) ||
        (rc = ob_req_str(req, "current_password", PASSWORD_BYTES, false, &ch.current_password)) ||
        (rc = ob_api_bool_member(req, "keep_tokens", &keep)) != 0)
        return rc;
    ch.session = ob_req_cookie(req, OB_SESSION_COOKIE);
    ch.keep_tokens = keep != 0;
    ch.mail_off = json_object_get(req->json, "mail_off");
    acc = json_object_get(req->json, "account");
    if (acc && !json_is_integer(acc))
        return ob_err_field(&ctx->err, OB_EINVAL, "account", "field.account_id");
    if ((rc = ob_person_change(ctx, &ch)) != 0)
        return rc;
    if (acc) {
        const char *cookie = ob_req_cookie(req, OB_SESSION_COOKIE);

        if (!cookie || ctx->actor.token)
            return ob_err_field(&ctx->err, OB_EINVAL, "account", "auth.switch_needs_session");
        if ((rc = ob_auth_switch(ctx, cookie, json_integer_value(acc))) != 0)
            return rc;
    }
    return me_answer(req, resp, true);
}

int
ob_api_reset_start(struct ob_req *req, struct ob_resp *resp)
{
    const char *email;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "email", 300, true, &email)) ||
        (rc = ob_auth_reset_start(req->ctx, email)) != 0)
        return rc;
    return ob_resp_json(resp, 202,
                        json_pack("{s:s}", "status",
                                  "if the address is known, a link is on its way"));
}

int
ob_api_reset_finish(struct ob_req *req, struct ob_resp *resp)
{
    const char *token, *password;
    int keep = 0, rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "token", 100, true, &token)) ||
        (rc = ob_req_str(req, "password", PASSWORD_BYTES, true, &password)) ||
        (rc = ob_api_bool_member(req, "keep_tokens", &keep)) != 0 ||
        (rc = ob_auth_reset_finish(req->ctx, token, password, keep != 0)) != 0)
        return rc;
    return ob_resp_json(resp, 200, json_pack("{s:s}", "status", "password set; sign in"));
}

int
ob_api_totp_start(struct ob_req *req, struct ob_resp *resp)
{
    char secret[64], uri[512];
    int rc = ob_auth_totp_start(req->ctx, secret, sizeof(secret), uri, sizeof(uri));

    if (rc != 0)
        return rc;
    return ob_resp_json(resp, 201, json_pack("{s:s, s:s}", "secret", secret, "uri", uri));
}

static int
totp_code(struct ob_req *req, struct ob_resp *resp, bool enable)
{
    const char *code;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "code", 16, true, &code)))
        return rc;
    rc = enable ? ob_auth_totp_confirm(req->ctx, code) : ob_auth_totp_disable(req->ctx, code);
    return rc ? rc : me_answer(req, resp, true);
}

int
ob_api_totp_confirm(struct ob_req *req, struct ob_resp *resp)
{
    return totp_code(req, resp, true);
}

int
ob_api_totp_disable(struct ob_req *req, struct ob_resp *resp)
{
    return totp_code(req, resp, false);
}
