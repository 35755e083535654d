/*
 * local.c — the backup store in a local directory (--backup-dir).
 *
 * Object NAME is the file DIR/NAME. A put links (or, across file systems,
 * copies) the spool file to DIR/NAME.part-<random>, fsyncs it, renames it
 * over DIR/NAME and fsyncs the directory: a crash leaves either the old
 * object, the new one, or a stray .part file that no name points to and
 * the next put of that name does not mind. The spool is DIR/.spool, on the
 * same file system, so a put is a link and not a copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"
#include "base/file.h"
#include "base/rand.h"
#include "store/store_impl.h"
#include "base/banned.h"

struct local {
    struct ob_store base;
    char dir[3072];
};

struct local_reader {
    const struct ob_store_ops *ops;
    int fd;
};

static int
io_error(struct ob_err *err, const char *what, const char *name)
{
    char reason[512];

    snprintf(reason, sizeof(reason), "%s %s: %s", what, name, strerror(errno));
    return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", reason);
}

/* mkdir -p of the directories above path (path itself is a file). */
static int
make_parents(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);

    if (n >= sizeof(tmp))
        return -1;
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static int
object_path(const struct local *l, const char *name, char *out, size_t size)
{
    return snprintf(out, size, "%s/%s", l->dir, name) < (int)size ? 0 : -1;
}

static int
local_put(struct ob_store *s, const char *name, const char *path, const char *sha256,
          struct ob_err *err)
{
    struct local *l = (struct local *)s;
    char dst[4096], part[4200];
    uint64_t r;
    int fd;

    (void)sha256;
    if (object_path(l, name, dst, sizeof(dst)) || make_parents(dst))
        return io_error(err, "cannot make the folder of", name);
    ob_rand_bytes(&r, sizeof(r));
    snprintf(part, sizeof(part), "%s.part-%016llx", dst, (unsigned long long)r);
    if (link(path, part) == 0) {
        fd = open(part, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
            if (fd >= 0)
                close(fd);
            unlink(part);
            return io_error(err, "cannot sync", name);
        }
        close(fd);
    } else if (ob_file_copy(path, part) != 0) {
        int saved = errno;

        unlink(part);
        errno = saved;
        return io_error(err, "cannot write", name);
    }
    if (rename(part, dst) != 0) {
        int saved = errno;

        unlink(part);
        errno = saved;
        return io_error(err, "cannot store", name);
    }
    if (ob_file_sync_dir_of(dst) != 0)
        return io_error(err, "cannot sync the folder of", name);
    return 0;
}

static int
local_get(struct ob_store *s, const char *name, const char *path, struct ob_err *err)
{
    char src[4096];

    if (object_path((struct local *)s, name, src, sizeof(src)))
        return io_error(err, "name too long", name);
    if (access(src, F_OK) != 0 && errno == ENOENT)
        return ob_err_set(err, OB_ENOTFOUND, "store.not_found", "name=%s", name);
    if (ob_file_copy(src, path) != 0)
        return io_error(err, "cannot read", name);
    return 0;
}

static int
local_size(struct ob_store *s, const char *name, int64_t *size, struct ob_err *err)
{
    char p[4096];
    struct stat st;

    if (object_path((struct local *)s, name, p, sizeof(p)))
        return io_error(err, "name too long", name);
    if (stat(p, &st) != 0) {
        if (errno == ENOENT)
            return ob_err_set(err, OB_ENOTFOUND, "store.not_found", "name=%s", name);
        return io_error(err, "cannot read", name);
    }
    *size = (int64_t)st.st_size;
    return 0;
}

static int
local_del(struct ob_store *s, const char *name, struct ob_err *err)
{
    char p[4096];

    if (object_path((struct local *)s, name, p, sizeof(p)))
        return io_error(err, "name too long", name);
    if (unlink(p) != 0 && errno != ENOENT)
        return io_error(err, "cannot delete", name);
    return 0;
}

static long local_read(struct ob_store_reader *r, int64_t off, void *buf, size_t n);
static void local_reader_close(struct ob_store_reader *r);

static int
local_reader_open(struct ob_store *s, const char *name, struct ob_store_reader **out,
                  int64_t *size, struct ob_err *err)
{
    char p[4096];
    struct stat st;
    struct local_reader *r;
    int fd;

    *out = NULL;
    if (object_path((struct local *)s, name, p, sizeof(p)))
        return io_error(err, "name too long", name);
    fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ob_err_set(err, OB_ENOTFOUND, "store.not_found", "name=%s", name);
        return io_error(err, "cannot open", name);
    }
    if (fstat(fd, &st) != 0 || !(r = calloc(1, sizeof(*r)))) {
        close(fd);
        return io_error(err, "cannot open", name);
    }
    r->ops = s->ops;
    r->fd = fd;
    *size = (int64_t)st.st_size;
    *out = (struct ob_store_reader *)r;
    return 0;
}

static long
local_read(struct ob_store_reader *r, int64_t off, void *buf, size_t n)
{
    struct local_reader *lr = (struct local_reader *)r;
    ssize_t got;

    do
        got = pread(lr->fd, buf, n, (off_t)off);
    while (got < 0 && errno == EINTR);
    return (long)got;
}

static void
local_reader_close(struct ob_store_reader *r)
{
    struct local_reader *lr = (struct local_reader *)r;

    close(lr->fd);
    free(lr);
}

static void
local_close(struct ob_store *s)
{
    free(s);
}

static const struct ob_store_ops local_ops = {
    .kind = "local",
    .put = local_put,
    .get = local_get,
    .size = local_size,
    .del = local_del,
    .reader_open = local_reader_open,
    .reader_read = local_read,
    .reader_close = local_reader_close,
    .close = local_close,
};

int
ob_store_local_open(const struct ob_config *cfg, struct ob_store **out, struct ob_err *err)
{
    struct local *l;
    char probe[4200];

    if (!cfg->backup_dir[0])
        return ob_err_field(err, OB_EINVAL, "backup-dir", "store.no_dir", "");
    if (strlen(cfg->backup_dir) > 3000)
        return ob_err_field(err, OB_EINVAL, "backup-dir", "store.no_dir", "");
    if (!(l = calloc(1, sizeof(*l)))) {
        errno = ENOMEM;
        return io_error(err, "cannot open", cfg->backup_dir);
    }
    l->base.ops = &local_ops;
    snprintf(l->dir, sizeof(l->dir), "%s", cfg->backup_dir);
    snprintf(l->base.spool, sizeof(l->base.spool), "%s/.spool", l->dir);
    snprintf(probe, sizeof(probe), "%s/x", l->base.spool);
    if (make_parents(probe) != 0 || access(l->base.spool, W_OK) != 0) {
        int rc = io_error(err, "cannot write to the backup folder", l->dir);

        free(l);
        return rc;
    }
    *out = &l->base;
    return 0;
}
