/*
 * regpage.c — registration pages: managing them, their statistics, and
 * registering through one (R-ONB-5).
 *
 * Managing is the partner's owners and operators (provider admins and
 * operators for the provider's own pages and as staff); reading also
 * provider auditors and support. A page another partner owns is
 * OB_ENOTFOUND, never OB_EPERM: its existence is not told.
 *
 * Registering runs in three steps: the form is checked field by field
 * (no transaction), one attempt of the caller's address is reserved in a
 * write transaction of its own (ob_regpage_reserve: N parallel posts
 * against a limit L register at most L), and the registration is one
 * write transaction (see regpage.h). Statistics are counted from the
 * `signups` rows of the page, the subscriptions of their subscribers and
 * the per-day `regpage_visits` upserts; months are computed in C from the
 * instants, so the SQL is the same on both engines.
 */
#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/rand.h"
#include "db/db.h"
#include "base/log.h"
#include "model/areas/area.h"
#include "model/catalog/catalog.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/ratelimit.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/identity/mailpref.h"
#include "model/identity/person.h"
#include "model/onboarding/regpage.h"
#include "model/onboarding/signin.h"
#include "model/parties/invite.h"
#include "model/parties/requisites.h"
#include "model/parties/subscriber.h"
#include "base/banned.h"

#define MANAGE_PARTNER (OB_ROLE_OWNER | OB_ROLE_OPERATOR)
#define MANAGE_PROVIDER (OB_ROLE_ADMIN | OB_ROLE_OPERATOR)
#define READ_PROVIDER (OB_ROLE_ADMIN | OB_ROLE_OPERATOR | OB_ROLE_AUDITOR | OB_ROLE_SUPPORT)

#define PAGE_SELECT                                                                            \
    "SELECT r.id, COALESCE(r.partner_id, 0), r.slug, r.name, r.tariff_id, r.trial_days, "     \
    "COALESCE(r.application_id, 0), r.origins, r.confirm_email, r.state, r.created_at, "      \
    "r.updated_at, COALESCE(p.name, ''), t.code, t.name_ru, t.name_en, COALESCE(a.code, ''), " \
    "COALESCE(a.name_ru, ''), COALESCE(a.name_en, '') FROM regpages r "                        \
    "JOIN tariffs t ON t.id = r.tariff_id LEFT JOIN accounts p ON p.id = r.partner_id "        \
    "LEFT JOIN applications a ON a.id = r.application_id "

static void
read_page(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_regpage *p = out;

    p->id = ob_stmt_int(st, 0);
    p->partner = ob_stmt_int(st, 1);
    p->slug = ob_stmt_dup(ctx, st, 2);
    p->name = ob_stmt_dup(ctx, st, 3);
    p->tariff = ob_stmt_int(st, 4);
    p->trial_days = (int)ob_stmt_int(st, 5);
    p->app = ob_stmt_int(st, 6);
    p->origins = ob_stmt_dup(ctx, st, 7);
    p->confirm_email = ob_stmt_int(st, 8) != 0;
    p->state = ob_stmt_dup(ctx, st, 9);
    p->created_at = ob_stmt_int(st, 10);
    p->updated_at = ob_stmt_int(st, 11);
    p->partner_name = ob_stmt_dup(ctx, st, 12);
    p->tariff_code = ob_stmt_dup(ctx, st, 13);
    p->tariff_name_ru = ob_stmt_dup(ctx, st, 14);
    p->tariff_name_en = ob_stmt_dup(ctx, st, 15);
    p->app_code = ob_stmt_dup(ctx, st, 16);
    p->app_name_ru = ob_stmt_dup(ctx, st, 17);
    p->app_name_en = ob_stmt_dup(ctx, st, 18);
}

static int
not_found(struct ob_ctx *ctx, int64_t id)
{
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "regpage.not_found", "id=%lld", (long long)id);
}

/* May the actor manage (or, !manage, read) the pages of partner (0: the
 * provider's)? Unrelated: OB_ENOTFOUND. */
static int
access_pages(struct ob_ctx *ctx, int64_t partner, bool manage)
{
    int rc;

    if (partner == 0) {
        rc = ob_access_provider(ctx, manage ? MANAGE_PROVIDER : READ_PROVIDER);
        return rc == OB_EPERM ? ob_err_set(&ctx->err, OB_ENOTFOUND, "regpage.not_found",
                                           "id=%lld", 0LL)
                              : rc;
    }
    return ob_access_partner(ctx, partner, MANAGE_PARTNER, manage ? MANAGE_PROVIDER : READ_PROVIDER);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_regpage *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_page, out, PAGE_SELECT "WHERE r.id = ?", "i", id);
    return rc == OB_ENOTFOUND ? not_found(ctx, id) : rc;
}

static int
get(struct ob_ctx *ctx, int64_t id, bool manage, struct ob_regpage *out)
{
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (rc = load(ctx, id, out)) != 0)
        return rc;
    if ((rc = access_pages(ctx, out->partner, manage)) == OB_ENOTFOUND)
        return not_found(ctx, id);   /* another partner's page: as if there were none */
    return rc;
}

int
ob_regpage_get(struct ob_ctx *ctx, int64_t id, struct ob_regpage *out)
{
    return get(ctx, id, false, out);
}

/* ---- parsers ------------------------------------------------------------------------- */

bool
ob_regpage_slug_valid(const char *s)
{
    size_t n = 0;

    for (; s && s[n]; n++)
        if (!isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_')
            return false;
    return s && n == OB_REGPAGE_SLUG_LEN;
}

static void
new_slug(char out[OB_REGPAGE_SLUG_LEN + 1])
{
    unsigned char raw[12];

    ob_rand_bytes(raw, sizeof(raw));
    sodium_bin2base64(out, OB_REGPAGE_SLUG_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool
host_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

int
ob_regpage_origin_norm(const char *in, char *out, size_t size)
{
    const char *h, *end, *colon;
    bool https;
    size_t hl, n = in ? strlen(in) : 0;
    unsigned long port = 0;

    if (n == 0 || n > 200)
        return -1;
    if (in[n - 1] == '/')
        n--;                    /* "https://site.ru/" as people copy it */
    https = n > 8 && !strncasecmp(in, "https://", 8);
    if (!https && !(n > 7 && !strncasecmp(in, "http://", 7)))
        return -1;
    h = in + (https ? 8 : 7);
    end = in + n;
    colon = memchr(h, ':', (size_t)(end - h));
    hl = (size_t)((colon ? colon : end) - h);
    if (hl == 0 || h[0] == '.' || h[0] == '-' || h[hl - 1] == '.')
        return -1;
    for (size_t i = 0; i < hl; i++)
        if (!host_char(h[i]))
            return -1;
    if (colon) {
        if (colon + 1 == end || end - colon > 6)
            return -1;
        for (const char *p = colon + 1; p < end; p++)
            if (!isdigit((unsigned char)*p))
                return -1;
            else
                port = port * 10 + (unsigned long)(*p - '0');
        if (port == 0 || port > 65535)
            return -1;
        if (port == (https ? 443UL : 80UL))
            port = 0;
    }
    if (hl + 16 > size)
        return -1;
    n = (size_t)snprintf(out, size, "%s://", https ? "https" : "http");
    for (size_t i = 0; i < hl; i++)
        out[n++] = (char)tolower((unsigned char)h[i]);
    out[n] = '\0';
    if (port)
        snprintf(out + n, size - n, ":%lu", port);
    return 0;
}

int
ob_regpage_origins_parse(struct ob_ctx *ctx, const char *in, const char **out)
{
    struct ob_buf b;
    const char *p = in ? in : "";
    int count = 0, rc = 0;

    ob_buf_init(&b, 8192);
    while (*p && rc == 0) {
        size_t n = strcspn(p, " ,\t\r\n");
        char one[256], norm[256];

        if (n == 0) {
            p++;
            continue;
        }
        snprintf(one, sizeof(one), "%.*s", (int)(n < 255 ? n : 255), p);
        if (n > 200 || ob_regpage_origin_norm(one, norm, sizeof(norm)) != 0)
            rc = ob_err_field(&ctx->err, OB_EINVAL, "origins", "regpage.bad_origin",
                              "origin=%.80s", one);
        else if (++count > OB_REGPAGE_ORIGINS_MAX)
            rc = ob_err_field(&ctx->err, OB_EINVAL, "origins", "regpage.too_many_origins",
                              "max=%d", OB_REGPAGE_ORIGINS_MAX);
        else if (!ob_regpage_origin_listed(b.p ? b.p : "", norm)) {
            if (b.len)
                ob_buf_addc(&b, '\n');
            ob_buf_adds(&b, norm);
        }
        p += n;
    }
    if (rc == 0)
        *out = ob_arena_strdup(&ctx->arena, b.p ? b.p : "");
    ob_buf_free(&b);
    return rc;
}

bool
ob_regpage_origin_listed(const char *origins, const char *origin)
{
    char norm[256];
    size_t n;

    if (!origins || !origin || ob_regpage_origin_norm(origin, norm, sizeof(norm)) != 0)
        return false;
    n = strlen(norm);
    for (const char *p = origins; *p;) {
        size_t len = strcspn(p, "\n");

        if (len == n && !strncmp(p, norm, n))
            return true;
        p += len;
        if (*p)
            p++;
    }
    return false;
}

/* ---- creating and changing ----------------------------------------------------------- */

/* The tariff a page of `partner` may offer: a standard main tariff or the
 * partner's own; anything else is OB_ENOTFOUND on "tariff_id". */
static int
check_tariff(struct ob_ctx *ctx, int64_t partner, int64_t tariff)
{
    int64_t ok = 0;
    int rc = ob_db_get_int(ctx->db, &ok,
                           "SELECT 1 FROM tariffs WHERE id = ? AND kind = 'main' AND active = 1 "
                           "AND (partner_id IS NULL OR partner_id = ?)",
                           "ii", tariff, partner);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!ok)
        return ob_err_field(&ctx->err, OB_ENOTFOUND, "tariff_id", "regpage.no_tariff", "id=%lld",
                            (long long)tariff);
    return 0;
}

static int
check_app(struct ob_ctx *ctx, int64_t partner, const char *code, int64_t *app)
{
    struct ob_app a;
    int rc;

    *app = 0;
    if (!code || !*code)
        return 0;
    if ((rc = ob_catalog_app_find(ctx, code, &a)) == OB_ENOTFOUND)
        return ob_err_field(&ctx->err, OB_EINVAL, "application", "regpage.no_app", "app=%.40s",
                            code);
    if (rc == 0 && !a.active)
        rc = ob_err_field(&ctx->err, OB_EINVAL, "application", "area.app_withdrawn", "code=%s",
                          a.code);
    if (rc == 0 &&
        (rc = ob_catalog_app_allowed_for_partner(ctx, a.id, partner, ob_clock_today(ctx))) != 0) {
        ob_err_clear(&ctx->err);
        rc = ob_err_field(&ctx->err, OB_EINVAL, "application", "regpage.app_not_allowed",
                          "app=%s", a.code);
    }
    if (rc == 0)
        *app = a.id;
    return rc;
}

static int
check_fields(struct ob_ctx *ctx, int64_t partner, const struct ob_regpage_change *c,
             const char **origins, int64_t *app)
{
    int rc;

    if (c->name && (rc = ob_check_text(ctx, c->name, 200, true, "name")) != 0)
        return rc;
    if (c->trial_set && (c->trial_days < 1 || c->trial_days > 30))
        return ob_err_field(&ctx->err, OB_EINVAL, "trial_days", "regpage.trial_days", "days=%lld",
                            (long long)c->trial_days);
    if (c->state && strcmp(c->state, "active") && strcmp(c->state, "disabled"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "regpage.state", "state=%.20s",
                            c->state);
    if (c->tariff && (rc = check_tariff(ctx, partner, c->tariff)) != 0)
        return rc;
    *origins = NULL;
    if (c->origins && (rc = ob_regpage_origins_parse(ctx, c->origins, origins)) != 0)
        return rc;
    return c->app_set ? check_app(ctx, partner, c->app, app) : 0;
}

struct create {
    const struct ob_regpage_change *in;
    const char *origins;
    int64_t app, id;
};

static int
create_tx(struct ob_ctx *ctx, void *arg)
{
    struct create *c = arg;
    const struct ob_regpage_change *in = c->in;
    char slug[OB_REGPAGE_SLUG_LEN + 1];
    int64_t now = ob_clock_now(ctx);
    int rc;

    new_slug(slug);
    rc = ob_db_get_int(ctx->db, &c->id,
                       "INSERT INTO regpages (partner_id, slug, name, tariff_id, trial_days, "
                       "application_id, origins, confirm_email, created_by, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "zttiizti" "zii", in->partner, slug, in->name, in->tariff,
                       in->trial_set ? in->trial_days : (int64_t)30, c->app,
                       c->origins ? c->origins : "", (int64_t)(in->confirm_email > 0),
                       ctx->actor.person, now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, in->partner, "regpage.created", "regpage", c->id,
                         json_pack("{s:s, s:I}", "name", in->name, "days",
                                   (json_int_t)(in->trial_set ? in->trial_days : 30)),
                         "registration page '%s' created", in->name);
}

int
ob_regpage_create(struct ob_ctx *ctx, const struct ob_regpage_change *in, struct ob_regpage *out)
{
    struct create c = { .in = in };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (rc = access_pages(ctx, in->partner, true)) != 0)
        return rc;
    if (!in->name)
        return ob_err_field(&ctx->err, OB_EINVAL, "name", "field.required");
    if (!in->tariff)
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff_id", "field.required");
    if ((rc = check_fields(ctx, in->partner, in, &c.origins, &c.app)) != 0 ||
        (rc = ob_db_tx(ctx, OB_DB_WRITE, create_tx, &c)) != 0)
        return rc;
    return load(ctx, c.id, out);
}

struct update {
    int64_t id;
    const struct ob_regpage_change *ch;
    const char *origins;
    int64_t app;
    struct ob_regpage before;
};

static int
update_tx(struct ob_ctx *ctx, void *arg)
{
    struct update *u = arg;
    const struct ob_regpage_change *ch = u->ch;
    const struct ob_regpage *b = &u->before;
    bool state_change = ch->state && strcmp(ch->state, b->state);
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE regpages SET name = ?, tariff_id = ?, trial_days = ?, "
                          "application_id = ?, origins = ?, confirm_email = ?, state = ?, "
                          "updated_at = ? WHERE id = ?",
                          "tiiztitii", ch->name ? ch->name : b->name,
                          ch->tariff ? ch->tariff : b->tariff,
                          ch->trial_set ? ch->trial_days : (int64_t)b->trial_days,
                          ch->app_set ? u->app : b->app, u->origins ? u->origins : b->origins,
                          (int64_t)(ch->confirm_email >= 0 ? ch->confirm_email > 0
                                                          : b->confirm_email),
                          ch->state ? ch->state : b->state, ob_clock_now(ctx), u->id);
    const char *name = ch->name ? ch->name : b->name;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (state_change)
        return ob_audit_with(ctx, b->partner,
                             !strcmp(ch->state, "disabled") ? "regpage.disabled" : "regpage.enabled",
                             "regpage", u->id, json_pack("{s:s}", "name", name),
                             "registration page '%s': %s → %s", name, b->state, ch->state);
    return ob_audit_with(ctx, b->partner, "regpage.updated", "regpage", u->id,
                         json_pack("{s:s}", "name", name), "registration page '%s' changed",
                         name);
}

int
ob_regpage_update(struct ob_ctx *ctx, int64_t id, const struct ob_regpage_change *ch,
                  struct ob_regpage *out)
{
    struct update u = { .id = id, .ch = ch };
    int rc;

    if ((rc = get(ctx, id, true, &u.before)) != 0 ||
        (rc = check_fields(ctx, u.before.partner, ch, &u.origins, &u.app)) != 0 ||
        (rc = ob_db_tx(ctx, OB_DB_WRITE, update_tx, &u)) != 0)
        return rc;
    return load(ctx, id, out);
}

struct list {
    int (*fn)(const struct ob_regpage *, void *);
    void *arg;
};

static int
list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct list *l = arg;
    struct ob_regpage p;

    read_page(ctx, st, &p);
    return l->fn(&p, l->arg);
}

int
ob_regpage_list(struct ob_ctx *ctx, int64_t partner, int64_t after, int limit,
                int (*fn)(const struct ob_regpage *, void *), void *arg)
{
    struct list l = { fn, arg };
    const char *cond;
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (partner > 0 && (rc = access_pages(ctx, partner, false)) != 0)
        return rc;
    if (partner < 0 && (rc = access_pages(ctx, 0, false)) != 0)
        return rc;
    /* the provider's own pages (partner_id NULL) are in the scope of staff only */
    if ((rc = ob_access_scope(ctx, "r.partner_id", NULL, &cond)) != 0)
        return rc;
    sql = ob_arena_printf(&ctx->arena,
                          PAGE_SELECT "WHERE r.id > ? AND (%s) %s ORDER BY r.id LIMIT ?", cond,
                          partner > 0 ? "AND r.partner_id = ?"
                                      : (partner < 0 ? "AND r.partner_id IS NULL AND ? = 0"
                                                     : "AND ? = 0"));
    return ob_db_each(ctx, list_row, &l, sql, "iii", after, partner > 0 ? partner : 0,
                      (int64_t)limit);
}

/* ---- statistics --------------------------------------------------------------------- */

static struct ob_regpage_month *
month_of(struct ob_ctx *ctx, struct ob_regpage_stats *s, const char *m)
{
    for (int i = 0; i < s->nmonths; i++)
        if (!strcmp(s->months[i].month, m))
            return &s->months[i];
    if (s->nmonths % 16 == 0) {
        struct ob_regpage_month *n =
            ob_arena_alloc(&ctx->arena, sizeof(*n) * (size_t)(s->nmonths + 16));

        if (s->nmonths)
            memcpy(n, s->months, sizeof(*n) * (size_t)s->nmonths);
        s->months = n;
    }
    memset(&s->months[s->nmonths], 0, sizeof(s->months[0]));
    snprintf(s->months[s->nmonths].month, sizeof(s->months[0].month), "%.7s", m);
    return &s->months[s->nmonths++];
}

static void
month_of_instant(int64_t t, char out[OB_DATE_LEN])
{
    ob_date_format(ob_date_of_instant(t), out);
    out[7] = '\0';
}

static int
visit_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_regpage_stats *s = arg;
    const char *day = ob_stmt_dup(ctx, st, 0);
    int64_t n = ob_stmt_int(st, 1);

    month_of(ctx, s, day)->visits += n;
    s->visits += n;
    return 0;
}

static int
signup_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_regpage_stats *s = arg;
    char m[OB_DATE_LEN];
    struct ob_regpage_month *row;

    month_of_instant(ob_stmt_int(st, 0), m);
    row = month_of(ctx, s, m);
    row->registrations++;
    s->registrations++;
    if (ob_stmt_int(st, 1)) {
        row->confirmed++;
        s->confirmed++;
    }
    if (ob_stmt_int(st, 2)) {
        month_of_instant(ob_stmt_int(st, 2), m);
        month_of(ctx, s, m)->paid++;
        s->paid++;
    }
    return 0;
}

static int
cmp_month(const void *a, const void *b)
{
    return strcmp(((const struct ob_regpage_month *)a)->month,
                  ((const struct ob_regpage_month *)b)->month);
}

int
ob_regpage_stats(struct ob_ctx *ctx, int64_t id, struct ob_regpage_stats *out)
{
    struct ob_regpage p;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = get(ctx, id, false, &p)) != 0)
        return rc;
    rc = ob_db_each(ctx, visit_row, out,
                    "SELECT day, visits FROM regpage_visits WHERE regpage_id = ?", "i", id);
    /* paid: the first main subscription posted for the subscriber (a trial
     * of a main tariff is kind 'trial') */
    if (rc == 0)
        rc = ob_db_each(ctx, signup_row, out,
                        "SELECT s.created_at, COALESCE(s.confirmed_at, 0), "
                        "COALESCE((SELECT MIN(b.posted_at) FROM subscriptions b WHERE "
                        "b.subscriber_id = s.subscriber_id AND b.kind = 'main' AND "
                        "b.state = 'posted'), 0) FROM signups s WHERE s.regpage_id = ?",
                        "i", id);
    if (rc == 0 && out->nmonths > 1)
        qsort(out->months, (size_t)out->nmonths, sizeof(out->months[0]), cmp_month);
    return rc;
}

/* ---- the public side ----------------------------------------------------------------- */

int
ob_regpage_by_slug(struct ob_ctx *ctx, const char *slug, struct ob_regpage *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (!ob_regpage_slug_valid(slug))
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "regpage.no_page");
    rc = ob_db_one(ctx, read_page, out, PAGE_SELECT "WHERE r.slug = ?", "t", slug);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "regpage.no_page");
    return rc;
}

static int
visit_tx(struct ob_ctx *ctx, void *arg)
{
    char day[OB_DATE_LEN];
    int64_t n;

    ob_date_format(ob_clock_today(ctx), day);
    n = ob_db_run(ctx->db,
                  "INSERT INTO regpage_visits (regpage_id, day, visits) VALUES (?, ?, 1) "
                  "ON CONFLICT (regpage_id, day) DO UPDATE SET visits = regpage_visits.visits + 1",
                  "it", *(int64_t *)arg, day);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_regpage_visit(struct ob_ctx *ctx, int64_t id)
{
    return ob_db_tx(ctx, OB_DB_WRITE, visit_tx, &id);
}

int
ob_regpage_signup_check(struct ob_ctx *ctx, const struct ob_regpage_signup *in, char *email,
                        size_t size)
{
    int rc;

    if (!in->name || !*in->name)
        return ob_err_field(&ctx->err, OB_EINVAL, "name", "regpage.name_required");
    if ((rc = ob_check_text(ctx, in->name, 200, true, "name")) != 0)
        return rc;
    if (!in->email || !*in->email)
        return ob_err_field(&ctx->err, OB_EINVAL, "email", "field.required");
    if ((rc = ob_email_normalize(ctx, in->email, email, size, "email")) != 0)
        return rc;
    if (!in->phone || !*in->phone)
        return ob_err_field(&ctx->err, OB_EINVAL, "phone", "field.required");
    if ((rc = ob_check_phone(ctx, in->phone, "phone")) != 0)
        return rc;
    return in->region ? ob_check_text(ctx, in->region, 100, true, "region") : 0;
}

static int
reserve_tx(struct ob_ctx *ctx, void *arg)
{
    char key[96];

    (void)arg;
    snprintf(key, sizeof(key), "regpage:addr:%s", ctx->remote_addr ? ctx->remote_addr : "");
    return ob_ratelimit_reserve(ctx, key, ctx->cfg->signup_limit_page,
                                (int64_t)ctx->cfg->signup_limit_page_minutes * 60,
                                OB_REASON("rate.regpage"));
}

int
ob_regpage_reserve(struct ob_ctx *ctx)
{
    return ob_db_tx(ctx, OB_DB_WRITE, reserve_tx, NULL);
}

struct reg {
    const struct ob_regpage *page;
    const struct ob_regpage_signup *in;
    const char *email, *lang;
    struct ob_regpage_result *out;
};

/* The partner's owners and operators learn of the client (R-ONB-5: "вы
 * получите уведомление по почте"); a mail they may turn off. */
static int
tell_partner(struct ob_ctx *ctx, const struct reg *r, int64_t code)
{
    json_t *vars;
    int rc;

    if (!r->page->partner)
        return 0;   /* a provider's page: a lead, routed by model/onboarding/lead.c */
    vars = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "client", r->in->name, "email",
                     r->email, "phone", r->in->phone, "page", r->page->name, "code",
                     (json_int_t)code, "subscriber", (json_int_t)r->out->subscriber,
                     "partner_name", r->page->partner_name);
    rc = ob_mail_members(ctx, r->page->partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR,
                         "subscriber.registered", "regpage_registered", vars, NULL);
    json_decref(vars);
    return rc;
}

/* A page that asks for a confirmed address: the new person is not signed
 * in by the answer; the mailed link (valid --link-hours) confirms, signs in
 * and starts the data area. */
static int
confirm_mail(struct ob_ctx *ctx, struct reg *r)
{
    const char *base = ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url : "";
    char secret[OB_SECRET_LEN];
    json_t *vars;
    int rc;

    if ((rc = ob_signin_link_create(ctx, r->out->person, r->out->subscriber, true, secret)) != 0)
        return rc;
    vars = json_pack("{s:s, s:s, s:s, s:i}", "name", r->in->name, "account", r->in->name, "link",
                     ob_arena_printf(&ctx->arena, "%s/auth/link?token=%s", base, secret), "hours",
                     ctx->cfg && ctx->cfg->link_hours ? ctx->cfg->link_hours : 24);
    sodium_memzero(secret, sizeof(secret));
    rc = ob_mail_person(ctx, r->out->person, NULL, "regpage_confirm", vars, r->out->subscriber,
                        NULL);
    json_decref(vars);
    return rc;
}

/* The owner of the new subscriber (see regpage.h). */
static int
owner(struct ob_ctx *ctx, struct reg *r)
{
    struct ob_regpage_result *out = r->out;
    bool created = false;
    int rc;

    if ((rc = ob_person_ensure(ctx, r->email, r->in->name, r->lang, &out->person, &created)) != 0)
        return rc;
    if (created) {
        if ((rc = ob_account_set_member(ctx, out->subscriber, out->person, OB_ROLE_OWNER)) != 0)
            return rc;
        if (r->page->confirm_email)
            return confirm_mail(ctx, r);
        out->signed_in = true;
        if ((rc = ob_signin_link_create(ctx, out->person, out->subscriber, false, out->link)) != 0)
            return rc;
        return ob_auth_link_send(ctx, out->person, "activate", "regpage_welcome", r->in->name);
    } else {
        struct ob_invite_new inv = { .account = out->subscriber, .email = r->email,
                                     .name = r->in->name, .lang = r->lang,
                                     .roles = OB_ROLE_OWNER };
        struct ob_invite sent;

        out->person = 0;    /* not told: the mailbox's owner proves who they are */
        return ob_invite_send(ctx, &inv, &sent);
    }
}

static int
register_tx(struct ob_ctx *ctx, void *arg)
{
    struct reg *r = arg;
    const struct ob_regpage *page = r->page;
    struct ob_trial_spec spec = { .tariff = page->tariff, .days = page->trial_days };
    int64_t now = ob_clock_now(ctx), code = 0, signup = 0, n;
    char state[16] = "";
    json_t *data;
    int rc;

    if ((rc = ob_db_get_text(ctx->db, state, sizeof(state),
                             "SELECT state FROM regpages WHERE id = ?", "i", page->id)) < 0)
        return ob_db_err(ctx, rc);
    if (strcmp(state, "active"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "regpage.closed");
    if ((rc = ob_subscriber_insert_trial(ctx, r->in->name, page->partner, &spec,
                                         &r->out->subscriber, &code)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &signup,
                       "INSERT INTO signups (subscriber_id, partner_id, regpage_id, email, name, "
                       "phone, region, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "RETURNING id",
                       "izittttti", r->out->subscriber, page->partner, page->id, r->email,
                       r->in->name, r->in->phone, r->in->region ? r->in->region : "", r->lang,
                       now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!page->partner) {
        n = ob_db_run(ctx->db,
                      "INSERT INTO leads (subscriber_id, region, state, created_at) "
                      "VALUES (?, ?, 'pool', ?)",
                      "iti", r->out->subscriber, r->in->region ? r->in->region : "", now);
        if (n < 0)
            return ob_db_err(ctx, (int)n);
    }
    if ((rc = owner(ctx, r)) != 0)
        return rc;
    data = json_pack("{s:s, s:o, s:I, s:I}", "source", "page", "partner",
                     page->partner ? json_integer(page->partner) : json_null(), "page",
                     (json_int_t)page->id, "signup", (json_int_t)signup);
    rc = ob_event_emit(ctx, "subscriber.registered", page->partner, r->out->subscriber, data,
                       NULL);
    json_decref(data);      /* ob_event_emit does not steal it */
    if (rc != 0 || (rc = tell_partner(ctx, r, code)) != 0)
        return rc;
    return ob_audit_with(ctx, r->out->subscriber, "regpage.registered", "regpage", page->id,
                         json_pack("{s:s, s:s, s:s}", "name", r->in->name, "page", page->name,
                                   "email", r->email),
                         "'%s' registered through page '%s' as %s", r->in->name, page->name,
                         r->email);
}

/* The page's application: its data area, created after the registration
 * committed (the guide: "после регистрации пользователю автоматически
 * добавится и запустится приложение"), on the service's behalf. It is
 * not part of the registration: a backend that is down or a limit leaves
 * the client registered without it (logged), and the welcome page shows
 * the areas as they are. */
static void
area_start(struct ob_ctx *ctx, const struct ob_regpage *page, const char *lang,
           struct ob_regpage_result *out)
{
    struct ob_actor saved = ctx->actor;
    struct ob_area_new a = { .subscriber = out->subscriber, .app = page->app_code,
                             .name = !strcmp(lang, "en") ? page->app_name_en
                                                         : page->app_name_ru };
    int rc;

    memset(&ctx->actor, 0, sizeof(ctx->actor));
    ctx->actor.system = true;
    ctx->actor.name = "system";
    rc = ob_area_create(ctx, &a, &out->area);
    ctx->actor = saved;
    if (rc != 0) {
        ob_log(OB_LOG_WARN, "regpage area", "{s:I, s:s, s:s}", "subscriber",
               (json_int_t)out->subscriber, "app", page->app_code, "error", ctx->err.message);
        ob_err_clear(&ctx->err);
        out->area = 0;
    }
}

int
ob_regpage_confirm_tx(struct ob_ctx *ctx, int64_t person, int64_t subscriber)
{
    char name[256] = "";
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE signups SET confirmed_at = ? WHERE subscriber_id = ? AND "
                          "confirmed_at IS NULL",
                          "ii", ob_clock_now(ctx), subscriber);
    int rc;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return 0;
    if ((rc = ob_db_get_text(ctx->db, name, sizeof(name), "SELECT name FROM accounts WHERE id = ?",
                             "i", subscriber)) < 0)
        return ob_db_err(ctx, rc);
    return ob_auth_link_send(ctx, person, "activate", "regpage_welcome", name);
}

void
ob_regpage_confirmed(struct ob_ctx *ctx, int64_t subscriber)
{
    struct ob_regpage p;
    struct ob_regpage_result out = { .subscriber = subscriber };
    char lang[8] = "ru";
    int64_t page = 0, areas = 0;

    if (ob_db_get_int(ctx->db, &page, "SELECT COALESCE(regpage_id, 0) FROM signups WHERE "
                                      "subscriber_id = ?", "i", subscriber) < 0 ||
        ob_db_get_text(ctx->db, lang, sizeof(lang), "SELECT lang FROM signups WHERE "
                                                    "subscriber_id = ?", "i", subscriber) < 0 ||
        ob_db_get_int(ctx->db, &areas, "SELECT COUNT(*) FROM areas WHERE subscriber_id = ?", "i",
                      subscriber) < 0 ||
        !page || areas || load(ctx, page, &p) != 0 || !p.app) {
        ob_err_clear(&ctx->err);
        return;
    }
    area_start(ctx, &p, lang, &out);
}

int
ob_regpage_register(struct ob_ctx *ctx, const struct ob_regpage *page,
                    const struct ob_regpage_signup *in, struct ob_regpage_result *out)
{
    char email[OB_EMAIL_MAX + 1];
    struct reg r = { .page = page, .in = in, .email = email, .out = out };
    int rc;

    memset(out, 0, sizeof(*out));
    r.lang = in->lang && !strcmp(in->lang, "en") ? "en" : "ru";
    if ((rc = ob_regpage_signup_check(ctx, in, email, sizeof(email))) != 0 ||
        (rc = ob_db_tx(ctx, OB_DB_WRITE, register_tx, &r)) != 0)
        return rc;
    if (page->app && !page->confirm_email)
        area_start(ctx, page, r.lang, out);
    return 0;
}
