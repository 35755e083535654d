/*
 * mailpref.c — which event mails a person gets (mailpref.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/core/outbox.h"
#include "model/identity/mailpref.h"
#include "model/identity/principal.h"
#include "model/identity/role.h"
#include "base/banned.h"

/* Not about access or money: what a partner employee was let into and out
 * of, a full session limit, a transfer's steps told to a partner's
 * operators (its owner always gets them), a client registered by itself
 * (issue 14). docs/events.md. */
const char *const ob_mail_optional[] = {
    "grant.given", "grant.revoked", "grant.expired", "session.limit_reached", "transfer.step",
    "subscriber.registered",
    NULL,
};
_Static_assert(sizeof(ob_mail_optional) / sizeof(ob_mail_optional[0]) == OB_MAIL_OPTIONAL + 1,
               "OB_MAIL_OPTIONAL counts the optional kinds");

static bool
kind_optional(const char *kind)
{
    for (int i = 0; kind && ob_mail_optional[i]; i++)
        if (!strcmp(ob_mail_optional[i], kind))
            return true;
    return false;
}

int
ob_mail_off_parse(struct ob_ctx *ctx, const json_t *kinds, char *out, size_t size)
{
    size_t n = 0;

    out[0] = '\0';
    if (!json_is_array(kinds) || json_array_size(kinds) > 32)
        return ob_err_field(&ctx->err, OB_EINVAL, "mail_off", "person.mail_off_list");
    for (size_t i = 0; i < json_array_size(kinds); i++) {
        const char *k = json_string_value(json_array_get(kinds, i));

        if (!k || !kind_optional(k))
            return ob_err_field(&ctx->err, OB_EINVAL, "mail_off", "person.mail_off_kind",
                                "kind=%.60s", k ? k : "?");
    }
    /* canonical: the order of ob_mail_optional, each once */
    for (int j = 0; ob_mail_optional[j]; j++)
        for (size_t i = 0; i < json_array_size(kinds); i++)
            if (!strcmp(json_string_value(json_array_get(kinds, i)), ob_mail_optional[j])) {
                int w = snprintf(out + n, size - n, "%s%s", n ? "," : "", ob_mail_optional[j]);

                if (w < 0 || (size_t)w >= size - n)
                    return OB_EINTERNAL;
                n += (size_t)w;
                break;
            }
    return 0;
}

/* Is `kind` in the comma-separated list `off`? */
static bool
listed(const char *off, const char *kind)
{
    size_t len = strlen(kind);

    for (const char *p = off; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == len && !strncmp(p, kind, len))
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

int
ob_mail_off_kinds(struct ob_ctx *ctx, int64_t person, const char *out[OB_MAIL_OPTIONAL])
{
    char off[256] = "";
    struct ob_principal_person c;
    int n = 0;

    /* the caller's own, cached at the generation this request checked */
    if (person == ctx->actor.person && ctx->actor.gen_known &&
        ob_principal_person_get(person, ctx->actor.gen, &c))
        snprintf(off, sizeof(off), "%s", c.mail_off);
    else if (ob_db_get_text(ctx->db, off, sizeof(off), "SELECT mail_off FROM persons WHERE id = ?",
                            "i", person) < 0)
        return 0;
    for (int i = 0; ob_mail_optional[i]; i++)
        if (listed(off, ob_mail_optional[i]))
            out[n++] = ob_mail_optional[i];
    return n;
}

void
ob_mail_day(json_t *vars, const char *key, int32_t day)
{
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    char k[64], v[32];
    int y, m, d;

    ob_date_to_ymd(day, &y, &m, &d);
    snprintf(k, sizeof(k), "%s_ru", key);
    snprintf(v, sizeof(v), "%02d.%02d.%04d", d, m, y);
    json_object_set_new(vars, k, json_string(v));
    snprintf(k, sizeof(k), "%s_en", key);
    snprintf(v, sizeof(v), "%d %s %04d", d, months[(m - 1) % 12], y);
    json_object_set_new(vars, k, json_string(v));
}

struct recipient {
    const char *email, *name, *lang, *off;
    bool disabled, found;
};

static void
read_recipient(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct recipient *r = out;

    r->email = ob_stmt_dup(ctx, st, 0);
    r->name = ob_stmt_dup(ctx, st, 1);
    r->lang = ob_stmt_dup(ctx, st, 2);
    r->off = ob_stmt_dup(ctx, st, 3);
    r->disabled = ob_stmt_int(st, 4) != 0;
    r->found = true;
}

static int
queue(struct ob_ctx *ctx, const struct recipient *r, const char *kind, const char *tmpl,
      json_t *vars, int64_t account, int64_t *id)
{
    json_t *v;
    int rc;

    if (id)
        *id = 0;
    if (r->disabled || !*r->email || (kind && kind_optional(kind) && listed(r->off, kind)))
        return 0;
    v = json_copy(vars);
    if (!v)
        return OB_EINTERNAL;
    if (!json_object_get(v, "name"))
        json_object_set_new(v, "name", json_string(*r->name ? r->name : r->email));
    rc = ob_outbox_queue(ctx, r->email, r->lang, tmpl, v, account, id);
    json_decref(v);
    return rc;
}

int
ob_mail_person(struct ob_ctx *ctx, int64_t person, const char *kind, const char *tmpl,
               json_t *vars, int64_t account, int64_t *id)
{
    struct recipient r = { 0 };
    int rc = ob_db_one(ctx, read_recipient, &r,
                       "SELECT email, name, lang, mail_off, disabled FROM persons WHERE id = ?",
                       "i", person);

    if (id)
        *id = 0;
    if (rc == OB_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    return queue(ctx, &r, kind, tmpl, vars, account, id);
}

struct members {
    const char *kind, *tmpl;
    json_t *vars;
    int64_t account;
    int *sent;
};

static int
member_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct members *m = arg;
    struct recipient r = { 0 };
    int64_t id = 0;
    int rc;

    read_recipient(ctx, st, &r);
    if ((rc = queue(ctx, &r, m->kind, m->tmpl, m->vars, m->account, &id)) != 0)
        return rc;
    if (id && m->sent)
        (*m->sent)++;
    return 0;
}

int
ob_mail_members(struct ob_ctx *ctx, int64_t account, unsigned roles, const char *kind,
                const char *tmpl, json_t *vars, int *sent)
{
    struct members m = { kind, tmpl, vars, account, sent };
    char cond[512] = "";
    size_t n = 0;

    if (sent)
        *sent = 0;
    /* role names are the code's own constants: safe inside the statement */
    for (unsigned bit = 1; bit <= OB_ROLES_ANY && n < sizeof(cond) - 80; bit <<= 1)
        if (roles & bit)
            n += (size_t)snprintf(cond + n, sizeof(cond) - n,
                                  "%s',' || m.roles || ',' LIKE '%%,%s,%%'", n ? " OR " : "",
                                  ob_role_name(bit));
    if (!n)
        return 0;
    return ob_db_each(ctx, member_row, &m,
                      ob_arena_printf(&ctx->arena,
                                      "SELECT p.email, p.name, p.lang, p.mail_off, p.disabled "
                                      "FROM memberships m JOIN persons p ON p.id = m.person_id "
                                      "WHERE m.account_id = ? AND (%s) "
                                      "ORDER BY m.created_at, p.id",
                                      cond),
                      "i", account);
}
