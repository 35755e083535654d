/*
 * version.c — application versions, test releases and roll-outs in waves
 * (version.h says the rules and the transitions).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/config.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/areas/appsession.h"
#include "model/areas/area.h"
#include "model/areas/version.h"
#include "model/catalog/catalog.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/task.h"
#include "model/identity/access.h"
#include "model/parties/requisites.h"
#include "model/parties/subscriber.h"
#include "base/banned.h"

#define STAFF (OB_ROLE_ADMIN | OB_ROLE_OPERATOR)
#define TASK_ATTEMPTS 8
#define WAVE_MAX 10000      /* the most rows of a wave read in one step (--rollout-wave's max) */

/* ---- version names -------------------------------------------------------------------- */

/* A number of 1..6 digits without a leading zero (but "0"); the end in *end. */
static int
number(const char *s, long *out, const char **end)
{
    size_t n = strspn(s, "0123456789");

    if (n == 0 || n > 6 || (n > 1 && s[0] == '0'))
        return -1;
    *out = strtol(s, NULL, 10);
    *end = s + n;
    return 0;
}

int
ob_version_parse(const char *s, struct ob_version_num *out)
{
    const char *p = s;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (!s || number(p, &out->major, &p) || *p++ != '.' || number(p, &out->minor, &p) ||
        *p++ != '.' || number(p, &out->patch, &p))
        return -1;
    if (*p == '\0')
        return 0;
    if (*p++ != '-')
        return -1;
    n = strspn(p, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-");
    if (n == 0 || n >= sizeof(out->suffix) || p[n] != '\0')
        return -1;
    memcpy(out->suffix, p, n + 1);
    return 0;
}

int
ob_version_cmp(const struct ob_version_num *a, const struct ob_version_num *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    if (!a->suffix[0] || !b->suffix[0])
        return !a->suffix[0] - !b->suffix[0];
    return strcmp(a->suffix, b->suffix) < 0 ? -1 : strcmp(a->suffix, b->suffix) > 0;
}

/* ---- versions ------------------------------------------------------------------------- */

#define VERSION_SELECT                                                                         \
    "SELECT v.id, v.application_id, v.created_at, COALESCE(v.released_at, 0), ap.code, "      \
    "ap.name_ru, ap.name_en, v.version, v.state, v.notes, "                                   \
    "(SELECT COUNT(*) FROM areas ar WHERE ar.application_id = v.application_id "              \
    "AND ar.version = v.version AND ar.state IN ('ready', 'deleting')), "                     \
    "COALESCE((SELECT MAX(r.id) FROM rollouts r WHERE r.version_id = v.id), 0) "              \
    "FROM app_versions v JOIN applications ap ON ap.id = v.application_id "

static void
read_version(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_app_version *v = out;

    v->id = ob_stmt_int(st, 0);
    v->app = ob_stmt_int(st, 1);
    v->created_at = ob_stmt_int(st, 2);
    v->released_at = ob_stmt_int(st, 3);
    v->app_code = ob_stmt_dup(ctx, st, 4);
    v->app_name_ru = ob_stmt_dup(ctx, st, 5);
    v->app_name_en = ob_stmt_dup(ctx, st, 6);
    v->version = ob_stmt_dup(ctx, st, 7);
    v->state = ob_stmt_dup(ctx, st, 8);
    v->notes = ob_stmt_dup(ctx, st, 9);
    v->areas = ob_stmt_int(st, 10);
    v->rollout = ob_stmt_int(st, 11);
}

static int
version_load(struct ob_ctx *ctx, int64_t id, struct ob_app_version *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_version, out, VERSION_SELECT "WHERE v.id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "version.not_found", "id=%" PRId64, id);
    return rc;
}

int
ob_version_get(struct ob_ctx *ctx, int64_t id, struct ob_app_version *out)
{
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    return version_load(ctx, id, out);
}

struct version_rows {
    int (*fn)(const struct ob_app_version *, void *);
    void *arg;
};

static int
version_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct version_rows *r = arg;
    struct ob_app_version v;

    read_version(ctx, st, &v);
    return r->fn(&v, r->arg);
}

int
ob_version_list(struct ob_ctx *ctx, const char *app, int64_t before, int limit,
                int (*fn)(const struct ob_app_version *, void *), void *arg)
{
    struct version_rows r = { fn, arg };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    return ob_db_each(ctx, version_row, &r,
                      VERSION_SELECT "WHERE (? = '' OR ap.code = ?) AND (? = 0 OR v.id < ?) "
                                     "ORDER BY v.id DESC LIMIT ?",
                      "ttiii", app ? app : "", app ? app : "", before, before, (int64_t)limit);
}

struct use_rows {
    int (*fn)(const struct ob_version_use *, void *);
    void *arg;
};

static int
use_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct use_rows *r = arg;
    struct ob_version_use u = {
        .app_code = ob_stmt_dup(ctx, st, 0),
        .app_name_ru = ob_stmt_dup(ctx, st, 1),
        .app_name_en = ob_stmt_dup(ctx, st, 2),
        .version = ob_stmt_dup(ctx, st, 3),
        .areas = ob_stmt_int(st, 4),
        .published = ob_stmt_int(st, 5) != 0,
    };

    return r->fn(&u, r->arg);
}

int
ob_version_in_use(struct ob_ctx *ctx, int (*fn)(const struct ob_version_use *, void *), void *arg)
{
    struct use_rows r = { fn, arg };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0)
        return rc;
    return ob_db_each(ctx, use_row, &r,
                      "SELECT ap.code, ap.name_ru, ap.name_en, ar.version, COUNT(*), "
                      "CASE WHEN EXISTS (SELECT 1 FROM app_versions v WHERE "
                      "v.application_id = ar.application_id AND v.version = ar.version) "
                      "THEN 1 ELSE 0 END "
                      "FROM areas ar JOIN applications ap ON ap.id = ar.application_id "
                      "WHERE ar.state IN ('ready', 'deleting') AND ar.version <> '' "
                      "GROUP BY ar.application_id, ap.code, ap.name_ru, ap.name_en, ar.version "
                      "ORDER BY ap.code, ar.version",
                      "");
}

struct publish {
    const struct ob_app *app;
    const char *version, *notes;
    struct ob_version_num num;
    int64_t id;
};

static int
newer_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct publish *p = arg;
    struct ob_version_num old;

    if (ob_version_parse(ob_stmt_text(st, 0), &old) == 0 && ob_version_cmp(&p->num, &old) <= 0)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "version", "version.not_newer",
                            "version=%s released=%s", p->version, ob_stmt_text(st, 0));
    return 0;
}

static int
publish_tx(struct ob_ctx *ctx, void *arg)
{
    struct publish *p = arg;
    int64_t now = ob_clock_now(ctx), have = 0;
    json_t *data;
    int rc;

    if ((rc = ob_db_each(ctx, newer_row, p,
                         "SELECT version FROM app_versions WHERE application_id = ? "
                         "AND state = 'released'",
                         "i", p->app->id)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &have,
                       "SELECT id FROM app_versions WHERE application_id = ? AND version = ?",
                       "it", p->app->id, p->version);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (have)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "version", "version.exists",
                            "version=%s app=%s", p->version, p->app->code);
    rc = ob_db_get_int(ctx->db, &p->id,
                       "INSERT INTO app_versions (application_id, version, state, notes, "
                       "created_at, created_by) VALUES (?, ?, 'test', ?, ?, ?) RETURNING id",
                       "ittiz", p->app->id, p->version, p->notes ? p->notes : "", now,
                       ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    data = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)p->id, "application", p->app->code,
                     "version", p->version);
    rc = ob_event_emit(ctx, "version.published", 0, 0, data, NULL);
    json_decref(data);
    if (rc != 0)
        return rc;
    return ob_audit_with(ctx, 0, "version.published", "app_version", p->id,
                         json_pack("{s:s, s:{s:s, s:s, s:s}}", "version", p->version, "app",
                                   "code", p->app->code, "name_ru", p->app->name_ru, "name_en",
                                   p->app->name_en),
                         "test release %s of '%s' published", p->version, p->app->code);
}

int
ob_version_publish(struct ob_ctx *ctx, const char *app, const char *version, const char *notes,
                   int64_t *id)
{
    struct ob_app a;
    struct publish p = { .app = &a, .version = version, .notes = notes };
    int rc;

    if ((rc = ob_access_provider(ctx, STAFF)) != 0)
        return rc;
    if (!app || !*app)
        return ob_err_field(&ctx->err, OB_EINVAL, "application", "field.required");
    if (!version || !*version)
        return ob_err_field(&ctx->err, OB_EINVAL, "version", "field.required");
    if (ob_version_parse(version, &p.num) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "version", "version.bad_name", "version=%.40s",
                            version);
    if ((rc = ob_check_text(ctx, notes, 2000, false, "notes")) != 0)
        return rc;
    if ((rc = ob_catalog_app_find(ctx, app, &a)) != 0) {
        if (rc == OB_ENOTFOUND)
            return ob_err_field(&ctx->err, OB_EINVAL, "application", "area.no_app", "app=%.40s",
                                app);
        return rc;
    }
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, publish_tx, &p)) != 0)
        return rc;
    *id = p.id;
    return 0;
}

struct release {
    struct ob_app_version v;
    int64_t rollout, areas;
};

static int
release_tx(struct ob_ctx *ctx, void *arg)
{
    struct release *r = arg;
    int64_t now = ob_clock_now(ctx), busy = 0, changed;
    json_t *data;
    int rc;

    changed = ob_db_run(ctx->db,
                        "UPDATE app_versions SET state = 'released', released_at = ?, "
                        "released_by = ? WHERE id = ? AND state = 'test'",
                        "izi", now, ctx->actor.person, r->v.id);
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "version.released_already", "version=%s",
                          r->v.version);
    rc = ob_db_get_int(ctx->db, &busy,
                       "SELECT id FROM rollouts WHERE application_id = ? AND state <> 'done'", "i",
                       r->v.app);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (busy)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "rollout.other_active", "app=%s id=%" PRId64,
                          r->v.app_code, busy);
    if ((changed = ob_db_run(ctx->db,
                             "UPDATE applications SET version = ?, updated_at = ? WHERE id = ?",
                             "tii", r->v.version, now, r->v.app)) < 0)
        return ob_db_err(ctx, (int)changed);
    rc = ob_db_get_int(ctx->db, &r->rollout,
                       "INSERT INTO rollouts (application_id, version_id, state, wave_size, "
                       "created_at, created_by, updated_at) VALUES (?, ?, 'running', ?, ?, ?, ?) "
                       "RETURNING id",
                       "iiiizi", r->v.app, r->v.id, (int64_t)ctx->cfg->rollout_wave, now,
                       ctx->actor.person, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    r->areas = ob_db_run(ctx->db,
                         "INSERT INTO rollout_areas (rollout_id, area_id, from_version) "
                         "SELECT ?, id, version FROM areas WHERE application_id = ? "
                         "AND state = 'ready' AND version <> ?",
                         "iit", r->rollout, r->v.app, r->v.version);
    if (r->areas < 0)
        return ob_db_err(ctx, (int)r->areas);
    data = json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)r->v.id, "application",
                     r->v.app_code, "version", r->v.version, "rollout", (json_int_t)r->rollout,
                     "areas", (json_int_t)r->areas);
    rc = ob_event_emit(ctx, "version.released", 0, 0, data, NULL);
    json_decref(data);
    if (rc != 0)
        return rc;
    return ob_audit_with(ctx, 0, "version.released", "app_version", r->v.id,
                         json_pack("{s:s, s:{s:s, s:s, s:s}, s:I}", "version", r->v.version,
                                   "app", "code", r->v.app_code, "name_ru", r->v.app_name_ru,
                                   "name_en", r->v.app_name_en, "areas", (json_int_t)r->areas),
                         "version %s of '%s' released; its roll-out to %" PRId64
                         " data areas begins",
                         r->v.version, r->v.app_code, r->areas);
}

int
ob_version_release(struct ob_ctx *ctx, int64_t id, int64_t *rollout)
{
    struct release r = { 0 };
    int rc;

    if ((rc = ob_access_provider(ctx, STAFF)) != 0 || (rc = version_load(ctx, id, &r.v)) != 0)
        return rc;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, release_tx, &r)) != 0)
        return rc;
    *rollout = r.rollout;
    return 0;
}

/* ---- moving one area ------------------------------------------------------------------ */

/* Set the area's phase 'updating' and queue its task (the caller holds the
 * subscriber's lock and closed its sessions). 0, or 1 when the area is not
 * ready or is doing something else. */
static int
start_update(struct ob_ctx *ctx, int64_t area, const char *version, int64_t rollout, int64_t try,
             int64_t *task)
{
    char payload[160], key[96];
    int64_t changed;
    json_t *p;
    char *text;
    int rc;

    changed = ob_db_run(ctx->db,
                        "UPDATE areas SET phase = 'updating', phase_at = ?, updated_at = ? "
                        "WHERE id = ? AND state = 'ready' AND phase = ''",
                        "iii", ob_clock_real(), ob_clock_now(ctx), area);
    if (changed <= 0)
        return changed < 0 ? ob_db_err(ctx, (int)changed) : 1;
    p = json_pack("{s:I, s:s, s:I}", "area", (json_int_t)area, "version", version, "rollout",
                  (json_int_t)rollout);
    text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    snprintf(payload, sizeof(payload), "%s", text ? text : "{}");
    free(text);
    if (rollout)
        snprintf(key, sizeof(key), "area.version:r%" PRId64 ":%" PRId64 ":%" PRId64, rollout,
                 area, try);
    else
        snprintf(key, sizeof(key), "area.version:%" PRId64 ":%" PRId64, area, ob_clock_real());
    rc = ob_task_enqueue(ctx, "area.version", payload, key, TASK_ATTEMPTS, task);
    return rc;
}

struct install {
    struct ob_area a;
    struct ob_app_version v;
    int closed;
};

static int
install_tx(struct ob_ctx *ctx, void *arg)
{
    struct install *in = arg;
    int64_t task = 0;
    int rc;

    if ((rc = ob_subscriber_lock(ctx, in->a.subscriber)) != 0)
        return rc;
    if ((rc = ob_appsession_close_area(ctx, in->a.id, "area_updating", &in->closed)) != 0)
        return rc;
    if ((rc = start_update(ctx, in->a.id, in->v.version, 0, 0, &task)) < 0)
        return rc;
    if (rc == 1)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "version.area_busy", "name=%s",
                          in->a.name);
    return ob_audit_with(ctx, in->a.subscriber, "area.version_install", "area", in->a.id,
                         json_pack("{s:s, s:s, s:s, s:b}", "area", in->a.name, "was",
                                   in->a.version, "version", in->v.version, "test",
                                   !strcmp(in->v.state, "test")),
                         "data area '%s' is being moved from version %s to %s (%d sessions "
                         "closed)",
                         in->a.name, in->a.version, in->v.version, in->closed);
}

int
ob_version_install(struct ob_ctx *ctx, int64_t area, const char *version)
{
    struct install in;
    int64_t id = 0;
    int rc;

    memset(&in, 0, sizeof(in));
    if ((rc = ob_area_get(ctx, area, &in.a)) != 0 ||
        (rc = ob_access_subscriber(ctx, in.a.subscriber, OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR,
                                   OB_ROLE_OWNER | OB_ROLE_OPERATOR, OB_ROLE_ADMIN)) != 0)
        return rc;
    if (!version || !*version)
        return ob_err_field(&ctx->err, OB_EINVAL, "version", "field.required");
    rc = ob_db_get_int(ctx->db, &id,
                       "SELECT id FROM app_versions WHERE application_id = ? AND version = ?",
                       "it", in.a.app, version);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!id)
        return ob_err_field(&ctx->err, OB_EINVAL, "version", "version.unknown",
                            "version=%.40s app=%s", version, in.a.app_code);
    if ((rc = version_load(ctx, id, &in.v)) != 0)
        return rc;
    if (!strcmp(in.v.state, "test") && !in.a.test)
        return ob_err_field(&ctx->err, OB_EPERM, "version", "version.test_areas_only",
                            "version=%s name=%s", version, in.a.name);
    if (strcmp(in.a.state, "ready"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "area.not_ready", "name=%s state=%s",
                          in.a.name, in.a.state);
    if (!strcmp(in.a.version, version))
        return ob_err_field(&ctx->err, OB_ECONFLICT, "version", "version.area_at_it",
                            "name=%s version=%s", in.a.name, version);
    return ob_db_tx(ctx, OB_DB_WRITE, install_tx, &in);
}

int
ob_version_done(struct ob_ctx *ctx, int64_t area, int64_t rollout, bool ok, const char *version,
                const char *reason)
{
    int64_t now = ob_clock_now(ctx), changed, sub = 0;
    char name[256] = "", from[64] = "";
    int rc;

    if (!reason || !*reason)
        reason = "the backend refused";
    if (rollout) {
        changed = ob_db_run(ctx->db,
                            "UPDATE rollout_areas SET state = ?, reason = ?, finished_at = ? "
                            "WHERE rollout_id = ? AND area_id = ? AND state = 'updating'",
                            "ttiii", ok ? "updated" : "failed", ok ? "" : reason, now, rollout,
                            area);
        if (changed < 0)
            return ob_db_err(ctx, (int)changed);
    }
    if ((rc = ob_db_get_text(ctx->db, from, sizeof(from),
                             "SELECT version FROM areas WHERE id = ?", "i", area)) < 0 ||
        (rc = ob_db_get_text(ctx->db, name, sizeof(name), "SELECT name FROM areas WHERE id = ?",
                             "i", area)) < 0 ||
        (rc = ob_db_get_int(ctx->db, &sub, "SELECT subscriber_id FROM areas WHERE id = ?", "i",
                            area)) < 0)
        return ob_db_err(ctx, rc);
    changed = ob_db_run(ctx->db,
                        "UPDATE areas SET phase = '', phase_at = NULL, version = ?, "
                        "updated_at = ? WHERE id = ? AND phase = 'updating'",
                        "tii", ok && version && *version ? version : from, now, area);
    if (changed <= 0)
        return changed < 0 ? ob_db_err(ctx, (int)changed) : 0;
    if (ok)
        return ob_audit_with(ctx, sub, "area.version_changed", "area", area,
                             json_pack("{s:s, s:s, s:s}", "area", name, "was", from, "version",
                                       version ? version : ""),
                             "data area '%s' moved from version %s to %s", name, from,
                             version ? version : "");
    return ob_audit_with(ctx, sub, "area.version_failed", "area", area,
                         json_pack("{s:s, s:s, s:s}", "area", name, "version", from, "reason",
                                   reason),
                         "data area '%s' was not updated and stays at version %s: %s", name,
                         from, reason);
}

int
ob_version_update_at(struct ob_ctx *ctx, int64_t session, int64_t *at)
{
    int rc;

    *at = 0;
    rc = ob_db_get_int(ctx->db, at,
                       "SELECT COALESCE(MIN(ra.update_at), 0) FROM app_sessions x "
                       "JOIN rollout_areas ra ON ra.area_id = x.area_id "
                       "JOIN rollouts r ON r.id = ra.rollout_id "
                       "WHERE x.id = ? AND ra.state = 'pending' AND ra.wave > 0 "
                       "AND ra.update_at IS NOT NULL AND r.state = 'running'",
                       "i", session);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

int
ob_version_area_update_at(struct ob_ctx *ctx, int64_t area, int64_t *at)
{
    int rc;

    *at = 0;
    rc = ob_db_get_int(ctx->db, at,
                       "SELECT COALESCE(MIN(ra.update_at), 0) FROM rollout_areas ra "
                       "JOIN rollouts r ON r.id = ra.rollout_id "
                       "WHERE ra.area_id = ? AND ra.state = 'pending' AND ra.wave > 0 "
                       "AND ra.update_at IS NOT NULL AND r.state = 'running'",
                       "i", area);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* ---- roll-outs ------------------------------------------------------------------------ */

#define ROLLOUT_SELECT                                                                         \
    "SELECT r.id, r.application_id, r.version_id, r.wave_size, r.waves, r.created_at, "       \
    "COALESCE(r.finished_at, 0), r.state, ap.code, ap.name_ru, ap.name_en, v.version, "       \
    "(SELECT COUNT(*) FROM rollout_areas x WHERE x.rollout_id = r.id), "                      \
    "(SELECT COUNT(*) FROM rollout_areas x WHERE x.rollout_id = r.id AND x.state = 'pending'), " \
    "(SELECT COUNT(*) FROM rollout_areas x WHERE x.rollout_id = r.id AND x.state = 'pending' " \
    "AND x.wave > 0 AND x.update_at IS NOT NULL), "                                            \
    "(SELECT COUNT(*) FROM rollout_areas x WHERE x.rollout_id = r.id AND x.state = 'updating'), " \
    "(SELECT COUNT(*) FROM rollout_areas x WHERE x.rollout_id = r.id AND x.state = 'updated'), " \
    "(SELECT COUNT(*) FROM rollout_areas x WHERE x.rollout_id = r.id AND x.state = 'failed') " \
    "FROM rollouts r JOIN applications ap ON ap.id = r.application_id "                        \
    "JOIN app_versions v ON v.id = r.version_id "

static void
read_rollout(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_rollout *r = out;

    r->id = ob_stmt_int(st, 0);
    r->app = ob_stmt_int(st, 1);
    r->version_id = ob_stmt_int(st, 2);
    r->wave_size = ob_stmt_int(st, 3);
    r->waves = ob_stmt_int(st, 4);
    r->created_at = ob_stmt_int(st, 5);
    r->finished_at = ob_stmt_int(st, 6);
    r->state = ob_stmt_dup(ctx, st, 7);
    r->app_code = ob_stmt_dup(ctx, st, 8);
    r->app_name_ru = ob_stmt_dup(ctx, st, 9);
    r->app_name_en = ob_stmt_dup(ctx, st, 10);
    r->version = ob_stmt_dup(ctx, st, 11);
    r->total = ob_stmt_int(st, 12);
    r->pending = ob_stmt_int(st, 13);
    r->waiting = ob_stmt_int(st, 14);
    r->updating = ob_stmt_int(st, 15);
    r->updated = ob_stmt_int(st, 16);
    r->failed = ob_stmt_int(st, 17);
}

static int
rollout_load(struct ob_ctx *ctx, int64_t id, struct ob_rollout *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_rollout, out, ROLLOUT_SELECT "WHERE r.id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "rollout.not_found", "id=%" PRId64, id);
    return rc;
}

int
ob_rollout_get(struct ob_ctx *ctx, int64_t id, struct ob_rollout *out)
{
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0) {
        if (rc == OB_EPERM)
            ob_err_set(&ctx->err, OB_ENOTFOUND, "rollout.not_found", "id=%" PRId64, id);
        return rc == OB_EPERM ? OB_ENOTFOUND : rc;
    }
    return rollout_load(ctx, id, out);
}

struct rollout_rows {
    int (*fn)(const struct ob_rollout *, void *);
    void *arg;
};

static int
rollout_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct rollout_rows *r = arg;
    struct ob_rollout x;

    read_rollout(ctx, st, &x);
    return r->fn(&x, r->arg);
}

int
ob_rollout_list(struct ob_ctx *ctx, int64_t before, int limit,
                int (*fn)(const struct ob_rollout *, void *), void *arg)
{
    struct rollout_rows r = { fn, arg };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0)
        return rc;
    return ob_db_each(ctx, rollout_row, &r,
                      ROLLOUT_SELECT "WHERE (? = 0 OR r.id < ?) ORDER BY r.id DESC LIMIT ?", "iii",
                      before, before, (int64_t)limit);
}

struct rollout_area_rows {
    int (*fn)(const struct ob_rollout_area *, void *);
    void *arg;
};

static int
rollout_area_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct rollout_area_rows *r = arg;
    struct ob_rollout_area a;

    a.area = ob_stmt_int(st, 0);
    a.subscriber = ob_stmt_int(st, 1);
    a.subscriber_code = ob_stmt_int(st, 2);
    a.wave = ob_stmt_int(st, 3);
    a.update_at = ob_stmt_int(st, 4);
    a.started_at = ob_stmt_int(st, 5);
    a.finished_at = ob_stmt_int(st, 6);
    a.area_name = ob_stmt_dup(ctx, st, 7);
    a.subscriber_name = ob_stmt_dup(ctx, st, 8);
    a.state = ob_stmt_dup(ctx, st, 9);
    a.reason = ob_stmt_dup(ctx, st, 10);
    a.from_version = ob_stmt_dup(ctx, st, 11);
    a.test = ob_stmt_int(st, 12) != 0;
    a.attempts = (int)ob_stmt_int(st, 13);
    a.last_error = ob_stmt_dup(ctx, st, 14);
    return r->fn(&a, r->arg);
}

int
ob_rollout_areas(struct ob_ctx *ctx, int64_t id, const char *state, int64_t after, int limit,
                 int (*fn)(const struct ob_rollout_area *, void *), void *arg)
{
    struct rollout_area_rows r = { fn, arg };
    struct ob_rollout x;
    const char *s = state ? state : "";
    /* 'waiting' and 'queued' split 'pending' as the roll-out's counts do (1, 2) */
    int split = !strcmp(s, "waiting") ? 1 : !strcmp(s, "queued") ? 2 : 0;
    int rc;

    if (*s && !split && strcmp(s, "pending") && strcmp(s, "updating") && strcmp(s, "updated") &&
        strcmp(s, "failed"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "rollout.bad_state");
    if (split)
        s = "pending";
    if ((rc = ob_rollout_get(ctx, id, &x)) != 0)
        return rc;
    return ob_db_each(ctx, rollout_area_row, &r,
                      "SELECT ra.area_id, ar.subscriber_id, s.code, ra.wave, "
                      "COALESCE(ra.update_at, 0), COALESCE(ra.started_at, 0), "
                      "COALESCE(ra.finished_at, 0), ar.name, ac.name, ra.state, ra.reason, "
                      "ra.from_version, ar.test, "
                      "CASE WHEN ra.state = 'updating' THEN COALESCE(t.attempts, 0) ELSE 0 END, "
                      "CASE WHEN ra.state = 'updating' THEN COALESCE(t.last_error, '') ELSE '' "
                      "END FROM rollout_areas ra "
                      "JOIN areas ar ON ar.id = ra.area_id "
                      "LEFT JOIN tasks t ON t.id = ra.task_id "
                      "JOIN subscribers s ON s.account_id = ar.subscriber_id "
                      "JOIN accounts ac ON ac.id = ar.subscriber_id "
                      "WHERE ra.rollout_id = ? AND (? = '' OR ra.state = ?) AND (? = 0 OR "
                      "(ra.wave > 0 AND ra.update_at IS NOT NULL) = (? = 1)) AND ra.area_id > ? "
                      "ORDER BY ra.area_id LIMIT ?",
                      "ittiiii", id, s, s, (int64_t)split, (int64_t)split, after, (int64_t)limit);
}

struct control {
    struct ob_rollout r;
    const char *action;
    int n;
};

static int
control_tx(struct ob_ctx *ctx, void *arg)
{
    struct control *c = arg;
    int64_t now = ob_clock_now(ctx), changed = 0;

    if (!strcmp(c->action, "pause"))
        changed = ob_db_run(ctx->db,
                            "UPDATE rollouts SET state = 'paused', updated_at = ? "
                            "WHERE id = ? AND state = 'running'",
                            "ii", now, c->r.id);
    else if (!strcmp(c->action, "resume"))
        changed = ob_db_run(ctx->db,
                            "UPDATE rollouts SET state = 'running', updated_at = ? "
                            "WHERE id = ? AND state = 'paused'",
                            "ii", now, c->r.id);
    else {
        int64_t busy = 0;
        int rc;

        changed = ob_db_run(ctx->db,
                            "UPDATE rollout_areas SET state = 'pending', wave = 0, reason = '', "
                            "update_at = NULL, started_at = NULL, finished_at = NULL "
                            "WHERE rollout_id = ? AND state = 'failed'",
                            "i", c->r.id);
        if (changed < 0)
            return ob_db_err(ctx, (int)changed);
        c->n = (int)changed;
        if (changed == 0)
            return ob_err_set(&ctx->err, OB_ECONFLICT, "rollout.nothing_failed", "id=%" PRId64,
                              c->r.id);
        if (!strcmp(c->r.state, "done")) {
            rc = ob_db_get_int(ctx->db, &busy,
                               "SELECT id FROM rollouts WHERE application_id = ? "
                               "AND state <> 'done'",
                               "i", c->r.app);
            if (rc < 0)
                return ob_db_err(ctx, rc);
            if (busy)
                return ob_err_set(&ctx->err, OB_ECONFLICT, "rollout.other_active",
                                  "app=%s id=%" PRId64, c->r.app_code, busy);
            changed = ob_db_run(ctx->db,
                                "UPDATE rollouts SET state = 'running', finished_at = NULL, "
                                "updated_at = ? WHERE id = ?",
                                "ii", now, c->r.id);
        }
    }
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "rollout.already_in_state", "state=%s",
                          c->r.state);
    return ob_audit_with(ctx, 0, !strcmp(c->action, "pause")    ? "rollout.paused"
                                 : !strcmp(c->action, "resume") ? "rollout.resumed"
                                                                : "rollout.retried",
                         "rollout", c->r.id,
                         json_pack("{s:s, s:{s:s, s:s, s:s}, s:i}", "version", c->r.version,
                                   "app", "code", c->r.app_code, "name_ru", c->r.app_name_ru,
                                   "name_en", c->r.app_name_en, "areas", c->n),
                         "roll-out of %s of '%s': %s", c->r.version, c->r.app_code, c->action);
}

static int
control(struct ob_ctx *ctx, int64_t id, const char *action, int *n)
{
    struct control c = { .action = action };
    int rc;

    if ((rc = ob_rollout_get(ctx, id, &c.r)) != 0 || (rc = ob_access_provider(ctx, STAFF)) != 0)
        return rc;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, control_tx, &c)) != 0)
        return rc;
    if (n)
        *n = c.n;
    return 0;
}

int
ob_rollout_pause(struct ob_ctx *ctx, int64_t id)
{
    return control(ctx, id, "pause", NULL);
}

int
ob_rollout_resume(struct ob_ctx *ctx, int64_t id)
{
    return control(ctx, id, "resume", NULL);
}

int
ob_rollout_retry(struct ob_ctx *ctx, int64_t id, int *n)
{
    return control(ctx, id, "retry", n);
}

/* ---- the job's step ------------------------------------------------------------------- */

struct due {
    int64_t area, sub, update_at, tries, sessions;
    const char *state, *phase, *last_error;
};

struct step {
    struct ob_rollout r;
    struct due *rows;
    int n, cap;
    int started, waiting;
};

static int
due_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct step *s = arg;
    struct due *d;

    if (s->n == s->cap)
        return 0;
    d = &s->rows[s->n++];
    d->area = ob_stmt_int(st, 0);
    d->sub = ob_stmt_int(st, 1);
    d->update_at = ob_stmt_int(st, 2);
    d->tries = ob_stmt_int(st, 3);
    d->sessions = ob_stmt_int(st, 4);
    d->state = ob_stmt_dup(ctx, st, 5);
    d->phase = ob_stmt_dup(ctx, st, 6);
    d->last_error = ob_stmt_dup(ctx, st, 7);
    return 0;
}

/* Rows 'updating' whose task ended without writing the outcome (its handler
 * failed before it could, or it ran out of attempts elsewhere): failed, the
 * area's phase cleared. */
static int
end_lost(struct ob_ctx *ctx, struct step *s)
{
    int rc;

    s->n = 0;
    if ((rc = ob_db_each(ctx, due_row, s,
                         "SELECT ra.area_id, 0, 0, 0, 0, t.state, '', "
                         "COALESCE(t.last_error, '') FROM rollout_areas ra "
                         "JOIN tasks t ON t.id = ra.task_id WHERE ra.rollout_id = ? "
                         "AND ra.state = 'updating' AND t.state IN ('done', 'failed')",
                         "i", s->r.id)) != 0)
        return rc;
    for (int i = 0; i < s->n; i++)
        if ((rc = ob_version_done(ctx, s->rows[i].area, s->r.id, false, NULL,
                                  *s->rows[i].last_error ? s->rows[i].last_error
                                                         : "the update ended without an "
                                                           "answer from the backend")) != 0)
            return rc;
    return 0;
}

static int
finish(struct ob_ctx *ctx, struct step *s)
{
    int64_t now = ob_clock_now(ctx), changed;
    struct ob_rollout r;
    json_t *data;
    int rc;

    changed = ob_db_run(ctx->db,
                        "UPDATE rollouts SET state = 'done', finished_at = ?, updated_at = ? "
                        "WHERE id = ? AND state = 'running'",
                        "iii", now, now, s->r.id);
    if (changed <= 0)
        return changed < 0 ? ob_db_err(ctx, (int)changed) : 0;
    if ((rc = rollout_load(ctx, s->r.id, &r)) != 0)
        return rc;
    data = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)r.id, "application",
                     r.app_code, "version", r.version, "areas", (json_int_t)r.total, "updated",
                     (json_int_t)r.updated, "failed", (json_int_t)r.failed);
    rc = ob_event_emit(ctx, "rollout.done", 0, 0, data, NULL);
    json_decref(data);
    if (rc != 0)
        return rc;
    return ob_audit_with(ctx, 0, "rollout.done", "rollout", r.id,
                         json_pack("{s:s, s:{s:s, s:s, s:s}, s:I, s:I}", "version", r.version,
                                   "app", "code", r.app_code, "name_ru", r.app_name_ru,
                                   "name_en", r.app_name_en, "updated", (json_int_t)r.updated,
                                   "failed", (json_int_t)r.failed),
                         "roll-out of %s of '%s' done: %" PRId64 " data areas updated, %" PRId64
                         " failed",
                         r.version, r.app_code, r.updated, r.failed);
}

static int
start_row(struct ob_ctx *ctx, struct step *s, const struct due *d)
{
    int64_t now = ob_clock_now(ctx), task = 0, changed;
    int closed = 0, rc;

    if (strcmp(d->state, "ready")) {
        /* deleted (in the bin or gone) since the roll-out began: no longer one of its areas; a
           restored one keeps its version until the next roll-out (docs/decisions.md) */
        changed = ob_db_run(ctx->db, "DELETE FROM rollout_areas WHERE rollout_id = ? AND area_id = ?",
                            "ii", s->r.id, d->area);
        return changed < 0 ? ob_db_err(ctx, (int)changed) : 0;
    }
    if (*d->phase)
        return 0;   /* restored, archived, updated by hand: the next step tries again */
    if (d->sessions > 0 && ctx->cfg->rollout_deadline_minutes > 0) {
        if (!d->update_at) {
            changed = ob_db_run(ctx->db,
                                "UPDATE rollout_areas SET update_at = ? "
                                "WHERE rollout_id = ? AND area_id = ?",
                                "iii", now + (int64_t)ctx->cfg->rollout_deadline_minutes * 60,
                                s->r.id, d->area);
            if (changed < 0)
                return ob_db_err(ctx, (int)changed);
            s->waiting++;
            return 0;
        }
        if (now < d->update_at) {
            s->waiting++;
            return 0;
        }
    }
    if ((rc = ob_subscriber_lock(ctx, d->sub)) != 0 ||
        (rc = ob_appsession_close_area(ctx, d->area, "area_updating", &closed)) != 0)
        return rc;
    if ((rc = start_update(ctx, d->area, s->r.version, s->r.id, d->tries + 1, &task)) < 0)
        return rc;
    if (rc == 1)
        return 0;
    changed = ob_db_run(ctx->db,
                        "UPDATE rollout_areas SET state = 'updating', tries = tries + 1, "
                        "started_at = ?, task_id = ? WHERE rollout_id = ? AND area_id = ?",
                        "iiii", now, task, s->r.id, d->area);
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    s->started++;
    return 0;
}

static int
step_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *s = arg;
    int64_t busy = 0, left = 0, changed;
    int rc;

    if ((rc = ob_db_lock_row(ctx->db, "rollouts", "id", s->r.id, false)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = rollout_load(ctx, s->r.id, &s->r)) != 0)
        return rc;
    if (strcmp(s->r.state, "running"))
        return 0;
    /* a wave has at most wave_size rows pending or updating, and no row of an earlier wave is */
    s->cap = (int)(s->r.wave_size > 0 && s->r.wave_size < WAVE_MAX ? s->r.wave_size : WAVE_MAX);
    s->rows = ob_arena_alloc(&ctx->arena, sizeof(*s->rows) * (size_t)s->cap);
    if ((rc = end_lost(ctx, s)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &busy,
                       "SELECT COUNT(*) FROM rollout_areas WHERE rollout_id = ? AND "
                       "(state = 'updating' OR (state = 'pending' AND wave > 0))",
                       "i", s->r.id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (busy == 0) {
        rc = ob_db_get_int(ctx->db, &left,
                           "SELECT COUNT(*) FROM rollout_areas WHERE rollout_id = ? "
                           "AND state = 'pending' AND wave = 0",
                           "i", s->r.id);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        if (left == 0)
            return finish(ctx, s);
        changed = ob_db_run(ctx->db,
                            "UPDATE rollout_areas SET wave = ? WHERE rollout_id = ? AND "
                            "state = 'pending' AND wave = 0 AND area_id IN (SELECT area_id FROM "
                            "rollout_areas WHERE rollout_id = ? AND state = 'pending' AND "
                            "wave = 0 ORDER BY area_id LIMIT ?)",
                            "iiii", s->r.waves + 1, s->r.id, s->r.id, s->r.wave_size);
        if (changed < 0)
            return ob_db_err(ctx, (int)changed);
        changed = ob_db_run(ctx->db,
                            "UPDATE rollouts SET waves = waves + 1, updated_at = ? WHERE id = ?",
                            "ii", ob_clock_now(ctx), s->r.id);
        if (changed < 0)
            return ob_db_err(ctx, (int)changed);
    }
    s->n = 0;
    if ((rc = ob_db_each(ctx, due_row, s,
                         "SELECT ra.area_id, ar.subscriber_id, COALESCE(ra.update_at, 0), "
                         "ra.tries, (SELECT COUNT(*) FROM app_sessions x WHERE x.area_id = "
                         "ar.id AND x.closed_at IS NULL AND x.seen_at > ?), ar.state, ar.phase, "
                         "'' FROM rollout_areas ra JOIN areas ar ON ar.id = ra.area_id "
                         "WHERE ra.rollout_id = ? AND ra.state = 'pending' AND ra.wave > 0 "
                         "ORDER BY ra.area_id",
                         "ii", ob_clock_now(ctx) - ctx->cfg->app_idle_seconds, s->r.id)) != 0)
        return rc;
    for (int i = 0; i < s->n; i++)
        if ((rc = start_row(ctx, s, &s->rows[i])) != 0)
            return rc;
    return 0;
}

static int
running_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    int64_t *ids = arg;

    (void)ctx;
    if (ids[0] < 64)
        ids[++ids[0]] = ob_stmt_int(st, 0);
    return 0;
}

int
ob_rollout_step(struct ob_ctx *ctx, int *started, int *waiting)
{
    int64_t ids[65] = { 0 };
    struct step s;
    int rc;

    *started = *waiting = 0;
    if ((rc = ob_db_each(ctx, running_row, ids,
                         "SELECT id FROM rollouts WHERE state = 'running' ORDER BY id LIMIT 64",
                         NULL)) != 0)
        return rc;
    for (int64_t i = 1; i <= ids[0]; i++) {
        memset(&s, 0, sizeof(s));
        s.r.id = ids[i];
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, step_tx, &s)) != 0)
            return rc;
        *started += s.started;
        *waiting += s.waiting;
    }
    return 0;
}
