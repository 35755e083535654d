/*
 * store.c — the backup store's front: the implementation the settings
 * choose, and the calls passed on to it (store.h).
 */
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store_impl.h"
#include "base/banned.h"

/* [a-z0-9/._-], not empty, no leading '/', no empty or dot-dot segment. */
static int
check_name(const char *name, struct ob_err *err)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n < 1024 && name[0] != '/' && name[n - 1] != '/' &&
              !strstr(name, "//") && !strstr(name, "..");

    for (const char *p = name; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("/._-", *p);
    return ok ? 0 : ob_err_set(err, OB_EINVAL, "store.bad_name", "name=%s", name);
}

int
ob_store_open(const struct ob_config *cfg, struct ob_store **out, struct ob_err *err)
{
    *out = NULL;
    if (cfg->backup_s3_url[0])
        return ob_store_s3_open(cfg, out, err);
    return ob_store_local_open(cfg, out, err);
}

void
ob_store_close(struct ob_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *
ob_store_kind(const struct ob_store *s)
{
    return s->ops->kind;
}

const char *
ob_store_spool(const struct ob_store *s)
{
    return s->spool;
}

int
ob_store_put(struct ob_store *s, const char *name, const char *path, const char *sha256,
             struct ob_err *err)
{
    int rc = check_name(name, err);

    if (rc)
        return rc;
    return s->ops->put(s, name, path, sha256, err);
}

int
ob_store_get(struct ob_store *s, const char *name, const char *path, struct ob_err *err)
{
    int rc = check_name(name, err);

    if (rc)
        return rc;
    return s->ops->get(s, name, path, err);
}

int
ob_store_size(struct ob_store *s, const char *name, int64_t *size, struct ob_err *err)
{
    int rc = check_name(name, err);

    if (rc)
        return rc;
    return s->ops->size(s, name, size, err);
}

int
ob_store_sha256(struct ob_store *s, const char *name, char out[OB_SHA256_HEX], struct ob_err *err)
{
    struct ob_store_reader *r;
    crypto_hash_sha256_state h;
    unsigned char buf[64 * 1024], d[crypto_hash_sha256_BYTES];
    int64_t size, off = 0;
    int rc = ob_store_reader_open(s, name, &r, &size, err);

    if (rc)
        return rc;
    crypto_hash_sha256_init(&h);
    while (off < size) {
        long n = ob_store_reader_read(r, off, buf, sizeof(buf));

        if (n <= 0) {
            ob_store_reader_close(r);
            return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s",
                              "the object could not be read back");
        }
        crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
        off += n;
    }
    ob_store_reader_close(r);
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(out, OB_SHA256_HEX, d, sizeof(d));
    return 0;
}

int
ob_store_delete(struct ob_store *s, const char *name, struct ob_err *err)
{
    int rc = check_name(name, err);

    if (rc)
        return rc;
    return s->ops->del(s, name, err);
}

int
ob_store_reader_open(struct ob_store *s, const char *name, struct ob_store_reader **out,
                     int64_t *size, struct ob_err *err)
{
    int rc = check_name(name, err);

    if (rc)
        return rc;
    return s->ops->reader_open(s, name, out, size, err);
}

long
ob_store_reader_read(struct ob_store_reader *r, int64_t off, void *buf, size_t n)
{
    return (*(const struct ob_store_ops **)r)->reader_read(r, off, buf, n);
}

void
ob_store_reader_close(struct ob_store_reader *r)
{
    if (r)
        (*(const struct ob_store_ops **)r)->reader_close(r);
}
