/*
 * copy.h — a client's copies of its data areas (R-DA-5): an export to
 * download, a link that serves a stored copy for a day, and a new area made
 * from an uploaded copy.
 *
 * A copy is a row of area_backups (sql/0028): an export (kind 'export') is
 * asked for by the subscriber's owner or an administrator — also while the
 * subscriber is blocked (R-SUB-7: a blocked client can still take its data
 * away) —, made by the task area.export (jobs/copies.c) and then downloaded
 * through a link. A link (sql/0031) names one stored copy of the area (an
 * export, a backup, an archive), lives 24 hours, and is only as good as its
 * maker: every download checks again that the person who made it (and the
 * API token it was made with) may still manage the subscriber.
 *
 * An upload makes a new area within the entitlement (model/areas/area.h,
 * under the subscriber's lock: two uploads racing for the last slot make one
 * area) with its copy as a row of kind 'upload' (the copy the area was made
 * from, kept like a backup); the area's creation task then imports it
 * (jobs/copies.c) before the area is ready.
 *
 * Who: the subscriber's owner and administrators (an API token of theirs
 * too: a script may take its copy); nobody else, not the serving partner,
 * not provider staff.
 */
#ifndef OB_MODEL_AREAS_COPY_H
#define OB_MODEL_AREAS_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "model/areas/area.h"

struct ob_ctx;

#define OB_COPY_LINK_SECONDS 86400
#define OB_COPY_TOKEN_LEN 64        /* hex digits of a link's token */

struct ob_copy {
    int64_t id, area, size, created_at, created_by, stored_at, verified_at;
    const char *kind, *state, *object, *sha256, *version, *error, *day;
    int attempts;
};

/* Ask for an export of area `area` (ready, and doing nothing else): a new
 * copy queued with its task, or the export already on its way (*existing).
 * Audited. */
int ob_copy_export_ask(struct ob_ctx *ctx, int64_t area, int64_t *id, bool *existing);
/* A copy of area `area` the actor may download (not deleted). */
int ob_copy_get(struct ob_ctx *ctx, int64_t area, int64_t id, struct ob_copy *out);
/* No access check (tasks). */
int ob_copy_load(struct ob_ctx *ctx, int64_t id, struct ob_copy *out);

/* A download link to copy `id` of area `area` (stored; an export when
 * export is set, any other kind but an upload otherwise): *token receives
 * its secret (OB_COPY_TOKEN_LEN hex digits + NUL), only its hash is kept.
 * Audited. */
int ob_copy_link(struct ob_ctx *ctx, int64_t area, int64_t id, bool export,
                 char token[OB_COPY_TOKEN_LEN + 1], int64_t *expires_at);

struct ob_download {
    int64_t copy, area, size, stored_at;
    const char *object, *sha256, *kind, *area_key, *area_name;
};
/* What link `token` serves, for anyone holding it: OB_ENOTFOUND when it is
 * unknown, expired (24 h after it was made, that instant included), its copy
 * no longer stored, or its maker may no longer manage the subscriber. */
int ob_copy_download(struct ob_ctx *ctx, const char *token, struct ob_download *out);

/* Exports are kept this long after they were asked for (their links live a
 * day: a week leaves room to download again), then the job copies-prune
 * deletes them from the store. */
#define OB_COPY_EXPORT_KEEP_SECONDS (7 * 86400)
/* Stored exports asked for before `before`, oldest first, at most limit
 * (system; O(due) through area_backups_state). */
int ob_copy_exports_old(struct ob_ctx *ctx, int64_t before, int limit,
                        int (*fn)(const struct ob_copy *, void *), void *arg);
/* The copy's object is gone from the store: state deleted (system). */
int ob_copy_deleted(struct ob_ctx *ctx, int64_t id);
/* Forget the links that expired before `before` (system). */
int ob_copy_links_prune(struct ob_ctx *ctx, int64_t before, int64_t *deleted);

/* The export task's steps (system); each joins the caller's transaction. */
int ob_copy_storing(struct ob_ctx *ctx, int64_t id);
int ob_copy_stored(struct ob_ctx *ctx, int64_t id, int64_t size, const char *sha256,
                   const char *version);
int ob_copy_failed(struct ob_ctx *ctx, int64_t id, const char *error);
int ob_copy_verified(struct ob_ctx *ctx, int64_t id, bool ok);

/* May the actor make areas of subscriber sub (0: the actor's account)
 * from uploads? Asked before the copy is put in the store. */
int ob_copy_upload_may(struct ob_ctx *ctx, int64_t sub);
/* A new area from an uploaded copy, already put in the store as `object`
 * (size bytes, hash sha256): the area (creating, within the entitlement,
 * with its creation task) and its copy (kind upload, stored) in one
 * transaction. Audited. */
int ob_copy_upload(struct ob_ctx *ctx, const struct ob_area_new *in, const char *object,
                   int64_t size, const char *sha256, int64_t *area, int64_t *copy);
/* The uploaded copy of a new area: OB_ENOTFOUND when the area was not made
 * from one. */
int ob_copy_upload_of(struct ob_ctx *ctx, int64_t area, struct ob_copy *out);
/* The backend imported copy c into new area a (system): the event
 * area.imported. Joins the caller's transaction. */
int ob_copy_imported(struct ob_ctx *ctx, const struct ob_area *a, const struct ob_copy *c);

#endif
