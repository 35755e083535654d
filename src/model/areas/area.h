/*
 * area.h — data areas (R-DA-1): one database of one application for
 * one subscriber.
 *
 * An area is created 'creating' within the subscriber's entitlement
 * (R-SUB-7: the application allowed, per-application, working and test
 * limits with the client's fixed choice, PROF unlimited), under the
 * subscriber's lock so that two creations never both take the last slot;
 * a queued task asks the backend (docs/app-backend.md) and moves it to
 * 'ready' or 'failed' with the reason. Deleting asks for the area's name,
 * closes its sessions and puts it in the bin ('deleting' with purge_at,
 * --area-restore-days later); it can be restored until then (the limits
 * checked again); afterwards a job tells the backend and it becomes
 * 'deleted'.
 *
 * Who: the subscriber's owner and administrators create, delete and
 * restore; its users, its serving partner's employees and provider staff
 * read; a partner employee with a grant (model/areas/grant.h) reads that area.
 */
#ifndef OB_MODEL_AREAS_AREA_H
#define OB_MODEL_AREAS_AREA_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_area {
    int64_t id, subscriber, subscriber_code, app, created_at, created_by;
    int64_t ready_at, deleted_at, purge_at;     /* 0: not yet */
    const char *key, *name, *state, *reason, *version;
    const char *phase;      /* '' or what it is doing besides its state: restoring, updating,
                               archiving, archived, unarchiving (sql/0028); no session opens
                               unless it is '' */
    int64_t phase_at;       /* when the phase began (real time); 0 when there is none */
    const char *app_code, *app_name_ru, *app_name_en, *subscriber_name;
    bool test, demo;
    int sessions;           /* sessions open in it now */
};

struct ob_area_new {
    int64_t subscriber;     /* 0: the actor's account */
    const char *name, *app; /* app: a code */
    bool test;
    bool demo;              /* with the application's demo content */
    /* Called inside the creating transaction once the row exists, for what
     * must be made with the area or not at all (a restore into a new area,
     * an uploaded copy); NULL: nothing. */
    int (*then)(struct ob_ctx *ctx, int64_t id, void *arg);
    void *then_arg;
};

int ob_area_create(struct ob_ctx *ctx, const struct ob_area_new *in, int64_t *id);
/* An area the actor may see; another tenant's is OB_ENOTFOUND. */
int ob_area_get(struct ob_ctx *ctx, int64_t id, struct ob_area *out);
/* No access check (model code: sessions, tasks). */
int ob_area_load(struct ob_ctx *ctx, int64_t id, struct ob_area *out);

struct ob_area_filter {
    int64_t subscriber;     /* 0: every subscriber in the actor's scope */
    const char *state;      /* "active" (creating, ready, failed; the default), "bin", "all" */
};
/* Areas in the actor's scope by id; fn gets each with its cursor. */
int ob_area_list(struct ob_ctx *ctx, const struct ob_area_filter *f, int64_t after, int limit,
                 int (*fn)(const struct ob_area *, void *), void *arg);
/* Delete: `confirm` must be the area's name. Its open sessions close. */
int ob_area_delete(struct ob_ctx *ctx, int64_t id, const char *confirm);
int ob_area_restore(struct ob_ctx *ctx, int64_t id);

/* The backend's answer to a creation (system): ready with the version, or
 * failed with the reason. Joins the caller's transaction; an area no longer
 * 'creating' is left as it is. */
int ob_area_created(struct ob_ctx *ctx, int64_t id, bool ok, const char *version,
                    const char *reason);
/* Queue the deletion of every area whose bin time is over (system). */
int ob_area_purge_due(struct ob_ctx *ctx, int *queued);
/* The backend deleted it (system). Joins the caller's transaction. */
int ob_area_purged(struct ob_ctx *ctx, int64_t id);

#endif
