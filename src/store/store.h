/*
 * store.h — the backup store: where the copies of data areas are kept
 * (backups, archives of trials, exports to download, uploaded copies;
 * sql/0028 area_backups names them).
 *
 * One small interface, two implementations chosen by the settings: a local
 * directory (store/local.c, --backup-dir; on PostgreSQL `serve` refuses a
 * node-local directory unless it is declared shared, since any node may
 * serve a download) and S3-compatible object storage (store/s3.c, libcurl
 * with AWS Signature Version 4).
 *
 * An object is written whole from a local file of this node (the spool,
 * ob_store_spool()), so nobody ever reads half an object: the local store
 * renames it into place after fsync; S3 shows an object only once its PUT
 * has completed. Names are chosen by the caller, [a-z0-9/._-] only, never
 * starting with '/' or containing "..": "areas/<key>/<backup id>.bin".
 *
 * Errors: OB_ENOTFOUND for an absent object; OB_EUNAVAIL (with the reason
 * in err) when the store cannot be reached or refuses, so the caller's task
 * retries; OB_EINVAL for a bad name. Every call is thread-safe.
 */
#ifndef OB_STORE_STORE_H
#define OB_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct ob_config;
struct ob_err;
struct ob_store;
struct ob_store_reader;

#define OB_SHA256_HEX 65    /* 64 lower-case hex digits + NUL */

/* The store the settings name; err says why not (a bad or unwritable
 * directory, an S3 setting missing). */
int ob_store_open(const struct ob_config *cfg, struct ob_store **out, struct ob_err *err);
void ob_store_close(struct ob_store *s);
/* "local" or "s3". */
const char *ob_store_kind(const struct ob_store *s);
/* A directory of this node for files on their way in or out (created by
 * ob_store_open); a spool file is the caller's to delete. */
const char *ob_store_spool(const struct ob_store *s);

/* Store the local file `path` as object `name`; sha256 is the hex digest of
 * its bytes (already computed by the caller while it wrote the file). An
 * existing object of that name is replaced. */
int ob_store_put(struct ob_store *s, const char *name, const char *path, const char *sha256,
                 struct ob_err *err);
/* Copy object `name` into the local file `path` (created or truncated). */
int ob_store_get(struct ob_store *s, const char *name, const char *path, struct ob_err *err);
/* The object's size in bytes. */
int ob_store_size(struct ob_store *s, const char *name, int64_t *size, struct ob_err *err);
/* Read the object back and hash it: how a stored copy is verified. */
int ob_store_sha256(struct ob_store *s, const char *name, char out[OB_SHA256_HEX],
                    struct ob_err *err);
/* Delete the object; an absent one is deleted already (0). */
int ob_store_delete(struct ob_store *s, const char *name, struct ob_err *err);

/* Random access to an object, for streamed downloads with Range: open it
 * (its size in *size), read up to n bytes at offset off (the count, 0 at
 * the end, -1 on a failure), close. A reader is used by one thread at a
 * time. */
int ob_store_reader_open(struct ob_store *s, const char *name, struct ob_store_reader **out,
                         int64_t *size, struct ob_err *err);
long ob_store_reader_read(struct ob_store_reader *r, int64_t off, void *buf, size_t n);
void ob_store_reader_close(struct ob_store_reader *r);

#endif
