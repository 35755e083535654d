/*
 * archive.h — trials that were never paid (issue 15 item 5, docs/rules.md
 * R-SUB-7a): their data areas archived, later the archives deleted, unless a
 * paid main comes first. Off by default: R-SUB-7 deletes nothing on expiry.
 *
 * With --trial-archive-days N and --trial-delete-days M set by the provider:
 * a subscriber whose trial's last day of access was L (access_ends' 'trial'
 * chain) and who never had a main, extension or local ITS subscription
 * posted is told OB_ARCHIVE_NOTICE_DAYS before its areas are archived, on
 * day max(L + N, the notice's day + D); each ready area then gets phase
 * 'archiving', a final copy of kind 'archive' queued through the backups
 * part (model/areas/backup.h: task area.backup stores and verifies it) and
 * a task area.archive (jobs/archive.c), which waits for that copy, then
 * deletes the backend's area: phase 'archived'. The owner and administrators are told again D days
 * before the archive is deleted, on max(archived + M, that notice + D);
 * then task area.archive_delete removes the objects and the area becomes
 * 'deleted'. Until then they can download the archive. A paid main posted
 * before the deletion brings the areas back (phase 'unarchiving', task
 * area.unarchive: the backend re-creates the area and the archive is
 * restored into it). Every step is audited. State: sql/0030 trial_archives.
 *
 * Everything here is model code: the transfers are jobs/archive.c's, which
 * call the functions below to record them. All functions are the system's
 * (no access check) and, unless said otherwise, join the caller's
 * transaction.
 */
#ifndef OB_MODEL_AREAS_ARCHIVE_H
#define OB_MODEL_AREAS_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

struct ob_config;
struct ob_ctx;
struct ob_err;

/* How many days before archiving, and before deleting an archive, the
 * owner and administrators are emailed (docs/decisions.md). */
#define OB_ARCHIVE_NOTICE_DAYS 7
#define OB_ARCHIVE_MAX_DAYS 3650

struct ob_archive_settings {
    int archive_days;       /* N; 0: archiving is off */
    int delete_days;        /* M; 0: archives are kept */
};

/* Parse --trial-archive-days and --trial-delete-days ("" or 1..3650);
 * OB_EINVAL naming the setting. out may be NULL (a check at start). */
int ob_archive_settings(const struct ob_config *cfg, struct ob_archive_settings *out,
                        struct ob_err *err);

struct ob_archive_counts {
    int noticed, archiving, delete_noticed, deleting, paid;
};

/* The daily pass, in its own transactions: new notices, due archiving
 * (areas to phase 'archiving', their tasks queued), due deletion notices,
 * due deletions (tasks queued). O(due): reads trial_archives_due and, for
 * new candidates, access_ends_day after the last day scanned. */
int ob_archive_pass(struct ob_ctx *ctx, const struct ob_archive_settings *s,
                    struct ob_archive_counts *out);

/* A main, extension or local ITS subscription was posted for subscriber: a
 * trial on its way to the archive is not any more, and archived areas come
 * back (tasks area.unarchive). */
int ob_archive_paid(struct ob_ctx *ctx, int64_t subscriber);

/* ---- for jobs/archive.c's tasks ---------------------------------------------------------- */

struct ob_archive_copy {
    int64_t backup;             /* the area_backups row, kind 'archive' */
    char object[160];           /* its name in the store */
    char sha256[65];
};

/* Whether area is still to be archived (*go): its phase 'archiving' and its
 * subscriber's trial still unpaid; a paid one leaves the phase at once. */
int ob_archive_area_check(struct ob_ctx *ctx, int64_t area, bool *go);
/* The backend's copy is deleted: phase 'archived'; the subscriber's step
 * done once no area is archiving. */
int ob_archive_area_archived(struct ob_ctx *ctx, int64_t area);
/* Archiving failed for good: the phase is left (the area stays as it was),
 * the copy marked failed; the next day's pass tries again. */
int ob_archive_area_failed(struct ob_ctx *ctx, int64_t area, const char *reason);

/* The area's newest stored archive, to restore or delete. OB_ENOTFOUND
 * when there is none. */
int ob_archive_area_copy(struct ob_ctx *ctx, int64_t area, struct ob_archive_copy *c);
/* Unarchived: phase ''; the subscriber's row 'paid' once none is left. */
int ob_archive_area_back(struct ob_ctx *ctx, int64_t area, const char *version);
/* Bringing it back failed for good: it stays archived ('archived' again),
 * the reason audited, so the provider can look. */
int ob_archive_area_back_failed(struct ob_ctx *ctx, int64_t area, const char *reason);
/* The copy's object is deleted from the store: the row 'deleted'. */
int ob_archive_copy_gone(struct ob_ctx *ctx, int64_t backup);
/* Its archive objects are deleted from the store: the copies 'deleted', the
 * area 'deleted', phase ''. */
int ob_archive_area_deleted(struct ob_ctx *ctx, int64_t area);

#endif
