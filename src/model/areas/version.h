/*
 * version.h — application versions, test releases and roll-outs (issue 15;
 * docs/rules.md R-DA-2, the partner guide: «Мы стараемся заранее публиковать
 * тестовые релизы … рекомендуем проверять доработку, не дожидаясь публикации
 * новой версии»).
 *
 * The provider publishes a version of an application as a test release
 * ('test'). Only test areas may be moved to a test release, by the
 * subscriber's owner or administrators or its serving partner's owners or
 * operators (so a partner checks its customisation before the clients'
 * working areas move). Releasing it ('released') makes it the application's
 * version and begins a roll-out: every ready area of the application not at
 * that version becomes a row 'pending'; the `rollout` job takes them in
 * waves of --rollout-wave areas. An area of the wave with open sessions
 * waits for them to close, at most --rollout-deadline-minutes after its
 * wave reached it (its windows are warned through the heartbeat answer:
 * ob_version_update_at); then its sessions are closed. An area being
 * updated has phase 'updating' (no session opens) while an `area.version`
 * task asks its backend; the task's last step clears the phase and marks
 * the row updated, or failed with the backend's reason. The next wave
 * begins when the current one has no pending or updating area. People may
 * pause a roll-out (the wave under way finishes; no new area starts),
 * resume it, and retry its failed areas (they go back to pending).
 *
 * Each transition is one transaction: the phase set, the row 'updating' and
 * the task queued together; the phase cleared, the area's version and the
 * row's outcome together with the task's end. A server killed mid-wave
 * leaves queued or leased tasks that a runner takes again (the backend's
 * call is idempotent), and the job ends any row whose task ended without
 * its outcome, so no area stays 'updating'.
 */
#ifndef OB_MODEL_AREAS_VERSION_H
#define OB_MODEL_AREAS_VERSION_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

/* A version name: MAJOR.MINOR.PATCH, each 0..999999 without leading zeros,
 * optionally "-" and a suffix of 1..20 of [0-9A-Za-z.-] ("1.1.0-rc.1"). */
struct ob_version_num {
    long major, minor, patch;
    char suffix[21];
};
/* 0, or -1 when s is not such a name. */
int ob_version_parse(const char *s, struct ob_version_num *out);
/* <0, 0, >0 as a is older than, the same as, newer than b (a suffix sorts
 * before the bare version: 1.1.0-rc.1 < 1.1.0; suffixes compare as text). */
int ob_version_cmp(const struct ob_version_num *a, const struct ob_version_num *b);

struct ob_app_version {
    int64_t id, app, created_at, released_at;   /* released_at 0: not yet */
    const char *app_code, *app_name_ru, *app_name_en, *version, *state, *notes;
    int64_t areas;          /* areas of the application (not deleted) at this version */
    int64_t rollout;        /* its latest roll-out, 0: none */
};

/* Publish a test release (provider administrators and operators): the
 * version must be newer than the application's released ones. */
int ob_version_publish(struct ob_ctx *ctx, const char *app, const char *version,
                       const char *notes, int64_t *id);
/* Anyone signed in: the versions of one application (NULL: all), newest id first. */
int ob_version_list(struct ob_ctx *ctx, const char *app, int64_t before, int limit,
                    int (*fn)(const struct ob_app_version *, void *), void *arg);
int ob_version_get(struct ob_ctx *ctx, int64_t id, struct ob_app_version *out);

/* A version areas run, and how many (not deleted, ready or being deleted); published: it is
 * one of the application's versions here (an area made before versions were published here
 * runs the one its backend reported). */
struct ob_version_use {
    const char *app_code, *app_name_ru, *app_name_en, *version;
    int64_t areas;
    bool published;
};
/* Provider staff: every application and version areas run, by application code and version. */
int ob_version_in_use(struct ob_ctx *ctx, int (*fn)(const struct ob_version_use *, void *),
                      void *arg);
/* Release a test release (provider administrators and operators) and begin
 * its roll-out; *rollout gets its id. */
int ob_version_release(struct ob_ctx *ctx, int64_t id, int64_t *rollout);

/* Move one area to `version` now: a test release into a test area, a
 * released version into any area (the subscriber's owner and
 * administrators, its serving partner's owners and operators, provider
 * administrators). Its open sessions are closed. */
int ob_version_install(struct ob_ctx *ctx, int64_t area, const char *version);

struct ob_rollout {
    int64_t id, app, version_id, wave_size, waves, created_at, finished_at;
    const char *state, *app_code, *app_name_ru, *app_name_en, *version;
    int64_t total, pending, waiting, updating, updated, failed;   /* waiting: pending in a
                                                                     wave, sessions open */
};
/* Provider staff. */
int ob_rollout_get(struct ob_ctx *ctx, int64_t id, struct ob_rollout *out);
int ob_rollout_list(struct ob_ctx *ctx, int64_t before, int limit,
                    int (*fn)(const struct ob_rollout *, void *), void *arg);

struct ob_rollout_area {
    int64_t area, subscriber, subscriber_code, wave, update_at, started_at, finished_at;
    const char *area_name, *subscriber_name, *state, *reason, *from_version;
    bool test;
    int attempts;               /* updating: the backend calls its task made so far */
    const char *last_error;     /* updating: why the last one failed ('' none): it is retried */
};
/* The areas of a roll-out in area id order, of one state (NULL: all);
 * 'waiting' and 'queued' are the pending ones counted as `waiting` and the
 * others. */
int ob_rollout_areas(struct ob_ctx *ctx, int64_t id, const char *state, int64_t after, int limit,
                     int (*fn)(const struct ob_rollout_area *, void *), void *arg);
/* Provider administrators and operators. */
int ob_rollout_pause(struct ob_ctx *ctx, int64_t id);
int ob_rollout_resume(struct ob_ctx *ctx, int64_t id);
/* Failed areas back to pending; *n gets how many. */
int ob_rollout_retry(struct ob_ctx *ctx, int64_t id, int *n);

/* The job's step over every running roll-out (system): end rows whose task
 * ended without an outcome, begin the next wave, start the areas of the
 * wave that may start, finish roll-outs with nothing left. */
int ob_rollout_step(struct ob_ctx *ctx, int *started, int *waiting);

/* The backend's answer for an area being moved (system; joins the caller's
 * transaction): the phase cleared, the version recorded or the reason. An
 * area no longer 'updating' is left as it is. rollout 0: an install. */
int ob_version_done(struct ob_ctx *ctx, int64_t area, int64_t rollout, bool ok,
                    const char *version, const char *reason);

/* When the session's area will be updated and the session closed (0: not
 * planned): a roll-out's wave reached it while it was open. */
int ob_version_update_at(struct ob_ctx *ctx, int64_t session, int64_t *at);
/* The same for an area, shown on its page (0: not planned); the caller has
 * read the area (ob_area_get), which checked the actor's access. */
int ob_version_area_update_at(struct ob_ctx *ctx, int64_t area, int64_t *at);

#endif
