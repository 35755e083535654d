/*
 * distributor.c — the distributors the provider keeps (see distributor.h).
 *
 * Reads and writes check the actor first (model/identity/access.h): provider
 * staff read, provider admins write, a partner's employees read the one
 * distributor their partner record names. Each change runs in one
 * transaction with its audit record; the record's params carry the
 * distributor's name and INN, which its sentence in the cabinet names.
 */
#include <string.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/identity/person.h"
#include "model/parties/distributor.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define DIST_SELECT                                                                            \
    "SELECT d.id, d.name, d.inn, d.kpp, d.address, d.email, d.state, d.created_at, "          \
    "d.updated_at, (SELECT COUNT(*) FROM partners p WHERE p.distributor_id = d.id AND "       \
    "p.settle_with = 'distributor') FROM distributors d "

static void
read_dist(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_distributor *d = out;

    d->id = ob_stmt_int(st, 0);
    d->name = ob_stmt_dup(ctx, st, 1);
    d->inn = ob_stmt_dup(ctx, st, 2);
    d->kpp = ob_stmt_dup(ctx, st, 3);
    d->address = ob_stmt_dup(ctx, st, 4);
    d->email = ob_stmt_dup(ctx, st, 5);
    d->state = ob_stmt_dup(ctx, st, 6);
    d->created_at = ob_stmt_int(st, 7);
    d->updated_at = ob_stmt_int(st, 8);
    d->partners = ob_stmt_int(st, 9);
}

static int
not_found(struct ob_ctx *ctx, int64_t id)
{
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "distributor.not_found", "id=%lld",
                      (long long)id);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_distributor *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_dist, out, DIST_SELECT "WHERE d.id = ?", "i", id);
    return rc == OB_ENOTFOUND ? not_found(ctx, id) : rc;
}

/* Is the distributor the one a partner the actor works for settles through? */
static int
named_by_my_partner(struct ob_ctx *ctx, int64_t id, bool *out)
{
    const char *scope = NULL;
    int64_t one = 0;
    char *sql;
    int rc;

    *out = false;
    if ((rc = ob_access_scope(ctx, "p.account_id", NULL, &scope)) != 0)
        return rc;
    sql = ob_arena_printf(&ctx->arena,
                          "SELECT 1 FROM partners p WHERE p.distributor_id = ? AND "
                          "p.settle_with = 'distributor' AND %s",
                          scope);
    rc = ob_db_get_int(ctx->db, &one, sql, "i", id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    *out = rc != OB_DB_DONE;
    return 0;
}

int
ob_distributor_get(struct ob_ctx *ctx, int64_t id, struct ob_distributor *out)
{
    bool mine = false;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (ob_access_provider_roles(ctx) == 0) {
        if ((rc = named_by_my_partner(ctx, id, &mine)) != 0)
            return rc;
        if (!mine)
            return not_found(ctx, id);
    } else if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0) {
        return rc;
    }
    if ((rc = load(ctx, id, out)) == 0 && mine)
        out->partners = 0;      /* how many others settle through it is not the partner's */
    return rc;
}

struct dist_fn {
    int (*fn)(const struct ob_distributor *, void *);
    void *arg;
};

static int
dist_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct dist_fn *f = arg;
    struct ob_distributor d;

    read_dist(ctx, st, &d);
    return f->fn(&d, f->arg);
}

int
ob_distributor_list(struct ob_ctx *ctx, const char *q, const char *state, int64_t after,
                    int limit, int (*fn)(const struct ob_distributor *, void *), void *arg)
{
    const char *like = q && *q ? ob_db_like_pattern(ctx, q) : "";
    struct dist_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0)
        return rc;
    if (state && strcmp(state, "active") && strcmp(state, "archived"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "distributor.state_format");
    return ob_db_each(ctx, dist_row, &f,
                      DIST_SELECT "WHERE (? = 0 OR d.id < ?) AND (? = '' OR d.state = ?) AND "
                                  "(? = '' OR LOWER(d.name) LIKE LOWER(?) ESCAPE '\\' OR d.inn LIKE ? "
                                  "ESCAPE '\\') ORDER BY d.id DESC LIMIT ?",
                      "iittttti", after, after, state ? state : "", state ? state : "",
                      like, like, like, (int64_t)limit);
}

int
ob_distributor_choices(struct ob_ctx *ctx, int64_t partner,
                       int (*fn)(const struct ob_distributor *, void *), void *arg)
{
    struct dist_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLES_ANY, OB_ROLES_ANY)) != 0)
        return rc;
    return ob_db_each(ctx, dist_row, &f,
                      "SELECT id, name, '', '', '', '', state, 0, 0, 0 FROM distributors "
                      "WHERE state = 'active' ORDER BY name, id",
                      "");
}

int
ob_distributor_check_choice(struct ob_ctx *ctx, int64_t id, const char *field,
                            struct ob_distributor *out)
{
    int rc = load(ctx, id, out);

    if (rc == OB_ENOTFOUND) {
        ob_err_clear(&ctx->err);
        return ob_err_field(&ctx->err, OB_EINVAL, field, "distributor.unknown", "id=%lld",
                            (long long)id);
    }
    if (rc == 0 && strcmp(out->state, "active"))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "distributor.archived", "name=%s",
                            out->name);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------- */

/* Check the fields given (all of name, inn, email when !partial). */
static int
check(struct ob_ctx *ctx, struct ob_distributor *d, bool partial)
{
    char email[OB_EMAIL_MAX + 1];
    int rc = 0;

    if (!partial || d->name)
        rc = ob_account_check_name(ctx, d->name, "name");
    if (rc == 0 && (!partial || d->inn))
        rc = ob_check_inn(ctx, d->inn, "inn");
    if (rc == 0 && d->kpp)
        rc = ob_check_kpp(ctx, d->kpp, "kpp");
    if (rc == 0)
        rc = ob_check_text(ctx, d->address, 500, false, "address");
    if (rc == 0 && (!partial || d->email)) {
        rc = ob_email_normalize(ctx, d->email, email, sizeof(email), "email");
        if (rc == 0)
            d->email = ob_arena_strdup(&ctx->arena, email);
    }
    if (rc == 0 && d->state && strcmp(d->state, "active") && strcmp(d->state, "archived"))
        rc = ob_err_field(&ctx->err, OB_EINVAL, "state", "distributor.state_format");
    return rc;
}

static json_t *
params(const struct ob_distributor *d)
{
    return json_pack("{s:s, s:s}", "name", d->name, "inn", d->inn);
}

/* One INN is one firm: two distributors with it would split its statements. */
static int
inn_free(struct ob_ctx *ctx, const char *inn, int64_t self)
{
    int64_t other = 0;
    int rc = ob_db_get_int(ctx->db, &other, "SELECT id FROM distributors WHERE inn = ? AND id <> ?",
                           "ti", inn, self);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_DONE)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "inn", "distributor.inn_taken", "inn=%s",
                            inn);
    return 0;
}

struct create_args {
    struct ob_distributor *in;
    int64_t *id;
};

static int
create(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    struct ob_distributor *d = a->in;
    int64_t now = ob_clock_now(ctx);
    int rc;

    if ((rc = inn_free(ctx, d->inn, 0)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, a->id,
                       "INSERT INTO distributors (name, inn, kpp, address, email, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "tttttii", d->name, d->inn, d->kpp ? d->kpp : "",
                       d->address ? d->address : "", d->email, now, now);
    if (rc == OB_ECONFLICT)     /* the same firm added at the same moment (sql/0017) */
        return ob_err_field(&ctx->err, OB_ECONFLICT, "inn", "distributor.inn_taken", "inn=%s",
                            d->inn);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, 0, "distributor.created", "distributor", *a->id, params(d),
                         "distributor '%s' (INN %s) created", d->name, d->inn);
}

int
ob_distributor_create(struct ob_ctx *ctx, struct ob_distributor *in, int64_t *id)
{
    struct create_args a = { in, id };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 || (rc = check(ctx, in, false)) != 0)
        return rc;
    if (in->state && strcmp(in->state, "active"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "distributor.create_archived");
    return ob_db_tx(ctx, OB_DB_WRITE, create, &a);
}

struct update_args {
    int64_t id;
    struct ob_distributor *ch;
};

static void
diff(json_t *changes, const char *what, const char *before, const char *after)
{
    if (after && strcmp(before, after))
        json_object_set_new(changes, what, json_string(after));
}

static int
update(struct ob_ctx *ctx, void *arg)
{
    struct update_args *a = arg;
    struct ob_distributor before, *ch = a->ch;
    bool moved;
    json_t *changes, *p;
    int64_t n;
    int rc;

    if ((rc = load(ctx, a->id, &before)) != 0)
        return rc;
    if (ch->inn && (rc = inn_free(ctx, ch->inn, a->id)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE distributors SET name = COALESCE(?, name), inn = COALESCE(?, inn), "
                  "kpp = COALESCE(?, kpp), address = COALESCE(?, address), "
                  "email = COALESCE(?, email), state = COALESCE(?, state), updated_at = ? "
                  "WHERE id = ?",
                  "ttttttii", ch->name, ch->inn, ch->kpp, ch->address, ch->email, ch->state,
                  ob_clock_now(ctx), a->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    changes = json_object();
    diff(changes, "name", before.name, ch->name);
    diff(changes, "inn", before.inn, ch->inn);
    diff(changes, "kpp", before.kpp, ch->kpp);
    diff(changes, "address", before.address, ch->address);
    diff(changes, "email", before.email, ch->email);
    moved = ch->state && strcmp(before.state, ch->state);
    p = json_pack("{s:s, s:s, s:o}", "name", ch->name ? ch->name : before.name, "inn",
                  ch->inn ? ch->inn : before.inn, "changes", changes);
    return ob_audit_with(ctx, 0,
                         !moved                             ? "distributor.changed"
                         : !strcmp(ch->state, "archived") ? "distributor.archived"
                                                           : "distributor.restored",
                         "distributor", a->id, p, "distributor '%s': %s%s", before.name,
                         moved ? "state → " : "changed", moved ? ch->state : "");
}

int
ob_distributor_update(struct ob_ctx *ctx, int64_t id, struct ob_distributor *ch)
{
    struct update_args a = { id, ch };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 || (rc = check(ctx, ch, true)) != 0)
        return rc;
    if (!ch->name && !ch->inn && !ch->kpp && !ch->address && !ch->email && !ch->state)
        return ob_err_set(&ctx->err, OB_EINVAL, "distributor.unchanged", "id=%lld",
                          (long long)id);
    return ob_db_tx(ctx, OB_DB_WRITE, update, &a);
}

static int
drop(struct ob_ctx *ctx, void *arg)
{
    int64_t id = *(int64_t *)arg, used = 0;
    struct ob_distributor d;
    int64_t n;
    int rc;

    if ((rc = load(ctx, id, &d)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &used,
                       "SELECT (SELECT COUNT(*) FROM partners WHERE distributor_id = ?) + "
                       "(SELECT COUNT(*) FROM statements WHERE distributor_id = ?)",
                       "ii", id, id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (used > 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "distributor.in_use", "name=%s", d.name);
    n = ob_db_run(ctx->db, "DELETE FROM distributors WHERE id = ?", "i", id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, 0, "distributor.deleted", "distributor", id, params(&d),
                         "distributor '%s' (INN %s) deleted", d.name, d.inn);
}

int
ob_distributor_delete(struct ob_ctx *ctx, int64_t id)
{
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, drop, &id);
}
