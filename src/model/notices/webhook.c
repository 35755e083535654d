/*
 * webhook.c — webhook endpoints, their deliveries and attempts (webhook.h).
 */
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/netaddr.h"
#include "base/utf8.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/core/outbox.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/notices/webhook.h"
#include "base/banned.h"

#define KINDS_MAX 50
#define ATTEMPTS_SHOWN 20

bool
ob_webhook_addr_ok(const struct ob_netaddr *a, const struct ob_netaddr *allow, int n,
                   const char **why)
{
    const char *r = ob_netaddr_refused(a);

    *why = r;
    if (!r)
        return true;
    for (int i = 0; i < n; i++)
        if (ob_netaddr_match(&allow[i], a)) {
            *why = NULL;
            return true;
        }
    return false;
}

/* Is the host a number rather than a name? A name's last label is never all
 * digits (no top-level domain is), so "127.1", "2130706433" and "0x7f.1",
 * which resolvers read as addresses, count as numbers. */
static bool
numeric_host(const char *h)
{
    const char *last = strrchr(h, '.');
    const char *p = last ? last + 1 : h;

    if (!*p && last) { /* "1.2.3.4." */
        size_t n = (size_t)(last - h);

        for (p = last; p > h && p[-1] != '.'; p--)
            ;
        return n > 0 && isdigit((unsigned char)*p);
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return true;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

/* Check an endpoint's URL: https, a host, no user name, at most
 * OB_WEBHOOK_URL_MAX; a literal address (or a numeric host) must pass the
 * SSRF guard with `allow` (n networks). Sets ctx->err (field "url"). */
static int
check_url_with(struct ob_ctx *ctx, const char *url, const struct ob_netaddr *allow, int n)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL, *user = NULL;
    int rc = 0;

    if (!url || !*url || strlen(url) > OB_WEBHOOK_URL_MAX || !ob_utf8_valid(url))
        return ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_bad");
    if (!(u = curl_url()))
        return ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_bad");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        rc = ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_bad");
    } else if (strcmp(scheme, "https")) {
        rc = ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_https");
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
        rc = ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_user");
    } else {
        struct ob_netaddr a;
        const char *h = host, *why = NULL;
        size_t len = strlen(h);

        if (h[0] == '[' && len > 2) {
            h++;
            len -= 2;
        }
        if (ob_netaddr_parse(h, len, false, &a) == 0) {
            if (!ob_webhook_addr_ok(&a, allow, n, &why))
                rc =
                    ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_refused", "why=%s", why);
        } else if (numeric_host(host)) {
            rc = ob_err_field(&ctx->err, OB_EINVAL, "url", "webhook.url_refused", "why=%s",
                              "numeric");
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

/* The guard's allowance from the settings. */
static int
allowed(struct ob_ctx *ctx, struct ob_netaddr *out)
{
    const char *s = ob_config_webhook_allow(ctx->cfg);   /* SIGHUP may change it */
    int n = ob_netaddr_parse_list(s, out, OB_NETADDR_MAX_LIST, &ctx->err);

    return n < 0 ? 0 : n;
}

static int
check_url(struct ob_ctx *ctx, const char *url)
{
    struct ob_netaddr allow[OB_NETADDR_MAX_LIST];
    int n = allowed(ctx, allow);

    ob_err_clear(&ctx->err);
    return check_url_with(ctx, url, allow, n);
}

/* The roles that manage an account's endpoints. */
static unsigned
managers(enum ob_kind kind)
{
    return kind == OB_KIND_PARTNER ? OB_ROLE_OWNER : kind == OB_KIND_PROVIDER ? OB_ROLE_ADMIN : 0;
}

/* May the actor manage the endpoints of *account (0: the current one)? */
static int
manage(struct ob_ctx *ctx, int64_t *account)
{
    struct ob_account acc;
    unsigned roles, need;
    int rc;

    if (ctx->actor.system)
        return 0;
    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (!*account)
        *account = ctx->actor.account;
    if (!*account) {
        /* no account chosen: the first partner or provider the actor manages */
        const struct ob_member *m;
        int n = 0;

        if ((rc = ob_access_members(ctx, &m, &n)) != 0)
            return rc;
        for (int i = 0; i < n && !*account; i++)
            if (m[i].roles & managers(m[i].kind))
                *account = m[i].account;
    }
    roles = ob_access_roles(ctx, *account);
    if (!roles || ob_account_get(ctx, *account, &acc) != 0 || !(need = managers(acc.kind))) {
        ob_err_clear(&ctx->err);
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "webhook.not_found");
    }
    if (acc.kind == OB_KIND_PROVIDER && (rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0)
        return rc;
    if (!(roles & need))
        return ob_err_set(&ctx->err, OB_EPERM, "webhook.not_allowed");
    return 0;
}

/* The account of endpoint id, if the actor may manage it. */
static int
endpoint_account(struct ob_ctx *ctx, int64_t id, int64_t *account)
{
    int rc = ob_db_get_int(ctx->db, account,
                           "SELECT account_id FROM webhook_endpoints WHERE id = ? "
                           "AND state <> 'deleted'",
                           "i", id);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE) {
        if (!ctx->actor.system && (rc = ob_access_person(ctx)) != 0)
            return rc;
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "webhook.not_found", "id=%lld", (long long)id);
    }
    return manage(ctx, account);
}

static void
new_secret(char secret[OB_WEBHOOK_SECRET_LEN])
{
    unsigned char raw[24];

    randombytes_buf(raw, sizeof(raw));
    memcpy(secret, "whsec_", 6);
    sodium_bin2base64(secret + 6, OB_WEBHOOK_SECRET_LEN - 6, raw, sizeof(raw),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(raw, sizeof(raw));
}

static bool
kind_ok(const char *k)
{
    size_t n = strlen(k);

    if (!n || n > 64)
        return false;
    for (; *k; k++)
        if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) && *k != '.' && *k != '_')
            return false;
    return true;
}

static int
check_kinds(struct ob_ctx *ctx, json_t *kinds)
{
    size_t i;
    json_t *k;

    if (!kinds || json_is_null(kinds))
        return 0;
    if (!json_is_array(kinds) || json_array_size(kinds) > KINDS_MAX)
        return ob_err_field(&ctx->err, OB_EINVAL, "kinds", "webhook.kinds_bad");
    json_array_foreach(kinds, i, k)
    {
        if (!json_is_string(k) || !kind_ok(json_string_value(k)))
            return ob_err_field(&ctx->err, OB_EINVAL, "kinds", "webhook.kinds_bad");
    }
    return 0;
}

static int
write_kinds(struct ob_ctx *ctx, int64_t id, json_t *kinds)
{
    size_t i;
    json_t *k;
    int64_t rc =
        ob_db_run(ctx->db, "DELETE FROM webhook_endpoint_kinds WHERE endpoint_id = ?", "i", id);

    if (rc < 0)
        return ob_db_err(ctx, (int)rc);
    json_array_foreach(kinds, i, k)
    {
        rc = ob_db_run(ctx->db,
                       "INSERT INTO webhook_endpoint_kinds (endpoint_id, kind) VALUES (?, ?) "
                       "ON CONFLICT DO NOTHING",
                       "it", id, json_string_value(k));
        if (rc < 0)
            return ob_db_err(ctx, (int)rc);
    }
    rc = ob_db_run(ctx->db, "UPDATE webhook_endpoints SET all_kinds = ? WHERE id = ?", "ii",
                   (int64_t)(json_array_size(kinds) == 0), id);
    return rc < 0 ? ob_db_err(ctx, (int)rc) : 0;
}

/* ---- reading ---- */

static int
kind_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    json_array_append_new(arg, json_string(ob_stmt_dup(ctx, st, 0)));
    return 0;
}

static json_t *
kinds_of(struct ob_ctx *ctx, int64_t id)
{
    json_t *a = json_array();

    if (ob_db_each(ctx, kind_row, a,
                   "SELECT kind FROM webhook_endpoint_kinds WHERE endpoint_id = ? ORDER BY kind",
                   "i", id) != 0)
        ob_err_clear(&ctx->err);
    return a;
}

#define ENDPOINT_COLS                                                                              \
    "id, account_id, url, description, state, COALESCE(failing_since, 0), "                        \
    "COALESCE(disabled_at, 0), created_at, updated_at"

static void
read_endpoint(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_webhook *w = arg;

    w->id = ob_stmt_int(st, 0);
    w->account = ob_stmt_int(st, 1);
    w->url = ob_stmt_dup(ctx, st, 2);
    w->description = ob_stmt_dup(ctx, st, 3);
    w->state = ob_stmt_dup(ctx, st, 4);
    w->failing_since = ob_stmt_int(st, 5);
    w->disabled_at = ob_stmt_int(st, 6);
    w->created_at = ob_stmt_int(st, 7);
    w->updated_at = ob_stmt_int(st, 8);
    w->kinds = NULL;
}

struct list_fn {
    int (*fn)(const struct ob_webhook *, void *);
    void *arg;
};

static int
endpoint_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct list_fn *f = arg;
    struct ob_webhook w;
    int rc;

    read_endpoint(ctx, st, &w);
    w.kinds = kinds_of(ctx, w.id);
    rc = f->fn(&w, f->arg);
    json_decref(w.kinds);
    return rc;
}

int
ob_webhook_list(struct ob_ctx *ctx, int64_t account, int64_t after, int limit,
                int (*fn)(const struct ob_webhook *, void *), void *arg)
{
    struct list_fn f = {fn, arg};
    int rc = manage(ctx, &account);

    if (rc)
        return rc;
    return ob_db_each(ctx, endpoint_row, &f,
                      "SELECT " ENDPOINT_COLS " FROM webhook_endpoints WHERE account_id = ? "
                      "AND state <> 'deleted' AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                      "iiii", account, after, after, (int64_t)limit);
}

int
ob_webhook_get(struct ob_ctx *ctx, int64_t id, struct ob_webhook *out)
{
    int64_t account;
    int rc = endpoint_account(ctx, id, &account);

    if (rc)
        return rc;
    rc = ob_db_one(ctx, read_endpoint, out,
                   "SELECT " ENDPOINT_COLS " FROM webhook_endpoints WHERE id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "webhook.not_found");
    if (rc == 0)
        out->kinds = kinds_of(ctx, id);
    return rc;
}

/* ---- changing ---- */

struct change {
    int64_t id, account;
    const char *url, *description, *state;
    json_t *kinds;
    char *secret;
    int64_t *out;
};

static json_t *
params_of(const struct change *c, const char *url)
{
    (void)c;
    return json_pack("{s:s}", "url", url ? url : "");
}

static int
create_tx(struct ob_ctx *ctx, void *arg)
{
    struct change *c = arg;
    int64_t now = ob_clock_now(ctx);
    int rc = ob_db_get_int(ctx->db, c->out,
                           "INSERT INTO webhook_endpoints (account_id, url, description, secret, "
                           "state, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?) "
                           "RETURNING id",
                           "itttii", c->account, c->url, c->description, c->secret, now, now);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = write_kinds(ctx, *c->out, c->kinds)) != 0)
        return rc;
    return ob_audit_with(ctx, c->account, "webhook.created", "webhook", *c->out,
                         params_of(c, c->url), "webhook endpoint %s", c->url);
}

int
ob_webhook_create(struct ob_ctx *ctx, int64_t account, const char *url, const char *description,
                  json_t *kinds, int64_t *id, char secret[OB_WEBHOOK_SECRET_LEN])
{
    json_t *none = json_array();
    struct change c = {.account = account,
                       .url = url,
                       .description = description ? description : "",
                       .kinds = kinds && json_is_array(kinds) ? kinds : none,
                       .secret = secret,
                       .out = id};
    int rc;

    if ((rc = manage(ctx, &c.account)) != 0 || (rc = check_url(ctx, url)) != 0 ||
        (rc = check_kinds(ctx, kinds)) != 0)
        goto out;
    if (strlen(c.description) > 200 || !ob_utf8_valid(c.description)) {
        rc = ob_err_field(&ctx->err, OB_EINVAL, "description", "webhook.description_bad");
        goto out;
    }
    new_secret(secret);
    rc = ob_db_tx(ctx, OB_DB_WRITE, create_tx, &c);
out:
    json_decref(none);
    return rc;
}

static int
update_tx(struct ob_ctx *ctx, void *arg)
{
    struct change *c = arg;
    int64_t now = ob_clock_now(ctx);
    char url[OB_WEBHOOK_URL_MAX + 1] = "";
    int64_t rc;

    if (c->url && (rc = ob_db_run(ctx->db, "UPDATE webhook_endpoints SET url = ? WHERE id = ?",
                                  "ti", c->url, c->id)) < 0)
        return ob_db_err(ctx, (int)rc);
    if (c->description &&
        (rc = ob_db_run(ctx->db, "UPDATE webhook_endpoints SET description = ? WHERE id = ?", "ti",
                        c->description, c->id)) < 0)
        return ob_db_err(ctx, (int)rc);
    if (c->kinds && (rc = write_kinds(ctx, c->id, c->kinds)) != 0)
        return (int)rc;
    if (c->state && !strcmp(c->state, "active")) {
        /* re-enabled: the waiting deliveries go at once, in their order */
        if ((rc = ob_db_run(ctx->db,
                            "UPDATE webhook_endpoints SET state = 'active', failing_since = NULL, "
                            "disabled_at = NULL WHERE id = ? AND state = 'disabled'",
                            "i", c->id)) < 0 ||
            (rc = ob_db_run(ctx->db,
                            "UPDATE webhook_deliveries SET next_at = ? WHERE endpoint_id = ? "
                            "AND state IN ('pending', 'failed') AND next_at > ?",
                            "iii", now, c->id, now)) < 0)
            return ob_db_err(ctx, (int)rc);
    } else if (c->state &&
               (rc = ob_db_run(ctx->db,
                               "UPDATE webhook_endpoints SET state = 'disabled', disabled_at = ? "
                               "WHERE id = ? AND state = 'active'",
                               "ii", now, c->id)) < 0) {
        return ob_db_err(ctx, (int)rc);
    }
    if ((rc = ob_db_run(ctx->db, "UPDATE webhook_endpoints SET updated_at = ? WHERE id = ?", "ii",
                        now, c->id)) < 0)
        return ob_db_err(ctx, (int)rc);
    if ((rc = ob_db_get_text(ctx->db, url, sizeof(url),
                             "SELECT url FROM webhook_endpoints WHERE id = ?", "i", c->id)) < 0)
        return ob_db_err(ctx, (int)rc);
    {
        json_t *p = params_of(c, url);

        if (c->state)
            json_object_set_new(p, "state", json_string(c->state));
        return ob_audit_with(ctx, c->account, "webhook.updated", "webhook", c->id, p,
                             "webhook endpoint %s changed%s%s", url, c->state ? ": " : "",
                             c->state ? c->state : "");
    }
}

int
ob_webhook_update(struct ob_ctx *ctx, int64_t id, const char *url, const char *description,
                  json_t *kinds, const char *state)
{
    struct change c = {.id = id, .url = url, .description = description, .state = state};
    int rc;

    if ((rc = endpoint_account(ctx, id, &c.account)) != 0)
        return rc;
    if (url && (rc = check_url(ctx, url)) != 0)
        return rc;
    if (kinds && !json_is_null(kinds)) {
        if ((rc = check_kinds(ctx, kinds)) != 0)
            return rc;
        c.kinds = kinds;
    }
    if (description && (strlen(description) > 200 || !ob_utf8_valid(description)))
        return ob_err_field(&ctx->err, OB_EINVAL, "description", "webhook.description_bad");
    if (state && strcmp(state, "active") && strcmp(state, "disabled"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "webhook.state_bad");
    return ob_db_tx(ctx, OB_DB_WRITE, update_tx, &c);
}

static int
delete_tx(struct ob_ctx *ctx, void *arg)
{
    struct change *c = arg;
    char url[OB_WEBHOOK_URL_MAX + 1] = "";
    int64_t rc;

    if ((rc = ob_db_get_text(ctx->db, url, sizeof(url),
                             "UPDATE webhook_endpoints SET state = 'deleted', updated_at = ? "
                             "WHERE id = ? AND state <> 'deleted' RETURNING url",
                             "ii", ob_clock_now(ctx), c->id)) < 0)
        return ob_db_err(ctx, (int)rc);
    if (rc == OB_DB_DONE)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "webhook.not_found");
    if ((rc = ob_db_run(ctx->db,
                        "UPDATE webhook_deliveries SET state = 'dead', error = 'endpoint deleted' "
                        "WHERE endpoint_id = ? AND state IN ('pending', 'failed')",
                        "i", c->id)) < 0)
        return ob_db_err(ctx, (int)rc);
    return ob_audit_with(ctx, c->account, "webhook.deleted", "webhook", c->id, params_of(c, url),
                         "webhook endpoint %s deleted", url);
}

int
ob_webhook_delete(struct ob_ctx *ctx, int64_t id)
{
    struct change c = {.id = id};
    int rc = endpoint_account(ctx, id, &c.account);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, delete_tx, &c);
}

static int
rotate_tx(struct ob_ctx *ctx, void *arg)
{
    struct change *c = arg;
    char url[OB_WEBHOOK_URL_MAX + 1] = "";
    int rc = ob_db_get_text(ctx->db, url, sizeof(url),
                            "UPDATE webhook_endpoints SET secret = ?, updated_at = ? WHERE id = ? "
                            "RETURNING url",
                            "tii", c->secret, ob_clock_now(ctx), c->id);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, c->account, "webhook.rotated", "webhook", c->id, params_of(c, url),
                         "webhook endpoint %s: new signing secret", url);
}

int
ob_webhook_rotate(struct ob_ctx *ctx, int64_t id, char secret[OB_WEBHOOK_SECRET_LEN])
{
    struct change c = {.id = id, .secret = secret};
    int rc = endpoint_account(ctx, id, &c.account);

    if (rc)
        return rc;
    new_secret(secret);
    return ob_db_tx(ctx, OB_DB_WRITE, rotate_tx, &c);
}

/* ---- deliveries ---- */

static int
attempt_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    char at[OB_INSTANT_LEN];

    ob_instant_format(ob_stmt_int(st, 0), at);
    json_array_append_new(arg, json_pack("{s:s, s:I, s:I, s:s}", "at", at, "status",
                                         (json_int_t)ob_stmt_int(st, 1), "answer_ms",
                                         (json_int_t)ob_stmt_int(st, 2), "error",
                                         ob_stmt_dup(ctx, st, 3)));
    return 0;
}

struct deliveries_fn {
    int (*fn)(const struct ob_webhook_delivery *, void *);
    void *arg;
};

static int
delivery_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct deliveries_fn *f = arg;
    struct ob_webhook_delivery d = {
        .id = ob_stmt_int(st, 0),
        .endpoint = ob_stmt_int(st, 1),
        .event = ob_stmt_int(st, 2),
        .kind = ob_stmt_dup(ctx, st, 3),
        .state = ob_stmt_dup(ctx, st, 4),
        .attempt = (int)ob_stmt_int(st, 5),
        .next_at = ob_stmt_int(st, 6),
        .last_status = (int)ob_stmt_int(st, 7),
        .answer_ms = (int)ob_stmt_int(st, 8),
        .error = ob_stmt_dup(ctx, st, 9),
        .delivered_at = ob_stmt_int(st, 10),
        .created_at = ob_stmt_int(st, 11),
        .resent_from = ob_stmt_int(st, 12),
        .event_at = ob_stmt_int(st, 13),
    };
    int rc;

    d.attempts = json_array();
    if (ob_db_each(ctx, attempt_row, d.attempts,
                   "SELECT at, status, answer_ms, error FROM webhook_attempts "
                   "WHERE delivery_id = ? ORDER BY id DESC LIMIT ?",
                   "ii", d.id, (int64_t)ATTEMPTS_SHOWN) != 0)
        ob_err_clear(&ctx->err);
    rc = f->fn(&d, f->arg);
    json_decref(d.attempts);
    return rc;
}

int
ob_webhook_deliveries(struct ob_ctx *ctx, int64_t id, const char *state, int64_t after, int limit,
                      int (*fn)(const struct ob_webhook_delivery *, void *), void *arg)
{
    struct deliveries_fn f = {fn, arg};
    int64_t account;
    int rc = endpoint_account(ctx, id, &account);

    if (rc)
        return rc;
    if (!state)
        state = "";
    if (*state && strcmp(state, "pending") && strcmp(state, "delivered") &&
        strcmp(state, "failed") && strcmp(state, "dead"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "webhook.state_bad");
    return ob_db_each(ctx, delivery_row, &f,
                      "SELECT d.id, d.endpoint_id, d.event_id, v.kind, d.state, d.attempt, "
                      "d.next_at, d.last_status, d.answer_ms, d.error, "
                      "COALESCE(d.delivered_at, 0), d.created_at, COALESCE(d.resent_from, 0), "
                      "v.at FROM webhook_deliveries d JOIN events v ON v.id = d.event_id "
                      "WHERE d.endpoint_id = ? AND (? = '' OR d.state = ?) "
                      "AND (? = 0 OR d.id < ?) ORDER BY d.id DESC LIMIT ?",
                      "ittiii", id, state, state, after, after, (int64_t)limit);
}

struct resend {
    int64_t id, account, d, *out;
};

static int
resend_tx(struct ob_ctx *ctx, void *arg)
{
    struct resend *r = arg;
    int64_t now = ob_clock_now(ctx), event = 0;
    int rc = ob_db_get_int(
        ctx->db, &event, "SELECT event_id FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?",
        "ii", r->d, r->id);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "webhook.delivery_not_found");
    rc = ob_db_get_int(ctx->db, r->out,
                       "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, next_at, "
                       "resent_from, created_at) VALUES (?, ?, 'pending', ?, ?, ?) RETURNING id",
                       "iiiii", r->id, event, now, r->d, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, r->account, "webhook.resent", "webhook", r->id,
                         json_pack("{s:I}", "event", (json_int_t)event),
                         "webhook event msg_%lld sent again", (long long)event);
}

int
ob_webhook_resend(struct ob_ctx *ctx, int64_t id, int64_t d, int64_t *delivery)
{
    struct resend r = {.id = id, .d = d, .out = delivery};
    int rc = endpoint_account(ctx, id, &r.account);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, resend_tx, &r);
}

static int
test_tx(struct ob_ctx *ctx, void *arg)
{
    struct resend *r = arg;
    struct ob_account acc;
    int64_t now = ob_clock_now(ctx), event = 0;
    char data[64];
    int rc;

    if ((rc = ob_account_get(ctx, r->account, &acc)) != 0)
        return rc;
    snprintf(data, sizeof(data), "{\"endpoint\":%lld}", (long long)r->id);
    rc = ob_db_get_int(ctx->db, &event,
                       "INSERT INTO events (kind, at, partner_id, subscriber_id, data) "
                       "VALUES ('webhook.test', ?, NULLIF(?, 0), NULL, ?) RETURNING id",
                       "iit", now, acc.kind == OB_KIND_PARTNER ? r->account : 0, data);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    rc = ob_db_get_int(ctx->db, r->out,
                       "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, next_at, "
                       "created_at) VALUES (?, ?, 'pending', ?, ?) RETURNING id",
                       "iiii", r->id, event, now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, r->account, "webhook.tested", "webhook", r->id,
                         json_pack("{s:I}", "event", (json_int_t)event),
                         "webhook test event msg_%lld", (long long)event);
}

int
ob_webhook_test(struct ob_ctx *ctx, int64_t id, int64_t *delivery)
{
    struct resend r = {.id = id, .out = delivery};
    int rc = endpoint_account(ctx, id, &r.account);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, test_tx, &r);
}

/* ---- the job's side ---- */

/* The seconds after failed attempt n (1, 2, …) until the next one. */
static int64_t
backoff(int attempt)
{
    static const int64_t steps[] = {60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600};

    if (attempt < 1)
        return 0;
    if ((size_t)attempt <= sizeof(steps) / sizeof(steps[0]))
        return steps[attempt - 1];
    return 12 * 3600;
}

struct due {
    struct ob_webhook_send *out;
    int n, max;
};

static int
due_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct due *d = arg;
    struct ob_webhook_send *s = &d->out[d->n++];

    s->delivery = ob_stmt_int(st, 0);
    s->endpoint = ob_stmt_int(st, 1);
    s->event = ob_stmt_int(st, 2);
    s->attempt = (int)ob_stmt_int(st, 3) + 1;
    s->url = ob_stmt_dup(ctx, st, 4);
    s->secret = ob_stmt_dup(ctx, st, 5);
    s->kind = ob_stmt_dup(ctx, st, 6);
    s->data = ob_stmt_dup(ctx, st, 7);
    s->event_at = ob_stmt_int(st, 8);
    return d->n < d->max ? 0 : 1;
}

int
ob_webhook_due(struct ob_ctx *ctx, struct ob_webhook_send *out, int max)
{
    struct due d = {out, 0, max};
    int rc = ob_db_each(ctx, due_row, &d,
                        "SELECT d.id, d.endpoint_id, d.event_id, d.attempt, e.url, e.secret, "
                        "v.kind, v.data, v.at FROM webhook_deliveries d "
                        "JOIN webhook_endpoints e ON e.id = d.endpoint_id "
                        "JOIN events v ON v.id = d.event_id "
                        "WHERE d.state IN ('pending', 'failed') AND d.next_at <= ? "
                        "AND e.state = 'active' AND NOT EXISTS (SELECT 1 FROM "
                        "webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id "
                        "AND p.state IN ('pending', 'failed') AND p.id < d.id) "
                        "ORDER BY d.id LIMIT ?",
                        "ii", ob_clock_now(ctx), (int64_t)max);

    return rc < 0 ? rc : d.n;
}

int
ob_webhook_claim(struct ob_ctx *ctx, const struct ob_webhook_send *s)
{
    int64_t rc = ob_db_run(ctx->db,
                           "UPDATE webhook_deliveries SET attempt = attempt + 1 WHERE id = ? "
                           "AND attempt = ? AND state IN ('pending', 'failed')",
                           "ii", s->delivery, (int64_t)(s->attempt - 1));

    if (rc < 0)
        return ob_db_err(ctx, (int)rc);
    return rc == 1 ? 1 : 0;
}

struct record {
    const struct ob_webhook_send *s;
    bool ok;
    int status, answer_ms;
    const char *error;
};

struct owner {
    const char *email, *lang, *name, *roles;
    struct owner *next;
};

static int
owner_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct owner **head = arg, *o = ob_arena_alloc(&ctx->arena, sizeof(*o));

    if (!o)
        return OB_EINTERNAL;
    o->email = ob_stmt_dup(ctx, st, 0);
    o->lang = ob_stmt_dup(ctx, st, 1);
    o->name = ob_stmt_dup(ctx, st, 2);
    o->roles = ob_stmt_dup(ctx, st, 3);
    o->next = *head;
    *head = o;
    return 0;
}

/* A day as people read it: "12.03.2027" in Russian, "12 Mar 2027" in English. */
static const char *
words_of(struct ob_ctx *ctx, const char *day, const char *lang)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int m = (day[5] - '0') * 10 + (day[6] - '0'), d = (day[8] - '0') * 10 + (day[9] - '0');

    if (strcmp(lang, "en"))
        return ob_arena_printf(&ctx->arena, "%.2s.%.2s.%.4s", day + 8, day + 5, day);
    return ob_arena_printf(&ctx->arena, "%d %s %.4s", d, m >= 1 && m <= 12 ? mon[m - 1] : "", day);
}

/* The endpoint has failed for three days: disable it, tell its managers. */
static int
disable(struct ob_ctx *ctx, int64_t endpoint, int64_t since)
{
    struct ob_account acc;
    struct owner *owners = NULL;
    char url[OB_WEBHOOK_URL_MAX + 1] = "", day[OB_DATE_LEN];
    int64_t account = 0;
    int rc = ob_db_get_int(ctx->db, &account,
                           "UPDATE webhook_endpoints SET state = 'disabled', disabled_at = ?, "
                           "updated_at = ? WHERE id = ? AND state = 'active' RETURNING account_id",
                           "iii", ob_clock_now(ctx), ob_clock_now(ctx), endpoint);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return 0;
    if ((rc = ob_db_get_text(ctx->db, url, sizeof(url),
                             "SELECT url FROM webhook_endpoints WHERE id = ?", "i", endpoint)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_account_get(ctx, account, &acc)) != 0)
        return rc;
    if ((rc = ob_audit_with(ctx, account, "webhook.disabled", "webhook", endpoint,
                            json_pack("{s:s}", "url", url),
                            "webhook endpoint %s disabled after three days of failures", url)) != 0)
        return rc;
    if ((rc = ob_db_each(ctx, owner_row, &owners,
                         "SELECT p.email, p.lang, p.name, m.roles FROM memberships m "
                         "JOIN persons p ON p.id = m.person_id AND p.disabled = 0 "
                         "WHERE m.account_id = ? ORDER BY p.id DESC",
                         "i", account)) != 0)
        return rc;
    ob_date_format(ob_date_of_instant(since), day); /* YYYY-MM-DD */
    for (struct owner *o = owners; o; o = o->next) {
        unsigned roles = 0;
        const char *bad = NULL;
        json_t *vars;

        if (ob_roles_parse(acc.kind, o->roles, &roles, &bad) != 0 || !(roles & managers(acc.kind)))
            continue;
        vars = json_pack("{s:s, s:s, s:s, s:s}", "name", *o->name ? o->name : o->email, "url", url,
                         "account", acc.name, "since", words_of(ctx, day, o->lang));
        rc = ob_outbox_add(ctx, o->email, o->lang, "webhook_disabled", vars, account);
        json_decref(vars);
        if (rc)
            return rc;
    }
    return 0;
}

static int
record_tx(struct ob_ctx *ctx, void *arg)
{
    struct record *r = arg;
    const struct ob_webhook_send *s = r->s;
    int64_t now = ob_clock_now(ctx), first = now, since = now;
    int64_t rc = ob_db_run(ctx->db,
                           "INSERT INTO webhook_attempts (delivery_id, at, status, answer_ms, "
                           "error) VALUES (?, ?, ?, ?, ?)",
                           "iiiit", s->delivery, now, (int64_t)r->status, (int64_t)r->answer_ms,
                           r->error ? r->error : "");

    if (rc < 0)
        return ob_db_err(ctx, (int)rc);
    if (r->ok) {
        if ((rc = ob_db_run(ctx->db,
                            "UPDATE webhook_deliveries SET state = 'delivered', last_status = ?, "
                            "answer_ms = ?, error = '', delivered_at = ? WHERE id = ?",
                            "iiii", (int64_t)r->status, (int64_t)r->answer_ms, now, s->delivery)) <
                0 ||
            (rc = ob_db_run(ctx->db,
                            "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?", "i",
                            s->endpoint)) < 0)
            return ob_db_err(ctx, (int)rc);
        return 0;
    }
    if ((rc = ob_db_get_int(ctx->db, &first,
                            "SELECT MIN(at) FROM webhook_attempts WHERE delivery_id = ?", "i",
                            s->delivery)) < 0)
        return ob_db_err(ctx, (int)rc);
    if ((rc = ob_db_run(ctx->db,
                        "UPDATE webhook_deliveries SET state = ?, next_at = ?, last_status = ?, "
                        "answer_ms = ?, error = ? WHERE id = ?",
                        "tiiiti", now - first >= OB_WEBHOOK_GIVE_UP_S ? "dead" : "failed",
                        now + backoff(s->attempt), (int64_t)r->status, (int64_t)r->answer_ms,
                        r->error ? r->error : "", s->delivery)) < 0 ||
        (rc = ob_db_run(ctx->db,
                        "UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? "
                        "AND failing_since IS NULL",
                        "ii", now, s->endpoint)) < 0 ||
        (rc = ob_db_get_int(ctx->db, &since,
                            "SELECT failing_since FROM webhook_endpoints WHERE id = ?", "i",
                            s->endpoint)) < 0)
        return ob_db_err(ctx, (int)rc);
    if (now - since >= OB_WEBHOOK_GIVE_UP_S)
        return disable(ctx, s->endpoint, since);
    return 0;
}

int
ob_webhook_record(struct ob_ctx *ctx, const struct ob_webhook_send *s, bool ok, int status,
                  int answer_ms, const char *error)
{
    struct record r = {s, ok, status, answer_ms, error};

    return ob_db_tx(ctx, OB_DB_WRITE, record_tx, &r);
}
