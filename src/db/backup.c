/*
 * backup.c — `oblako db backup` and `oblako db restore` for SQLite, and the
 * hold every process that opens the database keeps on its file.
 *
 * A backup copies the live database with SQLite's online backup API in one
 * step: the source is read in one read transaction, which in WAL mode never
 * blocks the server's writers, so the copy is the database as of a commit —
 * every write acknowledged before the backup started is in it. The copy is
 * written to FILE.part in rollback-journal mode (one self-contained file),
 * checked with PRAGMA integrity_check, fsynced and renamed to FILE; the
 * directory is fsynced too, so FILE is either the whole checked copy or absent.
 *
 * The hold: each process that opens an SQLite database takes a shared
 * flock(2) on its file (ob_db_hold) and keeps it until it exits (the kernel
 * drops it even on SIGKILL). A restore takes it exclusive without waiting, so
 * it is refused while any server, job runner or command has the database
 * open, and a server started during a restore refuses to start. flock locks
 * are apart from SQLite's own POSIX locks (Linux), so neither disturbs the other.
 *
 * A restore checks the file first (integrity, an Oblako schema at a migration
 * level this build knows), then, holding the lock, folds the old database's
 * WAL into it, keeps it aside as PATH.before-restore-STAMP (a hard link: PATH
 * never goes missing, so no one can create an empty database meanwhile),
 * writes the copy to PATH.part and renames it over PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/file.h"
#include "db/db.h"
#include "base/banned.h"

static const char *
sqlite_path(const char *url)
{
    return !strncmp(url, "sqlite:", 7) ? url + 7 : NULL;
}

/* "ok" from PRAGMA integrity_check, else the first problem into why. */
static int
integrity(sqlite3 *h, char *why, size_t size)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    snprintf(why, size, "%s", "integrity_check gave no answer");
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);

        snprintf(why, size, "%s", s ? s : "");
        rc = s && !strcmp(s, "ok") ? 0 : -1;
    } else {
        snprintf(why, size, "%s", sqlite3_errmsg(h));
    }
    sqlite3_finalize(st);
    return rc;
}

int
ob_db_hold(const char *url, struct ob_err *err)
{
    const char *path = sqlite_path(url);
    int fd;

    if (!path || !*path || !strcmp(path, ":memory:"))
        return 0;
    /* O_CREAT: a new database's file, which SQLite then takes as empty */
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
        return ob_err_field(err, OB_EUNAVAIL, "db", "db.cannot_open_sqlite",
                            "path=%s memory=%s", path, strerror(errno));
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        return ob_err_field(err, OB_EUNAVAIL, "db", "db.restore_under_way", "path=%s", path);
    }
    return 0;   /* fd stays open, and the lock held, until the process exits */
}

int
ob_db_backup(const char *url, const char *dest, int busy_timeout_ms, struct ob_err *err)
{
    const char *path = sqlite_path(url);
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b;
    char part[1100], why[256] = "";
    int rc = 0, step = SQLITE_OK;

    if (!path)
        return ob_err_field(err, OB_EINVAL, "db", "db.backup_postgres");
    if (snprintf(part, sizeof(part), "%s.part", dest) >= (int)sizeof(part))
        return ob_err_field(err, OB_EINVAL, "file", "db.backup_failed", "path=%s why=%s", dest,
                            "name too long");
    unlink(part);
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_open_v2(part, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK) {
        snprintf(why, sizeof(why), "%s", sqlite3_errmsg(dst ? dst : src));
        rc = -1;
    }
    if (rc == 0) {
        sqlite3_busy_timeout(src, busy_timeout_ms);
        if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
            snprintf(why, sizeof(why), "%s", sqlite3_errmsg(dst));
            rc = -1;
        } else {
            /* one step: all pages in one read transaction, a consistent copy */
            for (int tries = 0; tries < 200; tries++) {
                step = sqlite3_backup_step(b, -1);
                if (step != SQLITE_BUSY && step != SQLITE_LOCKED)
                    break;
                sqlite3_sleep(50);
            }
            if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
                snprintf(why, sizeof(why), "%s", sqlite3_errstr(step));
                rc = -1;
            }
        }
    }
    /* one self-contained file: no -wal beside it */
    if (rc == 0 && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(why, sizeof(why), "%s", sqlite3_errmsg(dst));
        rc = -1;
    }
    if (rc == 0)
        rc = integrity(dst, why, sizeof(why));
    sqlite3_close_v2(src);
    if (sqlite3_close_v2(dst) != SQLITE_OK && rc == 0) {
        snprintf(why, sizeof(why), "%s", "cannot close the copy");
        rc = -1;
    }
    if (rc == 0 && (ob_file_sync(part) != 0 || rename(part, dest) != 0 ||
                    ob_file_sync_dir_of(dest) != 0)) {
        snprintf(why, sizeof(why), "%s", strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(part);
        return ob_err_field(err, OB_EINTERNAL, "file", "db.backup_failed", "path=%s why=%s", dest,
                            why);
    }
    return 0;
}

/* Is src an intact Oblako database at a level this build knows? */
static int
check_copy(const char *src, int known, int *level, struct ob_err *err)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    char why[256] = "";
    int rc = -1;

    *level = 0;
    if (access(src, R_OK) != 0)
        return ob_err_field(err, OB_EINVAL, "file", "db.restore_not_oblako", "path=%s why=%s",
                            src, strerror(errno));
    if (sqlite3_open_v2(src, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        (rc = integrity(h, why, sizeof(why))) == 0) {
        rc = -1;
        snprintf(why, sizeof(why), "%s", "no schema_migrations table");
        if (sqlite3_prepare_v2(h, "SELECT MAX(version) FROM schema_migrations", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            *level = sqlite3_column_int(st, 0);
            rc = 0;
        }
        sqlite3_finalize(st);
    } else if (!why[0]) {
        snprintf(why, sizeof(why), "%s", sqlite3_errmsg(h));
    }
    sqlite3_close_v2(h);
    if (rc != 0)
        return ob_err_field(err, OB_EINVAL, "file", "db.restore_not_oblako", "path=%s why=%s", src,
                            why);
    if (*level < 1 || *level > known)
        return ob_err_field(err, OB_EINVAL, "file", "db.restore_unknown_level",
                            "path=%s level=%d known=%d", src, *level, known);
    return 0;
}

int
ob_db_restore(const char *url, const char *src, int known, char *aside, size_t size,
              struct ob_err *err)
{
    const char *path = sqlite_path(url);
    char part[1100], wal[1100], stamp[32];
    struct stat sb;
    time_t now = time(NULL);
    struct tm tm;
    int fd, level, rc;
    sqlite3 *h = NULL;

    aside[0] = '\0';
    if (!path)
        return ob_err_field(err, OB_EINVAL, "db", "db.backup_postgres");
    if ((rc = check_copy(src, known, &level, err)) != 0)
        return rc;
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
        return ob_err_field(err, OB_EINTERNAL, "db", "db.restore_failed", "path=%s why=%s", path,
                            strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return ob_err_field(err, OB_ECONFLICT, "db", "db.in_use", "path=%s", path);
    }
    snprintf(part, sizeof(part), "%s.part", path);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    rc = -1;
    if (fstat(fd, &sb) != 0)
        goto fail;
    if (sb.st_size > 0) {
        /* fold the old database's WAL into its file, so the copy kept aside
         * is whole; its last connection closing removes the -wal */
        if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
            sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_close_v2(h);
            goto fail;
        }
        sqlite3_close_v2(h);
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
        snprintf(aside, size, "%s.before-restore-%s", path, stamp);
        if (link(path, aside) != 0) {
            aside[0] = '\0';
            goto fail;
        }
    }
    if (ob_file_copy(src, part) != 0 || rename(part, path) != 0 || ob_file_sync_dir_of(path) != 0)
        goto fail;
    /* a -wal left by the old file must not be replayed into the new one */
    if (access(wal, F_OK) == 0 && unlink(wal) != 0)
        goto fail;
    close(fd);  /* the lock goes with it */
    return 0;
fail:
    rc = errno;
    unlink(part);
    close(fd);
    return ob_err_field(err, OB_EINTERNAL, "db", "db.restore_failed", "path=%s why=%s", path,
                        strerror(rc ? rc : EIO));
}
